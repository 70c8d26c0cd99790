//! Invariants of ECS's state, checked at the end of every run and, in tests, after every
//! event: no instance over-committed or under-counted, every task in exactly one state
//! and on the instance it claims, and per-owner counters equal to a recount.

use super::Ecs;
use crate::aws::ecs::model::{TaskOwner, TaskState};

impl Ecs<'_> {
    /// Returns the first broken invariant, if any.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.check_cheap_invariants()?;
        self.check_occupancy()?;
        let recount = self.recount()?;
        self.check_instances(&recount)?;
        self.check_owners(&recount)?;
        self.check_totals(&recount)
    }

    /// The invariants that cost only a pass over the instances in service, for release runs
    /// (once a minute): none INACTIVE, none launching with tasks, none over-committed, and the
    /// cluster's reserved totals equal to their sum. (A terminated instance is checked to list
    /// no task when it terminates; the per-task recount is for tests.)
    /// The instances running tasks other than daemons, per group, against a recount (a walk
    /// of every task of every instance in service: in the full check, not the per-minute one).
    fn check_occupancy(&self) -> Result<(), String> {
        let mut busy = vec![0u32; self.occupancy.busy_per_group.len()];
        for &id in self.cluster.in_service() {
            if self.hosts_non_daemon_task(id) {
                busy[self.cluster.instances[id.index()].group.0 as usize] += 1;
            }
        }
        if busy != self.occupancy.busy_per_group {
            return Err(format!(
                "instances running tasks per group are counted as {:?}, recounted as {busy:?}",
                self.occupancy.busy_per_group
            ));
        }
        Ok(())
    }

    pub fn check_cheap_invariants(&self) -> Result<(), String> {
        use crate::aws::ecs::model::InstanceStatus;
        let (mut cpu, mut mem) = (0u64, 0u64);
        let mut per_zone: Vec<Vec<u32>> = self.in_service_per_zone.iter().map(|z| vec![0; z.len()]).collect();
        // Terminated instances are checked once, when they terminate (they list no task).
        for i in self
            .cluster
            .in_service()
            .iter()
            .map(|i| &self.cluster.instances[i.index()])
        {
            per_zone[i.group.0 as usize][i.az.0 as usize] += 1;
            if i.status == InstanceStatus::Inactive {
                return Err(format!("{} is INACTIVE but counted in service", i.id));
            }
            if i.cpu_free > i.cpu_total || i.memory_free_mib > i.memory_total_mib || i.eni_free > i.eni_total {
                return Err(format!("{} has more free than registered resources", i.id));
            }
            if i.status == InstanceStatus::Launching && !i.tasks.is_empty() {
                return Err(format!("{} is {:?} but still lists tasks", i.id, i.status));
            }
            cpu += u64::from(i.cpu_total - i.cpu_free);
            mem += u64::from(i.memory_total_mib - i.memory_free_mib);
        }
        if cpu != self.cluster.cpu_reserved || mem != self.cluster.memory_reserved_mib {
            return Err(format!(
                "the cluster reserves {} CPU units / {} MiB, its instances {cpu} / {mem}",
                self.cluster.cpu_reserved, self.cluster.memory_reserved_mib
            ));
        }
        if per_zone != self.in_service_per_zone {
            return Err(format!(
                "instances in service per group and zone are counted as {:?}, recounted as {per_zone:?}",
                self.in_service_per_zone
            ));
        }
        Ok(())
    }

    /// What the task table says each instance and owner holds.
    fn recount(&self) -> Result<Recount, String> {
        let n = self.cluster.instances.len();
        let mut cpu = vec![0u64; n];
        let mut mem = vec![0u64; n];
        let mut eni = vec![0u32; n];
        let mut gpu = vec![0u32; n];
        let mut on_instance = vec![0usize; n];
        let mut svc_counts = vec![(0u32, 0u32); self.services.len()];
        let mut svc_live = vec![0usize; self.services.len()];
        let mut job_counts = vec![(0u32, 0u32); self.jobs.len()];
        let mut fargate = 0u64;
        for t in self.tasks.iter() {
            let placed = (t.instance.is_some() || t.fargate.is_some()) && t.state != TaskState::Stopped;
            if t.instance.is_some() && t.fargate.is_some() {
                return Err(format!("{} is both on an instance and on Fargate", t.number));
            }
            if placed && t.fargate.is_some() {
                fargate += 1;
            }
            if let Some(i) = t.instance.filter(|_| placed) {
                let d = &self.demands[t.demand as usize];
                cpu[i.index()] += u64::from(d.cpu_units);
                mem[i.index()] += u64::from(d.memory_mib);
                eni[i.index()] += u32::from(d.uses_eni);
                gpu[i.index()] += d.gpus;
                on_instance[i.index()] += 1;
                if !self.cluster.instances[i.index()].tasks.contains(t.id) {
                    return Err(format!(
                        "{} is {} on {i} but the instance does not list it",
                        t.number,
                        t.state.as_str()
                    ));
                }
            }
            let starting = placed && matches!(t.state, TaskState::Provisioning | TaskState::Pending);
            let running = placed && t.state == TaskState::Running;
            if t.state == TaskState::Running && t.instance.is_none() && t.fargate.is_none() {
                return Err(format!("{} is RUNNING without an instance or a Fargate slot", t.number));
            }
            let counted = !matches!(t.state, TaskState::Stopped | TaskState::Stopping);
            if let (TaskOwner::Service(s), true) = (t.owner, counted) {
                svc_live[s.0 as usize] += 1;
            }
            let c = match t.owner {
                TaskOwner::Service(s) => &mut svc_counts[s.0 as usize],
                TaskOwner::Job(j) => &mut job_counts[j.0 as usize],
            };
            c.0 += u32::from(starting);
            c.1 += u32::from(running);
        }
        Ok(Recount {
            cpu,
            mem,
            eni,
            gpu,
            on_instance,
            svc_counts,
            svc_live,
            job_counts,
            fargate,
        })
    }

    /// Each instance's reservations equal what its tasks need.
    fn check_instances(&self, r: &Recount) -> Result<(), String> {
        let (cpu, mem, eni, on_instance) = (&r.cpu, &r.mem, &r.eni, &r.on_instance);
        for (k, i) in self.cluster.instances.iter().enumerate() {
            if i.cpu_free > i.cpu_total || i.memory_free_mib > i.memory_total_mib || i.eni_free > i.eni_total {
                return Err(format!("{} has more free than registered resources", i.id));
            }
            if u64::from(i.cpu_total - i.cpu_free) != cpu[k] {
                return Err(format!(
                    "{} reserves {} CPU units but its tasks need {}",
                    i.id,
                    i.cpu_total - i.cpu_free,
                    cpu[k]
                ));
            }
            if u64::from(i.memory_total_mib - i.memory_free_mib) != mem[k] {
                return Err(format!(
                    "{} reserves {} MiB but its tasks need {}",
                    i.id,
                    i.memory_total_mib - i.memory_free_mib,
                    mem[k]
                ));
            }
            if i.eni_total - i.eni_free != eni[k] {
                return Err(format!(
                    "{} uses {} ENI slots but its tasks need {}",
                    i.id,
                    i.eni_total - i.eni_free,
                    eni[k]
                ));
            }
            if i.gpu_free > i.gpu_total || i.gpu_total - i.gpu_free != r.gpu[k] {
                return Err(format!(
                    "{} uses {} of {} GPUs but its tasks need {}",
                    i.id,
                    i.gpu_total.saturating_sub(i.gpu_free),
                    i.gpu_total,
                    r.gpu[k]
                ));
            }
            if i.tasks.len() != on_instance[k] {
                return Err(format!(
                    "{} lists {} tasks but {} tasks are placed on it",
                    i.id,
                    i.tasks.len(),
                    on_instance[k]
                ));
            }
            if i.ports_used.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("{} has a host port used twice", i.id));
            }
        }
        Ok(())
    }

    /// Each service's and job's counters equal a recount.
    fn check_owners(&self, r: &Recount) -> Result<(), String> {
        let (svc_counts, job_counts) = (&r.svc_counts, &r.job_counts);
        for ((s, (starting, running)), &live) in self.services.iter().zip(svc_counts).zip(&r.svc_live) {
            if s.starting != *starting || s.running != *running {
                return Err(format!(
                    "service {} counts {} starting / {} running, recount gives {starting} / {running}",
                    s.name, s.starting, s.running
                ));
            }
            if live != s.live.len() {
                return Err(format!(
                    "service {} lists {} live tasks, {live} found",
                    s.name,
                    s.live.len()
                ));
            }
            if s.unplaced.iter().any(|t| self.tasks[*t].instance.is_some()) {
                return Err(format!("service {} lists a placed task as unplaced", s.name));
            }
        }
        for (j, (starting, running)) in self.jobs.iter().zip(job_counts) {
            if j.starting != *starting || j.running != *running {
                return Err(format!(
                    "job {} counts {} starting / {} running, recount gives {starting} / {running}",
                    j.name, j.starting, j.running
                ));
            }
        }
        Ok(())
    }

    /// Fargate, instance states and the cluster-wide totals.
    fn check_totals(&self, r: &Recount) -> Result<(), String> {
        let (fargate, cpu) = (r.fargate, &r.cpu);
        if fargate != self.fargate.running {
            return Err(format!(
                "{} Fargate tasks counted, {fargate} found",
                self.fargate.running
            ));
        }
        for i in &self.cluster.instances {
            if i.status == crate::aws::ecs::model::InstanceStatus::Inactive && !i.tasks.is_empty() {
                return Err(format!("{} is INACTIVE but still lists tasks", i.id));
            }
            if i.status == crate::aws::ecs::model::InstanceStatus::Launching && !i.tasks.is_empty() {
                return Err(format!("{} has tasks before it registered", i.id));
            }
        }
        let in_service: Vec<_> = self
            .cluster
            .instances
            .iter()
            .filter(|i| i.status != crate::aws::ecs::model::InstanceStatus::Inactive)
            .map(|i| i.id)
            .collect();
        if in_service != self.cluster.in_service() {
            return Err(format!(
                "{} instances listed in service, {} found",
                self.cluster.in_service().len(),
                in_service.len()
            ));
        }
        let draining = self
            .cluster
            .instances
            .iter()
            .filter(|i| i.status == crate::aws::ecs::model::InstanceStatus::Draining)
            .count() as u32;
        if draining != self.draining_instances {
            return Err(format!(
                "{} instances counted as DRAINING, {draining} found",
                self.draining_instances
            ));
        }
        let live = |i: &&crate::aws::ecs::model::Instance| {
            matches!(
                i.status,
                crate::aws::ecs::model::InstanceStatus::Active | crate::aws::ecs::model::InstanceStatus::Draining
            )
        };
        let registered: u64 = self
            .cluster
            .instances
            .iter()
            .filter(live)
            .map(|i| u64::from(i.cpu_total))
            .sum();
        if registered != self.cpu_registered {
            return Err(format!(
                "{} CPU units counted as registered, {registered} found",
                self.cpu_registered
            ));
        }
        let total_cpu: u64 = cpu.iter().sum();
        if total_cpu != self.cluster.cpu_reserved {
            return Err(format!(
                "cluster reserves {} CPU units, tasks need {total_cpu}",
                self.cluster.cpu_reserved
            ));
        }
        Ok(())
    }
}

/// Per-instance and per-owner sums over the task table.
struct Recount {
    cpu: Vec<u64>,
    mem: Vec<u64>,
    eni: Vec<u32>,
    gpu: Vec<u32>,
    on_instance: Vec<usize>,
    svc_counts: Vec<(u32, u32)>,
    /// Per service, its tasks not yet STOPPED.
    svc_live: Vec<usize>,
    job_counts: Vec<(u32, u32)>,
    fargate: u64,
}
