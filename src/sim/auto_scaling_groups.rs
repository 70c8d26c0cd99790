//! EC2 Auto Scaling's decisions applied to ECS's container instances: each minute, a group
//! below its desired capacity launches replacements, and a group unbalanced over its zones
//! launches in the emptiest and drains one in the fullest.

use super::*;

impl Simulation<'_> {
    /// An Auto Scaling group keeps its desired capacity: lost instances are replaced. When
    /// its instances are unbalanced over its usable AZs by more than one (after an outage),
    /// it launches one in the emptiest AZ and terminates one in the fullest, with draining
    /// (ASG AZ rebalancing launches before it terminates), one move per minute.
    pub(super) fn asg_replace_lost(&mut self) -> Result<(), SimError> {
        for g in 0..self.sc.instance_groups.len() {
            self.asg_rebalance(GroupIdx(g as u16))?;
        }
        for g in 0..self.sc.instance_groups.len() {
            let gi = GroupIdx(g as u16);
            // The ASG sees a manually drained instance as in service; not one ECS is draining
            // away for termination.
            let live = self.ecs.asg_in_service_iter(gi).count() as u32;
            for _ in 0..self.env.ec2.replacements_needed(gi, live) {
                let Some(id) = self.ecs.try_launch_instance(&mut self.env, gi) else {
                    break;
                };
                self.ecs.instance_launch_started(
                    &mut self.env,
                    gi,
                    id,
                    "Auto Scaling group replaces a lost instance".into(),
                )?;
            }
        }
        Ok(())
    }

    /// One AZ rebalancing move of group `g`, if its zones are out of balance.
    fn asg_rebalance(&mut self, gi: GroupIdx) -> Result<(), SimError> {
        let zones: Vec<usize> = self.sc.instance_groups[gi.0 as usize]
            .availability_zones
            .iter()
            .copied()
            .filter(|a| !self.env.faults.ec2_blocked(*a))
            .collect();
        let mut counts = vec![0usize; self.sc.availability_zones.len()];
        for inst in self.ecs.asg_in_service_iter(gi) {
            counts[inst.az.0 as usize] += 1;
        }
        let Some((low, high)) = self.env.ec2.rebalancing_move(&zones, &counts) else {
            return Ok(());
        };
        let members = self.ecs.asg_in_service(gi);
        let launching = members
            .iter()
            .any(|i| self.ecs.cluster.instances[i.index()].status == InstanceStatus::Launching);
        if launching {
            return Ok(());
        }
        let victim = members
            .iter()
            .copied()
            .filter(|i| {
                let inst = &self.ecs.cluster.instances[i.index()];
                inst.az.0 as usize == high && inst.status == InstanceStatus::Active
            })
            .min_by_key(|i| (self.ecs.cluster.instances[i.index()].tasks.len(), *i));
        if let Some(v) = victim {
            let id = self.ecs.launch_instance(&mut self.env, gi);
            let azs = &self.sc.availability_zones;
            let why = format!(
                "Auto Scaling group AZ rebalancing: {} has {}, {} has {}",
                azs[low], counts[low], azs[high], counts[high]
            );
            self.ecs.instance_launch_started(&mut self.env, gi, id, why)?;
            self.ecs.drain(&mut self.env, v, true)?;
        }
        Ok(())
    }
}
