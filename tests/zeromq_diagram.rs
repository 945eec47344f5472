//! The ZeroMQ diagram's facts (`ZmqDiagramView::of`): pinned at chosen steps of z-workload,
//! z-consumer-crash and z-hwm-drops (who is running, blocked or crashed, which socket binds,
//! each link's state, what sits in each of the three queues per direction), and at every
//! step of every chapter its invariants: the queues hold exactly the ledger's queued copies
//! at their stages, queues list their first `QUEUE_SHOWN` frames, every link's ends are
//! shown, and the view is a pure function of the world.

use queue_playground::engine::ids::ActorId;
use queue_playground::engine::ledger::Place;
use queue_playground::systems::zeromq::diagram::*;
use queue_playground::systems::zeromq::scenario::{catalog, SocketType, Transport, ZmqActorSpec, ZmqScenario};
use queue_playground::systems::zeromq::trace::Stage;
use queue_playground::systems::zeromq::world::{ActorStatus, ZmqSim};

fn chapter(name: &str) -> ZmqScenario {
    catalog::get(name).unwrap()
}

/// The world of `scenario` after `steps` steps.
fn after(scenario: &ZmqScenario, steps: usize) -> ZmqSim {
    let mut sim = ZmqSim::new(scenario).unwrap();
    for _ in 0..steps {
        assert!(sim.step(), "the run has {steps} steps");
    }
    sim
}

fn view(name: &str, steps: usize) -> ZmqDiagramView {
    ZmqDiagramView::of(&after(&chapter(name), steps))
}

fn range(from: u32, to: u32) -> Vec<u32> {
    (from..to).collect()
}

#[test]
fn z_workload_the_consumer_waits_connecting_until_the_producer_binds() {
    // Step 5 (1.000020 s): the producer bound and its first send blocks: no peer yet.
    let v = view("z-workload", 5);
    assert_eq!(v.transport, Transport::Tcp);
    assert_eq!(v.endpoint, "tcp://127.0.0.1:5557");
    assert_eq!(v.now_us, 1_000_020);
    let producer = v.process("producer").unwrap();
    assert_eq!((producer.program, producer.status, producer.blocked_in, producer.incarnation), (ProgramKind::Producer, ActorStatus::Blocked, Some(BlockedIn::Send), 1));
    let consumer = v.process("consumer").unwrap();
    assert_eq!((consumer.program.name(), consumer.status, consumer.blocked_in, consumer.socket), ("consumer", ActorStatus::Blocked, Some(BlockedIn::Recv), Some(0)));
    let pull = v.socket(0).unwrap();
    assert_eq!((pull.kind, pull.attach, pull.state, pull.bound_now, pull.rcvhwm, pull.linger_ms), (SocketType::Pull, Attach::Connect, SocketState::Open, false, 1000, -1));
    let push = v.socket(1).unwrap();
    assert_eq!((push.kind.constant(), push.attach.name(), push.bound_now, push.sndhwm, push.endpoint.as_str()), ("PUSH", "bind", true, 1000, "tcp://127.0.0.1:5557"));
    assert_eq!(v.links.len(), 1);
    let link = &v.links[0];
    assert_eq!((link.connecting, link.binding, link.status, link.routed, link.subscription), (0, None, LinkStatus::Connecting, false, None));

    // Step 7: connected; the first message is in the PUSH's outbound pipe (lane 1: binder → connecter).
    let v = view("z-workload", 7);
    let link = &v.links[0];
    assert_eq!((link.binding, link.status, link.routed), (Some(1), LinkStatus::Up, true));
    let back = &link.lanes[1];
    assert_eq!((back.from, back.to, back.sndhwm, back.rcvhwm), (Some(1), Some(0), 1000, 1000));
    assert_eq!(back.outbound.data(), vec![0]);
    assert_eq!((back.in_flight.len, back.inbound.len), (0, 0));
    assert_eq!(link.lanes[0].outbound.len + link.lanes[0].in_flight.len + link.lanes[0].inbound.len, 0);

    // Step 8: it arrived in the PULL's inbound pipe; step 9: the program holds it.
    assert_eq!(view("z-workload", 8).links[0].lanes[1].inbound.data(), vec![0]);
    let v = view("z-workload", 9);
    assert_eq!(v.links[0].lanes[1].inbound.len, 0);
    assert_eq!(v.process("consumer").unwrap().holds, Some(0));

    // The end: the producer finished (its socket dead), the consumer noticed and reconnects.
    let v = view("z-workload", 49);
    assert_eq!(v.process("producer").unwrap().status, ActorStatus::Finished);
    assert_eq!(v.socket(1).unwrap().state, SocketState::Dead);
    assert_eq!((v.links[0].status, v.links[0].binding), (LinkStatus::Connecting, None));
}

#[test]
fn z_consumer_crash_the_buffered_messages_die_with_the_consumer() {
    // Step 32: all 10 sent; the slow consumer printed 0-2, 3-9 wait in its inbound pipe.
    let v = view("z-consumer-crash", 32);
    let lane = &v.links[0].lanes[1];
    assert_eq!(lane.inbound.data(), range(3, 10));
    assert_eq!((lane.inbound.len, lane.inbound.more(), lane.outbound.len, lane.in_flight.len), (7, 0, 0, 0));
    assert_eq!(v.links[0].status, LinkStatus::Up);
    assert_eq!(v.process("producer").unwrap().status, ActorStatus::Running);

    // Step 34: the producer's term() returned (nothing was queued on its side): it is gone,
    // the consumer has not noticed (peer gone), its pipe still holds 3-9.
    let v = view("z-consumer-crash", 34);
    assert_eq!(v.process("producer").unwrap().status, ActorStatus::Finished);
    assert_eq!(v.socket(1).unwrap().state, SocketState::Dead);
    assert_eq!((v.links[0].status, v.links[0].routed), (LinkStatus::PeerGone, false));
    assert!(v.links[0].status.down());
    assert_eq!(v.links[0].lanes[1].inbound.data(), range(3, 10));

    // Step 36: the consumer took 3 (its 4th print, the trigger, comes next); 4-9 wait.
    let v = view("z-consumer-crash", 36);
    assert_eq!(v.process("consumer").unwrap().holds, Some(3));
    assert_eq!(v.links[0].lanes[1].inbound.data(), range(4, 10));
    assert_eq!(v.links[0].status, LinkStatus::Connecting);

    // Step 38: SIGKILL. The consumer is crashed, its socket dead, its pipe closed and empty:
    // 4-9 are gone (the ledger's six discarded copies).
    let sim = after(&chapter("z-consumer-crash"), 38);
    let v = ZmqDiagramView::of(&sim);
    let consumer = v.process("consumer").unwrap();
    assert_eq!((consumer.status, consumer.incarnation, consumer.socket, consumer.holds), (ActorStatus::Crashed, 1, Some(0), None));
    assert_eq!(v.socket(0).unwrap().state, SocketState::Dead);
    assert_eq!(v.links.len(), 1);
    let link = &v.links[0];
    assert_eq!((link.status, link.routed), (LinkStatus::Closed, false));
    assert!(link.lanes.iter().all(|l| l.outbound.len + l.in_flight.len + l.inbound.len == 0));
    let discarded: Vec<u32> = sim.ledger().copies.iter().filter(|c| c.place == Place::Discarded).map(|c| sim.ledger().messages[c.message.index()].data).collect();
    assert_eq!(discarded, range(4, 10));

    // Step 39: a new process (incarnation 2) without a socket yet: the dead pipe is no longer shown.
    let v = view("z-consumer-crash", 39);
    let consumer = v.process("consumer").unwrap();
    assert_eq!((consumer.status, consumer.incarnation, consumer.socket), (ActorStatus::Running, 2, None));
    assert!(v.links.is_empty());
    assert_eq!(v.sockets.iter().map(|s| s.id).collect::<Vec<_>>(), vec![1], "only the finished producer's socket");

    // Step 40: its new PULL connects (link 1); nobody binds any more.
    let v = view("z-consumer-crash", 40);
    assert_eq!(v.process("consumer").unwrap().socket, Some(2));
    assert_eq!(v.links.iter().map(|l| (l.id, l.connecting, l.status)).collect::<Vec<_>>(), vec![(1, 2, LinkStatus::Connecting)]);
}

#[test]
fn z_hwm_drops_pub_keeps_two_the_rest_is_dropped() {
    // Step 5: connected, the subscription is on its way; step 6: it arrived.
    let v = view("z-hwm-drops", 5);
    let publisher = v.socket(0).unwrap();
    assert_eq!((publisher.kind, publisher.attach, publisher.sndhwm, publisher.subscribe.clone()), (SocketType::Pub, Attach::Bind, 2, None));
    let sub = v.socket(1).unwrap();
    assert_eq!((sub.kind, sub.attach, sub.subscribe.as_deref()), (SocketType::Sub, Attach::Connect, Some("")));
    assert_eq!((v.links[0].status, v.links[0].subscription), (LinkStatus::Up, Some(Subscription::OnItsWay)));
    assert_eq!(view("z-hwm-drops", 6).links[0].subscription, Some(Subscription::Arrived));

    // Step 16: the burst of 10 is sent; the PUB's pipe holds 0 and 1 (its SNDHWM 2), 2-9 dropped.
    let sim = after(&chapter("z-hwm-drops"), 16);
    let v = ZmqDiagramView::of(&sim);
    let lane = &v.links[0].lanes[1];
    assert_eq!((lane.from, lane.to, lane.sndhwm, lane.rcvhwm), (Some(0), Some(1), 2, 1000));
    assert_eq!(lane.outbound.data(), vec![0, 1]);
    assert_eq!((lane.in_flight.len, lane.inbound.len), (0, 0));
    assert_eq!(v.frames_at(Stage::Outbound), 2);
    let dropped = sim.ledger().copies.iter().filter(|c| c.place == Place::Discarded).count();
    assert_eq!(dropped, 8);

    // Step 18: close(), then term() blocks (LINGER -1) while its pipe holds 0 and 1.
    let v = view("z-hwm-drops", 18);
    assert_eq!(v.socket(0).unwrap().state, SocketState::Closed);
    let publisher = v.process("publisher").unwrap();
    assert_eq!((publisher.status, publisher.blocked_in.map(BlockedIn::name)), (ActorStatus::Blocked, Some("term")));

    // Step 19: the I/O thread took them (in flight): term() returned, the publisher is gone.
    let v = view("z-hwm-drops", 19);
    assert_eq!(v.process("publisher").unwrap().status, ActorStatus::Finished);
    assert_eq!(v.links[0].lanes[1].in_flight.data(), vec![0, 1]);
    assert_eq!(v.links[0].lanes[1].outbound.len, 0);
    assert_eq!(v.links[0].status, LinkStatus::PeerGone);

    // Step 20: both arrived in the SUB's inbound pipe.
    let v = view("z-hwm-drops", 20);
    assert_eq!(v.links[0].lanes[1].inbound.data(), vec![0, 1]);
    assert_eq!(v.links[0].lanes[1].in_flight.len, 0);
}

#[test]
fn a_long_queue_lists_its_first_frames_and_counts_the_rest() {
    let mut scenario = chapter("z-consumer-crash");
    if let ZmqActorSpec::Producer(p) = &mut scenario.actors[0] {
        p.messages = 40;
    }
    let mut sim = ZmqSim::new(&scenario).unwrap();
    let mut longest = 0;
    while sim.step() {
        let v = ZmqDiagramView::of(&sim);
        for lane in v.links.iter().flat_map(|l| l.lanes.iter()) {
            for q in [&lane.outbound, &lane.in_flight, &lane.inbound] {
                assert_eq!(q.shown.len(), q.len.min(QUEUE_SHOWN));
                assert_eq!(q.more(), q.len - q.shown.len());
                longest = longest.max(q.len);
            }
            if lane.inbound.len > QUEUE_SHOWN {
                // In queue order: consecutive payloads from the oldest.
                let first = lane.inbound.shown[0].data;
                assert_eq!(lane.inbound.data(), range(first, first + QUEUE_SHOWN as u32));
            }
        }
    }
    assert!(longest > QUEUE_SHOWN, "some queue grew past {QUEUE_SHOWN}: {longest}");
}

#[test]
fn inproc_has_no_io_thread_nothing_is_ever_in_flight() {
    let mut scenario = chapter("z-workload");
    scenario.transport = Transport::Inproc;
    let mut sim = ZmqSim::new(&scenario).unwrap();
    let mut arrived = 0;
    while sim.step() {
        let v = ZmqDiagramView::of(&sim);
        assert_eq!(v.transport, Transport::Inproc);
        assert_eq!(v.endpoint, "inproc://workload");
        assert_eq!(v.frames_at(Stage::InFlight), 0);
        arrived = arrived.max(v.frames_at(Stage::Inbound));
    }
    assert!(arrived > 0);
}

/// Every step of every chapter: the queues are the ledger's queued copies, the view is pure,
/// and what it refers to is shown.
#[test]
fn at_every_step_the_view_agrees_with_the_ledger() {
    for name in catalog::names() {
        let mut sim = ZmqSim::new(&chapter(name)).unwrap();
        let mut step = 0;
        loop {
            let v = ZmqDiagramView::of(&sim);
            assert_eq!(v, ZmqDiagramView::of(&sim.clone()), "{name} step {step}: pure");
            for stage in [Stage::Outbound, Stage::InFlight, Stage::Inbound] {
                let queued = sim.ledger().copies.iter().filter(|c| matches!(c.place, Place::Ready { .. }) && c.extra.stage == stage).count();
                assert_eq!(v.frames_at(stage), queued, "{name} step {step}: {stage:?}");
            }
            assert_eq!(v.processes.len(), sim.scenario().actors.len());
            for (index, p) in v.processes.iter().enumerate() {
                assert_eq!(p.actor, ActorId(index as u16));
                assert_eq!(p.blocked_in.is_some(), p.status == ActorStatus::Blocked, "{name} step {step}: {}", p.name);
                if let Some(socket) = p.socket {
                    assert!(v.socket(socket).is_some(), "{name} step {step}: {}'s socket is shown", p.name);
                }
            }
            for link in &v.links {
                assert!(v.socket(link.connecting).is_some() && link.binding.is_none_or(|b| v.socket(b).is_some()), "{name} step {step}: link {} ends shown", link.id);
                assert_eq!(link.lanes[0].from, Some(link.connecting));
                assert_eq!(link.lanes[1].to, Some(link.connecting));
            }
            assert!(v.sockets.windows(2).all(|w| w[0].id < w[1].id));
            if !sim.step() {
                break;
            }
            step += 1;
        }
    }
}

#[test]
fn a_partition_shows_the_link_cut_and_messages_stalled_in_flight() {
    let mut scenario = chapter("z-workload");
    scenario.faults = serde_json::from_str(
        r#"[{ "when": { "at_ms": 1200 }, "do": { "partition": ["producer", "consumer"] } },
            { "when": { "at_ms": 1400 }, "do": { "heal": ["producer", "consumer"] } }]"#,
    )
    .unwrap();
    let mut sim = ZmqSim::new(&scenario).unwrap();
    let (mut last_in_cut, mut up_after) = (None, false);
    while sim.step() {
        let v = ZmqDiagramView::of(&sim);
        let Some(link) = v.links.first() else { continue };
        let now_ms = v.now_us / 1000;
        if (1200..1400).contains(&now_ms) && link.binding.is_some() {
            assert_eq!(link.status, LinkStatus::Partitioned, "at {now_ms} ms");
            assert!(link.status.down());
            assert_eq!(link.lanes[1].inbound.len, 0, "nothing arrives across the cut");
            last_in_cut = Some((now_ms, link.lanes[1].outbound.data(), link.lanes[1].in_flight.data()));
        }
        if now_ms >= 1400 && link.status == LinkStatus::Up {
            up_after = true;
        }
    }
    assert!(up_after);
    // 50 ms apart, the sends of 1.2-1.4 s wait: the I/O thread still writes into the kernel's
    // buffers (in flight), nothing passes, nothing is lost; the last one is still in the pipe.
    assert_eq!(last_in_cut, Some((1358, vec![5], vec![2, 3, 4])));
    assert_eq!(sim.counts().processed_once, 10);
}
