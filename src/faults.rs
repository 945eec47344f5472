//! "Faults now": the faults the page offers at the current step, what each does, and, when
//! one cannot apply there, why not (in English and Chinese). Plain Rust over a world, so the
//! fault bar only renders it and native tests pin it; also the list of injected faults
//! (what, and when) the page shows with a remove button each.
//!
//! Invariant: an option is offered (`blocked == None`) only when its fault would change
//! something in the world shown: a crash needs a live target, a heal a cut, a poison a
//! callback with processing that can fail and a message still to publish.

use crate::systems::rabbitmq::broker::Broker;
use crate::engine::ids::{ActorId, NodeId};
use crate::systems::rabbitmq::trace::Endpoint;
use crate::systems::rabbitmq::Sim;
use crate::i18n::{label, Lang};
use crate::scenario::{ActorSpec, FaultAction, FaultSpec, Trigger};
use crate::session::{step_index, Session};

/// The node the fault bar's broker and network faults aim at.
const NODE: u8 = 0;

/// One button of the fault bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultOption {
    /// The label key (`crash_consumer`, ...), also the button's `data-fault`.
    pub key: &'static str,
    pub action: FaultAction,
    /// Why the fault cannot apply now (the button is disabled), if it cannot.
    pub blocked: Option<Blocked>,
    /// The broker node a node fault aims at, when the broker has several nodes (each node
    /// then has its own restart and crash buttons, labelled `rabbit@N`).
    pub node: Option<u8>,
}

impl FaultOption {
    /// The button's label.
    pub fn label(&self, lang: Lang) -> String {
        match (self.node, self.key) {
            (Some(node), "restart_broker" | "restart_node") => {
                if lang == Lang::En { format!("Restart rabbit@{node}") } else { format!("重启 rabbit@{node}") }
            }
            (Some(node), "crash_broker" | "crash_node") => {
                if lang == Lang::En { format!("Crash rabbit@{node}") } else { format!("rabbit@{node} 崩溃") }
            }
            _ => label(self.key, lang).to_string(),
        }
    }

    /// What the button does (its title while it can apply).
    pub fn what_it_does(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match (self.node, self.key) {
            (Some(node), "restart_broker" | "restart_node") => {
                if en {
                    format!("stop rabbit@{node} gracefully (rabbitmqctl stop); it starts again after the restart delay")
                } else {
                    format!("优雅地停止 rabbit@{node}（rabbitmqctl stop），在重启延迟后再次启动")
                }
            }
            (Some(node), "crash_broker" | "crash_node") => {
                if en {
                    format!("kill -9 rabbit@{node}'s broker process (its kernel resets every connection at once); it starts again after the restart delay")
                } else {
                    format!("kill -9 rabbit@{node} 的 broker 进程（内核立即重置它的所有连接），在重启延迟后再次启动")
                }
            }
            _ => what_it_does(self.key, lang).to_string(),
        }
    }

    /// A name unique within the fault bar (for element ids).
    pub fn id(&self) -> String {
        match self.node {
            Some(node) => format!("{}-{node}", self.key),
            None => self.key.to_string(),
        }
    }
}

/// Why a fault cannot apply at this step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// The actor is already down; `status` is its status name (`crashed`, `finished`, ...).
    ActorDown { actor: String, status: &'static str },
    NodeDown(u8),
    /// Nothing to heal: the link is not cut.
    NotCut { a: String, b: String },
    AlreadyCut { a: String, b: String },
    /// The producer has published every message it was to send: there is no next one.
    AllPublished { actor: String },
    /// The program has not started yet: nothing to crash, stop or cut.
    NotStarted { actor: String },
    /// No consumer's code has a `process()` that raises on a listed payload, so the code
    /// could not say why a poisoned message fails.
    NothingCanFail,
    /// Nothing to restart: the program is running.
    Running { actor: String },
    /// A request handler is not crashed here (what its callers do then is not modelled).
    Handler { actor: String },
    /// A synchronous request handler sends nothing to the broker: no frame to drop.
    NothingSent { actor: String },
}

impl Blocked {
    /// The reason as a sentence (the disabled button's title).
    pub fn text(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            Blocked::NotStarted { actor } => {
                if en {
                    format!("{actor} has not started yet")
                } else {
                    format!("{actor} 还没有启动")
                }
            }
            Blocked::ActorDown { actor, status } => {
                if en {
                    format!("{actor} is already down ({})", label(status, lang))
                } else {
                    format!("{actor} 已经不在运行（{}）", label(status, lang))
                }
            }
            Blocked::NodeDown(node) => {
                if en {
                    format!("rabbit@{node} is already down")
                } else {
                    format!("rabbit@{node} 已经停止")
                }
            }
            Blocked::NotCut { a, b } => {
                if en {
                    format!("the network between {a} and {b} is not cut: nothing to heal")
                } else {
                    format!("{a} 与 {b} 之间的网络没有被切断：无需恢复")
                }
            }
            Blocked::AlreadyCut { a, b } => {
                if en {
                    format!("the network between {a} and {b} is already cut")
                } else {
                    format!("{a} 与 {b} 之间的网络已经被切断")
                }
            }
            Blocked::AllPublished { actor } => {
                if en {
                    format!("{actor} has already published all its messages: there is no next one")
                } else {
                    format!("{actor} 已经发布了全部消息：没有下一条了")
                }
            }
            Blocked::Running { actor } => {
                if en {
                    format!("{actor} is running: nothing to restart")
                } else {
                    format!("{actor} 正在运行：无需重启")
                }
            }
            Blocked::Handler { actor } => {
                if en {
                    format!("{actor} is a request handler: what its callers would do while it is down is not modelled (crash a consumer instead)")
                } else {
                    format!("{actor} 是请求处理程序：它停机时调用方会怎么做没有建模（可以杀死一个消费者）")
                }
            }
            Blocked::NothingSent { actor } => {
                if en {
                    format!("{actor} does the work itself and sends nothing to the broker: there is no frame to drop")
                } else {
                    format!("{actor} 亲自处理，不向 broker 发送任何东西：没有可丢弃的帧")
                }
            }
            Blocked::NothingCanFail => {
                if en {
                    "no consumer's code has a process() that raises on a message it cannot handle, so a poison message could not fail there".to_string()
                } else {
                    "没有哪个消费者的代码有会对无法处理的消息抛出异常的 process()，所以毒消息在这里不会失败".to_string()
                }
            }
        }
    }
}

/// What a fault bar button does (its title while it can apply).
pub fn what_it_does(key: &str, lang: Lang) -> &'static str {
    let (en, zh) = match key {
        "crash_consumer" => ("kill the consumer now (SIGKILL): what it holds and has not finished is at stake", "立即杀死消费者（SIGKILL）：它持有但未处理完的消息将面临风险"),
        "crash_producer" => ("kill the producer now (SIGKILL): the messages it has not published yet are never sent", "立即杀死生产者（SIGKILL）：尚未发布的消息将不会被发送"),
        "restart_broker" => ("stop rabbit@0 gracefully (rabbitmqctl stop); it starts again after the restart delay", "优雅地停止 rabbit@0（rabbitmqctl stop），在重启延迟后再次启动"),
        "crash_broker" => ("kill -9 rabbit@0's broker process (its kernel resets every connection at once); it starts again after the restart delay", "kill -9 rabbit@0 的 broker 进程（内核立即重置它的所有连接），在重启延迟后再次启动"),
        "partition" => (
            "cut the network between the consumer and the node it connects to: nothing passes, and neither side notices until its heartbeat check gives up (at the default 60 s timeout: pika within about 2 minutes, the broker within 3)",
            "切断消费者与它所连接节点之间的网络：任何数据都无法通过，双方都要等到各自的心跳检查放弃时才会察觉（默认 60 秒超时下：pika 约 2 分钟内，broker 3 分钟内）",
        ),
        "heal" => (
            "heal the network between the consumer and its node: before a side gave up, the held frames go through and nobody sees an error",
            "恢复消费者与它所连接节点之间的网络：若双方都还没放弃，暂存的帧会继续送达，谁也不会看到错误",
        ),
        "drop_next" => (
            "lose the producer's next frame; the TCP connection then resets, and a producer without retry exits",
            "丢失生产者的下一帧；随后 TCP 连接被重置，没有重试逻辑的生产者会异常退出",
        ),
        "poison_next" => ("the producer's next message makes the consumer's processing fail", "生产者的下一条消息会让消费者的处理失败"),
        "crash_service" => (
            "kill the order service now (SIGKILL): the orders it has not committed are never placed; a dual write's order committed and not yet published never will be; with an outbox, the relay publishes every committed order",
            "立即杀死订单服务（SIGKILL）：尚未提交的订单永远不会生成；双写中已提交但尚未发布的订单永远不会被发布；有发件箱时，中继会发布每一个已提交的订单",
        ),
        "drop_next_relay" => (
            "lose the relay's next frame; the TCP connection then resets, the relay exits (or, with retries, connects again), and the row it was publishing stays in the outbox",
            "丢失中继的下一帧；随后 TCP 连接被重置，中继退出（有重试时重新连接），它正在发布的行留在发件箱里",
        ),
        "crash_relay" => (
            "kill the outbox relay now (SIGKILL): the row it is on stays in the outbox, and a restarted relay publishes it again",
            "立即杀死发件箱中继（SIGKILL）：它正在处理的行留在发件箱里，重启后的中继会再次发布它",
        ),
        "restart_relay" => ("start the relay's program again from the top: it reads the outbox and publishes what is there", "从头再次启动中继程序：它读取发件箱并发布其中的内容"),
        _ => ("", ""),
    };
    if lang == Lang::En {
        en
    } else {
        zh
    }
}

/// A program that is not running yet or any more: nothing to crash or cut. (Its next message
/// can still be dropped or poisoned before it starts.)
fn absent(sim: &Sim, actor: ActorId) -> Option<Blocked> {
    if sim.actors()[actor.index()].status == crate::systems::rabbitmq::world::ActorStatus::NotStarted {
        return Some(Blocked::NotStarted { actor: sim.setup().actors[actor.index()].name.clone() });
    }
    down(sim, actor)
}

fn down(sim: &Sim, actor: ActorId) -> Option<Blocked> {
    let status = sim.actors()[actor.index()].status;
    status.is_down().then(|| Blocked::ActorDown { actor: sim.setup().actors[actor.index()].name.clone(), status: crate::view::status_name(status) })
}

/// Has `producer` published (begun publishing) every message it was to send?
fn all_published(sim: &Sim, producer: ActorId) -> bool {
    match &sim.setup().actors[producer.index()].spec {
        ActorSpec::Producer(spec) => sim.actors()[producer.index()].messages().len() as u64 >= u64::from(spec.messages),
        _ => true,
    }
}

/// Can a consumer's callback fail? Only its processing (`Work`) checks for poison.
fn some_callback_can_fail(sim: &Sim) -> bool {
    sim.setup().actors.iter().any(|a| crate::systems::rabbitmq::program::lists_poison(&a.spec))
}

/// The fault bar for the world `sim` (the first consumer and producer are the targets).
pub fn options(sim: &Sim) -> Vec<FaultOption> {
    let setup = sim.setup();
    let first = |producer: bool| {
        let role = |spec: &ActorSpec| if producer { matches!(spec, ActorSpec::Producer(_)) } else { matches!(spec, ActorSpec::Consumer(_)) };
        setup.actors.iter().position(|a| role(&a.spec)).map(|i| (ActorId(i as u16), setup.actors[i].name.clone()))
    };
    let consumer = first(false);
    let producer = first(true);
    let nodes = sim.broker().nodes_up.len() as u8;
    let mut out = Vec::new();
    let mut push = |key, action, blocked| out.push(FaultOption { key, action, blocked, node: None });
    if let Some((id, name)) = &consumer {
        push("crash_consumer", FaultAction::Crash(name.clone()), absent(sim, *id));
    }
    // An order service (the transactions chapters) is named as one.
    let service = producer.as_ref().is_some_and(|(id, _)| matches!(&setup.actors[id.index()].spec, ActorSpec::Producer(p) if p.orders.is_some()));
    let handler = |id: ActorId| match &setup.actors[id.index()].spec {
        ActorSpec::Producer(p) => p.handler,
        _ => None,
    };
    if let Some((id, name)) = &producer {
        let blocked = if handler(*id).is_some() { Some(Blocked::Handler { actor: name.clone() }) } else { absent(sim, *id) };
        push(if service { "crash_service" } else { "crash_producer" }, FaultAction::Crash(name.clone()), blocked);
    }
    // The outbox's relay: killed, and started again (nothing else restarts it).
    if let Some(index) = setup.actors.iter().position(|a| matches!(a.spec, ActorSpec::Relay(_))) {
        let (id, name) = (ActorId(index as u16), setup.actors[index].name.clone());
        push("crash_relay", FaultAction::Crash(name.clone()), absent(sim, id));
        let restart = match sim.actors()[index].status {
            crate::systems::rabbitmq::world::ActorStatus::NotStarted => Some(Blocked::NotStarted { actor: name.clone() }),
            status if !status.is_down() => Some(Blocked::Running { actor: name.clone() }),
            _ => None,
        };
        push("restart_relay", FaultAction::Restart(name), restart);
    }
    // Every node of the broker can be restarted or crashed (rabbit@0 keeps the keys
    // `restart_broker` and `crash_broker`; with one node the labels say "broker").
    for n in 0..nodes.max(1) {
        let node_down = (!sim.broker().node_up(NodeId(n))).then_some(Blocked::NodeDown(n));
        let (restart, crash) = if n == NODE { ("restart_broker", "crash_broker") } else { ("restart_node", "crash_node") };
        let aim = (nodes > 1).then_some(n);
        out.push(FaultOption { key: restart, action: FaultAction::StopNode { node: n, restart: true }, blocked: node_down.clone(), node: aim });
        out.push(FaultOption { key: crash, action: FaultAction::CrashNode { node: n, restart: true }, blocked: node_down, node: aim });
    }
    let mut push = |key, action, blocked| out.push(FaultOption { key, action, blocked, node: None });
    if let Some((id, name)) = &consumer {
        // The link to the node it connects to (rabbit@2 in the quorum chapter).
        let home = setup.actors[id.index()].node;
        let node = format!("rabbit@{}", home.0);
        let cut = sim.network().is_partitioned(Endpoint::Actor(*id), Endpoint::Node(home));
        let link = || (name.clone(), node.clone());
        let partition = if cut {
            let (a, b) = link();
            Some(Blocked::AlreadyCut { a, b })
        } else {
            absent(sim, *id)
        };
        push("partition", FaultAction::Partition(name.clone(), node.clone()), partition);
        let heal = (!cut).then(|| {
            let (a, b) = link();
            Blocked::NotCut { a, b }
        });
        push("heal", FaultAction::Heal(name.clone(), node.clone()), heal);
    }
    if let Some((id, name)) = &producer {
        let node = format!("rabbit@{}", setup.actors[id.index()].node.0);
        let done = || all_published(sim, *id).then(|| Blocked::AllPublished { actor: name.clone() });
        // With an outbox the service has no connection: the relay's next frame is the one.
        let relay = setup.actors.iter().position(|a| matches!(a.spec, ActorSpec::Relay(_))).map(|i| (ActorId(i as u16), setup.actors[i].name.clone()));
        match relay.filter(|_| matches!(&setup.actors[id.index()].spec, ActorSpec::Producer(p) if p.orders == Some(crate::scenario::Orders::Outbox))) {
            Some((relay, relay_name)) => {
                let node = format!("rabbit@{}", setup.actors[relay.index()].node.0);
                push("drop_next_relay", FaultAction::DropNext { from: relay_name, to: node }, absent(sim, relay));
            }
            None if matches!(handler(*id), Some(crate::scenario::Handler::Inline { .. })) => {
                push("drop_next", FaultAction::DropNext { from: name.clone(), to: node.clone() }, Some(Blocked::NothingSent { actor: name.clone() }))
            }
            None => push("drop_next", FaultAction::DropNext { from: name.clone(), to: node.clone() }, down(sim, *id).or_else(done)),
        }
        let poison = if some_callback_can_fail(sim) { down(sim, *id).or_else(done) } else { Some(Blocked::NothingCanFail) };
        push("poison_next", FaultAction::PoisonNext(name.clone()), poison);
    }
    out
}

/// A fault as a short phrase ("Crash consumer", "Poison producer's next message").
pub fn fault_text(action: &FaultAction, lang: Lang) -> String {
    let en = lang == Lang::En;
    let pick = |e: String, z: String| if en { e } else { z };
    match action {
        FaultAction::Crash(a) => pick(format!("Crash {a}"), format!("杀死 {a}")),
        FaultAction::Stop(a) => pick(format!("Stop {a}"), format!("停止 {a}")),
        FaultAction::Cancel(a) => pick(format!("{a} cancels its subscription"), format!("{a} 取消订阅")),
        FaultAction::Restart(a) => pick(format!("Restart {a}"), format!("重启 {a}")),
        FaultAction::CrashNode { node, .. } => pick(format!("Crash rabbit@{node}"), format!("rabbit@{node} 崩溃")),
        FaultAction::StopNode { node, restart: true } => pick(format!("Restart rabbit@{node}"), format!("重启 rabbit@{node}")),
        FaultAction::StopNode { node, restart: false } => pick(format!("Stop rabbit@{node}"), format!("停止 rabbit@{node}")),
        FaultAction::StartNode(node) => pick(format!("Start rabbit@{node}"), format!("启动 rabbit@{node}")),
        FaultAction::Partition(a, b) => pick(format!("Cut the network {a} – {b}"), format!("切断 {a} 与 {b} 之间的网络")),
        FaultAction::Heal(a, b) => pick(format!("Heal the network {a} – {b}"), format!("恢复 {a} 与 {b} 之间的网络")),
        FaultAction::DropNext { from, to } => pick(format!("Drop the next frame {from} → {to}"), format!("丢弃 {from} → {to} 的下一帧")),
        FaultAction::DuplicateNext(a) => pick(format!("Duplicate {a}'s next publish"), format!("重复 {a} 的下一次发布")),
        FaultAction::PoisonNext(a) => pick(format!("Poison {a}'s next message"), format!("{a} 的下一条消息为毒消息")),
        FaultAction::Slow { actor, work_ms } => pick(format!("Slow {actor} to {work_ms} ms"), format!("{actor} 变慢为 {work_ms} 毫秒")),
    }
}

/// An injected fault as the page lists it: what, and when (step and simulated ms; `None`
/// for a trigger the run never reached or one tied to an operation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    pub action: FaultAction,
    pub step: Option<usize>,
    pub at_ms: Option<u64>,
}

/// The session's injected faults, in the order they were injected.
pub fn injected(session: &Session) -> Vec<Injected> {
    let ms_after = |step: usize| {
        let events = session.events_at(step);
        if events == 0 {
            0
        } else {
            u64::from(session.full_trace()[events - 1].at_ms)
        }
    };
    session
        .injected()
        .iter()
        .map(|f: &FaultSpec| {
            let (step, at_ms) = match f.when {
                Trigger::AtStep(step) if step_index(step) > session.len() => (None, None),
                Trigger::AtStep(step) => (Some(step_index(step)), Some(ms_after(step_index(step)))),
                Trigger::AtMs(ms) => (Some(session.step_at_time(ms)), Some(ms)),
                _ => (None, None),
            };
            Injected { action: f.action.clone(), step, at_ms }
        })
        .collect()
}

/// "step 12 · 2506 ms" / "第 12 步 · 2506 毫秒".
pub fn when_text(step: Option<usize>, at_ms: Option<u64>, lang: Lang) -> String {
    match (step, at_ms, lang) {
        (Some(s), Some(ms), Lang::En) => format!("step {s} · {ms} ms"),
        (Some(s), Some(ms), Lang::Zh) => format!("第 {s} 步 · {ms} 毫秒"),
        (_, _, Lang::En) => "not reached in this run".to_string(),
        (_, _, Lang::Zh) => "本次运行中未触发".to_string(),
    }
}

/// "The chapter's own faults (…): Crash consumer after consumer's 4th print(…); …", each
/// fault's action worded by `what` (the system's names for its nodes).
/// A fault the run never reached (`fired(index)` false at its end) says so.
pub fn chapter_faults_line(faults: &[FaultSpec], what: impl Fn(&FaultAction, Lang) -> String, fired: impl Fn(usize) -> bool, lang: Lang) -> String {
    let (colon, separator) = if lang == Lang::En { (": ", "; ") } else { ("：", "；") };
    let not_reached = if lang == Lang::En { " (not reached in this run)" } else { "（本次运行没有到达）" };
    let each: Vec<String> = faults
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{}{}", fault_with_trigger(&what(&f.action, lang), &f.when, lang), if fired(i) { "" } else { not_reached }))
        .collect();
    format!("{}{colon}{}", label("chapter_faults", lang), each.join(separator))
}

/// A fault and when it fires, in the order each language says it: "Crash consumer after
/// consumer's 4th print(…)", "在 consumer 第 4 次 print(…) 之后，杀死 consumer".
pub fn fault_with_trigger(what: &str, when: &Trigger, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{what} {}", trigger_text(when, lang)),
        Lang::Zh => format!("{}，{what}", trigger_text(when, lang)),
    }
}

/// When a fault fires, in words: a time, a step, or a point of a program.
pub fn trigger_text(trigger: &Trigger, lang: Lang) -> String {
    let en = lang == Lang::En;
    match trigger {
        Trigger::AtMs(ms) => if en { format!("at {ms} ms") } else { format!("于 {ms} 毫秒") },
        Trigger::AtStep(step) => if en { format!("at step {step}") } else { format!("于步骤 {step}") },
        Trigger::After { actor, op, occurrence } => {
            if en { format!("after {actor}'s {} {}", ordinal(*occurrence), op_words(op)) } else { format!("在 {actor} 第 {occurrence} 次 {} 之后", op_words(op)) }
        }
        Trigger::Before { actor, op, occurrence } => {
            if en { format!("before {actor}'s {} {}", ordinal(*occurrence), op_words(op)) } else { format!("在 {actor} 第 {occurrence} 次 {} 之前", op_words(op)) }
        }
    }
}

/// An operation of a program (kafka-python or pika) as its code line reads (the name a
/// scenario file uses otherwise).
fn op_words(op: &str) -> String {
    match op {
        "print_received" => "print(\" [x] Received …\")".into(),
        "print_sent" => "print(\" [x] Sent …\")".into(),
        "print_done" => "print(\" [x] Done …\")".into(),
        "commit" => "consumer.commit()".into(),
        "send" => "producer.send(…)".into(),
        "get" => "future.get(…)".into(),
        "work" => "time.sleep(…) (its processing)".into(),
        "poll" => "poll (for message in consumer)".into(),
        "basic_ack" => "ch.basic_ack(…)".into(),
        "basic_publish" => "channel.basic_publish(…)".into(),
        "basic_get" => "channel.basic_get(…)".into(),
        "db_commit" => "db.commit() (of an order)".into(),
        "print_saved" => "print(\" [x] Saved …\")".into(),
        "outbox_delete" => "db.commit() (of a deleted outbox row)".into(),
        "outbox_select" => "SELECT … FROM outbox".into(),
        other => other.to_string(),
    }
}

/// 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st, ...
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::catalog;

    fn blocked(session: &Session, key: &str) -> Option<Blocked> {
        options(session.world()).into_iter().find(|o| o.key == key).unwrap_or_else(|| panic!("no {key}")).blocked
    }

    #[test]
    fn the_outbox_relay_can_be_crashed_and_restarted_and_its_service_has_no_frame_to_drop() {
        let mut s = Session::new(catalog::get("outbox").unwrap(), vec![]).unwrap();
        assert_eq!(blocked(&s, "crash_relay"), Some(Blocked::NotStarted { actor: "relay".into() }));
        s.seek(40);
        assert_eq!(blocked(&s, "crash_relay"), None, "running");
        assert_eq!(blocked(&s, "restart_relay"), Some(Blocked::Running { actor: "relay".into() }));
        assert_eq!(blocked(&s, "drop_next_relay"), None, "the relay's frames can be dropped");
        assert!(options(s.world()).iter().all(|o| o.key != "drop_next"), "the service has no frame to drop");
        assert_eq!(blocked(&s, "crash_service"), None);
        // The chapter's own crash of the relay (after its 5th publish), before its restart.
        let crashed = s.full_trace().iter().position(|e| matches!(e.event, crate::systems::rabbitmq::trace::Event::ActorCrashed { actor } if actor.0 == 1)).unwrap();
        s.seek(s.step_of_event(crashed));
        assert_eq!(blocked(&s, "restart_relay"), None);
        assert_eq!(blocked(&s, "crash_relay"), Some(Blocked::ActorDown { actor: "relay".into(), status: "crashed" }));
        let article = Session::new(catalog::get("article").unwrap(), vec![]).unwrap();
        assert!(options(article.world()).iter().all(|o| !o.key.ends_with("_relay")), "no relay, no relay faults");
    }

    #[test]
    fn only_a_consumer_whose_code_lists_poison_can_be_poisoned() {
        // A callback that prints, or sleeps `# process(message)`, cannot raise as shown.
        for name in ["article", "consumer-crash-auto-ack"] {
            let session = Session::new(catalog::get(name).unwrap(), vec![]).unwrap();
            assert_eq!(blocked(&session, "poison_next"), Some(Blocked::NothingCanFail), "{name}");
        }
        assert!(Blocked::NothingCanFail.text(Lang::En).contains("process()"));
        let session = Session::new(catalog::get("poison-dead-letter").unwrap(), vec![]).unwrap();
        assert_eq!(blocked(&session, "poison_next"), None, "its process() raises on listed payloads");
    }

    #[test]
    fn at_the_end_of_the_article_what_is_down_or_done_is_blocked() {
        let mut s = Session::new(catalog::get("article").unwrap(), vec![]).unwrap();
        // At step 0 nothing has started: nothing to crash, but the next message can be dropped.
        assert_eq!(blocked(&s, "crash_producer"), Some(Blocked::NotStarted { actor: "producer".into() }));
        assert_eq!(blocked(&s, "crash_consumer"), Some(Blocked::NotStarted { actor: "consumer".into() }));
        assert_eq!(blocked(&s, "drop_next"), None);
        s.seek(s.step_at_time(600));
        assert_eq!(blocked(&s, "crash_producer"), None, "running");
        assert!(matches!(blocked(&s, "heal"), Some(Blocked::NotCut { .. })));
        s.seek(s.len());
        assert_eq!(blocked(&s, "crash_producer"), Some(Blocked::ActorDown { actor: "producer".into(), status: "finished" }));
        assert!(blocked(&s, "drop_next").is_some());
        // The article's consumer keeps consuming: it can still crash and be cut.
        assert_eq!(blocked(&s, "crash_consumer"), None);
        assert_eq!(blocked(&s, "partition"), None);
        assert_eq!(blocked(&s, "restart_broker"), None);
    }

    #[test]
    fn after_a_fault_its_button_is_blocked_and_the_repair_offered() {
        let mut s = Session::new(catalog::get("article").unwrap(), vec![]).unwrap();
        // A few steps after the consumer started (the producer ran alone before).
        s.seek(crate::tour::chapter("consumer").unwrap().opening_step(&s) + 3);
        s.inject(FaultAction::Partition("consumer".into(), "rabbit@0".into())).unwrap();
        s.step_forward();
        assert!(matches!(blocked(&s, "partition"), Some(Blocked::AlreadyCut { .. })));
        assert_eq!(blocked(&s, "heal"), None);
        // A cut resets nothing: neither end notices before its heartbeat check gives up, so
        // the consumer is still running and can still be crashed.
        assert_eq!(blocked(&s, "crash_consumer"), None);
        s.inject(FaultAction::CrashNode { node: 0, restart: true }).unwrap();
        assert_eq!(blocked(&s, "crash_broker"), Some(Blocked::NodeDown(0)));
        assert_eq!(blocked(&s, "restart_broker"), Some(Blocked::NodeDown(0)));
        // The article's producer ran first and has finished: nothing left to crash or drop.
        assert_eq!(blocked(&s, "crash_producer"), Some(Blocked::ActorDown { actor: "producer".into(), status: "finished" }));
        assert!(matches!(blocked(&s, "poison_next"), Some(Blocked::NothingCanFail)));
        assert!(matches!(blocked(&s, "drop_next"), Some(Blocked::ActorDown { .. })));
        let listed = injected(&s);
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|f| f.step.is_some() && f.at_ms.is_some()));
        assert!(listed.windows(2).all(|w| w[0].step <= w[1].step));
    }

    /// The quorum chapter runs three nodes: each can be restarted and crashed, and a node that
    /// is down blocks only its own buttons.
    #[test]
    fn every_node_of_a_cluster_can_be_restarted_and_crashed() {
        let mut s = Session::new(catalog::get("quorum-node-crash").unwrap(), vec![]).unwrap();
        let node_options = |s: &Session| {
            options(s.world()).into_iter().filter(|o| matches!(o.action, FaultAction::CrashNode { .. } | FaultAction::StopNode { .. })).collect::<Vec<_>>()
        };
        let all = node_options(&s);
        assert_eq!(all.len(), 6, "restart and crash for rabbit@0, rabbit@1 and rabbit@2");
        assert_eq!(all.iter().map(|o| o.node).collect::<Vec<_>>(), [Some(0), Some(0), Some(1), Some(1), Some(2), Some(2)]);
        assert_eq!(all[2].label(Lang::En), "Restart rabbit@1");
        assert_eq!(all[5].label(Lang::Zh), "rabbit@2 崩溃");
        assert!(all[3].what_it_does(Lang::En).contains("rabbit@1"));
        let ids: std::collections::BTreeSet<String> = options(s.world()).iter().map(FaultOption::id).collect();
        assert_eq!(ids.len(), options(s.world()).len(), "ids are unique");
        s.inject(FaultAction::CrashNode { node: 2, restart: true }).unwrap();
        s.step_forward();
        let after = node_options(&s);
        assert!(after.iter().all(|o| (o.node == Some(2)) == (o.blocked == Some(Blocked::NodeDown(2)))), "{after:?}");
        // One node: the buttons keep their broker labels.
        let article = Session::new(catalog::get("article").unwrap(), vec![]).unwrap();
        let single = node_options(&article);
        assert_eq!(single.len(), 2);
        assert_eq!(single[0].label(Lang::En), "Restart broker");
    }

    #[test]
    fn every_reason_and_description_is_in_both_languages() {
        let reasons = [
            Blocked::ActorDown { actor: "c".into(), status: "crashed" },
            Blocked::NodeDown(0),
            Blocked::NotCut { a: "c".into(), b: "rabbit@0".into() },
            Blocked::AlreadyCut { a: "c".into(), b: "rabbit@0".into() },
            Blocked::AllPublished { actor: "p".into() },
            Blocked::NothingCanFail,
        ];
        for r in reasons {
            assert!(!r.text(Lang::En).is_empty() && r.text(Lang::Zh).chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{r:?}");
        }
        let s = Session::new(catalog::get("consumer-crash-auto-ack").unwrap(), vec![]).unwrap();
        for o in options(s.world()) {
            assert!(!what_it_does(o.key, Lang::En).is_empty() && !what_it_does(o.key, Lang::Zh).is_empty(), "{}", o.key);
        }
        assert!(what_it_does("drop_next", Lang::En).contains("resets"));
    }
}
