//! Billing: what is running and at what hourly price, accrued per millisecond as the run
//! goes, with the billing minimum added when something stops (or at the end of the run for
//! what is still running). EC2 instances are billed from launch to termination (per second,
//! 60-second minimum); Fargate tasks from the start of the image pull to stop (rounded up to
//! the second, one-minute minimum, ephemeral storage above 20 GiB) (ecs-semantics §4.3, §5.3).
//!
//! The other components tell Billing when something starts and stops being billed; Billing
//! knows nothing about why.
//!
//! Billing also attributes the bill to workloads (services and batch jobs, by index) the way
//! AWS's split cost allocation data does for ECS tasks on EC2: an instance's hourly cost is
//! split over its vCPUs and GiB with relative weights of 9 to 1 ("derived from per vCPU per
//! hour and per GB per hour prices in AWS Fargate"), and each task is charged for what it
//! reserves while it is placed; what no task reserves is the instance group's idle (unused)
//! cost. A Fargate task's own charges go to its workload.

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

/// A meter accrued only when its rate changes (so thousands of them cost nothing per event):
/// dollars up to `since_ms`, and the rate in force since.
#[derive(Clone, Debug, Default)]
struct LazyMeter {
    accrued_usd: f64,
    usd_per_ms: f64,
    since_ms: u64,
}

impl LazyMeter {
    fn change_rate(&mut self, now_ms: u64, delta_hourly: f64) {
        self.accrued_usd += self.usd_per_ms * now_ms.saturating_sub(self.since_ms) as f64;
        self.since_ms = now_ms;
        self.usd_per_ms += per_ms(delta_hourly);
    }

    fn total_at(&self, end_ms: u64) -> f64 {
        self.accrued_usd + self.usd_per_ms * end_ms.saturating_sub(self.since_ms) as f64
    }
}

/// Split cost allocation's relative weight of a vCPU against a GiB of memory (AWS: "relative
/// unit weights for CPU and memory based on a 9:1 ratio").
pub const SPLIT_CPU_WEIGHT: f64 = 9.0;
pub const SPLIT_MEMORY_WEIGHT: f64 = 1.0;

/// What a task reserving `cpu_units` and `memory_mib` costs an hour on an instance of
/// `instance_vcpu` vCPUs and `instance_memory_mib` MiB billed `instance_hourly` (split cost
/// allocation: unit cost = hourly / (9 x vCPUs + 1 x GiB); the task pays 9 units per vCPU
/// and 1 per GiB it reserves).
pub fn split_cost_hourly(
    instance_hourly: f64,
    instance_vcpu: u32,
    instance_memory_mib: u32,
    cpu_units: u32,
    memory_mib: u32,
) -> f64 {
    let capacity =
        SPLIT_CPU_WEIGHT * f64::from(instance_vcpu) + SPLIT_MEMORY_WEIGHT * f64::from(instance_memory_mib) / 1024.0;
    if capacity <= 0.0 {
        return 0.0;
    }
    let reserved =
        SPLIT_CPU_WEIGHT * f64::from(cpu_units) / 1024.0 + SPLIT_MEMORY_WEIGHT * f64::from(memory_mib) / 1024.0;
    instance_hourly * reserved / capacity
}

/// What a run's bill comes to per workload and per instance group.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    /// Per workload (services, then batch jobs): EC2 split cost and Fargate cost.
    pub workload_ec2_usd: Vec<f64>,
    pub workload_fargate_usd: Vec<f64>,
    /// Per instance group: what its instances cost, and the part no task reserved.
    pub group_usd: Vec<f64>,
    pub group_idle_usd: Vec<f64>,
    /// Fargate on demand and Fargate Spot: what their tasks cost.
    pub fargate_kind_usd: [f64; 2],
}

/// The bill of one run.
#[derive(Clone, Debug)]
pub struct Billing {
    pricing: Pricing,
    ec2: Meter,
    fargate: Meter,
    /// Per workload: the EC2 split cost of its placed tasks, and its Fargate tasks' charges.
    workload_ec2: Vec<LazyMeter>,
    workload_fargate: Vec<LazyMeter>,
    /// Per instance group: its instances' cost, and the split cost its tasks reserve.
    group_cost: Vec<LazyMeter>,
    group_reserved: Vec<LazyMeter>,
    /// Fargate on demand (0) and Fargate Spot (1).
    fargate_kind: [LazyMeter; 2],
}

impl Billing {
    /// A bill for `workloads` services and batch jobs and `groups` instance groups.
    pub fn new(pricing: Pricing, workloads: usize, groups: usize) -> Self {
        Billing {
            pricing,
            ec2: Meter::default(),
            fargate: Meter::default(),
            workload_ec2: vec![LazyMeter::default(); workloads],
            workload_fargate: vec![LazyMeter::default(); workloads],
            group_cost: vec![LazyMeter::default(); groups],
            group_reserved: vec![LazyMeter::default(); groups],
            fargate_kind: Default::default(),
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

    /// An EC2 instance of group `group` starts being billed (at launch).
    pub fn instance_launched(&mut self, group: usize, hourly_usd: f64, now_ms: u64) {
        self.ec2.usd_per_ms += per_ms(hourly_usd);
        self.group_cost[group].change_rate(now_ms, hourly_usd);
    }

    /// An EC2 instance stops being billed after running `ran_ms` (a billing minimum's top-up
    /// is its group's, reserved by no task).
    pub fn instance_terminated(&mut self, group: usize, hourly_usd: f64, ran_ms: u64, now_ms: u64) {
        self.ec2.usd_per_ms -= per_ms(hourly_usd);
        let top_up = minimum_top_up(hourly_usd, ran_ms, self.pricing.ec2_minimum_ms);
        self.ec2.accrued_usd += top_up;
        let g = &mut self.group_cost[group];
        g.change_rate(now_ms, -hourly_usd);
        g.accrued_usd += top_up;
    }

    /// A task of `workload` is placed on an instance of `group`, reserving `split_hourly` of
    /// its cost (see [`split_cost_hourly`]), or (negative) stops.
    pub fn ec2_task_reserved(&mut self, workload: usize, group: usize, split_hourly: f64, now_ms: u64) {
        self.workload_ec2[workload].change_rate(now_ms, split_hourly);
        self.group_reserved[group].change_rate(now_ms, split_hourly);
    }

    /// The hourly price of a Fargate task of this size and ephemeral storage.
    pub fn fargate_hourly(&self, cpu_units: u32, memory_mib: u32, storage_gib: u32, spot: bool) -> f64 {
        self.pricing.fargate_hourly(cpu_units, memory_mib, storage_gib, spot)
    }

    /// A Fargate task of `workload` starts being billed (at the start of its image pull), on
    /// Fargate Spot when `spot`.
    pub fn fargate_task_started(&mut self, workload: usize, spot: bool, hourly_usd: f64, now_ms: u64) {
        self.fargate.usd_per_ms += per_ms(hourly_usd);
        self.workload_fargate[workload].change_rate(now_ms, hourly_usd);
        self.fargate_kind[usize::from(spot)].change_rate(now_ms, hourly_usd);
    }

    /// A Fargate task of `workload` stops being billed after `ran_ms`.
    pub fn fargate_task_stopped(&mut self, workload: usize, spot: bool, hourly_usd: f64, ran_ms: u64, now_ms: u64) {
        self.fargate.usd_per_ms -= per_ms(hourly_usd);
        let top_up = fargate_top_up(hourly_usd, ran_ms, self.pricing.fargate_minimum_ms);
        self.fargate.accrued_usd += top_up;
        for m in [
            &mut self.workload_fargate[workload],
            &mut self.fargate_kind[usize::from(spot)],
        ] {
            m.change_rate(now_ms, -hourly_usd);
            m.accrued_usd += top_up;
        }
    }

    /// What workload `w` (services, then batch jobs) has cost by `now_ms`: its EC2 split cost
    /// and its Fargate tasks' charges so far.
    pub fn workload_cost_at(&self, w: usize, now_ms: u64) -> f64 {
        self.workload_ec2[w].total_at(now_ms) + self.workload_fargate[w].total_at(now_ms)
    }

    /// What instance group `g`'s instances have cost by `now_ms` that no task reserved.
    pub fn group_idle_at(&self, g: usize, now_ms: u64) -> f64 {
        (self.group_cost[g].total_at(now_ms) - self.group_reserved[g].total_at(now_ms)).max(0.0)
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

    /// The final bill at `end_ms`: what accrued plus the minimums of instances and Fargate
    /// tasks still running at the end (`(group, hourly, ran_ms)` of each instance and
    /// `(workload, spot, hourly, ran_ms)` of each Fargate task, in a fixed order), in all and
    /// attributed.
    pub fn settle(
        &self,
        end_ms: u64,
        open_instances: impl Iterator<Item = (usize, f64, u64)>,
        open_fargate_tasks: impl Iterator<Item = (usize, bool, f64, u64)>,
    ) -> (f64, f64, Attribution) {
        let mut group_usd: Vec<f64> = self.group_cost.iter().map(|m| m.total_at(end_ms)).collect();
        let mut ec2 = self.ec2.accrued_usd;
        for (group, hourly, ran) in open_instances {
            let top_up = minimum_top_up(hourly, ran, self.pricing.ec2_minimum_ms);
            ec2 += top_up;
            group_usd[group] += top_up;
        }
        let mut workload_fargate_usd: Vec<f64> = self.workload_fargate.iter().map(|m| m.total_at(end_ms)).collect();
        let mut fargate = self.fargate.accrued_usd;
        let mut fargate_kind_usd = [0, 1].map(|k| self.fargate_kind[k].total_at(end_ms));
        for (workload, spot, hourly, ran) in open_fargate_tasks {
            let top_up = fargate_top_up(hourly, ran, self.pricing.fargate_minimum_ms);
            fargate += top_up;
            workload_fargate_usd[workload] += top_up;
            fargate_kind_usd[usize::from(spot)] += top_up;
        }
        let group_idle_usd = group_usd
            .iter()
            .zip(&self.group_reserved)
            .map(|(cost, reserved)| (cost - reserved.total_at(end_ms)).max(0.0))
            .collect();
        let attribution = Attribution {
            workload_ec2_usd: self.workload_ec2.iter().map(|m| m.total_at(end_ms)).collect(),
            workload_fargate_usd,
            group_usd,
            group_idle_usd,
            fargate_kind_usd,
        };
        (ec2, fargate, attribution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_billing_with_a_sixty_second_minimum() {
        // ecs-semantics §5.3 / §4.3: billed per second with a 1-minute minimum.
        let mut b = Billing::new(Pricing::default(), 0, 1);
        b.instance_launched(0, 0.192, 0);
        b.accrue(30_000);
        b.instance_terminated(0, 0.192, 30_000, 30_000);
        let (ec2, _) = b.accrued();
        assert!((ec2 - 0.192 / 60.0).abs() < 1e-12, "30 s is billed as 60 s: {ec2}");
        b.instance_launched(0, 0.192, 30_000);
        b.accrue(7_200_000);
        let (ec2_end, _, split) = b.settle(7_230_000, std::iter::once((0, 0.192, 7_200_000)), std::iter::empty());
        assert!((split.group_usd[0] - ec2_end).abs() < 1e-9, "{split:?}");
        assert!((ec2_end - (0.192 / 60.0 + 0.384)).abs() < 1e-9, "{ec2_end}");
    }

    /// AWS's worked example of split cost allocation data: "Single instance (m5.xlarge)
    /// ... 4 vCPU and 16 GB of memory. Amortized cost of the instance is $1/hr", "Unit-cost-
    /// per-resource = Hourly-instance-cost/((Memory-weight * Memory-available) + (CPU-weight *
    /// CPU-available)) = $1/( (1 * 16GB) + (9 * 4vCPU)) = $0.02", "Cost-per-vCPU-hour = 9 *
    /// $0.02 = $0.17", "Cost-per-GB-hour = 1 * $0.02 = $0.02" (AWS Data Exports user guide,
    /// "Example of split cost allocation data"; the figures there are rounded to cents).
    #[test]
    fn split_cost_follows_the_aws_worked_example() {
        let per_vcpu_hour = split_cost_hourly(1.0, 4, 16 * 1024, 1024, 0);
        let per_gb_hour = split_cost_hourly(1.0, 4, 16 * 1024, 0, 1024);
        assert!((per_vcpu_hour - 9.0 / 52.0).abs() < 1e-12 && format!("{per_vcpu_hour:.2}") == "0.17");
        assert!((per_gb_hour - 1.0 / 52.0).abs() < 1e-12 && format!("{per_gb_hour:.2}") == "0.02");
        // The whole instance reserved costs the whole instance.
        assert!((split_cost_hourly(1.0, 4, 16 * 1024, 4096, 16 * 1024) - 1.0).abs() < 1e-12);
        // Two workloads for an hour, one of them leaving after half of it: what no task
        // reserved is the group's idle cost, and the parts add up to the bill.
        let mut b = Billing::new(Pricing::default(), 2, 1);
        b.instance_launched(0, 1.0, 0);
        let a = split_cost_hourly(1.0, 4, 16 * 1024, 1024, 4096); // 13/52 = $0.25 an hour
        let c = split_cost_hourly(1.0, 4, 16 * 1024, 2048, 2048); // 20/52 an hour
        b.ec2_task_reserved(0, 0, a, 0);
        b.ec2_task_reserved(1, 0, c, 0);
        b.accrue(1_800_000);
        b.ec2_task_reserved(1, 0, -c, 1_800_000);
        b.accrue(1_800_000);
        let (ec2, _, split) = b.settle(3_600_000, std::iter::once((0, 1.0, 3_600_000)), std::iter::empty());
        assert!((ec2 - 1.0).abs() < 1e-9);
        assert!((split.workload_ec2_usd[0] - 0.25).abs() < 1e-9, "{split:?}");
        assert!((split.workload_ec2_usd[1] - 10.0 / 52.0).abs() < 1e-9, "{split:?}");
        assert!(
            (split.group_idle_usd[0] - (1.0 - 0.25 - 10.0 / 52.0)).abs() < 1e-9,
            "{split:?}"
        );
    }

    #[test]
    fn fargate_is_priced_per_vcpu_and_gb_hour() {
        // ecs-semantics §4.3: $0.04048 per vCPU-hour and $0.004445 per GB-hour (us-east-1).
        let mut b = Billing::new(Pricing::default(), 1, 0);
        let hourly = b.fargate_hourly(1024, 2048, 20, false);
        assert!((hourly - (0.04048 + 2.0 * 0.004445)).abs() < 1e-12);
        b.fargate_task_started(0, false, hourly, 0);
        assert!((b.accrue(3_600_000) - hourly).abs() < 1e-12);
        b.fargate_task_stopped(0, false, hourly, 3_600_000, 3_600_000);
        assert!((b.total_accrued() - hourly).abs() < 1e-12);
        assert_eq!(b.accrue(1_000), 0.0, "nothing runs any more");
    }
}
