//! What one evaluation of a scalable target looked like, as a learner reads it (`ecsim
//! explain`): each policy's datapoints and alarm states, and why the desired count changed or
//! did not.

use super::{Decision, Inputs, ScalingConfig, ScalingState};
use crate::engine::SimTime;
use crate::explain::AlarmState;

/// One evaluation as a learner sees it (`in_alarm` says whether anything was in ALARM).
pub(super) fn scaling_evaluation(
    cfg: &ScalingConfig,
    before: &ScalingState,
    inp: &Inputs<'_>,
    decision: Option<&Decision>,
    now: SimTime,
) -> crate::explain::ScalingEvaluation {
    let tt_n = cfg.target_tracking.len();
    let mut policies = Vec::new();
    let mut any_alarm = false;
    let mut low_votes = 0;
    let mut voters = 0;
    let mut disabled_low = 0;
    let mut blocked_in: Option<u64> = None;
    for (k, p) in cfg.target_tracking.iter().enumerate() {
        let dps = &inp.datapoints[k];
        let high = p.high_alarm().in_alarm(dps);
        let low = p.low_alarm().in_alarm(dps);
        any_alarm |= high || low;
        if !p.disable_scale_in {
            voters += 1;
            low_votes += usize::from(low);
        } else {
            disabled_low += usize::from(low);
        }
        if let Some(at) = before.last_scale_in[k] {
            if inp.now_ms < at + p.scale_in_cooldown_ms {
                blocked_in =
                    Some(blocked_in.map_or(at + p.scale_in_cooldown_ms, |b| b.max(at + p.scale_in_cooldown_ms)));
            }
        }
        let alarms = format!(
            "high alarm (3 of 3 > {}) {}, low alarm (15 of 15 < {:.2}) {}",
            p.target,
            if high { "ALARM" } else { "OK" },
            p.target * 0.9,
            if low { "ALARM" } else { "OK" }
        );
        policies.push(crate::explain::PolicyState {
            policy: format!("target tracking {}", p.metric.as_str()),
            datapoints: dps.iter().rev().take(15).rev().copied().collect(),
            alarms,
            alarm_states: vec![
                AlarmState::of("high", &p.high_alarm(), high),
                AlarmState::of("low", &p.low_alarm(), low),
            ],
        });
    }
    for (j, p) in cfg.step.iter().enumerate() {
        let dps = &inp.datapoints[tt_n + j];
        let alarm = p.alarm.in_alarm(dps);
        any_alarm |= alarm;
        policies.push(crate::explain::PolicyState {
            policy: format!("step policy {} on {}", p.name, p.metric.as_str()),
            datapoints: dps.clone(),
            alarms: format!(
                "alarm ({} of {} {} {}) {}",
                p.alarm.datapoints_to_alarm,
                p.alarm.evaluation_periods,
                p.alarm.comparison.symbol(),
                p.alarm.threshold,
                if alarm { "ALARM" } else { "OK" }
            ),
            alarm_states: vec![AlarmState::of("step", &p.alarm, alarm)],
        });
    }
    let votes = Votes {
        low: low_votes,
        voters,
        disabled_low,
        blocked_in,
    };
    let (code, text) = if !any_alarm && decision.is_none() {
        ("NoAlarm", "no action: no alarm is in ALARM".to_string())
    } else {
        decision_text(cfg, before, inp, decision, &votes)
    };
    crate::explain::ScalingEvaluation {
        time_s: now.as_ms() as f64 / 1000.0,
        running: inp.running,
        desired: inp.desired,
        policies,
        in_alarm: any_alarm,
        decision_code: code,
        new_desired: decision.map(|d| d.new_desired),
        decision: text,
    }
}

/// How the target-tracking policies voted on scale-in this minute.
struct Votes {
    /// Policies with scale-in enabled whose low alarm is in ALARM.
    low: usize,
    /// Policies with scale-in enabled.
    voters: usize,
    /// Policies with scale-in disabled whose low alarm is in ALARM: they never scale in.
    disabled_low: usize,
    /// The end of the latest scale-in cooldown still running, if any.
    blocked_in: Option<u64>,
}

/// Why the desired count changed, or why it did not: a code and the words.
fn decision_text(
    cfg: &ScalingConfig,
    before: &ScalingState,
    inp: &Inputs<'_>,
    decision: Option<&Decision>,
    votes: &Votes,
) -> (&'static str, String) {
    match decision {
        Some(d) if d.new_desired > inp.desired => ("ScaleOut", d.explanation.clone()),
        Some(d) => ("ScaleIn", d.explanation.clone()),
        None if inp.deployment_in_progress && votes.low > 0 => (
            "ScaleInSuspendedByDeployment",
            "no action: scale-in is suspended during a deployment".into(),
        ),
        None if votes.low == 0 && votes.disabled_low > 0 => ("ScaleInDisabled", format!(
            "no action: {} target-tracking {} in low alarm but with scale-in disabled, which never removes capacity",
            votes.disabled_low,
            if votes.disabled_low == 1 { "policy is" } else { "policies are" }
        )),
        None if votes.low > 0 && votes.low < votes.voters => ("PoliciesDisagree", format!(
            "no action: scale-in needs all {} target-tracking policies with scale-in enabled to agree ({} do)",
            votes.voters, votes.low
        )),
        None if votes.low > 0 && votes.blocked_in.is_some() => ("ScaleInCooldown", format!(
            "no action: held back by the scale-in cooldown until t = {} s",
            SimTime(votes.blocked_in.unwrap_or(0))
        )),
        None if votes.low > 0 => {
            let proposals: Vec<u32> = cfg
                .target_tracking
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.disable_scale_in)
                .filter_map(|(k, p)| {
                    let latest = inp.datapoints[k].last().copied().flatten()?;
                    Some((f64::from(inp.running) * latest / p.target).ceil() as u32)
                })
                .collect();
            let largest = proposals.iter().copied().max().unwrap_or(inp.desired);
            if largest >= inp.desired {
                ("CapacityNotBelowDesired", format!(
                    "no action: the scale-in capacity ceil(running x metric / target) = {largest} is not below the desired count {}",
                    inp.desired
                ))
            } else {
                ("AtMinCapacity", format!("no action: already at min capacity ({})", before.min_capacity))
            }
        }
        None if inp.desired >= before.max_capacity => (
            "AtMaxCapacity",
            format!("no action: already at max capacity ({})", before.max_capacity),
        ),
        None => ("CapacityNotAboveDesired", format!(
            "no action: the computed capacity does not exceed the desired count {} (capacity already added during the scale-out cooldown counts)",
            inp.desired
        )),
    }
}
