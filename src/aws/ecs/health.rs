//! ECS's side of task health (ecs-semantics §2.1, §2.2, §2.4, §2.5, §2.9, §7): registering a
//! service's RUNNING tasks with its target groups, the agent's container health checks, when
//! a task counts as healthy (by its load balancer and container checks, or 40 s after
//! RUNNING without either), replacing unhealthy tasks (after the grace period, counted by
//! the circuit breaker), the graceful stop (DEACTIVATING for the deregistration delay, then
//! SIGTERM and STOPPING until the containers exit or `stop_timeout` kills them, the task
//! keeping its reservation throughout), and task scale-in protection.

use super::*;
use crate::aws::elb::{TargetState, Transition};
use crate::aws::health_check::{CheckConditions, CheckRule, CheckSeries, Health};
use crate::sim::HealthCheckOf;

/// The ECS agent's rule for a container health check: HEALTHY after one passing check,
/// UNHEALTHY after `retries` failures in a row, failures inside `startPeriod` not counted.
fn container_rule(check: &crate::scenario::load_balancing::ContainerHealthCheck) -> CheckRule {
    CheckRule {
        interval_ms: check.interval_ms,
        passes_from_initial: 1,
        passes_to_recover: 1,
        failures: check.retries,
        start_period_ms: check.start_period_ms,
    }
}

impl<'a> Ecs<'a> {
    /// Whether service `s`'s tasks of definition `def` are judged by health checks (a load
    /// balancer or a container check) rather than by the 40-second rule.
    pub(crate) fn judged_by_checks(&self, s: ServiceId, def: usize) -> bool {
        !self.sc.services[s.0 as usize].load_balancers.is_empty()
            || self.sc.task_definitions[def].health_check.is_some()
    }

    /// A task's availability zone, once placed.
    pub(crate) fn task_zone(&self, t: &Task) -> usize {
        t.instance
            .map(|i| self.cluster.instances[i.index()].az.0 as usize)
            .or(t.fargate.map(|f| f.az.0 as usize))
            .unwrap_or(0)
    }

    /// What a health check of `task` depends on now: its application's failure probability
    /// per check, and whether a fault or overload makes every check fail.
    pub(crate) fn check_conditions(&self, env: &Env<'a>, task: TaskId) -> CheckConditions {
        let t = &self.tasks[task];
        let app = &self.sc.task_definitions[t.definition as usize].application;
        let failing_now = match t.owner {
            TaskOwner::Service(s) => {
                env.faults.app_unhealthy(s.0 as usize)
                    || app
                        .unhealthy_above_load
                        .is_some_and(|x| env.workload.task_utilisation(s.0 as usize, self.task_zone(t)) > x)
            }
            TaskOwner::Job(_) => false,
        };
        CheckConditions {
            failure_probability: app.check_failure_probability,
            failing_now,
        }
    }

    /// A service task reached RUNNING: it registers with its service's target groups (state
    /// `initial`) and its container health check starts.
    pub(crate) fn start_health_checks(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let now = env.now();
        let TaskOwner::Service(s) = self.tasks[task].owner else {
            return Ok(());
        };
        let cond = self.check_conditions(env, task);
        let def = self.tasks[task].definition as usize;
        if let Some(check) = &self.sc.task_definitions[def].health_check {
            let rule = container_rule(check);
            let mut series = CheckSeries::new(now);
            if let Some((at, generation)) = series.plan(&rule, now, cond, &mut env.faults) {
                schedule_check(env, at, task, HealthCheckOf::Container, generation);
            }
            self.tasks.health_mut(task).container = Some(series);
        }
        let zone = self.task_zone(&self.tasks[task]);
        for a in &self.sc.services[s.0 as usize].load_balancers {
            let g = a.target_group;
            if let Some((at, generation)) = env.elb.register(g, task, zone, now, cond, &mut env.faults) {
                schedule_check(env, at, task, HealthCheckOf::TargetGroup(g as u16), generation);
            }
            let name = &self.sc.target_groups[g].name;
            let detail = format!("registered with target group {name} (port {})", a.container_port);
            self.log(env, "TARGET_REGISTERED", Some(task), self.tasks[task].instance, detail)?;
        }
        Ok(())
    }

    /// Runs a planned health check of `task` and reacts to what it changed.
    pub(crate) fn on_health_check(
        &mut self,
        env: &mut Env<'a>,
        task: TaskId,
        check: HealthCheckOf,
        generation: u32,
    ) -> Result<(), SimError> {
        if self.tasks[task].state != TaskState::Running {
            return Ok(());
        }
        let now = env.now();
        let cond = self.check_conditions(env, task);
        match check {
            HealthCheckOf::Container => {
                let def = self.tasks[task].definition as usize;
                let Some(spec) = &self.sc.task_definitions[def].health_check else {
                    return Ok(());
                };
                let rule = container_rule(spec);
                let Some(series) = self.tasks.health_mut(task).container.as_mut() else {
                    return Ok(());
                };
                if series.generation != generation {
                    return Ok(());
                }
                let change = series.run(&rule, now, cond, &mut env.faults);
                if let Some((at, g)) = series.plan(&rule, now, cond, &mut env.faults) {
                    schedule_check(env, at, task, HealthCheckOf::Container, g);
                }
                match change {
                    Some(Health::Healthy) => {
                        self.log(env, "CONTAINER_HEALTHY", Some(task), None, String::new())?;
                        self.may_have_become_healthy(env, task)
                    }
                    Some(Health::Unhealthy) => {
                        let detail = format!("{} failed health checks in a row", rule.failures);
                        self.log(env, "CONTAINER_UNHEALTHY", Some(task), None, detail)?;
                        self.health_check_failed(env, task, StopReason::ContainerHealthCheck)
                    }
                    _ => Ok(()),
                }
            }
            HealthCheckOf::TargetGroup(g) => {
                let g = g as usize;
                let (change, next) = env.elb.run_check(g, task, generation, now, cond, &mut env.faults);
                if let Some((at, gen)) = next {
                    schedule_check(env, at, task, HealthCheckOf::TargetGroup(g as u16), gen);
                }
                match change {
                    Some(t) => self.target_health_changed(env, task, g, t),
                    None => Ok(()),
                }
            }
        }
    }

    fn target_health_changed(
        &mut self,
        env: &mut Env<'a>,
        task: TaskId,
        g: usize,
        t: Transition,
    ) -> Result<(), SimError> {
        let name = &self.sc.target_groups[g].name;
        let inst = self.tasks[task].instance;
        match t.to {
            TargetState::Healthy => {
                self.tasks.health_mut(task).healthy_targets += 1;
                let detail = format!("target group {name}: {} -> healthy", t.from.as_str());
                self.log(env, "TARGET_HEALTHY", Some(task), inst, detail)?;
                self.may_have_become_healthy(env, task)
            }
            TargetState::Unhealthy => {
                if t.from == TargetState::Healthy {
                    self.tasks.health_mut(task).healthy_targets -= 1;
                }
                let rule = self.sc.target_groups[g].unhealthy_threshold;
                let detail = format!(
                    "target group {name}: {} -> unhealthy (Target.FailedHealthChecks: {rule} failed checks in a row)",
                    t.from.as_str()
                );
                if env.logging() {
                    let entry = Entry::new("TARGET_UNHEALTHY")
                        .task(self.task_label(task))
                        .instance(inst);
                    self.record(env, entry.reason("Target.FailedHealthChecks"), detail)?;
                }
                self.health_check_failed(env, task, StopReason::ElbHealthCheck)
            }
            TargetState::Initial | TargetState::Draining => Ok(()),
        }
    }

    /// What service `s`'s tasks of definition `def` are judged by, for explanations.
    pub(crate) fn checks_described(&self, s: ServiceId, def: usize) -> String {
        let mut parts: Vec<String> = self.sc.services[s.0 as usize]
            .load_balancers
            .iter()
            .map(|a| {
                let g = &self.sc.target_groups[a.target_group];
                let n = match g.initial_checks {
                    crate::scenario::load_balancing::InitialChecks::One => 1,
                    crate::scenario::load_balancing::InitialChecks::HealthyThreshold => g.healthy_threshold,
                };
                format!("target group {}: {n} check(s) of {} s", g.name, g.interval_ms / 1000)
            })
            .collect();
        if let Some(c) = &self.sc.task_definitions[def].health_check {
            parts.push(format!("container health check every {} s", c.interval_ms / 1000));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join("; "))
        }
    }

    /// Whether `task` passes every check it is judged by.
    pub(crate) fn passes_checks(&self, t: &Task) -> bool {
        let TaskOwner::Service(s) = t.owner else { return false };
        if t.state != TaskState::Running {
            return false;
        }
        let targets = self.sc.services[s.0 as usize].load_balancers.len();
        let health = self.tasks.health(t.id);
        usize::from(health.healthy_targets) == targets
            && health.container.as_ref().is_none_or(|c| c.health == Health::Healthy)
    }

    /// A check turned healthy: if every check of the task now passes, it counts as healthy
    /// (the first time: its time from RUNNING to healthy is recorded) and its service
    /// reconciles (a deployment or a drain may have waited for it).
    fn may_have_become_healthy(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let t = &self.tasks[task];
        if !self.passes_checks(t) {
            return Ok(());
        }
        let TaskOwner::Service(s) = t.owner else { return Ok(()) };
        let now = env.now();
        if self.tasks.health(task).healthy_at.is_none() {
            let since = t.running_at.map_or(0, |r| now - r);
            env.observer.task_healthy_after(s, since);
            if env
                .report
                .wants_service(&env.opts, &self.services[s.0 as usize].name, now)
            {
                let detail = format!(
                    "{} passed its health checks {} s after RUNNING{}",
                    t.number,
                    since / 1000,
                    self.checks_described(s, t.definition as usize)
                );
                env.report.record_health_wait(now, "TaskHealthy", detail);
            }
            self.tasks.health_mut(task).healthy_at = Some(now);
        }
        self.tasks.health_mut(task).grace_pending = false;
        self.schedule_reconcile(env, s, now);
        Ok(())
    }

    /// A health check failed its threshold: inside the grace period nothing happens until it
    /// ends; after it, the task is stopped (deregistered first) and replaced without throttle,
    /// and a new-revision task counts towards the circuit breaker (stage 2).
    fn health_check_failed(&mut self, env: &mut Env<'a>, task: TaskId, reason: StopReason) -> Result<(), SimError> {
        let now = env.now();
        let t = &self.tasks[task];
        let TaskOwner::Service(s) = t.owner else { return Ok(()) };
        let grace = self.services[s.0 as usize].rollout.config.health_check_grace_period_ms;
        let grace_end = t.running_at.map_or(now, |r| r + grace);
        if now < grace_end {
            if !self.tasks.health(task).grace_pending {
                self.tasks.health_mut(task).grace_pending = true;
                env.queue
                    .schedule(grace_end, LANE_LIFECYCLE, Event::HealthGraceEnded(task));
            }
            return Ok(());
        }
        if self.tasks.health(task).replace_for.is_some() {
            return Ok(());
        }
        let def = t.definition as usize;
        let st = &mut self.services[s.0 as usize];
        if st.rollout.config.circuit_breaker {
            if let Some(d) = st.rollout.current.as_mut().filter(|d| d.new_definition == def) {
                d.failures += 1;
            }
        }
        env.observer.task_replaced_unhealthy(s);
        let immediate = st.daemon || st.rollout.current.is_some();
        if env.logging() {
            let inst = self.tasks[task].instance;
            let entry = Entry::new("TASK_UNHEALTHY").task(self.task_label(task)).instance(inst);
            let what = if immediate {
                "stopped and replaced"
            } else {
                "replaced, then stopped"
            };
            self.record(env, entry.reason(reason.code()), format!("{}: {what}", reason.text()))?;
        }
        let st = &mut self.services[s.0 as usize];
        if immediate {
            // A DAEMON task is replaced in its own slot, and a deployment replaces its tasks
            // itself: stopped at once.
            return self.stop_task(env, task, reason);
        }
        // "the scheduler uses maximumPercent headroom to start replacements first and then
        // stops the unhealthy tasks one by one as the replacements turn healthy" (ecs-semantics
        // §2.1): it keeps running (and registered) until then.
        st.awaiting_replacement += 1;
        self.tasks.health_mut(task).replace_for = Some(reason);
        self.schedule_reconcile(env, s, now);
        Ok(())
    }

    /// Service `s`'s RUNNING tasks waiting for a healthy replacement (not on a DRAINING
    /// instance, which `draining` lists), oldest first.
    pub(crate) fn tasks_awaiting_replacement(&self, s: ServiceId, draining: &[TaskId]) -> Vec<TaskId> {
        if self.services[s.0 as usize].awaiting_replacement == 0 {
            return Vec::new();
        }
        let mut v: Vec<TaskId> = self
            .service_tasks(s)
            .filter(|t| {
                self.tasks.health(t.id).replace_for.is_some()
                    && t.state == TaskState::Running
                    && !draining.contains(&t.id)
            })
            .map(|t| t.id)
            .collect();
        v.sort_unstable_by_key(|t| self.tasks[*t].number);
        v
    }

    /// Stops unhealthy tasks as their replacements turn healthy: all but as many as healthy
    /// tasks are missing from `desired` (the I reading of "one by one"). With no maximumPercent headroom for a
    /// replacement (`no_room`), one at a time once every other task is healthy ("If
    /// maximumPercent allows no headroom, it stops unhealthy tasks one by one while keeping
    /// minimumHealthyPercent", ecs-semantics §2.1).
    pub(crate) fn stop_replaced_unhealthy_tasks(
        &mut self,
        env: &mut Env<'a>,
        s: ServiceId,
        desired: u32,
        unhealthy: &[TaskId],
        no_room: bool,
    ) -> Result<(), SimError> {
        if unhealthy.is_empty() {
            return Ok(());
        }
        let now = env.now();
        let (mut others, mut healthy_others) = (0u32, 0u32);
        for t in self
            .service_tasks(s)
            .filter(|t| self.tasks.health(t.id).replace_for.is_none())
        {
            others += 1;
            healthy_others += u32::from(self.is_healthy(t, now));
        }
        // Keep only as many unhealthy tasks as healthy ones are missing from `desired`.
        let keep = desired.saturating_sub(healthy_others) as usize;
        let mut allowed = unhealthy.len().saturating_sub(keep);
        // One at a time: none other is starting, and no stopped one still holds its place.
        if allowed == 0 && no_room && healthy_others == others && self.services[s.0 as usize].stopping == 0 {
            allowed = 1;
        }
        for &t in unhealthy.iter().take(allowed) {
            let reason = self.tasks.health(t).replace_for.unwrap_or(StopReason::ElbHealthCheck);
            self.stop_task(env, t, reason)?;
        }
        Ok(())
    }

    /// The grace period of a task whose check failed inside it is over: if a check still
    /// fails, the task is replaced now.
    pub(crate) fn on_health_grace_ended(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let t = &self.tasks[task];
        if t.state != TaskState::Running || !self.tasks.health(task).grace_pending {
            return Ok(());
        }
        let TaskOwner::Service(s) = t.owner else { return Ok(()) };
        let container_unhealthy = self
            .tasks
            .health(task)
            .container
            .as_ref()
            .is_some_and(|c| c.health == Health::Unhealthy);
        self.tasks.health_mut(task).grace_pending = false;
        if container_unhealthy {
            return self.health_check_failed(env, task, StopReason::ContainerHealthCheck);
        }
        let unhealthy = self.sc.services[s.0 as usize]
            .load_balancers
            .iter()
            .any(|a| env.elb.state_of(a.target_group, task) == Some(TargetState::Unhealthy));
        if unhealthy {
            return self.health_check_failed(env, task, StopReason::ElbHealthCheck);
        }
        Ok(())
    }

    /// Re-plans the checks of service `s`'s RUNNING tasks (in `zone`, or all) because what
    /// they depend on changed: a fault began or ended, overload began or ended.
    pub(crate) fn replan_health_checks(&mut self, env: &mut Env<'a>, s: ServiceId, zone: Option<usize>) {
        let now = env.now();
        let tasks: Vec<TaskId> = self
            .service_tasks(s)
            .filter(|t| t.state == TaskState::Running && zone.is_none_or(|z| self.task_zone(t) == z))
            .map(|t| t.id)
            .collect();
        for task in tasks {
            let cond = self.check_conditions(env, task);
            let def = self.tasks[task].definition as usize;
            if let (Some(spec), Some(series)) = (
                &self.sc.task_definitions[def].health_check,
                self.tasks.health_mut(task).container.as_mut(),
            ) {
                if let Some((at, g)) = series.plan(&container_rule(spec), now, cond, &mut env.faults) {
                    schedule_check(env, at, task, HealthCheckOf::Container, g);
                }
            }
            for a in &self.sc.services[s.0 as usize].load_balancers {
                let g = a.target_group;
                if let Some((at, gen)) = env.elb.replan(g, task, now, cond, &mut env.faults) {
                    schedule_check(env, at, task, HealthCheckOf::TargetGroup(g as u16), gen);
                }
            }
        }
    }

    /// A scheduler or user stop of a RUNNING service task that has somewhere to wait: its
    /// targets drain for the deregistration delay (DEACTIVATING), then SIGTERM, and its
    /// containers exit after the application's shutdown time, or are killed at
    /// `stop_timeout` (STOPPING). The task keeps its reservation and its bill until then,
    /// and at once stops counting towards its service, whose scheduler starts a replacement.
    /// Returns false when the stop is immediate (no target group, nothing to wait for).
    pub(crate) fn begin_graceful_stop(
        &mut self,
        env: &mut Env<'a>,
        task: TaskId,
        reason: StopReason,
    ) -> Result<bool, SimError> {
        let t = &self.tasks[task];
        let TaskOwner::Service(s) = t.owner else {
            return Ok(false);
        };
        if !reason.is_graceful() || t.state != TaskState::Running {
            return Ok(false);
        }
        let attachments = &self.sc.services[s.0 as usize].load_balancers;
        let delay = attachments
            .iter()
            .map(|a| env.elb.deregistration_delay_ms(a.target_group))
            .max()
            .unwrap_or(0);
        if delay + self.shutdown_ms(t) == 0 {
            return Ok(false);
        }
        let now = env.now();
        let inst = t.instance;
        for a in attachments {
            let g = a.target_group;
            if let Some(before) = env.elb.start_draining(g, task) {
                if before == TargetState::Healthy {
                    self.tasks.health_mut(task).healthy_targets -= 1;
                }
                let detail = format!(
                    "target group {}: {} -> draining for {} s",
                    self.sc.target_groups[g].name,
                    before.as_str(),
                    env.elb.deregistration_delay_ms(g) / 1000
                );
                self.log(env, "TARGET_DEREGISTERING", Some(task), inst, detail)?;
            }
        }
        if env.logging() {
            let entry = Entry::new("TASK_STOPPING").task(self.task_label(task)).instance(inst);
            self.record(env, entry.reason(reason.code()), reason.text().to_string())?;
        }
        self.tasks[task].state = TaskState::Stopping;
        self.tasks[task].stop_reason = Some(reason);
        self.service_task_stopping(env, task);
        env.queue
            .schedule(now + delay, LANE_STOP, Event::TaskDeregistered(task));
        Ok(true)
    }

    /// How long `t`'s containers take to exit after SIGTERM: the application's shutdown time,
    /// at most the stop timeout.
    fn shutdown_ms(&self, t: &Task) -> u64 {
        let def = &self.sc.task_definitions[t.definition as usize];
        def.application.shutdown_ms.min(def.stop_timeout_ms)
    }

    /// The deregistration delay is over: the targets are gone and the containers get SIGTERM.
    pub(crate) fn on_task_deregistered(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        if self.tasks[task].state != TaskState::Stopping {
            return Ok(());
        }
        self.remove_targets(env, task)?;
        let shutdown = self.shutdown_ms(&self.tasks[task]);
        if shutdown == 0 {
            return self.on_containers_exited(env, task);
        }
        env.queue
            .schedule(env.now() + shutdown, LANE_STOP, Event::TaskContainersExited(task));
        Ok(())
    }

    /// The containers of a STOPPING task have exited: it is STOPPED.
    pub(crate) fn on_containers_exited(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let Some(reason) = self.tasks[task]
            .stop_reason
            .filter(|_| self.tasks[task].state == TaskState::Stopping)
        else {
            return Ok(());
        };
        self.stop_task_now(env, task, reason)
    }

    /// Takes `task` out of every target group it is registered with.
    pub(crate) fn remove_targets(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let TaskOwner::Service(s) = self.tasks[task].owner else {
            return Ok(());
        };
        let inst = self.tasks[task].instance;
        for a in &self.sc.services[s.0 as usize].load_balancers {
            if env.elb.remove(a.target_group, task) {
                let detail = format!("target group {}", self.sc.target_groups[a.target_group].name);
                self.log(env, "TARGET_DEREGISTERED", Some(task), inst, detail)?;
            }
        }
        self.tasks.health_mut(task).healthy_targets = 0;
        Ok(())
    }

    /// A scripted UpdateTaskProtection: the oldest RUNNING tasks of the service without
    /// protection are protected from scale-in until the expiry.
    pub(crate) fn on_task_protection(&mut self, env: &mut Env<'a>, k: usize) -> Result<(), SimError> {
        let spec = &self.sc.task_protection[k];
        let (s, count, until) = (ServiceId(spec.service as u16), spec.count, env.now() + spec.expires_ms);
        let now = env.now();
        let mut chosen: Vec<TaskId> = self
            .service_tasks(s)
            .filter(|t| t.state == TaskState::Running && !Ecs::is_protected(t, now))
            .map(|t| t.id)
            .collect();
        chosen.sort_unstable_by_key(|t| self.tasks[*t].number);
        chosen.truncate(count as usize);
        if !chosen.is_empty() {
            env.queue.schedule(until, LANE_SCALING, Event::ProtectionExpired(s));
        }
        for &t in &chosen {
            self.tasks[t].protected_until = Some(until);
            let detail = format!("scale-in protection for {} min", (until - now) / 60_000);
            self.log(env, "TASK_PROTECTED", Some(t), self.tasks[t].instance, detail)?;
        }
        Ok(())
    }

    /// Whether `t` is protected from scale-in now.
    pub(crate) fn is_protected(t: &Task, now: SimTime) -> bool {
        t.protected_until.is_some_and(|u| u > now)
    }
}

fn schedule_check(env: &mut Env<'_>, at: SimTime, task: TaskId, check: HealthCheckOf, generation: u32) {
    env.queue.schedule(
        at,
        LANE_LIFECYCLE,
        Event::HealthCheck {
            task,
            check,
            generation,
        },
    );
}
