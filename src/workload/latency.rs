//! Request latency from a queueing model of each task.
//!
//! Each running task is an M/M/1 queue: requests arrive as a Poisson stream (the service's
//! requests split evenly over its running tasks, as the load model splits them) and take an
//! exponentially distributed time with mean `s` (the load model's `request_service_time`) at
//! zero load. At utilisation `rho` (the task's requests over its capacity,
//! `task_capacity_rps`), the response time of an M/M/1 queue is exponentially distributed
//! with mean `s / (1 - rho)` (Kleinrock, Queueing Systems vol. 1, §3.2: the time in system is
//! exponential with parameter `mu - lambda`), so its `q`-quantile is
//! `-ln(1 - q) * s / (1 - rho)`. At `rho >= 1` the queue has no steady state: the minute is
//! *saturated* and its latency is unbounded (no figure).
//!
//! Over a run, a service's latency distribution is the mixture of its minutes' exponential
//! distributions weighted by the requests each served. [`LatencyMixture`] keeps it in bounded
//! memory: the minutes' mean latencies rounded to three significant digits (each mean within
//! 0.05 %, so each quantile within 0.05 %), with the requests of each, plus the requests of
//! saturated minutes, which count as beyond every finite latency.

use std::collections::BTreeMap;

/// The `q`-quantile (0 < q < 1) of an M/M/1 task's response time in seconds, with mean
/// service time `service_time_s` at utilisation `utilisation`; `None` when saturated.
pub fn quantile_s(q: f64, service_time_s: f64, utilisation: f64) -> Option<f64> {
    mean_s(service_time_s, utilisation).map(|m| exponential_quantile(q, m))
}

/// The `q`-quantile of an exponential distribution of mean `mean`.
pub fn exponential_quantile(q: f64, mean: f64) -> f64 {
    -(1.0 - q).ln() * mean
}

/// The mean response time in seconds; `None` at utilisation 1 or more.
pub fn mean_s(service_time_s: f64, utilisation: f64) -> Option<f64> {
    (utilisation < 1.0).then(|| service_time_s / (1.0 - utilisation.max(0.0)))
}

/// A service's latency over many minutes: a mixture of exponential distributions.
#[derive(Clone, Debug, Default)]
pub struct LatencyMixture {
    /// Mean latency in nanoseconds, rounded to three significant digits -> requests.
    components: BTreeMap<u64, f64>,
    /// Requests served in saturated minutes.
    saturated: f64,
}

/// `x` rounded to three significant digits.
fn three_digits(x: u64) -> u64 {
    let mut scale = 1;
    while x / scale >= 1000 {
        scale *= 10;
    }
    (x + scale / 2) / scale * scale
}

impl LatencyMixture {
    /// Adds `requests` served at mean latency `mean_s` (`None`: saturated).
    pub fn add(&mut self, requests: f64, mean_s: Option<f64>) {
        if requests <= 0.0 {
            return;
        }
        match mean_s {
            Some(m) => {
                *self
                    .components
                    .entry(three_digits((m * 1e9).round() as u64))
                    .or_default() += requests
            }
            None => self.saturated += requests,
        }
    }

    /// The requests the mixture holds.
    pub fn requests(&self) -> f64 {
        self.components.values().fold(self.saturated, |a, b| a + b)
    }

    /// The requests served in saturated minutes.
    pub fn saturated(&self) -> f64 {
        self.saturated
    }

    /// The `q`-quantile in seconds: the `t` at which the mixture's distribution function
    /// reaches `q`; `None` with no requests, or when the saturated requests reach beyond
    /// `1 - q` of them (the quantile is unbounded).
    pub fn quantile_s(&self, q: f64) -> Option<f64> {
        let finite = self.components.values().fold(0.0, |a, b| a + b);
        let want = q * self.requests();
        if finite <= 0.0 || want >= finite {
            return None;
        }
        let cdf = |t: f64| {
            self.components
                .iter()
                .map(|(m, w)| w * (1.0 - (-t / (*m as f64 / 1e9)).exp()))
                .fold(0.0, |a, b| a + b)
        };
        // Every component has at least the slowest one's mass below t, so the slowest
        // component alone bounds the answer from above.
        let slowest = *self.components.keys().next_back()? as f64 / 1e9;
        let (mut lo, mut hi) = (0.0, -slowest * (1.0 - want / finite).ln());
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if cdf(mid) < want {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// M/M/1 at rho = 0.5 with 10 ms service: time in system is exponential with mean
    /// 10 / (1 - 0.5) = 20 ms, so p50 = 20 ln 2 and p95 = 20 ln 20.
    #[test]
    fn one_task_at_half_load() {
        let p50 = quantile_s(0.5, 0.010, 0.5).unwrap();
        let p95 = quantile_s(0.95, 0.010, 0.5).unwrap();
        assert!((p50 - 0.020 * 2f64.ln()).abs() < 1e-12);
        assert!((p95 - 0.020 * 20f64.ln()).abs() < 1e-12);
        assert_eq!(quantile_s(0.5, 0.010, 1.0), None);
        assert_eq!(quantile_s(0.5, 0.010, 1.5), None);
    }

    /// One component is the exponential itself; two equal-weight components of means a and
    /// b satisfy (1 - e^(-t/a)) + (1 - e^(-t/b)) = 2q at the quantile t.
    #[test]
    fn mixture_quantiles_solve_the_mixture_equation() {
        let mut one = LatencyMixture::default();
        one.add(600.0, Some(0.020));
        let p95 = one.quantile_s(0.95).unwrap();
        assert!((p95 - 0.020 * 20f64.ln()).abs() < 1e-9, "{p95}");
        let mut two = LatencyMixture::default();
        two.add(100.0, Some(0.010));
        two.add(100.0, Some(0.040));
        for q in [0.5, 0.95, 0.99] {
            let t = two.quantile_s(q).unwrap();
            let f = (1.0 - (-t / 0.010).exp()) + (1.0 - (-t / 0.040).exp());
            assert!((f - 2.0 * q).abs() < 1e-9, "q {q}: t {t}, F {f}");
        }
    }

    /// Saturated requests lie beyond every finite latency: with 10 % of them, p50 is finite
    /// (it is the 0.5/0.9 quantile of the rest) and p95 is unbounded.
    #[test]
    fn saturated_requests_make_high_quantiles_unbounded() {
        let mut m = LatencyMixture::default();
        m.add(90.0, Some(0.020));
        m.add(10.0, None);
        let p50 = m.quantile_s(0.5).unwrap();
        assert!((p50 - (-0.020 * (1.0 - 0.5 / 0.9f64).ln())).abs() < 1e-9);
        assert_eq!(m.quantile_s(0.95), None);
        assert_eq!(LatencyMixture::default().quantile_s(0.5), None);
    }

    #[test]
    fn means_are_kept_to_three_significant_digits() {
        assert_eq!(three_digits(123_456), 123_000);
        assert_eq!(three_digits(999), 999);
        assert_eq!(three_digits(99_950), 100_000);
        let mut m = LatencyMixture::default();
        for i in 0..100_000u32 {
            m.add(1.0, Some(0.010 + f64::from(i) * 1e-7));
        }
        assert!(m.components.len() <= 1000, "{}", m.components.len());
    }
}
