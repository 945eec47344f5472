//! Confirms in batches (`ProducerSpec::confirm_batch`, issue 11 §1): a pika
//! `SelectConnection` producer that publishes a batch at once and waits until the broker has
//! confirmed every message of it. Its settings are checked, its program is the real one (its
//! line map points the page at the acting line), its batches go out as the program says,
//! and a broker crash with confirms outstanding tells the producer which messages it never
//! heard about. (Its run against a real RabbitMQ is the conformance layer's
//! `tests/conformance/scenarios/batch-confirms.json`; its speed against the real broker's is
//! `tests/calibration.rs`.)

use queue_playground::engine::checker::Verdict;
use queue_playground::engine::ids::MessageId;
use queue_playground::engine::Until;
use queue_playground::scenario::{ActorSpec, Scenario};
use queue_playground::systems::rabbitmq::program::{self, OpKind};
use queue_playground::systems::rabbitmq::trace::Event;
use queue_playground::systems::rabbitmq::world::Sim;

const BATCH: &str = r#"{"name": "batch", "queues": [{"name": "test_queue", "durable": true}],
 "actors": [{"role": "producer", "name": "producer", "messages": 10, "interval_ms": 0, "confirms": true, "confirm_batch": 4},
            {"role": "consumer", "name": "consumer", "auto_ack": false, "start_ms": 100}]}"#;

fn with_producer(change: &str) -> String {
    BATCH.replace(r#""confirms": true, "confirm_batch": 4"#, change)
}

#[test]
fn confirm_batch_is_validated_with_a_message_naming_the_field() {
    for (change, says) in [
        (r#""confirms": true, "confirm_batch": 0"#, "between 1 and"),
        (r#""confirms": false, "confirm_batch": 4"#, "needs confirms: true"),
        (r#""confirms": true, "confirm_batch": 4, "retry": {"attempts_max": 2, "backoff_ms": 10}"#, "remove retry"),
        (r#""confirms": true, "confirm_batch": 4, "mandatory": true"#, "remove mandatory"),
    ] {
        let error = Scenario::from_json(&with_producer(change)).expect_err(change);
        assert_eq!(error.field, "actors[0].confirm_batch", "{change}");
        assert!(error.problem.contains(says), "{change}: {error}");
    }
    let error = Scenario::from_json(&BATCH.replace(r#""interval_ms": 0, "#, "")).expect_err("the default interval");
    assert_eq!(error.field, "actors[0].confirm_batch");
    assert!(error.problem.contains("set interval_ms to 0"), "{error}");
}

#[test]
fn the_program_is_the_select_connection_one_and_its_ops_point_at_their_lines() {
    let scenario = Scenario::from_json(BATCH).expect("valid");
    let program = program::of(&scenario, &scenario.actors[0]).expect("a program");
    let code = program.code.join("\n");
    assert!(code.contains("pika.SelectConnection("), "{code}");
    assert!(code.contains("ack_nack_callback=self.on_confirm"), "{code}");
    assert!(code.contains("BATCH_SIZE = 4"), "{code}");
    assert!(!code.contains("BlockingConnection"), "{code}");
    let line_of = |kind: OpKind| program.main.iter().find(|op| op.kind == kind).map(|op| program.code[usize::from(op.line) - 1].trim().to_string());
    assert!(line_of(OpKind::Connect).expect("connect").contains("pika.SelectConnection("));
    assert!(line_of(OpKind::Publish).expect("publish").starts_with("self.channel.basic_publish(exchange='', routing_key='test_queue'"));
    assert_eq!(line_of(OpKind::PrintSent).expect("print"), "print(f\" [x] Sent {message}\")");
    assert_eq!(line_of(OpKind::WaitConfirms).expect("wait"), "if self.unconfirmed:");
    assert_eq!(line_of(OpKind::Close).expect("close"), "self.connection.close()");
    assert_eq!(program.main.first().map(|op| op.kind), Some(OpKind::Connect), "main() connects first, then the callbacks run");
    // The article's producer is untouched by the new field.
    let ActorSpec::Producer(mut plain) = scenario.actors[0].clone() else { unreachable!() };
    plain.confirm_batch = None;
    assert!(program::producer(&plain, &scenario.queues[0], &scenario).code.join("\n").contains("pika.BlockingConnection("));
}

/// The trace's publish and confirm events of the producer, as "P<data>" and "C<data>".
fn publishes_and_confirms(sim: &Sim) -> Vec<String> {
    let data = |m: MessageId| sim.ledger().messages[m.index()].data;
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessagePublished { message, .. } => Some(format!("P{}", data(message))),
            Event::PublishConfirmed { message, .. } => Some(format!("C{}", data(message))),
            _ => None,
        })
        .collect()
}

#[test]
fn each_batch_goes_out_at_once_and_the_next_waits_for_all_its_confirms() {
    let scenario = Scenario::from_json(BATCH).expect("valid");
    let mut sim = Sim::new(&scenario).expect("runs");
    sim.run_until(Until::Quiescence);
    let seen = publishes_and_confirms(&sim).join(" ");
    assert_eq!(seen, "P0 P1 P2 P3 C0 C1 C2 C3 P4 P5 P6 P7 C4 C5 C6 C7 P8 P9 C8 C9");
    for m in 0..10 {
        assert_eq!(sim.verdict(MessageId(m)), Verdict::ProcessedOnce);
    }
    assert!(sim.trace().iter().any(|e| matches!(e.event, Event::ActorExited { error: None, .. })), "the producer closes and exits");
}

#[test]
fn a_broker_crash_with_confirms_outstanding_names_the_unconfirmed_messages() {
    // The node crashes right after the 6th publish: the first batch was confirmed, the second
    // (4 to 7) was not; the producer learns it from the closed connection.
    let text = BATCH.replace(
        r#""start_ms": 100}]"#,
        r#""start_ms": 100}], "faults": [{"when": {"after": {"actor": "producer", "op": "basic_publish", "occurrence": 6}}, "do": {"crash_node": {"node": 0, "restart": true}}}]"#,
    );
    let scenario = Scenario::from_json(&text).expect("valid");
    let mut sim = Sim::new(&scenario).expect("runs");
    sim.run_until(Until::Quiescence);
    let data = |m: MessageId| sim.ledger().messages[m.index()].data;
    let failed: Vec<u32> = sim.trace().iter().filter_map(|e| match e.event {
        Event::PublishFailed { message, retry_in_ms: None, .. } => Some(data(message)),
        _ => None,
    }).collect();
    assert_eq!(failed, [4, 5, 6, 7], "the second batch, published and never confirmed");
    let confirmed: Vec<u32> = sim.trace().iter().filter_map(|e| match e.event {
        Event::PublishConfirmed { message, .. } => Some(data(message)),
        _ => None,
    }).collect();
    assert_eq!(confirmed, [0, 1, 2, 3]);
    // Transient messages: the confirmed ones are gone with the restart too, the unconfirmed
    // ones arrived on a closed connection; 8 and 9 were never sent.
    for m in 0..8 {
        assert_eq!(sim.verdict(MessageId(m)), Verdict::Lost, "message {m}");
    }
    let exited = sim.trace().iter().find_map(|e| match e.event {
        Event::ActorExited { actor, error } if actor.index() == 0 => Some(error),
        _ => None,
    });
    assert_eq!(exited, Some(Some(queue_playground::systems::rabbitmq::trace::ClientError::StreamLost)), "main() raises the closed connection's error");
}
