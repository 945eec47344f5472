//! Kafka in words: one past-tense sentence per `KafkaEvent` in English and Chinese (the
//! narration of the Kafka page's event list and step line, in the style of `i18n::describe`),
//! and the Kafka chapters of the tour with their titles and an opening narration computed from
//! the run's own report (so what it says is true of the run on screen).
//!
//! Invariants: every sentence names things as the page shows them (`kafka@N`, `topic-N`,
//! `{'data': i}`, the actors' names); a sentence that needs context (which consumer a commit
//! belongs to, why a member expired, whether a new leader lacks records) reads it from the
//! trace it is given and never invents it; nothing here panics on an id the run does not
//! know (it prints `?`).

use crate::engine::checker::Verdict;
use crate::i18n::Lang;
use crate::systems::kafka::group::RebalanceReason;
use crate::systems::kafka::report::KafkaReport;
use crate::systems::kafka::scenario::{CommitMode, KafkaActorSpec};
use crate::systems::kafka::trace::{Cause, ClientError, DiscardReason, Endpoint, KafkaEvent, KafkaTraceEntry, TerminalText};
use crate::systems::kafka::world::KafkaSim;
use crate::engine::ids::*;

fn actor_name(sim: &KafkaSim, actor: ActorId) -> String {
    sim.scenario().actors.get(actor.index()).map_or_else(|| "?".into(), |a| a.name().to_string())
}

fn consumer_spec(sim: &KafkaSim, actor: ActorId) -> Option<&crate::systems::kafka::scenario::KafkaConsumerSpec> {
    match sim.scenario().actors.get(actor.index())? {
        KafkaActorSpec::Consumer(c) => Some(c),
        KafkaActorSpec::Producer(_) => None,
    }
}

/// `test_topic-0` for a global partition index.
pub fn partition_name(sim: &KafkaSim, partition: QueueId) -> String {
    let partitions: u16 = sim.scenario().topics.iter().map(|t| t.partitions).sum();
    if partition.0 >= partitions {
        return "?".into();
    }
    let tp = sim.topic_partition(partition.0);
    format!("{}-{}", sim.scenario().topics.get(usize::from(tp.topic)).map_or("?", |t| t.name.as_str()), tp.partition)
}

fn replication_factor(sim: &KafkaSim, partition: QueueId) -> u8 {
    let partitions: u16 = sim.scenario().topics.iter().map(|t| t.partitions).sum();
    if partition.0 >= partitions {
        return 1;
    }
    let tp = sim.topic_partition(partition.0);
    sim.scenario().topics.get(usize::from(tp.topic)).map_or(1, |t| t.replication_factor)
}

/// `{'data': 5}` for a record (copy).
fn data_of_copy(sim: &KafkaSim, copy: CopyId) -> String {
    let ledger = sim.ledger();
    match ledger.copies.get(copy.index()).and_then(|c| ledger.messages.get(c.message.index())) {
        Some(m) => format!("{{'data': {}}}", m.data),
        None => "a record".into(),
    }
}

fn data_of_message(sim: &KafkaSim, message: MessageId) -> String {
    match sim.ledger().messages.get(message.index()) {
        Some(m) => format!("{{'data': {}}}", m.data),
        None => "a record".into(),
    }
}

fn endpoint(sim: &KafkaSim, e: Endpoint) -> String {
    match e {
        Endpoint::Actor(a) => actor_name(sim, a),
        Endpoint::Node(n) => format!("kafka@{}", n.0),
    }
}

/// Seconds as the code writes them (`0.05`, `1`, `45`): `time.sleep(0.05)` is said "0.05 s".
fn seconds(ms: u64) -> String {
    crate::systems::python::seconds(ms)
}

fn error_text(error: ClientError, lang: Lang) -> String {
    let en = lang == Lang::En;
    match error {
        ClientError::Broker(e) => {
            let name = format!("{e:?}");
            if en { format!("the broker answered {name}") } else { format!("broker 回答 {name}") }
        }
        ClientError::Disconnected => (if en { "the connection broke" } else { "连接断开了" }).into(),
        ClientError::RequestTimedOut => (if en { "no answer within request_timeout_ms" } else { "在 request_timeout_ms 内没有回答" }).into(),
        ClientError::GetTimedOut => (if en { "future.get() timed out" } else { "future.get() 超时" }).into(),
        ClientError::DeliveryTimedOut { .. } => (if en { "delivery_timeout_ms ran out" } else { "delivery_timeout_ms 用完了" }).into(),
        ClientError::CommitFailed => (if en { "the commit failed: the group had rebalanced" } else { "提交失败：消费组已经重平衡" }).into(),
        ClientError::NoOffsetForPartition { .. } => (if en { "the group has no committed offset and auto_offset_reset is 'none'" } else { "消费组没有已提交的位点，且 auto_offset_reset 为 'none'" }).into(),
    }
}

fn reason_text(reason: RebalanceReason, lang: Lang) -> &'static str {
    match (reason, lang) {
        (RebalanceReason::InitialJoin, Lang::En) => "the first member joined (the coordinator waits group.initial.rebalance.delay.ms for more)",
        (RebalanceReason::InitialJoin, Lang::Zh) => "第一个成员加入（协调者等待 group.initial.rebalance.delay.ms，看是否还有成员）",
        (RebalanceReason::MemberJoined, Lang::En) => "a member joined",
        (RebalanceReason::MemberJoined, Lang::Zh) => "有成员加入",
        (RebalanceReason::MemberLeft, Lang::En) => "a member left",
        (RebalanceReason::MemberLeft, Lang::Zh) => "有成员离开",
        (RebalanceReason::MemberExpired, Lang::En) => "a member's session expired",
        (RebalanceReason::MemberExpired, Lang::Zh) => "有成员的会话过期",
        (RebalanceReason::LeaderRejoined, Lang::En) => "the group leader rejoined",
        (RebalanceReason::LeaderRejoined, Lang::Zh) => "组长重新加入",
    }
}

/// The consumer that joined as `member`, from the trace.
fn member_actor(trace: &[KafkaTraceEntry], member: u32) -> Option<ActorId> {
    trace.iter().find_map(|e| match e.event {
        KafkaEvent::MemberJoined { actor, member: m, .. } if m == member => Some(actor),
        _ => None,
    })
}

fn group_name(sim: &KafkaSim, trace: &[KafkaTraceEntry], group: u16) -> String {
    // A group's index is the order the coordinator created it: its first JoinGroup.
    trace
        .iter()
        .find_map(|e| match e.event {
            KafkaEvent::MemberJoined { actor, group: g, .. } if g == group => consumer_spec(sim, actor).map(|c| c.group_id.clone()),
            _ => None,
        })
        .unwrap_or_else(|| format!("group {group}"))
}

fn member_name(sim: &KafkaSim, trace: &[KafkaTraceEntry], member: u32) -> String {
    member_actor(trace, member).map_or_else(|| format!("member {member}"), |a| actor_name(sim, a))
}

/// Before the attempt at `index` (a `MessagePublished` or `SendQueued` of `message` by its
/// producer `actor`): how many of the record's attempts had failed and been retried (the
/// `ProduceFailed` events that retry it), and whether the attempt just before this one was the
/// record waiting for a leader (`SendQueued`). A look back over the producer's own events
/// while they are about this record (it blocks in `future.get()` meanwhile), so a long retry
/// loop is not a scan of the whole trace.
fn attempts_before(trace: &[KafkaTraceEntry], index: usize, actor: ActorId, message: MessageId) -> (u32, bool) {
    use KafkaEvent::*;
    let mut retries = 0;
    let mut waited = None;
    for e in trace[..index.min(trace.len())].iter().rev() {
        if e.event.actor() != Some(actor) {
            continue;
        }
        match e.event {
            ProduceFailed { message: m, retry_in_ms: Some(_), .. } if m == message => retries += 1,
            SendQueued { message: m, .. } if m == message => {
                waited.get_or_insert(true);
            }
            MessagePublished { message: m, .. } if m == message => {
                waited.get_or_insert(false);
            }
            ProduceFailed { message: m, .. } | ProduceAcked { message: m, .. } if m == message => {}
            _ => break,
        }
    }
    (retries, waited.unwrap_or(false))
}

fn retry_backoff(sim: &KafkaSim, actor: ActorId) -> u64 {
    match sim.scenario().actors.get(actor.index()) {
        Some(KafkaActorSpec::Producer(p)) => p.retry_backoff_ms,
        _ => crate::systems::kafka::scenario::RETRY_BACKOFF_MS_DEFAULT,
    }
}

/// The sentence for the event at `index` of `trace` (the run shown), with `sim` the run's world
/// (the session's timeline: its trace, ledger and scenario). Past tense, one sentence.
pub fn describe_at(trace: &[KafkaTraceEntry], index: usize, sim: &KafkaSim, lang: Lang) -> String {
    let Some(entry) = trace.get(index) else { return String::new() };
    let full = sim.trace();
    let en = lang == Lang::En;
    let pick = |e: String, z: String| if en { e } else { z };
    let a = |actor: ActorId| actor_name(sim, actor);
    let p = |partition: QueueId| partition_name(sim, partition);
    use KafkaEvent::*;
    match entry.event {
        ActorStarted { actor } => pick(format!("{} started", a(actor)), format!("{} 启动", a(actor))),
        ActorRestarted { actor } => pick(format!("{} started again (a new process)", a(actor)), format!("{} 重新启动（新的进程）", a(actor))),
        ActorCrashed { actor } => match consumer_spec(sim, actor) {
            Some(_) => pick(
                format!("{} was killed (SIGKILL): no close(), no commit, no LeaveGroup", a(actor)),
                format!("{} 被杀死（SIGKILL）：没有 close()，没有提交，也没有 LeaveGroup", a(actor)),
            ),
            None => pick(
                format!("{} was killed (SIGKILL): no close(); what it had not sent yet is never sent", a(actor)),
                format!("{} 被杀死（SIGKILL）：没有 close()；它还没发送的记录永远不会被发送", a(actor)),
            ),
        },
        ActorStopped { actor } => match consumer_spec(sim, actor) {
            // kafka-python's close() commits (`_maybe_auto_commit_offsets_sync`) only with
            // enable_auto_commit=True; a consumer that commits itself commits nothing there.
            Some(c) if c.commit == CommitMode::Auto => pick(
                format!("{} was stopped (CTRL+C): its close() commits its position (enable_auto_commit=True) and leaves the group", a(actor)),
                format!("{} 被停止（CTRL+C）：它的 close() 会提交位点（enable_auto_commit=True）并离开消费组", a(actor)),
            ),
            Some(_) => pick(
                format!("{} was stopped (CTRL+C): its close() leaves the group at once and commits nothing (enable_auto_commit=False: only its own commit() calls commit)", a(actor)),
                format!("{} 被停止（CTRL+C）：它的 close() 立即离开消费组，不提交任何位点（enable_auto_commit=False：只有它自己调用的 commit() 才会提交）", a(actor)),
            ),
            None => pick(format!("{} was stopped (CTRL+C)", a(actor)), format!("{} 被停止（CTRL+C）", a(actor))),
        },
        // After CTRL+C the program does not reach its last line: the KeyboardInterrupt, once
        // its `finally: consumer.close()` returned, ends it with a traceback.
        ActorExited { actor, error: None }
            if trace[..index].iter().rev().find_map(|e| match e.event {
                ActorStarted { actor: x } | ActorRestarted { actor: x } if x == actor => Some(false),
                ActorStopped { actor: x } if x == actor => Some(true),
                _ => None,
            }) == Some(true) =>
        {
            pick(
                format!("{}'s close() returned; the KeyboardInterrupt of CTRL+C ended the program (Python printed its traceback)", a(actor)),
                format!("{} 的 close() 返回了；CTRL+C 引发的 KeyboardInterrupt 结束了程序（Python 打印了它的 traceback）", a(actor)),
            )
        }
        ActorExited { actor, error: None } => pick(format!("{} reached its last line and exited", a(actor)), format!("{} 执行到最后一行并退出", a(actor))),
        ActorExited { actor, error: Some(error) } => pick(
            format!("{} exited with an exception: {}", a(actor), error_text(error, lang)),
            format!("{} 因异常退出：{}", a(actor), error_text(error, lang)),
        ),
        ClientCreated { actor, .. } => match consumer_spec(sim, actor) {
            Some(_) => pick(format!("{} created its KafkaConsumer (fetched the cluster's metadata)", a(actor)), format!("{} 创建了 KafkaConsumer（获取了集群元数据）", a(actor))),
            None => pick(format!("{} created its KafkaProducer (fetched the cluster's metadata)", a(actor)), format!("{} 创建了 KafkaProducer（获取了集群元数据）", a(actor))),
        },
        Printed { actor, text, .. } => {
            let line = sim.print_text(actor, text);
            match text {
                TerminalText::Error { .. } => pick(format!("{} printed the exception: {line}", a(actor)), format!("{} 打印了异常：{line}", a(actor))),
                _ => pick(format!("{} printed “{}”", a(actor), line.trim()), format!("{} 打印了“{}”", a(actor), line.trim())),
            }
        }
        Slept { actor, ms, .. } => pick(format!("{} slept {} s", a(actor), seconds(u64::from(ms))), format!("{} 休眠了 {} 秒", a(actor), seconds(u64::from(ms)))),
        // A record's later attempts are kafka-python's sender retrying on its own (the program
        // blocks in future.get() meanwhile), never a send() call: told as retry n of the record.
        MessagePublished { actor, message, .. } => {
            let d = data_of_message(sim, message);
            let (retries, waited) = attempts_before(trace, index, actor, message);
            match (retries, waited) {
                (0, true) => pick(
                    format!("{}'s waiting record {d} went into a produce request: the metadata names a live leader again", a(actor)),
                    format!("{} 等待中的记录 {d} 进入了一个生产请求：元数据又指明了一个存活的领导者", a(actor)),
                ),
                (0, false) => pick(
                    format!("{} called send() with {d}: the record went into a produce request", a(actor)),
                    format!("{} 调用 send() 发送 {d}：记录进入了一个生产请求", a(actor)),
                ),
                (n, _) => pick(
                    format!("retry {n} of {d}: kafka-python's sender sent it again in a new produce request on its own (retries, retry_backoff_ms={}); the program did not call send(), it still waits in future.get()", retry_backoff(sim, actor)),
                    format!("{d} 的第 {n} 次重试：kafka-python 的发送线程自行把它放进一个新的生产请求再次发送（retries，retry_backoff_ms={}）；程序没有调用 send()，仍在 future.get() 中等待", retry_backoff(sim, actor)),
                ),
            }
        }
        SendQueued { actor, message, partition, .. } if attempts_before(trace, index, actor, message).0 > 0 => pick(
            format!("kafka-python's sender would retry {} on its own, but no live leader of {} is known: the record waits in the producer's buffer (the accumulator) until the metadata names one; the program still waits in future.get()", data_of_message(sim, message), p(partition)),
            format!("kafka-python 的发送线程要自行重试 {}，但不知道 {} 有存活的领导者：记录在生产者的缓冲区（accumulator）中等待，直到元数据指明一个领导者；程序仍在 future.get() 中等待", data_of_message(sim, message), p(partition)),
        ),
        SendQueued { actor, message, partition, .. } => pick(
            format!("{} called send() with {}: no live leader of {} is known, so the record waits in the producer's buffer (the accumulator) until the metadata names one", a(actor), data_of_message(sim, message), p(partition)),
            format!("{} 调用 send() 发送 {}：不知道 {} 有存活的领导者，记录在生产者的缓冲区（accumulator）中等待，直到元数据指明一个领导者", a(actor), data_of_message(sim, message), p(partition)),
        ),
        ProduceSent { actor, copy, partition, node } => pick(
            format!("{} sent {} to kafka@{}, the leader of {}", a(actor), data_of_copy(sim, copy), node.0, p(partition)),
            format!("{} 把 {} 发给了 {} 的领导者 kafka@{}", a(actor), data_of_copy(sim, copy), p(partition), node.0),
        ),
        RecordAppended { copy, partition, offset, node } => {
            let d = data_of_copy(sim, copy);
            if replication_factor(sim, partition) > 1 {
                pick(
                    format!("kafka@{} appended {d} at offset {offset} of {}; not yet on the followers", node.0, p(partition)),
                    format!("kafka@{} 把 {d} 追加到 {} 的位点 {offset}；跟随者还没有它", node.0, p(partition)),
                )
            } else {
                pick(
                    format!("kafka@{} appended {d} at offset {offset} of {} (its only replica)", node.0, p(partition)),
                    format!("kafka@{} 把 {d} 追加到 {} 的位点 {offset}（唯一的副本）", node.0, p(partition)),
                )
            }
        }
        RecordDiscarded { copy, reason } => {
            let d = data_of_copy(sim, copy);
            match reason {
                DiscardReason::FrameLost => pick(format!("the produce request with {d} was lost on the network"), format!("携带 {d} 的生产请求在网络上丢失了")),
                DiscardReason::Refused => pick(format!("no broker appended {d}: the request was refused or reached no leader"), format!("没有 broker 追加 {d}：请求被拒绝或没有到达领导者")),
                DiscardReason::DuplicateBatch => pick(
                    format!("the leader recognised the retry of {d} (same producer id and sequence) and did not append it again"),
                    format!("领导者认出了 {d} 的重试（相同的生产者 id 和序列号），没有再次追加"),
                ),
                DiscardReason::Truncated => pick(format!("{d} was truncated: the new leader's log does not have it"), format!("{d} 被截断：新领导者的日志里没有它")),
                DiscardReason::NotOnLeader => pick(format!("{d} is gone: the new leader was elected without it (only replicas that will truncate it still hold it)"), format!("{d} 已丢失：新领导者当选时没有它（只剩将会截断它的副本还留着）")),
                DiscardReason::ProducerGone => pick(format!("{d} was lost with its producer, which died before it was stored"), format!("{d} 随生产者一起丢失：生产者在它被存储前就死了")),
            }
        }
        ProduceAcked { actor, message, partition, offset } => {
            if offset < 0 {
                pick(
                    format!("{}'s send() of {} returned with no answer from the broker (acks=0: offset -1)", a(actor), data_of_message(sim, message)),
                    format!("{} 对 {} 的 send() 没有等 broker 回答就返回了（acks=0：位点 -1）", a(actor), data_of_message(sim, message)),
                )
            } else {
                pick(
                    format!("{} learned that {} is stored at offset {offset} of {}", a(actor), data_of_message(sim, message), p(partition)),
                    format!("{} 得知 {} 已存储在 {} 的位点 {offset}", a(actor), data_of_message(sim, message), p(partition)),
                )
            }
        }
        ProduceFailed { actor, message, error, retry_in_ms } => match retry_in_ms {
            Some(ms) => pick(
                format!("{}'s produce of {} failed ({}); kafka-python's sender retries it on its own in {} ms (retry_backoff_ms)", a(actor), data_of_message(sim, message), error_text(error, lang), ms),
                format!("{} 生产 {} 失败（{}）；kafka-python 的发送线程将在 {} 毫秒后自行重试（retry_backoff_ms）", a(actor), data_of_message(sim, message), error_text(error, lang), ms),
            ),
            None => pick(
                format!("{}'s produce of {} failed ({}); it gives up", a(actor), data_of_message(sim, message), error_text(error, lang)),
                format!("{} 生产 {} 失败（{}）；它放弃了", a(actor), data_of_message(sim, message), error_text(error, lang)),
            ),
        },
        MessageDelivered { actor, copy, partition, offset, redelivered } => {
            if redelivered {
                pick(
                    format!("{} read {} at offset {offset} of {} again: its group had read this offset before", a(actor), data_of_copy(sim, copy), p(partition)),
                    format!("{} 再次读到了 {} 的位点 {offset} 上的 {}：它的消费组之前读过这个位点", a(actor), p(partition), data_of_copy(sim, copy)),
                )
            } else {
                pick(
                    format!("{} read {} at offset {offset} of {}", a(actor), data_of_copy(sim, copy), p(partition)),
                    format!("{} 读到了 {} 的位点 {offset} 上的 {}", a(actor), p(partition), data_of_copy(sim, copy)),
                )
            }
        }
        EffectApplied { actor, message, .. } => pick(format!("{} processed {}", a(actor), data_of_message(sim, message)), format!("{} 处理了 {}", a(actor), data_of_message(sim, message))),
        WorkStarted { actor, copy, ms, .. } => pick(
            format!("{} started working on {} ({} s)", a(actor), data_of_copy(sim, copy), seconds(u64::from(ms))),
            format!("{} 开始处理 {}（{} 秒）", a(actor), data_of_copy(sim, copy), seconds(u64::from(ms))),
        ),
        RecordProcessed { actor, copy } => pick(format!("{} finished the loop body for {}", a(actor), data_of_copy(sim, copy)), format!("{} 完成了 {} 的循环体", a(actor), data_of_copy(sim, copy))),
        JoinSent { actor } => pick(format!("{} asked to join its group (JoinGroup)", a(actor)), format!("{} 请求加入消费组（JoinGroup）", a(actor))),
        MemberJoined { actor, .. } => {
            let group = consumer_spec(sim, actor).map_or_else(|| "?".into(), |c| c.group_id.clone());
            pick(format!("the coordinator took {} into group {group}", a(actor)), format!("协调者把 {} 加入了消费组 {group}", a(actor)))
        }
        RebalanceStarted { group, generation, reason } => {
            let g = group_name(sim, full, group);
            pick(
                format!("group {g} began a rebalance toward generation {}: {}", generation + 1, reason_text(reason, lang)),
                format!("消费组 {g} 开始重平衡，将进入第 {} 代：{}", generation + 1, reason_text(reason, lang)),
            )
        }
        JoinCompleted { actor, generation, leader, .. } => {
            if leader {
                pick(format!("{} joined generation {generation} as the group leader", a(actor)), format!("{} 作为组长加入了第 {generation} 代", a(actor)))
            } else {
                pick(format!("{} joined generation {generation}", a(actor)), format!("{} 加入了第 {generation} 代", a(actor)))
            }
        }
        PartitionAssigned { actor, partition, generation } => pick(
            format!("{} was assigned {} (generation {generation})", a(actor), p(partition)),
            format!("{} 分到了 {}（第 {generation} 代）", a(actor), p(partition)),
        ),
        PartitionsRevoked { actor, count } => pick(
            format!("{} gave up its {count} partition(s) for the rebalance", a(actor)),
            format!("{} 为重平衡交出了它的 {count} 个分区", a(actor)),
        ),
        GroupStabilized { group, generation, members } => {
            let g = group_name(sim, full, group);
            pick(
                format!("group {g} is stable: generation {generation}, {members} member(s)"),
                format!("消费组 {g} 稳定了：第 {generation} 代，{members} 个成员"),
            )
        }
        GroupEmptied { group, generation } => {
            let g = group_name(sim, full, group);
            pick(format!("group {g} became empty (generation {generation})"), format!("消费组 {g} 变空了（第 {generation} 代）"))
        }
        MemberLeft { member, .. } => {
            let m = member_name(sim, full, member);
            pick(format!("{m} left its group (LeaveGroup)"), format!("{m} 离开了消费组（LeaveGroup）"))
        }
        SessionExpired { member, .. } => {
            let actor = member_actor(full, member);
            let m = member_name(sim, full, member);
            let timeout = actor.and_then(|a| consumer_spec(sim, a)).map_or(crate::systems::kafka::scenario::SESSION_TIMEOUT_MS_DEFAULT, |c| c.session_timeout_ms);
            pick(
                format!("{m}'s session expired {} s after its last heartbeat: the coordinator removed it from the group", seconds(timeout)),
                format!("{m} 的会话在最后一次心跳 {} 秒后过期：协调者把它移出了消费组", seconds(timeout)),
            )
        }
        MemberKicked { member, .. } => {
            let m = member_name(sim, full, member);
            pick(
                format!("the coordinator removed {m}: it did not rejoin within max_poll_interval_ms"),
                format!("协调者移除了 {m}：它没有在 max_poll_interval_ms 内重新加入"),
            )
        }
        PollIntervalExceeded { actor } => pick(
            format!("{} did not poll within max_poll_interval_ms: its heartbeat thread left the group", a(actor)),
            format!("{} 没有在 max_poll_interval_ms 内 poll：它的心跳线程离开了消费组", a(actor)),
        ),
        PositionCommitted { actor, partition, offset } => pick(
            format!("{} starts {} at offset {offset}, the group's committed offset", a(actor), p(partition)),
            format!("{} 从 {} 的位点 {offset} 开始读，也就是消费组已提交的位点", a(actor), p(partition)),
        ),
        PositionReset { actor, partition, offset, earliest } => {
            if earliest {
                pick(
                    format!("{} found no committed offset for {}: auto_offset_reset='earliest' put it at offset {offset}", a(actor), p(partition)),
                    format!("{} 没有找到 {} 的已提交位点：auto_offset_reset='earliest' 把它放在位点 {offset}", a(actor), p(partition)),
                )
            } else {
                pick(
                    format!("{} found no committed offset for {}: auto_offset_reset='latest' put it at the end, offset {offset}", a(actor), p(partition)),
                    format!("{} 没有找到 {} 的已提交位点：auto_offset_reset='latest' 把它放在末尾，位点 {offset}", a(actor), p(partition)),
                )
            }
        }
        CommitSent { actor, auto } => {
            if auto {
                pick(format!("{}'s auto-commit sent its positions to the coordinator", a(actor)), format!("{} 的自动提交把它的位置发给了协调者", a(actor)))
            } else {
                pick(format!("{} called consumer.commit()", a(actor)), format!("{} 调用了 consumer.commit()", a(actor)))
            }
        }
        OffsetCommitted { group, partition, offset } => {
            // The commit this answers: the last CommitSent before it by the member of this
            // group that owned the partition when it sent it (two members' commits can be in
            // flight at once; each commits only its own partitions), else the last one.
            let sent = commit_of(&trace[..index], group, partition).or_else(|| {
                trace[..index].iter().rev().find_map(|e| match e.event {
                    CommitSent { actor, auto } => Some((actor, auto)),
                    _ => None,
                })
            });
            match sent {
                Some((actor, true)) => pick(
                    format!("{}'s auto-commit stored offset {offset} for {} (its position then)", a(actor), p(partition)),
                    format!("{} 的自动提交为 {} 存储了位点 {offset}（它当时的位置）", a(actor), p(partition)),
                ),
                Some((actor, false)) => pick(
                    format!("{}'s commit stored offset {offset} for {}", a(actor), p(partition)),
                    format!("{} 的提交为 {} 存储了位点 {offset}", a(actor), p(partition)),
                ),
                None => {
                    let g = group_name(sim, full, group);
                    pick(format!("group {g}'s committed offset of {} is now {offset}", p(partition)), format!("消费组 {g} 在 {} 上的已提交位点现在是 {offset}", p(partition)))
                }
            }
        }
        CommitRefused { actor } => pick(
            format!("the coordinator refused {}'s commit: the group is rebalancing or it is no longer a member", a(actor)),
            format!("协调者拒绝了 {} 的提交：消费组正在重平衡，或者它已不是成员", a(actor)),
        ),
        LeaderElected { partition, node, epoch, clean } => {
            // Does the new leader lack records another replica had? The run's later truncation says.
            let truncated = full.iter().skip(index + 1).find_map(|e| match e.event {
                Truncated { partition: t, node: n, from_offset, .. } if t == partition && n != node => Some((n, from_offset)),
                LeaderElected { partition: t, .. } if t == partition => Some((NodeId(u8::MAX), 0)),
                _ => None,
            });
            let base = if clean {
                pick(format!("kafka@{} became the leader of {} (epoch {epoch})", node.0, p(partition)), format!("kafka@{} 成为 {} 的领导者（纪元 {epoch}）", node.0, p(partition)))
            } else {
                pick(
                    format!("kafka@{}, out of the ISR, became the leader of {} (unclean election, epoch {epoch})", node.0, p(partition)),
                    format!("不在 ISR 中的 kafka@{} 成为 {} 的领导者（非干净选举，纪元 {epoch}）", node.0, p(partition)),
                )
            };
            match truncated {
                Some((old, from)) if old.0 != u8::MAX => pick(
                    format!("{base}; the new leader kafka@{} does not have offset {from}: it is truncated on kafka@{} when it rejoins", node.0, old.0),
                    format!("{base}；新领导者 kafka@{} 没有位点 {from}：kafka@{} 重新加入时会截断它", node.0, old.0),
                ),
                _ => base,
            }
        }
        PartitionOffline { partition } => pick(format!("{} went offline: no live replica may lead it", p(partition)), format!("{} 离线了：没有可以领导它的存活副本", p(partition))),
        IsrShrunk { partition, node, isr } => pick(
            format!("kafka@{} fell out of {}'s ISR ({isr} in sync)", node.0, p(partition)),
            format!("kafka@{} 被移出了 {} 的 ISR（{isr} 个同步副本）", node.0, p(partition)),
        ),
        IsrExpanded { partition, node, isr } => pick(
            format!("kafka@{} caught up and rejoined {}'s ISR ({isr} in sync)", node.0, p(partition)),
            format!("kafka@{} 追上进度，重新加入 {} 的 ISR（{isr} 个同步副本）", node.0, p(partition)),
        ),
        HighWatermark { partition, offset } => pick(
            format!("{}'s high watermark moved to {offset}: records below it are committed and readable", p(partition)),
            format!("{} 的高水位移到了 {offset}：它之前的记录已提交，可以读取", p(partition)),
        ),
        Replicated { partition, node, from_offset, count } => pick(
            format!("kafka@{} copied {count} record(s) of {} from offset {from_offset}", node.0, p(partition)),
            format!("kafka@{} 从位点 {from_offset} 复制了 {} 的 {count} 条记录", node.0, p(partition)),
        ),
        Truncated { partition, node, from_offset, count } => pick(
            format!("kafka@{} truncated {count} record(s) of {} from offset {from_offset}: the leader's log does not have them", node.0, p(partition)),
            format!("kafka@{} 从位点 {from_offset} 截断了 {} 的 {count} 条记录：领导者的日志里没有它们", node.0, p(partition)),
        ),
        NodeCrashed { node } => pick(format!("kafka@{} crashed", node.0), format!("kafka@{} 崩溃了", node.0)),
        NodeStopped { node } => pick(format!("kafka@{} was stopped (a clean shutdown)", node.0), format!("kafka@{} 被停止（正常关闭）", node.0)),
        NodeStarted { node } => pick(format!("kafka@{} started", node.0), format!("kafka@{} 启动了", node.0)),
        NodeFenced { node } => {
            // Why: the node's last event before this one says.
            let last = trace[..index].iter().rev().find_map(|e| match e.event {
                NodeStopped { node: n } if n == node => Some(NodeStopped { node }),
                NodeCrashed { node: n } if n == node => Some(NodeCrashed { node }),
                NodeStarted { node: n } if n == node => Some(NodeStarted { node }),
                _ => None,
            });
            let alone = sim.scenario().broker.brokers == 1;
            match last {
                // One broker is its own controller (KRaft combined mode): no one takes over.
                Some(NodeStopped { .. } | NodeCrashed { .. }) | None if alone => pick(
                    format!("kafka@{} is the only broker: no other can lead its partitions, so they are offline until it is back", node.0),
                    format!("kafka@{} 是唯一的 broker：没有别的 broker 能领导它的分区，在它恢复之前这些分区都处于离线状态", node.0),
                ),
                // Kafka never shrinks an ISR below its last member: a partition only it had
                // keeps it in its ISR and goes offline.
                Some(NodeStopped { .. }) => pick(
                    format!("the controller fenced kafka@{} (controlled shutdown): it left every ISR it shared with other replicas, and each partition it led moved to another in-sync replica, or went offline where there was none", node.0),
                    format!("控制器隔离了 kafka@{}（受控关闭）：它退出了与其他副本共享的每个 ISR，它领导的每个分区转给另一个同步副本，没有同步副本的分区则离线", node.0),
                ),
                Some(NodeStarted { .. }) => pick(
                    format!("the controller fenced kafka@{}'s previous incarnation: it registered again after its crash", node.0),
                    format!("控制器隔离了 kafka@{} 之前的实例：它崩溃后重新注册了", node.0),
                ),
                _ => pick(
                    format!("the controller fenced kafka@{}: no heartbeat within broker.session.timeout.ms", node.0),
                    format!("控制器隔离了 kafka@{}：在 broker.session.timeout.ms 内没有心跳", node.0),
                ),
            }
        }
        Partitioned { a: x, b: y } => pick(format!("the network between {} and {} was cut", endpoint(sim, x), endpoint(sim, y)), format!("{} 与 {} 之间的网络被切断", endpoint(sim, x), endpoint(sim, y))),
        Healed { a: x, b: y } => pick(format!("the network between {} and {} healed", endpoint(sim, x), endpoint(sim, y)), format!("{} 与 {} 之间的网络恢复了", endpoint(sim, x), endpoint(sim, y))),
        FrameDropped { from, to } => pick(
            format!("the network lost a message from {} to {}", endpoint(sim, from), endpoint(sim, to)),
            format!("网络丢失了一条从 {} 到 {} 的消息", endpoint(sim, from), endpoint(sim, to)),
        ),
        MessageDuplicated { copy, .. } => pick(
            format!("the network delivered the produce request with {} twice", data_of_copy(sim, copy)),
            format!("网络把携带 {} 的生产请求投递了两次", data_of_copy(sim, copy)),
        ),
        ConsumerSlowed { actor, work_ms } => pick(
            format!("{} now takes {} s per record", a(actor), seconds(u64::from(work_ms))),
            format!("{} 现在每条记录要花 {} 秒", a(actor), seconds(u64::from(work_ms))),
        ),
        TransactionsInitialized { actor, epoch, .. } => pick(
            format!("{} called init_transactions(): its producer epoch is now {epoch} (an older instance is fenced)", a(actor)),
            format!("{} 调用了 init_transactions()：它的生产者纪元现在是 {epoch}（旧实例被隔离）", a(actor)),
        ),
        TransactionBegun { actor, .. } => pick(format!("{} began a transaction", a(actor)), format!("{} 开始了一个事务", a(actor))),
        TransactionCommitted { actor, .. } => pick(
            format!("{} committed its transaction: its records became visible to read_committed consumers", a(actor)),
            format!("{} 提交了事务：它的记录对 read_committed 消费者可见了", a(actor)),
        ),
        TransactionAborted { actor } => pick(
            format!("the coordinator aborted {}'s transaction: read_committed consumers skip its records", a(actor)),
            format!("协调者中止了 {} 的事务：read_committed 消费者会跳过它的记录", a(actor)),
        ),
        TxnMarkerWritten { partition, offset, commit } => {
            let (e, z) = if commit { ("COMMIT", "COMMIT") } else { ("ABORT", "ABORT") };
            pick(format!("a transaction {e} marker took offset {offset} of {}", p(partition)), format!("事务 {z} 标记占用了 {} 的位点 {offset}", p(partition)))
        }
        LimitReached { limit } => crate::i18n::limit_reached_text(limit, lang),
    }
}

/// A Kafka chapter of the tour.
pub type KafkaChapter = crate::i18n::CatalogChapter;

/// The Kafka chapters, in the catalog's (tour) order.
pub const KAFKA_CHAPTERS: &[KafkaChapter] = &[
    KafkaChapter { scenario: "k-workload", title_en: "Kafka: the workload", title_zh: "Kafka：基本流程" },
    KafkaChapter { scenario: "k-crash-autocommit", title_en: "Auto-commit and a crash", title_zh: "自动提交与崩溃" },
    KafkaChapter { scenario: "k-commit-before", title_en: "Commit before processing", title_zh: "先提交后处理" },
    KafkaChapter { scenario: "k-acks1-leader-crash", title_en: "acks=1 and a leader crash", title_zh: "acks=1 与领导者崩溃" },
    KafkaChapter { scenario: "k-lost-response-no-idempotence", title_en: "A lost response, no idempotence", title_zh: "响应丢失，未开启幂等" },
    KafkaChapter { scenario: "k-idempotent-lost-response", title_en: "A lost response, idempotent", title_zh: "响应丢失，开启幂等" },
];

fn payloads(report: &KafkaReport, verdict: Verdict) -> Vec<u32> {
    report.messages.iter().filter(|m| m.verdict == verdict).map(|m| m.data).collect()
}

fn list(data: &[u32]) -> String {
    data.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// The outcome of a run in one sentence, from its report: how many records were produced,
/// which payloads were duplicated, lost or never sent.
pub fn outcome(report: &KafkaReport, lang: Lang) -> String {
    let en = lang == Lang::En;
    let c = &report.counts;
    let mut parts = Vec::new();
    let duplicated = payloads(report, Verdict::Duplicated);
    let lost = payloads(report, Verdict::Lost);
    if !duplicated.is_empty() {
        let printed: Vec<String> = report.messages.iter().filter(|m| m.verdict == Verdict::Duplicated).map(|m| format!("{} ×{}", m.data, m.printed)).collect();
        parts.push(if en { format!("duplicated: {} (printed {})", list(&duplicated), printed.join(", ")) } else { format!("重复：{}（打印次数 {}）", list(&duplicated), printed.join("，")) });
    }
    if !lost.is_empty() {
        parts.push(if en { format!("lost: {}", list(&lost)) } else { format!("丢失：{}", list(&lost)) });
    }
    let out_of_order = payloads(report, Verdict::OutOfOrder);
    if !out_of_order.is_empty() {
        parts.push(if en {
            format!("out of order: {} (each printed after a later record that the same consumer had printed before it)", list(&out_of_order))
        } else {
            format!("乱序：{}（同一个消费者先打印了更晚的记录，之后才打印它）", list(&out_of_order))
        });
    }
    // Never printed, grouped by why (each group's reason is its records' cause).
    let mut why: Vec<(&'static str, Vec<u32>)> = Vec::new();
    // Printed, but held by a consumer that never finished with it: stuck in commit(), or not.
    for in_commit in [true, false] {
        let held: Vec<u32> = report.messages.iter().filter(|m| m.verdict == Verdict::Stranded && matches!(m.stranded_cause, Some(Cause::Held { in_commit: c, .. }) if c == in_commit)).map(|m| m.data).collect();
        if held.is_empty() {
            continue;
        }
        parts.push(match (en, in_commit) {
            (true, true) => format!("not processed: {} (printed, but its consumer is stuck in consumer.commit(): the group coordinator cannot be reached)", list(&held)),
            (true, false) => format!("not processed: {} (printed, but its consumer had not finished with it)", list(&held)),
            (false, true) => format!("未处理：{}（已打印，但它的消费者卡在 consumer.commit() 中：联系不上消费组协调者）", list(&held)),
            (false, false) => format!("未处理：{}（已打印，但它的消费者还没处理完它）", list(&held)),
        });
    }
    for m in report.messages.iter().filter(|m| m.verdict == Verdict::Stranded && !matches!(m.stranded_cause, Some(Cause::Held { .. }))) {
        let reason = match (m.stranded_cause, en) {
            (Some(Cause::Offline { .. }), true) => "stored, but their partition has no live leader: its broker is down",
            (Some(Cause::Offline { .. }), false) => "已存储，但所在分区没有存活的领导者：它的 broker 宕机了",
            (Some(Cause::AboveHighWatermark { .. }), true) => "stored, but above the high watermark, which never reached them",
            (Some(Cause::AboveHighWatermark { .. }), false) => "已存储，但在高水位之上，高水位始终没有到达它们",
            (Some(Cause::Unread), true) => "still in the log, but no consumer of the group is left to read them",
            (Some(Cause::Unread), false) => "仍在日志中，但消费组里已经没有消费者来读它们",
            (_, true) => "still in a log, unread: the table says why",
            (_, false) => "仍在日志中，未被读取：原因见表格",
        };
        match why.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, data)) => data.push(m.data),
            None => why.push((reason, vec![m.data])),
        }
    }
    for (reason, data) in why {
        parts.push(if en { format!("never printed: {} ({reason})", list(&data)) } else { format!("从未打印：{}（{reason}）", list(&data)) });
    }
    if !report.never_sent.is_empty() {
        parts.push(if en {
            format!("never sent: {} (the producer's program ended before sending them)", list(&report.never_sent))
        } else {
            format!("从未发送：{}（生产者程序在发送它们之前就结束了）", list(&report.never_sent))
        });
    }
    let head = if en {
        format!("This run: {} published, {} processed once", c.published, c.processed_once)
    } else {
        format!("本次运行：发布 {} 条，恰好处理一次 {} 条", c.published, c.processed_once)
    };
    if parts.is_empty() {
        if en { format!("{head}; nothing duplicated, nothing lost.") } else { format!("{head}；没有重复，没有丢失。") }
    } else if en {
        format!("{head}; {}.", parts.join("; "))
    } else {
        format!("{head}；{}。", parts.join("；"))
    }
}

/// The chapter's opening narration, true of `report` (the chapter's run to its end): what the
/// scenario does, with this run's own numbers and names (`sim`: the run's world) (`outcome` says the rest at the run's end).
pub fn opening(chapter: &KafkaChapter, sim: &KafkaSim, report: &KafkaReport, lang: Lang) -> String {
    let en = lang == Lang::En;
    let group = sim.scenario().actors.iter().find_map(|a| match a {
        KafkaActorSpec::Consumer(c) => Some(c.group_id.as_str()),
        KafkaActorSpec::Producer(_) => None,
    });
    let group = group.unwrap_or("?");
    let duplicated = list(&payloads(report, Verdict::Duplicated));
    // Named as the code sends them ({'data': 3}): a bare "3 lost" reads as a count.
    let lost = payloads(report, Verdict::Lost).iter().map(|d| format!("{{'data': {d}}}")).collect::<Vec<_>>().join(", ");
    let published = report.counts.published;
    let stored: usize = report.partitions.iter().map(|p| p.log.len()).sum();
    let story = match chapter.scenario {
        "k-workload" => if en {
            format!("A producer sends {published} records to test_topic; a consumer in group {group} reads them from the earliest offset and prints each. Kafka keeps the records in the partition's log: reading does not remove them, the group's committed offset says where it is.")
        } else {
            format!("生产者向 test_topic 发送 {published} 条记录；消费组 {group} 中的消费者从最早的位点读取并逐条打印。Kafka 把记录保存在分区日志里：读取不会删除它们，消费组的已提交位点记录读到了哪里。")
        },
        "k-crash-autocommit" => if en {
            format!("With auto-commit the consumer stores its position only every auto_commit_interval_ms. It is killed after printing a few records; its replacement starts from the last committed offset and prints again what the first one had printed: {duplicated} duplicated.")
        } else {
            format!("开启自动提交时，消费者每隔 auto_commit_interval_ms 才存储一次位置。它在打印几条记录后被杀死；替代它的进程从最后提交的位点开始，又打印了第一个进程打印过的记录：{duplicated} 重复。")
        },
        "k-commit-before" => if en {
            format!("The consumer prints each record it receives, commits its offset, then processes it (at-most-once). It is killed right after committing a record it has received and printed, before that record's processing finishes; its replacement starts after the committed offset, so the record is printed but never processed: {lost} lost.")
        } else {
            format!("消费者打印收到的每条记录，提交它的位点，然后处理它（至多一次）。它在提交一条已收到并打印的记录之后、这条记录处理完成之前被杀死；替代进程从已提交的位点之后开始，所以这条记录打印过却永远不会被处理：{lost} 丢失。")
        },
        "k-acks1-leader-crash" => if en {
            format!("Three brokers, acks=1: the leader answers as soon as it has a record, before its followers copy it. The followers are cut off, the leader acknowledges a record, then crashes; a follower without it becomes leader, and the old leader truncates it when it rejoins: {lost} lost although acknowledged.")
        } else {
            format!("三个 broker，acks=1：领导者一拿到记录就回答，不等跟随者复制。跟随者被隔断，领导者确认了一条记录后崩溃；一个没有它的跟随者成为领导者，旧领导者重新加入时截断了它：{lost} 已被确认却丢失。")
        },
        "k-lost-response-no-idempotence" => if en {
            format!("enable_idempotence=False: the broker's answer to one produce is lost; after request_timeout_ms the producer sends the record again and the broker, which cannot tell a retry from a new record, appends it twice: {duplicated} duplicated.")
        } else {
            format!("enable_idempotence=False：broker 对一次生产的回答丢失了；过了 request_timeout_ms 后生产者再次发送这条记录，broker 分不清重试和新记录，把它追加了两次：{duplicated} 重复。")
        },
        _ => if en {
            format!("The same lost answer with the idempotent producer (kafka-python 3's default): the retry carries the same producer id and sequence number, the leader recognises it and does not append it again: the log holds {stored} records for {published} messages.")
        } else {
            format!("同样丢失回答，但生产者是幂等的（kafka-python 3 的默认值）：重试带着相同的生产者 id 和序列号，领导者认出它，不会再次追加：日志里 {published} 条消息共 {stored} 条记录。")
        },
    };
    story
}

/// The commit (its consumer, and whether it was the auto-commit) that a group's stored
/// offset of `partition` answers, from the trace before it: the last `CommitSent` of a
/// consumer of `group` that owned `partition` when it sent it (assigned it, and no
/// revocation since).
fn commit_of(before: &[KafkaTraceEntry], group: u16, partition: QueueId) -> Option<(ActorId, bool)> {
    use KafkaEvent::*;
    before.iter().enumerate().rev().find_map(|(i, e)| {
        let CommitSent { actor, auto } = e.event else { return None };
        let earlier = before[..i].iter().rev();
        let owned = earlier.clone().find_map(|e| match e.event {
            PartitionsRevoked { actor: a, .. } if a == actor => Some(false),
            PartitionAssigned { actor: a, partition: p, .. } if a == actor && p == partition => Some(true),
            _ => None,
        });
        let in_group = earlier.clone().find_map(|e| match e.event {
            JoinCompleted { actor: a, group: g, .. } if a == actor => Some(g == group),
            _ => None,
        });
        (owned == Some(true) && in_group == Some(true)).then_some((actor, auto))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use crate::systems::kafka::trace::Limit;
    use crate::systems::kafka::scenario::catalog;
    use KafkaEvent::*;

    fn run(name: &str) -> Session<KafkaSim> {
        let mut s = Session::<KafkaSim>::run(catalog::get(name).expect("catalog"), vec![]).expect("runs");
        let len = s.len();
        s.seek(len);
        s
    }

    #[test]
    fn a_send_with_no_leader_is_narrated_at_the_call_and_again_when_it_goes_out() {
        // k-acks1-leader-crash: the producer calls send() for {'data': 6} while no live leader is
        // known; the record goes out once one is elected. Its other sends are plain.
        let s = run("k-acks1-leader-crash");
        let trace = s.full_trace();
        let said: Vec<String> = (0..trace.len()).map(|i| describe_at(trace, i, s.timeline(), Lang::En)).collect();
        let queued: Vec<&String> = said.iter().filter(|t| t.contains("waits in the producer's buffer")).collect();
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert!(queued[0].starts_with("producer called send() with {'data': 6}: no live leader of test_topic-0 is known"), "{}", queued[0]);
        let waiting: Vec<&String> = said.iter().filter(|t| t.contains("'s waiting record")).collect();
        assert_eq!(waiting, vec!["producer's waiting record {'data': 6} went into a produce request: the metadata names a live leader again"]);
        assert_eq!(said.iter().filter(|t| t.contains("called send() with") && t.contains("went into a produce request")).count(), 9);
    }

    fn sim_of(value: serde_json::Value) -> Session<KafkaSim> {
        let scenario = crate::systems::kafka::scenario::KafkaScenario::from_json(&value.to_string()).expect("scenario");
        let mut s = Session::<KafkaSim>::run(scenario, vec![]).expect("runs");
        let len = s.len();
        s.seek(len);
        s
    }

    /// The workload with `faults` and the consumer's `commit` mode.
    fn workload(commit: &str, faults: serde_json::Value) -> Session<KafkaSim> {
        sim_of(serde_json::json!({
            "name": "w", "seed": 1, "broker": {"model": "kafka", "brokers": 1},
            "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 1}],
            "actors": [
                {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000},
                {"role": "consumer", "name": "consumer", "group_id": "test_group", "auto_offset_reset": "earliest", "commit": commit, "work_ms": 500}
            ],
            "faults": faults
        }))
    }

    fn said(s: &Session<KafkaSim>, lang: Lang) -> Vec<String> {
        let trace = s.full_trace();
        (0..trace.len()).map(|i| describe_at(trace, i, s.timeline(), lang)).collect()
    }

    #[test]
    fn a_stored_offset_is_credited_to_the_member_that_owns_the_partition() {
        // Two consumers of one group on 3 partitions, auto-commit and commit after processing:
        // their commits can be in flight in the same millisecond; each stored offset is said
        // as the commit of the member that owned its partition (never the other's).
        for commit in ["auto", "after_processing"] {
            let s = sim_of(serde_json::json!({
                "name": "w2", "seed": 1, "broker": {"model": "kafka", "brokers": 1},
                "topics": [{"name": "test_topic", "partitions": 3, "replication_factor": 1}],
                "actors": [
                    {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000},
                    {"role": "consumer", "name": "consumer", "group_id": "test_group", "auto_offset_reset": "earliest", "commit": commit, "work_ms": 500},
                    {"role": "consumer", "name": "consumer-2", "group_id": "test_group", "auto_offset_reset": "earliest", "commit": commit, "work_ms": 500}
                ]
            }));
            let trace = s.full_trace();
            // The owner of each partition (one generation here: no crash).
            let mut owner = std::collections::BTreeMap::new();
            for e in trace {
                if let PartitionAssigned { actor, partition, .. } = e.event {
                    owner.insert(partition, actor);
                }
            }
            let mut checked = 0;
            for (i, e) in trace.iter().enumerate() {
                if let OffsetCommitted { partition, .. } = e.event {
                    let text = describe_at(trace, i, s.timeline(), Lang::En);
                    let name = actor_name(s.timeline(), owner[&partition]).to_string();
                    assert!(text.starts_with(&format!("{name}'s ")), "{commit}: {text}");
                    checked += 1;
                }
            }
            assert!(checked >= 3, "{commit}: {checked} stored offsets");
        }
    }

    #[test]
    fn the_clients_own_retries_are_not_narrated_as_send_calls() {
        // A lost response without idempotence: {'data': 3}'s request times out and kafka-python's
        // sender sends it again while the program waits in future.get(): one send() per record.
        let s = run("k-lost-response-no-idempotence");
        let en = said(&s, Lang::En);
        let zh = said(&s, Lang::Zh);
        for data in 0..10 {
            let call = format!("producer called send() with {{'data': {data}}}");
            assert_eq!(en.iter().filter(|t| t.starts_with(&call)).count(), 1, "{data}: {en:#?}");
        }
        assert!(en.iter().any(|t| t.starts_with("retry 1 of {'data': 3}: kafka-python's sender sent it again in a new produce request on its own (retries, retry_backoff_ms=100); the program did not call send(), it still waits in future.get()")), "{en:#?}");
        assert!(zh.iter().any(|t| t.starts_with("{'data': 3} 的第 1 次重试：kafka-python 的发送线程自行")), "{zh:#?}");
        assert_eq!(zh.iter().filter(|t| t.contains("调用 send() 发送 {'data': 3}")).count(), 1, "{zh:#?}");
        // The lone broker crashes and comes back 5 s later: the record in flight is retried
        // (first without a live leader, then numbered), never "called send()" again.
        let s = workload("auto", serde_json::json!([
            {"when": {"after": {"actor": "producer", "op": "send", "occurrence": 6}}, "do": {"crash_node": {"node": 0, "restart": false}}},
            {"when": {"at_ms": 9000}, "do": {"start_node": 0}}
        ]));
        let en = said(&s, Lang::En);
        let sent = s.timeline().ledger().messages.len();
        assert!(sent >= 6, "{en:#?}");
        assert_eq!(en.iter().filter(|t| t.contains(" called send() with ")).count(), sent, "{en:#?}");
        let retries: Vec<&String> = en.iter().filter(|t| t.starts_with("retry ")).collect();
        assert!(!retries.is_empty(), "{en:#?}");
        assert!(en.iter().any(|t| t.starts_with("kafka-python's sender would retry {'data': ")), "{en:#?}");
        // Consecutive retries of one record are numbered 1, 2, 3, ...
        let numbers: Vec<u32> = retries.iter().filter_map(|t| t.strip_prefix("retry ")?.split(' ').next()?.parse().ok()).collect();
        assert_eq!(numbers, (1..=numbers.len() as u32).collect::<Vec<_>>(), "{retries:#?}");
    }

    #[test]
    fn durations_as_the_code_writes_them_and_never_sent_records_in_the_outcome() {
        // k-crash-autocommit's producer runs time.sleep(0.05): said 0.05 s, not 0.1 s.
        let en = sentences("k-crash-autocommit", Lang::En);
        assert!(en.iter().any(|t| t == "producer slept 0.05 s") && !en.iter().any(|t| t == "producer slept 0.1 s"), "{en:#?}");
        assert!(sentences("k-crash-autocommit", Lang::Zh).iter().any(|t| t == "producer 休眠了 0.05 秒"));
        // The producer is killed after its 4th send: 6 records are never sent, and the outcome
        // says so (the label is incomplete), from the report's counts.
        let s = sim_of(serde_json::json!({
            "name": "w", "seed": 1, "broker": {"model": "kafka", "brokers": 1},
            "topics": [{"name": "test_topic", "partitions": 1, "replication_factor": 1}],
            "actors": [
                {"role": "producer", "name": "producer", "messages": 10, "interval_ms": 1000},
                {"role": "consumer", "name": "consumer", "group_id": "test_group", "auto_offset_reset": "earliest"}
            ],
            "faults": [{"when": {"after": {"actor": "producer", "op": "get", "occurrence": 4}}, "do": {"crash": "producer"}}]
        }));
        let report = KafkaReport::new(s.timeline(), false);
        assert_eq!(report.counts.never_sent, 6);
        let text = outcome(&report, Lang::En);
        assert_eq!(text, "This run: 4 published, 4 processed once; never sent: 4, 5, 6, 7, 8, 9 (the producer's program ended before sending them).");
        assert!(outcome(&report, Lang::Zh).contains("从未发送：4, 5, 6, 7, 8, 9（"), "{}", outcome(&report, Lang::Zh));
    }

    #[test]
    fn a_ctrl_c_close_commits_only_with_auto_commit() {
        let stop = serde_json::json!([{"when": {"at_ms": 4200}, "do": {"stop": "consumer"}}]);
        for (commit, commits) in [("auto", true), ("before_processing", false), ("after_processing", false)] {
            let s = workload(commit, stop.clone());
            let trace = s.full_trace();
            let at = trace.iter().position(|e| matches!(e.event, ActorStopped { .. })).expect("stopped");
            let en = describe_at(trace, at, s.timeline(), Lang::En);
            let zh = describe_at(trace, at, s.timeline(), Lang::Zh);
            // The model: close() sends a commit only with auto-commit.
            let committed = trace[at..].iter().any(|e| matches!(e.event, CommitSent { .. }));
            assert_eq!(committed, commits, "{commit}");
            // It ends once close() returned, by the KeyboardInterrupt, not at its last line.
            let exited = trace[at..].iter().position(|e| matches!(e.event, ActorExited { .. })).expect("exited") + at;
            assert_eq!(describe_at(trace, exited, s.timeline(), Lang::En), "consumer's close() returned; the KeyboardInterrupt of CTRL+C ended the program (Python printed its traceback)");
            assert!(describe_at(trace, exited, s.timeline(), Lang::Zh).contains("KeyboardInterrupt 结束了程序"));
            if commits {
                assert_eq!(en, "consumer was stopped (CTRL+C): its close() commits its position (enable_auto_commit=True) and leaves the group");
                assert!(zh.contains("会提交位点"), "{zh}");
            } else {
                assert_eq!(en, "consumer was stopped (CTRL+C): its close() leaves the group at once and commits nothing (enable_auto_commit=False: only its own commit() calls commit)");
                assert!(zh.contains("不提交任何位点") && !zh.contains("会提交位点"), "{zh}");
            }
        }
    }

    #[test]
    fn every_event_of_every_chapter_has_both_languages_and_no_placeholder() {
        let mut variants = std::collections::BTreeSet::new();
        for chapter in KAFKA_CHAPTERS {
            let s = run(chapter.scenario);
            let trace = s.full_trace();
            for i in 0..trace.len() {
                let en = describe_at(trace, i, s.timeline(), Lang::En);
                let zh = describe_at(trace, i, s.timeline(), Lang::Zh);
                assert!(!en.is_empty() && !zh.is_empty(), "{:?}", trace[i].event);
                assert_ne!(en, zh, "{:?}", trace[i].event);
                for text in [&en, &zh] {
                    assert!(!text.contains("TODO") && !text.contains("{}") && !text.contains("a record"), "{text}");
                    assert!(!(0..10).any(|d| text.contains(&format!("member {d}"))), "{text}");
                    assert!(!text.contains('?'), "{text}");
                }
                assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) || zh.contains("kafka@"), "{zh}");
                variants.insert(format!("{:?}", trace[i].event).split([' ', '{']).next().unwrap_or_default().to_string());
            }
        }
        // The catalog walks the main story: appends, commits, rebalances, elections, truncation.
        for v in ["RecordAppended", "OffsetCommitted", "SessionExpired", "LeaderElected", "Truncated", "MessageDelivered", "ProduceFailed"] {
            assert!(variants.contains(v), "no {v} in the catalog runs: {variants:?}");
        }
    }

    #[test]
    fn every_variant_has_both_languages() {
        // One of each variant, on the k-workload world (ids that exist there).
        let s = run("k-acks1-leader-crash");
        let sim = s.timeline();
        let a = ActorId(0);
        let n = NodeId(1);
        let q = QueueId(0);
        let c = CopyId(0);
        let m = MessageId(0);
        let e = |x: u32| Endpoint::Node(NodeId(x as u8));
        use KafkaEvent::*;
        let events = [
            ActorStarted { actor: a }, ActorRestarted { actor: a }, ActorCrashed { actor: a }, ActorStopped { actor: a },
            ActorExited { actor: a, error: None }, ActorExited { actor: a, error: Some(ClientError::GetTimedOut) },
            ClientCreated { actor: a, line: 1 }, Printed { actor: a, text: TerminalText::Waiting, line: 1 }, Slept { actor: a, ms: 500, line: 1 },
            MessagePublished { actor: a, message: m, copy: c, line: 1 }, ProduceSent { actor: a, copy: c, partition: q, node: n },
            RecordAppended { copy: c, partition: q, offset: 0, node: n }, RecordDiscarded { copy: c, reason: DiscardReason::FrameLost },
            RecordDiscarded { copy: c, reason: DiscardReason::Refused }, RecordDiscarded { copy: c, reason: DiscardReason::DuplicateBatch },
            RecordDiscarded { copy: c, reason: DiscardReason::Truncated }, RecordDiscarded { copy: c, reason: DiscardReason::ProducerGone },
            RecordDiscarded { copy: c, reason: DiscardReason::NotOnLeader },
            ActorExited { actor: a, error: Some(ClientError::NoOffsetForPartition { detail: 0 }) },
            ProduceAcked { actor: a, message: m, partition: q, offset: 3 }, ProduceAcked { actor: a, message: m, partition: q, offset: -1 },
            ProduceFailed { actor: a, message: m, error: ClientError::RequestTimedOut, retry_in_ms: Some(100) },
            ProduceFailed { actor: a, message: m, error: ClientError::CommitFailed, retry_in_ms: None },
            MessageDelivered { actor: a, copy: c, partition: q, offset: 0, redelivered: true }, MessageDelivered { actor: a, copy: c, partition: q, offset: 0, redelivered: false },
            EffectApplied { actor: a, message: m, line: 1 }, WorkStarted { actor: a, copy: c, ms: 1000, line: 1 }, RecordProcessed { actor: a, copy: c },
            JoinSent { actor: a }, MemberJoined { actor: a, group: 0, member: 0 }, RebalanceStarted { group: 0, generation: 1, reason: RebalanceReason::MemberExpired },
            JoinCompleted { actor: a, group: 0, generation: 1, leader: true }, PartitionAssigned { actor: a, partition: q, generation: 1 },
            PartitionsRevoked { actor: a, count: 1 }, GroupStabilized { group: 0, generation: 1, members: 1 }, GroupEmptied { group: 0, generation: 2 },
            MemberLeft { group: 0, member: 0 }, SessionExpired { group: 0, member: 0 }, MemberKicked { group: 0, member: 0 }, PollIntervalExceeded { actor: a },
            PositionCommitted { actor: a, partition: q, offset: 0 }, PositionReset { actor: a, partition: q, offset: 0, earliest: true },
            PositionReset { actor: a, partition: q, offset: 0, earliest: false }, CommitSent { actor: a, auto: true }, CommitSent { actor: a, auto: false },
            OffsetCommitted { group: 0, partition: q, offset: 0 }, CommitRefused { actor: a }, LeaderElected { partition: q, node: n, epoch: 1, clean: true },
            LeaderElected { partition: q, node: n, epoch: 1, clean: false }, PartitionOffline { partition: q }, IsrShrunk { partition: q, node: n, isr: 2 },
            IsrExpanded { partition: q, node: n, isr: 3 }, HighWatermark { partition: q, offset: 1 }, Replicated { partition: q, node: n, from_offset: 0, count: 1 },
            Truncated { partition: q, node: n, from_offset: 5, count: 1 }, NodeCrashed { node: n }, NodeStopped { node: n }, NodeStarted { node: n }, NodeFenced { node: n },
            Partitioned { a: e(0), b: e(1) }, Healed { a: e(0), b: e(1) }, FrameDropped { from: e(0), to: Endpoint::Actor(a) }, MessageDuplicated { copy: c, from: c },
            ConsumerSlowed { actor: a, work_ms: 2000 }, TransactionsInitialized { actor: a, epoch: 1, line: 1 }, TransactionBegun { actor: a, line: 1 },
            TransactionCommitted { actor: a, line: 1 }, TransactionAborted { actor: a }, TxnMarkerWritten { partition: q, offset: 3, commit: true },
            LimitReached { limit: Limit::Steps },
        ];
        for event in events {
            let trace = [KafkaTraceEntry { at_ms: 0, micros: 0, event }];
            let en = describe_at(&trace, 0, sim, Lang::En);
            let zh = describe_at(&trace, 0, sim, Lang::Zh);
            assert!(!en.is_empty() && !zh.is_empty() && en != zh, "{event:?}");
            assert!(!en.contains("TODO") && !zh.contains("TODO"));
        }
    }

    fn sentences(name: &str, lang: Lang) -> Vec<String> {
        let s = run(name);
        let trace = s.full_trace();
        (0..trace.len()).map(|i| describe_at(trace, i, s.timeline(), lang)).collect()
    }

    #[test]
    fn a_few_exact_sentences() {
        let auto = sentences("k-crash-autocommit", Lang::En);
        assert!(auto.iter().any(|s| s == "consumer's auto-commit stored offset 0 for test_topic-0 (its position then)"), "{auto:#?}");
        assert!(auto.iter().any(|s| s == "consumer's session expired 45 s after its last heartbeat: the coordinator removed it from the group"), "{auto:#?}");
        let acks = sentences("k-acks1-leader-crash", Lang::En);
        assert!(acks.iter().any(|s| s == "kafka@0 appended {'data': 5} at offset 5 of test_topic-0; not yet on the followers"), "{acks:#?}");
        assert!(acks.iter().any(|s| s.ends_with("the new leader kafka@1 does not have offset 5: it is truncated on kafka@0 when it rejoins")), "{acks:#?}");
        let zh = sentences("k-crash-autocommit", Lang::Zh);
        assert!(zh.iter().any(|s| s == "consumer 的自动提交为 test_topic-0 存储了位点 0（它当时的位置）"), "{zh:#?}");
    }

    #[test]
    fn openings_quote_the_run() {
        let s = run("k-crash-autocommit");
        let report = KafkaReport::new(s.timeline(), false);
        let text = opening(&KAFKA_CHAPTERS[1], s.timeline(), &report, Lang::En);
        assert!(text.contains("0, 1, 2, 3 duplicated"), "{text}");
        assert!(outcome(&report, Lang::En).contains("0 ×2"), "{}", outcome(&report, Lang::En));
        assert!({
            let s = run("k-idempotent-lost-response");
            opening(&KAFKA_CHAPTERS[5], s.timeline(), &KafkaReport::new(s.timeline(), false), Lang::En)
        }.ends_with("the log holds 10 records for 10 messages."));
        let s = run("k-acks1-leader-crash");
        let report = KafkaReport::new(s.timeline(), false);
        assert!(opening(&KAFKA_CHAPTERS[3], s.timeline(), &report, Lang::Zh).contains("{'data': 5} 已被确认却丢失"));
        for (i, chapter) in KAFKA_CHAPTERS.iter().enumerate() {
            assert_eq!(catalog::ENTRIES[i].0, chapter.scenario);
            let s = run(chapter.scenario);
            let text = opening(chapter, s.timeline(), &KafkaReport::new(s.timeline(), false), Lang::En);
            assert!(!text.contains('?') && !text.contains("my-group"), "{text}");
        }
        let s = run("k-workload");
        assert!(opening(&KAFKA_CHAPTERS[0], s.timeline(), &KafkaReport::new(s.timeline(), false), Lang::En).contains("in group test_group reads"));
    }
}

/// A cause in `lang` (`Cause::text` is the English).
pub fn cause_text(cause: crate::systems::kafka::trace::Cause, lang: Lang) -> String {
    if lang == Lang::En {
        return cause.text();
    }
    cause_zh(cause)
}

/// A cause in Chinese.
fn cause_zh(cause: crate::systems::kafka::trace::Cause) -> String {
    use crate::systems::kafka::trace::{Cause, Resent};
    match cause {
        Cause::Replayed { partition, from_offset } => format!("重平衡后从分区 {partition} 的已提交位点 {from_offset} 重放（消费组只提交到那里）"),
        Cause::ReadFromReset { partition, from_offset } => format!("从分区 {partition} 的位点 {from_offset} 重新读取：消费组在那里没有提交过位点，所以 auto_offset_reset 让接手该分区的消费者从头开始"),
        Cause::StoredTwice { copies, by } => match by {
            Resent::Retry { timed_out, idempotent } => format!(
                "在日志中存了 {copies} 次：broker 已经追加了它，但生产者{}，于是在同一个进程里重试；{}",
                if timed_out { "在 request_timeout_ms 内没有收到回答（响应丢失了）" } else { "看到请求失败（连接断开或收到错误）" },
                if idempotent { "broker 已不再认得这个批次的序号，又追加了一次" } else { "未开启幂等（enable_idempotence=False）时，broker 分不清重试和新记录，又追加了一次" }
            ),
            Resent::Restart => format!("在日志中存了 {copies} 次：生产者被重启，新进程又发送了一次（新进程就是新的 producer id：幂等无法识别第二条记录）"),
            Resent::NetworkDuplicate => format!("在日志中存了 {copies} 次：网络把生产请求投递了两次，broker 两次都追加了"),
        },
        Cause::Truncated { acked: true } => "已被确认（acks=1 或 0：只有领导者有它），然后在没有它的跟随者成为领导者时被截断".into(),
        Cause::Truncated { acked: false } => "领导者死去时只有它有这条记录；没有它的跟随者成为领导者，旧领导者截断了它".into(),
        Cause::Skipped { partition, offset } => format!("仍在分区 {partition} 的位点 {offset}，但消费组的已提交位点在处理它之前就越过了它"),
        Cause::OtherPartition { partition, later, later_partition, takeover: None } => format!(
            "在更晚的记录 {{'data': {later}}} 之后才被打印（同一个消费者先打印了那条）；那条在分区 {later_partition}，这条在分区 {partition}：Kafka 只在一个分区之内保证顺序，消费者按拉取返回的先后读各个分区"
        ),
        Cause::OtherPartition { partition, later, later_partition, takeover: Some(t) } if t.late => format!(
            "在更晚的记录 {{'data': {later}}}（分区 {later_partition}）之后才被打印，同一个消费者先打印了那条：这个消费者之后才拿到分区 {partition}，是在{}；Kafka 只在一个分区之内保证顺序",
            takeover_zh(t, partition)
        ),
        Cause::OtherPartition { partition, later, later_partition, takeover: Some(t) } => format!(
            "在更晚的记录 {{'data': {later}}}（分区 {later_partition}）之后才被打印，同一个消费者先打印了那条：这个消费者接手分区 {later_partition} 和 {partition} 时，两条记录都已在日志中等待，是在{}；它的拉取先返回了分区 {later_partition} 积压的记录，而 Kafka 只在一个分区之内保证顺序",
            takeover_zh(t, partition)
        ),
        Cause::StoredAfterLater { partition, offset, later, later_offset } => format!(
            "存储在分区 {partition} 的位点 {offset}，排在更晚的记录 {{'data': {later}}}（位点 {later_offset}，同一个消费者先打印了它）之后：一个分区按日志顺序被读取"
        ),
        Cause::PrintedNotProcessed { printed } => format!("打印了 {printed} 次但只处理了一次：消费者收到它时打印了它，却在处理完成之前死去"),
        Cause::ReceivedNotProcessed { partition, offset, printed, by_close, stopped } => {
            let ended = if stopped { "被停止（CTRL+C）" } else { "被杀死" };
            if by_close {
                format!("收到并打印了 {printed} 次，但处理没有完成：它的消费者在处理它时{ended}，close() 自动提交了越过它的位置（enable_auto_commit=True）；消费组之后启动的消费者从分区 {partition} 的位点 {offset} 之后开始，所以它永远不会被处理（至多一次）")
            } else {
                format!("收到并打印了 {printed} 次，它的位点在处理之前就已提交（先提交后处理）；它的消费者在处理完成之前{ended}，消费组之后启动的消费者从分区 {partition} 的位点 {offset} 之后开始，所以它永远不会被处理（至多一次）")
            }
        }
        Cause::SkippedByLatest { partition, offset } => format!("仍在分区 {partition} 的位点 {offset}，但消费组没有已提交的位点，auto_offset_reset='latest' 让消费者从它之后开始"),
        Cause::AboveHighWatermark { partition, offset } => format!("存储在分区 {partition} 的位点 {offset}，但在高水位之上：只有当每个同步副本都有某条记录、且 ISR 不少于 min.insync.replicas（最多为副本因子）时，高水位才会前进；在此之前没有消费者可以读它"),
        Cause::NeverStoredUnanswered => "从未存储：acks=0 时生产者不等回答；broker 没有追加它，生产者也不知道".into(),
        Cause::NeverStored => "从未存储：生产者的发送失败，之后没有重发".into(),
        Cause::Offline { partition } => format!("已存储，但分区 {partition} 没有存活的领导者（它的 broker 宕机了）：在 broker 恢复之前，没有消费者能读到它"),
        Cause::Unread => "存储在日志中，但它的消费组里已经没有消费者来读它".into(),
        Cause::Held { partition, offset, printed, in_commit: true } => format!("在分区 {partition} 的位点 {offset} 被读取并打印了 {printed} 次，随后它的消费者调用了 consumer.commit()，要等消费组协调者回答；协调者联系不上（它的 broker 宕机或被隔断），所以提交永远不会被存储，提交之后的处理也永远不会执行。已提交的位点仍停在它这里：broker 若恢复，提交和处理都会继续"),
        Cause::Held { partition, offset, printed, in_commit: false } => format!("在分区 {partition} 的位点 {offset} 被读取并打印了 {printed} 次；运行结束时它的消费者仍持有它，处理尚未完成"),
    }
}

/// When a takeover's rebalance happened and where reading started, in Chinese
/// (`Takeover::text` is the English).
fn takeover_zh(t: crate::systems::kafka::trace::Takeover, partition: u16) -> String {
    use crate::systems::kafka::group::RebalanceReason;
    use crate::systems::kafka::trace::TakeoverWhy;
    let why = match t.why {
        TakeoverWhy::SessionExpired { session_timeout_ms } => format!("一个已死成员的会话过期（session_timeout_ms = {} 秒内没有心跳）之后的重平衡中", session_timeout_ms / 1000),
        TakeoverWhy::Kicked => "一个成员没有在重平衡超时（max_poll_interval_ms）内重新加入、被移除之后的重平衡中".into(),
        TakeoverWhy::Reason(RebalanceReason::InitialJoin) => "消费组首次形成的重平衡中".into(),
        TakeoverWhy::Reason(RebalanceReason::MemberJoined) => "有成员加入时的重平衡中".into(),
        TakeoverWhy::Reason(RebalanceReason::MemberLeft) => "有成员离开时的重平衡中".into(),
        TakeoverWhy::Reason(RebalanceReason::MemberExpired) => "有成员的会话过期之后的重平衡中".into(),
        TakeoverWhy::Reason(RebalanceReason::LeaderRejoined) => "组长重新加入时的重平衡中".into(),
    };
    let from = if t.committed {
        format!("从消费组的已提交位点 {} 读取分区 {partition}", t.from_offset)
    } else {
        format!("从位点 {} 读取分区 {partition}（那里没有已提交的位点，由 auto_offset_reset 决定）", t.from_offset)
    };
    format!("{why}，并{from}")
}
