//! The validated scenario: typed values the simulator consumes, and the decoder that builds
//! them from a [`Node`] tree. Field names follow the ECS API in snake_case
//! (`placement_strategy`, `desired_count`, `memory_reservation`, ...), so real configuration
//! carries over.

use super::decode::{Decoder, Fields};
use super::elastic::{self, CapacityProviderSpec, ElasticSettings, Launch, ProviderKind};
use super::faults::{self, DeploymentConfig, DeploymentSpec, FailureRates, Fault, TaskBehaviour};
use super::fields;
use super::load_balancing::{
    self, ApplicationHealth, ContainerHealthCheck, LoadBalancerSpec, ServiceLoadBalancer, TargetGroupSpec,
    TaskProtectionSpec, DEFAULT_STOP_TIMEOUT_MS,
};
use super::node::{Node, NodeKind, Pos};
use super::trace::{load_trace, TraceRow, TraceWindow};
use super::values::{cpu_units, duration, duration_dist, memory_mib, DurationDist};
use crate::aws::application_autoscaling::{ScalingConfig, Schedule};
use crate::aws::ec2_autoscaling::{catalog_entries, catalog_price, catalog_regions, catalog_type, InstanceType};
use crate::aws::ecs::model::TaskDemand;
use crate::aws::ecs::placement::query::{self, suggest, Expr};
use crate::workload::load::LoadModel;
use std::path::Path;
use std::sync::Arc;

/// A complete, validated scenario.
// Long: one field per section of a scenario file; the scenario-schema issue restructures it.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub duration_ms: u64,
    pub metrics_interval_ms: u64,
    pub max_events: u64,
    /// The most tasks that may wait for capacity at once (batch queues and unplaced service
    /// tasks); beyond it the run stops with an error rather than exhaust memory.
    pub max_waiting_tasks: u64,
    /// Wall-clock time of simulated time zero (for `registeredAt`), ms since the Unix epoch.
    pub start_epoch_ms: i64,
    /// Whether the scenario set `start_time` (then the outputs give times as wall-clock too).
    pub start_time_set: bool,
    pub availability_zones: Vec<String>,
    pub registered_memory_fraction: f64,
    pub reserved_ports: Vec<u16>,
    /// Container instances per cluster; ECS's quota is 5,000 (not adjustable).
    pub max_container_instances: u32,
    pub instance_types: Vec<InstanceType>,
    pub instance_groups: Vec<InstanceGroupSpec>,
    pub task_definitions: Vec<TaskDefinitionSpec>,
    pub services: Vec<ServiceSpec>,
    pub batch_jobs: Vec<BatchJobSpec>,
    pub lifecycle: LifecycleSpec,
    pub placement: PlacementSettings,
    pub outputs: OutputSettings,
    /// User-defined ASG providers, then the built-in FARGATE and FARGATE_SPOT.
    pub capacity_providers: Vec<CapacityProviderSpec>,
    pub elastic: ElasticSettings,
    pub faults: Vec<Fault>,
    pub failures: FailureRates,
    pub deployments: Vec<DeploymentSpec>,
    pub load_balancers: Vec<LoadBalancerSpec>,
    pub target_groups: Vec<TargetGroupSpec>,
    pub task_protection: Vec<TaskProtectionSpec>,
    /// Legal but probably unintended settings found while decoding (printed as warnings).
    pub warnings: Vec<super::Diagnostic>,
    /// The files the scenario read (traces), in the order read: part of a sweep's identity.
    pub input_files: Vec<std::path::PathBuf>,
}

/// Ceilings on what a scenario lists: services (ECS's quota per cluster), batch jobs, task
/// definitions and availability zones.
pub const MAX_SERVICES: usize = 5_000;
pub const MAX_BATCH_JOBS: usize = 5_000;
pub const MAX_TASK_DEFINITIONS: usize = 10_000;
pub const MAX_AVAILABILITY_ZONES: usize = 32;

/// The most rows metrics.csv may have (`duration / metrics_interval`; a year at one row a
/// minute is 525,600). The rows stream to disk as the run goes, so this bounds the file's
/// size and the run's time, not its memory.
pub const MAX_METRIC_ROWS: u64 = 1_000_000;

#[derive(Clone, Debug)]
pub struct InstanceGroupSpec {
    pub name: String,
    /// Index into [`Scenario::instance_types`].
    pub instance_type: usize,
    pub count: u32,
    /// Indexes into [`Scenario::availability_zones`]; instances go round-robin over them.
    pub availability_zones: Vec<usize>,
    /// Custom attributes, sorted by name.
    pub attributes: Vec<(String, String)>,
    pub trunking: bool,
    pub reserved_memory_mib: u32,
    pub agent_version: String,
    /// Auto Scaling group bounds; a group without a capacity provider stays at `count`.
    pub min_size: u32,
    pub max_size: u32,
    /// Time from launch to the instance registering with the cluster.
    pub launch_latency: DurationDist,
    pub spot: bool,
    /// Hourly price of one instance (on-demand, or Spot when `spot`).
    pub price_per_hour_usd: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkMode {
    Bridge,
    Host,
    Awsvpc,
}

#[derive(Clone, Debug)]
pub struct TaskDefinitionSpec {
    pub family: String,
    pub network_mode: NetworkMode,
    pub demand: TaskDemand,
    pub constraints: Vec<ConstraintSpec>,
    /// Whether cpu and memory were both given at task level (Fargate requires it).
    pub task_level_size: bool,
    /// The memory above which the task is OOM-killed: task-level memory, or the sum of the
    /// containers' hard limits when every container has one.
    pub hard_memory_limit_mib: Option<u32>,
    /// Fargate ephemeral storage, GiB (`ephemeral_storage = { size_in_gib = N }`, 20 free by
    /// default, 21 to 200 when set); what exceeds 20 GiB is billed.
    pub ephemeral_storage_gib: u32,
    pub behaviour: TaskBehaviour,
    /// Each container's name and container ports (what a load balancer attachment names).
    pub containers: Vec<(String, Vec<u16>)>,
    /// The health check of the first essential container that has one: the task is HEALTHY
    /// or UNHEALTHY by it (ecs-semantics §7).
    pub health_check: Option<ContainerHealthCheck>,
    /// The longest `stop_timeout` of its containers (30 s when none sets one).
    pub stop_timeout_ms: u64,
    pub application: ApplicationHealth,
}

/// A placement strategy as written (attribute names not yet interned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategySpec {
    BinpackCpu,
    BinpackMemory,
    SpreadInstanceId,
    SpreadAttribute(String),
    Random,
}

#[derive(Clone, Debug)]
pub enum ConstraintSpec {
    DistinctInstance,
    MemberOf { expression: String, expr: Arc<Expr> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchedulingStrategy {
    Replica { desired_count: u32 },
    Daemon,
}

#[derive(Clone, Debug)]
pub struct ServiceSpec {
    pub name: String,
    pub task_definition: usize,
    pub scheduling: SchedulingStrategy,
    /// `None` means ECS's default for services (AZ balance, then fewest tasks per instance).
    pub placement_strategy: Option<Vec<StrategySpec>>,
    pub placement_constraints: Vec<ConstraintSpec>,
    /// How long a task's essential container runs before exiting (the service replaces it).
    pub task_run_time: Option<DurationDist>,
    pub launch: Launch,
    pub load: Option<LoadModel>,
    pub auto_scaling: Option<ScalingConfig>,
    pub deployment: DeploymentConfig,
    /// Target groups the service's tasks register with.
    pub load_balancers: Vec<ServiceLoadBalancer>,
}

#[derive(Clone, Debug)]
pub enum Arrivals {
    Poisson {
        rate_per_hour: f64,
    },
    Trace {
        file: String,
        rows: Arc<Vec<TraceRow>>,
    },
    /// RunTask on a schedule (EventBridge Scheduler style).
    Schedule(Schedule),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnNoCapacity {
    /// Wait in a FIFO queue until capacity frees up (a retrying submitter).
    Wait,
    /// Fail at once, as RunTask does without a managed-scaling capacity provider.
    Fail,
}

#[derive(Clone, Debug)]
pub struct BatchJobSpec {
    pub name: String,
    pub task_definition: usize,
    pub arrivals: Arrivals,
    /// Tasks per submission (RunTask `count`, 1 to 10).
    pub count: u32,
    pub task_duration: Option<DurationDist>,
    /// `None` means RunTask's default: random.
    pub placement_strategy: Option<Vec<StrategySpec>>,
    pub placement_constraints: Vec<ConstraintSpec>,
    pub group: String,
    pub on_no_capacity: OnNoCapacity,
    pub start_ms: u64,
    pub stop_ms: Option<u64>,
    pub launch: Launch,
}

#[derive(Clone, Debug)]
pub struct LifecycleSpec {
    pub provisioning: DurationDist,
    pub awsvpc_provisioning: DurationDist,
    pub pending: DurationDist,
    pub reconcile_interval_ms: u64,
}

#[derive(Clone, Debug)]
pub struct PlacementSettings {
    pub max_indexes: usize,
}

#[derive(Clone, Debug)]
pub struct OutputSettings {
    pub events: bool,
}

/// The default `placement_strategy` of a REPLICA service: AZ balance, then the instance with
/// the fewest tasks of the service (ecs-semantics §1.7).
pub fn default_service_strategy() -> Vec<StrategySpec> {
    vec![
        StrategySpec::SpreadAttribute("ecs.availability-zone".into()),
        StrategySpec::SpreadInstanceId,
    ]
}

// ------------------------------------------------------------------ decoding

/// Decodes and validates a scenario tree. `base_dir` resolves relative trace paths;
/// `default_name` is used when `scenario.name` is absent.
// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
pub fn decode(dec: &mut Decoder, root: &Node, base_dir: &Path, default_name: &str) -> Option<Scenario> {
    let mut top = dec.table(root, "")?;
    let mut sc = default_scenario(default_name);
    let groups = decode_capacity(dec, &mut top, base_dir, &mut sc);
    decode_workloads(dec, &mut top, base_dir, &mut sc);
    decode_disruptions(dec, &mut top, &mut sc);
    let top_pos = top.pos;
    if !is_valid_name(&sc.name) {
        // No scenario.name, and the file's name does not make one (e.g. `...toml`).
        dec.error_hint(
            top_pos,
            "scenario.name",
            format!(
                "the file name gives the scenario the name \"{}\", which cannot name a results directory",
                sc.name
            ),
            Some("set scenario.name (letters, digits, '-', '_' and '.')".into()),
        );
    }
    // Read (and validated) by `experiment`, not part of one run.
    top.opt("sweep");
    top.opt("expect");
    // For editors (taplo's `#:schema` is a comment; JSON has this key): a string, not used.
    if let Some(n) = top.opt("$schema") {
        dec.string(n, "$schema");
    }
    top.finish(dec, &fields::keys(fields::TOP));

    check_capacity(dec, &sc, top_pos, groups.is_some());
    check_tasks_fit(dec, &sc, root);
    Some(sc)
}

/// The cluster's capacity: the run settings, the cluster, instance types and groups, capacity
/// providers and prices. Returns the `instance_groups` node, if any.
fn decode_capacity<'n>(
    dec: &mut Decoder,
    top: &mut Fields<'n>,
    base_dir: &Path,
    sc: &mut Scenario,
) -> Option<&'n Node> {
    let mut default_strategy_node = None;

    if let Some(n) = top.opt("scenario") {
        decode_run(dec, n, sc);
    }
    if let Some(n) = top.opt("cluster") {
        default_strategy_node = decode_cluster(dec, n, sc);
    }
    // The types given a price by `[[instance_types]]` keep it whatever the region.
    let custom_priced = match top.opt("instance_types") {
        Some(n) => decode_instance_types(dec, n, sc),
        None => Vec::new(),
    };
    let groups = top.opt("instance_groups");
    if let Some(n) = groups {
        decode_groups(dec, n, sc);
    }
    let group_names: Vec<String> = sc.instance_groups.iter().map(|g| g.name.clone()).collect();
    sc.capacity_providers = elastic::decode_capacity_providers(dec, top.opt("capacity_providers"), &group_names);
    if let Some(n) = default_strategy_node {
        sc.elastic.default_strategy = elastic::decode_strategy_items(
            dec,
            n,
            "cluster.default_capacity_provider_strategy",
            &sc.capacity_providers,
        );
    }
    let (pricing, fargate, autoscaling) = (top.opt("pricing"), top.opt("fargate"), top.opt("autoscaling"));
    elastic::decode_settings(dec, pricing, fargate, autoscaling, &mut sc.elastic);
    price_catalog_types(dec, pricing, base_dir, &custom_priced, sc);
    price_groups(sc);
    groups
}

/// What runs on the cluster: task definitions, lifecycle and placement settings, outputs,
/// load balancers and target groups, services and batch jobs.
fn decode_workloads(dec: &mut Decoder, top: &mut Fields<'_>, base_dir: &Path, sc: &mut Scenario) {
    if let Some(n) = top.opt("task_definitions") {
        decode_task_definitions(dec, n, sc);
    }
    if let Some(n) = top.opt("lifecycle") {
        decode_lifecycle(dec, n, sc);
    }
    if let Some(n) = top.opt("placement") {
        decode_placement(dec, n, sc);
    }
    if let Some(n) = top.opt("outputs") {
        decode_outputs(dec, n, sc);
    }
    if let Some(n) = top.opt("load_balancers") {
        sc.load_balancers = load_balancing::decode_load_balancers(dec, n);
    }
    if let Some(n) = top.opt("target_groups") {
        sc.target_groups = load_balancing::decode_target_groups(dec, n, &sc.load_balancers);
    }
    if let Some(n) = top.opt("services") {
        decode_services(dec, n, base_dir, sc);
    }
    if let Some(n) = top.opt("batch_jobs") {
        decode_jobs(dec, n, base_dir, sc);
    }
}

/// What happens to the cluster: faults, failure rates, deployments and task protection.
fn decode_disruptions(dec: &mut Decoder, top: &mut Fields<'_>, sc: &mut Scenario) {
    let group_names: Vec<String> = sc.instance_groups.iter().map(|g| g.name.clone()).collect();
    let service_names: Vec<String> = sc.services.iter().map(|s| s.name.clone()).collect();
    if let Some(n) = top.opt("faults") {
        sc.faults = faults::decode_faults(dec, n, &group_names, &sc.availability_zones, &service_names);
    }
    if let Some(n) = top.opt("failures") {
        let types: Vec<String> = sc.instance_types.iter().map(|t| t.name.clone()).collect();
        sc.failures = faults::decode_failures(dec, n, &types);
    }
    if let Some(n) = top.opt("deployments") {
        let families: Vec<String> = sc.task_definitions.iter().map(|d| d.family.clone()).collect();
        sc.deployments = faults::decode_deployments(dec, n, &service_names, &families);
    }
    if let Some(n) = top.opt("task_protection") {
        sc.task_protection = load_balancing::decode_task_protection(dec, n, &service_names);
    }
}

/// A scenario before its file is read: every default of the schema.
fn default_scenario(default_name: &str) -> Scenario {
    Scenario {
        name: default_name.to_string(),
        description: String::new(),
        seed: 1,
        duration_ms: 3_600_000,
        metrics_interval_ms: 60_000,
        max_events: 50_000_000,
        max_waiting_tasks: 1_000_000,
        start_epoch_ms: query::parse_timestamp("2024-01-01T00:00:00Z").unwrap_or(0),
        start_time_set: false,
        availability_zones: vec!["us-east-1a".into(), "us-east-1b".into(), "us-east-1c".into()],
        registered_memory_fraction: 0.975,
        reserved_ports: crate::aws::ecs::model::cluster_reserved_ports(),
        max_container_instances: 5000,
        instance_types: Vec::new(),
        instance_groups: Vec::new(),
        task_definitions: Vec::new(),
        services: Vec::new(),
        batch_jobs: Vec::new(),
        lifecycle: LifecycleSpec {
            provisioning: DurationDist::Constant(0),
            awsvpc_provisioning: DurationDist::Constant(5_000),
            pending: DurationDist::Constant(10_000),
            reconcile_interval_ms: 15_000,
        },
        placement: PlacementSettings { max_indexes: 64 },
        outputs: OutputSettings { events: true },
        capacity_providers: Vec::new(),
        elastic: ElasticSettings::default(),
        faults: Vec::new(),
        failures: FailureRates::default(),
        warnings: Vec::new(),
        input_files: Vec::new(),
        deployments: Vec::new(),
        load_balancers: Vec::new(),
        target_groups: Vec::new(),
        task_protection: Vec::new(),
    }
}

/// Instance groups without their own price pay their type's (Spot: times the Spot factor).
fn price_groups(sc: &mut Scenario) {
    for g in &mut sc.instance_groups {
        let ty = &sc.instance_types[g.instance_type];
        if g.spot && g.price_per_hour_usd < 0.0 {
            g.price_per_hour_usd = ty.price_per_hour_usd * sc.elastic.pricing.ec2_spot_factor;
        } else if g.price_per_hour_usd < 0.0 {
            g.price_per_hour_usd = ty.price_per_hour_usd;
        }
    }
}

fn decode_placement(dec: &mut Decoder, node: &Node, sc: &mut Scenario) {
    let Some(mut t) = dec.table(node, "placement") else {
        return;
    };
    if let Some(v) = t.opt("max_indexes") {
        if let Some(i) = dec.int(v, "placement.max_indexes", 0, 4096) {
            sc.placement.max_indexes = i as usize;
        }
    }
    t.finish(dec, &fields::keys(fields::PLACEMENT));
}

fn decode_outputs(dec: &mut Decoder, node: &Node, sc: &mut Scenario) {
    let Some(mut t) = dec.table(node, "outputs") else {
        return;
    };
    if let Some(v) = t.opt("events") {
        if let Some(b) = dec.boolean(v, "outputs.events") {
            sc.outputs.events = b;
        }
    }
    t.finish(dec, &fields::keys(fields::OUTPUTS));
}

/// The cluster's size against ECS's limit, and a cluster with no container instances where
/// something needs them (`groups_given`: the file has an `instance_groups` key).
fn check_capacity(dec: &mut Decoder, sc: &Scenario, top_pos: Pos, groups_given: bool) {
    let total: u64 = sc
        .instance_groups
        .iter()
        .map(|g| u64::from(g.max_size.max(g.count)))
        .sum();
    if total > u64::from(sc.max_container_instances) {
        dec.error_hint(
            top_pos,
            "instance_groups",
            format!("the instance groups hold {total} container instances, more than the cluster limit of {}", sc.max_container_instances),
            Some("ECS allows 5,000 per cluster; to study a larger what-if cluster, raise cluster.max_container_instances".into()),
        );
    }

    let needs_ec2 = sc
        .services
        .iter()
        .map(|s| &s.launch)
        .chain(sc.batch_jobs.iter().map(|j| &j.launch))
        .any(|l| !launch_is_fargate(l, &sc.capacity_providers));
    if sc.instance_groups.is_empty()
        && !groups_given
        && (needs_ec2 || (sc.services.is_empty() && sc.batch_jobs.is_empty()))
    {
        dec.error_hint(
            top_pos,
            "instance_groups",
            "the scenario has no container instances",
            Some("add an [[instance_groups]] table with `instance_type` and `count`".into()),
        );
    }
}

/// A scenario name names its results directory: letters, digits, '-', '_' and '.', and not
/// only dots (`..` would write into the parent directory).
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) && !s.chars().all(|c| c == '.')
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
fn decode_run(dec: &mut Decoder, node: &Node, sc: &mut Scenario) {
    let Some(mut t) = dec.table(node, "scenario") else {
        return;
    };
    if let Some(v) = t.opt("name") {
        if let Some(s) = dec.string(v, "scenario.name") {
            if !is_valid_name(&s) {
                dec.error_hint(
                    v.pos,
                    "scenario.name",
                    format!("\"{s}\" is not a valid scenario name"),
                    Some(
                        "use letters, digits, '-', '_' and '.', not only dots (it names the results directory)".into(),
                    ),
                );
            } else {
                sc.name = s;
            }
        }
    }
    if let Some(v) = t.opt("description") {
        if let Some(s) = dec.string(v, "scenario.description") {
            sc.description = s;
        }
    }
    if let Some(v) = t.opt("seed") {
        if let Some(i) = dec.int(v, "scenario.seed", 0, i64::MAX) {
            sc.seed = i as u64;
        }
    }
    if let Some(v) = t.opt("duration") {
        if let Some(ms) = duration(dec, v, "scenario.duration") {
            if ms == 0 {
                dec.error(v.pos, "scenario.duration", "the run must last longer than zero");
            } else {
                sc.duration_ms = ms;
            }
        }
    }
    if let Some(v) = t.opt("metrics_interval") {
        if let Some(ms) = duration(dec, v, "scenario.metrics_interval") {
            if ms < 1000 {
                dec.error_hint(
                    v.pos,
                    "scenario.metrics_interval",
                    "the metrics interval must be at least 1s",
                    Some("CloudWatch's finest ECS resolution is 1m".into()),
                );
            } else {
                sc.metrics_interval_ms = ms;
            }
        }
    }
    let rows = sc.duration_ms / sc.metrics_interval_ms.max(1);
    if rows > MAX_METRIC_ROWS {
        let at = t.opt("metrics_interval").or(t.opt("duration")).map_or(t.pos, |n| n.pos);
        let interval_s = sc.duration_ms.div_ceil(MAX_METRIC_ROWS) / 1000 + 1;
        dec.error_hint(
            at,
            "scenario.metrics_interval",
            format!("duration / metrics_interval gives {rows} metrics rows, beyond the ceiling of {MAX_METRIC_ROWS}"),
            Some(format!("set metrics_interval = \"{interval_s}s\" or longer")),
        );
    }
    if let Some(v) = t.opt("max_events") {
        if let Some(i) = dec.int(v, "scenario.max_events", 1, crate::engine::MAX_EVENTS as i64) {
            sc.max_events = i as u64;
        }
    }
    if let Some(v) = t.opt("max_waiting_tasks") {
        if let Some(i) = dec.int(v, "scenario.max_waiting_tasks", 1, 100_000_000) {
            sc.max_waiting_tasks = i as u64;
        }
    }
    if let Some(v) = t.opt("start_time") {
        let text = match &v.kind {
            NodeKind::Datetime(s) | NodeKind::Str(s) => Some(s.clone()),
            _ => None,
        };
        match text.as_deref().and_then(query::parse_timestamp) {
            Some(ms) => {
                sc.start_epoch_ms = ms;
                sc.start_time_set = true;
            }
            None => dec.error_hint(
                v.pos,
                "scenario.start_time",
                "expected a date-time",
                Some("write 2024-01-01T00:00:00Z".into()),
            ),
        }
    }
    t.finish(dec, &fields::keys(fields::SCENARIO));
}

/// Whether tasks launched this way run on Fargate.
pub fn launch_is_fargate(l: &Launch, providers: &[CapacityProviderSpec]) -> bool {
    match l {
        Launch::Ec2 => false,
        Launch::Fargate => true,
        Launch::Strategy(items) => items
            .iter()
            .any(|i| matches!(providers[i.provider].kind, ProviderKind::Fargate { .. })),
    }
}

fn decode_cluster<'n>(dec: &mut Decoder, node: &'n Node, sc: &mut Scenario) -> Option<&'n Node> {
    let mut t = dec.table(node, "cluster")?;
    elastic::decode_cluster_keys(dec, &mut t, &mut sc.elastic);
    let default_strategy = t.opt("default_capacity_provider_strategy");
    if let Some(v) = t.opt("availability_zones") {
        if let Some(items) = dec.bounded_array(
            v,
            "cluster.availability_zones",
            MAX_AVAILABILITY_ZONES,
            "AWS Regions have at most 6 availability zones",
        ) {
            let mut azs: Vec<String> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = format!("cluster.availability_zones[{i}]");
                if let Some(s) = dec.string(item, &p) {
                    // AWS zone names are letters, digits and '-' (us-east-1a, use1-az1); the
                    // name becomes an ecs.availability-zone attribute value that memberOf
                    // expressions (AZ rebalancing's among them) compare against.
                    if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                        dec.error_hint(
                            item.pos,
                            &p,
                            format!("availability zone \"{s}\" is not a zone name"),
                            Some("use letters, digits and '-', as AWS does: us-east-1a".into()),
                        );
                    } else if azs.contains(&s) {
                        dec.error(item.pos, &p, format!("availability zone \"{s}\" is listed twice"));
                    } else {
                        azs.push(s);
                    }
                }
            }
            if azs.is_empty() {
                dec.error(
                    v.pos,
                    "cluster.availability_zones",
                    "at least one availability zone is needed",
                );
            } else {
                sc.availability_zones = azs;
            }
        }
    }
    if let Some(v) = t.opt("registered_memory_fraction") {
        if let Some(f) = dec.number(v, "cluster.registered_memory_fraction", 0.5, 1.0) {
            sc.registered_memory_fraction = f;
        }
    }
    if let Some(v) = t.opt("max_container_instances") {
        if let Some(n) = dec.int(v, "cluster.max_container_instances", 1, 1_000_000) {
            sc.max_container_instances = n as u32;
        }
    }
    if let Some(v) = t.opt("reserved_ports") {
        if let Some(items) = dec.array(v, "cluster.reserved_ports") {
            let mut ports = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(p) = dec.int(item, &format!("cluster.reserved_ports[{i}]"), 1, 65535) {
                    ports.push(p as u16);
                }
            }
            ports.sort_unstable();
            ports.dedup();
            sc.reserved_ports = ports;
        }
    }
    t.finish(dec, &fields::keys(fields::CLUSTER));
    default_strategy
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
/// `[[instance_types]]`: a type the catalog lacks (name, vcpu and memory_mib required), or an
/// override of some fields of a catalog type. Returns the names given a price.
fn decode_instance_types(dec: &mut Decoder, node: &Node, sc: &mut Scenario) -> Vec<String> {
    let mut priced = Vec::new();
    let Some(items) = dec.array(node, "instance_types") else {
        return priced;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("instance_types[{i}]");
        let Some(mut t) = dec.table(item, &path) else {
            continue;
        };
        let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
        let base = name.as_deref().and_then(catalog_type);
        let given = InstanceTypeFigures::decode(dec, &mut t, &path, base.is_some());
        t.finish(dec, &fields::keys(fields::INSTANCE_TYPE));
        let Some(name) = name else { continue };
        if base.is_none() && (given.vcpu.is_none() || given.memory_mib.is_none()) {
            continue;
        }
        let mut ty = base.clone().unwrap_or(InstanceType {
            name: name.clone(),
            vcpu: 0,
            memory_mib: 0,
            registered_memory_mib: None,
            max_eni: 3,
            trunk_eni_tasks: None,
            price_per_hour_usd: 0.0,
            cpu_architecture: "x86_64".into(),
            os_type: "linux".into(),
            gpus: 0,
        });
        // A type the catalog lacks costs nothing unless priced (as before the catalog).
        if given.price_per_hour_usd.is_some() || base.is_none() {
            priced.push(name.clone());
        }
        given.apply(&mut ty);
        if sc.instance_types.iter().any(|t| t.name == name) {
            dec.error(
                item.pos,
                &format!("{path}.name"),
                format!("instance type \"{name}\" is defined twice"),
            );
        } else {
            sc.instance_types.push(ty);
        }
    }
    priced
}

/// The figures an `instance_types` entry gives, each `None` when absent (or invalid, with
/// the error recorded): for a catalog type they override the catalog's.
struct InstanceTypeFigures {
    vcpu: Option<i64>,
    memory_mib: Option<u32>,
    registered_memory_mib: Option<u32>,
    max_eni: Option<i64>,
    trunk_eni_tasks: Option<i64>,
    price_per_hour_usd: Option<f64>,
    cpu_architecture: Option<&'static str>,
    os_type: Option<&'static str>,
    gpus: Option<i64>,
}

impl InstanceTypeFigures {
    /// Reads them from the entry at `path`; `vcpu` and `memory_mib` are required unless the
    /// type is in the catalog.
    fn decode(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, in_catalog: bool) -> Self {
        let (vcpu_node, mem_node) = if in_catalog {
            (t.opt("vcpu"), t.opt("memory_mib"))
        } else {
            (t.req(dec, "vcpu"), t.req(dec, "memory_mib"))
        };
        InstanceTypeFigures {
            vcpu: vcpu_node.and_then(|n| dec.int(n, &format!("{path}.vcpu"), 1, 1024)),
            memory_mib: mem_node.and_then(|n| memory_mib(dec, n, &format!("{path}.memory_mib"))),
            registered_memory_mib: t
                .opt("registered_memory_mib")
                .and_then(|n| memory_mib(dec, n, &format!("{path}.registered_memory_mib"))),
            max_eni: t
                .opt("max_eni")
                .and_then(|n| dec.int(n, &format!("{path}.max_eni"), 1, 128)),
            trunk_eni_tasks: t
                .opt("trunk_eni_tasks")
                .and_then(|n| dec.int(n, &format!("{path}.trunk_eni_tasks"), 1, 1000)),
            price_per_hour_usd: t
                .opt("price_per_hour_usd")
                .and_then(|n| dec.number(n, &format!("{path}.price_per_hour_usd"), 0.0, 1000.0)),
            cpu_architecture: t.opt("cpu_architecture").and_then(|n| {
                dec.one_of(
                    n,
                    &format!("{path}.cpu_architecture"),
                    "CPU architecture",
                    &["x86_64", "arm64"],
                )
            }),
            os_type: t
                .opt("os_type")
                .and_then(|n| dec.one_of(n, &format!("{path}.os_type"), "OS type", &["linux", "windows"])),
            gpus: t.opt("gpus").and_then(|n| dec.int(n, &format!("{path}.gpus"), 0, 64)),
        }
    }

    /// Sets the figures given on `ty`.
    fn apply(&self, ty: &mut InstanceType) {
        if let Some(v) = self.vcpu {
            ty.vcpu = v as u32;
        }
        if let Some(m) = self.memory_mib {
            ty.memory_mib = m;
            // A new nominal memory makes the documented registered figure moot.
            ty.registered_memory_mib = None;
        }
        ty.registered_memory_mib = self.registered_memory_mib.or(ty.registered_memory_mib);
        if let Some(e) = self.max_eni {
            ty.max_eni = e as u32;
        }
        if let Some(k) = self.trunk_eni_tasks {
            ty.trunk_eni_tasks = Some(k as u32);
        }
        if let Some(p) = self.price_per_hour_usd {
            ty.price_per_hour_usd = p;
        }
        if let Some(a) = self.cpu_architecture {
            ty.cpu_architecture = a.to_string();
        }
        if let Some(o) = self.os_type {
            ty.os_type = o.to_string();
        }
        if let Some(g) = self.gpus {
            ty.gpus = g as u32;
        }
    }
}

/// Prices the catalog types the scenario uses for `pricing.region`: from the embedded prices,
/// or `pricing.prices_file` (`region,instance_type,usd_per_hour`, which wins), unless
/// `[[instance_types]]` priced them (`custom_priced`). A type with no price there is an error
/// at `pricing.region`.
fn price_catalog_types(
    dec: &mut Decoder,
    pricing: Option<&Node>,
    base_dir: &Path,
    custom_priced: &[String],
    sc: &mut Scenario,
) {
    let region = sc.elastic.pricing.region.clone();
    let node = |key: &str| match pricing.map(|n| &n.kind) {
        Some(NodeKind::Table(entries)) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
        _ => None,
    };
    let region_pos = node("region").map_or(Pos { line: 1, col: 1 }, |n| n.pos);
    let mut file_prices: Vec<(String, String, f64)> = Vec::new();
    if let Some(n) = node("prices_file") {
        if let Some(f) = dec.string(n, "pricing.prices_file") {
            let full = base_dir.join(&f);
            match read_prices_file(&full) {
                Ok(rows) => {
                    dec.inputs.push(full.clone());
                    file_prices = rows;
                }
                Err(e) => dec.error_hint(
                    n.pos,
                    "pricing.prices_file",
                    format!("cannot read prices from {}: {e}", full.display()),
                    Some("a CSV with the header region,instance_type,usd_per_hour".into()),
                ),
            }
        }
    }
    let known_region = catalog_regions().contains(&region.as_str()) || file_prices.iter().any(|p| p.0 == region);
    if !known_region {
        dec.error_hint(
            region_pos,
            "pricing.region",
            format!("no on-demand prices for region \"{region}\""),
            Some(format!(
                "the embedded prices cover {}; give others in pricing.prices_file (region,instance_type,usd_per_hour)",
                catalog_regions().join(", ")
            )),
        );
        return;
    }
    let mut missing: Vec<String> = Vec::new();
    for ty in sc
        .instance_types
        .iter_mut()
        .filter(|t| !custom_priced.contains(&t.name))
    {
        let from_file = file_prices
            .iter()
            .find(|p| p.0 == region && p.1 == ty.name)
            .map(|p| p.2);
        match from_file.or_else(|| catalog_price(&region, &ty.name)) {
            Some(p) => ty.price_per_hour_usd = p,
            None => missing.push(ty.name.clone()),
        }
    }
    if !missing.is_empty() {
        dec.error_hint(
            region_pos,
            "pricing.region",
            format!("no on-demand price in {region} for {}", missing.join(", ")),
            Some("set price_per_hour_usd in [[instance_types]], or add rows to pricing.prices_file".into()),
        );
    }
}

/// A prices CSV: `region,instance_type,usd_per_hour` (a header, then rows).
fn read_prices_file(path: &Path) -> Result<Vec<(String, String, f64)>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    if header != ["region", "instance_type", "usd_per_hour"] {
        return Err(format!(
            "line 1: the header is {}, expected region,instance_type,usd_per_hour",
            header.join(",")
        ));
    }
    let mut out = Vec::new();
    for (k, row) in r.records().enumerate() {
        let line = k + 2;
        let row = row.map_err(|e| format!("line {line}: {e}"))?;
        if out.len() >= 100_000 {
            return Err("more than 100,000 prices".into());
        }
        let price: f64 = row
            .get(2)
            .and_then(|p| p.parse().ok())
            .filter(|p: &f64| p.is_finite() && (0.0..=1000.0).contains(p))
            .ok_or_else(|| format!("line {line}, column 3 (usd_per_hour): expected a price from 0 to 1000"))?;
        out.push((row[0].to_string(), row[1].to_string(), price));
    }
    Ok(out)
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
fn decode_groups(dec: &mut Decoder, node: &Node, sc: &mut Scenario) {
    let Some(items) = dec.array(node, "instance_groups") else {
        return;
    };
    // Names seen so far, so that a duplicate is found without rescanning (linear in the file).
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("instance_groups[{i}]");
        let Some(mut t) = dec.table(item, &path) else {
            continue;
        };
        let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
        if let Some(n) = &name {
            if !seen.insert(n.clone()) {
                dec.error(
                    t.pos,
                    &format!("{path}.name"),
                    format!("instance group \"{n}\" is defined twice"),
                );
            }
        }
        let ty = instance_type_ref(dec, &mut t, sc);
        let count = t
            .req(dec, "count")
            .and_then(|n| dec.int(n, &format!("{path}.count"), 0, 1_000_000));
        let azs = group_zones(dec, &mut t, &path, sc);
        let attributes = group_attributes(dec, &mut t, &path);
        let trunking = t
            .opt("trunking")
            .and_then(|n| dec.boolean(n, &format!("{path}.trunking")))
            .unwrap_or(false);
        let reserved = t
            .opt("reserved_memory_mib")
            .and_then(|n| dec.int(n, &format!("{path}.reserved_memory_mib"), 0, 1_000_000))
            .unwrap_or(0) as u32;
        let agent_version = t
            .opt("agent_version")
            .and_then(|n| dec.string(n, &format!("{path}.agent_version")))
            .unwrap_or_else(|| "1.90.0".to_string());
        let (min_size, max_size) = group_sizes(dec, &mut t, &path, count);
        let launch_latency = t
            .opt("launch_latency")
            .and_then(|n| duration_dist(dec, n, &format!("{path}.launch_latency")))
            .unwrap_or(DurationDist::Uniform {
                min_ms: 60_000,
                max_ms: 180_000,
            });
        let spot = t
            .opt("spot")
            .and_then(|n| dec.boolean(n, &format!("{path}.spot")))
            .unwrap_or(false);
        let price = t
            .opt("price_per_hour_usd")
            .and_then(|n| dec.number(n, &format!("{path}.price_per_hour_usd"), 0.0, 1000.0))
            .unwrap_or(-1.0);
        t.finish(dec, &fields::keys(fields::INSTANCE_GROUP));
        if let (Some(name), Some(ty), Some(count)) = (name, ty, count) {
            sc.instance_groups.push(InstanceGroupSpec {
                name,
                instance_type: ty,
                count: count as u32,
                availability_zones: azs,
                attributes,
                trunking,
                reserved_memory_mib: reserved,
                agent_version,
                min_size: min_size.unwrap_or(count) as u32,
                max_size: max_size.unwrap_or(count) as u32,
                launch_latency,
                spot,
                price_per_hour_usd: price,
            });
        }
    }
}

/// An instance group's zones, as indexes in `cluster.availability_zones` (all of them when
/// the group names none).
fn group_zones(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, sc: &Scenario) -> Vec<usize> {
    let mut azs: Vec<usize> = (0..sc.availability_zones.len()).collect();
    if let Some(v) = t.opt("availability_zones") {
        let p = format!("{path}.availability_zones");
        if let Some(list) = dec.array(v, &p) {
            azs.clear();
            for (j, a) in list.iter().enumerate() {
                let pj = format!("{p}[{j}]");
                if let Some(s) = dec.string(a, &pj) {
                    match sc.availability_zones.iter().position(|z| *z == s) {
                        Some(k) => azs.push(k),
                        None => {
                            let hint = suggest(&s, sc.availability_zones.iter().map(String::as_str)).or_else(|| {
                                Some(format!("the cluster's zones are {}", sc.availability_zones.join(", ")))
                            });
                            dec.error_hint(
                                a.pos,
                                &pj,
                                format!("availability zone \"{s}\" is not in cluster.availability_zones"),
                                hint,
                            );
                        }
                    }
                }
            }
            if list.is_empty() {
                dec.error(v.pos, &p, "at least one availability zone is needed");
            }
        }
    }
    azs
}

/// An instance group's custom attributes, sorted by name.
fn group_attributes(dec: &mut Decoder, t: &mut Fields<'_>, path: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    if let Some(v) = t.opt("attributes") {
        let p = format!("{path}.attributes");
        if let NodeKind::Table(entries) = &v.kind {
            for e in entries {
                let pk = format!("{p}.{}", e.key);
                let valid_name = !e.key.is_empty()
                    && e.key.len() <= 128
                    && e.key.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
                if !valid_name {
                    dec.error_hint(
                        e.key_pos,
                        &pk,
                        format!("invalid attribute name \"{}\"", e.key),
                        Some("1 to 128 of A-Z a-z 0-9 - _ / .".into()),
                    );
                } else if e.key.starts_with("ecs.") {
                    dec.error_hint(
                        e.key_pos,
                        &pk,
                        format!("\"{}\" is a built-in attribute", e.key),
                        Some("built-in attributes (ecs.*) are set by ecsim; choose another name".into()),
                    );
                }
                if let Some(s) = dec.string(&e.value, &pk) {
                    if s.is_empty() || s.len() > 128 || s.trim() != s {
                        dec.error(
                            e.value.pos,
                            &pk,
                            "an attribute value must be 1 to 128 characters without leading or trailing spaces",
                        );
                    } else {
                        attributes.push((e.key.clone(), s));
                    }
                }
            }
        } else {
            dec.error(
                v.pos,
                &p,
                format!("expected a table of name = \"value\", found {}", v.type_name()),
            );
        }
    }
    attributes.sort();
    attributes.sort();
    attributes
}

/// An instance group's Auto Scaling bounds, checked against each other and against `count`.
fn group_sizes(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, count: Option<i64>) -> (Option<i64>, Option<i64>) {
    let min_node = t.opt("min_size");
    let min_size = min_node.and_then(|n| dec.int(n, &format!("{path}.min_size"), 0, 1_000_000));
    let max_node = t.opt("max_size");
    let max_size = max_node.and_then(|n| dec.int(n, &format!("{path}.max_size"), 0, 1_000_000));
    if let (Some(lo), Some(hi)) = (min_size, max_size) {
        if lo > hi {
            dec.error_hint(
                max_node.map_or(t.pos, |n| n.pos),
                &format!("{path}.max_size"),
                format!("min_size ({lo}) is greater than max_size ({hi})"),
                Some("an Auto Scaling group needs min_size <= count <= max_size".into()),
            );
        }
    }
    if let Some(c) = count {
        if min_size.zip(max_size).is_some_and(|(lo, hi)| lo > hi) {
            // Reported above; the count cannot lie between them.
        } else if min_size.is_some_and(|m| m > c) || max_size.is_some_and(|m| m < c) {
            dec.error_hint(
                t.pos,
                &format!("{path}.count"),
                format!("count ({c}) must lie between min_size and max_size"),
                Some("count is the group's initial desired capacity".into()),
            );
        }
    }
    (min_size, max_size)
}

fn decode_constraints(dec: &mut Decoder, node: &Node, path: &str) -> Vec<ConstraintSpec> {
    let mut out = Vec::new();
    let Some(items) = dec.array(node, path) else {
        return out;
    };
    if items.len() > 10 {
        dec.error(
            node.pos,
            path,
            format!("{} constraints given; ECS allows at most 10 per task", items.len()),
        );
    }
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut t) = dec.table(item, &p) else {
            continue;
        };
        let kind = t.req(dec, "type").and_then(|n| {
            dec.one_of(
                n,
                &format!("{p}.type"),
                "constraint type",
                &["memberOf", "distinctInstance"],
            )
        });
        let expr_node = t.opt("expression");
        match kind {
            Some("distinctInstance") => {
                if let Some(e) = expr_node {
                    dec.error_hint(
                        e.pos,
                        &format!("{p}.expression"),
                        "distinctInstance takes no expression",
                        Some("remove `expression`, or use type = \"memberOf\"".into()),
                    );
                }
                out.push(ConstraintSpec::DistinctInstance);
            }
            Some("memberOf") => match expr_node {
                None => dec.error_hint(
                    t.pos,
                    &format!("{p}.expression"),
                    "memberOf needs an expression",
                    Some("add expression = \"attribute:ecs.instance-type =~ m5.*\"".into()),
                ),
                Some(e) => {
                    if let Some(s) = dec.string(e, &format!("{p}.expression")) {
                        match query::parse(&s) {
                            Ok(expr) => out.push(ConstraintSpec::MemberOf {
                                expression: s,
                                expr: Arc::new(expr),
                            }),
                            Err(qe) => {
                                // Point at the offending character inside the string literal.
                                let pos = Pos {
                                    line: e.pos.line,
                                    col: e.pos.col + qe.column as u32,
                                };
                                dec.error_hint(
                                    pos,
                                    &format!("{p}.expression"),
                                    format!("invalid cluster query expression: {}", qe.message),
                                    qe.hint,
                                );
                            }
                        }
                    }
                }
            },
            _ => {}
        }
        t.finish(dec, &fields::keys(fields::CONSTRAINT));
    }
    out
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
fn decode_strategy(dec: &mut Decoder, node: &Node, path: &str) -> Option<Vec<StrategySpec>> {
    let items = dec.array(node, path)?;
    if items.len() > 5 {
        dec.error_hint(
            node.pos,
            path,
            format!("{} strategy rules given; ECS allows at most 5", items.len()),
            Some("remove the rules that can no longer break ties".into()),
        );
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut t) = dec.table(item, &p) else {
            ok = false;
            continue;
        };
        let kind = t
            .req(dec, "type")
            .and_then(|n| dec.one_of(n, &format!("{p}.type"), "strategy", &["binpack", "spread", "random"]));
        let field = t.opt("field");
        let fp = format!("{p}.field");
        let s = match kind {
            Some("binpack") => match field {
                None => {
                    dec.error_hint(
                        t.pos,
                        &fp,
                        "binpack needs a field",
                        Some("add field = \"memory\" or field = \"cpu\"".into()),
                    );
                    None
                }
                Some(f) => match dec.one_of(f, &fp, "binpack field", &["memory", "cpu"]) {
                    Some("cpu") => Some(StrategySpec::BinpackCpu),
                    Some(_) => Some(StrategySpec::BinpackMemory),
                    None => None,
                },
            },
            Some("spread") => match field {
                None => {
                    dec.error_hint(
                        t.pos,
                        &fp,
                        "spread needs a field",
                        Some("add field = \"attribute:ecs.availability-zone\" or field = \"instanceId\"".into()),
                    );
                    None
                }
                Some(f) => dec.string(f, &fp).and_then(|s| match s.as_str() {
                    "instanceId" | "host" => Some(StrategySpec::SpreadInstanceId),
                    _ => match s.strip_prefix("attribute:") {
                        Some(a) if !a.is_empty() => Some(StrategySpec::SpreadAttribute(a.to_string())),
                        _ => {
                            let hint = suggest(
                                &s,
                                [
                                    "instanceId",
                                    "host",
                                    "attribute:ecs.availability-zone",
                                    "attribute:ecs.instance-type",
                                ]
                                .into_iter(),
                            )
                            .or_else(|| Some("use \"instanceId\", \"host\" or \"attribute:<name>\"".into()));
                            dec.error_hint(f.pos, &fp, format!("unknown spread field \"{s}\""), hint);
                            None
                        }
                    },
                }),
            },
            Some("random") => {
                if let Some(f) = field {
                    dec.error_hint(f.pos, &fp, "random takes no field", Some("remove `field`".into()));
                }
                Some(StrategySpec::Random)
            }
            _ => None,
        };
        t.finish(dec, &fields::keys(fields::PLACEMENT_STRATEGY_ITEM));
        match s {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
fn decode_task_definitions(dec: &mut Decoder, node: &Node, sc: &mut Scenario) {
    let Some(items) = dec.bounded_array(
        node,
        "task_definitions",
        MAX_TASK_DEFINITIONS,
        "split the workload over several scenarios",
    ) else {
        return;
    };
    // Names seen so far, so that a duplicate is found without rescanning (linear in the file).
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("task_definitions[{i}]");
        let Some(mut t) = dec.table(item, &path) else {
            continue;
        };
        let family = t
            .req(dec, "family")
            .and_then(|n| dec.string(n, &format!("{path}.family")));
        if let Some(f) = &family {
            if !seen.insert(f.clone()) {
                dec.error(
                    t.pos,
                    &format!("{path}.family"),
                    format!("task definition \"{f}\" is defined twice"),
                );
            }
        }
        let network_mode = network_mode_of(dec, &mut t, &path);
        let task_cpu = t.opt("cpu").and_then(|n| cpu_units(dec, n, &format!("{path}.cpu")));
        let task_mem = t
            .opt("memory")
            .and_then(|n| task_memory_mib(dec, n, &format!("{path}.memory")));
        let constraints = task_constraints(dec, sc, &mut t, &path);
        let declared = containers_of(dec, &mut t, &path, network_mode, task_mem);
        let has_containers = declared.is_some();
        let c = declared.unwrap_or_default();
        let host_ports = distinct_host_ports(dec, sc, &c.ports);
        let behaviour = task_behaviour(dec, &mut t, &path);
        let application = t
            .opt("application")
            .map(|n| load_balancing::decode_application(dec, n, &format!("{path}.application")))
            .unwrap_or_default();
        let ephemeral_storage_gib = t
            .opt("ephemeral_storage")
            .and_then(|n| ephemeral_storage(dec, n, &format!("{path}.ephemeral_storage")))
            .unwrap_or(crate::aws::billing::prices::FARGATE_FREE_STORAGE_GIB);
        t.finish(dec, &fields::keys(fields::TASK_DEFINITION));
        if let Some(family) = family {
            sc.task_definitions.push(TaskDefinitionSpec {
                family,
                demand: TaskDemand {
                    cpu_units: task_cpu.unwrap_or(c.sum_cpu),
                    memory_mib: task_mem.unwrap_or(c.sum_mem),
                    host_ports,
                    uses_eni: network_mode == NetworkMode::Awsvpc,
                    gpus: c.gpus,
                },
                network_mode,
                constraints,
                task_level_size: task_cpu.is_some() && task_mem.is_some(),
                hard_memory_limit_mib: task_mem.or((c.all_hard && has_containers).then_some(c.sum_hard)),
                ephemeral_storage_gib,
                behaviour,
                containers: c.list,
                health_check: c.health_check,
                stop_timeout_ms: c.stop_timeout_ms.unwrap_or(DEFAULT_STOP_TIMEOUT_MS),
                application,
            });
        }
    }
}

/// A task definition's `container_definitions` (`None` without them), with the errors for a
/// memory size neither the task nor its containers give.
fn containers_of(
    dec: &mut Decoder,
    t: &mut Fields<'_>,
    path: &str,
    network_mode: NetworkMode,
    task_mem: Option<u32>,
) -> Option<Containers> {
    let Some(cn) = t.opt("container_definitions") else {
        if task_mem.is_none() {
            dec.error_hint(
                t.pos,
                &format!("{path}.container_definitions"),
                "a task definition needs container_definitions or task-level cpu and memory",
                Some("add memory = 512 (MiB) at task level".into()),
            );
        }
        return None;
    };
    let c = decode_containers(dec, cn, &format!("{path}.container_definitions"), network_mode);
    if task_mem.is_none() && c.any_mem_missing {
        dec.error_hint(
            t.pos,
            &format!("{path}.memory"),
            "a container has neither memory nor memory_reservation, and the task sets no memory",
            Some("set memory on the task or on every container".into()),
        );
    }
    Some(c)
}

/// A task definition's `network_mode`: bridge (the default), host or awsvpc.
fn network_mode_of(dec: &mut Decoder, t: &mut Fields<'_>, path: &str) -> NetworkMode {
    t.opt("network_mode")
        .and_then(|n| {
            dec.one_of(
                n,
                &format!("{path}.network_mode"),
                "network mode",
                &["bridge", "host", "awsvpc"],
            )
        })
        .map_or(NetworkMode::Bridge, |m| match m {
            "host" => NetworkMode::Host,
            "awsvpc" => NetworkMode::Awsvpc,
            _ => NetworkMode::Bridge,
        })
}

/// A task definition's `placement_constraints`, with a warning for each attribute no
/// instance group registers.
fn task_constraints(dec: &mut Decoder, sc: &Scenario, t: &mut Fields<'_>, path: &str) -> Vec<ConstraintSpec> {
    let constraints_node = t.opt("placement_constraints");
    let constraints = constraints_node
        .map(|n| decode_constraints(dec, n, &format!("{path}.placement_constraints")))
        .unwrap_or_default();
    if let Some(n) = constraints_node {
        let names = referenced_attributes(&[], &constraints);
        warn_unknown_attributes(dec, sc, n.pos, &format!("{path}.placement_constraints"), names);
    }
    constraints
}

/// How a task definition's tasks misbehave: `fails_to_start`, `crash_after`.
fn task_behaviour(dec: &mut Decoder, t: &mut Fields<'_>, path: &str) -> TaskBehaviour {
    TaskBehaviour {
        fails_to_start: t
            .opt("fails_to_start")
            .and_then(|n| dec.boolean(n, &format!("{path}.fails_to_start")))
            .unwrap_or(false),
        crash_after: t
            .opt("crash_after")
            .and_then(|n| duration_dist(dec, n, &format!("{path}.crash_after"))),
    }
}

/// What a task definition's containers add up to (ecs-semantics §1.3): CPU sums (a container
/// without `cpu` counts 0, I); memory is `memory_reservation` if set, else `memory`; the
/// static host ports, each with where it was written; the first essential container's
/// health check; the longest stop timeout; the GPUs.
#[derive(Default)]
struct Containers {
    sum_cpu: u32,
    sum_mem: u32,
    any_mem_missing: bool,
    all_hard: bool,
    sum_hard: u32,
    ports: Vec<(u16, Pos, String)>,
    /// Each container's name and container ports.
    list: Vec<(String, Vec<u16>)>,
    health_check: Option<ContainerHealthCheck>,
    stop_timeout_ms: Option<u64>,
    gpus: u32,
}

/// Reads `container_definitions` (at `cp`) of a task definition in `network_mode`.
fn decode_containers(dec: &mut Decoder, cn: &Node, cp: &str, network_mode: NetworkMode) -> Containers {
    let mut out = Containers {
        all_hard: true,
        ..Containers::default()
    };
    let Some(list) = dec.array(cn, cp) else {
        return out;
    };
    if list.is_empty() {
        dec.error(cn.pos, cp, "a task definition needs at least one container");
    }
    for (j, c) in list.iter().enumerate() {
        let p = format!("{cp}[{j}]");
        let Some(mut ct) = dec.table(c, &p) else {
            continue;
        };
        let cname = ct.req(dec, "name").and_then(|n| dec.string(n, &format!("{p}.name")));
        if let Some(n) = ct.opt("cpu") {
            out.sum_cpu += cpu_units(dec, n, &format!("{p}.cpu")).unwrap_or(0);
        }
        let hard = ct
            .opt("memory")
            .and_then(|n| task_memory_mib(dec, n, &format!("{p}.memory")));
        let soft_node = ct.opt("memory_reservation");
        let soft = soft_node.and_then(|n| task_memory_mib(dec, n, &format!("{p}.memory_reservation")));
        if let (Some(h), Some(s), Some(sn)) = (hard, soft, soft_node) {
            if h <= s {
                dec.error_hint(
                    sn.pos,
                    &format!("{p}.memory_reservation"),
                    format!("memory_reservation ({s} MiB) must be less than memory ({h} MiB)"),
                    Some("the reservation is the soft limit; memory is the hard limit above it".into()),
                );
            }
        }
        match soft.or(hard) {
            Some(m) => out.sum_mem += m,
            None => out.any_mem_missing = true,
        }
        match hard {
            Some(h) => out.sum_hard += h,
            None => out.all_hard = false,
        }
        let essential = match ct.opt("essential") {
            Some(e) => dec.boolean(e, &format!("{p}.essential")).unwrap_or(true),
            None => true,
        };
        if let Some(h) = ct.opt("health_check") {
            let check = load_balancing::decode_container_health_check(dec, h, &format!("{p}.health_check"));
            if essential && out.health_check.is_none() {
                out.health_check = check;
            }
        }
        if let Some(rr) = ct.opt("resource_requirements") {
            out.gpus += resource_requirements(dec, rr, &format!("{p}.resource_requirements"));
        }
        if let Some(st) = ct.opt("stop_timeout") {
            if let Some(ms) = load_balancing::decode_stop_timeout(dec, st, &format!("{p}.stop_timeout")) {
                out.stop_timeout_ms = Some(out.stop_timeout_ms.map_or(ms, |m: u64| m.max(ms)));
            }
        }
        let mut container_ports: Vec<u16> = Vec::new();
        if let Some(pm) = ct.opt("port_mappings") {
            decode_port_mappings(
                dec,
                pm,
                &format!("{p}.port_mappings"),
                network_mode,
                &mut container_ports,
                &mut out.ports,
            );
        }
        ct.finish(dec, &fields::keys(fields::CONTAINER));
        if let Some(n) = cname {
            out.list.push((n, container_ports));
        }
    }
    out
}

/// Reads a container's `port_mappings` (at `pp`): its container ports go to
/// `container_ports`, the static host ports it takes on its instance to `host_ports`.
fn decode_port_mappings(
    dec: &mut Decoder,
    pm: &Node,
    pp: &str,
    network_mode: NetworkMode,
    container_ports: &mut Vec<u16>,
    host_ports: &mut Vec<(u16, Pos, String)>,
) {
    let Some(maps) = dec.array(pm, pp) else {
        return;
    };
    for (k, m) in maps.iter().enumerate() {
        let mp = format!("{pp}[{k}]");
        let Some(mut mt) = dec.table(m, &mp) else {
            continue;
        };
        let cport = mt
            .req(dec, "container_port")
            .and_then(|n| dec.int(n, &format!("{mp}.container_port"), 1, 65535));
        let hnode = mt.opt("host_port");
        let hport = hnode.and_then(|n| dec.int(n, &format!("{mp}.host_port"), 0, 65535));
        if let Some(pr) = mt.opt("protocol") {
            dec.one_of(pr, &format!("{mp}.protocol"), "protocol", &["tcp", "udp"]);
        }
        mt.finish(dec, &fields::keys(fields::PORT_MAPPING));
        if let Some(c) = cport {
            container_ports.push(c as u16);
        }
        let host = match network_mode {
            NetworkMode::Bridge => hport.unwrap_or(0),
            NetworkMode::Host => hport.or(cport).unwrap_or(0),
            NetworkMode::Awsvpc => {
                if let (Some(h), Some(c), Some(hn)) = (hport, cport, hnode) {
                    if h != 0 && h != c {
                        dec.error_hint(
                            hn.pos,
                            &format!("{mp}.host_port"),
                            "with awsvpc, host_port must equal container_port",
                            Some("remove host_port".into()),
                        );
                    }
                }
                0 // each awsvpc task has its own ENI: no host port conflicts
            }
        };
        if host > 0 {
            host_ports.push((host as u16, m.pos, format!("{mp}.host_port")));
        }
    }
}

/// A task's static host ports, sorted: a port mapped twice in one task, or one the ECS agent
/// reserves on every instance, is an error where it was written.
fn distinct_host_ports(dec: &mut Decoder, sc: &Scenario, ports: &[(u16, Pos, String)]) -> Vec<u16> {
    let mut host_ports: Vec<u16> = Vec::new();
    for (p, pos, pp) in ports {
        if host_ports.contains(p) {
            dec.error(*pos, pp, format!("host port {p} is mapped twice in one task"));
        } else if sc.reserved_ports.contains(p) {
            dec.error_hint(
                *pos,
                pp,
                format!("host port {p} is reserved by the ECS agent on every instance"),
                Some(format!("reserved ports: {:?}", sc.reserved_ports)),
            );
        } else {
            host_ports.push(*p);
        }
    }
    host_ports.sort_unstable();
    host_ports
}

/// A container's `resource_requirements = [{ type = "GPU", value = "1" }]` (ECS's
/// `resourceRequirements`; the value is a string, as in the API): the GPUs it asks for.
fn resource_requirements(dec: &mut Decoder, node: &Node, path: &str) -> u32 {
    let mut gpus = 0;
    for (k, item) in dec.array(node, path).unwrap_or(&[]).iter().enumerate() {
        let p = format!("{path}[{k}]");
        let Some(mut t) = dec.table(item, &p) else { continue };
        let kind = t.req(dec, "type").and_then(|n| {
            dec.one_of(
                n,
                &format!("{p}.type"),
                "resource requirement",
                &["GPU", "InferenceAccelerator"],
            )
        });
        let value = t.req(dec, "value");
        t.finish(dec, &fields::keys(fields::RESOURCE_REQUIREMENT));
        if kind == Some("InferenceAccelerator") {
            dec.error_hint(
                item.pos,
                &format!("{p}.type"),
                "Elastic Inference accelerators are not simulated (the service has ended)",
                Some("use type = \"GPU\"".into()),
            );
            continue;
        }
        let Some(v) = value else { continue };
        let n = match &v.kind {
            NodeKind::Str(s) => s.trim().parse::<u32>().ok().filter(|n| (1..=64).contains(n)),
            _ => None,
        };
        let text = match &v.kind {
            NodeKind::Str(s) => s.trim().to_string(),
            _ => String::new(),
        };
        match n {
            Some(n) => gpus += n,
            // The ECS guide also allows "ALL" and fractional values (on fractional-GPU types).
            None if text == "ALL" || text.contains('.') => dec.error_hint(
                v.pos,
                &format!("{p}.value"),
                format!("GPU value \"{text}\" is not simulated: only whole GPUs are"),
                Some("give the number of GPUs, e.g. value = \"1\"".into()),
            ),
            None => dec.error_hint(
                v.pos,
                &format!("{p}.value"),
                "expected a whole number of GPUs from 1 to 64, as a string",
                Some("write value = \"1\" (the ECS API takes the count as a string)".into()),
            ),
        }
    }
    gpus
}

/// Is `name` shaped like a real EC2 type, `family.size` with a size such as `large`,
/// `3xlarge` or `metal`? Such a name is a machine the catalog lacks, not a typo.
fn looks_like_instance_type(name: &str) -> bool {
    let Some((family, size)) = name.split_once('.') else {
        return false;
    };
    let sizes = ["nano", "micro", "small", "medium", "large", "xlarge", "metal"];
    let multiple = size
        .strip_suffix("xlarge")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    !family.is_empty() && (sizes.contains(&size) || multiple || size.starts_with("metal-"))
}

/// The group's `instance_type`. A well-formed type the catalog lacks gets a hint on how to
/// define it under `[[instance_types]]` (a near name would be a different machine); a typo
/// gets the nearest built-in name.
/// A group's `instance_type`: one the scenario defines, else the catalog's (added to the
/// scenario's types on first use).
fn instance_type_ref(dec: &mut Decoder, t: &mut Fields<'_>, sc: &mut Scenario) -> Option<usize> {
    let n = t.req(dec, "instance_type")?;
    let p = t.path_of("instance_type");
    let name = dec.string(n, &p)?;
    if let Some(k) = sc.instance_types.iter().position(|ty| ty.name == name) {
        return Some(k);
    }
    if let Some(ty) = catalog_type(&name) {
        sc.instance_types.push(ty);
        return Some(sc.instance_types.len() - 1);
    }
    let names = || {
        sc.instance_types
            .iter()
            .map(|ty| ty.name.as_str())
            .chain(catalog_entries().iter().map(|e| e.instance_type.name.as_str()))
    };
    let define = format!(
        "the catalog of {} Linux types (`ecsim catalog`) lacks it; define it: [[instance_types]] name = \"{name}\", vcpu = ..., memory_mib = ..., max_eni = ..., price_per_hour_usd = ...",
        catalog_entries().len()
    );
    // A well-formed name the catalog lacks is a machine it does not list, not a typo: a
    // near name would be a different machine.
    let hint = if looks_like_instance_type(&name) {
        define
    } else {
        suggest(&name, names()).unwrap_or(define)
    };
    dec.error_hint(n.pos, &p, format!("unknown instance type \"{name}\""), Some(hint));
    None
}

/// The smallest container or task memory ECS accepts: "The Docker 20.10.0 or later daemon
/// reserves a minimum of 6 MiB of memory for a container, so don't specify fewer than 6 MiB"
/// (ECS task definition parameters).
const MIN_MEMORY_MIB: u32 = 6;

/// A task or container memory amount (`memory`, `memory_reservation`): at least 6 MiB.
fn task_memory_mib(dec: &mut Decoder, n: &Node, path: &str) -> Option<u32> {
    let v = memory_mib(dec, n, path)?;
    if v < MIN_MEMORY_MIB {
        dec.error_hint(
            n.pos,
            path,
            format!("memory of {v} MiB is below the {MIN_MEMORY_MIB} MiB Docker reserves for a container"),
            Some("give at least 6 MiB (ECS rejects less)".into()),
        );
        return None;
    }
    Some(v)
}

/// Warns when a placement strategy or memberOf expression names an attribute that no
/// instance of the scenario has (custom attributes are legal, so not an error): spread then
/// treats every instance alike and memberOf matches nothing.
fn warn_unknown_attributes<'n>(
    dec: &mut Decoder,
    sc: &Scenario,
    pos: Pos,
    path: &str,
    names: impl IntoIterator<Item = &'n str>,
) {
    let mut known: Vec<&str> = vec![
        "ecs.availability-zone",
        "ecs.instance-type",
        "ecs.os-type",
        "ecs.cpu-architecture",
    ];
    for g in &sc.instance_groups {
        known.extend(g.attributes.iter().map(|(k, _)| k.as_str()));
    }
    if sc.instance_groups.is_empty() {
        return;
    }
    for name in names {
        if known.contains(&name) {
            continue;
        }
        let hint = crate::aws::ecs::placement::query::suggest(&name.replace('_', "-"), known.iter().copied())
            .or_else(|| crate::aws::ecs::placement::query::suggest(name, known.iter().copied()));
        dec.warn(
            pos,
            path,
            format!("no instance has the attribute `{name}`"),
            hint.or_else(|| Some(format!("attributes instances have: {}", known.join(", ")))),
        );
    }
}

/// The attribute names a strategy list and a constraint list refer to.
fn referenced_attributes<'s>(strategies: &'s [StrategySpec], constraints: &'s [ConstraintSpec]) -> Vec<&'s str> {
    let mut names: Vec<&str> = strategies
        .iter()
        .filter_map(|s| match s {
            StrategySpec::SpreadAttribute(a) => Some(a.as_str()),
            _ => None,
        })
        .collect();
    for c in constraints {
        if let ConstraintSpec::MemberOf { expr, .. } = c {
            names.extend(expr.attribute_names());
        }
    }
    names
}

/// `ephemeral_storage = { size_in_gib = N }` as the ECS API's `ephemeralStorage.sizeInGiB`:
/// "The minimum supported value is 21 GiB and the maximum supported value is 200 GiB."
fn ephemeral_storage(dec: &mut Decoder, n: &Node, path: &str) -> Option<u32> {
    let mut t = dec.table(n, path)?;
    let size = t
        .req(dec, "size_in_gib")
        .and_then(|v| dec.int(v, &format!("{path}.size_in_gib"), 21, 200));
    t.finish(dec, &fields::keys(fields::EPHEMERAL_STORAGE));
    size.map(|v| v as u32)
}

fn task_definition_ref(dec: &mut Decoder, t: &mut Fields<'_>, sc: &Scenario) -> Option<usize> {
    t.name_ref(
        dec,
        "task_definition",
        "task definition",
        sc.task_definitions.iter().map(|d| d.family.as_str()),
        Some("define it under [[task_definitions]] with this `family`"),
    )
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
fn decode_services(dec: &mut Decoder, node: &Node, base_dir: &Path, sc: &mut Scenario) {
    let Some(items) = dec.bounded_array(node, "services", MAX_SERVICES, "ECS allows 5,000 services per cluster") else {
        return;
    };
    // Names seen so far, so that a duplicate is found without rescanning (linear in the file).
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("services[{i}]");
        let Some(mut t) = dec.table(item, &path) else {
            continue;
        };
        let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
        if let Some(n) = &name {
            if !seen.insert(n.clone()) {
                dec.error(
                    t.pos,
                    &format!("{path}.name"),
                    format!("service \"{n}\" is defined twice"),
                );
            }
        }
        let td = task_definition_ref(dec, &mut t, sc);
        let daemon = t.opt("scheduling_strategy").and_then(|n| {
            dec.one_of(
                n,
                &format!("{path}.scheduling_strategy"),
                "scheduling strategy",
                &["REPLICA", "DAEMON"],
            )
        }) == Some("DAEMON");
        let scheduling = service_scheduling(dec, &mut t, &path, daemon);
        let (placement_strategy, constraints) = service_placement(dec, &mut t, &path, daemon, sc);
        let run_time = t
            .opt("task_run_time")
            .and_then(|n| duration_dist(dec, n, &format!("{path}.task_run_time")));
        let launch = elastic::decode_launch(dec, &mut t, &sc.capacity_providers)
            .or_else(|| sc.elastic.default_strategy.clone().map(Launch::Strategy))
            .unwrap_or(Launch::Ec2);
        let load_node = t.opt("load");
        let load = load_node.and_then(|n| elastic::decode_load(dec, n, &format!("{path}.load"), base_dir));
        let auto_scaling = service_auto_scaling(dec, &mut t, &path, daemon, load_node.is_none());
        if daemon && launch_is_fargate(&launch, &sc.capacity_providers) {
            dec.error(
                t.pos,
                &format!("{path}.launch_type"),
                "DAEMON services are not supported on Fargate",
            );
        }
        let spread_az_first = match &placement_strategy {
            None => true,
            Some(v) => matches!(v.first(), Some(StrategySpec::SpreadAttribute(a)) if a == "ecs.availability-zone"),
        } || launch_is_fargate(&launch, &sc.capacity_providers);
        let deployment = faults::decode_deployment_config(dec, &mut t, daemon, spread_az_first);
        let load_balancers = match (t.opt("load_balancers"), td) {
            (Some(n), Some(td)) => {
                let def = &sc.task_definitions[td];
                load_balancing::decode_service_load_balancers(
                    dec,
                    n,
                    &format!("{path}.load_balancers"),
                    &sc.target_groups,
                    &def.containers,
                    def.network_mode == NetworkMode::Awsvpc,
                )
            }
            _ => Vec::new(),
        };
        let t_pos = t.pos;
        t.finish(dec, &fields::keys(fields::SERVICE));
        if let (Some(name), Some(td), Some(scheduling)) = (name, td, scheduling) {
            check_fargate_task(dec, sc, td, &launch, t_pos, &path);
            sc.services.push(ServiceSpec {
                name,
                task_definition: td,
                scheduling,
                placement_strategy: if daemon { Some(Vec::new()) } else { placement_strategy },
                placement_constraints: constraints,
                task_run_time: run_time,
                launch,
                load,
                auto_scaling,
                deployment,
                load_balancers,
            });
        }
    }
}

/// A service's scheduling: DAEMON (no desired count), or REPLICA with its desired count.
fn service_scheduling(dec: &mut Decoder, t: &mut Fields<'_>, path: &str, daemon: bool) -> Option<SchedulingStrategy> {
    let desired = t.opt("desired_count");
    if daemon {
        if let Some(d) = desired {
            dec.error_hint(
                d.pos,
                &format!("{path}.desired_count"),
                "a DAEMON service has no desired count",
                Some("remove desired_count; ECS runs one task per instance".into()),
            );
        }
        Some(SchedulingStrategy::Daemon)
    } else {
        match desired {
            Some(d) => dec
                .int(d, &format!("{path}.desired_count"), 0, 5000)
                .map(|n| SchedulingStrategy::Replica {
                    desired_count: n as u32,
                }),
            None => {
                dec.error_hint(
                    t.pos,
                    &format!("{path}.desired_count"),
                    "missing required field `desired_count` for a REPLICA service",
                    Some("add desired_count = 2, or scheduling_strategy = \"DAEMON\"".into()),
                );
                None
            }
        }
    }
}

/// A service's placement strategy (`None`: ECS's default) and constraints; a DAEMON service
/// takes no strategy. Attributes the cluster never sets are warned about.
fn service_placement(
    dec: &mut Decoder,
    t: &mut Fields<'_>,
    path: &str,
    daemon: bool,
    sc: &Scenario,
) -> (Option<Vec<StrategySpec>>, Vec<ConstraintSpec>) {
    let strategy = t.opt("placement_strategy");
    // An empty list is "no strategy given": the service gets ECS's default AZ-balanced
    // spread, as DescribeServices shows `placementStrategy: []` for such services.
    let placement_strategy = strategy
        .and_then(|n| decode_strategy(dec, n, &format!("{path}.placement_strategy")))
        .filter(|v| !v.is_empty());
    if daemon {
        if let Some(s) = strategy {
            dec.error_hint(
                s.pos,
                &format!("{path}.placement_strategy"),
                "DAEMON services take no placement strategy",
                Some("remove placement_strategy".into()),
            );
        }
    }
    let constraints = placement_constraints(dec, t, path, sc, strategy, placement_strategy.as_deref());
    (placement_strategy, constraints)
}

/// The `placement_constraints` of a service or batch job. Attributes that its strategy or
/// constraints name and the cluster never sets are warned about, at the strategy (node
/// `strategy_node`) or else the constraints.
fn placement_constraints(
    dec: &mut Decoder,
    t: &mut Fields<'_>,
    path: &str,
    sc: &Scenario,
    strategy_node: Option<&Node>,
    strategy: Option<&[StrategySpec]>,
) -> Vec<ConstraintSpec> {
    let constraints_node = t.opt("placement_constraints");
    let constraints = constraints_node
        .map(|n| decode_constraints(dec, n, &format!("{path}.placement_constraints")))
        .unwrap_or_default();
    let names = referenced_attributes(strategy.unwrap_or(&[]), &constraints);
    let at = strategy_node.or(constraints_node).map_or(t.pos, |n| n.pos);
    warn_unknown_attributes(dec, sc, at, &format!("{path}.placement"), names);
    constraints
}

/// A batch job's `on_no_capacity`: wait (the default) or fail.
fn on_no_capacity_of(dec: &mut Decoder, t: &mut Fields<'_>, path: &str) -> OnNoCapacity {
    t.opt("on_no_capacity")
        .and_then(|n| {
            dec.one_of(
                n,
                &format!("{path}.on_no_capacity"),
                "on_no_capacity",
                &["wait", "fail"],
            )
        })
        .map_or(OnNoCapacity::Wait, |s| {
            if s == "fail" {
                OnNoCapacity::Fail
            } else {
                OnNoCapacity::Wait
            }
        })
}

/// A service's auto scaling: not for DAEMON services, and its dynamic policies need a load
/// model (`load_missing`: the service has no `load`).
fn service_auto_scaling(
    dec: &mut Decoder,
    t: &mut Fields<'_>,
    path: &str,
    daemon: bool,
    load_missing: bool,
) -> Option<ScalingConfig> {
    let scaling_node = t.opt("auto_scaling");
    let auto_scaling = scaling_node.and_then(|n| elastic::decode_auto_scaling(dec, n, &format!("{path}.auto_scaling")));
    if let (Some(n), true) = (scaling_node, daemon) {
        dec.error_hint(
            n.pos,
            &format!("{path}.auto_scaling"),
            "DAEMON services cannot use service auto scaling",
            Some("remove auto_scaling".into()),
        );
    }
    if let Some(a) = &auto_scaling {
        let needs_load = a.target_tracking.iter().any(|_| true) || !a.step.is_empty();
        if needs_load && load_missing {
            dec.error_hint(
                scaling_node.map_or(t.pos, |n| n.pos),
                &format!("{path}.load"),
                "dynamic scaling policies need a load model to produce their metrics",
                Some("add load = { requests = { type = \"constant\", rps = 100 }, task_capacity_rps = 50 }".into()),
            );
        }
    }
    auto_scaling
}

// Long: a flat sequence of field reads, one per scenario field, so every problem is reported
// with its position; a declarative schema replacing it is the scenario-schema issue's work
fn decode_jobs(dec: &mut Decoder, node: &Node, base_dir: &Path, sc: &mut Scenario) {
    let Some(items) = dec.bounded_array(
        node,
        "batch_jobs",
        MAX_BATCH_JOBS,
        "split the workload over several scenarios",
    ) else {
        return;
    };
    // Names seen so far, so that a duplicate is found without rescanning (linear in the file).
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("batch_jobs[{i}]");
        let Some(mut t) = dec.table(item, &path) else {
            continue;
        };
        let name = t.req(dec, "name").and_then(|n| dec.string(n, &format!("{path}.name")));
        if let Some(n) = &name {
            if !seen.insert(n.clone()) {
                dec.error(
                    t.pos,
                    &format!("{path}.name"),
                    format!("batch job \"{n}\" is defined twice"),
                );
            }
        }
        let td = task_definition_ref(dec, &mut t, sc);
        let arrivals = t
            .req(dec, "arrivals")
            .and_then(|n| decode_arrivals(dec, n, &format!("{path}.arrivals"), base_dir));
        let count = t
            .opt("count")
            .and_then(|n| dec.int(n, &format!("{path}.count"), 1, 10))
            .unwrap_or(1) as u32;
        let dur_node = t.opt("task_duration");
        let task_duration = dur_node.and_then(|n| duration_dist(dec, n, &format!("{path}.task_duration")));
        if dur_node.is_none() && matches!(arrivals, Some(Arrivals::Poisson { .. })) {
            dec.error_hint(
                t.pos,
                &format!("{path}.task_duration"),
                "a Poisson batch job needs task_duration",
                Some("add task_duration = { type = \"exponential\", mean = \"10m\" }".into()),
            );
        }
        let strategy_node = t.opt("placement_strategy");
        let placement_strategy =
            strategy_node.and_then(|n| decode_strategy(dec, n, &format!("{path}.placement_strategy")));
        let constraints = placement_constraints(dec, &mut t, &path, sc, strategy_node, placement_strategy.as_deref());
        let group = t.opt("group").and_then(|n| dec.string(n, &format!("{path}.group")));
        let on_no_capacity = on_no_capacity_of(dec, &mut t, &path);
        let start = t
            .opt("start")
            .and_then(|n| duration(dec, n, &format!("{path}.start")))
            .unwrap_or(0);
        let stop = t.opt("stop").and_then(|n| duration(dec, n, &format!("{path}.stop")));
        let launch = elastic::decode_launch(dec, &mut t, &sc.capacity_providers)
            .or_else(|| sc.elastic.default_strategy.clone().map(Launch::Strategy))
            .unwrap_or(Launch::Ec2);
        let t_pos = t.pos;
        t.finish(dec, &fields::keys(fields::BATCH_JOB));
        if let (Some(name), Some(td), Some(arrivals)) = (name, td, arrivals) {
            let group = group.unwrap_or_else(|| format!("family:{}", sc.task_definitions[td].family));
            check_fargate_task(dec, sc, td, &launch, t_pos, &path);
            sc.batch_jobs.push(BatchJobSpec {
                name,
                task_definition: td,
                arrivals,
                count,
                task_duration,
                placement_strategy,
                placement_constraints: constraints,
                group,
                on_no_capacity,
                start_ms: start,
                stop_ms: stop,
                launch,
            });
        }
    }
}

fn decode_arrivals(dec: &mut Decoder, node: &Node, path: &str, base_dir: &Path) -> Option<Arrivals> {
    let mut t = dec.table(node, path)?;
    let kind = t.req(dec, "type").and_then(|n| {
        dec.one_of(
            n,
            &format!("{path}.type"),
            "arrival process",
            &["poisson", "trace", "schedule"],
        )
    });
    let out = match kind {
        Some("poisson") => {
            let rate = t
                .req(dec, "rate_per_hour")
                .and_then(|n| dec.number(n, &format!("{path}.rate_per_hour"), 0.0, 1.0e9));
            t.finish(dec, &fields::keys(fields::ARRIVALS_POISSON));
            rate.map(|r| Arrivals::Poisson { rate_per_hour: r })
        }
        Some("schedule") => return elastic::decode_schedule_arrivals(dec, t).map(Arrivals::Schedule),
        Some("trace") => {
            let file_node = t.req(dec, "file");
            let file = file_node.and_then(|n| dec.string(n, &format!("{path}.file")));
            let start = t
                .opt("start")
                .and_then(|n| duration(dec, n, &format!("{path}.start")))
                .unwrap_or(0);
            let end = t.opt("end").and_then(|n| duration(dec, n, &format!("{path}.end")));
            let speedup = t
                .opt("speedup")
                .and_then(|n| dec.number(n, &format!("{path}.speedup"), 1e-6, 1e6))
                .unwrap_or(1.0);
            let max_rows = t
                .opt("max_rows")
                .and_then(|n| dec.int(n, &format!("{path}.max_rows"), 1, i64::MAX))
                .map(|v| v as usize);
            t.finish(dec, &fields::keys(fields::ARRIVALS_TRACE));
            let (file, file_node) = (file?, file_node?);
            let full = base_dir.join(&file);
            if !full.is_file() {
                let what = if full.is_dir() {
                    "is a directory, not a file"
                } else if full.exists() {
                    "is not a regular file"
                } else {
                    "not found"
                };
                dec.error_hint(
                    file_node.pos,
                    &format!("{path}.file"),
                    format!("trace file \"{file}\" {what} (looked for {})", full.display()),
                    Some("paths are relative to the scenario file's directory".into()),
                );
                return None;
            }
            let window = TraceWindow {
                start_ms: start,
                end_ms: end,
                speedup,
                max_rows,
            };
            dec.inputs.push(full.clone());
            match load_trace(&full, &window) {
                Ok(rows) => Some(Arrivals::Trace {
                    file,
                    rows: Arc::new(rows),
                }),
                Err(e) => {
                    dec.error(file_node.pos, &format!("{path}.file"), e);
                    None
                }
            }
        }
        _ => None,
    };
    out
}

fn decode_lifecycle(dec: &mut Decoder, node: &Node, sc: &mut Scenario) {
    let Some(mut t) = dec.table(node, "lifecycle") else {
        return;
    };
    if let Some(n) = t.opt("provisioning") {
        if let Some(d) = duration_dist(dec, n, "lifecycle.provisioning") {
            sc.lifecycle.provisioning = d;
        }
    }
    if let Some(n) = t.opt("awsvpc_provisioning") {
        if let Some(d) = duration_dist(dec, n, "lifecycle.awsvpc_provisioning") {
            sc.lifecycle.awsvpc_provisioning = d;
        }
    }
    if let Some(n) = t.opt("pending") {
        if let Some(d) = duration_dist(dec, n, "lifecycle.pending") {
            sc.lifecycle.pending = d;
        }
    }
    if let Some(n) = t.opt("reconcile_interval") {
        if let Some(ms) = duration(dec, n, "lifecycle.reconcile_interval") {
            if ms == 0 {
                dec.error(
                    n.pos,
                    "lifecycle.reconcile_interval",
                    "the reconcile interval must be greater than zero",
                );
            } else {
                sc.lifecycle.reconcile_interval_ms = ms;
            }
        }
    }
    t.finish(dec, &fields::keys(fields::LIFECYCLE));
}

/// Fargate needs a valid task-level size and the awsvpc network mode (ecs-semantics §4.1).
fn check_fargate_task(dec: &mut Decoder, sc: &Scenario, td: usize, launch: &Launch, pos: Pos, path: &str) {
    if !launch_is_fargate(launch, &sc.capacity_providers) {
        return;
    }
    let d = &sc.task_definitions[td];
    if d.network_mode != NetworkMode::Awsvpc {
        dec.error_hint(
            pos,
            path,
            format!(
                "task definition \"{}\" runs on Fargate but its network_mode is not awsvpc",
                d.family
            ),
            Some("set network_mode = \"awsvpc\" on the task definition".into()),
        );
    }
    if !d.task_level_size {
        dec.error_hint(
            pos,
            path,
            format!(
                "task definition \"{}\" runs on Fargate, which requires task-level cpu and memory",
                d.family
            ),
            Some("set cpu and memory on the task definition itself".into()),
        );
    } else if let Err(e) = crate::aws::ecs::fargate::check_size(d.demand.cpu_units, d.demand.memory_mib) {
        dec.error_hint(pos, path, format!("task definition \"{}\": {e}", d.family), None);
    }
    if d.demand.gpus > 0 {
        dec.error_hint(
            pos,
            path,
            format!(
                "task definition \"{}\" asks for GPUs, which Fargate does not offer",
                d.family
            ),
            Some("run it on EC2 with a GPU instance type (launch_type = \"EC2\")".into()),
        );
    }
}

/// Every task definition in use must fit on at least one instance group as registered.
fn check_tasks_fit(dec: &mut Decoder, sc: &Scenario, root: &Node) {
    if sc.instance_groups.is_empty() {
        return;
    }
    let td_nodes: Vec<&Node> = match &root.kind {
        NodeKind::Table(entries) => entries
            .iter()
            .find(|e| e.key == "task_definitions")
            .and_then(|e| match &e.value.kind {
                NodeKind::Array(items) => Some(items.iter().collect()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let on_ec2 = definitions_on_ec2(sc);
    for (i, td) in sc.task_definitions.iter().enumerate() {
        if !on_ec2.contains(&i) || fits_some_group(sc, &td.demand) {
            continue;
        }
        let pos = td_nodes.get(i).map_or(Pos::default(), |n| n.pos);
        let most_gpus = sc
            .instance_groups
            .iter()
            .map(|g| sc.instance_types[g.instance_type].gpus)
            .max()
            .unwrap_or(0);
        if td.demand.gpus > most_gpus {
            // Placement would fail with RESOURCE:GPU on every instance.
            too_many_gpus(dec, pos, i, td, most_gpus);
        } else {
            too_large(dec, sc, pos, i, td);
        }
    }
}

/// The task definitions some service or batch job runs on container instances (not Fargate).
fn definitions_on_ec2(sc: &Scenario) -> Vec<usize> {
    sc.services
        .iter()
        .map(|s| (s.task_definition, &s.launch))
        .chain(sc.batch_jobs.iter().map(|j| (j.task_definition, &j.launch)))
        .filter(|(_, l)| !launch_is_fargate(l, &sc.capacity_providers))
        .map(|(td, _)| td)
        .collect()
}

/// Whether an empty instance of some instance group holds a task of demand `d`.
fn fits_some_group(sc: &Scenario, d: &TaskDemand) -> bool {
    sc.instance_groups.iter().any(|g| {
        let ty = &sc.instance_types[g.instance_type];
        ty.cpu_units() >= d.cpu_units
            && ty.registered_memory(sc.registered_memory_fraction, g.reserved_memory_mib) >= d.memory_mib
            && (!d.uses_eni || ty.eni_task_slots(g.trunking) >= 1)
            && ty.gpus >= d.gpus
    })
}

/// The error for a task definition that needs more GPUs than any group's type has, with the
/// cheapest catalog type that has enough as the fix.
fn too_many_gpus(dec: &mut Decoder, pos: Pos, i: usize, td: &TaskDefinitionSpec, most_gpus: u32) {
    let d = &td.demand;
    let cheapest = catalog_entries()
        .iter()
        .map(|e| &e.instance_type)
        .filter(|t| t.gpus >= d.gpus && t.price_per_hour_usd > 0.0 && t.cpu_units() >= d.cpu_units)
        .min_by(|a, b| a.price_per_hour_usd.total_cmp(&b.price_per_hour_usd))
        .map(|t| t.name.clone());
    dec.error_hint(
        pos,
        &format!("task_definitions[{i}]"),
        format!(
            "task definition \"{}\" needs {} GPU(s); the instance groups offer at most {most_gpus} per instance",
            td.family, d.gpus
        ),
        Some(cheapest.map_or("no catalog type has that many GPUs".into(), |c| {
            format!("use a GPU instance type such as {c} (`ecsim catalog` lists gpus)")
        })),
    );
}

/// The error for a task definition larger than every group's instances, naming the largest
/// and, as the fix, the cheapest type that holds it among the scenario's and the catalog's
/// priced ones.
fn too_large(dec: &mut Decoder, sc: &Scenario, pos: Pos, i: usize, td: &TaskDefinitionSpec) {
    let d = &td.demand;
    let biggest = sc
        .instance_groups
        .iter()
        .map(|g| {
            let ty = &sc.instance_types[g.instance_type];
            (
                ty.registered_memory(sc.registered_memory_fraction, g.reserved_memory_mib),
                ty.cpu_units(),
                ty.name.clone(),
            )
        })
        .max()
        .expect("groups not empty");
    let bigger = sc
        .instance_types
        .iter()
        .chain(
            catalog_entries()
                .iter()
                .map(|e| &e.instance_type)
                .filter(|t| t.price_per_hour_usd > 0.0),
        )
        .filter(|t| {
            t.cpu_units() >= d.cpu_units && t.registered_memory(sc.registered_memory_fraction, 0) >= d.memory_mib
        })
        .min_by(|a, b| a.price_per_hour_usd.total_cmp(&b.price_per_hour_usd))
        .map(|t| t.name.clone());
    let hint = match bigger {
        Some(b) => format!("use a larger instance type such as {b}, or make the task smaller"),
        None => "no known instance type is large enough; make the task smaller".to_string(),
    };
    dec.error_hint(
        pos,
        &format!("task_definitions[{i}]"),
        format!(
            "task definition \"{}\" needs {} CPU units and {} MiB, more than any instance group offers (largest: {} registers {} CPU units and {} MiB)",
            td.family, d.cpu_units, d.memory_mib, biggest.2, biggest.1, biggest.0
        ),
        Some(hint),
    );
}
