//! Sweep scaling: the 64-run sweep of benches/scenarios/sweep-64.toml on 1 and on 2 worker
//! threads (outputs written to a temporary directory, no events.csv, no plots). The issue's
//! target is at least 1.8 times the single-thread throughput on a 2-core machine.
//!
//! Run: `cargo bench --bench sweep`

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use ecsim::scenario::experiment::Document;
use std::path::Path;
use std::time::Duration;

fn sweep(c: &mut Criterion) {
    let doc = Document::load(Path::new("benches/scenarios/sweep-64.toml")).unwrap_or_else(|d| panic!("{d}"));
    let mut group = c.benchmark_group("sweep-64");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(64));
    for jobs in [1usize, 2] {
        group.bench_with_input(BenchmarkId::new("runs", format!("{jobs}-threads")), &jobs, |b, jobs| {
            // Creating and deleting the output directory is not timed (it is single-threaded
            // file-system work outside the sweep).
            b.iter_batched(
                || tempfile::tempdir().expect("temp dir"),
                |dir| {
                    let r = ecsim::sweep::run_sweep(&doc, dir.path(), Some(*jobs), None, false).expect("sweep");
                    assert_eq!(r.runs_done, 64);
                    dir
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
