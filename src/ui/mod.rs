//! The playground UI (wasm32 only): a yew app driving a `Session`. State lives in one
//! reducer (`state.rs`); components under `components/` only render and dispatch.

pub mod app;
pub mod components;
pub mod state;
