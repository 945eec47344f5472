//! One file per component.

pub mod charts;
pub mod code;
pub mod compare;
pub mod diagram;
pub mod diagram_panel;
pub mod events;
pub mod faults;
pub mod kafka_diagram;
pub mod kafka_settings;
pub mod settings;
pub mod share_tools;
pub mod sweep;
pub mod three_systems;
pub mod tour;
pub mod transport;
pub mod verdicts;

use yew::prelude::*;

/// A keydown handler that makes a focusable non-button element (a code line, a verdict row, an
/// event log entry) act as a button: Enter or Space does what a click does. The key is
/// consumed (`prevent_default`), so the page's own keys (space plays) leave it alone.
pub fn on_activate(activate: Callback<()>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if matches!(e.key().as_str(), "Enter" | " ") && !e.repeat() {
            e.prevent_default();
            e.stop_propagation();
            activate.emit(());
        }
    })
}

/// Is the element behind `node` narrower than `below_px` CSS pixels? Measured when it
/// mounts and on window resizes (not at every step: a layout read in a step's render would
/// force a layout inside it), so an SVG can pick a layout it never has to shrink (its text
/// then stays at its size in CSS pixels, 12 px or more).
#[hook]
pub fn use_narrow(node: NodeRef, below_px: i32) -> bool {
    let narrow = use_state_eq(|| false);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let measure = move || {
                if let Some(element) = node.cast::<web_sys::Element>() {
                    let width = element.client_width();
                    if width > 0 {
                        narrow.set(width < below_px);
                    }
                }
            };
            measure();
            use wasm_bindgen::JsCast;
            let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(measure);
            let window = web_sys::window().expect("a window");
            let _ = window.add_event_listener_with_callback("resize", listener.as_ref().unchecked_ref());
            move || {
                let _ = window.remove_event_listener_with_callback("resize", listener.as_ref().unchecked_ref());
            }
        });
    }
    *narrow
}
