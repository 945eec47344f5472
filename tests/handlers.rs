//! The article's §1 (synchronous against asynchronous processing, issue 11 §2): request
//! handlers whose requests arrive on their own schedule. Exact figures for both chapters,
//! what each request goes through, Little's law as the page writes it, what a handler
//! refuses, and the callers' latency chart (`view::latency_series`, `view::latency_at`).

use queue_playground::engine::timing::{ms_text, Latency};
use queue_playground::engine::Until;
use queue_playground::i18n::{self, Lang};
use queue_playground::report::Report;
use queue_playground::scenario::settings::Settings;
use queue_playground::scenario::{catalog, ActorSpec, FaultAction, FaultSpec, Trigger};
use queue_playground::session::Session;
use queue_playground::systems::rabbitmq::trace::Event;
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::view::{self, LatencyShown, RunFacts};

fn run(name: &str) -> Sim {
    let mut sim = Sim::new(&catalog::get(name).unwrap()).unwrap();
    sim.run_until(Until::Quiescence);
    sim
}

fn timing(sim: &Sim) -> queue_playground::engine::timing::Timing {
    queue_playground::engine::timing::Timing::of(sim.trace(), sim.ledger().messages.len())
}

#[test]
fn the_synchronous_handler_makes_every_caller_wait_for_the_work_before_it() {
    let sim = run("sync-handler");
    let report = Report::new(&sim, false);
    assert_eq!(report.label, queue_playground::engine::RunLabel::EffectivelyOnce);
    let t = timing(&sim);
    // 30 requests, one every 20 ms, 30 ms of work each: the handler finishes one every 30 ms.
    assert_eq!(t.span_us, 900_000);
    assert_eq!(t.overall.per_s_milli, Some(33_333));
    let answers = t.answers.expect("answers");
    assert_eq!(answers.answered, 30);
    // Request i arrives at 20·i ms and is answered at 30·(i+1) ms: it waits 30 + 10·i ms.
    assert_eq!(answers.latency_us, Latency { p50: 170_000, p99: 320_000, max: 320_000 });
    assert_eq!(t.overall.mean_latency_us, Some(175_000));
    // Each request: arrived, taken, worked on, processed, answered, in that order.
    let first: Vec<&str> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::RequestArrived { message, .. } if message.0 == 1 => Some("arrived"),
            Event::RequestTaken { message, .. } if message.0 == 1 => Some("taken"),
            Event::RequestWorkStarted { message, .. } if message.0 == 1 => Some("work"),
            Event::EffectApplied { message, .. } if message.0 == 1 => Some("processed"),
            Event::RequestAnswered { message, .. } if message.0 == 1 => Some("answered"),
            _ => None,
        })
        .collect();
    assert_eq!(first, ["arrived", "taken", "work", "processed", "answered"]);
    // Request 1 arrived at 20 ms and waited 10 ms for request 0's work.
    let taken = sim.trace().iter().find_map(|e| match e.event {
        Event::RequestTaken { message, waited_us, .. } if message.0 == 1 => Some((e.at_us(), waited_us)),
        _ => None,
    });
    assert_eq!(taken, Some((30_000, 10_000)));
    // No broker: the synchronous handler never connects.
    assert!(!sim.trace().iter().any(|e| matches!(e.event, Event::Connected { .. })));
    assert_eq!(
        i18n::little_text(&t, Lang::En).unwrap(),
        "Little's law: 30 requests in 900 ms is 33.333 a second; × 175 ms on average from a request's arrival to its processing = 5.83 requests in the system (arrived, not yet processed) on average"
    );
    assert_eq!(
        i18n::little_text(&t, Lang::Zh).unwrap(),
        "利特尔法则：900 毫秒内 30 个请求，即每秒 33.333 个；× 从请求到达到处理完平均 175 毫秒 = 平均 5.83 个请求在系统中（已到达、尚未处理）"
    );
    assert_eq!(
        i18n::answers_text(&answers, Lang::En),
        "Callers: 30 requests answered; each caller waited, from its request's arrival to the answer, p50 170 ms, p99 320 ms, max 320 ms"
    );
}

#[test]
fn the_queued_handler_answers_at_once_and_two_consumers_keep_up() {
    let sim = run("async-handler");
    let t = timing(&sim);
    let answers = t.answers.expect("answers");
    // The caller waits for the publish only (Costs::MEASURED's publish_us).
    assert_eq!(answers.latency_us, Latency { p50: 30, p99: 30, max: 30 });
    // Processed 30.27 ms after arrival: 90 + 10 + 90 + 80 µs through the broker, then 30 ms;
    // request 0 waits 170 µs more, for worker-1's basic_consume (its opening calls are five
    // round trips of 180 µs, the handler's three).
    assert_eq!(t.overall.latency_us, Some(Latency { p50: 30_270, p99: 30_440, max: 30_440 }));
    assert_eq!(t.span_us, 610_270);
    assert_eq!(t.overall.per_s_milli, Some(49_159));
    assert_eq!(t.consumers.iter().map(|(_, f)| f.processed).collect::<Vec<_>>(), [15, 15]);
    assert_eq!(Report::new(&sim, false).label, queue_playground::engine::RunLabel::EffectivelyOnce);
    assert_eq!(
        i18n::little_text(&t, Lang::En).unwrap(),
        "Little's law: 30 requests in 610.27 ms is 49.159 a second; × 30.275 ms on average from a request's arrival to its processing = 1.48 requests in the system (arrived, not yet processed) on average"
    );
}

/// A consumer crash in the queued chapter loses nothing (manual acks): its message is
/// redelivered, and the callers never notice.
#[test]
fn a_consumer_crash_behind_the_queue_does_not_reach_the_callers() {
    let mut scenario = catalog::get("async-handler").unwrap();
    scenario.faults.push(FaultSpec { when: Trigger::AtMs(130), action: FaultAction::Crash("worker-2".into()) });
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    let report = Report::new(&sim, false);
    // Worker-2 dies in the middle of its second message; it comes back to the queue and is
    // processed later, after messages published after it: out of order, not lost.
    assert_eq!((report.counts.lost, report.counts.processed_once, report.counts.out_of_order), (0, 29, 1), "{}", report.summary);
    assert_eq!(timing(&sim).answers.unwrap().latency_us.max, 30);
}

#[test]
fn a_handler_refuses_what_it_does_not_model_by_name() {
    let mut scenario = catalog::get("sync-handler").unwrap();
    scenario.faults.push(FaultSpec { when: Trigger::AtMs(100), action: FaultAction::Crash("handler".into()) });
    let e = scenario.validate().unwrap_err().to_string();
    assert_eq!(e, "faults[0].do: \"handler\" is a request handler: what its callers do while it is down is not modelled (crash a consumer instead)");
    let sync = catalog::get("sync-handler").unwrap();
    let e = Settings { confirms: true, ..Settings::of(&sync) }.apply(&sync).unwrap_err().to_string();
    assert_eq!(e, "settings.confirms: the synchronous handler publishes nothing: it does the work itself (the next chapter's handler publishes)");
    let queued = catalog::get("async-handler").unwrap();
    let e = Settings { retries: true, ..Settings::of(&queued) }.apply(&queued).unwrap_err().to_string();
    assert!(e.starts_with("settings.retries: a request handler does not retry"), "{e}");
    // The queued handler takes the publish settings into its code.
    let persistent = Settings { delivery_mode: 2, confirms: true, ..Settings::of(&queued) }.apply(&queued).unwrap();
    let sim = Sim::new(&persistent).unwrap();
    let code = sim.setup().actors.iter().find(|a| a.name == "handler").unwrap().program.code.join("\n");
    assert!(code.contains("channel.confirm_delivery()"), "{code}");
    assert!(code.contains("properties=pika.BasicProperties(delivery_mode=2)"), "{code}");
    assert!(code.contains("time.sleep(max(0, arrives - time.monotonic()))"), "{code}");
}

/// The chart's waiting line counts the requests waiting for the synchronous handler: it
/// peaks before the last request arrives.
#[test]
fn the_chart_counts_requests_waiting_for_the_handler() {
    let sim = run("sync-handler");
    let series = queue_playground::view::chart_series(sim.trace(), 2_000);
    let peak = series.depth.iter().copied().max().unwrap();
    // At 580 ms request 29 arrives; the handler has taken 20 (it takes one every 30 ms, the
    // 20th at 570 ms): 30 - 20 = 10 wait, give or take the sample's millisecond.
    assert!((9..=11).contains(&peak), "{peak}");
    assert_eq!(series.depth.last(), Some(&0));
}

/// Mid-run on the page (step 60 of the chapter's session): the requests that arrived and wait
/// for the handler are pending, none lost, and the run is in progress.
#[test]
fn mid_run_the_waiting_requests_are_pending_not_lost() {
    use queue_playground::report::Live;
    use queue_playground::session::Session;
    let mut session = Session::new(catalog::get("sync-handler").unwrap(), vec![]).unwrap();
    session.seek(60);
    let live = Live::counts(session.world());
    // At 390 ms: requests 0-19 have arrived (one every 20 ms), 0-12 are answered (request i
    // at 30·(i+1) ms).
    assert_eq!(session.now_ms(), 390);
    assert_eq!((live.counts.lost, live.counts.processed_once, live.counts.pending), (0, 13, 7));
    assert_eq!(live.label, queue_playground::engine::RunLabel::InProgress);
    // All 7 wait to be taken: the handler takes request 13 at its next step.
    assert_eq!(session.world().requests_waiting(), 7);
}

/// "At its handler" and "processed by its handler" are said of a handler's requests, and of
/// nothing in the other chapters, at any step.
#[test]
fn only_requests_are_said_to_be_at_a_handler() {
    use queue_playground::report::Live;
    use queue_playground::session::Session;
    for name in catalog::names() {
        let scenario = catalog::get(name).unwrap();
        let handler = scenario.actors.iter().any(|a| matches!(a, queue_playground::scenario::ActorSpec::Producer(p) if p.handler.is_some()));
        let mut session = Session::new(scenario, vec![]).unwrap();
        let len = session.len();
        let mut said = false;
        // Every step (a retry's wait is a few steps long), but a spread in the long chapters.
        for step in (0..=len).step_by(if len <= 1_000 { 1 } else { len / 40 }) {
            session.seek(step);
            let live = Live::new(session.world(), session.trace(), 1_000, None);
            let at_handler = live.rows.iter().any(|r| r.place == "at_handler" || r.place == "handled");
            assert!(handler || !at_handler, "{name} at step {step}: a message said to be at a handler");
            said |= at_handler;
        }
        assert_eq!(said, handler, "{name}: a handler's requests are said to be at it");
    }
}

/// The chart at `step` of `session`, as the page draws it (`ChartsPanel`, `latency_panel`).
fn latency_chart(session: &mut Session, facts: &RunFacts, step: usize) -> LatencyShown {
    session.seek(step);
    view::latency_at(&facts.latency(session), facts.timing.answered_until(session.trace().len()))
}

/// Each answered request of the trace before event `events`, read from its events alone:
/// (time of `RequestAnswered`, that time minus its `RequestArrived`'s), in µs.
fn answers_in_trace(session: &Session, events: usize) -> Vec<(u64, u64)> {
    let trace = &session.full_trace()[..events];
    let arrived = |m| trace.iter().find_map(|e| matches!(e.event, Event::RequestArrived { message, .. } if message == m).then(|| e.at_us())).expect("arrived");
    trace.iter().filter_map(|e| match e.event { Event::RequestAnswered { message, .. } => Some((e.at_us(), e.at_us() - arrived(message))), _ => None }).collect()
}

/// The step of the queued handler's chapter the chart is pinned at (240 ms), and the
/// requests answered by then (tests/e2e/handlers.test.mjs reads the same).
const ASYNC_STEP: usize = 150;
const ASYNC_ANSWERED: u64 = 12;

/// The callers' latency chart (issue 11 §2): each caller's wait against the time it was
/// answered, drawn up to the step shown and no further. Its points are the trace's own
/// answers, and its legend (the last caller's wait, the longest so far) agrees with the
/// figures the page quotes (`#timing-answers`, `i18n::answers_text`).
#[test]
fn the_latency_chart_draws_each_callers_wait_as_the_trace_has_it() {
    // The synchronous handler: request i is answered at 30·(i+1) ms after waiting 30 + 10·i ms.
    let sync = |answered: u64| (0..answered).map(|i| (30_000 * (i + 1), 30_000 + 10_000 * i)).collect::<Vec<_>>();
    // The queued handler: each caller waits for the publish only, 30 µs; request i arrives at
    // 20·i ms after the handler's connection opened (540 µs: three round trips of 180 µs).
    let queued = |answered: u64| (0..answered).map(|i| (540 + 20_000 * i + 30, 30)).collect::<Vec<_>>();
    for (chapter, middle) in [("sync-handler", 60), ("async-handler", ASYNC_STEP)] {
        let mut session = Session::new(catalog::get(chapter).unwrap(), vec![]).unwrap();
        let facts = RunFacts::unhashed(&session);
        assert_eq!(facts.latency(&session).end_us, session.full_trace().last().unwrap().at_us());
        for step in [0, middle, usize::MAX] {
            let step = step.min(session.len());
            let chart = latency_chart(&mut session, &facts, step);
            let events = session.trace().len();
            // The trace's own answers, every one (30 is fewer than the chart keeps).
            assert_eq!(chart.points, answers_in_trace(&session, events), "{chapter} at step {step}");
            let timing = facts.timing.until(events);
            match timing.answers {
                None => assert_eq!(chart, LatencyShown::default(), "{chapter} at step {step}: nothing answered, nothing drawn"),
                Some(answers) => {
                    assert_eq!((chart.answered, chart.max_us), (answers.answered, Some(answers.latency_us.max)), "{chapter} at step {step}");
                    let said = i18n::answers_text(&answers, Lang::En);
                    assert!(said.ends_with(&format!("max {} ms", ms_text(chart.max_us.unwrap()))), "{said}");
                }
            }
        }
        // Pinned: the start, a step in the middle and the end.
        let end = session.len();
        let [start, at_middle, at_end] = [0, middle, end].map(|step| latency_chart(&mut session, &facts, step));
        let exact = |chart: &LatencyShown| (chart.points.len(), chart.points.last().copied(), chart.last_us, chart.max_us);
        assert_eq!(exact(&start), (0, None, None, None));
        if chapter == "sync-handler" {
            assert_eq!(at_middle.points, sync(13), "step 60, 390 ms: requests 0-12 answered");
            assert_eq!(at_end.points, sync(30));
            assert_eq!(exact(&at_middle), (13, Some((390_000, 150_000)), Some(150_000), Some(150_000)));
            assert_eq!(exact(&at_end), (30, Some((900_000, 320_000)), Some(320_000), Some(320_000)));
        } else {
            assert_eq!(at_middle.points, queued(ASYNC_ANSWERED), "step 150, 240 ms: requests 0-11 answered");
            assert_eq!(at_end.points, queued(30));
            assert_eq!(exact(&at_middle), (12, Some((220_570, 30)), Some(30), Some(30)));
            assert_eq!(exact(&at_end), (30, Some((580_570, 30)), Some(30), Some(30)));
        }
    }
}

/// A large run keeps the chart small: at most `LATENCY_POINTS` answers, each one of the run's,
/// with the longest wait among them, and at any step the line ends at that step's last answer.
#[test]
fn the_latency_chart_of_a_large_run_stays_small_and_keeps_its_peaks() {
    let mut scenario = catalog::get("sync-handler").unwrap();
    let ActorSpec::Producer(handler) = &mut scenario.actors[0] else { panic!("the handler") };
    handler.messages = 3_000;
    let mut session = Session::new(scenario, vec![]).unwrap();
    let facts = RunFacts::unhashed(&session);
    let series = facts.latency(&session);
    let all = facts.timing.answered_until(usize::MAX);
    assert_eq!(all.len(), 3_000);
    assert!(series.points.len() <= view::LATENCY_POINTS, "{}", series.points.len());
    assert!(series.points.windows(2).all(|w| w[0].index < w[1].index), "in trace order");
    assert!(series.points.iter().all(|p| all.contains(p)), "every point is an answer of the run");
    let longest = all.iter().map(|a| a.wait_us).max();
    assert_eq!(series.points.iter().map(|a| a.wait_us).max(), longest);
    for step in [session.len() / 3, session.len()] {
        let chart = latency_chart(&mut session, &facts, step);
        let answered = facts.timing.answered_until(session.trace().len());
        let last = answered.last().unwrap();
        assert_eq!(chart.points.last(), Some(&(last.at_us, last.wait_us)));
        assert_eq!(chart.max_us, facts.timing.until(session.trace().len()).answers.map(|a| a.latency_us.max));
        assert!(chart.points.len() <= view::LATENCY_POINTS + 1);
    }
}
