//! The ECS control plane over the engine: RunTask submissions, the service scheduler (REPLICA
//! and DAEMON), the task lifecycle, capacity providers (Auto Scaling groups with managed
//! scaling, Fargate), service auto scaling, cost, and the bookkeeping for metrics and summary.
//!
//! ## Same-instant order (the `lane` of each event)
//! At one instant, events run in this order, then in the order they were scheduled:
//! 1. stops (`TaskExited`, `ProvisioningTimeout`, `DrainTimeout`): capacity freed at `t` is
//!    visible to anything placed at `t`;
//! 2. lifecycle progress (`TaskProvisioned`, `TaskStarted`, `InstanceRegistered`);
//! 3. `JobArrival` and `RetryWaiting`: new RunTask submissions and retries;
//! 4. scaling (`ScheduledAction`, `ControlTick`): the minute's metrics, alarms and scaling
//!    decisions, so the scheduler acts on a new desired count at the same instant;
//! 5. `ServiceReconcile`: the service scheduler;
//! 6. `MetricsSample`: last, so a sample at `t` sees everything that happened at `t`.
//!
//! Architecture invariant: all randomness comes from named sub-streams of the scenario seed;
//! nothing iterates a hash map to produce output.

mod batch;
mod capacity;
mod deploy;
mod faults;
mod observer;
mod report;
mod scaling;
mod service;
mod tasks;

use crate::aws::application_autoscaling::ApplicationAutoScaling;
use crate::aws::billing::Billing;
use crate::aws::cloudwatch::{CloudWatch, MetricKey, MetricName};
use crate::aws::ec2_autoscaling::Ec2AutoScaling;

use crate::aws::ecs::capacity_provider::{AsgProvider, Target};
use crate::aws::ecs::deployment::DeploymentState;
use crate::aws::ecs::fargate::TokenBucket;
use crate::aws::ecs::model::{
    AzIdx, Cluster, FargateSlot, GroupId, GroupIdx, Instance, InstanceId, InstanceStatus, JobId, ServiceId, Task,
    TaskDemand, TaskId, TaskOwner, TaskState,
};
use crate::aws::ecs::placement::{Constraint, PlacementRequest, Placer, QueryContext};
use crate::aws::ecs::run_task::JobState;
use crate::aws::ecs::service::ServiceState;
use crate::aws::ecs::{Ecs, FargateCapacity};
use crate::engine::{EventQueue, Lane, RngStreams, SimTime};
use crate::faults::FaultInjector;
use crate::metrics::{percentile, EventSink, LogEvent, MetricValue, MetricsTable, ServiceSummary, Summary};
use crate::scenario::elastic::{Launch, ProviderKind};
use crate::scenario::{default_service_strategy, OnNoCapacity, Scenario, SchedulingStrategy, StrategySpec};
use crate::workload::Workload;
use observer::{Levels, Observer};
use std::collections::{HashMap, VecDeque};

const LANE_STOP: Lane = 0;
const LANE_LIFECYCLE: Lane = 1;
const LANE_ARRIVAL: Lane = 2;
const LANE_SCALING: Lane = 3;
const LANE_SCHEDULER: Lane = 4;
const LANE_METRICS: Lane = 5;

/// One minute: the period of CloudWatch datapoints and of the control tick.
const MINUTE_MS: u64 = 60_000;

/// The model's events.
#[derive(Clone, Debug)]
enum Event {
    JobArrival(JobId),
    TaskProvisioned(TaskId),
    TaskStarted(TaskId),
    TaskExited(TaskId),
    /// A task still waiting for managed-scaling capacity gives up.
    ProvisioningTimeout(TaskId),
    ServiceReconcile(ServiceId),
    InstanceRegistered(InstanceId),
    /// Managed draining stops waiting and lets the termination proceed.
    DrainTimeout(InstanceId),
    ScheduledAction {
        service: ServiceId,
        action: u16,
    },
    /// A scripted fault begins or ends.
    FaultStart(u16),
    FaultEnd(u16),
    /// The end of a Spot instance's 2-minute warning: the instance is reclaimed.
    SpotReclaim(InstanceId),
    /// A scripted deployment of a new task definition begins.
    DeploymentStart(u16),
    /// A task has been RUNNING long enough to count as healthy (deployments).
    TaskHealthy(TaskId),
    /// Once a minute: load, CloudWatch datapoints, service auto scaling, cluster auto scaling.
    ControlTick,
    /// Retry waiting tasks (a Fargate launch token is due).
    RetryWaiting,
    MetricsSample,
}

/// Why a run could not finish. Every variant is fatal to the run; none is the scenario's
/// input error (those are caught by `scenario`).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// More than `max_events` events: almost always a scenario that loops.
    #[error("the run processed more than max_events = {max_events} events (stopped at t = {at} s); raise scenario.max_events if the scenario is meant to be this busy")]
    EventBudgetExceeded { max_events: u64, at: SimTime },
    /// An invariant broke (a bug in ecsim, not in the scenario).
    #[error("internal invariant violated at t = {at} s: {what} (please report this with the scenario and seed)")]
    InvariantViolated { at: SimTime, what: String },
    /// The event sink failed to write.
    #[error("writing the event log failed: {0}")]
    Io(std::io::Error),
}

/// Options that do not change results.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Check every invariant after every event (slow; tests turn it on).
    pub check_invariants_every_event: bool,
    /// What to record an explanation of (`ecsim explain`).
    pub explain: crate::explain::ExplainRequest,
}

/// What a run produces.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub metrics: MetricsTable,
    pub summary: Summary,
    pub explanations: crate::explain::Explanations,
}

/// The world of one run: one of each AWS component, the workload and the fault injector,
/// the event queue and the event sink. It routes each event to the components it concerns and
/// is the only place that knows them all.
pub struct Simulation<'a> {
    sc: &'a Scenario,
    opts: RunOptions,
    queue: EventQueue<Event>,
    sink: &'a mut dyn EventSink,
    ecs: Ecs<'a>,
    ec2: Ec2AutoScaling<'a>,
    cloudwatch: CloudWatch,
    autoscaling: ApplicationAutoScaling,
    billing: Billing,
    workload: Workload<'a>,
    faults: FaultInjector,
    observer: Observer,
    report: Report,
}

/// What the run reports as it goes: the metrics table, the explanations asked for, and the
/// cost at the last sample.
#[derive(Default)]
struct Report {
    metrics: MetricsTable,
    explanations: crate::explain::Explanations,
    last_sample_cost: f64,
}

impl<'a> Simulation<'a> {
    /// Builds the cluster and schedules the first events.
    pub fn new(sc: &'a Scenario, sink: &'a mut dyn EventSink, opts: RunOptions) -> Self {
        let streams = RngStreams::new(sc.seed);
        let ctx = QueryContext {
            start_epoch_ms: sc.start_epoch_ms,
        };
        let e = &sc.elastic;
        let mut sim = Simulation {
            sc,
            opts,
            queue: EventQueue::new(),
            sink,
            ecs: Ecs {
                sc,
                cluster: Cluster::new(),
                placer: Placer::new(ctx, sc.placement.max_indexes),
                tasks: Vec::new(),
                demands: Vec::new(),
                demand_ids: HashMap::new(),
                definition_demand: Vec::new(),
                services: Vec::new(),
                jobs: Vec::new(),
                providers: Vec::new(),
                rng_placement: streams.stream("placement"),
                rng_lifecycle: streams.stream("lifecycle"),
                terminate_when_drained: Vec::new(),
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
                mem_registered: 0,
            },
            ec2: Ec2AutoScaling::new(&sc.instance_groups, streams.stream("capacity")),
            cloudwatch: CloudWatch::new(sc.elastic.metric_delay_minutes as usize),
            autoscaling: ApplicationAutoScaling::default(),
            billing: Billing::new(sc.elastic.pricing.clone()),
            workload: Workload::new(sc, &streams),
            faults: FaultInjector::new(sc.availability_zones.len(), streams.stream("faults")),
            observer: Observer::new(sc.services.len()),
            report: Report::default(),
        };
        // Built-in attributes first, so their ids are stable.
        for a in [
            "ecs.availability-zone",
            "ecs.instance-type",
            "ecs.os-type",
            "ecs.cpu-architecture",
        ] {
            sim.ecs.cluster.intern_attr(a);
        }
        for td in &sc.task_definitions {
            let d = sim.ecs.intern_demand(td.demand.clone());
            sim.ecs.definition_demand.push(d);
        }
        sim.setup_capacity();
        sim.setup_services();
        sim.setup_faults();
        sim.setup_jobs();
        sim.report.metrics.columns = sim.metric_columns();
        sim.queue.schedule(SimTime::ZERO, LANE_METRICS, Event::MetricsSample);
        if sim.needs_control_tick() {
            sim.queue.schedule(SimTime(MINUTE_MS), LANE_SCALING, Event::ControlTick);
        }
        sim
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
            self.accumulate(ev.time);
            self.handle(ev.event)?;
            if self.opts.check_invariants_every_event {
                self.ecs
                    .check_invariants()
                    .map_err(|what| SimError::InvariantViolated { at: last, what })?;
            }
        }
        self.accumulate(end);
        self.ecs
            .check_invariants()
            .map_err(|what| SimError::InvariantViolated { at: end, what })?;
        let summary = self.summary();
        Ok(RunResult {
            metrics: std::mem::take(&mut self.report.metrics),
            summary,
            explanations: std::mem::take(&mut self.report.explanations),
        })
    }

    /// Integrates reservations, registered capacity and cost up to `now`.
    fn accumulate(&mut self, now: SimTime) {
        let dt_ms = self.observer.elapsed(now);
        if dt_ms == 0 {
            return;
        }
        let accrued = self.billing.accrue(dt_ms);
        let (cpu, mem) = self.ecs.registered_totals();
        let levels = Levels {
            cpu_reserved: self.ecs.cluster.cpu_reserved,
            memory_reserved: self.ecs.cluster.memory_reserved_mib,
            cpu_registered: cpu,
            memory_registered: mem,
        };
        self.observer.integrate(now, dt_ms, &levels, accrued);
        for (k, s) in self.ecs.services.iter().enumerate() {
            if s.daemon {
                continue;
            }
            let min_healthy = (u64::from(s.desired) * u64::from(s.deploy_cfg.minimum_healthy_percent)).div_ceil(100);
            self.observer
                .service_level(ServiceId(k as u16), dt_ms, s.running, s.desired, min_healthy);
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
            Event::ProvisioningTimeout(t) => self.on_provisioning_timeout(t),
            Event::ServiceReconcile(s) => self.on_reconcile(s),
            Event::RetryWaiting => {
                if self.ecs.fargate.retry_at.is_some_and(|t| t <= self.now().as_ms()) {
                    self.ecs.fargate.retry_at = None;
                }
                self.drain_wait_queue()?;
                for s in 0..self.ecs.services.len() {
                    if !self.ecs.services[s].unplaced.is_empty() {
                        self.schedule_reconcile(ServiceId(s as u16), self.now());
                    }
                }
                Ok(())
            }
            Event::InstanceRegistered(i) => self.on_instance_registered(i),
            Event::DrainTimeout(i) => self.on_drain_timeout(i),
            Event::ScheduledAction { service, action } => self.on_scheduled_action(service, action),
            Event::FaultStart(k) => self.on_fault_start(k as usize),
            Event::FaultEnd(k) => self.on_fault_end(k as usize),
            Event::SpotReclaim(i) => self.on_spot_reclaim(i),
            Event::DeploymentStart(k) => self.on_deployment_start(k as usize),
            Event::TaskHealthy(t) => self.on_task_healthy(t),
            Event::ControlTick => {
                self.on_control_tick()?;
                let next = self.now() + MINUTE_MS;
                if next.as_ms() <= self.sc.duration_ms {
                    self.queue.schedule(next, LANE_SCALING, Event::ControlTick);
                }
                Ok(())
            }
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
                self.ecs
                    .cluster
                    .group_name(self.ecs.tasks[t.0 as usize].group)
                    .to_string(),
                t.to_string(),
            ),
            None => (String::new(), String::new()),
        };
        let (inst_s, ty, az) = match instance {
            Some(i) => {
                let inst = &self.ecs.cluster.instances[i.index()];
                (
                    i.to_string(),
                    self.sc.instance_types[inst.instance_type as usize].name.clone(),
                    self.sc.availability_zones[inst.az.0 as usize].clone(),
                )
            }
            None => match task.and_then(|t| self.ecs.tasks[t.0 as usize].fargate) {
                Some(slot) => (
                    String::new(),
                    if slot.spot { "FARGATE_SPOT" } else { "FARGATE" }.to_string(),
                    self.sc.availability_zones[slot.az.0 as usize].clone(),
                ),
                None => (String::new(), String::new(), String::new()),
            },
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
        &self.ecs.cluster
    }
}

/// Runs a scenario to completion with the given event sink.
pub fn run(sc: &Scenario, sink: &mut dyn EventSink, opts: RunOptions) -> Result<RunResult, SimError> {
    Simulation::new(sc, sink, opts).run()
}
