//! Tasks: what they demand, who owns them and where they are in their lifecycle.

use super::{InstanceId, JobId, ServiceId};
use crate::engine::SimTime;
use std::fmt;

/// Index of a task in the simulation's task table.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t-{:08}", self.0)
    }
}

/// An interned task group name (`service:web`, `family:etl`, ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// What one task reserves on a container instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskDemand {
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// Static host ports (bridge with a non-zero hostPort, or host mode), sorted, no duplicates.
    pub host_ports: Vec<u16>,
    /// `awsvpc` tasks take one ENI slot on EC2.
    pub uses_eni: bool,
}

/// The task lifecycle states the simulator distinguishes (ecs-semantics §2.2). ACTIVATING,
/// DEACTIVATING, STOPPING and DEPROVISIONING are folded into their neighbours.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Submitted; either waiting for capacity (no instance yet) or attaching its network.
    Provisioning,
    /// Placed; pulling the image and creating containers.
    Pending,
    Running,
    Stopped,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Running => "RUNNING",
            TaskState::Stopped => "STOPPED",
        }
    }
}

/// Who launched a task.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TaskOwner {
    Service(ServiceId),
    Job(JobId),
}

/// One task, from submission to STOPPED.
#[derive(Clone, Debug)]
pub struct Task {
    pub id: TaskId,
    pub owner: TaskOwner,
    pub group: GroupId,
    /// Index into the simulation's demand table (tasks of one definition share it).
    pub demand: u32,
    pub state: TaskState,
    pub instance: Option<InstanceId>,
    pub submitted_at: SimTime,
    pub placed_at: Option<SimTime>,
    /// How long the essential container runs once RUNNING; `None` runs until the end.
    pub run_for_ms: Option<u64>,
    /// The capacity provider the task was assigned to, if any (index in the scenario).
    pub provider: Option<u16>,
    /// The item of the owner's capacity provider strategy the task counts against.
    pub strategy_item: Option<u8>,
    /// Where a Fargate task runs; `None` for tasks on container instances.
    pub fargate: Option<FargateSlot>,
    /// When Fargate billing started (the image pull), for Fargate tasks.
    pub billing_from: Option<SimTime>,
    /// The task definition (revision) the task runs, as an index in the scenario.
    pub definition: u16,
    pub running_at: Option<SimTime>,
    /// The task will stop on its own by crashing (not by finishing its work).
    pub crashing: bool,
}

/// A Fargate task's availability zone and whether it runs on Fargate Spot.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FargateSlot {
    pub az: super::AzIdx,
    pub spot: bool,
}
