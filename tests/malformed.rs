//! Malformed scenarios: every mistake a tutorial author can make in a scenario file gets a
//! clear error naming the field and the problem (`field: problem`), or, for text that is not
//! a scenario at all, the parser's line and column. The CLI turns them into exit code 2.

use queue_playground::engine::{Sim, Until};
use queue_playground::report::Report;
use queue_playground::scenario::{catalog, Scenario};
use std::process::{Command, Output};

/// The smallest valid scenario; each case below breaks one thing.
const VALID: &str = r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#;

/// (what is wrong, the scenario text, the exact error `Scenario::from_json` gives).
const CASES: &[(&str, &str, &str)] = &[
    ("unknown top-level field", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"colour":"red"}"#, "not a valid scenario file: unknown field `colour`, expected one of `name`, `title`, `seed`, `broker`, `network`, `queues`, `exchanges`, `bindings`, `actors`, `faults`, `random_faults`, `limits` at line 1 column 98"),
    ("unknown queue field", r#"{"name":"x","queues":[{"name":"q","durability":true}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "not a valid scenario file: unknown field `durability`, expected one of `name`, `durable`, `type`, `message_ttl_ms`, `dead_letter_exchange`, `dead_letter_routing_key`, `max_length`, `overflow`, `delivery_limit`, `node` at line 1 column 46"),
    ("wrong type for seed", r#"{"name":"x","seed":"one","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "not a valid scenario file: invalid type: string \"one\", expected u64 at line 1 column 24"),
    ("wrong type for durable", r#"{"name":"x","queues":[{"name":"q","durable":"yes"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "not a valid scenario file: invalid type: string \"yes\", expected a boolean at line 1 column 49"),
    ("missing queues", r#"{"name":"x","actors":[{"role":"consumer","name":"c"}]}"#, "not a valid scenario file: missing field `queues` at line 1 column 54"),
    ("empty queues", r#"{"name":"x","queues":[],"actors":[{"role":"consumer","name":"c"}]}"#, "queues: at least one queue is needed"),
    ("empty actors", r#"{"name":"x","queues":[{"name":"q"}],"actors":[]}"#, "actors: at least one producer or consumer is needed"),
    ("empty name", r#"{"name":" ","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "name: must not be empty"),
    ("unknown role", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"observer","name":"c","queue":"q"}]}"#, "not a valid scenario file: unknown variant `observer`, expected `producer` or `consumer` at line 1 column 64"),
    ("unknown queue in a consumer", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"nope"}]}"#, "actors[0].queue: queue \"nope\" is not declared in queues"),
    ("unknown queue in a producer", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"},{"role":"producer","name":"p"}]}"#, "actors[1].queue: queue \"test_queue\" is not declared in queues"),
    ("duplicate actor name", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"},{"role":"producer","name":"c","queue":"q"}]}"#, "actors[1].name: two actors are named \"c\""),
    ("actor named like a node", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"rabbit@0","queue":"q"}]}"#, "actors[0].name: must not be empty nor start with \"rabbit@\""),
    ("duplicate queue name", r#"{"name":"x","queues":[{"name":"q"},{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[1].name: queue \"q\" is declared twice"),
    ("delivery_mode 3", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","delivery_mode":3}]}"#, "actors[0].delivery_mode: must be 1 (transient) or 2 (persistent), got 3"),
    ("prefetch negative", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":-1}]}"#, "not a valid scenario file: invalid value: integer `-1`, expected u16 at line 1 column 126"),
    ("prefetch too large", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":70000}]}"#, "not a valid scenario file: invalid value: integer `70000`, expected u16 at line 1 column 129"),
    ("unknown fault op name", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"after":{"actor":"c","op":"basic_explode","occurrence":1}},"do":{"crash":"c"}}]}"#, "faults[0].when.op: unknown operation \"basic_explode\" (known: connect, channel, queue_declare, confirm_delivery, basic_qos, loop, basic_publish, print_sent, sleep, loop_end, basic_consume, print_waiting, start_consuming, print_received, work, apply_once, basic_ack, on_failure, close)"),
    ("unknown fault action", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"explode":"c"}}]}"#, "not a valid scenario file: unknown variant `explode`, expected one of `crash`, `stop`, `cancel`, `restart`, `crash_node`, `stop_node`, `start_node`, `partition`, `heal`, `drop_next`, `duplicate_next`, `poison_next`, `slow` at line 1 column 135"),
    ("fault trigger occurrence 0", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"after":{"actor":"c","op":"basic_ack","occurrence":0}},"do":{"crash":"c"}}]}"#, "faults[0].when.occurrence: counts from 1"),
    ("fault naming an unknown actor", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"crash":"ghost"}}]}"#, "faults[0].do: no actor is named \"ghost\""),
    ("fault trigger on an unknown actor", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"before":{"actor":"ghost","op":"basic_ack","occurrence":1}},"do":{"crash":"c"}}]}"#, "faults[0].when.actor: no actor is named \"ghost\""),
    ("partition with same endpoints", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"partition":["c","c"]}}]}"#, "faults[0].do: the two endpoints must differ"),
    ("partition with unknown node", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"partition":["c","rabbit@1"]}}]}"#, "faults[0].do: unknown endpoint \"rabbit@1\" (an actor name or rabbit@N)"),
    ("poison a consumer", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"poison_next":"c"}}]}"#, "faults[0].do: \"c\" is not a producer"),
    ("crash_node out of range", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"crash_node":{"node":3,"restart":true}}}]}"#, "faults[0].do: node 3 does not exist (the broker has 1 node(s))"),
    ("random_faults ratio numerator > denominator", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"random_faults":{"consumer_crash":{"numerator":3,"denominator":2},"until_ms":100}}"#, "random_faults.consumer_crash: numerator must be at most denominator, and denominator non-zero"),
    ("random_faults zero denominator", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"random_faults":{"frame_loss":{"numerator":1,"denominator":0}}}"#, "random_faults.frame_loss: numerator must be at most denominator, and denominator non-zero"),
    ("messages over the hard limit", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","messages":1000001}],"limits":{"messages_max":1000000}}"#, "actors[0].messages: at most 1000000 messages, got 1000001"),
    ("messages over limits.messages_max", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","messages":6},{"role":"producer","name":"p2","queue":"q","messages":6}],"limits":{"messages_max":10}}"#, "actors: the producers publish 12 messages, more than limits.messages_max = 10"),
    ("steps_max zero", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"limits":{"steps_max":0}}"#, "limits.steps_max: must be between 1 and 50000000 (a run must fit in a browser tab), got 0"),
    ("time_ms_max past 32 bits", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"limits":{"time_ms_max":4294967296}}"#, "limits.time_ms_max: must be at most 4294967295 (about 49 days)"),
    ("quorum queue non-durable", r#"{"name":"x","broker":{"nodes":3},"queues":[{"name":"q","type":"quorum"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].durable: a quorum queue must be durable"),
    ("quorum queue on two nodes", r#"{"name":"x","broker":{"nodes":2},"queues":[{"name":"q","type":"quorum","durable":true}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].type: a quorum queue needs 1 or at least 3 broker nodes"),
    ("delivery_limit on a classic queue", r#"{"name":"x","queues":[{"name":"q","delivery_limit":3}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].delivery_limit: only quorum queues have a delivery limit"),
    ("unknown queue type", r#"{"name":"x","queues":[{"name":"q","type":"stream"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "not a valid scenario file: unknown variant `stream`, expected `classic` or `quorum` at line 1 column 49"),
    ("actor node out of range", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","node":1}]}"#, "actors[0].node: node 1 does not exist (the broker has 1 node(s))"),
    ("queue node out of range", r#"{"name":"x","broker":{"nodes":2},"queues":[{"name":"q","node":2}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].node: node 2 does not exist (the broker has 2 node(s))"),
    ("zero broker nodes", r#"{"name":"x","broker":{"nodes":0},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "broker.nodes: must be between 1 and 7, got 0"),
    ("unknown broker model", r#"{"name":"x","broker":{"model":"kafka"},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "broker.model: unknown broker model \"kafka\" (supported: \"rabbitmq\")"),
    ("nack on_failure with auto_ack", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","on_failure":"nack_requeue"}]}"#, "actors[0].on_failure: with auto_ack=True there is nothing to nack or reject"),
    ("attempts_max with auto_ack", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","attempts_max":3}]}"#, "actors[0].attempts_max: needs manual ack (auto_ack=false)"),
    ("unknown on_failure", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"on_failure":"ignore"}]}"#, "not a valid scenario file: unknown variant `ignore`, expected one of `crash`, `nack_requeue`, `nack_drop`, `reject_requeue`, `reject_drop` at line 1 column 128"),
    ("dead-letter exchange not declared", r#"{"name":"x","queues":[{"name":"q","dead_letter_exchange":"dlx"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].dead_letter_exchange: exchange \"dlx\" is not declared"),
    ("binding to an unknown queue", r#"{"name":"x","exchanges":[{"name":"logs","type":"fanout"}],"bindings":[{"exchange":"logs","queue":"nope"}],"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "bindings[0].queue: queue \"nope\" is not declared"),
    ("retry attempts_max 0", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","retry":{"attempts_max":0,"backoff_ms":10}}]}"#, "actors[0].retry.attempts_max: must be between 1 and 1000"),
    ("max_length 0", r#"{"name":"x","queues":[{"name":"q","max_length":0}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].max_length: must be at least 1"),
    ("latency too high", r#"{"name":"x","network":{"latency_ms":60001},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "network: latency_ms and jitter_ms must be at most 60000"),
    ("truncated JSON", r#"{
  "name": "x",
  "queues": [{ "name": "q" }],
  "actors": [{ "role": "consumer",
"#, "not a valid scenario file: EOF while parsing a value at line 5 column 0"),
    ("not JSON at all", r#"queues: [q]"#, "not a valid scenario file: expected value at line 1 column 1"),
    ("empty text", r#""#, "not a valid scenario file: EOF while parsing a value at line 1 column 0"),
];

#[test]
#[ignore = "prints the current errors of CASES; run with --ignored --nocapture to re-pin"]
fn print_current_errors() {
    for (what, text, _) in CASES {
        let error = Scenario::from_json(text).map(|_| "(accepted)".to_string()).unwrap_or_else(|e| e.to_string());
        println!("{what}\t{error:?}");
    }
}

#[test]
fn the_base_scenario_is_valid() {
    Scenario::from_json(VALID).expect("the base of the malformed cases must itself be valid");
}

#[test]
fn every_malformed_scenario_gets_its_exact_error() {
    assert!(CASES.len() >= 15, "keep at least 15 malformed cases");
    let mut problems = Vec::new();
    for (what, text, expected) in CASES {
        match Scenario::from_json(text) {
            Ok(_) => problems.push(format!("{what}: accepted, expected the error {expected:?}")),
            Err(e) if e.to_string() != *expected => {
                problems.push(format!("{what}:\n  expected: {expected:?}\n  got:      {:?}", e.to_string()))
            }
            Err(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} malformed scenarios got a different error (re-pin deliberate changes with `cargo test --test malformed -- --ignored --nocapture`):\n{}\n",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn errors_name_the_field_or_the_position() {
    for (what, text, _) in CASES {
        let error = Scenario::from_json(text).expect_err(what);
        if error.field.is_empty() {
            assert!(error.problem.contains(" at line ") && error.problem.contains(" column "), "{what}: a parse error must give line and column: {error}");
        } else {
            assert!(error.to_string().starts_with(&format!("{}: ", error.field)), "{what}: {error} must read `field: problem`");
            assert!(!error.problem.is_empty(), "{what}: the problem must be stated");
        }
    }
}

#[test]
fn an_unknown_catalog_name_lists_the_known_names() {
    let error = catalog::get("nope").expect_err("there is no catalog scenario named nope");
    let text = error.to_string();
    assert!(text.contains("\"nope\""), "the error names what was asked for: {text}");
    for name in catalog::names() {
        assert!(text.contains(name), "the error lists {name}: {text}");
    }
    assert!(catalog::names().count() >= 10);
}

fn qp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qp")).args(args).output().expect("the qp binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_cli_rejects_a_malformed_file_with_exit_code_2_and_the_field() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("malformed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    for (file, content, field) in [
        ("delivery-mode.json", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","delivery_mode":3}]}"#, "actors[0].delivery_mode"),
        ("unknown-field.json", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"colour":"red"}"#, "colour"),
        ("truncated.json", "{\n  \"name\": \"x\",\n", "line 3"),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, content).expect("write the scenario");
        let out = qp(&["run", path.to_str().expect("a UTF-8 temp path")]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: exit code; stderr: {stderr}");
        assert!(stderr.contains(field), "{file}: stderr names {field:?}: {stderr}");
        assert!(stderr.contains(file), "{file}: stderr names the file: {stderr}");
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout: {}", text(&out.stdout));
    }
    let missing = dir.join("does-not-exist.json");
    let out = qp(&["run", missing.to_str().expect("a UTF-8 temp path")]);
    assert_eq!(out.status.code(), Some(2), "a missing file: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_cli_rejects_an_unknown_catalog_name_and_lists_the_known_ones() {
    let out = qp(&["run", "--catalog", "nope"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nope") && stderr.contains("article"), "{stderr}");
    let out = qp(&["run"]);
    assert_eq!(out.status.code(), Some(2), "neither a file nor --catalog: {}", text(&out.stderr));
}

#[test]
fn the_cli_runs_a_catalog_scenario_and_prints_a_json_report() {
    let name = "consumer-crash-manual-ack";
    let out = qp(&["run", "--catalog", name, "--seed", "7"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is JSON: {e}\n{}", text(&out.stdout)));
    let hash = report["trace_hash"].as_str().expect("trace_hash is a string");
    assert_eq!(hash.len(), 16, "{hash}");
    assert_eq!(report["seed"], 7, "--seed overrides the scenario's seed");
    assert_eq!(report["scenario"], name);
    let messages = report["messages"].as_array().expect("messages is an array");
    assert!(!messages.is_empty());
    for m in messages {
        assert!(m["verdict"].is_string(), "every message has a verdict: {m}");
    }
    let queues = report["queues"].as_array().expect("queues is an array");
    assert!(!queues.is_empty());
    for q in queues {
        assert!(q["depth"].is_u64(), "every queue has a depth: {q}");
    }
    let actors = report["actors"].as_array().expect("actors is an array");
    assert!(!actors.is_empty());
    for a in actors {
        assert!(a["terminal"].as_array().is_some_and(|lines| lines.iter().all(|l| l.is_string())), "every actor has a terminal: {a}");
    }
    assert!(report.get("trace").is_none(), "no trace without --trace");
    // The CLI is only a driver: it reports what the engine does in-process.
    let mut scenario = catalog::get(name).expect("catalog");
    scenario.seed = 7;
    let mut sim = Sim::new(&scenario).expect("builds");
    sim.run_until(Until::Quiescence);
    let expected = Report::new(&sim, false);
    assert_eq!(hash, expected.trace_hash);
    assert_eq!(report["summary"], expected.summary.as_str());
    assert!(stderr.contains(&expected.summary) && stderr.contains(hash), "the human summary goes to stderr: {stderr}");

    let out = qp(&["run", "--catalog", "article", "--trace"]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let trace = report["trace"].as_array().expect("--trace includes the trace");
    assert_eq!(trace.len() as u64, report["events"].as_u64().expect("events"));
    assert!(trace.iter().all(|e| e["event"].is_string() && e["at_ms"].is_u64()));
}
