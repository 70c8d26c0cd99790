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
mod resolve;
mod toml_out;
mod write;
mod yaml;

pub use reader::Ignored;

use crate::scenario::node::{Node, NodeKind, Pos};
use crate::scenario::{Diagnostic, Diagnostics};
use reader::Ctx;
use std::path::Path;
use toml_out::{Table, Value};

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
    let (file, text) = crate::scenario::read_input(path)?;
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
    if !read_ecs_document(&mut ctx, c, &root, &stem, &has) {
        if let Some(refused) = listing_refused(file, &root, &has) {
            return Err(Diagnostics(vec![refused]));
        }
        if !read_scaling_document(&mut ctx, c, &root, &has) {
            return Err(Diagnostics(vec![not_a_document(file, root.pos)]));
        }
    }
    c.sources.push(file.to_string());
    if !ctx.errors.is_empty() {
        return Err(Diagnostics(ctx.errors));
    }
    Ok(ctx.ignored)
}

/// Reads an ECS document (a CloudFormation template, or the output of an `aws ecs describe-*`
/// command) into `c`; `false` if the document has none of their top-level keys.
fn read_ecs_document(ctx: &mut Ctx, c: &mut Collected, root: &Node, stem: &str, has: &dyn Fn(&str) -> bool) -> bool {
    if has("Resources") || has("AWSTemplateFormatVersion") {
        cloudformation::read(ctx, c, root, stem);
    } else if has("taskDefinition") {
        let Some(mut o) = ctx.obj(root, "") else {
            unreachable!("a table has keys")
        };
        if let Some(n) = o.get("taskDefinition") {
            ecs::task_definition(ctx, c, n, "taskDefinition", stem);
        }
        o.done(ctx);
    } else if has("taskDefinitions") {
        autoscaling::each(ctx, c, root, "taskDefinitions", |ctx, c, n, p| {
            ecs::task_definition(ctx, c, n, p, "task")
        });
    } else if has("services") {
        autoscaling::each(ctx, c, root, "services", |ctx, c, n, p| {
            ecs::service(ctx, c, n, p, "service")
        });
    } else if has("clusters") {
        autoscaling::each(ctx, c, root, "clusters", ecs::cluster);
    } else if has("capacityProviders") {
        autoscaling::each(ctx, c, root, "capacityProviders", |ctx, c, n, p| {
            ecs::capacity_provider(ctx, c, n, p, "provider")
        });
    } else if has("containerInstances") {
        autoscaling::each(ctx, c, root, "containerInstances", ecs::container_instance);
    } else {
        return false;
    }
    true
}

/// A listing that names resources without their configuration.
const NAMES_ONLY: &str = "this output names resources but not their configuration";

/// Outputs of `list-*` commands (and `describe-launch-templates`), by their top-level key:
/// what is missing from them, and the command to run instead.
const LISTINGS: [(&str, &str, &str); 5] = [
    (
        "LaunchTemplates",
        NAMES_ONLY,
        "describe-launch-templates lists templates but not their instance types: pass `aws ec2 describe-launch-template-versions --launch-template-name <name>` instead",
    ),
    (
        "taskDefinitionArns",
        NAMES_ONLY,
        "list-task-definitions names task definitions only: pass `aws ecs describe-task-definition --task-definition <family:revision>` for each",
    ),
    (
        "serviceArns",
        NAMES_ONLY,
        "list-services names services only: pass `aws ecs describe-services --cluster <cluster> --services <names>` instead",
    ),
    (
        "clusterArns",
        NAMES_ONLY,
        "list-clusters names clusters only: pass `aws ecs describe-clusters --clusters <name>` instead",
    ),
    (
        "containerInstanceArns",
        "list-container-instances names the instances but not their types or resources",
        "pass the output of `aws ecs describe-container-instances --container-instances <these ARNs>` instead",
    ),
];

/// The error for the output of a `list-*` command, with the describe command to run
/// instead; `None` for other documents.
fn listing_refused(file: &str, root: &Node, has: &dyn Fn(&str) -> bool) -> Option<Diagnostic> {
    let (key, message, hint) = LISTINGS.into_iter().find(|(k, _, _)| has(k))?;
    Some(Diagnostic::new(file, root.pos, key, message.into()).with_hint(hint))
}

/// The error for a document that is none of the shapes ecsim imports, listing them.
fn not_a_document(file: &str, pos: Pos) -> Diagnostic {
    Diagnostic::new(file, pos, "", "not a document ecsim imports".into()).with_hint(
        "expected the JSON output of aws ecs describe-task-definition / describe-services / describe-clusters / describe-capacity-providers / describe-container-instances, aws autoscaling describe-auto-scaling-groups / describe-launch-configurations, aws ec2 describe-launch-template-versions, aws application-autoscaling describe-scalable-targets / describe-scaling-policies / describe-scheduled-actions, aws cloudwatch describe-alarms, aws elbv2 describe-target-groups, or a CloudFormation template",
    )
}

/// Reads the output of an `aws autoscaling`, `ec2`, `application-autoscaling`, `cloudwatch`
/// or `elbv2` describe command into `c`; `false` if the document has none of their keys.
fn read_scaling_document(ctx: &mut Ctx, c: &mut Collected, root: &Node, has: &dyn Fn(&str) -> bool) -> bool {
    if has("AutoScalingGroups") {
        autoscaling::each(ctx, c, root, "AutoScalingGroups", |ctx, c, n, p| {
            autoscaling::group(ctx, c, n, p, "group")
        });
    } else if has("LaunchTemplateVersions") {
        autoscaling::each(ctx, c, root, "LaunchTemplateVersions", |ctx, c, n, p| {
            autoscaling::launch_template(ctx, c, n, p, "template", None)
        });
    } else if has("LaunchConfigurations") {
        autoscaling::each(ctx, c, root, "LaunchConfigurations", |ctx, c, n, p| {
            autoscaling::launch_configuration(ctx, c, n, p, "config")
        });
    } else if has("ScalableTargets") {
        autoscaling::each(ctx, c, root, "ScalableTargets", |ctx, c, n, p| {
            autoscaling::scalable_target(ctx, c, n, p, None)
        });
    } else if has("ScalingPolicies") {
        autoscaling::each(ctx, c, root, "ScalingPolicies", |ctx, c, n, p| {
            autoscaling::scaling_policy(ctx, c, n, p, "policy", None)
        });
    } else if has("ScheduledActions") {
        autoscaling::each(ctx, c, root, "ScheduledActions", autoscaling::scheduled_action);
    } else if has("TargetGroups") {
        autoscaling::each(ctx, c, root, "TargetGroups", |ctx, c, n, p| {
            autoscaling::target_group(ctx, c, n, p, "target-group")
        });
    } else if has("MetricAlarms") {
        autoscaling::each(ctx, c, root, "MetricAlarms", autoscaling::alarm);
    } else {
        return false;
    }
    true
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

/// Resolves references and writes the scenario text; validates it.
pub fn assemble(c: &Collected, name: Option<&str>, ignored: &mut Vec<Ignored>) -> Result<String, Diagnostics> {
    let resolved = resolve::resolve(c, name, ignored)?;
    let out = write::scenario_text(c, &resolved);
    let name = &resolved.name;
    // The import must validate: a failure here is a bug in the importer, reported as such.
    let file = format!("{name}.toml");
    crate::scenario::parse_str(&file, &out, Path::new("."), name).map_err(|d| {
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
