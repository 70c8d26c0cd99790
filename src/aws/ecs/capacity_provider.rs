//! Capacity providers (ecs-semantics §3): the provider-strategy split (base, then weight), the
//! CapacityProviderReservation metric, and the managed-scaling decisions of an Auto Scaling
//! group provider.
//!
//! Also the state ECS keeps per Auto Scaling group provider (`AsgProvider`) and where a
//! new task goes (`Target`). The arithmetic is pure, over counts; managed scaling's minute
//! is in `managed_scaling.rs`.

/// One item of a capacity provider strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyItem {
    /// Index into the scenario's capacity providers.
    pub provider: usize,
    pub base: u32,
    pub weight: u32,
}

/// Chooses the provider for the next task given the tasks each item already has (RUNNING,
/// PENDING or PROVISIONING): fill the base first, then keep `(n - base) / weight` lowest; ties
/// go to the earlier item (ecs-semantics §3.1, split algorithm (I)).
pub fn choose_provider(items: &[StrategyItem], counts: &[u32]) -> Option<usize> {
    if let Some((k, _)) = items
        .iter()
        .enumerate()
        .find(|(k, it)| it.base > 0 && counts[*k] < it.base)
    {
        return Some(k);
    }
    let mut best: Option<(usize, f64)> = None;
    for (k, it) in items.iter().enumerate() {
        if it.weight == 0 {
            continue;
        }
        let score = (f64::from(counts[k]) - f64::from(it.base)) / f64::from(it.weight);
        if best.is_none_or(|(_, s)| score < s) {
            best = Some((k, score));
        }
    }
    best.map(|(k, _)| k)
}

/// How CPR is computed when nothing is PROVISIONING (ecs-semantics §3.3, conflict not resolved).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ScaleInCpr {
    /// `(N - E) / N x 100`, per the M/N definition and the workshops (default).
    MOverN,
    /// `100 - E`, per the 2023 developer guide.
    HundredMinusEmpty,
}

/// Managed scaling settings of an ASG provider.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedScaling {
    pub target_capacity: u32,
    pub minimum_scaling_step_size: u32,
    pub maximum_scaling_step_size: u32,
    pub instance_warmup_period_ms: u64,
}

/// Datapoints of CapacityProviderReservation above the target that scale out (1 of 1): the
/// scale-out alarm of managed scaling's target-tracking policy (ecs-semantics §3.3).
pub const CPR_SCALE_OUT_DATAPOINTS: u32 = 1;
/// Datapoints below the target that scale in (15 of 15, ecs-semantics §3.3).
pub const CPR_SCALE_IN_DATAPOINTS: u32 = 15;

impl ManagedScaling {
    /// The alarm that scales the group out: CPR above the target capacity.
    pub fn high_alarm(&self) -> crate::aws::cloudwatch::Alarm {
        crate::aws::cloudwatch::Alarm {
            threshold: f64::from(self.target_capacity),
            comparison: crate::aws::cloudwatch::Comparison::GreaterThan,
            evaluation_periods: CPR_SCALE_OUT_DATAPOINTS,
            datapoints_to_alarm: CPR_SCALE_OUT_DATAPOINTS,
        }
    }

    /// The alarm that scales the group in: CPR below the target capacity.
    pub fn low_alarm(&self) -> crate::aws::cloudwatch::Alarm {
        crate::aws::cloudwatch::Alarm {
            threshold: f64::from(self.target_capacity),
            comparison: crate::aws::cloudwatch::Comparison::LessThan,
            evaluation_periods: CPR_SCALE_IN_DATAPOINTS,
            datapoints_to_alarm: CPR_SCALE_IN_DATAPOINTS,
        }
    }
}

/// What the CPR computation needs to know about one provider at one minute.
#[derive(Clone, Debug, PartialEq)]
pub struct CprInputs {
    /// Instances in the group (launching or in service, not terminating).
    pub instances: u32,
    /// Instances with no non-daemon task.
    pub empty: u32,
    /// New instances a binpack of the PROVISIONING tasks onto empty instances needs.
    pub needed_for_provisioning: u32,
    /// The legacy rule for multi-AZ or multi-type groups: step = minimum step size.
    pub legacy_min_step: bool,
    pub scale_in_mode: ScaleInCpr,
}

/// One minute's CapacityProviderReservation of a provider: M, and CPR kept as the exact
/// fraction `numerator / denominator` percent, so the desired capacity derived from it is
/// integer arithmetic (through a float ratio, M = 16, N = 11 at target 100 gave 17).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// The instances needed, M.
    pub m: u32,
    numerator: u64,
    denominator: u64,
}

impl Reservation {
    fn exact(m: u32, numerator: u64, denominator: u64) -> Self {
        Reservation {
            m,
            numerator,
            denominator,
        }
    }

    /// CPR in percent, as published to CloudWatch.
    pub fn percent(&self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }

    /// The desired capacity the ASG's target-tracking policy sets on scale-out:
    /// `ceil(N x CPR / T)`, which for CPR = M / N x 100 is `ceil(M x 100 / T)` (ecs-semantics
    /// §3.4), with N taken as 1 when the group is empty (so CPR 200 launches 2 instances).
    pub fn scale_out_desired(&self, instances: u32, target: u32) -> u32 {
        let top = u64::from(instances.max(1)) * self.numerator;
        let bottom = self.denominator * u64::from(target.max(1));
        u32::try_from(top.div_ceil(bottom)).unwrap_or(u32::MAX)
    }
}

/// M and CPR for one provider.
pub fn capacity_provider_reservation(ms: &ManagedScaling, inp: &CprInputs) -> Reservation {
    let n = inp.instances;
    let m = if inp.needed_for_provisioning > 0 {
        let step = if inp.legacy_min_step || inp.needed_for_provisioning < ms.minimum_scaling_step_size {
            ms.minimum_scaling_step_size
        } else {
            ms.maximum_scaling_step_size.min(inp.needed_for_provisioning)
        };
        n + step
    } else {
        n - inp.empty.min(n)
    };
    match (m, n) {
        (0, 0) => Reservation::exact(m, 100, 1),
        (_, 0) => Reservation::exact(m, 200, 1),
        _ if inp.needed_for_provisioning == 0 && inp.scale_in_mode == ScaleInCpr::HundredMinusEmpty => {
            Reservation::exact(m, 100u64.saturating_sub(u64::from(inp.empty)), 1)
        }
        _ => Reservation::exact(m, u64::from(m) * 100, u64::from(n)),
    }
}

/// Managed scaling's default scale-in pace: at most `1 / SCALE_IN_PACE_DIVISOR` of the group
/// (and at least one instance) per alarm minute. ecs-semantics §3.4: the ASG sets the desired
/// capacity "greater than one instance and less than 50% each minute" (D 2023, ambiguous);
/// the model `max(1, min(E, floor(0.5 x N)))` is inferred (I), so it is the default of the
/// scenario parameter `autoscaling.managed_scale_in_pace_divisor`.
pub const SCALE_IN_PACE_DIVISOR: u32 = 2;

/// The desired capacity on scale-in, one minute's step: towards `ceil(M x 100 / T)`,
/// removing at most `max(1, floor(N / pace_divisor))` instances per minute (I).
pub fn scale_in_desired(instances: u32, m: u32, target: u32, pace_divisor: u32) -> u32 {
    let goal = u32::try_from((u64::from(m) * 100).div_ceil(u64::from(target.max(1)))).unwrap_or(u32::MAX);
    let floor = instances.saturating_sub((instances / pace_divisor.max(1)).max(1));
    goal.max(floor)
}

/// One waiting task as managed scaling's binpack sees it (ecs-semantics §3.3 step 4: "vCPU,
/// memory, ENI, ports, GPU").
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WaitingTask<'t> {
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub uses_eni: bool,
    pub gpus: u32,
    /// Static host ports: two tasks sharing one cannot share an instance.
    pub host_ports: &'t [u16],
    /// The task's group when it has a `distinctInstance` constraint: at most one task of that
    /// group per instance.
    pub distinct_group: Option<u32>,
}

/// What a new instance of the group offers the waiting tasks: its registered resources less
/// what the daemon tasks ECS starts on it first reserve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyInstance {
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub eni_slots: u32,
    pub gpus: u32,
    /// Host ports taken before any waiting task arrives (the agent's, the daemons'), sorted.
    pub ports_used: Vec<u16>,
}

/// One new instance of the binpack as it fills.
struct Bin {
    cpu: u32,
    mem: u32,
    eni: u32,
    gpus: u32,
    ports: Vec<u16>,
    distinct_groups: Vec<u32>,
}

impl Bin {
    fn takes(&self, t: &WaitingTask<'_>) -> bool {
        self.cpu >= t.cpu_units
            && self.mem >= t.memory_mib
            && (!t.uses_eni || self.eni >= 1)
            && self.gpus >= t.gpus
            && t.host_ports.iter().all(|p| !self.ports.contains(p))
            && t.distinct_group.is_none_or(|g| !self.distinct_groups.contains(&g))
    }

    fn add(&mut self, t: &WaitingTask<'_>) {
        self.cpu -= t.cpu_units;
        self.mem -= t.memory_mib;
        self.eni -= u32::from(t.uses_eni);
        self.gpus -= t.gpus;
        self.ports.extend_from_slice(t.host_ports);
        if let Some(g) = t.distinct_group {
            self.distinct_groups.push(g);
        }
    }
}

/// How many new instances a first-fit-decreasing binpack of `tasks` needs. Tasks that fit no
/// empty instance are not counted (ECS calls them "not compatible" and does not scale out for
/// them); so are tasks the caller found no instance of the group can ever satisfy.
pub fn instances_needed(tasks: &[WaitingTask<'_>], empty: &EmptyInstance) -> u32 {
    let fresh = Bin {
        cpu: empty.cpu_units,
        mem: empty.memory_mib,
        eni: empty.eni_slots,
        gpus: empty.gpus,
        ports: empty.ports_used.clone(),
        distinct_groups: Vec::new(),
    };
    let mut sorted: Vec<&WaitingTask<'_>> = tasks.iter().filter(|t| fresh.takes(t)).collect();
    sorted.sort_by_key(|t| std::cmp::Reverse((t.memory_mib, t.cpu_units)));
    let mut bins: Vec<Bin> = Vec::new();
    for t in sorted {
        match bins.iter_mut().find(|b| b.takes(t)) {
            Some(b) => b.add(t),
            None => {
                let mut b = Bin {
                    ports: fresh.ports.clone(),
                    distinct_groups: Vec::new(),
                    ..fresh
                };
                b.add(t);
                bins.push(b);
            }
        }
    }
    bins.len() as u32
}

/// Where a new task of a service or job goes.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Target {
    /// Any container instance (launch type EC2), or those of one Auto Scaling group provider.
    Ec2 {
        provider: Option<u16>,
        scope: Option<crate::aws::ecs::model::GroupIdx>,
        managed: bool,
    },
    Fargate {
        provider: Option<u16>,
        spot: bool,
    },
}

/// An Auto Scaling group capacity provider.
pub(crate) struct AsgProvider {
    pub(crate) provider: usize,
    pub(crate) group: crate::aws::ecs::model::GroupIdx,
    pub(crate) managed: Option<ManagedScaling>,
    pub(crate) termination_protection: bool,
    pub(crate) draining: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(min: u32, max: u32) -> ManagedScaling {
        ManagedScaling {
            target_capacity: 100,
            minimum_scaling_step_size: min,
            maximum_scaling_step_size: max,
            instance_warmup_period_ms: 300_000,
        }
    }

    fn inp(n: u32, e: u32, need: u32) -> CprInputs {
        CprInputs {
            instances: n,
            empty: e,
            needed_for_provisioning: need,
            legacy_min_step: false,
            scale_in_mode: ScaleInCpr::MOverN,
        }
    }

    #[test]
    fn special_cases_and_scale_out_from_zero() {
        let r = capacity_provider_reservation(&ms(1, 10000), &inp(0, 0, 0));
        assert_eq!((r.m, r.percent()), (0, 100.0));
        let r = capacity_provider_reservation(&ms(1, 10000), &inp(0, 0, 3));
        assert_eq!((r.m, r.percent()), (3, 200.0));
        assert_eq!(r.scale_out_desired(0, 100), 2, "ECS launches 2 instances from zero");
    }

    #[test]
    fn worked_examples_of_the_spec() {
        // #2: N=2, one task needs one more instance: M=3, CPR=150, desired 3.
        let r = capacity_provider_reservation(&ms(1, 10000), &inp(2, 0, 1));
        assert_eq!((r.m, r.percent()), (3, 150.0));
        assert_eq!(r.scale_out_desired(2, 100), 3);
        // #3: N=4, 3 instances needed, max step 2: M=6, CPR=150, desired 6.
        let r = capacity_provider_reservation(&ms(1, 2), &inp(4, 0, 3));
        assert_eq!((r.m, r.percent()), (6, 150.0));
        assert_eq!(r.scale_out_desired(4, 100), 6);
        // #4: the same under the legacy multi-AZ rule: M = N + min step = 5, CPR 125.
        let mut legacy = inp(4, 0, 3);
        legacy.legacy_min_step = true;
        let r = capacity_provider_reservation(&ms(1, 2), &legacy);
        assert_eq!((r.m, r.percent()), (5, 125.0));
        // #5: N=10, 3 empty: M=7, CPR=70; the 2023 guide's variant says 97.
        let r = capacity_provider_reservation(&ms(1, 10000), &inp(10, 3, 0));
        assert_eq!((r.m, r.percent()), (7, 70.0));
        let mut variant = inp(10, 3, 0);
        variant.scale_in_mode = ScaleInCpr::HundredMinusEmpty;
        assert_eq!(capacity_provider_reservation(&ms(1, 10000), &variant).percent(), 97.0);
        // #6: T=80, 8 busy instances: CPR=100, desired ceil(8 x 100 / 80) = 10.
        let r = capacity_provider_reservation(&ms(1, 10000), &inp(8, 0, 0));
        assert_eq!(r.scale_out_desired(8, 80), 10);
        // Min step raises a small need.
        assert_eq!(capacity_provider_reservation(&ms(3, 10), &inp(4, 0, 1)).m, 7);
    }

    #[test]
    fn desired_capacity_over_a_table_of_m_n_and_target() {
        // ecs-semantics §3.4: "desired = ceil(N x CPR / T) = ceil(M x 100 / T); at T=100,
        // desired = M", with CPR = M / N x 100 (§3.3). Columns: M, N, T, desired.
        let table: &[(u32, u32, u32, u32)] = &[
            (4, 2, 100, 4),  // the workshop's example: N=2, M=4, CPR 200, +2 instances
            (3, 2, 100, 3),  // §3.5 #2
            (6, 4, 100, 6),  // §3.5 #3
            (8, 8, 80, 10),  // §3.5 #6: two idle instances kept at T=80
            (9, 9, 90, 10),  // §3.3: T=90 and 9 busy instances grow to 10
            (9, 10, 90, 10), // ... where M=9, N=10, CPR=90 is stable
            (12, 10, 100, 12),
            (5, 4, 50, 10),
            // Pairs where N x (M x 100 / N) / T in floating point lands just above M x 100 / T
            // and a float ceil gave M + 1 (for example M = 16, N = 11 at target 100 gave 17).
            (16, 11, 100, 16),
            (7, 3, 100, 7),
            (29, 7, 100, 29),
        ];
        for &(m, n, t, want) in table {
            let r = capacity_provider_reservation(&ms(1, 10000), &inp(n, n.saturating_sub(m), m.saturating_sub(n)));
            assert_eq!(r.m, m);
            assert_eq!(r.scale_out_desired(n, t), want, "M={m} N={n} T={t}");
            assert_eq!(
                (f64::from(m) * 100.0 / f64::from(t)).ceil() as u32,
                want,
                "the two forms agree for M={m} N={n} T={t}"
            );
        }
    }

    #[test]
    fn scale_in_is_paced() {
        assert_eq!(scale_in_desired(10, 7, 100, 2), 7);
        assert_eq!(scale_in_desired(10, 2, 100, 2), 5, "at most half per minute");
        assert_eq!(scale_in_desired(1, 0, 100, 2), 0);
        assert_eq!(scale_in_desired(10, 9, 90, 2), 10, "T=90 keeps an idle instance");
        // The observed pace of one instance per alarm minute (ecs-semantics §3.4, O RM#1150)
        // is a divisor at least as large as the group.
        assert_eq!(scale_in_desired(10, 2, 100, 1000), 9);
    }

    fn task(cpu: u32, mem: u32, eni: bool) -> WaitingTask<'static> {
        WaitingTask {
            cpu_units: cpu,
            memory_mib: mem,
            uses_eni: eni,
            gpus: 0,
            host_ports: &[],
            distinct_group: None,
        }
    }

    fn m5_large() -> EmptyInstance {
        EmptyInstance {
            cpu_units: 2048,
            memory_mib: 7987,
            eni_slots: 2,
            gpus: 0,
            ports_used: vec![22, 2375, 2376, 51678, 51679],
        }
    }

    #[test]
    fn binpack_of_provisioning_tasks() {
        // ecs-semantics §3.5 #1: 5 tasks of 1 vCPU / 2 GiB on m5.large ("2 tasks each").
        assert_eq!(instances_needed(&[task(1024, 2048, false); 5], &m5_large()), 3);
        // §3.3 step 3: a task that does not fit the type is "not compatible" and excluded.
        assert_eq!(
            instances_needed(&[task(4096, 512, false)], &m5_large()),
            0,
            "not compatible"
        );
        // §0 rule 3: "a c5.large or m5.large holds 2 such [awsvpc] tasks without trunking".
        assert_eq!(
            instances_needed(&[task(64, 64, true); 5], &m5_large()),
            3,
            "ENI slots bind"
        );
    }

    #[test]
    fn binpack_counts_ports_distinct_instance_and_daemon_reservations() {
        // ecs-semantics §3.3 step 4: the binpack simulation covers "vCPU, memory, ENI, ports,
        // GPU". Eight small tasks with static host port 80 need one instance each.
        let port80 = WaitingTask {
            host_ports: &[80],
            ..task(256, 512, false)
        };
        assert_eq!(instances_needed(&[port80; 8], &m5_large()), 8);
        // distinctInstance: "Place each task in the group on a different container instance"
        // (DG task-placement-constraints); other groups may share.
        let distinct = |g| WaitingTask {
            distinct_group: Some(g),
            ..task(256, 512, false)
        };
        let tasks: Vec<_> = (0..8).map(|_| distinct(1)).chain((0..8).map(|_| distinct(2))).collect();
        assert_eq!(instances_needed(&tasks, &m5_large()), 8);
        // A host port the agent reserves (22) fits no instance: not compatible.
        let ssh = WaitingTask {
            host_ports: &[22],
            ..task(256, 512, false)
        };
        assert_eq!(instances_needed(&[ssh], &m5_large()), 0);
        // What a daemon reserves first is not available: 1 vCPU left gives one task each.
        let after_daemon = EmptyInstance {
            cpu_units: 2048 - 512,
            ..m5_large()
        };
        assert_eq!(instances_needed(&[task(1024, 1024, false); 4], &after_daemon), 4);
    }

    #[test]
    fn binpack_counts_gpus() {
        // ecs-semantics §3.3 step 4: the binpack covers "... ports, GPU". A g5.12xlarge (48
        // vCPU, 4 GPUs): six small one-GPU tasks need two instances, the GPUs binding; a
        // task asking for more GPUs than the type has is not compatible.
        let g5_12x = EmptyInstance {
            cpu_units: 48 * 1024,
            memory_mib: 191_692,
            eni_slots: 14,
            gpus: 4,
            ports_used: Vec::new(),
        };
        let gpu_task = |n| WaitingTask {
            gpus: n,
            ..task(1024, 1024, false)
        };
        assert_eq!(instances_needed(&[gpu_task(1); 6], &g5_12x), 2);
        assert_eq!(instances_needed(&[gpu_task(8)], &g5_12x), 0, "not compatible");
        assert_eq!(instances_needed(&[gpu_task(1); 3], &m5_large()), 0, "no GPU at all");
    }

    #[test]
    fn base_then_weight_split() {
        let items = vec![
            StrategyItem {
                provider: 0,
                base: 2,
                weight: 1,
            },
            StrategyItem {
                provider: 1,
                base: 0,
                weight: 3,
            },
        ];
        let mut counts = vec![0, 0];
        let mut order = Vec::new();
        for _ in 0..10 {
            let k = choose_provider(&items, &counts).unwrap();
            counts[k] += 1;
            order.push(k);
        }
        assert_eq!(&order[..2], &[0, 0], "the base is filled first");
        // After the base, 8 tasks split 1:3 -> 2 and 6.
        assert_eq!(counts, vec![4, 6]);
        let zero = vec![StrategyItem {
            provider: 0,
            base: 0,
            weight: 0,
        }];
        assert_eq!(choose_provider(&zero, &[0]), None);
    }
}
