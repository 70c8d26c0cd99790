//! Failures as scenario input: scripted faults at given times, stochastic failure rates, and
//! scripted deployments (ecs-semantics §2.3-2.5, §5.2, §7).

use super::decode::{Decoder, Fields};
use super::fields;
use super::node::Node;
use super::values::{duration, DurationDist};
use crate::aws::ecs::placement::query::suggest;

/// What a scripted fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Terminate `count` instances (or a fraction) of a group, chosen at random.
    TerminateInstances { group: usize, count: Selection },
    /// Instances in the AZ are lost; no launches there and no Fargate while it lasts.
    AzOutage { az: usize },
    /// The agent disconnects: tasks keep running, no new placements, until the end.
    AgentDisconnect { group: usize, count: Selection },
    /// Every instance of the group goes DRAINING.
    DrainInstances { group: usize },
    /// Stop some of a service's tasks.
    StopTasks { service: usize, count: Selection },
    /// Launches of EC2 instances or Fargate tasks in the AZ fail while it lasts.
    CapacityUnavailable { az: usize, fargate: bool },
    /// Start latency (image pull) multiplied while it lasts.
    SlowImagePull { factor: f64 },
    /// The service's application fails every health check while it lasts (container and
    /// load balancer checks alike).
    Unhealthy { service: usize },
}

/// How many of something a fault affects.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Count(u32),
    Fraction(f64),
    All,
    /// Given container instances by id (`i-00000003`); ids are assigned in launch order.
    Ids(Vec<u32>),
}

impl Selection {
    pub fn of(&self, n: usize) -> usize {
        match self {
            Selection::Count(c) => (*c as usize).min(n),
            Selection::Fraction(f) => ((n as f64) * f).round() as usize,
            Selection::All | Selection::Ids(_) => n,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub at_ms: u64,
    pub duration_ms: Option<u64>,
    pub kind: FaultKind,
}

/// Stochastic failure rates; all draws come from the `faults` stream.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureRates {
    /// Mean time between failures per instance type name.
    pub instance_mtbf_ms: Vec<(String, u64)>,
    /// Spot interruption events per Spot instance-hour; each event reclaims a burst.
    pub spot_interruptions_per_instance_hour: f64,
    /// Mean number of instances of one group reclaimed together (geometric, at least 1).
    pub spot_burst_mean: f64,
    pub fargate_spot_interruptions_per_task_hour: f64,
    pub task_crashes_per_task_hour: f64,
    /// `ECS_ENABLE_SPOT_INSTANCE_DRAINING`: drain on the 2-minute warning (off by default).
    pub spot_instance_draining: bool,
    /// Kill tasks whose memory use (from the load model) exceeds their hard limit.
    pub oom_kills: bool,
    /// The scheduler's throttle for tasks that stop before RUNNING: base delay (I).
    pub backoff_base_ms: u64,
    /// The throttle's longest delay: "incrementally increased up to a maximum of 27 minutes"
    /// (ECS developer guide, service throttle logic, current; it said 15 minutes before).
    pub backoff_max_ms: u64,
    /// When a task counts as healthy without a load balancer or health check (40 s).
    pub healthy_after_ms: u64,
}

impl Default for FailureRates {
    fn default() -> Self {
        FailureRates {
            instance_mtbf_ms: Vec::new(),
            spot_interruptions_per_instance_hour: 0.0,
            spot_burst_mean: 1.0,
            fargate_spot_interruptions_per_task_hour: 0.0,
            task_crashes_per_task_hour: 0.0,
            spot_instance_draining: false,
            oom_kills: true,
            backoff_base_ms: 10_000,
            backoff_max_ms: 27 * 60_000,
            healthy_after_ms: 40_000,
        }
    }
}

/// A scripted change of a service's task definition.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSpec {
    pub at_ms: u64,
    pub service: usize,
    pub task_definition: usize,
}

/// A service's deployment settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentConfig {
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    pub circuit_breaker: bool,
    pub rollback: bool,
    pub health_check_grace_period_ms: u64,
    pub az_rebalancing: bool,
}

fn selection(dec: &mut Decoder, t: &mut Fields<'_>) -> Selection {
    if let Some(list) = t.opt("instances") {
        let p = t.path_of("instances");
        let mut ids = Vec::new();
        for (k, item) in dec.array(list, &p).unwrap_or(&[]).iter().enumerate() {
            let pk = format!("{p}[{k}]");
            if let Some(s) = dec.string(item, &pk) {
                match s.strip_prefix("i-").and_then(|d| d.parse::<u32>().ok()) {
                    Some(id) => ids.push(id),
                    None => dec.error_hint(
                        item.pos,
                        &pk,
                        format!("\"{s}\" is not an instance id"),
                        Some("ids look like i-00000003 (see events.csv)".into()),
                    ),
                }
            }
        }
        return Selection::Ids(ids);
    }
    let c = t.opt("count");
    let f = t.opt("fraction");
    match (c, f) {
        (Some(n), None) => dec
            .int(n, &t.path_of("count"), 0, 1_000_000)
            .map_or(Selection::All, |v| Selection::Count(v as u32)),
        (None, Some(n)) => dec
            .number(n, &t.path_of("fraction"), 0.0, 1.0)
            .map_or(Selection::All, Selection::Fraction),
        (Some(n), Some(_)) => {
            dec.error_hint(n.pos, &t.path_of("count"), "give count or fraction, not both", None);
            Selection::All
        }
        (None, None) => Selection::All,
    }
}

fn name_ref(dec: &mut Decoder, t: &mut Fields<'_>, key: &str, what: &str, names: &[String]) -> Option<usize> {
    t.name_ref(dec, key, what, names.iter().map(String::as_str), None)
}

/// Decodes `[[faults]]`.
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode_faults(
    dec: &mut Decoder,
    node: &Node,
    groups: &[String],
    azs: &[String],
    services: &[String],
) -> Vec<Fault> {
    let mut out = Vec::new();
    let Some(items) = dec.array(node, "faults") else {
        return out;
    };
    const KINDS: [&str; 8] = [
        "terminate_instances",
        "az_outage",
        "agent_disconnect",
        "drain_instances",
        "stop_tasks",
        "capacity_unavailable",
        "slow_image_pull",
        "unhealthy",
    ];
    for (i, item) in items.iter().enumerate() {
        let path = format!("faults[{i}]");
        let Some(mut t) = dec.table(item, &path) else { continue };
        let at = t.req(dec, "at").and_then(|n| duration(dec, n, &format!("{path}.at")));
        let dur = t
            .opt("duration")
            .and_then(|n| duration(dec, n, &format!("{path}.duration")));
        let kind = t
            .req(dec, "type")
            .and_then(|n| dec.one_of(n, &format!("{path}.type"), "fault type", &KINDS));
        let k = match kind {
            Some("terminate_instances") => {
                let g = name_ref(dec, &mut t, "group", "instance group", groups);
                let c = selection(dec, &mut t);
                t.finish(dec, &fields::keys(fields::FAULT_TERMINATE));
                g.map(|group| FaultKind::TerminateInstances { group, count: c })
            }
            Some("agent_disconnect") => {
                let g = name_ref(dec, &mut t, "group", "instance group", groups);
                let c = selection(dec, &mut t);
                t.finish(dec, &fields::keys(fields::FAULT_GROUP_SELECTION));
                g.map(|group| FaultKind::AgentDisconnect { group, count: c })
            }
            Some("az_outage") => {
                let a = name_ref(dec, &mut t, "availability_zone", "availability zone", azs);
                t.finish(dec, &fields::keys(fields::FAULT_AZ));
                a.map(|az| FaultKind::AzOutage { az })
            }
            Some("drain_instances") => {
                let g = name_ref(dec, &mut t, "group", "instance group", groups);
                t.finish(dec, &fields::keys(fields::FAULT_GROUP));
                g.map(|group| FaultKind::DrainInstances { group })
            }
            Some("stop_tasks") => {
                let s = name_ref(dec, &mut t, "service", "service", services);
                let c = selection(dec, &mut t);
                t.finish(dec, &fields::keys(fields::FAULT_STOP_TASKS));
                s.map(|service| FaultKind::StopTasks { service, count: c })
            }
            Some("capacity_unavailable") => {
                let a = name_ref(dec, &mut t, "availability_zone", "availability zone", azs);
                let lt = t
                    .opt("launch_type")
                    .and_then(|n| dec.one_of(n, &format!("{path}.launch_type"), "launch type", &["EC2", "FARGATE"]))
                    .unwrap_or("EC2");
                t.finish(dec, &fields::keys(fields::FAULT_CAPACITY));
                a.map(|az| FaultKind::CapacityUnavailable {
                    az,
                    fargate: lt == "FARGATE",
                })
            }
            Some("slow_image_pull") => {
                let f = t
                    .req(dec, "factor")
                    .and_then(|n| dec.number(n, &format!("{path}.factor"), 1.0, 1000.0));
                t.finish(dec, &fields::keys(fields::FAULT_SLOW_PULL));
                f.map(|factor| FaultKind::SlowImagePull { factor })
            }
            Some("unhealthy") => {
                let s = name_ref(dec, &mut t, "service", "service", services);
                t.finish(dec, &fields::keys(fields::FAULT_SERVICE));
                s.map(|service| FaultKind::Unhealthy { service })
            }
            _ => None,
        };
        if let (Some(at_ms), Some(kind)) = (at, k) {
            out.push(Fault {
                at_ms,
                duration_ms: dur,
                kind,
            });
        }
    }
    out
}

/// Decodes `[failures]`.
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode_failures(dec: &mut Decoder, node: &Node, type_names: &[String]) -> FailureRates {
    let mut r = FailureRates::default();
    let Some(mut t) = dec.table(node, "failures") else {
        return r;
    };
    if let Some(n) = t.opt("instance_mtbf") {
        if let super::node::NodeKind::Table(entries) = &n.kind {
            for e in entries {
                let p = format!("failures.instance_mtbf.{}", e.key);
                // The scenario's own types, or any of the catalog's.
                let known = type_names.contains(&e.key) || crate::aws::ec2_autoscaling::catalog_type(&e.key).is_some();
                if !known {
                    let catalog = crate::aws::ec2_autoscaling::catalog_entries();
                    let names = type_names
                        .iter()
                        .map(String::as_str)
                        .chain(catalog.iter().map(|c| c.instance_type.name.as_str()));
                    dec.error_hint(
                        e.key_pos,
                        &p,
                        format!("unknown instance type \"{}\"", e.key),
                        suggest(&e.key, names),
                    );
                    continue;
                }
                if let Some(ms) = duration(dec, &e.value, &p) {
                    if ms == 0 {
                        dec.error(e.value.pos, &p, "a mean time between failures must be positive");
                    } else {
                        r.instance_mtbf_ms.push((e.key.clone(), ms));
                    }
                }
            }
        } else {
            dec.error(
                n.pos,
                "failures.instance_mtbf",
                format!("expected a table of instance type = \"30d\", found {}", n.type_name()),
            );
        }
    }
    let mut num = |t: &mut Fields<'_>, key: &str, max: f64| -> Option<f64> {
        let p = t.path_of(key);
        t.opt(key).and_then(|n| dec.number(n, &p, 0.0, max))
    };
    if let Some(v) = num(&mut t, "spot_interruptions_per_instance_hour", 100.0) {
        r.spot_interruptions_per_instance_hour = v;
    }
    if let Some(v) = num(&mut t, "spot_burst_mean", 10_000.0) {
        r.spot_burst_mean = v.max(1.0);
    }
    if let Some(v) = num(&mut t, "fargate_spot_interruptions_per_task_hour", 100.0) {
        r.fargate_spot_interruptions_per_task_hour = v;
    }
    if let Some(v) = num(&mut t, "task_crashes_per_task_hour", 100.0) {
        r.task_crashes_per_task_hour = v;
    }
    if let Some(n) = t.opt("spot_instance_draining") {
        if let Some(b) = dec.boolean(n, "failures.spot_instance_draining") {
            r.spot_instance_draining = b;
        }
    }
    if let Some(n) = t.opt("oom_kills") {
        if let Some(b) = dec.boolean(n, "failures.oom_kills") {
            r.oom_kills = b;
        }
    }
    for (key, slot) in [
        ("backoff_base", &mut r.backoff_base_ms),
        ("backoff_max", &mut r.backoff_max_ms),
        ("healthy_after", &mut r.healthy_after_ms),
    ] {
        if let Some(n) = t.opt(key) {
            if let Some(ms) = duration(dec, n, &format!("failures.{key}")) {
                *slot = ms;
            }
        }
    }
    t.finish(dec, &fields::keys(fields::FAILURES));
    r
}

/// Decodes `[[deployments]]`.
pub fn decode_deployments(
    dec: &mut Decoder,
    node: &Node,
    services: &[String],
    families: &[String],
) -> Vec<DeploymentSpec> {
    let mut out = Vec::new();
    let Some(items) = dec.array(node, "deployments") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("deployments[{i}]");
        let Some(mut t) = dec.table(item, &path) else { continue };
        let at = t.req(dec, "at").and_then(|n| duration(dec, n, &format!("{path}.at")));
        let s = name_ref(dec, &mut t, "service", "service", services);
        let td = name_ref(dec, &mut t, "task_definition", "task definition", families);
        t.finish(dec, &fields::keys(fields::DEPLOYMENT));
        if let (Some(at_ms), Some(service), Some(task_definition)) = (at, s, td) {
            out.push(DeploymentSpec {
                at_ms,
                service,
                task_definition,
            });
        }
    }
    out
}

/// Reads a service's deployment keys; `daemon` changes the defaults (0 / 100).
pub fn decode_deployment_config(
    dec: &mut Decoder,
    t: &mut Fields<'_>,
    daemon: bool,
    spread_az_first: bool,
) -> DeploymentConfig {
    let mut c = DeploymentConfig {
        minimum_healthy_percent: if daemon { 0 } else { 100 },
        maximum_percent: if daemon { 100 } else { 200 },
        circuit_breaker: false,
        rollback: false,
        health_check_grace_period_ms: 0,
        az_rebalancing: spread_az_first && !daemon,
    };
    if let Some(n) = t.opt("deployment_configuration") {
        let p = t.path_of("deployment_configuration");
        if let Some(mut d) = dec.table(n, &p) {
            if let Some(v) = d.opt("minimum_healthy_percent") {
                if let Some(x) = dec.int(v, &format!("{p}.minimum_healthy_percent"), 0, 100) {
                    c.minimum_healthy_percent = x as u32;
                }
            }
            if let Some(v) = d.opt("maximum_percent") {
                if let Some(x) = dec.int(v, &format!("{p}.maximum_percent"), 100, 200) {
                    c.maximum_percent = x as u32;
                }
            }
            if let Some(v) = d.opt("deployment_circuit_breaker") {
                let pp = format!("{p}.deployment_circuit_breaker");
                if let Some(mut cb) = dec.table(v, &pp) {
                    if let Some(e) = cb.opt("enable") {
                        c.circuit_breaker = dec.boolean(e, &format!("{pp}.enable")).unwrap_or(false);
                    }
                    if let Some(e) = cb.opt("rollback") {
                        c.rollback = dec.boolean(e, &format!("{pp}.rollback")).unwrap_or(false);
                    }
                    cb.finish(dec, &fields::keys(fields::CIRCUIT_BREAKER));
                }
            }
            d.finish(dec, &fields::keys(fields::DEPLOYMENT_CONFIGURATION));
        }
    }
    if let Some(n) = t.opt("health_check_grace_period") {
        if let Some(ms) = duration(dec, n, &t.path_of("health_check_grace_period")) {
            c.health_check_grace_period_ms = ms;
        }
    }
    if let Some(n) = t.opt("availability_zone_rebalancing") {
        let p = t.path_of("availability_zone_rebalancing");
        if let Some(v) = dec.one_of(n, &p, "AZ rebalancing setting", &["ENABLED", "DISABLED"]) {
            c.az_rebalancing = v == "ENABLED";
        }
    }
    c
}

/// Service keys this module reads.
pub const SERVICE_KEYS: [&str; 3] = [
    "deployment_configuration",
    "health_check_grace_period",
    "availability_zone_rebalancing",
];

/// Task-definition failure behaviours (for fault scenarios).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskBehaviour {
    /// The image cannot be pulled: the task goes PENDING -> STOPPED (CannotPullContainerError).
    pub fails_to_start: bool,
    /// The essential container exits this long after RUNNING (a crash loop when short).
    pub crash_after: Option<DurationDist>,
}
