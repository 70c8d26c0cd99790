//! The task lifecycle: placement on a container instance or on Fargate, PROVISIONING ->
//! PENDING -> RUNNING -> STOPPED, and what each transition tells Billing and the observer.

use super::*;

impl<'a> Ecs<'a> {
    /// Creates a task of `owner` (in its task group) in PROVISIONING, not yet placed.
    pub(crate) fn new_task(
        &mut self,
        env: &mut Env<'a>,
        owner: TaskOwner,
        demand: u32,
        run_for_ms: Option<u64>,
        target: Target,
        item: Option<usize>,
    ) -> Result<TaskId, SimError> {
        let group = match owner {
            TaskOwner::Service(s) => self.services[s.0 as usize].group,
            TaskOwner::Job(j) => self.jobs[j.0 as usize].group,
        };
        let provider = match target {
            Target::Ec2 { provider, .. } | Target::Fargate { provider, .. } => provider,
        };
        let submitted_at = env.now();
        let definition = self.definition_of(owner);
        let id = self.tasks.insert(|id, number| Task {
            id,
            number,
            owner,
            group,
            demand,
            state: TaskState::Provisioning,
            instance: None,
            submitted_at,
            run_for_ms,
            provider,
            strategy_item: item.map(|k| k as u8),
            fargate: None,
            billing_from: None,
            definition,
            running_at: None,
            crashing: false,
            lost_to: None,
            stop_reason: None,
            protected_until: None,
        });
        if let Some(k) = item {
            match owner {
                TaskOwner::Service(s) => self.services[s.0 as usize].item_counts[k] += 1,
                TaskOwner::Job(j) => self.jobs[j.0 as usize].item_counts[k] += 1,
            }
        }
        if let TaskOwner::Service(s) = owner {
            self.services[s.0 as usize].live.push(id);
        }
        env.observer.task_submitted();
        if env.logging() {
            // Who started it, as ECS's `startedBy` tells a service's tasks from RunTask's.
            let code = match owner {
                TaskOwner::Service(_) => "ServiceScheduler",
                TaskOwner::Job(_) => "RunTask",
            };
            let entry = Entry::new("TASK_SUBMITTED").task(self.task_label(id)).reason(code);
            self.record(env, entry, String::new())?;
        }
        Ok(id)
    }

    /// Tries to place `task` (on an instance, or on Fargate when a launch token is free); on
    /// success reserves, logs and schedules its lifecycle.
    pub(crate) fn try_place(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<bool, SimError> {
        match self.target_of(task) {
            Target::Fargate { spot, .. } => self.try_start_fargate(env, task, spot),
            Target::Ec2 { scope, .. } => {
                let t = &self.tasks[task];
                let p = owner_placement(&self.services, &self.jobs, t.owner);
                let (strategies, constraints) = (&p.strategies, &p.constraints);
                // AZ rebalancing restricts the placement to one zone with a memberOf.
                let with_az: Vec<Constraint>;
                let constraints: &[Constraint] = match self.forced_az {
                    None => constraints,
                    Some(a) => {
                        let expression = format!(
                            "attribute:ecs.availability-zone == {}",
                            self.sc.availability_zones[a.0 as usize]
                        );
                        let expr = crate::aws::ecs::placement::query::parse(&expression)
                            .expect("a generated expression parses");
                        with_az = constraints
                            .iter()
                            .cloned()
                            .chain(std::iter::once(Constraint::MemberOf {
                                expression,
                                expr: std::sync::Arc::new(expr),
                            }))
                            .collect();
                        &with_az
                    }
                };
                let req = PlacementRequest {
                    demand: &self.demands[t.demand as usize],
                    group: t.group,
                    constraints,
                    strategies,
                    only_instance: None,
                    scope,
                };
                let asked = env.report.wants_placement(&env.opts, t.number, env.now());
                let group = t.group.0 as usize;
                // report.html keeps each task group's first placement (and, below, its first
                // failed one) when the run writes events.
                let for_report = env.logging() && env.report.kept.wants_placement(group, true);
                let trace = (asked || for_report).then(|| self.placer.explain(&self.cluster, &req));
                let chosen = self.placer.place(&self.cluster, &req, &mut self.rng_placement);
                if env.opts.check_invariants_every_event {
                    // Checked runs (tests) cross-check the indexed choice against the scan.
                    let best = self.placer.best_set(&self.cluster, &req);
                    let agrees = chosen.map_or(best.is_empty(), |i| best.contains(&i));
                    if !agrees {
                        return Err(SimError::InvariantViolated {
                            at: env.now(),
                            what: format!(
                                "placement of {}: the fast path chose {chosen:?}, the scan's best set is {best:?}",
                                self.tasks[task].number
                            ),
                        });
                    }
                }
                let trace = match trace {
                    None if chosen.is_none() && env.logging() && env.report.kept.wants_placement(group, false) => {
                        Some(self.placer.explain(&self.cluster, &req))
                    }
                    trace => trace,
                };
                if let Some(trace) = trace {
                    let e = self.placement_explanation(env.queue.now(), task, &req, trace, chosen);
                    if env.logging() && env.report.kept.wants_placement(group, chosen.is_some()) {
                        env.report.kept.keep_placement(group, &e);
                    }
                    if asked {
                        env.report.record_placement(e);
                    }
                }
                let Some(inst) = chosen else {
                    return Ok(false);
                };
                let detail = if env.logging() {
                    self.placer.describe_choice(&self.cluster, &req, inst)
                } else {
                    String::new()
                };
                self.commit_placement(env, task, inst, detail)?;
                Ok(true)
            }
        }
    }

    /// A Fargate task needs a launch token; it goes to the AZ with the fewest of its owner's
    /// Fargate tasks (Fargate spreads over AZs and ignores placement strategies).
    pub(crate) fn try_start_fargate(&mut self, env: &mut Env<'a>, task: TaskId, spot: bool) -> Result<bool, SimError> {
        let now = env.now();
        let down: Vec<bool> = (0..self.sc.availability_zones.len())
            .map(|a| env.faults.fargate_blocked(a))
            .collect();
        if down.iter().all(|d| *d) {
            return Ok(false);
        }
        if self.fargate.buckets[usize::from(spot)].take(now.as_ms()).is_err() {
            return Ok(false);
        }
        let owner = self.tasks[task].owner;
        let forced = self.forced_az;
        let counts = match owner {
            TaskOwner::Service(s) => &mut self.services[s.0 as usize].fargate_az_counts,
            TaskOwner::Job(j) => &mut self.jobs[j.0 as usize].fargate_az_counts,
        };
        let az = match forced {
            Some(a) => a.0 as usize,
            None => match (0..counts.len()).filter(|k| !down[*k]).min_by_key(|k| (counts[*k], *k)) {
                Some(a) => a,
                None => return Ok(false),
            },
        };
        counts[az] += 1;
        let t = &mut self.tasks[task];
        t.fargate = Some(FargateSlot {
            az: AzIdx(az as u16),
            spot,
        });
        let wait = now - t.submitted_at;
        env.observer.task_placed(self.workload_index(owner), wait);
        self.fargate.running += 1;
        self.owner_started_placement(owner);
        let delay = self.sc.lifecycle.awsvpc_provisioning.sample(&mut self.rng_lifecycle);
        env.queue
            .schedule(now + delay, LANE_LIFECYCLE, Event::TaskProvisioned(task));
        let what = if spot { "FARGATE_SPOT" } else { "FARGATE" };
        self.log(
            env,
            "TASK_PLACED",
            Some(task),
            None,
            format!("{what}: spread over availability zones"),
        )?;
        Ok(true)
    }

    pub(crate) fn owner_started_placement(&mut self, owner: TaskOwner) {
        match owner {
            TaskOwner::Service(s) => self.services[s.0 as usize].starting += 1,
            TaskOwner::Job(j) => self.jobs[j.0 as usize].starting += 1,
        }
    }

    pub(crate) fn commit_placement(
        &mut self,
        env: &mut Env<'a>,
        task: TaskId,
        inst: InstanceId,
        detail: String,
    ) -> Result<(), SimError> {
        let now = env.now();
        let (group, demand_idx, owner) = {
            let t = &self.tasks[task];
            (t.group, t.demand, t.owner)
        };
        let demand = &self.demands[demand_idx as usize];
        self.placer.reserve(&mut self.cluster, inst, task, group, demand);
        let gi = self.cluster.instances[inst.index()].group.0 as usize;
        self.group_cpu_reserved[gi] += u64::from(demand.cpu_units);
        self.group_mem_reserved[gi] += u64::from(demand.memory_mib);
        let uses_eni = demand.uses_eni;
        self.occupancy_changed(env, owner, inst, gi, true);
        let split = self.split_cost_hourly(inst, demand_idx);
        env.billing
            .ec2_task_reserved(self.workload_index(owner), gi, split, now.as_ms());
        let t = &mut self.tasks[task];
        t.instance = Some(inst);
        let wait = now - t.submitted_at;
        env.observer.task_placed(self.workload_index(owner), wait);
        self.owner_started_placement(owner);
        let lc = &self.sc.lifecycle;
        let dist = if uses_eni {
            &lc.awsvpc_provisioning
        } else {
            &lc.provisioning
        };
        let delay = dist.sample(&mut self.rng_lifecycle);
        env.queue
            .schedule(now + delay, LANE_LIFECYCLE, Event::TaskProvisioned(task));
        self.log(env, "TASK_PLACED", Some(task), Some(inst), detail)
    }

    pub(crate) fn on_provisioned(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let now = env.now();
        let t = &mut self.tasks[task];
        if t.state != TaskState::Provisioning || (t.instance.is_none() && t.fargate.is_none()) {
            return Ok(());
        }
        t.state = TaskState::Pending;
        let delay = if t.fargate.is_some() {
            // Fargate bills from the start of the image pull.
            t.billing_from = Some(now);
            let hourly = self.fargate_hourly(&env.billing, task);
            let workload = self.workload_index(self.tasks[task].owner);
            let spot = self.tasks[task].fargate.is_some_and(|f| f.spot);
            env.billing.fargate_task_started(workload, spot, hourly, now.as_ms());
            self.sc.elastic.fargate_pending.sample(&mut self.rng_lifecycle)
        } else {
            self.sc.lifecycle.pending.sample(&mut self.rng_lifecycle)
        };
        // A slow image pull (a fault) stretches PENDING.
        let factor = env.faults.pull_factor();
        let delay = if factor == 1.0 {
            delay // the product, exactly (delays are below 2^53 ms), without a rounding call
        } else {
            crate::engine::round_to_u64(delay as f64 * factor)
        };
        if delay == 0 && env.handle_in_place(LANE_LIFECYCLE, self.sc.max_events) {
            // A zero-length PENDING whose end would be the next event: end it now.
            return self.on_started(env, task);
        }
        env.queue
            .schedule(now + delay, LANE_LIFECYCLE, Event::TaskStarted(task));
        Ok(())
    }

    pub(crate) fn on_started(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let now = env.now();
        let t = &self.tasks[task];
        if t.state != TaskState::Pending {
            return Ok(());
        }
        let behaviour = &self.sc.task_definitions[t.definition as usize].behaviour;
        if behaviour.fails_to_start {
            // The image cannot be pulled: PENDING -> STOPPED, which the service throttles.
            return self.task_failed_to_start(env, task);
        }
        let crash = behaviour.crash_after.as_ref().map(|d| env.faults.sample(d));
        let t = &mut self.tasks[task];
        t.state = TaskState::Running;
        t.running_at = Some(now);
        let (owner, run_for, inst) = (t.owner, t.run_for_ms, t.instance);
        let exit = match (run_for, crash) {
            (Some(r), Some(c)) if c < r => {
                t.crashing = true;
                Some(c)
            }
            (None, Some(c)) => {
                t.crashing = true;
                Some(c)
            }
            (r, _) => r,
        };
        if let Some(ms) = exit {
            env.queue.schedule(now + ms, LANE_STOP, Event::TaskExited(task));
        }
        env.observer.task_running(self.workload_index(owner));
        if let TaskOwner::Service(s) = owner {
            self.service_task_running(env, s, task);
        }
        match owner {
            TaskOwner::Service(s) => {
                let st = &mut self.services[s.0 as usize];
                st.starting -= 1;
                st.running += 1;
            }
            TaskOwner::Job(j) => {
                let js = &mut self.jobs[j.0 as usize];
                js.starting -= 1;
                js.running += 1;
            }
        }
        self.log(env, "TASK_RUNNING", Some(task), inst, String::new())?;
        if let TaskOwner::Service(s) = owner {
            self.start_health_checks(env, task)?;
            self.check_steady(env, s)?;
        }
        Ok(())
    }

    pub(crate) fn on_exited(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let t = &self.tasks[task];
        if t.state != TaskState::Running {
            return Ok(());
        }
        if t.crashing {
            self.new_task_unhealthy_stop(env, task);
            return self.stop_task(env, task, StopReason::CrashLoop);
        }
        env.observer.task_completed(self.workload_index(t.owner));
        self.stop_task(env, task, StopReason::Completed)
    }

    pub(crate) fn on_provisioning_timeout(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let t = &self.tasks[task];
        if t.state != TaskState::Provisioning || t.instance.is_some() || t.fargate.is_some() {
            return Ok(());
        }
        env.observer.task_failed(self.workload_index(t.owner));
        self.stop_task(env, task, StopReason::ProvisioningTimeout)
    }

    /// Stops a task in any state: removes it from its wait list, releases what it holds,
    /// closes its billing, updates its owner and lets the service scheduler react.
    /// A stop whose reason is a failure ([`StopReason::is_loss`]) counts the task as lost,
    /// unless it was counted already; its TASK_STOPPED line then carries the failure it was
    /// lost to.
    /// A scheduler's or user's stop of a RUNNING service task is graceful
    /// ([`Ecs::begin_graceful_stop`]); a stop of a task already STOPPING for such a reason
    /// does nothing more, while its host's loss ends it at once.
    pub(crate) fn stop_task(&mut self, env: &mut Env<'a>, task: TaskId, reason: StopReason) -> Result<(), SimError> {
        if self.tasks[task].state == TaskState::Stopping && reason.is_graceful() {
            return Ok(());
        }
        if reason.is_loss() {
            self.record_loss(env, task, reason);
        }
        if self.begin_graceful_stop(env, task, reason)? {
            return Ok(());
        }
        self.stop_task_now(env, task, reason)
    }

    /// Stops a task at once: see [`Ecs::stop_task`].
    pub(crate) fn stop_task_now(
        &mut self,
        env: &mut Env<'a>,
        task: TaskId,
        reason: StopReason,
    ) -> Result<(), SimError> {
        let now = env.now();
        let (owner, group, demand_idx, inst, fargate, state) = {
            let t = &self.tasks[task];
            (t.owner, t.group, t.demand, t.instance, t.fargate, t.state)
        };
        if state == TaskState::Stopped {
            return Ok(());
        }
        let placed = inst.is_some() || fargate.is_some();
        // Only a service's tasks are ever targets.
        if matches!(owner, TaskOwner::Service(_)) && matches!(state, TaskState::Running | TaskState::Stopping) {
            self.remove_targets(env, task)?;
        }
        if let Some(i) = inst {
            let demand = &self.demands[demand_idx as usize];
            self.placer.release(&mut self.cluster, i, task, group, demand);
            let gi = self.cluster.instances[i.index()].group.0 as usize;
            self.group_cpu_reserved[gi] -= u64::from(demand.cpu_units);
            self.group_mem_reserved[gi] -= u64::from(demand.memory_mib);
            self.occupancy_changed(env, owner, i, gi, false);
            let split = self.split_cost_hourly(i, demand_idx);
            env.billing
                .ec2_task_reserved(self.workload_index(owner), gi, -split, now.as_ms());
        }
        if let Some(slot) = fargate {
            self.fargate.running -= 1;
            if let Some(from) = self.tasks[task].billing_from {
                let hourly = self.fargate_hourly(&env.billing, task);
                let workload = self.workload_index(owner);
                env.billing
                    .fargate_task_stopped(workload, slot.spot, hourly, now - from, now.as_ms());
            }
            let counts = match owner {
                TaskOwner::Service(s) => &mut self.services[s.0 as usize].fargate_az_counts,
                TaskOwner::Job(j) => &mut self.jobs[j.0 as usize].fargate_az_counts,
            };
            counts[slot.az.0 as usize] -= 1;
        }
        self.tasks[task].state = TaskState::Stopped;
        self.owner_task_stopped(env, task, state, placed);
        if env.logging() {
            let code = self.tasks[task].lost_to.unwrap_or(reason).code();
            let entry = Entry::new("TASK_STOPPED").task(self.task_label(task)).instance(inst);
            self.record(env, entry.reason(code), reason.text().to_string())?;
        }
        if let Some(i) = inst {
            self.instance_may_be_drained(env, i)?;
        }
        // Nothing refers to the task any more (its owner's lists, its instance, the wait
        // queues): its slot is reused; events of its still in the queue are now stale.
        self.tasks.release(task);
        if placed {
            self.drain_wait_queue(env)?;
        }
        Ok(())
    }

    /// The owner of a task that just stopped (from `state`; `placed` if it had a place) stops
    /// counting it; a service reconciles.
    fn owner_task_stopped(&mut self, env: &mut Env<'a>, task: TaskId, state: TaskState, placed: bool) {
        let now = env.now();
        let (owner, item) = {
            let t = &self.tasks[task];
            (t.owner, t.strategy_item)
        };
        match owner {
            // Its service stopped counting it when it began to stop; a deployment may have
            // waited for it to be gone.
            TaskOwner::Service(s) if state == TaskState::Stopping => {
                self.services[s.0 as usize].stopping -= 1;
                self.schedule_reconcile(env, s, now);
            }
            TaskOwner::Service(s) => {
                let replacing = self.tasks.health(task).replace_for.is_some();
                let st = &mut self.services[s.0 as usize];
                st.awaiting_replacement -= u32::from(replacing);
                match state {
                    TaskState::Running => st.running -= 1,
                    _ if placed => st.starting -= 1,
                    _ => {
                        if let Some(pos) = st.unplaced.iter().position(|t| *t == task) {
                            st.unplaced.remove(pos);
                        }
                    }
                }
                if let Some(k) = item {
                    st.item_counts[k as usize] -= 1;
                }
                if let Some(pos) = st.live.iter().position(|t| *t == task) {
                    st.live.remove(pos);
                }
                st.steady = false;
                self.schedule_reconcile(env, s, now);
            }
            TaskOwner::Job(j) => {
                let js = &mut self.jobs[j.0 as usize];
                match state {
                    TaskState::Running => js.running -= 1,
                    _ if placed => js.starting -= 1,
                    _ => {
                        if let Some(pos) = js.queue.iter().position(|t| *t == task) {
                            js.queue.remove(pos);
                        }
                    }
                }
                if let Some(k) = item {
                    js.item_counts[k as usize] -= 1;
                }
            }
        }
    }

    /// A RUNNING service task begins a graceful stop: its service stops counting it (as if
    /// it had stopped) and counts it as STOPPING.
    pub(crate) fn service_task_stopping(&mut self, env: &mut Env<'a>, task: TaskId) {
        self.owner_task_stopped(env, task, TaskState::Running, true);
        if let TaskOwner::Service(s) = self.tasks[task].owner {
            self.services[s.0 as usize].stopping += 1;
        }
    }

    /// Fargate reclaims a Fargate Spot task: SIGTERM now (the warning is logged), the task
    /// stops after its task definition's `stop_timeout` (30 s by default).
    pub(crate) fn interrupt_fargate_spot_task(&mut self, env: &mut Env<'a>, task: TaskId) -> Result<(), SimError> {
        let stop_timeout_ms = self.sc.task_definitions[self.tasks[task].definition as usize].stop_timeout_ms;
        self.tasks[task].crashing = true;
        self.log(
            env,
            "SPOT_INTERRUPTION_WARNING",
            Some(task),
            None,
            "Your Spot Task was interrupted.".into(),
        )?;
        let at = env.now() + stop_timeout_ms;
        env.queue.schedule(at, LANE_STOP, Event::TaskExited(task));
        Ok(())
    }
}
