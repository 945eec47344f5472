//! Actor programs: the pika code of a producer or consumer, generated from its settings,
//! together with the operations the engine executes. Code and operations are emitted by the
//! same builder, so every operation carries the 1-based line of the code it comes from and
//! the code panel, the exported script and the simulation can never disagree.
//!
//! Invariants: every `Op::line` points at a line of `Program::code`; a callback has exactly
//! one operation that counts as the message's effect.

use crate::scenario::{ActorSpec, AdminSpec, ConsumerSpec, DeclareAs, GiveUp, ExchangeType, Handler, OnFailure, Orders, Overflow, ProducerSpec, QueueSpec, QueueType, RelaySpec, Scenario};
pub use crate::systems::python::{py, seconds};

/// What an operation does. Parameters (queue, routing, properties) live in the actor's setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Connect,
    OpenChannel,
    DeclareQueue,
    ConfirmSelect,
    Qos,
    /// `for i in range(n):`
    LoopStart,
    Publish,
    PrintSent,
    Sleep,
    /// End of the loop body: back to `LoopStart` while messages remain.
    LoopEnd,
    Consume,
    PrintWaiting,
    StartConsuming,
    /// Callback: `print(" [x] Received ...")`; `effect` when the print is the message's
    /// effect (the article's consumer, which does nothing else).
    PrintReceived { effect: bool },
    /// Callback: the processing (`time.sleep(...)  # process(message)`); fails on a poison
    /// message. With `effect`, the message's effect is applied when the work completes: a
    /// crash during the work leaves it unapplied, a crash after it (before the ack) does not.
    Work { effect: bool },
    /// Callback, idempotent consumer: apply the effect once per message id, atomically.
    ApplyOnce,
    Ack,
    /// Callback: only reached when `Work` failed (nack / reject).
    Fail,
    Close,
    /// `rabbitmqadmin declare queue ...`: one command, over the management HTTP API.
    AdminDeclare,
    /// A polling consumer's `channel.basic_get(...)`: one message (run the callback on it)
    /// or none.
    Get,
    /// A polling consumer's `time.sleep(...)` after an empty `basic_get`; then it asks again.
    /// The relay's `time.sleep(...)` after finding the outbox empty; then it looks again.
    PollSleep,
    /// An order service's `db.commit()`: its transaction (the order, or the order and its
    /// outbox row) is in the database from then on; a crash before it rolls it back.
    CommitOrder,
    /// An outbox order service's `print(f" [x] Saved {message}")`.
    PrintSaved,
    /// The relay's `SELECT` of the outbox rows (its `rows`).
    OutboxSelect,
    /// The relay's `for order_id, body in rows:` (the next row, or past the loop).
    NextRow,
    /// The relay's `db.commit()` of the delete of the row it published.
    OutboxDelete,
    /// End of the relay's row loop: back to `NextRow`.
    RowsEnd,
    /// A request handler's wait for request `i` (`time.sleep(max(0, arrives - now))`): at
    /// once if it has arrived.
    WaitRequest,
    /// A synchronous handler's work on the request (`time.sleep(...)  # process(message)`):
    /// the request's effect, applied when it completes.
    WorkInline,
    /// A request handler's `print(f" [x] Answered ...")`: the caller has its answer.
    PrintAnswered,
    /// A batch producer (`confirm_batch`) back in its I/O loop after a batch: it waits until
    /// the broker has confirmed every message of the batch (`if self.unconfirmed: return` in
    /// its `on_confirm`), then publishes the next batch or closes.
    WaitConfirms,
}

impl OpKind {
    /// The position of `self.name()` in `OP_NAMES`.
    pub fn index(self) -> usize {
        match self {
            OpKind::Connect => 0,
            OpKind::OpenChannel => 1,
            OpKind::DeclareQueue => 2,
            OpKind::ConfirmSelect => 3,
            OpKind::Qos => 4,
            OpKind::LoopStart => 5,
            OpKind::Publish => 6,
            OpKind::PrintSent => 7,
            OpKind::Sleep => 8,
            OpKind::LoopEnd => 9,
            OpKind::Consume => 10,
            OpKind::PrintWaiting => 11,
            OpKind::StartConsuming => 12,
            OpKind::PrintReceived { .. } => 13,
            OpKind::Work { .. } => 14,
            OpKind::ApplyOnce => 15,
            OpKind::Ack => 16,
            OpKind::Fail => 17,
            OpKind::Close => 18,
            OpKind::AdminDeclare => 19,
            OpKind::Get => 20,
            OpKind::PollSleep => 21,
            OpKind::CommitOrder => 22,
            OpKind::PrintSaved => 23,
            OpKind::OutboxSelect => 24,
            OpKind::NextRow => 25,
            OpKind::OutboxDelete => 26,
            OpKind::RowsEnd => 27,
            OpKind::WaitRequest => 28,
            OpKind::WorkInline => 29,
            OpKind::PrintAnswered => 30,
            OpKind::WaitConfirms => 31,
        }
    }

    /// The name used by fault triggers (`{"after": {"op": "basic_ack", ...}}`).
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Connect => "connect",
            OpKind::OpenChannel => "channel",
            OpKind::DeclareQueue => "queue_declare",
            OpKind::ConfirmSelect => "confirm_delivery",
            OpKind::Qos => "basic_qos",
            OpKind::LoopStart => "loop",
            OpKind::Publish => "basic_publish",
            OpKind::PrintSent => "print_sent",
            OpKind::Sleep => "sleep",
            OpKind::LoopEnd => "loop_end",
            OpKind::Consume => "basic_consume",
            OpKind::PrintWaiting => "print_waiting",
            OpKind::StartConsuming => "start_consuming",
            OpKind::PrintReceived { .. } => "print_received",
            OpKind::Work { .. } => "work",
            OpKind::ApplyOnce => "apply_once",
            OpKind::Ack => "basic_ack",
            OpKind::Fail => "on_failure",
            OpKind::Close => "close",
            OpKind::AdminDeclare => "rabbitmqadmin_declare",
            OpKind::Get => "basic_get",
            OpKind::PollSleep => "poll_sleep",
            OpKind::CommitOrder => "db_commit",
            OpKind::PrintSaved => "print_saved",
            OpKind::OutboxSelect => "outbox_select",
            OpKind::NextRow => "next_row",
            OpKind::OutboxDelete => "outbox_delete",
            OpKind::RowsEnd => "rows_end",
            OpKind::WaitRequest => "wait_request",
            OpKind::WorkInline => "work_inline",
            OpKind::PrintAnswered => "print_answered",
            OpKind::WaitConfirms => "wait_for_confirms",
        }
    }
}

/// Every operation name a fault trigger may use.
pub const OP_NAMES: &[&str] = &[
    "connect", "channel", "queue_declare", "confirm_delivery", "basic_qos", "loop", "basic_publish",
    "print_sent", "sleep", "loop_end", "basic_consume", "print_waiting", "start_consuming",
    "print_received", "work", "apply_once", "basic_ack", "on_failure", "close", "rabbitmqadmin_declare", "basic_get",
    "poll_sleep", "db_commit", "print_saved", "outbox_select", "next_row", "outbox_delete", "rows_end",
    "wait_request", "work_inline", "print_answered", "wait_for_confirms",
];

/// The operations only a request handler has (`handler` in the scenario).
pub const HANDLER_OP_NAMES: &[&str] = &["wait_request", "work_inline", "print_answered"];

/// The operations only a batch producer has (`confirm_batch` in the scenario).
pub const BATCH_OP_NAMES: &[&str] = &["wait_for_confirms"];

/// The operations only an order service or its relay has (`orders` in the scenario).
pub const ORDER_OP_NAMES: &[&str] = &["db_commit", "print_saved", "outbox_select", "next_row", "outbox_delete", "rows_end"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    /// 1-based line in `Program::code`.
    pub line: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub code: Vec<String>,
    pub main: Vec<Op>,
    /// The consumer's `callback`, run once per delivery (empty for a producer).
    pub callback: Vec<Op>,
    /// The line of `def callback(...)` (0 for a producer).
    pub callback_line: u16,
}

struct Builder {
    code: Vec<String>,
    main: Vec<Op>,
    callback: Vec<Op>,
    callback_line: u16,
}

/// One level of Python indentation.
const IN: &str = "    ";

impl Builder {
    fn new() -> Builder {
        Builder { code: Vec::new(), main: Vec::new(), callback: Vec::new(), callback_line: 0 }
    }
    /// Append a line of code; returns its 1-based number.
    fn line(&mut self, text: impl Into<String>) -> u16 {
        self.code.push(text.into());
        self.code.len() as u16
    }
    fn main(&mut self, text: impl Into<String>, kind: OpKind) {
        let line = self.line(text);
        self.main.push(Op { kind, line });
    }
    fn callback(&mut self, text: impl Into<String>, kind: OpKind) {
        let line = self.line(text);
        self.callback.push(Op { kind, line });
    }
    /// The imports, sorted as isort would: standard library, a blank line, pika.
    fn imports(&mut self, standard: &[&str]) {
        let mut standard = standard.to_vec();
        crate::engine::sort::sort_small(&mut standard);
        standard.dedup();
        for module in standard {
            self.line(format!("import {module}"));
        }
        self.line("");
        self.line("import pika");
    }
    /// Two blank lines, as PEP 8 puts between top-level definitions.
    fn gap(&mut self) {
        self.line("");
        self.line("");
    }
    /// The connection, the channel and what the program declares, at `indent`.
    /// `exchange`: the exchange the program publishes to (declared with its bindings).
    fn connect(&mut self, indent: &str, queue: &QueueSpec, exchange: &str, declare: Option<(&Scenario, DeclareAs)>, host: &str) {
        self.main(format!("{indent}connection = pika.BlockingConnection(pika.ConnectionParameters({host}))"), OpKind::Connect);
        self.main(format!("{indent}channel = connection.channel()"), OpKind::OpenChannel);
        if let Some((scenario, how)) = declare {
            let dead_letter = queue.dead_letter_exchange.as_deref().unwrap_or("");
            let mut own_bindings = Vec::new();
            let exchanges = if exchange == dead_letter { vec![exchange] } else { vec![dead_letter, exchange] };
            for name in exchanges.into_iter().filter(|name| !name.is_empty()) {
                let (before, after) = exchange_declares(name, &queue.name, scenario);
                for line in before {
                    self.line(format!("{indent}{line}"));
                }
                own_bindings.extend(after);
            }
            self.main(format!("{indent}{}", own_queue_declare(queue, how)), OpKind::DeclareQueue);
            for line in own_bindings {
                self.line(format!("{indent}{line}"));
            }
        }
    }
    /// For a program that reconnects after an error (`reconnect_ms`): `while True:` and `try:`
    /// around what follows in `main()`. The indent to write that at.
    fn reconnect_loop(&mut self, reconnect_ms: Option<u64>) -> String {
        if reconnect_ms.is_none() {
            return IN.to_string();
        }
        self.line(format!("{IN}while True:  # reconnect after a connection error"));
        self.line(format!("{IN}{IN}try:"));
        IN.repeat(3)
    }
    /// The `except` that ends `reconnect_loop`'s `try:`: sleep, then connect again.
    fn reconnect_except(&mut self, reconnect_ms: Option<u64>) {
        if let Some(ms) = reconnect_ms {
            self.line(format!("{IN}{IN}except pika.exceptions.AMQPError:  # the connection or the channel was lost"));
            self.line(format!("{IN}{IN}{IN}time.sleep({})", seconds(ms)));
        }
    }
    /// `if __name__ == '__main__': main()`, as the article ends both programs.
    fn entry_point(&mut self) {
        // Two blank lines before it, counting one the function may end with (a loop's end).
        if self.code.last().is_some_and(|l| l.is_empty()) {
            self.line("");
        } else {
            self.gap();
        }
        self.line("if __name__ == '__main__':");
        self.line(format!("{IN}main()"));
    }
    fn finish(self) -> Program {
        Program { code: self.code, main: self.main, callback: self.callback, callback_line: self.callback_line }
    }
}

/// The program's own `channel.queue_declare(...)`, made as `how`.
fn own_queue_declare(queue: &QueueSpec, how: DeclareAs) -> String {
    let name = py(&queue.name);
    match how {
        DeclareAs::Queue => queue_declare(queue),
        DeclareAs::Passive => format!("channel.queue_declare(queue={name}, passive=True)  # only checks that it exists"),
        DeclareAs::Plain => format!("channel.queue_declare(queue={name})"),
        DeclareAs::WithoutArguments if queue.durable => format!("channel.queue_declare(queue={name}, durable=True)"),
        DeclareAs::WithoutArguments => format!("channel.queue_declare(queue={name})"),
    }
}

/// `channel.queue_declare(...)` with the queue's durability and arguments.
fn queue_declare(queue: &QueueSpec) -> String {
    let mut arguments = Vec::new();
    if queue.queue_type == QueueType::Quorum {
        arguments.push("'x-queue-type': 'quorum'".to_string());
    }
    if let Some(ttl) = queue.message_ttl_ms {
        arguments.push(format!("'x-message-ttl': {ttl}"));
    }
    if let Some(dlx) = &queue.dead_letter_exchange {
        arguments.push(format!("'x-dead-letter-exchange': {}", py(dlx)));
    }
    if let Some(key) = &queue.dead_letter_routing_key {
        arguments.push(format!("'x-dead-letter-routing-key': {}", py(key)));
    }
    if let Some(max) = queue.max_length {
        arguments.push(format!("'x-max-length': {max}"));
        if queue.overflow == Overflow::RejectPublish {
            arguments.push("'x-overflow': 'reject-publish'".to_string());
        }
    }
    if let Some(limit) = queue.delivery_limit {
        arguments.push(format!("'x-delivery-limit': {limit}"));
    }
    let durable = if queue.durable { ", durable=True" } else { "" };
    let arguments = if arguments.is_empty() { String::new() } else { format!(", arguments={{{}}}", arguments.join(", ")) };
    format!("channel.queue_declare(queue={}{durable}{arguments})", py(&queue.name))
}

/// An exchange the program uses (it publishes to it, or its queue dead-letters to it), with
/// the queues bound to it and the bindings, declared before the program's own queue
/// (`queue`, declared between the two lists returned: its own bindings come after it), so
/// that what the code uses exists on a real broker too. Durable: the engine's topology
/// outlives broker restarts, and so must the real one.
fn exchange_declares(dlx: &str, queue: &str, scenario: &Scenario) -> (Vec<String>, Vec<String>) {
    let Some(exchange) = scenario.exchanges.iter().find(|e| e.name == dlx) else { return (Vec::new(), Vec::new()) };
    let kind = match exchange.exchange_type {
        ExchangeType::Direct => "direct",
        ExchangeType::Fanout => "fanout",
        ExchangeType::Topic => "topic",
    };
    let mut before = vec![format!("channel.exchange_declare(exchange={}, exchange_type='{kind}', durable=True)", py(dlx))];
    let mut after = Vec::new();
    for binding in scenario.bindings.iter().filter(|b| b.exchange == dlx) {
        let key = if binding.routing_key.is_empty() { String::new() } else { format!(", routing_key={}", py(&binding.routing_key)) };
        let bind = format!("channel.queue_bind(queue={}, exchange={}{key})", py(&binding.queue), py(dlx));
        if binding.queue == queue {
            after.push(bind);
            continue;
        }
        if let Some(bound) = scenario.queues.iter().find(|q| q.name == binding.queue) {
            before.push(queue_declare(bound));
        }
        before.push(bind);
    }
    (before, after)
}

/// The host a program connects to: `'localhost'` with one broker node (the article); in a
/// cluster, the host of its node, named after it (`'rabbit1'` for rabbit@1).
fn host(scenario: &Scenario, node: u8) -> String {
    if scenario.broker.nodes > 1 { format!("'rabbit{node}'") } else { "'localhost'".into() }
}


/// The code a consumer shows for a run in which the payloads `poisoned` were made poison by a
/// fault ("Poison next message"): its `process()` lists them with the scenario's own, so the
/// code says why they fail. Same lines as `Program::code` (only the list changes). None when
/// nothing changes (no poisoned payload, or an actor without such a `process()`, which is
/// never offered the fault): the program's own code is the one to show.
pub fn shown_code(scenario: &Scenario, actor: &ActorSpec, poisoned: &[u32]) -> Option<Vec<String>> {
    let ActorSpec::Consumer(spec) = actor else { return None };
    if poisoned.is_empty() || !lists_poison(actor) {
        return None;
    }
    let mut spec = spec.clone();
    let fail = spec.fail.as_mut()?;
    fail.data.extend(poisoned.iter().filter(|d| !fail.data.contains(d)).copied().collect::<Vec<_>>());
    of_first(scenario, &ActorSpec::Consumer(spec)).map(|p| p.code)
}

/// Whether a consumer's code can say why a poisoned message fails: it has a `process()` that
/// raises on a list of payloads, always (not only on first tries).
pub fn lists_poison(actor: &ActorSpec) -> bool {
    matches!(actor, ActorSpec::Consumer(c) if c.fail.as_ref().is_some_and(|f| f.attempts.is_none()))
}

/// The program an actor of `scenario` runs (None if its queue is not in the scenario).
pub fn of(scenario: &Scenario, actor: &ActorSpec) -> Option<Program> {
    let queue_of = |name: &str| scenario.queues.iter().find(|q| q.name == name);
    Some(match actor {
        ActorSpec::Producer(p) if p.orders == Some(Orders::Outbox) => {
            queue_of(&p.queue)?;
            outbox_service(p)
        }
        ActorSpec::Producer(ProducerSpec { handler: Some(handler), .. }) => {
            let ActorSpec::Producer(p) = actor else { unreachable!("matched a producer") };
            request_handler(p, *handler, queue_of(&p.queue)?, scenario)
        }
        ActorSpec::Relay(r) => relay(r, queue_of(&r.queue)?, scenario),
        ActorSpec::Producer(p) if p.confirm_batch.is_some() => batch_producer(p, queue_of(&p.queue)?, scenario),
        other => return of_first(scenario, other),
    })
}

/// `of` for every actor but an outbox's two, its order service and its relay, a request
/// handler and a batch producer (None for them): what the tour's first chapter runs
/// (`Setup::new_first`), so the page's first module has no code that writes their programs.
pub fn of_first(scenario: &Scenario, actor: &ActorSpec) -> Option<Program> {
    let queue_of = |name: &str| scenario.queues.iter().find(|q| q.name == name);
    Some(match actor {
        ActorSpec::Producer(p) if p.orders != Some(Orders::Outbox) && p.handler.is_none() && p.confirm_batch.is_none() => producer(p, queue_of(&p.queue)?, scenario),
        ActorSpec::Consumer(c) => consumer(c, queue_of(&c.queue)?, scenario),
        ActorSpec::Admin(a) => admin(a, scenario),
        ActorSpec::Producer(_) | ActorSpec::Relay(_) => return None,
    })
}

/// The `rabbitmqadmin` commands, as a shell session: `$ rabbitmqadmin declare queue ...` per
/// queue (an `rabbitmqadmin_declare` op each), with the queue's durability and arguments.
pub fn admin(spec: &AdminSpec, scenario: &Scenario) -> Program {
    let mut b = Builder::new();
    for name in &spec.declare {
        let Some(queue) = scenario.queues.iter().find(|q| &q.name == name) else { continue };
        b.main(admin_declare(queue, scenario, spec.node), OpKind::AdminDeclare);
    }
    b.finish()
}

/// `$ rabbitmqadmin declare queue name=... durable=... auto_delete=false [arguments='{...}']`
/// (the tool's `name=value` arguments; `arguments` is JSON).
fn admin_declare(queue: &QueueSpec, scenario: &Scenario, node: u8) -> String {
    let mut arguments: Vec<String> = Vec::new();
    if queue.queue_type == QueueType::Quorum {
        arguments.push("\"x-queue-type\": \"quorum\"".into());
    }
    if let Some(ttl) = queue.message_ttl_ms {
        arguments.push(format!("\"x-message-ttl\": {ttl}"));
    }
    if let Some(dlx) = &queue.dead_letter_exchange {
        arguments.push(format!("\"x-dead-letter-exchange\": {}", crate::scenario::json::string_literal(dlx)));
    }
    if let Some(key) = &queue.dead_letter_routing_key {
        arguments.push(format!("\"x-dead-letter-routing-key\": {}", crate::scenario::json::string_literal(key)));
    }
    if let Some(max) = queue.max_length {
        arguments.push(format!("\"x-max-length\": {max}"));
        if queue.overflow == Overflow::RejectPublish {
            arguments.push("\"x-overflow\": \"reject-publish\"".into());
        }
    }
    if let Some(limit) = queue.delivery_limit {
        arguments.push(format!("\"x-delivery-limit\": {limit}"));
    }
    let arguments = if arguments.is_empty() { String::new() } else { format!(" arguments={}", sh(&format!("{{{}}}", arguments.join(", ")))) };
    // In a cluster, the node whose management API it calls (a classic queue lives there).
    let host = if scenario.broker.nodes > 1 { format!(" -H rabbit{node}") } else { String::new() };
    format!("$ rabbitmqadmin{host} declare queue name={} durable={} auto_delete=false{arguments}", sh(&queue.name), queue.durable)
}

/// `text` as one shell word: as is when it is plain, else single-quoted.
fn sh(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:/@%+=,".contains(c)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The producer's program, as the article writes it plus what its settings add. With retries
/// the connection is made by a `connect()` function, so a retry's reconnection runs (and
/// highlights) the same lines as the first connection. (An outbox's order service, which
/// does not publish, is `outbox_service`'s: `of` picks it.)
pub fn producer(spec: &ProducerSpec, queue: &QueueSpec, scenario: &Scenario) -> Program {
    let dual_write = spec.orders == Some(Orders::DualWrite);
    let mut b = Builder::new();
    let jitter = spec.retry.as_ref().is_some_and(|r| r.jitter_ms > 0);
    // A producer that gives up on a message and goes on with the next.
    let skips = spec.retry.as_ref().is_some_and(|r| r.on_give_up == GiveUp::Skip);
    let mut imports = vec!["json", "time"];
    if jitter {
        imports.push("random");
    }
    if dual_write {
        imports.push("sqlite3");
    }
    b.imports(&imports);
    let declare = spec.declare.then_some((scenario, spec.declare_as));
    if spec.retry.is_some() {
        b.gap();
        b.line("def connect():");
        b.connect(IN, queue, &spec.exchange, declare, &host(scenario, spec.node));
        if spec.confirms {
            b.main(format!("{IN}channel.confirm_delivery()  # basic_publish now waits for the broker's confirm"), OpKind::ConfirmSelect);
        }
        b.line(format!("{IN}return connection, channel"));
    }
    b.gap();
    b.line("def main():");
    if dual_write {
        b.line(format!("{IN}{ORDERS_DB}"));
        b.line(format!("{IN}{ORDERS_TABLE}"));
    }
    if spec.retry.is_some() {
        // The first connection is made in the retry loop, so a broker that is down when the
        // program starts is retried too; with nothing to publish, it is made here.
        b.line(if spec.messages == 0 { format!("{IN}connection, channel = connect()") } else { format!("{IN}channel = None") });
        if spec.messages > 0 && skips {
            b.line(format!("{IN}connection = None"));
        }
    } else {
        b.connect(IN, queue, &spec.exchange, declare, &host(scenario, spec.node));
        if spec.confirms {
            b.main(format!("{IN}channel.confirm_delivery()  # basic_publish now waits for the broker's confirm"), OpKind::ConfirmSelect);
        }
    }
    let publish = publish_call(spec, scenario);
    b.line("");
    b.main(format!("{IN}for i in range({}):", spec.messages), OpKind::LoopStart);
    let data = if spec.first_data == 0 { "i".to_string() } else { format!("{} + i", spec.first_data) };
    b.line(format!("{IN}{IN}message = {{'data': {data}}}"));
    if dual_write {
        b.line(format!("{IN}{IN}db.execute('INSERT INTO orders VALUES (?, ?)', (i, message['data']))"));
        b.main(format!("{IN}{IN}db.commit()  # the order is in the database now"), OpKind::CommitOrder);
    }
    match &spec.retry {
        None => b.main(format!("{IN}{IN}{publish}"), OpKind::Publish),
        Some(retry) => {
            let (i2, i3, i4, i5) = (IN.repeat(2), IN.repeat(3), IN.repeat(4), IN.repeat(5));
            let max = retry.attempts_max;
            b.line(format!("{i2}for attempt in range({max} + 1):  # the first try and up to {max} retries"));
            b.line(format!("{i3}try:"));
            b.line(format!("{i4}if channel is None or attempt > 0:  # connect, or reconnect after an error"));
            b.line(format!("{i5}connection, channel = connect()"));
            b.main(format!("{i4}{publish}"), OpKind::Publish);
            if skips {
                // Printed only when the publish went through: a message given up is not sent.
                b.main(format!("{i4}print(f\" [x] Sent {{message}}\")"), OpKind::PrintSent);
            }
            b.line(format!("{i4}break"));
            b.line(format!("{i3}except pika.exceptions.AMQPError:  # includes a failed connect()"));
            b.line(format!("{i4}if attempt == {max}:"));
            if skips {
                b.line(format!("{i5}print(f\" [!] giving up on {{message}}\")"));
                b.line(format!("{i5}channel = None  # connect again for the next one"));
                b.line(format!("{i5}break"));
            } else {
                b.line(format!("{i5}raise"));
            }
            b.line(format!("{i4}print(f\" [!] retrying {{message}}\")"));
            let jitter = if retry.jitter_ms > 0 { format!(" + random.uniform(0, {})", seconds(retry.jitter_ms)) } else { String::new() };
            b.line(format!("{i4}time.sleep({} * 2 ** attempt{jitter})", seconds(retry.backoff_ms)));
        }
    }
    if !skips {
        b.main(format!("{IN}{IN}print(f\" [x] Sent {{message}}\")"), OpKind::PrintSent);
    }
    b.main(format!("{IN}{IN}time.sleep({})", seconds(spec.interval_ms)), OpKind::Sleep);
    b.main("", OpKind::LoopEnd);
    if skips && spec.messages > 0 {
        // The last message may have been given up on, its connection gone (or never made).
        b.line(format!("{IN}if connection is not None and connection.is_open:"));
        b.main(format!("{IN}{IN}connection.close()"), OpKind::Close);
    } else {
        b.main(format!("{IN}connection.close()"), OpKind::Close);
    }
    b.entry_point();
    b.finish()
}

/// A producer with confirms in batches (`confirm_batch`): RabbitMQ's publisher-confirms
/// tutorial's "publishing messages in batches" on pika's asynchronous `SelectConnection` (a
/// `BlockingChannel` in confirm mode waits for each message's confirm, so it cannot leave a
/// batch outstanding). Each batch is published at once; the next one goes out when the broker
/// has confirmed every message of it (`Basic.Ack`, often `multiple=True`: every delivery tag
/// up to this one). A nack, or the connection closing with messages unconfirmed, ends the
/// program with that error (`main()` raises it): those messages may or may not be queued.
/// The same program as `scripts/calibrate.py`'s batch producer, in the article's style.
pub fn batch_producer(spec: &ProducerSpec, queue: &QueueSpec, scenario: &Scenario) -> Program {
    let batch = spec.confirm_batch.unwrap_or(1);
    let (i2, i3) = (IN.repeat(2), IN.repeat(3));
    let mut b = Builder::new();
    b.imports(&["json"]);
    b.line("");
    b.line(format!("MESSAGES = {}", spec.messages));
    b.line(format!("BATCH_SIZE = {batch}  # publish this many, then wait until the broker has confirmed them all"));
    b.gap();
    b.line("class Producer:");
    b.line(format!("{IN}def __init__(self):"));
    b.line(format!("{i2}self.connection = None"));
    b.line(format!("{i2}self.channel = None"));
    b.line(format!("{i2}self.published = 0"));
    b.line(format!("{i2}self.unconfirmed = set()  # delivery tags (1, 2, ... in publish order) not confirmed yet"));
    b.line(format!("{i2}self.error = None"));
    b.line("");
    b.line(format!("{IN}def on_open(self, connection):"));
    b.main(format!("{i2}connection.channel(on_open_callback=self.on_channel)"), OpKind::OpenChannel);
    b.line("");
    b.line(format!("{IN}def on_channel(self, channel):"));
    b.line(format!("{i2}self.channel = channel"));
    if spec.declare {
        let declare = queue_declare(queue);
        let declare = format!("{}, callback=self.on_declared)", declare.strip_suffix(')').unwrap_or(&declare));
        b.main(format!("{i2}{declare}"), OpKind::DeclareQueue);
        b.line("");
        b.line(format!("{IN}def on_declared(self, frame):"));
        b.main(format!("{i2}self.channel.confirm_delivery(ack_nack_callback=self.on_confirm, callback=self.on_confirm_mode)"), OpKind::ConfirmSelect);
    } else {
        b.main(format!("{i2}channel.confirm_delivery(ack_nack_callback=self.on_confirm, callback=self.on_confirm_mode)"), OpKind::ConfirmSelect);
    }
    b.line("");
    b.line(format!("{IN}def on_confirm_mode(self, frame):"));
    b.line(format!("{i2}self.publish_batch()"));
    b.line("");
    b.line(format!("{IN}def publish_batch(self):"));
    b.main(format!("{i2}for _ in range(min(BATCH_SIZE, MESSAGES - self.published)):"), OpKind::LoopStart);
    let data = if spec.first_data == 0 { "self.published".to_string() } else { format!("{} + self.published", spec.first_data) };
    b.line(format!("{i3}message = {{'data': {data}}}"));
    // `publish_batch()` numbers its messages by `self.published` (the article's loop, by `i`).
    b.main(format!("{i3}self.{}", publish_call_of(spec, scenario, "self.published")), OpKind::Publish);
    b.line(format!("{i3}self.published += 1"));
    b.line(format!("{i3}self.unconfirmed.add(self.published)"));
    b.main(format!("{i3}print(f\" [x] Sent {{message}}\")"), OpKind::PrintSent);
    b.main("", OpKind::LoopEnd);
    b.line(format!("{IN}def on_confirm(self, frame):"));
    b.line(format!("{i2}method = frame.method"));
    b.line(format!("{i2}if isinstance(method, pika.spec.Basic.Nack):"));
    b.line(format!("{i3}self.error = pika.exceptions.NackError([method.delivery_tag])"));
    b.line(format!("{i3}self.connection.close()"));
    b.line(format!("{i3}return"));
    b.line(format!("{i2}if method.multiple:  # every delivery tag up to this one"));
    b.line(format!("{i3}self.unconfirmed = {{tag for tag in self.unconfirmed if tag > method.delivery_tag}}"));
    b.line(format!("{i2}else:"));
    b.line(format!("{i3}self.unconfirmed.discard(method.delivery_tag)"));
    b.main(format!("{i2}if self.unconfirmed:"), OpKind::WaitConfirms);
    b.line(format!("{i3}return  # the batch is not all confirmed yet"));
    b.line(format!("{i2}if self.published < MESSAGES:"));
    b.line(format!("{i3}self.publish_batch()"));
    b.line(format!("{i2}else:"));
    b.main(format!("{i3}self.connection.close()"), OpKind::Close);
    b.line("");
    b.line(format!("{IN}def on_open_error(self, connection, error):"));
    b.line(format!("{i2}self.error = error"));
    b.line(format!("{i2}connection.ioloop.stop()"));
    b.line("");
    b.line(format!("{IN}def on_closed(self, connection, reason):"));
    b.line(format!("{i2}if self.error is None and (self.unconfirmed or self.published < MESSAGES):"));
    b.line(format!("{i3}self.error = reason  # closed with messages unconfirmed or unsent"));
    b.line(format!("{i2}connection.ioloop.stop()"));
    b.gap();
    b.line("def main():");
    b.line(format!("{IN}producer = Producer()"));
    b.main(
        format!(
            "{IN}producer.connection = pika.SelectConnection(pika.ConnectionParameters({}), on_open_callback=producer.on_open, on_open_error_callback=producer.on_open_error, on_close_callback=producer.on_closed)",
            host(scenario, spec.node)
        ),
        OpKind::Connect,
    );
    b.line(format!("{IN}producer.connection.ioloop.start()"));
    b.line(format!("{IN}if producer.error is not None:"));
    b.line(format!("{i2}raise producer.error"));
    b.entry_point();
    let mut program = b.finish();
    // The ops run in the order of the program's life, not of its lines: `main()` connects
    // first (its line comes last), then the callbacks run.
    program.main.rotate_right(1);
    program
}

/// The producer's `channel.basic_publish(...)` of `message`, with its properties.
fn publish_call(spec: &ProducerSpec, scenario: &Scenario) -> String {
    publish_call_of(spec, scenario, "i")
}

/// `publish_call` where the message's index is the Python expression `index`.
fn publish_call_of(spec: &ProducerSpec, scenario: &Scenario, index: &str) -> String {
    let routing_key = spec.routing_key.clone().unwrap_or_else(|| spec.queue.clone());
    let mut properties = Vec::new();
    if spec.delivery_mode == 2 {
        properties.push("delivery_mode=2".to_string());
    }
    if let Some(ms) = spec.expiration_ms {
        // Per-message TTL: AMQP carries it as a string of milliseconds.
        properties.push(format!("expiration={}", py(&ms.to_string())));
    }
    if sets_message_id(spec, scenario) {
        properties.push(format!("message_id={} + str({index})", py(&format!("{}-", spec.name))));
    }
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!(", properties=pika.BasicProperties({})", properties.join(", "))
    };
    let mandatory = if spec.mandatory { ", mandatory=True" } else { "" };
    format!("channel.basic_publish(exchange={}, routing_key={}, body=json.dumps(message){properties}{mandatory})", py(&spec.exchange), py(&routing_key))
}

/// A request handler (the article's §1): request `i` arrives `i × interval_ms` after its loop
/// starts; it waits for it (not at all if it is late), then does the work itself and answers
/// (`Handler::Inline`, no broker), or publishes it and answers at once (`Handler::Queued`).
/// Either way it prints how long the caller waited.
fn request_handler(spec: &ProducerSpec, handler: Handler, queue: &QueueSpec, scenario: &Scenario) -> Program {
    let mut b = Builder::new();
    let inline = match handler {
        Handler::Inline { work_ms } => Some(work_ms),
        Handler::Queued => None,
    };
    if inline.is_some() {
        for module in ["time"] {
            b.line(format!("import {module}"));
        }
    } else {
        b.imports(&["json", "time"]);
    }
    b.gap();
    b.line("def main():");
    if inline.is_none() {
        let declare = spec.declare.then_some((scenario, spec.declare_as));
        b.connect(IN, queue, &spec.exchange, declare, &host(scenario, spec.node));
        if spec.confirms {
            b.main(format!("{IN}channel.confirm_delivery()  # basic_publish now waits for the broker's confirm"), OpKind::ConfirmSelect);
        }
    }
    b.line(format!("{IN}start = time.monotonic()"));
    b.line("");
    b.main(format!("{IN}for i in range({}):", spec.messages), OpKind::LoopStart);
    let every = if spec.interval_ms == 0 { "all at once".to_string() } else { format!("one every {}", duration_words(spec.interval_ms)) };
    b.line(format!("{IN}{IN}arrives = start + i * {}  # request i arrives: {every}", seconds(spec.interval_ms)));
    b.main(format!("{IN}{IN}time.sleep(max(0, arrives - time.monotonic()))  # wait for it (not at all if it is here)"), OpKind::WaitRequest);
    let data = if spec.first_data == 0 { "i".to_string() } else { format!("{} + i", spec.first_data) };
    b.line(format!("{IN}{IN}message = {{'data': {data}}}"));
    match inline {
        Some(work_ms) => b.main(format!("{IN}{IN}time.sleep({})  # process(message) here: the caller waits for it", seconds(work_ms)), OpKind::WorkInline),
        None => b.main(format!("{IN}{IN}{}  # a consumer will process it", publish_call(spec, scenario)), OpKind::Publish),
    }
    b.main(format!("{IN}{IN}print(f\" [x] Answered {{message}}\")  # the caller has its answer"), OpKind::PrintAnswered);
    b.main("", OpKind::LoopEnd);
    if inline.is_none() {
        b.main(format!("{IN}connection.close()"), OpKind::Close);
    }
    b.entry_point();
    b.finish()
}

/// A duration in words for a comment: "20 ms", "1 s", "1.5 s".
fn duration_words(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{} s", seconds(ms))
    }
}

/// Whether the producer sets `message_id`: a retrying producer names what it republishes,
/// and an idempotent consumer of the scenario dedupes by it.
fn sets_message_id(spec: &ProducerSpec, scenario: &Scenario) -> bool {
    spec.retry.is_some() || scenario.actors.iter().any(|a| matches!(a, ActorSpec::Consumer(c) if c.idempotent))
}

/// The order service's database and its tables, as the service and the relay open it.
const ORDERS_DB: &str = "db = sqlite3.connect('orders.db')  # the order service's database, on disk";
const ORDERS_TABLE: &str = "db.execute('CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, data INTEGER)')";
const OUTBOX_TABLE: &str = "db.execute('CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, body TEXT)')";

/// The order service of an outbox (`orders: outbox`): it never talks to the broker. Each
/// order and its message are one transaction; the relay publishes the message.
fn outbox_service(spec: &ProducerSpec) -> Program {
    let mut b = Builder::new();
    for module in ["json", "sqlite3", "time"] {
        b.line(format!("import {module}"));
    }
    b.gap();
    b.line("def main():");
    b.line(format!("{IN}{ORDERS_DB}"));
    b.line(format!("{IN}{ORDERS_TABLE}"));
    b.line(format!("{IN}{OUTBOX_TABLE}"));
    b.line("");
    b.main(format!("{IN}for i in range({}):", spec.messages), OpKind::LoopStart);
    let data = if spec.first_data == 0 { "i".to_string() } else { format!("{} + i", spec.first_data) };
    b.line(format!("{IN}{IN}message = {{'data': {data}}}"));
    b.line(format!("{IN}{IN}db.execute('INSERT INTO orders VALUES (?, ?)', (i, message['data']))"));
    b.line(format!("{IN}{IN}db.execute('INSERT INTO outbox VALUES (?, ?)', (i, json.dumps(message)))"));
    b.main(format!("{IN}{IN}db.commit()  # one transaction: the order and its message, or neither"), OpKind::CommitOrder);
    b.main(format!("{IN}{IN}print(f\" [x] Saved {{message}}\")"), OpKind::PrintSaved);
    b.main(format!("{IN}{IN}time.sleep({})", seconds(spec.interval_ms)), OpKind::Sleep);
    b.main("", OpKind::LoopEnd);
    b.line(format!("{IN}db.close()"));
    b.entry_point();
    b.finish()
}

/// The outbox relay: publish every row of the outbox, oldest first, and delete each once
/// `basic_publish` returned (with confirms: once the broker confirmed it); when the outbox
/// is empty, sleep and look again. It never ends.
pub fn relay(spec: &RelaySpec, queue: &QueueSpec, scenario: &Scenario) -> Program {
    let mut b = Builder::new();
    b.imports(&["json", "sqlite3", "time"]);
    b.gap();
    b.line("def main():");
    b.line(format!("{IN}{ORDERS_DB}"));
    b.line(format!("{IN}{OUTBOX_TABLE}"));
    // With `reconnect_ms`, an error starts it again from the connection (as a consumer's).
    let i1 = b.reconnect_loop(spec.reconnect_ms);
    b.connect(&i1, queue, "", Some((scenario, DeclareAs::Queue)), &host(scenario, spec.node));
    if spec.confirms {
        b.main(format!("{i1}channel.confirm_delivery()  # basic_publish now waits for the broker's confirm"), OpKind::ConfirmSelect);
    }
    // The message id the service's own publishes would carry: its name and the order id.
    let service = scenario.actors.iter().find_map(|a| match a {
        ActorSpec::Producer(p) if p.orders.is_some() => Some(p.name.as_str()),
        _ => None,
    });
    let id = py(&format!("{}-", service.unwrap_or("order")));
    let mut properties = Vec::new();
    if spec.delivery_mode == 2 {
        properties.push("delivery_mode=2".to_string());
    }
    if let Some(ms) = spec.expiration_ms {
        properties.push(format!("expiration={}", py(&ms.to_string())));
    }
    properties.push(format!("message_id={id} + str(order_id)"));
    let mandatory = if spec.mandatory { ", mandatory=True" } else { "" };
    let (i2, i3) = (format!("{i1}{IN}"), format!("{i1}{IN}{IN}"));
    b.line("");
    b.line(format!("{i1}while True:"));
    b.main(format!("{i2}rows = db.execute('SELECT id, body FROM outbox ORDER BY id').fetchall()"), OpKind::OutboxSelect);
    b.main(format!("{i2}for order_id, body in rows:"), OpKind::NextRow);
    b.line(format!("{i3}properties = pika.BasicProperties({})", properties.join(", ")));
    b.main(format!("{i3}channel.basic_publish(exchange='', routing_key={}, body=body, properties=properties{mandatory})", py(&spec.queue)), OpKind::Publish);
    b.main(format!("{i3}print(f\" [x] Sent {{json.loads(body)}}\")"), OpKind::PrintSent);
    b.line(format!("{i3}db.execute('DELETE FROM outbox WHERE id = ?', (order_id,))"));
    b.main(format!("{i3}db.commit()  # published: the row is gone"), OpKind::OutboxDelete);
    b.main("", OpKind::RowsEnd);
    b.line(format!("{i2}if not rows:  # the outbox was empty: look again later"));
    b.main(format!("{i3}time.sleep({})", seconds(spec.poll_ms)), OpKind::PollSleep);
    b.reconnect_except(spec.reconnect_ms);
    b.entry_point();
    b.finish()
}

/// The consumer's program, as the article writes it plus what its settings add.
pub fn consumer(spec: &ConsumerSpec, queue: &QueueSpec, scenario: &Scenario) -> Program {
    let mut b = Builder::new();
    let handles_failure = spec.on_failure != OnFailure::Crash;
    let works = spec.work_ms > 0 || spec.fail.is_some() || handles_failure;
    let counts = spec.attempts_max.is_some() || spec.fail.as_ref().is_some_and(|f| f.attempts.is_some());
    let mut imports = vec!["json"];
    if (works && (spec.fail.is_none() || spec.work_ms > 0)) || spec.reconnect_ms.is_some() || spec.poll_ms.is_some() {
        imports.push("time");
    }
    if counts {
        imports.push("collections");
    }
    if spec.idempotent {
        imports.push("sqlite3");
    }
    b.imports(&imports);
    if spec.idempotent || counts {
        b.line("");
    }
    if spec.idempotent {
        b.line("# The effects, with the id of each message applied; on disk, so it survives a crash.");
        b.line("db = sqlite3.connect('effects.db')");
        b.line("db.execute('CREATE TABLE IF NOT EXISTS effects (message_id TEXT PRIMARY KEY, data INTEGER)')");
    }
    if spec.attempts_max.is_some() {
        b.line("failures = collections.Counter()  # failed attempts per message, in this process");
    }
    if let Some(fail) = &spec.fail {
        let data = fail.data.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
        if fail.attempts.is_some() {
            b.line("tries = collections.Counter()  # attempts per message, in this process");
        }
        b.gap();
        b.line("def process(message):");
        // It fails at once, before the work (as the engine's `Work` op does), or after it.
        if spec.work_ms > 0 && fail.after_work {
            b.line(format!("{IN}time.sleep({})  # the work", seconds(spec.work_ms)));
        }
        match fail.attempts {
            None => b.line(format!("{IN}if message['data'] in [{data}]:  # a message it cannot process: a poison message")),
            Some(n) => {
                b.line(format!("{IN}tries[message['data']] += 1"));
                b.line(format!("{IN}if message['data'] in [{data}] and tries[message['data']] <= {n}:  # fails on its first {n} tries"))
            }
        };
        b.line(format!("{IN}{IN}raise ValueError(f\"cannot process {{message}}\")"));
        if spec.work_ms > 0 && !fail.after_work {
            b.line(format!("{IN}time.sleep({})  # the work", seconds(spec.work_ms)));
        }
    }
    b.gap();
    b.callback_line = b.line("def callback(ch, method, properties, body):");
    b.line(format!("{IN}message = json.loads(body)"));
    // "Processed" means the effect: the print when the callback does nothing else, else the
    // completed work (a plain consumer) or the database insert (an idempotent one).
    let work = OpKind::Work { effect: !spec.idempotent };
    let work_text = match (&spec.fail, spec.idempotent) {
        (Some(_), _) => "process(message)".to_string(),
        (None, false) => format!("time.sleep({})  # process(message)", seconds(spec.work_ms)),
        (None, true) => format!("time.sleep({})  # compute the result (no side effect yet)", seconds(spec.work_ms)),
    };
    b.callback(format!("{IN}print(f\" [x] Received {{message}}\")"), OpKind::PrintReceived { effect: !spec.idempotent && !works });
    if works {
        if handles_failure {
            b.line(format!("{IN}try:"));
            b.callback(format!("{IN}{IN}{work_text}"), work);
            b.line(format!("{IN}except Exception:"));
            let call = |requeue: bool, reject: bool| {
                let verb = if reject { "basic_reject" } else { "basic_nack" };
                let requeue = if requeue { "True" } else { "False" };
                format!("ch.{verb}(delivery_tag=method.delivery_tag, requeue={requeue})")
            };
            let text = match spec.on_failure {
                OnFailure::NackRequeue => call(true, false),
                OnFailure::NackDrop => call(false, false),
                OnFailure::RejectRequeue => call(true, true),
                OnFailure::RejectDrop | OnFailure::Crash => call(false, true),
            };
            if let Some(max) = spec.attempts_max {
                b.line(format!("{IN}{IN}failures[message['data']] += 1"));
                b.line(format!("{IN}{IN}if failures[message['data']] >= {max}:  # give up: to the dead-letter exchange"));
                b.callback(format!("{IN}{IN}{IN}{}", call(false, false)), OpKind::Fail);
                b.line(format!("{IN}{IN}else:"));
                b.callback(format!("{IN}{IN}{IN}{text}"), OpKind::Fail);
            } else {
                b.callback(format!("{IN}{IN}{text}"), OpKind::Fail);
            }
            b.line(format!("{IN}{IN}return"));
        } else {
            b.callback(format!("{IN}{work_text}"), work);
        }
    }
    if spec.idempotent {
        b.line(format!("{IN}with db:  # one transaction: the effect and the message id, or neither"));
        b.callback(
            format!("{IN}{IN}db.execute('INSERT OR IGNORE INTO effects VALUES (?, ?)', (properties.message_id, message['data']))"),
            OpKind::ApplyOnce,
        );
    }
    match (spec.auto_ack, spec.ack_every) {
        (true, _) => {}
        (false, None) => b.callback(format!("{IN}ch.basic_ack(delivery_tag=method.delivery_tag)"), OpKind::Ack),
        (false, Some(every)) => {
            b.line(format!("{IN}if method.delivery_tag % {every} == 0:  # acknowledge in batches"));
            b.callback(format!("{IN}{IN}ch.basic_ack(delivery_tag=method.delivery_tag, multiple=True)"), OpKind::Ack);
        }
    }
    b.gap();
    b.line("def main():");
    let indent = b.reconnect_loop(spec.reconnect_ms);
    b.connect(&indent, queue, "", spec.declare.then_some((scenario, spec.declare_as)), &host(scenario, spec.node));
    if let Some(prefetch) = spec.prefetch_count {
        b.main(format!("{indent}channel.basic_qos(prefetch_count={prefetch})"), OpKind::Qos);
    }
    let auto_ack = if spec.auto_ack { "True" } else { "False" };
    match spec.poll_ms {
        None => {
            b.main(
                format!("{indent}channel.basic_consume(queue={}, on_message_callback=callback, auto_ack={auto_ack})", py(&spec.queue)),
                OpKind::Consume,
            );
            b.main(format!("{indent}print(' [*] Waiting for messages. To exit press CTRL+C')"), OpKind::PrintWaiting);
            b.main(format!("{indent}channel.start_consuming()"), OpKind::StartConsuming);
        }
        Some(ms) => {
            // Polling: one basic_get per message, the same callback.
            b.main(format!("{indent}print(' [*] Waiting for messages. To exit press CTRL+C')"), OpKind::PrintWaiting);
            b.line(format!("{indent}while True:"));
            b.main(format!("{indent}{IN}method, properties, body = channel.basic_get(queue={}, auto_ack={auto_ack})", py(&spec.queue)), OpKind::Get);
            b.line(format!("{indent}{IN}if method is None:  # the queue was empty: ask again later"));
            b.main(format!("{indent}{IN}{IN}time.sleep({})", seconds(ms)), OpKind::PollSleep);
            b.line(format!("{indent}{IN}else:"));
            b.line(format!("{indent}{IN}{IN}callback(channel, method, properties, body)"));
        }
    }
    b.reconnect_except(spec.reconnect_ms);
    b.entry_point();
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_index_is_the_position_of_its_name() {
        let all = [
            OpKind::Connect, OpKind::OpenChannel, OpKind::DeclareQueue, OpKind::ConfirmSelect, OpKind::Qos,
            OpKind::LoopStart, OpKind::Publish, OpKind::PrintSent, OpKind::Sleep, OpKind::LoopEnd, OpKind::Consume,
            OpKind::PrintWaiting, OpKind::StartConsuming, OpKind::PrintReceived { effect: true }, OpKind::Work { effect: true },
            OpKind::ApplyOnce, OpKind::Ack, OpKind::Fail, OpKind::Close, OpKind::AdminDeclare, OpKind::Get, OpKind::PollSleep,
            OpKind::CommitOrder, OpKind::PrintSaved, OpKind::OutboxSelect, OpKind::NextRow, OpKind::OutboxDelete, OpKind::RowsEnd,
            OpKind::WaitRequest, OpKind::WorkInline, OpKind::PrintAnswered, OpKind::WaitConfirms,
        ];
        assert_eq!(all.len(), OP_NAMES.len());
        for kind in all {
            assert_eq!(OP_NAMES[kind.index()], kind.name());
        }
    }
}
