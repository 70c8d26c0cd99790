//! Engine throughput on the reference workload "cluster-80" (../shared/bench/WORKLOAD.md),
//! expressed as ecsim scenarios in benches/scenarios/. Reports model events per second
//! (arrivals + finishes, the workload's own definition); ecsim also processes two lifecycle
//! events per task (PROVISIONING -> PENDING -> RUNNING), which the summary's
//! events_processed counts and benches/README.md reports beside it.
//!
//! Run: `cargo bench --bench engine`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecsim::metrics::NullSink;
use ecsim::scenario;
use ecsim::sim::{self, RunOptions};
use std::path::Path;
use std::time::Duration;

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("cluster-80");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.warm_up_time(Duration::from_secs(2));
    for hosts in [100u32, 1000, 10000] {
        let path = format!("benches/scenarios/cluster-80-h{hosts}.toml");
        let sc = scenario::load(Path::new(&path)).unwrap_or_else(|d| panic!("{d}"));
        // One untimed run to learn the event counts (the run is deterministic).
        let r = sim::run(&sc, &mut NullSink, RunOptions::default()).expect("run");
        let model_events = r.summary.tasks_submitted + r.summary.tasks_completed;
        eprintln!(
            "cluster-80 H={hosts}: {model_events} model events (arrivals + finishes), {} engine events, mean CPU reserved {:.1} %",
            r.summary.events_processed, r.summary.cpu_reserved_mean_pct
        );
        group.throughput(Throughput::Elements(model_events));
        group.bench_with_input(BenchmarkId::new("model-events", hosts), &sc, |b, sc| {
            b.iter(|| sim::run(sc, &mut NullSink, RunOptions::default()).expect("run"))
        });
    }
    group.finish();
}

/// Issue target: a 7-day run of a 200-instance cluster with target tracking and managed
/// scaling on a daily curve in under 2 seconds.
fn elastic(c: &mut Criterion) {
    let mut group = c.benchmark_group("elastic-7d");
    group.sample_size(20);
    let sc = scenario::load(Path::new("benches/scenarios/elastic-7d-200.toml")).unwrap_or_else(|d| panic!("{d}"));
    let r = sim::run(&sc, &mut NullSink, RunOptions::default()).expect("run");
    eprintln!(
        "elastic-7d-200: {} engine events, {} scaling actions, {} instances launched",
        r.summary.events_processed, r.summary.scaling_actions, r.summary.instances_launched
    );
    group.throughput(Throughput::Elements(1));
    group.bench_function("run-7-days-200-instances", |b| {
        b.iter(|| sim::run(&sc, &mut NullSink, RunOptions::default()).expect("run"))
    });
    group.finish();
}

criterion_group!(benches, engine, elastic);
criterion_main!(benches);
