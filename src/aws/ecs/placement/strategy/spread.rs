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

/// Keeps the candidates whose value has the fewest tasks of the group.
pub fn narrow_spread(cluster: &Cluster, field: &SpreadField, group: GroupId, candidates: &mut Vec<InstanceId>) {
    if candidates
        .iter()
        .any(|c| spread_count(cluster, field, group, *c).is_some())
    {
        candidates.retain(|c| spread_count(cluster, field, group, *c).is_some());
    } else {
        return;
    }
    let best = candidates
        .iter()
        .filter_map(|c| spread_count(cluster, field, group, *c))
        .min()
        .unwrap_or(0);
    candidates.retain(|c| spread_count(cluster, field, group, *c) == Some(best));
}
