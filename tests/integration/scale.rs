//! Scale: what a run keeps in memory follows what is alive at once, not the run's length.

use crate::common::scenario;
use ecsim::metrics::NullSink;
use ecsim::sim::{self, RunOptions};

/// The reference workload "cluster-80" (../shared/bench/WORKLOAD.md) at 100 hosts, over
/// `seconds` of simulated time.
fn cluster_80_h100(seconds: u64) -> ecsim::sim::RunResult {
    let text = std::fs::read_to_string("benches/scenarios/cluster-80-h100.toml").unwrap();
    let text = text.replace("duration = \"300000s\"", &format!("duration = \"{seconds}s\""));
    assert!(
        text.contains(&format!("duration = \"{seconds}s\"")),
        "the bench scenario's duration line moved"
    );
    sim::run(&scenario(&text), &mut NullSink, RunOptions::default()).unwrap()
}

/// Issue 10: "A test runs a scenario at 1x and 3x the horizon and checks that the number of
/// live task slots at the end does not grow with the horizon". About 340 tasks run at once
/// (rate 3.4/s x 100 s, WORKLOAD.md), plus the few dozen that wait at H = 100; three times
/// the horizon starts three times the tasks, and the table must stay that size.
#[test]
fn task_slots_follow_the_tasks_alive_at_once_not_the_horizon() {
    let short = cluster_80_h100(2_000);
    let long = cluster_80_h100(6_000);
    let (n1, n3) = (short.summary.tasks_submitted, long.summary.tasks_submitted);
    assert!(
        n3 as f64 > 2.8 * n1 as f64,
        "3x the horizon submits 3x the tasks: {n1} then {n3}"
    );
    assert!(
        short.task_slots < 1_000,
        "{} slots for about 400 tasks alive at once",
        short.task_slots
    );
    assert!(
        (long.task_slots as f64) < 1.5 * short.task_slots as f64,
        "the table grew with the horizon: {} slots at 1x, {} at 3x ({n1} and {n3} tasks)",
        short.task_slots,
        long.task_slots
    );
}
