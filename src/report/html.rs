//! `report.html`: one self-contained page per run (no network: the chart library, its styles
//! and the data are inlined), drawn from the run's files alone (`summary.json`,
//! `workloads.csv`, `metrics.csv`, `events.csv`, `explanations.json`), so `ecsim report DIR` can redraw it.
//!
//! The page holds the summary figures, the per-workload table, interactive time-series
//! charts (uPlot, vendored in `vendor/uplot/`: drag to zoom, hover for values, click a legend
//! entry to hide a series) and the event log, filterable by kind, service or job and text,
//! whose `detail` column says why each task went where it went and why each scaling decision
//! was taken; a "why?" beside an event opens its whole explanation from `explanations.json`
//! (the words `ecsim explain` prints). Long runs are bounded: at most [`super::DASHBOARD_MAX_ROWS`] metrics rows (every
//! k-th and the last) and the first [`MAX_EVENTS`] events, each said on the page.

use super::Table;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const UPLOT_JS: &str = include_str!("vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("vendor/uplot/uPlot.min.css");
const APP_JS: &str = include_str!("report.js");
const APP_CSS: &str = include_str!("report.css");

/// Both pages load nothing: every script, style and datum is inline, and this policy makes the
/// browser refuse (and log) any request a change might add (the browser test fails on it).
const CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:\">";

/// The most events the page carries (the first ones); events.csv keeps them all.
pub const MAX_EVENTS: usize = 20_000;

/// Writes `dir/report.html` from the run's files; returns its path.
pub fn run_report(dir: &Path) -> Result<PathBuf, String> {
    let read =
        |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    let summary: Value = serde_json::from_str(&read("summary.json")?).map_err(|e| format!("summary.json: {e}"))?;
    let workloads = Table::read(&dir.join("workloads.csv"))?;
    let metrics = Table::read_thinned(&dir.join("metrics.csv"), super::DASHBOARD_MAX_ROWS)?;
    let (events, events_total) = read_events(&dir.join("events.csv"))?;
    let explanations: Value = match std::fs::read_to_string(dir.join("explanations.json")) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("explanations.json: {e}"))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(format!("{}: {e}", dir.join("explanations.json").display())),
    };
    let numeric = |cell: &String| {
        cell.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map_or(Value::Null, |x| json!(x))
    };
    let data = json!({
        "summary": summary,
        "workloads": { "columns": workloads.header, "rows": workloads.rows },
        "metrics": {
            "columns": metrics.header,
            "rows": metrics.rows.iter().map(|r| r.iter().map(numeric).collect::<Vec<_>>()).collect::<Vec<_>>(),
        },
        "events": { "columns": events.header, "rows": events.rows, "total": events_total },
        "explanations": explanations,
    });
    let title = format!(
        "ecsim: {} (seed {})",
        summary.get("scenario").and_then(Value::as_str).unwrap_or("run"),
        summary.get("seed").map_or(String::new(), Value::to_string)
    );
    let html = page(&title, &data);
    let path = dir.join("report.html");
    crate::metrics::write_atomically(&path, html.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The first [`MAX_EVENTS`] events of `events.csv` (none when the run wrote no events) and
/// how many there are in all.
fn read_events(path: &Path) -> Result<(Table, usize), String> {
    if !path.is_file() {
        return Ok((
            Table {
                header: Vec::new(),
                rows: Vec::new(),
                thinned: false,
            },
            0,
        ));
    }
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header = r
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    let mut total = 0;
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        if rows.len() < MAX_EVENTS {
            rows.push(rec.iter().map(str::to_string).collect());
        }
        total += 1;
    }
    Ok((
        Table {
            header,
            rows,
            thinned: false,
        },
        total,
    ))
}

/// Text safe inside an HTML element.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The page: styles, the data as JSON (with `</` escaped so no value can end the script
/// element), the chart library and the page's script.
fn page(title: &str, data: &Value) -> String {
    let data = serde_json::to_string(data).expect("plain data").replace("</", "<\\/");
    let title = escape_html(title);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{CSP}\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>\n{UPLOT_CSS}\n{APP_CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<nav><a href=\"#summary\">Summary</a> <a href=\"#workloads\">Workloads</a> <a href=\"#charts\">Charts</a> <a href=\"#events\">Events</a></nav>\n<section id=\"summary\"><h2>Summary</h2><div class=\"figures\"></div></section>\n<section id=\"workloads\"><h2>Per workload</h2><table></table></section>\n<section id=\"charts\"><h2>Over time</h2><p class=\"hint\">Drag across a chart to zoom (double-click to reset); hover for values; click a legend entry to hide or show its series.</p><div class=\"charts\"></div></section>\n<section id=\"events\"><h2>Events</h2><div class=\"filters\"><label>Kind <select id=\"f-kind\"><option value=\"\">all</option></select></label> <label>Service or job <select id=\"f-owner\"><option value=\"\">all</option></select></label> <label>Text <input id=\"f-text\" type=\"search\" placeholder=\"task, instance, reason, detail\"></label></div><p class=\"count\"></p><p class=\"explained hint\"></p><div class=\"explanation\" hidden></div><table></table></section>\n<script type=\"application/json\" id=\"ecsim-data\">{data}</script>\n<script>\n{UPLOT_JS}\n</script>\n<script>\n{APP_JS}</script>\n</body>\n</html>\n"
    )
}

/// Writes `dir/sweep-report.html` for a sweep directory (its `runs.csv` and `stats.csv`):
/// the runs table (sortable), each combination's means with their 95 % intervals, cost
/// against service level with the Pareto front, and each key figure against each axis.
pub fn sweep_report(dir: &Path) -> Result<PathBuf, String> {
    let runs = Table::read(&dir.join("runs.csv"))?;
    let stats = super::SweepStats::read(&dir.join("stats.csv"))?;
    let num = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map_or(Value::Null, |x| json!(x))
    };
    let combinations: Vec<Value> = (0..stats.means.len())
        .map(|c| {
            let labels = &stats.means[c][..stats.axes];
            let figures: serde_json::Map<String, Value> = stats.header[stats.axes..]
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    let at = stats.axes + k;
                    let v = json!({
                        "mean": num(&stats.means[c][at]),
                        "low": num(&stats.lows[c][at]),
                        "high": num(&stats.highs[c][at]),
                    });
                    (name.clone(), v)
                })
                .collect();
            json!({ "labels": labels, "figures": figures })
        })
        .collect();
    // Service level as the sweep charts take it: requests over capacity when any went
    // unserved, else the p95 wait; the Pareto front of (service level, cost) means.
    let mean_of = |c: &Value, f: &str| c["figures"][f]["mean"].as_f64().unwrap_or(f64::NAN);
    let service_level = if combinations
        .iter()
        .any(|c| mean_of(c, "requests_over_capacity_pct") > 0.0)
    {
        "requests_over_capacity_pct"
    } else {
        "task_wait_p95_s"
    };
    let points: Vec<(f64, f64)> = combinations
        .iter()
        .map(|c| (mean_of(c, service_level), mean_of(c, "cost_usd")))
        .collect();
    let front = super::pareto_front(&points);
    let data = json!({
        "axes": stats.header[..stats.axes],
        "runs": { "columns": runs.header, "rows": runs.rows },
        "combinations": combinations,
        "service_level": service_level,
        "pareto": front,
    });
    // The scenario's name, as the sweep's plan records it.
    let name = std::fs::read_to_string(dir.join("sweep-plan.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("scenario").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "sweep".to_string());
    let title = format!("ecsim sweep: {name}");
    let html = sweep_page(&title, &data);
    let path = dir.join("sweep-report.html");
    crate::metrics::write_atomically(&path, html.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

const SWEEP_JS: &str = include_str!("sweep-report.js");

fn sweep_page(title: &str, data: &Value) -> String {
    let data = serde_json::to_string(data).expect("plain data").replace("</", "<\\/");
    let title = escape_html(title);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{CSP}\n<title>{title}</title>\n<style>\n{APP_CSS}\nsvg text {{ font-size: 11px; }}\n.pareto {{ fill: #D55E00; }}\nth.sortable {{ cursor: pointer; }}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n<nav><a href=\"#tradeoff\">Cost against service level</a> <a href=\"#axes\">By axis</a> <a href=\"#combinations\">Combinations</a> <a href=\"#runs\">Runs</a></nav>\n<section id=\"tradeoff\"><h2>Cost against service level</h2><p class=\"hint\">Each point is a combination's mean over its replications, with 95 % intervals; the Pareto front (no other combination is both cheaper and better) is in orange and listed below. Hover a point for its combination.</p><div class=\"chart\"></div><ol class=\"front\"></ol></section>\n<section id=\"axes\"><h2>By axis</h2><div class=\"charts\"></div></section>\n<section id=\"combinations\"><h2>Combinations</h2><table></table></section>\n<section id=\"runs\"><h2>Runs</h2><p class=\"hint\">Click a column heading to sort.</p><table></table></section>\n<script type=\"application/json\" id=\"ecsim-data\">{data}</script>\n<script>\n{SWEEP_JS}</script>\n</body>\n</html>\n"
    )
}
