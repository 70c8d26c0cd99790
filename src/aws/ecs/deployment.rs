//! Rolling deployments (ecs-semantics §2.3-2.5): the state of a deployment in progress, the
//! minimumHealthyPercent / maximumPercent bounds, the circuit breaker's threshold, and the
//! throttle's back-off for tasks that keep failing to start.

use super::*;

/// A rolling deployment in progress (ecs-semantics §2.4-2.5).
pub(crate) struct DeploymentState {
    pub(crate) new_definition: usize,
    pub(crate) failures: u32,
    pub(crate) threshold: u32,
    pub(crate) started_at: SimTime,
}

/// A service's tasks during a rollout: all, of the new revision, healthy, and the old ones
/// with whether each is healthy.
#[derive(Default)]
struct Census {
    total: u32,
    new_active: u32,
    new_healthy: u32,
    healthy_total: u32,
    old: Vec<(bool, TaskId)>,
}

/// `ceil(desired x minimumHealthyPercent / 100)` and `floor(desired x maximumPercent / 100)`.
pub fn deployment_bounds(desired: u32, min_pct: u32, max_pct: u32) -> (u32, u32) {
    let min_healthy = (u64::from(desired) * u64::from(min_pct)).div_ceil(100) as u32;
    let max_tasks = (u64::from(desired) * u64::from(max_pct) / 100) as u32;
    (min_healthy, max_tasks)
}

/// The circuit breaker's failure threshold: `clamp(ceil(0.5 x desired), 3, 200)` (current
/// API documentation; the 2023 guide used a minimum of 10).
pub fn circuit_breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

/// The throttle's delay after `k` consecutive failures to start: `min(max, base x 2^(k-1))` (I).
pub fn backoff_delay(k: u32, base_ms: u64, max_ms: u64) -> u64 {
    if k == 0 {
        return 0;
    }
    base_ms.saturating_mul(1u64 << (k - 1).min(40)).min(max_ms)
}

impl<'a> Ecs<'a> {
    /// A service task reached RUNNING: the throttle resets and a waiting loss is replaced.
    pub(crate) fn service_task_running(&mut self, env: &mut Env<'a>, s: ServiceId, task: TaskId) {
        let now = env.now();
        let healthy_after = self.healthy_after(s);
        let by_checks = self.judged_by_checks(s, self.tasks[task].definition as usize);
        let st = &mut self.services[s.0 as usize];
        st.throttle.start_failures = 0;
        env.observer.service_task_running(now, s);
        let deploying = st.rollout.current.is_some();
        // A task judged by health checks reports its own turn to healthy.
        if !by_checks && (deploying || !self.tasks_on_draining_instances(s).is_empty()) {
            env.queue
                .schedule(now + healthy_after, LANE_LIFECYCLE, Event::TaskHealthy(task));
        }
    }

    /// Counts a task lost to the failure `cause` (for harm measures and replacement latency);
    /// a task is lost at most once.
    pub(crate) fn record_loss(&mut self, env: &mut Env<'a>, task: TaskId, cause: StopReason) {
        let now = env.now();
        let t = &mut self.tasks[task];
        // A STOPPING task was already on its way out: losing its host loses nothing more.
        if matches!(t.state, TaskState::Stopped | TaskState::Stopping) || t.lost_to.is_some() {
            return;
        }
        t.lost_to = Some(cause);
        let t = &self.tasks[task];
        let service = match t.owner {
            TaskOwner::Service(s) => Some((s, self.services[s.0 as usize].daemon)),
            TaskOwner::Job(_) => None,
        };
        env.observer.task_lost(now, self.workload_index(t.owner), service);
    }

    /// PENDING -> STOPPED: the service throttles further launches exponentially.
    pub(crate) fn task_failed_to_start(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let now = env.now();
        let (owner, batch) = {
            let t = &self.tasks[task];
            (t.owner, t.submitted_at)
        };
        let label = self.task_label(task);
        self.new_task_unhealthy_stop(env, task);
        self.stop_task(env, task, StopReason::ImagePullFailed)?;
        if let TaskOwner::Service(s) = owner {
            let f = &self.sc.failures;
            let st = &mut self.services[s.0 as usize];
            // Tasks launched together that fail together are one failed attempt: one step of
            // the back-off, not one doubling each (I).
            if st.throttle.counted_batch.is_some_and(|b| batch <= b) {
                return Ok(());
            }
            st.throttle.counted_batch = Some(batch);
            st.throttle.start_failures += 1;
            let delay = backoff_delay(st.throttle.start_failures, f.backoff_base_ms, f.backoff_max_ms);
            st.throttle.next_launch_at = now + delay;
            let name = st.name.clone();
            if st.throttle.start_failures >= 2 {
                self.record(
                    env,
                    Entry::new("SERVICE_THROTTLED").task(label),
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
    pub(crate) fn new_task_unhealthy_stop(&mut self, env: &mut Env<'a>, task: TaskId) {
        let now = env.now();
        let t = &self.tasks[task];
        let TaskOwner::Service(s) = t.owner else { return };
        let healthy = self.is_healthy(t, now);
        let def = t.definition as usize;
        let st = &mut self.services[s.0 as usize];
        if !st.rollout.config.circuit_breaker {
            return;
        }
        if let Some(d) = &mut st.rollout.current {
            if d.new_definition == def && !healthy {
                d.failures += 1;
            }
        }
    }

    pub(crate) fn on_deployment_start(&mut self, env: &mut Env<'a>, k: usize) -> Result<(), SimError> {
        let spec = self.sc.deployments[k].clone();
        let s = ServiceId(spec.service as u16);
        self.start_deployment(env, s, spec.task_definition, "scripted deployment")
    }

    pub(crate) fn start_deployment(
        &mut self,
        env: &mut Env<'a>,
        s: ServiceId,
        definition: usize,
        why: &str,
    ) -> Result<(), SimError> {
        let now = env.now();
        let st = &mut self.services[s.0 as usize];
        st.rollout.current = Some(DeploymentState {
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
        self.record(
            env,
            Entry::new("DEPLOYMENT_STARTED").service(s),
            format!("service {name}: {why} of task definition {family}"),
        )?;
        self.schedule_reconcile(env, s, now);
        Ok(())
    }

    pub(crate) fn on_task_healthy(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        if let TaskOwner::Service(s) = self.tasks[task].owner {
            if self.tasks[task].state == TaskState::Running {
                self.schedule_reconcile(env, s, env.now());
            }
        }
        Ok(())
    }

    /// One step of a rolling deployment: start new tasks within maximumPercent, stop old ones
    /// while keeping minimumHealthyPercent, trip the circuit breaker on repeated failures.
    /// Returns false when no deployment is in progress.
    pub(crate) fn reconcile_deployment(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<bool, SimError> {
        let now = env.now();
        let Some(d) = &self.services[s.0 as usize].rollout.current else {
            return Ok(false);
        };
        let (new_def, failures, threshold, started_at) = (d.new_definition, d.failures, d.threshold, d.started_at);
        let st = &self.services[s.0 as usize];
        let cfg = st.rollout.config.clone();
        if cfg.circuit_breaker && failures >= threshold {
            return self.trip_circuit_breaker(env, s, failures).map(|_| true);
        }
        let desired = st.desired;
        let (min_healthy, max_tasks) = deployment_bounds(desired, cfg.minimum_healthy_percent, cfg.maximum_percent);
        let Census {
            total: live_total,
            new_active,
            new_healthy,
            healthy_total,
            old,
        } = self.census(s, new_def, now);
        // Complete once the old revision's tasks are gone, draining ones included.
        let stopping = self.services[s.0 as usize].stopping;
        if old.is_empty() && new_healthy >= desired && stopping == 0 {
            self.complete_deployment(env, s, new_def, started_at)?;
            return Ok(true);
        }
        // maximumPercent counts RUNNING + PENDING + STOPPING (ecs-semantics §2.4).
        let total = live_total + stopping;
        // Start new tasks within maximumPercent (and the throttle).
        let can_start = max_tasks.saturating_sub(total).min(desired.saturating_sub(new_active));
        let mut launched = 0;
        if now >= self.services[s.0 as usize].throttle.next_launch_at {
            for _ in 0..can_start {
                if !self.launch_service_task(env, s)? {
                    break;
                }
                launched += 1;
            }
        } else {
            let at = self.services[s.0 as usize].throttle.next_launch_at;
            self.schedule_reconcile(env, s, at);
        }
        if env
            .report
            .wants_service(&env.opts, &self.services[s.0 as usize].name, now)
        {
            let not_healthy = new_active + launched - new_healthy;
            self.explain_deployment_wait(env, s, new_def, not_healthy, stopping, can_start - launched);
        }
        self.stop_old_tasks(
            env,
            old,
            healthy_total.saturating_sub(min_healthy),
            min_healthy >= desired,
        )?;
        self.place_unplaced(env, s)?;
        Ok(true)
    }

    /// For `ecsim explain --service`: what the deployment step waits on, if anything.
    fn explain_deployment_wait(
        &self,
        env: &mut Env<'a>,
        s: ServiceId,
        new_def: usize,
        new_not_healthy: u32,
        stopping: u32,
        can_start: u32,
    ) {
        let now = env.now();
        let family = &self.sc.task_definitions[new_def].family;
        if stopping > 0 && can_start == 0 {
            let delay = self.sc.services[s.0 as usize]
                .load_balancers
                .iter()
                .map(|a| self.sc.target_groups[a.target_group].deregistration_delay_ms / 1000)
                .max()
                .unwrap_or(0);
            let detail = format!(
                "deployment of {family}: {stopping} stopped task(s) still deregistering ({delay} s delay) or shutting down count towards maximumPercent; no new task can start until they are gone"
            );
            env.report.record_health_wait(now, "WaitingForDeregistration", detail);
        } else if new_not_healthy > 0 && self.judged_by_checks(s, new_def) {
            let detail = format!(
                "deployment of {family}: {new_not_healthy} new task(s) not yet healthy{}; old tasks stop only as new ones pass",
                self.checks_described(s, new_def)
            );
            env.report.record_health_wait(now, "WaitingForHealthChecks", detail);
        }
    }

    /// One step of a DAEMON service's deployment (ecs-semantics §2.8: "Deployment defaults:
    /// max 100%, min 0%"): with no room above one task per instance, old-revision tasks stop
    /// as far as minimumHealthyPercent of the instances allows (unhealthy ones first), and
    /// [`Ecs::reconcile_daemon`] then starts the new revision on each freed instance. The
    /// deployment completes when every daemon task runs the new revision and is healthy.
    pub(crate) fn reconcile_daemon_deployment(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<(), SimError> {
        let now = env.now();
        let Some(d) = &self.services[s.0 as usize].rollout.current else {
            return Ok(());
        };
        let (new_def, failures, threshold, started_at) = (d.new_definition, d.failures, d.threshold, d.started_at);
        let cfg = self.services[s.0 as usize].rollout.config.clone();
        if cfg.circuit_breaker && failures >= threshold {
            return self.trip_circuit_breaker(env, s, failures);
        }
        let Census {
            total: instances,
            healthy_total,
            old,
            ..
        } = self.census(s, new_def, now);
        let (min_healthy, _) = deployment_bounds(instances, cfg.minimum_healthy_percent, cfg.maximum_percent);
        if old.is_empty() && healthy_total == instances {
            return self.complete_deployment(env, s, new_def, started_at);
        }
        let budget = healthy_total.saturating_sub(min_healthy);
        self.stop_old_tasks(env, old, budget, min_healthy >= instances)
    }

    /// Service `s`'s tasks as a rollout to `new_def` counts them.
    fn census(&self, s: ServiceId, new_def: usize, now: SimTime) -> Census {
        let mut c = Census::default();
        for t in self.service_tasks(s) {
            let healthy = self.is_healthy(t, now);
            c.total += 1;
            c.healthy_total += u32::from(healthy);
            if t.definition as usize == new_def {
                c.new_active += 1;
                c.new_healthy += u32::from(healthy);
            } else {
                c.old.push((healthy, t.id));
            }
        }
        c
    }

    /// The deployment of `new_def` is done: it becomes the service's stable revision.
    fn complete_deployment(
        &mut self,
        env: &mut Env<'a>,
        s: ServiceId,
        new_def: usize,
        started_at: SimTime,
    ) -> Result<(), SimError> {
        let now = env.now();
        let st = &mut self.services[s.0 as usize];
        st.rollout.current = None;
        st.definition = new_def;
        st.rollout.stable_definition = new_def;
        env.observer.deployment_completed();
        let name = st.name.clone();
        self.record(
            env,
            Entry::new("DEPLOYMENT_COMPLETED").service(s),
            format!(
                "service {name}: deployment completed after {} s",
                (now - started_at) / 1000
            ),
        )?;
        self.schedule_reconcile(env, s, now);
        Ok(())
    }

    /// Stops old-revision tasks (`(healthy, id)`) while keeping minimumHealthyPercent:
    /// unhealthy ones first, then up to `budget` healthy ones. With `no_headroom` (the
    /// minimum is the whole service, min = max = 100 %) a RUNNING task is never stopped.
    fn stop_old_tasks(
        &mut self,
        env: &mut Env<'a>,
        mut old: Vec<(bool, TaskId)>,
        mut budget: u32,
        no_headroom: bool,
    ) -> Result<(), SimError> {
        old.sort_by_key(|(healthy, id)| (*healthy, std::cmp::Reverse(self.tasks[*id].number)));
        let now = env.now();
        // Protected tasks are never chosen for deployment stops (ecs-semantics §2.9).
        old.retain(|(_, id)| !Ecs::is_protected(&self.tasks[*id], now));
        for (healthy, id) in old {
            if healthy {
                if budget == 0 {
                    break;
                }
                budget -= 1;
            } else if self.tasks[id].state == TaskState::Running && budget == 0 && no_headroom {
                // With no headroom at all, the deployment cannot progress (min = max = 100).
                break;
            }
            self.stop_task(env, id, StopReason::DeploymentReplaced)?;
        }
        Ok(())
    }

    pub(crate) fn trip_circuit_breaker(
        &mut self,
        env: &mut Env<'a>,
        s: ServiceId,
        failures: u32,
    ) -> Result<(), SimError> {
        let now = env.now();
        let st = &mut self.services[s.0 as usize];
        let failed = st.rollout.current.take().expect("deployment in progress");
        env.observer.deployment_failed();
        let name = st.name.clone();
        let rollback = st.rollout.config.rollback;
        let stable = st.rollout.stable_definition;
        st.definition = if rollback { stable } else { failed.new_definition };
        self.record(env, Entry::new("DEPLOYMENT_FAILED").service(s).reason("CircuitBreaker"), format!(
                "service {name}: deployment circuit breaker tripped after {failures} failed tasks (threshold {}); rollout FAILED{}",
                failed.threshold,
                if rollback { ", rolling back" } else { "" }
            ),
        )?;
        if rollback {
            self.start_deployment(env, s, stable, "rollback")?;
        } else {
            // No new tasks are launched for the failed revision.
            self.services[s.0 as usize].throttle.next_launch_at = SimTime::MAX;
        }
        self.schedule_reconcile(env, s, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_match_the_documented_edges() {
        // min 50 % with desired 4 lets 2 stop first; min 75 % with desired 2 lets none stop.
        assert_eq!(deployment_bounds(4, 50, 200).0, 2);
        assert_eq!(2 - deployment_bounds(2, 75, 200).0, 0);
        // max 200 % with desired 4 lets 4 start first; max 125 % with desired 3 lets none.
        assert_eq!(deployment_bounds(4, 100, 200).1 - 4, 4);
        assert_eq!(deployment_bounds(3, 100, 125).1 - 3, 0);
    }

    #[test]
    fn circuit_breaker_threshold_is_clamped() {
        assert_eq!(circuit_breaker_threshold(1), 3);
        assert_eq!(circuit_breaker_threshold(25), 13);
        assert_eq!(circuit_breaker_threshold(400), 200);
        assert_eq!(circuit_breaker_threshold(800), 200);
    }

    #[test]
    fn backoff_doubles_up_to_fifteen_minutes() {
        let d: Vec<u64> = (1..=9).map(|k| backoff_delay(k, 10_000, 900_000)).collect();
        assert_eq!(
            d,
            vec![10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 900_000, 900_000]
        );
    }
}
