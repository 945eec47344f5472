//! The engine: a pure, deterministic message-queue world. No clock, no I/O, no web crates.
//! `world::Sim` is the entry point; the UI, the CLI and the tests only drive it.

pub mod agenda;
pub mod broker;
pub mod checker;
pub mod headers;
pub mod ids;
pub mod ledger;
pub mod network;
pub mod program;
pub mod rng;
pub mod setup;
pub mod trace;
pub mod world;

pub use checker::{RunLabel, Verdict, VerdictCounts};
pub use world::{Finish, Sim, Until};
