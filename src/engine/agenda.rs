//! The agenda: pending jobs, popped in order of time and, at equal times, in the order they
//! were scheduled. Times are in microseconds. Jobs are kept in one bucket per millisecond,
//! each job with its microseconds past the millisecond, and a bucket is kept sorted by them,
//! equal ones in scheduling order (a job goes after every job of its time or earlier): most
//! jobs land at whole milliseconds or after everything in their bucket, so keeping the order
//! is an append, and no sequence numbers or heap are needed. `now` is the bucket being worked
//! through (from `next` on); the buckets of the next `RING - 1` milliseconds are in `ring` (the
//! bucket of millisecond `t` at `t % RING`, with a bit per non-empty slot in `occupied`): the
//! frames and short timers that make most of the traffic go there without a search; `far`
//! holds the buckets of later milliseconds, sorted latest first (the next one due is the last:
//! it pops off the end, and the timers scheduled and cancelled at the far end, a request's
//! timeout, are found and moved in a few steps).
//!
//! Invariants: every bucket is sorted by its jobs' microseconds, and jobs of one time are in
//! scheduling order; every job in `now[next..]` is due in millisecond `now_ms`, and none
//! earlier than the last job popped; a non-empty `ring` slot holds the jobs of the one
//! millisecond `t` with `now_ms < t < now_ms + RING` and `t % RING` its index, and its bit is set
//! in `occupied` (a clear bit: an empty slot); every key of `far` is at least `now_ms + RING`,
//! and its bucket is non-empty; `spare` buckets are empty. A millisecond's jobs move from `far`
//! to `ring` (whole buckets, when time moves on) before any job is pushed to its ring slot, so
//! a bucket stays in order.

/// The ring's size in milliseconds (a bit of a `u64` per slot).
const RING: u64 = 64;

/// Microseconds in a millisecond.
const US: u64 = 1000;

/// A job with its microseconds past its bucket's millisecond.
type Entry<J> = (u16, J);
type Bucket<J> = Vec<Entry<J>>;

#[derive(Clone, Debug)]
pub struct Agenda<J> {
    now_ms: u64,
    now: Bucket<J>,
    /// The first job of `now` not yet popped.
    next: usize,
    /// The buckets of the milliseconds just after `now_ms` (empty until first used).
    ring: Vec<Bucket<J>>,
    /// Bit `i`: `ring[i]` is not empty.
    occupied: u64,
    /// `(ms, bucket)`, sorted by time, latest first: the milliseconds from `now_ms + RING` on.
    /// Few are pending at once (timeouts, a sleep, a restart), and new ones land near the
    /// latest, so a short look from that end and a short shift do.
    far: Vec<(u64, Bucket<J>)>,
    /// Emptied buckets, kept for reuse so that time moving on allocates nothing.
    spare: Vec<Bucket<J>>,
}

impl<J> Default for Agenda<J> {
    fn default() -> Self {
        Agenda { now_ms: 0, now: Vec::new(), next: 0, ring: Vec::new(), occupied: 0, far: Vec::new(), spare: Vec::new() }
    }
}

/// A bucket that has popped this many jobs drops them, so a busy millisecond holds only
/// what is still pending.
const COMPACT_AFTER: usize = 4096;

/// The ring slot of a millisecond.
#[inline]
fn slot_of(ms: u64) -> usize {
    (ms % RING) as usize
}

/// A time as its millisecond and the microseconds past it.
#[inline(always)]
fn split(at_us: u64) -> (u64, u16) {
    (at_us / US, (at_us % US) as u16)
}

/// Put `job` into `bucket` after every job due at `micros` or earlier: an append unless it
/// comes before the last (out of line: rare, only with costs).
#[inline(always)]
fn insert<J>(bucket: &mut Bucket<J>, micros: u16, job: J) {
    match bucket.last() {
        Some(&(last, _)) if last > micros => insert_before_last(bucket, micros, job),
        _ => bucket.push((micros, job)),
    }
}

#[inline(never)]
fn insert_before_last<J>(bucket: &mut Bucket<J>, micros: u16, job: J) {
    let at = bucket.partition_point(|&(m, _)| m <= micros);
    bucket.insert(at, (micros, job));
}

impl<J: Copy> Agenda<J> {
    /// Schedule `job` at `at_us`, after everything already scheduled at that time.
    /// `at_us` must not be earlier than the time of the last job popped.
    #[inline(always)]
    pub fn push(&mut self, at_us: u64, job: J) {
        let (at_ms, micros) = split(at_us);
        debug_assert!(at_ms >= self.now_ms, "scheduled in the past");
        if at_ms == self.now_ms && self.next < COMPACT_AFTER {
            insert(&mut self.now, micros, job);
        } else if at_ms > self.now_ms && at_ms - self.now_ms < RING && !self.ring.is_empty() {
            let slot = slot_of(at_ms);
            insert(&mut self.ring[slot], micros, job);
            self.occupied |= 1 << slot;
        } else {
            self.push_slow(at_ms, micros, job);
        }
    }

    #[inline(never)]
    fn push_slow(&mut self, at_ms: u64, micros: u16, job: J) {
        if at_ms == self.now_ms {
            if self.next * 2 >= self.now.len() {
                self.now.drain(..self.next);
                self.next = 0;
            }
            insert(&mut self.now, micros, job);
        } else if at_ms - self.now_ms < RING {
            if self.ring.is_empty() {
                self.ring = (0..RING).map(|_| Vec::new()).collect();
            }
            let slot = slot_of(at_ms);
            insert(&mut self.ring[slot], micros, job);
            self.occupied |= 1 << slot;
        } else {
            match self.far_find(at_ms) {
                Ok(found) => insert(&mut self.far[found].1, micros, job),
                Err(at) => {
                    let mut bucket = self.spare.pop().unwrap_or_default();
                    bucket.push((micros, job));
                    self.far.insert(at, (at_ms, bucket));
                }
            }
        }
    }

    /// Where `at_ms`'s bucket is in `far` (`Ok`), or where it would go (`Err`). Most far jobs
    /// are timeouts due after nearly everything pending: the latest few are looked at first.
    #[inline]
    fn far_find(&self, at_ms: u64) -> Result<usize, usize> {
        for (i, &(t, _)) in self.far.iter().enumerate().take(8) {
            if t <= at_ms {
                return if t == at_ms { Ok(i) } else { Err(i) };
            }
        }
        // Latest first: a bucket later than `at_ms` comes before it.
        self.far.binary_search_by(|&(t, _)| at_ms.cmp(&t))
    }

    /// The earliest millisecond with jobs in the ring, if any.
    #[inline]
    fn ring_first_ms(&self) -> Option<u64> {
        if self.occupied == 0 {
            return None;
        }
        // The slots in time order start at the one of `now_ms + 1`.
        let start = slot_of(self.now_ms + 1) as u32;
        Some(self.now_ms + 1 + u64::from(self.occupied.rotate_right(start).trailing_zeros()))
    }

    /// Whether at most `max` jobs are pending and `only` picks each of them (it stops
    /// looking after `max`, so it costs little however long the agenda).
    pub fn only_few(&self, max: usize, only: impl Fn(&J) -> bool) -> bool {
        let mut seen = 0;
        let mut few = |jobs: &[Entry<J>]| {
            jobs.iter().all(|(_, job)| {
                seen += 1;
                seen <= max && only(job)
            })
        };
        if !few(&self.now[self.next..]) {
            return false;
        }
        // The ring's buckets in slot order (the order does not matter here).
        let mut bits = self.occupied;
        while bits != 0 {
            if !few(&self.ring[bits.trailing_zeros() as usize]) {
                return false;
            }
            bits &= bits - 1;
        }
        self.far.iter().all(|(_, bucket)| few(bucket))
    }

    /// Remove the pending jobs due at `at_us` that `unwanted` picks (a timer that no longer
    /// applies, so that it neither runs nor keeps the run from ending).
    pub fn cancel(&mut self, at_us: u64, unwanted: impl Fn(&J) -> bool) {
        let (at_ms, micros) = split(at_us);
        let unwanted = |&(m, ref job): &Entry<J>| m == micros && unwanted(job);
        if at_ms == self.now_ms {
            let mut keep = self.next;
            for i in self.next..self.now.len() {
                if !unwanted(&self.now[i]) {
                    self.now[keep] = self.now[i];
                    keep += 1;
                }
            }
            self.now.truncate(keep);
        } else if at_ms < self.now_ms {
        } else if at_ms - self.now_ms < RING {
            let slot = slot_of(at_ms);
            if self.occupied & (1 << slot) != 0 {
                self.ring[slot].retain(|entry| !unwanted(entry));
                if self.ring[slot].is_empty() {
                    self.occupied &= !(1 << slot);
                }
            }
        } else if let Ok(found) = self.far_find(at_ms) {
            self.far[found].1.retain(|entry| !unwanted(entry));
            if self.far[found].1.is_empty() {
                let (_, bucket) = self.far.remove(found);
                self.spare.push(bucket);
            }
        }
    }

    /// Whether no job is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.next == self.now.len() && self.occupied == 0 && self.far.is_empty()
    }

    /// The millisecond of the bucket being worked through: after a pop, the popped job's.
    #[inline]
    pub fn current_ms(&self) -> u64 {
        self.now_ms
    }

    /// When the next job is due (µs), if there is one.
    pub fn peek_us(&self) -> Option<u64> {
        if let Some(&(micros, _)) = self.now.get(self.next) {
            return Some(self.now_ms * US + u64::from(micros));
        }
        if let Some(at_ms) = self.ring_first_ms() {
            return Some(at_ms * US + u64::from(self.ring[slot_of(at_ms)][0].0));
        }
        self.far.last().map(|(at_ms, bucket)| at_ms * US + u64::from(bucket[0].0))
    }

    /// Take the next job: `(at_us, job)`.
    pub fn pop(&mut self) -> Option<(u64, J)> {
        self.pop_due(u64::MAX)
    }

    /// Take the next job, `(at_us, job)`, if it is due no later than `bound_us` (else leave it).
    #[inline]
    pub fn pop_due(&mut self, bound_us: u64) -> Option<(u64, J)> {
        if self.next == self.now.len() && !self.advance(bound_us) {
            return None;
        }
        let (micros, job) = self.now[self.next];
        let at_us = self.now_ms * US + u64::from(micros);
        if at_us > bound_us {
            return None;
        }
        self.next += 1;
        Some((at_us, job))
    }

    /// `now` is empty: make the earliest pending bucket `now`, if its first job is due by
    /// `bound_us`; then the far buckets that the ring now covers move into it.
    fn advance(&mut self, bound_us: u64) -> bool {
        if let Some(at_ms) = self.ring_first_ms() {
            let slot = slot_of(at_ms);
            if at_ms * US + u64::from(self.ring[slot][0].0) > bound_us {
                return false;
            }
            // The emptied `now` becomes the slot's (empty) bucket.
            std::mem::swap(&mut self.now, &mut self.ring[slot]);
            self.ring[slot].clear();
            self.occupied &= !(1 << slot);
            self.now_ms = at_ms;
        } else {
            match self.far.last() {
                Some((at_ms, bucket)) if at_ms * US + u64::from(bucket[0].0) <= bound_us => {
                    let (at_ms, bucket) = self.far.pop().expect("checked non-empty");
                    let mut emptied = std::mem::replace(&mut self.now, bucket);
                    emptied.clear();
                    self.spare.push(emptied);
                    self.now_ms = at_ms;
                }
                _ => return false,
            }
        }
        self.next = 0;
        while let Some(&(at_ms, _)) = self.far.last() {
            if at_ms - self.now_ms >= RING {
                break;
            }
            if self.ring.is_empty() {
                self.ring = (0..RING).map(|_| Vec::new()).collect();
            }
            let (at_ms, bucket) = self.far.pop().expect("checked non-empty");
            let slot = slot_of(at_ms);
            let emptied = std::mem::replace(&mut self.ring[slot], bucket);
            self.spare.push(emptied);
            self.occupied |= 1 << slot;
        }
        true
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
        assert_eq!(agenda.peek_us(), None);
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
        assert_eq!(agenda.peek_us(), None, "an emptied time is gone");
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
        assert_eq!(agenda.peek_us(), Some(9));
        // Scheduling at a time between the last pop and the next bucket.
        agenda.push(5, 3);
        assert_eq!(drain(&mut agenda), vec![(5, 3), (9, 2)]);
    }

    /// Against a plain model (a list kept in (time, scheduling order)): random pushes near and
    /// far, cancels, bounded pops, so that buckets cross from `far` to the ring and the ring
    /// wraps around many times.
    #[test]
    fn matches_a_sorted_list_model() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for round in 0..40 {
            let mut agenda: Agenda<u32> = Agenda::default();
            let mut model: Vec<(u64, u64, u32)> = Vec::new();
            let (mut now, mut seq, mut job) = (0u64, 0u64, 0u32);
            for _ in 0..3_000 {
                match random(10) {
                    0..=4 => {
                        // Whole milliseconds (most of the traffic) or any microsecond.
                        let micros = if random(2) == 0 { 0 } else { random(US) };
                        let delay = match random(5) {
                            0 => 0,
                            1 => random(8),
                            2 => random(8) * US + micros,
                            3 => random(70) * US + micros,
                            _ => random(if round % 2 == 0 { 300 } else { 30_000 }) * US + micros,
                        };
                        agenda.push(now + delay, job);
                        model.push((now + delay, seq, job));
                        seq += 1;
                        job += 1;
                    }
                    5 => {
                        // A near time, or one that has jobs (far ones too: a cancelled timeout).
                        let at = match model.get(random(model.len() as u64 + 1) as usize) {
                            Some(&(t, _, _)) if random(2) == 0 => t,
                            _ => now + random(100) * US,
                        };
                        let modulus = 2 + random(3) as u32;
                        agenda.cancel(at, |&j| j % modulus == 0);
                        model.retain(|&(t, _, j)| t != at || j % modulus != 0);
                    }
                    _ => {
                        let bound = now + random(80 * US);
                        model.sort();
                        let expected = model.first().filter(|&&(t, _, _)| t <= bound).copied();
                        let got = agenda.pop_due(bound);
                        assert_eq!(got, expected.map(|(t, _, j)| (t, j)));
                        if expected.is_some() {
                            model.remove(0);
                            now = got.expect("same").0;
                        }
                        assert_eq!(agenda.peek_us(), model.iter().map(|&(t, _, _)| t).min());
                    }
                }
            }
            model.sort();
            assert_eq!(agenda.only_few(model.len(), |_| true), true);
            assert_eq!(agenda.only_few(model.len().saturating_sub(1), |_| true), model.is_empty());
            assert_eq!(drain(&mut agenda), model.iter().map(|&(t, _, j)| (t, j)).collect::<Vec<_>>());
        }
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
