//! Golden traces of the ZeroMQ catalog: every ZeroMQ catalog scenario, at its own seed, must
//! produce exactly the pinned trace hash and summary line (`tests/golden/zeromq_table.rs`).
//! Also: the same run twice is the same trace; stepping one step at a time gives the same
//! trace as running to the end; a clone taken mid-run finishes like the uninterrupted run;
//! each chapter shows its row of the ground truth; `qp run` prints the same report.

use queue_playground::engine::trace::trace_hash;
use queue_playground::engine::Until;
use queue_playground::systems::zeromq::report::{ZmqReport, ZmqVerdict};
use queue_playground::systems::zeromq::scenario::{catalog, ZmqScenario};
use queue_playground::systems::zeromq::world::ZmqSim;

include!("golden/zeromq_table.rs");

fn scenario(name: &str) -> ZmqScenario {
    catalog::get(name).unwrap_or_else(|e| panic!("ZeroMQ catalog scenario {name}: {e}"))
}

fn run(scenario: &ZmqScenario) -> ZmqSim {
    let mut sim = ZmqSim::new(scenario).expect("catalog scenarios build");
    sim.run_until(Until::Quiescence);
    sim
}

fn reproduce(name: &str, seed: u64) -> String {
    format!("cargo run --bin qp -- run --catalog {name} --seed {seed} --trace")
}

fn current_row(name: &str) -> (String, String) {
    let report = ZmqReport::new(&run(&scenario(name)), false);
    (report.trace_hash, report.summary)
}

fn table_line(name: &str, hash: &str, summary: &str) -> String {
    format!("    ({name:?}, {hash:?}, {summary:?}),")
}

#[test]
fn every_zeromq_catalog_scenario_matches_its_golden_trace() {
    let names: Vec<&str> = catalog::names().collect();
    let pinned: Vec<&str> = ZEROMQ_GOLDEN.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(pinned, names, "tests/golden/zeromq_table.rs must have one row per ZeroMQ catalog scenario, in catalog order; print it with: cargo test --test zeromq_golden -- --ignored --nocapture print_zeromq_golden_table");
    let mut problems = Vec::new();
    for (name, pinned_hash, pinned_summary) in ZEROMQ_GOLDEN {
        let (hash, summary) = current_row(name);
        if *pinned_hash != hash || *pinned_summary != summary {
            problems.push(format!(
                "{name} changed\n  reproduce with: {}\n  pinned hash:    {pinned_hash}\n  new hash:       {hash}\n  pinned summary: {pinned_summary}\n  new summary:    {summary}\n  if the change is deliberate, re-pin with: {}",
                reproduce(name, scenario(name).seed),
                table_line(name, &hash, &summary)
            ));
        }
    }
    assert!(problems.is_empty(), "ZeroMQ golden traces differ:\n\n{}\n", problems.join("\n\n"));
}

/// Prints the whole table in the form `tests/golden/zeromq_table.rs` wants, for re-pinning.
#[test]
#[ignore = "prints the ZeroMQ golden table; run with --ignored --nocapture to re-pin"]
fn print_zeromq_golden_table() {
    println!("pub const ZEROMQ_GOLDEN: &[(&str, &str, &str)] = &[");
    for name in catalog::names() {
        let (hash, summary) = current_row(name);
        println!("{}", table_line(name, &hash, &summary));
    }
    println!("];");
}

#[test]
fn the_same_seed_twice_is_the_same_trace() {
    for name in catalog::names() {
        for seed in [1, 2, 3, 99] {
            let mut s = scenario(name);
            s.seed = seed;
            let (a, b) = (run(&s), run(&s));
            assert_eq!(trace_hash(a.trace()), trace_hash(b.trace()), "{name} seed {seed} is not deterministic\n  reproduce with: {}", reproduce(name, seed));
            assert_eq!(a.trace(), b.trace());
        }
    }
}

#[test]
fn stepping_and_a_mid_run_clone_give_the_same_trace() {
    for name in catalog::names() {
        let s = scenario(name);
        let whole = run(&s);
        let mut stepped = ZmqSim::new(&s).unwrap();
        let mut clone = None;
        let mut steps = 0;
        while stepped.step() {
            steps += 1;
            if steps == 10 {
                clone = Some(stepped.clone());
            }
        }
        assert_eq!(stepped.trace(), whole.trace(), "{name}: step by step differs\n  reproduce with: {}", reproduce(name, s.seed));
        let mut clone = clone.expect("every chapter has more than 10 steps");
        clone.run_until(Until::Quiescence);
        assert_eq!(clone.trace(), whole.trace(), "{name}: a clone at step 10 finishes differently\n  reproduce with: {}", reproduce(name, s.seed));
        assert!(whole.check_conservation().is_ok(), "{name}");
    }
}

/// Each chapter shows its lesson: the verdicts said plainly.
#[test]
fn each_zeromq_chapter_shows_its_lesson() {
    type Lesson<'a> = (&'a str, &'a str, &'a [u32], &'a [u32], u32);
    let expect: &[Lesson] = &[
        // (name, label, lost, duplicated, never accepted)
        ("z-workload", "effectively-once", &[], &[], 0),
        ("z-consumer-crash", "at-most-once", &[4, 5, 6, 7, 8, 9], &[], 0),
        ("z-bind-vs-connect", "effectively-once", &[], &[], 0),
        ("z-slow-joiner", "at-most-once", &[0, 1, 2], &[], 0),
        ("z-hwm-drops", "at-most-once", &[2, 3, 4, 5, 6, 7, 8, 9], &[], 0),
        ("z-req-hang", "at-most-once", &[3], &[], 0),
        ("z-lazy-pirate", "at-least-once", &[], &[3], 0),
        ("z-linger-0", "at-most-once", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], &[], 0),
    ];
    for &(name, label, lost, duplicated, never_accepted) in expect {
        let report = ZmqReport::new(&run(&scenario(name)), false);
        let why = format!("{name}: {}\n  reproduce with: {}", report.summary, reproduce(name, report.seed));
        assert_eq!(report.label.name(), label, "{why}");
        assert_eq!(report.data_with(ZmqVerdict::Lost), lost, "{why}");
        assert_eq!(report.data_with(ZmqVerdict::Duplicated), duplicated, "{why}");
        assert_eq!(report.never_accepted, never_accepted, "{why}");
        for m in &report.messages {
            assert!(!m.cause.is_empty(), "{name}: message {} has no cause", m.data);
        }
        let title = scenario(name).title;
        assert!(!title.is_empty() && title.is_ascii(), "{name}: an English title");
    }
}

#[test]
fn qp_run_prints_the_same_report() {
    for name in catalog::names() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--catalog", name]).output().expect("qp runs");
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("qp run prints JSON");
        assert_eq!(json["system"], "zeromq");
        let report = ZmqReport::new(&run(&scenario(name)), false);
        assert_eq!(json["trace_hash"], report.trace_hash, "{name}");
        assert_eq!(json["summary"], report.summary, "{name}");
    }
}
