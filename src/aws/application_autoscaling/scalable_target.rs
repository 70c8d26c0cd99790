//! One scalable target (a service's desired count) and how its policies combine
//! (ecs-semantics §6): cooldowns, several policies, min/max clamping, scheduled actions.
//!
//! Pure decisions: given the visible datapoints, the running count and the current desired
//! count, this says what the new desired count is and why.

use super::{AdjustmentType, Schedule, StepPolicy, TargetTrackingPolicy};

/// A scheduled action: at each firing, set the minimum and/or maximum capacity.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledAction {
    pub name: String,
    pub schedule: Schedule,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

/// A service's scalable target and its policies.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingConfig {
    pub min_capacity: u32,
    pub max_capacity: u32,
    pub target_tracking: Vec<TargetTrackingPolicy>,
    pub step: Vec<StepPolicy>,
    pub scheduled: Vec<ScheduledAction>,
}

impl ScalingConfig {
    /// How often the target's dynamic policies are evaluated: every 20 s when its
    /// target-tracking policies use 20-second metrics (validation keeps a target's policies
    /// on one period), otherwise every minute.
    pub fn evaluation_period_ms(&self) -> u64 {
        self.target_tracking
            .iter()
            .map(|p| p.metric_period_ms)
            .min()
            .unwrap_or(super::target_tracking::STANDARD_PERIOD_MS)
    }
}

/// Mutable state of one scalable target.
#[derive(Clone, Debug, Default)]
pub struct ScalingState {
    pub min_capacity: u32,
    pub max_capacity: u32,
    /// When the last scale-out happened and the running count it started from, per policy
    /// (target tracking first, then step policies).
    pub last_scale_out: Vec<Option<(u64, u32)>>,
    pub last_scale_in: Vec<Option<u64>>,
}

/// Proposals of one minute, by kind: (capacity, policy index, why).
struct Proposals {
    outs: Vec<(i64, usize, String)>,
    tt_ins: Vec<(i64, usize, String)>,
    tt_in_voters: usize,
    step_ins: Vec<(i64, usize, String)>,
}

/// What one evaluation decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub new_desired: u32,
    pub explanation: String,
}

/// Datapoints per policy, in the order of `target_tracking` then `step`, each the most
/// recent available datapoints, oldest first.
pub struct Inputs<'a> {
    pub now_ms: u64,
    pub running: u32,
    pub desired: u32,
    pub datapoints: &'a [Vec<Option<f64>>],
    /// Scale-in is suspended while a deployment is in progress.
    pub deployment_in_progress: bool,
}

impl ScalingState {
    pub fn new(cfg: &ScalingConfig) -> Self {
        let n = cfg.target_tracking.len() + cfg.step.len();
        ScalingState {
            min_capacity: cfg.min_capacity,
            max_capacity: cfg.max_capacity,
            last_scale_out: vec![None; n],
            last_scale_in: vec![None; n],
        }
    }

    fn clamp(&self, n: i64) -> u32 {
        n.clamp(
            i64::from(self.min_capacity),
            i64::from(self.max_capacity.max(self.min_capacity)),
        ) as u32
    }

    /// Applies a scheduled action's new bounds and clamps the desired count into them.
    pub fn apply_scheduled(&mut self, action: &ScheduledAction, desired: u32) -> u32 {
        if let Some(m) = action.min_capacity {
            self.min_capacity = m;
        }
        if let Some(m) = action.max_capacity {
            self.max_capacity = m;
        }
        self.clamp(i64::from(desired))
    }

    /// One evaluation of every dynamic policy. Scale out if any policy asks for it (largest
    /// capacity wins); scale in only if every target-tracking policy with scale-in enabled
    /// asks for it (largest resulting capacity wins), or a step policy asks for it.
    pub fn evaluate(&mut self, cfg: &ScalingConfig, inp: &Inputs<'_>) -> Option<Decision> {
        let tt_n = cfg.target_tracking.len();
        let Proposals {
            outs,
            tt_ins,
            tt_in_voters,
            step_ins,
        } = self.proposals(cfg, inp);
        // Scale out: below min jumps to min first; the largest proposal wins.
        if let Some((n, k, why)) = outs.into_iter().max_by_key(|(n, k, _)| (*n, std::cmp::Reverse(*k))) {
            let start = i64::from(inp.desired.max(self.min_capacity));
            let new = self.clamp(n.max(start));
            if new > inp.desired {
                // A scale-out inside the policy's cooldown restarts it but keeps its base: the
                // capacity added since counts towards the next scale-out as well (I).
                let base = self.cooldown_base(cfg, k, inp.now_ms).unwrap_or(inp.running);
                self.last_scale_out[k] = Some((inp.now_ms, base));
                // A scale-out cancels every scale-in cooldown.
                self.last_scale_in.iter_mut().for_each(|c| *c = None);
                return Some(Decision {
                    new_desired: new,
                    explanation: format!("scale out {} -> {new}: {why}", inp.desired),
                });
            }
            return None;
        }
        if inp.deployment_in_progress {
            return None;
        }
        let cooling =
            |k: usize, cooldown_ms: u64| self.last_scale_in[k].is_some_and(|at| inp.now_ms < at + cooldown_ms);
        // Target tracking scale-in needs every enabled policy to agree.
        let mut proposal: Option<(i64, usize, String)> = None;
        if tt_in_voters > 0 && tt_ins.len() == tt_in_voters {
            let blocked = tt_ins
                .iter()
                .any(|(_, k, _)| cooling(*k, cfg.target_tracking[*k].scale_in_cooldown_ms));
            if !blocked {
                proposal = tt_ins.into_iter().max_by_key(|(n, k, _)| (*n, std::cmp::Reverse(*k)));
            }
        }
        if proposal.is_none() {
            proposal = step_ins
                .into_iter()
                .filter(|(_, k, _)| !cooling(*k, cfg.step[*k - tt_n].cooldown_ms))
                .max_by_key(|(n, k, _)| (*n, std::cmp::Reverse(*k)));
        }
        let (n, k, why) = proposal?;
        let start = i64::from(inp.desired.min(self.max_capacity));
        let new = self.clamp(n.min(start));
        if new < inp.desired {
            self.last_scale_in[k] = Some(inp.now_ms);
            return Some(Decision {
                new_desired: new,
                explanation: format!("scale in {} -> {new}: {why}", inp.desired),
            });
        }
        None
    }

    /// Policy `k`'s scale-out cooldown (target tracking first, then step policies).
    fn scale_out_cooldown_ms(cfg: &ScalingConfig, k: usize) -> u64 {
        match cfg.target_tracking.get(k) {
            Some(p) => p.scale_out_cooldown_ms,
            None => cfg.step[k - cfg.target_tracking.len()].cooldown_ms,
        }
    }

    /// While policy `k`'s scale-out cooldown runs, the running count it started from.
    fn cooldown_base(&self, cfg: &ScalingConfig, k: usize, now_ms: u64) -> Option<u32> {
        match self.last_scale_out[k] {
            Some((at, base)) if now_ms < at + Self::scale_out_cooldown_ms(cfg, k) => Some(base),
            _ => None,
        }
    }

    /// What each policy proposes this minute: scale-outs, target-tracking scale-ins (with the
    /// number of policies whose vote counts) and step scale-ins, each as (capacity, policy
    /// index, why).
    fn proposals(&self, cfg: &ScalingConfig, inp: &Inputs<'_>) -> Proposals {
        let tt_n = cfg.target_tracking.len();
        let mut outs: Vec<(i64, usize, String)> = Vec::new();
        let mut tt_ins: Vec<(i64, usize, String)> = Vec::new();
        let mut tt_in_voters = 0;
        let mut step_ins: Vec<(i64, usize, String)> = Vec::new();
        for (k, p) in cfg.target_tracking.iter().enumerate() {
            let dps = &inp.datapoints[k];
            let e = p.evaluate(dps, inp.running, inp.desired, self.cooldown_base(cfg, k, inp.now_ms));
            if let Some((n, why)) = e.scale_out {
                outs.push((i64::from(n), k, why));
            }
            // "If the value is true, scale in is disabled and the target tracking policy won't
            // remove capacity": such a policy neither votes on scale-in nor proposes one.
            if p.disable_scale_in {
                continue;
            }
            tt_in_voters += 1;
            if let Some((n, why)) = e.scale_in {
                tt_ins.push((i64::from(n), k, why));
            }
        }
        for (j, p) in cfg.step.iter().enumerate() {
            let k = tt_n + j;
            let dps = &inp.datapoints[k];
            // During a step policy's scale-out cooldown, the capacity it already added counts
            // towards the next one: compute from the running count the cooldown started at.
            let base = self.cooldown_base(cfg, k, inp.now_ms).unwrap_or(inp.running);
            if let Some((n, why)) = p.evaluate(dps, base) {
                // The step's direction decides: a scale-out step never removes capacity, and
                // a scale-in step never adds it.
                let reference = match p.adjustment_type {
                    AdjustmentType::ExactCapacity => i64::from(inp.desired),
                    _ => i64::from(base),
                };
                if n > reference && n > i64::from(inp.desired) {
                    outs.push((n, k, why));
                } else if n < reference && n < i64::from(inp.desired) {
                    step_ins.push((n, k, why));
                }
            }
        }
        Proposals {
            outs,
            tt_ins,
            tt_in_voters,
            step_ins,
        }
    }
}
