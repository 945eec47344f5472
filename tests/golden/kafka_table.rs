// The pinned golden traces of the Kafka catalog: (catalog name, trace hash, summary line), one
// row per Kafka catalog scenario in catalog order, each at the scenario's own seed. Shared by
// tests/kafka_golden.rs (native) and, via `include!`, by the browser tests. Re-pin after a
// deliberate engine change with
// `cargo test --test kafka_golden -- --ignored --nocapture print_kafka_golden_table`.
pub const KAFKA_GOLDEN: &[(&str, &str, &str)] = &[
    ("k-workload", "2a5bcbffc4bfcb96", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-crash-autocommit", "32520890ec9cc06b", "at-least-once: published 10, processed once 6, redelivered 0, out of order 0, duplicated 4 (0,1,2,3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-commit-before", "e16e4287be694ae7", "at-most-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (3), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-acks1-leader-crash", "9ddef66e9efb7752", "at-most-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (5), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-lost-response-no-idempotence", "872c3c2455aa35dd", "at-least-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 1 (3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-idempotent-lost-response", "28ce716e4c227076", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
];
