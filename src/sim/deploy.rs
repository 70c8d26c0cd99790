//! Rolling deployments and the scheduler's reactions to failing tasks (ecs-semantics
//! §2.3-2.5): the throttle for tasks that stop before RUNNING (exponential back-off up to 15
//! minutes), replacement latency, minimumHealthyPercent / maximumPercent bounds, the
//! deployment circuit breaker and rollback.

use super::*;

use crate::aws::ecs::deployment::{backoff_delay, circuit_breaker_threshold, deployment_bounds};

impl Simulation<'_> {
    /// A service task reached RUNNING: the throttle resets and a waiting loss is replaced.
    pub(super) fn service_task_running(&mut self, s: ServiceId, task: TaskId) {
        let now = self.now();
        let healthy_after = self.ecs.healthy_after(s);
        let st = &mut self.ecs.services[s.0 as usize];
        st.throttle.start_failures = 0;
        self.observer.service_task_running(now, s);
        if st.deployment.is_some() {
            self.queue
                .schedule(now + healthy_after, LANE_LIFECYCLE, Event::TaskHealthy(task));
        }
    }

    /// Counts a task lost to a failure (for harm measures and replacement latency).
    pub(super) fn record_loss(&mut self, task: TaskId) {
        let now = self.now();
        let t = &self.ecs.tasks[task.0 as usize];
        if t.state == TaskState::Stopped {
            return;
        }
        let service = match t.owner {
            TaskOwner::Service(s) => Some((s, self.ecs.services[s.0 as usize].daemon)),
            TaskOwner::Job(_) => None,
        };
        self.observer.task_lost(now, service);
    }

    /// PENDING -> STOPPED: the service throttles further launches exponentially.
    pub(super) fn task_failed_to_start(&mut self, task: TaskId) -> Result<(), SimError> {
        let now = self.now();
        let owner = self.ecs.tasks[task.0 as usize].owner;
        self.new_task_unhealthy_stop(task);
        self.stop_task(task, "CannotPullContainerError: the image could not be pulled")?;
        if let TaskOwner::Service(s) = owner {
            let f = &self.sc.failures;
            let st = &mut self.ecs.services[s.0 as usize];
            st.throttle.start_failures += 1;
            let delay = backoff_delay(st.throttle.start_failures, f.backoff_base_ms, f.backoff_max_ms);
            st.throttle.next_launch_at = now + delay;
            let name = st.name.clone();
            if st.throttle.start_failures >= 2 {
                self.log(
                    "SERVICE_THROTTLED",
                    Some(task),
                    None,
                    format!(
                        "service {name} is unable to consistently start tasks successfully. Next attempt in {} s.",
                        delay / 1000
                    ),
                )?;
            }
        }
        Ok(())
    }

    /// A task of the deployment's new revision stopped before it became healthy.
    pub(super) fn new_task_unhealthy_stop(&mut self, task: TaskId) {
        let now = self.now();
        let t = &self.ecs.tasks[task.0 as usize];
        let TaskOwner::Service(s) = t.owner else { return };
        let healthy_after = self.ecs.healthy_after(s);
        let healthy = t.running_at.is_some_and(|r| now - r >= healthy_after);
        let def = t.definition as usize;
        let st = &mut self.ecs.services[s.0 as usize];
        if !st.deploy_cfg.circuit_breaker {
            return;
        }
        if let Some(d) = &mut st.deployment {
            if d.new_definition == def && !healthy {
                d.failures += 1;
            }
        }
    }

    pub(super) fn on_deployment_start(&mut self, k: usize) -> Result<(), SimError> {
        let spec = self.sc.deployments[k].clone();
        let s = ServiceId(spec.service as u16);
        self.start_deployment(s, spec.task_definition, "scripted deployment")
    }

    fn start_deployment(&mut self, s: ServiceId, definition: usize, why: &str) -> Result<(), SimError> {
        let now = self.now();
        let st = &mut self.ecs.services[s.0 as usize];
        st.deployment = Some(DeploymentState {
            new_definition: definition,
            failures: 0,
            threshold: circuit_breaker_threshold(st.desired),
            started_at: now,
        });
        // A new task definition returns the service to normal scheduling at once.
        st.throttle.start_failures = 0;
        st.throttle.next_launch_at = now;
        st.steady = false;
        let name = st.name.clone();
        let family = self.sc.task_definitions[definition].family.clone();
        self.log(
            "DEPLOYMENT_STARTED",
            None,
            None,
            format!("service {name}: {why} of task definition {family}"),
        )?;
        self.schedule_reconcile(s, now);
        Ok(())
    }

    pub(super) fn on_task_healthy(&mut self, task: TaskId) -> Result<(), SimError> {
        if let TaskOwner::Service(s) = self.ecs.tasks[task.0 as usize].owner {
            if self.ecs.tasks[task.0 as usize].state == TaskState::Running {
                self.schedule_reconcile(s, self.now());
            }
        }
        Ok(())
    }

    /// One step of a rolling deployment: start new tasks within maximumPercent, stop old ones
    /// while keeping minimumHealthyPercent, trip the circuit breaker on repeated failures.
    /// Returns false when no deployment is in progress.
    pub(super) fn reconcile_deployment(&mut self, s: ServiceId) -> Result<bool, SimError> {
        let now = self.now();
        let Some(d) = &self.ecs.services[s.0 as usize].deployment else {
            return Ok(false);
        };
        let (new_def, failures, threshold, started_at) = (d.new_definition, d.failures, d.threshold, d.started_at);
        let st = &self.ecs.services[s.0 as usize];
        let cfg = st.deploy_cfg.clone();
        if cfg.circuit_breaker && failures >= threshold {
            return self.trip_circuit_breaker(s, failures).map(|_| true);
        }
        let desired = st.desired;
        let (min_healthy, max_tasks) = deployment_bounds(desired, cfg.minimum_healthy_percent, cfg.maximum_percent);
        let mine: Vec<&Task> = self.ecs.service_tasks(s).collect();
        let total = mine.len() as u32;
        let new_active = mine.iter().filter(|t| t.definition as usize == new_def).count() as u32;
        let new_healthy = mine
            .iter()
            .filter(|t| t.definition as usize == new_def && self.ecs.is_healthy(t, now))
            .count() as u32;
        let healthy_total = mine.iter().filter(|t| self.ecs.is_healthy(t, now)).count() as u32;
        let mut old: Vec<(bool, TaskId)> = mine
            .iter()
            .filter(|t| t.definition as usize != new_def)
            .map(|t| (self.ecs.is_healthy(t, now), t.id))
            .collect();
        if old.is_empty() && new_healthy >= desired {
            let st = &mut self.ecs.services[s.0 as usize];
            st.deployment = None;
            st.definition = new_def;
            st.stable_definition = new_def;
            self.observer.deployment_completed();
            let name = st.name.clone();
            self.log(
                "DEPLOYMENT_COMPLETED",
                None,
                None,
                format!(
                    "service {name}: deployment completed after {} s",
                    (now - started_at) / 1000
                ),
            )?;
            self.schedule_reconcile(s, now);
            return Ok(true);
        }
        // Start new tasks within maximumPercent (and the throttle).
        let can_start = max_tasks.saturating_sub(total).min(desired.saturating_sub(new_active));
        if now >= self.ecs.services[s.0 as usize].throttle.next_launch_at {
            for _ in 0..can_start {
                if !self.launch_service_task(s)? {
                    break;
                }
            }
        } else {
            let at = self.ecs.services[s.0 as usize].throttle.next_launch_at;
            self.schedule_reconcile(s, at);
        }
        // Stop old tasks while keeping minimumHealthyPercent: unhealthy old tasks first.
        old.sort_by_key(|(healthy, id)| (*healthy, std::cmp::Reverse(*id)));
        let mut budget = healthy_total.saturating_sub(min_healthy);
        for (healthy, id) in old {
            if healthy {
                if budget == 0 {
                    break;
                }
                budget -= 1;
            } else if self.ecs.tasks[id.0 as usize].state == TaskState::Running && budget == 0 && min_healthy >= desired
            {
                // With no headroom at all, the deployment cannot progress (min = max = 100).
                break;
            }
            self.stop_task(id, "Deployment: replaced by a task of the new task definition")?;
        }
        self.place_unplaced(s)?;
        Ok(true)
    }

    fn trip_circuit_breaker(&mut self, s: ServiceId, failures: u32) -> Result<(), SimError> {
        let now = self.now();
        let st = &mut self.ecs.services[s.0 as usize];
        let failed = st.deployment.take().expect("deployment in progress");
        self.observer.deployment_failed();
        let name = st.name.clone();
        let rollback = st.deploy_cfg.rollback;
        let stable = st.stable_definition;
        st.definition = if rollback { stable } else { failed.new_definition };
        self.log(
            "DEPLOYMENT_FAILED",
            None,
            None,
            format!(
                "service {name}: deployment circuit breaker tripped after {failures} failed tasks (threshold {}); rollout FAILED{}",
                failed.threshold,
                if rollback { ", rolling back" } else { "" }
            ),
        )?;
        if rollback {
            self.start_deployment(s, stable, "rollback")?;
        } else {
            // No new tasks are launched for the failed revision.
            self.ecs.services[s.0 as usize].throttle.next_launch_at = SimTime::MAX;
        }
        self.schedule_reconcile(s, now);
        Ok(())
    }
}
