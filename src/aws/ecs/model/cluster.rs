//! Container instances and the cluster: resources, attributes and per-group task counts.
//!
//! Attribute names and values are interned so that placement compares small integers, and so
//! that spread can keep per-(group, attribute value) task counts up to date in O(1).

use super::{AzIdx, GroupId, GroupIdx, InstanceId, TaskDemand, TaskId, TaskTable};
use crate::engine::SimTime;
use std::collections::HashMap;

/// Interned attribute name (`ecs.availability-zone`, `team`, ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttrId(pub u16);

/// Interned attribute value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValueId(pub u32);

/// Container instance status (ecs-semantics §5.1). Only ACTIVE instances take new tasks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Launched by its Auto Scaling group, not yet registered with the cluster.
    Launching,
    Active,
    Draining,
    Inactive,
}

/// Host ports the ECS agent reserves by default (ecs-semantics §1.3).
pub const DEFAULT_RESERVED_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];

/// The tasks placed on an instance and not yet stopped, in placement order, each by its slot
/// in the task table: four bytes a task, so that eight fit inline beside the instance's group
/// counts in one cache line (placing or releasing a task touches no other memory unless more
/// are placed). A live task's slot names it alone; [`PlacedTasks::ids`] gives the handles.
#[derive(Clone, Debug, Default)]
pub struct PlacedTasks(smallvec::SmallVec<[u32; 8]>);

impl PlacedTasks {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether live task `task` is placed here.
    pub fn contains(&self, task: TaskId) -> bool {
        self.0.contains(&task.slot())
    }

    /// The handles of the tasks placed here, in placement order (a copy, so that the caller
    /// may stop them while going through it).
    pub fn ids(&self, tasks: &TaskTable) -> smallvec::SmallVec<[TaskId; 8]> {
        self.iter(tasks).collect()
    }

    /// The handles of the tasks placed here, in placement order, without copying them (for
    /// callers that only read, such as counts).
    pub fn iter<'t>(&'t self, tasks: &'t TaskTable) -> impl Iterator<Item = TaskId> + 't {
        self.0.iter().map(|s| tasks.live_in_slot(*s))
    }

    pub(super) fn push(&mut self, task: TaskId) {
        self.0.push(task.slot());
    }

    pub(super) fn remove(&mut self, task: TaskId) {
        if let Some(pos) = self.0.iter().position(|s| *s == task.slot()) {
            self.0.remove(pos);
        }
    }
}

/// One registered container instance.
// Long (21 fields): what DescribeContainerInstances reports of one instance (status, zone,
// registered and remaining resources, ports, ENIs, attributes, tasks), kept flat for placement's
// hot loop.
//
// The layout is fixed (`repr(C)`, 64-byte aligned): the first cache line holds what every
// placement check and index update reads (status, free resources, group, type, ports), the
// second the task list and the per-group counts, the third and fourth what changes rarely.
// Placing or releasing a task touches the first two; the first line alone answers "does
// this shape fit" (issue 10).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct Instance {
    // --- first cache line: placement's checks.
    pub cpu_free: u32,
    pub memory_free_mib: u32,
    pub eni_free: u32,
    pub gpu_free: u32,
    pub id: InstanceId,
    pub group: GroupIdx,
    pub az: AzIdx,
    /// Index of the instance type in the scenario's catalog.
    pub instance_type: u16,
    pub status: InstanceStatus,
    pub agent_connected: bool,
    /// Host ports in use (reserved ports plus static ports of placed tasks), sorted.
    pub ports_used: Vec<u16>,
    pub cpu_total: u32,
    pub memory_total_mib: u32,
    // --- second cache line.
    /// Tasks placed here and not yet stopped, in placement order.
    pub tasks: PlacedTasks,
    /// Tasks per task group, for `distinctInstance`, `spread(instanceId)` and `task:group`.
    pub group_counts: smallvec::SmallVec<[(GroupId, u32); 2]>,
    // --- third cache line and after.
    pub eni_total: u32,
    pub gpu_total: u32,
    /// Attribute value per interned attribute name; `None` where the instance lacks it.
    pub attrs: Vec<Option<ValueId>>,
    pub registered_at: SimTime,
    /// When EC2 started the instance (billing starts here).
    pub launched_at: SimTime,
    pub terminated_at: Option<SimTime>,
    pub agent_version: String,
    /// The instance was in service when the run began, so it is past any warm-up period.
    pub present_at_start: bool,
}

/// What an instance registers: CPU units, memory and awsvpc task slots.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub eni_slots: u32,
    pub gpus: u32,
}

impl Instance {
    /// A just-launched instance with nothing placed on it: LAUNCHING, agent connected, the
    /// agent's reserved ports in use, no attributes yet. Callers change what differs (status,
    /// instance type, agent version) with struct update syntax.
    pub fn new(id: InstanceId, group: GroupIdx, az: AzIdx, resources: Resources, launched_at: SimTime) -> Self {
        Instance {
            id,
            group,
            az,
            instance_type: 0,
            status: InstanceStatus::Launching,
            agent_connected: true,
            agent_version: "1.90.0".into(),
            registered_at: launched_at,
            launched_at,
            present_at_start: false,
            terminated_at: None,
            cpu_total: resources.cpu_units,
            memory_total_mib: resources.memory_mib,
            eni_total: resources.eni_slots,
            cpu_free: resources.cpu_units,
            memory_free_mib: resources.memory_mib,
            eni_free: resources.eni_slots,
            gpu_total: resources.gpus,
            gpu_free: resources.gpus,
            ports_used: super::cluster_reserved_ports(),
            attrs: Vec::new(),
            tasks: PlacedTasks::default(),
            group_counts: smallvec::SmallVec::new(),
        }
    }

    pub fn attr(&self, attr: AttrId) -> Option<ValueId> {
        self.attrs.get(attr.0 as usize).copied().flatten()
    }

    pub fn group_count(&self, group: GroupId) -> u32 {
        self.group_counts
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(0, |(_, n)| *n)
    }

    /// True when the instance accepts new tasks at all (ACTIVE and agent connected).
    pub fn accepts_tasks(&self) -> bool {
        self.status == InstanceStatus::Active && self.agent_connected
    }

    pub fn ports_free(&self, ports: &[u16]) -> bool {
        ports.iter().all(|p| self.ports_used.binary_search(p).is_err())
    }

    /// Hard resource fit (CPU, memory, ENI, ports), ignoring status and constraints.
    pub fn fits(&self, d: &TaskDemand) -> bool {
        self.cpu_free >= d.cpu_units
            && self.memory_free_mib >= d.memory_mib
            && (!d.uses_eni || self.eni_free >= 1)
            && self.gpu_free >= d.gpus
            && self.ports_free(&d.host_ports)
    }
}

/// All container instances plus interning tables and spread bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Every container instance ever launched, indexed by [`InstanceId`]; add with
    /// [`Cluster::add`].
    pub instances: Vec<Instance>,
    /// The instances not yet terminated (launching, ACTIVE or DRAINING), in launch order:
    /// what placement scans and the per-minute scaling code counts, so that their work
    /// follows the cluster's size and not the length of its history.
    in_service: Vec<InstanceId>,
    attr_names: Vec<String>,
    attr_ids: HashMap<String, AttrId>,
    values: Vec<String>,
    value_ids: HashMap<String, ValueId>,
    group_names: Vec<String>,
    group_ids: HashMap<String, GroupId>,
    /// Attributes some spread strategy uses; only these get per-value counts.
    spread_attrs: Vec<AttrId>,
    /// Tasks (placed, not stopped) per (group, attribute, value).
    spread_counts: HashMap<(GroupId, AttrId, ValueId), u32>,
    pub cpu_reserved: u64,
    pub memory_reserved_mib: u64,
    pub gpu_reserved: u64,
}

impl Cluster {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a just-launched instance (its id must be the next one) and lists it in service.
    pub fn add(&mut self, instance: Instance) -> InstanceId {
        let id = instance.id;
        assert_eq!(id.index(), self.instances.len(), "instances are added in id order");
        self.instances.push(instance);
        self.in_service.push(id);
        id
    }

    /// Takes a terminated instance off the list of instances in service.
    pub fn leave_service(&mut self, id: InstanceId) {
        if let Ok(k) = self.in_service.binary_search(&id) {
            self.in_service.remove(k);
        }
    }

    /// The instances not yet terminated, in launch (id) order.
    pub fn in_service(&self) -> &[InstanceId] {
        &self.in_service
    }

    pub fn intern_attr(&mut self, name: &str) -> AttrId {
        if let Some(id) = self.attr_ids.get(name) {
            return *id;
        }
        let id = AttrId(self.attr_names.len() as u16);
        self.attr_names.push(name.to_string());
        self.attr_ids.insert(name.to_string(), id);
        id
    }

    pub fn attr_id(&self, name: &str) -> Option<AttrId> {
        self.attr_ids.get(name).copied()
    }

    pub fn attr_name(&self, id: AttrId) -> &str {
        &self.attr_names[id.0 as usize]
    }

    pub fn intern_value(&mut self, value: &str) -> ValueId {
        if let Some(id) = self.value_ids.get(value) {
            return *id;
        }
        let id = ValueId(self.values.len() as u32);
        self.values.push(value.to_string());
        self.value_ids.insert(value.to_string(), id);
        id
    }

    pub fn value(&self, id: ValueId) -> &str {
        &self.values[id.0 as usize]
    }

    pub fn intern_group(&mut self, name: &str) -> GroupId {
        if let Some(id) = self.group_ids.get(name) {
            return *id;
        }
        let id = GroupId(self.group_names.len() as u32);
        self.group_names.push(name.to_string());
        self.group_ids.insert(name.to_string(), id);
        id
    }

    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.group_ids.get(name).copied()
    }

    pub fn group_name(&self, id: GroupId) -> &str {
        &self.group_names[id.0 as usize]
    }

    /// Declares that some spread strategy counts tasks per value of `attr`.
    pub fn track_spread_attr(&mut self, attr: AttrId) {
        if !self.spread_attrs.contains(&attr) {
            self.spread_attrs.push(attr);
        }
    }

    /// Tasks of `group` on instances whose `attr` equals `value`.
    pub fn spread_count(&self, group: GroupId, attr: AttrId, value: ValueId) -> u32 {
        self.spread_counts.get(&(group, attr, value)).copied().unwrap_or(0)
    }

    /// Sets an attribute on an instance (interning name and value).
    pub fn set_attr(&mut self, inst: InstanceId, name: &str, value: &str) {
        let a = self.intern_attr(name);
        let v = self.intern_value(value);
        let attrs = &mut self.instances[inst.index()].attrs;
        if attrs.len() <= a.0 as usize {
            attrs.resize(a.0 as usize + 1, None);
        }
        attrs[a.0 as usize] = Some(v);
    }

    /// Reserves `demand` on `inst` for `task`. The caller has checked that it fits.
    pub fn reserve(&mut self, inst: InstanceId, task: TaskId, group: GroupId, demand: &TaskDemand) {
        let i = &mut self.instances[inst.index()];
        debug_assert!(i.fits(demand));
        i.cpu_free -= demand.cpu_units;
        i.memory_free_mib -= demand.memory_mib;
        i.gpu_free -= demand.gpus;
        if demand.uses_eni {
            i.eni_free -= 1;
        }
        for p in &demand.host_ports {
            let pos = i.ports_used.binary_search(p).unwrap_err();
            i.ports_used.insert(pos, *p);
        }
        i.tasks.push(task);
        match i.group_counts.iter_mut().find(|(g, _)| *g == group) {
            Some((_, n)) => *n += 1,
            None => i.group_counts.push((group, 1)),
        }
        for a in &self.spread_attrs {
            if let Some(v) = i.attr(*a) {
                *self.spread_counts.entry((group, *a, v)).or_insert(0) += 1;
            }
        }
        self.cpu_reserved += u64::from(demand.cpu_units);
        self.memory_reserved_mib += u64::from(demand.memory_mib);
        self.gpu_reserved += u64::from(demand.gpus);
    }

    /// Gives back what `task` reserved on `inst`.
    pub fn release(&mut self, inst: InstanceId, task: TaskId, group: GroupId, demand: &TaskDemand) {
        let i = &mut self.instances[inst.index()];
        i.cpu_free += demand.cpu_units;
        i.memory_free_mib += demand.memory_mib;
        i.gpu_free += demand.gpus;
        if demand.uses_eni {
            i.eni_free += 1;
        }
        for p in &demand.host_ports {
            if let Ok(pos) = i.ports_used.binary_search(p) {
                i.ports_used.remove(pos);
            }
        }
        i.tasks.remove(task);
        if let Some(pos) = i.group_counts.iter().position(|(g, _)| *g == group) {
            i.group_counts[pos].1 -= 1;
            if i.group_counts[pos].1 == 0 {
                i.group_counts.swap_remove(pos);
            }
        }
        for a in &self.spread_attrs {
            if let Some(v) = i.attr(*a) {
                if let Some(n) = self.spread_counts.get_mut(&(group, *a, v)) {
                    *n -= 1;
                }
            }
        }
        self.cpu_reserved -= u64::from(demand.cpu_units);
        self.memory_reserved_mib -= u64::from(demand.memory_mib);
        self.gpu_reserved -= u64::from(demand.gpus);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn placement_checks_read_one_cache_line() {
        assert_eq!(align_of::<Instance>(), 64);
        let ends = [
            offset_of!(Instance, cpu_free) + 4,
            offset_of!(Instance, memory_free_mib) + 4,
            offset_of!(Instance, eni_free) + 4,
            offset_of!(Instance, gpu_free) + 4,
            offset_of!(Instance, group) + size_of::<GroupIdx>(),
            offset_of!(Instance, instance_type) + 2,
            offset_of!(Instance, status) + size_of::<InstanceStatus>(),
            offset_of!(Instance, agent_connected) + 1,
            offset_of!(Instance, ports_used) + size_of::<Vec<u16>>(),
        ];
        for end in ends {
            assert!(end <= 64, "a field placement checks ends at byte {end}");
        }
        let tasks = offset_of!(Instance, tasks);
        let groups = offset_of!(Instance, group_counts);
        assert!(
            tasks >= 64
                && tasks + size_of::<PlacedTasks>() <= 128
                && groups >= 64
                && groups + size_of::<smallvec::SmallVec<[(GroupId, u32); 2]>>() <= 128,
            "the task list and the group counts share the second line"
        );
    }
}
