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

mod invariants;

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

    fn setup_services(&mut self, _streams: &RngStreams) {
        let sc = self.sc;
        // Daemons first: ECS starts the daemon task first on an instance.
        let mut order: Vec<usize> = (0..sc.services.len()).collect();
        order.sort_by_key(|i| !matches!(sc.services[*i].scheduling, SchedulingStrategy::Daemon));
        for s in sc.services.iter() {
            let td = &sc.task_definitions[s.task_definition];
            let demand = self.intern_demand(td.demand.clone());
            let spec = s.placement_strategy.clone().unwrap_or_else(default_service_strategy);
            let strategies = self.resolve_strategies(&spec);
            let group = self.cluster.intern_group(&format!("service:{}", s.name));
            let (daemon, desired) = match s.scheduling {
                SchedulingStrategy::Replica { desired_count } => (false, desired_count),
                SchedulingStrategy::Daemon => (true, 0),
            };
            self.services.push(ServiceState {
                name: s.name.clone(),
                group,
                daemon,
                desired,
                demand,
                strategies,
                constraints: Self::resolve_constraints(&[&td.constraints, &s.placement_constraints]),
                run_time: s.task_run_time.clone(),
                unplaced: VecDeque::new(),
                starting: 0,
                running: 0,
                reconcile_scheduled: false,
                steady: false,
                tasks_started: 0,
                placement_failures: 0,
            });
        }
        for si in order {
            self.schedule_reconcile(ServiceId(si as u16), SimTime::ZERO);
        }
    }

    fn setup_jobs(&mut self, streams: &RngStreams) {
        let sc = self.sc;
        for (ji, j) in sc.batch_jobs.iter().enumerate() {
            let td = &sc.task_definitions[j.task_definition];
            let demand = self.intern_demand(td.demand.clone());
            let spec = j
                .placement_strategy
                .clone()
                .unwrap_or_else(|| vec![StrategySpec::Random]);
            let strategies = self.resolve_strategies(&spec);
            let group = self.cluster.intern_group(&j.group);
            let mut state = JobState {
                name: j.name.clone(),
                group,
                demand,
                strategies,
                constraints: Self::resolve_constraints(&[&td.constraints, &j.placement_constraints]),
                rng: streams.stream(&format!("workload/{}", j.name)),
                next_row: 0,
                queue: VecDeque::new(),
                waiting: 0,
                starting: 0,
                running: 0,
            };
            let first = match &j.arrivals {
                Arrivals::Poisson { rate_per_hour } => {
                    poisson_gap(&mut state.rng, *rate_per_hour).map(|g| SimTime(j.start_ms).saturating_add(g))
                }
                Arrivals::Trace { rows, .. } => rows.first().map(|r| SimTime(j.start_ms + r.arrival_ms)),
            };
            self.jobs.push(state);
            if let Some(t) = first {
                if j.stop_ms.is_none_or(|s| t.as_ms() < s) {
                    self.queue
                        .schedule(t, LANE_ARRIVAL, Event::JobArrival(JobId(ji as u16)));
                }
            }
        }
    }

    fn metric_columns(&self) -> Vec<String> {
        let mut c: Vec<String> = [
            "time_s",
            "instances",
            "cpu_registered_units",
            "cpu_reserved_units",
            "cpu_reserved_pct",
            "memory_registered_mib",
            "memory_reserved_mib",
            "memory_reserved_pct",
            "tasks_waiting",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for g in &self.sc.instance_groups {
            for m in [
                "instances",
                "instances_in_use",
                "cpu_reserved_pct",
                "memory_reserved_pct",
            ] {
                c.push(format!("group.{}.{m}", g.name));
            }
        }
        for s in &self.services {
            for m in ["desired", "running", "pending"] {
                c.push(format!("service.{}.{m}", s.name));
            }
        }
        for j in &self.jobs {
            for m in ["waiting", "starting", "running"] {
                c.push(format!("job.{}.{m}", j.name));
            }
        }
        c
    }

    // ------------------------------------------------------------------ the run

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

    fn accumulate_area(&mut self, now: SimTime) {
        let dt = (now - self.last_area_time) as f64;
        if dt > 0.0 {
            self.cpu_area += self.cluster.cpu_reserved as f64 * dt;
            self.mem_area += self.cluster.memory_reserved_mib as f64 * dt;
            self.last_area_time = now;
        }
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

    fn new_task(&mut self, owner: TaskOwner, group: GroupId, demand: u32, run_for_ms: Option<u64>) -> TaskId {
        let id = TaskId(self.tasks.len() as u32);
        self.tasks.push(Task {
            id,
            owner,
            group,
            demand,
            state: TaskState::Provisioning,
            instance: None,
            submitted_at: self.now(),
            placed_at: None,
            run_for_ms,
        });
        self.submitted += 1;
        id
    }

    /// Tries to place `task`; on success reserves, logs and schedules its lifecycle.
    fn try_place(&mut self, task: TaskId) -> Result<bool, SimError> {
        let t = &self.tasks[task.0 as usize];
        let (strategies, constraints) = match t.owner {
            TaskOwner::Service(s) => {
                let s = &self.services[s.0 as usize];
                (&s.strategies, &s.constraints)
            }
            TaskOwner::Job(j) => {
                let j = &self.jobs[j.0 as usize];
                (&j.strategies, &j.constraints)
            }
        };
        let req = PlacementRequest {
            demand: &self.demands[t.demand as usize],
            group: t.group,
            constraints,
            strategies,
            only_instance: None,
        };
        let Some(inst) = self.placer.place(&self.cluster, &req, &mut self.rng_placement) else {
            return Ok(false);
        };
        let detail = if self.sink.enabled() {
            self.placer.describe_choice(&self.cluster, &req, inst)
        } else {
            String::new()
        };
        self.commit_placement(task, inst, detail)?;
        Ok(true)
    }

    fn commit_placement(&mut self, task: TaskId, inst: InstanceId, detail: String) -> Result<(), SimError> {
        let now = self.now();
        let (group, demand_idx, owner) = {
            let t = &self.tasks[task.0 as usize];
            (t.group, t.demand, t.owner)
        };
        let demand = &self.demands[demand_idx as usize];
        self.placer.reserve(&mut self.cluster, inst, task, group, demand);
        let gi = self.cluster.instances[inst.index()].group.0 as usize;
        self.group_cpu_reserved[gi] += u64::from(demand.cpu_units);
        self.group_mem_reserved[gi] += u64::from(demand.memory_mib);
        let uses_eni = demand.uses_eni;
        let t = &mut self.tasks[task.0 as usize];
        t.instance = Some(inst);
        t.placed_at = Some(now);
        self.waits_ms.push(now - t.submitted_at);
        self.placed += 1;
        match owner {
            TaskOwner::Service(s) => self.services[s.0 as usize].starting += 1,
            TaskOwner::Job(j) => self.jobs[j.0 as usize].starting += 1,
        }
        let lc = &self.sc.lifecycle;
        let dist = if uses_eni {
            &lc.awsvpc_provisioning
        } else {
            &lc.provisioning
        };
        let delay = dist.sample(&mut self.rng_lifecycle);
        self.queue
            .schedule(now + delay, LANE_LIFECYCLE, Event::TaskProvisioned(task));
        self.log("TASK_PLACED", Some(task), Some(inst), detail)
    }

    fn on_provisioned(&mut self, task: TaskId) -> Result<(), SimError> {
        let t = &mut self.tasks[task.0 as usize];
        if t.state != TaskState::Provisioning {
            return Ok(());
        }
        t.state = TaskState::Pending;
        let delay = self.sc.lifecycle.pending.sample(&mut self.rng_lifecycle);
        self.queue
            .schedule(self.now() + delay, LANE_LIFECYCLE, Event::TaskStarted(task));
        Ok(())
    }

    fn on_started(&mut self, task: TaskId) -> Result<(), SimError> {
        let now = self.now();
        let t = &mut self.tasks[task.0 as usize];
        if t.state != TaskState::Pending {
            return Ok(());
        }
        t.state = TaskState::Running;
        let (owner, run_for, inst) = (t.owner, t.run_for_ms, t.instance);
        if let Some(ms) = run_for {
            self.queue.schedule(now + ms, LANE_STOP, Event::TaskExited(task));
        }
        match owner {
            TaskOwner::Service(s) => {
                let st = &mut self.services[s.0 as usize];
                st.starting -= 1;
                st.running += 1;
                st.tasks_started += 1;
            }
            TaskOwner::Job(j) => {
                let js = &mut self.jobs[j.0 as usize];
                js.starting -= 1;
                js.running += 1;
            }
        }
        self.log("TASK_RUNNING", Some(task), inst, String::new())?;
        if let TaskOwner::Service(s) = owner {
            self.check_steady(s)?;
        }
        Ok(())
    }

    fn on_exited(&mut self, task: TaskId) -> Result<(), SimError> {
        let t = &mut self.tasks[task.0 as usize];
        if t.state != TaskState::Running {
            return Ok(());
        }
        t.state = TaskState::Stopped;
        let (owner, group, demand_idx, inst) = (
            t.owner,
            t.group,
            t.demand,
            t.instance.expect("running tasks are placed"),
        );
        let demand = &self.demands[demand_idx as usize];
        self.placer.release(&mut self.cluster, inst, task, group, demand);
        let gi = self.cluster.instances[inst.index()].group.0 as usize;
        self.group_cpu_reserved[gi] -= u64::from(demand.cpu_units);
        self.group_mem_reserved[gi] -= u64::from(demand.memory_mib);
        self.completed += 1;
        self.log(
            "TASK_STOPPED",
            Some(task),
            Some(inst),
            "Essential container in task exited".to_string(),
        )?;
        match owner {
            TaskOwner::Service(s) => {
                let st = &mut self.services[s.0 as usize];
                st.running -= 1;
                st.steady = false;
                // Replacement: the scheduler notices at once (no throttle after RUNNING).
                self.schedule_reconcile(s, self.now());
            }
            TaskOwner::Job(j) => self.jobs[j.0 as usize].running -= 1,
        }
        self.drain_wait_queue()
    }

    /// Places waiting batch tasks, oldest head first across jobs. Within a job the queue is
    /// FIFO with head-of-line blocking (a job whose head does not fit waits for the next
    /// release); one job's blocked head does not block another job.
    fn drain_wait_queue(&mut self) -> Result<(), SimError> {
        let mut blocked = vec![false; self.jobs.len()];
        loop {
            let mut best: Option<(SimTime, TaskId, usize)> = None;
            for (j, job) in self.jobs.iter().enumerate() {
                if blocked[j] {
                    continue;
                }
                if let Some(&head) = job.queue.front() {
                    let key = (self.tasks[head.0 as usize].submitted_at, head, j);
                    if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                        best = Some(key);
                    }
                }
            }
            let Some((_, head, j)) = best else {
                return Ok(());
            };
            if self.try_place(head)? {
                let job = &mut self.jobs[j];
                job.queue.pop_front();
                job.waiting -= 1;
            } else {
                blocked[j] = true;
            }
        }
    }

    fn tasks_waiting(&self) -> u64 {
        self.jobs.iter().map(|j| j.queue.len() as u64).sum::<u64>()
            + self.services.iter().map(|s| s.unplaced.len() as u64).sum::<u64>()
    }

    fn on_job_arrival(&mut self, j: JobId) -> Result<(), SimError> {
        let spec = &self.sc.batch_jobs[j.0 as usize];
        let now = self.now();
        // Tasks of this submission: (demand, run time).
        let mut batch: Vec<(u32, Option<u64>)> = Vec::new();
        let next_at: Option<SimTime> = match &spec.arrivals {
            Arrivals::Poisson { rate_per_hour } => {
                for _ in 0..spec.count {
                    let run = spec.task_duration.as_ref().map(|d| d.sample(&mut self.rng_durations));
                    batch.push((self.jobs[j.0 as usize].demand, run));
                }
                poisson_gap(&mut self.jobs[j.0 as usize].rng, *rate_per_hour).map(|g| now + g)
            }
            Arrivals::Trace { rows, .. } => {
                let rows = rows.clone();
                let row_idx = self.jobs[j.0 as usize].next_row;
                let row = &rows[row_idx];
                let base = self.sc.task_definitions[spec.task_definition].demand.clone();
                let demand = self.intern_demand(TaskDemand {
                    cpu_units: row.cpu_units.unwrap_or(base.cpu_units),
                    memory_mib: row.memory_mib.unwrap_or(base.memory_mib),
                    ..base
                });
                for _ in 0..row.count {
                    let run = row
                        .duration_ms
                        .or_else(|| spec.task_duration.as_ref().map(|d| d.sample(&mut self.rng_durations)));
                    batch.push((demand, run));
                }
                self.jobs[j.0 as usize].next_row = row_idx + 1;
                rows.get(row_idx + 1).map(|r| SimTime(spec.start_ms + r.arrival_ms))
            }
        };
        if let Some(t) = next_at {
            if spec.stop_ms.is_none_or(|s| t.as_ms() < s) {
                self.queue.schedule(t, LANE_ARRIVAL, Event::JobArrival(j));
            }
        }
        let group = self.jobs[j.0 as usize].group;
        let on_no_capacity = spec.on_no_capacity.clone();
        for (demand, run) in batch {
            let task = self.new_task(TaskOwner::Job(j), group, demand, run);
            if !self.demand_fits_somewhere[demand as usize] {
                // No instance could ever hold it: fail now rather than block the queue forever.
                self.fail_task(task)?;
                continue;
            }
            let queue_empty = self.jobs[j.0 as usize].queue.is_empty();
            if queue_empty && self.try_place(task)? {
                continue;
            }
            if queue_empty || on_no_capacity == OnNoCapacity::Fail {
                // This task itself failed to place: record why, as RunTask's failures[] would.
                let failure = self.diagnose(task);
                self.placement_failures += 1;
                let detail = format!("RunTask failure reason \"{}\"; {failure}", failure.reason.code());
                self.log("TASK_PLACEMENT_FAILED", Some(task), failure.closest, detail)?;
            }
            match on_no_capacity {
                OnNoCapacity::Fail => self.fail_task(task)?,
                OnNoCapacity::Wait => {
                    let job = &mut self.jobs[j.0 as usize];
                    job.queue.push_back(task);
                    job.waiting += 1;
                }
            }
        }
        Ok(())
    }

    fn fail_task(&mut self, task: TaskId) -> Result<(), SimError> {
        self.tasks[task.0 as usize].state = TaskState::Stopped;
        self.failed += 1;
        let reason = if self.demand_fits_somewhere[self.tasks[task.0 as usize].demand as usize] {
            "no capacity (on_no_capacity = \"fail\")"
        } else {
            "the task is larger than every instance in the cluster"
        };
        self.log("TASK_FAILED", Some(task), None, reason.to_string())
    }

    fn diagnose(&self, task: TaskId) -> crate::placement::PlacementFailure {
        let t = &self.tasks[task.0 as usize];
        let (strategies, constraints) = match t.owner {
            TaskOwner::Service(s) => (
                &self.services[s.0 as usize].strategies,
                &self.services[s.0 as usize].constraints,
            ),
            TaskOwner::Job(j) => (
                &self.jobs[j.0 as usize].strategies,
                &self.jobs[j.0 as usize].constraints,
            ),
        };
        let req = PlacementRequest {
            demand: &self.demands[t.demand as usize],
            group: t.group,
            constraints,
            strategies,
            only_instance: None,
        };
        self.placer.diagnose(&self.cluster, &req)
    }

    fn schedule_reconcile(&mut self, s: ServiceId, at: SimTime) {
        let st = &mut self.services[s.0 as usize];
        if !st.reconcile_scheduled {
            st.reconcile_scheduled = true;
            self.queue.schedule(at, LANE_SCHEDULER, Event::ServiceReconcile(s));
        }
    }

    fn on_reconcile(&mut self, s: ServiceId) -> Result<(), SimError> {
        self.services[s.0 as usize].reconcile_scheduled = false;
        if self.services[s.0 as usize].daemon {
            return self.reconcile_daemon(s);
        }
        let (desired, active) = {
            let st = &self.services[s.0 as usize];
            (st.desired, st.unplaced.len() as u32 + st.starting + st.running)
        };
        for _ in active..desired {
            let (group, demand, run) = {
                let st = &mut self.services[s.0 as usize];
                let run = st.run_time.clone();
                (st.group, st.demand, run)
            };
            let run = run.map(|d| d.sample(&mut self.rng_durations));
            let task = self.new_task(TaskOwner::Service(s), group, demand, run);
            self.services[s.0 as usize].unplaced.push_back(task);
        }
        while let Some(&task) = self.services[s.0 as usize].unplaced.front() {
            if self.try_place(task)? {
                self.services[s.0 as usize].unplaced.pop_front();
                continue;
            }
            let failure = self.diagnose(task);
            self.placement_failures += 1;
            self.services[s.0 as usize].placement_failures += 1;
            let name = self.services[s.0 as usize].name.clone();
            self.log(
                "SERVICE_TASK_PLACEMENT_FAILURE",
                Some(task),
                failure.closest,
                format!("service {name} was unable to place a task because no container instance met all of its requirements. {}.", capitalise(&failure.to_string())),
            )?;
            let retry = self.now() + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(s, retry);
            break;
        }
        self.check_steady(s)
    }

    fn reconcile_daemon(&mut self, s: ServiceId) -> Result<(), SimError> {
        let n = self.cluster.instances.len();
        let mut retry = false;
        for i in 0..n {
            let inst = InstanceId(i as u32);
            let (group, demand) = {
                let st = &self.services[s.0 as usize];
                (st.group, st.demand)
            };
            let ci = &self.cluster.instances[i];
            if !ci.accepts_tasks() || ci.group_count(group) > 0 {
                continue;
            }
            let st = &self.services[s.0 as usize];
            let req = PlacementRequest {
                demand: &self.demands[demand as usize],
                group,
                constraints: &st.constraints,
                strategies: &[],
                only_instance: Some(inst),
            };
            // Instances that do not satisfy memberOf are not meant to run the daemon.
            let member = st.constraints.iter().all(|c| match c {
                Constraint::MemberOf { expr, .. } => {
                    crate::placement::query_matches(&self.cluster, inst, expr, &self.placer.context())
                }
                Constraint::DistinctInstance => true,
            });
            if !member {
                continue;
            }
            if self
                .placer
                .place(&self.cluster, &req, &mut self.rng_placement)
                .is_some()
            {
                let run = self.services[s.0 as usize]
                    .run_time
                    .clone()
                    .map(|d| d.sample(&mut self.rng_durations));
                let task = self.new_task(TaskOwner::Service(s), group, demand, run);
                self.commit_placement(task, inst, "daemon: one task per instance".to_string())?;
            } else {
                let failure = self.placer.diagnose(&self.cluster, &req);
                self.placement_failures += 1;
                self.services[s.0 as usize].placement_failures += 1;
                let name = self.services[s.0 as usize].name.clone();
                self.log(
                    "SERVICE_TASK_PLACEMENT_FAILURE",
                    None,
                    Some(inst),
                    format!(
                        "daemon service {name} could not place its task on {inst}: {}",
                        failure.reason.code()
                    ),
                )?;
                retry = true;
            }
        }
        if retry {
            let at = self.now() + self.sc.lifecycle.reconcile_interval_ms;
            self.schedule_reconcile(s, at);
        }
        Ok(())
    }

    fn check_steady(&mut self, s: ServiceId) -> Result<(), SimError> {
        let st = &self.services[s.0 as usize];
        if st.daemon {
            return Ok(());
        }
        let steady = st.running == st.desired && st.starting == 0 && st.unplaced.is_empty();
        if steady && !st.steady {
            let name = st.name.clone();
            self.services[s.0 as usize].steady = true;
            self.log(
                "SERVICE_STEADY_STATE",
                None,
                None,
                format!("service {name} has reached a steady state."),
            )?;
        }
        Ok(())
    }

    fn sample_metrics(&mut self) {
        let pct = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        let waiting = self.tasks_waiting();
        let mut row = vec![
            MetricValue::Time(self.now()),
            MetricValue::Count(
                self.cluster
                    .instances
                    .iter()
                    .filter(|i| i.status != InstanceStatus::Inactive)
                    .count() as u64,
            ),
            MetricValue::Count(self.cpu_total),
            MetricValue::Count(self.cluster.cpu_reserved),
            MetricValue::Pct(pct(self.cluster.cpu_reserved, self.cpu_total)),
            MetricValue::Count(self.mem_total),
            MetricValue::Count(self.cluster.memory_reserved_mib),
            MetricValue::Pct(pct(self.cluster.memory_reserved_mib, self.mem_total)),
            MetricValue::Count(waiting),
        ];
        let mut in_use = vec![0u64; self.sc.instance_groups.len()];
        for i in &self.cluster.instances {
            if !i.tasks.is_empty() {
                in_use[i.group.0 as usize] += 1;
            }
        }
        for (g, used) in in_use.iter().enumerate() {
            row.push(MetricValue::Count(self.group_instances[g]));
            row.push(MetricValue::Count(*used));
            row.push(MetricValue::Pct(pct(
                self.group_cpu_reserved[g],
                self.group_cpu_total[g],
            )));
            row.push(MetricValue::Pct(pct(
                self.group_mem_reserved[g],
                self.group_mem_total[g],
            )));
        }
        for s in &self.services {
            let desired = if s.daemon {
                u64::from(s.running + s.starting)
            } else {
                u64::from(s.desired)
            };
            row.push(MetricValue::Count(desired));
            row.push(MetricValue::Count(u64::from(s.running)));
            row.push(MetricValue::Count(u64::from(s.starting) + s.unplaced.len() as u64));
        }
        for j in &self.jobs {
            row.push(MetricValue::Count(u64::from(j.waiting)));
            row.push(MetricValue::Count(u64::from(j.starting)));
            row.push(MetricValue::Count(u64::from(j.running)));
        }
        self.metrics.rows.push(row);
    }

    fn summary(&mut self) -> Summary {
        let sc = self.sc;
        let dur_ms = sc.duration_ms as f64;
        self.waits_ms.sort_unstable();
        let w = &self.waits_ms;
        let mean = if w.is_empty() {
            0.0
        } else {
            w.iter().map(|x| *x as f64).sum::<f64>() / w.len() as f64 / 1000.0
        };
        let p = |q: f64| percentile(w, q) as f64 / 1000.0;
        // Instances run the whole run here; EC2 bills per second with a 60 s minimum.
        let billed_s = (sc.duration_ms as f64 / 1000.0).max(60.0);
        let mut cost = 0.0;
        let mut hours = 0.0;
        for i in &self.cluster.instances {
            let price = sc.instance_types[i.instance_type as usize].price_per_hour_usd;
            cost += price * billed_s / 3600.0;
            hours += sc.duration_ms as f64 / 3_600_000.0;
        }
        let running_at_end = self.tasks.iter().filter(|t| t.state == TaskState::Running).count() as u64;
        Summary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            duration_s: dur_ms / 1000.0,
            events_processed: self.queue.popped(),
            tasks_submitted: self.submitted,
            tasks_placed: self.placed,
            tasks_completed: self.completed,
            tasks_failed: self.failed,
            tasks_waiting_at_end: self.tasks_waiting(),
            tasks_running_at_end: running_at_end,
            placement_failures: self.placement_failures,
            task_wait_mean_s: mean,
            task_wait_p50_s: p(50.0),
            task_wait_p90_s: p(90.0),
            task_wait_p95_s: p(95.0),
            task_wait_p99_s: p(99.0),
            task_wait_max_s: w.last().map_or(0.0, |x| *x as f64 / 1000.0),
            cpu_reserved_mean_pct: if self.cpu_total == 0 {
                0.0
            } else {
                self.cpu_area * 100.0 / (self.cpu_total as f64 * dur_ms)
            },
            memory_reserved_mean_pct: if self.mem_total == 0 {
                0.0
            } else {
                self.mem_area * 100.0 / (self.mem_total as f64 * dur_ms)
            },
            instances: self.cluster.instances.len() as u64,
            instance_hours: hours,
            cost_usd: cost,
            services: self
                .services
                .iter()
                .map(|s| ServiceSummary {
                    name: s.name.clone(),
                    desired_count: if s.daemon {
                        u64::from(s.running + s.starting)
                    } else {
                        u64::from(s.desired)
                    },
                    running_at_end: u64::from(s.running),
                    tasks_started: s.tasks_started,
                    placement_failures: s.placement_failures,
                })
                .collect(),
        }
    }

    /// Read access for tests and tools.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Time to the next Poisson arrival in ms, or `None` for a zero rate.
fn poisson_gap(rng: &mut StreamRng, rate_per_hour: f64) -> Option<u64> {
    if rate_per_hour <= 0.0 {
        return None;
    }
    let mean_ms = 3_600_000.0 / rate_per_hour;
    let e = Exp::new(1.0 / mean_ms).expect("positive rate");
    let gap: f64 = e.sample(rng);
    Some(gap.round() as u64)
}

/// Runs a scenario to completion with the given event sink.
pub fn run(sc: &Scenario, sink: &mut dyn EventSink, opts: RunOptions) -> Result<RunResult, SimError> {
    Simulation::new(sc, sink, opts).run()
}
