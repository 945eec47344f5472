//! The agenda: pending jobs, popped in `(at_ms, seq)` order, where `seq` is the order they
//! were scheduled in. Three stores give the exact order of one priority queue, cheaper:
//! - `now`: jobs due at the current time, first in first out;
//! - `lanes`: one FIFO per network direction of a connection (TCP keeps frames in order,
//!   so their arrival times never decrease along a lane);
//! - `heap`: everything else, plus one entry per non-empty lane for the lane's front.
//!
//! Invariants: each store is sorted by `(at_ms, seq)`; a lane has exactly one heap entry
//! while it is non-empty, keyed by its front; `seq` values are unique and increasing.

use std::cmp::Ordering;
use std::collections::binary_heap::PeekMut;
use std::collections::{BinaryHeap, VecDeque};

#[derive(Clone, Copy, Debug)]
pub struct Scheduled<J> {
    pub at_ms: u64,
    pub seq: u64,
    pub job: J,
}

#[derive(Clone, Copy, Debug)]
enum Slot<J> {
    Job(J),
    Lane(u32),
}

#[derive(Clone, Copy, Debug)]
struct Entry<J> {
    at_ms: u64,
    seq: u64,
    slot: Slot<J>,
}

impl<J> PartialEq for Entry<J> {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ms, self.seq) == (other.at_ms, other.seq)
    }
}
impl<J> Eq for Entry<J> {}
impl<J> PartialOrd for Entry<J> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<J> Ord for Entry<J> {
    /// Reversed, so the max-heap pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at_ms, other.seq).cmp(&(self.at_ms, self.seq))
    }
}

#[derive(Clone, Debug)]
pub struct Agenda<J> {
    heap: BinaryHeap<Entry<J>>,
    now: VecDeque<Scheduled<J>>,
    lanes: Vec<VecDeque<Scheduled<J>>>,
    next_seq: u64,
}

impl<J: Copy> Default for Agenda<J> {
    fn default() -> Self {
        Agenda { heap: BinaryHeap::new(), now: VecDeque::new(), lanes: Vec::new(), next_seq: 0 }
    }
}

impl<J: Copy> Agenda<J> {
    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Schedule `job` at `at_ms`; `now_ms` is the current time (never later than `at_ms`).
    pub fn push(&mut self, now_ms: u64, at_ms: u64, job: J) {
        debug_assert!(at_ms >= now_ms, "scheduled in the past");
        let seq = self.next_seq();
        if at_ms == now_ms && self.now.back().is_none_or(|last| last.at_ms == at_ms) {
            self.now.push_back(Scheduled { at_ms, seq, job });
        } else {
            self.heap.push(Entry { at_ms, seq, slot: Slot::Job(job) });
        }
    }

    /// Schedule `job` on FIFO lane `lane`; `at_ms` must not be earlier than the lane's last.
    pub fn push_lane(&mut self, lane: u32, at_ms: u64, job: J) {
        let seq = self.next_seq();
        let index = lane as usize;
        if self.lanes.len() <= index {
            self.lanes.resize_with(index + 1, VecDeque::new);
        }
        let queue = &mut self.lanes[index];
        // Invariant: a lane is sorted (the network keeps per-connection order).
        assert!(queue.back().is_none_or(|last| last.at_ms <= at_ms), "engine bug: lane {lane} out of order");
        if queue.is_empty() {
            self.heap.push(Entry { at_ms, seq, slot: Slot::Lane(lane) });
        }
        queue.push_back(Scheduled { at_ms, seq, job });
    }

    /// The `(at_ms, seq)` of the next job, if any.
    pub fn peek(&self) -> Option<(u64, u64)> {
        let from_now = self.now.front().map(|s| (s.at_ms, s.seq));
        let from_heap = self.heap.peek().map(|e| (e.at_ms, e.seq));
        match (from_now, from_heap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Take the next job.
    pub fn pop(&mut self) -> Option<Scheduled<J>> {
        self.pop_due(u64::MAX)
    }

    /// Take the next job if it is due no later than `bound_ms` (else leave it).
    pub fn pop_due(&mut self, bound_ms: u64) -> Option<Scheduled<J>> {
        let heap_key = self.heap.peek().map(|e| (e.at_ms, e.seq));
        if let Some(first) = self.now.front() {
            if heap_key.is_none_or(|h| (first.at_ms, first.seq) < h) {
                return if first.at_ms <= bound_ms { self.now.pop_front() } else { None };
            }
        }
        let mut top = self.heap.peek_mut()?;
        if top.at_ms > bound_ms {
            return None;
        }
        match top.slot {
            Slot::Job(job) => {
                let entry = PeekMut::pop(top);
                Some(Scheduled { at_ms: entry.at_ms, seq: entry.seq, job })
            }
            Slot::Lane(lane) => {
                let queue = &mut self.lanes[lane as usize];
                let front = queue.pop_front().expect("a lane entry means a non-empty lane");
                match queue.front() {
                    // Re-key the lane's entry in place: one sift instead of a pop and a push.
                    Some(next) => {
                        top.at_ms = next.at_ms;
                        top.seq = next.seq;
                    }
                    None => {
                        PeekMut::pop(top);
                    }
                }
                Some(front)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three stores pop in exactly the order one priority queue would.
    #[test]
    fn pops_in_time_then_schedule_order() {
        let mut agenda: Agenda<u32> = Agenda::default();
        agenda.push(0, 5, 1);
        agenda.push_lane(0, 3, 2);
        agenda.push_lane(0, 5, 3);
        agenda.push(0, 0, 4);
        agenda.push_lane(1, 5, 5);
        agenda.push(0, 3, 6);
        let mut order = Vec::new();
        while let Some(s) = agenda.pop() {
            order.push(s.job);
        }
        assert_eq!(order, vec![4, 2, 6, 1, 3, 5]);
    }
}
