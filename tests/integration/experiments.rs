//! Sweeps (expansion, seeds, thread independence, shards and merge, resume), overrides and
//! CI expectations.

use ecsim::scenario::experiment::{value_from_text, Document};
use ecsim::sweep::{merge, run_sweep, Shard};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn doc() -> Document {
    Document::load(Path::new("scenarios/capacity-planning-sweep.toml")).unwrap()
}

#[test]
fn a_sweep_gives_the_same_bytes_on_one_and_two_threads() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ra = run_sweep(&doc(), a.path(), Some(1), None, true).unwrap();
    run_sweep(&doc(), b.path(), Some(2), None, true).unwrap();
    assert_eq!(ra.runs_total, 18, "3 targets x 2 instance types x 3 replications");
    assert!(ra.complete);
    let (fa, fb) = (files_under(a.path()), files_under(b.path()));
    // Each run: metrics.csv, events.csv, explanations.json, workloads.csv, summary.csv/json.
    assert_eq!(fa.len(), 3 + 18 * 6);
    assert!(fa == fb, "outputs differ between 1 and 2 threads");
    let runs = String::from_utf8(fa["runs.csv"].clone()).unwrap();
    assert_eq!(runs.lines().count(), 1 + 18, "a header and one row per run");
    assert!(runs
        .lines()
        .next()
        .unwrap()
        .starts_with("run,combination,replication,seed,target_cpu,instance_type,duration_s,"));
    let stats = String::from_utf8(fa["stats.csv"].clone()).unwrap();
    assert_eq!(
        stats.lines().next().unwrap(),
        "combination,target_cpu,instance_type,replications,metric,statistic,value,estimable"
    );
    let figures = ecsim::metrics::SUMMARY_COLUMNS.len() - 2;
    assert_eq!(
        stats.lines().count(),
        1 + 6 * figures * 6,
        "combinations x figures x statistics"
    );
}

#[test]
fn shards_merged_equal_the_unsharded_sweep_and_an_interrupted_sweep_resumes() {
    // With events, so that every file a run writes (events.csv, explanations.json) is merged.
    let whole = tempfile::tempdir().unwrap();
    run_sweep(&doc(), whole.path(), None, None, true).unwrap();
    let (s0, s1, merged) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let r0 = run_sweep(&doc(), s0.path(), None, Some(Shard { index: 0, count: 2 }), true).unwrap();
    assert!(!r0.complete);
    assert_eq!(r0.runs_done, 9);
    run_sweep(&doc(), s1.path(), None, Some(Shard { index: 1, count: 2 }), true).unwrap();
    merge(
        &doc(),
        &[s0.path().to_path_buf(), s1.path().to_path_buf()],
        merged.path(),
    )
    .unwrap();
    assert!(
        files_under(whole.path()) == files_under(merged.path()),
        "merged shards differ from the whole sweep"
    );
    // Resume: the first shard's directory already holds 9 complete runs; running the whole
    // sweep there computes only the other 9.
    let resumed = run_sweep(&doc(), s0.path(), None, None, true).unwrap();
    assert_eq!((resumed.runs_done, resumed.runs_skipped), (9, 9));
    assert!(files_under(whole.path()) == files_under(s0.path()));
}

#[test]
fn overrides_change_fields_by_path_and_explain_bad_paths() {
    let d = doc();
    let sc = d
        .with_override(
            "services[web].auto_scaling.target_tracking[0].target",
            value_from_text("75"),
        )
        .unwrap()
        .scenario()
        .unwrap();
    assert_eq!(
        sc.services[0].auto_scaling.as_ref().unwrap().target_tracking[0].target,
        75.0
    );
    let sc = d
        .with_override("instance_groups[web].instance_type", value_from_text("c5.xlarge"))
        .unwrap()
        .scenario()
        .unwrap();
    assert_eq!(sc.instance_types[sc.instance_groups[0].instance_type].name, "c5.xlarge");
    let e = d
        .with_override("services[wbe].desired_count", value_from_text("3"))
        .unwrap_err();
    assert!(
        e.contains("no item named \"wbe\"") && e.contains("did you mean \"web\"?"),
        "{e}"
    );
    let e = d
        .with_override("servics[web].desired_count", value_from_text("3"))
        .unwrap_err();
    assert!(e.contains("did you mean \"services\"?"), "{e}");
    // A value that breaks the scenario is reported like any scenario error.
    let bad = d
        .with_override("services[web].desired_count", value_from_text("-1"))
        .unwrap()
        .scenario()
        .unwrap_err();
    assert!(
        bad.to_string()
            .contains("services[0].desired_count: expected a non-negative integer"),
        "{bad}"
    );
}

#[test]
fn run_accepts_set_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args([
            "run",
            "scenarios/distinct-instance.toml",
            "--set",
            "scenario.seed=77",
            "--set",
            "services[ensemble].desired_count=3",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(seed 77)"));
    let summary = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    assert!(
        summary.contains("\"placement_failures\": 0"),
        "3 tasks fit on 5 distinct instances"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["run", "scenarios/distinct-instance.toml", "--set", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_failing_expectation_exits_1_and_writes_a_junit_failure() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/capacity-planning-sweep.toml")
        .unwrap()
        .replace("value = 30", "value = 1");
    let f = dir.path().join("tight.toml");
    std::fs::write(&f, text).unwrap();
    let junit = dir.path().join("junit.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("check")
        .arg(&f)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("cost_usd < 1") && stdout.contains("FAIL"), "{stdout}");
    assert_eq!(stdout.matches("PASS").count(), 3, "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"4\" skipped=\"0\" failures=\"1\""), "{xml}");
    assert!(
        xml.contains("<failure message=\"expected cost_usd &lt; 1, measured"),
        "{xml}"
    );
    // Each test case points at its [[expect]] entry: the fourth in the file is the failing
    // `cost_usd` one (lines counted in the file itself).
    let line = std::fs::read_to_string(&f)
        .unwrap()
        .lines()
        .position(|l| l.contains("metric = \"cost_usd\""))
        .unwrap();
    let entry = line; // the [[expect]] header is the line before (1-based: `line`)
    assert!(
        xml.contains(&format!(
            "name=\"cost_usd &lt; 1\" classname=\"{0}\" file=\"{0}\" line=\"{entry}\"",
            f.display()
        )),
        "{xml}"
    );
    assert!(xml.contains(" time=\""), "the suite says how long its run took");
    // The unchanged file passes.
    let ok = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["check", "scenarios/capacity-planning-sweep.toml"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
}

#[test]
fn bad_sweeps_and_expectations_are_input_errors() {
    let text = r#"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
memory = 128
[[services]]
name = "s"
task_definition = "t"
desired_count = 1
[sweep]
axes = [{ path = "services[s].desired_cnt", values = [1, 2] }]
[[expect]]
metric = "task_wait_p59_s"
op = "<="
value = "soon"
"#;
    let d = Document::parse("bad.toml", text, Path::new("."), "bad").unwrap();
    let e = d.scenario().unwrap_err().to_string();
    assert!(e.contains("sweep.axes[0].path"), "{e}");
    assert!(
        e.contains("expect[0].metric: unknown summary figure \"task_wait_p59_s\""),
        "{e}"
    );
    assert!(
        e.contains("did you mean \"task_wait_p95_s\"?") || e.contains("did you mean \"task_wait_p50_s\"?"),
        "{e}"
    );
    assert!(
        e.contains("expect[0].value: \"soon\" is not a number or a duration"),
        "{e}"
    );
}

#[test]
fn explain_a_placement_lists_filters_strategies_and_the_choice() {
    use ecsim::explain::ExplainRequest;
    use ecsim::sim::{run, RunOptions};
    let sc = ecsim::scenario::load(Path::new("scenarios/binpack-vs-spread.toml")).unwrap();
    let opts = RunOptions {
        explain: ExplainRequest::Task(13),
        ..Default::default()
    };
    let r = run(&sc, &mut ecsim::metrics::NullSink, opts).unwrap();
    let p = r.explanations.placement.expect("task 13 was placed");
    assert_eq!(p.task, "t-00000013");
    assert_eq!(p.task_group, "service:balanced");
    // The six instances of the other pool fail memberOf (or, when full, a resource check that
    // comes first); the six of this pool are candidates.
    assert_eq!(p.candidates.len(), 12);
    let candidates: Vec<_> = p.candidates.iter().filter(|c| c.filtered_out.is_none()).collect();
    assert_eq!(candidates.len(), 6);
    assert!(p.candidates[..6].iter().all(|c| c.filtered_out.is_some()));
    // spread(AZ) keeps the zones with no task of the group yet, then spread(instanceId).
    assert_eq!(p.steps.len(), 2);
    assert!(p.steps[0]
        .strategy
        .starts_with("spread(attribute:ecs.availability-zone)"));
    let chosen = p.chosen.clone().unwrap();
    assert!(p.steps[1].kept.contains(&chosen));
    // The choice agrees with the run's own event log.
    let mut sink = ecsim::metrics::VecSink::default();
    run(&sc, &mut sink, RunOptions::default()).unwrap();
    let placed = sink
        .0
        .iter()
        .find(|e| e.kind == "TASK_PLACED" && e.task == "t-00000013")
        .unwrap();
    assert_eq!(placed.instance, chosen);
    let text = ecsim::explain::Explanations {
        placement: Some(p),
        ..Default::default()
    }
    .to_text();
    assert!(
        text.contains("filtered out: MemberOf placement constraint unsatisfied."),
        "{text}"
    );
}

#[test]
fn explain_a_service_shows_each_scaling_decision_with_its_alarms() {
    use ecsim::explain::ExplainRequest;
    use ecsim::sim::{run, RunOptions};
    let sc = ecsim::scenario::load(Path::new("scenarios/web-daily-target-tracking.toml")).unwrap();
    let mut sink = ecsim::metrics::VecSink::default();
    let opts = RunOptions {
        explain: ExplainRequest::Service("web".into()),
        ..Default::default()
    };
    let r = run(&sc, &mut sink, opts).unwrap();
    let scaling: Vec<_> = sink.0.iter().filter(|e| e.kind == "SERVICE_SCALING").collect();
    assert!(!scaling.is_empty());
    for ev in &scaling {
        let e = r
            .explanations
            .scaling
            .iter()
            .find(|x| x.time_s == ev.time.as_ms() as f64 / 1000.0)
            .expect("every decision is explained");
        assert!(ev.detail.ends_with(&e.decision), "{} vs {}", ev.detail, e.decision);
        let alarms = &e.policies[0].alarms;
        assert!(alarms.contains("ALARM"), "{alarms}");
        if e.decision.starts_with("scale out") {
            // Three breaching datapoints above the target of 60.
            let dps = &e.policies[0].datapoints;
            assert!(dps[dps.len() - 3..].iter().all(|v| v.unwrap() > 60.0), "{dps:?}");
        }
    }
    // Minutes with an alarm but no action say why.
    assert!(r
        .explanations
        .scaling
        .iter()
        .any(|e| e.decision.starts_with("no action")));
    let json: serde_json::Value = serde_json::from_str(&r.explanations.to_json()).unwrap();
    assert!(json["scaling"].as_array().unwrap().len() >= scaling.len());
}

#[test]
fn plots_render_valid_non_trivial_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let sc = ecsim::scenario::load(Path::new("scenarios/web-daily-target-tracking.toml")).unwrap();
    ecsim::runner::run_to_dir(&sc, dir.path(), ecsim::sim::RunOptions::default()).unwrap();
    let files = ecsim::report::dashboard(dir.path()).unwrap();
    assert_eq!(files.len(), 2);
    let png = std::fs::read(dir.path().join("dashboard.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 50_000,
        "a real picture, not a blank one: {} bytes",
        png.len()
    );
    let svg = std::fs::read_to_string(dir.path().join("dashboard.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("@font-face") && svg.contains("Tasks per service"));
    // Drawing again gives the same bytes (the font is bundled).
    ecsim::report::dashboard(dir.path()).unwrap();
    assert!(std::fs::read(dir.path().join("dashboard.png")).unwrap() == png);
    // The same run written to another directory draws the same picture (the title comes
    // from the summary, not the directory's name).
    let elsewhere = dir.path().join("another-name");
    ecsim::runner::run_to_dir(&sc, &elsewhere, ecsim::sim::RunOptions::default()).unwrap();
    ecsim::report::dashboard(&elsewhere).unwrap();
    assert!(std::fs::read(elsewhere.join("dashboard.png")).unwrap() == png);
    assert!(std::fs::read_to_string(elsewhere.join("dashboard.svg")).unwrap() == svg);
    // Sweep charts: each varying figure against each axis, and the Pareto chart.
    let sweep = tempfile::tempdir().unwrap();
    run_sweep(&doc(), sweep.path(), None, None, false).unwrap();
    let charts = ecsim::report::sweep_charts(sweep.path()).unwrap();
    assert!(charts.iter().any(|p| p.ends_with("cost_vs_service_level.png")));
    assert!(charts.iter().any(|p| p.ends_with("cost_usd__by__target_cpu.png")));
    for c in charts.iter().filter(|p| p.extension().is_some_and(|e| e == "png")) {
        let b = std::fs::read(c).unwrap();
        assert_eq!(&b[..4], b"\x89PNG");
        assert!(b.len() > 10_000, "{} is nearly empty", c.display());
    }
    // Issue 13: "SVGs with the font subset or referenced once, under 200 kB": each SVG embeds
    // the subset font itself (no font file beside them) and stays under the limit.
    assert!(svg.len() < 200_000, "dashboard.svg is {} bytes", svg.len());
    assert!(svg.contains("data:font/woff;base64,"));
    for c in charts.iter().filter(|p| p.extension().is_some_and(|e| e == "svg")) {
        let text = std::fs::read_to_string(c).unwrap();
        assert!(text.len() < 200_000, "{} is {} bytes", c.display(), text.len());
        assert!(
            text.contains("data:font/woff;base64,"),
            "{} embeds its font",
            c.display()
        );
    }
    // Only planner figures: no chart of an engine counter.
    for counter in ["events_processed", "tasks_placed", "tasks_submitted"] {
        assert!(
            !charts
                .iter()
                .any(|p| p.to_string_lossy().contains(&format!("{counter}__by__"))),
            "{counter} is charted"
        );
    }
    let beside: Vec<_> = std::fs::read_dir(sweep.path().join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".ttf") || n.ends_with(".woff"))
        .collect();
    assert!(beside.is_empty(), "no font file beside the charts: {beside:?}");
}

#[test]
fn the_dashboard_draws_the_panels_a_planner_reads_and_only_those_with_data() {
    // Issue 13: "no load or requests-over-capacity panel, no CapacityProviderReservation, no
    // instances-in-use (the binpack-vs-spread example's lesson, 2 instances in use against 6,
    // cannot be seen)"; "panels with no data omitted".
    let text_of = |example: &str| {
        let dir = tempfile::tempdir().unwrap();
        let sc = ecsim::scenario::load(Path::new(&format!("scenarios/{example}.toml"))).unwrap();
        ecsim::runner::run_to_dir(&sc, dir.path(), ecsim::sim::RunOptions::default()).unwrap();
        ecsim::report::dashboard(dir.path()).unwrap();
        let metrics = std::fs::read_to_string(dir.path().join("metrics.csv")).unwrap();
        (
            std::fs::read_to_string(dir.path().join("dashboard.svg")).unwrap(),
            metrics,
        )
    };
    let (svg, metrics) = text_of("binpack-vs-spread");
    assert!(
        svg.contains("packed in use") && svg.contains("balanced in use"),
        "instances in use drawn"
    );
    // The lesson the panel shows: the packed group uses 2 of its 6 instances, the balanced one 6.
    let header: Vec<&str> = metrics.lines().next().unwrap().split(',').collect();
    let last: Vec<&str> = metrics.lines().last().unwrap().split(',').collect();
    let at = |name: &str| last[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (
            at("group.packed.instances_in_use"),
            at("group.balanced.instances_in_use")
        ),
        ("2", "6")
    );
    // No load model and no managed scaling: no load, CPU or reservation panel.
    assert!(!svg.contains("Load:") && !svg.contains("Service CPU") && !svg.contains("CapacityProviderReservation"));
    assert!(svg.contains("Cost rate") && svg.contains("USD per hour"));
    let (svg, _) = text_of("web-daily-target-tracking");
    for title in [
        "Load:",
        "CapacityProviderReservation",
        "Service CPU",
        "Cost rate",
        "web-asg idle",
    ] {
        assert!(svg.contains(title), "{title} is drawn");
    }
    // "incident shading does not say which fault; deployments are not marked": the
    // az-outage example's fault (events.csv: "availability zone us-east-1c is out: ...") and
    // crash-loop-deployment's scripted deployment of api are labelled.
    let (svg, _) = text_of("az-outage-binpack");
    assert!(
        svg.contains("fault: availability zone us-east-1c is out"),
        "the fault is labelled"
    );
    let (svg, _) = text_of("crash-loop-deployment");
    assert!(svg.contains("deploy api"), "the deployment is labelled");
}

#[test]
fn pareto_front_of_a_sweep() {
    use ecsim::report::pareto_front;
    // (service level, cost): lower is better in both.
    let pts = [(140.0, 11.5), (170.0, 9.6), (200.0, 7.8), (185.0, 10.5), (155.0, 17.0)];
    assert_eq!(pareto_front(&pts), vec![0, 1, 2]);
}

#[test]
fn resuming_a_sweep_of_another_scenario_or_seed_is_refused() {
    // Issue 15: resuming into a directory swept from a different scenario or seed reused the
    // old runs silently. The plan (with the scenario's fingerprint) is recorded and compared.
    let dir = tempfile::tempdir().unwrap();
    run_sweep(&doc(), dir.path(), None, None, false).unwrap();
    // The same sweep resumes (nothing to do).
    let again = run_sweep(&doc(), dir.path(), None, None, false).unwrap();
    assert_eq!(again.runs_done, 0);
    let text = std::fs::read_to_string("scenarios/capacity-planning-sweep.toml").unwrap();
    for (what, changed) in [
        ("seed", text.replacen("seed = ", "seed = 1", 1)),
        ("scenario", text.replacen("duration = \"", "duration = \"1", 1)),
    ] {
        assert_ne!(changed, text, "{what}: the edit applies");
        let other = Document::parse("capacity-planning-sweep.toml", &changed, Path::new("scenarios"), "x").unwrap();
        let err = run_sweep(&other, dir.path(), None, None, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds a sweep of another plan"), "{what}: {err}");
    }
}

#[test]
fn a_run_missing_any_output_runs_again_on_resume() {
    // Issue 15 item 4: "a run missing summary.json, metrics.csv or events.csv is treated as
    // complete because only summary.csv is checked". Each output of one run is deleted in
    // turn (what a kill between two writes, or a lost file, leaves); resuming reruns exactly
    // that run and the sweep's files come back byte for byte.
    let dir = tempfile::tempdir().unwrap();
    run_sweep(&doc(), dir.path(), None, None, true).unwrap();
    let whole = files_under(dir.path());
    for f in [
        "metrics.csv",
        "events.csv",
        "workloads.csv",
        "summary.json",
        "summary.csv",
    ] {
        std::fs::remove_file(dir.path().join("runs/run-00007").join(f)).unwrap();
        let resumed = run_sweep(&doc(), dir.path(), None, None, true).unwrap();
        assert_eq!((resumed.runs_done, resumed.runs_skipped), (1, 17), "{f} deleted");
        assert!(
            files_under(dir.path()) == whole,
            "{f} deleted: the resumed sweep differs"
        );
    }
    // A sweep without events.csv does not need it.
    let quiet = tempfile::tempdir().unwrap();
    run_sweep(&doc(), quiet.path(), None, None, false).unwrap();
    assert_eq!(run_sweep(&doc(), quiet.path(), None, None, false).unwrap().runs_done, 0);
}

#[test]
fn resuming_a_sweep_after_its_trace_changed_is_refused() {
    // The plan's fingerprint covers the files the scenario reads: an edited trace gives other
    // runs, so the old ones must not be reused.
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.csv");
    std::fs::write(
        &trace,
        "arrival_s,cpu_vcpu,memory_mib,duration_s,count\n5,0.5,512,60,2\n",
    )
    .unwrap();
    let text = r#"
[scenario]
name = "traced"
duration = "10m"

[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1

[[task_definitions]]
family = "t"
cpu = 256
memory = 512

[[batch_jobs]]
name = "j"
task_definition = "t"
arrivals = { type = "trace", file = "trace.csv" }

[sweep]
axes = [{ name = "count", path = "instance_groups[g].count", values = [1, 2] }]
"#;
    let doc = || Document::parse("traced.toml", text, dir.path(), "traced").unwrap();
    let out = dir.path().join("out");
    run_sweep(&doc(), &out, None, None, false).unwrap();
    assert_eq!(run_sweep(&doc(), &out, None, None, false).unwrap().runs_done, 0);
    std::fs::write(
        &trace,
        "arrival_s,cpu_vcpu,memory_mib,duration_s,count\n5,0.5,512,60,3\n",
    )
    .unwrap();
    let err = run_sweep(&doc(), &out, None, None, false).unwrap_err().to_string();
    assert!(
        err.contains("holds a sweep of another plan") && err.contains("a file it reads"),
        "{err}"
    );
}

/// Issue 15 item 4: "merge writes no plots/ although the README promises the same bytes as a
/// single sweep". From the command line, as the README's Slurm example runs it: two shards
/// merged give the whole sweep's files byte for byte, plots included.
#[test]
fn merged_shards_from_the_command_line_equal_the_whole_sweep_plots_included() {
    let ecsim = || Command::new(env!("CARGO_BIN_EXE_ecsim"));
    let file = "scenarios/capacity-planning-sweep.toml";
    let root = tempfile::tempdir().unwrap();
    let dir = |name: &str| root.path().join(name);
    let ok = |c: &mut Command| {
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    };
    ok(ecsim().args(["sweep", file, "--no-events", "--out"]).arg(dir("whole")));
    for shard in ["0/2", "1/2"] {
        let out = dir(&format!("shard-{}", &shard[..1]));
        ok(ecsim()
            .args(["sweep", file, "--no-events", "--shard", shard, "--out"])
            .arg(out));
    }
    ok(ecsim()
        .args(["merge", file])
        .arg(dir("shard-0"))
        .arg(dir("shard-1"))
        .arg("--out")
        .arg(dir("merged")));
    let (whole, merged) = (files_under(&dir("whole")), files_under(&dir("merged")));
    let plots = |f: &BTreeMap<String, Vec<u8>>| f.keys().filter(|k| k.starts_with("plots")).count();
    assert!(plots(&whole) > 0, "the whole sweep draws charts");
    assert_eq!(plots(&merged), plots(&whole));
    assert!(whole == merged, "merged shards differ from the whole sweep");
}

/// Issue 12 item 3: "A sweep whose axis values are tables (a capacity-provider mix) writes
/// `(complex)` as every label, so grouping by that column silently merges different mixes."
/// Such an axis must give `labels`; runs.csv then names each mix, and its integer columns
/// (run, combination, replication, seed and the counts) hold integers only, which is what
/// makes pandas or polars read them as integers.
#[test]
fn a_sweep_over_provider_mixes_has_distinct_labels_and_integer_columns() {
    let mixes = r#"[
      [{ capacity_provider = "FARGATE", weight = 1 }],
      [{ capacity_provider = "FARGATE", base = 2, weight = 1 }, { capacity_provider = "FARGATE_SPOT", weight = 3 }],
    ]"#;
    let base = std::fs::read_to_string("scenarios/web-fargate-spot-mix.toml")
        .unwrap()
        .replace("duration = \"2d\"", "duration = \"2h\"");
    let dir = tempfile::tempdir().unwrap();
    let write = |axis: &str| {
        let path = dir.path().join("mix.toml");
        std::fs::write(&path, format!("{base}\n[sweep]\nreplications = 2\naxes = [{axis}]\n")).unwrap();
        Document::load(&path)
    };
    let path = "cluster.default_capacity_provider_strategy";
    let unlabelled = write(&format!("{{ name = \"mix\", path = \"{path}\", values = {mixes} }}")).unwrap();
    let e = unlabelled.sweep_plan().unwrap_err().to_string();
    assert!(e.contains("needs a label"), "{e}");
    assert!(e.contains("sweep.axes[0].values"), "{e}");
    let duplicate = write(&format!(
        "{{ name = \"mix\", path = \"{path}\", values = {mixes}, labels = [\"a\", \"a\"] }}"
    ))
    .unwrap();
    let e = duplicate.sweep_plan().unwrap_err().to_string();
    assert!(e.contains("two values are labelled \"a\""), "{e}");

    let doc = write(&format!(
        "{{ name = \"mix\", path = \"{path}\", values = {mixes}, labels = [\"on-demand\", \"spot-3to1\"] }}"
    ))
    .unwrap();
    let out = dir.path().join("out");
    run_sweep(&doc, &out, Some(2), None, false).unwrap();
    let mut r = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let labels: Vec<&str> = rows.iter().map(|x| &x[col("mix")]).collect();
    assert_eq!(labels, ["on-demand", "on-demand", "spot-3to1", "spot-3to1"]);
    for c in [
        "run",
        "combination",
        "replication",
        "seed",
        "tasks_submitted",
        "instances",
        "scaling_actions",
    ] {
        assert!(
            rows.iter().all(|x| x[col(c)].parse::<u64>().is_ok()),
            "{c} holds a non-integer"
        );
    }
    // The two mixes really differ: Spot is cheaper.
    let cost = |label: &str| -> f64 {
        rows.iter()
            .filter(|x| &x[col("mix")] == label)
            .map(|x| x[col("cost_fargate_usd")].parse::<f64>().unwrap())
            .sum()
    };
    assert!(cost("spot-3to1") < cost("on-demand"));
    // stats.csv, long form: the p95 over two replications is flagged, the mean is not.
    let stats = std::fs::read_to_string(out.join("stats.csv")).unwrap();
    assert!(stats.contains("\n0,on-demand,2,cost_usd,mean,"), "{stats}");
    let p95 = stats
        .lines()
        .find(|l| l.starts_with("0,on-demand,2,cost_usd,p95,"))
        .unwrap();
    assert!(p95.ends_with(",false"), "{p95}");
}

/// Issue 12 item 6: "why did it not scale in at T?". One service of 4 tasks at about 10 %
/// CPU (well below 90 % of the 60 % target) with min capacity 2:
/// - with `disable_scale_in = true` the answer is the policy itself: "If you specify true,
///   the target tracking policy won't remove capacity from the scalable target" (Application
///   Auto Scaling API, TargetTrackingScalingPolicyConfiguration.DisableScaleIn);
/// - at 5 minutes, before the 15 datapoints the low alarm needs ("15 consecutive datapoints"
///   below 90 % of the target, ecs-semantics §6.2), nothing is in ALARM;
/// - with scale-in enabled, once at min capacity 2, it cannot go lower.
///
/// `explain --service web --at T` answers with a code, and `--format json` carries time
/// and the decision as data.
#[test]
fn explain_a_service_at_a_time_says_why_it_did_not_scale() {
    let scenario = |disable: bool| {
        format!(
            r#"
[scenario]
duration = "3h"

[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 2

[[task_definitions]]
family = "web"
cpu = 512
memory = 1024

[[services]]
name = "web"
task_definition = "web"
desired_count = 4
load = {{ requests = {{ type = "constant", rps = 40 }}, task_capacity_rps = 100, cpu_idle_pct = 5 }}

[services.auto_scaling]
min_capacity = 2
max_capacity = 10
target_tracking = [{{ metric = "ECSServiceAverageCPUUtilization", target = 60, disable_scale_in = {disable} }}]
"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let explain = |disable: bool, at: &str| -> serde_json::Value {
        let f = dir.path().join(format!("web-{disable}.toml"));
        std::fs::write(&f, scenario(disable)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .arg("explain")
            .arg(&f)
            .args(["--service", "web", "--at", at, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let all = v["scaling"].as_array().unwrap();
        assert_eq!(all.len(), 1, "the one evaluation at or before {at}");
        all[0].clone()
    };
    let early = explain(true, "5m");
    assert_eq!(early["decision_code"], "NoAlarm", "{early}");
    assert_eq!(early["time_s"].as_f64(), Some(300.0), "time is a number");
    assert_eq!(early["policies"][0]["alarm_states"][1]["state"], "OK");
    let disabled = explain(true, "2h");
    assert_eq!(disabled["decision_code"], "ScaleInDisabled", "{disabled}");
    assert_eq!(disabled["desired"], 4, "it never scaled in");
    let low = &disabled["policies"][0]["alarm_states"][1];
    assert_eq!(
        (low["alarm"].as_str(), low["state"].as_str()),
        (Some("low"), Some("ALARM"))
    );
    assert_eq!(low["threshold"].as_f64(), Some(54.0), "90 % of the target of 60");
    let enabled = explain(false, "2h");
    assert_eq!(enabled["decision_code"], "AtMinCapacity", "{enabled}");
    assert_eq!(enabled["desired"], 2);
}

/// Issue 12 item 6: "`explain --capacity-provider NAME --at T` shows
/// CapacityProviderReservation, M and N, how M was computed (the binpack of waiting tasks),
/// warm-up and why an instance was or was not terminated". Six tasks that each need a whole
/// m5.large (2 vCPU) wait on a provider with no instance and maximum step 4. ecs-semantics
/// §3.3: the binpack needs 6 instances, "step = min(maximumScalingStepSize, maxCalc)" = 4, "M
/// = N + step" = 4, and "M > 0 and N = 0 -> CPR = 200 (target tracking treats current
/// capacity as 1 -> desired 2)". A minute later the two new instances are warming up, so
/// scale-out waits ("scale-out ... waits while any instance is warming up", §3.4); each runs
/// a task, so managed termination protection protects both.
#[test]
fn explain_a_capacity_provider_shows_m_n_and_why() {
    let text = r#"
[scenario]
duration = "2h"

[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 0
min_size = 0
max_size = 10

[[capacity_providers]]
name = "asg"
instance_group = "g"
managed_scaling = { target_capacity = 100, minimum_scaling_step_size = 1, maximum_scaling_step_size = 4 }
managed_termination_protection = true

[[task_definitions]]
family = "big"
cpu = 2048
memory = 1024

[[services]]
name = "big"
task_definition = "big"
desired_count = 6
capacity_provider_strategy = [{ capacity_provider = "asg", weight = 1 }]
"#;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.toml");
    std::fs::write(&f, text).unwrap();
    let explain = |at: &str| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .arg("explain")
            .arg(&f)
            .args(["--capacity-provider", "asg", "--at", at, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["capacity_provider"].clone()
    };
    let first = explain("1m");
    assert_eq!(first["instances"], 0, "{first}");
    assert_eq!(first["waiting_tasks"], 6);
    assert_eq!(first["instances_needed_for_waiting"], 6);
    assert_eq!(first["m"], 4);
    assert_eq!(first["capacity_provider_reservation_pct"].as_f64(), Some(200.0));
    assert_eq!(first["decision_code"], "ScaleOut");
    assert_eq!(first["desired_capacity"], 2);
    let next = explain("4m");
    assert_eq!(next["decision_code"], "WarmingUp", "{next}");
    let members = next["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert!(members.iter().all(|m| m["warming_up"] == true));
    assert!(
        members
            .iter()
            .all(|m| m["non_daemon_tasks"] == 1 && m["protected"] == true),
        "{next}"
    );
    // A provider that does not exist, or has no managed scaling, is an input error.
    let bad = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("explain")
        .arg(&f)
        .args(["--capacity-provider", "nope", "--at", "1m"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// `explain --service web --decisions` keeps only the evaluations that changed the desired
/// count: one per SERVICE_SCALING line of the run's events.
#[test]
fn explain_decisions_only_lists_each_scaling_action() {
    use ecsim::sim::{run, RunOptions};
    let f = "scenarios/web-daily-target-tracking.toml";
    let sc = ecsim::scenario::load(Path::new(f)).unwrap();
    let mut sink = ecsim::metrics::VecSink::default();
    run(&sc, &mut sink, RunOptions::default()).unwrap();
    let actions = sink.0.iter().filter(|e| e.kind == "SERVICE_SCALING").count();
    let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["explain", f, "--service", "web", "--decisions", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = v["scaling"].as_array().unwrap();
    assert!(actions > 10);
    assert_eq!(listed.len(), actions);
    assert!(listed
        .iter()
        .all(|e| e["new_desired"].is_u64() && matches!(e["decision_code"].as_str(), Some("ScaleOut" | "ScaleIn"))));
}
