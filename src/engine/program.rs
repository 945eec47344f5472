//! Actor programs: the pika code of a producer or consumer, generated from its settings,
//! together with the operations the engine executes. Code and operations are emitted by the
//! same builder, so every operation carries the 1-based line of the code it comes from and
//! the code panel, the exported script and the simulation can never disagree.
//!
//! Invariants: every `Op::line` points at a line of `Program::code`; a callback has exactly
//! one operation that counts as the message's effect.

use crate::scenario::{ConsumerSpec, OnFailure, Overflow, ProducerSpec, QueueSpec, QueueType};

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
        }
    }
}

/// Every operation name a fault trigger may use.
pub const OP_NAMES: &[&str] = &[
    "connect", "channel", "queue_declare", "confirm_delivery", "basic_qos", "loop", "basic_publish",
    "print_sent", "sleep", "loop_end", "basic_consume", "print_waiting", "start_consuming",
    "print_received", "work", "apply_once", "basic_ack", "on_failure", "close",
];

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
    fn connect(&mut self, queue: &QueueSpec, declare: bool) {
        self.line("import json");
        self.line("import time");
        self.line("");
        self.line("import pika");
        self.line("");
        self.main(
            "connection = pika.BlockingConnection(pika.ConnectionParameters('localhost'))",
            OpKind::Connect,
        );
        self.main("channel = connection.channel()", OpKind::OpenChannel);
        if declare {
            self.main(queue_declare(queue), OpKind::DeclareQueue);
        }
    }
    fn finish(self) -> Program {
        Program { code: self.code, main: self.main, callback: self.callback, callback_line: self.callback_line }
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
        arguments.push(format!("'x-dead-letter-exchange': '{dlx}'"));
    }
    if let Some(key) = &queue.dead_letter_routing_key {
        arguments.push(format!("'x-dead-letter-routing-key': '{key}'"));
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
    format!("channel.queue_declare(queue='{}'{durable}{arguments})", queue.name)
}

fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        let text = format!("{}.{:03}", ms / 1000, ms % 1000);
        text.trim_end_matches('0').to_string()
    }
}

/// The producer's program, as the article writes it plus what its settings add.
pub fn producer(spec: &ProducerSpec, queue: &QueueSpec) -> Program {
    let mut b = Builder::new();
    b.connect(queue, spec.declare);
    if spec.confirms {
        b.main("channel.confirm_delivery()  # basic_publish now waits for the broker's confirm", OpKind::ConfirmSelect);
    }
    let routing_key = spec.routing_key.clone().unwrap_or_else(|| spec.queue.clone());
    let mut properties = Vec::new();
    if spec.delivery_mode == 2 {
        properties.push("delivery_mode=2".to_string());
    }
    if spec.retry.is_some() || spec.confirms {
        properties.push("message_id=str(i)".to_string());
    }
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!(", properties=pika.BasicProperties({})", properties.join(", "))
    };
    let publish = format!(
        "channel.basic_publish(exchange='{}', routing_key='{routing_key}', body=json.dumps(message){properties})",
        spec.exchange
    );
    b.line("");
    b.main(format!("for i in range({}):", spec.messages), OpKind::LoopStart);
    b.line(if spec.first_data == 0 { "    message = {'data': i}".to_string() } else { format!("    message = {{'data': {} + i}}", spec.first_data) });
    match &spec.retry {
        None => b.main(format!("    {publish}"), OpKind::Publish),
        Some(retry) => {
            b.line(format!("    for attempt in range({}):  # retry with backoff", retry.attempts_max));
            b.line("        try:");
            b.main(format!("            {publish}"), OpKind::Publish);
            b.line("            break");
            b.line("        except pika.exceptions.AMQPError:");
            let jitter = if retry.jitter_ms > 0 { format!(" + random.uniform(0, {})", seconds(retry.jitter_ms)) } else { String::new() };
            b.line(format!("            time.sleep({} * 2 ** attempt{jitter})", seconds(retry.backoff_ms)));
            b.line("            connection, channel = reconnect()");
        }
    }
    b.main("    print(f\" [x] Sent {message}\")", OpKind::PrintSent);
    b.main(format!("    time.sleep({})", seconds(spec.interval_ms)), OpKind::Sleep);
    b.main("", OpKind::LoopEnd);
    b.main("connection.close()", OpKind::Close);
    b.finish()
}

/// The consumer's program, as the article writes it plus what its settings add.
pub fn consumer(spec: &ConsumerSpec, queue: &QueueSpec) -> Program {
    let mut b = Builder::new();
    b.connect(queue, spec.declare);
    if let Some(prefetch) = spec.prefetch_count {
        b.main(format!("channel.basic_qos(prefetch_count={prefetch})"), OpKind::Qos);
    }
    if spec.idempotent {
        b.line("store = Store('effects.db')  # survives crashes; records message ids with each effect");
    }
    b.line("");
    b.line("");
    b.callback_line = b.line("def callback(ch, method, properties, body):");
    b.line("    message = json.loads(body)");
    let handles_failure = spec.on_failure != OnFailure::Crash;
    let works = spec.work_ms > 0 || spec.fail.is_some() || handles_failure;
    // "Processed" means the effect: the print when the callback does nothing else, else the
    // completed work (a plain consumer) or the store's apply_once (an idempotent one).
    let work = OpKind::Work { effect: !spec.idempotent };
    // An idempotent consumer's work only computes: its effect is store.apply_once's.
    let work_comment = if spec.idempotent { "compute the result (no side effect yet)" } else { "process(message)" };
    b.callback("    print(f\" [x] Received {message}\")", OpKind::PrintReceived { effect: !spec.idempotent && !works });
    if works {
        if handles_failure {
            b.line("    try:");
            b.callback(format!("        time.sleep({})  # {work_comment}", seconds(spec.work_ms)), work);
            b.line("    except Exception:");
            let call = |requeue: bool, reject: bool| {
                let verb = if reject { "basic_reject" } else { "basic_nack" };
                let requeue = if requeue { "True" } else { "False" };
                format!("        ch.{verb}(delivery_tag=method.delivery_tag, requeue={requeue})")
            };
            let text = match spec.on_failure {
                OnFailure::NackRequeue => call(true, false),
                OnFailure::NackDrop => call(false, false),
                OnFailure::RejectRequeue => call(true, true),
                OnFailure::RejectDrop | OnFailure::Crash => call(false, true),
            };
            if let Some(max) = spec.attempts_max {
                b.line(format!("        if attempts(properties.message_id) >= {max}:  # give up: to the dead-letter exchange"));
                b.line("            ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)");
                b.line("        else:");
                b.callback(format!("    {text}"), OpKind::Fail);
            } else {
                b.callback(text, OpKind::Fail);
            }
            b.line("        return");
        } else {
            b.callback(format!("    time.sleep({})  # {work_comment}", seconds(spec.work_ms)), work);
        }
    }
    if spec.idempotent {
        b.callback("    store.apply_once(properties.message_id, message)  # skipped if already applied", OpKind::ApplyOnce);
    }
    match (spec.auto_ack, spec.ack_every) {
        (true, _) => {}
        (false, None) => b.callback("    ch.basic_ack(delivery_tag=method.delivery_tag)", OpKind::Ack),
        (false, Some(every)) => {
            b.line(format!("    if method.delivery_tag % {every} == 0:  # acknowledge in batches"));
            b.callback("        ch.basic_ack(delivery_tag=method.delivery_tag, multiple=True)", OpKind::Ack);
        }
    }
    b.line("");
    b.line("");
    let auto_ack = if spec.auto_ack { "True" } else { "False" };
    b.main(
        format!("channel.basic_consume(queue='{}', on_message_callback=callback, auto_ack={auto_ack})", spec.queue),
        OpKind::Consume,
    );
    b.main("print(' [*] Waiting for messages. To exit press CTRL+C')", OpKind::PrintWaiting);
    b.main("channel.start_consuming()", OpKind::StartConsuming);
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
            OpKind::ApplyOnce, OpKind::Ack, OpKind::Fail, OpKind::Close,
        ];
        assert_eq!(all.len(), OP_NAMES.len());
        for kind in all {
            assert_eq!(OP_NAMES[kind.index()], kind.name());
        }
    }
}
