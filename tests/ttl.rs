//! Per-message TTL (`expiration`) beside the queue's `x-message-ttl`, as RabbitMQ 3.10.8 does
//! it (each rule observed on the real broker with pika 1.3.2; see `src/engine/broker/rabbit.rs`):
//! the lower TTL wins; only the head of a queue expires, so a long-lived head shields what is
//! behind it; a deadline is fixed when the message enters the queue and survives a requeue; a
//! message whose TTL passed while it was unacked is dropped (or dead-lettered) as soon as it is
//! requeued to the head, never redelivered; `expiration='0'` reaches only a waiting consumer;
//! a dead letter loses its `expiration`. Quorum queues behave the same. Each test pins the
//! exact outcome (which messages expire, when, which are delivered, with which `redelivered`).

use queue_playground::systems::rabbitmq::trace::{DeathReason, DiscardReason, Event};
use queue_playground::engine::{Until, Verdict};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::i18n::{describe, Lang};
use queue_playground::report::Report;
use queue_playground::scenario::*;

mod common;
use common::discarded;

fn sim_of(json: &str) -> Sim {
    let scenario = Scenario::from_json(json).unwrap_or_else(|e| panic!("invalid test scenario: {e}"));
    Sim::new(&scenario).expect("valid")
}

fn run_json(json: &str) -> (Sim, Report) {
    let mut sim = sim_of(json);
    sim.run_until(Until::Quiescence);
    sim.check_conservation().expect("conservation");
    let report = Report::new(&sim, false);
    (sim, report)
}

/// Every delivery in trace order: (data, consumer, redelivered).
fn deliveries(sim: &Sim) -> Vec<(u32, String, bool)> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDelivered { copy, actor, redelivered, .. } => {
                let data = sim.ledger().messages[sim.ledger().message_of(copy).index()].data;
                Some((data, sim.setup().actors[actor.index()].spec.name().to_string(), redelivered))
            }
            _ => None,
        })
        .collect()
}

fn d(data: u32, consumer: &str, redelivered: bool) -> (u32, String, bool) {
    (data, consumer.to_string(), redelivered)
}

/// (data, at_ms) of each expiry discard (either TTL), in trace order.
fn expiries(sim: &Sim) -> Vec<(u32, u64, DiscardReason)> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDiscarded { copy, reason: reason @ (DiscardReason::Expired | DiscardReason::MessageExpired) } => {
                Some((sim.ledger().messages[sim.ledger().message_of(copy).index()].data, u64::from(e.at_ms), reason))
            }
            _ => None,
        })
        .collect()
}

/// When the copy of `data` entered a queue (its last `MessageEnqueued`).
fn enqueued_at(sim: &Sim, data: u32) -> u64 {
    sim.trace()
        .iter()
        .rev()
        .find_map(|e| match e.event {
            Event::MessageEnqueued { copy, .. } if sim.ledger().messages[sim.ledger().message_of(copy).index()].data == data => Some(u64::from(e.at_ms)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{data} was never enqueued"))
}

#[test]
fn a_short_ttl_behind_a_long_one_outlives_its_ttl_and_is_dropped_when_it_reaches_the_head() {
    // Observed: 60 s then 100 ms published, depth 2 at 500 ms; a fetch returns the first and
    // the queue is then empty: the second is never delivered.
    let json = r#"{"name":"shield","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"long","queue":"q","messages":1,"expiration_ms":60000},
        {"role":"producer","name":"short","queue":"q","messages":1,"expiration_ms":100,"start_ms":50,"first_data":1},
        {"role":"consumer","name":"c","queue":"q","auto_ack":false,"start_ms":1000}]}"#;
    let mut sim = sim_of(json);
    sim.run_until(Until::TimeMs(900));
    let report = Report::new(&sim, false);
    assert_eq!(report.queues[0].ready, vec![0, 1], "1's 100 ms passed at ~157 ms, but 0 is at the head");
    sim.run_until(Until::Quiescence);
    sim.check_conservation().expect("conservation");
    assert_eq!(deliveries(&sim), vec![d(0, "c", false)]);
    let delivered_at = sim.trace().iter().find(|e| matches!(e.event, Event::MessageDelivered { .. })).map(|e| u64::from(e.at_ms)).unwrap();
    assert_eq!(expiries(&sim), vec![(1, delivered_at, DiscardReason::MessageExpired)], "dropped right after the fetch of 0");
    let report = Report::new(&sim, false);
    assert_eq!(report.data_with(Verdict::Expired), vec![1]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0]);
}

#[test]
fn a_message_at_the_head_expires_at_its_deadline_to_the_millisecond() {
    let (sim, _) = run_json(
        r#"{"name":"head","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"p","queue":"q","messages":2,"interval_ms":50,"expiration_ms":200}]}"#,
    );
    let (t0, t1) = (enqueued_at(&sim, 0), enqueued_at(&sim, 1));
    assert_eq!(expiries(&sim), vec![(0, t0 + 200, DiscardReason::MessageExpired), (1, t1 + 200, DiscardReason::MessageExpired)]);
}

#[test]
fn the_lower_of_the_queue_ttl_and_the_message_expiration_wins_and_is_named() {
    // Queue TTL 300 ms; one producer's messages say 100 ms, the other's 5000 ms.
    let (sim, report) = run_json(
        r#"{"name":"lower","queues":[{"name":"a","durable":true,"message_ttl_ms":300},{"name":"b","durable":true,"message_ttl_ms":300}],"actors":[
        {"role":"producer","name":"short","queue":"a","messages":1,"expiration_ms":100},
        {"role":"producer","name":"long","queue":"b","messages":1,"expiration_ms":5000,"first_data":1}]}"#,
    );
    let (t0, t1) = (enqueued_at(&sim, 0), enqueued_at(&sim, 1));
    assert_eq!(expiries(&sim), vec![(0, t0 + 100, DiscardReason::MessageExpired), (1, t1 + 300, DiscardReason::Expired)]);
    assert_eq!(report.data_with(Verdict::Expired), vec![0, 1]);
    let texts: Vec<String> = sim.trace().iter().filter(|e| matches!(e.event, Event::MessageDiscarded { .. })).map(|e| describe(&e.event, &sim, Lang::En)).collect();
    assert_eq!(texts, vec!["{'data': 0} was lost: its own TTL (expiration) ran out", "{'data': 1} was lost: the queue's TTL (x-message-ttl) ran out"]);
    let causes: Vec<String> = report.messages.iter().map(|m| m.cause.as_ref().expect("expired").text.clone()).collect();
    assert_eq!(
        causes,
        vec![
            "its own TTL (the expiration it was published with) ran out while it waited in the queue",
            "the queue's TTL (x-message-ttl) ran out while it waited in the queue"
        ]
    );
}

#[test]
fn expiration_zero_reaches_a_waiting_consumer_and_nothing_else() {
    // Observed (classic and quorum): delivered to a consumer waiting when it arrives; with
    // none, gone at once; behind a live message, it waits and is dropped at the head.
    let (sim, report) = run_json(
        r#"{"name":"zero","queues":[{"name":"a","durable":true},{"name":"b","durable":true}],"actors":[
        {"role":"consumer","name":"c","queue":"a","auto_ack":true},
        {"role":"producer","name":"to-consumer","queue":"a","messages":1,"expiration_ms":0,"start_ms":100},
        {"role":"producer","name":"alone","queue":"b","messages":1,"expiration_ms":0,"start_ms":100,"first_data":1}]}"#,
    );
    assert_eq!(deliveries(&sim), vec![d(0, "c", false)]);
    assert_eq!(expiries(&sim), vec![(1, enqueued_at(&sim, 1), DiscardReason::MessageExpired)]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0]);

    let json = r#"{"name":"zero-behind","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"long","queue":"q","messages":1,"expiration_ms":60000},
        {"role":"producer","name":"zero","queue":"q","messages":1,"expiration_ms":0,"start_ms":50,"first_data":1},
        {"role":"consumer","name":"c","queue":"q","auto_ack":false,"start_ms":1000}]}"#;
    let mut sim = sim_of(json);
    sim.run_until(Until::TimeMs(900));
    assert_eq!(Report::new(&sim, false).queues[0].ready, vec![0, 1]);
    sim.run_until(Until::Quiescence);
    assert_eq!(deliveries(&sim), vec![d(0, "c", false)]);
    assert_eq!(Report::new(&sim, false).data_with(Verdict::Expired), vec![1]);
}

#[test]
fn a_message_whose_ttl_passed_while_unacked_is_dropped_when_a_crash_requeues_it() {
    // 500 ms TTL, delivered at once, the consumer works 800 ms and dies before its ack: the
    // requeue puts it back at the head, past its deadline, and it goes at once.
    let (sim, report) = run_json(include_str!("conformance/scenarios/ttl-requeue-after-expiry.json"));
    assert_eq!(deliveries(&sim), vec![d(0, "consumer", false), d(1, "consumer-2", false), d(2, "consumer-2", false)]);
    let requeued_at = sim.trace().iter().find(|e| matches!(e.event, Event::MessageRequeued { .. })).map(|e| u64::from(e.at_ms)).unwrap();
    assert_eq!(expiries(&sim), vec![(0, requeued_at, DiscardReason::MessageExpired)]);
    assert!(requeued_at > enqueued_at(&sim, 0) + 500);
    assert_eq!(report.messages[0].copies[0].reason.as_deref(), Some("message_expired"));
}

#[test]
fn the_quorum_queue_drops_it_the_same_way() {
    let (sim, _) = run_json(include_str!("conformance/scenarios/ttl-requeue-after-expiry-quorum.json"));
    assert_eq!(deliveries(&sim), vec![d(0, "consumer", false), d(1, "consumer-2", false), d(2, "consumer-2", false)]);
    assert_eq!(expiries(&sim).iter().map(|e| (e.0, e.2)).collect::<Vec<_>>(), vec![(0, DiscardReason::MessageExpired)]);
}

#[test]
fn a_nack_with_requeue_after_the_ttl_passed_drops_it_instead_of_redelivering_it() {
    // The consumer holds 0 (no TTL) and 1 (300 ms); 0 takes 600 ms, then 1 fails and is
    // nacked with requeue=True, past its deadline: it is not redelivered.
    let (sim, report) = run_json(include_str!("conformance/scenarios/ttl-nack-after-expiry.json"));
    assert_eq!(deliveries(&sim), vec![d(0, "consumer", false), d(1, "consumer", false), d(2, "consumer", false)]);
    let nacked_at = sim.trace().iter().find(|e| matches!(e.event, Event::NackSent { .. })).map(|e| u64::from(e.at_ms)).unwrap();
    assert_eq!(expiries(&sim), vec![(1, nacked_at + 1, DiscardReason::MessageExpired)]);
    assert_eq!(report.data_with(Verdict::Expired), vec![1]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 2]);
}

#[test]
fn a_requeued_message_keeps_its_original_deadline() {
    // 1000 ms TTL; taken at once, requeued by a crash at ~300 ms, nobody consumes it: it
    // expires 1000 ms after it was published, not 1000 ms after the requeue.
    let (sim, _) = run_json(
        r#"{"name":"keep","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"p","queue":"q","messages":1,"expiration_ms":1000},
        {"role":"consumer","name":"c","queue":"q","auto_ack":false,"work_ms":300}],
        "faults":[{"when":{"before":{"actor":"c","op":"basic_ack","occurrence":1}},"do":{"crash":"c"}}]}"#,
    );
    assert_eq!(expiries(&sim), vec![(0, enqueued_at(&sim, 0) + 1000, DiscardReason::MessageExpired)]);
    let requeued_at = sim.trace().iter().find(|e| matches!(e.event, Event::MessageRequeued { .. })).map(|e| u64::from(e.at_ms)).unwrap();
    assert!(requeued_at < enqueued_at(&sim, 0) + 1000);
}

#[test]
fn a_long_lived_message_requeued_ahead_of_an_expired_one_shields_it_until_the_next_fetch() {
    // Observed: 5000 ms and 300 ms, both unacked past 300 ms, channel closed: depth 2; a fetch
    // returns the first (redelivered) and the second is gone.
    let json = r#"{"name":"shield-requeue","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"long","queue":"q","messages":1,"expiration_ms":5000},
        {"role":"producer","name":"short","queue":"q","messages":1,"expiration_ms":300,"start_ms":10,"first_data":1},
        {"role":"consumer","name":"c","queue":"q","auto_ack":false,"work_ms":600,"start_ms":50},
        {"role":"consumer","name":"c2","queue":"q","auto_ack":false,"start_ms":2000}],
        "faults":[{"when":{"before":{"actor":"c","op":"basic_ack","occurrence":1}},"do":{"crash":"c"}}]}"#;
    let mut sim = sim_of(json);
    sim.run_until(Until::TimeMs(1500));
    assert_eq!(Report::new(&sim, false).queues[0].ready, vec![0, 1], "1 is past its deadline, behind 0");
    sim.run_until(Until::Quiescence);
    sim.check_conservation().expect("conservation");
    assert_eq!(deliveries(&sim), vec![d(0, "c", false), d(1, "c", false), d(0, "c2", true)]);
    assert_eq!(expiries(&sim).iter().map(|e| (e.0, e.2)).collect::<Vec<_>>(), vec![(1, DiscardReason::MessageExpired)]);
}

#[test]
fn the_queue_ttl_also_drops_a_message_requeued_after_its_deadline() {
    let (sim, report) = run_json(
        r#"{"name":"queue-ttl-requeue","queues":[{"name":"q","durable":true,"message_ttl_ms":300}],"actors":[
        {"role":"producer","name":"p","queue":"q","messages":1},
        {"role":"consumer","name":"c","queue":"q","auto_ack":false,"work_ms":600},
        {"role":"consumer","name":"c2","queue":"q","auto_ack":false,"start_ms":2000}],
        "faults":[{"when":{"before":{"actor":"c","op":"basic_ack","occurrence":1}},"do":{"crash":"c"}}]}"#,
    );
    assert_eq!(deliveries(&sim), vec![d(0, "c", false)]);
    assert_eq!(discarded(&sim, DiscardReason::Expired), vec![0]);
    assert_eq!(report.queues[0].depth, 0);
}

#[test]
fn a_deadline_survives_a_broker_restart_and_what_expired_meanwhile_goes_at_the_restart() {
    // Observed (persistent messages, durable queues, `rabbitmqctl stop_app` then `start_app`):
    // 1500 ms had passed at the restart and was gone; 9000 ms was there after the restart
    // and gone at its original deadline.
    let (sim, _) = run_json(
        r#"{"name":"restart","broker":{"restart_delay_ms":3000},"queues":[{"name":"a","durable":true},{"name":"b","durable":true}],"actors":[
        {"role":"producer","name":"short","queue":"a","messages":1,"delivery_mode":2,"expiration_ms":1500},
        {"role":"producer","name":"long","queue":"b","messages":1,"delivery_mode":2,"expiration_ms":9000,"first_data":1}],
        "faults":[{"when":{"at_ms":500},"do":{"stop_node":{"node":0,"restart":true}}}]}"#,
    );
    let started = sim.trace().iter().find(|e| matches!(e.event, Event::NodeStarted { .. })).map(|e| u64::from(e.at_ms)).unwrap();
    assert_eq!(started, 3_500);
    assert_eq!(expiries(&sim), vec![(0, started, DiscardReason::MessageExpired), (1, enqueued_at(&sim, 1) + 9_000, DiscardReason::MessageExpired)]);
}

#[test]
fn an_expired_message_is_dead_lettered_without_its_expiration_and_the_narration_names_the_ttl() {
    // Observed: in the DLQ it has no `expiration` (x-death keeps `original-expiration`), so
    // it stays there; a DLQ with its own TTL expires it by that TTL.
    let (sim, report) = run_json(
        r#"{"name":"dlx","queues":[{"name":"q","durable":true,"dead_letter_exchange":"dlx"},
            {"name":"dlq","durable":true,"dead_letter_exchange":"dlx2"},{"name":"dlq2","durable":true,"message_ttl_ms":1000},
            {"name":"dlq3","durable":true}],
        "exchanges":[{"name":"dlx","type":"fanout"},{"name":"dlx2","type":"fanout"}],
        "bindings":[{"exchange":"dlx","queue":"dlq"},{"exchange":"dlx2","queue":"dlq3"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":1,"expiration_ms":100},
                  {"role":"producer","name":"p2","queue":"dlq2","messages":1,"expiration_ms":5000,"first_data":1}]}"#,
    );
    let dead: Vec<(DeathReason, bool)> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDeadLettered { reason, own_ttl, .. } => Some((reason, own_ttl)),
            _ => None,
        })
        .collect();
    assert_eq!(dead, vec![(DeathReason::Expired, true)]);
    let text = sim.trace().iter().find(|e| matches!(e.event, Event::MessageDeadLettered { .. })).map(|e| describe(&e.event, &sim, Lang::En)).unwrap();
    assert_eq!(text, "{'data': 0} expired (its own TTL (expiration) ran out) and was dead-lettered to dlq");
    let zh = sim.trace().iter().find(|e| matches!(e.event, Event::MessageDeadLettered { .. })).map(|e| describe(&e.event, &sim, Lang::Zh)).unwrap();
    assert!(zh.contains("expiration") && zh.contains("dlq"), "{zh}");
    assert_eq!(report.queues[1].ready, vec![0], "the dead letter has no TTL left");
    assert_eq!(expiries(&sim), vec![(1, enqueued_at(&sim, 1) + 1000, DiscardReason::Expired)]);
}

#[test]
fn the_producer_code_sets_expiration_beside_its_other_properties() {
    let json = r#"{"name":"code","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"p","queue":"q","messages":1,"delivery_mode":2,"expiration_ms":60000,"retry":{"attempts_max":2,"backoff_ms":100}}]}"#;
    let sim = sim_of(json);
    let code = sim.setup().actors[0].program.code.join("\n");
    assert!(
        code.contains("channel.basic_publish(exchange='', routing_key='q', body=json.dumps(message), properties=pika.BasicProperties(delivery_mode=2, expiration='60000', message_id='p-' + str(i)))"),
        "{code}"
    );
    let plain = sim_of(r#"{"name":"code","queues":[{"name":"q","durable":true}],"actors":[{"role":"producer","name":"p","queue":"q","messages":1,"expiration_ms":0}]}"#);
    let code = plain.setup().actors[0].program.code.join("\n");
    assert!(code.contains("body=json.dumps(message), properties=pika.BasicProperties(expiration='0'))"), "{code}");
}

#[test]
fn an_expiration_beyond_the_time_limit_is_refused_naming_the_field() {
    let error = Scenario::from_json(
        r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","expiration_ms":4294967296}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(error, "actors[0].expiration_ms: must be at most 4294967295 ms (about 49 days), got 4294967296");
    let error = Scenario::from_json(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","expiration_ms":-1}]}"#)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("actors[0].expiration_ms: "), "{error}");
}

#[test]
fn a_scenario_without_expiration_saves_as_before() {
    let scenario = Scenario::from_json(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q"}]}"#).unwrap();
    assert!(!scenario.to_json().contains("expiration"), "an unset expiration is not written");
    let with = Scenario::from_json(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","expiration_ms":250}]}"#).unwrap();
    assert_eq!(Scenario::from_json(&with.to_json()).unwrap().actors, with.actors, "it round-trips");
}

mod property {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A small world with TTLs everywhere: two producers with or without `expiration`, a
    /// queue with or without `x-message-ttl`, max-length and a dead-letter queue with its own
    /// TTL, consumers that fail, nack, requeue and crash.
    #[allow(clippy::too_many_arguments)]
    fn scenario(
        seed: u64,
        quorum: bool,
        queue_ttl: Option<u64>,
        max_length: Option<u32>,
        dlq_ttl: Option<u64>,
        expirations: (Option<u64>, Option<u64>),
        producers: ((u32, u64, u64), (u32, u64, u64)),
        consumer: (bool, Option<u16>, u64, u64, u8),
        crash_ms: Option<u64>,
    ) -> Scenario {
        let mut q = QueueSpec::new("q", true);
        q.queue_type = if quorum { QueueType::Quorum } else { QueueType::Classic };
        q.message_ttl_ms = queue_ttl;
        q.max_length = max_length;
        q.dead_letter_exchange = Some("dlx".into());
        let mut dlq = QueueSpec::new("dlq", true);
        dlq.message_ttl_ms = dlq_ttl;
        let mut actors = Vec::new();
        for (i, (expiration, (messages, interval_ms, start_ms))) in [(expirations.0, producers.0), (expirations.1, producers.1)].into_iter().enumerate() {
            let mut p = ProducerSpec::article(&format!("p{i}"));
            p.queue = "q".into();
            (p.messages, p.interval_ms, p.start_ms, p.expiration_ms, p.first_data) = (messages, interval_ms, start_ms, expiration, 100 * i as u32);
            actors.push(ActorSpec::Producer(p));
        }
        let (auto_ack, prefetch_count, work_ms, start_ms, failure) = consumer;
        let mut c = ConsumerSpec::article("c");
        c.queue = "q".into();
        (c.auto_ack, c.prefetch_count, c.work_ms, c.start_ms) = (auto_ack, prefetch_count, work_ms, start_ms);
        if !auto_ack {
            c.on_failure = [OnFailure::NackRequeue, OnFailure::RejectRequeue, OnFailure::NackDrop, OnFailure::Crash][usize::from(failure % 4)];
            c.fail = Some(FailSpec { data: vec![1, 101], attempts: Some(2), after_work: false });
        }
        actors.push(ActorSpec::Consumer(c));
        let mut c2 = ConsumerSpec::article("c2");
        c2.queue = "q".into();
        (c2.auto_ack, c2.start_ms) = (false, start_ms + 700);
        actors.push(ActorSpec::Consumer(c2));
        Scenario {
            format: None,
            name: "ttl-property".into(),
            title: String::new(),
            seed,
            broker: BrokerSpec::default(),
            network: NetworkSpec { latency_ms: 1, jitter_ms: 3, reset_after_drop_ms: 20 },
            costs: Default::default(),
            queues: vec![q, dlq],
            exchanges: vec![ExchangeSpec { name: "dlx".into(), exchange_type: ExchangeType::Fanout, exists_at_start: true }],
            bindings: vec![BindingSpec { exchange: "dlx".into(), queue: "dlq".into(), routing_key: String::new() }],
            actors,
            faults: crash_ms.map(|at_ms| FaultSpec { when: Trigger::AtMs(at_ms), action: FaultAction::Crash("c".into()) }).into_iter().collect(),
            random_faults: None,
            limits: Limits { steps_max: 200_000, ..Limits::default() },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

        /// Read from the trace alone: a copy's deadline is set when it enters a queue (the
        /// lower of the queue's TTL and, unless it was dead-lettered, its own `expiration`).
        /// No copy is delivered after its deadline, and none expires before it.
        #[test]
        fn nothing_is_delivered_after_its_deadline_or_expires_before_it(
            seed in 0u64..1_000,
            quorum in any::<bool>(),
            queue_ttl in proptest::option::weighted(0.5, 0u64..600),
            max_length in proptest::option::weighted(0.2, 1u32..4),
            dlq_ttl in proptest::option::weighted(0.5, 0u64..600),
            expirations in (proptest::option::weighted(0.7, 0u64..600), proptest::option::weighted(0.7, 0u64..600)),
            producers in ((0u32..6, 0u64..150, 0u64..300), (0u32..6, 0u64..150, 0u64..300)),
            consumer in (any::<bool>(), proptest::option::of(1u16..4), 0u64..400, 0u64..900, any::<u8>()),
            crash_ms in proptest::option::weighted(0.4, 0u64..1_500),
        ) {
            let s = scenario(seed, quorum, queue_ttl, max_length, dlq_ttl, expirations, producers, consumer, crash_ms);
            let mut sim = Sim::new(&s).expect("valid");
            sim.run_until(Until::Quiescence);
            sim.check_conservation().expect("conservation");
            let own = |data: u32| if data < 100 { expirations.0 } else { expirations.1 };
            let mut dead: Vec<bool> = Vec::new();
            let mut deadline: BTreeMap<u32, Option<u64>> = BTreeMap::new();
            let ledger = sim.ledger();
            let data_of = |copy: queue_playground::engine::ids::CopyId| ledger.messages[ledger.message_of(copy).index()].data;
            for e in sim.trace() {
                let at = u64::from(e.at_ms);
                match e.event {
                    Event::MessageCopied { copy, from, .. } => {
                        let was = dead.get(from.index()).copied().unwrap_or(false);
                        if dead.len() <= copy.index() { dead.resize(copy.index() + 1, false); }
                        dead[copy.index()] = was;
                    }
                    Event::MessageDeadLettered { copy, reason, .. } => {
                        if reason == DeathReason::Expired {
                            let due = deadline.get(&copy.0).copied().flatten();
                            prop_assert!(due.is_some_and(|due| at >= due), "{{'data': {}}} expired at {at} ms, due {due:?}\n{}", data_of(copy), s.to_json());
                        }
                        if dead.len() <= copy.index() { dead.resize(copy.index() + 1, false); }
                        dead[copy.index()] = true;
                    }
                    Event::MessageEnqueued { copy, queue } => {
                        let queue_ttl = s.queues[queue.index()].message_ttl_ms;
                        let own = if dead.get(copy.index()).copied().unwrap_or(false) { None } else { own(data_of(copy)) };
                        let ttl = match (queue_ttl, own) { (Some(a), Some(b)) => Some(a.min(b)), (a, b) => a.or(b) };
                        deadline.insert(copy.0, ttl.map(|t| at + t));
                    }
                    Event::MessageDelivered { copy, .. } => {
                        if let Some(Some(due)) = deadline.get(&copy.0) {
                            prop_assert!(at <= *due, "{{'data': {}}} delivered at {at} ms, due at {due} ms\n{}", data_of(copy), s.to_json());
                        }
                    }
                    Event::MessageDiscarded { copy, reason: DiscardReason::Expired | DiscardReason::MessageExpired } => {
                        let due = deadline.get(&copy.0).copied().flatten();
                        prop_assert!(due.is_some_and(|due| at >= due), "{{'data': {}}} expired at {at} ms, due {due:?}\n{}", data_of(copy), s.to_json());
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn the_settings_panel_sets_the_producers_expiration_and_the_share_link_carries_it() {
    use queue_playground::scenario::settings::Settings;
    use queue_playground::share::{decode, encode, ShareState};
    use queue_playground::tour::{chapter, title_note};
    let article = chapter("consumer-crash").expect("a chapter");
    let written = Settings::of(&queue_playground::scenario::catalog::get(article.scenario).unwrap());
    assert_eq!(written.expiration_ms, None);
    let short = Settings { expiration_ms: Some(500), ..written.clone() };
    let s = article.scenario(&short, 1).expect("valid settings");
    assert_eq!(Settings::of(&s), short);
    let producer = s.actors.iter().find(|a| matches!(a, ActorSpec::Producer(_))).unwrap();
    let code = queue_playground::systems::rabbitmq::program::of(&s, producer).unwrap().code.join("\n");
    assert!(code.contains("properties=pika.BasicProperties(expiration='500'))"), "{code}");
    assert_eq!(title_note(&written, &short, Lang::En).as_deref(), Some("as written: expiration=None; you changed: expiration='500'"));
    let state = |settings: Settings| ShareState { v: 1, engine: "x".into(), chapter: "consumer-crash".into(), settings, seed: 1, faults: vec![], step: 0, lang: "en".into(), system: Default::default(), kafka: None, zeromq: None };
    assert_eq!(decode(&encode(&state(short.clone()))).unwrap().settings, short);
    let plain = encode(&state(written.clone()));
    assert!(!String::from_utf8_lossy(&base64_decode(&plain)).contains("expiration"), "an unset expiration stays out of the link");
    let error = Settings { expiration_ms: Some(TIME_MS_MAX + 1), ..written }.apply(&s).unwrap_err().to_string();
    assert_eq!(error, "settings.expiration_ms: must be at most 4294967295 ms (about 49 days), got 4294967296");
}

/// The JSON inside a share code (URL-safe base64 without padding).
fn base64_decode(code: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(code).expect("a share code is base64")
}

#[test]
fn every_ttl_conformance_scenario_file_is_valid_and_its_outcome_is_pinned() {
    // The files `scripts/test.sh` gives the conformance layer (it runs them on the real
    // broker); here, the engine's side of each, so a change shows up before that layer.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/scenarios");
    // The TTL ones (`tests/declares.rs` and `tests/semantics.rs` pin the others).
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("ttl-"))
        .collect();
    names.sort();
    let mut outcomes = Vec::new();
    for name in &names {
        let (sim, report) = run_json(&std::fs::read_to_string(dir.join(name)).unwrap());
        assert_eq!(format!("{}.json", report.scenario), *name, "a file is named after its scenario");
        let delivered: Vec<String> = deliveries(&sim).iter().map(|(data, to, r)| format!("{data}{}>{to}", if *r { "r" } else { "" })).collect();
        outcomes.push(format!("{}: {} | expired {:?} | dead-lettered {:?}", report.scenario, delivered.join(" "), report.data_with(Verdict::Expired), report.data_with(Verdict::DeadLettered)));
    }
    assert_eq!(
        outcomes,
        vec![
            "ttl-head-shield-quorum: 0>consumer 2>consumer | expired [] | dead-lettered [1]",
            "ttl-head-shield: 0>consumer 2>consumer | expired [] | dead-lettered [1]",
            "ttl-lower-wins: 1>consumer | expired [0, 2] | dead-lettered []",
            "ttl-nack-after-expiry: 0>consumer 1>consumer 2>consumer | expired [1] | dead-lettered []",
            "ttl-queue-requeue-after-expiry: 0>consumer 1>consumer-2 | expired [] | dead-lettered []",
            "ttl-requeue-after-expiry-quorum: 0>consumer 1>consumer-2 2>consumer-2 | expired [] | dead-lettered []",
            "ttl-requeue-after-expiry: 0>consumer 1>consumer-2 2>consumer-2 | expired [] | dead-lettered []",
        ]
    );
}
