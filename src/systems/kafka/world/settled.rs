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
                r.position(partition).is_some_and(|p| p <= offset) || r.holds(c)
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

impl KafkaSim {
    /// An out-of-order cause (`order_cause`'s) with the rebalance that explains it, when the
    /// trace shows one: the consumer process got this record's partition only after it had
    /// printed the later record (a takeover), or got both partitions at once with both records
    /// already waiting in the log (a backlog read partition by partition). Else as it was.
    pub(super) fn with_takeover(&self, message: MessageId, cause: Cause) -> Cause {
        let Cause::OtherPartition { partition, later, later_partition, takeover: None } = cause else { return cause };
        let takeover = self.takeover(message, later);
        Cause::OtherPartition { partition, later, later_partition, takeover }
    }

    fn takeover(&self, message: MessageId, later: u32) -> Option<Takeover> {
        let trace = &self.core.trace;
        let ledger = &self.core.ledger;
        let producer = ledger.messages[message.index()].producer;
        let effect_at = trace.iter().position(|e| matches!(e.event, KafkaEvent::EffectApplied { message: m, .. } if m == message))?;
        let KafkaEvent::EffectApplied { actor, .. } = trace[effect_at].event else { return None };
        // The record the consumer had yielded last: its partition (global index).
        let delivered = |before: usize| {
            trace[..before].iter().rposition(|e| matches!(e.event, KafkaEvent::MessageDelivered { actor: a, .. } if a == actor)).and_then(|i| match trace[i].event {
                KafkaEvent::MessageDelivered { partition, copy, .. } => Some((i, partition, copy)),
                _ => None,
            })
        };
        let (delivered_at, partition, copy) = delivered(effect_at)?;
        let assigned = |partition: QueueId, before: usize| {
            trace[..before].iter().rposition(|e| matches!(e.event, KafkaEvent::PartitionAssigned { actor: a, partition: p, .. } if a == actor && p == partition)).and_then(|i| match trace[i].event {
                KafkaEvent::PartitionAssigned { generation, .. } => Some((i, generation)),
                _ => None,
            })
        };
        let (assigned_at, generation) = assigned(partition, delivered_at)?;
        // The process's effect of the later payload, before this one's.
        let started = trace[..effect_at].iter().rposition(|e| matches!(e.event, KafkaEvent::ActorStarted { actor: a } | KafkaEvent::ActorRestarted { actor: a } if a == actor)).unwrap_or(0);
        let later_at = (started..effect_at).rev().find(|&i| match trace[i].event {
            KafkaEvent::EffectApplied { actor: a, message: m, .. } => a == actor && ledger.messages[m.index()].producer == producer && ledger.messages[m.index()].data == later,
            _ => false,
        })?;
        let appended_before = |copy: CopyId, at: usize| trace[..at].iter().any(|e| matches!(e.event, KafkaEvent::RecordAppended { copy: c, .. } if c == copy));
        let late = later_at < assigned_at;
        if !late {
            // Both partitions came in the same assignment, both records already in the log.
            let (_, later_partition, later_copy) = delivered(later_at)?;
            let (_, later_generation) = assigned(later_partition, later_at)?;
            if later_generation != generation || !appended_before(copy, assigned_at) || !appended_before(later_copy, assigned_at) {
                return None;
            }
        }
        // Why the group rebalanced: what happened since it was last stable in another
        // generation (a dead member's session expiring is what it waited for).
        let group = self.coordinator.group(self.setup.consumer(actor)?.group_id.as_str())?.0;
        let since = trace[..assigned_at].iter().rposition(|e| matches!(e.event, KafkaEvent::GroupStabilized { group: g, generation: n, .. } if g == group && n != generation)).unwrap_or(0);
        let mut why = TakeoverWhy::Reason(RebalanceReason::InitialJoin);
        for e in &trace[since..assigned_at] {
            match e.event {
                KafkaEvent::SessionExpired { group: g, member } if g == group => {
                    let dead = trace.iter().find_map(|e| match e.event {
                        KafkaEvent::MemberJoined { actor, group: g, member: m } if g == group && m == member => Some(actor),
                        _ => None,
                    });
                    let session_timeout_ms = dead.and_then(|a| self.setup.consumer(a)).map_or(45_000, |c| c.session_timeout_ms);
                    why = TakeoverWhy::SessionExpired { session_timeout_ms: session_timeout_ms.min(u64::from(u32::MAX)) as u32 };
                    break;
                }
                KafkaEvent::MemberKicked { group: g, .. } if g == group => {
                    why = TakeoverWhy::Kicked;
                    break;
                }
                KafkaEvent::RebalanceStarted { group: g, reason, .. } if g == group => why = TakeoverWhy::Reason(reason),
                _ => {}
            }
        }
        let (from_offset, committed) = trace[assigned_at..delivered_at].iter().rev().find_map(|e| match e.event {
            KafkaEvent::PositionCommitted { actor: a, partition: p, offset } if a == actor && p == partition => Some((offset, true)),
            KafkaEvent::PositionReset { actor: a, partition: p, offset, .. } if a == actor && p == partition => Some((offset, false)),
            _ => None,
        })?;
        Some(Takeover { late, why, from_offset, committed })
    }
}

impl KafkaSim {
    /// Every message's cause, as `verdicts_and_causes` gives them, for the page's table (once
    /// per run): a message processed once needs only its print count, which one pass over the
    /// trace gives for all of them (`cause_with` would count them again per message); only a
    /// bad verdict's cause reads the trace for itself.
    pub fn causes(&self) -> Vec<Option<Cause>> {
        let printed = self.printed_counts(&self.core.trace);
        self.verdicts_and_causes_of(|v| v != Verdict::ProcessedOnce)
            .into_iter()
            .enumerate()
            .map(|(i, (verdict, cause))| match verdict {
                Verdict::ProcessedOnce => {
                    let printed = printed.get(i).copied().unwrap_or(0);
                    let processed = self.core.checker.stats.get(i).map_or(0, |s| s.effects);
                    (printed > processed).then_some(Cause::PrintedNotProcessed { printed })
                }
                _ => cause,
            })
            .collect()
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

    /// k-crash-autocommit with 2 partitions, `consumers` consumers, the crash after the
    /// consumer's `print`-th print, and the chapter's restart or not.
    fn two_partitions(consumers: usize, print: u32, restart: bool) -> KafkaSim {
        let mut scenario = catalog::get("k-crash-autocommit").unwrap();
        scenario.topics[0].partitions = 2;
        if consumers == 2 {
            let KafkaActorSpec::Consumer(mut second) = scenario.actors[1].clone() else { panic!("a consumer") };
            second.name = "consumer2".into();
            scenario.actors.push(KafkaActorSpec::Consumer(second));
        }
        scenario.faults[0].when = serde_json::from_value(serde_json::json!({"after": {"actor": "consumer", "op": "print_received", "occurrence": print}})).unwrap();
        if !restart {
            scenario.faults.truncate(1);
        }
        let mut sim = KafkaSim::new(&scenario).unwrap();
        sim.run_until(crate::engine::Until::Quiescence);
        sim
    }

    fn message(sim: &KafkaSim, data: u32) -> MessageId {
        MessageId(sim.ledger().messages.iter().position(|m| m.data == data).unwrap() as u32)
    }

    #[test]
    fn out_of_order_after_a_takeover_names_the_session_expiry() {
        // consumer (p1) is killed after printing 1; consumer2 (p0) prints 2, 4, 5; 45 s later
        // the dead member's session expires and consumer2 takes p1 over, reading 1, 3, ... from
        // offset 0 (nothing committed there): 3 comes after its own 5.
        let sim = two_partitions(2, 1, false);
        let three = message(&sim, 3);
        assert_eq!(sim.verdict(three), Verdict::OutOfOrder);
        let expected = Takeover { late: true, why: TakeoverWhy::SessionExpired { session_timeout_ms: 45_000 }, from_offset: 0, committed: false };
        assert_eq!(sim.cause(three), Some(Cause::OtherPartition { partition: 1, later: 5, later_partition: 0, takeover: Some(expected) }));
        let text = sim.cause(three).unwrap().text();
        assert!(text.contains("got partition 1 only afterwards") && text.contains("session_timeout_ms = 45 s") && !text.contains("whatever order"), "{text}");
    }

    #[test]
    fn out_of_order_after_a_restart_names_the_backlog_read_at_the_takeover() {
        // One consumer, killed after its 2nd print and restarted at 12 s: its new process gets
        // both partitions only once the old member's session expired, with 0-9 waiting; it
        // reads p0's backlog (0 2 4 6 7) from the committed offset 0 before p1's (1 3 5 8 9).
        for print in [1, 2, 3] {
            let sim = two_partitions(1, print, true);
            let three = message(&sim, 3);
            assert_eq!(sim.verdict(three), Verdict::OutOfOrder, "print {print}");
            let Some(Cause::OtherPartition { partition: 1, later_partition: 0, takeover: Some(t), .. }) = sim.cause(three) else { panic!("{:?}", sim.cause(three)) };
            assert_eq!((t.late, t.why, t.committed), (false, TakeoverWhy::SessionExpired { session_timeout_ms: 45_000 }, true), "print {print}");
            assert!(sim.cause(three).unwrap().text().contains("both were already waiting in the log"));
        }
    }

    #[test]
    fn the_page_causes_are_the_report_causes() {
        let mut runs: Vec<KafkaSim> = Vec::new();
        for name in ["k-workload", "k-crash-autocommit", "k-commit-before", "k-acks1-leader-crash", "k-lost-response-no-idempotence", "k-idempotent-lost-response"] {
            let mut sim = KafkaSim::new(&catalog::get(name).unwrap()).unwrap();
            sim.run_until(crate::engine::Until::Quiescence);
            runs.push(sim);
        }
        runs.push(two_partitions(2, 1, false));
        runs.push(two_partitions(1, 2, true));
        for sim in &runs {
            let expected: Vec<Option<Cause>> = sim.verdicts_and_causes().into_iter().map(|(_, c)| c).collect();
            assert_eq!(sim.causes(), expected, "{}", sim.scenario().name);
        }
    }
}
