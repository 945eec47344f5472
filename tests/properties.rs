#![cfg(not(target_arch = "wasm32"))]
//! Property tests over random fault schedules. Each failure message carries the scenario as
//! JSON: save it to a file and run `cargo run --bin qp -- run FILE` to reproduce the run.

use proptest::prelude::*;
use queue_playground::systems::rabbitmq::trace::Event;
use queue_playground::engine::{Until, Verdict};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::*;
use std::collections::BTreeSet;

fn base(name: &str, seed: u64) -> Scenario {
    Scenario {
        format: None,
        name: name.into(),
        title: String::new(),
        seed,
        broker: BrokerSpec { restart_delay_ms: 2_000, ..BrokerSpec::default() },
        network: NetworkSpec { latency_ms: 1, jitter_ms: 3, reset_after_drop_ms: 20 },
        // A third of the runs with the measured costs: work between the milliseconds.
        costs: if seed % 3 == 0 { queue_playground::engine::costs::Costs::MEASURED } else { Default::default() },
        queues: vec![QueueSpec::new("test_queue", true)],
        exchanges: vec![],
        bindings: vec![],
        actors: vec![],
        faults: vec![],
        random_faults: None,
        limits: Limits { steps_max: 200_000, ..Limits::default() },
    }
}

/// One fault of a random schedule, with its heal where it has one.
#[derive(Clone, Debug)]
enum Chaos {
    CrashConsumer { consumer: u8, at_ms: u64, down_ms: u64 },
    CrashProducer { at_ms: u64, down_ms: u64 },
    CrashNode { at_ms: u64 },
    StopNode { at_ms: u64 },
    Partition { consumer: u8, at_ms: u64, down_ms: u64 },
    DropToBroker { at_ms: u64 },
    DropToProducer { at_ms: u64 },
    DropToConsumer { consumer: u8, at_ms: u64 },
    Duplicate { at_ms: u64 },
}

fn chaos() -> impl Strategy<Value = Chaos> {
    let t = 0u64..3_000;
    prop_oneof![
        (0u8..2, t.clone(), 1u64..1_500).prop_map(|(consumer, at_ms, down_ms)| Chaos::CrashConsumer { consumer, at_ms, down_ms }),
        (t.clone(), 1u64..1_500).prop_map(|(at_ms, down_ms)| Chaos::CrashProducer { at_ms, down_ms }),
        t.clone().prop_map(|at_ms| Chaos::CrashNode { at_ms }),
        t.clone().prop_map(|at_ms| Chaos::StopNode { at_ms }),
        (0u8..2, t.clone(), 1u64..1_500).prop_map(|(consumer, at_ms, down_ms)| Chaos::Partition { consumer, at_ms, down_ms }),
        t.clone().prop_map(|at_ms| Chaos::DropToBroker { at_ms }),
        t.clone().prop_map(|at_ms| Chaos::DropToProducer { at_ms }),
        (0u8..2, t.clone()).prop_map(|(consumer, at_ms)| Chaos::DropToConsumer { consumer, at_ms }),
        t.prop_map(|at_ms| Chaos::Duplicate { at_ms }),
    ]
}

fn at(at_ms: u64, action: FaultAction) -> FaultSpec {
    FaultSpec { when: Trigger::AtMs(at_ms), action }
}

/// The schedule as scenario faults; every fault heals.
fn faults(schedule: &[Chaos]) -> Vec<FaultSpec> {
    let consumer = |c: u8| format!("consumer-{c}");
    let mut out = Vec::new();
    for chaos in schedule {
        match *chaos {
            Chaos::CrashConsumer { consumer: c, at_ms, down_ms } => {
                out.push(at(at_ms, FaultAction::Crash(consumer(c))));
                out.push(at(at_ms + down_ms, FaultAction::Restart(consumer(c))));
            }
            Chaos::CrashProducer { at_ms, down_ms } => {
                out.push(at(at_ms, FaultAction::Crash("producer".into())));
                out.push(at(at_ms + down_ms, FaultAction::Restart("producer".into())));
            }
            Chaos::CrashNode { at_ms } => out.push(at(at_ms, FaultAction::CrashNode { node: 0, restart: true })),
            Chaos::StopNode { at_ms } => out.push(at(at_ms, FaultAction::StopNode { node: 0, restart: true })),
            Chaos::Partition { consumer: c, at_ms, down_ms } => {
                out.push(at(at_ms, FaultAction::Partition(consumer(c), "rabbit@0".into())));
                out.push(at(at_ms + down_ms, FaultAction::Heal(consumer(c), "rabbit@0".into())));
            }
            Chaos::DropToBroker { at_ms } => out.push(at(at_ms, FaultAction::DropNext { from: "producer".into(), to: "rabbit@0".into() })),
            Chaos::DropToProducer { at_ms } => out.push(at(at_ms, FaultAction::DropNext { from: "rabbit@0".into(), to: "producer".into() })),
            Chaos::DropToConsumer { consumer: c, at_ms } => {
                out.push(at(at_ms, FaultAction::DropNext { from: "rabbit@0".into(), to: consumer(c) }))
            }
            Chaos::Duplicate { at_ms } => out.push(at(at_ms, FaultAction::DuplicateNext("producer".into()))),
        }
    }
    out
}

/// The fully fixed setup: persistent messages, durable queue, confirms with retry, manual
/// ack, idempotent consumers that reconnect.
fn fixed(seed: u64, schedule: &[Chaos]) -> Scenario {
    let mut s = base("fixed", seed);
    let mut p = ProducerSpec::article("producer");
    p.messages = 12;
    p.interval_ms = 100;
    p.delivery_mode = 2;
    p.confirms = true;
    p.retry = Some(RetrySpec { attempts_max: 30, backoff_ms: 50, jitter_ms: 50, on_give_up: GiveUp::Raise });
    s.actors.push(ActorSpec::Producer(p));
    for c in 0..2 {
        let mut spec = ConsumerSpec::article(&format!("consumer-{c}"));
        spec.auto_ack = false;
        spec.prefetch_count = Some(2);
        spec.work_ms = 30;
        spec.idempotent = true;
        spec.reconnect_ms = Some(300);
        s.actors.push(ActorSpec::Consumer(spec));
    }
    s.faults = faults(schedule);
    s
}

fn reproduce(s: &Scenario) -> String {
    format!("reproduce: save this scenario as s.json and run `cargo run --bin qp -- run s.json`:\n{}", s.to_json())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Conservation holds at every step, under any schedule, with or without the fixes.
    #[test]
    fn conservation_holds_at_every_step(seed in 0u64..1_000, schedule in prop::collection::vec(chaos(), 0..6), auto_ack in any::<bool>(), persistent in any::<bool>()) {
        let mut s = fixed(seed, &schedule);
        for actor in &mut s.actors {
            match actor {
                ActorSpec::Consumer(c) => { c.auto_ack = auto_ack; c.idempotent = !auto_ack; }
                ActorSpec::Producer(p) => { p.delivery_mode = if persistent { 2 } else { 1 }; p.confirms = persistent; }
                ActorSpec::Admin(_) | ActorSpec::Relay(_) => {}
            }
        }
        s.validate().unwrap();
        let mut sim = Sim::new(&s).unwrap();
        while sim.step() {
            if let Err(problem) = sim.check_conservation() {
                prop_assert!(false, "conservation broken at event {}: {problem}\n{}", sim.trace().len(), reproduce(&s));
            }
        }
    }

    /// With every fix on, once the faults heal nothing is lost and no effect is applied twice.
    #[test]
    fn the_fixed_setup_is_effectively_once(seed in 0u64..1_000, schedule in prop::collection::vec(chaos(), 0..6)) {
        let s = fixed(seed, &schedule);
        let mut sim = Sim::new(&s).unwrap();
        sim.run_until(Until::Quiescence);
        let report = Report::new(&sim, false);
        prop_assert_eq!(report.counts.lost, 0, "lost {:?}\n{}", report.data_with(Verdict::Lost), reproduce(&s));
        prop_assert_eq!(report.counts.duplicated, 0, "duplicated {:?}\n{}", report.data_with(Verdict::Duplicated), reproduce(&s));
        prop_assert_eq!(report.counts.pending, 0, "still pending {:?}\n{}", report.data_with(Verdict::Pending), reproduce(&s));
        prop_assert_eq!(report.counts.published, 12, "{}", reproduce(&s));
    }

    /// auto_ack=True and a consumer crash: the lost set is exactly what had been delivered
    /// to the consumer and not finished by it.
    #[test]
    fn auto_ack_crash_loses_exactly_the_unfinished_deliveries(seed in 0u64..1_000, crash_ms in 0u64..2_500, work_ms in 0u64..300, interval_ms in 0u64..200) {
        let mut s = base("auto-ack-crash", seed);
        let mut p = ProducerSpec::article("producer");
        p.interval_ms = interval_ms;
        s.actors.push(ActorSpec::Producer(p));
        let mut c = ConsumerSpec::article("consumer");
        c.work_ms = work_ms;
        s.actors.push(ActorSpec::Consumer(c));
        let mut late = ConsumerSpec::article("late");
        late.start_ms = 5_000;
        s.actors.push(ActorSpec::Consumer(late));
        s.faults = vec![at(crash_ms, FaultAction::Crash("consumer".into()))];
        let mut sim = Sim::new(&s).unwrap();
        sim.run_until(Until::Quiescence);
        let consumer = sim.setup().actor_id("consumer").unwrap();
        let ledger = sim.ledger();
        let data = |copy| ledger.messages[ledger.message_of(copy).index()].data;
        let mut delivered = BTreeSet::new();
        let mut finished = BTreeSet::new();
        for e in sim.trace() {
            match e.event {
                Event::MessageDelivered { copy, actor, .. } if actor == consumer => { delivered.insert(data(copy)); }
                Event::CallbackFinished { copy, actor } if actor == consumer => { finished.insert(data(copy)); }
                _ => {}
            }
        }
        let expected: Vec<u32> = delivered.difference(&finished).copied().collect();
        let report = Report::new(&sim, false);
        prop_assert_eq!(report.data_with(Verdict::Lost), expected, "{}", reproduce(&s));
        prop_assert_eq!(report.counts.duplicated, 0, "{}", reproduce(&s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A network cut that neither end gave up on before the heal (TCP held the frames) loses
    /// nothing, processes nothing twice and raises nothing; one that an end gave up on shows
    /// it in the trace. Either way, the consumer's view matches the broker's.
    #[test]
    fn a_cut_nobody_gave_up_on_only_delays(seed in 0u64..1_000, auto_ack in any::<bool>(), cut_ms in 0u64..15_000, down_ms in 0u64..200_000, heartbeat_s in prop_oneof![Just(10u64), Just(60)], work_ms in 0u64..300) {
        let mut s = base("cut", seed);
        s.broker.heartbeat_ms = heartbeat_s * 1_000;
        let mut p = ProducerSpec::article("producer");
        p.interval_ms = 500;
        s.actors.push(ActorSpec::Producer(p));
        let mut c = ConsumerSpec::article("consumer");
        c.auto_ack = auto_ack;
        c.work_ms = work_ms;
        c.start_ms = 0;
        c.reconnect_ms = Some(1_000);
        s.actors.push(ActorSpec::Consumer(c));
        s.faults = vec![
            at(cut_ms, FaultAction::Partition("consumer".into(), "rabbit@0".into())),
            at(cut_ms + down_ms, FaultAction::Heal("consumer".into(), "rabbit@0".into())),
        ];
        let mut sim = Sim::new(&s).unwrap();
        sim.run_until(Until::Quiescence);
        prop_assert!(sim.check_conservation().is_ok(), "{}", reproduce(&s));
        let gave_up = sim.trace().iter().any(|e| matches!(e.event, Event::ClientHeartbeatTimeout { .. } | Event::BrokerHeartbeatTimeout { .. }));
        let report = Report::new(&sim, false);
        if !gave_up {
            prop_assert_eq!(report.label.name(), "effectively-once", "{}\n{}", report.summary, reproduce(&s));
            prop_assert!(!sim.trace().iter().any(|e| matches!(e.event, Event::ConnectionLost { .. } | Event::ChannelClosed { .. } | Event::MessageRequeued { .. })), "{}", reproduce(&s));
        } else {
            // Given up: with reconnect logic nothing is left behind, and auto_ack alone loses.
            prop_assert_eq!(report.counts.pending + report.counts.stranded, 0, "{}\n{}", report.summary, reproduce(&s));
            if !auto_ack {
                prop_assert_eq!(report.counts.lost, 0, "{}\n{}", report.summary, reproduce(&s));
            }
        }
    }
}

/// One operation on an agenda: schedule a job `delay_ms` after the current time, or pop one
/// (optionally no later than a bound `bound_in_ms` from the current time, maybe before it).
#[derive(Clone, Debug)]
enum AgendaOp {
    Push { delay_us: u64 },
    Pop { bound_in_us: Option<i64> },
}

fn agenda_op() -> impl Strategy<Value = AgendaOp> {
    prop_oneof![
        // Microseconds within the millisecond, whole milliseconds near and far, and both.
        3 => prop_oneof![Just(0u64), 0u64..4, 0u64..2_000, (0u64..2_000).prop_map(|ms| ms * 1000), (0u64..200, 0u64..1000).prop_map(|(ms, us)| ms * 1000 + us)]
            .prop_map(|delay_us| AgendaOp::Push { delay_us }),
        2 => proptest::option::of(prop_oneof![-3i64..5, -3_000i64..5_000]).prop_map(|bound_in_us| AgendaOp::Pop { bound_in_us }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The bucketed agenda pops exactly as one priority queue ordered by (time, scheduling
    /// order) would, bounds included.
    #[test]
    fn agenda_pops_as_a_priority_queue(ops in proptest::collection::vec(agenda_op(), 1..400)) {
        use queue_playground::engine::agenda::Agenda;
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut agenda: Agenda<u32> = Agenda::default();
        let mut reference: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        let mut now_us = 0u64;
        for (job, op) in ops.into_iter().enumerate() {
            let job = job as u32;
            match op {
                AgendaOp::Push { delay_us } => {
                    agenda.push(now_us + delay_us, job);
                    reference.push(Reverse((now_us + delay_us, job)));
                }
                AgendaOp::Pop { bound_in_us } => {
                    let bound = bound_in_us.map_or(u64::MAX, |b| now_us.saturating_add_signed(b));
                    let expected = match reference.peek() {
                        Some(&Reverse((at_ms, _))) if at_ms <= bound => reference.pop().map(|Reverse(e)| e),
                        _ => None,
                    };
                    let got = agenda.pop_due(bound);
                    prop_assert_eq!(got, expected);
                    prop_assert_eq!(agenda.peek_us(), reference.peek().map(|Reverse((at_us, _))| *at_us));
                    if let Some((at_us, _)) = got {
                        now_us = at_us;
                    }
                }
            }
        }
    }
}

/// The definition of AMQP topic matching, by backtracking: exponential in the number of
/// `#`s, so only for short patterns.
fn topic_matches_by_definition(pattern: &[&str], key: &[&str]) -> bool {
    match pattern.split_first() {
        None => key.is_empty(),
        Some((&"#", rest)) => (0..=key.len()).any(|skip| topic_matches_by_definition(rest, &key[skip..])),
        Some((&word, rest)) => match key.split_first() {
            Some((&first, key_rest)) => (word == "*" || word == first) && topic_matches_by_definition(rest, key_rest),
            None => false,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// The engine's table-driven topic matcher agrees with the definition.
    #[test]
    fn topic_matching_agrees_with_the_definition(
        pattern in prop::collection::vec(prop::sample::select(vec!["#", "*", "a", "b", ""]), 1..7),
        key in prop::collection::vec(prop::sample::select(vec!["a", "b", "c", ""]), 1..7),
    ) {
        let (pattern_text, key_text) = (pattern.join("."), key.join("."));
        prop_assert_eq!(
            queue_playground::systems::rabbitmq::broker::rabbit::topic_matches(&pattern_text, &key_text),
            topic_matches_by_definition(&pattern, &key),
            "pattern {:?} key {:?}", pattern_text, key_text
        );
    }
}
