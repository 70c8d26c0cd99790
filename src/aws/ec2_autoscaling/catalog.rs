//! Built-in instance types (us-east-1, Linux on-demand), from `ecs-semantics.md` §5.3, and the
//! two older types whose registered memory AWS documents (§1.3).
//!
//! Prices and ENI limits are defaults that a scenario may override or extend with custom types.

/// One EC2 instance type as ECS sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub vcpu: u32,
    /// Nominal memory (the marketing figure), MiB.
    pub memory_mib: u32,
    /// Memory the OS reports (MemTotal), MiB, when known exactly; otherwise derived from
    /// `memory_mib` with the scenario's `registered_memory_fraction`.
    pub registered_memory_mib: Option<u32>,
    /// Maximum network interfaces, including the primary one.
    pub max_eni: u32,
    /// awsvpc task slots with ENI trunking enabled; `None` where trunking is unsupported.
    pub trunk_eni_tasks: Option<u32>,
    pub price_per_hour_usd: f64,
    pub cpu_architecture: String,
    pub os_type: String,
}

impl InstanceType {
    /// CPU units registered with ECS: vCPU x 1024 (agent `getCpu()`).
    pub fn cpu_units(&self) -> u32 {
        self.vcpu * 1024
    }

    /// Memory registered with ECS: MemTotal minus `ECS_RESERVED_MEMORY`.
    /// MemTotal defaults to `floor(nominal x fraction)`; the spec fits 0.975 to the two
    /// documented points (m4.large registers 7985 MiB of 8192) and marks it inferred.
    pub fn registered_memory(&self, fraction: f64, reserved_memory_mib: u32) -> u32 {
        let mem_total = self
            .registered_memory_mib
            .unwrap_or_else(|| (f64::from(self.memory_mib) * fraction).floor() as u32);
        mem_total.saturating_sub(reserved_memory_mib)
    }

    /// awsvpc task slots: `max_eni - 1` (the primary ENI is not available), or the trunk
    /// table's figure when trunking is on and supported.
    pub fn eni_task_slots(&self, trunking: bool) -> u32 {
        match (trunking, self.trunk_eni_tasks) {
            (true, Some(n)) => n,
            _ => self.max_eni.saturating_sub(1),
        }
    }
}

/// One built-in type: name, vCPU, nominal memory (MiB), on-demand $/h, max ENIs, awsvpc tasks
/// with trunking, and the registered memory where AWS documents it.
struct Row(&'static str, u32, u32, f64, u32, Option<u32>, Option<u32>);

const BUILTIN: &[Row] = &[
    Row("m5.large", 2, 8192, 0.096, 3, Some(10), None),
    Row("m5.xlarge", 4, 16384, 0.192, 4, Some(20), None),
    Row("m5.2xlarge", 8, 32768, 0.384, 4, Some(40), None),
    Row("m5.4xlarge", 16, 65536, 0.768, 8, Some(60), None),
    Row("c5.large", 2, 4096, 0.085, 3, Some(10), None),
    Row("c5.xlarge", 4, 8192, 0.170, 4, Some(20), None),
    Row("c5.2xlarge", 8, 16384, 0.340, 4, Some(40), None),
    Row("c5.4xlarge", 16, 32768, 0.680, 8, Some(60), None),
    Row("r5.large", 2, 16384, 0.126, 3, Some(10), None),
    Row("r5.xlarge", 4, 32768, 0.252, 4, Some(20), None),
    Row("r5.2xlarge", 8, 65536, 0.504, 4, Some(40), None),
    Row("r5.4xlarge", 16, 131072, 1.008, 8, Some(60), None),
    Row("t3.large", 2, 8192, 0.0832, 3, None, None),
    Row("t3.xlarge", 4, 16384, 0.1664, 4, None, None),
    Row("t3.2xlarge", 8, 32768, 0.3328, 4, None, None),
    // The two types whose registered memory AWS documents (ecs-semantics §1.3, D): "m4.large
    // (8 GiB) registers 7985 MiB" (DG memory-management) and "c4.large (3.75 GiB) registers
    // 3768 MiB and 2048 CPU units" (DG cloudwatch-metrics). ENIs and prices from the EC2
    // catalog in ../shared/data/ec2-catalog (us-east-1; neither supports trunking).
    Row("m4.large", 2, 8192, 0.100, 2, None, Some(7985)),
    Row("c4.large", 2, 3840, 0.100, 3, None, Some(3768)),
];

/// The built-in catalog, in a fixed order.
pub fn builtin_catalog() -> Vec<InstanceType> {
    BUILTIN
        .iter()
        .map(|r| InstanceType {
            name: r.0.to_string(),
            vcpu: r.1,
            memory_mib: r.2,
            registered_memory_mib: r.6,
            max_eni: r.4,
            trunk_eni_tasks: r.5,
            price_per_hour_usd: r.3,
            cpu_architecture: "x86_64".to_string(),
            os_type: "linux".to_string(),
        })
        .collect()
}

/// Finds a type by name in a catalog.
pub fn catalog_lookup<'a>(catalog: &'a [InstanceType], name: &str) -> Option<&'a InstanceType> {
    catalog.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_covers_four_families_large_to_4xlarge() {
        let cat = builtin_catalog();
        for fam in ["m5", "c5", "r5"] {
            for size in ["large", "xlarge", "2xlarge", "4xlarge"] {
                assert!(catalog_lookup(&cat, &format!("{fam}.{size}")).is_some());
            }
        }
        assert!(catalog_lookup(&cat, "t3.2xlarge").is_some());
        assert!(
            catalog_lookup(&cat, "t3.4xlarge").is_none(),
            "t3.4xlarge does not exist"
        );
    }

    #[test]
    fn registered_resources_follow_the_agent() {
        let cat = builtin_catalog();
        let m5l = catalog_lookup(&cat, "m5.large").unwrap();
        assert_eq!(m5l.cpu_units(), 2048);
        // 8192 x 0.975 = 7987.2 -> 7987; less than nominal, as ECS registers it.
        assert_eq!(m5l.registered_memory(0.975, 0), 7987);
        assert_eq!(m5l.registered_memory(0.975, 256), 7731);
        assert_eq!(m5l.eni_task_slots(false), 2);
        assert_eq!(m5l.eni_task_slots(true), 10);
        let t3 = catalog_lookup(&cat, "t3.large").unwrap();
        assert_eq!(t3.eni_task_slots(true), 2, "t3 has no trunking");
    }

    #[test]
    fn documented_registered_memory_is_used_exactly() {
        // ecs-semantics §1.3 (D): "m4.large (8 GiB) registers 7985 MiB" (DG memory-management);
        // "c4.large (3.75 GiB) registers 3768 MiB and 2048 CPU units" (DG cloudwatch-metrics).
        // The fraction does not apply to them, and ECS_RESERVED_MEMORY still comes off.
        let cat = builtin_catalog();
        let m4 = catalog_lookup(&cat, "m4.large").unwrap();
        assert_eq!(m4.registered_memory(0.5, 0), 7985);
        assert_eq!(m4.registered_memory(0.975, 256), 7985 - 256);
        let c4 = catalog_lookup(&cat, "c4.large").unwrap();
        assert_eq!((c4.cpu_units(), c4.registered_memory(0.975, 0)), (2048, 3768));
    }
}
