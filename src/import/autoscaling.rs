//! Amazon EC2 Auto Scaling and Application Auto Scaling documents (PascalCase in both the
//! CLI's output and CloudFormation): groups and their launch templates or configurations,
//! scalable targets, scaling policies, scheduled actions, and the CloudWatch alarms that
//! drive step scaling.

use super::ecs::seconds;
use super::reader::{list, text, Ctx, Obj};
use super::toml_out::{Table, Value};
use super::{Alarm, Collected, Group, Origin, Policy, PolicyKind, ScalableTarget, Scheduled};
use crate::scenario::node::Node;

/// One of `describe-auto-scaling-groups`' `AutoScalingGroups`.
pub fn group(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, default_name: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let mut g = Group {
        origin: Origin::at(ctx, o.pos),
        name: o
            .str(ctx, "AutoScalingGroupName")
            .unwrap_or_else(|| default_name.to_string()),
        min: o.int(ctx, "MinSize"),
        max: o.int(ctx, "MaxSize"),
        desired: o.int(ctx, "DesiredCapacity"),
        ..Default::default()
    };
    for (n, p) in o.list(ctx, "AvailabilityZones") {
        if let Some(az) = text(ctx, n, &p) {
            g.azs.push(az);
        }
    }
    if let Some(mut lt) = o.obj(ctx, "LaunchTemplate") {
        let (name, id) = (lt.str(ctx, "LaunchTemplateName"), lt.str(ctx, "LaunchTemplateId"));
        g.template = name.or(id);
        g.template_version = lt.str(ctx, "Version");
        lt.done(ctx);
    }
    g.launch_configuration = o.str(ctx, "LaunchConfigurationName");
    if let Some(mut m) = o.obj(ctx, "MixedInstancesPolicy") {
        if let Some(mut l) = m.obj(ctx, "LaunchTemplate") {
            if let Some(mut s) = l.obj(ctx, "LaunchTemplateSpecification") {
                let (name, id) = (s.str(ctx, "LaunchTemplateName"), s.str(ctx, "LaunchTemplateId"));
                g.template = name.or(id);
                g.template_version = s.str(ctx, "Version");
                s.done(ctx);
            }
            let overrides = l.list(ctx, "Overrides");
            for (i, (n, p)) in overrides.into_iter().enumerate() {
                let Some(mut ov) = ctx.obj(n, &p) else { continue };
                let ty = ov.str(ctx, "InstanceType");
                if i == 0 {
                    g.instance_type = ty;
                } else {
                    let pos = ov.pos;
                    ctx.ignore(
                        pos,
                        &p,
                        "an instance group has one instance type: the first override is imported",
                    );
                }
                ov.done(ctx);
            }
            l.done(ctx);
        }
        if let Some(mut d) = m.obj(ctx, "InstancesDistribution") {
            let base = d.int(ctx, "OnDemandBaseCapacity").unwrap_or(0);
            let above = d.int(ctx, "OnDemandPercentageAboveBaseCapacity").unwrap_or(100);
            if base == 0 && above == 0 {
                g.spot = true;
            } else if above < 100 {
                let pos = d.pos_of("OnDemandPercentageAboveBaseCapacity");
                let p = d.path_of("OnDemandPercentageAboveBaseCapacity");
                ctx.ignore(pos, &p, "a group is all on-demand or all Spot in ecsim: imported as on-demand; split it into two groups for a mix");
            }
            d.done(ctx);
        }
        m.done(ctx);
    }
    for quiet in ["AutoScalingGroupARN", "ServiceLinkedRoleARN"] {
        o.get(quiet);
    }
    o.done(ctx);
    c.groups.push(g);
}

/// One of `describe-launch-template-versions`' `LaunchTemplateVersions` (or a CloudFormation
/// `AWS::EC2::LaunchTemplate`'s properties): the instance type of a template version.
pub fn launch_template(
    ctx: &mut Ctx,
    c: &mut Collected,
    node: &Node,
    path: &str,
    default_name: &str,
    id: Option<&str>,
) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let name = o
        .str(ctx, "LaunchTemplateName")
        .unwrap_or_else(|| default_name.to_string());
    let template_id = o.str(ctx, "LaunchTemplateId").or(id.map(str::to_string));
    let version = o.int(ctx, "VersionNumber");
    let default = o.bool(ctx, "DefaultVersion").unwrap_or(true);
    let mut ty = None;
    if let Some(mut d) = o.obj(ctx, "LaunchTemplateData") {
        ty = d.str(ctx, "InstanceType");
        d.done(ctx);
    }
    o.done(ctx);
    if let Some(ty) = ty {
        c.templates.push(super::Template {
            name,
            id: template_id,
            version,
            default,
            instance_type: ty,
        });
    }
}

/// One of `describe-launch-configurations`' `LaunchConfigurations`.
pub fn launch_configuration(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, default_name: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let name = o
        .str(ctx, "LaunchConfigurationName")
        .unwrap_or_else(|| default_name.to_string());
    let ty = o.str(ctx, "InstanceType");
    if let Some(n) = o.get("SpotPrice") {
        let _ = n;
        c.spot_configurations.push(name.clone());
    }
    o.done(ctx);
    if let Some(ty) = ty {
        c.launch_configurations.push((name, ty));
    }
}

/// The service a scalable target's `ResourceId` (`service/cluster/web`) names, if it is an
/// ECS service's desired count.
fn ecs_service(ctx: &mut Ctx, o: &mut super::reader::Obj<'_>) -> Option<String> {
    let pos = o.pos;
    let dim = o.str(ctx, "ScalableDimension");
    let ns = o.str(ctx, "ServiceNamespace");
    let id = o.str(ctx, "ResourceId");
    if dim.as_deref().is_some_and(|d| d != "ecs:service:DesiredCount") || ns.as_deref().is_some_and(|n| n != "ecs") {
        let p = o.path.clone();
        ctx.ignore(pos, &p, "not an ECS service's desired count");
        return None;
    }
    let id = id?;
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["service", _, svc] => Some(svc.to_string()),
        _ => {
            let p = o.path_of("ResourceId");
            ctx.error(
                pos,
                &p,
                format!("expected service/<cluster>/<service>, found \"{id}\""),
                None,
            );
            None
        }
    }
}

/// One of `describe-scalable-targets`' `ScalableTargets`.
pub fn scalable_target(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, logical_id: Option<&str>) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let origin = Origin::at(ctx, o.pos);
    let service = ecs_service(ctx, &mut o);
    let min = o.int(ctx, "MinCapacity");
    let max = o.int(ctx, "MaxCapacity");
    let mut scheduled = Vec::new();
    for (n, p) in o.list(ctx, "ScheduledActions") {
        if let Some(s) = scheduled_action_table(ctx, n, &p) {
            scheduled.push(s);
        }
    }
    if let Some(mut s) = o.obj(ctx, "SuspendedState") {
        for k in [
            "DynamicScalingInSuspended",
            "DynamicScalingOutSuspended",
            "ScheduledScalingSuspended",
        ] {
            if s.bool(ctx, k) == Some(true) {
                let pos = s.pos_of(k);
                let p = s.path_of(k);
                ctx.ignore(pos, &p, "suspended scaling is not modelled: the imported policies act");
            }
        }
        s.done(ctx);
    }
    for quiet in ["RoleARN", "CreationTime"] {
        o.get(quiet);
    }
    o.done(ctx);
    if let (Some(service), Some(min), Some(max)) = (service, min, max) {
        for s in scheduled {
            c.scheduled.push(Scheduled {
                service: service.clone(),
                table: s,
            });
        }
        c.targets.push(ScalableTarget {
            service,
            min,
            max,
            logical_id: logical_id.map(str::to_string),
            origin,
        });
    }
}

fn scheduled_action_table(ctx: &mut Ctx, node: &Node, path: &str) -> Option<Table> {
    let mut o = ctx.obj(node, path)?;
    let mut t = Table::default();
    if let Some(v) = o.str(ctx, "ScheduledActionName") {
        t.set("name", v.into());
    }
    if let Some(v) = o.str(ctx, "Schedule") {
        t.set("schedule", v.into());
    }
    if let Some(v) = o.str(ctx, "Timezone") {
        t.set("timezone", v.into());
    }
    if let Some(mut a) = o.obj(ctx, "ScalableTargetAction") {
        if let Some(v) = a.int(ctx, "MinCapacity") {
            t.set("min_capacity", v.into());
        }
        if let Some(v) = a.int(ctx, "MaxCapacity") {
            t.set("max_capacity", v.into());
        }
        a.done(ctx);
    }
    for (k, why) in [
        ("StartTime", "the schedule applies for the whole run"),
        ("EndTime", "the schedule applies for the whole run"),
    ] {
        if o.get(k).is_some() {
            let pos = o.pos_of(k);
            let p = o.path_of(k);
            ctx.ignore(pos, &p, why);
        }
    }
    for quiet in [
        "ScheduledActionARN",
        "CreationTime",
        "ResourceId",
        "ScalableDimension",
        "ServiceNamespace",
    ] {
        o.get(quiet);
    }
    o.done(ctx);
    Some(t)
}

/// One of `describe-scheduled-actions`' `ScheduledActions`.
pub fn scheduled_action(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let service = ecs_service(ctx, &mut o);
    drop(o);
    if let (Some(service), Some(t)) = (service, scheduled_action_table(ctx, node, path)) {
        c.scheduled.push(Scheduled { service, table: t });
    }
}

/// One of `describe-scaling-policies`' `ScalingPolicies` (or a CloudFormation policy, whose
/// `ScalingTargetId` names its target).
pub fn scaling_policy(
    ctx: &mut Ctx,
    c: &mut Collected,
    node: &Node,
    path: &str,
    default_name: &str,
    target_ref: Option<String>,
) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let origin = Origin::at(ctx, o.pos);
    let name = o.str(ctx, "PolicyName").unwrap_or_else(|| default_name.to_string());
    let service = if o.has("ResourceId") {
        ecs_service(ctx, &mut o)
    } else {
        None
    };
    o.get("ScalingTargetId");
    let kind = o.str(ctx, "PolicyType");
    let mut policy_kind = None;
    if let Some(t) = o.obj(ctx, "TargetTrackingScalingPolicyConfiguration") {
        policy_kind = target_tracking_configuration(ctx, t).map(PolicyKind::TargetTracking);
    }
    if let Some(s) = o.obj(ctx, "StepScalingPolicyConfiguration") {
        policy_kind = Some(PolicyKind::Step(step_scaling_configuration(ctx, s, &name)));
    }
    for quiet in [
        "PolicyARN",
        "Alarms",
        "CreationTime",
        "ScalableDimension",
        "ServiceNamespace",
    ] {
        o.get(quiet);
    }
    o.done(ctx);
    if kind.as_deref() == Some("PredictiveScaling") {
        ctx.ignore(origin.pos, path, "predictive scaling is not simulated");
        return;
    }
    if let Some(kind) = policy_kind {
        c.policies.push(Policy {
            name,
            service,
            target_ref,
            kind,
            origin,
        });
    }
}

/// A `TargetTrackingScalingPolicyConfiguration` as a `target_tracking` table, or `None` for
/// a custom metric (not simulated; reported).
fn target_tracking_configuration(ctx: &mut Ctx, mut t: Obj<'_>) -> Option<Table> {
    let mut tt = Table::default();
    let mut ok = true;
    if let Some(mut m) = t.obj(ctx, "PredefinedMetricSpecification") {
        if let Some(v) = m.str(ctx, "PredefinedMetricType") {
            tt.set("metric", v.into());
        }
        if m.get("ResourceLabel").is_some() {
            let pos = m.pos_of("ResourceLabel");
            let p = m.path_of("ResourceLabel");
            ctx.ignore(
                pos,
                &p,
                "the target group is the service's own (services[].load_balancers)",
            );
        }
        m.done(ctx);
    } else if t.get("CustomizedMetricSpecification").is_some() {
        let pos = t.pos_of("CustomizedMetricSpecification");
        let p = t.path_of("CustomizedMetricSpecification");
        ctx.ignore(pos, &p, "custom metrics are not simulated: this policy is left out");
        ok = false;
    }
    if let Some(v) = t.float(ctx, "TargetValue") {
        tt.set("target", Value::Float(v));
    }
    if let Some(v) = t.int(ctx, "ScaleOutCooldown") {
        tt.set("scale_out_cooldown", seconds(v));
    }
    if let Some(v) = t.int(ctx, "ScaleInCooldown") {
        tt.set("scale_in_cooldown", seconds(v));
    }
    if let Some(v) = t.bool(ctx, "DisableScaleIn") {
        tt.set("disable_scale_in", v.into());
    }
    t.done(ctx);
    ok.then_some(tt)
}

/// A `StepScalingPolicyConfiguration` of policy `name` as a `step` table.
fn step_scaling_configuration(ctx: &mut Ctx, mut s: Obj<'_>, name: &str) -> Table {
    let mut st = Table::default();
    st.set("name", name.to_string().into());
    if let Some(v) = s.str(ctx, "AdjustmentType") {
        st.set("adjustment_type", v.into());
    }
    if let Some(v) = s.int(ctx, "MinAdjustmentMagnitude") {
        st.set("min_adjustment_magnitude", v.into());
    }
    if let Some(v) = s.int(ctx, "Cooldown") {
        st.set("cooldown", seconds(v));
    }
    if let Some(v) = s.str(ctx, "MetricAggregationType") {
        if v != "Average" {
            let pos = s.pos_of("MetricAggregationType");
            let p = s.path_of("MetricAggregationType");
            ctx.ignore(pos, &p, "ecsim's service metrics are averages");
        }
    }
    let mut steps = Vec::new();
    for (n, p) in s.list(ctx, "StepAdjustments") {
        let Some(mut a) = ctx.obj(n, &p) else { continue };
        let mut at = Table::default();
        if let Some(v) = a.float(ctx, "MetricIntervalLowerBound") {
            at.set("lower", Value::Float(v));
        }
        if let Some(v) = a.float(ctx, "MetricIntervalUpperBound") {
            at.set("upper", Value::Float(v));
        }
        if let Some(v) = a.int(ctx, "ScalingAdjustment") {
            at.set("adjustment", v.into());
        }
        a.done(ctx);
        steps.push(Value::Inline(at));
    }
    st.set("steps", Value::Array(steps));
    s.done(ctx);
    st
}

/// One of `aws cloudwatch describe-alarms`' `MetricAlarms` (or an `AWS::CloudWatch::Alarm`):
/// the alarm a step scaling policy acts on.
pub fn alarm(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let origin = Origin::at(ctx, o.pos);
    let mut actions = Vec::new();
    for (n, p) in o.list(ctx, "AlarmActions") {
        if let Some(a) = text(ctx, n, &p) {
            // A policy ARN ends in policyName/NAME; CloudFormation's !Ref gives the name.
            actions.push(a.rsplit("policyName/").next().unwrap_or(&a).to_string());
        }
    }
    let namespace = o.str(ctx, "Namespace").unwrap_or_default();
    let metric_name = o.str(ctx, "MetricName").unwrap_or_default();
    let metric = match (namespace.as_str(), metric_name.as_str()) {
        ("AWS/ECS", "CPUUtilization") => Some("ECSServiceAverageCPUUtilization"),
        ("AWS/ECS", "MemoryUtilization") => Some("ECSServiceAverageMemoryUtilization"),
        ("AWS/ApplicationELB", "RequestCountPerTarget") => Some("ALBRequestCountPerTarget"),
        _ => None,
    };
    if metric.is_none() {
        ctx.ignore(
            o.pos,
            path,
            format!("metric {namespace}/{metric_name} is not simulated: the policies it drives are left out"),
        );
    }
    let mut a = Alarm {
        actions,
        metric,
        origin,
        table: Table::default(),
    };
    if let Some(v) = o.float(ctx, "Threshold") {
        a.table.set("threshold", Value::Float(v));
    }
    if let Some(v) = o.str(ctx, "ComparisonOperator") {
        a.table.set("comparison", v.into());
    }
    if let Some(v) = o.int(ctx, "EvaluationPeriods") {
        a.table.set("evaluation_periods", v.into());
    }
    if let Some(v) = o.int(ctx, "DatapointsToAlarm") {
        a.table.set("datapoints_to_alarm", v.into());
    }
    for quiet in [
        "AlarmName",
        "AlarmArn",
        "Dimensions",
        "Statistic",
        "Period",
        "ActionsEnabled",
        "OKActions",
        "InsufficientDataActions",
        "TreatMissingData",
        "AlarmDescription",
        "Unit",
    ] {
        o.get(quiet);
    }
    o.done(ctx);
    c.alarms.push(a);
}

/// The list at `key` of a CLI document, each item given to `read`.
pub fn each(ctx: &mut Ctx, c: &mut Collected, root: &Node, key: &str, read: fn(&mut Ctx, &mut Collected, &Node, &str)) {
    let Some(mut o) = ctx.obj(root, "") else { return };
    if let Some(n) = o.get(key) {
        for (item, p) in list(ctx, n, key) {
            read(ctx, c, item, &p);
        }
    }
    o.done(ctx);
}

/// One of `aws elbv2 describe-target-groups`' `TargetGroups` (or an
/// `AWS::ElasticLoadBalancingV2::TargetGroup`, whose `TargetGroupAttributes` carry the
/// deregistration delay, slow start and cross-zone switch).
pub fn target_group(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, default_name: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let name = o
        .str(ctx, "TargetGroupName")
        .or_else(|| o.str(ctx, "Name"))
        .unwrap_or_else(|| default_name.to_string());
    let mut t = Table::default();
    if let Some(v) = o.str(ctx, "TargetType") {
        t.set("target_type", v.into());
    }
    for (aws, ours) in [
        ("HealthCheckIntervalSeconds", "health_check_interval"),
        ("HealthCheckTimeoutSeconds", "health_check_timeout"),
    ] {
        if let Some(v) = o.int(ctx, aws) {
            t.set(ours, seconds(v));
        }
    }
    for (aws, ours) in [
        ("HealthyThresholdCount", "healthy_threshold_count"),
        ("UnhealthyThresholdCount", "unhealthy_threshold_count"),
    ] {
        if let Some(v) = o.int(ctx, aws) {
            t.set(ours, v.into());
        }
    }
    for (n, p) in o.list(ctx, "TargetGroupAttributes") {
        let Some(mut a) = ctx.obj(n, &p) else { continue };
        let (key, value) = (
            a.str(ctx, "Key").unwrap_or_default(),
            a.str(ctx, "Value").unwrap_or_default(),
        );
        let pos = a.pos;
        a.done(ctx);
        match key.as_str() {
            "deregistration_delay.timeout_seconds" => {
                if let Ok(v) = value.parse::<i64>() {
                    t.set("deregistration_delay", seconds(v));
                }
            }
            "slow_start.duration_seconds" => {
                if let Ok(v) = value.parse::<i64>() {
                    t.set("slow_start", seconds(v));
                }
            }
            "load_balancing.cross_zone.enabled" if value == "true" || value == "false" => {
                t.set("cross_zone", (value == "true").into())
            }
            _ => ctx.ignore(pos, &p, format!("target group attribute {key} is not modelled")),
        }
    }
    // arn:aws:elasticloadbalancing:...:loadbalancer/app/NAME/id (net/ for an NLB)
    let mut lb = None;
    for (n, p) in o.list(ctx, "LoadBalancerArns") {
        if let Some(arn) = text(ctx, n, &p) {
            let parts: Vec<&str> = arn.split("loadbalancer/").nth(1).unwrap_or("").split('/').collect();
            if let [kind, lb_name, ..] = parts.as_slice() {
                let ty = if *kind == "net" { "network" } else { "application" };
                lb.get_or_insert((lb_name.to_string(), ty.to_string()));
            }
        }
    }
    for quiet in [
        "TargetGroupArn",
        "VpcId",
        "Port",
        "Protocol",
        "ProtocolVersion",
        "HealthCheckProtocol",
        "HealthCheckPort",
        "HealthCheckEnabled",
        "HealthCheckPath",
        "Matcher",
        "IpAddressType",
        "Targets",
    ] {
        o.get(quiet);
    }
    o.done(ctx);
    c.target_groups.push(super::TargetGroupInfo {
        name,
        load_balancer: lb,
        table: t,
    });
}
