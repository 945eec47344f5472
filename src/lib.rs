//! Queue Playground: a deterministic message-queue simulator with RabbitMQ semantics, the
//! RabbitMQ tutorial's programs, fault injection and a checker, plus (on wasm32) the page.

pub mod embed;
pub mod engine;
pub mod export;
pub mod faults;
pub mod i18n;
pub mod cross;
pub mod three_systems;
pub mod kafka_text;
pub mod zeromq_text;
pub mod report;
pub mod session;
pub mod share;
pub mod sweep;
pub mod systems;
pub mod tour;
pub mod view;
pub mod scenario;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;
