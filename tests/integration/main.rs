//! Integration tests, one binary with a module per concern.

mod common;

mod catalog;
mod cli;
mod determinism;
mod elastic;
mod examples;
mod experiments;
mod failures;
mod fuzz;
mod golden;
mod gpus;
mod import;
mod lifecycle;
mod load_balancing;
mod placement_choices;
mod placement_index;
mod query_language;
mod report;
mod resources;
mod scale;
mod scenario_errors;
mod schema;
mod workloads;
