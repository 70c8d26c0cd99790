//! AZ rebalancing of services (ecs-semantics §2.7): a steady service whose tasks are
//! unbalanced over its zones starts a task in the emptiest zone, then stops one in the
//! fullest.

use super::*;

impl<'a> Ecs<'a> {
    /// AZ rebalancing (ecs-semantics §2.7): a steady service whose first strategy is AZ spread
    /// (or the default, or Fargate) with more than one task of difference between AZs starts a
    /// task in the emptiest AZ, then stops one in the fullest; one move per minute (I).
    pub(crate) fn rebalance_azs(&mut self, env: &mut Env<'a>) -> Result<(), SimError> {
        for s in 0..self.services.len() {
            self.rebalance_service(env, s)?;
        }
        Ok(())
    }

    /// One minute of AZ rebalancing for service `s`.
    fn rebalance_service(&mut self, env: &mut Env<'a>, s: usize) -> Result<(), SimError> {
        // A started rebalancing task: once it runs, stop one in the fullest AZ.
        if let Some(t) = self.services[s].rebalance.task {
            // A stale handle: the task stopped (and its slot was released).
            match self.tasks.get(t).map_or(TaskState::Stopped, |t| t.state) {
                TaskState::Running => {
                    self.services[s].rebalance.task = None;
                    if let Some(v) = self.rebalance_victim(s) {
                        self.stop_task(env, v, StopReason::RebalancingMoved)?;
                    }
                }
                TaskState::Stopped => self.services[s].rebalance.task = None,
                _ => {}
            }
            return Ok(());
        }
        let st = &self.services[s];
        if st.daemon || !st.rollout.config.az_rebalancing || st.rollout.current.is_some() {
            return Ok(());
        }
        if st.running != st.desired || st.starting > 0 || !st.unplaced.is_empty() {
            return Ok(());
        }
        let (zones, per_az) = self.rebalancing_zones(env, s);
        let Some(&low) = zones.iter().min_by_key(|a| (per_az[**a], **a)) else {
            return Ok(());
        };
        let Some(&high) = zones.iter().max_by_key(|a| (per_az[**a], std::cmp::Reverse(**a))) else {
            return Ok(());
        };
        if per_az[high] <= per_az[low] + 1 {
            if self.services[s].rebalance.active {
                self.services[s].rebalance.active = false;
                let name = self.services[s].name.clone();
                self.record(
                    env,
                    Entry::new("SERVICE_REBALANCING_COMPLETED").service(ServiceId(s as u16)),
                    format!("service {name} is AZ balanced"),
                )?;
            }
            return Ok(());
        }
        let name = self.services[s].name.clone();
        if !self.services[s].rebalance.active {
            self.services[s].rebalance.active = true;
            let counts: Vec<String> = zones
                .iter()
                .map(|a| format!("{}={}", self.sc.availability_zones[*a], per_az[*a]))
                .collect();
            self.record(
                env,
                Entry::new("SERVICE_REBALANCING_STARTED").service(ServiceId(s as u16)),
                format!(
                    "service {name} is not AZ balanced with {}; AZ Rebalancing in progress",
                    counts.join(", ")
                ),
            )?;
        }
        // Start one task in the emptiest AZ (placement restricted to it); the task in the
        // fullest AZ is stopped once the new one runs (start first, then stop).
        let _ = high;
        self.place_rebalancing_task(env, ServiceId(s as u16), low)?;
        Ok(())
    }

    /// The zones service `s` can place in (not out and, on EC2, with an instance in scope),
    /// and its RUNNING tasks per zone.
    fn rebalancing_zones(&self, env: &Env<'a>, s: usize) -> (Vec<usize>, Vec<u32>) {
        let naz = self.sc.availability_zones.len();
        let mut per_az = vec![0u32; naz];
        // AZs the service can place in: not out, and (on EC2) with an instance in scope.
        let fargate = self.sc.services[s].launch == Launch::Fargate
            || matches!(&self.sc.services[s].launch, Launch::Strategy(items) if items.iter().any(|i| matches!(self.sc.capacity_providers[i.provider].kind, ProviderKind::Fargate { .. })));
        let scopes: Vec<GroupIdx> = match &self.sc.services[s].launch {
            Launch::Strategy(items) => items
                .iter()
                .filter_map(|i| match self.sc.capacity_providers[i.provider].kind {
                    ProviderKind::Asg { group, .. } => Some(GroupIdx(group as u16)),
                    ProviderKind::Fargate { .. } => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        // On EC2 only instances that satisfy the service's memberOf constraints count: a
        // service confined to some AZs is balanced over those.
        let mut usable = vec![false; naz];
        for (a, u) in usable.iter_mut().enumerate() {
            *u = !env.faults.az_is_out(a)
                && (fargate
                    || self.live_instances().any(|i| {
                        i.az.0 as usize == a
                            && i.accepts_tasks()
                            && (scopes.is_empty() || scopes.contains(&i.group))
                            && self.satisfies_member_of(ServiceId(s as u16), i.id)
                    }));
        }
        for t in self
            .service_tasks(ServiceId(s as u16))
            .filter(|t| t.state == TaskState::Running)
        {
            let a = t
                .instance
                .map(|i| self.cluster.instances[i.index()].az.0 as usize)
                .or(t.fargate.map(|f| f.az.0 as usize));
            if let Some(a) = a {
                per_az[a] += 1;
            }
        }
        let zones: Vec<usize> = (0..naz).filter(|a| usable[*a]).collect();
        (zones, per_az)
    }

    pub(crate) fn place_rebalancing_task(
        &mut self,
        env: &mut Env<'a>,
        s: ServiceId,
        az: usize,
    ) -> Result<bool, SimError> {
        let st = &self.services[s.0 as usize];
        let Some((target, item)) = self.choose_target(&st.placement.launch, &st.item_counts) else {
            return Ok(false);
        };
        let def = self.definition_of(TaskOwner::Service(s)) as usize;
        let demand = self.definition_demand[def];
        let run = env.workload.service_task_run_time(s.0 as usize);
        // Only place if the AZ has room; otherwise give up quietly (ECS reports
        // SERVICE_TASK_PLACEMENT_FAILURE for the zone).
        let fits = match target {
            Target::Fargate { .. } => !env.faults.fargate_capacity_missing(az),
            Target::Ec2 { scope, .. } => self.live_instances().any(|i| {
                i.az.0 as usize == az
                    && i.accepts_tasks()
                    && scope.is_none_or(|g| g == i.group)
                    && i.fits(&self.demands[demand as usize])
                    && self.satisfies_member_of(s, i.id)
            }),
        };
        if !fits {
            return Ok(false);
        }
        let task = self.new_task(env, TaskOwner::Service(s), demand, run, target, item)?;
        self.forced_az = Some(AzIdx(az as u16));
        let placed = self.try_place(env, task)?;
        self.forced_az = None;
        if placed {
            self.services[s.0 as usize].rebalance.task = Some(task);
        } else {
            self.stop_task(env, task, StopReason::RebalancingNoRoom)?;
        }
        Ok(placed)
    }
}
