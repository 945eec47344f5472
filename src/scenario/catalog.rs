//! The catalog: the article's §4 scenario and its lessons. The scenario files in `catalog/`
//! are the source; `catalog_baked.rs` is the same scenarios written as Rust by a test
//! (`baked_catalog_is_current`), which checks that each baked scenario equals its file parsed
//! and validated. `get` returns the baked scenario, so the page builds its chapters without a
//! JSON parser (the parser stays out of the page's first wasm module, see README).

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
    ("dual-write", include_str!("catalog/dual-write.json")),
    ("outbox", include_str!("catalog/outbox.json")),
    ("quorum-node-crash", include_str!("catalog/quorum-node-crash.json")),
    ("sync-handler", include_str!("catalog/sync-handler.json")),
    ("async-handler", include_str!("catalog/async-handler.json")),
    ("latency-throughput", include_str!("catalog/latency-throughput.json")),
];

/// The names of every catalog scenario, in tour order (`ENTRIES`' names: a test checks it).
/// Apart from `ENTRIES` so that naming them does not bring the files' text into the page's
/// first wasm module (the page builds its chapters from `catalog_baked`).
pub const NAMES: &[&str] = &[
    "article",
    "consumer-crash-auto-ack",
    "consumer-crash-manual-ack",
    "consumer-crash-prefetch",
    "broker-restart-transient",
    "broker-restart-persistent",
    "lost-confirm-retry",
    "lost-publish-no-confirms",
    "idempotent-consumer",
    "poison-dead-letter",
    "dual-write",
    "outbox",
    "quorum-node-crash",
    "sync-handler",
    "async-handler",
    "latency-throughput",
];

/// The names of every catalog scenario.
pub fn names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().copied()
}

#[cfg(test)]
mod names_tests {
    #[test]
    fn names_are_the_entries_names() {
        assert_eq!(super::NAMES, super::ENTRIES.iter().map(|(name, _)| *name).collect::<Vec<_>>());
    }
}

/// The first catalog scenario (`ENTRIES[0]`, "article": the tour's first chapter), alone: the
/// page's first module builds the first chapter with it, and `get`, which has every
/// scenario, is the narration module's (`ui::narration_chunk`).
pub fn first() -> Scenario {
    super::catalog_baked::first()
}

/// A catalog scenario by name.
pub fn get(name: &str) -> Result<Scenario, ScenarioError> {
    super::catalog_baked::scenario(name).ok_or_else(|| ScenarioError {
        field: String::new(),
        problem: format!("no catalog scenario is named {} (known: {})", super::json::quoted(name), names().collect::<Vec<_>>().join(", ")),
    })
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
        costs: Default::default(),
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// `catalog_baked.rs` as it must be: every entry parsed and validated from its file, then
    /// written as a Rust expression. The expression is the scenario's `Debug` output, which is
    /// Rust's struct syntax, made buildable: string literals become `String`s, lists `Vec`s,
    /// and the one variant name two enums share (`Crash`) is qualified; the other variants
    /// come in by glob imports, so a new clash fails to compile rather than pick the wrong one.
    fn baked_source() -> String {
        use syn::visit_mut::VisitMut;
        struct Buildable;
        impl VisitMut for Buildable {
            fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
                let is_crash = |e: &syn::Expr| matches!(e, syn::Expr::Path(p) if p.path.is_ident("Crash"));
                // `Crash(actor)` is the fault; a bare `Crash` is the consumer's on_failure.
                if let syn::Expr::Call(call) = expr {
                    if is_crash(&call.func) {
                        *call.func = syn::parse_quote!(FaultAction::Crash);
                    }
                }
                syn::visit_mut::visit_expr_mut(self, expr);
                let new: Option<syn::Expr> = match &*expr {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(syn::parse_quote!(String::from(#text))),
                    syn::Expr::Array(list) => Some(syn::parse_quote!(Vec::from(#list))),
                    e if is_crash(&*e) => Some(syn::parse_quote!(OnFailure::Crash)),
                    _ => None,
                };
                if let Some(new) = new {
                    *expr = new;
                }
            }
        }
        let values: Vec<(&str, syn::Expr)> = ENTRIES
            .iter()
            .map(|(name, text)| {
                let scenario = Scenario::from_json(text).unwrap_or_else(|e| panic!("catalog/{name}.json: {e}"));
                let mut value = syn::parse_str::<syn::Expr>(&format!("{scenario:?}")).expect("Debug output is Rust syntax");
                Buildable.visit_expr_mut(&mut value);
                (*name, value)
            })
            .collect();
        // The first chapter's scenario (the first entry) has its own function: the page's
        // first module builds it alone (`catalog::first`); the others are the narration
        // module's (`get`).
        let (first_name, first) = &values[0];
        let arms = values[1..].iter().map(|(name, value)| quote::quote! { #name => #value, });
        let file = quote::quote! {
            use super::*;
            use super::{ActorSpec::*, DeclareAs::*, ExchangeType::*, FaultAction::*, GiveUp::*, Handler::*, OnFailure::*, Orders::*, Overflow::*, QueueType::*, Trigger::*};
            use crate::engine::rng::Ratio;

            /// The first catalog scenario (the tour's first chapter), built without parsing.
            pub(super) fn first() -> Scenario {
                #first
            }

            /// A catalog scenario by name, built without parsing (see `catalog.rs`).
            pub(super) fn scenario(name: &str) -> Option<Scenario> {
                Some(match name { #first_name => first(), #(#arms)* _ => return None })
            }
        };
        let file = syn::parse2::<syn::File>(file).expect("the baked catalog parses");
        let header = "//! Generated from `catalog/*.json` by `QP_BLESS=1 cargo test --lib baked_catalog_is_current`;\n//! do not edit. That test fails when a file and this differ.\n#![allow(unused_imports)]\n\n";
        format!("{header}{}", prettyplease::unparse(&file))
    }

    /// The first module builds the tour's first chapter without validating it and writes its
    /// actors' programs with `program::of_first` (`Session::new_first`): the same run, the same
    /// programs, as the checked way (`Session::new`, `program::of`); and `of_first` writes every
    /// catalog actor's program as `of` does, but an outbox's two.
    #[test]
    fn the_first_module_builds_the_first_chapter_as_the_checked_way_does() {
        use crate::systems::rabbitmq::program;
        let checked = crate::session::Session::new(first(), vec![]).expect("valid");
        let unchecked = crate::session::Session::new_first(first()).expect("runs");
        let hash = |s: &crate::session::Session| crate::engine::trace::trace_hash(s.full_trace());
        assert_eq!(hash(&checked), hash(&unchecked));
        assert_eq!(checked.len(), unchecked.len());
        for name in names() {
            let scenario = get(name).unwrap();
            for actor in &scenario.actors {
                // An outbox's two and a request handler: their programs are not the first module's.
                let outbox = matches!(actor, ActorSpec::Relay(_)) || matches!(actor, ActorSpec::Producer(p) if p.orders == Some(Orders::Outbox) || p.handler.is_some());
                let code = |p: Option<program::Program>| p.map(|p| (p.code, p.main.len(), p.callback.len(), p.callback_line));
                if outbox {
                    assert!(program::of_first(&scenario, actor).is_none(), "{name}: {}", actor.name());
                    assert!(program::of(&scenario, actor).is_some(), "{name}: {}", actor.name());
                } else {
                    assert_eq!(code(program::of_first(&scenario, actor)), code(program::of(&scenario, actor)), "{name}: {}", actor.name());
                }
            }
            if name == ENTRIES[0].0 {
                assert!(scenario.actors.iter().all(|a| program::of_first(&scenario, a).is_some()), "the first chapter has no outbox");
            }
        }
    }

    #[test]
    fn baked_catalog_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/scenario/catalog_baked.rs");
        let wanted = baked_source();
        if std::env::var_os("QP_BLESS").is_some() {
            std::fs::write(path, &wanted).expect("write catalog_baked.rs");
        }
        let found = std::fs::read_to_string(path).unwrap_or_default();
        assert!(found == wanted, "src/scenario/catalog_baked.rs is not the catalog's files baked; run: QP_BLESS=1 cargo test --lib baked_catalog_is_current");
        for (name, text) in ENTRIES {
            assert_eq!(get(name).as_ref(), Scenario::from_json(text).as_ref().map_err(|e| e), "{name}");
        }
        assert_eq!(ENTRIES[0].0, "article");
        // The first module builds the tour's first chapter from `first` (`Playground::first`).
        assert_eq!(crate::tour::CHAPTERS[0].scenario, ENTRIES[0].0);
        assert_eq!(Ok(first()), get(ENTRIES[0].0));
        assert!(get("no-such-chapter").is_err());
    }
}
