//! The service scheduler: REPLICA services keep their desired count (replacing stopped tasks,
//! retrying unplaced ones, stopping the surplus after a scale-in); DAEMON services run one task
//! per instance. Launches go through the capacity provider strategy and the per-service
//! launch rate.

use super::*;

impl Simulation<'_> {
    pub(super) fn setup_services(&mut self) {
        let sc = self.sc;
        for s in sc.services.iter() {
            let td = &sc.task_definitions[s.task_definition];
            let demand = self.ecs.intern_demand(td.demand.clone());
            let spec = s.placement_strategy.clone().unwrap_or_else(default_service_strategy);
            let strategies = self.ecs.resolve_strategies(&spec);
            let group = self.ecs.cluster.intern_group(&format!("service:{}", s.name));
            let (daemon, desired) = match s.scheduling {
                SchedulingStrategy::Replica { desired_count } => (false, desired_count),
                SchedulingStrategy::Daemon => (true, 0),
            };
            let items = match &s.launch {
                Launch::Strategy(items) => items.len(),
                _ => 0,
            };
            let rate = f64::from(sc.elastic.service_launch_rate_per_minute);
            let id = ServiceId(self.ecs.services.len() as u16);
            self.autoscaling.register(s.auto_scaling.clone());
            let desired = self.autoscaling.clamp_at_registration(id, desired);
            self.ecs.services.push(ServiceState {
                name: s.name.clone(),
                group,
                daemon,
                desired,
                demand,
                strategies,
                constraints: Ecs::resolve_constraints(&[&td.constraints, &s.placement_constraints]),
                launch: s.launch.clone(),
                item_counts: vec![0; items],
                unplaced: VecDeque::new(),
                starting: 0,
                running: 0,
                reconcile_scheduled: false,
                steady: false,
                launch_bucket: crate::aws::ecs::fargate::RateWindow::new(rate as usize, MINUTE_MS),
                fargate_az_counts: vec![0; sc.availability_zones.len()],
                definition: s.task_definition,
                stable_definition: s.task_definition,
                deploy_cfg: s.deployment.clone(),
                deployment: None,
                throttle: Default::default(),
                rebalance: Default::default(),
                live: Vec::new(),
            });
        }
        // Daemons first: ECS starts the daemon task first on an instance.
        let mut order: Vec<usize> = (0..sc.services.len()).collect();
        order.sort_by_key(|i| !self.ecs.services[*i].daemon);
        for si in order {
            self.schedule_reconcile(ServiceId(si as u16), SimTime::ZERO);
        }
        self.schedule_scheduled_actions();
    }

    pub(super) fn schedule_reconcile(&mut self, s: ServiceId, at: SimTime) {
        let st = &mut self.ecs.services[s.0 as usize];
        if !st.reconcile_scheduled {
            st.reconcile_scheduled = true;
            self.queue.schedule(at, LANE_SCHEDULER, Event::ServiceReconcile(s));
        }
    }

    pub(super) fn on_reconcile(&mut self, s: ServiceId) -> Result<(), SimError> {
        self.ecs.services[s.0 as usize].reconcile_scheduled = false;
        if self.ecs.services[s.0 as usize].daemon {
            return self.reconcile_daemon(s);
        }
        if self.reconcile_deployment(s)? {
            return self.check_steady(s);
        }
        let now = self.now();
        let (desired, active) = {
            let st = &self.ecs.services[s.0 as usize];
            // A task started by AZ rebalancing runs beside the one it will replace.
            let extra = u32::from(st.rebalance.task.is_some());
            (st.desired + extra, st.unplaced.len() as u32 + st.starting + st.running)
        };
        if active > desired {
            self.stop_surplus(s, active - desired)?;
        }
        let next_launch_at = self.ecs.services[s.0 as usize].throttle.next_launch_at;
        if active < desired && now < next_launch_at {
            // The throttle for tasks that keep failing to start holds launches back.
            if next_launch_at != SimTime::MAX {
                self.schedule_reconcile(s, next_launch_at);
            }
        } else {
            for _ in active..desired {
                if !self.launch_service_task(s)? {
                    break;
                }
            }
        }
        self.place_unplaced(s)?;
        self.check_steady(s)
    }

    /// Creates one task for the service (capacity provider strategy, per-service launch rate,
    /// the cluster's PROVISIONING quota); false when a limit holds it back (a retry is
    /// scheduled).
    pub(super) fn launch_service_task(&mut self, s: ServiceId) -> Result<bool, SimError> {
        let now = self.now();
        if let Err(at) = self.ecs.services[s.0 as usize].launch_bucket.take(now.as_ms()) {
            self.schedule_reconcile(s, SimTime(at));
            return Ok(false);
        }
        let st = &self.ecs.services[s.0 as usize];
        let Some((target, item)) = self.ecs.choose_target(&st.launch, &st.item_counts) else {
            return Ok(false);
        };
        let managed = matches!(target, Target::Ec2 { managed: true, .. });
        if managed && self.ecs.provisioning_waiting() >= self.sc.elastic.provisioning_cap {
            // The cluster's PROVISIONING quota is full: launches are throttled.
            let at = now + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(s, at);
            return Ok(false);
        }
        let group = self.ecs.services[s.0 as usize].group;
        let def = self.ecs.definition_of(TaskOwner::Service(s)) as usize;
        let demand = self.ecs.definition_demand[def];
        let run = self.workload.service_task_run_time(s.0 as usize);
        let task = self.new_task(TaskOwner::Service(s), group, demand, run, target, item);
        self.ecs.services[s.0 as usize].unplaced.push_back(task);
        if managed {
            let at = now + self.sc.elastic.provisioning_timeout_ms;
            self.queue.schedule(at, LANE_STOP, Event::ProvisioningTimeout(task));
        }
        Ok(true)
    }

    /// Places the service's waiting tasks in order; a task that does not fit is reported once
    /// per pass (with managed scaling it waits quietly in PROVISIONING instead).
    pub(super) fn place_unplaced(&mut self, s: ServiceId) -> Result<(), SimError> {
        let now = self.now();
        let mut k = 0;
        let mut reported = false;
        while k < self.ecs.services[s.0 as usize].unplaced.len() {
            let task = self.ecs.services[s.0 as usize].unplaced[k];
            if self.try_place(task)? {
                self.ecs.services[s.0 as usize].unplaced.remove(k);
                continue;
            }
            k += 1;
            let target = self.ecs.target_of(task);
            if let Target::Fargate { .. } = target {
                self.retry_fargate_later(target);
                continue;
            }
            if !reported && !matches!(target, Target::Ec2 { managed: true, .. }) {
                reported = true;
                let failure = self.ecs.diagnose(task);
                self.observer.placement_failed(Some(s));
                let name = self.ecs.services[s.0 as usize].name.clone();
                self.log(
                    "SERVICE_TASK_PLACEMENT_FAILURE",
                    Some(task),
                    failure.closest,
                    format!(
                        "service {name} was unable to place a task because no container instance met all of its requirements. {}.",
                        capitalise(&failure.to_string())
                    ),
                )?;
            }
        }
        let waiting_ec2 = self.ecs.services[s.0 as usize]
            .unplaced
            .iter()
            .any(|t| matches!(self.ecs.target_of(*t), Target::Ec2 { managed: false, .. }));
        if waiting_ec2 {
            let retry = now + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(s, retry);
        }
        Ok(())
    }

    /// Stops `n` tasks after a scale-in: unplaced tasks first, then tasks not yet RUNNING,
    /// then RUNNING ones from the AZ with the most of the service's tasks, then the instance
    /// with the most, newest task first (ecs-semantics §1.7 default scale-in, I for ties);
    /// with a capacity provider strategy, from the provider most over its share first.
    fn stop_surplus(&mut self, s: ServiceId, n: u32) -> Result<(), SimError> {
        for _ in 0..n {
            let st = &self.ecs.services[s.0 as usize];
            let victim = if let Some(t) = st.unplaced.back() {
                Some(*t)
            } else {
                self.ecs.choose_scale_in_victim(s)
            };
            let Some(v) = victim else { break };
            self.stop_task(v, "Scaling activity initiated by deployment (desired count reduced)")?;
        }
        Ok(())
    }

    pub(super) fn reconcile_daemon(&mut self, s: ServiceId) -> Result<(), SimError> {
        let n = self.ecs.cluster.instances.len();
        let mut retry = false;
        for i in 0..n {
            let inst = InstanceId(i as u32);
            let (group, demand) = {
                let st = &self.ecs.services[s.0 as usize];
                (st.group, st.demand)
            };
            let ci = &self.ecs.cluster.instances[i];
            if !ci.accepts_tasks() || ci.group_count(group) > 0 {
                continue;
            }
            let st = &self.ecs.services[s.0 as usize];
            let req = PlacementRequest {
                demand: &self.ecs.demands[demand as usize],
                group,
                constraints: &st.constraints,
                strategies: &[],
                only_instance: Some(inst),
                scope: None,
            };
            // Instances that do not satisfy memberOf are not meant to run the daemon.
            let member = st.constraints.iter().all(|c| match c {
                Constraint::MemberOf { expr, .. } => {
                    crate::aws::ecs::placement::query_matches(&self.ecs.cluster, inst, expr, &self.ecs.placer.context())
                }
                Constraint::DistinctInstance => true,
            });
            if !member {
                continue;
            }
            if self
                .ecs
                .placer
                .place(&self.ecs.cluster, &req, &mut self.ecs.rng_placement)
                .is_some()
            {
                let run = self.workload.service_task_run_time(s.0 as usize);
                let target = Target::Ec2 {
                    provider: None,
                    scope: None,
                    managed: false,
                };
                let task = self.new_task(TaskOwner::Service(s), group, demand, run, target, None);
                self.commit_placement(task, inst, "daemon: one task per instance".to_string())?;
            } else {
                let failure = self.ecs.placer.diagnose(&self.ecs.cluster, &req);
                self.observer.placement_failed(Some(s));
                let name = self.ecs.services[s.0 as usize].name.clone();
                self.log(
                    "SERVICE_TASK_PLACEMENT_FAILURE",
                    None,
                    Some(inst),
                    format!(
                        "daemon service {name} could not place its task on {inst}: {}",
                        failure.reason.code()
                    ),
                )?;
                retry = true;
            }
        }
        if retry {
            let at = self.now() + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(s, at);
        }
        Ok(())
    }

    pub(super) fn check_steady(&mut self, s: ServiceId) -> Result<(), SimError> {
        let st = &self.ecs.services[s.0 as usize];
        if st.daemon {
            return Ok(());
        }
        let steady = st.running == st.desired && st.starting == 0 && st.unplaced.is_empty();
        if steady && !st.steady {
            let name = st.name.clone();
            self.ecs.services[s.0 as usize].steady = true;
            self.log(
                "SERVICE_STEADY_STATE",
                None,
                None,
                format!("service {name} has reached a steady state."),
            )?;
        }
        Ok(())
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
