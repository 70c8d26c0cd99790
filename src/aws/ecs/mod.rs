//! Amazon ECS: the cluster (container instances, their resources and attributes), the task
//! table, placement, the service scheduler's per-service state, RunTask's job queues,
//! capacity providers and Fargate.
//!
//! [`Ecs`] owns that state. The scheduler's reactions to events (placing a task, a task
//! starting or stopping, an instance registering or draining) are the world's event handlers
//! in `sim/`; the decisions that need only ECS's own state are methods here.

pub mod capacity_provider;
pub mod fargate;
pub mod model;
pub mod placement;
pub mod run_task;
pub mod service;

use capacity_provider::AsgProvider;
use fargate::TokenBucket;
use model::{AzIdx, Cluster, Task, TaskDemand};
use placement::Placer;
use run_task::JobState;
use service::ServiceState;
use std::collections::HashMap;

use crate::engine::StreamRng;

/// Fargate as ECS sees it: the launch-rate token buckets (on-demand, Spot), the pending retry
/// of waiting tasks, and how many Fargate tasks are placed.
pub(crate) struct FargateCapacity {
    pub(crate) buckets: [TokenBucket; 2],
    /// When the pending `RetryWaiting` fires, if one is pending.
    pub(crate) retry_at: Option<u64>,
    pub(crate) running: u64,
}

/// The state of one ECS cluster.
pub(crate) struct Ecs {
    pub(crate) cluster: Cluster,
    pub(crate) placer: Placer,
    pub(crate) tasks: Vec<Task>,
    pub(crate) demands: Vec<TaskDemand>,
    pub(crate) demand_ids: HashMap<TaskDemand, u32>,
    /// Demand index of each task definition.
    pub(crate) definition_demand: Vec<u32>,
    pub(crate) services: Vec<ServiceState>,
    pub(crate) jobs: Vec<JobState>,
    /// The Auto Scaling group capacity providers.
    pub(crate) providers: Vec<AsgProvider>,
    /// The `placement` stream (tie-breaks, scale-in ties) and the `lifecycle` stream
    /// (PROVISIONING and PENDING times).
    pub(crate) rng_placement: StreamRng,
    pub(crate) rng_lifecycle: StreamRng,
    /// Per instance: a drain that ends in termination (managed draining, Spot) rather than a
    /// manual drain that waits for reactivation.
    pub(crate) terminate_when_drained: Vec<bool>,
    /// Set while AZ rebalancing places a task: placement is restricted to this zone.
    pub(crate) forced_az: Option<AzIdx>,
    pub(crate) fargate: FargateCapacity,
    /// CPU units and MiB reserved per instance group.
    pub(crate) group_cpu_reserved: Vec<u64>,
    pub(crate) group_mem_reserved: Vec<u64>,
    /// CPU units and MiB registered by ACTIVE and DRAINING instances.
    pub(crate) cpu_registered: u64,
    pub(crate) mem_registered: u64,
}
