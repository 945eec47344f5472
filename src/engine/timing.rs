//! A run's speed in simulated time, from the neutral facts of its trace: throughput
//! (messages processed per second) and end-to-end latency (publish to processed), overall
//! and per consumer. Every system's report and page show the same figures, so a comparison
//! can be scripted (`qp run`) and the article's argument (asynchronous processing raises
//! throughput; latency against throughput) can be measured.
//!
//! Definitions (integers only, so the figures are the same on every platform):
//! - a message is *published* at its first `Published` fact and *processed* at its first
//!   `EffectApplied` fact, by the actor that event belongs to (its consumer); a duplicate
//!   effect does not count again;
//! - the *span* runs from the run's first publish to its last first effect; overall and every
//!   consumer's throughput divide by the same span, so the consumers' figures add up to the
//!   overall one (give or take the rounding of each);
//! - the figures at a step of a run count what happened up to that step (`Timeline::until`);
//! - throughput is in thousandths of a message per second (`per_s_milli`), rounded to the
//!   nearest (halves up), and absent for an empty span;
//! - latencies are in ms; p50 and p99 by the nearest-rank method (the smallest latency with at
//!   least that share of latencies at or below it).

use super::ids::ActorId;
use super::trace::{Fact, TraceEntry, TraceEvent};
use serde::Serialize;

/// Throughput and latency of a set of processed messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Messages processed (each once, at its first effect).
    pub processed: u32,
    /// Messages processed per second × 1000 over the run's span, rounded to the nearest;
    /// `None` if the span is empty.
    pub per_s_milli: Option<u64>,
    pub latency_ms: Option<Latency>,
}

/// End-to-end latencies, publish to processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Latency {
    pub p50: u32,
    pub p99: u32,
    pub max: u32,
}

/// The run's figures: overall, and per consumer in the order consumers first processed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// From the first publish to the last first effect, in ms.
    pub span_ms: u32,
    pub overall: Figures,
    pub consumers: Vec<(ActorId, Figures)>,
}

/// `Timing` as reports write it: consumers by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimingReport {
    pub span_ms: u32,
    pub overall: Figures,
    pub consumers: Vec<ConsumerFigures>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerFigures {
    pub consumer: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A message's first effect: where in the trace, when, how long after its publish, and by
/// which consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processed {
    /// Its index in the trace.
    pub index: usize,
    pub at_ms: u32,
    pub latency_ms: u32,
    pub consumer: Option<ActorId>,
}

/// Every message's first effect in trace order, so the figures at any step of a run are a
/// prefix (the page keeps one per run and asks it at every step).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The run's first publish: (trace index, ms).
    first_publish: Option<(usize, u32)>,
    processed: Vec<Processed>,
}

impl Timeline {
    /// The timeline of `trace`, whose messages are numbered below `messages`.
    pub fn of<E: TraceEvent>(trace: &[TraceEntry<E>], messages: usize) -> Timeline {
        let mut published: Vec<Option<u32>> = vec![None; messages];
        let mut done = vec![false; messages];
        let mut timeline = Timeline::default();
        for (index, entry) in trace.iter().enumerate() {
            match entry.event.fact() {
                Some(Fact::Published { message }) => {
                    let slot = &mut published[message.index()];
                    if slot.is_none() {
                        *slot = Some(entry.at_ms);
                        timeline.first_publish.get_or_insert((index, entry.at_ms));
                    }
                }
                Some(Fact::EffectApplied { message }) if !done[message.index()] => {
                    done[message.index()] = true;
                    let since = published[message.index()].unwrap_or(entry.at_ms);
                    timeline.processed.push(Processed { index, at_ms: entry.at_ms, latency_ms: entry.at_ms - since, consumer: entry.event.actor() });
                }
                _ => {}
            }
        }
        timeline
    }

    /// The figures of the first `events` events of the run.
    pub fn until(&self, events: usize) -> Timing {
        let processed = &self.processed[..self.processed.partition_point(|p| p.index < events)];
        let span_ms = match (self.first_publish, processed.last()) {
            (Some((index, first)), Some(last)) if index < events => last.at_ms - first,
            _ => 0,
        };
        let overall = figures(processed.iter().map(|p| p.latency_ms).collect(), span_ms);
        let mut order: Vec<ActorId> = Vec::new();
        for consumer in processed.iter().filter_map(|p| p.consumer) {
            if !order.contains(&consumer) {
                order.push(consumer);
            }
        }
        let consumers = order.into_iter().map(|actor| (actor, figures(processed.iter().filter(|p| p.consumer == Some(actor)).map(|p| p.latency_ms).collect(), span_ms))).collect();
        Timing { span_ms, overall, consumers }
    }
}

impl Timing {
    /// The figures of the whole of `trace`, whose messages are numbered below `messages`.
    pub fn of<E: TraceEvent>(trace: &[TraceEntry<E>], messages: usize) -> Timing {
        Timeline::of(trace, messages).until(trace.len())
    }

    /// The figures with each consumer named by `name`.
    pub fn named(self, name: impl Fn(ActorId) -> String) -> TimingReport {
        let consumers = self.consumers.into_iter().map(|(actor, figures)| ConsumerFigures { consumer: name(actor), figures }).collect();
        TimingReport { span_ms: self.span_ms, overall: self.overall, consumers }
    }
}

fn figures(mut latencies: Vec<u32>, span_ms: u32) -> Figures {
    let processed = latencies.len() as u32;
    let per_s_milli = (span_ms > 0).then(|| (u64::from(processed) * 1_000_000 + u64::from(span_ms) / 2) / u64::from(span_ms));
    latencies.sort_unstable();
    let rank = |percent: usize| latencies[(percent * latencies.len()).div_ceil(100).max(1) - 1];
    let latency_ms = (!latencies.is_empty()).then(|| Latency { p50: rank(50), p99: rank(99), max: latencies[latencies.len() - 1] });
    Figures { processed, per_s_milli, latency_ms }
}

/// `per_s_milli` as a learner reads it: "2.5", "10", "0.333".
pub fn per_s_text(per_s_milli: u64) -> String {
    let (whole, milli) = (per_s_milli / 1000, per_s_milli % 1000);
    if milli == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{milli:03}").trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_and_rates() {
        let f = figures((1..=100).collect(), 2000);
        assert_eq!(f.processed, 100);
        assert_eq!(f.per_s_milli, Some(50_000));
        assert_eq!(f.latency_ms, Some(Latency { p50: 50, p99: 99, max: 100 }));
        let f = figures(vec![7, 3, 5], 3);
        assert_eq!(f.latency_ms, Some(Latency { p50: 5, p99: 7, max: 7 }));
        assert_eq!(f.per_s_milli, Some(1000_000));
        // Rounded to the nearest: 3 in 1.602 s is 1.8727 a second; 1 in 3 ms, 333.33.
        assert_eq!(figures(vec![1, 1, 1], 1602).per_s_milli, Some(1873));
        assert_eq!(figures(vec![1], 3).per_s_milli, Some(333_333));
        assert_eq!(figures(vec![1], 6).per_s_milli, Some(166_667));
        let f = figures(vec![4], 0);
        assert_eq!((f.per_s_milli, f.latency_ms), (None, Some(Latency { p50: 4, p99: 4, max: 4 })));
        assert_eq!(figures(Vec::new(), 10), Figures { processed: 0, per_s_milli: Some(0), latency_ms: None });
        assert_eq!(per_s_text(2_500), "2.5");
        assert_eq!(per_s_text(10_000), "10");
        assert_eq!(per_s_text(333), "0.333");
        assert_eq!(per_s_text(1_050), "1.05");
    }
}
