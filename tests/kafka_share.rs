//! Share codes that carry the system (RabbitMQ | Kafka) and the Kafka run, and the Kafka
//! settings the page's panel changes: every code made before Kafka existed decodes to the
//! same run and re-encodes to the same characters; a Kafka code round-trips and reopens the
//! same run at the same step; broken Kafka codes say what is wrong; `qp run --share` runs a
//! Kafka link as the page does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use queue_playground::engine::trace::trace_hash;
use queue_playground::i18n::Lang;
use queue_playground::scenario::settings::Settings;
use queue_playground::scenario::{catalog, FaultAction, FaultSpec, Trigger};
use queue_playground::session::Session;
use queue_playground::share::{self, KafkaShare, ShareState, System, SHARE_VERSION};
use queue_playground::systems::kafka::program;
use queue_playground::systems::kafka::report::KafkaReport;
use queue_playground::systems::kafka::scenario::{self as kscenario, Acks, CommitMode, KafkaActorSpec, OffsetReset};
use queue_playground::systems::kafka::settings::{KafkaSettings, Refusal};
use queue_playground::systems::kafka::world::KafkaSim;

/// A code exactly as this playground wrote it before Kafka was in links (the JSON text is
/// the one `serde_json` wrote for format 1's `ShareState`, field for field).
const OLD_JSON: &str = r#"{"v":1,"engine":"0.1.0","chapter":"consumer-crash","settings":{"auto_ack":true,"prefetch_count":null,"delivery_mode":1,"durable":true,"confirms":false,"retries":false,"idempotent":false,"dead_letter":false,"consumers":1,"messages":10},"seed":7,"faults":[{"when":{"at_step":12},"do":{"crash":"consumer"}}],"step":42,"lang":"zh"}"#;

fn rabbit_state() -> ShareState {
    ShareState {
        v: SHARE_VERSION,
        engine: "0.1.0".into(),
        chapter: "consumer-crash".into(),
        settings: Settings::of(&catalog::get("consumer-crash-auto-ack").unwrap()),
        seed: 7,
        faults: vec![FaultSpec { when: Trigger::AtStep(12), action: FaultAction::Crash("consumer".into()) }],
        step: 42,
        lang: "zh".into(),
        system: System::Rabbitmq,
        kafka: None,
        zeromq: None,
    }
}

fn kafka_state(kafka: KafkaShare) -> ShareState {
    ShareState { system: System::Kafka, kafka: Some(kafka), ..rabbit_state() }
}

fn workload_crash() -> KafkaShare {
    KafkaShare {
        chapter: "k-workload".into(),
        settings: None,
        seed: 1,
        faults: vec![FaultSpec { when: Trigger::AtStep(30), action: FaultAction::Crash("consumer".into()) }],
        step: 25,
    }
}

#[test]
fn an_old_rabbitmq_code_decodes_to_the_same_run_and_re_encodes_to_the_same_code() {
    let old_code = URL_SAFE_NO_PAD.encode(OLD_JSON);
    let decoded = share::decode(&old_code).expect("an old code");
    assert_eq!(decoded, rabbit_state());
    assert_eq!((decoded.system, decoded.kafka.is_none()), (System::Rabbitmq, true));
    assert_eq!(share::encode(&decoded), old_code, "a RabbitMQ state writes the code it always wrote");
    // The same run as before: the chapter's scenario with its faults, at step 42.
    let session = decoded.session().unwrap();
    assert_eq!(session.position(), 42);
    assert_eq!(session.injected(), &decoded.faults[..]);
}

#[test]
fn a_kafka_code_round_trips_and_reopens_the_same_run_at_the_same_step() {
    let state = kafka_state(workload_crash());
    let code = share::encode(&state);
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&code).unwrap()).unwrap();
    assert!(json.contains(r#""system":"kafka""#) && json.contains(r#""kafka":{"chapter":"k-workload","seed":1,"#), "{json}");
    assert!(!json.contains(r#""settings":null"#), "the chapter's own settings stay out: {json}");
    let decoded = share::decode(&code).unwrap();
    assert_eq!(decoded, state);
    let kafka = decoded.kafka.unwrap();
    let session = kafka.session().unwrap();
    assert_eq!(session.position(), 25);
    assert_eq!(session.injected(), &kafka.faults[..]);
    // The run the page made: the chapter's scenario with the fault injected at step 30.
    let mut page = Session::<KafkaSim>::run(kscenario::catalog::get("k-workload").unwrap(), vec![]).unwrap();
    page.seek(30);
    let page = page.forked(FaultAction::Crash("consumer".into())).unwrap();
    assert_eq!(trace_hash(session.full_trace()), trace_hash(page.full_trace()));
    // The consumer crashed at step 30: some messages are never printed.
    let report = KafkaReport::new(session.timeline(), false);
    assert_ne!(report.label.name(), "effectively-once", "{}", report.summary);
    // A step past the end opens at the end.
    let past = KafkaShare { step: u64::MAX, ..workload_crash() }.session().unwrap();
    assert_eq!(past.position(), past.len());
}

#[test]
fn a_kafka_code_with_settings_runs_those_settings() {
    let base = kscenario::catalog::get("k-crash-autocommit").unwrap();
    let settings = KafkaSettings { commit: CommitMode::AfterProcessing, partitions: 3, keyed: true, ..KafkaSettings::of(&base) };
    let share = KafkaShare { chapter: "k-crash-autocommit".into(), settings: Some(settings.clone()), seed: 4, faults: vec![], step: 0 };
    let state = kafka_state(share.clone());
    assert_eq!(share::decode(&share::encode(&state)).unwrap(), state);
    let (scenario, _) = share.scenario().unwrap();
    assert_eq!(KafkaSettings::of(&scenario), settings);
    assert_eq!((scenario.seed, scenario.topics[0].partitions), (4, 3));
}

#[test]
fn broken_kafka_codes_say_what_is_wrong() {
    let code_with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = serde_json::to_value(kafka_state(workload_crash())).unwrap();
        edit(&mut value);
        URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let no_run = code_with(&|v| drop(v.as_object_mut().unwrap().remove("kafka")));
    assert_eq!(share::decode(&no_run).unwrap_err().to_string(), "the share link opens the Kafka page but carries no Kafka run (kafka: missing)");
    let system = code_with(&|v| v["system"] = serde_json::json!("nats"));
    assert_eq!(share::decode(&system).unwrap_err().to_string(), "the share link has a bad value at system: unknown variant `nats`, expected one of `rabbitmq`, `kafka`, `zeromq`");
    let field = code_with(&|v| v["kafka"]["colour"] = serde_json::json!(1));
    assert_eq!(share::decode(&field).unwrap_err().to_string(), "the share link has a bad value at kafka.colour: unknown field, expected one of `chapter`, `settings`, `seed`, `faults`, `step`");
    let consumers = code_with(&|v| v["kafka"]["settings"] = serde_json::to_value(KafkaSettings { consumers: 0, ..KafkaSettings::of(&kscenario::catalog::get("k-workload").unwrap()) }).unwrap());
    assert_eq!(share::decode(&consumers).unwrap_err().to_string(), "the share link has a bad Kafka setting: kafka.settings.consumers: must be between 1 and 8, got 0");
    let chapter = share::decode(&code_with(&|v| v["kafka"]["chapter"] = serde_json::json!("k-nothing"))).unwrap();
    assert_eq!(chapter.kafka.unwrap().scenario().unwrap_err().to_string(), "the share link names an unknown Kafka chapter \"k-nothing\"");
    let ghost = KafkaShare { faults: vec![workload_crash().faults[0].clone(), FaultSpec { when: Trigger::AtMs(5), action: FaultAction::Crash("ghost".into()) }], ..workload_crash() };
    assert_eq!(ghost.scenario().unwrap_err().to_string(), "the share link's fault 2 (faults[1].do): no actor is named \"ghost\"");
    let cancel = KafkaShare { faults: vec![FaultSpec { when: Trigger::AtMs(5), action: FaultAction::Cancel("consumer".into()) }], ..workload_crash() };
    assert_eq!(
        cancel.scenario().unwrap_err().to_string(),
        "the share link's fault 1 (faults[0].do): cancel is RabbitMQ's basic_cancel; a Kafka consumer leaves its group with stop (close())"
    );
    let refused = KafkaShare { settings: Some(KafkaSettings { acks: Acks::Leader, ..KafkaSettings::of(&kscenario::catalog::get("k-workload").unwrap()) }), ..workload_crash() };
    let error = refused.scenario().unwrap_err().to_string();
    assert!(error.starts_with("the share link's Kafka settings do not fit chapter \"k-workload\": actors[0].acks: acks=1 needs enable_idempotence: false."), "{error}");
    // The Chinese page words the link's error in Chinese; what it quotes stays as it is.
    assert_eq!(share::decode(&no_run).unwrap_err().text(Lang::Zh), "分享链接要打开 Kafka 页面，却没有携带 Kafka 的运行（缺少 kafka）");
    assert_eq!(ghost.scenario().unwrap_err().text(Lang::Zh), "分享链接的第 2 个故障（faults[1].do）：no actor is named \"ghost\"");
    assert_eq!(share::decode("").unwrap_err().text(Lang::Zh), "分享链接是空的");
    assert_eq!(share::decode("%%%").unwrap_err().text(Lang::Zh), "分享链接已损坏（不是 base64url：Invalid symbol 37, offset 0.）");
}

#[test]
fn qp_runs_a_kafka_share_link_as_the_page_does() {
    let state = kafka_state(workload_crash());
    let link = format!("http://127.0.0.1:8080/#run={}", share::encode(&state));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--share", &link]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let session = workload_crash().session().unwrap();
    assert_eq!(report["trace_hash"].as_str(), Some(trace_hash(session.full_trace()).as_str()));
    assert_eq!(report["scenario"].as_str(), Some("k-workload"));
    // A RabbitMQ link still runs RabbitMQ's run, even when it carries a Kafka run too.
    let rabbit = ShareState { system: System::Rabbitmq, ..state };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--share", &share::encode(&rabbit)]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["scenario"].as_str(), Some("consumer-crash-auto-ack"));
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["export", "--share", &link, "--out", "target/tmp/kafka-export"]).output().unwrap();
    assert_eq!(export.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&export.stderr).trim_end(), "error: the share link shows a Kafka run: qp run reads it; qp export writes RabbitMQ runs only");
}

#[test]
fn a_kafka_chapters_own_settings_change_nothing() {
    for name in kscenario::catalog::names() {
        let base = kscenario::catalog::get(name).unwrap();
        assert_eq!(KafkaSettings::of(&base).apply(&base).unwrap(), base, "{name}");
    }
}

#[test]
fn kafka_settings_change_the_code_and_refused_combinations_say_why() {
    let base = kscenario::catalog::get("k-workload").unwrap();
    let own = KafkaSettings::of(&base);
    assert_eq!((own.acks, own.enable_idempotence, own.commit, own.auto_offset_reset, own.partitions, own.consumers, own.brokers), (Acks::All, true, CommitMode::Auto, OffsetReset::Earliest, 1, 1, 1));
    let changed = KafkaSettings { enable_idempotence: false, acks: Acks::Leader, retries: Some(0), commit: CommitMode::AfterProcessing, consumers: 2, partitions: 2, keyed: true, ..own.clone() };
    let scenario = changed.apply(&base).unwrap();
    assert_eq!(KafkaSettings::of(&scenario), changed);
    let code = |name: &str| program::of(&scenario, scenario.actor(name).unwrap()).code.join("\n");
    let producer = code("producer");
    assert!(producer.contains("acks=1") && producer.contains("enable_idempotence=False") && producer.contains("retries=0") && producer.contains("key="), "{producer}");
    let consumer = code("consumer");
    assert!(consumer.contains("enable_auto_commit=False") && consumer.contains("consumer.commit()"), "{consumer}");
    assert!(matches!(scenario.actor("consumer-2"), Some(KafkaActorSpec::Consumer(c)) if c.group_id == "test_group"));
    let refused = |s: KafkaSettings| s.apply(&base).unwrap_err().to_string();
    assert!(refused(KafkaSettings { acks: Acks::None, ..own.clone() }).starts_with("actors[0].acks: acks=0 needs enable_idempotence: false."));
    assert!(refused(KafkaSettings { retries: Some(0), ..own.clone() }).starts_with("actors[0].retries: retries=0 needs enable_idempotence: false."));
    assert_eq!(
        refused(KafkaSettings { replication_factor: 2, ..own.clone() }),
        "topics[0].replication_factor: must be between 1 and the number of brokers (1), got 2 (Kafka refuses to create it: INVALID_REPLICATION_FACTOR)"
    );
    // Kafka accepts min.insync.replicas above the replication factor (and caps it there).
    assert_eq!(KafkaSettings { min_insync_replicas: 2, ..own.clone() }.apply(&base).unwrap().broker.min_insync_replicas, 2);
    // The panel's refusals: in its terms, with kafka-python's own error text.
    let panel = |s: KafkaSettings| s.apply_from_panel(&base).unwrap_err();
    // Idempotence left at its default (the page's code never passes it) is turned off by
    // kafka-python for acks 0/1 or retries=0, with a warning naming the conflicts: not refused.
    let (runs, conflicts) = KafkaSettings { acks: Acks::Leader, retries: Some(0), ..own.clone() }.as_kafka_python_runs(&own).unwrap();
    assert_eq!((runs.enable_idempotence, runs.enable_idempotence_unset, runs.acks, conflicts.as_deref()), (false, true, Acks::Leader, Some("acks=1, retries=0")));
    assert_eq!(own.as_kafka_python_runs(&own), Ok((own.clone(), None)));
    // The code leaves enable_idempotence out (kafka-python's default: it logs the warning and
    // runs without it), and the title lists only what the user changed.
    let scenario = runs.apply(&base).unwrap();
    let producer = program::of(&scenario, scenario.actor("producer").unwrap()).code.join("\n");
    assert!(producer.contains("acks=1") && producer.contains("retries=0") && !producer.contains("enable_idempotence=False"), "{producer}");
    assert!(producer.contains("enable_idempotence=True (turned off: it conflicts with the acks or retries above, and kafka-python logs a warning)"), "{producer}");
    assert_eq!(KafkaSettings::of(&scenario), runs);
    let changed: Vec<String> = own.diff(&runs, queue_playground::i18n::Lang::En).into_iter().map(|(_, now)| now).collect();
    assert_eq!(changed, vec!["acks=1", "retries=0"]);
    // Back to acks='all' (retries left as they are): idempotence is back at its default.
    let back = KafkaSettings { acks: Acks::All, retries: None, ..runs.clone() }.as_kafka_python_runs(&runs).unwrap();
    assert_eq!(back, (own.clone(), None));
    // Ticking enable_idempotence=True while acks=1 stands passes it explicitly: kafka-python
    // raises KafkaConfigurationError, and the panel refuses with its text.
    let ticked = KafkaSettings { enable_idempotence: true, enable_idempotence_unset: false, ..runs.clone() };
    assert_eq!(ticked.as_kafka_python_runs(&runs), Err(Refusal::IdempotenceConflict { conflicts: "acks=1, retries=0".into() }));
    // Unticked by hand: an explicit enable_idempotence=False, which the code writes.
    let unticked = KafkaSettings { enable_idempotence: false, ..own.clone() };
    let (explicit, note) = KafkaSettings { acks: Acks::Leader, ..unticked.clone() }.as_kafka_python_runs(&unticked).unwrap();
    assert_eq!((explicit.enable_idempotence_unset, note), (false, None));
    let scenario = explicit.apply(&base).unwrap();
    assert!(program::of(&scenario, scenario.actor("producer").unwrap()).code.join("\n").contains("enable_idempotence=False"));
    assert_eq!(panel(KafkaSettings { replication_factor: 2, ..own.clone() }), Refusal::ReplicationAboveBrokers { replication_factor: 2, brokers: 1 });
    assert_eq!(panel(KafkaSettings { consumers: 9, ..own.clone() }), Refusal::OutOfRange { field: "consumers", min: 1, max: 8, got: 9 });
    assert_eq!(panel(KafkaSettings { brokers: 6, ..own.clone() }), Refusal::OutOfRange { field: "brokers", min: 1, max: 5, got: 6 });
    assert_eq!(KafkaSettings { enable_idempotence: false, acks: Acks::Leader, ..own.clone() }.apply_from_panel(&base), KafkaSettings { enable_idempotence: false, acks: Acks::Leader, ..own.clone() }.apply(&base).map_err(Refusal::Scenario));
    assert_eq!(refused(KafkaSettings { partitions: 13, ..own.clone() }), "settings.partitions: must be between 1 and 12, got 13");
    assert_eq!(refused(KafkaSettings { messages: 0, ..own }), "settings.messages: must be between 1 and 10000, got 0");
}

#[test]
fn a_chapter_fault_on_an_operation_the_new_code_lacks_moves_to_the_same_record() {
    // k-commit-before crashes the consumer after its 4th commit(), made after it printed the
    // 4th record and before it processes it; auto-commit has no commit(): the crash comes
    // before the 4th processing instead, the same record in hand.
    let base = kscenario::catalog::get("k-commit-before").unwrap();
    let auto = KafkaSettings { commit: CommitMode::Auto, ..KafkaSettings::of(&base) }.apply(&base).unwrap();
    assert_eq!(auto.faults[0].when, Trigger::Before { actor: "consumer".into(), op: "work".into(), occurrence: 4 });
    assert_eq!(auto.faults[1], base.faults[1], "the restart at a time stays");
    // Fewer brokers drop the faults of the brokers that are gone.
    let acks1 = kscenario::catalog::get("k-acks1-leader-crash").unwrap();
    let one = KafkaSettings { brokers: 1, replication_factor: 1, min_insync_replicas: 1, ..KafkaSettings::of(&acks1) }.apply(&acks1).unwrap();
    assert_eq!(one.faults.len(), 1, "{:?}", one.faults);
    assert!(matches!(one.faults[0].action, FaultAction::CrashNode { node: 0, .. }));
}

mod cross {
    use super::*;
    use queue_playground::cross::{map_faults, rabbit_workload, CrossRun, NoCounterpart};

    fn article_settings() -> Settings {
        Settings::of(&catalog::get("article").unwrap())
    }

    #[test]
    fn the_same_workload_runs_on_rabbitmq_with_the_rabbitmq_pages_settings() {
        let kafka = kscenario::catalog::get("k-crash-autocommit").unwrap();
        let s = rabbit_workload(&kafka, &article_settings(), vec![]).unwrap();
        let producer = s.actors.iter().find_map(|a| match a {
            queue_playground::scenario::ActorSpec::Producer(p) => Some(p),
            _ => None,
        });
        let p = producer.unwrap();
        assert_eq!((p.name.as_str(), p.messages, p.interval_ms, p.start_ms, p.delivery_mode), ("producer", 10, 50, 10_000, 1));
        assert_eq!(s.actors.iter().filter(|a| matches!(a, queue_playground::scenario::ActorSpec::Consumer(c) if c.auto_ack && c.name == "consumer")).count(), 1);
    }

    #[test]
    fn a_consumer_crash_after_its_nth_print_and_a_restart_map_to_rabbitmq() {
        // k-crash-autocommit: crash after print_received 4, restart at 12 s.
        let session = Session::<KafkaSim>::run(kscenario::catalog::get("k-crash-autocommit").unwrap(), vec![]).unwrap();
        let mapped = map_faults(&session);
        assert_eq!(mapped.len(), 2);
        assert_eq!(mapped[0].rabbit, Ok(FaultSpec { when: Trigger::After { actor: "consumer".into(), op: "print_received".into(), occurrence: 4 }, action: FaultAction::Crash("consumer".into()) }));
        assert_eq!(mapped[1].rabbit, Ok(FaultSpec { when: Trigger::AtMs(12_000), action: FaultAction::Restart("consumer".into()) }));
        let cross = CrossRun::new(&session, &article_settings());
        assert_eq!(cross.kafka.counts.duplicated, 4, "Kafka: 0-3 duplicated");
        let rabbit = cross.rabbit.unwrap();
        // auto_ack=True: the crash comes right after 3 was printed, before 4 is published (50 ms
        // later): the broker had pushed nothing else, so nothing is lost, and nothing rewinds.
        assert_eq!(rabbit.label.name(), "effectively-once", "{:?}", rabbit.counts);
        assert_eq!((rabbit.counts.processed_once, rabbit.counts.lost, rabbit.counts.duplicated), (10, 0, 0));
        // With manual acks, 3 was printed but not acked: redelivered and printed again.
        let manual = Settings { auto_ack: false, ..article_settings() };
        let fixed = CrossRun::new(&session, &manual).rabbit.unwrap();
        assert_eq!((fixed.counts.lost, fixed.counts.duplicated), (0, 1), "{:?}", fixed.counts);
        assert!(fixed.consumer_code.contains("basic_ack"));
    }

    #[test]
    fn an_injected_crash_maps_to_the_same_point_of_the_programs_work() {
        let mut session = Session::<KafkaSim>::run(kscenario::catalog::get("k-workload").unwrap(), vec![]).unwrap();
        // Step until the consumer printed {'data': 2}.
        let printed = |s: &Session<KafkaSim>| s.trace().iter().filter(|e| matches!(e.event, queue_playground::systems::kafka::trace::KafkaEvent::Printed { text: queue_playground::systems::kafka::trace::TerminalText::Received { .. }, .. })).count();
        while printed(&session) < 3 {
            assert!(session.step_forward());
        }
        let fork = session.forked(FaultAction::Crash("consumer".into())).unwrap();
        let mapped = map_faults(&fork);
        assert_eq!(mapped.len(), 1);
        assert!(mapped[0].injected);
        assert_eq!(mapped[0].rabbit, Ok(FaultSpec { when: Trigger::After { actor: "consumer".into(), op: "print_received".into(), occurrence: 3 }, action: FaultAction::Crash("consumer".into()) }));
        // A crash before any print: at the same simulated time.
        let early = Session::<KafkaSim>::run(kscenario::catalog::get("k-workload").unwrap(), vec![FaultSpec { when: Trigger::AtStep(2), action: FaultAction::Crash("producer".into()) }]).unwrap();
        assert!(matches!(map_faults(&early)[0].rabbit, Ok(FaultSpec { when: Trigger::AtMs(_), .. })));
    }

    #[test]
    fn faults_without_a_counterpart_say_why() {
        let lost_response = Session::<KafkaSim>::run(kscenario::catalog::get("k-lost-response-no-idempotence").unwrap(), vec![]).unwrap();
        assert_eq!(map_faults(&lost_response)[0].rabbit, Err(NoCounterpart::LostResponse));
        let acks1 = Session::<KafkaSim>::run(kscenario::catalog::get("k-acks1-leader-crash").unwrap(), vec![]).unwrap();
        let reasons: Vec<_> = map_faults(&acks1).into_iter().map(|m| m.rabbit.unwrap_err()).collect();
        assert_eq!(reasons, vec![NoCounterpart::Link, NoCounterpart::Link, NoCounterpart::ReplicatedBroker, NoCounterpart::Link, NoCounterpart::Link]);
        let commit = Session::<KafkaSim>::run(kscenario::catalog::get("k-commit-before").unwrap(), vec![]).unwrap();
        let m = map_faults(&commit);
        assert_eq!(m[0].rabbit, Err(NoCounterpart::KafkaOperation), "a crash after commit(): RabbitMQ has no commit");
        assert_eq!(m[1].rabbit, Err(NoCounterpart::RestartOfRunning), "its restart goes with the crash: on RabbitMQ the consumer never went down");
        // A broker crash of a one-broker cluster is the one RabbitMQ node's crash.
        let one = Session::<KafkaSim>::run(kscenario::catalog::get("k-workload").unwrap(), vec![FaultSpec { when: Trigger::AtMs(3000), action: FaultAction::CrashNode { node: 0, restart: true } }]).unwrap();
        assert_eq!(map_faults(&one)[0].rabbit, Ok(FaultSpec { when: Trigger::AtMs(3000), action: FaultAction::CrashNode { node: 0, restart: true } }));
        for lang in [queue_playground::i18n::Lang::En, queue_playground::i18n::Lang::Zh] {
            for why in [NoCounterpart::ReplicatedBroker, NoCounterpart::LostResponse, NoCounterpart::Link, NoCounterpart::KafkaOperation, NoCounterpart::Other, NoCounterpart::RestartOfRunning] {
                assert!(why.text(lang).len() > 20);
            }
        }
        assert_ne!(NoCounterpart::Link.text(queue_playground::i18n::Lang::En), NoCounterpart::Link.text(queue_playground::i18n::Lang::Zh));
    }
}
