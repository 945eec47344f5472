//! Apache Kafka (brokers 4.x, kafka-python 3.x clients), as `../shared/ground-truth/kafka.md`
//! describes it. Being built (issue 10): the cluster model (partitions as logs, replication,
//! ISR, leader election), the group coordinator, the partitioner, and the kafka-python
//! programs with their line map, their trace events (`trace`) and the world that runs them on
//! the core's step loop (`world::KafkaSim`).

pub mod cluster;
pub mod diagram;
pub mod group;
pub mod order;
pub mod partitioner;
pub mod program;
pub mod report;
pub mod scenario;
pub mod settings;
pub mod trace;
pub mod world;
