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
        let take_now = match (self.now.front(), self.heap.peek()) {
            (Some(n), Some(h)) => (n.at_ms, n.seq) < (h.at_ms, h.seq),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_now {
            return self.now.pop_front();
        }
        let entry = self.heap.pop()?;
        match entry.slot {
            Slot::Job(job) => Some(Scheduled { at_ms: entry.at_ms, seq: entry.seq, job }),
            Slot::Lane(lane) => {
                let queue = &mut self.lanes[lane as usize];
                let front = queue.pop_front().expect("a lane entry means a non-empty lane");
                if let Some(next) = queue.front() {
                    self.heap.push(Entry { at_ms: next.at_ms, seq: next.seq, slot: Slot::Lane(lane) });
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
