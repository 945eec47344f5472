//! Queue Playground: a deterministic message-queue simulator with RabbitMQ semantics, the
//! RabbitMQ tutorial's programs, fault injection and a checker, plus (on wasm32) the page.

pub mod engine;
pub mod report;
pub mod scenario;

#[cfg(target_arch = "wasm32")]
pub mod web;
