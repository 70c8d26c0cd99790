//! CloudFormation templates (YAML or JSON): the ECS, Auto Scaling, Application Auto Scaling
//! and CloudWatch alarm resources, with intrinsic functions resolved within the template.
//!
//! `Ref` and `Fn::GetAtt` of a resource give the name the resource is known by in the scenario
//! (its `ServiceName`, `Family`, `AutoScalingGroupName`, ... or its logical ID), `Ref` of a
//! parameter its `Default`, and `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::FindInMap` and
//! `Fn::GetAZs` are evaluated. What cannot be known from the template alone (`Fn::If` on a
//! condition, `Fn::ImportValue`, a parameter without a default) leaves the field out, at
//! ecsim's default, and is listed in the report. ECS properties are PascalCase in a
//! template and camelCase in the API: they are turned to camelCase and read by the same
//! code as the CLI's output.

use super::reader::{Ctx, Obj};
use super::{autoscaling, ecs, Collected};
use crate::scenario::node::{Entry, Node, NodeKind, Pos};

struct Template<'n> {
    stem: String,
    parameters: Vec<(String, Option<&'n Node>)>,
    mappings: Option<&'n Node>,
    resources: Vec<(String, String, Option<&'n Node>)>,
}

fn table_get<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
    match &n.kind {
        NodeKind::Table(e) => e.iter().find(|e| e.key == key).map(|e| &e.value),
        _ => None,
    }
}

fn as_str(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Str(s) => Some(s.clone()),
        NodeKind::Int(i) => Some(i.to_string()),
        NodeKind::Float(f) => Some(f.to_string()),
        NodeKind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

const REGION: &str = "us-east-1";

impl<'n> Template<'n> {
    /// The property that names a resource of this type, if it has one.
    fn name_property(ty: &str) -> Option<&'static str> {
        Some(match ty {
            "AWS::ECS::Cluster" => "ClusterName",
            "AWS::ECS::Service" => "ServiceName",
            "AWS::ECS::TaskDefinition" => "Family",
            "AWS::ECS::CapacityProvider" => "Name",
            "AWS::AutoScaling::AutoScalingGroup" => "AutoScalingGroupName",
            "AWS::AutoScaling::LaunchConfiguration" => "LaunchConfigurationName",
            "AWS::EC2::LaunchTemplate" => "LaunchTemplateName",
            "AWS::ApplicationAutoScaling::ScalingPolicy" => "PolicyName",
            "AWS::ElasticLoadBalancingV2::TargetGroup" => "Name",
            _ => return None,
        })
    }

    /// The name a resource is known by: its name property (resolved) or its logical ID.
    fn name_of(&self, ctx: &mut Ctx, id: &str, depth: u32) -> Option<String> {
        let (_, ty, props) = self.resources.iter().find(|(l, _, _)| l == id)?;
        let named = Self::name_property(ty)
            .and_then(|p| props.and_then(|n| table_get(n, p)))
            .and_then(|n| self.resolve(ctx, n, "", depth + 1))
            .and_then(|n| as_str(&n));
        Some(named.unwrap_or_else(|| id.to_string()))
    }

    fn reference(&self, ctx: &mut Ctx, name: &str, depth: u32) -> Result<Option<String>, String> {
        match name {
            "AWS::Region" => return Ok(Some(REGION.into())),
            "AWS::StackName" => return Ok(Some(self.stem.clone())),
            "AWS::AccountId" => return Ok(Some("123456789012".into())),
            "AWS::Partition" => return Ok(Some("aws".into())),
            "AWS::URLSuffix" => return Ok(Some("amazonaws.com".into())),
            "AWS::NoValue" => return Ok(None),
            _ => {}
        }
        if let Some((_, p)) = self.parameters.iter().find(|(n, _)| n == name) {
            return match p.and_then(|p| table_get(p, "Default")).and_then(as_str) {
                Some(d) => Ok(Some(d)),
                None => Err(format!("parameter {name} has no Default")),
            };
        }
        match self.name_of(ctx, name, depth) {
            Some(n) => Ok(Some(n)),
            None => Err(format!("{name} is neither a parameter nor a resource of this template")),
        }
    }

    fn get_att(&self, ctx: &mut Ctx, id: &str, attr: &str, depth: u32) -> Result<Option<String>, String> {
        match attr {
            "LatestVersionNumber" => Ok(Some("$Latest".into())),
            "DefaultVersionNumber" => Ok(Some("$Default".into())),
            _ if self.resources.iter().any(|(l, _, _)| l == id) => Ok(self.name_of(ctx, id, depth)),
            _ => Err(format!("{id} is not a resource of this template")),
        }
    }

    /// `${Name}` / `${Res.Attr}` substitution of `Fn::Sub`.
    fn sub(&self, ctx: &mut Ctx, s: &str, vars: &[(String, String)], depth: u32) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                return Err("an unclosed ${ in Fn::Sub".into());
            };
            let var = &after[..j];
            if let Some(lit) = var.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
            } else if let Some((_, v)) = vars.iter().find(|(k, _)| k == var) {
                out.push_str(v);
            } else if let Some((id, attr)) = var.split_once('.') {
                out.push_str(&self.get_att(ctx, id, attr, depth)?.unwrap_or_default());
            } else {
                out.push_str(&self.reference(ctx, var, depth)?.unwrap_or_default());
            }
            rest = &after[j + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn strings(&self, ctx: &mut Ctx, n: &Node, path: &str, depth: u32) -> Result<Vec<String>, String> {
        match self.resolve(ctx, n, path, depth).map(|n| n.kind) {
            Some(NodeKind::Array(items)) => items
                .iter()
                .map(|i| as_str(i).ok_or_else(|| "expected a list of strings".to_string()))
                .collect(),
            _ => Err("expected a list".into()),
        }
    }

    /// Evaluates intrinsic function `f` of argument `arg`: one method per function.
    fn intrinsic(&self, ctx: &mut Ctx, f: &str, arg: &Node, path: &str, depth: u32) -> Result<Option<Node>, String> {
        let pos = arg.pos;
        match f {
            "Ref" => {
                let name = as_str(arg).ok_or("Ref takes a name")?;
                Ok(self.reference(ctx, &name, depth)?.map(|v| str_node(v, pos)))
            }
            "Fn::GetAtt" => {
                let parts = match &arg.kind {
                    NodeKind::Array(a) => a.iter().filter_map(as_str).collect::<Vec<_>>(),
                    NodeKind::Str(x) => x.splitn(2, '.').map(str::to_string).collect(),
                    _ => Vec::new(),
                };
                let [id, attr] = parts.as_slice() else {
                    return Err("Fn::GetAtt takes [resource, attribute]".into());
                };
                Ok(self.get_att(ctx, id, attr, depth)?.map(|v| str_node(v, pos)))
            }
            "Fn::Sub" => self.fn_sub(ctx, arg, path, depth).map(Some),
            "Fn::Join" => {
                let a = self.arg_list(ctx, f, arg, path, depth)?;
                let [d, items] = a.as_slice() else {
                    return Err("Fn::Join takes [delimiter, list]".into());
                };
                let d = as_str(d).ok_or("Fn::Join's delimiter is a string")?;
                Ok(Some(str_node(self.strings(ctx, items, path, depth)?.join(&d), pos)))
            }
            "Fn::Select" => self.fn_select(ctx, arg, path, depth).map(Some),
            "Fn::Split" => {
                let a = self.arg_list(ctx, f, arg, path, depth)?;
                let [d, text] = a.as_slice() else {
                    return Err("Fn::Split takes [delimiter, string]".into());
                };
                let (d, text) = (as_str(d).ok_or("a delimiter")?, as_str(text).ok_or("a string")?);
                let items = text.split(d.as_str()).map(|x| str_node(x.to_string(), pos)).collect();
                Ok(Some(list_node(items, pos)))
            }
            "Fn::GetAZs" => {
                let items = ["a", "b", "c"]
                    .iter()
                    .map(|z| str_node(format!("{REGION}{z}"), pos))
                    .collect();
                Ok(Some(list_node(items, pos)))
            }
            "Fn::FindInMap" => self.fn_find_in_map(ctx, arg, path, depth),
            // UserData and the like: the text itself is what ecsim would ignore anyway.
            "Fn::Base64" => Ok(self.resolve(ctx, arg, path, depth)),
            "Fn::If" => Err("conditions are not evaluated".into()),
            "Fn::ImportValue" => Err("another stack's export is not in this template".into()),
            other => Err(format!("{other} is not evaluated")),
        }
    }

    /// The argument of function `f`, which must resolve to a list.
    fn arg_list(&self, ctx: &mut Ctx, f: &str, arg: &Node, path: &str, depth: u32) -> Result<Vec<Node>, String> {
        match self.resolve(ctx, arg, path, depth).map(|n| n.kind) {
            Some(NodeKind::Array(a)) => Ok(a),
            _ => Err(format!("{f} takes a list")),
        }
    }

    /// `Fn::Sub`: a string, or `[string, {variable: value}]`.
    fn fn_sub(&self, ctx: &mut Ctx, arg: &Node, path: &str, depth: u32) -> Result<Node, String> {
        let (text, vars) = match &arg.kind {
            NodeKind::Str(t) => (t.clone(), Vec::new()),
            NodeKind::Array(a) if a.len() == 2 => {
                let t = as_str(&a[0]).ok_or("Fn::Sub takes a string")?;
                let mut vars = Vec::new();
                if let NodeKind::Table(e) = &a[1].kind {
                    for e in e {
                        let v = self
                            .resolve(ctx, &e.value, path, depth)
                            .and_then(|n| as_str(&n))
                            .unwrap_or_default();
                        vars.push((e.key.clone(), v));
                    }
                }
                (t, vars)
            }
            _ => return Err("Fn::Sub takes a string or [string, variables]".into()),
        };
        Ok(str_node(self.sub(ctx, &text, &vars, depth)?, arg.pos))
    }

    /// `Fn::Select`: `[index, list]`.
    fn fn_select(&self, ctx: &mut Ctx, arg: &Node, path: &str, depth: u32) -> Result<Node, String> {
        let a = self.arg_list(ctx, "Fn::Select", arg, path, depth)?;
        let [i, items] = a.as_slice() else {
            return Err("Fn::Select takes [index, list]".into());
        };
        let i: usize = as_str(i)
            .and_then(|x| x.parse().ok())
            .ok_or("Fn::Select's index is a number")?;
        match self.resolve(ctx, items, path, depth).map(|n| n.kind) {
            Some(NodeKind::Array(v)) => v
                .get(i)
                .cloned()
                .ok_or_else(|| format!("Fn::Select index {i} is past the list's end")),
            _ => Err("Fn::Select takes a list".into()),
        }
    }

    /// `Fn::FindInMap`: `[map, top-level key, second-level key]` of the template's Mappings.
    fn fn_find_in_map(&self, ctx: &mut Ctx, arg: &Node, path: &str, depth: u32) -> Result<Option<Node>, String> {
        let keys = self.strings(ctx, arg, path, depth)?;
        let [m, a, b] = keys.as_slice() else {
            return Err("Fn::FindInMap takes [map, key, key]".into());
        };
        let found = self
            .mappings
            .and_then(|n| table_get(n, m))
            .and_then(|n| table_get(n, a))
            .and_then(|n| table_get(n, b));
        match found {
            Some(n) => Ok(self.resolve(ctx, n, path, depth)),
            None => Err(format!("mapping {m}.{a}.{b} is not in the template")),
        }
    }

    /// A copy of `n` with every intrinsic function evaluated; what cannot be is left out and
    /// reported.
    fn resolve(&self, ctx: &mut Ctx, n: &Node, path: &str, depth: u32) -> Option<Node> {
        if depth > 32 {
            ctx.ignore(
                n.pos,
                path,
                "references nest more than 32 deep (a cycle?): left at ecsim's default",
            );
            return None;
        }
        match &n.kind {
            NodeKind::Table(entries)
                if entries.len() == 1 && (entries[0].key == "Ref" || entries[0].key.starts_with("Fn::")) =>
            {
                match self.intrinsic(ctx, &entries[0].key, &entries[0].value, path, depth + 1) {
                    Ok(v) => v.map(|mut v| {
                        v.pos = n.pos;
                        v
                    }),
                    Err(why) => {
                        ctx.ignore(
                            n.pos,
                            path,
                            format!("{} not resolved: {why}; left at ecsim's default", entries[0].key),
                        );
                        None
                    }
                }
            }
            NodeKind::Table(entries) => {
                let mut out = Vec::new();
                for e in entries {
                    let p = if path.is_empty() {
                        e.key.clone()
                    } else {
                        format!("{path}.{}", e.key)
                    };
                    if let Some(v) = self.resolve(ctx, &e.value, &p, depth) {
                        out.push(Entry {
                            key: e.key.clone(),
                            key_pos: e.key_pos,
                            value: v,
                        });
                    }
                }
                Some(Node {
                    kind: NodeKind::Table(out),
                    pos: n.pos,
                })
            }
            NodeKind::Array(items) => {
                let mut out = Vec::new();
                for (i, v) in items.iter().enumerate() {
                    if let Some(v) = self.resolve(ctx, v, &format!("{path}[{i}]"), depth) {
                        out.push(v);
                    }
                }
                Some(Node {
                    kind: NodeKind::Array(out),
                    pos: n.pos,
                })
            }
            _ => Some(n.clone()),
        }
    }
}

/// ECS's camelCase for a template's PascalCase keys, throughout (`ContainerDefinitions` is
/// `containerDefinitions`; `SizeInGiB` is `sizeInGiB`).
fn camel(n: &Node) -> Node {
    let kind = match &n.kind {
        NodeKind::Table(entries) => NodeKind::Table(
            entries
                .iter()
                .map(|e| {
                    let mut k: Vec<char> = e.key.chars().collect();
                    if let Some(c) = k.first_mut() {
                        *c = c.to_ascii_lowercase();
                    }
                    Entry {
                        key: k.into_iter().collect(),
                        key_pos: e.key_pos,
                        value: camel(&e.value),
                    }
                })
                .collect(),
        ),
        NodeKind::Array(items) => NodeKind::Array(items.iter().map(camel).collect()),
        other => other.clone(),
    };
    Node { kind, pos: n.pos }
}

/// A report path in the template's own spelling: each segment's first letter upper case.
fn pascal_path(p: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in p.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = c == '.';
    }
    out
}

/// Sections of a template that carry nothing ecsim models: read without a warning.
const QUIET_SECTIONS: [&str; 7] = [
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Outputs",
    "Conditions",
    "Transform",
    "Rules",
];

/// Attributes of a resource beside `Type` and `Properties` that change nothing here.
const QUIET_RESOURCE_ATTRIBUTES: [&str; 7] = [
    "DependsOn",
    "Condition",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
];

/// Reads a CloudFormation template: its parameters and mappings, then each resource in
/// template order, with intrinsic functions resolved, into `c`.
pub fn read(ctx: &mut Ctx, c: &mut Collected, root: &Node, stem: &str) {
    let Some(t) = template(ctx, root, stem) else { return };
    for (id, ty, props) in &t.resources {
        let path = format!("Resources.{id}.Properties");
        let empty = Node {
            kind: NodeKind::Table(Vec::new()),
            pos: root.pos,
        };
        let resolved = match props {
            Some(p) => t.resolve(ctx, p, &path, 0).unwrap_or(empty),
            None => empty,
        };
        let before = ctx.ignored.len();
        let pos = props.map_or(root.pos, |p| p.pos);
        read_resource(
            ctx,
            c,
            Resource {
                id,
                ty,
                pos,
                path: &path,
            },
            &resolved,
        );
        // Warnings name the template's own (PascalCase) property paths.
        for i in &mut ctx.ignored[before..] {
            if let Some(rest) = i.path.strip_prefix(&path) {
                i.path = format!("{path}{}", pascal_path(rest));
            }
        }
    }
}

/// The template's parameters, mappings and resources (type and unresolved properties), or
/// `None` (with the error recorded) when it has no `Resources`.
fn template<'n>(ctx: &mut Ctx, root: &'n Node, stem: &str) -> Option<Template<'n>> {
    let mut top = ctx.obj(root, "")?;
    let mut t = Template {
        stem: stem.to_string(),
        parameters: Vec::new(),
        mappings: top.get("Mappings"),
        resources: Vec::new(),
    };
    if let Some(NodeKind::Table(ps)) = top.get("Parameters").map(|n| &n.kind) {
        t.parameters = ps.iter().map(|e| (e.key.clone(), Some(&e.value))).collect();
    }
    for quiet in QUIET_SECTIONS {
        top.get(quiet);
    }
    let Some(resources) = top.get("Resources") else {
        ctx.error(root.pos, "Resources", "a CloudFormation template needs Resources", None);
        return None;
    };
    top.done(ctx);
    let mut res = ctx.obj(resources, "Resources")?;
    let NodeKind::Table(entries) = &resources.kind else {
        return None;
    };
    for e in entries {
        let Some(mut r) = res.obj(ctx, &e.key) else { continue };
        let ty = r.str(ctx, "Type").unwrap_or_default();
        let props = r.get("Properties");
        for quiet in QUIET_RESOURCE_ATTRIBUTES {
            r.get(quiet);
        }
        r.done(ctx);
        t.resources.push((e.key.clone(), ty, props));
    }
    res.done(ctx);
    Some(t)
}

/// One resource of a template: its logical id, type, where its properties are and their path.
struct Resource<'r> {
    id: &'r String,
    ty: &'r str,
    pos: Pos,
    path: &'r str,
}

/// Reads one resource's resolved properties into `c`, by its type; a type ecsim does not
/// model is reported as ignored.
fn read_resource(ctx: &mut Ctx, c: &mut Collected, r: Resource<'_>, resolved: &Node) {
    let Resource { id, ty, pos, path } = r;
    match ty {
        "AWS::ECS::TaskDefinition" => ecs::task_definition(ctx, c, &camel(resolved), path, id),
        "AWS::ECS::Service" => ecs::service(ctx, c, &camel(resolved), path, id),
        "AWS::ECS::CapacityProvider" => ecs::capacity_provider(ctx, c, &camel(resolved), path, id),
        "AWS::ECS::Cluster" | "AWS::ECS::ClusterCapacityProviderAssociations" => {
            cluster(ctx, c, &camel(resolved), path, id, ty == "AWS::ECS::Cluster")
        }
        "AWS::AutoScaling::AutoScalingGroup" => autoscaling::group(ctx, c, resolved, path, id),
        "AWS::AutoScaling::LaunchConfiguration" => autoscaling::launch_configuration(ctx, c, resolved, path, id),
        "AWS::EC2::LaunchTemplate" => autoscaling::launch_template(ctx, c, resolved, path, id, Some(id)),
        "AWS::ApplicationAutoScaling::ScalableTarget" => autoscaling::scalable_target(ctx, c, resolved, path, Some(id)),
        "AWS::ApplicationAutoScaling::ScalingPolicy" => {
            let target = table_get(resolved, "ScalingTargetId").and_then(as_str);
            autoscaling::scaling_policy(ctx, c, resolved, path, id, target)
        }
        "AWS::CloudWatch::Alarm" => autoscaling::alarm(ctx, c, resolved, path),
        "AWS::ElasticLoadBalancingV2::TargetGroup" => autoscaling::target_group(ctx, c, resolved, path, id),
        other => ctx.ignore(
            pos,
            &format!("Resources.{id}"),
            format!("resource type {other} is not modelled"),
        ),
    }
}

/// A cluster (or its capacity-provider associations): its name and default capacity
/// provider strategy. A cluster without `ClusterName` is named by its logical id.
fn cluster(ctx: &mut Ctx, c: &mut Collected, node: &Node, path: &str, id: &str, is_cluster: bool) {
    let Some(mut o) = ctx.obj(node, path) else { return };
    if let Some(name) = o.str(ctx, "clusterName") {
        c.cluster_name.get_or_insert(name);
    } else if is_cluster {
        c.cluster_name.get_or_insert(id.to_string());
    }
    if let Some(n) = o.get("defaultCapacityProviderStrategy") {
        c.default_strategy = ecs::strategy(ctx, n, &o.path_of("defaultCapacityProviderStrategy"));
    }
    for quiet in ["cluster", "capacityProviders"] {
        o.get(quiet);
    }
    Obj::done(o, ctx);
}

/// A string value at `pos` of the template.
fn str_node(v: String, pos: Pos) -> Node {
    Node {
        kind: NodeKind::Str(v),
        pos,
    }
}

/// A list value at `pos` of the template.
fn list_node(items: Vec<Node>, pos: Pos) -> Node {
    Node {
        kind: NodeKind::Array(items),
        pos,
    }
}
