//! The world's part in load balancing: a service behind a load balancer has each minute's
//! (and each 20-second window's) requests routed by ELB over the healthy targets of its
//! first target group; overload that begins or ends in a zone re-plans the health checks of
//! the service's tasks there; and the time a service wanting tasks has no healthy target is
//! counted.

use super::*;
use crate::workload::load::MinuteLoad;

impl Simulation<'_> {
    /// Service `s`'s traffic split now, from its first target group: per zone (weight,
    /// fraction), and the targets serving; `None` without a load balancer.
    fn traffic_split(&self, s: usize) -> Option<(Vec<(f64, f64)>, u32)> {
        let a = self.sc.services[s].load_balancers.first()?;
        let r = self.env.elb.routing(a.target_group, self.now());
        Some((r.zones.iter().map(|z| (z.weight, z.fraction)).collect(), r.serving))
    }

    /// The minute just ended of service `s`'s load (routed when it has a load balancer);
    /// overload crossing the task definition's `unhealthy_above_load` in a zone re-plans the
    /// checks of the service's tasks there.
    pub(super) fn service_minute(&mut self, s: usize, minute: u64, running: u32) -> Option<MinuteLoad> {
        let zones = self.sc.availability_zones.len();
        let before: Vec<f64> = (0..zones).map(|z| self.env.workload.task_utilisation(s, z)).collect();
        let m = match self.traffic_split(s) {
            Some((split, serving)) => self.env.workload.routed_minute(s, minute, running, &split, serving),
            None => self.env.workload.minute(s, minute, running),
        }?;
        let def = self.ecs.services[s].definition;
        if let Some(limit) = self.sc.task_definitions[def].application.unhealthy_above_load {
            for (z, was) in before.iter().enumerate() {
                let now = self.env.workload.task_utilisation(s, z);
                if (*was > limit) != (now > limit) {
                    self.ecs
                        .replan_health_checks(&mut self.env, ServiceId(s as u16), Some(z));
                }
            }
        }
        Some(m)
    }

    /// The 20-second window of service `s`'s load ending now (routed likewise).
    pub(super) fn service_window(&self, s: usize, start_ms: u64, len_ms: u64, running: u32) -> Option<MinuteLoad> {
        match self.traffic_split(s) {
            Some((split, serving)) => self
                .env
                .workload
                .routed_window(s, start_ms, len_ms, running, &split, serving),
            None => self.env.workload.window(s, start_ms, len_ms, running),
        }
    }

    /// Elastic Load Balancing against ECS (checked with ECS's invariants): every target is a
    /// RUNNING or STOPPING task of a service attached to its group, every RUNNING task of such
    /// a service is registered there, each task's count of healthy targets is ELB's, and each
    /// group's healthy count equals a recount.
    pub(super) fn check_load_balancing(&self) -> Result<(), SimError> {
        let fail = |what: String| SimError::InvariantViolated { at: self.now(), what };
        let elb = &self.env.elb;
        let mut healthy_per_task: std::collections::HashMap<TaskId, u8> = std::collections::HashMap::new();
        for (g, tg) in self.sc.target_groups.iter().enumerate() {
            let mut healthy = 0;
            for (task, state) in elb.targets(g) {
                let Some(t) = self.ecs.tasks.get(task) else {
                    return Err(fail(format!("target group {} holds a stopped task", tg.name)));
                };
                let attached = match t.owner {
                    TaskOwner::Service(s) => self.sc.services[s.0 as usize]
                        .load_balancers
                        .iter()
                        .any(|a| a.target_group == g),
                    TaskOwner::Job(_) => false,
                };
                if !attached || !matches!(t.state, TaskState::Running | TaskState::Stopping) {
                    return Err(fail(format!(
                        "target group {} holds {} ({}), not a RUNNING or STOPPING task of an attached service",
                        tg.name,
                        t.number,
                        t.state.as_str()
                    )));
                }
                if state == crate::aws::elb::TargetState::Healthy {
                    healthy += 1;
                    *healthy_per_task.entry(task).or_default() += 1;
                }
            }
            if healthy != elb.healthy_count(g) {
                return Err(fail(format!(
                    "target group {} counts {} healthy targets, recounted {healthy}",
                    tg.name,
                    elb.healthy_count(g)
                )));
            }
        }
        for t in self.ecs.tasks.iter() {
            let TaskOwner::Service(s) = t.owner else { continue };
            let spec = &self.sc.services[s.0 as usize];
            if t.state == TaskState::Running {
                for a in &spec.load_balancers {
                    if elb.state_of(a.target_group, t.id).is_none() {
                        return Err(fail(format!("{} is RUNNING but not registered", t.number)));
                    }
                }
            }
            let counted = healthy_per_task.get(&t.id).copied().unwrap_or(0);
            let recorded = self.ecs.tasks.health(t.id).healthy_targets;
            if recorded != counted {
                return Err(fail(format!(
                    "{} counts {recorded} healthy targets, ELB {counted}",
                    t.number
                )));
            }
        }
        Ok(())
    }

    /// Counts `dt_ms` for each REPLICA service that wants tasks and whose target group has no
    /// healthy target.
    pub(super) fn count_time_without_healthy_targets(&mut self, dt_ms: u64) {
        for (k, spec) in self.sc.services.iter().enumerate() {
            let Some(a) = spec.load_balancers.first() else { continue };
            if self.ecs.services[k].desired > 0 && self.env.elb.healthy_count(a.target_group) == 0 {
                self.env.observer.no_healthy_target(ServiceId(k as u16), dt_ms);
            }
        }
    }
}
