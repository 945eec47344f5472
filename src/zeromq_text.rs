//! ZeroMQ in words: one past-tense sentence per `ZmqEvent` in English and Chinese (the
//! narration of the ZeroMQ page's event list and step line, in the style of `kafka_text`),
//! the ZeroMQ chapters of the tour with their titles, an opening narration and an outcome
//! computed from the run's own report, and the report's verdicts and causes in both languages.
//!
//! Invariants: every sentence names things as the page shows them (the actors' names, their
//! socket types `PUSH`/`PULL`/..., the endpoint, `{'data': i}`, the high-water marks); context
//! a sentence needs (why a send blocked, who noticed whose death, whether a request was done
//! before) is read from the trace and the run's world and never invented; an id the run does
//! not know prints `?`, and nothing here panics. An opening or outcome only states what the
//! run's report shows: a chapter's story is told with the numbers of the run on screen, and a
//! part of it the run did not show (a fault the learner removed, a drop that did not happen)
//! is not said. `cause_texts` (per row, with the run) and `cause_in` (one row, from its
//! English) say the report's causes in both languages; their English is the report's own text
//! (tests compare them), and `report.rs` is unchanged.
//!
//! Cost: a sentence reads at most the trace before its event, most only a short way back (the
//! program's current process, the request's life, a copy's receiver); an opening or outcome
//! reads the report and the trace a few times.

use crate::engine::ids::*;
use crate::i18n::Lang;
use crate::systems::zeromq::report::{ZmqReport, ZmqVerdict};
use crate::systems::zeromq::scenario::{SocketType, ZmqActorSpec, LAZY_PIRATE_TIMEOUT_MS_DEFAULT, NAIVE_POLL_MS_DEFAULT};
use crate::systems::zeromq::trace::{DropCause, Stage, ZmqError, ZmqEvent, ZmqTraceEntry};
use crate::systems::zeromq::world::{ActorStatus, RefusalReason, ZmqSim};

fn spec(sim: &ZmqSim, actor: ActorId) -> Option<&ZmqActorSpec> {
    sim.scenario().actors.get(actor.index())
}

fn actor_name(sim: &ZmqSim, actor: ActorId) -> String {
    spec(sim, actor).map_or_else(|| "?".into(), |a| a.name().to_string())
}

/// `PUSH`, ... for an actor's socket, `?` for an unknown actor.
fn socket_of(sim: &ZmqSim, actor: ActorId) -> &'static str {
    spec(sim, actor).map_or("?", |a| a.socket().constant())
}

/// `{'data': 3}` as Python prints the dict.
fn dict(data: u32) -> String {
    format!("{{'data': {data}}}")
}

fn data_of_message(sim: &ZmqSim, message: MessageId) -> Option<u32> {
    sim.ledger().messages.get(message.index()).map(|m| m.data)
}

fn message_of_copy(sim: &ZmqSim, copy: CopyId) -> Option<MessageId> {
    sim.ledger().copies.get(copy.index()).map(|c| c.message)
}

fn dict_of_message(sim: &ZmqSim, message: MessageId) -> String {
    data_of_message(sim, message).map_or_else(|| "?".into(), dict)
}

fn dict_of_copy(sim: &ZmqSim, copy: CopyId) -> String {
    message_of_copy(sim, copy).map_or_else(|| "?".into(), |m| dict_of_message(sim, m))
}

/// Seconds as the code writes them (`0.05`, `1`, `4`).
fn seconds(ms: u64) -> String {
    crate::systems::python::seconds(ms)
}

fn micros_of(entry: &ZmqTraceEntry) -> u64 {
    u64::from(entry.at_ms) * 1000 + u64::from(entry.micros)
}

/// The index of the actor's last `ActorStarted` before `index` (its current process).
fn process_start(trace: &[ZmqTraceEntry], index: usize, actor: ActorId) -> usize {
    trace[..index.min(trace.len())]
        .iter()
        .rposition(|e| matches!(e.event, ZmqEvent::ActorStarted { actor: a, .. } if a == actor))
        .unwrap_or(0)
}

/// How `actor`'s current process (as of `index`) has ended so far, if it has: killed, its
/// program ended, or (only its socket) closed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gone {
    Killed,
    Ended,
    Closed,
    Unknown,
}

fn how_gone(trace: &[ZmqTraceEntry], index: usize, actor: ActorId) -> Gone {
    let from = process_start(trace, index, actor);
    trace[from..index.min(trace.len())]
        .iter()
        .rev()
        .find_map(|e| match e.event {
            ZmqEvent::ActorCrashed { actor: a } if a == actor => Some(Gone::Killed),
            ZmqEvent::ActorFinished { actor: a } if a == actor => Some(Gone::Ended),
            ZmqEvent::SocketClosed { actor: a, .. } if a == actor => Some(Gone::Closed),
            _ => None,
        })
        .unwrap_or(Gone::Unknown)
}

/// Whether the binding `actor` has a connected peer (a pipe) just before `index`.
fn binder_has_peer(trace: &[ZmqTraceEntry], index: usize, actor: ActorId) -> bool {
    let from = process_start(trace, index, actor);
    let mut links: Vec<u16> = Vec::new();
    for e in &trace[from..index.min(trace.len())] {
        match e.event {
            ZmqEvent::ConnectionEstablished { peer, link, .. } if peer == actor => links.push(link),
            ZmqEvent::ConnectionLost { actor: a, peer, link } if a == actor || peer == actor => links.retain(|&l| l != link),
            _ => {}
        }
    }
    !links.is_empty()
}

/// Whether some socket is bound to the endpoint just before `index` (its process alive and
/// the socket not closed).
fn endpoint_bound(trace: &[ZmqTraceEntry], index: usize) -> bool {
    let mut bound: Option<ActorId> = None;
    for e in &trace[..index.min(trace.len())] {
        match e.event {
            ZmqEvent::SocketBound { actor, .. } => bound = Some(actor),
            ZmqEvent::ActorCrashed { actor } | ZmqEvent::SocketClosed { actor, .. } | ZmqEvent::ActorFinished { actor } if bound == Some(actor) => bound = None,
            _ => {}
        }
    }
    bound.is_some()
}

/// The client's `poll` timeout.
fn poll_timeout_ms(sim: &ZmqSim, actor: ActorId) -> u64 {
    match spec(sim, actor) {
        Some(ZmqActorSpec::Client(c)) => c.timeout_ms.unwrap_or(if c.lazy_pirate { LAZY_PIRATE_TIMEOUT_MS_DEFAULT } else { NAIVE_POLL_MS_DEFAULT }),
        _ => NAIVE_POLL_MS_DEFAULT,
    }
}

fn linger_ms(sim: &ZmqSim, actor: ActorId) -> i64 {
    match spec(sim, actor) {
        Some(ZmqActorSpec::Producer(p)) => p.linger_ms,
        _ => -1,
    }
}

/// The actor that received (held) `copy` before `index`, from the trace.
fn receiver_of(trace: &[ZmqTraceEntry], index: usize, copy: CopyId) -> Option<ActorId> {
    trace[..index.min(trace.len())].iter().rev().find_map(|e| match e.event {
        ZmqEvent::MessageReceived { actor, copy: c, .. } | ZmqEvent::MessageArrived { actor, copy: c } if c == copy => Some(actor),
        _ => None,
    })
}

/// The receiver killed with `copy` (dropped at `index`): the actor that received it, from
/// the trace shown or else the run's whole trace, else the last actor killed before it.
fn killed_receiver(trace: &[ZmqTraceEntry], index: usize, copy: CopyId, sim: &ZmqSim) -> Option<ActorId> {
    receiver_of(trace, index, copy).or_else(|| receiver_of(sim.trace(), sim.trace().len(), copy)).or_else(|| last_killed(trace, index))
}

/// The last actor killed before `index`.
fn last_killed(trace: &[ZmqTraceEntry], index: usize) -> Option<ActorId> {
    trace[..index.min(trace.len())].iter().rev().find_map(|e| match e.event {
        ZmqEvent::ActorCrashed { actor } => Some(actor),
        _ => None,
    })
}

/// The subscribers (SUB consumers) of the scenario, by name.
fn subscribers(sim: &ZmqSim) -> Vec<String> {
    sim.scenario().actors.iter().filter(|a| a.socket() == SocketType::Sub).map(|a| a.name().to_string()).collect()
}

/// A drop's cause, as a learner reads it after "lost: " (`DropCause::text` in English).
pub fn drop_cause_text(cause: DropCause, lang: Lang) -> &'static str {
    if lang == Lang::En {
        return cause.text();
    }
    match cause {
        DropCause::ReceiverCrashed => "它在崩溃的消费者的接收缓冲区里；ZeroMQ 没有确认机制，所以没有人会再发送它",
        DropCause::HeldByCrashedProcess => "收到它的程序还没处理完就被杀死了；ZeroMQ 没有确认机制",
        DropCause::SenderCrashed => "发送方进程被杀死时，它还排在发送方套接字的队列里",
        DropCause::PipeClosed => "它排在通往一个已死对端的管道里；绑定方套接字连同它一起关闭了这条管道",
        DropCause::PubHighWaterMark => "PUB 到达高水位时把它丢弃了（不报任何错误）",
        DropCause::NoSubscriber => "PUB 还没有它的订阅者：订阅还没有到达发布者（慢加入者）；PUB 静默丢弃",
        DropCause::SubscriberGone => "PUB 没有活着的订阅者：它的订阅者进程已不在，也没有新的订阅到达发布者；PUB 静默丢弃",
        DropCause::NotSubscribed => "没有订阅者订阅了与它匹配的前缀：PUB 把它过滤掉了（它本来就不是发给它们的）",
        DropCause::Linger0 => "它还在队列里时，LINGER 为 0 的 close() 把它丢弃了",
        DropCause::LingerExpired => "它还在队列里时，term() 的 LINGER 时间用完了",
    }
}

/// The exception's last line (as Python prints it; the same in both languages) and what it means.
pub fn error_text(error: ZmqError, lang: Lang) -> String {
    match (error, lang) {
        (ZmqError::Again, Lang::En) => format!("{} (EAGAIN: the send was not accepted)", error.text()),
        (ZmqError::Again, Lang::Zh) => format!("{}（EAGAIN：这次发送没有被接受）", error.text()),
        (ZmqError::Efsm, Lang::En) => format!("{} (EFSM: a REQ socket must receive the reply before it sends again)", error.text()),
        (ZmqError::Efsm, Lang::Zh) => format!("{}（EFSM：REQ 套接字必须先收到应答才能再次发送）", error.text()),
    }
}

/// A verdict as the report's table names it.
pub fn verdict_text(verdict: ZmqVerdict, lang: Lang) -> &'static str {
    let en = lang == Lang::En;
    match verdict {
        ZmqVerdict::ProcessedOnce => if en { "processed once" } else { "恰好处理一次" },
        ZmqVerdict::OutOfOrder => if en { "out of order" } else { "乱序" },
        ZmqVerdict::Duplicated => if en { "duplicated" } else { "重复" },
        ZmqVerdict::Lost => if en { "lost" } else { "丢失" },
        ZmqVerdict::NeverAccepted => if en { "never accepted (zmq.Again)" } else { "未被接受（zmq.Again）" },
        ZmqVerdict::StillQueued => if en { "still queued" } else { "仍在队列中" },
        ZmqVerdict::NeverSent => if en { "never sent" } else { "从未发送" },
        ZmqVerdict::Pending => if en { "pending" } else { "进行中" },
    }
}

/// The sentence for the event at `index` of `trace` (the run shown), with `sim` the run's
/// world (its scenario, ledger, refusals). Past tense, one sentence; empty past the end.
pub fn describe_at(trace: &[ZmqTraceEntry], index: usize, sim: &ZmqSim, lang: Lang) -> String {
    let Some(entry) = trace.get(index) else { return String::new() };
    let en = lang == Lang::En;
    let pick = |e: String, z: String| if en { e } else { z };
    let a = |actor: ActorId| actor_name(sim, actor);
    let s = |actor: ActorId| socket_of(sim, actor);
    let endpoint = sim.scenario().endpoint();
    use ZmqEvent::*;
    match entry.event {
        ActorStarted { actor, incarnation } if incarnation > 1 => pick(
            format!("{} started again: a new process (#{incarnation}) of the same program, on the same endpoint", a(actor)),
            format!("{} 重新启动：同一个程序的新进程（#{incarnation}），使用同一个端点", a(actor)),
        ),
        ActorStarted { actor, .. } => pick(format!("{} started", a(actor)), format!("{} 启动", a(actor))),
        SocketBound { actor, .. } => pick(
            format!("{}'s {} socket bound {endpoint}", a(actor), s(actor)),
            format!("{} 的 {} 套接字绑定了 {endpoint}", a(actor), s(actor)),
        ),
        SocketConnected { actor, .. } => {
            let from = process_start(trace, index, actor);
            let reopened = trace[from..index].iter().any(|e| matches!(e.event, SocketClosed { actor: x, .. } if x == actor));
            let bound = endpoint_bound(trace, index);
            let queues = spec(sim, actor).is_some_and(|x| x.socket().sends_messages());
            match (reopened, bound) {
                (true, _) => pick(
                    format!("{} opened a new {} socket and connected it to {endpoint}", a(actor), s(actor)),
                    format!("{} 打开了一个新的 {} 套接字，并把它连接到 {endpoint}", a(actor), s(actor)),
                ),
                (false, true) => pick(
                    format!("{}'s {} socket connected to {endpoint}: connect() returned at once, the TCP connection is made in the background", a(actor), s(actor)),
                    format!("{} 的 {} 套接字连接到 {endpoint}：connect() 立即返回，TCP 连接在后台建立", a(actor), s(actor)),
                ),
                (false, false) if queues => pick(
                    format!("{}'s {} socket connected to {endpoint}, which nobody has bound yet: connect() returned at once, and the socket already has a pipe that takes messages; it retries the connection every 100 ms", a(actor), s(actor)),
                    format!("{} 的 {} 套接字连接到还没有人绑定的 {endpoint}：connect() 立即返回，套接字已经有了一条可以接收消息的管道；它每 100 毫秒重试一次连接", a(actor), s(actor)),
                ),
                (false, false) => pick(
                    format!("{}'s {} socket connected to {endpoint}, which nobody has bound yet: connect() returned at once, and the socket retries the connection every 100 ms", a(actor), s(actor)),
                    format!("{} 的 {} 套接字连接到还没有人绑定的 {endpoint}：connect() 立即返回，套接字每 100 毫秒重试一次连接", a(actor), s(actor)),
                ),
            }
        }
        ConnectionEstablished { actor, peer, .. } => pick(
            format!("{}'s {} and {}'s {} finished the TCP connection and the ZeroMQ handshake: {} now has a pipe to {}, and queued messages can flow", a(actor), s(actor), a(peer), s(peer), a(peer), a(actor)),
            format!("{} 的 {} 与 {} 的 {} 完成了 TCP 连接和 ZeroMQ 握手：{} 现在有了一条通往 {} 的管道，排队的消息可以流动了", a(actor), s(actor), a(peer), s(peer), a(peer), a(actor)),
        ),
        SubscriptionArrived { actor, peer, .. } => {
            let prefix = match spec(sim, actor) {
                Some(ZmqActorSpec::Consumer(c)) => c.subscribe.clone(),
                _ => String::new(),
            };
            let (pe, pz) = if prefix.is_empty() { ("'' (everything)".to_string(), "''（全部消息）".to_string()) } else { (format!("'{prefix}'"), format!("'{prefix}'")) };
            pick(
                format!("{}'s subscription to {pe} reached {}: from now on its PUB sends {} the messages that match", a(actor), a(peer), a(actor)),
                format!("{} 对 {pz} 的订阅到达了 {}：从现在起，它的 PUB 会把匹配的消息发给 {}", a(actor), a(peer), a(actor)),
            )
        }
        ConnectionLost { actor, peer, .. } => {
            let binds = spec(sim, actor).is_some_and(|x| x.binds());
            let (why_en, why_zh) = match how_gone(trace, index, peer) {
                Gone::Killed => ("its process was killed", "它的进程被杀死了"),
                Gone::Ended => ("its program ended", "它的程序结束了"),
                Gone::Closed => ("its socket was closed", "它的套接字关闭了"),
                Gone::Unknown => ("its connection closed", "它的连接关闭了"),
            };
            if binds {
                pick(
                    format!("{} noticed that {} is gone ({why_en}): its {} closed the pipe to it", a(actor), a(peer), s(actor)),
                    format!("{} 发现 {} 已经不在了（{why_zh}）：它的 {} 关闭了通往对方的管道", a(actor), a(peer), s(actor)),
                )
            } else {
                pick(
                    format!("{} noticed that {} is gone ({why_en}): its {} keeps its pipe and tries to reconnect every 100 ms", a(actor), a(peer), s(actor)),
                    format!("{} 发现 {} 已经不在了（{why_zh}）：它的 {} 保留自己的管道，每 100 毫秒尝试重连一次", a(actor), a(peer), s(actor)),
                )
            }
        }
        MessageSent { actor, message, .. } => {
            let d = dict_of_message(sim, message);
            let blocked_ms = sim.send_blocked_us.get(message.index()).copied().unwrap_or(0) / 1000;
            let blocked = sim.send_blocked_us.get(message.index()).copied().unwrap_or(0) > 0;
            match spec(sim, actor).map(|x| x.socket()) {
                Some(SocketType::Pub) => pick(
                    format!("{} published {d}: send_json() returned", a(actor)),
                    format!("{} 发布了 {d}：send_json() 已返回", a(actor)),
                ),
                Some(SocketType::Req) => pick(
                    format!("{} sent the request {d} and waits for its reply", a(actor)),
                    format!("{} 发送了请求 {d}，等待它的应答", a(actor)),
                ),
                _ if blocked => pick(
                    format!("{}'s send_json({d}) returned after blocking {blocked_ms} ms: the message is in its {} socket's pipe", a(actor), s(actor)),
                    format!("{} 的 send_json({d}) 阻塞 {blocked_ms} 毫秒后返回：消息进入了它的 {} 套接字的管道", a(actor), s(actor)),
                ),
                _ => pick(
                    format!("{} sent {d}: send_json() returned, the message is in its {} socket's pipe", a(actor), s(actor)),
                    format!("{} 发送了 {d}：send_json() 已返回，消息进入了它的 {} 套接字的管道", a(actor), s(actor)),
                ),
            }
        }
        SendBlocked { actor, data, .. } => {
            let d = dict(data);
            let binds = spec(sim, actor).is_some_and(|x| x.binds());
            let hwm = spec(sim, actor).map_or(0, |x| x.sndhwm());
            if binds && !binder_has_peer(trace, index, actor) {
                pick(
                    format!("{}'s send_json({d}) blocked: its {} binds and no peer is connected, so it has no pipe to queue the message in", a(actor), s(actor)),
                    format!("{} 的 send_json({d}) 阻塞了：它的 {} 是绑定方，还没有对端连上来，所以没有可以排队的管道", a(actor), s(actor)),
                )
            } else {
                pick(
                    format!("{}'s send_json({d}) blocked: its pipe already holds SNDHWM = {hwm} messages", a(actor)),
                    format!("{} 的 send_json({d}) 阻塞了：它的管道里已经有 SNDHWM = {hwm} 条消息", a(actor)),
                )
            }
        }
        SendRaised { actor, data, error, .. } => {
            let d = dict(data);
            let name = match error {
                ZmqError::Again => "zmq.Again",
                ZmqError::Efsm => "zmq.ZMQError (EFSM)",
            };
            let refusal = sim.refusals.iter().find(|r| r.actor == actor && r.data == data);
            let (how_en, how_zh) = match refusal.map(|r| (r.reason, r.blocked_ms)) {
                Some((RefusalReason::NoPeer, ms)) if ms > 0 => (
                    format!("raised {name} after blocking SNDTIMEO = {ms} ms: no peer had connected, and a binding socket has no pipe without one"),
                    format!("阻塞 SNDTIMEO = {ms} 毫秒后抛出 {name}：一直没有对端连上来，而绑定方套接字没有对端就没有管道"),
                ),
                Some((RefusalReason::NoPeer, _)) => (
                    format!("raised {name} at once (NOBLOCK): no peer is connected, and a binding socket has no pipe without one"),
                    format!("立即抛出 {name}（NOBLOCK）：没有对端连上来，而绑定方套接字没有对端就没有管道"),
                ),
                Some((RefusalReason::HighWaterMark, _)) => {
                    let hwm = spec(sim, actor).map_or(0, |x| x.sndhwm());
                    (format!("raised {name}: its pipe already held SNDHWM = {hwm} messages"), format!("抛出 {name}：它的管道里已经有 SNDHWM = {hwm} 条消息"))
                }
                None => (format!("raised {name}"), format!("抛出 {name}")),
            };
            pick(
                format!("{}'s send_json({d}) {how_en}; the message was never accepted: not lost, never sent", a(actor)),
                format!("{} 的 send_json({d}) {how_zh}；这条消息从未被接受：不算丢失，而是从未发送", a(actor)),
            )
        }
        MessageArrived { actor, copy } => pick(
            format!("{} reached {}'s {} socket (its receive pipe); the program has not read it yet", dict_of_copy(sim, copy), a(actor), s(actor)),
            format!("{} 到达了 {} 的 {} 套接字（它的接收管道）；程序还没有读取它", dict_of_copy(sim, copy), a(actor), s(actor)),
        ),
        MessageReceived { actor, copy, .. } => match spec(sim, actor).map(|x| x.socket()) {
            Some(SocketType::Rep) => pick(
                format!("{}'s recv_json() returned the request {}", a(actor), dict_of_copy(sim, copy)),
                format!("{} 的 recv_json() 返回了请求 {}", a(actor), dict_of_copy(sim, copy)),
            ),
            _ => pick(
                format!("{}'s recv_json() returned {}", a(actor), dict_of_copy(sim, copy)),
                format!("{} 的 recv_json() 返回了 {}", a(actor), dict_of_copy(sim, copy)),
            ),
        },
        ReceivedPrinted { actor, message, effect, .. } => {
            let d = dict_of_message(sim, message);
            if effect {
                pick(format!("{} printed “ [x] Received {d}”", a(actor)), format!("{} 打印了“ [x] Received {d}”", a(actor)))
            } else {
                pick(
                    format!("{} printed “ [x] Received {d}”: its work on the request begins", a(actor)),
                    format!("{} 打印了“ [x] Received {d}”：开始处理这个请求", a(actor)),
                )
            }
        }
        WorkDone { actor, message, .. } => {
            let d = dict_of_message(sim, message);
            // The request's earlier work: back to its first send (a request's life, not the run).
            let before = trace[..index]
                .iter()
                .rev()
                .take_while(|e| !matches!(e.event, MessageSent { message: m, .. } if m == message))
                .filter(|e| matches!(e.event, WorkDone { message: m, .. } if m == message))
                .count();
            if before == 0 {
                pick(format!("{} did the work for {d} and printed “ [x] Done {d}”", a(actor)), format!("{} 完成了 {d} 的工作，打印了“ [x] Done {d}”", a(actor)))
            } else {
                pick(
                    format!("{} did the work for {d} and printed “ [x] Done {d}”: the work for this request has now been done {} times", a(actor), before + 1),
                    format!("{} 完成了 {d} 的工作，打印了“ [x] Done {d}”：这个请求的工作至此已经做了 {} 次", a(actor), before + 1),
                )
            }
        }
        MessageSettled { copy } => {
            let d = dict_of_copy(sim, copy);
            match receiver_of(trace, index, copy) {
                Some(actor) => pick(
                    format!("{d} counts as processed by {} (its print is the effect); ZeroMQ sends no acknowledgement, so the sender never learns of it", a(actor)),
                    format!("{d} 算作已被 {} 处理（它的打印就是效果）；ZeroMQ 不发送任何确认，所以发送方永远不会知道", a(actor)),
                ),
                None => pick(format!("{d} counts as processed"), format!("{d} 算作已处理")),
            }
        }
        ReplySent { actor, data, .. } => pick(format!("{} sent the reply {}", a(actor), dict(data)), format!("{} 发送了应答 {}", a(actor), dict(data))),
        ReplyDropped { actor, data } => pick(
            format!("{}'s reply {} went nowhere: the client socket that asked is closed or gone, and REP drops it without an error", a(actor), dict(data)),
            format!("{} 的应答 {} 无处可去：发出请求的客户端套接字已经关闭或不在了，REP 静默丢弃它", a(actor), dict(data)),
        ),
        ReplyReceived { actor, data, .. } => pick(format!("{} received the reply {}", a(actor), dict(data)), format!("{} 收到了应答 {}", a(actor), dict(data))),
        PollTimedOut { actor, data, .. } => {
            let ms = poll_timeout_ms(sim, actor);
            pick(
                format!("{}'s poll({ms}) timed out: no reply to {} within {} s", a(actor), dict(data), seconds(ms)),
                format!("{} 的 poll({ms}) 超时了：{} 秒内没有收到 {} 的应答", a(actor), seconds(ms), dict(data)),
            )
        }
        Resent { actor, message, attempt, .. } => {
            let retries = match spec(sim, actor) {
                Some(ZmqActorSpec::Client(c)) => c.retries,
                _ => 0,
            };
            pick(
                format!("{} sent {} again on its new socket: attempt {attempt} of at most {retries} (REQUEST_RETRIES)", a(actor), dict_of_message(sim, message)),
                format!("{} 在新套接字上再次发送了 {}：第 {attempt} 次尝试，最多 {retries} 次（REQUEST_RETRIES）", a(actor), dict_of_message(sim, message)),
            )
        }
        GaveUp { actor, data, .. } => pick(
            format!("{} gave up on {}: it printed “ [!] Server seems to be offline, abandoning” and called sys.exit(1)", a(actor), dict(data)),
            format!("{} 放弃了 {}：打印“ [!] Server seems to be offline, abandoning”并调用 sys.exit(1)", a(actor), dict(data)),
        ),
        ErrorRaised { actor, error: ZmqError::Efsm, .. } => pick(
            format!("{}'s second send_json() on the same REQ socket raised {}; the exception ended the program", a(actor), error_text(ZmqError::Efsm, lang)),
            format!("{} 在同一个 REQ 套接字上第二次调用 send_json()，抛出了 {}；这个异常结束了程序", a(actor), error_text(ZmqError::Efsm, lang)),
        ),
        ErrorRaised { actor, error, .. } => pick(
            format!("{}'s call raised {}; the exception ended the program", a(actor), error_text(error, lang)),
            format!("{} 的调用抛出了 {}；这个异常结束了程序", a(actor), error_text(error, lang)),
        ),
        MessageDropped { copy, cause } => {
            let message = message_of_copy(sim, copy);
            let d = dict_of_copy(sim, copy);
            let producer = message.and_then(|m| sim.ledger().messages.get(m.index())).map(|m| m.producer);
            let sender = producer.map_or_else(|| "?".into(), a);
            match cause {
                DropCause::ReceiverCrashed => match killed_receiver(trace, index, copy, sim) {
                    Some(who) => {
                        let who = a(who);
                        pick(
                            format!("{d} was lost with {who}: it was in {who}'s receive pipe or TCP buffers; ZeroMQ has no acknowledgements, so nobody sends it again"),
                            format!("{d} 随 {who} 一起丢失了：它在 {who} 的接收管道或 TCP 缓冲区里；ZeroMQ 没有确认机制，所以没有人会再发送它"),
                        )
                    }
                    None => pick(
                        format!("{d} was lost: it was in the receive pipe or TCP buffers of the receiver that was killed; ZeroMQ has no acknowledgements, so nobody sends it again"),
                        format!("{d} 丢失了：它在被杀死的接收方的接收管道或 TCP 缓冲区里；ZeroMQ 没有确认机制，所以没有人会再发送它"),
                    ),
                },
                DropCause::HeldByCrashedProcess => match killed_receiver(trace, index, copy, sim) {
                    Some(who) => {
                        let who = a(who);
                        pick(
                            format!("{d} was lost with {who}: its program had received it and was killed before it finished with it; ZeroMQ has no acknowledgements"),
                            format!("{d} 随 {who} 一起丢失了：它的程序已经收到了它，却在处理完之前被杀死；ZeroMQ 没有确认机制"),
                        )
                    }
                    None => pick(
                        format!("{d} was lost: the program that had received it was killed before it finished with it; ZeroMQ has no acknowledgements"),
                        format!("{d} 丢失了：收到它的程序还没处理完就被杀死了；ZeroMQ 没有确认机制"),
                    ),
                },
                DropCause::SenderCrashed => pick(
                    format!("{d} was lost: it was still queued in {sender}'s socket when {sender}'s process was killed"),
                    format!("{d} 丢失了：{sender} 的进程被杀死时，它还排在 {sender} 的套接字队列里"),
                ),
                DropCause::PipeClosed => pick(
                    format!("{d} was lost: it was queued in the pipe to a peer that died, and the binding socket closed that pipe with it"),
                    format!("{d} 丢失了：它排在通往一个已死对端的管道里，绑定方套接字连同它一起关闭了这条管道"),
                ),
                DropCause::PubHighWaterMark => {
                    let hwm = producer.and_then(|p| spec(sim, p)).map_or(0, |x| x.sndhwm());
                    let subs = subscribers(sim);
                    let (to_en, to_zh) = if subs.len() == 1 { (subs[0].clone(), subs[0].clone()) } else { ("a subscriber".to_string(), "一个订阅者".to_string()) };
                    pick(
                        format!("{sender}'s PUB dropped {d}: its pipe to {to_en} already held SNDHWM = {hwm} messages that the I/O thread had not taken yet; no error, no zmq.Again"),
                        format!("{sender} 的 PUB 丢弃了 {d}：它通往 {to_zh} 的管道里已经有 SNDHWM = {hwm} 条 I/O 线程还没取走的消息；没有报错，也没有 zmq.Again"),
                    )
                }
                DropCause::NoSubscriber => pick(
                    format!("{sender}'s PUB dropped {d}: no subscription had reached it yet (the slow joiner); PUB drops without an error"),
                    format!("{sender} 的 PUB 丢弃了 {d}：还没有任何订阅到达它（慢加入者）；PUB 丢弃时不报任何错误"),
                ),
                DropCause::SubscriberGone => pick(
                    format!("{sender}'s PUB dropped {d}: its subscriber's process is gone and no new subscription has reached it; PUB drops without an error"),
                    format!("{sender} 的 PUB 丢弃了 {d}：它的订阅者进程已不在，也没有新的订阅到达它；PUB 丢弃时不报任何错误"),
                ),
                DropCause::NotSubscribed => pick(
                    format!("{sender}'s PUB filtered out {d}: no subscriber's prefix matches it (it was never meant for them)"),
                    format!("{sender} 的 PUB 过滤掉了 {d}：没有订阅者的前缀与它匹配（它本来就不是发给它们的）"),
                ),
                DropCause::Linger0 => pick(
                    format!("close() with LINGER 0 threw {d} away: it was still queued in {sender}'s socket"),
                    format!("LINGER 为 0 的 close() 丢弃了 {d}：它还排在 {sender} 的套接字队列里"),
                ),
                DropCause::LingerExpired => {
                    let linger = producer.map_or(-1, |p| linger_ms(sim, p));
                    pick(
                        format!("LINGER ({linger} ms) ran out at term() with {d} still queued in {sender}'s socket: it was thrown away"),
                        format!("term() 时 LINGER（{linger} 毫秒）用完了，{d} 还排在 {sender} 的套接字队列里：它被丢弃了"),
                    )
                }
            }
        }
        SocketClosed { actor, .. } => match spec(sim, actor) {
            Some(ZmqActorSpec::Client(_)) => pick(
                format!("{} set LINGER 0 and closed its REQ socket: the request is dropped if it is still queued", a(actor)),
                format!("{} 把 LINGER 设为 0 并关闭了它的 REQ 套接字：如果请求还在队列里，就会被丢弃", a(actor)),
            ),
            _ => {
                let linger = linger_ms(sim, actor);
                if linger == 0 {
                    pick(
                        format!("{} called socket.close() with LINGER 0: whatever is still queued is thrown away", a(actor)),
                        format!("{} 以 LINGER 0 调用了 socket.close()：还在队列里的消息都会被丢弃", a(actor)),
                    )
                } else if linger < 0 {
                    pick(
                        format!("{} called socket.close(): with LINGER -1 (the default) what is still queued is kept, and context.term() waits for it", a(actor)),
                        format!("{} 调用了 socket.close()：LINGER 为 -1（默认值）时，还在队列里的消息会被保留，context.term() 会等待它们", a(actor)),
                    )
                } else {
                    pick(
                        format!("{} called socket.close(): with LINGER {linger} what is still queued is kept for at most {linger} ms", a(actor)),
                        format!("{} 调用了 socket.close()：LINGER 为 {linger} 时，还在队列里的消息最多保留 {linger} 毫秒", a(actor)),
                    )
                }
            }
        },
        TermBlocked { actor, .. } => {
            let linger = linger_ms(sim, actor);
            if linger > 0 {
                pick(
                    format!("{}'s context.term() is waiting: messages are still queued, and LINGER {linger} keeps them for at most {linger} ms", a(actor)),
                    format!("{} 的 context.term() 在等待：还有消息在队列里，LINGER {linger} 最多保留它们 {linger} 毫秒", a(actor)),
                )
            } else {
                pick(
                    format!("{}'s context.term() is waiting: messages are still queued, and LINGER -1 keeps them until they are delivered (forever if no peer comes)", a(actor)),
                    format!("{} 的 context.term() 在等待：还有消息在队列里，LINGER -1 会一直保留它们直到送出（如果始终没有对端，就永远等下去）", a(actor)),
                )
            }
        }
        TermReturned { actor, .. } => {
            let from = process_start(trace, index, actor);
            let blocked = trace[from..index].iter().rev().find(|e| matches!(e.event, TermBlocked { actor: x, .. } if x == actor));
            match blocked {
                Some(b) => {
                    let waited = ms_text(micros_of(entry).saturating_sub(micros_of(b)));
                    let expired = trace[from..index].iter().any(|e| matches!(e.event, MessageDropped { cause: DropCause::LingerExpired, .. }));
                    if expired {
                        pick(
                            format!("{}'s context.term() returned after {waited} ms: LINGER ran out and what was still queued was thrown away", a(actor)),
                            format!("{} 的 context.term() 在 {waited} 毫秒后返回：LINGER 用完了，还在队列里的消息被丢弃", a(actor)),
                        )
                    } else {
                        pick(
                            format!("{}'s context.term() returned after waiting {waited} ms: its queued messages had been passed on", a(actor)),
                            format!("{} 的 context.term() 等待 {waited} 毫秒后返回：它排队的消息都已经交出去了", a(actor)),
                        )
                    }
                }
                None => pick(format!("{}'s context.term() returned at once", a(actor)), format!("{} 的 context.term() 立即返回", a(actor))),
            }
        }
        ActorFinished { actor } => {
            let from = process_start(trace, index, actor);
            let ending = trace[from..index].iter().rev().find_map(|e| match e.event {
                ErrorRaised { actor: x, .. } if x == actor => Some(true),
                GaveUp { actor: x, .. } if x == actor => Some(false),
                _ => None,
            });
            match ending {
                Some(true) => pick(
                    format!("{}'s program ended with the exception (Python printed its traceback)", a(actor)),
                    format!("{} 的程序因异常结束（Python 打印了 traceback）", a(actor)),
                ),
                Some(false) => pick(format!("{}'s program ended (sys.exit(1))", a(actor)), format!("{} 的程序结束了（sys.exit(1)）", a(actor))),
                None => pick(format!("{} reached its last line and exited", a(actor)), format!("{} 执行到最后一行并退出", a(actor))),
            }
        }
        ActorCrashed { actor } => pick(
            format!("{} was killed (SIGKILL): no close(), no term(); whatever its socket held is gone with it, and nobody gets an error", a(actor)),
            format!("{} 被杀死（SIGKILL）：没有 close()，也没有 term()；它的套接字里的一切随它一起消失，没有任何人收到错误", a(actor)),
        ),
        WorkSlowed { actor, work_ms } => pick(
            format!("{}'s work now takes {} s per message", a(actor), seconds(u64::from(work_ms))),
            format!("{} 现在每条消息要处理 {} 秒", a(actor), seconds(u64::from(work_ms))),
        ),
        Partitioned { actor, peer } => pick(
            format!("the network between {} and {} was cut: TCP stalls, nothing passes, and the cut itself loses nothing", a(actor), a(peer)),
            format!("{} 与 {} 之间的网络被切断：TCP 停滞，什么都过不去，但切断本身不会丢失任何消息", a(actor), a(peer)),
        ),
        Healed { actor, peer } => pick(
            format!("the network between {} and {} was restored: what waited in TCP flows again", a(actor), a(peer)),
            format!("{} 与 {} 之间的网络恢复了：在 TCP 中等待的数据又开始流动", a(actor), a(peer)),
        ),
        LimitReached { limit } => crate::i18n::limit_reached_text(limit, lang),
    }
}

/// A ZeroMQ chapter of the tour.
pub type ZmqChapter = crate::i18n::CatalogChapter;

/// The ZeroMQ chapters, in the catalog's (tour) order.
pub const ZMQ_CHAPTERS: &[ZmqChapter] = &[
    ZmqChapter { scenario: "z-workload", title_en: "ZeroMQ: the workload on PUSH/PULL", title_zh: "ZeroMQ：PUSH/PULL 上的基本流程" },
    ZmqChapter { scenario: "z-consumer-crash", title_en: "A consumer crash: no acks, no redelivery", title_zh: "消费者崩溃：没有确认，也没有重发" },
    ZmqChapter { scenario: "z-bind-vs-connect", title_en: "Bind versus connect", title_zh: "bind 与 connect" },
    ZmqChapter { scenario: "z-slow-joiner", title_en: "PUB/SUB: the slow joiner", title_zh: "PUB/SUB：慢加入者" },
    ZmqChapter { scenario: "z-hwm-drops", title_en: "PUB/SUB: drops at the high-water mark", title_zh: "PUB/SUB：高水位丢弃" },
    ZmqChapter { scenario: "z-req-hang", title_en: "REQ/REP: the client hangs", title_zh: "REQ/REP：客户端挂起" },
    ZmqChapter { scenario: "z-lazy-pirate", title_en: "Lazy Pirate: retries and duplicate work", title_zh: "Lazy Pirate：重试与重复工作" },
    ZmqChapter { scenario: "z-linger-0", title_en: "LINGER 0", title_zh: "LINGER 0" },
];

/// Why a report row has its verdict, as `ZmqReport::new` decides it (its `cause` string is
/// this in English).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    ProcessedOnce,
    OutOfOrder,
    Duplicated { effects: usize },
    Lost(Option<DropCause>),
    /// Where its live copy sits (`None`: held by a program).
    StillQueued(Option<Stage>),
    Pending,
    NoPeerAfterTimeout { ms: u64 },
    NoPeerNoblock,
    HighWaterMark { hwm: u32 },
    NeverSent(ActorStatus),
}

impl Why {
    fn text(self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            Why::ProcessedOnce => (if en { "processed once" } else { "恰好处理一次" }).into(),
            Why::OutOfOrder => (if en { "processed once, after a later message of the same sender" } else { "处理了一次，但在同一发送方更晚的消息之后" }).into(),
            Why::Duplicated { effects } => if en {
                format!("duplicated: the work was done {effects} times: the Lazy Pirate client sent the request again after a timeout, and the server did the work for each copy it received (request/reply with retries is at-least-once)")
            } else {
                format!("重复：这项工作做了 {effects} 次：Lazy Pirate 客户端超时后再次发送了请求，服务端对收到的每一份都做了这项工作（带重试的请求/应答是至少一次）")
            },
            Why::Lost(cause) => match (cause, en) {
                (Some(c), true) => format!("lost: {}", c.text()),
                (Some(c), false) => format!("丢失：{}", drop_cause_text(c, lang)),
                (None, true) => "lost: it disappeared".into(),
                (None, false) => "丢失：它消失了".into(),
            },
            Why::StillQueued(stage) => (match (stage, en) {
                (Some(Stage::Outbound), true) => "still queued in the sender's pipe: no peer took it (with LINGER -1, term() waits for one forever)",
                (Some(Stage::Outbound), false) => "仍排在发送方的管道里：没有对端取走它（LINGER 为 -1 时，term() 会一直等下去）",
                (Some(Stage::InFlight), true) => "still in the TCP buffers between the sockets: nothing let it through",
                (Some(Stage::InFlight), false) => "仍在两个套接字之间的 TCP 缓冲区里：没有东西让它通过",
                (Some(Stage::Inbound), true) => "still queued in the receiver's pipe: its program never read it",
                (Some(Stage::Inbound), false) => "仍排在接收方的管道里：它的程序从未读取它",
                (None, true) => "still held by a program that never finished with it",
                (None, false) => "仍被一个程序持有，它始终没有处理完",
            })
            .into(),
            Why::Pending => (if en { "still on its way" } else { "仍在途中" }).into(),
            Why::NoPeerAfterTimeout { ms } => if en {
                format!("never accepted: send raised zmq.Again after SNDTIMEO ({ms} ms), no peer was connected (a binding socket has no pipe until a peer connects, so it queues nothing)")
            } else {
                format!("未被接受：SNDTIMEO（{ms} 毫秒）到时 send 抛出 zmq.Again，没有对端连上来（绑定方套接字在对端连上之前没有管道，所以什么也不排队）")
            },
            Why::NoPeerNoblock => (if en {
                "never accepted: send with NOBLOCK raised zmq.Again at once, no peer was connected (a binding socket has no pipe until a peer connects, so it queues nothing)"
            } else {
                "未被接受：使用 NOBLOCK 的 send 立即抛出 zmq.Again，没有对端连上来（绑定方套接字在对端连上之前没有管道，所以什么也不排队）"
            })
            .into(),
            Why::HighWaterMark { hwm } => if en {
                format!("never accepted: send raised zmq.Again, the pipe held SNDHWM = {hwm} messages already")
            } else {
                format!("未被接受：send 抛出 zmq.Again，管道里已经有 SNDHWM = {hwm} 条消息")
            },
            Why::NeverSent(status) => match (status, en) {
                (ActorStatus::Failed, true) => "never sent: the program ended with an exception (EFSM) before sending it".into(),
                (ActorStatus::Failed, false) => "从未发送：程序在发送它之前因异常（EFSM）结束了".into(),
                (ActorStatus::Crashed, true) => "never sent: the program was killed before sending it".into(),
                (ActorStatus::Crashed, false) => "从未发送：程序在发送它之前被杀死了".into(),
                (ActorStatus::Blocked, true) => "never sent: the program is still blocked in a send (this one's or an earlier one's) or a recv that nothing will complete".into(),
                (ActorStatus::Blocked, false) => "从未发送：程序仍阻塞在一次 send（这一条的或之前一条的）或 recv 上，再也没有什么能让它返回".into(),
                (_, true) => "never sent: the program gave up before sending it".into(),
                (_, false) => "从未发送：程序在发送它之前就放弃了".into(),
            },
        }
    }
}

/// Why each row of `report.messages` has its verdict, in the report's order: the run's
/// messages matched to the rows as `ZmqReport::new` builds them (per sender and payload, in
/// the ledger's order; then the refused sends; then the payloads never sent).
fn whys(report: &ZmqReport, sim: &ZmqSim) -> Vec<Why> {
    let ledger = sim.ledger();
    let scenario = sim.scenario();
    let mut used_message = vec![false; ledger.messages.len()];
    let mut used_refusal = vec![false; sim.refusals.len()];
    report
        .messages
        .iter()
        .map(|row| {
            let actor = scenario.actor_index(&row.producer).map(|i| ActorId(i as u16));
            match row.verdict {
                ZmqVerdict::NeverAccepted => {
                    let found = sim.refusals.iter().enumerate().find(|(i, r)| !used_refusal[*i] && Some(r.actor) == actor && r.data == row.data);
                    match found {
                        Some((i, r)) => {
                            used_refusal[i] = true;
                            match r.reason {
                                RefusalReason::NoPeer if r.blocked_ms > 0 => Why::NoPeerAfterTimeout { ms: r.blocked_ms },
                                RefusalReason::NoPeer => Why::NoPeerNoblock,
                                RefusalReason::HighWaterMark => Why::HighWaterMark { hwm: scenario.actors.get(r.actor.index()).map_or(0, |a| a.sndhwm()) },
                            }
                        }
                        None => Why::NoPeerNoblock,
                    }
                }
                ZmqVerdict::NeverSent => Why::NeverSent(actor.and_then(|a| sim.actors().get(a.index())).map_or(ActorStatus::Finished, |a| a.status)),
                verdict => {
                    let found = ledger.messages.iter().enumerate().position(|(i, m)| !used_message[i] && Some(m.producer) == actor && m.data == row.data);
                    if let Some(i) = found {
                        used_message[i] = true;
                    }
                    let message = found.map(|i| MessageId(i as u32));
                    match verdict {
                        ZmqVerdict::ProcessedOnce => Why::ProcessedOnce,
                        ZmqVerdict::OutOfOrder => Why::OutOfOrder,
                        ZmqVerdict::Duplicated => Why::Duplicated { effects: row.processed_by.len() },
                        ZmqVerdict::Lost => Why::Lost(message.and_then(|m| sim.drop_cause(m))),
                        ZmqVerdict::StillQueued => {
                            let live = message.and_then(|m| ledger.copies.iter().rfind(|c| c.message == m && c.place.is_live()));
                            Why::StillQueued(live.and_then(|c| matches!(c.place, crate::engine::ledger::Place::Ready { .. }).then_some(c.extra.stage)))
                        }
                        _ => Why::Pending,
                    }
                }
            }
        })
        .collect()
}

/// The cause of each row of `report.messages` (the report's `cause`), in `lang`; in English
/// it is the report's own text.
pub fn cause_texts(report: &ZmqReport, sim: &ZmqSim, lang: Lang) -> Vec<String> {
    whys(report, sim).into_iter().map(|w| w.text(lang)).collect()
}

fn list(data: &[u32]) -> String {
    data.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// `{'data': 4} to {'data': 9}` for a run of 3 or more, else `{'data': 0}, {'data': 1}`.
fn dicts(data: &[u32], lang: Lang) -> String {
    let contiguous = data.windows(2).all(|w| w[1] == w[0] + 1);
    match data {
        [] => String::new(),
        [first, .., last] if data.len() >= 3 && contiguous => {
            if lang == Lang::En { format!("{} to {}", dict(*first), dict(*last)) } else { format!("{} 到 {}", dict(*first), dict(*last)) }
        }
        _ => data.iter().map(|d| dict(*d)).collect::<Vec<_>>().join(if lang == Lang::En { ", " } else { "、" }),
    }
}

/// The outcome of a run, from its report: how many messages `send` accepted and how many
/// were processed once, then which payloads were duplicated, out of order, lost (by cause),
/// never accepted, never sent or still queued, each group with its cause.
pub fn outcome(report: &ZmqReport, lang: Lang) -> String {
    let en = lang == Lang::En;
    let c = &report.counts;
    let mut sentences: Vec<String> = Vec::new();
    let head = if en {
        format!("This run: {} accepted by send, {} processed once", c.published, c.processed_once)
    } else {
        format!("本次运行：send 接受了 {} 条，恰好处理一次 {} 条", c.published, c.processed_once)
    };
    let clean = report.messages.iter().all(|m| m.verdict == ZmqVerdict::ProcessedOnce);
    sentences.push(match (clean, en) {
        (true, true) => format!("{head}; nothing lost, nothing duplicated."),
        (true, false) => format!("{head}；没有丢失，没有重复。"),
        (false, true) => format!("{head}."),
        (false, false) => format!("{head}。"),
    });
    for m in report.messages.iter().filter(|m| m.verdict == ZmqVerdict::Duplicated) {
        sentences.push(if en {
            format!("Duplicated: {}, its work done {} times ({}).", m.data, m.processed_by.len(), m.processed_by.join(", "))
        } else {
            format!("重复：{}，工作做了 {} 次（{}）。", m.data, m.processed_by.len(), m.processed_by.join("、"))
        });
    }
    let out_of_order = report.data_with(ZmqVerdict::OutOfOrder);
    if !out_of_order.is_empty() {
        sentences.push(if en {
            format!("Out of order: {} (each processed after a later message of the same sender).", list(&out_of_order))
        } else {
            format!("乱序：{}（每条都在同一发送方更晚的消息之后才被处理）。", list(&out_of_order))
        });
    }
    // The other verdicts, grouped by their cause (the report's words, or their Chinese).
    let mut groups: Vec<(ZmqVerdict, String, Vec<u32>)> = Vec::new();
    for m in &report.messages {
        if matches!(m.verdict, ZmqVerdict::ProcessedOnce | ZmqVerdict::Duplicated | ZmqVerdict::OutOfOrder) {
            continue;
        }
        let cause = short_cause(&m.cause, m.verdict, lang);
        match groups.iter_mut().find(|(v, c, _)| *v == m.verdict && *c == cause) {
            Some((_, _, data)) => data.push(m.data),
            None => groups.push((m.verdict, cause, vec![m.data])),
        }
    }
    for (verdict, cause, data) in &groups {
        let name = capitalized(verdict_text(*verdict, lang));
        sentences.push(if en { format!("{name}: {} — {cause}.", list(data)) } else { format!("{name}：{}——{cause}。", list(data)) });
    }
    // Said once: when a lost message's own cause already says there are no acknowledgements,
    // it is not said again.
    let said = report.messages.iter().filter(|m| m.verdict == ZmqVerdict::Lost).all(|m| m.cause.contains("no acknowledgements"));
    if c.lost > 0 && !said {
        sentences.push((if en { "ZeroMQ has no acknowledgements and no redelivery: nobody sent the lost messages again." } else { "ZeroMQ 没有确认，也没有重发：没有人再次发送丢失的消息。" }).into());
    }
    if c.duplicated > 0 {
        sentences.push((if en { "Request/reply with retries is at-least-once: a retried request's work can run twice." } else { "带重试的请求/应答是至少一次：被重试的请求，其工作可能执行两次。" }).into());
    }
    sentences.join(if en { " " } else { "" })
}

/// A row's cause without its leading verdict (`lost: `, `never sent: `, `never accepted: `), in `lang`: the
/// report's English, or its Chinese by the same cause.
fn short_cause(cause_en: &str, verdict: ZmqVerdict, lang: Lang) -> String {
    let why = cause_of_text(cause_en, verdict);
    let text = match (why, lang) {
        (_, Lang::En) | (None, _) => cause_en.to_string(),
        (Some(w), Lang::Zh) => w.text(lang),
    };
    for prefix in ["lost: ", "never sent: ", "never accepted: ", "丢失：", "从未发送：", "未被接受："] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    text
}

/// The cause a report's English cause string says (the texts are distinct per cause).
fn cause_of_text(cause_en: &str, verdict: ZmqVerdict) -> Option<Why> {
    const DROPS: [DropCause; 10] = [
        DropCause::ReceiverCrashed,
        DropCause::HeldByCrashedProcess,
        DropCause::SenderCrashed,
        DropCause::PipeClosed,
        DropCause::PubHighWaterMark,
        DropCause::NoSubscriber,
        DropCause::NotSubscribed,
        DropCause::Linger0,
        DropCause::LingerExpired,
        DropCause::SubscriberGone,
    ];
    let mut candidates: Vec<Why> = vec![Why::ProcessedOnce, Why::OutOfOrder, Why::Lost(None), Why::StillQueued(None), Why::Pending, Why::NoPeerNoblock];
    candidates.extend(DROPS.iter().map(|&d| Why::Lost(Some(d))));
    candidates.extend([Stage::Outbound, Stage::InFlight, Stage::Inbound].map(|s| Why::StillQueued(Some(s))));
    candidates.extend([ActorStatus::Failed, ActorStatus::Crashed, ActorStatus::Blocked, ActorStatus::Finished].map(Why::NeverSent));
    if let Some(found) = candidates.into_iter().find(|w| w.text(Lang::En) == cause_en) {
        return Some(found);
    }
    // The causes with a number in them.
    let number = |text: &str| text.chars().filter(char::is_ascii_digit).collect::<String>().parse::<u64>().ok();
    match verdict {
        ZmqVerdict::Duplicated => number(cause_en).map(|n| Why::Duplicated { effects: n as usize }),
        ZmqVerdict::NeverAccepted if cause_en.contains("SNDTIMEO") => number(cause_en).map(|ms| Why::NoPeerAfterTimeout { ms }),
        ZmqVerdict::NeverAccepted => number(cause_en).map(|hwm| Why::HighWaterMark { hwm: hwm.min(u64::from(u32::MAX)) as u32 }),
        _ => None,
    }
    .filter(|w| w.text(Lang::En) == cause_en)
}

/// A report row's cause (`ZmqMessageReport::cause`) in `lang`: the report's own English, or
/// its Chinese (the English text if a cause were ever unknown here).
pub fn cause_in(row: &crate::systems::zeromq::report::ZmqMessageReport, lang: Lang) -> String {
    match (lang, cause_of_text(&row.cause, row.verdict)) {
        (Lang::Zh, Some(why)) => why.text(lang),
        _ => row.cause.clone(),
    }
}

/// What an opening reads from the run: who plays which part, and what happened.
struct Run<'a> {
    sim: &'a ZmqSim,
    report: &'a ZmqReport,
    trace: &'a [ZmqTraceEntry],
    en: bool,
    lang: Lang,
}

impl<'a> Run<'a> {
    fn pick(&self, e: String, z: String) -> String {
        if self.en { e } else { z }
    }

    /// The first actor of the scenario whose socket is `kind`.
    fn with_socket(&self, kind: SocketType) -> Option<(ActorId, &'a ZmqActorSpec)> {
        self.sim.scenario().actors.iter().enumerate().find(|(_, a)| a.socket() == kind).map(|(i, a)| (ActorId(i as u16), a))
    }

    fn sender(&self) -> Option<(ActorId, &'a ZmqActorSpec)> {
        self.sim.scenario().actors.iter().enumerate().find(|(_, a)| a.socket().sends_messages()).map(|(i, a)| (ActorId(i as u16), a))
    }

    fn receiver(&self) -> Option<(ActorId, &'a ZmqActorSpec)> {
        self.sim.scenario().actors.iter().enumerate().find(|(_, a)| !a.socket().sends_messages()).map(|(i, a)| (ActorId(i as u16), a))
    }

    fn name(&self, actor: Option<(ActorId, &ZmqActorSpec)>) -> String {
        actor.map_or_else(|| "?".into(), |(_, a)| a.name().to_string())
    }

    /// `producer's PUSH socket binds tcp://... and consumer's PULL socket connects to it`.
    fn topology(&self) -> String {
        let scenario = self.sim.scenario();
        let endpoint = scenario.endpoint();
        let binder = scenario.actors.get(scenario.binder());
        let others: Vec<String> = scenario.actors.iter().enumerate().filter(|(i, _)| *i != scenario.binder()).map(|(_, a)| format!("{}'s {}", a.name(), a.socket().constant())).collect();
        let others_zh: Vec<String> = scenario.actors.iter().enumerate().filter(|(i, _)| *i != scenario.binder()).map(|(_, a)| format!("{} 的 {}", a.name(), a.socket().constant())).collect();
        let (b, s) = binder.map_or(("?", "?"), |a| (a.name(), a.socket().constant()));
        self.pick(
            format!("{b}'s {s} socket binds {endpoint} and {} connects to it", others.join(" and ")),
            format!("{b} 的 {s} 套接字绑定 {endpoint}，{} 连接到它", others_zh.join("、")),
        )
    }

    fn data_with(&self, verdict: ZmqVerdict) -> Vec<u32> {
        self.report.data_with(verdict)
    }

    fn lost_by(&self, causes: &[DropCause]) -> Vec<u32> {
        let whys = whys(self.report, self.sim);
        self.report.messages.iter().zip(whys).filter(|(m, w)| m.verdict == ZmqVerdict::Lost && matches!(w, Why::Lost(Some(c)) if causes.contains(c))).map(|(m, _)| m.data).collect()
    }

    fn dicts(&self, data: &[u32]) -> String {
        dicts(data, self.lang)
    }

    /// `6 messages`.
    fn count(&self, n: usize) -> String {
        match (self.en, n) {
            (true, 1) => "1 message".into(),
            (true, n) => format!("{n} messages"),
            (false, n) => format!("{n} 条消息"),
        }
    }

    /// The index of the first event matching `f`.
    fn find(&self, f: impl Fn(&ZmqEvent) -> bool) -> Option<usize> {
        self.trace.iter().position(|e| f(&e.event))
    }

    fn crash_of(&self, actor: ActorId) -> Option<usize> {
        self.find(|e| matches!(e, ZmqEvent::ActorCrashed { actor: a } if *a == actor))
    }

    fn restart_of(&self, actor: ActorId) -> Option<usize> {
        self.find(|e| matches!(e, ZmqEvent::ActorStarted { actor: a, incarnation } if *a == actor && *incarnation > 1))
    }

    /// The payload the actor printed (` [x] Received`) last before `index`.
    fn last_received_before(&self, actor: ActorId, index: usize) -> Option<u32> {
        self.trace[..index].iter().rev().find_map(|e| match e.event {
            ZmqEvent::ReceivedPrinted { actor: a, message, .. } if a == actor => data_of_message(self.sim, message),
            _ => None,
        })
    }

    /// The payloads processed by a restarted process (`name#2`, ...).
    fn processed_by_restarted(&self) -> Vec<u32> {
        self.report.messages.iter().filter(|m| m.processed_by.iter().any(|p| p.contains('#'))).map(|m| m.data).collect()
    }

    fn us_between(&self, from: usize, to: usize) -> u64 {
        match (self.trace.get(from), self.trace.get(to)) {
            (Some(a), Some(b)) => micros_of(b).saturating_sub(micros_of(a)),
            _ => 0,
        }
    }

    fn ms_between(&self, from: usize, to: usize) -> u64 {
        self.us_between(from, to) / 1000
    }

    /// How long `actor`'s `context.term()` waited, if it blocked.
    fn term_wait_us(&self, actor: ActorId) -> Option<u64> {
        let blocked = self.find(|e| matches!(e, ZmqEvent::TermBlocked { actor: a, .. } if *a == actor))?;
        let returned = self.trace.iter().skip(blocked).position(|e| matches!(e.event, ZmqEvent::TermReturned { actor: a, .. } if a == actor))? + blocked;
        Some(self.us_between(blocked, returned))
    }

    /// The rows whose send blocked, with how long (ms).
    fn blocked_sends(&self) -> Vec<(u32, u64)> {
        self.report.messages.iter().filter_map(|m| m.send_blocked_ms.map(|ms| (m.data, ms))).collect()
    }
}

fn first_data(spec: &ZmqActorSpec) -> u32 {
    match spec {
        ZmqActorSpec::Producer(p) => p.first_data,
        ZmqActorSpec::Client(c) => c.first_data,
        _ => 0,
    }
}

/// `10 messages, {'data': 0} to {'data': 9}, 50 ms apart` (the producer's loop).
fn sends_phrase(run: &Run, spec: &ZmqActorSpec) -> String {
    let n = spec.messages();
    let first = first_data(spec);
    let data: Vec<u32> = (first..first.saturating_add(n)).collect();
    let (interval, burst) = match spec {
        ZmqActorSpec::Producer(p) => (p.interval_ms, p.interval_ms == 0),
        _ => (0, false),
    };
    let range = run.dicts(&data);
    match (run.en, burst) {
        (true, true) => format!("{}, {range}, back to back", run.count(n as usize)),
        (true, false) => format!("{}, {range}, {interval} ms apart", run.count(n as usize)),
        (false, true) => format!("{}（{range}），一条紧接一条", run.count(n as usize)),
        (false, false) => format!("{}（{range}），每 {interval} 毫秒一条", run.count(n as usize)),
    }
}

/// The chapter's opening narration, true of `report` (the chapter's run to its end, `sim`
/// its world): what the programs do and what this run shows, with its own numbers; a part of
/// the chapter's story the run did not show is not told (`outcome` says the rest).
pub fn opening(chapter: &ZmqChapter, sim: &ZmqSim, report: &ZmqReport, lang: Lang) -> String {
    let run = Run { sim, report, trace: sim.trace(), en: lang == Lang::En, lang };
    let mut text: Vec<String> = Vec::new();
    // A REQ client the learner switched between naive and Lazy Pirate is told as what it is.
    let lazy = matches!(run.with_socket(SocketType::Req), Some((_, ZmqActorSpec::Client(c))) if c.lazy_pirate);
    // The drop causes the chapter's story tells (`None`: it names every lost payload).
    let told: Option<&[DropCause]> = match chapter.scenario {
        "z-workload" => {
            workload(&run, &mut text);
            None
        }
        "z-consumer-crash" => {
            consumer_crash(&run, &mut text);
            Some(&[DropCause::ReceiverCrashed, DropCause::HeldByCrashedProcess])
        }
        "z-bind-vs-connect" => {
            bind_vs_connect(&run, &mut text);
            None
        }
        "z-slow-joiner" => {
            slow_joiner(&run, &mut text);
            Some(&[DropCause::NoSubscriber])
        }
        "z-hwm-drops" => {
            hwm_drops(&run, &mut text);
            Some(&[DropCause::PubHighWaterMark])
        }
        "z-req-hang" | "z-lazy-pirate" if !lazy => {
            req_hang(&run, &mut text);
            None
        }
        "z-req-hang" | "z-lazy-pirate" => {
            lazy_pirate(&run, &mut text);
            Some(&[])
        }
        "z-linger-0" => {
            linger_0(&run, &mut text);
            Some(&[DropCause::Linger0, DropCause::LingerExpired])
        }
        _ => {
            text.push(run.pick(format!("No broker: {}.", run.topology()), format!("没有 broker：{}。", run.topology())));
            Some(&[])
        }
    };
    // Losses the story does not tell (a fault the learner added): named, the outcome says why.
    if let Some(told) = told {
        let whys = whys(report, sim);
        let other: Vec<u32> = report.messages.iter().zip(whys).filter(|(m, w)| m.verdict == ZmqVerdict::Lost && !matches!(w, Why::Lost(Some(c)) if told.contains(c))).map(|(m, _)| m.data).collect();
        if !other.is_empty() {
            text.push(run.pick(format!("Also lost in this run: {}.", run.dicts(&other)), format!("这次运行中另外还丢失了：{}。", run.dicts(&other))));
        }
    }
    text.join(if run.en { " " } else { "" })
}

impl<'a> Run<'a> {
    /// The payloads someone printed (once or more).
    fn printed(&self) -> Vec<u32> {
        self.report.messages.iter().filter(|m| !m.processed_by.is_empty()).map(|m| m.data).collect()
    }

    /// `is` or `are` for `n` payloads.
    fn be(&self, n: usize) -> &'static str {
        if n == 1 { "is" } else { "are" }
    }

    fn start_gap_ms(&self, later: Option<(ActorId, &ZmqActorSpec)>, earlier: Option<(ActorId, &ZmqActorSpec)>) -> u64 {
        match (later, earlier) {
            (Some((_, l)), Some((_, e))) => l.start_ms().saturating_sub(e.start_ms()),
            _ => 0,
        }
    }

    /// `right after printing {'data': 3}` for a kill at `crash` by the actor's last print.
    fn after_printing(&self, actor: ActorId, crash: usize) -> Option<(String, String)> {
        let (print, line) = self.trace[..crash].iter().enumerate().rev().find_map(|(i, e)| match e.event {
            ZmqEvent::ReceivedPrinted { actor: a, message, .. } if a == actor => Some((i, format!(" [x] Received {}", dict_of_message(self.sim, message)))),
            ZmqEvent::WorkDone { actor: a, message, .. } if a == actor => Some((i, format!(" [x] Done {}", dict_of_message(self.sim, message)))),
            _ => None,
        })?;
        let us = self.us_between(print, crash);
        Some(if us <= 3_000 {
            (format!("right after printing “{line}”"), format!("在打印“{line}”之后立即"))
        } else {
            (format!("{} ms after printing “{line}”", ms_text(us)), format!("在打印“{line}”之后 {} 毫秒", ms_text(us)))
        })
    }
}

fn workload(run: &Run, text: &mut Vec<String>) {
    let producer = run.sender();
    let consumer = run.receiver();
    let (p, c) = (run.name(producer), run.name(consumer));
    text.push(run.pick(
        format!("No broker here: {}, so each message goes straight from one program's socket to the other's.", run.topology()),
        format!("这里没有 broker：{}，每条消息都从一个程序的套接字直接到达另一个程序的套接字。", run.topology()),
    ));
    if let Some((_, spec)) = producer {
        text.push(run.pick(format!("{p} sends {}.", sends_phrase(run, spec)), format!("{p} 发送 {}。", sends_phrase(run, spec))));
    }
    if let (Some(&(data, ms)), Some((_, spec))) = (run.blocked_sends().first(), producer) {
        let (call_en, call_zh) = if data == first_data(spec) { ("Its first send_json()".to_string(), "它的第一次 send_json()".to_string()) } else { (format!("send_json({})", dict(data)), format!("send_json({})", dict(data))) };
        let socket = spec.socket().constant();
        if spec.binds() {
            let gap = run.start_gap_ms(producer, consumer);
            let earlier = gap > 0 && consumer.is_some_and(|(_, c)| !c.binds());
            let (tail_en, tail_zh) = if earlier {
                (format!(", and {c}, which called connect() {} s before the bind, retries every 100 ms", seconds(gap)), format!("；{c} 在绑定之前 {} 秒就调用了 connect()，它每 100 毫秒重试一次", seconds(gap)))
            } else {
                (String::new(), String::new())
            };
            text.push(run.pick(
                format!("{call_en} blocked {ms} ms: a binding {socket} has no pipe until a peer connects{tail_en}."),
                format!("{call_zh} 阻塞了 {ms} 毫秒：绑定方的 {socket} 在对端连上之前没有管道{tail_zh}。"),
            ));
        } else {
            text.push(run.pick(format!("{call_en} blocked {ms} ms: its pipe was full (SNDHWM)."), format!("{call_zh} 阻塞了 {ms} 毫秒：它的管道满了（SNDHWM）。")));
        }
    }
    let counts = &run.report.counts;
    let all_once = counts.published > 0 && run.report.messages.iter().all(|m| m.verdict == ZmqVerdict::ProcessedOnce);
    if all_once {
        text.push(run.pick(format!("All {} were printed once, in order.", counts.published), format!("全部 {} 条都恰好打印了一次，而且按顺序。", counts.published)));
    } else {
        text.push(run.pick(
            format!("{} of the {} accepted were printed once.", counts.processed_once, counts.published),
            format!("被接受的 {} 条中，{} 条恰好打印了一次。", counts.published, counts.processed_once),
        ));
        let lost = run.data_with(ZmqVerdict::Lost);
        if !lost.is_empty() {
            text.push(run.pick(format!("Lost: {}.", run.dicts(&lost)), format!("丢失：{}。", run.dicts(&lost))));
        }
    }
}

fn consumer_crash(run: &Run, text: &mut Vec<String>) {
    let producer = run.sender();
    let consumer = run.receiver();
    let (p, c) = (run.name(producer), run.name(consumer));
    text.push(run.pick(format!("{}.", run.topology()), format!("{}。", run.topology())));
    if let (Some((_, ZmqActorSpec::Producer(ps))), Some((_, ZmqActorSpec::Consumer(cs)))) = (producer, consumer) {
        if cs.work_ms > 0 {
            let piles = cs.work_ms > ps.interval_ms;
            let (tail_en, tail_zh) = if piles { (format!(", so the messages pile up in {c}'s receive pipe"), format!("，于是消息堆积在 {c} 的接收管道里")) } else { (String::new(), String::new()) };
            text.push(run.pick(
                format!("{c} spends {} s on each message while {p} sends one every {} s{tail_en}.", seconds(cs.work_ms), seconds(ps.interval_ms)),
                format!("{c} 每条消息要处理 {} 秒，而 {p} 每 {} 秒就发送一条{tail_zh}。", seconds(cs.work_ms), seconds(ps.interval_ms)),
            ));
        }
    }
    let lost = run.lost_by(&[DropCause::ReceiverCrashed, DropCause::HeldByCrashedProcess]);
    let Some(crash) = consumer.and_then(|(a, _)| run.crash_of(a)) else {
        text.push(run.pick(format!("In this run {c} is not killed."), format!("这次运行中 {c} 没有被杀死。")));
        return;
    };
    let actor = consumer.map_or(ActorId(0), |(a, _)| a);
    let (when_en, when_zh) = run.after_printing(actor, crash).map_or((String::new(), String::new()), |(e, z)| (format!(" {e}"), z));
    let when_zh = format!(" {when_zh}");
    let sent_before = run.trace[..crash].iter().filter(|e| matches!(e.event, ZmqEvent::MessageSent { .. })).count();
    let published = run.report.counts.published as usize;
    let (all_en, all_zh) = if published > 0 && sent_before == published {
        (format!(", when {p} had already sent all {published}"), format!("，这时 {p} 已经把 {published} 条全部发出"))
    } else {
        (String::new(), String::new())
    };
    if lost.is_empty() {
        text.push(run.pick(
            format!("{c} is killed (SIGKILL){when_en}{all_en}; this time no message dies with it."),
            format!("{c}{when_zh}被杀死（SIGKILL）{all_zh}；这一次没有消息随它丢失。"),
        ));
    } else {
        text.push(run.pick(
            format!("{c} is killed (SIGKILL){when_en}{all_en}: {} ({}) die with it.", run.dicts(&lost), run.count(lost.len())),
            format!("{c}{when_zh}被杀死（SIGKILL）{all_zh}：{}（{}）随它一起丢失。", run.dicts(&lost), run.count(lost.len())),
        ));
        let restarted = run.processed_by_restarted();
        let (new_en, new_zh) = match (consumer.and_then(|(a, _)| run.restart_of(a)), restarted.is_empty()) {
            (Some(_), true) => (format!(", and the new {c} process gets nothing"), format!("，新的 {c} 进程什么也收不到")),
            (Some(_), false) => (format!(", and the new {c} process prints {}", run.dicts(&restarted)), format!("，新的 {c} 进程打印了 {}", run.dicts(&restarted))),
            (None, _) => (String::new(), String::new()),
        };
        text.push(run.pick(
            format!("ZeroMQ has no acknowledgements and no redelivery: {p} never learns, nobody gets an error{new_en}."),
            format!("ZeroMQ 没有确认，也没有重发：{p} 永远不会知道，也没有任何人收到错误{new_zh}。"),
        ));
    }
}

/// Milliseconds from microseconds as a learner reads them: `366` from 10 ms up (rounded
/// down), `2.4` below, `0.79` below 1 ms.
fn ms_text(us: u64) -> String {
    let trim = |t: String| t.trim_end_matches('0').trim_end_matches('.').to_string();
    if us >= 10_000 {
        (us / 1000).to_string()
    } else if us >= 1000 {
        trim(format!("{}.{}", us / 1000, (us % 1000) / 100))
    } else {
        trim(format!("0.{:02}", us / 10))
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

fn bind_vs_connect(run: &Run, text: &mut Vec<String>) {
    let producer = run.sender();
    let consumer = run.receiver();
    let (p, c) = (run.name(producer), run.name(consumer));
    let swapped = consumer.is_some_and(|(_, s)| s.binds());
    if swapped {
        text.push(run.pick(format!("Now the roles are swapped: {}.", run.topology()), format!("现在角色互换了：{}。", run.topology())));
    } else {
        text.push(run.pick(format!("{}.", run.topology()), format!("{}。", run.topology())));
    }
    let Some((p_id, p_spec)) = producer else { return };
    let socket = p_spec.socket().constant();
    if !p_spec.binds() {
        text.push(run.pick(
            format!("A connecting {socket} has its pipe as soon as connect() returns, and keeps it while its peer is away."),
            format!("连接方的 {socket} 在 connect() 返回时就有了自己的管道，对端不在时也一直保留它。"),
        ));
    }
    let Some((c_id, _)) = consumer else { return };
    if let Some(crash) = run.crash_of(c_id) {
        let (when_en, when_zh) = run.after_printing(c_id, crash).map_or((String::new(), String::new()), |(e, z)| (format!(" {e}"), z));
        let when_zh = format!(" {when_zh}");
        let restart = run.restart_of(c_id);
        let end = restart.unwrap_or(run.trace.len());
        let meanwhile: Vec<u32> = run.trace[crash..end]
            .iter()
            .filter_map(|e| match e.event {
                ZmqEvent::MessageSent { actor, message, .. } if actor == p_id => data_of_message(run.sim, message),
                _ => None,
            })
            .collect();
        let (restart_en, restart_zh) = match restart {
            Some(r) => (format!(", and a new {c} process starts {} s later", seconds(run.ms_between(crash, r))), format!("，{} 秒后新的 {c} 进程启动", seconds(run.ms_between(crash, r)))),
            None => (String::new(), String::new()),
        };
        text.push(run.pick(format!("{c} is killed (SIGKILL){when_en}{restart_en}."), format!("{c}{when_zh}被杀死（SIGKILL）{restart_zh}。")));
        if !meanwhile.is_empty() {
            let blocked = run.blocked_sends().iter().any(|(d, _)| meanwhile.contains(d));
            let (b_en, b_zh) = if blocked { ("", "") } else { (", and no send blocked", "，没有一次发送阻塞") };
            let waits = !p_spec.binds();
            if waits {
                text.push(run.pick(
                    format!("Meanwhile {p} sent {}: they wait in its pipe{b_en}.", run.dicts(&meanwhile)),
                    format!("在此期间 {p} 发送了 {}：它们在它的管道里等待{b_zh}。", run.dicts(&meanwhile)),
                ));
            } else {
                text.push(run.pick(format!("Meanwhile {p} sent {}.", run.dicts(&meanwhile)), format!("在此期间 {p} 发送了 {}。", run.dicts(&meanwhile))));
            }
        }
        let restarted = run.processed_by_restarted();
        if restart.is_some() {
            if restarted.is_empty() {
                text.push(run.pick(format!("The new {c} process prints nothing."), format!("新的 {c} 进程什么也没有打印。")));
            } else {
                text.push(run.pick(format!("The new {c} process prints {}.", run.dicts(&restarted)), format!("新的 {c} 进程打印了 {}。", run.dicts(&restarted))));
            }
        }
    }
    if let Some(us) = run.term_wait_us(p_id).filter(|_| linger_ms(run.sim, p_id) < 0) {
        let ms = ms_text(us);
        text.push(run.pick(
            format!("{p}'s context.term() waits {ms} ms until its queue is passed on (LINGER -1)."),
            format!("{p} 的 context.term() 等待了 {ms} 毫秒，直到它排队的消息都交了出去（LINGER -1）。"),
        ));
    }
    let lost = run.data_with(ZmqVerdict::Lost);
    if lost.is_empty() {
        text.push(run.pick("Nothing is lost.".into(), "没有丢失任何消息。".into()));
    } else {
        text.push(run.pick(format!("Lost: {}.", run.dicts(&lost)), format!("丢失：{}。", run.dicts(&lost))));
    }
}

fn slow_joiner(run: &Run, text: &mut Vec<String>) {
    let publisher = run.with_socket(SocketType::Pub);
    let subscriber = run.with_socket(SocketType::Sub);
    let (p, s) = (run.name(publisher), run.name(subscriber));
    let endpoint = run.sim.scenario().endpoint();
    let Some((_, p_spec)) = publisher else { return };
    let (warmup, interval) = match p_spec {
        ZmqActorSpec::Producer(x) => (x.warmup_ms, x.interval_ms),
        _ => (0, 0),
    };
    let (now_en, now_zh) = if warmup == 0 { (" right away", "立即") } else { ("", "") };
    text.push(run.pick(
        format!("{p}'s PUB binds {endpoint} and{now_en} publishes {}.", sends_phrase(run, p_spec)),
        format!("{p} 的 PUB 绑定 {endpoint}，{now_zh}发布 {}。", sends_phrase(run, p_spec)),
    ));
    let gap = run.start_gap_ms(subscriber, publisher);
    if gap > 0 {
        text.push(run.pick(
            format!("{s}'s process starts {} s later, connects and subscribes.", seconds(gap)),
            format!("{s} 的进程晚 {} 秒启动，然后连接并订阅。", seconds(gap)),
        ));
    }
    text.push(run.pick(
        "PUB sends a message only to the subscribers whose subscription has reached it, and drops it for the others without an error.".into(),
        "PUB 只把消息发给订阅已经到达它的订阅者，对其余的则静默丢弃，不报任何错误。".into(),
    ));
    let lost = run.lost_by(&[DropCause::NoSubscriber]);
    let first_publish = run.find(|e| matches!(e, ZmqEvent::MessageSent { .. }));
    let arrived = run.find(|e| matches!(e, ZmqEvent::SubscriptionArrived { .. }));
    if lost.is_empty() {
        text.push(run.pick(
            "This time no message was published before a subscription arrived: none was dropped for want of a subscriber.".into(),
            "这一次，在订阅到达之前没有发布任何消息：没有消息因为没有订阅者而被丢弃。".into(),
        ));
    } else {
        let (when_en, when_zh) = match (first_publish, arrived) {
            (Some(f), Some(a)) if a > f => (format!("{s}'s subscription arrived {} ms after the first publish: ", ms_text(run.us_between(f, a))), format!("{s} 的订阅在第一次发布之后 {} 毫秒才到达：", ms_text(run.us_between(f, a)))),
            _ => (String::new(), String::new()),
        };
        text.push(run.pick(
            format!("{when_en}{} ({}) {} dropped, silently.", run.dicts(&lost), run.count(lost.len()), if lost.len() == 1 { "was" } else { "were" }),
            format!("{when_zh}{}（{}）被静默丢弃。", run.dicts(&lost), run.count(lost.len())),
        ));
        let printed = run.printed();
        if !printed.is_empty() {
            text.push(run.pick(format!("{s} prints {}.", run.dicts(&printed)), format!("{s} 打印了 {}。", run.dicts(&printed))));
        }
    }
    if interval == 50 && gap > 0 {
        text.push(run.pick(
            "On real libzmq this race lost the first 2 to 5 messages.".into(),
            "在真实的 libzmq 上，这场竞争丢掉了最前面的 2 到 5 条消息。".into(),
        ));
    }
}

fn hwm_drops(run: &Run, text: &mut Vec<String>) {
    let publisher = run.with_socket(SocketType::Pub);
    let subscriber = run.with_socket(SocketType::Sub);
    let (p, s) = (run.name(publisher), run.name(subscriber));
    let Some((_, p_spec)) = publisher else { return };
    let hwm = p_spec.sndhwm();
    let (warmup, interval) = match p_spec {
        ZmqActorSpec::Producer(x) => (x.warmup_ms, x.interval_ms),
        _ => (0, 0),
    };
    let (wait_en, wait_zh) = if warmup > 0 { (format!(", waits {} s after binding", seconds(warmup)), format!("，绑定后等待 {} 秒", seconds(warmup))) } else { (String::new(), String::new()) };
    text.push(run.pick(
        format!("{p} sets SNDHWM = {hwm} on its PUB{wait_en}, then publishes {}.", sends_phrase(run, p_spec)),
        format!("{p} 把它的 PUB 的 SNDHWM 设为 {hwm}{wait_zh}，然后发布 {}。", sends_phrase(run, p_spec)),
    ));
    let first_publish = run.find(|e| matches!(e, ZmqEvent::MessageSent { .. }));
    let arrived = run.find(|e| matches!(e, ZmqEvent::SubscriptionArrived { .. }));
    if let (Some(f), Some(a)) = (first_publish, arrived) {
        if a < f {
            let work = match subscriber {
                Some((_, ZmqActorSpec::Consumer(c))) => c.work_ms,
                _ => 0,
            };
            let (slow_en, slow_zh) = if work > 0 { (format!(", and it is slow: {} s per message", seconds(work)), format!("，而且它很慢：每条消息 {} 秒", seconds(work))) } else { (String::new(), String::new()) };
            text.push(run.pick(format!("{s} is connected and subscribed by then{slow_en}."), format!("这时 {s} 已经连接并订阅{slow_zh}。")));
        }
    }
    let lost = run.lost_by(&[DropCause::PubHighWaterMark]);
    if lost.is_empty() {
        text.push(run.pick("This time nothing is dropped at the high-water mark.".into(), "这一次没有消息在高水位处被丢弃。".into()));
    } else {
        text.push(run.pick(
            format!("The burst outruns the I/O thread that empties the pipe: with {hwm} messages waiting in it, PUB drops {} ({}) silently, with no error and no zmq.Again.", run.dicts(&lost), run.count(lost.len())),
            format!("这一串连续发送比负责清空管道的 I/O 线程更快：管道里已有 {hwm} 条消息在等待，PUB 便静默丢弃了 {}（{}），没有报错，也没有 zmq.Again。", run.dicts(&lost), run.count(lost.len())),
        ));
        let printed = run.printed();
        if !printed.is_empty() {
            text.push(run.pick(format!("{s} prints {}.", run.dicts(&printed)), format!("{s} 打印了 {}。", run.dicts(&printed))));
        }
    }
    if interval == 0 && !lost.is_empty() {
        text.push(run.pick(
            "The drops come from the burst, not from a slow subscriber: with the tutorial's 50 ms between sends, real libzmq dropped nothing.".into(),
            "丢弃是这一串连续发送造成的，而不是慢订阅者造成的：按教程那样每 50 毫秒发送一条，真实的 libzmq 一条也没有丢弃。".into(),
        ));
    }
}

fn req_hang(run: &Run, text: &mut Vec<String>) {
    let client = run.with_socket(SocketType::Req);
    let server = run.with_socket(SocketType::Rep);
    let (cl, sv) = (run.name(client), run.name(server));
    let (Some((c_id, _)), Some((s_id, s_spec))) = (client, server) else { return };
    let timeout = poll_timeout_ms(run.sim, c_id);
    let work = match s_spec {
        ZmqActorSpec::Server(x) => x.work_ms,
        _ => 0,
    };
    text.push(run.pick(
        format!("{cl} sends each request on its REQ socket and waits for the reply with poll({timeout}); {sv}'s REP does {} s of work per request.", seconds(work)),
        format!("{cl} 在 REQ 套接字上发送每个请求，用 poll({timeout}) 等待应答；{sv} 的 REP 每个请求要做 {} 秒的工作。", seconds(work)),
    ));
    if let Some(crash) = run.crash_of(s_id) {
        if let Some(data) = run.last_received_before(s_id, crash) {
            let done = run.trace[..crash].iter().any(|e| matches!(e.event, ZmqEvent::WorkDone { actor, message, .. } if actor == s_id && data_of_message(run.sim, message) == Some(data)));
            let (work_en, work_zh) = if done { ("after doing its work", "工作已经做完") } else { ("before doing its work", "还没开始工作") };
            let (when_en, when_zh) = run.after_printing(s_id, crash).map_or((String::new(), String::new()), |(e, z)| (format!(" {e}"), z));
            text.push(run.pick(
                format!("{sv} is killed (SIGKILL){when_en}, {work_en}."),
                format!("{sv} {when_zh}被杀死（SIGKILL），{work_zh}。"),
            ));
            let redone = run.report.messages.iter().any(|m| m.data == data && m.processed_by.iter().any(|p| p.contains('#')));
            if run.restart_of(s_id).is_some() && !redone {
                text.push(run.pick(
                    format!("A new {sv} process starts, but it never sees {}: nothing sends the request again.", dict(data)),
                    format!("新的 {sv} 进程启动了，但它永远见不到 {}：没有任何程序会再次发送这个请求。", dict(data)),
                ));
            }
        }
    }
    let timed_out = run.find(|e| matches!(e, ZmqEvent::PollTimedOut { actor, .. } if *actor == c_id));
    let efsm = run.find(|e| matches!(e, ZmqEvent::ErrorRaised { actor, error: ZmqError::Efsm, .. } if *actor == c_id));
    if let Some(t) = timed_out {
        let (up_en, up_zh) = match server.and_then(|(a, _)| run.restart_of(a)) {
            Some(r) if r < t => (", although the new server process is up", "，尽管新的服务端进程已经起来了"),
            _ => ("", ""),
        };
        let (efsm_en, efsm_zh) = if efsm.is_some() {
            ("; its second send_json() on the same REQ socket raises EFSM, and the exception ends the program", "；它在同一个 REQ 套接字上第二次调用 send_json()，抛出 EFSM，这个异常结束了程序")
        } else {
            ("", "")
        };
        text.push(run.pick(
            format!("{cl}'s poll times out after {} s{up_en}{efsm_en}.", seconds(timeout)),
            format!("{cl} 的 poll 在 {} 秒后超时{up_zh}{efsm_zh}。", seconds(timeout)),
        ));
    }
    let lost = run.data_with(ZmqVerdict::Lost);
    let never = run.data_with(ZmqVerdict::NeverSent);
    let mut tail_en = Vec::new();
    let mut tail_zh = Vec::new();
    if !lost.is_empty() {
        tail_en.push(format!("{} {} lost", run.dicts(&lost), run.be(lost.len())));
        tail_zh.push(format!("{} 丢失", run.dicts(&lost)));
    }
    if !never.is_empty() {
        tail_en.push(format!("{} {} never sent", run.dicts(&never), run.be(never.len())));
        tail_zh.push(format!("{} 从未发送", run.dicts(&never)));
    }
    if !tail_en.is_empty() {
        text.push(run.pick(format!("{}.", capitalized(&tail_en.join(", and "))), format!("{}。", tail_zh.join("，"))));
    }
}

fn lazy_pirate(run: &Run, text: &mut Vec<String>) {
    let client = run.with_socket(SocketType::Req);
    let server = run.with_socket(SocketType::Rep);
    let (cl, sv) = (run.name(client), run.name(server));
    let (Some((c_id, c_spec)), Some((s_id, s_spec))) = (client, server) else { return };
    let timeout = poll_timeout_ms(run.sim, c_id);
    let retries = match c_spec {
        ZmqActorSpec::Client(x) => x.retries,
        _ => 0,
    };
    text.push(run.pick(
        format!("{cl} is the zguide's Lazy Pirate: it waits {} s for each reply; on a timeout it closes its REQ socket with LINGER 0, opens a new one and sends the request again, at most {retries} attempts in all.", seconds(timeout)),
        format!("{cl} 是 zguide 里的 Lazy Pirate 客户端：每个应答等待 {} 秒；超时后它以 LINGER 0 关闭 REQ 套接字，打开一个新的套接字，再次发送请求，总共最多尝试 {retries} 次。", seconds(timeout)),
    ));
    if let Some(crash) = run.crash_of(s_id) {
        let last_done = run.trace[..crash].iter().rev().find_map(|e| match e.event {
            ZmqEvent::WorkDone { actor, message, .. } if actor == s_id => data_of_message(run.sim, message),
            _ => None,
        });
        let last_received = run.last_received_before(s_id, crash);
        match (last_done, last_received) {
            (Some(done), _) if last_received == Some(done) => {
                let replied = run.trace[..crash].iter().any(|e| matches!(e.event, ZmqEvent::ReplySent { actor, data, .. } if actor == s_id && data == done));
                let delay = match s_spec {
                    ZmqActorSpec::Server(x) if x.reply_delay_ms > 0 && x.reply_delay_data.is_none_or(|d| d == done) => Some(x.reply_delay_ms),
                    _ => None,
                };
                if replied {
                    text.push(run.pick(format!("{sv} is killed (SIGKILL) after replying to {}.", dict(done)), format!("{sv} 在应答 {} 之后被杀死（SIGKILL）。", dict(done))));
                } else {
                    let (d_en, d_zh) = delay.map_or((String::new(), String::new()), |ms| (format!(" (it waits {} s before that reply)", seconds(ms)), format!("要等 {} 秒才发出应答", seconds(ms))));
                    text.push(run.pick(
                        format!("{sv} is killed (SIGKILL) after doing the work for {} but before replying{d_en}.", dict(done)),
                        format!("{sv} 做完 {} 的工作后{d_zh}，在应答之前被杀死（SIGKILL）。", dict(done)),
                    ));
                }
            }
            (_, Some(received)) => text.push(run.pick(
                format!("{sv} is killed (SIGKILL) after receiving {}, before finishing its work.", dict(received)),
                format!("{sv} 在收到 {} 之后、做完工作之前被杀死（SIGKILL）。", dict(received)),
            )),
            _ => text.push(run.pick(format!("{sv} is killed (SIGKILL)."), format!("{sv} 被杀死（SIGKILL）。"))),
        }
    }
    let resend = run.trace.iter().enumerate().find_map(|(i, e)| match e.event {
        ZmqEvent::Resent { actor, message, copy, .. } if actor == c_id => Some((i, copy, data_of_message(run.sim, message)?)),
        _ => None,
    });
    let resent = resend.map(|(_, _, data)| data);
    if let Some((at, copy, data)) = resend {
        // Who received the resent copy: the new server process if it started before.
        let received = run.trace.iter().skip(at).position(|e| matches!(e.event, ZmqEvent::MessageReceived { actor, copy: c, .. } if actor == s_id && c == copy)).map(|i| i + at);
        let (to_en, to_zh) = match (run.restart_of(s_id), received) {
            (Some(r), Some(got)) if r < got => (format!(", where the new {sv} process gets it"), format!("，新的 {sv} 进程收到了它")),
            _ => (String::new(), String::new()),
        };
        text.push(run.pick(format!("{cl} times out and sends {} again on a new socket{to_en}.", dict(data)), format!("{cl} 超时后在新的套接字上再次发送 {}{to_zh}。", dict(data))));
    }
    let duplicated: Vec<&crate::systems::zeromq::report::ZmqMessageReport> = run.report.messages.iter().filter(|m| m.verdict == ZmqVerdict::Duplicated).collect();
    for m in &duplicated {
        text.push(run.pick(
            format!("The work for {} is done {} times ({}).", dict(m.data), m.processed_by.len(), m.processed_by.join(", ")),
            format!("{} 的工作做了 {} 次（{}）。", dict(m.data), m.processed_by.len(), m.processed_by.join("、")),
        ));
    }
    if !duplicated.is_empty() {
        text.push(run.pick(
            "Retrying makes request/reply at-least-once: a request whose work was done but whose reply never came is done again.".into(),
            "重试让请求/应答变成至少一次：工作已经做完、但应答没有送达的请求，会被再做一次。".into(),
        ));
    } else if let Some(data) = resent {
        text.push(run.pick(format!("This time the work for {} is not done twice.", dict(data)), format!("这一次 {} 的工作没有做两次。", dict(data))));
    }
    if let Some(data) = run.trace.iter().find_map(|e| match e.event {
        ZmqEvent::GaveUp { actor, data, .. } if actor == c_id => Some(data),
        _ => None,
    }) {
        text.push(run.pick(format!("{cl} gives up on {}.", dict(data)), format!("{cl} 放弃了 {}。", dict(data))));
    }
}

fn linger_0(run: &Run, text: &mut Vec<String>) {
    let producer = run.sender();
    let consumer = run.receiver();
    let (p, c) = (run.name(producer), run.name(consumer));
    let endpoint = run.sim.scenario().endpoint();
    let Some((p_id, p_spec)) = producer else { return };
    let socket = p_spec.socket().constant();
    let accepted = run.report.counts.published;
    let connected = run.find(|e| matches!(e, ZmqEvent::SocketConnected { actor, .. } if *actor == p_id));
    if !p_spec.binds() && connected.is_some_and(|i| !endpoint_bound(run.trace, i)) {
        let (all_en, all_zh) = if run.report.never_accepted == 0 && accepted == p_spec.messages() {
            (format!(", so all {accepted} sends return"), format!("，所以 {accepted} 次发送全部返回"))
        } else {
            (format!("; {accepted} sends are accepted"), format!("；{accepted} 次发送被接受"))
        };
        text.push(run.pick(
            format!("{p}'s {socket} connects to {endpoint}, which nobody has bound yet: a connecting socket queues messages in its pipe without a peer{all_en}."),
            format!("{p} 的 {socket} 连接到还没有人绑定的 {endpoint}：连接方的套接字没有对端也会把消息排进自己的管道{all_zh}。"),
        ));
    } else {
        text.push(run.pick(format!("{}.", run.topology()), format!("{}。", run.topology())));
    }
    let linger = linger_ms(run.sim, p_id);
    let term_blocked = run.find(|e| matches!(e, ZmqEvent::TermBlocked { actor, .. } if *actor == p_id)).is_some();
    let term_returned = run.find(|e| matches!(e, ZmqEvent::TermReturned { actor, .. } if *actor == p_id)).is_some();
    let lost = run.lost_by(&[DropCause::Linger0]);
    if linger == 0 {
        let (at_once_en, at_once_zh) = if term_returned && !term_blocked { (", which both return at once", "，两者都立即返回") } else { ("", "") };
        let (drop_en, drop_zh) = if lost.is_empty() {
            (": nothing was still queued".to_string(), "：这时已经没有排队的消息".to_string())
        } else {
            (format!(": {} ({}), still queued, {} thrown away", run.dicts(&lost), run.count(lost.len()), if lost.len() == 1 { "is" } else { "are" }), format!("：还在排队的 {}（{}）被丢弃", run.dicts(&lost), run.count(lost.len())))
        };
        text.push(run.pick(
            format!("Then it calls socket.close() with LINGER 0 and context.term(){at_once_en}{drop_en}."),
            format!("然后它以 LINGER 0 调用 socket.close() 和 context.term(){at_once_zh}{drop_zh}。"),
        ));
    }
    let expired = run.lost_by(&[DropCause::LingerExpired]);
    if linger > 0 {
        let (drop_en, drop_zh) = if expired.is_empty() {
            (String::new(), String::new())
        } else {
            (format!("; it ran out with {} ({}) still queued, and they are thrown away", run.dicts(&expired), run.count(expired.len())), format!("；时间用完时 {}（{}）还在排队，于是被丢弃", run.dicts(&expired), run.count(expired.len())))
        };
        text.push(run.pick(
            format!("Then it calls socket.close() and context.term(): LINGER {linger} keeps what is queued for at most {linger} ms{drop_en}."),
            format!("然后它调用 socket.close() 和 context.term()：LINGER {linger} 最多把排队的消息保留 {linger} 毫秒{drop_zh}。"),
        ));
    } else if linger < 0 {
        if let Some(us) = run.term_wait_us(p_id) {
            text.push(run.pick(
                format!("Then it calls socket.close() and context.term(): with LINGER -1, term() waits {} ms, until its queue is passed on.", ms_text(us)),
                format!("然后它调用 socket.close() 和 context.term()：LINGER 为 -1 时，term() 等待了 {} 毫秒，直到它排队的消息都交了出去。", ms_text(us)),
            ));
        }
    }
    if let Some((_, c_spec)) = consumer {
        let gap = run.start_gap_ms(consumer, producer);
        let printed = run.printed();
        let verb = if c_spec.binds() { ("binds", "绑定") } else { ("connects", "连接") };
        let (what_en, what_zh) = if printed.is_empty() { ("gets nothing".to_string(), "什么也收不到".to_string()) } else { (format!("prints {}", run.dicts(&printed)), format!("打印了 {}", run.dicts(&printed))) };
        if gap > 0 {
            text.push(run.pick(format!("{c} {} {} s later and {what_en}.", verb.0, seconds(gap)), format!("{c} 晚 {} 秒{}，{what_zh}。", seconds(gap), verb.1)));
        } else {
            text.push(run.pick(format!("{c} {what_en}."), format!("{c}{what_zh}。")));
        }
    }
    if linger == 0 && !lost.is_empty() {
        text.push(run.pick(
            "With the default LINGER -1, term() waits for a peer instead: on real libzmq it waited about 1.1 s for the consumer, and all 10 messages arrived.".into(),
            "如果用默认的 LINGER -1，term() 会等待对端出现：在真实的 libzmq 上，它等了消费者约 1.1 秒，10 条消息全部送达。".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_is_read_back_from_its_english_text() {
        let mut all = vec![
            (Why::ProcessedOnce, ZmqVerdict::ProcessedOnce),
            (Why::OutOfOrder, ZmqVerdict::OutOfOrder),
            (Why::Duplicated { effects: 3 }, ZmqVerdict::Duplicated),
            (Why::Lost(None), ZmqVerdict::Lost),
            (Why::StillQueued(None), ZmqVerdict::StillQueued),
            (Why::Pending, ZmqVerdict::Pending),
            (Why::NoPeerAfterTimeout { ms: 200 }, ZmqVerdict::NeverAccepted),
            (Why::NoPeerNoblock, ZmqVerdict::NeverAccepted),
            (Why::HighWaterMark { hwm: 1000 }, ZmqVerdict::NeverAccepted),
        ];
        for cause in [
            DropCause::ReceiverCrashed, DropCause::HeldByCrashedProcess, DropCause::SenderCrashed, DropCause::PipeClosed, DropCause::PubHighWaterMark,
            DropCause::NoSubscriber, DropCause::NotSubscribed, DropCause::Linger0, DropCause::LingerExpired, DropCause::SubscriberGone,
        ] {
            all.push((Why::Lost(Some(cause)), ZmqVerdict::Lost));
        }
        for stage in [Stage::Outbound, Stage::InFlight, Stage::Inbound] {
            all.push((Why::StillQueued(Some(stage)), ZmqVerdict::StillQueued));
        }
        for status in [ActorStatus::Failed, ActorStatus::Crashed, ActorStatus::Blocked, ActorStatus::Finished] {
            all.push((Why::NeverSent(status), ZmqVerdict::NeverSent));
        }
        let mut texts = std::collections::BTreeSet::new();
        for (why, verdict) in all {
            let en = why.text(Lang::En);
            let zh = why.text(Lang::Zh);
            assert!(texts.insert(en.clone()), "two causes say {en}");
            let back = cause_of_text(&en, verdict).map(|w| w.text(Lang::Zh));
            assert_eq!(back.as_deref(), Some(zh.as_str()), "{en}");
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            // The short form in the outcome drops the verdict's own word.
            assert!(!short_cause(&en, verdict, Lang::Zh).starts_with("丢失：") && !short_cause(&en, verdict, Lang::En).starts_with("lost: "));
        }
    }

    #[test]
    fn durations_and_lists_read_naturally() {
        assert_eq!(ms_text(366_079), "366");
        assert_eq!(ms_text(2_400), "2.4");
        assert_eq!(ms_text(790), "0.79");
        assert_eq!(ms_text(0), "0");
        assert_eq!(dicts(&[4, 5, 6, 7], Lang::En), "{'data': 4} to {'data': 7}");
        assert_eq!(dicts(&[4, 5, 6, 7], Lang::Zh), "{'data': 4} 到 {'data': 7}");
        assert_eq!(dicts(&[0, 1], Lang::En), "{'data': 0}, {'data': 1}");
        assert_eq!(dicts(&[0, 2, 5], Lang::Zh), "{'data': 0}、{'data': 2}、{'data': 5}");
    }
}
