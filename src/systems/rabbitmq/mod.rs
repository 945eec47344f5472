//! RabbitMQ 3.10 with pika 1.3 clients: the broker model (`broker`), the pika programs and
//! their line map (`program`), what a scenario resolves to (`setup`), the interpreter that
//! runs the programs against the broker over the network (`world`), its trace events
//! (`trace`) and the AMQP headers a consumer sees (`headers`).

pub mod broker;
pub mod headers;
pub mod program;
pub mod setup;
pub mod trace;
pub mod world;

pub use world::Sim;
