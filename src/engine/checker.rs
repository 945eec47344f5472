//! The checker: an observer of the trace that decides, at any step, a verdict per message
//! (Jepsen's vocabulary) and a label for the run. It never changes the world.
//!
//! Invariants: it sees every event exactly once, in trace order; its counts only grow; a
//! verdict is a function of the events seen so far and the ledger's live copies.

use super::ids::*;
use super::ledger::Ledger;
use super::trace::{Fact, TraceEvent};
use serde::Serialize;

/// The verdict of one message at this step, the worst that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Published and never processed, and no copy is left anywhere to process.
    Lost,
    /// Its effect was applied more than once.
    Duplicated,
    /// It sits in (or ended in) a dead-letter queue without being processed.
    DeadLettered,
    /// Its TTL ran out before anyone processed it.
    Expired,
    /// Processed once, after a later message of the same producer.
    OutOfOrder,
    /// Processed once, after at least one redelivery.
    Redelivered,
    ProcessedOnce,
    /// The run is over and it is still queued or unacked: nobody is left to consume it.
    Stranded,
    /// The run is over and its producer never published it: the program died first.
    NeverSent,
    /// Still on its way (in flight, queued, or at a consumer).
    Pending,
}

impl Verdict {
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Verdict::Lost | Verdict::Duplicated | Verdict::DeadLettered | Verdict::Expired | Verdict::OutOfOrder | Verdict::Stranded | Verdict::NeverSent
        )
    }
}

/// How the run behaved as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunLabel {
    /// Nothing lost, no effect applied twice.
    EffectivelyOnce,
    /// Nothing lost, some effects applied twice.
    AtLeastOnce,
    /// Some messages lost, no effect applied twice.
    AtMostOnce,
    /// Messages both lost and duplicated.
    NoGuarantee,
    /// Nothing lost, but not every message was processed: some were never sent, are stranded
    /// in a queue, were dead-lettered, or the run stopped at a limit (duplicates may also have
    /// happened: "at least once" would be untrue of the messages never processed).
    Incomplete,
    /// The run is not over and nothing has gone wrong so far: no guarantee is claimed yet.
    InProgress,
}

/// What the checker knows of one message.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct MessageStats {
    pub published: bool,
    pub effects: u32,
    pub completions: u32,
    pub deliveries: u32,
    pub redelivered: bool,
    pub dead_lettered: bool,
    pub expired: bool,
    pub out_of_order: bool,
    /// A producer holds it for a retry (it will publish it again).
    pub held_by_producer: bool,
    /// Index of the trace event that last destroyed one of its copies.
    pub last_discard: Option<u32>,
    /// One of its copies was acknowledged: by a consumer's ack, or by an auto_ack delivery.
    pub acked: bool,
    /// A quorum queue dropped one of its copies at `x-delivery-limit` (no dead-letter exchange).
    pub dropped_at_limit: bool,
    /// A quorum queue dead-lettered one of its copies at `x-delivery-limit`.
    pub dead_lettered_at_limit: bool,
    /// Index of the trace event that said it will never be published (`Fact::Unpublished`).
    pub unpublished: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct Checker {
    pub stats: Vec<MessageStats>,
    /// Per producer: the highest payload processed so far.
    highest_processed: Vec<Option<u32>>,
}

impl MessageStats {
    /// Whether the message has a verdict: it was published, or it exists outside the system
    /// and will never be (an order committed, then its producer went down).
    pub fn judged(&self) -> bool {
        self.published || self.unpublished.is_some()
    }
}

impl RunLabel {
    /// The label as written everywhere (`effectively-once`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RunLabel::EffectivelyOnce => "effectively-once",
            RunLabel::AtLeastOnce => "at-least-once",
            RunLabel::AtMostOnce => "at-most-once",
            RunLabel::NoGuarantee => "no-guarantee",
            RunLabel::Incomplete => "incomplete",
            RunLabel::InProgress => "in-progress",
        }
    }
}

impl Checker {
    fn stats_mut(&mut self, message: MessageId) -> &mut MessageStats {
        if self.stats.len() <= message.index() {
            self.stats.resize(message.index() + 1, MessageStats::default());
        }
        &mut self.stats[message.index()]
    }

    /// See one event (the `index`-th of the trace). Most events say nothing about verdicts;
    /// they cost one match here.
    #[inline]
    pub fn observe<E: TraceEvent, X>(&mut self, index: u32, event: &E, ledger: &Ledger<X>) {
        // Only the discriminant is looked at here (the compiler folds `fact().is_some()` to a
        // bit test); the fact itself is built out of line, for the few events that have one.
        if event.fact().is_some() {
            self.observe_event(index, event, ledger);
        }
    }

    #[inline(never)]
    fn observe_event<E: TraceEvent, X>(&mut self, index: u32, event: &E, ledger: &Ledger<X>) {
        if let Some(fact) = event.fact() {
            self.observe_fact(index, fact, ledger);
        }
    }

    #[inline(always)]
    fn observe_fact<X>(&mut self, index: u32, fact: Fact, ledger: &Ledger<X>) {
        match fact {
            Fact::Published { message } => {
                let s = self.stats_mut(message);
                s.published = true;
                s.held_by_producer = false;
            }
            // A caller's answer bears on its wait (`timing`), not on what became of the message.
            Fact::Answered { .. } => {}
            Fact::Arrived { message } => {
                let s = self.stats_mut(message);
                s.published = true;
                s.held_by_producer = true;
            }
            Fact::SendFailed { message, retry } => {
                self.stats_mut(message).held_by_producer = retry;
            }
            Fact::Delivered { copy, redelivered, acked } => {
                let s = self.stats_mut(ledger.message_of(copy));
                s.deliveries = s.deliveries.saturating_add(1);
                s.redelivered |= redelivered;
                s.acked |= acked;
            }
            Fact::EffectApplied { message } => {
                // Processed means the effect applied: order is judged at the first one.
                if self.stats_mut(message).effects == 0 {
                    let record = ledger.messages[message.index()];
                    let producer = record.producer.index();
                    if self.highest_processed.len() <= producer {
                        self.highest_processed.resize(producer + 1, None);
                    }
                    let highest = &mut self.highest_processed[producer];
                    let out_of_order = highest.is_some_and(|h| h > record.data);
                    *highest = Some(highest.map_or(record.data, |h| h.max(record.data)));
                    self.stats_mut(message).out_of_order = out_of_order;
                }
                let s = self.stats_mut(message);
                s.effects = s.effects.saturating_add(1);
            }
            Fact::Completed { copy } => {
                let s = self.stats_mut(ledger.message_of(copy));
                s.completions = s.completions.saturating_add(1);
            }
            Fact::SetAside { copy, at_limit } => {
                let s = self.stats_mut(ledger.message_of(copy));
                s.dead_lettered = true;
                s.dead_lettered_at_limit |= at_limit;
            }
            Fact::Discarded { copy, expired, at_limit } => {
                let s = self.stats_mut(ledger.message_of(copy));
                s.last_discard = Some(index);
                s.expired |= expired;
                s.dropped_at_limit |= at_limit;
            }
            Fact::Acked { copy } => {
                self.stats_mut(ledger.message_of(copy)).acked = true;
            }
            Fact::Unpublished { message } => {
                self.stats_mut(message).unpublished = Some(index);
            }
        }
    }

    /// The verdict of a message now. A message a quorum queue gave up on at its
    /// `x-delivery-limit`, none of whose deliveries was acknowledged, is dead-lettered (or,
    /// with no copy left, lost) whatever its callbacks printed on the way: a print before a
    /// crash is not the message processed twice, and the run must not read "at-least-once".
    pub fn verdict<X>(&self, message: MessageId, ledger: &Ledger<X>) -> Verdict {
        let Some(s) = self.stats.get(message.index()) else { return Verdict::Pending };
        let live = ledger.messages[message.index()].live_copies > 0 || s.held_by_producer;
        if !s.acked && s.dead_lettered_at_limit {
            Verdict::DeadLettered
        } else if !s.acked && s.dropped_at_limit && !live {
            Verdict::Lost
        } else if s.effects == 0 && s.dead_lettered {
            Verdict::DeadLettered
        } else if s.effects > 1 {
            Verdict::Duplicated
        } else if s.effects == 1 {
            if s.out_of_order {
                Verdict::OutOfOrder
            } else if s.redelivered {
                Verdict::Redelivered
            } else {
                Verdict::ProcessedOnce
            }
        } else if live {
            Verdict::Pending
        } else if s.expired {
            Verdict::Expired
        } else {
            Verdict::Lost
        }
    }

    /// The run's label from its verdict counts; `ended` once the run is over (then a
    /// message still pending, because a limit stopped the run, makes it incomplete). A
    /// guarantee (effectively-once) is only claimed for a run that is over; a failure
    /// (lost, duplicated) is shown as soon as it happens.
    /// Expired messages are gone unprocessed, as lost ones are.
    pub fn label(counts: &VerdictCounts, ended: bool) -> RunLabel {
        let gone = counts.lost + counts.expired > 0;
        let unfinished = counts.stranded + counts.never_sent + counts.dead_lettered > 0 || (ended && counts.pending > 0);
        match (gone, counts.duplicated > 0) {
            (false, _) if unfinished => RunLabel::Incomplete,
            (false, false) if !ended => RunLabel::InProgress,
            (false, false) => RunLabel::EffectivelyOnce,
            (false, true) => RunLabel::AtLeastOnce,
            (true, false) => RunLabel::AtMostOnce,
            (true, true) => RunLabel::NoGuarantee,
        }
    }
}

/// How many messages have each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub published: u32,
    pub processed_once: u32,
    pub redelivered: u32,
    pub out_of_order: u32,
    pub duplicated: u32,
    pub lost: u32,
    pub dead_lettered: u32,
    pub expired: u32,
    pub stranded: u32,
    pub never_sent: u32,
    pub pending: u32,
}

impl VerdictCounts {
    pub fn add(&mut self, verdict: Verdict) {
        self.add_unpublished(verdict);
        // A message never sent was never published; every other one was.
        if verdict != Verdict::NeverSent {
            self.published += 1;
        }
    }

    /// Count the verdict of a message that was never published (`MessageStats::judged`
    /// says which have one).
    pub fn add_unpublished(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Lost => self.lost += 1,
            Verdict::Duplicated => self.duplicated += 1,
            Verdict::DeadLettered => self.dead_lettered += 1,
            Verdict::Expired => self.expired += 1,
            Verdict::OutOfOrder => self.out_of_order += 1,
            Verdict::Redelivered => self.redelivered += 1,
            Verdict::ProcessedOnce => self.processed_once += 1,
            Verdict::Stranded => self.stranded += 1,
            Verdict::NeverSent => self.never_sent += 1,
            Verdict::Pending => self.pending += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RunLabel;

    #[test]
    fn label_names_are_their_serialized_names() {
        for label in [RunLabel::EffectivelyOnce, RunLabel::AtLeastOnce, RunLabel::AtMostOnce, RunLabel::NoGuarantee, RunLabel::Incomplete, RunLabel::InProgress] {
            assert_eq!(serde_json::to_value(label).unwrap(), label.name());
        }
    }
}
