//! The message systems the playground models, one folder each. A system brings its broker
//! model, its client operations and their interpreter, its generated code and its part of the
//! scenario schema. The core (`crate::engine`) never names a system.

pub mod kafka;
pub mod python;
pub mod rabbitmq;
pub mod zeromq;
