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

/// Issue 15 item 6: "non-finite figures (`inf`, `NaN`) reach summary files when request
/// counts overflow: reject or saturate with a warning". Request curves are bounded at 10^9
/// requests per second (after scale); a month at that ceiling, served by one task of a
/// thousandth of a request per second, still gives finite figures. Should a figure ever be
/// non-finite, the run fails naming it (`non_finite` finds it).
#[test]
fn a_month_at_the_request_ceiling_gives_finite_figures() {
    let text = r#"
[scenario]
name = "ceiling"
duration = "30d"
metrics_interval = "1d"

[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1

[[task_definitions]]
family = "web"
cpu = 256
memory = 512

[[services]]
name = "web"
task_definition = "web"
desired_count = 1
load = { requests = { type = "constant", rps = 1000000000 }, task_capacity_rps = 0.001 }
"#;
    let r = sim::run(&scenario(text), &mut NullSink, RunOptions::default()).unwrap();
    let s = &r.summary;
    assert!(s.non_finite().is_empty(), "{:?}", s.non_finite());
    // 10^9 a second for 30 days, all but 0.001 a second over capacity.
    let expected = 1e9 * 30.0 * 86_400.0;
    assert!(
        (s.requests_total - expected).abs() < 1e-6 * expected,
        "{}",
        s.requests_total
    );
    assert!(s.requests_over_capacity_pct > 99.99);
    let mut broken = s.clone();
    broken.cost_usd = f64::INFINITY;
    broken.requests_over_capacity_pct = f64::NAN;
    assert_eq!(broken.non_finite(), vec!["requests_over_capacity_pct", "cost_usd"]);
}

/// Issue 15 item 2: "every metrics row is kept in memory (stream the rows to disk)". A run
/// into a directory sends each row to its sink as it is sampled; nothing is kept in the
/// result. (The sink here only counts; `run_to_dir` streams to metrics.csv.)
#[test]
fn metrics_rows_go_to_the_sink_as_they_are_sampled() {
    use ecsim::metrics::{MetricValue, MetricsSink};
    #[derive(Default)]
    struct Counting {
        columns: usize,
        rows: usize,
    }
    impl MetricsSink for Counting {
        fn header(&mut self, columns: Vec<String>) -> std::io::Result<()> {
            self.columns = columns.len();
            Ok(())
        }
        fn row(&mut self, row: Vec<MetricValue>) -> std::io::Result<()> {
            assert_eq!(row.len(), self.columns, "a row has a cell per column");
            self.rows += 1;
            Ok(())
        }
    }
    let text = "[scenario]\nduration = \"7d\"\nmetrics_interval = \"1m\"\n\n[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.large\"\ncount = 1\n";
    let mut counting = Counting::default();
    let r = sim::run_streaming(&scenario(text), &mut NullSink, &mut counting, RunOptions::default()).unwrap();
    assert!(r.metrics.rows.is_empty());
    // One row at t = 0 and one per minute to the end: 7 x 1,440 + 1.
    assert_eq!(counting.rows, 7 * 1440 + 1);
}
