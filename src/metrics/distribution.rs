//! Distributions of durations (task waits, replacement latencies) in bounded memory.
//!
//! A run may place tens of millions of tasks; keeping every wait to sort it at the end would
//! make memory grow with the run's length. A [`Distribution`] keeps the samples themselves
//! while there are at most [`EXACT_SAMPLES`] of them, so the percentiles of every run of that
//! size are exact (nearest rank, as [`percentile`] defines them), and beyond that an HDR
//! histogram (the `hdrhistogram` crate) with [`SIGNIFICANT_DIGITS`] significant decimal
//! digits, in memory that depends on the range of the values, not on their number.
//!
//! **Error bound beyond [`EXACT_SAMPLES`]**: a percentile is the largest value of the
//! histogram bucket that holds the exact nearest-rank sample `x`, so it is never below `x`
//! and exceeds it by at most `x / 1000` (three significant digits: buckets are at most a
//! thousandth of their values wide); values below 2,048 ms are kept exactly. The count, the
//! mean and the maximum are always exact.
//!
//! A run keeps one more distribution per workload (service or batch job), of which there may
//! be thousands: [`Distribution::per_workload`] keeps [`WORKLOAD_EXACT_SAMPLES`] samples
//! exactly and then a histogram of [`WORKLOAD_SIGNIFICANT_DIGITS`] digits (a percentile at
//! most a hundredth above the exact one, values below 256 ms exact; about 30 KB each).

use super::percentile;
use hdrhistogram::Histogram;

/// Up to this many samples, percentiles are computed exactly from the samples.
pub const EXACT_SAMPLES: usize = 100_000;

/// The HDR histogram's precision beyond [`EXACT_SAMPLES`] (relative error at most 10^-3).
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// The largest value the histogram tells apart (2^50 ms, about 35,000 years: far beyond any
/// run's length); a larger one would count as this.
const HISTOGRAM_HIGHEST_MS: u64 = 1 << 50;

/// A workload's distribution keeps this many samples exactly.
pub const WORKLOAD_EXACT_SAMPLES: usize = 1_000;

/// A workload's histogram precision beyond that (relative error at most 10^-2).
pub const WORKLOAD_SIGNIFICANT_DIGITS: u8 = 2;

/// A distribution of non-negative integer samples (durations in ms).
#[derive(Clone, Debug)]
pub struct Distribution {
    /// Samples kept exactly before the histogram takes over, and the histogram's precision.
    exact_limit: usize,
    digits: u8,
    count: u64,
    sum: u128,
    max: u64,
    /// Every sample while `histogram` is `None`.
    exact: Vec<u64>,
    /// Every sample once there were more than [`EXACT_SAMPLES`].
    histogram: Option<Histogram<u64>>,
    /// Zero samples not yet in `exact` or `histogram`: most waits are zero (a task placed
    /// at once), and counting them costs less than filing each. [`Distribution::seal`] files
    /// them, so the percentiles are those of every sample filed one by one.
    zeros: u64,
}

impl Default for Distribution {
    fn default() -> Self {
        Distribution {
            exact_limit: EXACT_SAMPLES,
            digits: SIGNIFICANT_DIGITS,
            count: 0,
            sum: 0,
            max: 0,
            exact: Vec::new(),
            histogram: None,
            zeros: 0,
        }
    }
}

impl Distribution {
    /// A workload's distribution (see the module header for its bound).
    pub fn per_workload() -> Self {
        Distribution {
            exact_limit: WORKLOAD_EXACT_SAMPLES,
            digits: WORKLOAD_SIGNIFICANT_DIGITS,
            ..Default::default()
        }
    }

    /// Adds one sample.
    pub fn record(&mut self, value: u64) {
        self.count += 1;
        if value == 0 {
            // A task placed at once: counted here, filed at `seal` (see `zeros`).
            self.zeros += 1;
            if self.histogram.is_none() && self.count > self.exact_limit as u64 {
                self.histogram = Some(self.histogram_of_exact());
            }
            return;
        }
        self.sum += u128::from(value);
        self.max = self.max.max(value);
        match &mut self.histogram {
            Some(h) => h.saturating_record(value),
            None if self.count <= self.exact_limit as u64 => self.exact.push(value),
            None => {
                let mut h = self.histogram_of_exact();
                h.saturating_record(value);
                self.histogram = Some(h);
            }
        }
    }

    /// A histogram of the samples kept exactly (the limit was passed), which it replaces.
    fn histogram_of_exact(&mut self) -> Histogram<u64> {
        let mut h =
            Histogram::<u64>::new_with_bounds(1, HISTOGRAM_HIGHEST_MS, self.digits).expect("valid histogram bounds");
        for v in self.exact.drain(..) {
            h.saturating_record(v);
        }
        self.exact = Vec::new();
        h
    }

    /// How many samples were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean of the samples (0 when there are none), exact.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The largest sample (0 when there are none), exact.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Whether the percentiles are exact (at most [`EXACT_SAMPLES`] samples).
    pub fn is_exact(&self) -> bool {
        self.histogram.is_none()
    }

    /// Files the zero samples counted so far and sorts the kept samples, so that a series of
    /// percentile queries costs one sort.
    pub fn seal(&mut self) {
        let zeros = std::mem::take(&mut self.zeros);
        match &mut self.histogram {
            Some(h) => h.saturating_record_n(0, zeros),
            None => self.exact.resize(self.exact.len() + zeros as usize, 0),
        }
        self.exact.sort_unstable();
    }

    /// The `p`-th percentile (0 < p <= 100) by nearest rank: exact up to [`EXACT_SAMPLES`]
    /// samples (after [`Distribution::seal`]), within the module's error bound beyond.
    pub fn percentile(&self, p: f64) -> u64 {
        match &self.histogram {
            None => {
                debug_assert!(
                    self.zeros == 0 && self.exact.is_sorted(),
                    "seal() before asking for percentiles"
                );
                percentile(&self.exact, p)
            }
            Some(h) => {
                debug_assert!(self.zeros == 0, "seal() before asking for percentiles");
                h.value_at_quantile(p / 100.0).min(self.max)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn exact_percentile(samples: &[u64], p: f64) -> u64 {
        let mut s = samples.to_vec();
        s.sort_unstable();
        percentile(&s, p)
    }

    #[test]
    fn up_to_the_exact_limit_percentiles_are_the_samples_own() {
        let mut d = Distribution::default();
        let samples: Vec<u64> = (0..EXACT_SAMPLES as u64).map(|k| (k * 7_919) % 1_000_003).collect();
        for v in &samples {
            d.record(*v);
        }
        d.seal();
        assert!(d.is_exact());
        for p in [1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0] {
            assert_eq!(d.percentile(p), exact_percentile(&samples, p), "p{p}");
        }
    }

    /// The bound stated in the module header, on heavy-tailed samples spanning seven orders
    /// of magnitude, well beyond the exact limit.
    #[test]
    fn beyond_the_exact_limit_percentiles_are_within_a_thousandth_above() {
        check_bound(Distribution::default(), 3 * EXACT_SAMPLES, 1000.0, 2_048);
    }

    /// The per-workload bound of the module header: a hundredth above, beyond a thousand.
    #[test]
    fn a_workloads_percentiles_are_within_a_hundredth_above_beyond_a_thousand_samples() {
        check_bound(Distribution::per_workload(), 30 * WORKLOAD_EXACT_SAMPLES, 100.0, 256);
    }

    /// Records `n` heavy-tailed samples into `d` and checks every percentile is at most
    /// `1/divisor` above the exact one, and exact below `exact_below`.
    fn check_bound(mut d: Distribution, n: usize, divisor: f64, exact_below: u64) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let samples: Vec<u64> = (0..n)
            .map(|_| {
                let u: f64 = rng.random_range(0.0..1.0);
                // Pareto-like: most waits short, a few hours long; a fifth are zero.
                if u < 0.2 {
                    0
                } else {
                    (10.0 / (1.0 - u).powf(1.5)) as u64
                }
            })
            .collect();
        for v in &samples {
            d.record(*v);
        }
        d.seal();
        assert!(!d.is_exact());
        assert_eq!(d.count(), samples.len() as u64);
        assert_eq!(d.max(), *samples.iter().max().unwrap());
        let mean = samples.iter().map(|v| *v as f64).sum::<f64>() / samples.len() as f64;
        assert!((d.mean() - mean).abs() <= 1e-9 * mean);
        for p in [0.1, 10.0, 20.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0] {
            let exact = exact_percentile(&samples, p);
            let got = d.percentile(p);
            assert!(got >= exact, "p{p}: {got} below the exact {exact}");
            assert!(
                (got - exact) as f64 <= exact as f64 / divisor,
                "p{p}: {got} more than 1/{divisor} above the exact {exact}"
            );
            if exact < exact_below {
                assert_eq!(got, exact, "p{p}: small values are exact");
            }
        }
    }

    /// Zero samples are counted rather than filed one by one: the percentiles, the count and
    /// the switch to a histogram after exactly `limit` samples are those of every sample
    /// filed (the exact percentiles of the samples, below the limit; within the bound beyond).
    #[test]
    fn zero_samples_counted_apart_change_no_figure() {
        let limit = WORKLOAD_EXACT_SAMPLES;
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        // Mostly zeros, as waits are; the sample after the limit is a zero, so the switch
        // to a histogram happens on a zero.
        let samples: Vec<u64> = (0..3 * limit)
            .map(|k| {
                if k == limit || rng.random_range(0..4) != 0 {
                    0
                } else {
                    rng.random_range(1..5_000)
                }
            })
            .collect();
        let mut d = Distribution::per_workload();
        for (k, v) in samples.iter().enumerate() {
            d.record(*v);
            assert_eq!(
                d.is_exact(),
                k < limit,
                "exact while at most {limit} samples (sample {k})"
            );
            if k + 1 == limit {
                let mut sealed = d.clone();
                sealed.seal();
                for p in [1.0, 50.0, 74.0, 76.0, 90.0, 100.0] {
                    assert_eq!(sealed.percentile(p), exact_percentile(&samples[..limit], p), "p{p}");
                }
            }
        }
        d.seal();
        assert_eq!(d.count(), samples.len() as u64);
        for p in [1.0, 50.0, 74.0, 76.0, 90.0, 99.0, 100.0] {
            let exact = exact_percentile(&samples, p);
            let got = d.percentile(p);
            assert!(
                got >= exact && (got - exact) as f64 <= exact as f64 / 100.0,
                "p{p}: {got} against {exact}"
            );
            if exact < 256 {
                assert_eq!(got, exact, "p{p}");
            }
        }
        // Three quarters are zero, so the median is.
        assert_eq!(d.percentile(50.0), 0);
    }

    #[test]
    fn an_empty_distribution_reports_zeros() {
        let mut d = Distribution::default();
        d.seal();
        assert_eq!((d.count(), d.max(), d.percentile(95.0)), (0, 0, 0));
        assert_eq!(d.mean(), 0.0);
    }
}
