//! Malformed scenarios: every mistake a tutorial author can make in a scenario file gets a
//! clear error naming the field and the problem (`field: problem`), or, for text that is not
//! a scenario at all, the parser's line and column. The CLI turns them into exit code 2.

use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::{catalog, Scenario};
use std::process::{Command, Output};

/// The smallest valid scenario; each case below breaks one thing.
const VALID: &str = r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#;

/// (what is wrong, the scenario text, the exact error `Scenario::from_json` gives).
const CASES: &[(&str, &str, &str)] = &[
    ("unknown top-level field", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"colour":"red"}"#, "colour: unknown field, expected one of `format`, `name`, `title`, `seed`, `broker`, `network`, `costs`, `queues`, `exchanges`, `bindings`, `actors`, `faults`, `random_faults`, `limits`"),
    ("unknown cost", r#"{"name":"x","costs":{"disk_us":5},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "costs.disk_us: unknown field, expected one of `network_us`, `publish_us`, `deliver_us`, `broker_us`, `persist_us`, `fsync_us`"),
    ("a cost past a second", r#"{"name":"x","costs":{"fsync_us":2000000},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "costs.fsync_us: must be at most 1000000 microseconds (one second), got 2000000"),
    ("unknown queue field", r#"{"name":"x","queues":[{"name":"q","durability":true}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].durability: unknown field, expected one of `name`, `durable`, `type`, `message_ttl_ms`, `dead_letter_exchange`, `dead_letter_routing_key`, `max_length`, `overflow`, `delivery_limit`, `node`, `exists_at_start`"),
    ("wrong type for seed", r#"{"name":"x","seed":"one","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "seed: must be a whole number from 0 to 18446744073709551615, got \"one\""),
    ("wrong type for durable", r#"{"name":"x","queues":[{"name":"q","durable":"yes"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].durable: must be true or false, got \"yes\""),
    ("missing queues", r#"{"name":"x","actors":[{"role":"consumer","name":"c"}]}"#, "queues: missing (required)"),
    ("empty queues", r#"{"name":"x","queues":[],"actors":[{"role":"consumer","name":"c"}]}"#, "queues: at least one queue is needed"),
    ("empty actors", r#"{"name":"x","queues":[{"name":"q"}],"actors":[]}"#, "actors: at least one producer or consumer is needed"),
    ("unknown format version", r#"{"format":2,"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "format: unknown scenario format version 2; this version reads format 1"),
    ("unknown format version with fields of its own", r#"{"format":7,"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"colour":"red"}"#, "format: unknown scenario format version 7; this version reads format 1"),
    ("format not a number", r#"{"format":"1","name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "format: must be a whole number from 0 to 4294967295, got \"1\""),
    ("empty name", r#"{"name":" ","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "name: must not be empty"),
    ("unknown role", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"observer","name":"c","queue":"q"}]}"#, "actors[0].role: unknown variant `observer`, expected one of `producer`, `consumer`, `admin`, `relay`"),
    ("unknown queue in a consumer", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"nope"}]}"#, "actors[0].queue: queue \"nope\" is not declared in queues"),
    ("unknown queue in a producer", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"},{"role":"producer","name":"p"}]}"#, "actors[1].queue: queue \"test_queue\" is not declared in queues"),
    ("duplicate actor name", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"},{"role":"producer","name":"c","queue":"q"}]}"#, "actors[1].name: two actors are named \"c\""),
    ("actor named like a node", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"rabbit@0","queue":"q"}]}"#, "actors[0].name: must not be empty nor start with \"rabbit@\""),
    ("duplicate queue name", r#"{"name":"x","queues":[{"name":"q"},{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[1].name: queue \"q\" is declared twice"),
    ("delivery_mode 3", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","delivery_mode":3}]}"#, "actors[0].delivery_mode: must be 1 (transient) or 2 (persistent), got 3"),
    ("prefetch negative", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":-1}]}"#, "actors[0].prefetch_count: must be a whole number from 0 to 65535, got -1"),
    ("prefetch too large", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":70000}]}"#, "actors[0].prefetch_count: must be a whole number from 0 to 65535, got 70000"),
    ("unknown fault op name", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"after":{"actor":"c","op":"basic_explode","occurrence":1}},"do":{"crash":"c"}}]}"#, "faults[0].when.op: unknown operation \"basic_explode\" (\"c\" has: connect, channel, queue_declare, basic_consume, print_waiting, start_consuming, print_received)"),
    ("unknown fault action", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"explode":"c"}}]}"#, "faults[0].do: unknown variant `explode`, expected one of `crash`, `stop`, `cancel`, `restart`, `crash_node`, `stop_node`, `start_node`, `partition`, `heal`, `drop_next`, `duplicate_next`, `poison_next`, `slow`"),
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
    ("unknown queue type", r#"{"name":"x","queues":[{"name":"q","type":"stream"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].type: unknown variant `stream`, expected `classic` or `quorum`"),
    ("actor node out of range", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","node":1}]}"#, "actors[0].node: node 1 does not exist (the broker has 1 node(s))"),
    ("queue node out of range", r#"{"name":"x","broker":{"nodes":2},"queues":[{"name":"q","node":2}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].node: node 2 does not exist (the broker has 2 node(s))"),
    ("zero broker nodes", r#"{"name":"x","broker":{"nodes":0},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "broker.nodes: must be between 1 and 7, got 0"),
    ("unknown broker model", r#"{"name":"x","broker":{"model":"zeromq"},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "broker.model: unknown broker model \"zeromq\" (this playground runs \"rabbitmq\" and \"kafka\")"),
    ("a kafka file", r#"{"name":"x","broker":{"model":"kafka","brokers":3},"actors":[]}"#, "broker.model: this is a Kafka scenario (\"model\": \"kafka\"); the page runs RabbitMQ scenarios only for now: run it with `qp run FILE` (its programs: `qp code FILE --actor NAME`)"),
    ("nack on_failure with auto_ack", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","on_failure":"nack_requeue"}]}"#, "actors[0].on_failure: with auto_ack=True there is nothing to nack or reject"),
    ("attempts_max with auto_ack", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","attempts_max":3}]}"#, "actors[0].attempts_max: needs manual ack (auto_ack=false)"),
    ("unknown on_failure", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"on_failure":"ignore"}]}"#, "actors[0].on_failure: unknown variant `ignore`, expected one of `crash`, `nack_requeue`, `nack_drop`, `reject_requeue`, `reject_drop`"),
    ("dead-letter exchange not declared", r#"{"name":"x","queues":[{"name":"q","dead_letter_exchange":"dlx"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].dead_letter_exchange: exchange \"dlx\" is not declared"),
    ("binding to an unknown queue", r#"{"name":"x","exchanges":[{"name":"logs","type":"fanout"}],"bindings":[{"exchange":"logs","queue":"nope"}],"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "bindings[0].queue: queue \"nope\" is not declared"),
    ("retry attempts_max 0", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","retry":{"attempts_max":0,"backoff_ms":10}}]}"#, "actors[0].retry.attempts_max: must be between 1 and 1000"),
    ("overflow given as a number", r#"{"name":"x","queues":[{"name":"q","overflow":-1}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].overflow: must be one of its names, in double quotes"),
    ("max_length 0", r#"{"name":"x","queues":[{"name":"q","max_length":0}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues[0].max_length: must be at least 1"),
    ("latency too high", r#"{"name":"x","network":{"latency_ms":60001},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "network: latency_ms and jitter_ms must be at most 60000"),
    ("seed above u64::MAX", r#"{"name":"x","seed":18446744073709551616,"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "seed: must be a whole number from 0 to 18446744073709551615"),
    ("a fraction where a whole number goes", r#"{"name":"x","network":{"latency_ms":1.5},"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "network.latency_ms: must be a whole number from 0 to 18446744073709551615, got 1.5"),
    ("null for a name", r#"{"name":null,"queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "name: must be text in double quotes, got null"),
    ("an object for the queue list", r#"{"name":"x","queues":{"name":"q"},"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#, "queues: must be a list [...], got an object"),
    ("delivery_mode past a byte", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","delivery_mode":256}]}"#, "actors[0].delivery_mode: must be a whole number from 0 to 255, got 256"),
    ("unknown consumer field", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","autoack":true}]}"#, "actors[0].autoack: unknown field, expected one of `name`, `queue`, `auto_ack`, `prefetch_count`, `work_ms`, `idempotent`, `on_failure`, `attempts_max`, `fail`, `start_ms`, `node`, `declare`, `declare_as`, `reconnect_ms`, `ack_every`, `poll_ms`"),
    ("wrong type inside a producer's retry", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","retry":{"attempts_max":"five","backoff_ms":10}}]}"#, "actors[0].retry.attempts_max: must be a whole number from 0 to 4294967295, got \"five\""),
    ("actor without a name", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","queue":"q"}]}"#, "actors[0].name: missing (required)"),
    ("actor without a role", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"name":"c","queue":"q"}]}"#, "actors[0].role: missing (required)"),
    ("partition of one", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"partition":["c"]}}]}"#, "faults[0].do.partition: must be a list of 2 items, got 1 item(s)"),
    ("partition of three", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_ms":5},"do":{"partition":["c","rabbit@0","x"]}}]}"#, "faults[0].do.partition: has too many items"),
    ("unknown trigger", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}],"faults":[{"when":{"at_s":5},"do":{"crash":"c"}}]}"#, "faults[0].when: unknown variant `at_s`, expected one of `at_ms`, `at_step`, `after`, `before`"),
    ("a number, not a scenario", r#"42"#, "a scenario file is one JSON object {...}, got a number"),
    ("an empty list, not a scenario", r#"[]"#, "a scenario file is one JSON object {...}, got a list [...]"),
    ("a list that serde would read as the fields in order", r#"[1,2,3]"#, "a scenario file is one JSON object {...}, got a list [...]"),
    ("another system's broker, with its own fields", r#"{"name":"x","broker":{"model":"pulsar","brokers":3},"queues":[],"actors":[]}"#, "broker.model: unknown broker model \"pulsar\" (this playground runs \"rabbitmq\" and \"kafka\")"),
    ("text after the scenario", r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]} x"#, "not a valid scenario file: trailing characters at line 1 column 92"),
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
        if error.field.is_empty() && error.problem.starts_with("a scenario file is one JSON object") {
            // JSON, but not an object: no position to give.
        } else if error.field.is_empty() {
            assert!(error.problem.contains(" at line ") && error.problem.contains(" column "), "{what}: a parse error must give line and column: {error}");
        } else {
            assert!(error.to_string().starts_with(&format!("{}: ", error.field)), "{what}: {error} must read `field: problem`");
            assert!(!error.problem.is_empty(), "{what}: the problem must be stated");
        }
    }
}

#[test]
fn errors_quote_long_user_text_shortened() {
    let long = |c: char| c.to_string().repeat(10_000);
    let cut = |c: char| format!("{}…", c.to_string().repeat(40));
    let cases = [
        (
            format!(r#"{{"name":"x","queues":[{{"name":"q"}}],"actors":[{{"role":"{}","name":"c","queue":"q"}}]}}"#, long('o')),
            format!("actors[0].role: unknown variant `{}`, expected one of `producer`, `consumer`, `admin`, `relay`", cut('o')),
        ),
        (
            format!(r#"{{"name":"x","queues":[{{"name":"q"}}],"actors":[{{"role":"consumer","name":"c","queue":"q"}}],"{}":1}}"#, long('f')),
            format!("{}: unknown field, expected one of `format`, `name`, `title`, `seed`, `broker`, `network`, `costs`, `queues`, `exchanges`, `bindings`, `actors`, `faults`, `random_faults`, `limits`", cut('f')),
        ),
        (
            format!(r#"{{"name":"x","seed":"{}","queues":[{{"name":"q"}}],"actors":[{{"role":"consumer","name":"c","queue":"q"}}]}}"#, long('s')),
            format!("seed: must be a whole number from 0 to 18446744073709551615, got \"{}\"", cut('s')),
        ),
        (
            format!(r#"{{"name":"x","queues":[{{"name":"q"}}],"actors":[{{"role":"consumer","name":"c","queue":"q"}}],"faults":[{{"when":{{"at_ms":5}},"do":{{"{}":"c"}}}}]}}"#, long('v')),
            format!("faults[0].do: unknown variant `{}`, expected one of `crash`, `stop`, `cancel`, `restart`, `crash_node`, `stop_node`, `start_node`, `partition`, `heal`, `drop_next`, `duplicate_next`, `poison_next`, `slow`", cut('v')),
        ),
    ];
    for (text, expected) in cases {
        let error = Scenario::from_json(&text).expect_err("malformed").to_string();
        assert_eq!(error, expected);
    }
}

#[test]
fn a_byte_order_mark_before_a_scenario_is_accepted() {
    let scenario = Scenario::from_json(&format!("\u{feff}{VALID}")).expect("a BOM is skipped");
    assert_eq!(scenario, Scenario::from_json(VALID).expect("valid"));
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
    // The exact line, with the path of the bad value in the user's file.
    let path = dir.join("prefetch.json");
    std::fs::write(&path, r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":70000}]}"#).expect("write");
    let out = qp(&["run", path.to_str().expect("a UTF-8 temp path")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).trim_end(), format!("error: {}: actors[0].prefetch_count: must be a whole number from 0 to 65535, got 70000", path.display()));
    // A file saved with a byte order mark runs.
    let path = dir.join("bom.json");
    std::fs::write(&path, format!("\u{feff}{VALID}")).expect("write");
    let out = qp(&["run", path.to_str().expect("a UTF-8 temp path")]);
    assert_eq!(out.status.code(), Some(0), "a BOM is skipped: {}", text(&out.stderr));
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

// Share links: the JSON inside a link is not the user's text, so errors name the field
// (never a line and column), and a link's faults are named by their place in the link.

mod share_links {
    use super::{qp, text};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use queue_playground::scenario::settings::Settings;
    use queue_playground::scenario::{catalog, FaultAction, FaultSpec, Trigger};
    use queue_playground::share::{self, ShareState, SHARE_VERSION};
    use serde_json::{json, Value};

    fn state() -> ShareState {
        ShareState {
            v: SHARE_VERSION,
            engine: "0.1.0".into(),
            chapter: "consumer-crash".into(),
            settings: Settings::of(&catalog::get("consumer-crash-auto-ack").expect("catalog")),
            seed: 7,
            faults: vec![],
            step: 0,
            lang: "en".into(),
            system: Default::default(),
            kafka: None,
            zeromq: None,
        }
    }

    /// The code of `state()` as JSON, changed by `edit`.
    fn code_with(edit: impl FnOnce(&mut Value)) -> String {
        let mut value = serde_json::to_value(state()).expect("serializes");
        edit(&mut value);
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn decode_error(code: &str) -> String {
        share::decode(code).expect_err("a broken link").to_string()
    }

    #[test]
    fn a_bad_value_is_named_by_its_field_without_positions() {
        let cases = [
            (code_with(|v| v["settings"]["delivery_mode"] = json!(256)), "the share link has a bad value at settings.delivery_mode: must be a whole number from 0 to 255, got 256"),
            (code_with(|v| v["settings"]["auto_ack"] = json!("yes")), "the share link has a bad value at settings.auto_ack: must be true or false, got \"yes\""),
            (code_with(|v| v["settings"]["prefetch_count"] = json!(-3)), "the share link has a bad value at settings.prefetch_count: must be a whole number from 0 to 65535, got -3"),
            (
                URL_SAFE_NO_PAD.encode(serde_json::to_string(&state()).expect("json").replace(r#""step":0"#, r#""step":18446744073709551616"#)),
                "the share link has a bad value at step: must be a whole number from 0 to 18446744073709551615",
            ),
            (code_with(|v| v["faults"] = json!([{"when": {"at_ms": 5}, "do": {"explode": "consumer"}}])), "the share link has a bad value at faults[0].do: unknown variant `explode`, expected one of `crash`, `stop`, `cancel`, `restart`, `crash_node`, `stop_node`, `start_node`, `partition`, `heal`, `drop_next`, `duplicate_next`, `poison_next`, `slow`"),
            (code_with(|v| v["settings"]["colour"] = json!(1)), "the share link has a bad value at settings.colour: unknown field, expected one of `auto_ack`, `prefetch_count`, `delivery_mode`, `durable`, `confirms`, `retries`, `idempotent`, `dead_letter`, `consumers`, `messages`, `expiration_ms`, `poll_ms`, `mandatory`, `consumer_timeout_ms`, `heartbeat_s`"),
            (code_with(|v| drop(v.as_object_mut().expect("an object").remove("seed"))), "the share link has a bad value at seed: missing (required)"),
            (URL_SAFE_NO_PAD.encode("42"), "the share link is damaged (must be an object {...}, got 42)"),
            (URL_SAFE_NO_PAD.encode("{\"v\":1,\"engine\""), "the share link is damaged (it is cut short)"),
            (URL_SAFE_NO_PAD.encode("v=1&chapter=x"), "the share link is damaged (its content is not JSON)"),
        ];
        for (code, expected) in cases {
            let error = decode_error(&code);
            assert_eq!(error, expected);
            assert!(!error.contains(" line ") && !error.contains(" column "), "no positions in JSON the user never saw: {error}");
        }
    }

    #[test]
    fn a_link_of_another_version_says_so_even_when_its_fields_differ() {
        let code = code_with(|v| {
            v["v"] = json!(2);
            v["settings"] = json!({"a_new_setting": true});
        });
        assert_eq!(decode_error(&code), "the share link has format version 2, this playground reads version 1");
    }

    #[test]
    fn a_byte_order_mark_before_the_json_is_accepted() {
        let code = URL_SAFE_NO_PAD.encode(format!("\u{feff}{}", serde_json::to_string(&state()).expect("json")));
        assert_eq!(share::decode(&code), Ok(state()));
    }

    #[test]
    fn an_unknown_chapter_of_ten_thousand_characters_is_quoted_short() {
        let code = code_with(|v| v["chapter"] = json!("c".repeat(10_000)));
        let state = share::decode(&code).expect("decodes: the chapter is checked when the run is built");
        let error = state.scenario().expect_err("no such chapter").to_string();
        assert_eq!(error, format!("the share link names an unknown chapter \"{}…\"", "c".repeat(40)));
    }

    #[test]
    fn a_links_faults_are_named_by_their_place_in_the_link() {
        let chapter_faults = catalog::get("consumer-crash-auto-ack").expect("catalog").faults.len();
        assert!(chapter_faults > 0, "the chapter has faults of its own, which the link's come after");
        let ok = FaultSpec { when: Trigger::AtMs(5), action: FaultAction::Crash("consumer".into()) };
        let ghost = FaultSpec { when: Trigger::AtMs(5), action: FaultAction::Crash("ghost".into()) };
        let state = ShareState { faults: vec![ok.clone(), ghost], ..state() };
        assert_eq!(state.scenario().expect_err("a ghost").to_string(), "the share link's fault 2 (faults[1].do): no actor is named \"ghost\"");
        let no_op = FaultSpec { when: Trigger::After { actor: "consumer".into(), op: "basic_ack".into(), occurrence: 1 }, action: FaultAction::Crash("consumer".into()) };
        let state = ShareState { faults: vec![no_op], ..state };
        assert_eq!(state.scenario().expect_err("auto_ack has no basic_ack").to_string(), "the share link's fault 1 (faults[0].when.op): consumer's program has no operation \"basic_ack\"");
        let state = ShareState { faults: vec![ok], ..state };
        assert!(state.scenario().is_ok());
    }

    #[test]
    fn the_cli_prints_the_share_link_errors_with_exit_code_2() {
        let bad_value = code_with(|v| v["settings"]["delivery_mode"] = json!(256));
        let ghost = code_with(|v| v["faults"] = json!([{"when": {"at_ms": 5}, "do": {"crash": "ghost"}}]));
        for (code, expected) in [
            (bad_value, "error: the share link has a bad value at settings.delivery_mode: must be a whole number from 0 to 255, got 256"),
            (ghost, "error: the share link's fault 1 (faults[0].do): no actor is named \"ghost\""),
        ] {
            let out = qp(&["run", "--share", &format!("http://127.0.0.1:8080/#run={code}")]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{stderr}");
            assert_eq!(stderr.trim_end(), expected);
            assert!(out.stdout.is_empty());
        }
    }
}
