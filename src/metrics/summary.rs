//! Totals of one run, written as `summary.csv` (one row, fixed columns) and `summary.json`.

use serde::Serialize;

/// Nearest-rank percentile of sorted values (`p` in 0..=100); 0 for an empty list.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Dollars rounded to a millionth for summary.json (the sums behind them carry float noise).
fn usd<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((x * 1e6).round() / 1e6)
}

/// A workload's waits from submission to placement: how many tasks were placed, and the
/// percentiles in seconds (exact up to a thousand placements, within a hundredth above
/// beyond: see `Distribution::per_workload`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitSummary {
    pub tasks_placed: u64,
    pub wait_mean_s: f64,
    pub wait_p50_s: f64,
    pub wait_p95_s: f64,
    pub wait_p99_s: f64,
    pub wait_max_s: f64,
}

impl WaitSummary {
    /// From a sealed distribution of waits in ms.
    pub fn of(d: &super::Distribution) -> Self {
        let s = |ms: u64| ms as f64 / 1000.0;
        WaitSummary {
            tasks_placed: d.count(),
            // To the millisecond, as the percentiles.
            wait_mean_s: d.mean().round() / 1000.0,
            wait_p50_s: s(d.percentile(50.0)),
            wait_p95_s: s(d.percentile(95.0)),
            wait_p99_s: s(d.percentile(99.0)),
            wait_max_s: s(d.max()),
        }
    }
}

/// Per-service totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceSummary {
    pub name: String,
    #[serde(flatten)]
    pub waits: WaitSummary,
    pub desired_count: u64,
    pub running_at_end: u64,
    pub tasks_started: u64,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub placement_failures: u64,
    pub requests_total: f64,
    pub requests_served: f64,
    pub requests_over_capacity: f64,
    pub scaling_actions: u64,
    pub tasks_lost: u64,
    pub below_desired_s: f64,
    pub below_min_healthy_s: f64,
    /// Request latency over the run (README, "Latency"): `None` without a load model, or
    /// when saturated minutes hold more than the quantile's tail of the served requests.
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    #[serde(flatten)]
    pub cost: WorkloadCost,
}

/// What a workload cost: the split cost of its EC2 tasks (their reserved share of each
/// instance's cost while placed), the charges of its Fargate tasks, and the sum.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct WorkloadCost {
    #[serde(serialize_with = "usd")]
    pub cost_ec2_usd: f64,
    #[serde(serialize_with = "usd")]
    pub cost_fargate_usd: f64,
    #[serde(serialize_with = "usd")]
    pub cost_usd: f64,
}

impl WorkloadCost {
    pub fn new(ec2: f64, fargate: f64) -> Self {
        WorkloadCost {
            cost_ec2_usd: ec2,
            cost_fargate_usd: fargate,
            cost_usd: ec2 + fargate,
        }
    }
}

/// Per-batch-job totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobSummary {
    pub name: String,
    #[serde(flatten)]
    pub waits: WaitSummary,
    pub waiting_at_end: u64,
    pub running_at_end: u64,
    /// Tasks that reached RUNNING, finished their work, were given up, were lost.
    pub tasks_started: u64,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub tasks_lost: u64,
    #[serde(flatten)]
    pub cost: WorkloadCost,
}

/// Per-instance-group cost: all of it, and the idle part no task reserved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupSummary {
    pub name: String,
    #[serde(serialize_with = "usd")]
    pub cost_usd: f64,
    #[serde(serialize_with = "usd")]
    pub cost_idle_usd: f64,
    /// Instance-hours (launch to termination) with no task other than daemons.
    #[serde(serialize_with = "hours")]
    pub idle_instance_hours: f64,
    /// Instance-hours beyond a perfect packing of the group's reservations.
    #[serde(serialize_with = "hours")]
    pub instance_hours_above_packing: f64,
}

/// Hours rounded to a millionth (3.6 ms) for summary.json.
fn hours<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((x * 1e6).round() / 1e6)
}

/// Per capacity provider: what the capacity it provides cost. An Auto Scaling group
/// provider's is its group's instances (and their idle part); FARGATE's and FARGATE_SPOT's
/// are their tasks' (tasks with launch type FARGATE count under FARGATE).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProviderSummary {
    pub name: String,
    #[serde(serialize_with = "usd")]
    pub cost_usd: f64,
    #[serde(serialize_with = "usd")]
    pub cost_idle_usd: f64,
}

/// Per-run totals. Field order is the column order of `summary.csv`.
// Long: one field per column of summary.csv / summary.json, in output order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    /// The scenario's `start_time` (RFC 3339, UTC) when it set one: simulated time zero on
    /// the wall clock. In summary.json only (not a figure of summary.csv).
    pub start_time: Option<String>,
    pub duration_s: f64,
    pub events_processed: u64,
    pub tasks_submitted: u64,
    pub tasks_placed: u64,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub tasks_waiting_at_end: u64,
    pub tasks_running_at_end: u64,
    pub placement_failures: u64,
    pub task_wait_mean_s: f64,
    pub task_wait_p50_s: f64,
    pub task_wait_p90_s: f64,
    pub task_wait_p95_s: f64,
    pub task_wait_p99_s: f64,
    pub task_wait_max_s: f64,
    pub cpu_reserved_mean_pct: f64,
    pub memory_reserved_mean_pct: f64,
    /// Time-average of GPUs reserved over GPUs registered (0 without GPU instances).
    pub gpu_reserved_mean_pct: f64,
    pub requests_total: f64,
    pub requests_over_capacity: f64,
    pub requests_over_capacity_pct: f64,
    pub scaling_actions: u64,
    pub instances: u64,
    pub instances_launched: u64,
    pub instances_terminated: u64,
    pub instance_hours: f64,
    /// Summed over instance groups: instance-hours with no task but daemons, and beyond a
    /// perfect packing of the reservations.
    pub idle_instance_hours: f64,
    pub instance_hours_above_packing: f64,
    #[serde(serialize_with = "usd")]
    pub cost_ec2_usd: f64,
    #[serde(serialize_with = "usd")]
    pub cost_fargate_usd: f64,
    #[serde(serialize_with = "usd")]
    pub cost_usd: f64,
    /// The EC2 cost no task reserved (instance groups' idle cost).
    pub cost_idle_ec2_usd: f64,
    pub tasks_lost: u64,
    pub replacement_latency_p50_s: f64,
    pub replacement_latency_p95_s: f64,
    pub replacement_latency_max_s: f64,
    pub below_desired_s: f64,
    pub below_min_healthy_s: f64,
    pub incident_s: f64,
    pub incident_requests_over_capacity: f64,
    pub incident_cost_usd: f64,
    pub deployments_completed: u64,
    pub deployments_failed: u64,
    #[serde(flatten)]
    pub health: HealthSummary,
    #[serde(skip)]
    pub services: Vec<ServiceSummary>,
    #[serde(skip)]
    pub batch_jobs: Vec<JobSummary>,
    #[serde(skip)]
    pub instance_groups: Vec<GroupSummary>,
    #[serde(skip)]
    pub capacity_providers: Vec<ProviderSummary>,
}

/// Health checks and load balancing over the run (all zero without them).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HealthSummary {
    /// Times from RUNNING to first passing every health check (load balancer and container).
    pub time_to_healthy_p50_s: f64,
    pub time_to_healthy_p95_s: f64,
    /// Tasks stopped and replaced for failing health checks.
    pub tasks_replaced_unhealthy: u64,
    /// Requests a load balancer had no target for (counted in requests_over_capacity too).
    pub requests_unrouted: f64,
    /// Summed over services: time with no healthy target while tasks were wanted.
    pub no_healthy_target_s: f64,
}

/// Column order of `workloads.csv`.
pub const WORKLOAD_COLUMNS: [&str; 11] = [
    "workload",
    "kind",
    "tasks_placed",
    "wait_p50_s",
    "wait_p95_s",
    "wait_max_s",
    "latency_p95_ms",
    "cost_ec2_usd",
    "cost_fargate_usd",
    "cost_usd",
    "cost_usd_per_day",
];

/// Column order of `summary.csv`.
pub const SUMMARY_COLUMNS: [&str; 50] = [
    "scenario",
    "seed",
    "duration_s",
    "events_processed",
    "tasks_submitted",
    "tasks_placed",
    "tasks_completed",
    "tasks_failed",
    "tasks_waiting_at_end",
    "tasks_running_at_end",
    "placement_failures",
    "task_wait_mean_s",
    "task_wait_p50_s",
    "task_wait_p90_s",
    "task_wait_p95_s",
    "task_wait_p99_s",
    "task_wait_max_s",
    "cpu_reserved_mean_pct",
    "memory_reserved_mean_pct",
    "gpu_reserved_mean_pct",
    "requests_total",
    "requests_over_capacity",
    "requests_over_capacity_pct",
    "scaling_actions",
    "instances",
    "instances_launched",
    "instances_terminated",
    "instance_hours",
    "idle_instance_hours",
    "instance_hours_above_packing",
    "cost_ec2_usd",
    "cost_fargate_usd",
    "cost_usd",
    "cost_idle_ec2_usd",
    "tasks_lost",
    "replacement_latency_p50_s",
    "replacement_latency_p95_s",
    "replacement_latency_max_s",
    "below_desired_s",
    "below_min_healthy_s",
    "incident_s",
    "incident_requests_over_capacity",
    "incident_cost_usd",
    "deployments_completed",
    "deployments_failed",
    "time_to_healthy_p50_s",
    "time_to_healthy_p95_s",
    "tasks_replaced_unhealthy",
    "requests_unrouted",
    "no_healthy_target_s",
];

impl Summary {
    fn values(&self) -> Vec<String> {
        let f3 = |x: f64| format!("{x:.3}");
        let f2 = |x: f64| format!("{x:.2}");
        vec![
            self.scenario.clone(),
            self.seed.to_string(),
            f3(self.duration_s),
            self.events_processed.to_string(),
            self.tasks_submitted.to_string(),
            self.tasks_placed.to_string(),
            self.tasks_completed.to_string(),
            self.tasks_failed.to_string(),
            self.tasks_waiting_at_end.to_string(),
            self.tasks_running_at_end.to_string(),
            self.placement_failures.to_string(),
            f3(self.task_wait_mean_s),
            f3(self.task_wait_p50_s),
            f3(self.task_wait_p90_s),
            f3(self.task_wait_p95_s),
            f3(self.task_wait_p99_s),
            f3(self.task_wait_max_s),
            f2(self.cpu_reserved_mean_pct),
            f2(self.memory_reserved_mean_pct),
            f2(self.gpu_reserved_mean_pct),
            format!("{:.1}", self.requests_total),
            format!("{:.1}", self.requests_over_capacity),
            f3(self.requests_over_capacity_pct),
            self.scaling_actions.to_string(),
            self.instances.to_string(),
            self.instances_launched.to_string(),
            self.instances_terminated.to_string(),
            f3(self.instance_hours),
            f3(self.idle_instance_hours),
            f3(self.instance_hours_above_packing),
            format!("{:.4}", self.cost_ec2_usd),
            format!("{:.4}", self.cost_fargate_usd),
            format!("{:.4}", self.cost_usd),
            format!("{:.4}", self.cost_idle_ec2_usd),
            self.tasks_lost.to_string(),
            f3(self.replacement_latency_p50_s),
            f3(self.replacement_latency_p95_s),
            f3(self.replacement_latency_max_s),
            f3(self.below_desired_s),
            f3(self.below_min_healthy_s),
            f3(self.incident_s),
            format!("{:.1}", self.incident_requests_over_capacity),
            format!("{:.4}", self.incident_cost_usd),
            self.deployments_completed.to_string(),
            self.deployments_failed.to_string(),
            f3(self.health.time_to_healthy_p50_s),
            f3(self.health.time_to_healthy_p95_s),
            self.health.tasks_replaced_unhealthy.to_string(),
            format!("{:.1}", self.health.requests_unrouted),
            f3(self.health.no_healthy_target_s),
        ]
    }

    /// The figures (columns) that are NaN or infinite.
    pub fn non_finite(&self) -> Vec<&'static str> {
        SUMMARY_COLUMNS
            .iter()
            .zip(self.values())
            .filter(|(k, v)| **k != "scenario" && v.parse::<f64>().is_ok_and(|x| !x.is_finite()))
            .map(|(k, _)| *k)
            .collect()
    }

    /// `workloads.csv`'s rows: every service, every batch job, then each instance group's
    /// idle capacity, with its placements, waits and cost (in all, and per day of the run).
    pub fn workload_rows(&self) -> Vec<[String; 11]> {
        let days = (self.duration_s / 86_400.0).max(f64::MIN_POSITIVE);
        let usd = |x: f64| format!("{x:.4}");
        let waits = |w: &WaitSummary| {
            [
                w.tasks_placed.to_string(),
                format!("{:.3}", w.wait_p50_s),
                format!("{:.3}", w.wait_p95_s),
                format!("{:.3}", w.wait_max_s),
            ]
        };
        // Empty for a workload without a latency model and when unbounded (saturated).
        let row = |name: &str, kind: &str, w: [String; 4], latency: Option<f64>, c: WorkloadCost| {
            let (ec2, fargate) = (c.cost_ec2_usd, c.cost_fargate_usd);
            let [placed, p50, p95, max] = w;
            [
                name.to_string(),
                kind.to_string(),
                placed,
                p50,
                p95,
                max,
                latency.map_or(String::new(), |ms| format!("{ms:.3}")),
                usd(ec2),
                usd(fargate),
                usd(ec2 + fargate),
                usd((ec2 + fargate) / days),
            ]
        };
        let mut rows = Vec::new();
        for s in &self.services {
            rows.push(row(&s.name, "service", waits(&s.waits), s.latency_p95_ms, s.cost));
        }
        for j in &self.batch_jobs {
            rows.push(row(&j.name, "batch_job", waits(&j.waits), None, j.cost));
        }
        for g in &self.instance_groups {
            let none = [String::new(), String::new(), String::new(), String::new()];
            rows.push(row(
                &g.name,
                "idle",
                none,
                None,
                WorkloadCost::new(g.cost_idle_usd, 0.0),
            ));
        }
        rows
    }

    /// `workloads.csv`: one row per workload (and per group's idle capacity), see
    /// [`WORKLOAD_COLUMNS`].
    pub fn workloads_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(WORKLOAD_COLUMNS).expect("in-memory write");
        for r in self.workload_rows() {
            w.write_record(&r).expect("in-memory write");
        }
        String::from_utf8(w.into_inner().expect("in-memory flush")).expect("CSV is UTF-8")
    }

    /// The same rows as an aligned text table (what `ecsim run` prints).
    pub fn workloads_table(&self) -> String {
        let rows = self.workload_rows();
        let mut width: Vec<usize> = WORKLOAD_COLUMNS.iter().map(|c| c.len()).collect();
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut s = String::from("  ");
            for (k, c) in cells.iter().enumerate() {
                // Names left-aligned, figures right-aligned.
                if k < 2 {
                    s += &format!("{c:<w$}  ", w = width[k]);
                } else {
                    s += &format!("{c:>w$}  ", w = width[k]);
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(WORKLOAD_COLUMNS.to_vec());
        for r in &rows {
            out += &line(r.iter().map(String::as_str).collect());
        }
        out
    }

    /// `summary.csv`: a header and one row.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(SUMMARY_COLUMNS).expect("in-memory write");
        w.write_record(self.values()).expect("in-memory write");
        String::from_utf8(w.into_inner().expect("in-memory flush")).expect("CSV is UTF-8")
    }

    /// `summary.json`: the same figures, rounded as in the CSV, plus per-service totals.
    pub fn to_json(&self) -> String {
        let mut obj = serde_json::Map::new();
        for (k, v) in SUMMARY_COLUMNS.iter().zip(self.values()) {
            let value = match v.parse::<f64>() {
                Ok(_) if *k != "scenario" => serde_json::from_str(&v).unwrap_or(serde_json::Value::String(v)),
                _ => serde_json::Value::String(v),
            };
            obj.insert((*k).to_string(), value);
            if *k == "seed" {
                if let Some(t) = &self.start_time {
                    obj.insert("start_time".into(), serde_json::Value::String(t.clone()));
                }
            }
        }
        for (key, section) in [
            ("services", serde_json::to_value(&self.services)),
            ("batch_jobs", serde_json::to_value(&self.batch_jobs)),
            ("instance_groups", serde_json::to_value(&self.instance_groups)),
            ("capacity_providers", serde_json::to_value(&self.capacity_providers)),
        ] {
            obj.insert(key.into(), section.expect("plain data"));
        }
        let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(obj)).expect("plain data");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 95.0), 95);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }
}
