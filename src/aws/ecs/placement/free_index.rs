//! A shape-independent index for `binpack`, for runs with more task shapes than the
//! per-shape indexes may number (a trace replay has hundreds: the Alibaba 2017 batch trace
//! has 984 (CPU, memory) pairs).
//!
//! A [`FreeIndex`] holds the instances that accept tasks (of one capacity-provider scope, or
//! all), ordered by `(free amount of the binpack field, instance id)`. A `[binpack(f)]`
//! request walks it from the task's own need upwards: the first instance that passes every
//! check (the same [`check`] the scan applies) has the least remaining amount, and the
//! instances after it with the same free amount that also pass are the rest of the scan's
//! best set, in the scan's order (instance id), so the uniform draw among them picks what the
//! scan would pick. The walk passes over the instances that have enough of the binpack
//! resource but lack another (CPU, ENI, ports, constraints): short when the binpack
//! resource is the scarce one, at worst the scan's length.

use super::{check, BinpackField, PlacementRequest, QueryContext};
use crate::aws::ecs::model::{Cluster, GroupIdx, InstanceId};
use crate::engine::StreamRng;
use rand::Rng;
use smallvec::SmallVec;
use std::collections::BTreeSet;

/// Which requests a [`FreeIndex`] serves.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FreeKey {
    pub field: BinpackField,
    pub scope: Option<GroupIdx>,
}

#[derive(Debug)]
pub struct FreeIndex {
    key: FreeKey,
    members: BTreeSet<(u32, InstanceId)>,
    /// The free amount each instance is filed under, if it is a member.
    filed: Vec<Option<u32>>,
}

impl FreeIndex {
    pub fn build(key: FreeKey, cluster: &Cluster) -> Self {
        let mut idx = FreeIndex {
            key,
            members: BTreeSet::new(),
            filed: Vec::new(),
        };
        idx.grow(cluster);
        idx
    }

    pub fn key(&self) -> FreeKey {
        self.key
    }

    /// Adds instances registered since the index was built.
    pub fn grow(&mut self, cluster: &Cluster) {
        let old = self.filed.len();
        self.filed.resize(cluster.instances.len(), None);
        for i in old..cluster.instances.len() {
            self.update(cluster, InstanceId(i as u32));
        }
    }

    /// Re-files `inst` after a change.
    pub fn update(&mut self, cluster: &Cluster, inst: InstanceId) {
        let i = &cluster.instances[inst.index()];
        let free = match self.key.field {
            BinpackField::Cpu => i.cpu_free,
            BinpackField::Memory => i.memory_free_mib,
        };
        let member = i.accepts_tasks() && self.key.scope.is_none_or(|g| g == i.group);
        let want = member.then_some(free);
        let have = self.filed[inst.index()];
        if have == want {
            return;
        }
        if let Some(k) = have {
            self.members.remove(&(k, inst));
        }
        if let Some(k) = want {
            self.members.insert((k, inst));
        }
        self.filed[inst.index()] = want;
    }

    /// The scan's choice for a `[binpack(field)]` request of this index's scope.
    pub fn pick(
        &self,
        cluster: &Cluster,
        req: &PlacementRequest<'_>,
        ctx: &QueryContext,
        rng: &mut StreamRng,
    ) -> Option<InstanceId> {
        let need = match self.key.field {
            BinpackField::Cpu => req.demand.cpu_units,
            BinpackField::Memory => req.demand.memory_mib,
        };
        let mut best_free = None;
        let mut tied: SmallVec<[InstanceId; 8]> = SmallVec::new();
        for &(free, id) in self.members.range((need, InstanceId(0))..) {
            if best_free.is_some_and(|b| free > b) {
                break;
            }
            if check(cluster, id, req, ctx).is_ok() {
                best_free = Some(free);
                tied.push(id);
            }
        }
        match tied.len() {
            0 => None,
            1 => Some(tied[0]),
            n => Some(tied[rng.random_range(0..n)]),
        }
    }
}
