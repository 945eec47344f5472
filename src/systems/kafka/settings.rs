//! Kafka settings: the knobs the Kafka page's settings panel flips (acks, idempotence,
//! retries, the commit mode, `auto_offset_reset`, partitions, keys, consumers in the group,
//! brokers, the replication factor and `min.insync.replicas`, messages). Each is a field the
//! Kafka scenario already has (`super::scenario`); `KafkaSettings::of` reads them from a
//! scenario, `KafkaSettings::apply` writes them onto a copy of a chapter's scenario, whose
//! programs (`super::program`) then show the changed code.
//!
//! Invariants: `KafkaSettings::of(base).apply(base) == Ok(base)` for every catalog scenario
//! (a chapter's own settings change nothing); `KafkaSettings::of(&s.apply(base)?) == s`;
//! `apply` never panics: a combination Kafka or kafka-python refuses (idempotence with
//! acks=1, a replication factor above the brokers, ...) is the scenario's own validation
//! error, naming the setting.

use super::program::{self, KafkaOpKind};
use super::scenario::{Acks, CommitMode, KafkaActorSpec, KafkaConsumerSpec, KafkaScenario, OffsetReset, BROKERS_MAX};
use crate::scenario::settings::copy_names;
use crate::scenario::{FaultAction, FaultSpec, ScenarioError, Trigger};
use serde::{Deserialize, Serialize};

/// How many consumers (in the group), messages and partitions the panel may ask for.
pub const KAFKA_CONSUMERS_MAX: u8 = 8;
pub const KAFKA_SETTINGS_MESSAGES_MAX: u32 = 10_000;
pub const KAFKA_SETTINGS_PARTITIONS_MAX: u16 = 12;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// The producers' `acks`.
    pub acks: Acks,
    /// The producers' `enable_idempotence`.
    pub enable_idempotence: bool,
    /// `enable_idempotence` is left at kafka-python's default (True) in the code, and
    /// kafka-python turned it off because `acks` or `retries` conflict with it (a warning):
    /// `enable_idempotence` is then false. Not a change of the user's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_idempotence_unset: bool,
    /// The producers' `retries`; `None` = kafka-python's default (`float('inf')`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// The consumers' commit mode (auto, before or after processing).
    pub commit: CommitMode,
    /// The consumers' `auto_offset_reset`.
    pub auto_offset_reset: OffsetReset,
    /// The producers send with a key (`key=str(data).encode()`).
    pub keyed: bool,
    /// The producers' topic's partitions.
    pub partitions: u16,
    /// The topic's replication factor.
    pub replication_factor: u8,
    /// Broker nodes.
    pub brokers: u8,
    /// `min.insync.replicas`.
    pub min_insync_replicas: u8,
    /// Consumers in the first consumer's group (copies of it).
    pub consumers: u8,
    /// Records each producer sends.
    pub messages: u32,
}

/// Why the panel's settings cannot run, told in the panel's terms (the page words it in
/// English or Chinese); a scenario file gets `apply`'s `ScenarioError` instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Text typed into a number field that is not a whole number of its range (`-3`, `2.5`).
    NotAWholeNumber { field: &'static str, text: String },
    /// A number outside what the panel offers (`field` is the settings field's name).
    OutOfRange { field: &'static str, min: u32, max: u32, got: u32 },
    /// More replicas than brokers: Kafka refuses to create the topic (INVALID_REPLICATION_FACTOR).
    ReplicationAboveBrokers { replication_factor: u8, brokers: u8 },
    /// `enable_idempotence=True` ticked (passed explicitly) while `acks` 0/1 or `retries=0`
    /// conflict with it: kafka-python's KafkaProducer(…) raises KafkaConfigurationError
    /// ("enable_idempotence=True is incompatible with user-provided {conflicts}").
    IdempotenceConflict { conflicts: String },
    /// Anything else the scenario refuses, in the file's words.
    Scenario(ScenarioError),
}

fn err(field: &str, problem: impl Into<String>) -> ScenarioError {
    ScenarioError { field: field.into(), problem: problem.into() }
}

impl KafkaSettings {
    /// The settings of a scenario: its first producer's, its first consumer's (and how many
    /// consumers share that consumer's group and topic), its first producer's topic's.
    pub fn of(s: &KafkaScenario) -> KafkaSettings {
        let producer = s.actors.iter().find_map(|a| match a {
            KafkaActorSpec::Producer(p) => Some(p),
            _ => None,
        });
        let consumer = s.actors.iter().find_map(|a| match a {
            KafkaActorSpec::Consumer(c) => Some(c),
            _ => None,
        });
        let topic_name = producer.map(|p| p.topic.as_str()).or(consumer.map(|c| c.topic.as_str()));
        let topic = topic_name.and_then(|t| s.topic(t)).or(s.topics.first());
        let consumers = consumer.map_or(0, |first| s.actors.iter().filter(|a| matches!(a, KafkaActorSpec::Consumer(c) if c.group_id == first.group_id && c.topic == first.topic)).count());
        KafkaSettings {
            acks: producer.map_or(Acks::All, |p| p.acks),
            enable_idempotence: producer.is_some_and(|p| p.enable_idempotence),
            enable_idempotence_unset: producer.is_some_and(|p| p.enable_idempotence_unset),
            retries: producer.and_then(|p| p.retries),
            commit: consumer.map_or(CommitMode::Auto, |c| c.commit),
            auto_offset_reset: consumer.map_or(OffsetReset::Latest, |c| c.auto_offset_reset),
            keyed: producer.is_some_and(|p| p.keyed),
            partitions: topic.map_or(1, |t| t.partitions),
            replication_factor: topic.map_or(1, |t| t.replication_factor),
            brokers: s.broker.brokers,
            min_insync_replicas: s.broker.min_insync_replicas,
            consumers: u8::try_from(consumers).unwrap_or(u8::MAX),
            messages: producer.map_or(0, |p| p.messages),
        }
    }

    /// The panel's own limits (the scenario checks the rest); the error names the setting.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.consumers == 0 || self.consumers > KAFKA_CONSUMERS_MAX {
            return Err(err("settings.consumers", format!("must be between 1 and {KAFKA_CONSUMERS_MAX}, got {}", self.consumers)));
        }
        if self.messages == 0 || self.messages > KAFKA_SETTINGS_MESSAGES_MAX {
            return Err(err("settings.messages", format!("must be between 1 and {KAFKA_SETTINGS_MESSAGES_MAX}, got {}", self.messages)));
        }
        if self.partitions == 0 || self.partitions > KAFKA_SETTINGS_PARTITIONS_MAX {
            return Err(err("settings.partitions", format!("must be between 1 and {KAFKA_SETTINGS_PARTITIONS_MAX}, got {}", self.partitions)));
        }
        Ok(())
    }

    /// What kafka-python 3.0.x's `KafkaProducer.__init__` finds in conflict with idempotence,
    /// in its order and words (`acks=1, retries=0`), if anything.
    pub fn idempotence_conflicts(&self) -> Option<String> {
        let mut conflicts = Vec::new();
        match self.acks {
            Acks::All => {}
            Acks::Leader => conflicts.push("acks=1"),
            Acks::None => conflicts.push("acks=0"),
        }
        if self.retries == Some(0) {
            conflicts.push("retries=0");
        }
        (!conflicts.is_empty()).then(|| conflicts.join(", "))
    }

    /// The settings the panel asks for (`self`, after a change of `before`) as kafka-python 3
    /// runs them. The page's code passes `enable_idempotence` only as False (True is the
    /// default): idempotence left at its default that conflicts with `acks` 0/1 or
    /// `retries=0` is turned off by `KafkaProducer.__init__`, which logs a warning instead of
    /// raising (`enable_idempotence_unset`; the second value is that warning's conflicts), and
    /// comes back on its own once the conflict is gone. Ticking `enable_idempotence=True`
    /// while such a conflict stands is passing it explicitly: kafka-python raises
    /// KafkaConfigurationError, and so does the panel (`Refusal::IdempotenceConflict`).
    pub fn as_kafka_python_runs(&self, before: &KafkaSettings) -> Result<(KafkaSettings, Option<String>), Refusal> {
        let conflicts = self.idempotence_conflicts();
        let ticked = self.enable_idempotence && !before.enable_idempotence;
        match conflicts {
            Some(conflicts) if ticked => Err(Refusal::IdempotenceConflict { conflicts }),
            Some(conflicts) if self.enable_idempotence || self.enable_idempotence_unset => {
                Ok((KafkaSettings { enable_idempotence: false, enable_idempotence_unset: true, ..self.clone() }, Some(conflicts)))
            }
            None if self.enable_idempotence_unset => Ok((KafkaSettings { enable_idempotence: true, enable_idempotence_unset: false, ..self.clone() }, None)),
            _ => Ok((KafkaSettings { enable_idempotence_unset: false, ..self.clone() }, None)),
        }
    }

    /// `apply` as the panel asks for it: the combinations the panel can pick that
    /// kafka-python or Kafka refuses are told in the panel's terms, anything else `apply`
    /// refuses in the file's.
    pub fn apply_from_panel(&self, base: &KafkaScenario) -> Result<KafkaScenario, Refusal> {
        let ranges: [(&'static str, u32, u32, u32); 6] = [
            ("consumers", 1, u32::from(KAFKA_CONSUMERS_MAX), u32::from(self.consumers)),
            ("messages", 1, KAFKA_SETTINGS_MESSAGES_MAX, self.messages),
            ("partitions", 1, u32::from(KAFKA_SETTINGS_PARTITIONS_MAX), u32::from(self.partitions)),
            ("brokers", 1, u32::from(BROKERS_MAX), u32::from(self.brokers)),
            ("replication_factor", 1, u32::from(BROKERS_MAX), u32::from(self.replication_factor)),
            ("min_insync_replicas", 1, u32::from(u8::MAX), u32::from(self.min_insync_replicas)),
        ];
        if let Some(&(field, min, max, got)) = ranges.iter().find(|(_, min, max, got)| got < min || got > max) {
            return Err(Refusal::OutOfRange { field, min, max, got });
        }
        if self.replication_factor > self.brokers {
            return Err(Refusal::ReplicationAboveBrokers { replication_factor: self.replication_factor, brokers: self.brokers });
        }
        self.apply(base).map_err(Refusal::Scenario)
    }

    /// A copy of `base` with these settings, validated as a scenario file is. Every producer
    /// of the topic and every consumer of the first consumer's group gets them; the group has
    /// `consumers` members (more are copies of the first, `consumer-2`, ...; fewer drops the
    /// last ones). The chapter's own faults follow: those naming a consumer or a broker that
    /// no longer exists are dropped with it, and one waiting for an operation the regenerated
    /// program no longer runs (`commit` under auto-commit) moves to the same place in the
    /// record's handling (see `keep_op_trigger`).
    pub fn apply(&self, base: &KafkaScenario) -> Result<KafkaScenario, ScenarioError> {
        self.validate()?;
        let mut s = base.clone();
        let before = base.clone();
        s.broker.brokers = self.brokers;
        s.broker.min_insync_replicas = self.min_insync_replicas;
        let first_producer_topic = s.actors.iter().find_map(|a| match a {
            KafkaActorSpec::Producer(p) => Some(p.topic.clone()),
            _ => None,
        });
        let first_consumer = s.actors.iter().find_map(|a| match a {
            KafkaActorSpec::Consumer(c) => Some(c.clone()),
            _ => None,
        });
        let topic_name = first_producer_topic.or(first_consumer.as_ref().map(|c| c.topic.clone())).or(s.topics.first().map(|t| t.name.clone()));
        if let Some(topic) = s.topics.iter_mut().find(|t| Some(&t.name) == topic_name.as_ref()) {
            topic.partitions = self.partitions;
            topic.replication_factor = self.replication_factor;
        }
        let in_group = |c: &KafkaConsumerSpec| first_consumer.as_ref().is_some_and(|f| f.group_id == c.group_id && f.topic == c.topic);
        let mut consumers: Vec<KafkaConsumerSpec> = Vec::new();
        let mut actors: Vec<KafkaActorSpec> = Vec::new();
        for actor in s.actors.drain(..) {
            match actor {
                KafkaActorSpec::Producer(mut p) => {
                    if Some(&p.topic) == topic_name.as_ref() {
                        p.acks = self.acks;
                        p.enable_idempotence = self.enable_idempotence;
                        p.enable_idempotence_unset = self.enable_idempotence_unset;
                        p.retries = self.retries;
                        p.keyed = self.keyed;
                        p.messages = self.messages;
                    }
                    actors.push(KafkaActorSpec::Producer(p));
                }
                KafkaActorSpec::Consumer(c) if in_group(&c) => consumers.push(c),
                other => actors.push(other),
            }
        }
        if let Some(first) = first_consumer.clone() {
            let wanted = usize::from(self.consumers);
            consumers.truncate(wanted);
            let taken: Vec<String> = consumers.iter().map(|c| c.name.clone()).chain(actors.iter().map(|a| a.name().to_string())).collect();
            let missing = wanted.saturating_sub(consumers.len());
            consumers.extend(copy_names(&first.name, &taken).take(missing).map(|name| KafkaConsumerSpec { name, ..first.clone() }));
        }
        for mut c in consumers {
            c.commit = self.commit;
            c.auto_offset_reset = self.auto_offset_reset;
            actors.push(KafkaActorSpec::Consumer(c));
        }
        s.actors = actors;
        let names: Vec<String> = s.actors.iter().map(|a| a.name().to_string()).collect();
        let brokers = s.broker.brokers;
        let faults = std::mem::take(&mut s.faults);
        let endpoint_ok = |e: &str| names.iter().any(|n| n == e) || s.broker_of(e).is_some();
        let kept: Vec<FaultSpec> = faults
            .into_iter()
            .filter(|f| match &f.when {
                Trigger::After { actor, .. } | Trigger::Before { actor, .. } => names.contains(actor),
                _ => true,
            })
            .filter(|f| match &f.action {
                FaultAction::Crash(a) | FaultAction::Stop(a) | FaultAction::Restart(a) | FaultAction::Cancel(a) => names.contains(a),
                FaultAction::Slow { actor, .. } | FaultAction::DuplicateNext(actor) | FaultAction::PoisonNext(actor) => names.contains(actor),
                FaultAction::CrashNode { node, .. } | FaultAction::StopNode { node, .. } | FaultAction::StartNode(node) => *node < brokers,
                FaultAction::Partition(a, b) | FaultAction::Heal(a, b) | FaultAction::DropNext { from: a, to: b } => endpoint_ok(a) && endpoint_ok(b),
            })
            .collect();
        s.faults = kept.into_iter().filter_map(|f| keep_op_trigger(&before, &s, f)).collect();
        s.validate()?;
        Ok(s)
    }
}

/// The operations of a record's handling (the loop's body), in program order.
fn loop_ops(scenario: &KafkaScenario, actor: &str) -> Option<Vec<KafkaOpKind>> {
    let spec = scenario.actor(actor)?;
    let program = program::of(scenario, spec);
    let (head, end) = program.loop_bounds()?;
    Some(program.main[head + 1..end].iter().map(|op| op.kind).collect())
}

/// A fault of the new scenario `s` whose trigger waits for an operation the actor's
/// regenerated program no longer runs (`commit` when the consumer auto-commits): it moves to
/// the same place in the handling of the same record. In the old program (`old`) the missing
/// operation sat between others; it becomes `before` the next one of them the new program
/// still runs, else `after` the previous one; the occurrence (the record's number) stays.
/// Dropped when there is no such place; faults on operations the program has are kept.
fn keep_op_trigger(old: &KafkaScenario, s: &KafkaScenario, fault: FaultSpec) -> Option<FaultSpec> {
    let (actor, op, occurrence) = match &fault.when {
        Trigger::After { actor, op, occurrence } | Trigger::Before { actor, op, occurrence } => (actor.clone(), op.clone(), *occurrence),
        Trigger::AtMs(_) | Trigger::AtStep(_) => return Some(fault),
    };
    let Some(spec) = s.actor(&actor) else { return Some(fault) };
    let now = program::of(s, spec);
    if now.main.iter().any(|o| o.kind.name() == op) {
        return Some(fault);
    }
    let (Some(old_ops), Some(new_ops)) = (loop_ops(old, &actor), loop_ops(s, &actor)) else { return None };
    let at = old_ops.iter().position(|k| k.name() == op)?;
    let has = |k: &KafkaOpKind| new_ops.iter().any(|n| n.name() == k.name());
    let when = if let Some(next) = old_ops[at + 1..].iter().find(|k| has(k)) {
        Trigger::Before { actor, op: next.name().into(), occurrence }
    } else if let Some(previous) = old_ops[..at].iter().rev().find(|k| has(k)) {
        Trigger::After { actor, op: previous.name().into(), occurrence }
    } else {
        return None;
    };
    Some(FaultSpec { when, action: fault.action })
}

impl KafkaSettings {
    /// Each setting that differs between `self` (as written) and `now`, as the code writes
    /// it: (`acks='all'`, `acks=1`). The commit modes are words, not code: in `lang`.
    pub fn diff(&self, now: &KafkaSettings, lang: crate::i18n::Lang) -> Vec<(String, String)> {
        let retries = |r: Option<u32>| r.map_or("float('inf')".to_string(), |r| r.to_string());
        let en = lang == crate::i18n::Lang::En;
        let commit = |c: CommitMode| match c {
            CommitMode::Auto => "enable_auto_commit=True",
            CommitMode::BeforeProcessing if en => "commit() before processing",
            CommitMode::BeforeProcessing => "处理前 commit()",
            CommitMode::AfterProcessing if en => "commit() after processing",
            CommitMode::AfterProcessing => "处理后 commit()",
        };
        let py_bool = |b: bool| if b { "True" } else { "False" };
        // Above the replication factor Kafka uses the replication factor (Partition.effectiveMinIsr).
        let min_isr = |s: &KafkaSettings| {
            if s.min_insync_replicas > s.replication_factor {
                format!("min.insync.replicas={} (effectiveMinIsr={})", s.min_insync_replicas, s.replication_factor)
            } else {
                format!("min.insync.replicas={}", s.min_insync_replicas)
            }
        };
        let pairs: [(String, String); 12] = [
            (format!("acks={}", self.acks.python()), format!("acks={}", now.acks.python())),
            // Idempotence that kafka-python turned off is not a change of the user's: the code
            // leaves it at its default, as before (the panel's note says what happened).
            (format!("enable_idempotence={}", py_bool(self.enable_idempotence || self.enable_idempotence_unset)), format!("enable_idempotence={}", py_bool(now.enable_idempotence || now.enable_idempotence_unset))),
            (format!("retries={}", retries(self.retries)), format!("retries={}", retries(now.retries))),
            (commit(self.commit).to_string(), commit(now.commit).to_string()),
            (format!("auto_offset_reset={}", self.auto_offset_reset.python()), format!("auto_offset_reset={}", now.auto_offset_reset.python())),
            (if self.keyed { "key=str(i)" } else { "key=None" }.to_string(), if now.keyed { "key=str(i)" } else { "key=None" }.to_string()),
            (format!("partitions={}", self.partitions), format!("partitions={}", now.partitions)),
            (format!("replication_factor={}", self.replication_factor), format!("replication_factor={}", now.replication_factor)),
            (format!("brokers={}", self.brokers), format!("brokers={}", now.brokers)),
            (min_isr(self), min_isr(now)),
            (format!("consumers={}", self.consumers), format!("consumers={}", now.consumers)),
            (format!("messages={}", self.messages), format!("messages={}", now.messages)),
        ];
        pairs.into_iter().filter(|(a, b)| a != b).collect()
    }
}
