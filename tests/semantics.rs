//! RabbitMQ behaviour beyond the observed rows, as documented: batch acks, TTL, max-length,
//! quorum delivery limits, topic routing, quorum queues across node crashes, partitions.
//! Each test pins the exact outcome.

use queue_playground::systems::rabbitmq::trace::{DeathReason, DiscardReason, Event};
use queue_playground::engine::Verdict;
use queue_playground::scenario::*;

mod common;
use common::{conformance_file, delivery_order, discarded, run_json};

#[test]
fn batch_ack_settles_every_earlier_delivery_and_leaves_the_tail_unacked() {
    let (sim, report) = run_json(r#"{"name":"batch","queues":[{"name":"q","durable":true}],"actors":[
        {"role":"producer","name":"p","queue":"q","messages":10,"interval_ms":1},
        {"role":"consumer","name":"c","queue":"q","auto_ack":false,"ack_every":4,"start_ms":100}]}"#);
    let batches = sim.trace().iter().filter(|e| matches!(e.event, Event::AckMultipleSent { .. })).count();
    assert_eq!(batches, 2, "tags 4 and 8 end a batch");
    assert_eq!(sim.trace().iter().filter(|e| matches!(e.event, Event::MessageAcked { .. })).count(), 8);
    // 9 and 10 wait for a batch that never ends, until the broker's consumer_timeout (30 min,
    // checked at a channel tick) closes the channel: they go back to the queue, and the idle
    // consumer's start_consuming raises the 406.
    assert_eq!((report.queues[0].depth, report.queues[0].unacked), (2, 0));
    assert_eq!(
        report.actors[1].exit_error.as_deref(),
        Some("pika.exceptions.ChannelClosedByBroker: (406, 'PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms. This timeout value can be configured, see consumers doc guide to learn more')")
    );
    let code = sim.setup().actors[1].program.code.join("\n");
    assert!(code.contains("ch.basic_ack(delivery_tag=method.delivery_tag, multiple=True)"), "{code}");
}

#[test]
fn ttl_expires_unconsumed_messages_to_the_dead_letter_exchange() {
    let (sim, report) = run_json(r#"{"name":"ttl","queues":[
        {"name":"q","durable":true,"message_ttl_ms":500,"dead_letter_exchange":"dlx"},{"name":"dlq","durable":true}],
        "exchanges":[{"name":"dlx","type":"fanout"}],"bindings":[{"exchange":"dlx","queue":"dlq"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":3,"interval_ms":100}]}"#);
    assert_eq!(report.queues[1].ready, vec![0, 1, 2]);
    assert!(sim.trace().iter().all(|e| !matches!(e.event, Event::MessageDeadLettered { reason, .. } if reason != DeathReason::Expired)));
    assert_eq!(report.data_with(Verdict::DeadLettered), vec![0, 1, 2]);
}

#[test]
fn ttl_without_dead_letter_exchange_drops_and_the_verdict_is_expired() {
    let (sim, report) = run_json(r#"{"name":"ttl","queues":[{"name":"q","durable":true,"message_ttl_ms":500}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":3,"interval_ms":100},
                  {"role":"consumer","name":"c","queue":"q","start_ms":650}]}"#);
    // Published at ~0, 100, 200 with a 500 ms TTL: 0 and 1 expire before the consumer comes.
    assert_eq!(discarded(&sim, DiscardReason::Expired), vec![0, 1]);
    assert_eq!(report.data_with(Verdict::Expired), vec![0, 1]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![2]);
}

#[test]
fn max_length_drop_head_drops_the_oldest() {
    let (sim, report) = run_json(r#"{"name":"maxlen","queues":[{"name":"q","durable":true,"max_length":3}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":5,"interval_ms":10}]}"#);
    assert_eq!(report.queues[0].ready, vec![2, 3, 4]);
    assert_eq!(discarded(&sim, DiscardReason::MaxLength), vec![0, 1]);
}

#[test]
fn max_length_reject_publish_refuses_the_newest_and_nacks_the_confirm() {
    let (sim, report) = run_json(r#"{"name":"maxlen","queues":[{"name":"q","durable":true,"max_length":3,"overflow":"reject-publish"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":5,"interval_ms":10,"confirms":true}]}"#);
    assert_eq!(report.queues[0].ready, vec![0, 1, 2]);
    assert_eq!(discarded(&sim, DiscardReason::MaxLength), vec![3]);
    assert!(sim.trace().iter().any(|e| matches!(e.event, Event::PublishNacked { .. })));
    assert_eq!(report.actors[0].exit_error.as_deref(), Some("pika.exceptions.NackError: 1 message(s) NACKed"));
}

#[test]
fn quorum_delivery_limit_dead_letters_a_poison_message() {
    let (sim, report) = run_json(r#"{"name":"limit","queues":[
        {"name":"q","durable":true,"type":"quorum","delivery_limit":2,"dead_letter_exchange":"dlx"},{"name":"dlq","durable":true}],
        "exchanges":[{"name":"dlx","type":"fanout"}],"bindings":[{"exchange":"dlx","queue":"dlq"}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":3,"interval_ms":10},
                  {"role":"consumer","name":"c","queue":"q","auto_ack":false,"prefetch_count":1,"on_failure":"nack_requeue","fail":{"data":[1]},"start_ms":100}]}"#);
    let deliveries_of_1 = report.messages.iter().find(|m| m.data == 1).unwrap().deliveries.len();
    assert_eq!(deliveries_of_1, 3, "delivered limit + 1 times");
    assert_eq!(report.queues[1].ready, vec![1]);
    assert!(sim.trace().iter().any(|e| matches!(e.event, Event::MessageDeadLettered { reason: DeathReason::DeliveryLimit, .. })));
    assert_eq!(report.data_with(Verdict::DeadLettered), vec![1]);
}

#[test]
fn topic_exchange_routes_by_pattern() {
    let (_, report) = run_json(r#"{"name":"topic","queues":[{"name":"all"},{"name":"errors"},{"name":"none"}],
        "exchanges":[{"name":"logs","type":"topic"}],
        "bindings":[{"exchange":"logs","queue":"all","routing_key":"app.#"},{"exchange":"logs","queue":"errors","routing_key":"*.error"},
                    {"exchange":"logs","queue":"none","routing_key":"db.*"}],
        "actors":[{"role":"producer","name":"p","queue":"all","exchange":"logs","routing_key":"app.error","messages":2,"interval_ms":10,"declare":false}]}"#);
    let ready: Vec<Vec<u32>> = report.queues.iter().map(|q| q.ready.clone()).collect();
    assert_eq!(ready, vec![vec![0, 1], vec![0, 1], vec![]]);
}

#[test]
fn quorum_queue_survives_a_node_crash_classic_queue_waits_for_its_node() {
    let (sim, report) = run_json(include_str!("../src/scenario/catalog/quorum-node-crash.json"));
    assert_eq!(report.queues[0].ready, Vec::<u32>::new(), "the consumer drained the quorum queue");
    let consumer = sim.setup().actor_id("consumer").unwrap();
    let got: Vec<u32> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDelivered { copy, actor, .. } if actor == consumer => Some(sim.ledger().messages[sim.ledger().message_of(copy).index()].data),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
    assert_eq!(report.queues[1].ready, vec![0, 1, 2, 3, 4], "the persistent messages wait on the crashed node");
    assert_eq!(report.counts.lost, 0);
    // Not flagged redelivered while their node is down: a crashed classic queue flags what it
    // recovers only when it starts again (the diagram showed them redelivered).
    let waiting = sim.ledger().copies.iter().filter(|c| c.place == queue_playground::engine::ledger::Place::Ready { queue: queue_playground::engine::ids::QueueId(1) });
    assert!(waiting.clone().count() == 5 && waiting.clone().all(|c| !c.redelivered));
}

/// A partition shorter than the heartbeat timeout: TCP holds the acks sent during it and
/// delivers them on the heal, so the broker requeues nothing and nothing is processed twice
/// (`tests/partition.rs` has the cuts that outlive the timeout).
#[test]
fn a_partition_healed_before_the_heartbeat_timeout_requeues_nothing() {
    let (sim, report) = run_json(r#"{"name":"partition","queues":[{"name":"q","durable":true}],
        "actors":[{"role":"producer","name":"p","queue":"q","messages":4,"interval_ms":1},
                  {"role":"consumer","name":"c","queue":"q","auto_ack":false,"work_ms":100,"start_ms":50,"reconnect_ms":100}],
        "faults":[{"when":{"at_ms":120},"do":{"partition":["c","rabbit@0"]}},{"when":{"at_ms":400},"do":{"heal":["c","rabbit@0"]}}]}"#);
    assert!(!sim.trace().iter().any(|e| matches!(e.event, Event::ChannelClosed { .. } | Event::ConnectionLost { .. })));
    let acked: Vec<u32> = sim.trace().iter().filter(|e| matches!(e.event, Event::MessageAcked { .. })).map(|e| e.at_ms).collect();
    assert_eq!(acked, vec![401, 401, 401, 459], "the three acks held in the cut arrive on the heal, the last one after it");
    assert_eq!(report.counts.lost, 0);
    assert_eq!(report.counts.pending, 0);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2, 3]);
}

/// RabbitMQ 3.10 refuses `queue_declare` of a durable classic queue whose home node is down
/// (`rabbit_amqqueue:priv_absent`): 404 NOT_FOUND closes the channel and pika raises
/// `ChannelClosedByBroker` from `queue_declare`. The article's consumer exits with it; one
/// with reconnect logic retries until the node is back, then drains the recovered queue.
#[test]
fn declaring_a_durable_queue_whose_home_node_is_down_closes_the_channel_with_404() {
    let (sim, report) = run_json(r#"{"name":"home-down","broker":{"nodes":3},"queues":[{"name":"classic_queue","durable":true,"node":0}],
        "actors":[{"role":"producer","name":"producer","queue":"classic_queue","messages":3,"interval_ms":100,"node":1,"delivery_mode":2},
                  {"role":"consumer","name":"consumer","queue":"classic_queue","auto_ack":true,"start_ms":2000,"node":1},
                  {"role":"consumer","name":"patient","queue":"classic_queue","auto_ack":true,"start_ms":2000,"node":2,"reconnect_ms":3000}],
        "faults":[{"when":{"at_ms":1000},"do":{"crash_node":{"node":0,"restart":false}}},{"when":{"at_ms":10000},"do":{"start_node":0}}]}"#);
    assert_eq!(
        report.actors[1].exit_error.as_deref(),
        Some("pika.exceptions.ChannelClosedByBroker: (404, \"NOT_FOUND - home node 'rabbit@0' of durable queue 'classic_queue' in vhost '/' is down or inaccessible\")")
    );
    let refused: Vec<(u32, u16)> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::QueueDeclareRefused { actor, .. } => Some((e.at_ms, actor.0)),
            _ => None,
        })
        .collect();
    assert_eq!(refused, vec![(2004, 1), (2004, 2), (5008, 2), (8008 + 4, 2)], "each attempt while rabbit@0 is down");
    // Processed once each, but flagged redelivered: the queue recovered from a crash.
    assert_eq!(report.data_with(Verdict::Redelivered), vec![0, 1, 2], "the patient consumer drained it after the restart");
    assert_eq!(report.counts.lost, 0);
}

/// §4.1's `rabbitmqadmin declare queue`: the queue exists from its command on, with the
/// properties `queues` gives it, before any program connects; it prints `queue declared` and
/// exits 0. With the management API's node down it prints rabbitmqadmin's own error and exits 1.
#[test]
fn rabbitmqadmin_declares_the_queue_before_the_programs_and_exits() {
    let (sim, report) = run_json(r#"{"name":"admin","queues":[{"name":"q","durable":true,"type":"quorum"},{"name":"r"}],
        "broker":{"nodes":3},
        "actors":[{"role":"admin","name":"rabbitmqadmin","declare":["q","r"]},
        {"role":"consumer","name":"c","queue":"q","declare":false,"start_ms":50}]}"#);
    let declared: Vec<(u16, u32)> =
        sim.trace().iter().filter_map(|e| match e.event { Event::QueueDeclared { actor, queue, .. } => Some((actor.0, queue.0 as u32)), _ => None }).collect();
    assert_eq!(declared, vec![(0, 0), (0, 1)], "rabbitmqadmin declares q then r");
    let admin = &report.actors[0];
    assert_eq!((admin.role, admin.exit_error.as_deref()), ("admin", None));
    assert_eq!(sim.actors()[0].status, queue_playground::systems::rabbitmq::world::ActorStatus::Finished);
    assert_eq!(admin.terminal, vec!["queue declared", "queue declared"]);
    assert!(report.actors[1].exit_error.is_none(), "the consumer, which does not declare, finds the queue");
    assert_eq!(
        sim.setup().actors[0].program.code,
        vec![
            r#"$ rabbitmqadmin -H rabbit0 declare queue name=q durable=true auto_delete=false arguments='{"x-queue-type": "quorum"}'"#,
            "$ rabbitmqadmin -H rabbit0 declare queue name=r durable=false auto_delete=false",
        ]
    );

    let (sim, report) = run_json(r#"{"name":"admin-down","queues":[{"name":"q","durable":true}],
        "actors":[{"role":"admin","name":"rabbitmqadmin","declare":["q"],"start_ms":10}],
        "faults":[{"when":{"at_ms":0},"do":{"stop_node":{"node":0,"restart":false}}}]}"#);
    assert_eq!(report.actors[0].terminal, vec!["*** Could not connect: [Errno 111] Connection refused"]);
    assert_eq!(report.actors[0].exit_error.as_deref(), Some("*** Could not connect: [Errno 111] Connection refused"));
    assert!(!sim.trace().iter().any(|e| matches!(e.event, Event::QueueDeclared { .. })), "nothing was declared");

    let refused = Scenario::from_json(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"admin","name":"a","declare":["nope"]}]}"#);
    assert_eq!(refused.unwrap_err().to_string(), "actors[0].declare[0]: queue \"nope\" is not declared in queues");
}

/// rabbitmqadmin declaring a durable classic queue whose home node is down: the channel's 404
/// reaches it as the management API's HTTP 404, which it prints in its own words and exits 1.
#[test]
fn rabbitmqadmin_gets_a_404_for_a_durable_queue_whose_home_node_is_down() {
    let (sim, report) = run_json(r#"{"name":"admin-404","broker":{"nodes":2},"queues":[{"name":"q 1","durable":true,"node":1}],
        "actors":[{"role":"admin","name":"rabbitmqadmin","declare":["q 1"],"start_ms":10}],
        "faults":[{"when":{"at_ms":0},"do":{"crash_node":{"node":1,"restart":false}}}]}"#);
    assert_eq!(report.actors[0].terminal, vec!["*** Not found: /api/queues/%2F/q%201"]);
    assert_eq!(report.actors[0].exit_error.as_deref(), Some("*** Not found: /api/queues/%2F/q%201"));
    assert!(sim.trace().iter().any(|e| matches!(e.event, Event::QueueDeclareRefused { .. })));
    let exited = sim.trace().iter().position(|e| matches!(e.event, Event::ActorExited { error: Some(_), .. })).unwrap();
    let sentence = queue_playground::i18n::describe_at(sim.trace(), exited, &sim, queue_playground::i18n::Lang::En);
    assert_eq!(sentence, "rabbitmqadmin exited with *** Not found: /api/queues/%2F/q%201");
}

/// Where a nacked (requeue=True) message goes back to, per queue type, as RabbitMQ 3.10.8 did
/// it (`tests/conformance/scenarios/requeue-*.json`, also run on the real broker): a classic
/// queue and a quorum queue with a delivery limit put it back at the head; a quorum queue
/// without one appends it at the tail (rabbit_fifo's `#requeue{}`).
#[test]
fn a_nacked_message_goes_back_to_the_head_except_in_a_quorum_queue_without_delivery_limit() {
    let order = |name: &str| delivery_order(&run_json(&conformance_file(name)).0);
    assert_eq!(order("requeue-classic-prefetch-1"), "0 1 1r 2 3 4");
    assert_eq!(order("requeue-quorum-limit-prefetch-1"), "0 1 1r 2 3 4");
    assert_eq!(order("requeue-quorum-prefetch-1"), "0 1 2 3 4 1r");
    for name in ["requeue-classic-prefetch-unlimited", "requeue-quorum-limit-prefetch-unlimited", "requeue-quorum-prefetch-unlimited"] {
        assert_eq!(order(name), "0 1 2 3 4 1r", "{name}: the consumer already holds 2-4");
    }
}

/// What `redelivered` says after a broker crash (kill -9) and after a graceful stop, as
/// RabbitMQ 3.10.8 did it (`tests/conformance/scenarios/broker-*.json`, also run on the real
/// broker): after a crash a classic queue flags every recovered message redelivered, even one
/// never delivered; after a stop only the ones that were delivered.
#[test]
fn after_a_crash_every_recovered_message_is_redelivered_after_a_stop_only_the_delivered_ones() {
    let flags = |name: &str| delivery_order(&run_json(&conformance_file(name)).0);
    assert_eq!(flags("broker-crash-never-delivered"), "0r 1r 2r 3r");
    assert_eq!(flags("broker-stop-never-delivered"), "0 1 2 3");
    // Acked 0 (900 ms before: on disk); 1 in its work and 2-5 in the client's buffer when the
    // broker crashed.
    assert_eq!(flags("broker-crash-unacked"), "0 1 2 3 4 5 1r 2r 3r 4r 5r");
}

/// A quorum queue on a single node after a kill -9 (RabbitMQ 3.10.8, `tests/conformance/
/// scenarios/quorum-crash-*.json`, also run on the real broker): every message is recovered,
/// even transient ones (a quorum queue keeps them all in its log); unlike a classic queue,
/// only the ones that had been delivered come back flagged redelivered (with
/// `x-delivery-count`), and they come back first, ahead of the ones never sent.
#[test]
fn after_a_crash_a_quorum_queue_flags_only_what_it_had_delivered() {
    let (sim, report) = run_json(&conformance_file("quorum-crash-never-delivered"));
    assert_eq!(delivery_order(&sim), "0 1 2 3");
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2, 3]);
    // prefetch 3: 0-2 at the consumer (0 mid-work) when the node died, 3-5 never sent.
    let (sim, report) = run_json(&conformance_file("quorum-crash-unacked"));
    assert_eq!(delivery_order(&sim), "0 1 2 0r 1r 2r 3 4 5");
    assert_eq!(report.data_with(Verdict::Duplicated), vec![0], "0's work was done; its ack never reached the broker");
    let counts: Vec<Option<u32>> = report.messages.iter().map(|m| m.deliveries.last().and_then(|d| d.headers.delivery_count)).collect();
    assert_eq!(counts, vec![Some(1), Some(1), Some(1), None, None, None]);
}

/// A consumer that polls with `basic_get` (`poll_ms`): one message per call, the callback run
/// on it, a sleep when the queue is empty. It holds at most the message in hand, so a crash
/// mid-work leaves only that one unacked (and it is requeued, redelivered), where a
/// subscriber without prefetch would have had all of them pushed to it.
/// (`tests/conformance/scenarios/basic-get*.json`, also run on the real broker.)
#[test]
fn a_polling_consumer_gets_one_message_at_a_time_and_a_crash_requeues_only_the_one_in_hand() {
    let (sim, report) = run_json(&conformance_file("basic-get"));
    let code = sim.setup().actors[0].program.code.join("\n");
    assert!(code.contains("        method, properties, body = channel.basic_get(queue='test_queue', auto_ack=False)\n        if method is None:"), "{code}");
    assert!(!code.contains("basic_consume"), "{code}");
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2]);
    let polls = sim.trace().iter().filter(|e| matches!(e.event, Event::Slept { actor, .. } if actor.0 == 0)).count();
    assert!(polls >= 4, "it slept between empty polls: {polls}");
    // It polls forever, but once nothing else can fill the queue the run is over.
    assert_eq!(sim.finish(), Some(queue_playground::engine::Finish::Quiescent));
    assert_eq!(report.time_ms, 3528, "the last poll after the last message, not the time limit");
    // Narrated as polling: the broker's answer to a basic_get (sent; a cut may still keep it
    // from the consumer), and a sleep after an empty one.
    let told = |lang| -> Vec<String> { (0..sim.trace().len()).map(|i| queue_playground::i18n::describe_at(sim.trace(), i, &sim, lang)).collect() };
    let en = told(queue_playground::i18n::Lang::En);
    assert!(en.contains(&"the broker answered consumer's basic_get with {'data': 0}".to_string()), "{en:#?}");
    assert!(!en.iter().any(|line| line.contains("the broker delivered")), "{en:#?}");
    assert!(en.iter().any(|line| line.starts_with("consumer's basic_get found test_queue empty; it sleeps ")), "{en:#?}");
    let zh = told(queue_playground::i18n::Lang::Zh);
    assert!(zh.contains(&"broker 用 {'data': 0} 回应了 consumer 的 basic_get".to_string()), "{zh:#?}");

    let (sim, report) = run_json(&conformance_file("basic-get-crash"));
    // Crashed right after printing 2: 0 and 1 acked, 2 in hand, 3-5 never left the queue.
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1]);
    assert_eq!(report.queues[0].ready, vec![2, 3, 4, 5]);
    let requeued: Vec<u32> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageRequeued { copy, .. } => Some(sim.ledger().messages[sim.ledger().copy(copy).message.index()].data),
            _ => None,
        })
        .collect();
    assert_eq!(requeued, vec![2], "only the message in hand was unacked");
    let invalid = Scenario::from_json(r#"{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","poll_ms":100,"prefetch_count":1}]}"#);
    assert!(invalid.unwrap_err().to_string().starts_with("actors[0].prefetch_count: basic_qos limits basic_consume only"));
}

/// A nack after some work (`fail.after_work`): `process()` does its 0.3 s of work, then
/// raises; the consumer nacks with requeue. Message 1 comes back after 2-4, which the
/// consumer already holds, and the work on it took its time both times
/// (`tests/conformance/scenarios/nack-after-work.json`, also run on the real broker).
#[test]
fn a_nack_after_the_work_costs_the_work_and_requeues() {
    let (sim, report) = run_json(&conformance_file("nack-after-work"));
    let code = sim.setup().actors[1].program.code.join("\n");
    assert!(code.contains("def process(message):\n    time.sleep(0.3)  # the work\n    tries[message['data']] += 1"), "{code}");
    let nacks: Vec<u32> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::NackSent { .. } => Some(e.at_ms),
            _ => None,
        })
        .collect();
    let started: Vec<u32> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::WorkStarted { .. } => Some(e.at_ms),
            _ => None,
        })
        .collect();
    assert_eq!(started.len(), 6, "every delivery's work ran, the failing one's too");
    assert_eq!(nacks.len(), 1);
    assert!(nacks[0] >= started[1] + 300, "the nack comes after the work: {nacks:?} {started:?}");
    assert_eq!(report.data_with(Verdict::OutOfOrder), vec![1]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 2, 3, 4]);
    assert_eq!(report.time_ms, 2109);
}

/// A dead letter keeps the routing key it was published with when its queue gives no
/// `x-dead-letter-routing-key` (`rabbit_dead_letter:make_msg`), so a direct dead-letter
/// exchange routes it by that key, not by the queue's name
/// (`tests/conformance/scenarios/dead-letter-keeps-routing-key.json`, also on the real broker).
#[test]
fn a_dead_letter_keeps_its_routing_key_without_a_dead_letter_routing_key() {
    let (_, report) = run_json(&conformance_file("dead-letter-keeps-routing-key"));
    let ready = |name: &str| report.queues.iter().find(|q| q.name == name).map(|q| q.ready.clone()).unwrap();
    assert_eq!(ready("dlq-by-key"), vec![0, 1]);
    assert_eq!(ready("dlq-by-name"), Vec::<u32>::new());
    // With the queue's own key given, that key routes it (and it sticks for the next hop).
    let mut scenario: serde_json::Value = serde_json::from_str(&conformance_file("dead-letter-keeps-routing-key")).unwrap();
    scenario["queues"][0]["dead_letter_routing_key"] = "orders".into();
    let (_, report) = run_json(&scenario.to_string());
    let ready = |name: &str| report.queues.iter().find(|q| q.name == name).map(|q| q.ready.clone()).unwrap();
    assert_eq!((ready("dlq-by-key"), ready("dlq-by-name")), (vec![], vec![0, 1]));
}

/// A producer that catches the error and goes on (`retry.on_give_up: skip`): after its last
/// retry it prints ` [!] giving up on {...}`, connects again for the next message and
/// finishes normally (`tests/conformance/scenarios/retry-give-up-and-go-on.json`, also on the
/// real broker): 0 and 1 find no queue (mandatory with confirms: `UnroutableError` each try),
/// 2 goes through once the consumer has declared the queue.
#[test]
fn a_producer_that_gives_up_on_a_message_goes_on_with_the_next() {
    let (sim, report) = run_json(&conformance_file("retry-give-up-and-go-on"));
    let code = sim.setup().actors[0].program.code.join("\n");
    assert!(code.contains("                    print(f\" [!] giving up on {message}\")\n                    channel = None"), "{code}");
    assert!(code.contains("    if connection is not None and connection.is_open:\n        connection.close()"), "{code}");
    assert_eq!(
        report.actors[0].terminal,
        [" [!] retrying {'data': 0}", " [!] giving up on {'data': 0}", " [!] retrying {'data': 1}", " [!] giving up on {'data': 1}", " [x] Sent {'data': 2}"]
    );
    assert_eq!(report.actors[0].exit_error, None, "it finished");
    assert_eq!(report.data_with(Verdict::Lost), vec![0, 1]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![2]);
    // Re-raising instead (the default) ends the program at the first message.
    let mut raising: serde_json::Value = serde_json::from_str(&conformance_file("retry-give-up-and-go-on")).unwrap();
    raising["actors"][0]["retry"].as_object_mut().unwrap().remove("on_give_up");
    let (_, report) = run_json(&raising.to_string());
    assert_eq!(report.actors[0].exit_error.as_deref(), Some("pika.exceptions.UnroutableError: 1 unroutable message(s) returned"));
}

/// consumer_timeout closes the channel of a program killed during a cut (the broker could not
/// see it die): the sentence does not promise a next call to a dead program.
#[test]
fn a_consumer_timeout_of_a_dead_program_does_not_promise_a_next_call() {
    let json = r#"{"name":"x","broker":{"heartbeat_ms":0,"consumer_timeout_ms":5000,"channel_tick_ms":1000},
        "queues":[{"name":"test_queue","durable":true}],
        "actors":[{"role":"producer","name":"producer","messages":3,"interval_ms":10},
                  {"role":"consumer","name":"consumer","auto_ack":false,"work_ms":1000}],
        "faults":[{"when":{"at_ms":500},"do":{"partition":["consumer","rabbit@0"]}},
                  {"when":{"at_ms":700},"do":{"crash":"consumer"}}]}"#;
    let (sim, _) = run_json(json);
    let index = sim
        .trace()
        .iter()
        .position(|e| matches!(e.event, Event::ChannelError { error: queue_playground::systems::rabbitmq::trace::ClientError::AckTimeout, .. }))
        .expect("the consumer timeout fired");
    let en = queue_playground::i18n::describe_at(sim.trace(), index, &sim, queue_playground::i18n::Lang::En);
    assert!(en.ends_with("Its unacked deliveries go back to the queue; the program is no longer running"), "{en}");
    let zh = queue_playground::i18n::describe_at(sim.trace(), index, &sim, queue_playground::i18n::Lang::Zh);
    assert!(zh.ends_with("它未确认的消息回到队列；该程序已不在运行"), "{zh}");
    // A program still running finds out at its next call (`consumer-timeout`).
    let (sim, _) = run_json(&conformance_file("consumer-timeout"));
    let index = sim
        .trace()
        .iter()
        .position(|e| matches!(e.event, Event::ChannelError { error: queue_playground::systems::rabbitmq::trace::ClientError::AckTimeout, .. }))
        .expect("the consumer timeout fired");
    let en = queue_playground::i18n::describe_at(sim.trace(), index, &sim, queue_playground::i18n::Lang::En);
    assert!(en.starts_with("the broker closed ") && en.ends_with("older than consumer_timeout (3000 ms). Its unacked deliveries go back to the queue; the program finds out at its next call"), "{en}");
}

/// The last publish is lost on the network and the connection reset: the article's producer
/// then calls `connection.close()`, which raises StreamLostError (RabbitMQ 3.10.8 + pika
/// 1.3.2, `tests/conformance/scenarios/drop-last-publish.json`; a learner walk asked). A
/// channel the broker closed (404) makes no such error: `publish-missing-exchange-last`.
#[test]
fn close_after_a_reset_raises_stream_lost() {
    let (_, report) = run_json(&conformance_file("drop-last-publish"));
    assert_eq!(report.data_with(Verdict::Lost), vec![2]);
    assert_eq!(
        report.actors[0].exit_error.as_deref(),
        Some("pika.exceptions.StreamLostError: Stream connection lost: ConnectionResetError(104, 'Connection reset by peer')")
    );
    let (_, report) = run_json(&conformance_file("publish-missing-exchange-last"));
    let producer = report.actors.iter().find(|a| a.role == "producer").unwrap();
    assert_eq!(producer.exit_error, None);
}
