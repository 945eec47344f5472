//! English and Chinese, both first-class: UI labels and a past-tense sentence for every
//! trace event (the event log and the step narration).
//!
//! Invariant: every label has both languages (a test checks none is empty).

use crate::engine::ids::*;
use crate::systems::rabbitmq::trace::{ClientError, DeathReason, DiscardReason, Endpoint, Event, TraceEntry};
use crate::systems::rabbitmq::Sim;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En = 0,
    Zh = 1,
}

impl Lang {
    /// From a BCP 47 tag such as the browser's `navigator.language`.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

/// UI labels: `(key, English, Chinese)`.
pub const LABELS: &[(&str, &str, &str)] = &[
    ("title", "Queue Playground", "消息队列演练场"),
    // The header's system switch (here, not with the Kafka page's labels: the first module
    // draws it).
    ("system", "System", "系统"),
    ("rabbitmq", "RabbitMQ", "RabbitMQ"),
    ("kafka", "Kafka", "Kafka"),
    ("zeromq", "ZeroMQ", "ZeroMQ"),
    ("tour", "Tour", "导览"),
    ("step", "Step", "单步"),
    ("back", "Back", "后退"),
    ("play", "Play", "播放"),
    ("pause", "Pause", "暂停"),
    ("reset", "Reset", "重置"),
    ("speed", "Speed", "速度"),
    ("faults", "Faults now", "立即注入故障"),
    ("crash_consumer", "Crash consumer", "杀死消费者"),
    ("crash_producer", "Crash producer", "杀死生产者"),
    ("crash_relay", "Crash relay", "杀死中继"),
    ("crash_service", "Crash order service", "杀死订单服务"),
    ("drop_next_relay", "Drop the relay's next frame", "丢弃中继的下一帧"),
    ("restart_relay", "Restart relay", "重启中继"),
    ("restart_broker", "Restart broker", "重启 broker"),
    ("crash_broker", "Crash broker", "broker 崩溃"),
    ("partition", "Cut consumer network", "切断消费者网络"),
    ("heal", "Heal network", "恢复网络"),
    ("drop_next", "Drop next message", "丢弃下一条消息"),
    ("poison_next", "Poison next message", "下一条为毒消息"),
    ("injected", "Injected faults", "已注入的故障"),
    ("chapter_faults", "The chapter's own faults (they stay when you inject yours)", "本章自带的故障（注入你的故障后它们仍然生效）"),
    ("remove", "Remove this fault", "移除此故障"),
    ("restore_faults", "Bring them back", "恢复这些故障"),
    ("dismiss", "Dismiss", "关闭"),
    ("settings", "Settings", "设置"),
    ("messages", "Messages", "消息"),
    ("verdict", "Verdict", "判定"),
    ("cause", "Cause", "原因"),
    ("where", "Where", "位置"),
    ("events", "Event log", "事件日志"),
    ("code", "Code", "代码"),
    ("terminal", "Terminal", "终端"),
    ("compare", "Compare", "对比"),
    ("as_written", "As written", "原文写法"),
    ("fixed", "Fixed", "修复后"),
    ("share", "Share link", "分享链接"),
    ("embed", "Embed", "嵌入代码"),
    ("chapter", "Chapter", "章节"),
    ("loaded", "Loaded:", "已加载："),
    ("copy_link", "Copy link", "复制链接"),
    ("copy_snippet", "Copy embed snippet", "复制嵌入代码"),
    ("copied_link", "Link copied", "链接已复制"),
    ("saved_scenario", "Scenario file saved (see your downloads)", "场景文件已保存（见下载）"),
    ("saved_export", "Python file saved (see your downloads)", "Python 文件已保存（见下载）"),
    ("copied_snippet", "Embed snippet copied", "嵌入代码已复制"),
    ("copy_fallback", "Selected: press Ctrl+C (⌘C) to copy", "已选中：按 Ctrl+C（⌘C）复制"),
    ("no_link_loaded", "A loaded scenario has no share link: save it as a file instead", "已加载的场景没有分享链接：请将其保存为文件"),
    ("link_pending", "Shown after your first change or a click here", "首次改动或点击此处后显示"),
    ("embed_options", "Embed options", "嵌入选项"),
    ("lock_chapter", "Lock the chapter", "锁定章节"),
    ("start_at", "Start at", "起始步骤"),
    ("current_step", "the current step", "当前步骤"),
    ("step_zero", "step 0", "第 0 步"),
    ("lang_current", "current language", "当前语言"),
    ("theme", "Theme", "主题"),
    ("embed_lang", "Language", "语言"),
    ("theme_auto", "follow the system", "跟随系统"),
    ("theme_light", "light", "浅色"),
    ("theme_dark", "dark", "深色"),
    ("close", "Close", "关闭"),
    ("save_scenario", "Save scenario", "保存场景"),
    ("export_real", "Export for a real RabbitMQ", "导出到真实 RabbitMQ"),
    ("export_real_title", "Download one Python file: run it to write the programs exactly as shown, the scenario and a driver that runs them on your RabbitMQ with these faults", "下载一个 Python 文件：运行它会写出与页面完全一致的程序、场景文件和驱动脚本，在你的 RabbitMQ 上带着这些故障运行它们"),
    ("load_scenario", "Load scenario", "加载场景"),
    ("load_failed", "Could not load", "无法加载"),
    ("load_too_big", "the file is larger than 1 MB", "文件大于 1 MB"),
    ("seed", "seed", "种子"),
    ("engine", "engine", "引擎"),
    ("language", "中文", "English"),
    ("broken_link", "This share link could not be opened", "无法打开此分享链接"),
    ("step_of", "step", "步"),
    ("timeline", "Timeline", "时间线"),
    ("charts", "Over time", "随时间变化"),
    ("message_id", "ID", "编号"),
    ("payload", "Payload", "消息体"),
    ("published", "published", "已发布"),
    ("requests", "requests", "个请求"),
    ("processed_once", "processed once", "处理一次"),
    ("redelivered", "redelivered", "重新投递"),
    ("out_of_order", "out of order", "乱序"),
    ("duplicated", "duplicated", "重复"),
    ("lost", "lost", "丢失"),
    ("dead_lettered", "dead-lettered", "死信"),
    ("expired", "expired", "过期"),
    ("stranded", "stranded", "滞留"),
    ("never_sent", "never sent", "从未发送"),
    ("pending", "pending", "待处理"),
    ("queue_depth", "queue depth", "队列深度"),
    ("waiting_requests", "waiting (queued, or for the handler)", "等待中（在队列里或等处理程序）"),
    ("unacked", "unacked", "未确认"),
    ("processed", "processed", "已处理"),
    // The broker diagram.
    ("exchange", "exchange", "交换机"),
    ("exchange_missing", "this exchange does not exist: a publish to it closes the channel (404 NOT_FOUND)", "该交换机不存在：向它发布会使信道被关闭（404 NOT_FOUND）"),
    ("ready", "ready", "就绪"),
    ("loading", "loading Kafka…", "正在加载 Kafka…"),
    ("opening", "opening the run…", "正在打开运行…"),
    ("narrating", "loading the narration…", "正在加载讲述…"),
    ("tools_pending", "Fetching the share tools' code…", "正在获取分享工具的代码…"),
    ("narration_pending", "Fetching the narration of the events…", "正在获取事件的讲述…"),
    ("opening_run", "Opening the run of the link or of your last visit…", "正在打开链接中的或上次访问时的运行…"),
    ("durable", "durable", "持久化"),
    ("quorum", "quorum", "仲裁队列"),
    // A queue that does not exist: not declared yet, or deleted.
    ("deleted", "does not exist", "不存在"),
    ("node_up", "up", "运行中"),
    ("node_down", "down", "已停止"),
    ("persistent", "persistent", "持久消息"),
    ("queue_node_down", "node down", "节点已停止"),
    ("link_cut", "network cut", "网络已切断"),
    ("legend", "Legend", "图例"),
    ("legend_persistent", "persistent (delivery_mode=2)", "持久消息（delivery_mode=2）"),
    ("legend_transient", "transient", "非持久消息"),
    ("legend_unacked", "unacked: delivered, not yet acked", "未确认：已投递，尚未确认"),
    ("legend_redelivered", "redelivered", "重新投递"),
    ("legend_lost", "lost: dropped at this step", "丢失：在这一步被丢弃"),
    ("transient", "transient", "非持久消息"),
    // The order service's database under the diagram (`view::DatabaseView`).
    ("db_orders", "orders:", "订单："),
    ("db_outbox", "outbox:", "发件箱："),
    ("db_effects", "inbox (effects applied):", "收件箱（已应用的效果）："),
    // Actor states (`ActorView::status`).
    ("not_started", "not started", "未启动"),
    ("running", "running", "运行中"),
    ("crashed", "crashed", "已崩溃"),
    ("stopped", "stopped", "已停止"),
    ("failed", "failed", "出错退出"),
    ("finished", "finished", "已结束"),
    // Where a copy is (`LiveRow::place`: a state, then the queue where it has one).
    ("in_flight", "in flight", "传输中"),
    ("outbox", "in the outbox (orders.db)", "在发件箱中（orders.db）"),
    ("at_handler", "at its handler (waiting, or being worked on)", "在处理程序处（等待中或处理中）"),
    ("handled", "processed by its handler", "已由处理程序处理"),
    ("queued", "queued", "排队中"),
    ("delivered", "delivered", "已投递"),
    ("acked", "acked", "已确认"),
    ("dropped", "dropped", "已丢弃"),
    // Run labels (`RunLabel::name`), with the English term kept for matching other texts.
    ("effectively-once", "effectively-once", "有效一次（effectively-once）"),
    ("at-least-once", "at-least-once", "至少一次（at-least-once）"),
    ("at-most-once", "at-most-once", "至多一次（at-most-once）"),
    ("no-guarantee", "no-guarantee", "无保证（no-guarantee）"),
    ("incomplete", "incomplete", "未完成（incomplete）"),
    ("next_mark", "Next fault or loss", "下一个故障或丢失"),
    ("next_mark_title", "Jump to the next fault, or the next message lost or dead-lettered", "跳到下一个故障，或下一条丢失或进入死信的消息"),
    ("in-progress", "so far: nothing lost or duplicated", "目前为止：没有丢失或重复"),
    ("faults_injected_note", "You injected faults: the text above describes the chapter as written; what this run does is told step by step below, and in a summary at its end.", "你注入了故障：上面的文字描述的是原文的写法；本次运行做了什么，请看下面逐步的叙述和结束时的总结。"),
    ("settings_and_faults_note", "You changed the settings and injected faults: the text above describes the chapter as written; what this run does is told step by step below, and in a summary at its end.", "你修改了设置并注入了故障：上面的文字描述的是原文的写法；本次运行做了什么，请看下面逐步的叙述和结束时的总结。"),
    ("settings_changed_note", "You changed the settings: the text above describes the chapter as written; what this run does is told step by step below, and in a summary at its end.", "你修改了设置：上面的文字描述的是原文的写法；本次运行做了什么，请看下面逐步的叙述和结束时的总结。"),
    ("not_sent", "not sent", "未发送"),
];

/// A verdict row's place list (`"unacked test_queue, acked"`) in `lang`: each state word is
/// translated, queue names stay. In Chinese a copy in a queue reads as a place ("在 test_queue
/// 中排队"), not a bare state, and the list is joined with a full-width comma.
pub fn place_text(place: &str, lang: Lang) -> String {
    place
        .split(", ")
        .map(|item| match (item.split_once(' '), lang) {
            // Auto-acked: the broker forgot it; only the consumer's process holds it.
            (Some(("delivered", queue)), Lang::En) => format!("auto-acked, at the consumer, from {queue}"),
            (Some((state, queue)), Lang::En) => format!("{} {queue}", label(state, lang)),
            (Some(("queued", queue)), Lang::Zh) => format!("在 {queue} 中排队"),
            (Some(("dead_lettered", queue)), Lang::Zh) => format!("在 {queue} 中（死信）"),
            (Some(("unacked", queue)), Lang::Zh) => format!("已从 {queue} 投递，待确认"),
            (Some(("delivered", queue)), Lang::Zh) => format!("已从 {queue} 投递（自动确认）"),
            (Some((state, queue)), Lang::Zh) => format!("{}（{queue}）", label(state, lang)),
            (None, _) => label(item, lang).to_string(),
        })
        .collect::<Vec<_>>()
        .join(if lang == Lang::En { ", " } else { "，" })
}

/// "step 12" / "第 12 步" (a timeline marker's title).
pub fn step_label(step: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("step {step}"),
        Lang::Zh => format!("第 {step} 步"),
    }
}

/// The notice for a share link made by another engine version (the run may differ).
pub fn engine_differs(link: &str, page: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("This link was made with engine {link}; this page runs engine {page}, so the run may differ from the one shared."),
        Lang::Zh => format!("此链接由引擎 {link} 生成；本页运行引擎 {page}，运行结果可能与分享时不同。"),
    }
}

/// Where the run is, for the scrubber's `aria-valuetext` and the pause announcement:
/// "step 12 of 88, 1506 ms" / "第 12 步，共 88 步，1506 毫秒".
pub fn position_text(step: usize, steps: usize, at_ms: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("step {step} of {steps}, {at_ms} ms"),
        Lang::Zh => format!("第 {step} 步，共 {steps} 步，{at_ms} 毫秒"),
    }
}

/// "line 12" / "第 12 行".
pub fn line_label(line: u16, lang: Lang) -> String {
    match lang {
        Lang::En => format!("line {line}"),
        Lang::Zh => format!("第 {line} 行"),
    }
}

/// A label in `lang` (the key itself if unknown, so a missing label is visible, not fatal).
pub fn label(key: &str, lang: Lang) -> &str {
    LABELS.iter().find(|(k, _, _)| *k == key).map(|(_, en, zh)| if lang == Lang::En { *en } else { *zh }).unwrap_or(key)
}

fn actor_name(sim: &Sim, actor: ActorId) -> &str {
    &sim.setup().actors[actor.index()].name
}

fn queue_name(sim: &Sim, queue: QueueId) -> &str {
    &sim.setup().scenario.queues[queue.index()].name
}

fn data_of_copy(sim: &Sim, copy: CopyId) -> String {
    sim.ledger().copies.get(copy.index()).map(|c| sim.ledger().messages[c.message.index()].data.to_string()).unwrap_or_else(|| "?".into())
}

fn data_of(sim: &Sim, message: MessageId) -> String {
    sim.ledger().messages.get(message.index()).map(|m| m.data.to_string()).unwrap_or_else(|| "?".into())
}

fn endpoint(sim: &Sim, e: Endpoint) -> String {
    match e {
        Endpoint::Actor(a) => actor_name(sim, a).to_string(),
        Endpoint::Node(n) => format!("rabbit@{}", n.0),
    }
}

fn discard_reason(reason: DiscardReason, lang: Lang) -> &'static str {
    let (en, zh) = match reason {
        DiscardReason::Unroutable => ("no queue matched", "没有匹配的队列"),
        DiscardReason::Returned => ("no queue matched, so the broker returned it to its producer (mandatory=True)", "没有匹配的队列，broker 把它退回给了生产者（mandatory=True）"),
        DiscardReason::ExchangeMissing => ("its exchange did not exist, and the broker closed its producer's channel (404 NOT_FOUND)", "它的交换机不存在，broker 关闭了生产者的信道（404 NOT_FOUND）"),
        DiscardReason::DeadLetterExchangeMissing => ("its dead-letter exchange did not exist", "它的死信交换机不存在"),
        DiscardReason::Rejected => ("rejected without requeue", "被拒绝且不重新入队"),
        DiscardReason::Expired => ("the queue's TTL (x-message-ttl) ran out", "队列的 TTL（x-message-ttl）到期"),
        DiscardReason::MessageExpired => ("its own TTL (expiration) ran out", "它自己的 TTL（expiration）到期"),
        DiscardReason::MaxLength => ("the queue was full", "队列已满"),
        DiscardReason::DeliveryLimit => ("delivery limit exceeded", "超过投递次数上限"),
        DiscardReason::TransientOnRestart => ("transient message lost in the restart", "非持久化消息在重启中丢失"),
        DiscardReason::QueueNotDurable => ("its queue was not durable", "队列不是持久化的"),
        DiscardReason::AutoAckedUnprocessed => ("auto-acked but never processed", "已自动确认但从未被处理"),
        DiscardReason::FrameLost => ("lost on the network", "在网络中丢失"),
        DiscardReason::QueueUnavailable => ("its queue was unavailable", "队列不可用"),
        DiscardReason::ConnectionCut => ("auto-acked, then cut off on the network", "已自动确认，随后在网络切断中丢失"),
        DiscardReason::ConnectionClosed => ("published on a closed connection", "发布到已关闭的连接上"),
        DiscardReason::DeadLetterCycle => ("dropped in a dead-letter cycle", "在死信循环中被丢弃"),
        DiscardReason::NotOnDisk => ("its node crashed before it was written to disk", "它所在的节点在它写入磁盘之前崩溃了"),
    };
    if lang == Lang::En {
        en
    } else {
        zh
    }
}

/// The setup events a run opens with (a program started, connected, opened a channel,
/// declared its queue, set its prefetch, turned on confirms, subscribed, printed), worded without the
/// rest of the narration: the tour's first chapter opens at its declare, so the first page
/// words its events without fetching the narration module (`ui::narration_chunk`). None for
/// any other event. `describe` and `describe_at` word these the same (no look-back applies).
pub fn describe_opening(event: &Event, sim: &Sim, lang: Lang) -> Option<String> {
    let en = lang == Lang::En;
    let a = |actor: ActorId| actor_name(sim, actor).to_string();
    let pick = |e: String, z: String| if en { e } else { z };
    use Event::*;
    match *event {
        ActorStarted { actor } => Some(pick(format!("{} started", a(actor)), format!("{} 启动", a(actor)))),
        Connected { actor, node, .. } => Some(pick(format!("{} connected to rabbit@{}", a(actor), node.0), format!("{} 连接到 rabbit@{}", a(actor), node.0))),
        ChannelOpened { actor, .. } => Some(pick(format!("{} opened a channel", a(actor)), format!("{} 打开了信道", a(actor)))),
        QueueDeclared { actor, queue, .. } => Some(pick(format!("{} declared {}", a(actor), queue_name(sim, queue)), format!("{} 声明了队列 {}", a(actor), queue_name(sim, queue)))),
        ConfirmsEnabled { actor, .. } => Some(pick(format!("{} turned on publisher confirms", a(actor)), format!("{} 开启了发布确认", a(actor)))),
        QosSet { actor, prefetch_count, .. } => Some(pick(format!("{} set prefetch_count={prefetch_count}", a(actor)), format!("{} 设置 prefetch_count={prefetch_count}", a(actor)))),
        ConsumeStarted { actor, queue, .. } => Some(pick(format!("{} subscribed to {}", a(actor), queue_name(sim, queue)), format!("{} 订阅了 {}", a(actor), queue_name(sim, queue)))),
        Printed { actor, text, .. } => {
            let line = text.render(&sim.setup().scenario);
            Some(pick(format!("{} printed \"{}\"", a(actor), line.trim()), format!("{} 输出 \"{}\"", a(actor), line.trim())))
        }
        _ => None,
    }
}

/// One event as a past-tense sentence. `sim` supplies names (any world of the same run
/// that has seen the event, e.g. the session's timeline).
pub fn describe(event: &Event, sim: &Sim, lang: Lang) -> String {
    let en = lang == Lang::En;
    let a = |actor: ActorId| actor_name(sim, actor).to_string();
    let pick = |e: String, z: String| if en { e } else { z };
    use Event::*;
    match *event {
        ActorStarted { .. } | Connected { .. } | ChannelOpened { .. } | QueueDeclared { .. } | ConfirmsEnabled { .. } | QosSet { .. } | ConsumeStarted { .. } | Printed { .. } => {
            describe_opening(event, sim, lang).unwrap_or_default()
        }
        ConnectionRefused { actor, node, .. } => pick(format!("{} could not connect to rabbit@{}", a(actor), node.0), format!("{} 无法连接 rabbit@{}", a(actor), node.0)),
        ConnectStalled { actor, node, .. } => pick(
            format!("{}'s connect to rabbit@{} gets no answer: the network is cut, so its TCP SYN is lost. It retries until pika's socket_timeout (10 s) runs out, unless the cut heals first", a(actor), node.0),
            format!("{} 连接 rabbit@{} 没有回应：网络被切断，TCP SYN 丢失。它会重试，直到 pika 的 socket_timeout（10 秒）用完，除非网络先恢复", a(actor), node.0),
        ),
        QueueDeclareRefused { actor, queue, .. } => {
            let node = sim.setup().scenario.queues[queue.index()].node;
            pick(
                format!("the broker refused {}'s declare of {}: the durable queue's home node rabbit@{node} is down or unreachable (404 NOT_FOUND), and closed its channel", a(actor), queue_name(sim, queue)),
                format!("broker 拒绝了 {} 对 {} 的声明：这个持久化队列的主节点 rabbit@{node} 宕机或不可达（404 NOT_FOUND），并关闭了它的信道", a(actor), queue_name(sim, queue)),
            )
        }
        ChannelError { actor, error, .. } => {
            let scenario = &sim.setup().scenario;
            match error {
                ClientError::QueueNotFound { queue } => {
                    let q = queue_name(sim, QueueId(u16::from(queue)));
                    pick(
                        format!("the broker closed {}'s channel: there is no queue {q} (404 NOT_FOUND); the connection stays open", a(actor)),
                        format!("broker 关闭了 {} 的信道：不存在队列 {q}（404 NOT_FOUND）；连接仍然打开", a(actor)),
                    )
                }
                ClientError::QueueInequivalent { queue, declare } => {
                    let q = queue_name(sim, QueueId(u16::from(queue)));
                    let why = crate::systems::rabbitmq::trace::inequivalence(&scenario.queues[usize::from(queue)], declare);
                    let key = why.split('\'').nth(1).unwrap_or("");
                    pick(
                        format!("the broker refused {}'s declare of {q} and closed its channel (406 PRECONDITION_FAILED): {q} exists with another '{key}' than the declare asks for", a(actor)),
                        format!("broker 拒绝了 {} 对 {q} 的声明并关闭了它的信道（406 PRECONDITION_FAILED）：{q} 已存在，但它的 '{key}' 与声明中的不同", a(actor)),
                    )
                }
                ClientError::AckTimeout => ack_timeout_text(sim, actor, true, lang),
                other => {
                    let text = other.text(scenario);
                    pick(format!("the broker closed {}'s channel: {text}", a(actor)), format!("broker 关闭了 {} 的信道：{text}", a(actor)))
                }
            }
        }
        Slept { actor, ms, line } => {
            let program = &sim.setup().actors[actor.index()].program;
            let poll = program.main.iter().any(|op| op.line == line && op.kind == crate::systems::rabbitmq::program::OpKind::PollSleep);
            if poll && matches!(sim.setup().actors[actor.index()].spec, crate::scenario::ActorSpec::Relay(_)) {
                pick(format!("{} found the outbox empty; it sleeps {ms} ms before looking again", a(actor)), format!("{} 发现发件箱是空的；它休眠 {ms} 毫秒后再查看", a(actor)))
            } else if poll {
                let q = queue_name(sim, sim.setup().actors[actor.index()].queue);
                pick(format!("{}'s basic_get found {q} empty; it sleeps {ms} ms before asking again", a(actor)), format!("{} 的 basic_get 发现 {q} 是空的；它休眠 {ms} 毫秒后再取", a(actor)))
            } else {
                pick(format!("{} went to sleep for {ms} ms", a(actor)), format!("{} 开始休眠 {ms} 毫秒", a(actor)))
            }
        }
        MessagePublished { actor, message, .. } => pick(format!("{} published {{'data': {}}}", a(actor), data_of(sim, message)), format!("{} 发布了 {{'data': {}}}", a(actor), data_of(sim, message))),
        MessageEnqueued { copy, queue } => pick(format!("{{'data': {}}} entered {}", data_of_copy(sim, copy), queue_name(sim, queue)), format!("{{'data': {}}} 进入队列 {}", data_of_copy(sim, copy), queue_name(sim, queue))),
        MessageCopied { copy, queue, .. } => pick(format!("a copy of {{'data': {}}} went to {}", data_of_copy(sim, copy), queue_name(sim, queue)), format!("{{'data': {}}} 的副本进入 {}", data_of_copy(sim, copy), queue_name(sim, queue))),
        PublishConfirmed { actor, message } => pick(format!("the broker confirmed {{'data': {}}} to {}", data_of(sim, message), a(actor)), format!("broker 向 {} 确认了 {{'data': {}}}", a(actor), data_of(sim, message))),
        PublishNacked { actor, message } => pick(format!("the broker refused {{'data': {}}} from {}", data_of(sim, message), a(actor)), format!("broker 拒绝了 {} 的 {{'data': {}}}", a(actor), data_of(sim, message))),
        PublishFailed { actor, message, retry_in_ms, .. } => match retry_in_ms {
            Some(ms) => pick(format!("publishing {{'data': {}}} failed; {} retries in {ms} ms", data_of(sim, message), a(actor)), format!("发布 {{'data': {}}} 失败；{} 将在 {ms} 毫秒后重试", data_of(sim, message), a(actor))),
            None => pick(format!("publishing {{'data': {}}} failed; {} gave up", data_of(sim, message), a(actor)), format!("发布 {{'data': {}}} 失败；{} 放弃了", data_of(sim, message), a(actor))),
        },
        MessageDelivered { copy, actor, redelivered, .. } => {
            let r = if redelivered { if en { " (redelivered)" } else { "（重新投递）" } } else { "" };
            // A polling consumer (`poll_ms`) only ever calls basic_get: each delivery to it is
            // the answer to one.
            let fetched = matches!(&sim.setup().actors[actor.index()].spec, crate::scenario::ActorSpec::Consumer(c) if c.poll_ms.is_some());
            if fetched {
                pick(format!("the broker answered {}'s basic_get with {{'data': {}}}{r}", a(actor), data_of_copy(sim, copy)), format!("broker 用 {{'data': {}}} 回应了 {} 的 basic_get{r}", data_of_copy(sim, copy), a(actor)))
            } else {
                pick(format!("the broker delivered {{'data': {}}} to {}{r}", data_of_copy(sim, copy), a(actor)), format!("broker 把 {{'data': {}}} 投递给 {}{r}", data_of_copy(sim, copy), a(actor)))
            }
        }
        CallbackStarted { actor, copy, .. } => pick(format!("{} started processing {{'data': {}}}", a(actor), data_of_copy(sim, copy)), format!("{} 开始处理 {{'data': {}}}", a(actor), data_of_copy(sim, copy))),
        EffectApplied { actor, message, .. } => pick(format!("{} applied the effect of {{'data': {}}}", a(actor), data_of(sim, message)), format!("{} 执行了 {{'data': {}}} 的效果", a(actor), data_of(sim, message))),
        RequestArrived { actor, message } => pick(
            format!("request {{'data': {}}} arrived at {}; its caller waits for the answer from now", data_of(sim, message), a(actor)),
            format!("请求 {{'data': {}}} 到达 {}；它的调用方从现在起等待回复", data_of(sim, message), a(actor)),
        ),
        RequestTaken { actor, message, waited_us, .. } => {
            let d = data_of(sim, message);
            if waited_us == 0 {
                pick(format!("{} took request {{'data': {d}}} up as it arrived", a(actor)), format!("{} 在请求 {{'data': {d}}} 到达时立即接手", a(actor)))
            } else {
                let ms = crate::engine::timing::ms_text(u64::from(waited_us));
                pick(
                    format!("{} took request {{'data': {d}}} up; it had waited {ms} ms for the handler to finish the requests before it", a(actor)),
                    format!("{} 接手请求 {{'data': {d}}}；它已等了 {ms} 毫秒，等处理程序做完排在它前面的请求", a(actor)),
                )
            }
        }
        RequestWorkStarted { actor, message, ms, .. } => pick(
            format!("{} works on request {{'data': {}}} itself for {ms} ms; its caller waits, and so do the requests that arrive meanwhile", a(actor), data_of(sim, message)),
            format!("{} 亲自处理请求 {{'data': {}}}，用时 {ms} 毫秒；它的调用方在等，这期间到达的请求也在等", a(actor), data_of(sim, message)),
        ),
        RequestAnswered { actor, message, .. } => pick(
            format!("{} answered request {{'data': {}}}: its caller stops waiting", a(actor), data_of(sim, message)),
            format!("{} 回复了请求 {{'data': {}}}：它的调用方不再等待", a(actor), data_of(sim, message)),
        ),
        OrderCommitted { actor, message, outbox, .. } => {
            let d = data_of(sim, message);
            if outbox {
                pick(
                    format!("{} committed order {d} and its message {{'data': {d}}} to orders.db, in one transaction (an outbox row for the relay to publish)", a(actor)),
                    format!("{} 在同一个事务里把订单 {d} 和它的消息 {{'data': {d}}} 提交到 orders.db（发件箱里的一行，由中继发布）", a(actor)),
                )
            } else {
                pick(
                    format!("{} committed order {d} to orders.db; its message {{'data': {d}}} is not published yet", a(actor)),
                    format!("{} 把订单 {d} 提交到 orders.db；它的消息 {{'data': {d}}} 还没有发布", a(actor)),
                )
            }
        }
        OutboxRead { actor, rows, .. } => pick(
            format!("{} read the outbox: {rows} row(s) to publish", a(actor)),
            format!("{} 读取发件箱：{rows} 行待发布", a(actor)),
        ),
        OutboxRowDeleted { actor, message, .. } => pick(
            format!("{} deleted the outbox row of order {}: it is published", a(actor), data_of(sim, message)),
            format!("{} 删除了订单 {} 在发件箱里的行：它已发布", a(actor), data_of(sim, message)),
        ),
        OrderNeverPublished { actor, message, raised: false } => {
            let d = data_of(sim, message);
            pick(
                format!("{} went down after committing order {d} and before publishing it: orders.db has order {d}, and no message {{'data': {d}}} will ever reach the queue (the database and the queue disagree)", a(actor)),
                format!("{} 在提交订单 {d} 之后、发布之前停止了：orders.db 里有订单 {d}，但消息 {{'data': {d}}} 永远不会进入队列（数据库和队列不一致）", a(actor)),
            )
        }
        OrderNeverPublished { actor, message, raised: true } => {
            let d = data_of(sim, message);
            pick(
                format!("{}'s publish of order {d} raised and it exited: orders.db has order {d}, and no message {{'data': {d}}} will ever reach the queue (the database and the queue disagree)", a(actor)),
                format!("{} 发布订单 {d} 时抛出异常并退出：orders.db 里有订单 {d}，但消息 {{'data': {d}}} 永远不会进入队列（数据库和队列不一致）", a(actor)),
            )
        }
        EffectSkipped { actor, message, .. } => pick(format!("{} skipped {{'data': {}}}: already applied", a(actor), data_of(sim, message)), format!("{} 跳过 {{'data': {}}}：已处理过", a(actor), data_of(sim, message))),
        WorkStarted { actor, copy, ms, .. } => pick(format!("{} worked on {{'data': {}}} for {ms} ms", a(actor), data_of_copy(sim, copy)), format!("{} 处理 {{'data': {}}} 用时 {ms} 毫秒", a(actor), data_of_copy(sim, copy))),
        WorkFailed { actor, copy, .. } => pick(format!("{} failed to process {{'data': {}}}", a(actor), data_of_copy(sim, copy)), format!("{} 处理 {{'data': {}}} 失败", a(actor), data_of_copy(sim, copy))),
        CallbackFinished { actor, copy } => pick(format!("{} finished {{'data': {}}}", a(actor), data_of_copy(sim, copy)), format!("{} 处理完 {{'data': {}}}", a(actor), data_of_copy(sim, copy))),
        AckSent { actor, copy, .. } => pick(format!("{} acked {{'data': {}}}", a(actor), data_of_copy(sim, copy)), format!("{} 确认了 {{'data': {}}}", a(actor), data_of_copy(sim, copy))),
        AckMultipleSent { actor, copy, .. } => pick(format!("{} acked everything up to {{'data': {}}}", a(actor), data_of_copy(sim, copy)), format!("{} 批量确认到 {{'data': {}}}", a(actor), data_of_copy(sim, copy))),
        NackSent { actor, copy, requeue, .. } | RejectSent { actor, copy, requeue, .. } => {
            let what = if requeue { if en { "requeue=True" } else { "重新入队" } } else if en { "requeue=False" } else { "不重新入队" };
            // Named as the code calls it: basic_nack or basic_reject.
            let (verb_en, verb_zh) = if matches!(event, NackSent { .. }) { ("nacked", "nack 了") } else { ("rejected", "拒绝了") };
            pick(format!("{} {verb_en} {{'data': {}}} ({what})", a(actor), data_of_copy(sim, copy)), format!("{} {verb_zh} {{'data': {}}}（{what}）", a(actor), data_of_copy(sim, copy)))
        }
        MessageAcked { copy } => pick(format!("the broker removed acked {{'data': {}}}", data_of_copy(sim, copy)), format!("broker 删除了已确认的 {{'data': {}}}", data_of_copy(sim, copy))),
        MessageRequeued { copy, queue } => pick(format!("{{'data': {}}} went back to {}", data_of_copy(sim, copy), queue_name(sim, queue)), format!("{{'data': {}}} 回到队列 {}", data_of_copy(sim, copy), queue_name(sim, queue))),
        MessageDeadLettered { copy, to, reason: DeathReason::Expired, own_ttl, .. } => {
            let (why_en, why_zh) = if own_ttl { ("its own TTL (expiration) ran out", "它自己的 TTL（expiration）到期") } else { ("the queue's TTL (x-message-ttl) ran out", "队列的 TTL（x-message-ttl）到期") };
            pick(format!("{{'data': {}}} expired ({why_en}) and was dead-lettered to {}", data_of_copy(sim, copy), queue_name(sim, to)), format!("{{'data': {}}} 过期（{why_zh}），进入死信队列 {}", data_of_copy(sim, copy), queue_name(sim, to)))
        }
        MessageDeadLettered { copy, to, .. } => pick(format!("{{'data': {}}} was dead-lettered to {}", data_of_copy(sim, copy), queue_name(sim, to)), format!("{{'data': {}}} 进入死信队列 {}", data_of_copy(sim, copy), queue_name(sim, to))),
        AckForgotten { copy, queue, .. } => {
            let q = queue_name(sim, queue);
            pick(
                format!("the node was killed before {q} wrote the ack of {{'data': {}}} to disk (a classic queue syncs only after 200 ms without a message): the ack is forgotten and the message is back in {q}", data_of_copy(sim, copy)),
                format!("节点在 {q} 把 {{'data': {}}} 的确认写入磁盘之前被杀死（经典队列要在 200 毫秒没有消息之后才同步）：这个确认被遗忘，消息回到了 {q}", data_of_copy(sim, copy)),
            )
        }
        MessageDiscarded { copy, reason } => {
            // "Lost" only for a message that is lost in the end: a copy dropped while another
            // is processed (the broker's, say, after the consumer took it) is only a copy, and so
            // is one dropped as it was published when its producer publishes it again later (a
            // mandatory return it retries: no queue took it, so any later copy is a republish).
            let message = sim.ledger().message_of(copy);
            let at_publish = matches!(reason, DiscardReason::Returned | DiscardReason::Unroutable | DiscardReason::ExchangeMissing | DiscardReason::ConnectionClosed);
            let published_again = at_publish && sim.ledger().copies.iter().skip(copy.index() + 1).any(|c| c.message == message);
            if !published_again && matches!(sim.verdict(message), crate::engine::Verdict::Lost | crate::engine::Verdict::Expired) {
                pick(format!("{{'data': {}}} was lost: {}", data_of_copy(sim, copy), discard_reason(reason, lang)), format!("{{'data': {}}} 丢失：{}", data_of_copy(sim, copy), discard_reason(reason, lang)))
            } else {
                pick(format!("a copy of {{'data': {}}} was dropped: {}", data_of_copy(sim, copy), discard_reason(reason, lang)), format!("{{'data': {}}} 的一个副本被丢弃：{}", data_of_copy(sim, copy), discard_reason(reason, lang)))
            }
        }
        FrameDropped { from, to } => {
            let reset_ms = sim.setup().scenario.network.reset_after_drop_ms;
            pick(
                format!("the network lost a frame from {} to {}; the TCP connection resets {reset_ms} ms later", endpoint(sim, from), endpoint(sim, to)),
                format!("网络丢失了从 {} 到 {} 的一帧；TCP 连接将在 {reset_ms} 毫秒后被重置", endpoint(sim, from), endpoint(sim, to)),
            )
        }
        MessageDuplicated { copy, .. } => pick(format!("the network duplicated {{'data': {}}}", data_of_copy(sim, copy)), format!("网络重复了 {{'data': {}}}", data_of_copy(sim, copy))),
        ConnectionLost { actor, .. } => pick(format!("{} lost its connection", a(actor)), format!("{} 的连接断开", a(actor))),
        ClientHeartbeatTimeout { actor } => {
            let s = sim.setup().scenario.broker.heartbeat_ms / 1_000;
            let check = s + 5;
            pick(
                format!("{}'s pika heard nothing from the broker for a whole heartbeat check ({check} s: the {s} s timeout + 5) and dropped the connection; the program raises AMQPHeartbeatTimeout", a(actor)),
                format!("{} 的 pika 在一整个心跳检查周期（{check} 秒：{s} 秒超时 + 5）内没有收到 broker 的任何数据，于是断开连接；程序将抛出 AMQPHeartbeatTimeout", a(actor)),
            )
        }
        BrokerHeartbeatTimeout { actor, node } => {
            let s = sim.setup().scenario.broker.heartbeat_ms / 1_000;
            pick(
                format!("rabbit@{} missed {}'s heartbeats (timeout {s} s) and closed its connection; its unacked deliveries go back to the queue", node.0, a(actor)),
                format!("rabbit@{} 收不到 {} 的心跳（超时 {s} 秒），关闭了它的连接；它未确认的消息回到队列", node.0, a(actor)),
            )
        }
        SilentClientDropped { actor, node } => {
            let s = sim.setup().scenario.broker.heartbeat_ms / 1_000;
            pick(
                format!("rabbit@{} heard nothing from {} for two heartbeat checks (timeout {s} s): pika's BlockingConnection sends no heartbeats while the program is busy in a callback or in time.sleep. The broker closed the connection; its unacked deliveries go back to the queue, and the program will find out at its next call", node.0, a(actor)),
                format!("rabbit@{} 连续两次心跳检查都没有收到 {} 的任何数据（超时 {s} 秒）：程序在回调或 time.sleep 中忙碌时，pika 的 BlockingConnection 不发送心跳。broker 关闭了连接；它未确认的消息回到队列，程序要到下一次调用时才会发现", node.0, a(actor)),
            )
        }
        FramesReleased { actor, count } => pick(
            format!("TCP delivered the {count} frame(s) it had held for {} during the cut: late, not lost", a(actor)),
            format!("TCP 送达了切断期间为 {} 暂存的 {count} 帧：迟到了，但没有丢失", a(actor)),
        ),
        ChannelClosed { actor, requeued: 0 } => pick(format!("the broker closed {}'s channel (nothing unacked to requeue)", a(actor)), format!("broker 关闭了 {} 的信道（没有未确认的消息需要重新入队）", a(actor))),
        ChannelClosed { actor, requeued } => pick(format!("the broker closed {}'s channel and requeued {requeued} unacked", a(actor)), format!("broker 关闭了 {} 的信道，重新入队 {requeued} 条未确认的消息", a(actor))),
        PendingNacked { actor, count } => pick(
            format!("pika nacked the {count} message(s) {} had received but not yet passed to its callback, back to the queue: basic_cancel of a manual-ack consumer does that", a(actor)),
            format!("pika 把 {} 已收到但尚未交给回调的 {count} 条消息 nack 回队列：手动确认的消费者调用 basic_cancel 时就会这样", a(actor)),
        ),
        ConsumerCancelled { actor } => pick(format!("{} cancelled its subscription", a(actor)), format!("{} 取消了订阅", a(actor))),
        ActorCrashed { actor } => pick(format!("{} crashed (SIGKILL)", a(actor)), format!("{} 崩溃（SIGKILL）", a(actor))),
        ActorStopped { actor } => pick(format!("{} stopped", a(actor)), format!("{} 停止", a(actor))),
        ActorRestarted { actor } => pick(format!("{} restarted", a(actor)), format!("{} 重启", a(actor))),
        ActorExited { actor, error } => match error {
            None => pick(format!("{} exited", a(actor)), format!("{} 退出", a(actor))),
            Some(e) => {
                let scenario = &sim.setup().scenario;
                // rabbitmqadmin is not pika: its error is its own last line.
                let text = match (&sim.setup().actors[actor.index()].spec, e) {
                    (crate::scenario::ActorSpec::Admin(_), ClientError::QueueHomeDown { queue }) => {
                        crate::systems::rabbitmq::trace::TerminalText::AdminNotFound { queue: u16::from(queue) }.render(scenario).into()
                    }
                    (crate::scenario::ActorSpec::Admin(_), _) => crate::systems::rabbitmq::trace::TerminalText::AdminRefused.render(scenario).into(),
                    _ => e.text(scenario),
                };
                pick(format!("{} exited with {text}", a(actor)), format!("{} 异常退出：{text}", a(actor)))
            }
        },
        NodeStopped { node } => pick(format!("rabbit@{} stopped", node.0), format!("rabbit@{} 停止", node.0)),
        NodeCrashed { node } => pick(format!("rabbit@{} crashed", node.0), format!("rabbit@{} 崩溃", node.0)),
        NodeStarted { node } => pick(format!("rabbit@{} started", node.0), format!("rabbit@{} 启动", node.0)),
        QueueRecovered { queue, messages } => pick(format!("{} came back with {messages} message{}", queue_name(sim, queue), if messages == 1 { "" } else { "s" }), format!("{} 恢复，含 {messages} 条消息", queue_name(sim, queue))),
        QueueDeleted { queue } => pick(format!("{} was gone", queue_name(sim, queue)), format!("{} 不复存在", queue_name(sim, queue))),
        Partitioned { a: x, b: y } => {
            if matches!((x, y), (Endpoint::Actor(_), Endpoint::Node(_)) | (Endpoint::Node(_), Endpoint::Actor(_))) {
                pick(
                    format!("the network between {} and {} was cut: frames wait (TCP retransmits), and neither side knows yet", endpoint(sim, x), endpoint(sim, y)),
                    format!("{} 与 {} 之间的网络被切断：数据帧在等待（TCP 会重传），双方都还不知道", endpoint(sim, x), endpoint(sim, y)),
                )
            } else {
                pick(format!("the network between {} and {} was cut", endpoint(sim, x), endpoint(sim, y)), format!("{} 与 {} 之间的网络被切断", endpoint(sim, x), endpoint(sim, y)))
            }
        }
        Healed { a: x, b: y } => pick(format!("the network between {} and {} healed", endpoint(sim, x), endpoint(sim, y)), format!("{} 与 {} 之间的网络恢复", endpoint(sim, x), endpoint(sim, y))),
        MessagePoisoned { actor } => pick(format!("{}'s next message was poisoned", a(actor)), format!("{} 的下一条消息被设为毒消息", a(actor))),
        ConsumerSlowed { actor, work_ms } => pick(format!("{} slowed to {work_ms} ms a message", a(actor)), format!("{} 变慢为每条 {work_ms} 毫秒", a(actor))),
        LimitReached { limit } => {
            let field = match limit {
                crate::systems::rabbitmq::trace::Limit::Steps => "limits.steps_max",
                crate::systems::rabbitmq::trace::Limit::TimeMs => "limits.time_ms_max",
                crate::systems::rabbitmq::trace::Limit::Messages => "limits.messages_max",
                crate::systems::rabbitmq::trace::Limit::Events => "limits.events_max",
            };
            pick(format!("the run hit {field} and stopped"), format!("运行达到上限 {field} 并停止"))
        }
    }
}

/// The headers RabbitMQ put on the delivery that is event `index` (or, for a dead-lettering,
/// on the dead letter), when it put some. Only a copy that was ever dead-lettered, or a
/// redelivery in a run with a quorum queue, can carry any: a redelivery reads back to its
/// copy's enqueue, a dead-lettered copy's delivery reads the trace up to the event
/// (`HeaderTracker`), and a log of ordinary deliveries costs nothing more.
pub fn headers_at(trace: &[TraceEntry], index: usize, sim: &Sim) -> Option<crate::systems::rabbitmq::headers::Headers> {
    use crate::systems::rabbitmq::headers::HeaderTracker;
    let setup = sim.setup();
    let (copy, redelivered, delivered) = match trace.get(index)?.event {
        Event::MessageDelivered { copy, redelivered, .. } => (copy, redelivered, true),
        Event::MessageDeadLettered { copy, .. } => (copy, false, false),
        _ => return None,
    };
    let dead = sim.ledger().copies.get(copy.index()).is_some_and(|c| c.extra.death.is_some());
    let quorum = redelivered && setup.scenario.queues.iter().any(|q| q.queue_type == crate::scenario::QueueType::Quorum);
    if !dead && !quorum {
        return None;
    }
    let fast = if delivered && !dead { HeaderTracker::delivery_count_at(setup, trace, index, WHY_LOOKBACK_EVENTS) } else { None };
    let headers = if let Some(delivery_count) = fast {
        crate::systems::rabbitmq::headers::Headers { delivery_count, ..Default::default() }
    } else if delivered {
        let mut tracker = HeaderTracker::replay(setup, trace, index);
        tracker.observe(setup, &trace[index].event)?
    } else {
        HeaderTracker::replay(setup, trace, index + 1).next_delivery(setup, copy, false)
    };
    (!headers.is_empty()).then_some(headers)
}

/// Headers as the end of a sentence: `; x-death: rejected ×2 in q, expired ×1 in dlq;
/// x-delivery-count: 2` (the most recent death first, as RabbitMQ lists them; each table's
/// `time` is wall clock, which a simulation has none of).
pub fn headers_text(headers: &crate::systems::rabbitmq::headers::Headers, lang: Lang) -> String {
    let mut out = String::new();
    if !headers.x_death.is_empty() {
        let reason = |d: &crate::systems::rabbitmq::headers::XDeath| serde_json::to_value(d.reason).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let deaths: Vec<String> = headers
            .x_death
            .iter()
            .map(|d| match lang {
                Lang::En => format!("{} ×{} in {}", reason(d), d.count, d.queue),
                Lang::Zh => format!("在 {} 中 {} ×{}", d.queue, reason(d), d.count),
            })
            .collect();
        match lang {
            Lang::En => out.push_str(&format!("; x-death: {}", deaths.join(", "))),
            Lang::Zh => out.push_str(&format!("；x-death：{}", deaths.join("，"))),
        }
    }
    if let Some(count) = headers.delivery_count {
        match lang {
            Lang::En => out.push_str(&format!("; x-delivery-count: {count}")),
            Lang::Zh => out.push_str(&format!("；x-delivery-count：{count}")),
        }
    }
    out
}

/// Events looked back over to explain a lost connection (a bound on the work per sentence).
const WHY_LOOKBACK_EVENTS: usize = 100_000;

/// Event `index` of `trace` as a sentence (as `describe`), saying why when the event is a
/// connection error whose cause is earlier in the trace: a client that raises
/// `StreamLostError` long after the network lost one of its frames otherwise reads as if it
/// died for no reason.
pub fn describe_at(trace: &[TraceEntry], index: usize, sim: &Sim, lang: Lang) -> String {
    let Some(entry) = trace.get(index) else { return String::new() };
    let sentence = describe(&entry.event, sim, lang);
    if let Event::ChannelError { actor, error: ClientError::AckTimeout, .. } = entry.event {
        // The program may already be dead (killed during a cut the broker could not see
        // through): then there is no next call to find out at.
        let down = trace[..index].iter().rev().find_map(|e| match e.event {
            Event::ActorCrashed { actor: a } | Event::ActorStopped { actor: a } | Event::ActorExited { actor: a, .. } if a == actor => Some(true),
            Event::ActorRestarted { actor: a } | Event::ActorStarted { actor: a } if a == actor => Some(false),
            _ => None,
        });
        if down == Some(true) {
            return ack_timeout_text(sim, actor, false, lang);
        }
    }
    if let Some(headers) = headers_at(trace, index, sim) {
        return format!("{sentence}{}", headers_text(&headers, lang));
    }
    if let Some(text) = why_heartbeat(trace, index, sim, lang, &sentence) {
        return text;
    }
    if let Some(text) = closed_by_node(trace, index, sim, lang) {
        return text;
    }
    if let Some(text) = recovered_after_crash(trace, index, sim, lang) {
        return text;
    }
    let (actor, exited) = match entry.event {
        Event::ActorExited { actor, error: Some(ClientError::StreamLost) } => (actor, true),
        Event::ConnectionLost { actor, error: ClientError::StreamLost } => (actor, false),
        Event::PublishFailed { actor, error: ClientError::StreamLost, .. } => (actor, false),
        _ => return sentence,
    };
    let me = Endpoint::Actor(actor);
    let cause = trace[index.saturating_sub(WHY_LOOKBACK_EVENTS)..index].iter().rev().find_map(|e| match e.event {
        Event::FrameDropped { from, to } if from == me || to == me => Some(Some((e.at_ms, from == me, if from == me { to } else { from }))),
        // A cut, a new connection or a restart: the lost frame (if any) is not why.
        Event::Partitioned { a, b } if a == me || b == me => Some(None),
        Event::Connected { actor: a, .. } | Event::ActorRestarted { actor: a } | Event::ActorStarted { actor: a } if a == actor => Some(None),
        _ => None,
    });
    let Some(Some((at_ms, outgoing, peer))) = cause else { return sentence };
    let peer = endpoint(sim, peer);
    let (frame_en, frame_zh) = if outgoing { (format!("its frame to {peer}"), format!("它发往 {peer} 的一帧")) } else { (format!("a frame from {peer} to it"), format!("{peer} 发给它的一帧")) };
    match (lang, exited) {
        (Lang::En, true) => format!("{sentence}: the network lost {frame_en} at {at_ms} ms, so the TCP connection reset, and nothing in its code retries"),
        (Lang::En, false) => format!("{sentence}: the network lost {frame_en} at {at_ms} ms, so the TCP connection reset"),
        (Lang::Zh, true) => format!("{sentence}：网络在 {at_ms} 毫秒丢失了{frame_zh}，TCP 连接随之被重置，而它的代码中没有重试逻辑"),
        (Lang::Zh, false) => format!("{sentence}：网络在 {at_ms} 毫秒丢失了{frame_zh}，TCP 连接随之被重置"),
    }
}

/// The consumer timeout closed `actor`'s channel; `alive`: the program still runs (and finds
/// out at its next call).
fn ack_timeout_text(sim: &Sim, actor: ActorId, alive: bool, lang: Lang) -> String {
    let (name, ms) = (actor_name(sim, actor), sim.setup().scenario.broker.consumer_timeout_ms);
    let (then_en, then_zh) = if alive { ("the program finds out at its next call", "程序要到下一次调用时才会发现") } else { ("the program is no longer running", "该程序已不在运行") };
    match lang {
        Lang::En => format!("the broker closed {name}'s channel (406 PRECONDITION_FAILED): at a channel tick its oldest unacknowledged delivery was older than consumer_timeout ({ms} ms). Its unacked deliveries go back to the queue; {then_en}"),
        Lang::Zh => format!("broker 关闭了 {name} 的信道（406 PRECONDITION_FAILED）：在一次信道检查时，它最早的未确认投递已超过 consumer_timeout（{ms} 毫秒）。它未确认的消息回到队列；{then_zh}"),
    }
}

/// A classic queue that came back after its node crashed (kill -9) flags every message it
/// recovered redelivered, even one never delivered (as RabbitMQ 3.10 does; a graceful stop
/// keeps each message's flag): said where the queue comes back, so the redeliveries that
/// follow do not read as if someone had seen those messages before.
fn recovered_after_crash(trace: &[TraceEntry], index: usize, sim: &Sim, lang: Lang) -> Option<String> {
    let Event::QueueRecovered { queue, messages } = trace[index].event else { return None };
    let spec = &sim.setup().scenario.queues[queue.index()];
    if messages == 0 || spec.queue_type == crate::scenario::QueueType::Quorum {
        return None;
    }
    let crashed = trace[..index].iter().rev().find_map(|e| match e.event {
        Event::NodeCrashed { node } if node.0 == spec.node => Some(true),
        Event::NodeStopped { node } if node.0 == spec.node => Some(false),
        _ => None,
    })?;
    if !crashed {
        return None;
    }
    let name = &spec.name;
    Some(match lang {
        Lang::En if messages == 1 => format!("{name} came back with 1 message, flagged redelivered: after a crash the classic queue cannot tell which were delivered, so even one never delivered comes back with redelivered=True"),
        Lang::En => format!("{name} came back with {messages} messages, every one flagged redelivered: after a crash the classic queue cannot tell which were delivered, so even one never delivered comes back with redelivered=True"),
        Lang::Zh => format!("{name} 恢复，含 {messages} 条消息，每一条都被标记为重新投递：崩溃之后经典队列无法知道哪些已经投递过，所以即使从未投递过的消息也会带着 redelivered=True 回来"),
    })
}

/// A connection closed because its node went down (the events of one stop or crash share a
/// millisecond): said as the node closing the connection, not as a channel close, and its
/// unacked messages named only when there were any.
fn closed_by_node(trace: &[TraceEntry], index: usize, sim: &Sim, lang: Lang) -> Option<String> {
    let Event::ChannelClosed { actor, requeued } = trace[index].event else { return None };
    let at = trace[index].at_ms;
    let (node, graceful) = trace[..index].iter().rev().take_while(|e| e.at_ms == at).find_map(|e| match e.event {
        Event::NodeStopped { node } => Some((node, true)),
        Event::NodeCrashed { node } => Some((node, false)),
        _ => None,
    })?;
    let name = &sim.setup().actors[actor.index()].name;
    let en = lang == Lang::En;
    let mut text = match (en, graceful) {
        (true, true) => format!("rabbit@{} closed {name}'s connection as it stopped (320 CONNECTION_FORCED)", node.0),
        (true, false) => format!("rabbit@{} crashed: {name}'s connection to it is gone", node.0),
        (false, true) => format!("rabbit@{} 在停止时关闭了 {name} 的连接（320 CONNECTION_FORCED）", node.0),
        (false, false) => format!("rabbit@{} 崩溃：{name} 与它的连接断开了", node.0),
    };
    if requeued > 0 {
        text += &if en { format!("; its {requeued} unacked messages go back to their queue") } else { format!("；它未确认的 {requeued} 条消息回到队列") };
    }
    Some(text)
}

/// Why a connection error that a cut caused happened: the client's own heartbeat check gave
/// up (`AMQPHeartbeatTimeout`), or the broker gave up during the cut and the heal brought its
/// FIN (`StreamLostError: Transport indicated EOF`).
fn why_heartbeat(trace: &[TraceEntry], index: usize, sim: &Sim, lang: Lang, sentence: &str) -> Option<String> {
    let (actor, error) = match trace[index].event {
        Event::ActorExited { actor, error: Some(error) } => (actor, error),
        Event::ConnectionLost { actor, error } => (actor, error),
        Event::PublishFailed { actor, error, .. } => (actor, error),
        _ => return None,
    };
    let me = Endpoint::Actor(actor);
    let window = &trace[index.saturating_sub(WHY_LOOKBACK_EVENTS)..index];
    let cut_ms = || {
        window.iter().rev().find_map(|e| match e.event {
            Event::Partitioned { a, b } if a == me || b == me => Some(e.at_ms),
            _ => None,
        })
    };
    let en = lang == Lang::En;
    if error == ClientError::HeartbeatTimeout {
        let at = cut_ms()?;
        return Some(if en {
            format!("{sentence}: the network was cut at {at} ms and pika's heartbeat check found nothing received since")
        } else {
            format!("{sentence}：网络在 {at} 毫秒被切断，此后 pika 的心跳检查没有收到任何数据")
        });
    }
    if error != ClientError::StreamEof {
        return None;
    }
    // The broker gave up on this client's connection during a cut, and nothing reconnected since.
    let gave_up = window.iter().rev().find_map(|e| match e.event {
        Event::BrokerHeartbeatTimeout { actor: a, .. } if a == actor => Some(Some(e.at_ms)),
        Event::Connected { actor: a, .. } | Event::ActorRestarted { actor: a } | Event::ActorStarted { actor: a } if a == actor => Some(None),
        _ => None,
    })??;
    let _ = sim;
    Some(if en {
        format!("{sentence}: during the cut the broker had given up on its connection at {gave_up} ms (missed heartbeats) and closed it; its FIN arrived when the network healed")
    } else {
        format!("{sentence}：切断期间 broker 已在 {gave_up} 毫秒放弃并关闭了它的连接（收不到心跳）；网络恢复时 broker 的 FIN 才到达")
    })
}

/// Why a message was never published: its producer went down first.
pub fn order_never_published_text(service: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{service} committed the order to orders.db, then went down before publishing it: the order is in the database, and nothing will ever publish its message (a dual write)"),
        Lang::Zh => format!("{service} 把订单提交到 orders.db 之后、发布之前停止了：订单在数据库里，却永远不会有人发布它的消息（双写）"),
    }
}

pub fn order_publish_raised_text(service: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{service} committed the order to orders.db, then its basic_publish raised (the connection was gone) and it exited: the order is in the database, and nothing will ever publish its message (a dual write)"),
        Lang::Zh => format!("{service} 把订单提交到 orders.db 之后，它的 basic_publish 抛出异常（连接已断开）并退出：订单在数据库里，却永远不会有人发布它的消息（双写）"),
    }
}

pub fn frame_lost_publish_raised_text(producer: &str, order: bool, lang: Lang) -> String {
    match (lang, order) {
        (Lang::En, false) => format!("its frame was lost on the network; waiting for the confirm, basic_publish raised when the connection reset, and {producer} exited without publishing it again"),
        (Lang::En, true) => format!("its frame was lost on the network; waiting for the confirm, basic_publish raised when the connection reset, and {producer} exited without publishing it again, while its order stays in orders.db (a dual write)"),
        (Lang::Zh, false) => format!("它的帧在网络中丢失；等待发布确认时，连接被重置，basic_publish 抛出异常，{producer} 没有再次发布就退出了"),
        (Lang::Zh, true) => format!("它的帧在网络中丢失；等待发布确认时，连接被重置，basic_publish 抛出异常，{producer} 没有再次发布就退出了，而它的订单留在 orders.db 里（双写）"),
    }
}

pub fn relay_published_again_text(relay: &str, publishes: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{relay} published it {}: it went down after publishing it and before deleting its outbox row, and its new process published the row again; without an inbox, the consumer processed each copy", times(publishes)),
        Lang::Zh => format!("{relay} 把它发布了 {publishes} 次：它在发布之后、删除发件箱里的行之前停止了，新进程再次发布了这一行；没有收件箱，消费者处理了每一份副本"),
    }
}

/// "twice", "3 times".
fn times(n: u32) -> String {
    if n == 2 { "twice".into() } else { format!("{n} times") }
}

pub fn row_left_text(relay: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("processed once; its outbox row is still in orders.db ({relay} went down after publishing it and before deleting the row): a relay that runs again publishes it again, and an inbox would skip it"),
        Lang::Zh => format!("已处理一次；它在发件箱里的行还在 orders.db 中（{relay} 在发布之后、删除这一行之前停止了）：再次运行的中继会再发布它一次，收件箱会跳过它"),
    }
}

pub fn order_never_placed_text(service: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{service} went down before committing this order: it was never placed, so there was nothing to send"),
        Lang::Zh => format!("{service} 在提交这个订单之前就已停止：订单从未生成，所以没有什么可发送"),
    }
}

/// The line a terminal shows between two processes of a restarted program (both systems).
pub fn restart_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "── started again: a new process ──",
        Lang::Zh => "── 重新启动：新的进程 ──",
    }
}

/// Payloads as runs (`0–3, 5, 7–9`), or "none" for an empty table.
pub fn payload_ranges(data: &[u32], lang: Lang) -> String {
    if data.is_empty() {
        return if lang == Lang::En { "none".into() } else { "无".into() };
    }
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &d in data {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(d) => *end = d,
            _ => runs.push((d, d)),
        }
    }
    runs.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") }).collect::<Vec<_>>().join(", ")
}

/// The mark on the line an actor died on: its status (`crashed`, `stopped`, `failed`), or
/// with `after`, that it died once the line had completed (a crash right after an op).
pub fn died_mark(status: &str, after: bool, lang: Lang) -> String {
    match (after, lang) {
        (false, _) => label(status, lang).to_string(),
        (true, Lang::En) => format!("{} after this line", label(status, lang)),
        (true, Lang::Zh) => format!("执行完这一行后{}", label(status, lang)),
    }
}

pub fn applied_once_text(publisher: &str, publishes: u32, lang: Lang) -> String {
    match lang {
        Lang::En if publishes == 2 => format!("{publisher} published it twice; the consumer's inbox (effects.db, by message id) applied it once and skipped the second copy"),
        Lang::En => format!("{publisher} published it {publishes} times; the consumer's inbox (effects.db, by message id) applied it once and skipped the other copies"),
        Lang::Zh if publishes == 2 => format!("{publisher} 把它发布了 2 次；消费者的收件箱（effects.db，按消息 id）只应用了一次，跳过了第二份副本"),
        Lang::Zh => format!("{publisher} 把它发布了 {publishes} 次；消费者的收件箱（effects.db，按消息 id）只应用了一次，跳过了其他副本"),
    }
}

pub fn in_outbox_text(relay: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("its order and its outbox row are in orders.db, but {relay} is down: the row waits there, and {relay} will publish it when it runs again"),
        Lang::Zh => format!("它的订单和发件箱里的行都在 orders.db 中，但 {relay} 已停止：这一行在那里等待，{relay} 再次运行时会发布它"),
    }
}

pub fn never_sent_text(producer: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{producer} went down before publishing it, so it was never sent"),
        Lang::Zh => format!("{producer} 在发布它之前就已停止，所以它从未被发送"),
    }
}

/// Why a message was never sent: the call publishing it raised.
pub fn publish_raised_text(producer: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("its own basic_publish raised and {producer} exited, so it was never sent"),
        Lang::Zh => format!("发布它的 basic_publish 抛出了异常，{producer} 随即退出，所以它从未被发送"),
    }
}

/// Why a message is stranded when the run ends: waiting in `queue`, or unacknowledged at
/// `consumer`.
pub fn stranded_text(queue: &str, consumer: Option<&str>, lang: Lang) -> String {
    match (consumer, lang) {
        (None, Lang::En) => format!("still in {queue} when the run ended: no consumer was left to take it"),
        (None, Lang::Zh) => format!("运行结束时仍在 {queue} 中：已没有消费者来取走它"),
        (Some(consumer), Lang::En) => format!("delivered to {consumer} and never acknowledged; its channel is still open, so {queue} will not redeliver it"),
        (Some(consumer), Lang::Zh) => format!("已投递给 {consumer} 但从未被确认；它的信道仍然打开，所以 {queue} 不会重新投递它"),
    }
}

/// Why a message is stranded in a queue whose node is down when the run ends.
pub fn stranded_on_down_node_text(queue: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("still in {queue} when the run ended, and its node is down: nobody can consume it until the node comes back"),
        Lang::Zh => format!("运行结束时仍在 {queue} 中，而它所在的节点已宕机：在节点恢复之前没有人能消费它"),
    }
}

/// Why a quorum queue gave up on a message: it came back more often than `x-delivery-limit`
/// allows, after `deliveries` deliveries none of which was acknowledged; it was dropped, or
/// dead-lettered. (Its callback may have printed it each time: that is not a duplicate.)
pub fn delivery_limit_text(deliveries: u32, dead_lettered: bool, lang: Lang) -> String {
    match (dead_lettered, lang) {
        (false, Lang::En) => format!("dropped by the quorum queue at its x-delivery-limit after {deliveries} deliveries, none acknowledged (the queue has no dead-letter exchange)"),
        (false, Lang::Zh) => format!("投递 {deliveries} 次均未被确认，仲裁队列在达到 x-delivery-limit 时丢弃了它（该队列没有死信交换机）"),
        (true, Lang::En) => format!("dead-lettered by the quorum queue at its x-delivery-limit after {deliveries} deliveries, none acknowledged"),
        (true, Lang::Zh) => format!("投递 {deliveries} 次均未被确认，仲裁队列在达到 x-delivery-limit 时把它转入了死信"),
    }
}

/// Why a message was processed twice: its producer published it again.
pub fn published_again_text(producer: &str, publishes: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{producer} published it {publishes} times: it retried after an error, but the broker had already taken the earlier publish"),
        Lang::Zh => format!("{producer} 发布了它 {publishes} 次：出错后重试了，但 broker 其实已经收下了之前那次发布"),
    }
}

/// Why a message was processed twice: the network duplicated its publish.
pub fn duplicated_on_network_text(lang: Lang) -> String {
    match lang {
        Lang::En => "the network delivered its publish twice (an injected duplicate frame), so the queue got two copies".into(),
        Lang::Zh => "网络把它的发布帧送达了两次（注入的重复帧），所以队列里有两份".into(),
    }
}

/// Why a message was processed twice: a crash made its queue forget the ack.
pub fn ack_forgotten_text(queue: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("acked, but the node was killed before {queue} wrote the ack to disk (within 200 ms of the queue's last message): {queue} recovered it and delivered it again"),
        Lang::Zh => format!("已确认，但节点在 {queue} 把确认写入磁盘之前被杀死（在队列最后一条消息之后 200 毫秒内）：{queue} 恢复了它并再次投递"),
    }
}

/// Why a message was processed twice: the broker delivered it again.
pub fn delivered_again_text(first: &str, next: &str, deliveries: u32, redelivered: bool, lang: Lang) -> String {
    match (redelivered, lang) {
        (true, Lang::En) => format!("delivered {deliveries} times: the broker got no ack for its delivery to {first}, so it requeued it and redelivered it to {next}"),
        (true, Lang::Zh) => format!("投递了 {deliveries} 次：broker 没有收到 {first} 对它的确认，于是把它重新入队并重新投递给 {next}"),
        (false, Lang::En) => format!("delivered {deliveries} times: first to {first}, then another copy to {next}"),
        (false, Lang::Zh) => format!("投递了 {deliveries} 次：先投递给 {first}，然后另一份副本投递给 {next}"),
    }
}

/// Why a message was lost, as a sentence (the cause column and the CLI's `cause.text`).
pub fn cause_text(reason: DiscardReason, consumer: Option<&str>, lang: Lang) -> String {
    let en = lang == Lang::En;
    match reason {
        DiscardReason::AutoAckedUnprocessed => {
            let who = consumer.unwrap_or(if en { "the consumer" } else { "消费者" });
            if en {
                format!("{who} died before it finished processing it, and auto_ack=True had already removed it from the queue")
            } else {
                format!("{who} 在处理完之前就终止了，而 auto_ack=True 早已把它从队列中删除")
            }
        }
        _ => {
            let (e, z) = match reason {
                DiscardReason::TransientOnRestart => ("the broker restarted and the message was transient (published without delivery_mode=2)", "broker 重启了，而这条消息是非持久化的（发布时没有 delivery_mode=2）"),
                DiscardReason::QueueNotDurable => ("the broker restarted and its queue was not durable", "broker 重启了，而它所在的队列不是持久化的"),
                DiscardReason::NotOnDisk => (
                    "its node crashed less than 200 ms after the queue's last message, before the queue wrote it to disk: persistent, but published without confirms, and RabbitMQ writes a busy classic queue to disk only after 200 ms without a message",
                    "它所在的节点在队列最后一条消息之后不到 200 毫秒就崩溃了，队列还没有把它写入磁盘：它是持久化的，但发布时没有使用发布确认，而 RabbitMQ 只有在经典队列 200 毫秒没有收到消息之后才把它写入磁盘",
                ),
                DiscardReason::FrameLost => ("its frame was lost on the network and nothing told the sender", "它在网络中丢失，而发送方没有得到任何通知"),
                DiscardReason::Rejected => ("rejected with requeue=False, and the queue has no dead-letter exchange", "以 requeue=False 被拒绝，且队列没有死信交换机"),
                DiscardReason::Expired => ("the queue's TTL (x-message-ttl) ran out while it waited in the queue", "它在队列中等待时，队列的 TTL（x-message-ttl）到期"),
                DiscardReason::MessageExpired => ("its own TTL (the expiration it was published with) ran out while it waited in the queue", "它在队列中等待时，它自己的 TTL（发布时设置的 expiration）到期"),
                DiscardReason::MaxLength => ("the queue was at x-max-length", "队列已达到 x-max-length"),
                DiscardReason::DeliveryLimit => ("it exceeded the quorum queue's x-delivery-limit", "超过了仲裁队列的 x-delivery-limit"),
                DiscardReason::Unroutable => (
                    "no queue took it: no binding matched its routing key, or its queue did not exist yet; without mandatory=True the broker drops such a message and tells nobody",
                    "没有队列接收它：没有绑定匹配它的路由键，或者它的队列当时还不存在；没有 mandatory=True 时 broker 会丢弃这样的消息，且不通知任何人",
                ),
                DiscardReason::ExchangeMissing => (
                    "it was published to an exchange that did not exist: the broker closed the producer's channel (404 NOT_FOUND) and stored nothing; without confirms the producer learns it only at its next call on that channel",
                    "它被发布到一个不存在的交换机：broker 关闭了生产者的信道（404 NOT_FOUND），什么也没有保存；没有发布确认时，生产者要到下一次使用该信道时才知道",
                ),
                DiscardReason::DeadLetterExchangeMissing => (
                    "its queue dead-lettered it to an exchange that did not exist, and RabbitMQ drops such a dead letter without a word",
                    "它的队列把它作为死信发往一个不存在的交换机，RabbitMQ 会悄无声息地丢弃这样的死信",
                ),
                DiscardReason::Returned => (
                    "no queue took it, so the broker returned it to its producer (mandatory=True), which kept no copy of it",
                    "没有队列接收它，所以 broker 把它退回给了生产者（mandatory=True），而生产者没有保留它的副本",
                ),
                DiscardReason::QueueUnavailable => ("its queue was unavailable (node down or partitioned)", "它的队列不可用（节点宕机或网络分区）"),
                DiscardReason::DeadLetterCycle => ("it was dead-lettered back into a queue it had already died in, with no rejection on the way, and RabbitMQ drops such cycles", "它被死信路由回一个它曾经死过的队列，途中没有任何拒绝，RabbitMQ 会丢弃这种循环中的消息"),
                DiscardReason::ConnectionClosed => (
                    "it arrived on a connection the broker had already closed (its node was going down, or it had given up on the connection), so nothing stored it",
                    "它到达时 broker 已经关闭了这条连接（节点正在停止，或 broker 已放弃该连接），所以没有任何地方保存它",
                ),
                DiscardReason::ConnectionCut => (
                    "the broker sent it with auto_ack=True, so it left the queue, but the network was cut and the connection was given up before it arrived",
                    "broker 以 auto_ack=True 发出了它，它因此离开了队列，但网络被切断，连接在它到达之前就被放弃了",
                ),
                DiscardReason::AutoAckedUnprocessed => unreachable!("handled above"),
            };
            (if en { e } else { z }).to_string()
        }
    }
}

/// A run's throughput and latency (`engine::timing`) in a sentence, overall ("Simulated time:
/// 10 messages processed (each at its first processing) in 3416 ms from the first publish: 2.927
/// messages/s; latency from publish to first processing p50 2206 ms, p99 2966 ms, max 2966
/// ms") or for one `consumer` ("consumer-2 processed 7 of them first: 2.049 messages/s over the
/// same 3416 ms; latency p50 ...").
pub fn timing_text(figures: &crate::engine::timing::Figures, span_us: u64, consumer: Option<&str>, lang: Lang) -> String {
    use crate::engine::timing::ms_text;
    let rate = figures.per_s_milli.map(crate::engine::timing::per_s_text).unwrap_or_else(|| "—".into());
    let n = figures.processed;
    let span_ms = ms_text(span_us);
    let latency = |p50: &str, p99: &str, max: &str, ms: &str, sep: &str| {
        figures.latency_us.map(|l| format!("{p50} {} {ms}{sep}{p99} {} {ms}{sep}{max} {} {ms}", ms_text(l.p50), ms_text(l.p99), ms_text(l.max))).unwrap_or_default()
    };
    match (lang, consumer) {
        (Lang::En, None) => format!(
            "Simulated time: {n} messages processed (each at its first processing) in {span_ms} ms from the first publish: {rate} messages/s; latency from publish to first processing {}",
            latency("p50", "p99", "max", "ms", ", ")
        ),
        (Lang::En, Some(who)) => format!("{who} processed {n} of them first: {rate} messages/s over the same {span_ms} ms; latency {}", latency("p50", "p99", "max", "ms", ", ")),
        (Lang::Zh, None) => format!("模拟时间：自首次发布起 {span_ms} 毫秒内处理了 {n} 条消息（每条按首次处理计）：吞吐量 {rate} 条/秒；从发布到首次处理的延迟 {}", latency("p50", "p99", "最大", "毫秒", "，")),
        (Lang::Zh, Some(who)) => format!("{who} 首先处理了其中 {n} 条：按同样的 {span_ms} 毫秒计 {rate} 条/秒；延迟 {}", latency("p50", "p99", "最大", "毫秒", "，")),
    }
}

/// A scenario file's error (`field: problem`, as `ScenarioError` writes it) in `lang`. In
/// Chinese the JSON reader's own words are translated (what a value must be, what it got, an
/// unknown field or name, a missing or repeated one, where the text stops being JSON); the
/// rest of what validation says stays in English. The field path is never translated.
pub fn scenario_error_text(error: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return error.to_string();
    }
    // The position a syntax error ends with.
    let (body, position) = match error.rfind(" at line ") {
        Some(at) => match error[at + " at line ".len()..].split_once(" column ") {
            Some((line, column)) if line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok() => (&error[..at], format!("（第 {line} 行第 {column} 列）")),
            _ => (error, String::new()),
        },
        None => (error, String::new()),
    };
    let (field, problem) = match body.split_once(": ") {
        Some((field, problem)) if !field.contains(' ') => (Some(field), problem),
        _ => (None, body),
    };
    let problem = problem_zh(problem);
    match field {
        Some(field) => format!("{field}：{problem}{position}"),
        None => format!("{problem}{position}"),
    }
}

/// The JSON reader's problems (`scenario::json`) in Chinese; others as they are.
fn problem_zh(problem: &str) -> String {
    // What a value must be, as the reader words it (anything else is validation's).
    let expected = |words: &str| -> Option<String> {
        if let Some(range) = words.strip_prefix("a whole number from ") {
            let (min, max) = range.split_once(" to ")?;
            return Some(format!("{min} 到 {max} 之间的整数"));
        }
        if let Some(n) = words.strip_prefix("a list of ").and_then(|r| r.strip_suffix(" items")) {
            return Some(format!("{n} 项的列表"));
        }
        Some(
            match words {
                "true or false" => "true 或 false",
                "text in double quotes" => "双引号括起的文本",
                "a list [...]" => "列表 [...]",
                "an object {...}" => "对象 {...}",
                "a number" => "数字",
                "one of the names this field takes (text, or an object with one key)" => "该字段接受的名称之一（文本，或只有一个键的对象）",
                _ => return None,
            }
            .to_string(),
        )
    };
    let list = |rest: &str| -> String {
        match rest.strip_prefix(", expected one of ").or_else(|| rest.strip_prefix(", expected ")) {
            Some(names) => format!("，应为以下之一：{names}"),
            None if rest.contains("there are no") => "，这里不接受任何名称".into(),
            None => rest.into(),
        }
    };
    match problem {
        "missing (required)" => return "缺失（必填）".into(),
        "given twice" => return "重复给出".into(),
        "must be one of its names, in double quotes" => return "必须是它的名称之一，用双引号括起".into(),
        _ => {}
    }
    if let Some(rest) = problem.strip_prefix("unknown field") {
        return format!("未知字段{}", list(rest));
    }
    if let Some(rest) = problem.strip_prefix("unknown variant `") {
        if let Some((name, rest)) = rest.split_once('`') {
            return format!("未知名称 `{name}`{}", list(rest));
        }
    }
    if let Some(rest) = problem.strip_prefix("must be ") {
        let (words, got) = match rest.rsplit_once(", got ") {
            Some((words, got)) => (words, Some(got)),
            None => (rest, None),
        };
        if let Some(words) = expected(words) {
            let got = got.map(|g| match g.strip_suffix(" item(s)") {
                Some(n) => format!("，得到 {n} 项"),
                None => format!("，得到 {g}"),
            });
            // A space between Chinese and what starts in Latin letters or digits.
            let space = if words.starts_with(|c: char| c.is_ascii()) { " " } else { "" };
            return format!("必须是{space}{words}{}", got.unwrap_or_default());
        }
    }
    problem.to_string()
}

/// How long callers waited for their answers (a request handler's run), in a sentence.
pub fn answers_text(answers: &crate::engine::timing::Answers, lang: Lang) -> String {
    use crate::engine::timing::ms_text;
    let (n, l) = (answers.answered, answers.latency_us);
    match lang {
        Lang::En => format!("Callers: {n} requests answered; each caller waited, from its request's arrival to the answer, p50 {} ms, p99 {} ms, max {} ms", ms_text(l.p50), ms_text(l.p99), ms_text(l.max)),
        Lang::Zh => format!("调用方：{n} 个请求已回复；每个调用方从请求到达到收到回复等待了 p50 {} 毫秒，p99 {} 毫秒，最大 {} 毫秒", ms_text(l.p50), ms_text(l.p99), ms_text(l.max)),
    }
}

/// Little's law over a run whose requests were answered (a request handler's): the mean
/// number of requests in the system (arrived, not yet processed) is the arrival rate times
/// the mean time from arrival to processed. Over a whole run both sides are the same number
/// (the sum of every request's time in the system, divided by the span); the sentence shows
/// the two factors. `None` without answers or an empty span.
pub fn little_text(timing: &crate::engine::timing::Timing, lang: Lang) -> Option<String> {
    use crate::engine::timing::{ms_text, per_s_text};
    timing.answers?;
    let (n, span_us) = (timing.overall.processed, timing.span_us);
    let (rate, mean_us) = (timing.overall.per_s_milli?, timing.overall.mean_latency_us?);
    if span_us == 0 {
        return None;
    }
    // L = n × W / T, in hundredths.
    let in_system = (u128::from(n) * u128::from(mean_us) * 100 / u128::from(span_us)) as u64;
    let (rate, mean, span, l) = (per_s_text(rate), ms_text(mean_us), ms_text(span_us), crate::view::hundredths(in_system));
    Some(match lang {
        Lang::En => format!("Little's law: {n} requests in {span} ms is {rate} a second; × {mean} ms on average from a request's arrival to its processing = {l} requests in the system (arrived, not yet processed) on average"),
        Lang::Zh => format!("利特尔法则：{span} 毫秒内 {n} 个请求，即每秒 {rate} 个；× 从请求到达到处理完平均 {mean} 毫秒 = 平均 {l} 个请求在系统中（已到达、尚未处理）"),
    })
}

/// The words of the callers' latency chart (a run with a request handler): its name, its
/// legend's two entries (the wait of the last caller answered, the longest wait so far) and
/// its axis' unit. Only the narration module draws the chart, so they are not in `LABELS`
/// (which the first load carries).
pub fn latency_chart_labels(lang: Lang) -> [&'static str; 4] {
    match lang {
        Lang::En => ["Each caller's wait, by when it was answered", "last caller answered waited", "longest wait so far", "ms"],
        Lang::Zh => ["每个调用方的等待时间（按收到回复的时刻）", "最近收到回复的调用方等待了", "迄今最长等待", "毫秒"],
    }
}

/// What p50 and p99 mean (the timing line's tooltip).
pub fn percentiles_note(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "p50: half the messages waited at most this long; p99: 99 in 100 did (with fewer than 100 messages, that is the longest wait)",
        Lang::Zh => "p50：一半消息的等待不超过此值；p99：每 100 条中有 99 条不超过此值（消息不足 100 条时即最长的等待）",
    }
}

#[cfg(test)]
mod scenario_error_tests {
    use super::*;

    /// The JSON reader's words are Chinese on the Chinese page; validation's stay English
    /// (never half-translated), and the field path is kept as written.
    #[test]
    fn a_file_error_in_chinese() {
        let zh = |e: &str| scenario_error_text(e, Lang::Zh);
        assert_eq!(zh("actors[0].prefetch_count: must be a whole number from 0 to 65535, got 70000"), "actors[0].prefetch_count：必须是 0 到 65535 之间的整数，得到 70000");
        assert_eq!(zh("queues[0].durable: must be true or false, got \"yes\""), "queues[0].durable：必须是 true 或 false，得到 \"yes\"");
        assert_eq!(zh("colour: unknown field, expected one of `format`, `name`"), "colour：未知字段，应为以下之一：`format`, `name`");
        assert_eq!(zh("queues: missing (required)"), "queues：缺失（必填）");
        assert_eq!(zh("actors[0].role: unknown variant `cook`, expected one of `producer`, `consumer`"), "actors[0].role：未知名称 `cook`，应为以下之一：`producer`, `consumer`");
        assert_eq!(zh("expected `,` or `}` at line 3 column 5"), "expected `,` or `}`（第 3 行第 5 列）");
        // Validation's own words: as they are.
        let semantic = "costs.fsync_us: must be at most 1000000 microseconds (one second), got 2000000";
        assert_eq!(zh(semantic), "costs.fsync_us：must be at most 1000000 microseconds (one second), got 2000000");
        assert_eq!(scenario_error_text(semantic, Lang::En), semantic);
    }
}

/// "The run reached its limit of ... and stopped here" for a Kafka or ZeroMQ run (their
/// narration's `LimitReached`).
pub fn limit_reached_text(limit: crate::engine::trace::Limit, lang: Lang) -> String {
    use crate::engine::trace::Limit;
    let (en, zh) = match limit {
        Limit::Steps => ("steps", "步数"),
        Limit::TimeMs => ("simulated time", "模拟时间"),
        Limit::Messages => ("messages", "消息数"),
        Limit::Events => ("events", "事件数"),
    };
    match lang {
        Lang::En => format!("the run reached its limit of {en} and stopped here"),
        Lang::Zh => format!("运行达到了{zh}上限，在这里停止"),
    }
}

/// A chapter of a system's tour (Kafka's, ZeroMQ's): a catalog scenario with a short title.
pub struct CatalogChapter {
    /// The catalog name (`k-workload`, `z-workload`, ...).
    pub scenario: &'static str,
    pub title_en: &'static str,
    pub title_zh: &'static str,
}

impl CatalogChapter {
    pub fn title(&self, lang: Lang) -> &'static str {
        if lang == Lang::En { self.title_en } else { self.title_zh }
    }
}

/// The Kafka and ZeroMQ pages' narration once faults are injected: the chapter's opening
/// describes its own run, not this fork (the outcome at the end and the table do).
pub fn injected_note(n: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("You injected {n} fault{}: the run forked where you did, so the chapter's story no longer describes it. Play it to the end: the outcome and the table say what this run did.", if n == 1 { "" } else { "s" }),
        Lang::Zh => format!("你注入了 {n} 个故障：运行在注入处分叉，本章的叙述不再描述它。播放到结尾：结果和表格会说明这次运行做了什么。"),
    }
}
