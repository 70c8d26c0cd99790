//! Reading AWS documents field by field: every field read is marked, and at the end every
//! field left unread goes into the import report with the reason ecsim has no use for it.

use crate::scenario::node::{Entry, Node, NodeKind, Pos};
use crate::scenario::Diagnostic;

/// One field of an input that the scenario does not carry, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ignored {
    pub file: String,
    pub pos: Pos,
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.pos.line, self.pos.col, self.path, self.reason
        )
    }
}

/// The state of one import: the file being read, the problems (errors) and the report.
#[derive(Default)]
pub struct Ctx {
    pub file: String,
    pub errors: Vec<Diagnostic>,
    pub ignored: Vec<Ignored>,
}

impl Ctx {
    pub fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::new(&self.file, pos, path, message.into());
        d.hint = hint;
        self.errors.push(d);
    }

    pub fn ignore(&mut self, pos: Pos, path: &str, reason: impl Into<String>) {
        self.ignored.push(Ignored {
            file: self.file.clone(),
            pos,
            path: path.to_string(),
            reason: reason.into(),
        });
    }

    /// A table, or an error naming what was expected.
    pub fn obj<'n>(&mut self, node: &'n Node, path: &str) -> Option<Obj<'n>> {
        match &node.kind {
            NodeKind::Table(entries) => Some(Obj {
                pos: node.pos,
                path: path.to_string(),
                entries,
                used: vec![false; entries.len()],
            }),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("expected an object, found {}", node.type_name()),
                    None,
                );
                None
            }
        }
    }
}

/// Fields that describe the live resource's state when it was described, not its configuration.
const STATE_FIELDS: &[&str] = &[
    "status",
    "createdAt",
    "updatedAt",
    "registeredAt",
    "deregisteredAt",
    "createdBy",
    "registeredBy",
    "revision",
    "CreationTime",
    "CreatedTime",
    "version",
    "events",
    "deployments",
    "runningCount",
    "pendingCount",
    "taskSets",
    "registeredContainerInstancesCount",
    "runningTasksCount",
    "pendingTasksCount",
    "activeServicesCount",
    "statistics",
    "Instances",
    "SuspendedState",
    "Alarms",
    "failures",
    "tags",
    "Tags",
    "agentConnected",
    "remainingResources",
    "versionInfo",
    "agentUpdateStatus",
    "attachments",
    "attachmentsStatus",
    "settings",
    "configuration",
    "serviceConnectDefaults",
    "updateStatus",
    "updateStatusReason",
    "StateValue",
    "StateReason",
    "StateReasonData",
    "StateUpdatedTimestamp",
    "AlarmConfigurationUpdatedTimestamp",
    "CreatedBy",
    "StateTransitionedTimestamp",
    "DefaultVersion",
    "LatestVersionNumber",
    "VersionNumber",
    "VersionDescription",
    "CreateTime",
    "Status",
    "EnabledMetrics",
    "NextToken",
    "nextToken",
    "platformVersion",
    "platformFamily",
    "propagateTags",
    "enableECSManagedTags",
    "enableEcsManagedTags",
    "enableExecuteCommand",
    "ServiceLinkedRoleARN",
    "WarmPoolConfiguration",
];
/// Fields about what a container or instance runs and with which permissions.
const CONTAINER_FIELDS: &[&str] = &[
    "image",
    "environment",
    "environmentFiles",
    "secrets",
    "logConfiguration",
    "command",
    "entryPoint",
    "mountPoints",
    "volumes",
    "volumesFrom",
    "links",
    "executionRoleArn",
    "taskRoleArn",
    "dockerLabels",
    "ulimits",
    "workingDirectory",
    "user",
    "readonlyRootFilesystem",
    "privileged",
    "dnsServers",
    "dnsSearchDomains",
    "repositoryCredentials",
    "linuxParameters",
    "hostname",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "systemControls",
    "firelensConfiguration",
    "dependsOn",
    "startTimeout",
    "disableNetworking",
    "ipcMode",
    "pidMode",
    "proxyConfiguration",
    "runtimePlatform",
    "inferenceAccelerators",
    "ImageId",
    "KeyName",
    "UserData",
    "IamInstanceProfile",
    "BlockDeviceMappings",
    "MetadataOptions",
    "Monitoring",
    "EbsOptimized",
    "restartPolicy",
    "credentialSpecs",
    "versionConsistency",
    "imageDigest",
];
/// Fields about subnets, security groups and service discovery.
const NETWORK_FIELDS: &[&str] = &[
    "networkConfiguration",
    "VPCZoneIdentifier",
    "SecurityGroups",
    "NetworkInterfaces",
    "serviceRegistries",
    "serviceConnectConfiguration",
    "LoadBalancerNames",
    "TargetGroupARNs",
    "Subnets",
    "subnets",
    "securityGroups",
    "vpcLatticeConfigurations",
    "AssociatePublicIpAddress",
];

/// Why a field of an AWS document has no counterpart in a scenario.
pub fn reason(key: &str) -> &'static str {
    if key.ends_with("Arn") || key.ends_with("ARN") || key.ends_with("Arns") || key.ends_with("ARNs") {
        "an identifier of the live resource, not configuration"
    } else if key == "tags" || key == "Tags" {
        "tags label the resource and change no behaviour"
    } else if STATE_FIELDS.contains(&key) {
        "state of the live account when it was described, not configuration"
    } else if CONTAINER_FIELDS.contains(&key) {
        "what the container or instance runs and with which permissions: ecsim does not run software"
    } else if NETWORK_FIELDS.contains(&key) {
        "subnets, security groups and service discovery are not modelled (placement is by availability zone)"
    } else if key == "requiresCompatibilities" || key == "compatibilities" {
        "ecsim takes the launch type from the service (launch_type or capacity provider strategy)"
    } else if key == "HealthCheckType" || key == "HealthCheckGracePeriod" || key == "DefaultCooldown" {
        "Amazon EC2 Auto Scaling's own health checks and cooldowns do not apply to a group ECS scales"
    } else if key == "TerminationPolicies" || key == "NewInstancesProtectedFromScaleIn" {
        "instances ECS scales in are chosen by ECS (managed scaling), not by the group's termination policy"
    } else {
        "not modelled by ecsim"
    }
}

/// The fields of one object, with use tracking.
pub struct Obj<'n> {
    pub pos: Pos,
    pub path: String,
    entries: &'n [Entry],
    used: Vec<bool>,
}

impl<'n> Obj<'n> {
    pub fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A field, marked read.
    pub fn get(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i].value).filter(|n| !matches!(n.kind, NodeKind::Null))
    }

    /// The first of several spellings present (the CLI's `placementStrategy` is
    /// CloudFormation's `PlacementStrategies`).
    pub fn get_any(&mut self, keys: &[&str]) -> Option<(&'n Node, String)> {
        keys.iter().find_map(|k| self.get(k).map(|n| (n, self.path_of(k))))
    }

    /// Where a key is written (the object's position if it is absent).
    pub fn pos_of(&self, key: &str) -> Pos {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map_or(self.pos, |e| e.key_pos)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    pub fn str(&mut self, ctx: &mut Ctx, key: &str) -> Option<String> {
        let n = self.get(key)?;
        let path = self.path_of(key);
        text(ctx, n, &path)
    }

    /// An integer, written as a number (the CLI) or as a string of digits (CloudFormation
    /// writes `MinSize: "1"`).
    pub fn int(&mut self, ctx: &mut Ctx, key: &str) -> Option<i64> {
        let n = self.get(key)?;
        let path = self.path_of(key);
        int(ctx, n, &path)
    }

    pub fn float(&mut self, ctx: &mut Ctx, key: &str) -> Option<f64> {
        let n = self.get(key)?;
        match &n.kind {
            NodeKind::Int(i) => Some(*i as f64),
            NodeKind::Float(f) => Some(*f),
            NodeKind::Str(s) if s.trim().parse::<f64>().is_ok() => s.trim().parse().ok(),
            _ => {
                ctx.error(
                    n.pos,
                    &self.path_of(key),
                    format!("expected a number, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    pub fn bool(&mut self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        let n = self.get(key)?;
        match &n.kind {
            NodeKind::Bool(b) => Some(*b),
            NodeKind::Str(s) if s == "true" || s == "false" => Some(s == "true"),
            _ => {
                ctx.error(
                    n.pos,
                    &self.path_of(key),
                    format!("expected true or false, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    /// `ENABLED` / `DISABLED` (how ECS writes many switches) as a boolean.
    pub fn enabled(&mut self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        let s = self.str(ctx, key)?;
        match s.as_str() {
            "ENABLED" => Some(true),
            "DISABLED" => Some(false),
            _ => {
                let pos = self.pos;
                ctx.error(
                    pos,
                    &self.path_of(key),
                    format!("expected ENABLED or DISABLED, found \"{s}\""),
                    None,
                );
                None
            }
        }
    }

    pub fn obj(&mut self, ctx: &mut Ctx, key: &str) -> Option<Obj<'n>> {
        let n = self.get(key)?;
        let path = self.path_of(key);
        ctx.obj(n, &path)
    }

    /// The items of an array field, with their paths.
    pub fn list(&mut self, ctx: &mut Ctx, key: &str) -> Vec<(&'n Node, String)> {
        let Some(n) = self.get(key) else { return Vec::new() };
        let path = self.path_of(key);
        list(ctx, n, &path)
    }

    /// Reports every field not read (with [`reason`]), unless `quiet` names it.
    pub fn done(self, ctx: &mut Ctx) {
        for (e, used) in self.entries.iter().zip(&self.used) {
            if !used {
                let path = self.path_of(&e.key);
                ctx.ignore(e.key_pos, &path, reason(&e.key));
            }
        }
    }
}

pub fn list<'n>(ctx: &mut Ctx, n: &'n Node, path: &str) -> Vec<(&'n Node, String)> {
    match &n.kind {
        NodeKind::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v, format!("{path}[{i}]")))
            .collect(),
        _ => {
            ctx.error(n.pos, path, format!("expected a list, found {}", n.type_name()), None);
            Vec::new()
        }
    }
}

pub fn text(ctx: &mut Ctx, n: &Node, path: &str) -> Option<String> {
    match &n.kind {
        NodeKind::Str(s) => Some(s.clone()),
        NodeKind::Int(i) => Some(i.to_string()),
        _ => {
            ctx.error(n.pos, path, format!("expected a string, found {}", n.type_name()), None);
            None
        }
    }
}

pub fn int(ctx: &mut Ctx, n: &Node, path: &str) -> Option<i64> {
    match &n.kind {
        NodeKind::Int(i) => Some(*i),
        NodeKind::Float(f) if f.fract() == 0.0 => Some(*f as i64),
        NodeKind::Str(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
        _ => {
            ctx.error(
                n.pos,
                path,
                format!("expected an integer, found {}", n.type_name()),
                None,
            );
            None
        }
    }
}
