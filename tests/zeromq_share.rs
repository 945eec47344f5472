//! Share codes that carry the ZeroMQ page's run (`system: "zeromq"`, `zeromq: {...}`): a
//! ZeroMQ code round-trips and reopens the same run (the chapter forked with the injected
//! fault at the same step) at the same step; codes made before ZeroMQ was in links still
//! decode and re-encode to the same characters; broken ZeroMQ codes say what is wrong, in both
//! languages; `qp run --share` runs a ZeroMQ link as the page does, and `qp export` refuses it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use queue_playground::engine::trace::trace_hash;
use queue_playground::i18n::Lang;
use queue_playground::scenario::settings::Settings;
use queue_playground::scenario::catalog;
use queue_playground::session::Session;
use queue_playground::share::{self, ShareState, System, ZeromqShare, SHARE_VERSION};
use queue_playground::systems::zeromq::report::ZmqVerdict;
use queue_playground::systems::zeromq::scenario::{catalog as zcatalog, ZmqFaultAction, ZmqFaultSpec, ZmqTrigger};
use queue_playground::systems::zeromq::world::ZmqSim;

fn crash(actor: &str) -> ZmqFaultAction {
    ZmqFaultAction::Crash { actor: actor.into(), restart_after_ms: None }
}

/// The workload chapter with the consumer crashed at step 20, shown at step 21.
fn workload_crash() -> ZeromqShare {
    ZeromqShare { chapter: "z-workload".into(), settings: None, seed: 1, faults: vec![ZmqFaultSpec { when: ZmqTrigger::AtStep(20), action: crash("consumer") }], step: 21 }
}

fn state(zeromq: ZeromqShare) -> ShareState {
    ShareState {
        v: SHARE_VERSION,
        engine: "0.1.0".into(),
        chapter: "consumer-crash".into(),
        settings: Settings::of(&catalog::get("consumer-crash-auto-ack").unwrap()),
        seed: 7,
        faults: vec![],
        step: 0,
        lang: "zh".into(),
        system: System::Zeromq,
        kafka: None,
        zeromq: Some(zeromq),
    }
}

#[test]
fn a_zeromq_code_round_trips_and_reopens_the_same_run_at_the_same_step() {
    let state = state(workload_crash());
    let code = share::encode(&state);
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&code).unwrap()).unwrap();
    assert!(json.contains(r#""system":"zeromq""#) && json.contains(r#""zeromq":{"chapter":"z-workload","seed":1,"faults":[{"when":{"at_step":20},"do":{"crash":{"actor":"consumer","restart_after_ms":null}}}],"step":21}"#), "{json}");
    let decoded = share::decode(&code).unwrap();
    assert_eq!(decoded, state);
    let zeromq = decoded.zeromq.unwrap();
    let session = zeromq.session().unwrap();
    assert_eq!(session.position(), 21);
    assert_eq!(session.injected(), &zeromq.faults[..]);
    // The run the page made: the chapter's scenario forked with the crash at step 20.
    let mut page = Session::<ZmqSim>::run(zcatalog::get("z-workload").unwrap(), vec![]).unwrap();
    page.seek(20);
    let page = page.forked(crash("consumer")).unwrap();
    assert_eq!(trace_hash(session.full_trace()), trace_hash(page.full_trace()));
    // The consumer was killed at step 20, when {'data': 3} had reached its receive pipe and
    // before the 5th was sent: 3 dies with it (ZeroMQ has no acknowledgements), and the binding
    // PUSH has no pipe left, so the producer's next send blocks for ever: 4 to 9 never sent.
    let report = queue_playground::systems::zeromq::report::ZmqReport::with_trace(session.timeline(), session.full_trace(), false);
    let of = |v: ZmqVerdict| report.data_with(v);
    assert_eq!((of(ZmqVerdict::ProcessedOnce), of(ZmqVerdict::Lost), of(ZmqVerdict::NeverSent)), (vec![0, 1, 2], vec![3], vec![4, 5, 6, 7, 8, 9]), "{}", report.summary);
    assert!(report.messages[3].cause.starts_with("lost: it was in the receive"), "{}", report.messages[3].cause);
    assert!(report.messages.iter().filter(|m| m.verdict == ZmqVerdict::NeverSent).all(|m| m.cause.contains("still blocked")), "{:?}", report.messages);
    // A step past the end opens at the end.
    let past = ZeromqShare { step: u64::MAX, ..workload_crash() }.session().unwrap();
    assert_eq!(past.position(), past.len());
}

#[test]
fn every_zeromq_chapter_opens_from_a_link() {
    for name in zcatalog::names() {
        let share = ZeromqShare { chapter: name.into(), settings: None, seed: zcatalog::get(name).unwrap().seed, faults: vec![], step: 0 };
        let decoded = share::decode(&share::encode(&state(share.clone()))).unwrap();
        let session = decoded.zeromq.unwrap().session().unwrap();
        let fresh = Session::<ZmqSim>::run(zcatalog::get(name).unwrap(), vec![]).unwrap();
        assert_eq!(trace_hash(session.full_trace()), trace_hash(fresh.full_trace()), "{name}");
    }
}

#[test]
fn a_code_without_zeromq_re_encodes_to_the_same_characters() {
    let rabbit = ShareState { system: System::Rabbitmq, zeromq: None, ..state(workload_crash()) };
    let code = share::encode(&rabbit);
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&code).unwrap()).unwrap();
    assert!(!json.contains("zeromq") && !json.contains("system"), "{json}");
    assert_eq!(share::encode(&share::decode(&code).unwrap()), code);
}

#[test]
fn broken_zeromq_codes_say_what_is_wrong() {
    let code_with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = serde_json::to_value(state(workload_crash())).unwrap();
        edit(&mut value);
        URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let no_run = code_with(&|v| drop(v.as_object_mut().unwrap().remove("zeromq")));
    assert_eq!(share::decode(&no_run).unwrap_err().to_string(), "the share link opens the ZeroMQ page but carries no ZeroMQ run (zeromq: missing)");
    assert_eq!(share::decode(&no_run).unwrap_err().text(Lang::Zh), "分享链接要打开 ZeroMQ 页面，却没有携带 ZeroMQ 的运行（缺少 zeromq）");
    let field = code_with(&|v| v["zeromq"]["colour"] = serde_json::json!(1));
    assert_eq!(share::decode(&field).unwrap_err().to_string(), "the share link has a bad value at zeromq.colour: unknown field, expected one of `chapter`, `settings`, `seed`, `faults`, `step`");
    let chapter = share::decode(&code_with(&|v| v["zeromq"]["chapter"] = serde_json::json!("k-workload"))).unwrap();
    let error = chapter.zeromq.unwrap().scenario().unwrap_err();
    assert_eq!(error.to_string(), "the share link names an unknown ZeroMQ chapter \"k-workload\"");
    assert_eq!(error.text(Lang::Zh), "分享链接指向未知的 ZeroMQ 章节 \"k-workload\"");
    let ghost = ZeromqShare { faults: vec![workload_crash().faults[0].clone(), ZmqFaultSpec { when: ZmqTrigger::AtMs(5), action: crash("ghost") }], ..workload_crash() };
    let error = ghost.scenario().unwrap_err();
    assert!(error.to_string().starts_with("the share link's fault 2 (faults[1].do"), "{error}");
    assert!(error.to_string().contains("ghost"), "{error}");
    assert!(error.text(Lang::Zh).starts_with("分享链接的第 2 个故障（faults[1].do"), "{}", error.text(Lang::Zh));
}

#[test]
fn qp_runs_a_zeromq_share_link_as_the_page_does() {
    let state = state(workload_crash());
    let link = format!("http://127.0.0.1:8080/#run={}", share::encode(&state));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--share", &link]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let session = workload_crash().session().unwrap();
    assert_eq!(report["trace_hash"].as_str(), Some(trace_hash(session.full_trace()).as_str()));
    assert_eq!((report["scenario"].as_str(), report["system"].as_str()), (Some("z-workload"), Some("zeromq")));
    // A RabbitMQ link still runs RabbitMQ's run, even when it carries a ZeroMQ run too.
    let rabbit = ShareState { system: System::Rabbitmq, ..state };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["run", "--share", &share::encode(&rabbit)]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["scenario"].as_str(), Some("consumer-crash-auto-ack"));
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_qp")).args(["export", "--share", &link, "--out", "target/tmp/zeromq-export"]).output().unwrap();
    assert_eq!(export.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&export.stderr).trim_end(), "error: the share link shows a ZeroMQ run: qp run reads it; qp export writes RabbitMQ runs only");
}
