//! The event log: what happened so far, in the past tense, newest first; click to seek.

use crate::i18n::{describe, label};
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

/// How many recent events the log shows.
const SHOWN: usize = 60;

#[component]
pub fn EventLog() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let trace = session.trace();
    let first = trace.len().saturating_sub(SHOWN);
    html! {
        <section id="event-log">
            <h3>{ label("events", lang) }</h3>
            <ol reversed=true>
                { for trace[first..].iter().enumerate().rev().map(|(offset, entry)| {
                    let index = first + offset;
                    let onclick = {
                        let state = state.clone();
                        Callback::from(move |_: MouseEvent| {
                            let step = state.session.borrow().step_of_event(index);
                            state.dispatch(Action::Seek(step));
                        })
                    };
                    html! {
                        <li class={classes!(entry.event.is_fault().then_some("fault"))} data-event={index.to_string()} {onclick}>
                            <span class="at">{ format!("{} ms", entry.at_ms) }</span>{ " " }{ describe(&entry.event, session.timeline(), lang) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
