//! Resource accounting as ECS does it: memoryReservation versus memory, registered memory,
//! ENI slots for awsvpc, static host ports.

use crate::common::*;

fn placed_per_instance(text: &str) -> std::collections::BTreeMap<String, usize> {
    let (_, ev) = run_checked(&scenario(text));
    let mut m = std::collections::BTreeMap::new();
    for e in ev.iter().filter(|e| e.kind == "TASK_PLACED") {
        *m.entry(e.instance.clone()).or_insert(0) += 1;
    }
    m
}

#[test]
fn memory_reservation_is_reserved_when_set_otherwise_memory() {
    let sc = scenario(
        r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
container_definitions = [
  { name = "soft", memory = 1024, memory_reservation = 256 },
  { name = "hard", memory = 512 },
  { name = "cpu", cpu = 100, memory_reservation = 64 },
]
"#,
    );
    let d = &sc.task_definitions[0].demand;
    assert_eq!(d.memory_mib, 256 + 512 + 64);
    assert_eq!(d.cpu_units, 100, "a container without cpu reserves 0 units");
}

#[test]
fn task_level_size_wins_and_accepts_ecs_spellings() {
    let sc = scenario(
        r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
cpu = "0.5 vCPU"
memory = "2 GB"
container_definitions = [{ name = "a", memory = 100 }]
"#,
    );
    let d = &sc.task_definitions[0].demand;
    assert_eq!((d.cpu_units, d.memory_mib), (512, 2048));
}

#[test]
fn registered_memory_limits_what_fits() {
    // Two 4000 MiB tasks need 8000 MiB; an m5.large registers 7987, so only one fits.
    let m = placed_per_instance(
        r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
memory = 4000
[[services]]
name = "s"
task_definition = "t"
desired_count = 2
"#,
    );
    assert_eq!(m.values().sum::<usize>(), 1);
}

#[test]
fn awsvpc_tasks_use_eni_slots_with_and_without_trunking() {
    let text = |trunking: bool| {
        format!(
            r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
trunking = {trunking}
[[task_definitions]]
family = "t"
network_mode = "awsvpc"
cpu = 64
memory = 64
[[services]]
name = "s"
task_definition = "t"
desired_count = 12
"#
        )
    };
    assert_eq!(
        placed_per_instance(&text(false)).values().sum::<usize>(),
        2,
        "m5.large: 3 ENIs - 1 primary"
    );
    assert_eq!(
        placed_per_instance(&text(true)).values().sum::<usize>(),
        10,
        "m5.large with trunking"
    );
}

#[test]
fn static_host_ports_allow_one_task_per_instance() {
    let text = r#"
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 2
[[task_definitions]]
family = "t"
memory = 128
container_definitions = [{ name = "nginx", port_mappings = [{ container_port = 80, host_port = 80 }] }]
[[services]]
name = "s"
task_definition = "t"
desired_count = 3
"#;
    let sc = scenario(text);
    let (r, ev) = run_checked(&sc);
    assert_eq!(r.summary.services[0].running_at_end, 2);
    let failure = ev.iter().find(|e| e.kind == "SERVICE_TASK_PLACEMENT_FAILURE").unwrap();
    assert!(
        failure.detail.contains("is already using a port required by your task"),
        "{}",
        failure.detail
    );
}

#[test]
fn dynamic_host_ports_do_not_conflict() {
    let m = placed_per_instance(
        r#"
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 1
[[task_definitions]]
family = "t"
memory = 128
container_definitions = [{ name = "a", port_mappings = [{ container_port = 80, host_port = 0 }] }]
[[services]]
name = "s"
task_definition = "t"
desired_count = 5
"#,
    );
    assert_eq!(m.values().sum::<usize>(), 5);
}
