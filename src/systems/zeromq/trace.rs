//! ZeroMQ's trace events: what the pyzmq programs, their sockets, the I/O threads and the
//! faults did, in the past tense. Each event says which neutral fact it is
//! (`TraceEvent::fact`), so the core's checker judges ZeroMQ runs as it judges the others: a
//! message is one `{'data': i}` a `send` accepted (a send that raised `zmq.Again` makes no
//! message: it was never accepted, so it cannot be lost); a copy is one frame of it in a pipe
//! (a PUB's copy for its subscriber, a Lazy Pirate's resend); the consumer's print (a
//! server's ` [x] Done`) is the effect.
//!
//! Every copy that disappears is a `MessageDropped` with its `DropCause`, in words a learner
//! understands (`DropCause::text`): ZeroMQ itself raises no error for any of them.
//!
//! Invariant: a trace entry stays at most 24 bytes (asserted below).

use crate::engine::ids::*;
use crate::engine::trace::{Fact, TraceEvent};
pub use crate::engine::trace::{trace_hash, Limit};
use serde::Serialize;

/// Why a copy was dropped. ZeroMQ raises no error for any of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCause {
    /// It was in the receive pipe or the TCP buffers of the receiver whose process was killed.
    ReceiverCrashed,
    /// The receiver's program held it (received, not yet processed) when it was killed.
    HeldByCrashedProcess,
    /// It was still queued in the sender's socket when the sender's process was killed.
    SenderCrashed,
    /// A binding socket's pipe to a peer that died was closed with what it queued.
    PipeClosed,
    /// PUB at its high-water mark for that subscriber: dropped silently.
    PubHighWaterMark,
    /// PUB had no subscriber whose subscription matched (none joined yet: slow joiner).
    NoSubscriber,
    /// The subscriber's prefix does not match it (it was never meant for the subscriber).
    NotSubscribed,
    /// `close()` with LINGER 0 discarded what was still queued.
    Linger0,
    /// LINGER ran out at `term()` with the message still queued.
    LingerExpired,
    /// PUB had no live subscription: the subscriber it had is gone (killed or ended), and no
    /// new one's had reached it.
    SubscriberGone,
}

impl DropCause {
    /// The cause as a learner reads it, after "lost: ".
    pub fn text(self) -> &'static str {
        match self {
            DropCause::ReceiverCrashed => "it was in the receive buffer of the consumer that crashed; ZeroMQ has no acknowledgements, so nobody sends it again",
            DropCause::HeldByCrashedProcess => "the program that had received it was killed before it finished with it; ZeroMQ has no acknowledgements",
            DropCause::SenderCrashed => "it was still queued in the sender's socket when the sender's process was killed",
            DropCause::PipeClosed => "it was queued in the pipe to a peer that died; the binding socket closed that pipe with it",
            DropCause::PubHighWaterMark => "dropped by PUB at its high-water mark (no error is raised)",
            DropCause::NoSubscriber => "PUB had no subscriber for it yet: the subscription had not reached the publisher (slow joiner); PUB drops silently",
            DropCause::NotSubscribed => "no subscriber subscribed to a prefix of it: PUB filters it out (it was never meant for them)",
            DropCause::Linger0 => "close() with LINGER 0 threw it away while it was still queued",
            DropCause::LingerExpired => "LINGER ran out at term() while it was still queued",
            DropCause::SubscriberGone => "PUB had no live subscriber for it: its subscriber's process was gone, and no new subscription had reached the publisher; PUB drops silently",
        }
    }
}

/// The exception a pyzmq call raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZmqError {
    /// `zmq.Again`: EAGAIN, with NOBLOCK at once or after SNDTIMEO.
    Again,
    /// `zmq.ZMQError` EFSM: a REQ socket sent twice without receiving.
    Efsm,
}

impl ZmqError {
    /// The last line Python prints when this error ends a program.
    pub fn text(self) -> &'static str {
        match self {
            ZmqError::Again => "zmq.error.Again: Resource temporarily unavailable",
            ZmqError::Efsm => "zmq.error.ZMQError: Operation cannot be accomplished in current state",
        }
    }
}

/// A link: the connection (and its pipes) between one connecting socket and the bound one.
pub type LinkId = u16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum ZmqEvent {
    /// The program started (`incarnation` 1, then 2 after a restart, ...).
    ActorStarted { actor: ActorId, incarnation: u16 },
    SocketBound { actor: ActorId, line: u16 },
    /// `connect()` returned: a connecting socket has its pipe now, peer or not.
    SocketConnected { actor: ActorId, link: LinkId, line: u16 },
    /// The TCP connection and the ZMTP handshake are done: the binding socket has a pipe to
    /// this peer now, and queued messages start to flow.
    ConnectionEstablished { actor: ActorId, peer: ActorId, link: LinkId },
    /// A SUB's subscription reached the PUB: from now on the PUB sends it what matches.
    SubscriptionArrived { actor: ActorId, peer: ActorId, link: LinkId },
    /// The socket noticed its peer is gone (the peer's process died): a binding socket drops
    /// the pipe; a connecting one keeps it and reconnects every reconnect_ivl.
    ConnectionLost { actor: ActorId, peer: ActorId, link: LinkId },
    /// `send` accepted the message (it is in a pipe now).
    MessageSent { actor: ActorId, message: MessageId, copy: CopyId, line: u16 },
    /// `send` blocks: no pipe can take it (no peer, or every pipe at SNDHWM).
    SendBlocked { actor: ActorId, data: u32, line: u16 },
    /// `send` raised: the message was never accepted.
    SendRaised { actor: ActorId, data: u32, error: ZmqError, line: u16 },
    /// A copy reached the receiver's socket (its receive pipe).
    MessageArrived { actor: ActorId, copy: CopyId },
    /// `recv` returned it to the program.
    MessageReceived { actor: ActorId, copy: CopyId, line: u16 },
    /// ` [x] Received {...}`: a consumer's effect; a server's print, not its effect.
    ReceivedPrinted { actor: ActorId, message: MessageId, effect: bool, line: u16 },
    /// A server's ` [x] Done {...}`: its work's effect.
    WorkDone { actor: ActorId, message: MessageId, line: u16 },
    /// The program finished with a copy (the consumer's work ended, or the server replied).
    MessageSettled { copy: CopyId },
    ReplySent { actor: ActorId, data: u32, line: u16 },
    /// The reply went nowhere: the client's socket that asked is closed or gone.
    ReplyDropped { actor: ActorId, data: u32 },
    ReplyReceived { actor: ActorId, data: u32, line: u16 },
    PollTimedOut { actor: ActorId, data: u32, line: u16 },
    /// A Lazy Pirate client sent the request again, on a new socket.
    Resent { actor: ActorId, message: MessageId, copy: CopyId, attempt: u16, line: u16 },
    /// A Lazy Pirate client gave up (` [!] Server seems to be offline, abandoning`).
    GaveUp { actor: ActorId, data: u32, line: u16 },
    /// A pyzmq call raised and the exception ended the program (EFSM).
    ErrorRaised { actor: ActorId, error: ZmqError, line: u16 },
    MessageDropped { copy: CopyId, cause: DropCause },
    SocketClosed { actor: ActorId, line: u16 },
    /// `context.term()` started waiting for what LINGER keeps.
    TermBlocked { actor: ActorId, line: u16 },
    TermReturned { actor: ActorId, line: u16 },
    ActorFinished { actor: ActorId },
    /// SIGKILL.
    ActorCrashed { actor: ActorId },
    WorkSlowed { actor: ActorId, work_ms: u32 },
    Partitioned { actor: ActorId, peer: ActorId },
    Healed { actor: ActorId, peer: ActorId },
    LimitReached { limit: Limit },
}

pub type ZmqTraceEntry = crate::engine::trace::TraceEntry<ZmqEvent>;

// Invariant: the trace stays compact.
const _: () = assert!(std::mem::size_of::<ZmqTraceEntry>() <= 24);

impl ZmqEvent {
    /// The actor the event belongs to.
    pub fn actor(&self) -> Option<ActorId> {
        use ZmqEvent::*;
        match *self {
            ActorStarted { actor, .. }
            | SocketBound { actor, .. }
            | SocketConnected { actor, .. }
            | ConnectionEstablished { actor, .. }
            | SubscriptionArrived { actor, .. }
            | ConnectionLost { actor, .. }
            | MessageSent { actor, .. }
            | SendBlocked { actor, .. }
            | SendRaised { actor, .. }
            | MessageArrived { actor, .. }
            | MessageReceived { actor, .. }
            | ReceivedPrinted { actor, .. }
            | WorkDone { actor, .. }
            | ReplySent { actor, .. }
            | ReplyDropped { actor, .. }
            | ReplyReceived { actor, .. }
            | PollTimedOut { actor, .. }
            | Resent { actor, .. }
            | GaveUp { actor, .. }
            | ErrorRaised { actor, .. }
            | SocketClosed { actor, .. }
            | TermBlocked { actor, .. }
            | TermReturned { actor, .. }
            | ActorFinished { actor }
            | ActorCrashed { actor }
            | WorkSlowed { actor, .. }
            | Partitioned { actor, .. }
            | Healed { actor, .. } => Some(actor),
            MessageSettled { .. } | MessageDropped { .. } | LimitReached { .. } => None,
        }
    }

    /// The program line whose operation caused it.
    pub fn line(&self) -> Option<u16> {
        use ZmqEvent::*;
        match *self {
            SocketBound { line, .. }
            | SocketConnected { line, .. }
            | MessageSent { line, .. }
            | SendBlocked { line, .. }
            | SendRaised { line, .. }
            | MessageReceived { line, .. }
            | ReceivedPrinted { line, .. }
            | WorkDone { line, .. }
            | ReplySent { line, .. }
            | ReplyReceived { line, .. }
            | PollTimedOut { line, .. }
            | Resent { line, .. }
            | GaveUp { line, .. }
            | ErrorRaised { line, .. }
            | SocketClosed { line, .. }
            | TermBlocked { line, .. }
            | TermReturned { line, .. } => Some(line).filter(|&l| l > 0),
            _ => None,
        }
    }
}

impl TraceEvent for ZmqEvent {
    #[inline]
    fn fact(&self) -> Option<Fact> {
        match *self {
            ZmqEvent::MessageSent { message, .. } => Some(Fact::Published { message }),
            // No acks in ZeroMQ: a received message is settled by the receiving itself.
            ZmqEvent::MessageReceived { copy, .. } => Some(Fact::Delivered { copy, redelivered: false, acked: true }),
            ZmqEvent::ReceivedPrinted { message, effect: true, .. } | ZmqEvent::WorkDone { message, .. } => Some(Fact::EffectApplied { message }),
            ZmqEvent::MessageSettled { copy } => Some(Fact::Completed { copy }),
            ZmqEvent::MessageDropped { copy, .. } => Some(Fact::Discarded { copy, expired: false, at_limit: false }),
            _ => None,
        }
    }

    fn limit_reached(limit: Limit) -> ZmqEvent {
        ZmqEvent::LimitReached { limit }
    }

    fn actor(&self) -> Option<ActorId> {
        ZmqEvent::actor(self)
    }

    fn line(&self) -> Option<u16> {
        ZmqEvent::line(self)
    }
}

/// ZeroMQ's own state of a copy, kept in the ledger beside the neutral part: where in its
/// link it sits (the ledger's place says which link: `Place::Ready { queue }` with the link's
/// id).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// In the sender's pipe (counts against SNDHWM; on inproc, against SNDHWM + RCVHWM).
    #[default]
    Outbound,
    /// Handed to the I/O thread and the kernel's TCP buffers (beyond the HWMs).
    InFlight,
    /// In the receiver's pipe (counts against RCVHWM).
    Inbound,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ZmqCopyExtra {
    pub stage: Stage,
}

pub type ZmqLedger = crate::engine::ledger::Ledger<ZmqCopyExtra>;
