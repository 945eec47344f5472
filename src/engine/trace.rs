//! The trace: every visible thing that happened, in order, in the past tense. The UI steps
//! through it, the checker observes it, golden tests pin its hash. The core knows the shape
//! of an entry and the facts every checker needs; each system brings its own event type
//! (`TraceEvent`), which says which neutral fact, if any, an event is.
//!
//! Invariants: entries are appended in non-decreasing `at_ms`; an entry never changes once
//! written; the hash is FNV-1a 64 over each entry's canonical JSON, so it is the same on
//! every platform and independent of memory layout.

use super::ids::*;
use serde::Serialize;

/// Where a frame travels from or to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Actor(ActorId),
    Node(NodeId),
}

/// The limits a run can hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Steps,
    TimeMs,
    Messages,
    /// The trace reached `limits.events_max` (which bounds the run's memory).
    Events,
}

/// What an event means for the verdicts, in words every system shares. The checker sees
/// only these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A producer sent `message` (its copy is on its way).
    Published { message: MessageId },
    /// A send of `message` failed; `retry`: the producer holds it to send again.
    SendFailed { message: MessageId, retry: bool },
    /// The system handed `copy` to a consumer; `acked`: handing it over settled it (auto-ack).
    Delivered { copy: CopyId, redelivered: bool, acked: bool },
    /// The message's effect was applied (it was processed).
    EffectApplied { message: MessageId },
    /// A consumer finished its handling of `copy` (whatever it did).
    Completed { copy: CopyId },
    /// `copy` was set aside unprocessed (a dead-letter queue); `at_limit`: because it was
    /// delivered too often.
    SetAside { copy: CopyId, at_limit: bool },
    /// `copy` is gone for good; `expired`: its time ran out; `at_limit`: it was delivered
    /// too often.
    Discarded { copy: CopyId, expired: bool, at_limit: bool },
    /// `copy` was acknowledged: the system will not hand it out again.
    Acked { copy: CopyId },
    /// A request reached its handler: `message` exists, and the handler holds it (it will
    /// process it itself, or publish it).
    Arrived { message: MessageId },
    /// The caller of request `message` has its answer (a request handler answered it).
    Answered { message: MessageId },
    /// `message` exists outside the system (an order a database committed), and its
    /// producer went down without publishing it: nothing will ever publish it.
    Unpublished { message: MessageId },
}

/// What the core needs of a system's events.
pub trait TraceEvent: Copy + Serialize {
    /// The neutral fact this event is, if it bears on verdicts. Called for every event:
    /// most say `None` in one match.
    fn fact(&self) -> Option<Fact>;
    /// The event that says a run stopped at `limit`.
    fn limit_reached(limit: Limit) -> Self;
    /// The actor (program) this event belongs to, if any.
    fn actor(&self) -> Option<ActorId>;
    /// The 1-based line of the actor's code whose operation caused it, if its code did.
    fn line(&self) -> Option<u16>;
}

/// An event with the simulated time it happened at. Serialized flat:
/// `{"at_ms":..,"event":..,..}`, with `"micros"` after `at_ms` when it is not 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEntry<E> {
    /// Simulated time in whole milliseconds; fits in 32 bits because `limits.time_ms_max` does.
    pub at_ms: u32,
    /// The microseconds past `at_ms` (0 to 999): the costs of work and of the network (a run
    /// without them is in whole milliseconds, and its entries are written as before).
    #[serde(skip_serializing_if = "is_zero")]
    pub micros: u16,
    #[serde(flatten)]
    pub event: E,
}

fn is_zero(micros: &u16) -> bool {
    *micros == 0
}

impl<E> TraceEntry<E> {
    /// When it happened, in microseconds.
    pub fn at_us(&self) -> u64 {
        u64::from(self.at_ms) * 1000 + u64::from(self.micros)
    }
}

/// FNV-1a 64 over bytes written to it.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The stable hash of a trace prefix, as 16 lowercase hex digits.
pub fn trace_hash<E: Serialize>(entries: &[TraceEntry<E>]) -> String {
    let mut fnv = Fnv(0xcbf2_9ce4_8422_2325);
    for entry in entries {
        // Not `expect`: it would bring serde_json's error texts into the page's first module.
        if serde_json::to_writer(&mut fnv, entry).is_err() {
            panic!("a trace entry always serializes");
        }
        // Not `expect` either (an `io::Error`'s Debug text would come along): it cannot fail.
        let _ = std::io::Write::write_all(&mut fnv, b"\n");
    }
    format!("{:016x}", fnv.0)
}
