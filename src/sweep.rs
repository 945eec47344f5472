//! A sweep (issue 11 §2, the article's §5, latency against throughput): one RabbitMQ scenario
//! run at every point of a grid of `prefetch_count`, consumer counts and ack batch sizes, each
//! point's throughput and end-to-end latency (`engine::timing`) gathered for a curve of
//! throughput against p99 latency.
//!
//! - A point's scenario is the base's settings with that point's prefetch and consumers
//!   written by `Settings::apply` (as the page's settings panel writes them, so the run at a
//!   point is the one the page opens), and its batch size as each consumer's `ack_every`
//!   (`basic_ack(multiple=True)` on every n-th delivery tag; 1 = an ack per message). In the
//!   cost model a batch saves the broker an ack frame per message it covers (`broker_us` and
//!   the network's time for that frame), nothing of the consumer's own work (`deliver_us`).
//! - A batch larger than the prefetch window would never be acked (the consumer holds
//!   `prefetch_count` unacked messages and waits for more): such points are left out of the
//!   grid (`Grid::points`), not run.
//! - Deterministic and integers only: the same base and grid give the same figures on every
//!   platform (native, wasm).
//! - Steppable: `Sweep::advance` runs at most a given number of steps and returns, so a page
//!   can draw a progress bar between slices and cancel by dropping the sweep.

use crate::engine::timing::Timing;
use crate::engine::trace::{Fact, TraceEvent};
use crate::scenario::settings::Settings;
use crate::scenario::{ActorSpec, Scenario, ScenarioError};
use crate::systems::rabbitmq::world::Sim;
use serde::Serialize;

/// One point of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Point {
    pub prefetch: u16,
    pub consumers: u8,
    /// The consumers' ack batch (`ack_every`); 1 = an ack per message.
    pub ack_every: u16,
}

/// The values swept, each axis in the order given; points run prefetch-major (every
/// prefetch's consumers, every consumers' batch sizes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub prefetch: Vec<u16>,
    pub consumers: Vec<u8>,
    pub ack_every: Vec<u16>,
}

impl Grid {
    /// Every point of the grid but those whose batch is larger than the prefetch window
    /// (never acked, see the module's doc).
    pub fn points(&self) -> Vec<Point> {
        let mut points = Vec::new();
        for &prefetch in &self.prefetch {
            for &consumers in &self.consumers {
                for &ack_every in &self.ack_every {
                    if ack_every <= prefetch {
                        points.push(Point { prefetch, consumers, ack_every });
                    }
                }
            }
        }
        points
    }
}

/// A point's figures (`engine::timing`, the whole run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub point: Point,
    /// Messages processed (first effects).
    pub processed: u32,
    /// Throughput, messages per second × 1000 (0 for an empty span).
    pub per_s_milli: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// The run's events.
    pub events: usize,
}

/// The scenario run at `point`: the base's settings with the point's prefetch and consumers
/// (and `messages`, if given), each consumer acking every `ack_every`-th tag.
pub fn scenario_at(base: &Scenario, point: Point, messages: Option<u32>) -> Result<Scenario, ScenarioError> {
    let mut settings = Settings::of(base);
    settings.prefetch_count = Some(point.prefetch);
    settings.consumers = point.consumers;
    settings.auto_ack = false;
    if let Some(messages) = messages {
        settings.messages = messages;
    }
    let mut scenario = settings.apply(base)?;
    for actor in &mut scenario.actors {
        if let ActorSpec::Consumer(c) = actor {
            c.ack_every = (point.ack_every > 1).then_some(point.ack_every);
        }
    }
    scenario.validate()?;
    Ok(scenario)
}

/// The figures of a finished run at `point`.
fn outcome(point: Point, sim: &Sim) -> Outcome {
    let timing = Timing::of(sim.trace(), sim.ledger().messages.len());
    let latency = timing.overall.latency_us;
    Outcome {
        point,
        processed: timing.overall.processed,
        per_s_milli: timing.overall.per_s_milli.unwrap_or(0),
        p50_us: latency.map_or(0, |l| l.p50),
        p99_us: latency.map_or(0, |l| l.p99),
        max_us: latency.map_or(0, |l| l.max),
        events: sim.trace().len(),
    }
}

/// A sweep under way: points run one after another, a slice of steps at a time.
pub struct Sweep {
    base: Scenario,
    messages: Option<u32>,
    points: Vec<Point>,
    /// The messages each point publishes (for the progress).
    per_point: u32,
    outcomes: Vec<Outcome>,
    /// The point running, and how many of its messages were processed so far (counted from
    /// its trace up to `scanned`).
    current: Option<(Sim, usize, u32)>,
}

impl Sweep {
    /// A sweep of `base` over `grid`, every point publishing `messages` (or the base's count).
    /// Fails if a point's scenario is invalid (checked before anything runs).
    pub fn new(base: &Scenario, grid: &Grid, messages: Option<u32>) -> Result<Sweep, ScenarioError> {
        let points = grid.points();
        let mut per_point = 0;
        for &point in &points {
            let scenario = scenario_at(base, point, messages)?;
            per_point = Settings::of(&scenario).messages;
        }
        Ok(Sweep { base: base.clone(), messages, points, per_point, outcomes: Vec::new(), current: None })
    }

    /// The points, in the order they run.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The figures of the points run so far, in order.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    pub fn is_done(&self) -> bool {
        self.outcomes.len() == self.points.len()
    }

    /// How far the sweep is, in thousandths: finished points, and the running point's share
    /// of its messages processed.
    pub fn progress_permille(&self) -> u32 {
        let total = self.points.len() as u64 * u64::from(self.per_point.max(1));
        if total == 0 {
            return 1000;
        }
        let running = self.current.as_ref().map_or(0, |&(_, _, processed)| u64::from(processed.min(self.per_point)));
        let done = self.outcomes.len() as u64 * u64::from(self.per_point.max(1)) + running;
        (done * 1000 / total).min(1000) as u32
    }

    /// Run at most `steps` steps (across points); true while points are left to run.
    pub fn advance(&mut self, steps: usize) -> bool {
        let mut left = steps;
        while left > 0 && !self.is_done() {
            if self.current.is_none() {
                let point = self.points[self.outcomes.len()];
                let scenario = scenario_at(&self.base, point, self.messages).expect("checked by Sweep::new");
                let sim = Sim::new_valid(&scenario).expect("checked by Sweep::new");
                self.current = Some((sim, 0, 0));
            }
            let (sim, scanned, processed) = self.current.as_mut().expect("a point runs");
            let mut running = true;
            while left > 0 {
                left -= 1;
                if !sim.step() {
                    running = false;
                    break;
                }
            }
            let trace = sim.trace();
            *processed += trace[*scanned..].iter().filter(|e| matches!(e.event.fact(), Some(Fact::EffectApplied { .. }))).count() as u32;
            *scanned = trace.len();
            if !running {
                let (sim, _, _) = self.current.take().expect("a point runs");
                let point = self.points[self.outcomes.len()];
                self.outcomes.push(outcome(point, &sim));
            }
        }
        !self.is_done()
    }

    /// Run every point to the end; the figures.
    pub fn run(mut self) -> Vec<Outcome> {
        while self.advance(1_000_000) {}
        self.outcomes
    }
}
