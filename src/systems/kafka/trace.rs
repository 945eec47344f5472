//! Kafka's trace events: what the kafka-python programs, the network, the brokers and the group
//! coordinator did, in the past tense, with the texts the programs print. Each event says which
//! neutral fact it is (`TraceEvent::fact`), so the core's checker judges Kafka runs as it judges
//! RabbitMQ's: a message is one `{'data': i}` of a producer; a copy is one record appended to a
//! partition's log (a retried batch appended twice is two copies); the consumer's print (or its
//! work, when it has some) is the effect.
//!
//! Events that mean the same as RabbitMQ's keep RabbitMQ's names (`ActorStarted`, `Printed`,
//! `MessagePublished`, `MessageDelivered`, `EffectApplied`, `ActorCrashed`, `NodeCrashed`, ...);
//! Kafka's own are named after Kafka's words (`RecordAppended`, `ProduceAcked`,
//! `OffsetCommitted`, `LeaderElected`, `IsrShrunk`, `Truncated`, ...).
//!
//! Partitions are named by a global index (`QueueId`): the partitions of the scenario's topics
//! numbered in order, topic after topic (with one topic: the partition number itself). Offsets
//! and generations are saturated to 32 bits (a run never writes 4 billion records).
//!
//! Invariant: a trace entry stays at most 24 bytes (asserted below).

use super::cluster::KafkaError;
use crate::engine::ids::*;
use crate::engine::trace::{Fact, TraceEvent};
pub use crate::engine::trace::{trace_hash, Endpoint, Limit};
use serde::Serialize;

/// The error a kafka-python program sees, with the text Python prints when it ends a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientError {
    /// A broker's error code (`kafka.errors`), as the produce or fetch response carried it.
    Broker(KafkaError),
    /// The connection broke (the broker died, or the request was reset): kafka-python's
    /// `KafkaConnectionError`, retriable.
    Disconnected,
    /// No answer within `request_timeout_ms`: kafka-python closes the connection and retries.
    RequestTimedOut,
    /// `future.get(timeout=...)` ran out: `KafkaTimeoutError`, which ends the tutorial program.
    GetTimedOut,
    /// The record's batch spent `delivery_timeout_ms` in the producer without being
    /// acknowledged (`detail` indexes `KafkaSim`'s `ErrorDetail::Expired`).
    DeliveryTimedOut { detail: u16 },
    /// `consumer.commit()` was refused (the group rebalanced, or the member was removed):
    /// `CommitFailedError`.
    CommitFailed,
    /// `auto_offset_reset='none'` and the group has no committed offset for a partition.
    /// (`detail` indexes `KafkaSim`'s `ErrorDetail::NoOffset`).
    NoOffsetForPartition { detail: u16 },
}

/// What an error's text says beyond its kind, kept by the world beside the trace (so a trace
/// entry stays small): indexed by the error's `detail`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorDetail {
    /// The expired batch's partition (global index) and the time since it was created.
    Expired { partition: u16, elapsed_ms: u64 },
    /// The partitions (global indexes) with neither a position nor a committed offset.
    NoOffset { partitions: Vec<u16> },
}

/// What an exception's text needs besides the error: the program's settings and the world's
/// tables (`KafkaSim::print_text` builds it).
pub struct ErrorContext<'a> {
    /// The producer's `future.get(timeout=...)`, 0 for a consumer.
    pub get_timeout_ms: u64,
    pub request_timeout_ms: u64,
    /// `TopicPartition(topic='…', partition=n)` as Python prints it, per global partition index.
    pub topic_partitions: &'a [String],
    /// The world's error details (`ClientError::DeliveryTimedOut`, `NoOffsetForPartition`).
    pub details: &'a [ErrorDetail],
}

impl ClientError {
    /// Whether kafka-python retries a produce that failed with it (`RetriableError`).
    pub fn retriable(self) -> bool {
        match self {
            ClientError::Broker(e) => matches!(
                e,
                KafkaError::NotLeaderOrFollower
                    | KafkaError::LeaderNotAvailable
                    | KafkaError::NotEnoughReplicas
                    | KafkaError::NotEnoughReplicasAfterAppend
                    | KafkaError::RequestTimedOut
                    | KafkaError::BrokerNotAvailable
                    | KafkaError::UnknownTopicOrPartition
            ),
            ClientError::Disconnected | ClientError::RequestTimedOut => true,
            ClientError::GetTimedOut | ClientError::DeliveryTimedOut { .. } | ClientError::CommitFailed | ClientError::NoOffsetForPartition { .. } => false,
        }
    }

    /// The line Python prints when this error ends a program: kafka-python 3.0.12's exception
    /// class and its `str()`. A broker error is built from the response's `error_message`,
    /// which the broker leaves null for every error modelled here, so it ends in `: None`.
    /// A Python set has no fixed order; several partitions are listed in partition order.
    pub fn text(self, context: &ErrorContext) -> String {
        let tp = |p: u16| context.topic_partitions.get(usize::from(p)).cloned().unwrap_or_default();
        match self {
            ClientError::Broker(e) => {
                let (name, code) = match e {
                    KafkaError::UnknownTopicOrPartition => ("UnknownTopicOrPartitionError", 3),
                    KafkaError::BrokerNotAvailable => ("BrokerNotAvailableError", 8),
                    KafkaError::NotLeaderOrFollower => ("NotLeaderForPartitionError", 6),
                    KafkaError::LeaderNotAvailable => ("LeaderNotAvailableError", 5),
                    KafkaError::NotEnoughReplicas => ("NotEnoughReplicasError", 19),
                    KafkaError::NotEnoughReplicasAfterAppend => ("NotEnoughReplicasAfterAppendError", 20),
                    KafkaError::OutOfOrderSequenceNumber => ("OutOfOrderSequenceNumberError", 45),
                    KafkaError::InvalidProducerEpoch => ("InvalidProducerEpochError", 47),
                    KafkaError::OffsetOutOfRange => ("OffsetOutOfRangeError", 1),
                    KafkaError::InvalidReplicationFactor => ("InvalidReplicationFactorError", 38),
                    KafkaError::InvalidRequest => ("InvalidRequestError", 42),
                    KafkaError::RequestTimedOut => ("RequestTimedOutError", 7),
                };
                format!("kafka.errors.{name}: [Error {code}] {name}: None")
            }
            // The broker's process ended: its side of the connection closed, recv() read b''.
            ClientError::Disconnected => "kafka.errors.KafkaConnectionError: KafkaConnectionError: socket disconnected".into(),
            ClientError::RequestTimedOut => format!("kafka.errors.RequestTimedOutError: [Error 7] RequestTimedOutError: Request timed out after {} ms", context.request_timeout_ms),
            ClientError::GetTimedOut => format!("kafka.errors.KafkaTimeoutError: KafkaTimeoutError: Timeout after waiting for {} secs.", super::program::seconds(context.get_timeout_ms)),
            ClientError::DeliveryTimedOut { detail } => {
                let (partition, elapsed_ms) = match context.details.get(usize::from(detail)) {
                    Some(&ErrorDetail::Expired { partition, elapsed_ms }) => (partition, elapsed_ms),
                    _ => (0, 0),
                };
                format!("kafka.errors.KafkaTimeoutError: KafkaTimeoutError: Expiring 1 record(s) for {}: {elapsed_ms} ms has passed since batch creation", tp(partition))
            }
            ClientError::NoOffsetForPartition { detail } => {
                let partitions = match context.details.get(usize::from(detail)) {
                    Some(ErrorDetail::NoOffset { partitions }) => partitions.iter().map(|&p| tp(p)).collect::<Vec<_>>().join(", "),
                    _ => String::new(),
                };
                format!("kafka.errors.NoOffsetForPartitionError: NoOffsetForPartitionError: {{{partitions}}}")
            }
            ClientError::CommitFailed => "kafka.errors.CommitFailedError: CommitFailedError: Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member.".into(),
        }
    }
}

/// What a `print` line shows in an actor's terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalText {
    /// ` [x] Sent {'data': i} (partition p, offset o)`; offset -1 with acks=0.
    Sent { data: u32, partition: u16, offset: i32 },
    /// ` [x] Received {'data': i}`
    Received { data: u32 },
    /// ` [*] Waiting for messages. To exit press CTRL+C`
    Waiting,
    /// The exception that ended the program.
    Error { error: ClientError },
}

impl TerminalText {
    /// The line as printed (an exception's text needs its `context`).
    pub fn render(self, context: &ErrorContext) -> String {
        match self {
            TerminalText::Sent { data, partition, offset } => format!(" [x] Sent {{'data': {data}}} (partition {partition}, offset {offset})"),
            TerminalText::Received { data } => format!(" [x] Received {{'data': {data}}}"),
            TerminalText::Waiting => " [*] Waiting for messages. To exit press CTRL+C".to_string(),
            TerminalText::Error { error } => error.text(context),
        }
    }
}

/// Why a copy is gone for good (it is in no log, or will never be read from one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    /// The produce request was lost on the network (`drop_next`, a cut).
    FrameLost,
    /// The produce request reached a broker that was down, or did not lead the partition, or
    /// refused it (the error is in the `ProduceFailed` event): nothing was appended.
    Refused,
    /// An idempotent retry of a batch the leader already had: not appended again
    /// (`UnifiedLog` duplicate-batch path); the original record stays.
    DuplicateBatch,
    /// A replica truncated it (it was never committed, and the new leader's log does not have
    /// it: acks=1 and a leader crash, k4b).
    Truncated,
    /// A new leader was elected without it: it is left only on replicas that will truncate it
    /// when they fetch from the new leader (a clean election after acks=0/1, or an unclean one).
    NotOnLeader,
    /// The producer died with the request still on its way to a broker that dropped it.
    ProducerGone,
}

/// How a message came to be stored again (`Cause::StoredTwice`), read from the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resent {
    /// The producer's own retry of a request the broker had appended: it got no answer within
    /// `request_timeout_ms` (`timed_out`: the response was lost or late) or its request failed
    /// (the connection broke, or an error came back), and sent the record again in the same
    /// process. `idempotent`: the producer ran with idempotence, and the broker still appended
    /// the retry (it no longer had the batch's sequence).
    Retry { timed_out: bool, idempotent: bool },
    /// The producer was restarted: its new process sent the payload again. A new process is a
    /// new producer id, so idempotence cannot recognise the second record.
    Restart,
    /// The network delivered one produce request twice and the broker appended both.
    NetworkDuplicate,
}

/// The rebalance after which a consumer process read an out-of-order record's partition
/// (`Cause::OtherPartition`), read from the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Takeover {
    /// The process had printed the later record before it got this record's partition at all
    /// (else: both records were already in the log when it got both partitions, and its fetch
    /// returned the other partition's backlog first).
    pub late: bool,
    /// Why the group rebalanced then.
    pub why: TakeoverWhy,
    /// Where the process started reading this record's partition: the group's committed
    /// offset (`committed`), or `auto_offset_reset`'s offset when nothing was committed.
    pub from_offset: u32,
    pub committed: bool,
}

/// Why the rebalance of a `Takeover` happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TakeoverWhy {
    /// A member stopped heartbeating (its process died) and the coordinator removed it after
    /// `session_timeout_ms`: the group waited for that before it could rebalance.
    SessionExpired { session_timeout_ms: u32 },
    /// A member did not rejoin within the rebalance timeout (`max_poll_interval_ms`).
    Kicked,
    /// The coordinator's reason (a member joined or left, the group first formed, ...).
    Reason(RebalanceReason),
}

impl Takeover {
    /// When the rebalance happened and where reading started, in English.
    fn text(self, partition: u16) -> String {
        let why = match self.why {
            TakeoverWhy::SessionExpired { session_timeout_ms } => format!(
                "the rebalance that followed the expiry of a dead member's session (no heartbeat for session_timeout_ms = {} s)",
                session_timeout_ms / 1000
            ),
            TakeoverWhy::Kicked => "the rebalance that followed the removal of a member that did not rejoin within the rebalance timeout (max_poll_interval_ms)".into(),
            TakeoverWhy::Reason(RebalanceReason::InitialJoin) => "the rebalance that first formed the group".into(),
            TakeoverWhy::Reason(RebalanceReason::MemberJoined) => "the rebalance when a member joined the group".into(),
            TakeoverWhy::Reason(RebalanceReason::MemberLeft) => "the rebalance when a member left the group".into(),
            TakeoverWhy::Reason(RebalanceReason::MemberExpired) => "the rebalance that followed the expiry of a member's session".into(),
            TakeoverWhy::Reason(RebalanceReason::LeaderRejoined) => "the rebalance when the group leader rejoined".into(),
        };
        let from = if self.committed {
            format!("from the group's committed offset {}", self.from_offset)
        } else {
            format!("from offset {} (nothing was committed there, so auto_offset_reset chose it)", self.from_offset)
        };
        format!("{why}, and read partition {partition} {from}")
    }
}

/// Why a group rebalanced (the coordinator's reason).
pub use super::group::RebalanceReason;

/// One thing that happened. Small and `Copy`: a trace of millions of events stays compact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum KafkaEvent {
    ActorStarted { actor: ActorId },
    ActorRestarted { actor: ActorId },
    /// SIGKILL: no `close()`, no commit, no LeaveGroup.
    ActorCrashed { actor: ActorId },
    /// CTRL+C: a consumer's `finally: consumer.close()` runs (commit with auto-commit,
    /// LeaveGroup); a producer just ends.
    ActorStopped { actor: ActorId },
    /// The program ended: at its last line (`error` None) or raising `error`.
    ActorExited { actor: ActorId, error: Option<ClientError> },
    /// `KafkaProducer(...)` / `KafkaConsumer(...)` built its client (bootstrap metadata fetched).
    ClientCreated { actor: ActorId, line: u16 },
    Printed { actor: ActorId, text: TerminalText, line: u16 },
    Slept { actor: ActorId, ms: u32, line: u16 },
    /// `producer.send(...)`: the record (copy) is in a produce request on its way to the leader
    /// of `partition`; a retry of the same message is a new copy.
    MessagePublished { actor: ActorId, message: MessageId, copy: CopyId, line: u16 },
    /// `producer.send(...)` returned its future, but no live leader of `partition` is known:
    /// the record waits in the accumulator (recorded once, at the call) until the metadata
    /// names one or `delivery_timeout_ms` expires it.
    SendQueued { actor: ActorId, message: MessageId, partition: QueueId, line: u16 },
    /// The producer sent (again) the record `copy` in a produce request to the partition's leader.
    ProduceSent { actor: ActorId, copy: CopyId, partition: QueueId, node: NodeId },
    /// The leader appended the record at `offset` of `partition`'s log.
    RecordAppended { copy: CopyId, partition: QueueId, offset: u32, node: NodeId },
    /// The copy is gone for good (see the reason).
    RecordDiscarded { copy: CopyId, reason: DiscardReason },
    /// The producer got its answer: the record is at `offset` (-1 with acks=0).
    ProduceAcked { actor: ActorId, message: MessageId, partition: QueueId, offset: i32 },
    /// The produce failed; the producer retries after `retry_in_ms`, or gives up (`None`).
    ProduceFailed { actor: ActorId, message: MessageId, error: ClientError, retry_in_ms: Option<u32> },
    /// The iterator yielded the record `copy` (at `offset` of `partition`) to the program;
    /// `redelivered`: its group had yielded this offset before (a rewind replays it).
    MessageDelivered { actor: ActorId, copy: CopyId, partition: QueueId, offset: u32, redelivered: bool },
    EffectApplied { actor: ActorId, message: MessageId, line: u16 },
    WorkStarted { actor: ActorId, copy: CopyId, ms: u32, line: u16 },
    /// The loop body ended for the record (the equivalent of RabbitMQ's `CallbackFinished`).
    RecordProcessed { actor: ActorId, copy: CopyId },
    /// The consumer sent JoinGroup to its group's coordinator.
    JoinSent { actor: ActorId },
    /// The coordinator took the consumer in as `member` (its member id: `KafkaSim::member_id`).
    MemberJoined { actor: ActorId, group: u16, member: u32 },
    RebalanceStarted { group: u16, generation: u32, reason: RebalanceReason },
    /// The consumer's JoinGroup was answered: it is in `generation` (`leader`: the group leader).
    JoinCompleted { actor: ActorId, group: u16, generation: u32, leader: bool },
    /// The consumer owns `partition` (its SyncGroup answer).
    PartitionAssigned { actor: ActorId, partition: QueueId, generation: u32 },
    /// The consumer gave up its partitions for a rebalance (eager protocol: all of them).
    PartitionsRevoked { actor: ActorId, count: u16 },
    GroupStabilized { group: u16, generation: u32, members: u16 },
    GroupEmptied { group: u16, generation: u32 },
    MemberLeft { group: u16, member: u32 },
    /// No heartbeat for `session_timeout_ms`: the coordinator removed the member.
    SessionExpired { group: u16, member: u32 },
    /// It did not rejoin within the rebalance timeout (`max_poll_interval_ms`): removed.
    MemberKicked { group: u16, member: u32 },
    /// The consumer was not polling for `max_poll_interval_ms`: its heartbeat thread left the group.
    PollIntervalExceeded { actor: ActorId },
    /// The consumer starts `partition` at `offset`: the group's committed offset.
    PositionCommitted { actor: ActorId, partition: QueueId, offset: u32 },
    /// No committed offset: `auto_offset_reset` put the position at `offset`
    /// (`earliest`: the log start; `latest`: the high watermark).
    PositionReset { actor: ActorId, partition: QueueId, offset: u32, earliest: bool },
    /// The consumer sent an OffsetCommit (`auto`: the auto-commit inside poll or close).
    CommitSent { actor: ActorId, auto: bool },
    /// The coordinator stored the group's committed offset of `partition`.
    OffsetCommitted { group: u16, partition: QueueId, offset: u32 },
    /// The commit was refused (the group is rebalancing, or the member is gone).
    CommitRefused { actor: ActorId },
    LeaderElected { partition: QueueId, node: NodeId, epoch: u32, clean: bool },
    /// No live replica may lead: the partition has no leader.
    PartitionOffline { partition: QueueId },
    IsrShrunk { partition: QueueId, node: NodeId, isr: u8 },
    IsrExpanded { partition: QueueId, node: NodeId, isr: u8 },
    /// The leader's high watermark moved: records below it are committed and served.
    HighWatermark { partition: QueueId, offset: u32 },
    /// A follower copied `count` records from its leader, from `from_offset`.
    Replicated { partition: QueueId, node: NodeId, from_offset: u32, count: u32 },
    /// A replica removed `count` records from `from_offset` (where it diverged from the leader).
    Truncated { partition: QueueId, node: NodeId, from_offset: u32, count: u32 },
    NodeCrashed { node: NodeId },
    NodeStopped { node: NodeId },
    NodeStarted { node: NodeId },
    /// The controller fenced the broker (no heartbeat for `broker.session.timeout.ms`).
    NodeFenced { node: NodeId },
    Partitioned { a: Endpoint, b: Endpoint },
    Healed { a: Endpoint, b: Endpoint },
    FrameDropped { from: Endpoint, to: Endpoint },
    /// The network delivered a produce request twice (`duplicate_next`): `copy` is the second
    /// record of `from`'s request.
    MessageDuplicated { copy: CopyId, from: CopyId },
    ConsumerSlowed { actor: ActorId, work_ms: u32 },
    /// `init_transactions()`: the transactional id's producer epoch is now `epoch` (an older
    /// instance is fenced, its open transaction aborted).
    TransactionsInitialized { actor: ActorId, epoch: u16, line: u16 },
    TransactionBegun { actor: ActorId, line: u16 },
    /// `commit_transaction()`: the coordinator writes COMMIT markers: the transaction's records
    /// become visible to `read_committed` consumers.
    TransactionCommitted { actor: ActorId, line: u16 },
    /// The coordinator aborted a transaction (its producer was fenced, or it timed out after
    /// `transaction_timeout_ms`): ABORT markers; `read_committed` consumers skip its records.
    TransactionAborted { actor: ActorId },
    /// A transaction control marker took `offset` of `partition` (never given to consumers).
    TxnMarkerWritten { partition: QueueId, offset: u32, commit: bool },
    /// A limit of the scenario was reached; the run stops here.
    LimitReached { limit: Limit },
}

impl KafkaEvent {
    /// The actor this event belongs to, if any (for terminals, highlighting, filtering).
    pub fn actor(&self) -> Option<ActorId> {
        use KafkaEvent::*;
        match *self {
            ActorStarted { actor }
            | ActorRestarted { actor }
            | ActorCrashed { actor }
            | ActorStopped { actor }
            | ActorExited { actor, .. }
            | ClientCreated { actor, .. }
            | Printed { actor, .. }
            | Slept { actor, .. }
            | MessagePublished { actor, .. }
            | SendQueued { actor, .. }
            | ProduceSent { actor, .. }
            | ProduceAcked { actor, .. }
            | ProduceFailed { actor, .. }
            | MessageDelivered { actor, .. }
            | EffectApplied { actor, .. }
            | WorkStarted { actor, .. }
            | RecordProcessed { actor, .. }
            | JoinSent { actor, .. }
            | MemberJoined { actor, .. }
            | JoinCompleted { actor, .. }
            | PartitionAssigned { actor, .. }
            | PartitionsRevoked { actor, .. }
            | PollIntervalExceeded { actor }
            | PositionCommitted { actor, .. }
            | PositionReset { actor, .. }
            | CommitSent { actor, .. }
            | CommitRefused { actor }
            | ConsumerSlowed { actor, .. }
            | TransactionsInitialized { actor, .. }
            | TransactionBegun { actor, .. }
            | TransactionCommitted { actor, .. }
            | TransactionAborted { actor } => Some(actor),
            _ => None,
        }
    }

    /// The source line of the operation that caused this event, if an actor's code did.
    pub fn line(&self) -> Option<u16> {
        use KafkaEvent::*;
        match *self {
            ClientCreated { line, .. }
            | Printed { line, .. }
            | Slept { line, .. }
            | MessagePublished { line, .. }
            | SendQueued { line, .. }
            | EffectApplied { line, .. }
            | WorkStarted { line, .. }
            | TransactionsInitialized { line, .. }
            | TransactionBegun { line, .. }
            | TransactionCommitted { line, .. } => Some(line),
            _ => None,
        }
    }

    /// True for events that are faults (shown as markers on the timeline).
    pub fn is_fault(&self) -> bool {
        use KafkaEvent::*;
        matches!(
            self,
            ActorCrashed { .. }
                | ActorStopped { .. }
                | NodeCrashed { .. }
                | NodeStopped { .. }
                | Partitioned { .. }
                | Healed { .. }
                | FrameDropped { .. }
                | MessageDuplicated { .. }
                | ConsumerSlowed { .. }
        )
    }
}

/// A Kafka trace entry.
pub type KafkaTraceEntry = crate::engine::trace::TraceEntry<KafkaEvent>;

// Invariant: the trace stays compact (issue 10: at most 64 bytes an event; we keep 28: the
// event's 20, its millisecond and its microseconds).
const _: () = assert!(std::mem::size_of::<KafkaTraceEntry>() <= 28);

impl TraceEvent for KafkaEvent {
    #[inline]
    fn fact(&self) -> Option<Fact> {
        match *self {
            KafkaEvent::MessagePublished { message, .. } => Some(Fact::Published { message }),
            KafkaEvent::ProduceFailed { message, retry_in_ms, .. } => Some(Fact::SendFailed { message, retry: retry_in_ms.is_some() }),
            // Kafka has no per-message ack: a yielded record is settled only by the group's
            // committed offset, which the checker does not need.
            KafkaEvent::MessageDelivered { copy, redelivered, .. } => Some(Fact::Delivered { copy, redelivered, acked: false }),
            KafkaEvent::EffectApplied { message, .. } => Some(Fact::EffectApplied { message }),
            KafkaEvent::RecordProcessed { copy, .. } => Some(Fact::Completed { copy }),
            KafkaEvent::RecordDiscarded { copy, .. } => Some(Fact::Discarded { copy, expired: false, at_limit: false }),
            _ => None,
        }
    }

    fn limit_reached(limit: Limit) -> KafkaEvent {
        KafkaEvent::LimitReached { limit }
    }

    fn actor(&self) -> Option<ActorId> {
        KafkaEvent::actor(self)
    }

    fn line(&self) -> Option<u16> {
        KafkaEvent::line(self)
    }
}

/// Kafka's own state of a copy, kept in the ledger beside the neutral part.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct KafkaCopyExtra {
    /// The partition (global index) the record was sent to.
    pub partition: u16,
    /// Its offset once appended (`appended`).
    pub offset: u32,
    pub appended: bool,
}

/// The ledger of a Kafka run.
pub type KafkaLedger = crate::engine::ledger::Ledger<KafkaCopyExtra>;

/// Why a message got a bad verdict, in Kafka's terms (`KafkaSim::cause`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Its group rewound `partition` to the committed offset `from_offset` (a consumer crashed or
    /// the group rebalanced) and read it again.
    Replayed { partition: u16, from_offset: u32 },
    /// Its group had committed no offset for `partition`, so `auto_offset_reset` started a
    /// consumer at `from_offset` (the log's start with 'earliest') and it read it again.
    ReadFromReset { partition: u16, from_offset: u32 },
    /// The log holds `copies` records of it: the producer sent it again, `by` says how (the
    /// trace's first extra record).
    StoredTwice { copies: u32, by: Resent },
    /// It was only on a leader that died before a follower copied it; the new leader did not
    /// have it and the old one truncated it (`acked`: the producer had been told it was stored).
    Truncated { acked: bool },
    /// Still in the log at `offset` of `partition`, but its group's position moved past it
    /// before it was processed (a commit before processing, or `auto_offset_reset='latest'`).
    Skipped { partition: u16, offset: u32 },
    /// Printed after `later` (a later payload of its producer), which the same consumer
    /// process printed before it and which is in `later_partition` while it is in
    /// `partition`: Kafka orders records only within a partition.
    /// `takeover`: the rebalance that gave the consumer this record's partition, when the
    /// trace says it explains the order (see `Takeover`).
    OtherPartition { partition: u16, later: u32, later_partition: u16, takeover: Option<Takeover> },
    /// Stored in `partition` at `offset`, after `later` (a later payload of its producer) at
    /// `later_offset`: the log holds them in that order, and a partition is read in log order.
    StoredAfterLater { partition: u16, offset: u32, later: u32, later_offset: u32 },
    /// Printed `printed` times but processed once: a consumer printed it when it received it
    /// and died before its processing (the work after the print) finished.
    PrintedNotProcessed { printed: u32 },
    /// Received and printed `printed` times, but never processed: its group's committed offset
    /// had moved past it (`by_close`: the `close()` of a consumer stopped with CTRL+C
    /// auto-committed its position; else its consumer's commit() before processing) and the
    /// consumer ended (`stopped`: CTRL+C; else killed) before its processing finished; a
    /// consumer of the group that starts later begins after it (at-most-once).
    ReceivedNotProcessed { partition: u16, offset: u32, printed: u32, by_close: bool, stopped: bool },
    /// Still in the log at `offset`, but the consumer had no committed offset and
    /// `auto_offset_reset='latest'` started it after this record.
    SkippedByLatest { partition: u16, offset: u32 },
    /// Stored at `offset` of `partition` but above the high watermark (not every in-sync
    /// replica has it, or the ISR is below min.insync.replicas), so no consumer may read it.
    AboveHighWatermark { partition: u16, offset: u32 },
    /// With acks=0 the producer is answered at once; the broker never appended it (its leader
    /// was gone), and the producer never learned.
    NeverStoredUnanswered,
    /// Never stored: the produce failed (or its producer died) and nothing retried it.
    NeverStored,
    /// In the log, but no consumer of its group is left to read it.
    Unread,
    /// In the log of `partition`, which has no live leader (its brokers are down): no one
    /// can read it until one comes back.
    Offline { partition: u16 },
    /// Read (at `offset` of `partition`) and printed ×`printed`, and still held by its running
    /// consumer when the run ended, inside the loop body: blocked in `consumer.commit()` (`in_commit`:
    /// the group coordinator cannot be reached, so the commit is never stored), or with its
    /// processing not finished.
    Held { partition: u16, offset: u32, printed: u32, in_commit: bool },
}

impl Cause {
    /// The cause in words a learner understands (English).
    pub fn text(self) -> String {
        match self {
            Cause::Replayed { partition, from_offset } => format!(
                "replayed from committed offset {from_offset} of partition {partition} after the rebalance (the group had committed only up to there)"
            ),
            Cause::ReadFromReset { partition, from_offset } => format!(
                "read again from offset {from_offset} of partition {partition}: the group had committed no offset there, so auto_offset_reset started the consumer that took the partition over at the beginning"
            ),
            Cause::StoredTwice { copies, by } => match by {
                Resent::Retry { timed_out, idempotent } => format!(
                    "stored {copies} times in the log: the broker appended it, but the producer {} and retried it in the same process; {}",
                    if timed_out { "got no answer within request_timeout_ms (the response was lost)" } else { "saw its request fail (the connection broke or an error came back)" },
                    if idempotent { "the broker no longer recognised the batch's sequence and appended the retry again" } else { "without idempotence (enable_idempotence=False) the broker cannot tell a retry from a new record and appended it again" }
                ),
                Resent::Restart => format!("stored {copies} times in the log: the producer was restarted and its new process sent it again (a new process is a new producer id: idempotence cannot recognise the second record)"),
                Resent::NetworkDuplicate => format!("stored {copies} times in the log: the network delivered the produce request twice and the broker appended both"),
            },
            Cause::Truncated { acked: true } => "acknowledged (acks=1 or 0: the leader alone had it), then truncated when a follower without it became leader".into(),
            Cause::Truncated { acked: false } => "only the leader had it when it died; a follower without it became leader and the old leader truncated it".into(),
            Cause::Skipped { partition, offset } => format!(
                "still in the log at offset {offset} of partition {partition}, but the group's committed offset moved past it before it was processed"
            ),
            Cause::OtherPartition { partition, later, later_partition, takeover: None } => format!(
                "printed after {{'data': {later}}}, a later record the same consumer had printed before it, which is in partition {later_partition} while this one is in partition {partition}: Kafka keeps order only within a partition, and a consumer reads its partitions in whatever order its fetches return them"
            ),
            Cause::OtherPartition { partition, later, later_partition, takeover: Some(t) } if t.late => format!(
                "printed after {{'data': {later}}} (partition {later_partition}), a later record the same consumer had printed before it: this consumer got partition {partition} only afterwards, at {}; Kafka keeps order only within a partition",
                t.text(partition)
            ),
            Cause::OtherPartition { partition, later, later_partition, takeover: Some(t) } => format!(
                "printed after {{'data': {later}}} (partition {later_partition}), a later record the same consumer printed before it: both were already waiting in the log when this consumer took partitions {later_partition} and {partition} over at {}; its fetch returned partition {later_partition}'s backlog first, and Kafka keeps order only within a partition",
                t.text(partition)
            ),
            Cause::StoredAfterLater { partition, offset, later, later_offset } => format!(
                "stored in partition {partition} at offset {offset}, after {{'data': {later}}} (a later record, which the same consumer printed before it) at offset {later_offset}: a partition is read in the order of its log"
            ),
            Cause::PrintedNotProcessed { printed } => format!(
                "printed {printed} times but processed once: a consumer printed it when it received it and died before finishing its processing"
            ),
            Cause::ReceivedNotProcessed { partition, offset, printed, by_close, stopped } => {
                let ended = if stopped { "stopped (CTRL+C)" } else { "killed" };
                if by_close {
                    format!(
                        "received and printed ×{printed}, but its processing never finished: its consumer was {ended} while processing it, and close() auto-committed the position past it (enable_auto_commit=True); a consumer of the group that starts later begins after offset {offset} of partition {partition}, so it is never processed (at-most-once)"
                    )
                } else {
                    format!(
                        "received and printed ×{printed}, and its offset committed before its processing (commit before processing); its consumer was {ended} before its processing finished, and a consumer of the group that starts later begins after offset {offset} of partition {partition}, so it is never processed (at-most-once)"
                    )
                }
            }
            Cause::SkippedByLatest { partition, offset } => format!(
                "still in the log at offset {offset} of partition {partition}, but the group had no committed offset and auto_offset_reset='latest' started the consumer after it"
            ),
            Cause::AboveHighWatermark { partition, offset } => format!(
                "stored at offset {offset} of partition {partition}, but above the high watermark: it advances only once every in-sync replica has a record, and not while the ISR is smaller than min.insync.replicas (at most the replication factor); until then no consumer may read it"
            ),
            Cause::NeverStoredUnanswered => "never stored: with acks=0 the producer does not wait for an answer; the broker never appended it, and the producer never learned".into(),
            Cause::NeverStored => "never stored: the producer's send failed and nothing sent it again".into(),
            Cause::Offline { partition } => format!("stored, but partition {partition} has no live leader (its broker is down): no consumer can read it until the broker comes back"),
            Cause::Unread => "stored in the log, but no consumer of its group is left to read it".into(),
            Cause::Held { partition, offset, printed, in_commit: true } => format!(
                "read at offset {offset} of partition {partition} and printed ×{printed}, then its consumer called consumer.commit(), which waits for the group coordinator; the coordinator cannot be reached (its broker is down or cut off), so the commit is never stored and the processing after it never runs. The committed offset is still at it: had the broker come back, the commit and the processing would have gone on"
            ),
            Cause::Held { partition, offset, printed, in_commit: false } => format!(
                "read at offset {offset} of partition {partition} and printed ×{printed}; its consumer still held it, its processing unfinished, when the run ended"
            ),
        }
    }
}
