//! RabbitMQ's trace events: what a pika program, the network and the broker did, in the past
//! tense, with the exact texts pika prints. Each event says which neutral fact it is
//! (`TraceEvent::fact`), so the core's checker judges RabbitMQ runs without knowing them.
//!
//! Invariant: a trace entry stays 20 bytes (asserted below).

use crate::engine::ids::*;
use crate::engine::trace::{Fact, TraceEvent};
pub use crate::engine::trace::{trace_hash, Endpoint, Limit};
use crate::scenario::{DeclareAs, Overflow, QueueSpec, QueueType};
use serde::Serialize;

/// The error a pika client sees, with the exact text it prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ClientError {
    /// The TCP connection was reset (broker crash, network cut, stale socket on a publish).
    StreamLost,
    /// The peer closed the TCP connection while it was cut off, and its FIN arrived after the
    /// heal (pika's `_proto_eof_received`): the broker had given up on missed heartbeats.
    StreamEof,
    /// The broker closed the connection because it is shutting down.
    ConnectionClosedByBroker,
    /// No broker could be reached to connect.
    ConnectionRefused,
    /// The callback raised while processing a message (a poison message).
    CallbackFailed,
    /// The process was killed (SIGKILL); it printed nothing.
    Killed,
    /// With confirms on, the broker refused the publish (`basic.nack`).
    Nacked,
    /// pika's heartbeat checker found the connection silent (a network cut) and aborted it
    /// (`pika/heartbeat.py`, `HeartbeatChecker._close_connection`). Its text names the
    /// negotiated timeout, which the scenario gives (`broker.heartbeat_ms`), not the event
    /// (a trace entry stays 20 bytes).
    HeartbeatTimeout,
    /// `queue_declare` of a durable classic queue whose home node is down or unreachable:
    /// the broker closes the channel with 404 NOT_FOUND (`rabbit_amqqueue:priv_absent`).
    /// `queue` is the queue's index in the scenario (at most 64 queues).
    QueueHomeDown { queue: u8 },
    /// A passive `queue_declare` or a `basic_consume` of a queue that does not exist: 404
    /// NOT_FOUND, the channel closed, the connection alive.
    QueueNotFound { queue: u8 },
    /// `queue_declare` with other properties than the existing queue has (`declare`): 406
    /// PRECONDITION_FAILED naming the first property that differs, the channel closed.
    QueueInequivalent { queue: u8, declare: DeclareAs },
    /// A publish to an exchange that does not exist closed the channel (404 NOT_FOUND); pika
    /// raises it at the next call on the channel (at once when it waits for a confirm).
    /// `exchange` is its index in the scenario (at most 64 exchanges).
    ExchangeNotFound { exchange: u8 },
    /// `consumer_timeout`: the oldest unacknowledged delivery on the channel was older than
    /// the broker's timeout at a channel tick; the broker closed the channel (406).
    AckTimeout,
    /// With confirms and `mandatory=True`, the broker returned the message (no queue took
    /// it) before confirming it: pika's `basic_publish` raises `UnroutableError`.
    Unroutable,
}

impl ClientError {
    /// The line Python prints for this error, as observed with pika 1.4, in `scenario` (the
    /// heartbeat timeout's text is `HeartbeatChecker._STALE_CONNECTION` of pika 1.3 and 1.4,
    /// naming the negotiated timeout in whole seconds; a missing home node's is RabbitMQ
    /// 3.10's `rabbit_amqqueue:priv_absent`, which pika raises as `ChannelClosedByBroker`).
    pub fn text(self, scenario: &crate::scenario::Scenario) -> std::borrow::Cow<'static, str> {
        let text = match self {
            ClientError::StreamLost => "pika.exceptions.StreamLostError: Stream connection lost: ConnectionResetError(104, 'Connection reset by peer')",
            ClientError::StreamEof => "pika.exceptions.StreamLostError: Transport indicated EOF",
            ClientError::ConnectionClosedByBroker => "pika.exceptions.ConnectionClosedByBroker: (320, \"CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'\")",
            ClientError::ConnectionRefused => "pika.exceptions.AMQPConnectionError",
            ClientError::CallbackFailed => "Exception: failed to process message",
            ClientError::Killed => "Killed",
            ClientError::Nacked => "pika.exceptions.NackError: 1 message(s) NACKed",
            ClientError::QueueHomeDown { queue } => {
                let spec = &scenario.queues[usize::from(queue)];
                return format!(
                    "pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - home node 'rabbit@{}' of durable queue '{}' in vhost '/' is down or inaccessible\")",
                    spec.node, spec.name
                )
                .into();
            }
            ClientError::QueueNotFound { queue } => {
                let name = &scenario.queues[usize::from(queue)].name;
                return format!("pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - no queue '{name}' in vhost '/'\")").into();
            }
            ClientError::QueueInequivalent { queue, declare } => {
                let spec = &scenario.queues[usize::from(queue)];
                return format!("pika.exceptions.ChannelClosedByBroker: (406, \"PRECONDITION_FAILED - {}\")", inequivalence(spec, declare)).into();
            }
            ClientError::ExchangeNotFound { exchange } => {
                let name = &scenario.exchanges[usize::from(exchange)].name;
                return format!("pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - no exchange '{name}' in vhost '/'\")").into();
            }
            ClientError::AckTimeout => {
                let ms = scenario.broker.consumer_timeout_ms;
                return format!("pika.exceptions.ChannelClosedByBroker: (406, 'PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: {ms} ms. This timeout value can be configured, see consumers doc guide to learn more')").into();
            }
            ClientError::Unroutable => "pika.exceptions.UnroutableError: 1 unroutable message(s) returned",
            ClientError::HeartbeatTimeout => {
                let seconds = scenario.broker.heartbeat_ms / 1_000;
                return format!("pika.exceptions.AMQPHeartbeatTimeout: No activity or too many missed heartbeats in the last {seconds} seconds").into();
            }
        };
        text.into()
    }
}

/// RabbitMQ 3.10's reason for refusing a declare of the existing `queue` made as `declare`
/// (`rabbit_misc:assert_field_equivalence` / `assert_args_equivalence`): durability first,
/// then the arguments in the order of the queue type's list (classic: `x-message-ttl`,
/// `x-dead-letter-exchange`, `x-dead-letter-routing-key`, `x-max-length`, `x-overflow`;
/// quorum: the dead-lettering and length ones, `x-overflow`, `x-queue-type`,
/// `x-delivery-limit`, `x-message-ttl`), each as the broker words it. Observed on 3.10.8 for
/// every pair of these arguments. Empty when the declare matches.
pub fn inequivalence(queue: &QueueSpec, declare: DeclareAs) -> String {
    let name = &queue.name;
    let (durable, arguments) = match declare {
        DeclareAs::Queue | DeclareAs::Passive => return String::new(),
        DeclareAs::Plain => (false, false),
        DeclareAs::WithoutArguments => (queue.durable, false),
    };
    if durable != queue.durable {
        return format!("inequivalent arg 'durable' for queue '{name}' in vhost '/': received '{durable}' but current is '{}'", queue.durable);
    }
    debug_assert!(!arguments, "only declares without arguments differ in them");
    let int = |key: &str, value: u64| Some((key.to_string(), format!("the value '{value}' of type 'signedint'")));
    let text = |key: &str, value: &str| Some((key.to_string(), format!("the value '{value}' of type 'longstr'")));
    let ttl = queue.message_ttl_ms.and_then(|v| int("x-message-ttl", v));
    let dlx = queue.dead_letter_exchange.as_deref().and_then(|v| text("x-dead-letter-exchange", v));
    let dlrk = queue.dead_letter_routing_key.as_deref().and_then(|v| text("x-dead-letter-routing-key", v));
    let max_length = queue.max_length.and_then(|v| int("x-max-length", u64::from(v)));
    let overflow = if queue.max_length.is_some() && queue.overflow == Overflow::RejectPublish { text("x-overflow", "reject-publish") } else { None };
    let order = match queue.queue_type {
        QueueType::Classic => vec![ttl, dlx, dlrk, max_length, overflow],
        QueueType::Quorum => {
            let limit = queue.delivery_limit.and_then(|v| int("x-delivery-limit", u64::from(v)));
            vec![dlx, dlrk, max_length, overflow, text("x-queue-type", "quorum"), limit, ttl]
        }
    };
    match order.into_iter().flatten().next() {
        Some((key, current)) => format!("inequivalent arg '{key}' for queue '{name}' in vhost '/': received none but current is {current}"),
        None => String::new(),
    }
}

/// Why the broker discarded a message (it is gone for good).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    /// No queue matched the routing key, or the queue did not exist.
    Unroutable,
    /// Published with `mandatory=True` and no queue took it: the broker returned it to the
    /// producer, which does not store it (pika raises `UnroutableError` with confirms, and
    /// drops it without).
    Returned,
    /// `basic_reject`/`basic_nack` with `requeue=False` and no dead-letter exchange.
    Rejected,
    /// Published to an exchange that did not exist: the broker closed the channel (404).
    ExchangeMissing,
    /// Dead-lettered to an exchange that did not exist: RabbitMQ drops it.
    DeadLetterExchangeMissing,
    /// The queue's TTL (`x-message-ttl`) ran out and there is no dead-letter exchange.
    Expired,
    /// The message's own TTL (its `expiration` property, lower than the queue's) ran out
    /// and there is no dead-letter exchange.
    MessageExpired,
    /// `x-max-length` was reached (drop-head drops the oldest, reject-publish the newest).
    MaxLength,
    /// `x-delivery-limit` of a quorum queue was exceeded and there is no dead-letter exchange.
    DeliveryLimit,
    /// A transient message (no `delivery_mode=2`) did not survive a broker restart.
    TransientOnRestart,
    /// The queue was not durable, so it and its messages are gone after a broker restart.
    QueueNotDurable,
    /// Dead-lettered back into a queue it had already died in, with no rejection on the way:
    /// RabbitMQ detects the cycle and drops the message.
    DeadLetterCycle,
    /// Sent with `auto_ack=True` to a consumer that died before finishing it.
    AutoAckedUnprocessed,
    /// The frame carrying it was lost on the network.
    FrameLost,
    /// The publish reached a broker node that was down or could not reach the queue.
    QueueUnavailable,
    /// Sent with `auto_ack=True` (so it had left the queue) while the network was cut, and
    /// the connection was given up before it arrived.
    ConnectionCut,
    /// Its publish arrived on a connection the broker had already closed (a node going down,
    /// a broker's heartbeat timeout): nothing stored it, and without confirms nothing said so.
    ConnectionClosed,
    /// A persistent message in a durable classic queue whose node crashed (kill -9) before
    /// the queue wrote it to disk: published without confirms less than 200 ms before the
    /// crash, the queue still busy (RabbitMQ 3.10 syncs a classic queue's index only once it
    /// has had no message for 200 ms, or at once for a publisher waiting for confirms).
    NotOnDisk,
}

/// Why a message was dead-lettered (the `x-death` reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeathReason {
    Rejected,
    Expired,
    Maxlen,
    DeliveryLimit,
}

/// What a `print` line shows in an actor's terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalText {
    /// ` [x] Sent {'data': i}`
    Sent { data: u32 },
    /// ` [x] Saved {'data': i}`: an outbox order service committed the order.
    Saved { data: u32 },
    /// ` [x] Received {'data': i}`
    Received { data: u32 },
    /// ` [*] Waiting for messages. To exit press CTRL+C`
    Waiting,
    /// The exception that ended the program.
    Error { error: ClientError },
    /// ` [!] retrying {'data': i}` (the delay is in the `PublishFailed` event before it).
    Retrying { data: u32 },
    /// ` [!] giving up on {'data': i}`: a producer that goes on with the next message.
    GivingUp { data: u32 },
    /// rabbitmqadmin: `queue declared`.
    AdminDeclared,
    /// rabbitmqadmin, when the management API does not answer (it exits 1).
    AdminRefused,
    /// rabbitmqadmin, when the declare got a 404 (it exits 1).
    AdminNotFound { queue: u16 },
    /// A request handler's ` [x] Answered {'data': i}`: its caller has the answer.
    Answered { data: u32 },
}

impl TerminalText {
    /// The line as printed in `scenario` (an error's text can name its settings).
    pub fn render(self, scenario: &crate::scenario::Scenario) -> String {
        match self {
            TerminalText::Sent { data } => format!(" [x] Sent {{'data': {data}}}"),
            TerminalText::Saved { data } => format!(" [x] Saved {{'data': {data}}}"),
            TerminalText::Received { data } => format!(" [x] Received {{'data': {data}}}"),
            TerminalText::Waiting => " [*] Waiting for messages. To exit press CTRL+C".to_string(),
            TerminalText::Error { error } => error.text(scenario).into_owned(),
            TerminalText::Retrying { data } => format!(" [!] retrying {{'data': {data}}}"),
            TerminalText::GivingUp { data } => format!(" [!] giving up on {{'data': {data}}}"),
            TerminalText::Answered { data } => format!(" [x] Answered {{'data': {data}}}"),
            TerminalText::AdminDeclared => "queue declared".to_string(),
            TerminalText::AdminRefused => "*** Could not connect: [Errno 111] Connection refused".to_string(),
            TerminalText::AdminNotFound { queue } => {
                // rabbitmqadmin's path: /api/queues/{vhost}/{name}, each quoted as urllib's quote(v, '').
                let name = scenario.queues.get(usize::from(queue)).map_or("", |q| q.name.as_str());
                let quoted: String = name
                    .bytes()
                    .map(|b| if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
                    .collect();
                format!("*** Not found: /api/queues/%2F/{quoted}")
            }
        }
    }
}

/// One thing that happened. Small and `Copy`: a trace of millions of events stays compact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum Event {
    ActorStarted { actor: ActorId },
    Connected { actor: ActorId, node: NodeId, line: u16 },
    ConnectionRefused { actor: ActorId, node: NodeId, line: u16 },
    /// The program's connect got no answer: the network to the node is cut, so its TCP SYN
    /// is lost. It retries (SYN retransmits) until pika's `socket_timeout` (10 s) runs out.
    ConnectStalled { actor: ActorId, node: NodeId, line: u16 },
    ChannelOpened { actor: ActorId, line: u16 },
    QueueDeclared { actor: ActorId, queue: QueueId, line: u16 },
    /// The broker refused `queue_declare` and closed the channel: the queue is durable and
    /// its home node is down or unreachable (404 NOT_FOUND).
    QueueDeclareRefused { actor: ActorId, queue: QueueId, line: u16 },
    /// The broker closed the actor's channel with a channel error (`error`: a 404 or a 406);
    /// the connection stays open. pika raises it from the call on `line`.
    ChannelError { actor: ActorId, error: ClientError, line: u16 },
    ConfirmsEnabled { actor: ActorId, line: u16 },
    QosSet { actor: ActorId, prefetch_count: u16, line: u16 },
    ConsumeStarted { actor: ActorId, queue: QueueId, line: u16 },
    Printed { actor: ActorId, text: TerminalText, line: u16 },
    Slept { actor: ActorId, ms: u32, line: u16 },
    /// Request `message` reached its handler (`actor`), whatever the handler was doing: from
    /// now its caller waits.
    RequestArrived { actor: ActorId, message: MessageId },
    /// The handler took request `message` up, `waited_us` after it arrived.
    RequestTaken { actor: ActorId, message: MessageId, waited_us: u32, line: u16 },
    /// A synchronous handler started its work on request `message`, `ms` long.
    RequestWorkStarted { actor: ActorId, message: MessageId, ms: u32, line: u16 },
    /// The handler answered request `message`: its caller stops waiting.
    RequestAnswered { actor: ActorId, message: MessageId, line: u16 },
    /// The producer handed a publish frame to the network.
    MessagePublished { actor: ActorId, message: MessageId, copy: CopyId, line: u16 },
    /// The broker put the copy at the tail of a queue.
    MessageEnqueued { copy: CopyId, queue: QueueId },
    /// Routing made an extra copy for another queue (fanout, topic, dead-lettering).
    MessageCopied { copy: CopyId, from: CopyId, queue: QueueId },
    PublishConfirmed { actor: ActorId, message: MessageId },
    PublishNacked { actor: ActorId, message: MessageId },
    /// The publish raised; the producer will retry after `delay_ms`, or gives up.
    PublishFailed { actor: ActorId, message: MessageId, error: ClientError, retry_in_ms: Option<u32> },
    MessageDelivered { copy: CopyId, actor: ActorId, tag: u32, redelivered: bool, auto_ack: bool },
    CallbackStarted { actor: ActorId, copy: CopyId, line: u16 },
    EffectApplied { actor: ActorId, message: MessageId, line: u16 },
    /// An idempotent consumer saw a message id it had already applied.
    EffectSkipped { actor: ActorId, message: MessageId, line: u16 },
    /// An order service committed the order of `message` to its database (`outbox`: with
    /// its outbox row, in the same transaction).
    OrderCommitted { actor: ActorId, message: MessageId, outbox: bool, line: u16 },
    /// The relay read the outbox: `rows` rows to publish.
    OutboxRead { actor: ActorId, rows: u32, line: u16 },
    /// The relay deleted the outbox row of `message` (it had published it).
    OutboxRowDeleted { actor: ActorId, message: MessageId, line: u16 },
    /// The order service went down between committing the order of `message` and publishing
    /// it (`raised`: its publish raised and it exited): the order is in the database, and
    /// nothing will ever publish its message.
    OrderNeverPublished { actor: ActorId, message: MessageId, raised: bool },
    WorkStarted { actor: ActorId, copy: CopyId, ms: u32, line: u16 },
    WorkFailed { actor: ActorId, copy: CopyId, line: u16 },
    CallbackFinished { actor: ActorId, copy: CopyId },
    AckSent { actor: ActorId, copy: CopyId, line: u16 },
    /// `basic_ack(multiple=True)`: acknowledges this delivery and every earlier one.
    AckMultipleSent { actor: ActorId, copy: CopyId, line: u16 },
    NackSent { actor: ActorId, copy: CopyId, requeue: bool, line: u16 },
    RejectSent { actor: ActorId, copy: CopyId, requeue: bool, line: u16 },
    MessageAcked { copy: CopyId },
    /// Back into its queue, at its original position, flagged redelivered.
    MessageRequeued { copy: CopyId, queue: QueueId },
    /// `own_ttl`: it expired by its own `expiration`, not the queue's TTL (only written when
    /// true, so the traces of other dead letters read as before).
    MessageDeadLettered {
        copy: CopyId,
        from: QueueId,
        to: QueueId,
        reason: DeathReason,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        own_ttl: bool,
    },
    MessageDiscarded { copy: CopyId, reason: DiscardReason },
    /// A crash (kill -9) came before the queue synced an ack of `from` to disk: the queue
    /// recovers the message as `copy`, ready again (RabbitMQ 3.10's classic queue index).
    AckForgotten { copy: CopyId, from: CopyId, queue: QueueId },
    FrameDropped { from: Endpoint, to: Endpoint },
    MessageDuplicated { copy: CopyId, from: CopyId },
    ConnectionLost { actor: ActorId, error: ClientError },
    /// pika's heartbeat check found nothing received for a whole check interval (a cut):
    /// the client aborted its connection. It raises in the program now or at its next call.
    ClientHeartbeatTimeout { actor: ActorId },
    /// The broker missed the client's heartbeats (`rabbit_heartbeat` receiver) and closed
    /// the connection; nothing reaches the client across the cut.
    BrokerHeartbeatTimeout { actor: ActorId, node: NodeId },
    /// The broker heard nothing from a client that was not cut off but busy outside pika (a
    /// callback's work, `time.sleep`): pika's `BlockingConnection` sends heartbeats only
    /// inside its calls. After two silent checks the broker closed the connection, as for a
    /// cut; the program sees it at its next call.
    SilentClientDropped { actor: ActorId, node: NodeId },
    /// The cut healed with both ends still open: the frames TCP held during the cut went
    /// through (delayed, not lost).
    FramesReleased { actor: ActorId, count: u32 },
    /// `basic_cancel` reached the broker: no more deliveries; unacked ones stay unacked.
    ConsumerCancelled { actor: ActorId },
    /// pika's `basic_cancel` of a manual-ack consumer nacked (requeue) the deliveries it had
    /// received but not yet passed to the callback (`count`); auto-acked ones it dropped.
    PendingNacked { actor: ActorId, count: u32 },
    /// The broker closed a channel and requeued its unacked deliveries.
    ChannelClosed { actor: ActorId, requeued: u32 },
    ActorCrashed { actor: ActorId },
    ActorStopped { actor: ActorId },
    ActorRestarted { actor: ActorId },
    ActorExited { actor: ActorId, error: Option<ClientError> },
    NodeStopped { node: NodeId },
    NodeCrashed { node: NodeId },
    NodeStarted { node: NodeId },
    QueueRecovered { queue: QueueId, messages: u32 },
    QueueDeleted { queue: QueueId },
    Partitioned { a: Endpoint, b: Endpoint },
    Healed { a: Endpoint, b: Endpoint },
    MessagePoisoned { actor: ActorId },
    ConsumerSlowed { actor: ActorId, work_ms: u32 },
    /// A limit of the scenario was reached; the run stops here.
    LimitReached { limit: Limit },
}

impl Event {
    /// The actor this event belongs to, if any (for terminals, highlighting, filtering).
    pub fn actor(&self) -> Option<ActorId> {
        use Event::*;
        match *self {
            ActorStarted { actor }
            | Connected { actor, .. }
            | ConnectionRefused { actor, .. }
            | ConnectStalled { actor, .. }
            | ChannelOpened { actor, .. }
            | QueueDeclared { actor, .. }
            | QueueDeclareRefused { actor, .. }
            | ChannelError { actor, .. }
            | ConfirmsEnabled { actor, .. }
            | QosSet { actor, .. }
            | ConsumeStarted { actor, .. }
            | Printed { actor, .. }
            | Slept { actor, .. }
            | RequestArrived { actor, .. }
            | RequestTaken { actor, .. }
            | RequestWorkStarted { actor, .. }
            | RequestAnswered { actor, .. }
            | MessagePublished { actor, .. }
            | PublishConfirmed { actor, .. }
            | PublishNacked { actor, .. }
            | PublishFailed { actor, .. }
            | MessageDelivered { actor, .. }
            | CallbackStarted { actor, .. }
            | EffectApplied { actor, .. }
            | EffectSkipped { actor, .. }
            | OrderCommitted { actor, .. }
            | OutboxRead { actor, .. }
            | OutboxRowDeleted { actor, .. }
            | OrderNeverPublished { actor, .. }
            | WorkStarted { actor, .. }
            | WorkFailed { actor, .. }
            | CallbackFinished { actor, .. }
            | AckSent { actor, .. }
            | AckMultipleSent { actor, .. }
            | NackSent { actor, .. }
            | RejectSent { actor, .. }
            | ConnectionLost { actor, .. }
            | ClientHeartbeatTimeout { actor }
            | BrokerHeartbeatTimeout { actor, .. }
            | SilentClientDropped { actor, .. }
            | FramesReleased { actor, .. }
            | ChannelClosed { actor, .. }
            | ConsumerCancelled { actor }
            | PendingNacked { actor, .. }
            | ActorCrashed { actor }
            | ActorStopped { actor }
            | ActorRestarted { actor }
            | ActorExited { actor, .. }
            | MessagePoisoned { actor }
            | ConsumerSlowed { actor, .. } => Some(actor),
            _ => None,
        }
    }

    /// The source line of the operation that caused this event, if an actor's code did.
    pub fn line(&self) -> Option<u16> {
        use Event::*;
        match *self {
            Connected { line, .. }
            | ConnectionRefused { line, .. }
            | ConnectStalled { line, .. }
            | ChannelOpened { line, .. }
            | QueueDeclared { line, .. }
            | QueueDeclareRefused { line, .. }
            | ChannelError { line, .. }
            | ConfirmsEnabled { line, .. }
            | QosSet { line, .. }
            | ConsumeStarted { line, .. }
            | Printed { line, .. }
            | Slept { line, .. }
            | RequestTaken { line, .. }
            | RequestWorkStarted { line, .. }
            | RequestAnswered { line, .. }
            | MessagePublished { line, .. }
            | CallbackStarted { line, .. }
            | EffectApplied { line, .. }
            | EffectSkipped { line, .. }
            | OrderCommitted { line, .. }
            | OutboxRead { line, .. }
            | OutboxRowDeleted { line, .. }
            | WorkStarted { line, .. }
            | WorkFailed { line, .. }
            | AckSent { line, .. }
            | AckMultipleSent { line, .. }
            | NackSent { line, .. }
            | RejectSent { line, .. } => Some(line),
            _ => None,
        }
    }

    /// True for events that are faults (shown as markers on the timeline).
    pub fn is_fault(&self) -> bool {
        use Event::*;
        matches!(
            self,
            ActorCrashed { .. }
                | ClientHeartbeatTimeout { .. }
                | BrokerHeartbeatTimeout { .. }
                | SilentClientDropped { .. }
                | ActorStopped { .. }
                | NodeStopped { .. }
                | NodeCrashed { .. }
                | Partitioned { .. }
                | Healed { .. }
                | FrameDropped { .. }
                | MessageDuplicated { .. }
                | MessagePoisoned { .. }
                | ConsumerSlowed { .. }
        )
    }
}

// Invariant: the trace stays compact (24 bytes an entry: the event's 16, its millisecond and
// its microseconds); a bigger event needs a reason.
const _: () = assert!(std::mem::size_of::<TraceEntry>() <= 24);

/// A RabbitMQ trace entry.
pub type TraceEntry = crate::engine::trace::TraceEntry<Event>;

impl TraceEvent for Event {
    #[inline]
    fn fact(&self) -> Option<Fact> {
        match *self {
            Event::MessagePublished { message, .. } => Some(Fact::Published { message }),
            // A request exists from its arrival (a queued handler publishes it later).
            Event::RequestArrived { message, .. } => Some(Fact::Arrived { message }),
            Event::RequestAnswered { message, .. } => Some(Fact::Answered { message }),
            Event::PublishFailed { message, retry_in_ms, .. } => Some(Fact::SendFailed { message, retry: retry_in_ms.is_some() }),
            // With auto_ack=True the delivery is the acknowledgement.
            Event::MessageDelivered { copy, redelivered, auto_ack, .. } => Some(Fact::Delivered { copy, redelivered, acked: auto_ack }),
            Event::EffectApplied { message, .. } => Some(Fact::EffectApplied { message }),
            Event::CallbackFinished { copy, .. } => Some(Fact::Completed { copy }),
            Event::MessageDeadLettered { copy, reason, .. } => Some(Fact::SetAside { copy, at_limit: reason == DeathReason::DeliveryLimit }),
            Event::MessageDiscarded { copy, reason } => Some(Fact::Discarded {
                copy,
                expired: matches!(reason, DiscardReason::Expired | DiscardReason::MessageExpired),
                at_limit: reason == DiscardReason::DeliveryLimit,
            }),
            Event::MessageAcked { copy } => Some(Fact::Acked { copy }),
            Event::OrderNeverPublished { message, .. } => Some(Fact::Unpublished { message }),
            _ => None,
        }
    }

    fn limit_reached(limit: Limit) -> Event {
        Event::LimitReached { limit }
    }

    fn actor(&self) -> Option<ActorId> {
        Event::actor(self)
    }

    fn line(&self) -> Option<u16> {
        Event::line(self)
    }
}

/// RabbitMQ's own state of a copy, kept in the ledger beside the neutral part.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct CopyExtra {
    /// Where the routing key it carries comes from: its producer's publish (the actor's
    /// index), or the `x-dead-letter-routing-key` of the queue it last died in (the number of
    /// actors plus the queue's index). A dead letter keeps its key otherwise.
    pub key_source: u16,
    /// Set once it was dead-lettered (the first `x-death` reason).
    pub death: Option<DeathReason>,
    /// When it expires in its current queue (set when it enters one): its entry time plus
    /// the lower of the queue's `x-message-ttl` and the message's own `expiration` (which a
    /// dead-lettered copy no longer has). `None`: no TTL applies.
    pub expires_at_ms: Option<u64>,
    /// The deadline comes from the message's own `expiration`, not the queue's TTL.
    pub own_ttl: bool,
}

/// The ledger of a RabbitMQ run.
pub type Ledger = crate::engine::ledger::Ledger<CopyExtra>;
