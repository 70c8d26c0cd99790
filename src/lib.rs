//! # ecsim
//!
//! A deterministic discrete-event simulator of Amazon ECS clusters.
//!
//! * **engine**: integer simulated time (milliseconds), a future-event list with a total
//!   order `(time, lane, sequence)`, and named random sub-streams of one master seed.
//! * **aws**: one component per AWS service, each owning its state: **ecs** (cluster, tasks,
//!   placement, service scheduler, RunTask, capacity providers, Fargate), **ec2_autoscaling**
//!   (groups, launches, termination policy, the instance catalog), **cloudwatch** (metric
//!   series, alarms), **application_autoscaling** (scalable targets and policies),
//!   **billing** (prices, what ran and what it cost).
//! * **workload**: load curves, RunTask submissions, task run times.
//! * **faults**: the fault injector (zones out, capacity missing, slow pulls, random draws).
//! * **sim**: the world: one of each component, the event queue and sink; routes each event
//!   to the component it concerns; the observer keeps the run's statistics.
//! * **scenario**: scenario files (TOML or JSON) parsed with positions, validated into typed
//!   values, every problem reported at once with file:line:col and field path.
//! * **metrics**: time series, event log and summary, written atomically.
//! * **runner**: one scenario run into its results directory.
//! * **sweep**, **check**, **explain**, **report**: experiments over many runs, CI
//!   expectations, explanations for learners, and plots drawn from the CSV files.
//! * **cli**: the `ecsim` command line (clap types stay there).

pub mod aws;
pub mod check;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod explain;
pub mod faults;
pub mod formats;
pub mod import;
pub mod metrics;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod workload;
