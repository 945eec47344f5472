//! Distributed transactions (issue 11, the article's §3.2.3): an order service with a SQLite
//! database. The dual write (commit the order, then publish) loses the order a crash falls
//! between; the transactional outbox with a relay publishes every committed order at least
//! once, and an inbox on the consumer's side (the effect and the message id in one
//! transaction) makes it effectively once. Each outcome pinned exactly, and a property over
//! random crash points.

use proptest::prelude::*;
use queue_playground::engine::{Until, Verdict};
use queue_playground::report::{Report, Why};
use queue_playground::scenario::*;
use queue_playground::systems::rabbitmq::trace::Event;
use queue_playground::systems::rabbitmq::Sim;

fn run(scenario: &Scenario) -> (Sim, Report) {
    let mut sim = Sim::new(scenario).unwrap();
    sim.run_until(Until::Quiescence);
    sim.check_conservation().unwrap();
    let report = Report::new(&sim, false);
    (sim, report)
}

fn with_faults(name: &str, faults: &str) -> Scenario {
    let mut scenario = catalog::get(name).unwrap();
    scenario.faults = serde_json::from_str(faults).unwrap();
    scenario
}

fn deliveries(report: &Report, data: u32) -> usize {
    report.messages.iter().find(|m| m.data == data).map_or(0, |m| m.deliveries.len())
}

/// The catalog's dual write: the service crashes right after committing its last order (9),
/// before publishing it. Order 9 is in the database and lost for the queue.
#[test]
fn the_dual_write_loses_the_order_committed_before_the_crash() {
    let (sim, report) = run(&catalog::get("dual-write").unwrap());
    assert_eq!(report.label.name(), "at-most-once", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..9).collect::<Vec<u32>>());
    assert_eq!(report.data_with(Verdict::Lost), vec![9]);
    assert_eq!(report.counts.published, 9, "order 9 was never published");
    let lost = report.messages.iter().find(|m| m.data == 9).unwrap();
    let cause = lost.cause.clone().unwrap();
    assert_eq!(cause.reason, Why::OrderNeverPublished);
    assert_eq!(cause.consumer.as_deref(), Some("orders"));
    assert!(matches!(sim.trace()[cause.event as usize].event, Event::OrderNeverPublished { .. }));
    assert_eq!(
        cause.text,
        "orders committed the order to orders.db, then went down before publishing it: the order is in the database, and nothing will ever publish its message (a dual write)"
    );
    assert!(lost.deliveries.is_empty() && lost.copies.is_empty());
    // The database has all ten orders: it and the queue disagree about order 9.
    assert_eq!(sim.orders_db().orders.len(), 10);
    assert!(sim.orders_db().outbox.is_empty());
}

/// The same crash one step earlier (before the commit): order 9 was never placed, so nothing
/// is lost; it was never sent, and the run is incomplete, not at-most-once.
#[test]
fn a_crash_before_the_commit_places_no_order() {
    let scenario = with_faults("dual-write", r#"[{"when":{"before":{"actor":"orders","op":"db_commit","occurrence":10}},"do":{"crash":"orders"}}]"#);
    let (sim, report) = run(&scenario);
    assert_eq!(report.label.name(), "incomplete", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..9).collect::<Vec<u32>>());
    assert_eq!(report.data_with(Verdict::NeverSent), vec![9]);
    assert_eq!(report.messages.iter().find(|m| m.data == 9).unwrap().cause.as_ref().unwrap().reason, Why::OrderNeverPlaced);
    assert_eq!(sim.orders_db().orders.len(), 9);
}

/// The catalog's outbox: the same service crash after its last commit, and the relay killed
/// after publishing order 4 and before deleting its row, restarted at 6 s. Order 9 is
/// published by the relay; order 4 is published twice and delivered twice, and the inbox
/// applies it once: effectively once.
#[test]
fn the_outbox_publishes_every_committed_order_and_the_inbox_applies_each_once() {
    let (sim, report) = run(&catalog::get("outbox").unwrap());
    assert_eq!(report.label.name(), "effectively-once", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..10).collect::<Vec<u32>>());
    assert_eq!(deliveries(&report, 4), 2, "the relay published order 4 again after its restart");
    assert!((0..10).filter(|&d| d != 4).all(|d| deliveries(&report, d) == 1));
    assert!(report.messages.iter().all(|m| m.effects == 1));
    let skipped: Vec<u32> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::EffectSkipped { message, .. } => Some(sim.ledger().messages[message.index()].data),
            _ => None,
        })
        .collect();
    assert_eq!(skipped, vec![4], "the inbox skipped the second copy of order 4");
    let relay = report.actors.iter().find(|a| a.name == "relay").unwrap();
    let sent: Vec<&str> = relay.terminal.iter().map(String::as_str).collect();
    assert_eq!(sent.iter().filter(|l| **l == " [x] Sent {'data': 4}").count(), 1, "killed before its print, the first time: {sent:?}");
    assert_eq!(sent.len(), 10);
    assert_eq!(report.actors.iter().find(|a| a.name == "orders").unwrap().terminal.len(), 9, "killed before printing Saved 9");
    assert!(sim.orders_db().outbox.is_empty());
    assert_eq!(sim.orders_db().orders.len(), 10);
}

/// The dual write's publish fails after the commit: the broker stopped (its next publish
/// raises), or the publish frame was lost while it waited for the confirm. Either way the
/// order is in the database and its message never reaches a consumer; the orders after it
/// were never placed.
#[test]
fn a_failed_publish_after_the_commit_loses_that_order() {
    let stop = with_faults("dual-write", r#"[{"when":{"at_ms":2500},"do":{"stop_node":{"node":0,"restart":true}}}]"#);
    let (sim, report) = run(&stop);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2]);
    assert_eq!(report.data_with(Verdict::Lost), vec![3]);
    assert_eq!(report.data_with(Verdict::NeverSent), (4..10).collect::<Vec<u32>>());
    let why = |report: &Report, data: u32| report.messages.iter().find(|m| m.data == data).unwrap().cause.as_ref().unwrap().reason;
    assert_eq!(why(&report, 3), Why::OrderPublishRaised);
    assert!((4..10).all(|d| why(&report, d) == Why::OrderNeverPlaced), "not 'its own basic_publish raised': that was order 3's");
    assert_eq!(sim.orders_db().orders.len(), 4);
    let lost = with_faults("dual-write", r#"[{"when":{"before":{"actor":"orders","op":"basic_publish","occurrence":3}},"do":{"drop_next":{"from":"orders","to":"rabbit@0"}}}]"#);
    let (sim, report) = run(&lost);
    assert_eq!(report.data_with(Verdict::Lost), vec![2]);
    assert_eq!(why(&report, 2), Why::OrderFrameLost);
    assert_eq!(
        report.messages.iter().find(|m| m.data == 2).unwrap().cause.as_ref().unwrap().text,
        "its frame was lost on the network; waiting for the confirm, basic_publish raised when the connection reset, and orders exited without publishing it again, while its order stays in orders.db (a dual write)"
    );
    assert_eq!(sim.orders_db().orders.len(), 3);
}

/// Without the inbox, the outbox is at least once: order 4 is processed twice.
#[test]
fn the_outbox_without_an_inbox_is_at_least_once() {
    let mut scenario = catalog::get("outbox").unwrap();
    for actor in &mut scenario.actors {
        if let ActorSpec::Consumer(c) = actor {
            c.idempotent = false;
        }
    }
    let (_, report) = run(&scenario);
    assert_eq!(report.label.name(), "at-least-once", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::Duplicated), vec![4]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..10).filter(|&d| d != 4).collect::<Vec<u32>>());
    let cause = report.messages.iter().find(|m| m.data == 4).unwrap().cause.clone().unwrap();
    assert_eq!(cause.reason, Why::RelayPublishedAgain, "a relay does not retry: {}", cause.text);
    assert!(cause.text.starts_with("relay published it twice: it went down after publishing it and before deleting its outbox row"), "{}", cause.text);
}

/// A relay killed for good leaves the rows it had not published in the outbox: stranded
/// there, not lost (a relay that runs again publishes them).
#[test]
fn rows_left_in_the_outbox_are_stranded_not_lost() {
    let scenario = with_faults("outbox", r#"[{"when":{"after":{"actor":"relay","op":"outbox_delete","occurrence":3}},"do":{"crash":"relay"}}]"#);
    let (sim, report) = run(&scenario);
    assert_eq!(report.label.name(), "incomplete", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2]);
    assert_eq!(report.data_with(Verdict::Stranded), (3..10).collect::<Vec<u32>>());
    assert_eq!(report.counts.published, 3);
    let cause = report.messages.iter().find(|m| m.data == 3).unwrap().cause.clone().unwrap();
    assert_eq!(cause.reason, Why::InOutbox);
    assert_eq!(cause.text, "its order and its outbox row are in orders.db, but relay is down: the row waits there, and relay will publish it when it runs again");
    assert_eq!(sim.orders_db().outbox.len(), 7);
}

/// The relay killed after publishing the last order and before deleting its row: processed
/// once, and the row is still there; its cause says a relay that runs again publishes it again.
#[test]
fn a_row_left_after_its_publish_is_processed_and_says_it_will_be_published_again() {
    let scenario = with_faults("outbox", r#"[{"when":{"after":{"actor":"relay","op":"basic_publish","occurrence":10}},"do":{"crash":"relay"}}]"#);
    let (sim, report) = run(&scenario);
    assert_eq!(report.label.name(), "effectively-once", "{}", report.summary);
    assert_eq!(sim.orders_db().outbox.len(), 1);
    let last = report.messages.iter().find(|m| m.data == 9).unwrap();
    assert_eq!((last.verdict, last.cause.as_ref().unwrap().reason), (Verdict::ProcessedOnce, Why::RowLeftInOutbox));
}

/// The relay's program reads as a relay: it publishes with confirms, persistent, with the
/// order id as message id, and deletes the row after `basic_publish` returned.
#[test]
fn the_relay_and_the_services_code() {
    let scenario = catalog::get("outbox").unwrap();
    let code = |name: &str| {
        let actor = scenario.actors.iter().find(|a| a.name() == name).unwrap();
        queue_playground::systems::rabbitmq::program::of(&scenario, actor).unwrap().code.join("\n")
    };
    let relay = code("relay");
    let publish = relay.find("channel.basic_publish(").unwrap();
    let delete = relay.find("DELETE FROM outbox").unwrap();
    let commit = relay[delete..].find("db.commit()").map(|i| i + delete).unwrap();
    assert!(relay.contains("channel.confirm_delivery()") && publish < delete && delete < commit);
    assert!(relay.contains("pika.BasicProperties(delivery_mode=2, message_id='orders-' + str(order_id))"));
    let service = code("orders");
    assert!(!service.contains("pika"), "an outbox service never talks to the broker:\n{service}");
    assert!(service.contains("db.commit()  # one transaction: the order and its message, or neither"));
    let dual = catalog::get("dual-write").unwrap();
    let dual_code = queue_playground::systems::rabbitmq::program::of(&dual, &dual.actors[0]).unwrap().code.join("\n");
    assert!(dual_code.find("INSERT INTO orders").unwrap() < dual_code.find("channel.basic_publish(").unwrap());
}

/// What the model does not combine is refused with the reason.
#[test]
fn order_services_and_relays_are_validated() {
    let outbox = catalog::get("outbox").unwrap();
    let mut no_relay = outbox.clone();
    no_relay.actors.retain(|a| !matches!(a, ActorSpec::Relay(_)));
    assert_eq!(no_relay.validate().unwrap_err().to_string(), "actors[0].orders: an outbox needs a relay actor (role \"relay\") to publish its rows");
    let mut lone_relay = catalog::get("article").unwrap();
    lone_relay.actors.push(outbox.actors[1].clone());
    assert!(lone_relay.validate().unwrap_err().to_string().ends_with("a relay publishes an outbox: it needs a producer with orders: \"outbox\""));
    let restart = with_faults("dual-write", r#"[{"when":{"at_ms":500},"do":{"restart":"orders"}}]"#);
    assert!(restart.validate().unwrap_err().to_string().contains("is an order service: restarting it is not modelled"));
    let mut random = catalog::get("dual-write").unwrap();
    random.random_faults = Some(RandomFaults::default());
    assert!(random.validate().unwrap_err().to_string().starts_with("random_faults: not with an order service"));
    let mut confirms = outbox;
    if let ActorSpec::Producer(p) = &mut confirms.actors[0] {
        p.confirms = true;
    }
    assert!(confirms.validate().unwrap_err().to_string().contains("are the relay's"));
}

/// One crash of the service and one of the relay (restarted), each at a random operation.
fn crash_points() -> impl Strategy<Value = (bool, String, u32, bool, String, u32, u64)> {
    let service_ops = prop_oneof![Just("db_commit"), Just("print_saved"), Just("sleep")].prop_map(String::from);
    let relay_ops = prop_oneof![Just("outbox_select"), Just("basic_publish"), Just("print_sent"), Just("outbox_delete"), Just("poll_sleep"), Just("confirm_delivery")].prop_map(String::from);
    (any::<bool>(), service_ops, 1u32..12, any::<bool>(), relay_ops, 1u32..12, 100u64..3_000)
}

fn trigger(before: bool, actor: &str, op: &str, occurrence: u32) -> Trigger {
    if before {
        Trigger::Before { actor: actor.into(), op: op.into(), occurrence }
    } else {
        Trigger::After { actor: actor.into(), op: op.into(), occurrence }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// With the outbox and the inbox, whatever the crash points: every order the database
    /// has is processed exactly once once the relay runs again, and nothing else is.
    #[test]
    fn outbox_and_inbox_apply_every_committed_order_exactly_once((b1, op1, n1, b2, op2, n2, restart_after) in crash_points()) {
        let mut scenario = catalog::get("outbox").unwrap();
        scenario.faults = vec![
            FaultSpec { when: trigger(b1, "orders", &op1, n1), action: FaultAction::Crash("orders".into()) },
            FaultSpec { when: trigger(b2, "relay", &op2, n2), action: FaultAction::Crash("relay".into()) },
            FaultSpec { when: Trigger::AtMs(12_000 + restart_after), action: FaultAction::Restart("relay".into()) },
        ];
        let reproduce = format!("reproduce: cargo run --bin qp -- run <this scenario>\n{}", scenario.to_json());
        let mut sim = Sim::new(&scenario).unwrap();
        while sim.step() {
            if let Err(problem) = sim.check_conservation() {
                prop_assert!(false, "{problem}\n{reproduce}");
            }
        }
        let report = Report::new(&sim, false);
        let committed: Vec<u32> = sim.orders_db().orders.iter().map(|m| sim.ledger().messages[m.index()].data).collect();
        prop_assert_eq!(report.data_with(Verdict::ProcessedOnce), committed.clone(), "{}\n{}", report.summary, reproduce);
        prop_assert!(report.messages.iter().filter(|m| committed.contains(&m.data)).all(|m| m.effects == 1), "{reproduce}");
        prop_assert_eq!(report.counts.lost + report.counts.duplicated + report.counts.stranded, 0, "{}\n{}", report.summary, reproduce);
        prop_assert!(sim.orders_db().outbox.is_empty(), "{reproduce}");
    }

    /// The dual write under one random service crash: at most one order is lost, and if one
    /// is, it is the order committed right before the crash, never published.
    #[test]
    fn the_dual_write_loses_at_most_the_order_in_between((b1, op1, n1, _b2, _op2, _n2, _r) in crash_points()) {
        let op1 = if op1 == "print_saved" { "basic_publish".to_string() } else { op1 };
        let scenario = with_faults("dual-write", &format!(
            r#"[{{"when":{{"{}":{{"actor":"orders","op":"{op1}","occurrence":{n1}}}}},"do":{{"crash":"orders"}}}}]"#,
            if b1 { "before" } else { "after" }
        ));
        let (sim, report) = run(&scenario);
        let lost = report.data_with(Verdict::Lost);
        let lost_between = b1 == false && op1 == "db_commit" && n1 <= 10 || b1 && op1 == "basic_publish" && n1 <= 10;
        prop_assert_eq!(lost.len(), usize::from(lost_between), "{}\n{}", report.summary, scenario.to_json());
        for data in lost {
            let m = report.messages.iter().find(|m| m.data == data).unwrap();
            prop_assert_eq!(m.cause.as_ref().unwrap().reason, Why::OrderNeverPublished);
            prop_assert_eq!(sim.orders_db().orders.len() as u32, data + 1);
        }
    }
}
