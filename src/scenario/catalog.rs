//! The catalog: the article's §4 scenario and its lessons, as scenario files shipped inside
//! the binary. Each entry is validated by the tests.

use super::*;
use crate::engine::rng::Ratio;

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
        problem: format!("no catalog scenario is named {} (known: {})", super::json::quoted(name), names().collect::<Vec<_>>().join(", ")),
    })?;
    Scenario::from_json(text)
}

/// The tutorial's workload scaled up for benchmarks: one producer of `messages` persistent
/// messages (with retry), four manual-ack consumers that reconnect, random consumer crashes
/// and one broker restart half-way. Used by `cargo bench` and the page's measurement.
pub fn scaled_workload(messages: u32, interval_ms: u64) -> Scenario {
    // Four consumers with prefetch 50 and a 1 ms link drain about 100 messages per ms.
    let drain_ms = u64::from(messages) / 100;
    let produce_ms = u64::from(messages) * interval_ms;
    let restart_at_ms = (drain_ms.max(produce_ms) / 2).max(10);
    let producer = ProducerSpec {
        queue: "task_queue".into(),
        messages,
        interval_ms,
        delivery_mode: 2,
        retry: Some(RetrySpec { attempts_max: 30, backoff_ms: 100, jitter_ms: 50, on_give_up: GiveUp::Raise }),
        ..ProducerSpec::article("new_task")
    };
    let consumer = |i: u32| {
        ActorSpec::Consumer(ConsumerSpec {
            queue: "task_queue".into(),
            auto_ack: false,
            prefetch_count: Some(50),
            work_ms: 0,
            reconnect_ms: Some(500),
            ..ConsumerSpec::article(&format!("worker-{i}"))
        })
    };
    let scenario = Scenario {
        format: None,
        name: format!("throughput-{messages}"),
        title: "The work queue, scaled up, with crashes and a broker restart".into(),
        seed: 42,
        broker: Default::default(),
        network: Default::default(),
        queues: vec![QueueSpec::new("task_queue", true)],
        exchanges: Vec::new(),
        bindings: Vec::new(),
        actors: std::iter::once(ActorSpec::Producer(producer)).chain((1..=4).map(consumer)).collect(),
        faults: vec![FaultSpec { when: Trigger::AtMs(restart_at_ms), action: FaultAction::StopNode { node: 0, restart: true } }],
        random_faults: Some(RandomFaults {
            consumer_crash: Ratio { numerator: 1, denominator: 200_000 },
            actor_restart_ms: 100,
            until_ms: 1_000_000_000,
            ..RandomFaults::default()
        }),
        limits: Limits { steps_max: STEPS_MAX, time_ms_max: 24 * 3_600_000, messages_max: messages, events_max: EVENTS_MAX },
    };
    scenario.validate().unwrap_or_else(|e| panic!("the bench scenario is invalid: {e}"));
    scenario
}
