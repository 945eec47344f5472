//! Compare: the current settings ("as written") and the fixed ones side by side, on the
//! same seed and the same faults, at the same simulated time.

use crate::i18n::label;
use crate::report::Report;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

fn side(name: &'static str, title: &str, report: &Report, code: String, lang: crate::i18n::Lang) -> Html {
    let label_text = serde_json::to_value(report.label).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let counts = [
        ("lost", report.counts.lost),
        ("duplicated", report.counts.duplicated),
        ("redelivered", report.counts.redelivered),
        ("processed_once", report.counts.processed_once),
        ("pending", report.counts.pending),
    ];
    html! {
        <div class="compare-side" data-side={name}>
            <h4>{ title.to_string() }{ " · " }<strong class={classes!("label", label_text.clone())}>{ label_text }</strong></h4>
            <ul>{ for counts.iter().map(|(k, n)| html! { <li data-count={*k}><span class="n">{ *n }</span>{ " " }{ label(k, lang) }</li> }) }</ul>
            <pre class="code small">{ code }</pre>
        </div>
    }
}

fn consumer_code(report_sim: &crate::engine::Sim) -> String {
    report_sim
        .setup()
        .actors
        .iter()
        .find(|a| matches!(a.spec, crate::scenario::ActorSpec::Consumer(_)))
        .map(|a| a.program.code.join("\n"))
        .unwrap_or_default()
}

#[component]
pub fn Compare() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let on_toggle = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::ToggleCompare))
    };
    let body = state.compare.as_ref().map(|other| {
        let session = state.session.borrow();
        html! {
            <div class="compare-sides">
                { side("as-written", label("as_written", lang), &session.report(), consumer_code(session.world()), lang) }
                { side("fixed", label("fixed", lang), &other.borrow().report(), consumer_code(other.borrow().world()), lang) }
            </div>
        }
    });
    html! {
        <section id="compare">
            <button id="btn-compare" onclick={on_toggle} aria-pressed={state.compare.is_some().to_string()}>{ label("compare", lang) }</button>
            { body }
        </section>
    }
}
