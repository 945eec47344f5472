//! The broker diagram and, apart (further down the page), the charts for the current step
//! (view models from `crate::view`): queue depth, unacked and processed for every run, and
//! for a run with a request handler the callers' waits (`charts::latency_panel`, the
//! narration module's).

use super::charts::Charts;
use super::diagram::Diagram;
use crate::i18n::label;
use crate::ui::state::{use_playground, Action};
use crate::view::diagram_view;
use std::rc::Rc;
use yew::prelude::*;

#[component]
pub fn DiagramPanel() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let view = Rc::new(diagram_view(session.world()));
    // Copies dropped by this step's events leave as ghosts where they were.
    let position = session.position();
    let from = if position == 0 { 0 } else { session.events_at(position - 1) };
    let ghosts = Rc::new(crate::view::ghosts(&state.facts.discards, from, session.events_at(position), session.world()));
    let on_select = {
        let state = state.clone();
        Callback::from(move |message: u32| state.dispatch(Action::Select(Some(message))))
    };
    html! {
        <Diagram view={view} ghosts={ghosts} selected={state.selected} on_select={on_select} lang={lang} />
    }
}

#[component]
pub fn ChartsPanel() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let series = Rc::new(state.facts.series.clone());
    let position_ms = crate::view::shown_ms(&session);
    // The legend shows the state at this step (the series samples a whole millisecond), as
    // the diagram counts it, without building a second diagram view.
    let world = session.world();
    let depth = world.waiting();
    let unacked = world.ledger().copies.iter().filter(|c| matches!(c.place, crate::engine::ledger::Place::AtConsumer { acked: false, .. })).count() as u32;
    let processed = state.facts.processed(session.world().events());
    // With a request handler, the depth counts the requests waiting for it too.
    let handler = world.setup().has_handler();
    let depth_label = if handler { "waiting_requests" } else { "queue_depth" };
    let labels = [label(depth_label, lang).to_string(), label("unacked", lang).to_string(), label("processed", lang).to_string()];
    // The callers' waits over time: only a run with a request handler has callers. Its code
    // is the narration module's, there whenever such a run is (its chapters are not the first).
    let latency = match (handler, crate::ui::narration_chunk::loaded()) {
        (true, Some(api)) => Some(api.latency_chart),
        _ => None,
    };
    html! {
        <Charts series={Rc::clone(&series)} position_ms={position_ms} labels={labels} values={Some([depth, unacked, processed])}>
            if let Some(latency_chart) = latency {
                { latency_chart(&state) }
            }
        </Charts>
    }
}
