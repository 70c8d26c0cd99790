//! Building the world from a scenario: services registered with ECS (and their scalable
//! targets with Application Auto Scaling), batch jobs with RunTask, the initial instances and
//! the capacity providers, the scripted faults and deployments, and the first events.

use super::*;
use crate::aws::ecs::service::Rollout;
use crate::aws::ecs::TaskPlacement;

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
                placement: TaskPlacement {
                    strategies,
                    constraints: Ecs::resolve_constraints(&[&td.constraints, &s.placement_constraints]),
                    launch: s.launch.clone(),
                },
                item_counts: vec![0; items],
                unplaced: VecDeque::new(),
                starting: 0,
                running: 0,
                reconcile_scheduled: false,
                steady: false,
                launch_bucket: crate::aws::ecs::fargate::RateWindow::new(rate as usize, MINUTE_MS),
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
        }
        // Daemons first: ECS starts the daemon task first on an instance.
        let mut order: Vec<usize> = (0..sc.services.len()).collect();
        order.sort_by_key(|i| !self.ecs.services[*i].daemon);
        for si in order {
            self.ecs
                .schedule_reconcile(&mut self.env, ServiceId(si as u16), SimTime::ZERO);
        }
        self.schedule_scheduled_actions();
    }

    pub(super) fn setup_jobs(&mut self) {
        let sc = self.sc;
        for (ji, j) in sc.batch_jobs.iter().enumerate() {
            let td = &sc.task_definitions[j.task_definition];
            let demand = self.ecs.intern_demand(td.demand.clone());
            let spec = j
                .placement_strategy
                .clone()
                .unwrap_or_else(|| vec![StrategySpec::Random]);
            let strategies = self.ecs.resolve_strategies(&spec);
            let group = self.ecs.cluster.intern_group(&j.group);
            let items = match &j.launch {
                Launch::Strategy(items) => items.len(),
                _ => 0,
            };
            self.ecs.jobs.push(JobState {
                name: j.name.clone(),
                group,
                demand,
                placement: TaskPlacement {
                    strategies,
                    constraints: Ecs::resolve_constraints(&[&td.constraints, &j.placement_constraints]),
                    launch: j.launch.clone(),
                },
                item_counts: vec![0; items],
                queue: VecDeque::new(),
                starting: 0,
                running: 0,
                fargate_az_counts: vec![0; sc.availability_zones.len()],
            });
            if let Some(t) = self.env.workload.first_arrival(ji) {
                self.env
                    .queue
                    .schedule(t, LANE_ARRIVAL, Event::JobArrival(JobId(ji as u16)));
            }
        }
    }

    pub(super) fn setup_capacity(&mut self) {
        let sc = self.sc;
        for (gi, g) in sc.instance_groups.iter().enumerate() {
            for _ in 0..g.count {
                let id = self.ecs.launch_instance(&mut self.env, GroupIdx(gi as u16));
                self.ecs.register(&mut self.env, id);
            }
        }
        for (p, cp) in sc.capacity_providers.iter().enumerate() {
            if let ProviderKind::Asg {
                group,
                managed_scaling,
                managed_termination_protection,
                managed_draining,
            } = &cp.kind
            {
                self.ecs.providers.push(AsgProvider {
                    provider: p,
                    group: GroupIdx(*group as u16),
                    managed: managed_scaling.clone(),
                    termination_protection: *managed_termination_protection,
                    draining: *managed_draining,
                });
            }
        }
    }

    pub(super) fn setup_faults(&mut self) {
        for (k, f) in self.sc.faults.iter().enumerate() {
            self.env
                .queue
                .schedule(SimTime(f.at_ms), LANE_STOP, Event::FaultStart(k as u16));
            if let Some(d) = f.duration_ms {
                self.env
                    .queue
                    .schedule(SimTime(f.at_ms + d), LANE_STOP, Event::FaultEnd(k as u16));
            }
        }
        for (k, d) in self.sc.deployments.iter().enumerate() {
            self.env
                .queue
                .schedule(SimTime(d.at_ms), LANE_SCALING, Event::DeploymentStart(k as u16));
        }
    }

    pub(super) fn needs_control_tick(&self) -> bool {
        self.has_stochastic_faults()
            || !self.sc.deployments.is_empty()
            || (0..self.ecs.services.len()).any(|s| self.env.workload.has_load(s))
            || (0..self.ecs.services.len()).any(|s| self.autoscaling.has_target(ServiceId(s as u16)))
            || self.ecs.providers.iter().any(|a| a.managed.is_some())
            || self.ecs.services.iter().any(|s| !s.unplaced.is_empty())
    }

    pub(super) fn has_stochastic_faults(&self) -> bool {
        let f = &self.sc.failures;
        !f.instance_mtbf_ms.is_empty()
            || f.spot_interruptions_per_instance_hour > 0.0
            || f.fargate_spot_interruptions_per_task_hour > 0.0
            || f.task_crashes_per_task_hour > 0.0
            || !self.sc.faults.is_empty()
    }

    pub(super) fn schedule_scheduled_actions(&mut self) {
        for s in 0..self.ecs.services.len() {
            let service = ServiceId(s as u16);
            for (k, a) in self.autoscaling.scheduled_actions(service).iter().enumerate() {
                if let Some(t) = a.schedule.next_after(None, self.sc.start_epoch_ms) {
                    self.env.queue.schedule(
                        SimTime(t),
                        LANE_SCALING,
                        Event::ScheduledAction {
                            service,
                            action: k as u16,
                        },
                    );
                }
            }
        }
    }
}
