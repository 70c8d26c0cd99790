//! Elastic Load Balancing: target groups and their registered targets (one per task of an
//! attached service), each target's health-check series and state (`initial`, `healthy`,
//! `unhealthy`, `draining`), and routing: how requests split over the healthy targets per
//! availability zone, with cross-zone load balancing on or off, ALB slow start, and fail-open.
//!
//! **Owns**: the target groups (settings and targets). **Knows nothing** of tasks beyond the
//! handle and zone it registered; ECS registers and deregisters its tasks and is told of
//! health changes by the world, which runs each planned check (`Event::HealthCheck`).
//!
//! Documented rules (ELB user guides, Application and Network Load Balancers):
//! - "Each load balancer node routes requests only to the healthy targets in the enabled
//!   Availability Zones" (cross-zone on: every zone's; off: its own zone's).
//! - "If a target group contains only unhealthy registered targets, the load balancer routes
//!   requests to all those targets, regardless of their health status" (fail-open).
//! - A draining target receives no new requests for the deregistration delay.
//! - With no healthy target in a zone, that zone's node is taken out of DNS (NLB guide), so
//!   with cross-zone off the remaining zones' nodes share the traffic.

use crate::aws::ecs::model::TaskId;
use crate::aws::health_check::{CheckConditions, CheckDraws, CheckRule, CheckSeries, Health};
use crate::engine::SimTime;
use crate::scenario::load_balancing::{InitialChecks, TargetGroupSpec};
use std::collections::HashMap;

/// A target's state, as DescribeTargetHealth names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetState {
    Initial,
    Healthy,
    Unhealthy,
    Draining,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Initial => "initial",
            TargetState::Healthy => "healthy",
            TargetState::Unhealthy => "unhealthy",
            TargetState::Draining => "draining",
        }
    }
}

/// One registered target.
#[derive(Clone, Debug)]
struct Target {
    task: TaskId,
    zone: usize,
    series: CheckSeries,
    draining: bool,
    healthy_since: Option<SimTime>,
}

impl Target {
    fn state(&self) -> TargetState {
        if self.draining {
            return TargetState::Draining;
        }
        match self.series.health {
            Health::Initial => TargetState::Initial,
            Health::Healthy => TargetState::Healthy,
            Health::Unhealthy => TargetState::Unhealthy,
        }
    }
}

/// How many targets a group has in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TargetCounts {
    pub initial: u32,
    pub healthy: u32,
    pub unhealthy: u32,
    pub draining: u32,
}

/// One target group.
pub struct TargetGroup {
    pub spec: TargetGroupSpec,
    rule: CheckRule,
    targets: Vec<Target>,
    /// Position of each task's target in `targets` (lookups only, never iterated).
    index: HashMap<TaskId, usize>,
}

/// A zone's share of a target group's traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ZoneRoute {
    /// Targets serving in the zone, each weighted by its slow-start ramp (1 when done).
    pub weight: f64,
    /// The share of the requests the zone's targets receive.
    pub fraction: f64,
}

/// How a group's requests split, at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Routing {
    pub zones: Vec<ZoneRoute>,
    /// Targets receiving requests (healthy ones; every unhealthy one when failing open).
    pub serving: u32,
    pub fail_open: bool,
}

/// What a check did to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: TargetState,
    pub to: TargetState,
}

/// Elastic Load Balancing.
pub struct Elb {
    groups: Vec<TargetGroup>,
    zones: usize,
    /// Per group, its healthy targets (kept as they change: read after every event).
    healthy: Vec<u32>,
}

impl Elb {
    pub fn new(specs: &[TargetGroupSpec], zones: usize) -> Self {
        let groups = specs
            .iter()
            .map(|spec| TargetGroup {
                rule: CheckRule {
                    interval_ms: spec.interval_ms,
                    passes_from_initial: match spec.initial_checks {
                        InitialChecks::One => 1,
                        InitialChecks::HealthyThreshold => spec.healthy_threshold,
                    },
                    passes_to_recover: spec.healthy_threshold,
                    failures: spec.unhealthy_threshold,
                    start_period_ms: 0,
                },
                spec: spec.clone(),
                targets: Vec::new(),
                index: HashMap::new(),
            })
            .collect();
        Elb {
            healthy: vec![0; specs.len()],
            groups,
            zones,
        }
    }

    /// Group `g`'s healthy targets.
    pub fn healthy_count(&self, g: usize) -> u32 {
        self.healthy[g]
    }

    fn changed(&mut self, g: usize, from: TargetState, to: TargetState) {
        if from == TargetState::Healthy {
            self.healthy[g] -= 1;
        }
        if to == TargetState::Healthy {
            self.healthy[g] += 1;
        }
    }

    pub fn groups(&self) -> &[TargetGroup] {
        &self.groups
    }

    pub fn deregistration_delay_ms(&self, g: usize) -> u64 {
        self.groups[g].spec.deregistration_delay_ms
    }

    /// RegisterTargets: `task` in `zone` becomes an `initial` target; returns its first check.
    pub fn register(
        &mut self,
        g: usize,
        task: TaskId,
        zone: usize,
        now: SimTime,
        cond: CheckConditions,
        draws: &mut impl CheckDraws,
    ) -> Option<(SimTime, u32)> {
        let tg = &mut self.groups[g];
        let mut series = CheckSeries::new(now);
        let next = series.plan(&tg.rule, now, cond, draws);
        tg.index.insert(task, tg.targets.len());
        tg.targets.push(Target {
            task,
            zone,
            series,
            draining: false,
            healthy_since: None,
        });
        next
    }

    /// Runs the check planned for `task` (ignored when stale: a newer plan exists, or the
    /// target is gone or draining). Returns the change it made and the next check.
    pub fn run_check(
        &mut self,
        g: usize,
        task: TaskId,
        generation: u32,
        now: SimTime,
        cond: CheckConditions,
        draws: &mut impl CheckDraws,
    ) -> (Option<Transition>, Option<(SimTime, u32)>) {
        let tg = &mut self.groups[g];
        let Some(&k) = tg.index.get(&task) else {
            return (None, None);
        };
        let t = &mut tg.targets[k];
        if t.draining || t.series.generation != generation {
            return (None, None);
        }
        let from = t.state();
        let change = t.series.run(&tg.rule, now, cond, draws);
        if change == Some(Health::Healthy) {
            t.healthy_since = Some(now);
        }
        let next = t.series.plan(&tg.rule, now, cond, draws);
        let to = t.state();
        if change.is_some() {
            self.changed(g, from, to);
        }
        (change.map(|_| Transition { from, to }), next)
    }

    /// Re-plans a registered target's next check because its conditions changed (a fault
    /// started or ended, overload began): returns the new plan, or `None` when it needs none.
    pub fn replan(
        &mut self,
        g: usize,
        task: TaskId,
        now: SimTime,
        cond: CheckConditions,
        draws: &mut impl CheckDraws,
    ) -> Option<(SimTime, u32)> {
        let tg = &mut self.groups[g];
        let &k = tg.index.get(&task)?;
        let t = &mut tg.targets[k];
        if t.draining {
            return None;
        }
        t.series.plan(&tg.rule, now, cond, draws)
    }

    /// Group `g`'s targets and their states, in its internal order.
    pub fn targets(&self, g: usize) -> impl Iterator<Item = (TaskId, TargetState)> + '_ {
        self.groups[g].targets.iter().map(|t| (t.task, t.state()))
    }

    /// The state of `task`'s target in group `g`, if registered.
    pub fn state_of(&self, g: usize, task: TaskId) -> Option<TargetState> {
        let tg = &self.groups[g];
        tg.index.get(&task).map(|&k| tg.targets[k].state())
    }

    /// DeregisterTargets: the target drains (no new requests) for the deregistration delay.
    pub fn start_draining(&mut self, g: usize, task: TaskId) -> Option<TargetState> {
        let tg = &mut self.groups[g];
        let &k = tg.index.get(&task)?;
        let t = &mut tg.targets[k];
        let before = t.state();
        t.draining = true;
        self.changed(g, before, TargetState::Draining);
        Some(before)
    }

    /// The target is gone (deregistration done, or its task stopped at once).
    pub fn remove(&mut self, g: usize, task: TaskId) -> bool {
        let tg = &mut self.groups[g];
        let Some(k) = tg.index.remove(&task) else { return false };
        let gone = tg.targets.swap_remove(k);
        if let Some(moved) = tg.targets.get(k) {
            tg.index.insert(moved.task, k);
        }
        if gone.state() == TargetState::Healthy {
            self.healthy[g] -= 1;
        }
        true
    }

    pub fn counts(&self, g: usize) -> TargetCounts {
        let mut c = TargetCounts::default();
        for t in &self.groups[g].targets {
            match t.state() {
                TargetState::Initial => c.initial += 1,
                TargetState::Healthy => c.healthy += 1,
                TargetState::Unhealthy => c.unhealthy += 1,
                TargetState::Draining => c.draining += 1,
            }
        }
        c
    }

    /// How group `g`'s requests split over zones now.
    pub fn routing(&self, g: usize, now: SimTime) -> Routing {
        let tg = &self.groups[g];
        let healthy = tg.targets.iter().filter(|t| t.state() == TargetState::Healthy).count();
        let fail_open = healthy == 0 && tg.targets.iter().any(|t| t.state() == TargetState::Unhealthy);
        let serving_state = if fail_open {
            TargetState::Unhealthy
        } else {
            TargetState::Healthy
        };
        let serving: Vec<&Target> = tg.targets.iter().filter(|t| t.state() == serving_state).collect();
        let slow = tg.spec.slow_start_ms;
        let ramp = |t: &Target| -> f64 {
            match (slow, t.healthy_since) {
                (0, _) | (_, None) => 1.0,
                (s, Some(since)) => ((now - since) as f64 / s as f64).min(1.0),
            }
        };
        // "A target is not in slow start mode if it is the only healthy target": when every
        // serving target is ramping, none is held back (I, generalising the one-target rule).
        let all_ramping = serving.iter().all(|t| ramp(t) < 1.0);
        let mut zones = vec![ZoneRoute::default(); self.zones];
        for t in &serving {
            zones[t.zone].weight += if all_ramping || fail_open { 1.0 } else { ramp(t) };
        }
        let total: f64 = zones.iter().map(|z| z.weight).sum();
        if total > 0.0 {
            if tg.spec.cross_zone {
                for z in &mut zones {
                    z.fraction = z.weight / total;
                }
            } else {
                let active = zones.iter().filter(|z| z.weight > 0.0).count() as f64;
                for z in zones.iter_mut().filter(|z| z.weight > 0.0) {
                    z.fraction = 1.0 / active;
                }
            }
        }
        Routing {
            zones,
            serving: serving.len() as u32,
            fail_open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::health_check::FixedDraws;
    use crate::scenario::load_balancing::TargetType;

    fn spec(cross_zone: bool, initial_checks: InitialChecks) -> TargetGroupSpec {
        TargetGroupSpec {
            name: "tg".into(),
            load_balancer: 0,
            target_type: TargetType::Ip,
            interval_ms: 30_000,
            timeout_ms: 5_000,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            deregistration_delay_ms: 300_000,
            slow_start_ms: 0,
            cross_zone,
            initial_checks,
        }
    }

    const OK: CheckConditions = CheckConditions {
        failure_probability: 0.0,
        failing_now: false,
    };

    /// Registers `task` and runs its checks until its state changes; returns when.
    fn register_until_healthy(elb: &mut Elb, task: u32, zone: usize, at: SimTime) -> SimTime {
        let id = TaskId::first_generation(task);
        let mut next = elb.register(0, id, zone, at, OK, &mut FixedDraws(1));
        while let Some((t, gen)) = next {
            let (change, n) = elb.run_check(0, id, gen, t, OK, &mut FixedDraws(1));
            if change.is_some() {
                return t;
            }
            next = n;
        }
        panic!("never healthy");
    }

    #[test]
    fn a_new_alb_target_is_healthy_after_one_check_by_default() {
        // ELB user guide (ALB, health checks): "After your target is registered, it must pass
        // one health check to be considered healthy"; the interval defaults to 30 s.
        let mut elb = Elb::new(&[spec(true, InitialChecks::One)], 2);
        assert_eq!(register_until_healthy(&mut elb, 0, 0, SimTime(0)), SimTime(30_000));
    }

    #[test]
    fn counting_the_healthy_threshold_a_new_target_is_healthy_at_150_s() {
        // ecs-semantics §2.4: "ALB default health check interval 30 s x healthy threshold 5 =
        // 150 s to become healthy".
        let mut elb = Elb::new(&[spec(true, InitialChecks::HealthyThreshold)], 2);
        assert_eq!(
            register_until_healthy(&mut elb, 0, 0, SimTime(10_000)),
            SimTime(160_000)
        );
    }

    #[test]
    fn requests_go_to_healthy_targets_only_and_split_by_zone_when_cross_zone_is_off() {
        let mut elb = Elb::new(&[spec(false, InitialChecks::One)], 2);
        // Zone 0: three healthy targets; zone 1: one healthy and one still initial.
        for k in 0..4 {
            register_until_healthy(&mut elb, k, usize::from(k == 3), SimTime(0));
        }
        elb.register(
            0,
            TaskId::first_generation(9),
            1,
            SimTime(100_000),
            OK,
            &mut FixedDraws(1),
        );
        let r = elb.routing(0, SimTime(100_000));
        assert_eq!(r.serving, 4, "the initial target gets no requests");
        // Cross-zone off: "each load balancer node routes requests only to the healthy
        // targets in its Availability Zone"; each zone's node gets an equal share.
        assert_eq!(r.zones[0].fraction, 0.5);
        assert_eq!(r.zones[1].fraction, 0.5);
        assert_eq!(r.zones[1].weight, 1.0, "one target in zone 1 takes half the traffic");
        let mut on = Elb::new(&[spec(true, InitialChecks::One)], 2);
        for k in 0..4 {
            register_until_healthy(&mut on, k, usize::from(k == 3), SimTime(0));
        }
        let r = on.routing(0, SimTime(100_000));
        assert_eq!((r.zones[0].fraction, r.zones[1].fraction), (0.75, 0.25));
    }

    #[test]
    fn a_draining_target_gets_no_requests_and_fail_open_uses_unhealthy_ones() {
        let mut elb = Elb::new(&[spec(true, InitialChecks::One)], 1);
        register_until_healthy(&mut elb, 0, 0, SimTime(0));
        register_until_healthy(&mut elb, 1, 0, SimTime(0));
        elb.start_draining(0, TaskId::first_generation(0));
        assert_eq!(elb.routing(0, SimTime(60_000)).serving, 1);
        assert_eq!(elb.counts(0).draining, 1);
        // Target 1 fails two checks: the group holds only unhealthy (and draining) targets,
        // and "the load balancer routes requests to all those targets".
        let failing = CheckConditions {
            failure_probability: 0.0,
            failing_now: true,
        };
        let id = TaskId::first_generation(1);
        let (_, gen) = elb.replan(0, id, SimTime(60_000), failing, &mut FixedDraws(1)).unwrap();
        let (_, next) = elb.run_check(0, id, gen, SimTime(90_000), failing, &mut FixedDraws(1));
        let (t, gen) = next.unwrap();
        let (change, _) = elb.run_check(0, id, gen, t, failing, &mut FixedDraws(1));
        assert_eq!(change.map(|c| c.to), Some(TargetState::Unhealthy));
        let r = elb.routing(0, t);
        assert!(r.fail_open);
        assert_eq!(r.serving, 1);
        assert!(elb.remove(0, TaskId::first_generation(0)));
        assert_eq!(elb.counts(0).unhealthy, 1);
    }
}
