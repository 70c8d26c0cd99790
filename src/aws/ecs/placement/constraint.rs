//! Binding placement constraints (ecs-semantics §1.4): `distinctInstance` and `memberOf`.

use super::query::{Expr, InstanceFacts};
use super::{FailureReason, PlacementRequest, QueryContext};
use crate::aws::ecs::model::{Cluster, Instance, InstanceId};
use std::sync::Arc;

/// A placement constraint, already parsed.
#[derive(Clone, Debug)]
pub enum Constraint {
    /// Each task of the group on a different instance.
    DistinctInstance,
    /// The instance must satisfy a cluster query expression.
    MemberOf { expression: String, expr: Arc<Expr> },
}

struct Facts<'a> {
    cluster: &'a Cluster,
    inst: &'a Instance,
    ctx: &'a QueryContext,
}

impl InstanceFacts for Facts<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        let a = self.cluster.attr_id(name)?;
        self.inst.attr(a).map(|v| self.cluster.value(v))
    }
    fn task_groups(&self) -> Vec<&str> {
        let mut g: Vec<&str> = self
            .inst
            .group_counts
            .iter()
            .map(|(g, _)| self.cluster.group_name(*g))
            .collect();
        g.sort_unstable();
        g
    }
    fn agent_connected(&self) -> bool {
        self.inst.agent_connected
    }
    fn agent_version(&self) -> &str {
        &self.inst.agent_version
    }
    fn ec2_instance_id(&self) -> String {
        self.inst.id.to_string()
    }
    fn registered_at_epoch_ms(&self) -> i64 {
        self.ctx.start_epoch_ms + self.inst.registered_at.as_ms() as i64
    }
    fn running_tasks_count(&self) -> u32 {
        self.inst.tasks.len() as u32
    }
}

/// Does instance `id` satisfy every constraint of the request?
pub(crate) fn check_constraints(
    cluster: &Cluster,
    id: InstanceId,
    req: &PlacementRequest<'_>,
    ctx: &QueryContext,
) -> Result<(), FailureReason> {
    let inst = &cluster.instances[id.index()];
    for c in req.constraints {
        match c {
            Constraint::DistinctInstance => {
                if inst.group_count(req.group) > 0 {
                    return Err(FailureReason::DistinctInstance);
                }
            }
            Constraint::MemberOf { expr, .. } => {
                if !expr.eval(&Facts { cluster, inst, ctx }) {
                    return Err(FailureReason::MemberOf);
                }
            }
        }
    }
    Ok(())
}

/// Evaluates an expression against one instance (used by tests and `explain`).
pub fn instance_matches(cluster: &Cluster, id: InstanceId, expr: &Expr, ctx: &QueryContext) -> bool {
    let inst = &cluster.instances[id.index()];
    expr.eval(&Facts { cluster, inst, ctx })
}
