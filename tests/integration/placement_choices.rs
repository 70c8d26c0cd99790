//! Hand-made clusters on which each strategy must choose a different instance.

use crate::common::*;
use ecsim::aws::ecs::model::InstanceId;
use ecsim::aws::ecs::placement::{BinpackField, Constraint, FailureReason, PlacementRequest, SpreadField, Strategy};
use ecsim::engine::RngStreams;
use std::collections::BTreeSet;

/// Four instances, each already running one task of `service:web` except i3:
///
/// | id | AZ | CPU free | MiB free | web tasks |
/// |----|----|----------|----------|-----------|
/// | i0 | a  |  512     | 15872    | 1         |  least CPU left      -> binpack(cpu)
/// | i1 | a  | 3840     |  1024    | 1         |  least memory left   -> binpack(memory)
/// | i2 | b  | 3840     | 15872    | 1         |  the only instance in the AZ with fewest web tasks (b: 1, a: 2) -> spread(AZ)
/// | i3 | a  | 4096     | 16384    | 0         |  the only instance with no web task -> spread(instanceId)
fn four_way() -> (ecsim::aws::ecs::model::Cluster, ecsim::aws::ecs::placement::Placer) {
    let mut c = cluster(&[
        spec("a", 2048, 16384),
        spec("a", 4096, 4096),
        spec("b", 4096, 16384),
        spec("a", 4096, 16384),
    ]);
    let az = c.intern_attr("ecs.availability-zone");
    c.track_spread_attr(az);
    let mut p = placer();
    put(&mut c, &mut p, 0, 100, "service:web", &demand(1536, 512));
    put(&mut c, &mut p, 1, 101, "service:web", &demand(256, 3072));
    put(&mut c, &mut p, 2, 102, "service:web", &demand(256, 512));
    (c, p)
}

fn choose(strategies: &[Strategy], seed: u64) -> (InstanceId, InstanceId) {
    let (mut c, mut p) = four_way();
    let group = c.intern_group("service:web");
    let d = demand(256, 256);
    let req = PlacementRequest {
        demand: &d,
        group,
        constraints: &[],
        strategies,
        only_instance: None,
        scope: None,
    };
    let fast = p
        .place(&c, &req, &mut RngStreams::new(seed).stream("placement"))
        .unwrap();
    let scan = p
        .place_by_scan(&c, &req, &mut RngStreams::new(seed).stream("placement"))
        .unwrap();
    (fast, scan)
}

fn az_spread(c: &mut ecsim::aws::ecs::model::Cluster) -> Strategy {
    let attr = c.intern_attr("ecs.availability-zone");
    Strategy::Spread(SpreadField::Attribute {
        attr,
        name: "ecs.availability-zone".into(),
    })
}

#[test]
fn binpack_memory_picks_least_memory_left() {
    let (fast, scan) = choose(&[Strategy::Binpack(BinpackField::Memory)], 1);
    assert_eq!((fast, scan), (InstanceId(1), InstanceId(1)));
}

#[test]
fn binpack_cpu_picks_least_cpu_left() {
    let (fast, scan) = choose(&[Strategy::Binpack(BinpackField::Cpu)], 1);
    assert_eq!((fast, scan), (InstanceId(0), InstanceId(0)));
}

#[test]
fn spread_az_picks_the_emptier_zone() {
    let (mut c, _) = four_way();
    let s = az_spread(&mut c);
    let (fast, scan) = choose(&[s], 1);
    assert_eq!((fast, scan), (InstanceId(2), InstanceId(2)));
}

#[test]
fn spread_instance_id_picks_the_instance_without_the_group() {
    let (fast, scan) = choose(&[Strategy::Spread(SpreadField::InstanceId)], 1);
    assert_eq!((fast, scan), (InstanceId(3), InstanceId(3)));
}

#[test]
fn random_varies_with_the_seed_and_reaches_every_candidate() {
    // Unlike the four rules above, random has no preferred instance: over 64 seeds it must
    // pick each of the four feasible instances at least once.
    let mut seen = BTreeSet::new();
    for seed in 0..64 {
        let (fast, _) = choose(&[Strategy::Random], seed);
        seen.insert(fast);
    }
    assert_eq!(seen.len(), 4, "random picked only {seen:?}");
}

#[test]
fn chain_spread_then_binpack_binpacks_within_the_chosen_zone() {
    // Two AZs tied at zero tasks of a new group: spread keeps both, binpack(memory) then picks
    // the fullest instance across them (i1, 1024 MiB free), not the first zone's instance.
    let (mut c, mut p) = four_way();
    let s = az_spread(&mut c);
    let group = c.intern_group("service:other");
    let d = demand(256, 256);
    let chain = [s, Strategy::Binpack(BinpackField::Memory)];
    let req = PlacementRequest {
        demand: &d,
        group,
        constraints: &[],
        strategies: &chain,
        only_instance: None,
        scope: None,
    };
    let mut rng = RngStreams::new(5).stream("placement");
    assert_eq!(p.place(&c, &req, &mut rng), Some(InstanceId(1)));
    // Now give zone a one task of the group: spread must move to zone b (i2).
    put(&mut c, &mut p, 1, 200, "service:other", &d);
    assert_eq!(p.place(&c, &req, &mut rng), Some(InstanceId(2)));
}

#[test]
fn distinct_instance_blocks_rather_than_prefers() {
    let (mut c, mut p) = four_way();
    let group = c.intern_group("service:web");
    let d = demand(256, 256);
    let req = PlacementRequest {
        demand: &d,
        group,
        constraints: &[Constraint::DistinctInstance],
        strategies: &[],
        only_instance: None,
        scope: None,
    };
    let mut rng = RngStreams::new(1).stream("placement");
    assert_eq!(
        p.place(&c, &req, &mut rng),
        Some(InstanceId(3)),
        "only i3 has no web task"
    );
    put(&mut c, &mut p, 3, 300, "service:web", &d);
    assert_eq!(p.place(&c, &req, &mut rng), None);
    let f = p.diagnose(&c, &req);
    assert_eq!(f.reason, FailureReason::DistinctInstance);
    assert_eq!(f.reason.code(), "DistinctInstance placement constraint unsatisfied.");
}

#[test]
fn failure_names_the_requirement_the_closest_instance_missed() {
    let (c, p) = four_way();
    let group = ecsim::aws::ecs::model::GroupId(0);
    // Needs 4000 CPU units: only i3 has them, but it lacks memory for 20000 MiB.
    let d = demand(4000, 20000);
    let req = PlacementRequest {
        demand: &d,
        group,
        constraints: &[],
        strategies: &[],
        only_instance: None,
        scope: None,
    };
    let f = p.diagnose(&c, &req);
    assert_eq!(f.reason, FailureReason::Memory);
    assert_eq!(f.closest, Some(InstanceId(3)));
    assert_eq!(f.reason.code(), "RESOURCE:MEMORY");
    let d = demand(8192, 256);
    let req = PlacementRequest { demand: &d, ..req };
    assert_eq!(p.diagnose(&c, &req).reason, FailureReason::Cpu);
}

#[test]
fn an_empty_placement_strategy_list_is_the_default_az_balanced_spread() {
    // ecs-semantics §1.7: a REPLICA service with no strategy gets "Built-in AZ balancing ...
    // effectively spread(attribute:ecs.availability-zone), then the fewest-tasks instance";
    // DescribeServices reports `"placementStrategy": []` for such a service, so `[]` written
    // in a scenario means "no strategy given", not random. §2.7: such services are
    // AZ-rebalanced by default.
    let text = |strategy: &str| {
        format!(
            r#"
[scenario]
duration = "10m"
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 6
[[task_definitions]]
family = "w"
cpu = 256
memory = 256
[[services]]
name = "w"
task_definition = "w"
desired_count = 9
{strategy}
"#
        )
    };
    let empty = scenario(&text("placement_strategy = []"));
    let default = scenario(&text(""));
    assert_eq!(empty.services[0].placement_strategy, None);
    assert!(empty.services[0].deployment.az_rebalancing);
    let (_, ev_empty) = run_checked(&empty);
    let (_, ev_default) = run_checked(&default);
    let placed = |ev: &[ecsim::metrics::LogEvent]| {
        ev.iter()
            .filter(|e| e.kind == "TASK_PLACED")
            .map(|e| e.detail.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(placed(&ev_empty), placed(&ev_default));
    // And the default balances: 9 tasks over 3 AZs of 2 instances each is 3 per AZ.
    let per_az = |zone: &str| placed(&ev_empty).iter().filter(|d| d.contains(zone)).count();
    assert_eq!(
        (per_az("us-east-1a"), per_az("us-east-1b"), per_az("us-east-1c")),
        (3, 3, 3)
    );
}
