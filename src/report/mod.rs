//! Plots, drawn from the CSV files alone (so `ecsim plot DIR` can redraw them): a dashboard per
//! run and charts per sweep, each as PNG and SVG, with a font bundled in the binary (DejaVu
//! Sans, see `DejaVuSans-LICENSE.txt`) so the same input gives the same image everywhere. PNGs
//! are drawn with the whole font; every SVG embeds a 26 kB subset of it (ASCII, Latin-1 and a
//! few symbols, `DejaVuSans-subset.woff`, made by `subset-font.sh`), so each SVG stands alone
//! and stays small. Lines drop the points inside a run of equal values (counts are flat most
//! of the time), which draws the same picture with far fewer points.
//!
//! `html.rs` writes `report.html`, the interactive, self-contained page of a run.
//!
//! Architecture invariant: reads result files only; never touches the engine.

mod html;
pub use html::{run_report, sweep_report, MAX_EVENTS};

use base64::Engine as _;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");
/// The font file sweep charts reference (written into their `plots/` directory).
/// The font SVGs embed: DejaVu Sans cut to the characters plots write (`subset-font.sh`).
static SVG_FONT: &[u8] = include_bytes!("DejaVuSans-subset.woff");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A CSV file as named numeric columns (empty or non-numeric cells are NaN).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Rows were left out (every k-th kept): per-interval columns then cover only the kept
    /// rows' own intervals.
    thinned: bool,
}

/// The most metrics rows the dashboard draws: a longer series is thinned to every k-th row
/// (and the last), so drawing takes bounded memory and time; a 1,200-pixel-wide panel
/// cannot show more anyway. metrics.csv itself keeps every row.
pub const DASHBOARD_MAX_ROWS: usize = 20_000;

impl Table {
    fn read(path: &Path) -> Result<Table, String> {
        Self::read_thinned(path, usize::MAX)
    }

    /// The table, with at most about `max_rows` rows: every k-th row and the last one.
    fn read_thinned(path: &Path, max_rows: usize) -> Result<Table, String> {
        let open = || csv::Reader::from_path(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
        let bad = |e: csv::Error| format!("{}: {e}", path.display());
        let mut r = open()?;
        let header = r.headers().map_err(bad)?.iter().map(str::to_string).collect();
        let every = if max_rows == usize::MAX {
            1
        } else {
            // A first pass counts the rows (records are not kept).
            let mut n = 0usize;
            let mut rec = csv::ByteRecord::new();
            while r.read_byte_record(&mut rec).map_err(bad)? {
                n += 1;
            }
            r = open()?;
            n.div_ceil(max_rows.max(1)).max(1)
        };
        let mut rows = Vec::new();
        let mut last: Option<Vec<String>> = None;
        for (k, rec) in r.records().enumerate() {
            let rec: Vec<String> = rec.map_err(bad)?.iter().map(str::to_string).collect();
            if k % every == 0 {
                rows.push(rec);
                last = None;
            } else {
                last = Some(rec);
            }
        }
        rows.extend(last);
        Ok(Table {
            header,
            rows,
            thinned: every > 1,
        })
    }

    /// The names `<name>` of the columns `<prefix><name><suffix>` (the services, groups, ...
    /// a run has), in column order.
    fn names(&self, prefix: &str, suffix: &str) -> Vec<String> {
        self.header
            .iter()
            .filter_map(|h| {
                h.strip_prefix(prefix)
                    .and_then(|r| r.strip_suffix(suffix))
                    .map(str::to_string)
            })
            .collect()
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn nums(&self, c: usize) -> Vec<f64> {
        self.rows.iter().map(|r| r[c].parse().unwrap_or(f64::NAN)).collect()
    }
}

type Series = (String, Vec<(f64, f64)>);

struct Panel {
    title: String,
    y_label: String,
    series: Vec<Series>,
    /// Horizontal reference lines (label, y).
    lines: Vec<(String, f64)>,
    /// The values are counts: ticks are whole numbers.
    counts: bool,
    /// Fault and deployment markers are labelled in this panel (the first one).
    label_markers: bool,
}

/// The dashboard's time axis: hours since the start, or, when the scenario set a start time,
/// the wall clock (UTC) of each hour.
#[derive(Clone, Copy)]
struct TimeAxis {
    /// The last time, hours since the start.
    t_max: f64,
    /// The scenario's `start_time`, ms since the Unix epoch, when it set one.
    start_epoch_ms: Option<i64>,
}

impl TimeAxis {
    fn title(&self) -> String {
        match self
            .start_epoch_ms
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        {
            Some(t) => format!("time (UTC; the run starts {})", t.strftime("%a %Y-%m-%d %H:%M")),
            None => "simulated time (h)".into(),
        }
    }

    /// An x tick's label: hours, or the wall clock (with the day when the run is longer
    /// than a day).
    fn label(&self, hours: f64) -> String {
        let Some(start) = self.start_epoch_ms else {
            return format!("{hours:.1}");
        };
        let ms = start + (hours * 3_600_000.0).round() as i64;
        let Ok(t) = jiff::Timestamp::from_millisecond(ms) else {
            return String::new();
        };
        if self.t_max > 24.0 {
            t.strftime("%a %d %H:%M").to_string()
        } else {
            t.strftime("%H:%M").to_string()
        }
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    axis: TimeAxis,
    spans: &[(f64, f64)],
    markers: &[Marker],
) -> Result<(), String> {
    let t_max = axis.t_max;
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let y_max = y_top(p);
    // A panel with nothing to draw says so rather than showing an empty axis.
    let empty = p.series.iter().all(|(_, v)| v.iter().all(|(_, y)| !y.is_finite()));
    let caption = if empty {
        format!("{} (no data in this run)", p.title)
    } else {
        p.title.clone()
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&caption, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(32)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..t_max.max(1e-9), 0f64..y_max)
        .map_err(err)?;
    // Counts are labelled at whole numbers only (never "6.0" or "2.5 tasks").
    let whole = |y: &f64| {
        if (y - y.round()).abs() < 1e-9 {
            format!("{}", y.round())
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    // One light grid line between bold ones (plotters' default of ten made most of an SVG).
    let x_label = |x: &f64| axis.label(*x);
    mesh.x_desc(axis.title())
        .x_label_formatter(&x_label)
        .y_desc(p.y_label.as_str())
        .max_light_lines(1)
        .label_style(("sans-serif", 12));
    if p.counts {
        mesh.y_labels((y_max as usize + 1).min(11)).y_label_formatter(&whole);
    }
    mesh.draw().map_err(err)?;
    chart
        .draw_series(
            spans
                .iter()
                .map(|(a, b)| Rectangle::new([(*a, 0.0), (*b, y_max)], RED.mix(0.12).filled())),
        )
        .map_err(err)?;
    draw_markers(&mut chart, markers, y_max, p.label_markers)?;
    for (k, (_, pts)) in p.series.iter().enumerate() {
        let color = colour(k);
        let pts: Vec<(f64, f64)> = pts.iter().copied().filter(|(_, y)| y.is_finite()).collect();
        chart
            .draw_series(LineSeries::new(
                without_flat_interiors(&pts),
                color.stroke_width(line_width(k)),
            ))
            .map_err(err)?;
    }
    for (_, y) in &p.lines {
        chart
            .draw_series(LineSeries::new(vec![(0.0, *y), (t_max, *y)], BLACK.stroke_width(1)))
            .map_err(err)?;
    }
    Ok(())
}

/// The top of a panel's y axis: a tenth above its highest finite value (or 1 when it has
/// none), rounded up to a whole number for counts.
fn y_top(p: &Panel) -> f64 {
    let highest = p
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().map(|(_, y)| *y))
        .chain(p.lines.iter().map(|(_, y)| *y))
        .filter(|y| y.is_finite())
        .fold(0.0f64, f64::max);
    let y_max = 1.1 * if highest <= 0.0 { 1.0 } else { highest };
    if p.counts {
        y_max.ceil()
    } else {
        y_max
    }
}

/// Faults and deployments: a grey line where each starts, in every panel; labelled when
/// `labelled` (the first panel), a label close to the one before it a line lower.
fn draw_markers<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    markers: &[Marker],
    y_max: f64,
    labelled: bool,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let marker_font = ("sans-serif", 11).into_font().color(&RGBColor(80, 80, 80));
    let mut last_label: Option<(i32, i32)> = None;
    for (x, label) in markers {
        chart
            .draw_series(LineSeries::new(
                vec![(*x, 0.0), (*x, y_max)],
                RGBColor(120, 120, 120).stroke_width(1),
            ))
            .map_err(err)?;
        if labelled {
            let (px, _) = chart.backend_coord(&(*x, y_max));
            let width = label.chars().count() as i32 * 6;
            let dy = match last_label {
                Some((lx, ldy)) if px < lx + width + 8 => ldy + 12,
                _ => 2,
            };
            last_label = Some((px, dy));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((*x, y_max)) + Text::new(label.clone(), (3, dy), marker_font.clone()),
                ))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// A panel's legend, beside its plot rather than over its data: a short line in each
/// series' colour and its name.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let font = ("sans-serif", 12).into_font();
    let mut y = 40;
    let entries = p
        .series
        .iter()
        .enumerate()
        .map(|(k, (name, _))| (name.as_str(), colour(k)))
        .chain(p.lines.iter().map(|(name, _)| (name.as_str(), BLACK.to_rgba())));
    for (name, color) in entries {
        if y > area.dim_in_pixel().1 as i32 - 12 {
            break;
        }
        area.draw(&PathElement::new(vec![(4, y), (24, y)], color.stroke_width(3)))
            .map_err(err)?;
        area.draw(&Text::new(name.to_string(), (30, y - 7), font.clone()))
            .map_err(err)?;
        y += 16;
    }
    Ok(())
}

/// Series colours: the Okabe-Ito palette, which people with the common colour-vision
/// deficiencies tell apart, without its yellow (hard to read on white), then grey.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(153, 153, 153),
];

/// A dashboard line's width: every other series thinner, drawn over the one before it, so
/// two series with the same values (registered and in use, say) both show.
fn line_width(k: usize) -> u32 {
    if k % 2 == 0 {
        4
    } else {
        2
    }
}

fn colour(k: usize) -> RGBAColor {
    PALETTE[k % PALETTE.len()].to_rgba()
}

/// Pixels beside each dashboard panel for its legend.
const LEGEND_WIDTH: u32 = 230;

/// Cost as a rate (USD an hour): the whole cluster's from the running total (exact even when
/// rows were thinned), and, when every row is there, each workload's and each group's idle
/// capacity's from their per-interval columns.
fn cost_rates(t: &Table, hours: &[f64], services: &[String], groups: &[String]) -> Vec<Series> {
    let mut cost: Vec<Series> = Vec::new();
    if let Some(c) = t.col("cost_usd_total") {
        let total = t.nums(c);
        let rate: Vec<(f64, f64)> = (1..total.len())
            .filter(|&k| hours[k] > hours[k - 1])
            .map(|k| (hours[k], (total[k] - total[k - 1]) / (hours[k] - hours[k - 1])))
            .collect();
        // EC2 and Fargate apart, from their running totals, when the run used both.
        let kinds: Vec<Series> = [("cost_ec2_usd_total", "EC2"), ("cost_fargate_usd_total", "Fargate")]
            .into_iter()
            .filter_map(|(name, label)| {
                let v = t.nums(t.col(name)?);
                let rate: Vec<(f64, f64)> = (1..v.len())
                    .filter(|&k| hours[k] > hours[k - 1])
                    .map(|k| (hours[k], (v[k] - v[k - 1]) / (hours[k] - hours[k - 1])))
                    .collect();
                rate.iter().any(|(_, y)| *y > 0.0).then(|| (label.to_string(), rate))
            })
            .collect();
        match kinds.as_slice() {
            [(only, _)] => cost.push((format!("cluster (all {only})"), rate)),
            _ => {
                cost.push(("cluster".into(), rate));
                cost.extend(kinds);
            }
        }
    }
    if !t.thinned {
        let rate_of = |name: &str, label: &str| -> Option<Series> {
            let c = t.col(name)?;
            let v = t.nums(c);
            Some((
                label.to_string(),
                (1..v.len())
                    .filter(|&k| hours[k] > hours[k - 1])
                    .map(|k| (hours[k], v[k] / (hours[k] - hours[k - 1])))
                    .collect(),
            ))
        };
        let jobs: Vec<String> = t.names("job.", ".cost_usd_interval");
        cost.extend(
            services
                .iter()
                .filter_map(|s| rate_of(&format!("service.{s}.cost_usd_interval"), s)),
        );
        cost.extend(
            jobs.iter()
                .filter_map(|j| rate_of(&format!("job.{j}.cost_usd_interval"), j)),
        );
        cost.extend(
            groups
                .iter()
                .filter_map(|g| rate_of(&format!("group.{g}.cost_idle_usd_interval"), &format!("{g} idle"))),
        );
    }
    cost
}

/// The panels, the shaded incident spans (hours) and the last time (hours).
type Dashboard = (Vec<Panel>, Vec<(f64, f64)>, f64);

/// The metrics table's columns as series against the dashboard's time axis (hours).
struct Columns<'t> {
    table: &'t Table,
    hours: &'t [f64],
}

impl Columns<'_> {
    /// Column `name` as a series labelled `label`, if the table has it.
    fn series(&self, name: &str, label: &str) -> Option<Series> {
        let c = self.table.col(name)?;
        Some((
            label.to_string(),
            self.hours.iter().copied().zip(self.table.nums(c)).collect(),
        ))
    }
}

impl Panel {
    fn new(title: &str, y_label: &str, series: Vec<Series>, lines: Vec<(String, f64)>, counts: bool) -> Self {
        Panel {
            title: title.into(),
            y_label: y_label.into(),
            series,
            lines,
            counts,
            label_markers: false,
        }
    }
}

fn dashboard_panels(t: &Table) -> Result<Dashboard, String> {
    let time = t.col("time_s").ok_or("metrics.csv has no time_s column")?;
    let hours: Vec<f64> = t.nums(time).iter().map(|s| s / 3600.0).collect();
    let cols = Columns {
        table: t,
        hours: &hours,
    };
    let services: Vec<String> = t.names("service.", ".desired");
    let groups: Vec<String> = t.names("group.", ".instances");
    let (tasks, cpu, cpu_targets) = service_series(&cols, &services);
    let (reservation, reservation_targets) = reservation_series(&cols);
    let reserved: Vec<Series> = [
        cols.series("cpu_reserved_pct", "CPU reserved"),
        cols.series("memory_reserved_pct", "memory reserved"),
        cols.series("gpu_reserved_pct", "GPUs reserved"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut panels = vec![
        Panel::new("Tasks per service", "tasks", tasks, Vec::new(), true),
        Panel::new(
            "Instances per group: registered, and in use (with a task)",
            "instances",
            instance_series(&cols, &groups),
            Vec::new(),
            true,
        ),
        Panel::new(
            "Service CPU utilisation against the scaling target",
            "CPU (%)",
            cpu,
            cpu_targets,
            false,
        ),
        Panel::new("Reserved capacity", "reserved (%)", reserved, Vec::new(), false),
        Panel::new(
            "Cost rate: the cluster (EC2 and Fargate), each workload, idle instances",
            "USD per hour",
            cost_rates(t, &hours, &services, &groups),
            Vec::new(),
            false,
        ),
    ];
    // The optional panels, each where it is drawn.
    if !reservation.is_empty() {
        let title = "CapacityProviderReservation (managed scaling keeps it at the target capacity)";
        panels.insert(
            2,
            Panel::new(title, "reservation (%)", reservation, reservation_targets, false),
        );
    }
    let load = load_series(&cols, &services);
    if !load.is_empty() {
        let title = "Load: requests a minute, and those over the running tasks' capacity";
        panels.insert(0, Panel::new(title, "requests / min", load, Vec::new(), true));
    }
    let healthy = healthy_series(&cols, &services);
    if !healthy.is_empty() {
        let title = "Healthy tasks (by their health checks) against desired";
        panels.insert(1, Panel::new(title, "tasks", healthy, Vec::new(), true));
    }
    // A panel with no data in this run (CPU without a load model, say) is left out.
    let has_data = |p: &Panel| p.series.iter().any(|(_, v)| v.iter().any(|(_, y)| y.is_finite()));
    if panels.iter().any(has_data) {
        panels.retain(has_data);
    } else {
        panels.truncate(1);
    }
    if let Some(first) = panels.first_mut() {
        first.label_markers = true;
    }
    let t_max = hours.last().copied().unwrap_or(1.0);
    Ok((panels, incident_spans(t, &hours), t_max))
}

/// Per service: its task counts (desired, running, pending), its CPU utilisation, and its
/// target-tracking CPU target as a line.
fn service_series(cols: &Columns, services: &[String]) -> (Vec<Series>, Vec<Series>, Vec<(String, f64)>) {
    let (mut tasks, mut cpu, mut targets) = (Vec::new(), Vec::new(), Vec::new());
    for s in services {
        for m in ["desired", "running", "pending"] {
            tasks.extend(cols.series(&format!("service.{s}.{m}"), &format!("{s} {m}")));
        }
        cpu.extend(cols.series(&format!("service.{s}.cpu_utilization_pct"), &format!("{s} CPU")));
        if let Some(c) = cols.table.col(&format!("service.{s}.cpu_target_pct")) {
            if let Some(v) = cols.table.nums(c).first().filter(|v| v.is_finite()) {
                targets.push((format!("{s} target"), *v));
            }
        }
    }
    (tasks, cpu, targets)
}

/// Registered instances against those in use (with at least one task), per group: binpack's
/// lesson is the gap; and Fargate's tasks when the run had any.
fn instance_series(cols: &Columns, groups: &[String]) -> Vec<Series> {
    groups
        .iter()
        .flat_map(|g| {
            [
                cols.series(&format!("group.{g}.instances"), &format!("{g} registered")),
                cols.series(&format!("group.{g}.instances_in_use"), &format!("{g} in use")),
            ]
        })
        .flatten()
        .chain(
            cols.series("fargate_tasks", "Fargate tasks")
                .filter(|(_, v)| v.iter().any(|(_, y)| *y > 0.0)),
        )
        .collect()
}

/// The load: requests a minute per service, and those the running tasks could not serve.
fn load_series(cols: &Columns, services: &[String]) -> Vec<Series> {
    services
        .iter()
        .flat_map(|s| {
            [
                cols.series(&format!("service.{s}.requests"), &format!("{s} requests")),
                cols.series(
                    &format!("service.{s}.requests_over_capacity"),
                    &format!("{s} over capacity"),
                ),
            ]
        })
        .flatten()
        .collect()
}

/// Each capacity provider's CapacityProviderReservation, and its targetCapacity (100 % when an
/// older run has no such column) as lines, one per distinct value.
fn reservation_series(cols: &Columns) -> (Vec<Series>, Vec<(String, f64)>) {
    let t = cols.table;
    let providers: Vec<String> = t.names("provider.", ".capacity_provider_reservation");
    let reservation = providers
        .iter()
        .filter_map(|p| cols.series(&format!("provider.{p}.capacity_provider_reservation"), p))
        .collect();
    let mut targets: Vec<(String, f64)> = Vec::new();
    for p in &providers {
        let target = t
            .col(&format!("provider.{p}.target_capacity"))
            .and_then(|c| t.nums(c).first().copied())
            .filter(|v| v.is_finite())
            .unwrap_or(100.0);
        match targets.iter_mut().find(|(_, v)| *v == target) {
            Some((label, _)) => *label = format!("{}, {p}", label.trim_end_matches(" target")) + " target",
            None => targets.push((format!("{target} % {p} target"), target)),
        }
    }
    (reservation, targets)
}

/// Services judged by health checks: healthy tasks against the desired count.
fn healthy_series(cols: &Columns, services: &[String]) -> Vec<Series> {
    services
        .iter()
        .filter(|s| cols.table.col(&format!("service.{s}.healthy")).is_some())
        .flat_map(|s| {
            ["desired", "healthy", "stopping"]
                .into_iter()
                .filter_map(|m| cols.series(&format!("service.{s}.{m}"), &format!("{s} {m}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The spans (hours) during which the `incident` column is set, the last one open to the end.
fn incident_spans(t: &Table, hours: &[f64]) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let Some(c) = t.col("incident") else { return spans };
    let mut start: Option<f64> = None;
    for (k, f) in t.nums(c).iter().enumerate() {
        match (start, *f > 0.5) {
            (None, true) => start = Some(hours[k]),
            (Some(s), false) => {
                spans.push((s, hours[k]));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(s), Some(end)) = (start, hours.last()) {
        spans.push((s, *end));
    }
    spans
}

/// A labelled moment on the dashboard's time axis (hours): a fault or a deployment starting.
type Marker = (f64, String);

/// The most markers a dashboard draws (the first, in time order).
const MAX_MARKERS: usize = 40;

/// Faults and deployments from `events.csv` (none when the run wrote no events): where each
/// starts, with what it is; moments that coincide share one label.
fn markers(path: &Path) -> Vec<Marker> {
    let Ok(mut r) = csv::Reader::from_path(path) else {
        return Vec::new();
    };
    let Ok(header) = r.headers().cloned() else {
        return Vec::new();
    };
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(time), Some(event), Some(service), Some(detail)) =
        (col("time_s"), col("event"), col("service"), col("detail"))
    else {
        return Vec::new();
    };
    let mut out: Vec<Marker> = Vec::new();
    let mut rec = csv::StringRecord::new();
    while out.len() < MAX_MARKERS && r.read_record(&mut rec).unwrap_or(false) {
        let label = match &rec[event] {
            "FAULT_STARTED" => {
                let d = &rec[detail];
                let short: String = d.split(':').next().unwrap_or(d).chars().take(40).collect();
                format!("fault: {short}")
            }
            "DEPLOYMENT_STARTED" => format!("deploy {}", &rec[service]),
            _ => continue,
        };
        let Ok(t) = rec[time].parse::<f64>() else { continue };
        let h = t / 3600.0;
        match out.last_mut() {
            Some((at, l)) if (*at - h).abs() < 1e-9 => {
                if !l.contains(&label) {
                    l.push_str(", ");
                    l.push_str(&label);
                }
            }
            _ => out.push((h, label)),
        }
    }
    out
}

fn draw_dashboard<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    t: &Table,
    markers: &[Marker],
    start_epoch_ms: Option<i64>,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 24)).map_err(err)?;
    let (panels, spans, t_max) = dashboard_panels(t)?;
    let areas = root.split_evenly((panels.len(), 1));
    for (a, p) in areas.iter().zip(&panels) {
        let (plot, legend) = a.split_horizontally(a.dim_in_pixel().0.saturating_sub(LEGEND_WIDTH));
        let axis = TimeAxis { t_max, start_epoch_ms };
        draw_panel(&plot, p, axis, &spans, markers)?;
        draw_legend(&legend, p)?;
    }
    root.present().map_err(err)
}

/// The bundled font as a data URL, for self-contained SVG files.
fn font_data_url() -> String {
    format!(
        "data:font/woff;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(SVG_FONT)
    )
}

/// The points of a line without those strictly inside a run of equal y values: the same
/// drawn line (horizontal segments joined end to end) with far fewer points.
fn without_flat_interiors(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(pts.len());
    for (i, p) in pts.iter().enumerate() {
        let flat_before = i > 0 && pts[i - 1].1 == p.1;
        let flat_after = i + 1 < pts.len() && pts[i + 1].1 == p.1;
        if !(flat_before && flat_after) {
            out.push(*p);
        }
    }
    out
}

/// Points an SVG's text at the bundled font (embedded, or a file beside it) so it renders the
/// same everywhere.
fn embed_font(svg: &str, font_url: &str) -> String {
    let style =
        format!("<defs><style>@font-face {{ font-family: \"ecsim-sans\"; src: url({font_url}); }}</style></defs>");
    let with_family = svg.replace("font-family=\"sans-serif\"", "font-family=\"ecsim-sans\"");
    match with_family.find('>') {
        Some(i) if with_family[..i].contains("<svg") => {
            format!("{}{}{}", &with_family[..=i], style, &with_family[i + 1..])
        }
        _ => match with_family
            .find("<svg")
            .and_then(|s| with_family[s..].find('>').map(|e| s + e))
        {
            Some(i) => format!("{}{}{}", &with_family[..=i], style, &with_family[i + 1..]),
            None => with_family,
        },
    }
}

/// Draws the run dashboard of `dir` (from its metrics.csv) to dashboard.png and .svg.
pub fn dashboard(dir: &Path) -> Result<Vec<PathBuf>, String> {
    register_font();
    let t = Table::read_thinned(&dir.join("metrics.csv"), DASHBOARD_MAX_ROWS)?;
    // The title names the scenario and seed from the run's summary, so the picture does not
    // depend on where the run was written.
    let summary = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    // The wall clock of time zero, when the scenario set a start time.
    let start = summary
        .as_ref()
        .and_then(|v| v["start_time"].as_str()?.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond());
    let title = summary
        .as_ref()
        .and_then(|v| {
            Some(format!(
                "ecsim run: {} (seed {})",
                v["scenario"].as_str()?,
                v["seed"].as_u64()?
            ))
        })
        .unwrap_or_else(|| {
            format!(
                "ecsim run: {}",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or("run")
            )
        });
    let marks = markers(&dir.join("events.csv"));
    // Each panel gets the same height, whatever the number of panels the run has.
    let panels = dashboard_panels(&t)?.0.len() as u32;
    render(
        &dir.join("dashboard"),
        (1200, 50 + 270 * panels),
        &font_data_url(),
        |r| draw_dashboard(r, &title, &t, &marks, start),
        |r| draw_dashboard(r, &title, &t, &marks, start),
    )
}

/// The summary figures a sweep charts against each axis: what a planner trades (cost, service
/// level, utilisation, harm), not the engine's counters (events, tasks placed, ...).
const PLANNER_FIGURES: &[&str] = &[
    "cost_usd",
    "cost_ec2_usd",
    "cost_fargate_usd",
    "cost_idle_ec2_usd",
    "requests_over_capacity_pct",
    "task_wait_p95_s",
    "cpu_reserved_mean_pct",
    "memory_reserved_mean_pct",
    "gpu_reserved_mean_pct",
    "instance_hours",
    "idle_instance_hours",
    "below_desired_s",
    "below_min_healthy_s",
    "tasks_lost",
    "replacement_latency_p95_s",
    "placement_failures",
];

/// (category index, mean, CI low, CI high).
type ErrorPoint = (usize, f64, f64, f64);

/// One sweep chart: a figure's mean with 95 % confidence bars against one axis, one series
/// per combination of the other axes.
struct AxisChart {
    figure: String,
    axis: String,
    categories: Vec<String>,
    series: Vec<(String, Vec<ErrorPoint>)>,
}

fn draw_axis_chart<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, c: &AxisChart) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    // The y range spans the intervals with a margin, not from 0, so differences between
    // combinations are not squashed into a thin band at the top; never below 0.
    let finite = |v: f64| v.is_finite();
    let lo = c
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().map(|p| p.2))
        .filter(|y| finite(*y))
        .fold(f64::INFINITY, f64::min);
    let hi = c
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().map(|p| p.3))
        .filter(|y| finite(*y))
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let span = if hi - lo > 1e-9 {
        hi - lo
    } else {
        hi.abs().max(1.0) * 0.1
    };
    let y_min = (lo - 0.15 * span).max(0.0);
    let y_max = hi + 0.15 * span;
    // A categorical axis (instance types, say) is drawn as points with bars; only a numeric
    // one joins its points with lines.
    let numeric = c.categories.iter().all(|x| x.parse::<f64>().is_ok());
    let n = c.categories.len();
    let cats = c.categories.clone();
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{} by {}", c.figure, c.axis), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y_min..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(n.max(2))
        .x_label_formatter(&move |x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cats.len() {
                cats[i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_desc(c.axis.as_str())
        .y_desc(format!("{} (mean, 95 % CI)", c.figure))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    for (k, (name, pts)) in c.series.iter().enumerate() {
        let color = colour(k);
        let offset = (k as f64 - (c.series.len() as f64 - 1.0) / 2.0) * 0.06;
        chart
            .draw_series(pts.iter().map(|(x, m, lo, hi)| {
                ErrorBar::new_vertical(*x as f64 + offset, *lo, *m, *hi, color.stroke_width(2), 8)
            }))
            .map_err(err)?;
        let joined: Vec<(f64, f64)> = if numeric {
            pts.iter().map(|(x, m, _, _)| (*x as f64 + offset, *m)).collect()
        } else {
            Vec::new()
        };
        chart
            .draw_series(LineSeries::new(joined, color.stroke_width(2)))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        chart
            .draw_series(
                pts.iter()
                    .map(|(x, m, _, _)| Circle::new((*x as f64 + offset, *m), 4, color.filled())),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Cost against service level, one point per combination, the Pareto front highlighted.
struct Pareto {
    x_name: String,
    /// What a point's label lists, e.g. `target_cpu/instance_type`.
    label_axes: String,
    points: Vec<(String, f64, f64)>,
    /// Each point's 95 % intervals over its replications, service level then cost, clipped
    /// at 0 (neither figure can be negative).
    intervals: Vec<Interval>,
    front: Vec<usize>,
}

fn draw_pareto<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, p: &Pareto) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    // The legend goes in a strip below the chart, never over a point or its label.
    let (w, h) = root.dim_in_pixel();
    let (plot, legend) = root.split_vertically(h.saturating_sub(34));
    let fin = finite_or_zero;
    let ((x_lo, x_hi), (y_lo, y_hi)) = pareto_axes(p);
    let mut chart = ChartBuilder::on(&plot)
        .caption(format!("Cost against service level ({})", p.x_name), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(format!("{} (mean; lower is better)", p.x_name))
        .y_desc("cost_usd (mean)")
        .max_light_lines(1)
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    let point_colour = PALETTE[0].to_rgba();
    let front_colour = PALETTE[1].to_rgba();
    // Error bars: each combination's 95 % interval on both figures, in a light grey under
    // the points (an interval that is not a number, from one replication, is not drawn).
    let bar = RGBColor(150, 150, 150).stroke_width(1);
    for ((_, x, y), ((xl, xh), (yl, yh))) in p.points.iter().zip(&p.intervals) {
        let (x, y) = (fin(*x), fin(*y));
        if yl.is_finite() && yh.is_finite() {
            chart
                .draw_series(std::iter::once(ErrorBar::new_vertical(x, *yl, y, *yh, bar, 6)))
                .map_err(err)?;
        }
        if xl.is_finite() && xh.is_finite() {
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(y, *xl, x, *xh, bar, 6)))
                .map_err(err)?;
        }
    }
    chart
        .draw_series(
            p.points
                .iter()
                .map(|(_, x, y)| Circle::new((fin(*x), fin(*y)), 5, point_colour.filled())),
        )
        .map_err(err)?;
    let mut front: Vec<(f64, f64)> = p
        .front
        .iter()
        .map(|i| (fin(p.points[*i].1), fin(p.points[*i].2)))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(front.clone(), front_colour.stroke_width(2)))
        .map_err(err)?;
    chart
        .draw_series(
            front
                .iter()
                .map(|(x, y)| Circle::new((*x, *y), 8, front_colour.stroke_width(2))),
        )
        .map_err(err)?;
    // Labels beside their points; one that would overlap a label already placed moves down a
    // line at a time (in the order of the points, so the same data places them the same way).
    let font = ("sans-serif", 11).into_font().color(&BLACK);
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for (label, x, y) in &p.points {
        let (px, py) = chart.backend_coord(&(fin(*x), fin(*y)));
        let width = (label.chars().count() as i32) * 6 + 2;
        let (mut lx, mut ly) = (px + 11, py - 15);
        for _ in 0..8 {
            let overlaps = placed
                .iter()
                .any(|(ax, ay, aw, ah)| lx < ax + aw && *ax < lx + width && ly < ay + ah && *ay < ly + 12);
            if !overlaps {
                break;
            }
            ly += 13;
        }
        lx = lx.min(w as i32 - width - 4);
        placed.push((lx, ly, width, 12));
        plot.draw(&Text::new(label.clone(), (lx, ly), font.clone()))
            .map_err(err)?;
    }
    draw_pareto_legend(&legend, p, point_colour, front_colour).map_err(err)?;
    root.present().map_err(err)
}

/// A finite figure, or 0 for one that is not a number (a run with no request).
fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// A point's 95 % intervals: service level, then cost.
type Interval = ((f64, f64), (f64, f64));

/// The Pareto chart's x and y ranges: the points and their intervals, with room for the
/// labels (to the right), not from 0.
fn pareto_axes(p: &Pareto) -> ((f64, f64), (f64, f64)) {
    let fin = finite_or_zero;
    // Axes span the points with room for their labels (to the right), not from 0.
    let range = |vals: Vec<f64>, right: f64| {
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let span = if hi - lo > 1e-9 {
            hi - lo
        } else {
            hi.abs().max(1.0) * 0.2
        };
        ((lo - 0.12 * span).max(0.0), hi + right * span)
    };
    // Each axis spans its figure's points and their intervals.
    let axis = |figure: fn(&(String, f64, f64)) -> f64, interval: fn(&Interval) -> (f64, f64), right: f64| {
        let points = p.points.iter().map(|q| fin(figure(q)));
        let bounds = p.intervals.iter().flat_map(|i| {
            let (a, b) = interval(i);
            [a, b]
        });
        range(points.chain(bounds).filter(|v| v.is_finite()).collect(), right)
    };
    let (x_lo, x_hi) = axis(|q| q.1, |i| i.0, 0.35);
    let (y_lo, y_hi) = axis(|q| q.2, |i| i.1, 0.15);
    ((x_lo, x_hi), (y_lo, y_hi))
}

/// The strip below the Pareto chart: what a point and the front line are, and what the
/// labels name.
fn draw_pareto_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, Shift>,
    p: &Pareto,
    point_colour: RGBAColor,
    front_colour: RGBAColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let legend_font = ("sans-serif", 12).into_font();
    legend.draw(&Circle::new((90, 14), 5, point_colour.filled()))?;
    legend.draw(&Text::new(
        "combination (mean of its runs, 95 % intervals)",
        (102, 7),
        legend_font.clone(),
    ))?;
    legend.draw(&PathElement::new(
        vec![(380, 14), (404, 14)],
        front_colour.stroke_width(2),
    ))?;
    legend.draw(&Text::new(
        "Pareto front (no other is cheaper and better)",
        (412, 7),
        legend_font.clone(),
    ))?;
    legend.draw(&Text::new(format!("labels: {}", p.label_axes), (90, 22), legend_font))?;
    Ok(())
}

/// Indexes of the points not dominated in both coordinates (lower is better in both).
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    (0..points.len())
        .filter(|i| {
            let (x, y) = points[*i];
            !points.iter().any(|(a, b)| *a <= x && *b <= y && (*a < x || *b < y))
        })
        .collect()
}

fn render<F, G>(base: &Path, size: (u32, u32), font_url: &str, png: F, svg: G) -> Result<Vec<PathBuf>, String>
where
    F: FnOnce(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    G: FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
{
    let png_path = base.with_extension("png");
    let tmp = base.with_extension("tmp.png");
    png(BitMapBackend::new(&tmp, size).into_drawing_area())?;
    std::fs::rename(&tmp, &png_path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    svg(SVGBackend::with_string(&mut text, size).into_drawing_area())?;
    let svg_path = base.with_extension("svg");
    crate::metrics::write_atomically(&svg_path, embed_font(&text, font_url).as_bytes()).map_err(|e| e.to_string())?;
    Ok(vec![png_path, svg_path])
}

/// A sweep's `stats.csv` pivoted back to one row per combination: `header` is the axes then
/// the figures; `means`, `lows` and `highs` hold, per combination, its axis labels then each
/// figure's mean, 95 % interval low and high.
struct SweepStats {
    header: Vec<String>,
    axes: usize,
    means: Vec<Vec<String>>,
    lows: Vec<Vec<String>>,
    highs: Vec<Vec<String>>,
}

impl SweepStats {
    fn read(path: &Path) -> Result<Self, String> {
        let t = Table::read(path)?;
        let need = |n: &str| t.col(n).ok_or(format!("{} has no {n} column", path.display()));
        let (combination, replications) = (need("combination")?, need("replications")?);
        let (metric, statistic, value) = (need("metric")?, need("statistic")?, need("value")?);
        let axes: Vec<String> = t.header[combination + 1..replications].to_vec();
        let mut figures: Vec<String> = Vec::new();
        for r in &t.rows {
            if !figures.contains(&r[metric]) {
                figures.push(r[metric].clone());
            }
        }
        let mut header = axes.clone();
        header.extend(figures.iter().cloned());
        let (mut means, mut lows, mut highs) = (Vec::new(), Vec::new(), Vec::new());
        for r in &t.rows {
            let c: usize = r[combination]
                .parse()
                .map_err(|_| format!("{}: bad combination", path.display()))?;
            let rows = match r[statistic].as_str() {
                "mean" => &mut means,
                "ci95_low" => &mut lows,
                "ci95_high" => &mut highs,
                _ => continue,
            };
            if rows.len() <= c {
                let mut row: Vec<String> = r[combination + 1..replications].to_vec();
                row.resize(header.len(), String::new());
                rows.resize(c + 1, Vec::new());
                rows[c] = row;
            }
            let f = figures.iter().position(|x| *x == r[metric]).expect("listed above");
            rows[c][axes.len() + f] = r[value].clone();
        }
        if means.len() != lows.len() || means.len() != highs.len() || means.iter().any(Vec::is_empty) {
            return Err(format!("{}: a combination lacks its mean or interval", path.display()));
        }
        Ok(SweepStats {
            header,
            axes: axes.len(),
            means,
            lows,
            highs,
        })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

fn rows(r: &[Vec<String>]) -> Vec<&Vec<String>> {
    r.iter().collect()
}

/// Draws the sweep charts of `dir` (from its stats.csv) into `dir/plots/`: each summary
/// figure that varies, against each axis; and cost against service level with the Pareto
/// front.
// Long: one block per sweep chart, in the order they are written
/// A cell of stats.csv as a number (NaN when empty or not a number).
fn num(r: &[String], c: usize) -> f64 {
    r[c].parse::<f64>().unwrap_or(f64::NAN)
}

/// The means, lower and upper interval bounds of a sweep's combinations, row by row.
type StatRows<'a, 'r> = (&'a [&'r Vec<String>], &'a [&'r Vec<String>], &'a [&'r Vec<String>]);

/// Figure `f` against axis `a`: one category per value of the axis, one series per
/// combination of the other axes' values, each point with its interval.
fn axis_chart(t: &SweepStats, (means, lows, highs): StatRows<'_, '_>, f: usize, a: usize) -> AxisChart {
    let mut categories: Vec<String> = Vec::new();
    for r in means {
        if !categories.contains(&r[a]) {
            categories.push(r[a].clone());
        }
    }
    let mut series: Vec<(String, Vec<ErrorPoint>)> = Vec::new();
    for (k, r) in means.iter().enumerate() {
        let others: Vec<String> = (0..t.axes)
            .filter(|x| *x != a)
            .map(|x| format!("{}={}", t.header[x], r[x]))
            .collect();
        let name = if others.is_empty() {
            "all".to_string()
        } else {
            others.join(", ")
        };
        let x = categories.iter().position(|c| *c == r[a]).unwrap_or(0);
        // Every charted figure is a cost, a share, a duration or a count: none is below
        // zero, so neither is its interval (a t interval of 2 replications can be).
        let point = (x, num(r, f), num(lows[k], f).max(0.0), num(highs[k], f));
        match series.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(point),
            None => series.push((name, vec![point])),
        }
    }
    AxisChart {
        figure: t.header[f].clone(),
        axis: t.header[a].clone(),
        categories,
        series,
    }
}

/// Cost against service level (requests over capacity when any were unserved, else the p95
/// wait) with the Pareto front; `None` when stats.csv lacks those columns.
fn cost_against_service_level(t: &SweepStats, (means, lows, highs): StatRows<'_, '_>) -> Option<Pareto> {
    let (cost, over, wait) = (
        t.col("cost_usd")?,
        t.col("requests_over_capacity_pct")?,
        t.col("task_wait_p95_s")?,
    );
    let sl = if means.iter().any(|r| num(r, over) > 0.0) {
        over
    } else {
        wait
    };
    let label_of = |r: &Vec<String>| (0..t.axes).map(|a| r[a].clone()).collect::<Vec<_>>().join("/");
    let points: Vec<(String, f64, f64)> = means.iter().map(|r| (label_of(r), num(r, sl), num(r, cost))).collect();
    let interval = |k: usize, c: usize| (num(lows[k], c).max(0.0), num(highs[k], c));
    let intervals = (0..means.len()).map(|k| (interval(k, sl), interval(k, cost))).collect();
    let front = pareto_front(&points.iter().map(|p| (p.1, p.2)).collect::<Vec<_>>());
    Some(Pareto {
        x_name: t.header[sl].clone(),
        label_axes: (0..t.axes).map(|a| t.header[a].clone()).collect::<Vec<_>>().join("/"),
        points,
        intervals,
        front,
    })
}

pub fn sweep_charts(dir: &Path) -> Result<Vec<PathBuf>, String> {
    register_font();
    let t = SweepStats::read(&dir.join("stats.csv"))?;
    let axes: Vec<usize> = (0..t.axes).collect();
    let figures: Vec<usize> = (t.axes..t.header.len()).collect();
    let (means, lows, highs) = (rows(&t.means), rows(&t.lows), rows(&t.highs));
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let font_url = font_data_url();
    let mut written = Vec::new();
    for &f in figures
        .iter()
        .filter(|f| PLANNER_FIGURES.contains(&t.header[**f].as_str()))
    {
        let values: Vec<f64> = means.iter().map(|r| num(r, f)).collect();
        let varies = values.iter().any(|v| (v - values[0]).abs() > 1e-9);
        if !varies {
            continue;
        }
        for &a in &axes {
            let chart = axis_chart(&t, (&means, &lows, &highs), f, a);
            let base = out.join(format!("{}__by__{}", t.header[f], t.header[a]));
            written.extend(render(
                &base,
                (900, 600),
                &font_url,
                |r| draw_axis_chart(r, &chart),
                |r| draw_axis_chart(r, &chart),
            )?);
        }
    }
    if let Some(p) = cost_against_service_level(&t, (&means, &lows, &highs)) {
        let base = out.join("cost_vs_service_level");
        written.extend(render(
            &base,
            (900, 650),
            &font_url,
            |r| draw_pareto(r, &p),
            |r| draw_pareto(r, &p),
        )?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_runs_keep_their_ends_only() {
        let pts = [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (3.0, 2.0), (4.0, 2.0), (5.0, 3.0)];
        // The drawn line is the same: 0-2 flat at 1, up to 2 at 3, flat to 4, up to 3 at 5.
        assert_eq!(
            without_flat_interiors(&pts),
            vec![(0.0, 1.0), (2.0, 1.0), (3.0, 2.0), (4.0, 2.0), (5.0, 3.0)]
        );
        assert_eq!(without_flat_interiors(&[]), vec![]);
        assert_eq!(without_flat_interiors(&[(0.0, 5.0)]), vec![(0.0, 5.0)]);
    }

    #[test]
    fn a_long_series_is_thinned_to_every_kth_row_and_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let mut text = String::from("time_s,x\n");
        for k in 0..50_001 {
            text += &format!("{k},{}\n", k * 2);
        }
        std::fs::write(&path, text).unwrap();
        let t = Table::read_thinned(&path, 20_000).unwrap();
        // 50,001 rows at most 20,000: every third row (16,667 of them) and the last.
        assert_eq!(t.rows.len(), 16_668);
        assert_eq!(t.rows[0], vec!["0", "0"]);
        assert_eq!(t.rows[1], vec!["3", "6"]);
        assert_eq!(t.rows.last().unwrap(), &vec!["50000".to_string(), "100000".to_string()]);
        let whole = Table::read(&path).unwrap();
        assert_eq!(whole.rows.len(), 50_001);
        assert_eq!(whole.header, t.header);
    }

    #[test]
    fn a_health_checked_service_gets_a_healthy_against_desired_panel() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let plain = "time_s,service.a.desired,service.a.running\n0,2,2\n60,2,2\n";
        std::fs::write(&path, plain).unwrap();
        let (panels, _, _) = dashboard_panels(&Table::read(&path).unwrap()).unwrap();
        assert!(!panels.iter().any(|p| p.title.starts_with("Healthy")));
        let checked =
            "time_s,service.a.desired,service.a.running,service.a.healthy,service.a.stopping\n0,2,2,0,0\n60,2,2,2,0\n";
        std::fs::write(&path, checked).unwrap();
        let (panels, _, _) = dashboard_panels(&Table::read(&path).unwrap()).unwrap();
        let p = &panels[1];
        assert!(p.title.starts_with("Healthy tasks"), "{}", p.title);
        let names: Vec<&str> = p.series.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, vec!["a desired", "a healthy", "a stopping"]);
    }

    #[test]
    fn pareto_front_keeps_non_dominated_points() {
        let pts = [(1.0, 10.0), (2.0, 5.0), (3.0, 6.0), (0.5, 20.0), (2.0, 5.0)];
        assert_eq!(pareto_front(&pts), vec![0, 1, 3, 4]);
    }
}
