//! Target tracking (ecs-semantics §6.2): a high alarm `metric > target` on 3 of 3 one-minute
//! datapoints scales out; a low alarm `metric < 0.9 x target` on 15 of 15 scales in. The new
//! capacity is `ceil(running x metric / target)` (I), from the RUNNING count, not desired.

use crate::aws::cloudwatch::alarm::{Alarm, Comparison};
pub use crate::aws::cloudwatch::MetricName;

/// Datapoints the scale-out alarm needs (3 of 3).
pub const SCALE_OUT_DATAPOINTS: u32 = 3;
/// Datapoints the scale-in alarm needs (15 of 15).
pub const SCALE_IN_DATAPOINTS: u32 = 15;
/// The period of ECS's high-resolution service metrics ("You can configure 20-second
/// resolution to drive faster service auto scaling", ECS developer guide).
pub const HIGH_RESOLUTION_PERIOD_MS: u64 = 20_000;
/// The standard period of ECS service metrics.
pub const STANDARD_PERIOD_MS: u64 = 60_000;
/// The scale-in alarm's threshold as a fraction of the target.
pub const SCALE_IN_THRESHOLD_FRACTION: f64 = 0.9;

#[derive(Clone, Debug, PartialEq)]
pub struct TargetTrackingPolicy {
    pub metric: MetricName,
    /// The metric's period: 60 s, or 20 s for ECS's high-resolution CPU and memory metrics
    /// (`ECSServiceAverageCPUUtilizationHighResolution`, ...). The alarms count datapoints of
    /// this period (3 of 3 out, 15 of 15 in, I for 20 s).
    pub metric_period_ms: u64,
    pub target: f64,
    pub scale_out_cooldown_ms: u64,
    pub scale_in_cooldown_ms: u64,
    pub disable_scale_in: bool,
}

/// What one policy wants this minute.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    pub scale_out: Option<(u32, String)>,
    pub scale_in: Option<(u32, String)>,
}

impl TargetTrackingPolicy {
    pub fn high_alarm(&self) -> Alarm {
        Alarm {
            threshold: self.target,
            comparison: Comparison::GreaterThan,
            evaluation_periods: SCALE_OUT_DATAPOINTS,
            datapoints_to_alarm: SCALE_OUT_DATAPOINTS,
        }
    }

    pub fn low_alarm(&self) -> Alarm {
        Alarm {
            threshold: self.target * SCALE_IN_THRESHOLD_FRACTION,
            comparison: Comparison::LessThan,
            evaluation_periods: SCALE_IN_DATAPOINTS,
            datapoints_to_alarm: SCALE_IN_DATAPOINTS,
        }
    }

    /// `recent`: the visible datapoints, oldest first (at least the last 15 when available).
    /// `cooldown_base`: during this policy's scale-out cooldown, the running count when the
    /// cooldown began; a scale-out is then computed from it, so the capacity already added
    /// counts towards the next scale-out and only a larger one goes through.
    pub fn evaluate(
        &self,
        recent: &[Option<f64>],
        running: u32,
        desired: u32,
        cooldown_base: Option<u32>,
    ) -> Evaluation {
        let mut e = Evaluation::default();
        let Some(Some(latest)) = recent.last().copied() else {
            return e;
        };
        let name = self.metric.as_str();
        // Scale from zero: one datapoint showing demand, then the smallest possible step.
        if running == 0 && desired == 0 && latest > 0.0 {
            e.scale_out = Some((
                1,
                format!("target tracking {name}: scale from zero on 1 datapoint ({latest:.2})"),
            ));
            return e;
        }
        let proposed = (f64::from(running) * latest / self.target).ceil().max(0.0) as u32;
        if self.high_alarm().in_alarm(recent) {
            let (base, base_is) = match cooldown_base {
                Some(b) => (b, "running when the scale-out cooldown began"),
                None => (running, "running"),
            };
            let exact = f64::from(base) * latest / self.target;
            e.scale_out = Some((
                exact.ceil().max(0.0) as u32,
                format!(
                    "target tracking {name}: 3 of 3 datapoints > {}; {base_is} {base} x {latest:.2} / {} = {exact:.2}, rounded up",
                    self.target, self.target,
                ),
            ));
        } else if self.low_alarm().in_alarm(recent) {
            e.scale_in = Some((
                proposed,
                format!(
                    "target tracking {name}: 15 of 15 datapoints < {:.2} (90 % of {}); running {running} x {latest:.2} / {} = {:.2}, rounded up",
                    self.target * SCALE_IN_THRESHOLD_FRACTION,
                    self.target,
                    self.target,
                    f64::from(running) * latest / self.target
                ),
            ));
        }
        e
    }
}
