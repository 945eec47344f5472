//! Charts over simulated time from a `view::ChartSeries`: queue depth, unacked deliveries
//! and processed messages as three polylines on one scale, drawn up to the position shown
//! and no further (the x axis spans the whole run; the y scale what has been shown), a
//! vertical line at the position, and a legend with each value there. Labels come in as props (translated by the
//! caller). DOM: `#charts svg`, `polyline.series[data-series=depth|unacked|processed]`,
//! `line.position`, `.legend li[data-series]`.

use crate::view::ChartSeries;
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
        </div>
    }
}
