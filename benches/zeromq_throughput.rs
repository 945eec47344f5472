//! Throughput of the ZeroMQ world on the tutorial's PUSH/PULL workload scaled up: one producer
//! binding tcp:// and pushing `QP_BENCH_MESSAGES` messages (default 1,000,000) back to back
//! (no sleep), two PULL consumers connecting, the first of them killed after its
//! `messages / 5`-th print (a fresh process starts 500 ms later), the full trace kept. Run
//! with `cargo bench --bench zeromq_throughput`; `QP_BENCH_RUNS` (default 5) repeats the run
//! and reports the median and the best; `QP_BENCH_REPORT=0` skips the report. Under
//! `cargo test --benches` (no `--bench` argument) it runs a 2,000-message smoke test.
//!
//! Simulated messages/s is messages divided by the wall-clock seconds of `run_until`.
//! Wall-clock time is measured here, in the driver; the engine itself never reads a clock.
//! Heap use is measured by a counting global allocator (current and peak bytes).

use queue_playground::engine::Until;
use queue_playground::systems::zeromq::report::ZmqReport;
use queue_playground::systems::zeromq::scenario::{ZmqScenario, EVENTS_MAX, STEPS_MAX};
use queue_playground::systems::zeromq::trace::{ZmqEvent, ZmqTraceEntry};
use queue_playground::systems::zeromq::world::ZmqSim;
use std::time::Instant;

#[path = "common/counting.rs"]
mod counting;
use counting::{env_u64, mib, time_runs, Timed};

/// The bench's scenario: `messages` pushed to two consumers, the first killed after its
/// `messages / 5`-th print and restarted 500 ms later.
fn scaled_push_pull(messages: u32) -> ZmqScenario {
    let crash_after = (messages / 5).max(1);
    let text = format!(
        r#"{{
  "name": "z-bench-push-pull",
  "title": "PUSH/PULL scaled up: {messages} messages back to back to two consumers, one killed after its {crash_after}th print",
  "seed": 1,
  "broker": {{ "model": "zeromq" }},
  "actors": [
    {{ "role": "producer", "name": "producer", "socket": "push", "bind": true, "messages": {messages}, "interval_ms": 0, "start_ms": 500 }},
    {{ "role": "consumer", "name": "consumer-1", "socket": "pull" }},
    {{ "role": "consumer", "name": "consumer-2", "socket": "pull" }}
  ],
  "faults": [
    {{ "when": {{ "after": {{ "actor": "consumer-1", "op": "print_received", "occurrence": {crash_after} }} }}, "do": {{ "crash": {{ "actor": "consumer-1", "restart_after_ms": 500 }} }} }}
  ],
  "limits": {{ "steps_max": {STEPS_MAX}, "events_max": {EVENTS_MAX}, "messages_max": {messages}, "time_ms_max": 86400000 }}
}}"#
    );
    ZmqScenario::from_json(&text).expect("the bench scenario is valid")
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then a small run
    // is enough to prove the bench still works.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let messages = env_u64("QP_BENCH_MESSAGES", if benchmarking { 1_000_000 } else { 2_000 });
    let messages = u32::try_from(messages).expect("QP_BENCH_MESSAGES fits in u32");
    let runs = env_u64("QP_BENCH_RUNS", if benchmarking { 5 } else { 1 }).max(1);
    let scenario = scaled_push_pull(messages);

    // Each run starts from a fresh world; the last one is kept for the report.
    let Timed { world: sim, timings, peak_bytes, live_bytes, median_s: seconds, best_s: best } =
        time_runs(runs, || ZmqSim::new(&scenario).expect("the bench scenario builds"), |sim| {
            sim.run_until(Until::Quiescence);
        });

    let trace = sim.trace();
    let events = trace.len();
    let sent = sim.ledger().messages.len();
    let count = |f: fn(&ZmqEvent) -> bool| trace.iter().filter(|e| f(&e.event)).count();
    let crashes = count(|e| matches!(e, ZmqEvent::ActorCrashed { .. }));
    let blocked = count(|e| matches!(e, ZmqEvent::SendBlocked { .. }));
    let last_sent_ms = trace.iter().rev().find(|e| matches!(e.event, ZmqEvent::MessageSent { .. })).map_or(0, |e| e.at_ms);

    if env_u64("QP_BENCH_REPORT", 1) == 0 {
        println!("{sent} messages, {events} events, median of {runs} runs {seconds:.3} s, {:.0} messages/s, {:.0} events/s", sent as f64 / seconds, events as f64 / seconds);
        return;
    }
    let report_started = Instant::now();
    let report = ZmqReport::new(&sim, false);
    let report_seconds = report_started.elapsed().as_secs_f64();
    let conservation_started = Instant::now();
    let conservation = sim.check_conservation();
    let conservation_seconds = conservation_started.elapsed().as_secs_f64();
    let counts = &report.counts;

    println!("queue-playground ZeroMQ throughput (cargo bench --bench zeromq_throughput)");
    println!("  workload          1 PUSH producer (bind tcp://, interval 0, SNDHWM 1000), 2 PULL consumers (connect, RCVHWM 1000, no work)");
    println!("                    consumer-1 killed after its {}th print, restarted 500 ms later", (messages / 5).max(1));
    println!("  messages          {messages} to send, {sent} sent (messages in the ledger)");
    println!("  events            {events} ({:.1} per message)", events as f64 / f64::from(messages.max(1)));
    println!("  finish            {:?} at {} ms simulated (the last message sent at {last_sent_ms} ms)", sim.finish(), sim.now_ms());
    println!("  faults            {crashes} consumer crash(es); the producer's send blocked {blocked} times (all pipes at SNDHWM)");
    let listed: Vec<String> = timings.iter().map(|t| format!("{t:.3}")).collect();
    println!("  run_until         {} s ({runs} runs)", listed.join(", "));
    println!("  messages/s        {:.0} median, {:.0} best", sent as f64 / seconds, sent as f64 / best);
    println!("  events/s          {:.0} median, {:.0} best", events as f64 / seconds, events as f64 / best);
    println!("  peak heap         {peak_bytes} bytes ({}), live after the run {}", mib(peak_bytes), mib(live_bytes));
    println!("  peak bytes/event  {:.1} (the whole world's peak heap over the events; the trace alone is {} bytes an entry)", peak_bytes as f64 / events.max(1) as f64, std::mem::size_of::<ZmqTraceEntry>());
    println!("  live bytes/event  {:.1}", live_bytes as f64 / events.max(1) as f64);
    println!("  size_of           ZmqTraceEntry {} bytes, ZmqEvent {} bytes", std::mem::size_of::<ZmqTraceEntry>(), std::mem::size_of::<ZmqEvent>());
    println!("  report            {report_seconds:.3} s (per-message verdicts + trace hash)");
    println!("  label             {:?}", report.label);
    println!(
        "  verdicts          {} processed once, {} duplicated, {} lost, {} stranded, {} pending, {} never sent (of {} published)",
        counts.processed_once, counts.duplicated, counts.lost, counts.stranded, counts.pending, counts.never_sent, counts.published
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
