//! Elastic Load Balancing and health as scenario input: `[[load_balancers]]`,
//! `[[target_groups]]` with the ELB API's health-check settings, a service's
//! `load_balancers` attachments, container health checks, `stop_timeout` and the
//! application's own health (how often its checks fail, overload), and scripted task
//! scale-in protection (ecs-semantics §2.2, §2.4, §2.9, §7).
//!
//! Defaults are the ELB API's (`CreateTargetGroup`): health-check interval 30 s, timeout 5 s
//! (HTTP) or 10 s (TCP, a Network Load Balancer's default protocol), healthy threshold 5,
//! unhealthy threshold 2, deregistration delay 300 s, slow start off; container health
//! checks: interval 30 s, timeout 5 s, retries 3, start period 0 (ECS task definition
//! parameters).

use super::decode::{Decoder, Fields};
use super::fields;
use super::node::Node;
use super::values::duration;

/// `type` of a load balancer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoadBalancerType {
    Application,
    Network,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LoadBalancerSpec {
    pub name: String,
    pub kind: LoadBalancerType,
}

/// How a target group names its targets: a task's own IP (awsvpc) or an instance and a host
/// port (bridge or host networking, dynamic host ports).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TargetType {
    Ip,
    Instance,
}

/// How many passing checks a newly registered target needs before it is healthy.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InitialChecks {
    /// "After your target is registered, it must pass one health check to be considered
    /// healthy" (ELB user guide, Application Load Balancers, health checks).
    One,
    /// `healthy_threshold_count` of them, as the ECS best-practices guide counts it
    /// ("interval 30 s x healthy threshold 5 = 150 s", ecs-semantics §2.4).
    HealthyThreshold,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TargetGroupSpec {
    pub name: String,
    /// Index into [`super::Scenario::load_balancers`].
    pub load_balancer: usize,
    pub target_type: TargetType,
    pub interval_ms: u64,
    pub timeout_ms: u64,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    pub deregistration_delay_ms: u64,
    /// ALB slow start: a new healthy target's share of requests ramps up linearly over it.
    pub slow_start_ms: u64,
    /// Cross-zone load balancing: on, every load balancer node routes to the healthy targets
    /// of every zone; off, each node (one per zone, each taking an equal share) only to its
    /// own zone's.
    pub cross_zone: bool,
    pub initial_checks: InitialChecks,
}

/// A service's attachment to a target group (ECS `loadBalancers`).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceLoadBalancer {
    /// Index into [`super::Scenario::target_groups`].
    pub target_group: usize,
    pub container_name: String,
    pub container_port: u16,
}

/// A container health check (ECS `healthCheck`).
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerHealthCheck {
    pub interval_ms: u64,
    pub timeout_ms: u64,
    pub retries: u32,
    pub start_period_ms: u64,
}

/// What the application does under health checks: a scenario's model of the software, which
/// AWS configuration cannot contain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplicationHealth {
    /// The chance that one health check fails (checks are independent).
    pub check_failure_probability: f64,
    /// A task whose requests exceed this share of its capacity fails its checks.
    pub unhealthy_above_load: Option<f64>,
    /// How long the application takes to exit after SIGTERM (`stop_timeout` bounds it).
    pub shutdown_ms: u64,
}

/// A scripted UpdateTaskProtection: `count` RUNNING tasks of a service (oldest first) are
/// protected from scale-in for `expires_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskProtectionSpec {
    pub at_ms: u64,
    pub service: usize,
    pub count: u32,
    pub expires_ms: u64,
}

/// ECS's stop timeout when a task definition sets none (the agent's
/// `ECS_CONTAINER_STOP_TIMEOUT`, 30 s) and the most it may be (120 s).
pub const DEFAULT_STOP_TIMEOUT_MS: u64 = 30_000;
pub const MAX_STOP_TIMEOUT_MS: u64 = 120_000;
/// UpdateTaskProtection's default expiry (120 minutes) and range (1 to 2,880 minutes).
pub const DEFAULT_PROTECTION_MS: u64 = 120 * 60_000;

fn seconds_in(
    dec: &mut Decoder,
    t: &mut Fields<'_>,
    key: &str,
    default: u64,
    min_s: u64,
    max_s: u64,
    what: &str,
) -> u64 {
    let Some(n) = t.opt(key) else { return default };
    let path = t.path_of(key);
    let Some(ms) = duration(dec, n, &path) else {
        return default;
    };
    if ms < min_s * 1000 || ms > max_s * 1000 {
        dec.error_hint(
            n.pos,
            &path,
            format!("{what} must be between {min_s} s and {max_s} s"),
            Some(format!("the ELB and ECS APIs accept {min_s} to {max_s} seconds")),
        );
        return default;
    }
    ms
}

fn count_in(dec: &mut Decoder, t: &mut Fields<'_>, key: &str, default: u32, min: i64, max: i64) -> u32 {
    match t.opt(key) {
        Some(n) => {
            let path = t.path_of(key);
            dec.int(n, &path, min, max).map_or(default, |v| v as u32)
        }
        None => default,
    }
}

/// `[[load_balancers]]`.
pub fn decode_load_balancers(dec: &mut Decoder, node: &Node) -> Vec<LoadBalancerSpec> {
    let mut out: Vec<LoadBalancerSpec> = Vec::new();
    let Some(items) = dec.array(node, "load_balancers") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("load_balancers[{i}]");
        let Some(mut t) = dec.table(item, &path) else { continue };
        let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
        let kind = t
            .opt("type")
            .and_then(|n| {
                dec.one_of(
                    n,
                    &format!("{path}.type"),
                    "load balancer type",
                    &["application", "network"],
                )
            })
            .map_or(LoadBalancerType::Application, |k| match k {
                "network" => LoadBalancerType::Network,
                _ => LoadBalancerType::Application,
            });
        t.finish(dec, &fields::keys(fields::LOAD_BALANCER));
        if let Some(name) = name {
            if out.iter().any(|l| l.name == name) {
                dec.error(
                    item.pos,
                    &format!("{path}.name"),
                    format!("load balancer \"{name}\" is defined twice"),
                );
            }
            out.push(LoadBalancerSpec { name, kind });
        }
    }
    out
}

/// `[[target_groups]]`, each naming one of `load_balancers`.
pub fn decode_target_groups(
    dec: &mut Decoder,
    node: &Node,
    load_balancers: &[LoadBalancerSpec],
) -> Vec<TargetGroupSpec> {
    let mut out: Vec<TargetGroupSpec> = Vec::new();
    let Some(items) = dec.array(node, "target_groups") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("target_groups[{i}]");
        let Some(mut t) = dec.table(item, &path) else { continue };
        let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
        let lb = t.name_ref(
            dec,
            "load_balancer",
            "load balancer",
            load_balancers.iter().map(|l| l.name.as_str()),
            Some("define it under [[load_balancers]]"),
        );
        let kind = lb.map_or(LoadBalancerType::Application, |l| load_balancers[l].kind);
        let target_type = target_type_of(dec, &mut t, &path);
        let (interval_ms, timeout_ms) = health_check_timing(dec, &mut t, &path, kind);
        let healthy_threshold = count_in(dec, &mut t, "healthy_threshold_count", 5, 2, 10);
        let unhealthy_threshold = count_in(dec, &mut t, "unhealthy_threshold_count", 2, 2, 10);
        let deregistration_delay_ms = seconds_in(
            dec,
            &mut t,
            "deregistration_delay",
            300_000,
            0,
            3600,
            "deregistration_delay",
        );
        let slow_start_ms = slow_start_of(dec, &mut t, &path, kind);
        let cross_zone = match t.opt("cross_zone") {
            Some(n) => dec.boolean(n, &format!("{path}.cross_zone")).unwrap_or(true),
            // Always on for an ALB's nodes unless the target group turns it off; off by
            // default on a Network Load Balancer.
            None => kind == LoadBalancerType::Application,
        };
        let initial_checks = initial_checks_of(dec, &mut t, &path, kind);
        t.finish(dec, &fields::keys(fields::TARGET_GROUP));
        if let (Some(name), Some(load_balancer)) = (name, lb) {
            if out.iter().any(|g| g.name == name) {
                dec.error(
                    item.pos,
                    &format!("{path}.name"),
                    format!("target group \"{name}\" is defined twice"),
                );
            }
            out.push(TargetGroupSpec {
                name,
                load_balancer,
                target_type,
                interval_ms,
                timeout_ms,
                healthy_threshold,
                unhealthy_threshold,
                deregistration_delay_ms,
                slow_start_ms,
                cross_zone,
                initial_checks,
            });
        }
    }
    out
}

/// A target group's `target_type`: `ip` (the default) or `instance`.
fn target_type_of(dec: &mut Decoder, t: &mut Fields<'_>, path: &str) -> TargetType {
    t.opt("target_type")
        .and_then(|n| dec.one_of(n, &format!("{path}.target_type"), "target type", &["ip", "instance"]))
        .map_or(TargetType::Ip, |k| {
            if k == "instance" {
                TargetType::Instance
            } else {
                TargetType::Ip
            }
        })
}

/// A target group's health-check interval and timeout, in ms; the timeout's default is the
/// load balancer type's, and it must be shorter than the interval.
fn health_check_timing(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, kind: LoadBalancerType) -> (u64, u64) {
    let interval_ms = seconds_in(dec, t, "health_check_interval", 30_000, 5, 300, "health_check_interval");
    // CreateTargetGroup: 5 s for HTTP and HTTPS (an ALB's), 10 s for TCP (an NLB's).
    let default_timeout = if kind == LoadBalancerType::Network {
        10_000
    } else {
        5_000
    };
    let timeout_node = t.opt("health_check_timeout").map(|n| n.pos);
    let timeout_ms = seconds_in(
        dec,
        t,
        "health_check_timeout",
        default_timeout,
        2,
        120,
        "health_check_timeout",
    );
    if let Some(pos) = timeout_node {
        if timeout_ms >= interval_ms {
            dec.error_hint(
                pos,
                &format!("{path}.health_check_timeout"),
                "health_check_timeout must be less than health_check_interval",
                Some("the ELB API rejects a timeout that is not shorter than the interval".into()),
            );
        }
    }
    (interval_ms, timeout_ms)
}

/// A target group's `slow_start`, in ms: 0 (off) or 30 s to 900 s, Application Load
/// Balancers only.
fn slow_start_of(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, kind: LoadBalancerType) -> u64 {
    let slow_node = t.opt("slow_start").map(|n| n.pos);
    let slow_start_ms = seconds_in(dec, t, "slow_start", 0, 0, 900, "slow_start");
    if let Some(pos) = slow_node {
        if kind == LoadBalancerType::Network {
            dec.error_hint(
                pos,
                &format!("{path}.slow_start"),
                "slow start is an Application Load Balancer setting",
                Some("remove slow_start, or attach the target group to an application load balancer".into()),
            );
        } else if slow_start_ms > 0 && slow_start_ms < 30_000 {
            dec.error_hint(
                pos,
                &format!("{path}.slow_start"),
                "slow_start must be 0 (off) or between 30 s and 900 s",
                None,
            );
        }
    }
    slow_start_ms
}

/// When a registered target first receives requests (`initial_health_checks`).
fn initial_checks_of(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, kind: LoadBalancerType) -> InitialChecks {
    t.opt("initial_health_checks")
        .and_then(|n| {
            dec.one_of(
                n,
                &format!("{path}.initial_health_checks"),
                "initial health checks",
                &["one", "healthy_threshold"],
            )
        })
        .map_or(
            // The ALB guide's "must pass one health check"; an NLB routes once "the
            // targets pass the initial health checks", its healthy threshold.
            if kind == LoadBalancerType::Network {
                InitialChecks::HealthyThreshold
            } else {
                InitialChecks::One
            },
            |k| {
                if k == "one" {
                    InitialChecks::One
                } else {
                    InitialChecks::HealthyThreshold
                }
            },
        )
}

/// A service's `load_balancers = [{ target_group, container_name, container_port }]`.
/// `containers` are the task definition's (name, container ports) to check the attachment
/// against; `awsvpc` decides which target type fits.
pub fn decode_service_load_balancers(
    dec: &mut Decoder,
    node: &Node,
    path: &str,
    target_groups: &[TargetGroupSpec],
    containers: &[(String, Vec<u16>)],
    awsvpc: bool,
) -> Vec<ServiceLoadBalancer> {
    let mut out = Vec::new();
    let Some(items) = dec.array(node, path) else { return out };
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut t) = dec.table(item, &p) else { continue };
        let tg = t.name_ref(
            dec,
            "target_group",
            "target group",
            target_groups.iter().map(|g| g.name.as_str()),
            Some("define it under [[target_groups]]"),
        );
        let cname_node = t.req(dec, "container_name");
        let cname = cname_node.and_then(|n| dec.string(n, &format!("{p}.container_name")));
        let port_node = t.req(dec, "container_port");
        let port = port_node.and_then(|n| dec.int(n, &format!("{p}.container_port"), 1, 65535));
        t.finish(dec, &fields::keys(fields::SERVICE_LOAD_BALANCER));
        let (Some(tg), Some(cname), Some(port)) = (tg, cname, port) else {
            continue;
        };
        match containers.iter().find(|(n, _)| *n == cname) {
            None => {
                let names: Vec<&str> = containers.iter().map(|(n, _)| n.as_str()).collect();
                dec.error_hint(
                    cname_node.map_or(item.pos, |n| n.pos),
                    &format!("{p}.container_name"),
                    format!("the task definition has no container \"{cname}\""),
                    crate::aws::ecs::placement::query::suggest(&cname, names.iter().copied())
                        .or_else(|| (!names.is_empty()).then(|| format!("its containers: {}", names.join(", ")))),
                );
            }
            Some((_, ports)) if !ports.contains(&(port as u16)) => dec.error_hint(
                port_node.map_or(item.pos, |n| n.pos),
                &format!("{p}.container_port"),
                format!("container \"{cname}\" maps no container_port {port}"),
                Some("add it to the container's port_mappings".into()),
            ),
            Some(_) => {}
        }
        let g = &target_groups[tg];
        if awsvpc && g.target_type != TargetType::Ip {
            dec.error_hint(
                item.pos,
                &format!("{p}.target_group"),
                format!(
                    "target group \"{}\" has target type instance, but the task uses awsvpc",
                    g.name
                ),
                Some("awsvpc tasks register by IP: set target_type = \"ip\" on the target group".into()),
            );
        } else if !awsvpc && g.target_type == TargetType::Ip {
            dec.error_hint(
                item.pos,
                &format!("{p}.target_group"),
                format!(
                    "target group \"{}\" has target type ip, but the task does not use awsvpc",
                    g.name
                ),
                Some("bridge and host tasks register as instance targets: set target_type = \"instance\"".into()),
            );
        }
        if out.iter().any(|a: &ServiceLoadBalancer| a.target_group == tg) {
            dec.error(
                item.pos,
                &format!("{p}.target_group"),
                format!("target group \"{}\" is attached twice", g.name),
            );
        }
        out.push(ServiceLoadBalancer {
            target_group: tg,
            container_name: cname,
            container_port: port as u16,
        });
    }
    out
}

/// A container's `health_check = { interval, timeout, retries, start_period }`.
pub fn decode_container_health_check(dec: &mut Decoder, node: &Node, path: &str) -> Option<ContainerHealthCheck> {
    let mut t = dec.table(node, path)?;
    let interval_ms = seconds_in(dec, &mut t, "interval", 30_000, 5, 300, "interval");
    let timeout_ms = seconds_in(dec, &mut t, "timeout", 5_000, 2, 60, "timeout");
    let retries = count_in(dec, &mut t, "retries", 3, 1, 10);
    let start_period_ms = seconds_in(dec, &mut t, "start_period", 0, 0, 300, "start_period");
    t.finish(dec, &fields::keys(fields::CONTAINER_HEALTH_CHECK));
    Some(ContainerHealthCheck {
        interval_ms,
        timeout_ms,
        retries,
        start_period_ms,
    })
}

/// A container's `stop_timeout` (at most 120 s).
pub fn decode_stop_timeout(dec: &mut Decoder, node: &Node, path: &str) -> Option<u64> {
    let ms = duration(dec, node, path)?;
    if ms > MAX_STOP_TIMEOUT_MS {
        dec.error_hint(
            node.pos,
            path,
            "stop_timeout must be at most 120 s",
            Some("ECS waits at most 120 seconds between SIGTERM and SIGKILL".into()),
        );
        return None;
    }
    Some(ms)
}

/// A task definition's `application = { check_failure_probability, unhealthy_above_load,
/// shutdown_time }`.
pub fn decode_application(dec: &mut Decoder, node: &Node, path: &str) -> ApplicationHealth {
    let mut a = ApplicationHealth::default();
    let Some(mut t) = dec.table(node, path) else { return a };
    if let Some(n) = t.opt("check_failure_probability") {
        a.check_failure_probability = dec
            .number(n, &format!("{path}.check_failure_probability"), 0.0, 1.0)
            .unwrap_or(0.0);
    }
    if let Some(n) = t.opt("unhealthy_above_load") {
        a.unhealthy_above_load = dec.number(n, &format!("{path}.unhealthy_above_load"), 0.01, 100.0);
    }
    if let Some(n) = t.opt("shutdown_time") {
        a.shutdown_ms = duration(dec, n, &format!("{path}.shutdown_time")).unwrap_or(0);
    }
    t.finish(dec, &fields::keys(fields::APPLICATION));
    a
}

/// `[[task_protection]]`: scripted UpdateTaskProtection calls.
pub fn decode_task_protection(dec: &mut Decoder, node: &Node, services: &[String]) -> Vec<TaskProtectionSpec> {
    let mut out = Vec::new();
    let Some(items) = dec.array(node, "task_protection") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("task_protection[{i}]");
        let Some(mut t) = dec.table(item, &path) else { continue };
        let at = t.req(dec, "at").and_then(|n| duration(dec, n, &format!("{path}.at")));
        let service = t.name_ref(dec, "service", "service", services.iter().map(String::as_str), None);
        let count = t
            .req(dec, "count")
            .and_then(|n| dec.int(n, &format!("{path}.count"), 1, 5000))
            .map(|c| c as u32);
        let expires_ms = seconds_in(
            dec,
            &mut t,
            "expires_in",
            DEFAULT_PROTECTION_MS,
            60,
            2880 * 60,
            "expires_in",
        );
        t.finish(dec, &fields::keys(fields::TASK_PROTECTION));
        if let (Some(at_ms), Some(service), Some(count)) = (at, service, count) {
            out.push(TaskProtectionSpec {
                at_ms,
                service,
                count,
                expires_ms,
            });
        }
    }
    out
}
