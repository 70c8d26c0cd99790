//! RunTask's state of one batch job: how its tasks are placed and the FIFO queue of those
//! waiting for capacity; RunTask submissions, the queues and RunTask-style failures.

use super::model::{GroupId, TaskId, TaskNumber};
use super::TaskPlacement;
use super::*;
use crate::scenario::BatchJobSpec;
use smallvec::SmallVec;
use std::collections::VecDeque;

pub(crate) struct JobState {
    pub(crate) name: String,
    pub(crate) group: GroupId,
    pub(crate) demand: u32,
    pub(crate) placement: TaskPlacement,
    pub(crate) item_counts: Vec<u32>,
    /// Tasks waiting for capacity, FIFO with head-of-line blocking within the job.
    pub(crate) queue: VecDeque<TaskId>,
    pub(crate) starting: u32,
    pub(crate) running: u32,
    pub(crate) fargate_az_counts: Vec<u32>,
}

impl<'a> Ecs<'a> {
    /// A batch job's RunTask state: how its tasks are placed and its wait queue.
    pub(crate) fn register_job(&mut self, j: &BatchJobSpec) {
        let sc = self.sc;
        let td = &sc.task_definitions[j.task_definition];
        let demand = self.intern_demand(td.demand.clone());
        let spec = j
            .placement_strategy
            .clone()
            .unwrap_or_else(|| vec![StrategySpec::Random]);
        let strategies = self.resolve_strategies(&spec);
        let group = self.cluster.intern_group(&j.group);
        let items = match &j.launch {
            Launch::Strategy(items) => items.len(),
            _ => 0,
        };
        self.jobs.push(JobState {
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
    }

    /// A Fargate launch token is due: retry the waiting tasks of jobs and services.
    pub(crate) fn on_retry_waiting(&mut self, env: &mut Env<'a>) -> Result<(), SimError> {
        let now = env.now();
        if self.fargate.retry_at.is_some_and(|t| t <= now.as_ms()) {
            self.fargate.retry_at = None;
        }
        self.drain_wait_queue(env)?;
        for s in 0..self.services.len() {
            if !self.services[s].unplaced.is_empty() {
                self.schedule_reconcile(env, ServiceId(s as u16), now);
            }
        }
        Ok(())
    }

    pub(crate) fn on_job_arrival(&mut self, env: &mut Env<'a>, j: JobId) -> Result<(), SimError> {
        let spec = &self.sc.batch_jobs[j.0 as usize];
        let now = env.now();
        let sub = env.workload.submission(j.0 as usize, now);
        if let Some(t) = sub.next_at {
            env.queue.schedule(t, LANE_ARRIVAL, Event::JobArrival(j));
        }
        // A trace row may override the task definition's CPU, memory and GPUs.
        let demand = if sub.cpu_units.is_some() || sub.memory_mib.is_some() || sub.gpus.is_some() {
            let base = self.sc.task_definitions[spec.task_definition].demand.clone();
            self.intern_demand(TaskDemand {
                cpu_units: sub.cpu_units.unwrap_or(base.cpu_units),
                memory_mib: sub.memory_mib.unwrap_or(base.memory_mib),
                gpus: sub.gpus.unwrap_or(base.gpus),
                ..base
            })
        } else {
            self.jobs[j.0 as usize].demand
        };
        let batch = sub.run_ms.into_iter().map(|run| (demand, run));
        let on_no_capacity = spec.on_no_capacity.clone();
        for (demand, run) in batch {
            let js = &self.jobs[j.0 as usize];
            let Some((target, item)) = self.choose_target(&js.placement.launch, &js.item_counts) else {
                continue;
            };
            let task = self.new_task(env, TaskOwner::Job(j), demand, run, target, item)?;
            if let Target::Ec2 { scope, .. } = target {
                if !self.demand_fits_somewhere(&self.demands[demand as usize].clone(), scope) {
                    // No instance could ever hold it: fail now rather than block the queue forever.
                    self.fail_task(
                        env,
                        task,
                        "TaskTooLarge",
                        "the task is larger than every instance it may run on",
                    )?;
                    continue;
                }
            }
            let queue_empty = self.jobs[j.0 as usize].queue.is_empty();
            if queue_empty && self.try_place(env, task)? {
                continue;
            }
            let managed = matches!(target, Target::Ec2 { managed: true, .. });
            let fargate = matches!(target, Target::Fargate { .. });
            if (queue_empty || on_no_capacity == OnNoCapacity::Fail) && !fargate && !managed {
                // This task itself failed to place: record why, as RunTask's failures[] would.
                let failure = self.diagnose(task);
                env.observer.placement_failed(None);
                let detail = format!("RunTask failure reason \"{}\"; {failure}", failure.reason.code());
                let entry = Entry::new("TASK_PLACEMENT_FAILED").task(self.task_label(task));
                self.record(
                    env,
                    entry.instance(failure.closest).reason(failure.reason.code()),
                    detail,
                )?;
            }
            if managed {
                // With managed scaling the task waits in PROVISIONING for capacity, up to the
                // cluster quota, then times out.
                if self.provisioning_waiting() >= self.sc.elastic.provisioning_cap {
                    self.fail_task(
                        env,
                        task,
                        "ProvisioningQuota",
                        "too many tasks in PROVISIONING in the cluster (quota)",
                    )?;
                    continue;
                }
                let at = now + self.sc.elastic.provisioning_timeout_ms;
                env.queue.schedule(at, LANE_STOP, Event::ProvisioningTimeout(task));
            } else if on_no_capacity == OnNoCapacity::Fail && !fargate {
                self.fail_task(env, task, "NoCapacity", "no capacity (on_no_capacity = \"fail\")")?;
                continue;
            }
            if self.tasks_waiting() >= self.sc.max_waiting_tasks {
                return Err(SimError::WaitingTasksExceeded {
                    limit: self.sc.max_waiting_tasks,
                    at: now,
                });
            }
            self.jobs[j.0 as usize].queue.push_back(task);

            if fargate {
                self.retry_fargate_later(env, target);
            }
        }
        Ok(())
    }

    /// Places waiting batch tasks, oldest head first across jobs. Within a job the queue is
    /// FIFO with head-of-line blocking (a job whose head does not fit waits for the next
    /// release); one job's blocked head does not block another job.
    pub(crate) fn drain_wait_queue(&mut self, env: &mut Env<'a>) -> Result<(), SimError> {
        if self.jobs.iter().all(|j| j.queue.is_empty()) {
            return Ok(());
        }
        let mut blocked: SmallVec<[bool; 32]> = smallvec::smallvec![false; self.jobs.len()];
        loop {
            // The oldest head first; ties by submission order.
            let mut best: Option<(SimTime, TaskNumber, TaskId, usize)> = None;
            for (j, job) in self.jobs.iter().enumerate() {
                if blocked[j] {
                    continue;
                }
                if let Some(&head) = job.queue.front() {
                    let t = &self.tasks[head];
                    let key = (t.submitted_at, t.number, head, j);
                    if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                        best = Some(key);
                    }
                }
            }
            let Some((_, _, head, j)) = best else {
                return Ok(());
            };
            if self.try_place(env, head)? {
                self.jobs[j].queue.pop_front();
            } else {
                blocked[j] = true;
                let target = self.target_of(head);
                if matches!(target, Target::Fargate { .. }) {
                    self.retry_fargate_later(env, target);
                }
            }
        }
    }

    /// When Fargate launch tokens run out, retry the queues when the next token is due.
    pub(crate) fn retry_fargate_later(&mut self, env: &mut Env<'a>, target: Target) {
        if let Target::Fargate { spot, .. } = target {
            let now = env.now().as_ms();
            let mut probe = self.fargate.buckets[usize::from(spot)].clone();
            // A token is free, so Fargate itself is unavailable (an AZ fault): try again at the
            // scheduler's pace rather than at once.
            let at = match probe.take(now) {
                Ok(()) => now + self.sc.lifecycle.reconcile_interval_ms,
                Err(at) => at,
            };
            // One pending retry is enough; an earlier one covers a later one.
            if self.fargate.retry_at.is_some_and(|t| t >= now && t <= at) {
                return;
            }
            self.fargate.retry_at = Some(at);
            env.queue.schedule(SimTime(at), LANE_ARRIVAL, Event::RetryWaiting);
        }
    }

    /// Gives up a batch task that never got an instance.
    pub(crate) fn fail_task(
        &mut self,
        env: &mut Env<'a>,
        task: TaskId,
        code: &'static str,
        reason: &str,
    ) -> Result<(), SimError> {
        let t = &mut self.tasks[task];
        t.state = TaskState::Stopped;
        let owner = t.owner;
        if let (TaskOwner::Job(j), Some(k)) = (owner, t.strategy_item) {
            self.jobs[j.0 as usize].item_counts[k as usize] -= 1;
        }
        env.observer.task_failed(self.workload_index(owner));
        let entry = Entry::new("TASK_FAILED").task(self.task_label(task)).reason(code);
        self.record(env, entry, reason.to_string())
    }
}
