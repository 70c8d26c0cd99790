//! The `ecsim` command line. clap types stay in this module; everything else receives plain
//! values. Exit codes: 0 success, 1 a run failed, 2 usage or input error.

use crate::runner::run_to_dir;
use crate::scenario::{self, Scenario};
use crate::sim::RunOptions;
use clap::{Parser, Subcommand};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "ecsim",
    version,
    about = "A deterministic discrete-event simulator of Amazon ECS clusters"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run scenarios and write metrics.csv, events.csv, summary.csv and summary.json.
    Run {
        /// Scenario files (.toml or .json).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output directory (default results/<scenario name>/; with several files, one
        /// sub-directory per scenario under this one).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Run at most this many scenarios at once (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Do not write events.csv (faster for large runs).
        #[arg(long)]
        no_events: bool,
    },
    /// Check scenario files and report every problem; exit 0 if all are valid, 2 otherwise.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_RUN_FAILED: i32 = 1;
pub const EXIT_INPUT: i32 = 2;

/// Runs the parsed command line; returns the process exit code.
pub fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Command::Validate { files } => validate(&files),
        Command::Run {
            files,
            out,
            seed,
            jobs,
            no_events,
        } => run(&files, out.as_deref(), seed, jobs, no_events),
    }
}

fn validate(files: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for f in files {
        match scenario::load(f) {
            Ok(sc) => println!("ok: {} (scenario \"{}\")", f.display(), sc.name),
            Err(d) => {
                eprintln!("{d}");
                code = EXIT_INPUT;
            }
        }
    }
    code
}

fn run(files: &[PathBuf], out: Option<&Path>, seed: Option<u64>, jobs: Option<usize>, no_events: bool) -> i32 {
    let mut scenarios: Vec<(PathBuf, Scenario)> = Vec::new();
    let mut bad = false;
    for f in files {
        match scenario::load(f) {
            Ok(mut sc) => {
                if let Some(s) = seed {
                    sc.seed = s;
                }
                if no_events {
                    sc.outputs.events = false;
                }
                scenarios.push((f.clone(), sc));
            }
            Err(d) => {
                eprintln!("{d}");
                bad = true;
            }
        }
    }
    if bad {
        return EXIT_INPUT;
    }
    let dir_for = |sc: &Scenario| match out {
        Some(o) if files.len() == 1 => o.to_path_buf(),
        Some(o) => o.join(&sc.name),
        None => Path::new("results").join(&sc.name),
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs.unwrap_or(0)).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return EXIT_RUN_FAILED;
        }
    };
    // Results are collected in input order, whatever order the threads finish in.
    let results: Vec<_> = pool.install(|| {
        scenarios
            .par_iter()
            .map(|(f, sc)| (f, sc, run_to_dir(sc, &dir_for(sc), RunOptions::default())))
            .collect()
    });
    let mut code = EXIT_OK;
    for (f, sc, r) in results {
        match r {
            Ok(s) => println!(
                "ran {} (seed {}): {} events, {} tasks placed, {} placement failures, wait p95 {:.3} s, cost ${:.2}; results in {}",
                f.display(),
                sc.seed,
                s.events_processed,
                s.tasks_placed,
                s.placement_failures,
                s.task_wait_p95_s,
                s.cost_usd,
                dir_for(sc).display()
            ),
            Err(e) => {
                eprintln!("error: {} (seed {}): {e}\n  rerun with: ecsim run {} --seed {}", f.display(), sc.seed, f.display(), sc.seed);
                code = EXIT_RUN_FAILED;
            }
        }
    }
    code
}
