//! The Kafka diagram: producers → partitions → consumers, drawn as one inline SVG from a
//! `systems::kafka::diagram::KafkaDiagramView`, with the brokers as chips above the
//! partitions and a legend below.
//!
//! A partition is a box: its name and leader epoch, "leader kafka@1 · ISR {1,2}", then its
//! drawn log (the leader's) as a row of cells by offset, the last `LOG_CELLS_SHOWN` with
//! "+K" for the earlier ones. A cell is coloured by its message's verdict (classes
//! `verdict-<name>`, the RabbitMQ diagram's colours), solid below the high watermark and
//! pale and dashed above it; a transactional record is outlined (open: dashed, aborted:
//! struck), a control marker is a narrow grey cell ("C" commit, "A" abort). The HW is a
//! vertical line through the log and the replicas (labelled "HW"), the log end and, when it
//! differs from the HW, the last stable offset are marked above the cells. Under the log, one
//! bar per replica (leader first in assignment order, labelled `@id`): solid up to where it
//! agrees with the drawn log, dashed for what it lacks, red for what it holds that the leader
//! does not (a truncation will remove it); out of the ISR it is grey. Under those, one track
//! per group: the committed offset (a triangle pointing down at the boundary before it) and
//! each of its consumers' positions (one pointing up), so equal ones make a diamond; one
//! before the drawn window points left at its edge. The group's name is above its track, whole.
//!
//! Consumers are listed by group (name, state, generation), each with its partitions and
//! positions (`p0→4`: owns p0, will read offset 4 next).
//!
//! Two layouts, chosen by the width the diagram gets: wide (producers, partitions and
//! consumers in columns, 600 units, edges drawn) and narrow (top to bottom, 320 units, no
//! edges), so the SVG is never scaled below 1 and no text is under 12 px.
//!
//! The DOM contract the browser tests rely on: `#diagram.kafka svg` (`data-layout`),
//! `g.kbroker[data-broker]` (`data-state` up/down/fenced), `g.kproducer[data-actor]`
//! (`data-status`, `.down`), `g.kpartition[data-partition]` (`data-leader`, `data-epoch`,
//! `data-isr` "1,2", `data-hw`, `data-lso`, `data-log-end`, `data-earlier`, `.offline`)
//! holding `text.role`, `text.earlier`, `g.kcell[data-offset]` with `rect.cell`
//! (`data-data`, `data-tag`, `.verdict-<name>`, `.committed` or `.uncommitted`,
//! `.txn-<open|committed|aborted>`, `.marker`), `line.hw-line[data-offset][data-x]`,
//! `line.leo-mark` and `line.lso-line` (when they differ from the HW), `text.mark-label`
//! (`.hw`, `.leo`, `.lso`; "◂HW 3" when before the drawn window),
//! `g.kreplica[data-broker]` (`data-role` leader/follower, `data-isr`, `data-lacks`,
//! `data-diverged`), `g.ktrack[data-group]` with `path.committed-mark[data-offset][data-x]`
//! and `path.position-mark[data-consumer][data-offset][data-x]` (both `.before-window`
//! when before the drawn window); `g.kgroup[data-group]` (`data-state`, `data-generation`); `g.kconsumer[data-actor]` (`data-status`,
//! `data-group`, `.down`); `#diagram-legend`. `data-x` is the boundary's x in SVG units.

use crate::engine::checker::Verdict;
use crate::i18n::{label, Lang};
use crate::systems::kafka::cluster::Marker;
use crate::systems::kafka::diagram::{
    group_state_name, BrokerState, CellView, ConsumerView, KafkaDiagramView, PartitionView, ReplicaView, TrackView, TxnState, LOG_CELLS_SHOWN,
};
use crate::view::verdict_name;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KafkaDiagramProps {
    pub view: Rc<KafkaDiagramView>,
    /// The message id (`MessageId.0`) to highlight, with every record of it.
    #[prop_or_default]
    pub selected: Option<u32>,
    /// A cell was clicked (or activated with Enter/Space): its message id.
    #[prop_or_default]
    pub on_select: Callback<u32>,
    pub lang: Lang,
}

/// The Kafka labels, `(key, English, Chinese)`, kept here so the shared tables stay as they are.
/// Every key has both languages (tests/web.rs checks).
pub const KAFKA_LABELS: &[(&str, &str, &str)] = &[
    ("leader", "leader", "领导者"),
    ("follower", "follower", "跟随者"),
    ("replica", "replica (no leader to follow)", "副本（没有可跟随的领导者）"),
    ("offline", "offline", "离线"),
    ("epoch", "epoch", "纪元"),
    ("in_isr", "in the ISR", "在 ISR 中"),
    ("out_of_isr", "out of the ISR", "不在 ISR 中"),
    ("broker_up", "up", "运行中"),
    ("broker_down", "down", "已停止"),
    ("broker_fenced", "fenced by the controller", "已被控制器隔离"),
    ("leads", "leads", "领导分区数"),
    ("offset", "offset", "位点"),
    ("log_end", "log end", "日志末端"),
    ("high_watermark", "high watermark", "高水位"),
    ("last_stable_offset", "last stable offset", "最后稳定位点"),
    ("committed_record", "committed (below the high watermark)", "已提交（高水位之下）"),
    ("uncommitted_record", "not yet committed (above the high watermark)", "未提交（高水位之上）"),
    ("txn_open", "in an open transaction", "所在事务未结束"),
    ("txn_committed", "in a committed transaction", "所在事务已提交"),
    ("txn_aborted", "in an aborted transaction", "所在事务已中止"),
    ("marker_commit", "commit marker", "事务提交标记"),
    ("marker_abort", "abort marker", "事务中止标记"),
    ("earlier", "earlier records", "更早的记录"),
    ("lacks", "lacks", "缺少"),
    ("diverged", "to be truncated", "将被截断"),
    ("records", "records", "条记录"),
    ("committed_offset", "committed offset", "已提交位点"),
    ("position", "next offset to read", "下一个读取位点"),
    ("group", "group", "消费组"),
    ("generation", "generation", "代"),
    ("members", "members", "成员"),
    ("owns", "owns", "拥有分区"),
    ("no_partitions", "no partitions", "无分区"),
    ("unknown_group", "not created yet", "尚未创建"),
    ("state_empty", "empty", "空"),
    ("state_preparing_rebalance", "rebalancing", "再均衡中"),
    ("state_completing_rebalance", "syncing", "同步分配中"),
    ("state_stable", "stable", "稳定"),
    ("group_leader", "group leader", "组领导者"),
    ("legend_committed", "committed record", "已提交记录"),
    ("legend_uncommitted", "above the HW", "高水位之上"),
    ("legend_hw", "high watermark", "高水位"),
    ("legend_lacks", "a follower lacks", "跟随者缺少"),
    ("legend_committed_offset", "group's committed offset", "消费组已提交位点"),
    ("legend_position", "consumer's position", "消费者读取位置"),
    ("legend_aborted", "aborted transaction", "已中止事务"),
    ("kafka_diagram", "Kafka cluster: partitions, replicas and consumer groups", "Kafka 集群：分区、副本与消费组"),
];

/// A Kafka label in `lang` (the key itself when unknown).
fn kl(key: &str, lang: Lang) -> &str {
    match KAFKA_LABELS.iter().find(|(k, _, _)| *k == key) {
        Some((_, en, zh)) => match lang {
            Lang::En => en,
            Lang::Zh => zh,
        },
        None => key,
    }
}

// Sizes, in SVG user units (= CSS pixels or more: the layout is chosen so the SVG never
// shrinks).
const CELL_W: i32 = 24;
const CELL_H: i32 = 22;
const CELL_STEP: i32 = 26;
const MARKER_W: i32 = 12;

const PARTITION_W: i32 = 312;
/// Where the cells start in a partition box (the "+K" and replica labels are left of it).
const LOG_X: i32 = 40;
const MARKS_Y: i32 = 49;
const CELLS_Y: i32 = 54;
const OFFSETS_Y: i32 = CELLS_Y + CELL_H + 14;
const REPLICAS_Y: i32 = OFFSETS_Y + 6;
const REPLICA_ROW: i32 = 16;
/// A group's track: its name on a line of its own (the whole name, up to
/// `TRACK_LABEL_CHARS`), then the track with its marks.
const TRACK_ROW: i32 = 32;
const TRACK_LABEL_H: i32 = 12;
/// Characters of a 12 px monospace name that fit over the cells and the gutter.
const TRACK_LABEL_CHARS: usize = ((PARTITION_W - LOG_X - 8) * 10 / 73) as usize;
const PARTITION_GAP: i32 = 10;

const PRODUCER_W: i32 = 88;
const PRODUCER_H: i32 = 40;
const PRODUCER_ROW: i32 = 48;

/// A consumer box: its name line, then its partitions, wrapped (at most this many lines).
const CONSUMER_TOP_H: i32 = 26;
const CONSUMER_LINE: i32 = 16;
const CONSUMER_MAX_LINES: usize = 4;
const CONSUMER_GAP: i32 = 6;
const GROUP_HEADER_H: i32 = 36;
const GROUP_GAP: i32 = 8;

const BROKER_W: i32 = 58;
const BROKER_STEP: i32 = 62;
const BROKER_H: i32 = 22;

/// Below this many CSS pixels the diagram is drawn top to bottom.
const NARROW_BELOW_PX: i32 = 600;
const WIDE_W: i32 = 600;
const NARROW_W: i32 = 320;

fn partition_height(p: &PartitionView) -> i32 {
    REPLICAS_Y + p.replicas.len() as i32 * REPLICA_ROW + p.tracks.len() as i32 * TRACK_ROW + 8
}

/// A consumer section: a group (index into `view.groups`, None: consumers whose group the
/// coordinator does not know) and its consumers (indexes into `view.consumers`).
struct Section {
    group: Option<usize>,
    name: String,
    consumers: Vec<usize>,
}

fn sections(view: &KafkaDiagramView) -> Vec<Section> {
    let mut sections: Vec<Section> = view
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| Section { group: Some(g), name: group.name.clone(), consumers: Vec::new() })
        .collect();
    for (c, consumer) in view.consumers.iter().enumerate() {
        let index = match consumer.group {
            Some(g) => Some(g),
            None => sections.iter().position(|s| s.group.is_none() && s.name == consumer.group_name),
        };
        match index.and_then(|i| sections.get_mut(i)) {
            Some(section) => section.consumers.push(c),
            None => sections.push(Section { group: None, name: consumer.group_name.clone(), consumers: vec![c] }),
        }
    }
    sections
}

fn sections_height(view: &KafkaDiagramView, sections: &[Section], width: i32) -> i32 {
    sections
        .iter()
        .map(|s| {
            let consumers: i32 = s.consumers.iter().filter_map(|&c| view.consumers.get(c)).map(|c| consumer_height(view, c, width) + CONSUMER_GAP).sum();
            GROUP_HEADER_H + consumers + GROUP_GAP
        })
        .sum()
}

/// A consumer's partitions: the coordinator's assignment and the world's positions, each as
/// `p0→4` (owns p0, reads offset 4 next) or `p0` (no position yet).
fn owned_parts(view: &KafkaDiagramView, c: &ConsumerView) -> Vec<String> {
    let mut owned: Vec<crate::systems::kafka::cluster::TopicPartition> = c.assigned.clone();
    for &(tp, _) in &c.positions {
        if !owned.contains(&tp) {
            owned.push(tp);
        }
    }
    owned.sort();
    owned
        .iter()
        .map(|&tp| match c.positions.iter().find(|(p, _)| *p == tp) {
            Some((_, offset)) => format!("{}→{offset}", short_partition(view, tp)),
            None => short_partition(view, tp),
        })
        .collect()
}

/// The parts wrapped into lines that fit a box `width` wide (12 px monospace, room for the
/// leader star): at most `CONSUMER_MAX_LINES`, the last ending in "…" when more are left.
fn owned_lines(parts: &[String], width: i32) -> Vec<String> {
    let chars = ((width - 32) * 10 / 72).max(4) as usize;
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        let part = shorten(part, chars);
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + part.chars().count() <= chars => {
                line.push(' ');
                line.push_str(&part);
            }
            _ => lines.push(part),
        }
    }
    if lines.len() > CONSUMER_MAX_LINES {
        lines.truncate(CONSUMER_MAX_LINES);
        if let Some(last) = lines.last_mut() {
            let kept: String = last.chars().take(chars.saturating_sub(2)).collect();
            *last = format!("{kept} …");
        }
    }
    lines
}

fn consumer_height(view: &KafkaDiagramView, c: &ConsumerView, width: i32) -> i32 {
    let lines = owned_lines(&owned_parts(view, c), width).len().max(1);
    CONSUMER_TOP_H + lines as i32 * CONSUMER_LINE
}

/// Where a consumer section goes: its header's (x, y, width), then its consumers' (x, y).
type SectionPlace = ((i32, i32, i32), Vec<(i32, i32)>);

/// Where everything goes, for one view in one layout.
struct Layout {
    narrow: bool,
    width: i32,
    height: i32,
    brokers: (i32, i32),
    producers: Vec<(i32, i32)>,
    partitions: Vec<(i32, i32)>,
    sections: Vec<SectionPlace>,
}

impl Layout {
    fn place_sections(view: &KafkaDiagramView, sections: &[Section], x: i32, top: i32, width: i32) -> Vec<SectionPlace> {
        let mut y = top;
        sections
            .iter()
            .map(|s| {
                let header = (x, y, width);
                y += GROUP_HEADER_H;
                let consumers = s
                    .consumers
                    .iter()
                    .map(|&c| {
                        let at = (x, y);
                        y += view.consumers.get(c).map_or(0, |c| consumer_height(view, c, width)) + CONSUMER_GAP;
                        at
                    })
                    .collect();
                y += GROUP_GAP;
                (header, consumers)
            })
            .collect()
    }

    fn wide(view: &KafkaDiagramView, sections: &[Section]) -> Layout {
        let top = 38;
        let (producer_x, partition_x, consumer_x) = (4, 124, 448);
        let consumer_w = WIDE_W - 4 - consumer_x;
        let producers_h = view.producers.len() as i32 * PRODUCER_ROW;
        let partitions_h: i32 = view.partitions.iter().map(|p| partition_height(p) + PARTITION_GAP).sum();
        let consumers_h = sections_height(view, sections, consumer_w);
        let content_h = producers_h.max(partitions_h).max(consumers_h);
        let mut y = top + (content_h - partitions_h) / 2;
        let partitions = view
            .partitions
            .iter()
            .map(|p| {
                let at = (partition_x, y);
                y += partition_height(p) + PARTITION_GAP;
                at
            })
            .collect();
        let producer_top = top + (content_h - producers_h) / 2;
        Layout {
            narrow: false,
            width: WIDE_W,
            height: top + content_h + 4,
            brokers: (partition_x, 6),
            producers: (0..view.producers.len()).map(|i| (producer_x, producer_top + i as i32 * PRODUCER_ROW)).collect(),
            partitions,
            sections: Self::place_sections(view, sections, consumer_x, top + (content_h - consumers_h) / 2, consumer_w),
        }
    }

    fn narrow(view: &KafkaDiagramView, sections: &[Section]) -> Layout {
        // Producers in centred rows, then the broker chips, the partitions, the consumers.
        let per_row = ((NARROW_W - 8) / (PRODUCER_W + 8)).max(1) as usize;
        let count = view.producers.len();
        let producers: Vec<(i32, i32)> = (0..count)
            .map(|i| {
                let in_row = (count - i / per_row * per_row).min(per_row) as i32;
                let start = (NARROW_W - (in_row * (PRODUCER_W + 8) - 8)) / 2;
                (start + (i % per_row) as i32 * (PRODUCER_W + 8), 6 + (i / per_row) as i32 * PRODUCER_ROW)
            })
            .collect();
        let brokers_y = producers.last().map_or(6, |&(_, y)| y + PRODUCER_H + 10);
        let x = (NARROW_W - PARTITION_W) / 2;
        let mut y = brokers_y + BROKER_H + 10;
        let partitions = view
            .partitions
            .iter()
            .map(|p| {
                let at = (x, y);
                y += partition_height(p) + PARTITION_GAP;
                at
            })
            .collect();
        let placed = Self::place_sections(view, sections, x, y + 4, PARTITION_W);
        let height = y + 4 + sections_height(view, sections, PARTITION_W) + 4;
        Layout { narrow: true, width: NARROW_W, height, brokers: (x, brokers_y), producers, partitions, sections: placed }
    }
}

/// A left-to-right S-curve.
fn curve_h(x1: i32, y1: i32, x2: i32, y2: i32) -> String {
    let mid = (x1 + x2) / 2;
    format!("M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}")
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

/// The count of earlier records in at most four characters: "+12", "+999", "+12k", "+3M".
fn earlier_text(earlier: u64) -> String {
    if earlier < 1_000 {
        format!("+{earlier}")
    } else if earlier < 100_000 {
        format!("+{}k", earlier / 1_000)
    } else {
        format!("+{}M", earlier / 1_000_000)
    }
}

fn status_glyph(status: &str) -> &'static str {
    match status {
        "running" => "▶",
        "finished" => "✓",
        "not_started" => "○",
        _ => "✕",
    }
}

fn broker_name(id: u8) -> String {
    format!("kafka@{id}")
}

fn isr_text(isr: &[u8]) -> String {
    let ids: Vec<String> = isr.iter().map(|b| b.to_string()).collect();
    format!("ISR {{{}}}", ids.join(","))
}

/// The partition's role line: "leader kafka@1 · ISR {1,2}" or "offline · ISR {0}".
fn role_text(p: &PartitionView, lang: Lang) -> String {
    match p.leader {
        Some(leader) => format!("{} {} · {}", kl("leader", lang), broker_name(leader), isr_text(&p.isr)),
        None => format!("{} · {}", kl("offline", lang), isr_text(&p.isr)),
    }
}

/// The short name of a partition in a consumer box: `p0` when there is one topic.
fn short_partition(view: &KafkaDiagramView, tp: crate::systems::kafka::cluster::TopicPartition) -> String {
    let one_topic = view.partitions.iter().all(|p| p.tp.topic == tp.topic);
    if one_topic {
        format!("p{}", tp.partition)
    } else {
        view.partitions.iter().find(|p| p.tp == tp).map_or_else(|| format!("t{}p{}", tp.topic, tp.partition), |p| p.name.clone())
    }
}

fn verdict_of(cell: &CellView) -> &'static str {
    verdict_name(cell.record.map_or(Verdict::Pending, |r| r.verdict))
}

fn describe_cell(cell: &CellView, lang: Lang) -> String {
    let mut parts = vec![format!("{} {}", kl("offset", lang), cell.offset)];
    match cell.marker {
        Some(Marker::Commit) => parts.push(kl("marker_commit", lang).to_string()),
        Some(Marker::Abort) => parts.push(kl("marker_abort", lang).to_string()),
        None => {
            if let Some(record) = cell.record {
                parts.push(format!("{{'data': {}}} #{}", record.data, record.message));
            }
            parts.push(label(verdict_of(cell), lang).to_string());
        }
    }
    parts.push(kl(if cell.committed { "committed_record" } else { "uncommitted_record" }, lang).to_string());
    match cell.txn {
        TxnState::None => {}
        TxnState::Open => parts.push(kl("txn_open", lang).to_string()),
        TxnState::Committed => parts.push(kl("txn_committed", lang).to_string()),
        TxnState::Aborted => parts.push(kl("txn_aborted", lang).to_string()),
    }
    parts.push(format!("{} {}", kl("epoch", lang), cell.leader_epoch));
    parts.join(" · ")
}

fn describe_partition(p: &PartitionView, lang: Lang) -> String {
    let mut text = format!(
        "{}: {}, {} {}; {} {}, {} {}",
        p.name,
        role_text(p, lang),
        kl("epoch", lang),
        p.leader_epoch,
        kl("log_end", lang),
        p.log_end,
        kl("high_watermark", lang),
        p.high_watermark
    );
    if p.last_stable_offset != p.high_watermark {
        text.push_str(&format!(", {} {}", kl("last_stable_offset", lang), p.last_stable_offset));
    }
    text
}

fn replica_role(p: &PartitionView, r: &ReplicaView) -> &'static str {
    r.role(p.leader.is_some())
}

fn describe_replica(p: &PartitionView, r: &ReplicaView, lang: Lang) -> String {
    let mut text = format!(
        "{} · {} · {} · {} {}",
        broker_name(r.broker),
        kl(replica_role(p, r), lang),
        kl(if r.in_isr { "in_isr" } else { "out_of_isr" }, lang),
        kl("log_end", lang),
        r.log_end
    );
    if r.broker_state != BrokerState::Up {
        text.push_str(&format!(" · {}", kl(&format!("broker_{}", r.broker_state.name()), lang)));
    }
    if r.lacks > 0 {
        text.push_str(&format!(" · {} {} {}", kl("lacks", lang), r.lacks, kl("records", lang)));
    }
    if r.diverged > 0 {
        text.push_str(&format!(" · {} {} {}", r.diverged, kl("records", lang), kl("diverged", lang)));
    }
    text
}

fn describe_track(track: &TrackView, view: &KafkaDiagramView, lang: Lang) -> String {
    let mut parts = vec![format!("{} {}", kl("group", lang), track.name)];
    if let Some(offset) = track.committed {
        parts.push(format!("{} {offset}", kl("committed_offset", lang)));
    }
    for &(c, offset) in &track.positions {
        let name = view.consumers.get(c).map_or("?", |x| x.name.as_str());
        parts.push(format!("{name}: {} {offset}", kl("position", lang)));
    }
    parts.join(" · ")
}

/// The x of the boundary before `offset` in a partition's log row (cells start at `log_x`),
/// clamped to the drawn window.
fn boundary_x(p: &PartitionView, log_x: i32, offset: u64) -> i32 {
    let shown = p.cells.len() as u64;
    let slot = offset.saturating_sub(p.earlier).min(shown) as i32;
    log_x + slot * CELL_STEP - (CELL_STEP - CELL_W) / 2
}

fn cell_box(cell: &CellView, x: i32, y: i32, selected: Option<u32>, on_select: &Callback<u32>, lang: Lang) -> Html {
    let key = format!("{}.{}", cell.offset, cell.tag);
    let description = describe_cell(cell, lang);
    let message = cell.record.map(|r| r.message);
    let is_selected = message.is_some() && message == selected;
    let txn_class = match cell.txn {
        TxnState::None => None,
        state => Some(format!("txn-{}", state.name())),
    };
    let commit_class = if cell.committed { "committed" } else { "uncommitted" };
    if let Some(marker) = cell.marker {
        let glyph = if marker == Marker::Commit { "C" } else { "A" };
        let kind = if marker == Marker::Commit { "commit" } else { "abort" };
        return html! {
            <g key={key} class="kcell" data-offset={cell.offset.to_string()} style={format!("transform: translate({x}px, {y}px)")}>
                <title>{ description }</title>
                <rect class={classes!("cell", "marker", kind, commit_class)} x={((CELL_W - MARKER_W) / 2).to_string()} width={MARKER_W.to_string()} height={CELL_H.to_string()} rx="2"
                      data-tag={cell.tag.to_string()} />
                <text class="marker-label" x={(CELL_W / 2).to_string()} y="15" text-anchor="middle">{ glyph }</text>
            </g>
        };
    }
    let onclick = message.map(|id| {
        let on_select = on_select.clone();
        Callback::from(move |_: MouseEvent| on_select.emit(id))
    });
    let onkeydown = message.map(|id| super::on_activate({
        let on_select = on_select.clone();
        Callback::from(move |_| on_select.emit(id))
    }));
    let data = cell.record.map(|r| r.data);
    html! {
        <g key={key} class="kcell" data-offset={cell.offset.to_string()} style={format!("transform: translate({x}px, {y}px)")}
           tabindex={message.map(|_| "0")} role={message.map(|_| "button")} aria-label={description.clone()}
           aria-pressed={message.map(|_| is_selected.to_string())} {onclick} {onkeydown}>
            <title>{ description }</title>
            <rect class={classes!("cell", format!("verdict-{}", verdict_of(cell)), commit_class, txn_class, is_selected.then_some("selected"))}
                  width={CELL_W.to_string()} height={CELL_H.to_string()} rx="3"
                  data-tag={cell.tag.to_string()} data-data={data.map(|d| d.to_string())} />
            if cell.txn == TxnState::Aborted {
                <line class="aborted-strike" x1="3" y1={(CELL_H - 3).to_string()} x2={(CELL_W - 3).to_string()} y2="3" />
            }
            // Up to three digits fit in a cell; longer payloads are in the tooltip only.
            if let Some(d) = data.filter(|&d| d < 1000) {
                <text class="msg-label" x={(CELL_W / 2).to_string()} y="15" text-anchor="middle">{ d }</text>
            }
        </g>
    }
}

fn replica_row(p: &PartitionView, r: &ReplicaView, x: i32, y: i32, lang: Lang) -> Html {
    let log_x = x + LOG_X;
    let start = log_x - 1;
    let agree = boundary_x(p, log_x, r.agrees_up_to);
    let end = boundary_x(p, log_x, p.log_end);
    // What it holds beyond the agreement: as many cells as it has, capped at the window.
    let diverged_end = (agree + r.diverged.min(LOG_CELLS_SHOWN as u64) as i32 * CELL_STEP).min(log_x + LOG_CELLS_SHOWN as i32 * CELL_STEP);
    let bar_y = y + 4;
    html! {
        <g class={classes!("kreplica", (!r.in_isr).then_some("out-of-isr"), (r.broker_state != BrokerState::Up).then_some("down"))}
           data-broker={r.broker.to_string()} data-role={replica_role(p, r)} data-isr={r.in_isr.to_string()}
           data-log-end={r.log_end.to_string()} data-lacks={r.lacks.to_string()} data-diverged={r.diverged.to_string()}>
            <title>{ describe_replica(p, r, lang) }</title>
            <text class={classes!("replica-label", r.leader.then_some("leader"))} x={(x + 8).to_string()} y={(y + 12).to_string()}>
                { format!("@{}{}", r.broker, if r.leader { "★" } else { "" }) }
            </text>
            if agree > start {
                <rect class="replica-log" x={start.to_string()} y={bar_y.to_string()} width={(agree - start).to_string()} height="8" rx="2" />
            }
            if r.lacks > 0 && end > agree {
                <rect class="replica-lacks" x={agree.to_string()} y={bar_y.to_string()} width={(end - agree).to_string()} height="8" rx="2" />
            }
            if r.diverged > 0 && diverged_end > agree {
                <rect class="replica-diverged" x={agree.to_string()} y={(bar_y + 2).to_string()} width={(diverged_end - agree).to_string()} height="4" />
            }
        </g>
    }
}

/// A group's committed offset on its track (top at `y`): a triangle pointing down at the
/// boundary before the offset, above the track's line; before the drawn window, one pointing
/// left at its left edge.
fn committed_shape(p: &PartitionView, log_x: i32, offset: u64, y: i32) -> String {
    let x = boundary_x(p, log_x, offset);
    if offset < p.earlier {
        format!("M{},{} l8,-5 l0,10 Z", x - 8, y + 5)
    } else {
        format!("M{x},{} l-6,-9 l12,0 Z", y + 10)
    }
}

/// A consumer's position on its group's track: a triangle pointing up at the boundary before
/// the next offset it reads, below the track's line (so a position equal to the committed
/// offset makes a diamond); before the drawn window, one pointing left.
fn position_shape(p: &PartitionView, log_x: i32, offset: u64, y: i32) -> String {
    let x = boundary_x(p, log_x, offset);
    if offset < p.earlier {
        format!("M{},{} l8,-5 l0,10 Z", x - 8, y + 15)
    } else {
        format!("M{x},{} l6,9 l-12,0 Z", y + 10)
    }
}

fn track_row(view: &KafkaDiagramView, p: &PartitionView, track: &TrackView, x: i32, row_y: i32, lang: Lang) -> Html {
    let log_x = x + LOG_X;
    // The name above, the track below it.
    let y = row_y + TRACK_LABEL_H;
    let group = track.group.map_or_else(|| track.name.clone(), |g| g.to_string());
    html! {
        <g class="ktrack" data-group={group} data-name={track.name.clone()}>
            <title>{ describe_track(track, view, lang) }</title>
            <line class="track-line" x1={(log_x - 1).to_string()} y1={(y + 10).to_string()} x2={(log_x + LOG_CELLS_SHOWN as i32 * CELL_STEP - 2).to_string()} y2={(y + 10).to_string()} />
            if let Some(offset) = track.committed {
                <path class={classes!("committed-mark", (offset < p.earlier).then_some("before-window"))} d={committed_shape(p, log_x, offset, y)}
                      data-offset={offset.to_string()} data-x={boundary_x(p, log_x, offset).to_string()} />
            }
            { for track.positions.iter().map(|&(c, offset)| {
                let name = view.consumers.get(c).map_or(String::new(), |x| x.name.clone());
                html! {
                    <path class={classes!("position-mark", (offset < p.earlier).then_some("before-window"))} d={position_shape(p, log_x, offset, y)}
                          data-consumer={name} data-offset={offset.to_string()} data-x={boundary_x(p, log_x, offset).to_string()} />
                }
            }) }
            <text class="track-label" x={log_x.to_string()} y={(row_y + 10).to_string()}>{ shorten(&track.name, TRACK_LABEL_CHARS) }</text>
        </g>
    }
}

fn partition_box(view: &KafkaDiagramView, p: &PartitionView, (x, y): (i32, i32), selected: Option<u32>, on_select: &Callback<u32>, lang: Lang) -> Html {
    let h = partition_height(p);
    let log_x = x + LOG_X;
    let hw_x = boundary_x(p, log_x, p.high_watermark);
    let lso_x = boundary_x(p, log_x, p.last_stable_offset);
    let leo_x = boundary_x(p, log_x, p.log_end);
    let replicas_bottom = y + REPLICAS_Y + p.replicas.len() as i32 * REPLICA_ROW;
    let isr: Vec<String> = p.isr.iter().map(|b| b.to_string()).collect();
    // Offsets under the cells: every one while they have up to three digits, else every third.
    let every = if p.log_end > 1000 { 3 } else { 1 };
    // The mark labels: HW always, LEO when it differs, LSO when it differs from the HW.
    // A mark before the drawn window sits at its left edge and says its offset ("◂HW 3").
    let mark = |name: &str, offset: u64| if offset < p.earlier { format!("◂{name} {offset}") } else { name.to_string() };
    let mut marks: Vec<(String, i32, &str)> = vec![(mark("HW", p.high_watermark), hw_x, "hw")];
    if p.log_end != p.high_watermark {
        marks.push((mark("LEO", p.log_end), leo_x, "leo"));
    }
    if p.last_stable_offset != p.high_watermark {
        marks.push((mark("LSO", p.last_stable_offset), lso_x, "lso"));
    }
    html! {
        <g class={classes!("kpartition", p.offline().then_some("offline"))} data-partition={p.name.clone()}
           data-leader={p.leader.map(|b| b.to_string())} data-epoch={p.leader_epoch.to_string()} data-isr={isr.join(",")}
           data-hw={p.high_watermark.to_string()} data-lso={p.last_stable_offset.to_string()} data-log-end={p.log_end.to_string()}
           data-earlier={p.earlier.to_string()} data-cells={p.cells.len().to_string()}>
            <title>{ describe_partition(p, lang) }</title>
            <rect class="frame" x={x.to_string()} y={y.to_string()} width={PARTITION_W.to_string()} height={h.to_string()} rx="6" />
            <text class="name" x={(x + 8).to_string()} y={(y + 17).to_string()}>{ shorten(&p.name, 24) }</text>
            <text class="epoch" x={(x + PARTITION_W - 8).to_string()} y={(y + 17).to_string()} text-anchor="end">{ format!("{} {}", kl("epoch", lang), p.leader_epoch) }</text>
            <text class={classes!("role", p.offline().then_some("offline"))} x={(x + 8).to_string()} y={(y + 33).to_string()}>{ role_text(p, lang) }</text>
            if p.earlier > 0 {
                <text class="earlier" x={(log_x - 4).to_string()} y={(y + CELLS_Y + 15).to_string()} text-anchor="end">
                    <title>{ format!("{} {}", p.earlier, kl("earlier", lang)) }</title>
                    { earlier_text(p.earlier) }
                </text>
            }
            <g class="cells">
                { for p.cells.iter().enumerate().map(|(k, cell)| cell_box(cell, log_x + k as i32 * CELL_STEP, y + CELLS_Y, selected, on_select, lang)) }
            </g>
            { for p.cells.iter().enumerate().filter(|(_, cell)| cell.offset % every == 0).map(|(k, cell)| html! {
                <text class="offset" x={(log_x + k as i32 * CELL_STEP + CELL_W / 2).to_string()} y={(y + OFFSETS_Y).to_string()} text-anchor="middle">{ cell.offset }</text>
            }) }
            { for p.replicas.iter().enumerate().map(|(k, r)| replica_row(p, r, x, y + REPLICAS_Y + k as i32 * REPLICA_ROW, lang)) }
            { for p.tracks.iter().enumerate().map(|(k, t)| track_row(view, p, t, x, replicas_bottom + k as i32 * TRACK_ROW, lang)) }
            if p.last_stable_offset != p.high_watermark {
                <line class="lso-line" x1={lso_x.to_string()} y1={(y + CELLS_Y - 2).to_string()} x2={lso_x.to_string()} y2={(y + CELLS_Y + CELL_H + 2).to_string()} data-offset={p.last_stable_offset.to_string()} data-x={lso_x.to_string()} />
            }
            <line class="hw-line" x1={hw_x.to_string()} y1={(y + CELLS_Y - 3).to_string()} x2={hw_x.to_string()} y2={replicas_bottom.to_string()} data-offset={p.high_watermark.to_string()} data-x={hw_x.to_string()}>
                <title>{ format!("{} {}", kl("high_watermark", lang), p.high_watermark) }</title>
            </line>
            if p.log_end != p.high_watermark {
                <line class="leo-mark" x1={leo_x.to_string()} y1={(y + CELLS_Y - 3).to_string()} x2={leo_x.to_string()} y2={(y + CELLS_Y + CELL_H + 3).to_string()} data-offset={p.log_end.to_string()} data-x={leo_x.to_string()} />
            }
            { for spread(marks).into_iter().map(|(text, at, class)| html! {
                <text class={classes!("mark-label", class)} x={at.to_string()} y={(y + MARKS_Y).to_string()} text-anchor="middle">{ text }</text>
            }) }
        </g>
    }
}

/// Mark labels centred on their x, pushed apart (rightwards, in x order) so none overlaps the
/// previous: each label is about 8 units a character at 12 px.
fn spread(mut marks: Vec<(String, i32, &'static str)>) -> Vec<(String, i32, &'static str)> {
    marks.sort_by_key(|&(_, x, _)| x);
    let mut right_edge = i32::MIN;
    for mark in &mut marks {
        let half = mark.0.chars().count() as i32 * 4 + 2;
        if mark.1 - half < right_edge {
            mark.1 = right_edge + half;
        }
        right_edge = mark.1 + half;
    }
    marks
}

fn consumer_box(view: &KafkaDiagramView, c: &ConsumerView, (x, y): (i32, i32), w: i32, lang: Lang) -> Html {
    let status = c.status.name();
    let parts = owned_parts(view, c);
    let lines = if parts.is_empty() { vec![kl("no_partitions", lang).to_string()] } else { owned_lines(&parts, w) };
    let h = CONSUMER_TOP_H + lines.len() as i32 * CONSUMER_LINE;
    let partitions_text = if parts.is_empty() { kl("no_partitions", lang).to_string() } else { parts.join(" ") };
    let is_leader = c.member.is_some_and(|m| view.groups.iter().any(|g| g.members.iter().any(|x| x.key == m && x.leader)));
    let name_chars = ((w - 56) / 8).max(3) as usize;
    let title = format!(
        "{} · {}{} · {}: {}",
        c.name,
        label(status, lang),
        if is_leader { format!(" · {}", kl("group_leader", lang)) } else { String::new() },
        kl("owns", lang),
        partitions_text
    );
    html! {
        <g class={classes!("kconsumer", c.status.down().then_some("down"))} data-actor={c.name.clone()} data-status={status}
           data-group={c.group_name.clone()} data-partitions={parts.join(" ")}>
            <title>{ title }</title>
            <rect class="frame" x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="6" />
            <text class="name" x={(x + 8).to_string()} y={(y + 17).to_string()}>{ shorten(&c.name, name_chars) }</text>
            if c.line > 0 {
                <text class="line-no" x={(x + w - 22).to_string()} y={(y + 17).to_string()} text-anchor="end">{ format!("L{}", c.line) }</text>
            }
            <text class={classes!("status", status)} x={(x + w - 8).to_string()} y={(y + 17).to_string()} text-anchor="end">{ status_glyph(status) }</text>
            { for lines.iter().enumerate().map(|(k, line)| html! {
                <text class="owned" x={(x + 8).to_string()} y={(y + 34 + k as i32 * CONSUMER_LINE).to_string()}>{ line }</text>
            }) }
            if is_leader {
                <text class="leader-star" x={(x + w - 8).to_string()} y={(y + 34).to_string()} text-anchor="end">{ "★" }</text>
            }
        </g>
    }
}

/// The legend below the diagram (HTML, so its text keeps the page's size).
fn legend(lang: Lang) -> Html {
    let swatch = |inner: Html| {
        html! { <svg class="swatch" viewBox="0 0 26 26" width="20" height="20" aria-hidden="true">{ inner }</svg> }
    };
    let items = [
        ("committed", swatch(html! { <rect class="cell verdict-pending committed" x="1" y="2" width="24" height="22" rx="3" /> })),
        ("uncommitted", swatch(html! { <rect class="cell verdict-pending uncommitted" x="1" y="2" width="24" height="22" rx="3" /> })),
        ("hw", swatch(html! { <line class="hw-line" x1="13" y1="1" x2="13" y2="25" /> })),
        ("lacks", swatch(html! { <rect class="replica-lacks" x="1" y="9" width="24" height="8" rx="2" /> })),
        ("committed_offset", swatch(html! { <path class="committed-mark" d="M13,17 l-7,-11 l14,0 Z" /> })),
        ("position", swatch(html! { <path class="position-mark" d="M13,9 l7,11 l-14,0 Z" /> })),
        ("aborted", swatch(html! { <><rect class="cell verdict-pending committed txn-aborted" x="1" y="2" width="24" height="22" rx="3" /><line class="aborted-strike" x1="4" y1="21" x2="22" y2="5" /></> })),
    ];
    html! {
        <ul id="diagram-legend" class="legend" aria-label={label("legend", lang)}>
            { for items.into_iter().map(|(key, swatch)| html! {
                <li data-legend={key}>{ swatch }{ kl(&format!("legend_{key}"), lang) }</li>
            }) }
        </ul>
    }
}

#[component]
pub fn KafkaDiagram(props: &KafkaDiagramProps) -> Html {
    let view = &props.view;
    let lang = props.lang;
    let container = use_node_ref();
    let narrow = super::use_narrow(container.clone(), NARROW_BELOW_PX);
    let sections = sections(view);
    let layout = if narrow { Layout::narrow(view, &sections) } else { Layout::wide(view, &sections) };

    // Edges (wide only): producer → its topic's partitions, partition → the consumers owning it.
    let edges = if layout.narrow {
        Html::default()
    } else {
        let consumer_at = |c: usize| {
            sections.iter().zip(&layout.sections).find_map(|(s, (_, places))| s.consumers.iter().position(|&x| x == c).and_then(|i| places.get(i).copied()))
        };
        let partition_places = &layout.partitions;
        html! {
            <g class="edges">
                { for view.producers.iter().enumerate().flat_map(|(i, producer)| {
                    let (px, py) = layout.producers[i];
                    producer.partitions.iter().filter_map(move |&p| partition_places.get(p).map(|&(x, y)| {
                        html! { <path class="edge" d={curve_h(px + PRODUCER_W, py + PRODUCER_H / 2, x, y + CELLS_Y + CELL_H / 2)} /> }
                    })).collect::<Vec<Html>>()
                }) }
                { for view.consumers.iter().enumerate().flat_map(|(c, consumer)| {
                    let to = consumer_at(c);
                    consumer.assigned.iter().filter_map(|tp| {
                        let p = view.partitions.iter().position(|x| x.tp == *tp)?;
                        let (x, y) = *layout.partitions.get(p)?;
                        let (cx, cy) = to?;
                        Some(html! { <path class="edge" d={curve_h(x + PARTITION_W, y + CELLS_Y + CELL_H / 2, cx, cy + 21)} /> })
                    }).collect::<Vec<Html>>()
                }) }
            </g>
        }
    };

    let brokers = html! {
        <g class="brokers">
            { for view.brokers.iter().map(|b| {
                let x = layout.brokers.0 + i32::from(b.id) * BROKER_STEP;
                let y = layout.brokers.1;
                let state = b.state.name();
                html! {
                    <g class={classes!("kbroker", state)} data-broker={b.id.to_string()} data-state={state} data-leads={b.leads.to_string()}>
                        <title>{ format!("{} · {} · {} {}", broker_name(b.id), kl(&format!("broker_{state}"), lang), kl("leads", lang), b.leads) }</title>
                        <rect x={x.to_string()} y={y.to_string()} width={BROKER_W.to_string()} height={BROKER_H.to_string()} rx="11" />
                        <text x={(x + BROKER_W / 2).to_string()} y={(y + 15).to_string()} text-anchor="middle">{ broker_name(b.id) }</text>
                        if b.state == BrokerState::Down {
                            <line class="strike" x1={(x + 6).to_string()} y1={(y + 11).to_string()} x2={(x + BROKER_W - 6).to_string()} y2={(y + 11).to_string()} />
                        }
                    </g>
                }
            }) }
        </g>
    };

    let producers = html! {
        <g class="producers">
            { for view.producers.iter().enumerate().map(|(i, p)| {
                let (x, y) = layout.producers[i];
                let status = p.status.name();
                let topic = view.partitions.iter().find(|x| x.tp.topic == p.topic).map(|x| x.name.rsplit_once('-').map_or(x.name.clone(), |(t, _)| t.to_string())).unwrap_or_default();
                html! {
                    <g class={classes!("kproducer", p.status.down().then_some("down"))} data-actor={p.name.clone()} data-status={status}>
                        <title>{ format!("{} · {} → {}", p.name, label(status, lang), topic) }</title>
                        <rect class="frame" x={x.to_string()} y={y.to_string()} width={PRODUCER_W.to_string()} height={PRODUCER_H.to_string()} rx="6" />
                        <text class="name" x={(x + 8).to_string()} y={(y + 17).to_string()}>{ shorten(&p.name, 9) }</text>
                        <text class={classes!("status", status)} x={(x + PRODUCER_W - 8).to_string()} y={(y + 34).to_string()} text-anchor="end">{ status_glyph(status) }</text>
                        if p.line > 0 {
                            <text class="line-no" x={(x + 8).to_string()} y={(y + 34).to_string()}>{ format!("L{}", p.line) }</text>
                        }
                    </g>
                }
            }) }
        </g>
    };

    let partitions = html! {
        <g class="partitions">
            { for view.partitions.iter().enumerate().map(|(i, p)| partition_box(view, p, layout.partitions[i], props.selected, &props.on_select, lang)) }
        </g>
    };

    let groups = html! {
        <g class="groups">
            { for sections.iter().zip(&layout.sections).map(|(s, ((x, y, w), places))| {
                let group = s.group.and_then(|g| view.groups.get(g));
                let (state, detail) = match group {
                    Some(g) => {
                        let state = group_state_name(g.state);
                        (state, format!("{} · {} {}", kl(&format!("state_{state}"), lang), kl("generation", lang), g.generation))
                    }
                    None => ("unknown", kl("unknown_group", lang).to_string()),
                };
                let members: Vec<String> = group.map(|g| g.members.iter().map(|m| m.member_id.clone()).collect()).unwrap_or_default();
                html! {
                    <g class={classes!("kgroup", state)} data-group={s.name.clone()} data-state={state} data-generation={group.map(|g| g.generation.to_string())}>
                        <title>{ format!("{} {} · {} · {}: {}", kl("group", lang), s.name, detail, kl("members", lang), members.join(", ")) }</title>
                        <text class="name group-name" x={(x + 2).to_string()} y={(y + 15).to_string()}>{ shorten(&s.name, ((w - 4) * 2 / 17) as usize) }</text>
                        <text class="group-state" x={(x + 2).to_string()} y={(y + 31).to_string()}>{ detail }</text>
                        { for s.consumers.iter().zip(places).filter_map(|(&c, &at)| view.consumers.get(c).map(|consumer| consumer_box(view, consumer, at, *w, lang))) }
                    </g>
                }
            }) }
        </g>
    };

    html! {
        <div id="diagram" class="kafka" ref={container}>
            <svg viewBox={format!("0 0 {} {}", layout.width, layout.height)} width="100%" preserveAspectRatio="xMidYMin meet" role="group"
                 aria-label={kl("kafka_diagram", lang).to_string()} data-layout={if layout.narrow { "narrow" } else { "wide" }}>
                { edges }
                { brokers }
                { producers }
                { partitions }
                { groups }
            </svg>
            { legend(lang) }
        </div>
    }
}
