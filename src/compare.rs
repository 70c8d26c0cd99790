//! `ecsim compare A B`: two runs' figures side by side, read from their `summary.json`
//! files: every summary figure in summary.csv's order, then each service's, batch job's and
//! instance group's, with the difference B - A and its share of A. Two sweeps are compared
//! combination by combination from their `runs.csv`: each figure's mean on both sides, the
//! difference with its 95 % interval and Welch's t-test p-value. Text or JSON.

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

/// Whether `dir` holds a sweep's results (runs.csv) rather than a run's.
pub fn is_sweep(dir: &Path) -> bool {
    dir.join("runs.csv").is_file() && !dir.join("summary.json").is_file()
}

/// Reads `dir/summary.json`.
pub fn read_summary(dir: &Path) -> Result<Value, String> {
    let path = dir.join("summary.json");
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
    for section in ["services", "batch_jobs", "instance_groups", "capacity_providers"] {
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

/// A sample's size, mean and variance (n - 1 in the denominator).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Sample {
    pub n: usize,
    pub mean: f64,
    pub variance: f64,
}

impl Sample {
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        let mean = values.iter().fold(0.0, |a, b| a + b) / n.max(1) as f64;
        let variance = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).fold(0.0, |a, b| a + b) / (n - 1) as f64
        } else {
            0.0
        };
        Sample { n, mean, variance }
    }
}

/// Welch's unequal-variances t-test of B - A: the difference of the means, its standard
/// error, the Welch-Satterthwaite degrees of freedom, t, the two-sided p-value and the 95 %
/// confidence interval of the difference.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Welch {
    pub difference: f64,
    pub standard_error: f64,
    pub df: f64,
    pub t: f64,
    pub p: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

/// Welch's test of `b` against `a` (Welch 1947): `se = sqrt(va/na + vb/nb)`,
/// `df = se^4 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1))`; `None` with fewer than two values on a
/// side, or no variance on either (the samples then differ by their means exactly or not at
/// all).
pub fn welch(a: &Sample, b: &Sample) -> Option<Welch> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (qa, qb) = (a.variance / a.n as f64, b.variance / b.n as f64);
    let se = (qa + qb).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let df = (qa + qb).powi(2) / (qa * qa / (a.n - 1) as f64 + qb * qb / (b.n - 1) as f64);
    let difference = b.mean - a.mean;
    let t = difference / se;
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let p = (2.0 * (1.0 - dist.cdf(t.abs()))).clamp(0.0, 1.0);
    let half = dist.inverse_cdf(0.975) * se;
    Some(Welch {
        difference,
        standard_error: se,
        df,
        t,
        p,
        ci95_low: difference - half,
        ci95_high: difference + half,
    })
}

/// A sweep's runs.csv: its axes, its figures, and each combination's runs.
pub struct SweepRuns {
    pub axes: Vec<String>,
    pub figures: Vec<String>,
    /// Per combination: its axis labels and, per figure, the runs' values.
    pub combinations: Vec<(Vec<String>, Vec<Vec<f64>>)>,
}

/// Reads `dir/runs.csv` (a sweep directory).
pub fn read_sweep(dir: &Path) -> Result<SweepRuns, String> {
    let path = dir.join("runs.csv");
    let bad = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut r = csv::Reader::from_path(&path).map_err(|e| bad(&e))?;
    let header: Vec<String> = r.headers().map_err(|e| bad(&e))?.iter().map(str::to_string).collect();
    let at = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .ok_or_else(|| bad(&format!("no {n} column")))
    };
    let (combination, seed, first) = (at("combination")?, at("seed")?, at("duration_s")?);
    let axes = header[seed + 1..first].to_vec();
    let figures = header[first..].to_vec();
    let mut combinations: Vec<(Vec<String>, Vec<Vec<f64>>)> = Vec::new();
    for row in r.records() {
        let row = row.map_err(|e| bad(&e))?;
        let c: usize = row[combination]
            .parse()
            .map_err(|_| bad(&"a combination is not a number"))?;
        if combinations.len() <= c {
            let labels = row.iter().skip(seed + 1).take(axes.len()).map(str::to_string).collect();
            combinations.resize(c + 1, (Vec::new(), Vec::new()));
            combinations[c] = (labels, vec![Vec::new(); figures.len()]);
        }
        for (k, v) in row.iter().skip(first).enumerate() {
            combinations[c].1[k].push(v.parse::<f64>().unwrap_or(f64::NAN));
        }
    }
    Ok(SweepRuns {
        axes,
        figures,
        combinations,
    })
}

/// One figure of one combination in both sweeps.
pub struct SweepRow {
    /// `target_cpu=40, instance_type=m5.large`.
    pub combination: String,
    pub figure: String,
    pub a: Option<Sample>,
    pub b: Option<Sample>,
    pub welch: Option<Welch>,
}

/// Every figure of every combination of both sweeps, matched by their axis labels (a
/// combination only one sweep has shows as missing on the other side).
pub fn sweep_rows(a: &SweepRuns, b: &SweepRuns) -> Vec<SweepRow> {
    let name = |axes: &[String], labels: &[String]| {
        axes.iter()
            .zip(labels)
            .map(|(x, l)| format!("{x}={l}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut keys: Vec<String> = a.combinations.iter().map(|(l, _)| name(&a.axes, l)).collect();
    for (l, _) in &b.combinations {
        let k = name(&b.axes, l);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let find = |s: &'_ SweepRuns| {
            s.combinations
                .iter()
                .find(|(l, _)| name(&s.axes, l) == key)
                .map(|(_, v)| v.clone())
        };
        let (va, vb) = (find(a), find(b));
        for (k, figure) in a.figures.iter().enumerate() {
            let kb = b.figures.iter().position(|f| f == figure);
            let sa = va.as_ref().map(|v| Sample::of(&v[k]));
            let sb = vb.as_ref().zip(kb).map(|(v, kb)| Sample::of(&v[kb]));
            let welch = sa.zip(sb).and_then(|(x, y)| welch(&x, &y));
            out.push(SweepRow {
                combination: key.clone(),
                figure: figure.clone(),
                a: sa,
                b: sb,
                welch,
            });
        }
    }
    out
}

/// An aligned table of the figures whose means differ: combination, figure, mean A, mean B,
/// B - A, its 95 % interval and Welch's p; the count of figures equal in both is given last.
pub fn sweep_table(rows: &[SweepRow], a_name: &str, b_name: &str) -> String {
    let mean = |s: Option<Sample>| number(s.map(|s| s.mean));
    let differs = |r: &SweepRow| match (r.a, r.b) {
        (Some(a), Some(b)) => a.mean != b.mean || a.variance != b.variance,
        _ => true,
    };
    let mut cells: Vec<[String; 7]> = vec![[
        "combination".into(),
        "figure".into(),
        format!("mean {a_name}"),
        format!("mean {b_name}"),
        "B - A".into(),
        "95 % CI".into(),
        "p (Welch)".into(),
    ]];
    for r in rows.iter().filter(|r| differs(r)) {
        let d = r.a.zip(r.b).map(|(a, b)| b.mean - a.mean);
        cells.push([
            r.combination.clone(),
            r.figure.clone(),
            mean(r.a),
            mean(r.b),
            number(d),
            r.welch.map_or(String::new(), |w| {
                format!("[{}, {}]", number(Some(w.ci95_low)), number(Some(w.ci95_high)))
            }),
            r.welch.map_or(String::new(), |w| format!("{:.4}", w.p)),
        ]);
    }
    let mut width = [0usize; 7];
    for r in &cells {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in &cells {
        let mut s = format!("{:<a$}  {:<b$}", r[0], r[1], a = width[0], b = width[1]);
        for k in 2..7 {
            s += &format!("  {:>w$}", r[k], w = width[k]);
        }
        out += s.trim_end();
        out.push('\n');
    }
    let same = rows.len() - (cells.len() - 1);
    out += &format!(
        "{same} of {} figures are the same in both sweeps (not shown)\n",
        rows.len()
    );
    out
}

/// The sweep rows as JSON: `{"a", "b", "figures": [{"combination", "figure", "a": {"n",
/// "mean", "sd"}, "b": {...}, "difference", "welch": {"t", "df", "p", "ci95_low",
/// "ci95_high"}}]}`; missing parts are null.
pub fn sweep_json(rows: &[SweepRow], a_name: &str, b_name: &str) -> String {
    let sample =
        |s: Option<Sample>| s.map(|s| serde_json::json!({ "n": s.n, "mean": s.mean, "sd": s.variance.sqrt() }));
    let figures: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "combination": r.combination,
                "figure": r.figure,
                "a": sample(r.a),
                "b": sample(r.b),
                "difference": r.a.zip(r.b).map(|(a, b)| b.mean - a.mean),
                "welch": r.welch.map(|w| serde_json::json!({
                    "t": w.t, "df": w.df, "p": w.p, "ci95_low": w.ci95_low, "ci95_high": w.ci95_high,
                })),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({ "a": a_name, "b": b_name, "figures": figures }))
        .expect("plain data");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worked Welch example (two groups of 20, means 100 and 95, sds 15 and 20): "SE =
    /// sqrt(225/20 + 400/20) = sqrt(31.25) ~ 5.59", "t = 5/5.59 ~ 0.895", "df ~ 35.2", "p-value
    /// > 0.05; fail to reject H0".
    #[test]
    fn welch_matches_a_worked_example() {
        let a = Sample {
            n: 20,
            mean: 95.0,
            variance: 400.0,
        };
        let b = Sample {
            n: 20,
            mean: 100.0,
            variance: 225.0,
        };
        let w = welch(&a, &b).unwrap();
        assert!((w.standard_error - 31.25f64.sqrt()).abs() < 1e-12);
        assert!((w.t - 0.8944).abs() < 1e-3, "{}", w.t);
        assert!((w.df - 35.2).abs() < 0.05, "{}", w.df);
        assert!(w.p > 0.05 && w.p < 0.5, "{}", w.p);
        assert!(w.ci95_low < 0.0 && w.ci95_high > 0.0, "the interval holds zero");
        let one = Sample { n: 1, ..a };
        assert_eq!(welch(&one, &b), None, "one value has no variance estimate");
    }

    #[test]
    fn a_sample_has_the_n_minus_one_variance() {
        let s = Sample::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((s.n, s.mean), (4, 2.5));
        assert!((s.variance - 5.0 / 3.0).abs() < 1e-12);
    }
}
