//! Throughput of the Kafka world on the tutorial's workload scaled up (issue 10): one producer
//! sending `QP_BENCH_RECORDS` records (default 1,000,000) with no sleep to `test_topic`, 3
//! partitions replicated 3 times on 3 brokers, a group of 4 consumers, random consumer crashes
//! and one crash of the first partition's leader mid-run (it restarts), the full trace kept
//! (`kafka::scenario::catalog::scaled_workload`). Run with
//! `cargo bench --bench kafka_throughput`; `QP_BENCH_RUNS` (default 5) repeats the run and
//! reports the median and the best; `QP_BENCH_REPORT=0` skips the report (to profile
//! `run_until` alone). Under `cargo test --benches` (no `--bench` argument) it runs a
//! 2,000-record smoke test. `tests/kafka_golden.rs` pins the trace hash of the 20,000-record
//! version.
//!
//! Simulated records/s is records divided by the wall-clock seconds of `run_until`. Wall-clock
//! time is measured here, in the driver; the engine itself never reads a clock. Heap use is
//! measured by a counting global allocator (current and peak bytes).

use queue_playground::engine::Until;
use queue_playground::systems::kafka::report::KafkaReport;
use queue_playground::systems::kafka::scenario::catalog;
use queue_playground::systems::kafka::trace::{KafkaEvent, KafkaTraceEntry};
use queue_playground::systems::kafka::world::KafkaSim;
use std::time::Instant;

#[path = "common/counting.rs"]
mod counting;
use counting::{env_u64, mib, time_runs, Timed};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then a small run
    // is enough to prove the bench still works.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let records = env_u64("QP_BENCH_RECORDS", if benchmarking { 1_000_000 } else { 2_000 });
    let records = u32::try_from(records).expect("QP_BENCH_RECORDS fits in u32");
    let runs = env_u64("QP_BENCH_RUNS", if benchmarking { 5 } else { 1 }).max(1);
    let scenario = catalog::scaled_workload(records);

    // Each run starts from a fresh world; the last one is kept for the report.
    let Timed { world: sim, timings, peak_bytes, live_bytes, median_s: seconds, best_s: best } =
        time_runs(runs, || KafkaSim::new(&scenario).expect("the bench scenario builds"), |sim| {
            sim.run_until(Until::Quiescence);
        });

    let trace = sim.trace();
    let events = trace.len();
    let sent = sim.ledger().messages.len();
    let count = |f: fn(&KafkaEvent) -> bool| trace.iter().filter(|e| f(&e.event)).count();
    let crashes = count(|e| matches!(e, KafkaEvent::ActorCrashed { .. }));
    let node_crashes = count(|e| matches!(e, KafkaEvent::NodeCrashed { .. }));
    let elections = count(|e| matches!(e, KafkaEvent::LeaderElected { .. }));
    let rebalances = count(|e| matches!(e, KafkaEvent::RebalanceStarted { .. }));
    let last_sent_ms = trace.iter().rev().find(|e| matches!(e.event, KafkaEvent::MessagePublished { .. })).map_or(0, |e| e.at_ms);

    if env_u64("QP_BENCH_REPORT", 1) == 0 {
        println!("{sent} records, {events} events, median of {runs} runs {seconds:.3} s, {:.0} records/s, {:.0} events/s", sent as f64 / seconds, events as f64 / seconds);
        return;
    }
    let report_started = Instant::now();
    let report = KafkaReport::new(&sim, false);
    let report_seconds = report_started.elapsed().as_secs_f64();
    let conservation_started = Instant::now();
    let conservation = sim.check_conservation();
    let conservation_seconds = conservation_started.elapsed().as_secs_f64();
    let counts = &report.counts;

    println!("queue-playground Kafka throughput (cargo bench --bench kafka_throughput)");
    println!("  workload          1 producer (acks all, idempotent, interval 0), test_topic 3 partitions x RF 3 on 3 brokers, 4 consumers in one group (earliest, auto-commit)");
    println!("                    random consumer crashes 1/200000 per op, broker 0 (leader of partition 0) crashed at {} ms + restart", catalog::scaled_workload_leader_crash_ms(records));
    println!("  records           {records} to send, {sent} sent (messages in the ledger)");
    println!("  events            {events} ({:.1} per record)", events as f64 / f64::from(records.max(1)));
    println!("  finish            {:?} at {} ms simulated (the last record sent at {last_sent_ms} ms)", sim.finish(), sim.now_ms());
    println!("  faults            {crashes} consumer crashes, {node_crashes} broker crashes, {elections} leader elections, {rebalances} rebalances");
    let listed: Vec<String> = timings.iter().map(|t| format!("{t:.3}")).collect();
    println!("  run_until         {} s ({runs} runs)", listed.join(", "));
    println!("  records/s         {:.0} median, {:.0} best", sent as f64 / seconds, sent as f64 / best);
    println!("  events/s          {:.0} median, {:.0} best", events as f64 / seconds, events as f64 / best);
    println!("  peak heap         {peak_bytes} bytes ({}), live after the run {}", mib(peak_bytes), mib(live_bytes));
    println!("  peak bytes/event  {:.1} (the whole world's peak heap over the events; the trace alone is {} bytes an entry)", peak_bytes as f64 / events.max(1) as f64, std::mem::size_of::<KafkaTraceEntry>());
    println!("  live bytes/event  {:.1}", live_bytes as f64 / events.max(1) as f64);
    println!("  size_of           KafkaTraceEntry {} bytes, KafkaEvent {} bytes", std::mem::size_of::<KafkaTraceEntry>(), std::mem::size_of::<KafkaEvent>());
    println!("  report            {report_seconds:.3} s (per-message verdicts + trace hash)");
    println!("  label             {:?}", report.label);
    println!(
        "  verdicts          {} processed once, {} redelivered, {} duplicated, {} lost, {} stranded, {} pending, {} never sent (of {} published)",
        counts.processed_once, counts.redelivered, counts.duplicated, counts.lost, counts.stranded, counts.pending, counts.never_sent, counts.published
    );
    println!("  summary           {}", report.summary);
    println!("  trace hash        {}", report.trace_hash);
    match &conservation {
        Ok(()) => println!("  conservation      ok ({conservation_seconds:.3} s)"),
        Err(problem) => println!("  conservation      VIOLATED: {problem}"),
    }
    if conservation.is_err() {
        std::process::exit(1);
    }
}
