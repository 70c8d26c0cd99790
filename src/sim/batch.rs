//! Standalone tasks (RunTask): Poisson, trace-driven and scheduled submissions, per-job FIFO
//! queues for tasks that wait for capacity, and RunTask-style failures.

use super::*;

impl Simulation<'_> {
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
                strategies,
                constraints: Ecs::resolve_constraints(&[&td.constraints, &j.placement_constraints]),
                launch: j.launch.clone(),
                item_counts: vec![0; items],
                queue: VecDeque::new(),
                starting: 0,
                running: 0,
                fargate_az_counts: vec![0; sc.availability_zones.len()],
            });
            if let Some(t) = self.workload.first_arrival(ji) {
                self.queue
                    .schedule(t, LANE_ARRIVAL, Event::JobArrival(JobId(ji as u16)));
            }
        }
    }

    pub(super) fn on_job_arrival(&mut self, j: JobId) -> Result<(), SimError> {
        let spec = &self.sc.batch_jobs[j.0 as usize];
        let now = self.now();
        let sub = self.workload.submission(j.0 as usize, now);
        if let Some(t) = sub.next_at {
            self.queue.schedule(t, LANE_ARRIVAL, Event::JobArrival(j));
        }
        // A trace row may override the task definition's CPU and memory.
        let demand = if sub.cpu_units.is_some() || sub.memory_mib.is_some() {
            let base = self.sc.task_definitions[spec.task_definition].demand.clone();
            self.ecs.intern_demand(TaskDemand {
                cpu_units: sub.cpu_units.unwrap_or(base.cpu_units),
                memory_mib: sub.memory_mib.unwrap_or(base.memory_mib),
                ..base
            })
        } else {
            self.ecs.jobs[j.0 as usize].demand
        };
        let batch = sub.run_ms.into_iter().map(|run| (demand, run));
        let group = self.ecs.jobs[j.0 as usize].group;
        let on_no_capacity = spec.on_no_capacity.clone();
        for (demand, run) in batch {
            let js = &self.ecs.jobs[j.0 as usize];
            let Some((target, item)) = self.ecs.choose_target(&js.launch, &js.item_counts) else {
                continue;
            };
            let task = self.new_task(TaskOwner::Job(j), group, demand, run, target, item);
            if let Target::Ec2 { scope, .. } = target {
                if !self
                    .ecs
                    .demand_fits_somewhere(&self.ecs.demands[demand as usize].clone(), scope)
                {
                    // No instance could ever hold it: fail now rather than block the queue forever.
                    self.fail_task(task, "the task is larger than every instance it may run on")?;
                    continue;
                }
            }
            let queue_empty = self.ecs.jobs[j.0 as usize].queue.is_empty();
            if queue_empty && self.try_place(task)? {
                continue;
            }
            let managed = matches!(target, Target::Ec2 { managed: true, .. });
            let fargate = matches!(target, Target::Fargate { .. });
            if (queue_empty || on_no_capacity == OnNoCapacity::Fail) && !fargate && !managed {
                // This task itself failed to place: record why, as RunTask's failures[] would.
                let failure = self.ecs.diagnose(task);
                self.observer.placement_failed(None);
                let detail = format!("RunTask failure reason \"{}\"; {failure}", failure.reason.code());
                self.log("TASK_PLACEMENT_FAILED", Some(task), failure.closest, detail)?;
            }
            if managed {
                // With managed scaling the task waits in PROVISIONING for capacity, up to the
                // cluster quota, then times out.
                if self.ecs.provisioning_waiting() >= self.sc.elastic.provisioning_cap {
                    self.fail_task(task, "too many tasks in PROVISIONING in the cluster (quota)")?;
                    continue;
                }
                let at = now + self.sc.elastic.provisioning_timeout_ms;
                self.queue.schedule(at, LANE_STOP, Event::ProvisioningTimeout(task));
            } else if on_no_capacity == OnNoCapacity::Fail && !fargate {
                self.fail_task(task, "no capacity (on_no_capacity = \"fail\")")?;
                continue;
            }
            self.ecs.jobs[j.0 as usize].queue.push_back(task);

            if fargate {
                self.retry_fargate_later(target);
            }
        }
        Ok(())
    }

    /// Places waiting batch tasks, oldest head first across jobs. Within a job the queue is
    /// FIFO with head-of-line blocking (a job whose head does not fit waits for the next
    /// release); one job's blocked head does not block another job.
    pub(super) fn drain_wait_queue(&mut self) -> Result<(), SimError> {
        if self.ecs.jobs.iter().all(|j| j.queue.is_empty()) {
            return Ok(());
        }
        let mut blocked = vec![false; self.ecs.jobs.len()];
        loop {
            let mut best: Option<(SimTime, TaskId, usize)> = None;
            for (j, job) in self.ecs.jobs.iter().enumerate() {
                if blocked[j] {
                    continue;
                }
                if let Some(&head) = job.queue.front() {
                    let key = (self.ecs.tasks[head.0 as usize].submitted_at, head, j);
                    if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                        best = Some(key);
                    }
                }
            }
            let Some((_, head, j)) = best else {
                return Ok(());
            };
            if self.try_place(head)? {
                self.ecs.jobs[j].queue.pop_front();
            } else {
                blocked[j] = true;
                let target = self.ecs.target_of(head);
                if matches!(target, Target::Fargate { .. }) {
                    self.retry_fargate_later(target);
                }
            }
        }
    }

    /// When Fargate launch tokens run out, retry the queues when the next token is due.
    pub(super) fn retry_fargate_later(&mut self, target: Target) {
        if let Target::Fargate { spot, .. } = target {
            let now = self.now().as_ms();
            let mut probe = self.ecs.fargate.buckets[usize::from(spot)].clone();
            // A token is free, so Fargate itself is unavailable (an AZ fault): try again at the
            // scheduler's pace rather than at once.
            let at = match probe.take(now) {
                Ok(()) => now + self.sc.lifecycle.reconcile_interval_ms,
                Err(at) => at,
            };
            // One pending retry is enough; an earlier one covers a later one.
            if self.ecs.fargate.retry_at.is_some_and(|t| t >= now && t <= at) {
                return;
            }
            self.ecs.fargate.retry_at = Some(at);
            self.queue.schedule(SimTime(at), LANE_ARRIVAL, Event::RetryWaiting);
        }
    }

    /// Gives up a batch task that never got an instance.
    pub(super) fn fail_task(&mut self, task: TaskId, reason: &str) -> Result<(), SimError> {
        let t = &mut self.ecs.tasks[task.0 as usize];
        t.state = TaskState::Stopped;
        if let (TaskOwner::Job(j), Some(k)) = (t.owner, t.strategy_item) {
            self.ecs.jobs[j.0 as usize].item_counts[k as usize] -= 1;
        }
        self.observer.task_failed();
        self.log("TASK_FAILED", Some(task), None, reason.to_string())
    }
}
