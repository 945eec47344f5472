//! Export: a scenario as files that run it on a real RabbitMQ. Each actor's program exactly as
//! the page shows it (`<name>.py`, or `<name>.sh` for rabbitmqadmin's commands), the scenario
//! itself (`scenario.json`, which the driver reads), the driver (`run.py`: starts the actors at
//! their times, performs the faults, prints what happened as JSON) and its instrumentation
//! (`qp_site/sitecustomize.py`: records deliveries and kills a program at an exact protocol
//! point without changing a line of it).
//!
//! Invariants: a pure function of the scenario; the programs are `Program::code` verbatim.
//! Faults the driver cannot perform on a real broker yet are listed in `Export::unsupported`
//! (and the driver refuses to run them rather than run something else).

use crate::systems::rabbitmq::program;
use crate::scenario::{ActorSpec, FaultAction, Scenario, Trigger};

/// The driver and the instrumentation. Natively they are built in; the page fetches the same
/// files (trunk copies them next to index.html) when its Export button is pressed, so they are
/// not part of the first load.
#[cfg(not(target_arch = "wasm32"))]
pub const DRIVER: &str = include_str!("run.py");
#[cfg(not(target_arch = "wasm32"))]
pub const INSTRUMENT: &str = include_str!("sitecustomize.py");

/// The file set's two fixed files: `run.py` and `qp_site/sitecustomize.py`.
#[derive(Clone, Copy, Debug)]
pub struct Driver<'a> {
    pub run: &'a str,
    pub sitecustomize: &'a str,
}

#[cfg(not(target_arch = "wasm32"))]
pub const BUILT_IN: Driver<'static> = Driver { run: DRIVER, sitecustomize: INSTRUMENT };

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// (relative path, contents), in a stable order.
    pub files: Vec<(String, String)>,
    /// Faults of the scenario the driver cannot perform yet, each with the reason.
    pub unsupported: Vec<String>,
}

/// A file name for an actor, one per name (`stem` in run.py is the same function): letters,
/// digits and `-` as they are, any other character as `_<hex code point>_`.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_string() } else { format!("_{:x}_", c as u32) })
        .collect();
    if stem.is_empty() { "_".into() } else { stem }
}

/// The ops a program can be crashed right before or after on a real broker (`OPS` in run.py).
const REAL_OPS: &[&str] = &[
    "print_received", "print_sent", "print_waiting", "basic_ack", "basic_publish", "on_failure", "queue_declare", "basic_qos",
    "confirm_delivery", "basic_consume", "start_consuming", "channel", "close",
    // An order service's and a relay's transactions, and the service's print.
    "db_commit", "outbox_delete", "print_saved",
];

/// The faults the driver performs on a real broker (the same rule as `unsupported` in
/// run.py): at a time, a crash (SIGKILL), stop (SIGTERM) or restart of an actor, or a graceful
/// node stop/start (`rabbitmqctl stop_app` / `start_app`); right before or after an actor's
/// n-th op of `REAL_OPS`, that actor's crash or stop, done by the program itself through the
/// instrumentation, so at the exact point; a lost frame between a program and a node (at a
/// time, or at an op of that program), by a loopback proxy that loses the next AMQP frame in
/// that direction and resets the connection `reset_after_drop_ms` later. A scenario on several
/// nodes runs on a cluster of as many (run.py's --node-ports), each program on its node.
fn unsupported(scenario: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    if !scenario.broker.heartbeat_ms.is_multiple_of(1000) {
        out.push("broker.heartbeat_ms: pika takes whole seconds".to_string());
    }
    for (i, fault) in scenario.faults.iter().enumerate() {
        let ok = match (&fault.when, &fault.action) {
            (Trigger::AtMs(_), action) => {
                // crash_node: with the driver's --kill-broker and --resume-broker commands.
                matches!(
                    action,
                    FaultAction::Crash(_)
                        | FaultAction::Stop(_)
                        | FaultAction::Restart(_)
                        | FaultAction::Cancel(_)
                        | FaultAction::StopNode { .. }
                        | FaultAction::StartNode(_)
                        | FaultAction::CrashNode { .. }
                )
            }
            (Trigger::After { actor, op, .. } | Trigger::Before { actor, op, .. }, FaultAction::Crash(target) | FaultAction::Stop(target)) => {
                target == actor && REAL_OPS.contains(&op.as_str())
            }
            // A lost frame between a program and a node: the driver's proxy loses it.
            (when, FaultAction::DropNext { from, to }) => {
                let program = |name: &str| scenario.actors.iter().any(|a| a.name() == name);
                let one_program = program(from) != program(to) && (from.starts_with("rabbit@") || to.starts_with("rabbit@"));
                let at_ok = match when {
                    Trigger::AtMs(_) => true,
                    Trigger::After { actor, op, .. } | Trigger::Before { actor, op, .. } => {
                        (actor == from || actor == to) && REAL_OPS.contains(&op.as_str())
                    }
                    Trigger::AtStep(_) => false,
                };
                one_program && at_ok
            }
            _ => false,
        };
        if !ok {
            out.push(format!(
                "faults[{i}]: not performed on a real broker yet (the driver does: at a time, crash/stop/restart/cancel of an actor, stop_node/start_node, and crash_node given --kill-broker/--resume-broker; right before or after an actor's n-th client call or print, its own crash or stop)"
            ));
        }
    }
    out
}

/// Faults at a step (what the page injects) as a real run can perform them: at the protocol
/// point where they were injected when the step ended with an op of the program the fault
/// stops or crashes (`after` that op's n-th run), else at the step's simulated time. Steps are
/// the engine's; a real broker has only protocol points and time.
pub fn protocol_points(scenario: &Scenario) -> Scenario {
    let (at_steps, others): (Vec<_>, Vec<_>) = scenario.faults.iter().cloned().partition(|f| matches!(f.when, Trigger::AtStep(_)));
    if at_steps.is_empty() {
        return scenario.clone();
    }
    let base = Scenario { faults: others.clone(), ..scenario.clone() };
    let Ok(session) = crate::session::Session::new(base, at_steps.clone()) else { return scenario.clone() };
    let timed = session.injected_at_times();
    let trace = session.timeline().trace();
    let setup = session.timeline().setup();
    let mut faults = others;
    for (fault, timed) in at_steps.iter().zip(timed) {
        let Trigger::AtStep(step) = fault.when else { continue };
        let step = crate::session::step_index(step);
        // The step's last event an op caused (the fault's own events are recorded in the step too).
        let (start, end) = (if step == 0 { 0 } else { session.events_at(step - 1) }, session.events_at(step));
        let point = (start..end).rev().find(|&i| trace[i].event.line().is_some()).and_then(|index| {
            let entry = &trace[index];
            let (actor, line) = (entry.event.actor()?, entry.event.line()?);
            let target = match &fault.action {
                FaultAction::Crash(name) | FaultAction::Stop(name) => name,
                _ => return None,
            };
            let me = &setup.actors[actor.index()];
            if &me.name != target {
                return None;
            }
            let op = me.program.main.iter().chain(&me.program.callback).find(|op| op.line == line)?.kind;
            let kind = std::mem::discriminant(&entry.event);
            let occurrence = trace[..=index]
                .iter()
                .filter(|e| e.event.actor() == Some(actor) && e.event.line() == Some(line) && std::mem::discriminant(&e.event) == kind)
                .count() as u32;
            Some(Trigger::After { actor: me.name.clone(), op: op.name().into(), occurrence })
        });
        faults.push(crate::scenario::FaultSpec { when: point.unwrap_or(timed.when), action: fault.action.clone() });
    }
    Scenario { faults, ..scenario.clone() }
}

/// The file set for `scenario` (faults at a step become protocol points or times first).
#[cfg(not(target_arch = "wasm32"))]
pub fn export(scenario: &Scenario) -> Export {
    export_with(scenario, BUILT_IN)
}

/// The file set for `scenario` with the given driver files.
pub fn export_with(scenario: &Scenario, driver: Driver) -> Export {
    let scenario = &protocol_points(scenario);
    let mut files = Vec::new();
    for actor in &scenario.actors {
        let Some(program) = program::of(scenario, actor) else { continue };
        let ext = if matches!(actor, ActorSpec::Admin(_)) { "sh" } else { "py" };
        files.push((format!("{}.{ext}", file_stem(actor.name())), program.code.join("\n") + "\n"));
    }
    files.push(("scenario.json".into(), scenario.to_json()));
    files.push(("run.py".into(), driver.run.into()));
    files.push(("qp_site/sitecustomize.py".into(), driver.sitecustomize.into()));
    Export { files, unsupported: unsupported(scenario) }
}

/// The export as one Python file (what the page's Export button downloads): run it with
/// `python3 <file> [folder]` and it writes the file set into the folder (default: the
/// scenario's name) and says how to run it. Each file's text is a JSON string literal, which
/// is also a valid Python string literal.
#[cfg(not(target_arch = "wasm32"))]
pub fn bundle(scenario: &Scenario) -> String {
    bundle_with(scenario, BUILT_IN)
}

/// `bundle` with the given driver files (the page's, fetched).
pub fn bundle_with(scenario: &Scenario, driver: Driver) -> String {
    let export = export_with(scenario, driver);
    let folder = file_stem(&scenario.name);
    let mut out = String::new();
    out.push_str("#!/usr/bin/env python3\n");
    out.push_str(&format!(
        "\"\"\"Queue Playground: the scenario {} exported to run on a real RabbitMQ.\n\n",
        serde_json::Value::from(scenario.name.as_str())
    ));
    out.push_str("    python3 THIS_FILE [FOLDER]\n\nwrites each program exactly as the playground shows it, scenario.json, run.py (the driver)\n");
    out.push_str("and qp_site/ into FOLDER, then: cd FOLDER && pip install pika==1.3.2 && python3 run.py --fresh\n");
    out.push_str("(--fresh deletes and re-declares the scenario's queues on the broker at localhost).\n\"\"\"\n");
    out.push_str("import os\nimport sys\n\nFILES = {\n");
    for (path, text) in &export.files {
        out.push_str(&format!("    {}: {},\n", serde_json::Value::from(path.as_str()), serde_json::Value::from(text.as_str())));
    }
    out.push_str("}\n");
    out.push_str(&format!("UNSUPPORTED = {}\n\n", serde_json::Value::from(export.unsupported.clone())));
    out.push_str(&format!(
        "folder = sys.argv[1] if len(sys.argv) > 1 else {}\n",
        serde_json::Value::from(folder.as_str())
    ));
    out.push_str(
        "for path, text in FILES.items():\n    target = os.path.join(folder, path)\n    os.makedirs(os.path.dirname(target) or \".\", exist_ok=True)\n    with open(target, \"w\", encoding=\"utf-8\") as f:\n        f.write(text)\n",
    );
    out.push_str("print(\"wrote %d files to %s; run: cd %s && python3 run.py --fresh\" % (len(FILES), folder, folder))\n");
    out.push_str("for problem in UNSUPPORTED:\n    print(\"warning: \" + problem)\n");
    out
}
