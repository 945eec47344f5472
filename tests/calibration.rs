//! The cost model against the real broker (issue 11): the calibration script's cases
//! (`scripts/calibrate.py`, its last figures in `tests/calibration/real-rabbitmq.json`) run on
//! the engine with `Costs::MEASURED`, and the engine's throughput ratios between settings must
//! be within 25% of the real broker's. The table it prints is README's ("The real broker's
//! speed"): `cargo test --test calibration -- --nocapture`.
//!
//! Confirms in batches are the `SelectConnection` producer of `ProducerSpec::confirm_batch`
//! (the script's batch producer). Not modelled, so not compared: a persistent message
//! confirmed early because its consumer acked it before the disk sync
//! (`confirm-each-persistent-busy`).

use queue_playground::engine::costs::Costs;
use queue_playground::engine::timing::Timing;
use queue_playground::engine::Until;
use queue_playground::scenario::{ActorSpec, ConsumerSpec, ProducerSpec, QueueSpec, Scenario};
use queue_playground::systems::rabbitmq::world::Sim;

/// A calibration case as the engine runs it.
struct Case {
    name: &'static str,
    prefetch: u16,
    persistent: bool,
    confirms: bool,
    /// Confirms in batches of this many (the script's `SelectConnection` producer).
    batch: Option<u32>,
    consumers: usize,
    work_ms: u64,
    messages: u32,
}

const CASES: &[Case] = &[
    Case { name: "prefetch-1", prefetch: 1, persistent: false, confirms: false, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "prefetch-10", prefetch: 10, persistent: false, confirms: false, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "prefetch-100", prefetch: 100, persistent: false, confirms: false, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "transient", prefetch: 10, persistent: false, confirms: false, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "persistent", prefetch: 10, persistent: true, confirms: false, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "confirm-each-transient", prefetch: 10, persistent: false, confirms: true, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "confirm-each-persistent", prefetch: 10, persistent: true, confirms: true, batch: None, consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "confirm-batch-transient", prefetch: 10, persistent: false, confirms: true, batch: Some(100), consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "confirm-batch-persistent", prefetch: 10, persistent: true, confirms: true, batch: Some(100), consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "confirm-batch-1-transient", prefetch: 10, persistent: false, confirms: true, batch: Some(1), consumers: 1, work_ms: 0, messages: 5000 },
    Case { name: "consumers-1", prefetch: 10, persistent: false, confirms: false, batch: None, consumers: 1, work_ms: 10, messages: 400 },
    Case { name: "consumers-2", prefetch: 10, persistent: false, confirms: false, batch: None, consumers: 2, work_ms: 10, messages: 400 },
    Case { name: "consumers-4", prefetch: 10, persistent: false, confirms: false, batch: None, consumers: 4, work_ms: 10, messages: 400 },
];

/// The ratios compared (numerator, denominator), by the script's case names.
const RATIOS: &[(&str, &str)] = &[
    ("prefetch-10", "prefetch-1"),
    ("prefetch-100", "prefetch-1"),
    ("persistent", "transient"),
    ("confirm-each-transient", "transient"),
    ("confirm-each-persistent", "persistent"),
    ("confirm-batch-transient", "confirm-each-transient"),
    ("confirm-batch-persistent", "confirm-each-persistent"),
    ("confirm-batch-1-transient", "confirm-each-transient"),
    ("consumers-2", "consumers-1"),
    ("consumers-4", "consumers-1"),
];

/// The script's workload: one producer as fast as it can go, consumers acking after the work.
fn scenario(case: &Case, costs: Costs) -> Scenario {
    let producer = ProducerSpec {
        queue: "calibration".into(),
        messages: case.messages,
        interval_ms: 0,
        delivery_mode: if case.persistent { 2 } else { 1 },
        confirms: case.confirms,
        confirm_batch: case.batch,
        ..ProducerSpec::article("producer")
    };
    let consumer = |i: usize| ConsumerSpec {
        queue: "calibration".into(),
        auto_ack: false,
        prefetch_count: Some(case.prefetch),
        work_ms: case.work_ms,
        ..ConsumerSpec::article(&format!("consumer-{i}"))
    };
    let mut actors: Vec<ActorSpec> = (0..case.consumers).map(|i| ActorSpec::Consumer(consumer(i))).collect();
    actors.push(ActorSpec::Producer(producer));
    let mut scenario = Scenario::from_json(r#"{"name":"calibration","queues":[{"name":"calibration","durable":true}],"actors":[{"role":"consumer","name":"c","queue":"calibration"}]}"#).expect("the base scenario");
    scenario.name = case.name.into();
    scenario.queues = vec![QueueSpec::new("calibration", true)];
    scenario.actors = actors;
    // Loopback: no latency but the network stacks' (`costs.network_us`).
    scenario.network.latency_ms = 0;
    scenario.costs = costs;
    scenario
}

/// The engine's throughput for a case (messages processed per second, × 1000).
fn engine_throughput(case: &Case, costs: Costs) -> u64 {
    let scenario = scenario(case, costs);
    let mut sim = Sim::new(&scenario).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    sim.run_until(Until::Quiescence);
    let timing = Timing::of(sim.trace(), sim.ledger().messages.len());
    assert_eq!(timing.overall.processed, case.messages, "{}: every message processed", case.name);
    timing.overall.per_s_milli.expect("a span")
}

/// The real broker's figures: (case, throughput per second).
fn real_throughputs() -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/calibration/real-rabbitmq.json")).expect("the real broker's figures");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["cases"].as_array().expect("cases").iter().map(|c| (c["name"].as_str().expect("name").to_string(), c["throughput_per_s"].as_f64().expect("throughput"))).collect()
}

#[test]
fn the_engine_reproduces_the_real_brokers_ratios_within_25_percent() {
    let real = real_throughputs();
    let real_of = |name: &str| real.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} in real-rabbitmq.json")).1;
    let engine: Vec<(&str, u64)> = CASES.iter().map(|case| (case.name, engine_throughput(case, Costs::MEASURED))).collect();
    let engine_of = |name: &str| engine.iter().find(|(n, _)| *n == name).expect("a case").1 as f64 / 1000.0;
    println!("| case | real broker, messages/s | engine (Costs::MEASURED), messages/s |");
    println!("|---|---:|---:|");
    for case in CASES {
        println!("| {} | {:.0} | {:.0} |", case.name, real_of(case.name), engine_of(case.name));
    }
    println!();
    println!("| ratio (throughput) | real broker | engine | engine / real |");
    println!("|---|---:|---:|---:|");
    let mut off = Vec::new();
    for &(numerator, denominator) in RATIOS {
        let real_ratio = real_of(numerator) / real_of(denominator);
        let engine_ratio = engine_of(numerator) / engine_of(denominator);
        let fit = engine_ratio / real_ratio;
        println!("| {numerator} / {denominator} | {real_ratio:.2} | {engine_ratio:.2} | {fit:.2} |");
        if !(0.75..=1.25).contains(&fit) {
            off.push(format!("{numerator} / {denominator}: real {real_ratio:.2}, engine {engine_ratio:.2}"));
        }
    }
    assert!(off.is_empty(), "ratios more than 25% off the real broker's: {off:#?}");
}

/// Free costs leave the engine as the tutorial's chapters know it: whole milliseconds.
#[test]
fn free_costs_keep_time_in_whole_milliseconds() {
    let case = &CASES[1];
    let mut scenario = scenario(case, Costs::FREE);
    scenario.network.latency_ms = 1;
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until(Until::Quiescence);
    assert!(sim.trace().iter().all(|e| e.micros == 0));
    let mut scenario = scenario.clone();
    scenario.costs = Costs::MEASURED;
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until(Until::Quiescence);
    assert!(sim.trace().iter().any(|e| e.micros != 0), "measured costs land between the milliseconds");
}
