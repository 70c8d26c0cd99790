//! Expectations for CI: a scenario's `[[expect]]` entries are evaluated against the summary of
//! its run; the outcome is a readable table and JUnit XML so CI systems show them as tests.

use crate::metrics::Summary;
use crate::scenario::experiment::Expectation;

/// One expectation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub file: String,
    pub expectation: Expectation,
    /// `None` when the figure does not exist (e.g. an unknown service).
    pub measured: Option<f64>,
    pub pass: bool,
}

/// A summary figure by name (run level, or per service when `service` is given).
pub fn figure(summary: &Summary, name: &str, service: Option<&str>) -> Option<f64> {
    let v = match service {
        None => serde_json::to_value(summary).ok()?,
        Some(s) => serde_json::to_value(summary.services.iter().find(|x| x.name == s)?).ok()?,
    };
    v.get(name)?.as_f64()
}

pub fn evaluate(file: &str, summary: &Summary, expectations: &[Expectation]) -> Vec<Outcome> {
    expectations
        .iter()
        .map(|e| {
            let measured = figure(summary, &e.metric, e.service.as_deref());
            Outcome {
                file: file.to_string(),
                expectation: e.clone(),
                measured,
                pass: measured.is_some_and(|m| e.holds(m)),
            }
        })
        .collect()
}

fn describe(e: &Expectation) -> String {
    match &e.service {
        Some(s) => format!("service {s}: {} {} {}", e.metric, e.op, e.written),
        None => format!("{} {} {}", e.metric, e.op, e.written),
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
                o.measured.map_or("(missing)".into(), short),
                if o.pass { "PASS" } else { "FAIL" }.into(),
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

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test suite per scenario file, one test case per expectation.
pub fn junit_xml(outcomes: &[Outcome]) -> String {
    let mut files: Vec<&str> = Vec::new();
    for o in outcomes {
        if !files.contains(&o.file.as_str()) {
            files.push(&o.file);
        }
    }
    let failures = outcomes.iter().filter(|o| !o.pass).count();
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ecsim check\" tests=\"{}\" failures=\"{failures}\">\n",
        outcomes.len()
    );
    for f in files {
        let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.file == f).collect();
        let fails = mine.iter().filter(|o| !o.pass).count();
        s += &format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\">\n",
            xml_escape(f),
            mine.len()
        );
        for o in mine {
            let name = xml_escape(&describe(&o.expectation));
            s += &format!("    <testcase classname=\"{}\" name=\"{name}\"", xml_escape(f));
            if o.pass {
                s += "/>\n";
            } else {
                let measured = o.measured.map_or("missing".to_string(), short);
                s += &format!(
                    ">\n      <failure message=\"expected {name}, measured {}\"/>\n    </testcase>\n",
                    xml_escape(&measured)
                );
            }
        }
        s += "  </testsuite>\n";
    }
    s += "</testsuites>\n";
    s
}
