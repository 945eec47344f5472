//! The network between actors and broker nodes: latency with optional jitter, partitions,
//! and one-shot faults (lose or duplicate the next frame on a directed link).
//!
//! Invariants: frames on one connection arrive in the order they were sent (TCP), so an
//! arrival time is never earlier than the previous arrival in the same direction; a
//! partition is symmetric and stored with the smaller endpoint first.

use super::ids::ConnectionId;
use super::rng::Rng;
use super::trace::Endpoint;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct Network {
    pub latency_ms: u64,
    pub jitter_ms: u64,
    pub reset_after_drop_ms: u64,
    partitions: BTreeSet<(Endpoint, Endpoint)>,
    drop_next: BTreeSet<(Endpoint, Endpoint)>,
    duplicate_next: BTreeSet<Endpoint>,
    /// Per connection: last arrival time towards the broker and towards the client.
    last_arrival_ms: Vec<[u64; 2]>,
}

fn ordered(a: Endpoint, b: Endpoint) -> (Endpoint, Endpoint) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Network {
    pub fn new(latency_ms: u64, jitter_ms: u64, reset_after_drop_ms: u64) -> Network {
        Network {
            latency_ms,
            jitter_ms,
            reset_after_drop_ms,
            partitions: BTreeSet::new(),
            drop_next: BTreeSet::new(),
            duplicate_next: BTreeSet::new(),
            last_arrival_ms: Vec::new(),
        }
    }

    /// Register a new connection (ids are dense).
    pub fn open(&mut self, connection: ConnectionId) {
        debug_assert_eq!(connection.index(), self.last_arrival_ms.len());
        self.last_arrival_ms.push([0, 0]);
    }

    /// When a frame sent now on `connection` arrives (`to_broker` picks the direction).
    pub fn arrival_ms(&mut self, now_ms: u64, connection: ConnectionId, to_broker: bool, rng: &mut Rng) -> u64 {
        let jitter = if self.jitter_ms > 0 { rng.up_to(self.jitter_ms) } else { 0 };
        let slot = &mut self.last_arrival_ms[connection.index()][usize::from(!to_broker)];
        let at = now_ms.saturating_add(self.latency_ms).saturating_add(jitter).max(*slot);
        *slot = at;
        at
    }

    /// Round trip of a synchronous call (connect, declare, ...).
    pub fn round_trip_ms(&self) -> u64 {
        2 * self.latency_ms
    }

    pub fn partition(&mut self, a: Endpoint, b: Endpoint) {
        self.partitions.insert(ordered(a, b));
    }

    pub fn heal(&mut self, a: Endpoint, b: Endpoint) {
        self.partitions.remove(&ordered(a, b));
    }

    pub fn is_partitioned(&self, a: Endpoint, b: Endpoint) -> bool {
        !self.partitions.is_empty() && self.partitions.contains(&ordered(a, b))
    }

    pub fn drop_next(&mut self, from: Endpoint, to: Endpoint) {
        self.drop_next.insert((from, to));
    }

    /// Consume a pending "lose the next frame" fault for this link, if any.
    pub fn take_drop(&mut self, from: Endpoint, to: Endpoint) -> bool {
        !self.drop_next.is_empty() && self.drop_next.remove(&(from, to))
    }

    pub fn duplicate_next(&mut self, from: Endpoint) {
        self.duplicate_next.insert(from);
    }

    pub fn take_duplicate(&mut self, from: Endpoint) -> bool {
        !self.duplicate_next.is_empty() && self.duplicate_next.remove(&from)
    }
}
