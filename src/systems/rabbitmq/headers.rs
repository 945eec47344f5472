//! The headers RabbitMQ 3.10 puts on a delivery, derived from the trace (never stored in it:
//! a trace entry stays 20 bytes). A `HeaderTracker` reads the trace in order and knows, for
//! each copy, what its next delivery carries:
//!
//! - `x-death`, one table per (queue, reason), the most recent first. A repeated death in the
//!   same queue for the same reason increments `count` of the entry it already has and moves
//!   that entry to the front, keeping the entry's other fields (its first `exchange` and
//!   `routing-keys`): `rabbit_dead_letter:update_x_death_header` of 3.10. `time` is wall
//!   clock on a real broker: the engine has none and leaves it out.
//! - `x-first-death-reason`, `-queue`, `-exchange`: set at the first death only (3.10 sets no
//!   `x-last-death-*`; those came with 3.13).
//! - `x-delivery-count` on deliveries from a quorum queue, once the copy has come back to it
//!   at least once: the number of returns so far (`rabbit_fifo` counts returns in the
//!   message header; `rabbit_fifo_client:transform_msgs` adds the header only when that
//!   count exists). A copy dead-lettered into a queue starts again at zero there.
//!
//! What a dead letter's `exchange` and `routing-keys` are: the exchange and routing key the
//! copy was last routed with (its producer's publish, or the dead-letter exchange of the queue
//! it last died in, with that queue's `x-dead-letter-routing-key` if it has one; without one
//! the key is kept, as `rabbit_dead_letter:make_msg` does).
//!
//! Invariant: a pure function of the trace prefix it has read (and the setup); no map is
//! iterated in hash order, no clock is read.

use crate::engine::ids::*;
use super::setup::Setup;
use super::trace::{DeathReason, Event, TraceEntry};
use crate::scenario::{ActorSpec, QueueType};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where an exchange name or a routing key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The producer's publish.
    Publish(ActorId),
    /// The dead-letter arguments of the queue the copy died in.
    DeadLetter(QueueId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Death {
    queue: QueueId,
    reason: DeathReason,
    count: u32,
    exchange: Source,
    key: Source,
}

#[derive(Clone, Debug, Default)]
struct Deaths {
    /// Most recent first.
    entries: Vec<Death>,
    /// (reason, queue, exchange) of the first death.
    first: Option<(DeathReason, QueueId, Source)>,
}

#[derive(Clone, Copy, Debug)]
struct CopyState {
    exchange: Source,
    key: Source,
    queue: Option<QueueId>,
    /// Deliveries from its current queue so far (returns, for a quorum queue).
    deliveries: u32,
}

/// One table of an `x-death` header (without `time`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct XDeath {
    pub count: u32,
    pub reason: DeathReason,
    pub queue: String,
    pub exchange: String,
    #[serde(rename = "routing-keys")]
    pub routing_keys: Vec<String>,
}

/// The headers of one delivery (those RabbitMQ sets; the engine's producers set none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Headers {
    #[serde(rename = "x-death", skip_serializing_if = "Vec::is_empty")]
    pub x_death: Vec<XDeath>,
    #[serde(rename = "x-first-death-reason", skip_serializing_if = "Option::is_none")]
    pub first_death_reason: Option<DeathReason>,
    #[serde(rename = "x-first-death-queue", skip_serializing_if = "Option::is_none")]
    pub first_death_queue: Option<String>,
    #[serde(rename = "x-first-death-exchange", skip_serializing_if = "Option::is_none")]
    pub first_death_exchange: Option<String>,
    #[serde(rename = "x-delivery-count", skip_serializing_if = "Option::is_none")]
    pub delivery_count: Option<u32>,
}

impl Headers {
    pub fn is_empty(&self) -> bool {
        self.x_death.is_empty() && self.first_death_reason.is_none() && self.delivery_count.is_none()
    }
}

/// Reads a trace in order; knows each copy's headers at its next delivery.
#[derive(Clone, Debug, Default)]
pub struct HeaderTracker {
    copies: Vec<Option<CopyState>>,
    deaths: BTreeMap<CopyId, Deaths>,
}

impl HeaderTracker {
    pub fn new() -> HeaderTracker {
        HeaderTracker::default()
    }

    /// Can any delivery of `setup`'s runs carry headers? Only with a quorum queue or a
    /// dead-letter exchange; otherwise a reader of the trace need not track anything.
    pub fn needed(setup: &Setup) -> bool {
        setup.scenario.queues.iter().any(|q| q.queue_type == QueueType::Quorum || q.dead_letter_exchange.is_some())
    }

    fn state_mut(&mut self, copy: CopyId) -> Option<&mut CopyState> {
        self.copies.get_mut(copy.index()).and_then(Option::as_mut)
    }

    fn set(&mut self, copy: CopyId, state: CopyState) {
        if self.copies.len() <= copy.index() {
            self.copies.resize(copy.index() + 1, None);
        }
        self.copies[copy.index()] = Some(state);
    }

    /// A new copy made from `from` (a fanout copy, a network duplicate): same history.
    fn clone_copy(&mut self, copy: CopyId, from: CopyId) {
        if let Some(state) = self.copies.get(from.index()).copied().flatten() {
            self.set(copy, CopyState { deliveries: 0, ..state });
        }
        if let Some(deaths) = self.deaths.get(&from).cloned() {
            self.deaths.insert(copy, deaths);
        }
    }

    /// See the next trace entry. For a delivery, returns its headers (as they were when the
    /// broker sent it) built with `setup`'s names.
    pub fn observe(&mut self, setup: &Setup, event: &Event) -> Option<Headers> {
        match *event {
            Event::MessagePublished { actor, copy, .. } => {
                self.set(copy, CopyState { exchange: Source::Publish(actor), key: Source::Publish(actor), queue: None, deliveries: 0 });
            }
            Event::MessageDuplicated { copy, from } | Event::MessageCopied { copy, from, .. } => self.clone_copy(copy, from),
            Event::MessageEnqueued { copy, queue } => {
                if let Some(state) = self.state_mut(copy) {
                    state.queue = Some(queue);
                    state.deliveries = 0;
                }
            }
            Event::MessageDeadLettered { copy, from, reason, .. } => {
                let state = self.state_mut(copy)?;
                let (exchange, key) = (state.exchange, state.key);
                state.exchange = Source::DeadLetter(from);
                if setup.scenario.queues[from.index()].dead_letter_routing_key.is_some() {
                    state.key = Source::DeadLetter(from);
                }
                state.deliveries = 0;
                let deaths = self.deaths.entry(copy).or_default();
                deaths.first.get_or_insert((reason, from, exchange));
                let entry = match deaths.entries.iter().position(|d| d.queue == from && d.reason == reason) {
                    Some(at) => {
                        let old = deaths.entries.remove(at);
                        Death { count: old.count.saturating_add(1), ..old }
                    }
                    None => Death { queue: from, reason, count: 1, exchange, key },
                };
                deaths.entries.insert(0, entry);
            }
            Event::MessageDelivered { copy, .. } => {
                let headers = self.next_delivery(setup, copy, false);
                if let Some(state) = self.state_mut(copy) {
                    state.deliveries = state.deliveries.saturating_add(1);
                }
                return Some(headers);
            }
            _ => {}
        }
        None
    }

    /// The headers `copy` (ready in a queue) carries when it is next delivered: pushed to a
    /// consumer, or fetched with `basic_get` (`get`), where a quorum queue adds
    /// `x-delivery-count` even when it is 0 (`rabbit_fifo_client:dequeue`).
    pub fn next_delivery(&self, setup: &Setup, copy: CopyId, get: bool) -> Headers {
        let Some(state) = self.copies.get(copy.index()).copied().flatten() else { return Headers::default() };
        let quorum = state.queue.is_some_and(|q| setup.scenario.queues[q.index()].queue_type == QueueType::Quorum);
        let mut headers = self.deaths.get(&copy).map(|d| render(setup, d)).unwrap_or_default();
        if quorum && (get || state.deliveries > 0) {
            headers.delivery_count = Some(state.deliveries);
        }
        headers
    }

    /// The tracker after reading `trace[..upto]`.
    pub fn replay(setup: &Setup, trace: &[TraceEntry], upto: usize) -> HeaderTracker {
        let mut tracker = HeaderTracker::new();
        for entry in &trace[..upto.min(trace.len())] {
            tracker.observe(setup, &entry.event);
        }
        tracker
    }

    /// The `x-delivery-count` of the delivery that is event `index`, for a copy that was
    /// never dead-lettered (so it has no `x-death`), read backwards from it to the copy's
    /// enqueue: O(distance), not O(index). `None` when the event is not a delivery or the
    /// enqueue is more than `lookback` events back (then `replay` answers).
    pub fn delivery_count_at(setup: &Setup, trace: &[TraceEntry], index: usize, lookback: usize) -> Option<Option<u32>> {
        let Event::MessageDelivered { copy, .. } = trace.get(index)?.event else { return None };
        let mut earlier: u32 = 0;
        for entry in trace[index.saturating_sub(lookback)..index].iter().rev() {
            match entry.event {
                Event::MessageDelivered { copy: c, .. } if c == copy => earlier = earlier.saturating_add(1),
                Event::MessageEnqueued { copy: c, queue } if c == copy => {
                    let quorum = setup.scenario.queues[queue.index()].queue_type == QueueType::Quorum;
                    return Some((quorum && earlier > 0).then_some(earlier));
                }
                _ => {}
            }
        }
        None
    }

    /// The headers of every delivery of `trace`, in trace order: (event index, headers),
    /// only for deliveries that carry some.
    pub fn of_trace(setup: &Setup, trace: &[TraceEntry]) -> Vec<(usize, Headers)> {
        let mut tracker = HeaderTracker::new();
        trace
            .iter()
            .enumerate()
            .filter_map(|(index, entry)| tracker.observe(setup, &entry.event).filter(|h| !h.is_empty()).map(|h| (index, h)))
            .collect()
    }
}

fn exchange_name(setup: &Setup, source: Source) -> String {
    match source {
        Source::Publish(actor) => match &setup.actors[actor.index()].spec {
            ActorSpec::Producer(p) => p.exchange.clone(),
            _ => String::new(),
        },
        Source::DeadLetter(queue) => setup.scenario.queues[queue.index()].dead_letter_exchange.clone().unwrap_or_default(),
    }
}

fn routing_key(setup: &Setup, source: Source) -> String {
    match source {
        Source::Publish(actor) => match &setup.actors[actor.index()].spec {
            ActorSpec::Producer(p) => p.routing_key.clone().unwrap_or_else(|| p.queue.clone()),
            _ => String::new(),
        },
        Source::DeadLetter(queue) => setup.scenario.queues[queue.index()].dead_letter_routing_key.clone().unwrap_or_default(),
    }
}

fn render(setup: &Setup, deaths: &Deaths) -> Headers {
    let queue_name = |q: QueueId| setup.scenario.queues[q.index()].name.clone();
    Headers {
        x_death: deaths
            .entries
            .iter()
            .map(|d| XDeath {
                count: d.count,
                reason: d.reason,
                queue: queue_name(d.queue),
                exchange: exchange_name(setup, d.exchange),
                routing_keys: vec![routing_key(setup, d.key)],
            })
            .collect(),
        first_death_reason: deaths.first.map(|(reason, _, _)| reason),
        first_death_queue: deaths.first.map(|(_, queue, _)| queue_name(queue)),
        first_death_exchange: deaths.first.map(|(_, _, exchange)| exchange_name(setup, exchange)),
        delivery_count: None,
    }
}
