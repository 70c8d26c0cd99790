//! The observer: statistics of a run, fed from what happens (a task was placed after waiting
//! so long, a task was lost, the minute's requests, a scaling action) and from the levels of
//! the cluster between events. No AWS component keeps statistics; none reads these.

use crate::aws::ecs::model::ServiceId;
use crate::engine::SimTime;
use crate::metrics::Distribution;
use crate::workload::latency::LatencyMixture;
use crate::workload::load::MinuteLoad;
use std::collections::VecDeque;

/// Run-wide counters.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub submitted: u64,
    pub placed: u64,
    pub completed: u64,
    pub failed: u64,
    pub placement_failures: u64,
    pub instances_launched: u64,
    pub instances_terminated: u64,
    pub tasks_lost: u64,
    pub deployments_completed: u64,
    pub deployments_failed: u64,
}

/// Time integrals of reserved and registered capacity (unit x ms).
#[derive(Clone, Debug, Default)]
pub struct Areas {
    pub cpu_reserved: f64,
    pub memory_reserved: f64,
    pub cpu_registered: f64,
    pub memory_registered: f64,
    pub gpu_reserved: f64,
    pub gpu_registered: f64,
}

/// The cluster's levels between two events.
pub struct Levels {
    pub cpu_reserved: u64,
    pub memory_reserved: u64,
    pub cpu_registered: u64,
    pub memory_registered: u64,
    pub gpu_reserved: u64,
    pub gpu_registered: u64,
}

/// The incident window: from the first fault until every service is back at its desired
/// count with no fault active; harm measures accrue inside it.
#[derive(Clone, Debug, Default)]
pub struct Incident {
    pub active: bool,
    pub ms: u64,
    pub cost_usd: f64,
    pub requests_over_capacity: f64,
}

/// What became of one workload's (a service's or a batch job's) tasks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskOutcomes {
    /// Reached RUNNING.
    pub started: u64,
    /// Stopped because their work was done (the essential container exited 0).
    pub completed: u64,
    /// Given up before running: PROVISIONING timeouts, batch tasks that could not be placed.
    pub failed: u64,
    /// Lost to failures (instances, zones, Spot, crashes, OOM, stopped by a fault).
    pub lost: u64,
}

/// Statistics of one service.
#[derive(Clone, Debug, Default)]
pub struct ServiceStats {
    pub placement_failures: u64,
    pub requests: f64,
    pub served: f64,
    pub over_capacity: f64,
    pub scaling_actions: u64,
    /// Times of losses not yet matched by a replacement reaching RUNNING.
    losses: VecDeque<SimTime>,
    pub below_desired_ms: u64,
    pub below_min_healthy_ms: u64,
    /// The latency of the requests served, minute by minute.
    pub latency: LatencyMixture,
    /// Requests its load balancer had no target for.
    pub unrouted: f64,
    /// Tasks stopped and replaced because they failed health checks.
    pub replaced_unhealthy: u64,
    /// Time its (first) target group had no healthy target while tasks were wanted.
    pub zero_healthy_ms: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Observer {
    last: SimTime,
    counts: Counts,
    areas: Areas,
    incident: Incident,
    /// The waits from submission to placement, in ms.
    waits_ms: Distribution,
    /// The times from a service task's loss to its replacement's RUNNING, in ms.
    replacement_ms: Distribution,
    /// The times from a task's RUNNING to its first healthy by its health checks, in ms.
    healthy_after_ms: Distribution,
    services: Vec<ServiceStats>,
    /// Per workload (services, then batch jobs): its waits from submission to placement.
    workload_waits_ms: Vec<Distribution>,
    /// Per workload (services, then batch jobs): what became of its tasks.
    outcomes: Vec<TaskOutcomes>,
    /// Per instance group: its busy instances and perfect-packing need, integrated when they
    /// change.
    group_idle: Vec<GroupIdle>,
}

/// One instance group's busy instances (running a task other than a daemon) and
/// perfect-packing need since they last changed, and their integrals (instance x ms) before.
#[derive(Clone, Copy, Debug, Default)]
struct GroupIdle {
    busy: u32,
    busy_since: SimTime,
    busy_ms: u64,
    need: u32,
    need_since: SimTime,
    need_ms: u64,
}

impl GroupIdle {
    fn busy_to(&mut self, now: SimTime) {
        self.busy_ms += u64::from(self.busy) * (now - self.busy_since);
        self.busy_since = now;
    }

    fn need_to(&mut self, now: SimTime) {
        self.need_ms += u64::from(self.need) * (now - self.need_since);
        self.need_since = now;
    }
}

impl Observer {
    pub fn new(services: usize, jobs: usize, groups: usize) -> Self {
        Observer {
            services: vec![ServiceStats::default(); services],
            workload_waits_ms: (0..services + jobs).map(|_| Distribution::per_workload()).collect(),
            outcomes: vec![TaskOutcomes::default(); services + jobs],
            group_idle: vec![GroupIdle::default(); groups],
            ..Default::default()
        }
    }

    /// Milliseconds since the last integration (0 when no time passed).
    pub fn elapsed(&self, now: SimTime) -> u64 {
        now - self.last
    }

    /// Integrates the levels over `dt_ms` and moves the clock to `now`; `accrued_usd` is
    /// what Billing accrued over the same span.
    pub fn integrate(&mut self, now: SimTime, dt_ms: u64, levels: &Levels, accrued_usd: f64) {
        let dt = dt_ms as f64;
        self.areas.cpu_reserved += levels.cpu_reserved as f64 * dt;
        self.areas.memory_reserved += levels.memory_reserved as f64 * dt;
        self.areas.cpu_registered += levels.cpu_registered as f64 * dt;
        self.areas.memory_registered += levels.memory_registered as f64 * dt;
        self.areas.gpu_reserved += levels.gpu_reserved as f64 * dt;
        self.areas.gpu_registered += levels.gpu_registered as f64 * dt;
        if self.incident.active {
            self.incident.ms += dt_ms;
            self.incident.cost_usd += accrued_usd;
        }
        self.last = now;
    }

    /// A REPLICA service spent `dt_ms` with `running` of `desired` tasks, `min_healthy` being
    /// its deployment's lower bound.
    pub fn service_level(&mut self, s: ServiceId, dt_ms: u64, running: u32, desired: u32, min_healthy: u64) {
        let st = &mut self.services[s.0 as usize];
        if running < desired {
            st.below_desired_ms += dt_ms;
        }
        if u64::from(running) < min_healthy {
            st.below_min_healthy_ms += dt_ms;
        }
    }

    pub fn task_submitted(&mut self) {
        self.counts.submitted += 1;
    }

    /// A task of workload `workload` (services, then batch jobs) was placed after waiting
    /// `wait_ms` since its submission.
    pub fn task_placed(&mut self, workload: usize, wait_ms: u64) {
        self.waits_ms.record(wait_ms);
        self.workload_waits_ms[workload].record(wait_ms);
        self.counts.placed += 1;
    }

    /// A task of workload `workload` reached RUNNING.
    pub fn task_running(&mut self, workload: usize) {
        self.outcomes[workload].started += 1;
    }

    pub fn task_completed(&mut self, workload: usize) {
        self.counts.completed += 1;
        self.outcomes[workload].completed += 1;
    }

    pub fn task_failed(&mut self, workload: usize) {
        self.counts.failed += 1;
        self.outcomes[workload].failed += 1;
    }

    /// From `now` on, `busy` instances of group `g` run a task other than a daemon.
    pub fn group_busy(&mut self, g: usize, now: SimTime, busy: u32) {
        let a = &mut self.group_idle[g];
        a.busy_to(now);
        a.busy = busy;
    }

    /// From `now` on, a perfect packing of group `g`'s reservations needs `need` instances.
    pub fn group_need(&mut self, g: usize, now: SimTime, need: u32) {
        let a = &mut self.group_idle[g];
        a.need_to(now);
        a.need = need;
    }

    /// Per instance group, given its instance-time up to `end` (instance x ms, launch to
    /// termination): the idle instance-hours (not busy) and those beyond a perfect packing
    /// (a packing never needs more instances than hold the reservations, so both are the
    /// instance-time less an integral).
    pub fn group_idle_hours(&self, end: SimTime, instance_ms: &[u64]) -> Vec<(f64, f64)> {
        self.group_idle
            .iter()
            .zip(instance_ms)
            .map(|(a, total)| {
                let mut a = *a;
                a.busy_to(end);
                a.need_to(end);
                let h = |ms: u64| ms as f64 / 3_600_000.0;
                (h(total.saturating_sub(a.busy_ms)), h(total.saturating_sub(a.need_ms)))
            })
            .collect()
    }

    /// What became of each workload's tasks (services, then batch jobs).
    pub fn outcomes(&self) -> &[TaskOutcomes] {
        &self.outcomes
    }

    /// A placement failed (reported as RunTask's failures[] or a service event).
    pub fn placement_failed(&mut self, service: Option<ServiceId>) {
        self.counts.placement_failures += 1;
        if let Some(s) = service {
            self.services[s.0 as usize].placement_failures += 1;
        }
    }

    pub fn instance_launched(&mut self) {
        self.counts.instances_launched += 1;
    }

    pub fn instance_terminated(&mut self) {
        self.counts.instances_terminated += 1;
    }

    /// A task was lost to a failure; a REPLICA service's loss waits for its replacement.
    pub fn task_lost(&mut self, now: SimTime, workload: usize, service: Option<(ServiceId, bool)>) {
        self.counts.tasks_lost += 1;
        self.outcomes[workload].lost += 1;
        if let Some((s, daemon)) = service {
            let st = &mut self.services[s.0 as usize];
            if !daemon {
                st.losses.push_back(now);
            }
        }
    }

    /// A service task reached RUNNING: it replaces the oldest loss still waiting.
    pub fn service_task_running(&mut self, now: SimTime, s: ServiceId) {
        let st = &mut self.services[s.0 as usize];
        if let Some(lost_at) = st.losses.pop_front() {
            self.replacement_ms.record(now - lost_at);
        }
    }

    pub fn scaling_action(&mut self, s: ServiceId) {
        self.services[s.0 as usize].scaling_actions += 1;
    }

    /// The minute's requests of a service: all, served, and over capacity.
    pub fn minute_requests(&mut self, s: ServiceId, m: &MinuteLoad) {
        let (requests, served, over_capacity) = (m.requests, m.served, m.over_capacity);
        let st = &mut self.services[s.0 as usize];
        st.latency.add(served, m.latency_mean_s);
        st.requests += requests;
        st.served += served;
        st.over_capacity += over_capacity;
        st.unrouted += m.unrouted;
        if self.incident.active {
            self.incident.requests_over_capacity += over_capacity;
        }
    }

    /// A task judged by health checks passed all of them for the first time, `ms` after
    /// RUNNING.
    pub fn task_healthy_after(&mut self, _s: ServiceId, ms: u64) {
        self.healthy_after_ms.record(ms);
    }

    /// A task of service `s` is replaced because it failed its health checks.
    pub fn task_replaced_unhealthy(&mut self, s: ServiceId) {
        self.services[s.0 as usize].replaced_unhealthy += 1;
    }

    /// Service `s`'s target group had no healthy target for `dt_ms` while it wanted tasks.
    pub fn no_healthy_target(&mut self, s: ServiceId, dt_ms: u64) {
        self.services[s.0 as usize].zero_healthy_ms += dt_ms;
    }

    pub fn deployment_completed(&mut self) {
        self.counts.deployments_completed += 1;
    }

    pub fn deployment_failed(&mut self) {
        self.counts.deployments_failed += 1;
    }

    pub fn incident_begins(&mut self) {
        self.incident.active = true;
    }

    pub fn incident_ends(&mut self) {
        self.incident.active = false;
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    pub fn areas(&self) -> &Areas {
        &self.areas
    }

    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    pub fn services(&self) -> &[ServiceStats] {
        &self.services
    }

    /// The waits and the replacement latencies, ready for percentiles, handed over at the
    /// end of the run.
    pub fn take_distributions(&mut self) -> (Distribution, Distribution, Vec<Distribution>) {
        let mut waits = std::mem::take(&mut self.waits_ms);
        let mut replacement = std::mem::take(&mut self.replacement_ms);
        let mut per_workload = std::mem::take(&mut self.workload_waits_ms);
        waits.seal();
        replacement.seal();
        per_workload.iter_mut().for_each(Distribution::seal);
        (waits, replacement, per_workload)
    }

    /// The times from RUNNING to healthy, sealed (once, at the end of the run).
    pub fn take_healthy_after(&mut self) -> Distribution {
        let mut d = std::mem::take(&mut self.healthy_after_ms);
        d.seal();
        d
    }
}
