//! `ecsim compare A B`: two runs' figures side by side, read from their `summary.json`
//! files: every summary figure in summary.csv's order, then each service's, batch job's and
//! instance group's, with the difference B - A and its share of A. Text or JSON.

use crate::metrics::SUMMARY_COLUMNS;
use serde_json::Value;
use std::path::Path;

/// One figure of both runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// `cost_usd`, or `services[web].wait_p95_s`.
    pub figure: String,
    pub a: Option<f64>,
    pub b: Option<f64>,
}

impl Row {
    pub fn difference(&self) -> Option<f64> {
        Some(self.b? - self.a?)
    }

    /// The difference as a share of A, in percent (`None` when A is zero or missing).
    pub fn change_pct(&self) -> Option<f64> {
        let (a, d) = (self.a?, self.difference()?);
        (a != 0.0).then(|| d * 100.0 / a.abs())
    }
}

/// Reads `dir/summary.json`.
pub fn read_summary(dir: &Path) -> Result<Value, String> {
    let path = dir.join("summary.json");
    if dir.join("runs.csv").is_file() && !path.is_file() {
        return Err(format!(
            "{} is a sweep; compare works on two runs' directories (each with a summary.json), such as two runs/run-NNNNN of sweeps",
            dir.display()
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a summary.json: {e}", path.display()))
}

/// The numeric figures of each named entry of `section` (`services`, ...), by name.
fn entries<'v>(summary: &'v Value, section: &str) -> Vec<(&'v str, &'v serde_json::Map<String, Value>)> {
    summary
        .get(section)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| Some((i.get("name")?.as_str()?, i.as_object()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Every figure of both summaries: the run's, then per service, batch job and instance group
/// (entries are matched by name; one missing on a side shows as missing there).
pub fn rows(a: &Value, b: &Value) -> Vec<Row> {
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    let mut out: Vec<Row> = SUMMARY_COLUMNS
        .iter()
        .filter(|c| **c != "scenario")
        .map(|c| Row {
            figure: c.to_string(),
            a: num(a, c),
            b: num(b, c),
        })
        .collect();
    for section in ["services", "batch_jobs", "instance_groups"] {
        let (ea, eb) = (entries(a, section), entries(b, section));
        let mut names: Vec<&str> = ea.iter().map(|(n, _)| *n).collect();
        for (n, _) in &eb {
            if !names.contains(n) {
                names.push(n);
            }
        }
        for name in names {
            let fa = ea.iter().find(|(n, _)| *n == name).map(|x| x.1);
            let fb = eb.iter().find(|(n, _)| *n == name).map(|x| x.1);
            let mut keys: Vec<&String> = Vec::new();
            for k in fa.into_iter().chain(fb).flat_map(|m| m.keys()) {
                if k != "name" && !keys.contains(&k) {
                    keys.push(k);
                }
            }
            for k in keys {
                let get = |m: Option<&serde_json::Map<String, Value>>| m.and_then(|m| m.get(k)).and_then(Value::as_f64);
                out.push(Row {
                    figure: format!("{section}[{name}].{k}"),
                    a: get(fa),
                    b: get(fb),
                });
            }
        }
    }
    out
}

fn number(v: Option<f64>) -> String {
    match v {
        None => "(missing)".into(),
        Some(x) => {
            let s = format!("{x:.4}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s.is_empty() || s == "-" || s == "-0" {
                "0".into()
            } else {
                s.to_string()
            }
        }
    }
}

/// An aligned table: figure, A, B, B - A, change.
pub fn table(rows: &[Row], a_name: &str, b_name: &str) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.figure.clone(),
                number(r.a),
                number(r.b),
                number(r.difference()),
                r.change_pct().map_or(String::new(), |p| format!("{p:+.1}%")),
            ]
        })
        .collect();
    let head = [
        "figure".to_string(),
        a_name.to_string(),
        b_name.to_string(),
        "B - A".into(),
        "change".into(),
    ];
    let mut width = head.clone().map(|h| h.chars().count());
    for r in &cells {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |r: &[String; 5]| {
        let mut s = format!("{:<w$}", r[0], w = width[0]);
        for k in 1..5 {
            s += &format!("  {:>w$}", r[k], w = width[k]);
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&head);
    for r in &cells {
        out += &line(r);
    }
    out
}

/// The rows as JSON: `{"a": DIR, "b": DIR, "figures": [{"figure", "a", "b", "difference",
/// "change_pct"}]}`, numbers as numbers and missing ones as null.
pub fn json(rows: &[Row], a_name: &str, b_name: &str) -> String {
    let figures: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "figure": r.figure,
                "a": r.a,
                "b": r.b,
                "difference": r.difference(),
                "change_pct": r.change_pct(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({ "a": a_name, "b": b_name, "figures": figures }))
        .expect("plain data");
    s.push('\n');
    s
}
