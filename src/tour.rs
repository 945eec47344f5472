//! The tour: the article's chapters, each a catalog scenario with a narration in English and
//! Chinese, in reading order.
//!
//! Invariant: every chapter names a catalog scenario (checked by a test).

use crate::i18n::Lang;

pub struct Chapter {
    pub id: &'static str,
    /// The catalog scenario it runs.
    pub scenario: &'static str,
    pub title: [&'static str; 2],
    /// The chapter's button in the tour (its title is the heading above the narration).
    pub short: [&'static str; 2],
    /// Where the chapter opens in its run (§4.1-§4.3 share one run, each at its own part).
    pub opens: Opening,
    /// The actor whose program is shown first, if the chapter is about one.
    pub focus: Option<&'static str>,
}

/// Where a chapter opens: at the start of its run, or at its own part of a shared run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    Start,
    /// Right after the first `queue_declare` (the queue appears, durable).
    FirstDeclare,
    /// Right after the first `basic_publish`.
    FirstPublish,
    /// Right after the actor's program started.
    ActorStarted(&'static str),
}

impl Chapter {
    pub fn title(&self, lang: Lang) -> &'static str {
        self.title[lang as usize]
    }
    pub fn short(&self, lang: Lang) -> &'static str {
        self.short[lang as usize]
    }
    /// The chapter's narration (`NARRATIONS`, by its place in `CHAPTERS`).
    pub fn narration(&self, lang: Lang) -> &'static str {
        let index = CHAPTERS.iter().position(|c| c.id == self.id).unwrap_or(0);
        NARRATIONS[index][lang as usize]
    }

    /// The step the chapter opens at in `session` (a run of its scenario); 0 if its moment
    /// never comes in this run (other settings, say).
    pub fn opening_step(&self, session: &crate::session::Session) -> usize {
        use crate::systems::rabbitmq::trace::Event;
        let setup = session.timeline().setup();
        let found = match self.opens {
            Opening::Start => return 0,
            Opening::FirstDeclare => session.full_trace().iter().position(|e| matches!(e.event, Event::QueueDeclared { .. })),
            Opening::FirstPublish => session.full_trace().iter().position(|e| matches!(e.event, Event::MessagePublished { .. })),
            Opening::ActorStarted(name) => {
                let Some(actor) = setup.actor_id(name) else { return 0 };
                session.full_trace().iter().position(|e| matches!(e.event, Event::ActorStarted { actor: a } if a == actor))
            }
        };
        found.map_or(0, |index| session.step_of_event(index))
    }

    /// The chapter's scenario with `settings` and `seed` (what the page and a share link run).
    pub fn scenario(&self, settings: &crate::scenario::settings::Settings, seed: u64) -> Result<crate::scenario::Scenario, String> {
        let mut base = crate::scenario::catalog::get(self.scenario).map_err(|e| e.to_string())?;
        base.seed = seed;
        settings.apply(&base).map_err(|e| e.to_string())
    }
}

pub const CHAPTERS: &[Chapter] = &[
    Chapter {
        id: "declare",
        scenario: "article",
        title: ["§4.1 Declare the durable test_queue", "§4.1 声明持久化队列 test_queue"],
        short: ["§4.1 Declare test_queue", "§4.1 声明 test_queue"],
        opens: Opening::FirstDeclare,
        focus: Some("rabbitmqadmin"),
    },
    Chapter {
        id: "producer",
        scenario: "article",
        title: ["§4.2 The producer", "§4.2 生产者"],
        short: ["§4.2 Producer", "§4.2 生产者"],
        opens: Opening::FirstPublish,
        focus: Some("producer"),
    },
    Chapter {
        id: "consumer",
        scenario: "article",
        title: ["§4.3 The consumer", "§4.3 消费者"],
        short: ["§4.3 Consumer", "§4.3 消费者"],
        opens: Opening::ActorStarted("consumer"),
        focus: Some("consumer"),
    },
    Chapter {
        id: "consumer-crash",
        scenario: "consumer-crash-auto-ack",
        title: ["What if the consumer crashes? (auto_ack=True)", "如果消费者崩溃？（auto_ack=True）"],
        short: ["Consumer crash", "消费者崩溃"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "manual-ack",
        scenario: "consumer-crash-manual-ack",
        title: ["The fix: basic_ack after the work", "修复：处理完成后再 basic_ack"],
        short: ["Fix: ack after the work", "修复：处理后 ack"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "prefetch",
        scenario: "consumer-crash-prefetch",
        title: ["basic_qos(prefetch_count=1)", "basic_qos(prefetch_count=1)"],
        short: ["prefetch_count=1", "prefetch_count=1"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "broker-restart",
        scenario: "broker-restart-transient",
        title: ["What if the broker restarts?", "如果 broker 重启？"],
        short: ["Broker restart", "broker 重启"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "persistent",
        scenario: "broker-restart-persistent",
        title: ["The fix: delivery_mode=2", "修复：delivery_mode=2"],
        short: ["Fix: delivery_mode=2", "修复：delivery_mode=2"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "confirms",
        scenario: "lost-confirm-retry",
        title: ["Publisher confirms and retries", "发布确认与重试"],
        short: ["Confirms and retries", "确认与重试"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "no-confirms",
        scenario: "lost-publish-no-confirms",
        title: ["Retries without confirms", "没有发布确认的重试"],
        short: ["Retries, no confirms", "重试无确认"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "idempotent",
        scenario: "idempotent-consumer",
        title: ["§3.2.1 Idempotent consumer", "§3.2.1 幂等消费者"],
        short: ["§3.2.1 Idempotent", "§3.2.1 幂等"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "poison",
        scenario: "poison-dead-letter",
        title: ["§3.2.2 Poison message and the dead-letter queue", "§3.2.2 毒消息与死信队列"],
        short: ["§3.2.2 Poison message", "§3.2.2 毒消息"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "dual-write",
        scenario: "dual-write",
        title: ["§3.2.3 Distributed transactions: the dual write", "§3.2.3 分布式事务：双写"],
        short: ["§3.2.3 Dual write", "§3.2.3 双写"],
        opens: Opening::Start,
        focus: Some("orders"),
    },
    Chapter {
        id: "outbox",
        scenario: "outbox",
        title: ["The fix: a transactional outbox, a relay and an inbox", "修复：事务性发件箱、中继和收件箱"],
        short: ["Fix: outbox", "修复：发件箱"],
        opens: Opening::Start,
        focus: Some("relay"),
    },
    Chapter {
        id: "quorum",
        scenario: "quorum-node-crash",
        title: ["§3.2.4 A replicated (quorum) queue", "§3.2.4 复制（仲裁）队列"],
        short: ["§3.2.4 Quorum queue", "§3.2.4 仲裁队列"],
        opens: Opening::Start,
        focus: None,
    },
    Chapter {
        id: "sync-handler",
        scenario: "sync-handler",
        title: ["§1 Synchronous processing: the caller waits", "§1 同步处理：调用方等待"],
        short: ["§1 Synchronous", "§1 同步处理"],
        opens: Opening::Start,
        focus: Some("handler"),
    },
    Chapter {
        id: "async-handler",
        scenario: "async-handler",
        title: ["The fix: answer at once, let consumers do the work", "修复：立即回复，让消费者去做这项工作"],
        short: ["Fix: asynchronous", "修复：异步处理"],
        opens: Opening::Start,
        focus: Some("handler"),
    },
    Chapter {
        id: "latency-throughput",
        scenario: "latency-throughput",
        title: ["§5 Latency against throughput: prefetch, consumers, ack batches", "§5 延迟与吞吐量：prefetch、消费者数量、批量确认"],
        short: ["§5 Latency vs throughput", "§5 延迟与吞吐量"],
        opens: Opening::Start,
        focus: Some("worker-1"),
    },
];

/// The first chapter's narration (English, Chinese): the page's first module shows it; the
/// others are the narration module's (`ui::narration_chunk`), fetched when another chapter
/// opens.
pub const FIRST_NARRATION: [&str; 2] = [
    "The article declares test_queue from the command line first, with the management plugin's rabbitmqadmin: durable=true, auto_delete=false. Both programs then call queue_declare(queue='test_queue', durable=True) too; declaring a queue that exists, with the same properties, changes nothing. Durable means the queue's definition survives a broker restart; it says nothing about the messages in it.",
    "文章先在命令行用管理插件自带的 rabbitmqadmin 声明 test_queue：durable=true，auto_delete=false。两个程序随后也调用 queue_declare(queue='test_queue', durable=True)；用相同的属性声明一个已存在的队列，不会改变任何东西。durable 表示队列的定义在 broker 重启后仍然存在，但并不保证队列里的消息也会保留。",
];

/// Each chapter's narration (English, Chinese), in `CHAPTERS` order (apart from the
/// chapters, so that their titles do not bring every narration into the first module).
pub static NARRATIONS: [[&str; 2]; 18] = [
    FIRST_NARRATION,
    [
        "The producer publishes {'data': i} ten times, one second apart, with basic_publish. It sets no delivery_mode, so every message is transient. No consumer runs yet: the messages wait in test_queue until the consumer of §4.3 starts (the run goes on into §4.3).",
        "生产者用 basic_publish 每隔一秒发送一次 {'data': i}，共十次。它没有设置 delivery_mode，所以每条消息都是非持久化的。此时还没有消费者在运行：消息在 test_queue 中等待，直到 §4.3 的消费者启动（这次运行会一直延续到 §4.3）。",
    ],
    [
        "Then the consumer starts and subscribes with auto_ack=True: the broker counts a message as acknowledged the moment it sends it, and pushes it the ten waiting messages. Without faults, all ten arrive once, in order.",
        "随后消费者启动，以 auto_ack=True 订阅：broker 在发送消息的那一刻就认为它已被确认，并把等待中的十条消息推送给它。没有故障时，十条消息都按顺序各到达一次。",
    ],
    [
        "Ten messages wait in the queue; the consumer starts, the broker pushes all of them at once, and the consumer is killed right after it prints the fourth, before that message's work; its supervisor restarts it at 3 s. Under auto_ack=True everything it had been sent and not finished is lost, silently: the restarted consumer finds an empty queue.",
        "十条消息在队列中等待；消费者启动后 broker 一次性推送全部消息，消费者在打印第四条之后、开始处理它之前被杀死，并在 3 秒时被重启。在 auto_ack=True 下，所有已发送但未处理完的消息都会悄无声息地丢失：重启后的消费者面对的是一个空队列。",
    ],
    [
        "With auto_ack=False and basic_ack at the end of the callback, the same crash loses nothing: the broker requeues every unacknowledged message, flagged redelivered, and a second consumer processes them. The consumer was killed right after it printed the fourth message, before its work, so that message is received twice but processed once, by the second consumer; had it died after the work and before basic_ack, it would be processed twice (at-least-once).",
        "使用 auto_ack=False 并在回调结束时调用 basic_ack，同样的崩溃不会丢失任何消息：broker 会把所有未确认的消息重新入队并标记为 redelivered，由第二个消费者处理。消费者在打印第四条消息之后、处理它之前被杀死，所以这条消息被接收了两次，但只由第二个消费者处理了一次；如果它在处理完成之后、basic_ack 之前死去，这条消息就会被处理两次（至少一次）。",
    ],
    [
        "With a prefetch of 1 the broker sends one message at a time, so a crash puts back only the message in hand, and the others were never marked redelivered.",
        "prefetch 为 1 时，broker 每次只发送一条消息，因此崩溃时只有正在处理的那条消息被放回队列，其余消息不会被标记为 redelivered。",
    ],
    [
        "The producer publishes five messages and finishes; then the broker restarts (rabbitmqctl stop, then start). The queue is durable but the messages are transient (no delivery_mode=2): after the restart test_queue exists, empty, and the consumer, started later, finds nothing. A program still connected during a restart would exit with the error pika raises: the article's programs do not reconnect.",
        "生产者发送五条消息后结束；随后 broker 重启（rabbitmqctl stop 后再 start）。队列是持久化的，但消息不是（没有 delivery_mode=2）：重启后 test_queue 仍在，但已经空了，之后才启动的消费者什么也收不到。如果重启时还有程序连着，它会带着 pika 抛出的异常退出：文中的程序不会重连。",
    ],
    [
        "Persistent messages in a durable queue are written to disk and come back after the restart.",
        "持久化队列中的持久化消息会写入磁盘，重启后仍然存在。",
    ],
    [
        "With confirms the producer learns whether the broker took the message. When a confirm is lost, retrying publishes the message again: a duplicate, not a loss.",
        "开启发布确认后，生产者可以知道 broker 是否收到了消息。确认丢失时重试会再次发布这条消息：结果是重复，而不是丢失。",
    ],
    [
        "Without confirms a lost publish raises nothing; the error surfaces on the next publish, so retrying what failed loses the earlier message.",
        "没有发布确认时，丢失的发布不会报错；错误在下一次发布时才出现，因此重试失败的那条会丢掉之前的消息。",
    ],
    [
        "Redelivery makes duplicates; a consumer that records message ids with each effect applies every message exactly once.",
        "重新投递会产生重复；在每次处理时记录消息 id 的消费者可以让每条消息的效果只生效一次。",
    ],
    [
        "A message that always fails is retried a few times, then nacked without requeue to the dead-letter exchange instead of looping forever.",
        "一条总是处理失败的消息会被重试几次，然后以不重新入队的方式 nack 到死信交换机，而不是无限循环。",
    ],
    [
        "An order service writes each order to its own database (SQLite, orders.db) and then publishes a message about it: two writes to two systems, and no transaction around both. Each order is in the database once db.commit() returns; the publish comes after. The run kills the service right after it committed order 9 and before it published it. The database has ten orders and the queue only ever had nine: order 9 is lost, and nothing will ever publish it. Confirms, persistent messages and the consumer's dedupe do not help: the message was never sent.",
        "订单服务先把每个订单写进自己的数据库（SQLite，orders.db），然后再发布一条关于它的消息：两次写入落在两个系统里，没有一个事务把两者包在一起。每个订单在 db.commit() 返回后就在数据库里了，发布在其后。运行在服务提交订单 9 之后、发布它之前杀死了服务。数据库里有十个订单，队列却只收到过九条消息：订单 9 丢失了，而且永远不会有人发布它。发布确认、持久化消息和消费者的去重都帮不上忙：这条消息根本没有发出。",
    ],
    [
        "The service now writes the order and its message in one transaction: the message is a row of an outbox table in the same database, so both are committed or neither, and the service no longer talks to the broker at all. A relay reads the outbox, publishes each row with confirms and deletes it once basic_publish has returned. The same crash after order 9 loses nothing: its row is in the outbox and the relay publishes it. The relay itself is killed after publishing order 4 and before deleting its row; restarted, it publishes order 4 again: the outbox delivers at least once. The consumer's inbox (the effect and the message id in one transaction) skips the second copy, so every order is applied exactly once.",
        "现在服务在同一个事务里写入订单和它的消息：消息是同一个数据库里发件箱表的一行，两者要么都提交，要么都不提交，服务也完全不再和 broker 打交道。中继读取发件箱，用发布确认发布每一行，在 basic_publish 返回后删除它。同样在订单 9 之后的崩溃不再丢失任何东西：它的行在发件箱里，由中继发布。中继自己在发布订单 4 之后、删除它的行之前被杀死；重启后它再次发布订单 4：发件箱保证的是至少一次。消费者的收件箱（效果和消息 id 在同一个事务里）跳过第二份副本，所以每个订单都恰好被应用一次。",
    ],
    [
        "A quorum queue on three nodes keeps serving when one node crashes; a classic queue on the crashed node waits for it.",
        "三节点上的仲裁队列在一个节点崩溃时仍可继续服务；位于崩溃节点上的经典队列只能等待该节点恢复。",
    ],
    [
        "§1 and the FAQ ask why a queue helps. Here a request handler does the slow work itself: 30 requests arrive one every 20 ms (50 a second), and each takes 30 ms of work, so the handler finishes at most 33 a second. Each caller waits for its answer until its work is done, and the requests that arrive meanwhile wait their turn: the first caller waits 30 ms, the last 320 ms (p50 170 ms). The handler is never idle, the waiting line in the chart grows with every request, and the throughput is 33 a second however many arrive.",
        "§1 和 FAQ 问的是：为什么队列有帮助。这里一个请求处理程序亲自做慢工作：30 个请求每 20 毫秒到达一个（每秒 50 个），每个需要 30 毫秒的工作，所以处理程序每秒最多完成 33 个。每个调用方都要等到自己的工作做完才得到回复，期间到达的请求只能排队：第一个调用方等 30 毫秒，最后一个等 320 毫秒（p50 为 170 毫秒）。处理程序一刻不停，图表里的等待线随每个请求增长，吞吐量无论到达多少都是每秒 33 个。",
    ],
    [
        "The fix the article argues for: the handler publishes each request to test_queue and answers at once; two consumers each take one message at a time (prefetch_count=1) and do the 30 ms of work. The callers now wait 0.03 ms (the publish) instead of up to 320 ms, and the two consumers together process up to 66 a second, more than the 50 a second that arrive, so the queue stays short: each request is processed about 30.3 ms after it arrived (its work, plus the hops through the broker). Little's law, under the figures, ties them together: requests in the system = arrival rate × time in the system. The work still takes 30 ms; what changed is who waits for it.",
        "文章主张的修复：处理程序把每个请求发布到 test_queue 后立即回复；两个消费者每次各取一条消息（prefetch_count=1），做那 30 毫秒的工作。调用方现在只等 0.03 毫秒（发布的时间），而不是最多 320 毫秒；两个消费者合起来每秒最多处理 66 个，多于每秒到达的 50 个，所以队列保持很短：每个请求在到达后约 30.3 毫秒处理完（它的工作，加上经过 broker 的几跳）。数字下方的利特尔法则把它们联系起来：系统中的请求数 = 到达率 × 在系统中的时间。工作仍然需要 30 毫秒；变的是谁在等它。",
    ],
    [
        "§5 names the balance between low latency and high throughput. One producer publishes 1,000 messages as fast as it can (interval_ms 0); worker-1 takes them one at a time (prefetch_count=1) with 2 ms of work each, on the measured costs. As written: 440.496 messages a second, p50 1120.2 ms, p99 2217.8 ms. Each message costs 2.27 ms: its work and a round trip (the ack reaching the broker, the next delivery coming back: 90 + 10 + 90 + 80 µs), and the rest of the backlog waits in the queue, so the latency is mostly time in the queue. The sweep under the verdicts runs this chapter at prefetch 1, 10 and 100 with 1, 2 and 4 consumers (qp sweep --ack-every 1,10 also acks every 10th message, basic_ack(multiple=True)). A window of 10 hides the round trip: 480.686 a second, p99 2029.89 ms; 100 adds nothing more. Consumers add up: 4 with prefetch 10 reach 1921.71 a second, p99 486.5 ms. With a backlog, what raises throughput also lowers latency (the same 1,000 messages leave the queue sooner: Little's law). An ack batch as large as the window stalls it once a batch: prefetch 10 acking every 10th message is 476.379 a second. Pick a point of the curve to open its run.",
        "§5 提到低延迟与高吞吐量之间的平衡。一个生产者尽可能快地发布 1,000 条消息（interval_ms 0）；worker-1 每次取一条（prefetch_count=1），每条做 2 毫秒的工作，使用实测的开销。原文的结果：每秒 440.496 条，p50 1120.2 毫秒，p99 2217.8 毫秒。每条消息花 2.27 毫秒：它的工作加上一次往返（ack 到达 broker，下一次投递回来：90 + 10 + 90 + 80 微秒），其余积压的消息在队列里等待，所以延迟主要是在队列里的时间。判定下方的扫描在 prefetch 1、10、100 与 1、2、4 个消费者下运行本章（qp sweep --ack-every 1,10 还会每 10 条确认一次，basic_ack(multiple=True)）。窗口为 10 时往返被隐藏：每秒 480.686 条，p99 2029.89 毫秒；100 不再有提升。消费者的能力可以相加：4 个消费者、prefetch 10 达到每秒 1921.71 条，p99 486.5 毫秒。有积压时，提高吞吐量的做法也降低了延迟（同样的 1,000 条消息更早离开队列：利特尔法则）。与窗口一样大的确认批次会让窗口每批停顿一次：prefetch 10、每 10 条确认一次是每秒 476.379 条。在曲线上选一个点，打开那个点的运行。",
    ],
];

pub fn chapter(id: &str) -> Option<&'static Chapter> {
    CHAPTERS.iter().find(|c| c.id == id)
}

/// Each setting that differs between the chapter `as_written` and the settings on screen
/// `now`, written as code: `("auto_ack=True", "auto_ack=False")`. Empty when nothing differs.
pub fn settings_diff(as_written: &crate::scenario::settings::Settings, now: &crate::scenario::settings::Settings) -> Vec<(String, String)> {
    let py = |b: bool| if b { "True" } else { "False" };
    let prefetch = |p: Option<u16>| p.map_or("prefetch_count=None".to_string(), |n| format!("prefetch_count={n}"));
    let expiration = |e: Option<u64>| e.map_or("expiration=None".to_string(), |ms| format!("expiration='{ms}'"));
    let poll = |p: Option<u64>| p.map_or("basic_consume".to_string(), |ms| format!("basic_get + time.sleep({})", crate::systems::rabbitmq::program::seconds(ms)));
    let consumer_timeout = |t: Option<u64>| format!("consumer_timeout={}", t.unwrap_or(crate::scenario::CONSUMER_TIMEOUT_MS_DEFAULT));
    let heartbeat = |h: Option<u16>| format!("heartbeat={}", h.map_or(crate::scenario::HEARTBEAT_MS_DEFAULT / 1_000, u64::from));
    let pairs = [
        (format!("auto_ack={}", py(as_written.auto_ack)), format!("auto_ack={}", py(now.auto_ack))),
        (prefetch(as_written.prefetch_count), prefetch(now.prefetch_count)),
        (format!("delivery_mode={}", as_written.delivery_mode), format!("delivery_mode={}", now.delivery_mode)),
        (format!("durable={}", py(as_written.durable)), format!("durable={}", py(now.durable))),
        (format!("confirms={}", py(as_written.confirms)), format!("confirms={}", py(now.confirms))),
        (format!("retries={}", py(as_written.retries)), format!("retries={}", py(now.retries))),
        (format!("idempotent={}", py(as_written.idempotent)), format!("idempotent={}", py(now.idempotent))),
        (format!("dead_letter={}", py(as_written.dead_letter)), format!("dead_letter={}", py(now.dead_letter))),
        (format!("consumers={}", as_written.consumers), format!("consumers={}", now.consumers)),
        (format!("messages={}", as_written.messages), format!("messages={}", now.messages)),
        (expiration(as_written.expiration_ms), expiration(now.expiration_ms)),
        (poll(as_written.poll_ms), poll(now.poll_ms)),
        (format!("mandatory={}", py(as_written.mandatory)), format!("mandatory={}", py(now.mandatory))),
        (consumer_timeout(as_written.consumer_timeout_ms), consumer_timeout(now.consumer_timeout_ms)),
        (heartbeat(as_written.heartbeat_s), heartbeat(now.heartbeat_s)),
    ];
    pairs.into_iter().filter(|(a, b)| a != b).collect()
}

/// The note beside a chapter's title once the settings on screen differ from the chapter's
/// own, so that the title shown stays true: "as written: auto_ack=True; you changed:
/// auto_ack=False". None when nothing differs.
pub fn title_note(as_written: &crate::scenario::settings::Settings, now: &crate::scenario::settings::Settings, lang: Lang) -> Option<String> {
    let diff = settings_diff(as_written, now);
    if diff.is_empty() {
        return None;
    }
    let (was, is): (Vec<String>, Vec<String>) = diff.into_iter().unzip();
    Some(match lang {
        Lang::En => format!("as written: {}; you changed: {}", was.join(", "), is.join(", ")),
        Lang::Zh => format!("原文：{}；你改为：{}", was.join("，"), is.join("，")),
    })
}

/// What this run did, in a sentence or two built from its report (never from the chapter's
/// script): the label, each bad verdict with its messages grouped by cause, and the
/// programs that exited with an error. Shown once the run has reached its end.
pub fn outcome(report: &crate::report::Report, lang: Lang) -> String {
    use crate::engine::Verdict;
    use crate::i18n::label;
    let en = lang == Lang::En;
    let mut parts = Vec::new();
    for (verdict, key) in [
        (Verdict::Lost, "lost"),
        (Verdict::Expired, "expired"),
        (Verdict::Duplicated, "duplicated"),
        (Verdict::DeadLettered, "dead_lettered"),
        (Verdict::Stranded, "stranded"),
        (Verdict::NeverSent, "never_sent"),
    ] {
        let rows: Vec<&crate::report::MessageReport> = report.messages.iter().filter(|m| m.verdict == verdict).collect();
        if rows.is_empty() {
            continue;
        }
        // Messages with the same verdict may have different causes (a crash lost some, the
        // network another): each cause is said once, after its own messages.
        let mut groups: Vec<(Option<String>, Vec<&crate::report::MessageReport>)> = Vec::new();
        for m in &rows {
            let why = m.cause.as_ref().map(|c| c.text_in(lang));
            match groups.iter_mut().find(|(w, _)| *w == why) {
                Some((_, ms)) => ms.push(m),
                None => groups.push((why, vec![m])),
            }
        }
        const SHOWN: usize = 6;
        const CAUSES_SHOWN: usize = 3;
        let mut pieces: Vec<String> = groups
            .iter()
            .take(CAUSES_SHOWN)
            .map(|(why, ms)| {
                let mut payloads: Vec<String> = ms.iter().take(SHOWN).map(|m| m.payload.clone()).collect();
                if ms.len() > SHOWN {
                    payloads.push("…".into());
                }
                match (why, en) {
                    (Some(why), true) => format!("{} ({why})", payloads.join(", ")),
                    (Some(why), false) => format!("{}（{why}）", payloads.join("、")),
                    (None, true) => payloads.join(", "),
                    (None, false) => payloads.join("、"),
                }
            })
            .collect();
        if groups.len() > CAUSES_SHOWN {
            pieces.push("…".into());
        }
        let count = rows.len();
        parts.push(if en {
            format!("{count} {}: {}", label(key, lang), pieces.join("; "))
        } else {
            format!("{count} 条{}：{}", label(key, lang), pieces.join("；"))
        });
    }
    for actor in &report.actors {
        if let Some(error) = &actor.exit_error {
            parts.push(if en { format!("{} exited with {error}", actor.name) } else { format!("{} 带着 {error} 退出", actor.name) });
        }
    }
    let processed = report.counts.processed_once + report.counts.redelivered + report.counts.out_of_order;
    // The counts list redelivered messages apart from "processed once": say that they are
    // among the processed ones, so "4 processed once" beside "0 processed once, 4 redelivered"
    // does not read as a contradiction.
    let redelivered = report.counts.redelivered;
    // A run without a single message has nothing to judge: no label (not a green
    // "effectively-once" beside a program that failed).
    let head = match (en, redelivered) {
        _ if report.messages.is_empty() => (if en { "This run: no message was published" } else { "本次运行：没有发布任何消息" }).to_string(),
        (true, 0) => format!("This run: {}. {processed} of {} message(s) processed once", label(report.label.name(), lang), report.messages.len()),
        (true, _) => format!("This run: {}. {processed} of {} message(s) processed once ({redelivered} of them after a redelivery)", label(report.label.name(), lang), report.messages.len()),
        (false, 0) => format!("本次运行：{}。{} 条消息中有 {processed} 条恰好处理一次", label(report.label.name(), lang), report.messages.len()),
        (false, _) => format!("本次运行：{}。{} 条消息中有 {processed} 条恰好处理一次（其中 {redelivered} 条是重新投递后处理的）", label(report.label.name(), lang), report.messages.len()),
    };
    if parts.is_empty() {
        format!("{head}{}", if en { "." } else { "。" })
    } else if en {
        format!("{head}; {}.", parts.join("; "))
    } else {
        format!("{head}；{}。", parts.join("；"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{catalog, settings::Settings};

    /// Each chapter's tour button is short (the tour stays a few lines at 1366 px: the page's
    /// one-screen test), in both languages, and names its chapter apart from the others.
    #[test]
    fn every_chapter_has_a_short_distinct_button_label() {
        for lang in [Lang::En, Lang::Zh] {
            let mut seen = std::collections::BTreeSet::new();
            for chapter in CHAPTERS {
                let short = chapter.short(lang);
                assert!(!short.is_empty() && short.chars().count() <= 24, "{}: {short}", chapter.id);
                assert!(seen.insert(short), "{}: {short} twice", chapter.id);
            }
        }
    }

    /// The consumer-crash chapter's title names auto_ack=True: once the learner flips it off,
    /// the note beside the title says what the chapter was written with and what runs now.
    #[test]
    fn a_changed_setting_is_named_beside_the_title_in_both_languages() {
        let chapter = chapter("consumer-crash").unwrap();
        assert!(chapter.title(Lang::En).contains("auto_ack=True"));
        let as_written = Settings::of(&catalog::get(chapter.scenario).unwrap());
        assert_eq!(title_note(&as_written, &as_written, Lang::En), None, "nothing to say with the chapter's own settings");
        let flipped = Settings { auto_ack: false, ..as_written.clone() };
        assert_eq!(title_note(&as_written, &flipped, Lang::En).as_deref(), Some("as written: auto_ack=True; you changed: auto_ack=False"));
        assert_eq!(title_note(&as_written, &flipped, Lang::Zh).as_deref(), Some("原文：auto_ack=True；你改为：auto_ack=False"));
        let two = Settings { auto_ack: false, prefetch_count: Some(1), ..as_written.clone() };
        assert_eq!(settings_diff(&as_written, &two).len(), 2);
    }
}
