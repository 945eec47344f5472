//! Every message gets a verdict that accounts for it, and the run label is never green when
//! something went wrong (issue 8): the runs a learner met with a misleading label, each
//! pinned exactly.

use queue_playground::systems::rabbitmq::trace::Event;
use queue_playground::engine::{Until, Verdict};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::{Report, Why};
use queue_playground::scenario::*;

/// The article's two programs running side by side (the consumer waiting from the start),
/// as a learner runs them to see faults mid-stream.
const SIDE_BY_SIDE: &str = r#"{"name":"side-by-side","queues":[{"name":"test_queue","durable":true}],
    "actors":[{"role":"consumer","name":"consumer","auto_ack":true},
              {"role":"producer","name":"producer","messages":10,"interval_ms":1000,"start_ms":500}]}"#;

fn article_with(faults: &str) -> Report {
    let mut scenario = Scenario::from_json(SIDE_BY_SIDE).unwrap();
    let faults: Vec<FaultSpec> = serde_json::from_str(faults).unwrap();
    scenario.faults.extend(faults);
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    sim.check_conservation().unwrap();
    Report::new(&sim, false)
}

/// The consumer's network is cut for good, under manual ack: the article's consumer has no
/// reconnect logic, so when pika's heartbeat check gives up (130 s after it connected) it
/// exits; when the broker gives up (180 s) it requeues what it had pushed during the cut,
/// and those messages wait in the queue with nobody to take them.
#[test]
fn a_consumer_cut_off_leaves_the_rest_stranded_and_the_run_incomplete() {
    let json = SIDE_BY_SIDE.replace(r#""auto_ack":true"#, r#""auto_ack":false"#);
    let mut scenario = Scenario::from_json(&json).unwrap();
    scenario.faults = serde_json::from_str(r#"[{"when":{"at_ms":1500},"do":{"partition":["consumer","rabbit@0"]}}]"#).unwrap();
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    sim.check_conservation().unwrap();
    let report = Report::new(&sim, false);
    assert_eq!(report.label.name(), "incomplete", "{}", report.summary);
    let stranded = report.data_with(Verdict::Stranded);
    assert_eq!(report.counts.stranded as usize, stranded.len());
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0], "{}", report.summary);
    assert_eq!(stranded, (1..10).collect::<Vec<u32>>(), "{}", report.summary);
    let cause = report.messages.iter().find(|m| m.verdict == Verdict::Stranded).unwrap().cause.clone().unwrap();
    assert_eq!(cause.reason, Why::StillQueued);
    assert_eq!(cause.text, "still in test_queue when the run ended: no consumer was left to take it");
    assert_eq!(
        report.actors[0].exit_error.as_deref(),
        Some("pika.exceptions.AMQPHeartbeatTimeout: No activity or too many missed heartbeats in the last 60 seconds")
    );
}

/// The same cut healed after a second: TCP held the frames, both ends kept the connection,
/// and the run is effectively-once (before issue 8's heartbeat model, the cut reset the
/// connection at once and the run ended with 9 messages stranded).
#[test]
fn a_consumer_cut_briefly_loses_nothing() {
    let report = article_with(r#"[{"when":{"at_ms":1500},"do":{"partition":["consumer","rabbit@0"]}},
                                  {"when":{"at_ms":2500},"do":{"heal":["consumer","rabbit@0"]}}]"#);
    assert_eq!(report.label.name(), "effectively-once", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..10).collect::<Vec<u32>>());
}

/// The broker restarts while the producer is publishing: the producer's connection is
/// closed, it exits with the pika exception, and the payloads after that were never sent.
#[test]
fn a_producer_killed_by_a_broker_restart_leaves_its_later_messages_never_sent() {
    let report = article_with(r#"[{"when":{"at_ms":2500},"do":{"stop_node":{"node":0,"restart":true}}}]"#);
    let never_sent = report.data_with(Verdict::NeverSent);
    assert_eq!(never_sent, (2..10).collect::<Vec<u32>>(), "{}", report.summary);
    assert_eq!(report.counts.never_sent, 8);
    assert_eq!(report.counts.published, 2, "0 and 1 were published before the restart at 2.5 s");
    assert_eq!(report.messages.len(), 10, "every payload of the program has a row");
    assert_ne!(report.label.name(), "effectively-once", "{}", report.summary);
    // 2's own publish raised (the broker had closed the connection while the producer
    // slept); 3-9 come after the producer went down.
    let cause = |data: u32| report.messages.iter().find(|m| m.data == data).unwrap().cause.clone().unwrap();
    assert_eq!(cause(2).reason, Why::PublishRaised);
    assert_eq!(cause(2).text, "its own basic_publish raised and producer exited, so it was never sent");
    assert_eq!(cause(3).reason, Why::ProducerDied);
    assert_eq!(cause(3).text, "producer went down before publishing it, so it was never sent");
    assert!(report.actors[0].exit_error.as_deref().unwrap_or("").starts_with("pika.exceptions."), "{:?}", report.actors[0]);
}

/// The quorum chapter: five messages sit on a queue whose majority is gone.
#[test]
fn the_quorum_chapter_says_five_messages_are_stranded() {
    let mut sim = Sim::new(&catalog::get("quorum-node-crash").unwrap()).unwrap();
    sim.run_until(Until::Quiescence);
    let report = Report::new(&sim, false);
    assert_eq!(report.label.name(), "incomplete");
    assert_eq!(report.data_with(Verdict::Stranded), vec![0, 1, 2, 3, 4]);
    let cause = report.messages.iter().find(|m| m.verdict == Verdict::Stranded).unwrap().cause.clone().unwrap();
    assert_eq!(cause.reason, Why::QueueDown);
    // The cause points at the event that put the waiting copy there.
    let stranded = report.messages.iter().find(|m| m.verdict == Verdict::Stranded).unwrap();
    match sim.trace()[cause.event as usize].event {
        Event::MessageEnqueued { copy, .. } | Event::MessageRequeued { copy, .. } => assert_eq!(sim.ledger().message_of(copy).0, stranded.id),
        other => panic!("the cause of a stranded message is {other:?}"),
    }
    assert_eq!(cause.text, "still in classic_queue when the run ended, and its node is down: nobody can consume it until the node comes back");
}

/// The poison chapter: a dead-lettered message was never processed; the label says so.
#[test]
fn the_poison_chapter_is_incomplete_with_one_message_dead_lettered() {
    let mut sim = Sim::new(&catalog::get("poison-dead-letter").unwrap()).unwrap();
    sim.run_until(Until::Quiescence);
    let report = Report::new(&sim, false);
    assert_eq!(report.label.name(), "incomplete");
    assert_eq!(report.data_with(Verdict::DeadLettered), vec![3]);
}

/// While the run is going on, a message on its way is pending, not stranded, and the label
/// claims no guarantee yet.
#[test]
fn mid_run_messages_are_pending_and_never_sent_is_decided_only_at_the_end() {
    let mut sim = Sim::new(&catalog::get("article").unwrap()).unwrap();
    sim.run_until(Until::TimeMs(3_500));
    let report = Report::new(&sim, false);
    assert_eq!(report.counts.stranded + report.counts.never_sent, 0);
    assert_eq!(report.label.name(), "in-progress", "no guarantee is claimed before the end: {}", report.summary);
}

/// The label is a pure function of the counts.
#[test]
fn the_label_follows_the_counts() {
    use queue_playground::engine::{RunLabel, VerdictCounts};
    use queue_playground::engine::checker::Checker;
    let base = VerdictCounts { published: 3, processed_once: 3, ..VerdictCounts::default() };
    assert_eq!(Checker::label(&base, true), RunLabel::EffectivelyOnce);
    for (counts, label) in [
        (VerdictCounts { stranded: 1, ..base }, RunLabel::Incomplete),
        (VerdictCounts { never_sent: 1, ..base }, RunLabel::Incomplete),
        (VerdictCounts { dead_lettered: 1, ..base }, RunLabel::Incomplete),
        (VerdictCounts { expired: 1, ..base }, RunLabel::AtMostOnce),
        (VerdictCounts { lost: 1, stranded: 1, ..base }, RunLabel::AtMostOnce),
        (VerdictCounts { duplicated: 1, never_sent: 1, ..base }, RunLabel::Incomplete),
        (VerdictCounts { duplicated: 1, stranded: 1, ..base }, RunLabel::Incomplete),
        (VerdictCounts { duplicated: 1, lost: 1, ..base }, RunLabel::NoGuarantee),
    ] {
        assert_eq!(Checker::label(&counts, true), label, "{counts:?}");
    }
    // Pending at the end (a limit stopped the run) is incomplete; mid-run it is not judged.
    assert_eq!(Checker::label(&VerdictCounts { pending: 1, ..base }, true), RunLabel::Incomplete);
    assert_eq!(Checker::label(&VerdictCounts { pending: 1, ..base }, false), RunLabel::InProgress);
    assert_eq!(Checker::label(&base, false), RunLabel::InProgress, "mid-run, no guarantee is claimed");
    assert_eq!(Checker::label(&VerdictCounts { lost: 1, ..base }, false), RunLabel::AtMostOnce, "a loss shows at once");
}

/// One message, one story: walk every chapter (as written, and with auto_ack flipped), read
/// the narration of every step (`i18n::describe`, what the page shows), and check that no
/// message's narration contradicts its verdict. "Processed" is the effect: the narration
/// says "applied the effect of {'data': N}" exactly once for a message processed once, at
/// least twice for a duplicated one, and never for one lost, expired, dead-lettered, stranded
/// or never sent; a lost message's cause never says it was processed.
#[test]
fn no_chapter_narrates_a_story_its_verdicts_contradict() {
    use queue_playground::i18n::{describe, Lang};
    use queue_playground::scenario::settings::Settings;
    use queue_playground::session::Session;
    use queue_playground::tour::CHAPTERS;
    for chapter in CHAPTERS {
        let base = catalog::get(chapter.scenario).unwrap();
        let written = Settings::of(&base);
        for settings in [written.clone(), Settings { auto_ack: !written.auto_ack, ..written.clone() }] {
            let scenario = chapter.scenario(&settings, base.seed).unwrap();
            let mut session = Session::new(scenario, Vec::new()).unwrap();
            session.seek(session.len());
            let world = session.world();
            let report = session.report();
            let context = format!("chapter {} (auto_ack={}): {}", chapter.id, settings.auto_ack, report.summary);
            for m in &report.messages {
                // Two producers may send the same payload: count this message's own events,
                // and check each is narrated as its effect.
                let applied = format!("applied the effect of {{'data': {}}}", m.data);
                let told = session
                    .full_trace()
                    .iter()
                    .filter(|e| matches!(e.event, Event::EffectApplied { message, .. } if message.0 == m.id))
                    .inspect(|e| assert!(describe(&e.event, world, Lang::En).ends_with(&applied)))
                    .count();
                let expected_ok = match m.verdict {
                    Verdict::ProcessedOnce | Verdict::Redelivered | Verdict::OutOfOrder => told == 1,
                    Verdict::Duplicated => told >= 2,
                    _ => told == 0,
                };
                assert!(expected_ok, "{context}\n{{'data': {}}} is {:?} but the narration says {told} time(s) that its effect was applied", m.data, m.verdict);
                assert_eq!(told as u32, m.effects, "{context}: {{'data': {}}}", m.data);
                if let Some(cause) = &m.cause {
                    assert!(m.effects == 0 || !cause.text.contains("before processing"), "{context}: {{'data': {}}} was processed, yet: {}", m.data, cause.text);
                }
            }
        }
    }
}

/// The outcome line is built from the run's facts: after a setting change it tells the new
/// run, not the chapter's script.
#[test]
fn the_outcome_line_tells_this_run() {
    use queue_playground::i18n::Lang;
    use queue_playground::scenario::settings::Settings;
    use queue_playground::session::Session;
    use queue_playground::tour::{chapter, outcome};
    let crash = chapter("consumer-crash").unwrap();
    let base = catalog::get(crash.scenario).unwrap();
    let run = |settings: &Settings| {
        let mut session = Session::new(crash.scenario(settings, base.seed).unwrap(), Vec::new()).unwrap();
        session.seek(session.len());
        session.report()
    };
    let written = Settings::of(&base);
    assert_eq!(
        outcome(&run(&written), Lang::En),
        "This run: at-most-once. 3 of 10 message(s) processed once; 7 lost: {'data': 3}, {'data': 4}, {'data': 5}, {'data': 6}, {'data': 7}, {'data': 8}, … (consumer died before it finished processing it, and auto_ack=True had already removed it from the queue)."
    );
    // auto_ack off: nothing is lost, and the line says so (the chapter's script would not).
    let fixed = run(&Settings { auto_ack: false, ..written.clone() });
    let text = outcome(&fixed, Lang::En);
    assert!(!text.contains("lost"), "{text}");
    assert!(text.starts_with(&format!("This run: {}.", fixed.label.name())), "{text}");
    let zh = outcome(&run(&written), Lang::Zh);
    assert!(zh.starts_with("本次运行：至多一次（at-most-once）。10 条消息中有 3 条恰好处理一次；7 条丢失："), "{zh}");
}

/// A dropped copy is narrated as "lost" only when the message is lost in the end: after a
/// broker restart under manual ack, the broker's transient copy goes while the consumer still
/// finishes the work, so the message is processed, and the step says a copy was dropped.
#[test]
fn a_dropped_copy_of_a_processed_message_is_not_called_lost() {
    use queue_playground::i18n::{describe, Lang};
    use queue_playground::session::Session;
    let base = catalog::get("consumer-crash-manual-ack").unwrap();
    let mut session = Session::new(base, Vec::new()).unwrap();
    // The moment the consumer holds deliveries: restart the broker there.
    while session.world().actors().iter().all(|a| a.current.is_none()) {
        assert!(session.step_forward());
    }
    session.inject(FaultAction::StopNode { node: 0, restart: true }).unwrap();
    session.seek(session.len());
    let world = session.world();
    let report = session.report();
    let mut copies_dropped = 0;
    for e in session.full_trace() {
        if let Event::MessageDiscarded { copy, .. } = e.event {
            let message = world.ledger().message_of(copy);
            let text = describe(&e.event, world, Lang::En);
            let lost = matches!(world.verdict(message), Verdict::Lost | Verdict::Expired);
            assert_eq!(text.contains("was lost"), lost, "{text} ({:?})", world.verdict(message));
            copies_dropped += usize::from(!lost);
        }
    }
    assert!(copies_dropped > 0, "a copy of a processed message was dropped: {}", report.summary);
}

/// Article consumers (the print is their effect) on a quorum queue with `x-delivery-limit: 1`:
/// `c1` and then `c2` are SIGKILLed right after printing message 0, so the queue gives up on 0
/// after its 2nd delivery; `c3` takes message 1. 0 was printed twice, but never processed to
/// the end: its verdict says the queue dropped (or dead-lettered) it at the delivery limit
/// after 2 deliveries, and the run is not "at-least-once" (it was "duplicated" before).
const LIMIT_AFTER_PRINTS: &str = r#"{"name":"limit-after-prints","queues":[{"name":"q","durable":true,"type":"quorum","delivery_limit":1}],
    "actors":[{"role":"producer","name":"p","queue":"q","messages":2,"interval_ms":10},
              {"role":"consumer","name":"c1","queue":"q","auto_ack":false,"prefetch_count":1,"start_ms":100},
              {"role":"consumer","name":"c2","queue":"q","auto_ack":false,"prefetch_count":1,"start_ms":1000},
              {"role":"consumer","name":"c3","queue":"q","auto_ack":false,"prefetch_count":1,"start_ms":2000}],
    "faults":[{"when":{"after":{"actor":"c1","op":"print_received","occurrence":1}},"do":{"crash":"c1"}},
              {"when":{"after":{"actor":"c2","op":"print_received","occurrence":1}},"do":{"crash":"c2"}}]}"#;

fn run_json(json: &str) -> Report {
    let scenario = Scenario::from_json(json).unwrap();
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    sim.check_conservation().unwrap();
    Report::new(&sim, false)
}

#[test]
fn a_message_dropped_at_the_delivery_limit_is_not_duplicated_by_its_prints() {
    let report = run_json(LIMIT_AFTER_PRINTS);
    let m = &report.messages[0];
    assert_eq!((m.data, m.effects, m.deliveries.len()), (0, 2, 2), "printed twice, delivered twice");
    assert_eq!(m.verdict, Verdict::Lost, "{}", report.summary);
    let cause = m.cause.clone().unwrap();
    assert_eq!(cause.reason, Why::Discarded(queue_playground::systems::rabbitmq::trace::DiscardReason::DeliveryLimit));
    assert_eq!(cause.deliveries, Some(2));
    assert_eq!(
        cause.text,
        "dropped by the quorum queue at its x-delivery-limit after 2 deliveries, none acknowledged (the queue has no dead-letter exchange)"
    );
    assert_eq!(cause.text_in(queue_playground::i18n::Lang::Zh), "投递 2 次均未被确认，仲裁队列在达到 x-delivery-limit 时丢弃了它（该队列没有死信交换机）");
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![1]);
    assert_eq!(report.counts.duplicated, 0);
    assert_eq!(report.label.name(), "at-most-once", "{}", report.summary);
}

#[test]
fn a_message_dead_lettered_at_the_delivery_limit_is_not_duplicated_by_its_prints() {
    let json = LIMIT_AFTER_PRINTS
        .replace(r#""delivery_limit":1}]"#, r#""delivery_limit":1,"dead_letter_exchange":"dlx"},{"name":"dlq","durable":true}],
            "exchanges":[{"name":"dlx","type":"fanout"}],"bindings":[{"exchange":"dlx","queue":"dlq"}]"#);
    let report = run_json(&json);
    let m = &report.messages[0];
    assert_eq!((m.effects, m.deliveries.len()), (2, 2));
    assert_eq!(m.verdict, Verdict::DeadLettered, "{}", report.summary);
    let cause = m.cause.clone().unwrap();
    assert_eq!(cause.reason, Why::DeadLetteredAtDeliveryLimit);
    assert_eq!(cause.text, "dead-lettered by the quorum queue at its x-delivery-limit after 2 deliveries, none acknowledged");
    assert_eq!(report.queues[1].ready, vec![0]);
    assert_eq!(report.label.name(), "incomplete", "{}", report.summary);
}

/// The delivery-limit run goes to the conformance layer (with the ground-truth rows): the
/// real quorum queue counts a consumer's death as a return, as the engine does.
#[test]
fn the_delivery_limit_run_is_written_for_the_conformance_layer() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ground-truth");
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = Scenario::from_json(LIMIT_AFTER_PRINTS).unwrap();
    std::fs::write(dir.join("limit-after-prints.json"), scenario.to_json()).unwrap();
    let scenario = Scenario::from_json(LIMIT_AFTER_PRINTS_RESTARTED).unwrap();
    std::fs::write(dir.join("limit-after-prints-restarted.json"), scenario.to_json()).unwrap();
}

/// The same with one consumer, restarted after each crash: its 2nd print is the 2nd of its
/// actor, in the engine and, on a real broker, across the program's two runs (the export
/// keeps counting over restarts).
const LIMIT_AFTER_PRINTS_RESTARTED: &str = r#"{"name":"limit-after-prints-restarted","queues":[{"name":"q","durable":true,"type":"quorum","delivery_limit":1}],
    "actors":[{"role":"producer","name":"p","queue":"q","messages":2,"interval_ms":10},
              {"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":1,"start_ms":100}],
    "faults":[{"when":{"after":{"actor":"c","op":"print_received","occurrence":1}},"do":{"crash":"c"}},
              {"when":{"at_ms":1000},"do":{"restart":"c"}},
              {"when":{"after":{"actor":"c","op":"print_received","occurrence":2}},"do":{"crash":"c"}},
              {"when":{"at_ms":2000},"do":{"restart":"c"}}]}"#;

#[test]
fn a_consumer_restarted_between_its_prints_gets_the_same_delivery_limit_verdict() {
    let report = run_json(LIMIT_AFTER_PRINTS_RESTARTED);
    let m = &report.messages[0];
    assert_eq!((m.effects, m.deliveries.len(), m.verdict), (2, 2, Verdict::Lost), "{}", report.summary);
    assert_eq!(m.cause.as_ref().unwrap().deliveries, Some(2));
    assert_eq!(report.actors[1].terminal.iter().filter(|l| l.contains("Received")).count(), 3, "0 twice, then 1");
    assert_eq!(report.label.name(), "at-most-once");
}

/// A fanout copy dropped at a quorum queue's delivery limit does not make a message lost
/// that another queue's consumer processed (auto_ack=True: its delivery is its ack).
#[test]
fn a_copy_dropped_at_the_delivery_limit_beside_a_processed_one_is_not_lost() {
    let report = run_json(
        r#"{"name":"fanout-limit","queues":[{"name":"x","durable":true},{"name":"y","durable":true,"type":"quorum","delivery_limit":0}],
            "exchanges":[{"name":"fan","type":"fanout"}],"bindings":[{"exchange":"fan","queue":"x"},{"exchange":"fan","queue":"y"}],
            "actors":[{"role":"producer","name":"p","queue":"x","exchange":"fan","messages":1,"interval_ms":10,"declare":false},
                      {"role":"consumer","name":"cx","queue":"x","auto_ack":true,"start_ms":100},
                      {"role":"consumer","name":"cy","queue":"y","auto_ack":false,"prefetch_count":1,"on_failure":"nack_requeue","fail":{"data":[0]},"start_ms":100}]}"#,
    );
    let m = &report.messages[0];
    assert_eq!(m.copies.iter().map(|c| c.state).collect::<Vec<_>>(), vec!["acked", "dropped"], "{:?}", m.copies);
    assert_eq!(m.verdict, Verdict::ProcessedOnce, "{}", report.summary);
    assert_eq!(report.label.name(), "effectively-once", "{}", report.summary);
}

/// A duplicated message's cause says how it came to be processed twice, and points at the
/// moment it happened: the second publish of a retry, or the redelivery.
#[test]
fn a_duplicate_names_the_retry_or_the_redelivery_that_made_it() {
    use queue_playground::i18n::Lang;
    let run = |scenario: &Scenario| {
        let mut sim = Sim::new(scenario).unwrap();
        sim.run_until(Until::Quiescence);
        (Report::new(&sim, false), sim)
    };
    // Publisher confirms with a retry: the confirm of 3 is lost, the retry publishes it again.
    let (report, sim) = run(&catalog::get("lost-confirm-retry").unwrap());
    let dup: Vec<_> = report.messages.iter().filter(|m| m.verdict == Verdict::Duplicated).collect();
    assert_eq!(dup.len(), 1);
    let cause = dup[0].cause.as_ref().expect("a duplicate has a cause");
    assert_eq!((dup[0].data, cause.reason), (3, Why::PublishedAgain));
    assert_eq!(cause.text, "producer published it 2 times: it retried after an error, but the broker had already taken the earlier publish");
    assert_eq!(cause.text_in(Lang::Zh), "producer 发布了它 2 次：出错后重试了，但 broker 其实已经收下了之前那次发布");
    // The cause points at the error that made the producer publish it again.
    let at = sim.trace()[cause.event as usize].event;
    assert!(matches!(at, Event::PublishFailed { message, retry_in_ms: Some(_), .. } if message.0 == dup[0].id), "{at:?}");

    // The effectively-once chapter without its dedupe: the crash before its 2nd ack (of 2) makes
    // the broker redeliver it to the other consumer, which does the work again.
    let mut scenario = catalog::get("idempotent-consumer").unwrap();
    for actor in &mut scenario.actors {
        if let ActorSpec::Consumer(consumer) = actor {
            consumer.idempotent = false;
        }
    }
    let (report, sim) = run(&scenario);
    let dup: Vec<_> = report.messages.iter().filter(|m| m.verdict == Verdict::Duplicated).collect();
    assert_eq!(dup.iter().map(|m| m.data).collect::<Vec<_>>(), vec![2]);
    let cause = dup[0].cause.as_ref().expect("a duplicate has a cause");
    assert_eq!(cause.reason, Why::DeliveredAgain { redelivered: true });
    assert_eq!(cause.text, "delivered 2 times: the broker got no ack for its delivery to consumer, so it requeued it and redelivered it to consumer-2");
    // It points at the requeue before the redelivery.
    assert!(matches!(sim.trace()[cause.event as usize].event, Event::MessageRequeued { .. }), "{:?}", sim.trace()[cause.event as usize]);
}

/// The outcome line says each cause after its own messages: in the auto_ack crash, a publish
/// lost on the network is not blamed on the consumer's death (a learner walk found it so).
#[test]
fn the_outcome_line_gives_each_loss_its_own_cause() {
    use queue_playground::i18n::Lang;
    use queue_playground::tour::outcome;
    let mut scenario = catalog::get("consumer-crash-auto-ack").unwrap();
    let drop: FaultSpec = serde_json::from_str(
        r#"{"when":{"before":{"actor":"producer","op":"basic_publish","occurrence":10}},"do":{"drop_next":{"from":"producer","to":"rabbit@0"}}}"#,
    )
    .unwrap();
    scenario.faults.push(drop);
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    let report = Report::new(&sim, false);
    assert_eq!(report.data_with(Verdict::Lost), vec![3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(
        outcome(&report, Lang::En),
        "This run: at-most-once. 3 of 10 message(s) processed once; 7 lost: {'data': 3}, {'data': 4}, {'data': 5}, {'data': 6}, {'data': 7}, {'data': 8} (consumer died before it finished processing it, and auto_ack=True had already removed it from the queue); {'data': 9} (its frame was lost on the network and nothing told the sender); producer exited with pika.exceptions.StreamLostError: Stream connection lost: ConnectionResetError(104, 'Connection reset by peer')."
    );
    let zh = outcome(&report, Lang::Zh);
    assert!(zh.contains("；{'data': 9}（它在网络中丢失，而发送方没有得到任何通知）"), "{zh}");
}
