//! Declares as steps of the programs, and the channel errors RabbitMQ 3.10 answers them with:
//! a declare with other properties than the queue has (406), a passive declare or a
//! `basic_consume` of a queue that does not exist (404), a publish before anyone declared the
//! queue (dropped, or returned with `mandatory=True`). Each error text is the one observed on
//! RabbitMQ 3.10.8 with pika 1.3.2; `tests/conformance/scenarios/declare-*.json` run the same
//! scenarios on the real broker in the conformance layer.

use queue_playground::systems::rabbitmq::trace::{inequivalence, ClientError, DiscardReason, Event};
use queue_playground::engine::{Verdict};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::*;

mod common;
use common::{conformance_file, discarded, run_json};

/// The last line an actor printed (its exception, when it died of one).
fn last_line(sim: &Sim, actor: &str) -> String {
    let index = sim.setup().actors.iter().position(|a| a.spec.name() == actor).expect("actor");
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::Printed { actor, text, .. } if usize::from(actor.0) == index => Some(text.render(&sim.setup().scenario)),
            _ => None,
        })
        .last()
        .unwrap_or_default()
}

fn channel_errors(sim: &Sim) -> Vec<(u16, ClientError)> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::ChannelError { actor, error, .. } => Some((actor.0, error)),
            _ => None,
        })
        .collect()
}

fn published(sim: &Sim) -> usize {
    sim.trace().iter().filter(|e| matches!(e.event, Event::MessagePublished { .. })).count()
}

#[test]
fn a_plain_declare_of_the_durable_queue_is_a_406_and_the_producer_dies_before_publishing() {
    let (sim, report) = run_json(&conformance_file("declare-plain-406"));
    let code = sim.setup().actors[1].program.code.join("\n");
    assert!(code.contains("    channel.queue_declare(queue='test_queue')\n"), "{code}");
    assert_eq!(
        last_line(&sim, "producer"),
        "pika.exceptions.ChannelClosedByBroker: (406, \"PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'test_queue' in vhost '/': received 'false' but current is 'true'\")"
    );
    assert_eq!(channel_errors(&sim), vec![(1, ClientError::QueueInequivalent { queue: 0, declare: DeclareAs::Plain })]);
    assert_eq!(published(&sim), 0, "the declare comes before the loop");
    // The consumer's declare matches: it waits on the queue, which the 406 left as it was.
    assert_eq!(last_line(&sim, "consumer"), " [*] Waiting for messages. To exit press CTRL+C");
    assert!(report.queues[0].exists && report.queues[0].depth == 0);
}

#[test]
fn a_declare_without_the_arguments_is_a_406_naming_the_first_that_differs() {
    let (sim, _) = run_json(&conformance_file("declare-without-arguments-406"));
    assert_eq!(
        last_line(&sim, "consumer"),
        "pika.exceptions.ChannelClosedByBroker: (406, \"PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'test_queue' in vhost '/': received none but current is the value '2000' of type 'signedint'\")"
    );
    let code = sim.setup().actors[1].program.code.join("\n");
    assert!(code.contains("    channel.queue_declare(queue='test_queue', durable=True)\n"), "{code}");
    // Nobody consumed them: they expired in the queue (dead-lettered to an exchange that
    // routes nowhere, so dropped).
    assert_eq!(Report::new(&sim, false).data_with(Verdict::Expired), vec![0, 1, 2]);
}

/// The order RabbitMQ 3.10.8 checks properties in, observed for every pair of the arguments
/// a scenario can give (create with two, declare again with neither: the named one is first).
#[test]
fn the_406_names_properties_in_the_order_rabbitmq_checks_them() {
    let mut q = QueueSpec::new("q", true);
    q.message_ttl_ms = Some(60000);
    q.dead_letter_exchange = Some("dlx".into());
    q.dead_letter_routing_key = Some("k".into());
    q.max_length = Some(5);
    q.overflow = Overflow::RejectPublish;
    let key = |q: &QueueSpec, how| inequivalence(q, how).split('\'').nth(1).unwrap_or("").to_string();
    assert_eq!(key(&q, DeclareAs::Plain), "durable");
    let mut classic = vec![];
    let mut c = q.clone();
    for _ in 0..4 {
        let k = key(&c, DeclareAs::WithoutArguments);
        match k.as_str() {
            "x-message-ttl" => c.message_ttl_ms = None,
            "x-dead-letter-exchange" => c.dead_letter_exchange = None,
            "x-dead-letter-routing-key" => c.dead_letter_routing_key = None,
            "x-max-length" => c.max_length = None,
            other => panic!("unexpected {other:?}"),
        }
        classic.push(k);
    }
    // (x-overflow comes after x-max-length, and is only set with it: never named here.)
    assert_eq!(classic, ["x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-max-length"]);
    let mut quorum = q.clone();
    quorum.queue_type = QueueType::Quorum;
    quorum.delivery_limit = Some(3);
    assert_eq!(key(&quorum, DeclareAs::WithoutArguments), "x-dead-letter-exchange");
    quorum.dead_letter_exchange = None;
    quorum.dead_letter_routing_key = None;
    quorum.max_length = None;
    assert_eq!(key(&quorum, DeclareAs::WithoutArguments), "x-queue-type");
    assert_eq!(
        inequivalence(&quorum, DeclareAs::WithoutArguments),
        "inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received none but current is the value 'quorum' of type 'longstr'"
    );
    let mut overflow_only = QueueSpec::new("q", true);
    overflow_only.message_ttl_ms = Some(1000);
    overflow_only.max_length = Some(3);
    overflow_only.overflow = Overflow::RejectPublish;
    overflow_only.queue_type = QueueType::Quorum;
    // Quorum: x-max-length before x-message-ttl (the ttl comes last in its list).
    assert_eq!(key(&overflow_only, DeclareAs::WithoutArguments), "x-max-length");
    assert_eq!(inequivalence(&QueueSpec::new("q", true), DeclareAs::WithoutArguments), "", "nothing differs");
}

#[test]
fn a_passive_declare_of_a_queue_nobody_declared_is_a_404() {
    let (sim, report) = run_json(&conformance_file("declare-passive-404"));
    let code = sim.setup().actors[0].program.code.join("\n");
    assert!(code.contains("channel.queue_declare(queue='test_queue', passive=True)"), "{code}");
    assert_eq!(last_line(&sim, "consumer"), "pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - no queue 'test_queue' in vhost '/'\")");
    assert_eq!(channel_errors(&sim), vec![(0, ClientError::QueueNotFound { queue: 0 })]);
    assert!(!report.queues[0].exists, "a passive declare creates nothing");
}

#[test]
fn consuming_a_queue_nobody_declared_is_a_404_at_basic_consume() {
    let (sim, _) = run_json(&conformance_file("consume-missing-404"));
    assert_eq!(last_line(&sim, "consumer"), "pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - no queue 'test_queue' in vhost '/'\")");
    let line = sim.trace().iter().find_map(|e| match e.event {
        Event::ChannelError { line, .. } => Some(line),
        _ => None,
    });
    let consume = sim.setup().actors[0].program.main.iter().find(|op| op.kind == queue_playground::systems::rabbitmq::program::OpKind::Consume).map(|op| op.line);
    assert_eq!(line, consume, "raised by basic_consume");
}

#[test]
fn messages_published_before_the_queue_exists_are_dropped_silently() {
    let (sim, report) = run_json(&conformance_file("publish-before-declare"));
    // The producer does not declare; the consumer declares at 1250 ms. Published at 0, 500,
    // 1000 ms, messages 0-2 find no queue; 3 and 4 are delivered.
    assert_eq!(discarded(&sim, DiscardReason::Unroutable), vec![0, 1, 2]);
    assert_eq!(report.data_with(Verdict::Lost), vec![0, 1, 2]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![3, 4]);
    assert_eq!(last_line(&sim, "producer"), " [x] Sent {'data': 4}", "nothing told the producer");
}

#[test]
fn mandatory_with_confirms_raises_unroutable_error_and_the_retries_give_up() {
    let (sim, report) = run_json(&conformance_file("mandatory-confirms"));
    let code = sim.setup().actors[0].program.code.join("\n");
    assert!(code.contains("mandatory=True)"), "{code}");
    assert_eq!(last_line(&sim, "producer"), "pika.exceptions.UnroutableError: 1 unroutable message(s) returned");
    let retries = sim.trace().iter().filter(|e| matches!(e.event, Event::Printed { text: queue_playground::systems::rabbitmq::trace::TerminalText::Retrying { .. }, .. })).count();
    assert_eq!(retries, 2, "the first try and two retries, each returned");
    assert_eq!(discarded(&sim, DiscardReason::Returned), vec![0, 0, 0]);
    assert_eq!(report.data_with(Verdict::Lost), vec![0]);
}

#[test]
fn mandatory_without_confirms_is_returned_and_dropped_by_pika_without_a_word() {
    let (sim, report) = run_json(&conformance_file("mandatory-no-confirms"));
    assert_eq!(discarded(&sim, DiscardReason::Returned), vec![0, 1, 2]);
    assert_eq!(report.data_with(Verdict::Lost), vec![0, 1, 2]);
    assert_eq!(last_line(&sim, "producer"), " [x] Sent {'data': 2}");
    assert!(sim.trace().iter().any(|e| matches!(e.event, Event::ActorExited { error: None, .. })), "it exits normally");
}

#[test]
fn declares_that_cannot_be_modelled_or_that_rabbitmq_refuses_are_named_in_validation() {
    let invalid = |json: &str| Scenario::from_json(json).err().map(|e| e.to_string()).unwrap_or_default();
    let transient = r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","declare_as":"without_arguments"}]}"#;
    assert!(Scenario::from_json(transient).is_ok(), "a transient queue without arguments: nothing differs");
    let e = invalid(r#"{"name":"x","queues":[{"name":"q","message_ttl_ms":5}],"actors":[{"role":"consumer","name":"c","queue":"q","declare_as":"plain"}]}"#);
    assert!(e.starts_with("actors[0].declare_as: declares queue \"q\" with other properties"), "{e}");
    let e = invalid(r#"{"name":"x","queues":[{"name":"q","durable":true,"exists_at_start":false}],"actors":[{"role":"consumer","name":"c","queue":"q","declare_as":"plain"}]}"#);
    assert!(e.contains("exist from the start"), "{e}");
    let e = invalid(r#"{"name":"x","queues":[{"name":"q","durable":true}],"actors":[{"role":"consumer","name":"c","queue":"q","declare":false,"declare_as":"passive"}]}"#);
    assert_eq!(e, "actors[0].declare_as: needs declare: true");
    let e = invalid(r#"{"name":"x","queues":[{"name":"q","dead_letter_routing_key":"k"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#);
    assert!(e.starts_with("queues[0].dead_letter_routing_key: needs a dead_letter_exchange"), "{e}");
    let e = invalid(r#"{"name":"x","queues":[{"name":"q","exists_at_start":false}],"exchanges":[{"name":"x","type":"fanout"}],"bindings":[{"exchange":"x","queue":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q"}]}"#);
    assert!(e.starts_with("bindings[0].queue: queue \"q\" does not exist at the start"), "{e}");
}

const NO_EXCHANGE: &str = "pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - no exchange 'orders' in vhost '/'\")";

#[test]
fn a_publish_to_a_missing_exchange_closes_the_channel_and_the_next_publish_raises() {
    let (sim, report) = run_json(&conformance_file("publish-missing-exchange"));
    assert_eq!(discarded(&sim, DiscardReason::ExchangeMissing), vec![0]);
    assert_eq!(last_line(&sim, "producer"), NO_EXCHANGE);
    // It printed " [x] Sent {'data': 0}": basic_publish returned, and the error came at the
    // next publish, which did not go out.
    let terminal = &report.actors[0].terminal;
    assert_eq!(terminal.len(), 2, "{terminal:?}");
    assert_eq!(report.data_with(Verdict::Lost), vec![0]);
    assert_eq!(report.data_with(Verdict::NeverSent), vec![1, 2]);
}

#[test]
fn the_last_publish_to_a_missing_exchange_raises_nothing_at_all() {
    let (sim, report) = run_json(&conformance_file("publish-missing-exchange-last"));
    assert_eq!(discarded(&sim, DiscardReason::ExchangeMissing), vec![0]);
    // connection.close() returns normally on a channel the broker closed.
    assert!(report.actors[0].exit_error.is_none(), "{:?}", report.actors[0]);
    assert_eq!(report.data_with(Verdict::Lost), vec![0]);
}

#[test]
fn with_confirms_the_publish_to_a_missing_exchange_raises_itself() {
    let (sim, report) = run_json(&conformance_file("publish-missing-exchange-confirms"));
    assert_eq!(discarded(&sim, DiscardReason::ExchangeMissing), vec![0]);
    assert_eq!(report.actors[0].terminal, vec![NO_EXCHANGE.to_string()], "nothing printed before the error");
}

#[test]
fn dead_letters_to_an_exchange_that_does_not_exist_are_dropped() {
    let (sim, report) = run_json(&conformance_file("dead-letter-exchange-missing"));
    assert_eq!(discarded(&sim, DiscardReason::DeadLetterExchangeMissing), vec![1]);
    assert_eq!(report.data_with(Verdict::Lost), vec![1]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 2]);
}

#[test]
fn a_producer_that_declares_its_exchange_creates_it_with_its_bindings() {
    let (sim, report) = run_json(&conformance_file("publish-declares-exchange"));
    let code = sim.setup().actors[0].program.code.join("\n");
    assert!(code.contains("channel.exchange_declare(exchange='orders', exchange_type='fanout', durable=True)"), "{code}");
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2]);
}
