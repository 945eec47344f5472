//! One file per component.

pub mod charts;
pub mod code;
pub mod compare;
pub mod diagram;
pub mod diagram_panel;
pub mod events;
pub mod faults;
pub mod settings;
pub mod share_tools;
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
