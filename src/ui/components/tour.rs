//! The tour: chapters of the article, the chapter's narration, what the current step did
//! (in the past tense), and the language switch.

use crate::i18n::{describe_at, label, Lang};
use crate::tour::CHAPTERS;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

#[component]
pub fn Tour() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let position = session.position();
    let from = if position == 0 { 0 } else { session.events_at(position - 1) };
    let trace = session.trace();
    let step_events: Vec<String> = (from..trace.len()).map(|i| describe_at(trace, i, session.timeline(), lang)).collect();
    let chapter = &CHAPTERS[state.chapter];
    // Facts, not the script: at the run's end, what this run did; and a note when the
    // settings are no longer the chapter's own (its text describes it as written).
    let at_end = position == session.len();
    let outcome = at_end.then(|| {
        let report = session.report();
        (crate::tour::outcome(&report, lang), report.label.name())
    });
    let as_written = crate::scenario::catalog::get(chapter.scenario).map(|s| crate::scenario::settings::Settings::of(&s)).ok();
    let settings_changed = as_written.is_some_and(|s| s != state.settings);
    // The live narration is quiet while playing (4 steps a second at 1× would be read over
    // each other); on pause it says where the run stopped, once.
    let paused_at = use_mut_ref(|| (false, None::<usize>));
    let announce_pause = {
        let mut paused_at = paused_at.borrow_mut();
        if paused_at.0 && !state.playing {
            paused_at.1 = Some(position);
        } else if state.playing {
            paused_at.1 = None;
        }
        paused_at.0 = state.playing;
        paused_at.1 == Some(position)
    };
    let on_lang = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::SetLang(if lang == Lang::En { Lang::Zh } else { Lang::En })))
    };
    html! {
        <section id="tour" aria-label={label("tour", lang)}>
            <nav class="chapters">
                { for CHAPTERS.iter().enumerate().map(|(i, c)| {
                    let current = i == state.chapter;
                    let state = state.clone();
                    let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::SetChapter(i)));
                    html! {
                        <button class={classes!("chapter", current.then_some("current"))} data-chapter={c.id} aria-current={current.then_some("step")} {onclick}>{ c.title(lang) }</button>
                    }
                }) }
                <button id="lang-toggle" class="lang" onclick={on_lang}>{ label("language", lang) }</button>
            </nav>
            <div id="narration">
                <h2>{ chapter.title(lang) }</h2>
                <p class="chapter-narration">{ chapter.narration(lang) }</p>
                if settings_changed {
                    <p id="settings-note" class="note">{ label("settings_changed_note", lang) }</p>
                }
                if let Some((outcome, run_label)) = outcome {
                    <p id="outcome" data-label={run_label}>{ outcome }</p>
                }
                <p id="step-narration" aria-live={if state.playing { "off" } else { "polite" }}>
                    { if step_events.is_empty() { String::from("…") } else { step_events.join(" · ") } }
                </p>
                <p id="pause-announcement" class="visually-hidden" aria-live="polite">
                    { if announce_pause { crate::i18n::position_text(position, session.len(), session.now_ms(), lang) } else { String::new() } }
                </p>
            </div>
        </section>
    }
}
