//! Replay of task traces in the common CSV shape of `../shared/data/traces/`
//! (`arrival_s, cpu_vcpu, memory_mib, duration_s, count, ...`; extra columns are ignored).

use std::path::Path;

/// The latest arrival a trace may hold: ten years.
pub const MAX_ARRIVAL_S: f64 = 10.0 * 365.0 * 86_400.0;
/// The most tasks one row may submit (the Alibaba 2017 batch trace's largest is 64,486).
pub const MAX_TASKS_PER_ROW: u32 = 100_000;
/// The most tasks a replayed trace may submit in all (the whole Alibaba 2017 batch trace is
/// about 10 million).
pub const MAX_TASKS_PER_TRACE: u64 = 100_000_000;

/// One trace row: `count` identical tasks submitted together.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    pub arrival_ms: u64,
    pub cpu_units: Option<u32>,
    pub memory_mib: Option<u32>,
    /// Whole GPUs (the common shape's `gpus` column); empty or absent: the definition's.
    pub gpus: Option<u32>,
    pub duration_ms: Option<u64>,
    pub count: u32,
}

/// Which part of a trace to replay and how fast.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceWindow {
    pub start_ms: u64,
    pub end_ms: Option<u64>,
    /// Simulated time = (trace time - start) / speedup.
    pub speedup: f64,
    pub max_rows: Option<usize>,
}

/// Reads the rows of `path` that fall in `window`, shifted to start at zero.
/// Errors name the file, line and column.
pub fn load_trace(path: &Path, window: &TraceWindow) -> Result<Vec<TraceRow>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| format!("cannot read trace {}: {e}", path.display()))?;
    let headers = rdr.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let arrival = col("arrival_s").ok_or_else(|| {
        format!("{}:1: missing column `arrival_s` (expected the common trace shape arrival_s,cpu_vcpu,memory_mib,duration_s,count)", path.display())
    })?;
    let (cpu, mem, dur, count) = (col("cpu_vcpu"), col("memory_mib"), col("duration_s"), col("count"));
    let gpus = col("gpus");
    let mut rows = Vec::new();
    let mut total: u64 = 0;
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let num = |c: Option<usize>, name: &str| -> Result<Option<f64>, String> {
            let Some(c) = c else { return Ok(None) };
            let s = rec.get(c).unwrap_or("").trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "{}:{line}: column `{name}`: \"{s}\" is not a non-negative number",
                        path.display()
                    )
                })
        };
        let t_s = num(Some(arrival), "arrival_s")?
            .ok_or_else(|| format!("{}:{line}: column `arrival_s` is empty", path.display()))?;
        if t_s >= MAX_ARRIVAL_S {
            return Err(format!(
                "{}:{line}: column `arrival_s`: {t_s} is beyond the ceiling of {MAX_ARRIVAL_S} s (ten years)",
                path.display()
            ));
        }
        let t_ms = (t_s * 1000.0).round() as u64;
        if t_ms < window.start_ms {
            continue;
        }
        if window.end_ms.is_some_and(|e| t_ms >= e) {
            continue;
        }
        if window.max_rows.is_some_and(|m| rows.len() >= m) {
            break;
        }
        let n = num(count, "count")?.unwrap_or(1.0);
        if n > f64::from(MAX_TASKS_PER_ROW) {
            return Err(format!(
                "{}:{line}: column `count`: {n} tasks in one row is beyond the ceiling of {MAX_TASKS_PER_ROW}",
                path.display()
            ));
        }
        total += n.round() as u64;
        if total > MAX_TASKS_PER_TRACE {
            return Err(format!(
                "{}:{line}: the trace asks for more than {MAX_TASKS_PER_TRACE} tasks; replay a window of it (the arrivals' start, end or max_rows)",
                path.display()
            ));
        }
        rows.push(TraceRow {
            arrival_ms: ((t_ms - window.start_ms) as f64 / window.speedup).round() as u64,
            cpu_units: num(cpu, "cpu_vcpu")?.map(|v| (v * 1024.0).round() as u32),
            memory_mib: num(mem, "memory_mib")?.map(|v| v.ceil() as u32),
            gpus: num(gpus, "gpus")?.map(|v| v.round().min(64.0) as u32),
            duration_ms: num(dur, "duration_s")?.map(|v| ((v * 1000.0) / window.speedup).round() as u64),
            count: n.round().max(0.0) as u32,
        });
    }
    rows.sort_by_key(|r| r.arrival_ms);
    Ok(rows)
}
