//! The catalog: the article's §4 scenario and its lessons, as scenario files shipped inside
//! the binary. Each entry is validated by the tests.

use super::{Scenario, ScenarioError};

/// (name, file contents), in tour order.
pub const ENTRIES: &[(&str, &str)] = &[
    ("article", include_str!("catalog/article.json")),
    ("consumer-crash-auto-ack", include_str!("catalog/consumer-crash-auto-ack.json")),
    ("consumer-crash-manual-ack", include_str!("catalog/consumer-crash-manual-ack.json")),
    ("consumer-crash-prefetch", include_str!("catalog/consumer-crash-prefetch.json")),
    ("broker-restart-transient", include_str!("catalog/broker-restart-transient.json")),
    ("broker-restart-persistent", include_str!("catalog/broker-restart-persistent.json")),
    ("lost-confirm-retry", include_str!("catalog/lost-confirm-retry.json")),
    ("lost-publish-no-confirms", include_str!("catalog/lost-publish-no-confirms.json")),
    ("idempotent-consumer", include_str!("catalog/idempotent-consumer.json")),
    ("poison-dead-letter", include_str!("catalog/poison-dead-letter.json")),
    ("quorum-node-crash", include_str!("catalog/quorum-node-crash.json")),
];

/// The names of every catalog scenario.
pub fn names() -> impl Iterator<Item = &'static str> {
    ENTRIES.iter().map(|(name, _)| *name)
}

/// A catalog scenario by name.
pub fn get(name: &str) -> Result<Scenario, ScenarioError> {
    let (_, text) = ENTRIES.iter().find(|(n, _)| *n == name).ok_or_else(|| ScenarioError {
        field: String::new(),
        problem: format!("no catalog scenario is named {name:?} (known: {})", names().collect::<Vec<_>>().join(", ")),
    })?;
    Scenario::from_json(text)
}
