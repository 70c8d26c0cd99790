//! Amazon ECS documents into scenario tables: task definitions, services, capacity providers,
//! clusters and container instances, as `aws ecs describe-*` prints them (camelCase) or as
//! CloudFormation declares them (PascalCase, turned to camelCase by the caller).

use super::reader::{int, list, text, Ctx, Obj};
use super::toml_out::{Table, Value};
use super::{Collected, ContainerInstance, Origin, Provider, Service, TaskDefinition};
use crate::scenario::node::Node;

/// Seconds (how AWS writes every period) as a scenario duration.
pub fn seconds(s: i64) -> Value {
    Value::Str(format!("{s}s"))
}

/// The family a task definition reference names: an ARN
/// (`arn:aws:ecs:...:task-definition/web:3`), `family:revision` or a family.
pub fn family_of(reference: &str) -> (String, Option<i64>) {
    let tail = reference.rsplit_once("task-definition/").map_or(reference, |(_, t)| t);
    match tail.rsplit_once(':') {
        Some((f, r)) if r.parse::<i64>().is_ok() => (f.to_string(), r.parse().ok()),
        _ => (tail.to_string(), None),
    }
}

/// The last path segment of an ARN's resource (`.../service/cluster/web` is `web`).
pub fn arn_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// The region an ARN names (`arn:aws:ecs:us-west-2:...`).
pub fn arn_region(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.len() > 4 && parts[0] == "arn" && !parts[3].is_empty()).then(|| parts[3].to_string())
}

/// A task-level `cpu` or `memory`: ECS writes numbers as strings ("256"); units stay text.
fn size(ctx: &mut Ctx, o: &mut Obj<'_>, key: &str) -> Option<Value> {
    let n = o.get(key)?;
    let s = text(ctx, n, &o.path_of(key))?;
    Some(match s.trim().parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Str(s),
    })
}

fn constraints(ctx: &mut Ctx, o: &mut Obj<'_>, key: &str) -> Option<Value> {
    let items = o.list(ctx, key);
    let mut out = Vec::new();
    for (n, p) in items {
        let Some(mut c) = ctx.obj(n, &p) else { continue };
        let mut t = Table::default();
        if let Some(ty) = c.str(ctx, "type") {
            t.set("type", ty.into());
        }
        if let Some(e) = c.str(ctx, "expression") {
            t.set("expression", e.into());
        }
        c.done(ctx);
        out.push(Value::Inline(t));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// `describe-task-definition`'s `taskDefinition` (or CloudFormation's properties).
pub fn task_definition(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, default_family: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let origin = Origin::at(ctx, o.pos);
    let family = o.str(ctx, "family").unwrap_or_else(|| default_family.to_string());
    let revision = o.int(ctx, "revision");
    let mut t = Table::default();
    t.set("family", family.clone().into());
    let mut network_mode = "bridge".to_string();
    if let Some(m) = o.str(ctx, "networkMode") {
        match m.as_str() {
            "bridge" | "host" | "awsvpc" => {
                network_mode = m.clone();
                t.set("network_mode", m.into());
            }
            other => {
                let p = o.path_of("networkMode");
                ctx.ignore(
                    o.pos_of("networkMode"),
                    &p,
                    format!("network mode \"{other}\" is not modelled; imported as bridge"),
                );
            }
        }
    }
    if let Some(v) = size(ctx, &mut o, "cpu") {
        t.set("cpu", v);
    }
    if let Some(v) = size(ctx, &mut o, "memory") {
        t.set("memory", v);
    }
    if let Some(v) = constraints(ctx, &mut o, "placementConstraints") {
        t.set("placement_constraints", v);
    }
    let mut containers = Vec::new();
    for (n, p) in o.list(ctx, "containerDefinitions") {
        if let Some(ct) = container(ctx, n, &p) {
            containers.push(Value::Inline(ct));
        }
    }
    if containers.is_empty() {
        ctx.error(
            o.pos,
            &o.path_of("containerDefinitions"),
            "a task definition needs at least one container",
            None,
        );
    }
    t.set("container_definitions", Value::Array(containers));
    if let Some(mut e) = o.obj(ctx, "ephemeralStorage") {
        if let Some(gib) = e.int(ctx, "sizeInGiB") {
            if gib > 20 {
                let mut s = Table::default();
                s.set("size_in_gib", gib.into());
                t.set("ephemeral_storage", s.into());
            } else {
                let p = e.path_of("sizeInGiB");
                ctx.ignore(e.pos_of("sizeInGiB"), &p, "20 GiB or less is the free default");
            }
        }
        e.done(ctx);
    }
    o.done(ctx);
    c.task_definitions.push(TaskDefinition {
        family,
        revision,
        network_mode,
        table: t,
        origin,
    });
}

fn container(ctx: &mut Ctx, node: &Node, path: &str) -> Option<Table> {
    let mut o = ctx.obj(node, path)?;
    let mut t = Table::default();
    let name = o.str(ctx, "name").unwrap_or_else(|| "app".into());
    t.set("name", name.into());
    for (aws, ours) in [
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("memoryReservation", "memory_reservation"),
    ] {
        if let Some(v) = o.int(ctx, aws) {
            t.set(ours, v.into());
        }
    }
    if let Some(e) = o.bool(ctx, "essential") {
        t.set("essential", e.into());
    }
    let mut ports = Vec::new();
    for (n, p) in o.list(ctx, "portMappings") {
        let Some(mut m) = ctx.obj(n, &p) else { continue };
        let mut pm = Table::default();
        if let Some(v) = m.int(ctx, "containerPort") {
            pm.set("container_port", v.into());
        }
        if let Some(v) = m.int(ctx, "hostPort") {
            pm.set("host_port", v.into());
        }
        if let Some(v) = m.str(ctx, "protocol") {
            pm.set("protocol", v.to_lowercase().into());
        }
        m.done(ctx);
        ports.push(Value::Inline(pm));
    }
    if !ports.is_empty() {
        t.set("port_mappings", Value::Array(ports));
    }
    if let Some(mut h) = o.obj(ctx, "healthCheck") {
        let mut hc = Table::default();
        for (aws, ours) in [
            ("interval", "interval"),
            ("timeout", "timeout"),
            ("startPeriod", "start_period"),
        ] {
            if let Some(v) = h.int(ctx, aws) {
                hc.set(ours, seconds(v));
            }
        }
        if let Some(v) = h.int(ctx, "retries") {
            hc.set("retries", v.into());
        }
        if h.get("command").is_some() {
            let p = h.path_of("command");
            ctx.ignore(
                h.pos_of("command"),
                &p,
                "what the check runs: its outcome comes from the task definition's `application` settings",
            );
        }
        h.done(ctx);
        t.set("health_check", hc.into());
    }
    if let Some(v) = o.int(ctx, "stopTimeout") {
        t.set("stop_timeout", seconds(v));
    }
    let mut reqs = Vec::new();
    for (n, p) in o.list(ctx, "resourceRequirements") {
        let Some(mut r) = ctx.obj(n, &p) else { continue };
        let mut rt = Table::default();
        if let Some(v) = r.str(ctx, "type") {
            rt.set("type", v.into());
        }
        if let Some(v) = r.str(ctx, "value") {
            rt.set("value", v.into());
        }
        r.done(ctx);
        reqs.push(Value::Inline(rt));
    }
    if !reqs.is_empty() {
        t.set("resource_requirements", Value::Array(reqs));
    }
    o.done(ctx);
    Some(t)
}

/// A capacity provider strategy (`[{capacityProvider, base, weight}]`).
pub fn strategy(ctx: &mut Ctx, node: &Node, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (n, p) in list(ctx, node, path) {
        let Some(mut s) = ctx.obj(n, &p) else { continue };
        let mut t = Table::default();
        if let Some(v) = s.str(ctx, "capacityProvider") {
            t.set("capacity_provider", v.into());
        }
        if let Some(v) = s.int(ctx, "base") {
            t.set("base", v.into());
        }
        if let Some(v) = s.int(ctx, "weight") {
            t.set("weight", v.into());
        }
        s.done(ctx);
        out.push(Value::Inline(t));
    }
    out
}

/// One of `describe-services`' `services`.
pub fn service(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, default_name: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let origin = Origin::at(ctx, o.pos);
    let name = o.str(ctx, "serviceName").unwrap_or_else(|| default_name.to_string());
    if let Some(arn) = o.str(ctx, "serviceArn").or_else(|| o.str(ctx, "clusterArn")) {
        c.region = c.region.take().or_else(|| arn_region(&arn));
    }
    let task_ref = match o.get("taskDefinition") {
        Some(n) => text(ctx, n, &o.path_of("taskDefinition")).unwrap_or_default(),
        None => {
            ctx.error(
                o.pos,
                &o.path_of("taskDefinition"),
                "a service needs a task definition",
                None,
            );
            String::new()
        }
    };
    let mut t = Table::default();
    t.set("name", name.clone().into());
    // task_definition is set when references are resolved (the family of task_ref).
    let scheduling = o.str(ctx, "schedulingStrategy").unwrap_or_else(|| "REPLICA".into());
    if scheduling == "DAEMON" {
        t.set("scheduling_strategy", "DAEMON".into());
        o.get("desiredCount");
    } else {
        t.set("desired_count", o.int(ctx, "desiredCount").unwrap_or(1).into());
    }
    if let Some(lt) = launch_type(ctx, &mut o) {
        t.set("launch_type", lt.into());
    }
    if let Some(n) = o.get("capacityProviderStrategy") {
        let s = strategy(ctx, n, &o.path_of("capacityProviderStrategy"));
        if !s.is_empty() {
            t.set("capacity_provider_strategy", Value::Array(s));
        }
    }
    if let Some(v) = placement_strategies(ctx, &mut o) {
        t.set("placement_strategy", v);
    }
    if let Some(v) = constraints(ctx, &mut o, "placementConstraints") {
        t.set("placement_constraints", v);
    }
    if let Some(dc) = deployment_configuration(ctx, &mut o) {
        t.set("deployment_configuration", dc.into());
    }
    if let Some(v) = o.int(ctx, "healthCheckGracePeriodSeconds") {
        t.set("health_check_grace_period", seconds(v));
    }
    if let Some(v) = o.str(ctx, "availabilityZoneRebalancing") {
        t.set("availability_zone_rebalancing", v.into());
    }
    let (target_groups, lbs) = load_balancers(ctx, &mut o);
    if !lbs.is_empty() {
        t.set("load_balancers", Value::Array(lbs));
    }
    for quiet in ["cluster", "serviceName", "roleArn", "role"] {
        o.get(quiet);
    }
    o.done(ctx);
    c.services.push(Service {
        name,
        task_ref,
        table: t,
        target_groups,
        origin,
    });
}

/// A service's `launchType`; EXTERNAL (ECS Anywhere) is an error.
fn launch_type(ctx: &mut Ctx, o: &mut Obj<'_>) -> Option<String> {
    let lt = o.str(ctx, "launchType")?;
    if lt == "EXTERNAL" {
        let p = o.path_of("launchType");
        ctx.error(
            o.pos,
            &p,
            "ECS Anywhere (EXTERNAL) instances are not simulated",
            Some("import the service's EC2 or Fargate counterpart".into()),
        );
        None
    } else {
        Some(lt)
    }
}

/// A service's `placementStrategy` (or `placementStrategies`), binpack fields in lower case.
fn placement_strategies(ctx: &mut Ctx, o: &mut Obj<'_>) -> Option<Value> {
    let (n, p) = o.get_any(&["placementStrategy", "placementStrategies"])?;
    let mut out = Vec::new();
    for (item, ip) in list(ctx, n, &p) {
        let Some(mut s) = ctx.obj(item, &ip) else { continue };
        let mut st = Table::default();
        if let Some(v) = s.str(ctx, "type") {
            st.set("type", v.into());
        }
        if let Some(v) = s.str(ctx, "field") {
            // ECS accepts the binpack fields in any case; ecsim reads them in lower case.
            let v = if v.eq_ignore_ascii_case("memory") || v.eq_ignore_ascii_case("cpu") {
                v.to_lowercase()
            } else {
                v
            };
            st.set("field", v.into());
        }
        s.done(ctx);
        out.push(Value::Inline(st));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// A service's `deploymentConfiguration`: its percents and circuit breaker.
fn deployment_configuration(ctx: &mut Ctx, o: &mut Obj<'_>) -> Option<Table> {
    let mut d = o.obj(ctx, "deploymentConfiguration")?;
    let mut dc = Table::default();
    if let Some(v) = d.int(ctx, "minimumHealthyPercent") {
        dc.set("minimum_healthy_percent", v.into());
    }
    if let Some(v) = d.int(ctx, "maximumPercent") {
        dc.set("maximum_percent", v.into());
    }
    if let Some(mut b) = d.obj(ctx, "deploymentCircuitBreaker") {
        let mut cb = Table::default();
        if let Some(v) = b.bool(ctx, "enable") {
            cb.set("enable", v.into());
        }
        if let Some(v) = b.bool(ctx, "rollback") {
            cb.set("rollback", v.into());
        }
        b.done(ctx);
        dc.set("deployment_circuit_breaker", cb.into());
    }
    d.done(ctx);
    (!dc.is_empty()).then_some(dc)
}

/// A service's `loadBalancers`: the target groups it registers with (by name) and each
/// attachment as a scenario table. Classic Load Balancers are reported and skipped.
fn load_balancers(ctx: &mut Ctx, o: &mut Obj<'_>) -> (Vec<String>, Vec<Value>) {
    let mut target_groups = Vec::new();
    let mut lbs = Vec::new();
    for (n, p) in o.list(ctx, "loadBalancers") {
        let Some(mut l) = ctx.obj(n, &p) else { continue };
        let tg = l.str(ctx, "targetGroupArn");
        let Some(tg) = tg else {
            if l.has("loadBalancerName") {
                let pos = l.pos;
                l.get("loadBalancerName");
                ctx.ignore(
                    pos,
                    &p,
                    "Classic Load Balancers are not simulated; attach an ALB or NLB target group",
                );
            }
            l.done(ctx);
            continue;
        };
        // arn:aws:elasticloadbalancing:region:account:targetgroup/NAME/id
        let name = tg
            .split("targetgroup/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or(&tg)
            .to_string();
        let mut lt = Table::default();
        lt.set("target_group", name.clone().into());
        if let Some(v) = l.str(ctx, "containerName") {
            lt.set("container_name", v.into());
        }
        if let Some(v) = l.int(ctx, "containerPort") {
            lt.set("container_port", v.into());
        }
        l.done(ctx);
        target_groups.push(name);
        lbs.push(Value::Inline(lt));
    }
    (target_groups, lbs)
}

/// One of `describe-capacity-providers`' `capacityProviders`. FARGATE and FARGATE_SPOT are
/// built into every scenario and are skipped.
pub fn capacity_provider(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, default_name: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let origin = Origin::at(ctx, o.pos);
    let name = o.str(ctx, "name").unwrap_or_else(|| default_name.to_string());
    if name == "FARGATE" || name == "FARGATE_SPOT" {
        let pos = o.pos;
        o.done(ctx);
        ctx.ignored.retain(|i| !i.path.starts_with(path));
        ctx.ignore(pos, path, format!("{name} is built into every scenario"));
        return;
    }
    let mut t = Table::default();
    t.set("name", name.clone().into());
    let mut asg = String::new();
    if let Some(mut a) = o.obj(ctx, "autoScalingGroupProvider") {
        match a.str(ctx, "autoScalingGroupArn") {
            // arn:...:autoScalingGroup:uuid:autoScalingGroupName/NAME, or a name (CloudFormation's !Ref)
            Some(arn) => asg = arn.rsplit("autoScalingGroupName/").next().unwrap_or(&arn).to_string(),
            None => ctx.error(
                a.pos,
                &a.path_of("autoScalingGroupArn"),
                "a capacity provider needs its Auto Scaling group",
                None,
            ),
        }
        if let Some(mut m) = a.obj(ctx, "managedScaling") {
            let mut ms = Table::default();
            if let Some(v) = m.str(ctx, "status") {
                ms.set("status", v.into());
            }
            for (aws, ours) in [
                ("targetCapacity", "target_capacity"),
                ("minimumScalingStepSize", "minimum_scaling_step_size"),
                ("maximumScalingStepSize", "maximum_scaling_step_size"),
            ] {
                if let Some(v) = m.int(ctx, aws) {
                    ms.set(ours, v.into());
                }
            }
            if let Some(v) = m.int(ctx, "instanceWarmupPeriod") {
                ms.set("instance_warmup_period", seconds(v));
            }
            m.done(ctx);
            t.set("managed_scaling", ms.into());
        }
        if let Some(v) = a.enabled(ctx, "managedTerminationProtection") {
            t.set("managed_termination_protection", v.into());
        }
        if let Some(v) = a.enabled(ctx, "managedDraining") {
            t.set("managed_draining", v.into());
        }
        a.done(ctx);
    } else {
        ctx.error(
            o.pos,
            path,
            format!("capacity provider \"{name}\" has no autoScalingGroupProvider"),
            None,
        );
    }
    o.done(ctx);
    c.providers.push(Provider {
        name,
        asg,
        table: t,
        origin,
    });
}

/// One of `describe-clusters`' `clusters`: its name and default capacity provider strategy.
pub fn cluster(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    if let Some(name) = o.str(ctx, "clusterName") {
        c.cluster_name.get_or_insert(name);
    }
    if let Some(arn) = o.str(ctx, "clusterArn") {
        c.region = c.region.take().or_else(|| arn_region(&arn));
    }
    if let Some(n) = o.get("defaultCapacityProviderStrategy") {
        c.default_strategy = strategy(ctx, n, &o.path_of("defaultCapacityProviderStrategy"));
    }
    if o.get("capacityProviders").is_some() {
        let p = o.path_of("capacityProviders");
        let pos = o.pos_of("capacityProviders");
        ctx.ignore(pos, &p, "the providers themselves come from describe-capacity-providers; FARGATE and FARGATE_SPOT are always associated");
    }
    o.done(ctx);
}

/// One of `describe-container-instances`' `containerInstances`.
pub fn container_instance(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    let mut ci = ContainerInstance {
        origin: Origin::at(ctx, o.pos),
        ..Default::default()
    };
    for (n, p) in o.list(ctx, "attributes") {
        let Some(mut a) = ctx.obj(n, &p) else { continue };
        let (Some(name), value) = (a.str(ctx, "name"), a.str(ctx, "value")) else {
            a.done(ctx);
            continue;
        };
        a.done(ctx);
        match (name.as_str(), value) {
            ("ecs.instance-type", Some(v)) => ci.instance_type = Some(v),
            ("ecs.availability-zone", Some(v)) => ci.az = Some(v),
            (n, Some(v)) if !n.starts_with("ecs.") && !n.starts_with("com.amazonaws.ecs.") => {
                ci.attributes.set(n, v.into());
            }
            _ => {}
        }
    }
    for (n, p) in o.list(ctx, "registeredResources") {
        let Some(mut r) = ctx.obj(n, &p) else { continue };
        let name = r.str(ctx, "name");
        let v = r
            .get("integerValue")
            .and_then(|v| int(ctx, v, &format!("{p}.integerValue")));
        for quiet in ["type", "longValue", "doubleValue", "stringSetValue"] {
            r.get(quiet);
        }
        r.done(ctx);
        match name.as_deref() {
            Some("CPU") => ci.cpu = v,
            Some("MEMORY") => ci.memory = v,
            _ => {}
        }
    }
    for quiet in ["ec2InstanceId", "containerInstanceArn", "capacityProviderName"] {
        o.get(quiet);
    }
    o.done(ctx);
    c.container_instances.push(ci);
}
