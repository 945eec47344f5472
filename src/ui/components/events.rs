//! The event log: what happened so far, in the past tense, newest first; click to seek.
//! With a message selected it shows that message's journey instead.

use crate::engine::ids::MessageId;
use crate::i18n::{label, Lang};
use super::on_activate;
use crate::ui::state::{use_playground, Action};
use crate::view::event_message;
use yew::prelude::*;

/// How many recent events the log shows.
const SHOWN: usize = 60;

#[component]
pub fn EventLog() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let trace = session.trace();
    let timeline = session.timeline();
    // Worded by the narration module; until it is there (the app fetches it) an entry the
    // page cannot word without it shows its number and time, and "…" for its sentence.
    let indices: Vec<usize> = match state.selected {
        Some(message) => (0..trace.len()).filter(|&i| event_message(&trace[i].event, timeline) == Some(MessageId(message))).collect(),
        None => (trace.len().saturating_sub(SHOWN)..trace.len()).collect(),
    };
    let title = match state.selected {
        Some(message) => {
            let data = timeline.ledger().messages.get(message as usize).map(|m| m.data).unwrap_or_default();
            if lang == Lang::En {
                format!("Journey of {{'data': {data}}}")
            } else {
                format!("{{'data': {data}}} 的经历")
            }
        }
        None => label("events", lang).to_string(),
    };
    let on_clear = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Select(None)))
    };
    html! {
        <section id="event-log" aria-labelledby="event-log-title" class={classes!(state.selected.is_some().then_some("journey"))}>
            <h3 id="event-log-title">{ title }{ " " }
                if state.selected.is_some() { <button class="clear" onclick={on_clear}>{ "×" }</button> }
            </h3>
            // Each entry numbered by its event in the trace (1-based), newest first.
            <ol reversed=true>
                { for indices.iter().rev().map(|&index| {
                    let entry = &trace[index];
                    let seek = {
                        let state = state.clone();
                        Callback::from(move |()| {
                            let step = state.session.borrow().step_of_event(index);
                            state.dispatch(Action::Seek(step));
                        })
                    };
                    let onkeydown = on_activate(seek.clone());
                    let onclick = seek.reform(|_: MouseEvent| ());
                    html! {
                        <li class={classes!(entry.event.is_fault().then_some("fault"))} value={(index + 1).to_string()} data-event={index.to_string()} tabindex="0" {onclick} {onkeydown}>
                            <span class="at">{ format!("{} ms", entry.at_ms) }</span>{ " " }{ crate::ui::narration_chunk::word(trace, index, timeline, lang).unwrap_or_else(|| String::from("…")) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
