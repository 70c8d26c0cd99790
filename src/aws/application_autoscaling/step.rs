//! Step scaling (ecs-semantics §6.3): a user-defined alarm; step bounds relative to its
//! threshold; ChangeInCapacity, PercentChangeInCapacity (with AWS's rounding and
//! MinAdjustmentMagnitude) and ExactCapacity.

use crate::aws::cloudwatch::alarm::Alarm;
use crate::aws::cloudwatch::MetricName;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AdjustmentType {
    ChangeInCapacity,
    PercentChangeInCapacity,
    ExactCapacity,
}

/// One step: applies when `lower <= value - threshold < upper` above the threshold, or
/// `lower < value - threshold <= upper` below it; `None` is minus / plus infinity.
#[derive(Clone, Debug, PartialEq)]
pub struct StepAdjustment {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepPolicy {
    pub name: String,
    pub metric: MetricName,
    pub alarm: Alarm,
    pub adjustment_type: AdjustmentType,
    pub steps: Vec<StepAdjustment>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown_ms: u64,
}

/// AWS's rounding of a percentage adjustment: values above 1 round down, between 0 and 1
/// become 1, between -1 and 0 become -1, below -1 round up (towards zero).
pub fn round_percent_adjustment(x: f64) -> i64 {
    if x >= 1.0 {
        x.floor() as i64
    } else if x > 0.0 {
        1
    } else if x > -1.0 && x < 0.0 {
        -1
    } else if x <= -1.0 {
        x.ceil() as i64
    } else {
        0
    }
}

/// The capacity after applying an adjustment to `current`.
pub fn adjusted_capacity(current: u32, kind: AdjustmentType, adjustment: i64, min_magnitude: Option<u32>) -> i64 {
    let c = i64::from(current);
    match kind {
        AdjustmentType::ChangeInCapacity => c + adjustment,
        AdjustmentType::ExactCapacity => adjustment,
        AdjustmentType::PercentChangeInCapacity => {
            let mut delta = round_percent_adjustment(c as f64 * adjustment as f64 / 100.0);
            if let Some(m) = min_magnitude {
                if delta != 0 && delta.unsigned_abs() < u64::from(m) {
                    delta = delta.signum() * i64::from(m);
                }
            }
            c + delta
        }
    }
}

impl StepPolicy {
    /// The step that applies to `value`, if any.
    pub fn step_for(&self, value: f64) -> Option<&StepAdjustment> {
        let d = value - self.alarm.threshold;
        self.steps.iter().find(|s| {
            let lo = s.lower.unwrap_or(f64::NEG_INFINITY);
            let hi = s.upper.unwrap_or(f64::INFINITY);
            if d >= 0.0 {
                lo <= d && d < hi
            } else {
                lo < d && d <= hi
            }
        })
    }

    /// When the alarm is in ALARM, the new capacity computed from `base` and why.
    pub fn evaluate(&self, recent: &[Option<f64>], base: u32) -> Option<(i64, String)> {
        if !self.alarm.in_alarm(recent) {
            return None;
        }
        let value = recent.last().copied().flatten()?;
        let step = self.step_for(value)?;
        let n = adjusted_capacity(
            base,
            self.adjustment_type,
            step.adjustment,
            self.min_adjustment_magnitude,
        );
        Some((
            n.max(0),
            format!(
                "step policy {}: {} {:.2} {} {} ({} of {}); step {:+} ({:?}) on {base} gives {n}",
                self.name,
                self.metric.as_str(),
                value,
                self.alarm.comparison.symbol(),
                self.alarm.threshold,
                self.alarm.datapoints_to_alarm,
                self.alarm.evaluation_periods,
                step.adjustment,
                self.adjustment_type,
            ),
        ))
    }
}
