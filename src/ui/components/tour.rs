//! The tour: chapters of the article, the chapter's narration, what the current step did
//! (in the past tense), and the language switch. A loaded scenario shows as a "Loaded: name"
//! chapter with its title as narration. In the compact (embed) mode only the step's narration
//! line shows, with a chapter menu unless the chapter is locked.

use crate::i18n::{label, Lang};
use crate::tour::CHAPTERS;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

/// The run's outcome at its end (the narration module's): the sentence and the label to
/// colour it by.
pub fn run_outcome(session: &crate::session::Session, lang: Lang) -> (String, &'static str) {
    let report = session.report();
    // No message, no label to colour the outcome by (see tour::outcome).
    (crate::tour::outcome(&report, lang), if report.messages.is_empty() { "none" } else { report.label.name() })
}

/// "2 injected faults were cleared when you left “…”" (or by a reset, when `left` is None).
fn cleared_text(n: usize, left: Option<&str>, lang: Lang) -> String {
    match (lang, left) {
        (Lang::En, Some(title)) => format!("{n} injected fault{} of “{title}” {} cleared when you switched chapters.", if n == 1 { "" } else { "s" }, if n == 1 { "was" } else { "were" }),
        (Lang::En, None) => format!("Reset cleared {n} injected fault{}.", if n == 1 { "" } else { "s" }),
        (Lang::Zh, Some(title)) => format!("切换章节时，已清除“{title}”中注入的 {n} 个故障。"),
        (Lang::Zh, None) => format!("重置清除了注入的 {n} 个故障。"),
    }
}

/// The note that injected faults were cleared, with buttons that bring them back or dismiss it
/// (the narration module's).
pub fn cleared_note(state: &crate::ui::state::PlaygroundHandle) -> Html {
    let lang = state.lang;
    let Some(cleared) = state.cleared.clone() else { return Html::default() };
    html! {
        <p id="faults-cleared" class="note" role="status" data-cleared={cleared.faults.len().to_string()}>
            { cleared_text(cleared.faults.len(), (cleared.chapter != state.chapter).then(|| CHAPTERS[cleared.chapter].title(lang)), lang) }{ " " }
            <button id="restore-faults" onclick={dispatch(state, || Action::RestoreCleared)}>{ label("restore_faults", lang) }</button>{ " " }
            <button class="dismiss" aria-label={label("dismiss", lang)} title={label("dismiss", lang)} onclick={dispatch(state, || Action::DismissCleared)}>{ "×" }</button>
        </p>
    }
}

fn dispatch(state: &crate::ui::state::PlaygroundHandle, action: fn() -> Action) -> Callback<MouseEvent> {
    let state = state.clone();
    Callback::from(move |_: MouseEvent| state.dispatch(action()))
}

#[component]
pub fn Tour() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    // Worded by the narration module; until it is there (the app fetches it) the line says so.
    let narration = crate::ui::narration_chunk::loaded();
    let position = session.position();
    let from = if position == 0 { 0 } else { session.events_at(position - 1) };
    let trace = session.trace();
    let step_events: Vec<String> = (from..trace.len())
        .map(|i| crate::ui::narration_chunk::word(trace, i, session.timeline(), lang))
        .collect::<Option<_>>()
        .unwrap_or_else(|| vec![label("narration_pending", lang).to_string()]);
    let chapter = &CHAPTERS[state.chapter];
    // Facts, not the script: at the run's end, what this run did; and a note when the
    // settings are no longer the chapter's own (its text describes it as written).
    let at_end = position == session.len();
    // Worded by the narration module too (the report it is built from with it); until it is
    // there the outcome is not shown (the step's line says the narration is being fetched).
    let outcome = at_end.then(|| narration.map(|api| (api.outcome)(&session, lang))).flatten();
    let custom = state.custom.clone();
    let as_written = state.as_written();
    let settings_changed = as_written.as_ref().is_some_and(|s| *s != state.settings);
    // Injected faults change the run as much: the chapter's text no longer tells it.
    let faults_injected = !session.injected().is_empty();
    let note = match (settings_changed, faults_injected) {
        (true, false) => Some(("settings-note", "settings_changed_note")),
        (false, true) => Some(("faults-note", "faults_injected_note")),
        (true, true) => Some(("settings-note", "settings_and_faults_note")),
        (false, false) => None,
    };
    // The title stays true of the settings on screen: what changed, beside it.
    // Worded by the narration module (fetched when the settings change).
    let title_note = as_written.as_ref().filter(|_| settings_changed).and_then(|s| narration.and_then(|api| (api.title_note)(s, &state.settings, lang)));
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
        // "Loaded: name" / "已加载：name" (a full-width colon takes no space after it).
        Some(scenario) => (format!("{}{}{}", label("loaded", lang), if lang == Lang::En { " " } else { "" }, scenario.name), scenario.title.clone()),
        // The first chapter's narration is the first module's, the others' the narration
        // module's (the paragraph says it is being fetched meanwhile).
        None => (
            chapter.title(lang).to_string(),
            crate::ui::narration_chunk::chapter_narration(state.chapter, lang).unwrap_or_else(|| label("narration_pending", lang)).to_string(),
        ),
    };
    html! {
        <section id="tour" aria-label={label("tour", lang)}>
            <nav class="chapters">
                { for CHAPTERS.iter().enumerate().map(|(i, c)| {
                    let current = i == state.chapter && custom.is_none();
                    let state = state.clone();
                    let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::SetChapter(i)));
                    html! {
                        <button class={classes!("chapter", current.then_some("current"))} data-chapter={c.id} aria-current={current.then_some("step")} title={c.title(lang)} disabled={locked && !current} {onclick}>{ c.short(lang) }</button>
                    }
                }) }
                <button id="lang-toggle" class="lang" onclick={on_lang}>{ label("language", lang) }</button>
            </nav>
            <div id="narration">
                <h2 id="chapter-title">{ title }
                    if let Some(note) = title_note {
                        <small id="title-note" class="title-note">{ note }</small>
                    }
                </h2>
                <p class="chapter-narration">{ narration }</p>
                if let Some((id, key)) = note {
                    <p id={id} class="note">{ label(key, lang) }</p>
                }
                // Said by the narration module (the faults it lists were listed by it too).
                if let (Some(_), Some(api)) = (&state.cleared, crate::ui::narration_chunk::loaded()) {
                    { (api.cleared_note)(&state) }
                }
                if let Some((outcome, run_label)) = outcome {
                    <p id="outcome" data-label={run_label}>{ outcome }</p>
                }
                { step_line }
                <p id="pause-announcement" class="visually-hidden" aria-live="polite">
                    { if announce_pause { crate::i18n::position_text(position, session.len(), crate::view::shown_ms(&session), lang) } else { String::new() } }
                </p>
            </div>
        </section>
    }
}
