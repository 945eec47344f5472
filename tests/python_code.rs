//! The code the page shows is Python that runs as shown: every generated program (each
//! chapter under every setting combination, each catalog scenario, hostile names) compiles
//! under `python3`, reads no name it never defines (`tests/python/check_programs.py`), and
//! declares every exchange it uses. `python3` is installed by `scripts/setup.sh`.

use queue_playground::systems::rabbitmq::program;
use queue_playground::scenario::settings::Settings;
use queue_playground::scenario::{catalog, ActorSpec, Scenario};
use queue_playground::tour::CHAPTERS;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

mod common;

/// Every scenario whose programs are checked.
fn scenarios() -> Vec<(String, Scenario)> {
    let mut all = Vec::new();
    for name in catalog::names() {
        all.push((name.to_string(), catalog::get(name).unwrap()));
    }
    for chapter in CHAPTERS {
        let base = Settings::of(&catalog::get(chapter.scenario).unwrap());
        for settings in common::setting_combinations(&base, true) {
            if let Ok(s) = chapter.scenario(&settings, 1) {
                all.push((format!("{} with {settings:?}", chapter.id), s));
            }
        }
    }
    // Names with quotes, backslashes and control characters stay one Python literal.
    let hostile = r#"{"name": "hostile", "queues": [{"name": "q'\"\\\n{x}", "durable": true,
        "dead_letter_exchange": "d'x"}, {"name": "dl'q"}], "exchanges": [{"name": "d'x", "type": "topic"},
        {"name": "e\\'", "type": "direct"}], "bindings": [{"exchange": "d'x", "queue": "dl'q", "routing_key": "k'#"},
        {"exchange": "e\\'", "queue": "q'\"\\\n{x}", "routing_key": "r'"}],
        "actors": [{"role": "producer", "name": "p'{i}", "queue": "q'\"\\\n{x}", "exchange": "e\\'", "routing_key": "r'",
        "retry": {"attempts_max": 2, "backoff_ms": 10, "jitter_ms": 5}},
        {"role": "consumer", "name": "c", "queue": "q'\"\\\n{x}", "idempotent": true, "auto_ack": false,
        "on_failure": "nack_requeue", "attempts_max": 2, "fail": {"data": [1], "attempts": 1}, "reconnect_ms": 500}]}"#;
    all.push(("hostile names".into(), Scenario::from_json(hostile).unwrap()));
    // A polling consumer with everything its code can hold.
    let polling = r#"{"name": "polling", "queues": [{"name": "q", "durable": true, "dead_letter_exchange": "dlx"}, {"name": "dlq"}],
        "exchanges": [{"name": "dlx", "type": "fanout"}], "bindings": [{"exchange": "dlx", "queue": "dlq"}],
        "actors": [{"role": "consumer", "name": "c", "queue": "q", "poll_ms": 250, "idempotent": true, "auto_ack": false,
        "on_failure": "nack_requeue", "attempts_max": 2, "fail": {"data": [1]}, "work_ms": 100, "reconnect_ms": 500, "ack_every": 2}]}"#;
    all.push(("polling".into(), Scenario::from_json(polling).unwrap()));
    all
}

/// The conformance layer's own scenarios (`tests/conformance/scenarios/`): they run for real,
/// and some use on purpose what nobody declared.
fn conformance_scenarios() -> Vec<(String, Scenario)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|p| (p.display().to_string(), Scenario::from_json(&std::fs::read_to_string(p).unwrap()).unwrap())).collect()
}

#[test]
fn every_generated_program_is_python_that_defines_what_it_uses() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-programs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let checked = scenarios().into_iter().map(|s| (s, true));
    for ((name, scenario), check_exchanges) in checked.chain(conformance_scenarios().into_iter().map(|s| (s, false))) {
        // rabbitmqadmin's commands are a shell session, not Python.
        let programs: Vec<String> = scenario
            .actors
            .iter()
            .filter(|a| !matches!(a, ActorSpec::Admin(_)))
            .map(|a| program::of(&scenario, a).expect("valid scenario").code.join("\n") + "\n")
            .collect();
        // Every exchange a program uses is declared by a program of the scenario.
        let all = programs.join("\n");
        for code in programs.iter().filter(|_| check_exchanges) {
            for used in code.split("exchange=").skip(1).chain(code.split("'x-dead-letter-exchange': ").skip(1)) {
                let literal = used.split([',', ')', '}']).next().unwrap();
                if literal != "''" && !all.contains(&format!("exchange_declare(exchange={literal}")) {
                    problems.push(format!("{name}: exchange {literal} is used but no program declares it"));
                }
            }
        }
        for code in programs {
            if seen.insert(code.clone()) {
                let path = dir.join(format!("program_{}.py", files.len()));
                std::fs::write(&path, &code).unwrap();
                files.push((path, name.clone()));
            }
        }
    }
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(files.len() > 50, "only {} distinct programs: the variants do not vary", files.len());
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/check_programs.py"))
        .args(files.iter().map(|(p, _)| p))
        .output()
        .expect("python3 runs (bash scripts/setup.sh installs it)");
    let report = String::from_utf8_lossy(&out.stdout);
    let named: Vec<String> = report
        .lines()
        .map(|line| {
            let from = files.iter().find(|(p, _)| line.starts_with(&p.display().to_string())).map_or("?", |(_, n)| n.as_str());
            format!("{line}   (from: {from})")
        })
        .collect();
    assert!(out.status.success(), "generated programs that would not run as shown:\n{}\n{}", named.join("\n"), String::from_utf8_lossy(&out.stderr));
}

/// The article's two programs, exactly as it writes them (inside `def main():`).
#[test]
fn the_article_programs_are_the_articles() {
    let scenario = catalog::get("article").unwrap();
    let code = |i: usize| program::of(&scenario, &scenario.actors[i]).unwrap().code.join("\n");
    assert_eq!(code(0), "$ rabbitmqadmin declare queue name=test_queue durable=true auto_delete=false");
    assert_eq!(
        code(1),
        r#"import json
import time

import pika


def main():
    connection = pika.BlockingConnection(pika.ConnectionParameters('localhost'))
    channel = connection.channel()
    channel.queue_declare(queue='test_queue', durable=True)

    for i in range(10):
        message = {'data': i}
        channel.basic_publish(exchange='', routing_key='test_queue', body=json.dumps(message))
        print(f" [x] Sent {message}")
        time.sleep(1)

    connection.close()


if __name__ == '__main__':
    main()"#
    );
    assert_eq!(
        code(2),
        r#"import json

import pika


def callback(ch, method, properties, body):
    message = json.loads(body)
    print(f" [x] Received {message}")


def main():
    connection = pika.BlockingConnection(pika.ConnectionParameters('localhost'))
    channel = connection.channel()
    channel.queue_declare(queue='test_queue', durable=True)
    channel.basic_consume(queue='test_queue', on_message_callback=callback, auto_ack=True)
    print(' [*] Waiting for messages. To exit press CTRL+C')
    channel.start_consuming()


if __name__ == '__main__':
    main()"#
    );
}

/// "Poison next message" in the poison chapter: the consumer's code lists the poisoned payload
/// beside the scenario's own, so it says why that message fails; the lines do not move.
#[test]
fn the_code_shown_lists_the_payloads_a_fault_poisoned() {
    use queue_playground::scenario::FaultAction;
    use queue_playground::session::Session;
    let mut session = Session::new(catalog::get("poison-dead-letter").unwrap(), vec![]).unwrap();
    session.seek(10);
    session.inject(FaultAction::PoisonNext("producer".into())).unwrap();
    let poisoned: Vec<u32> = session.timeline().ledger().messages.iter().filter(|m| m.poison).map(|m| m.data).collect();
    assert_eq!(poisoned.len(), 1, "one message was poisoned");
    let setup = session.timeline().setup();
    let consumer = setup.actors.iter().find(|a| matches!(a.spec, ActorSpec::Consumer(_))).unwrap();
    let shown = program::shown_code(&setup.scenario, &consumer.spec, &poisoned).unwrap();
    assert_eq!(shown.len(), consumer.program.code.len(), "the same lines");
    let check = format!("    if message['data'] in [3, {}]:", poisoned[0]);
    assert!(shown.iter().any(|l| l.starts_with(&check)), "{shown:#?}");
    assert!(!consumer.program.code.iter().any(|l| l.starts_with(&check)), "the program as written lists only 3");
}
