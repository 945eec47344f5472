//! The Kafka model (src/systems/kafka: cluster, group coordinator, partitioner) against the rows
//! of `../shared/ground-truth/kafka.md` whose outcome lives in the brokers, and property tests
//! over random schedules of produce / replicate / crash / fence / restart.
//!
//! The client side of a row (the producer's retry, the consumer's position) is played by the
//! test itself, as the interpreter will play it: each test says which calls stand for what.

use queue_playground::engine::ids::NodeId;
use queue_playground::systems::kafka::cluster::*;
use queue_playground::systems::kafka::group::*;
use queue_playground::systems::kafka::partitioner::*;

const TP0: TopicPartition = TopicPartition { topic: 0, partition: 0 };
const B0: NodeId = NodeId(0);
const B1: NodeId = NodeId(1);
const B2: NodeId = NodeId(2);

/// One topic, `partitions` partitions of replication factor `rf`, on `brokers` brokers.
fn cluster(brokers: u8, partitions: u16, rf: u8, min_isr: u8) -> Cluster {
    let config = ClusterConfig { brokers, min_insync_replicas: min_isr, ..ClusterConfig::default() };
    Cluster::new(config, &[TopicSpec { partitions, replication_factor: rf }]).expect("valid cluster")
}

/// The tags of `broker`'s replica of the partition (control markers left out).
fn tags(c: &Cluster, tp: TopicPartition, broker: NodeId) -> Vec<u32> {
    let replica = c.partition(tp).and_then(|p| p.replica(broker)).expect("a replica");
    replica.log().iter().filter(|r| r.marker.is_none()).map(|r| r.tag).collect()
}

/// Every live follower of every partition fetches `rounds` times.
fn replicate_all(c: &mut Cluster, now: u64, rounds: usize) {
    for _ in 0..rounds {
        for tp in c.topic_partitions() {
            let replicas: Vec<NodeId> = c.partition(tp).map(|p| p.replicas.iter().map(|r| r.broker).collect()).unwrap_or_default();
            for b in replicas {
                let _ = c.replicate(now, b, tp, usize::MAX);
            }
        }
    }
}

fn produce_one(c: &mut Cluster, now: u64, tag: u32, acks: Acks, producer: Option<ProducerBatch>) -> Result<Produced, KafkaError> {
    let leader = c.leader(TP0).unwrap_or(B0);
    c.produce(now, leader, TP0, &[tag], acks, producer)
}

fn idempotent(sequence: i32) -> Option<ProducerBatch> {
    Some(ProducerBatch { producer_id: 1000, epoch: 0, base_sequence: sequence, transactional: false })
}

fn range(a: u32, b: u32) -> Vec<u32> {
    (a..b).collect()
}

// ---------------------------------------------------------------- partitioner

/// k6c: keys b"0".."9" on 3 partitions: p0 {1,5,7,8}, p1 {4,6}, p2 {0,2,3,9}.
#[test]
fn k6c_murmur2_places_keys_as_kafka_does() {
    let mut by_partition = vec![Vec::new(); 3];
    for i in 0..10u32 {
        let key = i.to_string();
        let p = partition_for_key(key.as_bytes(), 3).expect("3 partitions");
        by_partition[p as usize].push(i);
    }
    assert_eq!(by_partition, vec![vec![1, 5, 7, 8], vec![4, 6], vec![0, 2, 3, 9]]);
}

// ---------------------------------------------------------------- cluster rows

/// k4a: 3 brokers, RF 3, min ISR 2, acks=0. The leader dies right after appending 5, before the
/// followers fetch it: the producer saw no error, 5 is lost (the old leader truncates it).
#[test]
fn k4a_acks0_leader_crash_loses_the_unreplicated_record() {
    let mut c = cluster(3, 1, 3, 2);
    for i in 0..5 {
        let produced = produce_one(&mut c, i as u64, i, Acks::Zero, None).expect("leader b0");
        assert_eq!(produced.status, ProduceStatus::Done);
    }
    replicate_all(&mut c, 10, 2);
    assert_eq!(c.high_watermark(TP0), Ok(5));
    assert_eq!(produce_one(&mut c, 11, 5, Acks::Zero, None).map(|p| p.status), Ok(ProduceStatus::Done));
    c.crash_broker(B0).unwrap();
    // Written into the dead socket: refused, the client does not see it with acks=0.
    assert_eq!(c.produce(12, B0, TP0, &[6], Acks::Zero, None), Err(KafkaError::BrokerNotAvailable));
    c.fence_broker(9_000, B0).unwrap();
    assert_eq!(c.leader(TP0), Some(B1));
    for i in 6..10 {
        produce_one(&mut c, 9_000 + i as u64, i, Acks::Zero, None).expect("new leader b1");
    }
    c.restart_broker(20_000, B0).unwrap();
    replicate_all(&mut c, 20_001, 2);
    let expected: Vec<u32> = vec![0, 1, 2, 3, 4, 6, 7, 8, 9];
    for b in [B0, B1, B2] {
        assert_eq!(tags(&c, TP0, b), expected, "broker {b:?}");
    }
    let truncated = c.take_truncated();
    assert_eq!(truncated.len(), 1);
    assert_eq!((truncated[0].broker, truncated[0].offset, truncated[0].tag, truncated[0].was_committed), (B0, 5, 5, false));
}

/// k4b: acks=1; the followers are in the ISR but have not fetched 5; the leader crashes after
/// acking it. A follower becomes leader cleanly, the old leader truncates 5 on rejoin: the
/// final log is 0 1 2 3 4 6 7 8 9, acked 5 lost, and no consumer ever saw 5.
#[test]
fn k4b_acks1_acked_record_lost_on_clean_election() {
    let mut c = cluster(3, 1, 3, 2);
    for i in 0..5 {
        produce_one(&mut c, i as u64, i, Acks::Leader, None).unwrap();
    }
    replicate_all(&mut c, 10, 2);
    let acked = produce_one(&mut c, 11, 5, Acks::Leader, None).unwrap();
    assert_eq!((acked.base_offset, acked.status), (5, ProduceStatus::Done), "the producer got success for 5");
    // A consumer reading now sees 0..4 only: 5 is above the HW.
    let seen = c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 100).unwrap();
    assert_eq!(seen.records.iter().map(|r| r.tag).collect::<Vec<_>>(), range(0, 5));
    assert_eq!(seen.high_watermark, 5);
    c.crash_broker(B0).unwrap();
    c.check_isr(12_000); // within replica.lag.time.max.ms: nobody leaves the ISR
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1, B2]);
    c.take_events();
    c.fence_broker(12_000, B0).unwrap();
    let events = c.take_events();
    assert!(events.contains(&ClusterEvent::LeaderElected { topic: 0, partition: 0, broker: B1, epoch: 1, clean: true }), "{events:?}");
    for i in 6..10 {
        produce_one(&mut c, 12_000 + i as u64, i, Acks::Leader, None).unwrap();
    }
    c.restart_broker(30_000, B0).unwrap();
    // It learns where it diverges from the leader, so it truncates at its first fetch from it.
    assert_eq!(tags(&c, TP0, B0), range(0, 6), "not truncated before it fetches");
    assert!(!c.take_events().iter().any(|e| matches!(e, ClusterEvent::Truncated { .. })));
    replicate_all(&mut c, 30_001, 2);
    assert!(c.take_events().contains(&ClusterEvent::Truncated { topic: 0, partition: 0, broker: B0, from_offset: 5, count: 1 }));
    let expected = vec![0, 1, 2, 3, 4, 6, 7, 8, 9];
    for b in [B0, B1, B2] {
        assert_eq!(tags(&c, TP0, b), expected, "broker {b:?}");
    }
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1, B2], "the old leader rejoined the ISR");
    let all = c.fetch(B1, TP0, 0, Isolation::ReadUncommitted, 100).unwrap();
    assert_eq!(all.records.iter().map(|r| r.tag).collect::<Vec<_>>(), expected);
}

/// k4c: acks=all, idempotence on. The leader crashes after appending 5, before the ack; the
/// waiting request fails (NOT_LEADER_OR_FOLLOWER), the producer retries with the same sequence
/// against the new leader: final log 0..9 once each.
#[test]
fn k4c_acks_all_idempotent_retry_neither_loses_nor_duplicates() {
    let mut c = cluster(3, 1, 3, 2);
    let mut now = 0;
    for i in 0..5u32 {
        let produced = produce_one(&mut c, now, i, Acks::All, idempotent(i as i32)).unwrap();
        let ProduceStatus::Pending(id) = produced.status else { panic!("acks=all waits for the followers: {produced:?}") };
        replicate_all(&mut c, now + 1, 2);
        let done = c.take_completed();
        assert_eq!(done, vec![Completion { id, topic: 0, partition: 0, result: Ok(i as u64) }]);
        now += 1_000;
    }
    let produced = produce_one(&mut c, now, 5, Acks::All, idempotent(5)).unwrap();
    let ProduceStatus::Pending(id) = produced.status else { panic!("pending") };
    c.crash_broker(B0).unwrap();
    c.fence_broker(now + 9_000, B0).unwrap();
    assert_eq!(c.take_completed(), vec![Completion { id, topic: 0, partition: 0, result: Err(KafkaError::NotLeaderOrFollower) }]);
    now += 9_000;
    for i in 5..10u32 {
        let produced = produce_one(&mut c, now, i, Acks::All, idempotent(i as i32)).unwrap();
        assert!(!produced.duplicate);
        replicate_all(&mut c, now + 1, 2);
        assert_eq!(c.take_completed().len(), 1);
        now += 1_000;
    }
    c.restart_broker(now, B0).unwrap();
    replicate_all(&mut c, now + 1, 2);
    for b in [B0, B1, B2] {
        assert_eq!(tags(&c, TP0, b), range(0, 10), "broker {b:?}");
    }
}

/// k4c, idempotence off: the followers replicated 5, the ack was lost, the leader crashed; the
/// retry to the new leader writes 5 a second time.
#[test]
fn k4c_without_idempotence_a_retry_after_a_lost_ack_duplicates() {
    let mut c = cluster(3, 1, 3, 2);
    for i in 0..6u32 {
        produce_one(&mut c, u64::from(i), i, Acks::All, None).unwrap();
        replicate_all(&mut c, u64::from(i), 2);
    }
    assert_eq!(c.take_completed().len(), 6, "5 was acked, but the ack is lost on the way");
    c.crash_broker(B0).unwrap();
    c.fence_broker(9_000, B0).unwrap();
    for i in 5..10u32 {
        produce_one(&mut c, 9_000, i, Acks::All, None).unwrap();
        replicate_all(&mut c, 9_001, 2);
    }
    c.restart_broker(20_000, B0).unwrap();
    replicate_all(&mut c, 20_001, 2);
    for b in [B0, B1, B2] {
        assert_eq!(tags(&c, TP0, b), vec![0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9], "broker {b:?}");
    }
}

/// acks=all with the ISR below min.insync.replicas: NOT_ENOUGH_REPLICAS, nothing appended. Under
/// min ISR the HW does not move (Kafka ≥ 3.7, `Partition.isUnderMinIsr`): a waiting acks=all
/// request stays waiting (and times out), an acks=1 record is appended but not served, until
/// the ISR is back to min.insync.replicas.
#[test]
fn acks_all_refused_when_the_isr_is_too_small() {
    let mut c = cluster(3, 1, 3, 2);
    let waiting = produce_one(&mut c, 0, 0, Acks::All, None).unwrap();
    let ProduceStatus::Pending(id) = waiting.status else { panic!("pending") };
    c.crash_broker(B1).unwrap();
    c.crash_broker(B2).unwrap();
    c.check_isr(40_000);
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0]);
    assert!(c.take_completed().is_empty(), "the HW stays at 0: the request still waits");
    assert_eq!(c.high_watermark(TP0), Ok(0));
    assert_eq!(produce_one(&mut c, 40_001, 1, Acks::All, None), Err(KafkaError::NotEnoughReplicas));
    assert_eq!(tags(&c, TP0, B0), vec![0], "nothing appended");
    assert_eq!(produce_one(&mut c, 40_002, 1, Acks::Leader, None).map(|p| p.status), Ok(ProduceStatus::Done));
    assert!(c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 10).unwrap().records.is_empty(), "acks=1 record not served");
    c.time_out_produces(40_003, 30_000);
    assert_eq!(c.take_completed(), vec![Completion { id, topic: 0, partition: 0, result: Err(KafkaError::RequestTimedOut) }]);
    c.restart_broker(50_000, B1).unwrap();
    c.replicate(50_001, B1, TP0, 10).unwrap();
    c.replicate(50_002, B1, TP0, 10).unwrap();
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1]);
    assert_eq!(c.high_watermark(TP0), Ok(2));
    assert_eq!(c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 10).unwrap().records.len(), 2);
}

/// A produce request to a broker that does not lead the partition.
#[test]
fn produce_to_a_follower_is_not_leader_or_follower() {
    let mut c = cluster(3, 1, 3, 1);
    assert_eq!(c.produce(0, B1, TP0, &[0], Acks::Leader, None), Err(KafkaError::NotLeaderOrFollower));
    assert_eq!(c.fetch(B2, TP0, 0, Isolation::ReadUncommitted, 10), Err(KafkaError::NotLeaderOrFollower));
}

/// k5a: idempotence off, the response to 3 dropped, the batch retried after request.timeout.ms:
/// 0 1 2 3 3 4 5 6 7 8 9.
#[test]
fn k5a_retry_without_idempotence_duplicates() {
    let mut c = cluster(1, 1, 1, 1);
    for i in 0..4u32 {
        produce_one(&mut c, u64::from(i), i, Acks::All, None).unwrap();
    }
    // The response to 3 is lost; 30 s later the producer sends the batch again.
    produce_one(&mut c, 30_003, 3, Acks::All, None).unwrap();
    for i in 4..10u32 {
        produce_one(&mut c, 30_004, i, Acks::All, None).unwrap();
    }
    assert_eq!(tags(&c, TP0, B0), vec![0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]);
    let read = c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 100).unwrap();
    assert_eq!(read.records.iter().filter(|r| r.tag == 3).count(), 2, "the consumer prints 3 twice");
}

/// k5b: idempotence on: the broker recognises (producerId, epoch, sequence) and answers the
/// original offset; final log 0..9 once each.
#[test]
fn k5b_idempotent_retry_gets_the_original_offset() {
    let mut c = cluster(1, 1, 1, 1);
    for i in 0..4u32 {
        let p = produce_one(&mut c, u64::from(i), i, Acks::All, idempotent(i as i32)).unwrap();
        assert_eq!(p.status, ProduceStatus::Done, "a single broker is its own ISR");
    }
    c.take_events();
    let retry = produce_one(&mut c, 30_003, 3, Acks::All, idempotent(3)).unwrap();
    assert_eq!(retry, Produced { base_offset: 3, count: 1, duplicate: true, status: ProduceStatus::Done });
    assert_eq!(c.take_events(), vec![ClusterEvent::DuplicateBatch { topic: 0, partition: 0, broker: B0, base_offset: 3 }]);
    for i in 4..10u32 {
        produce_one(&mut c, 30_004, i, Acks::All, idempotent(i as i32)).unwrap();
    }
    assert_eq!(tags(&c, TP0, B0), range(0, 10));
}

/// Duplicate detection covers the last 5 batches only (ProducerStateEntry); an older retry or a
/// gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; an older producer epoch is fenced.
#[test]
fn idempotence_window_sequence_gaps_and_epochs() {
    let mut c = cluster(1, 1, 1, 1);
    for i in 0..10u32 {
        produce_one(&mut c, 0, i, Acks::Leader, idempotent(i as i32)).unwrap();
    }
    assert!(produce_one(&mut c, 1, 5, Acks::Leader, idempotent(5)).unwrap().duplicate, "5 is among the last 5 batches");
    assert_eq!(produce_one(&mut c, 1, 4, Acks::Leader, idempotent(4)), Err(KafkaError::OutOfOrderSequenceNumber));
    assert_eq!(produce_one(&mut c, 1, 11, Acks::Leader, idempotent(11)), Err(KafkaError::OutOfOrderSequenceNumber));
    // A multi-record batch: its last sequence is base + count - 1.
    let batch = c.produce(1, B0, TP0, &[10, 11, 12], Acks::Leader, idempotent(10)).unwrap();
    assert_eq!((batch.base_offset, batch.count, batch.duplicate), (10, 3, false));
    assert!(c.produce(1, B0, TP0, &[10, 11, 12], Acks::Leader, idempotent(10)).unwrap().duplicate);
    let bumped = Some(ProducerBatch { producer_id: 1000, epoch: 1, base_sequence: 0, transactional: false });
    produce_one(&mut c, 2, 13, Acks::Leader, bumped).unwrap();
    assert_eq!(produce_one(&mut c, 2, 14, Acks::Leader, idempotent(13)), Err(KafkaError::InvalidProducerEpoch));
    let bad_new_epoch = Some(ProducerBatch { producer_id: 1000, epoch: 2, base_sequence: 7, transactional: false });
    assert_eq!(produce_one(&mut c, 2, 14, Acks::Leader, bad_new_epoch), Err(KafkaError::OutOfOrderSequenceNumber));
}

/// k8a / k8b: consuming deletes nothing; group A restarting at its position reads nothing new,
/// a second group B from `earliest` reads 0..9 again.
#[test]
fn k8_consuming_deletes_nothing() {
    let mut c = cluster(1, 1, 1, 1);
    for i in 0..10u32 {
        produce_one(&mut c, 0, i, Acks::All, None).unwrap();
    }
    let a = c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 500).unwrap();
    assert_eq!(a.records.iter().map(|r| r.tag).collect::<Vec<_>>(), range(0, 10));
    assert_eq!(a.next_offset, 10);
    assert_eq!(tags(&c, TP0, B0), range(0, 10), "k8a: the log is unchanged");
    assert_eq!(c.log_start(TP0), Ok(0));
    let again = c.fetch(B0, TP0, a.next_offset, Isolation::ReadUncommitted, 500).unwrap();
    assert!(again.records.is_empty(), "k8a: restarting A prints nothing");
    let earliest = c.log_start(TP0).unwrap();
    let b = c.fetch(B0, TP0, earliest, Isolation::ReadUncommitted, 500).unwrap();
    assert_eq!(b.records.iter().map(|r| r.tag).collect::<Vec<_>>(), range(0, 10), "k8b: B prints 0..9 again");
    assert_eq!(c.latest_offset(TP0, Isolation::ReadUncommitted), Ok(10), "k3b: latest starts at the end");
    assert_eq!(c.fetch(B0, TP0, 11, Isolation::ReadUncommitted, 500), Err(KafkaError::OffsetOutOfRange));
}

/// Records above the HW are not served (D-repl: only committed messages are given out).
#[test]
fn only_records_below_the_high_watermark_are_served() {
    let mut c = cluster(3, 1, 3, 1);
    for i in 0..3u32 {
        produce_one(&mut c, 0, i, Acks::Leader, None).unwrap();
    }
    assert!(c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 10).unwrap().records.is_empty());
    replicate_all(&mut c, 1, 1);
    assert_eq!(c.high_watermark(TP0), Ok(0), "the leader learns the followers' LEO at their next fetch");
    replicate_all(&mut c, 2, 1);
    assert_eq!(c.high_watermark(TP0), Ok(3));
    assert_eq!(c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 10).unwrap().records.len(), 3);
}

/// k9a: a transaction of 0..9: read_uncommitted sees them as they arrive, read_committed only
/// after the commit marker; an aborted transaction is skipped by read_committed.
#[test]
fn k9a_read_committed_waits_for_the_commit() {
    let mut c = cluster(1, 1, 1, 1);
    let txn = |seq: i32, epoch: u16| Some(ProducerBatch { producer_id: 7, epoch, base_sequence: seq, transactional: true });
    for i in 0..10u32 {
        produce_one(&mut c, 0, i, Acks::All, txn(i as i32, 0)).unwrap();
    }
    let uncommitted = c.fetch(B0, TP0, 0, Isolation::ReadUncommitted, 100).unwrap();
    assert_eq!(uncommitted.records.iter().map(|r| r.tag).collect::<Vec<_>>(), range(0, 10));
    let committed = c.fetch(B0, TP0, 0, Isolation::ReadCommitted, 100).unwrap();
    assert!(committed.records.is_empty());
    assert_eq!((committed.last_stable_offset, committed.next_offset), (0, 0));
    assert_eq!(c.latest_offset(TP0, Isolation::ReadCommitted), Ok(0));
    let ended = c.end_transaction(7, 0, Marker::Commit);
    assert_eq!(ended, vec![(TP0, Ok(10))]);
    let committed = c.fetch(B0, TP0, 0, Isolation::ReadCommitted, 100).unwrap();
    assert_eq!(committed.records.iter().map(|r| r.tag).collect::<Vec<_>>(), range(0, 10));
    assert_eq!(committed.next_offset, 11, "the position moves past the commit marker");
    // A second transaction, aborted.
    for i in 10..13u32 {
        produce_one(&mut c, 0, i, Acks::All, txn(i as i32, 0)).unwrap();
    }
    c.end_transaction(7, 0, Marker::Abort);
    let committed = c.fetch(B0, TP0, 11, Isolation::ReadCommitted, 100).unwrap();
    assert!(committed.records.is_empty());
    assert_eq!(committed.next_offset, 15);
    let uncommitted = c.fetch(B0, TP0, 11, Isolation::ReadUncommitted, 100).unwrap();
    assert_eq!(uncommitted.records.iter().map(|r| r.tag).collect::<Vec<_>>(), vec![10, 11, 12]);
    let aborted = c.partition(TP0).unwrap().replica(B0).unwrap().aborted_transactions().to_vec();
    assert_eq!(aborted, vec![AbortedTxn { producer_id: 7, first_offset: 11, last_offset: 14 }]);
}

/// With replication the LSO also waits for the marker to be replicated (below the HW).
#[test]
fn last_stable_offset_waits_for_the_replicated_marker() {
    let mut c = cluster(3, 1, 3, 1);
    let txn = Some(ProducerBatch { producer_id: 7, epoch: 0, base_sequence: 0, transactional: true });
    c.produce(0, B0, TP0, &[0, 1], Acks::Leader, txn).unwrap();
    replicate_all(&mut c, 1, 2);
    assert_eq!(c.last_stable_offset(TP0), Ok(0));
    assert_eq!(c.write_txn_marker(TP0, 7, 0, Marker::Commit), Ok(2));
    assert_eq!(c.last_stable_offset(TP0), Ok(0), "marker not below the HW yet");
    replicate_all(&mut c, 2, 2);
    assert_eq!(c.high_watermark(TP0), Ok(3));
    assert_eq!(c.last_stable_offset(TP0), Ok(3));
    // The followers built the same transaction state: after a failover the new leader agrees.
    c.stop_broker(3, B0).unwrap();
    replicate_all(&mut c, 4, 2);
    let read = c.fetch(B1, TP0, 0, Isolation::ReadCommitted, 10).unwrap();
    assert_eq!(read.records.iter().map(|r| r.tag).collect::<Vec<_>>(), vec![0, 1]);
}

/// Controlled shutdown moves leadership at once; the last ISR member fenced makes the partition
/// offline, and it leads again when it comes back (clean).
#[test]
fn stop_moves_leadership_and_an_offline_partition_waits_for_its_last_isr_member() {
    let mut c = cluster(2, 1, 2, 1);
    produce_one(&mut c, 0, 0, Acks::Leader, None).unwrap();
    c.stop_broker(1, B0).unwrap();
    assert_eq!(c.leader(TP0), Some(B1));
    assert_eq!(c.partition(TP0).unwrap().leader_epoch, 1);
    assert_eq!(tags(&c, TP0, B1), Vec::<u32>::new(), "b1 had not fetched 0: acks=1 loses it");
    produce_one(&mut c, 2, 1, Acks::Leader, None).unwrap();
    c.crash_broker(B1).unwrap();
    c.fence_broker(10_000, B1).unwrap();
    assert_eq!(c.leader(TP0), None);
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B1], "KRaft keeps the last ISR member");
    assert_eq!(c.high_watermark(TP0), Err(KafkaError::LeaderNotAvailable));
    c.restart_broker(11_000, B0).unwrap();
    assert_eq!(c.leader(TP0), None, "b0 is not in the ISR and unclean election is off");
    c.restart_broker(12_000, B1).unwrap();
    assert_eq!(c.leader(TP0), Some(B1));
    assert_eq!(c.partition(TP0).unwrap().leader_epoch, 3);
    replicate_all(&mut c, 12_001, 2);
    assert_eq!(tags(&c, TP0, B0), vec![1], "b0 truncated its 0 and copied b1's log");
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1]);
}

/// Unclean election: the first live replica leads; what it lacks is lost, including committed
/// records (`was_committed`).
#[test]
fn unclean_election_loses_committed_records() {
    let config = ClusterConfig { brokers: 2, unclean_leader_election: true, ..ClusterConfig::default() };
    let mut c = Cluster::new(config, &[TopicSpec { partitions: 1, replication_factor: 2 }]).unwrap();
    c.crash_broker(B1).unwrap();
    c.check_isr(40_000);
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0]);
    produce_one(&mut c, 40_001, 0, Acks::All, None).unwrap();
    assert_eq!(c.high_watermark(TP0), Ok(1));
    c.crash_broker(B0).unwrap();
    c.fence_broker(50_000, B0).unwrap();
    c.restart_broker(50_000, B1).unwrap();
    let events = c.take_events();
    assert!(events.contains(&ClusterEvent::LeaderElected { topic: 0, partition: 0, broker: B1, epoch: 2, clean: false }), "{events:?}");
    c.restart_broker(60_000, B0).unwrap();
    assert!(c.take_truncated().is_empty(), "it truncates at its first fetch from the leader");
    replicate_all(&mut c, 60_001, 1);
    let truncated = c.take_truncated();
    assert_eq!(truncated.len(), 1);
    assert!(truncated[0].was_committed);
}

/// ISR shrink after replica.lag.time.max.ms (30 s) without catching up, expansion once caught up.
#[test]
fn isr_shrinks_after_the_lag_time_and_expands_when_caught_up() {
    let mut c = cluster(3, 1, 3, 1);
    produce_one(&mut c, 0, 0, Acks::Leader, None).unwrap();
    c.replicate(0, B1, TP0, 10).unwrap();
    c.replicate(1, B1, TP0, 10).unwrap();
    c.check_isr(30_000);
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1, B2], "30 s is not more than the lag time");
    c.check_isr(30_001);
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1], "b2 never fetched: out");
    assert_eq!(c.high_watermark(TP0), Ok(1));
    c.replicate(30_002, B2, TP0, 10).unwrap();
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1], "its fetch offset 0 was below the HW");
    c.replicate(30_003, B2, TP0, 10).unwrap();
    assert_eq!(c.partition(TP0).unwrap().isr(), &[B0, B1, B2]);
}

/// Replica placement: AdminUtils' round robin, leader = first replica.
#[test]
fn replicas_are_placed_round_robin() {
    assert_eq!(
        assign_replicas(3, 4, 3),
        vec![
            vec![B0, B1, B2],
            vec![B1, B2, B0],
            vec![B2, B0, B1],
            vec![B0, B2, B1],
        ]
    );
    let c = cluster(3, 3, 2, 1);
    let leaders: Vec<Option<NodeId>> = (0..3).map(|p| c.leader(TopicPartition::new(0, p))).collect();
    assert_eq!(leaders, vec![Some(B0), Some(B1), Some(B2)]);
    assert!(Cluster::new(ClusterConfig::default(), &[TopicSpec { partitions: 1, replication_factor: 2 }]).is_err());
}

// ---------------------------------------------------------------- group coordinator

const GROUP: &str = "test_group";

fn settings() -> MemberSettings {
    MemberSettings::default()
}

/// Joins the members (uuid i+1 each, so the first has the smaller member id) at `now`, runs the
/// join phase to its end and the leader's SyncGroup; returns the keys and the time it is stable.
fn stable_group(g: &mut GroupCoordinator, now: u64, members: usize) -> (Vec<MemberKey>, u64) {
    let keys: Vec<MemberKey> =
        (0..members).map(|i| g.join(now, GROUP, "kafka-python-3.0.12", (i + 1) as u128, settings()).expect("join")).collect();
    let mut t = now;
    while g.state(g.group(GROUP).unwrap()) == Some(GroupState::PreparingRebalance) {
        t = g.next_deadline().expect("a join phase has a deadline");
        g.tick(t);
    }
    let group = g.group(GROUP).unwrap();
    let leader = g.leader(group).expect("a leader");
    let generation = g.generation(group).unwrap();
    assert!(matches!(g.sync(t, leader, generation), Ok(SyncOutcome::Assigned(_))));
    (keys, t)
}

fn p(partition: u16) -> TopicPartition {
    TopicPartition::new(0, partition)
}

/// k6a: 3 partitions, 2 consumers: the smaller member id gets p0 and p1, the other p2. The first
/// join of the empty group waits group.initial.rebalance.delay.ms (3 s), extended once by the
/// second member joining during it.
#[test]
fn k6a_range_assignment_of_3_partitions_to_2_members() {
    let mut g = GroupCoordinator::new(vec![3], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let c2 = g.join(0, GROUP, "c", 0xbbbb, settings()).unwrap();
    let c1 = g.join(100, GROUP, "c", 0xaaaa, settings()).unwrap();
    assert!(g.member_id(c1).unwrap() < g.member_id(c2).unwrap());
    let group = g.group(GROUP).unwrap();
    g.tick(2_999);
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance));
    g.tick(3_000);
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance), "a member joined during the delay: 3 s more");
    assert_eq!(g.next_deadline(), Some(6_000));
    g.tick(6_000);
    assert_eq!(g.state(group), Some(GroupState::CompletingRebalance));
    assert_eq!(g.generation(group), Some(1));
    assert_eq!(g.leader(group), Some(c2), "the first to join leads");
    assert_eq!(g.sync(6_001, c1, 1), Ok(SyncOutcome::Waiting), "a follower waits for the leader's SyncGroup");
    assert_eq!(g.sync(6_002, c2, 1), Ok(SyncOutcome::Assigned(vec![p(2)])));
    assert_eq!(g.assignment(c1), &[p(0), p(1)]);
    assert_eq!(g.assignment(c2), &[p(2)]);
}

/// A single consumer's group is stable 3 s after its first join.
#[test]
fn initial_rebalance_delay_for_one_member() {
    let mut g = GroupCoordinator::new(vec![1], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let (keys, t) = stable_group(&mut g, 1_000, 1);
    assert_eq!(t, 4_000);
    assert_eq!(g.assignment(keys[0]), &[p(0)]);
}

/// k6d: k6c layout (keys "0".."9" on 3 partitions), manual commit after each message. C2
/// crashes after printing 2, before committing it. After session.timeout.ms (45 s) it is
/// removed, the group rebalances, C1 owns p0, p1 and p2 and resumes p2 at the committed offset:
/// it prints 2 (duplicate), 3, 9.
#[test]
fn k6d_crashed_member_expires_and_its_partition_resumes_at_the_committed_offset() {
    let mut c = cluster(1, 3, 1, 1);
    for i in 0..10u32 {
        let key = i.to_string();
        let partition = partition_for_key(key.as_bytes(), 3).unwrap() as u16;
        c.produce(0, B0, p(partition), &[i], Acks::All, None).unwrap();
    }
    let mut g = GroupCoordinator::new(vec![3], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let (keys, t) = stable_group(&mut g, 0, 2);
    let (c1, c2) = (keys[0], keys[1]);
    assert_eq!((g.assignment(c1), g.assignment(c2)), (&[p(0), p(1)][..], &[p(2)][..]));
    let group = g.group(GROUP).unwrap();
    // C2 reads p2 from the start: prints 0 and commits 1, prints 2 and crashes before its commit.
    let read = c.fetch(B0, p(2), 0, Isolation::ReadUncommitted, 500).unwrap();
    assert_eq!(read.records.iter().map(|r| r.tag).collect::<Vec<_>>(), vec![0, 2, 3, 9]);
    g.heartbeat(t + 100, c2, 1).unwrap();
    g.commit(GROUP, Some(c2), 1, &[(p(2), 1)]).unwrap();
    let crash = t + 200;
    // C1 keeps heartbeating every 3 s, consuming p0 and p1 without interruption.
    let mut now = t;
    while now < crash + 45_000 + 3_000 {
        now += 3_000;
        g.tick(now);
        match g.heartbeat(now, c1, g.generation(group).unwrap()) {
            Ok(()) => {}
            Err(GroupError::RebalanceInProgress) => {
                assert!(now >= t + 100 + 45_000, "C2's session ran out 45 s after its last heartbeat");
                g.rejoin(now, c1).unwrap();
                break;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let events = g.take_events();
    assert!(events.contains(&GroupEvent::MemberExpired { group, member: c2 }), "{events:?}");
    assert_eq!(g.state(group), Some(GroupState::CompletingRebalance));
    assert_eq!(g.sync(now, c1, 2), Ok(SyncOutcome::Assigned(vec![p(0), p(1), p(2)])));
    assert_eq!(g.heartbeat(now, c2, 1), Err(GroupError::UnknownMemberId));
    let resume = g.committed(group, p(2)).expect("C2 committed 1");
    let replay = c.fetch(B0, p(2), resume, Isolation::ReadUncommitted, 500).unwrap();
    assert_eq!(replay.records.iter().map(|r| r.tag).collect::<Vec<_>>(), vec![2, 3, 9], "C1 prints 2 (duplicate), 3, 9");
}

/// k1e: close() sends LeaveGroup: the rebalance is immediate, no 45 s wait.
#[test]
fn k1e_leave_rebalances_at_once() {
    let mut g = GroupCoordinator::new(vec![1], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let (keys, t) = stable_group(&mut g, 0, 1);
    let group = g.group(GROUP).unwrap();
    g.commit(GROUP, Some(keys[0]), 1, &[(p(0), 4)]).unwrap();
    g.leave(t + 10, keys[0]).unwrap();
    assert_eq!(g.state(group), Some(GroupState::Empty));
    assert_eq!(g.generation(group), Some(2));
    // The replacement joins an empty group: initial delay, then it owns p0 from offset 4.
    let r = g.join(t + 20, GROUP, "kafka-python-3.0.12", 99, settings()).unwrap();
    g.tick(t + 20 + 3_000);
    assert_eq!(g.sync(t + 3_020, r, 3), Ok(SyncOutcome::Assigned(vec![p(0)])));
    assert_eq!(g.committed(group, p(0)), Some(4));
}

/// A crashed member (no LeaveGroup) is removed only once its session expires:
/// last heartbeat + session.timeout.ms ≤ now.
#[test]
fn k1a_crashed_member_expires_after_the_session_timeout() {
    let mut g = GroupCoordinator::new(vec![1], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let (keys, t) = stable_group(&mut g, 0, 1);
    g.heartbeat(t + 1_000, keys[0], 1).unwrap();
    g.expire(t + 1_000 + 44_999);
    assert!(g.is_member(keys[0]));
    assert_eq!(g.next_deadline(), Some(t + 46_000));
    g.expire(t + 46_000);
    assert!(!g.is_member(keys[0]));
    assert_eq!(g.state(g.group(GROUP).unwrap()), Some(GroupState::Empty));
}

/// A follower waiting for the leader's SyncGroup is not expired (`hasSatisfiedHeartbeat`); when
/// the leader's session ends, the rebalance answers the waiting sync and restarts its session.
/// A heartbeat tick older than the last restart does not move the session back.
#[test]
fn a_member_awaiting_sync_outlives_a_leader_that_never_syncs() {
    let mut g = GroupCoordinator::new(vec![1], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let leader = g.join(0, GROUP, "c", 0xaaaa, settings()).unwrap();
    let follower = g.join(100, GROUP, "c", 0xbbbb, settings()).unwrap();
    let group = g.group(GROUP).unwrap();
    g.tick(3_000);
    g.tick(6_000);
    assert_eq!(g.leader(group), Some(leader));
    assert_eq!(g.sync(6_001, follower, 1), Ok(SyncOutcome::Waiting));
    assert_eq!(g.next_deadline(), Some(51_000), "only the silent leader's session counts");
    g.expire(51_000);
    assert!(!g.is_member(leader), "the leader never synced nor heartbeated");
    assert!(g.is_member(follower), "the follower waited for the sync: kept alive");
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance));
    assert_eq!(g.sync(51_001, follower, 1), Err(GroupError::RebalanceInProgress));
    // Its session restarted at 51,000, when the rebalance answered its sync; an old tick at
    // 40,000 does not move it back.
    assert_eq!(g.heartbeat(40_000, follower, 1), Err(GroupError::RebalanceInProgress));
    g.expire(51_000 + 44_999);
    assert!(g.is_member(follower), "its session runs from 51,000, not from the old tick");
    g.rejoin(51_002, follower).unwrap();
    g.tick(51_002);
    assert_eq!(g.state(group), Some(GroupState::CompletingRebalance));
    assert_eq!(g.leader(group), Some(follower));
}

/// The rebalance waits for known members for at most the rebalance timeout (max.poll.interval.ms)
/// and removes those that did not rejoin, even if they heartbeat.
#[test]
fn rebalance_timeout_kicks_members_that_do_not_rejoin() {
    let mut g = GroupCoordinator::new(vec![3], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let (keys, t) = stable_group(&mut g, 0, 2);
    let group = g.group(GROUP).unwrap();
    let c3 = g.join(t + 10, GROUP, "kafka-python-3.0.12", 3, settings()).unwrap();
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance));
    g.rejoin(t + 20, keys[0]).unwrap();
    let mut now = t + 20;
    while now + 3_000 < t + 10 + 300_000 {
        now += 3_000;
        assert_eq!(g.heartbeat(now, keys[1], 1), Err(GroupError::RebalanceInProgress));
        g.tick(now);
    }
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance));
    g.tick(t + 10 + 300_000);
    assert!(!g.is_member(keys[1]));
    assert!(g.take_events().contains(&GroupEvent::MemberKicked { group, member: keys[1] }));
    assert_eq!(g.state(group), Some(GroupState::CompletingRebalance));
    assert_eq!(g.members(group), &[keys[0], c3]);
    assert_eq!(g.generation(group), Some(2));
}

/// Commits: only from a member of the current generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID),
/// not while the group completes a rebalance (REBALANCE_IN_PROGRESS), accepted while it prepares
/// one; generation -1 to an empty group is a simple consumer's commit.
#[test]
fn commit_validation_follows_kafka() {
    let mut g = GroupCoordinator::new(vec![3], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    assert_eq!(g.commit("other", None, -1, &[(p(0), 7)]), Ok(()));
    assert_eq!(g.commit("unknown", Some(MemberKey(0)), 3, &[(p(0), 7)]), Err(GroupError::IllegalGeneration));
    let (keys, t) = stable_group(&mut g, 0, 2);
    let group = g.group(GROUP).unwrap();
    assert_eq!(g.commit(GROUP, Some(keys[0]), 1, &[(p(0), 5)]), Ok(()));
    assert_eq!(g.commit(GROUP, Some(keys[0]), 0, &[(p(0), 6)]), Err(GroupError::IllegalGeneration));
    assert_eq!(g.commit(GROUP, None, -1, &[(p(0), 6)]), Err(GroupError::UnknownMemberId));
    let c3 = g.join(t + 1, GROUP, "kafka-python-3.0.12", 3, settings()).unwrap();
    assert_eq!(g.commit(GROUP, Some(keys[1]), 1, &[(p(2), 2)]), Ok(()), "accepted while preparing a rebalance");
    g.rejoin(t + 2, keys[0]).unwrap();
    g.rejoin(t + 3, keys[1]).unwrap();
    assert_eq!(g.state(group), Some(GroupState::CompletingRebalance));
    assert_eq!(g.commit(GROUP, Some(keys[0]), 2, &[(p(0), 6)]), Err(GroupError::RebalanceInProgress));
    assert_eq!(g.commit(GROUP, Some(c3), 1, &[(p(0), 6)]), Err(GroupError::IllegalGeneration));
    assert_eq!(g.heartbeat(t + 4, keys[0], 1), Err(GroupError::IllegalGeneration));
    assert_eq!(g.heartbeat(t + 4, keys[0], 2), Ok(()));
    let leader = g.leader(group).unwrap();
    g.sync(t + 5, leader, 2).unwrap();
    assert_eq!(g.assignment(keys[0]), &[p(0)]);
    assert_eq!(g.assignment(keys[1]), &[p(1)]);
    assert_eq!(g.assignment(c3), &[p(2)]);
    assert_eq!(g.committed(group, p(0)), Some(5));
    assert_eq!(g.committed(group, p(2)), Some(2));
    g.leave(t + 6, keys[1]).unwrap();
    assert_eq!(g.commit(GROUP, Some(keys[1]), 2, &[(p(1), 1)]), Err(GroupError::UnknownMemberId));
}

// ---------------------------------------------------------------- properties

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Clone, Debug)]
    enum Op {
        /// Produce one record to the partition's leader (or, `to_leader` false, to broker `broker`).
        Produce { partition: u16, to_leader: bool, broker: u8, acks: u8 },
        Replicate { partition: u16, broker: u8 },
        /// Time passes, then the leaders' ISR check runs.
        Wait { ms: u64 },
        Crash { broker: u8 },
        Fence { broker: u8 },
        Stop { broker: u8 },
        Restart { broker: u8 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0..2u16, any::<bool>(), 0..3u8, 0..3u8).prop_map(|(partition, to_leader, broker, acks)| Op::Produce { partition, to_leader, broker, acks }),
            6 => (0..2u16, 0..3u8).prop_map(|(partition, broker)| Op::Replicate { partition, broker }),
            2 => (1..40_000u64).prop_map(|ms| Op::Wait { ms }),
            1 => (0..3u8).prop_map(|broker| Op::Crash { broker }),
            1 => (0..3u8).prop_map(|broker| Op::Fence { broker }),
            1 => (0..3u8).prop_map(|broker| Op::Stop { broker }),
            1 => (0..3u8).prop_map(|broker| Op::Restart { broker }),
        ]
    }

    /// What the test knows of the run: appended records (tag → broker it was appended on), acked
    /// tags, the tags of each waiting acks=all request, every event.
    #[derive(Default)]
    struct Run {
        appended: BTreeMap<u32, NodeId>,
        acked: BTreeSet<u32>,
        pending: BTreeMap<PendingId, Vec<u32>>,
        events: Vec<ClusterEvent>,
        truncated: Vec<TruncatedRecord>,
    }

    impl Run {
        fn drain(&mut self, c: &mut Cluster) {
            for done in c.take_completed() {
                let tags = self.pending.remove(&done.id).unwrap_or_default();
                if done.result.is_ok() {
                    self.acked.extend(tags);
                }
            }
            self.events.extend(c.take_events());
            self.truncated.extend(c.take_truncated());
        }
    }

    /// Invariants that hold after every call.
    fn check_step(c: &Cluster) -> Result<(), TestCaseError> {
        for tp in c.topic_partitions() {
            let partition = c.partition(tp).unwrap();
            prop_assert!(!partition.isr().is_empty(), "{tp:?}: empty ISR");
            if let Some(leader) = partition.leader() {
                prop_assert!(partition.isr().contains(&leader), "{tp:?}: leader outside the ISR");
                let leader_replica = partition.replica(leader).unwrap();
                let hw = leader_replica.high_watermark();
                prop_assert!(hw <= leader_replica.log_end());
                for &member in partition.isr() {
                    let replica = partition.replica(member).unwrap();
                    prop_assert!(replica.log_end() >= hw, "{tp:?}: ISR member {member:?} lacks committed records");
                    // Below the HW every ISR member agrees with the leader.
                    let n = hw as usize;
                    prop_assert_eq!(&replica.log()[..n], &leader_replica.log()[..n]);
                }
            }
        }
        Ok(())
    }

    fn run_schedule(ops: &[Op], unclean: bool) -> Result<(), TestCaseError> {
        let config = ClusterConfig { brokers: 3, min_insync_replicas: 2, unclean_leader_election: unclean, ..ClusterConfig::default() };
        let mut c = Cluster::new(config, &[TopicSpec { partitions: 2, replication_factor: 3 }]).unwrap();
        let mut run = Run::default();
        let mut now = 0u64;
        let mut next_tag = 0u32;
        for op in ops {
            now += 1;
            match *op {
                Op::Produce { partition, to_leader, broker, acks } => {
                    let tp = TopicPartition::new(0, partition);
                    let target = if to_leader { c.leader(tp).unwrap_or(NodeId(broker)) } else { NodeId(broker) };
                    let acks = [Acks::Zero, Acks::Leader, Acks::All][acks as usize];
                    let tag = next_tag;
                    next_tag += 1;
                    if let Ok(produced) = c.produce(now, target, tp, &[tag], acks, None) {
                        prop_assert!(!produced.duplicate);
                        run.appended.insert(tag, target);
                        match produced.status {
                            ProduceStatus::Done if acks == Acks::All => {
                                run.acked.insert(tag);
                            }
                            ProduceStatus::Pending(id) => {
                                run.pending.insert(id, vec![tag]);
                            }
                            _ => {}
                        }
                    }
                }
                Op::Replicate { partition, broker } => {
                    let _ = c.replicate(now, NodeId(broker), TopicPartition::new(0, partition), 3);
                }
                Op::Wait { ms } => {
                    now += ms;
                    c.check_isr(now);
                }
                Op::Crash { broker } => c.crash_broker(NodeId(broker)).unwrap(),
                Op::Fence { broker } => {
                    // The controller fences only a broker that stopped heartbeating.
                    if !c.broker_up(NodeId(broker)) {
                        c.fence_broker(now, NodeId(broker)).unwrap();
                    }
                }
                Op::Stop { broker } => c.stop_broker(now, NodeId(broker)).unwrap(),
                Op::Restart { broker } => c.restart_broker(now, NodeId(broker)).unwrap(),
            }
            run.drain(&mut c);
            check_step(&c)?;
        }
        // Heal: every broker back, every follower caught up.
        for b in 0..3 {
            now += 1;
            c.restart_broker(now, NodeId(b)).unwrap();
        }
        for _ in 0..4 {
            now += 1;
            replicate_all(&mut c, now, 1);
        }
        run.drain(&mut c);
        check_step(&c)?;
        let mut final_tags = BTreeSet::new();
        for tp in c.topic_partitions() {
            let partition = c.partition(tp).unwrap();
            let leader = partition.leader();
            prop_assert!(leader.is_some(), "{tp:?} offline after healing");
            let leader_log = tags(&c, tp, leader.unwrap());
            for r in &partition.replicas {
                prop_assert_eq!(&tags(&c, tp, r.broker), &leader_log, "{:?}: replica {:?} differs from the leader", tp, r.broker);
            }
            for tag in leader_log {
                prop_assert!(final_tags.insert(tag), "tag {tag} at two positions");
            }
        }
        // Conservation: every appended record is in the final log, or its truncation on the
        // broker it was appended on was recorded.
        for (&tag, &broker) in &run.appended {
            let truncated = run.truncated.iter().any(|t| t.tag == tag && t.broker == broker);
            prop_assert!(final_tags.contains(&tag) || truncated, "record {tag} (appended on {broker:?}) vanished");
        }
        for tag in &final_tags {
            prop_assert!(run.appended.contains_key(tag), "record {tag} appeared from nowhere");
        }
        if !unclean {
            // acks=all + min.insync.replicas 2 + clean elections: nothing acknowledged is lost.
            for tag in &run.acked {
                prop_assert!(final_tags.contains(tag), "acked record {tag} lost");
            }
            prop_assert!(run.truncated.iter().all(|t| !t.was_committed), "a committed record truncated: {:?}", run.truncated);
        }
        // The HW of a leader never decreases during its leadership.
        let mut last: BTreeMap<(u16, u16), u32> = BTreeMap::new();
        for event in &run.events {
            match *event {
                ClusterEvent::LeaderElected { topic, partition, .. } | ClusterEvent::PartitionOffline { topic, partition, .. } => {
                    last.remove(&(topic, partition));
                }
                ClusterEvent::HighWatermark { topic, partition, offset } => {
                    let before = last.insert((topic, partition), offset);
                    // The first HW after an election is the new leader's own; later ones only grow.
                    if let Some(before) = before {
                        prop_assert!(offset >= before, "HW went down from {before} to {offset} on {topic}/{partition}");
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    #[derive(Clone, Debug)]
    enum POp {
        /// The producer (re)sends its outstanding record of the partition, or a new one.
        Send { partition: u16 },
        /// The response to the outstanding request is lost: the producer will retry it.
        LoseResponse { partition: u16 },
        Replicate { partition: u16, broker: u8 },
        Wait { ms: u64 },
        Crash { broker: u8 },
        Fence { broker: u8 },
        Restart { broker: u8 },
    }

    fn pop() -> impl Strategy<Value = POp> {
        prop_oneof![
            6 => (0..2u16).prop_map(|partition| POp::Send { partition }),
            2 => (0..2u16).prop_map(|partition| POp::LoseResponse { partition }),
            6 => (0..2u16, 0..3u8).prop_map(|(partition, broker)| POp::Replicate { partition, broker }),
            2 => (1..40_000u64).prop_map(|ms| POp::Wait { ms }),
            1 => (0..3u8).prop_map(|broker| POp::Crash { broker }),
            1 => (0..3u8).prop_map(|broker| POp::Fence { broker }),
            1 => (0..3u8).prop_map(|broker| POp::Restart { broker }),
        ]
    }

    /// An idempotent producer with one request in flight per partition (a synchronous send):
    /// the record it is sending (tag, sequence) and the waiting request, if any.
    #[derive(Default, Clone)]
    struct Outstanding {
        next_sequence: i32,
        sending: Option<(u32, i32)>,
        waiting: Option<PendingId>,
        acked: Vec<u32>,
    }

    fn send(c: &mut Cluster, now: u64, partition: u16, state: &mut Outstanding, next_tag: &mut u32) -> Result<(), TestCaseError> {
        let tp = TopicPartition::new(0, partition);
        if state.waiting.is_some() {
            return Ok(());
        }
        let (tag, sequence) = *state.sending.get_or_insert_with(|| {
            *next_tag += 1;
            (*next_tag, state.next_sequence)
        });
        let Some(leader) = c.leader(tp) else { return Ok(()) };
        let batch = Some(ProducerBatch { producer_id: 9, epoch: 0, base_sequence: sequence, transactional: false });
        match c.produce(now, leader, tp, &[tag], Acks::All, batch) {
            Ok(produced) => match produced.status {
                ProduceStatus::Done => {
                    state.acked.push(tag);
                    state.sending = None;
                    state.next_sequence += 1;
                }
                ProduceStatus::Pending(id) => state.waiting = Some(id),
                ProduceStatus::Failed(_) => {}
            },
            Err(KafkaError::OutOfOrderSequenceNumber) | Err(KafkaError::InvalidProducerEpoch) => {
                prop_assert!(false, "the broker lost the producer's sequence for {tag}");
            }
            Err(_) => {}
        }
        Ok(())
    }

    fn settle(c: &mut Cluster, producers: &mut [Outstanding]) {
        for done in c.take_completed() {
            let Some(state) = producers.get_mut(done.partition as usize) else { continue };
            if state.waiting != Some(done.id) {
                continue; // a response the producer no longer waits for (lost)
            }
            state.waiting = None;
            if done.result.is_ok() {
                if let Some((tag, _)) = state.sending.take() {
                    state.acked.push(tag);
                    state.next_sequence += 1;
                }
            }
        }
        c.take_events();
        c.take_truncated();
    }

    /// k4c / k5b as a property: acks=all, idempotence, min.insync.replicas 2, clean elections,
    /// retries until acknowledged. Whatever the faults, once they heal each partition holds every
    /// record exactly once, in the order sent.
    fn run_idempotent(ops: &[POp]) -> Result<(), TestCaseError> {
        let config = ClusterConfig { brokers: 3, min_insync_replicas: 2, ..ClusterConfig::default() };
        let mut c = Cluster::new(config, &[TopicSpec { partitions: 2, replication_factor: 3 }]).unwrap();
        let mut producers = vec![Outstanding::default(); 2];
        let mut now = 0;
        let mut next_tag = 0;
        for op in ops {
            now += 1;
            match *op {
                POp::Send { partition } => send(&mut c, now, partition, &mut producers[partition as usize], &mut next_tag)?,
                POp::LoseResponse { partition } => producers[partition as usize].waiting = None,
                POp::Replicate { partition, broker } => {
                    let _ = c.replicate(now, NodeId(broker), TopicPartition::new(0, partition), 3);
                }
                POp::Wait { ms } => {
                    now += ms;
                    c.check_isr(now);
                    c.time_out_produces(now, 30_000);
                }
                POp::Crash { broker } => c.crash_broker(NodeId(broker)).unwrap(),
                POp::Fence { broker } => {
                    if !c.broker_up(NodeId(broker)) {
                        c.fence_broker(now, NodeId(broker)).unwrap();
                    }
                }
                POp::Restart { broker } => c.restart_broker(now, NodeId(broker)).unwrap(),
            }
            settle(&mut c, &mut producers);
            check_step(&c)?;
        }
        for b in 0..3 {
            now += 1;
            c.restart_broker(now, NodeId(b)).unwrap();
        }
        // The producer retries what it was sending until it is acknowledged.
        for _ in 0..10 {
            now += 1;
            for partition in 0..2u16 {
                producers[partition as usize].waiting = None;
                send(&mut c, now, partition, &mut producers[partition as usize], &mut next_tag)?;
            }
            replicate_all(&mut c, now, 2);
            settle(&mut c, &mut producers);
            if producers.iter().all(|p| p.sending.is_none()) {
                break;
            }
        }
        replicate_all(&mut c, now + 1, 2);
        for (partition, state) in producers.iter().enumerate() {
            prop_assert!(state.sending.is_none(), "partition {partition}: never acknowledged");
            let tp = TopicPartition::new(0, partition as u16);
            let leader = c.leader(tp).unwrap();
            prop_assert_eq!(&tags(&c, tp, leader), &state.acked, "partition {}: log differs from what was sent", partition);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Clean elections only: conservation, and no record acked with acks=all is lost.
        #[test]
        fn clean_schedules_conserve_records_and_keep_acked_ones(ops in prop::collection::vec(op(), 1..80)) {
            run_schedule(&ops, false)?;
        }

        /// Idempotent producer, acks=all, min ISR 2: every record exactly once, in order.
        #[test]
        fn idempotent_acks_all_schedules_write_every_record_once_in_order(ops in prop::collection::vec(pop(), 1..80)) {
            run_idempotent(&ops)?;
        }

        /// Unclean election on: records may be lost, but never silently.
        #[test]
        fn unclean_schedules_conserve_records(ops in prop::collection::vec(op(), 1..80)) {
            run_schedule(&ops, true)?;
        }
    }
}

// ---------------------------------------------------------------- more rows

/// k3a / k3b: a new group (no committed offset) starts at `earliest` (log start: prints 0..9) or
/// `latest` (the HW: prints nothing, waits for new records).
#[test]
fn k3_offset_reset_earliest_and_latest() {
    let mut c = cluster(1, 1, 1, 1);
    for i in 0..10u32 {
        produce_one(&mut c, 0, i, Acks::All, None).unwrap();
    }
    let g = GroupCoordinator::new(vec![1], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    assert_eq!(g.group("new_group").and_then(|k| g.committed(k, TP0)), None);
    let earliest = c.log_start(TP0).unwrap();
    let read = c.fetch(B0, TP0, earliest, Isolation::ReadUncommitted, 500).unwrap();
    assert_eq!(read.records.iter().map(|r| r.tag).collect::<Vec<_>>(), range(0, 10), "k3a");
    let latest = c.latest_offset(TP0, Isolation::ReadUncommitted).unwrap();
    assert!(c.fetch(B0, TP0, latest, Isolation::ReadUncommitted, 500).unwrap().records.is_empty(), "k3b");
    produce_one(&mut c, 1, 10, Acks::All, None).unwrap();
    let read = c.fetch(B0, TP0, latest, Isolation::ReadUncommitted, 500).unwrap();
    assert_eq!(read.records.iter().map(|r| r.tag).collect::<Vec<_>>(), vec![10], "k3b: then the new record");
}

/// k7a: a fetch returns records in offset order, and a rewind to a committed offset re-reads a
/// contiguous suffix, never a lone record.
#[test]
fn k7a_a_rewind_replays_a_suffix_in_order() {
    let mut c = cluster(1, 1, 1, 1);
    for i in 0..10u32 {
        produce_one(&mut c, 0, i, Acks::All, None).unwrap();
    }
    let mut printed = Vec::new();
    let mut position = 0;
    // 4 records per poll; crash after 0..3 with committed offset 0, then a replacement.
    let first = c.fetch(B0, TP0, position, Isolation::ReadUncommitted, 4).unwrap();
    printed.extend(first.records.iter().map(|r| r.tag));
    position = first.next_offset;
    assert_eq!(position, 4);
    let committed = 0;
    position = committed;
    loop {
        let more = c.fetch(B0, TP0, position, Isolation::ReadUncommitted, 4).unwrap();
        if more.records.is_empty() {
            break;
        }
        printed.extend(more.records.iter().map(|r| r.tag));
        position = more.next_offset;
    }
    assert_eq!(printed, vec![0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/// acks=all requests time out with REQUEST_TIMED_OUT when the followers never catch up.
#[test]
fn waiting_produce_requests_time_out() {
    let mut c = cluster(3, 1, 3, 2);
    let produced = produce_one(&mut c, 0, 0, Acks::All, None).unwrap();
    let ProduceStatus::Pending(id) = produced.status else { panic!("pending") };
    c.time_out_produces(29_999, 30_000);
    assert!(c.take_completed().is_empty());
    c.time_out_produces(30_000, 30_000);
    assert_eq!(c.take_completed(), vec![Completion { id, topic: 0, partition: 0, result: Err(KafkaError::RequestTimedOut) }]);
    assert_eq!(tags(&c, TP0, B0), vec![0], "the record stays in the log");
}

#[cfg(not(target_arch = "wasm32"))]
mod group_properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum GOp {
        Join { uuid: u16 },
        Rejoin { member: u8 },
        Heartbeat { member: u8 },
        Sync { member: u8 },
        Leave { member: u8 },
        Commit { member: u8, offset: u16 },
        Wait { ms: u64 },
    }

    fn gop() -> impl Strategy<Value = GOp> {
        prop_oneof![
            2 => any::<u16>().prop_map(|uuid| GOp::Join { uuid }),
            3 => (0..6u8).prop_map(|member| GOp::Rejoin { member }),
            4 => (0..6u8).prop_map(|member| GOp::Heartbeat { member }),
            3 => (0..6u8).prop_map(|member| GOp::Sync { member }),
            1 => (0..6u8).prop_map(|member| GOp::Leave { member }),
            2 => (0..6u8, any::<u16>()).prop_map(|(member, offset)| GOp::Commit { member, offset }),
            3 => (1..60_000u64).prop_map(|ms| GOp::Wait { ms }),
        ]
    }

    fn check(g: &GroupCoordinator, last_generation: &mut i32) -> Result<(), TestCaseError> {
        let Some(group) = g.group(GROUP) else { return Ok(()) };
        let generation = g.generation(group).unwrap();
        prop_assert!(generation >= *last_generation);
        *last_generation = generation;
        let members = g.members(group);
        prop_assert!(members.iter().all(|&m| g.is_member(m)));
        if let Some(leader) = g.leader(group) {
            prop_assert!(members.contains(&leader));
        }
        prop_assert_eq!(members.is_empty(), g.leader(group).is_none());
        if g.state(group) == Some(GroupState::Stable) {
            let mut owned: Vec<TopicPartition> = members.iter().flat_map(|&m| g.assignment(m).to_vec()).collect();
            owned.sort();
            prop_assert_eq!(owned, vec![p(0), p(1), p(2)], "each partition to exactly one member");
        }
        if g.state(group) == Some(GroupState::Empty) {
            prop_assert!(members.is_empty());
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Any schedule keeps the group consistent, and members that then behave (heartbeat every
        /// 3 s, rejoin when told, the leader syncs) bring it back to Stable.
        #[test]
        fn group_schedules_stay_consistent_and_settle(ops in prop::collection::vec(gop(), 1..60)) {
            let mut g = GroupCoordinator::new(vec![3], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
            let mut keys: Vec<MemberKey> = Vec::new();
            let mut now = 0u64;
            let mut last_generation = 0;
            for op in &ops {
                now += 1;
                let pick = |i: u8| keys.get(i as usize % keys.len().max(1)).copied();
                let generation = g.group(GROUP).and_then(|k| g.generation(k)).unwrap_or(0);
                match *op {
                    GOp::Join { uuid } => keys.push(g.join(now, GROUP, "c", u128::from(uuid), MemberSettings::default()).unwrap()),
                    GOp::Rejoin { member } => { if let Some(k) = pick(member) { let _ = g.rejoin(now, k); } }
                    GOp::Heartbeat { member } => { if let Some(k) = pick(member) { let _ = g.heartbeat(now, k, generation); } }
                    GOp::Sync { member } => { if let Some(k) = pick(member) { let _ = g.sync(now, k, generation); } }
                    GOp::Leave { member } => { if let Some(k) = pick(member) { let _ = g.leave(now, k); } }
                    GOp::Commit { member, offset } => {
                        if let Some(k) = pick(member) {
                            let ok = g.commit(GROUP, Some(k), generation, &[(p(0), u64::from(offset))]).is_ok();
                            prop_assert!(!ok || g.is_member(k));
                        }
                    }
                    GOp::Wait { ms } => { now += ms; g.tick(now); }
                }
                check(&g, &mut last_generation)?;
            }
            // Everyone left behaves.
            let Some(group) = g.group(GROUP) else { return Ok(()) };
            for _ in 0..200 {
                now += 3_000;
                g.tick(now);
                for &k in g.members(group).to_vec().iter() {
                    // A member that rejoined got the new generation in its JoinGroup answer.
                    let generation = g.generation(group).unwrap();
                    match g.heartbeat(now, k, generation) {
                        Err(GroupError::RebalanceInProgress) => g.rejoin(now, k).unwrap(),
                        Err(GroupError::IllegalGeneration) => prop_assert!(false, "a member missed its generation"),
                        _ => {}
                    }
                }
                if g.state(group) == Some(GroupState::CompletingRebalance) {
                    let leader = g.leader(group).unwrap();
                    g.sync(now, leader, g.generation(group).unwrap()).unwrap();
                }
                check(&g, &mut last_generation)?;
                if matches!(g.state(group), Some(GroupState::Stable | GroupState::Empty)) {
                    return Ok(());
                }
            }
            prop_assert!(false, "the group never settled: {:?}", g.state(group));
        }
    }
}

/// k1a (the group side): a replacement joins while the crashed member is still in the group.
/// The rebalance waits for the dead member, which never rejoins: it is removed when its session
/// expires, 45 s after its last heartbeat, and only then does the replacement get the partition.
#[test]
fn k1a_replacement_waits_for_the_dead_members_session() {
    let mut g = GroupCoordinator::new(vec![1], DEFAULT_INITIAL_REBALANCE_DELAY_MS);
    let (keys, t) = stable_group(&mut g, 0, 1);
    let group = g.group(GROUP).unwrap();
    let last_heartbeat = t + 2_000;
    g.heartbeat(last_heartbeat, keys[0], 1).unwrap();
    // Crash right after; the replacement starts 5 s later.
    let replacement = g.join(last_heartbeat + 5_000, GROUP, "kafka-python-3.0.12", 7, settings()).unwrap();
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance));
    assert_eq!(g.next_deadline(), Some(last_heartbeat + 45_000));
    g.tick(last_heartbeat + 44_999);
    assert_eq!(g.state(group), Some(GroupState::PreparingRebalance));
    g.tick(last_heartbeat + 45_000);
    assert!(!g.is_member(keys[0]));
    assert_eq!(g.state(group), Some(GroupState::CompletingRebalance));
    assert_eq!(g.leader(group), Some(replacement));
    assert_eq!(g.sync(last_heartbeat + 45_001, replacement, 2), Ok(SyncOutcome::Assigned(vec![p(0)])));
}

/// Events serialize as small tagged JSON objects.
#[test]
fn events_serialize_with_snake_case_tags() {
    let e = ClusterEvent::LeaderElected { topic: 0, partition: 1, broker: B2, epoch: 3, clean: false };
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"event":"leader_elected","topic":0,"partition":1,"broker":2,"epoch":3,"clean":false}"#
    );
    let e = GroupEvent::RebalanceStarted { group: GroupKey(0), generation: 1, reason: RebalanceReason::MemberExpired, deadline_ms: 9 };
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"event":"rebalance_started","group":0,"generation":1,"reason":"member_expired","deadline_ms":9}"#
    );
    assert!(std::mem::size_of::<ClusterEvent>() <= 24, "{}", std::mem::size_of::<ClusterEvent>());
    assert!(std::mem::size_of::<GroupEvent>() <= 24, "{}", std::mem::size_of::<GroupEvent>());
}
