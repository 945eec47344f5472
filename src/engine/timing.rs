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
//! - times and latencies are in µs (the engine's clock: a run without costs is in whole
//!   milliseconds, so its figures are too); p50 and p99 by the nearest-rank method (the
//!   smallest latency with at least that share of latencies at or below it).

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
    pub latency_us: Option<Latency>,
    /// The mean latency (µs, rounded down), if any message was processed.
    pub mean_latency_us: Option<u64>,
}

/// End-to-end latencies, publish to processed, in µs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Latency {
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
}

/// How long callers waited for their answers: a request handler's runs (`Fact::Answered`),
/// from a request's arrival to its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Answers {
    pub answered: u32,
    pub latency_us: Latency,
}

/// The run's figures: overall, and per consumer in the order consumers first processed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// From the first publish to the last first effect, in µs.
    pub span_us: u64,
    pub overall: Figures,
    pub consumers: Vec<(ActorId, Figures)>,
    /// The callers' waits, if requests were answered.
    pub answers: Option<Answers>,
}

/// `Timing` as reports write it: consumers by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimingReport {
    pub span_us: u64,
    pub overall: Figures,
    pub consumers: Vec<ConsumerFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Answers>,
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
    pub at_us: u64,
    pub latency_us: u64,
    pub consumer: Option<ActorId>,
}

/// A request answered (`Fact::Answered`): where in the trace, when, and how long its caller
/// waited (from the request's arrival to this answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Its index in the trace.
    pub index: usize,
    pub at_us: u64,
    pub wait_us: u64,
}

/// Every message's first effect in trace order, so the figures at any step of a run are a
/// prefix (the page keeps one per run and asks it at every step).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The run's first publish: (trace index, µs).
    first_publish: Option<(usize, u64)>,
    processed: Vec<Processed>,
    /// Each answered request, in trace order.
    answered: Vec<Answer>,
}

impl Timeline {
    /// The timeline of `trace`, whose messages are numbered below `messages`.
    pub fn of<E: TraceEvent>(trace: &[TraceEntry<E>], messages: usize) -> Timeline {
        let mut published: Vec<Option<u64>> = vec![None; messages];
        let mut done = vec![false; messages];
        let mut timeline = Timeline::default();
        for (index, entry) in trace.iter().enumerate() {
            match entry.event.fact() {
                Some(Fact::Published { message } | Fact::Arrived { message }) => {
                    let slot = &mut published[message.index()];
                    if slot.is_none() {
                        *slot = Some(entry.at_us());
                        timeline.first_publish.get_or_insert((index, entry.at_us()));
                    }
                }
                Some(Fact::Answered { message }) => {
                    let at_us = entry.at_us();
                    timeline.answered.push(Answer { index, at_us, wait_us: at_us - published[message.index()].unwrap_or(at_us) });
                }
                Some(Fact::EffectApplied { message }) if !done[message.index()] => {
                    done[message.index()] = true;
                    let at_us = entry.at_us();
                    let since = published[message.index()].unwrap_or(at_us);
                    timeline.processed.push(Processed { index, at_us, latency_us: at_us - since, consumer: entry.event.actor() });
                }
                _ => {}
            }
        }
        timeline
    }

    /// The figures of the first `events` events of the run.
    pub fn until(&self, events: usize) -> Timing {
        let processed = &self.processed[..self.processed.partition_point(|p| p.index < events)];
        let span_us = match (self.first_publish, processed.last()) {
            (Some((index, first)), Some(last)) if index < events => last.at_us - first,
            _ => 0,
        };
        let overall = figures(processed.iter().map(|p| p.latency_us).collect(), span_us);
        let mut order: Vec<ActorId> = Vec::new();
        for consumer in processed.iter().filter_map(|p| p.consumer) {
            if !order.contains(&consumer) {
                order.push(consumer);
            }
        }
        let consumers = order.into_iter().map(|actor| (actor, figures(processed.iter().filter(|p| p.consumer == Some(actor)).map(|p| p.latency_us).collect(), span_us))).collect();
        let answered = self.answered_until(events);
        let answers = (!answered.is_empty()).then(|| {
            let waits = answered.iter().map(|a| a.wait_us).collect();
            Answers { answered: answered.len() as u32, latency_us: figures(waits, 0).latency_us.expect("not empty") }
        });
        Timing { span_us, overall, consumers, answers }
    }

    /// The requests answered in the first `events` events of the run, in trace order (the
    /// callers' waits that `until` summarises, one by one: the page's latency chart).
    pub fn answered_until(&self, events: usize) -> &[Answer] {
        &self.answered[..self.answered.partition_point(|a| a.index < events)]
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
        TimingReport { span_us: self.span_us, overall: self.overall, consumers, answers: self.answers }
    }
}

fn figures(mut latencies: Vec<u64>, span_us: u64) -> Figures {
    let processed = latencies.len() as u32;
    let per_s_milli = (span_us > 0).then(|| (u128::from(processed) * 1_000_000_000 + u128::from(span_us) / 2) / u128::from(span_us)).map(|r| r as u64);
    latencies.sort_unstable();
    let rank = |percent: usize| latencies[(percent * latencies.len()).div_ceil(100).max(1) - 1];
    let latency_us = (!latencies.is_empty()).then(|| Latency { p50: rank(50), p99: rank(99), max: latencies[latencies.len() - 1] });
    let mean_latency_us = (!latencies.is_empty()).then(|| (latencies.iter().map(|&l| u128::from(l)).sum::<u128>() / latencies.len() as u128) as u64);
    Figures { processed, per_s_milli, latency_us, mean_latency_us }
}

/// A time in µs as a learner reads it in milliseconds: "5", "0.38", "1.234".
pub fn ms_text(us: u64) -> String {
    let (whole, micros) = (us / 1000, us % 1000);
    if micros == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{micros:03}").trim_end_matches('0'))
    }
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
        let ms = |v: Vec<u64>| v.into_iter().map(|x| x * 1000).collect::<Vec<u64>>();
        let f = figures(ms((1..=100).collect()), 2_000_000);
        assert_eq!(f.processed, 100);
        assert_eq!(f.per_s_milli, Some(50_000));
        assert_eq!(f.latency_us, Some(Latency { p50: 50_000, p99: 99_000, max: 100_000 }));
        let f = figures(vec![7, 3, 5], 3_000);
        assert_eq!(f.latency_us, Some(Latency { p50: 5, p99: 7, max: 7 }));
        assert_eq!(f.per_s_milli, Some(1000_000));
        // Rounded to the nearest: 3 in 1.602 s is 1.8727 a second; 1 in 3 ms, 333.33.
        assert_eq!(figures(ms(vec![1, 1, 1]), 1_602_000).per_s_milli, Some(1873));
        assert_eq!(figures(vec![1], 3_000).per_s_milli, Some(333_333));
        assert_eq!(figures(vec![1], 6_000).per_s_milli, Some(166_667));
        // Between the milliseconds: 1 in 380 µs.
        assert_eq!(figures(vec![380], 380).per_s_milli, Some(2_631_579));
        let f = figures(vec![4], 0);
        assert_eq!((f.per_s_milli, f.latency_us), (None, Some(Latency { p50: 4, p99: 4, max: 4 })));
        assert_eq!(figures(Vec::new(), 10), Figures { processed: 0, per_s_milli: Some(0), latency_us: None, mean_latency_us: None });
        assert_eq!(figures(vec![1, 2, 4], 10).mean_latency_us, Some(2), "rounded down");
        assert_eq!(per_s_text(2_500), "2.5");
        assert_eq!(per_s_text(10_000), "10");
        assert_eq!(per_s_text(333), "0.333");
        assert_eq!(per_s_text(1_050), "1.05");
        assert_eq!(ms_text(5_000), "5");
        assert_eq!(ms_text(380), "0.38");
        assert_eq!(ms_text(1_234), "1.234");
        assert_eq!(ms_text(0), "0");
    }
}
