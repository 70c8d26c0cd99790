//! The `ecsim` binary: exit codes and where it writes.

use crate::common::{ecsim, run_into};
use std::process::Command;

#[test]
fn validate_exits_0_for_valid_files_and_2_otherwise() {
    let ok = ecsim()
        .args(["validate", "scenarios/binpack-vs-spread.toml"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[scenario]\nduration = \"forever\"\n").unwrap();
    let out = ecsim().arg("validate").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2:12: scenario.duration: invalid duration"),
        "{err}"
    );
}

#[test]
fn run_writes_the_four_outputs_under_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = ecsim()
        .args(["run", "scenarios/distinct-instance.toml", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("(seed 3)"),
        "the seed is printed on every run: {stdout}"
    );
    for f in ["metrics.csv", "events.csv", "summary.csv", "summary.json"] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    let summary = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    assert!(summary.starts_with("scenario,seed,duration_s,events_processed,tasks_submitted,"));
}

#[test]
fn a_runaway_scenario_stops_at_the_event_budget_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("busy.toml");
    std::fs::write(
        &f,
        r#"
[scenario]
max_events = 50
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
memory = 128
[[batch_jobs]]
name = "b"
task_definition = "t"
arrivals = { type = "poisson", rate_per_hour = 36000 }
task_duration = "1s"
"#,
    )
    .unwrap();
    let out = ecsim()
        .arg("run")
        .arg(&f)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("max_events = 50"), "{err}");
    assert!(err.contains("--seed 1"), "the error says how to rerun: {err}");
}

#[test]
fn usage_errors_exit_2() {
    let out = ecsim().args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sweep_explain_and_plot_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = ecsim()
        .args([
            "sweep",
            "scenarios/capacity-planning-sweep.toml",
            "--jobs",
            "2",
            "--no-events",
            "--shard",
            "1/3",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shard done; merge the shards"));
    let bad = ecsim()
        .args(["sweep", "scenarios/capacity-planning-sweep.toml", "--shard", "3/3"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("I must be below N"));
    let no_sweep = ecsim()
        .args(["sweep", "scenarios/distinct-instance.toml", "--out"])
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(no_sweep.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_sweep.stderr).contains("has no [sweep] table"));
    let explained = ecsim()
        .args(["explain", "scenarios/distinct-instance.toml", "--task", "t-00000005"])
        .output()
        .unwrap();
    assert_eq!(explained.status.code(), Some(0));
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(
        text.contains("DistinctInstance placement constraint unsatisfied."),
        "{text}"
    );
    assert!(text.contains("4. Choice: none"), "{text}");
    // A task the run never created: exit 2 with the valid range (the example has 8 tasks).
    let missing = ecsim()
        .args(["explain", "scenarios/distinct-instance.toml", "--task", "t-00099999"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("no such task; the run's tasks are t-00000000 to t-"),
        "{err}"
    );
    let none = ecsim()
        .args(["explain", "scenarios/distinct-instance.toml"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    let plot = ecsim().arg("plot").arg(dir.path()).output().unwrap();
    assert_eq!(plot.status.code(), Some(2), "a shard directory has no stats.csv yet");
}

#[test]
fn a_million_worker_threads_is_a_usage_error() {
    // Issue 15: `--jobs 1000000` tried to start a million threads.
    for jobs in ["1000000", "0"] {
        let out = ecsim()
            .args(["run", "scenarios/distinct-instance.toml", "--jobs", jobs, "--out"])
            .arg(tempfile::tempdir().unwrap().path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("expected 1 to 1024 worker threads"), "{err}");
    }
}

#[test]
fn out_naming_a_file_is_a_usage_error() {
    // Issue 15: `--out` pointing at a file gave exit 1 and a pointless "rerun with" hint.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    for cmd in ["run", "sweep"] {
        let scenario = if cmd == "run" {
            "scenarios/distinct-instance.toml"
        } else {
            "scenarios/capacity-planning-sweep.toml"
        };
        let out = ecsim().args([cmd, scenario, "--out"]).arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is a file; give a directory"), "{cmd}: {err}");
        assert!(!err.contains("rerun with"), "{cmd}: {err}");
    }
}

#[test]
fn a_bad_set_value_names_the_set_argument() {
    // Issue 15: `--set` value errors were located at an unrelated line of the file.
    let out = ecsim()
        .args([
            "run",
            "scenarios/distinct-instance.toml",
            "--set",
            "scenario.duration=-5",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: --set scenario.duration=-5: scenario.duration: expected a duration"),
        "{err}"
    );
}

#[test]
fn names_that_escape_or_share_a_results_directory_are_rejected() {
    // Issue 15: `name = ".."` wrote into the parent of the results directory, and two
    // scenarios of one name in one `run` overwrote each other silently.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/distinct-instance.toml").unwrap();
    let dots = dir.path().join("dots.toml");
    std::fs::write(&dots, text.replace("name = \"distinct-instance\"", "name = \"..\"")).unwrap();
    let out = ecsim().arg("validate").arg(&dots).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"..\" is not a valid scenario name"));
    let copy = dir.path().join("copy.toml");
    std::fs::write(&copy, &text).unwrap();
    let out = ecsim()
        .args(["run", "scenarios/distinct-instance.toml"])
        .arg(&copy)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("are both named \"distinct-instance\""), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing was written");
}

#[test]
fn a_rerun_into_the_same_directory_leaves_only_its_own_files() {
    // Issue 15: a rerun into a used directory with --no-events or --no-plots left files of two
    // runs side by side. The previous run's outputs are removed first; summary.csv is written
    // last (it marks a complete run), and temporary files have unique names.
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = ecsim()
            .args(["run", "scenarios/distinct-instance.toml", "--out"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[]);
    assert!(dir.path().join("events.csv").is_file() && dir.path().join("dashboard.png").is_file());
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    run(&["--no-events", "--no-plots"]);
    assert!(!dir.path().join("events.csv").exists(), "a stale events.csv was left");
    assert!(!dir.path().join("dashboard.png").exists(), "a stale dashboard was left");
    assert!(dir.path().join("summary.csv").is_file() && dir.path().join("summary.json").is_file());
    assert!(
        dir.path().join("notes.txt").is_file(),
        "files that are not outputs stay"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Issue 12 item 4: "`ecsim check --baseline DIR` fails when a figure moves beyond a
/// tolerance given per expectation (`tolerance = "5%"`)"; "`check --baseline` fails on a
/// scenario edited to be 10 % more expensive and passes on the original"; "`check` warns (and
/// with `--strict` fails) on files with no expectations".
#[test]
fn check_against_a_baseline_fails_when_cost_moves_beyond_its_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pinned.toml");
    let text = |count: u32| {
        format!(
            r#"
[scenario]
name = "pinned"
duration = "2h"

[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = {count}

[[task_definitions]]
family = "web"
cpu = 256
memory = 512

[[services]]
name = "web"
task_definition = "web"
desired_count = 4

[[expect]]
metric = "cost_usd"
tolerance = "5%"

[[expect]]
service = "web"
metric = "wait_p95_s"
tolerance = "30s"

[[expect]]
metric = "tasks_placed"
op = ">="
value = 4
"#
        )
    };
    std::fs::write(&file, text(10)).unwrap();
    let base = dir.path().join("base");
    let run = ecsim()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&base)
        .arg("--no-plots")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let check = |extra: &[&str]| {
        let out = ecsim().arg("check").arg(&file).args(extra).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let base_arg = base.to_str().unwrap();
    let (code, table, _) = check(&["--baseline", base_arg]);
    assert_eq!(code, Some(0), "{table}");
    assert!(
        table.contains("cost_usd within 5% of the baseline") && !table.contains("FAIL"),
        "{table}"
    );
    // Without a baseline the tolerance expectations are skipped, and --strict fails on that.
    let (code, table, err) = check(&[]);
    assert_eq!(code, Some(0), "{table}");
    assert!(
        table.contains("SKIP") && err.contains("skipped: no --baseline"),
        "{table}{err}"
    );
    assert_eq!(check(&["--strict"]).0, Some(1));
    // Eleven instances instead of ten: 10 % more expensive, beyond 5 %.
    std::fs::write(&file, text(11)).unwrap();
    let (code, table, _) = check(&["--baseline", base_arg]);
    assert_eq!(code, Some(1), "{table}");
    let cost_row = table.lines().find(|l| l.contains("cost_usd within")).unwrap();
    assert!(cost_row.ends_with("FAIL") && cost_row.contains("(baseline "), "{table}");
    // A file that checks nothing: a warning, or with --strict a failure.
    let bare = dir.path().join("bare.toml");
    std::fs::write(
        &bare,
        "[scenario]\nduration = \"1h\"\n\n[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.large\"\ncount = 1\n",
    )
    .unwrap();
    let out = ecsim().arg("check").arg(&bare).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: ")
            && String::from_utf8_lossy(&out.stderr).contains("checks nothing")
    );
    assert_eq!(
        ecsim()
            .arg("check")
            .arg(&bare)
            .arg("--strict")
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
}

/// Issue 12 item 4: "`ecsim compare A B` for two run ... directories: every summary figure
/// side by side with its difference"; "`compare` of a run with itself shows zero
/// differences"; "every `--format json` output parses".
#[test]
fn compare_shows_every_figure_of_two_runs_with_its_difference() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (out, count) in [(&a, "6"), (&b, "4")] {
        let r = ecsim()
            .args(["run", "scenarios/binpack-vs-spread.toml", "--no-plots", "--set"])
            .arg(format!("instance_groups[packed].count={count}"))
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    }
    let json = |x: &std::path::Path, y: &std::path::Path| {
        let out = ecsim()
            .arg("compare")
            .arg(x)
            .arg(y)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let same = json(&a, &a);
    let figures = same["figures"].as_array().unwrap();
    assert!(
        figures.len() > ecsim::metrics::SUMMARY_COLUMNS.len(),
        "run, service and group figures"
    );
    // Figures a run does not have (a latency without a load model) are null on both sides.
    let both_missing = |f: &serde_json::Value| f["a"].is_null() && f["b"].is_null() && f["difference"].is_null();
    assert!(
        figures
            .iter()
            .all(|f| f["difference"].as_f64() == Some(0.0) || both_missing(f)),
        "{same}"
    );
    assert!(figures.iter().any(|f| f["difference"].as_f64() == Some(0.0)));
    // Two fewer m5.xlarge ($0.192 an hour) for half an hour: $0.192 less, all of it idle.
    let diff = json(&a, &b);
    let find = |name: &str| {
        diff["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["figure"] == name)
            .unwrap()
            .clone()
    };
    assert!(
        (find("cost_usd")["difference"].as_f64().unwrap() + 0.192).abs() < 1e-6,
        "{diff}"
    );
    assert!((find("cost_idle_ec2_usd")["difference"].as_f64().unwrap() + 0.192).abs() < 1e-6);
    assert_eq!(find("services[packed].cost_usd")["difference"].as_f64(), Some(0.0));
    assert_eq!(find("instances")["difference"].as_f64(), Some(-2.0));
    let text = ecsim().arg("compare").arg(&a).arg(&b).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("instances ") && l.ends_with("-16.7%")),
        "{text}"
    );
    // Not a run directory: a usage error that says what is expected.
    let bad = ecsim().arg("compare").arg(&a).arg(dir.path()).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("summary.json"));
}

/// Issue 12 item 4: "`ecsim compare A B` for two run or sweep directories: ... for sweeps a
/// Welch t-test ... per figure". Two sweeps of one Fargate service (2 or 4 tasks, 3
/// replications); B gives the task twice the vCPU (1024 CPU units, Fargate's 1 vCPU / 2 GB
/// size), so each combination's Fargate cost rises (Fargate bills per vCPU-second). A sweep
/// compared with itself differs nowhere.
#[test]
fn compare_two_sweeps_combination_by_combination_with_welch() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string("scenarios/web-fargate-spot-mix.toml")
        .unwrap()
        .replace("duration = \"2d\"", "duration = \"3h\"")
        .replace("memory = \"1 GB\"", "memory = \"2 GB\"");
    let sweep = "\n[sweep]\nreplications = 3\naxes = [{ name = \"desired\", path = \"services[web].desired_count\", values = [2, 4] }]\n";
    for (name, text) in [("a", base.clone()), ("b", base.replace("cpu = 512", "cpu = 1024"))] {
        let file = dir.path().join(format!("{name}.toml"));
        std::fs::write(&file, format!("{text}{sweep}")).unwrap();
        let out = ecsim()
            .args(["sweep"])
            .arg(&file)
            .arg("--out")
            .arg(dir.path().join(name))
            .arg("--no-events")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let compare = |a: &str, b: &str, json: bool| {
        let mut c = ecsim();
        c.arg("compare").arg(dir.path().join(a)).arg(dir.path().join(b));
        if json {
            c.args(["--format", "json"]);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let same = compare("a", "a", false);
    assert!(same.contains("are the same in both sweeps"), "{same}");
    let figures = ecsim::metrics::SUMMARY_COLUMNS.len() - 2;
    assert!(
        same.ends_with(&format!(
            "{} of {} figures are the same in both sweeps (not shown)\n",
            2 * figures,
            2 * figures
        )),
        "{same}"
    );
    let v: serde_json::Value = serde_json::from_str(&compare("a", "b", true)).unwrap();
    let rows = v["figures"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * figures, "two combinations x every summary figure");
    for combination in ["desired=2", "desired=4"] {
        let row = rows
            .iter()
            .find(|r| r["combination"] == combination && r["figure"] == "cost_fargate_usd")
            .unwrap();
        assert!(row["difference"].as_f64().unwrap() > 0.0, "{row}");
        assert_eq!(row["a"]["n"], 3);
        let w = &row["welch"];
        if !w.is_null() {
            let (low, high, p) = (
                w["ci95_low"].as_f64().unwrap(),
                w["ci95_high"].as_f64().unwrap(),
                w["p"].as_f64().unwrap(),
            );
            assert!(low <= row["difference"].as_f64().unwrap() && row["difference"].as_f64().unwrap() <= high);
            assert!((0.0..=1.0).contains(&p));
        }
    }
    // Figures that vary between replications (waits: the seeds differ) get Welch's test.
    assert!(rows.iter().any(|r| r["welch"]["p"].is_f64()), "no figure varied");
    let text = compare("a", "b", false);
    assert!(
        text.contains("p (Welch)") && text.contains("cost_fargate_usd"),
        "{text}"
    );
    // A run against a sweep is refused.
    let mixed = ecsim()
        .arg("compare")
        .arg(dir.path().join("a"))
        .arg(dir.path().join("a/runs/run-00000"))
        .output()
        .unwrap();
    assert_eq!(mixed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("one of each"));
}

/// Issue 12 item 5: "`--format json` for `run`, `check`, `validate` (each diagnostic with
/// file, line, column, field path, message, hint)" and "GitHub and GitLab annotations format
/// for `validate`". Every output parses and has the documented shape (README,
/// "Machine-readable output").
#[test]
fn validate_run_and_check_print_json_and_ci_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[scenario]\nduration = \"1h\"\n\n[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.lrage\"\ncount = 1\n",
    )
    .unwrap();
    let out = |args: &[&std::ffi::OsStr]| ecsim().args(args).output().unwrap();
    let os = |s: &str| std::ffi::OsString::from(s);
    let good = os("scenarios/distinct-instance.toml");
    let json_of = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
    };
    let v = out(&[&os("validate"), &good, bad.as_os_str(), &os("--format"), &os("json")]);
    assert_eq!(v.status.code(), Some(2));
    let doc = json_of(&v);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["files"][0]["valid"], true);
    assert_eq!(doc["files"][0]["scenario"], "distinct-instance");
    let d = &doc["files"][1]["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], bad.display().to_string());
    // `instance_type = "m5.lrage"` on line 6, its value from column 17.
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(6), Some(17)), "{d}");
    assert_eq!(d["path"], "instance_groups[0].instance_type");
    assert_eq!(d["message"], "unknown instance type \"m5.lrage\"");
    assert_eq!(d["hint"], "did you mean \"m5.large\"?");

    let gh = out(&[&os("validate"), bad.as_os_str(), &os("--format"), &os("github")]);
    let text = String::from_utf8(gh.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "::error file={},line=6,col=17,title=instance_groups[0].instance_type::",
            bad.display()
        )),
        "{text}"
    );
    let gl = out(&[&os("validate"), bad.as_os_str(), &os("--format"), &os("gitlab")]);
    let report: serde_json::Value = serde_json::from_slice(&gl.stdout).unwrap();
    let finding = &report[0];
    assert_eq!(finding["location"]["lines"]["begin"], 6);
    assert_eq!(finding["severity"], "major");
    assert_eq!(finding["fingerprint"].as_str().unwrap().len(), 16);

    let run = out(&[
        &os("run"),
        &good,
        &os("--out"),
        dir.path().join("r").as_os_str(),
        &os("--no-plots"),
        &os("--format"),
        &os("json"),
    ]);
    assert_eq!(run.status.code(), Some(0));
    let doc = json_of(&run);
    let r = &doc["runs"][0];
    assert_eq!(
        (r["ok"].as_bool(), r["scenario"].as_str()),
        (Some(true), Some("distinct-instance"))
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r/summary.json")).unwrap()).unwrap();
    assert_eq!(r["summary"], written, "the run's summary.json, as written");

    let check = out(&[
        &os("check"),
        &os("scenarios/capacity-planning-sweep.toml"),
        &os("--format"),
        &os("json"),
    ]);
    assert_eq!(check.status.code(), Some(0));
    let doc = json_of(&check);
    assert_eq!(doc["passed"], true);
    let e = &doc["expectations"][0];
    assert_eq!(e["status"], "pass");
    assert!(
        e["line"].as_u64().unwrap() > 1 && e["measured"].is_f64() && e["bound"]["op"].is_string(),
        "{e}"
    );
}

/// Issue 12 item 7: "`ecsim fit SCENARIO --at T --task-definition X` answers 'how many more
/// tasks of X fit now, and where' and 'which instances could be removed with their tasks
/// re-placed'". binpack-vs-spread at 20 minutes: 12 m5.xlarge (4,096 CPU units; 16,384 MiB x
/// the registered fraction 0.975 = 15,974 MiB), the `packed` service's 12 web tasks (512 CPU
/// units, 2,048 MiB) binpacked on 2 of its 6 instances (7 and 5), the `balanced` service's 12
/// spread 2 per instance over the other 6. A web task needs 2,048 MiB, so an empty instance
/// takes floor(15,974 / 2,048) = 7 more, one with 2 tasks floor(11,878 / 2,048) = 5, the
/// packed ones floor(5,734 / 2,048) = 2 and floor(1,638 / 2,048) = 0: 4 x 7 + 6 x 5 + 2 + 0 =
/// 60. Removable: the 4 empty packed instances, and 4 of the 6 balanced ones, since their 12
/// tasks (which memberOf keeps in their pool) fit 7 to an instance on the 2 left: 8.
#[test]
fn fit_answers_how_many_more_tasks_fit_and_which_instances_could_go() {
    let out = ecsim()
        .args([
            "fit",
            "scenarios/binpack-vs-spread.toml",
            "--at",
            "20m",
            "--task-definition",
            "web",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["tasks_that_fit"], 60, "{r}");
    let mut per: Vec<u64> = r["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tasks_that_fit"].as_u64().unwrap())
        .collect();
    per.sort_unstable();
    assert_eq!(per, [0, 2, 5, 5, 5, 5, 5, 5, 7, 7, 7, 7]);
    assert_eq!(r["removable"].as_array().unwrap().len(), 8, "{r}");
    let text = ecsim()
        .args([
            "fit",
            "scenarios/binpack-vs-spread.toml",
            "--at",
            "20m",
            "--task-definition",
            "web",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("60 more task(s) of web") && text.contains("8 instance(s) could be removed"),
        "{text}"
    );
    for (args, what) in [
        (["--at", "2h", "--task-definition", "web"], "after the scenario's end"),
        (["--at", "20m", "--task-definition", "nope"], "no such task definition"),
    ] {
        let bad = ecsim()
            .args(["fit", "scenarios/binpack-vs-spread.toml"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&bad.stderr).contains(what));
    }
}

/// Issue 13 item 2, in part: "count ticks read '6.0'" and "the CPU panel of a scenario
/// without load is a blank 0-1 % axis". The dashboard's tasks and instances panels are
/// labelled at whole numbers only, and a panel with nothing to draw is left out ("panels
/// with no data omitted").
/// Read from dashboard.svg's text, which runs: panel title, y axis title, x axis title, the y
/// tick labels, then the x tick labels from "0.0".
#[test]
fn dashboard_counts_have_whole_ticks_and_empty_panels_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    run_into("scenarios/distinct-instance.toml", &out);
    let svg = std::fs::read_to_string(out.join("dashboard.svg")).unwrap();
    let text = regex::Regex::new(r"(?s)<text[^>]*>\s*([^<]*?)\s*</text>").unwrap();
    let texts: Vec<&str> = text.captures_iter(&svg).map(|c| c.get(1).unwrap().as_str()).collect();
    for panel in [
        "Tasks per service",
        "Instances per group: registered, and in use (with a task)",
    ] {
        let at = texts.iter().position(|t| *t == panel).unwrap();
        assert_eq!(texts[at + 2], "simulated time (h)");
        let ticks: Vec<&str> = texts[at + 3..].iter().take_while(|t| **t != "0.0").copied().collect();
        assert!(ticks.len() >= 3, "{panel}: {ticks:?}");
        assert!(ticks.iter().all(|t| t.parse::<u64>().is_ok()), "{panel}: {ticks:?}");
    }
    assert!(
        !texts.iter().any(|t| t.starts_with("Service CPU utilisation")),
        "the empty CPU panel is left out"
    );
    assert!(!texts.iter().any(|t| t.contains("(no data in this run)")));
}

/// Runs the example `file` into `out`, which must succeed.

#[test]
fn explain_service_says_when_a_deployment_waited_for_health_checks_and_deregistration() {
    // alb-deployment-waves: each wave's new tasks must pass one ALB check before old ones stop,
    // and the stopped ones' 300 s deregistration delay holds the next wave (maximumPercent
    // counts STOPPING tasks).
    let out = ecsim()
        .args(["explain", "scenarios/alb-deployment-waves.toml", "--service", "web"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("t = 1800.000 s: [WaitingForHealthChecks] deployment of web-v2: 3 new task(s) not yet healthy (target group web-tg: 1 check(s) of 30 s)"),
        "{text}"
    );
    assert!(
        text.contains("t = 1840.000 s: [WaitingForDeregistration] deployment of web-v2: 3 stopped task(s) still deregistering (300 s delay)"),
        "{text}"
    );
    assert!(text.contains("[TaskHealthy] t-00000012 passed its health checks 30 s after RUNNING"));
    // A service without a load balancer waits on nothing of the kind.
    let out = ecsim()
        .args([
            "explain",
            "scenarios/alb-deployment-waves.toml",
            "--service",
            "web-no-lb",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("WaitingFor"), "{text}");
}

#[test]
fn completions_cover_every_subcommand_and_bash_accepts_the_script() {
    let out = ecsim().args(["completions", "bash"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    for sub in ["run", "sweep", "explain", "fit", "catalog", "completions", "validate"] {
        assert!(script.contains(sub), "no {sub} in the bash completions");
    }
    assert!(script.contains("--family"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecsim.bash");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let bad = ecsim().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
