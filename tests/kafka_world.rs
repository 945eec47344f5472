//! The Kafka world (issue 10 §2): the kafka-python programs run against the cluster and group
//! coordinator models over the simulated network, one test per row of
//! `../shared/ground-truth/kafka.md` with its exact expected outcome: what each consumer
//! printed, in which order, and the verdict of every message.
//!
//! A failing test prints the scenario's seed and the command to rerun it.

use queue_playground::engine::checker::{RunLabel, Verdict};
use queue_playground::engine::core::Finish;
use queue_playground::engine::costs::Costs;
use queue_playground::engine::ids::{ActorId, MessageId};
use queue_playground::engine::trace::trace_hash;
use queue_playground::engine::Until;
use queue_playground::systems::kafka::scenario::{catalog, KafkaScenario};
use queue_playground::systems::kafka::trace::{Cause, KafkaEvent, RebalanceReason, Resent, Takeover, TakeoverWhy};
use queue_playground::systems::kafka::world::KafkaSim;
use serde_json::{json, Value};

thread_local! {
    /// The last run of this test thread: printed by any failure that follows.
    static CONTEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Every failing test names the seed of its last run and the command to rerun it.
fn print_context_on_panic() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            CONTEXT.with(|c| {
                if !c.borrow().is_empty() {
                    eprintln!("last run: {}", c.borrow());
                }
            });
            previous(info);
        }));
    });
}

/// Runs a scenario to its end; panics (with the seed and the rerun command) if it does not end
/// quiescent or breaks conservation.
fn run(scenario: &KafkaScenario, test: &str) -> KafkaSim {
    print_context_on_panic();
    let context = format!("{test} (seed {}): rerun with `cargo test --test kafka_world {test}`", scenario.seed);
    CONTEXT.with(|c| *c.borrow_mut() = context.clone());
    let mut sim = KafkaSim::new(scenario).unwrap_or_else(|e| panic!("{test}: {e}"));
    sim.run_until(Until::Quiescence);
    assert_eq!(sim.finish(), Some(Finish::Quiescent), "{context}: the run did not end quiescent\n{}", dump(&sim));
    if let Err(e) = sim.check_conservation() {
        panic!("{context}: conservation: {e}\n{}", dump(&sim));
    }
    sim
}

/// The trace, one event a line, for failure messages.
fn dump(sim: &KafkaSim) -> String {
    sim.trace().iter().map(|e| format!("{:>7} {}", e.at_ms, serde_json::to_string(&e.event).unwrap())).collect::<Vec<_>>().join("\n")
}

fn scenario(value: Value) -> KafkaScenario {
    KafkaScenario::from_json(&value.to_string()).unwrap_or_else(|e| panic!("scenario: {e}"))
}

fn actor(sim: &KafkaSim, name: &str) -> ActorId {
    sim.actor_id(name).unwrap()
}

/// The verdict of each message of the producer named `producer`, by payload.
fn verdicts(sim: &KafkaSim, producer: &str) -> Vec<Verdict> {
    let id = actor(sim, producer);
    sim.actors()[id.index()].messages().iter().map(|&m| sim.verdict(m)).collect()
}

fn with_verdict(sim: &KafkaSim, producer: &str, verdict: Verdict) -> Vec<u32> {
    let id = actor(sim, producer);
    sim.actors()[id.index()].messages().iter().filter(|&&m| sim.verdict(m) == verdict).map(|m: &MessageId| sim.ledger().messages[m.index()].data).collect()
}

/// The cause of the bad verdict of payload `data` of the producer named `producer`.
fn cause(sim: &KafkaSim, producer: &str, data: u32) -> Option<Cause> {
    let id = actor(sim, producer);
    let m = sim.actors()[id.index()].messages().iter().copied().find(|m| sim.ledger().messages[m.index()].data == data)?;
    sim.cause(m)
}

fn once(n: usize) -> Vec<Verdict> {
    vec![Verdict::ProcessedOnce; n]
}

fn tutorial(consumer: Value, faults: Value) -> Value {
    json!({
        "name": "t",
        "broker": {"model": "kafka"},
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000},
            consumer
        ],
        "faults": faults
    })
}

// ---------------------------------------------------------------- the workload

#[test]
fn k_workload_prints_every_record_once() {
    let s = catalog::get("k-workload").unwrap();
    let sim = run(&s, "k_workload_prints_every_record_once");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
    let p = actor(&sim, "producer");
    let sent = sim.terminal(p);
    assert_eq!(sent[0], " [x] Sent {'data': 0} (partition 0, offset 0)");
    assert_eq!(sent[9], " [x] Sent {'data': 9} (partition 0, offset 9)");
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>());
}


/// The prints of one consumer, split by process (each restart starts a new list).
fn prints_by_process(sim: &KafkaSim, actor: ActorId) -> Vec<Vec<u32>> {
    let mut runs: Vec<Vec<u32>> = Vec::new();
    for e in sim.trace() {
        match e.event {
            KafkaEvent::ActorStarted { actor: a } | KafkaEvent::ActorRestarted { actor: a } if a == actor => runs.push(Vec::new()),
            KafkaEvent::Printed { actor: a, text: queue_playground::systems::kafka::trace::TerminalText::Received { data }, .. } if a == actor => {
                if let Some(run) = runs.last_mut() {
                    run.push(data);
                }
            }
            _ => {}
        }
    }
    runs
}

/// k7a: with one partition, every process prints a contiguous run of offsets in order (a
/// failure replays a suffix, never a lone message out of order).
fn assert_offset_order(sim: &KafkaSim, consumer: &str) {
    for run in prints_by_process(sim, actor(sim, consumer)) {
        assert!(run.windows(2).all(|w| w[1] == w[0] + 1), "{consumer} printed {run:?}: not a contiguous run in offset order");
    }
}

/// The first time an event matching `pick` happened.
fn first_time(sim: &KafkaSim, pick: impl Fn(&KafkaEvent) -> bool) -> Option<u32> {
    sim.trace().iter().find(|e| pick(&e.event)).map(|e| e.at_ms)
}

fn crash_then_restart(consumer: Value, trigger: Value, crash: &str, restart_ms: u64) -> KafkaScenario {
    scenario(tutorial(consumer, json!([
        {"when": trigger, "do": {crash: "consumer"}},
        {"when": {"at_ms": restart_ms}, "do": {"restart": "consumer"}}
    ])))
}

// ---------------------------------------------------------------- k1: auto-commit

/// k1a: the consumer idled ≥ 5 s in poll (auto-commit stored 0), then the burst; it crashes
/// after printing 3; the replacement gets the partition only when the dead member's session
/// expires (45 s after its last heartbeat) and prints 0…9 again.
#[test]
fn k1a_crash_with_auto_commit_replays_from_the_idle_commit() {
    let s = catalog::get("k-crash-autocommit").unwrap();
    let sim = run(&s, "k1a_crash_with_auto_commit_replays_from_the_idle_commit");
    let c = actor(&sim, "consumer");
    assert_eq!(prints_by_process(&sim, c), vec![vec![0, 1, 2, 3], (0..10).collect()], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![0, 1, 2, 3]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::ProcessedOnce), vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(sim.label(), RunLabel::AtLeastOnce);
    assert_eq!(cause(&sim, "producer", 2), Some(Cause::Replayed { partition: 0, from_offset: 0 }));
    assert_eq!(cause(&sim, "producer", 2).unwrap().text(), "replayed from committed offset 0 of partition 0 after the rebalance (the group had committed only up to there)");
    assert_eq!(cause(&sim, "producer", 5), None);
    // The last auto-commit before the crash (while idle, 5 s after the assignment at 3,004 ms:
    // kafka-python reschedules it at every join) stored offset 0.
    let commits: Vec<(u32, u32)> = sim.trace().iter().filter_map(|e| match e.event { KafkaEvent::OffsetCommitted { offset, .. } => Some((e.at_ms, offset)), _ => None }).collect();
    assert_eq!(commits[0], (8_005, 0), "{commits:?}");
    // The replacement waited for the session expiry: 45 s after the last heartbeat (at 6 s).
    let crash = first_time(&sim, |e| matches!(e, KafkaEvent::ActorCrashed { .. })).unwrap();
    let expired = first_time(&sim, |e| matches!(e, KafkaEvent::SessionExpired { .. })).unwrap();
    assert!(expired >= crash + 45_000 - 3_000 && expired <= crash + 45_000, "expired at {expired}, crash at {crash}");
    let replayed = sim.trace().iter().filter(|e| e.at_ms > crash).find(|e| matches!(e.event, KafkaEvent::Printed { actor, text: queue_playground::systems::kafka::trace::TerminalText::Received { .. }, .. } if actor == c));
    assert!(replayed.is_some_and(|e| e.at_ms >= expired), "nothing printed before the expiry");
    assert_offset_order(&sim, "consumer");
}

/// k1a, timing-dependent: when an auto-commit deadline (5 s after the assignment at 3,004 ms)
/// falls inside
/// the burst, the committed offset is the position reached by then (c = 2 here), and only
/// {c…3} are printed twice.
#[test]
fn k1a_an_auto_commit_inside_the_burst_narrows_the_replay() {
    let mut s = catalog::get("k-crash-autocommit").unwrap();
    s.actors[0] = serde_json::from_value(json!({"role": "producer", "name": "producer", "messages": 10, "interval_ms": 50, "start_ms": 7_904})).unwrap();
    let sim = run(&s, "k1a_an_auto_commit_inside_the_burst_narrows_the_replay");
    let c = actor(&sim, "consumer");
    assert_eq!(prints_by_process(&sim, c), vec![vec![0, 1, 2, 3], (2..10).collect()], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![2, 3]);
    assert_eq!(cause(&sim, "producer", 2), Some(Cause::Replayed { partition: 0, from_offset: 2 }));
}

/// k1e: a graceful stop after 3: close() commits position 4 and leaves; the replacement gets
/// the partition at once (no 45 s wait) and prints 4…9.
#[test]
fn k1e_graceful_stop_commits_and_leaves_at_once() {
    let consumer = json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest", "start_ms": 0});
    let mut s = crash_then_restart(consumer, json!({"after": {"actor": "consumer", "op": "print_received", "occurrence": 4}}), "stop", 8_000);
    s.actors[0] = serde_json::from_value(json!({"role": "producer", "name": "producer", "messages": 10, "interval_ms": 50, "start_ms": 6000})).unwrap();
    let sim = run(&s, "k1e_graceful_stop_commits_and_leaves_at_once");
    let c = actor(&sim, "consumer");
    assert_eq!(prints_by_process(&sim, c), vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7, 8, 9]], "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
    let committed: Vec<u32> = sim.trace().iter().filter_map(|e| match e.event { KafkaEvent::OffsetCommitted { offset, .. } => Some(offset), _ => None }).collect();
    assert!(committed.contains(&4), "close() committed position 4: {committed:?}");
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::MemberLeft { .. })).is_some());
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::SessionExpired { .. })).is_none());
    // The replacement's first print comes a rebalance delay (3 s) after it started, not 45 s.
    let restart = first_time(&sim, |e| matches!(e, KafkaEvent::ActorRestarted { .. })).unwrap();
    let printed = sim.trace().iter().filter(|e| e.at_ms >= restart).find(|e| matches!(e.event, KafkaEvent::Printed { actor, text: queue_playground::systems::kafka::trace::TerminalText::Received { .. }, .. } if actor == c)).unwrap().at_ms;
    assert!(printed < restart + 3_100, "first print at {printed}, restart at {restart}");
}

// ---------------------------------------------------------------- k2: manual commits

fn manual(commit: &str, work_ms: u64) -> Value {
    json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest", "commit": commit, "work_ms": work_ms})
}

/// k2a: commit after processing; a crash after printing 3, before its commit: the
/// replacement starts at the committed 3: 3 is printed twice.
#[test]
fn k2a_crash_before_the_commit_replays_3() {
    let s = crash_then_restart(manual("after_processing", 0), json!({"before": {"actor": "consumer", "op": "commit", "occurrence": 4}}), "crash", 12_000);
    let sim = run(&s, "k2a_crash_before_the_commit_replays_3");
    let c = actor(&sim, "consumer");
    let runs = prints_by_process(&sim, c);
    assert_eq!(runs[0].last(), Some(&3), "{}", dump(&sim));
    assert_eq!(runs[1], vec![3, 4, 5, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![3]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), Vec::<u32>::new());
    assert_eq!(sim.label(), RunLabel::AtLeastOnce);
    assert_eq!(cause(&sim, "producer", 3), Some(Cause::Replayed { partition: 0, from_offset: 3 }));
    assert_offset_order(&sim, "consumer");
}

/// k2b: a crash right after the commit of 3: the replacement prints 4…9; nothing lost or twice.
#[test]
fn k2b_crash_after_the_commit_loses_nothing() {
    let s = crash_then_restart(manual("after_processing", 0), json!({"after": {"actor": "consumer", "op": "commit", "occurrence": 4}}), "crash", 12_000);
    let sim = run(&s, "k2b_crash_after_the_commit_loses_nothing");
    let runs = prints_by_process(&sim, actor(&sim, "consumer"));
    assert_eq!(runs[0].last(), Some(&3), "{}", dump(&sim));
    assert_eq!(runs[1], vec![4, 5, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
}

/// k2c: commit before processing; a crash while processing 3, after its commit (the catalog's
/// k-commit-before): the replacement starts at 4; 3 is never processed: lost.
#[test]
fn k2c_commit_before_processing_loses_3() {
    let s = catalog::get("k-commit-before").unwrap();
    let sim = run(&s, "k2c_commit_before_processing_loses_3");
    let runs = prints_by_process(&sim, actor(&sim, "consumer"));
    assert_eq!(runs, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7, 8, 9]], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), vec![3]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), Vec::<u32>::new());
    assert_eq!(sim.label(), RunLabel::AtMostOnce);
    // Printed once (the print comes before the commit), never processed (the work after the
    // commit never finished): the cause says so, and does not contradict "printed ×1".
    let why = cause(&sim, "producer", 3);
    assert_eq!(why, Some(Cause::ReceivedNotProcessed { partition: 0, offset: 3, printed: 1, by_close: false, stopped: false }));
    assert_eq!(
        why.unwrap().text(),
        "received and printed ×1, and its offset committed before its processing (commit before processing); its consumer was killed before its processing finished, and a consumer of the group that starts later begins after offset 3 of partition 0, so it is never processed (at-most-once)"
    );
    // Still in the log: consuming deletes nothing, the group's committed offset moved past it.
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>());
}

/// Found by a walk of the page: in k2c, the only broker crashed for good (step 40) while the
/// consumer was inside `consumer.commit()` for {'data': 2}, which it had printed. The commit
/// can never be stored (the group coordinator is on that broker), so the consumer stays in
/// `commit()` and record 2 is stranded, not lost: the group's committed offset is 2, not past
/// it, and the consumer that holds it would process it if the broker came back. When the
/// consumer's poll interval runs out, its heartbeat thread cannot reach the coordinator: the
/// group neither rebalances nor empties (no LeaveGroup gets there).
#[test]
fn k2c_a_commit_stuck_on_a_dead_coordinator_strands_its_record() {
    use queue_playground::scenario::{FaultAction, FaultSpec, Trigger};
    let mut s = catalog::get("k-commit-before").unwrap();
    s.faults.push(FaultSpec { when: Trigger::AtStep(40), action: FaultAction::CrashNode { node: 0, restart: false } });
    let sim = run(&s, "k2c_a_commit_stuck_on_a_dead_coordinator_strands_its_record");
    let c = actor(&sim, "consumer");
    assert_eq!(prints_by_process(&sim, c), vec![vec![0, 1, 2]], "{}", dump(&sim));
    let crashed_at = sim.trace().iter().position(|e| matches!(e.event, KafkaEvent::NodeCrashed { .. })).expect("the broker crashed");
    assert!(sim.trace()[crashed_at..].iter().any(|e| matches!(e.event, KafkaEvent::PollIntervalExceeded { actor } if actor == c)), "{}", dump(&sim));
    let group_changed = sim.trace()[crashed_at..].iter().find(|e| matches!(e.event, KafkaEvent::MemberLeft { .. } | KafkaEvent::RebalanceStarted { .. } | KafkaEvent::GroupEmptied { .. }));
    assert_eq!(group_changed.map(|e| e.event), None, "the coordinator is down: the group stays as it is\n{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer")[..3], [Verdict::ProcessedOnce, Verdict::ProcessedOnce, Verdict::Stranded], "{}", dump(&sim));
    assert_eq!(cause(&sim, "producer", 2), Some(Cause::Held { partition: 0, offset: 2, printed: 1, in_commit: true }));
    // Record 3 was stored but never read: its partition's only broker is down.
    assert_eq!(cause(&sim, "producer", 3), Some(Cause::Offline { partition: 0 }));
    let report = queue_playground::systems::kafka::report::KafkaReport::new(&sim, false);
    let outcome = queue_playground::kafka_text::outcome(&report, queue_playground::i18n::Lang::En);
    assert!(outcome.contains("not processed: 2 (printed, but its consumer is stuck in consumer.commit(): the group coordinator cannot be reached)"), "{outcome}");
    assert!(outcome.contains("never printed: 3 ("), "{outcome}");
    let zh = queue_playground::kafka_text::outcome(&report, queue_playground::i18n::Lang::Zh);
    assert!(zh.contains("未处理：2（") && zh.contains("从未打印：3（"), "{zh}");
}

// ---------------------------------------------------------------- k3: auto_offset_reset

fn late_consumer(reset: &str) -> KafkaScenario {
    scenario(tutorial(json!({"role": "consumer", "name": "consumer", "group_id": "new_group", "auto_offset_reset": reset, "start_ms": 12_000}), json!([])))
}

/// k3a: a new group started after the producer finished, `earliest`: prints 0…9.
#[test]
fn k3a_a_new_group_from_earliest_prints_everything() {
    let sim = run(&late_consumer("earliest"), "k3a_a_new_group_from_earliest_prints_everything");
    assert_eq!(sim.received(actor(&sim, "consumer")), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), once(10));
}

/// k3b: the same with `latest` (the default) prints nothing. The records stay in the log, but
/// the group starts after them and commits past them: for the workload they are lost (kafka.md:
/// "Lost = never printed by the group"; see `KafkaSim::verdict`).
#[test]
fn k3b_a_new_group_from_latest_prints_nothing() {
    let sim = run(&late_consumer("latest"), "k3b_a_new_group_from_latest_prints_nothing");
    assert_eq!(sim.received(actor(&sim, "consumer")), Vec::<u32>::new(), "{}", dump(&sim));
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>());
    assert_eq!(verdicts(&sim, "producer"), vec![Verdict::Lost; 10]);
    assert_eq!(cause(&sim, "producer", 0), Some(Cause::SkippedByLatest { partition: 0, offset: 0 }));
    let reset = first_time(&sim, |e| matches!(e, KafkaEvent::PositionReset { offset: 10, earliest: false, .. }));
    assert!(reset.is_some(), "the position was reset to the high watermark 10");
}

/// A `latest` consumer that never commits (manual commits, nothing received) leaves the
/// records stranded: its group has no position past them that would survive it.
#[test]
fn latest_without_a_commit_leaves_the_records_stranded() {
    let s = scenario(tutorial(json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "latest", "commit": "after_processing", "start_ms": 12_000}), json!([{"when": {"at_ms": 13_000}, "do": {"crash": "consumer"}}])));
    let sim = run(&s, "latest_without_a_commit_leaves_the_records_stranded");
    assert_eq!(verdicts(&sim, "producer"), vec![Verdict::Stranded; 10], "{}", dump(&sim));
    assert_eq!(cause(&sim, "producer", 9), Some(Cause::Unread));
}

// ---------------------------------------------------------------- k4: acks and leader crashes

/// Three brokers, RF 3, min ISR 2; the followers are cut off the leader (kafka@0) before 5 is
/// sent, so only the leader has it; `crash` is when the leader is SIGKILLed (it restarts after
/// `broker.restart_delay_ms`), `heal` when the cut heals.
fn leader_crash(producer: Value, faults: Value) -> KafkaScenario {
    let mut all = vec![
        json!({"when": {"before": {"actor": "producer", "op": "send", "occurrence": 6}}, "do": {"partition": ["kafka@0", "kafka@1"]}}),
        json!({"when": {"before": {"actor": "producer", "op": "send", "occurrence": 6}}, "do": {"partition": ["kafka@0", "kafka@2"]}}),
        json!({"when": {"at_ms": 20_000}, "do": {"heal": ["kafka@0", "kafka@1"]}}),
        json!({"when": {"at_ms": 20_000}, "do": {"heal": ["kafka@0", "kafka@2"]}}),
    ];
    all.extend(faults.as_array().unwrap().iter().cloned());
    scenario(json!({
        "name": "k4",
        "broker": {"model": "kafka", "brokers": 3, "min_insync_replicas": 2},
        "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 3}],
        "actors": [producer, {"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}],
        "faults": all
    }))
}

/// k4a: acks=0; the leader dies right after appending 5, before the followers fetch it. The
/// producer sees no error (offsets -1); 5 is lost; the final log is 0…4, 6…9.
#[test]
fn k4a_acks0_loses_5_without_an_error() {
    let s = leader_crash(
        json!({"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000, "acks": "0", "enable_idempotence": false}),
        json!([{"when": {"at_ms": 5_500}, "do": {"crash_node": {"node": 0, "restart": true}}}]),
    );
    let sim = run(&s, "k4a_acks0_loses_5_without_an_error");
    let p = actor(&sim, "producer");
    let sent = sim.terminal(p);
    assert_eq!(sent.len(), 10, "no error: {sent:?}\n{}", dump(&sim));
    assert!(sent.iter().all(|l| l.ends_with("(partition 0, offset -1)")), "{sent:?}");
    assert_eq!(sim.log_payloads(0), vec![0, 1, 2, 3, 4, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 1, 2, 3, 4, 6, 7, 8, 9]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), vec![5]);
    assert_eq!(sim.label(), RunLabel::AtMostOnce);
}

/// k4b (the catalog's k-acks1-leader-crash): acks=1; the leader acknowledges 5, then crashes
/// before its followers have it; a follower in the ISR is elected cleanly without 5; the old
/// leader truncates 5 when it rejoins. The acknowledged 5 is lost; consumers never saw it.
#[test]
fn k4b_acks1_loses_an_acknowledged_record() {
    let s = catalog::get("k-acks1-leader-crash").unwrap();
    let sim = run(&s, "k4b_acks1_loses_an_acknowledged_record");
    let p = actor(&sim, "producer");
    assert!(sim.terminal(p).contains(&" [x] Sent {'data': 5} (partition 0, offset 5)".to_string()), "5 was acknowledged\n{}", dump(&sim));
    assert_eq!(sim.log_payloads(0), vec![0, 1, 2, 3, 4, 6, 7, 8, 9]);
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 1, 2, 3, 4, 6, 7, 8, 9]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), vec![5]);
    assert_eq!(cause(&sim, "producer", 5), Some(Cause::Truncated { acked: true }));
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::LeaderElected { clean: true, .. })).is_some());
    // The old leader truncates 5 at its first fetch from the new leader: not while the network
    // between them is still cut (it restarts before the heal).
    let truncated = sim.trace().iter().position(|e| matches!(e.event, KafkaEvent::Truncated { count: 1, from_offset: 5, .. })).expect("5 truncated");
    let healed = sim.trace().iter().position(|e| matches!(e.event, KafkaEvent::Healed { .. })).expect("the cut heals");
    let restarted = sim.trace().iter().position(|e| matches!(e.event, KafkaEvent::NodeStarted { .. })).expect("kafka@0 restarts");
    assert!(restarted < healed && healed < truncated, "restart {restarted}, heal {healed}, truncation {truncated}\n{}", dump(&sim));
    // Every replica agrees once the cut heals.
    let tp = sim.topic_partition(0);
    let partition = sim.cluster().partition(tp).unwrap();
    for r in &partition.replicas {
        assert_eq!(r.log_end(), 9, "replica on {:?}", r.broker);
    }
}

/// k4c: acks=all with idempotence (the default): the leader crashes after appending 5, before
/// the ack. The producer retries against the new leader: 0…9 once each, nothing lost.
#[test]
fn k4c_acks_all_retries_to_the_new_leader() {
    let s = leader_crash(
        json!({"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000}),
        json!([{"when": {"at_ms": 5_500}, "do": {"crash_node": {"node": 0, "restart": true}}}]),
    );
    let sim = run(&s, "k4c_acks_all_retries_to_the_new_leader");
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "consumer")), (0..10).collect::<Vec<_>>());
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::ProduceFailed { retry_in_ms: Some(_), .. })).is_some(), "5 was retried");
}

/// k4c, idempotence off: the followers had replicated 5 but its ack was lost, then the leader
/// crashed; the retry to the new leader writes 5 twice.
#[test]
fn k4c_without_idempotence_a_lost_ack_writes_5_twice() {
    let s = scenario(json!({
        "name": "k4c-dup",
        "broker": {"model": "kafka", "brokers": 3, "min_insync_replicas": 2},
        "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 3}],
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000, "enable_idempotence": false, "get_timeout_ms": null},
            {"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}
        ],
        "faults": [
            {"when": {"before": {"actor": "producer", "op": "send", "occurrence": 6}}, "do": {"drop_next": {"from": "kafka@0", "to": "producer"}}},
            {"when": {"at_ms": 5_500}, "do": {"crash_node": {"node": 0, "restart": true}}}
        ]
    }));
    let sim = run(&s, "k4c_without_idempotence_a_lost_ack_writes_5_twice");
    assert_eq!(sim.log_payloads(0), vec![0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![5]);
}

/// `unclean.leader.election.enable`: the followers are cut off for longer than
/// `replica.lag.time.max.ms`, so the ISR shrinks to the leader alone and acks=all (min ISR 1)
/// acknowledges what only the leader has; the leader dies; no ISR member is left, so an
/// out-of-sync follower is elected: the acknowledged 1 and 2 are lost.
#[test]
fn an_unclean_election_loses_acknowledged_records() {
    let s = scenario(json!({
        "name": "unclean",
        "broker": {"model": "kafka", "brokers": 3, "min_insync_replicas": 1, "unclean_leader_election": true},
        "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 3}],
        "actors": [
            {"role": "producer", "name": "producer", "messages": 6, "interval_ms": 10000, "get_timeout_ms": null, "enable_idempotence": false},
            {"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest", "start_ms": 100000}
        ],
        "faults": [
            {"when": {"at_ms": 1000}, "do": {"partition": ["kafka@0", "kafka@1"]}},
            {"when": {"at_ms": 1000}, "do": {"partition": ["kafka@0", "kafka@2"]}},
            {"when": {"at_ms": 65000}, "do": {"crash_node": {"node": 0, "restart": false}}}
        ]
    }));
    let sim = run(&s, "an_unclean_election_loses_acknowledged_records");
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::IsrShrunk { isr: 1, .. })).is_some(), "{}", dump(&sim));
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::LeaderElected { clean: false, .. })).is_some());
    let p = actor(&sim, "producer");
    assert!(sim.terminal(p).iter().any(|l| l.starts_with(" [x] Sent {'data': 2}")), "2 was acknowledged");
    assert_eq!(sim.log_payloads(0), vec![0, 3, 4, 5]);
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 3, 4, 5]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), vec![1, 2]);
    assert_eq!(cause(&sim, "producer", 2), Some(Cause::Truncated { acked: true }));
}

// ---------------------------------------------------------------- k5: a lost produce response

/// k5a (the catalog's k-lost-response-no-idempotence): the response to 3 is dropped; after
/// request_timeout_ms (30 s) the batch is retried and stored again: the log is
/// 0 1 2 3 3 4 … 9 and the consumer prints 3 twice.
#[test]
fn k5a_a_lost_response_without_idempotence_duplicates_3() {
    let s = catalog::get("k-lost-response-no-idempotence").unwrap();
    let sim = run(&s, "k5a_a_lost_response_without_idempotence_duplicates_3");
    assert_eq!(sim.log_payloads(0), vec![0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![3]);
    assert_eq!(sim.label(), RunLabel::AtLeastOnce);
    assert_eq!(cause(&sim, "producer", 3), Some(Cause::StoredTwice { copies: 2, by: Resent::Retry { timed_out: true, idempotent: false } }));
    let failed = first_time(&sim, |e| matches!(e, KafkaEvent::ProduceFailed { .. })).unwrap();
    let dropped = first_time(&sim, |e| matches!(e, KafkaEvent::FrameDropped { .. })).unwrap();
    assert_eq!(failed - dropped, 30_000 - 1, "retried after request_timeout_ms from the send");
    assert!(sim.terminal(actor(&sim, "producer")).contains(&" [x] Sent {'data': 3} (partition 0, offset 4)".to_string()));
}

/// k5b (the catalog's k-idempotent-lost-response): the same with idempotence: the broker
/// recognises the retry and answers the original offset; 0…9 once each, after a 30 s stall.
#[test]
fn k5b_an_idempotent_retry_is_recognised() {
    let s = catalog::get("k-idempotent-lost-response").unwrap();
    let sim = run(&s, "k5b_an_idempotent_retry_is_recognised");
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "consumer")), (0..10).collect::<Vec<_>>());
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::RecordDiscarded { reason: queue_playground::systems::kafka::trace::DiscardReason::DuplicateBatch, .. })).is_some());
    assert!(sim.terminal(actor(&sim, "producer")).contains(&" [x] Sent {'data': 3} (partition 0, offset 3)".to_string()));
    let sent_4 = first_time(&sim, |e| matches!(e, KafkaEvent::Printed { text: queue_playground::systems::kafka::trace::TerminalText::Sent { data: 4, .. }, .. })).unwrap();
    assert!(sent_4 > 33_000, "the producer stalled ~30 s on 3");
}

// ---------------------------------------------------------------- k6: partitions and groups

fn three_partitions(keyed: bool, commit: &str, faults: Value) -> KafkaScenario {
    scenario(json!({
        "name": "k6",
        "broker": {"model": "kafka"},
        "topics": [{"name": "test_topic", "partitions": 3}],
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000, "keyed": keyed},
            {"role": "consumer", "name": "c1", "auto_offset_reset": "earliest", "commit": commit},
            {"role": "consumer", "name": "c2", "auto_offset_reset": "earliest", "commit": commit}
        ],
        "faults": faults
    }))
}

/// The partitions each consumer was assigned last, and the consumers ordered by member id.
fn assignment(sim: &KafkaSim) -> Vec<(String, String, Vec<u16>)> {
    let mut out = Vec::new();
    for name in ["c1", "c2"] {
        let r = &sim.actors()[actor(sim, name).index()];
        let member = r.member.map(|m| sim.member_id(m).unwrap().to_string()).unwrap_or_default();
        out.push((member, name.to_string(), r.assignment.clone()));
    }
    out.sort();
    out
}

/// k6a: 3 partitions, 2 consumers, range assignor: the member with the smaller member id gets
/// p0 and p1, the other p2.
#[test]
fn k6a_range_gives_the_smaller_member_id_p0_and_p1() {
    for seed in 1..=6 {
        let mut s = three_partitions(false, "auto", json!([]));
        s.seed = seed;
        let sim = run(&s, "k6a_range_gives_the_smaller_member_id_p0_and_p1");
        let owners = assignment(&sim);
        assert_eq!(owners[0].2, vec![0, 1], "seed {seed}: {owners:?}");
        assert_eq!(owners[1].2, vec![2], "seed {seed}: {owners:?}");
        assert!(owners[0].0.starts_with("kafka-python-3.0.12-"), "{owners:?}");
        // Unkeyed records go to random partitions (kafka-python's choice, from the seed); all
        // are printed once by one of the two (across partitions, not in the producer's order).
        assert!(verdicts(&sim, "producer").iter().all(|v| matches!(v, Verdict::ProcessedOnce | Verdict::OutOfOrder)), "seed {seed}: {:?}", verdicts(&sim, "producer"));
    }
}

/// k6c: keyed with `str(i).encode()`: murmur2 puts p0 {1,5,7,8}, p1 {4,6}, p2 {0,2,3,9}; C1
/// (smaller member id) prints 1,4,5,6,7,8 (each partition in order), C2 prints 0,2,3,9.
#[test]
fn k6c_keyed_records_follow_murmur2() {
    let sim = run(&three_partitions(true, "auto", json!([])), "k6c_keyed_records_follow_murmur2");
    assert_eq!(sim.log_payloads(0), vec![1, 5, 7, 8]);
    assert_eq!(sim.log_payloads(1), vec![4, 6]);
    assert_eq!(sim.log_payloads(2), vec![0, 2, 3, 9]);
    let owners = assignment(&sim);
    let c1 = actor(&sim, &owners[0].1);
    let c2 = actor(&sim, &owners[1].1);
    let mut printed_c1 = sim.received(c1);
    let p0: Vec<u32> = printed_c1.iter().copied().filter(|d| [1, 5, 7, 8].contains(d)).collect();
    let p1: Vec<u32> = printed_c1.iter().copied().filter(|d| [4, 6].contains(d)).collect();
    assert_eq!((p0, p1), (vec![1, 5, 7, 8], vec![4, 6]), "per-partition order kept");
    printed_c1.sort();
    assert_eq!(printed_c1, vec![1, 4, 5, 6, 7, 8]);
    assert_eq!(sim.received(c2), vec![0, 2, 3, 9]);
    // Each once; order holds only within a partition: the group joined at 6 s (the initial
    // rebalance delay, extended for the second member) and C1 printed the backlog of p0 (1, 5)
    // before 4 (p1): 4 is out of order for C1. C2 printed 0, 2, 3, 9 in order: 3 came after
    // C1's 5, but another process's prints are not an order (Kafka orders nothing across
    // consumers), so 3 is processed once.
    assert_eq!(with_verdict(&sim, "producer", Verdict::OutOfOrder), vec![4], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::ProcessedOnce), vec![0, 1, 2, 3, 5, 6, 7, 8, 9]);
    // The cause says why: the later record the same consumer printed first was in another partition.
    assert_eq!(cause(&sim, "producer", 3), None);
    // Both were already in the log when the group first formed and C1 got p0 and p1 together.
    let Some(Cause::OtherPartition { partition: 1, later: 5, later_partition: 0, takeover: Some(t) }) = cause(&sim, "producer", 4) else { panic!("{:?}", cause(&sim, "producer", 4)) };
    assert_eq!(t, Takeover { late: false, why: TakeoverWhy::Reason(RebalanceReason::InitialJoin), from_offset: 0, committed: false });
    let report = queue_playground::systems::kafka::report::KafkaReport::new(&sim, false);
    let outcome = queue_playground::kafka_text::outcome(&report, queue_playground::i18n::Lang::En);
    assert!(outcome.contains("; out of order: 4 (each printed after a later record that the same consumer had printed before it)"), "{outcome}");
}

/// k6d: k6c with a commit after each message; C2 crashes after printing 2, before committing
/// it. C1 keeps consuming p0 and p1; after C2's session expires (45 s) C1 owns p0, p1, p2 and
/// resumes p2 at its committed offset: it prints 2 (a duplicate), 3, 9. Nothing lost.
#[test]
fn k6d_a_crashed_member_s_partition_moves_after_its_session() {
    let probe = run(&three_partitions(true, "after_processing", json!([])), "k6d_probe");
    let owners = assignment(&probe);
    let (c1_name, c2_name) = (owners[0].1.clone(), owners[1].1.clone());
    let s = three_partitions(true, "after_processing", json!([{"when": {"before": {"actor": c2_name, "op": "commit", "occurrence": 2}}, "do": {"crash": c2_name}}]));
    let sim = run(&s, "k6d_a_crashed_member_s_partition_moves_after_its_session");
    let (c1, c2) = (actor(&sim, &c1_name), actor(&sim, &c2_name));
    assert_eq!(sim.received(c2), vec![0, 2], "{}", dump(&sim));
    let printed = sim.received(c1);
    let p2: Vec<u32> = printed.iter().copied().filter(|d| [0, 2, 3, 9].contains(d)).collect();
    assert_eq!(p2, vec![2, 3, 9], "C1 resumes p2 at its committed offset 1\n{}", dump(&sim));
    let mut all = printed.clone();
    all.sort();
    assert_eq!(all, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![2]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), Vec::<u32>::new());
    // C1 printed p0/p1 records before C2's session expired: it was not interrupted.
    let crash = first_time(&sim, |e| matches!(e, KafkaEvent::ActorCrashed { .. })).unwrap();
    let expired = first_time(&sim, |e| matches!(e, KafkaEvent::SessionExpired { .. })).unwrap();
    assert!(expired >= crash + 42_000 && expired <= crash + 45_000, "crash {crash}, expiry {expired}");
    let c1_before: Vec<u32> = sim.trace().iter().filter(|e| e.at_ms > crash && e.at_ms < expired).filter_map(|e| match e.event { KafkaEvent::Printed { actor, text: queue_playground::systems::kafka::trace::TerminalText::Received { data }, .. } if actor == c1 => Some(data), _ => None }).collect();
    assert!(!c1_before.is_empty(), "C1 kept consuming p0 and p1 meanwhile");
}

// ---------------------------------------------------------------- k7: offset order

/// k7a: with one partition, whatever the fault, every consumer process prints in offset order:
/// a failure replays a suffix (`0 1 2 3 ✗ 0 1 2 3 4 … 9`), never a lone message out of order.
#[test]
fn k7a_one_partition_prints_in_offset_order_under_every_fault() {
    let mut scenarios = vec![catalog::get("k-crash-autocommit").unwrap(), catalog::get("k-commit-before").unwrap()];
    for (trigger, action) in [("print_received", "crash"), ("print_received", "stop"), ("poll", "crash")] {
        for occurrence in [1, 3, 6] {
            scenarios.push(crash_then_restart(
                json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}),
                json!({"after": {"actor": "consumer", "op": trigger, "occurrence": occurrence}}),
                action,
                15_000,
            ));
        }
    }
    for s in &scenarios {
        let sim = run(s, "k7a_one_partition_prints_in_offset_order_under_every_fault");
        assert_offset_order(&sim, "consumer");
        let all: std::collections::BTreeSet<u32> = sim.received(actor(&sim, "consumer")).into_iter().collect();
        assert!(all.len() >= 9, "{}: printed {all:?}", s.name);
        for v in verdicts(&sim, "producer") {
            assert!(!matches!(v, Verdict::OutOfOrder | Verdict::Pending | Verdict::Stranded), "{v:?}\n{}", dump(&sim));
        }
    }
}

// ---------------------------------------------------------------- k8: consuming deletes nothing

/// k8a: group A consumed all 10; the log is unchanged; A restarted prints nothing.
#[test]
fn k8a_consuming_deletes_nothing_and_a_restart_prints_nothing() {
    let s = scenario(tutorial(
        json!({"role": "consumer", "name": "consumer", "group_id": "A", "auto_offset_reset": "earliest"}),
        json!([{"when": {"at_ms": 20_000}, "do": {"stop": "consumer"}}, {"when": {"at_ms": 21_000}, "do": {"restart": "consumer"}}]),
    ));
    let sim = run(&s, "k8a_consuming_deletes_nothing_and_a_restart_prints_nothing");
    assert_eq!(prints_by_process(&sim, actor(&sim, "consumer")), vec![(0..10).collect(), vec![]], "{}", dump(&sim));
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>());
    assert_eq!(verdicts(&sim, "producer"), once(10));
}

/// k8b: a second group B with `earliest` prints 0…9 again, independently of A. That is fan-out,
/// not duplication: each group printed each message once, so each is processed once.
#[test]
fn k8b_a_second_group_reads_everything_again() {
    let mut v = tutorial(json!({"role": "consumer", "name": "a", "group_id": "A", "auto_offset_reset": "earliest"}), json!([]));
    v["actors"].as_array_mut().unwrap().push(json!({"role": "consumer", "name": "b", "group_id": "B", "auto_offset_reset": "earliest", "start_ms": 15_000}));
    let sim = run(&scenario(v), "k8b_a_second_group_reads_everything_again");
    assert_eq!(sim.received(actor(&sim, "a")), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "b")), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), vec![Verdict::ProcessedOnce; 10]);
    assert_eq!(sim.label(), RunLabel::EffectivelyOnce);
    assert_eq!(cause(&sim, "producer", 4), None);
}

/// Per group: a crash in group A (auto-commit not yet run) makes A print 0… again: those are
/// duplicated, with A's replay as the cause, while group B's single prints do not count.
#[test]
fn k8b_a_duplicate_in_one_group_is_judged_on_that_group() {
    let mut v = tutorial(
        json!({"role": "consumer", "name": "a", "group_id": "A", "auto_offset_reset": "earliest"}),
        json!([{"when": {"at_ms": 4_500}, "do": {"crash": "a"}}, {"when": {"at_ms": 5_000}, "do": {"restart": "a"}}]),
    );
    v["actors"].as_array_mut().unwrap().push(json!({"role": "consumer", "name": "b", "group_id": "B", "auto_offset_reset": "earliest", "start_ms": 15_000}));
    let sim = run(&scenario(v), "k8b_a_duplicate_in_one_group_is_judged_on_that_group");
    let a = sim.received(actor(&sim, "a"));
    assert_eq!(sim.received(actor(&sim, "b")), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    let twice: Vec<u32> = (0..10).filter(|d| a.iter().filter(|x| *x == d).count() > 1).collect();
    assert!(!twice.is_empty(), "a crash before the first auto-commit replays: {a:?}\n{}", dump(&sim));
    let expected: Vec<Verdict> = (0..10).map(|d| if twice.contains(&d) { Verdict::Duplicated } else { Verdict::ProcessedOnce }).collect();
    assert_eq!(verdicts(&sim, "producer"), expected, "{}", dump(&sim));
    // A crashes before its first auto-commit (5 s after its assignment): A had committed
    // nothing, so its replacement started at the beginning.
    assert_eq!(cause(&sim, "producer", twice[0]), Some(Cause::ReadFromReset { partition: 0, from_offset: 0 }));
}

// ---------------------------------------------------------------- k9: transactions

fn transactional(isolation: &str, faults: Value) -> KafkaScenario {
    scenario(json!({
        "name": "k9",
        "broker": {"model": "kafka"},
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000, "transactional_id": "tx-1"},
            {"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest", "isolation_level": isolation}
        ],
        "faults": faults
    }))
}

/// The times a consumer printed each record.
fn print_times(sim: &KafkaSim, consumer: ActorId) -> Vec<u32> {
    sim.trace().iter().filter(|e| matches!(e.event, KafkaEvent::Printed { actor, text: queue_playground::systems::kafka::trace::TerminalText::Received { .. }, .. } if actor == consumer)).map(|e| e.at_ms).collect()
}

/// k9a: 0…9 in one transaction, then commit: a `read_committed` consumer prints 0…9 only after
/// the commit; a `read_uncommitted` one prints them as they arrive.
#[test]
fn k9a_read_committed_waits_for_the_commit() {
    let sim = run(&transactional("read_committed", json!([])), "k9a_read_committed_waits_for_the_commit");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    let committed = first_time(&sim, |e| matches!(e, KafkaEvent::TransactionCommitted { .. })).unwrap();
    assert!(print_times(&sim, c).iter().all(|&t| t > committed), "committed at {committed}: {:?}", print_times(&sim, c));
    assert_eq!(verdicts(&sim, "producer"), once(10));

    let sim = run(&transactional("read_uncommitted", json!([])), "k9a_read_committed_waits_for_the_commit");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    let committed = first_time(&sim, |e| matches!(e, KafkaEvent::TransactionCommitted { .. })).unwrap();
    assert!(print_times(&sim, c).iter().filter(|&&t| t < committed).count() >= 9, "printed as they arrived: {:?}", print_times(&sim, c));
}

/// A transactional producer crashes in the middle of its transaction and restarts: its new
/// instance fences the old one (the open transaction is aborted) and sends 0…9 again in a new
/// one. `read_committed` prints each once; `read_uncommitted` also printed the aborted ones.
#[test]
fn k9_an_aborted_transaction_is_never_read_committed() {
    let faults = json!([
        {"when": {"after": {"actor": "producer", "op": "print_sent", "occurrence": 5}}, "do": {"crash": "producer"}},
        {"when": {"at_ms": 8_000}, "do": {"restart": "producer"}}
    ]);
    let sim = run(&transactional("read_committed", faults.clone()), "k9_an_aborted_transaction_is_never_read_committed");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer"), once(10));
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::TransactionAborted { .. })).is_some());
    assert_eq!(sim.log_payloads(0), vec![0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "the aborted records stay in the log (markers are not payloads)");

    let sim = run(&transactional("read_uncommitted", faults), "k9_an_aborted_transaction_is_never_read_committed");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), vec![0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![0, 1, 2, 3, 4]);
}

// ---------------------------------------------------------------- determinism

#[test]
fn the_same_scenario_and_seed_give_the_same_trace() {
    for (name, _) in catalog::ENTRIES {
        let s = catalog::get(name).unwrap();
        for seed in [1, 7, 42] {
            let mut a = KafkaSim::with_seed(&s, seed).unwrap();
            let mut b = KafkaSim::with_seed(&s, seed).unwrap();
            a.run_until(Until::Quiescence);
            b.run_until(Until::Quiescence);
            assert_eq!(trace_hash(a.trace()), trace_hash(b.trace()), "{name} seed {seed}: rerun with `cargo test --test kafka_world the_same_scenario`");
            assert!(a.ended(), "{name} seed {seed} ended");
        }
    }
}

// ---------------------------------------------------------------- other faults

/// A slow consumer: its processing of a record takes longer than `max_poll_interval_ms`, so its
/// heartbeat thread leaves the group; the commit after processing then raises
/// CommitFailedError and the program ends. Its replacement replays the record it had processed.
#[test]
fn a_consumer_slower_than_max_poll_interval_leaves_its_group() {
    let s = scenario(tutorial(
        json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest", "commit": "after_processing", "work_ms": 100, "max_poll_interval_ms": 5000}),
        json!([
            {"when": {"after": {"actor": "consumer", "op": "commit", "occurrence": 4}}, "do": {"slow": {"actor": "consumer", "work_ms": 8000}}},
            {"when": {"at_ms": 29_000}, "do": {"slow": {"actor": "consumer", "work_ms": 100}}},
            {"when": {"at_ms": 30_000}, "do": {"restart": "consumer"}}
        ]),
    ));
    let sim = run(&s, "a_consumer_slower_than_max_poll_interval_leaves_its_group");
    let c = actor(&sim, "consumer");
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::PollIntervalExceeded { .. })).is_some(), "{}", dump(&sim));
    assert!(sim.terminal(c).iter().any(|l| l.starts_with("kafka.errors.CommitFailedError")), "{:?}", sim.terminal(c));
    let runs = prints_by_process(&sim, c);
    assert_eq!(runs[0], vec![0, 1, 2, 3, 4], "{}", dump(&sim));
    assert_eq!(runs[1], vec![4, 5, 6, 7, 8, 9], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), vec![4]);
}

/// The broker dies and stays down: `future.get(timeout=10)` raises KafkaTimeoutError, which
/// ends the tutorial producer; the record it was sending is lost (never stored).
#[test]
fn a_send_to_a_dead_broker_times_out_the_get() {
    let s = scenario(tutorial(
        json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}),
        json!([{"when": {"after": {"actor": "producer", "op": "print_sent", "occurrence": 5}}, "do": {"crash_node": {"node": 0, "restart": false}}}]),
    ));
    let sim = run(&s, "a_send_to_a_dead_broker_times_out_the_get");
    let p = actor(&sim, "producer");
    let lines = sim.terminal(p);
    assert_eq!(lines.last().unwrap(), "kafka.errors.KafkaTimeoutError: KafkaTimeoutError: Timeout after waiting for 10 secs.", "{lines:?}");
    assert_eq!(lines.len(), 6);
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 1, 2, 3, 4]);
    let mut expected = once(5);
    expected.push(Verdict::Lost);
    assert_eq!(verdicts(&sim, "producer"), expected);
    assert_eq!(cause(&sim, "producer", 5), Some(Cause::NeverStored));
}

/// With `future.get()` (no timeout) the record waits in the producer until
/// `delivery_timeout_ms` (120 s): then the send fails and the program ends.
#[test]
fn a_record_expires_after_delivery_timeout() {
    let mut v = tutorial(
        json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}),
        json!([{"when": {"after": {"actor": "producer", "op": "print_sent", "occurrence": 5}}, "do": {"crash_node": {"node": 0, "restart": false}}}]),
    );
    v["actors"][0]["get_timeout_ms"] = json!(null);
    let sim = run(&scenario(v), "a_record_expires_after_delivery_timeout");
    let p = actor(&sim, "producer");
    assert_eq!(
        sim.terminal(p).last().unwrap(),
        "kafka.errors.KafkaTimeoutError: KafkaTimeoutError: Expiring 1 record(s) for TopicPartition(topic='test_topic', partition=0): 120000 ms has passed since batch creation",
        "{:?}",
        sim.terminal(p)
    );
    let sent = first_time(&sim, |e| matches!(e, KafkaEvent::Printed { text: queue_playground::systems::kafka::trace::TerminalText::Sent { data: 4, .. }, .. })).unwrap();
    let failed = first_time(&sim, |e| matches!(e, KafkaEvent::ProduceFailed { retry_in_ms: None, .. })).unwrap();
    // 5 was sent after the 1 s sleep that follows 4, and expired 120 s later.
    assert_eq!(failed, sent + 1_000 + 120_000, "sent 4 at {sent}, 5 failed at {failed}");
    assert_eq!(cause(&sim, "producer", 5), Some(Cause::NeverStored));
}

/// min.insync.replicas: with both followers dead (and fenced), the ISR is the leader alone,
/// below min ISR 2: acks=all sends are refused (NOT_ENOUGH_REPLICAS) and retried until the
/// program's `get` gives up; nothing is stored, so nothing acknowledged can be lost.
#[test]
fn acks_all_below_min_isr_is_refused() {
    let s = scenario(json!({
        "name": "min-isr",
        "broker": {"model": "kafka", "brokers": 3, "min_insync_replicas": 2},
        "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 3}],
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000, "start_ms": 15_000},
            {"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}
        ],
        "faults": [
            {"when": {"at_ms": 1_000}, "do": {"crash_node": {"node": 1, "restart": false}}},
            {"when": {"at_ms": 1_000}, "do": {"crash_node": {"node": 2, "restart": false}}}
        ]
    }));
    let sim = run(&s, "acks_all_below_min_isr_is_refused");
    let p = actor(&sim, "producer");
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::ProduceFailed { error: queue_playground::systems::kafka::trace::ClientError::Broker(queue_playground::systems::kafka::cluster::KafkaError::NotEnoughReplicas), .. })).is_some(), "{}", dump(&sim));
    assert!(sim.terminal(p).last().unwrap().starts_with("kafka.errors.KafkaTimeoutError"), "{:?}", sim.terminal(p));
    assert_eq!(sim.log_payloads(0), Vec::<u32>::new());
    assert_eq!(verdicts(&sim, "producer"), vec![Verdict::Lost]);
}

/// min.insync.replicas above the replication factor: Kafka accepts the setting and caps it
/// at the partition's replicas (`Partition.effectiveMinIsr`), so acks=all sends to an RF 1
/// topic with min ISR 3 succeed: every record stored once and printed once.
#[test]
fn min_isr_above_the_replication_factor_is_capped_at_it() {
    let s = scenario(json!({
        "name": "min-isr-above-rf",
        "broker": {"model": "kafka", "brokers": 1, "min_insync_replicas": 3},
        "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 1}],
        "actors": [
            {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000, "start_ms": 4_000},
            {"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}
        ]
    }));
    let sim = run(&s, "min_isr_above_the_replication_factor_is_capped_at_it");
    assert!(first_time(&sim, |e| matches!(e, KafkaEvent::ProduceFailed { .. })).is_none(), "{}", dump(&sim));
    assert_eq!(sim.log_payloads(0), (0..10).collect::<Vec<_>>());
    assert_eq!(sim.received(actor(&sim, "consumer")), (0..10).collect::<Vec<_>>());
}

/// `auto_offset_reset='none'` with no committed offset: the poll raises
/// NoOffsetForPartitionError and the program ends; with an offset committed (by an earlier
/// group member), it starts there.
#[test]
fn offset_reset_none_raises_without_a_committed_offset() {
    let s = scenario(tutorial(json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "none"}), json!([])));
    let sim = run(&s, "offset_reset_none_raises_without_a_committed_offset");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.terminal(c).last().unwrap(), "kafka.errors.NoOffsetForPartitionError: NoOffsetForPartitionError: {TopicPartition(topic='test_topic', partition=0)}", "{}", dump(&sim));
    assert_eq!(sim.received(c), Vec::<u32>::new());

    let mut v = tutorial(json!({"role": "consumer", "name": "first", "auto_offset_reset": "earliest"}), json!([{"when": {"at_ms": 4_500}, "do": {"stop": "first"}}]));
    v["actors"].as_array_mut().unwrap().push(json!({"role": "consumer", "name": "second", "auto_offset_reset": "none", "start_ms": 6_000}));
    let sim = run(&scenario(v), "offset_reset_none_raises_without_a_committed_offset");
    assert_eq!(sim.received(actor(&sim, "first")), vec![0, 1, 2, 3, 4], "{}", dump(&sim));
    assert_eq!(sim.received(actor(&sim, "second")), vec![5, 6, 7, 8, 9]);
}

/// `linger_ms` holds each record that long before the sender sends it (the tutorial's
/// synchronous loop puts one record in each batch).
#[test]
fn linger_delays_each_send() {
    let mut v = tutorial(json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}), json!([]));
    v["actors"][0]["linger_ms"] = json!(200);
    let sim = run(&scenario(v), "linger_delays_each_send");
    let published = first_time(&sim, |e| matches!(e, KafkaEvent::MessagePublished { .. })).unwrap();
    assert_eq!(published, 200);
    assert_eq!(sim.received(actor(&sim, "consumer")), (0..10).collect::<Vec<_>>());
}

/// A consumer cut off from its broker for good: its session expires (45 s after its last
/// heartbeat), the records sent after the cut stay unread, and the run still ends (no timer
/// retries forever across a cut that nothing will heal).
#[test]
fn a_consumer_cut_off_for_good_ends_the_run_with_its_records_unread() {
    let s = scenario(tutorial(
        json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}),
        json!([{"when": {"at_ms": 5_500}, "do": {"partition": ["consumer", "kafka@0"]}}]),
    ));
    let sim = run(&s, "a_consumer_cut_off_for_good_ends_the_run_with_its_records_unread");
    assert_eq!(sim.received(actor(&sim, "consumer")), vec![0, 1, 2, 3, 4, 5], "{}", dump(&sim));
    // Its last heartbeat before the cut was at its assignment (3004, the heartbeats' origin).
    assert_eq!(first_time(&sim, |e| matches!(e, KafkaEvent::SessionExpired { .. })), Some(3_004 + 45_000), "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Stranded), vec![6, 7, 8, 9]);
    assert_eq!(cause(&sim, "producer", 6), Some(Cause::Unread));
}

// ---------------------------------------------------------------- snapshots and forks

/// A snapshot taken mid-run goes on exactly as the run it was taken from (the page forks
/// runs so), and a fault applied to it changes only the fork.
#[test]
fn a_snapshot_continues_like_its_run_and_forks_apart() {
    let s = catalog::get("k-workload").unwrap();
    let mut whole = KafkaSim::new(&s).unwrap();
    whole.run_until(Until::Events(40));
    let taken = whole.events();
    let mut fork = whole.snapshot();
    let mut same = whole.snapshot();
    whole.run_until(Until::Quiescence);
    same.run_until(Until::Quiescence);
    assert_eq!(trace_hash(&whole.trace()[taken..]), trace_hash(same.trace()), "the snapshot went on as its run");
    fork.apply(&queue_playground::scenario::FaultAction::Crash("consumer".into())).unwrap();
    fork.run_until(Until::Quiescence);
    assert!(fork.received(actor(&fork, "consumer")).len() < 10);
    assert_eq!(whole.received(actor(&whole, "consumer")), (0..10).collect::<Vec<_>>());
    assert!(fork.events() > taken);
}

// ---------------------------------------------------------------- properties under random faults

/// The durable set-up (acks=all, idempotence, min ISR 2, RF 3, commits after processing) under
/// random consumer, producer and broker crashes and lost frames, for many seeds:
/// - the run ends, and every copy is in exactly one place (conservation);
/// - per partition, each consumer process yields offsets in increasing order, and the group's
///   yields are a replay of suffixes: no offset below the highest one yielded is ever skipped;
/// - once the faults heal, no acknowledged record is lost: it is in the log and was processed.
#[test]
fn durable_settings_lose_nothing_acknowledged_under_random_faults() {
    for seed in 1..=24u64 {
        let s = scenario(json!({
            "name": "durable",
            "seed": seed,
            "broker": {"model": "kafka", "brokers": 3, "min_insync_replicas": 2},
            "topics": [{"name": "test_topic", "partitions": 3, "replication_factor": 3}],
            "actors": [
                {"role": "producer", "name": "producer", "messages": 30, "interval_ms": 200, "keyed": true, "get_timeout_ms": null},
                {"role": "consumer", "name": "c1", "auto_offset_reset": "earliest", "commit": "after_processing", "session_timeout_ms": 10000},
                {"role": "consumer", "name": "c2", "auto_offset_reset": "earliest", "commit": "after_processing", "session_timeout_ms": 10000}
            ],
            "random_faults": {
                "consumer_crash": {"numerator": 1, "denominator": 40},
                "producer_crash": {"numerator": 1, "denominator": 80},
                "node_crash": {"numerator": 1, "denominator": 300},
                "frame_loss": {"numerator": 1, "denominator": 40},
                "actor_restart_ms": 4000,
                "until_ms": 40000
            },
            // A third of the runs with the measured costs: work between the milliseconds.
            "costs": costs_for(seed)
        }));
        let test = format!("durable_settings_lose_nothing_acknowledged_under_random_faults (seed {seed})");
        let sim = run(&s, &test);
        // Per process and partition, offsets increase; per partition, the group never skips.
        let mut process_last: std::collections::BTreeMap<(u16, u32, u16), u32> = Default::default();
        let mut incarnation: std::collections::BTreeMap<u16, u32> = Default::default();
        let mut highest: std::collections::BTreeMap<u16, u32> = Default::default();
        for e in sim.trace() {
            match e.event {
                KafkaEvent::ActorStarted { actor } | KafkaEvent::ActorRestarted { actor } => *incarnation.entry(actor.0).or_default() += 1,
                KafkaEvent::MessageDelivered { actor, partition, offset, .. } => {
                    let key = (actor.0, incarnation[&actor.0], partition.0);
                    if let Some(&last) = process_last.get(&key) {
                        assert!(offset > last, "{test}: {actor:?} yielded offset {offset} of p{} after {last}\n{}", partition.0, dump(&sim));
                    }
                    process_last.insert(key, offset);
                    let high = highest.entry(partition.0).or_insert(0);
                    assert!(offset <= *high, "{test}: p{} jumped to offset {offset}, past {high} (skipped)\n{}", partition.0, dump(&sim));
                    *high = (*high).max(offset + 1);
                }
                _ => {}
            }
        }
        let acked: std::collections::BTreeSet<u32> = sim.trace().iter().filter_map(|e| match e.event { KafkaEvent::ProduceAcked { message, .. } => Some(message.0), _ => None }).collect();
        for m in acked {
            let v = sim.verdict(MessageId(m));
            assert!(!matches!(v, Verdict::Lost | Verdict::Stranded | Verdict::Pending), "{test}: acknowledged message {m} is {v:?}\n{}", dump(&sim));
        }
    }
}

/// The costs of a random-fault run: the measured ones for a third of the seeds, else none.
fn costs_for(seed: u64) -> Costs {
    if seed % 3 == 0 { Costs::MEASURED } else { Costs::FREE }
}

/// Odd settings and every fault at once never panic, and every run ends with its copies
/// conserved: request timeouts shorter than the network's latency (a record may be stored after
/// its producer gave up on it), acks 0 and 1, unkeyed records over partitions, lost and
/// duplicated requests, crashes of everything.
#[test]
fn odd_settings_under_every_fault_keep_the_ledger_sound() {
    let mut runs = 0;
    for (i, (acks, idempotent, timeout)) in [("all", true, 3), ("1", false, 2), ("0", false, 1), ("all", false, 40), ("all", true, 30_000)].into_iter().enumerate() {
        for seed in 1..=6u64 {
            let s = scenario(json!({
                "name": "odd",
                "seed": seed * 31 + i as u64,
                "broker": {"model": "kafka", "brokers": 3, "min_insync_replicas": 1 + (seed % 2) as u8},
                "network": {"latency_ms": 3, "jitter_ms": 4},
                "topics": [{"name": "test_topic", "partitions": 2, "replication_factor": 3}],
                "actors": [
                    {"role": "producer", "name": "p1", "messages": 12, "interval_ms": 50, "acks": acks, "enable_idempotence": idempotent, "request_timeout_ms": timeout, "delivery_timeout_ms": 120000.max(timeout), "retry_backoff_ms": 7},
                    {"role": "producer", "name": "p2", "messages": 12, "first_data": 100, "interval_ms": 0, "keyed": true, "acks": acks, "enable_idempotence": idempotent, "retries": 2, "get_timeout_ms": null},
                    {"role": "consumer", "name": "c1", "auto_offset_reset": "earliest", "auto_commit_interval_ms": 700, "session_timeout_ms": 6000, "heartbeat_interval_ms": 1000},
                    {"role": "consumer", "name": "c2", "auto_offset_reset": "latest", "commit": "before_processing", "work_ms": 30, "max_poll_records": 2},
                    {"role": "consumer", "name": "c3", "group_id": "other", "auto_offset_reset": "earliest", "commit": "after_processing", "isolation_level": "read_committed"}
                ],
                "faults": [
                    {"when": {"at_ms": 300}, "do": {"partition": ["c1", "kafka@0"]}},
                    {"when": {"at_ms": 9000}, "do": {"heal": ["c1", "kafka@0"]}},
                    {"when": {"at_ms": 400}, "do": {"stop_node": {"node": 1, "restart": true}}},
                    {"when": {"before": {"actor": "p2", "op": "send", "occurrence": 3}}, "do": {"drop_next": {"from": "kafka@0", "to": "p2"}}},
                    {"when": {"before": {"actor": "p1", "op": "send", "occurrence": 2}}, "do": {"duplicate_next": "p1"}},
                    {"when": {"at_ms": 20000}, "do": {"restart": "c2"}}
                ],
                "random_faults": {
                    "consumer_crash": {"numerator": 1, "denominator": 15},
                    "producer_crash": {"numerator": 1, "denominator": 25},
                    "node_crash": {"numerator": 1, "denominator": 60},
                    "frame_loss": {"numerator": 1, "denominator": 10},
                    "frame_duplicate": {"numerator": 1, "denominator": 10},
                    "actor_restart_ms": 2500,
                    "until_ms": 15000
                },
                // A third of the runs with the measured costs.
                "costs": costs_for(seed)
            }));
            let mut sim = KafkaSim::new(&s).unwrap();
            sim.run_until(Until::Quiescence);
            let context = format!("odd settings {i}, seed {}: rerun with `cargo test --test kafka_world odd_settings`", s.seed);
            assert!(sim.ended(), "{context}");
            if let Err(e) = sim.check_conservation() {
                panic!("{context}: {e}\n{}", dump(&sim));
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 30);
}

/// `KAFKA_SCENARIO=k-workload cargo test --test kafka_world print_trace -- --ignored --nocapture`
#[test]
#[ignore]
fn print_trace() {
    let name = std::env::var("KAFKA_SCENARIO").unwrap_or_else(|_| "k-workload".into());
    let s = match catalog::get(&name) {
        Ok(s) => s,
        Err(_) => KafkaScenario::from_json(&std::fs::read_to_string(&name).unwrap()).unwrap(),
    };
    let mut sim = KafkaSim::new(&s).unwrap();
    sim.run_until(Until::Quiescence);
    println!("{}", dump(&sim));
    println!("finish {:?} verdicts {:?}", sim.finish(), sim.verdicts());
}

/// How fast the world runs (no limit asserted): `cargo test --release --test kafka_world
/// throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    for (partitions, rf, consumers) in [(1, 1, 1), (3, 3, 4)] {
        let mut actors = vec![json!({"role": "producer", "name": "producer", "messages": 200_000, "interval_ms": 0, "get_timeout_ms": null})];
        for c in 0..consumers {
            actors.push(json!({"role": "consumer", "name": format!("c{c}"), "auto_offset_reset": "earliest"}));
        }
        let s = scenario(json!({
            "name": "throughput",
            "broker": {"model": "kafka", "brokers": rf},
            "topics": [{"name": "test_topic", "partitions": partitions, "replication_factor": rf}],
            "actors": actors
        }));
        let start = std::time::Instant::now();
        let mut sim = KafkaSim::new(&s).unwrap();
        sim.run_until(Until::Quiescence);
        let seconds = start.elapsed().as_secs_f64();
        println!("{partitions} partitions, RF {rf}, {consumers} consumers: {:?}, {} events, {:.2} s, {:.0} records/s, {:.1} events/record", sim.finish(), sim.events(), seconds, 200_000.0 / seconds, sim.events() as f64 / 200_000.0);
    }
}

/// The trace stays compact: issue 10 allows 64 bytes an event; a Kafka entry is 28 (its
/// event's 20, the millisecond and the microseconds past it).
#[test]
fn a_trace_entry_is_28_bytes() {
    assert_eq!(std::mem::size_of::<queue_playground::systems::kafka::trace::KafkaTraceEntry>(), 28);
}

/// A consumer crashes during the group's initial delay and restarts: its first incarnation
/// stays the group's leader (dead: it never sends SyncGroup), the second joins and waits for the
/// leader's SyncGroup. A member waiting for the sync is not expired (Kafka's
/// `hasSatisfiedHeartbeat`): when the dead leader's session ends (45 s after the join phase
/// ended at 6,001 ms), the waiting SyncGroup is answered REBALANCE_IN_PROGRESS, the consumer
/// rejoins, leads the group and prints 0…9 once.
#[test]
fn a_member_waiting_for_the_leaders_sync_outlives_the_dead_leader() {
    let v = tutorial(
        json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}),
        json!([{"when": {"at_ms": 2_000}, "do": {"crash": "consumer"}}, {"when": {"at_ms": 2_500}, "do": {"restart": "consumer"}}]),
    );
    let sim = run(&scenario(v), "a_member_waiting_for_the_leaders_sync_outlives_the_dead_leader");
    let c = actor(&sim, "consumer");
    assert_eq!(sim.received(c), (0..10).collect::<Vec<_>>(), "{}", dump(&sim));
    let expired: Vec<(u32, u32)> = sim.trace().iter().filter_map(|e| match e.event {
        KafkaEvent::SessionExpired { member, .. } => Some((e.at_ms, member)),
        _ => None,
    }).collect();
    assert_eq!(expired, vec![(51_001, 0)], "only the dead leader expires\n{}", dump(&sim));
    assert_eq!(first_time(&sim, |e| matches!(e, KafkaEvent::GroupStabilized { generation: 2, .. })), Some(51_005));
    assert_eq!(verdicts(&sim, "producer"), once(10));
}

/// With one broker, its group coordinator and the offsets topic live on it: while it is down no
/// commit is stored and no group changes; the auto-commit due at 8 s waits and is stored once
/// the broker is back (restarted by hand at 12 s). The same for a clean stop and a crash.
#[test]
fn the_only_brokers_coordinator_is_down_with_it() {
    for stop in ["stop_node", "crash_node"] {
        let v = tutorial(
            json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}),
            json!([{"when": {"at_ms": 4_500}, "do": {stop: {"node": 0, "restart": false}}}, {"when": {"at_ms": 12_000}, "do": {"start_node": 0}}]),
        );
        let sim = run(&scenario(v), "the_only_brokers_coordinator_is_down_with_it");
        let commits: Vec<u32> = sim.trace().iter().filter(|e| matches!(e.event, KafkaEvent::OffsetCommitted { .. })).map(|e| e.at_ms).collect();
        assert!(!commits.is_empty(), "{stop}: {}", dump(&sim));
        assert!(commits.iter().all(|&t| !(4_500..12_000).contains(&t)), "{stop}: a commit stored while the only broker was down: {commits:?}\n{}", dump(&sim));
        let group_events = sim.trace().iter().filter(|e| (4_500..12_000).contains(&e.at_ms)).filter(|e| matches!(e.event, KafkaEvent::SessionExpired { .. } | KafkaEvent::RebalanceStarted { .. } | KafkaEvent::GroupStabilized { .. } | KafkaEvent::JoinCompleted { .. })).count();
        assert_eq!(group_events, 0, "{stop}: the group changed while its coordinator was down\n{}", dump(&sim));
        assert_eq!(sim.received(actor(&sim, "consumer")).iter().filter(|&&d| d < 4).count(), 4, "{stop}: 0-3 printed before the stop");
    }
}

/// Commit after processing, with 500 ms of work after the print: a crash during the work on 3
/// (printed, not processed, not committed). The replacement reads 3 again from the committed
/// offset 3 and processes it once: printed twice, processed once ("redelivered"), and the cause
/// says why it was read again.
#[test]
fn a_record_printed_before_a_crash_in_its_work_is_read_again_and_processed_once() {
    let s = crash_then_restart(manual("after_processing", 500), json!({"after": {"actor": "consumer", "op": "print_received", "occurrence": 4}}), "crash", 12_000);
    let sim = run(&s, "a_record_printed_before_a_crash_in_its_work_is_read_again_and_processed_once");
    let c = actor(&sim, "consumer");
    assert_eq!(prints_by_process(&sim, c), vec![vec![0, 1, 2, 3], (3..10).collect()], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Redelivered), vec![3], "{}", dump(&sim));
    assert_eq!(cause(&sim, "producer", 3), Some(Cause::Replayed { partition: 0, from_offset: 3 }));
    assert_eq!(sim.printed_counts(sim.trace())[3], 2);
}

/// The only broker crashes right after storing {'data': 0} and stays down: the record is in a
/// log nobody can read (the partition has no leader), which is why it is stranded, though the
/// consumer is running.
#[test]
fn a_record_on_an_offline_partition_is_stranded_because_of_it() {
    let v = tutorial(json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"}), json!([{"when": {"at_ms": 2}, "do": {"crash_node": {"node": 0, "restart": false}}}]));
    let sim = run(&scenario(v), "a_record_on_an_offline_partition_is_stranded_because_of_it");
    assert_eq!(verdicts(&sim, "producer")[0], Verdict::Stranded, "{}", dump(&sim));
    assert_eq!(cause(&sim, "producer", 0), Some(Cause::Offline { partition: 0 }));
    assert_eq!(sim.received(actor(&sim, "consumer")), Vec::<u32>::new());
}

/// Commit before processing with no work after the print: the print is the processing, so the
/// code commits before it; a crash right after the 4th commit loses 3 (never printed), and
/// nothing is printed twice (at-most-once), as k2c says.
#[test]
fn commit_before_processing_without_work_commits_before_the_print() {
    let s = crash_then_restart(manual("before_processing", 0), json!({"after": {"actor": "consumer", "op": "commit", "occurrence": 4}}), "crash", 12_000);
    let code = queue_playground::systems::kafka::program::of(&s, &s.actors[1]).code.join("\n");
    let commit = code.find("consumer.commit()").unwrap();
    let print = code.find("[x] Received").unwrap();
    assert!(commit < print, "{code}");
    let sim = run(&s, "commit_before_processing_without_work_commits_before_the_print");
    let c = actor(&sim, "consumer");
    assert_eq!(prints_by_process(&sim, c), vec![vec![0, 1, 2], (4..10).collect()], "{}", dump(&sim));
    assert_eq!(with_verdict(&sim, "producer", Verdict::Lost), vec![3]);
    assert_eq!(with_verdict(&sim, "producer", Verdict::Duplicated), Vec::<u32>::new());
}

/// The acks=1 chapter with acks=0: the producer printed "Sent" (offset -1) for 5, which the
/// crashing leader never made durable; the cause says the producer never learned.
#[test]
fn acks0_a_record_the_broker_never_appended_is_lost_unanswered() {
    let mut s = catalog::get("k-acks1-leader-crash").unwrap();
    let mut v = serde_json::to_value(&s).unwrap();
    v["actors"][0]["acks"] = json!("0");
    s = serde_json::from_value(v).unwrap();
    let sim = run(&s, "acks0_a_record_the_broker_never_appended_is_lost_unanswered");
    let lost = with_verdict(&sim, "producer", Verdict::Lost);
    assert_eq!(lost, vec![5], "{}", dump(&sim));
    let c = cause(&sim, "producer", 5);
    assert_eq!(c, Some(Cause::NeverStoredUnanswered), "{}", dump(&sim));
}

/// A fault injected at the end of a run continues it: after "Stop kafka@0" the run ends (the
/// producer gave up), and "Start kafka@0" injected at its last step brings the broker back.
#[test]
fn a_fault_injected_at_the_end_continues_the_run() {
    use queue_playground::scenario::FaultAction;
    use queue_playground::session::Session;
    let base = queue_playground::systems::kafka::scenario::catalog::get("k-workload").unwrap();
    let mut s = Session::<KafkaSim>::run(base, vec![]).unwrap();
    s.seek(10);
    let mut stopped = s.forked(FaultAction::StopNode { node: 0, restart: false }).unwrap();
    stopped.seek(usize::MAX);
    let end = stopped.len();
    assert!(stopped.position() >= end);
    assert!(!stopped.timeline().cluster().broker_up(queue_playground::engine::ids::NodeId(0)));
    let mut started = stopped.forked(FaultAction::StartNode(0)).unwrap();
    assert!(started.len() > end, "the run goes on after the injected start ({} steps vs {end})", started.len());
    started.seek(usize::MAX);
    assert!(started.timeline().cluster().broker_up(queue_playground::engine::ids::NodeId(0)));
    // The producer's get(timeout=10) had given up on 1 before: it stays lost, 0 printed once.
    assert_eq!(started.timeline().verdicts(), vec![Verdict::ProcessedOnce, Verdict::Lost]);
}

/// `verdicts` and `verdicts_and_causes` (every message, its records indexed once) judge each
/// message as `verdict` and `cause` do alone, stranded records included: the catalog, and
/// k-workload whose consumer is stopped for good after its 2nd print (8 records left unread in
/// the log).
#[test]
fn verdicts_at_once_equal_verdicts_one_by_one() {
    use queue_playground::scenario::{FaultAction, FaultSpec, Trigger};
    use queue_playground::session::Session;
    let mut runs: Vec<Session<KafkaSim>> = catalog::names().map(|n| Session::run(catalog::get(n).unwrap(), vec![]).unwrap()).collect();
    let stop = FaultSpec { when: Trigger::After { actor: "consumer".into(), op: "print_received".into(), occurrence: 2 }, action: FaultAction::Stop("consumer".into()) };
    runs.push(Session::run(catalog::get("k-workload").unwrap(), vec![stop]).unwrap());
    for run in &runs {
        let sim = run.timeline();
        let one_by_one: Vec<Verdict> = (0..sim.verdicts().len()).map(|i| sim.verdict(MessageId(i as u32))).collect();
        assert_eq!(sim.verdicts(), one_by_one, "{}", sim.scenario().name);
        let with_causes: Vec<(Verdict, Option<Cause>)> = one_by_one.iter().enumerate().map(|(i, &v)| (v, sim.cause(MessageId(i as u32)))).collect();
        assert_eq!(sim.verdicts_and_causes(), with_causes, "{}", sim.scenario().name);
        // The report carries the stranded ones only (the others read the trace, one pass each).
        let report = queue_playground::systems::kafka::report::KafkaReport::new(sim, false);
        let stranded: Vec<Option<Cause>> = with_causes.iter().map(|&(v, c)| c.filter(|_| v == Verdict::Stranded)).collect();
        assert_eq!(report.messages.iter().map(|m| m.stranded_cause).collect::<Vec<_>>(), stranded, "{}", sim.scenario().name);
    }
    // The catalog has causes besides stranded ones (the comparison above covers them).
    let judged: Vec<(Verdict, Option<Cause>)> = runs.iter().flat_map(|r| r.timeline().verdicts_and_causes()).collect();
    assert!(judged.iter().any(|(v, c)| *v == Verdict::Duplicated && c.is_some()), "{judged:?}");
    assert!(judged.iter().any(|(v, c)| *v == Verdict::Lost && c.is_some()), "{judged:?}");
    let stopped = runs.last().unwrap().timeline().verdicts();
    assert_eq!(stopped.iter().filter(|v| **v == Verdict::Stranded).count(), 8, "{stopped:?}");
    let causes = runs.last().unwrap().timeline().verdicts_and_causes();
    assert!(causes.iter().filter(|(v, _)| *v == Verdict::Stranded).all(|(_, c)| *c == Some(Cause::Unread)), "{causes:?}");
}

/// kafka-python skips an auto-commit while its coordinator is unknown (`_maybe_auto_commit_
/// offsets_async`: `coordinator_unknown()` moves the deadline on, nothing is sent): with the
/// lone broker down across the 8 s deadline, no commit is sent to the dead broker; the first
/// poll once it is back commits, and nothing sent while it was down is stored later.
#[test]
fn no_auto_commit_is_sent_while_the_coordinator_is_down() {
    let consumer = json!({"role": "consumer", "name": "consumer", "auto_offset_reset": "earliest"});
    let s = scenario(tutorial(consumer, json!([
        {"when": {"at_ms": 7_500}, "do": {"crash_node": {"node": 0, "restart": false}}},
        {"when": {"at_ms": 11_000}, "do": {"start_node": 0}}
    ])));
    let sim = run(&s, "no_auto_commit_is_sent_while_the_coordinator_is_down");
    let crashed = first_time(&sim, |e| matches!(e, KafkaEvent::NodeCrashed { .. })).unwrap();
    let started = first_time(&sim, |e| matches!(e, KafkaEvent::NodeStarted { .. })).unwrap();
    let sent: Vec<u32> = sim.trace().iter().filter(|e| matches!(e.event, KafkaEvent::CommitSent { auto: true, .. })).map(|e| e.at_ms).collect();
    assert!(sent.iter().all(|&at| at < crashed || at >= started), "an auto-commit sent while the broker was down: {sent:?}\n{}", dump(&sim));
    // The one due at 8 s is made once the broker is back (within a round trip), and stored.
    let after = sent.iter().copied().find(|&at| at >= started).expect("an auto-commit after the restart");
    assert!(after < started + 100, "{after} vs {started}\n{}", dump(&sim));
    let stored = sim.trace().iter().find(|e| e.at_ms >= after && matches!(e.event, KafkaEvent::OffsetCommitted { .. })).map(|e| e.at_ms);
    assert!(stored.is_some_and(|at| at < after + 100), "{stored:?}\n{}", dump(&sim));
    assert_eq!(verdicts(&sim, "producer").iter().filter(|&&v| v == Verdict::ProcessedOnce).count(), 10);
}
