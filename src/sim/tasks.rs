//! The task lifecycle: placement and reservation, PROVISIONING -> PENDING -> RUNNING ->
//! STOPPED, and what each transition does to the owner's counters.

use super::*;

impl Simulation<'_> {
    pub(super) fn new_task(
        &mut self,
        owner: TaskOwner,
        group: GroupId,
        demand: u32,
        run_for_ms: Option<u64>,
    ) -> TaskId {
        let id = TaskId(self.tasks.len() as u32);
        self.tasks.push(Task {
            id,
            owner,
            group,
            demand,
            state: TaskState::Provisioning,
            instance: None,
            submitted_at: self.now(),
            placed_at: None,
            run_for_ms,
        });
        self.submitted += 1;
        id
    }

    /// Tries to place `task`; on success reserves, logs and schedules its lifecycle.
    pub(super) fn try_place(&mut self, task: TaskId) -> Result<bool, SimError> {
        let t = &self.tasks[task.0 as usize];
        let (strategies, constraints) = match t.owner {
            TaskOwner::Service(s) => {
                let s = &self.services[s.0 as usize];
                (&s.strategies, &s.constraints)
            }
            TaskOwner::Job(j) => {
                let j = &self.jobs[j.0 as usize];
                (&j.strategies, &j.constraints)
            }
        };
        let req = PlacementRequest {
            demand: &self.demands[t.demand as usize],
            group: t.group,
            constraints,
            strategies,
            only_instance: None,
        };
        let Some(inst) = self.placer.place(&self.cluster, &req, &mut self.rng_placement) else {
            return Ok(false);
        };
        let detail = if self.sink.enabled() {
            self.placer.describe_choice(&self.cluster, &req, inst)
        } else {
            String::new()
        };
        self.commit_placement(task, inst, detail)?;
        Ok(true)
    }

    pub(super) fn commit_placement(&mut self, task: TaskId, inst: InstanceId, detail: String) -> Result<(), SimError> {
        let now = self.now();
        let (group, demand_idx, owner) = {
            let t = &self.tasks[task.0 as usize];
            (t.group, t.demand, t.owner)
        };
        let demand = &self.demands[demand_idx as usize];
        self.placer.reserve(&mut self.cluster, inst, task, group, demand);
        let gi = self.cluster.instances[inst.index()].group.0 as usize;
        self.group_cpu_reserved[gi] += u64::from(demand.cpu_units);
        self.group_mem_reserved[gi] += u64::from(demand.memory_mib);
        let uses_eni = demand.uses_eni;
        let t = &mut self.tasks[task.0 as usize];
        t.instance = Some(inst);
        t.placed_at = Some(now);
        self.waits_ms.push(now - t.submitted_at);
        self.placed += 1;
        match owner {
            TaskOwner::Service(s) => self.services[s.0 as usize].starting += 1,
            TaskOwner::Job(j) => self.jobs[j.0 as usize].starting += 1,
        }
        let lc = &self.sc.lifecycle;
        let dist = if uses_eni {
            &lc.awsvpc_provisioning
        } else {
            &lc.provisioning
        };
        let delay = dist.sample(&mut self.rng_lifecycle);
        self.queue
            .schedule(now + delay, LANE_LIFECYCLE, Event::TaskProvisioned(task));
        self.log("TASK_PLACED", Some(task), Some(inst), detail)
    }

    pub(super) fn on_provisioned(&mut self, task: TaskId) -> Result<(), SimError> {
        let t = &mut self.tasks[task.0 as usize];
        if t.state != TaskState::Provisioning {
            return Ok(());
        }
        t.state = TaskState::Pending;
        let delay = self.sc.lifecycle.pending.sample(&mut self.rng_lifecycle);
        self.queue
            .schedule(self.now() + delay, LANE_LIFECYCLE, Event::TaskStarted(task));
        Ok(())
    }

    pub(super) fn on_started(&mut self, task: TaskId) -> Result<(), SimError> {
        let now = self.now();
        let t = &mut self.tasks[task.0 as usize];
        if t.state != TaskState::Pending {
            return Ok(());
        }
        t.state = TaskState::Running;
        let (owner, run_for, inst) = (t.owner, t.run_for_ms, t.instance);
        if let Some(ms) = run_for {
            self.queue.schedule(now + ms, LANE_STOP, Event::TaskExited(task));
        }
        match owner {
            TaskOwner::Service(s) => {
                let st = &mut self.services[s.0 as usize];
                st.starting -= 1;
                st.running += 1;
                st.tasks_started += 1;
            }
            TaskOwner::Job(j) => {
                let js = &mut self.jobs[j.0 as usize];
                js.starting -= 1;
                js.running += 1;
            }
        }
        self.log("TASK_RUNNING", Some(task), inst, String::new())?;
        if let TaskOwner::Service(s) = owner {
            self.check_steady(s)?;
        }
        Ok(())
    }

    pub(super) fn on_exited(&mut self, task: TaskId) -> Result<(), SimError> {
        let t = &mut self.tasks[task.0 as usize];
        if t.state != TaskState::Running {
            return Ok(());
        }
        t.state = TaskState::Stopped;
        let (owner, group, demand_idx, inst) = (
            t.owner,
            t.group,
            t.demand,
            t.instance.expect("running tasks are placed"),
        );
        let demand = &self.demands[demand_idx as usize];
        self.placer.release(&mut self.cluster, inst, task, group, demand);
        let gi = self.cluster.instances[inst.index()].group.0 as usize;
        self.group_cpu_reserved[gi] -= u64::from(demand.cpu_units);
        self.group_mem_reserved[gi] -= u64::from(demand.memory_mib);
        self.completed += 1;
        self.log(
            "TASK_STOPPED",
            Some(task),
            Some(inst),
            "Essential container in task exited".to_string(),
        )?;
        match owner {
            TaskOwner::Service(s) => {
                let st = &mut self.services[s.0 as usize];
                st.running -= 1;
                st.steady = false;
                // Replacement: the scheduler notices at once (no throttle after RUNNING).
                self.schedule_reconcile(s, self.now());
            }
            TaskOwner::Job(j) => self.jobs[j.0 as usize].running -= 1,
        }
        self.drain_wait_queue()
    }

    pub(super) fn diagnose(&self, task: TaskId) -> crate::placement::PlacementFailure {
        let t = &self.tasks[task.0 as usize];
        let (strategies, constraints) = match t.owner {
            TaskOwner::Service(s) => (
                &self.services[s.0 as usize].strategies,
                &self.services[s.0 as usize].constraints,
            ),
            TaskOwner::Job(j) => (
                &self.jobs[j.0 as usize].strategies,
                &self.jobs[j.0 as usize].constraints,
            ),
        };
        let req = PlacementRequest {
            demand: &self.demands[t.demand as usize],
            group: t.group,
            constraints,
            strategies,
            only_instance: None,
        };
        self.placer.diagnose(&self.cluster, &req)
    }
}
