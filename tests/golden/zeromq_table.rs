// The pinned golden traces of the ZeroMQ catalog: (catalog name, trace hash, summary line), one
// row per ZeroMQ catalog scenario in catalog order, each at the scenario's own seed. Used by
// tests/zeromq_golden.rs. Re-pin after a deliberate engine change with
// `cargo test --test zeromq_golden -- --ignored --nocapture print_zeromq_golden_table`.
pub const ZEROMQ_GOLDEN: &[(&str, &str, &str)] = &[
    ("z-workload", "fe26e579b10d1968", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("z-consumer-crash", "33747b4d37fa22b3", "at-most-once: published 10, processed once 4, redelivered 0, out of order 0, duplicated 0, lost 6 (4,5,6,7,8,9), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("z-bind-vs-connect", "02a23cd1a6864558", "effectively-once: published 10, processed once 10, redelivered 0, out of order 0, duplicated 0, lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("z-slow-joiner", "6b8db8506a1f6b5e", "at-most-once: published 10, processed once 7, redelivered 0, out of order 0, duplicated 0, lost 3 (0,1,2), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("z-hwm-drops", "07ad248a794f4c7e", "at-most-once: published 10, processed once 2, redelivered 0, out of order 0, duplicated 0, lost 8 (2,3,4,5,6,7,8,9), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("z-req-hang", "405f86ab172e0fcf", "at-most-once: published 4, processed once 3, redelivered 0, out of order 0, duplicated 0, lost 1 (3), dead-lettered 0, expired 0, stranded 0, never sent 6, pending 0"),
    ("z-lazy-pirate", "b4e8836bab0f91af", "at-least-once: published 10, processed once 9, redelivered 0, out of order 0, duplicated 1 (3), lost 0, dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
    ("z-linger-0", "d12bfe92ef3a6407", "at-most-once: published 10, processed once 0, redelivered 0, out of order 0, duplicated 0, lost 10 (0,1,2,3,4,5,6,7,8,9), dead-lettered 0, expired 0, stranded 0, never sent 0, pending 0"),
];
