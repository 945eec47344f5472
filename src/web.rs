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
/// trace_hash}`. Called by the end-to-end test (`window.wasmBindings.benchEngine(n)`, a
/// promise). The measurement's code is its own module (`split_bench.wasm` in the page's
/// build), fetched the first time: the page itself never needs it.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = benchEngine)]
pub async fn bench_engine(messages: u32) -> String {
    match bench_api().await {
        Ok(run) => run(messages),
        Err(_) => error_json("The engine measurement's code (split_bench.wasm) could not be fetched"),
    }
}

/// The split point of the engine measurement: the only function that names it.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(bench, fallible))]
fn bench_api_now() -> Result<fn(u32) -> String, crate::ui::kafka_chunk::LoadFailed> {
    Ok(bench_engine_now)
}

/// `bench_api_now`, fetching its module the first time (split builds).
async fn bench_api() -> Result<fn(u32) -> String, crate::ui::kafka_chunk::LoadFailed> {
    #[cfg(feature = "split")]
    return bench_api_now().await;
    #[cfg(not(feature = "split"))]
    return bench_api_now();
}

/// `bench_engine`'s run, in its own module.
fn bench_engine_now(messages: u32) -> String {
    let scenario = catalog::scaled_workload(messages.clamp(1, 1_000_000), 0);
    measured("messages", messages, || {
        let mut sim = Sim::new(&scenario).map_err(|e| e.to_string())?;
        sim.run_until(Until::Quiescence);
        Ok((sim.trace().len(), crate::systems::rabbitmq::trace::trace_hash(sim.trace())))
    })
}

/// `{"error": text}`, written without `serde_json::Value` (whose writer brings number
/// formatting into the first module).
fn error_json(text: &str) -> String {
    format!("{{\"error\":{}}}", crate::scenario::json::string_literal(text))
}

/// In-browser measurement of the Kafka world: runs the Kafka benchmark's workload
/// (`kafka::scenario::catalog::scaled_workload`: 3 partitions, RF 3, 4 consumers, random
/// consumer crashes, a leader crash) with `records` records and returns JSON `{records, events,
/// elapsed_ms, records_per_s, events_per_s, trace_hash}`. Called by the end-to-end test
/// (`window.wasmBindings.benchKafka(n)`).
/// The Kafka module is fetched first if it is not loaded (`ui::kafka_chunk`).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = benchKafka)]
pub async fn bench_kafka(records: u32) -> String {
    match crate::ui::kafka_chunk::load().await {
        Ok(api) => (api.bench)(records),
        Err(e) => error_json(&e.text(crate::i18n::Lang::En)),
    }
}

/// `bench_kafka`'s run, in the Kafka module.
pub fn bench_kafka_now(records: u32) -> String {
    use crate::systems::kafka::{scenario::catalog as kafka_catalog, world::KafkaSim};
    let scenario = kafka_catalog::scaled_workload(records.clamp(1, 1_000_000));
    measured("records", records, || {
        let mut sim = KafkaSim::new(&scenario).map_err(|e| e.to_string())?;
        sim.run_until(Until::Quiescence);
        Ok((sim.trace().len(), crate::systems::kafka::trace::trace_hash(sim.trace())))
    })
}

/// Times `run` (a world built and run to its end, giving its event count and trace hash) with
/// the browser's clock and words the figures as JSON: `{<unit>, events, elapsed_ms,
/// <unit>_per_s, events_per_s, trace_hash}`, or `{error}`.
fn measured(unit: &str, count: u32, run: impl FnOnce() -> Result<(usize, String), String>) -> String {
    let started_ms = js_sys::Date::now();
    let (events, trace_hash) = match run() {
        Ok(result) => result,
        Err(error) => return serde_json::json!({ "error": error }).to_string(),
    };
    let elapsed_ms = (js_sys::Date::now() - started_ms).max(1.0);
    let mut figures = serde_json::Map::new();
    figures.insert(unit.to_string(), count.into());
    figures.insert("events".into(), events.into());
    figures.insert("elapsed_ms".into(), elapsed_ms.into());
    figures.insert(format!("{unit}_per_s"), (f64::from(count) * 1000.0 / elapsed_ms).round().into());
    figures.insert("events_per_s".into(), (events as f64 * 1000.0 / elapsed_ms).round().into());
    figures.insert("trace_hash".into(), trace_hash.into());
    serde_json::Value::Object(figures).to_string()
}
