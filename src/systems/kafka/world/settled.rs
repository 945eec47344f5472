//! Verdicts and causes that are settled before the run ends (kept out of `world.rs`, which is
//! the interpreter): a record no consumer of its group will ever read again is lost from the
//! step it became so, not only at the end; and the causes that name, from the trace, which
//! mechanism did it (a producer's retry or its restart; a partition taken over after a
//! rebalance).
//!
//! Invariant: nothing here changes the run; every function reads the world as it is.

use super::*;

impl KafkaSim {
    /// Whether group `group` will never read `message`'s records (`copies`) again, mid-run:
    /// each live record is in a log (none on its way, and the producer is not about to send it
    /// again), the group's committed offset for its partition is past it, and no running
    /// consumer of the group will still get to it (none is positioned at or before it, none
    /// holds it fetched or in its loop body). A consumer that starts or rejoins later begins at
    /// the committed offset, so the record is behind every reader the group will have.
    pub(super) fn never_read_again(&self, message: MessageId, copies: &[CopyId], group: &str) -> bool {
        if self.core.checker.stats.get(message.index()).is_some_and(|s| s.held_by_producer) {
            return false;
        }
        let Some(key) = self.coordinator.group(group) else { return false };
        let mut any = false;
        for &c in copies {
            let copy = self.core.ledger.copy(c);
            if !copy.place.is_live() {
                continue;
            }
            let Place::Ready { queue } = copy.place else { return false };
            let (partition, offset) = (queue.0, u64::from(copy.extra.offset));
            let tp = self.topic_partition(partition);
            let behind = match self.coordinator.committed(key, tp) {
                Some(committed) => committed > offset,
                // Nothing committed: a consumer that takes the partition over starts where
                // `auto_offset_reset` says. 'latest' is the high watermark (past the record
                // once it is below it), 'none' raises; 'earliest' reads it.
                None => {
                    let resets_past = self.setup.scenario.actors.iter().all(|a| match a {
                        KafkaActorSpec::Consumer(c) if c.group_id == group => c.auto_offset_reset != OffsetReset::Earliest,
                        _ => true,
                    });
                    resets_past && self.cluster.high_watermark(tp).is_ok_and(|hw| hw > offset)
                }
            };
            if !behind {
                return false;
            }
            let will_read = self.actors.iter().filter(|r| r.status == ActorStatus::Running && r.group == Some(key)).any(|r| {
                r.position(partition).is_some_and(|p| p <= offset) || r.current.is_some_and(|f| f.copy == c) || r.buffer.iter().any(|f| f.copy == c)
            });
            if will_read {
                return false;
            }
            any = true;
        }
        any
    }
}

impl KafkaSim {
    /// How `message` came to be stored again, from the trace: what happened between the
    /// publish of its first record that was appended and the next one that was (its producer
    /// restarted, or a produce of it failed and was retried), or a request the network
    /// delivered twice.
    pub(super) fn resent_by(&self, message: MessageId) -> Resent {
        let ledger = &self.core.ledger;
        let appended = |c: CopyId| ledger.copies.get(c.index()).is_some_and(|r| r.extra.appended && r.message == message);
        let producer = ledger.messages[message.index()].producer;
        let idempotent = self.producer_spec(producer).is_some_and(|p| p.enable_idempotence);
        let (mut stored, mut restarted, mut failed) = (false, false, None);
        for e in &self.core.trace {
            match e.event {
                KafkaEvent::ActorRestarted { actor } if actor == producer => restarted = true,
                KafkaEvent::ProduceFailed { message: m, error, retry_in_ms: Some(_), .. } if m == message => failed = Some(error),
                KafkaEvent::MessageDuplicated { copy, from } if appended(copy) && appended(from) => return Resent::NetworkDuplicate,
                KafkaEvent::MessagePublished { message: m, copy, .. } if m == message => {
                    if appended(copy) {
                        if stored && restarted {
                            return Resent::Restart;
                        }
                        if stored {
                            if let Some(error) = failed {
                                return Resent::Retry { timed_out: error == ClientError::RequestTimedOut, idempotent };
                            }
                        }
                        stored = true;
                    }
                    restarted = false;
                    failed = None;
                }
                _ => {}
            }
        }
        // Not found in the trace (it cannot be: a second record comes from one of these).
        Resent::Retry { timed_out: false, idempotent }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::kafka::scenario::catalog;

    /// Steps `scenario` to its end; per step, the verdict and cause of the message with
    /// payload `data`, and whether `actor` is down.
    fn walk(scenario: &KafkaScenario, data: u32, actor: &str) -> Vec<(Verdict, Option<Cause>, bool)> {
        let mut sim = KafkaSim::new(scenario).expect("runs");
        let actor = sim.actor_id(actor).expect("actor");
        let mut seen = Vec::new();
        while sim.step() {
            let message = sim.ledger().messages.iter().position(|m| m.data == data).map(|i| MessageId(i as u32));
            let Some(message) = message else { continue };
            let down = matches!(sim.actors()[actor.index()].status, ActorStatus::Crashed | ActorStatus::Stopped);
            seen.push((sim.verdict(message), sim.cause(message), down));
        }
        seen
    }

    #[test]
    fn commit_before_processing_is_lost_from_the_crash_on() {
        // k2c: the consumer commits 4, prints 3, is killed while processing it; its
        // replacement starts at 4. From the crash on, 3 is lost (no reader gets to it), with
        // its cause; before, it is pending.
        let scenario = catalog::get("k-commit-before").unwrap();
        let seen = walk(&scenario, 3, "consumer");
        let crash = seen.iter().position(|s| s.2).expect("the consumer crashes");
        assert!(seen[..crash].iter().all(|s| s.0 == Verdict::Pending), "pending before the crash: {:?}", &seen[..crash]);
        for (verdict, cause, _) in &seen[crash..] {
            assert_eq!(*verdict, Verdict::Lost);
            assert!(matches!(cause, Some(Cause::ReceivedNotProcessed { offset: 3, printed: 1, by_close: false, stopped: false, .. })), "{cause:?}");
        }
    }

    #[test]
    fn a_record_the_committed_offset_is_not_past_stays_pending() {
        // The same crash with commit after processing (k2a): the committed offset is 3, the
        // replacement reads 3 again, so it is never lost.
        let mut scenario = catalog::get("k-commit-before").unwrap();
        scenario.faults[0].when = serde_json::from_value(serde_json::json!({"after": {"actor": "consumer", "op": "print_received", "occurrence": 4}})).unwrap();
        for actor in &mut scenario.actors {
            if let KafkaActorSpec::Consumer(c) = actor {
                c.commit = CommitMode::AfterProcessing;
            }
        }
        let seen = walk(&scenario, 3, "consumer");
        assert!(seen.iter().any(|s| s.2), "the consumer crashes");
        assert!(seen.iter().all(|s| s.0 != Verdict::Lost), "{seen:?}");
        assert_eq!(seen.last().map(|s| s.0), Some(Verdict::Redelivered));
        // Auto-commit (k1a): the committed offset is 0; nothing is ever lost.
        let scenario = catalog::get("k-crash-autocommit").unwrap();
        for data in 0..10 {
            assert!(walk(&scenario, data, "consumer").iter().all(|s| s.0 != Verdict::Lost), "{data}");
        }
    }

    #[test]
    fn a_restarted_producer_is_named_as_the_resend() {
        // The workload with its producer crashed after its 4th print and started again at
        // 20 s: the new process sends 0-3 again, each stored twice by the restart.
        let mut scenario = catalog::get("k-workload").unwrap();
        scenario.faults = serde_json::from_value(serde_json::json!([
            {"when": {"after": {"actor": "producer", "op": "print_sent", "occurrence": 4}}, "do": {"crash": "producer"}},
            {"when": {"at_ms": 20000}, "do": {"restart": "producer"}}
        ]))
        .unwrap();
        let mut sim = KafkaSim::new(&scenario).unwrap();
        sim.run_until(crate::engine::Until::Quiescence);
        let zero = MessageId(0);
        assert_eq!(sim.verdict(zero), Verdict::Duplicated);
        assert_eq!(sim.cause(zero), Some(Cause::StoredTwice { copies: 2, by: Resent::Restart }));
        assert!(Cause::StoredTwice { copies: 2, by: Resent::Restart }.text().contains("the producer was restarted"));
    }
}
