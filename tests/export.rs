//! `qp export`: the programs exactly as the page shows them, the scenario, the driver and its
//! instrumentation; the faults the driver cannot perform yet are named, not silently run as
//! something else. (The real-broker comparison is layer 5 of scripts/test.sh.)

use queue_playground::systems::rabbitmq::Sim;
use queue_playground::export::{export, file_stem};
use queue_playground::scenario::{catalog, Scenario};

#[test]
fn the_export_holds_each_program_verbatim_and_the_driver() {
    let scenario = catalog::get("consumer-crash-auto-ack").unwrap();
    let sim = Sim::new(&scenario).unwrap();
    let files = export(&scenario);
    let names: Vec<&str> = files.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, vec!["producer.py", "consumer.py", "scenario.json", "run.py", "qp_site/sitecustomize.py"]);
    for (i, actor) in sim.setup().actors.iter().enumerate() {
        assert_eq!(files.files[i].1, actor.program.code.join("\n") + "\n", "{}'s file is the code the page shows", actor.name);
    }
    assert_eq!(Scenario::from_json(&files.files[2].1).unwrap(), scenario, "scenario.json reads back as the scenario");
    assert!(files.unsupported.is_empty(), "a crash right after the 4th print and a restart at a time are performed");
}

#[test]
fn faults_the_driver_cannot_perform_are_named() {
    for (name, expected) in [("lost-confirm-retry", 0), ("lost-publish-no-confirms", 0), ("quorum-node-crash", 0), ("idempotent-consumer", 0), ("article", 0), ("broker-restart-transient", 0)] {
        let files = export(&catalog::get(name).unwrap());
        assert_eq!(files.unsupported.len(), expected, "{name}: {:?}", files.unsupported);
    }
    // A cluster scenario runs on a cluster (run.py --node-ports): its programs name their node's host.
    let cluster = export(&catalog::get("quorum-node-crash").unwrap());
    assert!(cluster.files.iter().any(|(path, text)| path == "consumer.py" && text.contains("pika.ConnectionParameters('rabbit2')")));
    assert!(cluster.files.iter().any(|(path, text)| path == "rabbitmqadmin.sh" && text.starts_with("$ rabbitmqadmin -H rabbit0 ")));
    let article = export(&catalog::get("article").unwrap());
    assert_eq!(article.files[0], ("rabbitmqadmin.sh".to_string(), "$ rabbitmqadmin declare queue name=test_queue durable=true auto_delete=false\n".to_string()));
}

#[test]
fn file_names_are_safe_for_any_actor_name() {
    assert_eq!(file_stem("consumer-2"), "consumer-2");
    assert_eq!(file_stem("../p a'ss"), "_2e__2e__2f_p_20_a_27_ss");
    assert_eq!(file_stem("a_b"), "a_5f_b");
    assert_eq!(file_stem(""), "_");
    assert_eq!(file_stem("消费者"), "_6d88__8d39__8005_");
    // One file per name: the encoding is prefix-free, so different names never collide.
    let names = ["a_5f_b", "a_b", "a", "_", "", "消费者", "消费"];
    let stems: std::collections::BTreeSet<String> = names.iter().map(|n| file_stem(n)).collect();
    assert_eq!(stems.len(), names.len());
    // run.py's stem() agrees.
    let script = format!("import importlib.util as u; s = u.spec_from_file_location('run', '{}/src/export/run.py'); m = u.module_from_spec(s); s.loader.exec_module(m); print('\\n'.join(m.stem(n) for n in {names:?}))", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3").args(["-c", &script]).output().expect("python3 runs");
    let python: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
    assert_eq!(python, names.iter().map(|n| file_stem(n)).collect::<Vec<_>>(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The one-file export (the page's Export button): a Python script that writes the same file
/// set, byte for byte, for any scenario name.
#[test]
fn the_bundle_writes_the_same_files() {
    let mut scenario = catalog::get("poison-dead-letter").unwrap();
    scenario.name = "a \"name\" with '\\ and 消息".into();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bundle");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("export.py"), queue_playground::export::bundle(&scenario)).unwrap();
    let out = std::process::Command::new("python3").arg("export.py").arg("files").current_dir(&dir).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (path, text) in export(&scenario).files {
        assert_eq!(std::fs::read_to_string(dir.join("files").join(&path)).unwrap(), text, "{path}");
    }
}

#[test]
fn qp_export_writes_the_files() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("export-cli");
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["export", "--catalog", "article", "--out"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for file in ["rabbitmqadmin.sh", "producer.py", "consumer.py", "scenario.json", "run.py", "qp_site/sitecustomize.py"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["export", "--catalog", "nope", "--out"]).arg(&dir).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// A fault the page injected at a step is exported at its protocol point when the step ended
/// with the faulted program's own op (here: the consumer printed its 4th message), and the
/// engine agrees on what that run does; any other fault at a step goes at that step's time.
#[test]
fn faults_injected_at_a_step_become_protocol_points() {
    use queue_playground::systems::rabbitmq::trace::{Event, TerminalText};
    use queue_playground::scenario::{FaultAction, FaultSpec, Trigger};
    use queue_playground::session::Session;
    let base = catalog::get("article").unwrap();
    let plain = Session::new(base.clone(), vec![]).unwrap();
    let index = plain.full_trace().iter().position(|e| matches!(e.event, Event::Printed { text: TerminalText::Received { data: 3 }, .. })).unwrap();
    let step = plain.step_of_event(index);
    assert!(plain.events_at(step) > index && plain.events_at(step - 1) <= index, "the print is in its step");
    let mut injected = base.clone();
    injected.faults.push(FaultSpec { when: Trigger::AtStep(step as u64), action: FaultAction::Crash("consumer".into()) });
    injected.faults.push(FaultSpec { when: Trigger::AtStep(step as u64), action: FaultAction::Crash("producer".into()) });
    let exported = queue_playground::export::protocol_points(&injected);
    assert_eq!(
        exported.faults[0].when,
        Trigger::After { actor: "consumer".into(), op: "print_received".into(), occurrence: 4 },
        "the consumer's own print: its protocol point"
    );
    let at_ms = u64::from(plain.full_trace()[index].at_ms);
    assert_eq!(exported.faults[1].when, Trigger::AtMs(at_ms), "another program: the step's time");
    let report = |s: &Scenario| {
        let mut sim = Sim::new(s).unwrap();
        sim.run_until(queue_playground::engine::Until::Quiescence);
        queue_playground::report::Report::new(&sim, false).summary
    };
    let mut consumer_only = injected.clone();
    consumer_only.faults.truncate(1);
    assert_eq!(report(&queue_playground::export::protocol_points(&consumer_only)), report(&consumer_only), "the same run, by protocol point");
}

/// The conformance layer's comparison itself (tests/conformance/test_compare.py, no broker
/// needed): every compared field can diverge, what a real client cannot see is left out, and
/// a race is compared as a set of the engine's runs, no wider.
#[test]
fn the_conformance_comparison_finds_each_kind_of_divergence() {
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/test_compare.py"))
        // The allowed-outcome tests run the engine on a catalog scenario.
        .env("QP", env!("CARGO_BIN_EXE_qp"))
        .output()
        .expect("python3 runs (bash scripts/setup.sh installs it)");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
