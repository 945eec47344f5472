//! What a ZeroMQ run means, as `qp run` prints it: per payload each sending program tried,
//! its verdict (processed once, lost, duplicated, never accepted, still queued, never sent)
//! with its cause in plain words; per actor its status and terminal; per link its state and
//! what sits where; the label, the counts and the summary line in the same words as the
//! other systems' reports.
//!
//! Invariant: a pure function of a `ZmqSim` (and its trace); nothing here changes the run.

use super::trace::{DropCause, Stage, ZmqEvent, ZmqTraceEntry};
use super::world::{ActorStatus, RefusalReason, ZmqSim};
use crate::engine::checker::{RunLabel, Verdict, VerdictCounts};
use crate::engine::core::Finish;
use crate::engine::ids::*;
use crate::engine::ledger::Place;
use crate::engine::timing::{Timing, TimingReport};
use crate::engine::trace::trace_hash;
use serde::Serialize;

/// A payload's fate, in ZeroMQ's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZmqVerdict {
    ProcessedOnce,
    OutOfOrder,
    Duplicated,
    Lost,
    /// `send` raised `zmq.Again`: never accepted, so not lost.
    NeverAccepted,
    /// The run is over and it still sits in a pipe or a buffer.
    StillQueued,
    /// Its program ended before sending it.
    NeverSent,
    /// The run is not over.
    Pending,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZmqMessageReport {
    pub producer: String,
    pub data: u32,
    pub verdict: ZmqVerdict,
    /// Why, in words a learner understands.
    pub cause: String,
    /// Who printed it (` [x] Received`) or did its work (` [x] Done`), in order: the actor's
    /// name, with `#2` for its second process after a restart.
    pub processed_by: Vec<String>,
    /// How long its `send` blocked before it was accepted (ms, rounded down).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_blocked_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZmqActorReport {
    pub name: String,
    pub status: ActorStatus,
    /// Its processes so far (1, then 2 after a restart, ...).
    pub incarnation: u16,
    pub terminal: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZmqReport {
    pub scenario: String,
    /// Always "zeromq".
    pub system: &'static str,
    pub seed: u64,
    pub engine_version: &'static str,
    pub finish: Option<Finish>,
    pub time_ms: u64,
    pub events: usize,
    pub trace_hash: String,
    pub label: RunLabel,
    /// The core's counts; `never_sent` includes the never-accepted payloads.
    pub counts: VerdictCounts,
    /// Sends that raised `zmq.Again`.
    pub never_accepted: u32,
    pub summary: String,
    pub messages: Vec<ZmqMessageReport>,
    pub actors: Vec<ZmqActorReport>,
    pub timing: TimingReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<ZmqTraceEntry>>,
}

impl ZmqReport {
    /// Everything about the run so far; `with_trace` includes the full event list.
    pub fn new(sim: &ZmqSim, with_trace: bool) -> ZmqReport {
        ZmqReport::with_trace(sim, sim.trace(), with_trace)
    }

    /// `new` for a world whose own trace may start later (a session's world, rebuilt from a
    /// snapshot): `trace` is the run's events from its start up to this world's moment.
    pub fn with_trace(sim: &ZmqSim, trace: &[ZmqTraceEntry], with_trace: bool) -> ZmqReport {
        let scenario = sim.scenario();
        let ledger = sim.ledger();
        let name = |actor: ActorId| scenario.actors.get(actor.index()).map_or(String::new(), |a| a.name().to_string());
        // Who processed each message, with the process it was.
        let mut incarnation = vec![0u16; scenario.actors.len()];
        let mut processed_by: Vec<Vec<String>> = vec![Vec::new(); ledger.messages.len()];
        for entry in trace {
            match entry.event {
                ZmqEvent::ActorStarted { actor, incarnation: n } => incarnation[actor.index()] = n,
                ZmqEvent::ReceivedPrinted { actor, message, effect: true, .. } | ZmqEvent::WorkDone { actor, message, .. } => {
                    let n = incarnation[actor.index()];
                    let who = if n > 1 { format!("{}#{n}", name(actor)) } else { name(actor) };
                    processed_by[message.index()].push(who);
                }
                _ => {}
            }
        }
        let ended = sim.finish().is_some();
        // Per message: one of its live copies (where a message still queued sits).
        let mut live_copy: Vec<Option<usize>> = vec![None; ledger.messages.len()];
        for (index, copy) in ledger.copies.iter().enumerate() {
            if copy.place.is_live() {
                live_copy[copy.message.index()] = Some(index);
            }
        }
        let mut rows: Vec<(ActorId, ZmqMessageReport)> = Vec::new();
        for (index, m) in ledger.messages.iter().enumerate() {
            let message = MessageId(index as u32);
            let verdict = sim.verdict(message);
            let effects = processed_by[index].len();
            let (verdict, cause) = match verdict {
                Verdict::ProcessedOnce | Verdict::Redelivered => (ZmqVerdict::ProcessedOnce, "processed once".to_string()),
                Verdict::OutOfOrder => (ZmqVerdict::OutOfOrder, "processed once, after a later message of the same sender".to_string()),
                Verdict::Duplicated => (
                    ZmqVerdict::Duplicated,
                    format!("duplicated: the work was done {effects} times: the Lazy Pirate client sent the request again after a timeout, and the server did the work for each copy it received (request/reply with retries is at-least-once)"),
                ),
                Verdict::Lost => {
                    let cause = sim.drop_cause_in(trace, message).map_or("it disappeared", DropCause::text);
                    (ZmqVerdict::Lost, format!("lost: {cause}"))
                }
                Verdict::Stranded | Verdict::Pending if ended => (ZmqVerdict::StillQueued, still_queued_cause(live_copy[index].map(|c| &ledger.copies[c]))),
                _ => (ZmqVerdict::Pending, "still on its way".to_string()),
            };
            let blocked_us = sim.send_blocked_us.get(index).copied().unwrap_or(0);
            rows.push((
                m.producer,
                ZmqMessageReport {
                    producer: name(m.producer),
                    data: m.data,
                    verdict,
                    cause,
                    processed_by: std::mem::take(&mut processed_by[index]),
                    send_blocked_ms: (blocked_us > 0).then_some(blocked_us / 1000),
                },
            ));
        }
        for refusal in &sim.refusals {
            let cause = match refusal.reason {
                RefusalReason::NoPeer if refusal.blocked_ms > 0 => format!(
                    "never accepted: send raised zmq.Again after SNDTIMEO ({} ms), no peer was connected (a binding socket has no pipe until a peer connects, so it queues nothing)",
                    refusal.blocked_ms
                ),
                RefusalReason::NoPeer => "never accepted: send with NOBLOCK raised zmq.Again at once, no peer was connected (a binding socket has no pipe until a peer connects, so it queues nothing)".to_string(),
                RefusalReason::HighWaterMark => {
                    let hwm = scenario.actors.get(refusal.actor.index()).map_or(0, |a| a.sndhwm());
                    format!("never accepted: send raised zmq.Again, the pipe held SNDHWM = {hwm} messages already")
                }
            };
            rows.push((refusal.actor, ZmqMessageReport { producer: name(refusal.actor), data: refusal.data, verdict: ZmqVerdict::NeverAccepted, cause, processed_by: Vec::new(), send_blocked_ms: None }));
        }
        for (actor, data) in sim.never_sent() {
            let why = match sim.actors()[actor.index()].status {
                ActorStatus::Failed => "the program ended with an exception (EFSM) before sending it",
                ActorStatus::Crashed => "the program was killed before sending it",
                // At the run's end a blocked call waits forever (a timeout would have fired).
                ActorStatus::Blocked => "the program is still blocked in a send (this one's or an earlier one's) or a recv that nothing will complete",
                _ => "the program gave up before sending it",
            };
            rows.push((actor, ZmqMessageReport { producer: name(actor), data, verdict: ZmqVerdict::NeverSent, cause: format!("never sent: {why}"), processed_by: Vec::new(), send_blocked_ms: None }));
        }
        crate::engine::sort::sort_by_key(&mut rows, |(actor, row)| (u128::from(actor.0) << 32) | u128::from(row.data));
        let messages: Vec<ZmqMessageReport> = rows.into_iter().map(|(_, row)| row).collect();
        let counts = sim.counts();
        let label = sim.label();
        let data: Vec<(u32, Verdict)> = (0..ledger.messages.len()).map(|i| (ledger.messages[i].data, sim.verdict(MessageId(i as u32)))).collect();
        let never_accepted = sim.refusals.len() as u32;
        let mut summary = crate::report::summary_of(label, &counts, &data);
        if never_accepted > 0 {
            summary.push_str(&format!("; never accepted {never_accepted} (zmq.Again)"));
        }
        let actors = scenario
            .actors
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                let actor = &sim.actors()[index];
                ZmqActorReport { name: spec.name().to_string(), status: actor.status, incarnation: actor.incarnation, terminal: actor.terminal.iter().map(ToString::to_string).collect() }
            })
            .collect();
        ZmqReport {
            scenario: scenario.name.clone(),
            system: "zeromq",
            seed: scenario.seed,
            engine_version: crate::report::ENGINE_VERSION,
            finish: sim.finish(),
            time_ms: sim.now_ms(),
            events: sim.events(),
            trace_hash: trace_hash(trace),
            label,
            counts,
            never_accepted,
            summary,
            messages,
            actors,
            timing: Timing::of(trace, ledger.messages.len()).named(|a| scenario.actors[a.index()].name().to_string()),
            trace: with_trace.then(|| trace.to_vec()),
        }
    }

    /// The payloads of `producer` with this verdict, in order.
    pub fn data_with(&self, verdict: ZmqVerdict) -> Vec<u32> {
        self.messages.iter().filter(|m| m.verdict == verdict).map(|m| m.data).collect()
    }
}

/// Where a message the run ended with still sits (one of its live copies), in words.
fn still_queued_cause(copy: Option<&crate::engine::ledger::CopyRecord<super::trace::ZmqCopyExtra>>) -> String {
    match copy.map(|c| (c.place, c.extra.stage)) {
        Some((Place::Ready { .. }, Stage::Outbound)) => "still queued in the sender's pipe: no peer took it (with LINGER -1, term() waits for one forever)".into(),
        Some((Place::Ready { .. }, Stage::InFlight)) => "still in the TCP buffers between the sockets: nothing let it through".into(),
        Some((Place::Ready { .. }, Stage::Inbound)) => "still queued in the receiver's pipe: its program never read it".into(),
        _ => "still held by a program that never finished with it".into(),
    }
}
