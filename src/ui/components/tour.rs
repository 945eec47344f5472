//! The tour: chapters of the article, the chapter's narration, what the current step did
//! (in the past tense), and the language switch. A loaded scenario shows as a "Loaded: name"
//! chapter with its title as narration. In the compact (embed) mode only the step's narration
//! line shows, with a chapter menu unless the chapter is locked.

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
    let custom = state.custom.clone();
    let as_written = match &custom {
        Some(scenario) => Some(crate::scenario::settings::Settings::of(scenario)),
        None => crate::scenario::catalog::get(chapter.scenario).map(|s| crate::scenario::settings::Settings::of(&s)).ok(),
    };
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
    let locked = state.params.lock;
    let step_line = html! {
        <p id="step-narration" aria-live={if state.playing { "off" } else { "polite" }}>
            { if step_events.is_empty() { String::from("…") } else { step_events.join(" · ") } }
        </p>
    };
    if state.params.embed {
        let on_chapter = {
            let state = state.clone();
            Callback::from(move |e: web_sys::Event| {
                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                if let Ok(i) = select.value().parse::<usize>() {
                    state.dispatch(Action::SetChapter(i));
                }
            })
        };
        return html! {
            <section id="tour" class="compact" aria-label={label("tour", lang)}>
                if !locked && custom.is_none() {
                    <select id="embed-chapter" aria-label={label("chapter", lang)} onchange={on_chapter}>
                        { for CHAPTERS.iter().enumerate().map(|(i, c)| html! {
                            <option value={i.to_string()} selected={i == state.chapter}>{ c.title(lang) }</option>
                        }) }
                    </select>
                }
                { step_line }
            </section>
        };
    }
    let (title, narration) = match &custom {
        Some(scenario) => (format!("{} {}", label("loaded", lang), scenario.name), scenario.title.clone()),
        None => (chapter.title(lang).to_string(), chapter.narration(lang).to_string()),
    };
    html! {
        <section id="tour" aria-label={label("tour", lang)}>
            <nav class="chapters">
                { for CHAPTERS.iter().enumerate().map(|(i, c)| {
                    let current = i == state.chapter && custom.is_none();
                    let state = state.clone();
                    let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::SetChapter(i)));
                    html! {
                        <button class={classes!("chapter", current.then_some("current"))} data-chapter={c.id} aria-current={current.then_some("step")} disabled={locked && !current} {onclick}>{ c.title(lang) }</button>
                    }
                }) }
                <button id="lang-toggle" class="lang" onclick={on_lang}>{ label("language", lang) }</button>
            </nav>
            <div id="narration">
                <h2>{ title }</h2>
                <p class="chapter-narration">{ narration }</p>
                if settings_changed {
                    <p id="settings-note" class="note">{ label("settings_changed_note", lang) }</p>
                }
                if let Some((outcome, run_label)) = outcome {
                    <p id="outcome" data-label={run_label}>{ outcome }</p>
                }
                { step_line }
                <p id="pause-announcement" class="visually-hidden" aria-live="polite">
                    { if announce_pause { crate::i18n::position_text(position, session.len(), session.now_ms(), lang) } else { String::new() } }
                </p>
            </div>
        </section>
    }
}
