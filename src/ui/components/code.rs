//! Each actor's pika code with the executing line highlighted (click a line to jump to the
//! next step where it runs) and its terminal output. The compact (embed) mode shows one: the
//! actor that acted last, or the chapter's focus actor before anyone acted.
//!
//! The actor that acted last is marked `.acting`. A running actor's line is `.current`; a
//! crashed, stopped or failed actor's last line is `.died` (the line it died on), a finished
//! one's `.ended`. Each code
//! box scrolls inside itself so that its marked line is visible, never the page.

use crate::engine::ids::ActorId;
use crate::systems::rabbitmq::world::ActorStatus;
use crate::i18n::label;
use super::on_activate;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

/// A terminal keeps its last lines, as a real one scrolls.
const TERMINAL_LINES: usize = 200;

/// Scroll each code box of `section` so that its `.current` or `.died` line is visible (with
/// a line of context), by the box's own `scrollTop`: the page does not move.
pub fn reveal_marked_lines(section: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let Ok(boxes) = section.query_selector_all("pre.code") else { return };
    for i in 0..boxes.length() {
        let Some(code) = boxes.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else { continue };
        let Some(line) = code.query_selector(".line.current, .line.died, .line.ended").ok().flatten().and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else {
            continue;
        };
        // `pre.code` is positioned, so it is the line's offset parent.
        let (top, height) = (line.offset_top(), line.offset_height());
        let (view_top, view_height) = (code.scroll_top(), code.client_height());
        if top - height < view_top || top + 2 * height > view_top + view_height {
            code.set_scroll_top((top - view_height / 3).max(0));
        }
    }
}

#[component]
pub fn Actors() -> Html {
    let state = use_playground();
    let section = use_node_ref();
    {
        let section = section.clone();
        // After every render the marked line may have moved: scroll to it in the next
        // animation frame, where the browser lays the page out anyway (reading the layout
        // here would force a second layout inside the step).
        use_effect(move || {
            if let (Some(element), Some(window)) = (section.cast::<web_sys::Element>(), web_sys::window()) {
                let reveal = wasm_bindgen::closure::Closure::once_into_js(move || reveal_marked_lines(&element));
                use wasm_bindgen::JsCast;
                let _ = window.request_animation_frame(reveal.unchecked_ref());
            }
        });
    }
    let lang = state.lang;
    let session = state.session.borrow();
    let world = session.world();
    let setup = world.setup();
    let events = world.events();
    // The chapter's own program first (§4.2 the producer, §4.3 the consumer).
    let focus = crate::tour::CHAPTERS.get(state.chapter).and_then(|c| c.focus);
    let mut order: Vec<usize> = (0..setup.actors.len()).collect();
    crate::engine::sort::sort_by_key(&mut order, |&i| u128::from(Some(setup.actors[i].name.as_str()) != focus));
    let acting = session.trace().iter().rev().find_map(|e| e.event.actor()).map(|a| a.index());
    if state.params.embed {
        order = acting.or_else(|| order.first().copied()).into_iter().collect();
    }
    let shown = order.len();
    // Payloads a "Poison next message" fault made poison in this run: a consumer's process()
    // lists them, so its code says why they fail (same lines; see program::shown_code).
    // Only scanned where a consumer's code can list them (the fault is offered nowhere else).
    let lists_poison = setup.actors.iter().any(|a| crate::systems::rabbitmq::program::lists_poison(&a.spec));
    let poisoned: Vec<u32> = if lists_poison {
        session.timeline().ledger().messages.iter().filter(|m| m.poison).map(|m| m.data).collect()
    } else {
        Vec::new()
    };
    html! {
        <section id="actors" ref={section} data-actors={shown.to_string()}>
            { for order.into_iter().map(|index| (index, &setup.actors[index])).map(|(index, actor)| {
                let runtime = &world.actors()[index];
                let status = crate::view::status_name(runtime.status);
                let failed = matches!(runtime.status, ActorStatus::Crashed | ActorStatus::Stopped | ActorStatus::Failed(_));
                let current = if runtime.status.is_down() { 0 } else { runtime.line };
                // The line it was on when it died (crashed, stopped, or exited with an error).
                let died = if failed { runtime.line } else { 0 };
                // It died right after that line completed (a crash `after` its op).
                let died_after = failed && runtime.line_done;
                // The last line a program ran before it finished (exited normally).
                let ended = if runtime.status == ActorStatus::Finished { runtime.line } else { 0 };
                let is_acting = acting == Some(index);
                let idle = !is_acting && matches!(runtime.status, ActorStatus::NotStarted | ActorStatus::Finished);
                html! {
                    <div class={classes!("actor", failed.then_some("down"), is_acting.then_some("acting"), idle.then_some("idle"))} data-actor={actor.name.clone()} data-status={status} data-line={runtime.line.to_string()}>
                        <h3>{ format!("{} · {}", actor.name, label(status, lang)) }</h3>
                        <pre class="code" role="region" aria-label={format!("{} · {}", actor.name, label("code", lang))}>
                            { for crate::systems::rabbitmq::program::shown_code(&setup.scenario, &actor.spec, &poisoned).as_ref().unwrap_or(&actor.program.code).iter().enumerate().map(|(i, text)| {
                                let line = (i + 1) as u16;
                                let seek = {
                                    let state = state.clone();
                                    Callback::from(move |()| {
                                        let target = state.session.borrow().next_step_at_line(ActorId(index as u16), line);
                                        if let Some(step) = target {
                                            state.dispatch(Action::Seek(step));
                                        }
                                    })
                                };
                                let onkeydown = on_activate(seek.clone());
                                let onclick = seek.reform(|_: MouseEvent| ());
                                let is_died = died > 0 && line == died;
                                let is_ended = ended > 0 && line == ended;
                                html! {
                                    <span class={classes!("line", (line == current).then_some("current"), is_died.then_some("died"), is_ended.then_some("ended"))} data-line={line.to_string()} tabindex="0" role="button"
                                        aria-current={(line == current).then_some("step")} {onclick} {onkeydown}>
                                        <span class="ln">{ format!("{line:>3} ") }</span>{ text.clone() }
                                        if is_died {
                                            <span class="died-mark">{ " ✕ " }{ crate::i18n::died_mark(status, died_after, lang) }</span>
                                        }
                                        if is_ended {
                                            <span class="ended-mark">{ " ✓ " }{ label(status, lang) }</span>
                                        }
                                        { "\n" }
                                    </span>
                                }
                            }) }
                        </pre>
                        <pre class="terminal" role="region" tabindex="0" aria-label={format!("{} · {}", actor.name, label("terminal", lang))}><span>{ state.facts.terminal(index, events, TERMINAL_LINES, lang).join("\n") }</span></pre>
                    </div>
                }
            }) }
        </section>
    }
}

/// A system page's programs: after every render the current lines may have moved, so each
/// code box under the returned node is scrolled to its own (in the next animation frame).
#[yew::hook]
pub fn use_reveal_lines() -> yew::NodeRef {
    let node = yew::use_node_ref();
    {
        let node = node.clone();
        yew::use_effect(move || {
            if let (Some(element), Some(window)) = (node.cast::<web_sys::Element>(), web_sys::window()) {
                let reveal = wasm_bindgen::closure::Closure::once_into_js(move || reveal_marked_lines(&element));
                use wasm_bindgen::JsCast;
                let _ = window.request_animation_frame(reveal.unchecked_ref());
            }
        });
    }
    node
}
