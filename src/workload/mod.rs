//! The workload: what the users of the cluster do. Each service's request curve and what a
//! minute of it means for CPU, memory and requests over capacity; the RunTask submissions of
//! each batch job (Poisson, trace or schedule) and how long each task runs. It owns the
//! `task-durations` stream and one `workload/<job>` stream per job; it knows nothing about
//! where tasks run.

pub mod latency;
pub mod load;

use crate::engine::{RngStreams, SimTime, StreamRng};
use crate::scenario::{Arrivals, Scenario};
use load::{LoadModel, MinuteLoad};
use rand_distr::{Distribution, Exp};
use smallvec::SmallVec;

/// One RunTask submission of a job: the tasks' size overrides (a trace row's CPU and memory)
/// and each task's run time.
pub struct Submission {
    pub cpu_units: Option<u32>,
    pub memory_mib: Option<u32>,
    pub gpus: Option<u32>,
    /// One entry per task (inline for the usual handful: no allocation per submission).
    pub run_ms: SmallVec<[Option<u64>; 4]>,
    /// When the job submits next, if it does.
    pub next_at: Option<SimTime>,
}

struct ServiceLoad {
    load: Option<LoadModel>,
    last_minute: Option<MinuteLoad>,
    /// The latest minute's utilisation of a serving task per zone (requests over capacity).
    zone_utilisation: Vec<f64>,
}

struct JobArrivals {
    rng: StreamRng,
    next_row: usize,
    /// The Poisson job's gap distribution in ms (see [`poisson_gaps`]), built once.
    gaps: Option<Exp<f64>>,
}

pub struct Workload<'a> {
    sc: &'a Scenario,
    durations: StreamRng,
    services: Vec<ServiceLoad>,
    jobs: Vec<JobArrivals>,
}

impl<'a> Workload<'a> {
    pub fn new(sc: &'a Scenario, streams: &RngStreams) -> Self {
        Workload {
            sc,
            durations: streams.stream("task-durations"),
            services: sc
                .services
                .iter()
                .map(|s| ServiceLoad {
                    load: s.load.clone(),
                    last_minute: None,
                    zone_utilisation: vec![0.0; sc.availability_zones.len()],
                })
                .collect(),
            jobs: sc
                .batch_jobs
                .iter()
                .map(|j| JobArrivals {
                    rng: streams.stream(&format!("workload/{}", j.name)),
                    next_row: 0,
                    gaps: match j.arrivals {
                        Arrivals::Poisson { rate_per_hour } => poisson_gaps(rate_per_hour),
                        _ => None,
                    },
                })
                .collect(),
        }
    }

    pub fn has_load(&self, s: usize) -> bool {
        self.services[s].load.is_some()
    }

    /// The minute just ended of service `s`'s load, served by `running` tasks (`None` for a
    /// service without a load curve). It is also remembered as the service's latest minute.
    pub fn minute(&mut self, s: usize, minute: u64, running: u32) -> Option<MinuteLoad> {
        let sl = &mut self.services[s];
        let m = sl.load.as_ref()?.minute(minute, running);
        let u = if running == 0 {
            0.0
        } else {
            m.requests / (f64::from(running) * sl.load.as_ref()?.task_capacity_rps * 60.0)
        };
        sl.zone_utilisation.fill(u);
        sl.last_minute = Some(m);
        Some(m)
    }

    /// The same with the minute's requests routed by a load balancer
    /// ([`LoadModel::routed_window`]).
    pub fn routed_minute(
        &mut self,
        s: usize,
        minute: u64,
        running: u32,
        zones: &[(f64, f64)],
        serving: u32,
    ) -> Option<MinuteLoad> {
        let sl = &mut self.services[s];
        let (m, u) = sl
            .load
            .as_ref()?
            .routed_window(minute * 60_000, 60_000, running, zones, serving);
        sl.zone_utilisation = u;
        sl.last_minute = Some(m);
        Some(m)
    }

    /// The routed 20-second window (high-resolution metrics).
    pub fn routed_window(
        &self,
        s: usize,
        start_ms: u64,
        len_ms: u64,
        running: u32,
        zones: &[(f64, f64)],
        serving: u32,
    ) -> Option<MinuteLoad> {
        let l = self.services[s].load.as_ref()?;
        Some(l.routed_window(start_ms, len_ms, running, zones, serving).0)
    }

    /// The latest minute's utilisation of a serving task of service `s` in `zone`.
    pub fn task_utilisation(&self, s: usize, zone: usize) -> f64 {
        self.services[s].zone_utilisation.get(zone).copied().unwrap_or(0.0)
    }

    /// The 20-second window ending now of service `s`'s load, for high-resolution metrics
    /// (`None` without a load curve); the minute's figures still come from [`Workload::minute`].
    pub fn window(&self, s: usize, start_ms: u64, len_ms: u64, running: u32) -> Option<MinuteLoad> {
        Some(self.services[s].load.as_ref()?.window(start_ms, len_ms, running))
    }

    /// The latest minute of service `s`'s load.
    pub fn last_minute(&self, s: usize) -> Option<MinuteLoad> {
        self.services[s].last_minute
    }

    /// How long a new task of service `s` runs (`None`: until stopped).
    pub fn service_task_run_time(&mut self, s: usize) -> Option<u64> {
        let d = self.sc.services[s].task_run_time.as_ref()?;
        Some(d.sample(&mut self.durations))
    }

    /// When job `j` first submits, if before its stop time.
    pub fn first_arrival(&mut self, j: usize) -> Option<SimTime> {
        let spec = &self.sc.batch_jobs[j];
        let first = match &spec.arrivals {
            Arrivals::Poisson { .. } => {
                poisson_gap(&mut self.jobs[j]).map(|g| SimTime(spec.start_ms).saturating_add(g))
            }
            Arrivals::Trace { rows, .. } => rows.first().map(|r| SimTime(spec.start_ms + r.arrival_ms)),
            Arrivals::Schedule(s) => s
                .next_after(Some(spec.start_ms).filter(|s| *s > 0), self.sc.start_epoch_ms)
                .map(SimTime),
        };
        first.filter(|t| spec.stop_ms.is_none_or(|s| t.as_ms() < s))
    }

    /// Job `j`'s submission at `now`, and when it submits next.
    pub fn submission(&mut self, j: usize, now: SimTime) -> Submission {
        let spec = &self.sc.batch_jobs[j];
        let durations = &mut self.durations;
        let mut sample = || spec.task_duration.as_ref().map(|d| d.sample(&mut *durations));
        let mut sub = Submission {
            cpu_units: None,
            memory_mib: None,
            gpus: None,
            run_ms: SmallVec::new(),
            next_at: None,
        };
        sub.next_at = match &spec.arrivals {
            Arrivals::Poisson { .. } => {
                sub.run_ms = (0..spec.count).map(|_| sample()).collect();
                poisson_gap(&mut self.jobs[j]).map(|g| now + g)
            }
            Arrivals::Schedule(s) => {
                sub.run_ms = (0..spec.count).map(|_| sample()).collect();
                s.next_after(Some(now.as_ms()), self.sc.start_epoch_ms).map(SimTime)
            }
            Arrivals::Trace { rows, .. } => {
                let k = self.jobs[j].next_row;
                let row = &rows[k];
                sub.cpu_units = row.cpu_units;
                sub.memory_mib = row.memory_mib;
                sub.gpus = row.gpus;
                sub.run_ms = (0..row.count).map(|_| row.duration_ms.or_else(&mut sample)).collect();
                self.jobs[j].next_row = k + 1;
                rows.get(k + 1).map(|r| SimTime(spec.start_ms + r.arrival_ms))
            }
        };
        sub.next_at = sub.next_at.filter(|t| spec.stop_ms.is_none_or(|s| t.as_ms() < s));
        sub
    }
}

/// Time to the next Poisson arrival in ms, or `None` for a zero rate.
fn poisson_gap(job: &mut JobArrivals) -> Option<u64> {
    let gap: f64 = job.gaps.as_ref()?.sample(&mut job.rng);
    Some(crate::engine::round_to_u64(gap))
}

/// The distribution of the gaps between arrivals at `rate_per_hour`, in ms (exponential
/// with mean 3,600,000 / rate), or `None` for a zero rate.
fn poisson_gaps(rate_per_hour: f64) -> Option<Exp<f64>> {
    if rate_per_hour <= 0.0 {
        return None;
    }
    let mean_ms = 3_600_000.0 / rate_per_hour;
    Some(Exp::new(1.0 / mean_ms).expect("positive rate"))
}
