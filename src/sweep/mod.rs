//! Parameter sweeps: every combination of the `[sweep]` axes, replicated, run on rayon across
//! cores; one results directory per run (`runs/run-00042/`), `sweep-plan.json`, `runs.csv`
//! and `stats.csv` (`tables.rs`). Results are written by run index, so the bytes do not depend on the number of
//! threads; a run whose directory holds all its outputs is complete (each file is written
//! atomically, summary.csv last) and is skipped when the sweep is run again; shards of a
//! sweep can run on different machines and be merged into the same bytes.

use crate::metrics::write_atomically;
use crate::runner::{run_to_dir, RunError};
use crate::scenario::experiment::{Document, RunSpec, SweepPlan};
use crate::scenario::Diagnostics;
use crate::sim::RunOptions;
use rayon::prelude::*;
use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub mod tables;

/// Which share of the runs this process does: runs with `index % count == shard`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses `I/N`, or `auto/N` to read the index from the array-job environment
    /// (`SLURM_ARRAY_TASK_ID`, `AWS_BATCH_JOB_ARRAY_INDEX`, `JOB_COMPLETION_INDEX`).
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: expected I/N, e.g. 0/4 or auto/4"))?;
        let count: usize = n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("--shard {text}: N must be a positive integer"))?;
        let index: usize = if i == "auto" {
            let vars = [
                "SLURM_ARRAY_TASK_ID",
                "AWS_BATCH_JOB_ARRAY_INDEX",
                "JOB_COMPLETION_INDEX",
            ];
            let found = vars.iter().find_map(|v| env(v));
            let v = found.ok_or_else(|| format!("--shard auto/{count}: none of {} is set", vars.join(", ")))?;
            v.trim()
                .parse()
                .map_err(|_| format!("--shard auto: the array index \"{v}\" is not a number"))?
        } else {
            i.parse()
                .map_err(|_| format!("--shard {text}: I must be a number or auto"))?
        };
        if index >= count {
            return Err(format!("--shard {index}/{count}: I must be below N"));
        }
        Ok(Shard { index, count })
    }
}

#[derive(Debug)]
pub enum SweepError {
    Input(Diagnostics),
    Plan(String),
    Run { run: usize, seed: u64, error: RunError },
    Io { path: PathBuf, source: std::io::Error },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::Input(d) => write!(f, "{d}"),
            SweepError::Plan(m) => write!(f, "error: {m}"),
            SweepError::Run { run, seed, error } => write!(f, "error: run {run} (seed {seed}): {error}"),
            SweepError::Io { path, source } => write!(f, "error: cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for SweepError {}

/// How a sweep went.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepReport {
    pub runs_total: usize,
    pub runs_done: usize,
    pub runs_skipped: usize,
    /// Whether `runs.csv` and `stats.csv` were written (all runs present).
    pub complete: bool,
}

fn run_dir(out: &Path, index: usize) -> PathBuf {
    out.join("runs").join(format!("run-{index:05}"))
}

/// Builds the scenario of one run: the axes' values set, the derived seed.
pub fn run_scenario(doc: &Document, plan: &SweepPlan, run: &RunSpec) -> Result<crate::scenario::Scenario, SweepError> {
    let mut d = doc.clone();
    for (a, v) in plan.axes.iter().zip(&run.values) {
        d = d
            .with_override(&a.path, a.values[*v].clone())
            .map_err(SweepError::Plan)?;
    }
    let mut sc = d.scenario_only().map_err(SweepError::Input)?;
    sc.seed = run.seed;
    Ok(sc)
}

/// The plan as JSON: what every shard and `merge` agree on.
fn plan_json(plan: &SweepPlan, scenario: &str, fingerprint: u64) -> String {
    let runs: Vec<serde_json::Value> = plan
        .runs()
        .iter()
        .map(|r| {
            serde_json::json!({
                "run": r.index,
                "combination": r.combination,
                "replication": r.replication,
                "seed": r.seed,
                "values": r.values.iter().zip(&plan.axes).map(|(v, a)| a.labels[*v].clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "scenario": scenario,
        "scenario_fingerprint": format!("{fingerprint:016x}"),
        "replications": plan.replications,
        "base_seed": plan.base_seed,
        "axes": plan.axes.iter().map(|a| serde_json::json!({"name": a.name, "path": a.path, "values": a.labels})).collect::<Vec<_>>(),
        "runs": runs,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("plain data");
    s.push('\n');
    s
}

/// Runs the sweep (or this shard of it) into `out`.
pub fn run_sweep(
    doc: &Document,
    out: &Path,
    jobs: Option<usize>,
    shard: Option<Shard>,
    events: bool,
) -> Result<SweepReport, SweepError> {
    let plan = doc
        .sweep_plan()
        .map_err(SweepError::Input)?
        .ok_or_else(|| SweepError::Plan(format!("{}: the scenario has no [sweep] table", doc.file)))?;
    let base = doc.scenario().map_err(SweepError::Input)?;
    std::fs::create_dir_all(out.join("runs")).map_err(io_error(out))?;
    write_plan(doc, &plan, &base, out)?;
    let runs = plan.runs();
    let mine: Vec<&RunSpec> = runs
        .iter()
        .filter(|r| shard.is_none_or(|s| r.index % s.count == s.index))
        .collect();
    let with_events = events && base.outputs.events;
    let todo: Vec<&RunSpec> = mine
        .iter()
        .copied()
        .filter(|r| !run_complete(&run_dir(out, r.index), with_events))
        .collect();
    let skipped = mine.len() - todo.len();
    let results = run_all(doc, &plan, &todo, out, jobs, events)?;
    // Errors are reported in run-index order.
    for r in results {
        r?;
    }
    let complete = runs.iter().all(|r| run_complete(&run_dir(out, r.index), with_events));
    if complete {
        tables::write_tables(&plan, out, &run_dir)?;
    }
    Ok(SweepReport {
        runs_total: runs.len(),
        runs_done: todo.len(),
        runs_skipped: skipped,
        complete,
    })
}

/// The error for an input or output failure at `path`.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError {
    let path = path.to_path_buf();
    move |source| SweepError::Io { path, source }
}

/// Writes `out/sweep-plan.json`. Resuming is only for the same plan: runs swept from another
/// scenario, input file, seed or axes would be reused silently, so a different plan already
/// there is an error.
fn write_plan(
    doc: &Document,
    plan: &SweepPlan,
    base: &crate::scenario::Scenario,
    out: &Path,
) -> Result<(), SweepError> {
    let plan_path = out.join("sweep-plan.json");
    let fingerprint = doc.fingerprint(&base.input_files).map_err(SweepError::Plan)?;
    let plan_text = plan_json(plan, &base.name, fingerprint);
    if let Ok(existing) = std::fs::read_to_string(&plan_path) {
        if existing != plan_text {
            return Err(SweepError::Plan(format!(
                "{} holds a sweep of another plan (the scenario, a file it reads, its seed or its axes changed); sweep into a new --out directory, or delete this one",
                out.display()
            )));
        }
    }
    write_atomically(&plan_path, plan_text.as_bytes()).map_err(io_error(&plan_path))
}

/// Runs `todo` on `jobs` worker threads (every core when `None`), each into its directory
/// under `out`, with a progress bar on a terminal; the results in `todo`'s order.
fn run_all(
    doc: &Document,
    plan: &SweepPlan,
    todo: &[&RunSpec],
    out: &Path,
    jobs: Option<usize>,
    events: bool,
) -> Result<Vec<Result<(), SweepError>>, SweepError> {
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(todo.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {per_sec}, {eta} left")
                .expect("a valid template"),
        );
        Some(b)
    } else {
        None
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| SweepError::Plan(format!("cannot start worker threads: {e}")))?;
    let results = pool.install(|| {
        // One run per rayon task, so idle threads can always steal the next run: runs differ a
        // lot in length, and larger chunks leave one thread finishing alone.
        todo.par_iter()
            .with_max_len(1)
            .map(|r| {
                let mut sc = run_scenario(doc, plan, r)?;
                sc.outputs.events = events && sc.outputs.events;
                let res =
                    run_to_dir(&sc, &run_dir(out, r.index), RunOptions::default()).map_err(|error| SweepError::Run {
                        run: r.index,
                        seed: r.seed,
                        error,
                    });
                if let Some(b) = &bar {
                    b.inc(1);
                }
                res.map(|_| ())
            })
            .collect()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(results)
}

/// Whether a run's directory holds a complete run: every output (events.csv only when
/// `events`). The runner removes a directory's old outputs before it writes and writes
/// summary.csv last, so a run stopped midway lacks summary.csv; a file deleted since (or
/// lost in a copy) makes the run incomplete too, and it runs again.
fn run_complete(dir: &Path, events: bool) -> bool {
    crate::runner::RUN_DATA_FILES
        .iter()
        .filter(|f| events || !matches!(**f, "events.csv" | "explanations.json"))
        .all(|f| dir.join(f).is_file())
}

/// Joins shard outputs into `out`: copies every run directory, checks the plans agree, and
/// writes the same `sweep-plan.json` and `runs.csv` and `stats.csv` a single-machine sweep writes.
pub fn merge(doc: &Document, dirs: &[PathBuf], out: &Path) -> Result<SweepReport, SweepError> {
    let plan = doc
        .sweep_plan()
        .map_err(SweepError::Input)?
        .ok_or_else(|| SweepError::Plan(format!("{}: the scenario has no [sweep] table", doc.file)))?;
    let base = doc.scenario().map_err(SweepError::Input)?;
    let fingerprint = doc.fingerprint(&base.input_files).map_err(SweepError::Plan)?;
    let expected = plan_json(&plan, &base.name, fingerprint);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SweepError::Io { path, source }
    };
    std::fs::create_dir_all(out.join("runs")).map_err(io(out))?;
    for d in dirs {
        let p = d.join("sweep-plan.json");
        let text = std::fs::read_to_string(&p).map_err(io(&p))?;
        if text != expected {
            return Err(SweepError::Plan(format!(
                "{} was made from another sweep plan than {}",
                p.display(),
                doc.file
            )));
        }
        let runs = d.join("runs");
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&runs)
            .map_err(io(&runs))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for src in entries {
            let name = src.file_name().expect("a directory entry").to_owned();
            let dst = out.join("runs").join(name);
            // A run is taken from the first shard directory that holds it whole (events.csv
            // and explanations.json are copied when present: a shard may have run with
            // --no-events), summary.csv last.
            if run_complete(&dst, false) || !run_complete(&src, false) {
                continue;
            }
            std::fs::create_dir_all(&dst).map_err(io(&dst))?;
            for f in crate::runner::RUN_DATA_FILES {
                let s = src.join(f);
                if s.is_file() {
                    let bytes = std::fs::read(&s).map_err(io(&s))?;
                    write_atomically(&dst.join(f), &bytes).map_err(io(&dst))?;
                }
            }
        }
    }
    let plan_path = out.join("sweep-plan.json");
    write_atomically(&plan_path, expected.as_bytes()).map_err(io(&plan_path))?;
    let runs = plan.runs();
    let present = runs
        .iter()
        .filter(|r| run_complete(&run_dir(out, r.index), false))
        .count();
    let complete = present == runs.len();
    if complete {
        tables::write_tables(&plan, out, &run_dir)?;
    } else {
        return Err(SweepError::Plan(format!(
            "{} of {} runs are missing; run the remaining shards first",
            runs.len() - present,
            runs.len()
        )));
    }
    Ok(SweepReport {
        runs_total: runs.len(),
        runs_done: 0,
        runs_skipped: present,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing() {
        let none = |_: &str| None;
        assert_eq!(Shard::parse("1/4", &none), Ok(Shard { index: 1, count: 4 }));
        assert!(Shard::parse("4/4", &none).is_err());
        assert!(Shard::parse("auto/4", &none).is_err());
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "3".to_string());
        assert_eq!(Shard::parse("auto/4", &slurm), Ok(Shard { index: 3, count: 4 }));
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(Shard::parse("auto/2", &k8s), Ok(Shard { index: 0, count: 2 }));
    }
}
