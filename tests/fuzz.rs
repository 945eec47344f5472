#![cfg(not(target_arch = "wasm32"))]
//! Structured fuzzing (issue 7, "Keep it that way"): hostile-but-structured scenarios, scenario
//! files and share codes, each run to its end with invariants checked at every step.
//!
//! Inputs come in three kinds, one quick test each:
//! - `scenarios_built_directly`: `Scenario` values (validated by `Sim::new`);
//! - `scenario_files`: the same, as JSON text with some fields corrupted, fed to
//!   `Scenario::from_json` (so parsing and validation are exercised);
//! - `share_codes`: `ShareState`s encoded, maybe damaged, decoded, and run as
//!   `qp run --share CODE` does (chapter scenario + settings + injected faults).
//!
//! The generators aim at the corners: 0, `u32::MAX`, `u64::MAX` in every millisecond field,
//! `first_data` near `u32::MAX`, max_length-1 queues dead-lettering into themselves or into each
//! other (a fanout DLX bound to both), TTL 0, nack/reject without requeue into a DLX cycle,
//! quorum queues with delivery limits, topic patterns like `#.#.#.#.#.#.#.#.#.#.z` against
//! 30-word keys, many faults, random-fault ratios, node crashes.
//!
//! Checks (the tag in brackets starts every failure message):
//! - no panic `[panic]`, no stack overflow `[stack-overflow]`, no abort/other signal `[crash]`,
//!   no run over the memory cap `[oom]`, no case over the time cap `[timeout]`;
//! - rejected inputs: a `ScenarioError` whose Display is at most `ERROR_CHARS_MAX` chars
//!   `[error-length]` (no echo of huge user strings); its `field` is non-empty when the problem
//!   is in a field `[error-field]`: always for `validate` errors, and for scenario files whose
//!   JSON is well formed but one field holds a value of the wrong type (we corrupted a known
//!   field); not asserted for syntax errors, unknown or missing fields;
//! - accepted scenarios: `Sim::new` succeeds `[setup]`; at every step the new trace entries are
//!   ordered in time and within `limits.time_ms_max` `[trace-order]`, every running drop-head
//!   queue's ready depth is at most its `max_length` `[max-length]`, conservation holds `[conservation]` (every
//!   step for the first `CONSERVATION_EVERY_STEP_UNTIL` steps, then every
//!   `CONSERVATION_STRIDE`-th, and at the end); one step adds at most `step_growth_max` events
//!   and copies `[bounded-work]`; at the end the run finished `[finish]`, took at most
//!   `limits.steps_max` steps (the engine stops with `LimitReached` before handling more jobs)
//!   and holds at most `TOTAL_MAX` events and copies `[bounded-work]`;
//! - determinism: a second run of the same scenario (with `run_until(Quiescence)`) gives the
//!   same finish, event count and `trace_hash` `[determinism]`;
//! - share codes: `decode(encode(s)) == Ok(s)` for valid states, an error otherwise
//!   `[share-roundtrip]`; short error messages `[error-length]`.
//!
//! Isolation: each case runs in a child process (this test binary again, running the
//! `fuzz_child` test) under `ulimit -v` (`QP_FUZZ_MEM_KB`, default 3 GiB) and a wall-clock cap
//! (`QP_FUZZ_TIMEOUT_S`, default 30 s: a legal case at the limits, 310,000 events run twice in
//! a debug build, takes about 15 s on a busy 2-core machine), so a stack overflow, an out-of-memory abort or a hang
//! fails one case (and proptest shrinks it) instead of killing the test binary or the machine.
//!
//! Runs:
//! - quick: `cargo test --locked --test fuzz` (`PROPTEST_CASES`, default 256 per kind);
//! - long: `PROPTEST_CASES=20000 cargo test --test fuzz` (stops at the first
//!   failure of each kind, shrunk), or the collecting run
//!   `CARGO_TARGET_DIR=target/fuzz-long QP_FUZZ_INPUTS=20000 cargo test --test fuzz -- --ignored long_fuzz --nocapture`
//!   (a debug build, so integer overflow traps; its own target directory, so a rebuild
//!   elsewhere does not delete the binary its children run)
//!   (bigger scenarios, never stops early, prints a summary: inputs tried, failures per check,
//!   and the smallest reproduction of each).
//!
//! Reproduce a failure: proptest saves its seed in `tests/fuzz.proptest-regressions` (rerun the
//! same command); the failure message carries the scenario JSON: save it as `s.json` and run
//! `cargo run --bin qp -- run s.json` (or the printed `qp run --share CODE`).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use queue_playground::engine::rng::Ratio;
use queue_playground::systems::rabbitmq::trace::{trace_hash, Event};
use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::scenario::settings::Settings;
use queue_playground::scenario::*;
use queue_playground::share::{self, ShareState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A rejected input's message may be this long at most (it names the field and the problem;
/// it may quote a short name, not a 2,000-character one).
const ERROR_CHARS_MAX: usize = 400;
const CONSERVATION_EVERY_STEP_UNTIL: u64 = 2_000;
const CONSERVATION_STRIDE: u64 = 61;
/// Whatever the limits, no fuzz case (at most 200,000 steps, a few dozen messages) needs more.
const TOTAL_MAX: usize = 4_000_000;

// ----- the cases and how they travel to the child process -----

/// A corruption of one field of a scenario file.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Corruption {
    /// Replace a value (chosen by walking the tree with `path`) by `value`.
    Set { path: Vec<u32>, value: Value },
    /// Remove a field of an object.
    Remove { path: Vec<u32> },
    /// Add an unknown field.
    Add { path: Vec<u32>, name: String },
    /// Cut the text at this fraction (in 1/1000) of its length.
    Truncate { per_mille: u16 },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum Case {
    Scenario(Scenario),
    /// A scenario file; `typed_field` is where a wrong-typed value was put, if that is all
    /// that was done to it (then an error must name a field).
    Json { text: String, typed_field: Option<String> },
    /// A share state; `damage` changes one character of its code (position, replacement).
    Share { state: ShareState, damage: Option<(u32, char)> },
}

impl Case {
    fn kind(&self) -> &'static str {
        match self {
            Case::Scenario(_) => "scenario",
            Case::Json { .. } => "json",
            Case::Share { .. } => "share",
        }
    }

    /// How to run it by hand.
    fn reproduce(&self) -> String {
        match self {
            Case::Scenario(s) => format!(
                "reproduce: save this line as s.json and run `cargo run --bin qp -- run s.json`:\n{}",
                serde_json::to_string(s).unwrap()
            ),
            Case::Json { text, .. } => {
                format!("reproduce: save this line as s.json and run `cargo run --bin qp -- run s.json`:\n{text}")
            }
            Case::Share { state, damage } => {
                let code = damaged_code(state, *damage);
                let scenario = share::decode(&code).ok().and_then(|st| {
                    let (mut s, faults) = st.scenario().ok()?;
                    s.faults.extend(faults);
                    Some(serde_json::to_string(&s).unwrap())
                });
                format!(
                    "reproduce: `cargo run --bin qp -- run --share '{code}'`\nshare state: {}\nits scenario (save as s.json, `qp run s.json`): {}",
                    serde_json::to_string(state).unwrap(),
                    scenario.unwrap_or_else(|| "(none: the code or chapter is rejected)".into())
                )
            }
        }
    }
}

fn damaged_code(state: &ShareState, damage: Option<(u32, char)>) -> String {
    let code = share::encode(state);
    match damage {
        None => code,
        Some((at, c)) => {
            let mut chars: Vec<char> = code.chars().collect();
            if chars.is_empty() {
                return c.to_string();
            }
            let at = at as usize % (chars.len() + 1);
            if at == chars.len() {
                chars.truncate(chars.len() / 2);
            } else {
                chars[at] = c;
            }
            chars.into_iter().collect()
        }
    }
}

// ----- the checks (run in the child) -----

type Checked = Result<(), String>;

/// A case that passed: run to its end, or rejected with a good error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ran,
    Rejected,
}

fn fail<T>(tag: &str, message: impl std::fmt::Display) -> Result<T, String> {
    Err(format!("[{tag}] {message}"))
}

fn check_error_text(text: &str) -> Checked {
    if text.chars().count() > ERROR_CHARS_MAX {
        let head: String = text.chars().take(160).collect();
        return fail("error-length", format!("error message of {} chars (max {ERROR_CHARS_MAX}): {head}…", text.chars().count()));
    }
    if text.trim().is_empty() {
        return fail("error-length", "empty error message");
    }
    Ok(())
}

fn check_scenario_error(e: &ScenarioError, field_required: bool) -> Checked {
    if std::env::var_os("QP_FUZZ_LOG_REJECTIONS").is_some() {
        // Appends to a file the parent names: which errors the generators run into.
        if let Some(path) = std::env::var_os("QP_FUZZ_LOG_REJECTIONS") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                let _ = writeln!(f, "{}", e.to_string().chars().take(160).collect::<String>());
            }
        }
    }
    check_error_text(&e.to_string())?;
    if field_required && e.field.is_empty() {
        let head: String = e.problem.chars().take(160).collect();
        return fail("error-field", format!("the error names no field: {head}"));
    }
    Ok(())
}

/// The most events or copies one step may add: a step handles one job, which touches at most
/// every copy there is (a node crash, a restart) and routes each through a DLX chain; with
/// cycle detection each copy follows at most a few paths among the Q queues.
fn step_growth_max(queues: usize, actors: usize, copies_before: usize) -> usize {
    let q = queues + 1;
    64 + 64 * q * q * (copies_before + actors + 1)
}

/// Run an accepted scenario step by step with the checks, then again in one go.
fn check_run(s: &Scenario) -> Result<Outcome, String> {
    phase("setup (Sim::new)");
    let sim = Sim::new(s);
    phase("run (step by step)");
    let mut sim = match sim {
        Ok(sim) => sim,
        // `Setup::new` checks a little more than `validate` (e.g. that a fault's `op` is in
        // that actor's program); a refusal there is fine if the error is a good one.
        Err(e) => return check_scenario_error(&e, true).map(|()| Outcome::Rejected),
    };
    let limits = &s.limits;
    let (queues, actors) = (s.queues.len(), s.actors.len());
    let mut last_at: u32 = 0;
    loop {
        let (events_before, copies_before, trace_before) = (sim.events(), sim.ledger().copies.len(), sim.trace().len());
        let more = sim.step();
        let trace = sim.trace();
        for (i, entry) in trace.iter().enumerate().skip(trace_before) {
            if entry.at_ms < last_at {
                return fail("trace-order", format!("trace[{i}] at {} ms comes after an event at {last_at} ms: {:?}", entry.at_ms, entry.event));
            }
            if u64::from(entry.at_ms) > limits.time_ms_max {
                return fail("trace-order", format!("trace[{i}] at {} ms is past limits.time_ms_max = {}", entry.at_ms, limits.time_ms_max));
            }
            last_at = entry.at_ms;
        }
        // The event limit is checked before each job: past it, a step only says so.
        let stepped = sim.events() > events_before;
        if stepped && events_before as u64 >= limits.events_max && (sim.events() != events_before + 1 || !matches!(sim.trace().last().map(|e| e.event), Some(Event::LimitReached { .. }))) {
            return fail("bounded-work", format!("step {} ran a job with {events_before} events, limits.events_max = {}", sim.steps(), limits.events_max));
        }
        let grow_max = step_growth_max(queues, actors, copies_before);
        let (events, copies) = (sim.events(), sim.ledger().copies.len());
        if events - events_before > grow_max || copies - copies_before > grow_max {
            return fail("bounded-work", format!("step {} added {} events and {} copies (at most {grow_max} each)", sim.steps(), events - events_before, copies - copies_before));
        }
        if events > TOTAL_MAX || copies > TOTAL_MAX || copies > events {
            return fail("bounded-work", format!("{events} events and {copies} copies after {} steps (at most {TOTAL_MAX}, and a copy is made by an event)", sim.steps()));
        }
        for (index, q) in sim.broker().queues.iter().enumerate() {
            // RabbitMQ's `maybe_drop_head`: a running drop-head queue never exceeds its limit;
            // a reject-publish queue refuses publishes only, so requeues may take it past.
            let running = sim.broker().queue_running(queue_playground::engine::ids::QueueId(index as u16));
            if let (Some(max), Overflow::DropHead, true) = (q.spec.max_length, q.spec.overflow, running) {
                if q.ready.len() > max as usize {
                    return fail("max-length", format!("queue {:?} holds {} ready messages, max_length = {max} (step {})", q.spec.name, q.ready.len(), sim.steps()));
                }
            }
        }
        let steps = sim.steps();
        if steps <= CONSERVATION_EVERY_STEP_UNTIL || steps % CONSERVATION_STRIDE == 0 || !more {
            if let Err(problem) = sim.check_conservation() {
                return fail("conservation", format!("at step {steps}: {problem}"));
            }
        }
        if !more {
            break;
        }
    }
    let Some(finish) = sim.finish() else {
        return fail("finish", format!("step() returned false but the run has no finish (after {} steps)", sim.steps()));
    };
    if sim.steps() > limits.steps_max {
        return fail("bounded-work", format!("{} steps, limits.steps_max = {}", sim.steps(), limits.steps_max));
    }
    if sim.now_ms() > limits.time_ms_max {
        return fail("bounded-work", format!("ended at {} ms, limits.time_ms_max = {}", sim.now_ms(), limits.time_ms_max));
    }
    let hash = trace_hash(sim.trace());
    phase("second run (determinism)");
    let mut again = Sim::new(s).map_err(|e| format!("[setup] second Sim::new failed: {e}"))?;
    again.run_until(Until::Quiescence);
    if again.finish() != Some(finish) || again.events() != sim.events() || trace_hash(again.trace()) != hash {
        return fail(
            "determinism",
            format!("run 1 (step by step): {:?}, {} events, hash {hash}; run 2 (run_until): {:?}, {} events, hash {}", finish, sim.events(), again.finish(), again.events(), trace_hash(again.trace())),
        );
    }
    Ok(Outcome::Ran)
}

fn parse_file(text: &str) -> Result<Scenario, ScenarioError> {
    phase("from_json");
    Scenario::from_json(text)
}

fn check_scenario(s: &Scenario) -> Result<Outcome, String> {
    phase("validate");
    let valid = s.validate();
    match valid {
        Err(e) => {
            check_scenario_error(&e, true)?;
            match Sim::new(s) {
                Ok(_) => fail("setup", format!("validate() refused it ({e}) but Sim::new accepted it")),
                Err(_) => Ok(Outcome::Rejected),
            }
        }
        Ok(()) => check_run(s),
    }
}

fn rejected(check: Checked) -> Result<Outcome, String> {
    check.map(|()| Outcome::Rejected)
}

fn check_case(case: &Case) -> Result<Outcome, String> {
    match case {
        Case::Scenario(s) => check_scenario(s),
        Case::Json { text, typed_field } => match parse_file(text) {
            Ok(mut s) => {
                // A corrupted file may have lost its small limits (the default is 10,000,000
                // steps): keep each case quick, as for share codes.
                s.limits.steps_max = s.limits.steps_max.min(200_000);
                check_run(&s)
            }
            Err(e) => rejected(check_scenario_error(&e, typed_field.is_some()).map_err(|m| match typed_field {
                Some(f) => format!("{m} (a wrong-typed value was put at {f})"),
                None => m,
            })),
        },
        Case::Share { state, damage } => {
            let valid = state.v == share::SHARE_VERSION && state.settings.validate().is_ok();
            let code = share::encode(state);
            match (share::decode(&code), valid) {
                (Ok(back), true) if &back == state => {}
                (Ok(back), true) => return fail("share-roundtrip", format!("decode(encode(s)) differs: {back:?}")),
                (Ok(_), false) => return fail("share-roundtrip", "an invalid share state (version or settings) decoded"),
                (Err(e), true) => return fail("share-roundtrip", format!("a valid share state does not decode: {e}")),
                (Err(e), false) => check_error_text(&e.to_string())?,
            }
            let code = damaged_code(state, *damage);
            let decoded = match share::decode(&code) {
                Ok(st) => st,
                Err(e) => return rejected(check_error_text(&e.to_string())),
            };
            // As `qp run --share` does.
            let mut scenario = match decoded.scenario() {
                Ok((mut scenario, faults)) => {
                    scenario.faults.extend(faults);
                    scenario
                }
                Err(e) => return rejected(check_error_text(&e.to_string())),
            };
            // Share runs use chapter sizes; keep the quick run quick.
            scenario.limits.steps_max = scenario.limits.steps_max.min(200_000);
            check_scenario(&scenario)
        }
    }
}

/// Where the last panic happened (set by the child's panic hook).
static PANIC_AT: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
/// The child's result file, which holds "phase: ..." while the case runs (what a timeout
/// or a crash interrupted).
static PHASE_FILE: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

fn phase(what: &str) {
    if let Some(path) = &*PHASE_FILE.lock().unwrap() {
        let _ = std::fs::write(path, format!("phase: {what}"));
    }
}

/// The child side: run the case in `QP_FUZZ_CASE`, write the outcome to `QP_FUZZ_RESULT`.
#[test]
fn fuzz_child() {
    let (Ok(case_path), Ok(result_path)) = (std::env::var("QP_FUZZ_CASE"), std::env::var("QP_FUZZ_RESULT")) else {
        return; // Only a child process has work here.
    };
    let case: Case = serde_json::from_str(&std::fs::read_to_string(&case_path).unwrap()).unwrap();
    *PHASE_FILE.lock().unwrap() = Some(PathBuf::from(&result_path));
    std::panic::set_hook(Box::new(|info| {
        *PANIC_AT.lock().unwrap() = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
    }));
    let outcome = std::panic::catch_unwind(|| check_case(&case)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(no message)".into());
        let at = PANIC_AT.lock().unwrap().clone().unwrap_or_default();
        Err(format!("[panic] {message} at {at}"))
    });
    let text = match outcome {
        Ok(Outcome::Ran) => "ok ran".to_string(),
        Ok(Outcome::Rejected) => "ok rejected".to_string(),
        Err(message) => format!("FAIL {message}"),
    };
    std::fs::write(result_path, text).unwrap();
}

// ----- the parent side: one child process per case -----

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

static CASE_COUNTER: AtomicU64 = AtomicU64::new(0);

fn tail(path: &PathBuf, chars: usize) -> String {
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut text);
    }
    let n = text.chars().count();
    text.chars().skip(n.saturating_sub(chars)).collect()
}

/// Run a case in a child process; Err carries the tagged failure.
fn run_isolated(case: &Case) -> Result<Outcome, String> {
    let dir = std::env::temp_dir().join(format!("qp-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let n = CASE_COUNTER.fetch_add(1, Ordering::Relaxed);
    let case_path = dir.join(format!("case-{n}.json"));
    let result_path = dir.join(format!("result-{n}.txt"));
    let stderr_path = dir.join(format!("stderr-{n}.txt"));
    std::fs::write(&case_path, serde_json::to_string(case).unwrap()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mem_kb = env_u64("QP_FUZZ_MEM_KB", 3 * 1024 * 1024);
    let timeout = Duration::from_secs(env_u64("QP_FUZZ_TIMEOUT_S", 30));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {mem_kb}; exec \"$0\" \"$@\""))
        .arg(&exe)
        .args(["fuzz_child", "--exact", "--nocapture", "--test-threads", "1", "-q"])
        .env("QP_FUZZ_CASE", &case_path)
        .env("QP_FUZZ_RESULT", &result_path)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("cannot start the child process");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let result = std::fs::read_to_string(&result_path).ok();
    let stderr = tail(&stderr_path, 600);
    for p in [&case_path, &result_path, &stderr_path] {
        let _ = std::fs::remove_file(p);
    }
    let interrupted = result.as_deref().and_then(|r| r.strip_prefix("phase: ")).map(str::to_string);
    let result = result.filter(|r| !r.starts_with("phase: "));
    let during = interrupted.map(|p| format!(" during {p}")).unwrap_or_default();
    match (status, result) {
        (None, _) => fail("timeout", format!("no result after {} s{during} (a hang, or unbounded work inside one step)", timeout.as_secs())),
        (Some(_), Some(r)) if r == "ok ran" => Ok(Outcome::Ran),
        (Some(_), Some(r)) if r == "ok rejected" => Ok(Outcome::Rejected),
        (Some(_), Some(r)) => Err(r.trim_start_matches("FAIL ").to_string()),
        (Some(status), None) => {
            use std::os::unix::process::ExitStatusExt;
            let tag = if stderr.contains("overflowed its stack") {
                "stack-overflow"
            } else if stderr.contains("memory allocation") || stderr.contains("capacity overflow") {
                "oom"
            } else {
                "crash"
            };
            fail(tag, format!("child died{during} ({status}, signal {:?}); stderr ends: {}", status.signal(), stderr.trim()))
        }
    }
}

// ----- generators -----

/// Sizes of a generated scenario (the long run uses bigger ones).
#[derive(Clone, Copy, Debug)]
struct Size {
    queues: usize,
    actors: usize,
    messages: u32,
    faults: usize,
    steps_max: u64,
}

const QUICK: Size = Size { queues: 4, actors: 4, messages: 6, faults: 8, steps_max: 200_000 };
const LONG: Size = Size { queues: 6, actors: 6, messages: 30, faults: 30, steps_max: 200_000 };

/// A millisecond value: mostly small, often a corner.
/// Mostly within the validated range (up to `TIME_MS_MAX`, whose corners are where `now +
/// delay` once wrapped), rarely past it (validation must refuse those, naming the field): a
/// scenario has a dozen such fields, so most scenarios are accepted and run.
fn ms() -> impl Strategy<Value = u64> {
    prop_oneof![
        120 => 0u64..50,
        40 => 0u64..3_000,
        30 => Just(0u64),
        20 => Just(TIME_MS_MAX),
        10 => Just(TIME_MS_MAX - 1),
        1 => Just(u64::MAX),
        1 => Just(TIME_MS_MAX + 1),
        1 => any::<u64>(),
    ]
}

/// A small-or-cornered u32 count (rarely one that validation refuses).
fn count32() -> impl Strategy<Value = u32> {
    prop_oneof![40 => 0u32..4, 1 => Just(u32::MAX), 1 => Just(u32::MAX - 1)]
}

fn count16() -> impl Strategy<Value = u16> {
    prop_oneof![4 => 0u16..4, 1 => Just(u16::MAX)]
}

fn long_key(words: usize, word: &'static str) -> String {
    vec![word; words].join(".")
}

/// Routing keys and binding patterns, with the exponential topic corner.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (0usize..6).prop_map(|i| format!("q{i}")),
        Just("a.b.c".to_string()),
        Just("#".to_string()),
        Just("*".to_string()),
        Just("*.z".to_string()),
        Just("a.#".to_string()),
        Just("#.#.#.#.#.#.#.#.#.#.z".to_string()),
        Just("#.*.#.*.#.*.#.*.#.*.#.z".to_string()),
        Just(long_key(30, "a")),
        Just(format!("{}.z", long_key(29, "a"))),
        Just(long_key(30, "#")),
        Just("..".to_string()),
    ]
}

/// A name: usually one from the pool, sometimes a long or odd one.
fn name_from(pool: Vec<String>) -> BoxedStrategy<String> {
    prop_oneof![
        20 => proptest::sample::select(pool),
        1 => Just("x".repeat(2_000)),
        1 => Just(String::new()),
        1 => Just("rabbit@0".to_string()),
        1 => Just("名前\u{0}\"\\".to_string()),
    ]
    .boxed()
}

fn ratio() -> impl Strategy<Value = Ratio> {
    prop_oneof![
        3 => Just(Ratio { numerator: 0, denominator: 1 }),
        2 => (1u32..4, 2u32..20).prop_map(|(numerator, denominator)| Ratio { numerator, denominator }),
        1 => Just(Ratio { numerator: 1, denominator: 1 }),
        1 => Just(Ratio { numerator: u32::MAX, denominator: u32::MAX }),
        1 => Just(Ratio { numerator: 1, denominator: u32::MAX }),
        1 => Just(Ratio { numerator: 0, denominator: 0 }),
        1 => Just(Ratio { numerator: 2, denominator: 1 }),
    ]
}

const EXCHANGES: [(&str, ExchangeType); 3] = [("dlx", ExchangeType::Fanout), ("topic", ExchangeType::Topic), ("direct", ExchangeType::Direct)];

fn queue_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("q{i}")).collect()
}

fn exchange_name() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just("dlx".to_string()), 1 => Just("topic".to_string()), 1 => Just("direct".to_string()), 1 => Just(String::new()), 1 => Just("nope".to_string())]
}

fn queue_spec(i: usize, nodes: u8, size: Size) -> impl Strategy<Value = QueueSpec> {
    (
        (any::<bool>(), prop_oneof![3 => Just(QueueType::Classic), 1 => Just(QueueType::Quorum)]),
        proptest::option::weighted(0.4, ms()),
        proptest::option::weighted(0.6, exchange_name()),
        proptest::option::weighted(0.3, key()),
        proptest::option::weighted(0.6, prop_oneof![4 => Just(1u32), 2 => 1u32..4, 1 => Just(u32::MAX), 1 => Just(0u32)]),
        prop_oneof![Just(Overflow::DropHead), Just(Overflow::RejectPublish)],
        proptest::option::weighted(0.3, count16()),
        prop_oneof![10 => 0..nodes, 1 => Just(nodes)],
        name_from(queue_names(size.queues)),
        prop_oneof![5 => Just(true), 1 => Just(false)],
    )
        .prop_map(move |((durable, queue_type), message_ttl_ms, dead_letter_exchange, dead_letter_routing_key, max_length, overflow, delivery_limit, node, odd_name, exists_at_start)| {
            // A dead-letter routing key mostly comes with its exchange (RabbitMQ refuses it
            // alone, and so does validation); sometimes not.
            let dead_letter_routing_key = if dead_letter_exchange.is_some() || node == nodes { dead_letter_routing_key } else { None };
            QueueSpec {
                // Mostly q{i}; sometimes a duplicate or odd name.
                name: if odd_name.starts_with('q') && odd_name.len() < 4 { format!("q{i}") } else { odd_name },
                durable: durable || queue_type == QueueType::Quorum,
                queue_type,
                message_ttl_ms,
                dead_letter_exchange,
                dead_letter_routing_key,
                max_length,
                overflow,
                delivery_limit: if queue_type == QueueType::Quorum { delivery_limit } else { None },
                node,
                exists_at_start,
            }
        })
}

fn producer(name: String, queues: Vec<String>, nodes: u8, size: Size) -> impl Strategy<Value = ProducerSpec> {
    (
        name_from(queues),
        exchange_name().prop_map(|e| if e == "dlx" { String::new() } else { e }),
        proptest::option::weighted(0.5, key()),
        prop_oneof![4 => 0..=size.messages, 1 => Just(0u32)],
        (ms(), proptest::option::weighted(0.3, ms())),
        prop_oneof![10 => 1u8..=2, 1 => Just(0u8), 1 => Just(3u8)],
        any::<bool>(),
        proptest::option::weighted(0.5, (prop_oneof![4 => 1u32..5, 1 => Just(1_000u32), 1 => Just(0u32), 1 => Just(1_001u32)], ms(), ms())),
        ms(),
        prop_oneof![10 => 0..nodes, 1 => Just(nodes)],
        (any::<bool>(), declare_as(), prop_oneof![3 => Just(false), 1 => Just(true)]),
        prop_oneof![2 => 0u32..10, 1 => Just(u32::MAX), 1 => (u32::MAX - 10)..=u32::MAX, 1 => any::<u32>()],
    )
        .prop_map(move |(queue, exchange, routing_key, messages, (interval_ms, expiration_ms), delivery_mode, confirms, retry, start_ms, node, (declare, declare_as, mandatory), first_data)| {
            // Confirms in batches where the rest of the producer allows them (half of those).
            let batches = confirms && retry.is_none() && exchange.is_empty() && routing_key.is_none() && !mandatory && declare_as == DeclareAs::Queue && first_data % 2 == 0;
            let confirm_batch = batches.then_some(messages % 5 + 1);
            ProducerSpec {
            name: name.clone(),
            queue,
            exchange,
            routing_key,
            messages,
            interval_ms: if confirm_batch.is_some() { 0 } else { interval_ms },
            delivery_mode,
            confirms,
            confirm_batch,
            retry: retry.map(|(attempts_max, backoff_ms, jitter_ms)| RetrySpec { attempts_max, backoff_ms, jitter_ms, on_give_up: if backoff_ms % 2 == 0 { GiveUp::Skip } else { GiveUp::Raise } }),
            start_ms,
            node,
            declare,
            declare_as,
            first_data,
            mandatory,
            expiration_ms,
            orders: None,
            handler: None,
        }})
}

fn declare_as() -> impl Strategy<Value = DeclareAs> {
    prop_oneof![6 => Just(DeclareAs::Queue), 1 => Just(DeclareAs::Passive), 1 => Just(DeclareAs::Plain), 1 => Just(DeclareAs::WithoutArguments)]
}

fn on_failure() -> impl Strategy<Value = OnFailure> {
    prop_oneof![
        Just(OnFailure::Crash),
        Just(OnFailure::NackRequeue),
        Just(OnFailure::NackDrop),
        Just(OnFailure::RejectRequeue),
        Just(OnFailure::RejectDrop),
    ]
}

fn consumer(name: String, queues: Vec<String>, nodes: u8) -> impl Strategy<Value = ConsumerSpec> {
    (
        (name_from(queues), any::<bool>(), proptest::option::weighted(0.5, count16())),
        ms(),
        any::<bool>(),
        on_failure(),
        proptest::option::weighted(0.4, count32()),
        proptest::option::weighted(0.5, (prop::collection::vec(prop_oneof![0u32..10, Just(u32::MAX), (u32::MAX - 10)..=u32::MAX], 0..4), proptest::option::of(count32()))),
        ms(),
        prop_oneof![10 => 0..nodes, 1 => Just(nodes)],
        (any::<bool>(), declare_as()),
        (proptest::option::weighted(0.5, ms()), proptest::option::weighted(0.2, ms())),
        proptest::option::weighted(0.3, count16()),
    )
        .prop_map(move |((queue, auto_ack, prefetch_count), work_ms, idempotent, on_failure, attempts_max, fail, start_ms, node, (declare, declare_as), (reconnect_ms, poll_ms), ack_every)| {
            // Mostly consistent with auto_ack (so validation lets it through), not always.
            let sloppy = work_ms % 17 == 3;
            ConsumerSpec {
                name: name.clone(),
                queue,
                auto_ack,
                prefetch_count,
                work_ms,
                idempotent,
                on_failure: if auto_ack && !sloppy { OnFailure::Crash } else { on_failure },
                attempts_max: if auto_ack && !sloppy { None } else { attempts_max },
                fail: fail.map(|(data, attempts)| FailSpec { data, attempts, after_work: work_ms % 3 == 1 }),
                start_ms,
                node,
                declare,
                declare_as,
                reconnect_ms,
                ack_every: if auto_ack && !sloppy { None } else { ack_every },
                // basic_get does not take basic_qos: mostly without a prefetch.
                poll_ms: if prefetch_count.is_some() && !sloppy { None } else { poll_ms },
            }
        })
}

fn op_name() -> impl Strategy<Value = String> {
    prop_oneof![
        10 => proptest::sample::select(queue_playground::systems::rabbitmq::program::OP_NAMES.to_vec()).prop_map(String::from),
        1 => Just("bogus".to_string()),
    ]
}

fn trigger(actors: Vec<String>) -> impl Strategy<Value = Trigger> {
    prop_oneof![
        3 => ms().prop_map(Trigger::AtMs),
        2 => prop_oneof![0u64..300, Just(0u64), Just(u64::MAX), Just(u32::MAX as u64)].prop_map(Trigger::AtStep),
        2 => (name_from(actors.clone()), op_name(), prop_oneof![5 => 1u32..4, 1 => Just(0u32), 1 => Just(u32::MAX)])
            .prop_map(|(actor, op, occurrence)| Trigger::After { actor, op, occurrence }),
        1 => (name_from(actors), op_name(), prop_oneof![5 => 1u32..4, 1 => Just(0u32), 1 => Just(u32::MAX)])
            .prop_map(|(actor, op, occurrence)| Trigger::Before { actor, op, occurrence }),
    ]
}

fn action(actors: Vec<String>, nodes: u8) -> impl Strategy<Value = FaultAction> {
    let mut endpoints = actors.clone();
    endpoints.extend((0..nodes).map(|n| format!("rabbit@{n}")));
    let actor = name_from(actors);
    let end = name_from(endpoints);
    let node = prop_oneof![10 => 0..nodes, 1 => Just(nodes), 1 => Just(u8::MAX)].boxed();
    prop_oneof![
        3 => actor.clone().prop_map(FaultAction::Crash),
        1 => actor.clone().prop_map(FaultAction::Stop),
        1 => actor.clone().prop_map(FaultAction::Cancel),
        2 => actor.clone().prop_map(FaultAction::Restart),
        2 => (node.clone(), any::<bool>()).prop_map(|(node, restart)| FaultAction::CrashNode { node, restart }),
        1 => (node.clone(), any::<bool>()).prop_map(|(node, restart)| FaultAction::StopNode { node, restart }),
        1 => node.prop_map(FaultAction::StartNode),
        1 => (end.clone(), end.clone()).prop_map(|(a, b)| FaultAction::Partition(a, b)),
        1 => (end.clone(), end.clone()).prop_map(|(a, b)| FaultAction::Heal(a, b)),
        1 => (end.clone(), end).prop_map(|(from, to)| FaultAction::DropNext { from, to }),
        1 => actor.clone().prop_map(FaultAction::DuplicateNext),
        1 => actor.clone().prop_map(FaultAction::PoisonNext),
        2 => (actor, ms()).prop_map(|(actor, work_ms)| FaultAction::Slow { actor, work_ms }),
    ]
}

fn fault(actors: Vec<String>, nodes: u8) -> impl Strategy<Value = FaultSpec> {
    (trigger(actors.clone()), action(actors, nodes)).prop_map(|(when, action)| FaultSpec { when, action })
}

fn random_faults() -> impl Strategy<Value = RandomFaults> {
    ((ratio(), ratio(), ms(), ratio()), (ratio(), ratio(), ms())).prop_map(
        |((consumer_crash, producer_crash, actor_restart_ms, frame_loss), (frame_duplicate, node_crash, until_ms))| RandomFaults {
            consumer_crash,
            producer_crash,
            actor_restart_ms,
            frame_loss,
            frame_duplicate,
            node_crash,
            until_ms,
        },
    )
}

fn limits(size: Size) -> impl Strategy<Value = Limits> {
    (
        prop_oneof![1 => Just(1u64), 1 => Just(100u64), 3 => 1_000u64..20_000, 1 => Just(size.steps_max), 1 => Just(0u64)],
        prop_oneof![1 => Just(0u64), 2 => Just(100_000u64), 2 => Just(24 * 3_600_000u64), 2 => Just(u32::MAX as u64), 1 => Just(u32::MAX as u64 + 1)],
        prop_oneof![1 => Just(0u32), 1 => Just(5u32), 4 => Just(1_000_000u32), 1 => Just(u32::MAX)],
        prop_oneof![1 => Just(0u64), 1 => Just(50u64), 1 => 100u64..5_000, 4 => Just(EVENTS_MAX), 1 => Just(EVENTS_MAX + 1)],
    )
        .prop_map(|(steps_max, time_ms_max, messages_max, events_max)| Limits { steps_max, time_ms_max, messages_max, events_max })
}

/// A dangerous topology twist applied on top of the random one.
#[derive(Clone, Copy, Debug)]
enum Twist {
    None,
    /// q0: max_length 1, DLX fanout `dlx` bound to q0 itself.
    SelfCycle,
    /// q0 and q1: max_length 1, both dead-letter to `dlx`, which is bound to both.
    MutualCycle,
    /// q0 and q1: TTL 0, each dead-letters into the other.
    TtlCycle,
    /// Consumers of q0 nack/reject without requeue; q0's DLX routes back to q0.
    RejectCycle,
    /// A topic exchange with `#`-heavy patterns and 30-word keys.
    Topic,
}

fn twist() -> impl Strategy<Value = Twist> {
    prop_oneof![
        3 => Just(Twist::None),
        2 => Just(Twist::SelfCycle),
        2 => Just(Twist::MutualCycle),
        1 => Just(Twist::TtlCycle),
        2 => Just(Twist::RejectCycle),
        1 => Just(Twist::Topic),
    ]
}

fn bind(s: &mut Scenario, exchange: &str, queue: &str, routing_key: &str) {
    s.bindings.push(BindingSpec { exchange: exchange.into(), queue: queue.into(), routing_key: routing_key.into() });
}

fn apply_twist(s: &mut Scenario, twist: Twist) {
    let dlx = |q: &mut QueueSpec| q.dead_letter_exchange = Some("dlx".into());
    match twist {
        Twist::None => {}
        Twist::SelfCycle => {
            let q = &mut s.queues[0];
            q.max_length = Some(1);
            q.overflow = Overflow::DropHead;
            dlx(q);
            let name = q.name.clone();
            bind(s, "dlx", &name, "");
        }
        Twist::MutualCycle | Twist::TtlCycle if s.queues.len() >= 2 => {
            for i in 0..2 {
                let q = &mut s.queues[i];
                if matches!(twist, Twist::MutualCycle) {
                    q.max_length = Some(1);
                    q.overflow = Overflow::DropHead;
                } else {
                    q.message_ttl_ms = Some(0);
                }
                dlx(q);
                let name = q.name.clone();
                bind(s, "dlx", &name, "");
            }
        }
        Twist::MutualCycle | Twist::TtlCycle => apply_twist(s, Twist::SelfCycle),
        Twist::RejectCycle => {
            dlx(&mut s.queues[0]);
            let name = s.queues[0].name.clone();
            bind(s, "dlx", &name, "");
            for a in &mut s.actors {
                match a {
                    ActorSpec::Consumer(c) => {
                        c.queue = name.clone();
                        c.auto_ack = false;
                        c.on_failure = if c.work_ms % 2 == 0 { OnFailure::RejectDrop } else { OnFailure::NackDrop };
                        c.fail = Some(FailSpec { data: (0..8).chain([u32::MAX, u32::MAX - 1]).collect(), attempts: None, after_work: false });
                    }
                    ActorSpec::Admin(_) => {}
                    ActorSpec::Relay(r) => r.queue = name.clone(),
                    ActorSpec::Producer(p) => {
                        p.queue = name.clone();
                        p.exchange = String::new();
                        p.routing_key = None;
                    }
                }
            }
        }
        Twist::Topic => {
            for (i, q) in s.queues.clone().iter().enumerate() {
                let pattern = if i % 2 == 0 { "#.#.#.#.#.#.#.#.#.#.z".to_string() } else { "#.*.#.*.#.*.#.*.#.*.#.z".to_string() };
                bind(s, "topic", &q.name, &pattern);
            }
            let key = long_key(30, "a");
            for a in &mut s.actors {
                if let ActorSpec::Producer(p) = a {
                    p.exchange = "topic".into();
                    p.routing_key = Some(key.clone());
                }
            }
        }
    }
}

/// Repair what validation would refuse, so most generated scenarios run (the corners in
/// the millisecond fields, counts and topology stay: validation accepts them).
fn sanitize(s: &mut Scenario, size: Size) {
    s.broker.model = "rabbitmq".into();
    s.broker.nodes = match s.broker.nodes {
        0 | 1 => 1,
        2 => 3,
        n => n.min(NODES_MAX),
    };
    let nodes = s.broker.nodes;
    s.network.latency_ms = s.network.latency_ms.min(60_000);
    s.network.jitter_ms = s.network.jitter_ms.min(60_000);
    let exchange_ok = |e: &str| e.is_empty() || EXCHANGES.iter().any(|(n, _)| *n == e);
    for (i, q) in s.queues.iter_mut().enumerate() {
        q.name = format!("q{i}");
        q.node %= nodes;
        if q.queue_type == QueueType::Quorum {
            q.durable = true;
        } else {
            q.delivery_limit = None;
        }
        if q.dead_letter_exchange.as_deref().is_some_and(|e| !exchange_ok(e)) {
            q.dead_letter_exchange = Some("dlx".into());
        }
        if q.max_length == Some(0) {
            q.max_length = Some(1);
        }
    }
    let queue_names: Vec<String> = s.queues.iter().map(|q| q.name.clone()).collect();
    let queue_ok = |q: &str| queue_names.iter().any(|n| n == q);
    for b in &mut s.bindings {
        if b.exchange.is_empty() || !exchange_ok(&b.exchange) {
            b.exchange = "dlx".into();
        }
        if !queue_ok(&b.queue) {
            b.queue = queue_names[0].clone();
        }
    }
    let mut total = 0u32;
    for (i, a) in s.actors.iter_mut().enumerate() {
        match a {
            ActorSpec::Producer(p) => {
                p.name = format!("p{i}");
                p.node %= nodes;
                if !queue_ok(&p.queue) {
                    p.queue = queue_names[0].clone();
                }
                if !exchange_ok(&p.exchange) {
                    p.exchange = String::new();
                }
                if p.delivery_mode != 1 && p.delivery_mode != 2 {
                    p.delivery_mode = 2;
                }
                p.messages = p.messages.min(size.messages);
                total += p.messages;
                // The last payload at the very top of u32, where `first_data + i` once wrapped.
                p.first_data = p.first_data.min(u32::MAX - p.messages.saturating_sub(1));
                p.interval_ms = p.interval_ms.min(TIME_MS_MAX);
                p.expiration_ms = p.expiration_ms.map(|ms| ms.min(TIME_MS_MAX));
                p.start_ms = p.start_ms.min(TIME_MS_MAX);
                if let Some(r) = &mut p.retry {
                    r.attempts_max = r.attempts_max.clamp(1, 1_000);
                    r.backoff_ms = r.backoff_ms.min(TIME_MS_MAX);
                    r.jitter_ms = r.jitter_ms.min(TIME_MS_MAX);
                }
            }
            ActorSpec::Relay(r) => {
                r.name = format!("r{i}");
                r.node %= nodes;
                if !queue_ok(&r.queue) {
                    r.queue = queue_names[0].clone();
                }
                r.start_ms = r.start_ms.min(TIME_MS_MAX);
                r.poll_ms = r.poll_ms.clamp(1, TIME_MS_MAX);
            }
            ActorSpec::Admin(a) => {
                a.name = format!("a{i}");
                a.node %= nodes;
                a.start_ms = a.start_ms.min(TIME_MS_MAX);
                for q in &mut a.declare {
                    if !queue_ok(q) {
                        *q = queue_names[0].clone();
                    }
                }
            }
            ActorSpec::Consumer(c) => {
                c.name = format!("c{i}");
                c.node %= nodes;
                if !queue_ok(&c.queue) {
                    c.queue = queue_names[0].clone();
                }
                c.work_ms = c.work_ms.min(TIME_MS_MAX);
                c.start_ms = c.start_ms.min(TIME_MS_MAX);
                c.reconnect_ms = c.reconnect_ms.map(|ms| ms.min(TIME_MS_MAX));
                if c.auto_ack {
                    c.on_failure = OnFailure::Crash;
                    c.ack_every = None;
                    c.attempts_max = None;
                } else if c.ack_every == Some(0) {
                    c.ack_every = Some(1);
                }
            }
        }
    }
    s.limits.steps_max = s.limits.steps_max.clamp(1, size.steps_max);
    s.limits.time_ms_max = s.limits.time_ms_max.min(TIME_MS_MAX);
    s.limits.messages_max = s.limits.messages_max.max(total).min(MESSAGES_MAX);
    s.limits.events_max = s.limits.events_max.clamp(1, EVENTS_MAX);
    // Times at their ceiling stay (validation accepts them); past it they are clamped to it.
    s.broker.restart_delay_ms = s.broker.restart_delay_ms.min(TIME_MS_MAX);
    s.network.reset_after_drop_ms = s.network.reset_after_drop_ms.min(TIME_MS_MAX);
    for q in &mut s.queues {
        q.message_ttl_ms = q.message_ttl_ms.map(|ms| ms.min(TIME_MS_MAX));
    }
    if let Some(r) = &mut s.random_faults {
        r.actor_restart_ms = r.actor_restart_ms.min(TIME_MS_MAX);
        r.until_ms = r.until_ms.min(TIME_MS_MAX);
    }
    let actors: Vec<(String, bool)> = s.actors.iter().map(|a| (a.name().to_string(), matches!(a, ActorSpec::Producer(_)))).collect();
    sanitize_faults(&mut s.faults, &actors, nodes);
    if let Some(r) = &mut s.random_faults {
        for ratio in [&mut r.consumer_crash, &mut r.producer_crash, &mut r.frame_loss, &mut r.frame_duplicate, &mut r.node_crash] {
            if ratio.denominator == 0 {
                *ratio = Ratio::NEVER;
            }
            ratio.numerator = ratio.numerator.min(ratio.denominator);
        }
    }
}

/// Repair faults: known actors (`actors`: name, is a producer), ops, nodes and endpoints.
fn sanitize_faults(faults: &mut [FaultSpec], actors: &[(String, bool)], nodes: u8) {
    let known = |name: &str| actors.iter().any(|(n, _)| n == name);
    let first = actors[0].0.clone();
    let producer = actors.iter().find(|a| a.1).map(|a| a.0.clone());
    let consumer = actors.iter().find(|a| !a.1).map(|a| a.0.clone());
    let endpoint = |name: &mut String| {
        let node_ok = name.strip_prefix("rabbit@").and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| n < nodes);
        if !known(name) && !node_ok {
            *name = "rabbit@0".into();
        }
    };
    for f in faults.iter_mut() {
        // Times at their ceiling stay; past it they are clamped to it.
        if let FaultAction::Slow { work_ms, .. } = &mut f.action {
            *work_ms = (*work_ms).min(TIME_MS_MAX);
        }
        match &mut f.when {
            Trigger::AtMs(at_ms) => *at_ms = (*at_ms).min(TIME_MS_MAX),
            Trigger::AtStep(_) => {}
            Trigger::After { actor, op, occurrence } | Trigger::Before { actor, op, occurrence } => {
                if !known(actor) {
                    *actor = first.clone();
                }
                // Ops every program of that role runs (Setup::new refuses others).
                let is_producer = actors.iter().any(|(n, p)| n == actor && *p);
                let safe: &[&str] = if is_producer { &["connect", "channel", "basic_publish", "print_sent"] } else { &["connect", "channel", "basic_consume", "print_waiting", "start_consuming", "print_received"] };
                if !safe.contains(&op.as_str()) {
                    *op = safe[*occurrence as usize % safe.len()].into();
                }
                *occurrence = (*occurrence).max(1);
            }
        }
        let replace = match &mut f.action {
            FaultAction::Crash(a) | FaultAction::Stop(a) | FaultAction::Restart(a) | FaultAction::Slow { actor: a, .. } => {
                if !known(a) {
                    *a = first.clone();
                }
                None
            }
            FaultAction::Cancel(a) => match &consumer {
                Some(c) if !actors.iter().any(|(n, p)| n == a && !p) => {
                    *a = c.clone();
                    None
                }
                Some(_) => None,
                None => Some(FaultAction::Crash(first.clone())),
            },
            FaultAction::DuplicateNext(a) | FaultAction::PoisonNext(a) => match &producer {
                Some(p) if !actors.iter().any(|(n, is_p)| n == a && *is_p) => {
                    *a = p.clone();
                    None
                }
                Some(_) => None,
                None => Some(FaultAction::Crash(first.clone())),
            },
            FaultAction::CrashNode { node, .. } | FaultAction::StopNode { node, .. } | FaultAction::StartNode(node) => {
                *node %= nodes;
                None
            }
            FaultAction::Partition(a, b) | FaultAction::Heal(a, b) | FaultAction::DropNext { from: a, to: b } => {
                endpoint(a);
                endpoint(b);
                if a == b {
                    *a = first.clone();
                    *b = "rabbit@0".into();
                }
                None
            }
        };
        if let Some(action) = replace {
            f.action = action;
        }
    }
}

fn scenario(size: Size) -> impl Strategy<Value = Scenario> {
    let nodes = prop_oneof![6 => Just(1u8), 2 => Just(3u8), 1 => Just(2u8), 1 => Just(0u8), 1 => Just(8u8)];
    (nodes, 1..=size.queues, 1..=size.actors).prop_flat_map(move |(nodes, n_queues, n_actors)| {
        let node_range = nodes.max(1);
        let queues = queue_names(n_queues);
        let actor_names: Vec<String> =
            (0..n_actors).map(|i| if i % 5 == 4 { format!("a{i}") } else if i % 2 == 0 { format!("p{i}") } else { format!("c{i}") }).collect();
        let queue_specs: Vec<_> = (0..n_queues).map(|i| queue_spec(i, node_range, size)).collect();
        let actor_specs: Vec<BoxedStrategy<ActorSpec>> = actor_names
            .iter()
            .map(|name| {
                if name.starts_with('a') {
                    let name = name.clone();
                    (prop::collection::vec(name_from(queues.clone()), 0..4), ms(), 0..node_range)
                        .prop_map(move |(declare, start_ms, node)| ActorSpec::Admin(AdminSpec { name: name.clone(), declare, start_ms, node }))
                        .boxed()
                } else if name.starts_with('p') {
                    producer(name.clone(), queues.clone(), node_range, size).prop_map(ActorSpec::Producer).boxed()
                } else {
                    consumer(name.clone(), queues.clone(), node_range).prop_map(ActorSpec::Consumer).boxed()
                }
            })
            .collect();
        let binding = (prop_oneof![5 => exchange_name(), 1 => Just(String::new())], name_from(queues.clone()), key())
            .prop_map(|(exchange, queue, routing_key)| BindingSpec { exchange, queue, routing_key });
        (
            (
                any::<u64>(),
                // The heartbeat: off, short (cuts give up within the run), the default, and one
                // that is not whole seconds (refused).
                (ms(), prop_oneof![Just(0u64), Just(1_000), Just(10_000), Just(60_000), Just(1_500)])
                    .prop_map(move |(restart_delay_ms, heartbeat_ms)| BrokerSpec { model: "rabbitmq".into(), nodes, restart_delay_ms, heartbeat_ms, ..BrokerSpec::default() }),
            ),
            (prop_oneof![Just(0u64), Just(1), Just(5), Just(60_000), Just(60_001)], prop_oneof![Just(0u64), Just(3), Just(60_000)], ms())
                .prop_map(|(latency_ms, jitter_ms, reset_after_drop_ms)| NetworkSpec { latency_ms, jitter_ms, reset_after_drop_ms }),
            queue_specs,
            prop::collection::vec(binding, 0..4),
            actor_specs,
            prop::collection::vec(fault(actor_names.clone(), node_range), 0..=size.faults),
            proptest::option::weighted(0.3, random_faults()),
            limits(size),
            twist(),
            prop_oneof![6 => Just(false), 1 => Just(true)],
        )
            .prop_map(move |((seed, broker), network, queues, bindings, actors, faults, random_faults, limits, twist, sloppy)| {
                let mut s = Scenario {
                    format: None,
                    name: "fuzz".into(),
                    title: String::new(),
                    seed,
                    broker,
                    network,
                    // A quarter of the runs with the measured costs: work between the milliseconds.
                    costs: if seed % 4 == 0 { queue_playground::engine::costs::Costs::MEASURED } else { Default::default() },
                    queues,
                    exchanges: EXCHANGES.iter().map(|&(name, exchange_type)| ExchangeSpec { name: name.into(), exchange_type, exists_at_start: true }).collect(),
                    bindings,
                    actors,
                    faults,
                    random_faults,
                    limits,
                };
                apply_twist(&mut s, twist);
                // One in seven is left as generated (validation refuses most of those).
                if !sloppy {
                    sanitize(&mut s, size);
                }
                s
            })
    })
}

/// Walk `path` through a JSON tree to a value (each step picks a child by index modulo).
fn pick<'a>(mut v: &'a mut Value, path: &[u32], trail: &mut String) -> &'a mut Value {
    for &step in path {
        let next_is_leaf = match v {
            Value::Object(m) if !m.is_empty() => false,
            Value::Array(a) if !a.is_empty() => false,
            _ => true,
        };
        if next_is_leaf {
            break;
        }
        v = match v {
            Value::Object(m) => {
                let key = m.keys().nth(step as usize % m.len()).unwrap().clone();
                trail.push_str(&format!(".{key}"));
                m.get_mut(&key).unwrap()
            }
            Value::Array(a) => {
                let i = step as usize % a.len();
                trail.push_str(&format!("[{i}]"));
                &mut a[i]
            }
            _ => unreachable!(),
        };
    }
    v
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(u64::MAX)),
        Just(Value::from(i64::MIN)),
        Just(Value::from(-1)),
        Just(Value::from(1.5)),
        Just(Value::from(1e300)),
        Just(Value::Null),
        Just(Value::from("x".repeat(2_000))),
        Just(Value::from("")),
        Just(Value::from(true)),
        Just(Value::Array(vec![Value::from(1); 3])),
        Just(serde_json::json!({"k": "v"})),
    ]
}

fn corruption() -> impl Strategy<Value = Corruption> {
    let path = prop::collection::vec(any::<u32>(), 1..5);
    prop_oneof![
        4 => (path.clone(), hostile_value()).prop_map(|(path, value)| Corruption::Set { path, value }),
        1 => path.clone().prop_map(|path| Corruption::Remove { path }),
        1 => (path, prop_oneof![Just("extra".to_string()), Just("y".repeat(2_000))]).prop_map(|(path, name)| Corruption::Add { path, name }),
        1 => (0u16..1000).prop_map(|per_mille| Corruption::Truncate { per_mille }),
    ]
}

/// A scenario file: a generated scenario as JSON with up to three corruptions.
fn scenario_file(size: Size) -> impl Strategy<Value = Case> {
    (scenario(size), prop::collection::vec(corruption(), 0..3)).prop_map(|(s, corruptions)| {
        let mut tree = serde_json::to_value(&s).unwrap();
        let mut truncate = None;
        let mut typed_field = None;
        let mut only_typed = true;
        for c in &corruptions {
            let mut trail = String::new();
            match c {
                Corruption::Set { path, value } => {
                    let target = pick(&mut tree, path, &mut trail);
                    // A wrong type: a string where a number was, or anything where a string was.
                    let wrong_type = matches!((&*target, value), (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) | (Value::Bool(_), Value::Number(_)));
                    *target = value.clone();
                    if wrong_type && !trail.is_empty() {
                        typed_field = Some(trail.trim_start_matches('.').to_string());
                    } else {
                        only_typed = false;
                    }
                }
                Corruption::Remove { path } => {
                    only_typed = false;
                    let (last, parent) = path.split_last().unwrap();
                    if let Value::Object(m) = pick(&mut tree, parent, &mut trail) {
                        if !m.is_empty() {
                            let key = m.keys().nth(*last as usize % m.len()).unwrap().clone();
                            m.remove(&key);
                        }
                    }
                }
                Corruption::Add { path, name } => {
                    only_typed = false;
                    if let Value::Object(m) = pick(&mut tree, path, &mut trail) {
                        m.insert(name.clone(), Value::from(1));
                    }
                }
                Corruption::Truncate { per_mille } => {
                    only_typed = false;
                    truncate = Some(*per_mille);
                }
            }
        }
        let mut text = serde_json::to_string(&tree).unwrap();
        if let Some(per_mille) = truncate {
            let mut at = text.len() * per_mille as usize / 1000;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        Case::Json { text, typed_field: typed_field.filter(|_| only_typed) }
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        (any::<bool>(), proptest::option::of(prop_oneof![5 => 1u16..4, 1 => Just(0u16), 1 => Just(u16::MAX)])),
        prop_oneof![10 => 1u8..=2, 1 => Just(0u8), 1 => Just(3u8)],
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        prop_oneof![5 => 0u8..4, 1 => Just(8u8), 1 => Just(9u8), 1 => Just(u8::MAX)],
        (
            prop_oneof![10 => 1u32..12, 1 => Just(0u32), 1 => Just(100_001u32), 1 => Just(u32::MAX)],
            proptest::option::weighted(0.2, prop_oneof![5 => 0u64..3_000, 1 => Just(TIME_MS_MAX), 1 => Just(TIME_MS_MAX + 1)]),
        ),
    )
        .prop_map(|((auto_ack, prefetch_count), delivery_mode, (durable, confirms, retries, idempotent, dead_letter), consumers, (messages, expiration_ms))| Settings {
            auto_ack,
            prefetch_count,
            delivery_mode,
            durable,
            confirms,
            retries,
            idempotent,
            dead_letter,
            consumers,
            messages,
            expiration_ms,
            poll_ms: None,
            mandatory: false,
            consumer_timeout_ms: None,
            heartbeat_s: None,
        })
}

fn share_case(size: Size) -> impl Strategy<Value = Case> {
    let chapters: Vec<String> = queue_playground::tour::CHAPTERS.iter().map(|c| c.id.to_string()).collect();
    let actors: Vec<String> = ["producer", "consumer", "consumer-2", "consumer-3"].iter().map(|s| s.to_string()).collect();
    (
        prop_oneof![10 => Just(share::SHARE_VERSION), 1 => Just(0u32), 1 => Just(u32::MAX)],
        prop_oneof![Just(env!("CARGO_PKG_VERSION").to_string()), Just("0.0.0".to_string()), Just("v".repeat(300))],
        prop_oneof![10 => proptest::sample::select(chapters), 1 => Just("nope".to_string()), 1 => Just("c".repeat(2_000))],
        settings(),
        prop_oneof![any::<u64>(), Just(0u64), Just(u64::MAX)],
        prop::collection::vec(fault(actors, 1), 0..=size.faults),
        prop_oneof![0u64..100, Just(u64::MAX)],
        prop_oneof![Just("en".to_string()), Just("zh".to_string()), Just("xx".to_string())],
        proptest::option::weighted(0.2, (any::<u32>(), prop_oneof![Just('A'), Just('!'), Just('='), Just('é'), Just('_')])),
        prop_oneof![6 => Just(false), 1 => Just(true)],
    )
        .prop_map(|(v, engine, chapter, settings, seed, mut faults, step, lang, damage, sloppy)| {
            if !sloppy {
                // The chapters' actors are "producer" and "consumer"(-N).
                let mut actors = vec![("producer".to_string(), true), ("consumer".to_string(), false)];
                actors.extend((2..=settings.consumers).map(|i| (format!("consumer-{i}"), false)));
                sanitize_faults(&mut faults, &actors, 1);
            }
            Case::Share { state: ShareState { v, engine, chapter, settings, seed, faults, step, lang, system: Default::default(), kafka: None, zeromq: None }, damage }
        })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

/// Run `strategy` through proptest (cases from `PROPTEST_CASES`, failures persisted in
/// `tests/fuzz.proptest-regressions`, shrunk), on a thread with a big stack: the generators
/// nest deeply and debug builds use big frames.
fn fuzz<S: Strategy<Value = Case>>(test_name: &'static str, strategy: impl FnOnce() -> S + Send + 'static) {
    let handle = std::thread::Builder::new()
        .name(test_name.into())
        .stack_size(256 << 20)
        .spawn(move || {
            let config = Config {
                cases: cases(),
                max_shrink_time: env_u64("QP_FUZZ_SHRINK_MS", 30_000) as u32,
                max_shrink_iters: env_u64("QP_FUZZ_SHRINK_ITERS", 2_000) as u32,
                source_file: Some(file!()),
                test_name: Some(test_name),
                failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"))),
                ..Config::default()
            };
            let mut runner = TestRunner::new(config);
            let strategy = strategy();
            let stats = std::sync::Mutex::new(Outcomes::default());
            let result = runner.run(&strategy, |case| {
                let outcome = run_isolated(&case);
                stats.lock().unwrap().count(&outcome);
                match outcome {
                    Ok(_) => Ok(()),
                    Err(message) => Err(TestCaseError::fail(format!("{message}\n{}", case.reproduce()))),
                }
            });
            eprintln!("{test_name}: {}", stats.lock().unwrap());
            if let Err(e) = result {
                panic!("{test_name} failed (rerun the same command to replay it from tests/fuzz.proptest-regressions):\n{e}");
            }
        })
        .unwrap();
    if let Err(panic) = handle.join() {
        std::panic::resume_unwind(panic);
    }
}

/// What the cases of a run did.
#[derive(Default, Debug)]
struct Outcomes {
    run: u64,
    rejected: u64,
    failed: u64,
}

impl Outcomes {
    fn count(&mut self, outcome: &Result<Outcome, String>) {
        match outcome {
            Ok(Outcome::Ran) => self.run += 1,
            Ok(Outcome::Rejected) => self.rejected += 1,
            Err(_) => self.failed += 1,
        }
    }
}

impl std::fmt::Display for Outcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} inputs: {} ran to the end, {} rejected with a good error, {} failed", self.run + self.rejected + self.failed, self.run, self.rejected, self.failed)
    }
}

#[test]
fn scenarios_built_directly() {
    fuzz("scenarios_built_directly", || scenario(QUICK).prop_map(Case::Scenario));
}

#[test]
fn scenario_files() {
    fuzz("scenario_files", || scenario_file(QUICK));
}

#[test]
fn share_codes() {
    fuzz("share_codes", || share_case(QUICK));
}

/// The long fuzz: many inputs of every kind, bigger scenarios; never stops at the first
/// failure; prints a summary (inputs tried, failures per check with the smallest input that
/// showed it) and fails if anything failed.
/// `CARGO_TARGET_DIR=target/fuzz-long QP_FUZZ_INPUTS=20000 cargo test --test fuzz -- --ignored long_fuzz --nocapture`
#[test]
#[ignore = "long: run with -- --ignored long_fuzz (QP_FUZZ_INPUTS inputs, default 3000)"]
fn long_fuzz() {
    let handle = std::thread::Builder::new().stack_size(256 << 20).spawn(long_fuzz_body).unwrap();
    if let Err(panic) = handle.join() {
        std::panic::resume_unwind(panic);
    }
}

fn long_fuzz_body() {
    let inputs = env_u64("QP_FUZZ_INPUTS", 3_000);
    let mut runner = TestRunner::new(Config { cases: inputs as u32, ..Config::default() });
    let strategies: [(&str, BoxedStrategy<Case>); 3] = [
        ("scenario", scenario(LONG).prop_map(Case::Scenario).boxed()),
        ("json", scenario_file(LONG).boxed()),
        ("share", share_case(LONG).boxed()),
    ];
    // Per check tag: how many failures, and the shortest reproduction seen.
    let mut failures: BTreeMap<String, (u64, String, String)> = BTreeMap::new();
    let mut tried: BTreeMap<&str, Outcomes> = BTreeMap::new();
    let started = Instant::now();
    for i in 0..inputs {
        let (kind, strategy) = &strategies[(i % 3) as usize];
        let case = strategy.new_tree(&mut runner).expect("generate").current();
        let outcome = run_isolated(&case);
        tried.entry(kind).or_default().count(&outcome);
        if let Err(message) = outcome {
            let tag = message.split(']').next().unwrap_or("").trim_start_matches('[').to_string();
            // Distinct failures: the check, and where (panic location, timeout phase).
            let first_line = message.lines().next().unwrap_or("");
            let detail = match tag.as_str() {
                "panic" => first_line.rsplit(" at ").next().unwrap_or("").to_string(),
                "timeout" | "stack-overflow" | "crash" | "oom" => first_line.split(" during ").nth(1).and_then(|p| p.split(" (").next()).unwrap_or("").to_string(),
                "error-length" | "error-field" => first_line.split(": ").nth(1).unwrap_or("").chars().take(40).collect(),
                _ => String::new(),
            };
            let key = format!("{tag} {detail} ({})", case.kind());
            let repro = case.reproduce();
            let entry = failures.entry(key.clone()).or_insert((0, message.clone(), repro.clone()));
            entry.0 += 1;
            if repro.len() < entry.2.len() {
                entry.1 = message.clone();
                entry.2 = repro;
            }
            eprintln!("input {i}: {key}: {}", message.chars().take(200).collect::<String>());
        }
        if (i + 1) % 100 == 0 {
            eprintln!("{} inputs in {:.0?}, {} failing", i + 1, started.elapsed(), failures.values().map(|f| f.0).sum::<u64>());
        }
    }
    eprintln!("\n===== long fuzz summary =====");
    eprintln!("inputs tried: {inputs} in {:.0?}", started.elapsed());
    for (kind, outcomes) in &tried {
        eprintln!("  {kind}: {outcomes}");
    }
    eprintln!("failures: {} in {} distinct checks", failures.values().map(|f| f.0).sum::<u64>(), failures.len());
    for (key, (count, message, repro)) in &failures {
        eprintln!("\n--- {key}: {count} input(s); smallest:\n{}\n{repro}", message.chars().take(600).collect::<String>());
    }
    assert!(failures.is_empty(), "{} distinct failing checks (see the summary above)", failures.len());
}
