//! Reports: what a run means, per message, per queue and per actor, built from a world by
//! reading it (never changing it). The CLI prints a report as JSON; the page shows it.
//!
//! Invariant: a report is a pure function of the world it was made from.

use crate::engine::checker::{Checker, RunLabel, Verdict, VerdictCounts};
use crate::systems::rabbitmq::headers::{HeaderTracker, Headers};
use crate::engine::ids::*;
use crate::engine::timing::{Timing, TimingReport};
use crate::engine::ledger::Place;
use crate::systems::rabbitmq::trace::{trace_hash, DeathReason, DiscardReason, Event, TraceEntry};
use crate::systems::rabbitmq::world::{ActorStatus, Finish, Sim};
use crate::i18n::{self, cause_text, Lang};
use serde::Serialize;

/// The engine version travels with every report and share link.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Clone, Debug, Serialize)]
pub struct DeliveryReport {
    pub to: String,
    pub at_ms: u64,
    pub redelivered: bool,
    pub tag: u32,
    /// What RabbitMQ put in its headers (`x-death`, `x-first-death-*`, `x-delivery-count`).
    #[serde(skip_serializing_if = "Headers::is_empty")]
    pub headers: Headers,
}

#[derive(Clone, Debug, Serialize)]
pub struct CopyEnd {
    /// `queued`, `unacked`, `delivered` (auto-acked, at the consumer), `in_flight`, `acked`,
    /// `dead_lettered`, `dropped`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Why a message was not processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Its producer crashed, was stopped or exited with an error before publishing it.
    ProducerDied,
    /// Its own `basic_publish` raised (its connection or channel was already closed) and
    /// its producer exited: never sent.
    PublishRaised,
    /// Lost: a dual-write order service committed its order, then went down before
    /// publishing it (`consumer`: the service).
    OrderNeverPublished,
    /// Never sent: its order service went down before committing the order.
    OrderNeverPlaced,
    /// Lost: a dual write's publish raised before it was sent (the connection was gone) and the
    /// service exited; its order is in the database.
    OrderPublishRaised,
    /// Lost: its frame was lost while its producer waited for the confirm; `basic_publish`
    /// raised and the producer exited without publishing it again.
    FrameLostPublishRaised,
    /// The same for a dual write's order: it stays in the database.
    OrderFrameLost,
    /// Processed once; its outbox row is still in the database (the relay, `consumer`, went
    /// down after publishing it and before deleting the row).
    RowLeftInOutbox,
    /// Processed once, though `consumer` (its publisher) published it `deliveries` times: the
    /// idempotent consumer's inbox skipped the later copies.
    AppliedOnce,
    /// Stranded: its order and outbox row are in the database, and the relay (`consumer`)
    /// is down: it publishes the row when it runs again.
    InOutbox,
    /// The run ended with it ready in a queue and no consumer left to take it.
    StillQueued,
    /// The run ended with it in a queue whose node is down (or, for a quorum queue, without
    /// a majority): nobody can consume it until the node comes back.
    QueueDown,
    /// The run ended with it delivered and unacknowledged at a consumer that will not
    /// finish it (its channel is still open, so the broker does not requeue it).
    StillUnacked,
    /// A quorum queue dead-lettered it at its `x-delivery-limit`, none of its deliveries
    /// acknowledged.
    DeadLetteredAtDeliveryLimit,
    /// Duplicated: its producer published it more than once (a retry after an error), and
    /// the broker had taken the earlier publish (`consumer`: the producer).
    PublishedAgain,
    /// Duplicated: the relay (`consumer`) published its outbox row again after a restart: it
    /// had gone down after publishing it and before deleting the row.
    RelayPublishedAgain,
    /// Duplicated: the network delivered its publish twice (an injected duplicate frame).
    DuplicatedOnNetwork,
    /// Duplicated: its node was killed before `queue` synced its ack to disk, so the queue
    /// recovered it and delivered it again.
    AckForgotten,
    /// Duplicated: the broker delivered it again (`consumer`: the first consumer,
    /// `redelivered_to`: the one it went to next). `redelivered`: flagged so, because the
    /// broker got no ack for the first delivery and requeued it.
    DeliveredAgain { redelivered: bool },
    /// Its last copy was dropped, for this reason (serialized as the reason itself).
    #[serde(untagged)]
    Discarded(DiscardReason),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cause {
    /// Index of the event in the trace that explains it (click to see that moment).
    pub event: u32,
    pub at_ms: u64,
    pub reason: Why,
    /// The consumer that held it, if one did (lost, unacked), or its producer (never sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    /// The queue it is stranded in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// How many times it was delivered (or published, for `PublishedAgain`), when that is
    /// the cause (a delivery limit, a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<u32>,
    /// For a duplicate delivered again: the consumer of its second delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivered_to: Option<String>,
    /// The cause in English (`Cause::text_in` gives it in other languages).
    pub text: String,
}

impl Cause {
    fn new(event: u32, at_ms: u64, reason: Why, consumer: Option<String>, queue: Option<String>) -> Cause {
        let mut cause = Cause { event, at_ms, reason, consumer, queue, deliveries: None, redelivered_to: None, text: String::new() };
        cause.text = cause.text_in(Lang::En);
        cause
    }

    /// With how many times it was delivered (or published), its text said again.
    fn with_deliveries(mut self, deliveries: u32) -> Cause {
        self.deliveries = Some(deliveries);
        self.text = self.text_in(Lang::En);
        self
    }

    /// With the consumer of its second delivery, its text said again.
    fn with_redelivered_to(mut self, consumer: String) -> Cause {
        self.redelivered_to = Some(consumer);
        self.text = self.text_in(Lang::En);
        self
    }

    /// The cause as a sentence in `lang`.
    pub fn text_in(&self, lang: Lang) -> String {
        let (actor, queue) = (self.consumer.as_deref(), self.queue.as_deref().unwrap_or(""));
        match self.reason {
            Why::Discarded(DiscardReason::DeliveryLimit) if self.deliveries.is_some() => {
                i18n::delivery_limit_text(self.deliveries.unwrap_or(0), false, lang)
            }
            Why::DeadLetteredAtDeliveryLimit => i18n::delivery_limit_text(self.deliveries.unwrap_or(0), true, lang),
            Why::Discarded(reason) => cause_text(reason, actor, lang),
            Why::ProducerDied => i18n::never_sent_text(actor.unwrap_or(""), lang),
            Why::PublishRaised => i18n::publish_raised_text(actor.unwrap_or(""), lang),
            Why::OrderNeverPublished => i18n::order_never_published_text(actor.unwrap_or(""), lang),
            Why::OrderNeverPlaced => i18n::order_never_placed_text(actor.unwrap_or(""), lang),
            Why::OrderPublishRaised => i18n::order_publish_raised_text(actor.unwrap_or(""), lang),
            Why::FrameLostPublishRaised => i18n::frame_lost_publish_raised_text(actor.unwrap_or(""), false, lang),
            Why::OrderFrameLost => i18n::frame_lost_publish_raised_text(actor.unwrap_or(""), true, lang),
            Why::RowLeftInOutbox => i18n::row_left_text(actor.unwrap_or(""), lang),
            Why::RelayPublishedAgain => i18n::relay_published_again_text(actor.unwrap_or(""), self.deliveries.unwrap_or(2), lang),
            Why::InOutbox => i18n::in_outbox_text(actor.unwrap_or(""), lang),
            Why::AppliedOnce => i18n::applied_once_text(actor.unwrap_or(""), self.deliveries.unwrap_or(2), lang),
            Why::StillQueued => i18n::stranded_text(queue, None, lang),
            Why::QueueDown => i18n::stranded_on_down_node_text(queue, lang),
            Why::StillUnacked => i18n::stranded_text(queue, actor, lang),
            Why::PublishedAgain => i18n::published_again_text(actor.unwrap_or(""), self.deliveries.unwrap_or(2), lang),
            Why::DuplicatedOnNetwork => i18n::duplicated_on_network_text(lang),
            Why::AckForgotten => i18n::ack_forgotten_text(queue, lang),
            Why::DeliveredAgain { redelivered } => {
                i18n::delivered_again_text(actor.unwrap_or(""), self.redelivered_to.as_deref().unwrap_or(""), self.deliveries.unwrap_or(2), redelivered, lang)
            }
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageReport {
    pub id: u32,
    pub producer: String,
    pub payload: String,
    pub data: u32,
    pub deliveries: Vec<DeliveryReport>,
    pub copies: Vec<CopyEnd>,
    pub effects: u32,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QueueReport {
    pub name: String,
    pub exists: bool,
    pub depth: usize,
    pub unacked: usize,
    /// Payload `data` of the ready messages, head first.
    pub ready: Vec<u32>,
    /// The headers of the ready messages, head first, as `basic_get` reads them (how the
    /// conformance layer reads a queue); absent when none has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_headers: Option<Vec<Headers>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActorReport {
    pub name: String,
    pub role: &'static str,
    pub status: ActorStatus,
    pub terminal: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub engine_version: &'static str,
    pub finish: Option<Finish>,
    pub time_ms: u64,
    pub events: usize,
    pub trace_hash: String,
    pub label: RunLabel,
    pub counts: VerdictCounts,
    pub summary: String,
    pub messages: Vec<MessageReport>,
    pub queues: Vec<QueueReport>,
    pub actors: Vec<ActorReport>,
    /// Throughput and end-to-end latency in simulated time (`engine::timing`).
    pub timing: TimingReport,
    /// The databases on disk, with an order service: its `orders.db` and the idempotent
    /// consumers' `effects.db` (the inbox), each row by its payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceEntry>>,
}

/// What the databases hold (payloads, in id order), as `SELECT` would read them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatabaseReport {
    /// `orders.db`'s orders table.
    pub orders: Vec<u32>,
    /// `orders.db`'s outbox table: rows the relay has not deleted.
    pub outbox: Vec<u32>,
    /// `effects.db`: the effects the idempotent consumers applied, once per message id.
    pub effects: Vec<u32>,
}

impl Report {
    /// Everything about the run so far. `with_trace` includes the full event list.
    pub fn new(sim: &Sim, with_trace: bool) -> Report {
        Report::with_trace(sim, sim.trace(), with_trace)
    }

    /// The report of a world whose events are `trace` (a snapshot keeps no trace of its own:
    /// its session passes the run's trace up to the snapshot's step).
    pub fn with_trace(sim: &Sim, trace: &[TraceEntry], include_trace: bool) -> Report {
        assert_eq!(trace.len(), sim.events(), "the trace must be the world's own events");
        let with_trace = include_trace;
        let setup = sim.setup();
        let ledger = sim.ledger();
        let actor_name = |a: ActorId| setup.actors[a.index()].name.clone();
        let queue_name = |q: QueueId| setup.scenario.queues[q.index()].name.clone();
        let mut deliveries: Vec<Vec<DeliveryReport>> = vec![Vec::new(); ledger.messages.len()];
        let mut dead_letter: Vec<Option<String>> = vec![None; ledger.copies.len()];
        let mut discard: Vec<Option<DiscardReason>> = vec![None; ledger.copies.len()];
        let mut headers = HeaderTracker::new();
        let track_headers = HeaderTracker::needed(setup);
        for entry in trace {
            let delivery_headers = if track_headers { headers.observe(setup, &entry.event) } else { None };
            match entry.event {
                Event::MessageDelivered { copy, actor, tag, redelivered, .. } => {
                    let headers = delivery_headers.unwrap_or_default();
                    deliveries[ledger.message_of(copy).index()].push(DeliveryReport { to: actor_name(actor), at_ms: u64::from(entry.at_ms), redelivered, tag, headers });
                }
                Event::MessageDeadLettered { copy, reason, .. } => {
                    dead_letter[copy.index()] = Some(serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default());
                }
                Event::MessageDiscarded { copy, reason } => discard[copy.index()] = Some(reason),
                _ => {}
            }
        }
        let mut copies: Vec<Vec<CopyEnd>> = vec![Vec::new(); ledger.messages.len()];
        for (index, copy) in ledger.copies.iter().enumerate() {
            let reason_of = |r: Option<DiscardReason>| r.and_then(|r| serde_json::to_value(r).ok()).and_then(|v| v.as_str().map(String::from));
            let end = match copy.place {
                Place::ToBroker { .. } => CopyEnd { state: "in_flight", queue: None, reason: None },
                Place::Ready { queue } if dead_letter[index].is_some() => {
                    CopyEnd { state: "dead_lettered", queue: Some(queue_name(queue)), reason: dead_letter[index].clone() }
                }
                Place::Ready { queue } => CopyEnd { state: "queued", queue: Some(queue_name(queue)), reason: None },
                Place::AtConsumer { queue, acked: false, .. } => CopyEnd { state: "unacked", queue: Some(queue_name(queue)), reason: None },
                // auto_ack=True: the broker already forgot it; only the consumer holds it.
                Place::AtConsumer { queue, acked: true, .. } => CopyEnd { state: "delivered", queue: Some(queue_name(queue)), reason: None },
                Place::Settled => CopyEnd { state: "acked", queue: None, reason: None },
                Place::Discarded => CopyEnd { state: "dropped", queue: None, reason: reason_of(discard[index]) },
            };
            copies[copy.message.index()].push(end);
        }
        let checker: &Checker = sim.checker();
        let mut counts = VerdictCounts::default();
        let mut messages = Vec::with_capacity(ledger.messages.len());
        let published = |index: usize| checker.stats.get(index).is_some_and(|s| s.published);
        let stranded = (0..ledger.messages.len()).map(|i| MessageId(i as u32)).filter(|&m| published(m.index()) && sim.verdict(m) == Verdict::Stranded);
        let strandings = Strandings::new(sim, trace, stranded);
        for (index, record) in ledger.messages.iter().enumerate() {
            let id = MessageId(index as u32);
            let stats = checker.stats.get(index).copied().unwrap_or_default();
            if !has_verdict(sim, &stats, id) {
                continue;
            }
            let verdict = sim.verdict(id);
            if stats.published { counts.add(verdict) } else { counts.add_unpublished(verdict) }
            let cause = cause_of(sim, trace, &strandings, id, verdict, stats.last_discard);
            messages.push(MessageReport {
                id: id.0,
                producer: actor_name(record.producer),
                payload: format!("{{'data': {}}}", record.data),
                data: record.data,
                deliveries: std::mem::take(&mut deliveries[index]),
                copies: std::mem::take(&mut copies[index]),
                effects: stats.effects,
                verdict,
                cause,
            });
        }
        // Payloads never published get rows too, numbered after the real messages.
        for (k, unsent) in never_sent(sim, trace).into_iter().enumerate() {
            counts.add(Verdict::NeverSent);
            messages.push(MessageReport {
                id: (ledger.messages.len() + k) as u32,
                producer: actor_name(unsent.producer),
                payload: format!("{{'data': {}}}", unsent.data),
                data: unsent.data,
                deliveries: Vec::new(),
                copies: Vec::new(),
                effects: 0,
                verdict: Verdict::NeverSent,
                cause: Some(unsent.cause),
            });
        }
        let broker = sim.broker();
        let queues = broker
            .queues
            .iter()
            .enumerate()
            .map(|(index, q)| QueueReport {
                name: q.spec.name.clone(),
                exists: q.exists,
                depth: q.ready.len(),
                unacked: broker
                    .channels
                    .iter()
                    .flat_map(|c| c.unacked.iter())
                    .filter(|(_, copy)| matches!(ledger.copy(*copy).place, Place::AtConsumer { queue, .. } if queue.index() == index))
                    .count(),
                ready: q.ready.iter().map(|&c| ledger.messages[ledger.message_of(c).index()].data).collect(),
                ready_headers: if track_headers {
                    let all: Vec<Headers> = q.ready.iter().map(|&c| headers.next_delivery(setup, c, true)).collect();
                    all.iter().any(|h| !h.is_empty()).then_some(all)
                } else {
                    None
                },
            })
            .collect();
        let mut terminals: Vec<Vec<String>> = vec![Vec::new(); setup.actors.len()];
        for entry in trace {
            if let Event::Printed { actor, text, .. } = entry.event {
                terminals[actor.index()].push(text.render(&setup.scenario));
            }
        }
        let actors = sim
            .actors()
            .iter()
            .enumerate()
            .map(|(index, runtime)| {
                let terminal = std::mem::take(&mut terminals[index]);
                ActorReport {
                name: setup.actors[index].name.clone(),
                role: match setup.actors[index].spec {
                    crate::scenario::ActorSpec::Producer(_) => "producer",
                    crate::scenario::ActorSpec::Consumer(_) => "consumer",
                    crate::scenario::ActorSpec::Admin(_) => "admin",
                    crate::scenario::ActorSpec::Relay(_) => "relay",
                },
                status: runtime.status,
                exit_error: match (runtime.status, &setup.actors[index].spec) {
                    // rabbitmqadmin is not pika: it says so in its own words (its last line).
                    (ActorStatus::Failed(_), crate::scenario::ActorSpec::Admin(_)) => terminal.last().cloned(),
                    (ActorStatus::Failed(error), _) => Some(error.text(&setup.scenario).into_owned()),
                    _ => None,
                },
                terminal,
            }
            })
            .collect();
        let label = Checker::label(&counts, sim.ended());
        let summary = summary_line(label, &counts, &messages);
        Report {
            scenario: setup.scenario.name.clone(),
            seed: setup.scenario.seed,
            engine_version: ENGINE_VERSION,
            finish: sim.finish(),
            time_ms: sim.now_ms(),
            events: trace.len(),
            trace_hash: trace_hash(trace),
            label,
            counts,
            summary,
            messages,
            queues,
            actors,
            timing: Timing::of(trace, ledger.messages.len()).named(actor_name),
            database: setup.scenario.actors.iter().any(|a| matches!(a, crate::scenario::ActorSpec::Producer(p) if p.orders.is_some())).then(|| {
                let data = |ms: &mut dyn Iterator<Item = MessageId>| {
                    let mut out: Vec<u32> = ms.map(|m| ledger.messages[m.index()].data).collect();
                    out.sort_unstable();
                    out
                };
                DatabaseReport {
                    orders: data(&mut sim.orders_db().orders.iter().copied()),
                    outbox: data(&mut sim.orders_db().outbox.iter().copied()),
                    effects: data(&mut sim.applied().iter().copied()),
                }
            }),
            trace: with_trace.then(|| trace.to_vec()),
        }
    }

    /// Payloads (`data`) of the messages with this verdict.
    pub fn data_with(&self, verdict: Verdict) -> Vec<u32> {
        self.messages.iter().filter(|m| m.verdict == verdict).map(|m| m.data).collect()
    }
}

fn summary_line(label: RunLabel, counts: &VerdictCounts, messages: &[MessageReport]) -> String {
    let data: Vec<(u32, Verdict)> = messages.iter().map(|m| (m.data, m.verdict)).collect();
    summary_of(label, counts, &data)
}

/// The one-line summary of a run of any system, from its label, counts and each message's
/// (payload, verdict): the bad verdicts list their first 20 payloads.
pub fn summary_of(label: RunLabel, counts: &VerdictCounts, messages: &[(u32, Verdict)]) -> String {
    let list = |v: Verdict| {
        let data: Vec<String> = messages.iter().filter(|m| m.1 == v).map(|m| m.0.to_string()).take(20).collect();
        if data.is_empty() {
            String::new()
        } else {
            format!(" ({})", data.join(","))
        }
    };
    let label = label.name();
    format!(
        "{label}: published {}, processed once {}, redelivered {}, out of order {}, duplicated {}{}, lost {}{}, dead-lettered {}{}, expired {}, stranded {}{}, never sent {}{}, pending {}",
        counts.published,
        counts.processed_once,
        counts.redelivered,
        counts.out_of_order,
        counts.duplicated,
        list(Verdict::Duplicated),
        counts.lost,
        list(Verdict::Lost),
        counts.dead_lettered,
        list(Verdict::DeadLettered),
        counts.expired,
        counts.stranded,
        list(Verdict::Stranded),
        counts.never_sent,
        list(Verdict::NeverSent),
        counts.pending
    )
}

/// The verdicts at a step, cheaply: O(messages + copies) without formatting, and text only
/// for the rows shown. What the page redraws at every step; `Report` is the full account.
#[derive(Clone, Debug, PartialEq)]
pub struct Live {
    pub counts: VerdictCounts,
    pub label: RunLabel,
    /// At most `rows_max` rows: every message when they fit, else the bad ones (and the
    /// selected one) first, filled up with the others; in id order.
    pub rows: Vec<LiveRow>,
    /// How many messages there are in all.
    pub messages: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LiveRow {
    pub id: u32,
    pub data: u32,
    pub verdict: Verdict,
    /// Where its copies are: `queued test_queue`, `unacked test_queue`, `acked`, ...
    pub place: String,
    pub redelivered: bool,
    pub cause: Option<Cause>,
}

/// How far back a cause looks for the delivery that put a lost message at a consumer.
const CAUSE_LOOKBACK_EVENTS: usize = 20_000;

/// Why a message was not processed: for a lost or expired one the event that discarded its
/// last copy (and the consumer that held it then); for a stranded one where it waits.
fn cause_of(sim: &Sim, trace: &[TraceEntry], strandings: &Strandings, message: MessageId, verdict: Verdict, last_discard: Option<u32>) -> Option<Cause> {
    let setup = sim.setup();
    let stats = sim.checker().stats.get(message.index()).copied().unwrap_or_default();
    match verdict {
        Verdict::Lost | Verdict::Expired => {}
        Verdict::Stranded if sim.in_outbox(message) => return outbox_cause(sim, trace),
        Verdict::Stranded => return strandings.cause(sim, trace, message),
        Verdict::Duplicated => return duplicate_cause(sim, trace, message),
        Verdict::DeadLettered if stats.dead_lettered_at_limit && !stats.acked => {
            // The moment the quorum queue gave up on it (within the lookback, else the end).
            let from = trace.len().saturating_sub(CAUSE_LOOKBACK_EVENTS);
            let event = trace[from..]
                .iter()
                .rposition(|e| matches!(e.event, Event::MessageDeadLettered { copy, reason: DeathReason::DeliveryLimit, .. } if sim.ledger().message_of(copy) == message))
                .map_or(trace.len().saturating_sub(1), |at| from + at);
            let at_ms = trace.get(event).map_or(0, |e| u64::from(e.at_ms));
            return Some(Cause::new(event as u32, at_ms, Why::DeadLetteredAtDeliveryLimit, None, None).with_deliveries(stats.deliveries));
        }
        Verdict::ProcessedOnce if stats.deliveries > 1 => return deduplicated_cause(sim, trace, message),
        Verdict::ProcessedOnce if sim.in_outbox(message) => return row_left_cause(sim, trace),
        _ => return None,
    }
    let producer = setup.actors[sim.ledger().messages[message.index()].producer.index()].name.clone();
    if let Some(event) = stats.unpublished.filter(|_| !stats.published) {
        let at_ms = trace.get(event as usize).map_or(0, |e| u64::from(e.at_ms));
        let raised = matches!(trace.get(event as usize).map(|e| e.event), Some(Event::OrderNeverPublished { raised: true, .. }));
        let why = if raised { Why::OrderPublishRaised } else { Why::OrderNeverPublished };
        return Some(Cause::new(event, at_ms, why, Some(producer), None));
    }
    let event = last_discard?;
    let entry = trace.get(event as usize)?;
    let Event::MessageDiscarded { copy, reason } = entry.event else { return None };
    let from = (event as usize).saturating_sub(CAUSE_LOOKBACK_EVENTS);
    let consumer = trace[from..event as usize].iter().rev().find_map(|e| match e.event {
        Event::MessageDelivered { copy: c, actor, .. } if c == copy => Some(setup.actors[actor.index()].name.clone()),
        _ => None,
    });
    // A frame lost while its producer waited for the confirm: basic_publish raised when the
    // connection reset, so the producer was told (and exited without publishing it again).
    let told = reason == DiscardReason::FrameLost
        && trace[event as usize..].iter().any(|e| matches!(e.event, Event::PublishFailed { message: m, retry_in_ms: None, .. } if m == message));
    if told {
        let why = if sim.order_committed(message) { Why::OrderFrameLost } else { Why::FrameLostPublishRaised };
        return Some(Cause::new(event, u64::from(entry.at_ms), why, Some(producer), None));
    }
    let cause = Cause::new(event, u64::from(entry.at_ms), Why::Discarded(reason), consumer, None);
    if reason == DiscardReason::DeliveryLimit && stats.dropped_at_limit && !stats.acked {
        return Some(cause.with_deliveries(stats.deliveries));
    }
    Some(cause)
}

/// Processed once though published more than once (a relay's or a producer's retry): the
/// inbox skipped the later copies. The cause points at the skip (within the lookback).
fn deduplicated_cause(sim: &Sim, trace: &[TraceEntry], message: MessageId) -> Option<Cause> {
    let from = trace.len().saturating_sub(CAUSE_LOOKBACK_EVENTS);
    let (mut publishes, mut publisher, mut skipped) = (0u32, None, None);
    for (offset, e) in trace[from..].iter().enumerate() {
        match e.event {
            Event::MessagePublished { message: m, actor, .. } if m == message => {
                publishes += 1;
                publisher = Some(actor);
            }
            Event::EffectSkipped { message: m, .. } if m == message => skipped = skipped.or(Some(from + offset)),
            _ => {}
        }
    }
    let (event, publisher) = (skipped?, publisher?);
    if publishes < 2 {
        return None;
    }
    let at_ms = trace.get(event).map_or(0, |e| u64::from(e.at_ms));
    let name = sim.setup().actors[publisher.index()].name.clone();
    Some(Cause::new(event as u32, at_ms, Why::AppliedOnce, Some(name), None).with_deliveries(publishes))
}

/// Processed once, and its outbox row is still there: the relay went down after publishing it
/// and before deleting the row. A relay that runs again publishes it again (at least once).
fn row_left_cause(sim: &Sim, trace: &[TraceEntry]) -> Option<Cause> {
    let cause = outbox_cause(sim, trace)?;
    Some(Cause::new(cause.event, cause.at_ms, Why::RowLeftInOutbox, cause.consumer, None))
}

/// An order left in the outbox at the end: the relay went down (the event where it did).
fn outbox_cause(sim: &Sim, trace: &[TraceEntry]) -> Option<Cause> {
    let setup = sim.setup();
    let relay = setup.actors.iter().position(|a| matches!(a.spec, crate::scenario::ActorSpec::Relay(_)))?;
    let event = trace
        .iter()
        .rposition(|e| match e.event {
            Event::ActorCrashed { actor } | Event::ActorStopped { actor } | Event::ActorExited { actor, .. } => actor.index() == relay,
            _ => false,
        })
        .unwrap_or(trace.len().saturating_sub(1));
    let at_ms = trace.get(event).map_or(0, |e| u64::from(e.at_ms));
    Some(Cause::new(event as u32, at_ms, Why::InOutbox, Some(setup.actors[relay].name.clone()), None))
}

/// Why a message was processed more than once, from its events within the lookback: a
/// duplicate frame on the network, else a second publish (a retry), else a second delivery.
/// The cause points at the moment it became a duplicate: the duplicate frame, the error that
/// made the producer retry, the requeue before the redelivery.
fn duplicate_cause(sim: &Sim, trace: &[TraceEntry], message: MessageId) -> Option<Cause> {
    let setup = sim.setup();
    let ledger = sim.ledger();
    let name = |actor: ActorId| setup.actors[actor.index()].name.clone();
    let from = trace.len().saturating_sub(CAUSE_LOOKBACK_EVENTS);
    let (mut publishes, mut deliveries) = (Vec::new(), Vec::new());
    // The error that made the producer publish again, and the requeue that made the broker
    // deliver again: where the cause points (the moment it became a duplicate).
    let (mut failed_before_second, mut requeued_before_second) = (None, None);
    for (offset, e) in trace[from..].iter().enumerate() {
        let index = from + offset;
        match e.event {
            Event::MessageDuplicated { from: original, .. } if ledger.message_of(original) == message => {
                return Some(Cause::new(index as u32, u64::from(e.at_ms), Why::DuplicatedOnNetwork, None, None));
            }
            Event::AckForgotten { copy, queue, .. } if ledger.message_of(copy) == message => {
                let queue = setup.scenario.queues[queue.index()].name.clone();
                return Some(Cause::new(index as u32, u64::from(e.at_ms), Why::AckForgotten, None, Some(queue)));
            }
            Event::PublishFailed { message: m, .. } if m == message && publishes.len() == 1 => failed_before_second = Some(index),
            Event::MessagePublished { actor, message: m, .. } if m == message => publishes.push((index, actor)),
            Event::MessageRequeued { copy, .. } if deliveries.len() == 1 && ledger.message_of(copy) == message => requeued_before_second = Some(index),
            Event::MessageDelivered { copy, actor, redelivered, .. } if ledger.message_of(copy) == message => deliveries.push((index, actor, redelivered)),
            _ => {}
        }
    }
    let at = |index: usize| trace.get(index).map_or(0, |e| u64::from(e.at_ms));
    if let [_, (second, producer), ..] = publishes[..] {
        // A relay does not retry: its new process published the row it had not deleted.
        let relay = matches!(setup.actors[producer.index()].spec, crate::scenario::ActorSpec::Relay(_));
        let (event, why) = if relay { (second, Why::RelayPublishedAgain) } else { (failed_before_second.unwrap_or(second), Why::PublishedAgain) };
        return Some(Cause::new(event as u32, at(event), why, Some(name(producer)), None).with_deliveries(publishes.len() as u32));
    }
    let [(_, first, _), (second, to, redelivered), ..] = deliveries[..] else { return None };
    let event = if redelivered { requeued_before_second.unwrap_or(second) } else { second };
    let cause = Cause::new(event as u32, at(event), Why::DeliveredAgain { redelivered }, Some(name(first)), None);
    Some(cause.with_deliveries(deliveries.len() as u32).with_redelivered_to(name(to)))
}

/// Where stranded messages wait: each one's first live copy and the event that put it there
/// (its last enqueue, requeue or delivery). Built with one pass over the copies and one over
/// the trace's tail for all of them, not a search per message (a run that strands a million
/// messages would be quadratic).
#[derive(Default)]
struct Strandings {
    /// message -> (its waiting copy, the event that placed it, if within the lookback).
    at: std::collections::BTreeMap<MessageId, (CopyId, Option<usize>)>,
}

impl Strandings {
    fn new(sim: &Sim, trace: &[TraceEntry], stranded: impl IntoIterator<Item = MessageId>) -> Strandings {
        let mut at: std::collections::BTreeMap<MessageId, (CopyId, Option<usize>)> = std::collections::BTreeMap::new();
        // Inserted one by one: `collect` would sort first (another instance of the sort).
        let mut wanted = std::collections::BTreeSet::new();
        for message in stranded {
            wanted.insert(message);
        }
        if wanted.is_empty() {
            return Strandings { at };
        }
        for (index, copy) in sim.ledger().copies.iter().enumerate() {
            if copy.place.is_live() && wanted.contains(&copy.message) {
                at.entry(copy.message).or_insert((CopyId(index as u32), None));
            }
        }
        let mut by_copy: std::collections::BTreeMap<CopyId, MessageId> = std::collections::BTreeMap::new();
        for (&m, &(c, _)) in &at {
            by_copy.insert(c, m);
        }
        let from = trace.len().saturating_sub(CAUSE_LOOKBACK_EVENTS);
        for (offset, e) in trace[from..].iter().enumerate().rev() {
            if by_copy.is_empty() {
                break;
            }
            let copy = match e.event {
                Event::MessageEnqueued { copy, .. } | Event::MessageRequeued { copy, .. } | Event::MessageDelivered { copy, .. } => copy,
                _ => continue,
            };
            if let Some(message) = by_copy.remove(&copy) {
                if let Some(entry) = at.get_mut(&message) {
                    entry.1 = Some(from + offset);
                }
            }
        }
        Strandings { at }
    }

    /// A stranded message's cause: where its copy waits, and the event that put it there.
    fn cause(&self, sim: &Sim, trace: &[TraceEntry], message: MessageId) -> Option<Cause> {
        let setup = sim.setup();
        let &(copy, placed) = self.at.get(&message)?;
        let queue_name = |q: QueueId| setup.scenario.queues[q.index()].name.clone();
        let (why, queue, consumer) = match sim.ledger().copy(copy).place {
            Place::AtConsumer { queue, connection, .. } => {
                let actor = sim.broker().channels.get(connection.index()).map(|c| setup.actors[c.actor.index()].name.clone());
                (Why::StillUnacked, queue, actor)
            }
            Place::Ready { queue } if !sim.broker().queue_running(queue) => (Why::QueueDown, queue, None),
            Place::Ready { queue } => (Why::StillQueued, queue, None),
            Place::ToBroker { .. } | Place::Settled | Place::Discarded => return None,
        };
        let event = placed.unwrap_or(trace.len().saturating_sub(1));
        let at_ms = trace.get(event).map_or(0, |e| u64::from(e.at_ms));
        Some(Cause::new(event as u32, at_ms, why, consumer, Some(queue_name(queue))))
    }
}

/// A payload its producer never published, with the event where the producer went down.
pub struct Unsent {
    pub producer: ActorId,
    pub data: u32,
    pub cause: Cause,
}

/// Once a run is quiescent, the payloads each producer still had to publish when it went
/// down for good (empty before the run is over: a producer may still be coming back).
pub fn never_sent(sim: &Sim, trace: &[TraceEntry]) -> Vec<Unsent> {
    if sim.finish() != Some(Finish::Quiescent) {
        return Vec::new();
    }
    let setup = sim.setup();
    let stats = &sim.checker().stats;
    let mut unsent = Vec::new();
    for (index, (actor, runtime)) in setup.actors.iter().zip(sim.actors()).enumerate() {
        let crate::scenario::ActorSpec::Producer(spec) = &actor.spec else { continue };
        if runtime.status == ActorStatus::Finished {
            continue;
        }
        let producer = ActorId(index as u16);
        // A committed order is never unsent: it was published, or it is in the outbox, or its
        // service never published it (lost, its own row).
        let published = |i: usize| runtime.messages().get(i).is_some_and(|&m| sent_or_placed(sim, stats, m));
        let missing: Vec<u32> = (0..spec.messages).filter(|&i| !published(i as usize)).collect();
        if missing.is_empty() {
            continue;
        }
        // The moment it went down: its last crash, stop or exit.
        let event = trace
            .iter()
            .rposition(|e| match e.event {
                Event::ActorCrashed { actor } | Event::ActorStopped { actor } | Event::ActorExited { actor, .. } => actor == producer,
                _ => false,
            })
            .unwrap_or(trace.len().saturating_sub(1));
        let at_ms = trace.get(event).map_or(0, |e| u64::from(e.at_ms));
        let why = if spec.orders.is_some() { Why::OrderNeverPlaced } else { Why::ProducerDied };
        let cause = Cause::new(event as u32, at_ms, why, Some(actor.name.clone()), None);
        // It exited with an error raised by basic_publish itself: the first message missing
        // is the one that call was publishing (its publish raised; it did not go down before).
        // (An order service's publish is of a committed order: that one is lost, not unsent.)
        let raised_publishing = spec.orders.is_none()
            && matches!(trace.get(event).map(|e| e.event), Some(Event::ActorExited { error: Some(_), .. }))
            && actor.program.main.iter().any(|op| op.kind == crate::systems::rabbitmq::program::OpKind::Publish && op.line == runtime.line);
        unsent.extend(missing.into_iter().enumerate().map(|(k, i)| {
            let cause = if k == 0 && raised_publishing { Cause::new(event as u32, at_ms, Why::PublishRaised, Some(actor.name.clone()), None) } else { cause.clone() };
            Unsent { producer, data: spec.first_data + i, cause }
        }));
    }
    unsent
}

/// Whether a message has a row in the report: it was published, or it is an order that never
/// will be (`MessageStats::judged`), or its order waits in the outbox.
fn has_verdict(sim: &Sim, stats: &crate::engine::checker::MessageStats, message: MessageId) -> bool {
    stats.judged() || sim.in_outbox(message)
}

/// Whether a producer's message is accounted for other than as never sent: judged, or an
/// order its service committed (published later by the relay, or waiting in the outbox).
fn sent_or_placed(sim: &Sim, stats: &[crate::engine::checker::MessageStats], message: MessageId) -> bool {
    stats.get(message.index()).is_some_and(|s| s.judged()) || sim.order_committed(message)
}

/// How many messages `never_sent` finds, without wording their causes.
pub fn never_sent_count(sim: &Sim) -> usize {
    if sim.finish() != Some(Finish::Quiescent) {
        return 0;
    }
    let setup = sim.setup();
    let stats = &sim.checker().stats;
    let mut count = 0;
    for (actor, runtime) in setup.actors.iter().zip(sim.actors()) {
        let crate::scenario::ActorSpec::Producer(spec) = &actor.spec else { continue };
        if runtime.status == ActorStatus::Finished {
            continue;
        }
        // As `never_sent`: a committed order is never unsent.
        let published = |i: usize| runtime.messages().get(i).is_some_and(|&m| sent_or_placed(sim, stats, m));
        count += (0..spec.messages).filter(|&i| !published(i as usize)).count();
    }
    count
}

impl Live {
    /// The counts, the label and how many messages there are, without rows (what `new` gives
    /// with `rows_max` 0, without the code that finds and words causes: the page's first
    /// module has this; the rows are the narration module's).
    pub fn counts(sim: &Sim) -> Live {
        let mut counts = VerdictCounts::default();
        let mut messages = 0;
        // As `new`: every published message, and every order judged or in the outbox.
        let stats = &sim.checker().stats;
        for index in 0..sim.ledger().messages.len() {
            let s = stats.get(index).copied().unwrap_or_default();
            if has_verdict(sim, &s, MessageId(index as u32)) {
                let v = sim.verdict(MessageId(index as u32));
                if s.published { counts.add(v) } else { counts.add_unpublished(v) }
                messages += 1;
            }
        }
        for _ in 0..never_sent_count(sim) {
            counts.add(Verdict::NeverSent);
            messages += 1;
        }
        Live { label: Checker::label(&counts, sim.ended()), counts, rows: Vec::new(), messages }
    }

    /// `trace` is the run's events up to the world's step (as for `Report::with_trace`).
    pub fn new(sim: &Sim, trace: &[TraceEntry], rows_max: usize, selected: Option<u32>) -> Live {
        let ledger = sim.ledger();
        let setup = sim.setup();
        let stats = &sim.checker().stats;
        let mut counts = VerdictCounts::default();
        // Every message with a verdict: published, or an order that is in the outbox (whose
        // message has no stats before its first publish).
        let no_stats = crate::engine::checker::MessageStats::default();
        let verdicts: Vec<Option<Verdict>> = (0..ledger.messages.len())
            .map(|index| {
                let s = stats.get(index).unwrap_or(&no_stats);
                has_verdict(sim, s, MessageId(index as u32)).then(|| {
                    let v = sim.verdict(MessageId(index as u32));
                    if s.published { counts.add(v) } else { counts.add_unpublished(v) }
                    v
                })
            })
            .collect();
        let mut chosen = vec![false; verdicts.len()];
        let mut room = rows_max;
        let published = verdicts.iter().filter(|v| v.is_some()).count();
        let mut choose = |pick: &dyn Fn(usize, Verdict) -> bool, chosen: &mut Vec<bool>| {
            for (index, v) in verdicts.iter().enumerate() {
                if room == 0 {
                    return;
                }
                if let Some(v) = *v {
                    if !chosen[index] && pick(index, v) {
                        chosen[index] = true;
                        room -= 1;
                    }
                }
            }
        };
        if published > rows_max {
            choose(&|index, v| v.is_bad() || Some(index as u32) == selected, &mut chosen);
        }
        choose(&|_, _| true, &mut chosen);
        let queue_name = |q: QueueId| setup.scenario.queues[q.index()].name.as_str();
        let mut places: Vec<(u32, String)> = Vec::new();
        for copy in &ledger.copies {
            if !chosen.get(copy.message.index()).copied().unwrap_or(false) {
                continue;
            }
            let place = match copy.place {
                Place::ToBroker { .. } => "in_flight".to_string(),
                Place::Ready { queue } if copy.extra.death.is_some() => format!("dead_lettered {}", queue_name(queue)),
                Place::Ready { queue } => format!("queued {}", queue_name(queue)),
                Place::AtConsumer { queue, acked: false, .. } => format!("unacked {}", queue_name(queue)),
                Place::AtConsumer { queue, acked: true, .. } => format!("delivered {}", queue_name(queue)),
                Place::Settled => "acked".to_string(),
                Place::Discarded => "dropped".to_string(),
            };
            places.push((copy.message.0, place));
        }
        crate::engine::sort::sort_by_key(&mut places, |(message, _)| u128::from(*message));
        let stranded = verdicts.iter().enumerate().filter(|&(i, v)| chosen[i] && *v == Some(Verdict::Stranded)).map(|(i, _)| MessageId(i as u32));
        let strandings = Strandings::new(sim, trace, stranded);
        let mut rows = Vec::new();
        for (index, verdict) in verdicts.iter().enumerate() {
            let Some(verdict) = *verdict else { continue };
            if !chosen[index] {
                continue;
            }
            let s = stats.get(index).unwrap_or(&no_stats);
            let cause = cause_of(sim, trace, &strandings, MessageId(index as u32), verdict, s.last_discard);
            let from = places.partition_point(|(m, _)| (*m as usize) < index);
            let to = places.partition_point(|(m, _)| (*m as usize) <= index);
            let mut place = places[from..to].iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>().join(", ");
            if sim.in_outbox(MessageId(index as u32)) {
                place = if place.is_empty() { "outbox".into() } else { format!("outbox, {place}") };
            }
            // A request no copy of which exists: its handler holds it, or did the work itself.
            // (Any other message has a copy somewhere once published, a dropped one at least.)
            let producer = ledger.messages[index].producer;
            let handler = matches!(&setup.actors[producer.index()].spec, crate::scenario::ActorSpec::Producer(p) if p.handler.is_some());
            if place.is_empty() && s.held_by_producer && handler {
                place = if s.effects == 0 { "at_handler".into() } else { "handled".into() };
            }
            rows.push(LiveRow { id: index as u32, data: ledger.messages[index].data, verdict, place, redelivered: s.redelivered, cause });
        }
        let mut messages = published;
        for (k, unsent) in never_sent(sim, trace).into_iter().enumerate() {
            counts.add(Verdict::NeverSent);
            messages += 1;
            if rows.len() < rows_max {
                rows.push(LiveRow { id: (ledger.messages.len() + k) as u32, data: unsent.data, verdict: Verdict::NeverSent, place: "not_sent".into(), redelivered: false, cause: Some(unsent.cause) });
            }
        }
        Live { label: Checker::label(&counts, sim.ended()), counts, rows, messages }
    }
}

#[cfg(test)]
mod live_counts_tests {
    use super::Live;
    use crate::scenario::catalog;
    use crate::session::Session;

    /// `Live::counts` says what `Live::new` says, rows apart, at every step of every catalog run.
    #[test]
    fn counts_are_new_without_rows() {
        for name in catalog::names() {
            let mut session = Session::new(catalog::get(name).unwrap(), vec![]).unwrap();
            for step in 0..=session.len() {
                session.seek(step);
                let (full, counts) = (Live::new(session.world(), session.trace(), 0, None), Live::counts(session.world()));
                assert_eq!((full.counts, full.label, full.messages), (counts.counts, counts.label, counts.messages), "{name} at step {step}");
                assert!(counts.rows.is_empty());
            }
        }
    }
}
