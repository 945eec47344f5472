//! Three systems side by side: the tutorial's workload (one producer sending `{'data': i}`,
//! consumers printing ` [x] Received`) run on RabbitMQ, Kafka and ZeroMQ at once under the same
//! fault, each with its verdict per message. No system's page is involved: each side is built
//! from its system's own workload chapter (`article` with pika and `auto_ack=True`,
//! `k-workload` with kafka-python and auto-commit, `z-workload` with pyzmq PUSH/PULL) with the
//! workload's numbers put in, so each side's code is the code its chapter teaches.
//!
//! The same workload: the producer starts at `producer_start_ms` and sends `messages` payloads
//! `interval_ms` apart; the consumers start at `consumer_start_ms`. A consumer's work is its
//! print alone (no `work_ms`): the three models then agree that a payload is processed when it
//! is printed, so the columns compare the same thing.
//! The same fault, told as a point of a program's own work (never a step or a time, which are
//! each run's own):
//! - a consumer's crash right after its n-th ` [x] Received` print, and optionally its restart
//!   `restart_after_ms` after the crash (a fresh process of the same program);
//! - the producer's crash right after its n-th ` [x] Sent` print;
//! - the broker's crash (and its restart) after the producer's n-th send: ZeroMQ has no broker,
//!   so its side runs the workload alone and says why (`Counterpart::NoBroker`).
//!
//! Invariants: deterministic (same workload and fault, same three traces); every side is a
//! scenario its system validates, or an error to show, never a panic; a row per payload
//! `first_data..first_data + messages`, in order, whatever each system did with it.

use crate::engine::checker::{RunLabel, Verdict, VerdictCounts};
use crate::engine::core::System;
use crate::engine::ids::ActorId;
use crate::i18n::Lang;
use crate::scenario::{ActorSpec, FaultAction, FaultSpec, Trigger};
use crate::systems::kafka::scenario::{KafkaActorSpec, KafkaScenario};
use crate::systems::kafka::world::KafkaSim;
use crate::systems::zeromq::report::{ZmqReport, ZmqVerdict};
use crate::systems::zeromq::scenario::{ZmqActorSpec, ZmqFaultAction, ZmqFaultSpec, ZmqScenario, ZmqTrigger};
use crate::systems::zeromq::world::ZmqSim;

/// Most payloads a comparison sends (three runs at once, in the page).
pub const MESSAGES_MAX: u32 = 1_000;
/// Most consumers.
pub const CONSUMERS_MAX: u8 = 3;
/// Longest interval, start time and restart delay (ms).
pub const TIME_MS_MAX: u64 = 60_000;

/// The workload every side runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    pub messages: u32,
    pub interval_ms: u64,
    pub producer_start_ms: u64,
    pub consumers: u8,
    pub consumer_start_ms: u64,
}

impl Default for Workload {
    /// The article's order: the producer sends ten payloads (100 ms apart here), then one
    /// consumer starts and drains them.
    fn default() -> Self {
        Workload { messages: 10, interval_ms: 100, producer_start_ms: 0, consumers: 1, consumer_start_ms: 2_000 }
    }
}

/// The fault every side gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedFault {
    None,
    /// The first consumer is killed right after its `after_prints`-th ` [x] Received`;
    /// restarted `restart_after_ms` later if given.
    ConsumerCrash { after_prints: u32, restart_after_ms: Option<u64> },
    /// The producer is killed right after its `after_sends`-th send.
    ProducerCrash { after_sends: u32 },
    /// The broker is killed right after the producer's `after_sends`-th send, and restarts
    /// after its system's restart delay.
    BrokerCrash { after_sends: u32 },
}

/// The three systems, in the order they are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemName {
    Rabbitmq,
    Kafka,
    Zeromq,
}

impl SystemName {
    pub const ALL: [SystemName; 3] = [SystemName::Rabbitmq, SystemName::Kafka, SystemName::Zeromq];

    pub fn title(self) -> &'static str {
        match self {
            SystemName::Rabbitmq => "RabbitMQ",
            SystemName::Kafka => "Kafka",
            SystemName::Zeromq => "ZeroMQ",
        }
    }
}

/// Whether a side got the fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counterpart {
    /// It ran with the fault.
    Same,
    /// ZeroMQ has no broker to crash: the workload ran without a fault.
    NoBroker,
}

/// One payload on one side: its verdict (`view::verdict_name`'s keys, plus ZeroMQ's
/// `never_accepted` and `still_queued`), how many times a consumer printed it, and, unless it
/// was processed once, its system's cause in English and Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub verdict: &'static str,
    pub printed: u32,
    pub cause: Option<Bilingual>,
}

/// A sentence in English and Chinese (a cause, a refusal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bilingual {
    pub en: String,
    pub zh: String,
}

impl Bilingual {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    fn of(text: impl Fn(Lang) -> String) -> Bilingual {
        Bilingual { en: text(Lang::En), zh: text(Lang::Zh) }
    }
}

/// One side at the end of its run.
#[derive(Clone, Debug, PartialEq)]
pub struct Side {
    pub system: SystemName,
    pub counterpart: Counterpart,
    pub label: RunLabel,
    pub counts: VerdictCounts,
    /// A cell per payload, in payload order.
    pub cells: Vec<Cell>,
    /// The first consumer's program, to show what ran.
    pub consumer_code: String,
    /// The run's simulated end (ms).
    pub time_ms: u64,
}

/// The comparison: the payloads and each side (or why it could not run).
#[derive(Clone, Debug, PartialEq)]
pub struct ThreeWay {
    pub workload: Workload,
    pub fault: SharedFault,
    pub sides: Vec<(SystemName, Result<Side, String>)>,
}

impl Workload {
    /// What is wrong with the workload, naming the field, if anything.
    pub fn check(&self) -> Result<(), Bilingual> {
        if !(1..=MESSAGES_MAX).contains(&self.messages) {
            return Err(Bilingual { en: format!("messages must be 1 to {MESSAGES_MAX}, got {}", self.messages), zh: format!("消息数必须在 1 到 {MESSAGES_MAX} 之间，现在是 {}", self.messages) });
        }
        if !(1..=CONSUMERS_MAX).contains(&self.consumers) {
            return Err(Bilingual { en: format!("consumers must be 1 to {CONSUMERS_MAX}, got {}", self.consumers), zh: format!("消费者数必须在 1 到 {CONSUMERS_MAX} 之间，现在是 {}", self.consumers) });
        }
        let times = [("interval_ms", "间隔", self.interval_ms), ("producer_start_ms", "生产者启动时间", self.producer_start_ms), ("consumer_start_ms", "消费者启动时间", self.consumer_start_ms)];
        for (field, field_zh, value) in times {
            if value > TIME_MS_MAX {
                return Err(Bilingual { en: format!("{field} must be at most {TIME_MS_MAX}, got {value}"), zh: format!("{field_zh}最多为 {TIME_MS_MAX} 毫秒，现在是 {value}") });
            }
        }
        Ok(())
    }

    fn consumer_name(index: u8) -> String {
        if index == 0 { "consumer".into() } else { format!("consumer{}", index + 1) }
    }
}

impl SharedFault {
    /// What is wrong with the fault, if anything.
    pub fn check(&self, workload: &Workload) -> Result<(), Bilingual> {
        let (n, what, what_zh) = match *self {
            SharedFault::None => return Ok(()),
            SharedFault::ConsumerCrash { restart_after_ms: Some(ms), .. } if ms > TIME_MS_MAX => {
                return Err(Bilingual { en: format!("restart_after_ms must be at most {TIME_MS_MAX}, got {ms}"), zh: format!("重启延迟最多为 {TIME_MS_MAX} 毫秒，现在是 {ms}") });
            }
            SharedFault::ConsumerCrash { after_prints, .. } => (after_prints, "the consumer's", "消费者"),
            SharedFault::ProducerCrash { after_sends } | SharedFault::BrokerCrash { after_sends } => (after_sends, "the producer's", "生产者"),
        };
        if n == 0 || n > workload.messages {
            let m = workload.messages;
            return Err(Bilingual { en: format!("the fault must come after {what} print 1 to {m}, got {n}"), zh: format!("故障必须发生在{what_zh}的第 1 到第 {m} 次打印之后，现在是 {n}") });
        }
        Ok(())
    }
}

/// The time (ms) of the first trace event `is_it` picks.
fn first_time<E>(trace: &[crate::engine::trace::TraceEntry<E>], is_it: impl Fn(&E) -> bool) -> Option<u64> {
    trace.iter().find(|e| is_it(&e.event)).map(|e| u64::from(e.at_ms))
}

fn rabbit_side(workload: &Workload, fault: &SharedFault) -> Result<Side, String> {
    use crate::scenario::{ConsumerSpec, ProducerSpec};
    let mut s = crate::scenario::catalog::get("article").map_err(|e| e.to_string())?;
    s.name = "three-systems-rabbitmq".into();
    s.title = "The workload on RabbitMQ".into();
    let admins: Vec<ActorSpec> = s.actors.iter().filter(|a| matches!(a, ActorSpec::Admin(_))).cloned().collect();
    s.actors = admins;
    s.actors.push(ActorSpec::Producer(ProducerSpec { messages: workload.messages, interval_ms: workload.interval_ms, start_ms: workload.producer_start_ms, ..ProducerSpec::article("producer") }));
    for c in 0..workload.consumers {
        s.actors.push(ActorSpec::Consumer(ConsumerSpec { start_ms: workload.consumer_start_ms, ..ConsumerSpec::article(&Workload::consumer_name(c)) }));
    }
    let (faults, restart) = rabbit_faults(fault);
    s.faults = faults;
    let mut sim = crate::session::Session::run_to_end(&s).map_err(|e| e.to_string())?;
    if let Some(delay) = restart {
        // The restart: `delay` after the crash, which the run without it tells.
        let consumer = ActorId(s.actors.iter().position(|a| a.name() == "consumer").unwrap_or(0) as u16);
        use crate::systems::rabbitmq::trace::Event as E;
        let crashed = first_time(&sim.core().trace, |e| matches!(e, E::ActorCrashed { actor } if *actor == consumer));
        if let Some(at) = crashed {
            s.faults.push(FaultSpec { when: Trigger::AtMs(at + delay), action: FaultAction::Restart("consumer".into()) });
            sim = crate::session::Session::run_to_end(&s).map_err(|e| e.to_string())?;
        }
    }
    let report = crate::report::Report::new(&sim, false);
    let cells = rows(workload, report.messages.iter().map(|m| {
        let cause = (m.verdict != Verdict::ProcessedOnce).then(|| m.cause.as_ref().map(|c| Bilingual::of(|lang| c.text_in(lang)))).flatten();
        (m.data, Cell { verdict: crate::view::verdict_name(m.verdict), printed: m.effects, cause })
    }));
    let code = sim.setup().actors.iter().find(|a| matches!(a.spec, ActorSpec::Consumer(_))).map(|a| a.program.code.join("\n")).unwrap_or_default();
    Ok(Side { system: SystemName::Rabbitmq, counterpart: Counterpart::Same, label: report.label, counts: report.counts, cells, consumer_code: code, time_ms: report.time_ms })
}

/// The RabbitMQ/Kafka faults of `fault`, and the restart delay to add once the crash's time
/// is known.
fn rabbit_faults(fault: &SharedFault) -> (Vec<FaultSpec>, Option<u64>) {
    let after = |actor: &str, op: &str, occurrence: u32| Trigger::After { actor: actor.into(), op: op.into(), occurrence };
    match *fault {
        SharedFault::None => (vec![], None),
        SharedFault::ConsumerCrash { after_prints, restart_after_ms } => (vec![FaultSpec { when: after("consumer", "print_received", after_prints), action: FaultAction::Crash("consumer".into()) }], restart_after_ms),
        SharedFault::ProducerCrash { after_sends } => (vec![FaultSpec { when: after("producer", "print_sent", after_sends), action: FaultAction::Crash("producer".into()) }], None),
        SharedFault::BrokerCrash { after_sends } => (vec![FaultSpec { when: after("producer", "print_sent", after_sends), action: FaultAction::CrashNode { node: 0, restart: true } }], None),
    }
}

fn kafka_side(workload: &Workload, fault: &SharedFault) -> Result<Side, String> {
    let mut s: KafkaScenario = crate::systems::kafka::scenario::catalog::get("k-workload").map_err(|e| e.to_string())?;
    s.name = "three-systems-kafka".into();
    s.title = "The workload on Kafka".into();
    let (producer, consumer) = {
        let producer = s.actors.iter().find_map(|a| match a { KafkaActorSpec::Producer(p) => Some(p.clone()), _ => None });
        let consumer = s.actors.iter().find_map(|a| match a { KafkaActorSpec::Consumer(c) => Some(c.clone()), _ => None });
        (producer.ok_or("k-workload has no producer")?, consumer.ok_or("k-workload has no consumer")?)
    };
    s.actors = vec![KafkaActorSpec::Producer(crate::systems::kafka::scenario::KafkaProducerSpec { messages: workload.messages, interval_ms: workload.interval_ms, start_ms: workload.producer_start_ms, ..producer })];
    for c in 0..workload.consumers {
        s.actors.push(KafkaActorSpec::Consumer(crate::systems::kafka::scenario::KafkaConsumerSpec { name: Workload::consumer_name(c), start_ms: workload.consumer_start_ms, ..consumer.clone() }));
    }
    let (faults, restart) = rabbit_faults(fault);
    s.faults = faults;
    s.validate().map_err(|e| e.to_string())?;
    let run = |s: &KafkaScenario| -> Result<KafkaSim, String> {
        let mut sim = KafkaSim::new(s).map_err(|e| e.to_string())?;
        sim.run_until(crate::engine::Until::Quiescence);
        Ok(sim)
    };
    let mut sim = run(&s)?;
    if let Some(delay) = restart {
        let consumer = ActorId(s.actors.iter().position(|a| a.name() == "consumer").unwrap_or(0) as u16);
        use crate::systems::kafka::trace::KafkaEvent as E;
        if let Some(at) = first_time(&sim.core().trace, |e| matches!(e, E::ActorCrashed { actor } if *actor == consumer)) {
            s.faults.push(FaultSpec { when: Trigger::AtMs(at + delay), action: FaultAction::Restart("consumer".into()) });
            sim = run(&s)?;
        }
    }
    let report = crate::systems::kafka::report::KafkaReport::new(&sim, false);
    let causes = sim.causes();
    let cells = rows(workload, report.messages.iter().map(|m| {
        let cause = (m.verdict != Verdict::ProcessedOnce).then(|| causes.get(m.id as usize).copied().flatten().map(|c| Bilingual::of(|lang| crate::kafka_text::cause_text(c, lang)))).flatten();
        (m.data, Cell { verdict: crate::view::verdict_name(m.verdict), printed: m.printed, cause })
    }));
    // kafka-python's never-sent payloads have no message, so no cause: say why the program
    // did not send them.
    let producer_status = report.actors.iter().find(|a| a.name == "producer").map(|a| a.status);
    let mut cells = cells;
    for cell in cells.iter_mut().filter(|c| c.cause.is_none() && c.verdict == crate::view::verdict_name(Verdict::NeverSent)) {
        cell.cause = Some(match producer_status {
            Some(crate::systems::kafka::world::ActorStatus::Crashed) => Bilingual { en: "the producer was killed before sending it".into(), zh: "生产者在发送它之前被杀死了".into() },
            Some(crate::systems::kafka::world::ActorStatus::Failed(_)) => Bilingual { en: "the producer's program ended with an error before sending it".into(), zh: "生产者程序在发送它之前因错误退出".into() },
            _ => Bilingual { en: "the producer's program ended before sending it".into(), zh: "生产者程序在发送它之前就结束了".into() },
        });
    }
    let code = s.actors.iter().position(|a| matches!(a, KafkaActorSpec::Consumer(_))).and_then(|i| sim.programs().get(i)).map(|p| p.code.join("\n")).unwrap_or_default();
    Ok(Side { system: SystemName::Kafka, counterpart: Counterpart::Same, label: report.label, counts: report.counts, cells, consumer_code: code, time_ms: report.time_ms })
}

fn zeromq_side(workload: &Workload, fault: &SharedFault) -> Result<Side, String> {
    let mut s: ZmqScenario = crate::systems::zeromq::scenario::catalog::get("z-workload").map_err(|e| e.to_string())?;
    s.name = "three-systems-zeromq".into();
    s.title = "The workload on ZeroMQ".into();
    let producer = s.actors.iter().find_map(|a| match a { ZmqActorSpec::Producer(p) => Some(p.clone()), _ => None }).ok_or("z-workload has no producer")?;
    let consumer = s.actors.iter().find_map(|a| match a { ZmqActorSpec::Consumer(c) => Some(c.clone()), _ => None }).ok_or("z-workload has no consumer")?;
    s.actors = vec![ZmqActorSpec::Producer(crate::systems::zeromq::scenario::ZmqProducerSpec { messages: workload.messages, interval_ms: workload.interval_ms, start_ms: workload.producer_start_ms, ..producer })];
    for c in 0..workload.consumers {
        s.actors.push(ZmqActorSpec::Consumer(crate::systems::zeromq::scenario::ZmqConsumerSpec { name: Workload::consumer_name(c), start_ms: workload.consumer_start_ms, ..consumer.clone() }));
    }
    let after = |actor: &str, op: &str, occurrence: u32| ZmqTrigger::After { actor: actor.into(), op: op.into(), occurrence };
    let (faults, counterpart) = match *fault {
        SharedFault::None => (vec![], Counterpart::Same),
        SharedFault::ConsumerCrash { after_prints, restart_after_ms } => (vec![ZmqFaultSpec { when: after("consumer", "print_received", after_prints), action: ZmqFaultAction::Crash { actor: "consumer".into(), restart_after_ms } }], Counterpart::Same),
        SharedFault::ProducerCrash { after_sends } => (vec![ZmqFaultSpec { when: after("producer", "print_sent", after_sends), action: ZmqFaultAction::Crash { actor: "producer".into(), restart_after_ms: None } }], Counterpart::Same),
        SharedFault::BrokerCrash { .. } => (vec![], Counterpart::NoBroker),
    };
    s.faults = faults;
    s.validate().map_err(|e| e.to_string())?;
    let mut sim = ZmqSim::new(&s).map_err(|e| e.to_string())?;
    sim.run_until(crate::engine::Until::Quiescence);
    let report = ZmqReport::new(&sim, false);
    let cells = rows(workload, report.messages.iter().map(|m| {
        let cause = (m.verdict != ZmqVerdict::ProcessedOnce).then(|| Bilingual::of(|lang| crate::zeromq_text::cause_in(m, lang)));
        (m.data, Cell { verdict: zmq_verdict_name(m.verdict), printed: m.processed_by.len() as u32, cause })
    }));
    let code = s.actors.iter().find(|a| matches!(a, ZmqActorSpec::Consumer(_))).map(|a| crate::systems::zeromq::program::of(&s, a).code.join("\n")).unwrap_or_default();
    Ok(Side { system: SystemName::Zeromq, counterpart, label: report.label, counts: report.counts, cells, consumer_code: code, time_ms: report.time_ms })
}

/// ZeroMQ's verdict as a key: the shared ones as `view::verdict_name` has them.
pub fn zmq_verdict_name(verdict: ZmqVerdict) -> &'static str {
    match verdict {
        ZmqVerdict::ProcessedOnce => crate::view::verdict_name(Verdict::ProcessedOnce),
        ZmqVerdict::OutOfOrder => crate::view::verdict_name(Verdict::OutOfOrder),
        ZmqVerdict::Duplicated => crate::view::verdict_name(Verdict::Duplicated),
        ZmqVerdict::Lost => crate::view::verdict_name(Verdict::Lost),
        ZmqVerdict::NeverSent => crate::view::verdict_name(Verdict::NeverSent),
        ZmqVerdict::Pending => crate::view::verdict_name(Verdict::Pending),
        ZmqVerdict::NeverAccepted => "never_accepted",
        ZmqVerdict::StillQueued => "still_queued",
    }
}

/// A cell per payload of the workload, from a side's `(data, cell)` per message; a payload
/// the side has no message for was never sent (its program ended, or blocked, before it).
fn rows(workload: &Workload, messages: impl Iterator<Item = (u32, Cell)>) -> Vec<Cell> {
    let never_sent = Cell { verdict: crate::view::verdict_name(Verdict::NeverSent), printed: 0, cause: None };
    let mut cells = vec![never_sent; workload.messages as usize];
    for (data, cell) in messages {
        if let Some(slot) = cells.get_mut(data as usize) {
            *slot = cell;
        }
    }
    cells
}

impl ThreeWay {
    /// Run the workload under the fault on the three systems (the workload and fault checked
    /// first: an error names what is wrong).
    pub fn run(workload: &Workload, fault: &SharedFault) -> Result<ThreeWay, Bilingual> {
        workload.check()?;
        fault.check(workload)?;
        let sides = SystemName::ALL
            .iter()
            .map(|&system| {
                let side = match system {
                    SystemName::Rabbitmq => rabbit_side(workload, fault),
                    SystemName::Kafka => kafka_side(workload, fault),
                    SystemName::Zeromq => zeromq_side(workload, fault),
                };
                (system, side)
            })
            .collect();
        Ok(ThreeWay { workload: workload.clone(), fault: fault.clone(), sides })
    }
}
