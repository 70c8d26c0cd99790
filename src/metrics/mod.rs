//! What a run reports: the metrics time series, the event log and the summary, plus the
//! writers that put them on disk whole or not at all.
//!
//! Architecture invariant: the simulator hands over plain values; this module owns column
//! order and number formatting, so output bytes depend on nothing but those values.

mod distribution;
mod output;
mod summary;

pub use distribution::{
    Distribution, EXACT_SAMPLES, SIGNIFICANT_DIGITS, WORKLOAD_EXACT_SAMPLES, WORKLOAD_SIGNIFICANT_DIGITS,
};
pub use output::{write_atomically, AtomicFile, CsvEventSink, CsvMetricsSink};
pub use summary::{
    percentile, GroupSummary, HealthSummary, JobSummary, ProviderSummary, ServiceSummary, Summary, WaitSummary,
    WorkloadCost, SUMMARY_COLUMNS, WORKLOAD_COLUMNS,
};

use crate::engine::SimTime;

/// One line of the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEvent {
    pub time: SimTime,
    pub kind: &'static str,
    pub task: String,
    pub group: String,
    /// The service or batch job the line is about (empty when neither).
    pub service: String,
    pub job: String,
    pub capacity_provider: String,
    pub instance: String,
    pub instance_type: String,
    pub availability_zone: String,
    /// A reason code (README, "events.csv"); empty when the event has none.
    pub reason: &'static str,
    pub detail: String,
}

/// Column order of `events.csv`.
pub const EVENT_COLUMNS: [&str; 12] = [
    "time_s",
    "event",
    "task_id",
    "task_group",
    "service",
    "job",
    "capacity_provider",
    "instance_id",
    "instance_type",
    "availability_zone",
    "reason",
    "detail",
];

/// Where the simulator sends log events.
pub trait EventSink {
    fn record(&mut self, e: LogEvent) -> std::io::Result<()>;
    /// Whether events are wanted at all (lets the simulator skip formatting).
    fn enabled(&self) -> bool {
        true
    }
}

/// Keeps events in memory (tests, `explain`).
#[derive(Default, Debug)]
pub struct VecSink(pub Vec<LogEvent>);

impl EventSink for VecSink {
    fn record(&mut self, e: LogEvent) -> std::io::Result<()> {
        self.0.push(e);
        Ok(())
    }
}

/// Discards events.
#[derive(Default, Debug)]
pub struct NullSink;

impl EventSink for NullSink {
    fn record(&mut self, _e: LogEvent) -> std::io::Result<()> {
        Ok(())
    }
    fn enabled(&self) -> bool {
        false
    }
}

/// The metrics time series: a header fixed at the start of the run and one row per sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<MetricValue>>,
}

/// Where the simulator sends the metrics time series: the header once, before any row,
/// then one row per sample. [`MetricsTable`] keeps them in memory (tests, `check`);
/// [`CsvMetricsSink`] streams them to `metrics.csv`, so a run's memory does not grow
/// with its number of rows.
pub trait MetricsSink {
    fn header(&mut self, columns: Vec<String>) -> std::io::Result<()>;
    fn row(&mut self, row: Vec<MetricValue>) -> std::io::Result<()>;
}

impl MetricsSink for MetricsTable {
    fn header(&mut self, columns: Vec<String>) -> std::io::Result<()> {
        self.columns = columns;
        Ok(())
    }

    fn row(&mut self, row: Vec<MetricValue>) -> std::io::Result<()> {
        self.rows.push(row);
        Ok(())
    }
}

/// A cell of `metrics.csv`.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricValue {
    Time(SimTime),
    Count(u64),
    /// A percentage, written with two decimals.
    Pct(f64),
    /// A percentage that may be missing (no datapoint), written empty when missing.
    OptPct(Option<f64>),
    /// A quantity such as a request count, written with one decimal.
    Amount(f64),
    /// Dollars, written with six decimals.
    Usd(f64),
    /// Milliseconds that may be missing, written with three decimals or empty.
    OptMs(Option<f64>),
}

impl MetricValue {
    pub fn render(&self) -> String {
        match self {
            MetricValue::Time(t) => t.to_string(),
            MetricValue::Count(n) => n.to_string(),
            MetricValue::Pct(p) => format!("{p:.2}"),
            MetricValue::OptPct(p) => p.map_or(String::new(), |p| format!("{p:.2}")),
            MetricValue::Amount(a) => format!("{a:.1}"),
            MetricValue::Usd(d) => format!("{d:.6}"),
            MetricValue::OptMs(m) => m.map_or(String::new(), |m| format!("{m:.3}")),
        }
    }
}

impl MetricsTable {
    /// Renders the table as CSV text.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.columns).expect("in-memory write");
        for r in &self.rows {
            w.write_record(r.iter().map(MetricValue::render))
                .expect("in-memory write");
        }
        String::from_utf8(w.into_inner().expect("in-memory flush")).expect("CSV is UTF-8")
    }
}
