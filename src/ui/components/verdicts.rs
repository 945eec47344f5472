//! Verdicts, live at the current step: the run label and counts, and a per-message table
//! (where it is, its verdict, and the cause, which seeks to the event that caused it). The
//! compact (embed) mode shows the label and counts only.

use crate::engine::checker::VerdictCounts;
use crate::i18n::{label, place_text, Lang};
use crate::report::Live;
use super::on_activate;
use crate::ui::state::{use_playground, Action};
use crate::view::verdict_name;
use yew::prelude::*;

/// The table shows at most this many rows (bad verdicts first; see `Live`).
pub const ROWS_MAX: usize = 200;

/// Every verdict count, each labelled in `lang` (also used by the comparison).
pub fn count_list(counts: &VerdictCounts, lang: Lang) -> Html {
    count_list_except(counts, lang, &[])
}

/// The verdict counts without the categories in `hidden` (those a system has no way to reach:
/// Kafka has no dead-letter queue and no message TTL).
pub fn count_list_except(counts: &VerdictCounts, lang: Lang, hidden: &[&str]) -> Html {
    count_items(counts, lang, hidden, "published")
}

/// The counts, the first (every message judged) labelled `first` ("published", or
/// "requests" for a request handler's run, whose messages may never be published).
fn count_items(counts: &VerdictCounts, lang: Lang, hidden: &[&str], first: &str) -> Html {
    let items = [
        ("published", counts.published),
        ("processed_once", counts.processed_once),
        ("redelivered", counts.redelivered),
        ("out_of_order", counts.out_of_order),
        ("duplicated", counts.duplicated),
        ("lost", counts.lost),
        ("dead_lettered", counts.dead_lettered),
        ("expired", counts.expired),
        ("stranded", counts.stranded),
        ("never_sent", counts.never_sent),
        ("pending", counts.pending),
    ];
    html! {
        <ul class="counts">
            { for items.iter().filter(|(key, _)| !hidden.contains(key)).map(|(key, n)| html! {
                <li data-count={*key} class={classes!((*n > 0).then_some("nonzero"))}><span class="n">{ *n }</span>{ " " }{ label(if *key == "published" { first } else { key }, lang) }</li>
            }) }
        </ul>
    }
}

/// The counts a listener must hear about ("2 lost, 1 duplicated"), empty while both are zero.
pub fn bad_counts_text(counts: &VerdictCounts, lang: Lang) -> String {
    let parts: Vec<String> = [("lost", counts.lost), ("duplicated", counts.duplicated)]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(key, n)| if lang == Lang::En { format!("{n} {}", label(key, lang)) } else { format!("{} {n} 条", label(key, lang)) })
        .collect();
    parts.join(if lang == Lang::En { ", " } else { "，" })
}

/// The run's label so far (nothing to judge before the first publish, unless a message is
/// already known never sent: a producer that died before publishing leaves an incomplete run,
/// and the summary says so rather than a dash).
pub fn label_text(live: &Live) -> String {
    if live.counts.published == 0 && live.counts.never_sent == 0 {
        "—".into()
    } else {
        live.label.name().to_string()
    }
}

/// After a seek to a cause: scroll the page so the narration (and the diagram below it) is
/// in view, where the cause's effect shows.
fn bring_cause_into_view() {
    if let Some(narration) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("narration")) {
        narration.scroll_into_view_with_bool(true);
    }
}

/// The verdict summary: the run's label and the counts at this step (next to the diagram,
/// so cause and effect are on one screen; the table is further down).
#[component]
pub fn VerdictSummary() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let live = state.live();
    let label_text = label_text(&live);
    html! {
        <section id="verdict-head">
            <p id="verdict-summary" data-trace-hash={state.trace_hash()} data-label={label_text.clone()}>
                <strong class={classes!("label", label_text.clone())}>{ label(&label_text, lang) }</strong>
            </p>
            <div id="counts">{ count_items(&live.counts, lang, &[], if state.session.borrow().timeline().setup().has_handler() { "requests" } else { "published" }) }</div>
            // The figures (shown once a message is processed) are the narration module's.
            if let Some(api) = crate::ui::narration_chunk::loaded() {
                { (api.timing)(&state) }
            }
            // Spoken when a bad count changes (a message lost or duplicated), not at every step.
            <p id="verdict-live" class="visually-hidden" aria-live="polite">{ bad_counts_text(&live.counts, lang) }</p>
        </section>
    }
}

/// `timing_view` of the RabbitMQ run at the step shown (the narration module's).
pub fn run_timing(state: &crate::ui::state::PlaygroundHandle) -> Html {
    let session = state.session.borrow();
    timing_view(&state.facts.timing.until(session.trace().len()), |a| session.timeline().setup().actors[a.index()].name.clone(), state.lang)
}

/// Throughput and latency up to this step, overall and (with several consumers) per
/// consumer; the data attributes carry the figures for tests and scripts.
pub fn timing_view(timing: &crate::engine::timing::Timing, name: impl Fn(crate::engine::ids::ActorId) -> String, lang: Lang) -> Html {
    if timing.overall.processed == 0 {
        return html! {};
    }
    let attrs = |f: &crate::engine::timing::Figures| (f.processed.to_string(), f.per_s_milli.map(|r| r.to_string()), f.latency_us.map(|l| format!("{} {} {}", l.p50, l.p99, l.max)));
    let (processed, rate, latency) = attrs(&timing.overall);
    html! {
        <div id="timing" title={crate::i18n::percentiles_note(lang)}>
            <p id="timing-overall" data-processed={processed} data-per-s-milli={rate} data-latency-us={latency}>{ crate::i18n::timing_text(&timing.overall, timing.span_us, None, lang) }</p>
            if let Some(answers) = timing.answers {
                <p id="timing-answers" data-answered={answers.answered.to_string()} data-latency-us={format!("{} {} {}", answers.latency_us.p50, answers.latency_us.p99, answers.latency_us.max)}>{ crate::i18n::answers_text(&answers, lang) }</p>
            }
            if let Some(little) = crate::i18n::little_text(timing, lang) {
                <p id="timing-little">{ little }</p>
            }
            if timing.consumers.len() > 1 {
                <ul id="timing-consumers">
                { for timing.consumers.iter().map(|(actor, f)| {
                    let (processed, rate, latency) = attrs(f);
                    let who = name(*actor);
                    html! { <li data-consumer={who.clone()} data-processed={processed} data-per-s-milli={rate} data-latency-us={latency}>{ crate::i18n::timing_text(f, timing.span_us, Some(&who), lang) }</li> }
                }) }
                </ul>
            }
        </div>
    }
}

/// The per-message table (not in the compact mode).
#[component]
pub fn Verdicts() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let live = state.live();
    let narration = crate::ui::narration_chunk::loaded();
    html! {
        <section id="verdicts">
            <>
            // On a narrow screen the table scrolls inside its own region, not the page.
            <div class="table-scroll" role="region" aria-label={label("verdict", lang)} tabindex="0">
            <table id="messages">
                <thead><tr><th>{ label("message_id", lang) }</th><th>{ label("payload", lang) }</th><th>{ label("where", lang) }</th><th>{ label("verdict", lang) }</th><th>{ label("cause", lang) }</th></tr></thead>
                <tbody>
                // The rows (their causes worded) are the narration module's.
                if let Some(api) = narration {
                    { (api.verdict_rows)(&state, &live) }
                }
                </tbody>
            </table>
            </div>
            if narration.is_none() && live.messages > 0 {
                <p class="more">{ label("narration_pending", lang) }</p>
            } else if live.messages > live.rows.len() {
                <p class="more">{ format!("{} / {}", live.rows.len(), live.messages) }</p>
            }
            </>
        </section>
    }
}

/// The table's rows, each with its cause (a button that seeks to it): the narration module's.
pub fn rows(state: &crate::ui::state::PlaygroundHandle, live: &Live) -> Html {
    let lang = state.lang;
    html! {
        <>
            { for live.rows.iter().map(|row| {
                let verdict = verdict_name(row.verdict);
                let select = {
                    let state = state.clone();
                    let id = row.id;
                    Callback::from(move |()| state.dispatch(Action::Select(Some(id))))
                };
                let onkeydown = on_activate(select.clone());
                let on_select = select.reform(|_: MouseEvent| ());
                let cause = row.cause.as_ref().map(|c| {
                    let state = state.clone();
                    let event = c.event as usize;
                    let onclick = Callback::from(move |e: MouseEvent| {
                        e.stop_propagation();
                        let step = state.session.borrow().step_of_event(event);
                        state.dispatch(Action::Seek(step));
                        bring_cause_into_view();
                    });
                    html! { <button class="cause" data-event={event.to_string()} {onclick}>{ c.text_in(lang) }</button> }
                });
                html! {
                    <tr class={classes!("verdict-row", verdict, (state.selected == Some(row.id)).then_some("selected"), row.redelivered.then_some("was-redelivered"))}
                        data-data={row.data.to_string()} data-message={row.id.to_string()} data-verdict={verdict} data-where={row.place.clone()} onclick={on_select}
                        tabindex="0" aria-selected={(state.selected == Some(row.id)).to_string()} {onkeydown}>
                        <td>{ row.id }</td>
                        <td class="payload"><code>{ format!("{{'data': {}}}", row.data) }</code></td>
                        <td class="where">{ place_text(&row.place, lang) }</td>
                        <td class="verdict-cell">{ label(verdict, lang) }{ if row.redelivered { " ↻" } else { "" } }</td>
                        <td>{ cause }</td>
                    </tr>
                }
            }) }
        </>
    }
}
