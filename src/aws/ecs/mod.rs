//! Amazon ECS: the cluster (container instances, resources, attributes), the task table,
//! placement, capacity providers and Fargate.

pub mod capacity_provider;
pub mod fargate;
pub mod model;
pub mod placement;
