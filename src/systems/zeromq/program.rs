//! ZeroMQ actor programs: the pyzmq 27.x code of a producer (PUSH/PUB), a consumer
//! (PULL/SUB), a REQ client (naive, or the zguide's Lazy Pirate, lpclient.py) and a REP
//! server, generated from the actor's settings, with the operations the world performs and
//! the 1-based line of each. The tutorial's workload: `send_json({'data': i})`, a
//! `time.sleep` between sends, `recv_json()` and ` [x] Received {...}`.
//!
//! Settings change the code: `SNDHWM` / `RCVHWM` / `SNDTIMEO` / `LINGER` are set with
//! `setsockopt` before `bind` / `connect` only when they differ from libzmq's defaults;
//! `NOBLOCK` adds the flag to `send_json`; a producer that may see `zmq.Again` (NOBLOCK or
//! SNDTIMEO) catches it and goes on, as the ground truth's programs did; a SUB subscribes to
//! its prefix.
//!
//! Invariants: every `Op::line` is a line of `Program::code` (1-based) whose text does what
//! the op's kind says (`ZmqOpKind::name`); each kind appears at most once per program, so the
//! world finds an op's line by its kind (`Program::line`); the code is valid Python 3
//! (`tests/zeromq_code.rs` compiles every catalog program).

use super::scenario::{SocketType, ZmqActorSpec, ZmqScenario, HWM_DEFAULT, LAZY_PIRATE_TIMEOUT_MS_DEFAULT, NAIVE_POLL_MS_DEFAULT};
pub use crate::systems::python::{py, seconds};
use serde::Serialize;

/// What an operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ZmqOpKind {
    /// `socket = context.socket(zmq.PUSH)` (also a Lazy Pirate's new socket).
    Socket,
    Bind,
    Connect,
    /// `socket.setsockopt_string(zmq.SUBSCRIBE, ...)`.
    Subscribe,
    /// `socket.send_json(...)`: a message (or a request) is handed to the socket.
    Send,
    PrintSent,
    /// ` [!] Not sent ...` after `zmq.Again`.
    PrintNotSent,
    /// `time.sleep(...)` between sends.
    Sleep,
    /// `time.sleep(...)` before the first send.
    Warmup,
    /// `socket.close()`.
    Close,
    /// `context.term()`: waits for what LINGER keeps.
    Term,
    /// `socket.recv_json()`.
    Recv,
    /// ` [x] Received {...}`: the consumer's effect (a server's is `PrintDone`).
    PrintReceived,
    /// `time.sleep(...)`: the work on a message.
    Work,
    /// A server's ` [x] Done {...}`: its work's effect.
    PrintDone,
    /// A server's reply delay.
    Wait,
    /// A server's `socket.send_json(request)`: the reply.
    Reply,
    /// A client's `poll(timeout)`.
    Poll,
    PrintReply,
    /// A naive client's print after a poll timed out.
    PrintNoReply,
    /// A naive client's second `send_json` without a reply: raises EFSM.
    SendAgain,
    /// Lazy Pirate: ` [!] No response from server`.
    PrintNoResponse,
    /// Lazy Pirate: `client.close()` with LINGER 0 after a timeout.
    CloseLinger0,
    /// Lazy Pirate: ` [!] Server seems to be offline, abandoning`.
    PrintGiveUp,
    /// Lazy Pirate: the new socket's `connect`.
    Reconnect,
    /// Lazy Pirate: `client.send_json(request)` again on the new socket.
    Resend,
}

impl ZmqOpKind {
    /// Every kind, in the order `index` numbers them.
    pub const ALL: [ZmqOpKind; 26] = {
        use ZmqOpKind::*;
        [
            Socket, Bind, Connect, Subscribe, Warmup, Send, PrintSent, PrintNotSent, Sleep, Close, Term, Recv, PrintReceived, Work, PrintDone, Wait, Reply, Poll, PrintReply,
            PrintNoReply, SendAgain, PrintNoResponse, CloseLinger0, PrintGiveUp, Reconnect, Resend,
        ]
    };

    /// The kind a fault trigger names (`print_received`, ...).
    pub fn from_name(name: &str) -> Option<ZmqOpKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Its position in `ALL`.
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|&k| k == self).unwrap_or(0)
    }

    /// Every operation name a fault trigger may use, in `ALL` order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(ZmqOpKind::name)
    }

    pub fn name(self) -> &'static str {
        match self {
            ZmqOpKind::Socket => "socket",
            ZmqOpKind::Bind => "bind",
            ZmqOpKind::Connect => "connect",
            ZmqOpKind::Subscribe => "subscribe",
            ZmqOpKind::Send => "send",
            ZmqOpKind::PrintSent => "print_sent",
            ZmqOpKind::PrintNotSent => "print_not_sent",
            ZmqOpKind::Sleep => "sleep",
            ZmqOpKind::Warmup => "warmup",
            ZmqOpKind::Close => "close",
            ZmqOpKind::Term => "term",
            ZmqOpKind::Recv => "recv",
            ZmqOpKind::PrintReceived => "print_received",
            ZmqOpKind::Work => "work",
            ZmqOpKind::PrintDone => "print_done",
            ZmqOpKind::Wait => "wait",
            ZmqOpKind::Reply => "reply",
            ZmqOpKind::Poll => "poll",
            ZmqOpKind::PrintReply => "print_reply",
            ZmqOpKind::PrintNoReply => "print_no_reply",
            ZmqOpKind::SendAgain => "send_again",
            ZmqOpKind::PrintNoResponse => "print_no_response",
            ZmqOpKind::CloseLinger0 => "close_linger_0",
            ZmqOpKind::PrintGiveUp => "print_give_up",
            ZmqOpKind::Reconnect => "reconnect",
            ZmqOpKind::Resend => "resend",
        }
    }
}

/// One operation and the line that does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Op {
    pub kind: ZmqOpKind,
    /// 1-based line of `Program::code`.
    pub line: u16,
}

/// An actor's code and its operations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Program {
    pub code: Vec<String>,
    pub ops: Vec<Op>,
}

impl Program {
    /// The line of the op of this kind (0 when the program has none).
    pub fn line(&self, kind: ZmqOpKind) -> u16 {
        self.ops.iter().find(|o| o.kind == kind).map_or(0, |o| o.line)
    }

    /// The imports, the context and the socket, as every program but the Lazy Pirate's
    /// starts.
    fn prologue(&mut self, socket: SocketType) {
        self.push("import zmq, time");
        self.push("");
        self.push("context = zmq.Context()");
        self.op(ZmqOpKind::Socket, format!("socket = context.socket(zmq.{})", socket.constant()));
    }

    fn push(&mut self, text: impl Into<String>) {
        self.code.push(text.into());
    }

    fn op(&mut self, kind: ZmqOpKind, text: impl Into<String>) {
        self.code.push(text.into());
        debug_assert!(!self.ops.iter().any(|o| o.kind == kind), "one op of each kind");
        self.ops.push(Op { kind, line: self.code.len() as u16 });
    }
}

/// A Python string literal in double quotes for an endpoint (validation keeps quotes and
/// backslashes out of it).
fn endpoint_literal(endpoint: &str) -> String {
    format!("\"{endpoint}\"")
}

/// `for i in range(10):` (or `range(first, end)` when the payloads do not start at 0).
fn for_loop(first_data: u32, count: u32) -> String {
    let end = u64::from(first_data) + u64::from(count);
    if first_data == 0 {
        format!("for i in range({end}):")
    } else {
        format!("for i in range({first_data}, {end}):")
    }
}

/// The code and ops of `actor` in `scenario`.
pub fn of(scenario: &ZmqScenario, actor: &ZmqActorSpec) -> Program {
    let endpoint = endpoint_literal(&scenario.endpoint());
    let mut p = Program::default();
    match actor {
        ZmqActorSpec::Producer(spec) => {
            p.prologue(spec.socket);
            if spec.sndhwm != HWM_DEFAULT {
                p.push(format!("socket.setsockopt(zmq.SNDHWM, {})  # queue at most {} per peer (default 1000)", spec.sndhwm, spec.sndhwm));
            }
            if let Some(t) = spec.sndtimeo_ms {
                p.push(format!("socket.setsockopt(zmq.SNDTIMEO, {t})  # a blocked send raises zmq.Again after {t} ms"));
            }
            if spec.linger_ms != -1 {
                p.push(format!("socket.setsockopt(zmq.LINGER, {})  # what close() keeps of the queue (default -1: everything)", spec.linger_ms));
            }
            if spec.bind {
                p.op(ZmqOpKind::Bind, format!("socket.bind({endpoint})"));
            } else {
                p.op(ZmqOpKind::Connect, format!("socket.connect({endpoint})"));
            }
            if spec.warmup_ms > 0 {
                p.op(ZmqOpKind::Warmup, format!("time.sleep({})  # give the peers time to connect", seconds(spec.warmup_ms)));
            }
            p.push("");
            p.push(for_loop(spec.first_data, spec.messages));
            p.push("    data = {'data': i}");
            let send = if spec.noblock { "socket.send_json(data, zmq.NOBLOCK)" } else { "socket.send_json(data)" };
            if spec.noblock || spec.sndtimeo_ms.is_some() {
                p.push("    try:");
                p.op(ZmqOpKind::Send, format!("        {send}"));
                p.op(ZmqOpKind::PrintSent, "        print(f\" [x] Sent {data}\")");
                p.push("    except zmq.Again:");
                p.op(ZmqOpKind::PrintNotSent, "        print(f\" [!] Not sent {data}: zmq.Again (resource temporarily unavailable)\")");
            } else {
                p.op(ZmqOpKind::Send, format!("    {send}"));
                p.op(ZmqOpKind::PrintSent, "    print(f\" [x] Sent {data}\")");
            }
            if spec.interval_ms > 0 {
                p.op(ZmqOpKind::Sleep, format!("    time.sleep({})", seconds(spec.interval_ms)));
            }
            p.push("");
            p.op(ZmqOpKind::Close, "socket.close()");
            p.op(ZmqOpKind::Term, "context.term()  # waits for what LINGER keeps to be delivered");
        }
        ZmqActorSpec::Consumer(spec) => {
            p.prologue(spec.socket);
            if spec.rcvhwm != HWM_DEFAULT {
                p.push(format!("socket.setsockopt(zmq.RCVHWM, {})  # queue at most {} per peer (default 1000)", spec.rcvhwm, spec.rcvhwm));
            }
            if spec.bind {
                p.op(ZmqOpKind::Bind, format!("socket.bind({endpoint})"));
            } else {
                p.op(ZmqOpKind::Connect, format!("socket.connect({endpoint})"));
            }
            if spec.socket == SocketType::Sub {
                p.op(ZmqOpKind::Subscribe, format!("socket.setsockopt_string(zmq.SUBSCRIBE, {})", py(&spec.subscribe)));
            }
            p.push("print(' [*] Waiting for messages. To exit press CTRL+C')");
            p.push("");
            p.push("while True:");
            p.op(ZmqOpKind::Recv, "    data = socket.recv_json()");
            p.op(ZmqOpKind::PrintReceived, "    print(f\" [x] Received {data}\")");
            if spec.work_ms > 0 {
                p.op(ZmqOpKind::Work, format!("    time.sleep({})  # the work on the message", seconds(spec.work_ms)));
            }
        }
        ZmqActorSpec::Server(spec) => {
            p.prologue(SocketType::Rep);
            if spec.reply_delay_ms > 0 && spec.reply_delay_first_process_only {
                p.code[0] = "import zmq, time, os".into();
            }
            p.op(ZmqOpKind::Bind, format!("socket.bind({endpoint})"));
            p.push("");
            p.push("while True:");
            p.op(ZmqOpKind::Recv, "    request = socket.recv_json()");
            p.op(ZmqOpKind::PrintReceived, "    print(f\" [x] Received {request}\")");
            if spec.work_ms > 0 {
                p.op(ZmqOpKind::Work, format!("    time.sleep({})  # the work on the request", seconds(spec.work_ms)));
            }
            p.op(ZmqOpKind::PrintDone, "    print(f\" [x] Done {request}\")");
            if spec.reply_delay_ms > 0 {
                // The first process only: the program itself tells (a restarted server is started
                // with RESTARTED=1 in its environment), on the same lines as without the setting,
                // so the line map does not move.
                let delay = if spec.reply_delay_first_process_only {
                    format!("time.sleep(0 if os.environ.get('RESTARTED') else {})  # before replying (a restarted server is started with RESTARTED=1 and replies at once)", seconds(spec.reply_delay_ms))
                } else {
                    format!("time.sleep({})  # before replying", seconds(spec.reply_delay_ms))
                };
                match spec.reply_delay_data {
                    Some(data) => {
                        p.push(format!("    if request['data'] == {data}:"));
                        p.op(ZmqOpKind::Wait, format!("        {delay}"));
                    }
                    None => p.op(ZmqOpKind::Wait, format!("    {delay}")),
                }
            }
            p.op(ZmqOpKind::Reply, "    socket.send_json(request)");
        }
        ZmqActorSpec::Client(spec) if spec.lazy_pirate => {
            let timeout = spec.timeout_ms.unwrap_or(LAZY_PIRATE_TIMEOUT_MS_DEFAULT);
            p.push("import zmq, time, sys");
            p.push("");
            p.push(format!("REQUEST_TIMEOUT = {timeout}"));
            p.push(format!("REQUEST_RETRIES = {}", spec.retries));
            p.push(format!("SERVER_ENDPOINT = {endpoint}"));
            p.push("");
            p.push("context = zmq.Context()");
            p.op(ZmqOpKind::Socket, "client = context.socket(zmq.REQ)");
            p.op(ZmqOpKind::Connect, "client.connect(SERVER_ENDPOINT)");
            p.push("");
            p.push(for_loop(spec.first_data, spec.requests));
            p.push("    request = {'data': i}");
            p.op(ZmqOpKind::Send, "    client.send_json(request)");
            p.op(ZmqOpKind::PrintSent, "    print(f\" [x] Sent {request}\")");
            p.push("    retries_left = REQUEST_RETRIES");
            p.push("    while True:");
            p.op(ZmqOpKind::Poll, "        if (client.poll(REQUEST_TIMEOUT) & zmq.POLLIN) != 0:");
            p.op(ZmqOpKind::Recv, "            reply = client.recv_json()");
            p.op(ZmqOpKind::PrintReply, "            print(f\" [x] Reply {reply}\")");
            p.push("            break");
            p.push("        retries_left -= 1");
            p.op(ZmqOpKind::PrintNoResponse, "        print(\" [!] No response from server\")");
            p.push("        client.setsockopt(zmq.LINGER, 0)");
            p.op(ZmqOpKind::CloseLinger0, "        client.close()  # LINGER 0: drops the request if it is still queued");
            p.push("        if retries_left == 0:");
            p.op(ZmqOpKind::PrintGiveUp, "            print(\" [!] Server seems to be offline, abandoning\")");
            p.push("            sys.exit(1)");
            p.push("        print(\" [!] Reconnecting to server\")");
            p.push("        client = context.socket(zmq.REQ)");
            p.op(ZmqOpKind::Reconnect, "        client.connect(SERVER_ENDPOINT)");
            p.push("        print(f\" [x] Resending {request}\")");
            p.op(ZmqOpKind::Resend, "        client.send_json(request)");
        }
        ZmqActorSpec::Client(spec) => {
            let timeout = spec.timeout_ms.unwrap_or(NAIVE_POLL_MS_DEFAULT);
            p.prologue(SocketType::Req);
            p.op(ZmqOpKind::Connect, format!("socket.connect({endpoint})"));
            p.push("");
            p.push(for_loop(spec.first_data, spec.requests));
            p.push("    request = {'data': i}");
            p.op(ZmqOpKind::Send, "    socket.send_json(request)");
            p.op(ZmqOpKind::PrintSent, "    print(f\" [x] Sent {request}\")");
            p.op(ZmqOpKind::Poll, format!("    if socket.poll({timeout}) == 0:"));
            p.op(ZmqOpKind::PrintNoReply, format!("        print(f\" [!] No reply to {{request}} after {} s; sending it again\")", seconds(timeout)));
            p.op(ZmqOpKind::SendAgain, "        socket.send_json(request)  # raises zmq.ZMQError (EFSM): a REQ socket must receive before it sends again");
            p.op(ZmqOpKind::Recv, "    reply = socket.recv_json()");
            p.op(ZmqOpKind::PrintReply, "    print(f\" [x] Reply {reply}\")");
        }
    }
    p
}
