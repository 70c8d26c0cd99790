//! One-shot capacity answers (`ecsim fit`), from the cluster as it stands at a moment of the
//! run: how many more tasks of a task definition fit now and on which instances, and which
//! instances could be removed with their tasks placed on the others, the questions
//! kluster-capacity and the cluster autoscaler's scale-down simulation answer for Kubernetes.
//!
//! Both answers are what-ifs on a copy of the free resources; nothing in the run changes.
//! The re-placement is first-fit decreasing by memory, checking CPU, memory, ENI slots,
//! static host ports, `distinctInstance` and the instance's status; `memberOf` constraints
//! are checked against the target's attributes as they stand.

use super::*;
use crate::aws::ecs::placement::{check, PlacementRequest};
use serde::Serialize;

/// What `ecsim fit` answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FitReport {
    pub time_s: f64,
    pub task_definition: String,
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// More tasks of the task definition that fit now, in all.
    pub tasks_that_fit: u64,
    /// Per ACTIVE instance: how many fit there, and what limits it.
    pub instances: Vec<InstanceFit>,
    /// Instances that could be removed, each with where its tasks would go.
    pub removable: Vec<Removal>,
}

/// How many tasks fit on one instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstanceFit {
    pub instance: String,
    pub instance_type: String,
    pub availability_zone: String,
    pub cpu_free_units: u32,
    pub memory_free_mib: u32,
    pub tasks_that_fit: u64,
    /// `cpu`, `memory`, `eni`, `ports` (a static host port: one per instance), `distinctInstance`,
    /// or a placement failure code (`MemberOf placement constraint unsatisfied.`, `AGENT`).
    pub limited_by: String,
}

/// One instance that could go: its tasks (other than daemons, which go with it) and the
/// instance each would be placed on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Removal {
    pub instance: String,
    pub tasks: Vec<(String, String)>,
}

/// The free resources of an instance in a what-if.
#[derive(Clone)]
struct Room {
    id: InstanceId,
    cpu: u32,
    mem: u32,
    eni: u32,
    ports: Vec<u16>,
    groups: Vec<GroupId>,
    /// The tasks other than daemons it holds in the what-if (its own, and those moved here).
    movable: Vec<TaskId>,
}

impl Room {
    fn takes(&self, d: &TaskDemand, group: GroupId, distinct: bool) -> bool {
        self.cpu >= d.cpu_units
            && self.mem >= d.memory_mib
            && (!d.uses_eni || self.eni > 0)
            && d.host_ports.iter().all(|p| self.ports.binary_search(p).is_err())
            && !(distinct && self.groups.contains(&group))
    }

    fn put(&mut self, task: TaskId, d: &TaskDemand, group: GroupId) {
        self.movable.push(task);
        self.cpu -= d.cpu_units;
        self.mem -= d.memory_mib;
        self.eni -= u32::from(d.uses_eni);
        for p in &d.host_ports {
            if let Err(k) = self.ports.binary_search(p) {
                self.ports.insert(k, *p);
            }
        }
        self.groups.push(group);
    }
}

impl Ecs<'_> {
    /// The answer for task definition `td` at `now`.
    pub(crate) fn fit(&self, td: usize, now: SimTime) -> FitReport {
        let spec = &self.sc.task_definitions[td];
        let demand = &self.demands[self.definition_demand[td] as usize];
        let group = self.cluster.group_id(&format!("family:{}", spec.family));
        let constraints = Ecs::resolve_constraints(&[&spec.constraints]);
        let distinct = constraints.iter().any(|c| matches!(c, Constraint::DistinctInstance));
        let ctx = self.placer.context();
        let mut instances = Vec::new();
        for &id in self.cluster.in_service() {
            let i = &self.cluster.instances[id.index()];
            if i.status != InstanceStatus::Active {
                continue;
            }
            let req = PlacementRequest {
                demand,
                group: group.unwrap_or(GroupId(u32::MAX)),
                constraints: &constraints,
                strategies: &[],
                only_instance: None,
                scope: None,
            };
            let (n, limit) = match check(&self.cluster, id, &req, &ctx) {
                Err(reason) => (0, reason.code().to_string()),
                Ok(()) => {
                    let mut limits: Vec<(u64, &str)> = vec![
                        (per(i.cpu_free, demand.cpu_units), "cpu"),
                        (per(i.memory_free_mib, demand.memory_mib), "memory"),
                    ];
                    if demand.uses_eni {
                        limits.push((u64::from(i.eni_free), "eni"));
                    }
                    if !demand.host_ports.is_empty() {
                        limits.push((1, "ports"));
                    }
                    if distinct {
                        limits.push((1, "distinctInstance"));
                    }
                    let (n, what) = limits.into_iter().min_by_key(|(n, _)| *n).expect("cpu and memory");
                    (n, what.to_string())
                }
            };
            instances.push(InstanceFit {
                instance: id.to_string(),
                instance_type: self.sc.instance_types[i.instance_type as usize].name.clone(),
                availability_zone: self.sc.availability_zones[i.az.0 as usize].clone(),
                cpu_free_units: i.cpu_free,
                memory_free_mib: i.memory_free_mib,
                tasks_that_fit: n,
                limited_by: limit,
            });
        }
        FitReport {
            time_s: now.as_ms() as f64 / 1000.0,
            task_definition: spec.family.clone(),
            cpu_units: demand.cpu_units,
            memory_mib: demand.memory_mib,
            tasks_that_fit: instances.iter().map(|f| f.tasks_that_fit).sum(),
            instances,
            removable: self.removable_instances(),
        }
    }

    /// Instances whose tasks (other than daemons) all fit on the others, removed one after
    /// another (emptiest first), each removal's tasks kept where they were put.
    fn removable_instances(&self) -> Vec<Removal> {
        let active: Vec<InstanceId> = self
            .cluster
            .in_service()
            .iter()
            .copied()
            .filter(|id| self.cluster.instances[id.index()].status == InstanceStatus::Active)
            .collect();
        let mut rooms: Vec<Room> = active
            .iter()
            .map(|&id| {
                let i = &self.cluster.instances[id.index()];
                let placed = i.tasks.ids(&self.tasks);
                let groups = placed.iter().map(|t| self.tasks[*t].group).collect();
                let movable = placed
                    .iter()
                    .copied()
                    .filter(|t| match self.tasks[*t].owner {
                        TaskOwner::Service(s) => !self.services[s.0 as usize].daemon,
                        TaskOwner::Job(_) => true,
                    })
                    .collect();
                Room {
                    id,
                    cpu: i.cpu_free,
                    mem: i.memory_free_mib,
                    eni: i.eni_free,
                    ports: i.ports_used.clone(),
                    groups,
                    movable,
                }
            })
            .collect();
        let mut order = active.clone();
        order.sort_by_key(|id| {
            (
                self.non_daemon_tasks(*id),
                std::cmp::Reverse(self.cluster.instances[id.index()].memory_free_mib),
                *id,
            )
        });
        let mut removed: Vec<InstanceId> = Vec::new();
        let mut out = Vec::new();
        for victim in order {
            let at = rooms.iter().position(|r| r.id == victim).expect("a room per instance");
            let mut moving = rooms[at].movable.clone();
            moving.sort_by_key(|t| std::cmp::Reverse(self.demands[self.tasks[*t].demand as usize].memory_mib));
            let mut trial = rooms.clone();
            let mut moves = Vec::new();
            let all_fit = moving.iter().all(|t| {
                let task = &self.tasks[*t];
                let d = &self.demands[task.demand as usize];
                let p = owner_placement(&self.services, &self.jobs, task.owner);
                let distinct = p.constraints.iter().any(|c| matches!(c, Constraint::DistinctInstance));
                let target = trial.iter_mut().find(|r| {
                    r.id != victim
                        && !removed.contains(&r.id)
                        && r.takes(d, task.group, distinct)
                        && self.satisfies_member_of_owner(task.owner, r.id)
                });
                match target {
                    Some(r) => {
                        r.put(*t, d, task.group);
                        moves.push((task.number.to_string(), r.id.to_string()));
                        true
                    }
                    None => false,
                }
            });
            if all_fit {
                rooms = trial;
                removed.push(victim);
                out.push(Removal {
                    instance: victim.to_string(),
                    tasks: moves,
                });
            }
        }
        out
    }

    /// Does instance `id` satisfy every memberOf constraint of `owner`'s tasks?
    fn satisfies_member_of_owner(&self, owner: TaskOwner, id: InstanceId) -> bool {
        match owner {
            TaskOwner::Service(s) => self.satisfies_member_of(s, id),
            TaskOwner::Job(_) => {
                let p = owner_placement(&self.services, &self.jobs, owner);
                let only_member_of: Vec<Constraint> = p
                    .constraints
                    .iter()
                    .filter(|c| matches!(c, Constraint::MemberOf { .. }))
                    .cloned()
                    .collect();
                let demand = TaskDemand {
                    cpu_units: 0,
                    memory_mib: 0,
                    host_ports: Vec::new(),
                    uses_eni: false,
                    gpus: 0,
                };
                let req = PlacementRequest {
                    demand: &demand,
                    group: GroupId(u32::MAX),
                    constraints: &only_member_of,
                    strategies: &[],
                    only_instance: None,
                    scope: None,
                };
                check(&self.cluster, id, &req, &self.placer.context()).is_ok()
            }
        }
    }
}

/// How many of `each` fit in `free`; a zero demand of this resource sets no limit (memory,
/// which is never zero, then bounds the count).
fn per(free: u32, each: u32) -> u64 {
    free.checked_div(each).map_or(u64::MAX, u64::from)
}
