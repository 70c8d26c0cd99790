//! RunTask's state of one batch job: how its tasks are placed and the FIFO queue of those
//! waiting for capacity.

use super::model::{GroupId, TaskId};
use super::placement::{Constraint, Strategy};
use crate::scenario::elastic::Launch;
use std::collections::VecDeque;

pub(crate) struct JobState {
    pub(crate) name: String,
    pub(crate) group: GroupId,
    pub(crate) demand: u32,
    pub(crate) strategies: Vec<Strategy>,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) launch: Launch,
    pub(crate) item_counts: Vec<u32>,
    /// Tasks waiting for capacity, FIFO with head-of-line blocking within the job.
    pub(crate) queue: VecDeque<TaskId>,
    pub(crate) starting: u32,
    pub(crate) running: u32,
    pub(crate) fargate_az_counts: Vec<u32>,
}
