//! The future event list.
//!
//! Events are popped in the total order `(time, lane, seq)`:
//! * `time` first, obviously;
//! * `lane` second: the model assigns each kind of event a lane, so that at the same instant,
//!   say, a task releasing its resources is always handled before a placement attempt that could
//!   use them. Which lane wins is a modelling decision documented by the model, not here;
//! * `seq` last: an insertion counter, so events of the same kind at the same instant run in
//!   the order they were scheduled. This makes the order total and independent of heap layout.

use super::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Priority class of an event at a given instant; lower lanes run first.
pub type Lane = u8;

/// An event with its position in the total order.
#[derive(Debug)]
pub struct Scheduled<E> {
    pub time: SimTime,
    pub lane: Lane,
    pub seq: u64,
    pub event: E,
}

impl<E> Scheduled<E> {
    fn key(&self) -> (SimTime, Lane, u64) {
        (self.time, self.lane, self.seq)
    }
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Scheduled<E> {}
impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Scheduled<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest key.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A priority queue of future events with a clock that never goes back.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// The time of the last event popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `time`. A time in the past is clamped to now: the clock never goes
    /// back, and a model that asks for the past means "as soon as possible".
    pub fn schedule(&mut self, time: SimTime, lane: Lane, event: E) {
        let time = time.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Scheduled { time, lane, seq, event });
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| s.time)
    }

    /// Removes and returns the next event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let next = self.heap.pop()?;
        debug_assert!(next.time >= self.now, "clock went back");
        self.now = next.time;
        self.popped += 1;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_lane_then_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1, "late-lane1-a");
        q.schedule(SimTime(5), 2, "early-lane2");
        q.schedule(SimTime(10), 0, "late-lane0");
        q.schedule(SimTime(10), 1, "late-lane1-b");
        q.schedule(SimTime(5), 1, "early-lane1");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(
            order,
            [
                "early-lane1",
                "early-lane2",
                "late-lane0",
                "late-lane1-a",
                "late-lane1-b"
            ]
        );
    }

    #[test]
    fn past_times_are_clamped_to_now() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(100), 0, 1);
        q.pop();
        q.schedule(SimTime(50), 0, 2);
        let s = q.pop().unwrap();
        assert_eq!(s.time, SimTime(100));
        assert_eq!(q.now(), SimTime(100));
    }
}
