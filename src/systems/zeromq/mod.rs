//! ZeroMQ (libzmq 4.3.5 through pyzmq 27.3), as `../shared/ground-truth/zeromq.md` describes
//! it: no broker, no acknowledgements, no redelivery. Sockets (PUSH/PULL, PUB/SUB, REQ/REP and
//! the Lazy Pirate client), their pipes and high-water marks, the I/O thread and the TCP
//! buffers between them, bind versus connect, reconnects, LINGER, and the faults that show
//! what ZeroMQ does not do for you (issue 12). Its scenario schema (`scenario`), the pyzmq
//! programs with their line map (`program`), the trace events (`trace`), the world on the
//! core's step loop (`world::ZmqSim`), the report with per-message verdicts and causes
//! (`report::ZmqReport`), and the brokerless diagram's view model (`diagram::ZmqDiagramView`).
//! The page's settings panel changes a chapter through `settings::ZmqSettings`. Nothing the
//! page loads first depends on this module (the ZeroMQ page is its own wasm module).

pub mod diagram;
pub mod program;
pub mod report;
pub mod scenario;
pub mod settings;
pub mod trace;
pub mod world;
