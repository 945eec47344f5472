//! The broker diagram: producers → exchange → queues → consumers, drawn as one inline SVG
//! from a `view::DiagramView`, with the broker's nodes as chips on the broker's frame, and a
//! legend below it.
//!
//! Message boxes are coloured by verdict (classes `verdict-<name>`), solid when persistent
//! and dashed when transient; an unacked delivery has an amber bar under it, a redelivered
//! copy an amber corner. Each box sits in a keyed `<g>` positioned by a CSS `transform`, so a
//! box that moves within its queue or consumer between steps glides there (the stylesheet's
//! transition), and a new one fades in. A copy dropped at the step shown leaves as a ghost
//! where it was (`g.ghost`, red when its message is lost). A queue whose node is down is
//! greyed ("node down"); a cut network link is drawn cut.
//!
//! Two layouts, chosen by the width the diagram gets: wide (columns left to right, 600 units)
//! and narrow (top to bottom, 320 units), so the SVG is never scaled below 1 and no text is
//! under 12 px (every text is at least 12 units).
//!
//! The DOM contract the browser tests rely on: `#diagram svg` (`data-layout`),
//! `g.node[data-node]` (`.down`), `g.producer[data-actor]` (`.down`, `.cut`),
//! `g.queue[data-queue]` (`.down`) holding `rect.msg[data-data][data-message]`
//! (`.persistent` or `.transient`, `.verdict-<name>`), `g.consumer[data-actor]` (`.down`,
//! `.cut`) holding `rect.delivery[data-data]` (`.unacked`), `g.ghost[data-data]`
//! (`data-at`), `path.edge.cut`, `#diagram-legend`.

use crate::i18n::{label, line_label, Lang};
use crate::view::{verdict_name, ActorView, DiagramView, Ghost, GhostAt, MsgView};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub view: Rc<DiagramView>,
    /// Copies dropped at the step shown, drawn as ghosts where they were.
    #[prop_or_default]
    pub ghosts: Rc<Vec<Ghost>>,
    /// The message id (`MessageId.0`) to highlight, with every copy of it.
    pub selected: Option<u32>,
    /// A message box was clicked (or activated with Enter/Space): its message id.
    pub on_select: Callback<u32>,
    pub lang: Lang,
}

// Sizes, in SVG user units (= CSS pixels or more: the layout is chosen so the SVG never
// shrinks).
const BOX_W: i32 = 24;
const BOX_H: i32 = 20;
const BOX_STEP: i32 = 28;
const BOX_ROW: i32 = 25;

const PRODUCER_W: i32 = 96;
const PRODUCER_H: i32 = 40;
const PRODUCER_ROW: i32 = 48;

const EXCHANGE_W: i32 = 64;
const EXCHANGE_H: i32 = 30;

const QUEUE_W: i32 = 200;
/// Header, three rows of boxes, footer (flags and unacked).
const QUEUE_H: i32 = 26 + 3 * BOX_ROW + 16;
const QUEUE_ROW: i32 = QUEUE_H + 12;
/// Boxes per row, and at most this many slots; when more wait, the last slot says "+N".
const QUEUE_COLUMNS: usize = 6;
const QUEUE_SLOTS: usize = 18;

const CONSUMER_W: i32 = 192;
/// Header and two rows of boxes.
const CONSUMER_H: i32 = 26 + 2 * BOX_ROW + 6;
const CONSUMER_ROW: i32 = CONSUMER_H + 10;
/// Boxes per row, and at most this many slots; when it holds more, the last says "+N".
const HOLDING_COLUMNS: usize = 6;
const HOLDING_SLOTS: usize = 12;

const NODE_W: i32 = 84;
const NODE_STEP: i32 = 90;
const NODE_H: i32 = 22;

/// Below this many CSS pixels the diagram is drawn top to bottom.
const NARROW_BELOW_PX: i32 = 600;
const WIDE_W: i32 = 600;
const NARROW_W: i32 = 320;

/// Where everything goes, for one view in one layout.
struct Layout {
    narrow: bool,
    width: i32,
    height: i32,
    /// The broker's frame (x, y, w, h) and where its node chips sit (x of the first, y).
    broker: (i32, i32, i32, i32),
    nodes: (i32, i32),
    producers: Vec<(i32, i32)>,
    exchange: (i32, i32),
    queues: Vec<(i32, i32)>,
    consumers: Vec<(i32, i32)>,
}

impl Layout {
    fn wide(view: &DiagramView) -> Layout {
        let top = 46;
        let producers_h = view.producers.len() as i32 * PRODUCER_ROW;
        let queues_h = view.queues.len() as i32 * QUEUE_ROW;
        let consumers_h = view.consumers.len() as i32 * CONSUMER_ROW;
        let content_h = producers_h.max(queues_h).max(consumers_h).max(EXCHANGE_H + 16);
        let height = top + content_h + 14;
        let (producer_x, exchange_x, broker_x, queue_x, consumer_x) = (4, 114, 106, 190, WIDE_W - 4 - CONSUMER_W);
        let producer_top = top + (content_h - producers_h) / 2;
        let queue_top = top + (content_h - queues_h) / 2;
        let consumer_top = top + (content_h - consumers_h) / 2;
        Layout {
            narrow: false,
            width: WIDE_W,
            height,
            broker: (broker_x, 19, queue_x + QUEUE_W + 8 - broker_x, height - 25),
            nodes: (broker_x, 8),
            producers: (0..view.producers.len()).map(|i| (producer_x, producer_top + i as i32 * PRODUCER_ROW + (PRODUCER_ROW - PRODUCER_H) / 2)).collect(),
            exchange: (exchange_x, top + content_h / 2 - EXCHANGE_H / 2),
            queues: (0..view.queues.len()).map(|i| (queue_x, queue_top + i as i32 * QUEUE_ROW + (QUEUE_ROW - QUEUE_H) / 2)).collect(),
            consumers: (0..view.consumers.len()).map(|i| (consumer_x, consumer_top + i as i32 * CONSUMER_ROW + (CONSUMER_ROW - CONSUMER_H) / 2)).collect(),
        }
    }

    fn narrow(view: &DiagramView) -> Layout {
        // Producers in centred rows above the broker.
        let per_row = ((NARROW_W - 8) / (PRODUCER_W + 8)).max(1) as usize;
        let count = view.producers.len();
        let producers: Vec<(i32, i32)> = (0..count)
            .map(|i| {
                let in_row = (count - i / per_row * per_row).min(per_row) as i32;
                let start = (NARROW_W - (in_row * (PRODUCER_W + 8) - 8)) / 2;
                (start + (i % per_row) as i32 * (PRODUCER_W + 8), 6 + (i / per_row) as i32 * PRODUCER_ROW)
            })
            .collect();
        let producers_bottom = producers.last().map_or(6, |&(_, y)| y + PRODUCER_H);
        let broker_y = producers_bottom + 18;
        let exchange = ((NARROW_W - EXCHANGE_W) / 2, broker_y + 20);
        let queue_x = (NARROW_W - QUEUE_W) / 2;
        let queues: Vec<(i32, i32)> = (0..view.queues.len()).map(|i| (queue_x, exchange.1 + EXCHANGE_H + 18 + i as i32 * QUEUE_ROW)).collect();
        let broker_bottom = queues.last().map_or(exchange.1 + EXCHANGE_H, |&(_, y)| y + QUEUE_H) + 16;
        let consumer_x = (NARROW_W - CONSUMER_W) / 2;
        let consumers: Vec<(i32, i32)> = (0..view.consumers.len()).map(|i| (consumer_x, broker_bottom + 24 + i as i32 * CONSUMER_ROW)).collect();
        let height = consumers.last().map_or(broker_bottom, |&(_, y)| y + CONSUMER_H) + 8;
        Layout {
            narrow: true,
            width: NARROW_W,
            height,
            broker: (4, broker_y, NARROW_W - 8, broker_bottom - broker_y),
            // The node chips straddle the broker's bottom edge, clear of every edge.
            nodes: (12, broker_bottom - NODE_H / 2),
            producers,
            exchange,
            queues,
            consumers,
        }
    }

    /// The edge from producer `i` to the exchange.
    fn producer_edge(&self, i: usize) -> (String, (i32, i32)) {
        let (px, py) = self.producers[i];
        let (ex, ey) = self.exchange;
        if self.narrow {
            curve_v(px + PRODUCER_W / 2, py + PRODUCER_H, ex + EXCHANGE_W / 2, ey)
        } else {
            curve_h(px + PRODUCER_W, py + PRODUCER_H / 2, ex, ey + EXCHANGE_H / 2)
        }
    }

    fn queue_edge(&self, q: usize) -> String {
        let (ex, ey) = self.exchange;
        let (qx, qy) = self.queues[q];
        if self.narrow {
            // Down the left side, into the queue's left edge.
            let (x1, y1, x2, y2) = (ex, ey + EXCHANGE_H / 2, qx, qy + QUEUE_H / 2);
            let side = qx - 34;
            format!("M{x1},{y1} C{side},{y1} {side},{y2} {x2},{y2}")
        } else {
            curve_h(ex + EXCHANGE_W, ey + EXCHANGE_H / 2, qx, qy + QUEUE_H / 2).0
        }
    }

    fn consumer_edge(&self, q: usize, c: usize) -> (String, (i32, i32)) {
        let (qx, qy) = self.queues[q];
        let (cx, cy) = self.consumers[c];
        if self.narrow {
            // Down the right side, into the consumer's right edge.
            let (x1, y1, x2, y2) = (qx + QUEUE_W, qy + QUEUE_H / 2, cx + CONSUMER_W, cy + CONSUMER_H / 2);
            let side = self.width - 6;
            (format!("M{x1},{y1} C{side},{y1} {side},{y2} {x2},{y2}"), (side - 8, (y1 + y2) / 2))
        } else {
            curve_h(qx + QUEUE_W, qy + QUEUE_H / 2, cx, cy + CONSUMER_H / 2)
        }
    }
}

/// A left-to-right S-curve and its midpoint.
fn curve_h(x1: i32, y1: i32, x2: i32, y2: i32) -> (String, (i32, i32)) {
    let mid = (x1 + x2) / 2;
    (format!("M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"), (mid, (y1 + y2) / 2))
}

/// A top-to-bottom S-curve and its midpoint.
fn curve_v(x1: i32, y1: i32, x2: i32, y2: i32) -> (String, (i32, i32)) {
    let mid = (y1 + y2) / 2;
    (format!("M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}"), ((x1 + x2) / 2, mid))
}

/// An edge, drawn cut (red, dashed, with a ✂ at its middle) when the network is cut there.
fn edge((d, (mx, my)): (String, (i32, i32)), cut: bool, lang: Lang) -> Html {
    html! {
        <>
            <path class={classes!("edge", cut.then_some("cut"))} d={d} />
            if cut {
                <g class="cut-mark">
                    <title>{ label("link_cut", lang) }</title>
                    <circle cx={mx.to_string()} cy={my.to_string()} r="9" />
                    <text x={mx.to_string()} y={(my + 5).to_string()} text-anchor="middle">{ "✂" }</text>
                </g>
            }
        </>
    }
}

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

/// A message box to draw (the narration module draws it, `message_box`).
pub struct BoxSpec<'a> {
    pub key: String,
    pub message: &'a MsgView,
    pub x: i32,
    pub y: i32,
    /// `msg` (in a queue) or `delivery` (at a consumer).
    pub kind: &'static str,
    pub current: bool,
    pub selected: bool,
    pub lang: Lang,
}

fn describe(m: &MsgView, lang: Lang) -> String {
    let verdict = verdict_name(m.verdict);
    let mut text = format!(
        "{{'data': {}}} #{} · {} · {}",
        m.data,
        m.message,
        label(verdict, lang),
        label(if m.persistent { "persistent" } else { "transient" }, lang),
    );
    if m.redelivered {
        text.push_str(&format!(" · {}", label("redelivered", lang)));
    }
    if m.unacked {
        text.push_str(&format!(" · {}", label("unacked", lang)));
    }
    text
}

/// A message in a queue or at a consumer (the narration module's: there are messages only
/// once the run is past its opening setup events).
pub fn message_box(spec: BoxSpec, on_select: &Callback<u32>) -> Html {
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
    let description = describe(m, spec.lang);
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
                    m.unacked.then_some("unacked"),
                    spec.selected.then_some("selected"),
                    spec.current.then_some("current"),
                  )}
                  width={BOX_W.to_string()} height={BOX_H.to_string()} rx="3"
                  data-data={m.data.to_string()} data-message={m.message.to_string()} />
            if m.redelivered {
                <path class="redelivered-mark" d={format!("M{},0 L{BOX_W},0 L{BOX_W},9 Z", BOX_W - 9)} />
            }
            if m.unacked {
                <rect class="unacked-mark" x="0" y={(BOX_H + 1).to_string()} width={BOX_W.to_string()} height="3" rx="1" />
            }
            // Up to three digits fit in a box; longer payloads are in the tooltip only.
            if m.data < 1000 {
                <text class="msg-label" x={(BOX_W / 2).to_string()} y="14" text-anchor="middle">{ m.data }</text>
            }
        </g>
    }
}

/// A dropped copy where it was, at the step it was dropped (the narration module's).
pub fn ghost_box(ghost: &Ghost, x: i32, y: i32, lang: Lang) -> Html {
    let m = &ghost.message;
    let verdict = verdict_name(m.verdict);
    let at = match ghost.at {
        GhostAt::Queue(_) => "queue",
        GhostAt::Consumer(_) => "consumer",
        GhostAt::Publish(_) => "publish",
    };
    let description = format!("{} · {}", describe(m, lang), label("legend_lost", lang));
    html! {
        <g class={classes!("ghost", format!("verdict-{verdict}"))} data-data={m.data.to_string()} data-message={m.message.to_string()} data-at={at}
           style={format!("transform: translate({x}px, {y}px)")}>
            <title>{ description }</title>
            <rect class="ghost-box" width={BOX_W.to_string()} height={BOX_H.to_string()} rx="3" />
            if m.data < 1000 {
                <text class="msg-label" x={(BOX_W / 2).to_string()} y="14" text-anchor="middle">{ m.data }</text>
            }
        </g>
    }
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

/// The legend below the diagram (HTML, so its text keeps the page's size).
fn legend(lang: Lang) -> Html {
    let swatch = |class: &'static str, extra: Html| {
        html! {
            <svg class="swatch" viewBox="0 0 26 26" width="20" height="20" aria-hidden="true">
                <rect class={class} x="1" y="1" width="24" height="20" rx="3" />
                { extra }
            </svg>
        }
    };
    let items = [
        ("persistent", swatch("msg persistent verdict-pending", Html::default())),
        ("transient", swatch("msg transient verdict-pending", Html::default())),
        ("unacked", swatch("msg persistent verdict-pending", html! { <rect class="unacked-mark" x="1" y="22" width="24" height="3" rx="1" /> })),
        ("redelivered", swatch("msg persistent verdict-pending", html! { <path class="redelivered-mark" d="M16,1 L25,1 L25,10 Z" /> })),
        ("lost", swatch("ghost-box lost-swatch", Html::default())),
    ];
    html! {
        <ul id="diagram-legend" class="legend" aria-label={label("legend", lang)}>
            { for items.into_iter().map(|(key, swatch)| html! {
                <li data-legend={key}>{ swatch }{ label(&format!("legend_{key}"), lang) }</li>
            }) }
        </ul>
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

    // The width the diagram gets decides the layout: the SVG is never drawn smaller than
    // its units.
    let container = use_node_ref();
    let narrow = super::use_narrow(container.clone(), NARROW_BELOW_PX);
    let layout = if narrow { Layout::narrow(view) } else { Layout::wide(view) };

    let ghosts_at = |at: GhostAt| props.ghosts.iter().filter(move |g| g.at == at);
    // Message boxes and ghosts are drawn by the narration module: a run has them only once
    // it is past its opening setup events, when the page fetches it (the status says so
    // meanwhile).
    let narration = crate::ui::narration_chunk::loaded();
    let msg = |spec: BoxSpec| narration.map_or_else(Html::default, |api| (api.message_box)(spec, &props.on_select));
    let ghost = |g: &Ghost, x: i32, y: i32| narration.map_or_else(Html::default, |api| (api.ghost_box)(g, x, y, lang));

    let edges = html! {
        <g class="edges">
            { for view.producers.iter().enumerate().filter(|(_, p)| p.connects).map(|(i, p)| edge(layout.producer_edge(i), p.cut, lang)) }
            { for view.queues.iter().enumerate().map(|(i, _)| html! { <path class="edge" d={layout.queue_edge(i)} /> }) }
            { for view.consumers.iter().enumerate().filter_map(|(i, c)| {
                let q = view.queues.iter().position(|q| q.name == c.queue)?;
                Some(edge(layout.consumer_edge(q, i), c.actor.cut, lang))
            }) }
        </g>
    };

    let nodes = html! {
        <g class="nodes">
            { for view.nodes.iter().map(|n| {
                let x = layout.nodes.0 + i32::from(n.index) * NODE_STEP;
                let y = layout.nodes.1;
                html! {
                    <g class={classes!("node", (!n.up).then_some("down"))} data-node={n.index.to_string()}>
                        <title>{ format!("rabbit@{} {}", n.index, label(if n.up { "node_up" } else { "node_down" }, lang)) }</title>
                        <rect x={x.to_string()} y={y.to_string()} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="11" />
                        <text x={(x + NODE_W / 2).to_string()} y={(y + 15).to_string()} text-anchor="middle">{ format!("rabbit@{}", n.index) }</text>
                        if !n.up {
                            <line class="strike" x1={(x + 8).to_string()} y1={(y + 11).to_string()} x2={(x + NODE_W - 8).to_string()} y2={(y + 11).to_string()} />
                        }
                    </g>
                }
            }) }
        </g>
    };

    let actor_box = |actor: &ActorView, x: i32, y: i32, w: i32, h: i32, line_below: bool| {
        // About 7.5 units a character at 13px, leaving room for the status glyph (and the
        // line number beside it in a consumer).
        let room = if line_below { 30 } else { 64 };
        let name_chars = ((w - room) * 2 / 15).max(3) as usize;
        html! {
            <>
                <title>{ format!("{} · {}{}", actor.name, label(actor.status, lang), if actor.line > 0 { format!(" · {}", line_label(actor.line, lang)) } else { String::new() }) }</title>
                <rect class="frame" x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="6" />
                <text class="name" x={(x + 8).to_string()} y={(y + 17).to_string()}>{ shorten(&actor.name, name_chars) }</text>
                <text class={classes!("status", actor.status)} x={(x + w - 8).to_string()} y={(y + 17).to_string()} text-anchor="end">{ status_glyph(actor) }</text>
                if actor.line > 0 {
                    if line_below {
                        <text class="line-no" x={(x + 8).to_string()} y={(y + 34).to_string()}>{ format!("L{}", actor.line) }</text>
                    } else {
                        <text class="line-no" x={(x + w - 24).to_string()} y={(y + 17).to_string()} text-anchor="end">{ format!("L{}", actor.line) }</text>
                    }
                }
            </>
        }
    };

    let producers = html! {
        <g class="producers">
            { for view.producers.iter().enumerate().map(|(i, p)| {
                let (x, y) = layout.producers[i];
                // Publishes that never got in (a lost frame, an unreachable queue) leave
                // inside their producer's box, bottom right (the two latest).
                let lost: Vec<&Ghost> = ghosts_at(GhostAt::Publish(p.index)).take(2).collect();
                html! {
                    <g class={classes!("producer", p.down.then_some("down"), p.cut.then_some("cut"))} data-actor={p.name.clone()} data-status={p.status}>
                        { actor_box(p, x, y, PRODUCER_W, PRODUCER_H, true) }
                        { for lost.into_iter().enumerate().map(|(k, g)| {
                            ghost(g, x + PRODUCER_W - 4 - (k as i32 + 1) * BOX_STEP + 4, y + PRODUCER_H - BOX_H - 1)
                        }) }
                    </g>
                }
            }) }
        </g>
    };

    let (exchange_x, exchange_y) = layout.exchange;
    // The default exchange is drawn as "exchange"; a named one by its name, dashed and
    // struck through while it does not exist (a publish to it closes the channel, 404).
    let (exchange_name, exchange_missing) = match &view.exchange {
        Some((name, exists)) => (name.clone(), !exists),
        None => (label("exchange", lang).to_string(), false),
    };
    let exchange = html! {
        <g class={classes!("exchange", exchange_missing.then_some("missing"))} data-exchange={exchange_name.clone()}>
            <title>{ if exchange_missing { format!("{exchange_name}: {}", label("exchange_missing", lang)) } else { exchange_name.clone() } }</title>
            <rect x={exchange_x.to_string()} y={exchange_y.to_string()} width={EXCHANGE_W.to_string()} height={EXCHANGE_H.to_string()} rx="4" />
            <text x={(exchange_x + EXCHANGE_W / 2).to_string()} y={(exchange_y + 19).to_string()} text-anchor="middle">{ exchange_name }</text>
        </g>
    };

    let queues = html! {
        <g class="queues">
            { for view.queues.iter().enumerate().map(|(i, q)| {
                let (qx, y) = layout.queues[i];
                let down = q.exists && !q.running;
                // A queue that does not exist (not declared yet, or deleted) says only that: it
                // has no durability to show.
                let flags: Vec<&str> = [(q.exists && q.durable).then_some("durable"), (q.exists && q.quorum).then_some("quorum"), (!q.exists).then_some("deleted")]
                    .into_iter()
                    .flatten()
                    .map(|flag| label(flag, lang))
                    .collect();
                let lost: Vec<&Ghost> = ghosts_at(GhostAt::Queue(i as u16)).collect();
                // Slots: the ready messages first, then the ghosts; a full queue says "+N".
                let total = q.ready.len() + lost.len();
                let slots = if total > QUEUE_SLOTS { QUEUE_SLOTS - 1 } else { QUEUE_SLOTS };
                let shown = q.ready.len().min(slots);
                let ghosts_shown = lost.len().min(slots - shown);
                let boxes = keyed(q.ready[..shown].iter());
                let slot = |k: usize| (qx + 10 + (k % QUEUE_COLUMNS) as i32 * BOX_STEP, y + 26 + (k / QUEUE_COLUMNS) as i32 * BOX_ROW);
                let hidden = total - shown - ghosts_shown;
                html! {
                    <g class={classes!("queue", (!q.exists).then_some("gone"), down.then_some("down"))} data-queue={q.name.clone()} data-depth={q.ready.len().to_string()} data-unacked={q.unacked.to_string()} data-running={q.running.to_string()}>
                        <title>{ format!("{} · {} {} · {} {}{}", q.name, label("ready", lang), q.ready.len(), label("unacked", lang), q.unacked, if down { format!(" · {}", label("queue_node_down", lang)) } else { String::new() }) }</title>
                        <rect class="frame" x={qx.to_string()} y={y.to_string()} width={QUEUE_W.to_string()} height={QUEUE_H.to_string()} rx="6" />
                        <text class="name" x={(qx + 8).to_string()} y={(y + 17).to_string()}>{ shorten(&q.name, 14) }</text>
                        if down {
                            <text class="down-label" x={(qx + QUEUE_W - 8).to_string()} y={(y + 17).to_string()} text-anchor="end">{ label("queue_node_down", lang) }</text>
                        } else {
                            <text class="count" x={(qx + QUEUE_W - 8).to_string()} y={(y + 17).to_string()} text-anchor="end">{ q.ready.len() }</text>
                        }
                        if !flags.is_empty() {
                            <text class="flags" x={(qx + 8).to_string()} y={(y + QUEUE_H - 6).to_string()}>{ flags.join(" · ") }</text>
                        }
                        if q.unacked > 0 {
                            <text class="unacked" x={(qx + QUEUE_W - 8).to_string()} y={(y + QUEUE_H - 6).to_string()} text-anchor="end">{ format!("{} {}", label("unacked", lang), q.unacked) }</text>
                        }
                        <g class="msgs">
                            { for boxes.into_iter().enumerate().map(|(k, (key, m))| {
                                let (x, y) = slot(k);
                                msg(BoxSpec { key, message: m, x, y, kind: "msg", current: false, selected: selected == Some(m.message), lang })
                            }) }
                            { for lost.iter().take(ghosts_shown).enumerate().map(|(k, g)| {
                                let (x, y) = slot(shown + k);
                                ghost(g, x, y)
                            }) }
                        </g>
                        if hidden > 0 {
                            { more_label(slot(QUEUE_SLOTS - 1).0 + BOX_W, slot(QUEUE_SLOTS - 1).1 + 15, hidden) }
                        }
                    </g>
                }
            }) }
        </g>
    };

    let consumers = html! {
        <g class="consumers">
            { for view.consumers.iter().enumerate().map(|(i, c)| {
                let (cx, y) = layout.consumers[i];
                let in_callback = c.current.is_some() && c.holding.first().map(|m| m.data) == c.current;
                let lost: Vec<&Ghost> = ghosts_at(GhostAt::Consumer(c.actor.index)).collect();
                let total = c.holding.len() + lost.len();
                let slots = if total > HOLDING_SLOTS { HOLDING_SLOTS - 1 } else { HOLDING_SLOTS };
                let shown = c.holding.len().min(slots);
                let ghosts_shown = lost.len().min(slots - shown);
                let boxes = keyed(c.holding[..shown].iter());
                // The callback's delivery stands apart from the buffered ones.
                let slot = |k: usize| {
                    let apart = if in_callback && k > 0 { 4 } else { 0 };
                    let lift = if in_callback && k == 0 { 2 } else { 0 };
                    (cx + 6 + (k % HOLDING_COLUMNS) as i32 * BOX_STEP + apart, y + 26 + (k / HOLDING_COLUMNS) as i32 * BOX_ROW - lift)
                };
                let hidden = total - shown - ghosts_shown;
                html! {
                    <g class={classes!("consumer", c.actor.down.then_some("down"), c.actor.cut.then_some("cut"))} data-actor={c.actor.name.clone()} data-status={c.actor.status} data-holding={c.holding.len().to_string()}>
                        { actor_box(&c.actor, cx, y, CONSUMER_W, CONSUMER_H, false) }
                        <g class="msgs">
                            { for boxes.into_iter().enumerate().map(|(k, (key, m))| {
                                let (x, y) = slot(k);
                                msg(BoxSpec { key, message: m, x, y, kind: "delivery", current: in_callback && k == 0, selected: selected == Some(m.message), lang })
                            }) }
                            { for lost.iter().take(ghosts_shown).enumerate().map(|(k, g)| {
                                let (x, y) = slot(shown + k);
                                ghost(g, x, y)
                            }) }
                        </g>
                        if hidden > 0 {
                            { more_label(cx + CONSUMER_W - 6, slot(HOLDING_SLOTS - 1).1 + 15, hidden) }
                        }
                    </g>
                }
            }) }
        </g>
    };

    let (bx, by, bw, bh) = layout.broker;
    html! {
        <div id="diagram" ref={container}>
            <svg viewBox={format!("0 0 {} {}", layout.width, layout.height)} width="100%" preserveAspectRatio="xMidYMin meet" role="group"
                 data-layout={if layout.narrow { "narrow" } else { "wide" }}>
                <rect class="broker" x={bx.to_string()} y={by.to_string()} width={bw.to_string()} height={bh.to_string()} rx="10" />
                { edges }
                { nodes }
                { producers }
                { exchange }
                { queues }
                { consumers }
            </svg>
            // The database line is the narration module's (only chapters past the first, or a
            // loaded file or link, have an order service).
            if let (Some(db), Some(api)) = (&view.database, narration) {
                { (api.database)(db, lang) }
            }
            { legend(lang) }
        </div>
    }
}

/// The order service's database and the inbox, under the diagram: what each table holds (the
/// narration module's, `NarrationApi::database`).
pub fn database(db: &crate::view::DatabaseView, lang: Lang) -> Html {
    let rows = |table: &'static str, data: &[u32]| {
        html! {
            <span class="table" data-table={table} data-rows={data.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")}>
                // (A full-width colon takes no space after it.)
                <b>{ label(table, lang) }</b>{ if lang == Lang::En { " " } else { "" } }{ crate::i18n::payload_ranges(data, lang) }
            </span>
        }
    };
    html! {
        <p id="database" class="database">
            <span class="db">{ "orders.db" }</span>{ rows("db_orders", &db.orders) }
            if let Some(outbox) = &db.outbox {
                { rows("db_outbox", outbox) }
            }
            if let Some(effects) = &db.effects {
                <span class="db">{ "effects.db" }</span>{ rows("db_effects", effects) }
            }
        </p>
    }
}
