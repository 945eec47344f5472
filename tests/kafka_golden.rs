//! Golden traces of the Kafka catalog: every Kafka catalog scenario, at its own seed, must
//! produce exactly the pinned trace hash and summary line (the same table is checked in wasm
//! by tests/web.rs). Also: the same run twice is the same trace, a snapshot taken mid-run
//! finishes like the uninterrupted run, a session replays it step by step, and `qp run` gives
//! the report's summary.

use queue_playground::engine::trace::trace_hash;
use queue_playground::engine::Until;
use queue_playground::session::Session;
use queue_playground::systems::kafka::report::KafkaReport;
use queue_playground::systems::kafka::scenario::{catalog, KafkaScenario};
use queue_playground::systems::kafka::world::KafkaSim;

include!("golden/kafka_table.rs");

fn scenario(name: &str) -> KafkaScenario {
    catalog::get(name).unwrap_or_else(|e| panic!("Kafka catalog scenario {name}: {e}"))
}

fn run(scenario: &KafkaScenario) -> KafkaSim {
    let mut sim = KafkaSim::new(scenario).expect("catalog scenarios build");
    sim.run_until(Until::Quiescence);
    sim
}

fn reproduce(name: &str, seed: u64) -> String {
    format!("cargo run --bin qp -- run --catalog {name} --seed {seed}")
}

fn current_row(name: &str) -> (String, String) {
    let report = KafkaReport::new(&run(&scenario(name)), false);
    (report.trace_hash, report.summary)
}

fn table_line(name: &str, hash: &str, summary: &str) -> String {
    format!("    ({name:?}, {hash:?}, {summary:?}),")
}

#[test]
fn every_kafka_catalog_scenario_matches_its_golden_trace() {
    let names: Vec<&str> = catalog::names().collect();
    let pinned: Vec<&str> = KAFKA_GOLDEN.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(pinned, names, "tests/golden/kafka_table.rs must have one row per Kafka catalog scenario, in catalog order; print it with: cargo test --test kafka_golden -- --ignored --nocapture print_kafka_golden_table");
    let mut problems = Vec::new();
    for (name, pinned_hash, pinned_summary) in KAFKA_GOLDEN {
        let (hash, summary) = current_row(name);
        if *pinned_hash != hash || *pinned_summary != summary {
            problems.push(format!(
                "{name} changed\n  reproduce with: {}\n  pinned hash:    {pinned_hash}\n  new hash:       {hash}\n  pinned summary: {pinned_summary}\n  new summary:    {summary}\n  if the change is deliberate, re-pin with: {}",
                reproduce(name, scenario(name).seed),
                table_line(name, &hash, &summary)
            ));
        }
    }
    assert!(problems.is_empty(), "Kafka golden traces differ:\n\n{}\n", problems.join("\n\n"));
}

/// Prints the whole table in the form `tests/golden/kafka_table.rs` wants, for re-pinning.
#[test]
#[ignore = "prints the Kafka golden table; run with --ignored --nocapture to re-pin"]
fn print_kafka_golden_table() {
    println!("pub const KAFKA_GOLDEN: &[(&str, &str, &str)] = &[");
    for name in catalog::names() {
        let (hash, summary) = current_row(name);
        println!("{}", table_line(name, &hash, &summary));
    }
    println!("];");
}

/// Each Kafka chapter shows its kafka.md row: the verdicts the summaries pin, said plainly.
#[test]
fn each_kafka_catalog_scenario_shows_its_row() {
    let expect = [
        ("k-workload", "effectively-once", "duplicated 0, lost 0"),
        ("k-crash-autocommit", "at-least-once", "duplicated 4 (0,1,2,3), lost 0"),
        ("k-commit-before", "at-most-once", "duplicated 0, lost 1 (3)"),
        ("k-acks1-leader-crash", "at-most-once", "duplicated 0, lost 1 (5)"),
        ("k-lost-response-no-idempotence", "at-least-once", "duplicated 1 (3), lost 0"),
        ("k-idempotent-lost-response", "effectively-once", "duplicated 0, lost 0"),
    ];
    for (name, label, part) in expect {
        let (_, summary) = current_row(name);
        assert!(summary.starts_with(&format!("{label}:")) && summary.contains(part), "{name}: {summary}\n  reproduce with: {}", reproduce(name, 1));
    }
}

#[test]
fn a_kafka_run_twice_and_from_a_snapshot_is_the_same_trace() {
    for name in catalog::names() {
        let scenario = scenario(name);
        let whole = run(&scenario);
        let expected = trace_hash(whole.trace());
        assert_eq!(trace_hash(run(&scenario).trace()), expected, "{name}: two runs differ\n  reproduce with: {}", reproduce(name, scenario.seed));
        let mut steps = 0usize;
        let mut counter = KafkaSim::new(&scenario).unwrap();
        while counter.step() {
            steps += 1;
        }
        assert!(steps > 4, "{name}: suspiciously short run ({steps} steps)");
        for cut in [1, steps / 3, steps / 2, steps - 1] {
            let mut original = KafkaSim::new(&scenario).unwrap();
            for _ in 0..cut {
                assert!(original.step(), "{name}: the run ended before step {cut}");
            }
            let mut snapshot = original.clone();
            original.run_until(Until::Quiescence);
            snapshot.run_until(Until::Quiescence);
            assert_eq!(trace_hash(original.trace()), expected, "{name}: cut at {cut}: the original differs");
            assert_eq!(trace_hash(snapshot.trace()), expected, "{name}: cut at {cut}: the clone differs");
        }
    }
}

/// A session (what the page will step through) replays a Kafka run: seeking back and forth
/// lands on the same event counts as the timeline, and a fault injected at a step forks it.
#[test]
fn a_session_replays_and_forks_a_kafka_run() {
    let base = scenario("k-workload");
    let mut session: Session<KafkaSim> = Session::run(base.clone(), vec![]).expect("it runs");
    let steps = session.len();
    assert!(steps > 10);
    for step in [steps, 3, steps / 2, 0, steps - 1] {
        session.seek(step);
        assert_eq!(session.position(), step);
        assert_eq!(session.world().events(), session.events_at(step), "seek to {step}");
    }
    assert_eq!(trace_hash(session.full_trace()), trace_hash(run(&base).trace()));
    // Crash the consumer after its third print: a fork at that step, reproducible.
    let third = session.full_trace().iter().enumerate().filter(|(_, e)| matches!(e.event, queue_playground::systems::kafka::trace::KafkaEvent::Printed { text: queue_playground::systems::kafka::trace::TerminalText::Received { .. }, .. })).nth(2).map(|(i, _)| i).expect("three prints");
    session.seek(session.step_of_event(third));
    let fork = session.forked(queue_playground::scenario::FaultAction::Crash("consumer".into())).expect("a crash forks");
    let again = session.forked(queue_playground::scenario::FaultAction::Crash("consumer".into())).expect("a crash forks");
    assert_eq!(trace_hash(fork.full_trace()), trace_hash(again.full_trace()), "a fork is reproducible");
    assert_ne!(trace_hash(fork.full_trace()), trace_hash(session.full_trace()), "the crash changed the run");
    let file = fork.scenario_file();
    assert_eq!(file.faults.len(), base.faults.len() + 1);
    let from_file: Session<KafkaSim> = Session::run(file, vec![]).unwrap();
    assert_eq!(trace_hash(from_file.full_trace()), trace_hash(fork.full_trace()), "the saved file runs the fork");
}

#[test]
fn qp_run_runs_a_kafka_scenario() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--catalog", "k-crash-autocommit"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["system"], "kafka");
    assert_eq!(report["label"], "at-least-once");
    let duplicated: Vec<u64> = report["messages"].as_array().unwrap().iter().filter(|m| m["verdict"] == "duplicated").map(|m| m["data"].as_u64().unwrap()).collect();
    assert_eq!(duplicated, vec![0, 1, 2, 3]);
    assert!(report["messages"].as_array().unwrap().iter().all(|m| m["printed"].as_u64().unwrap() == if m["data"].as_u64().unwrap() < 4 { 2 } else { 1 }));
    assert_eq!(report["partitions"][0]["log"], serde_json::json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("k-crash-autocommit (seed 1): at-least-once:"), "{stderr}");
    // A Kafka file with another seed.
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/systems/kafka/catalog/k-workload.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", file.to_str().unwrap(), "--seed", "7"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["seed"], 7);
    assert_eq!(report["label"], "effectively-once");
}

/// The Kafka benchmark's workload (`benches/kafka_throughput.rs`) at 20,000 records: its trace
/// hash and summary are pinned, so a change made for speed is seen to change no behaviour.
pub const SCALED_20K_HASH: &str = "92a79bff4a62f7fa";
/// (Out of order is judged per consumer process: each of the 4 consumers reads at most one of
/// the 3 partitions, in log order, so none is; comparing across processes had counted 405.)
pub const SCALED_20K_SUMMARY: &str = "effectively-once: published 20000, processed once 20000, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0";

#[test]
fn the_scaled_kafka_workload_hash_is_pinned() {
    let sim = run(&catalog::scaled_workload(20_000));
    let report = KafkaReport::new(&sim, false);
    let crashed = sim.trace().iter().filter(|e| matches!(e.event, queue_playground::systems::kafka::trace::KafkaEvent::NodeCrashed { .. })).count();
    assert_eq!(crashed, 1, "the bench crashes the leader once");
    assert_eq!((report.trace_hash.as_str(), report.summary.as_str()), (SCALED_20K_HASH, SCALED_20K_SUMMARY), "re-pin after a deliberate change of the Kafka model (and say so in README's figures)");
}
