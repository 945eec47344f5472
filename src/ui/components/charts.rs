//! Charts over simulated time, drawn up to the position shown and no further (the x axis
//! spans the whole run; the y scale what has been shown), each with a vertical line at the
//! position and a legend with each value there. Labels come in as props (translated by the
//! caller).
//!
//! - `Charts`, from a `view::ChartSeries`: queue depth, unacked deliveries and processed
//!   messages as three polylines on one scale. DOM: `#charts svg`,
//!   `polyline.series[data-series=depth|unacked|processed]`, `line.position`,
//!   `.legend li[data-series]`.
//! - `LatencyChart`, from a `view::LatencyShown` (a run with a request handler; the page's
//!   narration module draws it, `latency_panel`, as `Charts`' child, so inside `#charts`):
//!   each caller's wait against the time of its answer, the y axis in ms (`timing::ms_text`,
//!   never shorter than 1 ms). DOM: `#charts #latency-chart[data-answered]`, `.chart-name`, `svg polyline.series[data-series=wait]`
//!   (one `x,y` per answer drawn), `circle.last`, `line.position`,
//!   `.legend li[data-series=last|max] .value[data-us]`.

use crate::view::{ChartSeries, LatencyShown};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub series: Rc<ChartSeries>,
    /// Simulated time of the step shown.
    pub position_ms: u64,
    /// Names of the series: queue depth, unacked, processed.
    pub labels: [String; 3],
    /// The exact values at the step shown, for the legend. Without them the legend shows the
    /// sample at `position_ms` (which includes every event of that millisecond, so it can
    /// run ahead of the step). `view::chart_series(session.trace(), 1)` gives them.
    #[prop_or_default]
    pub values: Option<[u32; 3]>,
    /// Drawn below the legend, inside `#charts` (its styles apply): the latency chart.
    #[prop_or_default]
    pub children: Html,
}

/// The chart is 600 units wide, or 320 where it gets less than 600 CSS pixels: it is never
/// drawn smaller than its units, so its 12-unit text is at least 12 px.
const WIDE_W: u64 = 600;
const NARROW_W: u64 = 320;
const NARROW_BELOW_PX: i32 = 600;
const HEIGHT: u64 = 150;
const PLOT_LEFT: u64 = 40;
const PLOT_TOP: u64 = 8;
const PLOT_BOTTOM: u64 = 128;

const SERIES: [&str; 3] = ["depth", "unacked", "processed"];

fn time_label(ms: u64) -> String {
    if ms >= 10_000 {
        format!("{} s", ms / 1000)
    } else if ms >= 1000 {
        format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
    } else {
        format!("{ms} ms")
    }
}

/// The latency chart's axes from `left` to `right`: the y axis from 0 to `top` (its label),
/// the x axis from 0 to the run's last event at `end_ms`. `Charts` draws the same inline: used
/// by both, this and `position` would stay in the first module, and cost its gzip some 450
/// bytes (measured on 2026-12-01); used by `LatencyChart` alone, they are the narration
/// module's.
fn axes(left: u64, right: u64, top: String, end_ms: u64) -> Html {
    html! {
        <g class="axes">
            <line x1={left.to_string()} y1={PLOT_BOTTOM.to_string()} x2={right.to_string()} y2={PLOT_BOTTOM.to_string()} />
            <line x1={left.to_string()} y1={PLOT_TOP.to_string()} x2={left.to_string()} y2={PLOT_BOTTOM.to_string()} />
            <text x={(left - 6).to_string()} y={(PLOT_TOP + 8).to_string()} text-anchor="end">{ top }</text>
            <text x={(left - 6).to_string()} y={PLOT_BOTTOM.to_string()} text-anchor="end">{ "0" }</text>
            <text x={left.to_string()} y={(PLOT_BOTTOM + 16).to_string()}>{ "0" }</text>
            <text x={right.to_string()} y={(PLOT_BOTTOM + 16).to_string()} text-anchor="end">{ time_label(end_ms) }</text>
        </g>
    }
}

/// The latency chart's vertical line at the position shown (`x`), with its time beside it
/// at height `label_y` (on its left near the right end), as `Charts` draws its own.
fn position(x: u64, right: u64, position_ms: u64, label_y: u64) -> Html {
    html! {
        <>
            <line class="position" x1={x.to_string()} y1={PLOT_TOP.to_string()} x2={x.to_string()} y2={PLOT_BOTTOM.to_string()} />
            <text class="position-label" x={(if x > right - 60 { x - 4 } else { x + 4 }).to_string()} y={label_y.to_string()}
                  text-anchor={if x > right - 60 { "end" } else { "start" }}>{ time_label(position_ms) }</text>
        </>
    }
}

#[component]
pub fn Charts(props: &ChartsProps) -> Html {
    let container = use_node_ref();
    let narrow = super::use_narrow(container.clone(), NARROW_BELOW_PX);
    let width = if narrow { NARROW_W } else { WIDE_W };
    let plot_right = width - 8;
    let s = &props.series;
    // No spoiling the ending: the lines stop at the position shown (the x axis keeps the
    // whole run's span). Samples before the position, then the value at the position.
    let shown = s.times_ms.partition_point(|&t| t < props.position_ms);
    let end_ms = s.times_ms.last().copied().unwrap_or(0).max(1);
    let values_of: [&[u32]; 3] = [&s.depth, &s.unacked, &s.processed];
    let at = s.sample_at(props.position_ms);
    // The value of series `i` at the position: exact if given, else the sample there.
    let value_now = |i: usize| -> Option<u32> {
        match props.values {
            Some(values) => Some(values[i]),
            None => at.and_then(|k| values_of[i].get(k).copied()),
        }
    };
    let max = values_of
        .iter()
        .flat_map(|v| v[..shown.min(v.len())].iter().copied())
        .chain((0..3).filter_map(value_now))
        .max()
        .unwrap_or(0)
        .max(1);
    let x_of = |t: u64| PLOT_LEFT + (u128::from(t.min(end_ms)) * u128::from(plot_right - PLOT_LEFT) / u128::from(end_ms)) as u64;
    let y_of = |v: u32| PLOT_BOTTOM - u64::from(v.min(max)) * (PLOT_BOTTOM - PLOT_TOP) / u64::from(max);
    // Drawn as steps: a value holds until the next sample. Only the corners are emitted.
    let points = |i: usize| -> String {
        let values = values_of[i];
        let mut corners: Vec<(u64, u64)> = s.times_ms[..shown].iter().zip(values).map(|(&t, &v)| (x_of(t), y_of(v))).collect();
        if let Some(v) = value_now(i) {
            corners.push((x_of(props.position_ms), y_of(v)));
        }
        let mut out = String::new();
        let mut previous: Option<u64> = None;
        let last = corners.len().saturating_sub(1);
        for (k, &(x, y)) in corners.iter().enumerate() {
            match previous {
                None => out.push_str(&format!("{x},{y} ")),
                Some(py) if py != y => out.push_str(&format!("{x},{py} {x},{y} ")),
                Some(_) if k == last => out.push_str(&format!("{x},{y} ")),
                Some(_) => {}
            }
            previous = Some(y);
        }
        out
    };
    let legend_value = value_now;
    let position_x = x_of(props.position_ms);
    html! {
        <div id="charts" ref={container}>
            <svg viewBox={format!("0 0 {width} {HEIGHT}")} width="100%" preserveAspectRatio="xMidYMin meet" role="img"
                 aria-label={props.labels.join(", ")}>
                <g class="axes">
                    <line x1={PLOT_LEFT.to_string()} y1={PLOT_BOTTOM.to_string()} x2={plot_right.to_string()} y2={PLOT_BOTTOM.to_string()} />
                    <line x1={PLOT_LEFT.to_string()} y1={PLOT_TOP.to_string()} x2={PLOT_LEFT.to_string()} y2={PLOT_BOTTOM.to_string()} />
                    <text x={(PLOT_LEFT - 6).to_string()} y={(PLOT_TOP + 8).to_string()} text-anchor="end">{ max }</text>
                    <text x={(PLOT_LEFT - 6).to_string()} y={PLOT_BOTTOM.to_string()} text-anchor="end">{ "0" }</text>
                    <text x={PLOT_LEFT.to_string()} y={(PLOT_BOTTOM + 16).to_string()}>{ "0" }</text>
                    <text x={plot_right.to_string()} y={(PLOT_BOTTOM + 16).to_string()} text-anchor="end">{ time_label(s.times_ms.last().copied().unwrap_or(0)) }</text>
                </g>
                { for SERIES.iter().enumerate().map(|(i, name)| html! {
                    <polyline class={classes!("series", *name)} data-series={*name} points={points(i)} fill="none" />
                }) }
                <line class="position" x1={position_x.to_string()} y1={PLOT_TOP.to_string()} x2={position_x.to_string()} y2={PLOT_BOTTOM.to_string()} />
                <text class="position-label" x={(if position_x > plot_right - 60 { position_x - 4 } else { position_x + 4 }).to_string()} y={(PLOT_TOP + 10).to_string()}
                      text-anchor={if position_x > plot_right - 60 { "end" } else { "start" }}>{ time_label(props.position_ms) }</text>
            </svg>
            <ul class="legend">
                { for SERIES.iter().zip(&props.labels).enumerate().map(|(i, (name, label))| html! {
                    <li data-series={*name}>
                        <span class={classes!("swatch", *name)}></span>
                        { label.clone() }
                        if let Some(value) = legend_value(i) {
                            <span class="value">{ format!(" {value}") }</span>
                        }
                    </li>
                }) }
            </ul>
            { props.children.clone() }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LatencyChartProps {
    /// The chart at the step shown (`view::latency_at`).
    pub shown: Rc<LatencyShown>,
    /// The run's last event, in µs (the x axis' end).
    pub end_us: u64,
    /// Simulated time of the step shown.
    pub position_ms: u64,
    /// `i18n::latency_chart_labels`: the chart's name, the legend's two entries, the unit.
    pub labels: [&'static str; 4],
}

/// Where the latency chart's axis starts: room for its top label in ms ("172.345 毫秒").
const LATENCY_LEFT: u64 = 84;
/// The latency chart's y axis is never shorter than 1 ms, so waits of microseconds lie along
/// its floor, as small as they are, instead of filling the chart.
const LATENCY_FLOOR_US: u64 = 1000;

/// Each caller's wait against the time it was answered (a run with a request handler), drawn
/// up to the step shown and no further: one point per answer as `view::latency_at` gives
/// them (the x axis spans the whole run; the y axis, in ms, what has been shown, at least
/// 1 ms, so its top is the longest wait so far above 1 ms), a dot at the last answer, the
/// position, and a legend with the last caller's wait and the longest.
#[component]
pub fn LatencyChart(props: &LatencyChartProps) -> Html {
    use crate::engine::timing::ms_text;
    let container = use_node_ref();
    let narrow = super::use_narrow(container.clone(), NARROW_BELOW_PX);
    let width = if narrow { NARROW_W } else { WIDE_W };
    let plot_right = width - 8;
    let shown = &props.shown;
    let [name, last_label, max_label, unit] = props.labels;
    let with_unit = |us: u64| format!("{} {unit}", ms_text(us));
    let end_us = props.end_us.max(1);
    let top_us = shown.max_us.unwrap_or(0).max(LATENCY_FLOOR_US);
    let x_of = |us: u64| LATENCY_LEFT + (u128::from(us.min(end_us)) * u128::from(plot_right - LATENCY_LEFT) / u128::from(end_us)) as u64;
    let y_of = |us: u64| PLOT_BOTTOM - (u128::from(us.min(top_us)) * u128::from(PLOT_BOTTOM - PLOT_TOP) / u128::from(top_us)) as u64;
    let points: String = shown.points.iter().map(|&(at, wait)| format!("{},{} ", x_of(at), y_of(wait))).collect();
    let position_x = x_of(props.position_ms.saturating_mul(1000));
    // The position's time where the line is not: at the top while the last wait is in the
    // lower half (the queued handler's 30 µs along the floor), else just above the x axis
    // (the synchronous handler's climbing wait is at the top at the position).
    let label_y = match shown.points.last() {
        Some(&(_, wait)) if y_of(wait) < (PLOT_TOP + PLOT_BOTTOM) / 2 => PLOT_BOTTOM - 6,
        _ => PLOT_TOP + 10,
    };
    let value = |us: Option<u64>| html! {
        if let Some(us) = us {
            <span class="value" data-us={us.to_string()}>{ format!(" {}", with_unit(us)) }</span>
        }
    };
    html! {
        <div id="latency-chart" ref={container} data-answered={shown.answered.to_string()}>
            <p class="chart-name">{ name }</p>
            <svg viewBox={format!("0 0 {width} {HEIGHT}")} width="100%" preserveAspectRatio="xMidYMin meet" role="img" aria-label={name}>
                { axes(LATENCY_LEFT, plot_right, with_unit(top_us), props.end_us / 1000) }
                <polyline class="series wait" data-series="wait" points={points} fill="none" />
                if let Some(&(at, wait)) = shown.points.last() {
                    <circle class="last" cx={x_of(at).to_string()} cy={y_of(wait).to_string()} r="3" />
                }
                { position(position_x, plot_right, props.position_ms, label_y) }
            </svg>
            <ul class="legend">
                <li data-series="last"><span class="swatch wait"></span>{ last_label }{ value(shown.last_us) }</li>
                <li data-series="max">{ max_label }{ value(shown.max_us) }</li>
            </ul>
        </div>
    }
}

/// The latency chart of the RabbitMQ run at the step shown (the narration module's: the page
/// draws it for a run with a request handler, `ChartsPanel`).
pub fn latency_panel(state: &crate::ui::state::PlaygroundHandle) -> Html {
    let session = state.session.borrow();
    let series = state.facts.latency(&session);
    let shown = crate::view::latency_at(&series, state.facts.timing.answered_until(session.trace().len()));
    html! {
        <LatencyChart shown={Rc::new(shown)} end_us={series.end_us} position_ms={crate::view::shown_ms(&session)} labels={crate::i18n::latency_chart_labels(state.lang)} />
    }
}
