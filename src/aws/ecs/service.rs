//! The service scheduler's state of one service: its desired count, placement, tasks by
//! state, launch pacing, the throttle for tasks that fail to start, the deployment in
//! progress and AZ rebalancing.

use super::model::{GroupId, TaskId};
use super::placement::{Constraint, Strategy};
use crate::engine::SimTime;
use crate::scenario::elastic::Launch;
use std::collections::VecDeque;

pub(crate) struct ServiceState {
    pub(crate) name: String,
    pub(crate) group: GroupId,
    pub(crate) daemon: bool,
    pub(crate) desired: u32,
    pub(crate) demand: u32,
    pub(crate) strategies: Vec<Strategy>,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) launch: Launch,
    /// Active tasks (unplaced, starting or running) per capacity-provider strategy item.
    pub(crate) item_counts: Vec<u32>,
    /// Tasks created but not yet placed (waiting for capacity), oldest first.
    pub(crate) unplaced: VecDeque<TaskId>,
    /// Placed, not yet RUNNING.
    pub(crate) starting: u32,
    pub(crate) running: u32,
    pub(crate) reconcile_scheduled: bool,
    pub(crate) steady: bool,
    /// The per-service launch rate (500 tasks per minute).
    pub(crate) launch_bucket: crate::aws::ecs::fargate::RateWindow,
    pub(crate) fargate_az_counts: Vec<u32>,
    /// The task definition new tasks use (the primary deployment's).
    pub(crate) definition: usize,
    /// The last task definition whose deployment completed (the rollback target).
    pub(crate) stable_definition: usize,
    pub(crate) deploy_cfg: crate::scenario::faults::DeploymentConfig,
    pub(crate) deployment: Option<DeploymentState>,
    /// Tasks that stopped before RUNNING in a row, and when the throttle lets the next launch.
    pub(crate) start_failures: u32,
    pub(crate) next_launch_at: SimTime,
    pub(crate) rebalancing: bool,
    /// A task AZ rebalancing started; the surplus task is stopped once it runs.
    pub(crate) rebalance_task: Option<TaskId>,
    /// Every task of the service not yet STOPPED (waiting, starting or running), so per-service
    /// decisions never scan the whole task table.
    pub(crate) live: Vec<TaskId>,
}

/// A rolling deployment in progress (ecs-semantics §2.4-2.5).
pub(crate) struct DeploymentState {
    pub(crate) new_definition: usize,
    pub(crate) failures: u32,
    pub(crate) threshold: u32,
    pub(crate) started_at: SimTime,
}
