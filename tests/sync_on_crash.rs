//! A node crash (kill -9) and what a classic queue had written to disk, as observed on a real
//! RabbitMQ 3.10.8 cluster: a durable classic queue syncs its persistent messages to disk only
//! once it has had no message for 200 ms (`rabbit_amqqueue_process`'s idle timeout, which every
//! message it receives starts again), or at once when a publisher waits for confirms. Five
//! persistent messages 0.1 s apart, the node killed 50 ms after the last: none came back; killed
//! 100 ms or more after the last: all five did. A quorum queue is not affected.

mod common;

use common::run_json;
use queue_playground::systems::rabbitmq::broker::rabbit::SYNC_IDLE_MS;
use queue_playground::systems::rabbitmq::trace::{DiscardReason, Event};
use queue_playground::report::Why;

/// The last of the five enqueued (the producer connects, declares, then publishes every
/// 0.1 s; 1 ms of latency each way).
const LAST_ENQUEUED_MS: u64 = 407;

/// Five persistent messages 0.1 s apart into `queue` (enqueued at 7..407 ms), the node
/// crashed at `crash_ms` and restarted 1 s later, then a consumer drains what came back.
fn scenario(queue: &str, crash_ms: u64, confirms: bool) -> String {
    format!(
        r#"{{"name":"sync","broker":{{"restart_delay_ms":1000}},"queues":[{queue}],
        "actors":[{{"role":"producer","name":"p","queue":"q","messages":5,"interval_ms":100,"delivery_mode":2,"confirms":{confirms}}},
                  {{"role":"consumer","name":"c","queue":"q","auto_ack":true,"start_ms":3000}}],
        "faults":[{{"when":{{"at_ms":{crash_ms}}},"do":{{"crash_node":{{"node":0,"restart":true}}}}}}]}}"#
    )
}

const CLASSIC: &str = r#"{"name":"q","durable":true}"#;

fn received(sim: &queue_playground::systems::rabbitmq::Sim) -> Vec<u32> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDelivered { copy, .. } => Some(sim.ledger().messages[sim.ledger().message_of(copy).index()].data),
            _ => None,
        })
        .collect()
}

#[test]
fn a_crash_within_200_ms_of_the_last_publish_loses_what_the_classic_queue_had_not_synced() {
    // The last publish enqueued at 407 ms; the crash 43 ms later: nothing was on disk, since the
    // queue never had 200 ms without a message.
    let (sim, report) = run_json(&scenario(CLASSIC, 450, false));
    assert_eq!(received(&sim), Vec::<u32>::new());
    assert_eq!(report.counts.lost, 5);
    for m in &report.messages {
        let cause = m.cause.as_ref().expect("a lost message has a cause");
        assert_eq!(cause.reason, Why::Discarded(DiscardReason::NotOnDisk), "message {}", m.data);
        assert_eq!(cause.at_ms, 450);
    }
}

#[test]
fn the_queue_syncs_once_idle_for_200_ms() {
    // Just past the idle timeout after the last publish: all five came back (after a
    // crash the classic queue marks every recovered message redelivered).
    let (sim, report) = run_json(&scenario(CLASSIC, LAST_ENQUEUED_MS + SYNC_IDLE_MS, false));
    assert_eq!(received(&sim), vec![0, 1, 2, 3, 4]);
    assert_eq!(report.counts.lost, 0);
    // Just before it: all five lost (the 100 ms gaps between publishes never let it sync).
    let (sim, report) = run_json(&scenario(CLASSIC, LAST_ENQUEUED_MS + SYNC_IDLE_MS - 1, false));
    assert_eq!(received(&sim), Vec::<u32>::new());
    assert_eq!(report.counts.lost, 5);
}

#[test]
fn a_gap_of_200_ms_between_publishes_syncs_what_came_before() {
    // Publishes 250 ms apart (enqueued at 7, 257, ..., 1007 ms), the crash 43 ms after the last:
    // the queue synced in each gap, so only the last message is lost.
    let json = scenario(CLASSIC, 1050, false).replace(r#""interval_ms":100"#, r#""interval_ms":250"#);
    let (sim, report) = run_json(&json);
    assert_eq!(received(&sim), vec![0, 1, 2, 3]);
    assert_eq!(report.counts.lost, 1);
}

#[test]
fn a_publisher_waiting_for_confirms_makes_the_queue_sync_at_once() {
    let (sim, report) = run_json(&scenario(CLASSIC, 450, true));
    assert_eq!(received(&sim), vec![0, 1, 2, 3, 4]);
    assert_eq!(report.counts.lost, 0);
}

#[test]
fn a_graceful_stop_and_a_quorum_queue_lose_nothing() {
    let stop = scenario(CLASSIC, 450, false).replace("crash_node", "stop_node");
    let (sim, _) = run_json(&stop);
    assert_eq!(received(&sim), vec![0, 1, 2, 3, 4]);
    let quorum = scenario(r#"{"name":"q","durable":true,"type":"quorum"}"#, 450, false);
    let (sim, _) = run_json(&quorum);
    assert_eq!(received(&sim), vec![0, 1, 2, 3, 4]);
}

#[test]
fn transient_messages_are_still_lost_as_transient() {
    let transient = scenario(CLASSIC, 450, false).replace(r#""delivery_mode":2"#, r#""delivery_mode":1"#);
    let (_, report) = run_json(&transient);
    assert!(report.messages.iter().all(|m| m.cause.as_ref().unwrap().reason == Why::Discarded(DiscardReason::TransientOnRestart)));
}

/// The same on a cluster (`tests/conformance/scenarios/classic-crash-before-sync.json`, also
/// run on a real 3-node cluster): a producer on node 1 publishes into a classic queue on node
/// 0 every 50 ms and node 0 is killed mid-way. Whatever the programs' start-up, the queue
/// never had 200 ms without a message before the crash, so nothing of it was on disk; what
/// came after went nowhere, and the producer, on another node, heard of neither.
#[test]
fn a_classic_queue_killed_mid_stream_comes_back_empty() {
    let (sim, report) = run_json(&common::conformance_file("classic-crash-before-sync"));
    assert_eq!(report.queues[0].ready, Vec::<u32>::new());
    assert_eq!(report.counts.lost, 20);
    let reasons: std::collections::BTreeSet<String> =
        report.messages.iter().map(|m| format!("{:?}", m.cause.as_ref().unwrap().reason)).collect();
    assert_eq!(reasons.into_iter().collect::<Vec<_>>(), ["Discarded(NotOnDisk)", "Discarded(QueueUnavailable)"]);
    let producer = &report.actors[0];
    assert_eq!(producer.terminal.len(), 20, "every publish returned");
    assert!(sim.trace().iter().any(|e| matches!(e.event, Event::NodeCrashed { .. })));
}

/// Acks are in the same journal: an ack the queue has not synced yet is forgotten by a crash,
/// and the message comes back (observed on a single 3.10.8 node: an ack 20, 100 or 150 ms
/// before the kill was forgotten, one 250 or 400 ms before was kept). A polling consumer's
/// `basic_get` is a message to the queue too, so a queue polled every 20 ms never has its
/// 200 ms of quiet: every ack since it started polling is forgotten
/// (`tests/conformance/scenarios/ack-forgotten-polling.json`, also run on the real broker).
#[test]
fn a_crash_forgets_the_acks_a_busy_queue_had_not_synced() {
    let (sim, report) = run_json(&common::conformance_file("ack-forgotten-polling"));
    assert_eq!(common::delivery_order(&sim), "0 1 2 3 4 0r 1r 2r 3r 4r");
    assert_eq!(report.data_with(queue_playground::engine::Verdict::Duplicated), vec![0, 1, 2, 3, 4]);
    let cause = report.messages[0].cause.clone().unwrap();
    assert_eq!(cause.reason, Why::AckForgotten);
    assert_eq!(cause.text, "acked, but the node was killed before test_queue wrote the ack to disk (within 200 ms of the queue's last message): test_queue recovered it and delivered it again");
    assert!(matches!(sim.trace()[cause.event as usize].event, Event::AckForgotten { .. }));
    let sentence = queue_playground::i18n::describe_at(sim.trace(), cause.event as usize, &sim, queue_playground::i18n::Lang::En);
    assert_eq!(sentence, "the node was killed before test_queue wrote the ack of {'data': 0} to disk (a classic queue syncs only after 200 ms without a message): the ack is forgotten and the message is back in test_queue");

    // The same consumer subscribed instead of polling: after its acks the queue is quiet, it
    // syncs 200 ms later, and the crash at 2 s forgets nothing. (The consumer starts 1 s after
    // the publishes, which the queue has synced by then: on a real machine a shorter gap was
    // sometimes under 200 ms, and then the publishes were lost with the acks.)
    let subscribed = common::conformance_file("ack-forgotten-polling").replace(r#""poll_ms": 20, "#, "");
    let (sim, report) = run_json(&subscribed);
    assert_eq!(common::delivery_order(&sim), "0 1 2 3 4");
    assert_eq!(report.data_with(queue_playground::engine::Verdict::ProcessedOnce), vec![0, 1, 2, 3, 4]);
    assert!(!sim.trace().iter().any(|e| matches!(e.event, Event::AckForgotten { .. })));

    // A graceful stop syncs: nothing is forgotten.
    let stopped = common::conformance_file("ack-forgotten-polling").replace("crash_node", "stop_node");
    let (sim, _) = run_json(&stopped);
    assert!(!sim.trace().iter().any(|e| matches!(e.event, Event::AckForgotten { .. })));
    assert_eq!(common::delivery_order(&sim), "0 1 2 3 4");
}

/// The chart's queue depth counts the messages a forgotten ack put back: five wait between
/// the crash at 2 s and the late consumer at 20 s.
#[test]
fn the_chart_counts_what_a_forgotten_ack_put_back() {
    let (sim, _) = run_json(&common::conformance_file("ack-forgotten-polling"));
    let series = queue_playground::view::chart_series(sim.trace(), 400);
    let waiting: Vec<u32> = series.times_ms.iter().zip(&series.depth).filter(|(&t, _)| (3_000..19_000).contains(&t)).map(|(_, &d)| d).collect();
    assert!(!waiting.is_empty() && waiting.iter().all(|&d| d == 5), "{waiting:?}");
    assert_eq!(series.depth.last(), Some(&0), "drained at the end");
}
