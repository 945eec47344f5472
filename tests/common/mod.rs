//! Helpers shared by the native integration tests (each test file is its own crate and
//! includes this module with `mod common;`).

use queue_playground::systems::rabbitmq::trace::{DiscardReason, Event};
use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::Scenario;

/// A scenario's run to its end (conservation checked) and its report.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn run_json(json: &str) -> (Sim, Report) {
    let scenario = Scenario::from_json(json).unwrap_or_else(|e| panic!("invalid test scenario: {e}"));
    let mut sim = Sim::new(&scenario).expect("valid");
    sim.run_until(Until::Quiescence);
    sim.check_conservation().expect("conservation");
    let report = Report::new(&sim, false);
    (sim, report)
}

/// A scenario file the conformance layer also runs on the real broker, by name
/// (`tests/conformance/scenarios/<name>.json`).
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn conformance_file(name: &str) -> String {
    let path = format!("{}/tests/conformance/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every delivery in trace order as the ground truth writes it: `3` or `3r` (redelivered).
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn delivery_order(sim: &Sim) -> String {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDelivered { copy, redelivered, .. } => {
                let data = sim.ledger().messages[sim.ledger().copy(copy).message.index()].data;
                Some(format!("{data}{}", if redelivered { "r" } else { "" }))
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The payloads (`data`) of the copies discarded for `reason`, in trace order.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn discarded(sim: &Sim, reason: DiscardReason) -> Vec<u32> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDiscarded { copy, reason: r } if r == reason => Some(sim.ledger().messages[sim.ledger().message_of(copy).index()].data),
            _ => None,
        })
        .collect()
}

/// Every combination of the boolean settings (and `delivery_mode` 1/2) over `base`; with
/// `wide`, each also with and without `prefetch_count=1` and two consumers.
#[allow(dead_code)] // not every test crate that includes this module uses it
pub fn setting_combinations(base: &queue_playground::scenario::settings::Settings, wide: bool) -> Vec<queue_playground::scenario::settings::Settings> {
    use queue_playground::scenario::settings::Settings;
    let bits = if wide { 9 } else { 7 };
    (0u32..1 << bits)
        .map(|bits| {
            let bit = |i: u32| bits & (1 << i) != 0;
            Settings {
                auto_ack: bit(0),
                durable: bit(1),
                confirms: bit(2),
                retries: bit(3),
                idempotent: bit(4),
                dead_letter: bit(5),
                delivery_mode: if bit(6) { 2 } else { 1 },
                prefetch_count: if bit(7) { Some(1) } else { base.prefetch_count },
                consumers: if bit(8) { 2 } else { base.consumers },
                ..base.clone()
            }
        })
        .collect()
}
