// The pinned golden traces of the Kafka catalog: (catalog name, trace hash, summary line), one
// row per Kafka catalog scenario in catalog order, each at the scenario's own seed. Shared by
// tests/kafka_golden.rs (native) and, via `include!`, by the browser tests. Re-pin after a
// deliberate engine change with
// `cargo test --test kafka_golden -- --ignored --nocapture print_kafka_golden_table`.
pub const KAFKA_GOLDEN: &[(&str, &str, &str)] = &[
    ("k-workload", "ed631bc0e65e5389", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-crash-autocommit", "0542d779b767179d", "at-least-once: published 10, processed once 6, redelivered 0, out of order 0, duplicated 4 (0,1,2,3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-commit-before", "e16e4287be694ae7", "at-most-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (3), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-acks1-leader-crash", "b366157c6b603d1c", "at-most-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (5), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-lost-response-no-idempotence", "55f16de87bb3731e", "at-least-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 1 (3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("k-idempotent-lost-response", "d0f42b508cfe073b", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
];
