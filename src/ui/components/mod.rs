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
