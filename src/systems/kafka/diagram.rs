//! The Kafka diagram's view model: plain data the page draws (issue 10 §3), computed from the
//! broker-side models' public state (`Cluster`, `GroupCoordinator`) and the few facts only the
//! world knows (`KafkaWorldFacts`: the programs, their statuses and positions, and what each
//! record tag stands for). No web crates; `ui::components::kafka_diagram` only draws it.
//!
//! What it holds: the brokers (up, down, fenced); per topic-partition its leader, leader epoch,
//! ISR and replicas, the drawn replica's log as cells by offset (the leader's; for an offline
//! partition, its first ISR member's), the HW, LSO and log end, each follower's log end and
//! what it lacks or holds beyond where it agrees with the drawn log; per group its state,
//! generation, members with their partitions and committed offsets; per consumer its status
//! and positions; and per partition one track per group with its committed offset and its
//! consumers' positions.
//!
//! Invariants (tested below):
//! - a pure function of its inputs: same models and facts, same view (no hash order, no clock);
//! - `cells` are the last `LOG_CELLS_SHOWN` records of the drawn log (all of them when fewer),
//!   in offset order, contiguous, ending at `log_end`; `earlier` counts those left out
//!   (`earlier + cells.len() == log_end`, the log start being 0);
//! - a cell is `committed` exactly when its offset is below the drawn replica's HW, and
//!   `stable` when below its LSO; a transactional record is `Open` until a control marker of
//!   its producer follows it in the log, then `Committed` or `Aborted` as that marker says;
//! - a follower's `agrees_up_to + lacks` is the drawn log's end and `agrees_up_to + diverged`
//!   its own log end (`diverged` > 0: records a truncation will remove when it fetches);
//! - a partition has at most one track per group (plus one for consumers in no known group),
//!   and a track exists only when it has a committed offset or a position to show;
//! - building it never panics, whatever the state (unknown tags, members, partitions).
//!
//! Records a truncation removed are not in any log, so not here: the world draws those ghosts.

use super::cluster::{Cluster, Marker, Partition, Record, Replica, TopicPartition};
use super::group::{GroupCoordinator, GroupKey, GroupState, MemberKey};
use crate::engine::checker::Verdict;
use crate::engine::ids::NodeId;
use std::collections::BTreeMap;

/// How many cells of a log are drawn: the last ones; earlier records are counted ("+K").
pub const LOG_CELLS_SHOWN: usize = 8;

/// A program's status, as the world knows it (names as `view::status_name`'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientStatus {
    NotStarted,
    Running,
    Crashed,
    Stopped,
    /// The program raised and exited with an error.
    Failed,
    /// The program ran to its end.
    Finished,
}

impl ClientStatus {
    /// The snake_case name (CSS class, i18n label key).
    pub fn name(self) -> &'static str {
        match self {
            ClientStatus::NotStarted => "not_started",
            ClientStatus::Running => "running",
            ClientStatus::Crashed => "crashed",
            ClientStatus::Stopped => "stopped",
            ClientStatus::Failed => "failed",
            ClientStatus::Finished => "finished",
        }
    }

    /// Crashed, stopped or failed: drawn greyed with a ✕.
    pub fn down(self) -> bool {
        matches!(self, ClientStatus::Crashed | ClientStatus::Stopped | ClientStatus::Failed)
    }
}

/// What a record tag (the engine's `CopyId`) stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordFacts {
    /// The payload `{'data': data}`.
    pub data: u32,
    /// The logical message (`MessageId.0`): a duplicate shares it.
    pub message: u32,
    /// The message's verdict at this step.
    pub verdict: Verdict,
}

/// A producer program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerFacts {
    pub name: String,
    pub status: ClientStatus,
    /// The cluster topic index it sends to.
    pub topic: u16,
    /// The code line executing now (0 = none).
    pub line: u16,
}

/// A consumer program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerFacts {
    pub name: String,
    pub status: ClientStatus,
    /// Its `group_id`.
    pub group: String,
    /// Its membership in the coordinator now (None: not joined, or gone).
    pub member: Option<MemberKey>,
    /// Its position per partition it owns: the next offset it will read.
    pub positions: Vec<(TopicPartition, u64)>,
    /// The code line executing now (0 = none).
    pub line: u16,
}

/// What only the world knows, filled by it at each step.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct KafkaWorldFacts {
    /// Topic names, by cluster topic index.
    pub topics: Vec<String>,
    pub producers: Vec<ProducerFacts>,
    pub consumers: Vec<ConsumerFacts>,
    /// By record tag. Only the tags drawn are looked up: `shown_tags` lists them.
    pub records: BTreeMap<u32, RecordFacts>,
}

/// Everything the Kafka diagram draws at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaDiagramView {
    pub brokers: Vec<BrokerView>,
    pub producers: Vec<ProducerView>,
    /// Topic by topic, partition by partition.
    pub partitions: Vec<PartitionView>,
    /// In coordinator order (creation).
    pub groups: Vec<GroupView>,
    /// In the facts' order.
    pub consumers: Vec<ConsumerView>,
}

/// A broker's state. A crashed broker is `Down` at once; the controller fences it later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerState {
    Up,
    /// Up, but fenced by the controller: it leads nothing and is in no ISR.
    Fenced,
    Down,
}

impl BrokerState {
    pub fn name(self) -> &'static str {
        match self {
            BrokerState::Up => "up",
            BrokerState::Fenced => "fenced",
            BrokerState::Down => "down",
        }
    }
}

/// A broker (`kafka@id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokerView {
    pub id: u8,
    pub state: BrokerState,
    /// How many partitions it leads.
    pub leads: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerView {
    pub name: String,
    pub status: ClientStatus,
    pub line: u16,
    pub topic: u16,
    /// Its topic's partitions, as indexes into `KafkaDiagramView::partitions`.
    pub partitions: Vec<usize>,
}

/// Where a transactional record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnState {
    /// Not transactional.
    None,
    /// No marker of its producer follows it yet.
    Open,
    Committed,
    Aborted,
}

impl TxnState {
    pub fn name(self) -> &'static str {
        match self {
            TxnState::None => "none",
            TxnState::Open => "open",
            TxnState::Committed => "committed",
            TxnState::Aborted => "aborted",
        }
    }
}

/// One record of the drawn log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellView {
    pub offset: u64,
    /// The record's tag (0 for a control marker).
    pub tag: u32,
    /// What the tag stands for (None: a marker, or a tag the facts do not name).
    pub record: Option<RecordFacts>,
    /// Some: a transaction control marker (never given to a consumer).
    pub marker: Option<Marker>,
    /// Below the HW: committed, visible to read_uncommitted consumers.
    pub committed: bool,
    /// Below the LSO: visible to read_committed consumers.
    pub stable: bool,
    pub txn: TxnState,
    /// The leader epoch it was written in.
    pub leader_epoch: u32,
}

/// One replica of a partition, compared with the drawn log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaView {
    pub broker: u8,
    pub broker_state: BrokerState,
    pub leader: bool,
    pub in_isr: bool,
    pub log_end: u64,
    pub high_watermark: u64,
    /// Its log agrees with the drawn log below this offset.
    pub agrees_up_to: u64,
    /// Records of the drawn log it does not have (from `agrees_up_to`).
    pub lacks: u64,
    /// Records it holds beyond `agrees_up_to` that the drawn log does not: a truncation will
    /// remove them.
    pub diverged: u64,
}

impl ReplicaView {
    /// Its role, as the diagram labels it: `leader`; `follower` (a live broker copying from
    /// the partition's live leader); else `replica` (its broker is down, or the partition has
    /// no leader to follow: a lone broker that is down leads nothing and follows no one).
    pub fn role(&self, partition_has_leader: bool) -> &'static str {
        if self.leader {
            "leader"
        } else if partition_has_leader && self.broker_state == BrokerState::Up {
            "follower"
        } else {
            "replica"
        }
    }
}

/// One group's marks on one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackView {
    /// Index into `KafkaDiagramView::groups` (None: consumers whose group the coordinator
    /// does not know yet).
    pub group: Option<usize>,
    /// The group's name.
    pub name: String,
    pub committed: Option<u64>,
    /// (index into `KafkaDiagramView::consumers`, its position here).
    pub positions: Vec<(usize, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionView {
    pub tp: TopicPartition,
    /// `topic-partition`, as Kafka names it (`test_topic-0`).
    pub name: String,
    pub leader: Option<u8>,
    pub leader_epoch: u32,
    /// Broker ids, in assignment order.
    pub isr: Vec<u8>,
    /// In assignment order (the first is the preferred leader).
    pub replicas: Vec<ReplicaView>,
    /// The broker whose log is drawn: the leader, or for an offline partition its first ISR
    /// member (the one that may lead cleanly again). None: no replica at all.
    pub drawn: Option<u8>,
    pub log_end: u64,
    pub high_watermark: u64,
    pub last_stable_offset: u64,
    /// Records before the first cell (the "+K earlier" marker).
    pub earlier: u64,
    pub cells: Vec<CellView>,
    /// One per group with something to show here, in group order; then the unknown group's.
    pub tracks: Vec<TrackView>,
}

impl PartitionView {
    pub fn offline(&self) -> bool {
        self.leader.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberView {
    pub key: MemberKey,
    /// Its Kafka member id (`client_id-uuid`).
    pub member_id: String,
    /// The group leader (it computes the assignment).
    pub leader: bool,
    /// Index into `KafkaDiagramView::consumers` of the program behind it.
    pub consumer: Option<usize>,
    /// Its partitions (empty while a rebalance runs: eager protocol).
    pub assigned: Vec<TopicPartition>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupView {
    pub key: GroupKey,
    pub name: String,
    pub state: GroupState,
    pub generation: i32,
    pub members: Vec<MemberView>,
    /// Committed offsets, in partition order.
    pub committed: Vec<(TopicPartition, u64)>,
}

/// The snake_case name of a group state (CSS class, label key).
pub fn group_state_name(state: GroupState) -> &'static str {
    match state {
        GroupState::Empty => "empty",
        GroupState::PreparingRebalance => "preparing_rebalance",
        GroupState::CompletingRebalance => "completing_rebalance",
        GroupState::Stable => "stable",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerView {
    pub name: String,
    pub status: ClientStatus,
    pub line: u16,
    /// Its `group_id`.
    pub group_name: String,
    /// Index into `KafkaDiagramView::groups` (None: the coordinator has no such group yet).
    pub group: Option<usize>,
    /// Its member, while the coordinator counts it as one.
    pub member: Option<MemberKey>,
    /// The coordinator's assignment of its member (empty while a rebalance runs).
    pub assigned: Vec<TopicPartition>,
    /// The world's positions (next offset to read), in partition order.
    pub positions: Vec<(TopicPartition, u64)>,
}

fn broker_state(cluster: &Cluster, broker: NodeId) -> BrokerState {
    if !cluster.broker_up(broker) {
        BrokerState::Down
    } else if cluster.broker_fenced(broker) {
        BrokerState::Fenced
    } else {
        BrokerState::Up
    }
}

/// The offset below which `mine` agrees with `drawn`: the first offset from the end of the
/// shorter log where both hold a record of the same leader epoch, plus one (as the cluster's
/// epoch-based truncation decides it).
fn agreement(mine: &[Record], drawn: &[Record]) -> u64 {
    let mut offset = mine.len().min(drawn.len());
    while offset > 0 {
        let same = mine.get(offset - 1).map(|r| r.leader_epoch) == drawn.get(offset - 1).map(|r| r.leader_epoch);
        if same {
            break;
        }
        offset -= 1;
    }
    offset as u64
}

/// The drawn log's cells from `first` on, with each transactional record's state found by
/// scanning back from the end (a marker always follows the records it ends).
fn cells_of(log: &[Record], first: usize, hw: u64, lso: u64, facts: &KafkaWorldFacts) -> Vec<CellView> {
    let shown = log.get(first..).unwrap_or(&[]);
    let mut later_marker: BTreeMap<u64, Marker> = BTreeMap::new();
    let mut cells: Vec<CellView> = Vec::with_capacity(shown.len());
    for (i, record) in shown.iter().enumerate().rev() {
        let offset = (first + i) as u64;
        let producer_id = record.producer.map(|p| p.producer_id);
        let txn = match (record.marker, producer_id) {
            (Some(marker), Some(id)) => {
                later_marker.insert(id, marker);
                TxnState::None
            }
            (None, Some(id)) if record.transactional => match later_marker.get(&id) {
                Some(Marker::Commit) => TxnState::Committed,
                Some(Marker::Abort) => TxnState::Aborted,
                None => TxnState::Open,
            },
            _ => TxnState::None,
        };
        cells.push(CellView {
            offset,
            tag: record.tag,
            record: if record.marker.is_some() { None } else { facts.records.get(&record.tag).copied() },
            marker: record.marker,
            committed: offset < hw,
            stable: offset < lso,
            txn,
            leader_epoch: record.leader_epoch,
        });
    }
    cells.reverse();
    cells
}

/// The replica whose log a partition's view draws: the leader's, or for an offline partition
/// its first ISR member's.
fn drawn_replica(partition: &Partition) -> (Option<NodeId>, Option<&Replica>) {
    let broker = partition.leader().or_else(|| partition.isr().first().copied());
    (broker, broker.and_then(|b| partition.replica(b)))
}

/// The tags of every record the view would draw now (the last `LOG_CELLS_SHOWN` of each
/// drawn log, control markers left out), in partition and offset order: the only tags
/// `KafkaWorldFacts::records` needs, so a world with long logs can fill just these.
pub fn shown_tags(cluster: &Cluster) -> Vec<u32> {
    let mut tags = Vec::new();
    for tp in cluster.topic_partitions() {
        let Some(partition) = cluster.partition(tp) else { continue };
        let log: &[Record] = drawn_replica(partition).1.map_or(&[], |r| r.log());
        let first = log.len().saturating_sub(LOG_CELLS_SHOWN);
        tags.extend(log.get(first..).unwrap_or(&[]).iter().filter(|r| r.marker.is_none()).map(|r| r.tag));
    }
    tags
}

fn partition_view(cluster: &Cluster, groups: &[GroupView], facts: &KafkaWorldFacts, tp: TopicPartition) -> Option<PartitionView> {
    let partition = cluster.partition(tp)?;
    let leader = partition.leader();
    let (drawn_broker, drawn) = drawn_replica(partition);
    let log: &[Record] = drawn.map_or(&[], |r| r.log());
    let log_end = log.len() as u64;
    let high_watermark = drawn.map_or(0, |r| r.high_watermark());
    let last_stable_offset = drawn.map_or(0, |r| r.last_stable_offset());
    let first = log.len().saturating_sub(LOG_CELLS_SHOWN);
    let replicas = partition
        .replicas
        .iter()
        .map(|r| {
            let agrees_up_to = if Some(r.broker) == drawn_broker { log_end } else { agreement(r.log(), log) };
            ReplicaView {
                broker: r.broker.0,
                broker_state: broker_state(cluster, r.broker),
                leader: Some(r.broker) == leader,
                in_isr: partition.isr().contains(&r.broker),
                log_end: r.log_end(),
                high_watermark: r.high_watermark(),
                agrees_up_to,
                lacks: log_end.saturating_sub(agrees_up_to),
                diverged: r.log_end().saturating_sub(agrees_up_to),
            }
        })
        .collect();
    let mut tracks: Vec<TrackView> = groups
        .iter()
        .enumerate()
        .map(|(g, group)| TrackView {
            group: Some(g),
            name: group.name.clone(),
            committed: group.committed.iter().find(|(p, _)| *p == tp).map(|&(_, offset)| offset),
            positions: Vec::new(),
        })
        .collect();
    let mut unknown_group: Vec<TrackView> = Vec::new();
    // Only a running process has a position (a crashed or stopped one's died with it).
    for (c, consumer) in facts.consumers.iter().enumerate().filter(|(_, c)| c.status == ClientStatus::Running) {
        for &(_, offset) in consumer.positions.iter().filter(|(p, _)| *p == tp) {
            match groups.iter().position(|g| g.name == consumer.group).and_then(|g| tracks.get_mut(g)) {
                Some(track) => track.positions.push((c, offset)),
                None => match unknown_group.iter_mut().find(|t| t.name == consumer.group) {
                    Some(track) => track.positions.push((c, offset)),
                    None => unknown_group.push(TrackView { group: None, name: consumer.group.clone(), committed: None, positions: vec![(c, offset)] }),
                },
            }
        }
    }
    tracks.extend(unknown_group);
    tracks.retain(|t| t.committed.is_some() || !t.positions.is_empty());
    let topic_name = facts.topics.get(usize::from(tp.topic)).cloned().unwrap_or_else(|| format!("topic{}", tp.topic));
    Some(PartitionView {
        tp,
        name: format!("{topic_name}-{}", tp.partition),
        leader: leader.map(|b| b.0),
        leader_epoch: partition.leader_epoch,
        isr: partition.isr().iter().map(|b| b.0).collect(),
        replicas,
        drawn: drawn_broker.map(|b| b.0),
        log_end,
        high_watermark,
        last_stable_offset,
        earlier: first as u64,
        cells: cells_of(log, first, high_watermark, last_stable_offset, facts),
        tracks,
    })
}

/// Every group of the coordinator, in key order (keys are dense from 0).
fn group_views(coordinator: &GroupCoordinator, partitions: &[TopicPartition], facts: &KafkaWorldFacts) -> Vec<GroupView> {
    let mut groups = Vec::new();
    for index in 0..=u16::MAX {
        let key = GroupKey(index);
        let Some(name) = coordinator.group_name(key) else { break };
        let leader = coordinator.leader(key);
        let members = coordinator
            .members(key)
            .iter()
            .map(|&member| MemberView {
                key: member,
                member_id: coordinator.member_id(member).unwrap_or_default().to_string(),
                leader: leader == Some(member),
                consumer: facts.consumers.iter().position(|c| c.member == Some(member)),
                assigned: coordinator.assignment(member).to_vec(),
            })
            .collect();
        groups.push(GroupView {
            key,
            name: name.to_string(),
            state: coordinator.state(key).unwrap_or(GroupState::Empty),
            generation: coordinator.generation(key).unwrap_or(0),
            members,
            committed: partitions.iter().filter_map(|&tp| coordinator.committed(key, tp).map(|offset| (tp, offset))).collect(),
        });
    }
    groups
}

impl KafkaDiagramView {
    /// The view of the models' state now, with the world's facts.
    pub fn new(cluster: &Cluster, coordinator: &GroupCoordinator, facts: &KafkaWorldFacts) -> KafkaDiagramView {
        let all_partitions = cluster.topic_partitions();
        let groups = group_views(coordinator, &all_partitions, facts);
        let partitions: Vec<PartitionView> = all_partitions.iter().filter_map(|&tp| partition_view(cluster, &groups, facts, tp)).collect();
        let brokers = (0..cluster.config.brokers)
            .map(|id| BrokerView {
                id,
                state: broker_state(cluster, NodeId(id)),
                leads: partitions.iter().filter(|p| p.leader == Some(id)).count() as u16,
            })
            .collect();
        let producers = facts
            .producers
            .iter()
            .map(|p| ProducerView {
                name: p.name.clone(),
                status: p.status,
                line: p.line,
                topic: p.topic,
                partitions: partitions.iter().enumerate().filter(|(_, x)| x.tp.topic == p.topic).map(|(i, _)| i).collect(),
            })
            .collect();
        let consumers = facts
            .consumers
            .iter()
            .map(|c| {
                let member = c.member.filter(|&m| coordinator.is_member(m));
                // A process that is not running holds no positions (they died with it; what
                // the group keeps is its committed offsets).
                let mut positions = if c.status == ClientStatus::Running { c.positions.clone() } else { Vec::new() };
                positions.sort();
                ConsumerView {
                    name: c.name.clone(),
                    status: c.status,
                    line: c.line,
                    group_name: c.group.clone(),
                    group: groups.iter().position(|g| g.name == c.group),
                    member,
                    assigned: member.map(|m| coordinator.assignment(m).to_vec()).unwrap_or_default(),
                    positions,
                }
            })
            .collect();
        KafkaDiagramView { brokers, producers, partitions, groups, consumers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::kafka::cluster::{Acks, ClusterConfig, ProducerBatch, TopicSpec};
    use crate::systems::kafka::group::{MemberSettings, SyncOutcome};

    const B0: NodeId = NodeId(0);
    const B1: NodeId = NodeId(1);
    const B2: NodeId = NodeId(2);
    const TP0: TopicPartition = TopicPartition { topic: 0, partition: 0 };

    fn cluster(brokers: u8, partitions: u16, rf: u8, min_isr: u8) -> Cluster {
        let config = ClusterConfig { brokers, min_insync_replicas: min_isr, ..ClusterConfig::default() };
        Cluster::new(config, &[TopicSpec { partitions, replication_factor: rf }]).expect("valid cluster")
    }

    /// Tag t stands for message t with data 100 + t; tags below `processed` are processed.
    fn facts_for(tags: u32, processed: u32) -> KafkaWorldFacts {
        KafkaWorldFacts {
            topics: vec!["test_topic".into()],
            producers: vec![ProducerFacts { name: "producer".into(), status: ClientStatus::Running, topic: 0, line: 7 }],
            consumers: Vec::new(),
            records: (1..=tags)
                .map(|t| (t, RecordFacts { data: 100 + t, message: t, verdict: if t <= processed { Verdict::ProcessedOnce } else { Verdict::Pending } }))
                .collect(),
        }
    }

    fn produce(c: &mut Cluster, tp: TopicPartition, tag: u32) {
        let leader = c.leader(tp).expect("a leader");
        c.produce(0, leader, tp, &[tag], Acks::Leader, None).expect("produced");
    }

    fn fetch_once(c: &mut Cluster, broker: NodeId, tp: TopicPartition, now: u64, max: usize) {
        let _ = c.replicate(now, broker, tp, max);
    }

    /// A stable group `name` of `members` members (uuid 1, 2, ...), joined at `now`.
    fn stable_group(g: &mut GroupCoordinator, now: u64, name: &str, members: usize) -> (Vec<MemberKey>, i32) {
        let keys: Vec<MemberKey> =
            (0..members).map(|i| g.join(now, name, "kafka-python-3.0.12", (i + 1) as u128, MemberSettings::default()).expect("join")).collect();
        let key = g.group(name).expect("the group");
        let mut t = now;
        while g.state(key) == Some(GroupState::PreparingRebalance) {
            t = g.next_deadline().expect("a deadline");
            g.tick(t);
        }
        let leader = g.leader(key).expect("a leader");
        let generation = g.generation(key).expect("a generation");
        assert!(matches!(g.sync(t, leader, generation), Ok(SyncOutcome::Assigned(_))));
        (keys, generation)
    }

    /// 3 brokers, RF 3: 5 records; b1 fetched all, b2 fetched 2: the HW stays at 2 (b2 is in
    /// the ISR and lacks 3), the log end is 5. b1 learned the HW (0) before b2 reported 2.
    #[test]
    fn follower_behind_keeps_the_hw_below_the_log_end() {
        let mut c = cluster(3, 1, 3, 1);
        for tag in 1..=5 {
            produce(&mut c, TP0, tag);
        }
        fetch_once(&mut c, B2, TP0, 1, 2);
        fetch_once(&mut c, B1, TP0, 1, usize::MAX);
        fetch_once(&mut c, B1, TP0, 2, usize::MAX);
        fetch_once(&mut c, B2, TP0, 2, 0);
        let g = GroupCoordinator::new(vec![1], 3_000);
        let view = KafkaDiagramView::new(&c, &g, &facts_for(5, 1));
        assert_eq!(view.brokers, (0..3).map(|id| BrokerView { id, state: BrokerState::Up, leads: u16::from(id == 0) }).collect::<Vec<_>>());
        let p = &view.partitions[0];
        assert_eq!(p.name, "test_topic-0");
        assert_eq!((p.leader, p.leader_epoch, p.isr.clone(), p.drawn), (Some(0), 0, vec![0, 1, 2], Some(0)));
        assert_eq!((p.log_end, p.high_watermark, p.last_stable_offset, p.earlier), (5, 2, 2, 0));
        assert_eq!(p.cells.iter().map(|x| x.offset).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        assert_eq!(p.cells.iter().map(|x| x.record.map(|r| r.data)).collect::<Vec<_>>(), (101..=105).map(Some).collect::<Vec<_>>());
        assert_eq!(p.cells.iter().map(|x| x.committed).collect::<Vec<_>>(), vec![true, true, false, false, false]);
        assert_eq!(p.cells[0].record.map(|r| r.verdict), Some(Verdict::ProcessedOnce));
        assert_eq!(p.cells[1].record.map(|r| r.verdict), Some(Verdict::Pending));
        assert!(p.cells.iter().all(|x| x.txn == TxnState::None && x.marker.is_none() && x.leader_epoch == 0));
        let replica = |broker: u8, leader: bool, log_end: u64, hw: u64, lacks: u64| ReplicaView {
            broker,
            broker_state: BrokerState::Up,
            leader,
            in_isr: true,
            log_end,
            high_watermark: hw,
            agrees_up_to: log_end,
            lacks,
            diverged: 0,
        };
        assert_eq!(p.replicas, vec![replica(0, true, 5, 2, 0), replica(1, false, 5, 0, 0), replica(2, false, 2, 2, 3)]);
        assert!(p.tracks.is_empty());
        assert_eq!(view.producers[0].partitions, vec![0]);
    }

    /// The leader (b0) crashes with record 6 unreplicated; the controller fences it and b1
    /// leads at epoch 1 and appends 7; b0 restarts, truncates 6, and has not fetched 7 yet.
    #[test]
    fn leader_crash_and_election() {
        let mut c = cluster(3, 1, 3, 1);
        for tag in 1..=5 {
            produce(&mut c, TP0, tag);
        }
        for now in 1..=2 {
            fetch_once(&mut c, B1, TP0, now, usize::MAX);
            fetch_once(&mut c, B2, TP0, now, usize::MAX);
        }
        produce(&mut c, TP0, 6);
        c.crash_broker(B0).unwrap();
        let g = GroupCoordinator::new(vec![1], 3_000);
        let facts = facts_for(7, 0);
        let crashed = KafkaDiagramView::new(&c, &g, &facts);
        assert_eq!(crashed.brokers[0].state, BrokerState::Down);
        assert_eq!(crashed.partitions[0].leader, Some(0), "the controller has not noticed yet");
        assert_eq!(crashed.partitions[0].replicas[1].lacks, 1);
        c.fence_broker(10, B0).unwrap();
        produce(&mut c, TP0, 7);
        let elected = KafkaDiagramView::new(&c, &g, &facts);
        let p = &elected.partitions[0];
        assert_eq!((p.leader, p.leader_epoch, p.isr.clone(), p.drawn), (Some(1), 1, vec![1, 2], Some(1)));
        assert_eq!(elected.brokers.iter().map(|b| (b.state, b.leads)).collect::<Vec<_>>(), vec![(BrokerState::Down, 0), (BrokerState::Up, 1), (BrokerState::Up, 0)]);
        assert_eq!(p.cells.iter().map(|x| x.tag).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 7]);
        assert_eq!(p.cells.iter().map(|x| x.leader_epoch).collect::<Vec<_>>(), vec![0, 0, 0, 0, 0, 1]);
        // The old leader still holds 6 (epoch 0) where the new leader has 7 (epoch 1).
        let old = p.replicas[0];
        assert_eq!((old.broker_state, old.leader, old.in_isr, old.log_end, old.agrees_up_to, old.lacks, old.diverged), (BrokerState::Down, false, false, 6, 5, 1, 1));
        c.restart_broker(20, B0).unwrap();
        // Back, it truncates at its first fetch from the new leader.
        let before_fetch = KafkaDiagramView::new(&c, &g, &facts);
        assert_eq!(before_fetch.partitions[0].replicas[0].log_end, 6, "not before it fetches");
        let _ = c.replicate(21, B0, TP0, 0);
        let back = KafkaDiagramView::new(&c, &g, &facts);
        let old = back.partitions[0].replicas[0];
        assert_eq!((old.broker_state, old.log_end, old.agrees_up_to, old.lacks, old.diverged), (BrokerState::Up, 5, 5, 1, 0), "6 truncated away");
        assert!(back.partitions[0].cells.iter().all(|x| x.tag != 6), "a truncated record is in no log");
    }

    /// A fenced broker that is up is `Fenced`; an offline partition draws its last ISR member.
    #[test]
    fn fenced_broker_and_offline_partition() {
        let mut c = cluster(2, 1, 2, 1);
        produce(&mut c, TP0, 1);
        c.fence_broker(1, B1).unwrap();
        let g = GroupCoordinator::new(vec![1], 3_000);
        let view = KafkaDiagramView::new(&c, &g, &facts_for(1, 0));
        assert_eq!(view.brokers[1].state, BrokerState::Fenced);
        assert_eq!(view.partitions[0].isr, vec![0]);
        c.crash_broker(B0).unwrap();
        c.fence_broker(2, B0).unwrap();
        let view = KafkaDiagramView::new(&c, &g, &facts_for(1, 0));
        let p = &view.partitions[0];
        assert!(p.offline());
        assert_eq!((p.drawn, p.isr.clone(), p.log_end), (Some(0), vec![0], 1));
    }

    /// Two groups on 2 partitions: group a (2 members) committed p0 at 3 and p1 at 1, group b
    /// (1 member) p0 at 1; positions come from the facts.
    #[test]
    fn two_groups_with_different_committed_offsets() {
        let p1 = TopicPartition::new(0, 1);
        let mut c = cluster(1, 2, 1, 1);
        for tag in 1..=4 {
            produce(&mut c, TP0, tag);
        }
        for tag in 5..=6 {
            produce(&mut c, p1, tag);
        }
        let mut g = GroupCoordinator::new(vec![2], 3_000);
        let (a, gen_a) = stable_group(&mut g, 0, "a", 2);
        let (b, gen_b) = stable_group(&mut g, 10_000, "b", 1);
        g.commit("a", Some(a[0]), gen_a, &[(TP0, 3)]).unwrap();
        g.commit("a", Some(a[1]), gen_a, &[(p1, 1)]).unwrap();
        g.commit("b", Some(b[0]), gen_b, &[(TP0, 1)]).unwrap();
        let mut facts = facts_for(6, 0);
        let consumer = |name: &str, group: &str, member, positions: Vec<(TopicPartition, u64)>| ConsumerFacts {
            name: name.into(),
            status: ClientStatus::Running,
            group: group.into(),
            member: Some(member),
            positions,
            line: 0,
        };
        facts.consumers = vec![
            consumer("a1", "a", a[0], vec![(TP0, 4)]),
            consumer("a2", "a", a[1], vec![(p1, 2)]),
            consumer("b1", "b", b[0], vec![(p1, 0), (TP0, 2)]),
            ConsumerFacts { name: "c1".into(), status: ClientStatus::Running, group: "c".into(), member: None, positions: vec![(TP0, 0)], line: 0 },
            // A crashed process holds no position: no marker for it (its runtime still has one).
            ConsumerFacts { name: "a3".into(), status: ClientStatus::Crashed, group: "a".into(), member: None, positions: vec![(TP0, 1)], line: 0 },
        ];
        let view = KafkaDiagramView::new(&c, &g, &facts);
        assert_eq!(view.groups.iter().map(|x| (x.name.as_str(), x.state, x.generation)).collect::<Vec<_>>(), vec![("a", GroupState::Stable, 1), ("b", GroupState::Stable, 1)]);
        assert_eq!(view.groups[0].committed, vec![(TP0, 3), (p1, 1)]);
        assert_eq!(view.groups[1].committed, vec![(TP0, 1)]);
        let members: Vec<(bool, Option<usize>, Vec<TopicPartition>)> = view.groups[0].members.iter().map(|m| (m.leader, m.consumer, m.assigned.clone())).collect();
        assert_eq!(members, vec![(true, Some(0), vec![TP0]), (false, Some(1), vec![p1])]);
        assert_eq!(view.groups[0].members[0].member_id, "kafka-python-3.0.12-00000000-0000-0000-0000-000000000001");
        assert_eq!(view.groups[1].members[0].assigned, vec![TP0, p1]);
        let tracks = &view.partitions[0].tracks;
        assert_eq!(
            tracks.clone(),
            vec![
                TrackView { group: Some(0), name: "a".into(), committed: Some(3), positions: vec![(0, 4)] },
                TrackView { group: Some(1), name: "b".into(), committed: Some(1), positions: vec![(2, 2)] },
                TrackView { group: None, name: "c".into(), committed: None, positions: vec![(3, 0)] },
            ]
        );
        assert_eq!(
            view.partitions[1].tracks,
            vec![
                TrackView { group: Some(0), name: "a".into(), committed: Some(1), positions: vec![(1, 2)] },
                TrackView { group: Some(1), name: "b".into(), committed: None, positions: vec![(2, 0)] },
            ]
        );
        let b1 = &view.consumers[2];
        assert_eq!((b1.group, b1.member, b1.assigned.clone(), b1.positions.clone()), (Some(1), Some(b[0]), vec![TP0, p1], vec![(TP0, 2), (p1, 0)]));
        let c1 = &view.consumers[3];
        assert_eq!((c1.group, c1.member, c1.assigned.len()), (None, None, 0));
        assert_eq!(view.producers[0].partitions, vec![0, 1]);
        assert!(view.consumers[4].positions.is_empty());
    }

    /// A replica's role: a down broker, or any replica of a partition without a leader, is no
    /// follower (a lone broker that is down follows no one).
    #[test]
    fn a_replica_without_a_leader_to_follow_is_no_follower() {
        let r = |leader, broker_state| ReplicaView { broker: 0, broker_state, leader, in_isr: true, log_end: 5, high_watermark: 5, agrees_up_to: 5, lacks: 0, diverged: 0 };
        assert_eq!(r(true, BrokerState::Up).role(true), "leader");
        assert_eq!(r(false, BrokerState::Up).role(true), "follower");
        assert_eq!(r(false, BrokerState::Down).role(false), "replica");
        assert_eq!(r(false, BrokerState::Down).role(true), "replica");
        assert_eq!(r(false, BrokerState::Up).role(false), "replica");
    }

    /// 20 records: the last `LOG_CELLS_SHOWN` are drawn, 12 earlier counted.
    #[test]
    fn long_log_is_abbreviated() {
        let mut c = cluster(1, 1, 1, 1);
        for tag in 1..=20 {
            produce(&mut c, TP0, tag);
        }
        let g = GroupCoordinator::new(vec![1], 3_000);
        let facts = facts_for(20, 10);
        let view = KafkaDiagramView::new(&c, &g, &facts);
        assert_eq!(KafkaDiagramView::new(&c.clone(), &g.clone(), &facts.clone()), view, "a pure function of its inputs");
        let p = &view.partitions[0];
        assert_eq!(LOG_CELLS_SHOWN, 8);
        assert_eq!((p.earlier, p.log_end, p.high_watermark), (12, 20, 20));
        assert_eq!(p.cells.iter().map(|x| x.offset).collect::<Vec<_>>(), (12..20).collect::<Vec<_>>());
        assert_eq!(p.cells.first().and_then(|x| x.record).map(|r| r.data), Some(113));
        assert!(p.cells.iter().all(|x| x.committed && x.stable));
        assert_eq!(shown_tags(&c), (13..=20).collect::<Vec<u32>>(), "the tags a world must describe");
    }

    /// A committed and an aborted transaction, and one still open: markers and states.
    #[test]
    fn transactions_open_committed_aborted() {
        let mut c = cluster(1, 1, 1, 1);
        let txn = |id: u64, sequence: i32| Some(ProducerBatch { producer_id: id, epoch: 0, base_sequence: sequence, transactional: true });
        c.produce(0, B0, TP0, &[1, 2], Acks::All, txn(7, 0)).unwrap();
        c.write_txn_marker(TP0, 7, 0, Marker::Commit).unwrap();
        c.produce(0, B0, TP0, &[3], Acks::All, txn(8, 0)).unwrap();
        c.produce(0, B0, TP0, &[4], Acks::All, txn(7, 2)).unwrap();
        c.write_txn_marker(TP0, 7, 0, Marker::Abort).unwrap();
        let g = GroupCoordinator::new(vec![1], 3_000);
        let view = KafkaDiagramView::new(&c, &g, &facts_for(4, 0));
        let p = &view.partitions[0];
        let states: Vec<(u32, Option<Marker>, TxnState, bool)> = p.cells.iter().map(|x| (x.tag, x.marker, x.txn, x.stable)).collect();
        assert_eq!(
            states,
            vec![
                (1, None, TxnState::Committed, true),
                (2, None, TxnState::Committed, true),
                (0, Some(Marker::Commit), TxnState::None, true),
                (3, None, TxnState::Open, false),
                (4, None, TxnState::Aborted, false),
                (0, Some(Marker::Abort), TxnState::None, false),
            ]
        );
        assert_eq!((p.high_watermark, p.last_stable_offset), (6, 3));
        assert!(p.cells.iter().filter(|x| x.marker.is_some()).all(|x| x.record.is_none()));
        assert_eq!(shown_tags(&c), vec![1, 2, 3, 4], "markers have no tag to describe");
    }

    /// Facts that name nothing the models know, and models the facts do not describe, give a
    /// view without a panic.
    #[test]
    fn mismatched_facts_do_not_panic() {
        let mut c = cluster(2, 1, 2, 1);
        produce(&mut c, TP0, 99);
        let g = GroupCoordinator::new(vec![1], 3_000);
        let facts = KafkaWorldFacts {
            topics: Vec::new(),
            producers: vec![ProducerFacts { name: "p".into(), status: ClientStatus::Crashed, topic: 9, line: 0 }],
            consumers: vec![ConsumerFacts {
                name: "c".into(),
                status: ClientStatus::Failed,
                group: "g".into(),
                member: Some(MemberKey(42)),
                positions: vec![(TopicPartition::new(5, 5), 3)],
                line: 0,
            }],
            records: BTreeMap::new(),
        };
        let view = KafkaDiagramView::new(&c, &g, &facts);
        assert_eq!(view.partitions[0].name, "topic0-0");
        assert_eq!(view.partitions[0].cells[0].record, None);
        assert!(view.producers[0].partitions.is_empty());
        assert_eq!((view.consumers[0].member, view.consumers[0].group), (None, None));
        assert!(view.partitions[0].tracks.is_empty());
    }
}
