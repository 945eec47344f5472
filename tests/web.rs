//! Browser unit tests: `bash scripts/test.sh` runs them in headless Chromium with
//! `cargo test --target wasm32-unknown-unknown --test web` (wasm-bindgen-test-runner,
//! chromedriver, capabilities from webdriver.json). Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use queue_playground::engine::{Until};
use queue_playground::systems::rabbitmq::Sim;
use queue_playground::report::Report;
use queue_playground::scenario::catalog;
use queue_playground::ui::app::App;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

include!("golden/table.rs");
include!("golden/kafka_table.rs");

/// The Kafka engine in wasm gives exactly the native golden hashes and verdicts.
#[wasm_bindgen_test]
fn wasm_kafka_traces_match_the_native_golden_table() {
    use queue_playground::systems::kafka::{report::KafkaReport, scenario::catalog as kafka_catalog, world::KafkaSim};
    assert_eq!(KAFKA_GOLDEN.len(), kafka_catalog::names().count());
    for (name, hash, summary) in KAFKA_GOLDEN {
        let scenario = kafka_catalog::get(name).expect("Kafka catalog scenario");
        let mut sim = KafkaSim::new(&scenario).expect("valid");
        sim.run_until(Until::Quiescence);
        let report = KafkaReport::new(&sim, false);
        assert_eq!(&report.trace_hash, hash, "{name}: wasm Kafka trace differs from native");
        assert_eq!(&report.summary, summary, "{name}: wasm Kafka verdicts differ from native");
    }
}

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

/// A new element to render into, with no saved state and no share link in the URL.
fn fresh_root() -> web_sys::Element {
    let window = web_sys::window().unwrap();
    window.local_storage().unwrap().unwrap().clear().unwrap();
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#")).unwrap();
    let document = window.document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

fn click(root: &web_sys::Element, selector: &str) {
    use wasm_bindgen::JsCast;
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).dyn_into::<web_sys::HtmlElement>().unwrap().click();
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).text_content().unwrap_or_default()
}

/// The playground renders the tour, steps with the transport, highlights the running line,
/// and shows the verdict of the run so far.
#[wasm_bindgen_test]
async fn playground_steps_through_the_article() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    assert_eq!(root.query_selector_all("#tour .chapter").unwrap().length() as usize, queue_playground::tour::CHAPTERS.len());
    // §4.1 opens where the queue has just been declared.
    let at = |root: &web_sys::Element| -> usize {
        let position = text(root, "#position");
        position.split_whitespace().find_map(|w| w.parse().ok()).unwrap_or_else(|| panic!("no step in {position}"))
    };
    let start = at(&root);
    assert!(start > 0 && text(&root, "#step-narration").contains("declared test_queue"), "opens at the declare: {}", text(&root, "#step-narration"));
    for _ in 0..3 {
        click(&root, "#btn-step");
        yew::scheduler::flush().await;
    }
    assert_eq!(at(&root), start + 3, "three steps: {}", text(&root, "#position"));
    assert!(!text(&root, "#step-narration").is_empty());
    let code = text(&root, "[data-actor=consumer] .code");
    assert!(code.contains("auto_ack=True"), "the article consumer's code: {code}");
    assert_eq!(root.query_selector_all(".line.current").unwrap().length(), 1, "one actor is running a line");
    click(&root, "#btn-back");
    yew::scheduler::flush().await;
    assert_eq!(at(&root), start + 2);
    root.remove();
}

/// The diagram draws the queue's messages and the consumer's deliveries; the language
/// switch changes the narration and the page's lang.
#[wasm_bindgen_test]
async fn diagram_and_language_switch() {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    click(&root, "[data-chapter=consumer-crash]");
    yew::scheduler::flush().await;
    // Step until the broker has pushed the backlog to the consumer.
    for _ in 0..200 {
        if root.query_selector_all("g.consumer rect.delivery").unwrap().length() > 0 {
            break;
        }
        click(&root, "#btn-step");
        yew::scheduler::flush().await;
    }
    assert!(root.query_selector_all("g.consumer rect.delivery").unwrap().length() > 0, "the consumer holds deliveries");
    assert!(root.query_selector("g.queue[data-queue=test_queue]").unwrap().is_some());
    let english = text(&root, ".chapter-narration");
    click(&root, "#lang-toggle");
    yew::scheduler::flush().await;
    let chinese = text(&root, ".chapter-narration");
    assert_ne!(english, chinese);
    assert!(chinese.contains("消费者"), "{chinese}");
    let lang = web_sys::window().unwrap().document().unwrap().document_element().unwrap().get_attribute("lang");
    assert_eq!(lang.as_deref(), Some("zh-CN"));
    click(&root, "#lang-toggle");
    yew::scheduler::flush().await;
    root.remove();
}
