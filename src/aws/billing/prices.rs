//! Prices and billing rules (ecs-semantics §4.3, §5.3): EC2 per-second billing with a
//! 60-second minimum per instance, Fargate per vCPU-second and GB-second with a one-minute
//! minimum, Spot as a discount factor. All prices are scenario-overridable defaults.

/// Price parameters of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    pub fargate_vcpu_hour_usd: f64,
    pub fargate_gb_hour_usd: f64,
    /// Fargate Spot price as a fraction of on-demand (0.33 from the one published snapshot).
    pub fargate_spot_factor: f64,
    /// EC2 Spot price as a fraction of on-demand, when a group gives no Spot price (I).
    pub ec2_spot_factor: f64,
    pub ec2_minimum_ms: u64,
    pub fargate_minimum_ms: u64,
    /// Ephemeral storage above the free 20 GiB, per GB-hour (not discounted on Spot, I).
    pub fargate_storage_gb_hour_usd: f64,
    /// The region whose EC2 on-demand prices apply (`pricing.region`).
    pub region: String,
}

/// Ephemeral storage every Fargate task gets without charge (ecs-semantics §4.2).
pub const FARGATE_FREE_STORAGE_GIB: u32 = 20;

/// Fargate time is "rounded up to the nearest second" (AWS Fargate pricing page, quoted in
/// ecs-semantics §4.3 as "billed per second with a 1-minute minimum").
pub const FARGATE_BILLING_INCREMENT_MS: u64 = 1_000;

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            fargate_vcpu_hour_usd: 0.04048,
            fargate_gb_hour_usd: 0.004445,
            fargate_spot_factor: 0.33,
            ec2_spot_factor: 0.35,
            ec2_minimum_ms: 60_000,
            fargate_minimum_ms: 60_000,
            fargate_storage_gb_hour_usd: 0.000111,
            region: crate::aws::ec2_autoscaling::DEFAULT_REGION.to_string(),
        }
    }
}

impl Pricing {
    /// Hourly price of a Fargate task of this size with `storage_gib` of ephemeral storage.
    pub fn fargate_hourly(&self, cpu_units: u32, memory_mib: u32, storage_gib: u32, spot: bool) -> f64 {
        let on_demand = f64::from(cpu_units) / 1024.0 * self.fargate_vcpu_hour_usd
            + f64::from(memory_mib) / 1024.0 * self.fargate_gb_hour_usd;
        let compute = if spot {
            on_demand * self.fargate_spot_factor
        } else {
            on_demand
        };
        let extra_storage = storage_gib.saturating_sub(FARGATE_FREE_STORAGE_GIB);
        compute + f64::from(extra_storage) * self.fargate_storage_gb_hour_usd
    }
}

/// The billed duration of something that ran `ms`: rounded up to `increment_ms`, at least
/// `minimum_ms`.
pub fn billed_ms(ms: u64, minimum_ms: u64, increment_ms: u64) -> u64 {
    ms.div_ceil(increment_ms.max(1))
        .saturating_mul(increment_ms.max(1))
        .max(minimum_ms)
}

/// Cost of running something at `hourly` for `ms`, with a billing minimum.
pub fn billed(hourly: f64, ms: u64, minimum_ms: u64) -> f64 {
    hourly * ms.max(minimum_ms) as f64 / 3_600_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_minimums() {
        // An m5.large ($0.096/h) that lives 10 s is billed 60 s.
        assert!((billed(0.096, 10_000, 60_000) - 0.096 / 60.0).abs() < 1e-12);
        assert!((billed(0.096, 3_600_000, 60_000) - 0.096).abs() < 1e-12);
        // A 0.25 vCPU / 0.5 GB Fargate task: 0.25 x 0.04048 + 0.5 x 0.004445 per hour.
        let p = Pricing::default();
        let h = p.fargate_hourly(256, 512, 20, false);
        assert!((h - (0.25 * 0.04048 + 0.5 * 0.004445)).abs() < 1e-12);
        assert!((p.fargate_hourly(256, 512, 20, true) - h * 0.33).abs() < 1e-12);
        assert!((billed(h, 1_000, 60_000) - h / 60.0).abs() < 1e-12);
    }

    #[test]
    fn fargate_ephemeral_storage_above_twenty_gib_is_billed() {
        // ecs-semantics §4.2: "20 GiB by default ... configurable up to 200 GiB ... Storage
        // above 20 GB is billed"; §4.3: "$0.000111 per GB-hour". 50 GiB bills 30 GB-hours
        // an hour on top of the compute, on Spot too (the storage rate is not discounted, I).
        let p = Pricing::default();
        let base = p.fargate_hourly(1024, 2048, 20, false);
        let big = p.fargate_hourly(1024, 2048, 50, false);
        assert!((big - base - 30.0 * 0.000111).abs() < 1e-12);
        let spot = p.fargate_hourly(1024, 2048, 50, true);
        assert!((spot - p.fargate_hourly(1024, 2048, 20, true) - 30.0 * 0.000111).abs() < 1e-12);
    }

    #[test]
    fn fargate_time_is_rounded_up_to_the_second_with_a_minute_minimum() {
        // ecs-semantics §4.3: "billed per second with a 1-minute minimum on Linux"; the
        // Fargate pricing page: from the image download "until the Amazon ECS Task ...
        // terminates, rounded up to the nearest second".
        assert_eq!(billed_ms(61_001, 60_000, FARGATE_BILLING_INCREMENT_MS), 62_000);
        assert_eq!(billed_ms(61_000, 60_000, FARGATE_BILLING_INCREMENT_MS), 61_000);
        assert_eq!(billed_ms(10_500, 60_000, FARGATE_BILLING_INCREMENT_MS), 60_000);
    }
}
