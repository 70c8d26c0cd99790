//! The `ecsim` command line. clap types stay in this module; everything else receives plain
//! values. Exit codes: 0 success, 1 a run failed, 2 usage or input error.

use crate::aws::ecs::model::TaskNumber;
use crate::formats::{Format, Validation};
use crate::runner::run_to_dir;
use crate::scenario::experiment::{value_from_text, Document};
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
        /// Override a scenario field, e.g. --set services[web].desired_count=8 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Do not draw dashboard.png / dashboard.svg.
        #[arg(long)]
        no_plots: bool,
        /// text (default) or json (each run's directory and summary as a JSON document).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Redraw plots from a results directory's CSV files (a run's dashboard, or a sweep's
    /// charts).
    Plot { dir: PathBuf },
    /// Write a run directory's report.html from its files: one self-contained page with the
    /// summary, per-workload table, interactive charts and the filterable event log.
    Report { dir: PathBuf },
    /// Two runs' figures side by side (from each directory's summary.json), with B - A.
    Compare {
        a: PathBuf,
        b: PathBuf,
        /// text (default) or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Run every combination of a scenario's [sweep] axes, replicated, on all cores; write
    /// one directory per run, runs.csv and stats.csv.
    Sweep {
        file: PathBuf,
        /// Output directory (default results/<scenario name>/sweep).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run only share I of N (I/N), or auto/N to take I from SLURM_ARRAY_TASK_ID,
        /// AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX.
        #[arg(long)]
        shard: Option<String>,
        /// Do not write each run's events.csv.
        #[arg(long)]
        no_events: bool,
    },
    /// Join the outputs of sweep shards into one sweep directory.
    Merge {
        /// The scenario file the sweep came from.
        file: PathBuf,
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Explain a placement (--task or --at) or a service's scaling decisions (--service).
    Explain {
        file: PathBuf,
        /// A task id from events.csv, e.g. t-00000012.
        #[arg(long, conflicts_with_all = ["at", "service"])]
        task: Option<String>,
        /// The first placement at or after this simulated time, e.g. 90s or 1h30m; with
        /// --service, the service's last scaling evaluation at or before it (why it did or
        /// did not scale then).
        #[arg(long)]
        at: Option<String>,
        /// A service whose scaling evaluations to explain (those with an alarm in ALARM or a
        /// change; with --at, the one at that time).
        #[arg(long, conflicts_with = "capacity_provider")]
        service: Option<String>,
        /// A capacity provider whose managed-scaling minute at --at to explain: M, N,
        /// CapacityProviderReservation, warm-up, and why instances were or were not added or
        /// removed.
        #[arg(long, requires = "at")]
        capacity_provider: Option<String>,
        /// With --service: only the evaluations that changed the desired count.
        #[arg(long, requires = "service")]
        decisions: bool,
        /// text (default) or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Run scenarios and check their [[expect]] entries; exit 0 when all hold, 1 otherwise.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also write the results as JUnit XML.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// A directory of earlier runs to compare with (`DIR/<scenario name>/summary.json`, as
        /// `ecsim run FILES --out DIR` writes them): expectations with a `tolerance` fail when
        /// their figure moved further than that from the baseline's.
        #[arg(long, value_name = "DIR")]
        baseline: Option<PathBuf>,
        /// Fail on files without expectations and on baseline expectations with no baseline.
        #[arg(long)]
        strict: bool,
        /// text (default) or json (the table as a JSON document on standard output).
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// How many more tasks of a task definition fit at a moment of the run, and where; and
    /// which instances could be removed with their tasks placed on the others.
    Fit {
        file: PathBuf,
        /// The simulated time to look at, e.g. 2h (at most the scenario's duration).
        #[arg(long)]
        at: String,
        /// The task definition (its family) whose tasks to fit.
        #[arg(long = "task-definition", value_name = "FAMILY")]
        task_definition: String,
        /// Override a scenario field first (repeatable), as for run.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// text (default) or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// List the embedded EC2 instance-type catalog: vCPU, memory, GPUs, architecture, ENIs,
    /// awsvpc task limits and the on-demand price in a region.
    Catalog {
        /// Only this family, e.g. m7g.
        #[arg(long)]
        family: Option<String>,
        /// The region whose prices to show.
        #[arg(long, default_value = crate::aws::ec2_autoscaling::DEFAULT_REGION)]
        region: String,
        /// text (default) or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Write a scenario from AWS configuration: the JSON the AWS CLI prints (ecs
    /// describe-task-definition / describe-services / describe-clusters /
    /// describe-capacity-providers / describe-container-instances, autoscaling
    /// describe-auto-scaling-groups / describe-launch-configurations, ec2
    /// describe-launch-template-versions, application-autoscaling describe-scalable-targets /
    /// describe-scaling-policies / describe-scheduled-actions, cloudwatch describe-alarms)
    /// and CloudFormation templates (.yaml / .yml / .json). Prints the fields it ignored and why.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The scenario file to write (default: stdout).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// The scenario's name (default: the cluster's name, or "imported").
        #[arg(long)]
        name: Option<String>,
        /// Write the report of ignored fields to this file instead of stderr.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Write a scenario's ECS-shaped parts (cluster, task definitions, services, capacity
    /// providers, Auto Scaling groups, Application Auto Scaling) as the JSON the AWS CLI
    /// prints, one file per describe command; `ecsim import` reads them back.
    Export {
        file: PathBuf,
        /// The directory to write (created; it must not exist or be empty).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Print the scenario file's JSON Schema (for editors: taplo / Even Better TOML's
    /// `#:schema` directive, JSON's `$schema`), or with --reference the field reference in
    /// Markdown. Both are generated from the schema declaration (docs/ holds them committed).
    Schema {
        #[arg(long)]
        reference: bool,
    },
    /// Print a shell completion script (e.g. `ecsim completions bash > ~/.local/share/bash-completion/completions/ecsim`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Check scenario files and report every problem; exit 0 if all are valid, 2 otherwise.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// text (default), json, github (GitHub Actions annotations) or gitlab (a GitLab Code
        /// Quality report).
        #[arg(long, default_value = "text", value_parser = ["text", "json", "github", "gitlab"])]
        format: String,
    },
}

/// `ecsim catalog`: the embedded instance types (one family, or all), priced in `region`.
fn catalog(family: Option<&str>, region: &str, format: &str) -> i32 {
    use crate::aws::ec2_autoscaling::{catalog_entries, catalog_price, catalog_regions};
    if !catalog_regions().contains(&region) {
        eprintln!(
            "error: --region {region}: the embedded prices cover {}",
            catalog_regions().join(", ")
        );
        return EXIT_INPUT;
    }
    let mut rows: Vec<_> = catalog_entries()
        .iter()
        .filter(|e| family.is_none_or(|f| e.family == f))
        .collect();
    // By family, then size (vCPU, memory), as a reader scans a family.
    rows.sort_by(|a, b| {
        let key = |e: &crate::aws::ec2_autoscaling::CatalogEntry| {
            (
                e.family.clone(),
                e.instance_type.vcpu,
                e.instance_type.memory_mib,
                e.instance_type.name.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    if rows.is_empty() {
        eprintln!(
            "error: --family {}: no such family in the catalog",
            family.unwrap_or("")
        );
        return EXIT_INPUT;
    }
    let price = |name: &str| catalog_price(region, name);
    if format == "json" {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|e| {
                let t = &e.instance_type;
                serde_json::json!({
                    "instance_type": t.name, "family": e.family, "vcpu": t.vcpu,
                    "memory_mib": t.memory_mib, "gpus": t.gpus, "gpu_name": e.gpu_name,
                    "architecture": t.cpu_architecture, "max_enis": t.max_eni,
                    "awsvpc_tasks_without_trunking": t.eni_task_slots(false),
                    "awsvpc_tasks_with_trunking": t.trunk_eni_tasks,
                    "usd_per_hour": price(&t.name),
                })
            })
            .collect();
        let doc = serde_json::json!({ "region": region, "instance_types": list });
        write_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("plain data")
        ));
        return EXIT_OK;
    }
    let mut out = format!(
        "{:<20} {:>5} {:>10} {:>4} {:<7} {:>4} {:>13} {:>10}\n",
        "instance_type", "vcpu", "memory_mib", "gpus", "arch", "enis", "awsvpc_tasks", "usd/h"
    );
    for e in rows {
        let t = &e.instance_type;
        let tasks = match t.trunk_eni_tasks {
            Some(n) => format!("{}/{n}", t.eni_task_slots(false)),
            None => format!("{}/-", t.eni_task_slots(false)),
        };
        let usd = price(&t.name).map_or("-".to_string(), |p| format!("{p:.4}"));
        out += &format!(
            "{:<20} {:>5} {:>10} {:>4} {:<7} {:>4} {:>13} {:>10}\n",
            t.name, t.vcpu, t.memory_mib, t.gpus, t.cpu_architecture, t.max_eni, tasks, usd
        );
    }
    out += &format!(
        "awsvpc_tasks: without / with ENI trunking ('-': not in the ECS trunking table); prices: {region} on-demand Linux (2026-07-20 snapshot)\n"
    );
    write_out(&out);
    EXIT_OK
}

/// `ecsim import`: AWS configuration to a validated scenario, and the report of what was
/// left out.
fn import(files: &[PathBuf], out: Option<&Path>, name: Option<&str>, report: Option<&Path>) -> i32 {
    let imported = match crate::import::import(files, name) {
        Ok(i) => i,
        Err(d) => {
            eprint!("{d}");
            return EXIT_INPUT;
        }
    };
    let mut text = format!("{} field(s) of the input were not imported:\n", imported.ignored.len());
    for i in &imported.ignored {
        text += &format!("  {i}\n");
    }
    match report {
        Some(p) => {
            if let Err(e) = crate::metrics::write_atomically(p, text.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", p.display());
                return EXIT_RUN_FAILED;
            }
        }
        None => eprint!("{text}"),
    }
    match out {
        Some(p) => {
            if let Err(e) = crate::metrics::write_atomically(p, imported.scenario.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", p.display());
                return EXIT_RUN_FAILED;
            }
            eprintln!("wrote {}", p.display());
        }
        None => write_out(&imported.scenario),
    }
    EXIT_OK
}

/// `ecsim export`: the files are written into a fresh directory beside `out` and renamed
/// into place, so an interrupted export leaves no partial set.
fn export(file: &Path, out: &Path) -> i32 {
    let files = match crate::import::export::export_file(file) {
        Ok(f) => f,
        Err(d) => {
            eprint!("{d}");
            return EXIT_INPUT;
        }
    };
    let write = || -> std::io::Result<()> {
        if out.exists() {
            if std::fs::read_dir(out)?.next().is_some() {
                return Err(std::io::Error::other("the directory exists and is not empty"));
            }
            std::fs::remove_dir(out)?;
        }
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let tmp = tempfile::Builder::new().prefix(".ecsim-export").tempdir_in(parent)?;
        for (name, text) in &files {
            std::fs::write(tmp.path().join(name), text)?;
        }
        std::fs::rename(tmp.keep(), out)
    };
    match write() {
        Ok(()) => {
            eprintln!("wrote {} file(s) to {}", files.len(), out.display());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            EXIT_RUN_FAILED
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`ecsim explain ... | head`).
fn write_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_RUN_FAILED: i32 = 1;
pub const EXIT_INPUT: i32 = 2;

/// Runs the parsed command line; returns the process exit code.
/// The most worker threads `--jobs` may ask for (each is an OS thread).
const MAX_JOBS: usize = 1024;

pub fn main_with(cli: Cli) -> i32 {
    if let Command::Run { jobs: Some(j), .. } | Command::Sweep { jobs: Some(j), .. } = &cli.command {
        if *j == 0 || *j > MAX_JOBS {
            eprintln!("error: --jobs {j}: expected 1 to {MAX_JOBS} worker threads (leave it out to use every core)");
            return EXIT_INPUT;
        }
    }
    match cli.command {
        Command::Validate { files, format } => validate(&files, format_of(&format)),
        Command::Catalog { family, region, format } => catalog(family.as_deref(), &region, &format),
        Command::Import {
            files,
            out,
            name,
            report,
        } => import(&files, out.as_deref(), name.as_deref(), report.as_deref()),
        Command::Export { file, out } => export(&file, &out),
        Command::Schema { reference } => schema(reference),
        Command::Completions { shell } => completions(shell),
        Command::Fit {
            file,
            at,
            task_definition,
            set,
            format,
        } => fit(&file, &at, &task_definition, &set, format_of(&format)),
        Command::Run {
            files,
            out,
            seed,
            jobs,
            no_events,
            set,
            no_plots,
            format,
        } => run(
            &files,
            out.as_deref(),
            RunFlags {
                seed,
                jobs,
                no_events,
                plots: !no_plots,
                format: format_of(&format),
            },
            &set,
        ),
        Command::Plot { dir } => plot(&dir),
        Command::Report { dir } => report(&dir),
        Command::Compare { a, b, format } => compare(&a, &b, &format),
        Command::Sweep {
            file,
            out,
            jobs,
            shard,
            no_events,
        } => sweep(&file, out.as_deref(), jobs, shard.as_deref(), no_events),
        Command::Merge { file, dirs, out } => merge(&file, &dirs, &out),
        Command::Check {
            files,
            junit,
            baseline,
            strict,
            format,
        } => check(
            &files,
            junit.as_deref(),
            baseline.as_deref(),
            strict,
            format_of(&format),
        ),
        Command::Explain {
            file,
            task,
            at,
            service,
            capacity_provider,
            decisions,
            format,
        } => {
            let subject = match capacity_provider {
                Some(p) => Subject::CapacityProvider(p),
                None => service.map_or(Subject::Placement, Subject::Service),
            };
            explain(&file, task.as_deref(), at.as_deref(), subject, decisions, &format)
        }
    }
}

/// `ecsim schema`: the scenario format's JSON Schema, or with `--reference` its field
/// reference in Markdown.
fn schema(reference: bool) -> i32 {
    if reference {
        write_out(&crate::scenario::fields::reference_markdown());
    } else {
        write_out(&crate::scenario::fields::json_schema_text());
    }
    EXIT_OK
}

/// `ecsim completions SHELL`: generated by clap_complete from the same clap definitions the
/// binary parses.
fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "ecsim", &mut out);
    write_out(&String::from_utf8_lossy(&out));
    EXIT_OK
}

/// Prints a scenario's warnings (legal but probably unintended settings) on standard error.
fn print_warnings(sc: &Scenario) {
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }
}

/// The `--format` clap has already checked.
fn format_of(name: &str) -> Format {
    Format::parse(name).unwrap_or(Format::Text)
}

fn validate(files: &[PathBuf], format: Format) -> i32 {
    let loaded: Vec<(String, Result<Scenario, scenario::Diagnostics>)> = files
        .iter()
        .map(|f| (f.display().to_string(), scenario::load(f)))
        .collect();
    let code = if loaded.iter().all(|(_, r)| r.is_ok()) {
        EXIT_OK
    } else {
        EXIT_INPUT
    };
    if format == Format::Text {
        for (f, r) in &loaded {
            match r {
                Ok(sc) => {
                    print_warnings(sc);
                    write_out(&format!("ok: {f} (scenario \"{}\")\n", sc.name));
                }
                Err(d) => eprintln!("{d}"),
            }
        }
        return code;
    }
    let validations: Vec<Validation<'_>> = loaded
        .iter()
        .map(|(f, r)| match r {
            Ok(sc) => Validation {
                file: f.clone(),
                scenario: Some(sc.name.clone()),
                errors: &[],
                warnings: &sc.warnings,
            },
            Err(d) => Validation {
                file: f.clone(),
                scenario: None,
                errors: &d.0,
                warnings: &[],
            },
        })
        .collect();
    write_out(&match format {
        Format::Github => crate::formats::github_annotations(&validations),
        Format::Gitlab => crate::formats::gitlab_code_quality(&validations),
        _ => crate::formats::validation_json(&validations),
    });
    code
}

/// Loads a scenario with `--set` overrides applied.
fn load_with(f: &Path, set: &[String]) -> Result<Scenario, String> {
    let mut doc = Document::load(f).map_err(|d| d.to_string())?;
    for s in set {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| format!("error: --set {s}: expected PATH=VALUE, e.g. --set scenario.seed=7"))?;
        doc = doc
            .with_override(path.trim(), value_from_text(value.trim()))
            .map_err(|e| format!("error: --set {s}: {e}"))?;
    }
    let sc = doc.scenario().map_err(|mut d| {
        // A problem in an overridden value is the `--set` argument's, not the file's.
        for diag in &mut d.0 {
            let from_set = set.iter().find(|s| {
                s.split_once('=').is_some_and(|(path, _)| {
                    diag.path == path.trim() || diag.path.starts_with(&format!("{}.", path.trim()))
                })
            });
            if let Some(s) = from_set {
                diag.file = format!("--set {s}");
                diag.pos = scenario::node::Pos { line: 0, col: 0 };
            }
        }
        d.to_string()
    })?;
    print_warnings(&sc);
    Ok(sc)
}

// Long: reads every `run` option in order and reports each problem with the file it belongs to
/// `run`'s options besides its files, output directory and overrides.
struct RunFlags {
    seed: Option<u64>,
    jobs: Option<usize>,
    no_events: bool,
    plots: bool,
    format: Format,
}

/// Every scenario file with the `--set` overrides, the `--seed` and `--no-events` applied;
/// `None` (each error printed) when any does not load.
fn load_scenarios(
    files: &[PathBuf],
    set: &[String],
    seed: Option<u64>,
    no_events: bool,
) -> Option<Vec<(PathBuf, Scenario)>> {
    let mut scenarios = Vec::new();
    let mut bad = false;
    for f in files {
        match load_with(f, set) {
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
    (!bad).then_some(scenarios)
}

/// Whether no two scenarios share a name (they would write the same directory); prints the
/// first clash.
fn names_are_distinct(scenarios: &[(PathBuf, Scenario)]) -> bool {
    let mut names: Vec<(&str, &Path)> = Vec::new();
    for (f, sc) in scenarios {
        if let Some((_, other)) = names.iter().find(|(n, _)| *n == sc.name) {
            eprintln!(
                "error: {} and {} are both named \"{}\" and would write the same results; give one a different scenario.name",
                other.display(),
                f.display(),
                sc.name
            );
            return false;
        }
        names.push((&sc.name, f));
    }
    true
}

fn run(files: &[PathBuf], out: Option<&Path>, flags: RunFlags, set: &[String]) -> i32 {
    let RunFlags {
        seed,
        jobs,
        no_events,
        plots,
        format,
    } = flags;
    let Some(scenarios) = load_scenarios(files, set, seed, no_events) else {
        return EXIT_INPUT;
    };
    if out_is_not_a_directory(out) || !names_are_distinct(&scenarios) {
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
            .map(|(f, sc)| {
                let dir = dir_for(sc);
                let r = run_to_dir(sc, &dir, RunOptions::default());
                let plotted = match (&r, plots) {
                    (Ok(_), true) => crate::report::dashboard(&dir)
                        .map(drop)
                        .and_then(|_| crate::report::run_report(&dir).map(drop))
                        .err(),
                    _ => None,
                };
                (f, sc, r, plotted)
            })
            .collect()
    });
    let mut code = EXIT_OK;
    let mut json_runs = Vec::new();
    for (f, sc, r, plot_error) in results {
        if let Some(e) = plot_error {
            eprintln!(
                "warning: {}: the dashboard or report.html could not be drawn: {e}",
                f.display()
            );
        }
        if r.is_err() {
            code = EXIT_RUN_FAILED;
        }
        if format == Format::Json {
            json_runs.push(run_json(f, sc, &dir_for(sc), &r));
            if let Err(e) = &r {
                eprintln!("error: {} (seed {}): {e}", f.display(), sc.seed);
            }
            continue;
        }
        match r {
            Ok(s) => write_out(&format!(
                "ran {} (seed {}): {} events, {} tasks placed, {} placement failures, wait p95 {:.3} s, cost ${:.2}; results in {}\n{}",
                f.display(),
                sc.seed,
                s.events_processed,
                s.tasks_placed,
                s.placement_failures,
                s.task_wait_p95_s,
                s.cost_usd,
                dir_for(sc).display(),
                s.workloads_table()
            )),
            Err(e) => {
                eprintln!("error: {} (seed {}): {e}\n  rerun with: ecsim run {} --seed {}", f.display(), sc.seed, f.display(), sc.seed);
            }
        }
    }
    if format == Format::Json {
        let mut text = serde_json::to_string_pretty(&serde_json::json!({ "runs": json_runs })).expect("plain data");
        text.push('\n');
        write_out(&text);
    }
    code
}

/// One run for `run --format json`: `{"file", "seed", "out", "ok", "summary"}` (the run's
/// summary.json) or, for a run that failed, `"error"` instead of the summary.
fn run_json(
    f: &Path,
    sc: &Scenario,
    dir: &Path,
    r: &Result<crate::metrics::Summary, crate::runner::RunError>,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "file": f.display().to_string(),
        "scenario": sc.name,
        "seed": sc.seed,
        "out": dir.display().to_string(),
        "ok": r.is_ok(),
    });
    match r {
        Ok(s) => v["summary"] = serde_json::from_str(&s.to_json()).expect("summary.json parses"),
        Err(e) => v["error"] = serde_json::Value::String(e.to_string()),
    }
    v
}

/// `--out` names something that exists and is not a directory: a usage error (reported).
fn out_is_not_a_directory(out: Option<&Path>) -> bool {
    match out.filter(|o| o.exists() && !o.is_dir()) {
        Some(o) => {
            eprintln!(
                "error: --out {}: is a file; give a directory (it is created if missing)",
                o.display()
            );
            true
        }
        None => false,
    }
}

fn sweep(file: &Path, out: Option<&Path>, jobs: Option<usize>, shard: Option<&str>, no_events: bool) -> i32 {
    if out_is_not_a_directory(out) {
        return EXIT_INPUT;
    }
    let doc = match Document::load(file) {
        Ok(d) => d,
        Err(d) => {
            eprintln!("{d}");
            return EXIT_INPUT;
        }
    };
    let shard = match shard.map(|s| crate::sweep::Shard::parse(s, &|v| std::env::var(v).ok())) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let name = match doc.scenario() {
        Ok(sc) => {
            print_warnings(&sc);
            sc.name
        }
        Err(d) => {
            eprintln!("{d}");
            return EXIT_INPUT;
        }
    };
    let dir = out.map_or_else(|| Path::new("results").join(&name).join("sweep"), Path::to_path_buf);
    match crate::sweep::run_sweep(&doc, &dir, jobs, shard, !no_events) {
        Ok(r) => {
            if r.complete {
                draw_sweep_charts(&dir);
            }
            println!(
                "sweep {}: {} runs in all, {} run now, {} already complete; {}",
                file.display(),
                r.runs_total,
                r.runs_done,
                r.runs_skipped,
                if r.complete {
                    format!("results in {} and stats.csv", dir.join("runs.csv").display())
                } else {
                    format!(
                        "shard done; merge the shards with: ecsim merge {} DIRS... --out DIR",
                        file.display()
                    )
                }
            );
            EXIT_OK
        }
        Err(crate::sweep::SweepError::Input(d)) => {
            eprintln!("{d}");
            EXIT_INPUT
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_RUN_FAILED
        }
    }
}

/// A complete sweep's charts under `plots/`; a drawing failure is a warning (the CSV files,
/// the results proper, are already written).
fn draw_sweep_charts(dir: &Path) {
    if let Err(e) = crate::report::sweep_charts(dir) {
        eprintln!("warning: the sweep charts could not be drawn: {e}");
    }
    if let Err(e) = crate::report::sweep_report(dir) {
        eprintln!("warning: sweep-report.html could not be written: {e}");
    }
}

fn merge(file: &Path, dirs: &[PathBuf], out: &Path) -> i32 {
    let doc = match Document::load(file) {
        Ok(d) => d,
        Err(d) => {
            eprintln!("{d}");
            return EXIT_INPUT;
        }
    };
    match crate::sweep::merge(&doc, dirs, out) {
        Ok(r) => {
            // The same plots/ a single-machine sweep draws, from the same stats.csv.
            draw_sweep_charts(out);
            println!("merged {} runs into {}", r.runs_total, out.join("runs.csv").display());
            EXIT_OK
        }
        Err(crate::sweep::SweepError::Input(d)) => {
            eprintln!("{d}");
            EXIT_INPUT
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_RUN_FAILED
        }
    }
}

/// The baseline summary.json of scenario `name` under `dir`: `dir/<name>/summary.json`, or
/// `dir/summary.json` when it is that scenario's (a single run written with `--out dir`).
fn baseline_summary(dir: &Path, name: &str) -> Result<serde_json::Value, String> {
    let read = |p: &Path| -> Option<serde_json::Value> { serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok() };
    if let Some(v) = read(&dir.join(name).join("summary.json")) {
        return Ok(v);
    }
    match read(&dir.join("summary.json")) {
        Some(v) if v.get("scenario").and_then(|s| s.as_str()) == Some(name) => Ok(v),
        _ => Err(format!(
            "no baseline of scenario \"{name}\" in {}: expected {} (write one with: ecsim run FILE --out {})",
            dir.display(),
            dir.join(name).join("summary.json").display(),
            dir.display()
        )),
    }
}

fn check(files: &[PathBuf], junit: Option<&Path>, baseline: Option<&Path>, strict: bool, format: Format) -> i32 {
    let mut outcomes = Vec::new();
    let mut durations = Vec::new();
    let mut input_error = false;
    let mut run_error = false;
    let mut strict_failures = 0;
    for f in files {
        let loaded = Document::load(f).and_then(|d| Ok((d.scenario()?, d.expectations()?)));
        let (sc, expectations) = match loaded {
            Ok(x) => {
                print_warnings(&x.0);
                x
            }
            Err(d) => {
                eprintln!("{d}");
                input_error = true;
                continue;
            }
        };
        if expectations.is_empty() {
            let what = if strict { "error" } else { "warning" };
            eprintln!(
                "{what}: {} has no [[expect]] entries, so it checks nothing",
                f.display()
            );
            strict_failures += usize::from(strict);
            continue;
        }
        let base = match baseline.map(|d| baseline_summary(d, &sc.name)) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                eprintln!("error: {e}");
                input_error = true;
                continue;
            }
        };
        let started = std::time::Instant::now();
        let result = crate::sim::run(&sc, &mut crate::metrics::NullSink, RunOptions::default());
        durations.push((f.display().to_string(), started.elapsed()));
        match result {
            Ok(r) => outcomes.extend(crate::check::evaluate(
                &f.display().to_string(),
                &r.summary,
                &expectations,
                base.as_ref(),
            )),
            Err(e) => {
                eprintln!("error: {} (seed {}): {e}", f.display(), sc.seed);
                run_error = true;
            }
        }
    }
    write_out(&if format == Format::Json {
        crate::formats::check_json(&outcomes)
    } else {
        crate::check::table(&outcomes)
    });
    if let Some(path) = junit {
        let xml = crate::check::junit_xml(&outcomes, &durations);
        if let Err(e) = crate::metrics::write_atomically(path, xml.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return EXIT_RUN_FAILED;
        }
    }
    check_exit(&outcomes, input_error, run_error, strict, strict_failures)
}

/// The exit code of `check`: input errors first, then run errors, failed expectations, and
/// (with `--strict`) files without expectations and skipped baseline expectations.
fn check_exit(
    outcomes: &[crate::check::Outcome],
    input_error: bool,
    run_error: bool,
    strict: bool,
    mut strict_failures: usize,
) -> i32 {
    if input_error {
        return EXIT_INPUT;
    }
    let failed = outcomes
        .iter()
        .filter(|o| o.status == crate::check::Status::Fail)
        .count();
    let skipped = outcomes
        .iter()
        .filter(|o| o.status == crate::check::Status::Skipped)
        .count();
    if skipped > 0 {
        let what = if strict { "error" } else { "note" };
        eprintln!("{what}: {skipped} baseline expectation(s) skipped: no --baseline DIR given");
        strict_failures += usize::from(strict) * skipped;
    }
    if run_error {
        return EXIT_RUN_FAILED;
    }
    if failed > 0 {
        eprintln!("{failed} of {} expectations failed", outcomes.len());
        EXIT_RUN_FAILED
    } else if strict_failures > 0 {
        EXIT_RUN_FAILED
    } else {
        EXIT_OK
    }
}

/// What `explain` is about besides a time: a placement, a service or a capacity provider.
enum Subject {
    Placement,
    Service(String),
    CapacityProvider(String),
}

/// What `explain` was asked about, from its `--task`, `--at`, `--service` and
/// `--capacity-provider` options.
fn explain_request(
    task: Option<&str>,
    at: Option<&str>,
    subject: Subject,
) -> Result<crate::explain::ExplainRequest, String> {
    use crate::explain::ExplainRequest;
    if let Subject::CapacityProvider(p) = subject {
        let a = at.unwrap_or_default();
        let ms = scenario::parse_duration(a).map_err(|e| format!("--at {a}: {e}; write e.g. 90s or 1h30m"))?;
        return Ok(ExplainRequest::CapacityProviderAt(p, ms));
    }
    let service = match subject {
        Subject::Service(s) => Some(s),
        _ => None,
    };
    match (task, at, service) {
        (Some(t), _, _) => t
            .trim_start_matches("t-")
            .parse::<u32>()
            .map(ExplainRequest::Task)
            .map_err(|_| format!("--task {t}: expected a task id such as t-00000012 (see events.csv)")),
        (None, Some(a), service) => {
            let ms = scenario::parse_duration(a).map_err(|e| format!("--at {a}: {e}; write e.g. 90s or 1h30m"))?;
            Ok(match service {
                Some(s) => ExplainRequest::ServiceAt(s, ms),
                None => ExplainRequest::At(ms),
            })
        }
        (None, None, Some(s)) => Ok(ExplainRequest::Service(s)),
        (None, None, None) => Err("say what to explain: --task ID, --at TIME or --service NAME".into()),
    }
}

fn explain(
    file: &Path,
    task: Option<&str>,
    at: Option<&str>,
    subject: Subject,
    decisions_only: bool,
    format: &str,
) -> i32 {
    use crate::explain::ExplainRequest;
    if format != "text" && format != "json" {
        eprintln!("error: --format {format}: expected text or json");
        return EXIT_INPUT;
    }
    let request = match explain_request(task, at, subject) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let sc = match scenario::load(file) {
        Ok(sc) => sc,
        Err(d) => {
            eprintln!("{d}");
            return EXIT_INPUT;
        }
    };
    print_warnings(&sc);
    if let Err(e) = explain_subject_exists(&sc, &request) {
        eprintln!("error: {e}");
        return EXIT_INPUT;
    }
    let asked_task = match request {
        ExplainRequest::Task(id) => Some(id),
        _ => None,
    };
    let opts = RunOptions {
        explain: request,
        ..RunOptions::default()
    };
    match crate::sim::run(&sc, &mut crate::metrics::NullSink, opts) {
        Ok(r) => {
            if let Some(id) = asked_task.filter(|id| u64::from(*id) >= r.summary.tasks_submitted) {
                eprintln!("error: {}", no_such_task(id, r.summary.tasks_submitted));
                return EXIT_INPUT;
            }
            let mut explanations = r.explanations;
            if decisions_only {
                explanations.scaling.retain(|e| e.new_desired.is_some());
            }
            if format == "json" {
                write_out(&explanations.to_json());
            } else {
                write_out(&explanations.to_text());
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {} (seed {}): {e}", file.display(), sc.seed);
            EXIT_RUN_FAILED
        }
    }
}

/// Whether the service or capacity provider `ecsim explain` asks about exists (a provider
/// must be an Auto Scaling group provider with managed scaling); the error names the ones
/// the scenario has.
fn explain_subject_exists(sc: &Scenario, request: &crate::explain::ExplainRequest) -> Result<(), String> {
    use crate::explain::ExplainRequest;
    if let ExplainRequest::Service(name) | ExplainRequest::ServiceAt(name, _) = request {
        if !sc.services.iter().any(|s| &s.name == name) {
            let names: Vec<&str> = sc.services.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "--service {name}: no such service; the scenario has {}",
                names.join(", ")
            ));
        }
    }
    if let ExplainRequest::CapacityProviderAt(name, _) = request {
        let managed: Vec<&str> = sc
            .capacity_providers
            .iter()
            .filter(|p| {
                matches!(
                    &p.kind,
                    scenario::elastic::ProviderKind::Asg {
                        managed_scaling: Some(_),
                        ..
                    }
                )
            })
            .map(|p| p.name.as_str())
            .collect();
        if !managed.contains(&name.as_str()) {
            let have = if managed.is_empty() {
                "none".to_string()
            } else {
                managed.join(", ")
            };
            return Err(format!("--capacity-provider {name}: no Auto Scaling group provider with managed scaling of that name; the scenario has {have}"));
        }
    }
    Ok(())
}

/// The error for `--task ID` beyond the `submitted` tasks of the run, with their range.
fn no_such_task(id: u32, submitted: u64) -> String {
    let range = match submitted {
        0 => "the run starts no task".to_string(),
        1 => "the run's only task is t-00000000".to_string(),
        _ => format!("the run's tasks are t-00000000 to {}", TaskNumber(submitted - 1)),
    };
    format!(
        "--task {}: no such task; {range} (see events.csv)",
        TaskNumber(u64::from(id))
    )
}

fn fit(file: &Path, at: &str, family: &str, set: &[String], format: Format) -> i32 {
    let mut sc = match load_with(file, set) {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_INPUT;
        }
    };
    let at_ms = match scenario::parse_duration(at) {
        Ok(ms) if ms <= sc.duration_ms => ms,
        Ok(_) => {
            eprintln!(
                "error: --at {at}: after the scenario's end ({} s); give a time within the run",
                sc.duration_ms / 1000
            );
            return EXIT_INPUT;
        }
        Err(e) => {
            eprintln!("error: --at {at}: {e}; write e.g. 90s or 1h30m");
            return EXIT_INPUT;
        }
    };
    let Some(td) = sc.task_definitions.iter().position(|t| t.family == family) else {
        let names: Vec<&str> = sc.task_definitions.iter().map(|t| t.family.as_str()).collect();
        eprintln!(
            "error: --task-definition {family}: no such task definition; the scenario has {}",
            names.join(", ")
        );
        return EXIT_INPUT;
    };
    // The run up to `at` is the run itself: nothing before a moment depends on the horizon.
    sc.duration_ms = at_ms;
    let opts = RunOptions {
        fit: Some(td),
        ..RunOptions::default()
    };
    match crate::sim::run(&sc, &mut crate::metrics::NullSink, opts) {
        Ok(r) => {
            let report = r.fit.expect("asked for");
            if format == Format::Json {
                let mut text = serde_json::to_string_pretty(&report).expect("plain data");
                text.push('\n');
                write_out(&text);
            } else {
                write_out(&fit_text(&report));
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {} (seed {}): {e}", file.display(), sc.seed);
            EXIT_RUN_FAILED
        }
    }
}

/// `ecsim fit`'s answer in words.
fn fit_text(r: &crate::aws::ecs::fit::FitReport) -> String {
    let mut s = format!(
        "At t = {:.3} s, {} more task(s) of {} ({} CPU units, {} MiB) fit:\n",
        r.time_s, r.tasks_that_fit, r.task_definition, r.cpu_units, r.memory_mib
    );
    for i in &r.instances {
        s += &format!(
            "  {} {:<11} {:<11} free {:>6} CPU units {:>7} MiB: {:>4}  (limited by {})\n",
            i.instance,
            i.instance_type,
            i.availability_zone,
            i.cpu_free_units,
            i.memory_free_mib,
            i.tasks_that_fit,
            i.limited_by
        );
    }
    if r.removable.is_empty() {
        s += "No instance could be removed with its tasks placed on the others.\n";
    } else {
        s += &format!(
            "{} instance(s) could be removed, their tasks placed on the others:\n",
            r.removable.len()
        );
        for m in &r.removable {
            let moves: Vec<String> = m.tasks.iter().map(|(t, to)| format!("{t} -> {to}")).collect();
            let what = if moves.is_empty() {
                "no task besides daemons".to_string()
            } else {
                moves.join(", ")
            };
            s += &format!("  {}: {what}\n", m.instance);
        }
    }
    s
}

fn compare(a: &Path, b: &Path, format: &str) -> i32 {
    use crate::compare::{is_sweep, read_sweep, sweep_json, sweep_rows, sweep_table};
    let (na, nb) = (a.display().to_string(), b.display().to_string());
    match (is_sweep(a), is_sweep(b)) {
        (true, true) => {
            let (sa, sb) = match (read_sweep(a), read_sweep(b)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("error: {e}");
                    return EXIT_INPUT;
                }
            };
            let rows = sweep_rows(&sa, &sb);
            write_out(&if format == "json" {
                sweep_json(&rows, &na, &nb)
            } else {
                sweep_table(&rows, &na, &nb)
            });
            return EXIT_OK;
        }
        (false, false) => {}
        _ => {
            eprintln!("error: compare takes two runs or two sweeps; {na} and {nb} are one of each");
            return EXIT_INPUT;
        }
    }
    let (sa, sb) = match (crate::compare::read_summary(a), crate::compare::read_summary(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let rows = crate::compare::rows(&sa, &sb);
    if format == "json" {
        write_out(&crate::compare::json(&rows, &na, &nb));
    } else {
        write_out(&crate::compare::table(&rows, &na, &nb));
    }
    EXIT_OK
}

fn report(dir: &Path) -> i32 {
    let written = if dir.join("stats.csv").is_file() {
        crate::report::sweep_report(dir)
    } else if dir.join("summary.json").is_file() {
        crate::report::run_report(dir)
    } else {
        eprintln!(
            "error: {} holds neither summary.json (a run) nor stats.csv (a sweep)",
            dir.display()
        );
        return EXIT_INPUT;
    };
    match written {
        Ok(p) => {
            println!("wrote {}", p.display());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_RUN_FAILED
        }
    }
}

fn plot(dir: &Path) -> i32 {
    let result = if dir.join("stats.csv").is_file() {
        crate::report::sweep_charts(dir)
    } else if dir.join("metrics.csv").is_file() {
        crate::report::dashboard(dir)
    } else {
        eprintln!(
            "error: {} holds neither metrics.csv (a run) nor stats.csv (a sweep)",
            dir.display()
        );
        return EXIT_INPUT;
    };
    match result {
        Ok(files) => {
            for f in files {
                write_out(&format!("wrote {}\n", f.display()));
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_RUN_FAILED
        }
    }
}
