//! Near the transport: copy the share link or the embed snippet (the clipboard, with a
//! visible confirmation; where the clipboard is refused, the text is selected to copy by
//! hand), the embed options dialog that shapes the snippet, and saving or loading the run as
//! a scenario file (at most `LOAD_BYTES_MAX`; a bad file is reported and the run kept). A
//! loaded file opens the page of its system (a Kafka file has `"broker": {"model": "kafka"}`,
//! a ZeroMQ file `"model": "zeromq"`).
//! The buttons are the first module's (`ShareTools`); what they do (`run`, `dialog`) is the
//! share module's (`ui::share_chunk`), fetched at their first use.

use crate::embed::{SnippetOptions, Theme};
use crate::i18n::{label, Lang};
use crate::ui::{files_chunk, links_chunk, share_chunk};
use crate::ui::kafka_page::KafkaAction;
use crate::ui::state::{use_playground, Action};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Scenario files larger than this are refused before they are read.
pub const LOAD_BYTES_MAX: f64 = 1_000_000.0;

/// Write `text` to the clipboard; `done(true)` once it is there, `done(false)` if the browser
/// has no clipboard or refuses.
fn write_clipboard(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(window) = web_sys::window() else { return done(false) };
    let clipboard = Reflect::get(&window.navigator(), &JsValue::from_str("clipboard")).ok().filter(|c| c.is_object());
    let write = clipboard.and_then(|c| Some((Reflect::get(&c, &JsValue::from_str("writeText")).ok()?.dyn_into::<Function>().ok()?, c)));
    let promise = write.and_then(|(f, c)| f.call1(&c, &JsValue::from_str(text)).ok()?.dyn_into::<Promise>().ok());
    let Some(promise) = promise else { return done(false) };
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(done)));
    let (ok, err) = (done.clone(), done);
    let ok = Closure::once_into_js(move |_: JsValue| ok.take().map_or((), |f| f(true)));
    let err = Closure::once_into_js(move |_: JsValue| err.take().map_or((), |f| f(false)));
    settle(&promise, &ok, &err);
}

/// `promise.then(ok, err)` with two JS functions (closures made by `Closure::once_into_js`).
fn settle(promise: &JsValue, ok: &JsValue, err: &JsValue) {
    if let Some(then) = Reflect::get(promise, &JsValue::from_str("then")).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
        let _ = then.call2(promise, ok, err);
    }
}

/// Select the text of the field `id` (an input or a textarea), to copy by hand.
fn select_field(id: &str) {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(element) = element {
        if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
            let _ = input.focus();
            input.select();
        } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            let _ = area.focus();
            area.select();
        }
    }
}

/// The text of `url` (relative to the page), or why it could not be had.
async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("cannot fetch {url}: {e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("cannot fetch {url}: HTTP {}", response.status()));
    }
    let text = response.text().map_err(|e| format!("{url}: {e:?}"))?;
    wasm_bindgen_futures::JsFuture::from(text).await.map_err(|e| format!("{url}: {e:?}"))?.as_string().ok_or_else(|| format!("{url}: not text"))
}

/// Offer `text` (of MIME type `kind`) as a download named `name`.
fn download(name: &str, text: &str, kind: &str) -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(kind);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&JsValue::from_str(text)), &bag)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// A file name from a scenario name: letters, digits, `-` and `_` kept, the rest `-`.
fn file_name(name: &str) -> String {
    let stem: String = name.chars().take(64).map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect();
    format!("{}.json", if stem.is_empty() { "scenario" } else { &stem })
}

#[derive(Properties, PartialEq)]
pub struct ShareToolsProps {
    /// The share link and the embed snippet shown in the footer.
    pub link: AttrValue,
    pub snippet: AttrValue,
}

/// What the share tools' actions act on: the playground, the status line and the error line.
#[derive(Clone)]
pub struct ToolsCtx {
    pub state: crate::ui::state::PlaygroundHandle,
    pub status: UseStateSetter<Option<&'static str>>,
    pub error: UseStateSetter<Option<String>>,
}

/// An action of the share tools, done by the share module (`ui::share_chunk`).
pub enum ToolAction {
    /// Copy the share link (the text shown; empty before the links module is there).
    CopyLink(AttrValue),
    /// Copy the embed snippet (likewise).
    CopySnippet(AttrValue),
    /// Save the run as a scenario file.
    Save,
    /// "Run it for real": the run as one Python file.
    Export,
    /// Load a scenario file the learner chose.
    Load(web_sys::File),
}

/// Do `action` with the share module, fetched first if need be (the status line says so
/// meanwhile; a failed fetch is said on the error line).
fn act(ctx: ToolsCtx, action: ToolAction) {
    let lang = ctx.state.lang;
    if let Some(api) = share_chunk::loaded() {
        return (api.run)(ctx, action);
    }
    ctx.status.set(Some("tools_pending"));
    wasm_bindgen_futures::spawn_local(async move {
        match share_chunk::load().await {
            Ok(api) => {
                // Before the module, the only error the tools can have said is its fetch's.
                ctx.status.set(None);
                ctx.error.set(None);
                (api.run)(ctx, action)
            }
            Err(_) => {
                ctx.status.set(None);
                ctx.error.set(Some(share_chunk::load_failed_text(lang).to_string()));
            }
        }
    });
}

#[component]
pub fn ShareTools(props: &ShareToolsProps) -> Html {
    let state = use_playground();
    let lang = state.lang;
    let status = use_state(|| None::<&'static str>);
    let load_error = use_state(|| None::<String>);
    let dialog = use_state(|| false);
    // On the Kafka or ZeroMQ page: that run's link, snippet and scenario file (the export to a
    // real RabbitMQ is RabbitMQ's only). A loaded file of any system opens its page.
    let shown = state.shown();
    let custom = match shown {
        crate::share::System::Kafka => state.kafka_run.as_ref().is_some_and(|run| run.runs_loaded_file()),
        crate::share::System::Zeromq => state.zeromq_run.as_ref().is_some_and(|run| run.runs_loaded_file()),
        crate::share::System::Rabbitmq => state.custom.is_some(),
    };
    let ctx = ToolsCtx { state: state.clone(), status: status.setter(), error: load_error.setter() };
    let click = |make: Box<dyn Fn() -> ToolAction>| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| act(ctx.clone(), make()))
    };
    let on_copy_link = {
        let link = props.link.clone();
        click(Box::new(move || ToolAction::CopyLink(link.clone())))
    };
    let on_copy_snippet = {
        let snippet = props.snippet.clone();
        click(Box::new(move || ToolAction::CopySnippet(snippet.clone())))
    };
    let on_save = click(Box::new(|| ToolAction::Save));
    let on_export = click(Box::new(|| ToolAction::Export));
    // The embed options are drawn by the share module: opened once it is there.
    let on_dialog = {
        let dialog = dialog.clone();
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            if *dialog || share_chunk::loaded().is_some() {
                return dialog.set(!*dialog);
            }
            let (dialog, ctx) = (dialog.setter(), ctx.clone());
            ctx.status.set(Some("tools_pending"));
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = share_chunk::load().await;
                ctx.status.set(None);
                match loaded {
                    Ok(_) => {
                        ctx.error.set(None);
                        dialog.set(true)
                    }
                    Err(_) => ctx.error.set(Some(share_chunk::load_failed_text(lang).to_string())),
                }
            });
        })
    };
    let on_load = {
        let ctx = ctx.clone();
        Callback::from(move |e: web_sys::Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
            // The same file may be chosen again after a fix.
            input.set_value("");
            act(ctx.clone(), ToolAction::Load(file));
        })
    };
    html! {
        <section id="share-tools">
            <button id="copy-link" onclick={on_copy_link} disabled={custom} title={custom.then(|| label("no_link_loaded", lang))}>{ label("copy_link", lang) }</button>
            <button id="copy-snippet" onclick={on_copy_snippet} disabled={custom} title={custom.then(|| label("no_link_loaded", lang))}>{ label("copy_snippet", lang) }</button>
            <button id="embed-options" aria-expanded={dialog.to_string()} aria-controls="embed-dialog" onclick={on_dialog.clone()}>{ label("embed_options", lang) }{ "…" }</button>
            <button id="save-scenario" onclick={on_save}>{ label("save_scenario", lang) }</button>
            if shown == crate::share::System::Rabbitmq {
                <button id="export-real" onclick={on_export} title={label("export_real_title", lang)}>{ label("export_real", lang) }</button>
            }
            <label class="load">{ label("load_scenario", lang) }
                <input id="load-scenario" type="file" accept=".json,application/json" onchange={on_load} disabled={state.params.lock} />
            </label>
            <span id="copy-status" role="status" aria-live="polite">{ status.map(|key| label(key, lang)).unwrap_or_default() }</span>
            if let Some(error) = &*load_error {
                <p id="load-error" class="error" role="alert">{ error.clone() }</p>
            }
            if let (true, Some(api)) = (*dialog, share_chunk::loaded()) {
                { (api.dialog)(state.snippet, lang, on_dialog) }
            }
        </section>
    }
}

/// The share module's work (`ui::share_chunk`): an action of the share tools.
pub fn run(ctx: ToolsCtx, action: ToolAction) {
    let ToolsCtx { state, status, error: load_error } = ctx;
    let lang = state.lang;
    match action {
        ToolAction::CopyLink(text) => copy(&state, &status, text, "share-link", "copied_link"),
        ToolAction::CopySnippet(text) => copy(&state, &status, text, "embed-snippet", "copied_snippet"),
        ToolAction::Save => {
            let save = {
                let setter = load_error.clone();
                let status = status.clone();
                move |name: &str, json: &str| match download(&file_name(name), json, "application/json") {
                    Ok(()) => status.set(Some("saved_scenario")),
                    Err(e) => setter.set(Some(format!("{e:?}"))),
                }
            };
            match (&state.kafka_run, &state.zeromq_run, state.shown()) {
                (Some(run), _, crate::share::System::Kafka) => {
                    let (name, json) = run.scenario_file(lang);
                    save(&name, &json);
                }
                (_, Some(run), crate::share::System::Zeromq) => {
                    let (name, json) = run.scenario_file(lang);
                    save(&name, &json);
                }
                _ => {
                    let mut file = state.session.borrow().scenario_file();
                    // A chapter's file saved from the Chinese page has the chapter's Chinese title.
                    if lang == Lang::Zh && state.custom.is_none() {
                        file.title = crate::tour::CHAPTERS[state.chapter].title(lang).to_string();
                    }
                    let setter = load_error;
                    // Written by the files module (fetched the first time).
                    wasm_bindgen_futures::spawn_local(async move {
                        match files_chunk::load().await {
                            Ok(api) => save(&file.name, &(api.to_json)(&file)),
                            Err(_) => setter.set(Some(files_chunk::load_failed_text(lang).to_string())),
                        }
                    });
                }
            }
        }
        // The run as one Python file that writes the programs, the scenario and the driver to
        // run it on a real RabbitMQ (README, "Run it for real").
        ToolAction::Export => {
            let file = state.session.borrow().scenario_file();
            let setter = load_error;
            wasm_bindgen_futures::spawn_local(async move {
                // The driver files sit next to index.html (copied by trunk); fetched now only.
                let (run, sitecustomize) = match (fetch_text("run.py").await, fetch_text("sitecustomize.py").await) {
                    (Ok(run), Ok(site)) => (run, site),
                    (Err(e), _) | (_, Err(e)) => return setter.set(Some(format!("Export: {e}"))),
                };
                let Ok(api) = files_chunk::load().await else {
                    return setter.set(Some(files_chunk::load_failed_text(lang).to_string()));
                };
                let name = format!("{}-export.py", file_name(&file.name).trim_end_matches(".json"));
                match download(&name, &(api.bundle)(&file, &run, &sitecustomize), "text/x-python") {
                    Ok(()) => status.set(Some("saved_export")),
                    Err(e) => setter.set(Some(format!("{e:?}"))),
                }
            });
        }
        ToolAction::Load(file) => {
            let name = file.name();
            // "Could not load s.json: " / "无法加载 s.json：", then what is wrong.
            let failed = format!("{} {}{}", label("load_failed", lang), name, if lang == Lang::En { ": " } else { "：" });
            if file.size() > LOAD_BYTES_MAX {
                // Whole bytes: formatting the f64 itself would add some 10 KB of float code to the wasm.
                load_error.set(Some(format!("{failed}{} ({} bytes)", label("load_too_big", lang), file.size() as u64)));
                return;
            }
            let (dispatcher, setter) = (state.dispatcher(), load_error);
            let on_text = Closure::once_into_js({
                let setter = setter.clone();
                let failed = failed.clone();
                move |text: JsValue| {
                    let text = text.as_string().unwrap_or_default();
                    let done = move |loaded: Result<Vec<Action>, String>| match loaded {
                        Ok(actions) => {
                            setter.set(None);
                            for action in actions {
                                dispatcher.dispatch(action);
                            }
                        }
                        Err(e) => setter.set(Some(format!("{failed}{e}"))),
                    };
                    // The file is read by the files module (fetched first if need be); a
                    // Kafka file by the Kafka module (fetched too).
                    wasm_bindgen_futures::spawn_local(async move {
                        let api = match files_chunk::load().await {
                            Ok(api) => api,
                            Err(_) => return done(Err(files_chunk::load_failed_text(lang).to_string())),
                        };
                        if (api.is_kafka)(&text) {
                            let failed = done.clone();
                            crate::ui::kafka_chunk::with(
                                move |api| done((api.parse_file)(&text).map(|s| vec![Action::SetSystem(crate::share::System::Kafka), Action::Kafka(KafkaAction::Load(Box::new(s)))]).map_err(|e| crate::i18n::scenario_error_text(&e, lang))),
                                move |e| failed(Err(e.text(lang))),
                            );
                        } else if (api.is_zeromq)(&text) {
                            let failed = done.clone();
                            crate::ui::zeromq_chunk::with(
                                move |api| done((api.parse_file)(&text).map(|s| vec![Action::SetSystem(crate::share::System::Zeromq), Action::Zeromq(crate::ui::zeromq_chunk::ZmqAction::Load(Box::new(s)))]).map_err(|e| crate::i18n::scenario_error_text(&e, lang))),
                                move |_| failed(Err(crate::ui::zeromq_chunk::load_failed_text(lang))),
                            );
                        } else {
                            done((api.parse)(&text).map(|s| vec![Action::SetSystem(crate::share::System::Rabbitmq), Action::Load(Box::new(s))]).map_err(|e| crate::i18n::scenario_error_text(&e, lang)));
                        }
                    });
                }
            });
            let on_error = Closure::once_into_js(move |e: JsValue| setter.set(Some(format!("{failed}{e:?}"))));
            settle(&file.text(), &on_text, &on_error);
        }
    }
}

/// Copy the link or the snippet. Before the links module is there the text is empty: it is
/// fetched, then the text made.
fn copy(state: &crate::ui::state::PlaygroundHandle, status: &UseStateSetter<Option<&'static str>>, text: AttrValue, field: &'static str, copied: &'static str) {
    let setter = status.clone();
    let write = move |text: &str| {
        write_clipboard(text, move |ok| {
            if !ok {
                select_field(field);
            }
            setter.set(Some(if ok { copied } else { "copy_fallback" }));
        })
    };
    if !text.is_empty() {
        return write(&text);
    }
    let (share_state, options, dispatcher) = (state.share_state(), state.snippet, state.dispatcher());
    wasm_bindgen_futures::spawn_local(async move {
        match links_chunk::load().await {
            Ok(links) => {
                let text = match field {
                    "share-link" => crate::ui::app::share_link(&(links.encode)(&share_state)),
                    _ => crate::ui::app::snippet_of(links, &share_state, &options),
                };
                // Written once the fields show it (a refused clipboard selects it).
                dispatcher.dispatch(Action::LinksLoaded(Ok(())));
                gloo_timers::callback::Timeout::new(0, move || write(&text)).forget();
            }
            Err(e) => dispatcher.dispatch(Action::LinksLoaded(Err(e))),
        }
    });
}

/// The share module's embed options dialog.
pub fn dialog(options: SnippetOptions, lang: Lang, on_close: Callback<MouseEvent>) -> Html {
    html! { <EmbedDialog {options} {lang} {on_close} /> }
}

#[derive(Properties, PartialEq)]
struct EmbedDialogProps {
    options: SnippetOptions,
    lang: Lang,
    on_close: Callback<MouseEvent>,
}

/// The snippet's options: chapter locked, start step (current or 0), language, theme.
#[component]
fn EmbedDialog(props: &EmbedDialogProps) -> Html {
    let state = use_playground();
    let lang = props.lang;
    let options = props.options;
    let set = |change: fn(&mut SnippetOptions, &str)| {
        let state = state.clone();
        Callback::from(move |e: web_sys::Event| {
            let value = if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                if input.checked() { "1" } else { "0" }.to_string()
            } else {
                e.target_unchecked_into::<HtmlSelectElement>().value()
            };
            let mut next = options;
            change(&mut next, &value);
            state.dispatch(Action::SetSnippet(next));
        })
    };
    let lang_value = options.lang.map_or("", Lang::code);
    let theme_value = options.theme.code().unwrap_or("");
    html! {
        <div id="embed-dialog" role="dialog" aria-label={label("embed_options", lang)}>
            <label><input id="opt-lock" type="checkbox" checked={options.lock} onchange={set(|o, v| o.lock = v == "1")} />{ " " }{ label("lock_chapter", lang) }</label>
            <label>{ label("start_at", lang) }{ " " }
                <select id="opt-start" onchange={set(|o, v| o.from_start = v == "0")}>
                    <option value="current" selected={!options.from_start}>{ label("current_step", lang) }</option>
                    <option value="0" selected={options.from_start}>{ label("step_zero", lang) }</option>
                </select>
            </label>
            <label>{ label("embed_lang", lang) }{ " " }
                <select id="opt-lang" onchange={set(|o, v| o.lang = (!v.is_empty()).then(|| Lang::from_tag(v)))}>
                    <option value="" selected={lang_value.is_empty()}>{ label("lang_current", lang) }</option>
                    <option value="en" selected={lang_value == "en"}>{"English"}</option>
                    <option value="zh" selected={lang_value == "zh"}>{"中文"}</option>
                </select>
            </label>
            <label>{ label("theme", lang) }{ " " }
                <select id="opt-theme" onchange={set(|o, v| o.theme = Theme::from_code(v))}>
                    <option value="" selected={theme_value.is_empty()}>{ label("theme_auto", lang) }</option>
                    <option value="light" selected={theme_value == "light"}>{ label("theme_light", lang) }</option>
                    <option value="dark" selected={theme_value == "dark"}>{ label("theme_dark", lang) }</option>
                </select>
            </label>
            <button id="embed-dialog-close" onclick={props.on_close.clone()}>{ label("close", lang) }</button>
        </div>
    }
}
