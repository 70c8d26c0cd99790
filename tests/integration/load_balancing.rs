//! Load balancers and health: target registration and health checks, deregistration delay,
//! health-check replacement and the grace period, the circuit breaker on health failures,
//! routing (ALBRequestCountPerTarget, cross-zone), container health checks, stop timeouts
//! and task scale-in protection. Every expected value comes from AWS documentation or the
//! spec (quoted at each test).

use crate::common::*;
use ecsim::engine::SimTime;
use ecsim::metrics::LogEvent;

fn of<'a>(ev: &'a [LogEvent], kind: &str) -> Vec<&'a LogEvent> {
    ev.iter().filter(|e| e.kind == kind).collect()
}

fn secs(e: &LogEvent) -> f64 {
    e.time.as_secs_f64()
}

/// A cluster of two m5.2xlarge, one per zone, and a service `web` of `desired` bridge tasks
/// (dynamic host ports) behind target group `tg`; `tg_extra` and `svc_extra` are appended to
/// the target group's and the service's tables, `rest` to the file.
fn web(desired: u32, tg_extra: &str, svc_extra: &str, rest: &str) -> String {
    format!(
        r#"
[scenario]
duration = "1h"
metrics_interval = "10s"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "g"
instance_type = "m5.2xlarge"
count = 2
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
container_definitions = [{{ name = "app", memory = 1024, port_mappings = [{{ container_port = 8080, host_port = 0 }}] }}]
[[load_balancers]]
name = "alb"
[[target_groups]]
name = "tg"
load_balancer = "alb"
target_type = "instance"
{tg_extra}
[[services]]
name = "web"
task_definition = "web"
desired_count = {desired}
load_balancers = [{{ target_group = "tg", container_name = "app", container_port = 8080 }}]
{svc_extra}
{rest}
"#
    )
}

/// A second revision of `web`'s task definition (`extra` appended to it), deployed at 10
/// minutes.
fn deploy_revision(family: &str, extra: &str) -> String {
    format!(
        r#"
[[task_definitions]]
family = "{family}"
cpu = 512
memory = 1024
{extra}
container_definitions = [{{ name = "app", memory = 1024, port_mappings = [{{ container_port = 8080, host_port = 0 }}] }}]
[[deployments]]
at = "10m"
service = "web"
task_definition = "{family}"
"#
    )
}

/// Seconds from each task's TARGET_REGISTERED to its TARGET_HEALTHY.
fn registration_to_healthy(ev: &[LogEvent]) -> Vec<f64> {
    of(ev, "TARGET_HEALTHY")
        .iter()
        .map(|h| {
            let reg = of(ev, "TARGET_REGISTERED")
                .into_iter()
                .find(|r| r.task == h.task)
                .expect("registered first");
            secs(h) - secs(reg)
        })
        .collect()
}

#[test]
fn a_new_alb_target_is_healthy_after_passing_one_health_check() {
    // ELB user guide, "Health checks for Application Load Balancer target groups": "After your
    // target is registered, it must pass one health check to be considered healthy";
    // HealthCheckIntervalSeconds defaults to 30 (CreateTargetGroup).
    let (r, ev) = run_checked(&scenario(&web(2, "", "", "")));
    assert_eq!(registration_to_healthy(&ev), vec![30.0, 30.0]);
    assert_eq!(r.summary.health.time_to_healthy_p50_s, 30.0);
}

#[test]
fn counting_the_healthy_threshold_a_new_target_is_healthy_after_five_checks_of_30_s() {
    // ecs-semantics §2.4 (ECS best practices, load-balancer health checks): "ALB default
    // health check interval 30 s x healthy threshold 5 = 150 s to become healthy".
    let (r, ev) = run_checked(&scenario(&web(
        2,
        "initial_health_checks = \"healthy_threshold\"",
        "",
        "",
    )));
    assert_eq!(registration_to_healthy(&ev), vec![150.0, 150.0]);
    assert_eq!(r.summary.health.time_to_healthy_p95_s, 150.0);
}

#[test]
fn a_stopped_task_keeps_its_reservation_for_the_deregistration_delay() {
    // ecs-semantics §2.2: DEACTIVATING lasts the "LB deregistration delay, default 300 s";
    // CreateTargetGroup: deregistration_delay.timeout_seconds "The default value is 300
    // seconds". The scheduler replaces the task at once, so for 300 s both hold resources.
    let rest = r#"
[[faults]]
type = "stop_tasks"
service = "web"
count = 1
at = "10m"
"#;
    // (AZ rebalancing off: the replacement may land beside its draining predecessor's zone.)
    let svc = "availability_zone_rebalancing = \"DISABLED\"";
    let (r, ev) = run_checked(&scenario(&web(2, "", svc, rest)));
    let stopping = of(&ev, "TASK_STOPPING");
    assert_eq!(stopping.len(), 1);
    assert_eq!(secs(stopping[0]), 600.0);
    let stopped = of(&ev, "TASK_STOPPED");
    let s = stopped.iter().find(|e| e.task == stopping[0].task).unwrap();
    assert_eq!(secs(s), 900.0, "STOPPED after the 300 s delay (and a 0 s shutdown)");
    // Reserved CPU: 2 x 512 before, 3 x 512 while the old task drains beside its
    // replacement, 2 x 512 after.
    let col = r
        .metrics
        .columns
        .iter()
        .position(|c| c == "cpu_reserved_units")
        .unwrap();
    let at = |t: f64| {
        let row = r
            .metrics
            .rows
            .iter()
            .find(|row| row[0].render().parse::<f64>().unwrap() == t)
            .unwrap();
        row[col].render()
    };
    assert_eq!(at(590.0), "1024");
    assert_eq!(at(700.0), "1536");
    assert_eq!(at(890.0), "1536");
    assert_eq!(at(910.0), "1024");
    let draining = r
        .metrics
        .columns
        .iter()
        .position(|c| c == "target_group.tg.draining")
        .unwrap();
    assert!(r.metrics.rows.iter().any(|row| row[draining].render() == "1"));
}

#[test]
fn an_unhealthy_target_is_found_after_two_failed_checks_and_replaced_without_throttle() {
    // CreateTargetGroup: UnhealthyThresholdCount "The default is 2"; interval 30 s. ecs-semantics
    // §7: "Target unhealthy after UnhealthyThreshold consecutive failures; ECS deregisters and
    // stops the task (no throttle)". The fault starts between two checks: the next check
    // fails (within 30 s) and the one after (30 s later) makes the target unhealthy.
    let rest = r#"
[[faults]]
type = "unhealthy"
service = "web"
at = "10m"
duration = "80s"
"#;
    let (r, ev) = run_checked(&scenario(&web(2, "", "", rest)));
    let unhealthy = of(&ev, "TARGET_UNHEALTHY");
    assert_eq!(unhealthy.len(), 2, "both targets, once each");
    for u in &unhealthy {
        let dt = secs(u) - 600.0;
        assert!(dt > 30.0 && dt <= 60.0, "unhealthy {dt} s after the fault began");
        assert_eq!(u.reason, "Target.FailedHealthChecks");
        // ecs-semantics §2.1 (current behaviour): "the scheduler uses maximumPercent headroom
        // to start replacements first and then stops the unhealthy tasks one by one as the
        // replacements turn healthy": a replacement is submitted at once, without throttle...
        assert!(of(&ev, "TASK_SUBMITTED").iter().any(|s| s.time == u.time));
        let decided = of(&ev, "TASK_UNHEALTHY")
            .into_iter()
            .find(|s| s.task == u.task)
            .unwrap();
        assert_eq!((decided.time, decided.reason), (u.time, "ElbHealthCheckFailed"));
        // ...and the unhealthy task stops (deregistering first) once one has turned healthy.
        let stop = of(&ev, "TASK_STOPPING").into_iter().find(|s| s.task == u.task).unwrap();
        assert_eq!(stop.reason, "ElbHealthCheckFailed");
        let first_replacement_healthy = of(&ev, "TARGET_HEALTHY")
            .into_iter()
            .filter(|h| h.time > u.time)
            .map(|h| h.time)
            .min()
            .unwrap();
        assert!(stop.time >= first_replacement_healthy);
    }
    assert_eq!(r.summary.health.tasks_replaced_unhealthy, 2);
    // The replacements register after the fault has ended and turn healthy.
    assert_eq!(r.summary.tasks_running_at_end, 2);
}

#[test]
fn the_grace_period_holds_back_health_based_replacement() {
    // ecs-semantics §7: "healthCheckGracePeriodSeconds ... makes ECS ignore ELB, container and
    // Route 53 health after RUNNING". A revision whose every check fails: with a 5-minute
    // grace period the tasks turn unhealthy at RUNNING + 60 s (two failed checks of 30 s)
    // but are stopped only when the grace period ends, 300 s after RUNNING.
    let text = web(1, "", "health_check_grace_period = \"5m\"", "").replace(
        "family = \"web\"\ncpu = 512",
        "family = \"web\"\napplication = { check_failure_probability = 1.0 }\ncpu = 512",
    );
    let (_, ev) = run_checked(&scenario(&text));
    let first_running = secs(of(&ev, "TASK_RUNNING")[0]);
    let first_unhealthy = secs(of(&ev, "TARGET_UNHEALTHY")[0]);
    let replaced = secs(of(&ev, "TASK_UNHEALTHY")[0]);
    assert_eq!(first_unhealthy - first_running, 60.0);
    assert_eq!(
        replaced - first_running,
        300.0,
        "ECS acts on it when the grace period ends"
    );
    assert!(of(&ev, "TASK_SUBMITTED").iter().any(|e| secs(e) == replaced));
}

#[test]
fn health_check_failures_trip_the_circuit_breaker_and_roll_back() {
    // ecs-semantics §2.5: "Stage 2 (once >= 1 task is RUNNING): ELB, Cloud Map and container
    // health-check failures of new-deployment tasks increment the count"; threshold
    // clamp(ceil(0.5 x 2), 3, 200) = 3; with rollback a deployment to the last COMPLETED
    // revision starts.
    let rest = deploy_revision("web-bad", "application = { check_failure_probability = 1.0 }");
    let svc = "deployment_configuration = { deployment_circuit_breaker = { enable = true, rollback = true } }";
    let (r, ev) = run_checked(&scenario(&web(2, "", svc, &rest)));
    assert_eq!(r.summary.deployments_failed, 1);
    // Both new tasks fail their checks at the same instant, so the count may pass 3 at once.
    let failed = of(&ev, "DEPLOYMENT_FAILED");
    assert!(failed[0].detail.contains("(threshold 3)"), "{}", failed[0].detail);
    assert_eq!(
        of(&ev, "DEPLOYMENT_STARTED").len(),
        2,
        "the deployment and its rollback"
    );
    assert_eq!(r.summary.deployments_completed, 1, "the rollback completes");
    assert!(r.summary.health.tasks_replaced_unhealthy >= 3);
}

#[test]
fn a_deployment_never_has_fewer_healthy_targets_than_minimum_healthy_percent() {
    // ecs-semantics §2.4: minHealthy = ceil(desired x minPct / 100), counting healthy tasks;
    // "LB with no container health check: [healthy] after the target-group check passes".
    let rest = deploy_revision("web2", "");
    let svc = "deployment_configuration = { minimum_healthy_percent = 50, maximum_percent = 150 }";
    let (r, ev) = run_checked(&scenario(&web(4, "", svc, &rest)));
    assert_eq!(r.summary.deployments_completed, 1);
    let healthy = r
        .metrics
        .columns
        .iter()
        .position(|c| c == "target_group.tg.healthy")
        .unwrap();
    for row in &r.metrics.rows {
        let t = row[0].render().parse::<f64>().unwrap();
        if t >= 600.0 {
            let h: u32 = row[healthy].render().parse().unwrap();
            assert!(h >= 2, "{h} healthy targets at {t} s, fewer than ceil(4 x 50 %) = 2");
        }
    }
    // Each wave waits for its stopped tasks' 300 s deregistration delay (maximumPercent
    // counts STOPPING tasks): the deployment takes more than 300 s.
    let done = of(&ev, "DEPLOYMENT_COMPLETED");
    assert!(secs(done[0]) - 600.0 > 300.0);
}

#[test]
fn alb_request_count_per_target_is_the_requests_over_the_healthy_targets() {
    // CloudWatch metrics for ALBs: RequestCountPerTarget is "the average request count per
    // target in a target group ... Only healthy targets are counted": 100 rps for a minute
    // over 4 healthy targets is 1,500 per target.
    let svc = "load = { requests = { type = \"constant\", rps = 100 }, task_capacity_rps = 50 }";
    let (r, _) = run_checked(&scenario(&web(4, "", svc, "")));
    let col = r
        .metrics
        .columns
        .iter()
        .position(|c| c == "target_group.tg.requests_per_target")
        .unwrap();
    let last = r.metrics.rows.last().unwrap();
    assert_eq!(last[col].render(), "1500.0");
    assert_eq!(r.summary.health.requests_unrouted, 0.0);
}

#[test]
fn with_cross_zone_off_the_zone_with_fewer_targets_runs_over_capacity() {
    // ELB guide (Network Load Balancers): "By default, each load balancer node routes
    // requests only to the healthy targets in its Availability Zone"; each zone's node takes
    // an equal share. Three targets in us-east-1a and one in us-east-1b (its only instance
    // fits one task), 150 rps, 50 rps per task: with cross-zone on each task gets 37.5 rps,
    // none over capacity; off, the lone target in b gets 75 rps, 25 over its 50: 1,500
    // requests a minute not served.
    let text = |cross_zone: bool| {
        format!(
            r#"
[scenario]
duration = "30m"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "a"
instance_type = "m5.2xlarge"
count = 1
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "b"
instance_type = "m5.large"
count = 1
availability_zones = ["us-east-1b"]
[[task_definitions]]
family = "web"
cpu = 1536
memory = 1024
container_definitions = [{{ name = "app", memory = 1024, port_mappings = [{{ container_port = 8080, host_port = 0 }}] }}]
[[load_balancers]]
name = "nlb"
type = "network"
[[target_groups]]
name = "tg"
load_balancer = "nlb"
target_type = "instance"
cross_zone = {cross_zone}
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
load = {{ requests = {{ type = "constant", rps = 150 }}, task_capacity_rps = 50 }}
load_balancers = [{{ target_group = "tg", container_name = "app", container_port = 8080 }}]
"#
        )
    };
    let (on, ev) = run_checked(&scenario(&text(true)));
    let zones: Vec<&str> = of(&ev, "TASK_RUNNING")
        .iter()
        .map(|e| e.availability_zone.as_str())
        .collect();
    assert_eq!(zones.iter().filter(|z| **z == "us-east-1b").count(), 1, "{zones:?}");
    let (off, _) = run_checked(&scenario(&text(false)));
    let col = on
        .metrics
        .columns
        .iter()
        .position(|c| c == "service.web.requests_over_capacity")
        .unwrap();
    assert_eq!(on.metrics.rows.last().unwrap()[col].render(), "0.0");
    let col = off
        .metrics
        .columns
        .iter()
        .position(|c| c == "service.web.requests_over_capacity")
        .unwrap();
    assert_eq!(off.metrics.rows.last().unwrap()[col].render(), "1500.0");
}

/// One m5.large and a service `w` of one task without a load balancer: `td` is appended to
/// its task definition (the application, containers), `rest` to the file.
fn one_task(duration: &str, td: &str, rest: &str) -> String {
    format!(
        r#"
[scenario]
duration = "{duration}"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "w"
cpu = 256
memory = 256
{td}
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
{rest}
"#
    )
}

#[test]
fn a_container_health_check_marks_the_task_unhealthy_after_its_retries() {
    // ECS task definition parameters, healthCheck: interval 30 s, retries 3 by default, and
    // "A task is UNHEALTHY if any essential container is unhealthy"; "Service tasks that are
    // UNHEALTHY are stopped and replaced" (ecs-semantics §7). No load balancer here: the
    // failing revision is unhealthy after 3 failed checks of 30 s, 90 s after RUNNING.
    let td = r#"application = { check_failure_probability = 1.0 }
container_definitions = [{ name = "app", memory = 256, health_check = { interval = "30s", retries = 3 } }]"#;
    let text = one_task("20m", td, "");
    let (r, ev) = run_checked(&scenario(&text));
    let running = secs(of(&ev, "TASK_RUNNING")[0]);
    let unhealthy = of(&ev, "CONTAINER_UNHEALTHY");
    assert_eq!(secs(unhealthy[0]) - running, 90.0);
    // Its replacement starts at once (start first, ecs-semantics §2.1); the unhealthy task
    // stops with the container check's reason once it can be spared.
    assert!(of(&ev, "TASK_SUBMITTED").iter().any(|e| e.time == unhealthy[0].time));
    let stopped = of(&ev, "TASK_STOPPED");
    assert_eq!(stopped[0].reason, "ContainerHealthCheckFailed");
    assert_eq!(stopped[0].task, unhealthy[0].task);
    assert!(r.summary.health.tasks_replaced_unhealthy >= 2);
}

#[test]
fn a_container_health_check_start_period_delays_the_verdict() {
    // healthCheck.startPeriod: "health check failures during that period don't count towards
    // the maximum number of retries". Start period 60 s: the failures at 30 s and 60 s... the
    // check at 30 s does not count; 60, 90 and 120 s do: UNHEALTHY 120 s after RUNNING.
    let td = r#"application = { check_failure_probability = 1.0 }
container_definitions = [{ name = "app", memory = 256, health_check = { retries = 3, start_period = "60s" } }]"#;
    let text = one_task("10m", td, "");
    let (_, ev) = run_checked(&scenario(&text));
    let running = secs(of(&ev, "TASK_RUNNING")[0]);
    assert_eq!(secs(of(&ev, "CONTAINER_UNHEALTHY")[0]) - running, 120.0);
}

#[test]
fn sigterm_waits_for_the_application_up_to_the_stop_timeout() {
    // ecs-semantics §2.2: STOPPING is "SIGTERM, then SIGKILL after stopTimeout" (30 s by
    // default, at most 120 s). An application that takes 90 s to exit is killed at 30 s; with
    // stop_timeout = "120s" it exits after its 90 s. No load balancer: no deregistration.
    let text = |stop: &str| {
        let td = format!(
            "application = {{ shutdown_time = \"90s\" }}\ncontainer_definitions = [{{ name = \"app\", memory = 256 {stop} }}]"
        );
        let fault = "[[faults]]\ntype = \"stop_tasks\"\nservice = \"w\"\ncount = 1\nat = \"10m\"";
        one_task("30m", &td, fault)
    };
    for (stop, held) in [("", 30.0), (", stop_timeout = \"120s\"", 90.0)] {
        let (_, ev) = run_checked(&scenario(&text(stop)));
        let stopping = of(&ev, "TASK_STOPPING")[0];
        let stopped = of(&ev, "TASK_STOPPED")
            .into_iter()
            .find(|e| e.task == stopping.task)
            .unwrap();
        assert_eq!(secs(stopped) - secs(stopping), held, "stop_timeout {stop:?}");
    }
}

/// Four tasks of service `w`; `protect` of them (the oldest) protected at 5 minutes for
/// `expires`; a scheduled action at 20 minutes caps the service at `cap`.
fn protected_four(protect: u32, expires: &str, cap: u32) -> String {
    format!(
        r#"
[scenario]
duration = "1h"
[[instance_groups]]
name = "g"
instance_type = "m5.2xlarge"
count = 2
[[task_definitions]]
family = "w"
cpu = 256
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 4
[services.auto_scaling]
min_capacity = 1
max_capacity = 4
scheduled_actions = [{{ name = "cap", schedule = "at(2024-01-01T00:20:00)", max_capacity = {cap} }}]
[[task_protection]]
service = "w"
at = "5m"
count = {protect}
expires_in = "{expires}"
"#
    )
}

#[test]
fn scale_in_never_stops_a_protected_task() {
    // ecs-semantics §2.9 (task scale-in protection): "Protected tasks are never chosen for
    // scale-in or deployment stops". Four tasks; the two oldest protected for the default
    // 120 minutes; the service capped at 2.
    let (r, ev) = run_checked(&scenario(&protected_four(2, "120m", 2)));
    let protected: Vec<&str> = of(&ev, "TASK_PROTECTED").iter().map(|e| e.task.as_str()).collect();
    assert_eq!(protected.len(), 2);
    let stopped: Vec<&str> = of(&ev, "TASK_STOPPED").iter().map(|e| e.task.as_str()).collect();
    assert_eq!(stopped.len(), 2, "scaled in from 4 to 2");
    for t in &stopped {
        assert!(!protected.contains(t), "protected task {t} was stopped");
    }
    assert_eq!(r.summary.tasks_running_at_end, 2);
    assert!(
        of(&ev, "SERVICE_TASKS_PROTECTED").is_empty(),
        "two unprotected tasks could go"
    );
}

#[test]
fn when_protected_tasks_exceed_the_desired_count_the_service_says_so() {
    // ecs-semantics §2.9: "If the number of protected tasks exceeds desired, the service
    // cannot reach steady state, and an event says so". Three of four tasks protected and the
    // service capped at 1: the one unprotected task stops, then the scale-in waits (said
    // once); the protection expires at 35 minutes and the scale-in completes.
    let (r, ev) = run_checked(&scenario(&protected_four(3, "30m", 1)));
    let blocked = of(&ev, "SERVICE_TASKS_PROTECTED");
    assert_eq!(blocked.len(), 1, "said once");
    assert_eq!(secs(blocked[0]), 1200.0);
    assert!(blocked[0].detail.contains("3 task(s) have scale-in protection"));
    assert_eq!(r.summary.tasks_running_at_end, 1);
}

#[test]
fn load_balancer_settings_are_validated_against_the_elb_and_ecs_apis() {
    let text = r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "w"
network_mode = "awsvpc"
cpu = 256
memory = 256
container_definitions = [{ name = "app", memory = 256, stop_timeout = "200s", port_mappings = [{ container_port = 80 }] }]
[[load_balancers]]
name = "alb"
[[target_groups]]
name = "tg"
load_balancer = "alb"
target_type = "instance"
health_check_interval = "10s"
health_check_timeout = "10s"
[[target_groups]]
name = "tg2"
load_balancer = "nlb"
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
load_balancers = [{ target_group = "tg", container_name = "web", container_port = 8080 }]
"#;
    let e = errors("lb.toml", text);
    for expected in [
        "health_check_timeout must be less than health_check_interval",
        "unknown load balancer \"nlb\"",
        "the task definition has no container \"web\"",
        "has target type instance, but the task uses awsvpc",
        "stop_timeout must be at most 120 s",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
    assert!(e.contains("lb.toml:"), "errors name the file and line:\n{e}");
}

#[test]
fn without_a_load_balancer_a_stop_is_immediate_and_nothing_is_registered() {
    // The 40-second rule (ecs-semantics §2.4: "No LB and no container health check: healthy
    // 40 s after reaching RUNNING") and an immediate stop are unchanged without health checks.
    let stop = "[[faults]]\ntype = \"stop_tasks\"\nservice = \"w\"\ncount = 1\nat = \"5m\"";
    let text = one_task("20m", "", stop);
    let (r, ev) = run_checked(&scenario(&text));
    assert!(of(&ev, "TARGET_REGISTERED").is_empty());
    assert!(of(&ev, "TASK_STOPPING").is_empty());
    let stopped = of(&ev, "TASK_STOPPED");
    assert_eq!(stopped[0].time, SimTime::from_secs(300));
    assert_eq!(r.summary.health.time_to_healthy_p50_s, 0.0);
}

#[test]
fn fargate_and_daemon_tasks_register_and_drain_like_any_other() {
    // awsvpc (Fargate) tasks register by IP; a DAEMON service's tasks register too. A drained
    // instance's daemon task deregisters like a scheduler stop (ecs-semantics §2.8: "daemon
    // tasks are stopped when an instance starts draining"), keeping its reservation for the
    // 300 s delay.
    let text = r#"
[scenario]
duration = "30m"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "api"
network_mode = "awsvpc"
cpu = 256
memory = 512
container_definitions = [{ name = "api", memory = 512, port_mappings = [{ container_port = 80 }] }]
[[task_definitions]]
family = "agent"
cpu = 128
memory = 128
container_definitions = [{ name = "agent", memory = 128, port_mappings = [{ container_port = 9100, host_port = 0 }] }]
[[load_balancers]]
name = "alb"
[[target_groups]]
name = "api-tg"
load_balancer = "alb"
target_type = "ip"
[[target_groups]]
name = "agent-tg"
load_balancer = "alb"
target_type = "instance"
[[services]]
name = "api"
task_definition = "api"
desired_count = 3
launch_type = "FARGATE"
load_balancers = [{ target_group = "api-tg", container_name = "api", container_port = 80 }]
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
load_balancers = [{ target_group = "agent-tg", container_name = "agent", container_port = 9100 }]
[[faults]]
type = "drain_instances"
group = "g"
at = "10m"
"#;
    let (r, ev) = run_checked(&scenario(text));
    let healthy = |svc: &str| of(&ev, "TARGET_HEALTHY").iter().filter(|e| e.service == svc).count();
    assert_eq!(healthy("api"), 3);
    assert_eq!(healthy("agent"), 2);
    let agent_stops: Vec<_> = of(&ev, "TASK_STOPPING")
        .into_iter()
        .filter(|e| e.service == "agent")
        .collect();
    assert_eq!(agent_stops.len(), 2);
    for s in agent_stops {
        let done = of(&ev, "TASK_STOPPED").into_iter().find(|e| e.task == s.task).unwrap();
        assert_eq!(secs(done) - secs(s), 300.0);
    }
    assert_eq!(r.summary.tasks_running_at_end, 3, "the Fargate tasks keep running");
}
