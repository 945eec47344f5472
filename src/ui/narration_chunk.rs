//! The seam between the page and the code that tells what a RabbitMQ run did past its
//! opening setup events: the past-tense sentence of every trace event (`i18n::describe_at`,
//! with the look-backs that say why a connection died), the outcome at the run's end, the
//! verdict table's rows and causes (`report::Live::new`), throughput and latency, the
//! diagram's message boxes and ghosts, the faults listed (the chapter's, injected, cleared),
//! the note on changed settings, the comparison's sides, the narration of every chapter but
//! the first, and the run's trace hash (`data-trace-hash`), the order service's database
//! line under the diagram, the callers' latency chart of a run with a request handler. With
//! them, the code that changes the run (`state::change`): settings applied
//! (`Settings::apply`), every scenario and injected fault validated (`Scenario::validate`),
//! the comparison built, the other chapters' scenarios (`catalog::get`) and the programs of
//! an outbox's order service and relay. The page's build (the `split` feature,
//! scripts/split-wasm.sh) puts it in its own wasm module, `split_narration.wasm`, fetched
//! the first time the page needs any of it (`Playground::needs_narration`): a step,
//! play or seek past the opening setup events, another chapter, a link or saved state
//! restored past them, settings changed, a fault injected, the comparison opened, the run's
//! end. The first module words the opening setup events itself (`i18n::describe_opening`),
//! has the first chapter's narration (`tour::FIRST_NARRATION`) and builds the first
//! chapter's run unvalidated (`catalog::first`, `Session::new_first`; tests validate it): the
//! tour's first chapter opens at its declare, so the first load does without the module.
//!
//! Invariants: the page reaches this code only through `NarrationApi` (`loaded`, `load`,
//! `word`, `chapter_narration`). Until the module is there the page's status says it is
//! loading the narration, the step's line and the chapter's narration say it is being
//! fetched, the event log's entries it is needed for show "…" (their number and time are
//! known), and what it draws is not drawn (the counts, the buttons and the rest are); a failed
//! fetch is said in the page's language and the learner's next action tries again. A change of
//! the run asked for before it is there (settings, a fault injected or removed, the
//! comparison, another chapter, a reset past §4.1-§4.3, a file run) waits for it, in order
//! (`Playground::pending`; the status says it is loading); a failed fetch drops them and says
//! so in the page's language (`change_failed_text`). Without the `split` feature (native
//! builds, the tests) it is there from the start.

use crate::i18n::Lang;
use crate::systems::rabbitmq::trace::TraceEntry;
use crate::systems::rabbitmq::Sim;

/// The narration module's entry points.
pub struct NarrationApi {
    /// `i18n::describe_at`: event `index` of the trace as a sentence.
    pub describe_at: fn(&[TraceEntry], usize, &Sim, Lang) -> String,
    /// What the run did, at its end (from its report): the sentence and its label.
    pub outcome: fn(&crate::session::Session, Lang) -> (String, &'static str),
    /// `report::Live::new`: the verdicts at a step with the table's rows and their causes.
    pub live: fn(&Sim, &[TraceEntry], usize, Option<u32>) -> crate::report::Live,
    /// The verdict table's rows (`components::verdicts::rows`).
    pub verdict_rows: fn(&crate::ui::state::PlaygroundHandle, &crate::report::Live) -> yew::Html,
    /// `tour::title_note`: what the learner changed in the settings, beside the title.
    pub title_note: fn(&crate::scenario::settings::Settings, &crate::scenario::settings::Settings, Lang) -> Option<String>,
    /// Throughput and latency up to the step shown (`components::verdicts::run_timing`; empty
    /// until a message is processed).
    pub timing: fn(&crate::ui::state::PlaygroundHandle) -> yew::Html,
    /// The chapter's own faults and the injected ones (`components::faults::fault_list`).
    pub fault_list: fn(&crate::ui::state::PlaygroundHandle) -> yew::Html,
    /// `trace_hash` of the whole run (`#verdict-summary`'s `data-trace-hash`).
    pub trace_hash: fn(&[TraceEntry]) -> String,
    /// The diagram's message boxes and ghosts (`components::diagram`).
    pub message_box: fn(crate::ui::components::diagram::BoxSpec, &yew::Callback<u32>) -> yew::Html,
    pub ghost_box: fn(&crate::view::Ghost, i32, i32, Lang) -> yew::Html,
    /// The order service's database line under the diagram (`components::diagram::database`).
    pub database: fn(&crate::view::DatabaseView, Lang) -> yew::Html,
    /// The two sides of an open comparison (`components::compare::sides`).
    pub compare_sides: fn(&crate::ui::state::PlaygroundHandle) -> yew::Html,
    /// The note that a chapter switch or a reset cleared injected faults
    /// (`components::tour::cleared_note`).
    pub cleared_note: fn(&crate::ui::state::PlaygroundHandle) -> yew::Html,
    /// A chapter's narration (`tour::NARRATIONS`).
    pub chapter_narration: fn(usize, Lang) -> &'static str,
    /// A change of the run (`state::change`): settings applied, the comparison built, a fault
    /// injected or removed, a scenario file run; with them the scenario checks
    /// (`Scenario::validate`) and `Settings::apply`.
    pub change: fn(crate::ui::state::Playground, crate::ui::state::Change) -> crate::ui::state::Playground,
    /// The latency-against-throughput chapter's sweep panel (`components::sweep`).
    pub sweep_panel: fn() -> yew::Html,
    /// The callers' waits over time, for a run with a request handler
    /// (`components::charts::latency_panel`).
    pub latency_chart: fn(&crate::ui::state::PlaygroundHandle) -> yew::Html,
}

static NARRATION_API: NarrationApi = NarrationApi {
    describe_at: crate::i18n::describe_at,
    outcome: crate::ui::components::tour::run_outcome,
    live: crate::report::Live::new,
    verdict_rows: crate::ui::components::verdicts::rows,
    title_note: crate::tour::title_note,
    timing: crate::ui::components::verdicts::run_timing,
    fault_list: crate::ui::components::faults::fault_list,
    trace_hash: crate::systems::rabbitmq::trace::trace_hash,
    message_box: crate::ui::components::diagram::message_box,
    ghost_box: crate::ui::components::diagram::ghost_box,
    database: crate::ui::components::diagram::database,
    compare_sides: crate::ui::components::compare::sides,
    cleared_note: crate::ui::components::tour::cleared_note,
    chapter_narration: narration_of,
    change: crate::ui::state::change,
    sweep_panel: crate::ui::components::sweep::panel,
    latency_chart: crate::ui::components::charts::latency_panel,
};

split_module!(narration, narration_api -> NarrationApi = &NARRATION_API);

/// Chapter `index`'s narration: the first chapter's is the first module's
/// (`tour::FIRST_NARRATION`), the others' the narration module's (None before it is there).
pub fn chapter_narration(index: usize, lang: Lang) -> Option<&'static str> {
    if index == 0 {
        return Some(crate::tour::FIRST_NARRATION[lang as usize]);
    }
    loaded().map(|api| (api.chapter_narration)(index, lang))
}

/// `tour::NARRATIONS`, for the API (out of range: empty).
fn narration_of(index: usize, lang: Lang) -> &'static str {
    crate::tour::NARRATIONS.get(index).map_or("", |n| n[lang as usize])
}

/// Event `index` of `trace` as a sentence: by the narration module once it is loaded; before,
/// the opening setup events (`i18n::describe_opening`) are worded without it and any other is
/// None (the page shows that it is being fetched).
pub fn word(trace: &[TraceEntry], index: usize, sim: &Sim, lang: Lang) -> Option<String> {
    match loaded() {
        Some(api) => Some((api.describe_at)(trace, index, sim, lang)),
        None => trace.get(index).map_or(Some(String::new()), |entry| crate::i18n::describe_opening(&entry.event, sim, lang)),
    }
}

/// The events up to the step shown need the narration module (one is not an opening setup
/// event).
pub fn needed_for(trace: &[TraceEntry], sim: &Sim) -> bool {
    trace.iter().any(|entry| crate::i18n::describe_opening(&entry.event, sim, Lang::En).is_none())
}

/// What the page says when the narration module cannot be fetched and changes the learner
/// asked for meanwhile (settings, a fault, the comparison, a file) were dropped with it.
pub fn change_failed_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The code that narrates and changes the run (split_narration.wasm) could not be fetched, so your change was not made: check the connection and try again.",
        Lang::Zh => "无法获取讲述并改变运行的代码（split_narration.wasm），因此你的改动未生效：请检查网络连接后重试。",
    }
}

/// What the page says when the narration module cannot be fetched.
pub fn load_failed_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "The code that narrates the run's events (split_narration.wasm) could not be fetched: check the connection; the next step tries again.",
        Lang::Zh => "无法获取讲述运行事件的代码（split_narration.wasm）：请检查网络连接；下一步操作时会重试。",
    }
}
