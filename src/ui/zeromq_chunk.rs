//! The seam between the page and the ZeroMQ page's code. The page's build (the `split`
//! feature, scripts/split-wasm.sh) puts everything only reachable through `zeromq_api` (the
//! ZeroMQ page, the ZeroMQ model, its narration and diagram) in its own wasm module,
//! `split_zeromq.wasm`, which the browser fetches the first time the page needs ZeroMQ: the
//! system switch, a share link or saved state with a ZeroMQ run, or a ZeroMQ scenario file.
//!
//! Invariants: code outside the ZeroMQ page reaches ZeroMQ's code only through the `ZmqApi`
//! (`with`, `load`, `loaded`) and the `ZmqRun` a run hides behind (its methods are the ZeroMQ
//! module's); everything else it touches is plain data (`ZmqAction`, `ZeromqShare`). Without
//! the `split` feature (native builds, the tests) the API is there from the start.

use crate::share::{LinkError, ZeromqShare};
use crate::systems::zeromq::scenario::{ZmqFaultAction, ZmqScenario};
use yew::{AttrValue, Html};

/// What the learner does on the ZeroMQ page.
pub enum ZmqAction {
    Step,
    Back,
    Seek(usize),
    TogglePlay,
    Tick(usize),
    SetSpeed(u32),
    SetChapter(usize),
    /// The chapter again from step 0, without the injected faults.
    Reset,
    /// Fork the run here with this fault.
    Inject(ZmqFaultAction),
    /// Remove the injected fault at this index: the run is rebuilt without it.
    RemoveFault(usize),
    Select(Option<u32>),
    DismissError,
    /// Run a loaded ZeroMQ scenario file (a `ZmqScenario`, already validated) instead of the
    /// chapter's. Boxed as `Any` so that the first module, which only passes it on, does not
    /// carry the scenario's drop code.
    Load(Box<dyn std::any::Any>),
    /// New settings: the run is rebuilt on the same seed with the injected faults at the same
    /// simulated times.
    SetSettings(crate::systems::zeromq::settings::ZmqSettings),
    /// A settings field's text was refused before any run (not a whole number).
    RefuseSettings(String),
}

/// What the page asks of the ZeroMQ page's run (`zeromq_page::ZmqState` is the one).
pub trait ZmqRun {
    fn reduce(&mut self, action: ZmqAction, lock: bool);
    fn pause(&mut self);
    /// The ZeroMQ part of the share link.
    fn share(&self) -> ZeromqShare;
    fn seed(&self) -> u64;
    /// A ZeroMQ scenario file the user loaded runs (no link carries it).
    fn runs_loaded_file(&self) -> bool;
    /// The run as a scenario file: its name and JSON ("Save scenario").
    fn scenario_file(&self, lang: crate::i18n::Lang) -> (String, String);
    /// The page (`zeromq_page::ZeromqPage`), with the footer's link and snippet.
    fn page(&self, link: AttrValue, snippet: AttrValue) -> Html;
    fn boxed_clone(&self) -> Box<dyn ZmqRun>;
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A ZeroMQ run in the playground's state (cloned with it, as every part of it is).
pub struct ZmqRunBox(pub Box<dyn ZmqRun>);

impl Clone for ZmqRunBox {
    fn clone(&self) -> Self {
        ZmqRunBox(self.0.boxed_clone())
    }
}

impl std::ops::Deref for ZmqRunBox {
    type Target = dyn ZmqRun;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl std::ops::DerefMut for ZmqRunBox {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.0
    }
}

/// The ZeroMQ module's entry points (`zeromq_page::ZEROMQ_API`).
pub struct ZmqApi {
    /// A chapter's run at step 0.
    pub new_run: fn(usize) -> ZmqRunBox,
    /// The run a share link's ZeroMQ part describes.
    pub from_share: fn(&ZeromqShare) -> Result<ZmqRunBox, LinkError>,
    /// A ZeroMQ scenario file, read and checked.
    pub parse_file: fn(&str) -> Result<ZmqScenario, String>,
}

/// What the page says when the ZeroMQ module cannot be fetched.
pub fn load_failed_text(lang: crate::i18n::Lang) -> String {
    crate::ui::kafka_chunk::LoadFailed::page_text("ZeroMQ", "zeromq", lang)
}

split_module!(zeromq, zeromq_api -> ZmqApi = &crate::ui::zeromq_page::ZEROMQ_API);
