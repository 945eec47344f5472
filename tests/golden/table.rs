// The pinned golden traces: (catalog name, trace hash, summary line), one row per catalog
// scenario in catalog order, each at the scenario's own seed. Shared by tests/golden.rs
// (native) and, via `include!`, by the browser tests. Re-pin after a deliberate engine
// change with `cargo test --test golden -- --ignored --nocapture print_golden_table`.
pub const GOLDEN: &[(&str, &str, &str)] = &[
    ("article", "34b0ffba68d809f6", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("consumer-crash-auto-ack", "cf8cd1c71ef11f88", "at-most-once: published 10, processed once 3, redelivered 0, out of order 0, duplicated 0, lost 7 (3,4,5,6,7,8,9), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("consumer-crash-manual-ack", "c56c98c3e38a3758", "effectively-once: published 10, processed once 3, redelivered 7, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("consumer-crash-prefetch", "fc5687737aa68236", "effectively-once: published 10, processed once 9, redelivered 1, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("broker-restart-transient", "13b477d27a9d3418", "at-most-once: published 5, processed once 0, redelivered 0, out of order 0, duplicated 0, lost 5 (0,1,2,3,4), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("broker-restart-persistent", "18e200646f1d1305", "effectively-once: published 5, processed once 5, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("lost-confirm-retry", "e75521df066ed67e", "at-least-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 1 (3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("lost-publish-no-confirms", "a74f4fb9775358e2", "at-most-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (3), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("idempotent-consumer", "15380ead240d414e", "effectively-once: published 10, processed once 9, redelivered 1, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("poison-dead-letter", "527e3d9991d39125", "incomplete: published 10, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 1 (3), expired 0, stranded 0, never sent 0, pending 0"),
    ("dual-write", "8ce8f454c9aea0aa", "at-most-once: published 9, processed once 9, redelivered 0, out of order 0, duplicated 0, lost 1 (9), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("outbox", "fa44ee325d67ce28", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("quorum-node-crash", "7eb4a691331eb3c8", "incomplete: published 10, processed once 5, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 5 (0,1,2,3,4), never sent 0, pending 0"),
    ("sync-handler", "8eb4543cf0d26c02", "effectively-once: published 30, processed once 30, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("async-handler", "a4414ba8e54f5163", "effectively-once: published 30, processed once 30, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("latency-throughput", "c456a9f6dfb669d0", "effectively-once: published 1000, processed once 1000, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
];
