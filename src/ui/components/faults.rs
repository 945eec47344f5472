//! Faults now: each button injects a fault at the current step; the run forks there. A fault
//! that cannot apply at this step is disabled, its reason in the title and in visually hidden
//! text the button is described by (`crate::faults` decides). Below, the faults injected so
//! far, each with when it happened and a button that removes it (the run is rebuilt without it).
//! Above them, the chapter's own faults (`#chapter-faults`), when it has any, worded as the
//! code line they follow.

use crate::faults::{chapter_faults_line, fault_text, injected, options, when_text};
use crate::i18n::label;
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

#[component]
pub fn FaultBar() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let buttons = options(session.world());
    html! {
        <section id="faults" aria-label={label("faults", lang)}>
            <h3>{ label("faults", lang) }</h3>
            { for buttons.into_iter().map(|option| {
                let why_id = format!("fault-why-{}", option.id());
                let (title, disabled) = match &option.blocked {
                    Some(reason) => (reason.text(lang), true),
                    None => (option.what_it_does(lang), false),
                };
                let text = option.label(lang);
                let state = state.clone();
                let fault = option.action;
                let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::Inject(fault.clone())));
                html! {
                    <>
                        <button class="fault" data-fault={option.key} data-node={option.node.map(|n| n.to_string())} {disabled} title={title.clone()} aria-describedby={why_id.clone()} {onclick}>{ text }</button>
                        <span id={why_id} class="visually-hidden">{ title }</span>
                    </>
                }
            }) }
            // The chapter's own faults and the injected ones, worded by the narration module
            // (fetched when there are any).
            if let Some(api) = crate::ui::narration_chunk::loaded() {
                { (api.fault_list)(&state) }
            }
        </section>
    }
}

/// The chapter's own faults (worded as the code line they follow) and the injected ones (each
/// with when it happened and a button that removes it): the narration module's.
pub fn fault_list(state: &crate::ui::state::PlaygroundHandle) -> Html {
    let lang = state.lang;
    let session = state.session.borrow();
    let listed = injected(&session);
    html! {
        <>
            if !session.base().faults.is_empty() {
                <p id="chapter-faults" class="chapter-faults">
                    { chapter_faults_line(&session.base().faults, fault_text, |i| crate::engine::core::System::core(session.timeline()).fault_fired(i), lang) }
                </p>
            }
            if !listed.is_empty() {
                <ol id="injected" aria-label={label("injected", lang)}>
                    { for listed.into_iter().enumerate().map(|(index, fault)| {
                        let state = state.clone();
                        let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::RemoveFault(index)));
                        let what = fault_text(&fault.action, lang);
                        html! {
                            <li class="injected" data-index={index.to_string()} data-step={fault.step.map(|s| s.to_string())} data-at-ms={fault.at_ms.map(|ms| ms.to_string())}>
                                <span class="what">{ what.clone() }</span>{ " " }
                                <span class="when">{ when_text(fault.step, fault.at_ms, lang) }</span>{ " " }
                                <button class="remove" aria-label={format!("{}{}{what}", label("remove", lang), if lang == crate::i18n::Lang::En { ": " } else { "：" })} title={label("remove", lang)} {onclick}>{ "×" }</button>
                            </li>
                        }
                    }) }
                </ol>
            }
        </>
    }
}
