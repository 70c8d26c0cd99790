//! What the run reports: the metrics columns, one sample per interval, and the summary.

use super::*;
use crate::metrics::{HealthSummary, ProviderSummary};
use crate::scenario::elastic::ProviderKind;
use crate::workload::latency::exponential_quantile;

/// The cluster-wide metrics.csv columns, in order (GPU columns follow `memory_reserved_pct`
/// when the cluster has GPUs).
const CLUSTER_METRICS: [&str; 16] = [
    "time_s",
    "instances",
    "cpu_registered_units",
    "cpu_reserved_units",
    "cpu_reserved_pct",
    "memory_registered_mib",
    "memory_reserved_mib",
    "memory_reserved_pct",
    "tasks_waiting",
    "fargate_tasks",
    "tasks_lost_total",
    "incident",
    "cost_usd_interval",
    "cost_usd_total",
    "cost_ec2_usd_total",
    "cost_fargate_usd_total",
];

/// An instance group's metrics.csv columns, after `group.<name>.`.
const GROUP_METRICS: [&str; 4] = [
    "instances",
    "instances_in_use",
    "cpu_reserved_pct",
    "memory_reserved_pct",
];

/// A service's load-model columns, after `service.<name>.` (services with a `load` only).
const SERVICE_LOAD_METRICS: [&str; 6] = [
    "cpu_utilization_pct",
    "memory_utilization_pct",
    "requests",
    "requests_over_capacity",
    "latency_p50_ms",
    "latency_p95_ms",
];

/// A target group's metrics.csv columns, after `target_group.<name>.`.
const TARGET_GROUP_METRICS: [&str; 6] = [
    "healthy",
    "unhealthy",
    "initial",
    "draining",
    "requests_per_target",
    "requests_unrouted",
];

impl Simulation<'_> {
    pub(super) fn metric_columns(&self) -> Vec<String> {
        let mut c: Vec<String> = CLUSTER_METRICS.iter().map(|s| s.to_string()).collect();
        if self.has_gpus() {
            let at = c
                .iter()
                .position(|n| n == "memory_reserved_pct")
                .expect("a fixed column")
                + 1;
            let gpu = ["gpus_registered", "gpus_reserved", "gpu_reserved_pct"];
            c.splice(at..at, gpu.map(str::to_string));
        }
        for g in &self.sc.instance_groups {
            for m in GROUP_METRICS {
                c.push(format!("group.{}.{m}", g.name));
            }
        }
        for a in &self.ecs.providers {
            if a.managed.is_some() {
                let name = &self.sc.capacity_providers[a.provider].name;
                for m in ["capacity_provider_reservation", "target_capacity", "desired"] {
                    c.push(format!("provider.{name}.{m}"));
                }
            }
        }
        for (si, s) in self.ecs.services.iter().enumerate() {
            for m in ["desired", "running", "pending"] {
                c.push(format!("service.{}.{m}", s.name));
            }
            if self.env.workload.has_load(si) {
                for m in SERVICE_LOAD_METRICS {
                    c.push(format!("service.{}.{m}", s.name));
                }
            }
            if self.cpu_target(si).is_some() {
                c.push(format!("service.{}.cpu_target_pct", s.name));
            }
        }
        for j in &self.ecs.jobs {
            for m in ["waiting", "starting", "running"] {
                c.push(format!("job.{}.{m}", j.name));
            }
        }
        // What each workload, and each group's idle capacity, cost in the interval.
        for s in &self.ecs.services {
            c.push(format!("service.{}.cost_usd_interval", s.name));
        }
        for j in &self.ecs.jobs {
            c.push(format!("job.{}.cost_usd_interval", j.name));
        }
        for g in &self.sc.instance_groups {
            c.push(format!("group.{}.cost_idle_usd_interval", g.name));
        }
        for tg in &self.sc.target_groups {
            for m in TARGET_GROUP_METRICS {
                c.push(format!("target_group.{}.{m}", tg.name));
            }
        }
        for s in self.health_checked_services() {
            for m in ["healthy", "stopping"] {
                c.push(format!("service.{}.{m}", self.sc.services[s].name));
            }
        }
        c
    }

    /// The services judged by health checks (behind a load balancer, or whose first task
    /// definition has a container health check): their healthy and STOPPING counts are columns.
    fn health_checked_services(&self) -> Vec<usize> {
        (0..self.sc.services.len())
            .filter(|&s| {
                let spec = &self.sc.services[s];
                !spec.load_balancers.is_empty() || self.sc.task_definitions[spec.task_definition].health_check.is_some()
            })
            .collect()
    }

    /// Per target group: its targets by state, and the latest minute's requests per healthy
    /// target (ALBRequestCountPerTarget) and requests with no target, of the first service
    /// attached to it.
    fn push_target_group_columns(&self, row: &mut Vec<MetricValue>) {
        for g in 0..self.sc.target_groups.len() {
            let c = self.env.elb.counts(g);
            for n in [c.healthy, c.unhealthy, c.initial, c.draining] {
                row.push(MetricValue::Count(u64::from(n)));
            }
            let minute = self
                .sc
                .services
                .iter()
                .position(|s| s.load_balancers.iter().any(|a| a.target_group == g))
                .and_then(|s| self.env.workload.last_minute(s));
            row.push(MetricValue::Amount(minute.map_or(0.0, |m| m.requests_per_target)));
            row.push(MetricValue::Amount(minute.map_or(0.0, |m| m.unrouted)));
        }
    }

    /// Whether any instance type the scenario uses has GPUs (then metrics.csv has GPU columns).
    fn has_gpus(&self) -> bool {
        self.sc.instance_types.iter().any(|t| t.gpus > 0)
    }

    /// The target of a service's target-tracking policy on CPU, if it has one.
    fn cpu_target(&self, s: usize) -> Option<f64> {
        self.autoscaling
            .tracked_target(ServiceId(s as u16), MetricName::CpuUtilization)
    }

    fn total_cost(&self) -> f64 {
        self.env.billing.total_accrued()
    }

    pub(super) fn sample_metrics(&mut self) -> std::io::Result<()> {
        let waiting = self.ecs.tasks_waiting();
        let (cpu_total, mem_total) = self.ecs.registered_totals();
        let cost = self.total_cost();
        let interval_cost = cost - self.env.report.last_sample_cost;
        self.env.report.last_sample_cost = cost;
        let live = |i: &Instance| matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining);
        let mut row = vec![
            MetricValue::Time(self.now()),
            MetricValue::Count(self.ecs.live_instances_of(live).len() as u64),
            MetricValue::Count(cpu_total),
            MetricValue::Count(self.ecs.cluster.cpu_reserved),
            MetricValue::Pct(pct(self.ecs.cluster.cpu_reserved, cpu_total)),
            MetricValue::Count(mem_total),
            MetricValue::Count(self.ecs.cluster.memory_reserved_mib),
            MetricValue::Pct(pct(self.ecs.cluster.memory_reserved_mib, mem_total)),
        ];
        if self.has_gpus() {
            row.push(MetricValue::Count(self.ecs.gpu_registered));
            row.push(MetricValue::Count(self.ecs.cluster.gpu_reserved));
            row.push(MetricValue::Pct(pct(
                self.ecs.cluster.gpu_reserved,
                self.ecs.gpu_registered,
            )));
        }
        row.extend([
            MetricValue::Count(waiting),
            MetricValue::Count(self.ecs.fargate.running),
            MetricValue::Count(self.env.observer.counts().tasks_lost),
            MetricValue::Count(u64::from(self.env.observer.incident().active)),
            MetricValue::Usd(interval_cost),
            MetricValue::Usd(cost),
        ]);
        let (ec2, fargate) = self.env.billing.accrued();
        row.extend([MetricValue::Usd(ec2), MetricValue::Usd(fargate)]);
        self.push_group_columns(&mut row);
        self.push_provider_columns(&mut row);
        self.push_service_columns(&mut row);
        for j in &self.ecs.jobs {
            row.push(MetricValue::Count(j.queue.len() as u64));
            row.push(MetricValue::Count(u64::from(j.starting)));
            row.push(MetricValue::Count(u64::from(j.running)));
        }
        self.push_cost_columns(&mut row);
        self.push_target_group_columns(&mut row);
        for s in self.health_checked_services() {
            let sid = ServiceId(s as u16);
            let now = self.now();
            let healthy = self
                .ecs
                .service_tasks(sid)
                .filter(|t| self.ecs.is_healthy(t, now))
                .count();
            row.push(MetricValue::Count(healthy as u64));
            row.push(MetricValue::Count(u64::from(self.ecs.services[s].stopping)));
        }
        self.env.metrics.row(row)
    }

    /// Per workload, then per instance group's idle capacity: the dollars since the last row.
    fn push_cost_columns(&mut self, row: &mut Vec<MetricValue>) {
        let now = self.now().as_ms();
        let workloads = self.ecs.services.len() + self.ecs.jobs.len();
        let billing = &self.env.billing;
        let costs: Vec<f64> = (0..workloads)
            .map(|w| billing.workload_cost_at(w, now))
            .chain((0..self.sc.instance_groups.len()).map(|g| billing.group_idle_at(g, now)))
            .collect();
        let last = &mut self.env.report.last_sample_costs;
        last.resize(costs.len(), 0.0);
        for (c, l) in costs.iter().zip(last.iter_mut()) {
            row.push(MetricValue::Usd(c - *l));
            *l = *c;
        }
    }

    /// Per instance group: instances, instances in use, CPU and memory reserved (%).
    fn push_group_columns(&self, row: &mut Vec<MetricValue>) {
        let live = |i: &Instance| matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining);
        let groups = self.sc.instance_groups.len();
        let mut in_use = vec![0u64; groups];
        let mut count = vec![0u64; groups];
        let mut cpu_tot = vec![0u64; groups];
        let mut mem_tot = vec![0u64; groups];
        for i in self
            .ecs
            .live_instances_of(live)
            .into_iter()
            .map(|i| &self.ecs.cluster.instances[i.index()])
        {
            let g = i.group.0 as usize;
            count[g] += 1;
            cpu_tot[g] += u64::from(i.cpu_total);
            mem_tot[g] += u64::from(i.memory_total_mib);
            if !i.tasks.is_empty() {
                in_use[g] += 1;
            }
        }
        for g in 0..groups {
            row.push(MetricValue::Count(count[g]));
            row.push(MetricValue::Count(in_use[g]));
            row.push(MetricValue::Pct(pct(self.ecs.group_cpu_reserved[g], cpu_tot[g])));
            row.push(MetricValue::Pct(pct(self.ecs.group_mem_reserved[g], mem_tot[g])));
        }
    }

    /// Per capacity provider with managed scaling: CapacityProviderReservation and desired capacity.
    fn push_provider_columns(&self, row: &mut Vec<MetricValue>) {
        for a in &self.ecs.providers {
            if a.managed.is_some() {
                let cpr = MetricKey::CapacityProviderReservation(a.provider as u16);
                row.push(MetricValue::Pct(self.env.cloudwatch.latest(cpr).unwrap_or(100.0)));
                let target = a.managed.as_ref().map_or(100, |m| m.target_capacity);
                row.push(MetricValue::Count(u64::from(target)));
                row.push(MetricValue::Count(u64::from(self.env.ec2.desired_capacity(a.group))));
            }
        }
    }

    /// Per service: desired, running and waiting tasks; load figures; the CPU target.
    fn push_service_columns(&self, row: &mut Vec<MetricValue>) {
        for (si, s) in self.ecs.services.iter().enumerate() {
            let desired = if s.daemon {
                u64::from(s.running + s.starting)
            } else {
                u64::from(s.desired)
            };
            row.push(MetricValue::Count(desired));
            row.push(MetricValue::Count(u64::from(s.running)));
            row.push(MetricValue::Count(u64::from(s.starting) + s.unplaced.len() as u64));
            if self.env.workload.has_load(si) {
                let l = self.env.workload.last_minute(si);
                row.push(MetricValue::OptPct(l.and_then(|l| l.cpu_pct)));
                row.push(MetricValue::OptPct(l.and_then(|l| l.memory_pct)));
                row.push(MetricValue::Amount(l.map_or(0.0, |l| l.requests)));
                row.push(MetricValue::Amount(l.map_or(0.0, |l| l.over_capacity)));
                for q in [0.50, 0.95] {
                    let mean = l.and_then(|l| l.latency_mean_s);
                    row.push(MetricValue::OptMs(mean.map(|m| exponential_quantile(q, m) * 1000.0)));
                }
            }
            if let Some(t) = self.cpu_target(si) {
                row.push(MetricValue::Pct(t));
            }
        }
    }

    pub(super) fn summary(&mut self) -> Summary {
        let sc = self.sc;
        let dur_ms = sc.duration_ms as f64;
        let (w, replacement, per_workload) = self.env.observer.take_distributions();
        let mean = w.mean() / 1000.0;
        let p = |q: f64| w.percentile(q) as f64 / 1000.0;
        let (hours, ec2, fargate, split) = self.final_costs();
        let end = SimTime(sc.duration_ms);
        let mut instance_ms = vec![0u64; sc.instance_groups.len()];
        for i in &self.ecs.cluster.instances {
            instance_ms[i.group.0 as usize] += i.terminated_at.unwrap_or(end) - i.launched_at;
        }
        let idle_hours = self.env.observer.group_idle_hours(end, &instance_ms);
        let areas = self.env.observer.areas().clone();
        let running_at_end = self.ecs.tasks.iter().filter(|t| t.state == TaskState::Running).count() as u64;
        let stats = self.env.observer.services();
        let requests = sum(stats.iter().map(|s| s.requests));
        let over = sum(stats.iter().map(|s| s.over_capacity));
        Summary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            start_time: sc
                .start_time_set
                .then(|| jiff::Timestamp::from_millisecond(sc.start_epoch_ms).map_or(String::new(), |t| t.to_string())),
            duration_s: dur_ms / 1000.0,
            events_processed: self.env.queue.popped(),
            tasks_submitted: self.env.observer.counts().submitted,
            tasks_placed: self.env.observer.counts().placed,
            tasks_completed: self.env.observer.counts().completed,
            tasks_failed: self.env.observer.counts().failed,
            tasks_waiting_at_end: self.ecs.tasks_waiting(),
            tasks_running_at_end: running_at_end,
            placement_failures: self.env.observer.counts().placement_failures,
            task_wait_mean_s: mean,
            task_wait_p50_s: p(50.0),
            task_wait_p90_s: p(90.0),
            task_wait_p95_s: p(95.0),
            task_wait_p99_s: p(99.0),
            task_wait_max_s: seconds(w.max()),
            cpu_reserved_mean_pct: share_pct(areas.cpu_reserved, areas.cpu_registered),
            memory_reserved_mean_pct: share_pct(areas.memory_reserved, areas.memory_registered),
            gpu_reserved_mean_pct: share_pct(areas.gpu_reserved, areas.gpu_registered),
            requests_total: requests,
            requests_over_capacity: over,
            requests_over_capacity_pct: if requests > 0.0 { over * 100.0 / requests } else { 0.0 },
            scaling_actions: stats.iter().map(|s| s.scaling_actions).sum(),
            instances: self.ecs.cluster.instances.len() as u64,
            instances_launched: self.env.observer.counts().instances_launched,
            instances_terminated: self.env.observer.counts().instances_terminated,
            instance_hours: hours,
            idle_instance_hours: sum(idle_hours.iter().map(|h| h.0)),
            instance_hours_above_packing: sum(idle_hours.iter().map(|h| h.1)),
            cost_ec2_usd: ec2,
            cost_fargate_usd: fargate,
            cost_usd: ec2 + fargate,
            cost_idle_ec2_usd: sum(split.group_idle_usd.iter().copied()),
            tasks_lost: self.env.observer.counts().tasks_lost,
            replacement_latency_p50_s: seconds(replacement.percentile(50.0)),
            replacement_latency_p95_s: seconds(replacement.percentile(95.0)),
            replacement_latency_max_s: seconds(replacement.max()),
            below_desired_s: seconds(stats.iter().map(|s| s.below_desired_ms).sum()),
            below_min_healthy_s: seconds(stats.iter().map(|s| s.below_min_healthy_ms).sum()),
            incident_s: seconds(self.env.observer.incident().ms),
            incident_requests_over_capacity: self.env.observer.incident().requests_over_capacity,
            incident_cost_usd: self.env.observer.incident().cost_usd,
            deployments_completed: self.env.observer.counts().deployments_completed,
            deployments_failed: self.env.observer.counts().deployments_failed,
            health: self.health_summary(),
            services: self.service_summaries(&split, &per_workload),
            batch_jobs: self.job_summaries(&split, &per_workload),
            instance_groups: self.group_summaries(&split, &idle_hours),
            capacity_providers: self.provider_summaries(&split),
        }
    }

    /// The health checks' figures: how long tasks took to become healthy, and what the
    /// load balancers could not route.
    fn health_summary(&mut self) -> HealthSummary {
        let healthy = self.env.observer.take_healthy_after();
        let stats = self.env.observer.services();
        HealthSummary {
            time_to_healthy_p50_s: seconds(healthy.percentile(50.0)),
            time_to_healthy_p95_s: seconds(healthy.percentile(95.0)),
            tasks_replaced_unhealthy: stats.iter().map(|s| s.replaced_unhealthy).sum(),
            requests_unrouted: sum(stats.iter().map(|s| s.unrouted)),
            no_healthy_target_s: seconds(stats.iter().map(|s| s.zero_healthy_ms).sum()),
        }
    }

    /// One summary row per instance group: its cost, the part no task reserved, and its
    /// idle instance-hours (`idle_hours`: idle and above a perfect packing, per group).
    fn group_summaries(&self, split: &Attribution, idle_hours: &[(f64, f64)]) -> Vec<GroupSummary> {
        self.sc
            .instance_groups
            .iter()
            .zip(split.group_usd.iter().zip(&split.group_idle_usd))
            .zip(idle_hours.iter().copied())
            .map(|((g, (cost, idle)), (idle_hours, above))| GroupSummary {
                name: g.name.clone(),
                cost_usd: *cost,
                cost_idle_usd: *idle,
                idle_instance_hours: idle_hours,
                instance_hours_above_packing: above,
            })
            .collect()
    }

    /// One summary row per capacity provider: its Auto Scaling group's cost, or Fargate's
    /// (or Fargate Spot's).
    fn provider_summaries(&self, split: &Attribution) -> Vec<ProviderSummary> {
        self.sc
            .capacity_providers
            .iter()
            .map(|p| {
                let (cost, idle) = match &p.kind {
                    ProviderKind::Asg { group, .. } => (split.group_usd[*group], split.group_idle_usd[*group]),
                    ProviderKind::Fargate { spot } => (split.fargate_kind_usd[usize::from(*spot)], 0.0),
                };
                ProviderSummary {
                    name: p.name.clone(),
                    cost_usd: cost,
                    cost_idle_usd: idle,
                }
            })
            .collect()
    }

    /// One summary row per batch job.
    fn job_summaries(&self, split: &Attribution, waits: &[Distribution]) -> Vec<JobSummary> {
        let offset = self.ecs.services.len();
        let outcomes = self.env.observer.outcomes();
        self.ecs
            .jobs
            .iter()
            .enumerate()
            .map(|(k, j)| {
                let cost = WorkloadCost::new(
                    split.workload_ec2_usd[offset + k],
                    split.workload_fargate_usd[offset + k],
                );
                JobSummary {
                    name: j.name.clone(),
                    waits: WaitSummary::of(&waits[offset + k]),
                    waiting_at_end: j.queue.len() as u64,
                    running_at_end: u64::from(j.running),
                    tasks_started: outcomes[offset + k].started,
                    tasks_completed: outcomes[offset + k].completed,
                    tasks_failed: outcomes[offset + k].failed,
                    tasks_lost: outcomes[offset + k].lost,
                    cost,
                }
            })
            .collect()
    }

    /// Instance hours, and the final EC2 and Fargate bill: what still runs at the end is
    /// billed to the end, with its minimum.
    fn final_costs(&self) -> (f64, f64, f64, Attribution) {
        let sc = self.sc;
        let end = SimTime(sc.duration_ms);
        let mut hours = 0.0;
        for i in &self.ecs.cluster.instances {
            let stop = i.terminated_at.unwrap_or(end);
            hours += (stop - i.launched_at) as f64 / 3_600_000.0;
        }
        let open_instances = self
            .ecs
            .cluster
            .instances
            .iter()
            .filter(|i| i.terminated_at.is_none())
            .map(|i| {
                (
                    i.group.0 as usize,
                    sc.instance_groups[i.group.0 as usize].price_per_hour_usd,
                    end - i.launched_at,
                )
            });
        let open_fargate = self.ecs.tasks.iter().filter_map(|t| match (t.fargate, t.billing_from) {
            (Some(slot), Some(from)) if t.state != TaskState::Stopped => Some((
                self.ecs.workload_index(t.owner),
                slot.spot,
                self.ecs.fargate_hourly(&self.env.billing, t.id),
                end - from,
            )),
            _ => None,
        });
        let (ec2, fargate, split) = self.env.billing.settle(end.as_ms(), open_instances, open_fargate);
        (hours, ec2, fargate, split)
    }

    /// One summary row per service.
    fn service_summaries(&self, split: &Attribution, waits: &[Distribution]) -> Vec<ServiceSummary> {
        let stats = self.env.observer.services();
        let outcomes = self.env.observer.outcomes();
        self.ecs
            .services
            .iter()
            .zip(stats)
            .enumerate()
            .map(|(k, (s, o))| ServiceSummary {
                name: s.name.clone(),
                waits: WaitSummary::of(&waits[k]),
                desired_count: if s.daemon {
                    u64::from(s.running + s.starting)
                } else {
                    u64::from(s.desired)
                },
                running_at_end: u64::from(s.running),
                tasks_started: outcomes[k].started,
                tasks_completed: outcomes[k].completed,
                tasks_failed: outcomes[k].failed,
                placement_failures: o.placement_failures,
                requests_total: o.requests,
                requests_served: o.served,
                requests_over_capacity: o.over_capacity,
                scaling_actions: o.scaling_actions,
                tasks_lost: outcomes[k].lost,
                below_desired_s: o.below_desired_ms as f64 / 1000.0,
                below_min_healthy_s: o.below_min_healthy_ms as f64 / 1000.0,
                // To the microsecond.
                latency_p50_ms: o.latency.quantile_s(0.50).map(|t| (t * 1e6).round() / 1000.0),
                latency_p95_ms: o.latency.quantile_s(0.95).map(|t| (t * 1e6).round() / 1000.0),
                cost: WorkloadCost::new(split.workload_ec2_usd[k], split.workload_fargate_usd[k]),
            })
            .collect()
    }
}

/// `a` as a percentage of `b`; 0 when `b` is 0.
fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

/// Milliseconds as seconds.
fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// `part` as a percentage of `whole`, 0 when `whole` is 0.
fn share_pct(part: f64, whole: f64) -> f64 {
    if whole == 0.0 {
        0.0
    } else {
        part * 100.0 / whole
    }
}

/// A sum folded from +0.0: an empty `f64` sum is -0.0, which summary files would print as
/// such.
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}
