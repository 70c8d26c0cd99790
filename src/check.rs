//! Expectations for CI: a scenario's `[[expect]]` entries are evaluated against the summary of
//! its run, each against a fixed threshold or against the same figure of a baseline run
//! (`--baseline DIR`, within a tolerance); the outcome is a readable table and JUnit XML so
//! CI systems show them as tests.

use crate::metrics::Summary;
use crate::scenario::experiment::{Bound, Expectation};

/// How an expectation came out.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// A baseline expectation checked without a baseline (a failure under `--strict`).
    Skipped,
}

/// One expectation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub file: String,
    pub expectation: Expectation,
    /// `None` when the figure does not exist (e.g. an unknown service).
    pub measured: Option<f64>,
    /// The baseline's figure, for a baseline expectation checked against one.
    pub baseline: Option<f64>,
    pub status: Status,
}

impl Outcome {
    pub fn pass(&self) -> bool {
        self.status == Status::Pass
    }
}

/// A figure of a summary as summary.json writes it (run level, or per service when
/// `service` is given): what a baseline's summary.json is read the same way.
pub fn figure_in(summary_json: &serde_json::Value, name: &str, service: Option<&str>) -> Option<f64> {
    let v = match service {
        None => summary_json,
        Some(s) => summary_json
            .get("services")?
            .as_array()?
            .iter()
            .find(|x| x.get("name").and_then(|n| n.as_str()) == Some(s))?,
    };
    v.get(name)?.as_f64()
}

/// A summary figure by name (run level, or per service when `service` is given).
pub fn figure(summary: &Summary, name: &str, service: Option<&str>) -> Option<f64> {
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).ok()?;
    figure_in(&json, name, service)
}

/// Evaluates `expectations` on `summary`; `baseline` is the baseline run's summary.json,
/// when one was given.
pub fn evaluate(
    file: &str,
    summary: &Summary,
    expectations: &[Expectation],
    baseline: Option<&serde_json::Value>,
) -> Vec<Outcome> {
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).expect("summary.json parses");
    expectations
        .iter()
        .map(|e| {
            let service = e.service.as_deref();
            let measured = figure_in(&json, &e.metric, service);
            let (baseline_figure, status) = match (&e.bound, baseline) {
                (Bound::Threshold { .. }, _) => (None, pass_or_fail(measured.is_some_and(|m| e.holds(m)))),
                (Bound::Baseline(_), None) => (None, Status::Skipped),
                (Bound::Baseline(t), Some(b)) => {
                    let b = figure_in(b, &e.metric, service);
                    let ok = matches!((measured, b), (Some(m), Some(b)) if t.admits(m, b));
                    (b, pass_or_fail(ok))
                }
            };
            Outcome {
                file: file.to_string(),
                expectation: e.clone(),
                measured,
                baseline: baseline_figure,
                status,
            }
        })
        .collect()
}

fn pass_or_fail(ok: bool) -> Status {
    if ok {
        Status::Pass
    } else {
        Status::Fail
    }
}

fn describe(e: &Expectation) -> String {
    let bound = match &e.bound {
        Bound::Threshold { op, .. } => format!("{op} {}", e.written),
        Bound::Baseline(_) => format!("within {} of the baseline", e.written),
    };
    match &e.service {
        Some(s) => format!("service {s}: {} {bound}", e.metric),
        None => format!("{} {bound}", e.metric),
    }
}

/// What was measured, with the baseline's figure when there is one.
fn measured_text(o: &Outcome) -> String {
    let m = o.measured.map_or("(missing)".into(), short);
    match (&o.expectation.bound, o.baseline, o.status) {
        (Bound::Baseline(_), _, Status::Skipped) => format!("{m} (no baseline)"),
        (Bound::Baseline(_), Some(b), _) => format!("{m} (baseline {})", short(b)),
        (Bound::Baseline(_), None, _) => format!("{m} (baseline missing)"),
        _ => m,
    }
}

/// A plain-text table: file, expectation, measured, PASS or FAIL.
pub fn table(outcomes: &[Outcome]) -> String {
    let rows: Vec<[String; 4]> = outcomes
        .iter()
        .map(|o| {
            [
                o.file.clone(),
                describe(&o.expectation),
                measured_text(o),
                match o.status {
                    Status::Pass => "PASS",
                    Status::Fail => "FAIL",
                    Status::Skipped => "SKIP",
                }
                .into(),
            ]
        })
        .collect();
    let head = ["scenario", "expected", "measured", "result"];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (k, c) in cells.iter().enumerate() {
            s.push_str(c);
            if k < 3 {
                s.push_str(&" ".repeat(width[k] - c.chars().count() + 2));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(head) + "\n";
    for r in &rows {
        out += &line([&r[0], &r[1], &r[2], &r[3]]);
        out.push('\n');
    }
    out
}

/// A number with at most three decimals and no trailing zeros.
fn short(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// JUnit XML (written with quick-junit, the format nextest writes): one test suite per
/// scenario file, whose `time` is how long its run took (`durations`, wall clock: the one
/// figure ecsim writes that is not simulated), one test case per expectation with its `file`
/// and `line` attributes (the `[[expect]]` entry) so CI systems point at it.
pub fn junit_xml(outcomes: &[Outcome], durations: &[(String, std::time::Duration)]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut files: Vec<&str> = Vec::new();
    for o in outcomes {
        if !files.contains(&o.file.as_str()) {
            files.push(&o.file);
        }
    }
    let mut report = Report::new("ecsim check");
    for f in files {
        let mut suite = TestSuite::new(f);
        if let Some((_, d)) = durations.iter().find(|(name, _)| name == f) {
            suite.set_time(*d);
        }
        for o in outcomes.iter().filter(|o| o.file == f) {
            let status = match o.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message("no --baseline given");
                    s
                }
                Status::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!(
                        "expected {}, measured {}",
                        describe(&o.expectation),
                        measured_text(o)
                    ));
                    s
                }
            };
            let mut case = TestCase::new(describe(&o.expectation), status);
            case.set_classname(f);
            case.extra.insert("file".into(), f.into());
            case.extra.insert("line".into(), o.expectation.line.to_string().into());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- JUnit report failed: {e} -->\n"))
}
