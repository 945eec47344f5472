//! The RabbitMQ model (AMQP 0-9-1 semantics as observed on RabbitMQ 3.10): exchanges and
//! routing, classic and quorum queues, prefetch, auto and manual acks, nack/reject with or
//! without requeue, requeue to the original position, dead-lettering, TTL, max-length,
//! delivery limits, publisher confirms, and what survives a node stop or crash (a crash
//! also loses the persistent messages a busy classic queue had not written to disk yet, and
//! forgets the acks it had not written, so those messages come back: `SYNC_IDLE_MS`); queues and
//! exchanges that exist only once declared, and the channel errors (404, 406) RabbitMQ
//! answers declares, consumes and publishes with; `basic.get`; the consumer timeout checked
//! at channel ticks; dead letters that keep their routing key unless the queue replaces it.
//!
//! TTL, as observed on RabbitMQ 3.10.8 (classic and quorum queues alike): a message's
//! deadline is fixed when it enters a queue (the lower of the queue's `x-message-ttl` and its
//! own `expiration`) and kept through requeues and restarts; only the head of a queue
//! expires (`drop_expired`), so a long-lived head shields shorter-lived messages behind it;
//! a message whose TTL passed while it was unacked is dropped or dead-lettered as soon as it
//! is requeued to the head, never redelivered; a TTL of 0 reaches a consumer only if one is
//! waiting when it arrives.
//!
//! Invariants: a copy is in `Queue::ready` iff the ledger says `Ready { queue }`, and in a
//! channel's `unacked` iff the ledger says `AtConsumer { connection, acked: false }`; a
//! channel with unacked deliveries has a consumer-timeout check pending (with the timeout on); `ready`
//! is sorted by position; delivery tags on a channel only grow; a running drop-head queue
//! never holds more ready messages than its `x-max-length` once a call returns (a publish or
//! a requeue enters, then the head is dropped, as RabbitMQ's `maybe_drop_head` does; a
//! reject-publish queue refuses new publishes only, so requeues may take it past the limit).
//!
//! Dead-lettering is a worklist, never a recursion: a dead letter waits in
//! `pending_dead_letters` and is routed by `route_dead_letters`, at most
//! `DEAD_LETTERS_PER_CALL` per broker call; the rest is routed by later calls (the world
//! schedules them as jobs, so `limits.steps_max` bounds the work). A message that would come
//! back to a queue it already died in, with no rejection on the way, is dropped: RabbitMQ's
//! cycle detection (`rabbit_dead_letter:detect_cycles`).

use super::{Broker, Ctx, OutDelivery, RouteId};
use crate::engine::ids::*;
use crate::engine::ledger::Place;
use crate::engine::network::Network;
use crate::systems::rabbitmq::trace::{ClientError, DeathReason, DiscardReason, Endpoint, Event};
use crate::scenario::{DeclareAs, Overflow, QueueSpec, QueueType};
use std::collections::{BTreeMap, VecDeque};

/// A classic queue writes (syncs) its persistent messages to disk once it has had no message
/// for this long (RabbitMQ 3.10's `rabbit_amqqueue_process`: with something to sync and no
/// confirm waiting, the queue's idle timeout is 200 ms, and every message it receives starts
/// it again; a publisher waiting for confirms makes it sync at once). A crash (kill -9)
/// before then loses them: observed, 5 persistent messages 0.1 s apart, the node killed 50
/// ms after the last, none came back; 100 ms or more after, all 5 did.
pub const SYNC_IDLE_MS: u64 = 200;

/// How many dead letters one broker call routes at most; the rest wait for the next call.
pub const DEAD_LETTERS_PER_CALL: usize = 256;

/// One entry of a message's `x-death` header: it died in `queue` for `reason`.
pub type Death = (QueueId, DeathReason);

#[derive(Clone, Debug)]
pub struct Queue {
    pub spec: QueueSpec,
    pub exists: bool,
    pub home: NodeId,
    pub ready: VecDeque<CopyId>,
    /// Channels consuming from this queue, in subscription order (round-robin).
    pub consumers: Vec<ConnectionId>,
    next_consumer: usize,
    /// Where dead letters go, if the queue has a dead-letter exchange.
    /// The route of its dead letters by the copy's key source (None: no dead-letter exchange).
    pub dead_letter_routes: Option<Vec<Option<RouteId>>>,
    /// When the queue last received something (a message, an ack): it syncs to disk
    /// `SYNC_IDLE_MS` after that.
    last_touch_ms: Option<u64>,
    /// The position of the last copy it took in, and of the last one it has on disk.
    last_position: u64,
    synced_position: u64,
    /// Persistent copies acknowledged (by `basic_ack`, or by an auto-ack delivery) since the
    /// queue last synced: a crash now forgets those acks, and the messages come back.
    unsynced_acks: Vec<CopyId>,
}

impl Queue {
    /// The queue writes its index to disk: what it took in and the acks it had are safe.
    fn sync(&mut self) {
        self.synced_position = self.last_position;
        self.unsynced_acks.clear();
    }
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub actor: ActorId,
    pub node: NodeId,
    pub open: bool,
    pub prefetch_count: u16,
    pub consuming: Option<QueueId>,
    pub auto_ack: bool,
    pub confirms: bool,
    /// (delivery tag, copy), tags increasing.
    pub unacked: VecDeque<(u32, CopyId)>,
    next_tag: u32,
    /// When it opened: its ticks (the consumer-timeout checks) come every
    /// `channel_tick_ms` from then.
    opened_ms: u64,
    /// A consumer-timeout check is on the agenda (whenever `unacked` is not empty).
    timeout_check: bool,
}

#[derive(Clone, Debug)]
pub struct RabbitBroker {
    pub nodes_up: Vec<bool>,
    /// Each node's last going down was a crash (kill -9), not a graceful stop: its classic
    /// queues flag what they recover `redelivered` when it starts again.
    crashed: Vec<bool>,
    pub queues: Vec<Queue>,
    /// Indexed by connection id; every connection ever opened.
    pub channels: Vec<Channel>,
    routes: Vec<Vec<QueueId>>,
    /// The exchange of each route (None: the default exchange, which always exists).
    route_exchanges: Vec<Option<u16>>,
    /// Whether each exchange of the scenario exists now.
    exchanges: Vec<bool>,
    /// `consumer_timeout` (0: off) and `channel_tick_interval`.
    consumer_timeout_ms: u64,
    channel_tick_ms: u64,
    next_position: u64,
    /// Dead letters not yet routed: (copy, the queue it died in, why), oldest first.
    pending_dead_letters: VecDeque<(CopyId, QueueId, DeathReason)>,
    /// True while `route_dead_letters` runs: dead letters found meanwhile only queue up.
    routing_dead_letters: bool,
    /// The `x-death` history of every copy that was dead-lettered: one entry per
    /// (queue, reason), the most recent first (RabbitMQ moves a repeated entry to the front).
    x_death: BTreeMap<CopyId, Vec<Death>>,
}

impl RabbitBroker {
    /// `routes[r]` lists the queues route `r` lands in; `dead_letter_routes[q]` is queue q's.
    /// `exchanges`: whether each exchange exists at the start; `route_exchanges[r]`: route r's.
    pub fn new(
        nodes: u8,
        queues: &[QueueSpec],
        exchanges: Vec<bool>,
        routes: Vec<Vec<QueueId>>,
        route_exchanges: Vec<Option<u16>>,
        dead_letter_routes: Vec<Option<Vec<Option<RouteId>>>>,
    ) -> RabbitBroker {
        RabbitBroker {
            nodes_up: vec![true; usize::from(nodes)],
            crashed: vec![false; usize::from(nodes)],
            queues: queues
                .iter()
                .zip(dead_letter_routes)
                .map(|(spec, dead_letter_routes)| Queue {
                    spec: spec.clone(),
                    exists: spec.exists_at_start,
                    home: NodeId(spec.node),
                    ready: VecDeque::new(),
                    consumers: Vec::new(),
                    next_consumer: 0,
                    dead_letter_routes,
                    last_touch_ms: None,
                    last_position: 0,
                    synced_position: 0,
                    unsynced_acks: Vec::new(),
                })
                .collect(),
            channels: Vec::new(),
            routes,
            route_exchanges,
            exchanges,
            consumer_timeout_ms: 0,
            channel_tick_ms: 1,
            next_position: 0,
            pending_dead_letters: VecDeque::new(),
            routing_dead_letters: false,
            x_death: BTreeMap::new(),
        }
    }

    /// With RabbitMQ's `consumer_timeout` and `channel_tick_interval` (0: no timeout).
    pub fn with_consumer_timeout(mut self, timeout_ms: u64, tick_ms: u64) -> RabbitBroker {
        self.consumer_timeout_ms = timeout_ms;
        self.channel_tick_ms = tick_ms.max(1);
        self
    }

    /// The tick at which a delivery made at `delivered_ms` on `connection`'s channel has
    /// timed out: `rabbit_channel:evaluate_consumer_timeout` runs at each tick (every
    /// `channel_tick_interval` from the channel's start) and closes the channel when its
    /// oldest unacked delivery is older than the timeout (`Time < Now - Timeout`). Not
    /// modelled: a channel idle for a second with nothing unacked hibernates and cancels its
    /// tick timer, and restarts it when it wakes, which moves the ticks' phase (at most one
    /// tick later).
    fn timeout_tick_ms(&self, connection: ConnectionId, delivered_ms: u64) -> u64 {
        let opened = self.channels[connection.index()].opened_ms;
        let after = delivered_ms.saturating_add(self.consumer_timeout_ms).max(opened);
        let tick = self.channel_tick_ms;
        opened.saturating_add(((after - opened) / tick + 1).saturating_mul(tick))
    }

    /// The route of `queue`'s dead letters for a copy whose key comes from `key_source`.
    fn dead_letter_route(&self, queue: QueueId, key_source: u16) -> Option<RouteId> {
        self.queues[queue.index()].dead_letter_routes.as_ref().and_then(|routes| routes.get(usize::from(key_source)).copied().flatten())
    }

    /// The key source of the `x-dead-letter-routing-key` of `queue` (a queue with a
    /// dead-letter exchange): the sources are the actors, then the queues.
    fn key_source_of_queue(&self, queue: QueueId) -> u16 {
        let sources = self.queues[queue.index()].dead_letter_routes.as_ref().map_or(0, Vec::len);
        (sources - self.queues.len() + queue.index()) as u16
    }

    /// Whether the exchange of `route` exists now.
    pub fn exchange_exists(&self, route: RouteId) -> bool {
        self.route_exchanges[route.0 as usize].is_none_or(|e| self.exchanges[usize::from(e)])
    }

    /// Can a client connected to `node` use `queue` right now?
    pub fn available_from(&self, network: &Network, queue: QueueId, node: NodeId) -> bool {
        let q = &self.queues[queue.index()];
        if !q.exists || !self.nodes_up[node.index()] {
            return false;
        }
        let reach = |other: usize| {
            self.nodes_up[other]
                && (other == node.index() || !network.is_partitioned(Endpoint::Node(node), Endpoint::Node(NodeId(other as u8))))
        };
        if q.spec.queue_type == QueueType::Quorum {
            let members = self.nodes_up.len();
            let reachable = (0..members).filter(|&m| reach(m)).count();
            reachable * 2 > members
        } else {
            reach(q.home.index())
        }
    }

    /// Is the queue's data alive (not on a node that is down)?
    pub fn queue_running(&self, queue: QueueId) -> bool {
        let q = &self.queues[queue.index()];
        if !q.exists {
            return false;
        }
        if q.spec.queue_type == QueueType::Quorum {
            let up = self.nodes_up.iter().filter(|u| **u).count();
            up * 2 > self.nodes_up.len()
        } else {
            self.nodes_up[q.home.index()]
        }
    }

    /// Insert a ready copy at its position (requeue) or at the tail (new).
    fn insert_ready(&mut self, cx: &mut Ctx, queue: QueueId, copy: CopyId) {
        cx.ledger.move_to(copy, Place::Ready { queue });
        let position = cx.ledger.copy(copy).position;
        let ready = &mut self.queues[queue.index()].ready;
        match ready.back() {
            Some(&last) if cx.ledger.copy(last).position > position => {
                let at = ready.partition_point(|&c| cx.ledger.copy(c).position < position);
                ready.insert(at, copy);
            }
            _ => ready.push_back(copy),
        }
    }

    /// A new copy enters `queue` at the tail, honouring max-length and TTL. With drop-head
    /// overflow the new copy enters first and then the oldest leave (dead-lettered), so the
    /// queue is never longer than `max_length`, whatever the dead letters do.
    ///
    /// Its deadline is its entry time plus the lower of the queue's `x-message-ttl` and the
    /// message's own `expiration` (RabbitMQ's `calculate_msg_expiry`: `lists:min([TTL,
    /// MsgTTL])`); a dead-lettered copy has lost its `expiration` (`rabbit_dead_letter`
    /// clears it and keeps it as `original-expiration` in `x-death`). The copy is checked at
    /// its deadline (`Job::Expire`), but only a copy at the head of its queue ever expires:
    /// see `drop_expired`.
    fn enqueue(&mut self, cx: &mut Ctx, queue: QueueId, copy: CopyId) {
        self.touch(cx, queue);
        let spec = &self.queues[queue.index()].spec;
        let (max_length, overflow, queue_ttl) = (spec.max_length, spec.overflow, spec.message_ttl_ms);
        let own = if cx.ledger.copy(copy).extra.death.is_none() { cx.ledger.messages[cx.ledger.message_of(copy).index()].expiration_ms } else { None };
        // The lower wins; on a tie the queue's TTL is named.
        let (ttl, own_ttl) = match (queue_ttl, own.map(u64::from)) {
            (Some(q), Some(m)) if m < q => (Some(m), true),
            (None, Some(m)) => (Some(m), true),
            (q, _) => (q, false),
        };
        if let (Some(max), Overflow::RejectPublish) = (max_length, overflow) {
            if self.queues[queue.index()].ready.len() >= max as usize {
                cx.ledger.move_to(copy, Place::Discarded);
                cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::MaxLength });
                return;
            }
        }
        self.next_position += 1;
        let record = cx.ledger.copy_mut(copy);
        record.position = self.next_position;
        record.extra.expires_at_ms = ttl.map(|ttl| cx.now_ms.saturating_add(ttl));
        record.extra.own_ttl = own_ttl;
        self.queues[queue.index()].last_position = self.next_position;
        self.insert_ready(cx, queue, copy);
        cx.out.events.push(Event::MessageEnqueued { copy, queue });
        if let Some(at_ms) = cx.ledger.copy(copy).extra.expires_at_ms {
            cx.out.expiries.push((at_ms, copy));
        }
        self.drop_head_while_over(cx, queue);
    }

    /// A persistent copy of a durable classic queue was acknowledged: the ack is in the queue
    /// index's journal, on disk only at the queue's next sync.
    fn note_ack(&mut self, cx: &Ctx, queue: QueueId, copy: CopyId) {
        let q = &mut self.queues[queue.index()];
        if q.spec.durable && q.spec.queue_type == QueueType::Classic && cx.ledger.copy(copy).persistent {
            q.unsynced_acks.push(copy);
        }
    }

    /// `queue` received something now: if it had been idle for `SYNC_IDLE_MS` since its last
    /// message, it synced then.
    fn touch(&mut self, cx: &Ctx, queue: QueueId) {
        let q = &mut self.queues[queue.index()];
        if q.last_touch_ms.is_some_and(|at| cx.now_ms >= at + SYNC_IDLE_MS) {
            q.sync();
        }
        q.last_touch_ms = Some(cx.now_ms);
    }

    /// RabbitMQ's `maybe_drop_head`, after a publish, a requeue or a recovery: a drop-head
    /// queue over its x-max-length drops (dead-letters) from its head until it fits. A
    /// reject-publish queue only refuses new publishes, so requeues may take it past the limit.
    fn drop_head_while_over(&mut self, cx: &mut Ctx, queue: QueueId) {
        let spec = &self.queues[queue.index()].spec;
        let (Some(max), Overflow::DropHead) = (spec.max_length, spec.overflow) else { return };
        let mut dropped = false;
        while self.queues[queue.index()].ready.len() > max as usize {
            let head = self.queues[queue.index()].ready.pop_front().expect("an over-full queue has a head");
            cx.ledger.move_to(head, Place::ToBroker { connection: ConnectionId(0) });
            self.dead_letter(cx, queue, head, DeathReason::Maxlen);
            dropped = true;
        }
        // A new head: what expired behind the dropped one goes too (`deliver_or_enqueue`).
        if dropped {
            self.drop_expired(cx, queue);
        }
    }

    /// Route a copy; extra queues get extra copies. Returns false if it went nowhere.
    fn route(&mut self, cx: &mut Ctx, route: RouteId, copy: CopyId) -> bool {
        let mut placed = false;
        // By index: routing may dead-letter, which reads the routes again.
        for i in 0..self.routes[route.0 as usize].len() {
            let queue = self.routes[route.0 as usize][i];
            placed |= self.place(cx, queue, copy, placed);
        }
        placed
    }

    /// Place a copy in each of `targets` (extra copies for extra queues).
    fn route_to(&mut self, cx: &mut Ctx, targets: &[QueueId], copy: CopyId) -> bool {
        let mut placed = false;
        for &queue in targets {
            placed |= self.place(cx, queue, copy, placed);
        }
        placed
    }

    /// Enqueue `copy` (or, if it was `placed` elsewhere already, a new copy of it) in `queue`
    /// if the queue is running. True if something was enqueued.
    fn place(&mut self, cx: &mut Ctx, queue: QueueId, copy: CopyId, placed: bool) -> bool {
        if !self.queues[queue.index()].exists || !self.queue_running(queue) {
            return false;
        }
        let this = if placed {
            let record = *cx.ledger.copy(copy);
            let extra = cx.ledger.new_copy(record.message, Place::ToBroker { connection: ConnectionId(0) }, record.persistent);
            cx.ledger.copy_mut(extra).extra.death = record.extra.death;
            cx.ledger.copy_mut(extra).extra.key_source = record.extra.key_source;
            if let Some(history) = self.x_death.get(&copy).cloned() {
                self.x_death.insert(extra, history);
            }
            cx.out.events.push(Event::MessageCopied { copy: extra, from: copy, queue });
            extra
        } else {
            copy
        };
        self.enqueue(cx, queue, this);
        self.dispatch(cx, queue);
        true
    }

    /// A copy left `queue` for `reason` (it is parked in flight, in no place of this queue):
    /// dead-letter it, or drop it if the queue has no dead-letter exchange. Routed at once
    /// unless a routing of dead letters is already under way, which picks it up in order.
    fn dead_letter(&mut self, cx: &mut Ctx, queue: QueueId, copy: CopyId, reason: DeathReason) {
        let Some(route) = self.dead_letter_route(queue, cx.ledger.copy(copy).extra.key_source) else {
            self.discard_dead(cx, copy, reason);
            return;
        };
        // A dead-letter exchange that does not exist (yet): RabbitMQ drops the message.
        if !self.exchange_exists(route) {
            self.x_death.remove(&copy);
            cx.ledger.move_to(copy, Place::Discarded);
            cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::DeadLetterExchangeMissing });
            return;
        }
        self.pending_dead_letters.push_back((copy, queue, reason));
        if !self.routing_dead_letters {
            self.route_dead_letters(cx);
        }
    }

    fn discard_dead(&mut self, cx: &mut Ctx, copy: CopyId, reason: DeathReason) {
        let reason = match reason {
            DeathReason::Rejected => DiscardReason::Rejected,
            DeathReason::Expired if cx.ledger.copy(copy).extra.own_ttl => DiscardReason::MessageExpired,
            DeathReason::Expired => DiscardReason::Expired,
            DeathReason::Maxlen => DiscardReason::MaxLength,
            DeathReason::DeliveryLimit => DiscardReason::DeliveryLimit,
        };
        self.x_death.remove(&copy);
        cx.ledger.move_to(copy, Place::Discarded);
        cx.out.events.push(Event::MessageDiscarded { copy, reason });
    }

    /// Route waiting dead letters, oldest first, at most `DEAD_LETTERS_PER_CALL` of them;
    /// if some are left, the outbox asks the world for another call.
    fn route_dead_letters(&mut self, cx: &mut Ctx) {
        self.routing_dead_letters = true;
        let mut routed = 0;
        while routed < DEAD_LETTERS_PER_CALL {
            let Some((copy, from, reason)) = self.pending_dead_letters.pop_front() else { break };
            routed += 1;
            self.route_dead_letter(cx, copy, from, reason);
        }
        self.routing_dead_letters = false;
        cx.out.dead_letters_pending = !self.pending_dead_letters.is_empty();
    }

    /// One dead letter: record the death in its `x-death`, drop the queues it would cycle
    /// back into, and route it to the rest.
    fn route_dead_letter(&mut self, cx: &mut Ctx, copy: CopyId, from: QueueId, reason: DeathReason) {
        let history = self.x_death.entry(copy).or_default();
        history.retain(|&death| death != (from, reason));
        history.insert(0, (from, reason));
        let route = self.dead_letter_route(from, cx.ledger.copy(copy).extra.key_source).expect("only queues with a dead-letter exchange queue dead letters");
        // From now on it carries the queue's dead-letter routing key, if it gives one.
        if self.queues[from.index()].spec.dead_letter_routing_key.is_some() {
            cx.ledger.copy_mut(copy).extra.key_source = self.key_source_of_queue(from);
        }
        let mut targets: Vec<QueueId> = self.routes[route.0 as usize]
            .iter()
            .copied()
            .filter(|&t| self.queues[t.index()].exists && self.queue_running(t))
            .collect();
        let all = targets.len();
        if reason != DeathReason::Rejected {
            let history = &self.x_death[&copy];
            targets.retain(|&t| !is_cycle(t, history));
        }
        let Some(&to) = targets.first() else {
            if all > 0 {
                // Every target is a cycle with no rejection in it: RabbitMQ drops the message.
                self.x_death.remove(&copy);
                cx.ledger.move_to(copy, Place::Discarded);
                cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::DeadLetterCycle });
            } else {
                self.discard_dead(cx, copy, reason);
            }
            return;
        };
        let record = cx.ledger.copy_mut(copy);
        // Read before the copy enters its next queue, which sets its own deadline anew.
        let own_ttl = reason == DeathReason::Expired && record.extra.own_ttl;
        record.extra.death.get_or_insert(reason);
        record.redelivered = false;
        record.delivery_count = 0;
        cx.out.events.push(Event::MessageDeadLettered { copy, from, to, reason, own_ttl });
        self.route_to(cx, &targets, copy);
    }

    /// Push ready messages to consumers with room, round-robin.
    fn dispatch(&mut self, cx: &mut Ctx, queue: QueueId) {
        loop {
            let q = &self.queues[queue.index()];
            if q.ready.is_empty() || q.consumers.is_empty() {
                return;
            }
            // Find the next consumer with room (and on a node that can reach the queue).
            let count = q.consumers.len();
            let mut chosen = None;
            for k in 0..count {
                // (next_consumer + k) mod count, without a division.
                let index = if q.next_consumer + k >= count { q.next_consumer + k - count } else { q.next_consumer + k };
                let connection = q.consumers[index];
                let channel = &self.channels[connection.index()];
                let room = channel.auto_ack || channel.prefetch_count == 0 || channel.unacked.len() < usize::from(channel.prefetch_count);
                if room && self.available_from(cx.network, queue, channel.node) {
                    chosen = Some((index, connection));
                    break;
                }
            }
            let Some((index, connection)) = chosen else { return };
            let q = &mut self.queues[queue.index()];
            q.next_consumer = if index + 1 == count { 0 } else { index + 1 };
            let copy = q.ready.pop_front().expect("checked non-empty");
            let auto_ack = self.channels[connection.index()].auto_ack;
            self.hand_over(cx, connection, queue, copy, auto_ack);
            // RabbitMQ's `fetch`: after taking the head, drop what expired behind it.
            self.drop_expired(cx, queue);
        }
    }

    /// Deliver `copy`, just taken from `queue`'s ready list, over `connection` (unacked on
    /// its channel unless `auto_ack`).
    fn hand_over(&mut self, cx: &mut Ctx, connection: ConnectionId, queue: QueueId, copy: CopyId, auto_ack: bool) {
        let channel = &mut self.channels[connection.index()];
        channel.next_tag += 1;
        let tag = channel.next_tag;
        if !auto_ack {
            channel.unacked.push_back((tag, copy));
        }
        let actor = channel.actor;
        let check = !auto_ack && self.consumer_timeout_ms > 0 && !channel.timeout_check;
        if check {
            channel.timeout_check = true;
            let at = self.timeout_tick_ms(connection, cx.now_ms);
            cx.out.timeout_checks.push((at, connection));
        }
        if auto_ack {
            // With auto_ack the delivery is the ack (the journal gets both at once).
            self.note_ack(cx, queue, copy);
        }
        let record = cx.ledger.copy_mut(copy);
        record.delivered_at_ms = u32::try_from(cx.now_ms).expect("validated: time_ms_max fits in 32 bits");
        record.delivery_count = record.delivery_count.saturating_add(1);
        let redelivered = record.redelivered;
        cx.ledger.move_to(copy, Place::AtConsumer { connection, queue, acked: auto_ack });
        cx.out.events.push(Event::MessageDelivered { copy, actor, tag, redelivered, auto_ack });
        cx.out.deliveries.push(OutDelivery { connection, copy, tag, redelivered, auto_ack });
    }

    /// RabbitMQ's `drop_expired_msgs` (classic queues; `rabbit_fifo:expire_msgs` does the
    /// same for quorum queues in 3.10): while the head of the queue is past its deadline,
    /// dead-letter it with reason `expired` (or drop it without a dead-letter exchange).
    /// Only the head is looked at, so a message behind a longer-lived one outlives its own
    /// TTL until it reaches the head: it is then dropped, never delivered. RabbitMQ runs it
    /// at the head's deadline (a timer, to the millisecond: `Job::Expire` here), after each
    /// fetch (a delivery), after a requeue, after a drop-head and when a queue recovers; so
    /// no copy is delivered after its deadline (one whose deadline is now, a TTL of 0, still
    /// reaches a consumer that is waiting for it). A running queue only.
    fn drop_expired(&mut self, cx: &mut Ctx, queue: QueueId) {
        if !self.queue_running(queue) {
            return;
        }
        while let Some(&head) = self.queues[queue.index()].ready.front() {
            if cx.ledger.copy(head).extra.expires_at_ms.is_none_or(|at| at > cx.now_ms) {
                return;
            }
            self.queues[queue.index()].ready.pop_front();
            cx.ledger.move_to(head, Place::ToBroker { connection: ConnectionId(0) });
            self.dead_letter(cx, queue, head, DeathReason::Expired);
        }
    }

    /// A delivered copy comes back (nack/reject with requeue, channel closed). It keeps its
    /// deadline (RabbitMQ keeps the original expiry of a requeued message); the caller runs
    /// `drop_expired` once the requeues are done, as `requeue_and_run` does, so a message
    /// whose TTL passed while it was unacked is dropped (or dead-lettered) at once if it is
    /// back at the head, and is never redelivered.
    fn requeue(&mut self, cx: &mut Ctx, queue: QueueId, copy: CopyId) {
        let limit = self.queues[queue.index()].spec.delivery_limit;
        let record = cx.ledger.copy_mut(copy);
        record.redelivered = true;
        if let Some(limit) = limit {
            if record.delivery_count > limit {
                cx.ledger.move_to(copy, Place::ToBroker { connection: ConnectionId(0) });
                self.dead_letter(cx, queue, copy, DeathReason::DeliveryLimit);
                return;
            }
        }
        if self.queue_running(queue) {
            self.insert_ready(cx, queue, copy);
            cx.out.events.push(Event::MessageRequeued { copy, queue });
            self.drop_head_while_over(cx, queue);
        } else {
            // The queue is down with its node: it recovers with it, or not at all.
            self.recover_or_discard(cx, queue, copy);
        }
    }

    /// The queue's node went down holding `copy`: persistent copies in durable queues stay
    /// (and quorum queues keep everything), the rest is gone.
    fn recover_or_discard(&mut self, cx: &mut Ctx, queue: QueueId, copy: CopyId) {
        let spec = &self.queues[queue.index()].spec;
        let keeps = spec.queue_type == QueueType::Quorum || (spec.durable && cx.ledger.copy(copy).persistent);
        if keeps {
            self.insert_ready(cx, queue, copy);
        } else {
            let reason = if spec.durable { DiscardReason::TransientOnRestart } else { DiscardReason::QueueNotDurable };
            cx.ledger.move_to(copy, Place::Discarded);
            cx.out.events.push(Event::MessageDiscarded { copy, reason });
        }
    }

    /// Remove a channel's consumer from its queue; returns the queue it consumed from.
    fn unsubscribe(&mut self, connection: ConnectionId) -> Option<QueueId> {
        let queue = self.channels[connection.index()].consuming.take()?;
        let q = &mut self.queues[queue.index()];
        if let Some(at) = q.consumers.iter().position(|&c| c == connection) {
            q.consumers.remove(at);
            if q.next_consumer > at {
                q.next_consumer -= 1;
            }
            if q.next_consumer >= q.consumers.len() {
                q.next_consumer = 0;
            }
        }
        Some(queue)
    }

    fn ack_one(&mut self, cx: &mut Ctx, connection: ConnectionId, tag: u32) {
        if let Some((queue, copy)) = self.settle(cx, connection, tag) {
            self.note_ack(cx, queue, copy);
            cx.ledger.move_to(copy, Place::Settled);
            cx.out.events.push(Event::MessageAcked { copy });
            self.dispatch(cx, queue);
        }
    }

    fn settle(&mut self, cx: &mut Ctx, connection: ConnectionId, tag: u32) -> Option<(QueueId, CopyId)> {
        let channel = &mut self.channels[connection.index()];
        // Acks mostly come in delivery order: the oldest unacked first.
        let (_, copy) = if channel.unacked.front().is_some_and(|&(t, _)| t == tag) {
            channel.unacked.pop_front().expect("checked non-empty")
        } else {
            let at = channel.unacked.binary_search_by_key(&tag, |&(t, _)| t).ok()?;
            channel.unacked.remove(at).expect("found above")
        };
        let queue = match cx.ledger.copy(copy).place {
            Place::AtConsumer { queue, .. } => queue,
            other => panic!("engine bug: unacked copy {copy:?} is at {other:?}"),
        };
        self.touch(cx, queue);
        Some((queue, copy))
    }
}

impl Broker for RabbitBroker {
    fn connect(&mut self, cx: &mut Ctx, connection: ConnectionId, actor: ActorId, node: NodeId) -> bool {
        debug_assert_eq!(connection.index(), self.channels.len());
        let up = self.nodes_up[node.index()];
        self.channels.push(Channel {
            actor,
            node,
            open: up,
            prefetch_count: 0,
            consuming: None,
            auto_ack: false,
            confirms: false,
            unacked: VecDeque::new(),
            next_tag: 0,
            opened_ms: cx.now_ms,
            timeout_check: false,
        });
        up
    }

    fn check_consumer_timeout(&mut self, cx: &mut Ctx, connection: ConnectionId) {
        let channel = &mut self.channels[connection.index()];
        channel.timeout_check = false;
        let (open, actor) = (channel.open, channel.actor);
        let Some(&(_, oldest)) = channel.unacked.front() else { return };
        if !open {
            return;
        }
        let at = self.timeout_tick_ms(connection, u64::from(cx.ledger.copy(oldest).delivered_at_ms));
        if at > cx.now_ms {
            // The oldest now is a later delivery: check again at its tick.
            self.channels[connection.index()].timeout_check = true;
            cx.out.timeout_checks.push((at, connection));
            return;
        }
        // "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out": a channel
        // error; the channel's unacked are requeued, the connection stays.
        cx.out.events.push(Event::ChannelError { actor, error: ClientError::AckTimeout, line: 0 });
        self.close(cx, connection);
        cx.out.closed.push((connection, ClientError::AckTimeout));
    }

    fn timeout_check_is_idle(&self, connection: ConnectionId) -> bool {
        let channel = &self.channels[connection.index()];
        !channel.open || channel.unacked.is_empty()
    }

    fn declare(&mut self, cx: &mut Ctx, node: NodeId, queue: QueueId, how: DeclareAs) -> Result<(), ClientError> {
        let q = &self.queues[queue.index()];
        // RabbitMQ 3.10: declaring an existing durable classic queue runs
        // `rabbit_amqqueue:with/3`, which finds its process absent when its home node is down
        // or unreachable and calls `priv_absent(_, _, true, nodedown)`: a channel error, 404
        // NOT_FOUND "home node '...' of durable queue '...' in vhost '/' is down or
        // inaccessible". (A non-durable queue died with its node and is declared anew.)
        if q.exists && q.spec.durable && q.spec.queue_type == QueueType::Classic && self.nodes_up[node.index()] && !self.available_from(cx.network, queue, node) {
            return Err(ClientError::QueueHomeDown { queue: queue.0 as u8 });
        }
        if q.exists && how.differs_from(&q.spec) {
            return Err(ClientError::QueueInequivalent { queue: queue.0 as u8, declare: how });
        }
        if !q.exists && how == DeclareAs::Passive {
            return Err(ClientError::QueueNotFound { queue: queue.0 as u8 });
        }
        let q = &mut self.queues[queue.index()];
        if !q.exists && self.nodes_up[node.index()] {
            q.exists = true;
            q.home = if q.spec.queue_type == QueueType::Classic { node } else { q.home };
        }
        Ok(())
    }

    fn confirm_select(&mut self, connection: ConnectionId) {
        self.channels[connection.index()].confirms = true;
    }

    fn qos(&mut self, connection: ConnectionId, prefetch_count: u16) {
        self.channels[connection.index()].prefetch_count = prefetch_count;
    }

    fn consume(&mut self, cx: &mut Ctx, connection: ConnectionId, queue: QueueId, auto_ack: bool) {
        let channel = &mut self.channels[connection.index()];
        if !channel.open || !self.queues[queue.index()].exists {
            return;
        }
        channel.consuming = Some(queue);
        channel.auto_ack = auto_ack;
        self.queues[queue.index()].consumers.push(connection);
        self.dispatch(cx, queue);
    }

    fn declare_exchange(&mut self, exchange: u16) {
        self.exchanges[usize::from(exchange)] = true;
    }

    fn get(&mut self, cx: &mut Ctx, connection: ConnectionId, queue: QueueId, auto_ack: bool) -> bool {
        let node = self.channels[connection.index()].node;
        if !self.channels[connection.index()].open || !self.queues[queue.index()].exists || !self.available_from(cx.network, queue, node) {
            return false;
        }
        // basic.get is a message to the queue's process: it puts off the queue's sync too.
        self.touch(cx, queue);
        // As a delivery: an expired head is dropped, never given, and so is what expired
        // behind the one taken.
        self.drop_expired(cx, queue);
        let Some(copy) = self.queues[queue.index()].ready.pop_front() else { return false };
        self.hand_over(cx, connection, queue, copy, auto_ack);
        self.drop_expired(cx, queue);
        true
    }

    fn queue_exists(&self, queue: QueueId) -> bool {
        self.queues[queue.index()].exists
    }

    fn publish(&mut self, cx: &mut Ctx, connection: ConnectionId, copy: CopyId, route: RouteId, mandatory: bool) {
        let channel = &self.channels[connection.index()];
        let (open, confirms, node) = (channel.open, channel.confirms, channel.node);
        let message = cx.ledger.message_of(copy);
        if !open {
            cx.ledger.move_to(copy, Place::Discarded);
            cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::ConnectionClosed });
            return;
        }
        if !self.exchange_exists(route) {
            // `rabbit_channel`: "no exchange '...' in vhost '/'", a channel error. The channel
            // closes (the connection stays); without confirms the producer learns it at its
            // next call on the channel, with confirms at once (it waits for the confirm).
            let exchange = self.route_exchanges[route.0 as usize].expect("the default exchange exists") as u8;
            cx.ledger.move_to(copy, Place::Discarded);
            cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::ExchangeMissing });
            self.channels[connection.index()].open = false;
            cx.out.closed.push((connection, ClientError::ExchangeNotFound { exchange }));
            return;
        }
        let targets = &self.routes[route.0 as usize];
        let any_target = targets.iter().any(|&q| self.queues[q.index()].exists);
        let reachable = targets.iter().any(|&q| self.available_from(cx.network, q, node));
        let accepted = if !any_target {
            cx.ledger.move_to(copy, Place::Discarded);
            let reason = if mandatory { DiscardReason::Returned } else { DiscardReason::Unroutable };
            cx.out.events.push(Event::MessageDiscarded { copy, reason });
            // An unroutable message is still confirmed (after its `basic.return` if mandatory).
            true
        } else if !reachable {
            cx.ledger.move_to(copy, Place::Discarded);
            cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::QueueUnavailable });
            false
        } else if self.route(cx, route, copy) {
            // reject-publish overflow discards the newest and nacks it.
            cx.ledger.copy(copy).place != Place::Discarded
        } else {
            cx.ledger.move_to(copy, Place::Discarded);
            cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::QueueUnavailable });
            false
        };
        if confirms {
            // A confirm waits for the queue's sync, which then comes at once (and writes
            // what was waiting before it too).
            for i in 0..self.routes[route.0 as usize].len() {
                self.queues[self.routes[route.0 as usize][i].index()].sync();
            }
            let returned = mandatory && !any_target;
            cx.out.confirms.push((connection, message, accepted, returned));
        }
    }

    fn ack(&mut self, cx: &mut Ctx, connection: ConnectionId, tag: u32, multiple: bool) {
        let channel = &self.channels[connection.index()];
        if !channel.open {
            return;
        }
        if !multiple {
            self.ack_one(cx, connection, tag);
            return;
        }
        // `unacked` is sorted by tag: settle from the front up to `tag`.
        while let Some(&(first, _)) = self.channels[connection.index()].unacked.front() {
            if first > tag {
                break;
            }
            self.ack_one(cx, connection, first);
        }
    }

    fn nack(&mut self, cx: &mut Ctx, connection: ConnectionId, tag: u32, requeue: bool) {
        if !self.channels[connection.index()].open {
            return;
        }
        if let Some((queue, copy)) = self.settle(cx, connection, tag) {
            if requeue {
                // rabbit_fifo (3.10): a quorum queue without a delivery limit turns a
                // nack/reject with requeue into a `#requeue{}`, appended at the back with a new
                // Raft index; with a limit (and for every other return: a consumer gone, a
                // channel closed) it goes to `returns`, served first. Observed on 3.10.8:
                // prefetch 1, nack of 1 once: `0 1 2 3 4 1r` without a limit, `0 1 1r 2 3 4` with.
                let spec = &self.queues[queue.index()].spec;
                if spec.queue_type == QueueType::Quorum && spec.delivery_limit.is_none() {
                    self.next_position += 1;
                    cx.ledger.copy_mut(copy).position = self.next_position;
                }
                self.requeue(cx, queue, copy);
                self.drop_expired(cx, queue);
            } else {
                cx.ledger.move_to(copy, Place::ToBroker { connection: ConnectionId(0) });
                self.dead_letter(cx, queue, copy, DeathReason::Rejected);
            }
            self.dispatch(cx, queue);
        }
    }

    fn cancel(&mut self, cx: &mut Ctx, connection: ConnectionId) {
        let channel = &self.channels[connection.index()];
        if channel.open && channel.consuming.is_some() {
            let actor = channel.actor;
            self.unsubscribe(connection);
            cx.out.events.push(Event::ConsumerCancelled { actor });
        }
    }

    fn close(&mut self, cx: &mut Ctx, connection: ConnectionId) {
        let channel = &mut self.channels[connection.index()];
        if !channel.open {
            return;
        }
        channel.open = false;
        let actor = channel.actor;
        let unacked: Vec<(u32, CopyId)> = channel.unacked.drain(..).collect();
        let consuming = self.unsubscribe(connection);
        if unacked.is_empty() && consuming.is_none() {
            return;
        }
        cx.out.events.push(Event::ChannelClosed { actor, requeued: unacked.len() as u32 });
        let mut touched = Vec::new();
        for (_, copy) in unacked {
            let queue = match cx.ledger.copy(copy).place {
                Place::AtConsumer { queue, .. } => queue,
                other => panic!("engine bug: unacked copy {copy:?} is at {other:?}"),
            };
            self.requeue(cx, queue, copy);
            if !touched.contains(&queue) {
                touched.push(queue);
            }
        }
        for queue in touched {
            self.drop_expired(cx, queue);
            self.dispatch(cx, queue);
        }
    }

    fn stop_node(&mut self, cx: &mut Ctx, node: NodeId, graceful: bool) {
        if !self.nodes_up[node.index()] {
            return;
        }
        self.nodes_up[node.index()] = false;
        self.crashed[node.index()] = !graceful;
        cx.out.events.push(if graceful { Event::NodeStopped { node } } else { Event::NodeCrashed { node } });
        // Queues that lived on the node lose what is not durable.
        for index in 0..self.queues.len() {
            let queue = QueueId(index as u16);
            let q = &self.queues[index];
            if !q.exists || q.spec.queue_type == QueueType::Quorum || q.home != node {
                continue;
            }
            let ready: Vec<CopyId> = self.queues[index].ready.drain(..).collect();
            // A crash within SYNC_IDLE_MS of the queue's last message: what it took in since
            // its last sync never reached the disk. (A graceful stop syncs.)
            let q = &mut self.queues[index];
            let busy = !graceful && q.spec.durable && q.last_touch_ms.is_some_and(|at| cx.now_ms < at + SYNC_IDLE_MS);
            let (synced, forgotten) = (q.synced_position, std::mem::take(&mut q.unsynced_acks));
            q.last_touch_ms = None;
            q.sync();
            for copy in ready {
                if busy && cx.ledger.copy(copy).persistent && cx.ledger.copy(copy).position > synced {
                    cx.ledger.move_to(copy, Place::Discarded);
                    cx.out.events.push(Event::MessageDiscarded { copy, reason: DiscardReason::NotOnDisk });
                    continue;
                }
                cx.ledger.move_to(copy, Place::ToBroker { connection: ConnectionId(0) });
                self.recover_or_discard(cx, queue, copy);
            }
            // Acks since the last sync never reached the disk: the queue recovers those
            // messages as if never acked (a message whose publish was not synced either is
            // simply gone, as it never was on disk).
            if busy {
                for from in forgotten {
                    let record = *cx.ledger.copy(from);
                    if record.position > synced {
                        continue;
                    }
                    let copy = cx.ledger.new_copy(record.message, Place::ToBroker { connection: ConnectionId(0) }, true);
                    let back = cx.ledger.copy_mut(copy);
                    back.position = record.position;
                    back.extra.key_source = record.extra.key_source;
                    back.delivery_count = record.delivery_count;
                    cx.out.events.push(Event::AckForgotten { copy, from, queue });
                    self.insert_ready(cx, queue, copy);
                }
            }
            if !self.queues[index].spec.durable {
                self.queues[index].exists = false;
                cx.out.events.push(Event::QueueDeleted { queue });
            }
        }
        // Every connection to the node closes; the clients see why.
        let error = if graceful { ClientError::ConnectionClosedByBroker } else { ClientError::StreamLost };
        for index in 0..self.channels.len() {
            let channel = &self.channels[index];
            if channel.open && channel.node == node {
                let connection = ConnectionId(index as u32);
                self.close(cx, connection);
                cx.out.closed.push((connection, error));
            }
        }
    }

    fn start_node(&mut self, cx: &mut Ctx, node: NodeId) {
        if self.nodes_up[node.index()] {
            return;
        }
        self.nodes_up[node.index()] = true;
        cx.out.events.push(Event::NodeStarted { node });
        for index in 0..self.queues.len() {
            let q = &self.queues[index];
            let recovers = (q.spec.queue_type == QueueType::Classic && q.home == node && q.exists)
                || (q.spec.queue_type == QueueType::Quorum && self.queue_running(QueueId(index as u16)));
            if recovers {
                // After a crash a classic queue recovers from its index without knowing which
                // messages were delivered: every one comes back `redelivered=True`, even one
                // never delivered (observed on 3.10.8 after kill -9; a graceful stop keeps the
                // flag of each). Flagged now, when it recovers: while the node is down they are
                // not redelivered to anyone.
                if self.crashed[node.index()] && q.spec.queue_type == QueueType::Classic {
                    for &copy in &self.queues[index].ready {
                        cx.ledger.copy_mut(copy).redelivered = true;
                    }
                }
                let q = &self.queues[index];
                cx.out.events.push(Event::QueueRecovered { queue: QueueId(index as u16), messages: q.ready.len() as u32 });
                // Deliveries that were unacked when the node went down came back as ready.
                self.drop_head_while_over(cx, QueueId(index as u16));
                // Messages keep their deadline across a restart; what expired meanwhile goes.
                self.drop_expired(cx, QueueId(index as u16));
            }
        }
        self.topology_changed(cx);
    }

    /// `copy`'s deadline came: if it is still ready in a queue, that queue drops its expired
    /// head (`drop_expired`). A copy that is not at the head stays (it expires when it gets
    /// there); one that is unacked at a consumer is looked at again when it is requeued.
    fn expire(&mut self, cx: &mut Ctx, copy: CopyId) {
        let Place::Ready { queue } = cx.ledger.copy(copy).place else { return };
        self.drop_expired(cx, queue);
    }

    fn topology_changed(&mut self, cx: &mut Ctx) {
        for index in 0..self.queues.len() {
            self.dispatch(cx, QueueId(index as u16));
        }
    }

    fn node_up(&self, node: NodeId) -> bool {
        self.nodes_up[node.index()]
    }

    fn is_open(&self, connection: ConnectionId) -> bool {
        self.channels.get(connection.index()).is_some_and(|c| c.open)
    }

    fn continue_dead_letters(&mut self, cx: &mut Ctx) {
        if !self.pending_dead_letters.is_empty() {
            self.route_dead_letters(cx);
        }
    }
}

/// RabbitMQ's dead-letter cycle test (`rabbit_dead_letter:is_cycle`): going to `queue` is a
/// cycle if the message already died in `queue` and no death since then, that one included,
/// was a rejection (a cycle a consumer takes part in is allowed to go on).
fn is_cycle(queue: QueueId, history: &[Death]) -> bool {
    match history.iter().position(|&(q, _)| q == queue) {
        None => false,
        Some(at) => history[..=at].iter().all(|&(_, reason)| reason != DeathReason::Rejected),
    }
}

/// AMQP topic matching: `*` is exactly one word, `#` zero or more. A dynamic programme over
/// (pattern word, key word): O(pattern words x key words) whatever the pattern, where a
/// backtracking matcher is exponential in the number of `#`s.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    let key: Vec<&str> = key.split('.').collect();
    // reach[j]: the pattern words seen so far match the first j key words.
    let mut reach = vec![false; key.len() + 1];
    reach[0] = true;
    for word in pattern.split('.') {
        if word == "#" {
            // Zero or more words: reachable from any reachable j' <= j.
            for j in 1..reach.len() {
                reach[j] |= reach[j - 1];
            }
        } else {
            for j in (1..reach.len()).rev() {
                reach[j] = reach[j - 1] && (word == "*" || word == key[j - 1]);
            }
            reach[0] = false;
        }
    }
    reach[key.len()]
}
