//! View models for the page's diagram and charts: plain data computed from the engine,
//! natively tested, with no web crates. The components under `ui/components/` only draw them.
//!
//! - [`diagram_view`] reads one world (the `Sim` at the step shown): broker nodes, producers,
//!   queues with their ready messages in queue order, and consumers with the deliveries they
//!   hold (in flight, buffered, or in the callback), each message with its verdict now.
//! - [`chart_series`] walks a trace once (O(events)) and samples queue depth, unacked
//!   deliveries and processed messages evenly in time, for runs of 100k+ messages.
//! - [`latency_series`] keeps the answered requests a request handler's latency chart draws
//!   (each caller's wait against the time of its answer), at most [`LATENCY_POINTS`] of them;
//!   [`latency_at`] is that chart at a step: the points up to it and its legend.
//!
//! Invariants: all are pure functions of their input. `diagram_view`'s ready lists are the
//! broker's `Queue::ready` (so their lengths are the report's queue depths); a copy the ledger
//! places `AtConsumer { connection, .. }` is held by the actor owning that connection, and by
//! no one else. `chart_series`' last sample is the state after the last event of the trace, and
//! its depth and unacked equal the broker's totals in the world that recorded that trace.

use crate::engine::checker::Verdict;
use crate::engine::ids::{ActorId, CopyId, MessageId};
use crate::engine::ledger::Place;
use crate::systems::rabbitmq::trace::{Event, TerminalText, TraceEntry};
use crate::systems::rabbitmq::world::{ActorStatus, Sim};
use crate::scenario::{ActorSpec, QueueType};
use std::collections::VecDeque;

/// Everything the diagram draws at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagramView {
    pub nodes: Vec<NodeView>,
    pub producers: Vec<ActorView>,
    pub queues: Vec<QueueView>,
    pub consumers: Vec<ConsumerView>,
    /// The exchange the producers publish to, when one names an exchange (the first that
    /// does), and whether it exists now; None: the default exchange.
    pub exchange: Option<(String, bool)>,
    /// With an order service: what its database and the inbox hold now.
    pub database: Option<DatabaseView>,
}

/// An order service's `orders.db` (orders, outbox rows) and the idempotent consumers'
/// `effects.db`, each by payload in id order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseView {
    pub orders: Vec<u32>,
    /// None: the service has no outbox (a dual write).
    pub outbox: Option<Vec<u32>>,
    /// None: no consumer keeps an inbox.
    pub effects: Option<Vec<u32>>,
}

/// A broker node (`rabbit@index`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub index: u8,
    pub up: bool,
}

/// A producer or consumer program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorView {
    /// Its index among the setup's actors (`ActorId.0`).
    pub index: u16,
    pub name: String,
    /// `running`, `crashed`, `stopped`, `failed`, `finished` or `not_started`.
    pub status: &'static str,
    /// Crashed, stopped, or exited with an error: drawn greyed with a ✕. (A program that ran
    /// to its end is `finished`, not down.)
    pub down: bool,
    /// The broker node it connects to.
    pub node: u8,
    /// The code line executing now (0 = none).
    pub line: u16,
    /// The network between it and its broker node is cut (a partition).
    pub cut: bool,
    /// It talks to the broker (an outbox order service and a synchronous request handler do
    /// not: no edge is drawn).
    pub connects: bool,
}

/// One queue and what sits in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueView {
    pub name: String,
    pub durable: bool,
    pub quorum: bool,
    /// False once a non-durable queue was lost with its node.
    pub exists: bool,
    /// Its data is alive: false while its node is down (for a quorum queue, while no
    /// majority of nodes is up). Drawn greyed, "node down".
    pub running: bool,
    /// The ready messages, head first (all of them: the diagram shows the first few).
    pub ready: Vec<MsgView>,
    /// Deliveries from this queue not yet acknowledged (manual ack only).
    pub unacked: usize,
}

/// One copy of a message, as drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgView {
    /// The payload `{'data': data}`.
    pub data: u32,
    /// The logical message (`MessageId.0`): retries and duplicates share it.
    pub message: u32,
    /// Published with `delivery_mode=2`.
    pub persistent: bool,
    pub redelivered: bool,
    /// Delivered with manual ack and not yet acknowledged (held by a consumer, and still the
    /// broker's: it comes back if the consumer dies).
    pub unacked: bool,
    /// The message's verdict at this step.
    pub verdict: Verdict,
}

/// A consumer and the deliveries it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerView {
    pub actor: ActorView,
    /// The queue it consumes from (its name), for the edge drawn to it.
    pub queue: String,
    /// Deliveries sent to it and not settled: the one in the callback first, then the
    /// buffered ones in order, then those still in flight.
    pub holding: Vec<MsgView>,
    /// The payload `data` of the delivery in the callback. (Its copy may already be back in
    /// its queue if the broker requeued it before the client noticed its connection died;
    /// then it is drawn there and not in `holding`.)
    pub current: Option<u32>,
}

/// The snake_case name of an actor status (as in reports and CSS classes).
pub fn status_name(status: ActorStatus) -> &'static str {
    match status {
        ActorStatus::NotStarted => "not_started",
        ActorStatus::Running => "running",
        ActorStatus::Crashed => "crashed",
        ActorStatus::Stopped => "stopped",
        ActorStatus::Failed(_) => "failed",
        ActorStatus::Finished => "finished",
    }
}

/// The snake_case name of a verdict (as serialized, and in `verdict-<name>` CSS classes).
pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Lost => "lost",
        Verdict::Duplicated => "duplicated",
        Verdict::DeadLettered => "dead_lettered",
        Verdict::Expired => "expired",
        Verdict::OutOfOrder => "out_of_order",
        Verdict::Redelivered => "redelivered",
        Verdict::ProcessedOnce => "processed_once",
        Verdict::Stranded => "stranded",
        Verdict::NeverSent => "never_sent",
        Verdict::Pending => "pending",
    }
}

fn msg_view(sim: &Sim, copy: CopyId) -> MsgView {
    let ledger = sim.ledger();
    let record = ledger.copy(copy);
    let message = ledger.messages[record.message.index()];
    MsgView {
        data: message.data,
        message: record.message.0,
        persistent: record.persistent,
        redelivered: record.redelivered,
        unacked: matches!(record.place, Place::AtConsumer { acked: false, .. }),
        verdict: sim.verdict(record.message),
    }
}

/// The diagram of the world `sim` (the world at the step shown).
pub fn diagram_view(sim: &Sim) -> DiagramView {
    let setup = sim.setup();
    let broker = sim.broker();
    let ledger = sim.ledger();
    let actors = sim.actors();
    let actor_view = |index: usize| {
        let runtime = &actors[index];
        ActorView {
            index: index as u16,
            name: setup.actors[index].name.clone(),
            status: status_name(runtime.status),
            down: matches!(runtime.status, ActorStatus::Crashed | ActorStatus::Stopped | ActorStatus::Failed(_)),
            node: setup.actors[index].node.0,
            line: runtime.line,
            cut: sim.network().is_partitioned(
                crate::systems::rabbitmq::trace::Endpoint::Actor(ActorId(index as u16)),
                crate::systems::rabbitmq::trace::Endpoint::Node(setup.actors[index].node),
            ),
            connects: !matches!(&setup.actors[index].spec, ActorSpec::Producer(p) if p.orders == Some(crate::scenario::Orders::Outbox) || matches!(p.handler, Some(crate::scenario::Handler::Inline { .. }))),
        }
    };
    let nodes = broker.nodes_up.iter().enumerate().map(|(index, &up)| NodeView { index: index as u8, up }).collect();
    let mut queues: Vec<QueueView> = broker
        .queues
        .iter()
        .enumerate()
        .map(|(index, q)| QueueView {
            name: q.spec.name.clone(),
            durable: q.spec.durable,
            quorum: q.spec.queue_type == QueueType::Quorum,
            exists: q.exists,
            running: broker.queue_running(crate::engine::ids::QueueId(index as u16)),
            ready: q.ready.iter().map(|&copy| msg_view(sim, copy)).collect(),
            unacked: 0,
        })
        .collect();

    // Who holds what: one pass over the ledger. The sort key orders a consumer's holding:
    // the callback's delivery, then the buffer, then manual-ack ones in flight by connection
    // and tag, then auto-ack ones in flight by copy.
    const IN_FLIGHT: u64 = 1 << 48;
    // Indexed by copy (the ledger is scanned whole anyway); u64::MAX = no key yet.
    let mut keys: Vec<u64> = vec![u64::MAX; ledger.copies.len()];
    for (connection, channel) in broker.channels.iter().enumerate() {
        for &(tag, copy) in &channel.unacked {
            keys[copy.index()] = IN_FLIGHT + ((connection as u64) << 32) + u64::from(tag);
        }
    }
    for runtime in actors {
        if let Some(current) = runtime.current {
            keys[current.copy.index()] = 0;
        }
        for (position, delivery) in runtime.buffer.iter().enumerate() {
            keys[delivery.copy.index()] = 1 + position as u64;
        }
    }
    let mut held: Vec<Vec<(u64, CopyId)>> = vec![Vec::new(); actors.len()];
    for (index, record) in ledger.copies.iter().enumerate() {
        if let Place::AtConsumer { connection, queue, acked } = record.place {
            let copy = CopyId(index as u32);
            if !acked {
                queues[queue.index()].unacked += 1;
            }
            let key = if keys[index] == u64::MAX { 2 * IN_FLIGHT + index as u64 } else { keys[index] };
            held[broker.channels[connection.index()].actor.index()].push((key, copy));
        }
    }

    let mut producers = Vec::new();
    let mut consumers = Vec::new();
    for (index, actor) in setup.actors.iter().enumerate() {
        match &actor.spec {
            // The relay publishes, as a producer does (from the service's outbox).
            ActorSpec::Producer(_) | ActorSpec::Relay(_) => producers.push(actor_view(index)),
            // rabbitmqadmin talks to the management API: it has no place in the diagram.
            ActorSpec::Admin(_) => {}
            ActorSpec::Consumer(_) => {
                let mut mine = std::mem::take(&mut held[index]);
                crate::engine::sort::sort_by_key(&mut mine, |&(key, copy)| (u128::from(key) << 32) | u128::from(copy.0));
                let current = actors[index].current.map(|d| ledger.messages[ledger.message_of(d.copy).index()].data);
                consumers.push(ConsumerView {
                    actor: actor_view(index),
                    queue: setup.scenario.queues[actor.queue.index()].name.clone(),
                    holding: mine.into_iter().map(|(_, copy)| msg_view(sim, copy)).collect(),
                    current,
                });
            }
        }
    }
    let exchange = setup.actors.iter().find_map(|actor| match &actor.spec {
        ActorSpec::Producer(p) if !p.exchange.is_empty() => Some((p.exchange.clone(), broker.exchange_exists(actor.route))),
        _ => None,
    });
    let database = setup.scenario.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.orders.is_some())).then(|| {
        let data = |ms: &mut dyn Iterator<Item = MessageId>| {
            let mut out: Vec<u32> = ms.map(|m| ledger.messages[m.index()].data).collect();
            out.sort_unstable();
            out
        };
        let inbox = setup.scenario.actors.iter().any(|a| matches!(a, ActorSpec::Consumer(c) if c.idempotent));
        let outbox = setup.scenario.actors.iter().any(|a| matches!(a, ActorSpec::Producer(p) if p.orders == Some(crate::scenario::Orders::Outbox)));
        DatabaseView {
            orders: data(&mut sim.orders_db().orders.iter().copied()),
            outbox: outbox.then(|| data(&mut sim.orders_db().outbox.iter().copied())),
            effects: inbox.then(|| data(&mut sim.applied().iter().copied())),
        }
    });
    DiagramView { nodes, producers, queues, consumers, exchange, database }
}

/// Where a copy was when it was dropped: in a queue, at a consumer, or on its way to the
/// broker (a publish that never got in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GhostAt {
    Queue(u16),
    Consumer(u16),
    Publish(u16),
}

/// A copy the broker or the network dropped (`MessageDiscarded`), with where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Discard {
    /// The `MessageDiscarded` event's index in the trace.
    pub event: u32,
    pub message: u32,
    pub data: u32,
    pub persistent: bool,
    pub at: GhostAt,
}

/// A dropped copy drawn as a ghost at the step it was dropped, with its message's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ghost {
    pub at: GhostAt,
    pub message: MsgView,
}

/// Every drop of the run with the place it happened, in one pass over the trace: a copy is
/// in the queue it last entered, at the consumer it was last delivered to (until a requeue,
/// also the silent one of a closed channel), or, never enqueued, on its way from its producer.
pub fn discards(trace: &[TraceEntry], sim: &Sim) -> Vec<Discard> {
    let ledger = sim.ledger();
    let mut at: Vec<Option<GhostAt>> = Vec::new();
    let mut queue_of: Vec<u16> = Vec::new();
    // Per actor: manual-ack deliveries, oldest first (a channel close requeues them).
    let mut unacked: Vec<VecDeque<CopyId>> = Vec::new();
    let mut out = Vec::new();
    let grow = |v: &mut Vec<Option<GhostAt>>, q: &mut Vec<u16>, copy: CopyId| {
        if v.len() <= copy.index() {
            v.resize(copy.index() + 1, None);
            q.resize(copy.index() + 1, 0);
        }
    };
    for (index, entry) in trace.iter().enumerate() {
        match entry.event {
            Event::MessageEnqueued { copy, queue } | Event::MessageRequeued { copy, queue } => {
                grow(&mut at, &mut queue_of, copy);
                at[copy.index()] = Some(GhostAt::Queue(queue.0));
                queue_of[copy.index()] = queue.0;
            }
            Event::MessageDelivered { copy, actor, auto_ack, .. } => {
                grow(&mut at, &mut queue_of, copy);
                at[copy.index()] = Some(GhostAt::Consumer(actor.0));
                if !auto_ack {
                    if unacked.len() <= actor.index() {
                        unacked.resize(actor.index() + 1, VecDeque::new());
                    }
                    unacked[actor.index()].push_back(copy);
                }
            }
            Event::ChannelClosed { actor, requeued } => {
                let mut left = requeued;
                while left > 0 {
                    let Some(copy) = unacked.get_mut(actor.index()).and_then(|q| q.pop_front()) else { break };
                    if at.get(copy.index()).copied().flatten() == Some(GhostAt::Consumer(actor.0)) {
                        at[copy.index()] = Some(GhostAt::Queue(queue_of[copy.index()]));
                        left -= 1;
                    }
                }
            }
            Event::MessageDiscarded { copy, .. } => {
                let Some(record) = ledger.copies.get(copy.index()) else { continue };
                let message = ledger.messages[record.message.index()];
                let place = at.get(copy.index()).copied().flatten().unwrap_or(GhostAt::Publish(message.producer.0));
                out.push(Discard { event: index as u32, message: record.message.0, data: message.data, persistent: record.persistent, at: place });
            }
            _ => {}
        }
    }
    out
}

/// The ghosts of the copies dropped by events `from..to` (the events of the step shown),
/// each with its message's verdict in `sim` (the world at that step).
pub fn ghosts(discards: &[Discard], from: usize, to: usize, sim: &Sim) -> Vec<Ghost> {
    let first = discards.partition_point(|d| (d.event as usize) < from);
    let last = discards.partition_point(|d| (d.event as usize) < to);
    discards[first..last]
        .iter()
        .map(|d| Ghost {
            at: d.at,
            message: MsgView {
                data: d.data,
                message: d.message,
                persistent: d.persistent,
                redelivered: false,
                unacked: false,
                verdict: sim.verdict(crate::engine::ids::MessageId(d.message)),
            },
        })
        .collect()
}

/// Queue depth, unacked deliveries and processed messages over simulated time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartSeries {
    /// Sample times, increasing, from 0 to the last event's time.
    pub times_ms: Vec<u64>,
    /// Ready messages in all queues together, and requests waiting for their handler.
    pub depth: Vec<u32>,
    /// Manual-ack deliveries not yet acked, nacked, or requeued by a channel close.
    pub unacked: Vec<u32>,
    /// Effects applied (`EffectApplied`: what "processed" means), cumulative; a duplicate
    /// counts again.
    pub processed: Vec<u32>,
}

impl ChartSeries {
    /// The index of the last sample at or before `time_ms` (None before the first sample).
    pub fn sample_at(&self, time_ms: u64) -> Option<usize> {
        self.times_ms.partition_point(|&t| t <= time_ms).checked_sub(1)
    }
}

/// Where the chart walk believes a copy is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tracked {
    Elsewhere,
    Ready,
    Unacked(ActorId),
}

/// The chart walk: counts kept up to date event by event.
struct Counts {
    copies: Vec<Tracked>,
    /// Per actor: copies delivered to it with manual ack, oldest first (some may be stale).
    unacked_by_actor: Vec<VecDeque<CopyId>>,
    depth: u32,
    unacked: u32,
    processed: u32,
}

impl Counts {
    fn state(&mut self, copy: CopyId) -> Tracked {
        self.copies.get(copy.index()).copied().unwrap_or(Tracked::Elsewhere)
    }

    fn set(&mut self, copy: CopyId, to: Tracked) {
        if self.copies.len() <= copy.index() {
            self.copies.resize(copy.index() + 1, Tracked::Elsewhere);
        }
        match self.copies[copy.index()] {
            Tracked::Elsewhere => {}
            Tracked::Ready => self.depth -= 1,
            Tracked::Unacked(_) => self.unacked -= 1,
        }
        match to {
            Tracked::Elsewhere => {}
            Tracked::Ready => self.depth += 1,
            Tracked::Unacked(actor) => {
                self.unacked += 1;
                if self.unacked_by_actor.len() <= actor.index() {
                    self.unacked_by_actor.resize(actor.index() + 1, VecDeque::new());
                }
                self.unacked_by_actor[actor.index()].push_back(copy);
            }
        }
        self.copies[copy.index()] = to;
    }

    /// The rules, derived from the RabbitMQ model:
    /// - `MessageEnqueued`, `MessageRequeued` and `AckForgotten` put a copy in a queue;
    /// - `MessageDelivered` takes it out, to unacked unless `auto_ack`;
    /// - `MessageAcked`, `MessageDeadLettered` and `MessageDiscarded` take a copy out of
    ///   wherever it was (a dead-lettered copy comes back with its own `MessageEnqueued`);
    /// - `RequestArrived` adds a waiting request to the depth, `RequestTaken` takes it out;
    /// - `ChannelClosed { requeued: n }` returns the actor's `n` oldest unacked deliveries to
    ///   their queue at once: the broker puts them back even when no event says so (a queue
    ///   down with its node keeps its durable copies silently); the events that follow for
    ///   them (`MessageRequeued`, `MessageDiscarded`, `MessageDeadLettered`) then act on a
    ///   ready copy.
    fn observe(&mut self, event: &Event) {
        match *event {
            Event::MessageEnqueued { copy, .. } | Event::MessageRequeued { copy, .. } | Event::AckForgotten { copy, .. } => self.set(copy, Tracked::Ready),
            Event::MessageDelivered { copy, actor, auto_ack, .. } => {
                self.set(copy, if auto_ack { Tracked::Elsewhere } else { Tracked::Unacked(actor) })
            }
            Event::MessageAcked { copy } | Event::MessageDeadLettered { copy, .. } | Event::MessageDiscarded { copy, .. } => {
                self.set(copy, Tracked::Elsewhere)
            }
            Event::ChannelClosed { actor, requeued } => {
                let mut left = requeued;
                while left > 0 {
                    let Some(copy) = self.unacked_by_actor.get_mut(actor.index()).and_then(|q| q.pop_front()) else { break };
                    if self.state(copy) == Tracked::Unacked(actor) {
                        self.set(copy, Tracked::Ready);
                        left -= 1;
                    }
                }
            }
            Event::EffectApplied { .. } => self.processed += 1,
            // A request waiting for its handler counts with the queue's messages: both wait.
            Event::RequestArrived { .. } => self.depth += 1,
            Event::RequestTaken { .. } => self.depth -= 1,
            _ => {}
        }
    }
}

/// Sample the run's `trace` at most `samples` times, evenly in simulated time from 0 to the
/// last event (each sample is the state after every event at or before its time). One pass
/// over the trace, so it stays fast for 100k+ messages. An empty trace gives empty series.
pub fn chart_series(trace: &[TraceEntry], samples: usize) -> ChartSeries {
    let mut series = ChartSeries::default();
    let Some(last) = trace.last() else { return series };
    if samples == 0 {
        return series;
    }
    let end_ms = u64::from(last.at_ms);
    let mut counts = Counts { copies: Vec::new(), unacked_by_actor: Vec::new(), depth: 0, unacked: 0, processed: 0 };
    let mut next = 0;
    for k in 0..samples {
        let at_ms = if samples == 1 { end_ms } else { (u128::from(end_ms) * k as u128 / (samples - 1) as u128) as u64 };
        if series.times_ms.last() == Some(&at_ms) {
            continue;
        }
        while next < trace.len() && u64::from(trace[next].at_ms) <= at_ms {
            counts.observe(&trace[next].event);
            next += 1;
        }
        series.times_ms.push(at_ms);
        series.depth.push(counts.depth);
        series.unacked.push(counts.unacked);
        series.processed.push(counts.processed);
    }
    // Invariant: the last sample is at the last event's time, so every event was seen.
    debug_assert_eq!(next, trace.len());
    series
}

/// How many answers the latency chart draws at most.
pub const LATENCY_POINTS: usize = 400;

/// The callers' waits over simulated time (a run with a request handler): what the latency
/// chart draws. Every point is an answer as the trace has it (`timing::Answer`: its time and
/// its caller's wait), never an average.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencySeries {
    /// The answers drawn, in trace order.
    pub points: Vec<crate::engine::timing::Answer>,
    /// The run's last event, in µs (the x axis' end).
    pub end_us: u64,
}

/// The answers of a whole run the latency chart draws, from `answers` (every answer of the
/// run, in trace order: `Timeline::answered_until(trace.len())`) and the run's last event's
/// time. Up to `points` answers: all of them. More: the run's span is cut in `points / 2`
/// equal slices of time and each slice keeps two answers, the shortest wait and the longest
/// (the first of equals; one if they are the same answer), in trace order, so the chart keeps
/// the troughs and the peaks of a run of 100k+ requests. One pass.
pub fn latency_series(answers: &[crate::engine::timing::Answer], end_us: u64, points: usize) -> LatencySeries {
    use crate::engine::timing::Answer;
    if answers.len() <= points {
        return LatencySeries { points: answers.to_vec(), end_us };
    }
    let slices = (points / 2).max(1) as u128;
    let slice_of = |a: &Answer| u128::from(a.at_us) * slices / (u128::from(end_us) + 1);
    let mut kept = Vec::with_capacity(points);
    let flush = |kept: &mut Vec<Answer>, low: Answer, high: Answer| {
        if low.index == high.index {
            kept.push(low);
        } else {
            kept.extend(if low.index < high.index { [low, high] } else { [high, low] });
        }
    };
    let mut slice: Option<(u128, Answer, Answer)> = None;
    for &answer in answers {
        let k = slice_of(&answer);
        slice = match slice {
            Some((current, low, high)) if current == k => Some((
                k,
                if answer.wait_us < low.wait_us { answer } else { low },
                if answer.wait_us > high.wait_us { answer } else { high },
            )),
            Some((_, low, high)) => {
                flush(&mut kept, low, high);
                Some((k, answer, answer))
            }
            None => Some((k, answer, answer)),
        };
    }
    if let Some((_, low, high)) = slice {
        flush(&mut kept, low, high);
    }
    LatencySeries { points: kept, end_us }
}

/// The latency chart at a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyShown {
    /// (answer time, wait) in µs, in order: the series' points answered before the step,
    /// then the last answer before it, if the series does not end with it (so the line
    /// reaches the step's last answer exactly, however the series was thinned).
    pub points: Vec<(u64, u64)>,
    /// The wait of the last caller answered before the step.
    pub last_us: Option<u64>,
    /// The longest wait of a caller answered before the step.
    pub max_us: Option<u64>,
    /// Requests answered before the step.
    pub answered: u32,
}

/// The latency chart at a step whose answers so far are `answered` (a prefix of the run's:
/// `Timeline::answered_until(events)`): drawn up to that step and no further.
pub fn latency_at(series: &LatencySeries, answered: &[crate::engine::timing::Answer]) -> LatencyShown {
    let Some(last) = answered.last() else { return LatencyShown::default() };
    let drawn = &series.points[..series.points.partition_point(|a| a.index <= last.index)];
    let mut points: Vec<(u64, u64)> = drawn.iter().map(|a| (a.at_us, a.wait_us)).collect();
    if drawn.last().map(|a| a.index) != Some(last.index) {
        points.push((last.at_us, last.wait_us));
    }
    LatencyShown { points, last_us: Some(last.wait_us), max_us: answered.iter().map(|a| a.wait_us).max(), answered: answered.len() as u32 }
}

/// The simulated time the page shows at the session's step: the world's clock, but never past
/// the run's last event (after it the engine may still handle jobs that record nothing, which
/// would make the readout run on past everything that happened).
pub fn shown_ms(session: &crate::session::Session) -> u64 {
    let last_ms = session.full_trace().last().map_or(0, |e| u64::from(e.at_ms));
    session.now_ms().min(last_ms)
}

/// `value / 100` written with at most two decimals (`25` → `0.25`, `150` → `1.5`, `6400` →
/// `64`), in integers: formatting an `f64` would add some 10 KB to the page's wasm.
pub fn hundredths(value: u64) -> String {
    let (whole, fraction) = (value / 100, value % 100);
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;
    use crate::scenario::catalog;
    use crate::session::Session;

    /// The steps checked in a run of `len` steps: every one for short runs, a spread otherwise.
    fn steps_to_check(len: usize) -> Vec<usize> {
        if len <= 400 {
            (0..=len).collect()
        } else {
            let mut steps: Vec<usize> = (0..=40).map(|k| len * k / 40).collect();
            steps.dedup();
            steps
        }
    }

    fn check_world(name: &str, session: &Session) {
        let step = session.position();
        let sim = session.world();
        let view = diagram_view(sim);
        let report = Report::with_trace(sim, session.trace(), false);
        let at = format!("{name} at step {step}");
        assert_eq!(view.queues.len(), report.queues.len(), "{at}");
        for (queue, expected) in view.queues.iter().zip(&report.queues) {
            assert_eq!(queue.name, expected.name, "{at}");
            assert_eq!(queue.exists, expected.exists, "{at}");
            assert_eq!(queue.ready.len(), expected.depth, "{at}: depth of {}", queue.name);
            let data: Vec<u32> = queue.ready.iter().map(|m| m.data).collect();
            assert_eq!(data, expected.ready, "{at}: ready of {}", queue.name);
            assert_eq!(queue.unacked, expected.unacked, "{at}: unacked of {}", queue.name);
        }
        assert_eq!(view.nodes.len(), sim.broker().nodes_up.len(), "{at}");
        let admins = sim.setup().actors.iter().filter(|a| matches!(a.spec, ActorSpec::Admin(_))).count();
        assert_eq!(view.producers.len() + view.consumers.len() + admins, sim.actors().len(), "{at}");

        // Holding: every copy at a consumer, counted by the actor that owns its connection.
        let ledger = sim.ledger();
        let broker = sim.broker();
        let setup = sim.setup();
        for consumer in &view.consumers {
            let actor = setup.actor_id(&consumer.actor.name).expect("a known actor");
            let runtime = &sim.actors()[actor.index()];
            let at_consumer = ledger
                .copies
                .iter()
                .filter(|c| matches!(c.place, Place::AtConsumer { connection, .. } if broker.channels[connection.index()].actor == actor))
                .count();
            assert_eq!(consumer.holding.len(), at_consumer, "{at}: holding of {}", consumer.actor.name);
            let unacked: usize =
                broker.channels.iter().filter(|c| c.actor == actor).map(|c| c.unacked.len()).sum();
            let manual = ledger
                .copies
                .iter()
                .filter(|c| matches!(c.place, Place::AtConsumer { connection, acked: false, .. } if broker.channels[connection.index()].actor == actor))
                .count();
            assert_eq!(manual, unacked, "{at}: unacked of {}", consumer.actor.name);
            // The callback's delivery comes first, then the buffer in order (a client that has
            // not yet learned its connection is gone may still hold copies the broker requeued:
            // those are drawn in their queue, where the ledger puts them).
            let data_of = |copy: CopyId| ledger.messages[ledger.message_of(copy).index()].data;
            let client: Vec<u32> = runtime
                .current
                .iter()
                .chain(runtime.buffer.iter())
                .filter(|d| matches!(ledger.copy(d.copy).place, Place::AtConsumer { connection, .. } if broker.channels[connection.index()].actor == actor))
                .map(|d| data_of(d.copy))
                .collect();
            let shown: Vec<u32> = consumer.holding.iter().take(client.len()).map(|m| m.data).collect();
            assert_eq!(shown, client, "{at}: client side of {}", consumer.actor.name);
            assert_eq!(consumer.current, runtime.current.map(|d| data_of(d.copy)), "{at}");
            assert_eq!(consumer.actor.status, status_name(runtime.status), "{at}");
        }
        // Verdicts are the world's.
        for queue in &view.queues {
            for m in &queue.ready {
                assert_eq!(m.verdict, sim.verdict(crate::engine::ids::MessageId(m.message)), "{at}");
            }
        }

        // The chart walk agrees with the broker at this step.
        let series = chart_series(session.trace(), 50);
        let depth = sim.waiting() as usize;
        let unacked: usize = broker.channels.iter().map(|c| c.unacked.len()).sum();
        if session.trace().is_empty() {
            assert!(series.times_ms.is_empty());
        } else {
            assert_eq!(series.depth.last().copied(), Some(depth as u32), "{at}: chart depth");
            assert_eq!(series.unacked.last().copied(), Some(unacked as u32), "{at}: chart unacked");
            let processed = session.trace().iter().filter(|e| matches!(e.event, Event::EffectApplied { .. })).count();
            assert_eq!(series.processed.last().copied(), Some(processed as u32), "{at}");
        }
    }

    #[test]
    fn diagram_and_chart_match_the_report_in_every_catalog_scenario() {
        for (name, _) in catalog::ENTRIES {
            let scenario = catalog::get(name).expect("a valid catalog scenario");
            let mut session = Session::new(scenario, vec![]).expect("it runs");
            for step in steps_to_check(session.len()) {
                session.seek(step);
                check_world(name, &session);
            }
        }
    }

    #[test]
    fn diagram_and_chart_match_the_report_after_injected_faults() {
        // Node crashes and consumer crashes at several points: requeues on channel close,
        // silent recovery of durable copies, auto-ack deliveries dying with their consumer.
        use crate::scenario::FaultAction;
        for (name, _) in catalog::ENTRIES {
            let scenario = catalog::get(name).expect("a valid catalog scenario");
            let consumer = scenario.actors.iter().find(|a| matches!(a, ActorSpec::Consumer(_))).map(|a| a.name().to_string());
            let mut faults = vec![FaultAction::CrashNode { node: 0, restart: true }, FaultAction::StopNode { node: 0, restart: true }];
            faults.extend(consumer.map(FaultAction::Crash));
            let base = Session::new(scenario, vec![]).expect("it runs");
            for fault in &faults {
                for k in 1..=3 {
                    let mut session = base.clone();
                    session.seek(session.len() * k / 4);
                    session.inject(fault.clone()).expect("a valid fault");
                    let from = session.position();
                    for step in steps_to_check(session.len()).into_iter().filter(|&s| s >= from) {
                        session.seek(step);
                        check_world(&format!("{name} + {fault:?} at {k}/4"), &session);
                    }
                }
            }
        }
    }

    /// Every place the verdict table can show (see `Live::new`) is translated word by word.
    #[test]
    fn places_are_translated_queue_names_kept() {
        use crate::i18n::{place_text, Lang};
        assert_eq!(place_text("unacked test_queue, acked", Lang::Zh), "已从 test_queue 投递，待确认，已确认");
        assert_eq!(place_text("queued test_queue", Lang::Zh), "在 test_queue 中排队");
        assert_eq!(place_text("dead_lettered dead_letters, dropped", Lang::Zh), "在 dead_letters 中（死信），已丢弃");
        assert_eq!(place_text("in_flight", Lang::En), "in flight");
        assert_eq!(place_text("delivered test_queue", Lang::En), "auto-acked, at the consumer, from test_queue");
        assert_eq!(place_text("", Lang::En), "");
    }

    /// At every step of every catalog run the time shown is the world's clock, never past the
    /// run's last event; at the end it is the last event's time.
    #[test]
    fn the_time_shown_never_runs_past_the_last_event() {
        for (name, _) in catalog::ENTRIES {
            let mut session = Session::new(catalog::get(name).unwrap(), vec![]).unwrap();
            let last_ms = u64::from(session.full_trace().last().unwrap().at_ms);
            for step in steps_to_check(session.len()) {
                session.seek(step);
                assert!(shown_ms(&session) <= last_ms, "{name} at {step}");
                assert_eq!(shown_ms(&session), session.now_ms().min(last_ms), "{name} at {step}");
            }
            session.seek(session.len());
            assert_eq!(shown_ms(&session), last_ms, "{name}: at the end, the last event's time");
        }
    }

    /// A lost message leaves as a ghost where it was lost, at the step it was lost: the auto_ack
    /// consumer's deliveries at the consumer when it crashes, the transient messages in their
    /// queue when the broker restarts; and a queue on a down node is not running.
    #[test]
    fn lost_messages_leave_ghosts_where_they_were_lost() {
        let ghosts_of = |name: &str| {
            let session = Session::new(catalog::get(name).unwrap(), vec![]).unwrap();
            let facts = RunFacts::new(&session);
            let first = facts.discards.first().copied().expect("a drop");
            let mut at_step = session.clone();
            at_step.seek(session.step_of_event(first.event as usize));
            let position = at_step.position();
            let shown = ghosts(&facts.discards, at_step.events_at(position - 1), at_step.events_at(position), at_step.world());
            let before = ghosts(&facts.discards, 0, at_step.events_at(position - 1), at_step.world());
            (at_step, shown, before)
        };
        let (session, shown, before) = ghosts_of("consumer-crash-auto-ack");
        assert!(before.is_empty());
        let consumer = session.world().setup().actor_id("consumer").unwrap();
        assert_eq!(shown.len(), 7, "{shown:?}");
        assert!(shown.iter().all(|g| g.at == GhostAt::Consumer(consumer.0) && g.message.verdict == Verdict::Lost), "{shown:?}");
        assert_eq!(shown.iter().map(|g| g.message.data).collect::<Vec<_>>(), (3..10).collect::<Vec<_>>());

        let (session, shown, _) = ghosts_of("broker-restart-transient");
        assert!(!shown.is_empty());
        assert!(shown.iter().all(|g| g.at == GhostAt::Queue(0) && g.message.verdict == Verdict::Lost), "{shown:?}");
        // The node is down at that step: its queue is greyed.
        let view = diagram_view(session.world());
        assert!(view.nodes.iter().any(|n| !n.up) && view.queues.iter().all(|q| !q.running), "{view:?}");
    }

    /// A cut link is shown cut, and unacked deliveries are marked.
    #[test]
    fn a_cut_link_and_unacked_deliveries_are_in_the_view() {
        use crate::scenario::FaultAction;
        let mut session = Session::new(catalog::get("consumer-crash-manual-ack").unwrap(), vec![]).unwrap();
        let delivered = session.full_trace().iter().position(|e| matches!(e.event, Event::MessageDelivered { auto_ack: false, .. })).unwrap();
        session.seek(session.step_of_event(delivered) + 2);
        let view = diagram_view(session.world());
        assert!(view.consumers.iter().flat_map(|c| &c.holding).any(|m| m.unacked), "{view:?}");
        assert!(view.consumers.iter().all(|c| !c.actor.cut));
        session.inject(FaultAction::Partition("consumer".into(), "rabbit@0".into())).unwrap();
        session.step_forward();
        let view = diagram_view(session.world());
        assert!(view.consumers.iter().any(|c| c.actor.name == "consumer" && c.actor.cut), "{view:?}");
    }

    #[test]
    fn hundredths_are_written_without_floats() {
        let written: Vec<String> = [0, 7, 25, 50, 100, 150, 1234, 6400].into_iter().map(hundredths).collect();
        assert_eq!(written, ["0", "0.07", "0.25", "0.5", "1", "1.5", "12.34", "64"]);
    }

    /// The diagram shows these names through `i18n::label`: each has a Chinese label (a
    /// missing one would show the English key on the Chinese page).
    #[test]
    fn every_status_and_verdict_name_has_a_chinese_label() {
        use crate::i18n::{label, Lang};
        use crate::engine::checker::RunLabel;
        use crate::systems::rabbitmq::trace::ClientError;
        let statuses = [
            ActorStatus::NotStarted,
            ActorStatus::Running,
            ActorStatus::Crashed,
            ActorStatus::Stopped,
            ActorStatus::Failed(ClientError::StreamLost),
            ActorStatus::Finished,
        ]
        .map(status_name);
        let verdicts = [
            Verdict::Lost,
            Verdict::Duplicated,
            Verdict::DeadLettered,
            Verdict::Expired,
            Verdict::OutOfOrder,
            Verdict::Redelivered,
            Verdict::ProcessedOnce,
            Verdict::Stranded,
            Verdict::NeverSent,
            Verdict::Pending,
        ]
        .map(verdict_name);
        let diagram = ["exchange", "ready", "unacked", "durable", "quorum", "deleted", "node_up", "node_down", "persistent", "transient"];
        let places = ["in_flight", "queued", "dead_lettered", "unacked", "delivered", "acked", "dropped"];
        let run_labels = [RunLabel::EffectivelyOnce, RunLabel::AtLeastOnce, RunLabel::AtMostOnce, RunLabel::NoGuarantee, RunLabel::Incomplete, RunLabel::InProgress].map(RunLabel::name);
        for key in statuses.iter().chain(&verdicts).chain(&diagram).chain(&places).chain(&run_labels) {
            let zh = label(key, Lang::Zh);
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{key}: {zh:?}");
        }
    }

    #[test]
    fn chart_final_depth_is_the_final_queue_depths() {
        for (name, _) in catalog::ENTRIES {
            let scenario = catalog::get(name).expect("a valid catalog scenario");
            let session = Session::new(scenario, vec![]).expect("it runs");
            let end = session.timeline();
            let series = chart_series(session.full_trace(), 200);
            let depth: usize = end.broker().queues.iter().map(|q| q.ready.len()).sum();
            assert_eq!(series.depth.last().copied(), Some(depth as u32), "{name}");
            assert!(series.times_ms.len() <= 200, "{name}");
            assert!(series.times_ms.windows(2).all(|w| w[0] < w[1]), "{name}: times increase");
            assert_eq!(series.times_ms.first(), Some(&0), "{name}");
            assert_eq!(series.times_ms.last(), session.full_trace().last().map(|e| u64::from(e.at_ms)).as_ref(), "{name}");
            assert!(series.processed.windows(2).all(|w| w[0] <= w[1]), "{name}: processed only grows");
        }
    }

    #[test]
    fn the_article_loses_its_queue_to_a_transient_restart_and_the_diagram_shows_it() {
        // broker-restart-transient: after the restart the durable queue is empty and the
        // lost messages are red; the node shows down while it is down.
        let scenario = catalog::get("broker-restart-transient").unwrap();
        let mut session = Session::new(scenario, vec![]).unwrap();
        let mut saw_down = false;
        for step in 0..=session.len() {
            session.seek(step);
            let view = diagram_view(session.world());
            saw_down |= view.nodes.iter().any(|n| !n.up);
        }
        assert!(saw_down, "the broker node is shown down during the restart");
        let view = diagram_view(session.world());
        assert!(view.queues.iter().all(|q| q.durable), "test_queue is durable");
        assert!(view.nodes.iter().all(|n| n.up), "it came back");
    }

    #[test]
    fn crashed_auto_ack_consumer_is_down_and_held_nothing_after() {
        let scenario = catalog::get("consumer-crash-auto-ack").unwrap();
        let mut session = Session::new(scenario, vec![]).unwrap();
        // Just after the crash (the scenario restarts the consumer later).
        let crash = session.full_trace().iter().position(|e| matches!(e.event, Event::ActorCrashed { .. })).expect("a crash");
        session.seek(session.step_of_event(crash));
        let view = diagram_view(session.world());
        assert!(view.consumers.iter().any(|c| c.actor.down && c.actor.status == "crashed"), "{view:?}");
        for consumer in view.consumers.iter().filter(|c| c.actor.down) {
            assert!(consumer.holding.is_empty(), "a dead consumer holds nothing: {view:?}");
            assert_eq!(consumer.current, None);
        }
    }

    #[test]
    fn chart_series_samples_evenly_and_handles_edges() {
        assert_eq!(chart_series(&[], 10), ChartSeries::default());
        let scenario = catalog::get("article").unwrap();
        let session = Session::new(scenario, vec![]).unwrap();
        let trace = session.full_trace();
        assert_eq!(chart_series(trace, 0), ChartSeries::default());
        let one = chart_series(trace, 1);
        assert_eq!(one.times_ms, vec![u64::from(trace.last().unwrap().at_ms)]);
        let many = chart_series(trace, 11);
        let end = u64::from(trace.last().unwrap().at_ms);
        assert_eq!(many.times_ms, (0..=10).map(|k| end * k / 10).collect::<Vec<_>>());
        assert_eq!(many.sample_at(0), Some(0));
        assert_eq!(many.sample_at(end), Some(10));
        assert_eq!(many.sample_at(end / 10 + 1), Some(1));
        // The article processes all ten messages in the end.
        assert_eq!(many.processed.last(), Some(&10));
    }

    /// Few answers are all kept; many are thinned to the shortest and longest wait of each
    /// slice of time, in trace order; at a step the line ends at that step's last answer.
    #[test]
    fn latency_series_keeps_every_answer_or_each_slices_extremes() {
        use crate::engine::timing::Answer;
        // A saw: answer k at k ms (trace index 2k), waiting (k % 10) ms.
        let saw: Vec<Answer> = (0..1000u64).map(|k| Answer { index: 2 * k as usize, at_us: k * 1000, wait_us: (k % 10) * 1000 }).collect();
        assert_eq!(latency_series(&saw[..40], 40_000, 40).points, saw[..40].to_vec());
        assert_eq!(latency_series(&[], 0, 40), LatencySeries { points: vec![], end_us: 0 });
        // 1000 answers into 40 points: 20 slices of 50 ms, each with its 0 ms and its 9 ms.
        let thin = latency_series(&saw, 999_000, 40);
        assert_eq!(thin.points.len(), 40);
        assert_eq!(&thin.points[..4], &[saw[0], saw[9], saw[50], saw[59]]);
        assert!(thin.points.windows(2).all(|w| w[0].index < w[1].index));
        // At event 101 (answer 50 is its last), the drawn line: slice 0's two, answer 50,
        // which the series has; at event 103, answer 51, which it has not, comes last.
        let at = |events: usize| latency_at(&thin, &saw[..saw.partition_point(|a| a.index < events)]);
        let shown = at(101);
        assert_eq!(shown.points, vec![(0, 0), (9000, 9000), (50_000, 0)]);
        assert_eq!((shown.last_us, shown.max_us, shown.answered), (Some(0), Some(9000), 51));
        assert_eq!(at(103).points, vec![(0, 0), (9000, 9000), (50_000, 0), (51_000, 1000)]);
        assert_eq!(at(0), LatencyShown::default());
    }

    #[test]
    fn chart_series_is_fast_on_a_large_run() {
        let scenario = catalog::scaled_workload(20_000, 1);
        let mut sim = crate::systems::rabbitmq::Sim::new(&scenario).unwrap();
        sim.run_until(crate::engine::Until::Quiescence);
        let series = chart_series(sim.trace(), 400);
        let depth: usize = sim.broker().queues.iter().map(|q| q.ready.len()).sum();
        let unacked: usize = sim.broker().channels.iter().map(|c| c.unacked.len()).sum();
        assert_eq!(series.depth.last().copied(), Some(depth as u32));
        assert_eq!(series.unacked.last().copied(), Some(unacked as u32));
        assert!(series.times_ms.len() <= 400);
        let view = diagram_view(&sim);
        assert_eq!(view.queues.iter().map(|q| q.ready.len()).sum::<usize>(), depth);
    }
}

/// What the page derives from a whole run, once per run (not per step): the run's hash,
/// each actor's terminal lines, when messages were processed, the timeline markers and the
/// chart series. At a step, the page takes the prefix it needs by event index.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFacts {
    /// The run's `trace_hash` (`new`); None from `unhashed`, which the page uses: hashing
    /// serializes every event, code the page's narration module carries (the page asks it,
    /// `Playground::trace_hash`).
    pub trace_hash: Option<String>,
    /// Per actor: (event index, line printed; None: the program was started again, a
    /// separator between its two processes).
    pub terminals: Vec<Vec<(u32, Option<TerminalText>)>>,
    /// The run's scenario (an error's text can name its settings).
    pub scenario: std::rc::Rc<crate::scenario::Scenario>,
    /// Event indices of `EffectApplied` (a message processed), in order.
    pub processed_at: Vec<u32>,
    /// (step, "fault" | "bad") for every fault and every message lost or dead-lettered.
    pub markers: Vec<(usize, &'static str)>,
    pub series: ChartSeries,
    /// Every copy dropped, where it was (the diagram's ghosts).
    pub discards: Vec<Discard>,
    /// Throughput and latency at any step (`engine::timing`).
    pub timing: crate::engine::timing::Timeline,
    /// The latency chart's answers (`latency_series`), found the first time the chart is
    /// drawn (`RunFacts::latency`: the page's narration module calls it, for a run with a
    /// request handler), so no other run pays for them.
    pub latency: std::cell::OnceCell<std::rc::Rc<LatencySeries>>,
}

/// How many points the charts sample.
pub const CHART_SAMPLES: usize = 200;
/// At most about this many slices of the timeline carry markers.
pub const MARKERS_MAX: usize = 400;

impl RunFacts {
    pub fn new(session: &crate::session::Session) -> RunFacts {
        RunFacts { trace_hash: Some(crate::systems::rabbitmq::trace::trace_hash(session.full_trace())), ..RunFacts::unhashed(session) }
    }

    /// Everything `new` finds but the trace hash.
    pub fn unhashed(session: &crate::session::Session) -> RunFacts {
        let trace = session.full_trace();
        let actors = session.timeline().setup().actors.len();
        let mut terminals = vec![Vec::new(); actors];
        let mut processed_at = Vec::new();
        let mut markers = Vec::new();
        for (index, entry) in trace.iter().enumerate() {
            match entry.event {
                Event::Printed { actor, text, .. } => terminals[actor.index()].push((index as u32, Some(text))),
                Event::ActorRestarted { actor } => terminals[actor.index()].push((index as u32, None)),
                Event::EffectApplied { .. } => processed_at.push(index as u32),
                Event::MessageDiscarded { .. } | Event::MessageDeadLettered { .. } => markers.push((session.step_of_event(index), "bad")),
                ref e if e.is_fault() => markers.push((session.step_of_event(index), "fault")),
                _ => {}
            }
        }
        // One marker per kind per slice of the timeline: a run that loses thousands of
        // messages would otherwise draw thousands of overlapping marks.
        let slice = (session.len() / MARKERS_MAX).max(1);
        let mut seen = std::collections::BTreeSet::new();
        markers.retain(|&(step, kind)| seen.insert((step / slice, kind)));
        RunFacts {
            trace_hash: None,
            timing: crate::engine::timing::Timeline::of(trace, session.timeline().ledger().messages.len()),
            terminals,
            scenario: std::rc::Rc::new(session.timeline().setup().scenario.clone()),
            processed_at,
            markers,
            series: chart_series(trace, CHART_SAMPLES),
            discards: discards(trace, session.timeline()),
            latency: std::cell::OnceCell::new(),
        }
    }

    /// The latency chart's answers of the run (of `session`, the run these facts are of):
    /// found once, then kept.
    pub fn latency(&self, session: &crate::session::Session) -> std::rc::Rc<LatencySeries> {
        let trace = session.full_trace();
        let end_us = trace.last().map_or(0, |e| e.at_us());
        std::rc::Rc::clone(self.latency.get_or_init(|| std::rc::Rc::new(latency_series(self.timing.answered_until(trace.len()), end_us, LATENCY_POINTS))))
    }

    /// The last `lines_max` lines `actor` had printed before event `events`, with a separator
    /// where it was started again (a new process prints below it).
    pub fn terminal(&self, actor: usize, events: usize, lines_max: usize, lang: crate::i18n::Lang) -> Vec<String> {
        let lines = &self.terminals[actor];
        let end = lines.partition_point(|(index, _)| (*index as usize) < events);
        lines[end.saturating_sub(lines_max)..end]
            .iter()
            .map(|(_, text)| text.map_or_else(|| crate::i18n::restart_separator(lang).to_string(), |t| t.render(&self.scenario)))
            .collect()
    }

    /// How many messages had been processed before event `events`.
    pub fn processed(&self, events: usize) -> u32 {
        self.processed_at.partition_point(|&index| (index as usize) < events) as u32
    }
}

/// The message an event is about, if any (`sim` must have seen the event: e.g. the
/// session's timeline). Used to show one message's journey.
pub fn event_message(event: &Event, sim: &Sim) -> Option<crate::engine::ids::MessageId> {
    use Event::*;
    let of_copy = |copy: CopyId| sim.ledger().copies.get(copy.index()).map(|c| c.message);
    match *event {
        MessagePublished { message, .. }
        | PublishConfirmed { message, .. }
        | PublishNacked { message, .. }
        | PublishFailed { message, .. }
        | EffectApplied { message, .. }
        | EffectSkipped { message, .. } => Some(message),
        MessageEnqueued { copy, .. }
        | MessageCopied { copy, .. }
        | MessageDelivered { copy, .. }
        | CallbackStarted { copy, .. }
        | WorkStarted { copy, .. }
        | WorkFailed { copy, .. }
        | CallbackFinished { copy, .. }
        | AckSent { copy, .. }
        | AckMultipleSent { copy, .. }
        | NackSent { copy, .. }
        | RejectSent { copy, .. }
        | MessageAcked { copy }
        | MessageRequeued { copy, .. }
        | MessageDeadLettered { copy, .. }
        | MessageDiscarded { copy, .. }
        | MessageDuplicated { copy, .. }
        | AckForgotten { copy, .. } => of_copy(copy),
        _ => None,
    }
}
