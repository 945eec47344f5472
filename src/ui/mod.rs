//! The playground UI (wasm32 only): a yew app driving a `Session`. State lives in one
//! reducer (`state.rs`); components under `components/` only render and dispatch. The header's
//! system switch shows the Kafka page (`kafka_page.rs`, its own state) instead.

pub mod app;
pub mod components;
pub mod files_chunk;
pub mod kafka_chunk;
pub mod kafka_page;
pub mod links_chunk;
pub mod narration_chunk;
pub mod share_chunk;
pub mod state;
