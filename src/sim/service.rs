//! The service scheduler: REPLICA services keep their desired count (replacing stopped tasks,
//! retrying unplaced ones every reconcile interval); DAEMON services run one task per instance.

use super::*;

impl Simulation<'_> {
    pub(super) fn setup_services(&mut self, _streams: &RngStreams) {
        let sc = self.sc;
        // Daemons first: ECS starts the daemon task first on an instance.
        let mut order: Vec<usize> = (0..sc.services.len()).collect();
        order.sort_by_key(|i| !matches!(sc.services[*i].scheduling, SchedulingStrategy::Daemon));
        for s in sc.services.iter() {
            let td = &sc.task_definitions[s.task_definition];
            let demand = self.intern_demand(td.demand.clone());
            let spec = s.placement_strategy.clone().unwrap_or_else(default_service_strategy);
            let strategies = self.resolve_strategies(&spec);
            let group = self.cluster.intern_group(&format!("service:{}", s.name));
            let (daemon, desired) = match s.scheduling {
                SchedulingStrategy::Replica { desired_count } => (false, desired_count),
                SchedulingStrategy::Daemon => (true, 0),
            };
            self.services.push(ServiceState {
                name: s.name.clone(),
                group,
                daemon,
                desired,
                demand,
                strategies,
                constraints: Self::resolve_constraints(&[&td.constraints, &s.placement_constraints]),
                run_time: s.task_run_time.clone(),
                unplaced: VecDeque::new(),
                starting: 0,
                running: 0,
                reconcile_scheduled: false,
                steady: false,
                tasks_started: 0,
                placement_failures: 0,
            });
        }
        for si in order {
            self.schedule_reconcile(ServiceId(si as u16), SimTime::ZERO);
        }
    }

    pub(super) fn schedule_reconcile(&mut self, s: ServiceId, at: SimTime) {
        let st = &mut self.services[s.0 as usize];
        if !st.reconcile_scheduled {
            st.reconcile_scheduled = true;
            self.queue.schedule(at, LANE_SCHEDULER, Event::ServiceReconcile(s));
        }
    }

    pub(super) fn on_reconcile(&mut self, s: ServiceId) -> Result<(), SimError> {
        self.services[s.0 as usize].reconcile_scheduled = false;
        if self.services[s.0 as usize].daemon {
            return self.reconcile_daemon(s);
        }
        let (desired, active) = {
            let st = &self.services[s.0 as usize];
            (st.desired, st.unplaced.len() as u32 + st.starting + st.running)
        };
        for _ in active..desired {
            let (group, demand, run) = {
                let st = &mut self.services[s.0 as usize];
                let run = st.run_time.clone();
                (st.group, st.demand, run)
            };
            let run = run.map(|d| d.sample(&mut self.rng_durations));
            let task = self.new_task(TaskOwner::Service(s), group, demand, run);
            self.services[s.0 as usize].unplaced.push_back(task);
        }
        while let Some(&task) = self.services[s.0 as usize].unplaced.front() {
            if self.try_place(task)? {
                self.services[s.0 as usize].unplaced.pop_front();
                continue;
            }
            let failure = self.diagnose(task);
            self.placement_failures += 1;
            self.services[s.0 as usize].placement_failures += 1;
            let name = self.services[s.0 as usize].name.clone();
            self.log(
                "SERVICE_TASK_PLACEMENT_FAILURE",
                Some(task),
                failure.closest,
                format!("service {name} was unable to place a task because no container instance met all of its requirements. {}.", capitalise(&failure.to_string())),
            )?;
            let retry = self.now() + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(s, retry);
            break;
        }
        self.check_steady(s)
    }

    pub(super) fn reconcile_daemon(&mut self, s: ServiceId) -> Result<(), SimError> {
        let n = self.cluster.instances.len();
        let mut retry = false;
        for i in 0..n {
            let inst = InstanceId(i as u32);
            let (group, demand) = {
                let st = &self.services[s.0 as usize];
                (st.group, st.demand)
            };
            let ci = &self.cluster.instances[i];
            if !ci.accepts_tasks() || ci.group_count(group) > 0 {
                continue;
            }
            let st = &self.services[s.0 as usize];
            let req = PlacementRequest {
                demand: &self.demands[demand as usize],
                group,
                constraints: &st.constraints,
                strategies: &[],
                only_instance: Some(inst),
            };
            // Instances that do not satisfy memberOf are not meant to run the daemon.
            let member = st.constraints.iter().all(|c| match c {
                Constraint::MemberOf { expr, .. } => {
                    crate::placement::query_matches(&self.cluster, inst, expr, &self.placer.context())
                }
                Constraint::DistinctInstance => true,
            });
            if !member {
                continue;
            }
            if self
                .placer
                .place(&self.cluster, &req, &mut self.rng_placement)
                .is_some()
            {
                let run = self.services[s.0 as usize]
                    .run_time
                    .clone()
                    .map(|d| d.sample(&mut self.rng_durations));
                let task = self.new_task(TaskOwner::Service(s), group, demand, run);
                self.commit_placement(task, inst, "daemon: one task per instance".to_string())?;
            } else {
                let failure = self.placer.diagnose(&self.cluster, &req);
                self.placement_failures += 1;
                self.services[s.0 as usize].placement_failures += 1;
                let name = self.services[s.0 as usize].name.clone();
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
        let st = &self.services[s.0 as usize];
        if st.daemon {
            return Ok(());
        }
        let steady = st.running == st.desired && st.starting == 0 && st.unplaced.is_empty();
        if steady && !st.steady {
            let name = st.name.clone();
            self.services[s.0 as usize].steady = true;
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
