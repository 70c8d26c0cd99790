//! Helpers shared by the integration tests: tiny hand-made clusters and scenario runs.

#![allow(dead_code)]

use ecsim::aws::ecs::model::{
    AzIdx, Cluster, GroupIdx, Instance, InstanceId, InstanceStatus, Resources, TaskDemand, TaskId,
};
use ecsim::aws::ecs::placement::{Placer, QueryContext};
use ecsim::engine::SimTime;
use ecsim::metrics::{LogEvent, VecSink};
use ecsim::scenario::{self, Scenario};
use ecsim::sim::{self, RunOptions, RunResult};
use std::path::Path;

/// One instance of a hand-made cluster.
pub struct Spec {
    pub az: &'static str,
    pub cpu: u32,
    pub mem: u32,
    pub instance_type: &'static str,
}

pub fn spec(az: &'static str, cpu: u32, mem: u32) -> Spec {
    Spec {
        az,
        cpu,
        mem,
        instance_type: "m5.xlarge",
    }
}

/// Builds a cluster with the built-in attributes set.
pub fn cluster(specs: &[Spec]) -> Cluster {
    let mut c = Cluster::new();
    let mut azs: Vec<&str> = Vec::new();
    for s in specs {
        let az = match azs.iter().position(|a| *a == s.az) {
            Some(p) => p,
            None => {
                azs.push(s.az);
                azs.len() - 1
            }
        };
        let id = add_instance(&mut c, Some(s.az), s.cpu, s.mem, 0, 2);
        c.instances[id.index()].az = AzIdx(az as u16);
        c.set_attr(id, "ecs.instance-type", s.instance_type);
    }
    c
}

pub fn demand(cpu: u32, mem: u32) -> TaskDemand {
    TaskDemand {
        cpu_units: cpu,
        memory_mib: mem,
        host_ports: Vec::new(),
        uses_eni: false,
        gpus: 0,
    }
}

/// Reserves a task of `group` on instance `inst` (bypassing placement), through the placer so
/// its indexes stay true.
pub fn put(c: &mut Cluster, placer: &mut Placer, inst: u32, task: u32, group: &str, d: &TaskDemand) {
    let g = c.intern_group(group);
    placer.reserve(c, InstanceId(inst), TaskId::first_generation(task), g, d);
}

pub fn placer() -> Placer {
    Placer::new(QueryContext::default(), 64)
}

/// Parses scenario text (TOML) or panics with the diagnostics.
pub fn scenario(text: &str) -> Scenario {
    match scenario::parse_str("test.toml", text, Path::new("tests/data"), "test") {
        Ok(s) => s,
        Err(d) => panic!("scenario did not parse:\n{d}"),
    }
}

/// The diagnostics text for a scenario that must not parse.
pub fn errors(file: &str, text: &str) -> String {
    match scenario::parse_str(file, text, Path::new("tests/data"), "test") {
        Ok(_) => panic!("scenario parsed but should not have"),
        Err(d) => d.to_string(),
    }
}

/// Runs a scenario with invariants checked after every event.
pub fn run_checked(sc: &Scenario) -> (RunResult, Vec<LogEvent>) {
    let mut sink = VecSink::default();
    let r = sim::run(
        sc,
        &mut sink,
        RunOptions {
            check_invariants_every_event: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("run failed: {e}"));
    (r, sink.0)
}

/// Adds one instance to a hand-made cluster: in `az` (`None`: without the
/// `ecs.availability-zone` attribute), of group `group`, with `eni` awsvpc task slots.
pub fn add_instance(c: &mut Cluster, az: Option<&'static str>, cpu: u32, mem: u32, group: u16, eni: u32) -> InstanceId {
    let id = InstanceId(c.instances.len() as u32);
    let az_index = match az {
        Some("a") | None => 0,
        Some("b") => 1,
        _ => 2,
    };
    let resources = Resources {
        cpu_units: cpu,
        memory_mib: mem,
        eni_slots: eni,
        gpus: 0,
    };
    c.add(Instance {
        status: InstanceStatus::Active,
        ..Instance::new(id, GroupIdx(group), AzIdx(az_index), resources, SimTime::ZERO)
    });
    if let Some(a) = az {
        c.set_attr(id, "ecs.availability-zone", a);
    }
    c.set_attr(id, "ecs.instance-type", "m5.xlarge");
    id
}

/// Every example scenario under `scenarios/` (TOML or JSON), in name order.
pub fn example_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("scenarios")
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "json"))
        .collect();
    files.sort();
    files
}

/// The `ecsim` binary this test build made.
pub fn ecsim() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
}

/// `ecsim run FILE --out OUT`, which must succeed.
pub fn run_into(file: &str, out: &Path) {
    let run = ecsim().args(["run", file, "--out"]).arg(out).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
}
