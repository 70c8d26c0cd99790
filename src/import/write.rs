//! Writing the resolved tables as scenario text: the TODO block for what AWS configuration
//! cannot say, then the tables in the order a reader looks for them.

use super::resolve::Resolved;
use super::toml_out::{write_table, write_table_with_comments, Table, Value};
use super::Collected;
use std::fmt::Write as _;

/// The scenario text of `r`.
pub fn scenario_text(c: &Collected, r: &Resolved) -> String {
    let Resolved {
        name,
        azs,
        custom_types,
        groups,
        providers,
        families,
        target_groups,
        services,
    } = r;
    let mut out = String::new();
    write_header(&mut out, c, !custom_types.is_empty());
    let _ = writeln!(out);
    let mut sc = Table::default();
    sc.set("name", name.clone().into());
    sc.set("seed", 1i64.into());
    sc.set("duration", "1d".into());
    sc.set("metrics_interval", "1m".into());
    write_table(&mut out, "scenario", false, &sc);
    let mut cluster = Table::default();
    if !azs.is_empty() {
        cluster.set(
            "availability_zones",
            Value::Array(azs.iter().map(|a| a.as_str().into()).collect()),
        );
    }
    if !c.default_strategy.is_empty() {
        cluster.set(
            "default_capacity_provider_strategy",
            Value::Array(c.default_strategy.clone()),
        );
    }
    if !cluster.is_empty() {
        out.push('\n');
        write_table(&mut out, "cluster", false, &cluster);
    }
    for t in custom_types.iter() {
        out.push('\n');
        write_table(&mut out, "instance_types", true, t);
    }
    for t in groups.iter() {
        out.push('\n');
        write_table(&mut out, "instance_groups", true, t);
    }
    for t in providers.iter() {
        out.push('\n');
        write_table(&mut out, "capacity_providers", true, t);
    }
    for (_, t, _) in families.iter() {
        out.push('\n');
        write_table(&mut out, "task_definitions", true, t);
    }
    write_target_groups(&mut out, c, target_groups);
    for (t, scaling) in services.iter() {
        out.push('\n');
        let mut t = t.clone();
        let mut comments = Vec::new();
        if let Some((main, steps)) = scaling {
            if main.get("target_tracking").is_some() || !steps.is_empty() {
                let (load, comment) = neutral_load(&t, main);
                t.set("load", load.into());
                comments.push(("load", comment));
            }
        }
        write_table_with_comments(&mut out, "services", true, &t, &comments);
        if let Some((main, steps)) = scaling {
            out.push('\n');
            write_table(&mut out, "services.auto_scaling", false, main);
            for s in steps {
                out.push('\n');
                write_table(&mut out, "services.auto_scaling.step_scaling", true, s);
            }
        }
    }
    out
}

/// The header: where the scenario came from and the TODO defaults its reader must replace.
fn write_header(out: &mut String, c: &Collected, custom_types: bool) {
    let _ = writeln!(out, "# Imported by `ecsim import` from:");
    for s in &c.sources {
        let _ = writeln!(out, "#   {s}");
    }
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# AWS configuration cannot say how the cluster is used; these are TODO defaults to replace:"
    );
    let _ = writeln!(out, "#   TODO duration: the run is 1 day ([scenario] duration).");
    let _ = writeln!(
        out,
        "#   TODO load: a service with scaling policies gets a constant load that holds its current desired"
    );
    let _ = writeln!(
        out,
        "#        count (marked TODO below); a service without one gets none, so its tasks idle. Give each"
    );
    let _ = writeln!(
        out,
        "#        the real curve, e.g. `load = {{ requests = {{ type = \"daily\", base_rps = 100, peak_rps = 1000,"
    );
    let _ = writeln!(
        out,
        "#        peak_hour = 14 }}, task_capacity_rps = 100 }}` (README: Scenario files)."
    );
    let _ = writeln!(
        out,
        "#   TODO task run times: service tasks run until stopped (add `task_run_time` to a service"
    );
    let _ = writeln!(
        out,
        "#        whose tasks exit), and no batch jobs are defined ([[batch_jobs]])."
    );
    let _ = writeln!(
        out,
        "#   TODO failures: none ([failures] instance_mtbf, spot_interruptions_per_instance_hour, ...)."
    );
    if let Some(r) = &c.region {
        if r != "us-east-1" {
            let _ = writeln!(
                out,
                "#   TODO prices: the ARNs name region {r}; EC2 prices are us-east-1's unless you set"
            );
            let _ = writeln!(
                out,
                "#        [pricing] region = \"{r}\" with a prices_file of that region's prices."
            );
        }
    }
    if custom_types {
        let _ = writeln!(
            out,
            "#   TODO instance types: the container instances name no instance type, so each is described by"
        );
        let _ = writeln!(
            out,
            "#        its registered CPU and memory, at price 0; set `instance_type` to the real type."
        );
    }
}

/// Each target group with its settings where an input gave them (the ELB API's defaults
/// otherwise), after the load balancers their ARNs name (one ALB otherwise).
fn write_target_groups(out: &mut String, c: &Collected, target_groups: &[(String, String)]) {
    let mut lbs: Vec<(String, String)> = Vec::new();
    let mut tgs = Vec::new();
    let mut defaulted = Vec::new();
    for (n, ty) in target_groups.iter() {
        let info = c.target_groups.iter().find(|t| &t.name == n);
        let (lb_name, lb_type) = info
            .and_then(|i| i.load_balancer.clone())
            .unwrap_or_else(|| ("imported-alb".to_string(), "application".to_string()));
        if !lbs.iter().any(|(l, _)| *l == lb_name) {
            lbs.push((lb_name.clone(), lb_type));
        }
        let mut t = Table::default();
        t.set("name", n.clone().into());
        t.set("load_balancer", lb_name.into());
        t.set("target_type", ty.clone().into());
        match info {
            Some(i) => {
                for (k, v) in &i.table.0 {
                    t.set(k, v.clone());
                }
            }
            None => defaulted.push(n.clone()),
        }
        tgs.push(t);
    }
    for (n, ty) in &lbs {
        let mut lb = Table::default();
        lb.set("name", n.clone().into());
        lb.set("type", ty.clone().into());
        out.push('\n');
        write_table(out, "load_balancers", true, &lb);
    }
    for t in &tgs {
        out.push('\n');
        let name = t.str("name").unwrap_or_default().to_string();
        if defaulted.contains(&name) {
            out.push_str(
                "# TODO: the ELB API's defaults (CreateTargetGroup); add `aws elbv2 describe-target-groups` output\n",
            );
            out.push_str("# for this target group's real health check settings.\n");
        }
        write_table(out, "target_groups", true, t);
    }
}

/// Dynamic scaling acts on metrics only a load produces: a neutral TODO load for service `t`
/// with scaling `main`, constant, that holds the current desired count at the first CPU
/// target (50 % without one), so the imported service neither grows nor shrinks; and the
/// comment that says so.
fn neutral_load(t: &Table, main: &Table) -> (Table, String) {
    let desired = match t.get("desired_count") {
        Some(Value::Int(n)) => (*n).max(1),
        _ => 1,
    };
    let target = match main.get("target_tracking") {
        Some(Value::Array(items)) => items.iter().find_map(|i| match i {
            Value::Inline(p) if p.str("metric") == Some("ECSServiceAverageCPUUtilization") => match p.get("target") {
                Some(Value::Float(f)) => Some(*f),
                _ => None,
            },
            _ => None,
        }),
        _ => None,
    }
    .unwrap_or(50.0);
    let capacity = 100i64;
    let rps = (desired as f64 * capacity as f64 * target / 100.0).round() as i64;
    let mut requests = Table::default();
    requests.set("type", "constant".into());
    requests.set("rps", rps.into());
    let mut load = Table::default();
    load.set("requests", requests.into());
    load.set("task_capacity_rps", capacity.into());
    let comment = format!(
        "TODO load: AWS configuration has no load curve. This constant {rps} requests/s at {capacity} per task\nholds {desired} task(s) at {target}% CPU; replace it with the service's real traffic."
    );
    (load, comment)
}
