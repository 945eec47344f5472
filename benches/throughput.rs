//! Throughput of the engine on the tutorial workload scaled up: one persistent producer, four
//! manual-ack consumers with prefetch, random consumer crashes and one broker restart, the
//! full trace kept. Run with `cargo bench --bench throughput`; set `QP_BENCH_MESSAGES`
//! (default 1,000,000) and `QP_BENCH_INTERVAL_MS` (default 0) to change the load;
//! `QP_BENCH_RUNS` (default 5) repeats the run and reports the median and the best;
//! `QP_BENCH_REPORT=0` skips the report (to profile `run_until` alone). Under
//! `cargo test --benches` (no `--bench` argument) it runs a 2,000-message smoke test.
//!
//! Wall-clock time is measured here, in the driver; the engine itself never reads a clock.
//! Heap use is measured by a counting global allocator (current and peak bytes).

use queue_playground::systems::rabbitmq::trace::{Event, TraceEntry};
use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::catalog;
use std::time::Instant;

#[path = "common/counting.rs"]
mod counting;
use counting::{env_u64, mib, time_runs, Timed};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then a small run
    // is enough to prove the bench still works.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let messages = env_u64("QP_BENCH_MESSAGES", if benchmarking { 1_000_000 } else { 2_000 });
    let messages = u32::try_from(messages).expect("QP_BENCH_MESSAGES fits in u32");
    let interval_ms = env_u64("QP_BENCH_INTERVAL_MS", 0);
    let runs = env_u64("QP_BENCH_RUNS", if benchmarking { 5 } else { 1 }).max(1);
    let scenario = catalog::scaled_workload(messages, interval_ms);

    // Each run starts from a fresh world; the last one is kept for the report.
    let Timed { world: sim, timings, peak_bytes, live_bytes, median_s: seconds, best_s: best } =
        time_runs(runs, || Sim::new(&scenario).expect("the bench scenario builds"), |sim| {
            sim.run_until(Until::Quiescence);
        });

    let trace = sim.trace();
    let events = trace.len();
    let published = trace.iter().filter(|e| matches!(e.event, Event::MessagePublished { .. })).count();
    let logical = sim.ledger().messages.len();
    let crashes = trace.iter().filter(|e| matches!(e.event, Event::ActorCrashed { .. })).count();
    let node_stops = trace.iter().filter(|e| matches!(e.event, Event::NodeStopped { .. } | Event::NodeCrashed { .. })).count();

    if env_u64("QP_BENCH_REPORT", 1) == 0 {
        println!("{logical} messages, {events} events, median of {runs} runs {seconds:.3} s, {:.0} messages/s, {:.0} events/s", logical as f64 / seconds, events as f64 / seconds);
        return;
    }
    let report_started = Instant::now();
    let report = Report::new(&sim, false);
    let report_seconds = report_started.elapsed().as_secs_f64();
    let conservation_started = Instant::now();
    let conservation = sim.check_conservation();
    let conservation_seconds = conservation_started.elapsed().as_secs_f64();

    println!("queue-playground throughput (cargo bench --bench throughput)");
    println!("  workload          1 producer (delivery_mode 2, interval {interval_ms} ms), 4 consumers (manual ack, prefetch 50)");
    println!("                    random consumer crashes 1/200000 per op, one broker stop_node + restart");
    println!("  messages          {logical} logical, {published} publish events");
    println!("  events            {events}");
    println!("  finish            {:?} at {} ms simulated", sim.finish(), sim.now_ms());
    println!("  faults            {crashes} consumer crashes, {node_stops} broker stops");
    let listed: Vec<String> = timings.iter().map(|t| format!("{t:.3}")).collect();
    println!("  run_until         {} s ({runs} runs)", listed.join(", "));
    println!("  messages/s        {:.0} median, {:.0} best", logical as f64 / seconds, logical as f64 / best);
    println!("  events/s          {:.0} median, {:.0} best", events as f64 / seconds, events as f64 / best);
    println!("  peak heap         {peak_bytes} bytes ({}), live after the run {}", mib(peak_bytes), mib(live_bytes));
    println!("  peak bytes/event  {:.1}", peak_bytes as f64 / events.max(1) as f64);
    println!("  live bytes/event  {:.1}", live_bytes as f64 / events.max(1) as f64);
    println!("  size_of           TraceEntry {} bytes, Event {} bytes", std::mem::size_of::<TraceEntry>(), std::mem::size_of::<Event>());
    println!("  report            {report_seconds:.3} s (per-message verdicts + trace hash)");
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
