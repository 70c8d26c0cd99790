//! Every scenario under `scenarios/` validates and runs, with invariants checked after every
//! event (the trace replay is cut to its first 40 submissions to keep that affordable).

use crate::common::{example_files, run_checked};
use ecsim::scenario::{self, Arrivals};
use std::sync::Arc;

#[test]
fn there_are_at_least_four_examples_each_saying_what_it_teaches() {
    let files = example_files();
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("# What this teaches:"),
            "{} lacks its teaching comment",
            f.display()
        );
    }
}

#[test]
fn every_example_validates_and_runs_with_invariants_checked() {
    for f in example_files() {
        let mut sc = scenario::load(&f).unwrap_or_else(|d| panic!("{d}"));
        assert!(sc.warnings.is_empty(), "{}: {:?}", f.display(), sc.warnings);
        for j in &mut sc.batch_jobs {
            if let Arrivals::Trace { rows, .. } = &mut j.arrivals {
                *rows = Arc::new(rows.iter().take(40).cloned().collect());
            }
        }
        let (r, events) = run_checked(&sc);
        assert!(r.summary.tasks_placed > 0, "{}: nothing was placed", f.display());
        assert!(!events.is_empty());
        assert!(!r.metrics.rows.is_empty());
    }
}

#[test]
fn binpack_versus_spread_example_shows_the_difference() {
    let sc = scenario::load(std::path::Path::new("scenarios/binpack-vs-spread.toml")).unwrap();
    let (r, _) = run_checked(&sc);
    let col = |name: &str| r.metrics.columns.iter().position(|c| c == name).unwrap();
    let last = r.metrics.rows.last().unwrap();
    // 12 tasks of 2048 MiB: binpack fills two m5.xlarge (7 + 5); spread uses all six.
    assert_eq!(last[col("group.packed.instances_in_use")].render(), "2");
    assert_eq!(last[col("group.balanced.instances_in_use")].render(), "6");
}

#[test]
fn distinct_instance_example_stops_at_one_task_per_instance() {
    let sc = scenario::load(std::path::Path::new("scenarios/distinct-instance.toml")).unwrap();
    let (r, events) = run_checked(&sc);
    let ens = r.summary.services.iter().find(|s| s.name == "ensemble").unwrap();
    assert_eq!(ens.running_at_end, 5);
    assert!(ens.placement_failures > 0);
    assert!(events.iter().any(|e| e.kind == "SERVICE_TASK_PLACEMENT_FAILURE"
        && e.detail.contains("DistinctInstance placement constraint unsatisfied.")));
    let rep = r.summary.services.iter().find(|s| s.name == "replicas").unwrap();
    assert_eq!(rep.running_at_end, 7);
}

#[test]
fn memberof_example_keeps_each_job_on_its_instance_types() {
    let sc = scenario::load(std::path::Path::new("scenarios/memberof-instance-types.toml")).unwrap();
    let (_, events) = run_checked(&sc);
    let placed = |group: &str| {
        events
            .iter()
            .filter(|e| e.kind == "TASK_PLACED" && e.group == group)
            .collect::<Vec<_>>()
    };
    let analytics = placed("family:analytics");
    let encode = placed("family:encode");
    let logs = placed("service:logs");
    assert!(!analytics.is_empty() && !encode.is_empty());
    assert!(analytics.iter().all(|e| e.instance_type.starts_with("r5.")));
    assert!(encode
        .iter()
        .all(|e| e.instance_type.starts_with("c5.") && e.availability_zone != "us-east-1c"));
    assert_eq!(logs.len(), 10, "the daemon runs one task on each of the 10 instances");
}

#[test]
fn the_high_resolution_example_scales_out_when_its_header_says() {
    // The header's timeline, from the rules it names: 3 of 3 datapoints above the target
    // (ecs-semantics §6.2), seen one period later, and a 300 s scale-out cooldown during which
    // the computation starts from the running count when it began ("the capacity added by
    // the initiating scale-out activity is calculated as part of the desired capacity for
    // the next scale-out activity", AAS API). Load steps at 3600 s.
    let path = std::path::Path::new("scenarios/high-resolution-target-tracking.toml");
    let outs = |sc: &ecsim::scenario::Scenario| {
        let (r, ev) = run_checked(sc);
        let t: Vec<u64> = ev
            .iter()
            .filter(|e| e.kind == "SERVICE_SCALING" && e.detail.contains("scale out"))
            .map(|e| e.time.as_ms() / 1000)
            .collect();
        (t, r.summary.requests_over_capacity)
    };
    let mut sc = scenario::load(path).unwrap();
    let (fast, fast_over) = outs(&sc);
    // 20 s: datapoints closing at 3620, 3640, 3660, seen at 3680; then 300 s of cooldown.
    assert_eq!(fast, vec![3680, 3980]);
    sc.services[0].auto_scaling.as_mut().unwrap().target_tracking[0].metric_period_ms = 60_000;
    let (slow, slow_over) = outs(&sc);
    // 60 s: datapoints closing at 3660, 3720, 3780, seen at 3840.
    assert_eq!(slow, vec![3840, 4140]);
    assert!(
        slow_over >= 4.0 * fast_over && fast_over > 0.0,
        "{slow_over} vs {fast_over}"
    );
}

#[test]
fn the_alb_deployment_example_takes_a_deregistration_delay_per_wave() {
    // The header's arithmetic: desired 6, maximumPercent 150 -> waves of 3. Without a load
    // balancer a wave is 10 s of image pull + 40 s to healthy; behind the ALB it is 10 s +
    // one 30 s check + the 300 s deregistration delay of the tasks it stopped (CreateTargetGroup
    // defaults), which count towards maximumPercent: two waves, 2 x 340 s.
    let sc = scenario::load(std::path::Path::new("scenarios/alb-deployment-waves.toml")).unwrap();
    let (_, ev) = run_checked(&sc);
    let took = |service: &str| {
        ev.iter()
            .find(|e| e.kind == "DEPLOYMENT_COMPLETED" && e.service == service)
            .map(|e| e.time.as_ms() / 1000 - 1800)
            .unwrap()
    };
    assert_eq!(took("web-no-lb"), 2 * 50);
    assert_eq!(took("web"), 2 * (10 + 30 + 300));
}

#[test]
fn the_health_check_crash_example_trips_the_breaker_and_keeps_serving() {
    let sc = scenario::load(std::path::Path::new("scenarios/health-check-crash.toml")).unwrap();
    let (r, ev) = run_checked(&sc);
    assert_eq!(r.summary.deployments_failed, 1, "shop-v2 is rolled back");
    assert_eq!(r.summary.deployments_completed, 1, "the rollback completes");
    // No shop-v2 target ever turned healthy, so none received traffic.
    let v2_healthy = ev.iter().filter(|e| e.kind == "TARGET_HEALTHY").any(|e| {
        let n: u64 = e.task[2..].parse().unwrap();
        (4..8).contains(&n)
    });
    assert!(!v2_healthy);
    assert!(r.summary.health.tasks_replaced_unhealthy >= 3);
    assert_eq!(r.summary.tasks_running_at_end, 4);
}

#[test]
fn the_cross_zone_off_example_overloads_only_the_thin_zone() {
    let sc = scenario::load(std::path::Path::new("scenarios/cross-zone-off.toml")).unwrap();
    let (r, ev) = run_checked(&sc);
    let unhealthy: Vec<_> = ev.iter().filter(|e| e.kind == "TARGET_UNHEALTHY").collect();
    assert!(!unhealthy.is_empty());
    assert!(unhealthy.iter().all(|e| e.availability_zone == "us-east-1b"));
    assert!(r.summary.health.tasks_replaced_unhealthy > 0);
    // With cross-zone on (the sweep's other value), no target is overloaded.
    let mut on = sc.clone();
    on.target_groups[0].cross_zone = true;
    let (r_on, ev_on) = run_checked(&on);
    assert!(!ev_on.iter().any(|e| e.kind == "TARGET_UNHEALTHY"));
    assert_eq!(r_on.summary.health.tasks_replaced_unhealthy, 0);
    assert!(r_on.summary.requests_over_capacity < r.summary.requests_over_capacity);
}
