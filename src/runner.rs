//! One run of one scenario into its results directory: `metrics.csv`, `events.csv`,
//! `explanations.json`, `summary.csv` and `summary.json`, each written under a temporary name and renamed, after the
//! previous run's outputs are removed.

use crate::metrics::{write_atomically, CsvEventSink, CsvMetricsSink, NullSink, Summary};
use crate::scenario::Scenario;
use crate::sim::{self, RunOptions, SimError};
use std::path::{Path, PathBuf};

/// Every file a run writes into its directory (the dashboard and report.html are drawn after
/// the run).
pub const RUN_OUTPUTS: [&str; 9] = [
    "metrics.csv",
    "events.csv",
    "explanations.json",
    "workloads.csv",
    "summary.csv",
    "summary.json",
    "dashboard.png",
    "dashboard.svg",
    "report.html",
];

/// The data files of a run, in the order it writes them (summary.csv, last, marks a complete
/// run); events.csv and explanations.json only when the run writes events.
pub const RUN_DATA_FILES: [&str; 6] = [
    "metrics.csv",
    "events.csv",
    "explanations.json",
    "workloads.csv",
    "summary.json",
    "summary.csv",
];

/// Why a run did not produce its outputs.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Sim(SimError),
}

/// Runs `sc` and writes its outputs into `out_dir` (created if needed).
pub fn run_to_dir(sc: &Scenario, out_dir: &Path, opts: RunOptions) -> Result<Summary, RunError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Io { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    // A run's outputs are one set: the previous run's go first, so that a rerun with fewer
    // outputs (--no-events, --no-plots) or one stopped midway never leaves files of two runs
    // side by side (an interrupted run leaves a subset of its own files, each whole).
    for name in RUN_OUTPUTS {
        let path = out_dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(RunError::Io { path, source: e }),
        }
    }
    // events.csv and metrics.csv stream to temporary files as the run goes (memory does not
    // grow with their length) and are renamed into place when it ends.
    let events_path = out_dir.join("events.csv");
    let metrics_path = out_dir.join("metrics.csv");
    let mut metrics = CsvMetricsSink::create(&metrics_path).map_err(io(&metrics_path))?;
    let result = if sc.outputs.events {
        let mut sink = CsvEventSink::create(&events_path).map_err(io(&events_path))?;
        let r = sim::run_streaming(sc, &mut sink, &mut metrics, opts).map_err(RunError::Sim)?;
        sink.finish().map_err(io(&events_path))?;
        r
    } else {
        let mut sink = NullSink;
        sim::run_streaming(sc, &mut sink, &mut metrics, opts).map_err(RunError::Sim)?
    };
    metrics.finish().map_err(io(&metrics_path))?;
    if sc.outputs.events {
        // The decisions report.html explains, beside the events they belong to.
        let path = out_dir.join("explanations.json");
        write_atomically(&path, result.report_explanations.to_json().as_bytes()).map_err(io(&path))?;
    }
    let workloads_path = out_dir.join("workloads.csv");
    write_atomically(&workloads_path, result.summary.workloads_csv().as_bytes()).map_err(io(&workloads_path))?;
    let json_path = out_dir.join("summary.json");
    write_atomically(&json_path, result.summary.to_json().as_bytes()).map_err(io(&json_path))?;
    // summary.csv comes last: its presence marks a complete run (sweeps resume on it).
    let csv_path = out_dir.join("summary.csv");
    write_atomically(&csv_path, result.summary.to_csv().as_bytes()).map_err(io(&csv_path))?;
    Ok(result.summary)
}
