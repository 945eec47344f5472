//! Sessions (seek, step back, fork by injecting a fault), settings, share codes, the tour
//! and the two languages: the pure parts the page drives.

use queue_playground::systems::rabbitmq::trace::{trace_hash, Event};
use queue_playground::engine::{Verdict};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::i18n::{self, Lang};
use queue_playground::report::Report;
use queue_playground::scenario::settings::Settings;
use queue_playground::scenario::{catalog, FaultAction, FaultSpec, Trigger};
use queue_playground::session::Session;
use queue_playground::share::{self, ShareState, SHARE_VERSION};
use queue_playground::tour::CHAPTERS;

mod common;

fn session(name: &str) -> Session {
    Session::new(catalog::get(name).unwrap(), vec![]).unwrap()
}

/// The world after `n` steps from scratch.
fn fresh(name: &str, n: usize) -> Sim {
    let mut sim = Sim::new(&catalog::get(name).unwrap()).unwrap();
    for _ in 0..n {
        sim.step();
    }
    sim
}

#[test]
fn seeking_anywhere_shows_the_same_world_as_stepping_from_scratch() {
    let mut s = session("consumer-crash-manual-ack");
    let len = s.len();
    assert!(len > 100);
    for &target in &[len, 0, 37, 36, len / 2, 1, len - 1, 5] {
        s.seek(target);
        assert_eq!(s.position(), target);
        let expected = fresh("consumer-crash-manual-ack", target);
        assert_eq!(s.trace(), expected.trace(), "trace prefix at step {target}");
        let (a, b) = (s.report(), Report::new(&expected, false));
        assert_eq!((a.summary.clone(), a.trace_hash.clone()), (b.summary, b.trace_hash), "report at step {target}");
    }
}

#[test]
fn step_back_undoes_step_forward() {
    let mut s = session("article");
    s.seek(40);
    let at_40 = trace_hash(s.trace());
    assert!(s.step_forward());
    assert_ne!(trace_hash(s.trace()), at_40);
    assert!(s.step_back());
    assert_eq!(trace_hash(s.trace()), at_40);
    s.seek(0);
    assert!(!s.step_back());
    s.seek(usize::MAX);
    assert_eq!(s.position(), s.len());
    assert!(!s.step_forward());
}

#[test]
fn injecting_a_fault_forks_the_run_at_the_current_step() {
    let mut s = session("article");
    // Step until the consumer has processed three messages.
    while s.report().counts.processed_once < 3 {
        assert!(s.step_forward());
    }
    let here = s.position();
    let prefix = s.trace().to_vec();
    s.inject(FaultAction::Crash("consumer".into())).unwrap();
    assert_eq!(s.position(), here, "the fork stays at the same step");
    assert_eq!(&s.trace()[..prefix.len()], &prefix[..], "the past is unchanged");
    assert!(s.trace()[prefix.len()..].iter().any(|e| matches!(e.event, Event::ActorCrashed { .. })), "the crash shows at once");
    s.seek(s.len());
    let report = s.report();
    assert_eq!(report.counts.processed_once, 3);
    // The broker had pushed all ten at once under auto_ack=True: the seven it held are lost.
    assert_eq!(report.data_with(Verdict::Lost), vec![3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(report.label.name(), "at-most-once");
    // The fork is reproducible from its scenario.
    let again = Session::new(s.base().clone(), s.injected().to_vec()).unwrap();
    assert_eq!(trace_hash(again.full_trace()), trace_hash(s.full_trace()));
    assert!(s.inject(FaultAction::Crash("nobody".into())).is_err());
}

#[test]
fn clicking_a_code_line_jumps_to_the_next_step_that_runs_it() {
    let s = session("article");
    let producer = s.timeline().setup().actor_id("producer").unwrap();
    let program = &s.timeline().setup().actors[producer.index()].program;
    let publish_line = program.code.iter().position(|l| l.contains("basic_publish")).unwrap() as u16 + 1;
    let step = s.next_step_at_line(producer, publish_line).expect("the producer publishes");
    let mut at = s.clone();
    at.seek(step);
    assert!(matches!(at.trace().last().unwrap().event, Event::MessagePublished { .. }));
    assert_eq!(at.world().actors()[producer.index()].line, publish_line, "the highlighted line is basic_publish");
}

#[test]
fn settings_change_the_code_and_the_outcome() {
    let base = catalog::get("consumer-crash-auto-ack").unwrap();
    let settings = Settings::of(&base);
    assert!(settings.auto_ack);
    assert_eq!(settings.delivery_mode, 1);
    let fixed = Settings { auto_ack: false, consumers: 2, ..settings.clone() }.apply(&base).unwrap();
    assert_eq!(Settings::of(&fixed), Settings { auto_ack: false, consumers: 2, ..settings.clone() });
    let sim = Session::run_to_end(&fixed).unwrap();
    let code = sim.setup().actors[1].program.code.join("\n");
    assert!(code.contains("auto_ack=False") && code.contains("basic_ack"), "{code}");
    let report = Report::new(&sim, false);
    assert_eq!(report.counts.lost, 0, "{}", report.summary);
    let as_written = Report::new(&Session::run_to_end(&base).unwrap(), false);
    assert_eq!(as_written.data_with(Verdict::Lost), vec![3, 4, 5, 6, 7, 8, 9]);
    assert!(Settings { messages: 0, ..settings.clone() }.apply(&base).is_err());
    assert!(Settings { delivery_mode: 5, ..settings }.apply(&base).is_err());
}

#[test]
fn share_codes_round_trip_and_broken_ones_say_what_is_wrong() {
    let state = ShareState {
        v: SHARE_VERSION,
        engine: "0.1.0".into(),
        chapter: "consumer-crash".into(),
        settings: Settings::of(&catalog::get("article").unwrap()),
        seed: 7,
        faults: catalog::get("consumer-crash-auto-ack").unwrap().faults,
        step: 42,
        lang: "zh".into(),
        system: Default::default(),
        kafka: None,
        zeromq: None,
    };
    let code = share::encode(&state);
    assert!(code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "URL-safe: {code}");
    assert_eq!(share::decode(&code), Ok(state.clone()));
    assert_eq!(share::decode("").map_err(|e| e.to_string()), Err("the share link is empty".into()));
    assert!(share::decode("%%%").unwrap_err().to_string().starts_with("the share link is damaged (not base64url"));
    assert!(share::decode(&code[..code.len() / 2]).unwrap_err().to_string().starts_with("the share link is damaged"));
    // The embed snippet is an iframe of the link, with the link escaped for an attribute, and
    // the host script that sizes it to the height the page posts.
    let snippet = share::embed_snippet("http://x/a&b\"c/#run=abc");
    let (iframe, script) = snippet.split_once('\n').expect("two lines");
    assert_eq!(iframe, r#"<iframe src="http://x/a&amp;b&quot;c/#run=abc" title="Queue Playground" width="100%" height="600" style="border:0;width:100%" loading="lazy"></iframe>"#);
    assert!(script.starts_with("<script>addEventListener(\"message\"") && script.ends_with("</script>"), "{script}");
    assert!(script.contains(&format!("d.type!==\"{}\"", share::HEIGHT_MESSAGE)) && script.contains("f.contentWindow===e.source"), "{script}");
    // Valid base64url of bytes that are not UTF-8 text.
    assert!(share::decode("__4").unwrap_err().to_string().starts_with("the share link is damaged (not UTF-8 text"), "{:?}", share::decode("__4"));
    let future = share::encode(&ShareState { v: 99, ..state.clone() });
    assert_eq!(share::decode(&future).map_err(|e| e.to_string()), Err("the share link has format version 99, this playground reads version 1".into()));
    let bad = share::encode(&ShareState { settings: Settings { messages: 0, ..state.settings.clone() }, ..state });
    assert!(share::decode(&bad).unwrap_err().to_string().contains("settings.messages"));
    assert!(share::decode(&"A".repeat(70_000)).unwrap_err().to_string().contains("too long"));
}

#[test]
fn every_chapter_runs_and_has_both_languages() {
    for chapter in CHAPTERS {
        let scenario = catalog::get(chapter.scenario).unwrap_or_else(|e| panic!("{}: {e}", chapter.id));
        Session::new(scenario, vec![]).unwrap();
        for lang in [Lang::En, Lang::Zh] {
            assert!(!chapter.title(lang).is_empty() && !chapter.narration(lang).is_empty(), "{} {lang:?}", chapter.id);
        }
        assert_ne!(chapter.narration(Lang::En), chapter.narration(Lang::Zh));
    }
}

#[test]
fn every_event_reads_in_both_languages() {
    for (name, _) in catalog::ENTRIES {
        let sim = Session::run_to_end(&catalog::get(name).unwrap()).unwrap();
        for entry in sim.trace() {
            let (en, zh) = (i18n::describe(&entry.event, &sim, Lang::En), i18n::describe(&entry.event, &sim, Lang::Zh));
            assert!(!en.is_empty() && !zh.is_empty());
            assert_ne!(en, zh, "{name}: {:?}", entry.event);
        }
    }
    for (key, en, zh) in i18n::LABELS {
        assert!(!en.is_empty() && !zh.is_empty(), "{key}");
    }
    assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
    assert_eq!(Lang::from_tag("en-GB"), Lang::En);
}

#[test]
fn live_verdicts_agree_with_the_full_report_at_every_step() {
    use queue_playground::report::Live;
    for name in ["consumer-crash-auto-ack", "consumer-crash-manual-ack", "broker-restart-transient", "poison-dead-letter", "lost-publish-no-confirms"] {
        let mut s = session(name);
        for step in (0..=s.len()).step_by(7).chain([s.len()]) {
            s.seek(step);
            let (live, report) = (Live::new(s.world(), s.trace(), usize::MAX, None), s.report());
            assert_eq!(live.counts, report.counts, "{name} at step {step}");
            assert_eq!(live.label, report.label);
            for (row, message) in live.rows.iter().zip(&report.messages) {
                assert_eq!((row.id, row.data, row.verdict), (message.id, message.data, message.verdict), "{name} at step {step}");
                assert_eq!(row.cause.as_ref().map(|c| (c.event, &c.text)), message.cause.as_ref().map(|c| (c.event, &c.text)));
            }
            assert_eq!(live.rows.len(), report.messages.len());
            let few = Live::new(s.world(), s.trace(), 3, None);
            assert_eq!(few.rows.len(), 3.min(report.messages.len()));
            assert_eq!(few.messages, report.messages.len());
            let bad: Vec<u32> = report.messages.iter().filter(|m| m.verdict.is_bad()).map(|m| m.id).take(3).collect();
            assert!(bad.iter().all(|id| few.rows.iter().any(|r| r.id == *id)), "bad verdicts are shown first");
        }
    }
}

#[test]
fn a_restarted_programs_terminal_shows_the_separator_where_its_new_process_begins() {
    use queue_playground::i18n::{restart_separator, Lang};
    let s = session("outbox");
    let facts = queue_playground::view::RunFacts::new(&s);
    let relay = s.timeline().setup().actor_id("relay").unwrap().index();
    let sent = |d: u32| format!(" [x] Sent {{'data': {d}}}");
    for lang in [Lang::En, Lang::Zh] {
        let expected: Vec<String> = (0..4).map(sent).chain([restart_separator(lang).to_string()]).chain((4..10).map(sent)).collect();
        assert_eq!(facts.terminal(relay, s.full_trace().len(), 1_000, lang), expected);
    }
}

#[test]
fn run_facts_give_terminals_and_processed_counts_at_any_step() {
    use queue_playground::view::RunFacts;
    let mut s = session("consumer-crash-manual-ack");
    let facts = RunFacts::new(&s);
    for step in [0, 10, s.len() / 2, s.len()] {
        s.seek(step);
        let report = s.report();
        let events = s.world().events();
        for (index, actor) in report.actors.iter().enumerate() {
            // The page's terminal is the report's, with a separator where a program restarted.
            let separator = queue_playground::i18n::restart_separator(queue_playground::i18n::Lang::En);
            let shown: Vec<String> = facts.terminal(index, events, 1_000, queue_playground::i18n::Lang::En).into_iter().filter(|l| l != separator).collect();
            assert_eq!(shown, actor.terminal, "step {step}, {}", actor.name);
        }
        let finished = s.trace().iter().filter(|e| matches!(e.event, Event::CallbackFinished { .. })).count() as u32;
        assert_eq!(facts.processed(events), finished);
    }
    assert_eq!(facts.trace_hash, Some(trace_hash(s.full_trace())));
    assert_eq!(RunFacts { trace_hash: None, ..facts.clone() }, RunFacts::unhashed(&s), "unhashed: the same facts but the hash");
    assert!(facts.markers.iter().any(|&(_, kind)| kind == "fault"), "the scripted crash is marked");
}

#[test]
fn a_message_journey_is_every_event_about_it() {
    use queue_playground::engine::ids::MessageId;
    use queue_playground::view::event_message;
    let s = session("consumer-crash-manual-ack");
    let timeline = s.timeline();
    let journey: Vec<&Event> = s.full_trace().iter().map(|e| &e.event).filter(|e| event_message(e, timeline) == Some(MessageId(3))).collect();
    assert!(matches!(journey.first(), Some(Event::MessagePublished { .. })), "{journey:?}");
    let deliveries = journey.iter().filter(|e| matches!(e, Event::MessageDelivered { .. })).count();
    let full = Report::new(&Session::run_to_end(s.base()).unwrap(), false);
    assert_eq!(deliveries, full.messages[3].deliveries.len());
    assert!(journey.iter().any(|e| matches!(e, Event::MessageRequeued { .. })), "3 went back to the queue");
    assert!(matches!(journey.last(), Some(Event::MessageAcked { .. })), "and ended acked");
}

#[test]
fn apply_injects_a_fault_into_a_running_world_and_refuses_unknown_names() {
    let mut sim = Sim::new(&catalog::get("article").unwrap()).unwrap();
    // Until the consumer has processed three messages.
    while Report::new(&sim, false).counts.processed_once < 3 {
        assert!(sim.step());
    }
    let before = sim.events();
    sim.apply(&FaultAction::Crash("consumer".into())).unwrap();
    assert!(matches!(sim.trace()[before].event, Event::ActorCrashed { .. }));
    let err = sim.apply(&FaultAction::Crash("ghost".into())).unwrap_err();
    assert_eq!(err.to_string(), "faults[0].do: no actor is named \"ghost\"");
    sim.run_until(queue_playground::engine::Until::Quiescence);
    let report = Report::new(&sim, false);
    assert_eq!(report.counts.processed_once, 3, "0, 1 and 2 were processed before the crash");
    assert_eq!(report.data_with(Verdict::Lost), vec![3, 4, 5, 6, 7, 8, 9], "the rest were auto-acked to the dead consumer: {}", report.summary);
}

#[test]
fn timeline_markers_stay_few_when_thousands_of_messages_are_lost() {
    use queue_playground::view::{RunFacts, MARKERS_MAX};
    let base = catalog::get("consumer-crash-auto-ack").unwrap();
    let mut many = Settings { messages: 5_000, ..Settings::of(&base) }.apply(&base).unwrap();
    for actor in &mut many.actors {
        if let queue_playground::scenario::ActorSpec::Producer(p) = actor {
            p.interval_ms = 0; // all 5,000 wait in the queue and are pushed to the consumer at once
        }
    }
    let s = Session::new(many, vec![]).unwrap();
    let facts = RunFacts::new(&s);
    let lost = Report::new(s.timeline(), false).counts.lost;
    assert!(lost > 4_000, "{lost} lost");
    assert!(facts.markers.len() <= 2 * (MARKERS_MAX + 1), "{} markers", facts.markers.len());
    assert!(facts.markers.iter().any(|&(_, k)| k == "fault") && facts.markers.iter().any(|&(_, k)| k == "bad"));
}

#[test]
fn the_cli_runs_a_share_link_exactly_as_the_page_does() {
    // A crash two steps after the consumer starts (the consumer chapter's own part).
    let probe = session("article");
    let crash_step = queue_playground::tour::chapter("consumer").unwrap().opening_step(&probe) as u64 + 2;
    let state = ShareState {
        v: SHARE_VERSION,
        engine: "0.1.0".into(),
        chapter: "consumer".into(),
        settings: Settings::of(&catalog::get("article").unwrap()),
        seed: 3,
        faults: vec![queue_playground::scenario::FaultSpec {
            when: queue_playground::scenario::Trigger::AtStep(crash_step),
            action: FaultAction::Crash("consumer".into()),
        }],
        step: crash_step,
        lang: "en".into(),
        system: Default::default(),
        kafka: None,
        zeromq: None,
    };
    let (scenario, faults) = state.scenario().unwrap();
    let page = Session::new(scenario, faults).unwrap();
    let link = format!("http://127.0.0.1:8080/#run={}", share::encode(&state));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--share", &link]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["trace_hash"].as_str(), Some(trace_hash(page.full_trace()).as_str()));
    let unprocessed = report["counts"]["lost"].as_u64().unwrap() + report["counts"]["stranded"].as_u64().unwrap();
    assert_eq!(unprocessed, 10, "the consumer crashed before it consumed anything: {}", report["summary"]);
    assert_eq!(report["label"].as_str(), Some("incomplete"), "stranded in the queue, none lost");
    let broken = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--share", "not-a-code!"]).output().unwrap();
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("the share link is damaged"));
}

/// Every setting combination on every chapter: the chapter's own scripted faults keep
/// working (or are dropped) when the regenerated program no longer has their operation, so
/// no combination fails to build or to finish.
#[test]
fn no_setting_combination_breaks_a_chapter() {
    let mut problems = Vec::new();
    for chapter in CHAPTERS {
        let base = Settings::of(&catalog::get(chapter.scenario).unwrap());
        let mut variants = common::setting_combinations(&base, false);
        for consumers in [0, 1, 3] {
            for prefetch_count in [None, Some(1), Some(3)] {
                for auto_ack in [false, true] {
                    variants.push(Settings { consumers, prefetch_count, auto_ack, ..base.clone() });
                }
            }
        }
        for settings in variants {
            let run = chapter.scenario(&settings, 1).and_then(|s| Session::new(s, vec![]).map_err(|e| e.to_string()));
            // A request handler refuses, by name, a publish setting it does not take.
            let handler = matches!(chapter.id, "sync-handler" | "async-handler");
            match run {
                Err(e) if handler && e.starts_with("settings.") && e.contains("handler") => {}
                Err(e) => problems.push(format!("{} with {settings:?}: {e}", chapter.id)),
                Ok(session) if session.timeline().finish().is_none() => problems.push(format!("{} with {settings:?}: did not finish", chapter.id)),
                Ok(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{} setting combinations break a chapter:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_idempotent_chapter_keeps_its_crash_under_auto_ack() {
    let chapter = CHAPTERS.iter().find(|c| c.id == "idempotent").unwrap();
    let settings = Settings { auto_ack: true, ..Settings::of(&catalog::get(chapter.scenario).unwrap()) };
    let scenario = chapter.scenario(&settings, 1).unwrap();
    // `before basic_ack` has no basic_ack to wait for: it becomes `after` the op before it.
    let triggers: Vec<_> = scenario.faults.iter().map(|f| f.when.clone()).collect();
    assert!(
        triggers.iter().any(|t| matches!(t, Trigger::After { op, occurrence: 2, .. } if op == "apply_once")),
        "{triggers:?}"
    );
    let session = Session::new(scenario, vec![]).unwrap();
    assert!(session.full_trace().iter().any(|e| matches!(e.event, Event::ActorCrashed { .. })), "the chapter's crash still happens");
}

#[test]
fn a_share_link_past_the_runs_end_opens_at_the_end() {
    let state = ShareState {
        v: SHARE_VERSION,
        engine: "0.1.0".into(),
        chapter: "consumer-crash".into(),
        settings: Settings::of(&catalog::get("consumer-crash-auto-ack").unwrap()),
        seed: 1,
        faults: vec![],
        step: u64::MAX,
        lang: "en".into(),
        system: Default::default(),
        kafka: None,
        zeromq: None,
    };
    let session = share::decode(&share::encode(&state)).unwrap().session().unwrap();
    assert!(!session.is_empty());
    assert_eq!(session.position(), session.len());
    let at_five = ShareState { step: 5, ..state }.session().unwrap();
    assert_eq!(at_five.position(), 5);
}

#[test]
fn an_at_step_trigger_past_the_run_never_fires_even_after_a_settings_change() {
    let base = catalog::get("article").unwrap();
    let plain = Session::new(base.clone(), vec![]).unwrap();
    let never = FaultSpec { when: Trigger::AtStep(u64::MAX), action: FaultAction::Crash("consumer".into()) };
    let session = Session::new(base.clone(), vec![never.clone()]).unwrap();
    assert_eq!(trace_hash(session.full_trace()), trace_hash(plain.full_trace()), "at_step past the run never fires");
    // Carried to another run (as the page does when a setting changes), it still never fires.
    assert_eq!(session.injected_at_times(), vec![never]);
    let carried = Session::new(base, session.injected_at_times()).unwrap();
    assert_eq!(trace_hash(carried.full_trace()), trace_hash(plain.full_trace()));
}

/// §4.1, §4.2 and §4.3 replay the identical run; each opens at its own part: the queue
/// declared (durable, empty), the producer alone (its messages wait in the queue), the
/// consumer starting with all ten waiting for it.
#[test]
fn the_article_chapters_share_one_run_and_each_opens_at_its_own_part() {
    use queue_playground::systems::rabbitmq::world::ActorStatus;
    use queue_playground::tour::chapter;
    let open = |id: &str| {
        let c = chapter(id).unwrap();
        let base = catalog::get(c.scenario).unwrap();
        let mut s = Session::new(c.scenario(&Settings::of(&base), base.seed).unwrap(), Vec::new()).unwrap();
        let step = c.opening_step(&s);
        s.seek(step);
        s
    };
    let (declare, producer, consumer) = (open("declare"), open("producer"), open("consumer"));
    let hash = trace_hash(declare.full_trace());
    assert_eq!(trace_hash(producer.full_trace()), hash, "one run");
    assert_eq!(trace_hash(consumer.full_trace()), hash, "one run");
    assert!(0 < declare.position() && declare.position() < producer.position() && producer.position() < consumer.position());
    let status = |s: &Session, name: &str| s.world().actors()[s.world().setup().actor_id(name).unwrap().index()].status;
    // §4.1: rabbitmqadmin just declared the queue, durable and empty.
    let admin = declare.world().setup().actor_id("rabbitmqadmin").unwrap();
    assert!(matches!(declare.trace().iter().rev().find(|e| !matches!(e.event, Event::Printed { .. })).unwrap().event, Event::QueueDeclared { actor, .. } if actor == admin));
    let q = &declare.world().broker().queues[0];
    assert!(q.exists && q.spec.durable && q.ready.is_empty());
    // §4.2: the producer runs alone; by its end the ten messages wait in the queue.
    assert_eq!((status(&producer, "producer"), status(&producer, "consumer")), (ActorStatus::Running, ActorStatus::NotStarted));
    let mut alone = producer.clone();
    while status(&alone, "producer") != ActorStatus::Finished {
        assert!(alone.step_forward());
    }
    assert_eq!(status(&alone, "consumer"), ActorStatus::NotStarted);
    assert_eq!(alone.world().broker().queues[0].ready.len(), 10, "the messages wait in test_queue");
    // §4.3: the consumer starts with all ten waiting, and drains them.
    assert_eq!(status(&consumer, "consumer"), ActorStatus::Running);
    assert_eq!(consumer.world().broker().queues[0].ready.len(), 10);
    let mut end = consumer.clone();
    end.seek(end.len());
    assert_eq!(end.report().counts.processed_once, 10);
}

#[test]
fn removing_an_injected_fault_rebuilds_the_run_without_it() {
    let mut s = session("article");
    s.seek(30);
    s.inject(FaultAction::Crash("consumer".into())).unwrap();
    s.seek(60);
    s.inject(FaultAction::CrashNode { node: 0, restart: true }).unwrap();
    let here = s.position();
    let crash_node_ms = s.injected_at_times()[1].clone();
    // Remove the first: the later one keeps its simulated time, the position stays.
    let without_first = s.without_injected(0).unwrap().unwrap();
    assert_eq!(without_first.position(), here.min(without_first.len()));
    assert_eq!(without_first.injected(), std::slice::from_ref(&crash_node_ms));
    // Remove the second: the first keeps its step, and the run is exactly the first fork.
    let without_second = s.without_injected(1).unwrap().unwrap();
    assert_eq!(without_second.injected(), &s.injected()[..1]);
    let only_first = Session::new(s.base().clone(), s.injected()[..1].to_vec()).unwrap();
    assert_eq!(trace_hash(without_second.full_trace()), trace_hash(only_first.full_trace()));
    // Remove both: the run as written.
    let none = without_second.without_injected(0).unwrap().unwrap();
    assert!(none.injected().is_empty());
    assert_eq!(trace_hash(none.full_trace()), trace_hash(session("article").full_trace()));
    assert!(s.without_injected(2).is_none(), "no third fault");
}

#[test]
fn a_producer_killed_by_a_dropped_frame_is_told_why() {
    let mut s = session("article");
    // Just before the third publish: the next frame the producer sends is lost.
    let third = s.full_trace().iter().filter(|e| matches!(e.event, Event::MessagePublished { .. })).nth(2).map(|e| e.at_ms).unwrap();
    s.seek(s.step_at_time(u64::from(third)) - 1);
    s.inject(FaultAction::DropNext { from: "producer".into(), to: "rabbit@0".into() }).unwrap();
    s.seek(s.len());
    let trace = s.trace();
    let exited = trace.iter().position(|e| matches!(e.event, Event::ActorExited { error: Some(_), .. })).expect("the producer exits");
    let dropped = trace.iter().position(|e| matches!(e.event, Event::FrameDropped { .. })).expect("a frame is lost");
    assert!(i18n::describe(&trace[dropped].event, s.timeline(), Lang::En).contains("resets 20 ms later"));
    let en = i18n::describe_at(trace, exited, s.timeline(), Lang::En);
    assert!(en.contains("StreamLostError") && en.contains("the network lost its frame to rabbit@0") && en.contains("reset"), "{en}");
    let zh = i18n::describe_at(trace, exited, s.timeline(), Lang::Zh);
    assert!(zh.contains("丢失了它发往 rabbit@0 的一帧") && zh.contains("重置"), "{zh}");
    // Other events read as `describe` has them.
    assert_eq!(i18n::describe_at(trace, 0, s.timeline(), Lang::En), i18n::describe(&trace[0].event, s.timeline(), Lang::En));
}

/// "Save scenario" writes the run as a scenario file (injected faults included, format 1);
/// reading it back runs the same trace, and `qp run` reads the same file.
#[test]
fn a_saved_scenario_reads_back_as_the_same_run() {
    use queue_playground::scenario::{Scenario, SCENARIO_FORMAT};
    let base = catalog::get("consumer-crash-auto-ack").expect("catalog");
    let mut session = Session::new(base, vec![]).expect("runs");
    session.seek(7);
    session.inject(FaultAction::Crash("producer".into())).expect("a known actor");
    let file = session.scenario_file();
    assert_eq!(file.format, Some(SCENARIO_FORMAT));
    let text = file.to_json();
    assert!(text.contains("\"format\": 1") && text.contains("at_step"), "{text}");
    let read = Scenario::from_json(&text).expect("a saved scenario reads back");
    assert_eq!(read, file);
    let again = Session::new(read, vec![]).expect("runs");
    assert_eq!(trace_hash(again.timeline().trace()), trace_hash(session.timeline().trace()));
    // Files without the field are format 1, as before.
    let plain = catalog::get("article").expect("catalog");
    assert_eq!(plain.format, None);
    assert!(!plain.to_json().contains("\"format\""));
}

/// The compact mode's URL parameters and the embed link built from the snippet options.
#[test]
fn embed_parameters_and_the_embed_link() {
    use queue_playground::embed::{embed_link, EmbedParams, SnippetOptions, Theme};
    assert_eq!(EmbedParams::from_query(""), EmbedParams::default());
    assert_eq!(EmbedParams::from_query("?embed=1&lock=1&theme=dark"), EmbedParams { embed: true, lock: true, theme: Theme::Dark });
    assert_eq!(EmbedParams::from_query("embed&theme=light&x=%%"), EmbedParams { embed: true, lock: false, theme: Theme::Light });
    assert_eq!(EmbedParams::from_query("?embed=0&theme=purple"), EmbedParams::default(), "unknown values are ignored");
    for lock in [false, true] {
        for theme in [Theme::Auto, Theme::Light, Theme::Dark] {
            let p = EmbedParams { embed: true, lock, theme };
            assert_eq!(EmbedParams::from_query(&p.query()), p);
        }
    }
    assert_eq!(EmbedParams::default().query(), "");

    let state = ShareState {
        v: SHARE_VERSION,
        engine: "e".into(),
        chapter: "consumer".into(),
        settings: Settings::of(&catalog::get("article").unwrap()),
        seed: 1,
        faults: vec![],
        step: 12,
        lang: "en".into(),
        system: Default::default(),
        kafka: None,
        zeromq: None,
    };
    let link = embed_link("http://h/p/", &state, &SnippetOptions::default());
    assert_eq!(link, format!("http://h/p/?embed=1#run={}", share::encode(&state)));
    let options = SnippetOptions { lock: true, from_start: true, lang: Some(Lang::Zh), theme: Theme::Dark };
    let link = embed_link("http://h/p/", &state, &options);
    let (query, code) = link.strip_prefix("http://h/p/").unwrap().split_once("#run=").unwrap();
    assert_eq!(EmbedParams::from_query(query), EmbedParams { embed: true, lock: true, theme: Theme::Dark });
    let decoded = share::decode(code).unwrap();
    assert_eq!((decoded.step, decoded.lang.as_str(), decoded.chapter.as_str()), (0, "zh", "consumer"));
}

/// A chapter's own settings applied to its scenario give the scenario back: the page (which
/// applies settings) and a share link run exactly what the catalog says, and changing one
/// setting changes only what it names (consumer-2 keeps its own start, say).
#[test]
fn a_chapters_own_settings_change_nothing_and_one_setting_changes_only_itself() {
    for chapter in CHAPTERS {
        let base = catalog::get(chapter.scenario).unwrap();
        let own = Settings::of(&base);
        assert_eq!(own.apply(&base).unwrap(), base, "{}", chapter.id);
    }
    let base = catalog::get("consumer-crash-manual-ack").unwrap();
    let changed = Settings { prefetch_count: Some(3), ..Settings::of(&base) }.apply(&base).unwrap();
    let starts = |s: &queue_playground::scenario::Scenario| s.actors.iter().map(|a| (a.name().to_string(), a.start_ms())).collect::<Vec<_>>();
    assert_eq!(starts(&changed), starts(&base), "start times are not a setting");
}

/// The settings for what issue 9 added (basic_get polling, mandatory, consumer_timeout,
/// heartbeat): each changes the code or the broker as it says, round-trips through
/// `Settings::of`, is named in the title note, and a contradictory pair is refused by name.
#[test]
fn the_polling_mandatory_and_timeout_settings_change_the_run() {
    let base = catalog::get("consumer-crash-manual-ack").unwrap();
    let written = Settings::of(&base);
    assert_eq!((written.poll_ms, written.mandatory, written.consumer_timeout_ms, written.heartbeat_s), (None, false, None, None));
    let changed = Settings { poll_ms: Some(250), prefetch_count: None, mandatory: true, consumer_timeout_ms: Some(5_000), heartbeat_s: Some(0), ..written.clone() };
    let scenario = changed.apply(&base).unwrap();
    assert_eq!(Settings::of(&scenario), changed);
    assert_eq!((scenario.broker.consumer_timeout_ms, scenario.broker.heartbeat_ms), (5_000, 0));
    let sim = Session::run_to_end(&scenario).unwrap();
    let code = |name: &str| sim.setup().actors.iter().find(|a| a.name == name).unwrap().program.code.join("\n");
    assert!(code("consumer").contains("channel.basic_get(queue='test_queue', auto_ack=False)"), "{}", code("consumer"));
    assert!(!code("consumer").contains("basic_consume"));
    assert!(code("producer").contains("mandatory=True"), "{}", code("producer"));
    let note = queue_playground::tour::title_note(&written, &changed, Lang::En).unwrap();
    assert_eq!(
        note,
        "as written: basic_consume, mandatory=False, consumer_timeout=1800000, heartbeat=60; you changed: basic_get + time.sleep(0.25), mandatory=True, consumer_timeout=5000, heartbeat=0"
    );
    // Back to the defaults: the scenario as written, field for field.
    assert_eq!(written.apply(&base).unwrap(), base);
    let both = Settings { poll_ms: Some(250), prefetch_count: Some(1), ..written.clone() };
    assert_eq!(
        both.apply(&base).unwrap_err().to_string(),
        "settings.poll_ms: a polling consumer calls basic_get, which basic_qos(prefetch_count) does not limit: clear prefetch_count to poll"
    );
    // A share link made before these settings existed reads the same.
    let old: Settings = serde_json::from_str(r#"{"auto_ack":false,"prefetch_count":null,"delivery_mode":1,"durable":true,"confirms":false,"retries":false,"idempotent":false,"dead_letter":false,"consumers":1,"messages":10}"#).unwrap();
    assert_eq!((old.poll_ms, old.mandatory, old.consumer_timeout_ms, old.heartbeat_s), (None, false, None, None));
    assert!(!serde_json::to_string(&written).unwrap().contains("poll_ms"), "unset settings stay out of links");
}

/// A run knows which of its scenario's faults fired (the page marks the chapter's faults the
/// run never reached): consumer-crash as written fires both (the crash after the 4th print and
/// the restart at 3 s); with 3 messages there is no 4th print (the crash never fires), while the
/// restart at 3 s still does (on a running consumer: nothing to restart).
#[test]
fn a_run_knows_which_of_its_faults_fired() {
    use queue_playground::engine::core::System;
    let chapter = queue_playground::tour::chapter("consumer-crash").unwrap();
    let base = catalog::get("consumer-crash-auto-ack").unwrap();
    let as_written = Settings::of(&base);
    let session = Session::new(chapter.scenario(&as_written, base.seed).unwrap(), vec![]).unwrap();
    let end = session.timeline().core();
    assert_eq!((end.fault_fired(0), end.fault_fired(1)), (true, true));
    let three = Settings { messages: 3, ..as_written };
    let session = Session::new(chapter.scenario(&three, base.seed).unwrap(), vec![]).unwrap();
    let end = session.timeline().core();
    assert_eq!((end.fault_fired(0), end.fault_fired(1)), (false, true), "ended at {} ms", session.timeline().now_ms());
    // Kafka: k-crash-autocommit's crash (after the 4th print) and restart (at 12 s) both fire.
    let k = Session::<queue_playground::systems::kafka::world::KafkaSim>::run(queue_playground::systems::kafka::scenario::catalog::get("k-crash-autocommit").unwrap(), vec![]).unwrap();
    assert_eq!((k.timeline().core().fault_fired(0), k.timeline().core().fault_fired(1)), (true, true));
}

/// A run rebuilt with other settings (the settings panel, the comparison) shows what the old
/// one showed: before the first step if it was there, although steps happen at 0 ms (the
/// walkthrough found the page moving to step 1 on a change at the start); else the first
/// step at or after the old one's time.
#[test]
fn a_rebuilt_run_keeps_the_start_and_else_the_time() {
    let s = session("consumer-crash-auto-ack");
    assert!(s.step_at_time(0) > 0, "steps happen at 0 ms: the start needs its own rule");
    assert_eq!(s.step_matching(0, 0), 0);
    let mut old = session("consumer-crash-auto-ack");
    old.seek(12);
    let t = old.now_ms();
    assert_eq!(s.step_matching(12, t), s.step_at_time(t));
    assert!(s.step_matching(12, t) > 0);
}
