//! The step loop every system runs on: simulated time, the agenda of jobs, the trace, the
//! ledger and the checker, the scenario's limits and step-triggered faults. A system owns a
//! `Core` and implements `System` (how to handle one of its jobs); `step_until` and
//! `run_until` then drive it the same way for every system.
//!
//! Invariants: time never goes backwards; a job is handled at its time; a step is one handled
//! job that recorded events; the checker sees every event exactly once, in trace order; a run
//! stops (`Finish`) when nothing is left to happen or at the first limit it reaches, and says
//! which in the trace.

use super::agenda::Agenda;
use super::checker::{Checker, Verdict};
use super::ids::MessageId;
use super::ledger::Ledger;
use super::trace::{Limit, TraceEntry, TraceEvent};
use crate::scenario::Limits;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// Nothing left to happen.
    Quiescent,
    Limit(Limit),
}

/// What to run until.
#[derive(Clone, Copy, Debug)]
pub enum Until {
    /// Until nothing is left to happen (or a limit).
    Quiescence,
    /// Until simulated time reaches this millisecond (events at later milliseconds are not
    /// handled).
    TimeMs(u64),
    /// Until the trace holds at least this many events.
    Events(usize),
}

/// The state every run has, whatever the system.
#[derive(Clone, Debug)]
pub struct Core<J, E, X> {
    /// Simulated time in microseconds. Most of a run is in whole milliseconds (the scenario's
    /// times are); the costs of work and of the network can land between them. Private, so
    /// that it only moves with `now_ms` (`set_now`).
    now_us: u64,
    /// `now_us`'s millisecond, kept with it (read for every event and by most timers).
    now_ms: u64,
    pub agenda: Agenda<J>,
    pub trace: Vec<TraceEntry<E>>,
    /// Events recorded before `trace[0]` (a snapshot drops the trace it was taken with).
    pub trace_base: usize,
    pub ledger: Ledger<X>,
    pub checker: Checker,
    pub limits: Limits,
    /// `(step, fault index)` of the scenario's step-triggered faults, sorted by step.
    step_triggers: std::rc::Rc<[(u64, u16)]>,
    /// How many of `step_triggers` have fired.
    step_triggers_fired: usize,
    /// Per scenario fault (by index): it has fired, whatever its trigger (the page marks a
    /// chapter's fault the run never reached). Empty until one fires.
    faults_fired: Vec<bool>,
    jobs_handled: u64,
    /// Steps taken so far (handled jobs that recorded events).
    steps: u64,
    pub finish: Option<Finish>,
}

impl<J: Copy, E: TraceEvent, X> Core<J, E, X> {
    /// A run at time 0 with nothing scheduled; `trace_capacity` events reserved at once.
    pub fn new(limits: Limits, step_triggers: Vec<(u64, u16)>, trace_capacity: usize) -> Self {
        Core {
            now_us: 0,
            now_ms: 0,
            agenda: Agenda::default(),
            trace: Vec::with_capacity(trace_capacity),
            trace_base: 0,
            ledger: Ledger::default(),
            checker: Checker::default(),
            limits,
            step_triggers: step_triggers.into(),
            step_triggers_fired: 0,
            faults_fired: Vec::new(),
            jobs_handled: 0,
            steps: 0,
            finish: None,
        }
    }

    /// A copy without its trace: cheap to keep many of. Its later events are numbered after
    /// the ones it dropped.
    pub fn snapshot(&self) -> Self
    where
        X: Clone,
    {
        Core {
            now_us: self.now_us,
            now_ms: self.now_ms,
            agenda: self.agenda.clone(),
            trace: Vec::new(),
            trace_base: self.events(),
            ledger: self.ledger.clone(),
            checker: self.checker.clone(),
            limits: self.limits.clone(),
            step_triggers: std::rc::Rc::clone(&self.step_triggers),
            step_triggers_fired: self.step_triggers_fired,
            faults_fired: self.faults_fired.clone(),
            jobs_handled: self.jobs_handled,
            steps: self.steps,
            finish: self.finish,
        }
    }

    /// How many events the run has recorded in all, snapshots included.
    #[inline]
    pub fn events(&self) -> usize {
        self.trace_base + self.trace.len()
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Scenario fault `index` fires now: each system calls this where it performs a fault by
    /// its index, whatever the trigger (a time, a step via `System::perform_fault`, an op).
    pub fn mark_fault_fired(&mut self, index: u16) {
        let index = usize::from(index);
        if self.faults_fired.len() <= index {
            self.faults_fired.resize(index + 1, false);
        }
        self.faults_fired[index] = true;
    }

    /// Whether scenario fault `index` has fired so far.
    pub fn fault_fired(&self, index: usize) -> bool {
        self.faults_fired.get(index).copied().unwrap_or(false)
    }

    /// The simulated time in whole milliseconds (rounded down).
    #[inline]
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The simulated time in microseconds.
    #[inline(always)]
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// Move the clock to `at_us` (not back), in millisecond `at_ms` (`at_us / US`, which the
    /// caller has at hand).
    #[inline(always)]
    fn set_now(&mut self, at_us: u64, at_ms: u64) {
        debug_assert!(at_us >= self.now_us, "time went backwards");
        debug_assert_eq!(at_ms, at_us / US);
        self.now_us = at_us;
        self.now_ms = at_ms;
    }

    /// The simulated time `delay_ms` from now, in µs. Saturates: validation keeps every delay
    /// within 32 bits of milliseconds, and a job past `limits.time_ms_max` is never handled.
    #[inline]
    pub fn later(&self, delay_ms: u64) -> u64 {
        self.later_us(delay_ms.saturating_mul(US))
    }

    /// The simulated time `delay_us` from now, in microseconds.
    #[inline]
    pub fn later_us(&self, delay_us: u64) -> u64 {
        self.now_us.saturating_add(delay_us)
    }

    /// Schedule `job` at the start of millisecond `at_ms` (a time a system's timers computed in
    /// whole milliseconds), or now if that millisecond has begun.
    #[inline]
    pub fn schedule_at_ms(&mut self, at_ms: u64, job: J) {
        let at_us = at_ms.saturating_mul(US).max(self.now_us);
        self.schedule_us(at_us, job);
    }

    /// Schedule `job` at `at_us` (not before now).
    #[inline]
    pub fn schedule_us(&mut self, at_us: u64, job: J) {
        debug_assert!(at_us >= self.now_us, "scheduled in the past");
        self.agenda.push(at_us, job);
    }

    /// Take the jobs `unwanted` picks off the agenda at the start of millisecond `at_ms`.
    pub fn cancel(&mut self, at_ms: u64, unwanted: impl Fn(&J) -> bool) {
        self.agenda.cancel(at_ms.saturating_mul(US), unwanted);
    }

    /// Append an event at the current time; the checker sees it first. Inlined: it is the
    /// hottest call of every system (a few instructions when the event bears no verdict).
    #[inline(always)]
    pub fn record(&mut self, event: E) {
        let index = self.events() as u32;
        self.checker.observe(index, &event, &self.ledger);
        // `now_us` never passes `limits.time_ms_max`, which validation keeps within 32 bits.
        let at_ms = u32::try_from(self.now_ms).expect("validated: time_ms_max fits in 32 bits");
        let micros = (self.now_us - self.now_ms * US) as u16;
        self.trace.push(TraceEntry { at_ms, micros, event });
    }

    /// The verdict of one message now.
    /// Once the run is quiescent nothing more will happen, so a message still on its way
    /// is stranded (a copy waits somewhere nobody will take it from), or lost (its producer
    /// held it for a retry it never made).
    pub fn verdict(&self, message: MessageId) -> Verdict {
        let verdict = self.checker.verdict(message, &self.ledger);
        if verdict != Verdict::Pending || self.finish != Some(Finish::Quiescent) {
            return verdict;
        }
        if self.ledger.messages[message.index()].live_copies > 0 {
            Verdict::Stranded
        } else {
            Verdict::Lost
        }
    }

    /// The fault index of the next step-triggered fault due now, if any (it counts as fired).
    fn next_step_trigger(&mut self) -> Option<u16> {
        let &(step, index) = self.step_triggers.get(self.step_triggers_fired)?;
        if step > self.steps {
            return None;
        }
        self.step_triggers_fired += 1;
        Some(index)
    }

    fn stop_at_limit(&mut self, limit: Limit) {
        self.record(E::limit_reached(limit));
        self.finish = Some(Finish::Limit(limit));
    }
}

/// A system's world: its own state around a `Core`, and how to handle its jobs.
pub trait System {
    type Job: Copy;
    type Event: TraceEvent;
    /// The system's own per-copy state in the ledger.
    type CopyExtra: Copy + Default;

    fn core(&self) -> &Core<Self::Job, Self::Event, Self::CopyExtra>;
    fn core_mut(&mut self) -> &mut Core<Self::Job, Self::Event, Self::CopyExtra>;
    /// Handle a job due now (`core().now_ms` is its time).
    fn handle(&mut self, job: Self::Job);
    /// A timer that would change nothing if handled now (a stale deadline): take it without
    /// moving the clock (doing any bookkeeping it needs) and say true.
    fn skip_idle_timer(&mut self, job: &Self::Job) -> bool;
    /// Whether everything left on the agenda changes nothing (so the run is over).
    fn only_idle_jobs_left(&self) -> bool;
    /// Perform the scenario's fault number `index` now, noting that it fired (`Core::mark_fault_fired`).
    fn perform_fault(&mut self, index: u16);
}

/// Perform the step-triggered faults due after the current step.
pub fn fire_step_triggers<S: System>(system: &mut S) {
    while let Some(index) = system.core_mut().next_step_trigger() {
        system.perform_fault(index);
    }
}

/// Microseconds in a millisecond.
const US: u64 = 1000;

/// The last microsecond of millisecond `ms`.
fn end_of_ms(ms: u64) -> u64 {
    ms.saturating_mul(US).saturating_add(US - 1)
}

/// Handle jobs until one records an event, handling none later than millisecond `bound_ms`
/// (false when the next one is, or once the run is over).
pub fn step_until<S: System>(system: &mut S, bound_ms: u64) -> bool {
    while system.core().finish.is_none() {
        let core = system.core_mut();
        let Limits { time_ms_max, steps_max, messages_max, events_max } = core.limits;
        // Each job records a bounded number of events, so checking between jobs bounds memory.
        let within_limits = core.jobs_handled < steps_max
            && core.ledger.messages.len() as u64 <= u64::from(messages_max)
            && (core.events() as u64) < events_max;
        let popped = if within_limits { core.agenda.pop_due(end_of_ms(bound_ms.min(time_ms_max))) } else { None };
        let Some((at_us, job)) = popped else {
            // Nothing to handle now: say why, in this order.
            let Some(at_us) = core.agenda.peek_us() else {
                core.finish = Some(Finish::Quiescent);
                return false;
            };
            let at_ms = at_us / US;
            if at_ms > bound_ms {
                return false;
            }
            let limit = if at_ms > time_ms_max {
                Limit::TimeMs
            } else if core.jobs_handled >= steps_max {
                Limit::Steps
            } else if core.events() as u64 >= events_max {
                Limit::Events
            } else {
                Limit::Messages
            };
            core.stop_at_limit(limit);
            return true;
        };
        // A timer that changes nothing does not move the clock either, so a run ends at its
        // last event, not at a stale deadline.
        if system.skip_idle_timer(&job) {
            system.core_mut().jobs_handled += 1;
            continue;
        }
        let core = system.core_mut();
        // The agenda's current millisecond is the popped job's.
        let at_ms = core.agenda.current_ms();
        core.set_now(at_us, at_ms);
        core.jobs_handled += 1;
        let before = core.trace.len();
        system.handle(job);
        if system.core().trace.len() > before {
            system.core_mut().steps += 1;
            if system.core().step_triggers_fired < system.core().step_triggers.len() {
                fire_step_triggers(system);
            }
            if system.core().agenda.is_empty() || system.only_idle_jobs_left() {
                // Nothing is left to happen: the run is over with this step.
                system.core_mut().finish = Some(Finish::Quiescent);
            }
            return true;
        }
    }
    false
}

/// Step until the condition holds or the run ends.
pub fn run_until<S: System>(system: &mut S, until: Until) {
    match until {
        Until::Quiescence => while step_until(system, u64::MAX) {},
        Until::TimeMs(t) => {
            while step_until(system, t) {}
            let core = system.core_mut();
            if core.finish.is_none() {
                let at_us = core.now_us.max(t.min(core.limits.time_ms_max).saturating_mul(US));
                core.set_now(at_us, at_us / US);
            }
        }
        Until::Events(n) => while system.core().events() < n && step_until(system, u64::MAX) {},
    }
}
