//! Request-rate curves that drive a service's load: constant, steps, a daily sine, a linear
//! ramp, or a trace (per-minute counts, or per-request arrivals binned into minutes).
//!
//! Architecture invariant: a curve is a pure function of simulated time.

use std::sync::Arc;

/// A request rate over time.
#[derive(Clone, Debug, PartialEq)]
pub enum RateCurve {
    Constant {
        rps: f64,
    },
    /// Piecewise constant: `(from_ms, rps)`, sorted by time; before the first step the rate is 0.
    Steps(Vec<(u64, f64)>),
    /// `base + (peak - base) * (1 + cos(2 pi (h - peak_hour) / 24)) / 2`, h = hour of day.
    Daily {
        base_rps: f64,
        peak_rps: f64,
        peak_hour: f64,
    },
    /// Linear from `from_rps` at `start_ms` to `to_rps` at `end_ms`, flat outside.
    Ramp {
        from_rps: f64,
        to_rps: f64,
        start_ms: u64,
        end_ms: u64,
    },
    /// Requests per minute, minute 0 first; `repeat` loops it, otherwise 0 after the end.
    PerMinute {
        counts: Arc<Vec<f64>>,
        repeat: bool,
    },
}

impl RateCurve {
    /// Requests arriving in the minute `[minute*60s, (minute+1)*60s)`.
    pub fn requests_in_minute(&self, minute: u64) -> f64 {
        self.requests_in_window(minute * 60_000, 60_000)
    }

    /// Requests in `[start_ms, start_ms + len_ms)`, a window inside one minute: a per-minute
    /// count spread evenly over its minute; an analytic curve's rate at the window's middle,
    /// times its length.
    pub fn requests_in_window(&self, start_ms: u64, len_ms: u64) -> f64 {
        match self {
            RateCurve::PerMinute { counts, repeat } => {
                if counts.is_empty() {
                    return 0.0;
                }
                let minute = start_ms / 60_000;
                let i = if *repeat {
                    (minute as usize) % counts.len()
                } else {
                    minute as usize
                };
                counts.get(i).copied().unwrap_or(0.0) * (len_ms as f64 / 60_000.0)
            }
            _ => self.rate_at_ms(start_ms + len_ms / 2) * (len_ms as f64 / 1000.0),
        }
    }

    /// Instantaneous rate (requests per second) of an analytic curve.
    pub fn rate_at_ms(&self, t_ms: u64) -> f64 {
        match self {
            RateCurve::Constant { rps } => *rps,
            RateCurve::Steps(steps) => steps
                .iter()
                .take_while(|(from, _)| *from <= t_ms)
                .last()
                .map_or(0.0, |(_, r)| *r),
            RateCurve::Daily {
                base_rps,
                peak_rps,
                peak_hour,
            } => {
                let h = (t_ms % 86_400_000) as f64 / 3_600_000.0;
                let phase = 2.0 * std::f64::consts::PI * (h - peak_hour) / 24.0;
                base_rps + (peak_rps - base_rps) * (1.0 + phase.cos()) / 2.0
            }
            RateCurve::Ramp {
                from_rps,
                to_rps,
                start_ms,
                end_ms,
            } => {
                if t_ms <= *start_ms {
                    *from_rps
                } else if t_ms >= *end_ms {
                    *to_rps
                } else {
                    let f = (t_ms - start_ms) as f64 / (end_ms - start_ms) as f64;
                    from_rps + (to_rps - from_rps) * f
                }
            }
            RateCurve::PerMinute { .. } => self.requests_in_minute(t_ms / 60_000) / 60.0,
        }
    }
}

/// How a service turns load into CPU and memory use.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadModel {
    pub curve: RateCurve,
    /// Requests per second one task serves at 100 % of its CPU reservation.
    pub task_capacity_rps: f64,
    /// CPU use of an idle task, percent of its reservation.
    pub cpu_idle_pct: f64,
    /// Memory use of an idle task and of a task at capacity, percent of its reservation.
    pub memory_idle_pct: f64,
    pub memory_at_capacity_pct: f64,
    /// The mean time a request takes at zero load, in seconds (`request_service_time`; by
    /// default `1 / task_capacity_rps`: a task serving one request at a time).
    pub request_service_time_s: f64,
}

/// One minute (or a shorter window) of a service under load.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinuteLoad {
    pub requests: f64,
    pub served: f64,
    pub over_capacity: f64,
    /// `None` when no task runs (CloudWatch has no datapoint).
    pub cpu_pct: Option<f64>,
    pub memory_pct: Option<f64>,
    /// ALBRequestCountPerTarget; with no target, the whole count (as if one target).
    pub requests_per_target: f64,
    /// The mean latency of the window's served requests in seconds (each task an M/M/1
    /// queue at its utilisation, `super::latency`); `None` when no task runs or the tasks
    /// are saturated.
    pub latency_mean_s: Option<f64>,
    /// Requests a load balancer had no target for (no healthy target, none failing open):
    /// part of `over_capacity`.
    pub unrouted: f64,
}

impl LoadModel {
    /// Spreads the minute's requests evenly over `running` tasks. Task-level CPU caps each
    /// task at 100 %; what exceeds the tasks' capacity is not served.
    pub fn minute(&self, minute: u64, running: u32) -> MinuteLoad {
        self.window(minute * 60_000, 60_000, running)
    }

    /// The same for the window `[start_ms, start_ms + len_ms)` (20-second metrics).
    pub fn window(&self, start_ms: u64, len_ms: u64, running: u32) -> MinuteLoad {
        let requests = self.curve.requests_in_window(start_ms, len_ms).max(0.0);
        let n = f64::from(running);
        let capacity = n * self.task_capacity_rps * (len_ms as f64 / 1000.0);
        let served = requests.min(capacity);
        let latency = if running == 0 {
            None
        } else {
            super::latency::mean_s(self.request_service_time_s, requests / capacity)
        };
        let (cpu, mem) = if running == 0 {
            (None, None)
        } else {
            let load = (requests / capacity).min(1.0);
            let cpu = (self.cpu_idle_pct + (100.0 - self.cpu_idle_pct) * load).min(100.0);
            let mem = self.memory_idle_pct + (self.memory_at_capacity_pct - self.memory_idle_pct) * load;
            (Some(cpu), Some(mem))
        };
        MinuteLoad {
            requests,
            served,
            over_capacity: requests - served,
            cpu_pct: cpu,
            memory_pct: mem,
            requests_per_target: requests / n.max(1.0),
            latency_mean_s: latency,
            unrouted: 0.0,
        }
    }

    /// The window with its requests routed by a load balancer: `zones[z]` is zone z's
    /// `(weight, fraction)`: its serving targets (each weighted by its slow-start ramp) and
    /// the share of the requests they receive, split evenly between them; `serving` targets
    /// in all. Running tasks that serve nothing (initial, unhealthy, draining) idle, and
    /// CPUUtilization averages over every running task, as CloudWatch's service metric does.
    /// Requests with no target are not served. Returns the window and the utilisation
    /// (requests over capacity) of a fully weighted serving task in each zone. Latency is the
    /// served-weighted mean over zones; a saturated zone makes the window's latency
    /// unbounded, as a saturated service does.
    pub fn routed_window(
        &self,
        start_ms: u64,
        len_ms: u64,
        running: u32,
        zones: &[(f64, f64)],
        serving: u32,
    ) -> (MinuteLoad, Vec<f64>) {
        let requests = self.curve.requests_in_window(start_ms, len_ms).max(0.0);
        let capacity = self.task_capacity_rps * (len_ms as f64 / 1000.0);
        let mut utilisation = vec![0.0; zones.len()];
        let (mut served, mut routed, mut weight) = (0.0, 0.0, 0.0);
        let (mut cpu_sum, mut mem_sum) = (0.0, 0.0);
        let (mut latency_sum, mut latency_requests, mut saturated) = (0.0, 0.0, false);
        for (z, &(w, fraction)) in zones.iter().enumerate() {
            if w <= 0.0 {
                continue;
            }
            let r = requests * fraction;
            let u = r / (w * capacity);
            utilisation[z] = u;
            routed += r;
            served += r.min(w * capacity);
            weight += w;
            let l = u.min(1.0);
            cpu_sum += w * (self.cpu_idle_pct + (100.0 - self.cpu_idle_pct) * l).min(100.0);
            mem_sum += w * (self.memory_idle_pct + (self.memory_at_capacity_pct - self.memory_idle_pct) * l);
            match super::latency::mean_s(self.request_service_time_s, u) {
                Some(m) => {
                    latency_sum += m * r;
                    latency_requests += r;
                }
                None => saturated = true,
            }
        }
        let idle_tasks = (f64::from(running) - weight).max(0.0);
        let tasks = weight + idle_tasks;
        let (cpu, mem) = if running == 0 || tasks <= 0.0 {
            (None, None)
        } else {
            (
                Some((cpu_sum + idle_tasks * self.cpu_idle_pct) / tasks),
                Some((mem_sum + idle_tasks * self.memory_idle_pct) / tasks),
            )
        };
        let latency = if saturated || weight <= 0.0 {
            None
        } else if latency_requests > 0.0 {
            Some(latency_sum / latency_requests)
        } else {
            super::latency::mean_s(self.request_service_time_s, 0.0)
        };
        let m = MinuteLoad {
            requests,
            served,
            over_capacity: requests - served,
            cpu_pct: cpu,
            memory_pct: mem,
            requests_per_target: requests / f64::from(serving.max(1)),
            latency_mean_s: latency,
            unrouted: (requests - routed).max(0.0),
        };
        (m, utilisation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_curve_peaks_at_the_peak_hour() {
        let c = RateCurve::Daily {
            base_rps: 10.0,
            peak_rps: 110.0,
            peak_hour: 14.0,
        };
        assert!((c.rate_at_ms(14 * 3_600_000) - 110.0).abs() < 1e-9);
        assert!((c.rate_at_ms(2 * 3_600_000) - 10.0).abs() < 1e-9);
        assert!((c.rate_at_ms(20 * 3_600_000) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn steps_and_ramp() {
        let s = RateCurve::Steps(vec![(0, 5.0), (60_000, 10.0)]);
        assert_eq!(s.rate_at_ms(59_999), 5.0);
        assert_eq!(s.rate_at_ms(60_000), 10.0);
        let r = RateCurve::Ramp {
            from_rps: 0.0,
            to_rps: 100.0,
            start_ms: 0,
            end_ms: 100_000,
        };
        assert_eq!(r.rate_at_ms(50_000), 50.0);
        assert_eq!(r.rate_at_ms(200_000), 100.0);
    }

    #[test]
    fn load_spreads_over_running_tasks() {
        let m = LoadModel {
            curve: RateCurve::Constant { rps: 150.0 },
            task_capacity_rps: 100.0,
            cpu_idle_pct: 10.0,
            memory_idle_pct: 30.0,
            memory_at_capacity_pct: 70.0,
            request_service_time_s: 0.010,
        };
        let one = m.minute(0, 1);
        assert_eq!(one.latency_mean_s, None, "150 rps on one task of 100: saturated");
        assert_eq!(one.cpu_pct, Some(100.0));
        assert_eq!(one.over_capacity, 50.0 * 60.0);
        let three = m.minute(0, 3);
        assert_eq!(three.cpu_pct, Some(10.0 + 90.0 * 0.5));
        assert_eq!(three.memory_pct, Some(50.0));
        assert_eq!(three.over_capacity, 0.0);
        // 50 rps on each of three tasks of 100: M/M/1 at rho = 0.5, mean 10 ms / (1 - 0.5).
        assert!((three.latency_mean_s.unwrap() - 0.020).abs() < 1e-12);
        assert_eq!(three.requests_per_target, 3000.0);
        let none = m.minute(0, 0);
        assert_eq!(none.cpu_pct, None);
        assert_eq!(none.requests_per_target, 9000.0);
    }

    fn model(rps: f64) -> LoadModel {
        LoadModel {
            curve: RateCurve::Constant { rps },
            task_capacity_rps: 100.0,
            cpu_idle_pct: 10.0,
            memory_idle_pct: 30.0,
            memory_at_capacity_pct: 70.0,
            request_service_time_s: 0.010,
        }
    }

    #[test]
    fn routed_requests_reach_only_serving_targets_and_idle_tasks_lower_the_cpu_average() {
        // 150 rps over 3 healthy targets in one zone, plus one RUNNING task still `initial`
        // (no requests): the serving tasks run at 50 %, the fourth idles at 10 %.
        let (m, u) = model(150.0).routed_window(0, 60_000, 4, &[(3.0, 1.0)], 3);
        assert_eq!(u, vec![0.5]);
        assert_eq!(m.cpu_pct, Some((3.0 * 55.0 + 10.0) / 4.0));
        // ALBRequestCountPerTarget: the minute's requests over the healthy targets.
        assert_eq!(m.requests_per_target, 150.0 * 60.0 / 3.0);
        assert_eq!((m.unrouted, m.over_capacity), (0.0, 0.0));
    }

    #[test]
    fn with_cross_zone_off_the_zone_with_fewer_targets_runs_hotter() {
        // Two zones, each node half the requests: 3 targets in one, 1 in the other.
        let (m, u) = model(150.0).routed_window(0, 60_000, 4, &[(3.0, 0.5), (1.0, 0.5)], 4);
        assert_eq!(u, vec![0.25, 0.75]);
        assert_eq!(m.over_capacity, 0.0);
        let (m, u) = model(300.0).routed_window(0, 60_000, 4, &[(3.0, 0.5), (1.0, 0.5)], 4);
        assert_eq!(u[1], 1.5, "the lone target gets 150 rps of its 100");
        assert_eq!(m.over_capacity, 50.0 * 60.0);
        assert_eq!(m.latency_mean_s, None, "a saturated zone");
    }

    #[test]
    fn with_no_serving_target_every_request_is_unrouted() {
        let (m, _) = model(10.0).routed_window(0, 60_000, 2, &[(0.0, 0.0)], 0);
        assert_eq!(m.unrouted, 600.0);
        assert_eq!(m.served, 0.0);
        assert_eq!(m.over_capacity, 600.0);
        assert_eq!(m.cpu_pct, Some(10.0), "the running tasks idle");
    }
}
