//! Settings: the knobs a learner flips (auto_ack, prefetch, delivery_mode, ...). Each maps to
//! a change of the scenario, and so of the generated code. `Settings::of` reads them from a
//! scenario; `Settings::apply` writes them onto a copy of a base scenario.
//!
//! Invariant: `Settings::of(&s.apply(base)) == s` for settings within their limits.

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
}

const DLX: &str = "dlx";
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
        Settings {
            auto_ack: first.is_none_or(|c| c.auto_ack),
            prefetch_count: first.and_then(|c| c.prefetch_count),
            delivery_mode: producer.map_or(1, |p| p.delivery_mode),
            durable: queue.is_some_and(|q| q.durable),
            confirms: producer.is_some_and(|p| p.confirms),
            retries: producer.is_some_and(|p| p.retry.is_some()),
            idempotent: first.is_some_and(|c| c.idempotent),
            dead_letter: queue.is_some_and(|q| q.dead_letter_exchange.is_some()),
            consumers: consumers.len() as u8,
            messages: producer.map_or(0, |p| p.messages),
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
        if self.prefetch_count == Some(0) {
            return Err(err("settings.prefetch_count", "0 means unlimited: leave it unset instead"));
        }
        Ok(())
    }

    /// A copy of `base` with these settings: every producer and consumer of the first queue
    /// gets them, and the consumers are made `consumers` in number.
    pub fn apply(&self, base: &Scenario) -> Result<Scenario, ScenarioError> {
        self.validate()?;
        let mut s = base.clone();
        let queue_name = s.queues.first().map(|q| q.name.clone()).ok_or_else(|| err("queues", "at least one queue is needed"))?;
        if let Some(q) = s.queues.first_mut() {
            q.durable = self.durable || q.queue_type == QueueType::Quorum;
            q.dead_letter_exchange = self.dead_letter.then(|| DLX.to_string());
        }
        if self.dead_letter {
            if !s.exchanges.iter().any(|e| e.name == DLX) {
                s.exchanges.push(ExchangeSpec { name: DLX.into(), exchange_type: ExchangeType::Fanout });
            }
            if !s.queues.iter().any(|q| q.name == DLQ) {
                s.queues.push(QueueSpec::new(DLQ, true));
                s.bindings.push(BindingSpec { exchange: DLX.into(), queue: DLQ.into(), routing_key: String::new() });
            }
        }
        let mut template: Option<ConsumerSpec> = None;
        let mut actors = Vec::new();
        for actor in s.actors.drain(..) {
            match actor {
                ActorSpec::Producer(mut p) => {
                    if p.queue == queue_name {
                        p.messages = self.messages;
                        p.delivery_mode = self.delivery_mode;
                        p.confirms = self.confirms;
                        p.retry = if self.retries { Some(p.retry.unwrap_or(RetrySpec { attempts_max: 5, backoff_ms: 200, jitter_ms: 100 })) } else { None };
                    }
                    actors.push(ActorSpec::Producer(p));
                }
                ActorSpec::Consumer(c) if c.queue == queue_name => {
                    if template.is_none() {
                        template = Some(c);
                    }
                }
                other => actors.push(other),
            }
        }
        let mut template = template.unwrap_or_else(|| ConsumerSpec { queue: queue_name.clone(), ..ConsumerSpec::article("consumer") });
        template.auto_ack = self.auto_ack;
        template.prefetch_count = self.prefetch_count;
        template.idempotent = self.idempotent;
        if self.auto_ack {
            template.on_failure = OnFailure::Crash;
            template.attempts_max = None;
            template.ack_every = None;
        } else if self.dead_letter && template.on_failure == OnFailure::Crash {
            template.on_failure = OnFailure::NackDrop;
        }
        for i in 0..self.consumers {
            let mut c = template.clone();
            if i > 0 {
                c.name = format!("{}-{}", template.name, i + 1);
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
        s.validate()?;
        Ok(s)
    }
}
