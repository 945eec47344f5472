//! The page (wasm32 only): runs a catalog scenario through the engine in the browser and
//! shows its verdict, per-message table, terminals and code. A driver of the engine only;
//! the full playground UI (issue 3) grows from here.

use crate::engine::{Sim, Until};
use crate::report::Report;
use crate::scenario::catalog;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A finished run of a catalog scenario, ready to show.
#[derive(Clone, PartialEq)]
pub struct Run {
    pub report: Report,
    /// (actor name, pika code lines).
    pub code: Vec<(String, Vec<String>)>,
}

impl PartialEq for Report {
    fn eq(&self, other: &Self) -> bool {
        self.trace_hash == other.trace_hash && self.scenario == other.scenario && self.events == other.events
    }
}

/// Run a catalog scenario to quiescence. Errors are messages for the user.
pub fn run_catalog(name: &str) -> Result<Run, String> {
    let scenario = catalog::get(name).map_err(|e| e.to_string())?;
    let mut sim = Sim::new(&scenario).map_err(|e| e.to_string())?;
    sim.run_until(Until::Quiescence);
    let code = sim.setup().actors.iter().map(|a| (a.name.clone(), a.program.code.clone())).collect();
    Ok(Run { report: Report::new(&sim, false), code })
}

fn verdict_name(verdict: crate::engine::Verdict) -> String {
    serde_json::to_value(verdict).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct RunViewProps {
    pub run: Run,
}

/// The verdict summary, per-message table, terminals and code of one run.
#[component]
pub fn RunView(props: &RunViewProps) -> Html {
    let report = &props.run.report;
    let label = serde_json::to_value(report.label).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    html! {
        <>
        <section class="verdict">
            <p id="verdict-summary" data-trace-hash={report.trace_hash.clone()} data-label={label.clone()}>
                <strong class={classes!("label", label.clone())}>{ label.clone() }</strong>
                { format!(" — {}", report.summary.split_once(": ").map(|(_, rest)| rest).unwrap_or(&report.summary)) }
            </p>
            <p class="meta">{ format!("seed {} · {} events · ended at {} ms · trace {} · engine {}", report.seed, report.events, report.time_ms, report.trace_hash, report.engine_version) }</p>
        </section>
        <table id="messages">
            <thead><tr><th>{"id"}</th><th>{"payload"}</th><th>{"deliveries"}</th><th>{"verdict"}</th><th>{"cause"}</th></tr></thead>
            <tbody>
            { for report.messages.iter().map(|m| {
                let deliveries = m.deliveries.iter().map(|d| format!("{}@{}ms{}", d.to, d.at_ms, if d.redelivered { " (redelivered)" } else { "" })).collect::<Vec<_>>().join(", ");
                let verdict = verdict_name(m.verdict);
                html! {
                    <tr class={classes!("verdict-row", verdict.clone())} data-data={m.data.to_string()}>
                        <td>{ m.id }</td><td><code>{ m.payload.clone() }</code></td><td>{ deliveries }</td>
                        <td class="verdict-cell">{ verdict }</td>
                        <td>{ m.cause.as_ref().map(|c| format!("{} (event {} at {} ms)", c.text, c.event, c.at_ms)).unwrap_or_default() }</td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
        <section class="actors">
            { for report.actors.iter().zip(props.run.code.iter()).map(|(actor, (_, code))| html! {
                <div class="actor" data-actor={actor.name.clone()}>
                    <h3>{ format!("{} ({})", actor.name, actor.role) }</h3>
                    <pre class="code">{ for code.iter().enumerate().map(|(i, line)| html! { <span class="line" data-line={(i + 1).to_string()}>{ format!("{:>3}  {}\n", i + 1, line) }</span> }) }</pre>
                    <pre class="terminal">{ actor.terminal.join("\n") }{ actor.exit_error.as_ref().map(|e| format!("\n{e}")).unwrap_or_default() }</pre>
                </div>
            }) }
        </section>
        </>
    }
}

/// The page: a scenario picker and the run of the chosen scenario.
#[component]
pub fn App() -> Html {
    let selected = use_state(|| catalog::ENTRIES[0].0.to_string());
    let run = use_memo((*selected).clone(), |name| run_catalog(name));
    let on_change = {
        let selected = selected.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            selected.set(select.value());
        })
    };
    html! {
        <main>
            <header>
                <h1>{"Queue Playground"}</h1>
                <label>{"Scenario "}
                    <select id="scenario" onchange={on_change}>
                        { for catalog::ENTRIES.iter().map(|(name, _)| html! { <option value={*name} selected={*name == selected.as_str()}>{ *name }</option> }) }
                    </select>
                </label>
                <span id="status">{"ready"}</span>
            </header>
            { match &*run {
                Ok(run) => html! { <RunView run={run.clone()} /> },
                Err(message) => html! { <p class="error" id="error">{ message.clone() }</p> },
            } }
        </main>
    }
}

/// Show a panic in the page instead of leaving it dead.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("Queue Playground hit a bug: {info}");
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
    yew::Renderer::<App>::with_root(root).render();
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
        "trace_hash": crate::engine::trace::trace_hash(sim.trace()),
    })
    .to_string()
}
