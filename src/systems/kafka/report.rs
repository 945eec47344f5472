//! What a Kafka run means, as `qp run` prints it: per message its verdict, how many times the
//! group printed it and where its records are (partition, offset); per partition its log as
//! the leader holds it, its leader, ISR and high watermark; per actor its status and terminal;
//! the label, the counts and the summary line in the same words as RabbitMQ's report.
//!
//! Invariant: a pure function of a `KafkaSim` (and its trace); nothing here changes the run.

use super::cluster::TopicPartition;
use super::trace::KafkaTraceEntry;
use super::world::{ActorStatus, KafkaSim};
use crate::engine::checker::{RunLabel, Verdict, VerdictCounts};
use crate::engine::core::Finish;
use crate::engine::ids::*;
use crate::engine::ledger::Place;
use crate::engine::timing::{Timing, TimingReport};
use crate::engine::trace::trace_hash;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct KafkaReport {
    pub scenario: String,
    /// Always "kafka".
    pub system: &'static str,
    pub seed: u64,
    pub engine_version: &'static str,
    pub finish: Option<Finish>,
    pub time_ms: u64,
    pub events: usize,
    pub trace_hash: String,
    pub label: RunLabel,
    pub counts: VerdictCounts,
    pub summary: String,
    pub messages: Vec<KafkaMessageReport>,
    pub partitions: Vec<PartitionReport>,
    pub actors: Vec<KafkaActorReport>,
    /// Throughput and end-to-end latency in simulated time (`engine::timing`).
    pub timing: TimingReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<KafkaTraceEntry>>,
    /// The payloads a producer's program never sent (it ended first), once the run is over
    /// (the outcome line names them; the JSON's counts give how many).
    #[serde(skip)]
    pub never_sent: Vec<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KafkaMessageReport {
    pub id: u32,
    pub producer: String,
    pub data: u32,
    pub verdict: Verdict,
    /// How many times consumers printed it as received.
    pub printed: u32,
    /// Its records: where each is now (`in_log` at a partition and offset, `in_flight`, or
    /// `discarded`).
    pub records: Vec<RecordReport>,
    /// Why a stranded message is unread (the outcome line says it); not in the JSON, whose
    /// causes are the trace's. (The page's table asks the run for the other causes, once per
    /// run: `KafkaSim::verdicts_and_causes`.)
    #[serde(skip)]
    pub stranded_cause: Option<super::trace::Cause>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordReport {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartitionReport {
    /// `topic-N`, as Kafka names a partition.
    pub name: String,
    pub leader: Option<String>,
    pub isr: Vec<String>,
    pub high_watermark: u64,
    /// The payloads of its records in offset order (the leader's log; with no leader, the
    /// first replica's).
    pub log: Vec<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KafkaActorReport {
    pub name: String,
    pub status: ActorStatus,
    pub terminal: Vec<String>,
}

fn broker_name(node: NodeId) -> String {
    format!("kafka@{}", node.0)
}

impl KafkaReport {
    /// Everything about the run so far; `with_trace` includes the full event list.
    pub fn new(sim: &KafkaSim, with_trace: bool) -> KafkaReport {
        let scenario = sim.scenario();
        let ledger = sim.ledger();
        let trace = sim.trace();
        let partition_name = |global: u16| {
            let tp = sim.topic_partition(global);
            format!("{}-{}", scenario.topics.get(usize::from(tp.topic)).map_or("?", |t| t.name.as_str()), tp.partition)
        };
        let printed = sim.printed_counts(trace);
        let mut records: Vec<Vec<RecordReport>> = vec![Vec::new(); ledger.messages.len()];
        for copy in &ledger.copies {
            let report = match copy.place {
                Place::Ready { queue } => RecordReport { state: "in_log", partition: Some(partition_name(queue.0)), offset: Some(copy.extra.offset) },
                Place::Discarded => RecordReport { state: "discarded", partition: Some(partition_name(copy.extra.partition)), offset: copy.extra.appended.then_some(copy.extra.offset) },
                _ => RecordReport { state: "in_flight", partition: Some(partition_name(copy.extra.partition)), offset: None },
            };
            records[copy.message.index()].push(report);
        }
        let judged = sim.verdicts_and_causes_of(|v| v == Verdict::Stranded);
        let verdicts: Vec<Verdict> = judged.iter().map(|&(v, _)| v).collect();
        let messages: Vec<KafkaMessageReport> = ledger
            .messages
            .iter()
            .enumerate()
            .map(|(index, m)| KafkaMessageReport {
                id: index as u32,
                producer: scenario.actors.get(m.producer.index()).map_or(String::new(), |a| a.name().to_string()),
                data: m.data,
                verdict: verdicts[index],
                printed: printed[index],
                records: std::mem::take(&mut records[index]),
                stranded_cause: judged[index].1,
            })
            .collect();
        let mut counts = VerdictCounts::default();
        for &v in &verdicts {
            counts.add(v);
        }
        // Once the run is over, what a producer's program never sent (as the label counts it).
        let never_sent: Vec<u32> = sim.never_sent().into_iter().map(|(_, data)| data).collect();
        counts.never_sent += never_sent.len() as u32;
        let label = sim.label();
        let data: Vec<(u32, Verdict)> = messages.iter().map(|m| (m.data, m.verdict)).collect();
        let partition_count: u16 = scenario.topics.iter().map(|t| t.partitions).sum();
        let partitions = (0..partition_count)
            .map(|global| {
                let tp: TopicPartition = sim.topic_partition(global);
                let state = sim.cluster().partition(tp);
                KafkaPartitionState::of(state).into_report(partition_name(global), sim.log_payloads(global))
            })
            .collect();
        let actors = scenario
            .actors
            .iter()
            .enumerate()
            .map(|(index, spec)| KafkaActorReport {
                name: spec.name().to_string(),
                status: sim.actors()[index].status,
                terminal: sim.terminal(ActorId(index as u16)),
            })
            .collect();
        KafkaReport {
            scenario: scenario.name.clone(),
            system: "kafka",
            // The scenario's seed (`qp run --seed` sets it before the run is built).
            seed: scenario.seed,
            engine_version: crate::report::ENGINE_VERSION,
            finish: sim.finish(),
            time_ms: sim.now_ms(),
            events: sim.events(),
            trace_hash: trace_hash(trace),
            label,
            counts,
            summary: crate::report::summary_of(label, &counts, &data),
            messages,
            partitions,
            actors,
            timing: Timing::of(trace, ledger.messages.len()).named(|a| scenario.actors[a.index()].name().to_string()),
            trace: with_trace.then(|| trace.to_vec()),
            never_sent,
        }
    }
}

/// What a partition's report shows of the cluster's state of it.
struct KafkaPartitionState {
    leader: Option<NodeId>,
    isr: Vec<NodeId>,
    high_watermark: u64,
}

impl KafkaPartitionState {
    fn of(partition: Option<&super::cluster::Partition>) -> KafkaPartitionState {
        match partition {
            Some(p) => {
                let high_watermark = p.leader().and_then(|l| p.replica(l)).map_or(0, |r| r.high_watermark());
                KafkaPartitionState { leader: p.leader(), isr: p.isr().to_vec(), high_watermark }
            }
            None => KafkaPartitionState { leader: None, isr: Vec::new(), high_watermark: 0 },
        }
    }

    fn into_report(self, name: String, log: Vec<u32>) -> PartitionReport {
        PartitionReport { name, leader: self.leader.map(broker_name), isr: self.isr.into_iter().map(broker_name).collect(), high_watermark: self.high_watermark, log }
    }
}
