//! The service scheduler: REPLICA services keep their desired count (replacing stopped tasks,
//! retrying unplaced ones, stopping the surplus after a scale-in); DAEMON services run one task
//! per instance. Launches go through the capacity provider strategy and the per-service
//! launch rate.

use super::*;
use crate::aws::ecs::deployment::deployment_bounds;
use crate::aws::ecs::fargate::RateWindow;
use crate::scenario::{default_service_strategy, SchedulingStrategy, ServiceSpec};
use service::Rollout;

impl<'a> Ecs<'a> {
    /// CreateService: the service's scheduler state, with its desired count (a DAEMON
    /// service's is 0; it runs one task per instance).
    pub(crate) fn create_service(&mut self, s: &ServiceSpec) -> ServiceId {
        let sc = self.sc;
        let td = &sc.task_definitions[s.task_definition];
        let demand = self.intern_demand(td.demand.clone());
        let spec = s.placement_strategy.clone().unwrap_or_else(default_service_strategy);
        let strategies = self.resolve_strategies(&spec);
        let group = self.cluster.intern_group(&format!("service:{}", s.name));
        let (daemon, desired) = match s.scheduling {
            SchedulingStrategy::Replica { desired_count } => (false, desired_count),
            SchedulingStrategy::Daemon => (true, 0),
        };
        let items = match &s.launch {
            Launch::Strategy(items) => items.len(),
            _ => 0,
        };
        let rate = f64::from(sc.elastic.service_launch_rate_per_minute);
        let id = ServiceId(self.services.len() as u16);
        self.services.push(ServiceState {
            name: s.name.clone(),
            group,
            daemon,
            desired,
            demand,
            placement: TaskPlacement {
                strategies,
                constraints: Ecs::resolve_constraints(&[&td.constraints, &s.placement_constraints]),
                launch: s.launch.clone(),
            },
            item_counts: vec![0; items],
            unplaced: VecDeque::new(),
            starting: 0,
            running: 0,
            stopping: 0,
            awaiting_replacement: 0,
            protection_blocked: false,
            reconcile_at: None,
            steady: false,
            launch_bucket: RateWindow::new(rate as usize, MINUTE_MS),
            fargate_az_counts: vec![0; sc.availability_zones.len()],
            definition: s.task_definition,
            rollout: Rollout {
                config: s.deployment.clone(),
                current: None,
                stable_definition: s.task_definition,
            },
            throttle: Default::default(),
            rebalance: Default::default(),
            live: Vec::new(),
        });
        id
    }

    /// Asks for a reconcile of service `s` at `at`. One is kept per service: a request
    /// earlier than the queued one replaces it, a later one is covered by it (the reconcile
    /// re-schedules whatever must wait, such as the throttle's next attempt).
    pub(crate) fn schedule_reconcile(&mut self, env: &mut Env<'a>, s: ServiceId, at: SimTime) {
        let st = &mut self.services[s.0 as usize];
        if st.reconcile_at.is_none_or(|queued| at < queued) {
            st.reconcile_at = Some(at);
            env.queue.schedule(at, LANE_SCHEDULER, Event::ServiceReconcile(s));
        }
    }

    pub(crate) fn on_reconcile(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<(), SimError> {
        // A reconcile replaced by an earlier one (which already ran) is stale.
        if self.services[s.0 as usize].reconcile_at != Some(env.now()) {
            return Ok(());
        }
        self.services[s.0 as usize].reconcile_at = None;
        if self.services[s.0 as usize].daemon {
            self.reconcile_daemon_deployment(env, s)?;
            return self.reconcile_daemon(env, s);
        }
        if self.reconcile_deployment(env, s)? {
            return self.check_steady(env, s);
        }
        let now = env.now();
        let (desired, all) = {
            let st = &self.services[s.0 as usize];
            // A task started by AZ rebalancing runs beside the one it will replace.
            let extra = u32::from(st.rebalance.task.is_some());
            (st.desired + extra, st.unplaced.len() as u32 + st.starting + st.running)
        };
        // RUNNING tasks on DRAINING instances keep running until their replacements are
        // healthy; they do not count towards the desired count.
        let draining = self.tasks_on_draining_instances(s);
        // So do tasks that failed their health checks, until their replacements are healthy.
        let unhealthy = self.tasks_awaiting_replacement(s, &draining);
        let active = all - draining.len() as u32 - unhealthy.len() as u32;
        if active > desired {
            self.stop_surplus(env, s, active - desired)?;
        }
        // While tasks drain, replacements start within maximumPercent (ecs-semantics §7).
        let room = if draining.is_empty() && unhealthy.is_empty() {
            u32::MAX
        } else {
            let cfg = &self.services[s.0 as usize].rollout.config;
            // maximumPercent counts STOPPING tasks too (ecs-semantics §2.4).
            let stopping = self.services[s.0 as usize].stopping;
            deployment_bounds(desired, cfg.minimum_healthy_percent, cfg.maximum_percent)
                .1
                .saturating_sub(all + stopping)
        };
        let next_launch_at = self.services[s.0 as usize].throttle.next_launch_at;
        if active < desired && now < next_launch_at {
            // The throttle for tasks that keep failing to start holds launches back.
            if next_launch_at != SimTime::MAX {
                self.schedule_reconcile(env, s, next_launch_at);
            }
        } else {
            for _ in 0..desired.saturating_sub(active).min(room) {
                if !self.launch_service_task(env, s)? {
                    break;
                }
            }
        }
        self.place_unplaced(env, s)?;
        self.stop_drained_tasks(env, s, desired, &draining)?;
        self.stop_replaced_unhealthy_tasks(env, s, desired, &unhealthy, room == 0)?;
        self.check_steady(env, s)
    }

    /// Service `s`'s RUNNING tasks on DRAINING instances, oldest first.
    pub(crate) fn tasks_on_draining_instances(&self, s: ServiceId) -> Vec<TaskId> {
        if self.draining_instances == 0 {
            return Vec::new();
        }
        let mut v: Vec<TaskId> = self
            .service_tasks(s)
            .filter(|t| {
                t.state == TaskState::Running
                    && t.instance
                        .is_some_and(|i| self.cluster.instances[i.index()].status == InstanceStatus::Draining)
            })
            .map(|t| t.id)
            .collect();
        v.sort_unstable_by_key(|t| self.tasks[*t].number);
        v
    }

    /// Stops tasks on DRAINING instances as far as minimumHealthyPercent allows: unhealthy
    /// ones at once, healthy ones while `ceil(desired x min% / 100)` healthy tasks remain
    /// ("RUNNING service tasks are replaced subject to min/max percent: start first if
    /// max > 100; stop first if min < 100", ecs-semantics §7).
    fn stop_drained_tasks(
        &mut self,
        env: &mut Env<'a>,
        s: ServiceId,
        desired: u32,
        draining: &[TaskId],
    ) -> Result<(), SimError> {
        if draining.is_empty() {
            return Ok(());
        }
        let now = env.now();
        let cfg = &self.services[s.0 as usize].rollout.config;
        let (min_healthy, _) = deployment_bounds(desired, cfg.minimum_healthy_percent, cfg.maximum_percent);
        let healthy_total = self.service_tasks(s).filter(|t| self.is_healthy(t, now)).count() as u32;
        let mut budget = healthy_total.saturating_sub(min_healthy);
        for &t in draining {
            if self.is_healthy(&self.tasks[t], now) {
                if budget == 0 {
                    continue;
                }
                budget -= 1;
            }
            self.stop_task(env, t, StopReason::InstanceDraining)?;
        }
        Ok(())
    }

    /// Creates one task for the service (capacity provider strategy, per-service launch rate,
    /// the cluster's PROVISIONING quota); false when a limit holds it back (a retry is
    /// scheduled).
    pub(crate) fn launch_service_task(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<bool, SimError> {
        let now = env.now();
        if let Err(at) = self.services[s.0 as usize].launch_bucket.take(now.as_ms()) {
            self.schedule_reconcile(env, s, SimTime(at));
            return Ok(false);
        }
        let st = &self.services[s.0 as usize];
        let Some((target, item)) = self.choose_target(&st.placement.launch, &st.item_counts) else {
            return Ok(false);
        };
        let managed = matches!(target, Target::Ec2 { managed: true, .. });
        if managed && self.provisioning_waiting() >= self.sc.elastic.provisioning_cap {
            // The cluster's PROVISIONING quota is full: launches are throttled.
            let at = now + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(env, s, at);
            return Ok(false);
        }
        let def = self.definition_of(TaskOwner::Service(s)) as usize;
        let demand = self.definition_demand[def];
        let run = env.workload.service_task_run_time(s.0 as usize);
        let task = self.new_task(env, TaskOwner::Service(s), demand, run, target, item)?;
        self.services[s.0 as usize].unplaced.push_back(task);
        if managed {
            let at = now + self.sc.elastic.provisioning_timeout_ms;
            env.queue.schedule(at, LANE_STOP, Event::ProvisioningTimeout(task));
        }
        Ok(true)
    }

    /// Places the service's waiting tasks in order; a task that does not fit is reported once
    /// per pass (with managed scaling it waits quietly in PROVISIONING instead).
    pub(crate) fn place_unplaced(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<(), SimError> {
        let now = env.now();
        let mut k = 0;
        let mut reported = false;
        while k < self.services[s.0 as usize].unplaced.len() {
            let task = self.services[s.0 as usize].unplaced[k];
            if self.try_place(env, task)? {
                self.services[s.0 as usize].unplaced.remove(k);
                continue;
            }
            k += 1;
            let target = self.target_of(task);
            if let Target::Fargate { .. } = target {
                self.retry_fargate_later(env, target);
                continue;
            }
            if !reported && !matches!(target, Target::Ec2 { managed: true, .. }) {
                reported = true;
                let failure = self.diagnose(task);
                env.observer.placement_failed(Some(s));
                let name = self.services[s.0 as usize].name.clone();
                let entry = Entry::new("SERVICE_TASK_PLACEMENT_FAILURE").task(self.task_label(task));
                self.record(
                    env,
                    entry.instance(failure.closest).reason(failure.reason.code()),
                    format!(
                        "service {name} was unable to place a task because no container instance met all of its requirements. {}.",
                        capitalise(&failure.to_string())
                    ),
                )?;
            }
        }
        let waiting_ec2 = self.services[s.0 as usize]
            .unplaced
            .iter()
            .any(|t| matches!(self.target_of(*t), Target::Ec2 { managed: false, .. }));
        if waiting_ec2 {
            let retry = now + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(env, s, retry);
        }
        Ok(())
    }

    /// Stops `n` tasks after a scale-in: unplaced tasks first, then tasks not yet RUNNING,
    /// then RUNNING ones from the AZ with the most of the service's tasks, then the instance
    /// with the most, newest task first (ecs-semantics §1.7 default scale-in, I for ties);
    /// with a capacity provider strategy, from the provider most over its share first.
    pub(crate) fn stop_surplus(&mut self, env: &mut Env<'a>, s: ServiceId, n: u32) -> Result<(), SimError> {
        for _ in 0..n {
            let st = &self.services[s.0 as usize];
            let victim = if let Some(t) = st.unplaced.back() {
                Some(*t)
            } else {
                self.choose_scale_in_victim(s, env.now())
            };
            let Some(v) = victim else {
                return self.scale_in_blocked_by_protection(env, s);
            };
            self.stop_task(env, v, StopReason::ScaleIn)?;
        }
        self.services[s.0 as usize].protection_blocked = false;
        Ok(())
    }

    /// Scale-in found no task it may stop: if protected tasks are why, the service says so
    /// once ("If the number of protected tasks exceeds desired, the service cannot reach
    /// steady state, and an event says so", ecs-semantics §2.9).
    fn scale_in_blocked_by_protection(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<(), SimError> {
        let now = env.now();
        let protected = self.service_tasks(s).filter(|t| Ecs::is_protected(t, now)).count();
        let st = &mut self.services[s.0 as usize];
        if protected == 0 || st.protection_blocked {
            return Ok(());
        }
        st.protection_blocked = true;
        let detail = format!(
            "service {} is unable to scale in to {}: {protected} task(s) have scale-in protection",
            st.name, st.desired
        );
        self.record(env, Entry::new("SERVICE_TASKS_PROTECTED").service(s), detail)
    }

    pub(crate) fn reconcile_daemon(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<(), SimError> {
        let n = self.cluster.instances.len();
        let mut retry = false;
        for i in 0..n {
            let inst = InstanceId(i as u32);
            // The revision being deployed, if any, else the service's.
            let group = self.services[s.0 as usize].group;
            let demand = self.definition_demand[self.definition_of(TaskOwner::Service(s)) as usize];
            let ci = &self.cluster.instances[i];
            if !ci.accepts_tasks() || ci.group_count(group) > 0 {
                continue;
            }
            let st = &self.services[s.0 as usize];
            let req = PlacementRequest {
                demand: &self.demands[demand as usize],
                group,
                constraints: &st.placement.constraints,
                strategies: &[],
                only_instance: Some(inst),
                scope: None,
            };
            // Instances that do not satisfy memberOf are not meant to run the daemon.
            if !self.satisfies_member_of(s, inst) {
                continue;
            }
            if self
                .placer
                .place(&self.cluster, &req, &mut self.rng_placement)
                .is_some()
            {
                let run = env.workload.service_task_run_time(s.0 as usize);
                let target = Target::Ec2 {
                    provider: None,
                    scope: None,
                    managed: false,
                };
                let task = self.new_task(env, TaskOwner::Service(s), demand, run, target, None)?;
                self.commit_placement(env, task, inst, "daemon: one task per instance".to_string())?;
            } else {
                let failure = self.placer.diagnose(&self.cluster, &req);
                env.observer.placement_failed(Some(s));
                let name = self.services[s.0 as usize].name.clone();
                let entry = Entry::new("SERVICE_TASK_PLACEMENT_FAILURE")
                    .service(s)
                    .instance(Some(inst));
                self.record(
                    env,
                    entry.reason(failure.reason.code()),
                    format!(
                        "daemon service {name} could not place its task on {inst}: {}",
                        failure.reason.code()
                    ),
                )?;
                retry = true;
            }
        }
        if retry {
            let at = env.now() + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(env, s, at);
        }
        Ok(())
    }

    pub(crate) fn check_steady(&mut self, env: &mut Env<'a>, s: ServiceId) -> Result<(), SimError> {
        let st = &self.services[s.0 as usize];
        if st.daemon {
            return Ok(());
        }
        let steady = st.running == st.desired && st.starting == 0 && st.unplaced.is_empty();
        if steady && !st.steady {
            let name = st.name.clone();
            self.services[s.0 as usize].steady = true;
            self.record(
                env,
                Entry::new("SERVICE_STEADY_STATE").service(s),
                format!("service {name} has reached a steady state."),
            )?;
        }
        Ok(())
    }

    /// UpdateService with a new desired count (from Application Auto Scaling, by a policy or a
    /// scheduled action alike). A change ends the service's steady state: "has reached a
    /// steady state" is reported again once it is "healthy and at the desired number of
    /// tasks" (ECS service event messages).
    pub(crate) fn set_desired_count(&mut self, s: ServiceId, desired: u32) {
        let st = &mut self.services[s.0 as usize];
        if st.desired != desired {
            st.steady = false;
        }
        st.desired = desired;
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
