// The pinned golden traces: (catalog name, trace hash, summary line), one row per catalog
// scenario in catalog order, each at the scenario's own seed. Shared by tests/golden.rs
// (native) and, via `include!`, by the browser tests. Re-pin after a deliberate engine
// change with `cargo test --test golden -- --ignored --nocapture print_golden_table`.
pub const GOLDEN: &[(&str, &str, &str)] = &[
    ("article", "595889df56518991", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("consumer-crash-auto-ack", "96c52a9f402c5e1b", "at-most-once: published 10, processed once 3, redelivered 0, out of order 0, duplicated 0, lost 7 (3,4,5,6,7,8,9), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("consumer-crash-manual-ack", "c03ee15101e4040b", "effectively-once: published 10, processed once 3, redelivered 7, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("consumer-crash-prefetch", "3d81f6e6d42a13e9", "effectively-once: published 10, processed once 9, redelivered 1, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("broker-restart-transient", "b75953e29fa22db2", "at-most-once: published 5, processed once 0, redelivered 0, out of order 0, duplicated 0, lost 5 (0,1,2,3,4), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("broker-restart-persistent", "c2b74f767e61b605", "effectively-once: published 5, processed once 5, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("lost-confirm-retry", "f9c85df71eb29590", "at-least-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 1 (3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("lost-publish-no-confirms", "b793214ee3b40fde", "at-most-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (3), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("idempotent-consumer", "9447af3037340eb5", "effectively-once: published 10, processed once 9, redelivered 1, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("poison-dead-letter", "42d2b5c4446f6b13", "incomplete: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 1 (3), expired 0, stranded 0, never sent 0, pending 0"),
    ("quorum-node-crash", "ac69851db1dc1f31", "incomplete: published 10, processed once 5, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 5 (0,1,2,3,4), never sent 0, pending 0"),
];
