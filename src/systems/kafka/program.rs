//! Kafka actor programs: the kafka-python 3.x code of a producer or consumer, generated from
//! its settings (the tutorial's workload, in the shape of the pika programs: imports,
//! `def main():`, the loop, the prints, `time.sleep`), together with the operations the
//! engine executes. Code and operations come from one builder, so every operation carries the
//! 1-based line of the code that does it, and the code panel, the exported script and the
//! simulation cannot disagree.
//!
//! The code writes only the settings that differ from kafka-python 3.0.x's defaults (each with
//! a short comment), except `auto_offset_reset` and `enable_auto_commit`, which a consumer
//! always states (they are the lesson). A setting that changes nothing (the auto-commit
//! interval of a consumer that commits itself) changes no code. Values are (de)serialized by
//! kafka-python's own `JsonSerializer()` (a plain function there is deprecated since 3.0.0).
//! Bootstrap servers:
//! `'localhost:9092'` with one broker; with several, the list `['kafka0:9092', 'kafka1:9092',
//! ...]` (broker N = host `kafkaN`, the endpoint `kafka@N` of faults).
//!
//! Invariants: every `Op::line` is a line of `Program::code` (1-based) whose text does what
//! the op's kind says (`KafkaOpKind::name`); `main` runs in order, the ops between the loop's
//! head (`LoopStart` for a producer, `Poll` for a consumer) and `LoopEnd` once per record; a
//! consumer's ops after `LoopEnd` (`close`) run only when it is stopped gracefully (its
//! iterator never ends); exactly one op per record counts as the consumer's effect.

use super::scenario::{Acks, CommitMode, KafkaActorSpec, KafkaConsumerSpec, KafkaProducerSpec, KafkaScenario};
use super::scenario::{
    AUTO_COMMIT_INTERVAL_MS_DEFAULT, DELIVERY_TIMEOUT_MS_DEFAULT, HEARTBEAT_INTERVAL_MS_DEFAULT, LINGER_MS_DEFAULT, MAX_IN_FLIGHT_DEFAULT,
    MAX_POLL_INTERVAL_MS_DEFAULT, MAX_POLL_RECORDS_DEFAULT, REQUEST_TIMEOUT_MS_DEFAULT, RETRY_BACKOFF_MS_DEFAULT, SESSION_TIMEOUT_MS_DEFAULT,
};
pub use crate::systems::python::{py, seconds};
use serde::{Deserialize, Serialize};

/// What an operation does. Its parameters (topic, key, settings) are in the actor's spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KafkaOpKind {
    /// `producer = KafkaProducer(...)`: connects to the bootstrap servers.
    NewProducer,
    /// `producer.init_transactions()`: gets the producer id and epoch (transactional producer).
    InitTransactions,
    /// `producer.begin_transaction()`.
    BeginTransaction,
    /// `for i in range(n):`
    LoopStart,
    /// `future = producer.send(...)`: the record is appended to a batch; returns a future.
    Send,
    /// `metadata = future.get(...)`: blocks until the record is acknowledged (or raises).
    Get,
    PrintSent,
    /// `time.sleep(interval)` after a send (only when `interval_ms > 0`).
    Sleep,
    /// End of a loop body: back to the loop's head (its line is the head's `for` line).
    LoopEnd,
    /// `producer.commit_transaction()`.
    CommitTransaction,
    /// `producer.flush()`: waits for what is still buffered.
    Flush,
    /// `producer.close()` / `consumer.close()` (a consumer's in `finally:`, on a graceful stop:
    /// commits with auto-commit, and leaves the group at once).
    Close,
    /// `consumer = KafkaConsumer(...)`: subscribes; joins the group at the first poll.
    NewConsumer,
    PrintWaiting,
    /// `for message in consumer:`: the iterator polls (joins or rejoins the group, heartbeats,
    /// auto-commits when due, fetches) and yields the next record.
    Poll,
    /// `print(f" [x] Received {message.value}")`; `effect` when the print is the record's
    /// effect (a consumer that does nothing else).
    PrintReceived { effect: bool },
    /// `time.sleep(...)  # process(message)`; the record's effect when it completes.
    Work { effect: bool },
    /// `consumer.commit()`: commits the position (offset + 1 of the last yielded record).
    Commit,
}

/// Every operation name a fault trigger may use, in `KafkaOpKind::index` order.
pub const KAFKA_OP_NAMES: &[&str] = &[
    "kafka_producer", "init_transactions", "begin_transaction", "loop", "send", "get", "print_sent", "sleep", "loop_end",
    "commit_transaction", "flush", "close", "kafka_consumer", "print_waiting", "poll", "print_received", "work", "commit",
];

impl KafkaOpKind {
    /// Every kind (with `effect: true` where it has one), in `index` order.
    pub const ALL: [KafkaOpKind; 18] = [
        KafkaOpKind::NewProducer,
        KafkaOpKind::InitTransactions,
        KafkaOpKind::BeginTransaction,
        KafkaOpKind::LoopStart,
        KafkaOpKind::Send,
        KafkaOpKind::Get,
        KafkaOpKind::PrintSent,
        KafkaOpKind::Sleep,
        KafkaOpKind::LoopEnd,
        KafkaOpKind::CommitTransaction,
        KafkaOpKind::Flush,
        KafkaOpKind::Close,
        KafkaOpKind::NewConsumer,
        KafkaOpKind::PrintWaiting,
        KafkaOpKind::Poll,
        KafkaOpKind::PrintReceived { effect: true },
        KafkaOpKind::Work { effect: true },
        KafkaOpKind::Commit,
    ];

    /// The position of `self.name()` in `KAFKA_OP_NAMES`.
    pub fn index(self) -> usize {
        match self {
            KafkaOpKind::NewProducer => 0,
            KafkaOpKind::InitTransactions => 1,
            KafkaOpKind::BeginTransaction => 2,
            KafkaOpKind::LoopStart => 3,
            KafkaOpKind::Send => 4,
            KafkaOpKind::Get => 5,
            KafkaOpKind::PrintSent => 6,
            KafkaOpKind::Sleep => 7,
            KafkaOpKind::LoopEnd => 8,
            KafkaOpKind::CommitTransaction => 9,
            KafkaOpKind::Flush => 10,
            KafkaOpKind::Close => 11,
            KafkaOpKind::NewConsumer => 12,
            KafkaOpKind::PrintWaiting => 13,
            KafkaOpKind::Poll => 14,
            KafkaOpKind::PrintReceived { .. } => 15,
            KafkaOpKind::Work { .. } => 16,
            KafkaOpKind::Commit => 17,
        }
    }

    /// The stable name fault triggers use (`{"after": {"op": "commit", ...}}`).
    pub fn name(self) -> &'static str {
        KAFKA_OP_NAMES[self.index()]
    }

    /// The kind a trigger's name stands for (`effect` set to true where there is one).
    pub fn from_name(name: &str) -> Option<KafkaOpKind> {
        KafkaOpKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether this op is the record's effect ("processed").
    pub fn is_effect(self) -> bool {
        matches!(self, KafkaOpKind::PrintReceived { effect: true } | KafkaOpKind::Work { effect: true })
    }
}

/// One operation of a program, with the 1-based line of the code that does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    pub kind: KafkaOpKind,
    pub line: u16,
}

/// A program: its code (one string per line, no newline) and its operations in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub code: Vec<String>,
    pub main: Vec<Op>,
}

impl Program {
    /// The indexes in `main` of the loop's head (`LoopStart` / `Poll`) and of its `LoopEnd`:
    /// the ops strictly between them run once per record.
    pub fn loop_bounds(&self) -> Option<(usize, usize)> {
        let head = self.main.iter().position(|op| matches!(op.kind, KafkaOpKind::LoopStart | KafkaOpKind::Poll))?;
        let end = self.main.iter().position(|op| op.kind == KafkaOpKind::LoopEnd)?;
        (head < end).then_some((head, end))
    }

    /// The whole code as a file (lines joined, with a final newline).
    pub fn text(&self) -> String {
        let mut text = self.code.join("\n");
        text.push('\n');
        text
    }
}

/// One level of Python indentation.
const IN: &str = "    ";

/// kafka-python 3's JSON (de)serializer, not the `lambda v: json.dumps(v).encode('utf-8')` of
/// older tutorials: since 3.0.0 a plain function there raises a DeprecationWarning ("does not
/// implement kafka.serializer.Serializer", `KafkaProducer.__init__`), which the real-package
/// check (`tests/kafka/check_api.py`) turns into an error.
const SERIALIZER_COMMENT: &str = "the dict as JSON bytes";
const DESERIALIZER_COMMENT: &str = "JSON bytes back to a dict";

/// Emits code lines and the ops they carry, so an op always gets its own line's number.
struct Builder {
    code: Vec<String>,
    main: Vec<Op>,
}

impl Builder {
    fn new() -> Builder {
        Builder { code: Vec::new(), main: Vec::new() }
    }
    /// Append a line of code; returns its 1-based number.
    fn line(&mut self, text: impl Into<String>) -> u16 {
        self.code.push(text.into());
        u16::try_from(self.code.len()).unwrap_or(u16::MAX)
    }
    /// Append a line that does `kind`.
    fn op(&mut self, text: impl Into<String>, kind: KafkaOpKind) -> u16 {
        let line = self.line(text);
        self.main.push(Op { kind, line });
        line
    }
    /// An op whose code is a line already written (a loop's end goes back to its head).
    fn op_at(&mut self, line: u16, kind: KafkaOpKind) {
        self.main.push(Op { kind, line });
    }
    /// The imports, sorted as isort would: standard library, a blank line, kafka.
    fn imports(&mut self, standard: &[&str], kafka: &[&str]) {
        let mut standard = standard.to_vec();
        standard.sort_unstable();
        standard.dedup();
        for module in &standard {
            self.line(format!("import {module}"));
        }
        if !standard.is_empty() {
            self.line("");
        }
        let mut kafka = kafka.to_vec();
        kafka.sort_unstable();
        self.line(format!("from kafka import {}", kafka.join(", ")));
    }
    /// Two blank lines, as PEP 8 puts between top-level definitions.
    fn gap(&mut self) {
        self.line("");
        self.line("");
    }
    /// `name = Class(first, keyword=value,  # comment ...)`, one keyword a line, aligned
    /// under the first argument; the op is on the first line.
    fn call(&mut self, indent: &str, head: &str, first: &str, keywords: &[(String, Option<String>)], kind: KafkaOpKind) {
        let align = " ".repeat(indent.len() + head.len());
        let mut lines: Vec<String> = Vec::new();
        let mut pending = format!("{indent}{head}{first}");
        let mut pending_comment: Option<&String> = None;
        for (keyword, comment) in keywords {
            lines.push(with_comment(format!("{pending},"), pending_comment));
            pending = format!("{align}{keyword}");
            pending_comment = comment.as_ref();
        }
        lines.push(with_comment(format!("{pending})"), pending_comment));
        let mut lines = lines.into_iter();
        if let Some(first_line) = lines.next() {
            self.op(first_line, kind);
        }
        for line in lines {
            self.line(line);
        }
    }
    /// `if __name__ == '__main__': main()`, as the pika programs end.
    fn entry_point(&mut self) {
        self.gap();
        self.line("if __name__ == '__main__':");
        self.line(format!("{IN}main()"));
    }
    fn finish(self) -> Program {
        Program { code: self.code, main: self.main }
    }
}

fn with_comment(line: String, comment: Option<&String>) -> String {
    match comment {
        Some(comment) => format!("{line}  # {comment}"),
        None => line,
    }
}


/// The `bootstrap_servers=` value: `'localhost:9092'` for one broker, else every broker's
/// host (`kafkaN:9092`, N from 0), as a list.
pub fn bootstrap_servers(brokers: u8) -> String {
    if brokers <= 1 {
        "'localhost:9092'".into()
    } else {
        let hosts: Vec<String> = (0..brokers).map(|n| format!("'kafka{n}:9092'")).collect();
        format!("[{}]", hosts.join(", "))
    }
}

/// The program an actor of `scenario` runs.
pub fn of(scenario: &KafkaScenario, actor: &KafkaActorSpec) -> Program {
    match actor {
        KafkaActorSpec::Producer(spec) => producer(spec, scenario),
        KafkaActorSpec::Consumer(spec) => consumer(spec, scenario),
    }
}

/// The producer's keywords after `bootstrap_servers` and `value_serializer`: the settings
/// that differ from kafka-python 3.0.x's defaults, each with what it changes.
fn producer_settings(spec: &KafkaProducerSpec) -> Vec<(String, Option<String>)> {
    let mut settings: Vec<(String, Option<String>)> = Vec::new();
    let mut add = |keyword: String, comment: &str| settings.push((keyword, Some(comment.to_string())));
    match spec.acks {
        Acks::All => {}
        Acks::Leader => add("acks=1".into(), "answered once the leader has it (default 'all': every in-sync replica)"),
        Acks::None => add("acks=0".into(), "no answer at all: offsets come back as -1 (default 'all')"),
    }
    // Left at its default when kafka-python itself turned it off (a conflict, with a warning).
    if !spec.enable_idempotence && !spec.enable_idempotence_unset {
        add("enable_idempotence=False".into(), "a retried batch may be written twice (default True)");
    }
    if let Some(retries) = spec.retries {
        add(format!("retries={retries}"), "then the send fails (default: retry until delivery_timeout_ms)");
    }
    if spec.retry_backoff_ms != RETRY_BACKOFF_MS_DEFAULT {
        add(format!("retry_backoff_ms={}", spec.retry_backoff_ms), "wait between retries (default 100)");
    }
    if spec.request_timeout_ms != REQUEST_TIMEOUT_MS_DEFAULT {
        add(format!("request_timeout_ms={}", spec.request_timeout_ms), "no answer this long: retry (default 30000)");
    }
    if spec.delivery_timeout_ms != DELIVERY_TIMEOUT_MS_DEFAULT {
        add(format!("delivery_timeout_ms={}", spec.delivery_timeout_ms), "give up on a record after this long (default 120000)");
    }
    if spec.max_in_flight != MAX_IN_FLIGHT_DEFAULT {
        add(format!("max_in_flight_requests_per_connection={}", spec.max_in_flight), "requests sent before the first is answered (default 5)");
    }
    if spec.linger_ms != LINGER_MS_DEFAULT {
        add(format!("linger_ms={}", spec.linger_ms), "wait this long to batch records (default 0)");
    }
    if let Some(id) = &spec.transactional_id {
        add(format!("transactional_id={}", py(id)), "transactional: records are visible to read_committed consumers once committed");
    }
    settings
}

/// The delivery defaults a producer relies on (not overridden), for the comment under its
/// constructor, as `kafka.md`'s tutorial writes it.
fn producer_defaults_comment(spec: &KafkaProducerSpec) -> Option<String> {
    let mut defaults = Vec::new();
    if spec.acks == Acks::All {
        defaults.push("acks='all'");
    }
    if spec.enable_idempotence && spec.transactional_id.is_none() {
        defaults.push("enable_idempotence=True");
    }
    if spec.enable_idempotence_unset {
        defaults.push("enable_idempotence=True (turned off: it conflicts with the acks or retries above, and kafka-python logs a warning)");
    }
    if spec.retries.is_none() {
        defaults.push("retries=inf");
    }
    (!defaults.is_empty()).then(|| format!("# kafka-python 3 defaults: {}", defaults.join(", ")))
}

/// The producer's program: the tutorial's loop of `send(...)` and `future.get(...)`, then
/// `flush()` and `close()`; a transactional producer wraps the loop in one transaction.
pub fn producer(spec: &KafkaProducerSpec, scenario: &KafkaScenario) -> Program {
    let mut b = Builder::new();
    let sleeps = spec.interval_ms > 0;
    b.imports(if sleeps { &["time"] } else { &[] }, &["KafkaProducer", "JsonSerializer"]);
    b.gap();
    b.line("def main():");
    let mut keywords = vec![("value_serializer=JsonSerializer()".to_string(), Some(SERIALIZER_COMMENT.to_string()))];
    keywords.extend(producer_settings(spec));
    let first = format!("bootstrap_servers={}", bootstrap_servers(scenario.broker.brokers));
    b.call(IN, "producer = KafkaProducer(", &first, &keywords, KafkaOpKind::NewProducer);
    if let Some(comment) = producer_defaults_comment(spec) {
        b.line(format!("{IN}{comment}"));
    }
    let transactional = spec.transactional_id.is_some();
    if transactional {
        b.op(format!("{IN}producer.init_transactions()  # registers the transactional id, fences an older instance"), KafkaOpKind::InitTransactions);
        b.op(format!("{IN}producer.begin_transaction()"), KafkaOpKind::BeginTransaction);
    }
    b.line("");
    let head = b.op(format!("{IN}for i in range({}):", spec.messages), KafkaOpKind::LoopStart);
    let (i2, data) = (IN.repeat(2), if spec.first_data == 0 { "i".to_string() } else { format!("{} + i", spec.first_data) });
    b.line(format!("{i2}data = {{'data': {data}}}"));
    let key = if spec.keyed { format!(", key=str({data}).encode()") } else { String::new() };
    // Where the record goes matters only when the topic has several partitions.
    let partitions = scenario.topic(&spec.topic).map_or(1, |t| t.partitions);
    let partitioned = match (partitions > 1, spec.keyed) {
        (false, _) => "",
        (true, true) => " (its partition: murmur2 of the key)",
        (true, false) => " (for a random partition)",
    };
    b.op(
        format!("{i2}future = producer.send({}, value=data{key})  # async: appends to a batch{partitioned}, returns a future", py(&spec.topic)),
        KafkaOpKind::Send,
    );
    let get = match spec.get_timeout_ms {
        Some(ms) => format!("{i2}metadata = future.get(timeout={})  # blocks until acknowledged; raises KafkaTimeoutError after {} s", seconds(ms), seconds(ms)),
        None => format!("{i2}metadata = future.get()  # blocks until acknowledged, or the send fails (delivery_timeout_ms)"),
    };
    b.op(get, KafkaOpKind::Get);
    b.op(format!("{i2}print(f\" [x] Sent {{data}} (partition {{metadata.partition}}, offset {{metadata.offset}})\")"), KafkaOpKind::PrintSent);
    if sleeps {
        b.op(format!("{i2}time.sleep({})", seconds(spec.interval_ms)), KafkaOpKind::Sleep);
    }
    b.op_at(head, KafkaOpKind::LoopEnd);
    b.line("");
    if transactional {
        b.op(format!("{IN}producer.commit_transaction()  # flushes, then makes every record of it visible at once"), KafkaOpKind::CommitTransaction);
    } else {
        b.op(format!("{IN}producer.flush()  # wait for anything still buffered"), KafkaOpKind::Flush);
    }
    b.op(format!("{IN}producer.close()"), KafkaOpKind::Close);
    b.entry_point();
    b.finish()
}

/// The consumer's keywords after the topic: the group, the two settings every consumer
/// states, the non-default ones, then `value_deserializer`.
fn consumer_settings(spec: &KafkaConsumerSpec, brokers: u8) -> Vec<(String, Option<String>)> {
    let mut settings: Vec<(String, Option<String>)> = vec![(format!("bootstrap_servers={}", bootstrap_servers(brokers)), None)];
    let mut add = |keyword: String, comment: &str| settings.push((keyword, Some(comment.to_string())));
    add(format!("group_id={}", py(&spec.group_id)), "the group shares the partitions and commits its offsets");
    let reset = match spec.auto_offset_reset {
        super::scenario::OffsetReset::Earliest => "no committed offset: start at the oldest record (default 'latest')",
        super::scenario::OffsetReset::Latest => "default: with no committed offset, only records sent from now on",
        super::scenario::OffsetReset::None => "no committed offset: raise NoOffsetForPartitionError (default 'latest')",
    };
    add(format!("auto_offset_reset={}", spec.auto_offset_reset.python()), reset);
    match spec.commit {
        CommitMode::Auto => {
            let every = seconds(spec.auto_commit_interval_ms);
            add("enable_auto_commit=True".into(), &format!("default: commits the position inside poll every {every} s"));
            if spec.auto_commit_interval_ms != AUTO_COMMIT_INTERVAL_MS_DEFAULT {
                add(format!("auto_commit_interval_ms={}", spec.auto_commit_interval_ms), "(default 5000)");
            }
        }
        CommitMode::AfterProcessing | CommitMode::BeforeProcessing => {
            add("enable_auto_commit=False".into(), "it commits itself, below (default True: every 5 s inside poll)");
        }
    }
    if spec.session_timeout_ms != SESSION_TIMEOUT_MS_DEFAULT {
        add(format!("session_timeout_ms={}", spec.session_timeout_ms), "no heartbeat this long: out of the group (default 45000)");
    }
    if spec.heartbeat_interval_ms != HEARTBEAT_INTERVAL_MS_DEFAULT {
        add(format!("heartbeat_interval_ms={}", spec.heartbeat_interval_ms), "(default 3000)");
    }
    if spec.max_poll_interval_ms != MAX_POLL_INTERVAL_MS_DEFAULT {
        add(format!("max_poll_interval_ms={}", spec.max_poll_interval_ms), "no poll this long: leaves the group (default 300000)");
    }
    if spec.max_poll_records != MAX_POLL_RECORDS_DEFAULT {
        add(format!("max_poll_records={}", spec.max_poll_records), "records one poll fetches at most (default 500)");
    }
    if spec.isolation_level != super::scenario::IsolationLevel::ReadUncommitted {
        add(format!("isolation_level={}", spec.isolation_level.python()), "only committed transactions (default 'read_uncommitted')");
    }
    settings.push(("value_deserializer=JsonSerializer()".into(), Some(DESERIALIZER_COMMENT.to_string())));
    settings
}

/// The consumer's program: `for message in consumer:` printing each record, processing it
/// when `work_ms > 0`, committing before or after the processing when it commits itself, and
/// `close()` in `finally:` for a graceful stop (CTRL+C).
pub fn consumer(spec: &KafkaConsumerSpec, scenario: &KafkaScenario) -> Program {
    let mut b = Builder::new();
    let works = spec.work_ms > 0;
    b.imports(if works { &["time"] } else { &[] }, &["KafkaConsumer", "JsonSerializer"]);
    b.gap();
    b.line("def main():");
    let keywords = consumer_settings(spec, scenario.broker.brokers);
    b.call(IN, "consumer = KafkaConsumer(", &py(&spec.topic), &keywords, KafkaOpKind::NewConsumer);
    b.op(format!("{IN}print(' [*] Waiting for messages. To exit press CTRL+C')"), KafkaOpKind::PrintWaiting);
    b.line(format!("{IN}try:"));
    let (i2, i3) = (IN.repeat(2), IN.repeat(3));
    let head = b.op(format!("{i2}for message in consumer:  # polls; the position moves past each record yielded"), KafkaOpKind::Poll);
    let commit_first = "consumer.commit()  # before processing: a crash while processing loses it (at-most-once)";
    // Without work the print is the processing: the commit comes before it.
    if spec.commit == CommitMode::BeforeProcessing && !works {
        b.op(format!("{i3}{commit_first}"), KafkaOpKind::Commit);
    }
    b.op(format!("{i3}print(f\" [x] Received {{message.value}}\")"), KafkaOpKind::PrintReceived { effect: !works });
    if spec.commit == CommitMode::BeforeProcessing && works {
        b.op(format!("{i3}{commit_first}"), KafkaOpKind::Commit);
    }
    if works {
        b.op(format!("{i3}time.sleep({})  # process(message)", seconds(spec.work_ms)), KafkaOpKind::Work { effect: true });
    }
    if spec.commit == CommitMode::AfterProcessing {
        b.op(format!("{i3}consumer.commit()  # after processing: a crash before it replays it (at-least-once)"), KafkaOpKind::Commit);
    }
    b.op_at(head, KafkaOpKind::LoopEnd);
    b.line(format!("{IN}finally:"));
    let close = if spec.commit == CommitMode::Auto {
        "on CTRL+C: commits the position and leaves the group at once"
    } else {
        "on CTRL+C: leaves the group at once"
    };
    b.op(format!("{i2}consumer.close()  # {close}"), KafkaOpKind::Close);
    b.entry_point();
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_index_is_the_position_of_its_name() {
        assert_eq!(KafkaOpKind::ALL.len(), KAFKA_OP_NAMES.len());
        for (i, kind) in KafkaOpKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i);
            assert_eq!(KafkaOpKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(KafkaOpKind::from_name("basic_ack"), None);
    }

    #[test]
    fn seconds_are_written_as_python_would() {
        assert_eq!(seconds(1_000), "1");
        assert_eq!(seconds(200), "0.2");
        assert_eq!(seconds(50), "0.05");
        assert_eq!(seconds(1_500), "1.5");
    }

    #[test]
    fn bootstrap_servers_name_every_broker() {
        assert_eq!(bootstrap_servers(1), "'localhost:9092'");
        assert_eq!(bootstrap_servers(3), "['kafka0:9092', 'kafka1:9092', 'kafka2:9092']");
    }
}
