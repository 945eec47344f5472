//! The Kafka part of the scenario schema: a scenario file whose `"broker"` says
//! `"model": "kafka"`. It names the brokers, the topics, the kafka-python producers and
//! consumers with their settings, and the faults, in the same JSON shape as a RabbitMQ
//! scenario (`crate::scenario::Scenario`): `name`, `title`, `seed`, `broker`, `network`,
//! `costs`, `topics`, `actors` (each tagged by `"role"`), `faults`, `random_faults`, `limits`.
//!
//! Every setting defaults to what kafka-python 3.0.x (the current release) or a Kafka 4.x
//! broker does by default (`../shared/ground-truth/kafka.md`, "Defaults", checked against the
//! installed package by `tests/kafka_code.rs`), so a file says only what it changes.
//!
//! Endpoint names (faults): an actor's name, or `kafka@N` for broker N (0-based, N <
//! `broker.brokers`); broker N's bootstrap address in the generated code is `kafkaN:9092`
//! (`localhost:9092` when there is one broker). Operation names (fault triggers) are
//! `super::program::KAFKA_OP_NAMES`.
//!
//! Invariants: `KafkaScenario::from_json` never panics, whatever the text; every error names
//! the path of the bad value (`actors[1].acks`) and says what is wrong; a scenario that passed
//! `validate` generates its programs (`super::program::of`) and round-trips through
//! `to_json`/`from_json` unchanged.

use super::program::{self, KafkaOpKind};
use crate::scenario::json;
use crate::scenario::{err, format_error, read_file, time_ms, Costs, FaultAction, FaultSpec, Limits, NetworkSpec, RandomFaults, ScenarioError, Trigger};
use serde::{Deserialize, Serialize};

/// The model name a Kafka scenario's `broker.model` carries.
pub const MODEL: &str = "kafka";
/// The file format version (as `crate::scenario::SCENARIO_FORMAT`); absent means 1.
pub const KAFKA_SCENARIO_FORMAT: u32 = 1;
/// Broker nodes a cluster may have (issue 10: "brokers (1 to 5 nodes)").
pub const BROKERS_MAX: u8 = 5;
/// Partitions a topic may have: enough for every lesson, small enough to draw.
pub const PARTITIONS_MAX: u16 = 64;
pub const TOPICS_MAX: usize = 64;
pub const ACTORS_MAX: usize = 64;
pub const FAULTS_MAX: usize = 1_000;
/// Records one producer (and all of them together) may send: a run must fit in a browser tab.
pub const MESSAGES_MAX: u32 = 1_000_000;
/// Every time and duration is at most this (32 bits of ms, about 49 days), so `now + delay`
/// never overflows and every time fits the trace (as `crate::scenario::TIME_MS_MAX`).
pub const TIME_MS_MAX: u64 = crate::scenario::TIME_MS_MAX;
/// Actor names, group ids and transactional ids: at most this many bytes.
pub const NAME_BYTES_MAX: usize = 255;
/// A topic name: at most 249 characters of `[a-zA-Z0-9._-]`, not `.` nor `..`
/// (Kafka `Topic.java` `validate`, `MAX_NAME_LENGTH = 249`).
pub const TOPIC_NAME_MAX: usize = 249;
/// The steps the engine may take, the events the trace may hold (as the RabbitMQ side).
pub const STEPS_MAX: u64 = 50_000_000;
pub const EVENTS_MAX: u64 = 20_000_000;
/// The prefix of a broker's endpoint name: `kafka@0`, `kafka@1`, ...
pub const BROKER_ENDPOINT_PREFIX: &str = "kafka@";

/// Broker defaults (Kafka 4.x: ReplicationConfigs, GroupCoordinatorConfig, ServerLogConfigs).
pub const MIN_INSYNC_REPLICAS_DEFAULT: u8 = 1;
pub const REPLICA_LAG_TIME_MAX_MS_DEFAULT: u64 = 30_000;
pub const GROUP_INITIAL_REBALANCE_DELAY_MS_DEFAULT: u64 = 3_000;
pub const GROUP_MIN_SESSION_TIMEOUT_MS_DEFAULT: u64 = 6_000;
pub const GROUP_MAX_SESSION_TIMEOUT_MS_DEFAULT: u64 = 1_800_000;
/// How long a crashed or stopped broker takes to come back (the RabbitMQ side's default).
pub const RESTART_DELAY_MS_DEFAULT: u64 = 9_000;

/// kafka-python 3.0.x producer defaults (`KafkaProducer.DEFAULT_CONFIG`).
pub const RETRY_BACKOFF_MS_DEFAULT: u64 = 100;
pub const REQUEST_TIMEOUT_MS_DEFAULT: u64 = 30_000;
pub const DELIVERY_TIMEOUT_MS_DEFAULT: u64 = 120_000;
pub const MAX_IN_FLIGHT_DEFAULT: u16 = 5;
pub const LINGER_MS_DEFAULT: u64 = 0;
/// The tutorial's `future.get(timeout=10)`.
pub const GET_TIMEOUT_MS_DEFAULT: u64 = 10_000;
/// Idempotence allows at most this many requests in flight (kafka-python raises past it).
pub const IDEMPOTENT_IN_FLIGHT_MAX: u16 = 5;

/// kafka-python 3.0.x consumer defaults (`KafkaConsumer.DEFAULT_CONFIG`).
pub const AUTO_COMMIT_INTERVAL_MS_DEFAULT: u64 = 5_000;
pub const SESSION_TIMEOUT_MS_DEFAULT: u64 = 45_000;
pub const HEARTBEAT_INTERVAL_MS_DEFAULT: u64 = 3_000;
pub const MAX_POLL_INTERVAL_MS_DEFAULT: u64 = 300_000;
pub const MAX_POLL_RECORDS_DEFAULT: u32 = 500;

/// A Kafka scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaScenario {
    /// The file format version (`KAFKA_SCENARIO_FORMAT`); absent means 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Required: its `model` is what makes the file a Kafka scenario.
    pub broker: KafkaBrokerSpec,
    #[serde(default)]
    pub network: NetworkSpec,
    /// What work costs in simulated time (`engine::costs`, the RabbitMQ scenario's `costs`);
    /// none by default. What a Kafka run charges for each is in `super::world`'s module doc.
    #[serde(default, skip_serializing_if = "Costs::is_free")]
    pub costs: Costs,
    /// The topics, created before the run (absent: the tutorial's `test_topic`, 1 partition,
    /// replication factor 1). Topics are never auto-created.
    #[serde(default = "tutorial_topics")]
    pub topics: Vec<TopicSpec>,
    pub actors: Vec<KafkaActorSpec>,
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

fn tutorial_topics() -> Vec<TopicSpec> {
    vec![TopicSpec::tutorial()]
}

/// The cluster: how many brokers, and the broker-side settings (Kafka 4.x defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaBrokerSpec {
    /// `"kafka"` (`MODEL`).
    pub model: String,
    /// Broker nodes, 1 to `BROKERS_MAX`; node N is `kafka@N`, host `kafkaN:9092`.
    pub brokers: u8,
    /// How long a crashed or stopped broker takes to come back when it restarts.
    pub restart_delay_ms: u64,
    /// `min.insync.replicas` (default 1): an `acks=all` produce fails with
    /// NOT_ENOUGH_REPLICAS while the ISR is smaller. Kafka accepts any value of at least 1,
    /// larger than the replication factor too, and caps it at each partition's replication
    /// factor (`Partition.effectiveMinIsr`); so does the model.
    pub min_insync_replicas: u8,
    /// `unclean.leader.election.enable` (default false): whether a replica outside the ISR may
    /// become leader (and lose what the ISR had).
    pub unclean_leader_election: bool,
    /// `replica.lag.time.max.ms` (default 30 s): a follower that has not caught up for this
    /// long leaves the ISR (Partition.scala `maybeShrinkIsr`).
    pub replica_lag_time_max_ms: u64,
    /// `group.initial.rebalance.delay.ms` (default 3 s): how long the coordinator waits for
    /// more members before the first rebalance of an empty group.
    pub group_initial_rebalance_delay_ms: u64,
    /// `group.min.session.timeout.ms` / `group.max.session.timeout.ms` (6 s / 30 min): a
    /// consumer's `session_timeout_ms` outside them is refused (INVALID_SESSION_TIMEOUT).
    pub group_min_session_timeout_ms: u64,
    pub group_max_session_timeout_ms: u64,
}

impl Default for KafkaBrokerSpec {
    fn default() -> Self {
        KafkaBrokerSpec {
            model: MODEL.into(),
            brokers: 1,
            restart_delay_ms: RESTART_DELAY_MS_DEFAULT,
            min_insync_replicas: MIN_INSYNC_REPLICAS_DEFAULT,
            unclean_leader_election: false,
            replica_lag_time_max_ms: REPLICA_LAG_TIME_MAX_MS_DEFAULT,
            group_initial_rebalance_delay_ms: GROUP_INITIAL_REBALANCE_DELAY_MS_DEFAULT,
            group_min_session_timeout_ms: GROUP_MIN_SESSION_TIMEOUT_MS_DEFAULT,
            group_max_session_timeout_ms: GROUP_MAX_SESSION_TIMEOUT_MS_DEFAULT,
        }
    }
}

/// A topic, created before the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    /// 1 to `PARTITIONS_MAX` (default 1: `num.partitions`).
    #[serde(default = "one_partition")]
    pub partitions: u16,
    /// 1 to `broker.brokers` (default 1: `default.replication.factor`).
    #[serde(default = "one_replica")]
    pub replication_factor: u8,
}

fn one_partition() -> u16 {
    1
}
fn one_replica() -> u8 {
    1
}

impl TopicSpec {
    /// The tutorial's topic: `test_topic`, 1 partition, replication factor 1.
    pub fn tutorial() -> TopicSpec {
        TopicSpec { name: default_topic(), partitions: 1, replication_factor: 1 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum KafkaActorSpec {
    Producer(KafkaProducerSpec),
    Consumer(KafkaConsumerSpec),
}

impl KafkaActorSpec {
    pub fn name(&self) -> &str {
        match self {
            KafkaActorSpec::Producer(p) => &p.name,
            KafkaActorSpec::Consumer(c) => &c.name,
        }
    }
    pub fn topic(&self) -> &str {
        match self {
            KafkaActorSpec::Producer(p) => &p.topic,
            KafkaActorSpec::Consumer(c) => &c.topic,
        }
    }
    pub fn start_ms(&self) -> u64 {
        match self {
            KafkaActorSpec::Producer(p) => p.start_ms,
            KafkaActorSpec::Consumer(c) => c.start_ms,
        }
    }
}

/// kafka-python's `acks`: how many replicas must have a record before the produce request is
/// answered. In the file `"all"`, `"1"` or `"0"` (written so; read also as kafka-python takes
/// it: the numbers 1, 0 and -1, and `"-1"`); in the code `'all'`, `1` or `0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
pub enum Acks {
    /// Every replica in the ISR (and at least `min.insync.replicas`): the 3.x default.
    #[default]
    #[serde(rename = "all")]
    All,
    /// The leader's own write: lost if the leader dies before a follower fetched it.
    #[serde(rename = "1")]
    Leader,
    /// No answer at all: the producer never knows, offsets come back as -1.
    #[serde(rename = "0")]
    None,
}

impl<'de> Deserialize<'de> for Acks {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Acks, D::Error> {
        struct AcksVisitor;
        impl serde::de::Visitor<'_> for AcksVisitor {
            type Value = Acks;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"all\", \"1\" or \"0\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Acks, E> {
                match text {
                    "all" | "-1" => Ok(Acks::All),
                    "1" => Ok(Acks::Leader),
                    "0" => Ok(Acks::None),
                    _ => Err(E::custom(format!("acks must be \"all\", \"1\" or \"0\", got {}", json::quoted(text)))),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Acks, E> {
                match n {
                    -1 => Ok(Acks::All),
                    1 => Ok(Acks::Leader),
                    0 => Ok(Acks::None),
                    _ => Err(E::custom(format!("acks must be \"all\", \"1\" or \"0\", got {n}"))),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Acks, E> {
                match i64::try_from(n) {
                    Ok(n) => self.visit_i64(n),
                    Err(_) => Err(E::custom(format!("acks must be \"all\", \"1\" or \"0\", got {n}"))),
                }
            }
        }
        deserializer.deserialize_any(AcksVisitor)
    }
}

impl Acks {
    /// As kafka-python's `acks=` keyword takes it.
    pub fn python(self) -> &'static str {
        match self {
            Acks::All => "'all'",
            Acks::Leader => "1",
            Acks::None => "0",
        }
    }
}

/// A kafka-python producer running the tutorial's loop: `messages` records
/// `{'data': first_data + i}` to `topic`, each sent and waited for, then `interval_ms` of sleep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaProducerSpec {
    pub name: String,
    #[serde(default = "default_topic")]
    pub topic: String,
    #[serde(default = "default_messages")]
    pub messages: u32,
    /// The first payload's `data` (so two producers can send different numbers).
    #[serde(default)]
    pub first_data: u32,
    /// `time.sleep` after each send (0: no sleep).
    #[serde(default = "default_interval")]
    pub interval_ms: u64,
    #[serde(default)]
    pub acks: Acks,
    /// `enable_idempotence` (3.x default true): the broker drops a retried batch it already
    /// has (producer id + sequence). Must be false with acks 0/1, `retries: 0` or more than 5
    /// requests in flight (see `validate`).
    #[serde(default = "yes")]
    pub enable_idempotence: bool,
    /// The code does not pass `enable_idempotence` (kafka-python's default, True) and kafka-python
    /// turned idempotence off because user-provided `acks` 0/1 or `retries=0` conflict with it
    /// (it logs "Idempotence will be disabled because user-provided config conflicts with
    /// idempotent defaults: ..."): `enable_idempotence` is then false, as the run has it, but the
    /// code writes no `enable_idempotence=False`. Needs such a conflict.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_idempotence_unset: bool,
    /// `retries`: absent (or null) = kafka-python's `float('inf')`, bounded by
    /// `delivery_timeout_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(default = "default_retry_backoff")]
    pub retry_backoff_ms: u64,
    /// How long the producer waits for a produce response before it retries.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_ms: u64,
    /// The bound on a record's whole life in the producer (batching, retries).
    #[serde(default = "default_delivery_timeout")]
    pub delivery_timeout_ms: u64,
    /// `max_in_flight_requests_per_connection`.
    #[serde(default = "default_in_flight")]
    pub max_in_flight: u16,
    #[serde(default)]
    pub linger_ms: u64,
    /// Send with `key=str(data).encode()` (murmur2 partitioning); else no key (kafka-python
    /// picks a random available partition per record).
    #[serde(default)]
    pub keyed: bool,
    /// A transactional producer: all its records in one transaction, committed after the loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactional_id: Option<String>,
    /// `future.get(timeout=...)`: how long the program waits for each send's result before
    /// `KafkaTimeoutError` ends it; null = `future.get()` (until `delivery_timeout_ms`).
    #[serde(default = "default_get_timeout")]
    pub get_timeout_ms: Option<u64>,
    #[serde(default)]
    pub start_ms: u64,
}

/// When a consumer commits its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// `enable_auto_commit=True`: inside the iterator's poll, every `auto_commit_interval_ms`.
    #[default]
    Auto,
    /// `consumer.commit()` after each message is processed: at-least-once.
    AfterProcessing,
    /// `consumer.commit()` before each message is processed: at-most-once.
    BeforeProcessing,
}

/// `auto_offset_reset`: where a group with no committed offset starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    Earliest,
    #[default]
    Latest,
    /// No committed offset is an error (`NoOffsetForPartitionError`).
    None,
}

impl OffsetReset {
    pub fn python(self) -> &'static str {
        match self {
            OffsetReset::Earliest => "'earliest'",
            OffsetReset::Latest => "'latest'",
            OffsetReset::None => "'none'",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    #[default]
    ReadUncommitted,
    /// Only records of committed transactions (and non-transactional ones), up to the last
    /// stable offset.
    ReadCommitted,
}

impl IsolationLevel {
    pub fn python(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "'read_uncommitted'",
            IsolationLevel::ReadCommitted => "'read_committed'",
        }
    }
}

/// A kafka-python consumer in a group, iterating `for message in consumer:` and printing
/// each record; with `work_ms`, processing it (`time.sleep`) after the print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConsumerSpec {
    pub name: String,
    #[serde(default = "default_topic")]
    pub topic: String,
    #[serde(default = "default_group")]
    pub group_id: String,
    #[serde(default)]
    pub auto_offset_reset: OffsetReset,
    #[serde(default)]
    pub commit: CommitMode,
    /// Used with `commit: "auto"` only.
    #[serde(default = "default_auto_commit_interval")]
    pub auto_commit_interval_ms: u64,
    #[serde(default = "default_session_timeout")]
    pub session_timeout_ms: u64,
    #[serde(default = "default_heartbeat_interval")]
    pub heartbeat_interval_ms: u64,
    #[serde(default = "default_max_poll_interval")]
    pub max_poll_interval_ms: u64,
    /// Records one poll returns at most (the iterator yields them one by one).
    #[serde(default = "default_max_poll_records")]
    pub max_poll_records: u32,
    #[serde(default)]
    pub isolation_level: IsolationLevel,
    /// Processing time per record (`time.sleep(...)  # process(message)`); 0: the print is
    /// all it does.
    #[serde(default)]
    pub work_ms: u64,
    #[serde(default)]
    pub start_ms: u64,
}

fn default_topic() -> String {
    "test_topic".into()
}
fn default_group() -> String {
    "test_group".into()
}
fn default_messages() -> u32 {
    10
}
fn default_interval() -> u64 {
    1_000
}
fn yes() -> bool {
    true
}
fn default_retry_backoff() -> u64 {
    RETRY_BACKOFF_MS_DEFAULT
}
fn default_request_timeout() -> u64 {
    REQUEST_TIMEOUT_MS_DEFAULT
}
fn default_delivery_timeout() -> u64 {
    DELIVERY_TIMEOUT_MS_DEFAULT
}
fn default_in_flight() -> u16 {
    MAX_IN_FLIGHT_DEFAULT
}
fn default_get_timeout() -> Option<u64> {
    Some(GET_TIMEOUT_MS_DEFAULT)
}
fn default_auto_commit_interval() -> u64 {
    AUTO_COMMIT_INTERVAL_MS_DEFAULT
}
fn default_session_timeout() -> u64 {
    SESSION_TIMEOUT_MS_DEFAULT
}
fn default_heartbeat_interval() -> u64 {
    HEARTBEAT_INTERVAL_MS_DEFAULT
}
fn default_max_poll_interval() -> u64 {
    MAX_POLL_INTERVAL_MS_DEFAULT
}
fn default_max_poll_records() -> u32 {
    MAX_POLL_RECORDS_DEFAULT
}

impl KafkaProducerSpec {
    /// The tutorial's producer (every setting at its kafka-python 3.0.x default).
    pub fn tutorial(name: &str) -> KafkaProducerSpec {
        KafkaProducerSpec {
            name: name.into(),
            topic: default_topic(),
            messages: default_messages(),
            first_data: 0,
            interval_ms: default_interval(),
            acks: Acks::All,
            enable_idempotence: true,
            enable_idempotence_unset: false,
            retries: None,
            retry_backoff_ms: RETRY_BACKOFF_MS_DEFAULT,
            request_timeout_ms: REQUEST_TIMEOUT_MS_DEFAULT,
            delivery_timeout_ms: DELIVERY_TIMEOUT_MS_DEFAULT,
            max_in_flight: MAX_IN_FLIGHT_DEFAULT,
            linger_ms: LINGER_MS_DEFAULT,
            keyed: false,
            transactional_id: None,
            get_timeout_ms: default_get_timeout(),
            start_ms: 0,
        }
    }
}

impl KafkaConsumerSpec {
    /// The tutorial's consumer (every setting at its kafka-python 3.0.x default, so
    /// `auto_offset_reset` is `latest`).
    pub fn tutorial(name: &str) -> KafkaConsumerSpec {
        KafkaConsumerSpec {
            name: name.into(),
            topic: default_topic(),
            group_id: default_group(),
            auto_offset_reset: OffsetReset::Latest,
            commit: CommitMode::Auto,
            auto_commit_interval_ms: AUTO_COMMIT_INTERVAL_MS_DEFAULT,
            session_timeout_ms: SESSION_TIMEOUT_MS_DEFAULT,
            heartbeat_interval_ms: HEARTBEAT_INTERVAL_MS_DEFAULT,
            max_poll_interval_ms: MAX_POLL_INTERVAL_MS_DEFAULT,
            max_poll_records: MAX_POLL_RECORDS_DEFAULT,
            isolation_level: IsolationLevel::ReadUncommitted,
            work_ms: 0,
            start_ms: 0,
        }
    }
}


/// A duration that must also be at least 1 ms.
fn positive_ms(field: &str, value: u64) -> Result<(), ScenarioError> {
    if value == 0 {
        return Err(err(field, "must be at least 1 ms"));
    }
    time_ms(field, value)
}

/// A name a program writes as a string (actor, group id, transactional id): not empty, at
/// most `NAME_BYTES_MAX` bytes.
fn name_text(field: &str, value: &str) -> Result<(), ScenarioError> {
    if value.is_empty() {
        return Err(err(field, "must not be empty"));
    }
    if value.len() > NAME_BYTES_MAX {
        return Err(err(field, format!("must be at most {NAME_BYTES_MAX} bytes, got {}", value.len())));
    }
    Ok(())
}

/// Kafka's rule for topic names (`Topic.java` `validate`): 1 to 249 characters of ASCII
/// letters, digits, `.`, `_` and `-`, and not `.` nor `..`.
fn topic_name(field: &str, name: &str) -> Result<(), ScenarioError> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(err(field, "must not be empty, \".\" nor \"..\" (Kafka refuses them)"));
    }
    if name.len() > TOPIC_NAME_MAX {
        return Err(err(field, format!("must be at most {TOPIC_NAME_MAX} characters (Kafka's limit), got {}", name.len())));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-') {
        return Err(err(field, format!("{} is not a legal Kafka topic name: only ASCII letters, digits, '.', '_' and '-'", json::quoted(name))));
    }
    Ok(())
}

/// An error inside `actors` (an internally tagged enum, which serde buffers, so serde_json
/// stops past the actor): each actor re-read as its own spec, to name the actor and the field.
fn actor_error(text: &str, error: ScenarioError) -> ScenarioError {
    if !error.field.starts_with("actors") {
        return error;
    }
    let Some(serde_json::Value::Array(actors)) = json::parse::<serde_json::Value>(text).ok().and_then(|mut v| v.get_mut("actors").map(serde_json::Value::take)) else {
        return error;
    };
    for (index, actor) in actors.into_iter().enumerate() {
        let serde_json::Value::Object(mut actor) = actor else {
            return err(format!("actors[{index}]"), "must be an object with a \"role\": \"producer\" or \"consumer\"");
        };
        let role = actor.remove("role");
        let spec = serde_json::Value::Object(actor).to_string();
        let inner = match role {
            Some(serde_json::Value::String(role)) if role == "producer" => json::parse::<KafkaProducerSpec>(&spec).err(),
            Some(serde_json::Value::String(role)) if role == "consumer" => json::parse::<KafkaConsumerSpec>(&spec).err(),
            _ => return err(format!("actors[{index}].role"), "must be \"producer\" or \"consumer\""),
        };
        if let Some(inner) = inner {
            let field = if inner.error.field.is_empty() { format!("actors[{index}]") } else { format!("actors[{index}].{}", inner.error.field) };
            return err(field, inner.error.problem);
        }
    }
    error
}

/// Whether a scenario file is a Kafka one (`"broker": {"model": "kafka", ...}`), without
/// reading the rest: lets a caller choose which schema reads it. False for text that is not
/// JSON.
pub fn is_kafka(text: &str) -> bool {
    json::parse::<serde_json::Value>(text).ok().is_some_and(|v| v.get("broker").and_then(|b| b.get("model")).and_then(|m| m.as_str()) == Some(MODEL))
}

impl KafkaScenario {
    /// Parse and validate a Kafka scenario file. Errors read `field: problem` with the path of
    /// the bad value; text that is not JSON gives the line and column.
    pub fn from_json(text: &str) -> Result<KafkaScenario, ScenarioError> {
        let scenario: KafkaScenario = read_file(text, KAFKA_SCENARIO_FORMAT, actor_error)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The file, pretty-printed; `from_json` reads it back as the same scenario.
    pub fn to_json(&self) -> String {
        // Plain data (strings, integers, booleans): serializing it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn topic(&self, name: &str) -> Option<&TopicSpec> {
        self.topics.iter().find(|t| t.name == name)
    }

    pub fn actor(&self, name: &str) -> Option<&KafkaActorSpec> {
        self.actors.iter().find(|a| a.name() == name)
    }

    /// `kafka@N` -> N, if N is a broker of this scenario.
    pub fn broker_of(&self, endpoint: &str) -> Option<u8> {
        let digits = endpoint.strip_prefix(BROKER_ENDPOINT_PREFIX)?;
        // Only the canonical spelling: `kafka@01` and `kafka@+1` are not broker 1.
        if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let n: u8 = digits.parse().ok()?;
        (n < self.broker.brokers).then_some(n)
    }

    /// The endpoint names a fault may use: actor names and `kafka@N`.
    pub fn endpoint_known(&self, name: &str) -> bool {
        self.actor(name).is_some() || self.broker_of(name).is_some()
    }

    /// Check everything a run needs; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if let Some(v) = self.format.filter(|&v| v != KAFKA_SCENARIO_FORMAT) {
            return Err(format_error(u64::from(v), KAFKA_SCENARIO_FORMAT));
        }
        if self.name.trim().is_empty() {
            return Err(err("name", "must not be empty"));
        }
        self.validate_broker()?;
        self.costs.validate()?;
        self.validate_topics()?;
        self.validate_actors()?;
        self.validate_limits()?;
        self.validate_faults()
    }

    fn validate_broker(&self) -> Result<(), ScenarioError> {
        let broker = &self.broker;
        if broker.model != MODEL {
            return Err(err("broker.model", format!("must be \"kafka\" in a Kafka scenario, got {}", json::quoted(&broker.model))));
        }
        if broker.brokers == 0 || broker.brokers > BROKERS_MAX {
            return Err(err("broker.brokers", format!("must be between 1 and {BROKERS_MAX}, got {}", broker.brokers)));
        }
        time_ms("broker.restart_delay_ms", broker.restart_delay_ms)?;
        if broker.min_insync_replicas == 0 {
            return Err(err("broker.min_insync_replicas", "must be at least 1 (Kafka refuses 0)"));
        }
        positive_ms("broker.replica_lag_time_max_ms", broker.replica_lag_time_max_ms)?;
        time_ms("broker.group_initial_rebalance_delay_ms", broker.group_initial_rebalance_delay_ms)?;
        positive_ms("broker.group_min_session_timeout_ms", broker.group_min_session_timeout_ms)?;
        time_ms("broker.group_max_session_timeout_ms", broker.group_max_session_timeout_ms)?;
        if broker.group_max_session_timeout_ms < broker.group_min_session_timeout_ms {
            return Err(err("broker.group_max_session_timeout_ms", "must be at least group_min_session_timeout_ms"));
        }
        if self.network.latency_ms > 60_000 || self.network.jitter_ms > 60_000 {
            return Err(err("network", "latency_ms and jitter_ms must be at most 60000"));
        }
        time_ms("network.reset_after_drop_ms", self.network.reset_after_drop_ms)
    }

    fn validate_topics(&self) -> Result<(), ScenarioError> {
        if self.topics.is_empty() {
            return Err(err("topics", "at least one topic is needed"));
        }
        if self.topics.len() > TOPICS_MAX {
            return Err(err("topics", format!("at most {TOPICS_MAX} topics, got {}", self.topics.len())));
        }
        for (i, topic) in self.topics.iter().enumerate() {
            let field = |f: &str| format!("topics[{i}].{f}");
            topic_name(&field("name"), &topic.name)?;
            if self.topics[..i].iter().any(|o| o.name == topic.name) {
                return Err(err(field("name"), format!("topic {} is declared twice", json::quoted(&topic.name))));
            }
            if topic.partitions == 0 || topic.partitions > PARTITIONS_MAX {
                return Err(err(field("partitions"), format!("must be between 1 and {PARTITIONS_MAX}, got {}", topic.partitions)));
            }
            if topic.replication_factor == 0 || topic.replication_factor > self.broker.brokers {
                return Err(err(
                    field("replication_factor"),
                    format!(
                        "must be between 1 and the number of brokers ({}), got {} (Kafka refuses to create it: INVALID_REPLICATION_FACTOR)",
                        self.broker.brokers, topic.replication_factor
                    ),
                ));
            }
        }
        Ok(())
    }

    fn validate_actors(&self) -> Result<(), ScenarioError> {
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
            name_text(&field("name"), name)?;
            if name.starts_with(BROKER_ENDPOINT_PREFIX) {
                return Err(err(field("name"), format!("must not start with {} (the brokers' endpoint names)", json::quoted(BROKER_ENDPOINT_PREFIX))));
            }
            if self.actors[..i].iter().any(|o| o.name() == name) {
                return Err(err(field("name"), format!("two actors are named {}", json::quoted(name))));
            }
            if self.topic(actor.topic()).is_none() {
                return Err(err(field("topic"), format!("topic {} is not in topics (topics are not auto-created)", json::quoted(actor.topic()))));
            }
            time_ms(&field("start_ms"), actor.start_ms())?;
            match actor {
                KafkaActorSpec::Producer(p) => {
                    validate_producer(p, &field)?;
                    total_messages += u64::from(p.messages);
                }
                KafkaActorSpec::Consumer(c) => self.validate_consumer(c, &field)?,
            }
        }
        let messages_max = self.limits.messages_max.min(MESSAGES_MAX);
        if total_messages > u64::from(messages_max) {
            return Err(err("actors", format!("the producers send {total_messages} messages, more than limits.messages_max = {messages_max}")));
        }
        Ok(())
    }

    fn validate_consumer(&self, c: &KafkaConsumerSpec, field: &dyn Fn(&str) -> String) -> Result<(), ScenarioError> {
        name_text(&field("group_id"), &c.group_id)?;
        positive_ms(&field("auto_commit_interval_ms"), c.auto_commit_interval_ms)?;
        positive_ms(&field("heartbeat_interval_ms"), c.heartbeat_interval_ms)?;
        time_ms(&field("session_timeout_ms"), c.session_timeout_ms)?;
        positive_ms(&field("max_poll_interval_ms"), c.max_poll_interval_ms)?;
        time_ms(&field("work_ms"), c.work_ms)?;
        let (min, max) = (self.broker.group_min_session_timeout_ms, self.broker.group_max_session_timeout_ms);
        if c.session_timeout_ms < min || c.session_timeout_ms > max {
            return Err(err(
                field("session_timeout_ms"),
                format!("must be between broker.group_min_session_timeout_ms ({min}) and group_max_session_timeout_ms ({max}), got {} (the coordinator refuses the join: INVALID_SESSION_TIMEOUT)", c.session_timeout_ms),
            ));
        }
        // kafka-python's docs: "The value must be set lower than session_timeout_ms".
        if c.heartbeat_interval_ms >= c.session_timeout_ms {
            return Err(err(
                field("heartbeat_interval_ms"),
                format!("must be lower than session_timeout_ms ({}), got {}", c.session_timeout_ms, c.heartbeat_interval_ms),
            ));
        }
        if c.max_poll_records == 0 || c.max_poll_records > MESSAGES_MAX {
            return Err(err(field("max_poll_records"), format!("must be between 1 and {MESSAGES_MAX}, got {}", c.max_poll_records)));
        }
        Ok(())
    }

    fn validate_limits(&self) -> Result<(), ScenarioError> {
        let limits = &self.limits;
        if limits.messages_max > MESSAGES_MAX {
            return Err(err("limits.messages_max", format!("must be at most {MESSAGES_MAX} (a run must fit in a browser tab), got {}", limits.messages_max)));
        }
        if limits.steps_max == 0 || limits.steps_max > STEPS_MAX {
            return Err(err("limits.steps_max", format!("must be between 1 and {STEPS_MAX} (a run must fit in a browser tab), got {}", limits.steps_max)));
        }
        if limits.events_max == 0 || limits.events_max > EVENTS_MAX {
            return Err(err("limits.events_max", format!("must be between 1 and {EVENTS_MAX} (a run must fit in a browser tab), got {}", limits.events_max)));
        }
        if limits.time_ms_max > TIME_MS_MAX {
            return Err(err("limits.time_ms_max", format!("must be at most {TIME_MS_MAX} (about 49 days)")));
        }
        Ok(())
    }

    fn validate_faults(&self) -> Result<(), ScenarioError> {
        if self.faults.len() > FAULTS_MAX {
            return Err(err("faults", format!("at most {FAULTS_MAX} faults, got {}", self.faults.len())));
        }
        for (i, fault) in self.faults.iter().enumerate() {
            let field = |f: &str| format!("faults[{i}].{f}");
            self.validate_trigger(&fault.when, &field)?;
            self.validate_action(&fault.action, &field)?;
        }
        if let Some(r) = &self.random_faults {
            time_ms("random_faults.actor_restart_ms", r.actor_restart_ms)?;
            time_ms("random_faults.until_ms", r.until_ms)?;
            for (name, ratio) in [
                ("consumer_crash", &r.consumer_crash),
                ("producer_crash", &r.producer_crash),
                ("frame_loss", &r.frame_loss),
                ("frame_duplicate", &r.frame_duplicate),
                ("node_crash", &r.node_crash),
            ] {
                if ratio.numerator > 0 && (ratio.denominator == 0 || ratio.numerator > ratio.denominator) {
                    return Err(err(format!("random_faults.{name}"), "numerator must be at most denominator, and denominator non-zero"));
                }
            }
        }
        Ok(())
    }

    fn validate_trigger(&self, when: &Trigger, field: &dyn Fn(&str) -> String) -> Result<(), ScenarioError> {
        match when {
            Trigger::AtMs(at_ms) => time_ms(&field("when.at_ms"), *at_ms),
            Trigger::AtStep(_) => Ok(()),
            Trigger::After { actor, op, occurrence } | Trigger::Before { actor, op, occurrence } => {
                let Some(spec) = self.actor(actor) else {
                    return Err(err(field("when.actor"), format!("no actor is named {}", json::quoted(actor))));
                };
                let Some(kind) = KafkaOpKind::from_name(op) else {
                    return Err(err(field("when.op"), format!("unknown operation {} (known: {})", json::quoted(op), program::KAFKA_OP_NAMES.join(", "))));
                };
                // An operation the actor's program never runs would never fire the fault.
                let ops = program::of(self, spec);
                if !ops.main.iter().any(|o| o.kind.name() == kind.name()) {
                    let own: Vec<&str> = ops.main.iter().map(|o| o.kind.name()).collect();
                    return Err(err(field("when.op"), format!("{} never runs {} (its operations: {})", json::quoted(actor), json::quoted(op), own.join(", "))));
                }
                if *occurrence == 0 {
                    return Err(err(field("when.occurrence"), "counts from 1"));
                }
                Ok(())
            }
        }
    }

    fn validate_action(&self, action: &FaultAction, field: &dyn Fn(&str) -> String) -> Result<(), ScenarioError> {
        let actor_named = |name: &str| -> Result<&KafkaActorSpec, ScenarioError> {
            self.actor(name).ok_or_else(|| err(field("do"), format!("no actor is named {}", json::quoted(name))))
        };
        match action {
            FaultAction::Crash(a) | FaultAction::Stop(a) | FaultAction::Restart(a) => actor_named(a).map(|_| ()),
            FaultAction::Slow { actor, work_ms } => {
                if !matches!(actor_named(actor)?, KafkaActorSpec::Consumer(_)) {
                    return Err(err(field("do"), format!("{} is not a consumer (only a consumer's processing can be slowed)", json::quoted(actor))));
                }
                time_ms(&field("do.slow.work_ms"), *work_ms)
            }
            FaultAction::DuplicateNext(a) => {
                if !matches!(actor_named(a)?, KafkaActorSpec::Producer(_)) {
                    return Err(err(field("do"), format!("{} is not a producer", json::quoted(a))));
                }
                Ok(())
            }
            FaultAction::Cancel(_) => Err(err(field("do"), "cancel is RabbitMQ's basic_cancel; a Kafka consumer leaves its group with stop (close())")),
            FaultAction::PoisonNext(_) => Err(err(field("do"), "poison_next needs a consumer that can fail on a message; the Kafka consumers cannot yet")),
            FaultAction::CrashNode { node, .. } | FaultAction::StopNode { node, .. } | FaultAction::StartNode(node) => {
                if *node >= self.broker.brokers {
                    return Err(err(field("do"), format!("broker {node} does not exist (the cluster has {} broker(s))", self.broker.brokers)));
                }
                Ok(())
            }
            FaultAction::Partition(a, b) | FaultAction::Heal(a, b) | FaultAction::DropNext { from: a, to: b } => {
                for end in [a, b] {
                    if !self.endpoint_known(end) {
                        return Err(err(field("do"), format!("unknown endpoint {} (an actor name or kafka@N)", json::quoted(end))));
                    }
                }
                if a == b {
                    return Err(err(field("do"), "the two endpoints must differ"));
                }
                // Kafka clients talk to brokers only: between two clients there is no link to
                // cut and no frame to lose.
                if self.broker_of(a).is_none() && self.broker_of(b).is_none() {
                    return Err(err(field("do"), format!("{} and {} are both clients, which talk to brokers only: one end must be kafka@N", json::quoted(a), json::quoted(b))));
                }
                Ok(())
            }
        }
    }
}

/// A producer's own settings, and the conflicts kafka-python refuses.
fn validate_producer(p: &KafkaProducerSpec, field: &dyn Fn(&str) -> String) -> Result<(), ScenarioError> {
    if p.messages > MESSAGES_MAX {
        return Err(err(field("messages"), format!("at most {MESSAGES_MAX} messages, got {}", p.messages)));
    }
    if p.messages > 0 && p.first_data.checked_add(p.messages - 1).is_none() {
        return Err(err(field("first_data"), format!("the last payload first_data + messages - 1 must be at most {}, got first_data {} and {} messages", u32::MAX, p.first_data, p.messages)));
    }
    time_ms(&field("interval_ms"), p.interval_ms)?;
    time_ms(&field("retry_backoff_ms"), p.retry_backoff_ms)?;
    positive_ms(&field("request_timeout_ms"), p.request_timeout_ms)?;
    positive_ms(&field("delivery_timeout_ms"), p.delivery_timeout_ms)?;
    time_ms(&field("linger_ms"), p.linger_ms)?;
    if let Some(get) = p.get_timeout_ms {
        positive_ms(&field("get_timeout_ms"), get)?;
    }
    // ProducerConfig: "delivery.timeout.ms should be equal to or larger than linger.ms +
    // request.timeout.ms" (the Java client refuses a smaller one the user set).
    if p.delivery_timeout_ms < p.request_timeout_ms + p.linger_ms {
        return Err(err(
            field("delivery_timeout_ms"),
            format!("must be at least request_timeout_ms + linger_ms ({}), got {}", p.request_timeout_ms + p.linger_ms, p.delivery_timeout_ms),
        ));
    }
    if p.max_in_flight == 0 {
        return Err(err(field("max_in_flight"), "must be at least 1"));
    }
    if let Some(id) = &p.transactional_id {
        name_text(&field("transactional_id"), id)?;
        if !p.enable_idempotence {
            // kafka-python 3: KafkaConfigurationError "Cannot set transactional_id without
            // enable_idempotence."
            return Err(err(field("transactional_id"), "needs enable_idempotence: true (kafka-python raises \"Cannot set transactional_id without enable_idempotence.\")"));
        }
    }
    if p.enable_idempotence_unset {
        // Left at its default, idempotence is off only where kafka-python turns it off.
        if p.enable_idempotence || p.transactional_id.is_some() {
            return Err(err(field("enable_idempotence_unset"), "needs enable_idempotence: false and no transactional_id"));
        }
        if p.acks == Acks::All && p.retries != Some(0) && p.max_in_flight <= IDEMPOTENT_IN_FLIGHT_MAX {
            return Err(err(field("enable_idempotence_unset"), "kafka-python keeps its default enable_idempotence=True unless acks, retries or max_in_flight_requests_per_connection conflict with it; say enable_idempotence: true"));
        }
    }
    if p.enable_idempotence {
        // kafka-python 3.0 (KafkaProducer.__init__): idempotence needs acks='all', retries > 0
        // and at most 5 requests in flight. With enable_idempotence=True passed explicitly (or a
        // transactional_id) a conflict raises KafkaConfigurationError; left at its default,
        // idempotence is silently turned off with a warning. A scenario says which it means.
        // `field_name`: the scenario's name of the setting; `python`: kafka-python's.
        let conflict = |field_name: &str, python: &str, value: String| {
            err(
                field(field_name),
                format!(
                    "{python}={value} needs enable_idempotence: false. kafka-python 3 raises KafkaConfigurationError (\"enable_idempotence=True is incompatible with user-provided {python}={value}\") when enable_idempotence=True is passed, and silently turns idempotence off with a warning when it is left at its default; say enable_idempotence: false"
                ),
            )
        };
        match p.acks {
            Acks::All => {}
            Acks::Leader => return Err(conflict("acks", "acks", "1".into())),
            Acks::None => return Err(conflict("acks", "acks", "0".into())),
        }
        if p.retries == Some(0) {
            return Err(conflict("retries", "retries", "0".into()));
        }
        if p.max_in_flight > IDEMPOTENT_IN_FLIGHT_MAX {
            return Err(conflict("max_in_flight", "max_in_flight_requests_per_connection", p.max_in_flight.to_string()));
        }
    }
    Ok(())
}

/// The Kafka catalog: the tour's Kafka chapters as scenario files shipped inside the binary,
/// in tour order. Each is valid (tested by `tests/kafka_code.rs`).
pub mod catalog {
    use super::KafkaScenario;
    use crate::scenario::json;
    use crate::scenario::ScenarioError;

    /// (name, file contents), in tour order.
    pub const ENTRIES: &[(&str, &str)] = &[
        ("k-workload", include_str!("catalog/k-workload.json")),
        ("k-crash-autocommit", include_str!("catalog/k-crash-autocommit.json")),
        ("k-commit-before", include_str!("catalog/k-commit-before.json")),
        ("k-acks1-leader-crash", include_str!("catalog/k-acks1-leader-crash.json")),
        ("k-lost-response-no-idempotence", include_str!("catalog/k-lost-response-no-idempotence.json")),
        ("k-idempotent-lost-response", include_str!("catalog/k-idempotent-lost-response.json")),
    ];

    /// The names of every Kafka catalog scenario.
    pub fn names() -> impl Iterator<Item = &'static str> {
        ENTRIES.iter().map(|(name, _)| *name)
    }

    /// The tutorial's workload scaled up for the benchmark (`benches/kafka_throughput.rs`):
    /// one producer sending `records` records with no sleep (`acks='all'`, idempotent, and
    /// `future.get()` without a timeout, so a leader's failover does not end the program),
    /// `test_topic` with 3 partitions replicated 3 times on 3 brokers, a group of 4
    /// consumers reading from the earliest offset with auto-commit; random consumer crashes
    /// (1 in 200,000 consumer ops, each restarted 100 ms later) and one crash of broker 0,
    /// the first partition's leader, about halfway through the sending
    /// (`scaled_workload_leader_crash_ms`; back after the broker's restart delay).
    /// Deterministic: seed 42.
    pub fn scaled_workload(records: u32) -> KafkaScenario {
        let leader_crash_at_ms = scaled_workload_leader_crash_ms(records);
        use super::*;
        use crate::engine::rng::Ratio;
        let producer = KafkaProducerSpec { messages: records, interval_ms: 0, get_timeout_ms: None, ..KafkaProducerSpec::tutorial("producer") };
        let consumer = |i: u32| {
            KafkaActorSpec::Consumer(KafkaConsumerSpec { auto_offset_reset: OffsetReset::Earliest, ..KafkaConsumerSpec::tutorial(&format!("consumer-{i}")) })
        };
        let scenario = KafkaScenario {
            format: None,
            name: format!("kafka-throughput-{records}"),
            title: "The Kafka tutorial, scaled up, with consumer crashes and a leader crash".into(),
            seed: 42,
            broker: KafkaBrokerSpec { brokers: 3, ..KafkaBrokerSpec::default() },
            network: Default::default(),
            costs: Default::default(),
            topics: vec![TopicSpec { name: "test_topic".into(), partitions: 3, replication_factor: 3 }],
            actors: std::iter::once(KafkaActorSpec::Producer(producer)).chain((1..=4).map(consumer)).collect(),
            faults: vec![FaultSpec { when: Trigger::AtMs(leader_crash_at_ms), action: FaultAction::CrashNode { node: 0, restart: true } }],
            random_faults: Some(RandomFaults {
                consumer_crash: Ratio { numerator: 1, denominator: 200_000 },
                actor_restart_ms: 100,
                until_ms: 1_000_000_000,
                ..RandomFaults::default()
            }),
            limits: Limits { steps_max: STEPS_MAX, time_ms_max: 24 * 3_600_000, messages_max: records, events_max: EVENTS_MAX },
        };
        scenario.validate().unwrap_or_else(|e| panic!("the Kafka bench scenario is invalid: {e}"));
        scenario
    }

    /// When `scaled_workload` crashes the leader: about halfway through the sending (a record
    /// takes the producer about 10 ms: the produce request, the followers' next fetches
    /// every `REPLICA_FETCH_MS` that move the high watermark past it, the answer).
    pub fn scaled_workload_leader_crash_ms(records: u32) -> u64 {
        (u64::from(records) * 5).max(10)
    }

    /// A Kafka catalog scenario by name.
    pub fn get(name: &str) -> Result<KafkaScenario, ScenarioError> {
        let (_, text) = ENTRIES.iter().find(|(n, _)| *n == name).ok_or_else(|| ScenarioError {
            field: String::new(),
            problem: format!("no Kafka catalog scenario is named {} (known: {})", json::quoted(name), names().collect::<Vec<_>>().join(", ")),
        })?;
        KafkaScenario::from_json(text)
    }
}
