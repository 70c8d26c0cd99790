//! The world of one run: it owns one of each component (ECS, EC2 Auto Scaling, CloudWatch,
//! Application Auto Scaling, Elastic Load Balancing, Billing, the workload, the fault injector), the event queue and
//! the event sink, routes each event to the component it concerns, and is the only place that
//! knows them all. The observer (`observer.rs`) keeps the run's statistics from what happens.
//!
//! ## Same-instant order (the `lane` of each event)
//! At one instant, events run in this order, then in the order they were scheduled:
//! 1. stops and losses (`TaskExited`, `ProvisioningTimeout`, `DrainTimeout`, `SpotReclaim`,
//!    `FaultStart`, `FaultEnd`, `TaskDeregistered`, `TaskContainersExited`): capacity freed
//!    at `t` is visible to anything placed at `t`;
//! 2. lifecycle progress (`TaskProvisioned`, `TaskStarted`, `TaskHealthy`, `HealthCheck`,
//!    `HealthGraceEnded`, `InstanceRegistered`);
//! 3. arrivals (`JobArrival`, `RetryWaiting`): new RunTask submissions and retries;
//! 4. scaling (`ScheduledAction`, `DeploymentStart`, `TaskProtection`, `ControlTick`,
//!    `HighResolutionTick`): the minute's metrics,
//!    alarms and scaling decisions, so the scheduler acts on a new desired count at the same
//!    instant;
//! 5. `ServiceReconcile`: the service scheduler;
//! 6. `MetricsSample`: last, so a sample at `t` sees everything that happened at `t`.
//!
//! Architecture invariant: all randomness comes from named sub-streams of the scenario seed;
//! nothing iterates a hash map to produce output.

mod auto_scaling_groups;
mod control_tick;
mod faults;
mod load_balancing;
pub(crate) mod observer;
mod report;
mod setup;

use crate::aws::application_autoscaling::ApplicationAutoScaling;
use crate::aws::billing::Billing;
use crate::aws::cloudwatch::{CloudWatch, MetricKey, MetricName};
use crate::aws::ec2_autoscaling::Ec2AutoScaling;

use crate::aws::billing::Attribution;
use crate::aws::ecs::model::{
    AzIdx, Cluster, GroupIdx, Instance, InstanceId, InstanceStatus, JobId, ServiceId, TaskId, TaskNumber, TaskOwner,
    TaskState,
};
use crate::aws::ecs::Ecs;
use crate::aws::elb::Elb;
use crate::engine::{EventQueue, Lane, RngStreams, SimTime};
use crate::faults::FaultInjector;
use crate::metrics::{
    Distribution, EventSink, GroupSummary, JobSummary, MetricValue, MetricsSink, MetricsTable, ServiceSummary, Summary,
    WaitSummary, WorkloadCost,
};
use crate::scenario::Scenario;
use crate::workload::Workload;
use observer::{Levels, Observer};

pub(crate) const LANE_STOP: Lane = 0;
pub(crate) const LANE_LIFECYCLE: Lane = 1;
pub(crate) const LANE_ARRIVAL: Lane = 2;
pub(crate) const LANE_SCALING: Lane = 3;
pub(crate) const LANE_SCHEDULER: Lane = 4;
pub(crate) const LANE_METRICS: Lane = 5;

/// One minute: the period of CloudWatch datapoints and of the control tick.
pub(crate) const MINUTE_MS: u64 = 60_000;
use crate::aws::application_autoscaling::target_tracking::HIGH_RESOLUTION_PERIOD_MS;

/// The model's events.
#[derive(Clone, Debug)]
pub(crate) enum Event {
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
    /// A planned health check of a task: its container's, or its target's in a group.
    HealthCheck {
        task: TaskId,
        check: HealthCheckOf,
        generation: u32,
    },
    /// A task's health-check grace period ended while a failed check waited for it.
    HealthGraceEnded(TaskId),
    /// A STOPPING task's deregistration delay is over: SIGTERM.
    TaskDeregistered(TaskId),
    /// A STOPPING task's containers have exited (or been killed at the stop timeout).
    TaskContainersExited(TaskId),
    /// A scripted UpdateTaskProtection.
    TaskProtection(u16),
    /// Protection set by a scripted UpdateTaskProtection expires: the service reconciles.
    ProtectionExpired(ServiceId),
    /// Once a minute: load, CloudWatch datapoints, service auto scaling, cluster auto scaling.
    ControlTick,
    /// Every 20 s, for services whose target tracking uses 20-second metrics: their
    /// high-resolution datapoints and the evaluation of their scalable target.
    HighResolutionTick,
    /// Retry waiting tasks (a Fargate launch token is due).
    RetryWaiting,
    MetricsSample,
}

/// Which of a task's health checks an [`Event::HealthCheck`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HealthCheckOf {
    /// Its essential container's (the ECS agent's).
    Container,
    /// Its target's in this target group (ELB's).
    TargetGroup(u16),
}

/// Why a run could not finish. Every variant is fatal to the run; none is the scenario's
/// input error (those are caught by `scenario`).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// More than `max_events` events: almost always a scenario that loops.
    #[error("the run processed more than max_events = {max_events} events (stopped at t = {at} s); raise scenario.max_events if the scenario is meant to be this busy")]
    EventBudgetExceeded { max_events: u64, at: SimTime },
    /// More tasks wait for capacity than `max_waiting_tasks`: the work submitted far exceeds
    /// what the cluster can run.
    #[error("more than max_waiting_tasks = {limit} tasks wait for capacity (at t = {at} s): the submissions far exceed what the cluster can run; add capacity, lower the arrival rate, or raise scenario.max_waiting_tasks")]
    WaitingTasksExceeded { limit: u64, at: SimTime },
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
    /// `ecsim fit`: the task definition (index in the scenario) to answer for at the end.
    pub fit: Option<usize>,
}

/// What a run produces.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub metrics: MetricsTable,
    pub summary: Summary,
    pub explanations: crate::explain::Explanations,
    /// The decisions report.html explains (empty when the run wrote no events).
    pub report_explanations: crate::explain::RunExplanations,
    /// `ecsim fit`'s answer at the end of the run, when asked.
    pub fit: Option<crate::aws::ecs::fit::FitReport>,
    /// The size the task table reached: the most tasks referenced at once (slots of STOPPED
    /// tasks are reused), whatever the number of tasks the run started.
    pub task_slots: usize,
    /// Of the events processed, how many were handled where they were scheduled instead of
    /// through the queue (zero-length stages; see `Env::handle_in_place`).
    pub events_handled_in_place: u64,
}

/// The world of one run: one of each AWS component, the workload and the fault injector,
/// the event queue and the event sink. It routes each event to the components it concerns and
/// is the only place that knows them all.
pub struct Simulation<'a> {
    sc: &'a Scenario,
    ecs: Ecs<'a>,
    autoscaling: ApplicationAutoScaling,
    /// Everything else: the queue, the sink and the components ECS may call.
    env: Env<'a>,
}

/// What ECS reaches of the rest of the world while it handles an event: the queue (to
/// schedule its own events and read the clock), the event sink, and the components it tells
/// or asks, through their methods only.
pub(crate) struct Env<'a> {
    pub(crate) opts: RunOptions,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) sink: &'a mut dyn EventSink,
    /// `sink.enabled()`, read once: the sink's answer is fixed for the run, and the hot paths
    /// ask it several times a task.
    logging: bool,
    /// Where the metrics rows go as they are sampled.
    pub(crate) metrics: &'a mut dyn MetricsSink,
    pub(crate) ec2: Ec2AutoScaling<'a>,
    pub(crate) cloudwatch: CloudWatch,
    pub(crate) billing: Billing,
    pub(crate) workload: Workload<'a>,
    pub(crate) faults: FaultInjector,
    pub(crate) elb: Elb,
    pub(crate) observer: Observer,
    pub(crate) report: Report,
}

impl Env<'_> {
    #[inline]
    pub(crate) fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Whether the event sink records anything (so events are worth formatting).
    #[inline]
    pub(crate) fn logging(&self) -> bool {
        self.logging
    }

    /// Whether the code about to schedule an event for the current instant in `lane`, as the
    /// last thing it does, may handle that event at once instead: it would be the very next
    /// event popped, the event budget (`max_events`) allows one more, and the run is not
    /// checking invariants between events. If so, the event counts as scheduled and
    /// processed, so every output is what the queued event would have given; a zero-length
    /// lifecycle stage then costs no trip through the queue.
    pub(crate) fn handle_in_place(&mut self, lane: Lane, max_events: u64) -> bool {
        if self.opts.check_invariants_every_event || self.queue.popped() >= max_events || !self.queue.next_for_now(lane)
        {
            return false;
        }
        self.queue.count_handled_in_place();
        true
    }
}

/// What the run reports as it goes: the metrics table, the explanations asked for, and the
/// cost at the last sample.
#[derive(Default)]
pub(crate) struct Report {
    explanations: crate::explain::Explanations,
    /// What report.html explains, kept when the run writes events.
    pub(crate) kept: crate::explain::RunExplanations,
    last_sample_cost: f64,
    /// Per workload (services, then batch jobs) and then per instance group's idle capacity:
    /// the cost at the last sample.
    last_sample_costs: Vec<f64>,
}

impl Report {
    /// Whether the placement of `task` at `now` is the one `ecsim explain` asked about (only
    /// the first such placement is recorded).
    pub(crate) fn wants_placement(&self, opts: &RunOptions, number: TaskNumber, now: SimTime) -> bool {
        let asked = match &opts.explain {
            crate::explain::ExplainRequest::Task(id) => u64::from(*id) == number.0,
            crate::explain::ExplainRequest::At(ms) => now.as_ms() >= *ms,
            _ => false,
        };
        asked && self.explanations.placement.is_none()
    }

    pub(crate) fn record_placement(&mut self, e: crate::explain::PlacementExplanation) {
        self.explanations.placement = Some(e);
    }

    /// Whether `ecsim explain --service` asked about service `name` at `now`.
    pub(crate) fn wants_service(&self, opts: &RunOptions, name: &str, now: SimTime) -> bool {
        match &opts.explain {
            crate::explain::ExplainRequest::Service(n) => n == name,
            crate::explain::ExplainRequest::ServiceAt(n, at) => n == name && now.as_ms() <= *at,
            _ => false,
        }
    }

    /// A health wait of the explained service; a wait like the last one recorded is not
    /// repeated until something else was recorded.
    pub(crate) fn record_health_wait(&mut self, now: SimTime, code: &'static str, detail: String) {
        let waits = &mut self.explanations.health_waits;
        if code != "TaskHealthy" && waits.last().is_some_and(|w| w.code == code) {
            return;
        }
        waits.push(crate::explain::HealthWait {
            time_s: now.as_secs_f64(),
            code,
            detail,
        });
    }

    /// A capacity provider's managed-scaling minute `explain --capacity-provider --at` asked
    /// for (the latest at or before its time replaces earlier ones).
    pub(crate) fn record_provider_minute(&mut self, e: crate::explain::ProviderEvaluation) {
        self.explanations.capacity_provider = Some(e);
    }
}

impl<'a> Simulation<'a> {
    /// Builds the cluster and schedules the first events.
    pub fn new(
        sc: &'a Scenario,
        sink: &'a mut dyn EventSink,
        metrics: &'a mut dyn MetricsSink,
        opts: RunOptions,
    ) -> Result<Self, SimError> {
        let streams = RngStreams::new(sc.seed);
        let mut sim = Simulation {
            sc,
            ecs: Ecs::new(sc, &streams),
            autoscaling: ApplicationAutoScaling::default(),
            env: Env {
                opts,
                queue: EventQueue::new(),
                logging: sink.enabled(),
                sink,
                metrics,
                ec2: Ec2AutoScaling::new(&sc.instance_groups, streams.stream("capacity")),
                cloudwatch: CloudWatch::new(sc.elastic.metric_delay_minutes as usize),
                billing: Billing::new(
                    sc.elastic.pricing.clone(),
                    sc.services.len() + sc.batch_jobs.len(),
                    sc.instance_groups.len(),
                ),
                workload: Workload::new(sc, &streams),
                faults: FaultInjector::new(
                    sc.availability_zones.len(),
                    sc.services.len(),
                    streams.stream("faults"),
                    streams.stream("health-checks"),
                ),
                elb: Elb::new(&sc.target_groups, sc.availability_zones.len()),
                observer: Observer::new(sc.services.len(), sc.batch_jobs.len(), sc.instance_groups.len()),
                report: Report::default(),
            },
        };
        sim.setup_capacity();
        sim.setup_services();
        sim.setup_faults();
        sim.setup_jobs();
        let columns = sim.metric_columns();
        sim.env.metrics.header(columns).map_err(SimError::Io)?;
        sim.env
            .queue
            .schedule(SimTime::ZERO, LANE_METRICS, Event::MetricsSample);
        if sim.needs_control_tick() {
            sim.env
                .queue
                .schedule(SimTime(MINUTE_MS), LANE_SCALING, Event::ControlTick);
        }
        if !sim.high_resolution_services().is_empty() {
            sim.env.queue.schedule(
                SimTime(HIGH_RESOLUTION_PERIOD_MS),
                LANE_SCALING,
                Event::HighResolutionTick,
            );
        }
        Ok(sim)
    }

    // ------------------------------------------------------------------ the run

    /// Runs to the scenario's end and returns metrics and summary.
    pub fn run(mut self) -> Result<RunResult, SimError> {
        let end = SimTime(self.sc.duration_ms);
        let mut last = SimTime::ZERO;
        while let Some(ev) = self.env.queue.pop_through(end) {
            // The budget counts this event: the run fails before handling event
            // `max_events + 1`.
            if self.env.queue.popped() > self.sc.max_events {
                return Err(SimError::EventBudgetExceeded {
                    max_events: self.sc.max_events,
                    at: ev.time,
                });
            }
            if ev.time < last {
                return Err(SimError::InvariantViolated {
                    at: ev.time,
                    what: format!("clock went back from {last} to {}", ev.time),
                });
            }
            last = ev.time;
            self.accumulate(ev.time);
            self.handle(ev.event)?;
            if self.env.opts.check_invariants_every_event {
                self.ecs
                    .check_invariants()
                    .map_err(|what| SimError::InvariantViolated { at: last, what })?;
                self.check_cheap_invariants()?;
                self.check_load_balancing()?;
            }
        }
        self.accumulate(end);
        let fit = self.env.opts.fit.map(|td| self.ecs.fit(td, end));
        self.ecs
            .check_invariants()
            .map_err(|what| SimError::InvariantViolated { at: end, what })?;
        self.check_load_balancing()?;
        let summary = self.summary();
        // Every input that multiplies a figure is bounded, so no figure overflows; should one
        // ever be NaN or infinite, the run fails naming it rather than writing it.
        if let Some(field) = summary.non_finite().first() {
            return Err(SimError::InvariantViolated {
                at: end,
                what: format!("the summary figure {field} is not a finite number"),
            });
        }
        Ok(RunResult {
            metrics: MetricsTable::default(),
            summary,
            explanations: std::mem::take(&mut self.env.report.explanations),
            report_explanations: std::mem::take(&mut self.env.report.kept),
            fit,
            task_slots: self.ecs.tasks.slots(),
            events_handled_in_place: self.env.queue.handled_in_place(),
        })
    }

    /// Integrates reservations, registered capacity and cost up to `now`.
    fn accumulate(&mut self, now: SimTime) {
        let dt_ms = self.env.observer.elapsed(now);
        if dt_ms == 0 {
            return;
        }
        let accrued = self.env.billing.accrue(dt_ms);
        let (cpu, mem) = self.ecs.registered_totals();
        let levels = Levels {
            cpu_reserved: self.ecs.cluster.cpu_reserved,
            memory_reserved: self.ecs.cluster.memory_reserved_mib,
            cpu_registered: cpu,
            memory_registered: mem,
            gpu_reserved: self.ecs.cluster.gpu_reserved,
            gpu_registered: self.ecs.gpu_registered,
        };
        self.env.observer.integrate(now, dt_ms, &levels, accrued);
        for (k, s) in self.ecs.services.iter().enumerate() {
            if s.daemon {
                continue;
            }
            let min_healthy =
                (u64::from(s.desired) * u64::from(s.rollout.config.minimum_healthy_percent)).div_ceil(100);
            self.env
                .observer
                .service_level(ServiceId(k as u16), dt_ms, s.running, s.desired, min_healthy);
        }
        if !self.sc.target_groups.is_empty() {
            self.count_time_without_healthy_targets(dt_ms);
        }
    }

    /// ECS's cheap invariants, and Billing's EC2 meter against the instances still running
    /// (each launch and termination billed exactly once).
    fn check_cheap_invariants(&self) -> Result<(), SimError> {
        let at = self.now();
        self.ecs
            .check_cheap_invariants()
            .map_err(|what| SimError::InvariantViolated { at, what })?;
        let running: f64 = self
            .ecs
            .cluster
            .in_service()
            .iter()
            .map(|i| &self.ecs.cluster.instances[i.index()])
            .map(|i| self.sc.instance_groups[i.group.0 as usize].price_per_hour_usd)
            .sum();
        let metered = self.env.billing.ec2_hourly_rate();
        if (metered - running).abs() > 1e-6 * running.max(1.0) {
            return Err(SimError::InvariantViolated {
                at,
                what: format!("EC2 is metered at {metered:.6} $/h, the running instances cost {running:.6} $/h"),
            });
        }
        Ok(())
    }

    fn now(&self) -> SimTime {
        self.env.queue.now()
    }

    fn handle(&mut self, ev: Event) -> Result<(), SimError> {
        match ev {
            Event::JobArrival(j) => self.ecs.on_job_arrival(&mut self.env, j),
            // A task's own events may outlive it (a task stopped by scale-in before it
            // exited, placed before it timed out): its slot was released, the event is stale.
            Event::TaskProvisioned(t)
            | Event::TaskStarted(t)
            | Event::TaskExited(t)
            | Event::ProvisioningTimeout(t)
            | Event::TaskHealthy(t)
            | Event::HealthCheck { task: t, .. }
            | Event::HealthGraceEnded(t)
            | Event::TaskDeregistered(t)
            | Event::TaskContainersExited(t)
                if self.ecs.tasks.get(t).is_none() =>
            {
                Ok(())
            }
            Event::TaskProvisioned(t) => self.ecs.on_provisioned(&mut self.env, t),
            Event::TaskStarted(t) => self.ecs.on_started(&mut self.env, t),
            Event::TaskExited(t) => self.ecs.on_exited(&mut self.env, t),
            Event::ProvisioningTimeout(t) => self.ecs.on_provisioning_timeout(&mut self.env, t),
            Event::ServiceReconcile(s) => self.ecs.on_reconcile(&mut self.env, s),
            Event::RetryWaiting => self.ecs.on_retry_waiting(&mut self.env),
            Event::InstanceRegistered(i) => self.ecs.on_instance_registered(&mut self.env, i),
            Event::DrainTimeout(i) => self.ecs.on_drain_timeout(&mut self.env, i),
            Event::ScheduledAction { service, action } => self.on_scheduled_action(service, action),
            Event::FaultStart(k) => self.on_fault_start(k as usize),
            Event::FaultEnd(k) => self.on_fault_end(k as usize),
            Event::SpotReclaim(i) => self.on_spot_reclaim(i),
            Event::DeploymentStart(k) => self.ecs.on_deployment_start(&mut self.env, k as usize),
            Event::TaskHealthy(t) => self.ecs.on_task_healthy(&mut self.env, t),
            Event::HealthCheck {
                task,
                check,
                generation,
            } => self.ecs.on_health_check(&mut self.env, task, check, generation),
            Event::HealthGraceEnded(t) => self.ecs.on_health_grace_ended(&mut self.env, t),
            Event::TaskDeregistered(t) => self.ecs.on_task_deregistered(&mut self.env, t),
            Event::TaskContainersExited(t) => self.ecs.on_containers_exited(&mut self.env, t),
            Event::TaskProtection(k) => self.ecs.on_task_protection(&mut self.env, k as usize),
            Event::ProtectionExpired(s) => {
                let now = self.now();
                self.ecs.schedule_reconcile(&mut self.env, s, now);
                Ok(())
            }
            Event::ControlTick => {
                self.on_control_tick()?;
                // Release runs check the cheap invariants once a minute (tests check all of
                // them after every event).
                self.check_cheap_invariants()?;
                let next = self.now() + MINUTE_MS;
                if next.as_ms() <= self.sc.duration_ms {
                    self.env.queue.schedule(next, LANE_SCALING, Event::ControlTick);
                }
                Ok(())
            }
            Event::HighResolutionTick => {
                self.on_high_resolution_tick()?;
                let next = self.now() + HIGH_RESOLUTION_PERIOD_MS;
                if next.as_ms() <= self.sc.duration_ms {
                    self.env.queue.schedule(next, LANE_SCALING, Event::HighResolutionTick);
                }
                Ok(())
            }
            Event::MetricsSample => {
                self.sample_metrics().map_err(SimError::Io)?;
                let next = self.now() + self.sc.metrics_interval_ms;
                if next.as_ms() <= self.sc.duration_ms {
                    self.env.queue.schedule(next, LANE_METRICS, Event::MetricsSample);
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
        self.ecs.log(&mut self.env, kind, task, instance, detail)
    }

    fn record(&mut self, entry: crate::aws::ecs::Entry, detail: String) -> Result<(), SimError> {
        self.ecs.record(&mut self.env, entry, detail)
    }

    /// Read access for tests and tools.
    pub fn cluster(&self) -> &Cluster {
        &self.ecs.cluster
    }
}

/// Runs a scenario to completion with the given event sink.
pub fn run(sc: &Scenario, sink: &mut dyn EventSink, opts: RunOptions) -> Result<RunResult, SimError> {
    let mut metrics = MetricsTable::default();
    let mut result = run_streaming(sc, sink, &mut metrics, opts)?;
    result.metrics = metrics;
    Ok(result)
}

/// Runs `sc` with its metrics rows sent to `metrics` as they are sampled (the returned
/// [`RunResult::metrics`] is then empty): what `run_to_dir` does, so that memory does not
/// grow with the number of rows.
pub fn run_streaming(
    sc: &Scenario,
    sink: &mut dyn EventSink,
    metrics: &mut dyn MetricsSink,
    opts: RunOptions,
) -> Result<RunResult, SimError> {
    Simulation::new(sc, sink, metrics, opts)?.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::NullSink;

    /// The invariant checker is what tests rely on to catch bookkeeping bugs, so it must
    /// itself notice a broken state: a sound run passes, a corrupted one fails.
    #[test]
    fn the_invariant_checker_catches_a_corrupted_cluster() {
        let sc = crate::scenario::load(std::path::Path::new("scenarios/binpack-vs-spread.toml")).unwrap();
        let mut sink = NullSink;
        let mut metrics = MetricsTable::default();
        let mut sim = Simulation::new(&sc, &mut sink, &mut metrics, RunOptions::default()).unwrap();
        // Run the first events so that tasks are placed.
        for _ in 0..200 {
            let Some(ev) = sim.env.queue.pop() else { break };
            sim.accumulate(ev.time);
            sim.handle(ev.event).unwrap();
        }
        assert!(sim.ecs.check_invariants().is_ok());
        let busy = sim
            .ecs
            .cluster
            .instances
            .iter()
            .position(|i| !i.tasks.is_empty())
            .unwrap();
        sim.ecs.cluster.instances[busy].cpu_free += 1;
        let err = sim.ecs.check_invariants().unwrap_err();
        assert!(err.contains("reserves"), "{err}");
        sim.ecs.cluster.instances[busy].cpu_free -= 1;
        sim.ecs.services[0].running += 1;
        let err = sim.ecs.check_invariants().unwrap_err();
        assert!(err.contains("recount"), "{err}");
    }
}
