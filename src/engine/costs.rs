//! What work costs in simulated time (issue 11): the network stack's time per frame, a
//! client's work per publish and per delivery, a broker node's work per frame and per
//! persistent message, and a disk sync with group commit. Integers, in microseconds.
//!
//! All zero (`Costs::FREE`, the default) is the model the tutorial's chapters are written in:
//! nothing takes time but the network's latency (`network.latency_ms`) and the programs' own
//! sleeps and work. `Costs::MEASURED` is fitted to a real RabbitMQ on loopback
//! (`tests/calibration/real-rabbitmq.json`, `tests/calibration.rs`): the engine reproduces the
//! ratios between settings that the real broker shows (prefetch, persistence, confirms,
//! consumers), which is what a learner takes away; absolute figures differ by machine.
//!
//! Kafka runs charge the same costs (a Kafka scenario's `costs`; what each pays for there is in
//! `systems::kafka::world`'s module doc), except `fsync_us`: Kafka does not sync its log per
//! message (`flush.messages` is unlimited by default; durability comes from replication), so no
//! Kafka answer waits for a disk. There is no real Kafka on these machines to fit them to: a
//! Kafka run uses the figures fitted to RabbitMQ.
//!
//! Invariants: the broker works on one connection's frames one at a time, in arrival order
//! (`Server`); a sync covers
//! exactly the messages written before it started, and syncs run one after another
//! (`Disk`); costs only delay, never reorder what one connection carries (TCP order).

use serde::{Deserialize, Serialize};

/// The costs of a run, in microseconds. A scenario's `costs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    /// The network stacks' time per frame, one way (system calls, wake-ups), added to the
    /// link's latency (`network.latency_ms`).
    pub network_us: u64,
    /// A producer's work per publish (the client builds and writes the frames; with
    /// confirms, it also reads the confirm).
    pub publish_us: u64,
    /// A consumer's work per delivery besides its callback's own work (the client reads and
    /// dispatches it, and writes the ack).
    pub deliver_us: u64,
    /// The broker's work per frame it takes in (a publish routed and queued, an ack). The
    /// broker works on one connection's frames one at a time, in order (RabbitMQ's process
    /// per connection and channel); different connections' frames do not wait for each other.
    pub broker_us: u64,
    /// The broker's extra work per persistent message (written to its message store), on the
    /// publishing connection's time. In Kafka every record is written to its partition's log:
    /// each costs it.
    pub persist_us: u64,
    /// One disk sync. A persistent message is confirmed once a sync that started after it was
    /// written has ended; one sync covers every message written before it started (group
    /// commit), and a sync starts as soon as a message waits and the disk is free. Kafka runs
    /// never charge it (Kafka does not sync per message: `flush.messages` is unlimited).
    pub fsync_us: u64,
}

impl Costs {
    /// Nothing costs anything (the tutorial's chapters).
    pub const FREE: Costs = Costs { network_us: 0, publish_us: 0, deliver_us: 0, broker_us: 0, persist_us: 0, fsync_us: 0 };

    /// Fitted to RabbitMQ 3.10.8 with pika 1.3.2 on loopback, on this project's machine
    /// (2 cores; `scripts/calibrate.py`, `tests/calibration.rs` pins the ratios).
    pub const MEASURED: Costs = Costs { network_us: 90, publish_us: 30, deliver_us: 80, broker_us: 10, persist_us: 90, fsync_us: 200 };

    pub fn is_free(&self) -> bool {
        *self == Costs::FREE
    }
}

/// One worker taking jobs one at a time, in the order they come (a connection's process on
/// the broker).
#[derive(Clone, Copy, Debug, Default)]
pub struct Server {
    busy_until_us: u64,
}

impl Server {
    /// A job that came at `now_us` and takes `work_us`: when it is done.
    pub fn take(&mut self, now_us: u64, work_us: u64) -> u64 {
        let done = self.busy_until_us.max(now_us).saturating_add(work_us);
        self.busy_until_us = done;
        done
    }

}

/// A disk whose syncs are grouped: each sync covers what was written before it started.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk {
    /// The end of the sync running (or last run).
    sync_end_us: u64,
    /// The end of the sync that starts when the running one ends, if a message waits for it.
    next_end_us: Option<u64>,
}

impl Disk {
    /// A message written at `now_us` waits for a sync: when the sync that covers it ends.
    pub fn synced_at(&mut self, now_us: u64, fsync_us: u64) -> u64 {
        if let Some(next) = self.next_end_us {
            if now_us >= self.sync_end_us {
                // The waiting sync started when the last one ended.
                self.sync_end_us = next;
                self.next_end_us = None;
            }
        }
        if now_us >= self.sync_end_us {
            // The disk is free: a sync starts now.
            self.sync_end_us = now_us.saturating_add(fsync_us);
            return self.sync_end_us;
        }
        // A sync is running, started before this write: the next one covers it.
        *self.next_end_us.get_or_insert(self.sync_end_us.saturating_add(fsync_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_takes_one_job_at_a_time_in_order() {
        let mut server = Server::default();
        assert_eq!(server.take(100, 10), 110);
        assert_eq!(server.take(105, 10), 120, "waits for the first");
        assert_eq!(server.take(200, 10), 210, "idle again");
        assert_eq!(server.take(205, 0), 210, "nothing to do, but after what came before");
    }

    #[test]
    fn syncs_are_grouped() {
        let mut disk = Disk::default();
        // The first write starts a sync at once.
        assert_eq!(disk.synced_at(1_000, 450), 1_450);
        // Writes during it wait for the next, which starts when it ends; all share it.
        assert_eq!(disk.synced_at(1_100, 450), 1_900);
        assert_eq!(disk.synced_at(1_449, 450), 1_900);
        // A write while that one runs waits for the one after.
        assert_eq!(disk.synced_at(1_500, 450), 2_350);
        // An idle disk syncs at once.
        assert_eq!(disk.synced_at(5_000, 450), 5_450);
    }
}
