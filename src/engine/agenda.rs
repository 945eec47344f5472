//! The agenda: pending jobs, popped in order of time and, at equal times, in the order they
//! were scheduled. Jobs are kept in one FIFO bucket per millisecond: appending to a bucket
//! in scheduling order makes the FIFO order the scheduling order, so no sequence numbers
//! or heap are needed. `now` is the bucket being worked through (from `next` on); `later`
//! holds the buckets of future times, sorted by time.
//!
//! Invariants: every job in `now[next..]` is due at `now_ms`; every key of `later` is
//! greater than `now_ms`, and its bucket is non-empty; `spare` buckets are empty.

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct Agenda<J> {
    now_ms: u64,
    now: Vec<J>,
    /// The first job of `now` not yet popped.
    next: usize,
    /// `(at_ms, bucket)`, sorted by time. Few times are pending at once (the next frame
    /// arrivals, a sleep, a restart), and new ones land near an end, so a binary search and
    /// a short shift do; this is as fast as a `BTreeMap` here and 2 KB less wasm.
    later: VecDeque<(u64, Vec<J>)>,
    /// Emptied buckets, kept for reuse so that time moving on allocates nothing.
    spare: Vec<Vec<J>>,
}

impl<J> Default for Agenda<J> {
    fn default() -> Self {
        Agenda { now_ms: 0, now: Vec::new(), next: 0, later: VecDeque::new(), spare: Vec::new() }
    }
}

/// A bucket that has popped this many jobs drops them, so a busy millisecond holds only
/// what is still pending.
const COMPACT_AFTER: usize = 4096;

impl<J: Copy> Agenda<J> {
    /// Schedule `job` at `at_ms`, after everything already scheduled at that time.
    /// `at_ms` must not be earlier than the time of the last job popped.
    #[inline]
    pub fn push(&mut self, at_ms: u64, job: J) {
        debug_assert!(at_ms >= self.now_ms, "scheduled in the past");
        if at_ms == self.now_ms && self.next < COMPACT_AFTER {
            self.now.push(job);
        } else {
            self.push_slow(at_ms, job);
        }
    }

    #[inline(never)]
    fn push_slow(&mut self, at_ms: u64, job: J) {
        if at_ms == self.now_ms {
            if self.next * 2 >= self.now.len() {
                self.now.drain(..self.next);
                self.next = 0;
            }
            self.now.push(job);
        } else {
            // Most jobs for later are frames, due at the earliest later time, or timeouts, due
            // after everything pending.
            let found = match (self.later.front(), self.later.back()) {
                (Some(&(first, _)), _) if first == at_ms => Ok(0),
                (_, Some(&(last, _))) if last == at_ms => Ok(self.later.len() - 1),
                (_, Some(&(last, _))) if last < at_ms => Err(self.later.len()),
                _ => self.later.binary_search_by_key(&at_ms, |&(t, _)| t),
            };
            match found {
                Ok(found) => self.later[found].1.push(job),
                Err(at) => {
                    let mut bucket = self.spare.pop().unwrap_or_default();
                    bucket.push(job);
                    if at == self.later.len() {
                        self.later.push_back((at_ms, bucket));
                    } else {
                        self.later.insert(at, (at_ms, bucket));
                    }
                }
            }
        }
    }

    /// Whether at most `max` jobs are pending and `only` picks each of them (it stops
    /// looking after `max`, so it costs little however long the agenda).
    pub fn only_few(&self, max: usize, only: impl Fn(&J) -> bool) -> bool {
        let mut seen = 0;
        for job in self.now[self.next..].iter().chain(self.later.iter().flat_map(|(_, bucket)| bucket.iter())) {
            seen += 1;
            if seen > max || !only(job) {
                return false;
            }
        }
        true
    }

    /// Remove the pending jobs due at `at_ms` that `unwanted` picks (a timer that no longer
    /// applies, so that it neither runs nor keeps the run from ending).
    pub fn cancel(&mut self, at_ms: u64, unwanted: impl Fn(&J) -> bool) {
        if at_ms == self.now_ms {
            let mut keep = self.next;
            for i in self.next..self.now.len() {
                if !unwanted(&self.now[i]) {
                    self.now[keep] = self.now[i];
                    keep += 1;
                }
            }
            self.now.truncate(keep);
        } else if let Ok(found) = self.later.binary_search_by_key(&at_ms, |&(t, _)| t) {
            self.later[found].1.retain(|job| !unwanted(job));
            if self.later[found].1.is_empty() {
                let (_, bucket) = self.later.remove(found).expect("found above");
                self.spare.push(bucket);
            }
        }
    }

    /// When the next job is due, if there is one.
    pub fn peek_ms(&self) -> Option<u64> {
        if self.next == self.now.len() {
            self.later.front().map(|&(at_ms, _)| at_ms)
        } else {
            Some(self.now_ms)
        }
    }

    /// Take the next job: `(at_ms, job)`.
    pub fn pop(&mut self) -> Option<(u64, J)> {
        self.pop_due(u64::MAX)
    }

    /// Take the next job, `(at_ms, job)`, if it is due no later than `bound_ms` (else leave it).
    #[inline]
    pub fn pop_due(&mut self, bound_ms: u64) -> Option<(u64, J)> {
        if self.next == self.now.len() && !self.advance(bound_ms) {
            return None;
        }
        if self.now_ms > bound_ms {
            return None;
        }
        let job = self.now[self.next];
        self.next += 1;
        Some((self.now_ms, job))
    }

    /// `now` is empty: make the earliest later bucket `now`, if it is due by `bound_ms`.
    fn advance(&mut self, bound_ms: u64) -> bool {
        match self.later.front() {
            Some(&(at_ms, _)) if at_ms <= bound_ms => {
                let (at_ms, bucket) = self.later.pop_front().expect("checked non-empty");
                let mut emptied = std::mem::replace(&mut self.now, bucket);
                emptied.clear();
                self.spare.push(emptied);
                self.next = 0;
                self.now_ms = at_ms;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(agenda: &mut Agenda<u32>) -> Vec<(u64, u32)> {
        std::iter::from_fn(|| agenda.pop()).collect()
    }

    /// Time first, then the order of scheduling, also for jobs scheduled while popping.
    #[test]
    fn pops_in_time_then_schedule_order() {
        let mut agenda: Agenda<u32> = Agenda::default();
        agenda.push(5, 1);
        agenda.push(3, 2);
        agenda.push(5, 3);
        agenda.push(0, 4);
        agenda.push(5, 5);
        agenda.push(3, 6);
        assert_eq!(agenda.pop(), Some((0, 4)));
        assert_eq!(agenda.pop(), Some((3, 2)));
        agenda.push(3, 7);
        agenda.push(4, 8);
        agenda.push(5, 9);
        assert_eq!(drain(&mut agenda), vec![(3, 6), (3, 7), (4, 8), (5, 1), (5, 3), (5, 5), (5, 9)]);
        assert_eq!(agenda.peek_ms(), None);
    }

    /// A cancelled job neither pops nor keeps its time pending; the rest keep their order.
    #[test]
    fn cancel_removes_only_the_picked_jobs() {
        let mut agenda: Agenda<u32> = Agenda::default();
        agenda.push(0, 1);
        agenda.push(0, 2);
        agenda.push(7, 3);
        agenda.push(9, 4);
        agenda.push(9, 5);
        agenda.cancel(7, |&j| j == 3);
        agenda.cancel(9, |&j| j == 4);
        agenda.cancel(0, |&j| j == 1);
        assert_eq!(drain(&mut agenda), vec![(0, 2), (9, 5)]);
        agenda.push(12, 6);
        agenda.cancel(12, |_| true);
        assert_eq!(agenda.peek_ms(), None, "an emptied time is gone");
    }

    /// A bound leaves later jobs in place; time can then move on past an empty bucket.
    #[test]
    fn pop_due_respects_the_bound() {
        let mut agenda: Agenda<u32> = Agenda::default();
        agenda.push(2, 1);
        agenda.push(9, 2);
        assert_eq!(agenda.pop_due(1), None);
        assert_eq!(agenda.pop_due(2), Some((2, 1)));
        assert_eq!(agenda.pop_due(8), None);
        assert_eq!(agenda.peek_ms(), Some(9));
        // Scheduling at a time between the last pop and the next bucket.
        agenda.push(5, 3);
        assert_eq!(drain(&mut agenda), vec![(5, 3), (9, 2)]);
    }

    /// A long chain of jobs within one millisecond keeps its order across compactions.
    #[test]
    fn a_busy_millisecond_stays_in_order() {
        let mut agenda: Agenda<u32> = Agenda::default();
        agenda.push(0, 0);
        let mut popped = Vec::new();
        while let Some((at_ms, job)) = agenda.pop() {
            assert_eq!(at_ms, 0);
            popped.push(job);
            if job < 10_000 {
                agenda.push(0, job + 1);
                agenda.push(0, job + 20_000);
            }
        }
        let chain: Vec<u32> = popped.iter().copied().filter(|&j| j <= 10_000).collect();
        assert_eq!(chain, (0..=10_000).collect::<Vec<_>>());
        assert_eq!(popped.len(), 20_001);
        assert!(agenda.now.capacity() < 20_000, "popped jobs were dropped");
    }
}
