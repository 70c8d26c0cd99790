//! A sweep's results as tidy tables: `runs.csv` (one row per run, its axis labels and every
//! summary figure) and `stats.csv` (long form: one row per combination, figure and statistic
//! over the combination's replications), with exact Student's t quantiles and a flag on the
//! statistics the replications are too few to estimate.

use super::SweepError;
use crate::metrics::{write_atomically, SUMMARY_COLUMNS};
use crate::scenario::experiment::SweepPlan;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::path::{Path, PathBuf};

/// The statistics of `stats.csv`, in their row order.
pub const STATISTICS: [&str; 6] = ["mean", "sd", "p50", "p95", "ci95_low", "ci95_high"];

/// Fewer replications than this and the nearest-rank p95 is the largest one (rank
/// `ceil(0.95 n) = n` for every n below 20), so it estimates no tail.
pub const P95_MIN_REPLICATIONS: usize = 20;

/// One statistic of a sample, and whether the sample can estimate it.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Statistic {
    pub value: f64,
    pub estimable: bool,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (exact, from statrs).
pub fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("degrees of freedom are at least 1")
        .inverse_cdf(0.975)
}

/// `mean, sd, p50, p95, ci95_low, ci95_high` of a sample (in [`STATISTICS`] order). With one
/// value sd and the interval are not estimable (reported as the value itself, sd 0); below
/// [`P95_MIN_REPLICATIONS`] values the p95 is the maximum and flagged.
pub fn statistics(values: &[f64]) -> [Statistic; 6] {
    let n = values.len();
    let nf = n as f64;
    let mean = values.iter().fold(0.0, |a, b| a + b) / nf;
    let var = if n > 1 {
        values.iter().map(|v| (v - mean).powi(2)).fold(0.0, |a, b| a + b) / (nf - 1.0)
    } else {
        0.0
    };
    let sd = var.sqrt();
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = |p: f64| sorted[((p / 100.0 * nf).ceil() as usize).clamp(1, n) - 1];
    let half = if n > 1 { t975(n - 1) * sd / nf.sqrt() } else { 0.0 };
    let s = |value: f64, estimable: bool| Statistic { value, estimable };
    [
        s(mean, true),
        s(sd, n > 1),
        s(rank(50.0), true),
        s(rank(95.0), n >= P95_MIN_REPLICATIONS),
        s(mean - half, n > 1),
        s(mean + half, n > 1),
    ]
}

/// The summary figures of `runs.csv` and `stats.csv`: summary.csv's columns after
/// `scenario` and `seed`.
fn figures() -> &'static [&'static str] {
    &SUMMARY_COLUMNS[2..]
}

/// Reads the one row of a run's summary.csv.
fn read_summary(path: &Path) -> Result<Vec<String>, SweepError> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| SweepError::Plan(format!("{}: {e}", path.display())))?;
    let row = rdr
        .records()
        .next()
        .ok_or_else(|| SweepError::Plan(format!("{}: no row", path.display())))?
        .map_err(|e| SweepError::Plan(format!("{}: {e}", path.display())))?;
    Ok(row.iter().map(str::to_string).collect())
}

/// Writes `runs.csv` and `stats.csv` from the runs' `summary.csv` files (in `run_dir(out,
/// index)`), in run-index order.
pub fn write_tables(plan: &SweepPlan, out: &Path, run_dir: &dyn Fn(&Path, usize) -> PathBuf) -> Result<(), SweepError> {
    let runs = plan.runs();
    let mut runs_csv = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["run", "combination", "replication", "seed"];
    header.extend(plan.axes.iter().map(|a| a.name.as_str()));
    header.extend(figures());
    runs_csv.write_record(&header).expect("in-memory");
    let mut per_combination: Vec<Vec<Vec<f64>>> = vec![Vec::new(); plan.combinations()];
    for r in &runs {
        let values = read_summary(&run_dir(out, r.index).join("summary.csv"))?;
        let figures = &values[2..];
        let mut row = vec![
            r.index.to_string(),
            r.combination.to_string(),
            r.replication.to_string(),
            r.seed.to_string(),
        ];
        row.extend(r.values.iter().zip(&plan.axes).map(|(v, a)| a.labels[*v].clone()));
        row.extend(figures.iter().cloned());
        runs_csv.write_record(&row).expect("in-memory");
        per_combination[r.combination].push(figures.iter().map(|s| s.parse::<f64>().unwrap_or(f64::NAN)).collect());
    }
    let mut stats_csv = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["combination"];
    header.extend(plan.axes.iter().map(|a| a.name.as_str()));
    header.extend(["replications", "metric", "statistic", "value", "estimable"]);
    stats_csv.write_record(&header).expect("in-memory");
    for (c, samples) in per_combination.iter().enumerate() {
        let first = runs
            .iter()
            .find(|r| r.combination == c)
            .expect("every combination has runs");
        let labels: Vec<String> = first
            .values
            .iter()
            .zip(&plan.axes)
            .map(|(v, a)| a.labels[*v].clone())
            .collect();
        for (k, metric) in figures().iter().enumerate() {
            let sample: Vec<f64> = samples.iter().map(|s| s[k]).collect();
            for (name, st) in STATISTICS.iter().zip(statistics(&sample)) {
                let mut row = vec![c.to_string()];
                row.extend(labels.iter().cloned());
                row.extend([
                    samples.len().to_string(),
                    metric.to_string(),
                    name.to_string(),
                    format!("{:.4}", st.value),
                    st.estimable.to_string(),
                ]);
                stats_csv.write_record(&row).expect("in-memory");
            }
        }
    }
    for (name, w) in [("runs.csv", runs_csv), ("stats.csv", stats_csv)] {
        let path = out.join(name);
        let bytes = w.into_inner().expect("in-memory");
        write_atomically(&path, &bytes).map_err(|source| SweepError::Io { path, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Student's t, 0.975 quantiles from a published table (NIST/SEMATECH e-Handbook of
    /// Statistical Methods, 1.3.6.7.2, "Critical values of the Student's t distribution",
    /// upper 0.025): 12.706 at 1 degree of freedom, 3.182 at 3, 2.042 at 30, 2.000 at 60,
    /// 1.984 at 100; the old hand table stopped at 30 and used 1.96 beyond.
    #[test]
    fn t_quantiles_match_the_published_table_at_any_degrees_of_freedom() {
        for (df, want) in [(1, 12.706), (3, 3.182), (30, 2.042), (60, 2.000), (100, 1.984)] {
            assert!((t975(df) - want).abs() < 0.0005, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn statistics_of_a_sample() {
        let s = statistics(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s[0].value, 2.5);
        assert!((s[1].value - 1.2909944).abs() < 1e-6);
        assert_eq!((s[2].value, s[3].value), (2.0, 4.0));
        // t(0.975, 3) = 3.182: 2.5 +- 3.182 x 1.291 / 2.
        assert!((s[5].value - (2.5 + 3.182 * 1.2909944 / 2.0)).abs() < 1e-3);
        assert!(
            !s[3].estimable,
            "four replications cannot estimate a p95: it is the maximum"
        );
        assert!(s[1].estimable && s[4].estimable);
        let one = statistics(&[5.0]);
        assert!(one.iter().all(|x| x.value == 5.0 || x.value == 0.0));
        assert!(!one[1].estimable && !one[4].estimable && !one[5].estimable);
        // 19 values: rank ceil(0.95 x 19) = 19, the maximum; 20 values: rank 19, below it.
        let s = statistics(&(1..=19).map(f64::from).collect::<Vec<_>>());
        assert_eq!(s[3].value, 19.0);
        assert!(!s[3].estimable);
        let s = statistics(&(1..=20).map(f64::from).collect::<Vec<_>>());
        assert_eq!(s[3].value, 19.0);
        assert!(s[3].estimable);
    }
}
