//! The Kafka world: the kafka-python programs of a scenario (producers and consumers) run op by
//! op against the cluster model (`cluster`) and the group coordinator (`group`) over the
//! simulated network, on the core's step loop (`engine::core`). `KafkaSim` implements
//! `engine::core::System`; `step()` handles jobs until one of them recorded an event.
//!
//! How the pieces meet (issue 10 §2, `kafka.md`):
//! - A producer's `send` makes a produce request (one record, `linger_ms` 0) to the partition's
//!   leader; it travels with the network's latency, the leader appends it (a new copy in the
//!   ledger: `Place::Ready` in the partition), and the answer comes back (acks 1 at once, acks
//!   all once the high watermark passes it, acks 0 never: the future is done when sent).
//!   `future.get` blocks until the answer or raises after its timeout. A lost request or answer
//!   is retried after `request_timeout_ms`, a refused one after `retry_backoff_ms`, within
//!   `retries` and `delivery_timeout_ms`; idempotent producers stamp (producer id, sequence), so
//!   the leader recognises a retry of a batch it has.
//! - A consumer's `for message in consumer` polls: joins the group through the coordinator
//!   (JoinGroup, SyncGroup; the first join of an empty group waits
//!   `group.initial.rebalance.delay.ms`), takes its positions from the committed offsets or
//!   `auto_offset_reset`, fetches (only records below the high watermark; a fetch with nothing
//!   to return waits at the broker until there is), and yields records one by one. Auto-commit
//!   commits the positions of the records already yielded, inside poll, once
//!   `auto_commit_interval_ms` has passed since construction or the last auto-commit; so the
//!   records of the poll going on are committed only at the next one (kafka.md k1a).
//! - Followers fetch from their leader every `REPLICA_FETCH_MS` (with costs: as their long
//!   polls come back, see "Costs") while they have something to copy; the leader checks its
//!   ISR every `replica_lag_time_max_ms / 2` while a follower lags; a crashed broker is fenced
//!   by the controller after `BROKER_SESSION_TIMEOUT_MS`, which elects a new leader; a
//!   restarted broker truncates what it had that the leader has not.
//!
//! Timers run only while they have work: heartbeats are the background thread's, emulated (a
//! live member not cut off from its coordinator is always in time; its next heartbeat is
//! scheduled only to tell it of a rebalance), replication and ISR checks stop once the
//! replicas agree, a waiting fetch is answered when the log changes. So a run whose programs
//! wait for records that will never come ends (`Finish::Quiescent`) with nothing on the agenda.
//!
//! Ledger and verdicts: a message is one `{'data': i}` of a producer (its retries and resends
//! after a restart are the same message); a copy is one produce request's record: on its way
//! (`Place::ToBroker`), in a log (`Place::Ready { queue: partition }`, consuming does not move
//! it), or gone (`Place::Discarded`: lost on the way, refused, recognised as a duplicate, or
//! truncated). A consumer's print (or its work, when it has some) is the effect. At the end of
//! a run, a message still in a log that its group never processed is judged by the group's
//! position (`KafkaSim::verdict`): if every group reading the topic has committed past it (or
//! started past it: `auto_offset_reset='latest'`) the group will never read it: **lost** for
//! the workload, as kafka.md counts it ("never printed by the group"), though still stored;
//! otherwise it is **stranded** (stored, and the group would read it if a consumer came).
//!
//! Simplifications (each says what a learner would not see): a frame lost on the network
//! (`drop_next`, a cut) does not reset its connection (`network.reset_after_drop_ms` is not
//! used): the producer's `request_timeout_ms` decides, as kafka.md k5a says ("the connection
//! stays open"); a broker's crash closes its connections at once; one fetch request serves all
//! the partitions of a consumer; a consumer finds a partition's new leader as soon as it is
//! elected; coordinator requests are never lost: across a cut, or while the coordinator's node
//! is down and not yet fenced, they wait and go on once it can be reached (a cut does stop
//! heartbeats, so the member expires; one auto-commit waits at a time); the coordinator's state survives broker crashes (no
//! `__consumer_offsets` failover), and so does the transaction coordinator's (`init_transactions` fences an older
//! instance and aborts its open transaction; a dead producer's transaction is aborted after
//! `TRANSACTION_TIMEOUT_MS`; `commit_transaction` writes the markers at once, as EndTxn does
//! after its PREPARE_COMMIT).
//!
//! Costs (`scenario.costs`, `engine::costs`): time is in µs; with the default free costs every
//! time is a whole millisecond, as the chapters are written. What a Kafka run charges:
//! - `network_us`: every frame between a client and a broker, one way, on top of
//!   `network.latency_ms` (`Network`), and between a leader and its followers: with costs, the
//!   followers' fetches are long polls, as Kafka's are (the leader answers a parked fetch as
//!   soon as it has records), so a replication round comes a one-way trip and a broker's work
//!   (`broker_us` + `persist_us`) after the last, not `REPLICA_FETCH_MS` (which keeps the
//!   chapters' runs without costs as they were).
//! - `publish_us`: the producer's `send`, per record (kafka-python serializes each record, picks
//!   its partition and appends it to a batch, with or without `linger_ms`): the request leaves
//!   `publish_us` after the call (and `linger_ms` after that), and the program goes on to
//!   `future.get` then.
//! - `broker_us`: every request a broker takes in (produce, fetch, group coordinator), on one
//!   worker per connection, one request at a time in arrival order (a Kafka broker reads no next
//!   request from a connection until it has answered the one it has); a produce request costs
//!   `persist_us` more per record it appends (every Kafka record is written to its partition's
//!   log, as a persistent message is to RabbitMQ's store: written, not synced). A produce
//!   request carries one record here (the programs wait for each send's answer, so a batch never
//!   holds two), so per request and per record come to the same.
//! - `deliver_us`: every record `poll` yields (the iterator reads and deserializes it and hands
//!   it to the loop): the loop's next op comes that much later.
//! - `fsync_us`: nothing. Kafka does not sync its log per message (`flush.messages` and
//!   `flush.ms` are unlimited by default: durability comes from replication), so no answer
//!   waits for a disk.
//!
//! So acks=0 is done once the record is serialized and sent (the future needs no answer); acks=1
//! once the answer comes back from the leader (a round trip and the leader's work); acks=all once
//! the followers have fetched the record and fetched again, which moves the high watermark past
//! it (two replication rounds, each a one-way trip and a broker's work).
//!
//! Invariants: simulated time never goes backwards; jobs at the same time run in the order they
//! were scheduled; all randomness comes from the seed's streams (member ids and unkeyed
//! partitions from the workload stream); after every cluster or coordinator call its events are
//! drained (recorded, answered) before anything else happens; every copy in the ledger is in
//! exactly one place, and a `Ready` copy's (partition, offset) is a record of some replica's log
//! (`check_conservation`): the leader's, or a dead leader's until it rejoins and truncates it.

use super::cluster::{self, Cluster, ClusterConfig, ClusterEvent, Completion, Isolation, KafkaError, ProduceStatus, ProducerBatch, TopicPartition};
use super::group::{GroupCoordinator, GroupError, GroupEvent, GroupKey, MemberKey, MemberSettings, SyncOutcome};
use super::partitioner;
use super::program::{self, KafkaOpKind, Op, Program, KAFKA_OP_NAMES};
use super::scenario::{Acks, AUTO_COMMIT_INTERVAL_MS_DEFAULT, CommitMode, IsolationLevel, KafkaActorSpec, KafkaConsumerSpec, KafkaProducerSpec, KafkaScenario, OffsetReset};
use super::trace::*;
use crate::engine::checker::{Checker, RunLabel, Verdict, VerdictCounts};
use crate::engine::core::{self, Core, System};
use crate::engine::costs::{Costs, Server};
pub use crate::engine::core::{Finish, Until};
use crate::engine::ids::*;
use crate::engine::ledger::Place;
use crate::engine::network::Network;
use crate::engine::rng::{Rng, Stream};
use crate::scenario::{FaultAction, FaultSpec, RandomFaults, ScenarioError, Trigger};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

mod settled;

const OP_COUNT: usize = KAFKA_OP_NAMES.len();

/// How often a follower fetches from its leader while it has something to copy (Kafka's
/// followers long-poll and get a new record within a round trip; a few ms here), in a run
/// without costs. A run with costs times its rounds by them (`KafkaSim::replica_round_us`).
pub const REPLICA_FETCH_MS: u64 = 5;
/// The least time between two replication rounds of a run with costs (a follower's fetch loop
/// turning over), so that tiny costs do not make rounds back to back.
pub const REPLICA_ROUND_MIN_US: u64 = 100;
/// KRaft `broker.session.timeout.ms` (9 s): the controller fences a broker that stopped
/// heartbeating, and elects new leaders for its partitions.
pub const BROKER_SESSION_TIMEOUT_MS: u64 = 9_000;
/// kafka-python's default `client_id` ('kafka-python-' + version): the prefix of member ids.
pub const CLIENT_ID: &str = "kafka-python-3.0.12";
/// Records a follower copies in one fetch at most.
const REPLICA_FETCH_RECORDS: usize = 10_000;
/// Partitions of `__consumer_offsets` (`offsets.topic.num.partitions`).
const OFFSETS_PARTITIONS: i32 = 50;

/// What the Kafka world has on its agenda (only the world makes these).
#[derive(Clone, Copy, Debug)]
pub enum Job {
    /// The actor's next op is due.
    Wake { actor: ActorId, epoch: u32 },
    /// What a blocked op waits for may have come: run it again.
    Resume { actor: ActorId, epoch: u32 },
    RestartActor { actor: ActorId },
    Fault { index: u16 },
    /// A produce request reaches its broker.
    ProduceArrives { request: u32 },
    /// The answer to a produce request reaches the producer.
    ProduceAnswer { request: u32, result: Result<u32, ClientError> },
    /// `request_timeout_ms` after a produce request was sent.
    RequestTimeout { request: u32 },
    /// The producer sends its current record again (after `retry_backoff_ms`).
    Resend { actor: ActorId, epoch: u32 },
    /// `future.get(timeout=...)` ran out.
    GetTimeout { actor: ActorId, epoch: u32, message: MessageId },
    /// A consumer's fetch reaches the brokers; its answer reaches the consumer.
    FetchArrives { actor: ActorId, epoch: u32, seq: u32 },
    FetchAnswer { actor: ActorId, epoch: u32, seq: u32 },
    /// A request reaches the group coordinator; its answer reaches the consumer.
    ToCoordinator { actor: ActorId, epoch: u32, request: CoordRequest },
    FromCoordinator { actor: ActorId, epoch: u32, answer: CoordAnswer },
    /// The heartbeat thread's next heartbeat (scheduled only to learn of a rebalance).
    Heartbeat { actor: ActorId, epoch: u32 },
    /// The consumer's auto-commit is due while it waits in poll.
    PollTimer { actor: ActorId, epoch: u32 },
    /// `max_poll_interval_ms` after the consumer last polled.
    PollIntervalCheck { actor: ActorId, epoch: u32, polled_ms: u64 },
    /// The coordinator's deadlines (session expiries, join phases).
    CoordinatorTick,
    /// Every follower fetches once from its leader.
    ReplicaFetch,
    /// Every leader checks its ISR (`replica.lag.time.max.ms`).
    IsrCheck,
    /// The controller fences a broker that stopped heartbeating (if it is still down).
    Fence { node: NodeId, incarnation: u32 },
    StartNode { node: NodeId },
    /// `transaction_timeout_ms` after a transaction's producer died with it open.
    TransactionTimeout { index: u16, epoch: u16 },
}

/// A request to the group coordinator.
#[derive(Clone, Copy, Debug)]
pub enum CoordRequest {
    Join,
    Sync { generation: i32 },
    /// OffsetCommit of the batch `id` (`sync`: `commit()` or `close()` waits for it).
    Commit { id: u32, sync: bool },
    Leave { member: MemberKey },
    /// FindCoordinator: an auto-commit found its coordinator unknown (its broker down); once
    /// the coordinator serves again, the consumer's poll wakes and auto-commits.
    Find,
}

/// The coordinator's answer to a consumer.
#[derive(Clone, Copy, Debug)]
pub enum CoordAnswer {
    JoinCompleted { generation: i32 },
    Assigned { generation: i32 },
    /// SyncGroup or JoinGroup refused: join again.
    Rejoin,
    Committed { id: u32, ok: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorStatus {
    NotStarted,
    Running,
    Crashed,
    Stopped,
    /// The program raised and exited with an error.
    Failed(ClientError),
    /// The program ran to its end.
    Finished,
}

/// What a blocked op waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Blocked {
    No,
    /// `future.get()`.
    Get,
    /// Inside `poll` (the iterator): a join, a fetch, offsets.
    Poll,
    /// `consumer.commit()` or the commit of `close()`.
    Commit,
}

/// Where a consumer is in its group membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not in the group (or must join again).
    Out,
    /// JoinGroup sent, waiting for the join phase to end.
    Joining,
    /// SyncGroup sent.
    Syncing,
    /// Has its assignment.
    Assigned,
}

/// A record the consumer fetched: (partition, offset, copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fetched {
    partition: u16,
    offset: u64,
    copy: CopyId,
}

/// The record a producer's future waits for.
#[derive(Clone, Copy, Debug)]
struct Future {
    message: MessageId,
    partition: u16,
    /// Its sequence number (idempotent producers), kept across retries.
    sequence: Option<i32>,
    first_sent_ms: u64,
    retries_done: u32,
    /// The request carrying it now.
    request: Option<u32>,
    result: Option<Result<i32, ClientError>>,
    /// Its call found no live leader and is on the record as waiting (`SendQueued`).
    queued: bool,
}

/// Every message's records (copies), indexed in one pass over the ledger: message i's are
/// `of(i)`, in ledger order (judging messages one by one would scan the ledger for each).
struct CopiesByMessage {
    /// Message i's records are `copies[start[i]..start[i + 1]]`.
    start: Vec<u32>,
    copies: Vec<CopyId>,
}

impl CopiesByMessage {
    fn new<X>(ledger: &crate::engine::ledger::Ledger<X>) -> CopiesByMessage {
        let mut start = vec![0u32; ledger.messages.len() + 1];
        for copy in &ledger.copies {
            start[copy.message.index() + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut next = start.clone();
        let mut copies = vec![CopyId(0); ledger.copies.len()];
        for (i, copy) in ledger.copies.iter().enumerate() {
            let slot = &mut next[copy.message.index()];
            copies[*slot as usize] = CopyId(i as u32);
            *slot += 1;
        }
        CopiesByMessage { start, copies }
    }

    fn of(&self, message: usize) -> &[CopyId] {
        &self.copies[self.start[message] as usize..self.start[message + 1] as usize]
    }
}

/// The runtime state of one actor.
#[derive(Clone, Debug)]
pub struct ActorRuntime {
    pub status: ActorStatus,
    epoch: u32,
    pc: u16,
    blocked: Blocked,
    loop_index: u32,
    /// The line executing now (0 = none), for the code panel.
    pub line: u16,
    /// The op on `line` has completed (its `after` triggers are due or done): a crash now
    /// comes after that line, not during it.
    pub line_done: bool,
    after_due: Option<KafkaOpKind>,
    op_counts: [u32; OP_COUNT],
    pub work_ms: u64,
    /// Producers: the message of each payload index (kept across restarts).
    messages: Vec<MessageId>,
    producer_id: u64,
    producer_epoch: u16,
    /// A transaction is open (between `begin_transaction` and its end).
    txn_open: bool,
    /// Per partition (global index): the next sequence number.
    sequences: Vec<i32>,
    future: Option<Future>,
    /// Consumers.
    stopping: bool,
    group: Option<GroupKey>,
    pub member: Option<MemberKey>,
    generation: i32,
    phase: Phase,
    rejoin_needed: bool,
    /// When the heartbeat thread's ticks started (the last join or sync).
    heartbeat_origin_ms: u64,
    heartbeat_scheduled: bool,
    /// Owned partitions (global indexes), sorted.
    pub assignment: Vec<u16>,
    /// Per partition (global index): the position (the next offset to yield).
    positions: Vec<Option<u64>>,
    buffer: VecDeque<Fetched>,
    current: Option<Fetched>,
    next_auto_commit_ms: u64,
    /// When the `PollTimer` on the agenda is due (µs), if one is.
    poll_timer_at: Option<u64>,
    fetch_seq: u32,
    fetch_in_flight: bool,
    /// The fetch waits at the broker for records.
    fetch_parked: bool,
    fetch_result: Option<Vec<Fetched>>,
    /// The vector of the last fetch answer, emptied, for the next one (saves an allocation).
    spare_records: Vec<Fetched>,
    /// The auto-commit sent and not yet answered.
    auto_commit_in_flight: Option<u32>,
    /// A sync commit waits: its batch id, and its answer when it came.
    commit_wait: Option<u32>,
    commit_ok: Option<bool>,
    last_poll_ms: u64,
    /// When the `GetTimeout` of the current future is due (µs), if armed.
    get_timer: Option<u64>,
    /// The poll whose `PollIntervalCheck` is on the agenda, and when it is due (µs).
    poll_check_for: Option<(u64, u64)>,
    /// Since when the consumer waits inside poll (None: it is not in poll).
    poll_wait_since: Option<u64>,
}

impl ActorRuntime {
    fn new(work_ms: u64, partitions: usize) -> ActorRuntime {
        ActorRuntime {
            status: ActorStatus::NotStarted,
            epoch: 0,
            pc: 0,
            blocked: Blocked::No,
            loop_index: 0,
            line: 0,
            line_done: false,
            after_due: None,
            op_counts: [0; OP_COUNT],
            work_ms,
            messages: Vec::new(),
            producer_id: 0,
            producer_epoch: 0,
            txn_open: false,
            sequences: vec![0; partitions],
            future: None,
            stopping: false,
            group: None,
            member: None,
            generation: -1,
            phase: Phase::Out,
            rejoin_needed: false,
            heartbeat_origin_ms: 0,
            heartbeat_scheduled: false,
            assignment: Vec::new(),
            positions: vec![None; partitions],
            buffer: VecDeque::new(),
            current: None,
            next_auto_commit_ms: 0,
            poll_timer_at: None,
            fetch_seq: 0,
            fetch_in_flight: false,
            fetch_parked: false,
            fetch_result: None,
            spare_records: Vec::new(),
            auto_commit_in_flight: None,
            commit_wait: None,
            commit_ok: None,
            last_poll_ms: 0,
            get_timer: None,
            poll_check_for: None,
            poll_wait_since: None,
        }
    }

    /// Producers: the message of each payload index sent so far.
    pub fn messages(&self) -> &[MessageId] {
        &self.messages
    }

    /// Consumers: the position of a partition (global index), if it has one.
    pub fn position(&self, partition: u16) -> Option<u64> {
        self.positions.get(usize::from(partition)).copied().flatten()
    }

    /// Consumers: whether it holds the record `copy`, in its loop body or fetched and not yet
    /// yielded (it may still process it).
    fn holds(&self, copy: CopyId) -> bool {
        self.current.is_some_and(|f| f.copy == copy) || self.buffer.iter().any(|f| f.copy == copy)
    }
}

/// What a step of an op leads to.
enum Flow {
    /// Done; continue with the next op after `delay_ms` (and the client's work on it: `Costs`).
    Next(u64),
    /// Done; continue with the next op after `delay_us` (a round trip to a broker).
    NextUs(u64),
    /// Continue at once within this step.
    Inline,
    /// Wait (the op runs again when resumed).
    Block,
    /// The op raised.
    Raise(ClientError),
    /// The actor is done or gone.
    Stop,
}

/// A produce request (one record).
#[derive(Clone, Copy, Debug)]
struct Request {
    actor: ActorId,
    epoch: u32,
    copy: CopyId,
    partition: u16,
    node: NodeId,
    /// The frame was lost on its way to the broker.
    lost: bool,
    /// The broker appended the record (or recognised it as a duplicate).
    reached: bool,
    /// The request reached its broker (appended, or refused).
    arrived: bool,
    /// The producer has its answer, or gave up on it (a late answer is ignored).
    settled: bool,
    /// When its `RequestTimeout` is due, in µs (0: none).
    timeout_at: u64,
    /// The idempotent producer's stamp: (producer id, epoch, sequence, transactional).
    stamp: Option<(u64, u16, i32, bool)>,
}

/// An op-triggered fault.
#[derive(Clone, Copy, Debug)]
struct OpTrigger {
    actor: ActorId,
    op: usize,
    before: bool,
    occurrence: u32,
    fault: u16,
}

/// What does not change during a run.
#[derive(Debug)]
struct Setup {
    scenario: KafkaScenario,
    programs: Vec<Program>,
    /// Per topic: the global index of its first partition.
    partition_base: Vec<u16>,
    op_triggers: Vec<OpTrigger>,
    /// Partitions of all topics together.
    partitions: usize,
    /// Per actor: where its `LoopEnd` goes back to (its `LoopStart`, else its `Poll`, else 0).
    loop_heads: Vec<u16>,
    /// Per actor: the node of its group's coordinator (a consumer's; node 0 for a producer).
    coordinator_nodes: Vec<NodeId>,
    /// Per actor: the line of its program's `send` (0 if it has none).
    send_lines: Vec<u16>,
}

impl Setup {
    fn producer(&self, actor: ActorId) -> Option<&KafkaProducerSpec> {
        match self.scenario.actors.get(actor.index())? {
            KafkaActorSpec::Producer(p) => Some(p),
            KafkaActorSpec::Consumer(_) => None,
        }
    }

    fn consumer(&self, actor: ActorId) -> Option<&KafkaConsumerSpec> {
        match self.scenario.actors.get(actor.index())? {
            KafkaActorSpec::Consumer(c) => Some(c),
            KafkaActorSpec::Producer(_) => None,
        }
    }
}

/// A deterministic simulation of one Kafka scenario.
#[derive(Clone)]
pub struct KafkaSim {
    setup: Rc<Setup>,
    core: Core<Job, KafkaEvent, KafkaCopyExtra>,
    cluster: Cluster,
    coordinator: GroupCoordinator,
    network: Network,
    actors: Vec<ActorRuntime>,
    /// Connections by actor, then node, opened on first use (latency and TCP order only),
    /// numbered in the order they were opened.
    connections: Vec<Vec<Option<ConnectionId>>>,
    connection_count: u32,
    rng_network: Rng,
    rng_faults: Rng,
    rng_workload: Rng,
    requests: Vec<Request>,
    /// acks=all requests waiting at their leader: (pending id, request), in the order they
    /// began to wait (the order they mostly complete in: found at the front).
    pending: VecDeque<(u32, u32)>,
    /// OffsetCommit batches: (group, [(partition, offset)]).
    commits: Vec<(GroupKey, Vec<(TopicPartition, u64)>)>,
    /// Order as each consumer process saw it (out of order is judged per process).
    process_order: super::order::ProcessOrder,
    /// Member -> (actor, epoch) of the consumer process it is.
    members: Vec<(ActorId, u32)>,
    /// SyncGroup requests waiting for the leader's: (member, generation).
    sync_waiting: Vec<(MemberKey, i32)>,
    /// Per group (its key, `u16::MAX` for consumers without one; the few groups in the order
    /// they first yielded), per partition (global index): the highest offset the group ever
    /// yielded + 1.
    yielded: Vec<(u16, Vec<u64>)>,
    replication_armed: bool,
    /// `(topic, partition)` of the partition `replication_idle` last found busy (only where it
    /// looks first).
    replication_busy_hint: (usize, usize),
    isr_check_armed: bool,
    /// Per partition (global index): its leader as the parked consumer fetches last saw it
    /// (`serve_parked_fetches`).
    leader_views: Vec<LeaderView>,
    /// Some leader view may have changed other than by its log end growing (the cluster told
    /// of an election, a high watermark, a truncation, a broker or a transaction marker) since
    /// `leader_views` was last refreshed: until then a refresh would find no change.
    leader_views_stale: bool,
    /// Every parked fetch may find records although no leader view changed since the parked
    /// fetches were last served: one was parked without being served, a parked consumer's
    /// position or assignment moved, or the network was cut or healed.
    parked_fetches_recheck: bool,
    /// When the `CoordinatorTick` on the agenda is due (µs), if one is.
    coordinator_tick_at: Option<u64>,
    /// Per node: bumped at every crash (a fence of an older crash is void).
    node_incarnation: Vec<u32>,
    next_producer_id: u64,
    /// The transaction coordinator's state per transactional id.
    transactions: Vec<Transaction>,
    /// Requests to a group coordinator that could not be reached: (actor, epoch, request).
    coordinator_waiting: Vec<(ActorId, u32, CoordRequest)>,
    /// What the errors' texts name (`ClientError`'s `detail` indexes it).
    error_details: Vec<ErrorDetail>,
    /// What work costs (`scenario.costs`, module doc "Costs"), and per connection the broker's
    /// worker for the requests it carries (a Kafka broker takes one request of a connection at
    /// a time, in order: it mutes the channel until it has answered).
    costs: Costs,
    request_work: Vec<Server>,
    /// Work buffers, empty between calls: they keep their capacity so that draining the
    /// cluster after every call allocates nothing (never part of the world's state).
    scratch: Scratch,
}

/// What a parked consumer fetch reads of a partition's leader (`serve_fetch`): which replica
/// leads, in which epoch, whether it is up, its high watermark and log end. A leader's log and
/// the state derived from it (the last stable offset, aborted transactions) change only with
/// its log end or high watermark within one epoch (a leader never truncates its own log), so
/// while this view stays the same, a parked fetch that found nothing there finds nothing again.
/// Nor does it when only the log end grew: the new records are at or above the high watermark
/// (which bounds the last stable offset too), so no fetch returns them, and a position that
/// was within the log stays within it (`refresh_leader_views` does not count such a change).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LeaderView {
    leader: Option<NodeId>,
    epoch: u32,
    up: bool,
    high_watermark: u64,
    log_end: u64,
}

/// A partition's bit in a set of partitions (global indexes) kept in a `u64`; the partitions
/// from 63 on share the last bit (so such a set may name more partitions than it holds, never
/// fewer).
fn partition_bit(global: u16) -> u64 {
    1 << global.min(63)
}

/// Reused buffers (see `KafkaSim::scratch`); a clone or snapshot starts with empty ones.
#[derive(Debug, Default)]
struct Scratch {
    events: Vec<ClusterEvent>,
    completed: Vec<Completion>,
    available: Vec<u32>,
    expected: Vec<(u16, u64)>,
}

impl Clone for Scratch {
    fn clone(&self) -> Self {
        Scratch::default()
    }
}

/// What the transaction coordinator knows of a transactional id.
#[derive(Clone, Debug)]
struct Transaction {
    id: String,
    producer_id: u64,
    epoch: u16,
    /// The actor of its current producer.
    actor: ActorId,
    open: bool,
}

/// kafka-python's `transaction_timeout_ms` default (the Java client's too): the coordinator
/// aborts a transaction open this long.
pub const TRANSACTION_TIMEOUT_MS: u64 = 60_000;

/// The tag a copy's record carries in the cluster's logs: its id + 1 (0 is a control marker's).
fn tag_of(copy: CopyId) -> u32 {
    copy.0.saturating_add(1)
}

/// The copy a log record is (None for a control marker).
fn copy_of_tag(tag: u32) -> Option<CopyId> {
    tag.checked_sub(1).map(CopyId)
}

/// Where a program's `LoopEnd` goes back to: its `LoopStart`, else its `Poll`, else 0.
fn loop_head(program: &Program) -> u16 {
    let index = |kind: KafkaOpKind| program.main.iter().position(|o| o.kind == kind).map(|i| i as u16);
    index(KafkaOpKind::LoopStart).or_else(|| index(KafkaOpKind::Poll)).unwrap_or(0)
}

/// The node of a group's coordinator: the leader of its `__consumer_offsets` partition,
/// `abs(hashCode(group)) % 50` (`GroupCoordinator.partitionFor`), placed as topics are.
fn coordinator_node_for(group: &str, brokers: u8) -> NodeId {
    let h = java_hash(group);
    let partition = if h == i32::MIN { 0 } else { h.abs() } % OFFSETS_PARTITIONS;
    NodeId((partition as u32 % u32::from(brokers.max(1))) as u8)
}

/// Java's `String.hashCode` (UTF-16 code units, wrapping `int` arithmetic).
fn java_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

impl KafkaSim {
    /// A world for `scenario`, seeded with the scenario's seed.
    pub fn new(scenario: &KafkaScenario) -> Result<KafkaSim, ScenarioError> {
        KafkaSim::with_seed(scenario, scenario.seed)
    }

    pub fn with_seed(scenario: &KafkaScenario, seed: u64) -> Result<KafkaSim, ScenarioError> {
        scenario.validate()?;
        let topics: Vec<cluster::TopicSpec> =
            scenario.topics.iter().map(|t| cluster::TopicSpec { partitions: t.partitions, replication_factor: t.replication_factor }).collect();
        let config = ClusterConfig {
            brokers: scenario.broker.brokers,
            min_insync_replicas: scenario.broker.min_insync_replicas,
            unclean_leader_election: scenario.broker.unclean_leader_election,
            replica_lag_time_max_ms: scenario.broker.replica_lag_time_max_ms,
        };
        let cluster = Cluster::new(config, &topics).map_err(|e| ScenarioError { field: "topics".into(), problem: format!("the cluster refused the topics: {e:?}") })?;
        let coordinator = GroupCoordinator::new(scenario.topics.iter().map(|t| t.partitions).collect(), scenario.broker.group_initial_rebalance_delay_ms);
        let mut partition_base = Vec::new();
        let mut total: u16 = 0;
        for t in &scenario.topics {
            partition_base.push(total);
            total = total.saturating_add(t.partitions);
        }
        let programs: Vec<Program> = scenario.actors.iter().map(|a| program::of(scenario, a)).collect();
        let mut op_triggers = Vec::new();
        for (index, fault) in scenario.faults.iter().enumerate() {
            let (actor, op, occurrence, before) = match &fault.when {
                Trigger::AtMs(_) | Trigger::AtStep(_) => continue,
                Trigger::After { actor, op, occurrence } => (actor, op, *occurrence, false),
                Trigger::Before { actor, op, occurrence } => (actor, op, *occurrence, true),
            };
            let actor = scenario.actors.iter().position(|a| a.name() == actor.as_str()).ok_or_else(|| ScenarioError { field: format!("faults[{index}].when.actor"), problem: "no such actor".into() })?;
            let op = KAFKA_OP_NAMES.iter().position(|n| *n == op.as_str()).ok_or_else(|| ScenarioError { field: format!("faults[{index}].when.op"), problem: "no such operation".into() })?;
            op_triggers.push(OpTrigger { actor: ActorId(actor as u16), op, before, occurrence, fault: index as u16 });
        }
        let step_triggers = crate::scenario::step_triggers(&scenario.faults);
        let partitions = usize::from(total);
        let actors = scenario
            .actors
            .iter()
            .map(|a| match a {
                KafkaActorSpec::Consumer(c) => ActorRuntime::new(c.work_ms, partitions),
                KafkaActorSpec::Producer(_) => ActorRuntime::new(0, partitions),
            })
            .collect();
        // The records the producers will send (each a message, most sent once): what grows
        // with them is reserved at once rather than grown by doubling, which copies it and
        // touches twice the memory.
        let records = scenario
            .actors
            .iter()
            .map(|a| match a {
                KafkaActorSpec::Producer(p) => p.messages as usize,
                KafkaActorSpec::Consumer(_) => 0,
            })
            .sum::<usize>()
            .min(1 << 22);
        // Reserved at once: about 12 events a record (the tutorial with 3 replicas and a group:
        // sent, appended, replicated twice, the HW, acked, printed; delivered, printed,
        // processed); a run that needs more grows the trace as a vector grows.
        let trace_capacity = (records * 12).min(usize::try_from(scenario.limits.events_max).unwrap_or(usize::MAX)).min(1 << 24) + 64;
        let net = &scenario.network;
        let mut sim = KafkaSim {
            core: Core::new(scenario.limits.clone(), step_triggers, trace_capacity),
            cluster,
            coordinator,
            network: Network::new(net.latency_ms, scenario.costs.network_us, net.jitter_ms, net.reset_after_drop_ms),
            actors,
            connections: Vec::new(),
            connection_count: 0,
            rng_network: Rng::new(seed, Stream::Network),
            rng_faults: Rng::new(seed, Stream::Faults),
            rng_workload: Rng::new(seed, Stream::Workload),
            requests: Vec::new(),
            pending: VecDeque::new(),
            commits: Vec::new(),
            process_order: Default::default(),
            members: Vec::new(),
            sync_waiting: Vec::new(),
            yielded: Vec::new(),
            replication_armed: false,
            replication_busy_hint: (0, 0),
            isr_check_armed: false,
            leader_views: vec![LeaderView::default(); partitions],
            leader_views_stale: true,
            parked_fetches_recheck: true,
            coordinator_tick_at: None,
            node_incarnation: vec![0; usize::from(scenario.broker.brokers)],
            next_producer_id: 1_000,
            transactions: Vec::new(),
            coordinator_waiting: Vec::new(),
            error_details: Vec::new(),
            costs: scenario.costs,
            request_work: Vec::new(),
            scratch: Scratch::default(),
            setup: Rc::new(Setup {
                scenario: scenario.clone(),
                loop_heads: programs.iter().map(loop_head).collect(),
                send_lines: programs.iter().map(|p| p.main.iter().find(|o| o.kind == KafkaOpKind::Send).map_or(0, |o| o.line)).collect(),
                coordinator_nodes: scenario.actors.iter().map(|a| match a {
                    KafkaActorSpec::Consumer(c) => coordinator_node_for(&c.group_id, scenario.broker.brokers),
                    KafkaActorSpec::Producer(_) => NodeId(0),
                }).collect(),
                programs,
                partition_base,
                op_triggers,
                partitions,
            }),
        };
        // A message per record; a copy and a request per send, a few more for the resends
        // (room for 1 in 16: a vector that outgrew its reservation would double).
        let sends = records + records / 16;
        sim.core.ledger.messages.reserve(records);
        sim.core.checker.stats.reserve(records);
        sim.core.ledger.copies.reserve(sends);
        sim.requests.reserve(sends);
        for (runtime, spec) in sim.actors.iter_mut().zip(&scenario.actors) {
            if let KafkaActorSpec::Producer(p) = spec {
                runtime.messages.reserve((p.messages as usize).min(records));
            }
        }
        // Each replica's log: its topic's share of the records (partitions are chosen about
        // evenly), with the same room.
        for (topic, t) in scenario.topics.iter().enumerate() {
            let sent: usize = scenario.actors.iter().map(|a| match a {
                KafkaActorSpec::Producer(p) if p.topic == t.name => p.messages as usize,
                _ => 0,
            }).sum();
            let share = sent.min(records) / usize::from(t.partitions.max(1));
            for partition in 0..t.partitions {
                sim.cluster.reserve_log(TopicPartition::new(topic as u16, partition), share + share / 16);
            }
        }
        // The initial elections are the cluster's state at time 0, not events of the run.
        sim.cluster.take_events();
        for (index, fault) in scenario.faults.iter().enumerate() {
            if let Trigger::AtMs(at_ms) = fault.when {
                sim.core.schedule_at_ms(at_ms, Job::Fault { index: index as u16 });
            }
        }
        for (index, actor) in scenario.actors.iter().enumerate() {
            sim.core.schedule_at_ms(actor.start_ms(), Job::RestartActor { actor: ActorId(index as u16) });
        }
        core::fire_step_triggers(&mut sim);
        Ok(sim)
    }

    // ----- reading the world -----

    pub fn scenario(&self) -> &KafkaScenario {
        &self.setup.scenario
    }
    /// The program each actor runs (code and ops), in actor order.
    pub fn programs(&self) -> &[Program] {
        &self.setup.programs
    }
    pub fn now_ms(&self) -> u64 {
        self.core.now_ms()
    }
    /// The events this world recorded (for a snapshot: only those since it was taken).
    pub fn trace(&self) -> &[KafkaTraceEntry] {
        &self.core.trace
    }
    /// How many events the run has recorded in all, snapshots included.
    pub fn events(&self) -> usize {
        self.core.events()
    }
    /// A copy of the world without its trace: cheap to keep many of.
    pub fn snapshot(&self) -> KafkaSim {
        KafkaSim {
            setup: Rc::clone(&self.setup),
            core: self.core.snapshot(),
            cluster: self.cluster.clone(),
            coordinator: self.coordinator.clone(),
            network: self.network.clone(),
            actors: self.actors.clone(),
            connections: self.connections.clone(),
            connection_count: self.connection_count,
            rng_network: self.rng_network.clone(),
            rng_faults: self.rng_faults.clone(),
            rng_workload: self.rng_workload.clone(),
            requests: self.requests.clone(),
            pending: self.pending.clone(),
            commits: self.commits.clone(),
            process_order: self.process_order.clone(),
            members: self.members.clone(),
            sync_waiting: self.sync_waiting.clone(),
            yielded: self.yielded.clone(),
            replication_armed: self.replication_armed,
            replication_busy_hint: self.replication_busy_hint,
            isr_check_armed: self.isr_check_armed,
            leader_views: self.leader_views.clone(),
            leader_views_stale: self.leader_views_stale,
            parked_fetches_recheck: self.parked_fetches_recheck,
            coordinator_tick_at: self.coordinator_tick_at,
            node_incarnation: self.node_incarnation.clone(),
            next_producer_id: self.next_producer_id,
            transactions: self.transactions.clone(),
            coordinator_waiting: self.coordinator_waiting.clone(),
            error_details: self.error_details.clone(),
            costs: self.costs,
            request_work: self.request_work.clone(),
            scratch: Scratch::default(),
        }
    }
    pub fn ledger(&self) -> &KafkaLedger {
        &self.core.ledger
    }
    pub fn checker(&self) -> &Checker {
        &self.core.checker
    }
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    pub fn coordinator(&self) -> &GroupCoordinator {
        &self.coordinator
    }
    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn actors(&self) -> &[ActorRuntime] {
        &self.actors
    }
    pub fn finish(&self) -> Option<Finish> {
        self.core.finish
    }
    /// Is the run over (quiescent or stopped at a limit)?
    pub fn ended(&self) -> bool {
        self.core.finish.is_some()
    }
    pub fn steps(&self) -> u64 {
        self.core.steps()
    }
    /// An actor's index by name.
    pub fn actor_id(&self, name: &str) -> Option<ActorId> {
        self.setup.scenario.actors.iter().position(|a| a.name() == name).map(|i| ActorId(i as u16))
    }
    /// A member's Kafka member id (`kafka-python-3.0.12-<uuid>`).
    pub fn member_id(&self, member: MemberKey) -> Option<&str> {
        self.coordinator.member_id(member)
    }
    /// The global index of a topic's partition (as events name it).
    pub fn partition_index(&self, topic: u16, partition: u16) -> u16 {
        self.setup.partition_base.get(usize::from(topic)).copied().unwrap_or(0).saturating_add(partition)
    }
    /// The topic and partition of a global partition index.
    pub fn topic_partition(&self, global: u16) -> TopicPartition {
        let bases = &self.setup.partition_base;
        if bases.len() == 1 {
            // One topic (most scenarios): its partitions are the global indexes.
            return TopicPartition::new(0, global - bases[0].min(global));
        }
        let topic = bases.iter().rposition(|&b| b <= global).unwrap_or(0);
        TopicPartition::new(topic as u16, global - bases.get(topic).copied().unwrap_or(0))
    }

    /// The lines an actor's program printed, as Python prints them.
    pub fn terminal(&self, actor: ActorId) -> Vec<String> {
        self.core
            .trace
            .iter()
            .filter_map(|e| match e.event {
                KafkaEvent::Printed { actor: a, text, .. } if a == actor => Some(self.print_text(actor, text)),
                _ => None,
            })
            .collect()
    }

    /// A line `actor` printed, as its terminal shows it (an exception's text names the
    /// program's own timeouts and partitions).
    pub fn print_text(&self, actor: ActorId, text: TerminalText) -> String {
        let (get_timeout_ms, request_timeout_ms) = match self.setup.scenario.actors.get(actor.index()) {
            Some(KafkaActorSpec::Producer(p)) => (p.get_timeout_ms.unwrap_or(0), p.request_timeout_ms),
            _ => (0, super::scenario::REQUEST_TIMEOUT_MS_DEFAULT),
        };
        let topic_partitions: Vec<String> = match text {
            TerminalText::Error { .. } => (0..self.setup.scenario.topics.iter().map(|t| t.partitions).sum::<u16>())
                .map(|p| {
                    let tp = self.topic_partition(p);
                    format!("TopicPartition(topic='{}', partition={})", self.setup.scenario.topics[usize::from(tp.topic)].name, tp.partition)
                })
                .collect(),
            _ => Vec::new(),
        };
        text.render(&ErrorContext { get_timeout_ms, request_timeout_ms, topic_partitions: &topic_partitions, details: &self.error_details })
    }

    /// The payloads an actor printed as received, in order (all its incarnations).
    pub fn received(&self, actor: ActorId) -> Vec<u32> {
        self.core
            .trace
            .iter()
            .filter_map(|e| match e.event {
                KafkaEvent::Printed { actor: a, text: TerminalText::Received { data }, .. } if a == actor => Some(data),
                _ => None,
            })
            .collect()
    }

    /// The payloads of the records in a partition's log (its leader's, or with no leader the
    /// first replica's), in offset order.
    pub fn log_payloads(&self, partition: u16) -> Vec<u32> {
        let tp = self.topic_partition(partition);
        let Some(p) = self.cluster.partition(tp) else { return Vec::new() };
        let replica = p.leader().and_then(|l| p.replica(l)).or_else(|| p.replicas.first());
        replica
            .map(|r| r.log().iter().filter(|rec| rec.marker.is_none()).filter_map(|rec| copy_of_tag(rec.tag)).filter_map(|c| self.core.ledger.copies.get(c.index())).map(|c| self.core.ledger.messages[c.message.index()].data).collect())
            .unwrap_or_default()
    }

    /// The verdict of one message now. With one group reading its topic: the core's, except
    /// that a message still in a log at the end of the run that the group will not read is lost
    /// (see the module doc). With several groups, each group reads every record (fan-out, not
    /// duplication): the message is judged per group on that group's own prints, and the worst
    /// group's verdict is the message's (`fan_out_verdict`).
    pub fn verdict(&self, message: MessageId) -> Verdict {
        self.verdict_with(message, &self.copies_of(message))
    }

    /// The records (copies) of `message`: a scan of the ledger (`verdicts` indexes them once).
    fn copies_of(&self, message: MessageId) -> Vec<CopyId> {
        (0..self.core.ledger.copies.len() as u32).map(CopyId).filter(|&c| self.core.ledger.copy(c).message == message).collect()
    }

    /// `verdict`, given the message's records.
    fn verdict_with(&self, message: MessageId, copies: &[CopyId]) -> Verdict {
        let groups = self.groups_reading(message);
        if groups.len() > 1 {
            let prints = self.prints_by_group(message, &groups);
            if prints.iter().any(|&p| p > 0) {
                return self.fan_out_verdict(message, &groups, &prints, copies);
            }
        }
        self.unread_verdict(message, &groups, copies)
    }

    /// The core's verdict, except that a stranded message every group in `groups` has moved
    /// past is lost.
    fn unread_verdict(&self, message: MessageId, groups: &[&str], copies: &[CopyId]) -> Verdict {
        let verdict = self.per_process_order(message, self.core.verdict(message));
        if groups.is_empty() {
            return verdict;
        }
        // Mid-run: lost from the step no reader of any group will get to it (`settled`).
        let lost = match verdict {
            Verdict::Stranded => groups.iter().all(|g| self.group_passed(copies, g) == Some(true)),
            Verdict::Pending => groups.iter().all(|g| self.never_read_again(message, copies, g)),
            _ => false,
        };
        if lost { Verdict::Lost } else { verdict }
    }

    /// Whether group `group` has committed (or positioned a running consumer) past every live
    /// record among `copies` (a message's); `None` when no record of it is in a log. A running
    /// consumer that holds the record (in its loop body, or fetched and not yet yielded) is not
    /// past it, whatever its position: it may still process it.
    fn group_passed(&self, copies: &[CopyId], group: &str) -> Option<bool> {
        let group = self.coordinator.group(group);
        let mut passed = None;
        for (&id, copy) in copies.iter().map(|c| (c, self.core.ledger.copy(*c))) {
            if !copy.place.is_live() {
                continue;
            }
            // A record on its way (not yet in a log) is not behind anyone.
            let Place::Ready { queue } = copy.place else { return Some(false) };
            let partition = queue.0;
            let tp = self.topic_partition(partition);
            let committed = group.and_then(|g| self.coordinator.committed(g, tp));
            let offset = u64::from(copy.extra.offset);
            let position = self.actors.iter().filter(|r| r.status == ActorStatus::Running && group.is_some() && r.group == group).filter_map(|r| if r.holds(id) { Some(offset) } else { r.position(partition) }).max();
            let past = committed.max(position).is_some_and(|p| p > offset);
            passed = Some(passed.unwrap_or(true) && past);
        }
        passed
    }

    /// The consumer groups that read the topic `message` was produced to, in the scenario's
    /// order, each once.
    fn groups_reading(&self, message: MessageId) -> Vec<&str> {
        let producer = self.core.ledger.messages[message.index()].producer;
        let Some(topic) = self.setup.scenario.actors.get(producer.index()).map(|a| a.topic()) else { return Vec::new() };
        let mut groups: Vec<&str> = Vec::new();
        for spec in &self.setup.scenario.actors {
            if let KafkaActorSpec::Consumer(c) = spec {
                if c.topic == topic && !groups.contains(&c.group_id.as_str()) {
                    groups.push(&c.group_id);
                }
            }
        }
        groups
    }

    /// How many times each of `groups` printed `message` (its consumers' `EffectApplied`).
    fn prints_by_group(&self, message: MessageId, groups: &[&str]) -> Vec<u32> {
        let mut prints = vec![0u32; groups.len()];
        for e in &self.core.trace {
            if let KafkaEvent::EffectApplied { actor, message: m, .. } = e.event {
                if m == message {
                    if let Some(i) = self.group_id_of(actor).and_then(|g| groups.iter().position(|&x| x == g)) {
                        prints[i] += 1;
                    }
                }
            }
        }
        prints
    }

    /// How many times consumers printed each message as received, in `trace` (this world's
    /// events, or a prefix of them): a consumer prints the record its iterator yielded last.
    pub fn printed_counts(&self, trace: &[KafkaTraceEntry]) -> Vec<u32> {
        let ledger = &self.core.ledger;
        let mut printed = vec![0u32; ledger.messages.len()];
        let mut yielded: Vec<Option<CopyId>> = vec![None; self.setup.scenario.actors.len()];
        for entry in trace {
            match entry.event {
                KafkaEvent::MessageDelivered { actor, copy, .. } => {
                    if let Some(slot) = yielded.get_mut(actor.index()) {
                        *slot = Some(copy);
                    }
                }
                KafkaEvent::Printed { actor, text: TerminalText::Received { .. }, .. } => {
                    if let Some(Some(copy)) = yielded.get(actor.index()) {
                        if let Some(count) = printed.get_mut(ledger.message_of(*copy).index()) {
                            *count += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        printed
    }

    fn group_id_of(&self, actor: ActorId) -> Option<&str> {
        match self.setup.scenario.actors.get(actor.index()) {
            Some(KafkaActorSpec::Consumer(c)) => Some(c.group_id.as_str()),
            _ => None,
        }
    }

    /// A message some group printed, judged per group: printed twice or more by one group is
    /// duplicated; once is processed (out of order or redelivered as the core saw it); not at
    /// all is pending while a record of it is in a log that group has not passed and the run
    /// goes on, stranded once the run is over, lost when the group has moved past it or no
    /// record of it is left. The message's verdict is the worst group's, in the order lost,
    /// duplicated, stranded, out of order, pending, redelivered, processed once.
    fn fan_out_verdict(&self, message: MessageId, groups: &[&str], prints: &[u32], copies: &[CopyId]) -> Verdict {
        let stats = self.core.checker.stats.get(message.index()).copied().unwrap_or_default();
        let once = if stats.out_of_order && self.process_order.out_of_order(message.index()) {
            Verdict::OutOfOrder
        } else if stats.redelivered {
            Verdict::Redelivered
        } else {
            Verdict::ProcessedOnce
        };
        let rank = |v: Verdict| match v {
            Verdict::Lost => 0,
            Verdict::Duplicated => 1,
            Verdict::Stranded => 2,
            Verdict::OutOfOrder => 3,
            Verdict::Pending => 4,
            Verdict::Redelivered => 5,
            _ => 6,
        };
        let ended = self.ended();
        groups
            .iter()
            .zip(prints)
            .map(|(group, &printed)| match printed {
                0 => match self.group_passed(copies, group) {
                    Some(true) if ended || self.never_read_again(message, copies, group) => Verdict::Lost,
                    Some(true) => Verdict::Pending,
                    Some(false) if ended => Verdict::Stranded,
                    Some(false) => Verdict::Pending,
                    None if stats.held_by_producer => Verdict::Pending,
                    None => Verdict::Lost,
                },
                1 => once,
                _ => Verdict::Duplicated,
            })
            .min_by_key(|&v| rank(v))
            .unwrap_or(once)
    }

    /// Why a message has its verdict, when the verdict is bad (duplicated, lost, stranded), in
    /// Kafka's terms (`Cause::text` words it). Reads the trace: for a snapshot, only what it has.
    pub fn cause(&self, message: MessageId) -> Option<Cause> {
        let copies = self.copies_of(message);
        self.cause_with(message, self.verdict_with(message, &copies), &copies)
    }

    /// A lost record its consumer received and printed, whose offset was committed before its
    /// processing finished (a commit before processing, or the auto-commit of a CTRL+C's
    /// close()), the consumer ending before it did: why it is lost, from the trace.
    fn received_not_processed(&self, message: MessageId, copies: &[CopyId], partition: u16, offset: u32) -> Option<Cause> {
        let printed = self.printed_counts(&self.core.trace).get(message.index()).copied().unwrap_or(0);
        if printed == 0 {
            return None;
        }
        let trace = &self.core.trace;
        let (at, actor) = trace.iter().enumerate().rev().find_map(|(i, e)| match e.event {
            KafkaEvent::MessageDelivered { actor, copy, .. } if copies.contains(&copy) => Some((i, actor)),
            _ => None,
        })?;
        let stopped = trace[at..].iter().find_map(|e| match e.event {
            KafkaEvent::ActorStopped { actor: a } if a == actor => Some(true),
            KafkaEvent::ActorCrashed { actor: a } if a == actor => Some(false),
            _ => None,
        })?;
        let by_close = match self.setup.consumer(actor)?.commit {
            CommitMode::BeforeProcessing => false,
            CommitMode::Auto if stopped => true,
            _ => return None,
        };
        Some(Cause::ReceivedNotProcessed { partition, offset, printed, by_close, stopped })
    }

    /// `cause`, given the message's verdict and its records.
    fn cause_with(&self, message: MessageId, verdict: Verdict, copies: &[CopyId]) -> Option<Cause> {
        match verdict {
            // Printed once, after its record was read again (a consumer died before it
            // finished with it): the same explanation as a replay's.
            Verdict::Redelivered | Verdict::Duplicated => {
                // With several groups, only the deliveries to a group that printed it twice tell
                // why (another group's print is fan-out, not a duplicate).
                let groups = self.groups_reading(message);
                let fan_out = groups.len() > 1;
                let least = if verdict == Verdict::Duplicated { 2 } else { 1 };
                let twice: Vec<&str> = groups.iter().zip(self.prints_by_group(message, &groups)).filter(|&(_, p)| p >= least).map(|(&g, _)| g).collect();
                let counted = |actor: ActorId| !fan_out || self.group_id_of(actor).is_some_and(|g| twice.contains(&g));
                let mut delivered_copies: Vec<CopyId> = Vec::new();
                let mut replay = None;
                // Where each consumer's position came from: the group's committed offset, or
                // (none committed) `auto_offset_reset`.
                let mut positions: BTreeMap<(u16, u16), (u32, bool)> = BTreeMap::new();
                for e in &self.core.trace {
                    match e.event {
                        KafkaEvent::PositionCommitted { actor, partition, offset } => {
                            positions.insert((actor.0, partition.0), (offset, true));
                        }
                        KafkaEvent::PositionReset { actor, partition, offset, .. } => {
                            positions.insert((actor.0, partition.0), (offset, false));
                        }
                        KafkaEvent::MessageDelivered { actor, copy, partition, redelivered, .. } if copies.contains(&copy) && counted(actor) => {
                            if !delivered_copies.contains(&copy) {
                                delivered_copies.push(copy);
                            }
                            if redelivered && replay.is_none() {
                                let (from_offset, committed) = positions.get(&(actor.0, partition.0)).copied().unwrap_or((0, false));
                                let partition = self.topic_partition(partition.0).partition;
                                replay = Some(if committed { Cause::Replayed { partition, from_offset } } else { Cause::ReadFromReset { partition, from_offset } });
                            }
                        }
                        _ => {}
                    }
                }
                if delivered_copies.len() > 1 && verdict == Verdict::Duplicated {
                    Some(Cause::StoredTwice { copies: copies.iter().filter(|&&c| self.core.ledger.copy(c).extra.appended).count() as u32, by: self.resent_by(message) })
                } else {
                    replay
                }
            }
            Verdict::Lost => {
                let truncated = self.core.trace.iter().any(|e| matches!(e.event, KafkaEvent::RecordDiscarded { copy, reason: DiscardReason::Truncated | DiscardReason::NotOnLeader } if copies.contains(&copy)));
                let acked = self.core.trace.iter().any(|e| matches!(e.event, KafkaEvent::ProduceAcked { message: m, .. } if m == message));
                if let Some(&ready) = copies.iter().find(|&&c| matches!(self.core.ledger.copy(c).place, Place::Ready { .. })) {
                    let record = self.core.ledger.copy(ready);
                    let (global, offset) = (record.extra.partition, record.extra.offset);
                    let partition = self.topic_partition(global).partition;
                    // Skipped by `auto_offset_reset='latest'` (nothing committed), or by a commit.
                    let reset_past = self.core.trace.iter().any(|e| matches!(e.event, KafkaEvent::PositionReset { partition: p, offset: o, earliest: false, .. } if p.0 == global && o > offset));
                    Some(if reset_past { Cause::SkippedByLatest { partition, offset } } else { self.received_not_processed(message, copies, partition, offset).unwrap_or(Cause::Skipped { partition, offset }) })
                } else if truncated {
                    Some(Cause::Truncated { acked })
                } else if acked {
                    // acks=0: the producer was "answered" at once; the broker never appended it.
                    Some(Cause::NeverStoredUnanswered)
                } else {
                    Some(Cause::NeverStored)
                }
            }
            Verdict::Stranded => Some(self.stranded_cause(message, copies)),
            // Printed more often than processed: a consumer printed it on receipt and died
            // before its processing finished.
            Verdict::ProcessedOnce => {
                let printed = self.printed_counts(&self.core.trace).get(message.index()).copied().unwrap_or(0);
                let processed = self.core.checker.stats.get(message.index()).map_or(0, |s| s.effects);
                (printed > processed).then_some(Cause::PrintedNotProcessed { printed })
            }
            Verdict::OutOfOrder => self.order_cause(message).map(|c| self.with_takeover(message, c)),
            _ => None,
        }
    }

    /// Why a message was processed out of order: the later message of its producer printed
    /// before it was in another partition, or after it in the same partition's log.
    fn order_cause(&self, message: MessageId) -> Option<Cause> {
        let messages = &self.core.ledger.messages;
        let (producer, data) = (messages[message.index()].producer, messages[message.index()].data);
        // Per actor: the record it yielded last; per consumer process (an actor since its
        // last start), the highest payload of this producer it processed, with its partition
        // and offset: out of order is judged within a process (see `order`).
        let mut yielded: BTreeMap<u16, (u16, u32)> = BTreeMap::new();
        let mut highest: BTreeMap<u16, (u32, u16, u32)> = BTreeMap::new();
        for e in &self.core.trace {
            match e.event {
                KafkaEvent::ActorStarted { actor } | KafkaEvent::ActorRestarted { actor } => {
                    highest.remove(&actor.0);
                }
                KafkaEvent::MessageDelivered { actor, partition, offset, .. } => {
                    yielded.insert(actor.0, (partition.0, offset));
                }
                KafkaEvent::EffectApplied { actor, message: m, .. } if messages[m.index()].producer == producer => {
                    let (partition, offset) = yielded.get(&actor.0).copied()?;
                    if m == message {
                        let (later, later_partition, later_offset) = highest.get(&actor.0).copied().filter(|h| h.0 > data)?;
                        let tp = |p: u16| self.topic_partition(p).partition;
                        return Some(if later_partition != partition {
                            Cause::OtherPartition { partition: tp(partition), later, later_partition: tp(later_partition), takeover: None }
                        } else {
                            Cause::StoredAfterLater { partition: tp(partition), offset, later, later_offset }
                        });
                    }
                    let d = messages[m.index()].data;
                    if highest.get(&actor.0).is_none_or(|h| d > h.0) {
                        highest.insert(actor.0, (d, partition, offset));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Why a stranded message (`copies`, its records) is unprocessed: a running consumer
    /// still holds it in its loop body (blocked in `commit()`, or its processing unfinished);
    /// else it is unread because its partition has no live leader, it is above the high
    /// watermark, or no consumer of its group is left.
    fn stranded_cause(&self, message: MessageId, copies: &[CopyId]) -> Cause {
        let held = self.actors.iter().filter(|r| r.status == ActorStatus::Running).find_map(|r| r.current.filter(|f| copies.contains(&f.copy)).map(|f| (r, f)));
        if let Some((r, f)) = held {
            let printed = self.printed_counts(&self.core.trace).get(message.index()).copied().unwrap_or(0);
            let offset = u32::try_from(f.offset).unwrap_or(u32::MAX);
            return Cause::Held { partition: self.topic_partition(f.partition).partition, offset, printed, in_commit: r.blocked == Blocked::Commit };
        }
        // On a partition with no live leader, nobody can read it, consumers or not.
        let offline = copies.iter().map(|&c| self.core.ledger.copy(c)).find(|c| matches!(c.place, Place::Ready { .. })).map(|c| c.extra.partition).filter(|&p| {
            let tp = self.topic_partition(p);
            self.cluster.leader(tp).is_none_or(|l| !self.cluster.broker_up(l))
        });
        // Above the high watermark (not on enough replicas), no consumer may read it.
        let above_hw = copies.iter().map(|&c| self.core.ledger.copy(c)).find(|c| matches!(c.place, Place::Ready { .. })).filter(|c| {
            self.cluster.high_watermark(self.topic_partition(c.extra.partition)).is_ok_and(|hw| u64::from(c.extra.offset) >= hw)
        });
        match (offline, above_hw) {
            (Some(p), _) => Cause::Offline { partition: self.topic_partition(p).partition },
            (None, Some(c)) => Cause::AboveHighWatermark { partition: self.topic_partition(c.extra.partition).partition, offset: c.extra.offset },
            (None, None) => Cause::Unread,
        }
    }

    /// Every message's verdict, in message order.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let copies = CopiesByMessage::new(&self.core.ledger);
        (0..self.core.ledger.messages.len()).map(|i| self.verdict_with(MessageId(i as u32), copies.of(i))).collect()
    }

    /// Every message's verdict with its cause (`cause`: for a bad verdict, why), one index of
    /// the records for all of them (the report's table and outcome line).
    pub fn verdicts_and_causes(&self) -> Vec<(Verdict, Option<Cause>)> {
        self.verdicts_and_causes_of(|_| true)
    }

    /// `verdicts_and_causes` with a cause only for the verdicts `wanted` picks: a stranded
    /// message's cause reads its records only, while a duplicate's or an out-of-order one's
    /// reads the trace (each such message a pass over it), so a report of a large run asks only
    /// for what it shows.
    pub fn verdicts_and_causes_of(&self, wanted: impl Fn(Verdict) -> bool) -> Vec<(Verdict, Option<Cause>)> {
        let copies = CopiesByMessage::new(&self.core.ledger);
        (0..self.core.ledger.messages.len())
            .map(|i| {
                let message = MessageId(i as u32);
                let verdict = self.verdict_with(message, copies.of(i));
                (verdict, if wanted(verdict) { self.cause_with(message, verdict, copies.of(i)) } else { None })
            })
            .collect()
    }

    /// Every message's verdict counted; once the run is over, the records a producer's program
    /// never got to send (it died first) count as never sent (a Kafka producer's messages exist
    /// from its first `send` of each).
    pub fn verdict_counts(&self) -> VerdictCounts {
        let mut counts = VerdictCounts::default();
        for v in self.verdicts() {
            counts.add(v);
        }
        counts.never_sent += self.never_sent().len() as u32;
        counts
    }

    /// Once the run is over: per producer, the payloads its program never sent.
    pub fn never_sent(&self) -> Vec<(ActorId, u32)> {
        if !self.ended() {
            return Vec::new();
        }
        let mut missing = Vec::new();
        for (index, spec) in self.setup.scenario.actors.iter().enumerate() {
            let KafkaActorSpec::Producer(p) = spec else { continue };
            let sent = self.actors[index].messages.len() as u32;
            missing.extend((sent..p.messages).map(|data| (ActorId(index as u16), data)));
        }
        missing
    }

    pub fn label(&self) -> RunLabel {
        Checker::label(&self.verdict_counts(), self.ended())
    }

    /// Check conservation: each message's live count matches its copies, and every `Ready`
    /// copy is a record of its partition's log at its offset (on some replica).
    pub fn check_conservation(&self) -> Result<(), String> {
        let mut live = vec![0u32; self.core.ledger.messages.len()];
        for (index, copy) in self.core.ledger.copies.iter().enumerate() {
            if copy.place.is_live() {
                live[copy.message.index()] += 1;
            }
            if let Place::Ready { queue } = copy.place {
                let tp = self.topic_partition(queue.0);
                let found = self.cluster.partition(tp).is_some_and(|p| {
                    p.replicas.iter().any(|r| r.log().get(copy.extra.offset as usize).is_some_and(|rec| copy_of_tag(rec.tag) == Some(CopyId(index as u32))))
                });
                if !found {
                    return Err(format!("copy {index} is ready in partition {} at offset {}, but no replica has it there", queue.0, copy.extra.offset));
                }
            }
        }
        for (index, message) in self.core.ledger.messages.iter().enumerate() {
            if message.live_copies != live[index] {
                return Err(format!("message {index}: ledger counts {} live copies, found {}", message.live_copies, live[index]));
            }
        }
        Ok(())
    }

    // ----- driving the world -----

    /// Handle jobs until one records an event. False once the run is over.
    pub fn step(&mut self) -> bool {
        core::step_until(self, u64::MAX)
    }

    pub fn run_until(&mut self, until: Until) {
        core::run_until(self, until);
    }

    /// Inject a fault (or repair) now. Fails if it names something that does not exist.
    pub fn apply(&mut self, action: &FaultAction) -> Result<(), ScenarioError> {
        let mut probe = self.setup.scenario.clone();
        probe.faults = vec![FaultSpec { when: Trigger::AtMs(0), action: action.clone() }];
        probe.validate()?;
        if self.core.finish == Some(Finish::Quiescent) {
            self.core.finish = None;
        }
        self.perform(action);
        Ok(())
    }

    /// The time `delay_ms` from now, in µs.
    #[inline]
    fn later(&self, delay_ms: u64) -> u64 {
        self.core.later(delay_ms)
    }

    /// Schedule `job` at `at_us`.
    #[inline]
    fn schedule(&mut self, at_us: u64, job: Job) {
        self.core.schedule_us(at_us, job);
    }

    /// Schedule `job` at millisecond `at_ms` (a time the coordinator or a client's timers
    /// computed in whole milliseconds), or now if that millisecond has begun.
    #[inline]
    fn schedule_at_ms(&mut self, at_ms: u64, job: Job) {
        self.core.schedule_at_ms(at_ms, job);
    }

    /// Take the jobs `unwanted` picks off the agenda at `at_us` (the time they were scheduled at).
    #[inline]
    fn cancel(&mut self, at_us: u64, unwanted: impl Fn(&Job) -> bool) {
        self.core.agenda.cancel(at_us, unwanted);
    }

    #[inline]
    fn record(&mut self, event: KafkaEvent) {
        self.core.record(event);
    }

    /// A consumer process processed `message`: its order as that process sees it.
    fn note_effect(&mut self, actor: ActorId, message: MessageId) {
        let m = self.core.ledger.messages[message.index()];
        let epoch = self.actors[actor.index()].epoch;
        self.process_order.effect(actor.index(), epoch, m.producer.index(), message.index(), m.data);
    }

    /// The core's verdict for `message` with out of order judged per consumer process (the
    /// core compares prints of every process; Kafka orders nothing across them).
    fn per_process_order(&self, message: MessageId, verdict: Verdict) -> Verdict {
        if verdict != Verdict::OutOfOrder || self.process_order.out_of_order(message.index()) {
            return verdict;
        }
        let redelivered = self.core.checker.stats.get(message.index()).is_some_and(|s| s.redelivered);
        if redelivered { Verdict::Redelivered } else { Verdict::ProcessedOnce }
    }

    fn spec(&self, actor: ActorId) -> &KafkaActorSpec {
        &self.setup.scenario.actors[actor.index()]
    }

    fn producer_spec(&self, actor: ActorId) -> Option<&KafkaProducerSpec> {
        match self.spec(actor) {
            KafkaActorSpec::Producer(p) => Some(p),
            KafkaActorSpec::Consumer(_) => None,
        }
    }

    fn consumer_spec(&self, actor: ActorId) -> Option<&KafkaConsumerSpec> {
        match self.spec(actor) {
            KafkaActorSpec::Consumer(c) => Some(c),
            KafkaActorSpec::Producer(_) => None,
        }
    }

    fn topic_index(&self, name: &str) -> u16 {
        self.setup.scenario.topics.iter().position(|t| t.name == name).unwrap_or(0) as u16
    }

    fn alive(&self, actor: ActorId, epoch: u32) -> bool {
        let r = &self.actors[actor.index()];
        r.status == ActorStatus::Running && r.epoch == epoch
    }

    /// The connection between an actor and a node, opened on first use.
    #[inline]
    fn connection(&mut self, actor: ActorId, node: NodeId) -> ConnectionId {
        let (a, n) = (actor.index(), usize::from(node.0));
        if let Some(&Some(c)) = self.connections.get(a).and_then(|row| row.get(n)) {
            return c;
        }
        self.open_connection(actor, node)
    }

    /// `connection` the first time between them: opened now.
    #[inline(never)]
    fn open_connection(&mut self, actor: ActorId, node: NodeId) -> ConnectionId {
        let (a, n) = (actor.index(), usize::from(node.0));
        let c = ConnectionId(self.connection_count);
        self.connection_count += 1;
        self.network.open(c, self.core.now_ms());
        self.request_work.push(Server::default());
        if self.connections.len() <= a {
            self.connections.resize(a + 1, Vec::new());
        }
        let row = &mut self.connections[a];
        if row.len() <= n {
            row.resize(n + 1, None);
        }
        row[n] = Some(c);
        c
    }

    /// The network arrival time (µs) of a frame between an actor and a node (TCP order kept).
    fn arrival(&mut self, actor: ActorId, node: NodeId, to_broker: bool) -> u64 {
        let connection = self.connection(actor, node);
        self.network.arrival_us(self.core.now_us(), connection, to_broker, &mut self.rng_network)
    }

    /// When a request the actor sends the node now takes effect there (µs): it arrives, and
    /// the broker's worker for its connection has done `work_us` on it after the requests that
    /// came before it on that connection (`Costs::broker_us`, module doc "Costs").
    fn arrival_worked(&mut self, actor: ActorId, node: NodeId, work_us: u64) -> u64 {
        let at = self.arrival(actor, node, true);
        self.worked(actor, node, at, work_us)
    }

    /// When the broker's worker for the actor's connection to the node has done `work_us` on a
    /// request that reached it at `at_us`, after what came before it.
    fn worked(&mut self, actor: ActorId, node: NodeId, at_us: u64, work_us: u64) -> u64 {
        if self.costs.broker_us == 0 && self.costs.persist_us == 0 {
            // Free: arrivals on a connection come in order, so nothing waits.
            return at_us;
        }
        let connection = self.connection(actor, node);
        self.request_work[connection.index()].take(at_us, work_us)
    }

    /// The broker's work on a produce request of one record: the request, and the record
    /// written to the partition's log.
    fn produce_work_us(&self) -> u64 {
        self.costs.broker_us.saturating_add(self.costs.persist_us)
    }

    /// The scenario's random faults, while they are on (until `until_ms`).
    fn active_random_faults(&self) -> Option<&RandomFaults> {
        self.setup.scenario.random_faults.as_ref().filter(|r| self.core.now_ms() < r.until_ms)
    }

    /// Whether a frame between the actor and the node is lost now (a cut, `drop_next`, or a
    /// random loss).
    fn frame_lost(&mut self, actor: ActorId, node: NodeId, to_broker: bool) -> bool {
        let (a, n) = (Endpoint::Actor(actor), Endpoint::Node(node));
        if self.network.is_partitioned(a, n) {
            return true;
        }
        let (from, to) = if to_broker { (a, n) } else { (n, a) };
        let ratio = self.active_random_faults().map(|r| r.frame_loss);
        let random = ratio.is_some_and(|ratio| self.rng_faults.chance(ratio));
        if self.network.take_drop(from, to) || random {
            self.record(KafkaEvent::FrameDropped { from, to });
            return true;
        }
        false
    }

    /// The node of a group's coordinator: the leader of its `__consumer_offsets` partition,
    /// `abs(hashCode(group)) % 50` (`GroupCoordinator.partitionFor`), placed as topics are.
    fn coordinator_node(&self, group: &str) -> NodeId {
        coordinator_node_for(group, self.setup.scenario.broker.brokers)
    }

    fn handle(&mut self, job: Job) {
        match job {
            Job::Wake { actor, epoch } => {
                if self.alive(actor, epoch) && self.actors[actor.index()].blocked == Blocked::No {
                    self.run_actor(actor);
                }
            }
            Job::Resume { actor, epoch } => {
                if self.alive(actor, epoch) && self.actors[actor.index()].blocked != Blocked::No {
                    self.run_actor(actor);
                }
            }
            Job::RestartActor { actor } => self.restart_actor(actor),
            Job::Fault { index } => self.perform_fault_now(index),
            Job::ProduceArrives { request } => self.produce_arrives(request),
            Job::ProduceAnswer { request, result } => self.produce_answer(request, result),
            Job::RequestTimeout { request } => self.request_timeout(request),
            Job::Resend { actor, epoch } => {
                if self.alive(actor, epoch) {
                    self.send_attempt(actor);
                }
            }
            Job::GetTimeout { actor, epoch, message } => {
                let r = &self.actors[actor.index()];
                if self.alive(actor, epoch) && r.blocked == Blocked::Get && r.future.is_some_and(|f| f.message == message && f.result.is_none()) {
                    self.actors[actor.index()].blocked = Blocked::No;
                    self.raise(actor, ClientError::GetTimedOut);
                }
            }
            Job::FetchArrives { actor, epoch, seq } => {
                if self.alive(actor, epoch) && self.actors[actor.index()].fetch_seq == seq {
                    self.actors[actor.index()].fetch_parked = true;
                    self.serve_fetch(actor);
                }
            }
            Job::FetchAnswer { actor, epoch, seq } => {
                let r = &mut self.actors[actor.index()];
                if r.status == ActorStatus::Running && r.epoch == epoch && r.fetch_seq == seq {
                    r.fetch_in_flight = false;
                    self.resume(actor);
                }
            }
            Job::ToCoordinator { actor, epoch, request } => self.at_coordinator(actor, epoch, request),
            Job::FromCoordinator { actor, epoch, answer } => {
                if self.alive(actor, epoch) {
                    self.coordinator_answer(actor, answer);
                }
            }
            Job::Heartbeat { actor, epoch } => self.heartbeat(actor, epoch),
            Job::PollTimer { actor, epoch } => {
                if self.alive(actor, epoch) {
                    self.actors[actor.index()].poll_timer_at = None;
                    if self.actors[actor.index()].blocked == Blocked::Poll {
                        self.run_actor(actor);
                    }
                }
            }
            Job::PollIntervalCheck { actor, epoch, polled_ms } => self.poll_interval_check(actor, epoch, polled_ms),
            Job::CoordinatorTick => {
                self.coordinator_tick_at = None;
                self.refresh_live_members();
                let served: Vec<bool> = (0..self.group_count()).map(|g| self.group_served(GroupKey(g))).collect();
                self.coordinator.tick_where(self.core.now_ms(), &|g| served.get(usize::from(g.0)).copied().unwrap_or(true));
                self.after_coordinator();
            }
            Job::ReplicaFetch => self.replicate_round(),
            Job::IsrCheck => {
                self.isr_check_armed = false;
                self.cluster.check_isr(self.core.now_ms());
                self.after_cluster();
            }
            Job::Fence { node, incarnation } => {
                if self.node_incarnation[node.index()] == incarnation && !self.cluster.broker_up(node) && !self.cluster.broker_fenced(node) {
                    let _ = self.cluster.fence_broker(self.core.now_ms(), node);
                    self.after_cluster();
                }
            }
            Job::StartNode { node } => self.start_node(node),
            Job::TransactionTimeout { index, epoch } => {
                if self.transactions.get(usize::from(index)).is_some_and(|t| t.open && t.epoch == epoch) {
                    self.abort_transaction(usize::from(index));
                }
            }
        }
    }

    /// A blocked actor may go on: run its op again now.
    fn resume(&mut self, actor: ActorId) {
        let r = &self.actors[actor.index()];
        if r.status == ActorStatus::Running && r.blocked != Blocked::No {
            let epoch = r.epoch;
            self.schedule(self.core.now_us(), Job::Resume { actor, epoch });
        }
    }

    // ----- the cluster -----

    /// Drain what the cluster did: record its events, answer the acks=all requests that
    /// completed, discard truncated records, and wake what may go on.
    fn after_cluster(&mut self) {
        let mut elected: Vec<TopicPartition> = Vec::new();
        let mut events = std::mem::take(&mut self.scratch.events);
        self.cluster.swap_events(&mut events);
        for event in events.drain(..) {
            if let ClusterEvent::LeaderElected { topic, partition, .. } = event {
                elected.push(TopicPartition::new(topic, partition));
            }
            // What can change a leader view (`LeaderView`) other than a growing log end.
            if !matches!(event, ClusterEvent::Replicated { .. } | ClusterEvent::Appended { .. } | ClusterEvent::IsrExpanded { .. } | ClusterEvent::IsrShrunk { .. } | ClusterEvent::DuplicateBatch { .. }) {
                self.leader_views_stale = true;
            }
            let global = |s: &KafkaSim, topic: u16, partition: u16| QueueId(s.partition_index(topic, partition));
            let recorded = match event {
                ClusterEvent::LeaderElected { topic, partition, broker, epoch, clean } => Some(KafkaEvent::LeaderElected { partition: global(self, topic, partition), node: broker, epoch, clean }),
                ClusterEvent::PartitionOffline { topic, partition, .. } => Some(KafkaEvent::PartitionOffline { partition: global(self, topic, partition) }),
                ClusterEvent::IsrShrunk { topic, partition, broker, isr_size } => Some(KafkaEvent::IsrShrunk { partition: global(self, topic, partition), node: broker, isr: isr_size }),
                ClusterEvent::IsrExpanded { topic, partition, broker, isr_size } => Some(KafkaEvent::IsrExpanded { partition: global(self, topic, partition), node: broker, isr: isr_size }),
                ClusterEvent::HighWatermark { topic, partition, offset } => Some(KafkaEvent::HighWatermark { partition: global(self, topic, partition), offset }),
                ClusterEvent::Replicated { topic, partition, broker, from_offset, count } => Some(KafkaEvent::Replicated { partition: global(self, topic, partition), node: broker, from_offset, count }),
                ClusterEvent::Truncated { topic, partition, broker, from_offset, count } => Some(KafkaEvent::Truncated { partition: global(self, topic, partition), node: broker, from_offset, count }),
                ClusterEvent::BrokerFenced { broker } => Some(KafkaEvent::NodeFenced { node: broker }),
                // Recorded by the world itself, with the copy or the fault.
                ClusterEvent::TxnMarker { topic, partition, offset, commit } => Some(KafkaEvent::TxnMarkerWritten { partition: global(self, topic, partition), offset, commit }),
                ClusterEvent::Appended { .. } | ClusterEvent::DuplicateBatch { .. } | ClusterEvent::BrokerDown { .. } | ClusterEvent::BrokerUp { .. } => None,
            };
            if let Some(event) = recorded {
                self.record(event);
            }
        }
        self.scratch.events = events;
        let mut completed = std::mem::take(&mut self.scratch.completed);
        self.cluster.swap_completed(&mut completed);
        for completion in completed.drain(..) {
            let Some(slot) = self.pending.iter().position(|&(id, _)| id == completion.id.0) else { continue };
            let Some((_, request)) = self.pending.remove(slot) else { continue };
            let result = completion.result.map(|offset| offset.min(u64::from(u32::MAX)) as u32).map_err(ClientError::Broker);
            self.answer_producer(request, result);
        }
        self.scratch.completed = completed;
        for tp in elected {
            self.left_behind(tp);
        }
        let truncations = if self.cluster.has_truncated() { self.cluster.take_truncated() } else { Vec::new() };
        for truncated in truncations {
            let Some(copy) = copy_of_tag(truncated.tag) else { continue };
            let Some(record) = self.core.ledger.copies.get(copy.index()) else { continue };
            if !record.place.is_live() {
                continue;
            }
            let tp = TopicPartition::new(truncated.topic, truncated.partition);
            let kept = self.cluster.partition(tp).is_some_and(|p| {
                p.leader().and_then(|l| p.replica(l)).is_some_and(|r| r.log().get(truncated.offset as usize).is_some_and(|rec| rec.tag == truncated.tag))
            });
            if !kept {
                self.core.ledger.move_to(copy, Place::Discarded);
                self.record(KafkaEvent::RecordDiscarded { copy, reason: DiscardReason::Truncated });
            }
        }
        self.kick_replication();
        self.kick_isr_check();
        self.serve_parked_fetches();
        self.release_coordinator_requests();
    }

    /// After an election: the records of the partition that its new leader does not have are
    /// gone for the partition (the replicas that hold them will truncate them).
    fn left_behind(&mut self, tp: TopicPartition) {
        let global = self.partition_index(tp.topic, tp.partition);
        let Some(p) = self.cluster.partition(tp) else { return };
        let Some(leader) = p.leader().and_then(|l| p.replica(l)) else { return };
        let gone: Vec<CopyId> = (0..self.core.ledger.copies.len() as u32)
            .map(CopyId)
            .filter(|&c| {
                let record = self.core.ledger.copy(c);
                record.place == Place::Ready { queue: QueueId(global) }
                    && leader.log().get(record.extra.offset as usize).is_none_or(|rec| copy_of_tag(rec.tag) != Some(c))
            })
            .collect();
        for copy in gone {
            self.core.ledger.move_to(copy, Place::Discarded);
            self.record(KafkaEvent::RecordDiscarded { copy, reason: DiscardReason::NotOnLeader });
        }
    }

    /// Whether a replica can fetch from the partition's leader now (both up, not cut).
    fn can_fetch(&self, follower: NodeId, leader: NodeId) -> bool {
        follower != leader && self.cluster.broker_up(follower) && self.cluster.broker_up(leader) && !self.network.is_partitioned(Endpoint::Node(follower), Endpoint::Node(leader))
    }

    /// Whether replication has nothing left to do: every follower that can fetch has the
    /// leader's log and high watermark and is in the ISR, and the high watermark is the log end
    /// (or cannot move: the ISR is below min.insync.replicas, or a follower that cannot fetch
    /// holds it back until the ISR check removes it).
    fn replication_idle(&mut self) -> bool {
        // The partition found busy last time is most likely busy again: it is looked at first
        // (the answer does not depend on the order).
        let (t, p) = self.replication_busy_hint;
        let topics = self.cluster.partitions_by_topic();
        if topics.get(t).and_then(|ps| ps.get(p)).is_some_and(|partition| !self.partition_replication_idle(partition)) {
            return false;
        }
        for (ti, ps) in topics.iter().enumerate() {
            for (pi, partition) in ps.iter().enumerate() {
                if (ti, pi) != (t, p) && !self.partition_replication_idle(partition) {
                    self.replication_busy_hint = (ti, pi);
                    return false;
                }
            }
        }
        true
    }

    /// `replication_idle` for one partition.
    fn partition_replication_idle(&self, p: &cluster::Partition) -> bool {
        let min_isr = usize::from(self.setup.scenario.broker.min_insync_replicas);
        // The leader's replica (each broker is in a partition's replicas once).
        let Some(l) = p.leader_replica() else { return true };
        let leader = l.broker;
        if !self.cluster.broker_up(leader) {
            return true;
        }
        let mut blocked = false;
        for r in &p.replicas {
            if r.broker == leader {
                continue;
            }
            if self.can_fetch(r.broker, leader) {
                if r.log_end() != l.log_end() || r.high_watermark() != l.high_watermark() || !p.isr().contains(&r.broker) {
                    return false;
                }
            } else if p.isr().contains(&r.broker) && r.log_end() < l.log_end() {
                blocked = true;
            }
        }
        let frozen = p.isr().len() < min_isr.min(p.replicas.len());
        !(l.high_watermark() < l.log_end() && !frozen && !blocked)
    }

    fn kick_replication(&mut self) {
        if !self.replication_armed && !self.replication_idle() {
            self.replication_armed = true;
            let at = if self.costs.is_free() { self.later(REPLICA_FETCH_MS) } else { self.core.later_us(self.replica_round_us()) };
            self.schedule(at, Job::ReplicaFetch);
        }
    }

    /// With costs, the time from one replication round to the next: the followers' fetches are
    /// long polls (Kafka's `replica.fetch.wait.max.ms`: the leader answers a parked fetch as
    /// soon as it has records), so a round is the one-way trip between leader and follower
    /// (`network.latency_ms` and `network_us`) and the receiving broker's work on a request
    /// and its records (`broker_us` + `persist_us`): the records' way to the follower, then the
    /// follower's next fetch, which tells the leader what it has. At least
    /// `REPLICA_ROUND_MIN_US`.
    fn replica_round_us(&self) -> u64 {
        self.network.latency_us.saturating_add(self.produce_work_us()).max(REPLICA_ROUND_MIN_US)
    }

    /// One fetch round of every follower that can fetch (`can_fetch`).
    fn replicate_round(&mut self) {
        self.replication_armed = false;
        let network = &self.network;
        self.cluster.replicate_round(self.core.now_ms(), REPLICA_FETCH_RECORDS, |follower, leader| !network.is_partitioned(Endpoint::Node(follower), Endpoint::Node(leader)));
        self.after_cluster();
    }

    /// Arm the ISR check while an ISR follower lags behind its leader.
    fn kick_isr_check(&mut self) {
        if self.isr_check_armed {
            return;
        }
        let lagging = self.cluster.each_topic_partition().any(|tp| {
            self.cluster.partition(tp).is_some_and(|p| {
                let Some(leader) = p.leader() else { return false };
                let leo = p.replica(leader).map_or(0, |r| r.log_end());
                self.cluster.broker_up(leader) && p.replicas.iter().any(|r| r.broker != leader && p.isr().contains(&r.broker) && r.log_end() < leo)
            })
        });
        if lagging {
            self.isr_check_armed = true;
            let every = (self.setup.scenario.broker.replica_lag_time_max_ms / 2).max(1);
            self.schedule(self.later(every), Job::IsrCheck);
        }
    }

    fn start_node(&mut self, node: NodeId) {
        if self.cluster.broker_up(node) {
            return;
        }
        let _ = self.cluster.restart_broker(self.core.now_ms(), node);
        self.record(KafkaEvent::NodeStarted { node });
        // The groups it coordinates are loaded again: their members' sessions start now.
        let now = self.core.now_ms();
        for g in (0..self.group_count()).map(GroupKey) {
            if self.coordinator.group_name(g).is_some_and(|name| self.coordinator_node(name) == node) {
                self.coordinator.reload(now, g);
            }
        }
        self.after_cluster();
        self.kick_coordinator();
    }

    /// How many groups the coordinator knows.
    fn group_count(&self) -> u16 {
        (0..u16::MAX).take_while(|&g| self.coordinator.state(GroupKey(g)).is_some()).count() as u16
    }

    fn crash_node(&mut self, node: NodeId, graceful: bool, restart: bool) {
        if !self.cluster.broker_up(node) {
            return;
        }
        let now = self.core.now_ms();
        if graceful {
            let _ = self.cluster.stop_broker(now, node);
            self.record(KafkaEvent::NodeStopped { node });
        } else {
            let _ = self.cluster.crash_broker(node);
            self.record(KafkaEvent::NodeCrashed { node });
            self.node_incarnation[node.index()] += 1;
            let incarnation = self.node_incarnation[node.index()];
            self.schedule(self.later(BROKER_SESSION_TIMEOUT_MS), Job::Fence { node, incarnation });
        }
        // The clients' connections to it break: requests waiting there fail (kafka-python
        // sees the disconnect and retries).
        self.pending.retain(|&(_, r)| self.requests[r as usize].node != node);
        // Every request the producers still wait for from it fails when its connection closes
        // (the answers on their way are lost with it).
        let unanswered: Vec<u32> = (0..self.requests.len() as u32).filter(|&i| {
            let r = &self.requests[i as usize];
            r.node == node && !r.settled && self.alive(r.actor, r.epoch)
        }).collect();
        for request in unanswered {
            let r = self.requests[request as usize];
            let at = self.arrival(r.actor, node, false);
            self.schedule(at, Job::ProduceAnswer { request, result: Err(ClientError::Disconnected) });
        }
        if restart {
            let delay = self.setup.scenario.broker.restart_delay_ms;
            self.schedule(self.later(delay), Job::StartNode { node });
        }
        self.after_cluster();
        self.kick_coordinator();
    }

    // ----- producers -----

    /// The producer sends its current record (first time or again): to the partition's leader
    /// if it has a live one, else it waits for the metadata to name one.
    fn send_attempt(&mut self, actor: ActorId) {
        let Some(future) = self.actors[actor.index()].future else { return };
        if future.result.is_some() {
            return;
        }
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.producer(actor) else { return };
        let now = self.core.now_ms();
        if now >= future.first_sent_ms.saturating_add(spec.delivery_timeout_ms) {
            let error = self.delivery_timed_out(&future);
            self.fail_future(actor, error);
            return;
        }
        let tp = self.topic_partition(future.partition);
        let leader = self.cluster.leader(tp).filter(|&l| self.cluster.broker_up(l));
        let Some(node) = leader else {
            // Not sent: the batch waits in the accumulator for metadata naming a live leader.
            // The call itself is on the record once (its retries have their own events).
            if future.request.is_none() && !future.queued {
                let line = self.setup.send_lines[actor.index()];
                self.record(KafkaEvent::SendQueued { actor, message: future.message, partition: QueueId(future.partition), line });
                if let Some(f) = self.actors[actor.index()].future.as_mut() {
                    f.queued = true;
                }
            }
            let epoch = self.actors[actor.index()].epoch;
            self.schedule(self.later(spec.retry_backoff_ms.max(1)), Job::Resend { actor, epoch });
            return;
        };
        let message = future.message;
        let connection = self.connection(actor, node);
        let copy = self.core.ledger.new_copy(message, Place::ToBroker { connection }, true);
        self.core.ledger.copy_mut(copy).extra.partition = future.partition;
        let line = self.setup.send_lines[actor.index()];
        self.record(KafkaEvent::MessagePublished { actor, message, copy, line });
        let epoch = self.actors[actor.index()].epoch;
        let request = self.requests.len() as u32;
        let runtime = &self.actors[actor.index()];
        let stamp = future.sequence.map(|s| (runtime.producer_id, runtime.producer_epoch, s, runtime.txn_open));
        self.requests.push(Request { actor, epoch, copy, partition: future.partition, node, lost: false, reached: false, arrived: false, settled: false, timeout_at: 0, stamp });
        if let Some(f) = self.actors[actor.index()].future.as_mut() {
            f.request = Some(request);
        }
        if self.frame_lost(actor, node, true) {
            self.requests[request as usize].lost = true;
        } else {
            let work_us = self.produce_work_us();
            let at = self.arrival_worked(actor, node, work_us);
            self.schedule(at, Job::ProduceArrives { request });
            let ratio = self.active_random_faults().map(|r| r.frame_duplicate);
            let random = ratio.is_some_and(|ratio| self.rng_faults.chance(ratio));
            if self.network.take_duplicate(Endpoint::Actor(actor)) || random {
                // The same request arrives twice: a second record of the message (its answer
                // is not waited for).
                let twin = self.core.ledger.new_copy(message, Place::ToBroker { connection }, true);
                self.core.ledger.copy_mut(twin).extra.partition = future.partition;
                self.record(KafkaEvent::MessageDuplicated { copy: twin, from: copy });
                let mut second = self.requests[request as usize];
                second.copy = twin;
                second.settled = true;
                self.requests.push(second);
                let twin_request = self.requests.len() as u32 - 1;
                let twin_at = self.worked(actor, node, at, work_us);
                self.schedule(twin_at, Job::ProduceArrives { request: twin_request });
            }
        }
        if spec.acks == Acks::None {
            // acks=0: the future is done once the request is written (offset -1).
            self.requests[request as usize].settled = true;
            self.settle_future(actor, Ok(-1));
        } else {
            let at = self.later(spec.request_timeout_ms);
            self.requests[request as usize].timeout_at = at;
            self.schedule(at, Job::RequestTimeout { request });
        }
    }

    fn produce_arrives(&mut self, request: u32) {
        self.requests[request as usize].arrived = true;
        let r = self.requests[request as usize];
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.producer(r.actor) else { return };
        let tp = self.topic_partition(r.partition);
        let acks = match spec.acks {
            Acks::All => cluster::Acks::All,
            Acks::Leader => cluster::Acks::Leader,
            Acks::None => cluster::Acks::Zero,
        };
        let batch = r.stamp.map(|(producer_id, epoch, base_sequence, transactional)| ProducerBatch { producer_id, epoch, base_sequence, transactional });
        let now = self.core.now_ms();
        // The partition most likely busy replicating from now on (`replication_idle` looks first).
        self.replication_busy_hint = (usize::from(tp.topic), usize::from(tp.partition));
        let result = self.cluster.produce(now, r.node, tp, &[tag_of(r.copy)], acks, batch);
        match result {
            Ok(produced) => {
                self.requests[request as usize].reached = true;
                let offset = produced.base_offset.min(u64::from(u32::MAX)) as u32;
                if produced.duplicate {
                    self.core.ledger.move_to(r.copy, Place::Discarded);
                    self.record(KafkaEvent::RecordDiscarded { copy: r.copy, reason: DiscardReason::DuplicateBatch });
                } else {
                    self.core.ledger.move_to(r.copy, Place::Ready { queue: QueueId(r.partition) });
                    let extra = &mut self.core.ledger.copy_mut(r.copy).extra;
                    extra.offset = offset;
                    extra.appended = true;
                    self.record(KafkaEvent::RecordAppended { copy: r.copy, partition: QueueId(r.partition), offset, node: r.node });
                }
                match produced.status {
                    ProduceStatus::Done => self.answer_producer(request, Ok(offset)),
                    ProduceStatus::Pending(id) => {
                        self.pending.push_back((id.0, request));
                    }
                    ProduceStatus::Failed(e) => self.answer_producer(request, Err(ClientError::Broker(e))),
                }
            }
            Err(e) => {
                // Nothing appended: the copy is gone once the producer learns why from the
                // answer (at once if it no longer waits for one).
                if r.settled {
                    self.discard_unappended(request, DiscardReason::Refused);
                }
                self.answer_producer(request, Err(ClientError::Broker(e)));
            }
        }
        self.after_cluster();
    }

    /// The leader answers a produce request (acks 0 gets none).
    fn answer_producer(&mut self, request: u32, result: Result<u32, ClientError>) {
        let r = self.requests[request as usize];
        if self.producer_spec(r.actor).is_some_and(|p| p.acks == Acks::None) {
            if result.is_err() && !r.reached {
                self.discard_unappended(request, DiscardReason::Refused);
            }
            return;
        }
        if !self.alive(r.actor, r.epoch) || self.frame_lost(r.actor, r.node, false) {
            // Nobody hears it, or the network loses it: the producer's request timeout decides.
            if result.is_err() && !r.reached && !self.alive(r.actor, r.epoch) {
                self.discard_unappended(request, DiscardReason::ProducerGone);
            }
            return;
        }
        let at = self.arrival(r.actor, r.node, false);
        self.schedule(at, Job::ProduceAnswer { request, result });
    }

    /// The record of a request that was lost or refused is gone. (A request still on its way
    /// keeps its copy: it may yet be appended, after the producer gave up on it.)
    fn discard_unappended(&mut self, request: u32, reason: DiscardReason) {
        let r = self.requests[request as usize];
        let copy = r.copy;
        if (r.lost || r.arrived) && matches!(self.core.ledger.copy(copy).place, Place::ToBroker { .. }) {
            self.core.ledger.move_to(copy, Place::Discarded);
            self.record(KafkaEvent::RecordDiscarded { copy, reason });
        }
    }

    fn produce_answer(&mut self, request: u32, result: Result<u32, ClientError>) {
        let r = self.requests[request as usize];
        if r.settled || !self.alive(r.actor, r.epoch) {
            if result.is_err() {
                self.discard_unappended(request, DiscardReason::Refused);
            }
            return;
        }
        self.requests[request as usize].settled = true;
        // Its timeout will find it answered: take it off the agenda (a run of a million records
        // must not keep a million far-off timers).
        let at = r.timeout_at;
        if at > 0 {
            self.cancel(at, |job| matches!(*job, Job::RequestTimeout { request: x } if x == request));
        }
        match result {
            Ok(offset) => self.settle_future(r.actor, Ok(i32::try_from(offset).unwrap_or(i32::MAX))),
            Err(error) => self.request_failed(request, error, DiscardReason::Refused),
        }
    }

    fn request_timeout(&mut self, request: u32) {
        let r = self.requests[request as usize];
        if r.settled {
            return;
        }
        self.requests[request as usize].settled = true;
        if !self.alive(r.actor, r.epoch) {
            if r.lost {
                self.discard_unappended(request, DiscardReason::ProducerGone);
            }
            return;
        }
        self.request_failed(request, ClientError::RequestTimedOut, DiscardReason::FrameLost);
    }

    /// A request failed: retry (after `retry_backoff_ms`) or fail the future. A record that
    /// was never appended is discarded after the producer's decision is recorded (so a message
    /// the producer keeps for a retry is never counted lost in between).
    fn request_failed(&mut self, request: u32, error: ClientError, reason: DiscardReason) {
        let r = self.requests[request as usize];
        let Some(future) = self.actors[r.actor.index()].future.filter(|f| f.request == Some(request)) else {
            self.discard_unappended(request, reason);
            return;
        };
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.producer(r.actor) else { return };
        let now = self.core.now_ms();
        let retries_left = spec.retries.is_none_or(|max| future.retries_done < max);
        let within = now.saturating_add(spec.retry_backoff_ms) < future.first_sent_ms.saturating_add(spec.delivery_timeout_ms);
        if error.retriable() && retries_left && within {
            let backoff = spec.retry_backoff_ms;
            self.record(KafkaEvent::ProduceFailed { actor: r.actor, message: future.message, error, retry_in_ms: Some(backoff.min(u64::from(u32::MAX)) as u32) });
            self.discard_unappended(request, reason);
            if let Some(f) = self.actors[r.actor.index()].future.as_mut() {
                f.retries_done += 1;
                f.request = None;
            }
            let epoch = r.epoch;
            self.schedule(self.later(backoff), Job::Resend { actor: r.actor, epoch });
        } else {
            let error = if error.retriable() && !within { self.delivery_timed_out(&future) } else { error };
            self.fail_future(r.actor, error);
            self.discard_unappended(request, reason);
        }
    }

    fn delivery_timed_out(&mut self, future: &Future) -> ClientError {
        let elapsed_ms = self.core.now_ms().saturating_sub(future.first_sent_ms);
        ClientError::DeliveryTimedOut { detail: self.error_detail(ErrorDetail::Expired { partition: future.partition, elapsed_ms }) }
    }

    /// Keep an error's detail; its index (saturated: a run has far fewer errors than 65,536).
    fn error_detail(&mut self, detail: ErrorDetail) -> u16 {
        self.error_details.push(detail);
        (self.error_details.len() - 1).min(usize::from(u16::MAX)) as u16
    }

    fn fail_future(&mut self, actor: ActorId, error: ClientError) {
        let Some(future) = self.actors[actor.index()].future else { return };
        self.record(KafkaEvent::ProduceFailed { actor, message: future.message, error, retry_in_ms: None });
        self.settle_future(actor, Err(error));
    }

    fn settle_future(&mut self, actor: ActorId, result: Result<i32, ClientError>) {
        let Some(future) = self.actors[actor.index()].future.as_mut() else { return };
        future.result = Some(result);
        let (message, partition) = (future.message, future.partition);
        if let Ok(offset) = result {
            self.record(KafkaEvent::ProduceAcked { actor, message, partition: QueueId(partition), offset });
        }
        if self.actors[actor.index()].blocked == Blocked::Get {
            self.resume(actor);
        }
    }

    /// `producer.send(...)`: a new future for payload `i`, its partition chosen now.
    fn start_send(&mut self, actor: ActorId) {
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.producer(actor) else { return };
        let i = self.actors[actor.index()].loop_index;
        let data = spec.first_data.saturating_add(i);
        let message = match self.actors[actor.index()].messages.get(i as usize) {
            Some(&m) => m,
            None => {
                let m = self.core.ledger.new_message(actor, data, true, false, None);
                self.actors[actor.index()].messages.push(m);
                m
            }
        };
        let topic = self.topic_index(&spec.topic);
        let partitions = u32::from(self.cluster.partition_count(topic));
        let partition = if spec.keyed {
            partitioner::partition_for_key(data.to_string().as_bytes(), partitions).unwrap_or(0)
        } else if partitions > 1 {
            let mut available = std::mem::take(&mut self.scratch.available);
            self.cluster.available_partitions_into(topic, &mut available);
            let random = self.rng_workload.next_u64();
            let chosen = partitioner::partition_for_unkeyed(partitions, &available, random).unwrap_or(0);
            available.clear();
            self.scratch.available = available;
            chosen
        } else {
            0
        };
        let global = self.partition_index(topic, partition as u16);
        let runtime = &mut self.actors[actor.index()];
        let sequence = if spec.enable_idempotence {
            let slot = &mut runtime.sequences[usize::from(global)];
            let s = *slot;
            *slot = slot.wrapping_add(1).max(0);
            Some(s)
        } else {
            None
        };
        runtime.future = Some(Future { message, partition: global, sequence, first_sent_ms: self.core.now_ms(), retries_done: 0, request: None, result: None, queued: false });
        if spec.linger_ms > 0 || self.costs.publish_us > 0 {
            // The client serializes the record (`Costs::publish_us`), then the batch waits
            // `linger_ms` for more records before the sender sends it.
            let epoch = self.actors[actor.index()].epoch;
            self.schedule(self.later(spec.linger_ms).saturating_add(self.costs.publish_us), Job::Resend { actor, epoch });
        } else {
            self.send_attempt(actor);
        }
    }

    // ----- consumers -----

    #[inline]
    fn group_of(&mut self, actor: ActorId) -> Option<GroupKey> {
        if let Some(g) = self.actors[actor.index()].group {
            return Some(g);
        }
        self.find_group(actor)
    }

    /// `group_of` the first time: the group named by the consumer's spec, noted.
    #[inline(never)]
    fn find_group(&mut self, actor: ActorId) -> Option<GroupKey> {
        let name = self.consumer_spec(actor)?.group_id.clone();
        let g = self.coordinator.group(&name)?;
        self.actors[actor.index()].group = Some(g);
        Some(g)
    }

    fn coordinator_node_of(&self, actor: ActorId) -> NodeId {
        self.setup.coordinator_nodes.get(actor.index()).copied().unwrap_or(NodeId(0))
    }

    /// Whether the consumer can reach its coordinator: it is up, and the consumer is not cut
    /// off from its node.
    fn coordinator_reachable(&self, actor: ActorId) -> bool {
        let node = self.coordinator_node_of(actor);
        self.coordinator_up_on(node) && !self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(node))
    }

    /// Whether the coordinator placed on `node` serves: the node is up, or the controller has
    /// fenced it and another broker is up to lead `__consumer_offsets` in its place (the model
    /// keeps the coordinator's state: the new one loads it from the offsets topic). With one
    /// broker (the offsets topic then has one replica) nothing can take over: while it is down
    /// no group is served, no commit is stored, no session expires.
    fn coordinator_up_on(&self, node: NodeId) -> bool {
        let brokers = u32::from(self.setup.scenario.broker.brokers);
        self.cluster.broker_up(node) || self.cluster.broker_fenced(node) && (0..brokers).any(|b| b != u32::from(node.0) && self.cluster.broker_up(NodeId(b as u8)))
    }

    /// Whether group `g`'s coordinator serves.
    fn group_served(&self, g: GroupKey) -> bool {
        self.coordinator.group_name(g).is_none_or(|name| self.coordinator_up_on(self.coordinator_node(name)))
    }

    fn send_to_coordinator(&mut self, actor: ActorId, request: CoordRequest) {
        let node = self.coordinator_node_of(actor);
        let epoch = self.actors[actor.index()].epoch;
        let at = self.arrival_worked(actor, node, self.costs.broker_us);
        self.schedule(at, Job::ToCoordinator { actor, epoch, request });
    }

    fn answer_from_coordinator(&mut self, actor: ActorId, epoch: u32, answer: CoordAnswer) {
        let node = self.coordinator_node_of(actor);
        let at = self.arrival(actor, node, false);
        self.schedule(at, Job::FromCoordinator { actor, epoch, answer });
    }

    fn member_settings(&self, actor: ActorId) -> MemberSettings {
        let c = self.consumer_spec(actor).expect("a consumer");
        MemberSettings { session_timeout_ms: c.session_timeout_ms, rebalance_timeout_ms: c.max_poll_interval_ms, topics: vec![self.topic_index(&c.topic)] }
    }

    fn at_coordinator(&mut self, actor: ActorId, epoch: u32, request: CoordRequest) {
        if !self.coordinator_reachable(actor) {
            // Refused or cut off: the client keeps retrying (with backoff) until it gets
            // through; the request waits here and goes on when the coordinator can be reached
            // (a heal, a fencing that fails the coordinator over, a restart).
            if matches!(request, CoordRequest::Leave { .. }) || self.alive(actor, epoch) {
                self.coordinator_waiting.push((actor, epoch, request));
            }
            return;
        }
        let now = self.core.now_ms();
        match request {
            CoordRequest::Leave { member } => {
                let _ = self.coordinator.leave(now, member);
            }
            _ if !self.alive(actor, epoch) => return,
            CoordRequest::Join => {
                let member = self.actors[actor.index()].member;
                let rejoined = member.is_some_and(|m| self.coordinator.rejoin(now, m).is_ok());
                if rejoined {
                    // A stable (or completing) group answers a follower's rejoin with its
                    // current generation; a rebalance answers at the end of its join phase.
                    let group = self.group_of(actor);
                    if let Some(g) = group {
                        if self.coordinator.state(g) != Some(super::group::GroupState::PreparingRebalance) {
                            let generation = self.coordinator.generation(g).unwrap_or(0);
                            self.answer_from_coordinator(actor, epoch, CoordAnswer::JoinCompleted { generation });
                        }
                    }
                } else {
                    let group = self.consumer_spec(actor).expect("a consumer").group_id.clone();
                    let uuid = (u128::from(self.rng_workload.next_u64()) << 64) | u128::from(self.rng_workload.next_u64());
                    let settings = self.member_settings(actor);
                    // Register who the member is before its events are drained.
                    let key = MemberKey(self.members.len() as u32);
                    self.members.push((actor, epoch));
                    match self.coordinator.join(now, &group, CLIENT_ID, uuid, settings) {
                        Ok(k) => {
                            debug_assert_eq!(k, key);
                            self.actors[actor.index()].member = Some(k);
                            self.group_of(actor);
                        }
                        Err(_) => {
                            self.members.pop();
                        }
                    }
                }
            }
            CoordRequest::Sync { generation } => {
                let Some(member) = self.actors[actor.index()].member else { return };
                match self.coordinator.sync(now, member, generation) {
                    Ok(SyncOutcome::Assigned(_)) => self.answer_from_coordinator(actor, epoch, CoordAnswer::Assigned { generation }),
                    Ok(SyncOutcome::Waiting) => self.sync_waiting.push((member, generation)),
                    Err(_) => self.answer_from_coordinator(actor, epoch, CoordAnswer::Rejoin),
                }
            }
            CoordRequest::Find => {
                let at = self.arrival(actor, self.coordinator_node_of(actor), false);
                let r = &mut self.actors[actor.index()];
                if r.poll_timer_at.is_none_or(|t| t > at) {
                    r.poll_timer_at = Some(at);
                    self.schedule(at, Job::PollTimer { actor, epoch });
                }
            }
            CoordRequest::Commit { id, .. } => {
                let member = self.actors[actor.index()].member;
                let generation = self.actors[actor.index()].generation;
                let (group, offsets) = self.commits[id as usize].clone();
                let name = self.coordinator.group_name(group).unwrap_or_default().to_string();
                let ok = self.coordinator.commit(&name, member, generation, &offsets).is_ok();
                self.answer_from_coordinator(actor, epoch, CoordAnswer::Committed { id, ok });
            }
        }
        self.after_coordinator();
    }

    /// Drain what the coordinator did: record it, answer joins and waiting syncs, tell live
    /// members of a rebalance at their next heartbeat.
    fn after_coordinator(&mut self) {
        for event in self.coordinator.take_events() {
            let actor_of = |s: &KafkaSim, m: MemberKey| s.members.get(m.0 as usize).copied();
            match event {
                GroupEvent::MemberJoined { group, member } => {
                    if let Some((actor, _)) = actor_of(self, member) {
                        self.record(KafkaEvent::MemberJoined { actor, group: group.0, member: member.0 });
                    }
                }
                GroupEvent::RebalanceStarted { group, generation, reason, .. } => {
                    self.record(KafkaEvent::RebalanceStarted { group: group.0, generation: generation.max(0) as u32, reason });
                    let members: Vec<MemberKey> = self.coordinator.members(group).to_vec();
                    // A SyncGroup waiting for the leader's is answered REBALANCE_IN_PROGRESS.
                    let waiting = std::mem::take(&mut self.sync_waiting);
                    for (member, g) in waiting {
                        if !members.contains(&member) {
                            self.sync_waiting.push((member, g));
                        } else if let Some((actor, epoch)) = actor_of(self, member) {
                            if self.alive(actor, epoch) {
                                self.answer_from_coordinator(actor, epoch, CoordAnswer::Rejoin);
                            }
                        }
                    }
                    for m in members {
                        if let Some((actor, epoch)) = actor_of(self, m) {
                            self.schedule_heartbeat(actor, epoch);
                        }
                    }
                }
                GroupEvent::JoinCompleted { group, generation, member, leader } => {
                    if let Some((actor, epoch)) = actor_of(self, member) {
                        if self.alive(actor, epoch) && self.actors[actor.index()].member == Some(member) {
                            self.record(KafkaEvent::JoinCompleted { actor, group: group.0, generation: generation.max(0) as u32, leader });
                            self.answer_from_coordinator(actor, epoch, CoordAnswer::JoinCompleted { generation });
                        }
                    }
                }
                GroupEvent::Assigned { .. } => {}
                GroupEvent::Stabilized { group, generation, members } => {
                    self.record(KafkaEvent::GroupStabilized { group: group.0, generation: generation.max(0) as u32, members });
                    let waiting: Vec<(MemberKey, i32)> = std::mem::take(&mut self.sync_waiting);
                    for (member, g) in waiting {
                        let in_group = self.coordinator.members(group).contains(&member);
                        if !in_group {
                            self.sync_waiting.push((member, g));
                            continue;
                        }
                        if let Some((actor, epoch)) = actor_of(self, member) {
                            let answer = if g == generation { CoordAnswer::Assigned { generation } } else { CoordAnswer::Rejoin };
                            if self.alive(actor, epoch) {
                                self.answer_from_coordinator(actor, epoch, answer);
                            }
                        }
                    }
                }
                GroupEvent::GroupEmpty { group, generation } => self.record(KafkaEvent::GroupEmptied { group: group.0, generation: generation.max(0) as u32 }),
                GroupEvent::MemberLeft { group, member } => self.record(KafkaEvent::MemberLeft { group: group.0, member: member.0 }),
                GroupEvent::MemberExpired { group, member } => {
                    self.record(KafkaEvent::SessionExpired { group: group.0, member: member.0 });
                    self.member_removed(member);
                }
                GroupEvent::MemberKicked { group, member } => {
                    self.record(KafkaEvent::MemberKicked { group: group.0, member: member.0 });
                    self.member_removed(member);
                }
                GroupEvent::OffsetCommitted { group, topic, partition, offset } => {
                    let global = self.partition_index(topic, partition);
                    self.record(KafkaEvent::OffsetCommitted { group: group.0, partition: QueueId(global), offset });
                }
            }
        }
        self.kick_coordinator();
    }

    /// A live consumer whose member was removed learns it at its next heartbeat.
    fn member_removed(&mut self, member: MemberKey) {
        if let Some(&(actor, epoch)) = self.members.get(member.0 as usize) {
            self.schedule_heartbeat(actor, epoch);
        }
    }

    /// Whether the coordinator has a deadline that matters: a join phase going on, or a member
    /// whose process is dead or cut off (its session will expire).
    fn coordinator_busy(&self) -> bool {
        let groups = (0..u16::MAX).map(GroupKey).take_while(|g| self.coordinator.state(*g).is_some());
        for g in groups {
            match self.coordinator.state(g) {
                Some(super::group::GroupState::Stable) | Some(super::group::GroupState::Empty) => {}
                _ => return true,
            }
            for &m in self.coordinator.members(g) {
                let Some(&(actor, epoch)) = self.members.get(m.0 as usize) else { return true };
                let cut = self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(self.coordinator_node_of(actor)));
                if !self.alive(actor, epoch) || cut {
                    return true;
                }
            }
        }
        false
    }

    fn kick_coordinator(&mut self) {
        if !self.coordinator_busy() {
            return;
        }
        let served: Vec<bool> = (0..self.group_count()).map(|g| self.group_served(GroupKey(g))).collect();
        let Some(deadline) = self.coordinator.next_deadline_where(&|g| served.get(usize::from(g.0)).copied().unwrap_or(true)) else { return };
        let at = deadline.saturating_mul(1000).max(self.core.now_us());
        if self.coordinator_tick_at.is_none_or(|t| at < t) {
            self.coordinator_tick_at = Some(at);
            self.schedule(at, Job::CoordinatorTick);
        }
    }

    /// The last tick of a consumer's heartbeat thread at or before now.
    fn last_heartbeat_tick(&self, actor: ActorId) -> u64 {
        let r = &self.actors[actor.index()];
        let interval = self.consumer_spec(actor).map_or(3_000, |c| c.heartbeat_interval_ms).max(1);
        let now = self.core.now_ms();
        let origin = r.heartbeat_origin_ms.min(now);
        origin + (now - origin) / interval * interval
    }

    /// The heartbeat threads of live consumers not cut off from their coordinator heartbeated
    /// on time: their sessions are refreshed to their last tick before any expiry is judged.
    /// (While the coordinator's node is down, the coordinator that takes over restarts every
    /// member's session timer when it loads the group, so a dead coordinator expires no one.)
    fn refresh_live_members(&mut self) {
        for index in 0..self.actors.len() {
            let actor = ActorId(index as u16);
            let r = &self.actors[index];
            let (Some(member), ActorStatus::Running, Phase::Assigned) = (r.member, r.status, r.phase) else { continue };
            if !self.coordinator_reachable(actor) {
                continue;
            }
            let generation = r.generation;
            let tick = self.last_heartbeat_tick(actor);
            let _ = self.coordinator.heartbeat(tick, member, generation);
        }
    }

    /// The consumer's heartbeat thread will heartbeat at its next tick (to learn of a
    /// rebalance, or that it was removed).
    fn schedule_heartbeat(&mut self, actor: ActorId, epoch: u32) {
        if !self.alive(actor, epoch) || self.actors[actor.index()].heartbeat_scheduled {
            return;
        }
        let interval = self.consumer_spec(actor).map_or(3_000, |c| c.heartbeat_interval_ms).max(1);
        let at = self.last_heartbeat_tick(actor) + interval;
        self.actors[actor.index()].heartbeat_scheduled = true;
        self.schedule_at_ms(at, Job::Heartbeat { actor, epoch });
    }

    fn heartbeat(&mut self, actor: ActorId, epoch: u32) {
        if !self.alive(actor, epoch) {
            return;
        }
        self.actors[actor.index()].heartbeat_scheduled = false;
        let r = &self.actors[actor.index()];
        let (Some(member), generation, phase) = (r.member, r.generation, r.phase) else { return };
        if phase == Phase::Joining || phase == Phase::Syncing {
            // The heartbeat thread is paused while the consumer (re)joins.
            return;
        }
        if !self.coordinator_reachable(actor) {
            return;
        }
        let now = self.core.now_ms();
        match self.coordinator.heartbeat(now, member, generation) {
            Ok(()) => {}
            Err(GroupError::RebalanceInProgress) => {
                self.actors[actor.index()].rejoin_needed = true;
                self.resume(actor);
            }
            Err(_) => {
                let r = &mut self.actors[actor.index()];
                r.member = None;
                r.rejoin_needed = true;
                r.phase = Phase::Out;
                self.resume(actor);
            }
        }
        self.after_coordinator();
    }

    fn poll_interval_check(&mut self, actor: ActorId, epoch: u32, polled_ms: u64) {
        if !self.alive(actor, epoch) {
            return;
        }
        let r = &self.actors[actor.index()];
        if r.last_poll_ms != polled_ms || r.blocked == Blocked::Poll {
            return;
        }
        let Some(member) = r.member else { return };
        // kafka-python's heartbeat thread: "consumer poll timeout has expired... leaving group".
        // `maybe_leave_group` sends LeaveGroup only to a coordinator it knows; one that is down
        // (or cut off) never gets it, and the group stays as it is (the member's session
        // expires once the coordinator serves again). The consumer forgets its membership
        // either way (`reset_generation`).
        self.record(KafkaEvent::PollIntervalExceeded { actor });
        if self.coordinator_reachable(actor) {
            let _ = self.coordinator.leave(self.core.now_ms(), member);
        }
        let r = &mut self.actors[actor.index()];
        r.member = None;
        r.rejoin_needed = true;
        r.phase = Phase::Out;
        self.after_coordinator();
    }

    fn coordinator_answer(&mut self, actor: ActorId, answer: CoordAnswer) {
        match answer {
            CoordAnswer::JoinCompleted { generation } => {
                let r = &mut self.actors[actor.index()];
                if r.phase != Phase::Joining {
                    return;
                }
                r.generation = generation;
                r.phase = Phase::Syncing;
                r.heartbeat_origin_ms = self.core.now_ms();
                self.send_to_coordinator(actor, CoordRequest::Sync { generation });
            }
            CoordAnswer::Assigned { generation } => {
                let r = &self.actors[actor.index()];
                if r.phase != Phase::Syncing || r.generation != generation {
                    return;
                }
                let Some(member) = r.member else { return };
                let owned: Vec<u16> = self.coordinator.assignment(member).iter().map(|tp| self.partition_index(tp.topic, tp.partition)).collect();
                let interval = self.consumer_spec(actor).map_or(AUTO_COMMIT_INTERVAL_MS_DEFAULT, |c| c.auto_commit_interval_ms);
                let now = self.core.now_ms();
                let r = &mut self.actors[actor.index()];
                // kafka-python's `_on_join_complete_async`: "reschedule the auto commit starting
                // from now" (the Java client's onJoinComplete does the same).
                r.next_auto_commit_ms = now.saturating_add(interval);
                r.phase = Phase::Assigned;
                r.rejoin_needed = false;
                r.assignment = owned.clone();
                r.heartbeat_origin_ms = self.core.now_ms();
                self.parked_fetch_changed(actor);
                for p in owned {
                    self.record(KafkaEvent::PartitionAssigned { actor, partition: QueueId(p), generation: generation.max(0) as u32 });
                }
                self.resume(actor);
            }
            CoordAnswer::Rejoin => {
                let r = &mut self.actors[actor.index()];
                r.phase = Phase::Out;
                r.rejoin_needed = true;
                self.resume(actor);
            }
            CoordAnswer::Committed { id, ok } => {
                let r = &mut self.actors[actor.index()];
                if r.auto_commit_in_flight == Some(id) {
                    r.auto_commit_in_flight = None;
                    // A consumer waiting in poll may have more to commit at its next deadline.
                    if r.blocked == Blocked::Poll {
                        self.resume(actor);
                    }
                }
                let r = &mut self.actors[actor.index()];
                if r.commit_wait == Some(id) {
                    r.commit_ok = Some(ok);
                    self.resume(actor);
                }
                if !ok {
                    self.record(KafkaEvent::CommitRefused { actor });
                }
            }
        }
    }

    /// The positions to commit: every owned partition with a position that differs from the
    /// group's committed offset.
    fn offsets_to_commit(&mut self, actor: ActorId) -> Vec<(TopicPartition, u64)> {
        let Some(group) = self.group_of(actor) else { return Vec::new() };
        let r = &self.actors[actor.index()];
        let mut offsets = Vec::new();
        for &p in &r.assignment {
            if let Some(position) = r.position(p) {
                let tp = self.topic_partition(p);
                if self.coordinator.committed(group, tp) != Some(position) {
                    offsets.push((tp, position));
                }
            }
        }
        offsets
    }

    /// Whether `offsets_to_commit` would find any (without collecting them).
    fn has_offsets_to_commit(&mut self, actor: ActorId) -> bool {
        let Some(group) = self.group_of(actor) else { return false };
        let r = &self.actors[actor.index()];
        r.assignment.iter().any(|&p| r.position(p).is_some_and(|position| self.coordinator.committed(group, self.topic_partition(p)) != Some(position)))
    }

    /// Send an OffsetCommit of the consumer's positions; returns its id (None: nothing to commit).
    fn send_commit(&mut self, actor: ActorId, auto: bool, sync: bool) -> Option<u32> {
        let offsets = self.offsets_to_commit(actor);
        let group = self.group_of(actor)?;
        if offsets.is_empty() || self.actors[actor.index()].member.is_none() {
            return None;
        }
        let id = self.commits.len() as u32;
        self.commits.push((group, offsets));
        if auto && !sync {
            self.actors[actor.index()].auto_commit_in_flight = Some(id);
        }
        self.record(KafkaEvent::CommitSent { actor, auto });
        self.send_to_coordinator(actor, CoordRequest::Commit { id, sync });
        Some(id)
    }

    /// The consumer gives up its partitions for a rebalance (eager: all), committing first
    /// with auto-commit (`ConsumerCoordinator.onJoinPrepare`), then sends JoinGroup.
    fn start_join(&mut self, actor: ActorId) {
        let auto = self.consumer_spec(actor).is_some_and(|c| c.commit == CommitMode::Auto);
        if auto && self.actors[actor.index()].phase == Phase::Assigned {
            self.send_commit(actor, true, false);
        }
        let r = &mut self.actors[actor.index()];
        let revoked = r.assignment.len();
        r.assignment.clear();
        for p in r.positions.iter_mut() {
            *p = None;
        }
        r.buffer.clear();
        r.fetch_in_flight = false;
        r.fetch_parked = false;
        r.fetch_result = None;
        r.fetch_seq = r.fetch_seq.wrapping_add(1);
        r.phase = Phase::Joining;
        r.rejoin_needed = false;
        if revoked > 0 {
            self.record(KafkaEvent::PartitionsRevoked { actor, count: revoked as u16 });
        }
        self.record(KafkaEvent::JoinSent { actor });
        self.send_to_coordinator(actor, CoordRequest::Join);
    }

    /// Positions for owned partitions that have none: the group's committed offset, else
    /// `auto_offset_reset` (OffsetFetch and ListOffsets, answered at once).
    /// With `auto_offset_reset='none'` and no committed offset, kafka-python raises
    /// NoOffsetForPartitionError from the poll.
    #[inline]
    fn fetch_positions(&mut self, actor: ActorId) -> Result<(), ClientError> {
        let Some(group) = self.group_of(actor) else { return Ok(()) };
        let r = &self.actors[actor.index()];
        if r.assignment.iter().all(|&p| r.position(p).is_some()) {
            // Every owned partition has its position (each poll but the first after a join).
            return Ok(());
        }
        self.fetch_missing_positions(actor, group)
    }

    /// `fetch_positions` when an owned partition has no position.
    #[inline(never)]
    fn fetch_missing_positions(&mut self, actor: ActorId, group: GroupKey) -> Result<(), ClientError> {
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.consumer(actor) else { return Ok(()) };
        let isolation = match spec.isolation_level {
            IsolationLevel::ReadUncommitted => Isolation::ReadUncommitted,
            IsolationLevel::ReadCommitted => Isolation::ReadCommitted,
        };
        let owned = self.actors[actor.index()].assignment.clone();
        // kafka-python sets the committed positions first, then raises one
        // NoOffsetForPartitionError naming every partition left without one.
        let mut missing: Vec<u16> = Vec::new();
        for p in owned {
            if self.actors[actor.index()].position(p).is_some() {
                continue;
            }
            let tp = self.topic_partition(p);
            let offset = match self.coordinator.committed(group, tp) {
                Some(committed) => {
                    self.record(KafkaEvent::PositionCommitted { actor, partition: QueueId(p), offset: committed.min(u64::from(u32::MAX)) as u32 });
                    committed
                }
                None => {
                    let (offset, earliest) = match spec.auto_offset_reset {
                        OffsetReset::Earliest => (self.cluster.log_start(tp).unwrap_or(0), true),
                        OffsetReset::Latest => (self.cluster.latest_offset(tp, isolation).unwrap_or(0), false),
                        OffsetReset::None => {
                            missing.push(p);
                            continue;
                        }
                    };
                    self.record(KafkaEvent::PositionReset { actor, partition: QueueId(p), offset: offset.min(u64::from(u32::MAX)) as u32, earliest });
                    offset
                }
            };
            self.actors[actor.index()].positions[usize::from(p)] = Some(offset);
            self.parked_fetch_changed(actor);
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ClientError::NoOffsetForPartition { detail: self.error_detail(ErrorDetail::NoOffset { partitions: missing }) })
        }
    }

    /// A parked fetch: answer it if some owned partition has records for it now.
    fn serve_fetch(&mut self, actor: ActorId) {
        let r = &self.actors[actor.index()];
        if !r.fetch_parked || r.status != ActorStatus::Running {
            return;
        }
        // Most checks find nothing for any owned partition: the loop below would skip them all
        // and change nothing, so return before it (the same conditions, read only).
        let idle = r.assignment.iter().all(|&p| {
            let Some(position) = r.position(p) else { return true };
            let tp = self.topic_partition(p);
            self.cluster.fetch_is_idle(tp, position, |leader| self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(leader)))
        });
        if idle {
            return;
        }
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.consumer(actor) else { return };
        let isolation = match spec.isolation_level {
            IsolationLevel::ReadUncommitted => Isolation::ReadUncommitted,
            IsolationLevel::ReadCommitted => Isolation::ReadCommitted,
        };
        let mut records = Vec::new();
        let mut budget = spec.max_poll_records as usize;
        let mut answer_node = None;
        // The owned partitions in order (nothing below changes the assignment).
        for index in 0..r.assignment.len() {
            let p = self.actors[actor.index()].assignment[index];
            let Some(position) = self.actors[actor.index()].position(p) else { continue };
            let tp = self.topic_partition(p);
            let Some(leader) = self.cluster.leader(tp) else { continue };
            if self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(leader)) {
                continue;
            }
            // A leader that is down, or a position at the high watermark, is answered below
            // with an error or no records: nothing changes for them.
            if records.capacity() == 0 {
                records = std::mem::take(&mut self.actors[actor.index()].spare_records);
            }
            let fetched = self.cluster.fetch_each(leader, tp, position, isolation, budget, |rec| {
                if let Some(copy) = copy_of_tag(rec.tag) {
                    records.push(Fetched { partition: p, offset: rec.offset, copy });
                }
            });
            match fetched {
                Ok(_) => {
                    budget = spec.max_poll_records as usize - records.len().min(spec.max_poll_records as usize);
                    if !records.is_empty() && answer_node.is_none() {
                        answer_node = Some(leader);
                    }
                }
                Err(KafkaError::OffsetOutOfRange) => {
                    // The position is past the log end (a truncation): reset it.
                    self.actors[actor.index()].positions[usize::from(p)] = None;
                    self.parked_fetches_recheck = true;
                    // (With 'none' the next poll raises.)
                    let _ = self.fetch_positions(actor);
                }
                Err(_) => {}
            }
            if budget == 0 {
                break;
            }
        }
        let Some(node) = answer_node else {
            if records.capacity() > 0 {
                self.actors[actor.index()].spare_records = records;
            }
            return;
        };
        let r = &mut self.actors[actor.index()];
        r.fetch_parked = false;
        r.fetch_result = Some(records);
        let (epoch, seq) = (r.epoch, r.fetch_seq);
        let at = self.arrival(actor, node, false);
        self.schedule(at, Job::FetchAnswer { actor, epoch, seq });
    }

    /// Requests that waited for their coordinator go on once it can be reached.
    fn release_coordinator_requests(&mut self) {
        if self.coordinator_waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.coordinator_waiting);
        for (actor, epoch, request) in waiting {
            if self.coordinator_reachable(actor) {
                let node = self.coordinator_node_of(actor);
                let at = self.arrival_worked(actor, node, self.costs.broker_us);
                self.schedule(at, Job::ToCoordinator { actor, epoch, request });
            } else {
                self.coordinator_waiting.push((actor, epoch, request));
            }
        }
    }

    /// Serve the parked fetches that may find records now, in actor order: all of them after a
    /// recheck was asked for, else those owning a partition whose leader view changed (the
    /// others would read what they read when they were last served, and find nothing again).
    fn serve_parked_fetches(&mut self) {
        // Taken first: serving may ask again (a position reset without an answer).
        let recheck = std::mem::take(&mut self.parked_fetches_recheck);
        // Events the cluster has not handed over yet may tell of a change too.
        let stale = std::mem::take(&mut self.leader_views_stale) || self.cluster.has_events();
        let changed = if stale { self.refresh_leader_views() } else { 0 };
        if !recheck && changed == 0 {
            return;
        }
        for index in 0..self.actors.len() {
            let r = &self.actors[index];
            if r.fetch_parked && (recheck || r.assignment.iter().any(|&p| changed & partition_bit(p) != 0)) {
                self.serve_fetch(ActorId(index as u16));
            }
        }
    }

    /// Update `leader_views` from the cluster; the `partition_bit`s of those that changed.
    fn refresh_leader_views(&mut self) -> u64 {
        let cluster = &self.cluster;
        let mut changed = 0;
        let mut global = 0;
        let views = &mut self.leader_views;
        for p in cluster.partitions_by_topic().iter().flat_map(|t| t.iter()) {
            let Some(slot) = views.get_mut(global) else { break };
            let leader = p.leader_replica();
            let view = LeaderView {
                leader: leader.map(|r| r.broker),
                epoch: p.leader_epoch,
                up: leader.is_some_and(|r| cluster.broker_up(r.broker)),
                high_watermark: leader.map_or(0, |r| r.high_watermark()),
                log_end: leader.map_or(0, |r| r.log_end()),
            };
            if *slot != view {
                // A log end that only grew changes no parked fetch's answer (`LeaderView`): the
                // common case, a produce request appended.
                let grown = LeaderView { log_end: slot.log_end, ..view } == *slot && view.log_end > slot.log_end;
                *slot = view;
                if !grown {
                    changed |= partition_bit(global as u16);
                }
            }
            global += 1;
        }
        changed
    }

    /// A consumer changed what its fetch asks for (positions, assignment): if the fetch is
    /// parked, serve the parked fetches again at the next cluster call.
    fn parked_fetch_changed(&mut self, actor: ActorId) {
        if self.actors[actor.index()].fetch_parked {
            self.parked_fetches_recheck = true;
        }
    }

    /// The iterator yields the next record it has, or polls. Re-entrant: runs again when what
    /// it waits for comes.
    fn poll(&mut self, actor: ActorId) -> Flow {
        let now = self.core.now_ms();
        // The iterator yields the rest of the last poll's records without polling again.
        if let Some(record) = self.actors[actor.index()].buffer.pop_front() {
            return self.yield_record(actor, record);
        }
        // `poll()` itself: `max_poll_interval_ms` counts from here.
        self.actors[actor.index()].last_poll_ms = now;
        self.actors[actor.index()].poll_wait_since.get_or_insert(now);
        let setup = Rc::clone(&self.setup);
        let Some(spec) = setup.consumer(actor) else { return Flow::Stop };
        // Inside poll(): the coordinator first (ensure_active_group), then auto-commit, then fetch.
        let r = &self.actors[actor.index()];
        if r.phase == Phase::Joining || r.phase == Phase::Syncing {
            return Flow::Block;
        }
        if r.member.is_none() || r.rejoin_needed || r.phase == Phase::Out {
            self.start_join(actor);
            return Flow::Block;
        }
        if let Err(error) = self.fetch_positions(actor) {
            return Flow::Raise(error);
        }
        if spec.commit == CommitMode::Auto {
            self.maybe_auto_commit(actor, spec.auto_commit_interval_ms);
        }
        if let Some(mut records) = self.actors[actor.index()].fetch_result.take() {
            let r = &mut self.actors[actor.index()];
            // Only records at or past the positions of owned partitions (the offsets in between
            // are control markers and aborted records, which the fetch skipped). Per partition
            // of the answer (a few): the next offset expected.
            let expected = &mut self.scratch.expected;
            expected.clear();
            for rec in records.drain(..) {
                let slot = match expected.iter().position(|&(p, _)| p == rec.partition) {
                    Some(slot) => slot,
                    None => {
                        expected.push((rec.partition, r.positions.get(usize::from(rec.partition)).copied().flatten().unwrap_or(u64::MAX)));
                        expected.len() - 1
                    }
                };
                if rec.offset >= expected[slot].1 && r.assignment.contains(&rec.partition) {
                    r.buffer.push_back(rec);
                    expected[slot].1 = rec.offset + 1;
                }
            }
            expected.clear();
            r.spare_records = records;
            if let Some(record) = self.actors[actor.index()].buffer.pop_front() {
                return self.yield_record(actor, record);
            }
            // Nothing usable in the answer: wait at the broker for the log to change rather
            // than fetch the same records again at once.
            let r = &mut self.actors[actor.index()];
            r.fetch_in_flight = true;
            r.fetch_parked = true;
            self.parked_fetches_recheck = true;
            return Flow::Block;
        }
        let r = &mut self.actors[actor.index()];
        if !r.fetch_in_flight {
            r.fetch_in_flight = true;
            r.fetch_parked = false;
            r.fetch_seq = r.fetch_seq.wrapping_add(1);
            let (epoch, seq, first) = (r.epoch, r.fetch_seq, r.assignment.first().copied());
            let node = first.and_then(|p| self.cluster.leader(self.topic_partition(p))).unwrap_or(NodeId(0));
            let at = self.arrival_worked(actor, node, self.costs.broker_us);
            self.schedule(at, Job::FetchArrives { actor, epoch, seq });
        }
        // Wake for the next auto-commit if it would commit something (with its coordinator
        // unknown, the coordinator's return wakes it: `CoordRequest::Find`).
        // (A timer already armed by then is looked at first: the common case, every poll of a
        // run that auto-commits, then needs no look at the offsets.)
        if spec.commit == CommitMode::Auto && self.actors[actor.index()].auto_commit_in_flight.is_none() {
            let at = self.actors[actor.index()].next_auto_commit_ms.saturating_mul(1000).max(self.core.now_us());
            if self.actors[actor.index()].poll_timer_at.is_none_or(|t| t > at) && self.has_offsets_to_commit(actor) && self.coordinator_up_on(self.coordinator_node_of(actor)) {
                let r = &mut self.actors[actor.index()];
                r.poll_timer_at = Some(at);
                let epoch = r.epoch;
                self.schedule(at, Job::PollTimer { actor, epoch });
            }
        }
        Flow::Block
    }

    /// kafka-python's `_maybe_auto_commit_offsets_async`, inside poll: once the deadline has
    /// passed, commit the positions and set the next deadline an interval from now. A consumer
    /// that waited in poll across deadlines woke at each of them (its poll timeout is bounded by
    /// the next deadline): those commits found the positions already committed (a commit to do
    /// arms a `PollTimer` at the deadline), so only the deadline moves on.
    fn maybe_auto_commit(&mut self, actor: ActorId, interval: u64) {
        let now = self.core.now_ms();
        let interval = interval.max(1);
        let deadline = self.actors[actor.index()].next_auto_commit_ms;
        if now < deadline {
            return;
        }
        // kafka-python's `coordinator_unknown()` (its broker is down, nothing has taken over):
        // no commit is sent; it looks the coordinator up, and the first poll once it serves
        // again commits (the deadline has passed: this wait is not one that found the
        // positions committed, so it does not count as waited across).
        if !self.coordinator_up_on(self.coordinator_node_of(actor)) {
            let r = &mut self.actors[actor.index()];
            let (epoch, waiting) = (r.epoch, r.member.is_some());
            r.poll_wait_since = None;
            let parked = self.coordinator_waiting.iter().any(|&(a, e, q)| a == actor && e == epoch && matches!(q, CoordRequest::Find));
            if waiting && !parked {
                self.send_to_coordinator(actor, CoordRequest::Find);
            }
            return;
        }
        let r = &mut self.actors[actor.index()];
        let waited_across = r.poll_wait_since.is_some_and(|since| since <= deadline);
        if waited_across {
            let last = deadline + (now - deadline) / interval * interval;
            if last != now {
                r.next_auto_commit_ms = last + interval;
                return;
            }
        }
        r.next_auto_commit_ms = now.saturating_add(interval);
        // One auto-commit at a time: while one waits for its coordinator, the next ones have
        // nothing new to say.
        if r.auto_commit_in_flight.is_none() {
            self.send_commit(actor, true, false);
        }
    }

    fn yield_record(&mut self, actor: ActorId, record: Fetched) -> Flow {
        let group = self.group_of(actor).map_or(u16::MAX, |g| g.0);
        let slot = match self.yielded.iter().position(|&(g, _)| g == group) {
            Some(slot) => slot,
            None => {
                self.yielded.push((group, vec![0; self.setup.partitions]));
                self.yielded.len() - 1
            }
        };
        let high = &mut self.yielded[slot].1[usize::from(record.partition)];
        let redelivered = record.offset < *high;
        *high = (*high).max(record.offset + 1);
        let r = &mut self.actors[actor.index()];
        r.positions[usize::from(record.partition)] = Some(record.offset + 1);
        r.current = Some(record);
        r.poll_wait_since = None;
        self.parked_fetch_changed(actor);
        self.record(KafkaEvent::MessageDelivered {
            actor,
            copy: record.copy,
            partition: QueueId(record.partition),
            offset: record.offset.min(u64::from(u32::MAX)) as u32,
            redelivered,
        });
        // The heartbeat thread checks that the program polls again within max_poll_interval_ms.
        let max_poll = self.consumer_spec(actor).map_or(300_000, |c| c.max_poll_interval_ms);
        let r = &mut self.actors[actor.index()];
        let (epoch, polled_ms) = (r.epoch, r.last_poll_ms);
        if r.poll_check_for.is_none_or(|(p, _)| p != polled_ms) {
            let at = polled_ms.saturating_add(max_poll).saturating_mul(1000).max(self.core.now_us());
            if let Some((_, old)) = r.poll_check_for.replace((polled_ms, at)) {
                self.cancel(old, |job| matches!(*job, Job::PollIntervalCheck { actor: a, .. } if a == actor));
            }
            self.schedule(at, Job::PollIntervalCheck { actor, epoch, polled_ms });
        }
        Flow::Next(0)
    }

    // ----- actors -----

    fn op(&self, actor: ActorId) -> Option<Op> {
        self.setup.programs[actor.index()].main.get(usize::from(self.actors[actor.index()].pc)).copied()
    }

    /// Fire the faults tied to this op, if any. True if the actor is no longer running (or
    /// was sent elsewhere: a graceful stop).
    /// Perform the op-triggered faults due before or after this op of the actor; true if the
    /// actor is no longer running (as it was). Inlined: most scenarios have no op trigger.
    #[inline(always)]
    fn fire_op_triggers(&mut self, actor: ActorId, kind: KafkaOpKind, before: bool) -> bool {
        !self.setup.op_triggers.is_empty() && self.fire_due_op_triggers(actor, kind, before)
    }

    fn fire_due_op_triggers(&mut self, actor: ActorId, kind: KafkaOpKind, before: bool) -> bool {
        let count = self.actors[actor.index()].op_counts[kind.index()];
        let epoch = self.actors[actor.index()].epoch;
        let due: Vec<u16> = self
            .setup
            .op_triggers
            .iter()
            .filter(|t| t.actor == actor && t.op == kind.index() && t.before == before)
            .filter(|t| if before { count + 1 == t.occurrence } else { count == t.occurrence })
            .map(|t| t.fault)
            .filter(|&f| !self.core.fault_fired(usize::from(f)))
            .collect();
        for index in due {
            // An op trigger fires once (`perform_fault_now` marks it): a `before` whose op the
            // fault kept from running would otherwise fire again at the next process's same
            // occurrence.
            self.perform_fault_now(index);
        }
        let r = &self.actors[actor.index()];
        r.status != ActorStatus::Running || r.epoch != epoch
    }

    fn run_actor(&mut self, actor: ActorId) {
        let resuming = self.actors[actor.index()].blocked != Blocked::No;
        self.actors[actor.index()].blocked = Blocked::No;
        if !resuming {
            if let Some(kind) = self.actors[actor.index()].after_due.take() {
                self.actors[actor.index()].line_done = true;
                if kind == (KafkaOpKind::Work { effect: true }) {
                    if let Some(current) = self.actors[actor.index()].current {
                        let message = self.core.ledger.message_of(current.copy);
                        let line = self.actors[actor.index()].line;
                        self.record(KafkaEvent::EffectApplied { actor, message, line });
                        self.note_effect(actor, message);
                    }
                }
                if self.fire_op_triggers(actor, kind, false) {
                    return;
                }
            }
        }
        let mut first = true;
        loop {
            let Some(op) = self.op(actor) else { return };
            let again = resuming && first;
            first = false;
            if !again {
                if self.fire_op_triggers(actor, op.kind, true) || self.random_op_faults(actor) {
                    return;
                }
                let r = &mut self.actors[actor.index()];
                r.op_counts[op.kind.index()] += 1;
                r.line = op.line;
                r.line_done = false;
            }
            match self.execute(actor, op) {
                Flow::Inline => {
                    self.actors[actor.index()].line_done = true;
                    if self.fire_op_triggers(actor, op.kind, false) {
                        return;
                    }
                    continue;
                }
                Flow::Next(delay_ms) => {
                    // The client's work (`Costs`): serializing a record it sends; a record
                    // `poll` yielded (read, deserialized, handed to the loop).
                    let work_us = match op.kind {
                        KafkaOpKind::Send => self.costs.publish_us,
                        KafkaOpKind::Poll => self.costs.deliver_us,
                        _ => 0,
                    };
                    self.actors[actor.index()].pc += 1;
                    self.actors[actor.index()].after_due = Some(op.kind);
                    let epoch = self.actors[actor.index()].epoch;
                    self.schedule(self.later(delay_ms).saturating_add(work_us), Job::Wake { actor, epoch });
                    return;
                }
                Flow::NextUs(delay_us) => {
                    self.actors[actor.index()].pc += 1;
                    self.actors[actor.index()].after_due = Some(op.kind);
                    let epoch = self.actors[actor.index()].epoch;
                    self.schedule(self.core.later_us(delay_us), Job::Wake { actor, epoch });
                    return;
                }
                Flow::Block => {
                    let blocked = match op.kind {
                        KafkaOpKind::Get => Blocked::Get,
                        KafkaOpKind::Commit | KafkaOpKind::Close => Blocked::Commit,
                        _ => Blocked::Poll,
                    };
                    self.actors[actor.index()].blocked = blocked;
                    return;
                }
                Flow::Raise(error) => {
                    self.raise(actor, error);
                    return;
                }
                Flow::Stop => return,
            }
        }
    }

    /// Random crashes drawn at each op (the scenario's `random_faults`). True if the actor is
    /// no longer running.
    fn random_op_faults(&mut self, actor: ActorId) -> bool {
        let Some(random) = self.active_random_faults() else { return false };
        let (restart_ms, node_crash) = (random.actor_restart_ms, random.node_crash);
        let ratio = match self.spec(actor) {
            KafkaActorSpec::Consumer(_) => random.consumer_crash,
            KafkaActorSpec::Producer(_) => random.producer_crash,
        };
        if self.rng_faults.chance(ratio) {
            self.crash_actor(actor);
            self.schedule(self.later(restart_ms), Job::RestartActor { actor });
            return true;
        }
        if self.rng_faults.chance(node_crash) && self.cluster.broker_up(NodeId(0)) {
            self.crash_node(NodeId(0), false, true);
        }
        self.actors[actor.index()].status != ActorStatus::Running
    }

    /// The index in `main` of the first op of `kind`.
    fn op_index(&self, actor: ActorId, kind: KafkaOpKind) -> Option<u16> {
        self.setup.programs[actor.index()].main.iter().position(|o| o.kind == kind).map(|i| i as u16)
    }

    fn execute(&mut self, actor: ActorId, op: Op) -> Flow {
        let line = op.line;
        match op.kind {
            KafkaOpKind::NewProducer => {
                // InitProducerId (idempotence); a transactional producer's comes with init_transactions.
                self.actors[actor.index()].producer_id = self.next_producer_id;
                self.next_producer_id += 1;
                self.record(KafkaEvent::ClientCreated { actor, line });
                Flow::Next(0)
            }
            KafkaOpKind::InitTransactions => {
                self.init_transactions(actor, line);
                Flow::NextUs(self.network.latency_us.saturating_mul(2))
            }
            KafkaOpKind::BeginTransaction => {
                self.actors[actor.index()].txn_open = true;
                if let Some(t) = self.transaction_of(actor) {
                    self.transactions[t].open = true;
                }
                self.record(KafkaEvent::TransactionBegun { actor, line });
                Flow::Next(0)
            }
            KafkaOpKind::CommitTransaction => {
                // Every send was waited for (`future.get`), so the flush has nothing to do; the
                // coordinator writes the COMMIT markers (EndTxn).
                if let Some(t) = self.transaction_of(actor) {
                    let Transaction { producer_id, epoch, .. } = self.transactions[t];
                    self.transactions[t].open = false;
                    self.actors[actor.index()].txn_open = false;
                    self.record(KafkaEvent::TransactionCommitted { actor, line });
                    let _ = self.cluster.end_transaction(producer_id, epoch, cluster::Marker::Commit);
                    self.after_cluster();
                }
                Flow::NextUs(self.network.latency_us.saturating_mul(2))
            }
            KafkaOpKind::LoopStart => {
                let messages = self.producer_spec(actor).map_or(0, |p| p.messages);
                if self.actors[actor.index()].loop_index < messages {
                    self.actors[actor.index()].pc += 1;
                } else {
                    let end = self.op_index(actor, KafkaOpKind::LoopEnd).unwrap_or(0);
                    self.actors[actor.index()].pc = end + 1;
                }
                Flow::Inline
            }
            KafkaOpKind::Send => {
                self.start_send(actor);
                Flow::Next(0)
            }
            KafkaOpKind::Get => {
                let Some(future) = self.actors[actor.index()].future else { return Flow::Next(0) };
                match future.result {
                    Some(Ok(_)) => Flow::Next(0),
                    Some(Err(error)) => Flow::Raise(error),
                    None => {
                        let get_timeout = self.producer_spec(actor).and_then(|p| p.get_timeout_ms);
                        if let Some(timeout) = get_timeout {
                            // The timer is armed once per get (the op runs again when resumed).
                            if self.actors[actor.index()].blocked == Blocked::No && !self.get_timer_armed(actor) {
                                let epoch = self.actors[actor.index()].epoch;
                                let message = future.message;
                                let at = self.later(timeout);
                                self.schedule(at, Job::GetTimeout { actor, epoch, message });
                                self.actors[actor.index()].get_timer = Some(at);
                            }
                        }
                        Flow::Block
                    }
                }
            }
            KafkaOpKind::PrintSent => {
                let Some(future) = self.actors[actor.index()].future else { return Flow::Next(0) };
                let data = self.core.ledger.messages[future.message.index()].data;
                let offset = match future.result {
                    Some(Ok(o)) => o,
                    _ => -1,
                };
                let partition = self.topic_partition(future.partition).partition;
                self.record(KafkaEvent::Printed { actor, text: TerminalText::Sent { data, partition, offset }, line });
                Flow::Next(0)
            }
            KafkaOpKind::Sleep => {
                let ms = self.producer_spec(actor).map_or(0, |p| p.interval_ms);
                self.record(KafkaEvent::Slept { actor, ms: ms.min(u64::from(u32::MAX)) as u32, line });
                Flow::Next(ms)
            }
            KafkaOpKind::LoopEnd => {
                let head = self.setup.loop_heads[actor.index()];
                let r = &mut self.actors[actor.index()];
                if let Some(current) = r.current.take() {
                    self.record(KafkaEvent::RecordProcessed { actor, copy: current.copy });
                }
                let r = &mut self.actors[actor.index()];
                r.loop_index += 1;
                r.future = None;
                r.pc = head;
                if let Some(at) = r.get_timer.take() {
                    self.cancel(at, |job| matches!(*job, Job::GetTimeout { actor: a, .. } if a == actor));
                }
                Flow::Inline
            }
            KafkaOpKind::Flush => Flow::Next(0),
            KafkaOpKind::Close => self.close(actor),
            KafkaOpKind::NewConsumer => {
                let interval = self.consumer_spec(actor).map_or(AUTO_COMMIT_INTERVAL_MS_DEFAULT, |c| c.auto_commit_interval_ms);
                self.actors[actor.index()].next_auto_commit_ms = self.core.now_ms().saturating_add(interval);
                self.record(KafkaEvent::ClientCreated { actor, line });
                Flow::Next(0)
            }
            KafkaOpKind::PrintWaiting => {
                self.record(KafkaEvent::Printed { actor, text: TerminalText::Waiting, line });
                Flow::Next(0)
            }
            KafkaOpKind::Poll => self.poll(actor),
            KafkaOpKind::PrintReceived { effect } => {
                let Some(current) = self.actors[actor.index()].current else { return Flow::Next(0) };
                let message = self.core.ledger.message_of(current.copy);
                let data = self.core.ledger.messages[message.index()].data;
                self.record(KafkaEvent::Printed { actor, text: TerminalText::Received { data }, line });
                if effect {
                    self.record(KafkaEvent::EffectApplied { actor, message, line });
                    self.note_effect(actor, message);
                }
                Flow::Next(0)
            }
            KafkaOpKind::Work { .. } => {
                let Some(current) = self.actors[actor.index()].current else { return Flow::Next(0) };
                let ms = self.actors[actor.index()].work_ms;
                self.record(KafkaEvent::WorkStarted { actor, copy: current.copy, ms: ms.min(u64::from(u32::MAX)) as u32, line });
                Flow::Next(ms)
            }
            KafkaOpKind::Commit => {
                let r = &self.actors[actor.index()];
                if r.commit_wait.is_some() {
                    return match r.commit_ok {
                        None => Flow::Block,
                        Some(ok) => {
                            let r = &mut self.actors[actor.index()];
                            r.commit_wait = None;
                            r.commit_ok = None;
                            if ok {
                                Flow::Next(0)
                            } else {
                                Flow::Raise(ClientError::CommitFailed)
                            }
                        }
                    };
                }
                // kafka-python: a commit outside a stable generation (the member left or was
                // removed) raises CommitFailedError.
                let r = &self.actors[actor.index()];
                if r.member.is_none() || r.phase != Phase::Assigned {
                    return Flow::Raise(ClientError::CommitFailed);
                }
                match self.send_commit(actor, false, true) {
                    Some(id) => {
                        self.actors[actor.index()].commit_wait = Some(id);
                        Flow::Block
                    }
                    None => Flow::Next(0),
                }
            }
        }
    }

    /// The transaction coordinator's entry of the actor's transactional id.
    fn transaction_of(&self, actor: ActorId) -> Option<usize> {
        let id = self.producer_spec(actor)?.transactional_id.as_deref()?;
        self.transactions.iter().position(|t| t.id == id)
    }

    /// `init_transactions()` (InitProducerId with a transactional id): the id keeps its producer
    /// id with the next epoch, which fences an older instance; an open transaction of the older
    /// one is aborted first.
    fn init_transactions(&mut self, actor: ActorId, line: u16) {
        let Some(id) = self.producer_spec(actor).and_then(|p| p.transactional_id.clone()) else { return };
        let index = match self.transaction_of(actor) {
            Some(t) => {
                if self.transactions[t].open {
                    self.abort_transaction(t);
                }
                let t_state = &mut self.transactions[t];
                t_state.epoch = t_state.epoch.saturating_add(1);
                t_state.actor = actor;
                t
            }
            None => {
                let producer_id = self.next_producer_id;
                self.next_producer_id += 1;
                self.transactions.push(Transaction { id, producer_id, epoch: 0, actor, open: false });
                self.transactions.len() - 1
            }
        };
        let Transaction { producer_id, epoch, .. } = self.transactions[index];
        let runtime = &mut self.actors[actor.index()];
        runtime.producer_id = producer_id;
        runtime.producer_epoch = epoch;
        // A new epoch starts its sequences at 0.
        for s in runtime.sequences.iter_mut() {
            *s = 0;
        }
        self.record(KafkaEvent::TransactionsInitialized { actor, epoch, line });
    }

    /// The coordinator aborts the open transaction `index`: ABORT markers on its partitions.
    fn abort_transaction(&mut self, index: usize) {
        let Transaction { producer_id, epoch, actor, .. } = self.transactions[index];
        self.transactions[index].open = false;
        self.record(KafkaEvent::TransactionAborted { actor });
        let _ = self.cluster.end_transaction(producer_id, epoch, cluster::Marker::Abort);
        self.after_cluster();
    }

    /// A transactional producer died: its open transaction is aborted after
    /// `transaction_timeout_ms` (unless a new instance fences it first).
    fn transaction_orphaned(&mut self, actor: ActorId) {
        if let Some(t) = self.transaction_of(actor) {
            let state = &self.transactions[t];
            if state.open && state.actor == actor {
                let epoch = state.epoch;
                self.schedule(self.later(TRANSACTION_TIMEOUT_MS), Job::TransactionTimeout { index: t as u16, epoch });
            }
        }
    }

    fn get_timer_armed(&self, actor: ActorId) -> bool {
        self.actors[actor.index()].get_timer.is_some()
    }

    /// `producer.close()`, or a consumer's `consumer.close()` on a graceful stop: with
    /// auto-commit it commits the positions (and waits), then leaves the group at once.
    fn close(&mut self, actor: ActorId) -> Flow {
        let setup = Rc::clone(&self.setup);
        if let Some(spec) = setup.consumer(actor) {
            let r = &self.actors[actor.index()];
            if r.commit_wait.is_some() {
                if r.commit_ok.is_none() {
                    return Flow::Block;
                }
                let r = &mut self.actors[actor.index()];
                r.commit_wait = None;
                r.commit_ok = None;
            } else if spec.commit == CommitMode::Auto && r.phase == Phase::Assigned {
                if let Some(id) = self.send_commit(actor, true, true) {
                    self.actors[actor.index()].commit_wait = Some(id);
                    return Flow::Block;
                }
            }
            if let Some(member) = self.actors[actor.index()].member.take() {
                self.send_to_coordinator(actor, CoordRequest::Leave { member });
            }
        }
        let r = &mut self.actors[actor.index()];
        r.status = if r.stopping { ActorStatus::Stopped } else { ActorStatus::Finished };
        r.epoch += 1;
        self.record(KafkaEvent::ActorExited { actor, error: None });
        self.kick_coordinator();
        Flow::Stop
    }

    /// The program raised: it prints the exception and exits (a consumer's `finally:` closes
    /// it, which leaves the group).
    fn raise(&mut self, actor: ActorId, error: ClientError) {
        let line = self.actors[actor.index()].line;
        self.record(KafkaEvent::Printed { actor, text: TerminalText::Error { error }, line });
        if let Some(member) = self.actors[actor.index()].member.take() {
            self.send_to_coordinator(actor, CoordRequest::Leave { member });
        }
        self.transaction_orphaned(actor);
        let r = &mut self.actors[actor.index()];
        r.status = ActorStatus::Failed(error);
        r.epoch += 1;
        r.fetch_parked = false;
        self.record(KafkaEvent::ActorExited { actor, error: Some(error) });
        self.kick_coordinator();
    }

    /// SIGKILL: the process stops at once: no commit, no LeaveGroup (its member expires after
    /// `session_timeout_ms`); requests already on the wire still arrive.
    fn crash_actor(&mut self, actor: ActorId) {
        if self.actors[actor.index()].status != ActorStatus::Running {
            return;
        }
        // Its heartbeat thread last heartbeated at its last tick.
        let r = &self.actors[actor.index()];
        if let (Some(member), Phase::Assigned) = (r.member, r.phase) {
            if self.coordinator_reachable(actor) {
                let tick = self.last_heartbeat_tick(actor);
                let generation = r.generation;
                let _ = self.coordinator.heartbeat(tick, member, generation);
            }
        }
        self.transaction_orphaned(actor);
        let r = &mut self.actors[actor.index()];
        r.status = ActorStatus::Crashed;
        r.epoch += 1;
        r.blocked = Blocked::No;
        r.fetch_parked = false;
        self.record(KafkaEvent::ActorCrashed { actor });
        self.kick_coordinator();
    }

    /// CTRL+C: a consumer runs its `finally: consumer.close()`; a producer (no `finally`) ends.
    fn stop_actor(&mut self, actor: ActorId) {
        if self.actors[actor.index()].status != ActorStatus::Running {
            return;
        }
        self.record(KafkaEvent::ActorStopped { actor });
        let close = self.op_index(actor, KafkaOpKind::Close);
        let r = &mut self.actors[actor.index()];
        match (self.setup.scenario.actors[actor.index()].clone(), close) {
            (KafkaActorSpec::Consumer(_), Some(close)) => {
                r.stopping = true;
                r.epoch += 1;
                r.blocked = Blocked::No;
                r.after_due = None;
                r.pc = close;
                r.fetch_parked = false;
                r.fetch_in_flight = false;
                r.commit_wait = None;
                r.commit_ok = None;
                let epoch = r.epoch;
                self.schedule(self.core.now_us(), Job::Wake { actor, epoch });
            }
            _ => {
                r.status = ActorStatus::Stopped;
                r.epoch += 1;
                r.blocked = Blocked::No;
                self.transaction_orphaned(actor);
                self.kick_coordinator();
            }
        }
    }

    /// Start (or start again) an actor's program from the top: a new process (a new member,
    /// a new producer id).
    fn restart_actor(&mut self, actor: ActorId) {
        let partitions = self.setup.partitions;
        let runtime = &mut self.actors[actor.index()];
        if runtime.status == ActorStatus::Running {
            return;
        }
        let first = runtime.status == ActorStatus::NotStarted;
        let fresh = ActorRuntime {
            epoch: runtime.epoch + 1,
            messages: std::mem::take(&mut runtime.messages),
            op_counts: runtime.op_counts,
            work_ms: runtime.work_ms,
            status: ActorStatus::Running,
            ..ActorRuntime::new(0, partitions)
        };
        *runtime = fresh;
        self.record(if first { KafkaEvent::ActorStarted { actor } } else { KafkaEvent::ActorRestarted { actor } });
        let epoch = self.actors[actor.index()].epoch;
        self.schedule(self.core.now_us(), Job::Wake { actor, epoch });
    }

    fn endpoint(&self, name: &str) -> Endpoint {
        match self.setup.scenario.broker_of(name) {
            Some(n) => Endpoint::Node(NodeId(n)),
            None => Endpoint::Actor(self.actor_id(name).unwrap_or(ActorId(0))),
        }
    }

    fn perform_fault_now(&mut self, index: u16) {
        self.core.mark_fault_fired(index);
        let action = self.setup.scenario.faults[usize::from(index)].action.clone();
        self.perform(&action);
    }

    /// Perform a fault or repair now (already validated).
    fn perform(&mut self, action: &FaultAction) {
        let id = |s: &KafkaSim, name: &str| s.actor_id(name).unwrap_or(ActorId(0));
        match action {
            FaultAction::Crash(name) => self.crash_actor(id(self, name)),
            FaultAction::Stop(name) => self.stop_actor(id(self, name)),
            FaultAction::Restart(name) => self.restart_actor(id(self, name)),
            FaultAction::CrashNode { node, restart } => self.crash_node(NodeId(*node), false, *restart),
            FaultAction::StopNode { node, restart } => self.crash_node(NodeId(*node), true, *restart),
            FaultAction::StartNode(node) => self.start_node(NodeId(*node)),
            FaultAction::Partition(a, b) => {
                // Heartbeats went through until now: sessions count from the last tick before it.
                self.refresh_live_members();
                let (a, b) = (self.endpoint(a), self.endpoint(b));
                self.network.partition(a, b);
                self.parked_fetches_recheck = true;
                self.record(KafkaEvent::Partitioned { a, b });
                self.after_cluster();
                self.kick_coordinator();
            }
            FaultAction::Heal(a, b) => {
                let (a, b) = (self.endpoint(a), self.endpoint(b));
                self.network.heal(a, b);
                self.parked_fetches_recheck = true;
                self.record(KafkaEvent::Healed { a, b });
                self.after_cluster();
                self.kick_coordinator();
            }
            FaultAction::DropNext { from, to } => {
                let (from, to) = (self.endpoint(from), self.endpoint(to));
                self.network.drop_next(from, to);
            }
            FaultAction::DuplicateNext(name) => {
                let a = Endpoint::Actor(id(self, name));
                self.network.duplicate_next(a);
            }
            FaultAction::Slow { actor, work_ms } => {
                let actor = id(self, actor);
                self.actors[actor.index()].work_ms = *work_ms;
                self.record(KafkaEvent::ConsumerSlowed { actor, work_ms: (*work_ms).min(u64::from(u32::MAX)) as u32 });
            }
            // Refused by validation for Kafka scenarios.
            FaultAction::Cancel(_) | FaultAction::PoisonNext(_) => {}
        }
    }

    /// A timer that would change nothing: a stale one-shot.
    #[inline(always)]
    fn timer_changes_nothing(&self, job: &Job) -> bool {
        match *job {
            Job::RequestTimeout { request } => self.requests[request as usize].settled,
            Job::GetTimeout { actor, epoch, message } => {
                let r = &self.actors[actor.index()];
                !self.alive(actor, epoch) || !r.future.is_some_and(|f| f.message == message && f.result.is_none())
            }
            Job::PollIntervalCheck { actor, epoch, polled_ms } => {
                let r = &self.actors[actor.index()];
                !self.alive(actor, epoch) || r.last_poll_ms != polled_ms || r.blocked == Blocked::Poll
            }
            Job::Resend { actor, epoch } => !self.alive(actor, epoch),
            Job::Wake { actor, epoch } | Job::Resume { actor, epoch } | Job::PollTimer { actor, epoch } | Job::Heartbeat { actor, epoch } => !self.alive(actor, epoch),
            Job::FetchArrives { actor, epoch, seq } | Job::FetchAnswer { actor, epoch, seq } => !self.alive(actor, epoch) || self.actors[actor.index()].fetch_seq != seq,
            Job::FromCoordinator { actor, epoch, .. } => !self.alive(actor, epoch),
            _ => false,
        }
    }
}

impl System for KafkaSim {
    type Job = Job;
    type Event = KafkaEvent;
    type CopyExtra = KafkaCopyExtra;

    #[inline]
    fn core(&self) -> &Core<Job, KafkaEvent, KafkaCopyExtra> {
        &self.core
    }

    #[inline]
    fn core_mut(&mut self) -> &mut Core<Job, KafkaEvent, KafkaCopyExtra> {
        &mut self.core
    }

    #[inline]
    fn handle(&mut self, job: Job) {
        KafkaSim::handle(self, job);
    }

    #[inline]
    fn skip_idle_timer(&mut self, job: &Job) -> bool {
        self.timer_changes_nothing(job)
    }

    /// Timers run only while they have work, so what is left is never idle, except stale
    /// one-shots (a dead process's timers), which `skip_idle_timer` takes at no time.
    fn only_idle_jobs_left(&self) -> bool {
        // An armed replication round or ISR check is on the agenda, and never idle.
        if self.replication_armed || self.isr_check_armed {
            return false;
        }
        let few = self.actors.len() * 4 + 16;
        self.core.agenda.only_few(few, |job| self.timer_changes_nothing(job))
    }

    fn perform_fault(&mut self, index: u16) {
        self.perform_fault_now(index);
    }
}
