//! Task lifecycle timing, the service scheduler, batch queues and trace replay.

use crate::common::*;
use ecsim::engine::SimTime;
use ecsim::metrics::{LogEvent, VecSink};
use ecsim::sim::{self, RunOptions, SimError};

fn times<'a>(events: &'a [LogEvent], kind: &str, task: &str) -> Vec<&'a LogEvent> {
    events.iter().filter(|e| e.kind == kind && e.task == task).collect()
}

const ONE_M5: &str = r#"
[scenario]
duration = "30m"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
"#;

#[test]
fn start_latency_is_provisioning_plus_pending_and_awsvpc_adds_eni_attach() {
    let sc = scenario(&format!(
        r#"{ONE_M5}
[lifecycle]
provisioning = "2s"
awsvpc_provisioning = "7s"
pending = "30s"
[[task_definitions]]
family = "bridge"
memory = 256
[[task_definitions]]
family = "vpc"
network_mode = "awsvpc"
memory = 256
[[services]]
name = "a"
task_definition = "bridge"
desired_count = 1
[[services]]
name = "b"
task_definition = "vpc"
desired_count = 1
"#
    ));
    let (_, ev) = run_checked(&sc);
    let running = |group: &str| {
        ev.iter()
            .find(|e| e.kind == "TASK_RUNNING" && e.group == group)
            .unwrap()
            .time
    };
    assert_eq!(running("service:a"), SimTime::from_secs(32));
    assert_eq!(running("service:b"), SimTime::from_secs(37));
}

#[test]
fn a_service_replaces_a_stopped_task_at_once() {
    let sc = scenario(&format!(
        r#"{ONE_M5}
[[task_definitions]]
family = "w"
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 2
task_run_time = "5m"
"#
    ));
    let (r, ev) = run_checked(&sc);
    let stopped: Vec<_> = ev.iter().filter(|e| e.kind == "TASK_STOPPED").collect();
    assert!(!stopped.is_empty());
    for s in &stopped {
        // Every stop at time t is followed by a replacement placed at the same instant.
        let replaced = ev
            .iter()
            .any(|e| e.kind == "TASK_PLACED" && e.time == s.time && e.group == "service:w");
        assert!(replaced, "no replacement at {}", s.time);
    }
    // The first pair starts at 10 s (default pending) and stops 5 minutes later.
    assert_eq!(stopped[0].time, SimTime::from_secs(310));
    let w = &r.summary.services[0];
    assert_eq!(w.desired_count, 2);
    assert!(
        w.tasks_started >= 2 * 5,
        "5-minute tasks over 30 minutes: {}",
        w.tasks_started
    );
}

#[test]
fn default_service_placement_balances_availability_zones() {
    let sc = scenario(
        r#"
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 6
[[task_definitions]]
family = "w"
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 9
"#,
    );
    let (_, ev) = run_checked(&sc);
    for az in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        let n = ev
            .iter()
            .filter(|e| e.kind == "TASK_PLACED" && e.availability_zone == az)
            .count();
        assert_eq!(n, 3, "{az}");
    }
    // ... and within an AZ, the instance with the fewest tasks of the service (2 instances
    // per AZ, 3 tasks per AZ: 2 + 1, never 3 + 0).
    let mut per_instance = std::collections::BTreeMap::new();
    for e in ev.iter().filter(|e| e.kind == "TASK_PLACED") {
        *per_instance.entry(e.instance.clone()).or_insert(0) += 1;
    }
    assert_eq!(per_instance.len(), 6);
    assert!(per_instance.values().all(|n| *n <= 2));
}

#[test]
fn daemon_runs_one_task_per_instance_before_replicas() {
    let sc = scenario(
        r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 3
[[task_definitions]]
family = "d"
memory = 128
[[task_definitions]]
family = "w"
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 2
[[services]]
name = "d"
task_definition = "d"
scheduling_strategy = "DAEMON"
"#,
    );
    let (r, ev) = run_checked(&sc);
    let placed: Vec<_> = ev.iter().filter(|e| e.kind == "TASK_PLACED").collect();
    assert_eq!(placed.iter().filter(|e| e.group == "service:d").count(), 3);
    assert!(
        placed[..3].iter().all(|e| e.group == "service:d"),
        "daemons start first"
    );
    assert_eq!(
        r.summary
            .services
            .iter()
            .find(|s| s.name == "d")
            .unwrap()
            .running_at_end,
        3
    );
}

#[test]
fn waiting_batch_tasks_start_in_fifo_order_as_capacity_frees() {
    // m5.large registers 7987 MiB: three 3000 MiB tasks cannot run together.
    let sc = scenario(&format!(
        r#"{ONE_M5}
[[task_definitions]]
family = "big"
memory = 3000
[[batch_jobs]]
name = "b"
task_definition = "big"
arrivals = {{ type = "poisson", rate_per_hour = 600 }}
stop = "3m"
task_duration = "2m"
"#
    ));
    let (r, ev) = run_checked(&sc);
    assert!(r.summary.task_wait_max_s > 0.0, "some task must have waited");
    let placed: Vec<&str> = ev
        .iter()
        .filter(|e| e.kind == "TASK_PLACED")
        .map(|e| e.task.as_str())
        .collect();
    let mut sorted = placed.clone();
    sorted.sort();
    assert_eq!(placed, sorted, "tasks are placed in submission order");
    let failed_first = ev.iter().find(|e| e.kind == "TASK_PLACEMENT_FAILED").unwrap();
    assert!(
        failed_first.detail.contains("RESOURCE:MEMORY"),
        "{}",
        failed_first.detail
    );
}

#[test]
fn on_no_capacity_fail_behaves_like_runtask_failures() {
    let sc = scenario(&format!(
        r#"{ONE_M5}
[[task_definitions]]
family = "big"
memory = 5000
[[batch_jobs]]
name = "b"
task_definition = "big"
arrivals = {{ type = "poisson", rate_per_hour = 600 }}
count = 2
stop = "1m"
task_duration = "20m"
on_no_capacity = "fail"
"#
    ));
    let (r, ev) = run_checked(&sc);
    assert!(r.summary.tasks_failed > 0);
    assert_eq!(r.summary.tasks_waiting_at_end, 0);
    assert_eq!(
        ev.iter().filter(|e| e.kind == "TASK_FAILED").count() as u64,
        r.summary.tasks_failed
    );
}

#[test]
fn trace_replay_honours_count_and_per_row_sizes() {
    let sc = scenario(&format!(
        r#"{ONE_M5}
[[task_definitions]]
family = "t"
cpu = 128
memory = 256
[[batch_jobs]]
name = "trace"
task_definition = "t"
arrivals = {{ type = "trace", file = "tiny_trace.csv" }}
"#
    ));
    let (r, ev) = run_checked(&sc);
    assert_eq!(r.summary.tasks_submitted, 6, "3 + 2 + 1 tasks");
    let placed: Vec<_> = ev.iter().filter(|e| e.kind == "TASK_PLACED").collect();
    assert_eq!(placed.len(), 6);
    assert_eq!(placed[0].time, SimTime::ZERO);
    assert_eq!(placed[3].time, SimTime::from_secs(30));
    // Row c (1 vCPU) arrives at 45.5 s but the m5.large's 2048 CPU units hold 3 x 512 + 2 x 128:
    // it waits until row a's tasks finish (placed at 0, RUNNING at 10 s, 60 s later).
    assert_eq!(placed[5].time, SimTime::from_secs(70));
    // Rows without a duration run to the end; the others complete (3 x 60 s and 1 x 10 s).
    assert_eq!(r.summary.tasks_completed, 4);
    // Reserved memory at the end: the two rows without sizes use the template's 256 MiB.
    assert_eq!(r.summary.tasks_running_at_end, 2);
    let _ = times(&ev, "TASK_RUNNING", "t-00000000");
}

#[test]
fn trace_window_and_speedup() {
    let sc = scenario(&format!(
        r#"{ONE_M5}
[[task_definitions]]
family = "t"
memory = 256
[[batch_jobs]]
name = "trace"
task_definition = "t"
arrivals = {{ type = "trace", file = "tiny_trace.csv", start = "30s", speedup = 2.0 }}
"#
    ));
    let (r, ev) = run_checked(&sc);
    assert_eq!(
        r.summary.tasks_submitted, 3,
        "the first row (t = 0) is before the window"
    );
    let placed: Vec<_> = ev.iter().filter(|e| e.kind == "TASK_PLACED").collect();
    assert_eq!(placed[2].time, SimTime::from_ms(7_750), "(45.5 s - 30 s) / 2");
}

#[test]
fn the_event_budget_stops_a_runaway_scenario() {
    let mut sc = scenario(&format!(
        r#"{ONE_M5}
[[task_definitions]]
family = "t"
memory = 16
[[batch_jobs]]
name = "b"
task_definition = "t"
arrivals = {{ type = "poisson", rate_per_hour = 360000 }}
task_duration = "1s"
"#
    ));
    sc.max_events = 1000;
    let mut sink = VecSink::default();
    match sim::run(&sc, &mut sink, RunOptions::default()) {
        Err(SimError::EventBudgetExceeded { max_events, .. }) => assert_eq!(max_events, 1000),
        other => panic!("expected the budget error, got {other:?}"),
    }
}

#[test]
fn the_shared_trace_collection_loads_through_the_trace_reader() {
    // CI runs with ../shared beside the checkout; a user's clone may not have it.
    use ecsim::scenario::trace::{load_trace, TraceWindow};
    let dir = std::path::Path::new("../shared/data/traces");
    if !dir.is_dir() {
        eprintln!("skipped: {} is not present", dir.display());
        return;
    }
    let all = TraceWindow {
        start_ms: 0,
        end_ms: None,
        speedup: 1.0,
        max_rows: None,
    };
    let alibaba = load_trace(&dir.join("alibaba_v2017_batch_tasks.csv"), &all).unwrap();
    assert_eq!(alibaba.len(), 66_836, "every row of the Alibaba batch trace");
    let tasks: u64 = alibaba.iter().map(|r| u64::from(r.count)).sum();
    assert!(tasks > 10_000_000, "the trace has 10.1 M task instances, got {tasks}");
    let azure = load_trace(&dir.join("azure_vm2017_test_arrivals.csv"), &all).unwrap();
    assert_eq!(azure.len(), 131_306);
    assert!(azure.iter().all(|r| r.cpu_units.is_some() && r.memory_mib.is_some()));
    let nasa = load_trace(&dir.join("nasa_ipsc1993_jobs.csv"), &all).unwrap();
    assert!(
        nasa.iter().all(|r| r.memory_mib.is_none()),
        "NASA has no memory column values"
    );
    // The bundled excerpt is exactly the first 300 s of the shared file.
    let first = TraceWindow {
        end_ms: Some(300_000),
        ..all
    };
    let cut = load_trace(&dir.join("alibaba_v2017_batch_tasks.csv"), &first).unwrap();
    let bundled = load_trace(
        std::path::Path::new("scenarios/data/alibaba_v2017_batch_first_300s.csv"),
        &all,
    )
    .unwrap();
    assert_eq!(cut, bundled);
}
