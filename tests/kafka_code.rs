//! The Kafka scenario schema and the kafka-python programs (issue 10 §3): every catalog file
//! parses, validates and round-trips; malformed files give the expected path and problem; the
//! line map of every program (catalog and a sweep of settings) points each op at the line that
//! does it; the code is Python (`py_compile`), and it uses the REAL kafka-python 3.0.x API
//! (`tests/kafka/check_api.py`, run with `target/kafka-venv/bin/python`), whose defaults are
//! the schema's.
//!
//! Set-up for the real-package tests (scripts/setup.sh):
//! `python3 -m venv target/kafka-venv && target/kafka-venv/bin/pip install -r tests/kafka/requirements.txt`

use queue_playground::systems::kafka::program::{self, KafkaOpKind, Program, KAFKA_OP_NAMES};
use queue_playground::systems::kafka::scenario::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const SETUP: &str = "python3 -m venv target/kafka-venv && target/kafka-venv/bin/pip install -r tests/kafka/requirements.txt";

fn workload_text() -> &'static str {
    catalog::ENTRIES.iter().find(|(n, _)| *n == "k-workload").map(|(_, t)| *t).unwrap()
}

fn workload() -> KafkaScenario {
    catalog::get("k-workload").unwrap()
}

// ---------------------------------------------------------------- the catalog

#[test]
fn every_catalog_file_parses_validates_and_round_trips() {
    assert_eq!(catalog::names().count(), 6);
    for (name, text) in catalog::ENTRIES {
        let scenario = KafkaScenario::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&scenario.name, name, "a file's name is its catalog name");
        assert!(!scenario.title.is_empty(), "{name} has a title");
        assert!(is_kafka(text), "{name} says it is a Kafka scenario");
        scenario.validate().unwrap();
        let again = KafkaScenario::from_json(&scenario.to_json()).unwrap_or_else(|e| panic!("{name} round trip: {e}"));
        assert_eq!(again, scenario, "{name} round-trips");
        assert_eq!(again.to_json(), scenario.to_json());
    }
    assert!(catalog::get("nope").unwrap_err().problem.contains("k-workload"), "an unknown name lists the known ones");
}

#[test]
fn the_catalog_scenarios_say_what_their_rows_need() {
    let producer = |s: &KafkaScenario| match &s.actors[0] {
        KafkaActorSpec::Producer(p) => p.clone(),
        other => panic!("the first actor is the producer, got {other:?}"),
    };
    let consumer = |s: &KafkaScenario| match &s.actors[1] {
        KafkaActorSpec::Consumer(c) => c.clone(),
        other => panic!("the second actor is the consumer, got {other:?}"),
    };
    // The tutorial on Kafka: defaults everywhere, but earliest so all 10 are seen.
    let s = catalog::get("k-workload").unwrap();
    assert_eq!(producer(&s), KafkaProducerSpec::tutorial("producer"));
    assert_eq!(consumer(&s), KafkaConsumerSpec { auto_offset_reset: OffsetReset::Earliest, ..KafkaConsumerSpec::tutorial("consumer") });
    assert!(s.faults.is_empty());
    // k1a: auto-commit, the burst after the first 5 s tick, crash after the 4th print.
    let s = catalog::get("k-crash-autocommit").unwrap();
    assert_eq!(consumer(&s).commit, CommitMode::Auto);
    assert!(producer(&s).start_ms > AUTO_COMMIT_INTERVAL_MS_DEFAULT && producer(&s).interval_ms * 10 < 1_000, "0-9 in < 1 s after an idle auto-commit");
    // k2c: commit before processing, crash after the 4th commit (that of 3), during its work.
    let s = catalog::get("k-commit-before").unwrap();
    assert_eq!(consumer(&s).commit, CommitMode::BeforeProcessing);
    assert!(consumer(&s).work_ms > 0);
    // k4b: 3 brokers, RF 3, min ISR 2, acks=1 without idempotence.
    let s = catalog::get("k-acks1-leader-crash").unwrap();
    assert_eq!((s.broker.brokers, s.broker.min_insync_replicas, s.topics[0].replication_factor), (3, 2, 3));
    assert_eq!((producer(&s).acks, producer(&s).enable_idempotence), (Acks::Leader, false));
    // k5a / k5b: the same lost response, idempotence off / on.
    let off = catalog::get("k-lost-response-no-idempotence").unwrap();
    let on = catalog::get("k-idempotent-lost-response").unwrap();
    assert!(!producer(&off).enable_idempotence && producer(&on).enable_idempotence);
    assert_eq!(off.faults, on.faults);
    assert_eq!(
        on.faults[0].action,
        queue_playground::scenario::FaultAction::DropNext { from: "kafka@0".into(), to: "producer".into() }
    );
    assert_eq!(producer(&on).get_timeout_ms, None, "waits past request_timeout_ms for the retry");
}

/// The tutorial's programs, exactly (kafka.md "Tutorial client code", in the pika programs'
/// shape).
#[test]
fn the_workload_programs_are_the_tutorials() {
    let s = workload();
    let code = |i: usize| program::of(&s, &s.actors[i]).code.join("\n");
    assert_eq!(
        code(0),
        r#"import time

from kafka import JsonSerializer, KafkaProducer


def main():
    producer = KafkaProducer(bootstrap_servers='localhost:9092',
                             value_serializer=JsonSerializer())  # the dict as JSON bytes
    # kafka-python 3 defaults: acks='all', enable_idempotence=True, retries=inf

    for i in range(10):
        data = {'data': i}
        future = producer.send('test_topic', value=data)  # async: appends to a batch, returns a future
        metadata = future.get(timeout=10)  # blocks until acknowledged; raises KafkaTimeoutError after 10 s
        print(f" [x] Sent {data} (partition {metadata.partition}, offset {metadata.offset})")
        time.sleep(1)

    producer.flush()  # wait for anything still buffered
    producer.close()


if __name__ == '__main__':
    main()"#
    );
    assert_eq!(
        code(1),
        r#"from kafka import JsonSerializer, KafkaConsumer


def main():
    consumer = KafkaConsumer('test_topic',
                             bootstrap_servers='localhost:9092',
                             group_id='test_group',  # the group shares the partitions and commits its offsets
                             auto_offset_reset='earliest',  # no committed offset: start at the oldest record (default 'latest')
                             enable_auto_commit=True,  # default: commits the position inside poll every 5 s
                             value_deserializer=JsonSerializer())  # JSON bytes back to a dict
    print(' [*] Waiting for messages. To exit press CTRL+C')
    try:
        for message in consumer:  # polls; the position moves past each record yielded
            print(f" [x] Received {message.value}")
    finally:
        consumer.close()  # on CTRL+C: commits the position and leaves the group at once


if __name__ == '__main__':
    main()"#
    );
}

// ---------------------------------------------------------------- malformed input

/// The workload file with `value` set at `pointer` (a JSON pointer; a missing last key is
/// added).
fn patched(pointer: &str, value: Value) -> String {
    let mut doc: Value = serde_json::from_str(workload_text()).unwrap();
    set(&mut doc, pointer, value);
    doc.to_string()
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = doc.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent}"));
    match parent {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(list) => {
            let index: usize = key.parse().unwrap();
            if index == list.len() {
                list.push(value);
            } else {
                list[index] = value;
            }
        }
        other => panic!("cannot set {key} in {other}"),
    }
}

fn with_all(patches: &[(&str, Value)]) -> String {
    let mut doc: Value = serde_json::from_str(workload_text()).unwrap();
    for (pointer, value) in patches {
        set(&mut doc, pointer, value.clone());
    }
    doc.to_string()
}

fn crash_after(op: &str, actor: &str, occurrence: u32) -> Value {
    json!([{"when": {"after": {"actor": actor, "op": op, "occurrence": occurrence}}, "do": {"crash": actor}}])
}

#[test]
fn malformed_files_name_the_field_and_the_problem() {
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("not JSON", "{\"name\": ".into(), "", "not a valid scenario file"),
        ("format 2", patched("/format", json!(2)), "format", "unknown scenario format version 2"),
        ("empty name", patched("/name", json!(" ")), "name", "must not be empty"),
        ("no broker", { let mut d: Value = serde_json::from_str(workload_text()).unwrap(); d.as_object_mut().unwrap().remove("broker"); d.to_string() }, "broker", "missing (required)"),
        ("rabbitmq model", patched("/broker/model", json!("rabbitmq")), "broker.model", "must be \"kafka\""),
        ("0 brokers", patched("/broker/brokers", json!(0)), "broker.brokers", "must be between 1 and 5, got 0"),
        ("6 brokers", patched("/broker/brokers", json!(6)), "broker.brokers", "must be between 1 and 5, got 6"),
        ("min ISR 0", patched("/broker/min_insync_replicas", json!(0)), "broker.min_insync_replicas", "must be at least 1 (Kafka refuses 0)"),
        ("unknown broker field", patched("/broker/nodes", json!(3)), "broker.nodes", "unknown"),
        ("no topics", patched("/topics", json!([])), "topics", "at least one topic"),
        ("0 partitions", patched("/topics/0/partitions", json!(0)), "topics[0].partitions", "must be between 1 and 64, got 0"),
        ("65 partitions", patched("/topics/0/partitions", json!(65)), "topics[0].partitions", "must be between 1 and 64, got 65"),
        ("partitions as text", patched("/topics/0/partitions", json!("3")), "topics[0].partitions", "whole number"),
        ("RF > brokers", patched("/topics/0/replication_factor", json!(2)), "topics[0].replication_factor", "between 1 and the number of brokers (1), got 2"),
        ("illegal topic name", patched("/topics/0/name", json!("test topic")), "topics[0].name", "not a legal Kafka topic name"),
        ("topic ..", patched("/topics/0/name", json!("..")), "topics[0].name", "must not be empty, \".\" nor \"..\""),
        ("duplicate topic", patched("/topics/1", json!({"name": "test_topic"})), "topics[1].name", "declared twice"),
        ("no actors", patched("/actors", json!([])), "actors", "at least one producer or consumer"),
        ("admin role", patched("/actors/0/role", json!("admin")), "actors[0].role", "must be \"producer\" or \"consumer\""),
        ("unknown topic", patched("/actors/0/topic", json!("nope")), "actors[0].topic", "topic \"nope\" is not in topics"),
        ("duplicate actor", patched("/actors/1/name", json!("producer")), "actors[1].name", "two actors are named \"producer\""),
        ("broker-like name", patched("/actors/0/name", json!("kafka@0")), "actors[0].name", "must not start with \"kafka@\""),
        ("too many messages", patched("/actors/0/messages", json!(1_000_001)), "actors[0].messages", "at most 1000000 messages, got 1000001"),
        ("negative messages", patched("/actors/0/messages", json!(-1)), "actors[0].messages", "whole number"),
        ("unknown producer field", patched("/actors/0/ack", json!("1")), "actors[0].ack", "unknown"),
        ("acks 2", patched("/actors/0/acks", json!("2")), "actors[0].acks", "acks must be \"all\", \"1\" or \"0\", got \"2\""),
        ("acks 2 as a number", patched("/actors/0/acks", json!(2)), "actors[0].acks", "acks must be \"all\", \"1\" or \"0\", got 2"),
        ("acks true", patched("/actors/0/acks", json!(true)), "actors[0].acks", "\"all\", \"1\" or \"0\""),
        (
            "acks 1 with idempotence",
            patched("/actors/0/acks", json!("1")),
            "actors[0].acks",
            "acks=1 needs enable_idempotence: false. kafka-python 3 raises KafkaConfigurationError",
        ),
        ("acks 0 with idempotence", patched("/actors/0/acks", json!("0")), "actors[0].acks", "acks=0 needs enable_idempotence: false"),
        ("retries 0 with idempotence", patched("/actors/0/retries", json!(0)), "actors[0].retries", "retries=0 needs enable_idempotence: false"),
        ("6 in flight with idempotence", patched("/actors/0/max_in_flight", json!(6)), "actors[0].max_in_flight", "max_in_flight_requests_per_connection=6 needs enable_idempotence: false"),
        ("0 in flight", with_all(&[("/actors/0/max_in_flight", json!(0)), ("/actors/0/enable_idempotence", json!(false))]), "actors[0].max_in_flight", "at least 1"),
        (
            "transactional without idempotence",
            with_all(&[("/actors/0/transactional_id", json!("tx-1")), ("/actors/0/enable_idempotence", json!(false))]),
            "actors[0].transactional_id",
            "Cannot set transactional_id without enable_idempotence",
        ),
        ("empty transactional id", patched("/actors/0/transactional_id", json!("")), "actors[0].transactional_id", "must not be empty"),
        ("delivery < request + linger", patched("/actors/0/delivery_timeout_ms", json!(29_999)), "actors[0].delivery_timeout_ms", "at least request_timeout_ms + linger_ms (30000)"),
        ("get timeout 0", patched("/actors/0/get_timeout_ms", json!(0)), "actors[0].get_timeout_ms", "at least 1 ms"),
        ("interval too long", patched("/actors/0/interval_ms", json!(5_000_000_000u64)), "actors[0].interval_ms", "at most 4294967295 ms"),
        ("offset reset smallest", patched("/actors/1/auto_offset_reset", json!("smallest")), "actors[1].auto_offset_reset", "expected one of `earliest`, `latest`, `none`"),
        ("commit sometimes", patched("/actors/1/commit", json!("sometimes")), "actors[1].commit", "expected one of `auto`, `after_processing`, `before_processing`"),
        ("empty group", patched("/actors/1/group_id", json!("")), "actors[1].group_id", "must not be empty"),
        ("short session", patched("/actors/1/session_timeout_ms", json!(1_000)), "actors[1].session_timeout_ms", "INVALID_SESSION_TIMEOUT"),
        ("heartbeat >= session", patched("/actors/1/heartbeat_interval_ms", json!(45_000)), "actors[1].heartbeat_interval_ms", "lower than session_timeout_ms (45000)"),
        ("0 poll records", patched("/actors/1/max_poll_records", json!(0)), "actors[1].max_poll_records", "between 1 and"),
        ("unknown isolation", patched("/actors/1/isolation_level", json!("serializable")), "actors[1].isolation_level", "expected `read_uncommitted` or `read_committed`"),
        ("limits", patched("/limits", json!({"steps_max": 0})), "limits.steps_max", "between 1 and"),
        ("unknown op", patched("/faults", crash_after("basic_ack", "consumer", 1)), "faults[0].when.op", "unknown operation \"basic_ack\" (known: kafka_producer,"),
        ("op never run", patched("/faults", crash_after("commit", "consumer", 1)), "faults[0].when.op", "\"consumer\" never runs \"commit\""),
        ("unknown actor", patched("/faults", crash_after("poll", "nobody", 1)), "faults[0].when.actor", "no actor is named \"nobody\""),
        ("occurrence 0", patched("/faults", crash_after("poll", "consumer", 0)), "faults[0].when.occurrence", "counts from 1"),
        ("broker 1 of 1", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"crash_node": {"node": 1, "restart": true}}}])), "faults[0].do", "broker 1 does not exist"),
        ("rabbit endpoint", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"drop_next": {"from": "rabbit@0", "to": "producer"}}}])), "faults[0].do", "unknown endpoint \"rabbit@0\""),
        ("kafka@01", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"partition": ["kafka@01", "producer"]}}])), "faults[0].do", "unknown endpoint \"kafka@01\""),
        ("same endpoints", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"partition": ["kafka@0", "kafka@0"]}}])), "faults[0].do", "must differ"),
        ("client to client", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"drop_next": {"from": "producer", "to": "consumer"}}}])), "faults[0].do", "both clients, which talk to brokers only"),
        ("cancel", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"cancel": "consumer"}}])), "faults[0].do", "RabbitMQ's basic_cancel"),
        ("slow producer", patched("/faults", json!([{"when": {"at_ms": 1}, "do": {"slow": {"actor": "producer", "work_ms": 10}}}])), "faults[0].do", "not a consumer"),
        ("random ratio", patched("/random_faults", json!({"consumer_crash": {"numerator": 2, "denominator": 1}})), "random_faults.consumer_crash", "numerator must be at most denominator"),
    ];
    let mut wrong = Vec::new();
    for (what, text, field, problem) in &cases {
        match KafkaScenario::from_json(text) {
            Ok(_) => wrong.push(format!("{what}: accepted")),
            Err(e) if e.field != *field || !e.problem.contains(problem) => {
                wrong.push(format!("{what}: got `{}: {}`, expected `{field}: ...{problem}...`", e.field, e.problem))
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

/// No input makes the reader panic: every prefix of every catalog file, and bytes of them
/// replaced by characters that break JSON or change a value.
#[test]
fn no_input_panics() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (_, text) in catalog::ENTRIES {
        for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = KafkaScenario::from_json(&text[..end]);
        }
        let bytes = text.as_bytes();
        for _ in 0..2_000 {
            let mut mutated = bytes.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = (next() % mutated.len() as u64) as usize;
                mutated[at] = b"0123456789-\"{}[],:.etnfa@ \\"[(next() % 27) as usize];
            }
            if let Ok(mutated) = String::from_utf8(mutated) {
                if let Ok(s) = KafkaScenario::from_json(&mutated) {
                    // Whatever is accepted generates its programs and round-trips.
                    for actor in &s.actors {
                        check_line_map("mutated", &s, actor);
                    }
                    assert_eq!(KafkaScenario::from_json(&s.to_json()).unwrap(), s);
                }
            }
        }
    }
    assert!(!is_kafka("not json"));
    assert!(!is_kafka(r#"{"broker": {"model": "rabbitmq"}}"#));
    for (name, text) in queue_playground::scenario::catalog::ENTRIES {
        assert!(!is_kafka(text), "{name} is a RabbitMQ scenario");
    }
}

#[test]
fn defaults_fill_a_minimal_file() {
    let s = KafkaScenario::from_json(r#"{"name": "m", "broker": {"model": "kafka"}, "actors": [{"role": "producer", "name": "p"}, {"role": "consumer", "name": "c"}]}"#).unwrap();
    assert_eq!(s.topics, vec![TopicSpec::tutorial()]);
    assert_eq!(s.broker, KafkaBrokerSpec::default());
    assert_eq!(s.actors[0], KafkaActorSpec::Producer(KafkaProducerSpec::tutorial("p")));
    assert_eq!(s.actors[1], KafkaActorSpec::Consumer(KafkaConsumerSpec::tutorial("c")));
    let p = KafkaProducerSpec::tutorial("p");
    assert_eq!((p.acks, p.enable_idempotence, p.retries, p.max_in_flight, p.linger_ms), (Acks::All, true, None, 5, 0));
    assert_eq!((p.request_timeout_ms, p.delivery_timeout_ms, p.retry_backoff_ms), (30_000, 120_000, 100));
    let c = KafkaConsumerSpec::tutorial("c");
    assert_eq!((c.auto_offset_reset, c.commit, c.auto_commit_interval_ms), (OffsetReset::Latest, CommitMode::Auto, 5_000));
    assert_eq!((c.session_timeout_ms, c.heartbeat_interval_ms, c.max_poll_interval_ms, c.max_poll_records), (45_000, 3_000, 300_000, 500));
    assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
    let b = KafkaBrokerSpec::default();
    assert_eq!((b.min_insync_replicas, b.unclean_leader_election, b.replica_lag_time_max_ms), (1, false, 30_000));
    // acks as kafka-python takes it (1, 0, -1) reads as the file writes it ("1", "0", "all").
    for (given, read, written) in [(json!(1), Acks::Leader, "\"1\""), (json!(0), Acks::None, "\"0\""), (json!(-1), Acks::All, "\"all\""), (json!("-1"), Acks::All, "\"all\"")] {
        let text = with_all(&[("/actors/0/acks", given.clone()), ("/actors/0/enable_idempotence", json!(false))]);
        let s = KafkaScenario::from_json(&text).unwrap_or_else(|e| panic!("acks {given}: {e}"));
        let KafkaActorSpec::Producer(p) = &s.actors[0] else { panic!("a producer") };
        assert_eq!(p.acks, read, "acks {given}");
        assert!(s.to_json().contains(&format!("\"acks\": {written}")), "acks {given} is written {written}");
    }
    // `retries: null` is the default (infinite), and writes back as nothing.
    let s2 = KafkaScenario::from_json(&patched("/actors/0/retries", Value::Null)).unwrap();
    assert!(!s2.to_json().contains("retries"));
}

// ---------------------------------------------------------------- the line map

/// The text a line must hold to do `kind`.
fn expected_text(kind: KafkaOpKind) -> &'static [&'static str] {
    match kind {
        KafkaOpKind::NewProducer => &["producer = KafkaProducer("],
        KafkaOpKind::InitTransactions => &["producer.init_transactions()"],
        KafkaOpKind::BeginTransaction => &["producer.begin_transaction()"],
        KafkaOpKind::LoopStart => &["for i in range("],
        KafkaOpKind::Send => &["future = producer.send("],
        KafkaOpKind::Get => &["metadata = future.get("],
        KafkaOpKind::PrintSent => &["print(f\" [x] Sent {data}"],
        KafkaOpKind::Sleep => &["time.sleep("],
        KafkaOpKind::LoopEnd => &["for "],
        KafkaOpKind::CommitTransaction => &["producer.commit_transaction()"],
        KafkaOpKind::Flush => &["producer.flush()"],
        KafkaOpKind::Close => &[".close()"],
        KafkaOpKind::NewConsumer => &["consumer = KafkaConsumer("],
        KafkaOpKind::PrintWaiting => &["print(' [*] Waiting for messages"],
        KafkaOpKind::Poll => &["for message in consumer:"],
        KafkaOpKind::PrintReceived { .. } => &["print(f\" [x] Received {message.value}\")"],
        KafkaOpKind::Work { .. } => &["time.sleep(", "# process(message)"],
        KafkaOpKind::Commit => &["consumer.commit()"],
    }
}

/// Every op's line is in range, holds its call, and the program's structure holds.
fn check_line_map(what: &str, scenario: &KafkaScenario, actor: &KafkaActorSpec) -> Program {
    let p = program::of(scenario, actor);
    let name = actor.name();
    assert!(!p.main.is_empty(), "{what} {name}: no ops");
    for op in &p.main {
        assert!(KAFKA_OP_NAMES.contains(&op.kind.name()));
        let line = usize::from(op.line);
        assert!(line >= 1 && line <= p.code.len(), "{what} {name}: {:?} at line {line} of {}", op.kind, p.code.len());
        let text = &p.code[line - 1];
        for needle in expected_text(op.kind) {
            assert!(text.contains(needle), "{what} {name}: {:?} at line {line} is `{text}`, without `{needle}`", op.kind);
        }
    }
    let (head, end) = p.loop_bounds().unwrap_or_else(|| panic!("{what} {name}: no loop"));
    assert_eq!(p.main[end].line, p.main[head].line, "{what} {name}: the loop ends by going back to its head");
    // Ops run in the order of their lines (the loop's end excepted).
    let lines: Vec<u16> = p.main.iter().filter(|o| o.kind != KafkaOpKind::LoopEnd).map(|o| o.line).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{what} {name}: ops out of line order {lines:?}");
    match actor {
        KafkaActorSpec::Producer(spec) => {
            assert_eq!(p.main[0].kind, KafkaOpKind::NewProducer);
            assert_eq!(p.main.last().map(|o| o.kind), Some(KafkaOpKind::Close));
            let body: Vec<KafkaOpKind> = p.main[head + 1..end].iter().map(|o| o.kind).collect();
            let mut expected = vec![KafkaOpKind::Send, KafkaOpKind::Get, KafkaOpKind::PrintSent];
            if spec.interval_ms > 0 {
                expected.push(KafkaOpKind::Sleep);
            }
            assert_eq!(body, expected, "{what} {name}");
            let transactional = spec.transactional_id.is_some();
            for kind in [KafkaOpKind::InitTransactions, KafkaOpKind::BeginTransaction, KafkaOpKind::CommitTransaction] {
                assert_eq!(p.main.iter().any(|o| o.kind == kind), transactional, "{what} {name}: {kind:?}");
            }
            assert_eq!(p.main.iter().any(|o| o.kind == KafkaOpKind::Flush), !transactional);
            assert!(p.code.iter().any(|l| l.contains(&format!("for i in range({}):", spec.messages))));
        }
        KafkaActorSpec::Consumer(spec) => {
            assert_eq!(p.main[0].kind, KafkaOpKind::NewConsumer);
            let body = &p.main[head + 1..end];
            assert_eq!(body.iter().filter(|o| o.kind.is_effect()).count(), 1, "{what} {name}: one effect per record");
            let commits: Vec<usize> = body.iter().enumerate().filter(|(_, o)| o.kind == KafkaOpKind::Commit).map(|(i, _)| i).collect();
            let work = body.iter().position(|o| matches!(o.kind, KafkaOpKind::Work { .. }));
            match spec.commit {
                CommitMode::Auto => assert!(commits.is_empty()),
                CommitMode::BeforeProcessing => assert!(commits.len() == 1 && work.is_none_or(|w| commits[0] < w), "{what} {name}"),
                CommitMode::AfterProcessing => assert!(commits.len() == 1 && work.is_none_or(|w| commits[0] > w), "{what} {name}"),
            }
            assert_eq!(work.is_some(), spec.work_ms > 0);
            assert_eq!(p.main[end + 1..].iter().map(|o| o.kind).collect::<Vec<_>>(), vec![KafkaOpKind::Close], "after the loop: close, in finally");
        }
    }
    p
}

/// Producers and consumers under many settings (each valid combination of a sweep).
fn sweep() -> Vec<(String, KafkaScenario)> {
    let mut all = Vec::new();
    for name in catalog::names() {
        all.push((name.to_string(), catalog::get(name).unwrap()));
    }
    let base = workload();
    let mut producers = Vec::new();
    for acks in [Acks::All, Acks::Leader, Acks::None] {
        for idempotence in [true, false] {
            for (retries, in_flight) in [(None, 5), (Some(0), 1), (Some(3), 10)] {
                for (keyed, transactional) in [(false, None), (true, None), (false, Some("tx-'1\"\n".to_string()))] {
                    producers.push(KafkaProducerSpec {
                        acks,
                        enable_idempotence: idempotence,
                        retries,
                        max_in_flight: in_flight,
                        keyed,
                        transactional_id: transactional,
                        ..KafkaProducerSpec::tutorial("producer")
                    });
                }
            }
        }
    }
    producers.push(KafkaProducerSpec {
        interval_ms: 0,
        first_data: 100,
        messages: 0,
        keyed: true,
        get_timeout_ms: None,
        retry_backoff_ms: 250,
        request_timeout_ms: 5_000,
        delivery_timeout_ms: 10_000,
        linger_ms: 5,
        topic: "orders.v1".into(),
        ..KafkaProducerSpec::tutorial("producer")
    });
    let mut consumers = Vec::new();
    for commit in [CommitMode::Auto, CommitMode::AfterProcessing, CommitMode::BeforeProcessing] {
        for work_ms in [0, 250] {
            for reset in [OffsetReset::Earliest, OffsetReset::Latest, OffsetReset::None] {
                consumers.push(KafkaConsumerSpec { commit, work_ms, auto_offset_reset: reset, ..KafkaConsumerSpec::tutorial("consumer") });
            }
        }
        consumers.push(KafkaConsumerSpec {
            commit,
            auto_commit_interval_ms: 1_000,
            session_timeout_ms: 10_000,
            heartbeat_interval_ms: 1_000,
            max_poll_interval_ms: 5_000,
            max_poll_records: 1,
            isolation_level: IsolationLevel::ReadCommitted,
            group_id: "g'\\{x}".into(),
            topic: "orders.v1".into(),
            ..KafkaConsumerSpec::tutorial("consumer")
        });
    }
    for brokers in [1u8, 3] {
        for producer in &producers {
            for consumer in consumers.iter().step_by(if brokers == 1 { 1 } else { 3 }) {
                let mut s = base.clone();
                s.broker.brokers = brokers;
                s.topics = vec![TopicSpec::tutorial(), TopicSpec { name: "orders.v1".into(), partitions: 3, replication_factor: brokers }];
                s.actors = vec![KafkaActorSpec::Producer(producer.clone()), KafkaActorSpec::Consumer(consumer.clone())];
                if s.validate().is_ok() {
                    all.push((format!("{brokers} broker(s), {producer:?}, {consumer:?}"), s));
                }
            }
        }
    }
    all
}

#[test]
fn every_op_points_at_the_line_that_does_it() {
    let scenarios = sweep();
    assert!(scenarios.len() > 300, "only {} valid combinations", scenarios.len());
    let mut kinds_seen = BTreeSet::new();
    for (what, s) in &scenarios {
        for actor in &s.actors {
            for op in check_line_map(what, s, actor).main {
                kinds_seen.insert(op.kind.name());
            }
        }
    }
    let all: BTreeSet<&str> = KAFKA_OP_NAMES.iter().copied().collect();
    assert_eq!(kinds_seen, all, "the sweep reaches every op kind");
}

#[test]
fn settings_change_the_code_as_they_change_behaviour() {
    let base = workload();
    let code_of = |actor: KafkaActorSpec| {
        let mut s = base.clone();
        s.actors = vec![actor];
        s.validate().unwrap();
        program::of(&s, &s.actors[0]).code.join("\n")
    };
    let tutorial = code_of(KafkaActorSpec::Producer(KafkaProducerSpec::tutorial("producer")));
    // The code without its comments (the defaults comment names acks='all').
    let uncommented: String = tutorial.lines().map(|l| l.split("  #").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    for keyword in ["acks=", "enable_idempotence=", "retries=", "linger_ms=", "key=", "transactional_id="] {
        assert!(!uncommented.contains(keyword), "the defaults are not written: {keyword}");
    }
    for (spec, keyword) in [
        (KafkaProducerSpec { acks: Acks::Leader, enable_idempotence: false, ..KafkaProducerSpec::tutorial("producer") }, "acks=1,"),
        (KafkaProducerSpec { acks: Acks::None, enable_idempotence: false, ..KafkaProducerSpec::tutorial("producer") }, "acks=0,"),
        (KafkaProducerSpec { enable_idempotence: false, ..KafkaProducerSpec::tutorial("producer") }, "enable_idempotence=False)"),
        (KafkaProducerSpec { retries: Some(3), ..KafkaProducerSpec::tutorial("producer") }, "retries=3)"),
        (KafkaProducerSpec { keyed: true, ..KafkaProducerSpec::tutorial("producer") }, "value=data, key=str(i).encode())"),
        (KafkaProducerSpec { keyed: true, first_data: 7, ..KafkaProducerSpec::tutorial("producer") }, "key=str(7 + i).encode()"),
        (KafkaProducerSpec { get_timeout_ms: None, ..KafkaProducerSpec::tutorial("producer") }, "metadata = future.get()"),
        (KafkaProducerSpec { transactional_id: Some("tx-1".into()), ..KafkaProducerSpec::tutorial("producer") }, "producer.commit_transaction()"),
    ] {
        let code = code_of(KafkaActorSpec::Producer(spec.clone()));
        assert!(code.contains(keyword), "{spec:?} writes {keyword}:\n{code}");
        assert_ne!(code, tutorial);
    }
    let no_sleep = code_of(KafkaActorSpec::Producer(KafkaProducerSpec { interval_ms: 0, ..KafkaProducerSpec::tutorial("producer") }));
    assert!(!no_sleep.contains("import time") && !no_sleep.contains("time.sleep("), "no sleep, no import time:\n{no_sleep}");
    // A consumer that commits itself: its auto-commit interval changes nothing.
    let manual = KafkaConsumerSpec { commit: CommitMode::AfterProcessing, ..KafkaConsumerSpec::tutorial("consumer") };
    assert_eq!(
        code_of(KafkaActorSpec::Consumer(manual.clone())),
        code_of(KafkaActorSpec::Consumer(KafkaConsumerSpec { auto_commit_interval_ms: 1_000, ..manual.clone() }))
    );
    let auto = code_of(KafkaActorSpec::Consumer(KafkaConsumerSpec { auto_commit_interval_ms: 1_000, ..KafkaConsumerSpec::tutorial("consumer") }));
    assert!(auto.contains("auto_commit_interval_ms=1000,") && auto.contains("every 1 s"), "{auto}");
    let manual = code_of(KafkaActorSpec::Consumer(manual));
    assert!(manual.contains("enable_auto_commit=False,") && manual.contains("consumer.commit()"));
    let latest = code_of(KafkaActorSpec::Consumer(KafkaConsumerSpec::tutorial("consumer")));
    assert!(latest.contains("auto_offset_reset='latest',"), "always stated");
    // Several brokers: every bootstrap server listed, each `kafkaN:9092`.
    let mut three = base.clone();
    three.broker.brokers = 3;
    three.validate().unwrap();
    for actor in &three.actors {
        assert!(program::of(&three, actor).code.iter().any(|l| l.contains("bootstrap_servers=['kafka0:9092', 'kafka1:9092', 'kafka2:9092']")));
    }
}

// ---------------------------------------------------------------- Python, and the real kafka-python

/// Every distinct program of the sweep, written to a file: (path, where it comes from).
fn written_programs(dir_name: &str) -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir_name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for (what, s) in sweep() {
        for actor in &s.actors {
            let text = program::of(&s, actor).text();
            if seen.insert(text.clone()) {
                let path = dir.join(format!("program_{}.py", files.len()));
                std::fs::write(&path, text).unwrap();
                files.push((path, format!("{what}: {}", actor.name())));
            }
        }
    }
    assert!(files.len() > 50, "only {} distinct programs: the settings do not vary the code", files.len());
    files
}

/// The report of a Python checker, each line naming the scenario its file comes from.
fn named_report(out: &std::process::Output, files: &[(PathBuf, String)]) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<String> = stdout
        .lines()
        .map(|line| {
            let from = files.iter().find(|(p, _)| line.contains(&p.display().to_string())).map_or("?", |(_, n)| n.as_str());
            format!("{line}   (from: {from})")
        })
        .collect();
    format!("{}\n{}", lines.join("\n"), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn every_program_compiles_as_python() {
    let files = written_programs("kafka-programs-compile");
    let script = "import py_compile, sys\nbad = 0\nfor f in sys.argv[1:]:\n    try:\n        py_compile.compile(f, doraise=True)\n    except py_compile.PyCompileError as e:\n        bad += 1\n        print(f, e.msg)\nsys.exit(1 if bad else 0)";
    let out = Command::new("python3").arg("-c").arg(script).args(files.iter().map(|(p, _)| p)).output().expect("python3 runs (bash scripts/setup.sh installs it)");
    assert!(out.status.success(), "generated programs that are not Python:\n{}", named_report(&out, &files));
}

/// The venv with the pinned kafka-python; a missing one fails the test with the command that
/// makes it (these tests are the only check that the code fits the real package).
fn kafka_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/kafka-venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: the real kafka-python check needs it. From the repository root run:\n    {SETUP}\n(scripts/setup.sh does it)",
        python.display()
    );
    python
}

fn check_api() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kafka/check_api.py")
}

#[test]
fn every_program_uses_the_real_kafka_python_api() {
    let python = kafka_python();
    let files = written_programs("kafka-programs-api");
    let out = Command::new(&python).arg(check_api()).args(files.iter().map(|(p, _)| p)).output().expect("the venv's python runs");
    assert!(out.status.success(), "generated programs that do not fit kafka-python:\n{}", named_report(&out, &files));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("checked {} program(s)", files.len())), "{stderr}");
}

/// The checker itself bites: a setting, a method and a field kafka-python does not have.
#[test]
fn the_api_check_catches_what_kafka_python_lacks() {
    let python = kafka_python();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kafka-api-bad");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = workload();
    let good = program::of(&s, &s.actors[0]).text();
    let consumer = program::of(&s, &s.actors[1]).text();
    let bad = [
        good.replace("JsonSerializer()", "lambda v: str(v).encode()"),
        good.replace("value_serializer=", "acks=1, enable_idempotence=True, value_serializer="),
        consumer.replace("value_deserializer=", "heartbeat_interval_ms=60000, value_deserializer="),
        good.replace("value_serializer=", "acks_timeout=1, value_serializer="),
        good.replace("value_serializer=", "acks=2, value_serializer="),
        good.replace("value_serializer=", "enable_idempotence='yes', value_serializer="),
        good.replace("producer.flush()", "producer.flush_all()"),
        good.replace("future.get(timeout=10)", "future.get(timeout_ms=10)"),
        good.replace("metadata.offset", "metadata.position"),
        consumer.replace("message.value", "message.body"),
        consumer.replace("auto_offset_reset='earliest'", "auto_offset_reset='smallest'"),
        consumer.replace("from kafka import JsonSerializer, KafkaConsumer", "from kafka import BlockingConsumer, JsonSerializer, KafkaConsumer"),
    ];
    for (i, text) in bad.iter().enumerate() {
        assert!(text != &good && text != &consumer, "bad_{i} changes its program");
        let path = dir.join(format!("bad_{i}.py"));
        std::fs::write(&path, text).unwrap();
        let out = Command::new(&python).arg(check_api()).arg(&path).output().unwrap();
        assert!(!out.status.success(), "bad_{i} passed:\n{text}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(&path.display().to_string()), "the problem names the file");
    }
}

/// The schema's defaults are the installed kafka-python's (`DEFAULT_CONFIG`).
#[test]
fn the_defaults_are_the_installed_kafka_pythons() {
    let python = kafka_python();
    let out = Command::new(&python).arg(check_api()).arg("--defaults").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let installed: Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("kafka-python {}: {}", installed["version"], installed);
    let version = installed["version"].as_str().unwrap();
    let pinned = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kafka/requirements.txt")).unwrap();
    assert!(pinned.contains(&format!("kafka-python=={version}")), "the venv has the pinned version ({pinned})");
    let p = KafkaProducerSpec::tutorial("p");
    let c = KafkaConsumerSpec::tutorial("c");
    let acks = match p.acks {
        Acks::All => json!(-1), // kafka-python stores 'all' as -1
        Acks::Leader => json!(1),
        Acks::None => json!(0),
    };
    let reset = match c.auto_offset_reset {
        OffsetReset::Earliest => "earliest",
        OffsetReset::Latest => "latest",
        OffsetReset::None => "none",
    };
    let isolation = match c.isolation_level {
        IsolationLevel::ReadCommitted => "read_committed",
        IsolationLevel::ReadUncommitted => "read_uncommitted",
    };
    let ours = json!({
        "producer": {
            "acks": acks,
            "enable_idempotence": p.enable_idempotence,
            "retries": p.retries.map_or(json!("inf"), |r| json!(r)),
            "retry_backoff_ms": p.retry_backoff_ms,
            "request_timeout_ms": p.request_timeout_ms,
            "delivery_timeout_ms": p.delivery_timeout_ms,
            "max_in_flight_requests_per_connection": p.max_in_flight,
            "linger_ms": p.linger_ms,
            "transactional_id": p.transactional_id,
        },
        "consumer": {
            "auto_offset_reset": reset,
            "enable_auto_commit": c.commit == CommitMode::Auto,
            "auto_commit_interval_ms": c.auto_commit_interval_ms,
            "session_timeout_ms": c.session_timeout_ms,
            "heartbeat_interval_ms": c.heartbeat_interval_ms,
            "max_poll_interval_ms": c.max_poll_interval_ms,
            "max_poll_records": c.max_poll_records,
            "isolation_level": isolation,
        },
    });
    let mut differ = Vec::new();
    for role in ["producer", "consumer"] {
        for (key, value) in ours[role].as_object().unwrap() {
            println!("{role}.{key}: ours {value}, kafka-python {}", installed[role][key]);
            if installed[role][key] != *value {
                differ.push(format!("{role}.{key}: ours {value}, kafka-python {version} {}", installed[role][key]));
            }
        }
    }
    // The one deliberate difference: kafka-python's group_id default is None (no group); the
    // tutorial's consumer is in group 'test_group', which every program writes.
    assert_eq!(installed["consumer"]["group_id"], Value::Null);
    assert!(differ.is_empty(), "defaults that differ from the installed kafka-python:\n{}", differ.join("\n"));
}

/// What `validate` says of the settings idempotence forbids is what the real KafkaProducer
/// does: raises with `enable_idempotence=True` passed (the message quoted), turns idempotence
/// off when it is left at its default; a transactional id without idempotence raises.
#[test]
fn the_idempotence_conflicts_are_kafka_pythons() {
    let python = kafka_python();
    let out = Command::new(&python).arg(check_api()).arg("--conflicts").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let real: Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("{real:#}");
    let cases = [
        ("acks=1", with_all(&[("/actors/0/acks", json!("1"))])),
        ("acks=0", with_all(&[("/actors/0/acks", json!("0"))])),
        ("retries=0", with_all(&[("/actors/0/retries", json!(0))])),
        ("max_in_flight_requests_per_connection=6", with_all(&[("/actors/0/max_in_flight", json!(6))])),
    ];
    for (setting, text) in cases {
        let problem = KafkaScenario::from_json(&text).unwrap_err().problem;
        let raised = real[format!("{setting}, enable_idempotence=True")].as_str().unwrap();
        let message = raised.rsplit("KafkaConfigurationError: ").next().unwrap();
        assert!(raised.starts_with("raises KafkaConfigurationError"), "{setting}: {raised}");
        assert!(problem.contains(&format!("(\"{message}\")")), "{setting}: ours `{problem}`, kafka-python `{message}`");
        assert_eq!(real[setting], "idempotence off", "{setting} left at the default turns idempotence off");
        assert!(problem.contains("silently turns idempotence off"));
    }
    let text = with_all(&[("/actors/0/transactional_id", json!("tx")), ("/actors/0/enable_idempotence", json!(false))]);
    let problem = KafkaScenario::from_json(&text).unwrap_err().problem;
    let raised = real["transactional_id, enable_idempotence=False"].as_str().unwrap();
    let message = raised.rsplit("KafkaConfigurationError: ").next().unwrap();
    assert!(problem.contains(message), "ours `{problem}`, kafka-python `{raised}`");
}

// ---------------------------------------------------------------- drivers

fn qp(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qp")).args(args).output().expect("the qp binary runs")
}

/// `qp code` prints a Kafka actor's program from a file or the catalog, exactly as the
/// generator writes it; `qp list` names each catalog scenario's system.
#[test]
fn qp_code_and_list_carry_the_kafka_system() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/systems/kafka/catalog/k-workload.json");
    let s = workload();
    let expected = program::of(&s, s.actor("consumer").unwrap()).code.join("\n") + "\n";
    let from_file = qp(&["code", file.to_str().unwrap(), "--actor", "consumer"]);
    assert!(from_file.status.success(), "{}", String::from_utf8_lossy(&from_file.stderr));
    assert_eq!(String::from_utf8(from_file.stdout).unwrap(), expected);
    let from_catalog = qp(&["code", "--catalog", "k-workload", "--actor", "consumer"]);
    assert_eq!(String::from_utf8(from_catalog.stdout).unwrap(), expected);
    let missing = qp(&["code", "--catalog", "k-workload", "--actor", "nobody"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(String::from_utf8(missing.stderr).unwrap(), "error: no actor is named \"nobody\"\n");
    let unknown = qp(&["code", "--catalog", "nope", "--actor", "c"]);
    let text = String::from_utf8(unknown.stderr).unwrap();
    assert!(text.starts_with("error: no catalog scenario is named \"nope\" (known: article,") && text.contains("k-workload"), "{text}");
    let list = String::from_utf8(qp(&["list"]).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with("k-workload ") && l.contains(" kafka ")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("article ") && l.contains(" rabbitmq ")), "{list}");
}

/// Where only RabbitMQ runs (the page's file loader, share codes), a Kafka file is named for
/// what it is, not reported as a RabbitMQ file with unknown fields; `qp run` runs it.
#[test]
fn a_kafka_file_where_only_rabbitmq_runs_says_so() {
    let error = queue_playground::scenario::Scenario::from_json(workload_text()).unwrap_err();
    assert_eq!(error.field, "broker.model");
    assert_eq!(error.problem, queue_playground::scenario::KAFKA_NOT_RUNNABLE);
    assert!(error.problem.contains("qp run FILE"), "{}", error.problem);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/systems/kafka/catalog/k-workload.json");
    let run = qp(&["run", file.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
}

/// The exception a failed program prints is the one kafka-python 3.0.12 raises, word for word
/// (the real package builds each one as its own code does: `check_api.py --errors`).
#[test]
fn exception_texts_are_kafka_pythons() {
    use queue_playground::systems::kafka::cluster::KafkaError;
    use queue_playground::systems::kafka::trace::{ClientError, ErrorContext, ErrorDetail};
    let python = kafka_python();
    let out = Command::new(&python).arg(check_api()).arg("--errors").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let real: Value = serde_json::from_slice(&out.stdout).unwrap();
    let topic_partitions = ["TopicPartition(topic='test_topic', partition=0)".to_string()];
    let details = [ErrorDetail::Expired { partition: 0, elapsed_ms: 120_000 }, ErrorDetail::NoOffset { partitions: vec![0] }];
    let context = ErrorContext { get_timeout_ms: 10_000, request_timeout_ms: 30_000, topic_partitions: &topic_partitions, details: &details };
    let broker = [
        (3, KafkaError::UnknownTopicOrPartition),
        (8, KafkaError::BrokerNotAvailable),
        (6, KafkaError::NotLeaderOrFollower),
        (5, KafkaError::LeaderNotAvailable),
        (19, KafkaError::NotEnoughReplicas),
        (20, KafkaError::NotEnoughReplicasAfterAppend),
        (45, KafkaError::OutOfOrderSequenceNumber),
        (47, KafkaError::InvalidProducerEpoch),
        (1, KafkaError::OffsetOutOfRange),
        (38, KafkaError::InvalidReplicationFactor),
        (42, KafkaError::InvalidRequest),
        (7, KafkaError::RequestTimedOut),
    ];
    let mut cases: Vec<(String, ClientError)> = broker.iter().map(|&(code, e)| (format!("broker {code}"), ClientError::Broker(e))).collect();
    cases.extend([
        ("disconnected".to_string(), ClientError::Disconnected),
        ("request timed out".to_string(), ClientError::RequestTimedOut),
        ("get timed out".to_string(), ClientError::GetTimedOut),
        ("delivery timed out".to_string(), ClientError::DeliveryTimedOut { detail: 0 }),
        ("no offset".to_string(), ClientError::NoOffsetForPartition { detail: 1 }),
        ("commit failed".to_string(), ClientError::CommitFailed),
    ]);
    assert_eq!(cases.len(), real.as_object().unwrap().len(), "every exception kafka-python builds is compared: {real:#}");
    for (key, error) in cases {
        assert_eq!(error.text(&context), real[&key].as_str().unwrap(), "{key}");
    }
}
