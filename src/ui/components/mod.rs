//! One file per component.

pub mod code;
pub mod compare;
// pub mod diagram_panel; (pending: crate::view)
pub mod events;
pub mod faults;
pub mod settings;
pub mod tour;
pub mod transport;
pub mod verdicts;
