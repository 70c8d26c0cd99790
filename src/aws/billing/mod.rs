//! Billing: what is running and at what hourly price, accrued per millisecond as the run
//! goes, with the billing minimum added when something stops (or at the end of the run for
//! what is still running). EC2 instances are billed from launch to termination (per second,
//! 60-second minimum); Fargate tasks from the start of the image pull to stop (rounded up to
//! the second, one-minute minimum, ephemeral storage above 20 GiB) (ecs-semantics §4.3, §5.3).
//!
//! The other components tell Billing when something starts and stops being billed; Billing
//! knows nothing about why.

pub mod prices;

use prices::{billed, billed_ms, Pricing, FARGATE_BILLING_INCREMENT_MS};

/// Dollars per millisecond for an hourly price.
fn per_ms(hourly: f64) -> f64 {
    hourly / 3_600_000.0
}

/// The remainder a billing minimum adds for something that ran `ran_ms`.
fn minimum_top_up(hourly: f64, ran_ms: u64, minimum_ms: u64) -> f64 {
    billed(hourly, ran_ms, minimum_ms) - hourly * ran_ms as f64 / 3_600_000.0
}

/// What Fargate adds when a task stops after `ran_ms`: the rest of its last second, or of
/// the one-minute minimum.
fn fargate_top_up(hourly: f64, ran_ms: u64, minimum_ms: u64) -> f64 {
    let billed = billed_ms(ran_ms, minimum_ms, FARGATE_BILLING_INCREMENT_MS);
    hourly * (billed - ran_ms) as f64 / 3_600_000.0
}

/// One kind of charge: dollars accrued so far and the current rate.
#[derive(Clone, Debug, Default)]
struct Meter {
    accrued_usd: f64,
    usd_per_ms: f64,
}

/// The bill of one run.
#[derive(Clone, Debug)]
pub struct Billing {
    pricing: Pricing,
    ec2: Meter,
    fargate: Meter,
}

impl Billing {
    pub fn new(pricing: Pricing) -> Self {
        Billing {
            pricing,
            ec2: Meter::default(),
            fargate: Meter::default(),
        }
    }

    pub fn pricing(&self) -> &Pricing {
        &self.pricing
    }

    /// Accrues `dt_ms` at the current rates; returns the dollars accrued.
    pub fn accrue(&mut self, dt_ms: u64) -> f64 {
        let dt = dt_ms as f64;
        self.ec2.accrued_usd += self.ec2.usd_per_ms * dt;
        self.fargate.accrued_usd += self.fargate.usd_per_ms * dt;
        (self.ec2.usd_per_ms + self.fargate.usd_per_ms) * dt
    }

    /// An EC2 instance starts being billed (at launch).
    pub fn instance_launched(&mut self, hourly_usd: f64) {
        self.ec2.usd_per_ms += per_ms(hourly_usd);
    }

    /// An EC2 instance stops being billed after running `ran_ms`.
    pub fn instance_terminated(&mut self, hourly_usd: f64, ran_ms: u64) {
        self.ec2.usd_per_ms -= per_ms(hourly_usd);
        self.ec2.accrued_usd += minimum_top_up(hourly_usd, ran_ms, self.pricing.ec2_minimum_ms);
    }

    /// The hourly price of a Fargate task of this size and ephemeral storage.
    pub fn fargate_hourly(&self, cpu_units: u32, memory_mib: u32, storage_gib: u32, spot: bool) -> f64 {
        self.pricing.fargate_hourly(cpu_units, memory_mib, storage_gib, spot)
    }

    /// A Fargate task starts being billed (at the start of its image pull).
    pub fn fargate_task_started(&mut self, hourly_usd: f64) {
        self.fargate.usd_per_ms += per_ms(hourly_usd);
    }

    /// A Fargate task stops being billed after `ran_ms`.
    pub fn fargate_task_stopped(&mut self, hourly_usd: f64, ran_ms: u64) {
        self.fargate.usd_per_ms -= per_ms(hourly_usd);
        self.fargate.accrued_usd += fargate_top_up(hourly_usd, ran_ms, self.pricing.fargate_minimum_ms);
    }

    /// The EC2 meter's current rate, dollars per hour (the sum of the running instances'
    /// prices, if every launch and termination was reported once).
    pub fn ec2_hourly_rate(&self) -> f64 {
        self.ec2.usd_per_ms * 3_600_000.0
    }

    /// EC2 and Fargate dollars accrued so far (without the minimums of what still runs).
    pub fn accrued(&self) -> (f64, f64) {
        (self.ec2.accrued_usd, self.fargate.accrued_usd)
    }

    pub fn total_accrued(&self) -> f64 {
        self.ec2.accrued_usd + self.fargate.accrued_usd
    }

    /// The final bill: what accrued plus the minimums of instances and Fargate tasks still
    /// running at the end (`(hourly, ran_ms)` of each, in a fixed order).
    pub fn settle(
        &self,
        open_instances: impl Iterator<Item = (f64, u64)>,
        open_fargate_tasks: impl Iterator<Item = (f64, u64)>,
    ) -> (f64, f64) {
        let mut ec2 = self.ec2.accrued_usd;
        for (hourly, ran) in open_instances {
            ec2 += minimum_top_up(hourly, ran, self.pricing.ec2_minimum_ms);
        }
        let mut fargate = self.fargate.accrued_usd;
        for (hourly, ran) in open_fargate_tasks {
            fargate += fargate_top_up(hourly, ran, self.pricing.fargate_minimum_ms);
        }
        (ec2, fargate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_billing_with_a_sixty_second_minimum() {
        // ecs-semantics §5.3 / §4.3: billed per second with a 1-minute minimum.
        let mut b = Billing::new(Pricing::default());
        b.instance_launched(0.192);
        b.accrue(30_000);
        b.instance_terminated(0.192, 30_000);
        let (ec2, _) = b.accrued();
        assert!((ec2 - 0.192 / 60.0).abs() < 1e-12, "30 s is billed as 60 s: {ec2}");
        b.instance_launched(0.192);
        b.accrue(7_200_000);
        let (ec2_end, _) = b.settle(std::iter::once((0.192, 7_200_000)), std::iter::empty());
        assert!((ec2_end - (0.192 / 60.0 + 0.384)).abs() < 1e-9, "{ec2_end}");
    }

    #[test]
    fn fargate_is_priced_per_vcpu_and_gb_hour() {
        // ecs-semantics §4.3: $0.04048 per vCPU-hour and $0.004445 per GB-hour (us-east-1).
        let mut b = Billing::new(Pricing::default());
        let hourly = b.fargate_hourly(1024, 2048, 20, false);
        assert!((hourly - (0.04048 + 2.0 * 0.004445)).abs() < 1e-12);
        b.fargate_task_started(hourly);
        assert!((b.accrue(3_600_000) - hourly).abs() < 1e-12);
        b.fargate_task_stopped(hourly, 3_600_000);
        assert!((b.total_accrued() - hourly).abs() < 1e-12);
        assert_eq!(b.accrue(1_000), 0.0, "nothing runs any more");
    }
}
