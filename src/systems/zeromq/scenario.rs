//! The ZeroMQ part of the scenario schema: a scenario file whose `"broker"` says
//! `"model": "zeromq"` (ZeroMQ has no broker; the key is kept so one test, `is_zeromq`, tells
//! the systems' files apart). It names the transport, the pyzmq programs (each tagged by
//! `"role"`: `producer` (PUSH or PUB), `consumer` (PULL or SUB), `client` (REQ, naive or Lazy
//! Pirate), `server` (REP)) with their socket options, and the faults as data.
//!
//! Topology: one endpoint (`endpoint`, default `tcp://127.0.0.1:5557`, or `:5555` for
//! request/reply, or `inproc://workload`). Exactly one actor binds it; every other actor
//! connects to it, and must be of the other side (a PUSH binds, the PULLs connect; or a PULL
//! binds and the PUSHes connect). Every setting defaults to libzmq 4.3.5 / pyzmq 27.3's default
//! (`SNDHWM` = `RCVHWM` = 1000, `LINGER` = -1, no `SNDTIMEO`), so a file says what it changes.
//!
//! Invariants: `ZmqScenario::from_json` never panics, whatever the text; every error names the
//! path of the bad value (`actors[1].sndhwm`) and says what is wrong; a scenario that passed
//! `validate` builds a world (`super::world::ZmqSim::new`) and generates its programs
//! (`super::program::of`), and round-trips through `to_json`/`from_json` unchanged.

use crate::scenario::json;
use crate::scenario::{err, time_ms, Limits, ScenarioError, TIME_MS_MAX};
use serde::{Deserialize, Serialize};

/// The model name a ZeroMQ scenario's `broker.model` carries.
pub const MODEL: &str = "zeromq";
/// The file format version; absent means 1.
pub const ZMQ_SCENARIO_FORMAT: u32 = 1;
pub const ACTORS_MAX: usize = 16;
pub const FAULTS_MAX: usize = 1_000;
/// Messages (or requests) all programs together may send: a run must fit in a browser tab.
pub const MESSAGES_MAX: u32 = 1_000_000;
/// A high-water mark may be at most this (libzmq takes any int; a larger one changes nothing
/// a run of at most `MESSAGES_MAX` messages could show).
pub const HWM_MAX: u32 = 1_000_000;
/// Names and subscription prefixes: at most this many bytes.
pub const NAME_BYTES_MAX: usize = 255;
/// The steps and events a run may take (as the other systems).
pub const STEPS_MAX: u64 = 50_000_000;
pub const EVENTS_MAX: u64 = 20_000_000;
/// libzmq's defaults (zmq_setsockopt(3), 4.3.5; `LINGER` is -1 in pyzmq 27.3).
pub const HWM_DEFAULT: u32 = 1_000;
pub const LINGER_DEFAULT: i64 = -1;
/// The tutorial's gap between two sends.
pub const INTERVAL_MS_DEFAULT: u64 = 50;
/// The zguide's lpclient.py: `REQUEST_TIMEOUT = 2500`, `REQUEST_RETRIES = 3`; the ground
/// truth's Lazy Pirate polls 1 s, so that is the default here.
pub const LAZY_PIRATE_TIMEOUT_MS_DEFAULT: u64 = 1_000;
pub const LAZY_PIRATE_RETRIES_DEFAULT: u32 = 3;
/// The naive client of the ground truth polls 4 s.
pub const NAIVE_POLL_MS_DEFAULT: u64 = 4_000;

/// A ZeroMQ scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqScenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Required: its `model` is what makes the file a ZeroMQ scenario.
    pub broker: ZmqModelSpec,
    #[serde(default)]
    pub transport: Transport,
    /// The endpoint the binding actor binds and the others connect to (absent: the
    /// transport's default, `Transport::default_endpoint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub actors: Vec<ZmqActorSpec>,
    #[serde(default)]
    pub faults: Vec<ZmqFaultSpec>,
    #[serde(default)]
    pub limits: Limits,
}

fn default_seed() -> u64 {
    1
}

/// `{"model": "zeromq"}`: no broker, only the name of the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqModelSpec {
    pub model: String,
}

/// How the sockets talk: TCP on loopback (an I/O thread and kernel buffers between them), or
/// `inproc://` inside one process (one pipe of SNDHWM + RCVHWM, no I/O thread).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    #[default]
    Tcp,
    Inproc,
}

/// A socket type, as `zmq.PUSH` ... names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocketType {
    Push,
    Pull,
    Pub,
    Sub,
    Req,
    Rep,
}

impl SocketType {
    /// `PUSH`, as pyzmq's constant `zmq.PUSH` spells it.
    pub fn constant(self) -> &'static str {
        match self {
            SocketType::Push => "PUSH",
            SocketType::Pull => "PULL",
            SocketType::Pub => "PUB",
            SocketType::Sub => "SUB",
            SocketType::Req => "REQ",
            SocketType::Rep => "REP",
        }
    }

    /// The socket type this one talks to.
    pub fn peer(self) -> SocketType {
        match self {
            SocketType::Push => SocketType::Pull,
            SocketType::Pull => SocketType::Push,
            SocketType::Pub => SocketType::Sub,
            SocketType::Sub => SocketType::Pub,
            SocketType::Req => SocketType::Rep,
            SocketType::Rep => SocketType::Req,
        }
    }

    /// Whether this socket sends the workload's messages (PUSH, PUB, REQ).
    pub fn sends_messages(self) -> bool {
        matches!(self, SocketType::Push | SocketType::Pub | SocketType::Req)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ZmqActorSpec {
    Producer(ZmqProducerSpec),
    Consumer(ZmqConsumerSpec),
    Client(ZmqClientSpec),
    Server(ZmqServerSpec),
}

/// The tutorial's producer: sends `{'data': i}` for i in first_data.. with `send_json`, then
/// `socket.close()` and `context.term()` (where `LINGER` decides what happens to what is
/// still queued).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqProducerSpec {
    pub name: String,
    /// `push` (default) or `pub`.
    #[serde(default = "push")]
    pub socket: SocketType,
    /// Binds the endpoint (default) or connects to it.
    #[serde(default = "yes")]
    pub bind: bool,
    #[serde(default = "ten")]
    pub messages: u32,
    #[serde(default)]
    pub first_data: u32,
    /// The gap between sends (`time.sleep`); 0 = back to back (a burst).
    #[serde(default = "default_interval")]
    pub interval_ms: u64,
    /// `time.sleep` after `bind`/`connect`, before the first send (the zguide's cure for the
    /// slow joiner: give the peers time to connect).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warmup_ms: u64,
    #[serde(default = "default_hwm")]
    pub sndhwm: u32,
    /// `SNDTIMEO`: a blocked send raises `zmq.Again` after this long (absent: -1, blocks
    /// forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sndtimeo_ms: Option<u64>,
    /// `send_json(data, zmq.NOBLOCK)`: a send that would block raises `zmq.Again` at once.
    #[serde(default)]
    pub noblock: bool,
    /// `LINGER` in ms: -1 (default) waits for delivery at `term()`, 0 drops what is queued,
    /// a positive value drops it once it runs out.
    #[serde(default = "default_linger")]
    pub linger_ms: i64,
    #[serde(default)]
    pub start_ms: u64,
}

/// The tutorial's consumer: `recv_json()` and ` [x] Received {...}` forever, with `work_ms`
/// of work (`time.sleep`) after each print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqConsumerSpec {
    pub name: String,
    /// `pull` (default) or `sub`.
    #[serde(default = "pull")]
    pub socket: SocketType,
    /// Connects (default) or binds the endpoint.
    #[serde(default)]
    pub bind: bool,
    #[serde(default = "default_hwm")]
    pub rcvhwm: u32,
    /// A SUB's subscription prefix (`''`, the default, is every message); matched against the
    /// bytes `send_json` writes (`{"data": 3}`).
    #[serde(default)]
    pub subscribe: String,
    #[serde(default)]
    pub work_ms: u64,
    #[serde(default)]
    pub start_ms: u64,
}

/// A REQ client sending `requests` requests: naive (send, `poll`, and on a timeout a second
/// `send`, which raises EFSM) or the zguide's Lazy Pirate (on a timeout: close with LINGER 0,
/// a new socket, resend; at most `retries` attempts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqClientSpec {
    pub name: String,
    #[serde(default = "ten")]
    pub requests: u32,
    #[serde(default)]
    pub first_data: u32,
    #[serde(default)]
    pub lazy_pirate: bool,
    /// How long `poll` waits for a reply (absent: 1 s for Lazy Pirate, 4 s naive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Lazy Pirate's `REQUEST_RETRIES`.
    #[serde(default = "default_retries")]
    pub retries: u32,
    #[serde(default)]
    pub start_ms: u64,
}

/// A REP server: `recv_json()`, ` [x] Received`, `work_ms` of work, ` [x] Done` (the work's
/// effect), `reply_delay_ms` more, then `send_json` the reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqServerSpec {
    pub name: String,
    #[serde(default)]
    pub work_ms: u64,
    #[serde(default)]
    pub reply_delay_ms: u64,
    /// Wait `reply_delay_ms` only before replying to the request with this payload (absent:
    /// before every reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_delay_data: Option<u32>,
    /// Only the first process waits `reply_delay_ms` (z7c: the server that is killed between
    /// its work and its reply); a restarted one replies at once. The program reads it from its
    /// environment: a restarted process is started with `RESTARTED=1`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reply_delay_first_process_only: bool,
    #[serde(default)]
    pub start_ms: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn push() -> SocketType {
    SocketType::Push
}
fn pull() -> SocketType {
    SocketType::Pull
}
fn yes() -> bool {
    true
}
fn ten() -> u32 {
    10
}
fn default_interval() -> u64 {
    INTERVAL_MS_DEFAULT
}
fn default_hwm() -> u32 {
    HWM_DEFAULT
}
fn default_linger() -> i64 {
    LINGER_DEFAULT
}
fn default_retries() -> u32 {
    LAZY_PIRATE_RETRIES_DEFAULT
}

impl ZmqActorSpec {
    pub fn name(&self) -> &str {
        match self {
            ZmqActorSpec::Producer(p) => &p.name,
            ZmqActorSpec::Consumer(c) => &c.name,
            ZmqActorSpec::Client(c) => &c.name,
            ZmqActorSpec::Server(s) => &s.name,
        }
    }

    pub fn socket(&self) -> SocketType {
        match self {
            ZmqActorSpec::Producer(p) => p.socket,
            ZmqActorSpec::Consumer(c) => c.socket,
            ZmqActorSpec::Client(_) => SocketType::Req,
            ZmqActorSpec::Server(_) => SocketType::Rep,
        }
    }

    /// Whether this actor binds the endpoint (a server always does, a client never).
    pub fn binds(&self) -> bool {
        match self {
            ZmqActorSpec::Producer(p) => p.bind,
            ZmqActorSpec::Consumer(c) => c.bind,
            ZmqActorSpec::Client(_) => false,
            ZmqActorSpec::Server(_) => true,
        }
    }

    pub fn start_ms(&self) -> u64 {
        match self {
            ZmqActorSpec::Producer(p) => p.start_ms,
            ZmqActorSpec::Consumer(c) => c.start_ms,
            ZmqActorSpec::Client(c) => c.start_ms,
            ZmqActorSpec::Server(s) => s.start_ms,
        }
    }

    /// How many messages (requests) its program sends, 0 for a receiver.
    pub fn messages(&self) -> u32 {
        match self {
            ZmqActorSpec::Producer(p) => p.messages,
            ZmqActorSpec::Client(c) => c.requests,
            _ => 0,
        }
    }

    pub fn sndhwm(&self) -> u32 {
        match self {
            ZmqActorSpec::Producer(p) => p.sndhwm,
            _ => HWM_DEFAULT,
        }
    }

    pub fn rcvhwm(&self) -> u32 {
        match self {
            ZmqActorSpec::Consumer(c) => c.rcvhwm,
            _ => HWM_DEFAULT,
        }
    }
}

/// When a scripted fault fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ZmqTrigger {
    /// At a simulated time.
    AtMs(u64),
    /// Right after the `n`-th step (a step is one handled job that recorded events), as in the
    /// other systems: how the page forks a run where the user injected a fault. 0 = before
    /// the first step. Only the simulation has steps: a real run (the pyzmq programs, the
    /// conformance layer) cannot take this trigger.
    AtStep(u64),
    /// Right after an actor's `occurrence`-th (1-based) execution of operation `op`
    /// (`super::program::ZmqOpKind::names`: `print_received`, `print_done`, `send`, ...).
    After { actor: String, op: String, occurrence: u32 },
}

/// A fault, one verb each (the same verbs as the other systems).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ZmqFaultAction {
    /// SIGKILL the actor's process: whatever its sockets held is gone, silently; with
    /// `restart_after_ms`, a fresh process of the same program starts that much later on the
    /// same endpoint.
    Crash { actor: String, restart_after_ms: Option<u64> },
    /// Start a crashed (or finished) actor's program again, as a fresh process.
    Restart(String),
    /// The consumer's (or server's) work per message now takes `work_ms`.
    Slow { actor: String, work_ms: u64 },
    /// Cut the network between two actors (TCP stalls: nothing is lost, nothing passes).
    Partition(String, String),
    Heal(String, String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqFaultSpec {
    pub when: ZmqTrigger,
    #[serde(rename = "do")]
    pub action: ZmqFaultAction,
}

fn name_text(field: &str, value: &str) -> Result<(), ScenarioError> {
    if value.trim().is_empty() {
        return Err(err(field, "must not be empty"));
    }
    if value.len() > NAME_BYTES_MAX {
        return Err(err(field, format!("must be at most {NAME_BYTES_MAX} bytes, got {}", value.len())));
    }
    Ok(())
}

fn hwm(field: &str, value: u32) -> Result<(), ScenarioError> {
    if value > HWM_MAX {
        return Err(err(field, format!("must be at most {HWM_MAX} (0 means no limit in libzmq, which the model does not take), got {value}")));
    }
    if value == 0 {
        return Err(err(field, "must be at least 1 (libzmq reads 0 as \"no limit\", which the model does not take)"));
    }
    Ok(())
}

/// Whether a scenario file is a ZeroMQ one (`"broker": {"model": "zeromq"}`), without reading
/// the rest. False for text that is not JSON.
pub fn is_zeromq(text: &str) -> bool {
    json::parse::<serde_json::Value>(text).ok().is_some_and(|v| v.get("broker").and_then(|b| b.get("model")).and_then(|m| m.as_str()) == Some(MODEL))
}

/// An error inside `actors` (an internally tagged enum, which serde buffers, so serde_json
/// stops past the actor): each actor re-read as its own spec, to name the actor and the field.
fn actor_error(text: &str, error: ScenarioError) -> ScenarioError {
    if !error.field.starts_with("actors") {
        return error;
    }
    let Some(serde_json::Value::Array(actors)) = json::parse::<serde_json::Value>(text).ok().and_then(|mut v| v.get_mut("actors").map(serde_json::Value::take)) else {
        return error;
    };
    for (index, actor) in actors.into_iter().enumerate() {
        let serde_json::Value::Object(mut actor) = actor else {
            return err(format!("actors[{index}]"), "must be an object with a \"role\": \"producer\", \"consumer\", \"client\" or \"server\"");
        };
        let role = actor.remove("role");
        let spec = serde_json::Value::Object(actor).to_string();
        let inner = match role.as_ref().and_then(serde_json::Value::as_str) {
            Some("producer") => json::parse::<ZmqProducerSpec>(&spec).err(),
            Some("consumer") => json::parse::<ZmqConsumerSpec>(&spec).err(),
            Some("client") => json::parse::<ZmqClientSpec>(&spec).err(),
            Some("server") => json::parse::<ZmqServerSpec>(&spec).err(),
            _ => return err(format!("actors[{index}].role"), "must be \"producer\", \"consumer\", \"client\" or \"server\""),
        };
        if let Some(inner) = inner {
            let field = if inner.error.field.is_empty() { format!("actors[{index}]") } else { format!("actors[{index}].{}", inner.error.field) };
            return err(field, inner.error.problem);
        }
    }
    error
}

impl ZmqScenario {
    /// Parse and validate a ZeroMQ scenario file. Errors read `field: problem` with the path
    /// of the bad value; text that is not JSON gives the line and column.
    pub fn from_json(text: &str) -> Result<ZmqScenario, ScenarioError> {
        let trimmed = text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_ascii_whitespace());
        if !trimmed.starts_with('{') {
            return Err(err("", "a scenario file is one JSON object {...}"));
        }
        let scenario: ZmqScenario = json::parse(text).map_err(|e| {
            let value = json::parse::<serde_json::Value>(text).ok();
            if let Some(v) = value.as_ref().and_then(|v| v.get("format")?.as_u64()) {
                if v != u64::from(ZMQ_SCENARIO_FORMAT) {
                    return err("format", format!("unknown scenario format version {v}; this version reads format {ZMQ_SCENARIO_FORMAT}"));
                }
            }
            if e.syntax || e.error.field.is_empty() {
                err("", format!("not a valid scenario file: {} at line {} column {}", e.error.problem, e.line, e.column))
            } else {
                actor_error(text, e.error)
            }
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The file, pretty-printed; `from_json` reads it back as the same scenario.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn actor(&self, name: &str) -> Option<&ZmqActorSpec> {
        self.actors.iter().find(|a| a.name() == name)
    }

    pub fn actor_index(&self, name: &str) -> Option<usize> {
        self.actors.iter().position(|a| a.name() == name)
    }

    /// The endpoint the programs bind and connect to.
    pub fn endpoint(&self) -> String {
        if let Some(e) = &self.endpoint {
            return e.clone();
        }
        match self.transport {
            Transport::Inproc => "inproc://workload".into(),
            Transport::Tcp if self.actors.iter().any(|a| matches!(a, ZmqActorSpec::Server(_) | ZmqActorSpec::Client(_))) => "tcp://127.0.0.1:5555".into(),
            Transport::Tcp => "tcp://127.0.0.1:5557".into(),
        }
    }

    /// The index of the actor that binds the endpoint.
    pub fn binder(&self) -> usize {
        self.actors.iter().position(ZmqActorSpec::binds).unwrap_or(0)
    }

    /// Check everything a run needs; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if let Some(v) = self.format.filter(|&v| v != ZMQ_SCENARIO_FORMAT) {
            return Err(err("format", format!("unknown scenario format version {v}; this version reads format {ZMQ_SCENARIO_FORMAT}")));
        }
        name_text("name", &self.name)?;
        if self.broker.model != MODEL {
            return Err(err("broker.model", format!("must be \"zeromq\" in a ZeroMQ scenario, got {}", json::quoted(&self.broker.model))));
        }
        if let Some(endpoint) = &self.endpoint {
            let prefix = match self.transport {
                Transport::Tcp => "tcp://",
                Transport::Inproc => "inproc://",
            };
            if !endpoint.starts_with(prefix) || endpoint.len() == prefix.len() || endpoint.len() > NAME_BYTES_MAX || endpoint.contains(['"', '\\', '\n']) {
                return Err(err("endpoint", format!("must be {prefix}... for the {:?} transport (no quotes, at most {NAME_BYTES_MAX} bytes), got {}", self.transport, json::quoted(endpoint))));
            }
        }
        self.validate_actors()?;
        self.validate_limits()?;
        self.validate_faults()
    }

    fn validate_actors(&self) -> Result<(), ScenarioError> {
        if self.actors.len() < 2 {
            return Err(err("actors", "at least two actors are needed: one binds the endpoint, the other connects to it"));
        }
        if self.actors.len() > ACTORS_MAX {
            return Err(err("actors", format!("at most {ACTORS_MAX} actors, got {}", self.actors.len())));
        }
        let binders: Vec<usize> = (0..self.actors.len()).filter(|&i| self.actors[i].binds()).collect();
        if binders.len() != 1 {
            return Err(err("actors", format!("exactly one actor binds the endpoint (the others connect to it), got {}", binders.len())));
        }
        let binder = &self.actors[binders[0]];
        let mut total: u64 = 0;
        for (i, actor) in self.actors.iter().enumerate() {
            let field = |f: &str| format!("actors[{i}].{f}");
            name_text(&field("name"), actor.name())?;
            if self.actors[..i].iter().any(|o| o.name() == actor.name()) {
                return Err(err(field("name"), format!("two actors are named {}", json::quoted(actor.name()))));
            }
            time_ms(&field("start_ms"), actor.start_ms())?;
            match actor {
                ZmqActorSpec::Producer(p) => {
                    if !matches!(p.socket, SocketType::Push | SocketType::Pub) {
                        return Err(err(field("socket"), format!("a producer's socket is \"push\" or \"pub\", got \"{}\"", p.socket.constant().to_ascii_lowercase())));
                    }
                    hwm(&field("sndhwm"), p.sndhwm)?;
                    time_ms(&field("interval_ms"), p.interval_ms)?;
                    time_ms(&field("warmup_ms"), p.warmup_ms)?;
                    if let Some(t) = p.sndtimeo_ms {
                        time_ms(&field("sndtimeo_ms"), t)?;
                    }
                    if p.linger_ms < -1 || p.linger_ms > TIME_MS_MAX as i64 {
                        return Err(err(field("linger_ms"), format!("must be -1 (wait for delivery), 0 (drop at once) or a positive number of ms up to {TIME_MS_MAX}, got {}", p.linger_ms)));
                    }
                    if p.messages > 0 && p.first_data.checked_add(p.messages - 1).is_none() {
                        return Err(err(field("first_data"), "first_data + messages - 1 must fit in 32 bits"));
                    }
                }
                ZmqActorSpec::Consumer(c) => {
                    if !matches!(c.socket, SocketType::Pull | SocketType::Sub) {
                        return Err(err(field("socket"), format!("a consumer's socket is \"pull\" or \"sub\", got \"{}\"", c.socket.constant().to_ascii_lowercase())));
                    }
                    hwm(&field("rcvhwm"), c.rcvhwm)?;
                    time_ms(&field("work_ms"), c.work_ms)?;
                    if c.socket != SocketType::Sub && !c.subscribe.is_empty() {
                        return Err(err(field("subscribe"), "only a SUB socket subscribes"));
                    }
                    if c.subscribe.len() > NAME_BYTES_MAX {
                        return Err(err(field("subscribe"), format!("at most {NAME_BYTES_MAX} bytes")));
                    }
                }
                ZmqActorSpec::Client(c) => {
                    if let Some(t) = c.timeout_ms {
                        if t == 0 {
                            return Err(err(field("timeout_ms"), "must be at least 1 ms"));
                        }
                        time_ms(&field("timeout_ms"), t)?;
                    }
                    if c.lazy_pirate && (c.retries == 0 || c.retries > 1_000) {
                        return Err(err(field("retries"), format!("must be between 1 and 1000, got {}", c.retries)));
                    }
                    if c.requests > 0 && c.first_data.checked_add(c.requests - 1).is_none() {
                        return Err(err(field("first_data"), "first_data + requests - 1 must fit in 32 bits"));
                    }
                }
                ZmqActorSpec::Server(s) => {
                    time_ms(&field("work_ms"), s.work_ms)?;
                    time_ms(&field("reply_delay_ms"), s.reply_delay_ms)?;
                }
            }
            if i != binders[0] && actor.socket() != binder.socket().peer() {
                return Err(err(
                    field("role"),
                    format!(
                        "{} binds a {} socket, which talks to {} sockets only; {} has a {} socket",
                        json::quoted(binder.name()),
                        binder.socket().constant(),
                        binder.socket().peer().constant(),
                        json::quoted(actor.name()),
                        actor.socket().constant()
                    ),
                ));
            }
            total += u64::from(actor.messages());
        }
        if binder.socket() == SocketType::Pub && self.actors.len() > 2 {
            return Err(err("actors", "PUB/SUB scenarios have one subscriber (each subscriber would get its own copy of every message)"));
        }
        if binder.socket() == SocketType::Sub && self.actors.len() > 2 {
            return Err(err("actors", "a binding SUB takes one publisher here"));
        }
        if binder.socket() == SocketType::Req {
            return Err(err("actors", "the server binds in request/reply scenarios"));
        }
        if total == 0 {
            return Err(err("actors", "nothing is sent: give the producer at least 1 message (or the client at least 1 request)"));
        }
        let messages_max = self.limits.messages_max.min(MESSAGES_MAX);
        if total > u64::from(messages_max) {
            return Err(err("actors", format!("the programs send {total} messages, more than limits.messages_max = {messages_max}")));
        }
        Ok(())
    }

    fn validate_limits(&self) -> Result<(), ScenarioError> {
        let limits = &self.limits;
        if limits.messages_max > MESSAGES_MAX {
            return Err(err("limits.messages_max", format!("must be at most {MESSAGES_MAX} (a run must fit in a browser tab), got {}", limits.messages_max)));
        }
        if limits.steps_max == 0 || limits.steps_max > STEPS_MAX {
            return Err(err("limits.steps_max", format!("must be between 1 and {STEPS_MAX}, got {}", limits.steps_max)));
        }
        if limits.events_max == 0 || limits.events_max > EVENTS_MAX {
            return Err(err("limits.events_max", format!("must be between 1 and {EVENTS_MAX}, got {}", limits.events_max)));
        }
        time_ms("limits.time_ms_max", limits.time_ms_max)
    }

    fn validate_faults(&self) -> Result<(), ScenarioError> {
        if self.faults.len() > FAULTS_MAX {
            return Err(err("faults", format!("at most {FAULTS_MAX} faults, got {}", self.faults.len())));
        }
        for (i, fault) in self.faults.iter().enumerate() {
            let field = |f: &str| format!("faults[{i}].{f}");
            match &fault.when {
                ZmqTrigger::AtMs(at) => time_ms(&field("when.at_ms"), *at)?,
                // Any step: one past the run's end never fires (as in the other systems).
                ZmqTrigger::AtStep(_) => {}
                ZmqTrigger::After { actor, op, occurrence } => {
                    let Some(spec) = self.actor(actor) else {
                        return Err(err(field("when.actor"), format!("no actor is named {}", json::quoted(actor))));
                    };
                    if super::program::ZmqOpKind::from_name(op).is_none() {
                        let known: Vec<&str> = super::program::ZmqOpKind::names().collect();
                        return Err(err(field("when.op"), format!("unknown operation {} (known: {})", json::quoted(op), known.join(", "))));
                    }
                    let program = super::program::of(self, spec);
                    if !program.ops.iter().any(|o| o.kind.name() == op) {
                        let own: Vec<&str> = program.ops.iter().map(|o| o.kind.name()).collect();
                        return Err(err(field("when.op"), format!("{} never runs {} (its operations: {})", json::quoted(actor), json::quoted(op), own.join(", "))));
                    }
                    if *occurrence == 0 {
                        return Err(err(field("when.occurrence"), "counts from 1"));
                    }
                }
            }
            let actor_named = |name: &str| self.actor(name).map(|_| ()).ok_or_else(|| err(field("do"), format!("no actor is named {}", json::quoted(name))));
            match &fault.action {
                ZmqFaultAction::Crash { actor, restart_after_ms } => {
                    actor_named(actor)?;
                    if let Some(ms) = restart_after_ms {
                        time_ms(&field("do.crash.restart_after_ms"), *ms)?;
                    }
                }
                ZmqFaultAction::Restart(actor) => actor_named(actor)?,
                ZmqFaultAction::Slow { actor, work_ms } => {
                    actor_named(actor)?;
                    if !matches!(self.actor(actor), Some(ZmqActorSpec::Consumer(_) | ZmqActorSpec::Server(_))) {
                        return Err(err(field("do"), format!("{} is not a consumer or a server (only their work can be slowed)", json::quoted(actor))));
                    }
                    time_ms(&field("do.slow.work_ms"), *work_ms)?;
                }
                ZmqFaultAction::Partition(a, b) | ZmqFaultAction::Heal(a, b) => {
                    actor_named(a)?;
                    actor_named(b)?;
                    if a == b {
                        return Err(err(field("do"), "the two actors must differ"));
                    }
                    if self.transport == Transport::Inproc {
                        return Err(err(field("do"), "inproc:// sockets live in one process: there is no network to cut"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The ZeroMQ catalog: the tour's ZeroMQ chapters as scenario files shipped inside the
/// binary, in tour order. Each is valid (tested by `tests/zeromq_golden.rs`).
pub mod catalog {
    use super::ZmqScenario;
    use crate::scenario::json;
    use crate::scenario::ScenarioError;

    /// (name, file contents), in tour order.
    pub const ENTRIES: &[(&str, &str)] = &[
        ("z-workload", include_str!("catalog/z-workload.json")),
        ("z-consumer-crash", include_str!("catalog/z-consumer-crash.json")),
        ("z-bind-vs-connect", include_str!("catalog/z-bind-vs-connect.json")),
        ("z-slow-joiner", include_str!("catalog/z-slow-joiner.json")),
        ("z-hwm-drops", include_str!("catalog/z-hwm-drops.json")),
        ("z-req-hang", include_str!("catalog/z-req-hang.json")),
        ("z-lazy-pirate", include_str!("catalog/z-lazy-pirate.json")),
        ("z-linger-0", include_str!("catalog/z-linger-0.json")),
    ];

    pub fn names() -> impl Iterator<Item = &'static str> {
        ENTRIES.iter().map(|(name, _)| *name)
    }

    pub fn get(name: &str) -> Result<ZmqScenario, ScenarioError> {
        let (_, text) = ENTRIES.iter().find(|(n, _)| *n == name).ok_or_else(|| ScenarioError {
            field: String::new(),
            problem: format!("no ZeroMQ catalog scenario is named {} (known: {})", json::quoted(name), names().collect::<Vec<_>>().join(", ")),
        })?;
        ZmqScenario::from_json(text)
    }
}
