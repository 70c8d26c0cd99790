//! `ecsim import`: AWS configuration in, a scenario out.
//!
//! Reads the JSON the AWS CLI prints (`aws ecs describe-task-definition`, `describe-services`,
//! `describe-clusters`, `describe-capacity-providers`, `describe-container-instances`,
//! `aws autoscaling describe-auto-scaling-groups`, `describe-launch-configurations`,
//! `aws ec2 describe-launch-template-versions`, `aws application-autoscaling
//! describe-scalable-targets`, `describe-scaling-policies`, `describe-scheduled-actions`,
//! `aws cloudwatch describe-alarms`) and CloudFormation templates (YAML or JSON), and writes
//! one scenario that keeps AWS's names and values. What AWS configuration cannot say (the
//! load, task run times, failure rates, the run's length) is written as marked TODO defaults,
//! and every input field the scenario does not carry is listed in the report with the
//! reason.
//!
//! Each input is read into [`Collected`] (documents may come in any order and reference each
//! other by ARN or name); [`assemble`] then resolves the references (a service's task
//! definition, a capacity provider's group, a group's launch template, a policy's target and
//! alarm) and writes the text, which is validated by the scenario decoder before it is
//! returned: an import that does not validate is an error, never a file.

mod autoscaling;
mod cloudformation;
mod ecs;
pub mod export;
mod reader;
mod toml_out;
mod yaml;

pub use reader::Ignored;

use crate::scenario::node::{NodeKind, Pos};
use crate::scenario::{Diagnostic, Diagnostics};
use reader::Ctx;
use std::fmt::Write as _;
use std::path::Path;
use toml_out::{write_table, write_table_with_comments, Table, Value};

/// Where something was read, for errors found when references are resolved.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub file: String,
    pub pos: Pos,
}

impl Origin {
    fn at(ctx: &Ctx, pos: Pos) -> Self {
        Origin {
            file: ctx.file.clone(),
            pos,
        }
    }

    fn error(&self, path: &str, message: impl Into<String>, hint: Option<String>) -> Diagnostic {
        let mut d = Diagnostic::new(&self.file, self.pos, path, message.into());
        d.hint = hint;
        d
    }
}

pub struct TaskDefinition {
    pub family: String,
    pub revision: Option<i64>,
    pub network_mode: String,
    pub table: Table,
    pub origin: Origin,
}

pub struct Service {
    pub name: String,
    pub task_ref: String,
    pub table: Table,
    pub target_groups: Vec<String>,
    pub origin: Origin,
}

pub struct Provider {
    pub name: String,
    pub asg: String,
    pub table: Table,
    pub origin: Origin,
}

#[derive(Default)]
pub struct Group {
    pub name: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub desired: Option<i64>,
    pub azs: Vec<String>,
    pub template: Option<String>,
    pub template_version: Option<String>,
    pub launch_configuration: Option<String>,
    pub instance_type: Option<String>,
    pub spot: bool,
    pub origin: Origin,
}

pub struct Template {
    pub name: String,
    pub id: Option<String>,
    pub version: Option<i64>,
    pub default: bool,
    pub instance_type: String,
}

#[derive(Default)]
pub struct ContainerInstance {
    pub instance_type: Option<String>,
    pub cpu: Option<i64>,
    pub memory: Option<i64>,
    pub az: Option<String>,
    pub attributes: Table,
    pub origin: Origin,
}

pub struct ScalableTarget {
    pub service: String,
    pub min: i64,
    pub max: i64,
    /// The CloudFormation logical ID, which a policy's `ScalingTargetId` names.
    pub logical_id: Option<String>,
    pub origin: Origin,
}

pub struct Scheduled {
    pub service: String,
    pub table: Table,
}

pub enum PolicyKind {
    TargetTracking(Table),
    Step(Table),
}

pub struct Policy {
    pub name: String,
    pub service: Option<String>,
    pub target_ref: Option<String>,
    pub kind: PolicyKind,
    pub origin: Origin,
}

/// A target group's settings, and the load balancer its ARN names (CLI only).
pub struct TargetGroupInfo {
    pub name: String,
    pub load_balancer: Option<(String, String)>,
    pub table: Table,
}

pub struct Alarm {
    /// The names of the policies it acts on.
    pub actions: Vec<String>,
    pub metric: Option<&'static str>,
    pub table: Table,
    pub origin: Origin,
}

/// Everything read from the inputs, before references are resolved.
#[derive(Default)]
pub struct Collected {
    pub cluster_name: Option<String>,
    pub region: Option<String>,
    pub default_strategy: Vec<Value>,
    pub task_definitions: Vec<TaskDefinition>,
    pub services: Vec<Service>,
    pub providers: Vec<Provider>,
    pub groups: Vec<Group>,
    pub templates: Vec<Template>,
    pub launch_configurations: Vec<(String, String)>,
    pub spot_configurations: Vec<String>,
    pub container_instances: Vec<ContainerInstance>,
    pub targets: Vec<ScalableTarget>,
    pub scheduled: Vec<Scheduled>,
    pub policies: Vec<Policy>,
    pub alarms: Vec<Alarm>,
    pub target_groups: Vec<TargetGroupInfo>,
    pub sources: Vec<String>,
}

/// A finished import: the scenario text (validated) and the report of ignored fields.
pub struct Imported {
    pub scenario: String,
    pub ignored: Vec<Ignored>,
}

/// Reads one input file (AWS CLI JSON or a CloudFormation template) into `c`.
pub fn read_file(path: &Path, c: &mut Collected) -> Result<Vec<Ignored>, Diagnostics> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::new(
            &file,
            Pos { line: 1, col: 1 },
            "",
            format!("cannot read the file: {e}"),
        )])
    })?;
    read_text(&file, &text, c)
}

/// Reads one document's text; `file` names it in messages (a `.yaml` / `.yml` name is
/// YAML, anything else JSON).
pub fn read_text(file: &str, text: &str, c: &mut Collected) -> Result<Vec<Ignored>, Diagnostics> {
    let is_yaml = file.ends_with(".yaml") || file.ends_with(".yml");
    let root = if is_yaml {
        yaml::from_yaml(file, text)
    } else {
        crate::scenario::node::from_json(file, text)
    }
    .map_err(|d| Diagnostics(vec![d]))?;
    let mut ctx = Ctx {
        file: file.to_string(),
        ..Default::default()
    };
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("stack")
        .to_string();
    let keys: Vec<String> = match &root.kind {
        NodeKind::Table(e) => e.iter().map(|e| e.key.clone()).collect(),
        _ => Vec::new(),
    };
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("Resources") || has("AWSTemplateFormatVersion") {
        cloudformation::read(&mut ctx, c, &root, &stem);
    } else if has("taskDefinition") {
        let Some(mut o) = ctx.obj(&root, "") else {
            unreachable!("a table has keys")
        };
        if let Some(n) = o.get("taskDefinition") {
            ecs::task_definition(&mut ctx, c, n, "taskDefinition", &stem);
        }
        o.done(&mut ctx);
    } else if has("taskDefinitions") {
        autoscaling::each(&mut ctx, c, &root, "taskDefinitions", |ctx, c, n, p| {
            ecs::task_definition(ctx, c, n, p, "task")
        });
    } else if has("services") {
        autoscaling::each(&mut ctx, c, &root, "services", |ctx, c, n, p| {
            ecs::service(ctx, c, n, p, "service")
        });
    } else if has("clusters") {
        autoscaling::each(&mut ctx, c, &root, "clusters", ecs::cluster);
    } else if has("capacityProviders") {
        autoscaling::each(&mut ctx, c, &root, "capacityProviders", |ctx, c, n, p| {
            ecs::capacity_provider(ctx, c, n, p, "provider")
        });
    } else if has("containerInstances") {
        autoscaling::each(&mut ctx, c, &root, "containerInstances", ecs::container_instance);
    } else if has("containerInstanceArns") {
        return Err(Diagnostics(vec![Diagnostic::new(
            file,
            root.pos,
            "containerInstanceArns",
            "list-container-instances names the instances but not their types or resources".into(),
        )
        .with_hint(
            "pass the output of `aws ecs describe-container-instances --container-instances <these ARNs>` instead",
        )]));
    } else if has("AutoScalingGroups") {
        autoscaling::each(&mut ctx, c, &root, "AutoScalingGroups", |ctx, c, n, p| {
            autoscaling::group(ctx, c, n, p, "group")
        });
    } else if has("LaunchTemplateVersions") {
        autoscaling::each(&mut ctx, c, &root, "LaunchTemplateVersions", |ctx, c, n, p| {
            autoscaling::launch_template(ctx, c, n, p, "template", None)
        });
    } else if has("LaunchConfigurations") {
        autoscaling::each(&mut ctx, c, &root, "LaunchConfigurations", |ctx, c, n, p| {
            autoscaling::launch_configuration(ctx, c, n, p, "config")
        });
    } else if has("ScalableTargets") {
        autoscaling::each(&mut ctx, c, &root, "ScalableTargets", |ctx, c, n, p| {
            autoscaling::scalable_target(ctx, c, n, p, None)
        });
    } else if has("ScalingPolicies") {
        autoscaling::each(&mut ctx, c, &root, "ScalingPolicies", |ctx, c, n, p| {
            autoscaling::scaling_policy(ctx, c, n, p, "policy", None)
        });
    } else if has("ScheduledActions") {
        autoscaling::each(&mut ctx, c, &root, "ScheduledActions", autoscaling::scheduled_action);
    } else if has("TargetGroups") {
        autoscaling::each(&mut ctx, c, &root, "TargetGroups", |ctx, c, n, p| {
            autoscaling::target_group(ctx, c, n, p, "target-group")
        });
    } else if has("MetricAlarms") {
        autoscaling::each(&mut ctx, c, &root, "MetricAlarms", autoscaling::alarm);
    } else {
        return Err(Diagnostics(vec![Diagnostic::new(file, root.pos, "", "not a document ecsim imports".into()).with_hint(
            "expected the JSON output of aws ecs describe-task-definition / describe-services / describe-clusters / describe-capacity-providers / describe-container-instances, aws autoscaling describe-auto-scaling-groups / describe-launch-configurations, aws ec2 describe-launch-template-versions, aws application-autoscaling describe-scalable-targets / describe-scaling-policies / describe-scheduled-actions, aws cloudwatch describe-alarms, aws elbv2 describe-target-groups, or a CloudFormation template",
        )]));
    }
    c.sources.push(file.to_string());
    if !ctx.errors.is_empty() {
        return Err(Diagnostics(ctx.errors));
    }
    Ok(ctx.ignored)
}

/// Imports the files and returns the validated scenario and the report.
pub fn import(paths: &[std::path::PathBuf], name: Option<&str>) -> Result<Imported, Diagnostics> {
    let mut c = Collected::default();
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match read_file(p, &mut c) {
            Ok(i) => ignored.extend(i),
            Err(d) => errors.extend(d.0),
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    let scenario = assemble(&c, name, &mut ignored)?;
    Ok(Imported { scenario, ignored })
}

/// The family a service's task definition reference resolves to among the imported ones.
fn resolve_task_definition<'a>(c: &'a Collected, reference: &str) -> Option<&'a TaskDefinition> {
    let (family, revision) = ecs::family_of(reference);
    let same: Vec<&TaskDefinition> = c.task_definitions.iter().filter(|t| t.family == family).collect();
    match revision {
        Some(r) => same.iter().find(|t| t.revision == Some(r)).or(same.last()).copied(),
        None => same.iter().max_by_key(|t| t.revision).copied(),
    }
}

/// A group's instance type, from its launch template, launch configuration or overrides.
fn instance_type_of(c: &Collected, g: &Group) -> Result<String, Diagnostic> {
    if let Some(t) = &g.instance_type {
        return Ok(t.clone());
    }
    if let Some(name) = &g.template {
        let versions: Vec<&Template> = c
            .templates
            .iter()
            .filter(|t| &t.name == name || t.id.as_deref() == Some(name.as_str()))
            .collect();
        let wanted = g.template_version.as_deref().and_then(|v| v.parse::<i64>().ok());
        let found = match wanted {
            Some(v) => versions.iter().find(|t| t.version == Some(v) || t.version.is_none()),
            None if g.template_version.as_deref() == Some("$Latest") => versions.iter().max_by_key(|t| t.version),
            None => versions.iter().find(|t| t.default).or(versions.first()),
        };
        return found.map(|t| t.instance_type.clone()).ok_or_else(|| {
            g.origin.error(
                "LaunchTemplate",
                format!(
                    "group \"{}\" launches from template \"{name}\", which none of the inputs defines",
                    g.name
                ),
                Some(format!(
                    "add the output of `aws ec2 describe-launch-template-versions --launch-template-name {name}`"
                )),
            )
        });
    }
    if let Some(name) = &g.launch_configuration {
        return c.launch_configurations.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone()).ok_or_else(|| {
            g.origin.error(
                "LaunchConfigurationName",
                format!("group \"{}\" launches from configuration \"{name}\", which none of the inputs defines", g.name),
                Some(format!("add the output of `aws autoscaling describe-launch-configurations --launch-configuration-names {name}`")),
            )
        });
    }
    Err(g.origin.error(
        "",
        format!("group \"{}\" names no launch template or configuration", g.name),
        None,
    ))
}

/// A scenario name from a cluster name (letters, digits, '-', '_', '.').
fn scenario_name(s: &str) -> String {
    let n: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if crate::scenario::is_valid_name(&n) {
        n
    } else {
        "imported".into()
    }
}

/// Resolves references and writes the scenario text; validates it.
pub fn assemble(c: &Collected, name: Option<&str>, ignored: &mut Vec<Ignored>) -> Result<String, Diagnostics> {
    let mut errors = Vec::new();
    let mut out = String::new();
    let name = scenario_name(name.or(c.cluster_name.as_deref()).unwrap_or("imported"));

    // Instance groups: Auto Scaling groups, else container instances grouped by type and zone.
    let mut groups: Vec<Table> = Vec::new();
    let mut custom_types: Vec<Table> = Vec::new();
    let mut azs: Vec<String> = Vec::new();
    for g in &c.groups {
        match instance_type_of(c, g) {
            Ok(ty) => {
                let mut t = Table::default();
                t.set("name", g.name.clone().into());
                t.set("instance_type", ty.into());
                let desired = g.desired.or(g.min).unwrap_or(0);
                t.set("count", desired.into());
                if let Some(m) = g.min {
                    t.set("min_size", m.into());
                }
                if let Some(m) = g.max {
                    t.set("max_size", m.into());
                }
                if !g.azs.is_empty() {
                    t.set(
                        "availability_zones",
                        Value::Array(g.azs.iter().map(|a| a.as_str().into()).collect()),
                    );
                    for a in &g.azs {
                        if !azs.contains(a) {
                            azs.push(a.clone());
                        }
                    }
                }
                let spot = g.spot
                    || g.launch_configuration
                        .as_ref()
                        .is_some_and(|l| c.spot_configurations.contains(l));
                if spot {
                    t.set("spot", true.into());
                }
                groups.push(t);
            }
            Err(d) => errors.push(d),
        }
    }
    if c.groups.is_empty() && !c.container_instances.is_empty() {
        // One group per (type, zone, attributes), counted; a type named by no attribute is
        // described by its registered CPU and memory.
        let mut keyed: Vec<(String, Option<String>, Table, i64)> = Vec::new();
        for ci in &c.container_instances {
            let ty = match (&ci.instance_type, ci.cpu, ci.memory) {
                (Some(t), _, _) => t.clone(),
                (None, Some(cpu), Some(mem)) => {
                    let ty = format!("registered-{cpu}cpu-{mem}mib");
                    if !custom_types.iter().any(|t| t.str("name") == Some(ty.as_str())) {
                        let mut t = Table::default();
                        t.set("name", ty.clone().into());
                        t.set("vcpu", (cpu / 1024).max(1).into());
                        t.set("memory_mib", mem.into());
                        t.set("registered_memory_mib", mem.into());
                        t.set("max_eni", 3i64.into());
                        t.set("price_per_hour_usd", Value::Float(0.0));
                        custom_types.push(t);
                    }
                    ty
                }
                _ => {
                    errors.push(ci.origin.error("", "a container instance with neither an ecs.instance-type attribute nor registered CPU and MEMORY", None));
                    continue;
                }
            };
            match keyed
                .iter_mut()
                .find(|(t, z, a, _)| *t == ty && *z == ci.az && *a == ci.attributes)
            {
                Some(k) => k.3 += 1,
                None => keyed.push((ty, ci.az.clone(), ci.attributes.clone(), 1)),
            }
        }
        for (i, (ty, az, attrs, n)) in keyed.into_iter().enumerate() {
            let mut t = Table::default();
            let base: String = ty
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
                .collect();
            t.set("name", format!("instances-{}-{base}", i + 1).into());
            t.set("instance_type", ty.into());
            t.set("count", n.into());
            if let Some(az) = az {
                t.set("availability_zones", Value::Array(vec![az.as_str().into()]));
                if !azs.contains(&az) {
                    azs.push(az);
                }
            }
            if !attrs.is_empty() {
                t.set("attributes", attrs.into());
            }
            groups.push(t);
        }
    }
    azs.sort();

    // Capacity providers: each names its group by the group's name.
    let mut providers = Vec::new();
    for p in &c.providers {
        if !c.groups.iter().any(|g| g.name == p.asg) {
            errors.push(p.origin.error(
                "autoScalingGroupProvider.autoScalingGroupArn",
                format!(
                    "capacity provider \"{}\" scales group \"{}\", which none of the inputs describes",
                    p.name, p.asg
                ),
                Some(format!(
                    "add the output of `aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {}`",
                    p.asg
                )),
            ));
            continue;
        }
        let mut t = Table::default();
        t.set("name", p.name.clone().into());
        t.set("instance_group", p.asg.clone().into());
        for (k, v) in &p.table.0 {
            if k != "name" {
                t.set(k, v.clone());
            }
        }
        providers.push(t);
    }

    // Task definitions: one per family; several revisions of one family become family-rN.
    let mut families: Vec<(String, Table, String)> = Vec::new();
    let revisions = |f: &str| c.task_definitions.iter().filter(|t| t.family == f).count();
    let td_name = |td: &TaskDefinition| match td.revision {
        Some(r) if revisions(&td.family) > 1 => format!("{}-r{r}", td.family),
        _ => td.family.clone(),
    };
    for td in &c.task_definitions {
        let mut t = td.table.clone();
        let n = td_name(td);
        if families.iter().any(|(f, _, _)| *f == n) {
            errors.push(td.origin.error(
                "family",
                format!("task definition \"{n}\" is given twice"),
                Some("pass each revision once".into()),
            ));
            continue;
        }
        t.set("family", n.clone().into());
        families.push((n, t, td.network_mode.clone()));
    }

    // Services, their target groups, and their Application Auto Scaling.
    let mut services = Vec::new();
    let mut target_groups: Vec<(String, String)> = Vec::new();
    for s in &c.services {
        let Some(td) = resolve_task_definition(c, &s.task_ref) else {
            errors.push(s.origin.error(
                "taskDefinition",
                format!(
                    "service \"{}\" runs task definition \"{}\", which none of the inputs defines",
                    s.name, s.task_ref
                ),
                Some(format!(
                    "add the output of `aws ecs describe-task-definition --task-definition {}`",
                    ecs::arn_name(&s.task_ref)
                )),
            ));
            continue;
        };
        let mut t = Table::default();
        t.set("name", s.name.clone().into());
        t.set("task_definition", td_name(td).into());
        for (k, v) in &s.table.0 {
            if k != "name" {
                t.set(k, v.clone());
            }
        }
        let target_type = if td.network_mode == "awsvpc" { "ip" } else { "instance" };
        for tg in &s.target_groups {
            if !target_groups.iter().any(|(n, _)| n == tg) {
                target_groups.push((tg.clone(), target_type.into()));
            }
        }
        let scaling = scaling_of(c, s, &mut errors, ignored);
        services.push((t, scaling));
    }
    for t in &c.targets {
        if !c.services.iter().any(|s| s.name == t.service) {
            ignored.push(Ignored {
                file: t.origin.file.clone(),
                pos: t.origin.pos,
                path: "ScalableTargets".into(),
                reason: format!("scales service \"{}\", which none of the inputs describes", t.service),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }

    // ---- the text ----
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
    if !custom_types.is_empty() {
        let _ = writeln!(
            out,
            "#   TODO instance types: the container instances name no instance type, so each is described by"
        );
        let _ = writeln!(
            out,
            "#        its registered CPU and memory, at price 0; set `instance_type` to the real type."
        );
    }
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
    for t in &custom_types {
        out.push('\n');
        write_table(&mut out, "instance_types", true, t);
    }
    for t in &groups {
        out.push('\n');
        write_table(&mut out, "instance_groups", true, t);
    }
    for t in &providers {
        out.push('\n');
        write_table(&mut out, "capacity_providers", true, t);
    }
    for (_, t, _) in &families {
        out.push('\n');
        write_table(&mut out, "task_definitions", true, t);
    }
    if !target_groups.is_empty() {
        // Each target group with its settings where an input gave them (the ELB API's
        // defaults otherwise), on the load balancer its ARN names (one ALB otherwise).
        let mut lbs: Vec<(String, String)> = Vec::new();
        let mut tgs = Vec::new();
        let mut defaulted = Vec::new();
        for (n, ty) in &target_groups {
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
            write_table(&mut out, "load_balancers", true, &lb);
        }
        for t in &tgs {
            out.push('\n');
            let name = t.str("name").unwrap_or_default().to_string();
            if defaulted.contains(&name) {
                out.push_str("# TODO: the ELB API's defaults (CreateTargetGroup); add `aws elbv2 describe-target-groups` output\n");
                out.push_str("# for this target group's real health check settings.\n");
            }
            write_table(&mut out, "target_groups", true, t);
        }
    }
    for (t, scaling) in &services {
        out.push('\n');
        let mut t = t.clone();
        let mut comments = Vec::new();
        if let Some((main, steps)) = scaling {
            if main.get("target_tracking").is_some() || !steps.is_empty() {
                // Dynamic scaling acts on metrics only a load produces: a neutral TODO load,
                // constant, that holds the current desired count at the first CPU target
                // (50 % without one), so the imported service neither grows nor shrinks.
                let desired = match t.get("desired_count") {
                    Some(Value::Int(n)) => (*n).max(1),
                    _ => 1,
                };
                let target = match main.get("target_tracking") {
                    Some(Value::Array(items)) => items.iter().find_map(|i| match i {
                        Value::Inline(p) if p.str("metric") == Some("ECSServiceAverageCPUUtilization") => {
                            match p.get("target") {
                                Some(Value::Float(f)) => Some(*f),
                                _ => None,
                            }
                        }
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
                t.set("load", load.into());
                comments.push(("load", format!(
                    "TODO load: AWS configuration has no load curve. This constant {rps} requests/s at {capacity} per task\nholds {desired} task(s) at {target}% CPU; replace it with the service's real traffic."
                )));
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
    // The import must validate: a failure here is a bug in the importer, reported as such.
    let file = format!("{name}.toml");
    crate::scenario::parse_str(&file, &out, Path::new("."), &name).map_err(|d| {
        let mut v = d.0;
        for x in &mut v {
            x.message = format!(
                "the imported scenario does not validate (please report this): {}",
                x.message
            );
        }
        Diagnostics(v)
    })?;
    ignored.sort();
    Ok(out)
}

type Scaling = Option<(Table, Vec<Table>)>;

/// A service's `auto_scaling` table and step policies, from its scalable target, policies,
/// scheduled actions and alarms.
fn scaling_of(c: &Collected, s: &Service, errors: &mut Vec<Diagnostic>, ignored: &mut Vec<Ignored>) -> Scaling {
    let target = c.targets.iter().find(|t| t.service == s.name);
    let policies: Vec<&Policy> = c
        .policies
        .iter()
        .filter(|p| {
            p.service.as_deref() == Some(s.name.as_str())
                || (p.target_ref.is_some() && target.is_some_and(|t| t.logical_id == p.target_ref))
        })
        .collect();
    let scheduled: Vec<&Scheduled> = c.scheduled.iter().filter(|x| x.service == s.name).collect();
    let Some(target) = target else {
        if let Some(p) = policies.first() {
            errors.push(p.origin.error(
                "ResourceId",
                format!("scaling policy \"{}\" scales service \"{}\", but no scalable target gives its min and max capacity", p.name, s.name),
                Some(format!("add the output of `aws application-autoscaling describe-scalable-targets --service-namespace ecs --resource-ids service/<cluster>/{}`", s.name)),
            ));
        }
        return None;
    };
    let mut main = Table::default();
    main.set("min_capacity", target.min.into());
    main.set("max_capacity", target.max.into());
    let mut tracking = Vec::new();
    let mut steps = Vec::new();
    for p in policies {
        match &p.kind {
            PolicyKind::TargetTracking(t) => tracking.push(Value::Inline(t.clone())),
            PolicyKind::Step(t) => {
                let alarm = c.alarms.iter().find(|a| a.actions.contains(&p.name));
                match alarm {
                    Some(a) => {
                        let Some(metric) = a.metric else { continue };
                        let mut st = Table::default();
                        st.set("name", p.name.clone().into());
                        st.set("metric", metric.into());
                        for (k, v) in a.table.0.iter().chain(t.0.iter()) {
                            if k != "name" {
                                st.set(k, v.clone());
                            }
                        }
                        steps.push(st);
                    }
                    None => ignored.push(Ignored {
                        file: p.origin.file.clone(),
                        pos: p.origin.pos,
                        path: format!("StepScalingPolicyConfiguration ({})", p.name),
                        reason: "left out: no CloudWatch alarm acting on this policy was given (add `aws cloudwatch describe-alarms` output for its metric, threshold and comparison)".into(),
                    }),
                }
            }
        }
    }
    if !tracking.is_empty() {
        main.set("target_tracking", Value::Array(tracking));
    }
    if !scheduled.is_empty() {
        main.set(
            "scheduled_actions",
            Value::Array(scheduled.iter().map(|x| Value::Inline(x.table.clone())).collect()),
        );
    }
    Some((main, steps))
}
