//! The Kafka world (issue 10 §2): the kafka-python programs run against the cluster and group
//! coordinator models over the simulated network, one test per row of
//! `../shared/ground-truth/kafka.md` with its exact expected outcome: what each consumer
//! printed, in which order, and the verdict of every message.
//!
//! A failing test prints the scenario's seed and the command to rerun it.

use queue_playground::engine::checker::{RunLabel, Verdict};
use queue_playground::engine::core::Finish;
use queue_playground::engine::ids::{ActorId, MessageId};
use queue_playground::engine::trace::trace_hash;
use queue_playground::engine::Until;
use queue_playground::systems::kafka::scenario::{catalog, KafkaScenario};
use queue_playground::systems::kafka::trace::KafkaEvent;
use queue_playground::systems::kafka::world::KafkaSim;
use serde_json::{json, Value};

/// Runs a scenario to its end; panics (with the seed and the rerun command) if it does not end
/// quiescent or breaks conservation.
fn run(scenario: &KafkaScenario, test: &str) -> KafkaSim {
    let mut sim = KafkaSim::new(scenario).unwrap_or_else(|e| panic!("{test}: {e}"));
    sim.run_until(Until::Quiescence);
    let context = format!("{test} (seed {}): rerun with `cargo test --test kafka_world {test}`", scenario.seed);
    assert_eq!(sim.finish(), Some(Finish::Quiescent), "{context}: the run did not end quiescent\n{}", dump(&sim));
    if let Err(e) = sim.check_conservation() {
        panic!("{context}: conservation: {e}\n{}", dump(&sim));
    }
    sim
}

/// The trace, one event a line, for failure messages.
fn dump(sim: &KafkaSim) -> String {
    sim.trace().iter().map(|e| format!("{:>7} {}", e.at_ms, serde_json::to_string(&e.event).unwrap())).collect::<Vec<_>>().join("\n")
}

fn scenario(value: Value) -> KafkaScenario {
    KafkaScenario::from_json(&value.to_string()).unwrap_or_else(|e| panic!("scenario: {e}"))
}

fn actor(sim: &KafkaSim, name: &str) -> ActorId {
    sim.actor_id(name).unwrap()
}

/// The verdict of each message of the producer named `producer`, by payload.
fn verdicts(sim: &KafkaSim, producer: &str) -> Vec<Verdict> {
    let id = actor(sim, producer);
    sim.actors()[id.index()].messages().iter().map(|&m| sim.verdict(m)).collect()
}

fn with_verdict(sim: &KafkaSim, producer: &str, verdict: Verdict) -> Vec<u32> {
    let id = actor(sim, producer);
    sim.actors()[id.index()].messages().iter().filter(|&&m| sim.verdict(m) == verdict).map(|m: &MessageId| sim.ledger().messages[m.index()].data).collect()
}

fn once(n: usize) -> Vec<Verdict> {
    vec![Verdict::ProcessedOnce; n]
}

fn tutorial(consumer: Value, faults: Value) -> Value {
    json!({
        "name": "t",
        "broker": {"model": "kafka"},
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000},
            consumer
        ],
        "faults": faults
    })
}

// ---------------------------------------------------------------- the workload

#[test]
fn k_workload_prints_every_record_once() {
    let s = catalog::get("k-workload").unwrap();
    let sim = run(&s, "k_workload_prints_every_record_once");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
    let p = actor(&sim, "producer");
    let sent = sim.terminal(p);
    assert_eq!(sent[0], " [x] Sent {'data': 0} (partition 0, offset 0)");
    assert_eq!(sent[9], " [x] Sent {'data': 9} (partition 0, offset 9)");
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>());
}

/// `KAFKA_SCENARIO=k-workload cargo test --test kafka_world print_trace -- --ignored --nocapture`
#[test]
#[ignore]
fn print_trace() {
    let name = std::env::var("KAFKA_SCENARIO").unwrap_or_else(|_| "k-workload".into());
    let s = match catalog::get(&name) {
        Ok(s) => s,
        Err(_) => KafkaScenario::from_json(&std::fs::read_to_string(&name).unwrap()).unwrap(),
    };
    let mut sim = KafkaSim::new(&s).unwrap();
    sim.run_until(Until::Quiescence);
    println!("{}", dump(&sim));
    println!("finish {:?} verdicts {:?}", sim.finish(), sim.verdicts());
}
