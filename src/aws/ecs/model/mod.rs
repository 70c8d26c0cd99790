//! ECS state: typed ids, task demands, container instances and the cluster that holds them.
//!
//! Architecture invariant: state and bookkeeping only. Which instance a task goes to is decided
//! in `placement`; when things happen, by the scheduler and lifecycle code beside it in
//! `aws/ecs`.

mod cluster;
mod task;

pub use cluster::{AttrId, Cluster, Instance, InstanceStatus, Resources, ValueId, DEFAULT_RESERVED_PORTS};

/// The agent's default reserved host ports, as a sorted list.
pub fn cluster_reserved_ports() -> Vec<u16> {
    DEFAULT_RESERVED_PORTS.to_vec()
}
pub use task::{FargateSlot, GroupId, Task, TaskDemand, TaskId, TaskNumber, TaskOwner, TaskState, TaskTable};

use std::fmt;

/// Index of a container instance in [`Cluster::instances`]; displayed like an EC2 id.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(pub u32);

impl InstanceId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "i-{:08}", self.0)
    }
}

/// Index of an instance group in the scenario.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupIdx(pub u16);

/// Index of an availability zone in the scenario's AZ list.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AzIdx(pub u16);

/// Index of a service in the scenario.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub u16);

/// Index of a batch job (a stream of standalone RunTask submissions) in the scenario.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u16);
