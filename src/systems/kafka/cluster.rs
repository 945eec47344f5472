//! The Kafka cluster model (brokers 4.x in KRaft mode, as `kafka.md` describes them): 1 to 5
//! brokers, topics of N partitions, each partition a replicated append-only log. Every replica
//! has its own log; the leader takes produce requests, followers copy it by fetching, the
//! leader keeps the ISR and the high watermark (HW), and the controller's part (fencing a
//! broker, electing leaders, clean or unclean) is done by the calls that say so. Idempotent
//! producers (producer id, epoch, sequence; the last 5 batches remembered per producer and
//! partition), transactions (control markers, aborted-transaction index, last stable offset)
//! and consumer fetches (below the HW, or below the LSO for `read_committed`) are modelled.
//!
//! A pure state machine: the caller (the interpreter) says when things happen (`now` in ms),
//! schedules follower fetches (`replicate`, or a round of all of them: `replicate_round`) and
//! ISR checks (`check_isr`), and drains what
//! happened: `take_events` (state changes, serde-ready), `take_completed` (acks=all produce
//! requests that completed or failed), `take_truncated` (each record a truncation removed).
//!
//! Invariants (checked by tests/kafka_model.rs):
//! - every record appended by `produce` or `write_txn_marker` is at exactly one offset of the
//!   log of the replica it was appended to, until a truncation removes it, which is recorded
//!   (a `Truncated` event and one `TruncatedRecord` per record); consuming deletes nothing;
//! - a follower's log agrees with its leader's up to the point where they diverge by leader
//!   epoch, and `replicate` first truncates the divergent suffix (KIP-101/KIP-279 epoch-based
//!   truncation, `AbstractFetcherThread` + `LeaderEpochFileCache.endOffsetFor`);
//! - the HW of a leader never decreases while it stays leader, is never above the LEO of any
//!   ISR member, and does not move while the ISR is below min.insync.replicas
//!   (`Partition.maybeIncrementLeaderHW`); so, with a clean election, a record below the HW is
//!   never truncated while one ISR member lives. A new leader starts from the HW it had learned
//!   as a follower, which may be lower than its predecessor's (as in Kafka);
//! - the leader epoch grows by one at every election; only a live, unfenced replica leads;
//! - the ISR always contains the leader, and is never empty (KRaft keeps the last member of
//!   the ISR of a partition that went offline, so that it can lead again cleanly);
//! - after every public call the leader's HW is settled: `maybe_increment_hw` would change
//!   nothing (it runs after every change of what it reads: the leader, its log end, the ISR, a
//!   follower's fetched log end; the other changes only lower the candidate or drop waiting
//!   requests). So a follower fetch that leaves its fetched log end and the ISR as they were
//!   skips it (the first fetch of a round copying a new record: most moving fetches).
//!
//! Not modelled: retention and log-start moves (log start is always 0), record sizes
//! (`max.bytes`), fetch from followers, rack awareness, ELR (KIP-966), zombie leaders (a broker
//! the controller fenced while it was up learns it at once).

use crate::engine::ids::NodeId;
use serde::{Deserialize, Serialize};

/// `min.insync.replicas` default (ServerLogConfigs / TopicConfig).
pub const DEFAULT_MIN_INSYNC_REPLICAS: u8 = 1;
/// `replica.lag.time.max.ms` default (ReplicationConfigs).
pub const DEFAULT_REPLICA_LAG_TIME_MAX_MS: u64 = 30_000;
/// The playground runs 1 to 5 brokers.
pub const MAX_BROKERS: u8 = 5;
/// How many batches per producer and partition the broker remembers for duplicate detection
/// (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`).
pub const PRODUCER_BATCHES_RETAINED: usize = 5;

/// The broker settings the model uses, with Kafka's defaults (`kafka.md`, defaults table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterConfig {
    /// Number of brokers, 1 to `MAX_BROKERS`; broker ids are 0..brokers.
    pub brokers: u8,
    /// `min.insync.replicas`: acks=all needs at least this many replicas in the ISR.
    pub min_insync_replicas: u8,
    /// `unclean.leader.election.enable`: a replica outside the ISR may become leader.
    pub unclean_leader_election: bool,
    /// `replica.lag.time.max.ms`: a follower not caught up for longer leaves the ISR.
    pub replica_lag_time_max_ms: u64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            brokers: 1,
            min_insync_replicas: DEFAULT_MIN_INSYNC_REPLICAS,
            unclean_leader_election: false,
            replica_lag_time_max_ms: DEFAULT_REPLICA_LAG_TIME_MAX_MS,
        }
    }
}

/// A topic to create: `num.partitions` and `default.replication.factor` default to 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSpec {
    pub partitions: u16,
    pub replication_factor: u8,
}

impl Default for TopicSpec {
    fn default() -> Self {
        TopicSpec { partitions: 1, replication_factor: 1 }
    }
}

/// A partition of a topic; topics are numbered in the order given to `Cluster::new`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: u16,
    pub partition: u16,
}

impl TopicPartition {
    pub fn new(topic: u16, partition: u16) -> Self {
        TopicPartition { topic, partition }
    }
}

/// The producer's `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Acks {
    /// acks=0: no response at all.
    Zero,
    /// acks=1: the leader answers once it appended.
    Leader,
    /// acks=all (-1): the leader answers once the HW passed the batch.
    All,
}

/// The consumer's `isolation.level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    ReadUncommitted,
    ReadCommitted,
}

/// The errors a broker answers with (names from Kafka's `Errors.java`), plus
/// `BrokerNotAvailable` for a broker that is down (the client sees a refused connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaError {
    UnknownTopicOrPartition,
    /// The broker is down: the client's connection fails.
    BrokerNotAvailable,
    /// NOT_LEADER_OR_FOLLOWER: the broker does not lead this partition (or stopped leading it
    /// while an acks=all request waited).
    NotLeaderOrFollower,
    /// LEADER_NOT_AVAILABLE: the partition has no leader (offline).
    LeaderNotAvailable,
    /// NOT_ENOUGH_REPLICAS: acks=all and the ISR is smaller than min.insync.replicas; nothing appended.
    NotEnoughReplicas,
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND: appended, but the ISR shrank below min.insync.replicas.
    NotEnoughReplicasAfterAppend,
    /// OUT_OF_ORDER_SEQUENCE_NUMBER: an idempotent batch does not follow the last one.
    OutOfOrderSequenceNumber,
    /// INVALID_PRODUCER_EPOCH: a batch or marker from an older epoch of the producer.
    InvalidProducerEpoch,
    /// OFFSET_OUT_OF_RANGE: a fetch below the log start or past the log end.
    OffsetOutOfRange,
    /// INVALID_REPLICATION_FACTOR: more replicas than brokers, or none.
    InvalidReplicationFactor,
    /// INVALID_REQUEST: an empty batch, an unknown broker, a transactional batch without a
    /// producer id, a follower fetch from the leader itself.
    InvalidRequest,
    /// REQUEST_TIMED_OUT: an acks=all request waited longer than its timeout.
    RequestTimedOut,
}

/// The producer fields of an idempotent (and maybe transactional) batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerBatch {
    pub producer_id: u64,
    pub epoch: u16,
    /// The sequence of the batch's first record; the others follow (wrapping after i32::MAX).
    pub base_sequence: i32,
    pub transactional: bool,
}

/// The producer stamp a record carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerStamp {
    pub producer_id: u64,
    pub epoch: u16,
    /// The record's own sequence (-1 for a control marker, as Kafka's markers have none).
    pub sequence: i32,
}

/// A transaction control marker (`ControlRecordType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Marker {
    Commit,
    Abort,
}

/// One record in a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The caller's opaque tag (0 for a control marker).
    pub tag: u32,
    /// The leader epoch of the leader that appended it.
    pub leader_epoch: u32,
    pub producer: Option<ProducerStamp>,
    pub transactional: bool,
    /// Some: a transaction control marker, never given to a consumer.
    pub marker: Option<Marker>,
    /// The first record of its batch (batches are what duplicate detection compares).
    pub first_in_batch: bool,
}

/// A record as a consumer fetch returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FetchedRecord {
    pub offset: u64,
    pub tag: u32,
}

/// What a consumer fetch returned.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Fetched {
    pub records: Vec<FetchedRecord>,
    /// Where the consumer's position goes: past the last record examined (control markers and
    /// aborted records are skipped but still move the position, as the Java consumer does).
    pub next_offset: u64,
    pub high_watermark: u64,
    pub last_stable_offset: u64,
}

/// The id of an acks=all produce request that waits for the HW.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PendingId(pub u32);

/// What the leader answered (or will answer) a produce request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProduceStatus {
    /// Answered now with success (acks 0 or 1, or acks=all already satisfied).
    Done,
    /// acks=all: the answer comes through `take_completed` once the HW passes the batch, or
    /// fails when leadership moves or the request times out.
    Pending(PendingId),
    /// Appended, but answered with this error (NOT_ENOUGH_REPLICAS_AFTER_APPEND).
    Failed(KafkaError),
}

/// The outcome of an accepted produce request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Produced {
    pub base_offset: u64,
    pub count: u32,
    /// An idempotent retry of a batch the leader already has: nothing was appended and
    /// `base_offset` is the original batch's (`UnifiedLog` duplicate-batch path).
    pub duplicate: bool,
    pub status: ProduceStatus,
}

/// An acks=all request that finished: `Ok(base_offset)` or the error the producer gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Completion {
    pub id: PendingId,
    pub topic: u16,
    pub partition: u16,
    pub result: Result<u64, KafkaError>,
}

/// A record a truncation removed from a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TruncatedRecord {
    pub topic: u16,
    pub partition: u16,
    pub broker: NodeId,
    pub offset: u64,
    pub tag: u32,
    /// It was below the replica's HW (a committed record lost: only an unclean election can
    /// do that).
    pub was_committed: bool,
}

/// An aborted transaction in a partition (`AbortedTxn` of the transaction index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AbortedTxn {
    pub producer_id: u64,
    pub first_offset: u64,
    /// The offset of the abort marker.
    pub last_offset: u64,
}

/// Why a broker went down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DownKind {
    Crash,
    ControlledShutdown,
}

/// Every state change of the cluster. Offsets are saturated to u32 (a simulation never
/// writes 4 billion records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ClusterEvent {
    /// `broker` leads the partition from `epoch` on; `clean`: it was in the ISR.
    LeaderElected { topic: u16, partition: u16, broker: NodeId, epoch: u32, clean: bool },
    /// No live replica may lead: the partition has no leader (LEADER_NOT_AVAILABLE).
    PartitionOffline { topic: u16, partition: u16, epoch: u32 },
    IsrShrunk { topic: u16, partition: u16, broker: NodeId, isr_size: u8 },
    IsrExpanded { topic: u16, partition: u16, broker: NodeId, isr_size: u8 },
    /// The leader's high watermark moved (up; or, after an election, to the new leader's).
    HighWatermark { topic: u16, partition: u16, offset: u32 },
    /// The leader appended a producer's batch (or a control marker: `count` 1).
    Appended { topic: u16, partition: u16, broker: NodeId, base_offset: u32, count: u32 },
    /// An idempotent retry recognised: nothing appended, the original offset answered.
    DuplicateBatch { topic: u16, partition: u16, broker: NodeId, base_offset: u32 },
    /// A transaction control marker was written at `offset`.
    TxnMarker { topic: u16, partition: u16, offset: u32, commit: bool },
    /// A follower copied `count` records from its leader, from `from_offset`.
    Replicated { topic: u16, partition: u16, broker: NodeId, from_offset: u32, count: u32 },
    /// `count` records from `from_offset` were removed from `broker`'s replica.
    Truncated { topic: u16, partition: u16, broker: NodeId, from_offset: u32, count: u32 },
    BrokerDown { broker: NodeId, kind: DownKind },
    /// The controller fenced the broker (missed heartbeats): out of every ISR, no leadership.
    BrokerFenced { broker: NodeId },
    BrokerUp { broker: NodeId },
}

fn partition_in(topics: &mut [Vec<Partition>], tp: TopicPartition) -> Result<&mut Partition, KafkaError> {
    topics.get_mut(usize::from(tp.topic)).and_then(|t| t.get_mut(usize::from(tp.partition))).ok_or(KafkaError::UnknownTopicOrPartition)
}

fn sat32(offset: u64) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// The sequence `delta` records after `sequence`, wrapping after i32::MAX to 0
/// (`DefaultRecordBatch.incrementSequence`).
fn increment_sequence(sequence: i32, delta: i32) -> i32 {
    if sequence > i32::MAX - delta {
        delta - (i32::MAX - sequence) - 1
    } else {
        sequence + delta
    }
}

/// `ProducerStateManager`'s `inSequence`: `next` directly follows `last`.
fn in_sequence(last: i32, next: i32) -> bool {
    (last < i32::MAX && next == last + 1) || (next == 0 && last == i32::MAX)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BatchMeta {
    first_sequence: i32,
    last_sequence: i32,
    first_offset: u64,
}

/// `ProducerStateEntry`: what a replica remembers of one producer.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ProducerEntry {
    epoch: u16,
    /// The last `PRODUCER_BATCHES_RETAINED` batches, oldest first (a plain vector: a produce
    /// request looks through all of them, an append drops the oldest of 6 with a short shift).
    batches: Vec<BatchMeta>,
    /// The first offset of its ongoing transaction.
    txn_first_offset: Option<u64>,
}

/// A replica's producer states by producer id, in id order (as a `BTreeMap` would keep them).
/// A log has the records of a few producers (one, mostly): a vector searched in order costs
/// less than a tree at every append.
#[derive(Clone, Debug, Default)]
struct Producers(Vec<(u64, ProducerEntry)>);

impl Producers {
    #[inline]
    fn get(&self, producer_id: &u64) -> Option<&ProducerEntry> {
        self.0.iter().find(|(id, _)| id == producer_id).map(|(_, entry)| entry)
    }

    /// The producer's entry, made by `new` (at its place in id order) if it has none.
    #[inline]
    fn get_or_insert(&mut self, producer_id: u64, new: impl FnOnce() -> ProducerEntry) -> &mut ProducerEntry {
        let index = match self.0.iter().position(|&(id, _)| id >= producer_id) {
            Some(i) if self.0[i].0 == producer_id => i,
            Some(i) => {
                self.0.insert(i, (producer_id, new()));
                i
            }
            None => {
                self.0.push((producer_id, new()));
                self.0.len() - 1
            }
        };
        &mut self.0[index].1
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    fn values(&self) -> impl Iterator<Item = &ProducerEntry> {
        self.0.iter().map(|(_, entry)| entry)
    }
}

/// One replica of a partition: its log and the state derived from it, plus what the leader
/// knows of it as a follower (`Partition.scala`'s `Replica` state).
#[derive(Clone, Debug)]
pub struct Replica {
    pub broker: NodeId,
    log: Vec<Record>,
    /// This replica's high watermark (a follower learns it from its fetch responses).
    hw: u64,
    /// The leader epoch cache: (epoch, start offset), epochs increasing (`LeaderEpochFileCache`).
    epoch_cache: Vec<(u32, u64)>,
    producers: Producers,
    aborted: Vec<AbortedTxn>,
    /// Transactions (first offset, marker offset) whose marker is not yet below the HW: they
    /// still hold the last stable offset back (`ProducerStateManager.unreplicatedTxns`).
    unstable_ended: Vec<(u64, u64)>,
    /// The leader's view of this follower: its LEO as of its last fetch (None: unknown since the
    /// leader took over), when it was last caught up, its last fetch and the leader's LEO then.
    fetched_leo: Option<u64>,
    last_caught_up_ms: u64,
    last_fetch_ms: u64,
    last_fetch_leader_leo: u64,
    /// The next fetch first truncates to where this replica diverges from the leader.
    needs_truncation: bool,
}

impl Replica {
    fn new(broker: NodeId) -> Self {
        Replica {
            broker,
            log: Vec::new(),
            hw: 0,
            epoch_cache: Vec::new(),
            producers: Producers::default(),
            aborted: Vec::new(),
            unstable_ended: Vec::new(),
            fetched_leo: None,
            last_caught_up_ms: 0,
            last_fetch_ms: 0,
            last_fetch_leader_leo: 0,
            needs_truncation: false,
        }
    }

    /// The log end offset.
    pub fn log_end(&self) -> u64 {
        self.log.len() as u64
    }

    pub fn high_watermark(&self) -> u64 {
        self.hw
    }

    pub fn log(&self) -> &[Record] {
        &self.log
    }

    /// Aborted transactions of this replica's log, in marker order.
    pub fn aborted_transactions(&self) -> &[AbortedTxn] {
        &self.aborted
    }

    /// Records `epoch` in the epoch cache from `start_offset` (`LeaderEpochFileCache.assign`).
    fn assign_epoch(&mut self, epoch: u32, start_offset: u64) {
        if self.epoch_cache.last().is_none_or(|&(last, _)| last < epoch) {
            self.epoch_cache.push((epoch, start_offset));
        }
    }

    /// Appends one record and updates the state derived from the log (producer state, epoch
    /// cache, transaction index), as `UnifiedLog.append` does on leaders and followers alike.
    fn push(&mut self, record: Record) {
        let offset = self.log_end();
        self.assign_epoch(record.leader_epoch, offset);
        self.apply_producer_state(offset, &record);
        self.log.push(record);
    }

    fn apply_producer_state(&mut self, offset: u64, record: &Record) {
        let Some(stamp) = record.producer else { return };
        let entry = self.producers.get_or_insert(stamp.producer_id, || ProducerEntry {
            epoch: stamp.epoch,
            batches: Vec::new(),
            txn_first_offset: None,
        });
        if stamp.epoch > entry.epoch {
            // A new producer epoch starts with an empty batch history (ProducerAppendInfo).
            entry.epoch = stamp.epoch;
            entry.batches.clear();
        }
        match record.marker {
            Some(marker) => {
                // ProducerAppendInfo.appendEndTxnMarker: first offset = the ongoing transaction's, or the marker's.
                let first_offset = entry.txn_first_offset.take().unwrap_or(offset);
                if marker == Marker::Abort {
                    self.aborted.push(AbortedTxn { producer_id: stamp.producer_id, first_offset, last_offset: offset });
                }
                if offset >= self.hw {
                    self.unstable_ended.push((first_offset, offset));
                }
            }
            None => {
                if record.first_in_batch || entry.batches.is_empty() {
                    entry.batches.push(BatchMeta {
                        first_sequence: stamp.sequence,
                        last_sequence: stamp.sequence,
                        first_offset: offset,
                    });
                    if entry.batches.len() > PRODUCER_BATCHES_RETAINED {
                        entry.batches.remove(0);
                    }
                } else if let Some(last) = entry.batches.last_mut() {
                    last.last_sequence = stamp.sequence;
                }
                if record.transactional && entry.txn_first_offset.is_none() {
                    entry.txn_first_offset = Some(offset);
                }
            }
        }
    }

    /// Removes the records from `offset` on and rebuilds the state derived from the log
    /// (`UnifiedLog.truncateTo`: the epoch cache `truncateFromEnd`, producer state reloaded).
    fn truncate_to(&mut self, offset: u64) -> Vec<(u64, Record)> {
        let keep = usize::try_from(offset).unwrap_or(usize::MAX).min(self.log.len());
        let removed: Vec<(u64, Record)> =
            self.log.drain(keep..).enumerate().map(|(i, r)| (keep as u64 + i as u64, r)).collect();
        if removed.is_empty() {
            return removed;
        }
        self.epoch_cache.retain(|&(_, start)| start < keep as u64);
        self.hw = self.hw.min(keep as u64);
        self.producers.clear();
        self.aborted.clear();
        self.unstable_ended.clear();
        let log = std::mem::take(&mut self.log);
        for (i, record) in log.iter().enumerate() {
            self.apply_producer_state(i as u64, record);
        }
        self.log = log;
        self.forget_stable();
        removed
    }

    /// Ended transactions whose marker is below the HW no longer hold the LSO back.
    fn forget_stable(&mut self) {
        let hw = self.hw;
        if !self.unstable_ended.is_empty() {
            self.unstable_ended.retain(|&(_, marker)| marker >= hw);
        }
    }

    #[inline]
    fn set_hw(&mut self, hw: u64) {
        self.hw = hw.min(self.log_end());
        self.forget_stable();
    }

    /// The last stable offset: the HW, or the first offset of the earliest transaction that
    /// is still open or whose marker is not yet below the HW (`UnifiedLog.lastStableOffset`).
    pub fn last_stable_offset(&self) -> u64 {
        let ongoing = self.producers.values().filter_map(|p| p.txn_first_offset);
        let ended = self.unstable_ended.iter().map(|&(first, _)| first);
        ongoing.chain(ended).fold(self.hw, u64::min)
    }

    /// The offset where this log stops agreeing with `leader`'s. Two records at the same offset
    /// with the same leader epoch were written by the same leader, so they and everything before
    /// them agree: the first agreement found from the end is the divergence point. This is
    /// where the OffsetsForLeaderEpoch exchange (`LeaderEpochFileCache.endOffsetFor`, follower
    /// `AbstractFetcherThread.getOffsetTruncationState`) makes a follower truncate.
    fn divergence_with(&self, leader: &Replica) -> u64 {
        let mut offset = self.log.len().min(leader.log.len());
        while offset > 0 {
            let mine = self.log.get(offset - 1).map(|r| r.leader_epoch);
            let theirs = leader.log.get(offset - 1).map(|r| r.leader_epoch);
            if mine == theirs {
                break;
            }
            offset -= 1;
        }
        offset as u64
    }
}

#[derive(Clone, Copy, Debug)]
struct PendingProduce {
    id: PendingId,
    base_offset: u64,
    /// The HW must reach this (last offset + 1) for the request to complete.
    required_offset: u64,
    created_ms: u64,
}

/// One partition: its replicas in assignment order (the first is the preferred leader), the
/// leader, its epoch and the ISR.
#[derive(Clone, Debug)]
pub struct Partition {
    pub replicas: Vec<Replica>,
    /// Index into `replicas` of the leader; None: offline.
    leader: Option<usize>,
    pub leader_epoch: u32,
    /// In-sync replicas (broker ids), in assignment order; never empty.
    isr: Vec<NodeId>,
    /// The leader's LEO when it became leader (`Partition.leaderEpochStartOffsetOpt`).
    leader_epoch_start_offset: u64,
    /// The last HW reported in a `HighWatermark` event.
    reported_hw: u64,
    pending: Vec<PendingProduce>,
}

impl Partition {
    pub fn leader(&self) -> Option<NodeId> {
        self.leader.and_then(|i| self.replicas.get(i)).map(|r| r.broker)
    }

    pub fn isr(&self) -> &[NodeId] {
        &self.isr
    }

    pub fn replica(&self, broker: NodeId) -> Option<&Replica> {
        self.replicas.iter().find(|r| r.broker == broker)
    }

    /// `Partition.effectiveMinIsr`: min.insync.replicas, at most the replication factor.
    fn effective_min_isr(&self, min_insync_replicas: u8) -> usize {
        usize::from(min_insync_replicas).min(self.replicas.len())
    }

    /// Whether a fetch of the follower at `follower_index` (`Cluster::replicate`) would change
    /// nothing but when the leader last saw it fetch and be caught up: it has the leader's whole
    /// log and high watermark, the leader knew its log end at its last fetch and the leader's
    /// log end then, it is in the ISR, and the leader's high watermark is its log end, already
    /// reported, with no produce request waiting. Then the fetch truncates nothing, expands no
    /// ISR, leaves the high watermark (`maybe_increment_hw` returns early) and copies nothing.
    #[inline]
    fn fetch_only_notes_time(&self, leader_index: usize, follower_index: usize) -> bool {
        let (Some(leader), Some(follower)) = (self.replicas.get(leader_index), self.replicas.get(follower_index)) else { return false };
        let leo = leader.log_end();
        !follower.needs_truncation
            && follower.log_end() == leo
            && follower.fetched_leo == Some(leo)
            && follower.last_fetch_leader_leo == leo
            && follower.hw == leo
            && leader.hw == leo
            && self.reported_hw == leo
            && self.pending.is_empty()
            && self.isr.contains(&follower.broker)
    }

    /// A fetch of the follower at `follower_index` that `fetch_only_notes_time` allows: the
    /// leader notes when it fetched and was caught up. True if it was one (else nothing changed).
    #[inline]
    fn note_idle_fetch(&mut self, now: u64, leader_index: usize, follower_index: usize) -> bool {
        if !self.fetch_only_notes_time(leader_index, follower_index) {
            return false;
        }
        let replica = &mut self.replicas[follower_index];
        replica.last_caught_up_ms = replica.last_caught_up_ms.max(now);
        replica.last_fetch_ms = now;
        true
    }

    fn replica_index(&self, broker: NodeId) -> Option<usize> {
        self.replicas.iter().position(|r| r.broker == broker)
    }

    pub fn leader_replica(&self) -> Option<&Replica> {
        self.leader.and_then(|i| self.replicas.get(i))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BrokerState {
    up: bool,
    /// The controller has fenced it: it leads nothing and is in no ISR until it comes back.
    fenced: bool,
}

/// The cluster: brokers, and per topic its partitions.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub config: ClusterConfig,
    brokers: Vec<BrokerState>,
    topics: Vec<Vec<Partition>>,
    next_pending: u32,
    events: Vec<ClusterEvent>,
    completed: Vec<Completion>,
    truncated: Vec<TruncatedRecord>,
}

/// Kafka's rack-unaware replica placement with a fixed start index 0
/// (`AdminUtils.assignReplicasToBrokersRackUnaware`): partition p's first replica is broker
/// p mod n, the others follow at a shift that grows by one every n partitions.
pub fn assign_replicas(brokers: u8, partitions: u16, replication_factor: u8) -> Vec<Vec<NodeId>> {
    let n = usize::from(brokers);
    let rf = usize::from(replication_factor);
    let mut assignment = Vec::with_capacity(usize::from(partitions));
    if n == 0 {
        return assignment;
    }
    let mut next_replica_shift = 0usize;
    for p in 0..usize::from(partitions) {
        if p > 0 && p % n == 0 {
            next_replica_shift += 1;
        }
        let first = p % n;
        let mut replicas = vec![NodeId(first as u8)];
        for j in 0..rf.saturating_sub(1) {
            let shift = 1 + (next_replica_shift + j) % (n - 1).max(1);
            replicas.push(NodeId(((first + shift) % n) as u8));
        }
        assignment.push(replicas);
    }
    assignment
}

impl Cluster {
    /// A cluster of `config.brokers` live brokers with the given topics. Every partition starts
    /// led by its first replica at epoch 0 with all replicas in the ISR (`LeaderElected` events).
    pub fn new(config: ClusterConfig, topics: &[TopicSpec]) -> Result<Cluster, KafkaError> {
        if config.brokers == 0 || config.brokers > MAX_BROKERS || topics.len() > usize::from(u16::MAX) {
            return Err(KafkaError::InvalidRequest);
        }
        let mut events = Vec::new();
        let mut built = Vec::with_capacity(topics.len());
        for (t, spec) in topics.iter().enumerate() {
            if spec.replication_factor == 0 || spec.replication_factor > config.brokers {
                return Err(KafkaError::InvalidReplicationFactor);
            }
            let mut partitions = Vec::with_capacity(usize::from(spec.partitions));
            for (p, replicas) in assign_replicas(config.brokers, spec.partitions, spec.replication_factor).into_iter().enumerate() {
                let mut replicas: Vec<Replica> = replicas.into_iter().map(Replica::new).collect();
                if let Some(first) = replicas.first_mut() {
                    first.assign_epoch(0, 0);
                    events.push(ClusterEvent::LeaderElected {
                        topic: t as u16,
                        partition: p as u16,
                        broker: first.broker,
                        epoch: 0,
                        clean: true,
                    });
                }
                let isr = replicas.iter().map(|r| r.broker).collect();
                partitions.push(Partition {
                    replicas,
                    leader: Some(0),
                    leader_epoch: 0,
                    isr,
                    leader_epoch_start_offset: 0,
                    reported_hw: 0,
                    pending: Vec::new(),
                });
            }
            built.push(partitions);
        }
        let brokers = vec![BrokerState { up: true, fenced: false }; usize::from(config.brokers)];
        Ok(Cluster { config, brokers, topics: built, next_pending: 0, events, completed: Vec::new(), truncated: Vec::new() })
    }

    // ---- accessors ----

    pub fn partition(&self, tp: TopicPartition) -> Option<&Partition> {
        self.topics.get(usize::from(tp.topic))?.get(usize::from(tp.partition))
    }

    /// The partitions of each topic, topic by topic (the world's global partition order).
    #[inline]
    pub fn partitions_by_topic(&self) -> &[Vec<Partition>] {
        &self.topics
    }

    /// Every partition, topic by topic (the world's global partition order).
    pub fn partitions(&self) -> impl Iterator<Item = &Partition> + '_ {
        self.topics.iter().flatten()
    }

    /// Number of partitions of `topic` (0 for an unknown topic).
    pub fn partition_count(&self, topic: u16) -> u16 {
        self.topics.get(usize::from(topic)).map_or(0, |t| t.len() as u16)
    }

    /// Every partition, topic by topic, without collecting them (the world asks after every
    /// cluster call).
    pub fn each_topic_partition(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        self.topics.iter().enumerate().flat_map(|(t, partitions)| (0..partitions.len()).map(move |p| TopicPartition::new(t as u16, p as u16)))
    }

    /// Every partition, topic by topic.
    pub fn topic_partitions(&self) -> Vec<TopicPartition> {
        let mut all = Vec::new();
        for (t, partitions) in self.topics.iter().enumerate() {
            for p in 0..partitions.len() {
                all.push(TopicPartition::new(t as u16, p as u16));
            }
        }
        all
    }

    /// Whether events wait to be taken (`swap_events`).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    #[inline]
    pub fn broker_up(&self, broker: NodeId) -> bool {
        self.brokers.get(broker.index()).is_some_and(|b| b.up)
    }

    pub fn broker_fenced(&self, broker: NodeId) -> bool {
        self.brokers.get(broker.index()).is_some_and(|b| b.fenced)
    }

    /// Up and not fenced: may lead and be in an ISR.
    fn eligible(brokers: &[BrokerState], broker: NodeId) -> bool {
        brokers.get(broker.index()).is_some_and(|b| b.up && !b.fenced)
    }

    /// The current leader of a partition (None: offline or unknown).
    pub fn leader(&self, tp: TopicPartition) -> Option<NodeId> {
        self.partition(tp)?.leader()
    }

    /// Whether a consumer fetch at `offset` would return nothing and change nothing: no leader,
    /// the leader down, or the offset at or above its HW and not past its LEO (then `fetch`
    /// succeeds with no records whatever the isolation). Other than that it reads only the
    /// cluster; `cut` says whether the consumer cannot reach
    /// the leader (asked only when the rest does not decide).
    pub fn fetch_is_idle(&self, tp: TopicPartition, offset: u64, cut: impl FnOnce(NodeId) -> bool) -> bool {
        let Some(leader) = self.partition(tp).and_then(|p| p.leader_replica()) else { return true };
        if !self.broker_up(leader.broker) || (offset >= leader.hw && offset <= leader.log_end()) {
            return true;
        }
        cut(leader.broker)
    }

    /// The partitions of `topic` that have a leader (kafka-python's "available partitions").
    pub fn available_partitions(&self, topic: u16) -> Vec<u32> {
        let Some(partitions) = self.topics.get(usize::from(topic)) else { return Vec::new() };
        (0..partitions.len()).filter(|&p| partitions.get(p).is_some_and(|x| x.leader.is_some())).map(|p| p as u32).collect()
    }

    /// As `available_partitions`, into `into` (cleared first), without allocating.
    pub fn available_partitions_into(&self, topic: u16, into: &mut Vec<u32>) {
        into.clear();
        let Some(partitions) = self.topics.get(usize::from(topic)) else { return };
        into.extend((0..partitions.len()).filter(|&p| partitions[p].leader.is_some()).map(|p| p as u32));
    }

    fn leader_replica_of(&self, tp: TopicPartition) -> Result<&Replica, KafkaError> {
        let partition = self.partition(tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
        partition.leader_replica().ok_or(KafkaError::LeaderNotAvailable)
    }

    /// The log start offset (always 0: no retention, consuming deletes nothing).
    pub fn log_start(&self, tp: TopicPartition) -> Result<u64, KafkaError> {
        self.leader_replica_of(tp).map(|_| 0)
    }

    /// The leader's high watermark (offset reset `latest` for read_uncommitted).
    pub fn high_watermark(&self, tp: TopicPartition) -> Result<u64, KafkaError> {
        self.leader_replica_of(tp).map(|r| r.hw)
    }

    /// The leader's log end offset.
    pub fn log_end(&self, tp: TopicPartition) -> Result<u64, KafkaError> {
        self.leader_replica_of(tp).map(|r| r.log_end())
    }

    /// The leader's last stable offset (offset reset `latest` for read_committed).
    pub fn last_stable_offset(&self, tp: TopicPartition) -> Result<u64, KafkaError> {
        self.leader_replica_of(tp).map(|r| r.last_stable_offset())
    }

    /// ListOffsets `latest`: the HW, or the LSO for read_committed.
    pub fn latest_offset(&self, tp: TopicPartition, isolation: Isolation) -> Result<u64, KafkaError> {
        match isolation {
            Isolation::ReadUncommitted => self.high_watermark(tp),
            Isolation::ReadCommitted => self.last_stable_offset(tp),
        }
    }

    /// Drains the state changes since the last call.
    pub fn take_events(&mut self) -> Vec<ClusterEvent> {
        std::mem::take(&mut self.events)
    }

    /// Drains the state changes since the last call into `into` (empty), which lends its
    /// capacity to the next ones: no allocation per call.
    pub fn swap_events(&mut self, into: &mut Vec<ClusterEvent>) {
        debug_assert!(into.is_empty());
        std::mem::swap(&mut self.events, into);
    }

    /// As `swap_events`, for `take_completed`.
    pub fn swap_completed(&mut self, into: &mut Vec<Completion>) {
        debug_assert!(into.is_empty());
        std::mem::swap(&mut self.completed, into);
    }

    /// Whether a truncation removed records since the last `take_truncated`.
    pub fn has_truncated(&self) -> bool {
        !self.truncated.is_empty()
    }

    /// Drains the acks=all requests that completed or failed since the last call.
    pub fn take_completed(&mut self) -> Vec<Completion> {
        std::mem::take(&mut self.completed)
    }

    /// Drains the records truncations removed since the last call.
    pub fn take_truncated(&mut self) -> Vec<TruncatedRecord> {
        std::mem::take(&mut self.truncated)
    }

    /// Room for `records` records in each replica's log of the partition, so that the logs of a
    /// big run do not grow by doubling (a copy of the log each time).
    pub fn reserve_log(&mut self, tp: TopicPartition, records: usize) {
        if let Ok(partition) = partition_in(&mut self.topics, tp) {
            for replica in &mut partition.replicas {
                replica.log.reserve(records);
            }
        }
    }

    // ---- produce ----

    /// A produce request for one partition, sent by the client to `broker`
    /// (`ReplicaManager.appendRecords` → `Partition.appendRecordsToLeader` → `UnifiedLog.append`).
    /// Checks, in Kafka's order: the broker is up (else the connection fails) and leads the
    /// partition (NOT_LEADER_OR_FOLLOWER); for acks=all the ISR has at least min.insync.replicas
    /// (NOT_ENOUGH_REPLICAS, nothing appended); for an idempotent batch the producer epoch
    /// (INVALID_PRODUCER_EPOCH), a duplicate of one of the last 5 batches (success with the
    /// original offset, nothing appended), the sequence (OUT_OF_ORDER_SEQUENCE_NUMBER); then
    /// the batch is appended with the leader's epoch. acks 0 and 1 are answered at once; acks=all
    /// when the HW passes the batch (maybe at once, when the leader is alone in the ISR).
    pub fn produce(
        &mut self,
        now: u64,
        broker: NodeId,
        tp: TopicPartition,
        tags: &[u32],
        acks: Acks,
        producer: Option<ProducerBatch>,
    ) -> Result<Produced, KafkaError> {
        if broker.index() >= self.brokers.len() {
            return Err(KafkaError::InvalidRequest);
        }
        if !self.broker_up(broker) {
            return Err(KafkaError::BrokerNotAvailable);
        }
        let count = u32::try_from(tags.len()).map_err(|_| KafkaError::InvalidRequest)?;
        if count == 0 || i32::try_from(count).is_err() {
            return Err(KafkaError::InvalidRequest);
        }
        let min_insync_replicas = self.config.min_insync_replicas;
        let partition = partition_in(&mut self.topics, tp)?;
        let min_isr = partition.effective_min_isr(min_insync_replicas);
        let Some(leader_index) = partition.leader.filter(|&i| partition.replicas.get(i).is_some_and(|r| r.broker == broker))
        else {
            return Err(KafkaError::NotLeaderOrFollower);
        };
        if acks == Acks::All && partition.isr.len() < min_isr {
            return Err(KafkaError::NotEnoughReplicas);
        }
        let epoch = partition.leader_epoch;
        let leader = partition.replicas.get_mut(leader_index).ok_or(KafkaError::NotLeaderOrFollower)?;
        let mut duplicate_of = None;
        if let Some(batch) = producer {
            let last_sequence = increment_sequence(batch.base_sequence, (count - 1) as i32);
            if let Some(entry) = leader.producers.get(&batch.producer_id) {
                if batch.epoch < entry.epoch {
                    return Err(KafkaError::InvalidProducerEpoch);
                }
                if batch.epoch == entry.epoch {
                    // ProducerStateEntry.findDuplicateBatch: same epoch, same sequence range.
                    duplicate_of = entry
                        .batches
                        .iter()
                        .find(|b| b.first_sequence == batch.base_sequence && b.last_sequence == last_sequence)
                        .map(|b| b.first_offset);
                    if duplicate_of.is_none() {
                        // ProducerAppendInfo.checkSequence; an entry with no batch (only a marker) has lastSeq -1.
                        let last = entry.batches.last().map_or(-1, |b| b.last_sequence);
                        if !in_sequence(last, batch.base_sequence) {
                            return Err(KafkaError::OutOfOrderSequenceNumber);
                        }
                    }
                } else if batch.base_sequence != 0 {
                    // A new epoch must start at sequence 0.
                    return Err(KafkaError::OutOfOrderSequenceNumber);
                }
            }
            // An unknown producer (no entry) may start at any sequence.
        }
        let base_offset = match duplicate_of {
            Some(first_offset) => {
                self.events.push(ClusterEvent::DuplicateBatch {
                    topic: tp.topic,
                    partition: tp.partition,
                    broker,
                    base_offset: sat32(first_offset),
                });
                first_offset
            }
            None => {
                let base_offset = leader.log_end();
                for (i, &tag) in tags.iter().enumerate() {
                    let stamp = producer.map(|b| ProducerStamp {
                        producer_id: b.producer_id,
                        epoch: b.epoch,
                        sequence: increment_sequence(b.base_sequence, i as i32),
                    });
                    leader.push(Record {
                        tag,
                        leader_epoch: epoch,
                        producer: stamp,
                        transactional: producer.is_some_and(|b| b.transactional),
                        marker: None,
                        first_in_batch: i == 0,
                    });
                }
                self.events.push(ClusterEvent::Appended {
                    topic: tp.topic,
                    partition: tp.partition,
                    broker,
                    base_offset: sat32(base_offset),
                    count,
                });
                base_offset
            }
        };
        self.maybe_increment_hw(tp);
        let status = if acks == Acks::All {
            let required_offset = base_offset + u64::from(count);
            let id = PendingId(self.next_pending);
            self.next_pending = self.next_pending.wrapping_add(1);
            let partition = partition_in(&mut self.topics, tp)?;
            partition.pending.push(PendingProduce { id, base_offset, required_offset, created_ms: now });
            // ReplicaManager.delayedProduceRequestRequired: answer now when already satisfied.
            let before = self.completed.len();
            self.check_pending(tp);
            match self.completed.iter().position(|c| c.id == id) {
                Some(i) if i >= before => {
                    let completion = self.completed.remove(i);
                    match completion.result {
                        Ok(_) => ProduceStatus::Done,
                        Err(e) => ProduceStatus::Failed(e),
                    }
                }
                _ => ProduceStatus::Pending(id),
            }
        } else {
            ProduceStatus::Done
        };
        Ok(Produced { base_offset, count, duplicate: duplicate_of.is_some(), status })
    }

    /// Fails the acks=all requests that waited `timeout_ms` or more (REQUEST_TIMED_OUT; the
    /// produce request's `timeout_ms` is the client's request.timeout.ms).
    pub fn time_out_produces(&mut self, now: u64, timeout_ms: u64) {
        for (t, partitions) in self.topics.iter_mut().enumerate() {
            for (p, partition) in partitions.iter_mut().enumerate() {
                if partition.pending.is_empty() {
                    continue;
                }
                let (expired, kept): (Vec<PendingProduce>, Vec<PendingProduce>) =
                    partition.pending.drain(..).partition(|x| now.saturating_sub(x.created_ms) >= timeout_ms);
                partition.pending = kept;
                for x in expired {
                    self.completed.push(Completion {
                        id: x.id,
                        topic: t as u16,
                        partition: p as u16,
                        result: Err(KafkaError::RequestTimedOut),
                    });
                }
            }
        }
    }

    /// Completes the acks=all requests the HW now passes (`DelayedProduce.tryComplete` →
    /// `Partition.checkEnoughReplicasReachOffset`: success if the ISR still has
    /// min.insync.replicas, else NOT_ENOUGH_REPLICAS_AFTER_APPEND).
    fn check_pending(&mut self, tp: TopicPartition) {
        let min_insync_replicas = self.config.min_insync_replicas;
        let Ok(partition) = partition_in(&mut self.topics, tp) else { return };
        let min_isr = partition.effective_min_isr(min_insync_replicas);
        let Some(hw) = partition.leader_replica().map(|r| r.hw) else { return };
        if partition.pending.iter().all(|x| hw < x.required_offset) {
            return;
        }
        let enough = partition.isr.len() >= min_isr;
        // The done ones complete in order; the waiting ones keep theirs (in place: no allocation).
        let mut kept = 0;
        for i in 0..partition.pending.len() {
            let x = partition.pending[i];
            if hw >= x.required_offset {
                let result = if enough { Ok(x.base_offset) } else { Err(KafkaError::NotEnoughReplicasAfterAppend) };
                self.completed.push(Completion { id: x.id, topic: tp.topic, partition: tp.partition, result });
            } else {
                partition.pending[kept] = x;
                kept += 1;
            }
        }
        partition.pending.truncate(kept);
    }

    /// Fails every waiting acks=all request of the partition with NOT_LEADER_OR_FOLLOWER.
    fn fail_pending(&mut self, tp: TopicPartition) {
        let Ok(partition) = partition_in(&mut self.topics, tp) else { return };
        let failed: Vec<PendingProduce> = partition.pending.drain(..).collect();
        for x in failed {
            self.completed.push(Completion {
                id: x.id,
                topic: tp.topic,
                partition: tp.partition,
                result: Err(KafkaError::NotLeaderOrFollower),
            });
        }
    }

    /// `Partition.maybeIncrementLeaderHW`: unless the ISR is below min.insync.replicas, the HW
    /// becomes the lowest LEO among the leader and the ISR followers (a follower whose LEO the
    /// new leader does not know yet holds it back), never lower than it was. Then completes what
    /// waited for it.
    fn maybe_increment_hw(&mut self, tp: TopicPartition) {
        let min_insync_replicas = self.config.min_insync_replicas;
        let Ok(partition) = partition_in(&mut self.topics, tp) else { return };
        let Some(leader_index) = partition.leader else { return };
        // `isUnderMinIsr` (KAFKA-15583, Kafka ≥ 3.7): the HW does not move while the ISR is below
        // min.insync.replicas.
        let under_min_isr = partition.isr.len() < partition.effective_min_isr(min_insync_replicas);
        let Some(leader) = partition.replicas.get(leader_index) else { return };
        let mut hw = leader.hw;
        if !under_min_isr {
            let leader_broker = leader.broker;
            let mut candidate = leader.log_end();
            for replica in &partition.replicas {
                // The candidate only goes down: once it is not above the HW it cannot move it.
                if candidate <= hw {
                    break;
                }
                if replica.broker != leader_broker && partition.isr.contains(&replica.broker) {
                    candidate = candidate.min(replica.fetched_leo.unwrap_or(0));
                }
            }
            if candidate > hw {
                if let Some(leader) = partition.replicas.get_mut(leader_index) {
                    leader.set_hw(candidate);
                    hw = leader.hw;
                }
            }
        }
        // What `report_hw` and `check_pending` would do, skipped when they have nothing to do
        // (a follower's fetch that moved nothing: most of them).
        if hw == partition.reported_hw && partition.pending.iter().all(|x| hw < x.required_offset) {
            return;
        }
        self.report_hw(tp);
        self.check_pending(tp);
    }

    /// Whether `maybe_increment_hw` would change nothing now: the HW cannot rise, is reported,
    /// and no waiting request is satisfied (the state every public call leaves; tests check it
    /// where a fetch relies on it).
    fn hw_settled(&self, tp: TopicPartition) -> bool {
        let Some(partition) = self.partition(tp) else { return true };
        let Some(leader) = partition.leader_replica() else { return true };
        let hw = leader.hw;
        let under_min_isr = partition.isr.len() < partition.effective_min_isr(self.config.min_insync_replicas);
        let candidate = partition
            .replicas
            .iter()
            .filter(|r| r.broker != leader.broker && partition.isr.contains(&r.broker))
            .fold(leader.log_end(), |c, r| c.min(r.fetched_leo.unwrap_or(0)));
        (under_min_isr || candidate <= hw) && hw == partition.reported_hw && partition.pending.iter().all(|x| hw < x.required_offset)
    }

    /// A `HighWatermark` event when the leader's HW differs from the last one reported.
    fn report_hw(&mut self, tp: TopicPartition) {
        let Ok(partition) = partition_in(&mut self.topics, tp) else { return };
        let Some(hw) = partition.leader_replica().map(|r| r.hw) else { return };
        if hw != partition.reported_hw {
            partition.reported_hw = hw;
            self.events.push(ClusterEvent::HighWatermark { topic: tp.topic, partition: tp.partition, offset: sat32(hw) });
        }
    }

    // ---- replication ----

    /// One fetch round of `follower` for the partition (`ReplicaFetcherThread` + the leader's
    /// `Partition.fetchRecords`/`updateFollowerFetchState`). In order:
    /// 1. if the follower's leader changed or it restarted, it truncates where its log diverges
    ///    from the leader's (epoch-based truncation);
    /// 2. the leader records the fetch offset (the follower's LEO): it is caught up
    ///    (`last_caught_up_ms = now`) if that is the leader's LEO, or if it reached the leader's
    ///    LEO as of its previous fetch (then caught up as of that fetch);
    /// 3. the leader adds it to the ISR if the fetch offset reached the HW and the leader's epoch
    ///    start (`maybeExpandIsr`), and may raise the HW (`maybeIncrementLeaderHW`);
    /// 4. the response: up to `max_records` records from the fetch offset, which the follower
    ///    appends, and the HW, which the follower takes (capped by its own LEO).
    ///
    /// So the leader learns a follower has a record at the follower's next fetch: acks=all
    /// completes after two rounds, as in Kafka. Returns the number of records copied.
    pub fn replicate(&mut self, now: u64, follower: NodeId, tp: TopicPartition, max_records: usize) -> Result<u32, KafkaError> {
        if follower.index() >= self.brokers.len() {
            return Err(KafkaError::InvalidRequest);
        }
        if !self.broker_up(follower) {
            return Err(KafkaError::BrokerNotAvailable);
        }
        let partition = self.partition(tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
        let leader_index = partition.leader.ok_or(KafkaError::LeaderNotAvailable)?;
        let leader_broker = partition.replicas.get(leader_index).map(|r| r.broker).ok_or(KafkaError::LeaderNotAvailable)?;
        if leader_broker == follower {
            return Err(KafkaError::InvalidRequest);
        }
        let follower_index = partition.replica_index(follower).ok_or(KafkaError::NotLeaderOrFollower)?;
        if !self.broker_up(leader_broker) {
            return Err(KafkaError::BrokerNotAvailable);
        }
        if partition_in(&mut self.topics, tp)?.note_idle_fetch(now, leader_index, follower_index) {
            return Ok(0);
        }
        self.replicate_moving(now, follower, tp, leader_index, follower_index, max_records)
    }

    /// `replicate` once its checks passed and the fetch is not one that only notes its time.
    fn replicate_moving(&mut self, now: u64, follower: NodeId, tp: TopicPartition, leader_index: usize, follower_index: usize, max_records: usize) -> Result<u32, KafkaError> {
        let partition = self.partition(tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
        let leader_leo = partition.replicas.get(leader_index).map_or(0, |r| r.log_end());
        // A fetch past the leader's LEO is OFFSET_OUT_OF_RANGE for the follower: it truncates too.
        if partition.replicas.get(follower_index).is_some_and(|r| r.needs_truncation || r.log_end() > leader_leo) {
            self.truncate_follower(tp, follower_index);
        }
        let eligible = Self::eligible(&self.brokers, follower);
        let partition = partition_in(&mut self.topics, tp)?;
        let leader_leo = partition.replicas.get(leader_index).map_or(0, |r| r.log_end());
        let leader_hw = partition.replicas.get(leader_index).map_or(0, |r| r.hw);
        let epoch_start = partition.leader_epoch_start_offset;
        let Some(replica) = partition.replicas.get_mut(follower_index) else { return Err(KafkaError::NotLeaderOrFollower) };
        let fetch_offset = replica.log_end().min(leader_leo);
        // Partition.updateFollowerFetchState / Replica.updateFetchStateOrThrow.
        if fetch_offset >= leader_leo {
            replica.last_caught_up_ms = replica.last_caught_up_ms.max(now);
        } else if fetch_offset >= replica.last_fetch_leader_leo {
            replica.last_caught_up_ms = replica.last_caught_up_ms.max(replica.last_fetch_ms);
        }
        // What the leader knew of this follower's log end before: if the fetch leaves it (and the
        // ISR) as it was, the HW, settled after every call (module doc), stays where it is.
        let moved = replica.fetched_leo != Some(fetch_offset);
        replica.fetched_leo = Some(fetch_offset);
        replica.last_fetch_leader_leo = leader_leo;
        replica.last_fetch_ms = now;
        // Partition.maybeExpandIsr / isFollowerInSync.
        let expanded = eligible && !partition.isr.contains(&follower) && fetch_offset >= leader_hw && fetch_offset >= epoch_start;
        if expanded {
            partition.isr.push(follower);
            let order: Vec<NodeId> = partition.replicas.iter().map(|r| r.broker).collect();
            partition.isr.sort_by_key(|b| order.iter().position(|x| x == b));
            let isr_size = partition.isr.len() as u8;
            self.events.push(ClusterEvent::IsrExpanded { topic: tp.topic, partition: tp.partition, broker: follower, isr_size });
        }
        if moved || expanded {
            self.maybe_increment_hw(tp);
        } else {
            debug_assert!(self.hw_settled(tp), "{tp:?}: a fetch that moved nothing found the HW unsettled");
        }
        // The response.
        let partition = partition_in(&mut self.topics, tp)?;
        let (from, to, leader_hw) = {
            let leader = partition.replicas.get(leader_index).ok_or(KafkaError::LeaderNotAvailable)?;
            let from = usize::try_from(fetch_offset).unwrap_or(usize::MAX).min(leader.log.len());
            let to = from.saturating_add(max_records).min(leader.log.len());
            (from, to, leader.hw)
        };
        if partition.replicas.get(follower_index).is_none() {
            return Err(KafkaError::NotLeaderOrFollower);
        }
        // Copied record by record from the leader's log (no intermediate vector).
        for i in from..to {
            let record = partition.replicas[leader_index].log[i];
            partition.replicas[follower_index].push(record);
        }
        let replica = &mut partition.replicas[follower_index];
        let count = u32::try_from(to - from).unwrap_or(u32::MAX);
        replica.set_hw(leader_hw);
        if count > 0 {
            self.events.push(ClusterEvent::Replicated {
                topic: tp.topic,
                partition: tp.partition,
                broker: follower,
                from_offset: sat32(fetch_offset),
                count,
            });
        }
        Ok(count)
    }

    /// One fetch round: every follower of every partition, topic by topic and in assignment
    /// order, fetches once (`replicate`) if it and its leader are up and `reachable(follower,
    /// leader)` says the network lets them talk. The leader is the one at the start of the
    /// partition's turn (a fetch changes no leader). Most fetches of a round move nothing
    /// (`fetch_only_notes_time`: the partitions that got no record) and are noted in place.
    pub fn replicate_round(&mut self, now: u64, max_records: usize, reachable: impl Fn(NodeId, NodeId) -> bool) {
        for t in 0..self.topics.len() {
            for p in 0..self.topics[t].len() {
                // The followers in order; the borrows are taken again after each fetch that
                // moves something (it changes no leader and no broker's state).
                let mut index = 0;
                loop {
                    let brokers = &self.brokers;
                    let up = |b: NodeId| brokers.get(b.index()).is_some_and(|s| s.up);
                    let partition = &mut self.topics[t][p];
                    let Some(leader_index) = partition.leader else { break };
                    let leader = partition.replicas[leader_index].broker;
                    if !up(leader) {
                        break;
                    }
                    let mut moving = None;
                    while index < partition.replicas.len() {
                        let i = index;
                        index += 1;
                        let follower = partition.replicas[i].broker;
                        // What `replicate` checks first holds here (both up, the follower is not
                        // the leader, each broker is in a partition's replicas once).
                        if follower != leader && up(follower) && reachable(follower, leader) && !partition.note_idle_fetch(now, leader_index, i) {
                            moving = Some((i, follower));
                            break;
                        }
                    }
                    let Some((i, follower)) = moving else { break };
                    let _ = self.replicate_moving(now, follower, TopicPartition::new(t as u16, p as u16), leader_index, i, max_records);
                }
            }
        }
    }

    /// Truncates replica `index` of the partition where it diverges from the leader's log.
    fn truncate_follower(&mut self, tp: TopicPartition, index: usize) {
        let Ok(partition) = partition_in(&mut self.topics, tp) else { return };
        let Some(leader_index) = partition.leader else { return };
        if leader_index == index {
            return;
        }
        let Some(leader) = partition.replicas.get(leader_index) else { return };
        let Some(replica) = partition.replicas.get(index) else { return };
        let divergence = replica.divergence_with(leader);
        // What this replica knew to be committed (its own HW): only an unclean election can
        // make it truncate below that.
        let committed_below = replica.hw;
        let Some(replica) = partition.replicas.get_mut(index) else { return };
        replica.needs_truncation = false;
        let broker = replica.broker;
        let removed = replica.truncate_to(divergence);
        self.record_truncation(tp, broker, divergence, committed_below, removed);
    }

    fn record_truncation(&mut self, tp: TopicPartition, broker: NodeId, from: u64, committed_below: u64, removed: Vec<(u64, Record)>) {
        if removed.is_empty() {
            return;
        }
        self.events.push(ClusterEvent::Truncated {
            topic: tp.topic,
            partition: tp.partition,
            broker,
            from_offset: sat32(from),
            count: removed.len() as u32,
        });
        for (offset, record) in removed {
            self.truncated.push(TruncatedRecord {
                topic: tp.topic,
                partition: tp.partition,
                broker,
                offset,
                tag: record.tag,
                was_committed: offset < committed_below,
            });
        }
    }

    /// The leader's periodic ISR check (`Partition.maybeShrinkIsr` / `getOutOfSyncReplicas`):
    /// an ISR follower whose LEO is not the leader's and that has not been caught up for more
    /// than replica.lag.time.max.ms leaves the ISR; the HW may then rise. Only live leaders check.
    pub fn check_isr(&mut self, now: u64) {
        let lag_max_ms = self.config.replica_lag_time_max_ms;
        for tp in self.topic_partitions() {
            let Ok(partition) = partition_in(&mut self.topics, tp) else { continue };
            let Some(leader_index) = partition.leader else { continue };
            let Some(leader) = partition.replicas.get(leader_index) else { continue };
            let leader_broker = leader.broker;
            let leader_leo = leader.log_end();
            let out: Vec<NodeId> = partition
                .replicas
                .iter()
                .filter(|r| r.broker != leader_broker && partition.isr.contains(&r.broker))
                .filter(|r| r.fetched_leo != Some(leader_leo) && now.saturating_sub(r.last_caught_up_ms) > lag_max_ms)
                .map(|r| r.broker)
                .collect();
            if out.is_empty() || !self.broker_up(leader_broker) {
                continue;
            }
            for broker in out {
                let Ok(partition) = partition_in(&mut self.topics, tp) else { continue };
                partition.isr.retain(|&b| b != broker);
                let isr_size = partition.isr.len() as u8;
                self.events.push(ClusterEvent::IsrShrunk { topic: tp.topic, partition: tp.partition, broker, isr_size });
            }
            self.maybe_increment_hw(tp);
            self.check_pending(tp);
        }
    }

    // ---- brokers, the controller, elections ----

    /// The broker process dies (SIGKILL). Its logs stay on disk (the page cache survives a
    /// process kill); it answers nothing and fetches nothing. The controller notices only
    /// later: call `fence_broker` (after `broker.session.timeout.ms`).
    pub fn crash_broker(&mut self, broker: NodeId) -> Result<(), KafkaError> {
        let state = self.brokers.get_mut(broker.index()).ok_or(KafkaError::InvalidRequest)?;
        if !state.up {
            return Ok(());
        }
        state.up = false;
        self.events.push(ClusterEvent::BrokerDown { broker, kind: DownKind::Crash });
        Ok(())
    }

    /// Controlled shutdown (SIGTERM): the controller first moves the broker's leaderships to
    /// another ISR member (`ElectionType`/controlled-shutdown election: first replica in
    /// assignment order that is live and in the ISR) and removes it from every ISR, then it stops.
    pub fn stop_broker(&mut self, now: u64, broker: NodeId) -> Result<(), KafkaError> {
        let state = self.brokers.get(broker.index()).copied().ok_or(KafkaError::InvalidRequest)?;
        if !state.up {
            return Ok(());
        }
        self.fence_broker(now, broker)?;
        if let Some(state) = self.brokers.get_mut(broker.index()) {
            state.up = false;
        }
        self.events.push(ClusterEvent::BrokerDown { broker, kind: DownKind::ControlledShutdown });
        Ok(())
    }

    /// The controller fences the broker (it missed its heartbeats: crashed, or cut off). For
    /// every partition it is in: it leaves the ISR, unless it is the last member (KRaft keeps
    /// the last ISR member, the partition then goes offline); if it led, a new leader is
    /// elected (`PartitionLeaderElectionAlgorithms.offlinePartitionLeaderElection`): the first
    /// replica in assignment order that is live and in the ISR (clean); else, with
    /// unclean.leader.election.enable, the first live replica (unclean: what it lacks is lost);
    /// else the partition is offline. Waiting acks=all requests of a moved leader fail.
    pub fn fence_broker(&mut self, now: u64, broker: NodeId) -> Result<(), KafkaError> {
        let state = self.brokers.get_mut(broker.index()).ok_or(KafkaError::InvalidRequest)?;
        if state.fenced {
            return Ok(());
        }
        state.fenced = true;
        self.events.push(ClusterEvent::BrokerFenced { broker });
        for tp in self.topic_partitions() {
            let Ok(partition) = partition_in(&mut self.topics, tp) else { continue };
            if partition.replica_index(broker).is_none() {
                continue;
            }
            let was_leader = partition.leader() == Some(broker);
            if partition.isr.contains(&broker) && partition.isr.len() > 1 {
                partition.isr.retain(|&b| b != broker);
                let isr_size = partition.isr.len() as u8;
                self.events.push(ClusterEvent::IsrShrunk { topic: tp.topic, partition: tp.partition, broker, isr_size });
            }
            if was_leader {
                self.elect_leader(now, tp);
            } else {
                self.maybe_increment_hw(tp);
            }
        }
        Ok(())
    }

    /// The controller lets a fenced broker that is up back in (its heartbeats resumed): it may
    /// rejoin ISRs by fetching, and leads offline partitions it can lead.
    pub fn unfence_broker(&mut self, now: u64, broker: NodeId) -> Result<(), KafkaError> {
        let state = self.brokers.get_mut(broker.index()).ok_or(KafkaError::InvalidRequest)?;
        if !state.up || !state.fenced {
            return Ok(());
        }
        state.fenced = false;
        self.rejoin(now, broker);
        Ok(())
    }

    /// The broker starts again. A broker the controller had not fenced yet is fenced first (a
    /// new incarnation registers, `BrokerRegistration`). Then, for each of its partitions: an
    /// offline partition whose ISR it is (the last member) elects it again (clean), or, with
    /// unclean election on, elects it uncleanly; otherwise its replica will truncate where it
    /// diverges from the current leader (e.g. an old leader loses the acked-but-unreplicated
    /// tail, k4b) at its first fetch from that leader, and rejoin the ISR by fetching: the
    /// fetcher learns the divergence from the leader (`OffsetsForLeaderEpoch`, or a fetch
    /// answer's diverging epoch), so not before it can reach it.
    pub fn restart_broker(&mut self, now: u64, broker: NodeId) -> Result<(), KafkaError> {
        let state = self.brokers.get(broker.index()).copied().ok_or(KafkaError::InvalidRequest)?;
        if state.up && !state.fenced {
            return Ok(());
        }
        self.fence_broker(now, broker)?;
        if let Some(state) = self.brokers.get_mut(broker.index()) {
            state.up = true;
            state.fenced = false;
        }
        self.events.push(ClusterEvent::BrokerUp { broker });
        self.rejoin(now, broker);
        Ok(())
    }

    /// An eligible broker (back): elect it where its partitions are offline, and mark its
    /// other replicas to truncate where they diverge from their leader at their next fetch.
    fn rejoin(&mut self, now: u64, broker: NodeId) {
        for tp in self.topic_partitions() {
            let Ok(partition) = partition_in(&mut self.topics, tp) else { continue };
            let Some(index) = partition.replica_index(broker) else { continue };
            if partition.leader.is_none() {
                self.elect_leader(now, tp);
                continue;
            }
            if partition.leader == Some(index) {
                continue;
            }
            if let Some(replica) = partition.replicas.get_mut(index) {
                replica.needs_truncation = true;
                replica.fetched_leo = None;
            }
        }
    }

    /// Elects a leader for the partition (its current leader is gone or fenced, or it is
    /// offline), bumping the leader epoch; emits `LeaderElected` or `PartitionOffline`.
    fn elect_leader(&mut self, now: u64, tp: TopicPartition) {
        let unclean_enabled = self.config.unclean_leader_election;
        let brokers = self.brokers.clone();
        let Ok(partition) = partition_in(&mut self.topics, tp) else { return };
        let had_leader = partition.leader.is_some();
        let clean = partition.replicas.iter().position(|r| partition.isr.contains(&r.broker) && Self::eligible(&brokers, r.broker));
        let choice = match clean {
            Some(i) => Some((i, true)),
            None if unclean_enabled => partition.replicas.iter().position(|r| Self::eligible(&brokers, r.broker)).map(|i| (i, false)),
            None => None,
        };
        let Some((index, clean)) = choice else {
            if had_leader {
                partition.leader = None;
                partition.leader_epoch = partition.leader_epoch.saturating_add(1);
                let epoch = partition.leader_epoch;
                self.events.push(ClusterEvent::PartitionOffline { topic: tp.topic, partition: tp.partition, epoch });
                self.fail_pending(tp);
            }
            return;
        };
        partition.leader = Some(index);
        partition.leader_epoch = partition.leader_epoch.saturating_add(1);
        let epoch = partition.leader_epoch;
        let Some(leader) = partition.replicas.get(index) else { return };
        let broker = leader.broker;
        let leo = leader.log_end();
        if !clean {
            // An unclean leader is the whole ISR.
            partition.isr = vec![broker];
        }
        partition.leader_epoch_start_offset = leo;
        let isr = partition.isr.clone();
        for (i, replica) in partition.replicas.iter_mut().enumerate() {
            if i == index {
                replica.assign_epoch(epoch, leo);
                replica.needs_truncation = false;
                continue;
            }
            // Partition.makeLeader → Replica.resetReplicaState: LEO unknown, last fetch = now at
            // the leader's LEO, caught up now if in the ISR (else never).
            replica.fetched_leo = None;
            replica.last_caught_up_ms = if isr.contains(&replica.broker) { now } else { 0 };
            replica.last_fetch_leader_leo = leo;
            replica.last_fetch_ms = now;
            replica.needs_truncation = true;
        }
        self.events.push(ClusterEvent::LeaderElected { topic: tp.topic, partition: tp.partition, broker, epoch, clean });
        self.fail_pending(tp);
        self.maybe_increment_hw(tp);
    }

    // ---- transactions ----

    /// Writes a transaction marker (COMMIT or ABORT) for `producer_id` on the partition's leader
    /// (`WriteTxnMarkers`, sent by the transaction coordinator): a control record that takes an
    /// offset. The marker ends the producer's ongoing transaction there; an abort enters the
    /// aborted-transaction index. A marker from an older producer epoch is refused.
    pub fn write_txn_marker(&mut self, tp: TopicPartition, producer_id: u64, epoch: u16, marker: Marker) -> Result<u64, KafkaError> {
        let partition = partition_in(&mut self.topics, tp)?;
        let leader_index = partition.leader.ok_or(KafkaError::LeaderNotAvailable)?;
        let leader_epoch = partition.leader_epoch;
        let leader = partition.replicas.get(leader_index).ok_or(KafkaError::LeaderNotAvailable)?;
        let broker = leader.broker;
        if !self.broker_up(broker) {
            return Err(KafkaError::BrokerNotAvailable);
        }
        let partition = partition_in(&mut self.topics, tp)?;
        let leader = partition.replicas.get_mut(leader_index).ok_or(KafkaError::LeaderNotAvailable)?;
        if leader.producers.get(&producer_id).is_some_and(|e| epoch < e.epoch) {
            return Err(KafkaError::InvalidProducerEpoch);
        }
        let offset = leader.log_end();
        leader.push(Record {
            tag: 0,
            leader_epoch,
            producer: Some(ProducerStamp { producer_id, epoch, sequence: -1 }),
            transactional: true,
            marker: Some(marker),
            first_in_batch: true,
        });
        self.events.push(ClusterEvent::Appended { topic: tp.topic, partition: tp.partition, broker, base_offset: sat32(offset), count: 1 });
        self.events.push(ClusterEvent::TxnMarker {
            topic: tp.topic,
            partition: tp.partition,
            offset: sat32(offset),
            commit: marker == Marker::Commit,
        });
        self.maybe_increment_hw(tp);
        Ok(offset)
    }

    /// Ends `producer_id`'s transaction everywhere it is open: a marker on every partition whose
    /// leader has an ongoing transaction of it (what the coordinator does at
    /// commit_transaction/abort_transaction). Returns each partition with the marker's offset
    /// or the error that kept it from being written.
    pub fn end_transaction(&mut self, producer_id: u64, epoch: u16, marker: Marker) -> Vec<(TopicPartition, Result<u64, KafkaError>)> {
        let mut written = Vec::new();
        for tp in self.topic_partitions() {
            let Some(partition) = self.partition(tp) else { continue };
            let open = partition.replicas.iter().any(|r| {
                r.producers.get(&producer_id).is_some_and(|e| e.txn_first_offset.is_some())
            });
            if open {
                written.push((tp, self.write_txn_marker(tp, producer_id, epoch, marker)));
            }
        }
        written
    }

    // ---- consumer fetch ----

    /// A consumer's fetch from `broker` (`ReplicaManager.fetchMessages` → `UnifiedLog.read`):
    /// only the leader serves (NOT_LEADER_OR_FOLLOWER); an offset below the log start or past the
    /// LEO is OFFSET_OUT_OF_RANGE; records are served up to the HW (read_uncommitted) or the LSO
    /// (read_committed, which also skips the records of aborted transactions); control markers
    /// are never returned. At most `max_records` records. Consuming deletes nothing.
    pub fn fetch(&self, broker: NodeId, tp: TopicPartition, offset: u64, isolation: Isolation, max_records: usize) -> Result<Fetched, KafkaError> {
        let mut records = Vec::new();
        let next_offset = self.fetch_each(broker, tp, offset, isolation, max_records, |record| records.push(record))?;
        let leader = self.leader_replica_of(tp)?;
        Ok(Fetched { records, next_offset, high_watermark: leader.hw, last_stable_offset: leader.last_stable_offset() })
    }

    /// `fetch`, handing each record to `each` in offset order (no vector: the world's parked
    /// fetches gather them into a buffer they reuse); returns the next offset. The last stable
    /// offset is computed only for `read_committed`, the one isolation it bounds.
    pub fn fetch_each(&self, broker: NodeId, tp: TopicPartition, offset: u64, isolation: Isolation, max_records: usize, mut each: impl FnMut(FetchedRecord)) -> Result<u64, KafkaError> {
        let partition = self.partition(tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
        if !self.broker_up(broker) {
            return Err(KafkaError::BrokerNotAvailable);
        }
        if partition.leader() != Some(broker) {
            return Err(KafkaError::NotLeaderOrFollower);
        }
        let leader = partition.leader_replica().ok_or(KafkaError::NotLeaderOrFollower)?;
        if offset > leader.log_end() {
            return Err(KafkaError::OffsetOutOfRange);
        }
        let upper = match isolation {
            Isolation::ReadUncommitted => leader.hw,
            Isolation::ReadCommitted => leader.last_stable_offset(),
        };
        if offset >= upper {
            return Ok(offset);
        }
        let mut position = offset;
        let mut returned = 0;
        while position < upper {
            if returned >= max_records {
                break;
            }
            let Some(record) = usize::try_from(position).ok().and_then(|i| leader.log.get(i)) else { break };
            let aborted = isolation == Isolation::ReadCommitted
                && record.transactional
                && record.producer.is_some_and(|s| {
                    leader.aborted.iter().any(|a| a.producer_id == s.producer_id && a.first_offset <= position && position <= a.last_offset)
                });
            if record.marker.is_none() && !aborted {
                each(FetchedRecord { offset: position, tag: record.tag });
                returned += 1;
            }
            position += 1;
        }
        Ok(position)
    }
}
