//! Verdicts, live at the current step: the run label and counts, and a per-message table
//! (where it is, its verdict, and the cause, which seeks to the event that caused it).

use crate::i18n::{cause_text, label};
use crate::report::MessageReport;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;


/// The table shows at most this many rows: bad verdicts first, then the rest, by id.
const ROWS_MAX: usize = 200;

fn shown_rows(messages: &[MessageReport], selected: Option<u32>) -> Vec<&MessageReport> {
    if messages.len() <= ROWS_MAX {
        return messages.iter().collect();
    }
    let mut rows: Vec<&MessageReport> = messages.iter().filter(|m| m.verdict.is_bad() || Some(m.id) == selected).take(ROWS_MAX).collect();
    let room = ROWS_MAX - rows.len();
    rows.extend(messages.iter().filter(|m| !(m.verdict.is_bad() || Some(m.id) == selected)).take(room));
    rows.sort_by_key(|m| m.id);
    rows
}

#[component]
pub fn Verdicts() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let report = session.report();
    let label_text = serde_json::to_value(report.label).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let counts = [
        ("published", report.counts.published),
        ("processed_once", report.counts.processed_once),
        ("redelivered", report.counts.redelivered),
        ("out_of_order", report.counts.out_of_order),
        ("duplicated", report.counts.duplicated),
        ("lost", report.counts.lost),
        ("dead_lettered", report.counts.dead_lettered),
        ("expired", report.counts.expired),
        ("pending", report.counts.pending),
    ];
    html! {
        <section id="verdicts">
            <p id="verdict-summary" data-trace-hash={report.trace_hash.clone()} data-label={label_text.clone()}>
                <strong class={classes!("label", label_text.clone())}>{ label_text }</strong>
            </p>
            <ul id="counts">
                { for counts.iter().map(|(key, n)| html! { <li data-count={*key}><span class="n">{ *n }</span>{ " " }{ label(key, lang) }</li> }) }
            </ul>
            <table id="messages">
                <thead><tr><th>{"id"}</th><th>{"payload"}</th><th>{ label("where", lang) }</th><th>{ label("verdict", lang) }</th><th>{ label("cause", lang) }</th></tr></thead>
                <tbody>
                { for shown_rows(&report.messages, state.selected).into_iter().map(|m| {
                    let verdict = crate::view::verdict_name(m.verdict).to_string();
                    let place: Vec<String> = m.copies.iter().map(|c| match &c.queue {
                        Some(q) => format!("{} {q}", c.state),
                        None => c.state.to_string(),
                    }).collect();
                    let redelivered = m.deliveries.iter().any(|d| d.redelivered);
                    let on_select = {
                        let state = state.clone();
                        let id = m.id;
                        Callback::from(move |_: MouseEvent| state.dispatch(Action::Select(Some(id))))
                    };
                    let cause = m.cause.as_ref().map(|c| {
                        let state = state.clone();
                        let event = c.event as usize;
                        let onclick = Callback::from(move |e: MouseEvent| {
                            e.stop_propagation();
                            let step = state.session.borrow().step_of_event(event);
                            state.dispatch(Action::Seek(step));
                        });
                        html! { <button class="cause" data-event={event.to_string()} {onclick}>{ cause_text(c.reason, c.consumer.as_deref(), lang) }</button> }
                    });
                    html! {
                        <tr class={classes!("verdict-row", verdict.clone(), (state.selected == Some(m.id)).then_some("selected"), redelivered.then_some("was-redelivered"))}
                            data-data={m.data.to_string()} data-message={m.id.to_string()} data-verdict={verdict.clone()} onclick={on_select}>
                            <td>{ m.id }</td>
                            <td><code>{ m.payload.clone() }</code></td>
                            <td>{ place.join(", ") }</td>
                            <td class="verdict-cell">{ verdict }{ if redelivered { " ↻" } else { "" } }</td>
                            <td>{ cause }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            if report.messages.len() > ROWS_MAX {
                <p class="more">{ format!("{} / {}", ROWS_MAX.min(report.messages.len()), report.messages.len()) }</p>
            }
        </section>
    }
}
