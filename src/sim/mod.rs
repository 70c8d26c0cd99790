//! The ECS control plane over the engine: batch submissions (RunTask), the service scheduler
//! (REPLICA and DAEMON), the task lifecycle and the bookkeeping for metrics and summary.
//!
//! ## Same-instant order (the `lane` of each event)
//! At one instant, events run in this order, then in the order they were scheduled:
//! 1. `TaskExited`: tasks stop and give their resources back first, so capacity freed at `t`
//!    is visible to any placement at `t`;
//! 2. `TaskProvisioned`, `TaskStarted`: lifecycle progress of already placed tasks;
//! 3. `JobArrival`: new RunTask submissions;
//! 4. `ServiceReconcile`: the service scheduler, after the instant's submissions;
//! 5. `MetricsSample`: last, so a sample at `t` sees everything that happened at `t`.
//!
//! Architecture invariant: all randomness comes from named sub-streams of the scenario seed;
//! nothing iterates a hash map to produce output.

mod batch;
mod invariants;
mod report;
mod service;
mod tasks;

use crate::engine::{EventQueue, Lane, RngStreams, SimTime, StreamRng};
use crate::metrics::{percentile, EventSink, LogEvent, MetricValue, MetricsTable, ServiceSummary, Summary};
use crate::model::{
    AzIdx, Cluster, GroupId, GroupIdx, Instance, InstanceId, InstanceStatus, JobId, ServiceId, Task, TaskDemand,
    TaskId, TaskOwner, TaskState,
};
use crate::placement::{BinpackField, Constraint, PlacementRequest, Placer, QueryContext, SpreadField, Strategy};
use crate::scenario::{
    default_service_strategy, Arrivals, ConstraintSpec, DurationDist, OnNoCapacity, Scenario, SchedulingStrategy,
    StrategySpec,
};
use rand_distr::{Distribution, Exp};
use std::collections::{HashMap, VecDeque};
use std::fmt;

const LANE_STOP: Lane = 0;
const LANE_LIFECYCLE: Lane = 1;
const LANE_ARRIVAL: Lane = 2;
const LANE_SCHEDULER: Lane = 3;
const LANE_METRICS: Lane = 4;

/// The model's events.
#[derive(Clone, Debug)]
enum Event {
    JobArrival(JobId),
    TaskProvisioned(TaskId),
    TaskStarted(TaskId),
    TaskExited(TaskId),
    ServiceReconcile(ServiceId),
    MetricsSample,
}

/// Why a run could not finish.
#[derive(Debug)]
pub enum SimError {
    /// More than `max_events` events: almost always a scenario that loops.
    EventBudgetExceeded { max_events: u64, at: SimTime },
    /// An invariant broke (a bug in ecsim, not in the scenario).
    InvariantViolated { at: SimTime, what: String },
    /// The event sink failed to write.
    Io(std::io::Error),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::EventBudgetExceeded { max_events, at } => write!(
                f,
                "the run processed more than max_events = {max_events} events (stopped at t = {at} s); raise scenario.max_events if the scenario is meant to be this busy"
            ),
            SimError::InvariantViolated { at, what } => {
                write!(f, "internal invariant violated at t = {at} s: {what} (please report this with the scenario and seed)")
            }
            SimError::Io(e) => write!(f, "writing the event log failed: {e}"),
        }
    }
}

impl std::error::Error for SimError {}

/// Options that do not change results.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Check every invariant after every event (slow; tests turn it on).
    pub check_invariants_every_event: bool,
}

/// What a run produces.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub metrics: MetricsTable,
    pub summary: Summary,
}

struct ServiceState {
    name: String,
    group: GroupId,
    daemon: bool,
    desired: u32,
    demand: u32,
    strategies: Vec<Strategy>,
    constraints: Vec<Constraint>,
    run_time: Option<DurationDist>,
    /// Tasks created but not yet placed (waiting for capacity), oldest first.
    unplaced: VecDeque<TaskId>,
    /// Placed, not yet RUNNING.
    starting: u32,
    running: u32,
    reconcile_scheduled: bool,
    steady: bool,
    tasks_started: u64,
    placement_failures: u64,
}

struct JobState {
    name: String,
    group: GroupId,
    demand: u32,
    strategies: Vec<Strategy>,
    constraints: Vec<Constraint>,
    rng: StreamRng,
    next_row: usize,
    /// Tasks waiting for capacity, FIFO with head-of-line blocking within the job.
    queue: VecDeque<TaskId>,
    waiting: u32,
    starting: u32,
    running: u32,
}

/// One simulation run of one scenario.
pub struct Simulation<'a> {
    sc: &'a Scenario,
    opts: RunOptions,
    queue: EventQueue<Event>,
    cluster: Cluster,
    placer: Placer,
    tasks: Vec<Task>,
    demands: Vec<TaskDemand>,
    demand_ids: HashMap<TaskDemand, u32>,
    /// Whether each demand fits on at least one instance when empty.
    demand_fits_somewhere: Vec<bool>,
    services: Vec<ServiceState>,
    jobs: Vec<JobState>,
    rng_placement: StreamRng,
    rng_lifecycle: StreamRng,
    rng_durations: StreamRng,
    sink: &'a mut dyn EventSink,
    metrics: MetricsTable,
    group_cpu_reserved: Vec<u64>,
    group_mem_reserved: Vec<u64>,
    group_cpu_total: Vec<u64>,
    group_mem_total: Vec<u64>,
    group_instances: Vec<u64>,
    cpu_total: u64,
    mem_total: u64,
    // statistics
    last_area_time: SimTime,
    cpu_area: f64,
    mem_area: f64,
    waits_ms: Vec<u64>,
    submitted: u64,
    placed: u64,
    completed: u64,
    failed: u64,
    placement_failures: u64,
}

impl<'a> Simulation<'a> {
    /// Builds the cluster and schedules the first events.
    pub fn new(sc: &'a Scenario, sink: &'a mut dyn EventSink, opts: RunOptions) -> Self {
        let streams = RngStreams::new(sc.seed);
        let mut cluster = Cluster::new();
        let ctx = QueryContext {
            start_epoch_ms: sc.start_epoch_ms,
        };
        let mut sim = Simulation {
            sc,
            opts,
            queue: EventQueue::new(),
            cluster: Cluster::new(),
            placer: Placer::new(ctx, sc.placement.max_indexes),
            tasks: Vec::new(),
            demands: Vec::new(),
            demand_ids: HashMap::new(),
            demand_fits_somewhere: Vec::new(),
            services: Vec::new(),
            jobs: Vec::new(),
            rng_placement: streams.stream("placement"),
            rng_lifecycle: streams.stream("lifecycle"),
            rng_durations: streams.stream("task-durations"),
            sink,
            metrics: MetricsTable::default(),
            group_cpu_reserved: vec![0; sc.instance_groups.len()],
            group_mem_reserved: vec![0; sc.instance_groups.len()],
            group_cpu_total: vec![0; sc.instance_groups.len()],
            group_mem_total: vec![0; sc.instance_groups.len()],
            group_instances: vec![0; sc.instance_groups.len()],
            cpu_total: 0,
            mem_total: 0,
            last_area_time: SimTime::ZERO,
            cpu_area: 0.0,
            mem_area: 0.0,
            waits_ms: Vec::new(),
            submitted: 0,
            placed: 0,
            completed: 0,
            failed: 0,
            placement_failures: 0,
        };
        // Built-in attributes first, so their ids are stable.
        for a in [
            "ecs.availability-zone",
            "ecs.instance-type",
            "ecs.os-type",
            "ecs.cpu-architecture",
        ] {
            cluster.intern_attr(a);
        }
        sim.cluster = cluster;
        sim.register_instances();
        sim.setup_services(&streams);
        sim.setup_jobs(&streams);
        sim.metrics.columns = sim.metric_columns();
        sim.queue.schedule(SimTime::ZERO, LANE_METRICS, Event::MetricsSample);
        sim
    }

    fn register_instances(&mut self) {
        let sc = self.sc;
        for (gi, g) in sc.instance_groups.iter().enumerate() {
            let ty = &sc.instance_types[g.instance_type];
            let cpu = ty.cpu_units();
            let mem = ty.registered_memory(sc.registered_memory_fraction, g.reserved_memory_mib);
            let eni = ty.eni_task_slots(g.trunking);
            for k in 0..g.count {
                let id = InstanceId(self.cluster.instances.len() as u32);
                let az = g.availability_zones[k as usize % g.availability_zones.len()];
                self.cluster.instances.push(Instance {
                    id,
                    group: GroupIdx(gi as u16),
                    az: AzIdx(az as u16),
                    instance_type: g.instance_type as u16,
                    status: InstanceStatus::Active,
                    agent_connected: true,
                    agent_version: g.agent_version.clone(),
                    registered_at: SimTime::ZERO,
                    cpu_total: cpu,
                    memory_total_mib: mem,
                    eni_total: eni,
                    cpu_free: cpu,
                    memory_free_mib: mem,
                    eni_free: eni,
                    ports_used: sc.reserved_ports.clone(),
                    attrs: Vec::new(),
                    tasks: Vec::new(),
                    group_counts: Vec::new(),
                });
                self.cluster
                    .set_attr(id, "ecs.availability-zone", &sc.availability_zones[az]);
                self.cluster.set_attr(id, "ecs.instance-type", &ty.name);
                self.cluster.set_attr(id, "ecs.os-type", &ty.os_type);
                self.cluster.set_attr(id, "ecs.cpu-architecture", &ty.cpu_architecture);
                for (k, v) in &g.attributes {
                    self.cluster.set_attr(id, k, v);
                }
                self.group_cpu_total[gi] += u64::from(cpu);
                self.group_mem_total[gi] += u64::from(mem);
                self.group_instances[gi] += 1;
                self.cpu_total += u64::from(cpu);
                self.mem_total += u64::from(mem);
            }
        }
        self.placer.instances_added(&self.cluster);
    }

    fn intern_demand(&mut self, d: TaskDemand) -> u32 {
        if let Some(id) = self.demand_ids.get(&d) {
            return *id;
        }
        let id = self.demands.len() as u32;
        let fits = self.cluster.instances.iter().any(|i| {
            i.cpu_total >= d.cpu_units
                && i.memory_total_mib >= d.memory_mib
                && (!d.uses_eni || i.eni_total >= 1)
                && d.host_ports.iter().all(|p| !self.sc.reserved_ports.contains(p))
        });
        self.demand_fits_somewhere.push(fits);
        self.demands.push(d.clone());
        self.demand_ids.insert(d, id);
        id
    }

    fn resolve_strategies(&mut self, spec: &[StrategySpec]) -> Vec<Strategy> {
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

    fn resolve_constraints(specs: &[&[ConstraintSpec]]) -> Vec<Constraint> {
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

    /// Runs to the scenario's end and returns metrics and summary.
    pub fn run(mut self) -> Result<RunResult, SimError> {
        let end = SimTime(self.sc.duration_ms);
        let mut last = SimTime::ZERO;
        while let Some(t) = self.queue.peek_time() {
            if t > end {
                break;
            }
            if self.queue.popped() >= self.sc.max_events {
                return Err(SimError::EventBudgetExceeded {
                    max_events: self.sc.max_events,
                    at: t,
                });
            }
            let ev = self.queue.pop().expect("peeked");
            if ev.time < last {
                return Err(SimError::InvariantViolated {
                    at: ev.time,
                    what: format!("clock went back from {last} to {}", ev.time),
                });
            }
            last = ev.time;
            self.accumulate_area(ev.time);
            self.handle(ev.event)?;
            if self.opts.check_invariants_every_event {
                self.check_invariants()
                    .map_err(|what| SimError::InvariantViolated { at: last, what })?;
            }
        }
        self.accumulate_area(end);
        self.check_invariants()
            .map_err(|what| SimError::InvariantViolated { at: end, what })?;
        let summary = self.summary();
        Ok(RunResult {
            metrics: std::mem::take(&mut self.metrics),
            summary,
        })
    }

    fn now(&self) -> SimTime {
        self.queue.now()
    }

    fn handle(&mut self, ev: Event) -> Result<(), SimError> {
        match ev {
            Event::JobArrival(j) => self.on_job_arrival(j),
            Event::TaskProvisioned(t) => self.on_provisioned(t),
            Event::TaskStarted(t) => self.on_started(t),
            Event::TaskExited(t) => self.on_exited(t),
            Event::ServiceReconcile(s) => self.on_reconcile(s),
            Event::MetricsSample => {
                self.sample_metrics();
                let next = self.now() + self.sc.metrics_interval_ms;
                if next.as_ms() <= self.sc.duration_ms {
                    self.queue.schedule(next, LANE_METRICS, Event::MetricsSample);
                }
                Ok(())
            }
        }
    }

    fn log(
        &mut self,
        kind: &'static str,
        task: Option<TaskId>,
        instance: Option<InstanceId>,
        detail: String,
    ) -> Result<(), SimError> {
        if !self.sink.enabled() {
            return Ok(());
        }
        let (group, task_s) = match task {
            Some(t) => (
                self.cluster.group_name(self.tasks[t.0 as usize].group).to_string(),
                t.to_string(),
            ),
            None => (String::new(), String::new()),
        };
        let (inst_s, ty, az) = match instance {
            Some(i) => {
                let inst = &self.cluster.instances[i.index()];
                (
                    i.to_string(),
                    self.sc.instance_types[inst.instance_type as usize].name.clone(),
                    self.sc.availability_zones[inst.az.0 as usize].clone(),
                )
            }
            None => (String::new(), String::new(), String::new()),
        };
        self.sink
            .record(LogEvent {
                time: self.now(),
                kind,
                task: task_s,
                group,
                instance: inst_s,
                instance_type: ty,
                availability_zone: az,
                detail,
            })
            .map_err(SimError::Io)
    }

    /// Read access for tests and tools.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}

/// Runs a scenario to completion with the given event sink.
pub fn run(sc: &Scenario, sink: &mut dyn EventSink, opts: RunOptions) -> Result<RunResult, SimError> {
    Simulation::new(sc, sink, opts).run()
}
