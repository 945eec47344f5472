//! The cost model on Kafka (issue 11 §1: "Kafka runs get the same figures; its batching,
//! `linger.ms` and `acks` cost what they cost"): the tutorial's workload on the Kafka world with
//! `Costs::MEASURED` (the figures fitted to the real RabbitMQ; no real Kafka installs on these
//! machines, so nothing is fitted to one), its throughput as `engine::timing` gives it, pinned
//! exactly. What each cost pays for is in `systems::kafka::world`'s module doc. README's cost
//! model section ("On Kafka") shows the table this prints:
//! `cargo test --test kafka_costs -- --nocapture`.

use queue_playground::cross::rabbit_workload;
use queue_playground::engine::costs::Costs;
use queue_playground::engine::timing::Timing;
use queue_playground::engine::trace::trace_hash;
use queue_playground::engine::Until;
use queue_playground::scenario::settings::Settings;
use queue_playground::systems::kafka::scenario::KafkaScenario;
use queue_playground::systems::kafka::world::KafkaSim;
use serde_json::{json, Value};

/// Records each producer sends in the fast cases (as fast as it can: no sleep).
const RECORDS: u32 = 2_000;
/// Records in the cases whose consumers work 10 ms on each.
const WORK_RECORDS: u32 = 400;

/// A case: the tutorial's producer with no sleep and consumers of one group reading from the
/// earliest offset, on loopback (no latency but the network stacks': `costs.network_us`).
struct Case {
    name: &'static str,
    acks: &'static str,
    linger_ms: u64,
    brokers: u8,
    replication_factor: u8,
    partitions: u16,
    consumers: usize,
    work_ms: u64,
    records: u32,
}

const BASE: Case = Case { name: "", acks: "1", linger_ms: 0, brokers: 1, replication_factor: 1, partitions: 1, consumers: 1, work_ms: 0, records: RECORDS };

const CASES: &[Case] = &[
    Case { name: "acks=0, RF 3", acks: "0", brokers: 3, replication_factor: 3, ..BASE },
    Case { name: "acks=1, RF 3", acks: "1", brokers: 3, replication_factor: 3, ..BASE },
    Case { name: "acks=all, RF 3", acks: "all", brokers: 3, replication_factor: 3, ..BASE },
    Case { name: "acks=1, linger_ms 0", ..BASE },
    Case { name: "acks=1, linger_ms 5", linger_ms: 5, ..BASE },
    Case { name: "1 consumer, 10 ms of work", partitions: 4, consumers: 1, work_ms: 10, records: WORK_RECORDS, ..BASE },
    Case { name: "2 consumers, 10 ms of work", partitions: 4, consumers: 2, work_ms: 10, records: WORK_RECORDS, ..BASE },
    Case { name: "4 consumers, 10 ms of work", partitions: 4, consumers: 4, work_ms: 10, records: WORK_RECORDS, ..BASE },
];

fn scenario(case: &Case, costs: Costs) -> KafkaScenario {
    let idempotent = case.acks == "all";
    let mut actors: Vec<Value> = (0..case.consumers)
        .map(|i| json!({"role": "consumer", "name": format!("consumer-{i}"), "auto_offset_reset": "earliest", "work_ms": case.work_ms}))
        .collect();
    // The producer starts once the group is stable (its first join takes a few ms: no initial
    // rebalance delay here), so the run measures the records' way, not the group's forming.
    actors.push(json!({
        "role": "producer", "name": "producer", "messages": case.records, "interval_ms": 0, "acks": case.acks,
        "enable_idempotence": idempotent, "linger_ms": case.linger_ms, "keyed": true, "get_timeout_ms": null, "start_ms": 100
    }));
    let mut value = json!({
        "name": "kafka-costs",
        "broker": {"model": "kafka", "brokers": case.brokers, "group_initial_rebalance_delay_ms": 0},
        "network": {"latency_ms": 0},
        "topics": [{"name": "test_topic", "partitions": case.partitions, "replication_factor": case.replication_factor}],
        "actors": actors,
        "costs": costs,
    });
    if costs.is_free() {
        value.as_object_mut().unwrap().remove("costs");
    }
    KafkaScenario::from_json(&value.to_string()).unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn run(case: &Case, costs: Costs) -> KafkaSim {
    let mut sim = KafkaSim::new(&scenario(case, costs)).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    sim.run_until(Until::Quiescence);
    sim.check_conservation().unwrap_or_else(|e| panic!("{}: {e}", case.name));
    sim
}

/// The run's figures, every record processed.
fn timing(case: &Case, costs: Costs) -> Timing {
    let sim = run(case, costs);
    let timing = Timing::of(sim.trace(), sim.ledger().messages.len());
    assert_eq!(timing.overall.processed, case.records, "{}: every record processed", case.name);
    timing
}

/// The consumers' throughput (records processed per second × 1000).
fn throughput(case: &Case, costs: Costs) -> u64 {
    timing(case, costs).overall.per_s_milli.expect("a span")
}

fn case(name: &str) -> &'static Case {
    CASES.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {name}"))
}

/// acks=0 is done once the record is serialized and written: the producer could send one every
/// 30 µs, and the leader's worker for its connection, 100 µs a produce request (`broker_us` 10
/// + `persist_us` 90), one at a time, is what bounds it; acks=1 once the leader's answer is
/// back: per record `publish_us` 30 + `network_us` 90 + the leader's `broker_us` 10 and
/// `persist_us` 90 + `network_us` 90 back = 310 µs; acks=all once the followers have fetched the record and
/// fetched again, which moves the high watermark past it: two replication rounds of a one-way
/// trip and a broker's work (90 + 100 µs: the followers long-poll) more, 690 µs a record.
#[test]
fn acks_0_is_faster_than_acks_1_is_faster_than_acks_all() {
    let acks0 = throughput(case("acks=0, RF 3"), Costs::MEASURED);
    let acks1 = throughput(case("acks=1, RF 3"), Costs::MEASURED);
    let all = throughput(case("acks=all, RF 3"), Costs::MEASURED);
    assert_eq!((acks0, acks1, all), (9_934_433, 3_224_090, 1_449_223), "records/s × 1000");
    assert!(acks0 > acks1 && acks1 > all);
    assert!(acks0 < 10_000_000, "no faster than the leader's worker: 100 µs a request");
    // On one broker with acks=1, a record's 310 µs make the whole run: from the first publish,
    // 1,999 records of 310 µs, then the last one's way to the consumer's print (the 280 µs to
    // the broker and back after its publish, and the consumer's 80).
    let one = timing(case("acks=1, linger_ms 0"), Costs::MEASURED);
    assert_eq!(one.span_us, 1_999 * 310 + 360);
    assert_eq!(one.overall.per_s_milli, Some(3_225_546));
    // acks=all: 690 µs a record; the last one's print 740 µs after its publish (the consumer
    // reads it once the high watermark has passed it).
    let all = timing(case("acks=all, RF 3"), Costs::MEASURED);
    assert_eq!(all.span_us, 1_999 * 690 + 740);
    assert_eq!(all.overall.latency_us.map(|l| (l.p50, l.p99)), Some((740, 740)));
}

/// With costs, the followers long-poll: a replication round comes a one-way trip and a broker's
/// work after the last, at least 100 µs (`REPLICA_ROUND_MIN_US`), not the 5 ms of a run
/// without costs. With only `publish_us` on loopback, an acks=all record takes two rounds of
/// 100 µs (its 30 µs of serialization overlap the round that brings the other follower the
/// last high watermark); without costs, two rounds of 5 ms.
#[test]
fn replication_rounds_follow_the_costs_and_are_at_least_100_us_apart() {
    let case = case("acks=all, RF 3");
    let publish_only = timing(case, Costs { publish_us: 30, ..Costs::FREE });
    assert_eq!(publish_only.span_us, 2_000 * 200);
    let free = timing(case, Costs::FREE);
    assert_eq!(free.span_us, 2_000 * 10_000);
}

/// `linger_ms` batches the records a producer sends while the batch waits; the tutorial's
/// program waits for each record (`future.get()`) before it sends the next, so no batch ever
/// holds two: lingering only delays each record, and the same producer is slower for it. (So
/// in this model, batching cannot raise throughput: a program that sends without waiting is
/// not one of the tutorial's.)
#[test]
fn linger_delays_each_record_of_a_producer_that_waits_for_each_send() {
    let linger0 = throughput(case("acks=1, linger_ms 0"), Costs::MEASURED);
    let linger5 = timing(case("acks=1, linger_ms 5"), Costs::MEASURED);
    assert_eq!((linger0, linger5.overall.per_s_milli), (3_225_546, Some(188_412)), "records/s × 1000");
    // 5 ms + 310 µs a record.
    assert_eq!(linger5.span_us, 1_999 * 5_310 + 360);
}

/// Consumers that work 10 ms on each record, one group on 4 partitions: each more consumer owns
/// its share of the partitions and processes them alongside the others (each record costs its
/// consumer `deliver_us` 80 µs besides the work: 99.2 a second each). Keyed records spread
/// unevenly over the partitions, so 4 consumers do a little less than 4 times one.
#[test]
fn more_consumers_on_more_partitions_process_more() {
    let figures: Vec<u64> = ["1 consumer, 10 ms of work", "2 consumers, 10 ms of work", "4 consumers, 10 ms of work"].iter().map(|name| throughput(case(name), Costs::MEASURED)).collect();
    assert_eq!(figures, [99_190, 191_642, 360_474], "records/s × 1000");
    assert!(figures[0] < figures[1] && figures[1] < figures[2]);
}

/// Free costs leave a Kafka run in whole milliseconds, as the chapters know it; the measured
/// costs put events between them.
#[test]
fn free_costs_keep_every_event_on_a_whole_millisecond() {
    for case in CASES {
        let sim = run(case, Costs::FREE);
        assert!(sim.trace().iter().all(|e| e.micros == 0), "{}: free costs, whole milliseconds", case.name);
        let sim = run(case, Costs::MEASURED);
        assert!(sim.trace().iter().any(|e| e.micros != 0), "{}: measured costs land between the milliseconds", case.name);
    }
}

/// Free costs are the model without costs: a file that spells out zero costs reads as free,
/// is written back without them, and runs as the file without them does (every Kafka golden
/// hash holds too: `tests/kafka_golden.rs`).
#[test]
fn zero_costs_are_no_costs() {
    let case = case("acks=1, RF 3");
    let plain = scenario(case, Costs::FREE);
    assert!(!plain.to_json().contains("\"costs\""), "free costs are not written");
    let mut value: Value = serde_json::from_str(&plain.to_json()).unwrap();
    value["costs"] = json!({"network_us": 0, "publish_us": 0, "deliver_us": 0, "broker_us": 0, "persist_us": 0, "fsync_us": 0});
    let spelled = KafkaScenario::from_json(&value.to_string()).unwrap();
    assert_eq!(spelled, plain);
    let mut a = KafkaSim::new(&plain).unwrap();
    a.run_until(Until::Quiescence);
    let mut b = KafkaSim::new(&spelled).unwrap();
    b.run_until(Until::Quiescence);
    assert_eq!(trace_hash(a.trace()), trace_hash(b.trace()));
}

/// Kafka does not sync its log per message (`flush.messages` is unlimited; durability comes
/// from replication): `fsync_us` changes nothing in a Kafka run.
#[test]
fn a_disk_sync_costs_a_kafka_run_nothing() {
    for name in ["acks=1, RF 3", "acks=all, RF 3"] {
        let measured = run(case(name), Costs::MEASURED);
        let no_sync = run(case(name), Costs { fsync_us: 0, ..Costs::MEASURED });
        let slow_sync = run(case(name), Costs { fsync_us: 1_000_000, ..Costs::MEASURED });
        assert_eq!(trace_hash(measured.trace()), trace_hash(no_sync.trace()), "{name}");
        assert_eq!(trace_hash(measured.trace()), trace_hash(slow_sync.trace()), "{name}");
    }
}

/// The broker's work is on the producer's way: with acks=1 on one broker, 190 µs more per
/// request make each of the 2,000 records exactly that much slower (500 µs a record).
#[test]
fn the_brokers_work_is_on_the_producers_way() {
    let case = case("acks=1, linger_ms 0");
    let measured = timing(case, Costs::MEASURED);
    let slower = timing(case, Costs { broker_us: 10 + 190, ..Costs::MEASURED });
    assert_eq!(slower.span_us - measured.span_us, 2_000 * 190);
    assert_eq!(slower.overall.per_s_milli, Some(1_999_900));
}

/// A Kafka scenario's costs are read, written and checked as a RabbitMQ scenario's are, and
/// "Compare with RabbitMQ" runs the RabbitMQ side with the same costs.
#[test]
fn costs_in_a_kafka_scenario_file() {
    let s = scenario(case("acks=1, RF 3"), Costs::MEASURED);
    let again = KafkaScenario::from_json(&s.to_json()).unwrap();
    assert_eq!(again.costs, Costs::MEASURED);
    let mut value: Value = serde_json::from_str(&s.to_json()).unwrap();
    value["costs"]["network_us"] = json!(1_000_001);
    let error = KafkaScenario::from_json(&value.to_string()).unwrap_err();
    assert_eq!(error.field, "costs.network_us", "{error}");
    value["costs"] = json!({"network_us": 1, "sync_us": 2});
    assert!(KafkaScenario::from_json(&value.to_string()).is_err(), "an unknown cost is refused");
    let settings = Settings::of(&queue_playground::scenario::catalog::get("article").unwrap());
    let rabbit = rabbit_workload(&s, &settings, Vec::new()).unwrap();
    assert_eq!(rabbit.costs, Costs::MEASURED);
}

#[test]
fn print_the_figures() {
    println!("| case (Kafka, loopback, Costs::MEASURED) | records/s | latency p50 / p99, µs | span, µs |");
    println!("|---|---:|---:|---:|");
    for case in CASES {
        let sim = run(case, Costs::MEASURED);
        let timing = Timing::of(sim.trace(), sim.ledger().messages.len());
        let t = timing.overall.per_s_milli.expect("a span");
        let latency = timing.overall.latency_us.expect("latencies");
        println!("| {} | {}.{:03} | {} / {} | {} |", case.name, t / 1000, t % 1000, latency.p50, latency.p99, timing.span_us);
    }
}

/// Every Kafka chapter tells the same story with the measured costs: the same verdicts, every
/// record conserved (the costs move events by microseconds, not past the chapters' faults).
#[test]
fn every_kafka_chapter_has_the_same_verdicts_with_the_measured_costs() {
    use queue_playground::systems::kafka::scenario::catalog;
    for name in catalog::names() {
        let counts = |costs: Costs| {
            let mut s = catalog::get(name).unwrap();
            s.costs = costs;
            let mut sim = KafkaSim::new(&s).unwrap();
            sim.run_until(Until::Quiescence);
            sim.check_conservation().unwrap_or_else(|e| panic!("{name}: {e}"));
            (sim.verdict_counts(), sim.trace().iter().any(|e| e.micros != 0))
        };
        let (free, free_between) = counts(Costs::FREE);
        let (measured, measured_between) = counts(Costs::MEASURED);
        assert_eq!(free, measured, "{name}");
        assert!(!free_between && measured_between, "{name}");
    }
}
