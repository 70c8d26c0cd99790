//! Same scenario and seed, same bytes; another seed, other bytes.

use ecsim::runner::run_to_dir;
use ecsim::scenario;
use ecsim::sim::RunOptions;
use std::path::Path;

fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "metrics.csv",
        "events.csv",
        "workloads.csv",
        "summary.csv",
        "summary.json",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
    .collect()
}

#[test]
fn same_seed_gives_byte_identical_outputs() {
    for file in [
        "scenarios/memberof-instance-types.toml",
        "scenarios/alibaba-trace-replay.toml",
        "scenarios/web-daily-target-tracking.toml",
        "scenarios/web-fargate-spot-mix.toml",
        "scenarios/batch-scale-from-zero.toml",
    ] {
        let sc = scenario::load(Path::new(file)).unwrap();
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        run_to_dir(&sc, a.path(), RunOptions::default()).unwrap();
        run_to_dir(&sc, b.path(), RunOptions::default()).unwrap();
        let (oa, ob) = (outputs(a.path()), outputs(b.path()));
        for ((name, x), (_, y)) in oa.iter().zip(&ob) {
            assert!(!x.is_empty(), "{file}: {name} is empty");
            assert!(x == y, "{file}: {name} differs between two runs with the same seed");
        }
        // No temporary files are left behind.
        let left: Vec<_> = std::fs::read_dir(a.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn another_seed_gives_another_run() {
    let mut sc = scenario::load(Path::new("scenarios/memberof-instance-types.toml")).unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run_to_dir(&sc, a.path(), RunOptions::default()).unwrap();
    sc.seed += 1;
    run_to_dir(&sc, b.path(), RunOptions::default()).unwrap();
    let ea = std::fs::read(a.path().join("events.csv")).unwrap();
    let eb = std::fs::read(b.path().join("events.csv")).unwrap();
    assert_ne!(ea, eb, "the seed must drive arrivals, durations and tie-breaks");
}

#[test]
fn results_do_not_depend_on_worker_threads() {
    // The CLI runs several scenarios on rayon; each run owns its simulation, so running the
    // same scenario on 1 and on 4 threads gives the same bytes.
    let sc = scenario::load(Path::new("scenarios/binpack-vs-spread.toml")).unwrap();
    let run_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            use rayon::prelude::*;
            (0..4)
                .into_par_iter()
                .map(|_| {
                    let d = tempfile::tempdir().unwrap();
                    run_to_dir(&sc, d.path(), RunOptions::default()).unwrap();
                    outputs(d.path())
                })
                .collect::<Vec<_>>()
        })
    };
    let one = run_on(1);
    let four = run_on(4);
    assert!(one.iter().chain(four.iter()).all(|o| *o == one[0]));
}

/// A zero-length PENDING whose end would be the next event is handled where it is scheduled
/// instead of through the queue (`Env::handle_in_place`): the outputs must be exactly those
/// of a run that queues it. A run with invariants checked after every event queues every
/// stage, so the two runs are compared on every event and the summary (which counts events).
#[test]
fn zero_length_stages_handled_in_place_change_no_output() {
    use ecsim::metrics::VecSink;
    let mut sc = scenario::load(Path::new("benches/scenarios/cluster-80-h100.toml")).unwrap();
    assert_eq!(
        sc.lifecycle.pending.mean_ms(),
        0.0,
        "the scenario has zero-length PENDING"
    );
    sc.duration_ms = 2_000_000;
    let run = |checked: bool| {
        let mut sink = VecSink::default();
        let opts = RunOptions {
            check_invariants_every_event: checked,
            ..Default::default()
        };
        let r = ecsim::sim::run(&sc, &mut sink, opts).unwrap();
        (r, sink.0)
    };
    let (fast, fast_events) = run(false);
    let (queued, queued_events) = run(true);
    assert_eq!(queued.events_handled_in_place, 0);
    assert!(
        fast.events_handled_in_place > 1000,
        "the in-place path was taken ({} times)",
        fast.events_handled_in_place
    );
    assert!(fast_events.len() > 10_000);
    assert!(fast_events == queued_events, "the event logs differ");
    assert_eq!(fast.summary, queued.summary);
}
