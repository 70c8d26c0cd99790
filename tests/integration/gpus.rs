//! GPUs as a resource (ECS `resourceRequirements` of type GPU): placement, the failure
//! reason, managed scaling's binpack, validation and the GPU figures.

use crate::common::*;
use ecsim::metrics::LogEvent;

fn of<'a>(ev: &'a [LogEvent], kind: &str) -> Vec<&'a LogEvent> {
    ev.iter().filter(|e| e.kind == kind).collect()
}

const ONE_GPU: &str = r#"container_definitions = [{ name = "c", cpu = 256, memory = 512, resource_requirements = [{ type = "GPU", value = "1" }] }]"#;

#[test]
fn a_gpu_task_never_lands_on_an_instance_without_a_free_gpu() {
    // ECS developer guide, "Specifying GPUs in an Amazon ECS task definition": "The number of
    // GPUs reserved for all containers in a task cannot exceed the number of available GPUs
    // on the container instance the task is launched on." The failure is reported as
    // RESOURCE:GPU (the RESOURCE:* family of ecs-semantics §1.8; the GPU code by analogy,
    // I). One m5.large (no GPU) and one g6.xlarge (one NVIDIA L4):
    // of two one-GPU tasks, one runs on the g6 and the other cannot be placed; a CPU-only
    // service still uses both instances.
    let text = format!(
        r#"
[scenario]
duration = "10m"
[[instance_groups]]
name = "cpu"
instance_type = "m5.large"
count = 1
[[instance_groups]]
name = "gpu"
instance_type = "g6.xlarge"
count = 1
[[task_definitions]]
family = "train"
{ONE_GPU}
[[task_definitions]]
family = "web"
cpu = 256
memory = 256
[[services]]
name = "train"
task_definition = "train"
desired_count = 2
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
"#
    );
    let (r, ev) = run_checked(&scenario(&text));
    let placed_train: Vec<_> = of(&ev, "TASK_PLACED")
        .into_iter()
        .filter(|e| e.service == "train")
        .collect();
    assert_eq!(placed_train.len(), 1);
    assert_eq!(placed_train[0].instance_type, "g6.xlarge");
    let failures: Vec<_> = of(&ev, "SERVICE_TASK_PLACEMENT_FAILURE")
        .into_iter()
        .filter(|e| e.service == "train")
        .collect();
    assert!(!failures.is_empty());
    assert!(failures[0].detail.contains("RESOURCE:GPU"), "{}", failures[0].detail);
    let web_types: Vec<&str> = of(&ev, "TASK_PLACED")
        .iter()
        .filter(|e| e.service == "web")
        .map(|e| e.instance_type.as_str())
        .collect();
    assert!(
        web_types.contains(&"m5.large") && web_types.contains(&"g6.xlarge"),
        "{web_types:?}"
    );
    // One of the two GPUs registered is reserved the whole run (after its first seconds).
    let col = r.metrics.columns.iter().position(|c| c == "gpu_reserved_pct").unwrap();
    assert_eq!(r.metrics.rows.last().unwrap()[col].render(), "100.00");
    assert!(r.summary.gpu_reserved_mean_pct > 90.0);
}

#[test]
fn managed_scaling_counts_the_instances_gpus_bind() {
    // ecs-semantics §3.3 step 4: M comes from a binpack of the waiting tasks over "vCPU,
    // memory, ENI, ports, GPU". Six tiny one-GPU tasks on a provider of g6.12xlarge (4 GPUs,
    // 48 vCPU) that starts empty: CPU and memory would fit all six on one instance, the GPUs
    // need two, so the group is asked for 2.
    let text = format!(
        r#"
[scenario]
duration = "30m"
[[instance_groups]]
name = "gpu"
instance_type = "g6.12xlarge"
count = 0
min_size = 0
max_size = 10
[[capacity_providers]]
name = "gpu-asg"
instance_group = "gpu"
managed_scaling = {{ target_capacity = 100 }}
[[task_definitions]]
family = "train"
{ONE_GPU}
[[services]]
name = "train"
task_definition = "train"
desired_count = 6
capacity_provider_strategy = [{{ capacity_provider = "gpu-asg", weight = 1 }}]
"#
    );
    let (r, _) = run_checked(&scenario(&text));
    let col = r
        .metrics
        .columns
        .iter()
        .position(|c| c == "provider.gpu-asg.desired")
        .unwrap();
    let most = r
        .metrics
        .rows
        .iter()
        .map(|row| row[col].render().parse::<u32>().unwrap())
        .max()
        .unwrap();
    assert_eq!(most, 2);
    assert_eq!(r.summary.tasks_running_at_end, 6);
}

#[test]
fn gpu_requirements_are_validated() {
    let base = |extra: &str, launch: &str| {
        format!(
            r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
network_mode = "awsvpc"
cpu = 1024
memory = 2048
container_definitions = [{{ name = "c", memory = 2048, resource_requirements = [{{ type = "GPU", value = "{extra}" }}] }}]
[[services]]
name = "s"
task_definition = "t"
desired_count = 1
{launch}
"#
        )
    };
    let e = errors("g.toml", &base("1", ""));
    assert!(
        e.contains("needs 1 GPU(s); the instance groups offer at most 0 per instance"),
        "{e}"
    );
    assert!(e.contains("use a GPU instance type such as"), "{e}");
    let e = errors("g.toml", &base("1", "launch_type = \"FARGATE\""));
    assert!(e.contains("asks for GPUs, which Fargate does not offer"), "{e}");
    let e = errors("g.toml", &base("one", ""));
    assert!(
        e.contains("resource_requirements[0].value: expected a whole number of GPUs"),
        "{e}"
    );
}
