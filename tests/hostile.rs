//! Hostile and careless input (issue 7): each case once crashed, hung, ran out of memory or
//! silently produced a wrong run. Every input must end in a correct run or a clear error
//! naming the field, within the stated limits, in bounded memory.

use queue_playground::systems::rabbitmq::broker::rabbit::topic_matches;
use queue_playground::engine::rng::{Rng, Stream};
use queue_playground::systems::rabbitmq::trace::{DiscardReason, Event, Limit};
use queue_playground::engine::{Finish, Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::*;

mod common;
use common::discarded;

fn scenario(json: &str) -> Scenario {
    Scenario::from_json(json).unwrap_or_else(|e| panic!("invalid test scenario: {e}\n{json}"))
}

/// Run step by step, checking at every step what must always hold: time never goes back,
/// conservation, and no running drop-head queue longer than its `x-max-length`.
fn run_checked(scenario: &Scenario) -> Sim {
    let mut sim = Sim::new(scenario).expect("valid");
    let mut last_ms = 0;
    while sim.step() {
        let now = sim.now_ms();
        assert!(now >= last_ms, "time went back from {last_ms} to {now} at step {}", sim.steps());
        last_ms = now;
        // Conservation walks every copy: at every step early on, then every 64th (and at the end).
        if sim.steps() < 2_000 || sim.steps().is_multiple_of(64) {
            sim.check_conservation().unwrap_or_else(|e| panic!("conservation at step {}: {e}", sim.steps()));
        }
        for (index, queue) in sim.broker().queues.iter().enumerate() {
            // A running drop-head queue; reject-publish ones may pass the limit by requeues.
            let running = sim.broker().queue_running(queue_playground::engine::ids::QueueId(index as u16));
            if let (Some(max), Overflow::DropHead, true) = (queue.spec.max_length, queue.spec.overflow, running) {
                assert!(queue.ready.len() <= max as usize, "{} holds {} > x-max-length {max} at step {}", queue.spec.name, queue.ready.len(), sim.steps());
            }
        }
    }
    sim.check_conservation().unwrap_or_else(|e| panic!("conservation at the end: {e}"));
    assert!(sim.trace().windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "the trace goes back in time");
    sim
}

fn validation_error(json: &str) -> String {
    match Scenario::from_json(json) {
        Ok(_) => panic!("accepted, but should be refused: {json}"),
        Err(e) => e.to_string(),
    }
}

// ----- panics -----

#[test]
fn a_random_draw_over_the_whole_u64_range_does_not_divide_by_zero() {
    let mut rng = Rng::new(1, Stream::Workload);
    let a = rng.up_to(u64::MAX);
    let b = rng.up_to(u64::MAX);
    assert_ne!(a, b, "two draws over the whole range");
    assert_eq!(rng.up_to(0), 0);
}

#[test]
fn retry_jitter_at_its_ceiling_retries_a_failed_publish() {
    // The producer connects while the only node is down: the publish path raises and retries.
    let json = format!(
        r#"{{"name":"jitter","queues":[{{"name":"q","durable":true}}],"actors":[
        {{"role":"producer","name":"p","queue":"q","messages":1,"retry":{{"attempts_max":2,"backoff_ms":10,"jitter_ms":{}}}}}],
        "faults":[{{"when":{{"at_ms":0}},"do":{{"stop_node":{{"node":0,"restart":true}}}}}}],
        "limits":{{"time_ms_max":{}}}}}"#,
        TIME_MS_MAX, TIME_MS_MAX
    );
    let sim = run_checked(&scenario(&json));
    let retries = sim.trace().iter().filter(|e| matches!(e.event, Event::PublishFailed { retry_in_ms: Some(_), .. })).count();
    assert!(retries >= 1, "the publish failed and was retried");
    assert!(sim.is_finished());
}

#[test]
fn u64_max_jitter_is_refused_with_the_field_named() {
    let error = validation_error(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","retry":{"attempts_max":2,"backoff_ms":10,"jitter_ms":18446744073709551615}}]}"#);
    assert_eq!(error, "actors[0].retry.jitter_ms: must be at most 4294967295 ms (about 49 days), got 18446744073709551615");
}

// ----- dead-letter cycles: stack overflow, unbounded memory, depth past max-length -----

/// Two queues of x-max-length 1 whose dead-letter fanout routes into both: once a
/// recursion without end. RabbitMQ's cycle detection drops a message coming back to a queue
/// it died in (no rejection on the way): the first queue keeps the newest message, the
/// second the one before, everything older is dropped.
#[test]
fn two_full_queues_dead_lettering_into_each_other_drop_the_cycling_messages() {
    let sim = run_checked(&scenario(
        r#"{"name":"two-cycle","exchanges":[{"name":"dlx","type":"fanout"}],
        "bindings":[{"exchange":"dlx","queue":"q1"},{"exchange":"dlx","queue":"q2"}],
        "queues":[{"name":"q1","durable":true,"max_length":1,"dead_letter_exchange":"dlx"},
                  {"name":"q2","durable":true,"max_length":1,"dead_letter_exchange":"dlx"}],
        "actors":[{"role":"producer","name":"p","queue":"q1","messages":6,"interval_ms":10}]}"#,
    ));
    assert_eq!(sim.finish(), Some(Finish::Quiescent));
    let report = Report::new(&sim, false);
    assert_eq!(report.queues[0].ready, vec![5], "q1 keeps the newest");
    assert_eq!(report.queues[1].ready, vec![4], "q2 keeps the one q1 dropped last");
    assert_eq!(discarded(&sim, DiscardReason::DeadLetterCycle), vec![0, 1, 2, 3], "each older one came back to q1 or q2: a cycle");
    let dead_lettered: Vec<(u32, String)> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDeadLettered { copy, to, .. } => Some((sim.ledger().messages[sim.ledger().message_of(copy).index()].data, sim.broker().queues[to.index()].spec.name.clone())),
            _ => None,
        })
        .collect();
    let expected: Vec<(u32, String)> = (0..5).map(|data| (data, "q2".to_string())).collect();
    assert_eq!(dead_lettered, expected, "each message dropped from q1 went to q2 only");
}

/// A queue of x-max-length 1 that dead-letters to itself: once out of memory at 20,000
/// messages. Each dropped head would come straight back: a cycle, dropped.
#[test]
fn a_full_queue_dead_lettering_to_itself_drops_each_head_once() {
    let sim = run_checked(&scenario(
        r#"{"name":"self-cycle","queues":[{"name":"q","durable":true,"max_length":1,"dead_letter_exchange":"","dead_letter_routing_key":"q"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":20000,"interval_ms":0}]}"#,
    ));
    assert_eq!(sim.finish(), Some(Finish::Quiescent));
    let report = Report::new(&sim, false);
    assert_eq!(report.queues[0].ready, vec![19_999]);
    let cycled = discarded(&sim, DiscardReason::DeadLetterCycle);
    assert!(cycled == (0..19_999).collect::<Vec<u32>>(), "dropped in the cycle: {} messages, the first {:?}", cycled.len(), &cycled[..cycled.len().min(5)]);
    // Work is linear in the messages: publish, enqueue, drop, and the producer's own events.
    assert!(sim.events() < 20_000 * 8, "{} events for 20,000 messages", sim.events());
}

/// A rejection breaks the cycle rule (a consumer takes part): RabbitMQ lets such a message
/// go round, and so do we, bounded by the step limit.
#[test]
fn a_rejected_message_may_cycle_and_the_step_limit_ends_it() {
    let sim = run_checked(&scenario(
        r#"{"name":"reject-cycle","queues":[{"name":"q","durable":true,"dead_letter_exchange":"","dead_letter_routing_key":"q"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":1},
                  {"role":"consumer","name":"c","queue":"q","auto_ack":false,"on_failure":"reject_drop","fail":{"data":[0]}}],
        "limits":{"steps_max":2000}}"#,
    ));
    assert_eq!(sim.finish(), Some(Finish::Limit(Limit::Steps)));
    let rounds = sim.trace().iter().filter(|e| matches!(e.event, Event::MessageDeadLettered { .. })).count();
    assert!(rounds > 100, "it went round {rounds} times");
    assert!(discarded(&sim, DiscardReason::DeadLetterCycle).is_empty());
}

/// An expiry cycle with TTL 0 (a queue dead-letters expired messages to itself): dropped on
/// the first lap, as RabbitMQ does.
#[test]
fn a_ttl_zero_self_cycle_drops_the_message_on_its_first_lap() {
    let sim = run_checked(&scenario(
        r#"{"name":"ttl-cycle","queues":[{"name":"q","durable":true,"message_ttl_ms":0,"dead_letter_exchange":"","dead_letter_routing_key":"q"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":3}]}"#,
    ));
    assert_eq!(sim.finish(), Some(Finish::Quiescent));
    assert_eq!(discarded(&sim, DiscardReason::DeadLetterCycle), vec![0, 1, 2]);
}

/// Eight full queues dead-lettering into one fanout bound to all of them: every dropped
/// head makes seven copies, each dropping another head. The amplification is real RabbitMQ
/// behaviour; what must hold is that each broker call does bounded work and the run stops
/// at its event limit, with every invariant intact on the way.
#[test]
fn a_dead_letter_amplifier_stops_at_the_event_limit() {
    let queues: Vec<String> = (0..8).map(|i| format!(r#"{{"name":"q{i}","durable":true,"max_length":1,"dead_letter_exchange":"dlx"}}"#)).collect();
    let bindings: Vec<String> = (0..8).flat_map(|i| [format!(r#"{{"exchange":"dlx","queue":"q{i}"}}"#), format!(r#"{{"exchange":"in","queue":"q{i}"}}"#)]).collect();
    let json = format!(
        r#"{{"name":"amplifier","exchanges":[{{"name":"dlx","type":"fanout"}},{{"name":"in","type":"fanout"}}],
        "queues":[{}],"bindings":[{}],
        "actors":[{{"role":"producer","name":"p","queue":"q0","exchange":"in","messages":5,"interval_ms":1}}],
        "limits":{{"events_max":50000}}}}"#,
        queues.join(","),
        bindings.join(",")
    );
    let sim = run_checked(&scenario(&json));
    assert!(sim.is_finished());
    // Between two limit checks one job records at most DEAD_LETTERS_PER_CALL dead letters,
    // each routed to at most one copy per queue, a handful of events each.
    let per_job = queue_playground::systems::rabbitmq::broker::rabbit::DEAD_LETTERS_PER_CALL * 8 * 6;
    assert!(sim.events() <= 50_000 + per_job, "{} events", sim.events());
}

// ----- topic matching -----

#[test]
fn topic_matching_with_many_hashes_is_polynomial_and_correct() {
    let key = (0..30).map(|i| format!("w{i}")).collect::<Vec<_>>().join(".");
    // Exponential for a backtracking matcher (over 20 s); here a table of 11 x 31 cells.
    assert!(!topic_matches("#.#.#.#.#.#.#.#.#.#.z", &key));
    assert!(topic_matches("#.#.#.#.#.#.#.#.#.#.w29", &key));
    let many = vec!["#"; 120].join(".") + ".nope";
    assert!(!topic_matches(&many, &key));
    for (pattern, key, expected) in [
        ("#", "", true),
        ("#", "a.b", true),
        ("*", "a", true),
        ("*", "a.b", false),
        ("a.*.c", "a.b.c", true),
        ("a.#.c", "a.c", true),
        ("a.#.c", "a.x.y.c", true),
        ("a.#", "a", true),
        ("#.a", "b.a.a", true),
        ("*.#.*", "a", false),
        ("*.#.*", "a.b", true),
        ("a.b", "a.b.c", false),
    ] {
        assert_eq!(topic_matches(pattern, key), expected, "{pattern:?} vs {key:?}");
    }
}

// ----- time and counts that wrapped -----

/// Every millisecond field at u64::MAX is refused, naming the field.
#[test]
fn every_time_field_at_u64_max_is_refused_by_name() {
    let max = u64::MAX;
    let base_queue = r#"{"name":"q","durable":true}"#;
    let producer = |extra: &str| format!(r#"{{"role":"producer","name":"p","queue":"q"{extra}}}"#);
    let consumer = |extra: &str| format!(r#"{{"role":"consumer","name":"c","queue":"q"{extra}}}"#);
    let cases: Vec<(String, &str)> = vec![
        (format!(r#""queues":[{base_queue}],"actors":[{}]"#, consumer(&format!(r#","work_ms":{max}"#))), "actors[0].work_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}]"#, producer(&format!(r#","interval_ms":{max}"#))), "actors[0].interval_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}]"#, consumer(&format!(r#","reconnect_ms":{max}"#))), "actors[0].reconnect_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}]"#, consumer(&format!(r#","start_ms":{max}"#))), "actors[0].start_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}]"#, producer(&format!(r#","retry":{{"attempts_max":1,"backoff_ms":{max}}}"#))), "actors[0].retry.backoff_ms"),
        (format!(r#""broker":{{"restart_delay_ms":{max}}},"queues":[{base_queue}],"actors":[{}]"#, consumer("")), "broker.restart_delay_ms"),
        (format!(r#""broker":{{"heartbeat_ms":{max}}},"queues":[{base_queue}],"actors":[{}]"#, consumer("")), "broker.heartbeat_ms"),
        (format!(r#""network":{{"reset_after_drop_ms":{max}}},"queues":[{base_queue}],"actors":[{}]"#, consumer("")), "network.reset_after_drop_ms"),
        (format!(r#""queues":[{{"name":"q","message_ttl_ms":{max}}}],"actors":[{}]"#, consumer("")), "queues[0].message_ttl_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}],"random_faults":{{"actor_restart_ms":{max}}}"#, consumer("")), "random_faults.actor_restart_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}],"random_faults":{{"until_ms":{max}}}"#, consumer("")), "random_faults.until_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}],"faults":[{{"when":{{"at_ms":{max}}},"do":{{"crash":"c"}}}}]"#, consumer("")), "faults[0].when.at_ms"),
        (format!(r#""queues":[{base_queue}],"actors":[{}],"faults":[{{"when":{{"at_ms":1}},"do":{{"slow":{{"actor":"c","work_ms":{max}}}}}}}]"#, consumer("")), "faults[0].do.slow.work_ms"),
    ];
    for (body, field) in cases {
        let error = validation_error(&format!(r#"{{"name":"x",{body}}}"#));
        assert_eq!(error, format!("{field}: must be at most 4294967295 ms (about 49 days), got {max}"), "for {field}");
    }
}

/// Times at their ceiling are accepted and never wrap: the run stops at its time limit with
/// the trace in order (in a debug build an overflow would panic here).
#[test]
fn times_at_their_ceiling_never_wrap() {
    let m = TIME_MS_MAX;
    let sim = run_checked(&scenario(&format!(
        r#"{{"name":"ceiling","broker":{{"restart_delay_ms":{m}}},"network":{{"reset_after_drop_ms":{m}}},
        "queues":[{{"name":"q","durable":true,"message_ttl_ms":{m}}}],
        "actors":[{{"role":"producer","name":"p","queue":"q","messages":2,"interval_ms":{m}}},
                  {{"role":"consumer","name":"c","queue":"q","auto_ack":false,"work_ms":{m},"reconnect_ms":{m}}}],
        "faults":[{{"when":{{"at_ms":5}},"do":{{"slow":{{"actor":"c","work_ms":{m}}}}}}},
                  {{"when":{{"at_ms":6}},"do":{{"drop_next":{{"from":"c","to":"rabbit@0"}}}}}},
                  {{"when":{{"at_ms":7}},"do":{{"crash_node":{{"node":0,"restart":true}}}}}}],
        "random_faults":{{"consumer_crash":{{"numerator":1,"denominator":3}},"actor_restart_ms":{m},"until_ms":{m}}},
        "limits":{{"time_ms_max":{m}}}}}"#
    )));
    assert!(sim.is_finished());
    // The TTL of about 49 days did not expire the first message at once.
    assert!(discarded(&sim, DiscardReason::Expired).is_empty());
    assert!(sim.trace().iter().all(|e| u64::from(e.at_ms) <= m));
}

#[test]
fn a_payload_past_u32_is_refused_and_the_last_one_that_fits_is_kept() {
    let error = validation_error(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","messages":2,"first_data":4294967295}]}"#);
    assert_eq!(error, "actors[0].first_data: the last payload first_data + messages - 1 must be at most 4294967295, got first_data 4294967295 and 2 messages");
    let sim = run_checked(&scenario(
        r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","messages":2,"first_data":4294967294},{"role":"consumer","name":"c","queue":"q"}]}"#,
    ));
    let report = Report::new(&sim, false);
    assert_eq!(report.messages.iter().map(|m| m.data).collect::<Vec<_>>(), vec![4_294_967_294, 4_294_967_295]);
    assert!(report.messages.iter().all(|m| !matches!(m.verdict, queue_playground::engine::Verdict::OutOfOrder)));
}

/// A poison message requeued forever is delivered (and printed) more than 65,535 times; the
/// counts must be the true ones (they once wrapped in 16 bits: 4,814 reported for 1,249,999).
/// Its processing fails every time, so its effect is never applied.
#[test]
fn counts_do_not_wrap_in_a_long_poison_loop() {
    let sim = run_checked(&scenario(
        r#"{"name":"poison-loop","queues":[{"name":"q","durable":true}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":1},
                  {"role":"consumer","name":"c","queue":"q","auto_ack":false,"on_failure":"nack_requeue","fail":{"data":[0]}}],
        "limits":{"steps_max":700000}}"#,
    ));
    let delivered = sim.trace().iter().filter(|e| matches!(e.event, Event::MessageDelivered { .. })).count();
    assert!(delivered > 65_536, "the loop ran {delivered} times");
    assert_eq!(sim.checker().stats[0].deliveries as usize, delivered);
    let report = Report::new(&sim, false);
    assert_eq!(report.messages[0].deliveries.len(), delivered);
    assert_eq!(report.messages[0].effects, 0, "its processing failed every time");
}

// ----- limits a machine can honour -----

#[test]
fn limits_past_what_a_browser_tab_holds_are_refused() {
    let consumer = r#""queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]"#;
    for (limits, expected) in [
        (r#"{"messages_max":10000000}"#, "limits.messages_max: must be at most 1000000 (a run must fit in a browser tab), got 10000000"),
        (r#"{"steps_max":200000000}"#, "limits.steps_max: must be between 1 and 50000000 (a run must fit in a browser tab), got 200000000"),
        (r#"{"events_max":20000001}"#, "limits.events_max: must be between 1 and 20000000 (a run must fit in a browser tab), got 20000001"),
    ] {
        assert_eq!(validation_error(&format!(r#"{{"name":"x",{consumer},"limits":{limits}}}"#)), expected);
    }
    let error = validation_error(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","messages":10000000}]}"#);
    assert_eq!(error, "actors[0].messages: at most 1000000 messages, got 10000000");
}

#[test]
fn the_event_limit_stops_a_run_and_says_so() {
    let mut sim = Sim::new(&scenario(
        r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","messages":100},{"role":"consumer","name":"c","queue":"q"}],"limits":{"events_max":50}}"#,
    ))
    .expect("valid");
    sim.run_until(Until::Quiescence);
    assert_eq!(sim.finish(), Some(Finish::Limit(Limit::Events)));
    assert!(matches!(sim.trace().last().map(|e| e.event), Some(Event::LimitReached { limit: Limit::Events })));
    assert!(sim.events() <= 50 + 8, "{} events", sim.events());
}

#[test]
fn names_and_keys_longer_than_an_amqp_short_string_are_refused() {
    let long = "k".repeat(256);
    let error = validation_error(&format!(r#"{{"name":"x","queues":[{{"name":"q"}}],"actors":[{{"role":"producer","name":"p","queue":"q","routing_key":"{long}"}}]}}"#));
    assert_eq!(error, "actors[0].routing_key: must be at most 255 bytes (an AMQP short string), got 256");
}

/// A name of 10,000 characters is not echoed back whole in an error.
#[test]
fn errors_do_not_echo_huge_names() {
    let ghost = "g".repeat(10_000);
    let error = validation_error(&format!(r#"{{"name":"x","queues":[{{"name":"q"}}],"actors":[{{"role":"consumer","name":"c","queue":"q"}}],"faults":[{{"when":{{"at_ms":1}},"do":{{"crash":"{ghost}"}}}}]}}"#));
    assert_eq!(error, format!("faults[0].do: no actor is named \"{}…\"", "g".repeat(40)));
}

/// A requeue into a full queue: RabbitMQ requeues, then `maybe_drop_head` drops from the head
/// of a drop-head queue until it fits (the requeued messages are at the head again); a
/// reject-publish queue refuses only new publishes, so it stays over its limit. The long fuzz
/// found the first case exceeding the limit.
#[test]
fn a_requeue_into_a_full_queue_drops_its_head_or_overfills_a_reject_publish_queue() {
    for (overflow, ready, dropped) in [("drop-head", vec![2, 3], vec![0, 1]), ("reject-publish", vec![0, 1, 2, 3], vec![])] {
        let sim = run_checked(&scenario(&format!(
            r#"{{"name":"requeue-full","queues":[{{"name":"q","durable":true,"max_length":2,"overflow":"{overflow}"}}],
            "actors":[{{"role":"producer","name":"p","queue":"q","messages":4,"interval_ms":10}},
                      {{"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":2,"work_ms":1000}}],
            "faults":[{{"when":{{"at_ms":500}},"do":{{"crash":"c"}}}}]}}"#
        )));
        let report = Report::new(&sim, false);
        assert_eq!(report.queues[0].ready, ready, "{overflow}");
        assert_eq!(discarded(&sim, DiscardReason::MaxLength), dropped, "{overflow}");
    }
}
