//! Faults now: each button injects a fault at the current step; the run forks there.

use crate::i18n::label;
use crate::scenario::{ActorSpec, FaultAction};
use crate::ui::state::{use_playground, Action};
use yew::prelude::*;

#[component]
pub fn FaultBar() -> Html {
    let state = use_playground();
    let lang = state.lang;
    let session = state.session.borrow();
    let scenario = session.base();
    let consumer = scenario.actors.iter().find(|a| matches!(a, ActorSpec::Consumer(_))).map(|a| a.name().to_string());
    let producer = scenario.actors.iter().find(|a| matches!(a, ActorSpec::Producer(_))).map(|a| a.name().to_string());
    let mut buttons: Vec<(&str, FaultAction)> = Vec::new();
    if let Some(c) = &consumer {
        buttons.push(("crash_consumer", FaultAction::Crash(c.clone())));
    }
    if let Some(p) = &producer {
        buttons.push(("crash_producer", FaultAction::Crash(p.clone())));
    }
    buttons.push(("restart_broker", FaultAction::StopNode { node: 0, restart: true }));
    buttons.push(("crash_broker", FaultAction::CrashNode { node: 0, restart: true }));
    if let Some(c) = &consumer {
        buttons.push(("partition", FaultAction::Partition(c.clone(), "rabbit@0".into())));
        buttons.push(("heal", FaultAction::Heal(c.clone(), "rabbit@0".into())));
    }
    if let Some(p) = &producer {
        buttons.push(("drop_next", FaultAction::DropNext { from: p.clone(), to: "rabbit@0".into() }));
        buttons.push(("poison_next", FaultAction::PoisonNext(p.clone())));
    }
    html! {
        <section id="faults" aria-label={label("faults", lang)}>
            <h3>{ label("faults", lang) }</h3>
            { for buttons.into_iter().map(|(key, fault)| {
                let state = state.clone();
                let onclick = Callback::from(move |_: MouseEvent| state.dispatch(Action::Inject(fault.clone())));
                html! { <button class="fault" data-fault={key} {onclick}>{ label(key, lang) }</button> }
            }) }
        </section>
    }
}
