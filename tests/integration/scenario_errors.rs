//! Broken scenario files: each problem is reported with file:line:col, the field path, what
//! was expected and, where known, a hint; several problems are reported at once; nothing
//! panics.

use crate::common::*;

const BASE: &str = r#"
[scenario]
duration = "1h"

[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2

[[task_definitions]]
family = "web"
cpu = 256
memory = 512

[[services]]
name = "web"
task_definition = "web"
desired_count = 2
"#;

#[test]
fn the_base_scenario_is_valid() {
    let sc = scenario(BASE);
    assert_eq!(sc.services.len(), 1);
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    let e = errors("bad.toml", "[scenario]\nduration = \"1h\nseed = 3\n");
    assert!(e.starts_with("error: bad.toml:2:"), "{e}");
    assert!(e.contains("TOML syntax error"), "{e}");
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let e = errors("bad.json", "{\n  \"scenario\": {\n    \"seed\": 1,,\n  }\n}\n");
    assert!(e.starts_with("error: bad.json:3:"), "{e}");
    assert!(e.contains("JSON syntax error"), "{e}");
}

#[test]
fn json_scenarios_use_the_same_schema() {
    let json = r#"{
      "instance_groups": [{ "name": "g", "instance_type": "m5.large", "count": 1 }],
      "task_definitions": [{ "family": "web", "cpu": 256, "memory": 512 }],
      "services": [{ "name": "web", "task_definition": "web", "desired_count": 1,
                     "placement_strategy": [{ "type": "binpak", "field": "memory" }] }]
    }"#;
    let e = errors("s.json", json);
    assert!(
        e.contains("s.json:5:55: services[0].placement_strategy[0].type: unknown strategy \"binpak\""),
        "{e}"
    );
    assert!(e.contains("did you mean \"binpack\"?"), "{e}");
}

#[test]
fn unknown_field_with_suggestion() {
    let text = BASE.replace("desired_count = 2", "desired_count = 2\ndesired_cont = 3");
    let e = errors("s.toml", &text);
    assert!(
        e.contains("s.toml:19:1: services[0].desired_cont: unknown field `desired_cont`"),
        "{e}"
    );
    assert!(e.contains("did you mean \"desired_count\"?"), "{e}");
}

#[test]
fn unknown_strategy_with_suggestion() {
    let text = BASE.replace(
        "desired_count = 2",
        "desired_count = 2\nplacement_strategy = [{ type = \"spred\", field = \"instanceId\" }]",
    );
    let e = errors("s.toml", &text);
    assert!(
        e.contains("s.toml:19:32: services[0].placement_strategy[0].type: unknown strategy \"spred\""),
        "{e}"
    );
    assert!(e.contains("did you mean \"spread\"?"), "{e}");
}

#[test]
fn unknown_spread_field() {
    let text = BASE.replace(
        "desired_count = 2",
        "desired_count = 2\nplacement_strategy = [{ type = \"spread\", field = \"availability-zone\" }]",
    );
    let e = errors("s.toml", &text);
    assert!(
        e.contains("services[0].placement_strategy[0].field: unknown spread field"),
        "{e}"
    );
}

#[test]
fn negative_count() {
    let e = errors("s.toml", &BASE.replace("count = 2\n", "count = -3\n"));
    assert!(
        e.contains("s.toml:8:9: instance_groups[0].count: expected a non-negative integer, found -3"),
        "{e}"
    );
}

#[test]
fn task_bigger_than_any_instance_type() {
    let e = errors("s.toml", &BASE.replace("memory = 512", "memory = 9000"));
    assert!(e.contains("s.toml:10:1: task_definitions[0]:"), "{e}");
    assert!(e.contains("needs 256 CPU units and 9000 MiB"), "{e}");
    assert!(
        e.contains("largest: m5.large registers 2048 CPU units and 7987 MiB"),
        "{e}"
    );
    assert!(e.contains("hint: use a larger instance type such as"), "{e}");
}

#[test]
fn bad_query_expression_points_inside_the_string() {
    let text = BASE.replace(
        "desired_count = 2",
        "desired_count = 2\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type =~\" }]",
    );
    let e = errors("s.toml", &text);
    // The string's text starts at column 61; the missing value is column 31 of the expression.
    assert!(e.contains("s.toml:19:91: services[0].placement_constraints[0].expression: invalid cluster query expression: expected a value"), "{e}");
}

#[test]
fn bad_duration() {
    let e = errors("s.toml", &BASE.replace("duration = \"1h\"", "duration = \"1 hour\""));
    assert!(
        e.contains("s.toml:3:12: scenario.duration: invalid duration \"1 hour\""),
        "{e}"
    );
    assert!(e.contains("hint: write a number with a unit"), "{e}");
    let e = errors("s.toml", &BASE.replace("duration = \"1h\"", "duration = 3600"));
    assert!(
        e.contains("scenario.duration: expected a duration string, found the bare number 3600"),
        "{e}"
    );
    assert!(e.contains("\"3600s\""), "{e}");
}

#[test]
fn missing_trace_file() {
    let text = format!(
        "{BASE}\n[[batch_jobs]]\nname = \"b\"\ntask_definition = \"web\"\narrivals = {{ type = \"trace\", file = \"nope.csv\" }}\n"
    );
    let e = errors("s.toml", &text);
    assert!(
        e.contains("s.toml:23:37: batch_jobs[0].arrivals.file: trace file \"nope.csv\" not found"),
        "{e}"
    );
}

#[test]
fn unknown_references_suggest_the_closest_name() {
    let text = BASE
        .replace("instance_type = \"m5.large\"", "instance_type = \"m5.lrage\"")
        .replace("task_definition = \"web\"", "task_definition = \"wbe\"");
    let e = errors("s.toml", &text);
    assert!(
        e.contains("instance_groups[0].instance_type: unknown instance type \"m5.lrage\""),
        "{e}"
    );
    assert!(e.contains("did you mean \"m5.large\"?"), "{e}");
    assert!(
        e.contains("services[0].task_definition: unknown task definition \"wbe\""),
        "{e}"
    );
    assert!(e.contains("did you mean \"web\"?"), "{e}");
}

#[test]
fn wrong_types_and_missing_fields() {
    let text = BASE.replace("name = \"g\"\n", "").replace("cpu = 256", "cpu = true");
    let e = errors("s.toml", &text);
    assert!(
        e.contains("instance_groups[0].name: missing required field `name`"),
        "{e}"
    );
    assert!(
        e.contains("task_definitions[0].cpu: expected CPU units, found a boolean"),
        "{e}"
    );
}

#[test]
fn too_many_strategies_and_daemon_rules() {
    let five = "{ type = \"random\" }, ".repeat(6);
    let text = BASE.replace(
        "desired_count = 2",
        &format!("desired_count = 2\nplacement_strategy = [{five}]"),
    );
    let e = errors("s.toml", &text);
    assert!(e.contains("6 strategy rules given; ECS allows at most 5"), "{e}");
    let text = BASE.replace(
        "desired_count = 2",
        "desired_count = 2\nscheduling_strategy = \"DAEMON\"",
    );
    let e = errors("s.toml", &text);
    assert!(
        e.contains("services[0].desired_count: a DAEMON service has no desired count"),
        "{e}"
    );
}

#[test]
fn memory_reservation_must_be_below_memory() {
    let text = BASE.replace(
        "cpu = 256\nmemory = 512",
        "container_definitions = [{ name = \"a\", memory = 256, memory_reservation = 512 }]",
    );
    let e = errors("s.toml", &text);
    assert!(
        e.contains("memory_reservation (512 MiB) must be less than memory (256 MiB)"),
        "{e}"
    );
}

#[test]
fn every_problem_is_reported_at_once_in_position_order() {
    let text = BASE
        .replace("duration = \"1h\"", "duration = \"soon\"")
        .replacen("count = 2\n", "count = -1\n", 1)
        .replace("desired_count = 2", "desired_count = 2\ncolour = \"blue\"");
    let e = errors("s.toml", &text);
    let lines: Vec<&str> = e.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 3, "{e}");
    assert!(
        lines[0].contains(":3:") && lines[1].contains(":8:") && lines[2].contains(":19:"),
        "{e}"
    );
}

#[test]
fn an_empty_scenario_says_what_to_add() {
    let e = errors("s.toml", "");
    assert!(
        e.contains("instance_groups: the scenario has no container instances"),
        "{e}"
    );
}

#[test]
fn garbage_never_panics() {
    // A crude fuzz: every prefix of a valid file either parses or gives diagnostics.
    let text = std::fs::read_to_string("scenarios/memberof-instance-types.toml").unwrap();
    let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    for cut in bytes.iter().step_by(7) {
        let _ = ecsim::scenario::parse_str("p.toml", &text[..*cut], std::path::Path::new("scenarios"), "p");
    }
}

#[test]
fn an_instance_type_missing_from_the_catalog_says_how_to_define_it() {
    // m5.3xlarge is a real type the built-in catalog lacks: suggesting m5.xlarge would be a
    // different machine, so the hint shows [[instance_types]]; a typo still gets the name.
    let e = errors("t.toml", &BASE.replace("m5.large", "m5.3xlarge"));
    assert!(e.contains("unknown instance type \"m5.3xlarge\""), "{e}");
    assert!(e.contains("[[instance_types]] name = \"m5.3xlarge\""), "{e}");
    assert!(!e.contains("did you mean"), "{e}");
    let e = errors("t.toml", &BASE.replace("m5.large", "m5.lrage"));
    assert!(e.contains("did you mean \"m5.large\"?"), "{e}");
}

#[test]
fn min_size_above_max_size_names_both_fields() {
    let text = BASE.replace("count = 2", "count = 2\nmin_size = 5\nmax_size = 3");
    let e = errors("t.toml", &text);
    assert!(
        e.contains("instance_groups[0].max_size: min_size (5) is greater than max_size (3)"),
        "{e}"
    );
    assert!(!e.contains("must lie between"), "one problem, reported once: {e}");
}

#[test]
fn memory_below_the_docker_minimum_is_rejected() {
    // ECS task definition parameters: "The Docker 20.10.0 or later daemon reserves a minimum
    // of 6 MiB of memory for a container, so don't specify fewer than 6 MiB of memory".
    let e = errors("t.toml", &BASE.replace("memory = 512", "memory = 0"));
    assert!(
        e.contains("task_definitions[0].memory: memory of 0 MiB is below the 6 MiB"),
        "{e}"
    );
    let containers = BASE.replace(
        "memory = 512",
        "container_definitions = [{ name = \"a\", memory_reservation = 2 }]",
    );
    let e = errors("t.toml", &containers);
    assert!(e.contains("container_definitions[0].memory_reservation"), "{e}");
}

#[test]
fn an_expectation_must_name_a_service_of_the_scenario() {
    let job = "\n[[batch_jobs]]\nname = \"nightly\"\ntask_definition = \"web\"\narrivals = { type = \"poisson\", rate_per_hour = 1 }\ntask_duration = \"1m\"\n";
    let expect = |service: &str| {
        format!(
            "{BASE}{job}\n[[expect]]\nservice = \"{service}\"\nmetric = \"running_at_end\"\nop = \">=\"\nvalue = 1\n"
        )
    };
    let e = errors("t.toml", &expect("wbe"));
    assert!(
        e.contains("expect[0].service: no service \"wbe\" in the scenario"),
        "{e}"
    );
    assert!(e.contains("did you mean \"web\"?"), "{e}");
    let e = errors("t.toml", &expect("nightly"));
    assert!(e.contains("\"nightly\" is a batch job"), "{e}");
    assert_eq!(scenario(&expect("web")).services.len(), 1);
}

#[test]
fn an_attribute_no_instance_has_is_a_warning_with_a_suggestion() {
    // Custom attributes are legal (a warning, not an error), but `ecs.availability_zone` with
    // an underscore matches no instance: spread then treats every instance alike.
    let text = BASE.replace(
        "desired_count = 2",
        "desired_count = 2\nplacement_strategy = [{ type = \"spread\", field = \"attribute:ecs.availability_zone\" }]\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:tier == web\" }]",
    );
    let sc = scenario(&text);
    let w: Vec<String> = sc.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].contains("no instance has the attribute `ecs.availability_zone`"),
        "{w:?}"
    );
    assert!(w[0].contains("did you mean \"ecs.availability-zone\"?"), "{w:?}");
    assert!(w[1].contains("`tier`"), "{w:?}");
    assert!(scenario(BASE).warnings.is_empty());
}

#[test]
fn the_managed_scale_in_pace_is_a_parameter() {
    // ecs-semantics §3.4 marks the pace "less than 50% each minute" as ambiguous (I): the
    // default divisor is 2, and a scenario may set it (1000: one instance a minute, as
    // observed in RM#1150).
    assert_eq!(scenario(BASE).elastic.managed_scale_in_pace_divisor, 2);
    let sc = scenario(&format!(
        "{BASE}\n[autoscaling]\nmanaged_scale_in_pace_divisor = 1000\n"
    ));
    assert_eq!(sc.elastic.managed_scale_in_pace_divisor, 1000);
    let e = errors(
        "t.toml",
        &format!("{BASE}\n[autoscaling]\nmanaged_scale_in_pace_divisor = 0\n"),
    );
    assert!(e.contains("autoscaling.managed_scale_in_pace_divisor"), "{e}");
}

/// A scenario in `dir` whose batch job replays `trace.csv` or whose service's load is the
/// per-minute request trace `load.csv`, both written by the test.
fn with_files(dir: &std::path::Path, trace: &str, load: &str) -> String {
    std::fs::write(dir.join("trace.csv"), trace).unwrap();
    std::fs::write(dir.join("load.csv"), load).unwrap();
    let text = format!(
        "{BASE}\nload = {{ requests = {{ type = \"trace_per_minute\", file = \"load.csv\" }}, task_capacity_rps = 10 }}\n[[batch_jobs]]\nname = \"replay\"\ntask_definition = \"web\"\narrivals = {{ type = \"trace\", file = \"trace.csv\" }}\n"
    );
    match ecsim::scenario::parse_str("t.toml", &text, dir, "t") {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn trace_files_that_would_exhaust_memory_are_rejected_with_their_line() {
    // Issue 15: a `minute` of 2^64 - 1 panicked, 10^12 tried to allocate terabytes, and a row
    // count of 10^18 validated and ran out of memory. Each is now an error naming the file,
    // line and column, and the ceiling.
    let dir = tempfile::tempdir().unwrap();
    let ok_trace = "arrival_s,cpu_vcpu,memory_mib,duration_s,count\n0,0.25,256,60,1\n";
    let ok_load = "minute,requests\n0,100\n";
    assert_eq!(
        with_files(dir.path(), ok_trace, ok_load),
        "",
        "the base files are valid"
    );
    let e = with_files(dir.path(), ok_trace, "minute,requests\n0,1\n18446744073709551615,5\n");
    assert!(
        e.contains("load.csv:3: column `minute`") && e.contains("ceiling"),
        "{e}"
    );
    let e = with_files(dir.path(), ok_trace, "minute,requests\n1000000000000,5\n");
    assert!(
        e.contains("load.csv:2: column `minute`") && e.contains("ten years"),
        "{e}"
    );
    let e = with_files(
        dir.path(),
        "arrival_s,cpu_vcpu,memory_mib,duration_s,count\n1000000000000,0.25,256,60,1\n",
        ok_load,
    );
    assert!(
        e.contains("trace.csv:2: column `arrival_s`") && e.contains("ceiling"),
        "{e}"
    );
    let e = with_files(
        dir.path(),
        "arrival_s,cpu_vcpu,memory_mib,duration_s,count\n0,0.25,256,60,1000000000000000000\n",
        ok_load,
    );
    assert!(e.contains("trace.csv:2: column `count`") && e.contains("100000"), "{e}");
}

#[test]
fn a_queue_that_outgrows_max_waiting_tasks_stops_the_run_with_a_clear_error() {
    // Issue 15: a Poisson job far above capacity filled the wait queue until memory ran out,
    // and max_events did not fire (queued tasks are not events). The queue is bounded by
    // scenario.max_waiting_tasks.
    let text = format!(
        "{BASE}\n[[batch_jobs]]\nname = \"flood\"\ntask_definition = \"web\"\narrivals = {{ type = \"poisson\", rate_per_hour = 100000 }}\ntask_duration = \"1h\"\n"
    )
    .replacen("duration = \"1h\"", "duration = \"1h\"\nmax_waiting_tasks = 500", 1);
    let sc = scenario(&text);
    assert_eq!(sc.max_waiting_tasks, 500);
    let mut sink = ecsim::metrics::NullSink;
    let err = ecsim::sim::run(&sc, &mut sink, ecsim::sim::RunOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("more than max_waiting_tasks = 500 tasks wait for capacity"),
        "{msg}"
    );
    assert!(msg.contains("raise scenario.max_waiting_tasks"), "{msg}");
}

#[test]
fn runs_and_sweeps_that_would_not_fit_in_memory_are_rejected() {
    // Issue 15: `duration = "100000d"` validated and the run aborted at 5.8 GiB (every metrics
    // row is kept until the end), and a sweep of 10^6 combinations built its plan in memory.
    let e = errors("t.toml", &BASE.replace("duration = \"1h\"", "duration = \"100000d\""));
    assert!(
        e.contains("scenario.metrics_interval: duration / metrics_interval gives 144000000 metrics rows"),
        "{e}"
    );
    assert!(e.contains("set metrics_interval = \""), "{e}");
    // A year at one row a minute is within the ceiling.
    scenario(&BASE.replace("duration = \"1h\"", "duration = \"365d\""));
    let values: Vec<String> = (1..=100).map(|v| v.to_string()).collect();
    let axis = |path: &str| format!("{{ path = \"{path}\", values = [{}] }}", values.join(", "));
    let sweep = format!(
        "{BASE}\n[sweep]\nreplications = 20\naxes = [{}, {}]\n",
        axis("services[web].desired_count"),
        axis("scenario.seed")
    );
    let e = errors("t.toml", &sweep);
    assert!(e.contains("the sweep has 200000 runs"), "{e}");
}

#[test]
fn lists_beyond_their_ceilings_are_rejected() {
    // Issue 15: "Set an explicit, documented ceiling for everything a scenario can multiply".
    let azs: Vec<String> = (0..40).map(|k| format!("\"z{k}\"")).collect();
    let text = format!("{BASE}\n[cluster]\navailability_zones = [{}]\n", azs.join(", "));
    let e = errors("t.toml", &text);
    assert!(
        e.contains("cluster.availability_zones: 40 entries, beyond the ceiling of 32"),
        "{e}"
    );
    let mut many = BASE.to_string();
    for k in 0..5_001 {
        many += &format!("[[services]]\nname = \"s{k}\"\ntask_definition = \"web\"\ndesired_count = 0\n");
    }
    let e = errors("t.toml", &many);
    assert!(e.contains("services: 5002 entries, beyond the ceiling of 5000"), "{e}");
}

#[test]
fn a_list_beyond_its_ceiling_is_not_decoded_item_by_item() {
    // Issue 15 item 3: "`validate` is quadratic in the number of AZs". A list longer than its
    // ceiling is one error, found before any entry is decoded: 20,000 copies of one zone give
    // the ceiling error and none of the 19,999 "listed twice" errors (whose duplicate check
    // would otherwise compare every zone with every earlier one).
    let azs = vec!["\"z\""; 20_000].join(", ");
    let text = format!("{BASE}\n[cluster]\navailability_zones = [{azs}]\n");
    let e = errors("t.toml", &text);
    assert!(
        e.contains("cluster.availability_zones: 20000 entries, beyond the ceiling of 32"),
        "{e}"
    );
    assert!(!e.contains("listed twice"), "{e}");
    let mut many = BASE.to_string();
    for _ in 0..6_000 {
        many += "[[services]]\nname = \"same\"\ntask_definition = \"nowhere\"\n";
    }
    let e = errors("t.toml", &many);
    assert!(e.contains("services: 6001 entries, beyond the ceiling of 5000"), "{e}");
    assert!(!e.contains("defined twice") && !e.contains("nowhere"), "{e}");
}

#[test]
fn duplicate_names_are_found_among_thousands() {
    // The duplicate check is a set lookup per name, and still names the second definition.
    let mut many = BASE.to_string();
    for k in 0..3_000 {
        many += &format!("[[services]]\nname = \"s{k}\"\ntask_definition = \"web\"\ndesired_count = 0\n");
    }
    many += "[[services]]\nname = \"s1234\"\ntask_definition = \"web\"\ndesired_count = 0\n";
    let e = errors("t.toml", &many);
    assert!(
        e.contains("services[3001].name: service \"s1234\" is defined twice"),
        "{e}"
    );
}

#[test]
fn a_trace_path_that_is_a_directory_says_so() {
    // Issue 15: a trace "not found" when it is a directory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("trace.csv")).unwrap();
    let text = format!(
        "{BASE}\n[[batch_jobs]]\nname = \"replay\"\ntask_definition = \"web\"\narrivals = {{ type = \"trace\", file = \"trace.csv\" }}\n"
    );
    let e = ecsim::scenario::parse_str("t.toml", &text, dir.path(), "t")
        .unwrap_err()
        .to_string();
    assert!(e.contains("trace file \"trace.csv\" is a directory, not a file"), "{e}");
}

#[test]
fn request_traces_whose_counts_would_overflow_are_rejected() {
    // Issue 15: non-finite figures (inf, NaN) reached the summary when request counts
    // overflowed. A trace minute is bounded like the analytic curves (10^9 requests a second).
    let dir = tempfile::tempdir().unwrap();
    let ok_trace = "arrival_s,cpu_vcpu,memory_mib,duration_s,count\n0,0.25,256,60,1\n";
    let e = with_files(dir.path(), ok_trace, "minute,requests\n0,1e308\n");
    assert!(e.contains("minute 0 of") && e.contains("beyond the ceiling"), "{e}");
}

#[test]
fn keys_that_are_empty_or_hold_control_characters_are_shown_quoted_on_one_line() {
    // Issue 15 item 6: "a JSON key containing a newline prints raw across lines, and an empty
    // TOML key gives no path".
    let json = r#"{"scenario": {"name": "x", "dura\ntion": "1h"}}"#;
    let e = errors("k.json", json);
    assert!(
        e.contains(r#"k.json:1:28: scenario."dura\ntion": unknown field `"dura\ntion"`"#),
        "{e}"
    );
    assert!(
        e.lines().all(|l| l.starts_with("error: ") || l.starts_with("  hint: ")),
        "{e}"
    );
    let e = errors("k.toml", &format!("{BASE}\n[cluster]\n\"\" = 3\n"));
    assert!(e.contains(r#"cluster."": unknown field `""`"#), "{e}");
    // A value with a control character is escaped too.
    let e = errors(
        "v.toml",
        &BASE.replace("instance_type = \"m5.large\"", "instance_type = \"m5\\u001b[31m\""),
    );
    assert!(e.contains(r#"unknown instance type "m5\u{1b}[31m""#), "{e}");
}

#[test]
fn a_tolerance_excludes_a_fixed_bound_and_must_be_a_percentage_or_an_amount() {
    let e = errors(
        "t.toml",
        &format!("{BASE}\n[[expect]]\nmetric = \"cost_usd\"\ntolerance = \"5%\"\nop = \"<\"\nvalue = 3\n"),
    );
    assert!(
        e.contains("expect[0].op: `op` and `tolerance` exclude each other"),
        "{e}"
    );
    let e = errors(
        "t.toml",
        &format!("{BASE}\n[[expect]]\nmetric = \"cost_usd\"\ntolerance = \"five%\"\n"),
    );
    assert!(e.contains("expect[0].tolerance: \"five%\" is not a percentage"), "{e}");
}
