//! Throughput and end-to-end latency in the reports (`engine::timing`): exact figures for
//! catalog runs of both systems, and the figures' own invariants over many seeds.

use queue_playground::engine::timing::{Latency, Timeline, Timing, TimingReport};
use queue_playground::engine::Until;
use queue_playground::report::Report;
use queue_playground::scenario::catalog;
use queue_playground::systems::kafka::report::KafkaReport;
use queue_playground::systems::kafka::scenario::catalog as kafka_catalog;
use queue_playground::systems::kafka::world::KafkaSim;
use queue_playground::systems::rabbitmq::Sim;

fn rabbit(name: &str, seed: Option<u64>) -> TimingReport {
    let mut scenario = catalog::get(name).unwrap();
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let mut sim = Sim::new(&scenario).unwrap();
    sim.run_until(Until::Quiescence);
    Report::new(&sim, false).timing
}

fn kafka(name: &str) -> TimingReport {
    let mut sim = KafkaSim::new(&kafka_catalog::get(name).unwrap()).unwrap();
    sim.run_until(Until::Quiescence);
    KafkaReport::new(&sim, false).timing
}

/// One row: (consumer, processed, per_s_milli, p50, p99, max).
fn rows(t: &TimingReport) -> Vec<(String, u32, Option<u64>, Option<Latency>)> {
    std::iter::once(("*".to_string(), &t.overall)).chain(t.consumers.iter().map(|c| (c.consumer.clone(), &c.figures))).map(|(n, f)| (n, f.processed, f.per_s_milli, f.latency_us)).collect()
}

/// Latencies given in ms (these runs have no costs: whole milliseconds), as the report's µs.
fn l(p50: u64, p99: u64, max: u64) -> Option<Latency> {
    Some(Latency { p50: p50 * 1000, p99: p99 * 1000, max: max * 1000 })
}

#[test]
fn the_article_waits_for_its_consumer() {
    // The producer sends one a second from 500 ms; the consumer starts at 11 s and drains
    // them: {'data': 0} waited 10.5 s, {'data': 9} 1.5 s.
    let t = rabbit("article", None);
    assert_eq!(t.span_us, 10_502_000);
    assert_eq!(rows(&t), vec![("*".into(), 10, Some(952), l(5_502, 10_502, 10_502)), ("consumer".into(), 10, Some(952), l(5_502, 10_502, 10_502))]);
}

#[test]
fn a_crashed_consumer_and_its_restart_each_have_their_figures() {
    let t = rabbit("consumer-crash-prefetch", None);
    assert_eq!(t.span_us, 3_416_000);
    assert_eq!(
        rows(&t),
        vec![("*".into(), 10, Some(2_927), l(2_206, 2_966, 2_966)), ("consumer".into(), 3, Some(878), l(1_356, 1_508, 1_508)), ("consumer-2".into(), 7, Some(2_049), l(2_510, 2_966, 2_966))]
    );
}

#[test]
fn kafka_reports_the_same_figures() {
    // The group's first rebalance waits group.initial.rebalance.delay.ms (3 s): {'data': 0}
    // waited 3,006 ms for its consumer; once the partition is assigned, a record is printed
    // 2 ms after its send (the fetch already waiting for it).
    let t = kafka("k-workload");
    assert_eq!(t.span_us, 9_020_000);
    assert_eq!(rows(&t), vec![("*".into(), 10, Some(1_109), l(2, 3_006, 3_006)), ("consumer".into(), 10, Some(1_109), l(2, 3_006, 3_006))]);
}

#[test]
fn figures_add_up_over_many_seeds() {
    for name in catalog::names() {
        for seed in 1..=20 {
            let t = rabbit(name, Some(seed));
            let o = &t.overall;
            assert_eq!(o.processed, t.consumers.iter().map(|c| c.figures.processed).sum::<u32>(), "{name} seed {seed}: consumers' processed add up (cargo test --test timing)");
            if let Some(lat) = o.latency_us {
                assert!(lat.p50 <= lat.p99 && lat.p99 <= lat.max && lat.max <= t.span_us.max(lat.max), "{name} seed {seed}: {lat:?}");
                assert!(t.consumers.iter().all(|c| c.figures.latency_us.is_some_and(|c| c.max <= lat.max)), "{name} seed {seed}");
            } else {
                assert_eq!(o.processed, 0, "{name} seed {seed}");
            }
            if let Some(rate) = o.per_s_milli {
                let sum: u64 = t.consumers.iter().filter_map(|c| c.figures.per_s_milli).sum();
                assert!(sum.abs_diff(rate) <= t.consumers.len() as u64, "{name} seed {seed}: {sum} vs {rate}");
            }
        }
    }
}

#[test]
fn the_figures_at_a_step_count_what_happened_up_to_it() {
    let mut sim = Sim::new(&catalog::get("consumer-crash-prefetch").unwrap()).unwrap();
    sim.run_until(Until::Quiescence);
    let (trace, messages) = (sim.trace(), sim.ledger().messages.len());
    let timeline = Timeline::of(trace, messages);
    assert_eq!(timeline.until(trace.len()), Timing::of(trace, messages));
    assert_eq!(timeline.until(0), Timing::default());
    let mut last = 0;
    for step in 0..=trace.len() {
        let at = timeline.until(step);
        assert_eq!(at, Timing::of(&trace[..step], messages), "step {step}");
        assert!(at.overall.processed >= last, "step {step}");
        last = at.overall.processed;
    }
    assert_eq!(last, 10);
}
