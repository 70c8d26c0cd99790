//! The EC2 instance-type catalog: 1,348 Linux instance types (vCPU, memory, GPUs, ENIs,
//! ECS awsvpc task limits, architecture) and their on-demand prices in us-east-1 and the two
//! GovCloud regions, embedded in the binary from `catalog/instance_types.csv` and
//! `catalog/prices_on_demand.csv` (sources, licences and attribution in
//! `catalog/PROVENANCE.md` and `catalog/NOTICE.md`), plus the registered memory AWS documents
//! for two types (ecs-semantics §1.3).
//!
//! A scenario holds only the types it uses: each is looked up here by name (or defined, or
//! overridden, by `[[instance_types]]`) and priced for the scenario's `pricing.region`.

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
    /// NVIDIA GPUs (what ECS schedules as the `GPU` resource).
    pub gpus: u32,
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

/// The registered memory AWS documents (ecs-semantics §1.3, D): "m4.large (8 GiB) registers
/// 7985 MiB" (DG memory-management) and "c4.large (3.75 GiB) registers 3768 MiB and 2048 CPU
/// units" (DG cloudwatch-metrics).
const DOCUMENTED_REGISTERED_MEMORY: [(&str, u32); 2] = [("m4.large", 7985), ("c4.large", 3768)];

/// The region whose prices apply when a scenario names none.
pub const DEFAULT_REGION: &str = "us-east-1";

const TYPES_CSV: &str = include_str!("catalog/instance_types.csv");
const PRICES_CSV: &str = include_str!("catalog/prices_on_demand.csv");

/// One row of the catalog: the type as ECS sees it (priced in us-east-1, 0 when it has no
/// price there) and what `ecsim catalog` lists besides.
#[derive(Clone, Debug)]
pub struct CatalogEntry {
    pub instance_type: InstanceType,
    pub family: String,
    pub gpu_name: String,
    pub network_bandwidth_mbps: Option<u32>,
}

struct Catalog {
    /// Sorted by name.
    entries: Vec<CatalogEntry>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut prices: Vec<(String, String, f64)> = read_rows(PRICES_CSV)
            .map(|r| (r[0].to_string(), r[1].to_string(), r[2].parse().expect("a price")))
            .collect();
        prices.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let price_of = |name: &str| {
            prices
                .binary_search_by(|p| (p.0.as_str(), p.1.as_str()).cmp(&(DEFAULT_REGION, name)))
                .map_or(0.0, |k| prices[k].2)
        };
        let mut entries: Vec<CatalogEntry> = read_rows(TYPES_CSV).map(|r| entry_of(&r, price_of(r[0]))).collect();
        entries.sort_by(|a, b| a.instance_type.name.cmp(&b.instance_type.name));
        Catalog { entries }
    })
}

/// One row of `instance_types.csv` as an entry, priced at `price`.
fn entry_of(r: &[&str], price: f64) -> CatalogEntry {
    let num = |k: usize| r[k].parse::<u32>().ok();
    let name = r[0].to_string();
    let registered = DOCUMENTED_REGISTERED_MEMORY.iter().find(|d| d.0 == name).map(|d| d.1);
    CatalogEntry {
        instance_type: InstanceType {
            vcpu: num(5).expect("vcpu"),
            memory_mib: num(6).expect("memory_mib"),
            registered_memory_mib: registered,
            max_eni: num(11).expect("max_enis"),
            trunk_eni_tasks: num(13),
            price_per_hour_usd: price,
            cpu_architecture: r[4].to_string(),
            os_type: "linux".to_string(),
            gpus: num(7).unwrap_or(0),
            name,
        },
        family: r[1].to_string(),
        gpu_name: r[8].to_string(),
        network_bandwidth_mbps: num(10),
    }
}

/// The line of an embedded CSV that starts with `key` (a scan of the text: a scenario names a
/// handful of types, so it need not parse the whole catalog).
fn line_starting(text: &'static str, key: &str) -> Option<&'static str> {
    text.lines()
        .find(|l| l.len() > key.len() && l.starts_with(key) && l.as_bytes()[key.len()] == b',')
}

/// The data rows of an embedded CSV (no quoting in these files), header skipped.
fn read_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
}

/// The catalog's entry for `name`, priced in us-east-1.
pub fn catalog_entry(name: &str) -> Option<&'static CatalogEntry> {
    let c = catalog();
    c.entries
        .binary_search_by(|e| e.instance_type.name.as_str().cmp(name))
        .ok()
        .map(|k| &c.entries[k])
}

/// The type `name` from the catalog (priced in us-east-1), if it has it. Reads only its row.
pub fn catalog_type(name: &str) -> Option<InstanceType> {
    if name.contains(',') {
        return None;
    }
    let row: Vec<&str> = line_starting(TYPES_CSV, name)?.split(',').collect();
    let price = catalog_price(DEFAULT_REGION, name).unwrap_or(0.0);
    Some(entry_of(&row, price).instance_type)
}

/// Every catalog entry, by name.
pub fn catalog_entries() -> &'static [CatalogEntry] {
    &catalog().entries
}

/// The embedded on-demand price of `name` in `region`, if there is one.
pub fn catalog_price(region: &str, name: &str) -> Option<f64> {
    if region.contains(',') || name.contains(',') {
        return None;
    }
    let line = line_starting(PRICES_CSV, &format!("{region},{name}"))?;
    line.rsplit(',').next().and_then(|p| p.parse().ok())
}

/// The regions the embedded prices cover, sorted.
pub fn catalog_regions() -> Vec<&'static str> {
    let mut r: Vec<&str> = read_rows(PRICES_CSV).map(|row| row[0]).collect();
    r.sort_unstable();
    r.dedup();
    r
}

/// Finds a type by name in a list of types.
pub fn catalog_lookup<'a>(catalog: &'a [InstanceType], name: &str) -> Option<&'a InstanceType> {
    catalog.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_holds_the_published_figures() {
        // Issue 14's sample: "m5.large: 2 vCPU, 8192 MiB, 3 ENIs, 2 awsvpc tasks without
        // trunking and 10 with, $0.096 per hour in us-east-1" (the ECS developer guide's
        // trunking table gives 2 / 10; catalog/PROVENANCE.md).
        let m5 = catalog_type("m5.large").unwrap();
        assert_eq!((m5.vcpu, m5.memory_mib, m5.max_eni), (2, 8192, 3));
        assert_eq!((m5.eni_task_slots(false), m5.eni_task_slots(true)), (2, 10));
        assert_eq!(m5.price_per_hour_usd, 0.096);
        assert_eq!(m5.cpu_architecture, "x86_64");
        // A Graviton type: m7g.large, $0.0816 in us-east-1 (PROVENANCE.md's independent
        // check), 2 vCPU, 8 GiB, arm64 (ECS's `ecs.cpu-architecture` value).
        let m7g = catalog_type("m7g.large").unwrap();
        assert_eq!(
            (m7g.vcpu, m7g.memory_mib, m7g.cpu_architecture.as_str()),
            (2, 8192, "arm64")
        );
        assert_eq!(m7g.price_per_hour_usd, 0.0816);
        // A GPU type: g5.xlarge, one NVIDIA A10G, 4 vCPU, 16 GiB, $1.006 in us-east-1.
        let g5 = catalog_type("g5.xlarge").unwrap();
        assert_eq!((g5.vcpu, g5.memory_mib, g5.gpus), (4, 16384, 1));
        assert_eq!(catalog_entry("g5.xlarge").unwrap().gpu_name, "a10g");
        assert_eq!(g5.price_per_hour_usd, 1.006);
        // GovCloud prices: m5.large $0.121 (PROVENANCE.md).
        assert_eq!(catalog_price("us-gov-west-1", "m5.large"), Some(0.121));
        assert_eq!(catalog_regions(), vec!["us-east-1", "us-gov-east-1", "us-gov-west-1"]);
        assert_eq!(catalog_entries().len(), 1348);
        assert!(catalog_type("t3.4xlarge").is_none(), "t3.4xlarge does not exist");
    }

    #[test]
    fn registered_resources_follow_the_agent() {
        let m5l = catalog_type("m5.large").unwrap();
        assert_eq!(m5l.cpu_units(), 2048);
        // 8192 x 0.975 = 7987.2 -> 7987; less than nominal, as ECS registers it.
        assert_eq!(m5l.registered_memory(0.975, 0), 7987);
        assert_eq!(m5l.registered_memory(0.975, 256), 7731);
        let t3 = catalog_type("t3.large").unwrap();
        assert_eq!(t3.eni_task_slots(true), 2, "t3 has no trunking");
    }

    #[test]
    fn documented_registered_memory_is_used_exactly() {
        // ecs-semantics §1.3 (D): "m4.large (8 GiB) registers 7985 MiB" (DG memory-management);
        // "c4.large (3.75 GiB) registers 3768 MiB and 2048 CPU units" (DG cloudwatch-metrics).
        // The fraction does not apply to them, and ECS_RESERVED_MEMORY still comes off.
        let m4 = catalog_type("m4.large").unwrap();
        assert_eq!(m4.registered_memory(0.5, 0), 7985);
        assert_eq!(m4.registered_memory(0.975, 256), 7985 - 256);
        let c4 = catalog_type("c4.large").unwrap();
        assert_eq!((c4.cpu_units(), c4.registered_memory(0.975, 0)), (2048, 3768));
    }
}
