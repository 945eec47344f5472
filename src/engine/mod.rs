//! The engine's core: a pure, deterministic world every system runs on. No clock, no I/O, no
//! web crates, and nothing of any system (a tidy test keeps it so): time and the agenda
//! (`agenda`, `core`), what work costs (`costs`), seeded random streams (`rng`), the network's latency and cuts
//! (`network`), where every copy is (`ledger`), the trace and the facts verdicts are made of
//! (`trace`), the checker that makes them (`checker`), and the run's throughput and latency
//! (`timing`). Systems (`crate::systems`) bring
//! their brokers, clients and events and plug in through `core::System`.

pub mod agenda;
pub mod checker;
pub mod core;
pub mod costs;
pub mod ids;
pub mod ledger;
pub mod network;
pub mod rng;
pub mod sort;
pub mod timing;
pub mod trace;

pub use self::core::{Finish, Until};
pub use checker::{RunLabel, Verdict, VerdictCounts};
