//! The seam between the page and the code that words a RabbitMQ run: the past-tense
//! sentence of every trace event (`i18n::describe_at`, in both languages, with the look-backs
//! that say why a connection died), which the step's narration and the event log show, and
//! the outcome the tour states at the run's end (`tour::outcome`, from the run's report). The
//! page's build (the `split` feature, scripts/split-wasm.sh) puts it in its own wasm module,
//! `split_narration.wasm`, fetched the first time the run shown has an event to tell or is at
//! its end: the first step (or play, or seek), a chapter that opens past its start, a link or
//! saved state restored at a later step. A fresh page at step 0 has none, so the first load
//! does without it.
//!
//! Invariants: the page words a trace event or the outcome only through `NarrationApi`
//! (`loaded`, `load`). Until the module is there, the step's narration says it is being
//! fetched, the event log's entries show "…" (their number and time are known) and the
//! outcome is not shown; a failed fetch is said in the page's language and the next action
//! tries again. Without the `split` feature (native builds, the tests) it is there from the
//! start.

use crate::i18n::Lang;
use crate::systems::rabbitmq::trace::TraceEntry;
use crate::systems::rabbitmq::Sim;
use crate::ui::kafka_chunk::LoadFailed;

/// The narration module's entry points.
pub struct NarrationApi {
    /// `i18n::describe_at`: event `index` of the trace as a sentence.
    pub describe_at: fn(&[TraceEntry], usize, &Sim, Lang) -> String,
    /// What the run did, at its end (from its report): the sentence and its label.
    pub outcome: fn(&crate::session::Session, Lang) -> (String, &'static str),
}

static NARRATION_API: NarrationApi = NarrationApi { describe_at: crate::i18n::describe_at, outcome: crate::ui::components::tour::run_outcome };

/// The split point: the only function that names the narration module's entry points.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(narration, fallible))]
fn narration_api() -> Result<&'static NarrationApi, LoadFailed> {
    Ok(&NARRATION_API)
}

/// The module's entry points once fetched (split builds; `loaded` reads it).
#[cfg(feature = "split")]
static LOADED: std::sync::OnceLock<&'static NarrationApi> = std::sync::OnceLock::new();

/// The narration module's entry points, if it is loaded (always, without the `split` feature).
pub fn loaded() -> Option<&'static NarrationApi> {
    #[cfg(feature = "split")]
    return LOADED.get().copied();
    #[cfg(not(feature = "split"))]
    return narration_api().ok();
}

/// The narration module's entry points, fetching the module the first time.
pub async fn load() -> Result<&'static NarrationApi, LoadFailed> {
    #[cfg(feature = "split")]
    return narration_api().await.inspect(|api| _ = LOADED.set(api));
    #[cfg(not(feature = "split"))]
    return narration_api();
}

/// What the page says when the narration module cannot be fetched.
pub fn load_failed_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The code that narrates the run's events (split_narration.wasm) could not be fetched: check the connection; the next step tries again.",
        Lang::Zh => "无法获取讲述运行事件的代码（split_narration.wasm）：请检查网络连接；下一步操作时会重试。",
    }
}
