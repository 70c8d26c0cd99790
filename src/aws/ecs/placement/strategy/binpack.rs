//! `binpack`: choose the instance with the least of `field` left once the task is placed
//! (ecs-semantics §1.6). Ties go on to the next strategy.

use super::BinpackField;
use crate::aws::ecs::model::{Cluster, InstanceId, TaskDemand};

/// What would remain of `field` on `inst` after placing `demand`.
pub fn binpack_remaining(cluster: &Cluster, inst: InstanceId, field: BinpackField, demand: &TaskDemand) -> u32 {
    let i = &cluster.instances[inst.index()];
    match field {
        BinpackField::Cpu => i.cpu_free.saturating_sub(demand.cpu_units),
        BinpackField::Memory => i.memory_free_mib.saturating_sub(demand.memory_mib),
    }
}

/// Keeps the candidates with the minimum remaining amount.
pub fn narrow_binpack(cluster: &Cluster, field: BinpackField, demand: &TaskDemand, candidates: &mut Vec<InstanceId>) {
    let Some(best) = candidates
        .iter()
        .map(|c| binpack_remaining(cluster, *c, field, demand))
        .min()
    else {
        return;
    };
    candidates.retain(|c| binpack_remaining(cluster, *c, field, demand) == best);
}
