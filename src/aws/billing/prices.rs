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
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            fargate_vcpu_hour_usd: 0.04048,
            fargate_gb_hour_usd: 0.004445,
            fargate_spot_factor: 0.33,
            ec2_spot_factor: 0.35,
            ec2_minimum_ms: 60_000,
            fargate_minimum_ms: 60_000,
        }
    }
}

impl Pricing {
    /// Hourly price of a Fargate task of this size.
    pub fn fargate_hourly(&self, cpu_units: u32, memory_mib: u32, spot: bool) -> f64 {
        let on_demand = f64::from(cpu_units) / 1024.0 * self.fargate_vcpu_hour_usd
            + f64::from(memory_mib) / 1024.0 * self.fargate_gb_hour_usd;
        if spot {
            on_demand * self.fargate_spot_factor
        } else {
            on_demand
        }
    }
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
        let h = p.fargate_hourly(256, 512, false);
        assert!((h - (0.25 * 0.04048 + 0.5 * 0.004445)).abs() < 1e-12);
        assert!((p.fargate_hourly(256, 512, true) - h * 0.33).abs() < 1e-12);
        assert!((billed(h, 1_000, 60_000) - h / 60.0).abs() < 1e-12);
    }
}
