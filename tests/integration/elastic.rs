//! Elastic capacity: the documented worked rules of Application Auto Scaling, capacity
//! providers, Fargate and billing, both as pure functions and inside whole runs.

use crate::common::*;
use ecsim::aws::application_autoscaling::step::{adjusted_capacity, round_percent_adjustment};
use ecsim::aws::application_autoscaling::{
    AdjustmentType, Alarm, Comparison, MetricName, ScalingConfig, ScalingState, StepAdjustment, StepPolicy,
    TargetTrackingPolicy,
};
use ecsim::engine::SimTime;
use ecsim::metrics::LogEvent;

fn worked_example_policy(scale_in: bool) -> StepPolicy {
    // ecs-semantics §6.3: threshold 50 %, PercentChangeInCapacity.
    let steps = if scale_in {
        vec![
            StepAdjustment {
                lower: Some(-10.0),
                upper: Some(0.0),
                adjustment: 0,
            },
            StepAdjustment {
                lower: Some(-20.0),
                upper: Some(-10.0),
                adjustment: -10,
            },
            StepAdjustment {
                lower: None,
                upper: Some(-20.0),
                adjustment: -30,
            },
        ]
    } else {
        vec![
            StepAdjustment {
                lower: Some(0.0),
                upper: Some(10.0),
                adjustment: 0,
            },
            StepAdjustment {
                lower: Some(10.0),
                upper: Some(20.0),
                adjustment: 10,
            },
            StepAdjustment {
                lower: Some(20.0),
                upper: None,
                adjustment: 30,
            },
        ]
    };
    StepPolicy {
        name: if scale_in { "in" } else { "out" }.into(),
        metric: MetricName::CpuUtilization,
        alarm: Alarm {
            threshold: 50.0,
            comparison: if scale_in {
                Comparison::LessThan
            } else {
                Comparison::GreaterThan
            },
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
        },
        adjustment_type: AdjustmentType::PercentChangeInCapacity,
        steps,
        min_adjustment_magnitude: None,
        cooldown_ms: 0,
    }
}

#[test]
fn step_scaling_worked_example_of_the_documentation() {
    let out = worked_example_policy(false);
    let inn = worked_example_policy(true);
    // Capacity 10; metric 60 -> +10 % of 10 = 1 -> 11.
    assert_eq!(out.evaluate(&[Some(60.0)], 10).unwrap().0, 11);
    // Metric 70 -> +30 % of 11 = 3.3 -> 3 -> 14.
    assert_eq!(out.evaluate(&[Some(70.0)], 11).unwrap().0, 14);
    // Metric 40 -> -10 % of 14 = -1.4 -> -1 -> 13.
    assert_eq!(inn.evaluate(&[Some(40.0)], 14).unwrap().0, 13);
    // Metric 30 -> -30 % of 13 = -3.9 -> -3 -> 10.
    assert_eq!(inn.evaluate(&[Some(30.0)], 13).unwrap().0, 10);
    // Bounds: above the threshold the lower bound is inclusive (60 = 50 + 10 falls in
    // [10, 20)), below it the upper bound is inclusive (40 = 50 - 10 falls in (-20, -10]).
    assert_eq!(out.step_for(60.0).unwrap().adjustment, 10);
    assert_eq!(out.step_for(59.9).unwrap().adjustment, 0);
    assert_eq!(inn.step_for(40.0).unwrap().adjustment, -10);
    assert_eq!(inn.step_for(40.1).unwrap().adjustment, 0);
    // Not in alarm: nothing.
    assert!(out.evaluate(&[Some(45.0)], 10).is_none());
}

#[test]
fn percent_rounding_adjustment_types_and_min_magnitude() {
    assert_eq!(round_percent_adjustment(12.7), 12);
    assert_eq!(round_percent_adjustment(0.4), 1);
    assert_eq!(round_percent_adjustment(-0.4), -1);
    assert_eq!(round_percent_adjustment(-6.67), -6);
    assert_eq!(round_percent_adjustment(0.0), 0);
    // +25 % of 4 = 1, raised to 2 by MinAdjustmentMagnitude.
    assert_eq!(
        adjusted_capacity(4, AdjustmentType::PercentChangeInCapacity, 25, Some(2)),
        6
    );
    assert_eq!(
        adjusted_capacity(4, AdjustmentType::PercentChangeInCapacity, 25, None),
        5
    );
    assert_eq!(adjusted_capacity(4, AdjustmentType::ChangeInCapacity, -3, None), 1);
    assert_eq!(adjusted_capacity(4, AdjustmentType::ExactCapacity, 9, None), 9);
}

fn tt(metric: MetricName, target: f64, disable_scale_in: bool) -> TargetTrackingPolicy {
    TargetTrackingPolicy {
        metric,
        metric_period_ms: 60_000,
        target,
        scale_out_cooldown_ms: 300_000,
        scale_in_cooldown_ms: 300_000,
        disable_scale_in,
    }
}

fn cfg(policies: Vec<TargetTrackingPolicy>) -> ScalingConfig {
    ScalingConfig {
        min_capacity: 1,
        max_capacity: 100,
        target_tracking: policies,
        step: Vec::new(),
        scheduled: Vec::new(),
    }
}

fn eval(
    state: &mut ScalingState,
    c: &ScalingConfig,
    now_s: u64,
    running: u32,
    desired: u32,
    dps: &[Vec<Option<f64>>],
) -> Option<u32> {
    state
        .evaluate(
            c,
            &ecsim::aws::application_autoscaling::Inputs {
                now_ms: now_s * 1000,
                running,
                desired,
                datapoints: dps,
                deployment_in_progress: false,
            },
        )
        .map(|d| d.new_desired)
}

#[test]
fn target_tracking_needs_three_high_and_fifteen_low_datapoints() {
    let c = cfg(vec![tt(MetricName::CpuUtilization, 60.0, false)]);
    let mut s = ScalingState::new(&c);
    // Two datapoints above target: nothing yet; the third: ceil(4 x 90 / 60) = 6.
    assert_eq!(eval(&mut s, &c, 0, 4, 4, &[vec![Some(90.0); 2]]), None);
    assert_eq!(eval(&mut s, &c, 0, 4, 4, &[vec![Some(90.0); 3]]), Some(6));
    // Scale-in needs 15 datapoints below 90 % of the target (54); 14 are not enough.
    let mut s = ScalingState::new(&c);
    assert_eq!(eval(&mut s, &c, 0, 10, 10, &[vec![Some(30.0); 14]]), None);
    assert_eq!(eval(&mut s, &c, 0, 10, 10, &[vec![Some(30.0); 15]]), Some(5));
    // 55 is below target but above 54: no scale-in.
    let mut s = ScalingState::new(&c);
    assert_eq!(eval(&mut s, &c, 0, 10, 10, &[vec![Some(55.0); 15]]), None);
}

#[test]
fn cooldowns_are_asymmetric() {
    let c = cfg(vec![tt(MetricName::CpuUtilization, 50.0, false)]);
    let mut s = ScalingState::new(&c);
    let low = vec![vec![Some(20.0); 15]];
    let high = vec![vec![Some(100.0); 15]];
    // A scale-in starts the 300 s scale-in cooldown; another scale-in within it is blocked.
    assert_eq!(eval(&mut s, &c, 1000, 10, 10, &low), Some(4));
    assert_eq!(eval(&mut s, &c, 1100, 8, 8, &low), None);
    assert_eq!(eval(&mut s, &c, 1301, 8, 8, &low), Some(4), "after the cooldown");
    // A scale-out is never blocked by a scale-in cooldown, and cancels it.
    let mut s = ScalingState::new(&c);
    assert_eq!(eval(&mut s, &c, 1000, 10, 10, &low), Some(4));
    assert_eq!(eval(&mut s, &c, 1010, 4, 4, &high), Some(8));
    assert_eq!(
        eval(&mut s, &c, 1020, 8, 8, &low),
        Some(4),
        "the scale-in cooldown was cancelled"
    );
    // During a scale-out cooldown only a larger scale-out acts: "While the cooldown period
    // is in effect, the capacity added by the initiating scale-out activity is calculated as
    // part of the desired capacity for the next scale-out activity" (AAS API,
    // TargetTrackingScalingPolicyConfiguration). The base stays the 4 running at the start.
    let mut s = ScalingState::new(&c);
    assert_eq!(eval(&mut s, &c, 0, 4, 4, &high), Some(8));
    assert_eq!(
        eval(&mut s, &c, 60, 4, 8, &high),
        None,
        "running is still 4: same target, nothing added"
    );
    assert_eq!(
        eval(&mut s, &c, 120, 6, 8, &high),
        None,
        "6 running but the same 100 %: 4 x 100 / 50 = 8, not larger"
    );
    let higher = vec![vec![Some(150.0); 15]];
    assert_eq!(
        eval(&mut s, &c, 180, 6, 8, &higher),
        Some(12),
        "a larger scale-out goes ahead: ceil(4 x 150 / 50) = 12"
    );
    assert_eq!(
        eval(&mut s, &c, 181 + 300, 12, 12, &high),
        Some(24),
        "after the cooldown: from the running count again"
    );
}

#[test]
fn several_policies_any_scales_out_all_must_agree_to_scale_in() {
    let c = cfg(vec![
        tt(MetricName::CpuUtilization, 50.0, false),
        tt(MetricName::MemoryUtilization, 50.0, false),
    ]);
    let mut s = ScalingState::new(&c);
    let low = vec![Some(20.0); 15];
    let mid = vec![Some(50.0); 15];
    let high = vec![Some(75.0); 15];
    let higher = vec![Some(100.0); 15];
    assert_eq!(
        eval(&mut s, &c, 0, 10, 10, &[low.clone(), mid.clone()]),
        None,
        "memory does not agree"
    );
    assert_eq!(
        eval(&mut s, &c, 0, 10, 10, &[low.clone(), high.clone()]),
        Some(15),
        "any may scale out"
    );
    let mut s = ScalingState::new(&c);
    assert_eq!(
        eval(&mut s, &c, 0, 10, 10, &[high, higher]),
        Some(20),
        "the largest capacity wins"
    );
    let mut s = ScalingState::new(&c);
    assert_eq!(
        eval(&mut s, &c, 0, 10, 10, &[low.clone(), vec![Some(40.0); 15]]),
        Some(8),
        "both agree: the largest resulting capacity (ceil(10 x 40 / 50) = 8) wins"
    );
    // A policy with scale-in disabled does not vote.
    let c = cfg(vec![
        tt(MetricName::CpuUtilization, 50.0, false),
        tt(MetricName::MemoryUtilization, 50.0, true),
    ]);
    let mut s = ScalingState::new(&c);
    assert_eq!(eval(&mut s, &c, 0, 10, 10, &[low, mid]), Some(4));
}

#[test]
fn a_deployment_suspends_scale_in_but_not_scale_out() {
    let c = cfg(vec![tt(MetricName::CpuUtilization, 50.0, false)]);
    let run = |deploying: bool, value: f64| {
        let mut s = ScalingState::new(&c);
        s.evaluate(
            &c,
            &ecsim::aws::application_autoscaling::Inputs {
                now_ms: 0,
                running: 10,
                desired: 10,
                datapoints: &[vec![Some(value); 15]],
                deployment_in_progress: deploying,
            },
        )
        .map(|d| d.new_desired)
    };
    assert_eq!(run(false, 20.0), Some(4));
    assert_eq!(run(true, 20.0), None);
    assert_eq!(run(true, 100.0), Some(20));
}

#[test]
fn desired_count_is_clamped_into_min_and_max() {
    let mut c = cfg(vec![tt(MetricName::CpuUtilization, 50.0, false)]);
    c.max_capacity = 12;
    let mut s = ScalingState::new(&c);
    assert_eq!(
        eval(&mut s, &c, 0, 10, 10, &[vec![Some(100.0); 3]]),
        Some(12),
        "max caps scale-out"
    );
    c.min_capacity = 5;
    let mut s = ScalingState::new(&c);
    assert_eq!(
        eval(&mut s, &c, 0, 10, 10, &[vec![Some(5.0); 15]]),
        Some(5),
        "min floors scale-in"
    );
    // Below min with a scale-out alarm: jump to min first, then apply.
    let mut s = ScalingState::new(&c);
    assert_eq!(eval(&mut s, &c, 0, 2, 2, &[vec![Some(60.0); 3]]), Some(5));
}

fn events_of<'a>(ev: &'a [LogEvent], kind: &str) -> Vec<&'a LogEvent> {
    ev.iter().filter(|e| e.kind == kind).collect()
}

#[test]
fn nothing_happens_before_the_third_breaching_datapoint_in_a_run() {
    // Load steps from 100 to 400 rps at minute 10; 4 tasks of 100 rps capacity saturate.
    // Datapoints for minutes 10, 11 and 12 exist at 11, 12 and 13 min and are visible one
    // minute later (metric delay): the third is seen at 14 min = 840 s.
    let sc = scenario(
        r#"
[scenario]
duration = "30m"
[[instance_groups]]
name = "g"
instance_type = "m5.4xlarge"
count = 4
[[task_definitions]]
family = "w"
cpu = 512
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 4
load = { requests = { type = "steps", steps = [{ at = "0s", rps = 100 }, { at = "10m", rps = 400 }] }, task_capacity_rps = 100, cpu_idle_pct = 0 }
[services.auto_scaling]
min_capacity = 1
max_capacity = 50
target_tracking = [{ metric = "ECSServiceAverageCPUUtilization", target = 50, disable_scale_in = true }]
"#,
    );
    let (_, ev) = run_checked(&sc);
    let scaling = events_of(&ev, "SERVICE_SCALING");
    assert_eq!(scaling[0].time, SimTime::from_secs(840), "{}", scaling[0].detail);
    // 4 running at 100 % CPU against 50: ceil(4 x 100 / 50) = 8.
    assert!(scaling[0].detail.contains("scale out 4 -> 8"), "{}", scaling[0].detail);
}

#[test]
fn load_doubling_in_steps_is_followed_and_instances_come_only_after_tasks_wait() {
    // Each task serves 100 rps; load doubles at 20 and 60 minutes. The ASG provider starts with
    // one m5.large (4 tasks of 512 CPU units), so extra tasks must wait before CAS adds
    // instances.
    let sc = scenario(
        r#"
[scenario]
duration = "3h"
metrics_interval = "1m"
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 1
min_size = 1
max_size = 20
launch_latency = "90s"
[[capacity_providers]]
name = "asg"
instance_group = "asg"
managed_scaling = { target_capacity = 100 }
[cluster]
default_capacity_provider_strategy = [{ capacity_provider = "asg", weight = 1 }]
[[task_definitions]]
family = "w"
cpu = 512
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 2
load = { requests = { type = "steps", steps = [{ at = "0s", rps = 100 }, { at = "20m", rps = 200 }, { at = "60m", rps = 400 }, { at = "100m", rps = 800 }] }, task_capacity_rps = 100, cpu_idle_pct = 0 }
[services.auto_scaling]
min_capacity = 2
max_capacity = 40
target_tracking = [{ metric = "ECSServiceAverageCPUUtilization", target = 60, disable_scale_in = true }]
"#,
    );
    let (r, ev) = run_checked(&sc);
    let scaling = events_of(&ev, "SERVICE_SCALING");
    // The first step (20 min) is acted on 4 minutes later: 3 datapoints plus 1 minute delay.
    assert_eq!(scaling[0].time, SimTime::from_secs(24 * 60), "{}", scaling[0].detail);
    // The service ends at ceil(800 / 60) = 14 tasks, all running.
    let w = &r.summary.services[0];
    assert!(w.desired_count >= 14, "desired {}", w.desired_count);
    assert_eq!(w.running_at_end, w.desired_count);
    // Every increase of the provider's desired capacity follows a minute with waiting tasks.
    let col = |n: &str| r.metrics.columns.iter().position(|c| c == n).unwrap();
    let (waiting, desired) = (col("tasks_waiting"), col("provider.asg.desired"));
    let rows = &r.metrics.rows;
    let mut launches = 0;
    for k in 1..rows.len() {
        let (before, after) = (rows[k - 1][desired].render(), rows[k][desired].render());
        if after.parse::<u32>().unwrap() > before.parse::<u32>().unwrap() {
            launches += 1;
            let waited = rows[k - 1][waiting].render() != "0" || rows[k][waiting].render() != "0";
            assert!(waited, "provider scaled out at row {k} with no task waiting");
        }
    }
    assert!(launches >= 2, "the cluster had to grow");
    assert!(events_of(&ev, "CAPACITY_PROVIDER_SCALE_OUT")[0].time > scaling[0].time);
}

#[test]
fn scale_out_from_zero_launches_two_instances() {
    let sc = ecsim::scenario::load(std::path::Path::new("scenarios/batch-scale-from-zero.toml")).unwrap();
    let (r, ev) = run_checked(&sc);
    let first = events_of(&ev, "CAPACITY_PROVIDER_SCALE_OUT")[0];
    assert!(
        first.detail.contains("CapacityProviderReservation 200.0"),
        "{}",
        first.detail
    );
    assert!(first.detail.contains("desired 0 -> 2"), "{}", first.detail);
    assert_eq!(
        first.time,
        SimTime::from_secs(1800),
        "the first rate(30 minutes) submission"
    );
    // Two launches at that instant, none before.
    let launched: Vec<_> = events_of(&ev, "INSTANCE_LAUNCHED");
    assert_eq!(launched.iter().filter(|e| e.time == first.time).count(), 2);
    assert!(launched.iter().all(|e| e.time >= first.time));
    // The next scale-out waits for the 300 s instance warm-up, although tasks wait earlier.
    let second = events_of(&ev, "CAPACITY_PROVIDER_SCALE_OUT")[1];
    assert_eq!(second.time, SimTime::from_secs(1800 + 300), "{}", second.detail);
    // Scheduled submissions every 30 minutes of 10 tasks each: 6 in 3 h (the last at 3 h).
    assert_eq!(r.summary.tasks_submitted, 60);
    // When the work is done the group scales back in and the instances terminate.
    assert!(r.summary.instances_terminated > 0);
}

#[test]
fn base_and_weight_split_tasks_between_fargate_and_fargate_spot() {
    let sc = scenario(
        r#"
[cluster]
default_capacity_provider_strategy = [
  { capacity_provider = "FARGATE", base = 2, weight = 1 },
  { capacity_provider = "FARGATE_SPOT", weight = 3 },
]
[[task_definitions]]
family = "w"
network_mode = "awsvpc"
cpu = 256
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 18
"#,
    );
    let (r, ev) = run_checked(&sc);
    let placed: Vec<_> = events_of(&ev, "TASK_PLACED");
    let od = placed.iter().filter(|e| e.instance_type == "FARGATE").count();
    let spot = placed.iter().filter(|e| e.instance_type == "FARGATE_SPOT").count();
    // Base 2 on FARGATE, then 16 split 1:3.
    assert_eq!((od, spot), (2 + 4, 12));
    assert_eq!(r.summary.services[0].running_at_end, 18);
    // Spread over the three AZs: 6 each.
    for az in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        assert_eq!(placed.iter().filter(|e| e.availability_zone == az).count(), 6, "{az}");
    }
}

#[test]
fn fargate_sizes_are_validated_with_the_list_of_valid_ones() {
    let e = errors(
        "f.toml",
        r#"
[[task_definitions]]
family = "w"
network_mode = "awsvpc"
cpu = 256
memory = 4096
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
launch_type = "FARGATE"
"#,
    );
    assert!(
        e.contains("4096 MiB is not valid with 256 CPU units on Fargate; valid memory values (MiB): 512, 1024, 2048"),
        "{e}"
    );
    let e = errors(
        "f.toml",
        r#"
[[task_definitions]]
family = "w"
cpu = 256
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 1
launch_type = "FARGATE"
"#,
    );
    assert!(e.contains("network_mode is not awsvpc"), "{e}");
}

#[test]
fn fargate_bills_per_second_with_a_one_minute_minimum() {
    // One 10-second task and one 10-minute task of 1 vCPU / 2 GB, with no start latency.
    let sc = scenario(
        r#"
[scenario]
duration = "1h"
[fargate]
pending = "0s"
[lifecycle]
awsvpc_provisioning = "0s"
[[task_definitions]]
family = "short"
network_mode = "awsvpc"
cpu = 1024
memory = 2048
[[batch_jobs]]
name = "short"
task_definition = "short"
launch_type = "FARGATE"
arrivals = { type = "schedule", schedule = "at(2024-01-01T00:10:00)" }
task_duration = "10s"
[[batch_jobs]]
name = "long"
task_definition = "short"
launch_type = "FARGATE"
arrivals = { type = "schedule", schedule = "at(2024-01-01T00:20:00)" }
task_duration = "10m"
"#,
    );
    let (r, _) = run_checked(&sc);
    let hourly = 0.04048 + 2.0 * 0.004445;
    let expected = hourly / 60.0 + hourly * 10.0 / 60.0;
    assert!(
        (r.summary.cost_fargate_usd - expected).abs() < 1e-4,
        "{} vs {expected}",
        r.summary.cost_fargate_usd
    );
    assert_eq!(r.summary.cost_ec2_usd, 0.0);
}

#[test]
fn fargate_bills_whole_seconds_and_ephemeral_storage_above_twenty_gib() {
    // ecs-semantics §4.3: Fargate is "billed per second with a 1-minute minimum", from the
    // image download until the task terminates, "rounded up to the nearest second" (Fargate
    // pricing page); §4.2: ephemeral storage is "configurable up to 200 GiB ... Storage above
    // 20 GB is billed" at $0.000111 per GB-hour. A 90.5 s task (0.5 s image pull included)
    // of 1 vCPU / 2 GB with 60 GiB pays 91 s of compute plus 40 GB of storage.
    let sc = scenario(
        r#"
[scenario]
duration = "1h"
[fargate]
pending = "500ms"
[lifecycle]
awsvpc_provisioning = "0s"
[[task_definitions]]
family = "big-disk"
network_mode = "awsvpc"
cpu = 1024
memory = 2048
ephemeral_storage = { size_in_gib = 60 }
[[batch_jobs]]
name = "j"
task_definition = "big-disk"
launch_type = "FARGATE"
arrivals = { type = "schedule", schedule = "at(2024-01-01T00:10:00)" }
task_duration = "90s"
"#,
    );
    assert_eq!(sc.task_definitions[0].ephemeral_storage_gib, 60);
    let (r, _) = run_checked(&sc);
    let hourly = 0.04048 + 2.0 * 0.004445 + 40.0 * 0.000111;
    let expected = hourly * 91.0 / 3600.0;
    assert!(
        (r.summary.cost_fargate_usd - expected).abs() < 1e-9,
        "{} vs {expected}",
        r.summary.cost_fargate_usd
    );
    // The API's range: "The minimum supported value is 21 GiB and the maximum supported
    // value is 200 GiB" (ECS API EphemeralStorage).
    let e = errors(
        "t.toml",
        "[[task_definitions]]\nfamily = \"x\"\nmemory = 512\nephemeral_storage = { size_in_gib = 300 }\n",
    );
    assert!(e.contains("task_definitions[0].ephemeral_storage.size_in_gib"), "{e}");
}

#[test]
fn ec2_bills_each_instance_from_launch_with_a_sixty_second_minimum() {
    let sc = scenario(
        r#"
[scenario]
duration = "30s"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "t"
memory = 128
[[services]]
name = "s"
task_definition = "t"
desired_count = 1
"#,
    );
    let (r, _) = run_checked(&sc);
    // Two m5.large for 30 s, billed 60 s each at $0.096 per hour.
    assert!(
        (r.summary.cost_usd - 2.0 * 0.096 / 60.0).abs() < 1e-9,
        "{}",
        r.summary.cost_usd
    );
}

#[test]
fn tasks_waiting_for_capacity_time_out_of_provisioning() {
    // The group may not grow (max 1): tasks that do not fit wait, then stop after 20 minutes.
    let sc = scenario(
        r#"
[scenario]
duration = "1h"
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 1
max_size = 1
[[capacity_providers]]
name = "asg"
instance_group = "asg"
managed_scaling = { target_capacity = 100 }
[[task_definitions]]
family = "big"
memory = 3000
[[batch_jobs]]
name = "b"
task_definition = "big"
arrivals = { type = "schedule", schedule = "at(2024-01-01T00:01:00)" }
count = 4
task_duration = "2h"
capacity_provider_strategy = [{ capacity_provider = "asg", weight = 1 }]
"#,
    );
    let (r, ev) = run_checked(&sc);
    let stopped: Vec<_> = ev
        .iter()
        .filter(|e| e.kind == "TASK_STOPPED" && e.detail.contains("PROVISIONING"))
        .collect();
    assert_eq!(stopped.len(), 2, "two of four fit the one instance");
    assert!(stopped.iter().all(|e| e.time == SimTime::from_secs(60 + 20 * 60)));
    assert_eq!(r.summary.tasks_failed, 2);
}

#[test]
fn scheduled_actions_follow_the_time_zone() {
    let sc = ecsim::scenario::load(std::path::Path::new("scenarios/scheduled-business-hours.toml")).unwrap();
    let (_, ev) = run_checked(&sc);
    let actions: Vec<_> = events_of(&ev, "SCHEDULED_ACTION");
    // Friday 2024-03-08 07:45 EST = 12:45 UTC; Monday 2024-03-11 07:45 EDT = 11:45 UTC.
    assert_eq!(actions[0].time, SimTime::from_secs(12 * 3600 + 45 * 60));
    assert!(actions[0].detail.contains("morning"));
    let mondays: Vec<_> = actions.iter().filter(|e| e.detail.contains("morning")).collect();
    assert_eq!(mondays[1].time, SimTime::from_secs(3 * 86_400 + 11 * 3600 + 45 * 60));
    assert!(
        actions[0].detail.contains("desired") && actions[0].detail.ends_with("-> 8"),
        "{}",
        actions[0].detail
    );
}

#[test]
fn the_azure_request_traces_drive_load_as_they_are() {
    // CI runs with ../shared beside the checkout; a user's clone may not have it.
    let dir = std::path::Path::new("../shared/data/traces");
    if !dir.is_dir() {
        eprintln!("skipped: {} is not present", dir.display());
        return;
    }
    let text = |kind: &str, file: &str| {
        format!(
            r#"
[scenario]
duration = "58m"
[[instance_groups]]
name = "g"
instance_type = "m5.4xlarge"
count = 4
[[task_definitions]]
family = "w"
cpu = 512
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 8
load = {{ requests = {{ type = "{kind}", file = "{file}", repeat = false }}, task_capacity_rps = 1 }}
"#
        )
    };
    let run = |kind: &str, file: &str| {
        let sc =
            ecsim::scenario::parse_str("azure.toml", &text(kind, file), dir, "azure").unwrap_or_else(|d| panic!("{d}"));
        run_checked(&sc).0.summary
    };
    // Per-minute counts and the per-request file binned into minutes give the same requests.
    let per_minute = run("trace_per_minute", "azure_llm2023_conv_requests_per_minute.csv");
    let per_request = run("trace_requests", "azure_llm2023_conv_requests.csv");
    assert!(per_minute.requests_total > 10_000.0, "{}", per_minute.requests_total);
    assert_eq!(per_minute.requests_total, per_request.requests_total);
    // The bursty code trace (peaks of 632 a minute) overloads 8 tasks of 1 rps (480 a minute) some minutes.
    let code = run("trace_per_minute", "azure_llm2023_code_requests_per_minute.csv");
    assert!(code.requests_over_capacity > 0.0);
}

#[test]
fn the_provisioning_quota_caps_tasks_waiting_for_capacity() {
    let sc = scenario(
        r#"
[scenario]
duration = "10m"
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 0
min_size = 0
max_size = 0
[[capacity_providers]]
name = "asg"
instance_group = "asg"
managed_scaling = { target_capacity = 100 }
[cluster]
provisioning_cap = 5
[[task_definitions]]
family = "t"
memory = 512
[[services]]
name = "s"
task_definition = "t"
desired_count = 12
capacity_provider_strategy = [{ capacity_provider = "asg", weight = 1 }]
"#,
    );
    let (r, _) = run_checked(&sc);
    // No instance can ever start; only 5 tasks may wait in PROVISIONING at once.
    let col = r.metrics.columns.iter().position(|c| c == "tasks_waiting").unwrap();
    assert!(r
        .metrics
        .rows
        .iter()
        .all(|row| row[col].render().parse::<u32>().unwrap() <= 5));
    assert_eq!(r.summary.tasks_waiting_at_end, 5);
}

/// One m5.large behind a managed-scaling provider, a service of 8 small tasks whose
/// definition and constraints are `extra` (TOML lines of the task definition and service).
fn one_task_per_instance_scenario(definition_extra: &str, service_extra: &str) -> ecsim::scenario::Scenario {
    scenario(&format!(
        r#"
[scenario]
duration = "40m"
metrics_interval = "1m"
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 1
min_size = 1
max_size = 10
launch_latency = "90s"
[[capacity_providers]]
name = "asg"
instance_group = "asg"
managed_scaling = {{ target_capacity = 100 }}
managed_termination_protection = true
[cluster]
default_capacity_provider_strategy = [{{ capacity_provider = "asg", weight = 1 }}]
[[task_definitions]]
family = "w"
cpu = 256
memory = 512
{definition_extra}
[[services]]
name = "w"
task_definition = "w"
desired_count = 8
{service_extra}
"#
    ))
}

#[test]
fn managed_scaling_binpack_counts_host_ports_and_distinct_instance() {
    // ecs-semantics §3.3 step 4: "compute the instances needed with a binpack simulation
    // (vCPU, memory, ENI, ports, GPU)", and step 5: M = N + min(maximumScalingStepSize,
    // maxCalc). Eight tasks that need an instance each, one already placed: maxCalc = 7,
    // M = 8, CPR = 800 and the desired capacity ceil(8 x 100 / 100) = 8 in one step.
    let port = "network_mode = \"bridge\"\ncontainer_definitions = [{ name = \"app\", port_mappings = [{ container_port = 80, host_port = 80 }] }]";
    let distinct = "placement_constraints = [{ type = \"distinctInstance\" }]";
    for (what, sc) in [
        ("static host port", one_task_per_instance_scenario(port, "")),
        ("distinctInstance", one_task_per_instance_scenario("", distinct)),
    ] {
        let (r, ev) = run_checked(&sc);
        let first = events_of(&ev, "CAPACITY_PROVIDER_SCALE_OUT")[0];
        assert!(first.detail.contains("desired 1 -> 8"), "{what}: {}", first.detail);
        // At the first CPR publication (minute 1). instanceWarmupPeriod is "the period of
        // time, in seconds, after a newly launched Amazon EC2 instance can contribute to
        // CloudWatch metrics" (ECS API ManagedScaling): an instance in service when the run
        // starts is not newly launched and holds no scale-out back (issue 9 item 9).
        assert_eq!(first.time, SimTime::from_secs(60), "{what}");
        assert_eq!(r.summary.services[0].running_at_end, 8, "{what}");
        assert_eq!(r.summary.instances, 8, "{what}");
    }
}

#[test]
fn managed_scaling_ignores_tasks_no_instance_of_the_group_can_host() {
    // ecs-semantics §3.3 step 3: a task group that cannot run on the group's instances is
    // "not compatible" and is excluded: "It stays PROVISIONING and causes no scale-out." An
    // m5.large group never satisfies a memberOf on r5 instance types.
    let sc = one_task_per_instance_scenario(
        "",
        "placement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type =~ r5.*\" }]",
    );
    let (r, ev) = run_checked(&sc);
    assert!(events_of(&ev, "CAPACITY_PROVIDER_SCALE_OUT").is_empty());
    assert_eq!(r.summary.instances, 1);
    assert_eq!(r.summary.services[0].running_at_end, 0);
}

#[test]
fn the_daemon_task_starts_first_on_every_instance_scale_out_adds() {
    // ecs-semantics §2.8 (DG ecs_services): "ECS reserves the daemon's CPU, memory and ENI on
    // every qualifying instance. The daemon task is the first to start and the last to stop
    // on an instance ... When new instances join, a daemon task is added." A replica service
    // and a batch queue both wait for capacity; each new m5.large must get its daemon task at
    // the instant it registers, before either of them fills it.
    let sc = scenario(
        r#"
[scenario]
duration = "1h"
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 0
min_size = 0
max_size = 6
launch_latency = "90s"
[[capacity_providers]]
name = "asg"
instance_group = "asg"
managed_scaling = { target_capacity = 100, maximum_scaling_step_size = 6 }
managed_termination_protection = true
[cluster]
default_capacity_provider_strategy = [{ capacity_provider = "asg", weight = 1 }]
[[task_definitions]]
family = "w"
cpu = 1024
memory = 1024
[[task_definitions]]
family = "agent"
cpu = 512
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 4
[[batch_jobs]]
name = "b"
task_definition = "w"
arrivals = { type = "schedule", schedule = "rate(10 minutes)" }
count = 4
task_duration = { type = "constant", value = "30m" }
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
launch_type = "EC2"
"#,
    );
    let (_, ev) = run_checked(&sc);
    let registered = events_of(&ev, "INSTANCE_REGISTERED");
    assert!(registered.len() >= 2, "the cluster scaled out");
    for r in &registered {
        // The first placement on the instance is the daemon's, at registration.
        let first = ev
            .iter()
            .find(|e| e.kind == "TASK_PLACED" && e.instance == r.instance)
            .expect("something is placed on a new instance");
        assert_eq!(first.group, "service:agent", "{}: {}", r.instance, first.detail);
        assert_eq!(first.time, r.time);
    }
    assert!(
        events_of(&ev, "SERVICE_TASK_PLACEMENT_FAILURE")
            .iter()
            .all(|e| !e.detail.contains("daemon")),
        "the daemon always found room"
    );
}

#[test]
fn twenty_second_metrics_scale_out_in_eighty_seconds_instead_of_four_minutes() {
    // ECS developer guide, faster auto scaling with high-resolution metrics: "By default,
    // Amazon ECS publishes CPUUtilization and MemoryUtilization metrics at 60-second
    // resolution. You can configure 20-second resolution to drive faster service auto
    // scaling." ecs-semantics §6.2: scale-out on 3 of 3 datapoints above the target, seen
    // after the metric delay (1 period, I). Load steps from 100 to 400 rps at 20 minutes:
    // with 60-second datapoints the third one above the target closes at 23:00 and is seen
    // at 24:00 (4 minutes); with 20-second datapoints at 21:00 and 21:20 (80 s).
    let text = |period: &str| {
        format!(
            r#"
[scenario]
duration = "40m"
[[instance_groups]]
name = "g"
instance_type = "m5.4xlarge"
count = 2
[[task_definitions]]
family = "w"
cpu = 512
memory = 512
[[services]]
name = "w"
task_definition = "w"
desired_count = 2
load = {{ requests = {{ type = "steps", steps = [{{ at = "0s", rps = 100 }}, {{ at = "20m", rps = 400 }}] }}, task_capacity_rps = 100, cpu_idle_pct = 0 }}
[services.auto_scaling]
min_capacity = 2
max_capacity = 20
target_tracking = [{{ metric = "ECSServiceAverageCPUUtilization", target = 50, metric_period = "{period}" }}]
"#
        )
    };
    let first_scale_out = |period: &str| {
        let (_, ev) = run_checked(&scenario(&text(period)));
        let s = events_of(&ev, "SERVICE_SCALING");
        assert!(s[0].detail.contains("scale out"), "{}", s[0].detail);
        s[0].time
    };
    assert_eq!(first_scale_out("60s"), SimTime::from_secs(24 * 60));
    assert_eq!(first_scale_out("20s"), SimTime::from_secs(20 * 60 + 80));
    // Request counts have no 20-second form, and one target keeps one period.
    let e = errors(
        "t.toml",
        &text("20s").replace("ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"),
    );
    assert!(
        e.contains("ALBRequestCountPerTarget has no 20-second resolution"),
        "{e}"
    );
    let mixed = text("20s").replace(
        "metric_period = \"20s\" }]",
        "metric_period = \"20s\" }, { metric = \"ECSServiceAverageMemoryUtilization\", target = 50 }]",
    );
    assert!(errors("t.toml", &mixed).contains("differs from the first policy's (20 s)"));
}

#[test]
fn a_scheduled_scale_out_is_followed_by_a_new_steady_state() {
    // A scheduled action changes the desired count through UpdateService like a policy does;
    // ECS reports "service X has reached a steady state" when the service "is healthy and at
    // the desired number of tasks" (ECS service event messages), so after the morning action
    // raises desired from 4 to 8 the service reports steady state again once 8 run.
    let sc = ecsim::scenario::load(std::path::Path::new("scenarios/scheduled-business-hours.toml")).unwrap();
    let (_, ev) = run_checked(&sc);
    let raised = events_of(&ev, "SCHEDULED_ACTION")
        .into_iter()
        .find(|e| e.detail.contains("desired 4 -> 8"))
        .expect("the morning action raises desired");
    let steady_after = ev
        .iter()
        .find(|e| e.kind == "SERVICE_STEADY_STATE" && e.time > raised.time)
        .expect("a steady state after the scale-out");
    // The new tasks take the 10 s of PENDING to run.
    assert_eq!(steady_after.time, raised.time + 10_000);
}
