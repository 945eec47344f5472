//! Compare: the current settings ("as written") and the fixed ones side by side, on the
//! same seed and the same faults, at the same simulated time.

use super::verdicts::{count_list, label_text};
use crate::i18n::{label, Lang};
use crate::report::Live;
use crate::session::Session;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

fn side(name: &'static str, title: &str, session: &Session, lang: Lang) -> Html {
    // The counts and the label (the rows are not shown here).
    let live = Live::counts(session.world());
    let label_text = label_text(&live);
    let code = session
        .world()
        .setup()
        .actors
        .iter()
        .find(|a| matches!(a.spec, crate::scenario::ActorSpec::Consumer(_)))
        .map(|a| a.program.code.join("\n"))
        .unwrap_or_default();
    html! {
        <div class="compare-side" data-side={name}>
            <h4>{ title.to_string() }{ " · " }<strong class={classes!("label", label_text.clone())}>{ label(&label_text, lang) }</strong></h4>
            { count_list(&live.counts, lang) }
            <pre class="code small" role="region" tabindex="0" aria-label={format!("{title} · {}", label("code", lang))}>{ code }</pre>
        </div>
    }
}

/// The two sides of an open comparison (the narration module's).
pub fn sides(state: &crate::ui::state::PlaygroundHandle) -> Html {
    let lang = state.lang;
    let Some(other) = &state.compare else { return Html::default() };
    html! {
        <div class="compare-sides">
            { side("as-written", label("as_written", lang), &state.session.borrow(), lang) }
            { side("fixed", label("fixed", lang), &other.borrow(), lang) }
        </div>
    }
}

#[component]
pub fn Compare() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let on_toggle = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::ToggleCompare))
    };
    // The two sides are drawn by the narration module (fetched when the comparison opens).
    let body = state.compare.as_ref().and(crate::ui::narration_chunk::loaded()).map(|api| (api.compare_sides)(&state));
    html! {
        <section id="compare">
            <button id="btn-compare" onclick={on_toggle} aria-pressed={state.compare.is_some().to_string()}>{ label("compare", lang) }</button>
            { body }
        </section>
    }
}
