//! Ordered placement indexes, so a placement does not scan every instance.
//!
//! One [`ShapeIndex`] exists per (task shape, chain form) actually requested. It holds exactly
//! the instances that accept tasks and have room for the shape's CPU, memory and ENI, in
//! buckets keyed by (spread partition, binpack key). The answer to `binpack` is the first
//! non-empty bucket; `spread(attribute)` first picks the partitions with the fewest tasks of
//! the group; a uniform draw inside the winning buckets is the tie-break. Ports and
//! constraints, which an index cannot encode, are checked on the bucket members.
//!
//! Chains it serves: `[]`, `[random]`, `[binpack(f)]`, `[spread(attribute:x)]` and
//! `[spread(attribute:x), binpack(f)]`. Anything else goes to the scan path.

use super::{check_extra, BinpackField, PlacementRequest, QueryContext, SpreadField, Strategy};
use crate::aws::ecs::model::{AttrId, Cluster, GroupId, GroupIdx, InstanceId, ValueId};
use crate::engine::StreamRng;
use rand::Rng;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Partition value for instances that lack the spread attribute, or when there is no spread.
const NO_PARTITION: u32 = u32::MAX;

/// A bucket's place in the index's order: by spread partition, then by binpack key.
fn bucket_key(partition: u32, key: u32) -> u64 {
    (u64::from(partition) << 32) | u64::from(key)
}

/// Every bucket of one partition.
fn partition_range(partition: u32) -> std::ops::RangeInclusive<u64> {
    bucket_key(partition, 0)..=bucket_key(partition, u32::MAX)
}

/// Identifies one index: the shape it fits and the chain form it answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexKey {
    cpu: u32,
    memory: u32,
    eni: bool,
    gpus: u32,
    binpack: Option<BinpackField>,
    spread: Option<AttrId>,
    scope: Option<GroupIdx>,
}

impl IndexKey {
    /// The index form for a request, if its chain is one the indexes serve.
    pub fn for_request(req: &PlacementRequest<'_>) -> Option<IndexKey> {
        let (binpack, spread) = match req.strategies {
            [] | [Strategy::Random] => (None, None),
            [Strategy::Binpack(f)] => (Some(*f), None),
            [Strategy::Spread(SpreadField::Attribute { attr, .. })] => (None, Some(*attr)),
            [Strategy::Spread(SpreadField::Attribute { attr, .. }), Strategy::Binpack(f)] => (Some(*f), Some(*attr)),
            _ => return None,
        };
        Some(IndexKey {
            cpu: req.demand.cpu_units,
            memory: req.demand.memory_mib,
            eni: req.demand.uses_eni,
            gpus: req.demand.gpus,
            binpack,
            spread,
            scope: req.scope,
        })
    }
}

/// Where an instance sits in an index: its bucket's key, the bucket's number in the
/// index's bucket table, and its position in the bucket (so that re-filing it needs no search
/// for the bucket it leaves).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Slot {
    partition: u32,
    key: u32,
    bucket: u32,
    pos: u32,
}

/// Where each instance sits in every shape index: one row per instance, one column per
/// index. After a change, an instance is re-filed in every index, so its row is read whole:
/// with four indexes that is one or two cache lines, where one array per index was four.
#[derive(Debug, Default)]
struct SlotTable {
    columns: usize,
    instances: usize,
    rows: Vec<Option<Slot>>,
}

impl SlotTable {
    fn get(&self, inst: InstanceId, column: usize) -> Option<Slot> {
        self.rows[inst.index() * self.columns + column]
    }

    fn set(&mut self, inst: InstanceId, column: usize, slot: Option<Slot>) {
        self.rows[inst.index() * self.columns + column] = slot;
    }

    /// Adds an empty column (a new index) and returns it.
    fn add_column(&mut self) -> usize {
        let old = self.columns;
        let mut rows = Vec::with_capacity(self.instances * (old + 1));
        for r in 0..self.instances {
            rows.extend_from_slice(&self.rows[r * old..(r + 1) * old]);
            rows.push(None);
        }
        self.rows = rows;
        self.columns = old + 1;
        old
    }

    /// Makes room for `instances` instances (the new ones in no index yet).
    fn grow(&mut self, instances: usize) {
        self.instances = instances;
        self.rows.resize(instances * self.columns, None);
    }
}

/// The shape indexes of a placer, in creation order, and where each instance sits in each.
#[derive(Debug, Default)]
pub struct ShapeIndexes {
    keys: Vec<IndexKey>,
    indexes: Vec<ShapeIndex>,
    slots: SlotTable,
}

impl ShapeIndexes {
    /// How many indexes exist.
    pub fn len(&self) -> usize {
        self.indexes.len()
    }

    /// The index for `key`, built now if there is none yet and fewer than `cap` exist.
    pub fn find_or_build(&mut self, key: &IndexKey, cluster: &Cluster, cap: usize) -> Option<usize> {
        // A linear scan beats hashing for the few keys a run has.
        if let Some(k) = self.keys.iter().position(|k| k == key) {
            return Some(k);
        }
        if self.indexes.len() >= cap {
            return None;
        }
        // Instances registered since the last `grow` go into the existing indexes first, so
        // that every column covers the same instances.
        self.grow(cluster);
        let column = self.slots.add_column();
        let mut idx = ShapeIndex {
            key: key.clone(),
            column,
            order: BTreeMap::new(),
            by_key: FxHashMap::default(),
            buckets: Vec::new(),
            free_buckets: Vec::new(),
            partition_sizes: BTreeMap::new(),
            members: 0,
        };
        for i in 0..cluster.instances.len() {
            idx.update(cluster, &mut self.slots, InstanceId(i as u32));
        }
        self.indexes.push(idx);
        self.keys.push(key.clone());
        Some(column)
    }

    /// Index `k`'s answer to `req` (see [`ShapeIndex::pick`]).
    pub fn pick(
        &self,
        k: usize,
        cluster: &Cluster,
        req: &PlacementRequest<'_>,
        ctx: &QueryContext,
        rng: &mut StreamRng,
    ) -> Option<InstanceId> {
        self.indexes[k].pick(cluster, req, ctx, rng)
    }

    /// Re-files `inst` in every index after a change.
    pub fn update(&mut self, cluster: &Cluster, inst: InstanceId) {
        for idx in &mut self.indexes {
            idx.update(cluster, &mut self.slots, inst);
        }
    }

    /// Files the instances registered since the last call in every index.
    pub fn grow(&mut self, cluster: &Cluster) {
        let old = self.slots.instances;
        self.slots.grow(cluster.instances.len());
        for i in old..cluster.instances.len() {
            self.update(cluster, InstanceId(i as u32));
        }
    }
}

#[derive(Debug)]
pub struct ShapeIndex {
    key: IndexKey,
    /// This index's column in the [`SlotTable`].
    column: usize,
    /// The non-empty buckets in order of [`bucket_key`] (partition, then binpack key, in one
    /// integer), each as its number in `buckets`. Touched only when a bucket is created or
    /// emptied, and by the queries that walk the order.
    order: BTreeMap<u64, u32>,
    /// The same buckets by key, for re-filing an instance without a search of `order` (a
    /// lookup only: nothing iterates it, so its hash order reaches no output).
    by_key: FxHashMap<u64, u32>,
    /// Bucket table: each bucket's members, in the order they joined it (a member leaving
    /// swaps the last one into its place). Emptied buckets stay allocated for reuse.
    buckets: Vec<Vec<InstanceId>>,
    /// Numbers of emptied buckets, reused for new ones (no allocation per move).
    free_buckets: Vec<u32>,
    /// Members per partition, to enumerate partitions without walking buckets (kept for
    /// spread indexes only; the others have one partition).
    partition_sizes: BTreeMap<u32, u32>,
    /// How many instances the index holds.
    members: u32,
}

impl ShapeIndex {
    /// Where `inst` belongs now, or `None` if the shape does not fit there.
    fn placement_of(&self, cluster: &Cluster, inst: InstanceId) -> Option<(u32, u32)> {
        let i = &cluster.instances[inst.index()];
        let k = &self.key;
        let fits =
            i.accepts_tasks() && i.cpu_free >= k.cpu && i.memory_free_mib >= k.memory && (!k.eni || i.eni_free >= 1);
        let fits = fits && i.gpu_free >= k.gpus;
        let fits = fits && k.scope.is_none_or(|g| g == i.group);
        if !fits {
            return None;
        }
        let partition = k.spread.and_then(|a| i.attr(a)).map_or(NO_PARTITION, |v| v.0);
        let key = match k.binpack {
            Some(BinpackField::Cpu) => i.cpu_free,
            Some(BinpackField::Memory) => i.memory_free_mib,
            None => 0,
        };
        Some((partition, key))
    }

    /// Re-files `inst` after a change.
    fn update(&mut self, cluster: &Cluster, slots: &mut SlotTable, inst: InstanceId) {
        let want = self.placement_of(cluster, inst);
        let have = slots.get(inst, self.column);
        if have.map(|s| (s.partition, s.key)) == want {
            return;
        }
        if let Some(s) = have {
            self.remove(slots, inst, s);
        }
        if let Some((partition, key)) = want {
            let packed = bucket_key(partition, key);
            let bucket = match self.by_key.get(&packed) {
                Some(b) => *b,
                None => {
                    let b = match self.free_buckets.pop() {
                        Some(b) => b,
                        None => {
                            self.buckets.push(Vec::new());
                            (self.buckets.len() - 1) as u32
                        }
                    };
                    self.by_key.insert(packed, b);
                    self.order.insert(packed, b);
                    b
                }
            };
            let members = &mut self.buckets[bucket as usize];
            members.push(inst);
            let slot = Slot {
                partition,
                key,
                bucket,
                pos: (members.len() - 1) as u32,
            };
            slots.set(inst, self.column, Some(slot));
            self.members += 1;
            if self.key.spread.is_some() {
                *self.partition_sizes.entry(partition).or_insert(0) += 1;
            }
        }
    }

    fn remove(&mut self, slots: &mut SlotTable, inst: InstanceId, s: Slot) {
        let members = &mut self.buckets[s.bucket as usize];
        members.swap_remove(s.pos as usize);
        if let Some(moved) = members.get(s.pos as usize) {
            if let Some(ms) = slots.get(*moved, self.column) {
                slots.set(*moved, self.column, Some(Slot { pos: s.pos, ..ms }));
            }
        }
        if members.is_empty() {
            let packed = bucket_key(s.partition, s.key);
            self.order.remove(&packed);
            self.by_key.remove(&packed);
            self.free_buckets.push(s.bucket);
        }
        slots.set(inst, self.column, None);
        self.members -= 1;
        if self.key.spread.is_some() {
            let n = self.partition_sizes.get_mut(&s.partition).expect("partition counted");
            *n -= 1;
            if *n == 0 {
                self.partition_sizes.remove(&s.partition);
            }
        }
    }

    /// Chooses an instance for `req`, or `None` if no member passes the remaining checks.
    pub fn pick(
        &self,
        cluster: &Cluster,
        req: &PlacementRequest<'_>,
        ctx: &QueryContext,
        rng: &mut StreamRng,
    ) -> Option<InstanceId> {
        let extra = !req.demand.host_ports.is_empty() || !req.constraints.is_empty();
        if !extra && self.key.spread.is_none() {
            // One partition and every member passes: the answer is the first bucket (the
            // least remaining under binpack; the only one without), as the general path
            // below finds it, with the same draw.
            let (_, bucket) = self.order.iter().next()?;
            let members = &self.buckets[*bucket as usize];
            let r = if members.len() == 1 {
                0
            } else {
                rng.random_range(0..members.len())
            };
            return Some(members[r]);
        }
        let passes = |i: &InstanceId| !extra || check_extra(cluster, *i, req, ctx);
        let partitions = self.partitions(cluster, req.group, extra, &passes);
        if partitions.is_empty() {
            return None;
        }
        // Collect the winning buckets (all of them share the minimum key when binpacking).
        let mut winners: Vec<&Vec<InstanceId>> = Vec::new();
        let mut best_key = u32::MAX;
        for p in &partitions {
            for (packed, bucket) in self.order.range(partition_range(*p)) {
                let key = *packed as u32;
                let members = &self.buckets[*bucket as usize];
                if self.key.binpack.is_some() && key > best_key {
                    break;
                }
                if !members.iter().any(&passes) {
                    continue;
                }
                if self.key.binpack.is_some() && key < best_key {
                    best_key = key;
                    winners.clear();
                }
                winners.push(members);
                if self.key.binpack.is_some() {
                    break;
                }
            }
        }
        if !extra {
            let total: usize = winners.iter().map(|b| b.len()).sum();
            if total == 0 {
                return None;
            }
            let mut r = if total == 1 { 0 } else { rng.random_range(0..total) };
            for b in winners {
                if r < b.len() {
                    return Some(b[r]);
                }
                r -= b.len();
            }
            unreachable!("r < total");
        }
        let passing: Vec<InstanceId> = winners.iter().flat_map(|b| b.iter().copied()).filter(&passes).collect();
        match passing.len() {
            0 => None,
            1 => Some(passing[0]),
            n => Some(passing[rng.random_range(0..n)]),
        }
    }

    /// The partitions spread allows: those with a feasible member and the fewest group tasks.
    fn partitions(
        &self,
        cluster: &Cluster,
        group: GroupId,
        extra: bool,
        passes: &dyn Fn(&InstanceId) -> bool,
    ) -> Vec<u32> {
        let Some(attr) = self.key.spread else {
            return if self.members > 0 {
                vec![NO_PARTITION]
            } else {
                Vec::new()
            };
        };
        let feasible = |p: u32| -> bool {
            !extra
                || self
                    .order
                    .range(partition_range(p))
                    .any(|(_, b)| self.buckets[*b as usize].iter().any(passes))
        };
        let mut best: Vec<u32> = Vec::new();
        let mut best_count = u32::MAX;
        for p in self.partition_sizes.keys().copied() {
            if p == NO_PARTITION || !feasible(p) {
                continue;
            }
            let n = cluster.spread_count(group, attr, ValueId(p));
            if n < best_count {
                best_count = n;
                best.clear();
            }
            if n == best_count {
                best.push(p);
            }
        }
        if best.is_empty() && self.partition_sizes.contains_key(&NO_PARTITION) && feasible(NO_PARTITION) {
            best.push(NO_PARTITION);
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(n: u32) -> Option<Slot> {
        Some(Slot {
            partition: n,
            key: n + 1,
            bucket: n + 3,
            pos: n + 2,
        })
    }

    #[test]
    fn a_new_index_column_keeps_every_instance_in_the_others() {
        let mut t = SlotTable::default();
        assert_eq!(t.add_column(), 0);
        t.grow(3);
        for i in 0..3 {
            t.set(InstanceId(i), 0, slot(i * 10));
        }
        assert_eq!(t.add_column(), 1);
        t.grow(4);
        t.set(InstanceId(3), 0, slot(30));
        t.set(InstanceId(1), 1, slot(7));
        for i in 0..4 {
            assert_eq!(t.get(InstanceId(i), 0), slot(i * 10), "column 0 of instance {i}");
        }
        assert_eq!(t.get(InstanceId(0), 1), None);
        assert_eq!(t.get(InstanceId(1), 1), slot(7));
        assert_eq!(t.get(InstanceId(3), 1), None, "a new instance is in no index yet");
    }
}
