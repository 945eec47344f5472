//! Cross-system compare: the Kafka page's run next to a RabbitMQ run of the same workload
//! under the same faults, each with its verdict label and counts at the end of its run.
//!
//! The same workload: for each Kafka producer a pika producer of the same name sending the
//! same `{'data': i}` (count, first payload, interval, start time) to a durable `test_queue`;
//! for each Kafka consumer a pika consumer of the same name (start time, processing time).
//! The pika code is the article's with the RabbitMQ page's settings (auto_ack, delivery_mode,
//! confirms, ...), so the RabbitMQ side is the one the learner set up there.
//!
//! The same faults: only a fault that means the same thing on both systems is carried over,
//! told as a protocol point both programs have, never as a step number (steps are each run's
//! own):
//! - a client's crash, stop or restart: the same program (same name), at the same point of
//!   its own work: after its n-th ` [x] Received` (a consumer) or ` [x] Sent` (a producer)
//!   print, or at the same simulated time when it had printed none yet (a restart: at the
//!   same time); a restart goes over only when the program's crash or stop did (else, on
//!   RabbitMQ, it would restart a program that never went down);
//! - a broker's crash, stop or start when the Kafka cluster has one broker: the one RabbitMQ
//!   node (both lose what they had not written to disk, both come back after the same delay);
//! - a chapter's fault tied to `print_received`, `print_sent` or `send` (pika's
//!   `basic_publish`): the same operation.
//!
//! Everything else has no counterpart and is listed as such with the reason: a broker of a
//! several-broker Kafka cluster (its partitions have replicas on the others; one RabbitMQ node
//! has none), a lost produce response (pika without confirms gets no response to a publish),
//! a cut link between brokers, a fault tied to a Kafka-only operation (`commit()`,
//! `future.get()`, the poll loop).
//!
//! Invariants: the RabbitMQ side is a valid scenario or an error to show, never a panic; a
//! mapped fault names an actor or node that exists on the RabbitMQ side.

use crate::engine::checker::{RunLabel, VerdictCounts};
use crate::i18n::Lang;
use crate::scenario::settings::Settings;
use crate::scenario::{ActorSpec, ConsumerSpec, FaultAction, FaultSpec, ProducerSpec, QueueSpec, Scenario, Trigger};
use crate::session::Session;
use crate::systems::kafka::scenario::{KafkaActorSpec, KafkaScenario};
use crate::systems::kafka::trace::{KafkaEvent, TerminalText};
use crate::systems::kafka::world::KafkaSim;

/// Why a Kafka fault has no RabbitMQ counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoCounterpart {
    /// A broker of a cluster of several: its partitions have replicas on the others.
    ReplicatedBroker,
    /// A lost response (or another lost frame): pika's publish has no response to lose.
    LostResponse,
    /// A cut or healed link: Kafka's brokers replicate over it; RabbitMQ's one node has none.
    Link,
    /// A fault tied to an operation only the Kafka programs have.
    KafkaOperation,
    /// Not modelled on the RabbitMQ side in the same sense (duplicate, slow, poison).
    Other,
    /// A restart of a program whose crash or stop has no counterpart: on RabbitMQ it never
    /// went down.
    RestartOfRunning,
}

impl NoCounterpart {
    pub fn text(self, lang: Lang) -> &'static str {
        let en = lang == Lang::En;
        match self {
            NoCounterpart::ReplicatedBroker => if en { "a broker of a Kafka cluster of several, whose partitions have replicas on the others; the RabbitMQ side is one node with no replica" } else { "多个 broker 组成的 Kafka 集群中的一个，其分区在其他 broker 上有副本；RabbitMQ 一侧只有一个节点，没有副本" },
            NoCounterpart::LostResponse => if en { "a lost Kafka response: pika's basic_publish gets no response (without confirms), so there is nothing to lose" } else { "丢失的 Kafka 响应：pika 的 basic_publish（不开启确认时）没有响应，无从丢失" },
            NoCounterpart::Link => if en { "a cut link between Kafka brokers (replication); the RabbitMQ side has one node" } else { "Kafka broker 之间被切断的链路（复制用）；RabbitMQ 一侧只有一个节点" },
            NoCounterpart::KafkaOperation => if en { "tied to an operation only the kafka-python program has (commit(), future.get(), the poll loop)" } else { "绑定在只有 kafka-python 程序才有的操作上（commit()、future.get()、轮询循环）" },
            NoCounterpart::Other => if en { "no fault means the same thing on RabbitMQ" } else { "RabbitMQ 上没有含义相同的故障" },
            NoCounterpart::RestartOfRunning => if en { "it restarts a program whose crash or stop has no RabbitMQ counterpart: there the program never went down" } else { "它重启的程序的崩溃或停止在 RabbitMQ 上没有对应：在那里该程序从未停下" },
        }
    }
}

/// A Kafka fault and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedFault {
    /// The Kafka fault, as the run has it (a step trigger for an injected one).
    pub kafka: FaultSpec,
    /// Injected on the page (else the chapter's own).
    pub injected: bool,
    /// The RabbitMQ fault, or why there is none.
    pub rabbit: Result<FaultSpec, NoCounterpart>,
}

/// One side's verdicts at the end of its run.
#[derive(Clone, Debug, PartialEq)]
pub struct SideResult {
    pub label: RunLabel,
    pub counts: VerdictCounts,
    /// The consumer's code (the first consumer), to show what ran.
    pub consumer_code: String,
}

/// The comparison: both sides at the end of their runs, and the fault mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossRun {
    pub kafka: SideResult,
    /// The RabbitMQ side, or why it could not run.
    pub rabbit: Result<SideResult, String>,
    pub faults: Vec<MappedFault>,
    /// The RabbitMQ settings the RabbitMQ side ran with.
    pub rabbit_settings: Settings,
}

/// The RabbitMQ scenario of the Kafka scenario's workload, with `settings` (the RabbitMQ
/// page's) for everything but the workload, and `faults`.
pub fn rabbit_workload(kafka: &KafkaScenario, settings: &Settings, faults: Vec<FaultSpec>) -> Result<Scenario, String> {
    let mut s = crate::scenario::catalog::get("article").map_err(|e| e.to_string())?;
    s.name = format!("{}-on-rabbitmq", kafka.name);
    s.title = format!("The workload of {} on RabbitMQ", kafka.name);
    s.seed = kafka.seed;
    // The same costs on both sides, so their figures compare (none unless the Kafka run has some).
    s.costs = kafka.costs;
    s.queues = vec![QueueSpec::new("test_queue", true)];
    s.exchanges.clear();
    s.bindings.clear();
    s.faults = faults;
    s.actors = kafka
        .actors
        .iter()
        .map(|a| match a {
            KafkaActorSpec::Producer(p) => ActorSpec::Producer(ProducerSpec { messages: p.messages, first_data: p.first_data, interval_ms: p.interval_ms, start_ms: p.start_ms, ..ProducerSpec::article(&p.name) }),
            KafkaActorSpec::Consumer(c) => ActorSpec::Consumer(ConsumerSpec { start_ms: c.start_ms, work_ms: c.work_ms, ..ConsumerSpec::article(&c.name) }),
        })
        .collect();
    let consumers = s.actors.iter().filter(|a| matches!(a, ActorSpec::Consumer(_))).count();
    let messages = kafka.actors.iter().find_map(|a| match a {
        KafkaActorSpec::Producer(p) => Some(p.messages),
        _ => None,
    });
    let settings = Settings { messages: messages.unwrap_or(settings.messages), consumers: u8::try_from(consumers).unwrap_or(u8::MAX), ..settings.clone() };
    // The settings' own limits (messages at least 1) may refuse a Kafka workload: say so.
    let applied = settings.apply(&s).map_err(|e| e.to_string())?;
    // Settings::apply keeps the actors' own messages only through `messages`: every producer
    // of the workload sends its own count.
    let mut applied = applied;
    for (actor, kafka_actor) in applied.actors.iter_mut().filter(|a| matches!(a, ActorSpec::Producer(_))).zip(kafka.actors.iter().filter(|a| matches!(a, KafkaActorSpec::Producer(_)))) {
        if let (ActorSpec::Producer(p), KafkaActorSpec::Producer(k)) = (actor, kafka_actor) {
            p.messages = k.messages;
        }
    }
    applied.validate().map_err(|e| e.to_string())?;
    Ok(applied)
}

/// How many lines `actor` printed of the kind a crash point counts (` [x] Received` for a
/// consumer, ` [x] Sent` for a producer) in the Kafka run's first `events` events.
fn prints_before(session: &Session<KafkaSim>, actor: &str, events: usize) -> (u32, Option<&'static str>) {
    let scenario = session.world().scenario();
    let Some(index) = scenario.actors.iter().position(|a| a.name() == actor) else { return (0, None) };
    let consumer = matches!(scenario.actors[index], KafkaActorSpec::Consumer(_));
    let trace = &session.full_trace()[..events.min(session.full_trace().len())];
    let n = trace
        .iter()
        .filter(|e| match e.event {
            KafkaEvent::Printed { actor: a, text, .. } if a.index() == index => matches!((consumer, text), (true, TerminalText::Received { .. }) | (false, TerminalText::Sent { .. })),
            _ => false,
        })
        .count();
    (u32::try_from(n).unwrap_or(u32::MAX), Some(if consumer { "print_received" } else { "print_sent" }))
}

/// The RabbitMQ counterpart of one Kafka fault of `session` (its scenario's, or injected).
fn map_fault(session: &Session<KafkaSim>, fault: &FaultSpec) -> Result<FaultSpec, NoCounterpart> {
    let scenario = session.world().scenario();
    let one_broker = scenario.broker.brokers == 1;
    let action = match &fault.action {
        // The RabbitMQ side's programs have the Kafka side's names.
        FaultAction::Crash(_) | FaultAction::Stop(_) | FaultAction::Restart(_) => fault.action.clone(),
        FaultAction::CrashNode { node: 0, restart } if one_broker => FaultAction::CrashNode { node: 0, restart: *restart },
        FaultAction::StopNode { node: 0, restart } if one_broker => FaultAction::StopNode { node: 0, restart: *restart },
        FaultAction::StartNode(0) if one_broker => FaultAction::StartNode(0),
        FaultAction::CrashNode { .. } | FaultAction::StopNode { .. } | FaultAction::StartNode(_) => return Err(NoCounterpart::ReplicatedBroker),
        FaultAction::DropNext { .. } => return Err(NoCounterpart::LostResponse),
        FaultAction::Partition(..) | FaultAction::Heal(..) => return Err(NoCounterpart::Link),
        FaultAction::Cancel(_) | FaultAction::DuplicateNext(_) | FaultAction::PoisonNext(_) | FaultAction::Slow { .. } => return Err(NoCounterpart::Other),
    };
    let when = match &fault.when {
        Trigger::AtMs(ms) => Trigger::AtMs(*ms),
        Trigger::After { actor, op, occurrence } | Trigger::Before { actor, op, occurrence } => {
            let rabbit_op = match op.as_str() {
                "print_received" => "print_received",
                "print_sent" => "print_sent",
                "send" => "basic_publish",
                _ => return Err(NoCounterpart::KafkaOperation),
            };
            let (actor, op, occurrence) = (actor.clone(), rabbit_op.to_string(), *occurrence);
            if matches!(fault.when, Trigger::After { .. }) { Trigger::After { actor, op, occurrence } } else { Trigger::Before { actor, op, occurrence } }
        }
        Trigger::AtStep(step) => {
            let step = crate::session::step_index(*step);
            let events = session.events_at(step.min(session.len()));
            let at_ms = if events == 0 { 0 } else { u64::from(session.full_trace()[events - 1].at_ms) };
            match &fault.action {
                // A crash or stop: at the same point of the program's own work.
                FaultAction::Crash(a) | FaultAction::Stop(a) => match prints_before(session, a, events) {
                    (n, Some(op)) if n > 0 => Trigger::After { actor: a.clone(), op: op.into(), occurrence: n },
                    _ => Trigger::AtMs(at_ms),
                },
                _ => Trigger::AtMs(at_ms),
            }
        }
    };
    Ok(FaultSpec { when, action })
}

/// The mapping of every fault of the Kafka run: its chapter's own, then the injected ones.
pub fn map_faults(session: &Session<KafkaSim>) -> Vec<MappedFault> {
    let own = session.base().faults.iter().map(|f| (f, false));
    let injected = session.injected().iter().map(|f| (f, true));
    let mut mapped: Vec<MappedFault> = own.chain(injected).map(|(f, injected)| MappedFault { kafka: f.clone(), injected, rabbit: map_fault(session, f) }).collect();
    // A restart goes over only with a crash or stop of the same program that went over.
    let downed: Vec<String> = mapped
        .iter()
        .filter(|m| m.rabbit.is_ok())
        .filter_map(|m| match &m.kafka.action {
            FaultAction::Crash(a) | FaultAction::Stop(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    let ever_downed = |a: &str| session.base().faults.iter().chain(session.injected()).any(|f| matches!(&f.action, FaultAction::Crash(x) | FaultAction::Stop(x) if x == a));
    for m in &mut mapped {
        if let (FaultAction::Restart(a), Ok(_)) = (&m.kafka.action, &m.rabbit) {
            if ever_downed(a) && !downed.contains(a) {
                m.rabbit = Err(NoCounterpart::RestartOfRunning);
            }
        }
    }
    mapped
}

impl CrossRun {
    /// Compare the Kafka run of `session` with its workload on RabbitMQ under `rabbit`.
    pub fn new(session: &Session<KafkaSim>, rabbit: &Settings) -> CrossRun {
        let end = session.timeline();
        let consumer_code = |code: Option<String>| code.unwrap_or_default();
        let kafka_code = end.scenario().actors.iter().position(|a| matches!(a, KafkaActorSpec::Consumer(_))).and_then(|i| end.programs().get(i)).map(|p| p.code.join("\n"));
        let kafka = SideResult { label: end.label(), counts: end.verdict_counts(), consumer_code: consumer_code(kafka_code) };
        let faults = map_faults(session);
        let mapped: Vec<FaultSpec> = faults.iter().filter_map(|m| m.rabbit.clone().ok()).collect();
        let rabbit_side = rabbit_workload(end.scenario(), rabbit, mapped).and_then(|s| {
            let sim = Session::run_to_end(&s).map_err(|e| e.to_string())?;
            let live = crate::report::Live::new(&sim, &crate::engine::core::System::core(&sim).trace, 0, None);
            let code = sim.setup().actors.iter().find(|a| matches!(a.spec, ActorSpec::Consumer(_))).map(|a| a.program.code.join("\n"));
            Ok(SideResult { label: live.label, counts: live.counts, consumer_code: consumer_code(code) })
        });
        CrossRun { kafka, rabbit: rabbit_side, faults, rabbit_settings: rabbit.clone() }
    }
}
