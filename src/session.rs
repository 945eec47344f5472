//! A session: one run of a scenario that a driver (the page) steps through, seeks in, and
//! forks by injecting a fault at the current step. The whole run is computed once (the
//! timeline); the world at any step is rebuilt from the nearest snapshot.
//!
//! Invariants: `position <= len()`; `world()` is the state after exactly `position` steps
//! of the timeline; snapshots hold no trace (the timeline's trace is the one trace); a
//! fork re-runs the scenario with the fault as an `AtStep` trigger, so it is reproducible.

use crate::systems::rabbitmq::trace::TraceEntry;
use crate::engine::Until;
use crate::systems::rabbitmq::Sim;
use crate::report::Report;
use crate::scenario::{FaultAction, FaultSpec, Scenario, ScenarioError, Trigger};

/// A step number from a share link or an `at_step` trigger (u64) as an index into a run:
/// numbers past `usize` (on wasm32, past 2^32) clamp to the end instead of wrapping around.
pub fn step_index(step: u64) -> usize {
    usize::try_from(step).unwrap_or(usize::MAX)
}

/// Keep at most about this many snapshots (memory), thinning them as the run grows.
const SNAPSHOTS_MAX: usize = 64;
const SNAPSHOT_EVERY_MIN: usize = 64;

#[derive(Clone)]
pub struct Session {
    base: Scenario,
    injected: Vec<FaultSpec>,
    timeline: Sim,
    /// `step_ends[s]` = events recorded after `s + 1` steps.
    step_ends: Vec<usize>,
    /// `snapshots[k]` = the world after `k * snapshot_every` steps.
    snapshots: Vec<Sim>,
    snapshot_every: usize,
    current: Sim,
}

impl Session {
    /// Run `base` plus the injected faults to the end.
    pub fn new(base: Scenario, injected: Vec<FaultSpec>) -> Result<Session, ScenarioError> {
        let mut scenario = base.clone();
        scenario.faults.extend(injected.iter().cloned());
        let mut timeline = Sim::new(&scenario)?;
        let mut snapshots = vec![timeline.snapshot()];
        let mut snapshot_every = SNAPSHOT_EVERY_MIN;
        let mut step_ends = Vec::new();
        while timeline.step() {
            step_ends.push(timeline.events());
            if step_ends.len() % snapshot_every == 0 {
                snapshots.push(timeline.snapshot());
                if snapshots.len() > SNAPSHOTS_MAX {
                    // Keep every other one: snapshot k now stands for step k * 2 * every.
                    snapshots = snapshots.into_iter().step_by(2).collect();
                    snapshot_every *= 2;
                }
            }
        }
        let current = snapshots[0].clone();
        Ok(Session { base, injected, timeline, step_ends, snapshots, snapshot_every, current })
    }

    pub fn base(&self) -> &Scenario {
        &self.base
    }
    pub fn injected(&self) -> &[FaultSpec] {
        &self.injected
    }
    /// The run to its end.
    pub fn timeline(&self) -> &Sim {
        &self.timeline
    }
    /// How many steps the run has.
    pub fn len(&self) -> usize {
        self.step_ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.step_ends.is_empty()
    }
    /// Steps taken in the world shown.
    pub fn position(&self) -> usize {
        step_index(self.current.steps())
    }
    /// The world after `position()` steps.
    pub fn world(&self) -> &Sim {
        &self.current
    }
    /// The events up to the current step.
    pub fn trace(&self) -> &[TraceEntry] {
        &self.timeline.trace()[..self.events_at(self.position())]
    }
    /// The events of the whole run.
    pub fn full_trace(&self) -> &[TraceEntry] {
        self.timeline.trace()
    }
    /// Events recorded after `step` steps.
    pub fn events_at(&self, step: usize) -> usize {
        if step == 0 {
            self.snapshots[0].events()
        } else {
            self.step_ends[step.min(self.len()) - 1]
        }
    }
    /// The step whose handling recorded event `index`.
    pub fn step_of_event(&self, index: usize) -> usize {
        if index < self.events_at(0) {
            return 0;
        }
        (self.step_ends.partition_point(|&end| end <= index) + 1).min(self.len())
    }

    /// The first step whose events happen at or after `time_ms` (the run's end if none).
    pub fn step_at_time(&self, time_ms: u64) -> usize {
        let trace = self.timeline.trace();
        let first = trace.partition_point(|e| u64::from(e.at_ms) < time_ms);
        if first >= trace.len() {
            self.len()
        } else {
            self.step_of_event(first)
        }
    }

    /// The simulated time of the world shown.
    pub fn now_ms(&self) -> u64 {
        self.current.now_ms()
    }

    /// The injected faults as faults at the simulated time they were injected (to carry them
    /// over to a run with other settings, where step numbers mean other moments).
    pub fn injected_at_times(&self) -> Vec<FaultSpec> {
        self.injected
            .iter()
            .map(|f| match f.when {
                // One past the run's end never fired: it stays a step that is never reached.
                Trigger::AtStep(step) if step_index(step) > self.len() => f.clone(),
                Trigger::AtStep(step) => {
                    let events = self.events_at(step_index(step));
                    let at_ms = if events == 0 { 0 } else { u64::from(self.timeline.trace()[events - 1].at_ms) };
                    FaultSpec { when: Trigger::AtMs(at_ms), action: f.action.clone() }
                }
                _ => f.clone(),
            })
            .collect()
    }

    /// Show the world after `step` steps (clamped to the run).
    pub fn seek(&mut self, step: usize) {
        let step = step.min(self.len());
        let here = self.position();
        if step < here || step - here > self.snapshot_every {
            let k = (step / self.snapshot_every).min(self.snapshots.len() - 1);
            self.current = self.snapshots[k].clone();
        }
        while self.position() < step && self.current.step() {}
        if step == self.len() && !self.current.is_finished() {
            // Jobs that record nothing may follow the last step; handling them ends the run
            // as the timeline ended (so verdicts can say "stranded", not "pending").
            self.current.step();
        }
        // Invariant: the replay follows the timeline exactly.
        debug_assert_eq!(self.current.events(), self.events_at(self.position()));
    }

    pub fn step_forward(&mut self) -> bool {
        let next = self.position() + 1;
        if next > self.len() {
            return false;
        }
        self.seek(next);
        true
    }

    pub fn step_back(&mut self) -> bool {
        let here = self.position();
        if here == 0 {
            return false;
        }
        self.seek(here - 1);
        true
    }

    /// The run as one scenario file (what the page's "Save scenario" writes): the base with
    /// the injected faults appended to its faults, marked with the file format version.
    /// `Session::new(file, vec![])` runs the same trace.
    pub fn scenario_file(&self) -> Scenario {
        let mut file = self.base.clone();
        file.format = Some(crate::scenario::SCENARIO_FORMAT);
        file.faults.extend(self.injected.iter().cloned());
        file
    }

    /// The verdicts and the rest at the current step.
    pub fn report(&self) -> Report {
        Report::with_trace(&self.current, self.trace(), false)
    }

    /// Inject a fault now: the run forks here, deterministically (the fault becomes an
    /// `at_step` trigger of the scenario). Fails if the fault names something unknown.
    pub fn inject(&mut self, action: FaultAction) -> Result<(), ScenarioError> {
        *self = self.forked(action)?;
        Ok(())
    }

    /// The run forked here with `action` injected, at the same step.
    pub fn forked(&self, action: FaultAction) -> Result<Session, ScenarioError> {
        let here = self.position();
        let mut injected = self.injected.clone();
        injected.push(FaultSpec { when: Trigger::AtStep(here as u64), action });
        let mut fork = Session::new(self.base.clone(), injected)?;
        fork.seek(here);
        Ok(fork)
    }

    /// The run rebuilt without injected fault `index` (None if there is no such fault), at
    /// the same step (or at its end, if the run is now shorter). The run is the same up to
    /// the removed fault's step, so faults injected at or before it keep their steps; later
    /// ones keep their simulated time (their step numbers would mean other moments now).
    pub fn without_injected(&self, index: usize) -> Option<Result<Session, ScenarioError>> {
        let removed = self.injected.get(index)?;
        let cutoff = match removed.when {
            Trigger::AtStep(step) => Some(step),
            _ => None,
        };
        let faults: Vec<FaultSpec> = self
            .injected
            .iter()
            .zip(self.injected_at_times())
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, (original, at_time))| match (&original.when, cutoff) {
                (Trigger::AtStep(step), Some(cutoff)) if *step <= cutoff => original.clone(),
                _ => at_time,
            })
            .collect();
        let here = self.position();
        Some(Session::new(self.base.clone(), faults).map(|mut fresh| {
            fresh.seek(here);
            fresh
        }))
    }

    /// The first step after the current one at which `actor` runs code line `line`.
    pub fn next_step_at_line(&self, actor: crate::engine::ids::ActorId, line: u16) -> Option<usize> {
        let from = self.events_at(self.position());
        self.timeline.trace()[from..]
            .iter()
            .position(|e| e.event.actor() == Some(actor) && e.event.line() == Some(line))
            .map(|offset| self.step_of_event(from + offset))
    }

    /// Run a fresh world to quiescence (for comparisons and tests).
    pub fn run_to_end(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        let mut sim = Sim::new(scenario)?;
        sim.run_until(Until::Quiescence);
        Ok(sim)
    }
}
