//! Resolving references between the documents of an import: a service's task definition
//! (by ARN, `family:revision` or family), a capacity provider's group, a group's launch
//! template version or configuration, a policy's scalable target and alarm. What cannot be
//! resolved is an error that names the AWS command whose output to add.

use super::reader::Ignored;
use super::toml_out::{Table, Value};
use super::{ecs, Collected, Group, Policy, PolicyKind, Scheduled, Service, TaskDefinition, Template};
use crate::scenario::{Diagnostic, Diagnostics};

/// The scenario's tables, references resolved.
pub struct Resolved {
    pub name: String,
    pub azs: Vec<String>,
    pub custom_types: Vec<Table>,
    pub groups: Vec<Table>,
    pub providers: Vec<Table>,
    /// (family, table, network mode)
    pub families: Vec<(String, Table, String)>,
    /// (target group, target type)
    pub target_groups: Vec<(String, String)>,
    pub services: Vec<(Table, Scaling)>,
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

/// Instance groups: the Auto Scaling groups, or else the container instances grouped by type,
/// zone and attributes; with the instance types made for instances that name none, and the
/// zones the groups use.
fn instance_groups(c: &Collected, errors: &mut Vec<Diagnostic>) -> (Vec<Table>, Vec<Table>, Vec<String>) {
    let mut groups: Vec<Table> = Vec::new();
    let mut custom_types: Vec<Table> = Vec::new();
    let mut azs: Vec<String> = Vec::new();
    for g in &c.groups {
        match instance_type_of(c, g) {
            Ok(ty) => groups.push(asg_group(c, g, ty, &mut azs)),
            Err(d) => errors.push(d),
        }
    }
    if c.groups.is_empty() && !c.container_instances.is_empty() {
        groups = container_instance_groups(c, errors, &mut custom_types, &mut azs);
    }
    azs.sort();
    (groups, custom_types, azs)
}

/// The instance group of Auto Scaling group `g` (of instance type `ty`); its zones are added
/// to `azs`.
fn asg_group(c: &Collected, g: &Group, ty: String, azs: &mut Vec<String>) -> Table {
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
    t
}

/// Without Auto Scaling groups: one group per (type, zone, attributes) of the container
/// instances, counted. A type named by no attribute is described by its registered CPU and
/// memory (added to `custom_types`); the zones are added to `azs`.
fn container_instance_groups(
    c: &Collected,
    errors: &mut Vec<Diagnostic>,
    custom_types: &mut Vec<Table>,
    azs: &mut Vec<String>,
) -> Vec<Table> {
    let mut keyed: Vec<(String, Option<String>, Table, i64)> = Vec::new();
    for ci in &c.container_instances {
        let ty = match (&ci.instance_type, ci.cpu, ci.memory) {
            (Some(t), _, _) => t.clone(),
            (None, Some(cpu), Some(mem)) => {
                let ty = format!("registered-{cpu}cpu-{mem}mib");
                if !custom_types.iter().any(|t| t.str("name") == Some(ty.as_str())) {
                    custom_types.push(registered_type(&ty, cpu, mem));
                }
                ty
            }
            _ => {
                errors.push(ci.origin.error(
                    "",
                    "a container instance with neither an ecs.instance-type attribute nor registered CPU and MEMORY",
                    None,
                ));
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
    let mut groups = Vec::new();
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
    groups
}

/// An instance type `name` made for container instances that register `cpu` units and
/// `mem` MiB and name no type: unpriced, three ENIs.
fn registered_type(name: &str, cpu: i64, mem: i64) -> Table {
    let mut t = Table::default();
    t.set("name", name.to_string().into());
    t.set("vcpu", (cpu / 1024).max(1).into());
    t.set("memory_mib", mem.into());
    t.set("registered_memory_mib", mem.into());
    t.set("max_eni", 3i64.into());
    t.set("price_per_hour_usd", Value::Float(0.0));
    t
}

/// Resolves the references between the collected documents: every table the scenario will
/// hold, or every reference that cannot be resolved, as errors naming what to add.
pub fn resolve(c: &Collected, name: Option<&str>, ignored: &mut Vec<Ignored>) -> Result<Resolved, Diagnostics> {
    let mut errors = Vec::new();
    let name = scenario_name(name.or(c.cluster_name.as_deref()).unwrap_or("imported"));
    let (groups, custom_types, azs) = instance_groups(c, &mut errors);
    let providers = capacity_providers(c, &mut errors);
    let families = task_definition_families(c, &mut errors);
    let (services, target_groups) = services(c, &mut errors, ignored);
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
    Ok(Resolved {
        name,
        azs,
        custom_types,
        groups,
        providers,
        families,
        target_groups,
        services,
    })
}

/// Capacity providers: each names its group by the group's name.
fn capacity_providers(c: &Collected, errors: &mut Vec<Diagnostic>) -> Vec<Table> {
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
    providers
}

/// The scenario's name of a task definition: its family, or family-rN when the inputs hold
/// several revisions of the family.
fn td_name(c: &Collected, td: &TaskDefinition) -> String {
    let revisions = c.task_definitions.iter().filter(|t| t.family == td.family).count();
    match td.revision {
        Some(r) if revisions > 1 => format!("{}-r{r}", td.family),
        _ => td.family.clone(),
    }
}

/// Task definitions, one per family (see [`td_name`]), each with its network mode.
fn task_definition_families(c: &Collected, errors: &mut Vec<Diagnostic>) -> Vec<(String, Table, String)> {
    let mut families: Vec<(String, Table, String)> = Vec::new();
    for td in &c.task_definitions {
        let mut t = td.table.clone();
        let n = td_name(c, td);
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
    families
}

/// Services with their Application Auto Scaling, and the target groups they name (each
/// with its target type, from the task definition's network mode).
fn services(
    c: &Collected,
    errors: &mut Vec<Diagnostic>,
    ignored: &mut Vec<Ignored>,
) -> (Vec<(Table, Scaling)>, Vec<TargetGroupOf>) {
    let mut services = Vec::new();
    let mut target_groups: Vec<TargetGroupOf> = Vec::new();
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
        t.set("task_definition", td_name(c, td).into());
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
        let scaling = scaling_of(c, s, errors, ignored);
        services.push((t, scaling));
    }
    (services, target_groups)
}

type Scaling = Option<(Table, Vec<Table>)>;

/// A target group a service names, with its target type (`ip` or `instance`).
type TargetGroupOf = (String, String);

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
