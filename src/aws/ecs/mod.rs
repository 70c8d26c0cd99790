//! Amazon ECS: the cluster (container instances, their resources and attributes), the task
//! table, placement, the service scheduler's per-service state, RunTask's job queues,
//! capacity providers and Fargate.
//!
//! `Ecs` owns that state and its behaviour: `task_lifecycle.rs` (placement, PROVISIONING ->
//! PENDING -> RUNNING -> STOPPED), `service_scheduler.rs` (REPLICA and DAEMON), `run_task.rs`
//! (submissions and queues), `deployment.rs` (rolling deployments, the circuit breaker, the
//! throttle), `container_instances.rs` (registration, draining, termination),
//! `managed_scaling.rs` (CapacityProviderReservation and the ASG's desired capacity),
//! `az_rebalancing.rs`, `service.rs` (scale-in victims, health), `fit.rs` (`ecsim fit`'s
//! what-ifs), `event_log.rs` (what each events.csv line says, stop reasons), `invariants.rs`.
//!
//! Every method that acts takes an `Env`: the event queue, the event sink, and the other
//! components, reachable only through their own methods. ECS's fields are never touched
//! from outside `aws/ecs` except by the world when it builds the cluster and reads figures
//! for metrics.

mod az_rebalancing;
pub mod capacity_provider;
mod container_instances;
pub mod deployment;
mod event_log;
pub mod fargate;
pub mod fit;
mod health;
mod invariants;
mod lost_capacity;
mod managed_scaling;
pub mod model;
pub mod placement;
pub mod run_task;
pub mod service;
mod service_scheduler;
mod task_lifecycle;

use capacity_provider::AsgProvider;
use fargate::TokenBucket;
use model::{AzIdx, Cluster, GroupId, Task, TaskDemand};
use placement::Placer;
use run_task::JobState;
use service::ServiceState;
use std::collections::HashMap;

use crate::aws::ecs::model::{
    FargateSlot, GroupIdx, Instance, InstanceId, InstanceStatus, JobId, ServiceId, TaskId, TaskNumber, TaskOwner,
    TaskState, TaskTable,
};
use crate::aws::ecs::placement::{BinpackField, Constraint, PlacementRequest, SpreadField, Strategy};
use crate::engine::{RngStreams, SimTime, StreamRng};
use crate::scenario::elastic::{Launch, ProviderKind};
use crate::scenario::{ConstraintSpec, OnNoCapacity, Scenario, StrategySpec};
use crate::sim::{
    Env, Event, SimError, LANE_ARRIVAL, LANE_LIFECYCLE, LANE_SCALING, LANE_SCHEDULER, LANE_STOP, MINUTE_MS,
};
use capacity_provider::Target;
pub use event_log::StopReason;
pub(crate) use event_log::{Entry, SCALE_IN};
use placement::QueryContext;
use std::collections::VecDeque;

/// Fargate as ECS sees it: the launch-rate token buckets (on-demand, Spot), the pending retry
/// of waiting tasks, and how many Fargate tasks are placed.
pub(crate) struct FargateCapacity {
    pub(crate) buckets: [TokenBucket; 2],
    /// When the pending `RetryWaiting` fires, if one is pending.
    pub(crate) retry_at: Option<u64>,
    pub(crate) running: u64,
}

/// How an owner's (a service's or a job's) tasks are placed: its strategy chain, its
/// constraints (task definition's and its own) and its launch type or capacity provider
/// strategy.
pub(crate) struct TaskPlacement {
    pub(crate) strategies: Vec<Strategy>,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) launch: Launch,
}

/// How `owner`'s tasks are placed (a free function so that callers can borrow the placement
/// and other fields of `Ecs` at once).
pub(crate) fn owner_placement<'s>(
    services: &'s [ServiceState],
    jobs: &'s [JobState],
    owner: TaskOwner,
) -> &'s TaskPlacement {
    match owner {
        TaskOwner::Service(s) => &services[s.0 as usize].placement,
        TaskOwner::Job(j) => &jobs[j.0 as usize].placement,
    }
}

/// The state of one ECS cluster.
// Long (21 fields): one per part of the ECS control plane (cluster, placer, task table, service
// scheduler, RunTask queues, capacity providers, Fargate) and the per-group counters they share.
pub(crate) struct Ecs<'a> {
    pub(crate) sc: &'a Scenario,
    pub(crate) cluster: Cluster,
    pub(crate) placer: Placer,
    pub(crate) tasks: TaskTable,
    pub(crate) demands: Vec<TaskDemand>,
    pub(crate) demand_ids: HashMap<TaskDemand, u32>,
    /// Demand index of each task definition.
    pub(crate) definition_demand: Vec<u32>,
    pub(crate) services: Vec<ServiceState>,
    pub(crate) jobs: Vec<JobState>,
    /// The Auto Scaling group capacity providers.
    pub(crate) providers: Vec<AsgProvider>,
    /// The `placement` stream (tie-breaks, scale-in ties) and the `lifecycle` stream
    /// (PROVISIONING and PENDING times).
    pub(crate) rng_placement: StreamRng,
    pub(crate) rng_lifecycle: StreamRng,
    /// Per instance: a drain that ends in termination (managed draining, Spot) rather than a
    /// manual drain that waits for reactivation.
    pub(crate) terminate_when_drained: Vec<bool>,
    /// How many instances are DRAINING (so the scheduler looks for draining tasks only then).
    pub(crate) draining_instances: u32,
    /// Per instance group and availability zone, how many of its instances are in service
    /// (what AZ balance counts when a group launches).
    pub(crate) in_service_per_zone: Vec<Vec<u32>>,
    /// Set while AZ rebalancing places a task: placement is restricted to this zone.
    pub(crate) forced_az: Option<AzIdx>,
    pub(crate) fargate: FargateCapacity,
    /// CPU units and MiB reserved per instance group.
    pub(crate) group_cpu_reserved: Vec<u64>,
    pub(crate) group_mem_reserved: Vec<u64>,
    /// CPU units and MiB registered by ACTIVE and DRAINING instances.
    pub(crate) cpu_registered: u64,
    /// GPUs registered by ACTIVE and DRAINING instances.
    pub(crate) gpu_registered: u64,
    pub(crate) mem_registered: u64,
    /// Which instances run tasks other than daemons.
    pub(crate) occupancy: Occupancy,
}

/// Which instances run a task other than a daemon (the count of such tasks per instance, and
/// per instance group how many of its instances have one), and per group the fewest
/// instances a perfect packing of its reservations would need: the levels behind the idle
/// instance-hours, told to the observer when they change.
#[derive(Default)]
pub(crate) struct Occupancy {
    per_instance: Vec<u32>,
    pub(crate) busy_per_group: Vec<u32>,
    /// Per group: `max(ceil(CPU reserved / CPU per instance), ceil(memory reserved / memory
    /// per instance))`.
    need_per_group: Vec<u32>,
    /// CPU units and MiB one instance of each group registers.
    instance_size: Vec<(u64, u64)>,
}

impl Occupancy {
    /// A task other than a daemon was placed on instance `i` of group `g`; whether the
    /// group's count of busy instances changed.
    fn placed(&mut self, i: InstanceId, g: usize) -> bool {
        if self.per_instance.len() <= i.index() {
            self.per_instance.resize(i.index() + 1, 0);
        }
        self.per_instance[i.index()] += 1;
        let first = self.per_instance[i.index()] == 1;
        self.busy_per_group[g] += u32::from(first);
        first
    }

    /// A task other than a daemon left instance `i` of group `g`; whether the group's count
    /// of busy instances changed.
    fn left(&mut self, i: InstanceId, g: usize) -> bool {
        self.per_instance[i.index()] -= 1;
        let last = self.per_instance[i.index()] == 0;
        self.busy_per_group[g] -= u32::from(last);
        last
    }

    /// Group `g`'s perfect-packing need for `cpu` units and `mem` MiB reserved, when it
    /// changed.
    fn need_changed(&mut self, g: usize, cpu: u64, mem: u64) -> Option<u32> {
        let (c, m) = self.instance_size[g];
        let need = cpu.div_ceil(c.max(1)).max(mem.div_ceil(m.max(1))) as u32;
        (need != self.need_per_group[g]).then(|| {
            self.need_per_group[g] = need;
            need
        })
    }
}

impl<'a> Ecs<'a> {
    /// An empty cluster for the scenario: no instance yet, the built-in attributes interned
    /// first (so their ids are stable), one demand per task definition.
    pub(crate) fn new(sc: &'a Scenario, streams: &RngStreams) -> Self {
        let ctx = QueryContext {
            start_epoch_ms: sc.start_epoch_ms,
        };
        let e = &sc.elastic;
        let mut ecs = Ecs {
            sc,
            cluster: Cluster::new(),
            placer: Placer::new(ctx, sc.placement.max_indexes),
            tasks: TaskTable::default(),
            demands: Vec::new(),
            demand_ids: HashMap::new(),
            definition_demand: Vec::new(),
            services: Vec::new(),
            jobs: Vec::new(),
            providers: Vec::new(),
            rng_placement: streams.stream("placement"),
            rng_lifecycle: streams.stream("lifecycle"),
            terminate_when_drained: Vec::new(),
            draining_instances: 0,
            in_service_per_zone: vec![vec![0; sc.availability_zones.len()]; sc.instance_groups.len()],
            occupancy: Occupancy {
                per_instance: Vec::new(),
                busy_per_group: vec![0; sc.instance_groups.len()],
                need_per_group: vec![0; sc.instance_groups.len()],
                instance_size: sc
                    .instance_groups
                    .iter()
                    .map(|g| {
                        let ty = &sc.instance_types[g.instance_type];
                        let mem = ty.registered_memory(sc.registered_memory_fraction, g.reserved_memory_mib);
                        (u64::from(ty.cpu_units()), u64::from(mem))
                    })
                    .collect(),
            },
            forced_az: None,
            fargate: FargateCapacity {
                buckets: [
                    TokenBucket::new(e.fargate_burst, e.fargate_per_second),
                    TokenBucket::new(e.fargate_burst, e.fargate_per_second),
                ],
                retry_at: None,
                running: 0,
            },
            group_cpu_reserved: vec![0; sc.instance_groups.len()],
            group_mem_reserved: vec![0; sc.instance_groups.len()],
            cpu_registered: 0,
            gpu_registered: 0,
            mem_registered: 0,
        };
        for a in [
            "ecs.availability-zone",
            "ecs.instance-type",
            "ecs.os-type",
            "ecs.cpu-architecture",
        ] {
            ecs.cluster.intern_attr(a);
        }
        for td in &sc.task_definitions {
            let d = ecs.intern_demand(td.demand.clone());
            ecs.definition_demand.push(d);
        }
        ecs
    }

    pub(crate) fn intern_demand(&mut self, d: TaskDemand) -> u32 {
        if let Some(id) = self.demand_ids.get(&d) {
            return *id;
        }
        let id = self.demands.len() as u32;
        self.demands.push(d.clone());
        self.demand_ids.insert(d, id);
        id
    }

    /// Whether a demand could ever fit an instance of the scenario (at its registered size).
    pub(crate) fn demand_fits_somewhere(&self, d: &TaskDemand, scope: Option<GroupIdx>) -> bool {
        let sc = self.sc;
        sc.instance_groups.iter().enumerate().any(|(gi, g)| {
            if scope.is_some_and(|s| s.0 as usize != gi) || g.max_size.max(g.count) == 0 {
                return false;
            }
            let ty = &sc.instance_types[g.instance_type];
            ty.cpu_units() >= d.cpu_units
                && ty.registered_memory(sc.registered_memory_fraction, g.reserved_memory_mib) >= d.memory_mib
                && (!d.uses_eni || ty.eni_task_slots(g.trunking) >= 1)
                && d.host_ports.iter().all(|p| !sc.reserved_ports.contains(p))
        })
    }

    pub(crate) fn resolve_strategies(&mut self, spec: &[StrategySpec]) -> Vec<Strategy> {
        spec.iter()
            .map(|s| match s {
                StrategySpec::BinpackCpu => Strategy::Binpack(BinpackField::Cpu),
                StrategySpec::BinpackMemory => Strategy::Binpack(BinpackField::Memory),
                StrategySpec::SpreadInstanceId => Strategy::Spread(SpreadField::InstanceId),
                StrategySpec::Random => Strategy::Random,
                StrategySpec::SpreadAttribute(name) => {
                    let attr = self.cluster.intern_attr(name);
                    self.cluster.track_spread_attr(attr);
                    Strategy::Spread(SpreadField::Attribute {
                        attr,
                        name: name.clone(),
                    })
                }
            })
            .collect()
    }

    pub(crate) fn resolve_constraints(specs: &[&[ConstraintSpec]]) -> Vec<Constraint> {
        specs
            .iter()
            .flat_map(|s| s.iter())
            .map(|c| match c {
                ConstraintSpec::DistinctInstance => Constraint::DistinctInstance,
                ConstraintSpec::MemberOf { expression, expr } => Constraint::MemberOf {
                    expression: expression.clone(),
                    expr: expr.clone(),
                },
            })
            .collect()
    }

    /// Where the next task goes, given a launch and the owner's per-item counts.
    pub(crate) fn choose_target(&self, launch: &Launch, counts: &[u32]) -> Option<(Target, Option<usize>)> {
        match launch {
            Launch::Ec2 => Some((
                Target::Ec2 {
                    provider: None,
                    scope: None,
                    managed: false,
                },
                None,
            )),
            Launch::Fargate => Some((
                Target::Fargate {
                    provider: None,
                    spot: false,
                },
                None,
            )),
            Launch::Strategy(items) => {
                let k = crate::aws::ecs::capacity_provider::choose_provider(items, counts)?;
                let p = items[k].provider;
                let t = match &self.sc.capacity_providers[p].kind {
                    ProviderKind::Asg {
                        group, managed_scaling, ..
                    } => Target::Ec2 {
                        provider: Some(p as u16),
                        scope: Some(GroupIdx(*group as u16)),
                        managed: managed_scaling.is_some(),
                    },
                    ProviderKind::Fargate { spot } => Target::Fargate {
                        provider: Some(p as u16),
                        spot: *spot,
                    },
                };
                Some((t, Some(k)))
            }
        }
    }

    /// CPU units and MiB registered by ACTIVE and DRAINING instances (kept up to date on
    /// registration and termination, so this is O(1)).
    pub(crate) fn registered_totals(&self) -> (u64, u64) {
        (self.cpu_registered, self.mem_registered)
    }

    /// The service's tasks that are not STOPPED, in creation order.
    pub(crate) fn service_tasks(&self, s: ServiceId) -> impl Iterator<Item = &Task> + use<'_, 'a> {
        self.services[s.0 as usize].live.iter().map(|t| &self.tasks[*t])
    }

    /// The target a task was created for.
    pub(crate) fn target_of(&self, task: TaskId) -> Target {
        let t = &self.tasks[task];
        match t.provider.map(|p| &self.sc.capacity_providers[p as usize].kind) {
            None if self.is_fargate_launch(t.owner) => Target::Fargate {
                provider: None,
                spot: false,
            },
            None => Target::Ec2 {
                provider: None,
                scope: None,
                managed: false,
            },
            Some(ProviderKind::Fargate { spot }) => Target::Fargate {
                provider: t.provider,
                spot: *spot,
            },
            Some(ProviderKind::Asg {
                group, managed_scaling, ..
            }) => Target::Ec2 {
                provider: t.provider,
                scope: Some(GroupIdx(*group as u16)),
                managed: managed_scaling.is_some(),
            },
        }
    }

    /// The task definition a new task of this owner runs.
    pub(crate) fn definition_of(&self, owner: TaskOwner) -> u16 {
        match owner {
            TaskOwner::Service(s) => {
                let st = &self.services[s.0 as usize];
                st.rollout.current.as_ref().map_or(st.definition, |d| d.new_definition) as u16
            }
            TaskOwner::Job(j) => self.sc.batch_jobs[j.0 as usize].task_definition as u16,
        }
    }

    pub(crate) fn is_fargate_launch(&self, owner: TaskOwner) -> bool {
        owner_placement(&self.services, &self.jobs, owner).launch == Launch::Fargate
    }

    pub(crate) fn request_parts(&self, task: TaskId) -> (&[Strategy], &[Constraint]) {
        let p = owner_placement(&self.services, &self.jobs, self.tasks[task].owner);
        (&p.strategies, &p.constraints)
    }

    pub(crate) fn diagnose(&self, task: TaskId) -> crate::aws::ecs::placement::PlacementFailure {
        let t = &self.tasks[task];
        let (strategies, constraints) = self.request_parts(task);
        let scope = match self.target_of(task) {
            Target::Ec2 { scope, .. } => scope,
            Target::Fargate { .. } => None,
        };
        let req = PlacementRequest {
            demand: &self.demands[t.demand as usize],
            group: t.group,
            constraints,
            strategies,
            only_instance: None,
            scope,
        };
        self.placer.diagnose(&self.cluster, &req)
    }

    /// Tasks waiting for managed-scaling capacity, cluster-wide (capped by quota).
    pub(crate) fn provisioning_waiting(&self) -> u32 {
        let managed = |t: &TaskId| matches!(self.target_of(*t), Target::Ec2 { managed: true, .. });
        let s: usize = self
            .services
            .iter()
            .map(|s| s.unplaced.iter().filter(|t| managed(t)).count())
            .sum();
        let j: usize = self
            .jobs
            .iter()
            .map(|j| j.queue.iter().filter(|t| managed(t)).count())
            .sum();
        (s + j) as u32
    }

    pub(crate) fn placement_explanation(
        &self,
        now: SimTime,
        task: TaskId,
        req: &PlacementRequest<'_>,
        trace: crate::aws::ecs::placement::ChainTrace,
        chosen: Option<InstanceId>,
    ) -> crate::explain::PlacementExplanation {
        let inst = |id: InstanceId| &self.cluster.instances[id.index()];
        let candidates = trace
            .instances
            .iter()
            .map(|(id, r)| crate::explain::Candidate {
                instance: id.to_string(),
                instance_type: self.sc.instance_types[inst(*id).instance_type as usize].name.clone(),
                availability_zone: self.sc.availability_zones[inst(*id).az.0 as usize].clone(),
                cpu_free_units: inst(*id).cpu_free,
                memory_free_mib: inst(*id).memory_free_mib,
                filtered_out: r.map(|r| r.code().to_string()),
            })
            .collect();
        let steps = trace
            .steps
            .iter()
            .map(|(s, m, kept)| crate::explain::StrategyStep {
                strategy: s.clone(),
                measures: m.iter().map(|(i, v)| (i.to_string(), v.clone())).collect(),
                kept: kept.iter().map(|i| i.to_string()).collect(),
            })
            .collect();
        let note = match (chosen, trace.best.len()) {
            (None, _) => "no instance passed the filters and constraints".to_string(),
            (Some(_), 1) => "the only instance left after the chain".to_string(),
            (Some(_), n) => format!("chosen uniformly at random among the {n} instances left after the chain"),
        };
        let t = &self.tasks[task];
        crate::explain::PlacementExplanation {
            time_s: now.as_ms() as f64 / 1000.0,
            task: t.number.to_string(),
            task_group: self.cluster.group_name(t.group).to_string(),
            cpu_units: req.demand.cpu_units,
            memory_mib: req.demand.memory_mib,
            candidates,
            steps,
            chosen: chosen.map(|i| i.to_string()),
            note,
        }
    }

    pub(crate) fn tasks_waiting(&self) -> u64 {
        self.jobs.iter().map(|j| j.queue.len() as u64).sum::<u64>()
            + self.services.iter().map(|s| s.unplaced.len() as u64).sum::<u64>()
    }

    /// After a task of `owner` was placed on (`placed`) or left instance `i` of group `g`:
    /// tells the observer of a change in the group's busy instances or perfect-packing need.
    pub(crate) fn occupancy_changed(
        &mut self,
        env: &mut Env<'_>,
        owner: TaskOwner,
        i: InstanceId,
        g: usize,
        placed: bool,
    ) {
        if !self.is_daemon(owner) {
            let changed = if placed {
                self.occupancy.placed(i, g)
            } else {
                self.occupancy.left(i, g)
            };
            if changed {
                env.observer.group_busy(g, env.now(), self.occupancy.busy_per_group[g]);
            }
        }
        let (cpu, mem) = (self.group_cpu_reserved[g], self.group_mem_reserved[g]);
        if let Some(need) = self.occupancy.need_changed(g, cpu, mem) {
            env.observer.group_need(g, env.now(), need);
        }
    }

    /// Whether `owner` is a DAEMON service.
    pub(crate) fn is_daemon(&self, owner: TaskOwner) -> bool {
        matches!(owner, TaskOwner::Service(s) if self.services[s.0 as usize].daemon)
    }

    /// The instance's tasks that are not DAEMON-service tasks.
    fn non_daemon_tasks_on(&self, id: InstanceId) -> impl Iterator<Item = TaskId> + use<'_, 'a> {
        self.cluster.instances[id.index()]
            .tasks
            .iter(&self.tasks)
            .filter(|t| match self.tasks[*t].owner {
                TaskOwner::Service(s) => !self.services[s.0 as usize].daemon,
                TaskOwner::Job(_) => true,
            })
    }

    /// How many of the instance's tasks are not DAEMON-service tasks.
    pub(crate) fn non_daemon_tasks(&self, id: InstanceId) -> usize {
        self.non_daemon_tasks_on(id).count()
    }

    /// Whether the instance runs any task other than a DAEMON-service task (what managed
    /// termination protection and "empty instance" checks ask), stopping at the first.
    pub(crate) fn hosts_non_daemon_task(&self, id: InstanceId) -> bool {
        self.non_daemon_tasks_on(id).next().is_some()
    }

    /// Does instance `id` satisfy every memberOf constraint of service `s`?
    pub(crate) fn satisfies_member_of(&self, s: ServiceId, id: InstanceId) -> bool {
        let ctx = self.placer.context();
        self.services[s.0 as usize]
            .placement
            .constraints
            .iter()
            .all(|c| match c {
                Constraint::MemberOf { expr, .. } => {
                    crate::aws::ecs::placement::query_matches(&self.cluster, id, expr, &ctx)
                }
                Constraint::DistinctInstance => true,
            })
    }

    /// A workload's index in Billing's attribution: services first, then batch jobs.
    pub(crate) fn workload_index(&self, owner: TaskOwner) -> usize {
        match owner {
            TaskOwner::Service(s) => s.0 as usize,
            TaskOwner::Job(j) => self.services.len() + j.0 as usize,
        }
    }

    /// The split cost an hour of a task of demand `demand` on instance `inst`: its share of
    /// the instance's vCPUs and memory, weighted 9 to 1 (Billing's split cost allocation).
    pub(crate) fn split_cost_hourly(&self, inst: InstanceId, demand: u32) -> f64 {
        let i = &self.cluster.instances[inst.index()];
        let ty = &self.sc.instance_types[i.instance_type as usize];
        let hourly = self.sc.instance_groups[i.group.0 as usize].price_per_hour_usd;
        let d = &self.demands[demand as usize];
        crate::aws::billing::split_cost_hourly(hourly, ty.vcpu, ty.memory_mib, d.cpu_units, d.memory_mib)
    }

    /// What Fargate task `task` costs an hour: its size, its ephemeral storage, Spot or not.
    pub(crate) fn fargate_hourly(&self, billing: &crate::aws::billing::Billing, task: TaskId) -> f64 {
        let t = &self.tasks[task];
        let d = &self.demands[t.demand as usize];
        let storage = self.sc.task_definitions[t.definition as usize].ephemeral_storage_gib;
        let spot = t.fargate.is_some_and(|f| f.spot);
        billing.fargate_hourly(d.cpu_units, d.memory_mib, storage, spot)
    }

    /// The group's instances that count for its Auto Scaling group (launching or ACTIVE).
    pub(crate) fn group_instances(&self, g: GroupIdx) -> Vec<InstanceId> {
        self.live_instances_of(|i| {
            i.group == g && matches!(i.status, InstanceStatus::Launching | InstanceStatus::Active)
        })
    }

    /// The group's instances the Auto Scaling group counts as in service.
    pub(crate) fn asg_in_service(&self, g: GroupIdx) -> Vec<InstanceId> {
        self.asg_in_service_iter(g).map(|i| i.id).collect()
    }

    /// The group's instances the Auto Scaling group counts as in service, without copying
    /// their ids (for counts per tick).
    pub(crate) fn asg_in_service_iter(&self, g: GroupIdx) -> impl Iterator<Item = &Instance> + use<'_, 'a> {
        self.live_instances().filter(move |i| {
            i.group == g && !(i.status == InstanceStatus::Draining && self.terminate_when_drained[i.id.index()])
        })
    }

    /// The instances not yet terminated, in launch order.
    pub(crate) fn live_instances(&self) -> impl Iterator<Item = &Instance> + use<'_, 'a> {
        self.cluster
            .in_service()
            .iter()
            .map(|i| &self.cluster.instances[i.index()])
    }

    pub(crate) fn live_instances_of(&self, pred: impl Fn(&Instance) -> bool) -> Vec<InstanceId> {
        self.live_instances().filter(|i| pred(i)).map(|i| i.id).collect()
    }
}
