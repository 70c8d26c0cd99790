//! `spread`: balance the task group over the values of a field (ecs-semantics §1.6).
//!
//! Counts are tasks of the group (placed and not stopped) per value over the whole cluster,
//! but only values that have a feasible candidate are considered: an AZ with no room is
//! skipped (I). Instances that lack the attribute are used only when no candidate has it (I).

use super::SpreadField;
use crate::aws::ecs::model::{Cluster, GroupId, InstanceId};

/// Tasks of `group` sharing `inst`'s value of `field`; `None` if `inst` lacks the attribute.
pub fn spread_count(cluster: &Cluster, field: &SpreadField, group: GroupId, inst: InstanceId) -> Option<u32> {
    let i = &cluster.instances[inst.index()];
    match field {
        SpreadField::InstanceId => Some(i.group_count(group)),
        SpreadField::Attribute { attr, .. } => i.attr(*attr).map(|v| cluster.spread_count(group, *attr, v)),
    }
}

/// Keeps the candidates whose value has the fewest tasks of the group (candidates that lack
/// the attribute are dropped, unless none has it).
pub fn narrow_spread(cluster: &Cluster, field: &SpreadField, group: GroupId, candidates: &mut Vec<InstanceId>) {
    let counts: Vec<Option<u32>> = candidates
        .iter()
        .map(|c| spread_count(cluster, field, group, *c))
        .collect();
    let Some(best) = counts.iter().flatten().min().copied() else {
        return;
    };
    let mut k = 0;
    candidates.retain(|_| {
        k += 1;
        counts[k - 1] == Some(best)
    });
}
