//! Building the world from a scenario: services registered with ECS (and their scalable
//! targets with Application Auto Scaling), batch jobs with RunTask, the initial instances and
//! the capacity providers, the scripted faults and deployments, and the first events.

use super::*;

impl Simulation<'_> {
    pub(super) fn setup_services(&mut self) {
        let sc = self.sc;
        for spec in sc.services.iter() {
            let id = self.ecs.create_service(spec);
            self.autoscaling.register(spec.auto_scaling.clone());
            // Registering a scalable target clamps the desired count into [min, max].
            let desired = self
                .autoscaling
                .clamp_at_registration(id, self.ecs.services[id.0 as usize].desired);
            self.ecs.set_desired_count(id, desired);
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
            self.ecs.register_job(j);
            if let Some(t) = self.env.workload.first_arrival(ji) {
                self.env
                    .queue
                    .schedule(t, LANE_ARRIVAL, Event::JobArrival(JobId(ji as u16)));
            }
        }
    }

    pub(super) fn setup_capacity(&mut self) {
        let sc = self.sc;
        // The initial instances in one allocation (not a doubling copy of the table per size).
        let initial: usize = sc.instance_groups.iter().map(|g| g.count as usize).sum();
        self.ecs.cluster.instances.reserve(initial);
        for (gi, g) in sc.instance_groups.iter().enumerate() {
            for _ in 0..g.count {
                let id = self.ecs.launch_instance(&mut self.env, GroupIdx(gi as u16));
                self.ecs.cluster.instances[id.index()].present_at_start = true;
                self.ecs.register(&mut self.env, id);
            }
        }
        self.ecs.add_capacity_providers();
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
        for (k, p) in self.sc.task_protection.iter().enumerate() {
            self.env
                .queue
                .schedule(SimTime(p.at_ms), LANE_SCALING, Event::TaskProtection(k as u16));
        }
    }

    pub(super) fn needs_control_tick(&self) -> bool {
        self.has_stochastic_faults()
            || !self.sc.deployments.is_empty()
            || (0..self.ecs.services.len()).any(|s| self.env.workload.has_load(s))
            || (0..self.ecs.services.len()).any(|s| self.autoscaling.has_target(ServiceId(s as u16)))
            || self.ecs.providers.iter().any(|a| a.managed.is_some())
            || self.ecs.services.iter().any(|s| !s.unplaced.is_empty())
            // AZ rebalancing watches steady services every minute (ecs-semantics §2.7).
            || self.ecs.services.iter().any(|s| s.rollout.config.az_rebalancing)
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
