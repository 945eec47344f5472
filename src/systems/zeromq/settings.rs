//! The ZeroMQ page's settings: the knobs of a chapter's workload a learner turns, each one a
//! field of the scenario and so a line of the generated pyzmq code. Who binds the endpoint
//! (the producer, or its one consumer), how many messages and how far apart, the sender's
//! SNDHWM and LINGER, the receiver's RCVHWM, and the work per message; for a request/reply
//! chapter the client's requests and the server's work.
//!
//! Invariants: `of` then `apply` gives the scenario back (tested for every chapter), so a
//! chapter's own settings change nothing; `apply` returns a scenario `validate` accepted, or
//! the scenario's own error (a consumer that binds beside another one: "exactly one actor
//! binds"); `check` refuses values outside what the panel offers, naming the field.

use super::scenario::{ZmqActorSpec, ZmqScenario, HWM_DEFAULT, INTERVAL_MS_DEFAULT, LINGER_DEFAULT};
use crate::scenario::ScenarioError;
use serde::{Deserialize, Serialize};

/// The most messages the page runs (a file may have more: `qp run`).
pub const MESSAGES_PANEL_MAX: u32 = 1_000;
/// The longest interval, work or linger the panel offers, ms.
pub const TIME_PANEL_MAX_MS: u64 = 60_000;
/// The highest high-water mark the panel offers (libzmq reads 0 as "no limit", which the
/// model does not take: at least 1).
pub const HWM_PANEL_MAX: u32 = 100_000;

/// What the panel changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmqSettings {
    /// The producer binds and the consumers connect; false: the (one) consumer binds and the
    /// producer connects. A request/reply chapter's server always binds.
    pub producer_binds: bool,
    /// The producer's messages, or the client's requests.
    pub messages: u32,
    /// The producer's pause between sends (`time.sleep`), ms.
    pub interval_ms: u64,
    pub sndhwm: u32,
    /// -1 waits at `term()` for delivery, 0 drops, n drops after n ms.
    pub linger_ms: i64,
    pub rcvhwm: u32,
    /// The consumer's (or the server's) work per message, ms.
    pub work_ms: u64,
}

/// Which fields a scenario has (the panel shows those).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    /// A producer and its consumers (PUSH/PULL, PUB/SUB).
    pub producer: bool,
    pub consumer: bool,
    /// A REQ client and a REP server.
    pub client: bool,
    pub server: bool,
}

impl ZmqSettings {
    /// The settings a scenario has (its first producer's or client's, its first consumer's
    /// or server's).
    pub fn of(scenario: &ZmqScenario) -> ZmqSettings {
        let mut settings = ZmqSettings { producer_binds: true, messages: 10, interval_ms: INTERVAL_MS_DEFAULT, sndhwm: HWM_DEFAULT, linger_ms: LINGER_DEFAULT, rcvhwm: HWM_DEFAULT, work_ms: 0 };
        if let Some(p) = scenario.actors.iter().find_map(|a| if let ZmqActorSpec::Producer(p) = a { Some(p) } else { None }) {
            settings = ZmqSettings { producer_binds: p.bind, messages: p.messages, interval_ms: p.interval_ms, sndhwm: p.sndhwm, linger_ms: p.linger_ms, ..settings };
        } else if let Some(ZmqActorSpec::Client(c)) = scenario.actors.iter().find(|a| matches!(a, ZmqActorSpec::Client(_))) {
            settings.messages = c.requests;
        }
        match scenario.actors.iter().find(|a| matches!(a, ZmqActorSpec::Consumer(_) | ZmqActorSpec::Server(_))) {
            Some(ZmqActorSpec::Consumer(c)) => {
                settings.rcvhwm = c.rcvhwm;
                settings.work_ms = c.work_ms;
            }
            Some(ZmqActorSpec::Server(s)) => settings.work_ms = s.work_ms,
            _ => {}
        }
        settings
    }

    /// Which fields `scenario` has.
    pub fn fields(scenario: &ZmqScenario) -> Fields {
        let has = |pick: fn(&ZmqActorSpec) -> bool| scenario.actors.iter().any(pick);
        Fields {
            producer: has(|a| matches!(a, ZmqActorSpec::Producer(_))),
            consumer: has(|a| matches!(a, ZmqActorSpec::Consumer(_))),
            client: has(|a| matches!(a, ZmqActorSpec::Client(_))),
            server: has(|a| matches!(a, ZmqActorSpec::Server(_))),
        }
    }

    /// Each field's range in the panel, `(field, min, max)`.
    pub const RANGES: [(&'static str, i64, i64); 6] = [
        ("messages", 1, MESSAGES_PANEL_MAX as i64),
        ("interval_ms", 0, TIME_PANEL_MAX_MS as i64),
        ("sndhwm", 1, HWM_PANEL_MAX as i64),
        ("linger_ms", -1, TIME_PANEL_MAX_MS as i64),
        ("rcvhwm", 1, HWM_PANEL_MAX as i64),
        ("work_ms", 0, TIME_PANEL_MAX_MS as i64),
    ];

    /// The range of `field` (`RANGES`).
    pub fn range(field: &str) -> (i64, i64) {
        Self::RANGES.iter().find(|(f, _, _)| *f == field).map_or((0, 0), |&(_, min, max)| (min, max))
    }

    /// Values outside what the panel offers, the field named: "field: must be between MIN
    /// and MAX, got N" (the page words it in either language).
    pub fn check(&self) -> Result<(), ScenarioError> {
        let values = [
            i64::from(self.messages),
            self.interval_ms.min(i64::MAX as u64) as i64,
            i64::from(self.sndhwm),
            self.linger_ms,
            i64::from(self.rcvhwm),
            self.work_ms.min(i64::MAX as u64) as i64,
        ];
        for (&(field, min, max), got) in Self::RANGES.iter().zip(values) {
            if !(min..=max).contains(&got) {
                return Err(ScenarioError { field: field.into(), problem: format!("must be between {min} and {max}, got {got}") });
            }
        }
        Ok(())
    }

    /// `base` with these settings, checked and validated.
    pub fn apply(&self, base: &ZmqScenario) -> Result<ZmqScenario, ScenarioError> {
        self.check()?;
        let mut scenario = base.clone();
        for actor in &mut scenario.actors {
            match actor {
                ZmqActorSpec::Producer(p) => {
                    p.bind = self.producer_binds;
                    p.messages = self.messages;
                    p.interval_ms = self.interval_ms;
                    p.sndhwm = self.sndhwm;
                    p.linger_ms = self.linger_ms;
                }
                ZmqActorSpec::Consumer(c) => {
                    c.bind = !self.producer_binds;
                    c.rcvhwm = self.rcvhwm;
                    c.work_ms = self.work_ms;
                }
                ZmqActorSpec::Client(c) => c.requests = self.messages,
                ZmqActorSpec::Server(s) => s.work_ms = self.work_ms,
            }
        }
        scenario.validate()?;
        Ok(scenario)
    }
}
