//! Settings: the knobs a learner flips (auto_ack, prefetch, delivery_mode, ...). Each maps to
//! a change of the scenario, and so of the generated code. `Settings::of` reads them from a
//! scenario; `Settings::apply` writes them onto a copy of a base scenario.
//!
//! Invariants: `Settings::of(&s.apply(base)) == s` for settings within their limits, and
//! `Settings::of(base).apply(base) == base` for every catalog scenario (a setting changes
//! only what it names; the consumers keep their own specs).

use super::*;

/// How many consumers and messages the settings panel may ask for.
pub const CONSUMERS_MAX: u8 = 8;
pub const SETTINGS_MESSAGES_MAX: u32 = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub auto_ack: bool,
    /// `basic_qos(prefetch_count)`; `None` = no qos call (unlimited).
    pub prefetch_count: Option<u16>,
    /// 1 = transient, 2 = persistent.
    pub delivery_mode: u8,
    pub durable: bool,
    pub confirms: bool,
    /// Publisher retry with backoff.
    pub retries: bool,
    pub idempotent: bool,
    /// A dead-letter exchange and queue; failing messages are nacked to it.
    pub dead_letter: bool,
    pub consumers: u8,
    pub messages: u32,
    /// Per-message TTL: the producers' `expiration` in ms; `None` = not set (the article).
    /// Left out of a share link when unset, so links made before it read the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_ms: Option<u64>,
    /// The consumers poll with `basic_get`, sleeping this long after an empty one; `None` =
    /// they subscribe with `basic_consume` (the article). Not with `prefetch_count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_ms: Option<u64>,
    /// The producers publish with `mandatory=True`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mandatory: bool,
    /// The broker's `consumer_timeout` in ms (0 = off); `None` = RabbitMQ's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_timeout_ms: Option<u64>,
    /// The heartbeat timeout in seconds (0 = off); `None` = RabbitMQ's default (60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_s: Option<u16>,
}

const DLX: &str = "dlx";
/// How long a relay with retries sleeps before it connects again.
const RELAY_RECONNECT_MS: u64 = 1_000;
const DLQ: &str = "dead_letters";

impl Settings {
    /// The settings a scenario has (from its first producer, first consumer and first queue).
    pub fn of(scenario: &Scenario) -> Settings {
        let producer = scenario.actors.iter().find_map(|a| match a {
            ActorSpec::Producer(p) => Some(p),
            _ => None,
        });
        let consumers: Vec<&ConsumerSpec> = scenario
            .actors
            .iter()
            .filter_map(|a| match a {
                ActorSpec::Consumer(c) => Some(c),
                _ => None,
            })
            .collect();
        let first = consumers.first();
        let queue = scenario.queues.first();
        // With an outbox, the relay publishes: the publish settings are its.
        let relay = scenario.actors.iter().find_map(|a| match a {
            ActorSpec::Relay(r) if producer.is_some_and(|p| p.orders == Some(Orders::Outbox)) => Some(r),
            _ => None,
        });
        Settings {
            auto_ack: first.is_none_or(|c| c.auto_ack),
            prefetch_count: first.and_then(|c| c.prefetch_count),
            delivery_mode: relay.map_or(producer.map_or(1, |p| p.delivery_mode), |r| r.delivery_mode),
            durable: queue.is_some_and(|q| q.durable),
            confirms: relay.map_or(producer.is_some_and(|p| p.confirms), |r| r.confirms),
            retries: relay.map_or(producer.is_some_and(|p| p.retry.is_some()), |r| r.reconnect_ms.is_some()),
            idempotent: first.is_some_and(|c| c.idempotent),
            dead_letter: queue.is_some_and(|q| q.dead_letter_exchange.is_some()),
            consumers: consumers.len() as u8,
            messages: producer.map_or(0, |p| p.messages),
            expiration_ms: relay.map_or(producer.and_then(|p| p.expiration_ms), |r| r.expiration_ms),
            poll_ms: first.and_then(|c| c.poll_ms),
            mandatory: relay.map_or(producer.is_some_and(|p| p.mandatory), |r| r.mandatory),
            consumer_timeout_ms: Some(scenario.broker.consumer_timeout_ms).filter(|&ms| ms != CONSUMER_TIMEOUT_MS_DEFAULT),
            heartbeat_s: Some(scenario.broker.heartbeat_ms).filter(|&ms| ms != HEARTBEAT_MS_DEFAULT).map(|ms| u16::try_from(ms / 1_000).unwrap_or(u16::MAX)),
        }
    }

    /// Check the settings; the error names the setting.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.delivery_mode != 1 && self.delivery_mode != 2 {
            return Err(err("settings.delivery_mode", "must be 1 or 2"));
        }
        if self.consumers > CONSUMERS_MAX {
            return Err(err("settings.consumers", format!("at most {CONSUMERS_MAX}")));
        }
        if self.messages == 0 || self.messages > SETTINGS_MESSAGES_MAX {
            return Err(err("settings.messages", format!("must be between 1 and {SETTINGS_MESSAGES_MAX}")));
        }
        if let Some(ms) = self.expiration_ms.filter(|&ms| ms > TIME_MS_MAX) {
            return Err(err("settings.expiration_ms", format!("must be at most {TIME_MS_MAX} ms (about 49 days), got {ms}")));
        }
        if self.prefetch_count == Some(0) {
            return Err(err("settings.prefetch_count", "0 means unlimited: leave it unset instead"));
        }
        if self.poll_ms.is_some() && self.prefetch_count.is_some() {
            return Err(err("settings.poll_ms", "a polling consumer calls basic_get, which basic_qos(prefetch_count) does not limit: clear prefetch_count to poll"));
        }
        for (field, ms) in [("settings.poll_ms", self.poll_ms), ("settings.consumer_timeout_ms", self.consumer_timeout_ms)] {
            if let Some(ms) = ms.filter(|&ms| ms > TIME_MS_MAX) {
                return Err(err(field, format!("must be at most {TIME_MS_MAX} ms (about 49 days), got {ms}")));
            }
        }
        Ok(())
    }

    /// A copy of `base` with these settings: every producer and consumer of the first queue
    /// gets them, and the consumers are made `consumers` in number.
    pub fn apply(&self, base: &Scenario) -> Result<Scenario, ScenarioError> {
        self.validate()?;
        let mut s = base.clone();
        s.broker.consumer_timeout_ms = self.consumer_timeout_ms.unwrap_or(CONSUMER_TIMEOUT_MS_DEFAULT);
        s.broker.heartbeat_ms = self.heartbeat_s.map_or(HEARTBEAT_MS_DEFAULT, |s| u64::from(s) * 1_000);
        let queue_name = s.queues.first().map(|q| q.name.clone()).ok_or_else(|| err("queues", "at least one queue is needed"))?;
        if let Some(q) = s.queues.first_mut() {
            q.durable = self.durable || q.queue_type == QueueType::Quorum;
            q.dead_letter_exchange = self.dead_letter.then(|| DLX.to_string());
        }
        if self.dead_letter {
            if !s.exchanges.iter().any(|e| e.name == DLX) {
                s.exchanges.push(ExchangeSpec { name: DLX.into(), exchange_type: ExchangeType::Fanout, exists_at_start: true });
            }
            if !s.queues.iter().any(|q| q.name == DLQ) {
                s.queues.push(QueueSpec::new(DLQ, true));
                s.bindings.push(BindingSpec { exchange: DLX.into(), queue: DLQ.into(), routing_key: String::new() });
            }
        }
        // The queue's consumers keep their own specs (names, start times, work, ...): the
        // settings change only the fields they name. More consumers are copies of the first;
        // fewer drops the last ones.
        let mut consumers: Vec<ConsumerSpec> = Vec::new();
        let mut actors = Vec::new();
        for actor in s.actors.drain(..) {
            match actor {
                // With an outbox the relay publishes: the publish settings are its (retries: it
                // reconnects and reads the outbox again), and the service takes the count.
                ActorSpec::Producer(mut p) if p.queue == queue_name && p.orders == Some(Orders::Outbox) => {
                    p.messages = self.messages;
                    actors.push(ActorSpec::Producer(p));
                }
                ActorSpec::Relay(mut r) if r.queue == queue_name => {
                    r.confirms = self.confirms;
                    r.delivery_mode = self.delivery_mode;
                    r.mandatory = self.mandatory;
                    r.expiration_ms = self.expiration_ms;
                    r.reconnect_ms = if self.retries { Some(r.reconnect_ms.unwrap_or(RELAY_RECONNECT_MS)) } else { None };
                    actors.push(ActorSpec::Relay(r));
                }
                // A request handler takes the count; a queued one publishes with the publish
                // settings, but does not retry; an inline one publishes nothing.
                ActorSpec::Producer(mut p) if p.queue == queue_name && p.handler.is_some() => {
                    p.messages = self.messages;
                    if p.handler == Some(Handler::Queued) {
                        if self.retries {
                            return Err(err("settings.retries", "a request handler does not retry its publish here (not modelled): its caller would wait through the retries"));
                        }
                        p.delivery_mode = self.delivery_mode;
                        p.confirms = self.confirms;
                        p.expiration_ms = self.expiration_ms;
                        p.mandatory = self.mandatory;
                    } else {
                        let publishing = [
                            ("settings.confirms", self.confirms),
                            ("settings.retries", self.retries),
                            ("settings.delivery_mode", self.delivery_mode != 1),
                            ("settings.expiration_ms", self.expiration_ms.is_some()),
                            ("settings.mandatory", self.mandatory),
                        ];
                        if let Some((field, _)) = publishing.iter().find(|(_, on)| *on) {
                            return Err(err(*field, "the synchronous handler publishes nothing: it does the work itself (the next chapter's handler publishes)"));
                        }
                    }
                    actors.push(ActorSpec::Producer(p));
                }
                ActorSpec::Producer(mut p) => {
                    if p.queue == queue_name {
                        p.messages = self.messages;
                        p.delivery_mode = self.delivery_mode;
                        p.confirms = self.confirms;
                        // Batched confirms are confirms: without them the program is the article's.
                        p.confirm_batch = p.confirm_batch.filter(|_| self.confirms);
                        p.expiration_ms = self.expiration_ms;
                        p.mandatory = self.mandatory;
                        p.retry = if self.retries { Some(p.retry.unwrap_or(RetrySpec { attempts_max: 5, backoff_ms: 200, jitter_ms: 100, on_give_up: GiveUp::Raise })) } else { None };
                    }
                    actors.push(ActorSpec::Producer(p));
                }
                ActorSpec::Consumer(c) if c.queue == queue_name => consumers.push(c),
                other => actors.push(other),
            }
        }
        let first = consumers.first().cloned().unwrap_or_else(|| ConsumerSpec { queue: queue_name.clone(), ..ConsumerSpec::article("consumer") });
        let wanted = usize::from(self.consumers);
        consumers.truncate(wanted);
        let taken: Vec<String> = consumers.iter().map(|c| c.name.clone()).chain(actors.iter().map(|a| a.name().to_string())).collect();
        let missing = wanted.saturating_sub(consumers.len());
        consumers.extend(copy_names(&first.name, &taken).take(missing).map(|name| ConsumerSpec { name, ..first.clone() }));
        for mut c in consumers {
            c.auto_ack = self.auto_ack;
            c.prefetch_count = self.prefetch_count;
            c.idempotent = self.idempotent;
            c.poll_ms = self.poll_ms;
            if self.auto_ack {
                c.on_failure = OnFailure::Crash;
                c.attempts_max = None;
                c.ack_every = None;
            } else if self.dead_letter && c.on_failure == OnFailure::Crash {
                c.on_failure = OnFailure::NackDrop;
            }
            actors.push(ActorSpec::Consumer(c));
        }
        s.actors = actors;
        // Faults that name a consumer that no longer exists are dropped with it.
        let names: Vec<String> = s.actors.iter().map(|a| a.name().to_string()).collect();
        s.faults.retain(|f| match &f.when {
            Trigger::After { actor, .. } | Trigger::Before { actor, .. } => names.contains(actor),
            _ => true,
        });
        s.faults.retain(|f| match &f.action {
            FaultAction::Crash(a) | FaultAction::Stop(a) | FaultAction::Restart(a) | FaultAction::Cancel(a) => names.contains(a),
            FaultAction::Slow { actor, .. } => names.contains(actor),
            _ => true,
        });
        let faults = std::mem::take(&mut s.faults);
        s.faults = faults.into_iter().filter_map(|f| keep_op_trigger(&s, f)).collect();
        s.validate()?;
        Ok(s)
    }
}

/// A scripted fault of `s` whose trigger waits for an operation (`after`/`before` an op)
/// the actor's regenerated program no longer has (e.g. `basic_ack` under auto_ack=True,
/// `basic_qos` without a prefetch, `confirm_delivery` without confirms, `apply_once` without
/// the idempotent store): the trigger moves to the same place in the program, where one
/// clearly exists, so the chapter's fault still happens at that moment:
///
/// - `after X` becomes `after` the nearest earlier operation of the same part of the program
///   (the main program or the callback), else `before` the nearest later one;
/// - `before X` becomes `before` the nearest later operation, else `after` the nearest
///   earlier one (`before basic_ack` under auto_ack = `after` the work, the end of the
///   callback);
/// - the occurrence stays (each operation of a part runs once per pass through it).
///
/// It is dropped when there is no such place: `on_failure` (the failure branch is gone, a
/// failure now crashes the consumer) or a part of the program with no operation left.
/// Faults on operations the program has are kept as they are.
fn keep_op_trigger(s: &Scenario, fault: FaultSpec) -> Option<FaultSpec> {
    let (actor, op, occurrence, before) = match &fault.when {
        Trigger::After { actor, op, occurrence } => (actor, op, *occurrence, false),
        Trigger::Before { actor, op, occurrence } => (actor, op, *occurrence, true),
        Trigger::AtMs(_) | Trigger::AtStep(_) => return Some(fault),
    };
    let Some(program) = program_of(s, actor) else { return Some(fault) };
    let names = |ops: &[crate::systems::rabbitmq::program::Op]| ops.iter().map(|o| o.kind.name()).collect::<Vec<_>>();
    let (main, callback) = (names(&program.main), names(&program.callback));
    if main.contains(&op.as_str()) || callback.contains(&op.as_str()) {
        return Some(fault);
    }
    let rank = |name: &str| crate::systems::rabbitmq::program::OP_NAMES.iter().position(|n| *n == name);
    // Unknown names are left for `validate` to report.
    let wanted = rank(op)?;
    if op == "on_failure" {
        return None;
    }
    let part = if callback_op(op) { callback } else { main };
    let earlier = part.iter().rev().find(|n| rank(n).is_some_and(|r| r < wanted)).copied();
    let later = part.iter().find(|n| rank(n).is_some_and(|r| r > wanted)).copied();
    let (name, now_before) = match (before, earlier, later) {
        (false, Some(e), _) | (true, Some(e), None) => (e, false),
        (true, _, Some(l)) | (false, None, Some(l)) => (l, true),
        (_, None, None) => return None,
    };
    let (actor, op) = (actor.clone(), name.to_string());
    let when = if now_before { Trigger::Before { actor, op, occurrence } } else { Trigger::After { actor, op, occurrence } };
    Some(FaultSpec { when, action: fault.action })
}

/// Operations of a consumer's callback (run once per delivery), as opposed to its main program.
fn callback_op(op: &str) -> bool {
    matches!(op, "print_received" | "work" | "apply_once" | "basic_ack" | "on_failure")
}

/// The program `actor` runs in `s` (None if there is no such actor or its queue is unknown).
fn program_of(s: &Scenario, actor: &str) -> Option<crate::systems::rabbitmq::program::Program> {
    crate::systems::rabbitmq::program::of(s, s.actors.iter().find(|a| a.name() == actor)?)
}

/// Names for copies of the program named `base`: `base-2`, `base-3`, ..., skipping those in
/// `taken` (the names in the scenario already). Each name is new: they only grow.
pub fn copy_names<'a>(base: &'a str, taken: &'a [String]) -> impl Iterator<Item = String> + 'a {
    (2u32..).map(move |n| format!("{base}-{n}")).filter(move |name| !taken.contains(name))
}

