//! The ZeroMQ page's settings (`systems::zeromq::settings`): a chapter's own settings change
//! nothing; each setting changes the scenario, the pyzmq code and the run the way its name
//! says (the consumer binding instead of the producer lets the producer queue, not block,
//! while a crashed consumer is replaced; fewer messages, a shorter interval, LINGER 0); refused values name their field; a share
//! link carries the settings and reopens the same run.

use queue_playground::engine::trace::trace_hash;
use queue_playground::session::Session;
use queue_playground::share::{self, ZeromqShare};
use queue_playground::systems::zeromq::program;
use queue_playground::systems::zeromq::report::ZmqReport;
use queue_playground::systems::zeromq::scenario::catalog;
use queue_playground::systems::zeromq::settings::ZmqSettings;
use queue_playground::systems::zeromq::world::ZmqSim;

fn end_report(session: &Session<ZmqSim>) -> ZmqReport {
    ZmqReport::with_trace(session.timeline(), session.full_trace(), false)
}

#[test]
fn every_chapters_own_settings_change_nothing() {
    for name in catalog::names() {
        let scenario = catalog::get(name).unwrap();
        let settings = ZmqSettings::of(&scenario);
        assert_eq!(settings.apply(&scenario).unwrap(), scenario, "{name}: {settings:?}");
    }
}

#[test]
fn the_consumer_binding_lets_the_producer_queue_while_the_consumer_is_gone() {
    // z-consumer-crash with a fast consumer (no work): the producer binds, so between the kill
    // and the replacement its PUSH has no pipe; what was in flight died with the consumer.
    let base = catalog::get("z-consumer-crash").unwrap();
    let fast = ZmqSettings { work_ms: 0, ..ZmqSettings::of(&base) };
    let binds = end_report(&Session::<ZmqSim>::run(fast.apply(&base).unwrap(), vec![]).unwrap());
    // The consumer binds: the producer's connecting PUSH keeps its pipe while the consumer is
    // gone, and the replacement gets what waited in it.
    let flipped = ZmqSettings { producer_binds: false, ..fast }.apply(&base).unwrap();
    let code = program::of(&flipped, flipped.actor("producer").unwrap()).code.join("\n");
    assert!(code.contains("socket.connect(\"tcp://127.0.0.1:5557\")"), "{code}");
    let consumer = program::of(&flipped, flipped.actor("consumer").unwrap()).code.join("\n");
    assert!(consumer.contains("socket.bind(\"tcp://127.0.0.1:5557\")"), "{consumer}");
    let connects = end_report(&Session::<ZmqSim>::run(flipped, vec![]).unwrap());
    let who = |r: &ZmqReport| r.messages.iter().map(|m| format!("{}:{}", m.data, m.processed_by.join("+"))).collect::<Vec<_>>().join(" ");
    let expected = "0:consumer 1:consumer 2:consumer 3:consumer 4:consumer#2 5:consumer#2 6:consumer#2 7:consumer#2 8:consumer#2 9:consumer#2";
    assert_eq!((who(&binds).as_str(), who(&connects).as_str()), (expected, expected));
    // The difference is the wait: the binding PUSH's send of 4 blocked until the new consumer
    // connected; the connecting one queued it in its pipe and went on.
    let blocked = |r: &ZmqReport| r.messages.iter().filter_map(|m| m.send_blocked_ms.map(|ms| (m.data, ms))).collect::<Vec<_>>();
    assert!(blocked(&binds).iter().any(|&(data, ms)| data == 4 && ms >= 500), "{:?}", blocked(&binds));
    assert_eq!(blocked(&connects), vec![], "a connecting PUSH never blocks");
}

#[test]
fn linger_0_and_fewer_messages_change_the_code_and_the_run() {
    let base = catalog::get("z-workload").unwrap();
    let settings = ZmqSettings { messages: 3, interval_ms: 10, linger_ms: 0, ..ZmqSettings::of(&base) };
    let changed = settings.apply(&base).unwrap();
    let code = program::of(&changed, changed.actor("producer").unwrap()).code.join("\n");
    assert!(code.contains("for i in range(3):") && code.contains("time.sleep(0.01)") && code.contains("zmq.LINGER, 0"), "{code}");
    let report = end_report(&Session::<ZmqSim>::run(changed, vec![]).unwrap());
    assert_eq!(report.messages.len(), 3, "{}", report.summary);
}

#[test]
fn refused_settings_name_their_field() {
    let base = catalog::get("z-workload").unwrap();
    let of = ZmqSettings::of(&base);
    let refused = |s: ZmqSettings| s.apply(&base).unwrap_err().to_string();
    assert_eq!(refused(ZmqSettings { messages: 0, ..of.clone() }), "messages: must be between 1 and 1000, got 0");
    assert_eq!(refused(ZmqSettings { linger_ms: -2, ..of.clone() }), "linger_ms: must be between -1 and 60000, got -2");
    assert_eq!(refused(ZmqSettings { sndhwm: 100_001, ..of.clone() }), "sndhwm: must be between 1 and 100000, got 100001");
    assert_eq!(refused(ZmqSettings { rcvhwm: 0, ..of.clone() }), "rcvhwm: must be between 1 and 100000, got 0");
    assert_eq!(refused(ZmqSettings { work_ms: 60_001, ..of.clone() }), "work_ms: must be between 0 and 60000, got 60001");
    // Two consumers cannot both bind one endpoint: the scenario's own words.
    let two = catalog::get("z-workload").unwrap();
    let mut two_consumers = two.clone();
    let mut second = two.actors[1].clone();
    if let queue_playground::systems::zeromq::scenario::ZmqActorSpec::Consumer(c) = &mut second {
        c.name = "consumer2".into();
    }
    two_consumers.actors.push(second);
    let error = ZmqSettings { producer_binds: false, ..ZmqSettings::of(&two_consumers) }.apply(&two_consumers).unwrap_err().to_string();
    assert!(error.starts_with("actors: exactly one actor binds the endpoint"), "{error}");
}

#[test]
fn a_share_link_carries_the_settings_and_reopens_the_same_run() {
    let base = catalog::get("z-consumer-crash").unwrap();
    let settings = ZmqSettings { producer_binds: false, work_ms: 50, ..ZmqSettings::of(&base) };
    let share = ZeromqShare { chapter: "z-consumer-crash".into(), settings: Some(settings.clone()), seed: 1, faults: vec![], step: 3 };
    let mut state = share::decode(&share::encode(&share::ShareState {
        v: share::SHARE_VERSION,
        engine: "0.1.0".into(),
        chapter: "consumer-crash".into(),
        settings: queue_playground::scenario::settings::Settings::of(&queue_playground::scenario::catalog::get("consumer-crash-auto-ack").unwrap()),
        seed: 1,
        faults: vec![],
        step: 0,
        lang: "en".into(),
        system: share::System::Zeromq,
        kafka: None,
        zeromq: Some(share.clone()),
    }))
    .unwrap();
    let zeromq = state.zeromq.take().unwrap();
    assert_eq!(zeromq, share);
    let session = zeromq.session().unwrap();
    let direct = Session::<ZmqSim>::run(settings.apply(&base).unwrap(), vec![]).unwrap();
    assert_eq!(trace_hash(session.full_trace()), trace_hash(direct.full_trace()));
    assert_eq!(session.position(), 3);
    // Settings a chapter refuses say so, in the link's terms.
    let bad = ZeromqShare { settings: Some(ZmqSettings { messages: 0, ..settings }), ..share };
    assert_eq!(bad.scenario().unwrap_err().to_string(), "the share link's ZeroMQ settings do not fit chapter \"z-consumer-crash\": messages: must be between 1 and 1000, got 0");
}
