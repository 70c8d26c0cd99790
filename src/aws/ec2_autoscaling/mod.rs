//! Amazon EC2 Auto Scaling and the EC2 instance-type catalog.

pub mod catalog;

pub use catalog::{builtin_catalog, catalog_lookup, InstanceType};
