//! # ecsim
//!
//! A deterministic discrete-event simulator of Amazon ECS clusters.
//!
//! * **engine**: integer simulated time (milliseconds), a future-event list with a total
//!   order `(time, lane, sequence)`, and named random sub-streams of one master seed.
//! * **model**: container instances, tasks, task groups and their resources.
//! * **capacity**: the EC2 instance-type catalog and what an instance registers with ECS,
//!   capacity-provider arithmetic (strategy split, CapacityProviderReservation), Fargate sizes
//!   and launch limits, prices.
//! * **load**: request-rate curves and how load becomes CPU, memory and unserved requests.
//! * **autoscaling**: CloudWatch-style alarms, target tracking, step scaling, schedules.
//! * **placement**: ECS's placement pipeline (filters, constraints with the cluster query
//!   language, binpack / spread / random chains) with ordered indexes for speed.
//! * **scenario**: scenario files (TOML or JSON) parsed with positions, validated into typed
//!   values, every problem reported at once with file:line:col and field path.
//! * **sim**: the ECS control plane over the engine: batch arrivals, the service scheduler,
//!   the task lifecycle, Auto Scaling groups and Fargate, service auto scaling, cost,
//!   failures, deployments and the scheduler's reactions to them.
//! * **metrics**: time series, event log and summary, written atomically.
//! * **runner**: one scenario run into its results directory.
//! * **sweep**, **check**, **explain**, **report**: experiments over many runs, CI
//!   expectations, explanations for learners, and plots drawn from the CSV files.
//! * **cli**: the `ecsim` command line (clap types stay there).

pub mod aws;
pub mod check;
pub mod cli;
pub mod engine;
pub mod explain;
pub mod faults;
pub mod metrics;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod workload;
