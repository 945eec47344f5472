//! Each actor's pika code with the executing line highlighted (click a line to jump to the
//! next step where it runs) and its terminal output. The compact (embed) mode shows one: the
//! actor that acted last, or the chapter's focus actor before anyone acted.

use crate::engine::ids::ActorId;
use crate::engine::world::ActorStatus;
use crate::i18n::label;
use super::on_activate;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

/// A terminal keeps its last lines, as a real one scrolls.
const TERMINAL_LINES: usize = 200;

#[component]
pub fn Actors() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let world = session.world();
    let setup = world.setup();
    let events = world.events();
    // The chapter's own program first (§4.2 the producer, §4.3 the consumer).
    let focus = crate::tour::CHAPTERS.get(state.chapter).and_then(|c| c.focus);
    let mut order: Vec<usize> = (0..setup.actors.len()).collect();
    order.sort_by_key(|&i| Some(setup.actors[i].name.as_str()) != focus);
    if state.params.embed {
        let last = session.trace().iter().rev().find_map(|e| e.event.actor()).map(|a| a.index());
        order = last.or_else(|| order.first().copied()).into_iter().collect();
    }
    html! {
        <section id="actors">
            { for order.into_iter().map(|index| (index, &setup.actors[index])).map(|(index, actor)| {
                let runtime = &world.actors()[index];
                let status = crate::view::status_name(runtime.status);
                let current = if runtime.status.is_down() { 0 } else { runtime.line };
                let failed = matches!(runtime.status, ActorStatus::Crashed | ActorStatus::Stopped | ActorStatus::Failed(_));
                html! {
                    <div class={classes!("actor", failed.then_some("down"))} data-actor={actor.name.clone()} data-status={status}>
                        <h3>{ format!("{} · {}", actor.name, label(status, lang)) }</h3>
                        <pre class="code" role="region" aria-label={format!("{} · {}", actor.name, label("code", lang))}>
                            { for actor.program.code.iter().enumerate().map(|(i, text)| {
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
                                html! {
                                    <span class={classes!("line", (line == current).then_some("current"))} data-line={line.to_string()} tabindex="0" role="button"
                                        aria-current={(line == current).then_some("step")} {onclick} {onkeydown}>
                                        <span class="ln">{ format!("{line:>3} ") }</span>{ text.clone() }{ "\n" }
                                    </span>
                                }
                            }) }
                        </pre>
                        <pre class="terminal" role="region" tabindex="0" aria-label={format!("{} · {}", actor.name, label("terminal", lang))}><span>{ state.facts.terminal(index, events, TERMINAL_LINES).join("\n") }</span></pre>
                    </div>
                }
            }) }
        </section>
    }
}
