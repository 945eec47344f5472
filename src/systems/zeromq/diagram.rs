//! The ZeroMQ diagram's view model: plain data a brokerless diagram draws, computed from a
//! `ZmqSim` at the current moment. No web crates, no behaviour: `ZmqDiagramView::of` only
//! reads the world (its processes, sockets, links and their three queues per direction).
//!
//! What it holds:
//! - per actor its **process**: name, program kind, status (running, blocked and in what,
//!   crashed, finished...), incarnation (1 for the first process, 2 after a restart...), its
//!   current socket, and the `{'data': i}` its program holds (received, not yet done with);
//! - the **sockets** shown: type (`PUSH`...), bind or connect, the endpoint, SNDHWM, RCVHWM,
//!   LINGER, open / closed (lingering in `term()`) / dead (its process is gone);
//! - the **links** (a connecting socket's pipe to the binding one): connecting / handshaking /
//!   up / partitioned / peer gone (the bound peer died, not yet noticed) / closed (the
//!   connecting socket is closed or dead), whether the binding socket still routes messages
//!   to it, a SUB's subscription (on its way / arrived), and per direction the sender's
//!   outbound pipe (against the sender's SNDHWM), what the I/O thread and the kernels' TCP
//!   buffers hold (in flight; HWM does not bound it), and the receiver's inbound pipe
//!   (against its RCVHWM). On `inproc://` there is no I/O thread: in flight stays empty and
//!   one pipe holds SNDHWM + RCVHWM (`ZmqDiagramView::transport` says which).
//!
//! Invariants (tested in `tests/zeromq_diagram.rs`):
//! - a pure function of the world: the same world gives the same view (no hash order, no clock);
//! - a queue's `shown` are its first `QUEUE_SHOWN` frames in queue order (`len` counts all),
//!   so what leaves next is first;
//! - the workload's frames (not replies) in all lanes are exactly the ledger's copies queued
//!   (`Place::Ready`), each at the stage its copy's extra says;
//! - shown: every socket still alive, each actor's current socket (a killed process's dead
//!   socket stays shown, with its closed link, until a new process opens its own), and the
//!   ends of every shown link; a link is shown while it is not closed, holds a frame, or is
//!   its connecting socket's actor's current one. Ids are the world's (`LinkId` of the trace).
//! - building it never panics, whatever the state.

use super::scenario::{SocketType, Transport, ZmqActorSpec};
use super::trace::Stage;
use super::world::{ActorStatus, Frame, Lane, LinkState, Wait, ZmqSim};
use crate::engine::ids::ActorId;

/// How many frames of a queue are listed; the rest are counted.
pub const QUEUE_SHOWN: usize = 8;

/// The diagram at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZmqDiagramView {
    pub transport: Transport,
    /// `tcp://127.0.0.1:5557`, `inproc://workload`...
    pub endpoint: String,
    pub now_us: u64,
    /// One per actor, in scenario order.
    pub processes: Vec<ProcessView>,
    /// The sockets shown, in the order the programs opened them.
    pub sockets: Vec<SocketView>,
    /// The links shown, in the order they were made.
    pub links: Vec<LinkView>,
}

/// What an actor's program is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramKind {
    Producer,
    Consumer,
    /// A REQ client: naive, or the zguide's Lazy Pirate.
    Client { lazy_pirate: bool },
    Server,
}

impl ProgramKind {
    /// The snake_case name (CSS class, i18n label key).
    pub fn name(self) -> &'static str {
        match self {
            ProgramKind::Producer => "producer",
            ProgramKind::Consumer => "consumer",
            ProgramKind::Client { lazy_pirate: false } => "client",
            ProgramKind::Client { lazy_pirate: true } => "lazy_pirate_client",
            ProgramKind::Server => "server",
        }
    }
}

/// The call a blocked program waits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockedIn {
    Send,
    Recv,
    Poll,
    Term,
}

impl BlockedIn {
    /// The pyzmq call: `send`, `recv`, `poll`, `term`.
    pub fn name(self) -> &'static str {
        match self {
            BlockedIn::Send => "send",
            BlockedIn::Recv => "recv",
            BlockedIn::Poll => "poll",
            BlockedIn::Term => "term",
        }
    }
}

/// An actor's process now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessView {
    pub actor: ActorId,
    pub name: String,
    pub program: ProgramKind,
    pub status: ActorStatus,
    /// The call it waits in, when `status` is `Blocked`.
    pub blocked_in: Option<BlockedIn>,
    /// 0 before its first start, 1 for the first process, 2 after one restart...
    pub incarnation: u16,
    /// Its current socket (a `SocketView::id`), if it opened one (a killed process keeps
    /// its dead one until a new process opens its own).
    pub socket: Option<usize>,
    /// The `{'data': i}` its program received and has not finished with (lost if killed now).
    pub holds: Option<u32>,
}

/// Bind or connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    Bind,
    Connect,
}

impl Attach {
    pub fn name(self) -> &'static str {
        match self {
            Attach::Bind => "bind",
            Attach::Connect => "connect",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketState {
    Open,
    /// The program closed it; it lingers until `term()` returns.
    Closed,
    /// Its process is gone (killed, or ended).
    Dead,
}

impl SocketState {
    pub fn name(self) -> &'static str {
        match self {
            SocketState::Open => "open",
            SocketState::Closed => "closed",
            SocketState::Dead => "dead",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketView {
    /// The world's socket index (stable from step to step).
    pub id: usize,
    pub actor: ActorId,
    pub kind: SocketType,
    pub attach: Attach,
    pub endpoint: String,
    pub sndhwm: u32,
    pub rcvhwm: u32,
    /// -1 waits for delivery at `term()`, 0 drops, n drops after n ms.
    pub linger_ms: i64,
    pub state: SocketState,
    /// A SUB's subscription prefix (`""` is everything).
    pub subscribe: Option<String>,
    /// The socket bound to the endpoint now.
    pub bound_now: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    /// No connection: the connecting socket tries again every reconnect interval.
    Connecting,
    /// A TCP connect and the ZMTP greeting are under way.
    Handshaking,
    Up,
    /// Connected, but the network between the two is cut: nothing passes, nothing is lost.
    Partitioned,
    /// The bound peer died; the connecting socket has not noticed yet.
    PeerGone,
    /// The connecting socket is closed or dead.
    Closed,
}

impl LinkStatus {
    pub fn name(self) -> &'static str {
        match self {
            LinkStatus::Connecting => "connecting",
            LinkStatus::Handshaking => "handshaking",
            LinkStatus::Up => "up",
            LinkStatus::Partitioned => "partitioned",
            LinkStatus::PeerGone => "peer_gone",
            LinkStatus::Closed => "closed",
        }
    }

    /// Drawn as a broken line: nothing can pass now.
    pub fn down(self) -> bool {
        matches!(self, LinkStatus::Partitioned | LinkStatus::PeerGone | LinkStatus::Closed)
    }
}

/// A SUB's subscription on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subscription {
    /// Not (yet) at the PUB: it drops what it publishes for this subscriber (slow joiner).
    OnItsWay,
    Arrived,
}

/// One frame in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameView {
    /// The payload `{'data': data}`.
    pub data: u32,
    /// The message (`MessageId.0`): a Lazy Pirate's resend shares it.
    pub message: u32,
    /// A REP's reply (not a message of the workload: the ledger does not count it).
    pub reply: bool,
}

/// A queue: its first frames, and how many it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueView {
    pub len: usize,
    /// How many of them are replies (REQ/REP), not messages of the workload.
    pub replies: usize,
    /// The first `QUEUE_SHOWN` (what leaves first is first).
    pub shown: Vec<FrameView>,
}

impl QueueView {
    /// How many are not listed ("+K").
    pub fn more(&self) -> usize {
        self.len - self.shown.len()
    }
    /// The payloads listed.
    pub fn data(&self) -> Vec<u32> {
        self.shown.iter().map(|f| f.data).collect()
    }
}

/// One direction of a link, from the socket that sends to the one that receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneView {
    pub from: Option<usize>,
    pub to: Option<usize>,
    /// Queued in the sender's pipe, against `sndhwm`.
    pub outbound: QueueView,
    /// The sender's SNDHWM.
    pub sndhwm: u32,
    /// Taken by the I/O thread: in the kernels' TCP buffers or on the wire (no HWM).
    pub in_flight: QueueView,
    /// In the receiver's pipe, against `rcvhwm`: what its `recv` returns next.
    pub inbound: QueueView,
    /// The receiver's RCVHWM.
    pub rcvhwm: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkView {
    /// The world's link index (`LinkId` in the trace).
    pub id: usize,
    pub connecting: usize,
    /// The binding socket, once connected (None while connecting, and after a dead binder
    /// was noticed).
    pub binding: Option<usize>,
    pub status: LinkStatus,
    /// The binding socket still sends on this pipe (until it notices a dead peer, messages
    /// keep going to it).
    pub routed: bool,
    /// When one end is a SUB (and connected).
    pub subscription: Option<Subscription>,
    /// `[connecting → binding, binding → connecting]`.
    pub lanes: [LaneView; 2],
}

impl ZmqDiagramView {
    /// The diagram of `sim` now.
    pub fn of(sim: &ZmqSim) -> ZmqDiagramView {
        let scenario = sim.scenario();
        let endpoint = scenario.endpoint();
        let frame_view = |frame: &Frame| {
            let ledger = sim.ledger();
            let message = ledger.copies.get(frame.copy.index()).map_or(0, |c| c.message.0);
            let data = ledger.messages.get(message as usize).map_or(0, |m| m.data);
            FrameView { data, message, reply: frame.reply }
        };
        let queue = |frames: &mut dyn ExactSizeIterator<Item = &Frame>| {
            let (mut len, mut replies, mut shown) = (0, 0, Vec::new());
            for frame in frames {
                len += 1;
                replies += usize::from(frame.reply);
                if shown.len() < QUEUE_SHOWN {
                    shown.push(frame_view(frame));
                }
            }
            QueueView { len, replies, shown }
        };
        let current = |socket: usize| sim.sockets.get(socket).is_some_and(|s| sim.actors().get(s.actor.index()).is_some_and(|a| a.socket == Some(socket)));

        let link_shown: Vec<bool> = sim
            .links
            .iter()
            .map(|l| l.state != LinkState::Closed || l.lanes.iter().any(|lane| lane_len(lane) > 0) || current(l.connecting))
            .collect();
        let mut socket_shown: Vec<bool> = (0..sim.sockets.len()).map(|s| sim.sockets[s].alive || current(s)).collect();
        for (link, _) in sim.links.iter().zip(&link_shown).filter(|(_, shown)| **shown) {
            for end in [Some(link.connecting), link.binding].into_iter().flatten() {
                if let Some(shown) = socket_shown.get_mut(end) {
                    *shown = true;
                }
            }
        }

        let spec = |actor: ActorId| scenario.actors.get(actor.index());
        let processes = scenario
            .actors
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                let actor = &sim.actors()[index];
                let program = match spec {
                    ZmqActorSpec::Producer(_) => ProgramKind::Producer,
                    ZmqActorSpec::Consumer(_) => ProgramKind::Consumer,
                    ZmqActorSpec::Client(c) => ProgramKind::Client { lazy_pirate: c.lazy_pirate },
                    ZmqActorSpec::Server(_) => ProgramKind::Server,
                };
                let blocked_in = match (actor.status, actor.waiting) {
                    (ActorStatus::Blocked, Wait::Send) => Some(BlockedIn::Send),
                    (ActorStatus::Blocked, Wait::Recv) => Some(BlockedIn::Recv),
                    (ActorStatus::Blocked, Wait::Poll) => Some(BlockedIn::Poll),
                    (ActorStatus::Blocked, Wait::Term) => Some(BlockedIn::Term),
                    _ => None,
                };
                let live = matches!(actor.status, ActorStatus::Running | ActorStatus::Blocked);
                let holds = actor.held.filter(|_| live).and_then(|copy| sim.ledger().copies.get(copy.index())).filter(|c| c.place.is_live()).and_then(|c| sim.ledger().messages.get(c.message.index())).map(|m| m.data);
                ProcessView {
                    actor: ActorId(index as u16),
                    name: spec.name().to_string(),
                    program,
                    status: actor.status,
                    blocked_in,
                    incarnation: actor.incarnation,
                    socket: actor.socket.filter(|&s| s < sim.sockets.len()),
                    holds,
                }
            })
            .collect();

        let sockets = sim
            .sockets
            .iter()
            .enumerate()
            .filter(|(s, _)| socket_shown[*s])
            .map(|(id, socket)| {
                let actor_spec = spec(socket.actor);
                SocketView {
                    id,
                    actor: socket.actor,
                    kind: socket.kind,
                    attach: if socket.binds { Attach::Bind } else { Attach::Connect },
                    endpoint: endpoint.clone(),
                    sndhwm: actor_spec.map_or(super::scenario::HWM_DEFAULT, ZmqActorSpec::sndhwm),
                    rcvhwm: actor_spec.map_or(super::scenario::HWM_DEFAULT, ZmqActorSpec::rcvhwm),
                    linger_ms: socket.linger_ms,
                    state: if !socket.alive {
                        SocketState::Dead
                    } else if socket.open {
                        SocketState::Open
                    } else {
                        SocketState::Closed
                    },
                    subscribe: match actor_spec {
                        Some(ZmqActorSpec::Consumer(c)) if socket.kind == SocketType::Sub => Some(c.subscribe.clone()),
                        _ => None,
                    },
                    bound_now: sim.bound == Some(id),
                }
            })
            .collect();

        let hwms = |socket: Option<usize>| {
            let actor_spec = socket.and_then(|s| sim.sockets.get(s)).and_then(|s| spec(s.actor));
            (actor_spec.map_or(super::scenario::HWM_DEFAULT, ZmqActorSpec::sndhwm), actor_spec.map_or(super::scenario::HWM_DEFAULT, ZmqActorSpec::rcvhwm))
        };
        let kind_of = |socket: Option<usize>| socket.and_then(|s| sim.sockets.get(s)).map(|s| s.kind);
        let links = sim
            .links
            .iter()
            .enumerate()
            .filter(|(l, _)| link_shown[*l])
            .map(|(id, link)| {
                let cut = link.binding.and_then(|b| sim.sockets.get(b)).zip(sim.sockets.get(link.connecting)).is_some_and(|(b, c)| sim.partitioned(b.actor, c.actor));
                let status = match link.state {
                    LinkState::Up if cut => LinkStatus::Partitioned,
                    LinkState::Up => LinkStatus::Up,
                    LinkState::Connecting => LinkStatus::Connecting,
                    LinkState::Handshaking => LinkStatus::Handshaking,
                    LinkState::PeerGone => LinkStatus::PeerGone,
                    LinkState::Closed => LinkStatus::Closed,
                };
                let sub_end = [Some(link.connecting), link.binding].into_iter().any(|s| kind_of(s) == Some(SocketType::Sub));
                let subscription = (sub_end && link.binding.is_some()).then_some(if link.subscribed { Subscription::Arrived } else { Subscription::OnItsWay });
                let lane = |index: usize| {
                    let (from, to) = if index == 0 { (Some(link.connecting), link.binding) } else { (link.binding, Some(link.connecting)) };
                    let l = &link.lanes[index];
                    LaneView {
                        from,
                        to,
                        outbound: queue(&mut l.outbound.iter()),
                        sndhwm: hwms(from).0,
                        in_flight: queue(&mut l.in_flight.iter().map(|(f, _)| f)),
                        inbound: queue(&mut l.inbound.iter()),
                        rcvhwm: hwms(to).1,
                    }
                };
                LinkView { id, connecting: link.connecting, binding: link.binding, status, routed: link.attached, subscription, lanes: [lane(0), lane(1)] }
            })
            .collect();

        ZmqDiagramView { transport: scenario.transport, endpoint, now_us: sim.now_us(), processes, sockets, links }
    }

    /// The socket with world index `id`, if shown.
    pub fn socket(&self, id: usize) -> Option<&SocketView> {
        self.sockets.iter().find(|s| s.id == id)
    }

    /// The process of `name`.
    pub fn process(&self, name: &str) -> Option<&ProcessView> {
        self.processes.iter().find(|p| p.name == name)
    }

    /// The shown links one of whose ends is a socket of `actor`.
    pub fn links_of(&self, actor: ActorId) -> impl Iterator<Item = &LinkView> {
        self.links.iter().filter(move |l| [Some(l.connecting), l.binding].into_iter().flatten().any(|s| self.socket(s).is_some_and(|s| s.actor == actor)))
    }

    /// The workload's frames (not replies) at `stage` in every shown lane.
    pub fn frames_at(&self, stage: Stage) -> usize {
        self.links
            .iter()
            .flat_map(|l| l.lanes.iter())
            .map(|lane| {
                let q = match stage {
                    Stage::Outbound => &lane.outbound,
                    Stage::InFlight => &lane.in_flight,
                    Stage::Inbound => &lane.inbound,
                };
                q.len - q.replies
            })
            .sum()
    }
}

fn lane_len(lane: &Lane) -> usize {
    lane.outbound.len() + lane.in_flight.len() + lane.inbound.len()
}
