//! Explanations for learners: why a task went to one instance and not another (every
//! candidate, the filter or constraint that removed it, how each strategy ranked the rest),
//! and why a service scaled when it did (alarms, datapoints, cooldowns), as text or JSON.
//!
//! Architecture invariant: explanations are recorded by the simulator at the moment of the
//! decision, from the same state the decision used; this module only shapes and prints them.

use serde::Serialize;

/// What to explain in a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ExplainRequest {
    #[default]
    Nothing,
    /// The placement of this task (`t-00000012` is task 12).
    Task(u32),
    /// The first placement at or after this simulated time (ms).
    At(u64),
    /// Every scaling evaluation of this service in which an alarm was in ALARM or the
    /// desired count changed.
    Service(String),
    /// The service's last scaling evaluation at or before this simulated time (ms), whatever
    /// its alarms said: why it did or did not scale then.
    ServiceAt(String, u64),
    /// The capacity provider's last managed-scaling minute at or before this time (ms).
    CapacityProviderAt(String, u64),
}

/// One instance as placement saw it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub instance: String,
    pub instance_type: String,
    pub availability_zone: String,
    pub cpu_free_units: u32,
    pub memory_free_mib: u32,
    /// `None` when the instance passed every filter and constraint.
    pub filtered_out: Option<String>,
}

/// One strategy of the chain: each survivor's measure and who was kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrategyStep {
    pub strategy: String,
    pub measures: Vec<(String, String)>,
    pub kept: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlacementExplanation {
    pub time_s: f64,
    pub task: String,
    pub task_group: String,
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub candidates: Vec<Candidate>,
    pub steps: Vec<StrategyStep>,
    /// The instance chosen, or `None` when nothing fitted.
    pub chosen: Option<String>,
    pub note: String,
}

/// One policy at one evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyState {
    pub policy: String,
    pub datapoints: Vec<Option<f64>>,
    /// The alarms in words (`high alarm (3 of 3 > 60) ALARM, ...`).
    pub alarms: String,
    /// The same alarms as data.
    pub alarm_states: Vec<AlarmState>,
}

/// One CloudWatch alarm of a policy at an evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlarmState {
    /// `high` or `low` (a target-tracking policy's pair), or `step`.
    pub alarm: &'static str,
    /// `ALARM` or `OK`.
    pub state: &'static str,
    pub comparison: &'static str,
    pub threshold: f64,
    pub datapoints_to_alarm: u32,
    pub evaluation_periods: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScalingEvaluation {
    pub time_s: f64,
    pub running: u32,
    pub desired: u32,
    pub policies: Vec<PolicyState>,
    /// Whether any alarm was in ALARM.
    pub in_alarm: bool,
    /// What was decided, as a code (README, "explain"): `ScaleOut`, `ScaleIn`, or why not.
    pub decision_code: &'static str,
    /// The new desired count, when it changed.
    pub new_desired: Option<u32>,
    /// The decision in words.
    pub decision: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explanations {
    pub placement: Option<PlacementExplanation>,
    pub scaling: Vec<ScalingEvaluation>,
    pub capacity_provider: Option<ProviderEvaluation>,
    /// `--service`: when its deployments waited for health checks or deregistration, and when
    /// its tasks turned healthy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_waits: Vec<HealthWait>,
}

/// A moment a service's deployment waited on its tasks' health checks or on the
/// deregistration of the tasks it stopped, or a task of it turned healthy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HealthWait {
    pub time_s: f64,
    /// `WaitingForHealthChecks`, `WaitingForDeregistration` or `TaskHealthy`.
    pub code: &'static str,
    pub detail: String,
}

/// One minute of a capacity provider's managed scaling (ecs-semantics §3.3-3.6), as a
/// learner reads it: how M was computed, CapacityProviderReservation, its alarms, and what
/// the Auto Scaling group was told, or why nothing happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProviderEvaluation {
    pub time_s: f64,
    pub capacity_provider: String,
    /// N: instances in the group (launching or in service).
    pub instances: u32,
    /// Instances with no task other than daemons.
    pub empty_instances: u32,
    /// Waiting (PROVISIONING) tasks of the provider that a new instance could host, and
    /// those it never could (constraints no instance of the group satisfies), which do not
    /// drive scale-out.
    pub waiting_tasks: u32,
    pub waiting_tasks_no_instance_can_host: u32,
    /// New instances a binpack of the waiting tasks onto empty instances needs.
    pub instances_needed_for_waiting: u32,
    /// The managed scaling step sizes the needed instances are clamped to.
    pub minimum_scaling_step_size: u32,
    pub maximum_scaling_step_size: u32,
    /// M: the instances needed.
    pub m: u32,
    pub capacity_provider_reservation_pct: f64,
    pub target_capacity_pct: u32,
    /// Instances still inside the instance warm-up period (scale-out waits for them).
    pub warming_up: u32,
    pub alarm_states: Vec<AlarmState>,
    pub desired_capacity: u32,
    /// `ScaleOut`, `ScaleIn`, `NoAlarm`, `WarmingUp`, `AtMaxSize`, `AtMinSize` or
    /// `NoInstanceCanBeTerminated` (managed termination protection keeps instances with
    /// tasks).
    pub decision_code: &'static str,
    pub decision: String,
    /// Each instance of the group: status, tasks besides daemons, warming up, protected.
    pub members: Vec<ProviderMember>,
}

/// One instance of a capacity provider's group at a managed-scaling minute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProviderMember {
    pub instance: String,
    pub status: &'static str,
    pub non_daemon_tasks: u32,
    pub warming_up: bool,
    /// Managed termination protection keeps it (it runs tasks).
    pub protected: bool,
}

impl AlarmState {
    /// `alarm` (named `name`) and whether it is in ALARM.
    pub fn of(name: &'static str, alarm: &crate::aws::cloudwatch::Alarm, in_alarm: bool) -> Self {
        AlarmState {
            alarm: name,
            state: if in_alarm { "ALARM" } else { "OK" },
            comparison: alarm.comparison.symbol(),
            threshold: alarm.threshold,
            datapoints_to_alarm: alarm.datapoints_to_alarm,
            evaluation_periods: alarm.evaluation_periods,
        }
    }
}

/// A capacity provider's minute in words.
fn provider_text(p: &ProviderEvaluation) -> String {
    let mut s = format!(
        "Capacity provider {} at t = {:.3} s\n  N = {} instances ({} empty), {} warming up\n",
        p.capacity_provider, p.time_s, p.instances, p.empty_instances, p.warming_up
    );
    s += &format!(
        "  waiting tasks: {} (and {} no instance of the group can host, which do not count); a binpack of them onto empty instances needs {} new instance(s)\n",
        p.waiting_tasks, p.waiting_tasks_no_instance_can_host, p.instances_needed_for_waiting
    );
    s += &if p.instances_needed_for_waiting > 0 {
        format!(
            "  M = N + step = {} + {} (the {} needed, clamped to the scaling step sizes {} to {})\n",
            p.instances,
            p.m - p.instances,
            p.instances_needed_for_waiting,
            p.minimum_scaling_step_size,
            p.maximum_scaling_step_size
        )
    } else {
        format!("  M = N - empty = {} - {} = {}\n", p.instances, p.empty_instances, p.m)
    };
    let formula = match (p.instances, p.m) {
        (0, 0) => "100 (N = 0 and nothing waits)".to_string(),
        (0, _) => "200 (N = 0 with tasks waiting)".to_string(),
        _ => format!("M / N x 100 = {:.2}", p.capacity_provider_reservation_pct),
    };
    s += &format!(
        "  CapacityProviderReservation = {formula} (target {})\n",
        p.target_capacity_pct
    );
    for a in &p.alarm_states {
        s += &format!(
            "  {} alarm ({} of {} {} {}): {}\n",
            a.alarm, a.datapoints_to_alarm, a.evaluation_periods, a.comparison, a.threshold, a.state
        );
    }
    for m in &p.members {
        s += &format!(
            "  {} {:<9} {} task(s){}{}\n",
            m.instance,
            m.status,
            m.non_daemon_tasks,
            if m.warming_up { ", warming up" } else { "" },
            if m.protected { ", protected from scale-in" } else { "" }
        );
    }
    s += &format!(
        "  => [{}] {} (desired capacity {})\n",
        p.decision_code, p.decision, p.desired_capacity
    );
    s
}

fn fmt_dp(d: &[Option<f64>]) -> String {
    let parts: Vec<String> = d.iter().map(|v| v.map_or("-".into(), |x| format!("{x:.1}"))).collect();
    format!("[{}]", parts.join(" "))
}

/// A placement in words; with `limit`, at most that many candidates and strategy measures
/// are listed (the chosen instance always is) and the rest are counted by outcome.
fn placement_text(p: &PlacementExplanation, limit: Option<usize>) -> String {
    let limit = limit.unwrap_or(usize::MAX);
    let mut s = format!(
        "Placement of {} ({}) at t = {} s: needs {} CPU units and {} MiB\n\n",
        p.task,
        p.task_group,
        format_args!("{:.3}", p.time_s),
        p.cpu_units,
        p.memory_mib
    );
    s += "1-2. Candidates (ACTIVE, resources, ports, ENI, then constraints):\n";
    let is_chosen = |i: &str| p.chosen.as_deref() == Some(i);
    let mut unlisted: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for (k, c) in p.candidates.iter().enumerate() {
        let outcome = c.filtered_out.as_deref();
        if k >= limit && !is_chosen(&c.instance) {
            *unlisted.entry(outcome.unwrap_or("candidate")).or_default() += 1;
            continue;
        }
        s += &format!(
            "  {} {:<11} {:<11} free {:>6} CPU units {:>7} MiB  {}\n",
            c.instance,
            c.instance_type,
            c.availability_zone,
            c.cpu_free_units,
            c.memory_free_mib,
            outcome.map_or("candidate".to_string(), |r| format!("filtered out: {r}"))
        );
    }
    if !unlisted.is_empty() {
        let counts: Vec<String> = unlisted.iter().map(|(o, n)| format!("{n} {o}")).collect();
        s += &format!(
            "  ... and {} more not listed here ({}); `ecsim explain --task {}` lists them all\n",
            unlisted.values().sum::<u32>(),
            counts.join(", "),
            p.task
        );
    }
    s += "\n3. Strategies, in order (each keeps its best; ties go on):\n";
    if p.steps.is_empty() {
        s += "  (no strategy)\n";
    }
    for st in &p.steps {
        s += &format!("  {}:\n", st.strategy);
        let mut hidden = 0;
        for (k, (i, m)) in st.measures.iter().enumerate() {
            let kept = st.kept.contains(i);
            if k >= limit && !is_chosen(i) {
                hidden += 1;
                continue;
            }
            let mark = if kept { "kept" } else { "dropped" };
            s += &format!("    {i}  {m}  {mark}\n");
        }
        if hidden > 0 {
            s += &format!("    ... and {hidden} more\n");
        }
    }
    s += &format!(
        "\n4. Choice: {}\n   {}\n",
        p.chosen.as_deref().unwrap_or("none: the task waits or fails"),
        p.note
    );
    s
}

/// A service's scaling evaluation in words.
fn scaling_text(e: &ScalingEvaluation) -> String {
    let mut s = format!("t = {:.3} s: running {}, desired {}\n", e.time_s, e.running, e.desired);
    for p in &e.policies {
        s += &format!("  {}: datapoints {} -> {}\n", p.policy, fmt_dp(&p.datapoints), p.alarms);
    }
    s += &format!("  => [{}] {}\n", e.decision_code, e.decision);
    s
}

impl Explanations {
    /// Plain text for terminals.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        if let Some(p) = &self.placement {
            s += &placement_text(p, None);
        }
        for e in &self.scaling {
            s += &scaling_text(e);
        }
        if let Some(p) = &self.capacity_provider {
            s += &provider_text(p);
        }
        for w in &self.health_waits {
            s += &format!("t = {:.3} s: [{}] {}\n", w.time_s, w.code, w.detail);
        }
        if self.placement.is_none()
            && self.scaling.is_empty()
            && self.capacity_provider.is_none()
            && self.health_waits.is_empty()
        {
            s += "nothing matched: no such placement or scaling evaluation happened in the run\n";
        }
        s
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plain data");
        s.push('\n');
        s
    }
}

/// The most explanations of each kind a run keeps for its report.
pub const REPORT_EXPLANATIONS_MAX: usize = 200;
/// The most candidates (and strategy measures) a kept placement explanation lists.
pub const REPORT_CANDIDATES_MAX: usize = 40;

/// One decision explained for `report.html` (`explanations.json`): what it explains, the
/// event it belongs to, and the same words `ecsim explain` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeptExplanation {
    /// `placement`, `service` or `capacity_provider`.
    pub kind: &'static str,
    /// The event it explains: a task id (placements), a service or a capacity provider name.
    pub subject: String,
    pub time_s: f64,
    /// The `ecsim explain` options that print it (after the scenario file).
    pub command: String,
    pub text: String,
}

/// The explanations a run that writes events keeps for its report, bounded: the first
/// placement and the first failed placement of each task group, every scaling evaluation
/// that changed a service's desired count, and every managed-scaling minute that changed a
/// group's desired capacity (each kind up to [`REPORT_EXPLANATIONS_MAX`]; the rest are
/// counted).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunExplanations {
    pub explanations: Vec<KeptExplanation>,
    /// Decisions of each kind beyond the limit, not kept (`ecsim explain` explains them).
    pub not_kept: std::collections::BTreeMap<&'static str, u64>,
    #[serde(skip)]
    kept_per_kind: [usize; 3],
    /// Per task group: bit 0 set when its first placement is kept, bit 1 its first failure.
    #[serde(skip)]
    groups_explained: Vec<u8>,
}

/// A simulated time as `explain --at` reads it: whole seconds as `960s`, else milliseconds.
fn at_option(time_s: f64) -> String {
    let ms = (time_s * 1000.0).round() as u64;
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

impl RunExplanations {
    const KINDS: [&'static str; 3] = ["placement", "service", "capacity_provider"];

    fn keep(&mut self, kind: usize, e: KeptExplanation) {
        if self.kept_per_kind[kind] < REPORT_EXPLANATIONS_MAX {
            self.kept_per_kind[kind] += 1;
            self.explanations.push(e);
        } else {
            *self.not_kept.entry(Self::KINDS[kind]).or_default() += 1;
        }
    }

    fn group_bits(&mut self, group: usize) -> &mut u8 {
        if self.groups_explained.len() <= group {
            self.groups_explained.resize(group + 1, 0);
        }
        &mut self.groups_explained[group]
    }

    /// Whether the next placement of task group `group` would be its first kept one (placed
    /// or failed) and room is left.
    pub fn wants_placement(&mut self, group: usize, placed: bool) -> bool {
        let bit = if placed { 1 } else { 2 };
        self.kept_per_kind[0] < REPORT_EXPLANATIONS_MAX && *self.group_bits(group) & bit == 0
    }

    /// Keeps a placement of task group `group` (placed when `p.chosen` is set).
    pub fn keep_placement(&mut self, group: usize, p: &PlacementExplanation) {
        *self.group_bits(group) |= if p.chosen.is_some() { 1 } else { 2 };
        let e = KeptExplanation {
            kind: "placement",
            subject: p.task.clone(),
            time_s: p.time_s,
            command: format!("--task {}", p.task),
            text: placement_text(p, Some(REPORT_CANDIDATES_MAX)),
        };
        self.keep(0, e);
    }

    /// Keeps service `service`'s evaluation that changed its desired count.
    pub fn keep_service_decision(&mut self, service: &str, e: &ScalingEvaluation) {
        let kept = KeptExplanation {
            kind: "service",
            subject: service.to_string(),
            time_s: e.time_s,
            command: format!("--service {service} --at {}", at_option(e.time_s)),
            text: format!("Service {service}\n{}", scaling_text(e)),
        };
        self.keep(1, kept);
    }

    /// Keeps a managed-scaling minute that changed a group's desired capacity.
    pub fn keep_provider_minute(&mut self, p: &ProviderEvaluation) {
        let kept = KeptExplanation {
            kind: "capacity_provider",
            subject: p.capacity_provider.clone(),
            time_s: p.time_s,
            command: format!(
                "--capacity-provider {} --at {}",
                p.capacity_provider,
                at_option(p.time_s)
            ),
            text: provider_text(p),
        };
        self.keep(2, kept);
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plain data");
        s.push('\n');
        s
    }
}
