//! The seam between the page and the Kafka page's code. The page's build
//! (scripts/build-wasm.sh, the `split` feature) puts everything only reachable through
//! `kafka_api` (the Kafka page, model, narration, diagram, settings, compare and parsing) in
//! its own wasm module, `split_kafka.wasm`, which the browser fetches the first time the page
//! needs Kafka: the system switch, a share link or saved state with a Kafka run, a Kafka
//! scenario file, the in-browser Kafka benchmark. The first load is the RabbitMQ page.
//!
//! Invariants: code outside the Kafka page reaches Kafka's code only through the `KafkaApi`
//! (`with`, `load`, `loaded`) and the `KafkaRun` a run hides behind (its methods are the
//! Kafka module's); everything else it touches is plain data (`KafkaAction`, `KafkaShare`).
//! Without the `split` feature (native builds, the tests) the API is there from the start and
//! `with` calls back at once.

use crate::share::{KafkaShare, LinkError};
use crate::systems::kafka::scenario::KafkaScenario;
use crate::ui::kafka_page::KafkaAction;
use yew::{AttrValue, Html};

/// What the page asks of the Kafka page's run (`kafka_page::KafkaState` is the one).
pub trait KafkaRun {
    fn reduce(&mut self, action: KafkaAction, lock: bool);
    fn pause(&mut self);
    /// The Kafka part of the share link.
    fn share(&self) -> KafkaShare;
    fn seed(&self) -> u64;
    /// A Kafka scenario file the user loaded runs (no link carries it).
    fn runs_loaded_file(&self) -> bool;
    /// The run as a scenario file: its name and JSON ("Save scenario").
    fn scenario_file(&self, lang: crate::i18n::Lang) -> (String, String);
    /// The page (`kafka_page::KafkaPage`), with the footer's link and snippet.
    fn page(&self, link: AttrValue, snippet: AttrValue) -> Html;
    fn boxed_clone(&self) -> Box<dyn KafkaRun>;
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A Kafka run in the playground's state (cloned with it, as every part of it is).
pub struct KafkaRunBox(pub Box<dyn KafkaRun>);

impl Clone for KafkaRunBox {
    fn clone(&self) -> Self {
        KafkaRunBox(self.0.boxed_clone())
    }
}

impl std::ops::Deref for KafkaRunBox {
    type Target = dyn KafkaRun;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl std::ops::DerefMut for KafkaRunBox {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.0
    }
}

/// The Kafka module's entry points (`kafka_page::KAFKA_API`).
pub struct KafkaApi {
    /// A chapter's run at step 0.
    pub new_run: fn(usize) -> KafkaRunBox,
    /// The run a share link's Kafka part describes.
    pub from_share: fn(&KafkaShare) -> Result<KafkaRunBox, LinkError>,
    /// A Kafka scenario file, read and checked.
    pub parse_file: fn(&str) -> Result<KafkaScenario, String>,
    /// The in-browser Kafka benchmark (`web::bench_kafka`), as JSON.
    pub bench: fn(u32) -> String,
}

/// The Kafka module could not be fetched (offline, a server without the file).
#[derive(Clone, Copy, Debug)]
pub struct LoadFailed;

#[cfg(feature = "split")]
impl From<wasm_split_helpers::SplitLoaderError> for LoadFailed {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        LoadFailed
    }
}

impl LoadFailed {
    /// The Kafka page's module could not be fetched, in `lang`.
    pub fn text(self, lang: crate::i18n::Lang) -> String {
        Self::page_text("Kafka", "kafka", lang)
    }

    /// The module of the `page` page (`split_{module}.wasm`) could not be fetched, in `lang`.
    pub fn page_text(page: &str, module: &str, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::En => format!("The {page} page's code (split_{module}.wasm) could not be fetched: check the connection and try again."),
            crate::i18n::Lang::Zh => format!("无法获取 {page} 页面的代码（split_{module}.wasm）：请检查网络连接后重试。"),
        }
    }
}

split_module!(kafka, kafka_api -> KafkaApi = &crate::ui::kafka_page::KAFKA_API);
