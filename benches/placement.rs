//! Placement throughput at 100, 1,000 and 10,000 instances, for binpack(memory) alone and for
//! the chain spread(attribute:ecs.availability-zone) then binpack(memory), on the indexed
//! fast path and (at 100 and 1,000 instances) on the reference full scan.
//!
//! Each iteration places one task (a random size from the cluster-80 menu), reserves it, and
//! releases a random earlier task, so the cluster stays at about 80 % CPU.
//!
//! Run: `cargo bench --bench placement`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim::aws::ecs::model::{
    AzIdx, Cluster, GroupIdx, Instance, InstanceId, InstanceStatus, Resources, TaskDemand, TaskId,
};
use ecsim::aws::ecs::placement::{BinpackField, PlacementRequest, Placer, QueryContext, SpreadField, Strategy};
use ecsim::engine::{RngStreams, SimTime};
use rand::Rng;
use std::time::Duration;

const MENU: [(u32, u32); 4] = [(256, 512), (512, 1024), (1024, 2048), (2048, 4096)];
const AZS: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn cluster(n: u32) -> Cluster {
    let mut c = Cluster::new();
    for k in 0..n {
        let id = InstanceId(k);
        let resources = Resources {
            cpu_units: 4096,
            memory_mib: 16384,
            eni_slots: 3,
            gpus: 0,
        };
        c.add(Instance {
            status: InstanceStatus::Active,
            ports_used: Vec::new(),
            ..Instance::new(id, GroupIdx(0), AzIdx((k % 3) as u16), resources, SimTime::ZERO)
        });
        c.set_attr(id, "ecs.availability-zone", AZS[(k % 3) as usize]);
    }
    c
}

struct Bench {
    cluster: Cluster,
    placer: Placer,
    demands: Vec<TaskDemand>,
    placed: Vec<(InstanceId, TaskId, usize)>,
    rng: ecsim::engine::StreamRng,
    next_task: u32,
    chain: Vec<Strategy>,
    use_scan: bool,
}

impl Bench {
    fn new(n: u32, spread: bool, use_scan: bool) -> Self {
        let mut cluster = cluster(n);
        let az = cluster.intern_attr("ecs.availability-zone");
        cluster.track_spread_attr(az);
        let mut chain = Vec::new();
        if spread {
            chain.push(Strategy::Spread(SpreadField::Attribute {
                attr: az,
                name: "ecs.availability-zone".into(),
            }));
        }
        chain.push(Strategy::Binpack(BinpackField::Memory));
        let demands = MENU
            .iter()
            .map(|(c, m)| TaskDemand {
                cpu_units: *c,
                memory_mib: *m,
                host_ports: Vec::new(),
                uses_eni: false,
                gpus: 0,
            })
            .collect();
        let mut b = Bench {
            cluster,
            placer: Placer::new(QueryContext::default(), 64),
            demands,
            placed: Vec::new(),
            rng: RngStreams::new(42).stream("bench"),
            next_task: 0,
            chain,
            use_scan,
        };
        // Fill to about 80 % of CPU (mean task 960 units on 4096-unit hosts).
        let target = (f64::from(n) * 4096.0 * 0.8 / 960.0) as usize;
        while b.placed.len() < target {
            b.place_one();
        }
        b
    }

    fn place_one(&mut self) -> bool {
        let k = self.rng.random_range(0..MENU.len());
        let group = ecsim::aws::ecs::model::GroupId(0);
        let req = PlacementRequest {
            demand: &self.demands[k],
            group,
            constraints: &[],
            strategies: &self.chain,
            only_instance: None,
            scope: None,
        };
        let chosen = if self.use_scan {
            self.placer.place_by_scan(&self.cluster, &req, &mut self.rng)
        } else {
            self.placer.place(&self.cluster, &req, &mut self.rng)
        };
        match chosen {
            Some(i) => {
                let t = TaskId::first_generation(self.next_task);
                self.next_task += 1;
                self.placer.reserve(&mut self.cluster, i, t, group, &self.demands[k]);
                self.placed.push((i, t, k));
                true
            }
            None => false,
        }
    }

    /// One steady-state step: place one task and release a random earlier one.
    fn step(&mut self) {
        self.place_one();
        let j = self.rng.random_range(0..self.placed.len());
        let (i, t, k) = self.placed.swap_remove(j);
        self.placer.release(
            &mut self.cluster,
            i,
            t,
            ecsim::aws::ecs::model::GroupId(0),
            &self.demands[k],
        );
    }
}

fn placement(c: &mut Criterion) {
    let mut group = c.benchmark_group("placement");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    group.warm_up_time(Duration::from_secs(1));
    for (label, spread) in [("binpack-memory", false), ("spread-az-then-binpack-memory", true)] {
        for n in [100u32, 1000, 10000] {
            let mut b = Bench::new(n, spread, false);
            group.bench_function(BenchmarkId::new(format!("{label}/indexed"), n), |bench| {
                bench.iter(|| b.step())
            });
            if n <= 1000 {
                let mut b = Bench::new(n, spread, true);
                group.bench_function(BenchmarkId::new(format!("{label}/scan"), n), |bench| {
                    bench.iter(|| b.step())
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, placement);
criterion_main!(benches);
