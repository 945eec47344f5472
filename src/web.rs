//! The page's entry (wasm32 only): mounts the playground (`crate::ui`), shows a panic as a
//! message with the share link to report it, and offers an in-browser engine measurement.

use crate::engine::Until;
use crate::systems::rabbitmq::Sim;
use crate::scenario::catalog;

/// Show a panic in the page instead of leaving it dead.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let link = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
        let message = format!("Queue Playground hit a bug: {info}. Please report it with this link, which reproduces the run: {link}");
        web_sys::console::error_1(&message.clone().into());
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(app) = document.get_element_by_id("app") {
                app.set_inner_html("");
                let p = document.create_element("p").expect("create p");
                p.set_class_name("error");
                p.set_id("panic");
                p.set_text_content(Some(&message));
                let _ = app.append_child(&p);
            }
        }
    }));
}

/// Mount the page into `#app`.
pub fn start() {
    install_panic_hook();
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let root = document.get_element_by_id("app").expect("index.html has #app");
    yew::Renderer::<crate::ui::app::App>::with_root(root).render();
}

/// In-browser measurement of the engine: runs the scaled tutorial workload with `messages`
/// messages and returns JSON `{messages, events, elapsed_ms, messages_per_s, events_per_s,
/// trace_hash}`. Called by the end-to-end test (`window.wasmBindings.benchEngine(n)`).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = benchEngine)]
pub fn bench_engine(messages: u32) -> String {
    let scenario = catalog::scaled_workload(messages.clamp(1, 1_000_000), 0);
    let started_ms = js_sys::Date::now();
    let mut sim = match Sim::new(&scenario) {
        Ok(sim) => sim,
        Err(e) => return serde_json::json!({ "error": e.to_string() }).to_string(),
    };
    sim.run_until(Until::Quiescence);
    let elapsed_ms = (js_sys::Date::now() - started_ms).max(1.0);
    let events = sim.trace().len();
    serde_json::json!({
        "messages": messages,
        "events": events,
        "elapsed_ms": elapsed_ms,
        "messages_per_s": (f64::from(messages) * 1000.0 / elapsed_ms).round(),
        "events_per_s": (events as f64 * 1000.0 / elapsed_ms).round(),
        "trace_hash": crate::systems::rabbitmq::trace::trace_hash(sim.trace()),
    })
    .to_string()
}

/// In-browser measurement of the Kafka world: runs the Kafka benchmark's workload
/// (`kafka::scenario::catalog::scaled_workload`: 3 partitions, RF 3, 4 consumers, random
/// consumer crashes, a leader crash) with `records` records and returns JSON `{records, events,
/// elapsed_ms, records_per_s, events_per_s, trace_hash}`. Called by the end-to-end test
/// (`window.wasmBindings.benchKafka(n)`).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = benchKafka)]
pub fn bench_kafka(records: u32) -> String {
    use crate::systems::kafka::{scenario::catalog as kafka_catalog, world::KafkaSim};
    let scenario = kafka_catalog::scaled_workload(records.clamp(1, 1_000_000));
    let started_ms = js_sys::Date::now();
    let mut sim = match KafkaSim::new(&scenario) {
        Ok(sim) => sim,
        Err(e) => return serde_json::json!({ "error": e.to_string() }).to_string(),
    };
    sim.run_until(Until::Quiescence);
    let elapsed_ms = (js_sys::Date::now() - started_ms).max(1.0);
    let events = sim.trace().len();
    serde_json::json!({
        "records": records,
        "events": events,
        "elapsed_ms": elapsed_ms,
        "records_per_s": (f64::from(records) * 1000.0 / elapsed_ms).round(),
        "events_per_s": (events as f64 * 1000.0 / elapsed_ms).round(),
        "trace_hash": crate::systems::kafka::trace::trace_hash(sim.trace()),
    })
    .to_string()
}
