//! `ecsim export`: a scenario's ECS-shaped parts as the JSON the AWS CLI prints, one file per
//! command (`describe-clusters.json`, `describe-task-definition-<family>.json`,
//! `describe-services.json`, `describe-capacity-providers.json`,
//! `describe-auto-scaling-groups.json`, `describe-launch-template-versions.json`,
//! `describe-scalable-targets.json`, `describe-scaling-policies.json`,
//! `describe-scheduled-actions.json`, `describe-alarms.json`, `describe-target-groups.json`).
//!
//! The inverse of [`super::import`] on what AWS configuration can hold: importing the files
//! gives back the same cluster, task definitions, services, capacity providers, groups and
//! scaling (the round-trip test checks it). The rest of a scenario (load, run times, faults,
//! failure rates, batch jobs, ecsim's own settings) has no AWS form and is not exported.
//! It reads the validated file's own tree, so values keep the form they were written in.

use crate::scenario::node::{Node, NodeKind};
use crate::scenario::{parse_duration, Diagnostic, Diagnostics};
use serde_json::{json, Map, Value};
use std::path::Path;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn get<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
    match &n.kind {
        NodeKind::Table(e) => e.iter().find(|e| e.key == key).map(|e| &e.value),
        _ => None,
    }
}

fn items(n: Option<&Node>) -> &[Node] {
    match n.map(|n| &n.kind) {
        Some(NodeKind::Array(a)) => a,
        _ => &[],
    }
}

fn json_of(n: &Node) -> Value {
    match &n.kind {
        NodeKind::Str(s) | NodeKind::Datetime(s) => json!(s),
        NodeKind::Int(i) => json!(i),
        NodeKind::Float(f) => json!(f),
        NodeKind::Bool(b) => json!(b),
        NodeKind::Null => Value::Null,
        NodeKind::Array(a) => Value::Array(a.iter().map(json_of).collect()),
        NodeKind::Table(e) => Value::Object(e.iter().map(|e| (e.key.clone(), json_of(&e.value))).collect()),
    }
}

fn text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Str(s) => Some(s.clone()),
        NodeKind::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A scenario duration as AWS's whole seconds.
fn seconds(n: &Node) -> Option<i64> {
    match &n.kind {
        NodeKind::Str(s) => parse_duration(s).ok().map(|ms| (ms / 1000) as i64),
        NodeKind::Int(i) => Some(*i),
        _ => None,
    }
}

/// Copies `ours` of `from` to `theirs` of `to`, converting with `f`.
fn copy(to: &mut Map<String, Value>, theirs: &str, from: &Node, ours: &str, f: impl Fn(&Node) -> Option<Value>) {
    if let Some(v) = get(from, ours).and_then(f) {
        to.insert(theirs.to_string(), v);
    }
}

fn same(n: &Node) -> Option<Value> {
    Some(json_of(n))
}

fn secs(n: &Node) -> Option<Value> {
    seconds(n).map(|s| json!(s))
}

fn string(n: &Node) -> Option<Value> {
    text(n).map(|s| json!(s))
}

fn enabled(n: &Node) -> Option<Value> {
    match n.kind {
        NodeKind::Bool(b) => Some(json!(if b { "ENABLED" } else { "DISABLED" })),
        _ => None,
    }
}

fn strategy(n: &Node) -> Option<Value> {
    let mut out = Vec::new();
    for s in items(Some(n)) {
        let mut m = Map::new();
        copy(&mut m, "capacityProvider", s, "capacity_provider", same);
        copy(&mut m, "base", s, "base", same);
        copy(&mut m, "weight", s, "weight", same);
        out.push(Value::Object(m));
    }
    Some(Value::Array(out))
}

fn type_expression(n: &Node) -> Option<Value> {
    let mut out = Vec::new();
    for c in items(Some(n)) {
        let mut m = Map::new();
        copy(&mut m, "type", c, "type", same);
        copy(&mut m, "expression", c, "expression", same);
        copy(&mut m, "field", c, "field", same);
        out.push(Value::Object(m));
    }
    Some(Value::Array(out))
}

fn container(c: &Node) -> Value {
    let mut m = Map::new();
    copy(&mut m, "name", c, "name", same);
    copy(&mut m, "cpu", c, "cpu", same);
    copy(&mut m, "memory", c, "memory", same);
    copy(&mut m, "memoryReservation", c, "memory_reservation", same);
    copy(&mut m, "essential", c, "essential", same);
    copy(&mut m, "portMappings", c, "port_mappings", |n| {
        Some(Value::Array(
            items(Some(n))
                .iter()
                .map(|p| {
                    let mut pm = Map::new();
                    copy(&mut pm, "containerPort", p, "container_port", same);
                    copy(&mut pm, "hostPort", p, "host_port", same);
                    copy(&mut pm, "protocol", p, "protocol", same);
                    Value::Object(pm)
                })
                .collect(),
        ))
    });
    copy(&mut m, "healthCheck", c, "health_check", |h| {
        let mut hc = Map::new();
        hc.insert("command".into(), json!(["CMD-SHELL", "exit 0"]));
        copy(&mut hc, "interval", h, "interval", secs);
        copy(&mut hc, "timeout", h, "timeout", secs);
        copy(&mut hc, "retries", h, "retries", same);
        copy(&mut hc, "startPeriod", h, "start_period", secs);
        Some(Value::Object(hc))
    });
    copy(&mut m, "stopTimeout", c, "stop_timeout", secs);
    copy(&mut m, "resourceRequirements", c, "resource_requirements", same);
    Value::Object(m)
}

fn task_definition(t: &Node) -> Value {
    let mut m = Map::new();
    let family = get(t, "family").and_then(text).unwrap_or_default();
    m.insert(
        "taskDefinitionArn".into(),
        json!(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:1")),
    );
    m.insert("family".into(), json!(family));
    m.insert("revision".into(), json!(1));
    copy(&mut m, "networkMode", t, "network_mode", same);
    copy(&mut m, "cpu", t, "cpu", string);
    copy(&mut m, "memory", t, "memory", string);
    copy(
        &mut m,
        "placementConstraints",
        t,
        "placement_constraints",
        type_expression,
    );
    let containers: Vec<Value> = items(get(t, "container_definitions")).iter().map(container).collect();
    // AWS requires a container; a scenario may give only the task's size.
    let containers = if containers.is_empty() {
        vec![json!({ "name": "app", "essential": true })]
    } else {
        containers
    };
    m.insert("containerDefinitions".into(), Value::Array(containers));
    copy(&mut m, "ephemeralStorage", t, "ephemeral_storage", |e| {
        get(e, "size_in_gib").map(|v| json!({ "sizeInGiB": json_of(v) }))
    });
    m.insert("status".into(), json!("ACTIVE"));
    json!({ "taskDefinition": Value::Object(m) })
}

fn service(s: &Node, cluster: &str) -> Value {
    let mut m = Map::new();
    let name = get(s, "name").and_then(text).unwrap_or_default();
    m.insert(
        "serviceArn".into(),
        json!(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}")),
    );
    m.insert("serviceName".into(), json!(name));
    let td = get(s, "task_definition").and_then(text).unwrap_or_default();
    m.insert(
        "taskDefinition".into(),
        json!(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{td}:1")),
    );
    copy(&mut m, "desiredCount", s, "desired_count", same);
    copy(&mut m, "schedulingStrategy", s, "scheduling_strategy", same);
    copy(&mut m, "launchType", s, "launch_type", same);
    copy(
        &mut m,
        "capacityProviderStrategy",
        s,
        "capacity_provider_strategy",
        strategy,
    );
    copy(&mut m, "placementStrategy", s, "placement_strategy", type_expression);
    copy(
        &mut m,
        "placementConstraints",
        s,
        "placement_constraints",
        type_expression,
    );
    copy(&mut m, "deploymentConfiguration", s, "deployment_configuration", |d| {
        let mut dc = Map::new();
        copy(&mut dc, "minimumHealthyPercent", d, "minimum_healthy_percent", same);
        copy(&mut dc, "maximumPercent", d, "maximum_percent", same);
        copy(
            &mut dc,
            "deploymentCircuitBreaker",
            d,
            "deployment_circuit_breaker",
            same,
        );
        Some(Value::Object(dc))
    });
    copy(
        &mut m,
        "healthCheckGracePeriodSeconds",
        s,
        "health_check_grace_period",
        secs,
    );
    copy(
        &mut m,
        "availabilityZoneRebalancing",
        s,
        "availability_zone_rebalancing",
        same,
    );
    copy(&mut m, "loadBalancers", s, "load_balancers", |l| {
        Some(Value::Array(
            items(Some(l))
                .iter()
                .map(|a| {
                    let tg = get(a, "target_group").and_then(text).unwrap_or_default();
                    let mut lb = Map::new();
                    lb.insert(
                        "targetGroupArn".into(),
                        json!(format!(
                            "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{tg}/0123456789abcdef"
                        )),
                    );
                    copy(&mut lb, "containerName", a, "container_name", same);
                    copy(&mut lb, "containerPort", a, "container_port", same);
                    Value::Object(lb)
                })
                .collect(),
        ))
    });
    m.insert("status".into(), json!("ACTIVE"));
    Value::Object(m)
}

fn group_arn(name: &str) -> String {
    format!("arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{name}")
}

/// Exports a scenario file: the files of the export, each a name and its JSON text, in a
/// fixed order.
pub fn export_file(path: &Path) -> Result<Vec<(String, String)>, Diagnostics> {
    // Only a valid scenario is exported.
    let sc = crate::scenario::load(path)?;
    let (file, source) = crate::scenario::read_input(path)?;
    export(&sc, &file, &source)
}

/// The export of a validated scenario `sc` read from `source` (named `file`).
pub fn export(sc: &crate::scenario::Scenario, file: &str, source: &str) -> Result<Vec<(String, String)>, Diagnostics> {
    let root = if file.ends_with(".json") {
        crate::scenario::node::from_json(file, source)
    } else {
        crate::scenario::node::from_toml(file, source)
    }
    .map_err(|d| Diagnostics(vec![d]))?;
    let cluster = sc.name.clone();
    let mut files: Vec<(String, Value)> = Vec::new();
    let cluster_section = get(&root, "cluster");
    let mut c = Map::new();
    c.insert(
        "clusterArn".into(),
        json!(format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}")),
    );
    c.insert("clusterName".into(), json!(cluster));
    if let Some(s) = cluster_section
        .and_then(|n| get(n, "default_capacity_provider_strategy"))
        .and_then(strategy)
    {
        c.insert("defaultCapacityProviderStrategy".into(), s);
    }
    c.insert("status".into(), json!("ACTIVE"));
    files.push((
        "describe-clusters.json".into(),
        json!({ "clusters": [Value::Object(c)], "failures": [] }),
    ));
    for t in items(get(&root, "task_definitions")) {
        let family = get(t, "family").and_then(text).unwrap_or_default();
        files.push((format!("describe-task-definition-{family}.json"), task_definition(t)));
    }
    let services = items(get(&root, "services"));
    if !services.is_empty() {
        let list: Vec<Value> = services.iter().map(|s| service(s, &cluster)).collect();
        files.push((
            "describe-services.json".into(),
            json!({ "services": list, "failures": [] }),
        ));
    }
    files.extend(providers_file(&root));
    files.extend(group_files(sc, &root));
    files.extend(target_groups_file(&root));
    files.extend(scaling_files(services, &cluster));
    files
        .into_iter()
        .map(|(n, v)| {
            serde_json::to_string_pretty(&v).map(|s| (n, s + "\n")).map_err(|e| {
                Diagnostics(vec![Diagnostic::new(
                    file,
                    Default::default(),
                    "",
                    format!("cannot write JSON: {e}"),
                )])
            })
        })
        .collect()
}

/// describe-capacity-providers, for the Auto Scaling group providers.
fn providers_file(root: &Node) -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = Vec::new();
    let providers = items(get(root, "capacity_providers"));
    if !providers.is_empty() {
        let list: Vec<Value> = providers
            .iter()
            .map(|p| {
                let name = get(p, "name").and_then(text).unwrap_or_default();
                let group = get(p, "instance_group").and_then(text).unwrap_or_default();
                let mut a = Map::new();
                a.insert("autoScalingGroupArn".into(), json!(group_arn(&group)));
                copy(&mut a, "managedScaling", p, "managed_scaling", |ms| {
                    let mut m = Map::new();
                    copy(&mut m, "status", ms, "status", same);
                    copy(&mut m, "targetCapacity", ms, "target_capacity", same);
                    copy(&mut m, "minimumScalingStepSize", ms, "minimum_scaling_step_size", same);
                    copy(&mut m, "maximumScalingStepSize", ms, "maximum_scaling_step_size", same);
                    copy(&mut m, "instanceWarmupPeriod", ms, "instance_warmup_period", secs);
                    Some(Value::Object(m))
                });
                copy(
                    &mut a,
                    "managedTerminationProtection",
                    p,
                    "managed_termination_protection",
                    enabled,
                );
                copy(&mut a, "managedDraining", p, "managed_draining", enabled);
                json!({
                    "capacityProviderArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:capacity-provider/{name}"),
                    "name": name,
                    "status": "ACTIVE",
                    "autoScalingGroupProvider": Value::Object(a),
                })
            })
            .collect();
        files.push((
            "describe-capacity-providers.json".into(),
            json!({ "capacityProviders": list }),
        ));
    }
    files
}

/// describe-auto-scaling-groups and describe-launch-template-versions, one group and
/// template per instance group.
fn group_files(sc: &crate::scenario::Scenario, root: &Node) -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = Vec::new();
    let groups = items(get(root, "instance_groups"));
    if !groups.is_empty() {
        let mut asgs = Vec::new();
        let mut templates = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let spec = &sc.instance_groups[i];
            let name = spec.name.clone();
            let lt = format!("{name}-lt");
            let mut a = Map::new();
            a.insert("AutoScalingGroupName".into(), json!(name));
            a.insert("AutoScalingGroupARN".into(), json!(group_arn(&name)));
            let spec_lt = json!({ "LaunchTemplateName": lt, "Version": "1" });
            if spec.spot {
                a.insert(
                    "MixedInstancesPolicy".into(),
                    json!({
                        "LaunchTemplate": { "LaunchTemplateSpecification": spec_lt },
                        "InstancesDistribution": { "OnDemandBaseCapacity": 0, "OnDemandPercentageAboveBaseCapacity": 0 }
                    }),
                );
            } else {
                a.insert("LaunchTemplate".into(), spec_lt);
            }
            // The bounds as the scenario means them (a group without min/max stays at count).
            a.insert("MinSize".into(), json!(spec.min_size));
            a.insert("MaxSize".into(), json!(spec.max_size));
            a.insert("DesiredCapacity".into(), json!(spec.count));
            let azs: Vec<&str> = spec
                .availability_zones
                .iter()
                .map(|z| sc.availability_zones[*z].as_str())
                .collect();
            a.insert("AvailabilityZones".into(), json!(azs));
            let _ = g;
            asgs.push(Value::Object(a));
            let ty = &sc.instance_types[spec.instance_type].name;
            templates.push(json!({
                "LaunchTemplateName": lt,
                "VersionNumber": 1,
                "DefaultVersion": true,
                "LaunchTemplateData": { "InstanceType": ty }
            }));
        }
        files.push((
            "describe-auto-scaling-groups.json".into(),
            json!({ "AutoScalingGroups": asgs }),
        ));
        files.push((
            "describe-launch-template-versions.json".into(),
            json!({ "LaunchTemplateVersions": templates }),
        ));
    }
    files
}

fn target_groups_file(root: &Node) -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = Vec::new();
    // Target groups as describe-target-groups prints them (their attributes — deregistration
    // delay, slow start, cross-zone — come from describe-target-group-attributes, whose output
    // does not name its target group, so they are not exported).
    let tgs = items(get(root, "target_groups"));
    if !tgs.is_empty() {
        let lbs = items(get(root, "load_balancers"));
        let list: Vec<Value> = tgs
            .iter()
            .map(|t| {
                let name = get(t, "name").and_then(text).unwrap_or_default();
                let lb = get(t, "load_balancer").and_then(text).unwrap_or_default();
                let network = lbs.iter().any(|l| {
                    get(l, "name").and_then(text).as_deref() == Some(lb.as_str())
                        && get(l, "type").and_then(text).as_deref() == Some("network")
                });
                let kind = if network { "net" } else { "app" };
                let mut m = Map::new();
                m.insert("TargetGroupName".into(), json!(name));
                m.insert(
                    "TargetGroupArn".into(),
                    json!(format!(
                        "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/0123456789abcdef"
                    )),
                );
                copy(&mut m, "TargetType", t, "target_type", same);
                copy(&mut m, "HealthCheckIntervalSeconds", t, "health_check_interval", secs);
                copy(&mut m, "HealthCheckTimeoutSeconds", t, "health_check_timeout", secs);
                copy(&mut m, "HealthyThresholdCount", t, "healthy_threshold_count", same);
                copy(&mut m, "UnhealthyThresholdCount", t, "unhealthy_threshold_count", same);
                m.insert(
                    "LoadBalancerArns".into(),
                    json!([format!(
                        "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/{kind}/{lb}/0123456789abcdef"
                    )]),
                );
                Value::Object(m)
            })
            .collect();
        files.push(("describe-target-groups.json".into(), json!({ "TargetGroups": list })));
    }
    files
}

/// Application Auto Scaling (scalable targets, policies, scheduled actions) and the alarms of
/// step policies.
fn scaling_files(services: &[Node], cluster: &str) -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = Vec::new();
    // Application Auto Scaling and the alarms of step policies.
    let (mut targets, mut policies, mut scheduled, mut alarms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in services {
        let Some(a) = get(s, "auto_scaling") else { continue };
        let name = get(s, "name").and_then(text).unwrap_or_default();
        let resource = format!("service/{cluster}/{name}");
        let base = json!({ "ServiceNamespace": "ecs", "ResourceId": resource, "ScalableDimension": "ecs:service:DesiredCount" });
        let mut t = base.as_object().cloned().unwrap_or_default();
        copy(&mut t, "MinCapacity", a, "min_capacity", same);
        copy(&mut t, "MaxCapacity", a, "max_capacity", same);
        targets.push(Value::Object(t));
        let base = base.as_object().cloned().unwrap_or_default();
        for (i, p) in items(get(a, "target_tracking")).iter().enumerate() {
            policies.push(target_tracking_policy(
                p,
                &format!("{name}-target-tracking-{}", i + 1),
                &base,
            ));
        }
        for p in items(get(a, "step_scaling")) {
            let (policy, alarm) = step_scaling_policy(p, &name, &resource, cluster, &base);
            policies.push(policy);
            alarms.push(alarm);
        }
        for a in items(get(a, "scheduled_actions")) {
            scheduled.push(scheduled_action(a, &base));
        }
    }
    if !targets.is_empty() {
        files.push((
            "describe-scalable-targets.json".into(),
            json!({ "ScalableTargets": targets }),
        ));
    }
    if !policies.is_empty() {
        files.push((
            "describe-scaling-policies.json".into(),
            json!({ "ScalingPolicies": policies }),
        ));
    }
    if !scheduled.is_empty() {
        files.push((
            "describe-scheduled-actions.json".into(),
            json!({ "ScheduledActions": scheduled }),
        ));
    }
    if !alarms.is_empty() {
        files.push(("describe-alarms.json".into(), json!({ "MetricAlarms": alarms })));
    }
    files
}

/// A `target_tracking` policy as `describe-scaling-policies` lists it, named `policy_name`,
/// on the scalable target `base` describes.
fn target_tracking_policy(p: &Node, policy_name: &str, base: &Map<String, Value>) -> Value {
    let mut cfg = Map::new();
    copy(&mut cfg, "TargetValue", p, "target", same);
    copy(&mut cfg, "PredefinedMetricSpecification", p, "metric", |m| {
        Some(json!({ "PredefinedMetricType": json_of(m) }))
    });
    copy(&mut cfg, "ScaleOutCooldown", p, "scale_out_cooldown", secs);
    copy(&mut cfg, "ScaleInCooldown", p, "scale_in_cooldown", secs);
    copy(&mut cfg, "DisableScaleIn", p, "disable_scale_in", same);
    let mut pol = base.clone();
    pol.insert("PolicyName".into(), json!(policy_name));
    pol.insert("PolicyType".into(), json!("TargetTrackingScaling"));
    pol.insert("TargetTrackingScalingPolicyConfiguration".into(), Value::Object(cfg));
    Value::Object(pol)
}

/// A `step_scaling` policy of service `service` (scalable target `resource`, described by
/// `base`) as `describe-scaling-policies` lists it, with the CloudWatch alarm that acts on
/// it as `describe-alarms` lists that.
fn step_scaling_policy(
    p: &Node,
    service: &str,
    resource: &str,
    cluster: &str,
    base: &Map<String, Value>,
) -> (Value, Value) {
    let pname = get(p, "name").and_then(text).unwrap_or_default();
    let arn =
        format!("arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:0:resource/ecs/{resource}:policyName/{pname}");
    let mut cfg = Map::new();
    copy(&mut cfg, "AdjustmentType", p, "adjustment_type", same);
    copy(&mut cfg, "MinAdjustmentMagnitude", p, "min_adjustment_magnitude", same);
    copy(&mut cfg, "Cooldown", p, "cooldown", secs);
    cfg.insert("MetricAggregationType".into(), json!("Average"));
    let steps: Vec<Value> = items(get(p, "steps"))
        .iter()
        .map(|st| {
            let mut m = Map::new();
            copy(&mut m, "MetricIntervalLowerBound", st, "lower", same);
            copy(&mut m, "MetricIntervalUpperBound", st, "upper", same);
            copy(&mut m, "ScalingAdjustment", st, "adjustment", same);
            Value::Object(m)
        })
        .collect();
    cfg.insert("StepAdjustments".into(), Value::Array(steps));
    let mut pol = base.clone();
    pol.insert("PolicyARN".into(), json!(arn));
    pol.insert("PolicyName".into(), json!(pname));
    pol.insert("PolicyType".into(), json!("StepScaling"));
    pol.insert("StepScalingPolicyConfiguration".into(), Value::Object(cfg));
    let (namespace, metric) = match get(p, "metric").and_then(text).as_deref() {
        Some("ECSServiceAverageMemoryUtilization") => ("AWS/ECS", "MemoryUtilization"),
        Some("ALBRequestCountPerTarget") => ("AWS/ApplicationELB", "RequestCountPerTarget"),
        _ => ("AWS/ECS", "CPUUtilization"),
    };
    let mut al = Map::new();
    al.insert("AlarmName".into(), json!(format!("{service}-{pname}")));
    al.insert("AlarmActions".into(), json!([arn]));
    al.insert("Namespace".into(), json!(namespace));
    al.insert("MetricName".into(), json!(metric));
    al.insert("Statistic".into(), json!("Average"));
    al.insert(
        "Dimensions".into(),
        json!([{ "Name": "ClusterName", "Value": cluster }, { "Name": "ServiceName", "Value": service }]),
    );
    al.insert("Period".into(), json!(60));
    copy(&mut al, "Threshold", p, "threshold", same);
    copy(&mut al, "ComparisonOperator", p, "comparison", same);
    copy(&mut al, "EvaluationPeriods", p, "evaluation_periods", same);
    copy(&mut al, "DatapointsToAlarm", p, "datapoints_to_alarm", same);
    (Value::Object(pol), Value::Object(al))
}

/// A scheduled action as `describe-scheduled-actions` lists it, on the scalable target
/// `base` describes.
fn scheduled_action(a: &Node, base: &Map<String, Value>) -> Value {
    let mut m = base.clone();
    copy(&mut m, "ScheduledActionName", a, "name", same);
    copy(&mut m, "Schedule", a, "schedule", same);
    copy(&mut m, "Timezone", a, "timezone", same);
    let mut action = Map::new();
    copy(&mut action, "MinCapacity", a, "min_capacity", same);
    copy(&mut action, "MaxCapacity", a, "max_capacity", same);
    m.insert("ScalableTargetAction".into(), Value::Object(action));
    Value::Object(m)
}
