//! Capacity: the EC2 instance catalog and what an instance registers with ECS, capacity
//! providers and their managed scaling arithmetic, Fargate sizes and launch limits, prices.
//!
//! Architecture invariant: pure data and arithmetic; no simulation state lives here.

pub mod catalog;
pub mod cost;
pub mod fargate;
pub mod provider;

pub use catalog::{builtin_catalog, catalog_lookup, InstanceType};
