//! The physical-limit anchor for ecsim's speed: a bare, single-file simulator of the reference
//! workload "cluster-80" (../shared/bench/WORKLOAD.md, quoted in benches/README.md), written
//! the way one would by hand for this one workload: a binary heap of `(time, sequence)`
//! events, a FIFO wait queue, and binpack by memory through one ordered index per task size
//! (the "class-index" variant: per menu class, the set of `(mem_free, host)` on which that
//! class fits; the answer is the set's first element).
//!
//! It models nothing else (no lifecycle stages, no capacity providers, no outputs but the
//! counters), so `benches/versus_reference_loop.sh` can compare the whole-process time of
//! `ecsim run` against it on the same workload.
//!
//! ```text
//! cargo run --release --example reference_loop -- HOSTS [HORIZON_FACTOR] [SEED]
//! ```
//! `HOSTS` is `H`; the horizon is `HORIZON_FACTOR x 3.0e7 / H` time units (default 1); the
//! seed defaults to 42. It prints the workload's counters.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};

/// The task menu as (cpu, mem); a host has 4096 CPU units and 16384 MiB.
const MENU: [(u32, u32); 4] = [(256, 512), (512, 1024), (1024, 2048), (2048, 4096)];
const HOST_CPU: u32 = 4096;
const HOST_MEM: u32 = 16384;
const MEAN_LIFETIME: f64 = 100.0;

/// An event time with a total order (times are finite and non-negative).
#[derive(Copy, Clone, PartialEq)]
struct Time(f64);
impl Eq for Time {}
impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Time {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Arrival,
    /// A placed task finishes: its host and class.
    Finish(u32, u8),
}

struct Hosts {
    cpu_free: Vec<u32>,
    mem_free: Vec<u32>,
    /// Per class, the hosts on which it fits, by (mem_free, id).
    fits: [BTreeSet<(u32, u32)>; 4],
}

impl Hosts {
    fn new(n: u32) -> Self {
        let mut h = Hosts {
            cpu_free: vec![HOST_CPU; n as usize],
            mem_free: vec![HOST_MEM; n as usize],
            fits: Default::default(),
        };
        for id in 0..n {
            h.index(id);
        }
        h
    }

    fn unindex(&mut self, id: u32) {
        let key = (self.mem_free[id as usize], id);
        for set in &mut self.fits {
            set.remove(&key);
        }
    }

    fn index(&mut self, id: u32) {
        let (cpu, mem) = (self.cpu_free[id as usize], self.mem_free[id as usize]);
        for (k, (c, m)) in MENU.iter().enumerate() {
            if cpu >= *c && mem >= *m {
                self.fits[k].insert((mem, id));
            }
        }
    }

    /// Binpack by memory: the fitting host with the least memory free, ties to the lowest id.
    fn place(&mut self, class: u8) -> Option<u32> {
        let &(_, id) = self.fits[class as usize].first()?;
        let (c, m) = MENU[class as usize];
        self.unindex(id);
        self.cpu_free[id as usize] -= c;
        self.mem_free[id as usize] -= m;
        self.index(id);
        Some(id)
    }

    fn release(&mut self, id: u32, class: u8) {
        let (c, m) = MENU[class as usize];
        self.unindex(id);
        self.cpu_free[id as usize] += c;
        self.mem_free[id as usize] += m;
        self.index(id);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize, default: f64| -> f64 {
        args.get(k).map_or(default, |a| {
            a.parse()
                .unwrap_or_else(|_| panic!("argument {} must be a number, got {a:?}", k + 1))
        })
    };
    let hosts = arg(0, 1000.0) as u32;
    assert!(hosts > 0, "usage: reference_loop HOSTS [HORIZON_FACTOR] [SEED]");
    let horizon = arg(1, 1.0) * 3.0e7 / f64::from(hosts);
    let seed = arg(2, 42.0) as u64;

    let lambda = 0.034 * f64::from(hosts);
    let mut rng = StdRng::seed_from_u64(seed);
    let inter_arrival = Exp::new(lambda).expect("positive rate");
    let lifetime = Exp::new(1.0 / MEAN_LIFETIME).expect("positive rate");

    let mut h = Hosts::new(hosts);
    let mut heap: BinaryHeap<Reverse<(Time, u64, Kind)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut schedule = |heap: &mut BinaryHeap<_>, t: f64, k: Kind| {
        heap.push(Reverse((Time(t), seq, k)));
        seq += 1;
    };
    // Waiting tasks: (arrival time, class, lifetime).
    let mut queue: VecDeque<(f64, u8, f64)> = VecDeque::new();
    let (mut arrivals, mut placed, mut completed, mut events) = (0u64, 0u64, 0u64, 0u64);
    let (mut max_queue, mut wait_sum, mut used_cpu, mut area, mut last_t) = (0usize, 0.0f64, 0u64, 0.0f64, 0.0f64);

    schedule(&mut heap, inter_arrival.sample(&mut rng), Kind::Arrival);
    while let Some(Reverse((Time(now), _, kind))) = heap.pop() {
        if now > horizon {
            break;
        }
        events += 1;
        area += used_cpu as f64 * (now - last_t);
        last_t = now;
        match kind {
            Kind::Arrival => {
                arrivals += 1;
                let class = rng.random_range(0..4u8);
                let life = lifetime.sample(&mut rng);
                match queue.is_empty().then(|| h.place(class)).flatten() {
                    Some(id) => {
                        placed += 1;
                        used_cpu += u64::from(MENU[class as usize].0);
                        schedule(&mut heap, now + life, Kind::Finish(id, class));
                    }
                    None => {
                        queue.push_back((now, class, life));
                        max_queue = max_queue.max(queue.len());
                    }
                }
                schedule(&mut heap, now + inter_arrival.sample(&mut rng), Kind::Arrival);
            }
            Kind::Finish(id, class) => {
                h.release(id, class);
                completed += 1;
                used_cpu -= u64::from(MENU[class as usize].0);
                while let Some(&(arrived, class, life)) = queue.front() {
                    let Some(id) = h.place(class) else { break };
                    queue.pop_front();
                    placed += 1;
                    wait_sum += now - arrived;
                    used_cpu += u64::from(MENU[class as usize].0);
                    schedule(&mut heap, now + life, Kind::Finish(id, class));
                }
            }
        }
    }
    let util = if last_t > 0.0 {
        area / (last_t * f64::from(hosts) * f64::from(HOST_CPU))
    } else {
        0.0
    };
    println!(
        "arrivals {arrivals} placed {placed} completed {completed} queued {} running {} max_queue {max_queue} events {events} mean_wait {:.6} util {util:.6} final_time {last_t:.3}",
        queue.len(),
        placed - completed,
        if placed > 0 { wait_sum / placed as f64 } else { 0.0 },
    );
}
