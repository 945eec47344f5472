//! A session: one run of a scenario that a driver (the page) steps through, seeks in, and
//! forks by injecting a fault at the current step. The whole run is computed once (the
//! timeline); the world at any step is rebuilt from the nearest snapshot.
//!
//! Invariants: `position <= len()`; `world()` is the state after exactly `position` steps
//! of the timeline; snapshots hold no trace (the timeline's trace is the one trace); a
//! fork re-runs the scenario with the fault as an `AtStep` trigger, so it is reproducible.
//!
//! A session works for any system whose world is `Replay` (RabbitMQ's `Sim` is the default):
//! RabbitMQ and Kafka (faults `FaultSpec` / `FaultAction`) and ZeroMQ (`ZmqFaultSpec` /
//! `ZmqFaultAction`).

use crate::engine::core::{self, System};
use crate::engine::trace::{TraceEntry, TraceEvent};
use crate::engine::Until;
use crate::report::Report;
use crate::scenario::{FaultAction, FaultSpec, Scenario, ScenarioError, Trigger};
use crate::systems::rabbitmq::Sim;
use crate::systems::zeromq::scenario::{ZmqFaultAction, ZmqFaultSpec, ZmqScenario, ZmqTrigger};
use crate::systems::zeromq::world::ZmqSim;

/// A system's world as a session replays it: built from its scenario, stepped, snapshotted.
/// The stepping itself is the core's (`System`).
pub trait Replay: System + Clone {
    /// The system's scenario file.
    type Scenario: Clone;
    /// One scripted fault of the scenario file: when it fires and what it does.
    type Fault: Clone;
    /// What a fault does (what the page injects).
    type Action: Clone;
    /// A world at time 0 for `scenario` (validated).
    fn start(scenario: &Self::Scenario) -> Result<Self, ScenarioError>;
    /// The scenario's faults (a session appends the injected ones).
    fn faults_mut(scenario: &mut Self::Scenario) -> &mut Vec<Self::Fault>;
    /// Mark `scenario` with the file format version it is saved in.
    fn mark_format(scenario: &mut Self::Scenario);
    /// A copy without its trace (`Core::snapshot` plus the system's own state).
    fn snapshot(&self) -> Self;
    /// `action` performed right after step `step` (`at_step`).
    fn fault_at_step(step: u64, action: Self::Action) -> Self::Fault;
    /// `action` performed at simulated millisecond `ms` (`at_ms`).
    fn fault_at_ms(ms: u64, action: Self::Action) -> Self::Fault;
    /// The step of an `at_step` fault (None for any other trigger).
    fn step_of(fault: &Self::Fault) -> Option<u64>;
    /// What `fault` does.
    fn action_of(fault: &Self::Fault) -> &Self::Action;
}

/// The `Replay` fault items of a system whose faults are the shared `FaultSpec` (RabbitMQ, Kafka).
macro_rules! shared_fault_items {
    () => {
        type Fault = FaultSpec;
        type Action = FaultAction;
        fn fault_at_step(step: u64, action: FaultAction) -> FaultSpec {
            FaultSpec { when: Trigger::AtStep(step), action }
        }
        fn fault_at_ms(ms: u64, action: FaultAction) -> FaultSpec {
            FaultSpec { when: Trigger::AtMs(ms), action }
        }
        fn step_of(fault: &FaultSpec) -> Option<u64> {
            match fault.when {
                Trigger::AtStep(step) => Some(step),
                _ => None,
            }
        }
        fn action_of(fault: &FaultSpec) -> &FaultAction {
            &fault.action
        }
    };
}

impl Replay for crate::systems::kafka::world::KafkaSim {
    type Scenario = crate::systems::kafka::scenario::KafkaScenario;
    shared_fault_items!();
    fn start(scenario: &Self::Scenario) -> Result<Self, ScenarioError> {
        Self::new(scenario)
    }
    fn faults_mut(scenario: &mut Self::Scenario) -> &mut Vec<FaultSpec> {
        &mut scenario.faults
    }
    fn mark_format(scenario: &mut Self::Scenario) {
        scenario.format = Some(crate::systems::kafka::scenario::KAFKA_SCENARIO_FORMAT);
    }
    fn snapshot(&self) -> Self {
        Self::snapshot(self)
    }
}

impl Replay for Sim {
    type Scenario = Scenario;
    shared_fault_items!();
    fn start(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        Sim::new(scenario)
    }
    fn faults_mut(scenario: &mut Scenario) -> &mut Vec<FaultSpec> {
        &mut scenario.faults
    }
    fn mark_format(scenario: &mut Scenario) {
        scenario.format = Some(crate::scenario::SCENARIO_FORMAT);
    }
    fn snapshot(&self) -> Sim {
        Sim::snapshot(self)
    }
}

impl Replay for ZmqSim {
    type Scenario = ZmqScenario;
    type Fault = ZmqFaultSpec;
    type Action = ZmqFaultAction;
    fn start(scenario: &ZmqScenario) -> Result<ZmqSim, ScenarioError> {
        ZmqSim::new(scenario)
    }
    fn faults_mut(scenario: &mut ZmqScenario) -> &mut Vec<ZmqFaultSpec> {
        &mut scenario.faults
    }
    fn mark_format(scenario: &mut ZmqScenario) {
        scenario.format = Some(crate::systems::zeromq::scenario::ZMQ_SCENARIO_FORMAT);
    }
    fn snapshot(&self) -> ZmqSim {
        ZmqSim::snapshot(self)
    }
    fn fault_at_step(step: u64, action: ZmqFaultAction) -> ZmqFaultSpec {
        ZmqFaultSpec { when: ZmqTrigger::AtStep(step), action }
    }
    fn fault_at_ms(ms: u64, action: ZmqFaultAction) -> ZmqFaultSpec {
        ZmqFaultSpec { when: ZmqTrigger::AtMs(ms), action }
    }
    fn step_of(fault: &ZmqFaultSpec) -> Option<u64> {
        match fault.when {
            ZmqTrigger::AtStep(step) => Some(step),
            _ => None,
        }
    }
    fn action_of(fault: &ZmqFaultSpec) -> &ZmqFaultAction {
        &fault.action
    }
}

/// A step number from a share link or an `at_step` trigger (u64) as an index into a run:
/// numbers past `usize` (on wasm32, past 2^32) clamp to the end instead of wrapping around.
pub fn step_index(step: u64) -> usize {
    usize::try_from(step).unwrap_or(usize::MAX)
}

/// Keep at most about this many snapshots (memory), thinning them as the run grows.
const SNAPSHOTS_MAX: usize = 64;
const SNAPSHOT_EVERY_MIN: usize = 64;

#[derive(Clone)]
pub struct Session<W: Replay = Sim> {
    base: W::Scenario,
    injected: Vec<W::Fault>,
    timeline: W,
    /// `step_ends[s]` = events recorded after `s + 1` steps.
    step_ends: Vec<usize>,
    /// `snapshots[k]` = the world after `k * snapshot_every` steps.
    snapshots: Vec<W>,
    snapshot_every: usize,
    current: W,
}

impl Session<Sim> {
    /// Run the RabbitMQ scenario `base` plus the injected faults to the end.
    pub fn new(base: Scenario, injected: Vec<FaultSpec>) -> Result<Session, ScenarioError> {
        Session::run(base, injected)
    }

    /// `new` for a catalog scenario as the catalog has it, which is not validated again (tests
    /// validate every catalog scenario): the page builds a chapter at its defaults this way,
    /// so its first module carries no `Scenario::validate` (every other run the page builds is
    /// the narration module's, `ui::narration_chunk`, and validated).
    pub fn new_valid(base: Scenario) -> Result<Session, ScenarioError> {
        Session::run_with(base, vec![], Sim::new_valid)
    }

    /// `new_valid` for the tour's first chapter's scenario (`catalog::first`): the first
    /// module's, without the programs of an outbox's actors (`Setup::new_first`).
    pub fn new_first(base: Scenario) -> Result<Session, ScenarioError> {
        Session::run_with(base, vec![], Sim::new_first)
    }

    /// The verdicts and the rest at the current step.
    pub fn report(&self) -> Report {
        Report::with_trace(&self.current, self.trace(), false)
    }

    /// Run a fresh world to quiescence (for comparisons and tests).
    pub fn run_to_end(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        let mut sim = Sim::new(scenario)?;
        sim.run_until(Until::Quiescence);
        Ok(sim)
    }
}

impl Session<ZmqSim> {
    /// The ZeroMQ report at the current step (read with the run's trace so far).
    pub fn report(&self) -> crate::systems::zeromq::report::ZmqReport {
        crate::systems::zeromq::report::ZmqReport::with_trace(&self.current, self.trace(), false)
    }
}

impl<W: Replay> Session<W> {
    /// Run `base` plus the injected faults to the end.
    pub fn run(base: W::Scenario, injected: Vec<W::Fault>) -> Result<Session<W>, ScenarioError> {
        Session::run_with(base, injected, W::start)
    }

    /// `run`, the world built by `start`.
    fn run_with(base: W::Scenario, injected: Vec<W::Fault>, start: fn(&W::Scenario) -> Result<W, ScenarioError>) -> Result<Session<W>, ScenarioError> {
        let mut scenario = base.clone();
        W::faults_mut(&mut scenario).extend(injected.iter().cloned());
        let mut timeline = start(&scenario)?;
        let mut snapshots = vec![timeline.snapshot()];
        let mut snapshot_every = SNAPSHOT_EVERY_MIN;
        let mut step_ends = Vec::new();
        while core::step_until(&mut timeline, u64::MAX) {
            step_ends.push(timeline.core().events());
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

    pub fn base(&self) -> &W::Scenario {
        &self.base
    }
    pub fn injected(&self) -> &[W::Fault] {
        &self.injected
    }
    /// The run to its end.
    pub fn timeline(&self) -> &W {
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
        step_index(self.current.core().steps())
    }
    /// The world after `position()` steps.
    pub fn world(&self) -> &W {
        &self.current
    }
    /// The events up to the current step.
    pub fn trace(&self) -> &[TraceEntry<W::Event>] {
        &self.timeline.core().trace[..self.events_at(self.position())]
    }
    /// The events of the whole run.
    pub fn full_trace(&self) -> &[TraceEntry<W::Event>] {
        &self.timeline.core().trace
    }
    /// Events recorded after `step` steps.
    pub fn events_at(&self, step: usize) -> usize {
        if step == 0 {
            self.snapshots[0].core().events()
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
        let trace = &self.timeline.core().trace;
        let first = trace.partition_point(|e| u64::from(e.at_ms) < time_ms);
        if first >= trace.len() {
            self.len()
        } else {
            self.step_of_event(first)
        }
    }

    /// The step of this run that shows what another run of the same chapter (other settings)
    /// shows at its step `position`, at simulated time `time_ms`: the start at the start (no
    /// step taken yet), else the first step at or after that time.
    pub fn step_matching(&self, position: usize, time_ms: u64) -> usize {
        if position == 0 {
            0
        } else {
            self.step_at_time(time_ms)
        }
    }

    /// The simulated time of the world shown.
    pub fn now_ms(&self) -> u64 {
        self.current.core().now_ms()
    }

    /// The injected faults as faults at the simulated time they were injected (to carry them
    /// over to a run with other settings, where step numbers mean other moments).
    pub fn injected_at_times(&self) -> Vec<W::Fault> {
        self.injected
            .iter()
            .map(|f| match W::step_of(f) {
                // One past the run's end never fired: it stays a step that is never reached.
                Some(step) if step_index(step) > self.len() => f.clone(),
                Some(step) => {
                    let events = self.events_at(step_index(step));
                    let at_ms = if events == 0 { 0 } else { u64::from(self.timeline.core().trace[events - 1].at_ms) };
                    W::fault_at_ms(at_ms, W::action_of(f).clone())
                }
                None => f.clone(),
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
        while self.position() < step && core::step_until(&mut self.current, u64::MAX) {}
        if step == self.len() && self.current.core().finish.is_none() {
            // Jobs that record nothing may follow the last step; handling them ends the run
            // as the timeline ended (so verdicts can say "stranded", not "pending").
            core::step_until(&mut self.current, u64::MAX);
        }
        // Invariant: the replay follows the timeline exactly.
        debug_assert_eq!(self.current.core().events(), self.events_at(self.position()));
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

    /// Play or pause a page's run (`playing` now): playing from the end starts over from
    /// step 0. The new playing state.
    pub fn toggle_play(&mut self, playing: bool) -> bool {
        if !playing && self.position() >= self.len() {
            self.seek(0);
        }
        !playing
    }

    /// A play timer's tick: `steps` forward (at most to the end). Whether play goes on (false
    /// once the end is reached).
    pub fn tick(&mut self, steps: usize) -> bool {
        self.seek(self.position().saturating_add(steps));
        self.position() < self.len()
    }

    /// The run as one scenario file (what the page's "Save scenario" writes): the base with
    /// the injected faults appended to its faults, marked with the file format version.
    /// `Session::new(file, vec![])` runs the same trace.
    pub fn scenario_file(&self) -> W::Scenario {
        let mut file = self.base.clone();
        W::mark_format(&mut file);
        W::faults_mut(&mut file).extend(self.injected.iter().cloned());
        file
    }

    /// Inject a fault now: the run forks here, deterministically (the fault becomes an
    /// `at_step` trigger of the scenario). Fails if the fault names something unknown.
    pub fn inject(&mut self, action: W::Action) -> Result<(), ScenarioError> {
        *self = self.forked(action)?;
        Ok(())
    }

    /// The run forked here with `action` injected, at the same step.
    pub fn forked(&self, action: W::Action) -> Result<Session<W>, ScenarioError> {
        let here = self.position();
        let mut injected = self.injected.clone();
        injected.push(W::fault_at_step(here as u64, action));
        let mut fork = Session::run(self.base.clone(), injected)?;
        fork.seek(here);
        Ok(fork)
    }

    /// The run rebuilt without injected fault `index` (None if there is no such fault), at
    /// the same step (or at its end, if the run is now shorter). The run is the same up to
    /// the removed fault's step, so faults injected at or before it keep their steps; later
    /// ones keep their simulated time (their step numbers would mean other moments now).
    pub fn without_injected(&self, index: usize) -> Option<Result<Session<W>, ScenarioError>> {
        let removed = self.injected.get(index)?;
        let cutoff = W::step_of(removed);
        let faults: Vec<W::Fault> = self
            .injected
            .iter()
            .zip(self.injected_at_times())
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, (original, at_time))| match (W::step_of(original), cutoff) {
                (Some(step), Some(cutoff)) if step <= cutoff => original.clone(),
                _ => at_time,
            })
            .collect();
        let here = self.position();
        Some(Session::run(self.base.clone(), faults).map(|mut fresh| {
            fresh.seek(here);
            fresh
        }))
    }

    /// The first step after the current one at which `actor` runs code line `line`.
    pub fn next_step_at_line(&self, actor: crate::engine::ids::ActorId, line: u16) -> Option<usize> {
        let from = self.events_at(self.position());
        self.timeline.core().trace[from..]
            .iter()
            .position(|e| TraceEvent::actor(&e.event) == Some(actor) && TraceEvent::line(&e.event) == Some(line))
            .map(|offset| self.step_of_event(from + offset))
    }

}
