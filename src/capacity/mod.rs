//! EC2 capacity: the built-in instance-type catalog and the arithmetic of what an instance
//! registers with ECS.
//!
//! Architecture invariant: pure data and arithmetic; no simulation state lives here.

pub mod catalog;

pub use catalog::{builtin_catalog, catalog_lookup, InstanceType};
