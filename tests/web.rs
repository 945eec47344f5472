//! Browser unit tests: `bash scripts/test.sh` runs them in headless Chromium with
//! `cargo test --target wasm32-unknown-unknown --test web` (wasm-bindgen-test-runner,
//! chromedriver, capabilities from webdriver.json). Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use queue_playground::engine::{Sim, Until};
use queue_playground::report::Report;
use queue_playground::scenario::catalog;
use queue_playground::web::App;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

include!("golden_table.rs");

/// The engine in wasm gives exactly the native golden hashes and verdicts.
#[wasm_bindgen_test]
fn wasm_traces_match_the_native_golden_table() {
    assert_eq!(GOLDEN.len(), catalog::ENTRIES.len());
    for (name, hash, summary) in GOLDEN {
        let scenario = catalog::get(name).expect("catalog scenario");
        let mut sim = Sim::new(&scenario).expect("valid");
        sim.run_until(Until::Quiescence);
        let report = Report::new(&sim, false);
        assert_eq!(&report.trace_hash, hash, "{name}: wasm trace differs from native");
        assert_eq!(&report.summary, summary, "{name}: wasm verdicts differ from native");
    }
}

fn fresh_root() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// The page renders the article's verdict, one row per message, and each actor's code.
#[wasm_bindgen_test]
async fn app_renders_the_article_verdict_table_and_code() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    let summary = root.query_selector("#verdict-summary").unwrap().expect("a verdict summary");
    assert_eq!(summary.get_attribute("data-trace-hash").as_deref(), Some(GOLDEN[0].1));
    assert_eq!(summary.get_attribute("data-label").as_deref(), Some("effectively-once"));
    let rows = root.query_selector_all("#messages tbody tr").unwrap();
    assert_eq!(rows.length(), 10);
    let code = root.query_selector("[data-actor=consumer] .code").unwrap().expect("consumer code").text_content().unwrap();
    assert!(code.contains("auto_ack=True"), "the article consumer's code: {code}");
    let terminal = root.query_selector("[data-actor=consumer] .terminal").unwrap().unwrap().text_content().unwrap();
    assert!(terminal.contains(" [x] Received {'data': 9}"), "terminal: {terminal}");
    root.remove();
}
