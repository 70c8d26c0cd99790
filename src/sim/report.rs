//! What the run reports: the metrics columns, one sample per interval, the time-weighted
//! reservation integrals and the summary.

use super::*;

impl Simulation<'_> {
    pub(super) fn metric_columns(&self) -> Vec<String> {
        let mut c: Vec<String> = [
            "time_s",
            "instances",
            "cpu_registered_units",
            "cpu_reserved_units",
            "cpu_reserved_pct",
            "memory_registered_mib",
            "memory_reserved_mib",
            "memory_reserved_pct",
            "tasks_waiting",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for g in &self.sc.instance_groups {
            for m in [
                "instances",
                "instances_in_use",
                "cpu_reserved_pct",
                "memory_reserved_pct",
            ] {
                c.push(format!("group.{}.{m}", g.name));
            }
        }
        for s in &self.services {
            for m in ["desired", "running", "pending"] {
                c.push(format!("service.{}.{m}", s.name));
            }
        }
        for j in &self.jobs {
            for m in ["waiting", "starting", "running"] {
                c.push(format!("job.{}.{m}", j.name));
            }
        }
        c
    }

    // ------------------------------------------------------------------ the run

    pub(super) fn sample_metrics(&mut self) {
        let pct = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        let waiting = self.tasks_waiting();
        let mut row = vec![
            MetricValue::Time(self.now()),
            MetricValue::Count(
                self.cluster
                    .instances
                    .iter()
                    .filter(|i| i.status != InstanceStatus::Inactive)
                    .count() as u64,
            ),
            MetricValue::Count(self.cpu_total),
            MetricValue::Count(self.cluster.cpu_reserved),
            MetricValue::Pct(pct(self.cluster.cpu_reserved, self.cpu_total)),
            MetricValue::Count(self.mem_total),
            MetricValue::Count(self.cluster.memory_reserved_mib),
            MetricValue::Pct(pct(self.cluster.memory_reserved_mib, self.mem_total)),
            MetricValue::Count(waiting),
        ];
        let mut in_use = vec![0u64; self.sc.instance_groups.len()];
        for i in &self.cluster.instances {
            if !i.tasks.is_empty() {
                in_use[i.group.0 as usize] += 1;
            }
        }
        for (g, used) in in_use.iter().enumerate() {
            row.push(MetricValue::Count(self.group_instances[g]));
            row.push(MetricValue::Count(*used));
            row.push(MetricValue::Pct(pct(
                self.group_cpu_reserved[g],
                self.group_cpu_total[g],
            )));
            row.push(MetricValue::Pct(pct(
                self.group_mem_reserved[g],
                self.group_mem_total[g],
            )));
        }
        for s in &self.services {
            let desired = if s.daemon {
                u64::from(s.running + s.starting)
            } else {
                u64::from(s.desired)
            };
            row.push(MetricValue::Count(desired));
            row.push(MetricValue::Count(u64::from(s.running)));
            row.push(MetricValue::Count(u64::from(s.starting) + s.unplaced.len() as u64));
        }
        for j in &self.jobs {
            row.push(MetricValue::Count(u64::from(j.waiting)));
            row.push(MetricValue::Count(u64::from(j.starting)));
            row.push(MetricValue::Count(u64::from(j.running)));
        }
        self.metrics.rows.push(row);
    }

    pub(super) fn summary(&mut self) -> Summary {
        let sc = self.sc;
        let dur_ms = sc.duration_ms as f64;
        self.waits_ms.sort_unstable();
        let w = &self.waits_ms;
        let mean = if w.is_empty() {
            0.0
        } else {
            w.iter().map(|x| *x as f64).sum::<f64>() / w.len() as f64 / 1000.0
        };
        let p = |q: f64| percentile(w, q) as f64 / 1000.0;
        // Instances run the whole run here; EC2 bills per second with a 60 s minimum.
        let billed_s = (sc.duration_ms as f64 / 1000.0).max(60.0);
        let mut cost = 0.0;
        let mut hours = 0.0;
        for i in &self.cluster.instances {
            let price = sc.instance_types[i.instance_type as usize].price_per_hour_usd;
            cost += price * billed_s / 3600.0;
            hours += sc.duration_ms as f64 / 3_600_000.0;
        }
        let running_at_end = self.tasks.iter().filter(|t| t.state == TaskState::Running).count() as u64;
        Summary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            duration_s: dur_ms / 1000.0,
            events_processed: self.queue.popped(),
            tasks_submitted: self.submitted,
            tasks_placed: self.placed,
            tasks_completed: self.completed,
            tasks_failed: self.failed,
            tasks_waiting_at_end: self.tasks_waiting(),
            tasks_running_at_end: running_at_end,
            placement_failures: self.placement_failures,
            task_wait_mean_s: mean,
            task_wait_p50_s: p(50.0),
            task_wait_p90_s: p(90.0),
            task_wait_p95_s: p(95.0),
            task_wait_p99_s: p(99.0),
            task_wait_max_s: w.last().map_or(0.0, |x| *x as f64 / 1000.0),
            cpu_reserved_mean_pct: if self.cpu_total == 0 {
                0.0
            } else {
                self.cpu_area * 100.0 / (self.cpu_total as f64 * dur_ms)
            },
            memory_reserved_mean_pct: if self.mem_total == 0 {
                0.0
            } else {
                self.mem_area * 100.0 / (self.mem_total as f64 * dur_ms)
            },
            instances: self.cluster.instances.len() as u64,
            instance_hours: hours,
            cost_usd: cost,
            services: self
                .services
                .iter()
                .map(|s| ServiceSummary {
                    name: s.name.clone(),
                    desired_count: if s.daemon {
                        u64::from(s.running + s.starting)
                    } else {
                        u64::from(s.desired)
                    },
                    running_at_end: u64::from(s.running),
                    tasks_started: s.tasks_started,
                    placement_failures: s.placement_failures,
                })
                .collect(),
        }
    }

    pub(super) fn accumulate_area(&mut self, now: SimTime) {
        let dt = (now - self.last_area_time) as f64;
        if dt > 0.0 {
            self.cpu_area += self.cluster.cpu_reserved as f64 * dt;
            self.mem_area += self.cluster.memory_reserved_mib as f64 * dt;
            self.last_area_time = now;
        }
    }
}
