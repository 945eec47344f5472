//! A network cut between a consumer (or producer) and its broker node, as the real client
//! lives it (issue 8): nothing passes, neither end notices at once, each end gives up when
//! its own heartbeat check finds the peer silent (pika 1.3 `HeartbeatChecker`: a check every
//! timeout + 5 s; RabbitMQ 3.10 `rabbit_heartbeat`: two silent checks of `timeout` each),
//! and a heal before that lets everything continue with the held frames delivered late.
//! Each test pins the exact outcome and the simulated times.

use queue_playground::systems::rabbitmq::trace::{ClientError, DiscardReason, Event};
use queue_playground::systems::rabbitmq::world::ActorStatus;
use queue_playground::engine::{Until, Verdict};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::{Report, Why};
use queue_playground::scenario::*;

mod common;
use common::discarded;

const HEARTBEAT_TIMEOUT_60: &str = "pika.exceptions.AMQPHeartbeatTimeout: No activity or too many missed heartbeats in the last 60 seconds";

fn run(scenario: &Scenario) -> (Sim, Report) {
    let mut sim = Sim::new(scenario).expect("valid");
    sim.run_until(Until::Quiescence);
    sim.check_conservation().expect("conservation");
    let report = Report::new(&sim, false);
    (sim, report)
}

fn run_json(json: &str) -> (Sim, Report) {
    run(&Scenario::from_json(json).unwrap_or_else(|e| panic!("invalid test scenario: {e}")))
}

/// The times of the events `pick` selects.
fn times(sim: &Sim, pick: impl Fn(&Event) -> bool) -> Vec<u32> {
    sim.trace().iter().filter(|e| pick(&e.event)).map(|e| e.at_ms).collect()
}

fn data(sim: &Sim, copy: queue_playground::engine::ids::CopyId) -> u32 {
    sim.ledger().messages[sim.ledger().message_of(copy).index()].data
}

/// A producer of 10 messages a second apart from t=0 and a consumer connected at t=100 ms;
/// the consumer's network is cut at 3.5 s (after message 3 was delivered and acked).
fn cut_consumer(auto_ack: bool, reconnect_ms: Option<u64>, heal_ms: Option<u64>) -> Scenario {
    let reconnect = reconnect_ms.map_or(String::new(), |ms| format!(r#","reconnect_ms":{ms}"#));
    let heal = heal_ms.map_or(String::new(), |ms| format!(r#",{{"when":{{"at_ms":{ms}}},"do":{{"heal":["consumer","rabbit@0"]}}}}"#));
    Scenario::from_json(&format!(
        r#"{{"name":"cut","queues":[{{"name":"test_queue","durable":true}}],
            "actors":[{{"role":"producer","name":"producer","messages":10,"interval_ms":1000}},
                      {{"role":"consumer","name":"consumer","auto_ack":{auto_ack},"work_ms":200,"start_ms":100{reconnect}}}],
            "faults":[{{"when":{{"at_ms":3500}},"do":{{"partition":["consumer","rabbit@0"]}}}}{heal}]}}"#
    ))
    .unwrap()
}

fn no_heartbeat_events(sim: &Sim) -> bool {
    !sim.trace().iter().any(|e| {
        matches!(
            e.event,
            Event::ClientHeartbeatTimeout { .. } | Event::BrokerHeartbeatTimeout { .. } | Event::ChannelClosed { .. } | Event::ConnectionLost { .. }
        )
    })
}

/// Healed 46.5 s later, well within both ends' heartbeat checks: the six deliveries the
/// broker sent during the cut were held (TCP retransmits) and arrive at the heal; nothing is
/// lost, nothing is redelivered, nobody raised.
#[test]
fn a_cut_healed_before_the_heartbeat_timeout_only_delays() {
    for auto_ack in [true, false] {
        let (sim, report) = run(&cut_consumer(auto_ack, None, Some(50_000)));
        assert!(no_heartbeat_events(&sim), "auto_ack={auto_ack}: nobody gave up");
        assert_eq!(report.label.name(), "effectively-once", "auto_ack={auto_ack}: {}", report.summary);
        assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..10).collect::<Vec<u32>>());
        let released: Vec<(u32, u32)> = sim
            .trace()
            .iter()
            .filter_map(|e| match e.event {
                Event::FramesReleased { count, .. } => Some((e.at_ms, count)),
                _ => None,
            })
            .collect();
        // Deliveries 4..9; under manual ack nothing the client sent was held (it had acked
        // 0..3 before the cut and then waited).
        assert_eq!(released, vec![(50_000, 6)], "auto_ack={auto_ack}");
        let delivered: Vec<(u32, bool)> = sim
            .trace()
            .iter()
            .filter_map(|e| match e.event {
                Event::MessageDelivered { copy, redelivered, .. } => Some((data(&sim, copy), redelivered)),
                _ => None,
            })
            .collect();
        assert_eq!(delivered, (0..10).map(|d| (d, false)).collect::<Vec<_>>(), "each delivered once, never redelivered");
        let late = times(&sim, |e| matches!(e, Event::EffectApplied { .. }));
        assert!(late[4..].iter().all(|&t| t > 50_000), "4..9 were processed after the heal: {late:?}");
        assert_eq!(report.actors[1].status, ActorStatus::Running);
        assert_eq!(report.actors[1].exit_error, None);
    }
}

/// The article's consumer (auto_ack=True, no reconnect) cut for good. pika's check runs
/// every 65 s from the connection (t0 = 100 ms): the one at 65.1 s still saw the deliveries
/// of 0..3, the one at 130.1 s saw nothing and aborts the connection; the idle consumer
/// raises out of `start_consuming` at once. The broker's receiver (a check every 60 s, two
/// silent ones in a row) closes its end at 180.1 s. What the broker pushed during the cut
/// (4..9, auto-acked when sent) is lost with the connection. Observed the same on RabbitMQ
/// 3.10.8 with pika 1.3.2 and the default heartbeat (cut 3.5 s after connecting): pika raised
/// at 130.04 s, the broker closed at 180.02 s, 4..9 gone (the queue empty).
#[test]
fn the_article_consumer_cut_for_good_exits_with_amqp_heartbeat_timeout() {
    let (sim, report) = run(&cut_consumer(true, None, None));
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), vec![130_100]);
    assert_eq!(times(&sim, |e| matches!(e, Event::ActorExited { error: Some(ClientError::HeartbeatTimeout), .. })), vec![130_100]);
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![180_100]);
    assert_eq!(report.actors[1].exit_error.as_deref(), Some(HEARTBEAT_TIMEOUT_60));
    assert_eq!(report.actors[1].terminal.last().map(String::as_str), Some(HEARTBEAT_TIMEOUT_60), "the traceback's last line");
    assert_eq!(report.label.name(), "at-most-once", "{}", report.summary);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2, 3]);
    assert_eq!(report.data_with(Verdict::Lost), vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(discarded(&sim, DiscardReason::ConnectionCut), vec![4, 5, 6, 7, 8, 9]);
    let cause = report.messages[4].cause.clone().unwrap();
    assert_eq!((cause.reason, cause.at_ms), (Why::Discarded(DiscardReason::ConnectionCut), 130_100));
    assert_eq!(
        cause.text,
        "the broker sent it with auto_ack=True, so it left the queue, but the network was cut and the connection was given up before it arrived"
    );
    assert_eq!(report.time_ms, 180_100, "the run ends when the broker closes its end");
}

/// The catalog's article as written (the consumer starts after the producer finished and
/// drains the queue at once), cut at 12 s: it had nothing left to lose, but it still dies,
/// 130 s after it connected (11 s), with the exact pika error.
#[test]
fn the_catalog_article_consumer_cut_exits_with_the_exact_error_at_its_check() {
    let mut scenario = queue_playground::scenario::catalog::get("article").unwrap();
    scenario.faults.push(FaultSpec { when: Trigger::AtMs(12_000), action: FaultAction::Partition("consumer".into(), "rabbit@0".into()) });
    let (sim, report) = run(&scenario);
    assert_eq!(times(&sim, |e| matches!(e, Event::ActorExited { error: Some(_), .. })), vec![141_000]);
    assert_eq!(report.actors[2].exit_error.as_deref(), Some(HEARTBEAT_TIMEOUT_60));
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![191_000]);
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..10).collect::<Vec<u32>>());
    let index = sim.trace().iter().position(|e| matches!(e.event, Event::ActorExited { error: Some(_), .. })).unwrap();
    let sentence = queue_playground::i18n::describe_at(sim.trace(), index, &sim, queue_playground::i18n::Lang::En);
    assert_eq!(
        sentence,
        format!("consumer exited with {HEARTBEAT_TIMEOUT_60}: the network was cut at 12000 ms and pika's heartbeat check found nothing received since")
    );
}

/// Manual ack with reconnect logic, cut for 196.5 s: pika gives up at 130.1 s (the program
/// reconnects 5 s after each failure; a connect across the cut fails after 10 s); the broker gives up at 180.1 s
/// (its last byte from the client was the ack of message 3 at about 3.3 s) and requeues the
/// six unacked deliveries with redelivered=True. After the heal the consumer's next attempt
/// connects and drains the queue: nothing lost, nothing processed twice.
#[test]
fn manual_ack_cut_past_the_timeout_requeues_and_a_reconnecting_consumer_drains_the_queue() {
    let (sim, report) = run(&cut_consumer(false, Some(5_000), Some(200_000)));
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), vec![130_100]);
    assert_eq!(times(&sim, |e| matches!(e, Event::ConnectionLost { error: ClientError::HeartbeatTimeout, .. })), vec![130_100]);
    let closed: Vec<(u32, u32)> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::ChannelClosed { requeued, .. } => Some((e.at_ms, requeued)),
            _ => None,
        })
        .collect();
    assert_eq!(closed, vec![(180_100, 6)]);
    let requeued: Vec<u32> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageRequeued { copy, .. } => Some(data(&sim, copy)),
            _ => None,
        })
        .collect();
    assert_eq!(requeued, vec![4, 5, 6, 7, 8, 9]);
    // While cut, each attempt gets no answer for 10 s (pika's socket_timeout), raises, and
    // the program sleeps 5 s: attempts at 135.1, 150.1, 165.1, 180.1, 195.1 s. The last one's
    // SYN retransmit 7 s in (202.1 s) is the first after the heal at 200 s: it connects.
    let refused = times(&sim, |e| matches!(e, Event::ConnectionRefused { actor, .. } if actor.0 == 1));
    assert_eq!(refused, vec![145_100, 160_100, 175_100, 190_100]);
    let connected = times(&sim, |e| matches!(e, Event::Connected { actor, .. } if actor.0 == 1));
    assert_eq!(connected, vec![100, 202_100]);
    let redelivered: Vec<(u32, u32)> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDelivered { copy, redelivered: true, .. } => Some((e.at_ms, data(&sim, copy))),
            _ => None,
        })
        .collect();
    assert_eq!(redelivered, (4..10).map(|d| (202_106, d)).collect::<Vec<_>>());
    assert_eq!(report.data_with(Verdict::ProcessedOnce), vec![0, 1, 2, 3]);
    assert_eq!(report.data_with(Verdict::Redelivered), vec![4, 5, 6, 7, 8, 9]);
    assert_eq!((report.counts.lost, report.counts.duplicated), (0, 0));
    assert_eq!((report.queues[0].depth, report.queues[0].unacked), (0, 0), "drained");
    assert_eq!(report.actors[1].status, ActorStatus::Running);
}

/// Deliveries the client had already received are still run through the callback before the
/// error (pika's `BlockingChannel._dispatch_events` empties its pending deliveries before
/// the I/O loop, where the heartbeat check runs, goes on). Ten messages wait before the
/// consumer starts; each takes 30 s of work; the cut at 1 s leaves nine of them buffered.
/// pika gives up at 130.1 s, mid-callback; the consumer finishes all ten (auto_ack: nothing
/// in its callback touches the connection) and raises from `start_consuming` afterwards.
#[test]
fn buffered_auto_ack_deliveries_are_processed_before_the_heartbeat_error() {
    let (sim, report) = run_json(
        r#"{"name":"buffered","queues":[{"name":"test_queue","durable":true}],
            "actors":[{"role":"producer","name":"producer","messages":10,"interval_ms":0},
                      {"role":"consumer","name":"consumer","auto_ack":true,"work_ms":30000,"start_ms":100}],
            "faults":[{"when":{"at_ms":1000},"do":{"partition":["consumer","rabbit@0"]}}]}"#,
    );
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), vec![130_100]);
    let effects = times(&sim, |e| matches!(e, Event::EffectApplied { .. }));
    assert_eq!(effects.len(), 10);
    let exited = times(&sim, |e| matches!(e, Event::ActorExited { actor, .. } if actor.0 == 1));
    assert_eq!(exited, vec![*effects.last().unwrap()], "it raised right after the last callback returned");
    assert!(exited[0] > 130_100);
    assert_eq!(report.actors[1].exit_error.as_deref(), Some(HEARTBEAT_TIMEOUT_60));
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..10).collect::<Vec<u32>>());
    assert_eq!(report.counts.lost, 0);
}

/// Under manual ack an ack sent during the cut is held by TCP; when the connection dies
/// with it, the broker requeues a message the consumer had processed: a reconnecting
/// consumer processes it twice. (The client gives up at 130.05 s, the broker at 180.05 s.)
#[test]
fn acks_held_in_a_cut_that_outlives_the_timeout_die_with_it_so_messages_are_processed_twice() {
    let (sim, report) = run_json(
        r#"{"name":"held-acks","queues":[{"name":"q","durable":true}],
            "actors":[{"role":"producer","name":"p","queue":"q","messages":4,"interval_ms":1},
                      {"role":"consumer","name":"c","queue":"q","auto_ack":false,"work_ms":100,"start_ms":50,"reconnect_ms":5000}],
            "faults":[{"when":{"at_ms":120},"do":{"partition":["c","rabbit@0"]}},{"when":{"at_ms":200000},"do":{"heal":["c","rabbit@0"]}}]}"#,
    );
    assert_eq!(times(&sim, |e| matches!(e, Event::AckSent { .. }))[..4], [158, 258, 358, 458], "all four acked during the cut");
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), vec![130_050]);
    assert!(sim.trace().iter().any(|e| e.at_ms == 180_050 && matches!(e.event, Event::ChannelClosed { requeued: 4, .. })));
    assert_eq!(report.data_with(Verdict::Duplicated), vec![0, 1, 2, 3]);
    assert_eq!(report.counts.lost, 0);
}

/// The broker gives up first when the client heard from it until the cut but the client,
/// an auto-ack consumer, sent only pika's heartbeats. Observed on RabbitMQ 3.10.8 with pika
/// 1.3.2 (`heartbeat=10`, ten messages a second, cut at 15.2 s, healed at 42.2 s): the
/// broker logged "missed heartbeats from client" at 40.0 s and pika raised
/// `StreamLostError: Transport indicated EOF` at the heal (its own check was due at 45 s).
/// The model: pika's last heartbeat went out at 15 s, so the broker's checks at 30 s and 40 s
/// are silent; pika's check at 30 s saw the deliveries up to 15.4 s, the next is due at 45 s.
/// What the broker pushed during the cut (155..399, auto-acked when sent) is lost; what was
/// published after it closed waits with nobody to take it.
#[test]
fn when_the_broker_gave_up_first_the_heal_brings_its_fin() {
    let (sim, report) = run_json(
        r#"{"name":"broker-first","broker":{"heartbeat_ms":10000},"queues":[{"name":"test_queue","durable":true}],
            "actors":[{"role":"consumer","name":"consumer","auto_ack":true},
                      {"role":"producer","name":"producer","messages":600,"interval_ms":100}],
            "faults":[{"when":{"at_ms":15500},"do":{"partition":["consumer","rabbit@0"]}},
                      {"when":{"at_ms":42200},"do":{"heal":["consumer","rabbit@0"]}}]}"#,
    );
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![40_000]);
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), Vec::<u32>::new(), "healed before pika's check at 45 s");
    assert_eq!(times(&sim, |e| matches!(e, Event::ActorExited { error: Some(ClientError::StreamEof), .. })), vec![42_201]);
    assert_eq!(report.actors[0].exit_error.as_deref(), Some("pika.exceptions.StreamLostError: Transport indicated EOF"));
    assert_eq!(discarded(&sim, DiscardReason::ConnectionCut), (155..400).collect::<Vec<u32>>(), "pushed during the cut");
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..155).collect::<Vec<u32>>());
    assert_eq!(report.data_with(Verdict::Stranded), (400..600).collect::<Vec<u32>>());
    let index = sim.trace().iter().position(|e| matches!(e.event, Event::ActorExited { error: Some(_), .. })).unwrap();
    let sentence = queue_playground::i18n::describe_at(sim.trace(), index, &sim, queue_playground::i18n::Lang::En);
    assert!(
        sentence.ends_with("during the cut the broker had given up on its connection at 40000 ms (missed heartbeats) and closed it; its FIN arrived when the network healed"),
        "{sentence}"
    );
}

/// Observed on RabbitMQ 3.10.8 with pika 1.3.2 (`heartbeat=10`, one message a second, cut at
/// 20.3 s, healed at 41.8 s): nobody gave up. The broker's checks fall every 10 s, on the
/// same beat as every other pika heartbeat; pika's heartbeat of 20 s arrived just after the
/// broker's check of 20 s (pika re-arms its timer after sending, so it runs late), so the
/// check of 30 s still saw it, 40 s was the first silent one and 50 s would have closed. The
/// model counts a heartbeat due on a check as after it: unhealed, the broker gives up at
/// 50 s and pika (which last heard delivery 20 at 20 s) at 45 s.
#[test]
fn observed_a_heal_at_41_8_s_in_time_for_both_ends() {
    let (sim, report) = run_json(
        r#"{"name":"observed-d","broker":{"heartbeat_ms":10000},"queues":[{"name":"test_queue","durable":true}],
            "actors":[{"role":"consumer","name":"consumer","auto_ack":true},
                      {"role":"producer","name":"producer","messages":30,"interval_ms":1000}],
            "faults":[{"when":{"at_ms":20300},"do":{"partition":["consumer","rabbit@0"]}},
                      {"when":{"at_ms":41800},"do":{"heal":["consumer","rabbit@0"]}}]}"#,
    );
    assert!(no_heartbeat_events(&sim));
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..30).collect::<Vec<u32>>());
    let mut scenario = sim.setup().scenario.clone();
    scenario.faults.pop();
    let (sim, _) = run(&scenario);
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), vec![45_000]);
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![50_000]);
}

/// A publisher waiting for a confirm across a cut is in pika's I/O loop, so its heartbeat
/// check raises out of `basic_publish` (connection opened at 0, check at 65 s sees the
/// confirms before the cut, the one at 130 s nothing). The publish frame was held; the
/// broker, giving up at 180 s, never got it: lost, published but never confirmed.
#[test]
fn a_publisher_waiting_for_a_confirm_raises_amqp_heartbeat_timeout() {
    let (sim, report) = run_json(
        r#"{"name":"confirm-cut","queues":[{"name":"q","durable":true}],
            "actors":[{"role":"producer","name":"p","queue":"q","messages":5,"interval_ms":1000,"confirms":true,"delivery_mode":2}],
            "faults":[{"when":{"at_ms":2500},"do":{"partition":["p","rabbit@0"]}}]}"#,
    );
    assert_eq!(report.actors[0].exit_error.as_deref(), Some(HEARTBEAT_TIMEOUT_60));
    assert_eq!(times(&sim, |e| matches!(e, Event::ActorExited { .. })), vec![130_000]);
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![180_000]);
    assert_eq!(discarded(&sim, DiscardReason::FrameLost), vec![3], "the held publish died with the connection");
    assert_eq!(report.queues[0].ready, vec![0, 1, 2]);
}

/// `broker.heartbeat_ms` sets the negotiated timeout: at 10 s pika checks every 15 s and the
/// broker every 10 s; the error names the timeout. 0 turns heartbeats off: nobody gives up.
#[test]
fn the_heartbeat_timeout_is_a_setting() {
    let mut scenario = cut_consumer(true, None, None);
    scenario.broker.heartbeat_ms = 10_000;
    let (sim, report) = run(&scenario);
    // Client: the cut at 3.5 s came before the broker's first heartbeat (5.1 s), so its last
    // byte was delivery 3 (3.008 s); pika's checks at 15.1 s (saw it) and 30.1 s (silent).
    // Broker: this auto-ack consumer sent nothing but pika's heartbeats, the next due at
    // 5.1 s; its checks at 10.1 s (the handshake), 20.1 s and 30.1 s (both silent).
    assert_eq!(times(&sim, |e| matches!(e, Event::ClientHeartbeatTimeout { .. })), vec![30_100]);
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![30_100]);
    assert_eq!(
        report.actors[1].exit_error.as_deref(),
        Some("pika.exceptions.AMQPHeartbeatTimeout: No activity or too many missed heartbeats in the last 10 seconds")
    );

    scenario.broker.heartbeat_ms = 0;
    let (sim, report) = run(&scenario);
    assert!(no_heartbeat_events(&sim));
    assert_eq!(report.actors[1].status, ActorStatus::Running, "nothing ever tells it");
}

#[test]
fn the_heartbeat_setting_is_validated() {
    let mut scenario = cut_consumer(true, None, None);
    scenario.broker.heartbeat_ms = 1_500;
    let error = scenario.validate().unwrap_err().to_string();
    assert_eq!(error, "broker.heartbeat_ms: must be whole seconds (AMQP negotiates the heartbeat in seconds, at most 65535 s), got 1500");
    scenario.broker.heartbeat_ms = u64::MAX;
    let error = scenario.validate().unwrap_err().to_string();
    assert!(error.starts_with("broker.heartbeat_ms: must be at most 4294967295 ms"), "{error}");
    scenario.broker.heartbeat_ms = 65_536_000;
    assert!(scenario.validate().is_err());
    scenario.broker.heartbeat_ms = 65_535_000;
    assert!(scenario.validate().is_ok());
}

/// Cutting and healing the same link many times before any timeout changes nothing but the
/// timing, and leaves no stale timer behind (the run ends with its last event).
#[test]
fn repeated_short_cuts_leave_no_timer_behind() {
    let mut scenario = cut_consumer(false, None, None);
    scenario.faults.clear();
    for i in 0..5u64 {
        let at = 1_200 + i * 2_000;
        scenario.faults.push(FaultSpec { when: Trigger::AtMs(at), action: FaultAction::Partition("consumer".into(), "rabbit@0".into()) });
        scenario.faults.push(FaultSpec { when: Trigger::AtMs(at + 1_500), action: FaultAction::Heal("consumer".into(), "rabbit@0".into()) });
    }
    let (sim, report) = run(&scenario);
    assert!(no_heartbeat_events(&sim));
    assert_eq!(report.label.name(), "effectively-once", "{}", report.summary);
    assert_eq!(u64::from(sim.trace().last().unwrap().at_ms), report.time_ms, "no stale heartbeat timer kept the run going");
}

/// Observed on a real broker (RabbitMQ 3.10.8, Debian bookworm package; pika 1.3.2
/// `BlockingConnection` with `heartbeat=10`; a loopback proxy that stops forwarding both
/// ways for the cut and forwards what it held on the heal), times from the consumer's
/// connection: messages 0..2 delivered and acked at 9, 10, 11 s; cut at 12.1 s; 3..5
/// published at 12.1, 13.1, 14.1 s.
/// - Never healed: pika raised `AMQPHeartbeatTimeout: No activity or too many missed
///   heartbeats in the last 10 seconds` out of `start_consuming` at 30.03 s; the broker
///   logged "missed heartbeats from client, timeout: 10s" at 40.0 s; then 3 ready, 0 unacked.
/// - Healed at 25.2 s: 3, 4, 5 arrived at 25.25 s (`redelivered=False`), were acked, no error,
///   the queue ended empty.
/// The model gives the same times (30 s and 40 s) and outcomes.
#[test]
fn observed_on_rabbitmq_3_10_8_with_pika_1_3_2() {
    let scenario = |heal: &str| {
        Scenario::from_json(&format!(
            r#"{{"name":"observed","broker":{{"heartbeat_ms":10000}},"queues":[{{"name":"test_queue","durable":true}}],
                "actors":[{{"role":"consumer","name":"consumer","auto_ack":false,"work_ms":200}},
                          {{"role":"producer","name":"producer","messages":6,"interval_ms":1000,"start_ms":9000}}],
                "faults":[{{"when":{{"at_ms":12000}},"do":{{"partition":["consumer","rabbit@0"]}}}}{heal}]}}"#
        ))
        .unwrap()
    };
    let (sim, report) = run(&scenario(""));
    assert_eq!(times(&sim, |e| matches!(e, Event::ActorExited { actor, .. } if actor.0 == 0)), vec![30_000]);
    assert_eq!(
        report.actors[0].exit_error.as_deref(),
        Some("pika.exceptions.AMQPHeartbeatTimeout: No activity or too many missed heartbeats in the last 10 seconds")
    );
    assert_eq!(times(&sim, |e| matches!(e, Event::BrokerHeartbeatTimeout { .. })), vec![40_000]);
    assert_eq!((report.queues[0].ready.clone(), report.queues[0].unacked), (vec![3, 4, 5], 0));

    let (sim, report) = run(&scenario(r#",{"when":{"at_ms":25200},"do":{"heal":["consumer","rabbit@0"]}}"#));
    assert!(no_heartbeat_events(&sim));
    let started: Vec<(u32, u32)> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::CallbackStarted { copy, .. } => Some((e.at_ms, data(&sim, copy))),
            _ => None,
        })
        .collect();
    let late: Vec<u32> = started.iter().filter(|&&(at, _)| at >= 25_200).map(|&(_, d)| d).collect();
    assert_eq!(late, vec![3, 4, 5], "3, 4, 5 reached the callback after the heal: {started:?}");
    assert_eq!(report.data_with(Verdict::ProcessedOnce), (0..6).collect::<Vec<u32>>());
    assert_eq!((report.queues[0].depth, report.queues[0].unacked), (0, 0));
}

/// A publish held in a cut whose broker end then closes for another reason (the node
/// crashes): nobody will read it, so it is lost when a heartbeat check comes due, never left
/// in flight. (The producer, without confirms, never learns: its publish
/// returned and its `close()` is not modelled as waiting for the broker.)
#[test]
fn a_frame_held_towards_an_end_that_closed_otherwise_is_lost_not_left_in_flight() {
    let (sim, report) = run_json(
        r#"{"name":"held-then-crash","queues":[{"name":"q","durable":true}],
            "actors":[{"role":"producer","name":"p","queue":"q","messages":3,"interval_ms":1000,"delivery_mode":2}],
            "faults":[{"when":{"at_ms":1500},"do":{"partition":["p","rabbit@0"]}},
                      {"when":{"at_ms":2500},"do":{"crash_node":{"node":0,"restart":false}}}]}"#,
    );
    let lost_at = sim.trace().iter().find(|e| matches!(e.event, Event::MessageDiscarded { .. })).map(|e| e.at_ms);
    assert_eq!(discarded(&sim, DiscardReason::FrameLost), vec![2], "published at 2 s into the cut, held, then nobody to read it");
    // Both ends are closed by then (the producer finished at 3 s): it goes at the first of
    // their heartbeat checks that comes due, pika's second (its first saw the replies to its
    // opening calls).
    assert_eq!(lost_at, Some(130_000));
    assert_eq!(report.counts.pending, 0, "{}", report.summary);
    assert_eq!(report.data_with(Verdict::Lost), vec![2], "{}", report.summary);
}

/// A program that connects while its network is cut gets no answer (its SYN is lost): no
/// error at once. It connects at the first SYN retransmit after the heal (1, 3, 7 s after the
/// connect), or raises `AMQPConnectionError` when pika's `socket_timeout` (10 s) runs out (a
/// learner walk saw it refused in the same instant as the restart).
#[test]
fn a_connect_across_a_cut_waits_for_the_heal_or_times_out_after_ten_seconds() {
    let scenario = |heal: &str| {
        format!(
            r#"{{"name":"x","queues":[{{"name":"test_queue","durable":true}}],
            "actors":[{{"role":"consumer","name":"consumer","auto_ack":true}},
                      {{"role":"producer","name":"producer","messages":3,"interval_ms":100,"start_ms":500}}],
            "faults":[{{"when":{{"at_ms":1000}},"do":{{"partition":["consumer","rabbit@0"]}}}},
                      {{"when":{{"at_ms":1100}},"do":{{"crash":"consumer"}}}},
                      {{"when":{{"at_ms":3000}},"do":{{"restart":"consumer"}}}}{heal}]}}"#
        )
    };
    let consumer_event = |sim: &Sim, pick: fn(&Event) -> bool| times(sim, |e| pick(e) && e.actor().map(|a| a.0) == Some(0));
    // Healed at 5 s: the SYN retransmitted at 6 s (3 s after the connect) gets through.
    let (sim, report) = run_json(&scenario(r#",{"when":{"at_ms":5000},"do":{"heal":["consumer","rabbit@0"]}}"#));
    assert_eq!(consumer_event(&sim, |e| matches!(e, Event::ConnectStalled { .. })), vec![3000]);
    assert_eq!(consumer_event(&sim, |e| matches!(e, Event::Connected { .. })), vec![0, 6000]);
    assert_eq!(report.actors[0].exit_error, None);
    // Healed at 10.5 s, after the last retransmit (7 s in: at 10 s): too late, pika gives up at 13 s.
    let (sim, _) = run_json(&scenario(r#",{"when":{"at_ms":10500},"do":{"heal":["consumer","rabbit@0"]}}"#));
    assert_eq!(consumer_event(&sim, |e| matches!(e, Event::ConnectionRefused { .. })), vec![13000]);
    assert_eq!(consumer_event(&sim, |e| matches!(e, Event::Connected { .. })), vec![0]);
    // Never healed: pika gives up 10 s after the connect.
    let (sim, report) = run_json(&scenario(""));
    assert_eq!(consumer_event(&sim, |e| matches!(e, Event::ConnectionRefused { .. })), vec![13000]);
    assert_eq!(report.actors[0].exit_error.as_deref(), Some("pika.exceptions.AMQPConnectionError"));
    let stalled = sim.trace().iter().position(|e| matches!(e.event, Event::ConnectStalled { .. })).unwrap();
    let en = queue_playground::i18n::describe_at(sim.trace(), stalled, &sim, queue_playground::i18n::Lang::En);
    assert_eq!(en, "consumer's connect to rabbit@0 gets no answer: the network is cut, so its TCP SYN is lost. It retries until pika's socket_timeout (10 s) runs out, unless the cut heals first");
}
