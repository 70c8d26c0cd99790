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
                    let t = TaskId(round * 1000 + step);
                    p.reserve(&mut c, i, t, g, &d);
                    placed.push((i, t, g, d));
                }
            }
        }
    }
}
