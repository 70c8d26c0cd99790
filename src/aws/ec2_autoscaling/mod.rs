//! Amazon EC2 Auto Scaling and the EC2 instance-type catalog: Auto Scaling groups with a
//! desired capacity between min and max, the launch latency of their instances, AZ balance
//! (which zone a new instance goes to), the termination policy (which instance a scale-in
//! removes), replacement of lost instances, and the Spot interruption notices of their
//! instances.
//!
//! The group's instances themselves are ECS container instances and live in the ECS cluster;
//! the world passes what a decision needs (per-AZ counts, candidates) and applies the answer.

pub mod catalog;

pub use catalog::{
    catalog_entries, catalog_entry, catalog_lookup, catalog_price, catalog_regions, catalog_type, CatalogEntry,
    InstanceType, DEFAULT_REGION,
};

use crate::aws::ecs::model::{AzIdx, GroupIdx, InstanceId};
use crate::engine::StreamRng;
use crate::scenario::InstanceGroupSpec;
use rand::Rng;

/// The warning EC2 gives before it reclaims a Spot instance (ecs-semantics §0 rule 15:
/// "Both EC2 Spot and Fargate Spot give a 2-minute warning").
pub const SPOT_WARNING_MS: u64 = 120_000;

/// The service: one Auto Scaling group per instance group of the scenario.
pub struct Ec2AutoScaling<'a> {
    groups: &'a [InstanceGroupSpec],
    desired: Vec<u32>,
    /// The `capacity` stream: launch latencies and the termination policy's random step.
    rng: StreamRng,
    /// Per instance: a Spot interruption notice was given.
    interruption_noticed: Vec<bool>,
}

impl<'a> Ec2AutoScaling<'a> {
    pub fn new(groups: &'a [InstanceGroupSpec], rng: StreamRng) -> Self {
        Ec2AutoScaling {
            desired: groups.iter().map(|g| g.count).collect(),
            groups,
            rng,
            interruption_noticed: Vec::new(),
        }
    }

    pub fn desired_capacity(&self, g: GroupIdx) -> u32 {
        self.desired[g.0 as usize]
    }

    pub fn set_desired_capacity(&mut self, g: GroupIdx, n: u32) {
        self.desired[g.0 as usize] = n;
    }

    /// `n` clamped into the group's [min, max] size.
    pub fn clamp_to_size(&self, g: GroupIdx, n: u32) -> u32 {
        let spec = &self.groups[g.0 as usize];
        n.clamp(spec.min_size, spec.max_size)
    }

    /// Whether any zone of the group can launch (`blocked` says which zones cannot).
    pub fn can_launch(&self, g: GroupIdx, blocked: impl Fn(usize) -> bool) -> bool {
        self.groups[g.0 as usize]
            .availability_zones
            .iter()
            .any(|a| !blocked(*a))
    }

    /// The zone a new instance goes to: AZ balance, the usable zone with the fewest of the
    /// group's instances (`per_az`, indexed by zone), lowest index on a tie.
    pub fn launch_zone(&self, g: GroupIdx, per_az: &[u32], blocked: impl Fn(usize) -> bool) -> usize {
        *self.groups[g.0 as usize]
            .availability_zones
            .iter()
            .min_by_key(|a| (blocked(**a), per_az[**a], **a))
            .expect("a group has at least one AZ")
    }

    /// Time from launch to the instance registering with the cluster (a draw).
    pub fn launch_latency(&mut self, g: GroupIdx) -> u64 {
        self.groups[g.0 as usize].launch_latency.sample(&mut self.rng)
    }

    /// A new instance exists (ids are dense, in launch order).
    pub fn instance_launched(&mut self, id: InstanceId) {
        debug_assert_eq!(id.index(), self.interruption_noticed.len());
        self.interruption_noticed.push(false);
    }

    /// The default termination policy for a scale-in of `k` (ecs-semantics §3.4: "balance AZs
    /// first, then oldest launch template/configuration, then closest to the next billing
    /// hour, then random"; the EC2 Auto Scaling user guide, "How the default termination
    /// policy works", as read on 2026-12-01: the zone with the most instances first, then
    /// instances with an outdated configuration, then the one closest to the next billing
    /// hour, "if multiple instances are equally close, terminate one at random"): each pick
    /// comes from the zone with the most candidates left, then at random. ecsim has one launch
    /// template per group and bills per second, so the two middle steps never separate
    /// instances.
    pub fn choose_instances_to_terminate(
        &mut self,
        mut candidates: Vec<(InstanceId, AzIdx)>,
        k: u32,
        zones: usize,
    ) -> Vec<InstanceId> {
        let draws: Vec<(InstanceId, u64)> = candidates.iter().map(|(i, _)| (*i, self.rng.random::<u64>())).collect();
        let draw = |i: InstanceId| draws.iter().find(|(x, _)| *x == i).map_or(0, |(_, d)| *d);
        let mut chosen = Vec::new();
        for _ in 0..k {
            let mut per_az = vec![0u32; zones];
            for (_, az) in &candidates {
                per_az[az.0 as usize] += 1;
            }
            let Some(pos) = (0..candidates.len()).max_by_key(|p| {
                let (id, az) = candidates[*p];
                (per_az[az.0 as usize], draw(id))
            }) else {
                break;
            };
            chosen.push(candidates.swap_remove(pos).0);
        }
        chosen
    }

    /// AZ rebalancing (ASG AZ rebalancing launches before it terminates): when the group's instances over its usable zones
    /// (`per_az` counts, `usable` zones) differ by more than one, the zones to launch in and
    /// to take one from.
    pub fn rebalancing_move(&self, usable: &[usize], per_az: &[usize]) -> Option<(usize, usize)> {
        let low = *usable.iter().min_by_key(|a| (per_az[**a], **a))?;
        let high = *usable.iter().max_by_key(|a| (per_az[**a], std::cmp::Reverse(**a)))?;
        (per_az[high] > per_az[low] + 1).then_some((low, high))
    }

    /// How many instances the group launches to get back to its desired capacity, given
    /// `in_service` instances it counts.
    pub fn replacements_needed(&self, g: GroupIdx, in_service: u32) -> u32 {
        self.desired_capacity(g).saturating_sub(in_service)
    }

    pub fn notice_interruption(&mut self, id: InstanceId) {
        self.interruption_noticed[id.index()] = true;
    }

    pub fn interruption_noticed(&self, id: InstanceId) -> bool {
        self.interruption_noticed[id.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use crate::scenario::DurationDist;

    fn group(zones: Vec<usize>, count: u32) -> InstanceGroupSpec {
        InstanceGroupSpec {
            name: "g".into(),
            instance_type: 0,
            count,
            availability_zones: zones,
            attributes: vec![],
            trunking: false,
            reserved_memory_mib: 0,
            agent_version: "1.90.0".into(),
            min_size: 1,
            max_size: 10,
            launch_latency: DurationDist::Constant(90_000),
            spot: false,
            price_per_hour_usd: 0.192,
        }
    }

    fn service(groups: &[InstanceGroupSpec]) -> Ec2AutoScaling<'_> {
        Ec2AutoScaling::new(groups, RngStreams::new(7).stream("capacity"))
    }

    #[test]
    fn new_instances_go_to_the_zone_with_the_fewest() {
        // EC2 Auto Scaling keeps a group balanced over its zones: a launch goes to the zone
        // with the fewest instances; a zone that cannot launch is skipped.
        let groups = [group(vec![0, 1, 2], 3)];
        let asg = service(&groups);
        let g = GroupIdx(0);
        assert_eq!(asg.launch_zone(g, &[2, 1, 1], |_| false), 1);
        assert_eq!(asg.launch_zone(g, &[2, 1, 1], |a| a == 1), 2);
        assert!(!asg.can_launch(g, |_| true));
    }

    #[test]
    fn scale_in_takes_from_the_fullest_zone_first() {
        // ecs-semantics §3.4: the default termination policy balances AZs first.
        let groups = [group(vec![0, 1], 5)];
        let mut asg = service(&groups);
        let c = |i: u32, az: u16| (InstanceId(i), AzIdx(az));
        let candidates = vec![c(0, 0), c(1, 0), c(2, 0), c(3, 1), c(4, 1)];
        let chosen = asg.choose_instances_to_terminate(candidates, 2, 2);
        assert_eq!(chosen.len(), 2);
        // Three in zone 0, two in zone 1: the first comes from zone 0, then it is 2 and 2.
        assert!(chosen[0].0 <= 2, "{chosen:?}");
        let chosen = asg.choose_instances_to_terminate(vec![c(0, 0), c(1, 1)], 5, 2);
        assert_eq!(chosen.len(), 2, "never more than the candidates");
    }

    #[test]
    fn launch_latency_is_drawn_from_the_group() {
        let groups = [group(vec![0], 1)];
        let mut asg = service(&groups);
        assert_eq!(asg.launch_latency(GroupIdx(0)), 90_000);
    }

    #[test]
    fn desired_capacity_starts_at_the_count_and_clamps_to_the_size() {
        let groups = [group(vec![0], 3)];
        let mut asg = service(&groups);
        let g = GroupIdx(0);
        assert_eq!(asg.desired_capacity(g), 3);
        assert_eq!(asg.clamp_to_size(g, 0), 1);
        assert_eq!(asg.clamp_to_size(g, 50), 10);
        asg.set_desired_capacity(g, 5);
        assert_eq!(asg.replacements_needed(g, 2), 3);
        assert_eq!(asg.replacements_needed(g, 7), 0);
    }

    #[test]
    fn rebalancing_moves_only_when_zones_differ_by_more_than_one() {
        let groups = [group(vec![0, 1, 2], 6)];
        let asg = service(&groups);
        assert_eq!(asg.rebalancing_move(&[0, 1, 2], &[2, 2, 1]), None);
        assert_eq!(asg.rebalancing_move(&[0, 1, 2], &[4, 2, 0]), Some((2, 0)));
        // A zone that is out is not a place to launch.
        assert_eq!(asg.rebalancing_move(&[0, 1], &[3, 2, 0]), None);
    }
}
