//! Properties of the ZeroMQ model over random fault schedules (crashes with and without
//! restarts, slow consumers, partitions and heals) and random socket settings: conservation
//! holds at every step, and at the end every message a `send` accepted was processed, is
//! still in a pipe or a buffer, or was lost with a recorded cause. A failure prints the
//! scenario as JSON: save it and run `cargo run --bin qp -- run FILE --trace`.

use proptest::prelude::*;
use queue_playground::engine::checker::Verdict;
use queue_playground::engine::ids::MessageId;
use queue_playground::engine::Until;
use queue_playground::systems::zeromq::report::{ZmqReport, ZmqVerdict};
use queue_playground::systems::zeromq::scenario::ZmqScenario;
use queue_playground::systems::zeromq::world::ZmqSim;
use serde_json::{json, Value};

fn reproduce(s: &ZmqScenario) -> String {
    format!("reproduce: save this scenario as s.json and run `cargo run --bin qp -- run s.json --trace`:\n{}", s.to_json())
}

/// One fault of the schedule: (kind, who, at_ms, parameter).
fn fault() -> impl Strategy<Value = (u8, u8, u64, u64)> {
    (0u8..5, 0u8..3, 0u64..1_500, 0u64..800)
}

/// What proptest draws for one scenario besides its faults. `pattern`: 0 PUSH binds, 1 PULL
/// binds, 2 PUB/SUB, 3 Lazy Pirate, 4 naive REQ; `blocking`: 0 blocks, 1 SNDTIMEO, 2 NOBLOCK.
struct Draw {
    pattern: u8,
    seed: u64,
    hwm: u32,
    interval_ms: u64,
    linger_ms: i64,
    blocking: u8,
    messages: u32,
}

/// The scenario of a draw and a fault schedule.
fn build(draw: &Draw, faults: &[(u8, u8, u64, u64)]) -> Value {
    let Draw { pattern, seed, hwm, interval_ms, linger_ms, blocking, messages } = *draw;
    let sndtimeo = match blocking {
        0 => json!(null),
        1 => json!(100),
        _ => json!(null),
    };
    let noblock = blocking == 2;
    let actors = match pattern {
        // PUSH binds, two PULLs connect.
        0 => json!([
            { "role": "producer", "name": "producer", "socket": "push", "bind": true, "sndhwm": hwm, "interval_ms": interval_ms, "linger_ms": linger_ms, "messages": messages, "noblock": noblock, "sndtimeo_ms": sndtimeo, "start_ms": 50 },
            { "role": "consumer", "name": "a", "socket": "pull", "rcvhwm": hwm, "work_ms": 20 },
            { "role": "consumer", "name": "b", "socket": "pull" }
        ]),
        // PULL binds, two PUSHes connect.
        1 => json!([
            { "role": "consumer", "name": "consumer", "socket": "pull", "bind": true, "rcvhwm": hwm },
            { "role": "producer", "name": "p", "socket": "push", "bind": false, "sndhwm": hwm, "interval_ms": interval_ms, "linger_ms": linger_ms, "messages": messages, "noblock": noblock, "sndtimeo_ms": sndtimeo },
            { "role": "producer", "name": "q", "socket": "push", "bind": false, "interval_ms": interval_ms, "messages": messages, "first_data": 1000 }
        ]),
        // PUB binds, a SUB connects.
        2 => json!([
            { "role": "producer", "name": "publisher", "socket": "pub", "bind": true, "sndhwm": hwm, "interval_ms": interval_ms, "linger_ms": linger_ms, "messages": messages, "warmup_ms": 100 },
            { "role": "consumer", "name": "subscriber", "socket": "sub", "rcvhwm": hwm, "work_ms": 30 },
            { "role": "consumer", "name": "idle", "socket": "sub", "bind": false, "start_ms": 4000000 }
        ]),
        // REQ/REP, Lazy Pirate or naive.
        _ => json!([
            { "role": "server", "name": "server", "work_ms": 40, "reply_delay_ms": 30 },
            { "role": "client", "name": "client", "requests": messages, "lazy_pirate": pattern == 3, "timeout_ms": 300, "retries": 3 },
            { "role": "client", "name": "other", "requests": 2, "first_data": 1000, "lazy_pirate": true, "timeout_ms": 300 }
        ]),
    };
    let mut file = json!({ "name": "property", "seed": seed, "broker": { "model": "zeromq" }, "actors": actors, "faults": [] });
    if pattern == 2 {
        // PUB/SUB scenarios have one subscriber.
        file["actors"].as_array_mut().unwrap().pop();
    }
    let names: Vec<String> = file["actors"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect();
    let mut list = Vec::new();
    for &(kind, who, at_ms, parameter) in faults {
        let actor = &names[usize::from(who) % names.len()];
        let other = &names[(usize::from(who) + 1) % names.len()];
        if kind == 4 && pattern >= 3 {
            // The server killed between its work and its reply.
            let when = json!({ "after": { "actor": "server", "op": "print_done", "occurrence": 1 + parameter % 5 } });
            list.push(json!({ "when": when, "do": { "crash": { "actor": "server", "restart_after_ms": 200 } } }));
            continue;
        }
        let action = match kind {
            0 | 4 => json!({ "crash": { "actor": actor, "restart_after_ms": parameter } }),
            1 => json!({ "crash": { "actor": actor, "restart_after_ms": null } }),
            2 => json!({ "partition": [actor, other] }),
            _ => json!({ "heal": [actor, other] }),
        };
        list.push(json!({ "when": { "at_ms": at_ms }, "do": action }));
        if kind == 2 {
            list.push(json!({ "when": { "at_ms": at_ms + parameter }, "do": { "heal": [actor, other] } }));
        }
    }
    file["faults"] = Value::Array(list);
    file
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Conservation at every step, and at the end every accepted message is accounted for.
    #[test]
    fn every_accepted_message_is_processed_queued_or_lost_with_a_cause(
        pattern in 0u8..5,
        seed in 0u64..10_000,
        hwm in prop::sample::select(vec![1u32, 2, 3, 1000]),
        interval_ms in prop::sample::select(vec![0u64, 1, 50]),
        linger_ms in prop::sample::select(vec![-1i64, 0, 100]),
        blocking in 0u8..3,
        messages in 1u32..25,
        faults in prop::collection::vec(fault(), 0..5),
    ) {
        let file = build(&Draw { pattern, seed, hwm, interval_ms, linger_ms, blocking, messages }, &faults);
        let s = ZmqScenario::from_json(&file.to_string()).map_err(|e| TestCaseError::fail(format!("{e}\n{file}")))?;
        let mut sim = ZmqSim::new(&s).unwrap();
        while sim.step() {
            if let Err(problem) = sim.check_conservation() {
                prop_assert!(false, "conservation broken at event {}: {problem}\n{}", sim.events(), reproduce(&s));
            }
        }
        prop_assert!(sim.finish().is_some(), "{}", reproduce(&s));
        prop_assert!(sim.check_conservation().is_ok(), "{}", reproduce(&s));
        let ledger = sim.ledger();
        for index in 0..ledger.messages.len() {
            let message = MessageId(index as u32);
            let stats = sim.checker().stats.get(index).copied().unwrap_or_default();
            let processed = stats.effects > 0;
            let queued = ledger.messages[index].live_copies > 0;
            let lost_with_cause = sim.verdict(message) == Verdict::Lost && sim.drop_cause(message).is_some();
            prop_assert!(processed || queued || lost_with_cause,
                "message {} (data {}) is neither processed, nor queued, nor lost with a cause: {:?}\n{}",
                index, ledger.messages[index].data, sim.verdict(message), reproduce(&s));
        }
        let report = ZmqReport::new(&sim, false);
        for m in &report.messages {
            prop_assert!(!m.cause.is_empty(), "{}", reproduce(&s));
            if m.verdict == ZmqVerdict::Lost {
                prop_assert!(m.cause.starts_with("lost: ") && !m.cause.contains("disappeared"), "{}\n{}", m.cause, reproduce(&s));
            }
        }
    }

    /// With no faults, a PUSH/PULL run at the tutorial's gap loses nothing.
    #[test]
    fn without_faults_push_pull_loses_nothing(seed in 0u64..10_000, hwm in prop::sample::select(vec![1u32, 2, 1000]), messages in 1u32..30) {
        let file = build(&Draw { pattern: 0, seed, hwm, interval_ms: 50, linger_ms: -1, blocking: 0, messages }, &[]);
        let s = ZmqScenario::from_json(&file.to_string()).unwrap();
        let mut sim = ZmqSim::new(&s).unwrap();
        sim.run_until(Until::Quiescence);
        let report = ZmqReport::new(&sim, false);
        prop_assert_eq!(report.label.name(), "effectively-once", "{}\n{}", report.summary, reproduce(&s));
    }
}

/// The schedules above do reach the interesting outcomes (a property that only ever sees
/// clean runs proves little): over fixed draws, some runs lose messages to crashes, some
/// duplicate work, some see sends refused.
#[test]
fn the_fault_schedules_reach_losses_duplicates_and_refusals() {
    let (mut lost, mut duplicated, mut refused) = (0, 0, 0);
    for seed in 0..60u64 {
        let pattern = (seed % 5) as u8;
        let faults = [(0u8, (seed % 3) as u8, 100 + seed * 7, 300), (2, 1, 200 + seed, 400), (4, 0, 0, seed)];
        let draw = Draw { pattern, seed, hwm: [1, 2, 1000][(seed % 3) as usize], interval_ms: [0, 1, 50][(seed / 3 % 3) as usize], linger_ms: -1, blocking: (seed % 3) as u8, messages: 20 };
        let s = ZmqScenario::from_json(&build(&draw, &faults).to_string()).unwrap();
        let mut sim = ZmqSim::new(&s).unwrap();
        sim.run_until(Until::Quiescence);
        let report = ZmqReport::new(&sim, false);
        lost += usize::from(report.counts.lost > 0);
        duplicated += usize::from(report.counts.duplicated > 0);
        refused += usize::from(report.never_accepted > 0);
    }
    assert!(lost > 5 && duplicated > 0 && refused > 5, "lost in {lost} runs, duplicated in {duplicated}, refused in {refused}");
}
