//! The broker diagram: producers → exchange → queues → consumers, drawn as one inline SVG
//! from a `view::DiagramView`, with the broker's nodes as chips on the broker's frame.
//!
//! Message boxes are coloured by verdict (classes `verdict-<name>`), solid when persistent
//! and dashed when transient; each sits in a keyed `<g>` positioned by a CSS `transform`, so a
//! box that moves within its queue or consumer between steps glides there (the stylesheet's
//! transition), and a new one fades in. The DOM contract the browser tests rely on:
//! `#diagram svg`, `g.node[data-node]` (`.down`), `g.producer[data-actor]` (`.down`),
//! `g.queue[data-queue]` holding `rect.msg[data-data][data-message]` (`.persistent` or
//! `.transient`, `.verdict-<name>`), `g.consumer[data-actor]` (`.down`) holding
//! `rect.delivery[data-data]`.

use crate::i18n::{label, line_label, Lang};
use crate::view::{verdict_name, ActorView, DiagramView, MsgView};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub view: Rc<DiagramView>,
    /// The message id (`MessageId.0`) to highlight, with every copy of it.
    pub selected: Option<u32>,
    /// A message box was clicked (or activated with Enter/Space): its message id.
    pub on_select: Callback<u32>,
    pub lang: Lang,
}

// Layout, in SVG user units (the viewBox scales it to the page). Compact, so that text stays
// readable when a narrow embed scales it down.
const WIDTH: i32 = 720;
const TOP: i32 = 46;
const BOX_W: i32 = 20;
const BOX_H: i32 = 18;
const BOX_STEP: i32 = 24;
const BOX_ROW: i32 = 22;

const PRODUCER_X: i32 = 6;
const PRODUCER_W: i32 = 112;
const PRODUCER_H: i32 = 36;
const PRODUCER_ROW: i32 = 48;

const EXCHANGE_X: i32 = 136;
const EXCHANGE_W: i32 = 58;
const EXCHANGE_H: i32 = 30;

const BROKER_X: i32 = 126;
const BROKER_W: i32 = 308;

const QUEUE_X: i32 = 208;
const QUEUE_W: i32 = 216;
/// Header, three rows of boxes, footer (flags and "+N").
const QUEUE_H: i32 = 26 + 3 * BOX_ROW + 14;
const QUEUE_ROW: i32 = QUEUE_H + 12;
/// Ready boxes per row, and at most this many shown; the rest is a "+N" label.
const QUEUE_COLUMNS: usize = 8;
const QUEUE_BOXES_MAX: usize = 24;

const CONSUMER_X: i32 = 450;
const CONSUMER_W: i32 = 264;
const CONSUMER_H: i32 = 54;
const CONSUMER_ROW: i32 = 66;
const HOLDING_BOXES_MAX: usize = 9;

const NODE_W: i32 = 84;
const NODE_STEP: i32 = 90;

fn status_glyph(actor: &ActorView) -> &'static str {
    match actor.status {
        "running" => "▶",
        "finished" => "✓",
        "not_started" => "○",
        _ => "✕",
    }
}

/// Keys for boxes: a message id plus its occurrence among the boxes of one group, so two
/// copies of one message in one place stay distinct and each keeps its element.
fn keyed<'a>(messages: impl Iterator<Item = &'a MsgView>) -> Vec<(String, &'a MsgView)> {
    let mut seen: Vec<u32> = Vec::new();
    messages
        .map(|m| {
            let nth = seen.iter().filter(|&&id| id == m.message).count();
            seen.push(m.message);
            (format!("{}.{}", m.message, nth), m)
        })
        .collect()
}

struct BoxSpec<'a> {
    key: String,
    message: &'a MsgView,
    x: i32,
    y: i32,
    /// `msg` (in a queue) or `delivery` (at a consumer).
    kind: &'static str,
    current: bool,
    selected: bool,
    lang: Lang,
}

fn message_box(spec: BoxSpec, on_select: &Callback<u32>) -> Html {
    let m = spec.message;
    let verdict = verdict_name(m.verdict);
    let id = m.message;
    let onclick = {
        let on_select = on_select.clone();
        Callback::from(move |_: MouseEvent| on_select.emit(id))
    };
    let onkeydown = {
        let on_select = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_select.emit(id);
            }
        })
    };
    let lang = spec.lang;
    let description = format!(
        "{{'data': {}}} #{} · {} · {}{}",
        m.data,
        m.message,
        label(verdict, lang),
        label(if m.persistent { "persistent" } else { "transient" }, lang),
        if m.redelivered { format!(" · {}", label("redelivered", lang)) } else { String::new() },
    );
    html! {
        <g key={spec.key} class={classes!("msgbox", spec.current.then_some("current"))}
           style={format!("transform: translate({}px, {}px)", spec.x, spec.y)}
           tabindex="0" role="button" aria-label={description.clone()} aria-pressed={spec.selected.to_string()}
           {onclick} {onkeydown}>
            <title>{ description }</title>
            <rect class={classes!(
                    spec.kind,
                    if m.persistent { "persistent" } else { "transient" },
                    format!("verdict-{verdict}"),
                    m.redelivered.then_some("redelivered"),
                    spec.selected.then_some("selected"),
                    spec.current.then_some("current"),
                  )}
                  width={BOX_W.to_string()} height={BOX_H.to_string()} rx="3"
                  data-data={m.data.to_string()} data-message={m.message.to_string()} />
            // Up to three digits fit in a box; longer payloads are in the tooltip only.
            if m.data < 1000 {
                <text class={classes!("msg-label", (m.data >= 100).then_some("long"))} x={(BOX_W / 2).to_string()} y="13" text-anchor="middle">{ m.data }</text>
            }
        </g>
    }
}

/// A line from (x1, y1) to (x2, y2) as a gentle S-curve.
fn edge(x1: i32, y1: i32, x2: i32, y2: i32) -> Html {
    let mid = (x1 + x2) / 2;
    html! { <path class="edge" d={format!("M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}")} /> }
}

/// A name cut to `chars` characters with an ellipsis (the full name is in the tooltip).
fn shorten(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        name.to_string()
    } else {
        let mut short: String = name.chars().take(chars.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

fn more_label(x: i32, y: i32, more: usize) -> Html {
    if more == 0 {
        return Html::default();
    }
    html! { <text class="more" x={x.to_string()} y={y.to_string()} text-anchor="end">{ format!("+{more}") }</text> }
}

#[component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let view = &props.view;
    let selected = props.selected;
    let lang = props.lang;
    let producers_h = view.producers.len() as i32 * PRODUCER_ROW;
    let queues_h = view.queues.len() as i32 * QUEUE_ROW;
    let consumers_h = view.consumers.len() as i32 * CONSUMER_ROW;
    let content_h = producers_h.max(queues_h).max(consumers_h).max(EXCHANGE_H + 16);
    let height = TOP + content_h + 14;
    // Each column is centred in the content area.
    let producer_top = TOP + (content_h - producers_h) / 2;
    let queue_top = TOP + (content_h - queues_h) / 2;
    let consumer_top = TOP + (content_h - consumers_h) / 2;
    let exchange_y = TOP + content_h / 2 - EXCHANGE_H / 2;
    let exchange_mid = exchange_y + EXCHANGE_H / 2;
    let producer_y = |i: usize| producer_top + i as i32 * PRODUCER_ROW + (PRODUCER_ROW - PRODUCER_H) / 2;
    let queue_y = |i: usize| queue_top + i as i32 * QUEUE_ROW + (QUEUE_ROW - QUEUE_H) / 2;
    let consumer_y = |i: usize| consumer_top + i as i32 * CONSUMER_ROW + (CONSUMER_ROW - CONSUMER_H) / 2;

    let edges = html! {
        <g class="edges">
            { for view.producers.iter().enumerate().map(|(i, _)| edge(PRODUCER_X + PRODUCER_W, producer_y(i) + PRODUCER_H / 2, EXCHANGE_X, exchange_mid)) }
            { for view.queues.iter().enumerate().map(|(i, _)| edge(EXCHANGE_X + EXCHANGE_W, exchange_mid, QUEUE_X, queue_y(i) + QUEUE_H / 2)) }
            { for view.consumers.iter().enumerate().filter_map(|(i, c)| {
                let q = view.queues.iter().position(|q| q.name == c.queue)?;
                Some(edge(QUEUE_X + QUEUE_W, queue_y(q) + QUEUE_H / 2, CONSUMER_X, consumer_y(i) + CONSUMER_H / 2))
            }) }
        </g>
    };

    let nodes = html! {
        <g class="nodes">
            { for view.nodes.iter().map(|n| {
                let x = BROKER_X + i32::from(n.index) * NODE_STEP;
                html! {
                    <g class={classes!("node", (!n.up).then_some("down"))} data-node={n.index.to_string()}>
                        <title>{ format!("rabbit@{} {}", n.index, label(if n.up { "node_up" } else { "node_down" }, lang)) }</title>
                        <rect x={x.to_string()} y="8" width={NODE_W.to_string()} height="22" rx="11" />
                        <text x={(x + NODE_W / 2).to_string()} y="23" text-anchor="middle">{ format!("rabbit@{}", n.index) }</text>
                        if !n.up {
                            <line class="strike" x1={(x + 8).to_string()} y1="19" x2={(x + NODE_W - 8).to_string()} y2="19" />
                        }
                    </g>
                }
            }) }
        </g>
    };

    let actor_box = |actor: &ActorView, role: &'static str, x: i32, y: i32, w: i32, h: i32| {
        // About 7 units a character at 12px, leaving room for the status glyph.
        let name_chars = ((w - 36) / 7) as usize;
        html! {
            <>
                <title>{ format!("{} · {}{}", actor.name, label(actor.status, lang), if actor.line > 0 { format!(" · {}", line_label(actor.line, lang)) } else { String::new() }) }</title>
                <rect class="frame" x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="6" />
                <text class="name" x={(x + 10).to_string()} y={(y + 16).to_string()}>{ shorten(&actor.name, name_chars) }</text>
                <text class={classes!("status", actor.status)} x={(x + w - 10).to_string()} y={(y + 16).to_string()} text-anchor="end">{ status_glyph(actor) }</text>
                if role == "producer" && actor.line > 0 {
                    <text class="line-no" x={(x + 10).to_string()} y={(y + 30).to_string()}>{ format!("L{}", actor.line) }</text>
                }
            </>
        }
    };

    let producers = html! {
        <g class="producers">
            { for view.producers.iter().enumerate().map(|(i, p)| html! {
                <g class={classes!("producer", p.down.then_some("down"))} data-actor={p.name.clone()} data-status={p.status}>
                    { actor_box(p, "producer", PRODUCER_X, producer_y(i), PRODUCER_W, PRODUCER_H) }
                </g>
            }) }
        </g>
    };

    let exchange = html! {
        <g class="exchange">
            <rect x={EXCHANGE_X.to_string()} y={exchange_y.to_string()} width={EXCHANGE_W.to_string()} height={EXCHANGE_H.to_string()} rx="4" />
            <text x={(EXCHANGE_X + EXCHANGE_W / 2).to_string()} y={(exchange_y + 19).to_string()} text-anchor="middle">{ label("exchange", lang) }</text>
        </g>
    };

    let queues = html! {
        <g class="queues">
            { for view.queues.iter().enumerate().map(|(i, q)| {
                let y = queue_y(i);
                let flags: Vec<&str> = [q.durable.then_some("durable"), q.quorum.then_some("quorum"), (!q.exists).then_some("deleted")]
                    .into_iter()
                    .flatten()
                    .map(|flag| label(flag, lang))
                    .collect();
                let shown = q.ready.len().min(QUEUE_BOXES_MAX);
                let boxes = keyed(q.ready[..shown].iter());
                html! {
                    <g class={classes!("queue", (!q.exists).then_some("gone"))} data-queue={q.name.clone()} data-depth={q.ready.len().to_string()} data-unacked={q.unacked.to_string()}>
                        <title>{ format!("{} · {} {} · {} {}", q.name, label("ready", lang), q.ready.len(), label("unacked", lang), q.unacked) }</title>
                        <rect class="frame" x={QUEUE_X.to_string()} y={y.to_string()} width={QUEUE_W.to_string()} height={QUEUE_H.to_string()} rx="6" />
                        <text class="name" x={(QUEUE_X + 10).to_string()} y={(y + 16).to_string()}>{ shorten(&q.name, 16) }</text>
                        <text class="count" x={(QUEUE_X + QUEUE_W - 10).to_string()} y={(y + 16).to_string()} text-anchor="end">
                            { format!("{}", q.ready.len()) }
                            if q.unacked > 0 {
                                <tspan class="unacked">{ format!(" · {} {}", label("unacked", lang), q.unacked) }</tspan>
                            }
                        </text>
                        if !flags.is_empty() {
                            <text class="flags" x={(QUEUE_X + 10).to_string()} y={(y + QUEUE_H - 6).to_string()}>{ flags.join(" · ") }</text>
                        }
                        <g class="msgs">
                            { for boxes.into_iter().enumerate().map(|(k, (key, m))| message_box(BoxSpec {
                                key,
                                message: m,
                                x: QUEUE_X + 10 + (k % QUEUE_COLUMNS) as i32 * BOX_STEP,
                                y: y + 24 + (k / QUEUE_COLUMNS) as i32 * BOX_ROW,
                                kind: "msg",
                                current: false,
                                selected: selected == Some(m.message),
                                lang,
                            }, &props.on_select)) }
                        </g>
                        { more_label(QUEUE_X + QUEUE_W - 10, y + QUEUE_H - 6, q.ready.len() - shown) }
                    </g>
                }
            }) }
        </g>
    };

    let consumers = html! {
        <g class="consumers">
            { for view.consumers.iter().enumerate().map(|(i, c)| {
                let y = consumer_y(i);
                let shown = c.holding.len().min(HOLDING_BOXES_MAX);
                let in_callback = c.current.is_some() && c.holding.first().map(|m| m.data) == c.current;
                let boxes = keyed(c.holding[..shown].iter());
                html! {
                    <g class={classes!("consumer", c.actor.down.then_some("down"))} data-actor={c.actor.name.clone()} data-status={c.actor.status} data-holding={c.holding.len().to_string()}>
                        { actor_box(&c.actor, "consumer", CONSUMER_X, y, CONSUMER_W, CONSUMER_H) }
                        if c.actor.line > 0 {
                            <text class="line-no" x={(CONSUMER_X + CONSUMER_W - 30).to_string()} y={(y + 16).to_string()} text-anchor="end">{ format!("L{}", c.actor.line) }</text>
                        }
                        <g class="msgs">
                            { for boxes.into_iter().enumerate().map(|(k, (key, m))| message_box(BoxSpec {
                                key,
                                message: m,
                                // The callback's delivery stands apart from the buffered ones.
                                x: CONSUMER_X + 10 + k as i32 * BOX_STEP + if in_callback && k > 0 { 6 } else { 0 },
                                y: y + 26 - if in_callback && k == 0 { 2 } else { 0 },
                                kind: "delivery",
                                current: in_callback && k == 0,
                                selected: selected == Some(m.message),
                                lang,
                            }, &props.on_select)) }
                        </g>
                        { more_label(CONSUMER_X + CONSUMER_W - 8, y + 40, c.holding.len() - shown) }
                    </g>
                }
            }) }
        </g>
    };

    html! {
        <div id="diagram">
            <svg viewBox={format!("0 0 {WIDTH} {height}")} width="100%" preserveAspectRatio="xMidYMin meet" role="group">
                <rect class="broker" x={BROKER_X.to_string()} y="19" width={BROKER_W.to_string()} height={(height - 25).to_string()} rx="10" />
                { edges }
                { nodes }
                { producers }
                { exchange }
                { queues }
                { consumers }
            </svg>
        </div>
    }
}
