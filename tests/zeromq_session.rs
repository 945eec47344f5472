//! ZeroMQ runs in a `Session`: forking a chapter at a step with a fault is reproducible (the
//! saved scenario file runs the same trace), seeking anywhere equals a fresh replay to that
//! step, removing the injected fault gives back the original run, and injected faults carry
//! over as faults at a time. Also: the `at_step` trigger's JSON and its validation.

use queue_playground::engine::trace::trace_hash;
use queue_playground::engine::Until;
use queue_playground::session::Session;
use queue_playground::systems::zeromq::scenario::{catalog, ZmqFaultAction, ZmqFaultSpec, ZmqScenario, ZmqTrigger};
use queue_playground::systems::zeromq::trace::ZmqEvent;
use queue_playground::systems::zeromq::world::{ActorStatus, ZmqSim};

fn chapter(name: &str) -> ZmqScenario {
    catalog::get(name).unwrap()
}

fn crash_consumer() -> ZmqFaultAction {
    ZmqFaultAction::Crash { actor: "consumer".into(), restart_after_ms: None }
}

/// The step right after the consumer printed its `n`-th message in `session`'s run.
fn step_after_print(session: &Session<ZmqSim>, n: usize) -> usize {
    let index = session
        .full_trace()
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.event, ZmqEvent::ReceivedPrinted { .. }))
        .nth(n - 1)
        .map(|(i, _)| i)
        .expect("the consumer prints that many");
    session.step_of_event(index)
}

fn printed(sim: &ZmqSim) -> Vec<String> {
    let consumer = sim.scenario().actor_index("consumer").unwrap();
    sim.actors()[consumer].terminal.iter().map(ToString::to_string).collect()
}

#[test]
fn a_fork_at_a_step_with_a_consumer_crash_is_reproducible() {
    let session: Session<ZmqSim> = Session::run(chapter("z-workload"), vec![]).unwrap();
    let original = trace_hash(session.full_trace());
    let mut here = session.clone();
    let step = step_after_print(&session, 3);
    here.seek(step);
    let fork = here.forked(crash_consumer()).unwrap();
    assert_eq!(fork.position(), step, "the fork shows the step it was made at");
    assert_eq!(fork.injected(), &[ZmqFaultSpec { when: ZmqTrigger::AtStep(step as u64), action: crash_consumer() }]);
    // Up to the fork the run is the same; the consumer dies at the step shown (no kill delay
    // for a crash at a step) and prints nothing more.
    let (killed, before) = fork.trace().split_last().unwrap();
    assert_eq!(before, session.trace_upto(step));
    assert!(matches!(killed.event, ZmqEvent::ActorCrashed { .. }), "{killed:?}");
    let end = fork.timeline();
    assert_eq!(end.actors()[1].status, ActorStatus::Crashed);
    assert_eq!(
        printed(end),
        vec![" [*] Waiting for messages. To exit press CTRL+C", " [x] Received {'data': 0}", " [x] Received {'data': 1}", " [x] Received {'data': 2}", "Killed"],
        "the consumer printed 3 messages, then was killed"
    );
    let hash = trace_hash(fork.full_trace());
    assert_ne!(hash, original);

    // The same fork again, and the saved file run afresh: the same trace.
    let again = here.forked(crash_consumer()).unwrap();
    assert_eq!(trace_hash(again.full_trace()), hash);
    let file = fork.scenario_file();
    assert_eq!(file.format, Some(1));
    let reread = ZmqScenario::from_json(&file.to_json()).unwrap();
    assert_eq!(reread, file);
    let fresh: Session<ZmqSim> = Session::run(reread.clone(), vec![]).unwrap();
    assert_eq!(trace_hash(fresh.full_trace()), hash);
    let mut sim = ZmqSim::new(&reread).unwrap();
    sim.run_until(Until::Quiescence);
    assert_eq!(trace_hash(sim.trace()), hash, "a plain run of the file is the session's run");
}

/// `Session::trace` at another step, for comparisons.
trait TraceUpto {
    fn trace_upto(&self, step: usize) -> &[queue_playground::engine::trace::TraceEntry<ZmqEvent>];
}
impl TraceUpto for Session<ZmqSim> {
    fn trace_upto(&self, step: usize) -> &[queue_playground::engine::trace::TraceEntry<ZmqEvent>] {
        &self.full_trace()[..self.events_at(step)]
    }
}

#[test]
fn the_at_step_trigger_reads_and_writes_as_in_the_other_systems() {
    let mut scenario = chapter("z-workload");
    scenario.faults.push(ZmqFaultSpec { when: ZmqTrigger::AtStep(7), action: crash_consumer() });
    let text = scenario.to_json();
    assert!(text.contains("\"at_step\": 7"), "{text}");
    assert_eq!(ZmqScenario::from_json(&text).unwrap(), scenario);
    // Any step is valid: one past the run's end never fires.
    scenario.faults[0].when = ZmqTrigger::AtStep(u64::MAX);
    scenario.validate().unwrap();
    let mut sim = ZmqSim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    let mut plain = ZmqSim::new(&chapter("z-workload")).unwrap();
    plain.run_until(Until::Quiescence);
    assert_eq!(trace_hash(sim.trace()), trace_hash(plain.trace()), "a step never reached changes nothing");
    // Validation of the action still applies.
    scenario.faults[0].action = ZmqFaultAction::Restart("nobody".into());
    assert_eq!(scenario.validate().unwrap_err().field, "faults[0].do");
}

#[test]
fn a_fault_at_step_zero_happens_before_the_first_step() {
    let mut scenario = chapter("z-workload");
    scenario.faults.push(ZmqFaultSpec { when: ZmqTrigger::AtStep(0), action: ZmqFaultAction::Slow { actor: "consumer".into(), work_ms: 10 } });
    let sim = ZmqSim::new(&scenario).unwrap();
    assert_eq!(sim.trace().len(), 1);
    assert!(matches!(sim.trace()[0].event, ZmqEvent::WorkSlowed { work_ms: 10, .. }));
}

#[test]
fn seeking_back_and_forward_equals_a_fresh_replay() {
    let base: Session<ZmqSim> = Session::run(chapter("z-consumer-crash"), vec![]).unwrap();
    let mut s = base.clone();
    s.seek(step_after_print(&base, 2));
    let s = s.forked(ZmqFaultAction::Slow { actor: "consumer".into(), work_ms: 5 }).unwrap();
    let len = s.len();
    assert!(len > 40, "a run of some length: {len}");
    let mut walker = s.clone();
    for &step in &[len, 3, len / 2, 1, len - 1, 0, len / 3 + 5, len] {
        walker.seek(step);
        assert_eq!(walker.position(), step);
        let mut fresh = s.clone();
        fresh.seek(0);
        while fresh.position() < step {
            assert!(fresh.step_forward());
        }
        assert_eq!(trace_hash(walker.trace()), trace_hash(fresh.trace()), "trace at step {step}");
        assert_eq!(walker.world().events(), fresh.world().events());
        assert_eq!(walker.world().now_us(), fresh.world().now_us());
        assert_eq!(walker.world().counts(), fresh.world().counts());
        for (a, b) in walker.world().actors().iter().zip(fresh.world().actors()) {
            assert_eq!((a.status, a.incarnation, &a.terminal), (b.status, b.incarnation, &b.terminal));
        }
    }
    walker.seek(len);
    assert!(!walker.step_forward());
    assert_eq!(walker.world().finish(), s.timeline().finish());
    assert!(walker.step_back());
    assert_eq!(walker.position(), len - 1);
}

#[test]
fn removing_the_injected_fault_restores_the_original_run() {
    let base: Session<ZmqSim> = Session::run(chapter("z-workload"), vec![]).unwrap();
    let original = trace_hash(base.full_trace());
    let mut s = base.clone();
    let step = step_after_print(&base, 5);
    s.seek(step);
    let fork = s.forked(crash_consumer()).unwrap();
    assert_ne!(trace_hash(fork.full_trace()), original);
    let restored = fork.without_injected(0).unwrap().unwrap();
    assert!(restored.injected().is_empty());
    assert_eq!(trace_hash(restored.full_trace()), original);
    assert_eq!(restored.position(), step);
    assert!(fork.without_injected(1).is_none());
}

#[test]
fn injected_faults_carry_over_as_faults_at_a_time() {
    let base: Session<ZmqSim> = Session::run(chapter("z-workload"), vec![]).unwrap();
    let mut s = base.clone();
    let step = step_after_print(&base, 4);
    s.seek(step);
    let at_ms = s.now_ms();
    let fork = s.forked(crash_consumer()).unwrap();
    let carried = fork.injected_at_times();
    assert_eq!(carried, vec![ZmqFaultSpec { when: ZmqTrigger::AtMs(at_ms), action: crash_consumer() }]);
    // A fault at a time happens before anything else at that millisecond: here before the
    // 4th print (the step's own event), so the consumer prints 3 before it is killed.
    let by_time: Session<ZmqSim> = Session::run(chapter("z-workload"), carried).unwrap();
    let end = by_time.timeline();
    assert_eq!(end.actors()[1].status, ActorStatus::Crashed);
    assert_eq!(printed(end).iter().filter(|l| l.starts_with(" [x] Received")).count(), 3);
    // A step past the run's end stays as it is (it never fires).
    let never = ZmqFaultSpec { when: ZmqTrigger::AtStep(u64::MAX), action: crash_consumer() };
    let beyond: Session<ZmqSim> = Session::run(chapter("z-workload"), vec![never.clone()]).unwrap();
    assert_eq!(beyond.injected_at_times(), vec![never]);
    assert_eq!(trace_hash(beyond.full_trace()), trace_hash(base.full_trace()));
}

/// A world rebuilt from a snapshot (which keeps no trace) records exactly the timeline's
/// events: nothing the world does may read its own past trace.
#[test]
fn every_chapter_replays_from_its_snapshots_exactly() {
    for name in catalog::names() {
        let session: Session<ZmqSim> = Session::run(chapter(name), vec![]).unwrap();
        let mut walker = session.clone();
        let len = session.len();
        for step in (0..=len).rev() {
            walker.seek(step);
            let world = walker.world();
            let end = session.events_at(step);
            let mine = world.trace();
            assert_eq!(world.events(), end, "{name} at step {step}");
            assert_eq!(mine, &session.full_trace()[end - mine.len()..end], "{name} at step {step}: the replay recorded other events");
        }
        // Forward from the start too, one step at a time, through every snapshot.
        walker.seek(0);
        while walker.step_forward() {}
        assert_eq!(walker.world().events(), session.full_trace().len(), "{name}");
        assert_eq!(walker.world().counts(), session.timeline().counts(), "{name}");
    }
}

/// The session's report at a step is the report of a fresh run stopped at that step (causes
/// of drops that happened before the snapshot the world was rebuilt from included).
#[test]
fn the_session_report_at_a_step_is_a_fresh_runs_report() {
    use queue_playground::systems::zeromq::report::ZmqReport;
    use queue_playground::systems::zeromq::scenario::ZmqActorSpec;
    // A longer z-consumer-crash: its drops come long before the last snapshot.
    let mut long = chapter("z-consumer-crash");
    if let ZmqActorSpec::Producer(p) = &mut long.actors[0] {
        p.messages = 200;
    }
    let runs: Vec<(&str, ZmqScenario)> = catalog::names().map(|n| (n, chapter(n))).chain([("long z-consumer-crash", long)]).collect();
    for (name, scenario) in runs {
        let session: Session<ZmqSim> = Session::run(scenario.clone(), vec![]).unwrap();
        assert!(session.full_trace().len() > 64 || name != "long z-consumer-crash");
        let len = session.len();
        let mut walker = session.clone();
        for step in [len, len / 2, len * 3 / 4, 1] {
            walker.seek(step);
            let mut fresh = ZmqSim::new(&scenario).unwrap();
            while fresh.events() < session.events_at(step) && fresh.step() {}
            if step == len {
                fresh.run_until(Until::Quiescence);
            }
            let mine = serde_json::to_string(&walker.report()).unwrap();
            let theirs = serde_json::to_string(&ZmqReport::new(&fresh, false)).unwrap();
            assert_eq!(mine, theirs, "{name} at step {step}");
        }
    }
}

/// A network cut while the producer ends: its last messages wait in the kernels' TCP
/// buffers, the producer's `term()` returns (LINGER -1 waits only for its own pipe), its
/// process exits, and its FIN cannot cross the cut either: the consumer notices the producer
/// is gone only after the heal, once those messages have arrived. Nothing is lost.
#[test]
fn a_producer_that_ends_during_a_cut_is_noticed_after_the_heal_and_loses_nothing() {
    let mut scenario = chapter("z-workload");
    let cut = |when: u64, heal: bool| ZmqFaultSpec {
        when: ZmqTrigger::AtMs(when),
        action: if heal { ZmqFaultAction::Heal("producer".into(), "consumer".into()) } else { ZmqFaultAction::Partition("producer".into(), "consumer".into()) },
    };
    scenario.faults = vec![cut(1_120, false), cut(5_000, true)];
    let mut sim = ZmqSim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    let at = |pick: &dyn Fn(&ZmqEvent) -> bool| sim.trace().iter().find(|e| pick(&e.event)).map(|e| e.at_ms).expect("the event happens");
    let finished = at(&|e| matches!(e, ZmqEvent::ActorFinished { actor } if actor.index() == 0));
    let healed = at(&|e| matches!(e, ZmqEvent::Healed { .. }));
    let noticed = at(&|e| matches!(e, ZmqEvent::ConnectionLost { actor, .. } if actor.index() == 1));
    assert!(finished < 5_000 && healed == 5_000, "the producer ended during the cut ({finished} ms)");
    assert!(noticed >= healed, "the consumer noticed the producer gone at {noticed} ms, before the heal");
    let printed: Vec<String> = printed(&sim);
    assert_eq!(printed.len(), 11, "{printed:?}");
    let report = queue_playground::systems::zeromq::report::ZmqReport::new(&sim, false);
    assert!(report.messages.iter().all(|m| m.verdict == queue_playground::systems::zeromq::report::ZmqVerdict::ProcessedOnce), "{}", report.summary);
    // The messages held by the cut arrived after the heal, before the consumer noticed.
    let late: Vec<u32> = sim.trace().iter().filter(|e| e.at_ms >= healed).filter_map(|e| match e.event {
        ZmqEvent::ReceivedPrinted { message, .. } => Some(sim.ledger().messages[message.index()].data),
        _ => None,
    }).collect();
    assert!(!late.is_empty() && late.windows(2).all(|w| w[0] < w[1]), "{late:?}");
    sim.check_conservation().unwrap();
}

/// A PUB blocked in `term()` (LINGER -1) on the pipe to its only subscriber returns once it
/// notices the subscriber was killed: the pipe is closed and what it held dropped, so there
/// is nothing left to wait for (it stayed blocked for ever before).
#[test]
fn a_pub_waiting_in_term_returns_once_its_killed_subscriber_is_noticed() {
    let base: Session<ZmqSim> = Session::run(chapter("z-hwm-drops"), vec![]).unwrap();
    let mut here = base.clone();
    here.seek(8);
    let fork = here.forked(ZmqFaultAction::Crash { actor: "subscriber".into(), restart_after_ms: None }).unwrap();
    let end = fork.timeline();
    assert_eq!((end.actors()[0].status, end.actors()[1].status), (ActorStatus::Finished, ActorStatus::Crashed));
    let trace = fork.full_trace();
    let lost = trace.iter().position(|e| matches!(e.event, ZmqEvent::ConnectionLost { .. })).expect("the publisher notices");
    let returned = trace.iter().position(|e| matches!(e.event, ZmqEvent::TermReturned { .. })).expect("term() returns");
    assert!(returned > lost, "term() returned at event {returned}, after the loss at {lost}");
}

/// A PUB whose subscriber was killed drops what it publishes for want of a subscription, as
/// it did before the slow joiner's arrived: the causes say which (the slow joiner's at the
/// start, the subscriber gone after the kill).
#[test]
fn a_pubs_drops_after_its_subscriber_was_killed_say_so() {
    use queue_playground::systems::zeromq::trace::DropCause;
    let base: Session<ZmqSim> = Session::run(chapter("z-slow-joiner"), vec![]).unwrap();
    let causes = |s: &Session<ZmqSim>| -> Vec<DropCause> {
        s.full_trace().iter().filter_map(|e| match e.event {
            ZmqEvent::MessageDropped { cause, .. } => Some(cause),
            _ => None,
        }).collect()
    };
    assert!(causes(&base).iter().all(|&c| c == DropCause::NoSubscriber), "{:?}", causes(&base));
    let mut here = base.clone();
    here.seek(step_after_print(&base, 2));
    let fork = here.forked(ZmqFaultAction::Crash { actor: "subscriber".into(), restart_after_ms: None }).unwrap();
    let after: Vec<DropCause> = causes(&fork);
    assert!(after.contains(&DropCause::NoSubscriber) && after.contains(&DropCause::SubscriberGone), "{after:?}");
    let first_gone = after.iter().position(|&c| c == DropCause::SubscriberGone).unwrap();
    assert!(after[first_gone..].iter().all(|&c| c == DropCause::SubscriberGone), "after the kill every drop is the gone subscriber's: {after:?}");
    let report = queue_playground::systems::zeromq::report::ZmqReport::with_trace(fork.timeline(), fork.full_trace(), false);
    assert!(report.messages.iter().any(|m| m.cause.contains("its subscriber's process was gone")), "{:?}", report.messages);
}

/// The pages' play: a tick moves the steps it is given and says when the end stops play;
/// play from the end starts over from step 0; pausing keeps the step.
#[test]
fn play_ticks_stop_at_the_end_and_play_from_the_end_starts_over() {
    let mut s: Session<ZmqSim> = Session::run(chapter("z-workload"), vec![]).unwrap();
    assert!(s.toggle_play(false), "play");
    assert!(s.tick(3) && s.position() == 3);
    assert!(!s.toggle_play(true) && s.position() == 3, "pause keeps the step");
    let len = s.len();
    assert!(!s.tick(usize::MAX) && s.position() == len, "the end stops play");
    assert!(s.toggle_play(false) && s.position() == 0, "play from the end starts over");
}

/// The line a program is at (the page highlights it): the call it waits in, else its last
/// operation (its `time.sleep` while it works), none before its first.
#[test]
fn a_programs_current_line_is_the_call_it_waits_in_or_its_last_operation() {
    use queue_playground::engine::ids::ActorId;
    use queue_playground::systems::zeromq::program::ZmqOpKind;
    let mut s: Session<ZmqSim> = Session::run(chapter("z-consumer-crash"), vec![]).unwrap();
    let consumer = ActorId(1);
    let line = |s: &Session<ZmqSim>, kind| s.world().program(consumer).line(kind);
    assert_eq!(s.world().current_line(consumer), 0, "before its first operation");
    // Right after its first print it works (sleeps 0.2 s): the sleep's line.
    s.seek(step_after_print(&s.clone(), 1));
    while s.world().current_line(consumer) == line(&s, ZmqOpKind::PrintReceived) {
        assert!(s.step_forward());
    }
    assert_eq!(s.world().current_line(consumer), line(&s, ZmqOpKind::Work));
    // Before any message the consumer waits in recv_json().
    let mut start = s.clone();
    start.seek(0);
    while start.world().actors()[1].status != ActorStatus::Blocked {
        assert!(start.step_forward());
    }
    assert_eq!(start.world().current_line(consumer), line(&start, ZmqOpKind::Recv));
}
