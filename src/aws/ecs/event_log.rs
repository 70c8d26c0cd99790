//! ECS's event log: what each line says of a task, its owner (service or batch job), its
//! capacity provider and instance, and a reason code, so that every per-workload figure can
//! be recomputed from `events.csv` alone.

use super::*;
use crate::metrics::LogEvent;

/// What the event log shows of a task: its group, number and owner, its capacity provider
/// and where it runs on Fargate. Taken before a task stops when an event about it is logged
/// after (its slot is released at the stop).
#[derive(Copy, Clone, Debug)]
pub(crate) struct TaskLabel {
    group: GroupId,
    number: TaskNumber,
    owner: TaskOwner,
    provider: Option<u16>,
    fargate: Option<FargateSlot>,
}

/// One line of the event log before it is written: its kind, and what it is about.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Entry {
    kind: &'static str,
    task: Option<TaskLabel>,
    instance: Option<InstanceId>,
    service: Option<ServiceId>,
    provider: Option<u16>,
    reason: &'static str,
}

impl Entry {
    pub(crate) fn new(kind: &'static str) -> Self {
        Entry {
            kind,
            task: None,
            instance: None,
            service: None,
            provider: None,
            reason: "",
        }
    }

    /// The task the line is about (its owner and provider fill their columns).
    pub(crate) fn task(mut self, label: TaskLabel) -> Self {
        self.task = Some(label);
        self
    }

    pub(crate) fn instance(mut self, id: Option<InstanceId>) -> Self {
        self.instance = id;
        self
    }

    /// The service a line without a task is about (scaling, deployments, steady state).
    pub(crate) fn service(mut self, s: ServiceId) -> Self {
        self.service = Some(s);
        self
    }

    /// The capacity provider a line without a task is about (its managed scaling).
    pub(crate) fn provider(mut self, p: usize) -> Self {
        self.provider = Some(p as u16);
        self
    }

    /// The reason code (README, "events.csv").
    pub(crate) fn reason(mut self, code: &'static str) -> Self {
        self.reason = code;
        self
    }
}

/// The reason code of an instance terminated by its Auto Scaling group's scale-in.
pub(crate) const SCALE_IN: &str = "ScaleIn";

/// Why a task stopped: the code in events.csv's `reason` column and the text in its
/// `detail` column. The codes that mean the task was lost to a failure are those
/// [`StopReason::is_loss`] names; the others are the scheduler's or the task's own doing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The essential container finished its work (exit code 0).
    Completed,
    /// A crash-looping task definition's container exited with code 1.
    CrashLoop,
    /// A random crash (`failures.task_crashes_per_task_hour`).
    Crashed,
    OutOfMemory,
    ImagePullFailed,
    /// A task left in PROVISIONING past the timeout.
    ProvisioningTimeout,
    ScaleIn,
    DeploymentReplaced,
    RebalancingMoved,
    RebalancingNoRoom,
    InstanceDraining,
    /// Its instance was terminated by Auto Scaling (scale-in, drained).
    InstanceTerminated,
    /// A fault stopped it (`stop_tasks`).
    StoppedByFault,
    AzOutage,
    /// Its instance failed or was terminated by a fault.
    InstanceFailed,
    SpotInterruption,
    /// Its target failed the load balancer's health checks.
    ElbHealthCheck,
    /// Its essential container's health check reported UNHEALTHY.
    ContainerHealthCheck,
}

impl StopReason {
    /// The code in events.csv's `reason` column. Where ECS's own `stopCode` applies
    /// (`EssentialContainerExited`, `TaskFailedToStart`, `ServiceSchedulerInitiated`,
    /// `UserInitiated`, `SpotInterruption`) it is used, with a finer code where ECS's would
    /// lump causes together.
    pub(crate) fn code(self) -> &'static str {
        match self {
            StopReason::Completed => "EssentialContainerExited",
            StopReason::CrashLoop | StopReason::Crashed => "ContainerCrashed",
            StopReason::OutOfMemory => "OutOfMemory",
            StopReason::ImagePullFailed => "TaskFailedToStart",
            StopReason::ProvisioningTimeout => "ProvisioningTimeout",
            StopReason::ScaleIn => "ServiceSchedulerInitiated",
            StopReason::DeploymentReplaced => "Deployment",
            StopReason::RebalancingMoved | StopReason::RebalancingNoRoom => "AzRebalancing",
            StopReason::InstanceDraining => "InstanceDraining",
            StopReason::InstanceTerminated => "InstanceTerminated",
            StopReason::StoppedByFault => "UserInitiated",
            StopReason::AzOutage => "AzOutage",
            StopReason::InstanceFailed => "InstanceFailed",
            StopReason::SpotInterruption => "SpotInterruption",
            StopReason::ElbHealthCheck => "ElbHealthCheckFailed",
            StopReason::ContainerHealthCheck => "ContainerHealthCheckFailed",
        }
    }

    /// The text in events.csv's `detail` column.
    pub(crate) fn text(self) -> &'static str {
        match self {
            StopReason::Completed => "Essential container in task exited",
            StopReason::CrashLoop => "Essential container in task exited (exit code 1)",
            StopReason::Crashed => "Essential container in task exited (exit code 139, crash)",
            StopReason::OutOfMemory => "OutOfMemoryError: Container killed due to memory usage (exit code 137)",
            StopReason::ImagePullFailed => "CannotPullContainerError: the image could not be pulled",
            StopReason::ProvisioningTimeout => {
                "Capacity is unavailable: the task timed out in PROVISIONING waiting for instances"
            }
            StopReason::ScaleIn => "Scaling activity initiated by deployment (desired count reduced)",
            StopReason::DeploymentReplaced => "Deployment: replaced by a task of the new task definition",
            StopReason::RebalancingMoved => "AZ rebalancing: moved to a less loaded availability zone",
            StopReason::RebalancingNoRoom => "AZ rebalancing: no room in the target availability zone",
            StopReason::InstanceDraining => "Container instance is draining",
            StopReason::InstanceTerminated | StopReason::InstanceFailed | StopReason::SpotInterruption => {
                "Host EC2 instance terminated"
            }
            StopReason::StoppedByFault => "Task stopped by user (fault)",
            StopReason::AzOutage => "availability zone outage",
            StopReason::ElbHealthCheck => "Task failed ELB health checks",
            StopReason::ContainerHealthCheck => "Task failed container health checks",
        }
    }

    /// Whether the code means the task was lost to a failure (what `tasks_lost` counts).
    pub(crate) fn is_loss(self) -> bool {
        matches!(
            self,
            StopReason::CrashLoop
                | StopReason::Crashed
                | StopReason::OutOfMemory
                | StopReason::StoppedByFault
                | StopReason::AzOutage
                | StopReason::InstanceFailed
                | StopReason::SpotInterruption
                | StopReason::ElbHealthCheck
                | StopReason::ContainerHealthCheck
        )
    }

    /// Whether the stop is a StopTask by the scheduler or a user, which deregisters the task
    /// from its target groups and sends SIGTERM, rather than the task or its host dying.
    pub(crate) fn is_graceful(self) -> bool {
        matches!(
            self,
            StopReason::ScaleIn
                | StopReason::DeploymentReplaced
                | StopReason::RebalancingMoved
                | StopReason::RebalancingNoRoom
                | StopReason::InstanceDraining
                | StopReason::StoppedByFault
                | StopReason::ElbHealthCheck
                | StopReason::ContainerHealthCheck
        )
    }
}

impl<'a> Ecs<'a> {
    /// Writes one event of the event log (when the sink records anything: the test is
    /// inlined at every call, so a run without events pays only for it).
    #[inline(always)]
    pub(crate) fn log(
        &self,
        env: &mut Env<'_>,
        kind: &'static str,
        task: Option<TaskId>,
        instance: Option<InstanceId>,
        detail: String,
    ) -> Result<(), SimError> {
        if !env.logging() {
            return Ok(());
        }
        self.log_entry(env, kind, task, instance, detail)
    }

    #[inline(never)]
    fn log_entry(
        &self,
        env: &mut Env<'_>,
        kind: &'static str,
        task: Option<TaskId>,
        instance: Option<InstanceId>,
        detail: String,
    ) -> Result<(), SimError> {
        let mut entry = Entry::new(kind).instance(instance);
        if let Some(t) = task {
            entry = entry.task(self.task_label(t));
        }
        self.record(env, entry, detail)
    }

    /// What the event log says of a task.
    pub(crate) fn task_label(&self, task: TaskId) -> TaskLabel {
        let t = &self.tasks[task];
        TaskLabel {
            group: t.group,
            number: t.number,
            owner: t.owner,
            provider: t.provider,
            fargate: t.fargate,
        }
    }

    /// Writes `entry` with its `detail` text.
    pub(crate) fn record(&self, env: &mut Env<'_>, entry: Entry, detail: String) -> Result<(), SimError> {
        if !env.logging() {
            return Ok(());
        }
        let task = entry.task;
        let (group, task_s) = match &task {
            Some(t) => (self.cluster.group_name(t.group).to_string(), t.number.to_string()),
            None => (String::new(), String::new()),
        };
        let (service, job) = match task.map(|t| t.owner) {
            Some(TaskOwner::Service(s)) => (Some(s), None),
            Some(TaskOwner::Job(j)) => (None, Some(j)),
            None => (entry.service, None),
        };
        let service = service.map_or(String::new(), |s| self.sc.services[s.0 as usize].name.clone());
        let job = job.map_or(String::new(), |j| self.sc.batch_jobs[j.0 as usize].name.clone());
        let (inst_s, ty, az) = match entry.instance {
            Some(i) => {
                let inst = &self.cluster.instances[i.index()];
                (
                    i.to_string(),
                    self.sc.instance_types[inst.instance_type as usize].name.clone(),
                    self.sc.availability_zones[inst.az.0 as usize].clone(),
                )
            }
            None => match task.and_then(|t| t.fargate) {
                Some(slot) => (
                    String::new(),
                    if slot.spot { "FARGATE_SPOT" } else { "FARGATE" }.to_string(),
                    self.sc.availability_zones[slot.az.0 as usize].clone(),
                ),
                None => (String::new(), String::new(), String::new()),
            },
        };
        // A task's own provider (none for a launch type); for other lines the one named, else
        // the ASG provider of the instance's group.
        let provider = match task {
            Some(t) => t.provider.map(usize::from),
            None => entry.provider.map(usize::from).or_else(|| {
                let g = self.cluster.instances[entry.instance?.index()].group;
                self.providers.iter().find(|a| a.group == g).map(|a| a.provider)
            }),
        };
        let capacity_provider = provider.map_or(String::new(), |p| self.sc.capacity_providers[p].name.clone());
        env.sink
            .record(LogEvent {
                time: env.now(),
                kind: entry.kind,
                task: task_s,
                group,
                service,
                job,
                capacity_provider,
                instance: inst_s,
                instance_type: ty,
                availability_zone: az,
                reason: entry.reason,
                detail,
            })
            .map_err(SimError::Io)
    }
}
