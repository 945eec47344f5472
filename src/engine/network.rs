//! The network between actors and broker nodes: latency with optional jitter, partitions,
//! and one-shot faults (lose or duplicate the next frame on a directed link).
//!
//! Invariants: frames on one connection arrive in the order they were sent (TCP), so an
//! arrival time is never earlier than the previous arrival in the same direction; a
//! partition is symmetric and stored with the smaller endpoint first.
//!
//! A partition does not reset a connection: TCP retransmits, so frames across a cut are
//! held (the world keeps them) and go through on the heal, unless an end gave up first.
//! Each end gives up when its AMQP heartbeat check finds the peer silent; when that
//! happens is computed here from the connection's timers (see `client_gives_up_at_ms` and
//! `broker_gives_up_at_ms`), so no periodic timer runs outside a partition.

use super::ids::ConnectionId;
use super::rng::Rng;
use super::trace::Endpoint;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct Network {
    pub latency_ms: u64,
    /// The one-way time of a frame in microseconds: the link's latency and the network
    /// stacks' cost (`Costs::network_us`).
    pub latency_us: u64,
    pub jitter_ms: u64,
    pub reset_after_drop_ms: u64,
    partitions: BTreeSet<(Endpoint, Endpoint)>,
    drop_next: BTreeSet<(Endpoint, Endpoint)>,
    duplicate_next: BTreeSet<Endpoint>,
    /// Per connection: last arrival time (µs) towards the broker and towards the client.
    last_arrival_us: Vec<[u64; 2]>,
    /// Per connection: its heartbeat timers' origin and what each end last received.
    links: Vec<Link>,
}

/// What the heartbeat arithmetic needs to know about one connection.
#[derive(Clone, Copy, Debug)]
struct Link {
    /// When the connection was opened (both ends start their heartbeat timers here: the
    /// broker on `connection.tune-ok`, pika on `connection.tune`, one round trip apart).
    opened_ms: u64,
    /// The last time a frame reached the broker end and the client end.
    received_ms: [u64; 2],
    /// Bumped by every cut and heal across the connection: a give-up computed for an
    /// earlier cut is stale.
    cut_epoch: u32,
    /// When the broker end and the client end give up, while the connection is cut.
    give_up_ms: [Option<u64>; 2],
}

#[inline]
fn ordered(a: Endpoint, b: Endpoint) -> (Endpoint, Endpoint) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Network {
    /// A network whose frames take `latency_ms` and `stack_us` more one way.
    pub fn new(latency_ms: u64, stack_us: u64, jitter_ms: u64, reset_after_drop_ms: u64) -> Network {
        Network {
            latency_ms,
            latency_us: latency_ms.saturating_mul(1000).saturating_add(stack_us),
            jitter_ms,
            reset_after_drop_ms,
            partitions: BTreeSet::new(),
            drop_next: BTreeSet::new(),
            duplicate_next: BTreeSet::new(),
            last_arrival_us: Vec::new(),
            links: Vec::new(),
        }
    }

    /// Register a new connection (ids are dense), opened at `now_ms`.
    pub fn open(&mut self, connection: ConnectionId, now_ms: u64) {
        debug_assert_eq!(connection.index(), self.last_arrival_us.len());
        self.last_arrival_us.push([0, 0]);
        self.links.push(Link { opened_ms: now_ms, received_ms: [now_ms, now_ms], cut_epoch: 0, give_up_ms: [None, None] });
    }

    /// A frame reached one end of `connection` now (any frame counts as a heartbeat).
    pub fn received(&mut self, connection: ConnectionId, at_broker: bool, now_ms: u64) {
        let slot = &mut self.links[connection.index()].received_ms[usize::from(!at_broker)];
        *slot = (*slot).max(now_ms);
    }

    /// A cut or heal across `connection`: earlier give-ups are stale. Returns the new epoch.
    pub fn bump_cut_epoch(&mut self, connection: ConnectionId) -> u32 {
        let link = &mut self.links[connection.index()];
        link.cut_epoch = link.cut_epoch.wrapping_add(1);
        link.cut_epoch
    }

    pub fn cut_epoch(&self, connection: ConnectionId) -> u32 {
        self.links[connection.index()].cut_epoch
    }

    /// Remember (or forget, with `None`) when an end of a cut connection gives up.
    pub fn set_give_up(&mut self, connection: ConnectionId, broker: bool, at_ms: Option<u64>) {
        self.links[connection.index()].give_up_ms[usize::from(!broker)] = at_ms;
    }

    /// When the broker end (`broker`) or the client end gives up, if it is due to.
    pub fn give_up_ms(&self, connection: ConnectionId, broker: bool) -> Option<u64> {
        self.links[connection.index()].give_up_ms[usize::from(!broker)]
    }

    /// pika's end of a connection cut at `cut_ms` gives up at the returned time.
    ///
    /// pika 1.3 `pika/heartbeat.py`, `HeartbeatChecker`: `_check_interval = timeout + 5`
    /// seconds from `connection.tune` on; `_check_heartbeat` closes the connection with
    /// `AMQPHeartbeatTimeout` when no byte arrived since the previous check. What pika last
    /// received before the cut is the later of the last frame and the broker's last
    /// heartbeat: `rabbit_heartbeat:start_heartbeat_sender` ticks every `timeout div 2` and
    /// sends a heartbeat frame when nothing was sent since the previous tick (and always at
    /// the first tick). Simplifications: a frame counts when it arrives (pika counts it when
    /// its I/O loop reads it, at most one callback later), and timers run on schedule
    /// (pika's run late while a callback blocks the loop).
    pub fn client_gives_up_at_ms(&self, connection: ConnectionId, cut_ms: u64, heartbeat_ms: u64) -> u64 {
        let link = &self.links[connection.index()];
        let t0 = link.opened_ms;
        // The replies to the program's opening calls (`channel.open-ok`, `queue.declare-ok`,
        // ...) arrive after pika started its checker on `connection.tune`: its first check
        // always sees data.
        let frame = link.received_ms[1].min(cut_ms).max(t0 + 1);
        // The broker's heartbeat ticks: s_j = t0 + j * half, the last one at or before the cut.
        let half = (heartbeat_ms / 2).max(1);
        let j = (cut_ms - t0) / half;
        let last = if j == 0 {
            frame
        } else {
            let tick = t0 + j * half;
            let previous = tick - half;
            // A heartbeat went out at the last tick if nothing went out since the previous
            // one (the first tick always sends one).
            if j == 1 || frame <= previous { frame.max(tick) } else { frame }
        };
        // Checks at c_k = t0 + k * interval; the one that closes is the first whose window
        // (c_{k-1}, c_k] received nothing, and it comes after the cut.
        let interval = heartbeat_ms + 5_000;
        let k_quiet = (last - t0).div_ceil(interval) + 1;
        let k_after = (cut_ms - t0) / interval + 1;
        t0 + k_quiet.max(k_after) * interval
    }

    /// The broker's end of a connection cut at `cut_ms` gives up at the returned time.
    ///
    /// RabbitMQ 3.10 `rabbit_heartbeat:start_heartbeat_receiver`: it checks the socket's
    /// `recv_oct` every `timeout` (60 s by default, `heartbeat` in `rabbit.app`) from
    /// `connection.tune_ok` on and times out after two checks in a row with nothing
    /// received ("between 2 and 3 intervals after the last data"); the first check always
    /// sees the handshake's bytes. `rabbit_reader:handle_other(heartbeat_timeout, ...)` then
    /// closes the connection ("missed heartbeats from client, timeout: 60s"). pika sends a
    /// heartbeat frame every `timeout / 2` (`HeartbeatChecker._send_interval`), so the
    /// broker last heard the client at the later of its last frame and that heartbeat.
    pub fn broker_gives_up_at_ms(&self, connection: ConnectionId, cut_ms: u64, heartbeat_ms: u64) -> u64 {
        let link = &self.links[connection.index()];
        let t0 = link.opened_ms;
        let frame = link.received_ms[0].min(cut_ms);
        let half = (heartbeat_ms / 2).max(1);
        let heartbeat = t0 + (cut_ms - t0) / half * half;
        // The window of checks (r_{k-1}, r_k], r_k = t0 + k * timeout, that last heard from
        // the client. Every other pika heartbeat falls due exactly on a broker check; it
        // counts as after that check: pika re-arms its timer only after sending
        // (`_send_heartbeat` then `_start_send_timer`), so it runs late, and so it did on
        // RabbitMQ 3.10.8 with pika 1.3.2 (tests/partition.rs, observed_*).
        let k_last = if heartbeat > t0 && heartbeat >= frame && (heartbeat - t0).is_multiple_of(heartbeat_ms) {
            (heartbeat - t0) / heartbeat_ms + 1
        } else {
            (frame.max(heartbeat) - t0).div_ceil(heartbeat_ms)
        };
        // The check that closes is r_k with nothing received in (r_{k-2}, r_k], k >= 3 (the
        // first check always sees the handshake), after the cut.
        let k_quiet = (k_last + 2).max(3);
        let k_after = (cut_ms - t0) / heartbeat_ms + 1;
        t0 + k_quiet.max(k_after) * heartbeat_ms
    }

    /// When a frame sent at `now_us` on `connection` arrives, in µs (`to_broker` picks the
    /// direction).
    pub fn arrival_us(&mut self, now_us: u64, connection: ConnectionId, to_broker: bool, rng: &mut Rng) -> u64 {
        let jitter_ms = if self.jitter_ms > 0 { rng.up_to(self.jitter_ms) } else { 0 };
        let slot = &mut self.last_arrival_us[connection.index()][usize::from(!to_broker)];
        let at = now_us.saturating_add(self.latency_us).saturating_add(jitter_ms.saturating_mul(1000)).max(*slot);
        *slot = at;
        at
    }

    /// `arrival_us` for a system whose time is whole milliseconds (no network stack cost).
    pub fn arrival_ms(&mut self, now_ms: u64, connection: ConnectionId, to_broker: bool, rng: &mut Rng) -> u64 {
        self.arrival_us(now_ms.saturating_mul(1000), connection, to_broker, rng) / 1000
    }

    /// Round trip of a synchronous call (connect, declare, ...), in whole milliseconds.
    pub fn round_trip_ms(&self) -> u64 {
        2 * self.latency_ms
    }

    /// Round trip of a synchronous call, in µs (with the network stacks' cost).
    pub fn round_trip_us(&self) -> u64 {
        2 * self.latency_us
    }

    pub fn partition(&mut self, a: Endpoint, b: Endpoint) {
        self.partitions.insert(ordered(a, b));
    }

    pub fn heal(&mut self, a: Endpoint, b: Endpoint) {
        self.partitions.remove(&ordered(a, b));
    }

    #[inline(always)]
    pub fn is_partitioned(&self, a: Endpoint, b: Endpoint) -> bool {
        !self.partitions.is_empty() && self.cut_between(a, b)
    }

    /// `is_partitioned` when some link is cut.
    #[inline(never)]
    fn cut_between(&self, a: Endpoint, b: Endpoint) -> bool {
        self.partitions.contains(&ordered(a, b))
    }

    pub fn drop_next(&mut self, from: Endpoint, to: Endpoint) {
        self.drop_next.insert((from, to));
    }

    /// Consume a pending "lose the next frame" fault for this link, if any.
    #[inline]
    pub fn take_drop(&mut self, from: Endpoint, to: Endpoint) -> bool {
        !self.drop_next.is_empty() && self.drop_next.remove(&(from, to))
    }

    pub fn duplicate_next(&mut self, from: Endpoint) {
        self.duplicate_next.insert(from);
    }

    #[inline]
    pub fn take_duplicate(&mut self, from: Endpoint) -> bool {
        !self.duplicate_next.is_empty() && self.duplicate_next.remove(&from)
    }
}
