//! The fault injector: what the scenario breaks and when. It owns the `faults` random
//! stream and the state of the world outside the cluster that faults change: availability
//! zones that are out or have no EC2 or Fargate capacity, and how much slower image pulls
//! are, which services' applications fail their health checks. It also owns the
//! `health-checks` stream, from which every health check's random outcome is drawn. The
//! world applies each fault to the components it hits (sim/faults.rs).

use crate::engine::StreamRng;
use rand::Rng;
use rand_distr::{Distribution, Poisson};

/// The injector.
pub struct FaultInjector {
    rng: StreamRng,
    /// Per AZ, how many active faults put it out, or take away its EC2 or Fargate capacity.
    az_out: Vec<u32>,
    az_no_ec2: Vec<u32>,
    az_no_fargate: Vec<u32>,
    /// Product of the active slow-image-pull factors.
    pull_factor: f64,
    /// Scripted faults with a duration that have not ended.
    active: u32,
    /// Per service, how many `unhealthy` faults are going on.
    unhealthy: Vec<u32>,
    /// The `health-checks` stream.
    health_rng: StreamRng,
}

impl FaultInjector {
    pub fn new(zones: usize, services: usize, rng: StreamRng, health_rng: StreamRng) -> Self {
        FaultInjector {
            rng,
            az_out: vec![0; zones],
            az_no_ec2: vec![0; zones],
            az_no_fargate: vec![0; zones],
            pull_factor: 1.0,
            active: 0,
            unhealthy: vec![0; services],
            health_rng,
        }
    }

    /// The service's application fails every health check (an `unhealthy` fault).
    pub fn app_unhealthy(&self, service: usize) -> bool {
        self.unhealthy[service] > 0
    }

    pub fn set_unhealthy(&mut self, service: usize, on: bool) {
        if on {
            self.unhealthy[service] += 1;
        } else {
            self.unhealthy[service] -= 1;
        }
    }

    /// A zone is out: no instance survives in it and nothing launches there.
    pub fn az_is_out(&self, az: usize) -> bool {
        self.az_out[az] > 0
    }

    /// No EC2 instance can launch in the zone (out, or its capacity is unavailable).
    pub fn ec2_blocked(&self, az: usize) -> bool {
        self.az_out[az] > 0 || self.az_no_ec2[az] > 0
    }

    /// No Fargate task can start in the zone.
    pub fn fargate_blocked(&self, az: usize) -> bool {
        self.az_out[az] > 0 || self.az_no_fargate[az] > 0
    }

    /// Fargate capacity alone is missing in the zone (it is not out).
    pub fn fargate_capacity_missing(&self, az: usize) -> bool {
        self.az_no_fargate[az] > 0
    }

    pub fn pull_factor(&self) -> f64 {
        self.pull_factor
    }

    /// No scripted fault with a duration is still going on.
    pub fn none_active(&self) -> bool {
        self.active == 0
    }

    pub fn fault_started(&mut self, has_duration: bool) {
        self.active += u32::from(has_duration);
    }

    pub fn fault_ended(&mut self) {
        self.active = self.active.saturating_sub(1);
    }

    pub fn zone_out(&mut self, az: usize, out: bool) {
        if out {
            self.az_out[az] += 1;
        } else {
            self.az_out[az] -= 1;
        }
    }

    pub fn capacity_unavailable(&mut self, az: usize, fargate: bool, unavailable: bool) {
        let c = if fargate {
            &mut self.az_no_fargate[az]
        } else {
            &mut self.az_no_ec2[az]
        };
        if unavailable {
            *c += 1;
        } else {
            *c -= 1;
        }
    }

    pub fn slow_pulls(&mut self, factor: f64, on: bool) {
        if on {
            self.pull_factor *= factor;
        } else {
            self.pull_factor /= factor;
        }
    }

    /// `k` distinct random picks from `items`, in a deterministic order.
    pub fn pick<T: Copy>(&mut self, mut items: Vec<T>, k: usize) -> Vec<T> {
        let mut out = Vec::new();
        for _ in 0..k.min(items.len()) {
            let i = self.rng.random_range(0..items.len());
            out.push(items.swap_remove(i));
        }
        out
    }

    /// A Poisson draw with this mean (0 for a mean of 0).
    pub fn poisson(&mut self, mean: f64) -> usize {
        if mean <= 0.0 {
            return 0;
        }
        let d = Poisson::new(mean).expect("positive mean");
        d.sample(&mut self.rng) as usize
    }

    /// The size of a Spot interruption burst: geometric with mean `mean`, at least 1, at most
    /// `max`.
    pub fn burst_size(&mut self, mean: f64, max: usize) -> usize {
        let p = 1.0 / mean.max(1.0);
        let mut size = 1;
        while size < max && self.rng.random::<f64>() > p {
            size += 1;
        }
        size
    }

    /// A draw from a task definition's crash distribution.
    pub fn sample(&mut self, d: &crate::scenario::DurationDist) -> u64 {
        d.sample(&mut self.rng)
    }
}

impl crate::aws::health_check::CheckDraws for FaultInjector {
    fn check_fails(&mut self, p: f64) -> bool {
        self.health_rng.random::<f64>() < p
    }

    fn checks_until_failure(&mut self, p: f64) -> u64 {
        if p >= 1.0 {
            return 1;
        }
        // Inverse transform of the geometric distribution on {1, 2, ...}.
        let u: f64 = 1.0 - self.health_rng.random::<f64>(); // in (0, 1]
        let n = (u.ln() / (1.0 - p).ln()).floor() + 1.0;
        if n.is_finite() {
            n.clamp(1.0, 1.0e12) as u64
        } else {
            1_000_000_000_000
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn overlapping_faults_on_a_zone_nest() {
        let mut f = FaultInjector::new(
            2,
            0,
            RngStreams::new(1).stream("faults"),
            RngStreams::new(1).stream("health-checks"),
        );
        f.zone_out(0, true);
        f.capacity_unavailable(0, false, true);
        f.zone_out(0, false);
        assert!(!f.az_is_out(0));
        assert!(f.ec2_blocked(0), "EC2 capacity is still unavailable");
        assert!(!f.fargate_blocked(0));
        f.capacity_unavailable(0, false, false);
        assert!(!f.ec2_blocked(0));
        f.slow_pulls(3.0, true);
        f.slow_pulls(2.0, true);
        f.slow_pulls(3.0, false);
        assert_eq!(f.pull_factor(), 2.0);
    }

    #[test]
    fn picks_are_distinct_and_bounded() {
        let mut f = FaultInjector::new(
            1,
            0,
            RngStreams::new(1).stream("faults"),
            RngStreams::new(1).stream("health-checks"),
        );
        let mut p = f.pick((0..10).collect(), 4);
        assert_eq!(p.len(), 4);
        p.sort();
        p.dedup();
        assert_eq!(p.len(), 4);
        assert_eq!(f.pick(vec![1, 2], 5).len(), 2);
        assert_eq!(f.poisson(0.0), 0);
        assert!((1..=3).contains(&f.burst_size(100.0, 3)));
    }
}
