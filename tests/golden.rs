//! Golden traces: every catalog scenario, at its own seed, must produce exactly the pinned
//! trace hash and summary line. A deliberate engine change re-pins them: the failure message
//! prints the command that reproduces each run and the new values, ready to paste into
//! `tests/golden/table.rs` (or run `cargo test --test golden -- --ignored --nocapture` to
//! print the whole table).
//!
//! Also checks determinism itself: the same run twice gives the same hash, a cloned snapshot
//! finishes exactly like the uninterrupted run, and the seed does change a jittery run.

use queue_playground::systems::rabbitmq::trace::trace_hash;
use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::{catalog, Scenario};

include!("golden/table.rs");

/// Run a scenario to quiescence.
fn run(scenario: &Scenario) -> Sim {
    let mut sim = Sim::new(scenario).expect("catalog scenarios build");
    sim.run_until(Until::Quiescence);
    sim
}

fn scenario(name: &str) -> Scenario {
    catalog::get(name).unwrap_or_else(|e| panic!("catalog scenario {name}: {e}"))
}

fn reproduce(name: &str, seed: u64) -> String {
    format!("cargo run --bin qp -- run --catalog {name} --seed {seed}")
}

/// The table row a scenario produces now.
fn current_row(name: &str) -> (String, String) {
    let sim = run(&scenario(name));
    let report = Report::new(&sim, false);
    (report.trace_hash, report.summary)
}

fn table_line(name: &str, hash: &str, summary: &str) -> String {
    format!("    ({name:?}, {hash:?}, {summary:?}),")
}

#[test]
fn every_catalog_scenario_matches_its_golden_trace() {
    let mut problems = Vec::new();
    for (name, _) in catalog::ENTRIES {
        let seed = scenario(name).seed;
        let (hash, summary) = current_row(name);
        match GOLDEN.iter().find(|(n, _, _)| n == name) {
            None => problems.push(format!(
                "{name}: not pinned in tests/golden/table.rs\n  reproduce with: {}\n  add: {}",
                reproduce(name, seed),
                table_line(name, &hash, &summary)
            )),
            Some((_, pinned_hash, pinned_summary)) => {
                if *pinned_hash != hash || *pinned_summary != summary {
                    problems.push(format!(
                        "{name} (seed {seed}) changed\n  reproduce with: {}\n  pinned hash:    {pinned_hash}\n  new hash:       {hash}\n  pinned summary: {pinned_summary}\n  new summary:    {summary}\n  if the change is deliberate, re-pin with: {}",
                        reproduce(name, seed),
                        table_line(name, &hash, &summary)
                    ));
                }
            }
        }
    }
    for (name, _, _) in GOLDEN {
        if !catalog::ENTRIES.iter().any(|(n, _)| n == name) {
            problems.push(format!("{name}: pinned in tests/golden/table.rs but not in the catalog; remove its row"));
        }
    }
    assert!(problems.is_empty(), "golden traces differ:\n\n{}\n", problems.join("\n\n"));
}

#[test]
fn golden_table_lists_the_catalog_in_order() {
    let pinned: Vec<&str> = GOLDEN.iter().map(|(n, _, _)| *n).collect();
    let catalog: Vec<&str> = catalog::names().collect();
    assert_eq!(pinned, catalog, "tests/golden/table.rs must have one row per catalog scenario, in catalog order");
    for (name, hash, _) in GOLDEN {
        assert!(hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{name}: {hash:?} is not a 16-digit hex hash");
    }
}

/// Prints the whole table in the form `tests/golden/table.rs` wants, for re-pinning.
#[test]
#[ignore = "prints the golden table; run with --ignored --nocapture to re-pin"]
fn print_golden_table() {
    println!("pub const GOLDEN: &[(&str, &str, &str)] = &[");
    for (name, _) in catalog::ENTRIES {
        let (hash, summary) = current_row(name);
        println!("{}", table_line(name, &hash, &summary));
    }
    println!("];");
}

#[test]
fn running_twice_gives_the_same_trace() {
    for (name, _) in catalog::ENTRIES {
        let scenario = scenario(name);
        let first = run(&scenario);
        let second = run(&scenario);
        assert_eq!(
            trace_hash(first.trace()),
            trace_hash(second.trace()),
            "{name}: two runs of the same scenario and seed differ\n  reproduce with: {}",
            reproduce(name, scenario.seed)
        );
        assert_eq!(first.trace(), second.trace(), "{name}: traces differ though hashes agree");
        assert_eq!(first.now_ms(), second.now_ms(), "{name}: runs ended at different times");
    }
}

/// How many `step()` calls a run takes (each records at least one event).
fn count_steps(scenario: &Scenario) -> usize {
    let mut sim = Sim::new(scenario).expect("catalog scenarios build");
    let mut steps = 0;
    while sim.step() {
        steps += 1;
    }
    steps
}

#[test]
fn a_cloned_snapshot_finishes_like_the_uninterrupted_run() {
    for (name, _) in catalog::ENTRIES {
        let scenario = scenario(name);
        let whole = run(&scenario);
        let expected = trace_hash(whole.trace());
        let steps_total = count_steps(&scenario);
        assert!(steps_total > 4, "{name}: suspiciously short run ({steps_total} steps)");
        for cut in [1, steps_total / 3, steps_total / 2, steps_total - 1] {
            let mut original = Sim::new(&scenario).expect("catalog scenarios build");
            for _ in 0..cut {
                assert!(original.step(), "{name}: the run ended before step {cut}");
            }
            let mut snapshot = original.clone();
            let prefix_length = snapshot.trace().len();
            let prefix = trace_hash(snapshot.trace());
            original.run_until(Until::Quiescence);
            snapshot.run_until(Until::Quiescence);
            let context = format!("{name}: snapshot after {cut} steps\n  reproduce with: {}", reproduce(name, scenario.seed));
            assert_eq!(prefix, trace_hash(&whole.trace()[..prefix_length]), "{context}: the prefix before the cut differs from the uninterrupted run");
            assert_eq!(trace_hash(original.trace()), expected, "{context}: the original differs from the uninterrupted run");
            assert_eq!(trace_hash(snapshot.trace()), expected, "{context}: the clone differs from the uninterrupted run");
            assert_eq!(snapshot.now_ms(), whole.now_ms(), "{context}: the clone ended at a different time");
        }
    }
}

#[test]
fn the_seed_changes_a_jittery_run() {
    let mut changed = Vec::new();
    for (name, _) in catalog::ENTRIES {
        let mut scenario = scenario(name);
        scenario.network.jitter_ms = 5;
        scenario.validate().expect("jitter 5 is valid");
        let a = run(&scenario);
        let again = run(&scenario);
        assert_eq!(trace_hash(a.trace()), trace_hash(again.trace()), "{name}: a jittery run is not repeatable");
        let mut other = scenario.clone();
        other.seed = scenario.seed.wrapping_add(1);
        let b = run(&other);
        if trace_hash(a.trace()) != trace_hash(b.trace()) {
            changed.push(*name);
        }
    }
    assert!(!changed.is_empty(), "with jitter_ms = 5, changing the seed changed no catalog scenario's trace: the seed is ignored");
}

/// The scaled workload the page measures (`benchEngine(100000)` in tests/e2e) has this hash
/// natively too; the end-to-end test checks the browser gets the same.
pub const SCALED_100K_HASH: &str = "1f1d543a1499cb96";

#[test]
fn the_scaled_workload_hash_is_pinned() {
    let scenario = queue_playground::scenario::catalog::scaled_workload(100_000, 0);
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until(Until::Quiescence);
    let hash = queue_playground::systems::rabbitmq::trace::trace_hash(sim.trace());
    assert_eq!(hash, SCALED_100K_HASH, "re-pin here and in tests/e2e/page.test.mjs after a deliberate engine change");
}
