//! Scenarios are data: the topology, the actors and their settings, the faults, the seed and
//! the limits. A scenario file is JSON; `Scenario::from_json` parses and validates it and
//! every error names the field and the problem.
//!
//! Invariant: a `Scenario` that passed `validate` compiles into a world without panicking.

pub mod catalog;
mod catalog_baked;
pub mod json;
pub mod settings;

pub use crate::engine::costs::Costs;
use crate::engine::rng::Ratio;
use serde::{Deserialize, Serialize};

/// Hard ceilings no scenario may exceed, whatever its own `limits` say. They keep one run
/// within the memory of a browser tab: a trace event takes 20 bytes, so `EVENTS_MAX` events
/// are 400 MB; every copy of a message is created by an event, so copies are bounded too.
pub const MESSAGES_MAX: u32 = 1_000_000;
pub const ACTORS_MAX: usize = 64;
pub const QUEUES_MAX: usize = 64;
pub const EXCHANGES_MAX: usize = 64;
pub const BINDINGS_MAX: usize = 1_000;
pub const NODES_MAX: u8 = 7;
pub const FAULTS_MAX: usize = 1_000;
/// Jobs handled (each at most a bounded amount of work).
pub const STEPS_MAX: u64 = 50_000_000;
pub const EVENTS_MAX: u64 = 20_000_000;
/// Simulated time fits in 32 bits of milliseconds (about 49 days), which keeps the trace small.
/// Every duration and time in a scenario is at most this, so `now + delay` never overflows.
pub const TIME_MS_MAX: u64 = u32::MAX as u64;
/// Names and routing keys are AMQP short strings: at most 255 bytes.
pub const NAME_BYTES_MAX: usize = 255;
/// Payloads a consumer's `fail.data` may list.
pub const FAIL_DATA_MAX: usize = 10_000;
/// The version of the scenario file format. A file may say `"format": 1`; one without the
/// field is read as version 1 (the catalog's files, and files written before the field).
pub const SCENARIO_FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The file format version (`SCENARIO_FORMAT`); absent means 1. Files the page saves
    /// carry it, so a later format can tell them apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub broker: BrokerSpec,
    #[serde(default)]
    pub network: NetworkSpec,
    /// What work costs in simulated time (`engine::costs`); none by default.
    #[serde(default, skip_serializing_if = "Costs::is_free")]
    pub costs: Costs,
    pub queues: Vec<QueueSpec>,
    #[serde(default)]
    pub exchanges: Vec<ExchangeSpec>,
    #[serde(default)]
    pub bindings: Vec<BindingSpec>,
    pub actors: Vec<ActorSpec>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    #[serde(default)]
    pub random_faults: Option<RandomFaults>,
    #[serde(default)]
    pub limits: Limits,
}

fn default_seed() -> u64 {
    1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerSpec {
    /// Only "rabbitmq" for now; Kafka and ZeroMQ models come later.
    pub model: String,
    pub nodes: u8,
    /// How long a broker node takes to come back after a restart.
    pub restart_delay_ms: u64,
    /// The AMQP heartbeat timeout every connection negotiates: RabbitMQ's default
    /// (`heartbeat = 60` seconds), which pika accepts (`heartbeat=None`); 0 turns heartbeats
    /// off (then a cut connection is never given up). Whole seconds, as AMQP negotiates it.
    pub heartbeat_ms: u64,
    /// `consumer_timeout`: a channel whose oldest unacknowledged delivery is older than this
    /// is closed with 406 PRECONDITION_FAILED (its unacked requeued). RabbitMQ 3.10's default
    /// is 30 minutes; 0 turns it off.
    pub consumer_timeout_ms: u64,
    /// `channel_tick_interval`: how often a channel checks that timeout, from when it opened
    /// (RabbitMQ's default: 60 s).
    pub channel_tick_ms: u64,
}

/// RabbitMQ's default heartbeat timeout (`heartbeat` in `rabbit.app`: 60 seconds).
pub const HEARTBEAT_MS_DEFAULT: u64 = 60_000;
/// RabbitMQ 3.10's `consumer_timeout` (`rabbit.app`: 1800000 ms).
pub const CONSUMER_TIMEOUT_MS_DEFAULT: u64 = 1_800_000;
/// RabbitMQ 3.10's `channel_tick_interval` (`rabbit.app`: 60000 ms).
pub const CHANNEL_TICK_MS_DEFAULT: u64 = 60_000;

impl Default for BrokerSpec {
    fn default() -> Self {
        BrokerSpec {
            model: "rabbitmq".into(),
            nodes: 1,
            restart_delay_ms: 9_000,
            heartbeat_ms: HEARTBEAT_MS_DEFAULT,
            consumer_timeout_ms: CONSUMER_TIMEOUT_MS_DEFAULT,
            channel_tick_ms: CHANNEL_TICK_MS_DEFAULT,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    /// One-way latency of every link.
    pub latency_ms: u64,
    /// Extra random latency in `0..=jitter_ms` per frame (TCP order is kept).
    pub jitter_ms: u64,
    /// After a dropped frame the connection is reset this much later (a TCP reset).
    pub reset_after_drop_ms: u64,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec { latency_ms: 1, jitter_ms: 0, reset_after_drop_ms: 20 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QueueType {
    #[default]
    Classic,
    Quorum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    #[default]
    DropHead,
    RejectPublish,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub name: String,
    #[serde(default)]
    pub durable: bool,
    #[serde(default, rename = "type")]
    pub queue_type: QueueType,
    #[serde(default)]
    pub message_ttl_ms: Option<u64>,
    #[serde(default)]
    pub dead_letter_exchange: Option<String>,
    #[serde(default)]
    pub dead_letter_routing_key: Option<String>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub overflow: Overflow,
    /// Quorum queues only: dead-letter (or drop) after this many redeliveries.
    #[serde(default)]
    pub delivery_limit: Option<u16>,
    /// The node a classic queue lives on.
    #[serde(default)]
    pub node: u8,
    /// Whether the queue exists when the run starts, declared beforehand (the export's
    /// driver declares it before it starts the programs). If not, it comes into being at the
    /// first declare of a program or of `rabbitmqadmin`; until then a publish to it goes
    /// nowhere and a passive declare or a `basic_consume` of it is a 404.
    #[serde(default = "yes")]
    pub exists_at_start: bool,
}

impl QueueSpec {
    pub fn new(name: &str, durable: bool) -> QueueSpec {
        QueueSpec {
            name: name.into(),
            durable,
            queue_type: QueueType::Classic,
            message_ttl_ms: None,
            dead_letter_exchange: None,
            dead_letter_routing_key: None,
            max_length: None,
            overflow: Overflow::DropHead,
            delivery_limit: None,
            node: 0,
            exists_at_start: true,
        }
    }

    /// Whether it has any `x-` argument (TTL, dead-lettering, length limit, type, delivery
    /// limit): a declare without arguments does not match it.
    pub fn has_arguments(&self) -> bool {
        self.queue_type != QueueType::Classic
            || self.message_ttl_ms.is_some()
            || self.dead_letter_exchange.is_some()
            || self.dead_letter_routing_key.is_some()
            || self.max_length.is_some()
            || self.delivery_limit.is_some()
    }
}

/// How a program declares its queue (with `declare: true`): the article's way, with the
/// queue's own properties, or a way that may not match the queue on the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeclareAs {
    /// With the queue's durability and arguments (the article's `durable=True`).
    #[default]
    Queue,
    /// `passive=True`: only checks that the queue exists (404 NOT_FOUND if it does not).
    Passive,
    /// `queue_declare(queue=...)`: not durable and no arguments, as RabbitMQ's own
    /// "Hello World" tutorial writes it.
    Plain,
    /// Durable as the queue is, but none of its arguments.
    WithoutArguments,
}

impl DeclareAs {
    /// Whether declaring `queue` this way asks for other properties than it has (a 406 if
    /// it exists).
    pub fn differs_from(self, queue: &QueueSpec) -> bool {
        match self {
            DeclareAs::Queue | DeclareAs::Passive => false,
            DeclareAs::Plain => queue.durable || queue.has_arguments(),
            DeclareAs::WithoutArguments => queue.has_arguments(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeType {
    Direct,
    Fanout,
    Topic,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub exchange_type: ExchangeType,
    /// Whether it exists when the run starts (declared beforehand, with its bindings). If
    /// not, it comes into being when a program that uses it declares it (with its bindings);
    /// until then a publish to it closes the publisher's channel (404), and dead letters
    /// sent to it are dropped.
    #[serde(default = "yes")]
    pub exists_at_start: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingSpec {
    pub exchange: String,
    pub queue: String,
    #[serde(default)]
    pub routing_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ActorSpec {
    Producer(ProducerSpec),
    Consumer(ConsumerSpec),
    Admin(AdminSpec),
    Relay(RelaySpec),
}

impl ActorSpec {
    pub fn name(&self) -> &str {
        match self {
            ActorSpec::Producer(p) => &p.name,
            ActorSpec::Consumer(c) => &c.name,
            ActorSpec::Admin(a) => &a.name,
            ActorSpec::Relay(r) => &r.name,
        }
    }
    pub fn node(&self) -> u8 {
        match self {
            ActorSpec::Producer(p) => p.node,
            ActorSpec::Consumer(c) => c.node,
            ActorSpec::Admin(a) => a.node,
            ActorSpec::Relay(r) => r.node,
        }
    }
    pub fn start_ms(&self) -> u64 {
        match self {
            ActorSpec::Producer(p) => p.start_ms,
            ActorSpec::Consumer(c) => c.start_ms,
            ActorSpec::Admin(a) => a.start_ms,
            ActorSpec::Relay(r) => r.start_ms,
        }
    }
}

/// `rabbitmqadmin` (the management plugin's command-line tool, over its HTTP API), as the
/// article's §4.1 runs it: one `rabbitmqadmin declare queue` per queue named, each with the
/// properties `queues` gives it. It prints `queue declared` and exits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSpec {
    pub name: String,
    /// The queues it declares, in order.
    pub declare: Vec<String>,
    #[serde(default)]
    pub start_ms: u64,
    /// The node whose management API it calls.
    #[serde(default)]
    pub node: u8,
}

/// At most this many commands in one `rabbitmqadmin` actor.
pub const ADMIN_COMMANDS_MAX: usize = 64;

/// Publisher retry: reconnect and republish the same message after a failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    pub attempts_max: u32,
    pub backoff_ms: u64,
    /// Random extra delay in `0..=jitter_ms`, drawn from the workload stream.
    #[serde(default)]
    pub jitter_ms: u64,
    /// After the last retry: re-raise (the program ends), or give up on that message and go
    /// on with the next.
    #[serde(default, skip_serializing_if = "GiveUp::is_raise")]
    pub on_give_up: GiveUp,
}

/// What a retrying producer does when a message's last retry failed too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GiveUp {
    /// `raise`: the exception ends the program.
    #[default]
    Raise,
    /// Print ` [!] giving up on {...}` and go on with the next message (reconnecting first).
    Skip,
}

impl GiveUp {
    fn is_raise(&self) -> bool {
        *self == GiveUp::Raise
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    pub name: String,
    #[serde(default = "default_queue")]
    pub queue: String,
    /// Exchange to publish to; `""` is the default exchange (routing key = queue name).
    #[serde(default)]
    pub exchange: String,
    /// Routing key; defaults to the queue name.
    #[serde(default)]
    pub routing_key: Option<String>,
    #[serde(default = "default_messages")]
    pub messages: u32,
    #[serde(default = "default_interval")]
    pub interval_ms: u64,
    /// 1 = transient (the article), 2 = persistent.
    #[serde(default = "default_delivery_mode")]
    pub delivery_mode: u8,
    #[serde(default)]
    pub confirms: bool,
    /// Confirms in batches (RabbitMQ's publisher-confirms tutorial, "publishing messages in
    /// batches"): the program is a pika `SelectConnection` one that publishes this many
    /// messages at once, then waits until the broker has confirmed every one of them
    /// (`Basic.Ack`, often `multiple=True`) before it publishes the next batch. Needs
    /// `confirms`. `None` (the article): a `BlockingChannel` program, which with `confirms`
    /// waits for each message's confirm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_batch: Option<u32>,
    #[serde(default)]
    pub retry: Option<RetrySpec>,
    #[serde(default)]
    pub start_ms: u64,
    #[serde(default)]
    pub node: u8,
    /// Whether the program declares its queue (the article's does).
    #[serde(default = "yes")]
    pub declare: bool,
    /// How it declares it (with `declare`).
    #[serde(default)]
    pub declare_as: DeclareAs,
    /// The first payload: messages are `{'data': first_data + i}`.
    #[serde(default)]
    pub first_data: u32,
    /// `basic_publish(..., mandatory=True)`: a message no queue takes is returned to the
    /// producer (with confirms, `basic_publish` raises `UnroutableError`; without, pika drops
    /// the returned message, as the program sets no `on_return` callback).
    #[serde(default)]
    pub mandatory: bool,
    /// Per-message TTL: every message is published with `expiration` set to this many ms
    /// (`pika.BasicProperties(expiration='60000')`). With the queue's `message_ttl_ms` too,
    /// the lower of the two applies. `None` (the article): no `expiration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_ms: Option<u64>,
    /// An order service (§3.2.3 of the article): each message is an order, committed to the
    /// service's SQLite database (`orders.db`) in a transaction. `None` (the article): no
    /// database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<Orders>,
    /// A request handler (the article's §1, synchronous against asynchronous processing):
    /// request `i` arrives `i × interval_ms` after the handler's loop starts, whatever the
    /// handler is doing, and its caller waits for the answer. `None` (the article): a
    /// producer that publishes and sleeps `interval_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<Handler>,
}

/// What a request handler does with each request (`ProducerSpec::handler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Handler {
    /// The work itself, `work_ms` long, then the answer: the caller waits for the work, and
    /// requests that arrive meanwhile wait their turn. No broker.
    Inline { work_ms: u64 },
    /// Publish the request to the queue and answer at once: consumers do the work.
    Queued,
}

/// How an order service writes each order and its message (the article's §3.2.3,
/// distributed transactions). The database is on disk: what a transaction committed
/// survives every crash; what it had not committed is rolled back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orders {
    /// The dual write: commit the order, then publish its message. A crash between the two
    /// leaves an order in the database that no message will ever announce.
    DualWrite,
    /// The transactional outbox: the order and its message (an `outbox` row) in one
    /// transaction, and no publish; a relay (`ActorSpec::Relay`) publishes the rows and
    /// deletes each once the broker has it.
    Outbox,
}

/// The outbox relay: it reads the order service's `outbox` table, publishes each row
/// (persistent, with its order id as `message_id`, waiting for the broker's confirm when
/// `confirms`), then deletes the row. A crash after the publish and before the delete
/// publishes that row again when it restarts: at least once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySpec {
    pub name: String,
    #[serde(default = "default_queue")]
    pub queue: String,
    /// `time.sleep` after finding the outbox empty, before it looks again.
    #[serde(default = "default_relay_poll")]
    pub poll_ms: u64,
    #[serde(default = "yes")]
    pub confirms: bool,
    /// 1 = transient, 2 = persistent (the default: a relay that deletes a row must not
    /// publish a message a broker restart forgets).
    #[serde(default = "default_relay_delivery_mode")]
    pub delivery_mode: u8,
    /// `basic_publish(..., mandatory=True)`, as a producer's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mandatory: bool,
    /// Per-message TTL of what it publishes (`expiration`), as a producer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_ms: Option<u64>,
    /// After a connection or channel error, sleep this long and start again (connect, then
    /// read the outbox: what it had not deleted is published again); `None`: the error
    /// ends the program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect_ms: Option<u64>,
    #[serde(default)]
    pub start_ms: u64,
    #[serde(default)]
    pub node: u8,
}

fn default_relay_poll() -> u64 {
    500
}
fn default_relay_delivery_mode() -> u8 {
    2
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// The exception escapes the callback and the program dies (pika's default).
    #[default]
    Crash,
    NackRequeue,
    NackDrop,
    RejectRequeue,
    RejectDrop,
}

/// Payloads whose processing fails (a poison message), on the first `attempts` deliveries
/// (or always when `attempts` is absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailSpec {
    pub data: Vec<u32>,
    #[serde(default)]
    pub attempts: Option<u32>,
    /// It fails at the end of its `work_ms` (after the work), not at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_work: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    pub name: String,
    #[serde(default = "default_queue")]
    pub queue: String,
    #[serde(default = "yes")]
    pub auto_ack: bool,
    /// `basic_qos(prefetch_count=...)`; absent = no qos call (unlimited).
    #[serde(default)]
    pub prefetch_count: Option<u16>,
    /// Time spent in the callback (`time.sleep`) before acking.
    #[serde(default)]
    pub work_ms: u64,
    /// Dedupe by message id in a store that survives crashes, atomically with the effect.
    #[serde(default)]
    pub idempotent: bool,
    #[serde(default)]
    pub on_failure: OnFailure,
    /// After this many failed attempts of one message, nack it without requeue (to the DLX).
    #[serde(default)]
    pub attempts_max: Option<u32>,
    #[serde(default)]
    pub fail: Option<FailSpec>,
    #[serde(default)]
    pub start_ms: u64,
    #[serde(default)]
    pub node: u8,
    #[serde(default = "yes")]
    pub declare: bool,
    /// How it declares it (with `declare`).
    #[serde(default)]
    pub declare_as: DeclareAs,
    /// Reconnect after a connection error instead of exiting (the article's does not).
    #[serde(default)]
    pub reconnect_ms: Option<u64>,
    /// Acknowledge in batches: `basic_ack(multiple=True)` on every n-th delivery tag.
    #[serde(default)]
    pub ack_every: Option<u16>,
    /// Poll with `basic_get` instead of subscribing with `basic_consume`: ask for one message,
    /// run the callback on it, ask again; when the queue is empty, sleep this long first.
    #[serde(default)]
    pub poll_ms: Option<u64>,
}

fn default_queue() -> String {
    "test_queue".into()
}
fn default_messages() -> u32 {
    10
}
fn default_interval() -> u64 {
    1_000
}
fn default_delivery_mode() -> u8 {
    1
}
fn yes() -> bool {
    true
}

impl ProducerSpec {
    /// The article's producer.
    pub fn article(name: &str) -> ProducerSpec {
        ProducerSpec {
            name: name.into(),
            queue: default_queue(),
            exchange: String::new(),
            routing_key: None,
            messages: 10,
            interval_ms: 1_000,
            delivery_mode: 1,
            confirms: false,
            confirm_batch: None,
            retry: None,
            start_ms: 0,
            node: 0,
            declare: true,
            declare_as: DeclareAs::Queue,
            first_data: 0,
            mandatory: false,
            expiration_ms: None,
            orders: None,
            handler: None,
        }
    }
}

impl ConsumerSpec {
    /// The article's consumer.
    pub fn article(name: &str) -> ConsumerSpec {
        ConsumerSpec {
            name: name.into(),
            queue: default_queue(),
            auto_ack: true,
            prefetch_count: None,
            work_ms: 0,
            idempotent: false,
            on_failure: OnFailure::Crash,
            attempts_max: None,
            fail: None,
            start_ms: 0,
            node: 0,
            declare: true,
            declare_as: DeclareAs::Queue,
            reconnect_ms: None,
            ack_every: None,
            poll_ms: None,
        }
    }
}

/// When a scripted fault fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// At a simulated time (before anything else at that time).
    AtMs(u64),
    /// Right after the `n`-th step (a step is one handled job that recorded events); used to
    /// fork a run exactly where the user injected a fault. 0 = before the first step.
    AtStep(u64),
    /// Right after an actor's `occurrence`-th execution (1-based) of operation `op`
    /// (e.g. `print_received`, `basic_ack`).
    After { actor: String, op: String, occurrence: u32 },
    /// Right before it.
    Before { actor: String, op: String, occurrence: u32 },
}

/// A fault (or repair), named by one verb each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// SIGKILL an actor: it stops at once, its connection drops.
    Crash(String),
    /// Stop an actor gracefully: it closes its connection.
    Stop(String),
    /// A consumer calls `basic_cancel`: no more deliveries, its unacked ones stay unacked.
    Cancel(String),
    /// Start a crashed or stopped actor's program again from the top.
    Restart(String),
    /// Hard-crash a broker node (it comes back after `restart_delay_ms` if `restart`).
    CrashNode { node: u8, restart: bool },
    /// Stop a broker node gracefully (`rabbitmqctl stop`); back after the delay if `restart`.
    StopNode { node: u8, restart: bool },
    StartNode(u8),
    /// Cut the network between two endpoints (actor names or `rabbit@N`).
    Partition(String, String),
    Heal(String, String),
    /// Lose the next frame from one endpoint to the other (then the connection resets).
    DropNext { from: String, to: String },
    /// Deliver the next publish frame from a producer twice.
    DuplicateNext(String),
    /// The next message this producer publishes makes every consumer's callback fail.
    PoisonNext(String),
    /// The consumer's callback now takes `work_ms`.
    Slow { actor: String, work_ms: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub when: Trigger,
    #[serde(rename = "do")]
    pub action: FaultAction,
}

/// Faults drawn from the seed's fault stream, as integer ratios, until `until_ms`; after
/// that every fault heals (crashed actors and nodes restart) so the run can converge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RandomFaults {
    /// Per consumer operation: chance to crash the consumer.
    pub consumer_crash: Ratio,
    /// Per producer operation: chance to crash the producer.
    pub producer_crash: Ratio,
    /// A crashed actor restarts this much later.
    pub actor_restart_ms: u64,
    /// Per frame: chance that it is lost (and the connection resets).
    pub frame_loss: Ratio,
    /// Per publish frame: chance that it arrives twice.
    pub frame_duplicate: Ratio,
    /// Per actor operation: chance to crash broker node 0 (restarts after the broker delay).
    pub node_crash: Ratio,
    pub until_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Jobs the simulation may handle (at most `STEPS_MAX`).
    pub steps_max: u64,
    /// Simulated time the run may reach (at most `TIME_MS_MAX`).
    pub time_ms_max: u64,
    /// Messages the producers may create (at most `MESSAGES_MAX`).
    pub messages_max: u32,
    /// Events the trace may hold (at most `EVENTS_MAX`); bounds the run's memory.
    pub events_max: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { steps_max: 10_000_000, time_ms_max: 24 * 3_600_000, messages_max: 1_000_000, events_max: EVENTS_MAX }
    }
}

/// A scenario that failed validation: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub field: String,
    pub problem: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.field, self.problem)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// `(step, fault index)` of the faults triggered at a step, sorted by step (then index): what
/// every system's core fires after each step.
pub fn step_triggers(faults: &[FaultSpec]) -> Vec<(u64, u16)> {
    step_triggers_of(faults.iter().map(|f| match f.when {
        Trigger::AtStep(step) => Some(step),
        _ => None,
    }))
}

/// `step_triggers` of any system's faults, given each fault's `at_step` (None for another trigger).
pub fn step_triggers_of(steps: impl Iterator<Item = Option<u64>>) -> Vec<(u64, u16)> {
    let mut triggers: Vec<(u64, u16)> = steps.enumerate().filter_map(|(index, step)| Some((step?, index as u16))).collect();
    crate::engine::sort::sort_by_key(&mut triggers, |&(step, index)| (u128::from(step) << 16) | u128::from(index));
    triggers
}

/// A `ScenarioError` at `field` (every system's schema reports through it).
pub(crate) fn err(field: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
    ScenarioError { field: field.into(), problem: problem.into() }
}

/// A file of format `version` where the schema reads format `reads`.
pub(crate) fn format_error(version: u64, reads: u32) -> ScenarioError {
    err("format", format!("unknown scenario format version {version}; this version reads format {reads}"))
}

/// The broker models a scenario file may name.
pub const MODELS: &[&str] = &["rabbitmq", "kafka"];

/// `broker.model` names no model this playground runs.
fn unknown_model(model: &str) -> ScenarioError {
    err("broker.model", format!("unknown broker model {} (this playground runs \"rabbitmq\" and \"kafka\")", json::quoted(model)))
}

/// Read a scenario file into a system's schema `T` (which reads format `format`), without
/// validating it. Errors read `field: problem` with the path of the bad value; text that is
/// not JSON gives the line and column; JSON that is not an object says so (serde would read a
/// list as the struct's fields in order); a file of another format version, or of a broker
/// model no system runs, says so before any other field (neither may fit this schema's
/// fields); an error inside `actors` goes through `actor_error`, which re-reads each actor to
/// name the field inside it.
pub(crate) fn read_file<T: serde::de::DeserializeOwned>(text: &str, format: u32, actor_error: fn(&str, ScenarioError) -> ScenarioError) -> Result<T, ScenarioError> {
    let not_an_object = |kind: &str| err("", format!("a scenario file is one JSON object {{...}}, got {kind}"));
    // A list is refused before serde reads it (it would take one as the fields in order);
    // other JSON that is not an object fails to parse and is named below.
    if text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_ascii_whitespace()).starts_with('[') {
        return Err(not_an_object("a list [...]"));
    }
    json::parse(text).map_err(|e| {
        let value = json::parse::<serde_json::Value>(text).ok();
        let kind = match &value {
            Some(serde_json::Value::Object(_)) | None => None,
            Some(serde_json::Value::Array(_)) => Some("a list [...]"),
            Some(serde_json::Value::String(_)) => Some("text"),
            Some(serde_json::Value::Number(_)) => Some("a number"),
            Some(serde_json::Value::Bool(_)) => Some("true or false"),
            Some(serde_json::Value::Null) => Some("null"),
        };
        if let Some(kind) = kind {
            return not_an_object(kind);
        }
        if let Some(v) = value.as_ref().and_then(|v| v.get("format")?.as_u64()) {
            if v != u64::from(format) {
                return format_error(v, format);
            }
        }
        if let Some(model) = value.as_ref().and_then(|v| v.get("broker")?.get("model")?.as_str()) {
            if !MODELS.contains(&model) {
                return unknown_model(model);
            }
        }
        if e.syntax || e.error.field.is_empty() {
            err("", format!("not a valid scenario file: {} at line {} column {}", e.error.problem, e.line, e.column))
        } else {
            actor_error(text, e.error)
        }
    })
}

/// A time or duration field: at most `TIME_MS_MAX`, so that adding it to the current time
/// never overflows and every time fits the trace's 32 bits.
/// The most any one cost may be: one second.
pub const COST_US_MAX: u64 = 1_000_000;

impl Costs {
    /// Every cost at most `COST_US_MAX` (the RabbitMQ and the Kafka scenario's `costs`).
    pub(crate) fn validate(&self) -> Result<(), ScenarioError> {
        let Costs { network_us, publish_us, deliver_us, broker_us, persist_us, fsync_us } = *self;
        for (field, value) in [
            ("costs.network_us", network_us),
            ("costs.publish_us", publish_us),
            ("costs.deliver_us", deliver_us),
            ("costs.broker_us", broker_us),
            ("costs.persist_us", persist_us),
            ("costs.fsync_us", fsync_us),
        ] {
            if value > COST_US_MAX {
                return Err(err(field, format!("must be at most {COST_US_MAX} microseconds (one second), got {value}")));
            }
        }
        Ok(())
    }
}

/// The most messages one batch of `confirm_batch` may hold.
pub const CONFIRM_BATCH_MAX: u32 = 10_000;

/// A producer's `confirm_batch` (at `field`): its program is a `SelectConnection` one that
/// publishes each batch at once, so it has no sleep between messages, no retry loop, no
/// database and no request handler, and it publishes to the default exchange (the
/// asynchronous program declares only its queue).
fn check_confirm_batch(field: &str, p: &ProducerSpec, batch: u32) -> Result<(), ScenarioError> {
    if batch == 0 || batch > CONFIRM_BATCH_MAX {
        return Err(err(field, format!("must be between 1 and {CONFIRM_BATCH_MAX} messages, got {batch}")));
    }
    if !p.confirms {
        return Err(err(field, "needs confirms: true (a batch waits for the broker's confirms)"));
    }
    if p.interval_ms != 0 {
        return Err(err(field, format!("publishes each batch at once: set interval_ms to 0 (got {})", p.interval_ms)));
    }
    let unsupported = [
        ("retry", p.retry.is_some()),
        ("orders", p.orders.is_some()),
        ("handler", p.handler.is_some()),
        ("mandatory", p.mandatory),
        ("exchange", !p.exchange.is_empty()),
        ("routing_key", p.routing_key.is_some()),
        ("declare_as", p.declare_as != DeclareAs::Queue),
    ];
    if let Some((name, _)) = unsupported.iter().find(|(_, set)| *set) {
        return Err(err(field, format!("the batch producer (a SelectConnection program) publishes to its queue on the default exchange, with no retry, orders, handler, mandatory, exchange, routing_key or declare_as: remove {name}")));
    }
    Ok(())
}

pub(crate) fn time_ms(field: &str, value: u64) -> Result<(), ScenarioError> {
    if value > TIME_MS_MAX {
        return Err(err(field, format!("must be at most {TIME_MS_MAX} ms (about 49 days), got {value}")));
    }
    Ok(())
}

/// A name or routing key: an AMQP short string, at most `NAME_BYTES_MAX` bytes.
fn short_string(field: &str, value: &str) -> Result<(), ScenarioError> {
    if value.len() > NAME_BYTES_MAX {
        return Err(err(field, format!("must be at most {NAME_BYTES_MAX} bytes (an AMQP short string), got {}", value.len())));
    }
    Ok(())
}

/// An error inside `actors` (an internally tagged enum, which serde buffers, so serde_json
/// stops past the actor, often past the whole list): each actor re-read as its own spec, to
/// name the actor and the field inside it.
fn actor_error(text: &str, error: ScenarioError) -> ScenarioError {
    if !error.field.starts_with("actors") {
        return error;
    }
    let Some(serde_json::Value::Array(actors)) = json::parse::<serde_json::Value>(text).ok().and_then(|mut v| v.get_mut("actors").map(serde_json::Value::take)) else {
        return error;
    };
    for (index, actor) in actors.into_iter().enumerate() {
        let serde_json::Value::Object(mut actor) = actor else { continue };
        let role = actor.remove("role");
        let spec = serde_json::Value::Object(actor).to_string();
        let inner = match role {
            Some(serde_json::Value::String(role)) if role == "producer" => json::parse::<ProducerSpec>(&spec).err(),
            Some(serde_json::Value::String(role)) if role == "consumer" => json::parse::<ConsumerSpec>(&spec).err(),
            Some(serde_json::Value::String(role)) if role == "admin" => json::parse::<AdminSpec>(&spec).err(),
            _ => continue,
        };
        if let Some(inner) = inner {
            let field = if inner.error.field.is_empty() { format!("actors[{index}]") } else { format!("actors[{index}].{}", inner.error.field) };
            return err(field, inner.error.problem);
        }
    }
    error
}

/// What a Kafka scenario gets where only RabbitMQ runs (the page's loader, share codes).
pub const KAFKA_NOT_RUNNABLE: &str = "this is a Kafka scenario (\"model\": \"kafka\"); the page runs RabbitMQ scenarios only for now: run it with `qp run FILE` (its programs: `qp code FILE --actor NAME`)";

impl Scenario {
    /// Parse and validate a scenario file. Errors read `field: problem` with the path of the
    /// bad value; text that is not JSON gives the line and column. A Kafka scenario is named
    /// for what it is (its schema is `systems::kafka::scenario`), not reported field by field.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        if crate::systems::kafka::scenario::is_kafka(text) {
            return Err(err("broker.model", KAFKA_NOT_RUNNABLE.to_string()));
        }
        let scenario: Scenario = read_file(text, SCENARIO_FORMAT, actor_error)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Whether a producer is a request handler (its messages are requests).
    pub fn has_handler(&self) -> bool {
        self.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.handler.is_some()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serializes")
    }

    /// The endpoint names a fault may use: actor names and `rabbit@N`.
    /// An order service's settings: one at most, publishing (dual write) or writing its
    /// outbox for the relay to the default exchange, without the producer settings the
    /// model does not combine with a database.
    fn check_orders(&self, field: &str, index: usize, p: &ProducerSpec, orders: Orders) -> Result<(), ScenarioError> {
        if self.actors[..index].iter().any(|a| matches!(a, ActorSpec::Producer(o) if o.orders.is_some())) {
            return Err(err(field, "one order service at most: they would share orders.db and its order ids"));
        }
        if !p.exchange.is_empty() || p.routing_key.is_some() {
            return Err(err(field, "an order service publishes to the default exchange: remove exchange and routing_key"));
        }
        if orders == Orders::Outbox {
            if p.confirms || p.mandatory || p.expiration_ms.is_some() || p.delivery_mode != 1 || p.retry.is_some() {
                return Err(err(field, "with an outbox the service does not publish: confirms, mandatory, expiration_ms, delivery_mode and retry are the relay's (leave them unset here)"));
            }
            match self.actors.iter().find_map(|a| match a {
                ActorSpec::Relay(r) => Some(r),
                _ => None,
            }) {
                None => return Err(err(field, "an outbox needs a relay actor (role \"relay\") to publish its rows")),
                Some(r) if r.queue != p.queue => {
                    return Err(err(field, format!("the relay publishes to {}, the service's queue is {}", json::quoted(&r.queue), json::quoted(&p.queue))))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn endpoint_known(&self, name: &str) -> bool {
        self.actors.iter().any(|a| a.name() == name) || self.node_of(name).is_some()
    }

    /// `rabbit@N` -> N, if N is a node of this scenario.
    pub fn node_of(&self, name: &str) -> Option<u8> {
        let n: u8 = name.strip_prefix("rabbit@")?.parse().ok()?;
        (n < self.broker.nodes).then_some(n)
    }

    /// Check everything a world needs; the first problem found is returned.
    /// A program's `declare_as` (its queue already checked to exist in `queues`): it needs
    /// `declare`, and a declare that asks for other properties than the queue has must meet
    /// the queue already there (a 406), never create it: the engine keeps one set of
    /// properties per queue, so the queue must be durable (it outlives restarts) and exist
    /// from the start.
    fn check_declare_as(&self, field: &str, queue: &str, declare: bool, how: DeclareAs) -> Result<(), ScenarioError> {
        if how == DeclareAs::Queue {
            return Ok(());
        }
        if !declare {
            return Err(err(field, "needs declare: true"));
        }
        let Some(spec) = self.queues.iter().find(|q| q.name == queue) else { return Ok(()) };
        if how.differs_from(spec) && !(spec.durable && spec.exists_at_start) {
            return Err(err(
                field,
                format!("declares queue {} with other properties than it has, so it must meet the queue already there: the queue must be durable and exist from the start (exists_at_start)", json::quoted(queue)),
            ));
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ScenarioError> {
        if let Some(v) = self.format.filter(|&v| v != SCENARIO_FORMAT) {
            return Err(format_error(u64::from(v), SCENARIO_FORMAT));
        }
        if self.name.trim().is_empty() {
            return Err(err("name", "must not be empty"));
        }
        if self.broker.model != "rabbitmq" {
            return Err(unknown_model(&self.broker.model));
        }
        if self.broker.nodes == 0 || self.broker.nodes > NODES_MAX {
            return Err(err("broker.nodes", format!("must be between 1 and {NODES_MAX}, got {}", self.broker.nodes)));
        }
        self.costs.validate()?;
        time_ms("broker.restart_delay_ms", self.broker.restart_delay_ms)?;
        time_ms("broker.heartbeat_ms", self.broker.heartbeat_ms)?;
        time_ms("broker.consumer_timeout_ms", self.broker.consumer_timeout_ms)?;
        time_ms("broker.channel_tick_ms", self.broker.channel_tick_ms)?;
        if self.broker.channel_tick_ms == 0 {
            return Err(err("broker.channel_tick_ms", "must be at least 1"));
        }
        if !self.broker.heartbeat_ms.is_multiple_of(1_000) || self.broker.heartbeat_ms > u64::from(u16::MAX) * 1_000 {
            return Err(err(
                "broker.heartbeat_ms",
                format!("must be whole seconds (AMQP negotiates the heartbeat in seconds, at most 65535 s), got {}", self.broker.heartbeat_ms),
            ));
        }
        if self.network.latency_ms > 60_000 || self.network.jitter_ms > 60_000 {
            return Err(err("network", "latency_ms and jitter_ms must be at most 60000"));
        }
        time_ms("network.reset_after_drop_ms", self.network.reset_after_drop_ms)?;
        if self.queues.is_empty() {
            return Err(err("queues", "at least one queue is needed"));
        }
        if self.queues.len() > QUEUES_MAX {
            return Err(err("queues", format!("at most {QUEUES_MAX} queues, got {}", self.queues.len())));
        }
        let exchange_known = |name: &str| name.is_empty() || self.exchanges.iter().any(|e| e.name == name);
        for (i, q) in self.queues.iter().enumerate() {
            let field = |f: &str| format!("queues[{i}].{f}");
            if q.name.is_empty() {
                return Err(err(field("name"), "must not be empty"));
            }
            short_string(&field("name"), &q.name)?;
            if let Some(key) = &q.dead_letter_routing_key {
                short_string(&field("dead_letter_routing_key"), key)?;
                // RabbitMQ refuses it: "invalid arg 'x-dead-letter-routing-key' ...:
                // routing_key_but_no_dlx_defined".
                if q.dead_letter_exchange.is_none() {
                    return Err(err(field("dead_letter_routing_key"), "needs a dead_letter_exchange (RabbitMQ refuses a dead-letter routing key without one)"));
                }
            }
            if let Some(ttl) = q.message_ttl_ms {
                time_ms(&field("message_ttl_ms"), ttl)?;
            }
            if self.queues[..i].iter().any(|o| o.name == q.name) {
                return Err(err(field("name"), format!("queue {} is declared twice", json::quoted(&q.name))));
            }
            if q.node >= self.broker.nodes {
                return Err(err(field("node"), format!("node {} does not exist (the broker has {} node(s))", q.node, self.broker.nodes)));
            }
            if q.queue_type == QueueType::Quorum {
                if !q.durable {
                    return Err(err(field("durable"), "a quorum queue must be durable"));
                }
                if self.broker.nodes != 1 && self.broker.nodes < 3 {
                    return Err(err(field("type"), "a quorum queue needs 1 or at least 3 broker nodes"));
                }
            } else if q.delivery_limit.is_some() {
                return Err(err(field("delivery_limit"), "only quorum queues have a delivery limit"));
            }
            if let Some(dlx) = &q.dead_letter_exchange {
                if !exchange_known(dlx) {
                    return Err(err(field("dead_letter_exchange"), format!("exchange {} is not declared", json::quoted(dlx))));
                }
            }
            if q.max_length == Some(0) {
                return Err(err(field("max_length"), "must be at least 1"));
            }
        }
        if self.exchanges.len() > EXCHANGES_MAX {
            return Err(err("exchanges", format!("at most {EXCHANGES_MAX} exchanges, got {}", self.exchanges.len())));
        }
        if self.bindings.len() > BINDINGS_MAX {
            return Err(err("bindings", format!("at most {BINDINGS_MAX} bindings, got {}", self.bindings.len())));
        }
        for (i, e) in self.exchanges.iter().enumerate() {
            short_string(&format!("exchanges[{i}].name"), &e.name)?;
            if e.name.is_empty() {
                return Err(err(format!("exchanges[{i}].name"), "must not be empty (\"\" is the default exchange)"));
            }
            if self.exchanges[..i].iter().any(|o| o.name == e.name) {
                return Err(err(format!("exchanges[{i}].name"), format!("exchange {} is declared twice", json::quoted(&e.name))));
            }
        }
        for (i, b) in self.bindings.iter().enumerate() {
            short_string(&format!("bindings[{i}].routing_key"), &b.routing_key)?;
            if b.exchange.is_empty() || !exchange_known(&b.exchange) {
                return Err(err(format!("bindings[{i}].exchange"), format!("exchange {} is not declared", json::quoted(&b.exchange))));
            }
            match self.queues.iter().find(|q| q.name == b.queue) {
                None => return Err(err(format!("bindings[{i}].queue"), format!("queue {} is not declared", json::quoted(&b.queue)))),
                // Bindings are topology, there from the start: so must their queues be.
                Some(q) if !q.exists_at_start => {
                    return Err(err(format!("bindings[{i}].queue"), format!("queue {} does not exist at the start (exists_at_start: false), so it cannot be bound", json::quoted(&b.queue))))
                }
                Some(_) => {}
            }
        }
        if self.actors.is_empty() {
            return Err(err("actors", "at least one producer or consumer is needed"));
        }
        if self.actors.len() > ACTORS_MAX {
            return Err(err("actors", format!("at most {ACTORS_MAX} actors, got {}", self.actors.len())));
        }
        let mut total_messages: u64 = 0;
        for (i, actor) in self.actors.iter().enumerate() {
            let field = |f: &str| format!("actors[{i}].{f}");
            let name = actor.name();
            if name.is_empty() || name.starts_with("rabbit@") {
                return Err(err(field("name"), "must not be empty nor start with \"rabbit@\""));
            }
            short_string(&field("name"), name)?;
            time_ms(&field("start_ms"), actor.start_ms())?;
            if self.actors[..i].iter().any(|o| o.name() == name) {
                return Err(err(field("name"), format!("two actors are named {}", json::quoted(name))));
            }
            if actor.node() >= self.broker.nodes {
                return Err(err(field("node"), format!("node {} does not exist (the broker has {} node(s))", actor.node(), self.broker.nodes)));
            }
            match actor {
                ActorSpec::Producer(p) => {
                    if !self.queues.iter().any(|q| q.name == p.queue) {
                        return Err(err(field("queue"), format!("queue {} is not declared in queues", json::quoted(&p.queue))));
                    }
                    if !exchange_known(&p.exchange) {
                        return Err(err(field("exchange"), format!("exchange {} is not declared", json::quoted(&p.exchange))));
                    }
                    if p.delivery_mode != 1 && p.delivery_mode != 2 {
                        return Err(err(field("delivery_mode"), format!("must be 1 (transient) or 2 (persistent), got {}", p.delivery_mode)));
                    }
                    if p.messages > MESSAGES_MAX {
                        return Err(err(field("messages"), format!("at most {MESSAGES_MAX} messages, got {}", p.messages)));
                    }
                    if p.messages > 0 && p.first_data.checked_add(p.messages - 1).is_none() {
                        return Err(err(field("first_data"), format!("the last payload first_data + messages - 1 must be at most {}, got first_data {} and {} messages", u32::MAX, p.first_data, p.messages)));
                    }
                    if let Some(key) = &p.routing_key {
                        short_string(&field("routing_key"), key)?;
                    }
                    time_ms(&field("interval_ms"), p.interval_ms)?;
                    if let Some(expiration) = p.expiration_ms {
                        time_ms(&field("expiration_ms"), expiration)?;
                    }
                    if let Some(r) = &p.retry {
                        if r.attempts_max == 0 || r.attempts_max > 1_000 {
                            return Err(err(field("retry.attempts_max"), "must be between 1 and 1000"));
                        }
                        time_ms(&field("retry.backoff_ms"), r.backoff_ms)?;
                        time_ms(&field("retry.jitter_ms"), r.jitter_ms)?;
                    }
                    self.check_declare_as(&field("declare_as"), &p.queue, p.declare, p.declare_as)?;
                    if let Some(orders) = p.orders {
                        self.check_orders(&field("orders"), i, p, orders)?;
                    }
                    if let Some(batch) = p.confirm_batch {
                        check_confirm_batch(&field("confirm_batch"), p, batch)?;
                    }
                    if let Some(handler) = p.handler {
                        if p.orders.is_some() || p.retry.is_some() {
                            return Err(err(field("handler"), "a request handler has no orders and no retry (leave them unset)"));
                        }
                        if let Handler::Inline { work_ms } = handler {
                            time_ms(&field("handler.inline.work_ms"), work_ms)?;
                        }
                    }
                    total_messages += u64::from(p.messages);
                }
                ActorSpec::Consumer(c) => {
                    if !self.queues.iter().any(|q| q.name == c.queue) {
                        return Err(err(field("queue"), format!("queue {} is not declared in queues", json::quoted(&c.queue))));
                    }
                    if c.auto_ack && c.on_failure != OnFailure::Crash {
                        return Err(err(field("on_failure"), "with auto_ack=True there is nothing to nack or reject"));
                    }
                    if c.ack_every == Some(0) || (c.auto_ack && c.ack_every.is_some()) {
                        return Err(err(field("ack_every"), "needs manual ack (auto_ack=false) and must be at least 1"));
                    }
                    if c.auto_ack && c.attempts_max.is_some() {
                        return Err(err(field("attempts_max"), "needs manual ack (auto_ack=false)"));
                    }
                    time_ms(&field("work_ms"), c.work_ms)?;
                    self.check_declare_as(&field("declare_as"), &c.queue, c.declare, c.declare_as)?;
                    if let Some(reconnect_ms) = c.reconnect_ms {
                        time_ms(&field("reconnect_ms"), reconnect_ms)?;
                    }
                    if let Some(poll_ms) = c.poll_ms {
                        time_ms(&field("poll_ms"), poll_ms)?;
                        if c.prefetch_count.is_some() {
                            return Err(err(field("prefetch_count"), "basic_qos limits basic_consume only: a polling consumer (poll_ms) gets one message per basic_get"));
                        }
                    }
                    if let Some(fail) = &c.fail {
                        if fail.data.len() > FAIL_DATA_MAX {
                            return Err(err(field("fail.data"), format!("at most {FAIL_DATA_MAX} payloads, got {}", fail.data.len())));
                        }
                    }
                }
                ActorSpec::Relay(r) => {
                    if !self.queues.iter().any(|q| q.name == r.queue) {
                        return Err(err(field("queue"), format!("queue {} is not declared in queues", json::quoted(&r.queue))));
                    }
                    if r.delivery_mode != 1 && r.delivery_mode != 2 {
                        return Err(err(field("delivery_mode"), format!("must be 1 (transient) or 2 (persistent), got {}", r.delivery_mode)));
                    }
                    if r.poll_ms == 0 {
                        return Err(err(field("poll_ms"), "must be at least 1 ms (a relay that never sleeps would spin)"));
                    }
                    time_ms(&field("poll_ms"), r.poll_ms)?;
                    if let Some(ms) = r.expiration_ms {
                        time_ms(&field("expiration_ms"), ms)?;
                    }
                    if let Some(ms) = r.reconnect_ms {
                        time_ms(&field("reconnect_ms"), ms)?;
                    }
                    if self.actors[..i].iter().any(|a| matches!(a, ActorSpec::Relay(_))) {
                        return Err(err(field("role"), "one relay at most: two would publish the same rows"));
                    }
                    if !self.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.orders == Some(Orders::Outbox))) {
                        return Err(err(field("role"), "a relay publishes an outbox: it needs a producer with orders: \"outbox\""));
                    }
                }
                ActorSpec::Admin(a) => {
                    if a.declare.len() > ADMIN_COMMANDS_MAX {
                        return Err(err(field("declare"), format!("at most {ADMIN_COMMANDS_MAX} queues, got {}", a.declare.len())));
                    }
                    for (k, queue) in a.declare.iter().enumerate() {
                        if !self.queues.iter().any(|q| &q.name == queue) {
                            return Err(err(field(&format!("declare[{k}]")), format!("queue {} is not declared in queues", json::quoted(queue))));
                        }
                    }
                }
            }
        }
        let messages_max = self.limits.messages_max.min(MESSAGES_MAX);
        if total_messages > u64::from(messages_max) {
            return Err(err("actors", format!("the producers publish {total_messages} messages, more than limits.messages_max = {messages_max}")));
        }
        if self.limits.messages_max > MESSAGES_MAX {
            return Err(err("limits.messages_max", format!("must be at most {MESSAGES_MAX} (a run must fit in a browser tab), got {}", self.limits.messages_max)));
        }
        if self.limits.steps_max == 0 || self.limits.steps_max > STEPS_MAX {
            return Err(err("limits.steps_max", format!("must be between 1 and {STEPS_MAX} (a run must fit in a browser tab), got {}", self.limits.steps_max)));
        }
        if self.limits.events_max == 0 || self.limits.events_max > EVENTS_MAX {
            return Err(err("limits.events_max", format!("must be between 1 and {EVENTS_MAX} (a run must fit in a browser tab), got {}", self.limits.events_max)));
        }
        if self.limits.time_ms_max > TIME_MS_MAX {
            return Err(err("limits.time_ms_max", format!("must be at most {TIME_MS_MAX} (about 49 days)")));
        }
        if self.faults.len() > FAULTS_MAX {
            return Err(err("faults", format!("at most {FAULTS_MAX} faults, got {}", self.faults.len())));
        }
        for (i, f) in self.faults.iter().enumerate() {
            let field = |f: &str| format!("faults[{i}].{f}");
            match &f.when {
                Trigger::AtMs(at_ms) => time_ms(&field("when.at_ms"), *at_ms)?,
                Trigger::AtStep(_) => {}
                Trigger::After { actor, op, occurrence } | Trigger::Before { actor, op, occurrence } => {
                    if !self.actors.iter().any(|a| a.name() == actor) {
                        return Err(err(field("when.actor"), format!("no actor is named {}", json::quoted(actor))));
                    }
                    if !crate::systems::rabbitmq::program::OP_NAMES.contains(&op.as_str()) {
                        // The order service's and the relay's ops are named only where they can be.
                        let orders = self.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.orders.is_some()));
                        let handlers = self.has_handler();
                        let batches = self.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.confirm_batch.is_some()));
                        // The named actor's own operations, in its program's order (a short list
                        // that fits in a message); every name it could use if it has no program.
                        let own: Option<Vec<&str>> = self.actors.iter().find(|a| a.name() == actor).and_then(|spec| crate::systems::rabbitmq::program::of(self, spec)).map(|program| {
                            let mut names: Vec<&str> = Vec::new();
                            for op in program.main.iter().chain(&program.callback) {
                                if !names.contains(&op.kind.name()) {
                                    names.push(op.kind.name());
                                }
                            }
                            names
                        });
                        if let Some(names) = own.filter(|names| !names.is_empty()) {
                            return Err(err(field("when.op"), format!("unknown operation {} ({} has: {})", json::quoted(op), json::quoted(actor), names.join(", "))));
                        }
                        let known: Vec<&str> = crate::systems::rabbitmq::program::OP_NAMES
                            .iter()
                            .copied()
                            .filter(|name| orders || !crate::systems::rabbitmq::program::ORDER_OP_NAMES.contains(name))
                            .filter(|name| handlers || !crate::systems::rabbitmq::program::HANDLER_OP_NAMES.contains(name))
                            .filter(|name| batches || !crate::systems::rabbitmq::program::BATCH_OP_NAMES.contains(name))
                            .collect();
                        return Err(err(field("when.op"), format!("unknown operation {} (known: {})", json::quoted(op), known.join(", "))));
                    }
                    if *occurrence == 0 {
                        return Err(err(field("when.occurrence"), "counts from 1"));
                    }
                }
            }
            let actor_named = |name: &str, what: &str| -> Result<(), ScenarioError> {
                if self.actors.iter().any(|a| a.name() == name) {
                    Ok(())
                } else {
                    Err(err(field("do"), format!("no {what} is named {}", json::quoted(name))))
                }
            };
            match &f.action {
                FaultAction::Restart(a) if matches!(self.actors.iter().find(|x| x.name() == a), Some(ActorSpec::Producer(p)) if p.orders.is_some()) => {
                    return Err(err(field("do"), format!("{} is an order service: restarting it is not modelled (run again from the top, it would insert its orders again and sqlite3 would raise IntegrityError)", json::quoted(a))));
                }
                FaultAction::Crash(a) | FaultAction::Stop(a) | FaultAction::Restart(a)
                    if matches!(self.actors.iter().find(|x| x.name() == a), Some(ActorSpec::Producer(p)) if p.handler.is_some()) =>
                {
                    return Err(err(field("do"), format!("{} is a request handler: what its callers do while it is down is not modelled (crash a consumer instead)", json::quoted(a))));
                }
                FaultAction::Crash(a) | FaultAction::Stop(a) | FaultAction::Restart(a) => actor_named(a, "actor")?,
                FaultAction::Slow { actor, work_ms } => {
                    actor_named(actor, "actor")?;
                    time_ms(&field("do.slow.work_ms"), *work_ms)?;
                }
                FaultAction::Cancel(a) => {
                    actor_named(a, "actor")?;
                    if !matches!(self.actors.iter().find(|x| x.name() == a), Some(ActorSpec::Consumer(_))) {
                        return Err(err(field("do"), format!("{} is not a consumer", json::quoted(a))));
                    }
                }
                FaultAction::DuplicateNext(a) | FaultAction::PoisonNext(a) => {
                    actor_named(a, "actor")?;
                    if !matches!(self.actors.iter().find(|x| x.name() == a), Some(ActorSpec::Producer(_))) {
                        return Err(err(field("do"), format!("{} is not a producer", json::quoted(a))));
                    }
                }
                FaultAction::CrashNode { node, .. } | FaultAction::StopNode { node, .. } | FaultAction::StartNode(node) => {
                    if *node >= self.broker.nodes {
                        return Err(err(field("do"), format!("node {node} does not exist (the broker has {} node(s))", self.broker.nodes)));
                    }
                }
                FaultAction::Partition(a, b) | FaultAction::Heal(a, b) | FaultAction::DropNext { from: a, to: b } => {
                    for end in [a, b] {
                        if !self.endpoint_known(end) {
                            return Err(err(field("do"), format!("unknown endpoint {} (an actor name or rabbit@N)", json::quoted(end))));
                        }
                    }
                    if a == b {
                        return Err(err(field("do"), "the two endpoints must differ"));
                    }
                }
            }
        }
        if let Some(r) = &self.random_faults {
            if self.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.orders.is_some())) {
                return Err(err("random_faults", "not with an order service (orders): random faults restart crashed actors, and an order service run again from the top would insert its orders again"));
            }
            time_ms("random_faults.actor_restart_ms", r.actor_restart_ms)?;
            time_ms("random_faults.until_ms", r.until_ms)?;
            for (name, ratio) in [
                ("consumer_crash", r.consumer_crash),
                ("producer_crash", r.producer_crash),
                ("frame_loss", r.frame_loss),
                ("frame_duplicate", r.frame_duplicate),
                ("node_crash", r.node_crash),
            ] {
                if ratio.numerator > 0 && (ratio.denominator == 0 || ratio.numerator > ratio.denominator) {
                    return Err(err(format!("random_faults.{name}"), "numerator must be at most denominator, and denominator non-zero"));
                }
            }
        }
        Ok(())
    }
}
