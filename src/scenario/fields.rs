//! The scenario schema, declared once: every table and field a scenario file may hold, with
//! its type, unit, default, allowed range, the ECS/AWS name it mirrors and what it means.
//!
//! From this declaration come the decoder's known keys (each table's `finish` lists the keys
//! declared here, so an unknown field and its "did you mean" hint are checked against it),
//! the generated field reference (`ecsim schema --reference`, committed as
//! `docs/scenario-reference.md`) and the JSON Schema editors use (`ecsim schema`, committed as
//! `docs/ecsim.schema.json`). A test checks both committed files are up to date and that every
//! example validates against the schema with an independent validator.
//!
//! The typed reading (what a value means, cross-field rules, positions in messages) stays in
//! the decoder modules; the ranges declared here are the ones they enforce.

use serde_json::{json, Map, Value};

/// A field's type.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    Bool,
    /// An integer in `min..=max`.
    Int(i64, i64),
    /// A number in `min..=max`.
    Number(f64, f64),
    Str,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// `250ms`, `90s`, `5m`, `2h`, `7d`, `1h30m`.
    Duration,
    /// A duration, or `{ type = "constant" | "exponential" | "uniform" | "lognormal", ... }`.
    Distribution,
    /// An RFC 3339 date-time (a TOML date-time literal, or a string in JSON).
    DateTime,
    /// CPU units (1024 per vCPU, 0 to 10,000,000), or a string such as `"0.5 vCPU"`.
    Cpu,
    /// MiB (6, what Docker reserves, to 100,000,000), or a string such as `"1 GB"`.
    Memory,
    Table(&'static [Field]),
    Array(&'static Ty),
    /// A table whose keys are names chosen by the user.
    Map(&'static Ty),
    /// A table chosen by its `type` field.
    Tagged(&'static [Variant]),
    /// Any value (sweep values, expectation values).
    Any,
}

/// One variant of a [`Ty::Tagged`] table: its `type` and its other fields.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub tag: &'static str,
    pub fields: &'static [Field],
    pub doc: &'static str,
}

/// One field of a table.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// The default as text ("" when there is none or the field is required).
    pub default: &'static str,
    pub unit: &'static str,
    /// The ECS / AWS API name the field mirrors ("" when it is ecsim's own).
    pub aws: &'static str,
    pub doc: &'static str,
}

const fn f(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        default: "",
        unit: "",
        aws: "",
        doc,
    }
}

impl Field {
    const fn req(mut self) -> Self {
        self.required = true;
        self
    }
    const fn def(mut self, d: &'static str) -> Self {
        self.default = d;
        self
    }
    const fn unit(mut self, u: &'static str) -> Self {
        self.unit = u;
        self
    }
    const fn aws(mut self, a: &'static str) -> Self {
        self.aws = a;
        self
    }
}

const fn v(tag: &'static str, fields: &'static [Field], doc: &'static str) -> Variant {
    Variant { tag, fields, doc }
}

const STR_LIST: Ty = Ty::Array(&Ty::Str);
const NAME: Ty = Ty::Str;

// ---- shared pieces ----

pub const STRATEGY_ITEM: &[Field] = &[
    f(
        "capacity_provider",
        NAME,
        "A capacity provider: an [[capacity_providers]] name, FARGATE or FARGATE_SPOT.",
    )
    .req()
    .aws("capacityProvider"),
    f("base", Ty::Int(0, 100_000), "Tasks placed on this provider first.")
        .def("0")
        .aws("base"),
    f("weight", Ty::Int(0, 1000), "Share of the tasks beyond the bases.")
        .def("0")
        .aws("weight"),
];
const STRATEGY: Ty = Ty::Array(&Ty::Table(STRATEGY_ITEM));

pub const PLACEMENT_STRATEGY_ITEM: &[Field] = &[
    f("type", Ty::Enum(&["binpack", "spread", "random"]), "The strategy.")
        .req()
        .aws("type"),
    f(
        "field",
        Ty::Str,
        "binpack: cpu or memory; spread: instanceId, host or attribute:<name>; random: none.",
    )
    .aws("field"),
];
pub const CONSTRAINT: &[Field] = &[
    f("type", Ty::Enum(&["distinctInstance", "memberOf"]), "The constraint.")
        .req()
        .aws("type"),
    f("expression", Ty::Str, "memberOf: a cluster query language expression.").aws("expression"),
];
const PLACEMENT_STRATEGY: Ty = Ty::Array(&Ty::Table(PLACEMENT_STRATEGY_ITEM));
const CONSTRAINTS: Ty = Ty::Array(&Ty::Table(CONSTRAINT));
const LAUNCH_TYPE: Ty = Ty::Enum(&["EC2", "FARGATE"]);

pub const DIST_CONSTANT: &[Field] = &[
    f("type", Ty::Str, "constant").req(),
    f("value", Ty::Duration, "The duration.").req(),
];
pub const DIST_EXPONENTIAL: &[Field] = &[
    f("type", Ty::Str, "exponential").req(),
    f("mean", Ty::Duration, "The mean.").req(),
];
pub const DIST_UNIFORM: &[Field] = &[
    f("type", Ty::Str, "uniform").req(),
    f("min", Ty::Duration, "The least value.").req(),
    f("max", Ty::Duration, "The greatest value.").req(),
];
pub const DIST_LOGNORMAL: &[Field] = &[
    f("type", Ty::Str, "lognormal").req(),
    f("median", Ty::Duration, "The median.").req(),
    f(
        "sigma",
        Ty::Number(0.0, 10.0),
        "The standard deviation of the logarithm.",
    )
    .req(),
];
pub const DISTRIBUTIONS: &[Variant] = &[
    v("constant", DIST_CONSTANT, "Always the value."),
    v("exponential", DIST_EXPONENTIAL, "Exponentially distributed."),
    v("uniform", DIST_UNIFORM, "Uniform between min and max."),
    v("lognormal", DIST_LOGNORMAL, "Log-normal."),
];

// ---- [scenario], [cluster], [[instance_types]], [[instance_groups]] ----

pub const SCENARIO: &[Field] = &[
    f(
        "name",
        Ty::Str,
        "Names results/<name>/: letters, digits, '-', '_' and '.'.",
    )
    .def("the file's name"),
    f("description", Ty::Str, "Free text, shown in reports.").def("\"\""),
    f("seed", Ty::Int(0, i64::MAX), "The master seed of every random stream.").def("1"),
    f("duration", Ty::Duration, "How long the run lasts.").req(),
    f(
        "metrics_interval",
        Ty::Duration,
        "How often a metrics.csv row is written.",
    )
    .def("1m"),
    f(
        "max_events",
        Ty::Int(1, crate::engine::MAX_EVENTS as i64),
        "Stops a runaway scenario with a clear error.",
    )
    .def("50000000"),
    f(
        "max_waiting_tasks",
        Ty::Int(1, 100_000_000),
        "Tasks waiting for capacity at once; beyond it the run stops with an error.",
    )
    .def("1000000"),
    f(
        "start_time",
        Ty::DateTime,
        "Wall clock of t = 0 (registeredAt, cron schedules, plots).",
    )
    .def("2024-01-01T00:00:00Z"),
];

pub const CLUSTER: &[Field] = &[
    f(
        "availability_zones",
        Ty::Array(&Ty::Str),
        "The cluster's zones: letters, digits and '-'.",
    )
    .def("[\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]"),
    f(
        "registered_memory_fraction",
        Ty::Number(0.5, 1.0),
        "MemTotal / nominal memory for types without a documented registered memory (inferred).",
    )
    .def("0.975"),
    f(
        "max_container_instances",
        Ty::Int(1, 1_000_000),
        "Container instances per cluster (ECS's quota).",
    )
    .def("5000"),
    f(
        "reserved_ports",
        Ty::Array(&Ty::Int(0, 65535)),
        "Host ports the agent reserves.",
    )
    .def("[22, 2375, 2376, 51678, 51679]")
    .aws("ECS_RESERVED_PORTS"),
    f(
        "default_capacity_provider_strategy",
        STRATEGY,
        "Used by services and jobs that give neither launch_type nor a strategy.",
    )
    .aws("defaultCapacityProviderStrategy"),
    f(
        "provisioning_timeout",
        Ty::Duration,
        "Tasks waiting for managed capacity stop after this.",
    )
    .def("20m"),
    f(
        "provisioning_cap",
        Ty::Int(1, 1_000_000),
        "Tasks in PROVISIONING per cluster (quota).",
    )
    .def("300"),
    f(
        "legacy_multi_az_min_step",
        Ty::Bool,
        "The old rule: multi-AZ groups step by the minimum step size.",
    )
    .def("false"),
    f(
        "cpr_scale_in",
        Ty::Enum(&["m_over_n", "hundred_minus_empty"]),
        "How CapacityProviderReservation is computed when scaling in.",
    )
    .def("m_over_n"),
    f(
        "managed_draining_timeout",
        Ty::Duration,
        "How long managed draining waits for tasks.",
    )
    .def("1h"),
];

pub const INSTANCE_TYPE: &[Field] = &[
    f(
        "name",
        Ty::Str,
        "A catalog type to override field by field, or a new type.",
    )
    .req(),
    f(
        "vcpu",
        Ty::Int(1, 1024),
        "vCPUs (1024 CPU units each); required for a type the catalog lacks.",
    )
    .unit("vCPU"),
    f(
        "memory_mib",
        Ty::Int(1, i64::MAX),
        "Nominal memory; required for a type the catalog lacks.",
    )
    .unit("MiB"),
    f(
        "registered_memory_mib",
        Ty::Int(1, i64::MAX),
        "Memory the agent registers.",
    )
    .def("nominal x registered_memory_fraction")
    .unit("MiB"),
    f("max_eni", Ty::Int(1, 128), "Network interfaces (one is the primary).").def("3"),
    f(
        "trunk_eni_tasks",
        Ty::Int(1, 1000),
        "awsvpc tasks with ENI trunking; absent when unsupported.",
    ),
    f("price_per_hour_usd", Ty::Number(0.0, 1000.0), "On-demand price.").unit("USD/h"),
    f(
        "cpu_architecture",
        Ty::Enum(&["x86_64", "arm64"]),
        "The ecs.cpu-architecture attribute.",
    )
    .def("x86_64"),
    f("os_type", Ty::Str, "The ecs.os-type attribute.").def("linux"),
    f("gpus", Ty::Int(0, 64), "GPUs the instance registers.").def("0"),
];

pub const INSTANCE_GROUP: &[Field] = &[
    f(
        "name",
        Ty::Str,
        "The group (an Auto Scaling group when a capacity provider names it).",
    )
    .req()
    .aws("AutoScalingGroupName"),
    f(
        "instance_type",
        Ty::Str,
        "A catalog type (`ecsim catalog`) or an [[instance_types]] name.",
    )
    .req()
    .aws("InstanceType"),
    f(
        "count",
        Ty::Int(0, 1_000_000),
        "Instances at the start (the group's initial desired capacity).",
    )
    .req()
    .aws("DesiredCapacity"),
    f("availability_zones", STR_LIST, "Zones, round-robin.")
        .def("all of the cluster's")
        .aws("AvailabilityZones"),
    f("attributes", Ty::Map(&Ty::Str), "Custom container instance attributes.").aws("ECS_INSTANCE_ATTRIBUTES"),
    f("trunking", Ty::Bool, "ENI trunking (awsvpcTrunking account setting).").def("false"),
    f(
        "reserved_memory_mib",
        Ty::Int(0, 1_000_000),
        "Memory the agent keeps back.",
    )
    .def("0")
    .unit("MiB")
    .aws("ECS_RESERVED_MEMORY"),
    f("agent_version", Ty::Str, "The agent version attribute.").def("1.89.0"),
    f("min_size", Ty::Int(0, 1_000_000), "Auto Scaling group minimum.")
        .def("count")
        .aws("MinSize"),
    f("max_size", Ty::Int(0, 1_000_000), "Auto Scaling group maximum.")
        .def("count")
        .aws("MaxSize"),
    f("launch_latency", Ty::Distribution, "Launch to registration.").def("uniform 60-180 s"),
    f(
        "spot",
        Ty::Bool,
        "Spot instances (priced at pricing.ec2_spot_factor x on-demand).",
    )
    .def("false"),
    f(
        "price_per_hour_usd",
        Ty::Number(0.0, 1000.0),
        "Overrides the group's hourly price.",
    )
    .unit("USD/h"),
];

// ---- task definitions ----

pub const PORT_MAPPING: &[Field] = &[
    f("container_port", Ty::Int(1, 65535), "The container's port.")
        .req()
        .aws("containerPort"),
    f("host_port", Ty::Int(0, 65535), "0 (dynamic) or a static host port.")
        .def("0 in bridge mode, container_port otherwise")
        .aws("hostPort"),
    f(
        "protocol",
        Ty::Enum(&["tcp", "udp"]),
        "Not distinguished (see fidelity notes).",
    )
    .def("tcp")
    .aws("protocol"),
];
pub const CONTAINER_HEALTH_CHECK: &[Field] = &[
    f("interval", Ty::Duration, "Time between checks (5 to 300 s).")
        .def("30s")
        .aws("healthCheck.interval"),
    f("timeout", Ty::Duration, "A check's timeout (2 to 120 s).")
        .def("5s")
        .aws("healthCheck.timeout"),
    f("retries", Ty::Int(1, 10), "Failures before UNHEALTHY.")
        .def("3")
        .aws("healthCheck.retries"),
    f(
        "start_period",
        Ty::Duration,
        "Failures do not count this long after start (0 to 300 s).",
    )
    .def("0s")
    .aws("healthCheck.startPeriod"),
];
pub const RESOURCE_REQUIREMENT: &[Field] = &[
    f(
        "type",
        Ty::Enum(&["GPU", "InferenceAccelerator"]),
        "GPU (InferenceAccelerator is refused).",
    )
    .req()
    .aws("resourceRequirements.type"),
    f("value", Ty::Str, "Whole GPUs, as a string (\"1\").")
        .req()
        .aws("resourceRequirements.value"),
];
pub const CONTAINER: &[Field] = &[
    f("name", Ty::Str, "The container.").req().aws("name"),
    f("cpu", Ty::Cpu, "CPU units (missing counts 0).")
        .unit("CPU units")
        .aws("cpu"),
    f("memory", Ty::Memory, "Hard limit.").unit("MiB").aws("memory"),
    f(
        "memory_reservation",
        Ty::Memory,
        "Soft limit; what placement reserves when set.",
    )
    .unit("MiB")
    .aws("memoryReservation"),
    f("essential", Ty::Bool, "Whether the task stops when it exits.")
        .def("true")
        .aws("essential"),
    f("port_mappings", Ty::Array(&Ty::Table(PORT_MAPPING)), "Ports.").aws("portMappings"),
    f(
        "health_check",
        Ty::Table(CONTAINER_HEALTH_CHECK),
        "A container health check.",
    )
    .aws("healthCheck"),
    f("stop_timeout", Ty::Duration, "SIGTERM to SIGKILL, at most 120 s.")
        .def("30s")
        .aws("stopTimeout"),
    f(
        "resource_requirements",
        Ty::Array(&Ty::Table(RESOURCE_REQUIREMENT)),
        "GPUs (EC2 only).",
    )
    .aws("resourceRequirements"),
];
pub const EPHEMERAL_STORAGE: &[Field] = &[f(
    "size_in_gib",
    Ty::Int(21, 200),
    "Fargate ephemeral storage; above 20 GiB is billed.",
)
.req()
.unit("GiB")
.aws("ephemeralStorage.sizeInGiB")];
pub const APPLICATION: &[Field] = &[
    f(
        "check_failure_probability",
        Ty::Number(0.0, 1.0),
        "Each health check fails with this chance.",
    )
    .def("0"),
    f(
        "unhealthy_above_load",
        Ty::Number(0.01, 100.0),
        "Checks fail while the task's requests exceed this x its capacity.",
    ),
    f("shutdown_time", Ty::Duration, "Exits this long after SIGTERM.").def("0s"),
];
pub const TASK_DEFINITION: &[Field] = &[
    f(
        "family",
        Ty::Str,
        "The task definition's name (services and jobs name it).",
    )
    .req()
    .aws("family"),
    f(
        "network_mode",
        Ty::Enum(&["bridge", "host", "awsvpc"]),
        "awsvpc takes one ENI slot per task on EC2.",
    )
    .def("bridge")
    .aws("networkMode"),
    f("cpu", Ty::Cpu, "Task-level CPU.").unit("CPU units").aws("cpu"),
    f("memory", Ty::Memory, "Task-level memory.").unit("MiB").aws("memory"),
    f("placement_constraints", CONSTRAINTS, "memberOf constraints.").aws("placementConstraints"),
    f(
        "container_definitions",
        Ty::Array(&Ty::Table(CONTAINER)),
        "The containers.",
    )
    .aws("containerDefinitions"),
    f(
        "fails_to_start",
        Ty::Bool,
        "Every task stops before RUNNING (CannotPullContainerError).",
    )
    .def("false"),
    f(
        "crash_after",
        Ty::Distribution,
        "The essential container exits this long after RUNNING.",
    ),
    f(
        "ephemeral_storage",
        Ty::Table(EPHEMERAL_STORAGE),
        "Fargate ephemeral storage.",
    )
    .aws("ephemeralStorage"),
    f(
        "application",
        Ty::Table(APPLICATION),
        "The application's behaviour (no AWS counterpart).",
    ),
];

// ---- services and their load, scaling and deployments ----

pub const RATE_STEP: &[Field] = &[
    f("at", Ty::Duration, "From this time.").req(),
    f("rps", Ty::Number(0.0, 1e9), "Requests per second.").req(),
];
pub const CURVE_CONSTANT: &[Field] = &[
    f("type", Ty::Str, "constant").req(),
    f("rps", Ty::Number(0.0, 1e9), "Requests per second.").req(),
];
pub const CURVE_STEPS: &[Field] = &[
    f("type", Ty::Str, "steps").req(),
    f("steps", Ty::Array(&Ty::Table(RATE_STEP)), "In increasing time order.").req(),
];
pub const CURVE_DAILY: &[Field] = &[
    f("type", Ty::Str, "daily").req(),
    f("base_rps", Ty::Number(0.0, 1e9), "At the quietest hour.").req(),
    f("peak_rps", Ty::Number(0.0, 1e9), "At the peak.").req(),
    f("peak_hour", Ty::Number(0.0, 24.0), "Hour of the peak.").def("12"),
];
pub const CURVE_RAMP: &[Field] = &[
    f("type", Ty::Str, "ramp").req(),
    f("from_rps", Ty::Number(0.0, 1e9), "At start.").req(),
    f("to_rps", Ty::Number(0.0, 1e9), "At end.").req(),
    f("start", Ty::Duration, "When the ramp starts.").def("0s"),
    f("end", Ty::Duration, "When it ends.").req(),
];
pub const CURVE_TRACE: &[Field] = &[
    f("type", Ty::Str, "trace_per_minute or trace_requests").req(),
    f("file", Ty::Str, "CSV, relative to the scenario file.").req(),
    f("scale", Ty::Number(0.0, 1e6), "Multiplies the trace.").def("1.0"),
    f("repeat", Ty::Bool, "Start over at the trace's end.").def("true"),
];
pub const CURVES: &[Variant] = &[
    v("constant", CURVE_CONSTANT, "A constant rate."),
    v("steps", CURVE_STEPS, "A rate that changes at given times."),
    v("daily", CURVE_DAILY, "A daily cycle."),
    v("ramp", CURVE_RAMP, "A linear ramp."),
    v("trace_per_minute", CURVE_TRACE, "minute,requests rows."),
    v(
        "trace_requests",
        CURVE_TRACE,
        "The common trace shape: a request per row.",
    ),
];
pub const LOAD: &[Field] = &[
    f("requests", Ty::Tagged(CURVES), "The request curve.").req(),
    f(
        "task_capacity_rps",
        Ty::Number(1e-9, 1e9),
        "Requests per second one task serves at 100 % CPU.",
    )
    .req(),
    f("cpu_idle_pct", Ty::Number(0.0, 100.0), "CPU use with no requests.")
        .def("5")
        .unit("%"),
    f(
        "memory_idle_pct",
        Ty::Number(0.0, 1000.0),
        "Memory use with no requests.",
    )
    .def("40")
    .unit("%"),
    f(
        "memory_at_capacity_pct",
        Ty::Number(0.0, 1000.0),
        "Memory use at capacity.",
    )
    .def("60")
    .unit("%"),
    f(
        "request_service_time",
        Ty::Duration,
        "Mean time of one request at no load (latency model).",
    )
    .def("1 / task_capacity_rps"),
];

const METRIC: Ty = Ty::Enum(&[
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ALBRequestCountPerTarget",
]);
pub const TARGET_TRACKING: &[Field] = &[
    f("metric", METRIC, "The predefined metric.")
        .req()
        .aws("PredefinedMetricSpecification.PredefinedMetricType"),
    f("target", Ty::Number(1e-9, 1e9), "The target value.")
        .req()
        .aws("TargetValue"),
    f("scale_out_cooldown", Ty::Duration, "After a scale-out.")
        .def("300s")
        .aws("ScaleOutCooldown"),
    f("scale_in_cooldown", Ty::Duration, "After a scale-in.")
        .def("300s")
        .aws("ScaleInCooldown"),
    f("disable_scale_in", Ty::Bool, "Only scale out.")
        .def("false")
        .aws("DisableScaleIn"),
    f(
        "metric_period",
        Ty::Enum(&["60s", "20s", "1m"]),
        "20s: ECS's high-resolution CPU and memory metrics.",
    )
    .def("60s"),
];
pub const STEP_ADJUSTMENT: &[Field] = &[
    f(
        "lower",
        Ty::Number(-1e12, 1e12),
        "Lower bound, relative to the threshold.",
    )
    .aws("MetricIntervalLowerBound"),
    f(
        "upper",
        Ty::Number(-1e12, 1e12),
        "Upper bound, relative to the threshold.",
    )
    .aws("MetricIntervalUpperBound"),
    f("adjustment", Ty::Int(-100_000, 100_000), "The change.")
        .req()
        .aws("ScalingAdjustment"),
];
pub const STEP_SCALING: &[Field] = &[
    f("name", Ty::Str, "The policy.").req().aws("PolicyName"),
    f("metric", METRIC, "The alarm's metric.").req(),
    f("threshold", Ty::Number(-1e9, 1e9), "The alarm's threshold.")
        .req()
        .aws("Threshold"),
    f(
        "comparison",
        Ty::Enum(&[
            "GreaterThanOrEqualToThreshold",
            "GreaterThanThreshold",
            "LessThanThreshold",
            "LessThanOrEqualToThreshold",
        ]),
        "The alarm's comparison.",
    )
    .req()
    .aws("ComparisonOperator"),
    f("evaluation_periods", Ty::Int(1, 1440), "Datapoints the alarm looks at.")
        .def("1")
        .aws("EvaluationPeriods"),
    f(
        "datapoints_to_alarm",
        Ty::Int(1, 1440),
        "Of those, how many must breach.",
    )
    .def("evaluation_periods")
    .aws("DatapointsToAlarm"),
    f(
        "adjustment_type",
        Ty::Enum(&["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"]),
        "How adjustments apply.",
    )
    .req()
    .aws("AdjustmentType"),
    f(
        "min_adjustment_magnitude",
        Ty::Int(1, 10_000),
        "Least change of a percent adjustment.",
    )
    .aws("MinAdjustmentMagnitude"),
    f("cooldown", Ty::Duration, "After a scaling activity.")
        .def("300s")
        .aws("Cooldown"),
    f("steps", Ty::Array(&Ty::Table(STEP_ADJUSTMENT)), "The step adjustments.")
        .req()
        .aws("StepAdjustments"),
];
pub const SCHEDULED_ACTION: &[Field] = &[
    f("name", Ty::Str, "The action.").aws("ScheduledActionName"),
    f("schedule", Ty::Str, "rate(...), cron(...) or at(...).")
        .req()
        .aws("Schedule"),
    f("timezone", Ty::Str, "An IANA time zone.").def("UTC").aws("Timezone"),
    f("min_capacity", Ty::Int(0, 5000), "New minimum.").aws("ScalableTargetAction.MinCapacity"),
    f("max_capacity", Ty::Int(0, 5000), "New maximum.").aws("ScalableTargetAction.MaxCapacity"),
];
pub const AUTO_SCALING: &[Field] = &[
    f("min_capacity", Ty::Int(0, 5000), "The scalable target's minimum.")
        .req()
        .aws("MinCapacity"),
    f("max_capacity", Ty::Int(0, 5000), "The scalable target's maximum.")
        .req()
        .aws("MaxCapacity"),
    f(
        "target_tracking",
        Ty::Array(&Ty::Table(TARGET_TRACKING)),
        "Target tracking policies.",
    )
    .aws("TargetTrackingScalingPolicyConfiguration"),
    f(
        "step_scaling",
        Ty::Array(&Ty::Table(STEP_SCALING)),
        "Step scaling policies and their alarms.",
    )
    .aws("StepScalingPolicyConfiguration"),
    f(
        "scheduled_actions",
        Ty::Array(&Ty::Table(SCHEDULED_ACTION)),
        "Scheduled actions.",
    )
    .aws("ScheduledActions"),
];
pub const CIRCUIT_BREAKER: &[Field] = &[
    f("enable", Ty::Bool, "Stop a failing deployment.")
        .def("false")
        .aws("deploymentCircuitBreaker.enable"),
    f("rollback", Ty::Bool, "Roll back to the last completed deployment.")
        .def("false")
        .aws("deploymentCircuitBreaker.rollback"),
];
pub const DEPLOYMENT_CONFIGURATION: &[Field] = &[
    f(
        "minimum_healthy_percent",
        Ty::Int(0, 100),
        "Of desired, kept healthy during a deployment.",
    )
    .def("100")
    .aws("minimumHealthyPercent"),
    f(
        "maximum_percent",
        Ty::Int(100, 200),
        "Of desired, running or pending at most.",
    )
    .def("200")
    .aws("maximumPercent"),
    f(
        "deployment_circuit_breaker",
        Ty::Table(CIRCUIT_BREAKER),
        "The circuit breaker.",
    )
    .aws("deploymentCircuitBreaker"),
];
pub const SERVICE_LOAD_BALANCER: &[Field] = &[
    f("target_group", Ty::Str, "A [[target_groups]] name.")
        .req()
        .aws("targetGroupArn"),
    f("container_name", Ty::Str, "The container that serves.")
        .req()
        .aws("containerName"),
    f("container_port", Ty::Int(1, 65535), "Its container port.")
        .req()
        .aws("containerPort"),
];
pub const SERVICE: &[Field] = &[
    f("name", Ty::Str, "The service.").req().aws("serviceName"),
    f("task_definition", Ty::Str, "A [[task_definitions]] family.")
        .req()
        .aws("taskDefinition"),
    f(
        "scheduling_strategy",
        Ty::Enum(&["REPLICA", "DAEMON"]),
        "DAEMON: one task per instance, no desired_count.",
    )
    .def("REPLICA")
    .aws("schedulingStrategy"),
    f("desired_count", Ty::Int(0, 100_000), "Tasks to keep running (REPLICA).").aws("desiredCount"),
    f("placement_strategy", PLACEMENT_STRATEGY, "At most 5 rules.")
        .def("AZ spread, then fewest tasks per instance")
        .aws("placementStrategy"),
    f("placement_constraints", CONSTRAINTS, "distinctInstance and memberOf.").aws("placementConstraints"),
    f(
        "task_run_time",
        Ty::Distribution,
        "Tasks exit after this and are replaced.",
    )
    .def("run until stopped"),
    f(
        "launch_type",
        LAUNCH_TYPE,
        "EC2 or FARGATE (or give a capacity provider strategy).",
    )
    .aws("launchType"),
    f("capacity_provider_strategy", STRATEGY, "Where tasks run.").aws("capacityProviderStrategy"),
    f("load", Ty::Table(LOAD), "The request load (no AWS counterpart)."),
    f(
        "auto_scaling",
        Ty::Table(AUTO_SCALING),
        "Application Auto Scaling of the desired count.",
    ),
    f(
        "deployment_configuration",
        Ty::Table(DEPLOYMENT_CONFIGURATION),
        "Rolling deployments.",
    )
    .aws("deploymentConfiguration"),
    f(
        "health_check_grace_period",
        Ty::Duration,
        "Load balancer health failures are ignored this long after start.",
    )
    .def("0s")
    .aws("healthCheckGracePeriodSeconds"),
    f(
        "availability_zone_rebalancing",
        Ty::Enum(&["ENABLED", "DISABLED"]),
        "Rebalance tasks across zones.",
    )
    .def("ENABLED when AZ spread comes first")
    .aws("availabilityZoneRebalancing"),
    f(
        "load_balancers",
        Ty::Array(&Ty::Table(SERVICE_LOAD_BALANCER)),
        "Target groups the tasks register with.",
    )
    .aws("loadBalancers"),
];

// ---- batch jobs ----

pub const ARRIVALS_POISSON: &[Field] = &[
    f("type", Ty::Str, "poisson").req(),
    f("rate_per_hour", Ty::Number(0.0, 1e9), "Submissions per hour.").req(),
];
pub const ARRIVALS_TRACE: &[Field] = &[
    f("type", Ty::Str, "trace").req(),
    f("file", Ty::Str, "A trace CSV, relative to the scenario file.").req(),
    f("start", Ty::Duration, "Replay rows from this trace time.").def("0s"),
    f("end", Ty::Duration, "Until this trace time."),
    f("speedup", Ty::Number(1e-6, 1e6), "Divides the trace's times.").def("1.0"),
    f("max_rows", Ty::Int(1, i64::MAX), "At most this many rows."),
];
pub const ARRIVALS_SCHEDULE: &[Field] = &[
    f("type", Ty::Str, "schedule").req(),
    f("schedule", Ty::Str, "rate(...), cron(...) or at(...).").req(),
    f("timezone", Ty::Str, "An IANA time zone.").def("UTC"),
];
pub const ARRIVALS: &[Variant] = &[
    v("poisson", ARRIVALS_POISSON, "Poisson submissions."),
    v("trace", ARRIVALS_TRACE, "Rows of a trace."),
    v(
        "schedule",
        ARRIVALS_SCHEDULE,
        "RunTask on a schedule (EventBridge Scheduler style).",
    ),
];
pub const BATCH_JOB: &[Field] = &[
    f("name", Ty::Str, "The job.").req(),
    f("task_definition", Ty::Str, "A [[task_definitions]] family.")
        .req()
        .aws("taskDefinition"),
    f("arrivals", Ty::Tagged(ARRIVALS), "When tasks are submitted.").req(),
    f("count", Ty::Int(1, 10), "Tasks per submission.")
        .def("1")
        .aws("count"),
    f("task_duration", Ty::Distribution, "How long a task runs."),
    f("placement_strategy", PLACEMENT_STRATEGY, "RunTask's strategy.")
        .def("random")
        .aws("placementStrategy"),
    f("placement_constraints", CONSTRAINTS, "Constraints.").aws("placementConstraints"),
    f("group", Ty::Str, "The task group.")
        .def("family:<family>")
        .aws("group"),
    f(
        "on_no_capacity",
        Ty::Enum(&["wait", "fail"]),
        "Wait in a queue, or fail as RunTask does without managed scaling.",
    )
    .def("wait"),
    f("start", Ty::Duration, "First submission time.").def("0s"),
    f("stop", Ty::Duration, "No submissions after this."),
    f("launch_type", LAUNCH_TYPE, "EC2 or FARGATE.").aws("launchType"),
    f("capacity_provider_strategy", STRATEGY, "Where tasks run.").aws("capacityProviderStrategy"),
];

// ---- elastic capacity, pricing, Fargate, autoscaling ----

pub const MANAGED_SCALING: &[Field] = &[
    f(
        "status",
        Ty::Enum(&["ENABLED", "DISABLED"]),
        "Managed scaling on or off.",
    )
    .def("ENABLED")
    .aws("managedScaling.status"),
    f(
        "target_capacity",
        Ty::Int(1, 100),
        "Target CapacityProviderReservation.",
    )
    .def("100")
    .unit("%")
    .aws("managedScaling.targetCapacity"),
    f(
        "minimum_scaling_step_size",
        Ty::Int(1, 10_000),
        "Least instances per scaling step.",
    )
    .def("1")
    .aws("managedScaling.minimumScalingStepSize"),
    f(
        "maximum_scaling_step_size",
        Ty::Int(1, 10_000),
        "Most instances per scaling step.",
    )
    .def("10000")
    .aws("managedScaling.maximumScalingStepSize"),
    f(
        "instance_warmup_period",
        Ty::Duration,
        "A new instance counts after this.",
    )
    .def("300s")
    .aws("managedScaling.instanceWarmupPeriod"),
];
pub const CAPACITY_PROVIDER: &[Field] = &[
    f("name", Ty::Str, "The provider.").req().aws("name"),
    f("instance_group", Ty::Str, "The [[instance_groups]] group it scales.")
        .req()
        .aws("autoScalingGroupArn"),
    f("managed_scaling", Ty::Table(MANAGED_SCALING), "Managed scaling.").aws("managedScaling"),
    f(
        "managed_termination_protection",
        Ty::Bool,
        "Instances with tasks are not scaled in.",
    )
    .def("false")
    .aws("managedTerminationProtection"),
    f("managed_draining", Ty::Bool, "Drain instances before scale-in.")
        .def("true")
        .aws("managedDraining"),
];
pub const PRICING: &[Field] = &[
    f("fargate_vcpu_hour_usd", Ty::Number(0.0, 100.0), "Fargate vCPU price.")
        .def("0.04048")
        .unit("USD/vCPU-h"),
    f("fargate_gb_hour_usd", Ty::Number(0.0, 100.0), "Fargate memory price.")
        .def("0.004445")
        .unit("USD/GB-h"),
    f(
        "fargate_spot_factor",
        Ty::Number(0.0, 1.0),
        "Fargate Spot price / on-demand.",
    )
    .def("0.33"),
    f("ec2_spot_factor", Ty::Number(0.0, 1.0), "EC2 Spot price / on-demand.").def("0.35"),
    f("ec2_minimum", Ty::Duration, "Least billed time per instance.").def("60s"),
    f("fargate_minimum", Ty::Duration, "Least billed time per task.").def("1m"),
    f(
        "fargate_storage_gb_hour_usd",
        Ty::Number(0.0, 100.0),
        "Ephemeral storage above 20 GiB.",
    )
    .def("0.000111")
    .unit("USD/GB-h"),
    f("region", Ty::Str, "Region of EC2 on-demand prices.").def("us-east-1"),
    f(
        "prices_file",
        Ty::Str,
        "region,instance_type,usd_per_hour rows for other regions.",
    ),
];
pub const FARGATE: &[Field] = &[
    f(
        "launch_burst",
        Ty::Number(1.0, 1e6),
        "Account token bucket size, per on-demand and per Spot.",
    )
    .def("100"),
    f("launch_rate_per_second", Ty::Number(1e-3, 1e6), "Bucket refill rate.").def("20"),
    f("pending", Ty::Distribution, "Image pull on Fargate.").def("lognormal median 30 s, sigma 0.3"),
];
pub const AUTOSCALING: &[Field] = &[
    f(
        "metric_delay",
        Ty::Duration,
        "Datapoints become visible to alarms this long after their minute.",
    )
    .def("1m"),
    f(
        "service_launch_rate_per_minute",
        Ty::Int(1, 1_000_000),
        "Tasks a service may launch per minute.",
    )
    .def("500"),
    f(
        "managed_scale_in_pace_divisor",
        Ty::Int(1, 1000),
        "Managed scaling removes at most max(1, N / divisor) instances a minute (inferred).",
    )
    .def("2"),
];
pub const LIFECYCLE: &[Field] = &[
    f("provisioning", Ty::Distribution, "PROVISIONING on EC2.").def("0s"),
    f(
        "awsvpc_provisioning",
        Ty::Distribution,
        "ENI attachment of awsvpc tasks.",
    )
    .def("5s"),
    f("pending", Ty::Distribution, "PENDING (image pull).").def("10s"),
    f("reconcile_interval", Ty::Duration, "Service scheduler period.").def("15s"),
];
pub const PLACEMENT: &[Field] = &[f(
    "max_indexes",
    Ty::Int(0, 4096),
    "Ordered placement indexes kept (see README).",
)
.def("64")];
pub const OUTPUTS: &[Field] = &[f("events", Ty::Bool, "Write events.csv.").def("true")];

// ---- failures, deployments, load balancers, task protection ----

const FAULT_BASE: [Field; 3] = [
    f("type", Ty::Str, "The fault.").req(),
    f("at", Ty::Duration, "When it starts.").req(),
    f(
        "duration",
        Ty::Duration,
        "How long it lasts (some faults are instantaneous).",
    ),
];
const SELECTION: [Field; 2] = [
    f("count", Ty::Int(0, 1_000_000), "How many."),
    f("fraction", Ty::Number(0.0, 1.0), "Or what share."),
];
pub const FAULT_TERMINATE: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("group", Ty::Str, "The instance group.").req(),
    SELECTION[0],
    SELECTION[1],
    f("instances", STR_LIST, "Or these instance ids."),
];
pub const FAULT_GROUP_SELECTION: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("group", Ty::Str, "The instance group.").req(),
    SELECTION[0],
    SELECTION[1],
];
pub const FAULT_AZ: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("availability_zone", Ty::Str, "The zone.").req(),
];
pub const FAULT_GROUP: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("group", Ty::Str, "The instance group.").req(),
];
pub const FAULT_STOP_TASKS: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("service", Ty::Str, "The service.").req(),
    SELECTION[0],
    SELECTION[1],
];
pub const FAULT_CAPACITY: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("availability_zone", Ty::Str, "The zone.").req(),
    f("launch_type", LAUNCH_TYPE, "Which launches fail.").def("EC2"),
];
pub const FAULT_SLOW_PULL: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f(
        "factor",
        Ty::Number(1.0, 1000.0),
        "Image pulls take this many times longer.",
    )
    .req(),
];
pub const FAULT_SERVICE: &[Field] = &[
    FAULT_BASE[0],
    FAULT_BASE[1],
    FAULT_BASE[2],
    f("service", Ty::Str, "The service.").req(),
];
pub const FAULTS: &[Variant] = &[
    v("terminate_instances", FAULT_TERMINATE, "Instances terminated."),
    v(
        "agent_disconnect",
        FAULT_GROUP_SELECTION,
        "Agents disconnect: tasks keep running, no placements.",
    ),
    v(
        "az_outage",
        FAULT_AZ,
        "A zone lost: its instances, launches and Fargate.",
    ),
    v(
        "drain_instances",
        FAULT_GROUP,
        "A group drained (reactivated when it ends).",
    ),
    v("stop_tasks", FAULT_STOP_TASKS, "Tasks of a service stopped."),
    v("capacity_unavailable", FAULT_CAPACITY, "Launches in a zone fail."),
    v("slow_image_pull", FAULT_SLOW_PULL, "Image pulls slow down."),
    v("unhealthy", FAULT_SERVICE, "The application fails every health check."),
];
pub const FAILURES: &[Field] = &[
    f(
        "instance_mtbf",
        Ty::Map(&Ty::Duration),
        "Mean time between failures per instance type.",
    ),
    f(
        "spot_interruptions_per_instance_hour",
        Ty::Number(0.0, 100.0),
        "For groups with spot = true.",
    )
    .def("0"),
    f(
        "spot_burst_mean",
        Ty::Number(0.0, 10_000.0),
        "Instances of one group reclaimed together.",
    )
    .def("1"),
    f(
        "fargate_spot_interruptions_per_task_hour",
        Ty::Number(0.0, 100.0),
        "Fargate Spot interruptions.",
    )
    .def("0"),
    f("task_crashes_per_task_hour", Ty::Number(0.0, 100.0), "Task crashes.").def("0"),
    f(
        "spot_instance_draining",
        Ty::Bool,
        "Spot instances drain on the interruption notice.",
    )
    .def("false")
    .aws("ECS_ENABLE_SPOT_INSTANCE_DRAINING"),
    f("oom_kills", Ty::Bool, "Memory use over the hard limit kills the task.").def("true"),
    f("backoff_base", Ty::Duration, "The start throttle's first delay.").def("10s"),
    f("backoff_max", Ty::Duration, "Its maximum.").def("27m"),
    f(
        "healthy_after",
        Ty::Duration,
        "Healthy this long after RUNNING without LB or health check.",
    )
    .def("40s"),
];
pub const DEPLOYMENT: &[Field] = &[
    f("at", Ty::Duration, "When.").req(),
    f("service", Ty::Str, "The service.").req(),
    f("task_definition", Ty::Str, "Its new task definition.")
        .req()
        .aws("taskDefinition"),
];
pub const LOAD_BALANCER: &[Field] = &[
    f("name", Ty::Str, "The load balancer.").req().aws("Name"),
    f("type", Ty::Enum(&["application", "network"]), "ALB or NLB.")
        .def("application")
        .aws("Type"),
];
pub const TARGET_GROUP: &[Field] = &[
    f("name", Ty::Str, "The target group.").req().aws("Name"),
    f("load_balancer", Ty::Str, "A [[load_balancers]] name.").req(),
    f(
        "target_type",
        Ty::Enum(&["ip", "instance"]),
        "ip for awsvpc tasks, instance for bridge / host.",
    )
    .def("instance")
    .aws("TargetType"),
    f("health_check_interval", Ty::Duration, "5 to 300 s.")
        .def("30s")
        .aws("HealthCheckIntervalSeconds"),
    f(
        "health_check_timeout",
        Ty::Duration,
        "2 to 120 s, less than the interval.",
    )
    .def("5s (10s on an NLB)")
    .aws("HealthCheckTimeoutSeconds"),
    f(
        "healthy_threshold_count",
        Ty::Int(2, 10),
        "Passes for an unhealthy target to recover.",
    )
    .def("5")
    .aws("HealthyThresholdCount"),
    f(
        "unhealthy_threshold_count",
        Ty::Int(2, 10),
        "Failures to turn unhealthy.",
    )
    .def("2")
    .aws("UnhealthyThresholdCount"),
    f(
        "deregistration_delay",
        Ty::Duration,
        "0 to 3600 s: a stopped task drains this long.",
    )
    .def("300s")
    .aws("deregistration_delay.timeout_seconds"),
    f("slow_start", Ty::Duration, "ALB only: 0 or 30 to 900 s.")
        .def("0s")
        .aws("slow_start.duration_seconds"),
    f("cross_zone", Ty::Bool, "Cross-zone load balancing.")
        .def("true on an ALB, false on an NLB")
        .aws("load_balancing.cross_zone.enabled"),
    f(
        "initial_health_checks",
        Ty::Enum(&["one", "healthy_threshold"]),
        "Passes a new target needs.",
    )
    .def("one on an ALB"),
];
pub const TASK_PROTECTION: &[Field] = &[
    f("service", Ty::Str, "The service.").req(),
    f("at", Ty::Duration, "When.").req(),
    f(
        "count",
        Ty::Int(1, 5000),
        "The oldest RUNNING tasks without protection.",
    )
    .req(),
    f("expires_in", Ty::Duration, "1 to 2880 minutes.")
        .def("120m")
        .aws("expiresInMinutes"),
];

// ---- experiments ----

pub const SWEEP_AXIS: &[Field] = &[
    f("name", Ty::Str, "The axis's column name.").def("the path"),
    f("path", Ty::Str, "A field path, as in --set.").req(),
    f("values", Ty::Array(&Ty::Any), "Values to try.").req(),
    f("labels", STR_LIST, "A label per value."),
];
pub const SWEEP: &[Field] = &[
    f("replications", Ty::Int(1, 100_000), "Seeds per combination.").def("1"),
    f("axes", Ty::Array(&Ty::Table(SWEEP_AXIS)), "The axes.").req(),
];
pub const EXPECT: &[Field] = &[
    f("metric", Ty::Str, "A summary figure.").req(),
    f("service", Ty::Str, "Per service or job, when the figure is."),
    f(
        "op",
        Ty::Enum(&["<", "<=", ">", ">=", "==", "!="]),
        "The comparison (with value).",
    ),
    f("value", Ty::Any, "The bound."),
    f(
        "tolerance",
        Ty::Any,
        "Against a baseline: a relative (\"5%\") or absolute bound.",
    ),
];

/// The top level.
pub const TOP: &[Field] = &[
    f(
        "$schema",
        Ty::Str,
        "The JSON Schema of the file, for editors (ignored).",
    ),
    f("scenario", Ty::Table(SCENARIO), "The run.").req(),
    f("sweep", Ty::Table(SWEEP), "Axes of a sweep (ecsim sweep)."),
    f("expect", Ty::Array(&Ty::Table(EXPECT)), "Expectations (ecsim check)."),
    f("faults", Ty::Array(&Ty::Tagged(FAULTS)), "Scripted faults."),
    f(
        "failures",
        Ty::Table(FAILURES),
        "Stochastic failures, drawn once a minute.",
    ),
    f(
        "deployments",
        Ty::Array(&Ty::Table(DEPLOYMENT)),
        "Scripted changes of a service's task definition.",
    ),
    f(
        "capacity_providers",
        Ty::Array(&Ty::Table(CAPACITY_PROVIDER)),
        "Auto Scaling group providers; FARGATE and FARGATE_SPOT are built in.",
    ),
    f("pricing", Ty::Table(PRICING), "Prices."),
    f("fargate", Ty::Table(FARGATE), "Fargate's launch rate and image pull."),
    f(
        "autoscaling",
        Ty::Table(AUTOSCALING),
        "Application Auto Scaling and managed scaling settings.",
    ),
    f("cluster", Ty::Table(CLUSTER), "The cluster."),
    f(
        "instance_types",
        Ty::Array(&Ty::Table(INSTANCE_TYPE)),
        "Types the catalog lacks, or overrides.",
    ),
    f(
        "instance_groups",
        Ty::Array(&Ty::Table(INSTANCE_GROUP)),
        "EC2 instances.",
    ),
    f(
        "task_definitions",
        Ty::Array(&Ty::Table(TASK_DEFINITION)),
        "Task definitions.",
    ),
    f("services", Ty::Array(&Ty::Table(SERVICE)), "Services."),
    f(
        "batch_jobs",
        Ty::Array(&Ty::Table(BATCH_JOB)),
        "Standalone tasks, RunTask style.",
    ),
    f("lifecycle", Ty::Table(LIFECYCLE), "Task lifecycle stage times."),
    f("placement", Ty::Table(PLACEMENT), "Placement engine settings."),
    f("outputs", Ty::Table(OUTPUTS), "Which files a run writes."),
    f(
        "load_balancers",
        Ty::Array(&Ty::Table(LOAD_BALANCER)),
        "Load balancers.",
    ),
    f(
        "target_groups",
        Ty::Array(&Ty::Table(TARGET_GROUP)),
        "Target groups (the ELB API's settings and defaults).",
    ),
    f(
        "task_protection",
        Ty::Array(&Ty::Table(TASK_PROTECTION)),
        "Scripted UpdateTaskProtection calls.",
    ),
];

/// The names of a table's fields (what the decoder's `finish` accepts).
pub fn keys(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.name).collect()
}

/// The fields of one variant of a tagged table.
pub fn variant(variants: &[Variant], tag: &str) -> &'static [Field] {
    variants.iter().find(|v| v.tag == tag).map_or(&[], |v| v.fields)
}

// ---- the JSON Schema ----

const DURATION_PATTERN: &str = r"^\s*([0-9][0-9._]*\s*(ms|s|min|m|h|d)\s*)+$";

fn ty_schema(ty: &Ty) -> Value {
    match ty {
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Int(min, max) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("integer"));
            m.insert("minimum".into(), json!(min));
            if *max < i64::MAX {
                m.insert("maximum".into(), json!(max));
            }
            Value::Object(m)
        }
        Ty::Number(min, max) => json!({ "type": "number", "minimum": min, "maximum": max }),
        Ty::Str => json!({ "type": "string" }),
        Ty::Enum(words) => json!({ "enum": words }),
        Ty::Duration => json!({ "type": "string", "pattern": DURATION_PATTERN }),
        Ty::Distribution => {
            let mut one_of = vec![ty_schema(&Ty::Duration)];
            one_of.extend(DISTRIBUTIONS.iter().map(variant_schema));
            json!({ "oneOf": one_of })
        }
        Ty::DateTime => json!({ "type": "string", "format": "date-time" }),
        Ty::Cpu => {
            json!({ "oneOf": [ { "type": "integer", "minimum": 0, "maximum": 10_000_000 }, { "type": "string", "pattern": r"^\s*[0-9.]+\s*([vV][cC][pP][uU])?\s*$" } ] })
        }
        Ty::Memory => {
            json!({ "oneOf": [ { "type": "integer", "minimum": 6, "maximum": 100_000_000 }, { "type": "string", "pattern": r"^\s*[0-9.]+\s*([mMgG][iI]?[bB])?\s*$" } ] })
        }
        Ty::Table(fields) => table_schema(fields),
        Ty::Array(item) => json!({ "type": "array", "items": ty_schema(item) }),
        Ty::Map(value) => json!({ "type": "object", "additionalProperties": ty_schema(value) }),
        Ty::Tagged(variants) => json!({ "oneOf": variants.iter().map(variant_schema).collect::<Vec<_>>() }),
        Ty::Any => json!({}),
    }
}

fn field_schema(f: &Field) -> Value {
    let mut s = ty_schema(&f.ty);
    if let Value::Object(m) = &mut s {
        let mut d = f.doc.to_string();
        if !f.unit.is_empty() {
            d += &format!(" Unit: {}.", f.unit);
        }
        if !f.default.is_empty() {
            d += &format!(" Default: {}.", f.default);
        }
        if !f.aws.is_empty() {
            d += &format!(" AWS: {}.", f.aws);
        }
        m.insert("description".into(), json!(d));
    }
    s
}

fn table_schema(fields: &[Field]) -> Value {
    let props: Map<String, Value> = fields.iter().map(|f| (f.name.to_string(), field_schema(f))).collect();
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    m.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m.insert("additionalProperties".into(), json!(false));
    Value::Object(m)
}

fn variant_schema(v: &Variant) -> Value {
    let mut s = table_schema(v.fields);
    if let Some(Value::Object(props)) = s.get_mut("properties") {
        props.insert("type".into(), json!({ "const": v.tag, "description": v.doc }));
    }
    s
}

/// The JSON Schema (draft 2020-12) of a scenario file.
pub fn json_schema() -> Value {
    let mut s = table_schema(TOP);
    if let Value::Object(m) = &mut s {
        m.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        m.insert("title".into(), json!("ecsim scenario"));
        m.insert(
            "description".into(),
            json!("A scenario for ecsim, the deterministic discrete-event simulator of Amazon ECS clusters (docs/scenario-reference.md)."),
        );
    }
    s
}

/// The JSON Schema as committed: pretty-printed, one trailing newline.
pub fn json_schema_text() -> String {
    serde_json::to_string_pretty(&json_schema()).unwrap_or_default() + "\n"
}

// ---- the field reference ----

fn type_text(ty: &Ty) -> String {
    match ty {
        Ty::Bool => "boolean".into(),
        Ty::Int(..) => "integer".into(),
        Ty::Number(..) => "number".into(),
        Ty::Str => "string".into(),
        Ty::Enum(w) => w.iter().map(|x| format!("`\"{x}\"`")).collect::<Vec<_>>().join(" \\| "),
        Ty::Duration => "duration".into(),
        Ty::Distribution => "duration or distribution".into(),
        Ty::DateTime => "date-time".into(),
        Ty::Cpu => "integer or \"N vCPU\"".into(),
        Ty::Memory => "integer or \"N GB\"".into(),
        Ty::Table(_) => "table".into(),
        Ty::Array(item) => format!("array of {}", type_text(item)),
        Ty::Map(value) => format!("table of {}", type_text(value)),
        Ty::Tagged(_) => "table, by `type`".into(),
        Ty::Any => "any".into(),
    }
}

fn range_text(ty: &Ty) -> String {
    let num = |x: f64| {
        if x.abs() >= 1e6 {
            format!("{x:e}")
        } else {
            format!("{x}")
        }
    };
    match ty {
        Ty::Int(min, max) if *max == i64::MAX => format!("≥ {min}"),
        Ty::Int(min, max) => format!("{min} to {max}"),
        Ty::Number(min, max) => format!("{} to {}", num(*min), num(*max)),
        Ty::Array(item) => range_text(item),
        Ty::Cpu => "0 to 10000000".into(),
        Ty::Memory => "6 to 100000000".into(),
        _ => String::new(),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn write_table(out: &mut String, title: &str, fields: &[Field], nested: &mut Vec<(String, &'static [Field])>) {
    out.push_str(&format!(
        "\n## `{title}`\n\n| Field | Type | Unit | Default | Range | AWS | Meaning |\n|---|---|---|---|---|---|---|\n"
    ));
    for f in fields {
        let name = if f.required {
            format!("`{}` (required)", f.name)
        } else {
            format!("`{}`", f.name)
        };
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} | {} |\n",
            type_text(&f.ty),
            cell(f.unit),
            cell(f.default),
            range_text(&f.ty),
            if f.aws.is_empty() {
                String::new()
            } else {
                format!("`{}`", f.aws)
            },
            cell(f.doc)
        ));
        let mut ty = &f.ty;
        let mut suffix = "";
        while let Ty::Array(item) = ty {
            ty = item;
            suffix = "[]";
        }
        match ty {
            Ty::Table(inner) => nested.push((format!("{title}.{}{suffix}", f.name), inner)),
            Ty::Tagged(variants) => {
                for v in variants.iter() {
                    nested.push((format!("{title}.{}{suffix} (type = \"{}\")", f.name, v.tag), v.fields));
                }
            }
            Ty::Distribution => {}
            _ => {}
        }
    }
}

/// `docs/scenario-reference.md`: every table and field.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Scenario file reference\n\n\
         Generated by `ecsim schema --reference` from the schema declaration\n\
         (`src/scenario/fields.rs`); do not edit by hand. The JSON Schema for editors is\n\
         [`ecsim.schema.json`](ecsim.schema.json) (`ecsim schema`).\n\n\
         Scenario files are TOML 1.0 or JSON with the same fields. Durations are written `250ms`,\n\
         `90s`, `5m`, `2h`, `7d` or `1h30m`. A distribution is a duration (constant) or\n\
         `{ type = \"exponential\", mean = \"6h\" }`, `{ type = \"uniform\", min = \"1m\", max = \"3m\" }`,\n\
         `{ type = \"lognormal\", median = \"8m\", sigma = 0.5 }` or `{ type = \"constant\", value = \"5m\" }`.\n\
         Unknown fields are errors. The AWS column names the ECS / AWS API field a setting mirrors.\n",
    );
    let mut queue: Vec<(String, &'static [Field])> = Vec::new();
    let mut top_tables = Vec::new();
    for f in TOP {
        let (inner, suffix) = match f.ty {
            Ty::Table(inner) => (Some(inner), ""),
            Ty::Array(Ty::Table(inner)) => (Some(*inner), "[]"),
            _ => (None, ""),
        };
        match inner {
            Some(i) => top_tables.push((format!("{}{suffix}", f.name), i)),
            None => {
                if let Ty::Array(Ty::Tagged(vs)) = f.ty {
                    for v in vs.iter() {
                        top_tables.push((format!("{}[] (type = \"{}\")", f.name, v.tag), v.fields));
                    }
                }
            }
        }
    }
    out.push_str("\n## Top level\n\n| Field | Meaning |\n|---|---|\n");
    for f in TOP {
        out.push_str(&format!(
            "| `{}`{} | {} |\n",
            f.name,
            if f.required { " (required)" } else { "" },
            cell(f.doc)
        ));
    }
    for (title, fields) in top_tables {
        queue.push((title, fields));
        while let Some((t, fs)) = queue.first().cloned() {
            queue.remove(0);
            let mut nested = Vec::new();
            write_table(&mut out, &t, fs, &mut nested);
            // Depth first, in declaration order.
            for (i, n) in nested.into_iter().enumerate() {
                queue.insert(i, n);
            }
        }
    }
    out
}
