//! The app: provides the playground state, lays out the panels, and owns the effects that
//! touch the browser: the play timer, the keyboard, localStorage and the URL (share link).
//! With `?embed=1` it lays out the compact mode (see `crate::embed`); `theme=` and the
//! compact mode are set on the root element (`data-theme`, `data-embed`).

use super::components::{code::Actors, compare::Compare, events::EventLog, faults::FaultBar, settings::SettingsPanel, tour::Tour, transport::Transport, verdicts::{VerdictSummary, Verdicts}};
use super::components::diagram_panel::{ChartsPanel, DiagramPanel};
use super::components::share_tools::ShareTools;
use super::state::{Action, Playground, PlaygroundHandle};
use crate::embed::EmbedParams;
use crate::i18n::{label, Lang};
use crate::report::ENGINE_VERSION;
use crate::share;
use gloo_timers::callback::Interval;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

const STORAGE_KEY: &str = "queue-playground";
const HASH_PREFIX: &str = "#run=";

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

/// The starting state with the URL's embed parameters.
fn initial() -> Playground {
    let params = EmbedParams::from_query(&window().location().search().unwrap_or_default());
    let mut p = restored();
    p.params = params;
    p
}

/// A share link in the URL wins, then the saved state, then the tour.
/// A broken link (of either system) opens the saved state, else the default tour, with a
/// message saying what is wrong: the user's saved work is never replaced by a bad link.
/// A code to read before the links module is loaded gives a stand-in state with
/// `links_pending` (the page says it is opening the run; the app fetches the module and
/// restores again).
fn restored() -> Playground {
    let browser_lang = window().navigator().language().map(|t| Lang::from_tag(&t)).unwrap_or_default();
    let hash = window().location().hash().unwrap_or_default();
    let stored = || window().local_storage().ok().flatten().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let Some(links) = crate::ui::links_chunk::loaded() else {
        let mut p = Playground::first(browser_lang);
        p.links_pending = hash.starts_with(HASH_PREFIX) || stored().is_some();
        return p;
    };
    let saved = || {
        let code = stored()?;
        (links.open)(&code).ok()
    };
    if let Some(code) = hash.strip_prefix(HASH_PREFIX) {
        return match (links.open)(code) {
            Ok(p) => p,
            Err(e) => {
                let mut p = saved().unwrap_or_else(|| Playground::first(browser_lang));
                let lang = p.lang;
                p.error = Some(format!("{}{}{}", label("broken_link", lang), if lang == Lang::En { ": " } else { "：" }, (links.error_text)(&e, lang)));
                p
            }
        };
    }
    saved().unwrap_or_else(|| Playground::first(browser_lang))
}

/// The page's address without query or fragment.
fn page_base() -> String {
    let location = window().location();
    format!("{}{}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default())
}

/// The page's address with its query (the embed parameters) but no fragment.
fn page_base_with_query() -> String {
    format!("{}{}", page_base(), window().location().search().unwrap_or_default())
}

/// The share link for the current state.
pub fn share_link(code: &str) -> String {
    format!("{}{HASH_PREFIX}{code}", page_base())
}

/// The embed snippet for the current state.
pub fn snippet_of(links: &crate::ui::links_chunk::LinksApi, state: &crate::share::ShareState, options: &crate::embed::SnippetOptions) -> String {
    share::embed_snippet(&(links.embed_link)(&page_base(), state, options))
}

/// Steps per timer tick and the tick interval for a speed (×100): 1× is 4 steps a second
/// (every page's play timer).
pub fn cadence(speed_x100: u32) -> (usize, u32) {
    let steps_per_s = 4 * speed_x100 / 100;
    if steps_per_s == 0 {
        (1, 100_000 / (4 * speed_x100).max(1))
    } else if steps_per_s <= 60 {
        (1, 1000 / steps_per_s)
    } else {
        ((steps_per_s as usize * 16).div_ceil(1000), 16)
    }
}

/// The system switch (RabbitMQ | Kafka | ZeroMQ): toggle buttons, the chosen one pressed.
fn system_switch(state: &PlaygroundHandle) -> Html {
    let lang = state.lang;
    let button = |system: share::System, key: &'static str| {
        let pressed = state.system == system;
        let state = state.clone();
        let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::SetSystem(system)));
        html! { <button class={classes!("system", pressed.then_some("current"))} data-system={key} aria-pressed={pressed.to_string()} {onclick}>{ label(key, lang) }</button> }
    };
    html! {
        <span id="system-switch" role="group" aria-label={label("system", lang)}>
            { button(share::System::Rabbitmq, "rabbitmq") }{ button(share::System::Kafka, "kafka") }{ button(share::System::Zeromq, "zeromq") }
        </span>
    }
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(initial);

    // The play timer lives in the effect and is dropped when playing or speed change.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((state.playing, state.speed_x100), move |&(playing, speed)| {
            let timer = playing.then(|| {
                let (steps, every_ms) = cadence(speed);
                Interval::new(every_ms, move || dispatcher.dispatch(Action::Tick(steps)))
            });
            move || drop(timer)
        });
    }

    // Keyboard: space plays/pauses, arrows step, Home/End jump; on the Kafka and ZeroMQ pages
    // they drive that page's run's transport.
    {
        let dispatcher = state.dispatcher();
        let len = state.session.borrow().len();
        let shown = state.shown();
        use_effect_with((len, shown), move |&(len, shown)| {
            let listener = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                // Keys stay with fields that take them: text and number inputs, selects, and
                // the space bar of a checkbox or button.
                let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                let tag = target.as_ref().map(|el| el.tag_name()).unwrap_or_default();
                let input_type = target.as_ref().and_then(|el| el.get_attribute("type")).unwrap_or_default();
                let typing = matches!(tag.as_str(), "SELECT" | "TEXTAREA")
                    || (tag == "INPUT" && !matches!(input_type.as_str(), "checkbox" | "range"))
                    || (e.key() == " " && matches!(tag.as_str(), "INPUT" | "BUTTON"));
                if typing || e.default_prevented() {
                    return;
                }
                let action = match shown {
                    share::System::Kafka => {
                        use super::kafka_page::KafkaAction;
                        Action::Kafka(match e.key().as_str() {
                            " " => KafkaAction::TogglePlay,
                            "ArrowRight" => KafkaAction::Step,
                            "ArrowLeft" => KafkaAction::Back,
                            "Home" => KafkaAction::Seek(0),
                            "End" => KafkaAction::Seek(usize::MAX),
                            _ => return,
                        })
                    }
                    share::System::Zeromq => {
                        use super::zeromq_chunk::ZmqAction;
                        Action::Zeromq(match e.key().as_str() {
                            " " => ZmqAction::TogglePlay,
                            "ArrowRight" => ZmqAction::Step,
                            "ArrowLeft" => ZmqAction::Back,
                            "Home" => ZmqAction::Seek(0),
                            "End" => ZmqAction::Seek(usize::MAX),
                            _ => return,
                        })
                    }
                    share::System::Rabbitmq => match e.key().as_str() {
                        " " => Action::TogglePlay,
                        "ArrowRight" => Action::Step,
                        "ArrowLeft" => Action::Back,
                        "Home" => Action::Seek(0),
                        "End" => Action::Seek(len),
                        _ => return,
                    },
                };
                e.prevent_default();
                dispatcher.dispatch(action);
            });
            let document = window().document().expect("a document");
            document.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref()).expect("add listener");
            move || {
                let _ = document.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
        });
    }

    // The Kafka module, fetched when the page first needs it: the switch, or a Kafka run in
    // the link or the saved state (then the page is restored again, as it would have been
    // with the module there). Pressing the switch again retries a failed fetch.
    {
        let dispatcher = state.dispatcher();
        let restoring = state.restoring;
        use_effect_with((state.needs_kafka(), state.system), move |&(needs, _)| {
            if needs {
                let failed = dispatcher.clone();
                crate::ui::kafka_chunk::with(
                    move |_| dispatcher.dispatch(if restoring { Action::Restore(Box::new(initial())) } else { Action::KafkaLoaded(Ok(())) }),
                    move |e| failed.dispatch(Action::KafkaLoaded(Err(e))),
                );
            }
            || ()
        });
    }

    // The ZeroMQ module, likewise: the switch, or a ZeroMQ run in the link or the saved state.
    {
        let dispatcher = state.dispatcher();
        let restoring = state.restoring_zeromq;
        use_effect_with((state.needs_zeromq(), state.system), move |&(needs, _)| {
            if needs {
                let failed = dispatcher.clone();
                crate::ui::zeromq_chunk::with(
                    move |_| dispatcher.dispatch(if restoring { Action::Restore(Box::new(initial())) } else { Action::ZeromqLoaded(Ok(())) }),
                    move |e| failed.dispatch(Action::ZeromqLoaded(Err(e))),
                );
            }
            || ()
        });
    }

    // The links module, fetched when the page first needs a share code: a link or a saved
    // state to read (then the page is restored again), or the learner's first change (saved
    // from then on). A failed fetch is said; the next change tries again.
    {
        let dispatcher = state.dispatcher();
        let pending = state.links_pending;
        use_effect_with(state.needs_links(), move |&needs| {
            if needs {
                wasm_bindgen_futures::spawn_local(async move {
                    dispatcher.dispatch(match crate::ui::links_chunk::load().await {
                        Ok(_) if pending => Action::Restore(Box::new(initial())),
                        Ok(_) => Action::LinksLoaded(Ok(())),
                        Err(e) => Action::LinksLoaded(Err(e)),
                    });
                });
            }
            || ()
        });
    }

    // The narration module, fetched when the run shown first has an event to word (the first
    // step, a chapter opening past its start, a run restored at a later step). A failed fetch
    // is said; the next action tries again.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.needs_narration(), move |&needs| {
            if needs {
                wasm_bindgen_futures::spawn_local(async move {
                    dispatcher.dispatch(Action::NarrationLoaded(crate::ui::narration_chunk::load().await.map(|_| ())));
                });
            }
            || ()
        });
    }

    // The theme and the compact mode, on the root element (for the page's background too).
    use_effect_with(state.params, |params| {
        if let Some(root) = window().document().and_then(|d| d.document_element()) {
            let _ = match params.theme.code() {
                Some(theme) => root.set_attribute("data-theme", theme),
                None => root.remove_attribute("data-theme"),
            };
            let _ = if params.embed { root.set_attribute("data-embed", "1") } else { root.remove_attribute("data-embed") };
        }
        || ()
    });

    // Persist every change (localStorage) and keep the URL a share link of it (not while a
    // loaded scenario runs: a link cannot carry it).
    let share_state = state.share_state();
    // None until the links module is there (nothing is saved meanwhile).
    let code = crate::ui::links_chunk::loaded().map(|links| (links.encode)(&share_state));
    // A scenario file the user loaded runs (on either page): no link can carry it.
    let loaded = state.custom.is_some() || state.kafka_run.as_ref().is_some_and(|run| run.runs_loaded_file()) || state.zeromq_run.as_ref().is_some_and(|run| run.runs_loaded_file());
    {
        let code = code.clone();
        let lang = state.lang;
        // While restoring (the Kafka or links module is fetched first) the saved state and
        // the link stay as they are.
        let code = code.filter(|_| !(loaded || state.restoring || state.restoring_zeromq || state.links_pending));
        use_effect_with((code, lang, loaded), move |(code, lang, loaded)| {
            if let Some(code) = code {
                if let Ok(Some(storage)) = window().local_storage() {
                    let _ = storage.set_item(STORAGE_KEY, code);
                }
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{HASH_PREFIX}{code}")));
                }
            } else if *loaded {
                // The address bar must not link another run than the loaded one on screen:
                // the page's address without the fragment (a reload opens the saved state,
                // the last run a link could carry).
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_base_with_query()));
                }
            }
            if let Some(root) = window().document().and_then(|d| d.document_element()) {
                let _ = root.set_attribute("lang", if *lang == Lang::Zh { "zh-CN" } else { "en" });
            }
            || ()
        });
    }

    let lang = state.lang;
    // A loaded scenario file has no link (a link carries a chapter): the fields say so rather
    // than show the link of a run that is not on screen.
    // Before the links module is there they are empty (the share controls fetch it).
    let (link, snippet) = match (&code, crate::ui::links_chunk::loaded()) {
        (Some(code), Some(links)) if !loaded => (share_link(code), snippet_of(links, &share_state, &state.snippet)),
        _ => (String::new(), String::new()),
    };
    let embed = state.params.embed;
    // The Kafka or ZeroMQ page shows when the switch says so (its run is created with the
    // switch).
    let shown = state.shown();
    let seed = match (shown, &state.kafka_run, &state.zeromq_run) {
        (share::System::Kafka, Some(run), _) => run.seed(),
        (share::System::Zeromq, _, Some(run)) => run.seed(),
        _ => state.seed,
    };
    let chapter_id = crate::tour::CHAPTERS[state.chapter].id;
    // "loading" while the Kafka module is fetched (the RabbitMQ page shows meanwhile), or the
    // narration module (the step's line says so too).
    let opening = state.opening();
    let status = if opening {
        "opening"
    } else if state.fetching_system() {
        "loading"
    } else if state.needs_narration() {
        "narrating"
    } else {
        "ready"
    };
    let status_code = if status == "ready" { "ready" } else { "loading" };
    // The share fields fetch the links module when a learner goes to them before any change.
    let placeholder = if loaded { Some(label("no_link_loaded", lang)) } else if link.is_empty() { Some(label("link_pending", lang)) } else { None };
    let on_share_focus = {
        let state = state.clone();
        Callback::from(move |_: FocusEvent| {
            if crate::ui::links_chunk::loaded().is_none() {
                state.dispatch(Action::WantLinks);
            }
        })
    };
    let on_dismiss = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::DismissError))
    };
    // The problem to show: the last error, else a module that could not be fetched (worded at
    // each render: a language switch words it again).
    let error: Option<AttrValue> = match &state.error {
        Some(error) => Some(AttrValue::from(error.clone())),
        None if state.kafka_load_error => Some(crate::ui::kafka_chunk::LoadFailed.text(lang).into()),
        None if state.zeromq_load_error => Some(crate::ui::zeromq_chunk::load_failed_text(lang).into()),
        None if state.links_load_error => Some(crate::ui::links_chunk::load_failed_text(lang).into()),
        None if state.changes_dropped => Some(crate::ui::narration_chunk::change_failed_text(lang).into()),
        None if state.narration_load_error => Some(crate::ui::narration_chunk::load_failed_text(lang).into()),
        None => None,
    };
    html! {
        <ContextProvider<super::state::PlaygroundHandle> context={state.clone()}>
            <main class={classes!("playground", embed.then_some("embed"))} data-chapter={chapter_id} data-system={match shown { share::System::Kafka => "kafka", share::System::Zeromq => "zeromq", share::System::Rabbitmq => "rabbitmq" }}>
                if embed {
                    <span id="status" class="visually-hidden" data-status={status_code} role="status">{ label(status, lang) }</span>
                } else {
                    <header class="top">
                        <h1>{ label("title", lang) }</h1>
                        { system_switch(&state) }
                        <span id="status" data-status={status_code} role="status">{ label(status, lang) }</span>
                    </header>
                }
                if let Some(error) = error {
                    <p id="share-error" class="error" role="alert">{ error }{" "}<button onclick={on_dismiss}>{"×"}</button></p>
                }
                if opening {
                    <p id="opening" class="note" role="status">{ label("opening_run", lang) }</p>
                } else if let (Some(run), share::System::Kafka) = (&state.kafka_run, shown) {
                    { run.page(AttrValue::from(link.clone()), AttrValue::from(snippet.clone())) }
                } else if let (Some(run), share::System::Zeromq) = (&state.zeromq_run, shown) {
                    { run.page(AttrValue::from(link.clone()), AttrValue::from(snippet.clone())) }
                } else {
                <Tour />
                <Transport />
                if !embed {
                    <ShareTools link={AttrValue::from(link.clone())} snippet={AttrValue::from(snippet.clone())} />
                }
                <div class="columns">
                    <div class="left">
                        <Actors />
                    </div>
                    // Cause and effect on one screen: the diagram and the verdict summary
                    // beside the acting code; the faults, charts and the table below them.
                    <div class="right">
                        <DiagramPanel />
                        <VerdictSummary />
                        // The latency-against-throughput chapter's sweep (the narration module's),
                        // under the verdict summary: the run itself stays on one screen, and the
                        // sweep comes before the fault bar, the charts and the table.
                        if let (false, None, true, Some(api)) = (embed, &state.custom, crate::tour::CHAPTERS[state.chapter].id == crate::ui::components::sweep::CHAPTER, crate::ui::narration_chunk::loaded()) {
                            { (api.sweep_panel)() }
                        }
                        if !embed {
                            <FaultBar />
                            <ChartsPanel />
                            <Verdicts />
                        }
                    </div>
                </div>
                if !embed {
                    <SettingsPanel />
                    <Compare />
                    <EventLog />
                }
                }
                // Not while a run is being opened: its link and seed are not known yet.
                if !embed && !opening {
                    <footer class="share">
                        <label>{ label("share", lang) }{" "}
                            <input id="share-link" readonly=true value={link.clone()} placeholder={placeholder} onfocus={on_share_focus.clone()} />
                        </label>
                        <label>{ label("embed", lang) }{" "}
                            <textarea id="embed-snippet" readonly=true rows="3" value={snippet} placeholder={placeholder} onfocus={on_share_focus} />
                        </label>
                        // What reproduces this run, besides the link: its seed and the engine.
                        <span id="run-id" data-seed={seed.to_string()} data-engine={ENGINE_VERSION}>
                            { format!("{} {} · {} {}", label("seed", lang), seed, label("engine", lang), ENGINE_VERSION) }
                        </span>
                    </footer>
                }
            </main>
        </ContextProvider<super::state::PlaygroundHandle>>
    }
}
