//! The sweep panel of the latency-against-throughput chapter (issue 11 §2, the article's
//! §5): runs the chapter as written at every point of a grid of `prefetch_count` and consumer
//! counts (`crate::sweep`), a slice of steps at a time between the browser's frames, with a
//! progress bar and a cancel button, and draws each point's throughput against its p99
//! latency. A point (a circle of the chart, or its row's button; both focusable) opens the
//! run at that point: the chapter's settings with that prefetch, consumers and messages
//! (`Action::SetSettings`, as the settings panel sets them).
//!
//! The narration module's (`NarrationApi::sweep_panel`): not in the first load. Each point
//! carries its figures for tests: `data-prefetch`, `data-consumers`, `data-ack-every`,
//! `data-processed`, `data-per-s-milli`, `data-p50-us`, `data-p99-us`, `data-max-us`.

use crate::engine::timing::{ms_text, per_s_text};
use crate::i18n::Lang;
use crate::scenario::settings::Settings;
use crate::sweep::{Grid, Outcome, Sweep};
use crate::ui::state::{use_playground, Action};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The chapter whose page shows the panel.
pub const CHAPTER: &str = "latency-throughput";

/// Steps per slice: a few milliseconds of the engine in a browser, so the page stays
/// responsive while a large sweep runs.
const SLICE_STEPS: usize = 8_000;

/// The messages a sweep's points may publish (the chapter's own count first).
const MESSAGES: [u32; 3] = [1_000, 10_000, 100_000];

/// The page's grid: the narration's, one ack per message (a batch is not a setting the page
/// can open a run with; `qp sweep --ack-every` sweeps it).
fn grid() -> Grid {
    Grid { prefetch: vec![1, 10, 100], consumers: vec![1, 2, 4], ack_every: vec![1] }
}

fn text(key: &str, lang: Lang) -> &'static str {
    let en = lang == Lang::En;
    match key {
        "title" => if en { "Sweep: throughput against p99 latency" } else { "扫描：吞吐量与 p99 延迟" },
        "run" => if en { "Run the sweep" } else { "运行扫描" },
        "cancel" => if en { "Cancel" } else { "取消" },
        "messages" => if en { "Messages per point" } else { "每个点的消息数" },
        "x" => if en { "p99 latency (ms)" } else { "p99 延迟（毫秒）" },
        "y" => if en { "throughput (messages/s)" } else { "吞吐量（条/秒）" },
        "open" => if en { "Open" } else { "打开" },
        "prefetch" => "prefetch_count",
        "consumers" => if en { "consumers" } else { "消费者" },
        "rate" => if en { "messages/s" } else { "条/秒" },
        "hint" => if en { "Each point is the chapter run at one prefetch_count and number of consumers. Pick one to open its run." } else { "每个点是本章在某个 prefetch_count 和消费者数量下的运行。选一个点，打开它的运行。" },
        _ => "",
    }
}

fn status_text(status: &Status, done: usize, total: usize, permille: u32, lang: Lang) -> String {
    let percent = format!("{}.{}", permille / 10, permille % 10);
    match (status, lang) {
        (Status::Idle, Lang::En) => format!("{total} points, not run yet."),
        (Status::Idle, Lang::Zh) => format!("{total} 个点，尚未运行。"),
        (Status::Running, Lang::En) => format!("Running: {done} of {total} points, {percent}%"),
        (Status::Running, Lang::Zh) => format!("运行中：{total} 个点中已完成 {done} 个，{percent}%"),
        (Status::Cancelled, Lang::En) => format!("Cancelled at {percent}%: {done} of {total} points ran."),
        (Status::Cancelled, Lang::Zh) => format!("已在 {percent}% 处取消：{total} 个点中运行了 {done} 个。"),
        (Status::Done, Lang::En) => format!("Done: {total} points."),
        (Status::Done, Lang::Zh) => format!("完成：{total} 个点。"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Idle,
    Running,
    Cancelled,
    Done,
}

/// The panel, for the narration module's API.
pub fn panel() -> Html {
    html! { <SweepPanel /> }
}

#[component]
fn SweepPanel() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let messages = use_state_eq(|| MESSAGES[0]);
    let outcomes = use_state(Vec::<Outcome>::new);
    let permille = use_state_eq(|| 0u32);
    let status = use_state_eq(|| Status::Idle);
    // The sweep under way and its generation: a cancel or a new run bumps the generation, and
    // a slice of an older one does nothing.
    let running = use_mut_ref(|| (0u32, None::<Sweep>));
    // Leaving the chapter (the panel goes) stops a sweep under way.
    {
        let running = running.clone();
        use_effect_with((), move |_| {
            move || {
                let mut running = running.borrow_mut();
                running.0 += 1;
                running.1 = None;
            }
        });
    }
    let total = grid().points().len();
    let base = state.written.clone();
    let as_written: Settings = Settings::of(&base);

    let on_run = {
        let (running, outcomes, permille, status, messages) = (running.clone(), outcomes.clone(), permille.clone(), status.clone(), messages.clone());
        Callback::from(move |_: MouseEvent| {
            let Ok(sweep) = Sweep::new(&base, &grid(), Some(*messages)) else { return };
            let generation = {
                let mut running = running.borrow_mut();
                running.0 += 1;
                running.1 = Some(sweep);
                running.0
            };
            outcomes.set(Vec::new());
            permille.set(0);
            status.set(Status::Running);
            slice(running.clone(), generation, outcomes.clone(), permille.clone(), status.clone());
        })
    };
    let on_cancel = {
        let (running, status) = (running.clone(), status.clone());
        Callback::from(move |_: MouseEvent| {
            let mut running = running.borrow_mut();
            running.0 += 1;
            running.1 = None;
            status.set(Status::Cancelled);
        })
    };
    let on_messages = {
        let messages = messages.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = select.value().parse::<u32>() {
                messages.set(n);
            }
        })
    };
    let open = {
        let state = state.clone();
        let as_written = as_written.clone();
        move |o: &Outcome, messages: u32| {
            let state = state.clone();
            let settings = Settings { prefetch_count: Some(o.point.prefetch), consumers: o.point.consumers, messages, ..as_written.clone() };
            Callback::from(move |()| state.dispatch(Action::SetSettings(settings.clone())))
        }
    };
    let current = |o: &Outcome| state.settings.prefetch_count == Some(o.point.prefetch) && state.settings.consumers == o.point.consumers && state.settings.messages == *messages;
    let ran_with = *messages;

    // The chart: x = p99 latency, y = throughput, both from 0 to a round figure above the
    // largest; one line per prefetch through its consumer counts; prefetch 1's marks are the
    // largest, so that points with the same figures stay visible (and clickable) as rings.
    let (w, h, left, right, top, bottom) = (520.0f64, 300.0f64, 64.0f64, 16.0f64, 16.0f64, 44.0f64);
    let round_up = |v: f64| {
        if v <= 0.0 {
            return 1.0;
        }
        let magnitude = 10f64.powf(v.log10().floor());
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|&m| m >= v).unwrap_or(10.0 * magnitude)
    };
    let x_max = round_up(outcomes.iter().map(|o| o.p99_us as f64 / 1000.0).fold(0.0, f64::max));
    let y_max = round_up(outcomes.iter().map(|o| o.per_s_milli as f64 / 1000.0).fold(0.0, f64::max));
    let x_of = |o: &Outcome| left + (o.p99_us as f64 / 1000.0) / x_max * (w - left - right);
    let y_of = |o: &Outcome| h - bottom - (o.per_s_milli as f64 / 1000.0) / y_max * (h - top - bottom);
    // Styled here, not in the page's CSS (which is in the first load).
    let colour = |prefetch: u16| match prefetch {
        1 => "#b45309",
        10 => "#1d4ed8",
        _ => "#047857",
    };
    let radius = |prefetch: u16| match prefetch {
        1 => 11.0,
        10 => 7.5,
        _ => 4.0,
    };
    let figure_text = |o: &Outcome| match lang {
        Lang::En => format!("prefetch_count={}, {} consumer(s): {} messages/s, p50 {} ms, p99 {} ms", o.point.prefetch, o.point.consumers, per_s_text(o.per_s_milli), ms_text(o.p50_us), ms_text(o.p99_us)),
        Lang::Zh => format!("prefetch_count={}，{} 个消费者：每秒 {} 条，p50 {} 毫秒，p99 {} 毫秒", o.point.prefetch, o.point.consumers, per_s_text(o.per_s_milli), ms_text(o.p50_us), ms_text(o.p99_us)),
    };
    let data = |o: &Outcome| {
        (
            o.point.prefetch.to_string(),
            o.point.consumers.to_string(),
            o.point.ack_every.to_string(),
            o.processed.to_string(),
            o.per_s_milli.to_string(),
            o.p50_us.to_string(),
            o.p99_us.to_string(),
            o.max_us.to_string(),
        )
    };
    // Round ticks: 4 intervals of a maximum led by 1 or 2, 5 of one led by 2.5, 5 or 10.
    let ticks = |max: f64| {
        let lead = max / 10f64.powf(max.log10().floor());
        let n: u8 = if (lead - 1.0).abs() < 1e-9 || (lead - 2.0).abs() < 1e-9 { 4 } else { 5 };
        (0..=n).map(move |i| max * f64::from(i) / f64::from(n))
    };
    let tick_text = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") };
    let lines: Vec<(u16, String)> = grid()
        .prefetch
        .iter()
        .map(|&p| (p, outcomes.iter().filter(|o| o.point.prefetch == p).map(|o| format!("{:.1},{:.1}", x_of(o), y_of(o))).collect::<Vec<_>>().join(" ")))
        .collect();
    let mut drawn: Vec<&Outcome> = outcomes.iter().collect();
    drawn.sort_by_key(|o| std::cmp::Reverse(radius(o.point.prefetch) as u32));

    html! {
        <section id="sweep" style="max-width: 100%; overflow-x: hidden" aria-labelledby="sweep-title" data-status={format!("{:?}", *status).to_lowercase()} data-messages={ran_with.to_string()}>
            <h3 id="sweep-title">{ text("title", lang) }</h3>
            <p class="note">{ text("hint", lang) }</p>
            <p class="sweep-controls">
                <label>{ text("messages", lang) }{ " " }
                    <select id="sweep-messages" onchange={on_messages} disabled={*status == Status::Running}>
                        { for MESSAGES.iter().map(|&n| html! { <option value={n.to_string()} selected={n == *messages}>{ n.to_string() }</option> }) }
                    </select>
                </label>{ " " }
                <button id="sweep-run" onclick={on_run} disabled={*status == Status::Running}>{ text("run", lang) }</button>{ " " }
                <button id="sweep-cancel" onclick={on_cancel} disabled={*status != Status::Running}>{ text("cancel", lang) }</button>
            </p>
            <progress id="sweep-progress" style="width: 100%; max-width: 520px" max="1000" value={permille.to_string()} aria-label={text("title", lang)}></progress>
            <p id="sweep-status" role="status" data-permille={permille.to_string()} data-done={outcomes.len().to_string()}>{ status_text(&status, outcomes.len(), total, *permille, lang) }</p>
            if !outcomes.is_empty() {
                <svg id="sweep-chart" viewBox={format!("0 0 {w} {h}")} style="width: 100%; max-width: 520px; height: auto; display: block" role="group" aria-label={format!("{}: {} / {}", text("title", lang), text("y", lang), text("x", lang))}>
                    <line class="axis" stroke="currentColor" x1={left.to_string()} y1={(h - bottom).to_string()} x2={(w - right).to_string()} y2={(h - bottom).to_string()} />
                    <line class="axis" stroke="currentColor" x1={left.to_string()} y1={top.to_string()} x2={left.to_string()} y2={(h - bottom).to_string()} />
                    { for ticks(x_max).map(|v| {
                        let x = left + v / x_max * (w - left - right);
                        html! { <text class="tick" font-size="12" fill="currentColor" x={format!("{x:.1}")} y={(h - bottom + 16.0).to_string()} text-anchor="middle">{ tick_text(v) }</text> }
                    }) }
                    { for ticks(y_max).map(|v| {
                        let y = h - bottom - v / y_max * (h - top - bottom);
                        html! { <text class="tick" font-size="12" fill="currentColor" x={(left - 6.0).to_string()} y={format!("{:.1}", y + 4.0)} text-anchor="end">{ tick_text(v) }</text> }
                    }) }
                    <text class="axis-title" font-size="12" fill="currentColor" x={format!("{:.1}", (left + w - right) / 2.0)} y={(h - 6.0).to_string()} text-anchor="middle">{ text("x", lang) }</text>
                    <text class="axis-title" font-size="12" fill="currentColor" transform={format!("translate(14 {:.1}) rotate(-90)", (top + h - bottom) / 2.0)} text-anchor="middle">{ text("y", lang) }</text>
                    { for lines.iter().map(|(p, points)| html! { <polyline class={format!("sweep-line prefetch-{p}")} fill="none" stroke={colour(*p)} stroke-width="1.5" points={points.clone()} /> }) }
                    { for drawn.iter().map(|o| {
                        let (prefetch, consumers, ack_every, processed, rate, p50, p99, max) = data(o);
                        let activate = open(o, ran_with);
                        let onclick = { let activate = activate.clone(); Callback::from(move |_: MouseEvent| activate.emit(())) };
                        let label = figure_text(o);
                        html! {
                            <circle class={classes!("sweep-point", format!("prefetch-{}", o.point.prefetch), current(o).then_some("current"))} cx={format!("{:.1}", x_of(o))} cy={format!("{:.1}", y_of(o))} r={radius(o.point.prefetch).to_string()}
                                fill={colour(o.point.prefetch)} stroke={if current(o) { "#111" } else { "#fff" }} stroke-width={if current(o) { "3" } else { "1.5" }} style="cursor: pointer"
                                tabindex="0" role="button" aria-label={label.clone()} aria-pressed={current(o).to_string()}
                                data-prefetch={prefetch} data-consumers={consumers} data-ack-every={ack_every} data-processed={processed} data-per-s-milli={rate} data-p50-us={p50} data-p99-us={p99} data-max-us={max}
                                {onclick} onkeydown={crate::ui::components::on_activate(activate)}>
                                <title>{ label }</title>
                            </circle>
                        }
                    }) }
                </svg>
                <p class="sweep-legend">
                    { for grid().prefetch.iter().map(|&p| html! { <span style="margin-right: 1em"><span style={format!("color: {}", colour(p))}>{ "●" }</span>{ format!(" prefetch_count={p}") }</span> }) }
                </p>
                <div style="overflow-x: auto; max-width: 100%">
                <table id="sweep-table" style="font-size: 0.85rem; width: 100%">
                    <thead><tr><th>{ text("prefetch", lang) }</th><th>{ text("consumers", lang) }</th><th>{ text("rate", lang) }</th><th>{ "p50 ms" }</th><th>{ "p99 ms" }</th><th></th></tr></thead>
                    <tbody>
                    { for outcomes.iter().map(|o| {
                        let (prefetch, consumers, ack_every, processed, rate, p50, p99, max) = data(o);
                        let activate = open(o, ran_with);
                        let onclick = Callback::from(move |_: MouseEvent| activate.emit(()));
                        html! {
                            <tr class={classes!("sweep-row", current(o).then_some("current"))} data-prefetch={prefetch} data-consumers={consumers} data-ack-every={ack_every} data-processed={processed} data-per-s-milli={rate} data-p50-us={p50} data-p99-us={p99} data-max-us={max}>
                                <td>{ o.point.prefetch }</td><td>{ o.point.consumers }</td><td>{ per_s_text(o.per_s_milli) }</td><td>{ ms_text(o.p50_us) }</td><td>{ ms_text(o.p99_us) }</td>
                                <td><button class="sweep-open" aria-pressed={current(o).to_string()} aria-label={figure_text(o)} {onclick}>{ text("open", lang) }</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                </div>
            }
        </section>
    }
}

/// Run one slice of the sweep of `generation`, show where it is, and come back after the
/// browser has had its turn (a timeout of 0 ms), until it ends or is cancelled.
fn slice(running: Rc<RefCell<(u32, Option<Sweep>)>>, generation: u32, outcomes: UseStateHandle<Vec<Outcome>>, permille: UseStateHandle<u32>, status: UseStateHandle<Status>) {
    let more = {
        let mut guard = running.borrow_mut();
        if guard.0 != generation {
            return;
        }
        let Some(sweep) = guard.1.as_mut() else { return };
        let before = sweep.outcomes().len();
        let more = sweep.advance(SLICE_STEPS);
        if sweep.outcomes().len() != before {
            outcomes.set(sweep.outcomes().to_vec());
        }
        permille.set(sweep.progress_permille());
        if !more {
            guard.1 = None;
        }
        more
    };
    if !more {
        status.set(Status::Done);
        return;
    }
    gloo_timers::callback::Timeout::new(0, move || slice(running, generation, outcomes, permille, status)).forget();
}
