//! The future event list.
//!
//! Events are popped in the total order `(time, lane, seq)`:
//! * `time` first, obviously;
//! * `lane` second: the model assigns each kind of event a lane, so that at the same instant,
//!   say, a task releasing its resources is always handled before a placement attempt that could
//!   use them. Which lane wins is a modelling decision documented by the model, not here;
//! * `seq` last: an insertion counter, so events of the same kind at the same instant run in
//!   the order they were scheduled. This makes the order total and independent of heap layout.
//!
//! Two structures hold the events, one order: a 4-ary heap for the future (`dary_heap`:
//! half the levels of a binary heap, a node's four 16-byte children within one or two cache
//! lines, so a pop takes fewer cache misses; measured in benches/README), and for the
//! current instant one FIFO per lane. An event scheduled for the instant being processed (a
//! zero-length lifecycle stage, a reconcile "now") goes to its lane's FIFO, skipping the
//! heap's O(log n) push and pop; every event already in the heap for this instant and lane
//! was scheduled earlier (a smaller `seq`), so "heap first within a lane, lowest lane first"
//! is exactly the `(time, lane, seq)` order. [`EventQueue::next_for_now`] tells a scheduler
//! whether such an event would be the very next one popped, so that it may handle it at
//! once and only count it ([`EventQueue::count_handled_in_place`]).

use super::SimTime;
use dary_heap::QuaternaryHeap;
use std::collections::VecDeque;

/// Priority class of an event at a given instant; lower lanes run first (at most
/// [`MAX_LANES`] of them).
pub type Lane = u8;

/// How many lanes a model may use.
pub const MAX_LANES: usize = 64;

/// The heap's entries are one 128-bit key each (16 bytes, so the heap of a busy cluster's
/// pending events stays small in cache): from the top, the time (52 bits of ms: beyond the
/// longest duration a scenario may ask for), the lane (6), the insertion counter (40: a
/// trillion events) and the slot of the event in `events` (30).
const TIME_BITS: u32 = 52;
const LANE_BITS: u32 = 6;
const SEQ_BITS: u32 = 40;
const SLOT_BITS: u32 = 30;
const _: () = assert!(TIME_BITS + LANE_BITS + SEQ_BITS + SLOT_BITS == 128);
const _: () = assert!(MAX_LANES <= 1 << LANE_BITS);

/// The most events a run may process (`scenario.max_events` is at most this): with fewer
/// than 2^30 pending, the insertion counter stays within its 40 bits.
pub const MAX_EVENTS: u64 = 1 << 39;

/// An event with its position in the total order.
#[derive(Debug)]
pub struct Scheduled<E> {
    pub time: SimTime,
    pub lane: Lane,
    pub seq: u64,
    pub event: E,
}

/// A heap entry: `(time, lane, seq, slot)` packed so that comparing the integers compares
/// the order (the slot never decides: `seq` is unique).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u128);

impl Key {
    fn new(time: u64, lane: Lane, seq: u64, slot: u32) -> Self {
        Key(u128::from(time) << (LANE_BITS + SEQ_BITS + SLOT_BITS)
            | u128::from(lane) << (SEQ_BITS + SLOT_BITS)
            | u128::from(seq) << SLOT_BITS
            | u128::from(slot))
    }
    fn time(self) -> u64 {
        (self.0 >> (LANE_BITS + SEQ_BITS + SLOT_BITS)) as u64
    }
    fn lane(self) -> Lane {
        ((self.0 >> (SEQ_BITS + SLOT_BITS)) & ((1 << LANE_BITS) - 1)) as Lane
    }
    fn seq(self) -> u64 {
        ((self.0 >> SLOT_BITS) & ((1 << SEQ_BITS) - 1)) as u64
    }
    fn slot(self) -> usize {
        (self.0 & ((1 << SLOT_BITS) - 1)) as usize
    }
}

/// A priority queue of future events with a clock that never goes back.
pub struct EventQueue<E> {
    heap: QuaternaryHeap<std::cmp::Reverse<Key>>,
    /// The heap's events, by slot; `free` lists the empty slots.
    events: Vec<Option<E>>,
    free: Vec<u32>,
    /// Events for the current instant, per lane, in scheduling order (with their `seq`).
    instant: Vec<VecDeque<(u64, E)>>,
    /// Bit `l` is set when `instant[l]` is not empty.
    instant_lanes: u64,
    next_seq: u64,
    now: SimTime,
    popped: u64,
    /// Events counted by [`EventQueue::count_handled_in_place`].
    handled_in_place: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: QuaternaryHeap::new(),
            events: Vec::new(),
            free: Vec::new(),
            instant: Vec::new(),
            instant_lanes: 0,
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
            handled_in_place: 0,
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
        self.heap.len() + self.instant.iter().map(VecDeque::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.instant_lanes == 0
    }

    /// Schedules `event` at `time`. A time in the past is clamped to now: the clock never goes
    /// back, and a model that asks for the past means "as soon as possible".
    pub fn schedule(&mut self, time: SimTime, lane: Lane, event: E) {
        assert!((lane as usize) < MAX_LANES, "lane {lane} beyond the {MAX_LANES} lanes");
        let seq = self.next_seq;
        assert!(seq < 1 << SEQ_BITS, "more than 2^40 events scheduled");
        self.next_seq += 1;
        // Nothing is processed before the first pop: until then "now" is not an instant
        // being processed, and everything goes through the heap.
        if time <= self.now && self.popped > 0 {
            let l = lane as usize;
            if self.instant.len() <= l {
                self.instant.resize_with(l + 1, VecDeque::new);
            }
            self.instant[l].push_back((seq, event));
            self.instant_lanes |= 1 << l;
            return;
        }
        let time = time.max(self.now).as_ms();
        assert!(time < 1 << TIME_BITS, "an event beyond 2^52 ms");
        let slot = match self.free.pop() {
            Some(s) => {
                self.events[s as usize] = Some(event);
                s
            }
            None => {
                assert!(self.events.len() < 1 << SLOT_BITS, "more than 2^30 pending events");
                self.events.push(Some(event));
                (self.events.len() - 1) as u32
            }
        };
        self.heap.push(std::cmp::Reverse(Key::new(time, lane, seq, slot)));
    }

    /// Whether an event scheduled now for the current instant in `lane` would be the very
    /// next one popped: no event of this instant in the same or a lower lane is waiting.
    pub fn next_for_now(&self, lane: Lane) -> bool {
        let lower_or_same = u64::MAX >> (63 - u32::from(lane).min(63));
        self.popped > 0
            && self.instant_lanes & lower_or_same == 0
            && !self
                .heap
                .peek()
                .is_some_and(|e| e.0.time() == self.now.as_ms() && e.0.lane() <= lane)
    }

    /// Counts an event for the current instant that its scheduler handles at once instead
    /// (allowed when [`EventQueue::next_for_now`] holds): it takes the sequence number and
    /// counts as popped exactly as if it had been scheduled and popped next, so the order of
    /// every other event and the count of events processed do not change.
    pub fn count_handled_in_place(&mut self) {
        assert!(self.next_seq < 1 << SEQ_BITS, "more than 2^40 events scheduled");
        self.next_seq += 1;
        self.popped += 1;
        self.handled_in_place += 1;
    }

    /// How many of the events counted by [`EventQueue::popped`] were handled in place.
    pub fn handled_in_place(&self) -> u64 {
        self.handled_in_place
    }

    /// Removes and returns the next event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        self.pop_through(SimTime::MAX)
    }

    /// Removes and returns the next event if it is due at or before `end` (leaving it queued
    /// otherwise): a look at the next event and its removal in one.
    pub fn pop_through(&mut self, end: SimTime) -> Option<Scheduled<E>> {
        if self.instant_lanes != 0 && self.now <= end {
            let lane = self.instant_lanes.trailing_zeros() as Lane;
            // The heap's events for this instant in the same or a lower lane come first.
            let heap_first = self
                .heap
                .peek()
                .is_some_and(|e| e.0.time() == self.now.as_ms() && e.0.lane() <= lane);
            if !heap_first {
                let fifo = &mut self.instant[lane as usize];
                let (seq, event) = fifo.pop_front().expect("a set bit means a non-empty lane");
                if fifo.is_empty() {
                    self.instant_lanes &= !(1 << lane);
                }
                self.popped += 1;
                return Some(Scheduled {
                    time: self.now,
                    lane,
                    seq,
                    event,
                });
            }
        }
        if self.heap.peek()?.0.time() > end.as_ms() {
            return None;
        }
        let next = self.heap.pop()?.0;
        debug_assert!(next.time() >= self.now.as_ms(), "clock went back");
        self.now = SimTime(next.time());
        self.popped += 1;
        let slot = next.slot();
        let event = self.events[slot].take().expect("a key's slot holds its event");
        self.free.push(slot as u32);
        Some(Scheduled {
            time: self.now,
            lane: next.lane(),
            seq: next.seq(),
            event,
        })
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

    /// The heap-plus-FIFO queue pops exactly in `(time, lane, seq)` order, checked against a
    /// sorted set on random histories where handlers schedule at the current instant, in
    /// the past and in the future, in every lane.
    /// `next_for_now` says exactly when an event scheduled for the current instant would be
    /// the next one popped, so handling it in place instead keeps the order.
    #[test]
    fn next_for_now_is_whether_an_event_for_now_pops_next() {
        use rand::{Rng, SeedableRng};
        let (mut yes, mut no) = (0, 0);
        for seed in 0..200 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut q = EventQueue::new();
            for k in 0..20 {
                q.schedule(SimTime(rng.random_range(0..30)), rng.random_range(0..6), k);
            }
            let mut next = 1000;
            for _ in 0..300 {
                let Some(e) = q.pop() else { break };
                let now = e.time.as_ms();
                for _ in 0..rng.random_range(0..3) {
                    let t = if rng.random_range(0..2) == 0 {
                        now
                    } else {
                        now + rng.random_range(1..9)
                    };
                    q.schedule(SimTime(t), rng.random_range(0..6), next);
                    next += 1;
                }
                let lane = rng.random_range(0..6);
                let predicted = q.next_for_now(lane);
                q.schedule(SimTime(now), lane, next);
                let popped = q.pop().expect("an event was just scheduled");
                assert_eq!(popped.event == next, predicted, "seed {seed}, lane {lane}");
                if predicted {
                    yes += 1;
                } else {
                    no += 1;
                }
                next += 1;
            }
        }
        assert!(yes > 1000 && no > 1000, "both answers tested ({yes} and {no})");
    }

    #[test]
    fn same_instant_fifos_keep_the_total_order() {
        use rand::{Rng, SeedableRng};
        use std::collections::BTreeSet;
        for seed in 0..200 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut q = EventQueue::new();
            let mut reference: BTreeSet<(u64, Lane, u64)> = BTreeSet::new();
            let mut seq = 0u64;
            let mut schedule = |q: &mut EventQueue<u64>, r: &mut BTreeSet<_>, now: u64, t: u64, lane: Lane| {
                q.schedule(SimTime(t), lane, seq);
                r.insert((t.max(now), lane, seq));
                seq += 1;
            };
            for _ in 0..20 {
                let (t, lane) = (rng.random_range(0..50), rng.random_range(0..6));
                schedule(&mut q, &mut reference, 0, t, lane);
            }
            let mut pops = 0;
            while let Some(e) = q.pop() {
                let expected = reference.pop_first().expect("the reference has as many events");
                assert_eq!((e.time.as_ms(), e.lane, e.seq), expected, "seed {seed}, pop {pops}");
                assert_eq!(e.event, e.seq);
                pops += 1;
                if pops < 400 {
                    for _ in 0..rng.random_range(0..3) {
                        let now = e.time.as_ms();
                        let t = match rng.random_range(0..4) {
                            0 => now.saturating_sub(5),
                            1 | 2 => now,
                            _ => now + rng.random_range(1..20),
                        };
                        schedule(&mut q, &mut reference, now, t, rng.random_range(0..6));
                    }
                }
                assert_eq!(q.len(), reference.len());
            }
            assert!(reference.is_empty() && q.is_empty());
        }
    }
}
