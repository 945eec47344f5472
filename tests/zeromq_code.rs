//! The ZeroMQ programs, scenario files and command line: every generated pyzmq program (the
//! catalog's and a sweep of settings) compiles as Python 3; every op's line does what its kind
//! says; settings change the code; malformed scenario files give an error naming the field
//! (never a panic); `qp list`, `qp run` and `qp code` handle ZeroMQ scenarios.

use proptest::prelude::*;
use queue_playground::systems::zeromq::program::{self, ZmqOpKind};
use queue_playground::systems::zeromq::scenario::{catalog, is_zeromq, ZmqScenario};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn workload() -> Value {
    serde_json::from_str(catalog::ENTRIES[0].1).unwrap()
}

fn patched(pointer: &str, value: Value) -> Value {
    let mut file = workload();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() { &mut file } else { file.pointer_mut(parent).unwrap() };
    match target {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(list) => list[key.parse::<usize>().unwrap()] = value,
        _ => panic!("bad pointer {pointer}"),
    }
    file
}

/// The catalog and variations of every setting that changes code.
fn sweep() -> Vec<(String, ZmqScenario)> {
    let mut out: Vec<(String, ZmqScenario)> = catalog::names().map(|n| (n.to_string(), catalog::get(n).unwrap())).collect();
    let producer = |extra: Value| {
        let mut p = json!({ "role": "producer", "name": "producer", "socket": "push" });
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        p
    };
    let variants = [
        producer(json!({ "sndhwm": 2 })),
        producer(json!({ "sndtimeo_ms": 200 })),
        producer(json!({ "noblock": true })),
        producer(json!({ "linger_ms": 0 })),
        producer(json!({ "linger_ms": 1500, "interval_ms": 0 })),
        producer(json!({ "bind": false, "first_data": 5, "messages": 3 })),
        producer(json!({ "warmup_ms": 250, "interval_ms": 1234 })),
        producer(json!({ "socket": "pub", "sndhwm": 7, "noblock": true, "sndtimeo_ms": 0 })),
    ];
    for (i, p) in variants.into_iter().enumerate() {
        let bind = p.get("bind").and_then(Value::as_bool).unwrap_or(true);
        let socket = if p["socket"] == "pub" { "sub" } else { "pull" };
        let consumer = json!({ "role": "consumer", "name": "consumer", "socket": socket, "bind": !bind, "rcvhwm": 3, "work_ms": 10 });
        let file = json!({ "name": format!("variant-{i}"), "broker": { "model": "zeromq" }, "actors": [p, consumer] });
        out.push((format!("variant {i}"), ZmqScenario::from_json(&file.to_string()).unwrap()));
    }
    for prefix in ["{\"data\": 1", "it's \\ a 'quote'", "\n\t"] {
        let file = json!({ "name": "sub", "broker": { "model": "zeromq" }, "actors": [
            { "role": "producer", "name": "pub", "socket": "pub" },
            { "role": "consumer", "name": "sub", "socket": "sub", "subscribe": prefix }
        ]});
        out.push((format!("prefix {prefix:?}"), ZmqScenario::from_json(&file.to_string()).unwrap()));
    }
    for (i, client) in [json!({ "lazy_pirate": true, "retries": 1, "timeout_ms": 2500 }), json!({ "first_data": 3, "requests": 2 })].into_iter().enumerate() {
        let mut c = json!({ "role": "client", "name": "client" });
        for (k, v) in client.as_object().unwrap() {
            c[k] = v.clone();
        }
        let file = json!({ "name": "rr", "broker": { "model": "zeromq" }, "transport": "tcp", "endpoint": "tcp://10.0.0.1:6000", "actors": [
            { "role": "server", "name": "server", "reply_delay_ms": 20 }, c
        ]});
        out.push((format!("client {i}"), ZmqScenario::from_json(&file.to_string()).unwrap()));
    }
    let inproc = json!({ "name": "inproc", "broker": { "model": "zeromq" }, "transport": "inproc", "actors": [
        { "role": "producer", "name": "producer", "socket": "pub" },
        { "role": "consumer", "name": "consumer", "socket": "sub" }
    ]});
    out.push(("inproc".into(), ZmqScenario::from_json(&inproc.to_string()).unwrap()));
    out
}

fn written_programs(dir_name: &str) -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir_name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for (what, s) in sweep() {
        for actor in &s.actors {
            let text = program::of(&s, actor).code.join("\n") + "\n";
            if seen.insert(text.clone()) {
                let path = dir.join(format!("program_{}.py", files.len()));
                std::fs::write(&path, text).unwrap();
                files.push((path, format!("{what}: {}", actor.name())));
            }
        }
    }
    assert!(files.len() > 20, "only {} distinct programs: the settings do not vary the code", files.len());
    files
}

#[test]
fn every_program_compiles_as_python() {
    let files = written_programs("zeromq-programs-compile");
    let script = "import ast, sys\nbad = 0\nfor f in sys.argv[1:]:\n    try:\n        ast.parse(open(f).read(), f)\n    except SyntaxError as e:\n        bad += 1\n        print(f, e)\nsys.exit(1 if bad else 0)";
    let out = Command::new("python3").arg("-c").arg(script).args(files.iter().map(|(p, _)| p)).output().expect("python3 runs (bash scripts/setup.sh installs it)");
    let report: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(|l| format!("{l}   (from: {})", files.iter().find(|(p, _)| l.contains(&p.display().to_string())).map_or("?", |(_, n)| n.as_str()))).collect();
    assert!(out.status.success(), "generated programs that are not Python:\n{}\n{}", report.join("\n"), String::from_utf8_lossy(&out.stderr));
}

/// What the line of each op kind must contain.
fn expected_text(kind: ZmqOpKind) -> &'static str {
    match kind {
        ZmqOpKind::Socket => "context.socket(zmq.",
        ZmqOpKind::Bind => ".bind(",
        ZmqOpKind::Connect | ZmqOpKind::Reconnect => ".connect(",
        ZmqOpKind::Subscribe => "zmq.SUBSCRIBE",
        ZmqOpKind::Warmup | ZmqOpKind::Sleep | ZmqOpKind::Work | ZmqOpKind::Wait => "time.sleep(",
        ZmqOpKind::Send | ZmqOpKind::Reply | ZmqOpKind::SendAgain | ZmqOpKind::Resend => ".send_json(",
        ZmqOpKind::PrintSent => "Sent {",
        ZmqOpKind::PrintNotSent => "Not sent",
        ZmqOpKind::Close | ZmqOpKind::CloseLinger0 => ".close()",
        ZmqOpKind::Term => "context.term()",
        ZmqOpKind::Recv => ".recv_json()",
        ZmqOpKind::PrintReceived => "Received {",
        ZmqOpKind::PrintDone => "Done {",
        ZmqOpKind::Poll => ".poll(",
        ZmqOpKind::PrintReply => "Reply {",
        ZmqOpKind::PrintNoReply => "No reply",
        ZmqOpKind::PrintNoResponse => "No response",
        ZmqOpKind::PrintGiveUp => "abandoning",
    }
}

#[test]
fn every_op_line_does_what_its_kind_says() {
    for (what, s) in sweep() {
        for actor in &s.actors {
            let p = program::of(&s, actor);
            let mut kinds = BTreeSet::new();
            for op in &p.ops {
                assert!(kinds.insert(op.kind.name()), "{what}: {} has two {:?} ops", actor.name(), op.kind);
                let line = p.code.get(usize::from(op.line).wrapping_sub(1)).unwrap_or_else(|| panic!("{what}: line {} past the code", op.line));
                assert!(line.contains(expected_text(op.kind)), "{what}: {}: {:?} at line {}: {line:?}", actor.name(), op.kind, op.line);
                assert_eq!(ZmqOpKind::from_name(op.kind.name()), Some(op.kind));
            }
        }
    }
}

#[test]
fn settings_change_the_code() {
    let code = |s: &ZmqScenario, name: &str| program::of(s, s.actor(name).unwrap()).code.join("\n");
    let base = catalog::get("z-workload").unwrap();
    let default = code(&base, "producer");
    for absent in ["zmq.SNDHWM", "zmq.SNDTIMEO", "zmq.LINGER", "zmq.NOBLOCK", "zmq.Again"] {
        assert!(!default.contains(absent), "the tutorial's producer sets no {absent}");
    }
    let with = |pointer: &str, value: Value| ZmqScenario::from_json(&patched(pointer, value).to_string()).unwrap();
    assert!(code(&with("/actors/0/sndhwm", json!(2)), "producer").contains("socket.setsockopt(zmq.SNDHWM, 2)"));
    assert!(code(&with("/actors/0/sndtimeo_ms", json!(200)), "producer").contains("socket.setsockopt(zmq.SNDTIMEO, 200)"));
    assert!(code(&with("/actors/0/noblock", json!(true)), "producer").contains("socket.send_json(data, zmq.NOBLOCK)"));
    assert!(code(&with("/actors/0/linger_ms", json!(0)), "producer").contains("socket.setsockopt(zmq.LINGER, 0)"));
    assert!(code(&with("/actors/0/interval_ms", json!(0)), "producer").lines().all(|l| !l.contains("time.sleep")), "back to back: no sleep");
    assert!(code(&with("/actors/1/rcvhwm", json!(5)), "consumer").contains("socket.setsockopt(zmq.RCVHWM, 5)"));
    let mut swapped = patched("/actors/0/bind", json!(false));
    swapped["actors"][1]["bind"] = json!(true);
    let bound = ZmqScenario::from_json(&swapped.to_string()).unwrap();
    assert!(code(&bound, "producer").contains("socket.connect(\"tcp://127.0.0.1:5557\")"));
    assert!(code(&bound, "consumer").contains("socket.bind(\"tcp://127.0.0.1:5557\")"));
    let lazy = catalog::get("z-lazy-pirate").unwrap();
    let client = code(&lazy, "client");
    for piece in ["REQUEST_TIMEOUT = 1000", "REQUEST_RETRIES = 3", "client.poll(REQUEST_TIMEOUT) & zmq.POLLIN", "client.setsockopt(zmq.LINGER, 0)", "client.close()", "client = context.socket(zmq.REQ)", "client.send_json(request)"] {
        assert!(client.contains(piece), "the Lazy Pirate client (lpclient.py) has {piece:?}:\n{client}");
    }
}

#[test]
fn the_tutorial_producer_is_exactly_the_tutorials() {
    let s = catalog::get("z-workload").unwrap();
    let code = program::of(&s, &s.actors[0]).code.join("\n");
    let expected = "import zmq, time\n\ncontext = zmq.Context()\nsocket = context.socket(zmq.PUSH)\nsocket.bind(\"tcp://127.0.0.1:5557\")\n\nfor i in range(10):\n    data = {'data': i}\n    socket.send_json(data)\n    print(f\" [x] Sent {data}\")\n    time.sleep(0.05)\n\nsocket.close()\ncontext.term()  # waits for what LINGER keeps to be delivered";
    assert_eq!(code, expected);
}

#[test]
fn every_catalog_scenario_round_trips() {
    for name in catalog::names() {
        let s = catalog::get(name).unwrap();
        assert!(is_zeromq(&s.to_json()));
        assert_eq!(ZmqScenario::from_json(&s.to_json()).unwrap(), s, "{name}");
        assert_eq!(s.name, name);
    }
}

#[test]
fn malformed_files_name_the_field() {
    let two = |a: Value, b: Value| json!({ "name": "x", "broker": { "model": "zeromq" }, "actors": [a, b] });
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("not JSON", "{ \"name\": ".into(), "", "not a valid scenario file"),
        ("a list", "[1, 2]".into(), "", "one JSON object"),
        ("unknown socket type", patched("/actors/0/socket", json!("dealer")).to_string(), "actors[0].socket", ""),
        ("socket of the wrong role", patched("/actors/0/socket", json!("pull")).to_string(), "actors[0].socket", "\"push\" or \"pub\""),
        ("absurd SNDHWM", patched("/actors/0/sndhwm", json!(1_000_000_000u64)).to_string(), "actors[0].sndhwm", "at most 1000000"),
        ("SNDHWM 0", patched("/actors/0/sndhwm", json!(0)).to_string(), "actors[0].sndhwm", "at least 1"),
        ("negative RCVHWM", patched("/actors/1/rcvhwm", json!(-3)).to_string(), "actors[1].rcvhwm", ""),
        ("absurd messages", patched("/actors/0/messages", json!(2_000_000)).to_string(), "actors", "more than limits.messages_max"),
        ("linger -5", patched("/actors/0/linger_ms", json!(-5)).to_string(), "actors[0].linger_ms", "-1"),
        ("absurd interval", patched("/actors/0/interval_ms", json!(u64::MAX)).to_string(), "actors[0].interval_ms", "at most"),
        ("unknown field", patched("/actors/0/prefetch", json!(1)).to_string(), "actors[0].prefetch", "unknown field"),
        ("unknown role", patched("/actors/0/role", json!("broker")).to_string(), "actors[0].role", "\"producer\""),
        ("two binders", patched("/actors/1/bind", json!(true)).to_string(), "actors", "exactly one actor binds"),
        ("no binder", patched("/actors/0/bind", json!(false)).to_string(), "actors", "exactly one actor binds"),
        ("one actor", patched("/actors", json!([{ "role": "producer", "name": "p" }])).to_string(), "actors", "at least two"),
        ("PUSH to SUB", two(json!({ "role": "producer", "name": "p" }), json!({ "role": "consumer", "name": "c", "socket": "sub" })).to_string(), "actors[1].role", "talks to PULL sockets only"),
        ("same names", patched("/actors/1/name", json!("producer")).to_string(), "actors[1].name", "two actors"),
        ("empty name", patched("/name", json!(" ")).to_string(), "name", "must not be empty"),
        ("other model", patched("/broker/model", json!("kafka")).to_string(), "broker.model", "\"zeromq\""),
        ("format 2", patched("/format", json!(2)).to_string(), "format", "unknown scenario format version 2"),
        ("subscribe on PULL", patched("/actors/1/subscribe", json!("a")).to_string(), "actors[1].subscribe", "only a SUB"),
        ("endpoint of another transport", patched("/endpoint", json!("ipc:///tmp/x")).to_string(), "endpoint", "tcp://"),
        ("quote in endpoint", patched("/endpoint", json!("tcp://a\"b")).to_string(), "endpoint", ""),
        ("limit too high", patched("/limits", json!({ "messages_max": 10_000_000 })).to_string(), "limits.messages_max", "at most"),
        ("unknown fault actor", patched("/faults", json!([{ "when": { "at_ms": 5 }, "do": { "crash": { "actor": "nobody", "restart_after_ms": null } } }])).to_string(), "faults[0].do", "no actor is named"),
        ("unknown op", patched("/faults", json!([{ "when": { "after": { "actor": "consumer", "op": "ack", "occurrence": 1 } }, "do": { "restart": "consumer" } }])).to_string(), "faults[0].when.op", "unknown operation"),
        ("op the actor never runs", patched("/faults", json!([{ "when": { "after": { "actor": "consumer", "op": "send", "occurrence": 1 } }, "do": { "restart": "consumer" } }])).to_string(), "faults[0].when.op", "never runs"),
        ("occurrence 0", patched("/faults", json!([{ "when": { "after": { "actor": "consumer", "op": "recv", "occurrence": 0 } }, "do": { "restart": "consumer" } }])).to_string(), "faults[0].when.occurrence", "counts from 1"),
        ("slow a producer", patched("/faults", json!([{ "when": { "at_ms": 1 }, "do": { "slow": { "actor": "producer", "work_ms": 5 } } }])).to_string(), "faults[0].do", "not a consumer"),
        ("partition with itself", patched("/faults", json!([{ "when": { "at_ms": 1 }, "do": { "partition": ["producer", "producer"] } }])).to_string(), "faults[0].do", "must differ"),
        ("lazy pirate 0 retries", two(json!({ "role": "server", "name": "s" }), json!({ "role": "client", "name": "c", "lazy_pirate": true, "retries": 0 })).to_string(), "actors[1].retries", "between 1 and 1000"),
        ("nothing sent", patched("/actors/0/messages", json!(0)).to_string(), "actors", "nothing is sent"),
        ("poll 0 ms", two(json!({ "role": "server", "name": "s" }), json!({ "role": "client", "name": "c", "timeout_ms": 0 })).to_string(), "actors[1].timeout_ms", "at least 1 ms"),
    ];
    for (what, text, field, problem) in cases {
        let e = ZmqScenario::from_json(&text).err().unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(e.field, field, "{what}: {e}");
        assert!(e.problem.contains(problem), "{what}: {e}");
    }
    let mut inproc = patched("/transport", json!("inproc"));
    inproc["faults"] = json!([{ "when": { "at_ms": 1 }, "do": { "partition": ["producer", "consumer"] } }]);
    let e = ZmqScenario::from_json(&inproc.to_string()).unwrap_err();
    assert!(e.field == "faults[0].do" && e.problem.contains("no network"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the text, reading it never panics.
    #[test]
    fn from_json_never_panics(text in ".{0,200}") {
        let _ = ZmqScenario::from_json(&text);
    }

    /// Whatever value replaces a field of a valid file, reading it never panics, and a
    /// scenario it accepts builds and runs.
    #[test]
    fn a_mutated_file_is_refused_or_runs(actor in 0usize..2, key in prop::sample::select(vec!["sndhwm", "rcvhwm", "messages", "interval_ms", "linger_ms", "socket", "bind", "work_ms", "start_ms", "sndtimeo_ms", "noblock", "subscribe", "first_data"]), value in prop::sample::select(vec![json!(null), json!(-1), json!(0), json!(1), json!(3), json!(u32::MAX), json!(u64::MAX), json!("pub"), json!("sub"), json!(true), json!([1]), json!({})])) {
        let file = patched(&format!("/actors/{actor}/{key}"), value);
        if let Ok(s) = ZmqScenario::from_json(&file.to_string()) {
            let mut limits = s.limits.clone();
            limits.time_ms_max = 60_000;
            let s = ZmqScenario { limits, ..s };
            let mut sim = queue_playground::systems::zeromq::world::ZmqSim::new(&s).unwrap();
            sim.run_until(queue_playground::engine::Until::Quiescence);
            prop_assert!(sim.check_conservation().is_ok(), "{file}");
        }
    }
}

fn qp(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qp")).args(args).output().expect("the qp binary runs")
}

#[test]
fn qp_lists_runs_and_prints_code_for_zeromq() {
    let list = String::from_utf8_lossy(&qp(&["list"]).stdout).to_string();
    for name in catalog::names() {
        assert!(list.lines().any(|l| l.starts_with(name) && l.contains(" zeromq ")), "qp list shows {name} as zeromq:\n{list}");
    }
    let out = qp(&["code", "--catalog", "z-lazy-pirate", "--actor", "client"]);
    assert!(out.status.success());
    let s = catalog::get("z-lazy-pirate").unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), program::of(&s, s.actor("client").unwrap()).code.join("\n"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zeromq-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(&good, catalog::ENTRIES[1].1).unwrap();
    let out = qp(&["run", good.to_str().unwrap(), "--seed", "7", "--trace"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((json["system"].as_str(), json["seed"].as_u64()), (Some("zeromq"), Some(7)));
    assert!(json["trace"].as_array().is_some_and(|t| !t.is_empty()));
    let out = qp(&["code", good.to_str().unwrap(), "--actor", "producer"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("context.socket(zmq.PUSH)"));
    // Bad input: a clear error naming the field, exit code 2, no panic.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, patched("/actors/0/socket", json!("dealer")).to_string()).unwrap();
    for args in [vec!["run", bad.to_str().unwrap()], vec!["code", bad.to_str().unwrap(), "--actor", "producer"]] {
        let out = qp(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("actors[0].socket") && !stderr.contains("panicked"), "{stderr}");
    }
    let bare = qp(&["run", "z-hwm-drops"]);
    assert!(bare.status.success(), "qp run NAME runs a ZeroMQ catalog scenario: {}", String::from_utf8_lossy(&bare.stderr));
    assert!(String::from_utf8_lossy(&qp(&["code", "z-req-hang", "--actor", "client"]).stdout).contains("socket.poll(4000)"));
    let out = qp(&["code", "--catalog", "z-workload", "--actor", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no actor is named \"nobody\""));
}
