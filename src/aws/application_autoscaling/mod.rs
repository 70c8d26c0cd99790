//! Application Auto Scaling: scalable targets (a service's desired count between min and
//! max), target tracking, step and scheduled policies, and cooldowns (ecs-semantics §6).
//!
//! It reads alarms and datapoints from CloudWatch and answers with a new desired count; it
//! knows nothing about tasks or instances. Where the target-tracking cooldowns are applied:
//! `scalable_target.rs`; the alarms a target-tracking policy creates: `target_tracking.rs`.

mod explain;
pub mod scalable_target;
pub mod schedule;
pub mod step;
pub mod target_tracking;

pub use crate::aws::cloudwatch::{Alarm, Comparison, MetricSeries};
pub use scalable_target::{Decision, Inputs, ScalingConfig, ScalingState, ScheduledAction};
pub use schedule::Schedule;
pub use step::{AdjustmentType, StepAdjustment, StepPolicy};
pub use target_tracking::{MetricName, TargetTrackingPolicy};

use crate::aws::cloudwatch::{CloudWatch, MetricKey};
use crate::aws::ecs::model::ServiceId;
use crate::engine::SimTime;
use crate::explain::ScalingEvaluation;

/// A scalable target: its configuration and the state of its policies.
struct ScalableTarget {
    config: ScalingConfig,
    state: ScalingState,
}

/// The service: one optional scalable target per ECS service, by service index.
#[derive(Default)]
pub struct ApplicationAutoScaling {
    targets: Vec<Option<ScalableTarget>>,
}

/// What a scheduled action did.
pub struct ScheduledOutcome {
    pub name: String,
    pub min_capacity: u32,
    pub max_capacity: u32,
    pub new_desired: u32,
}

/// What the service knows of a scalable target when it evaluates it.
pub struct TargetView {
    pub now: SimTime,
    pub running: u32,
    pub desired: u32,
    /// Scale-in is suspended while the service is deploying.
    pub deployment_in_progress: bool,
}

impl ApplicationAutoScaling {
    /// Registers the next service (in scenario order), with or without a scalable target.
    pub fn register(&mut self, config: Option<ScalingConfig>) {
        self.targets.push(config.map(|config| ScalableTarget {
            state: ScalingState::new(&config),
            config,
        }));
    }

    fn target(&self, s: ServiceId) -> Option<&ScalableTarget> {
        self.targets.get(s.0 as usize).and_then(Option::as_ref)
    }

    pub fn has_target(&self, s: ServiceId) -> bool {
        self.target(s).is_some()
    }

    /// How often the service's target is evaluated (`None` without a target).
    pub fn evaluation_period_ms(&self, s: ServiceId) -> Option<u64> {
        self.target(s).map(|t| t.config.evaluation_period_ms())
    }

    /// Registering a scalable target clamps the desired count into [min, max].
    pub fn clamp_at_registration(&self, s: ServiceId, desired: u32) -> u32 {
        match self.target(s) {
            Some(t) => desired.clamp(t.config.min_capacity, t.config.max_capacity.max(t.config.min_capacity)),
            None => desired,
        }
    }

    /// The scheduled actions of a service's target (none without one).
    pub fn scheduled_actions(&self, s: ServiceId) -> &[ScheduledAction] {
        self.target(s).map_or(&[], |t| &t.config.scheduled)
    }

    /// The target of a target-tracking policy on `metric`, if the service has one.
    pub fn tracked_target(&self, s: ServiceId, metric: MetricName) -> Option<f64> {
        self.target(s)?
            .config
            .target_tracking
            .iter()
            .find(|p| p.metric == metric)
            .map(|p| p.target)
    }

    /// A scheduled action sets min and/or max and clamps the desired count; cooldowns do not
    /// apply. `None` when the service has no scalable target.
    pub fn run_scheduled_action(&mut self, s: ServiceId, action: usize, desired: u32) -> Option<ScheduledOutcome> {
        let t = self.targets.get_mut(s.0 as usize)?.as_mut()?;
        let a = &t.config.scheduled[action];
        let new_desired = t.state.apply_scheduled(a, desired);
        Some(ScheduledOutcome {
            name: a.name.clone(),
            min_capacity: t.state.min_capacity,
            max_capacity: t.state.max_capacity,
            new_desired,
        })
    }

    /// One evaluation of every dynamic policy of the service's target on the datapoints
    /// CloudWatch shows now. With `explain`, also what the evaluation looked like.
    pub fn evaluate(
        &mut self,
        s: ServiceId,
        cloudwatch: &CloudWatch,
        view: &TargetView,
        explain: bool,
    ) -> (Option<Decision>, Option<ScalingEvaluation>) {
        let Some(t) = self.targets.get_mut(s.0 as usize).and_then(Option::as_mut) else {
            return (None, None);
        };
        let cfg = &t.config;
        let mut datapoints: Vec<Vec<Option<f64>>> = Vec::new();
        for p in &cfg.target_tracking {
            let key = if p.metric_period_ms == target_tracking::HIGH_RESOLUTION_PERIOD_MS {
                MetricKey::ServiceHighResolution(s, p.metric)
            } else {
                MetricKey::Service(s, p.metric)
            };
            datapoints.push(
                cloudwatch
                    .visible_datapoints(key, target_tracking::SCALE_IN_DATAPOINTS as usize)
                    .to_vec(),
            );
        }
        for p in &cfg.step {
            let key = MetricKey::Service(s, p.metric);
            datapoints.push(
                cloudwatch
                    .visible_datapoints(key, p.alarm.evaluation_periods as usize)
                    .to_vec(),
            );
        }
        let inputs = Inputs {
            now_ms: view.now.as_ms(),
            running: view.running,
            desired: view.desired,
            datapoints: &datapoints,
            deployment_in_progress: view.deployment_in_progress,
        };
        let before = explain.then(|| t.state.clone());
        let decision = t.state.evaluate(cfg, &inputs);
        let evaluation = before.map(|b| explain::scaling_evaluation(cfg, &b, &inputs, decision.as_ref(), view.now));
        (decision, evaluation)
    }
}

/// The service on its own: datapoint sequences in, desired counts out, no cluster at all.
#[cfg(test)]
mod tests {
    use super::*;

    const SVC: ServiceId = ServiceId(0);
    const CPU: MetricKey = MetricKey::Service(SVC, MetricName::CpuUtilization);
    const MINUTE: u64 = 60_000;

    fn target_tracking(target: f64, scale_in_cooldown_ms: u64) -> ScalingConfig {
        ScalingConfig {
            min_capacity: 1,
            max_capacity: 100,
            target_tracking: vec![TargetTrackingPolicy {
                metric: MetricName::CpuUtilization,
                metric_period_ms: 60_000,
                target,
                scale_out_cooldown_ms: 300_000,
                scale_in_cooldown_ms,
                disable_scale_in: false,
            }],
            step: vec![],
            scheduled: vec![],
        }
    }

    fn service(config: ScalingConfig) -> (ApplicationAutoScaling, CloudWatch) {
        let mut aas = ApplicationAutoScaling::default();
        aas.register(Some(config));
        (aas, CloudWatch::new(0))
    }

    fn view(minute: u64, running: u32, desired: u32) -> TargetView {
        TargetView {
            now: SimTime(minute * MINUTE),
            running,
            desired,
            deployment_in_progress: false,
        }
    }

    /// Feeds `values` one per minute from `from_minute`, evaluating after each; returns the
    /// minute and new desired count of every decision, with running = desired throughout.
    fn play(
        aas: &mut ApplicationAutoScaling,
        cw: &mut CloudWatch,
        from_minute: u64,
        values: &[f64],
        desired: &mut u32,
    ) -> Vec<(u64, u32)> {
        let mut out = Vec::new();
        for (k, v) in values.iter().enumerate() {
            let minute = from_minute + k as u64;
            cw.put_metric_data(CPU, Some(*v));
            let (d, _) = aas.evaluate(SVC, cw, &view(minute, *desired, *desired), false);
            if let Some(d) = d {
                *desired = d.new_desired;
                out.push((minute, d.new_desired));
            }
        }
        out
    }

    #[test]
    fn target_tracking_scales_out_on_three_of_three_datapoints_above_the_target() {
        // ecs-semantics §6.2: "for a target of 30%, the alarms are `> 30 for 3 datapoints
        // within 3 minutes` (scale out)"; new = ceil(running x metric / target).
        let (mut aas, mut cw) = service(target_tracking(30.0, 300_000));
        let mut desired = 4;
        let none = play(&mut aas, &mut cw, 1, &[45.0, 45.0, 20.0, 45.0, 45.0], &mut desired);
        assert!(none.is_empty(), "two datapoints above, then one below: {none:?}");
        let out = play(&mut aas, &mut cw, 6, &[45.0], &mut desired);
        // ceil(4 x 45 / 30) = 6.
        assert_eq!(out, vec![(6, 6)]);
    }

    #[test]
    fn target_tracking_scales_in_on_fifteen_of_fifteen_below_ninety_percent() {
        // ecs-semantics §6.2: "`< 27 for 15 datapoints within 15 minutes` (scale in)" for a
        // target of 30.
        let (mut aas, mut cw) = service(target_tracking(30.0, 300_000));
        let mut desired = 10;
        // 27 itself is not below 27: fourteen datapoints at 15, one at 27.
        let mut values = vec![15.0; 14];
        values.push(27.0);
        assert!(play(&mut aas, &mut cw, 1, &values, &mut desired).is_empty());
        // From here the last 15 datapoints include the 27 until it leaves the window.
        let out = play(&mut aas, &mut cw, 16, &[15.0; 15], &mut desired);
        // ceil(10 x 15 / 30) = 5, at the minute the 27 drops out of the 15-minute window.
        assert_eq!(out.first(), Some(&(30, 5)));
    }

    /// A CPU policy and a memory policy on one service; `memory_scale_in` false disables
    /// the memory policy's scale-in.
    fn cpu_and_memory(memory_scale_in: bool) -> ScalingConfig {
        let mut cfg = target_tracking(50.0, 0);
        cfg.target_tracking.push(TargetTrackingPolicy {
            metric: MetricName::MemoryUtilization,
            metric_period_ms: 60_000,
            target: 50.0,
            scale_out_cooldown_ms: 300_000,
            scale_in_cooldown_ms: 0,
            disable_scale_in: !memory_scale_in,
        });
        cfg
    }

    const MEMORY: MetricKey = MetricKey::Service(SVC, MetricName::MemoryUtilization);

    #[test]
    fn a_policy_with_scale_in_disabled_neither_blocks_nor_performs_scale_in() {
        // ecs-semantics §0 rule 13: "It scales in only if *all* target-tracking policies that
        // have scale-in enabled agree." AAS API TargetTrackingScalingPolicyConfiguration,
        // DisableScaleIn: "If the value is true, scale in is disabled and the target tracking
        // policy won't remove capacity from the scalable target."
        //
        // Both low: only the CPU policy has scale-in enabled, so its vote alone decides:
        // ceil(8 x 10 / 50) = 2 after 15 of 15 datapoints below 45.
        let (mut aas, mut cw) = service(cpu_and_memory(false));
        for _ in 0..15 {
            cw.put_metric_data(CPU, Some(10.0));
            cw.put_metric_data(MEMORY, Some(10.0));
        }
        let d = aas.evaluate(SVC, &cw, &view(15, 8, 8), false).0;
        assert_eq!(d.map(|d| d.new_desired), Some(2));

        // Only the disabled policy low (CPU at its target): the disabled one "won't remove
        // capacity", and the enabled one does not ask: no scale-in, and explain says why.
        let (mut aas, mut cw) = service(cpu_and_memory(false));
        for _ in 0..15 {
            cw.put_metric_data(CPU, Some(50.0));
            cw.put_metric_data(MEMORY, Some(10.0));
        }
        let (d, why) = aas.evaluate(SVC, &cw, &view(15, 8, 8), true);
        assert!(d.is_none(), "{d:?}");
        let why = why.expect("a policy is in alarm").decision;
        assert!(why.contains("scale-in disabled"), "{why}");

        // Both enabled, only one low: no scale-in (all enabled policies must agree).
        let (mut aas, mut cw) = service(cpu_and_memory(true));
        for _ in 0..15 {
            cw.put_metric_data(CPU, Some(50.0));
            cw.put_metric_data(MEMORY, Some(10.0));
        }
        assert!(aas.evaluate(SVC, &cw, &view(15, 8, 8), false).0.is_none());
    }

    #[test]
    fn during_the_scale_out_cooldown_the_capacity_already_added_counts() {
        // AAS API TargetTrackingScalingPolicyConfiguration, ScaleOutCooldown: "The scaling
        // policy won't increase the desired capacity again unless either a larger scale out
        // is triggered or the cooldown period ends. While the cooldown period is in effect,
        // the capacity added by the initiating scale-out activity is calculated as part of
        // the desired capacity for the next scale-out activity."
        //
        // Target 50, 3 tasks at 100 %: ceil(3 x 100 / 50) = 6. The next datapoints still show
        // 100 % (measured before the new tasks took load) while 6 run.
        let run = |cooldown_ms: u64, later: &[f64]| {
            let mut cfg = target_tracking(50.0, 300_000);
            cfg.target_tracking[0].scale_out_cooldown_ms = cooldown_ms;
            let (mut aas, mut cw) = service(cfg);
            let mut desired = 3;
            let mut out = Vec::new();
            for (k, v) in [100.0, 100.0, 100.0].iter().chain(later).enumerate() {
                let minute = k as u64 + 1;
                cw.put_metric_data(CPU, Some(*v));
                let running = if minute <= 3 { 3 } else { desired };
                if let (Some(d), _) = aas.evaluate(SVC, &cw, &view(minute, running, desired), false) {
                    desired = d.new_desired;
                    out.push((minute, desired));
                }
            }
            out
        };
        // Default 300 s: the same 100 % computed from the 3 the cooldown began with is 6
        // again, not larger: no second scale-out inside the cooldown.
        assert_eq!(run(300_000, &[100.0, 100.0, 100.0]), vec![(3, 6)]);
        // "unless a larger scale out is triggered": 150 % gives ceil(3 x 150 / 50) = 9, an
        // increase of 3 over the 6 already set, not 6 x 3 = 18.
        assert_eq!(run(300_000, &[100.0, 150.0]), vec![(3, 6), (5, 9)]);
        // "or the cooldown period ends": with no cooldown each minute computes from the
        // tasks running (6 x 100 / 50 = 12, then 24), so the three cooldowns differ.
        assert_eq!(run(0, &[100.0, 100.0]), vec![(3, 6), (4, 12), (5, 24)]);
    }

    #[test]
    fn insufficient_data_never_scales() {
        // ecs-semantics §6.2: "Insufficient data: no scaling in either direction."
        let (mut aas, mut cw) = service(target_tracking(50.0, 0));
        let (d, _) = aas.evaluate(SVC, &cw, &view(1, 3, 3), false);
        assert!(d.is_none());
        for _ in 0..20 {
            cw.put_metric_data(CPU, None);
        }
        assert!(aas.evaluate(SVC, &cw, &view(21, 3, 3), false).0.is_none());
    }

    #[test]
    fn a_scale_in_cooldown_holds_back_the_next_scale_in() {
        // ecs-semantics §6.2: "ScaleInCooldown: blocks scale-in until it expires."
        let (mut aas, mut cw) = service(target_tracking(50.0, 600_000));
        let mut desired = 8;
        let out = play(&mut aas, &mut cw, 1, &[10.0; 30], &mut desired);
        // First scale-in at minute 15 (ceil(8 x 10 / 50) = 2), the next not before minute 25.
        assert_eq!(out[0], (15, 2));
        assert!(out.iter().skip(1).all(|(m, _)| *m >= 25), "{out:?}");
    }

    #[test]
    fn no_scale_in_during_a_deployment() {
        // ecs-semantics §6.1: "ECS disables dynamic scale-in during deployments; scale-out
        // continues."
        let (mut aas, mut cw) = service(target_tracking(50.0, 0));
        for _ in 0..15 {
            cw.put_metric_data(CPU, Some(5.0));
        }
        let mut v = view(15, 6, 6);
        v.deployment_in_progress = true;
        assert!(aas.evaluate(SVC, &cw, &v, false).0.is_none());
        v.deployment_in_progress = false;
        assert_eq!(aas.evaluate(SVC, &cw, &v, false).0.map(|d| d.new_desired), Some(1));
    }

    #[test]
    fn the_documented_step_scaling_example() {
        // ecs-semantics §6.3, worked example (D): capacity 10, threshold 50 %,
        // PercentChangeInCapacity; scale-out steps [0,10) -> 0, [10,20) -> +10 %,
        // [20,inf) -> +30 %. "Metric 60 -> 11. Then 70 -> +30 % of 11 = 3.3 -> 3 -> 14."
        let step = |lower: Option<f64>, upper: Option<f64>, adjustment: i64| StepAdjustment {
            lower,
            upper,
            adjustment,
        };
        let policy = |name: &str, comparison, steps| StepPolicy {
            name: name.into(),
            metric: MetricName::CpuUtilization,
            alarm: Alarm {
                threshold: 50.0,
                comparison,
                evaluation_periods: 1,
                datapoints_to_alarm: 1,
            },
            adjustment_type: AdjustmentType::PercentChangeInCapacity,
            steps,
            min_adjustment_magnitude: None,
            cooldown_ms: 0,
        };
        let cfg = ScalingConfig {
            min_capacity: 1,
            max_capacity: 100,
            target_tracking: vec![],
            step: vec![
                policy(
                    "out",
                    Comparison::GreaterThanOrEqual,
                    vec![
                        step(Some(0.0), Some(10.0), 0),
                        step(Some(10.0), Some(20.0), 10),
                        step(Some(20.0), None, 30),
                    ],
                ),
                policy(
                    "in",
                    Comparison::LessThanOrEqual,
                    vec![
                        step(Some(-10.0), Some(0.0), 0),
                        step(Some(-20.0), Some(-10.0), -10),
                        step(None, Some(-20.0), -30),
                    ],
                ),
            ],
            scheduled: vec![],
        };
        let (mut aas, mut cw) = service(cfg);
        let mut desired = 10;
        let out = play(&mut aas, &mut cw, 1, &[60.0, 70.0], &mut desired);
        assert_eq!(out, vec![(1, 11), (2, 14)]);
        // "Metric 40 -> -10 % of 14 = 1.4 -> -1 -> 13. Then 30 -> -30 % of 13 = 3.9 -> -3 -> 10."
        let out = play(&mut aas, &mut cw, 3, &[40.0, 30.0], &mut desired);
        assert_eq!(out, vec![(3, 13), (4, 10)]);
    }

    #[test]
    fn scheduled_actions_clamp_and_registration_clamps() {
        // ecs-semantics §6.4: "If current < new min, scale out to min. If current > new max,
        // scale in to max." §6.1: the desired count is clamped into [min, max].
        let mut cfg = target_tracking(50.0, 0);
        cfg.min_capacity = 2;
        cfg.max_capacity = 6;
        cfg.scheduled = vec![
            ScheduledAction {
                name: "morning".into(),
                schedule: Schedule::parse("rate(1 day)", None).unwrap(),
                min_capacity: Some(8),
                max_capacity: Some(20),
            },
            ScheduledAction {
                name: "night".into(),
                schedule: Schedule::parse("rate(1 day)", None).unwrap(),
                min_capacity: Some(1),
                max_capacity: Some(3),
            },
        ];
        let (mut aas, _) = service(cfg);
        assert_eq!(aas.clamp_at_registration(SVC, 0), 2);
        assert_eq!(aas.clamp_at_registration(SVC, 9), 6);
        let up = aas.run_scheduled_action(SVC, 0, 4).unwrap();
        assert_eq!((up.min_capacity, up.max_capacity, up.new_desired), (8, 20, 8));
        let down = aas.run_scheduled_action(SVC, 1, 12).unwrap();
        assert_eq!((down.min_capacity, down.max_capacity, down.new_desired), (1, 3, 3));
        let mut none = ApplicationAutoScaling::default();
        none.register(None);
        assert!(none.run_scheduled_action(SVC, 0, 4).is_none());
        assert_eq!(none.clamp_at_registration(SVC, 9), 9);
    }
}
