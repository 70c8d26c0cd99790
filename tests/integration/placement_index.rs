//! The indexed fast path must always choose a member of the set the reference scan
//! considers best, on random clusters, through random reserve/release histories.

use crate::common::*;
use ecsim::aws::ecs::model::{InstanceId, TaskId};
use ecsim::aws::ecs::placement::query::parse;
use ecsim::aws::ecs::placement::{BinpackField, Constraint, PlacementRequest, SpreadField, Strategy};
use ecsim::engine::RngStreams;
use rand::Rng;
use std::sync::Arc;

#[test]
fn fast_path_agrees_with_the_scan_on_random_histories() {
    let mut rng = RngStreams::new(99).stream("test");
    let azs = ["a", "b", "c"];
    for round in 0..40 {
        let n = rng.random_range(1..40);
        let specs: Vec<_> = (0..n)
            .map(|k| spec(azs[k % 3], 1024 * rng.random_range(1..5), 1024 * rng.random_range(1..9)))
            .collect();
        let mut c = cluster(&specs);
        let az = c.intern_attr("ecs.availability-zone");
        c.track_spread_attr(az);
        let spread = Strategy::Spread(SpreadField::Attribute {
            attr: az,
            name: "ecs.availability-zone".into(),
        });
        let chains: Vec<Vec<Strategy>> = vec![
            vec![],
            vec![Strategy::Random],
            vec![Strategy::Binpack(BinpackField::Memory)],
            vec![Strategy::Binpack(BinpackField::Cpu)],
            vec![spread.clone()],
            vec![spread.clone(), Strategy::Binpack(BinpackField::Memory)],
        ];
        let memberof = vec![Constraint::MemberOf {
            expression: "not(attribute:ecs.availability-zone == c)".into(),
            expr: Arc::new(parse("not(attribute:ecs.availability-zone == c)").unwrap()),
        }];
        let mut p = placer();
        let mut placed: Vec<(
            InstanceId,
            TaskId,
            ecsim::aws::ecs::model::GroupId,
            ecsim::aws::ecs::model::TaskDemand,
        )> = Vec::new();
        let groups = [c.intern_group("g1"), c.intern_group("g2")];
        for step in 0..150u32 {
            if !placed.is_empty() && rng.random_bool(0.35) {
                let k = rng.random_range(0..placed.len());
                let (i, t, g, d) = placed.swap_remove(k);
                p.release(&mut c, i, t, g, &d);
                continue;
            }
            let d = demand(256 * rng.random_range(1..5), 512 * rng.random_range(1..5));
            let chain = &chains[rng.random_range(0..chains.len())];
            let constraints: &[Constraint] = if rng.random_bool(0.3) { &memberof } else { &[] };
            let g = groups[rng.random_range(0..2)];
            let req = PlacementRequest {
                demand: &d,
                group: g,
                constraints,
                strategies: chain,
                only_instance: None,
                scope: None,
            };
            let best = p.best_set(&c, &req);
            let chosen = p.place(&c, &req, &mut rng);
            match chosen {
                None => assert!(
                    best.is_empty(),
                    "round {round} step {step}: fast path found nothing, scan found {best:?}"
                ),
                Some(i) => {
                    assert!(
                        best.contains(&i),
                        "round {round} step {step} chain {chain:?}: fast chose {i}, best set {best:?}"
                    );
                    let t = TaskId::first_generation(round * 1000 + step);
                    p.reserve(&mut c, i, t, g, &d);
                    placed.push((i, t, g, d));
                }
            }
        }
    }
}

/// Issue 9's list for the fast path: histories that change instance status and agent state,
/// add instances after the indexes are built, use capacity-provider scopes, ENI slots, static
/// host ports, distinctInstance, instances lacking the spread attribute, and more task shapes
/// than the index cap (4 here), so that some requests take the scan path. The fast path must
/// always choose a member of the scan's best set (or nothing when that set is empty).
#[test]
fn fast_path_agrees_with_the_scan_through_status_changes_scopes_ports_and_new_instances() {
    use ecsim::aws::ecs::model::{GroupIdx, InstanceStatus};
    use ecsim::aws::ecs::placement::{Placer, QueryContext};
    let mut rng = RngStreams::new(7).stream("test");
    let zones = [Some("a"), Some("b"), Some("c"), None];
    let mut rounds_at_the_cap = 0;
    for round in 0..30u32 {
        let mut c = ecsim::aws::ecs::model::Cluster::new();
        let az = c.intern_attr("ecs.availability-zone");
        c.track_spread_attr(az);
        let add = |c: &mut ecsim::aws::ecs::model::Cluster, rng: &mut ecsim::engine::StreamRng| {
            let zone = zones[rng.random_range(0..zones.len())];
            let (cpu, mem) = (1024 * rng.random_range(1..5), 1024 * rng.random_range(1..9));
            add_instance(c, zone, cpu, mem, rng.random_range(0..2), rng.random_range(0..3))
        };
        for _ in 0..rng.random_range(1..20) {
            add(&mut c, &mut rng);
        }
        let spread = Strategy::Spread(SpreadField::Attribute {
            attr: az,
            name: "ecs.availability-zone".into(),
        });
        let chains: Vec<Vec<Strategy>> = vec![
            vec![],
            vec![Strategy::Binpack(BinpackField::Memory)],
            vec![Strategy::Binpack(BinpackField::Cpu), spread.clone()],
            vec![spread.clone()],
            vec![spread.clone(), Strategy::Spread(SpreadField::InstanceId)],
        ];
        let distinct = vec![Constraint::DistinctInstance];
        let mut p = Placer::new(QueryContext::default(), 4);
        let mut placed: Vec<(
            InstanceId,
            TaskId,
            ecsim::aws::ecs::model::GroupId,
            ecsim::aws::ecs::model::TaskDemand,
        )> = Vec::new();
        let groups = [c.intern_group("g1"), c.intern_group("g2")];
        for step in 0..200u32 {
            let roll: f64 = rng.random();
            if roll < 0.25 && !placed.is_empty() {
                let k = rng.random_range(0..placed.len());
                let (i, t, g, d) = placed.swap_remove(k);
                p.release(&mut c, i, t, g, &d);
                continue;
            }
            if roll < 0.32 {
                // An instance changes status or agent state.
                let i = rng.random_range(0..c.instances.len());
                let inst = &mut c.instances[i];
                match rng.random_range(0..3) {
                    0 => inst.status = InstanceStatus::Draining,
                    1 => inst.status = InstanceStatus::Active,
                    _ => inst.agent_connected = !inst.agent_connected,
                }
                p.instance_changed(&c, InstanceId(i as u32));
                continue;
            }
            if roll < 0.36 {
                add(&mut c, &mut rng);
                p.instances_added(&c);
                continue;
            }
            // Many shapes (more than the 4 indexes), some with a host port or an ENI.
            let mut d = demand(128 * rng.random_range(1..9), 256 * rng.random_range(1..9));
            if rng.random_bool(0.2) {
                d.host_ports = vec![[80, 8080][rng.random_range(0..2)]];
            }
            d.uses_eni = rng.random_bool(0.2);
            let chain = &chains[rng.random_range(0..chains.len())];
            let constraints: &[Constraint] = if rng.random_bool(0.2) { &distinct } else { &[] };
            let scope = rng.random_bool(0.3).then(|| GroupIdx(rng.random_range(0..2)));
            let g = groups[rng.random_range(0..2)];
            let req = PlacementRequest {
                demand: &d,
                group: g,
                constraints,
                strategies: chain,
                only_instance: None,
                scope,
            };
            let best = p.best_set(&c, &req);
            match p.place(&c, &req, &mut rng) {
                None => assert!(
                    best.is_empty(),
                    "round {round} step {step}: fast found nothing, scan {best:?}"
                ),
                Some(i) => {
                    assert!(
                        best.contains(&i),
                        "round {round} step {step} {chain:?} {scope:?}: fast chose {i}, best set {best:?}"
                    );
                    let t = TaskId::first_generation(round * 1000 + step);
                    p.reserve(&mut c, i, t, g, &d);
                    placed.push((i, t, g, d));
                }
            }
        }
        rounds_at_the_cap += usize::from(p.index_count() == 4);
    }
    assert!(
        rounds_at_the_cap > 20,
        "most rounds ask for more shapes than the cap: {rounds_at_the_cap}"
    );
}

/// Beyond the per-shape index cap, `[binpack(f)]` requests are answered by the
/// shape-independent free-amount index (`placement/free_index.rs`), which claims the scan's
/// own choice, not just a member of its best set: with the same random stream, the same
/// instance, on histories of many task shapes (as a trace replay has).
#[test]
fn the_free_amount_index_makes_the_scans_choice_for_any_number_of_shapes() {
    use ecsim::aws::ecs::placement::{Placer, QueryContext};
    let mut rng = RngStreams::new(11).stream("test");
    let mut compared = 0;
    for round in 0..20u32 {
        let n = rng.random_range(2..30);
        let specs: Vec<_> = (0..n)
            .map(|_| spec("a", 1024 * rng.random_range(2..9), 1024 * rng.random_range(2..17)))
            .collect();
        let mut c = cluster(&specs);
        // One per-shape index at most: nearly every shape takes the free-amount index.
        let mut p = Placer::new(QueryContext::default(), 1);
        let g = c.intern_group("g");
        let mut placed = Vec::new();
        for step in 0..200u32 {
            if !placed.is_empty() && rng.random_bool(0.4) {
                let (i, t, d) = placed.swap_remove(rng.random_range(0..placed.len()));
                p.release(&mut c, i, t, g, &d);
                continue;
            }
            let d = demand(rng.random_range(1..2048), rng.random_range(6..4096));
            let field = if rng.random_bool(0.5) {
                BinpackField::Memory
            } else {
                BinpackField::Cpu
            };
            let chain = [Strategy::Binpack(field)];
            let req = PlacementRequest {
                demand: &d,
                group: g,
                constraints: &[],
                strategies: &chain,
                only_instance: None,
                scope: None,
            };
            let (mut r1, mut r2) = (rng.clone(), rng.clone());
            let fast = p.place(&c, &req, &mut r1);
            let scan = p.place_by_scan(&c, &req, &mut r2);
            assert_eq!(fast, scan, "round {round} step {step}: {field:?} for {d:?}");
            compared += 1;
            rng = r1;
            if let Some(i) = fast {
                let t = TaskId::first_generation(round * 1000 + step);
                p.reserve(&mut c, i, t, g, &d);
                placed.push((i, t, d));
            }
        }
    }
    assert!(compared > 2000);
}

/// Issue 15 item 3: a request that found no instance is remembered until the cluster changes
/// (so waiting tasks are not re-checked against every instance at every reconcile). The memory
/// must never answer a request it does not cover, nor outlive a change: each step below would
/// fail if it keyed on too little or if a reserve, release or new instance did not clear it.
#[test]
fn a_remembered_failure_covers_only_its_request_and_only_until_the_cluster_changes() {
    let mut c = cluster(&[spec("us-east-1a", 2048, 4096), spec("us-east-1b", 2048, 4096)]);
    let mut p = placer();
    let mut rng = RngStreams::new(3).stream("test");
    let g = c.intern_group("g");
    let chain = [Strategy::Binpack(BinpackField::Memory)];
    let request = |d| PlacementRequest {
        demand: d,
        group: g,
        constraints: &[],
        strategies: &chain,
        only_instance: None,
        scope: None,
    };
    let big = demand(1024, 3072);
    let small = demand(256, 512);
    put(&mut c, &mut p, 0, 1, "g", &big);
    put(&mut c, &mut p, 1, 2, "g", &big);
    // Both instances hold 3072 of 4096 MiB: the big shape fails, twice (the second answer
    // from memory), while the small one, asked at the same cluster state, still fits.
    assert_eq!(p.place(&c, &request(&big), &mut rng), None);
    assert_eq!(p.place(&c, &request(&big), &mut rng), None);
    assert!(p.place(&c, &request(&small), &mut rng).is_some());
    // A memberOf is part of the request: failing in one zone says nothing of another.
    let in_zone = |z: &str| {
        let expression = format!("attribute:ecs.availability-zone == {z}");
        vec![Constraint::MemberOf {
            expr: Arc::new(parse(&expression).unwrap()),
            expression,
        }]
    };
    let (zone_c, zone_b) = (in_zone("us-east-1c"), in_zone("us-east-1b"));
    let constrained = |cs| PlacementRequest {
        constraints: cs,
        ..request(&small)
    };
    assert_eq!(p.place(&c, &constrained(&zone_c), &mut rng), None);
    assert_eq!(p.place(&c, &constrained(&zone_b), &mut rng), Some(InstanceId(1)));
    // A release makes room: the remembered failure of the big shape is forgotten.
    p.release(&mut c, InstanceId(0), TaskId::first_generation(1), g, &big);
    assert_eq!(p.place(&c, &request(&big), &mut rng), Some(InstanceId(0)));
    // Full again; then a new instance registers and the big shape fits on it.
    put(&mut c, &mut p, 0, 3, "g", &big);
    assert_eq!(p.place(&c, &request(&big), &mut rng), None);
    let id = add_instance(&mut c, Some("us-east-1c"), 2048, 4096, 0, 2);
    p.instances_added(&c);
    assert_eq!(p.place(&c, &request(&big), &mut rng), Some(id));
}
