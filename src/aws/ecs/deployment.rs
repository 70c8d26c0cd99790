//! Rolling deployments (ecs-semantics §2.3-2.5): the state of a deployment in progress, the
//! minimumHealthyPercent / maximumPercent bounds, the circuit breaker's threshold, and the
//! throttle's back-off for tasks that keep failing to start.

use crate::engine::SimTime;

/// A rolling deployment in progress (ecs-semantics §2.4-2.5).
pub(crate) struct DeploymentState {
    pub(crate) new_definition: usize,
    pub(crate) failures: u32,
    pub(crate) threshold: u32,
    pub(crate) started_at: SimTime,
}

/// `ceil(desired x minimumHealthyPercent / 100)` and `floor(desired x maximumPercent / 100)`.
pub fn deployment_bounds(desired: u32, min_pct: u32, max_pct: u32) -> (u32, u32) {
    let min_healthy = (u64::from(desired) * u64::from(min_pct)).div_ceil(100) as u32;
    let max_tasks = (u64::from(desired) * u64::from(max_pct) / 100) as u32;
    (min_healthy, max_tasks)
}

/// The circuit breaker's failure threshold: `clamp(ceil(0.5 x desired), 3, 200)` (current
/// API documentation; the 2023 guide used a minimum of 10).
pub fn circuit_breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

/// The throttle's delay after `k` consecutive failures to start: `min(max, base x 2^(k-1))` (I).
pub fn backoff_delay(k: u32, base_ms: u64, max_ms: u64) -> u64 {
    if k == 0 {
        return 0;
    }
    base_ms.saturating_mul(1u64 << (k - 1).min(40)).min(max_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_match_the_documented_edges() {
        // min 50 % with desired 4 lets 2 stop first; min 75 % with desired 2 lets none stop.
        assert_eq!(deployment_bounds(4, 50, 200).0, 2);
        assert_eq!(2 - deployment_bounds(2, 75, 200).0, 0);
        // max 200 % with desired 4 lets 4 start first; max 125 % with desired 3 lets none.
        assert_eq!(deployment_bounds(4, 100, 200).1 - 4, 4);
        assert_eq!(deployment_bounds(3, 100, 125).1 - 3, 0);
    }

    #[test]
    fn circuit_breaker_threshold_is_clamped() {
        assert_eq!(circuit_breaker_threshold(1), 3);
        assert_eq!(circuit_breaker_threshold(25), 13);
        assert_eq!(circuit_breaker_threshold(400), 200);
        assert_eq!(circuit_breaker_threshold(800), 200);
    }

    #[test]
    fn backoff_doubles_up_to_fifteen_minutes() {
        let d: Vec<u64> = (1..=9).map(|k| backoff_delay(k, 10_000, 900_000)).collect();
        assert_eq!(
            d,
            vec![10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 900_000, 900_000]
        );
    }
}
