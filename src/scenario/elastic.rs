//! The elastic parts of a scenario: capacity providers and strategies, service load models,
//! Application Auto Scaling policies, schedules, Fargate settings and prices.

use super::decode::{Decoder, Fields};
use super::fields;
use super::node::{Node, NodeKind, Pos};
use super::values::{duration, duration_dist, DurationDist};
use crate::aws::application_autoscaling::target_tracking::{HIGH_RESOLUTION_PERIOD_MS, STANDARD_PERIOD_MS};
use crate::aws::application_autoscaling::{
    AdjustmentType, Alarm, Comparison, MetricName, ScalingConfig, Schedule, ScheduledAction, StepAdjustment,
    StepPolicy, TargetTrackingPolicy,
};
use crate::aws::billing::prices::Pricing;
use crate::aws::ecs::capacity_provider::{ManagedScaling, ScaleInCpr, StrategyItem};
use crate::workload::load::{LoadModel, RateCurve};
use std::path::Path;
use std::sync::Arc;

/// Built-in provider names.
pub const FARGATE: &str = "FARGATE";
pub const FARGATE_SPOT: &str = "FARGATE_SPOT";

#[derive(Clone, Debug, PartialEq)]
pub enum ProviderKind {
    /// An EC2 Auto Scaling group provider over one instance group.
    Asg {
        group: usize,
        managed_scaling: Option<ManagedScaling>,
        managed_termination_protection: bool,
        managed_draining: bool,
    },
    Fargate {
        spot: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct CapacityProviderSpec {
    pub name: String,
    pub kind: ProviderKind,
}

/// Where a service's or job's tasks run.
#[derive(Clone, Debug, PartialEq)]
pub enum Launch {
    /// `launch_type = "EC2"`: any instance, counted by no provider.
    Ec2,
    /// `launch_type = "FARGATE"`: on-demand Fargate, counted by no provider.
    Fargate,
    /// A capacity provider strategy (ASG providers only, or Fargate providers only).
    Strategy(Vec<StrategyItem>),
}

/// Cluster-wide settings of the elastic model.
#[derive(Clone, Debug, PartialEq)]
pub struct ElasticSettings {
    pub default_strategy: Option<Vec<StrategyItem>>,
    /// How long a task may wait in PROVISIONING for managed-scaling capacity (10 to 30 min, A).
    pub provisioning_timeout_ms: u64,
    /// Tasks in PROVISIONING per cluster (quota 300; 100 in 2020).
    pub provisioning_cap: u32,
    /// The legacy rule: multi-AZ or multi-type groups scale by the minimum step size.
    pub legacy_multi_az_min_step: bool,
    pub cpr_scale_in: ScaleInCpr,
    /// Minutes between a datapoint's period and its visibility to alarms (I).
    pub metric_delay_minutes: u32,
    pub pricing: Pricing,
    pub fargate_burst: f64,
    pub fargate_per_second: f64,
    /// Tasks a service may launch per minute (500).
    pub service_launch_rate_per_minute: u32,
    /// Managed scaling removes at most `max(1, N / this)` instances per alarm minute (I: the
    /// 2023 guide's "less than 50% each minute"; 2 by default).
    pub managed_scale_in_pace_divisor: u32,
    pub fargate_pending: DurationDist,
    /// How long managed draining may hold an instance before termination (I).
    pub managed_draining_timeout_ms: u64,
}

impl Default for ElasticSettings {
    fn default() -> Self {
        ElasticSettings {
            default_strategy: None,
            provisioning_timeout_ms: 20 * 60_000,
            provisioning_cap: 300,
            legacy_multi_az_min_step: false,
            cpr_scale_in: ScaleInCpr::MOverN,
            metric_delay_minutes: 1,
            pricing: Pricing::default(),
            fargate_burst: 100.0,
            fargate_per_second: 20.0,
            service_launch_rate_per_minute: 500,
            managed_scale_in_pace_divisor: crate::aws::ecs::capacity_provider::SCALE_IN_PACE_DIVISOR,
            fargate_pending: DurationDist::LogNormal {
                median_ms: 30_000.0,
                sigma: 0.3,
            },
            managed_draining_timeout_ms: 3_600_000,
        }
    }
}

fn f64_field(dec: &mut Decoder, t: &mut Fields<'_>, key: &str, min: f64, max: f64) -> Option<f64> {
    let p = t.path_of(key);
    t.opt(key).and_then(|n| dec.number(n, &p, min, max))
}

fn req_f64(dec: &mut Decoder, t: &mut Fields<'_>, key: &str, min: f64, max: f64) -> Option<f64> {
    let p = t.path_of(key);
    t.req(dec, key).and_then(|n| dec.number(n, &p, min, max))
}

fn dur_field(dec: &mut Decoder, t: &mut Fields<'_>, key: &str) -> Option<u64> {
    let p = t.path_of(key);
    t.opt(key).and_then(|n| duration(dec, n, &p))
}

/// Decodes the `[[capacity_providers]]` list (ASG providers; FARGATE and FARGATE_SPOT are
/// built in and appended after them).
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode_capacity_providers(
    dec: &mut Decoder,
    node: Option<&Node>,
    groups: &[String],
) -> Vec<CapacityProviderSpec> {
    let mut out: Vec<CapacityProviderSpec> = Vec::new();
    if let Some(node) = node {
        if let Some(items) = dec.array(node, "capacity_providers") {
            for (i, item) in items.iter().enumerate() {
                let path = format!("capacity_providers[{i}]");
                let Some(mut t) = dec.table(item, &path) else { continue };
                let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
                if let Some(n) = &name {
                    check_provider_name(dec, t.pos, &path, n, &out);
                }
                let group = t.name_ref(
                    dec,
                    "instance_group",
                    "instance group",
                    groups.iter().map(String::as_str),
                    None,
                );
                let managed = t
                    .opt("managed_scaling")
                    .and_then(|n| decode_managed_scaling(dec, n, &path));
                let mtp_node = t.opt("managed_termination_protection");
                let mtp = mtp_node
                    .and_then(|n| dec.boolean(n, &format!("{path}.managed_termination_protection")))
                    .unwrap_or(false);
                if mtp && managed.is_none() {
                    dec.error_hint(
                        mtp_node.map_or(t.pos, |n| n.pos),
                        &format!("{path}.managed_termination_protection"),
                        "managed termination protection requires managed scaling",
                        Some("add managed_scaling = { status = \"ENABLED\" }".into()),
                    );
                }
                let draining = t
                    .opt("managed_draining")
                    .and_then(|n| dec.boolean(n, &format!("{path}.managed_draining")))
                    .unwrap_or(true);
                t.finish(dec, &fields::keys(fields::CAPACITY_PROVIDER));
                if let (Some(name), Some(group)) = (name, group) {
                    if out
                        .iter()
                        .any(|p| matches!(p.kind, ProviderKind::Asg { group: g, .. } if g == group))
                    {
                        dec.error(
                            item.pos,
                            &format!("{path}.instance_group"),
                            format!(
                                "instance group \"{}\" already backs another capacity provider",
                                groups[group]
                            ),
                        );
                    }
                    out.push(CapacityProviderSpec {
                        name,
                        kind: ProviderKind::Asg {
                            group,
                            managed_scaling: managed,
                            managed_termination_protection: mtp,
                            managed_draining: draining,
                        },
                    });
                }
            }
        }
    }
    out.push(CapacityProviderSpec {
        name: FARGATE.into(),
        kind: ProviderKind::Fargate { spot: false },
    });
    out.push(CapacityProviderSpec {
        name: FARGATE_SPOT.into(),
        kind: ProviderKind::Fargate { spot: true },
    });
    out
}

/// A provider's `managed_scaling = { status, target_capacity, minimum_scaling_step_size,
/// maximum_scaling_step_size, instance_warmup_period }`; `None` when DISABLED.
fn decode_managed_scaling(dec: &mut Decoder, n: &Node, path: &str) -> Option<ManagedScaling> {
    let p = format!("{path}.managed_scaling");
    let mut m = dec.table(n, &p)?;
    let enabled = m
        .opt("status")
        .and_then(|s| {
            dec.one_of(
                s,
                &format!("{p}.status"),
                "managed scaling status",
                &["ENABLED", "DISABLED"],
            )
        })
        .unwrap_or("ENABLED");
    let target = m
        .opt("target_capacity")
        .and_then(|v| dec.int(v, &format!("{p}.target_capacity"), 1, 100))
        .unwrap_or(100);
    let min = m
        .opt("minimum_scaling_step_size")
        .and_then(|v| dec.int(v, &format!("{p}.minimum_scaling_step_size"), 1, 10000))
        .unwrap_or(1);
    let max = m
        .opt("maximum_scaling_step_size")
        .and_then(|v| dec.int(v, &format!("{p}.maximum_scaling_step_size"), 1, 10000))
        .unwrap_or(10000);
    let warm = dur_field(dec, &mut m, "instance_warmup_period").unwrap_or(300_000);
    if min > max {
        dec.error(
            n.pos,
            &format!("{p}.minimum_scaling_step_size"),
            format!("minimum_scaling_step_size ({min}) is above maximum_scaling_step_size ({max})"),
        );
    }
    m.finish(dec, &fields::keys(fields::MANAGED_SCALING));
    (enabled == "ENABLED").then_some(ManagedScaling {
        target_capacity: target as u32,
        minimum_scaling_step_size: min as u32,
        maximum_scaling_step_size: max as u32,
        instance_warmup_period_ms: warm,
    })
}

/// A provider's name may not be a built-in one nor repeat an earlier provider's.
fn check_provider_name(dec: &mut Decoder, pos: Pos, path: &str, n: &str, earlier: &[CapacityProviderSpec]) {
    if n == FARGATE || n == FARGATE_SPOT {
        dec.error_hint(
            pos,
            &format!("{path}.name"),
            format!("\"{n}\" is a built-in provider"),
            Some("use it in a capacity_provider_strategy without defining it".into()),
        );
    } else if earlier.iter().any(|p| p.name == n) {
        dec.error(
            pos,
            &format!("{path}.name"),
            format!("capacity provider \"{n}\" is defined twice"),
        );
    }
}

/// Decodes a `capacity_provider_strategy` list.
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode_strategy_items(
    dec: &mut Decoder,
    node: &Node,
    path: &str,
    providers: &[CapacityProviderSpec],
) -> Option<Vec<StrategyItem>> {
    let items = dec.array(node, path)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut t) = dec.table(item, &p) else {
            ok = false;
            continue;
        };
        let provider = t.name_ref(
            dec,
            "capacity_provider",
            "capacity provider",
            providers.iter().map(|c| c.name.as_str()),
            Some("define it under [[capacity_providers]], or use FARGATE / FARGATE_SPOT"),
        );
        let base = t
            .opt("base")
            .and_then(|n| dec.int(n, &format!("{p}.base"), 0, 100_000))
            .unwrap_or(0) as u32;
        // The API's default weight is 0; a strategy needs at least one positive weight.
        let weight = t
            .opt("weight")
            .and_then(|n| dec.int(n, &format!("{p}.weight"), 0, 1000))
            .unwrap_or(0) as u32;
        t.finish(dec, &fields::keys(fields::STRATEGY_ITEM));
        match provider {
            Some(provider) => out.push(StrategyItem { provider, base, weight }),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if out.is_empty() {
        dec.error(
            node.pos,
            path,
            "a capacity provider strategy needs at least one provider",
        );
        return None;
    }
    if out.iter().filter(|i| i.base > 0).count() > 1 {
        dec.error_hint(
            node.pos,
            path,
            "only one provider of a strategy may have a base",
            Some("set base on one item only".into()),
        );
    }
    if out.iter().all(|i| i.weight == 0) {
        dec.error_hint(
            node.pos,
            path,
            "every weight is 0, so no task could be placed",
            Some("give at least one provider weight = 1 (the API's default weight is 0)".into()),
        );
    }
    let fargate = out
        .iter()
        .filter(|i| matches!(providers[i.provider].kind, ProviderKind::Fargate { .. }))
        .count();
    if fargate > 0 && fargate < out.len() {
        dec.error_hint(
            node.pos,
            path,
            "a strategy may contain only Auto Scaling group providers or only Fargate providers",
            Some("split the work into two services".into()),
        );
    }
    let mut seen = Vec::new();
    for it in &out {
        if seen.contains(&it.provider) {
            dec.error(
                node.pos,
                path,
                format!("capacity provider \"{}\" is listed twice", providers[it.provider].name),
            );
        }
        seen.push(it.provider);
    }
    Some(out)
}

/// Reads `launch_type` and `capacity_provider_strategy` of a service or job; they exclude
/// each other. `None` means neither was given (the cluster default applies).
pub fn decode_launch(dec: &mut Decoder, t: &mut Fields<'_>, providers: &[CapacityProviderSpec]) -> Option<Launch> {
    let lt_node = t.opt("launch_type");
    let lt = lt_node.and_then(|n| dec.one_of(n, &t.path_of("launch_type"), "launch type", &["EC2", "FARGATE"]));
    let cps_node = t.opt("capacity_provider_strategy");
    let cps = cps_node.and_then(|n| decode_strategy_items(dec, n, &t.path_of("capacity_provider_strategy"), providers));
    if let (Some(l), Some(_)) = (lt_node, cps_node) {
        dec.error_hint(
            l.pos,
            &t.path_of("launch_type"),
            "launch_type and capacity_provider_strategy exclude each other",
            Some("keep one of them".into()),
        );
    }
    match (lt, cps) {
        (Some("FARGATE"), _) => Some(Launch::Fargate),
        (Some(_), _) => Some(Launch::Ec2),
        (None, Some(items)) => Some(Launch::Strategy(items)),
        _ => None,
    }
}

/// A service's load curve: constant, steps, daily, ramp, or read from a trace file.
fn decode_curve(dec: &mut Decoder, node: &Node, path: &str, base_dir: &Path) -> Option<RateCurve> {
    let mut t = dec.table(node, path)?;
    let kind = t.req(dec, "type").and_then(|n| {
        dec.one_of(
            n,
            &format!("{path}.type"),
            "load curve",
            &[
                "constant",
                "steps",
                "daily",
                "ramp",
                "trace_per_minute",
                "trace_requests",
            ],
        )
    });
    match kind {
        Some("constant") => {
            let r = req_f64(dec, &mut t, "rps", 0.0, 1e9);
            t.finish(dec, &fields::keys(fields::CURVE_CONSTANT));
            r.map(|rps| RateCurve::Constant { rps })
        }
        Some("steps") => decode_step_curve(dec, t, path),
        Some("daily") => {
            let base = req_f64(dec, &mut t, "base_rps", 0.0, 1e9);
            let peak = req_f64(dec, &mut t, "peak_rps", 0.0, 1e9);
            let hour = f64_field(dec, &mut t, "peak_hour", 0.0, 24.0).unwrap_or(12.0);
            t.finish(dec, &fields::keys(fields::CURVE_DAILY));
            match (base, peak) {
                (Some(b), Some(p)) => Some(RateCurve::Daily {
                    base_rps: b,
                    peak_rps: p,
                    peak_hour: hour,
                }),
                _ => None,
            }
        }
        Some("ramp") => decode_ramp(dec, t, path),
        Some(k @ ("trace_per_minute" | "trace_requests")) => decode_trace_curve(dec, t, path, base_dir, k),
        _ => None,
    }
}

/// A `steps` load curve: `steps = [{ at, rps }]` in increasing time order.
fn decode_step_curve(dec: &mut Decoder, mut t: Fields<'_>, path: &str) -> Option<RateCurve> {
    let list = t.req(dec, "steps").and_then(|n| dec.array(n, &format!("{path}.steps")));
    let mut steps = Vec::new();
    for (i, s) in list.unwrap_or(&[]).iter().enumerate() {
        let p = format!("{path}.steps[{i}]");
        let Some(mut st) = dec.table(s, &p) else { continue };
        let at = st.req(dec, "at").and_then(|n| duration(dec, n, &format!("{p}.at")));
        let rps = req_f64(dec, &mut st, "rps", 0.0, 1e9);
        st.finish(dec, &fields::keys(fields::RATE_STEP));
        if let (Some(at), Some(rps)) = (at, rps) {
            if steps.last().is_some_and(|(prev, _)| *prev >= at) {
                dec.error(s.pos, &format!("{p}.at"), "steps must be in increasing time order");
            }
            steps.push((at, rps));
        }
    }
    t.finish(dec, &fields::keys(fields::CURVE_STEPS));
    Some(RateCurve::Steps(steps))
}

/// A `ramp` load curve: `from_rps` to `to_rps` between `start` and `end`.
fn decode_ramp(dec: &mut Decoder, mut t: Fields<'_>, path: &str) -> Option<RateCurve> {
    let from = req_f64(dec, &mut t, "from_rps", 0.0, 1e9);
    let to = req_f64(dec, &mut t, "to_rps", 0.0, 1e9);
    let start = dur_field(dec, &mut t, "start").unwrap_or(0);
    let end_node = t.req(dec, "end");
    let end = end_node.and_then(|n| duration(dec, n, &format!("{path}.end")));
    t.finish(dec, &fields::keys(fields::CURVE_RAMP));
    if let (Some(e), Some(n)) = (end, end_node) {
        if e <= start {
            dec.error(n.pos, &format!("{path}.end"), "the ramp must end after it starts");
            return None;
        }
    }
    match (from, to, end) {
        (Some(f), Some(t2), Some(e)) => Some(RateCurve::Ramp {
            from_rps: f,
            to_rps: t2,
            start_ms: start,
            end_ms: e,
        }),
        _ => None,
    }
}

/// A load curve read from a file: `trace_per_minute` (requests per minute) or
/// `trace_requests` (one line per request), scaled, repeated or not.
fn decode_trace_curve(dec: &mut Decoder, mut t: Fields<'_>, path: &str, base_dir: &Path, k: &str) -> Option<RateCurve> {
    let file_node = t.req(dec, "file");
    let file = file_node.and_then(|n| dec.string(n, &format!("{path}.file")));
    let scale = f64_field(dec, &mut t, "scale", 0.0, 1e6).unwrap_or(1.0);
    let repeat = t
        .opt("repeat")
        .and_then(|n| dec.boolean(n, &format!("{path}.repeat")))
        .unwrap_or(true);
    t.finish(dec, &fields::keys(fields::CURVE_TRACE));
    let (file, file_node) = (file?, file_node?);
    let full = base_dir.join(&file);
    dec.inputs.push(full.clone());
    let counts = if k == "trace_per_minute" {
        read_per_minute(&full)
    } else {
        read_requests(&full)
    };
    let counts = counts.and_then(|c| {
        let scaled: Vec<f64> = c.into_iter().map(|v| v * scale).collect();
        match scaled.iter().position(|v| *v > MAX_REQUESTS_PER_MINUTE) {
            Some(m) => Err(format!(
                "minute {m} of {} has {:e} requests after scale, beyond the ceiling of {MAX_REQUESTS_PER_MINUTE:e} a minute (10^9 per second, as for the analytic curves)",
                full.display(),
                scaled[m]
            )),
            None => Ok(scaled),
        }
    });
    match counts {
        Ok(c) => Some(RateCurve::PerMinute {
            counts: Arc::new(c),
            repeat,
        }),
        Err(e) => {
            dec.error_hint(
                file_node.pos,
                &format!("{path}.file"),
                e,
                Some("paths are relative to the scenario file's directory".into()),
            );
            None
        }
    }
}

/// The most requests a minute of a request trace may hold after scaling: the analytic curves'
/// ceiling of 10^9 per second, so request totals stay finite over any run.
pub const MAX_REQUESTS_PER_MINUTE: f64 = 6.0e10;

/// The latest minute a request trace may describe: ten years, so that a trace's minute index
/// bounds the memory its curve takes (one number per minute, 42 MB at the ceiling).
pub const MAX_TRACE_MINUTES: u64 = 10 * 365 * 24 * 60;

/// Reads `minute,requests` rows.
fn read_per_minute(path: &Path) -> Result<Vec<f64>, String> {
    let mut rdr =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read request trace {}: {e}", path.display()))?;
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    let (Some(mc), Some(rc)) = (
        headers.iter().position(|h| h == "minute"),
        headers.iter().position(|h| h == "requests"),
    ) else {
        return Err(format!("{}:1: expected columns `minute,requests`", path.display()));
    };
    let mut counts: Vec<f64> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let m: u64 = rec
            .get(mc)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| format!("{}:{line}: column `minute` is not a whole number", path.display()))?;
        if m >= MAX_TRACE_MINUTES {
            return Err(format!(
                "{}:{line}: column `minute`: {m} is beyond the ceiling of {MAX_TRACE_MINUTES} minutes (ten years)",
                path.display()
            ));
        }
        let m = m as usize;
        let r: f64 = rec
            .get(rc)
            .unwrap_or("")
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                format!(
                    "{}:{line}: column `requests` is not a non-negative number",
                    path.display()
                )
            })?;
        if counts.len() <= m {
            counts.resize(m + 1, 0.0);
        }
        counts[m] += r;
    }
    Ok(counts)
}

/// Reads per-request rows of the common trace shape and bins them into minutes.
fn read_requests(path: &Path) -> Result<Vec<f64>, String> {
    let window = super::trace::TraceWindow {
        start_ms: 0,
        end_ms: None,
        speedup: 1.0,
        max_rows: None,
    };
    let rows = super::trace::load_trace(path, &window)?;
    let mut counts: Vec<f64> = Vec::new();
    for r in rows {
        // The trace reader bounds arrivals to ten years, so this index stays bounded too.
        let m = (r.arrival_ms / 60_000) as usize;
        if counts.len() <= m {
            counts.resize(m + 1, 0.0);
        }
        counts[m] += f64::from(r.count);
    }
    Ok(counts)
}

/// Decodes a service's `load` table.
pub fn decode_load(dec: &mut Decoder, node: &Node, path: &str, base_dir: &Path) -> Option<LoadModel> {
    let mut t = dec.table(node, path)?;
    let curve = t
        .req(dec, "requests")
        .and_then(|n| decode_curve(dec, n, &format!("{path}.requests"), base_dir));
    let cap = req_f64(dec, &mut t, "task_capacity_rps", 1e-9, 1e9);
    let cpu_idle = f64_field(dec, &mut t, "cpu_idle_pct", 0.0, 100.0).unwrap_or(5.0);
    let mem_idle = f64_field(dec, &mut t, "memory_idle_pct", 0.0, 1000.0).unwrap_or(40.0);
    let mem_cap = f64_field(dec, &mut t, "memory_at_capacity_pct", 0.0, 1000.0).unwrap_or(60.0);
    let service_time = t.opt("request_service_time").and_then(|n| {
        let ms = duration(dec, n, &format!("{path}.request_service_time"))?;
        if ms == 0 {
            dec.error_hint(
                n.pos,
                &format!("{path}.request_service_time"),
                "a request takes some time: 0 s is not a service time".to_string(),
                Some("write the mean time of one request at no load, e.g. \"20ms\"".into()),
            );
            return None;
        }
        Some(ms as f64 / 1000.0)
    });
    t.finish(dec, &fields::keys(fields::LOAD));
    Some(LoadModel {
        curve: curve?,
        request_service_time_s: service_time.unwrap_or(1.0 / cap?),
        task_capacity_rps: cap?,
        cpu_idle_pct: cpu_idle,
        memory_idle_pct: mem_idle,
        memory_at_capacity_pct: mem_cap,
    })
}

/// A target-tracking policy's `metric_period`: "60s" (the default) or "20s", ECS's
/// high-resolution CPU and memory metrics ("By default, Amazon ECS publishes CPUUtilization
/// and MemoryUtilization metrics at 60-second resolution. You can configure 20-second
/// resolution", ECS developer guide); request counts have no 20-second form.
fn metric_period(dec: &mut Decoder, n: &Node, path: &str, metric: Option<MetricName>) -> Option<u64> {
    let ms = duration(dec, n, path)?;
    if ms != STANDARD_PERIOD_MS && ms != HIGH_RESOLUTION_PERIOD_MS {
        dec.error_hint(
            n.pos,
            path,
            format!("a metric period of {} s is not offered", ms as f64 / 1000.0),
            Some("use \"60s\" or \"20s\"".into()),
        );
        return None;
    }
    if ms == HIGH_RESOLUTION_PERIOD_MS && metric == Some(MetricName::RequestCountPerTarget) {
        dec.error_hint(
            n.pos,
            path,
            "ALBRequestCountPerTarget has no 20-second resolution",
            Some(
                "20-second metrics exist for ECSServiceAverageCPUUtilization and ECSServiceAverageMemoryUtilization"
                    .into(),
            ),
        );
        return None;
    }
    Some(ms)
}

fn metric(dec: &mut Decoder, t: &mut Fields<'_>) -> Option<MetricName> {
    let p = t.path_of("metric");
    let n = t.req(dec, "metric")?;
    dec.one_of(n, &p, "metric", &MetricName::ALL)
        .and_then(MetricName::parse)
}

fn schedule_of(dec: &mut Decoder, t: &mut Fields<'_>) -> Option<Schedule> {
    let p = t.path_of("schedule");
    let node = t.req(dec, "schedule")?;
    let expr = dec.string(node, &p)?;
    let tz_node = t.opt("timezone");
    let tz = tz_node.and_then(|n| dec.string(n, &t.path_of("timezone")));
    match Schedule::parse(&expr, tz.as_deref()) {
        Ok(s) => Some(s),
        Err(e) => {
            let pos = if e.contains("time zone") {
                tz_node.map_or(node.pos, |n| n.pos)
            } else {
                node.pos
            };
            dec.error_hint(
                pos,
                &p,
                e,
                Some("examples: rate(5 minutes), cron(0 8 ? * MON-FRI *), at(2024-01-01T08:00:00)".into()),
            );
            None
        }
    }
}

/// Decodes a job's `arrivals = { type = "schedule", ... }`.
pub fn decode_schedule_arrivals(dec: &mut Decoder, mut t: Fields<'_>) -> Option<Schedule> {
    let s = schedule_of(dec, &mut t);
    t.finish(dec, &fields::keys(fields::ARRIVALS_SCHEDULE));
    s
}

/// Decodes a service's `auto_scaling` table.
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode_auto_scaling(dec: &mut Decoder, node: &Node, path: &str) -> Option<ScalingConfig> {
    let mut t = dec.table(node, path)?;
    let min = t
        .req(dec, "min_capacity")
        .and_then(|n| dec.int(n, &format!("{path}.min_capacity"), 0, 5000));
    let max_node = t.req(dec, "max_capacity");
    let max = max_node.and_then(|n| dec.int(n, &format!("{path}.max_capacity"), 0, 5000));
    if let (Some(a), Some(b), Some(n)) = (min, max, max_node) {
        if b < a {
            dec.error(
                n.pos,
                &format!("{path}.max_capacity"),
                format!("max_capacity ({b}) is below min_capacity ({a})"),
            );
        }
    }
    let mut cfg = ScalingConfig {
        min_capacity: min.unwrap_or(0) as u32,
        max_capacity: max.unwrap_or(0) as u32,
        target_tracking: Vec::new(),
        step: Vec::new(),
        scheduled: Vec::new(),
    };
    if let Some(n) = t.opt("target_tracking") {
        let p0 = format!("{path}.target_tracking");
        for (i, item) in dec.array(n, &p0).unwrap_or(&[]).iter().enumerate() {
            let policy = decode_target_tracking_policy(dec, item, &format!("{p0}[{i}]"), &cfg.target_tracking);
            cfg.target_tracking.extend(policy);
        }
    }
    if let Some(n) = t.opt("step_scaling") {
        let p0 = format!("{path}.step_scaling");
        for (i, item) in dec.array(n, &p0).unwrap_or(&[]).iter().enumerate() {
            cfg.step.extend(decode_step_policy(dec, item, &format!("{p0}[{i}]"), i));
        }
    }
    if cfg.evaluation_period_ms() == HIGH_RESOLUTION_PERIOD_MS && !cfg.step.is_empty() {
        dec.error_hint(
            t.pos,
            &format!("{path}.step_scaling"),
            "step scaling beside 20-second target tracking is not modelled",
            Some("use metric_period = \"60s\" for the target-tracking policies, or remove the step policies".into()),
        );
    }
    if let Some(n) = t.opt("scheduled_actions") {
        let p0 = format!("{path}.scheduled_actions");
        for (i, item) in dec.array(n, &p0).unwrap_or(&[]).iter().enumerate() {
            cfg.scheduled
                .extend(decode_scheduled_action(dec, item, &format!("{p0}[{i}]"), i));
        }
    }
    t.finish(dec, &fields::keys(fields::AUTO_SCALING));
    if min.is_none() || max.is_none() {
        return None;
    }
    Some(cfg)
}

/// One target-tracking policy (at `p`), checked against the policies before it.
fn decode_target_tracking_policy(
    dec: &mut Decoder,
    item: &Node,
    p: &str,
    before: &[TargetTrackingPolicy],
) -> Option<TargetTrackingPolicy> {
    let mut pt = dec.table(item, p)?;
    let m = metric(dec, &mut pt);
    let target = req_f64(dec, &mut pt, "target", 1e-9, 1e9);
    let out_cd = dur_field(dec, &mut pt, "scale_out_cooldown").unwrap_or(300_000);
    let in_cd = dur_field(dec, &mut pt, "scale_in_cooldown").unwrap_or(300_000);
    let dsi = pt
        .opt("disable_scale_in")
        .and_then(|v| dec.boolean(v, &format!("{p}.disable_scale_in")))
        .unwrap_or(false);
    let period_node = pt.opt("metric_period");
    let period = period_node.and_then(|v| metric_period(dec, v, &format!("{p}.metric_period"), m));
    pt.finish(dec, &fields::keys(fields::TARGET_TRACKING));
    let period = period.unwrap_or(STANDARD_PERIOD_MS);
    if let Some(first) = before.first().filter(|f| f.metric_period_ms != period) {
        dec.error_hint(
            period_node.map_or(item.pos, |n| n.pos),
            &format!("{p}.metric_period"),
            format!(
                "this policy's metric period ({} s) differs from the first policy's ({} s)",
                period / 1000,
                first.metric_period_ms / 1000
            ),
            Some("ecsim evaluates one scalable target at one period: give every target-tracking policy the same metric_period".into()),
        );
    }
    if let (Some(m), Some(target)) = (m, target) {
        if before.iter().any(|x: &TargetTrackingPolicy| x.metric == m) {
            dec.error_hint(
                item.pos,
                &format!("{p}.metric"),
                format!("two target-tracking policies use {}", m.as_str()),
                Some("each policy must use a different metric".into()),
            );
        }
        return Some(TargetTrackingPolicy {
            metric: m,
            metric_period_ms: period,
            target,
            scale_out_cooldown_ms: out_cd,
            scale_in_cooldown_ms: in_cd,
            disable_scale_in: dsi,
        });
    }
    None
}

/// The `i`-th step-scaling policy (at `p`).
fn decode_step_policy(dec: &mut Decoder, item: &Node, p: &str, i: usize) -> Option<StepPolicy> {
    let mut pt = dec.table(item, p)?;
    let name = pt
        .opt("name")
        .and_then(|v| dec.string(v, &format!("{p}.name")))
        .unwrap_or_else(|| format!("step-{i}"));
    let m = metric(dec, &mut pt);
    let threshold = req_f64(dec, &mut pt, "threshold", -1e9, 1e9);
    let cmp = pt
        .req(dec, "comparison")
        .and_then(|v| {
            dec.one_of(
                v,
                &format!("{p}.comparison"),
                "comparison",
                &[
                    "GreaterThanThreshold",
                    "GreaterThanOrEqualToThreshold",
                    "LessThanThreshold",
                    "LessThanOrEqualToThreshold",
                ],
            )
        })
        .map(|c| match c {
            "GreaterThanThreshold" => Comparison::GreaterThan,
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterThanOrEqual,
            "LessThanThreshold" => Comparison::LessThan,
            _ => Comparison::LessThanOrEqual,
        });
    let periods = pt
        .opt("evaluation_periods")
        .and_then(|v| dec.int(v, &format!("{p}.evaluation_periods"), 1, 1440))
        .unwrap_or(1);
    let dta_node = pt.opt("datapoints_to_alarm");
    let dta = dta_node
        .and_then(|v| dec.int(v, &format!("{p}.datapoints_to_alarm"), 1, 1440))
        .unwrap_or(periods);
    if dta > periods {
        dec.error(
            dta_node.map_or(item.pos, |n| n.pos),
            &format!("{p}.datapoints_to_alarm"),
            format!("datapoints_to_alarm ({dta}) exceeds evaluation_periods ({periods})"),
        );
    }
    let adj = pt
        .req(dec, "adjustment_type")
        .and_then(|v| {
            dec.one_of(
                v,
                &format!("{p}.adjustment_type"),
                "adjustment type",
                &["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"],
            )
        })
        .map(|a| match a {
            "ChangeInCapacity" => AdjustmentType::ChangeInCapacity,
            "PercentChangeInCapacity" => AdjustmentType::PercentChangeInCapacity,
            _ => AdjustmentType::ExactCapacity,
        });
    let mam_node = pt.opt("min_adjustment_magnitude");
    let mam = mam_node
        .and_then(|v| dec.int(v, &format!("{p}.min_adjustment_magnitude"), 1, 10000))
        .map(|v| v as u32);
    if mam.is_some() && adj.is_some() && adj != Some(AdjustmentType::PercentChangeInCapacity) {
        dec.error_hint(
            mam_node.map_or(item.pos, |n| n.pos),
            &format!("{p}.min_adjustment_magnitude"),
            "min_adjustment_magnitude applies only to PercentChangeInCapacity",
            Some("remove it".into()),
        );
    }
    let cooldown = dur_field(dec, &mut pt, "cooldown").unwrap_or(300_000);
    let steps = pt
        .req(dec, "steps")
        .map(|v| decode_steps(dec, v, &format!("{p}.steps")))
        .unwrap_or_default();
    pt.finish(dec, &fields::keys(fields::STEP_SCALING));
    if let (Some(m), Some(threshold), Some(cmp), Some(adj)) = (m, threshold, cmp, adj) {
        return Some(StepPolicy {
            name,
            metric: m,
            alarm: Alarm {
                threshold,
                comparison: cmp,
                evaluation_periods: periods as u32,
                datapoints_to_alarm: dta as u32,
            },
            adjustment_type: adj,
            steps,
            min_adjustment_magnitude: mam,
            cooldown_ms: cooldown,
        });
    }
    None
}

/// The `i`-th scheduled action (at `p`).
fn decode_scheduled_action(dec: &mut Decoder, item: &Node, p: &str, i: usize) -> Option<ScheduledAction> {
    let mut pt = dec.table(item, p)?;
    let name = pt
        .opt("name")
        .and_then(|v| dec.string(v, &format!("{p}.name")))
        .unwrap_or_else(|| format!("scheduled-{i}"));
    let schedule = schedule_of(dec, &mut pt);
    let mn = pt
        .opt("min_capacity")
        .and_then(|v| dec.int(v, &format!("{p}.min_capacity"), 0, 5000))
        .map(|v| v as u32);
    let mx = pt
        .opt("max_capacity")
        .and_then(|v| dec.int(v, &format!("{p}.max_capacity"), 0, 5000))
        .map(|v| v as u32);
    if mn.is_none() && mx.is_none() {
        dec.error_hint(
            item.pos,
            p,
            "a scheduled action must set min_capacity, max_capacity or both",
            None,
        );
    }
    pt.finish(dec, &fields::keys(fields::SCHEDULED_ACTION));
    if let Some(schedule) = schedule {
        return Some(ScheduledAction {
            name,
            schedule,
            min_capacity: mn,
            max_capacity: mx,
        });
    }
    None
}

fn decode_steps(dec: &mut Decoder, node: &Node, path: &str) -> Vec<StepAdjustment> {
    let mut out = Vec::new();
    let Some(items) = dec.array(node, path) else { return out };
    if items.len() > 20 {
        dec.error(node.pos, path, "at most 20 step adjustments per policy");
    }
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut t) = dec.table(item, &p) else { continue };
        let lower = f64_field(dec, &mut t, "lower", -1e12, 1e12);
        let upper = f64_field(dec, &mut t, "upper", -1e12, 1e12);
        let adj = t
            .req(dec, "adjustment")
            .and_then(|n| dec.int(n, &format!("{p}.adjustment"), -100_000, 100_000));
        t.finish(dec, &fields::keys(fields::STEP_ADJUSTMENT));
        if lower.is_none() && upper.is_none() {
            dec.error_hint(
                item.pos,
                &p,
                "a step needs a lower or an upper bound",
                Some("only one step may be open at each end".into()),
            );
        }
        if let (Some(l), Some(u)) = (lower, upper) {
            if l >= u {
                dec.error(item.pos, &p, format!("lower ({l}) must be below upper ({u})"));
            }
        }
        if let Some(a) = adj {
            out.push(StepAdjustment {
                lower,
                upper,
                adjustment: a,
            });
        }
    }
    // No gaps or overlaps: sorted by lower bound, each upper equals the next lower.
    let mut sorted = out.clone();
    sorted.sort_by(|a, b| {
        a.lower
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&b.lower.unwrap_or(f64::NEG_INFINITY))
    });
    for w in sorted.windows(2) {
        if w[0].upper != w[1].lower {
            dec.error_hint(
                node.pos,
                path,
                "step bounds leave a gap or overlap",
                Some("each step's upper bound must equal the next step's lower bound".into()),
            );
            break;
        }
    }
    out
}

/// Decodes the top-level `[autoscaling]`, `[pricing]` and `[fargate]` tables and the
/// elastic keys of `[cluster]` into `settings`.
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode_settings(
    dec: &mut Decoder,
    pricing: Option<&Node>,
    fargate: Option<&Node>,
    autoscaling: Option<&Node>,
    s: &mut ElasticSettings,
) {
    if let Some(n) = pricing {
        if let Some(mut t) = dec.table(n, "pricing") {
            let p = &mut s.pricing;
            if let Some(v) = f64_field(dec, &mut t, "fargate_vcpu_hour_usd", 0.0, 100.0) {
                p.fargate_vcpu_hour_usd = v;
            }
            if let Some(v) = f64_field(dec, &mut t, "fargate_gb_hour_usd", 0.0, 100.0) {
                p.fargate_gb_hour_usd = v;
            }
            if let Some(v) = f64_field(dec, &mut t, "fargate_spot_factor", 0.0, 1.0) {
                p.fargate_spot_factor = v;
            }
            if let Some(v) = f64_field(dec, &mut t, "ec2_spot_factor", 0.0, 1.0) {
                p.ec2_spot_factor = v;
            }
            if let Some(v) = dur_field(dec, &mut t, "ec2_minimum") {
                p.ec2_minimum_ms = v;
            }
            if let Some(v) = dur_field(dec, &mut t, "fargate_minimum") {
                p.fargate_minimum_ms = v;
            }
            if let Some(v) = f64_field(dec, &mut t, "fargate_storage_gb_hour_usd", 0.0, 100.0) {
                p.fargate_storage_gb_hour_usd = v;
            }
            if let Some(n) = t.opt("region") {
                if let Some(r) = dec.string(n, "pricing.region") {
                    p.region = r;
                }
            }
            // Read by the scenario's instance-type pricing (it needs the file's directory).
            t.opt("prices_file");
            t.finish(dec, &fields::keys(fields::PRICING));
        }
    }
    if let Some(n) = fargate {
        if let Some(mut t) = dec.table(n, "fargate") {
            if let Some(v) = f64_field(dec, &mut t, "launch_burst", 1.0, 1e6) {
                s.fargate_burst = v;
            }
            if let Some(v) = f64_field(dec, &mut t, "launch_rate_per_second", 1e-3, 1e6) {
                s.fargate_per_second = v;
            }
            if let Some(v) = t.opt("pending") {
                if let Some(d) = duration_dist(dec, v, "fargate.pending") {
                    s.fargate_pending = d;
                }
            }
            t.finish(dec, &fields::keys(fields::FARGATE));
        }
    }
    if let Some(n) = autoscaling {
        if let Some(mut t) = dec.table(n, "autoscaling") {
            if let Some(v) = t.opt("metric_delay") {
                if let Some(ms) = duration(dec, v, "autoscaling.metric_delay") {
                    if ms % 60_000 != 0 {
                        dec.error_hint(
                            v.pos,
                            "autoscaling.metric_delay",
                            "the metric delay must be whole minutes",
                            Some("datapoints are one minute apart".into()),
                        );
                    } else {
                        s.metric_delay_minutes = (ms / 60_000) as u32;
                    }
                }
            }
            if let Some(v) = t.opt("service_launch_rate_per_minute") {
                if let Some(r) = dec.int(v, "autoscaling.service_launch_rate_per_minute", 1, 1_000_000) {
                    s.service_launch_rate_per_minute = r as u32;
                }
            }
            if let Some(v) = t.opt("managed_scale_in_pace_divisor") {
                if let Some(r) = dec.int(v, "autoscaling.managed_scale_in_pace_divisor", 1, 1000) {
                    s.managed_scale_in_pace_divisor = r as u32;
                }
            }
            t.finish(dec, &fields::keys(fields::AUTOSCALING));
        }
    }
}

/// Decodes the elastic keys of `[cluster]` (called by the cluster decoder).
pub fn decode_cluster_keys(dec: &mut Decoder, t: &mut Fields<'_>, s: &mut ElasticSettings) {
    if let Some(v) = dur_field(dec, t, "provisioning_timeout") {
        s.provisioning_timeout_ms = v;
    }
    if let Some(v) = t.opt("provisioning_cap") {
        if let Some(n) = dec.int(v, "cluster.provisioning_cap", 1, 1_000_000) {
            s.provisioning_cap = n as u32;
        }
    }
    if let Some(v) = t.opt("legacy_multi_az_min_step") {
        if let Some(b) = dec.boolean(v, "cluster.legacy_multi_az_min_step") {
            s.legacy_multi_az_min_step = b;
        }
    }
    if let Some(v) = t.opt("cpr_scale_in") {
        if let Some(m) = dec.one_of(
            v,
            "cluster.cpr_scale_in",
            "CPR scale-in mode",
            &["m_over_n", "hundred_minus_empty"],
        ) {
            s.cpr_scale_in = if m == "m_over_n" {
                ScaleInCpr::MOverN
            } else {
                ScaleInCpr::HundredMinusEmpty
            };
        }
    }
    if let Some(v) = dur_field(dec, t, "managed_draining_timeout") {
        s.managed_draining_timeout_ms = v;
    }
}

/// Cluster keys this module reads.
pub const CLUSTER_KEYS: [&str; 6] = [
    "default_capacity_provider_strategy",
    "provisioning_timeout",
    "provisioning_cap",
    "legacy_multi_az_min_step",
    "cpr_scale_in",
    "managed_draining_timeout",
];

/// Whether `n` is a table node (used to tell `arrivals` kinds apart early).
pub fn is_table(n: &Node) -> bool {
    matches!(n.kind, NodeKind::Table(_))
}
