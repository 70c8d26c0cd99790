//! Health checks as an ELB target group and the ECS agent run them: one check every
//! interval from a start time; a series of checks turns healthy after enough consecutive
//! passes and unhealthy after enough consecutive failures.
//!
//! Checks are independent draws (a failure probability per check) unless a scripted fault
//! or overload makes every check fail. Simulating every check of every healthy target would
//! cost an event per target per interval for nothing, so a healthy series with no streak in
//! progress plans its next check only when one can fail: the index of the next failing
//! check is one geometric draw (exactly the distribution of independent checks), and with a
//! failure probability of 0 the series sleeps until the world wakes it (a fault starts,
//! overload begins). Every check of a series counting a streak is simulated.

use crate::engine::SimTime;

/// When checks run and what turns a series healthy or unhealthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckRule {
    pub interval_ms: u64,
    /// Consecutive passes that make a new (initial) series healthy.
    pub passes_from_initial: u32,
    /// Consecutive passes that make an unhealthy series healthy again.
    pub passes_to_recover: u32,
    /// Consecutive failures that make a series unhealthy.
    pub failures: u32,
    /// Failures in this time from the start do not count (a container's `startPeriod`).
    pub start_period_ms: u64,
}

/// A series' health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// No verdict yet (ELB `initial`, a container's `UNKNOWN`).
    Initial,
    Healthy,
    Unhealthy,
}

/// The checks of one target (or one container) since it registered (or started).
#[derive(Clone, Debug)]
pub struct CheckSeries {
    pub health: Health,
    started_at: SimTime,
    passes: u32,
    failures: u32,
    /// Bumped whenever the next check is re-planned: a check event carrying an older
    /// generation is stale.
    pub generation: u32,
    /// The planned check is a known failure (the geometric skip's).
    planned_failure: bool,
}

/// What a check depends on besides the series: the chance that it fails and whether
/// something (a fault, overload) makes it fail for sure.
#[derive(Clone, Copy, Debug)]
pub struct CheckConditions {
    pub failure_probability: f64,
    pub failing_now: bool,
}

/// The source of the check draws (the fault injector's `health-checks` stream).
pub trait CheckDraws {
    /// Does one check fail, with probability `p`?
    fn check_fails(&mut self, p: f64) -> bool;
    /// How many checks until (and including) the next failing one, each failing with
    /// probability `p` (`p > 0`): geometric, at least 1.
    fn checks_until_failure(&mut self, p: f64) -> u64;
}

impl CheckSeries {
    pub fn new(now: SimTime) -> Self {
        CheckSeries {
            health: Health::Initial,
            started_at: now,
            passes: 0,
            failures: 0,
            generation: 0,
            planned_failure: false,
        }
    }

    /// The first check time strictly after `now` (checks run at `start + k x interval`,
    /// k >= 1: the first one interval after the start, I).
    fn next_check_after(&self, rule: &CheckRule, now: SimTime, skip: u64) -> SimTime {
        let k = (now - self.started_at) / rule.interval_ms + skip;
        self.started_at + k * rule.interval_ms
    }

    /// A streak is being counted (the series is not simply healthy).
    fn counting(&self) -> bool {
        self.health != Health::Healthy || self.failures > 0
    }

    /// Plans the series' next check after `now`: the next one when every check matters, the
    /// next failing one when the series is healthy and checks fail at random, none when
    /// nothing can fail. Returns its time and the generation the event must carry.
    pub fn plan(
        &mut self,
        rule: &CheckRule,
        now: SimTime,
        cond: CheckConditions,
        draws: &mut impl CheckDraws,
    ) -> Option<(SimTime, u32)> {
        self.generation = self.generation.wrapping_add(1);
        self.planned_failure = false;
        if self.counting() || cond.failing_now {
            return Some((self.next_check_after(rule, now, 1), self.generation));
        }
        if cond.failure_probability <= 0.0 {
            return None;
        }
        let n = draws.checks_until_failure(cond.failure_probability);
        self.planned_failure = true;
        Some((self.next_check_after(rule, now, n), self.generation))
    }

    /// Runs the check planned for `now`: returns the new health when it changed.
    pub fn run(
        &mut self,
        rule: &CheckRule,
        now: SimTime,
        cond: CheckConditions,
        draws: &mut impl CheckDraws,
    ) -> Option<Health> {
        let fails = if self.planned_failure || cond.failing_now {
            true
        } else {
            cond.failure_probability > 0.0 && draws.check_fails(cond.failure_probability)
        };
        let before = self.health;
        if fails {
            self.passes = 0;
            if now - self.started_at < rule.start_period_ms {
                return None;
            }
            self.failures += 1;
            if self.failures >= rule.failures {
                self.health = Health::Unhealthy;
            }
        } else {
            self.failures = 0;
            self.passes += 1;
            let needed = match self.health {
                Health::Initial => rule.passes_from_initial,
                Health::Unhealthy => rule.passes_to_recover,
                Health::Healthy => 0,
            };
            if self.passes >= needed {
                self.health = Health::Healthy;
            }
        }
        (self.health != before).then_some(self.health)
    }
}

/// Draws for tests: a check never fails at random, and the next planned failure is always
/// the given number of checks away (so only the rule and the conditions matter).
#[cfg(test)]
pub(crate) struct FixedDraws(pub u64);

#[cfg(test)]
impl CheckDraws for FixedDraws {
    fn check_fails(&mut self, _: f64) -> bool {
        false
    }
    fn checks_until_failure(&mut self, _: f64) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALB: CheckRule = CheckRule {
        interval_ms: 30_000,
        passes_from_initial: 5,
        passes_to_recover: 5,
        failures: 2,
        start_period_ms: 0,
    };

    fn ok() -> CheckConditions {
        CheckConditions {
            failure_probability: 0.0,
            failing_now: false,
        }
    }

    /// Runs the series' planned checks until its health changes; returns when.
    fn until_change(
        s: &mut CheckSeries,
        rule: &CheckRule,
        from: SimTime,
        cond: CheckConditions,
    ) -> Option<(SimTime, Health)> {
        let mut now = from;
        for _ in 0..100 {
            let (at, _) = s.plan(rule, now, cond, &mut FixedDraws(7))?;
            now = at;
            if let Some(h) = s.run(rule, now, cond, &mut FixedDraws(7)) {
                return Some((now, h));
            }
        }
        None
    }

    #[test]
    fn five_passing_checks_of_thirty_seconds_make_a_target_healthy_at_150_s() {
        // ecs-semantics §2.4: "ALB default health check interval 30 s x healthy threshold 5
        // = 150 s to become healthy".
        let mut s = CheckSeries::new(SimTime(1_000));
        assert_eq!(
            until_change(&mut s, &ALB, SimTime(1_000), ok()),
            Some((SimTime(151_000), Health::Healthy))
        );
        // A healthy series with nothing that can fail plans no check at all.
        assert_eq!(s.plan(&ALB, SimTime(151_000), ok(), &mut FixedDraws(7)), None);
    }

    #[test]
    fn two_failed_checks_of_thirty_seconds_make_a_healthy_target_unhealthy() {
        // ELB CreateTargetGroup: "UnhealthyThresholdCount ... The default is 2"; interval
        // 30 s: a target that starts failing at a check time is unhealthy at the second one.
        let mut s = CheckSeries::new(SimTime(0));
        until_change(&mut s, &ALB, SimTime(0), ok());
        let failing = CheckConditions {
            failure_probability: 0.0,
            failing_now: true,
        };
        assert_eq!(
            until_change(&mut s, &ALB, SimTime(300_000), failing),
            Some((SimTime(360_000), Health::Unhealthy))
        );
    }

    #[test]
    fn failures_in_the_start_period_do_not_count() {
        // ECS task definition healthCheck: "startPeriod ... health check failures during
        // that period don't count towards the maximum number of retries"; retries 3.
        let rule = CheckRule {
            interval_ms: 30_000,
            passes_from_initial: 1,
            passes_to_recover: 1,
            failures: 3,
            start_period_ms: 60_000,
        };
        let failing = CheckConditions {
            failure_probability: 0.0,
            failing_now: true,
        };
        let mut s = CheckSeries::new(SimTime(0));
        // Checks at 30 s and 60 s... the one at 30 s is inside the start period; 60, 90, 120
        // count: UNHEALTHY at 120 s.
        assert_eq!(
            until_change(&mut s, &rule, SimTime(0), failing),
            Some((SimTime(120_000), Health::Unhealthy))
        );
    }

    #[test]
    fn a_random_failure_is_planned_as_the_next_failing_check() {
        let mut s = CheckSeries::new(SimTime(0));
        until_change(&mut s, &ALB, SimTime(0), ok());
        let flaky = CheckConditions {
            failure_probability: 0.01,
            failing_now: false,
        };
        // FixedDraws(7) says the 7th check from now fails: planned there, not at every check.
        let (at, _) = s.plan(&ALB, SimTime(150_000), flaky, &mut FixedDraws(7)).unwrap();
        assert_eq!(at, SimTime(150_000 + 7 * 30_000));
        assert_eq!(s.run(&ALB, at, flaky, &mut FixedDraws(7)), None, "one failure of two");
        // The streak is being counted now: the very next check is planned.
        let (next, _) = s.plan(&ALB, at, flaky, &mut FixedDraws(7)).unwrap();
        assert_eq!(next, at + 30_000);
    }
}
