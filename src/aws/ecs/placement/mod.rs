//! Task placement exactly as ECS orders it (ecs-semantics §1.2): hard filter (status, CPU,
//! memory, ports, ENI) -> binding constraints (`distinctInstance`, `memberOf`) -> up to five
//! best-effort strategies -> a seeded uniform tie-break.
//!
//! Two implementations give the same answers: [`Placer::place`] uses per-shape ordered
//! indexes (see `index`) for the common chains, so it does not scan every instance per task;
//! the reference `scan` path walks every instance and is used for any other chain and to
//! test the fast path. Architecture invariant: placement never changes task state; it only
//! chooses, and reserves or releases resources through [`Placer`] so the indexes stay true.

mod constraint;
mod free_index;
mod index;
pub mod query;
pub mod strategy;

pub use constraint::{instance_matches as query_matches, new_instance_satisfies, Constraint, NewInstance};
pub use strategy::{BinpackField, SpreadField, Strategy};

use crate::aws::ecs::model::{Cluster, GroupId, InstanceId, InstanceStatus, TaskDemand, TaskId};
use crate::engine::StreamRng;
use free_index::{FreeIndex, FreeKey};
use index::{IndexKey, ShapeIndexes};

use rand::Rng;
use std::fmt;

/// Everything placement needs to know about one task.
#[derive(Clone, Copy, Debug)]
pub struct PlacementRequest<'a> {
    pub demand: &'a TaskDemand,
    pub group: GroupId,
    pub constraints: &'a [Constraint],
    pub strategies: &'a [Strategy],
    /// Daemon tasks are placed on one given instance.
    pub only_instance: Option<InstanceId>,
    /// Only instances of this group (the task's Auto Scaling group capacity provider).
    pub scope: Option<crate::aws::ecs::model::GroupIdx>,
}

/// Why a task could not be placed, with the codes ECS reports (ecs-semantics §1.8).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureReason {
    NoActiveInstances,
    Agent,
    Cpu,
    Memory,
    Ports,
    Eni,
    Gpu,
    MemberOf,
    DistinctInstance,
}

impl FailureReason {
    /// The `failures[].reason` string RunTask returns.
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::NoActiveInstances => "NO ACTIVE INSTANCES",
            FailureReason::Agent => "AGENT",
            FailureReason::Cpu => "RESOURCE:CPU",
            FailureReason::Memory => "RESOURCE:MEMORY",
            FailureReason::Ports => "RESOURCE:PORTS",
            FailureReason::Eni => "RESOURCE:ENI",
            FailureReason::Gpu => "RESOURCE:GPU",
            FailureReason::MemberOf => "MemberOf placement constraint unsatisfied.",
            FailureReason::DistinctInstance => "DistinctInstance placement constraint unsatisfied.",
        }
    }

    /// The phrase the service event uses for the closest instance.
    pub fn service_phrase(self) -> &'static str {
        match self {
            FailureReason::NoActiveInstances => "no container instances are ACTIVE",
            FailureReason::Agent => "encountered error \"AGENT\"",
            FailureReason::Cpu => "has insufficient CPU units available",
            FailureReason::Memory => "has insufficient memory available",
            FailureReason::Ports => "is already using a port required by your task",
            FailureReason::Eni => "encountered error \"RESOURCE:ENI\"",
            FailureReason::Gpu => "encountered error \"RESOURCE:GPU\"",
            FailureReason::MemberOf => "encountered error \"MemberOf placement constraint unsatisfied.\"",
            FailureReason::DistinctInstance => {
                "encountered error \"DistinctInstance placement constraint unsatisfied.\""
            }
        }
    }
}

/// The outcome of a failed placement: the closest instance and what it lacked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementFailure {
    pub reason: FailureReason,
    pub closest: Option<InstanceId>,
}

impl fmt::Display for PlacementFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.closest {
            Some(i) => write!(
                f,
                "the closest matching container-instance {i} {}",
                self.reason.service_phrase()
            ),
            None => write!(f, "{}", self.reason.service_phrase()),
        }
    }
}

/// One strategy in a trace: its name, each survivor's measure, the survivors it kept.
pub type StepTrace = (String, Vec<(InstanceId, String)>, Vec<InstanceId>);

/// What [`Placer::explain`] found.
#[derive(Clone, Debug)]
pub struct ChainTrace {
    pub instances: Vec<(InstanceId, Option<FailureReason>)>,
    pub steps: Vec<StepTrace>,
    pub best: Vec<InstanceId>,
}

/// Facts about the run that query expressions need.
#[derive(Copy, Clone, Debug, Default)]
pub struct QueryContext {
    /// Wall-clock epoch of simulated time zero, for `registeredAt`.
    pub start_epoch_ms: i64,
}

/// Chooses instances and keeps the placement indexes in step with the cluster.
#[derive(Debug)]
pub struct Placer {
    ctx: QueryContext,
    indexes: ShapeIndexes,
    max_indexes: usize,
    use_indexes: bool,
    /// Shape-independent binpack indexes, for `[binpack(f)]` requests beyond the cap.
    free_indexes: Vec<FreeIndex>,
    /// Requests that found no instance since the cluster last changed.
    failures: FailureMemo,
}

/// The requests that failed since the cluster last changed. Whether a request can be placed
/// depends only on the cluster (every change of which goes through the [`Placer`]) and on
/// the request's demand, task group, scope and constraints (strategies only order the
/// candidates, and a failed placement draws no random number), so a request that failed
/// fails again until something changes: a service's waiting tasks are not re-checked
/// against every instance at every reconcile while nothing happens. Checked runs
/// cross-check every answer, this one included, against the scan.
#[derive(Debug, Default)]
struct FailureMemo {
    /// Bumped by every reserve, release, instance change and instance added.
    generation: u64,
    /// The generation the entries belong to.
    recorded_at: u64,
    entries: Vec<FailedRequest>,
}

/// What a failed placement's outcome depends on.
#[derive(Debug, PartialEq)]
struct FailedRequest {
    demand: TaskDemand,
    group: GroupId,
    scope: Option<crate::aws::ecs::model::GroupIdx>,
    constraints: Vec<Constraint>,
}

/// At most this many failed requests are remembered per cluster state (a run has few
/// distinct waiting shapes; beyond it the oldest is forgotten, which costs only time).
const FAILURE_MEMO_ENTRIES: usize = 16;

impl FailureMemo {
    fn matches(entry: &FailedRequest, req: &PlacementRequest<'_>) -> bool {
        entry.group == req.group
            && entry.scope == req.scope
            && entry.demand == *req.demand
            && entry.constraints.as_slice() == req.constraints
    }

    /// True when this request already failed on the cluster as it is.
    fn known_to_fail(&self, req: &PlacementRequest<'_>) -> bool {
        self.recorded_at == self.generation && self.entries.iter().any(|e| Self::matches(e, req))
    }

    fn record(&mut self, req: &PlacementRequest<'_>) {
        if self.recorded_at != self.generation {
            self.entries.clear();
            self.recorded_at = self.generation;
        }
        if self.entries.len() == FAILURE_MEMO_ENTRIES {
            self.entries.remove(0);
        }
        self.entries.push(FailedRequest {
            demand: req.demand.clone(),
            group: req.group,
            scope: req.scope,
            constraints: req.constraints.to_vec(),
        });
    }
}

impl Placer {
    /// `max_indexes` caps how many (task shape, chain) indexes are kept; requests beyond the
    /// cap use the scan path. Each index costs O(log n) per resource change.
    pub fn new(ctx: QueryContext, max_indexes: usize) -> Self {
        Placer {
            ctx,
            indexes: ShapeIndexes::default(),
            max_indexes,
            use_indexes: max_indexes > 0,
            free_indexes: Vec::new(),
            failures: FailureMemo::default(),
        }
    }

    pub fn context(&self) -> QueryContext {
        self.ctx
    }

    /// Chooses an instance for the request, or `None` when nothing fits.
    pub fn place(&mut self, cluster: &Cluster, req: &PlacementRequest<'_>, rng: &mut StreamRng) -> Option<InstanceId> {
        if let Some(only) = req.only_instance {
            return check(cluster, only, req, &self.ctx).is_ok().then_some(only);
        }
        if self.failures.known_to_fail(req) {
            return None;
        }
        let chosen = self.choose(cluster, req, rng);
        if chosen.is_none() {
            self.failures.record(req);
        }
        chosen
    }

    /// [`Placer::place`] without the memory of failures.
    fn choose(&mut self, cluster: &Cluster, req: &PlacementRequest<'_>, rng: &mut StreamRng) -> Option<InstanceId> {
        if self.use_indexes {
            if let Some(key) = IndexKey::for_request(req) {
                if let Some(k) = self.indexes.find_or_build(&key, cluster, self.max_indexes) {
                    return self.indexes.pick(k, cluster, req, &self.ctx, rng);
                }
            }
            // Beyond the cap, binpack alone is still answered without a scan.
            if let [Strategy::Binpack(field)] = req.strategies {
                let key = FreeKey {
                    field: *field,
                    scope: req.scope,
                };
                let s = match self.free_indexes.iter().position(|f| f.key() == key) {
                    Some(s) => s,
                    None => {
                        self.free_indexes.push(FreeIndex::build(key, cluster));
                        self.free_indexes.len() - 1
                    }
                };
                return self.free_indexes[s].pick(cluster, req, &self.ctx, rng);
            }
        }
        scan_place(cluster, req, &self.ctx, rng)
    }

    /// How many (task shape, chain) indexes exist; requests beyond `max_indexes` use the scan.
    pub fn index_count(&self) -> usize {
        self.indexes.len()
    }

    /// The reference implementation: every instance, every filter, every strategy.
    pub fn place_by_scan(
        &self,
        cluster: &Cluster,
        req: &PlacementRequest<'_>,
        rng: &mut StreamRng,
    ) -> Option<InstanceId> {
        scan_place(cluster, req, &self.ctx, rng)
    }

    /// The whole pipeline for one request, for explanations: every instance with the first
    /// requirement it failed (or `None`), then each strategy's measure per survivor and the
    /// survivors it kept.
    pub fn explain(&self, cluster: &Cluster, req: &PlacementRequest<'_>) -> ChainTrace {
        let mut instances = Vec::new();
        let mut cands = Vec::new();
        for i in cluster.in_service().iter().map(|id| &cluster.instances[id.index()]) {
            if i.status == InstanceStatus::Inactive || req.scope.is_some_and(|g| g != i.group) {
                continue;
            }
            let r = check(cluster, i.id, req, &self.ctx).err();
            if r.is_none() {
                cands.push(i.id);
            }
            instances.push((i.id, r));
        }
        let mut steps = Vec::new();
        for s in req.strategies {
            let measure = |id: InstanceId| -> String {
                match s {
                    Strategy::Binpack(f) => {
                        let left = strategy::binpack_remaining(cluster, id, *f, req.demand);
                        match f {
                            BinpackField::Cpu => format!("{left} CPU units left after placing"),
                            BinpackField::Memory => format!("{left} MiB left after placing"),
                        }
                    }
                    Strategy::Spread(field) => match strategy::spread_count(cluster, field, req.group, id) {
                        Some(n) => format!("{n} task(s) of the group share its value"),
                        None => "lacks the attribute".to_string(),
                    },
                    Strategy::Random => "any".to_string(),
                }
            };
            let measures: Vec<(InstanceId, String)> = cands.iter().map(|c| (*c, measure(*c))).collect();
            match s {
                Strategy::Binpack(f) => strategy::narrow_binpack(cluster, *f, req.demand, &mut cands),
                Strategy::Spread(field) => strategy::narrow_spread(cluster, field, req.group, &mut cands),
                Strategy::Random => strategy::narrow_random(&mut cands),
            }
            steps.push((s.to_string(), measures, cands.clone()));
        }
        ChainTrace {
            instances,
            steps,
            best: cands,
        }
    }

    /// Every candidate the full chain considers best (the set the tie-break picks from).
    pub fn best_set(&self, cluster: &Cluster, req: &PlacementRequest<'_>) -> Vec<InstanceId> {
        scan_best(cluster, req, &self.ctx)
    }

    /// Explains a failure the way ECS does: the instance that passed the most checks and the
    /// first requirement it failed. Checks run in the order of [`FailureReason`] (I).
    pub fn diagnose(&self, cluster: &Cluster, req: &PlacementRequest<'_>) -> PlacementFailure {
        let mut best: Option<(FailureReason, InstanceId)> = None;
        let targets: Vec<InstanceId> = match req.only_instance {
            Some(i) => vec![i],
            None => cluster.in_service().to_vec(),
        };
        for id in targets {
            let i = &cluster.instances[id.index()];
            let absent = matches!(i.status, InstanceStatus::Inactive | InstanceStatus::Launching);
            if absent || req.scope.is_some_and(|g| g != i.group) {
                continue;
            }
            if let Err(r) = check(cluster, id, req, &self.ctx) {
                if best.is_none_or(|(b, _)| r > b) {
                    best = Some((r, id));
                }
            }
        }
        match best {
            Some((reason, id)) => PlacementFailure {
                reason,
                closest: Some(id),
            },
            None => PlacementFailure {
                reason: FailureReason::NoActiveInstances,
                closest: None,
            },
        }
    }

    /// Reserves the task's resources on `inst` and updates every index.
    pub fn reserve(
        &mut self,
        cluster: &mut Cluster,
        inst: InstanceId,
        task: TaskId,
        group: GroupId,
        demand: &TaskDemand,
    ) {
        cluster.reserve(inst, task, group, demand);
        self.instance_changed(cluster, inst);
    }

    /// Releases the task's resources on `inst` and updates every index.
    pub fn release(
        &mut self,
        cluster: &mut Cluster,
        inst: InstanceId,
        task: TaskId,
        group: GroupId,
        demand: &TaskDemand,
    ) {
        cluster.release(inst, task, group, demand);
        self.instance_changed(cluster, inst);
    }

    /// Call after any change of an instance's status, agent or resources.
    pub fn instance_changed(&mut self, cluster: &Cluster, inst: InstanceId) {
        self.failures.generation += 1;
        self.indexes.update(cluster, inst);
        for idx in &mut self.free_indexes {
            idx.update(cluster, inst);
        }
    }

    /// Call after instances are added to the cluster.
    pub fn instances_added(&mut self, cluster: &Cluster) {
        self.failures.generation += 1;
        self.indexes.grow(cluster);
        for idx in &mut self.free_indexes {
            idx.grow(cluster);
        }
    }

    /// One line saying why `inst` ranked first under the request's chain (for the event log).
    pub fn describe_choice(&self, cluster: &Cluster, req: &PlacementRequest<'_>, inst: InstanceId) -> String {
        if req.only_instance.is_some() {
            return "daemon: one task per instance".to_string();
        }
        let mut parts = Vec::new();
        for s in req.strategies {
            let what = match s {
                Strategy::Binpack(f) => {
                    let left = strategy::binpack_remaining(cluster, inst, *f, req.demand);
                    match f {
                        BinpackField::Cpu => format!("{s}: {left} CPU units left"),
                        BinpackField::Memory => format!("{s}: {left} MiB left"),
                    }
                }
                Strategy::Spread(field) => {
                    let i = &cluster.instances[inst.index()];
                    let value = match field {
                        SpreadField::InstanceId => inst.to_string(),
                        SpreadField::Attribute { attr, .. } => i
                            .attr(*attr)
                            .map_or("(none)".to_string(), |v| cluster.value(v).to_string()),
                    };
                    let n = strategy::spread_count(cluster, field, req.group, inst).unwrap_or(0);
                    format!("{s}: {value} had {n} task(s) of the group")
                }
                Strategy::Random => format!("{s}"),
            };
            parts.push(what);
        }
        if parts.is_empty() {
            "no strategy: uniform among candidates".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// One instance against every hard requirement and constraint, in ECS's order.
pub(crate) fn check(
    cluster: &Cluster,
    id: InstanceId,
    req: &PlacementRequest<'_>,
    ctx: &QueryContext,
) -> Result<(), FailureReason> {
    let i = &cluster.instances[id.index()];
    if req.scope.is_some_and(|g| g != i.group) {
        return Err(FailureReason::NoActiveInstances);
    }
    if !i.accepts_tasks() {
        return Err(FailureReason::Agent);
    }
    let d = req.demand;
    if i.cpu_free < d.cpu_units {
        return Err(FailureReason::Cpu);
    }
    if i.memory_free_mib < d.memory_mib {
        return Err(FailureReason::Memory);
    }
    if !i.ports_free(&d.host_ports) {
        return Err(FailureReason::Ports);
    }
    if d.uses_eni && i.eni_free == 0 {
        return Err(FailureReason::Eni);
    }
    if i.gpu_free < d.gpus {
        return Err(FailureReason::Gpu);
    }
    constraint::check_constraints(cluster, id, req, ctx)
}

/// Checks the requirements an index does not encode (ports and constraints).
pub(crate) fn check_extra(cluster: &Cluster, id: InstanceId, req: &PlacementRequest<'_>, ctx: &QueryContext) -> bool {
    cluster.instances[id.index()].ports_free(&req.demand.host_ports)
        && constraint::check_constraints(cluster, id, req, ctx).is_ok()
}

fn scan_best(cluster: &Cluster, req: &PlacementRequest<'_>, ctx: &QueryContext) -> Vec<InstanceId> {
    let mut cands: Vec<InstanceId> = cluster
        .in_service()
        .iter()
        .copied()
        .filter(|id| check(cluster, *id, req, ctx).is_ok())
        .collect();
    for s in req.strategies {
        match s {
            Strategy::Binpack(f) => strategy::narrow_binpack(cluster, *f, req.demand, &mut cands),
            Strategy::Spread(field) => strategy::narrow_spread(cluster, field, req.group, &mut cands),
            Strategy::Random => strategy::narrow_random(&mut cands),
        }
    }
    cands
}

fn scan_place(
    cluster: &Cluster,
    req: &PlacementRequest<'_>,
    ctx: &QueryContext,
    rng: &mut StreamRng,
) -> Option<InstanceId> {
    let best = scan_best(cluster, req, ctx);
    match best.len() {
        0 => None,
        1 => Some(best[0]),
        n => Some(best[rng.random_range(0..n)]),
    }
}
