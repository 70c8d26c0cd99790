//! Tasks: what they demand, who owns them and where they are in their lifecycle.

use super::{InstanceId, JobId, ServiceId};
use crate::engine::SimTime;
use std::fmt;

/// A handle on a task: its slot in the [`TaskTable`] and the generation of that slot. A slot
/// is reused once its task has STOPPED, with the next generation, so a handle kept past its
/// task's stop (an event still in the queue, a stale list entry) is recognised as stale rather
/// than read as the slot's new task.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskId {
    slot: u32,
    generation: u32,
}

impl TaskId {
    /// The handle of slot `slot` in its first generation: for placement tests and benches
    /// that reserve capacity without a task table.
    pub fn first_generation(slot: u32) -> Self {
        TaskId { slot, generation: 0 }
    }

    fn index(self) -> usize {
        self.slot as usize
    }

    /// Its slot in the task table (a live task's alone).
    pub fn slot(self) -> u32 {
        self.slot
    }
}

/// A task's number in submission order: `t-00000012` is the run's 13th task. It is what the
/// event log, `ecsim explain --task` and every ordering between tasks use; unlike a
/// [`TaskId`] it is never reused.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskNumber(pub u64);

impl fmt::Display for TaskNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t-{:08}", self.0)
    }
}

/// The task table: the tasks not yet STOPPED (PROVISIONING to RUNNING), in slots that are
/// reused once their task stops, so its size follows the number of tasks alive at once, not
/// the number a run ever starts.
#[derive(Default)]
pub struct TaskTable {
    slots: Vec<Task>,
    /// ECS's view of the health checks of the task in each slot, with the number of the task
    /// it belongs to (numbers are never reused): a task without health checks never touches
    /// it (most tasks of a batch workload), and a new task in a reused slot finds the old
    /// entry stale rather than having it reset at its submission (see [`TaskTable::health`]).
    health: Vec<(TaskNumber, TaskHealth)>,
    /// Slots whose task has STOPPED and been released, reused last-in first-out.
    free: Vec<u32>,
    /// How many tasks were ever created (the next [`TaskNumber`]).
    created: u64,
}

impl TaskTable {
    /// Adds a task built by `make` from its handle and number.
    pub fn insert(&mut self, make: impl FnOnce(TaskId, TaskNumber) -> Task) -> TaskId {
        let number = TaskNumber(self.created);
        self.created += 1;
        match self.free.pop() {
            Some(slot) => {
                // `release` already moved the slot to its next generation.
                let id = self.slots[slot as usize].id;
                self.slots[slot as usize] = make(id, number);
                id
            }
            None => {
                let id = TaskId {
                    slot: self.slots.len() as u32,
                    generation: 0,
                };
                self.slots.push(make(id, number));
                id
            }
        }
    }

    /// Gives a STOPPED task's slot back for reuse; its handle becomes stale.
    pub fn release(&mut self, id: TaskId) {
        debug_assert!(self.is_live(id), "{id:?} released twice");
        debug_assert_eq!(self.slots[id.index()].state, TaskState::Stopped);
        self.free.push(id.slot);
        // Until the slot is reused, its old handle must not match.
        let t = &mut self.slots[id.index()];
        t.id.generation = t.id.generation.wrapping_add(1);
    }

    /// The task behind `id`, or `None` when its slot was released (a stale handle).
    pub fn get(&self, id: TaskId) -> Option<&Task> {
        self.slots.get(id.index()).filter(|t| t.id == id)
    }

    /// The handle of the live task in slot `slot`.
    pub fn live_in_slot(&self, slot: u32) -> TaskId {
        let t = &self.slots[slot as usize];
        debug_assert_ne!(t.state, TaskState::Stopped, "slot {slot} holds no live task");
        t.id
    }

    fn is_live(&self, id: TaskId) -> bool {
        self.get(id).is_some()
    }

    /// ECS's view of the health checks of live task `id` (all clear until something is
    /// recorded).
    pub fn health(&self, id: TaskId) -> &TaskHealth {
        let number = self[id].number;
        match self.health.get(id.index()) {
            Some((owner, h)) if *owner == number => h,
            _ => &TaskHealth::CLEAR,
        }
    }

    /// The health-check state of live task `id`, to change it.
    pub fn health_mut(&mut self, id: TaskId) -> &mut TaskHealth {
        let number = self[id].number;
        if self.health.len() <= id.index() {
            self.health
                .resize(id.index() + 1, (TaskNumber(u64::MAX), TaskHealth::CLEAR));
        }
        let entry = &mut self.health[id.index()];
        if entry.0 != number {
            *entry = (number, TaskHealth::CLEAR);
        }
        &mut entry.1
    }

    /// How many tasks were ever created.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// How many slots the table holds (live tasks plus released slots awaiting reuse).
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Every task not yet STOPPED, in slot order (a STOPPED task's slot is released at once).
    pub fn iter(&self) -> impl Iterator<Item = &Task> {
        self.slots.iter().filter(|t| t.state != TaskState::Stopped)
    }
}

impl std::ops::Index<TaskId> for TaskTable {
    type Output = Task;

    fn index(&self, id: TaskId) -> &Task {
        let t = &self.slots[id.index()];
        debug_assert_eq!(t.id, id, "stale task handle");
        t
    }
}

impl std::ops::IndexMut<TaskId> for TaskTable {
    fn index_mut(&mut self, id: TaskId) -> &mut Task {
        let t = &mut self.slots[id.index()];
        debug_assert_eq!(t.id, id, "stale task handle");
        t
    }
}

/// An interned task group name (`service:web`, `family:etl`, ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// What one task reserves on a container instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskDemand {
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// Static host ports (bridge with a non-zero hostPort, or host mode), sorted, no duplicates.
    pub host_ports: Vec<u16>,
    /// `awsvpc` tasks take one ENI slot on EC2.
    pub uses_eni: bool,
    /// Whole GPUs (`resourceRequirements` of type GPU, summed over the containers).
    pub gpus: u32,
}

/// The task lifecycle states the simulator distinguishes (ecs-semantics §2.2). ACTIVATING
/// and DEPROVISIONING are folded into their neighbours; DEACTIVATING (the load balancer's
/// deregistration delay) and STOPPING (SIGTERM until the containers exit) are one state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Submitted; either waiting for capacity (no instance yet) or attaching its network.
    Provisioning,
    /// Placed; pulling the image and creating containers.
    Pending,
    Running,
    /// Asked to stop: deregistering from its target groups, then stopping its containers.
    /// It keeps its reservation and its bill, and no longer counts towards its service.
    Stopping,
    Stopped,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Running => "RUNNING",
            TaskState::Stopping => "STOPPING",
            TaskState::Stopped => "STOPPED",
        }
    }
}

/// Who launched a task.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TaskOwner {
    Service(ServiceId),
    Job(JobId),
}

/// One task, from submission to STOPPED.
///
/// The layout is fixed (`repr(C)`, 64-byte aligned) so that everything a task's life reads
/// after its submission on the common path (placement, start, exit, release: its handle,
/// owner, group, demand, state, instance, provider and the few flags) shares its first cache
/// line, and what only services, Fargate, health checks, protection and failures read sits
/// after it. With tens of thousands of tasks running at once, a task's record is usually out
/// of cache by the time it exits, and this is one miss instead of three (benches/README,
/// issue 10).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct Task {
    // --- first cache line: what the common path reads.
    pub id: TaskId,
    pub instance: Option<InstanceId>,
    pub number: TaskNumber,
    pub submitted_at: SimTime,
    pub owner: TaskOwner,
    pub group: GroupId,
    /// Index into the simulation's demand table (tasks of one definition share it).
    pub demand: u32,
    /// Where a Fargate task runs; `None` for tasks on container instances.
    pub fargate: Option<FargateSlot>,
    /// The capacity provider the task was assigned to, if any (index in the scenario).
    pub provider: Option<u16>,
    /// The task definition (revision) the task runs, as an index in the scenario.
    pub definition: u16,
    /// The item of the owner's capacity provider strategy the task counts against.
    pub strategy_item: Option<u8>,
    pub state: TaskState,
    /// The task will stop on its own by crashing (not by finishing its work).
    pub crashing: bool,
    /// The failure the task was lost to, once counted (a task is lost at most once); its
    /// TASK_STOPPED line carries this reason.
    pub lost_to: Option<crate::aws::ecs::StopReason>,
    /// Why a STOPPING task is stopping (its TASK_STOPPED line's reason).
    pub stop_reason: Option<crate::aws::ecs::StopReason>,
    // --- read at the start (just after placement) and by services, Fargate and health.
    /// How long the essential container runs once RUNNING; `None` runs until the end.
    pub run_for_ms: Option<u64>,
    pub running_at: Option<SimTime>,
    /// When Fargate billing started (the image pull), for Fargate tasks.
    pub billing_from: Option<SimTime>,
    /// Task scale-in protection (UpdateTaskProtection) until this time.
    pub protected_until: Option<SimTime>,
}

/// What ECS knows of a task's health checks (ecs-semantics §2.4, §7).
#[derive(Clone, Debug)]
pub struct TaskHealth {
    /// How many of its service's target groups report it healthy (ECS's view of ELB).
    pub healthy_targets: u8,
    /// Its essential container's health check, if the task definition has one.
    pub container: Option<crate::aws::health_check::CheckSeries>,
    /// When it first counted as healthy by its checks (load balancer and container).
    pub healthy_at: Option<SimTime>,
    /// A health-check failure waits for the grace period to end.
    pub grace_pending: bool,
    /// Failed its health checks: its service replaces it and then stops it for this reason.
    pub replace_for: Option<crate::aws::ecs::StopReason>,
}

impl TaskHealth {
    /// No check recorded: no healthy target, no container check, not yet healthy.
    pub const CLEAR: TaskHealth = TaskHealth {
        healthy_targets: 0,
        container: None,
        healthy_at: None,
        grace_pending: false,
        replace_for: None,
    };
}

/// A Fargate task's availability zone and whether it runs on Fargate Spot.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FargateSlot {
    pub az: super::AzIdx,
    pub spot: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs::model::{JobId, TaskOwner};

    fn task(id: TaskId, number: TaskNumber) -> Task {
        Task {
            id,
            number,
            owner: TaskOwner::Job(JobId(0)),
            group: GroupId(0),
            demand: 0,
            state: TaskState::Provisioning,
            instance: None,
            submitted_at: SimTime::ZERO,
            run_for_ms: None,
            provider: None,
            strategy_item: None,
            fargate: None,
            billing_from: None,
            definition: 0,
            running_at: None,
            crashing: false,
            lost_to: None,
            stop_reason: None,
            protected_until: None,
        }
    }

    #[test]
    fn what_the_common_path_reads_shares_the_first_cache_line() {
        use std::mem::{align_of, offset_of, size_of};
        assert_eq!(align_of::<Task>(), 64);
        let first_line = [
            offset_of!(Task, id) + size_of::<TaskId>(),
            offset_of!(Task, instance) + size_of::<Option<InstanceId>>(),
            offset_of!(Task, number) + size_of::<TaskNumber>(),
            offset_of!(Task, submitted_at) + size_of::<SimTime>(),
            offset_of!(Task, owner) + size_of::<TaskOwner>(),
            offset_of!(Task, group) + size_of::<GroupId>(),
            offset_of!(Task, demand) + size_of::<u32>(),
            offset_of!(Task, fargate) + size_of::<Option<FargateSlot>>(),
            offset_of!(Task, provider) + size_of::<Option<u16>>(),
            offset_of!(Task, definition) + size_of::<u16>(),
            offset_of!(Task, strategy_item) + size_of::<Option<u8>>(),
            offset_of!(Task, state) + size_of::<TaskState>(),
            offset_of!(Task, crashing) + size_of::<bool>(),
            offset_of!(Task, lost_to) + size_of::<Option<crate::aws::ecs::StopReason>>(),
        ];
        for end in first_line {
            assert!(end <= 64, "a field of the common path ends at byte {end}");
        }
    }

    #[test]
    fn a_released_slot_is_reused_and_its_old_handle_is_stale() {
        let mut table = TaskTable::default();
        let a = table.insert(task);
        let b = table.insert(task);
        table[a].state = TaskState::Stopped;
        table.release(a);
        assert!(table.get(a).is_none(), "a released handle is stale at once");
        let c = table.insert(task);
        assert_eq!(table.slots(), 2, "the new task takes the released slot");
        assert_ne!(c, a, "same slot, next generation");
        assert!(
            table.get(a).is_none(),
            "the old handle does not reach the slot's new task"
        );
        assert_eq!(table[c].number, TaskNumber(2), "numbers are never reused");
        assert_eq!(table[b].number, TaskNumber(1));
        assert_eq!(table.created(), 3);
        assert_eq!(table.iter().count(), 2);
    }

    /// An instance's task list keeps slots, not handles: it must still answer the live
    /// handles in placement order, also for a task in a reused slot (a later generation).
    #[test]
    fn an_instances_task_list_gives_live_handles_in_placement_order() {
        let mut table = TaskTable::default();
        let (a, b, c) = (table.insert(task), table.insert(task), table.insert(task));
        let mut placed = super::super::cluster::PlacedTasks::default();
        for t in [c, a, b] {
            placed.push(t);
        }
        placed.remove(a);
        table[a].state = TaskState::Stopped;
        table.release(a);
        let d = table.insert(task);
        assert_eq!(d.slot(), a.slot(), "d reuses a's slot");
        placed.push(d);
        assert_eq!(placed.ids(&table).as_slice(), &[c, b, d]);
        assert_eq!(placed.len(), 3);
        assert!(placed.contains(d) && !placed.contains(TaskId::first_generation(7)));
    }

    #[test]
    fn a_task_in_a_reused_slot_starts_with_no_health_recorded() {
        let mut table = TaskTable::default();
        let a = table.insert(task);
        table.health_mut(a).healthy_targets = 2;
        table.health_mut(a).grace_pending = true;
        assert_eq!(table.health(a).healthy_targets, 2);
        table[a].state = TaskState::Stopped;
        table.release(a);
        let c = table.insert(task);
        assert_eq!(table.slots(), 1, "same slot");
        assert_eq!(
            table.health(c).healthy_targets,
            0,
            "the previous task's health is not inherited"
        );
        assert!(!table.health(c).grace_pending);
        table.health_mut(c).healthy_targets = 1;
        assert_eq!(table.health(c).healthy_targets, 1);
        assert!(!table.health(c).grace_pending, "health_mut starts from a clear record");
    }

    #[test]
    #[should_panic(expected = "stale task handle")]
    #[cfg(debug_assertions)]
    fn indexing_with_a_stale_handle_is_caught() {
        let mut table = TaskTable::default();
        let a = table.insert(task);
        table[a].state = TaskState::Stopped;
        table.release(a);
        let _ = table.insert(task);
        let _ = &table[a];
    }
}
