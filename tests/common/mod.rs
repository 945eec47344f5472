//! Helpers shared by the native integration tests (each test file is its own crate and
//! includes this module with `mod common;`).

use queue_playground::engine::trace::{DiscardReason, Event};
use queue_playground::engine::Sim;

/// The payloads (`data`) of the copies discarded for `reason`, in trace order.
pub fn discarded(sim: &Sim, reason: DiscardReason) -> Vec<u32> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.event {
            Event::MessageDiscarded { copy, reason: r } if r == reason => Some(sim.ledger().messages[sim.ledger().message_of(copy).index()].data),
            _ => None,
        })
        .collect()
}
