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

/// Two constraints are equal when they say the same thing (a `memberOf` by its expression).
impl PartialEq for Constraint {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Constraint::DistinctInstance, Constraint::DistinctInstance) => true,
            (Constraint::MemberOf { expression: a, expr: x }, Constraint::MemberOf { expression: b, expr: y }) => {
                Arc::ptr_eq(x, y) || a == b
            }
            _ => false,
        }
    }
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

/// A container instance the Auto Scaling group has not launched yet, as a memberOf
/// expression sees it: the attributes it will register with, no tasks, agent connected.
/// Managed scaling asks whether a waiting task could ever be placed on such an instance.
pub struct NewInstance<'a> {
    pub attributes: Vec<(&'a str, &'a str)>,
    pub agent_version: &'a str,
    pub registered_at_epoch_ms: i64,
}

impl InstanceFacts for NewInstance<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
    fn task_groups(&self) -> Vec<&str> {
        Vec::new()
    }
    fn agent_connected(&self) -> bool {
        true
    }
    fn agent_version(&self) -> &str {
        self.agent_version
    }
    fn ec2_instance_id(&self) -> String {
        // Not known before launch: no expression naming an instance ID matches it.
        String::new()
    }
    fn registered_at_epoch_ms(&self) -> i64 {
        self.registered_at_epoch_ms
    }
    fn running_tasks_count(&self) -> u32 {
        0
    }
}

/// Does a new instance satisfy every memberOf constraint of `constraints`?
pub fn new_instance_satisfies(constraints: &[Constraint], facts: &NewInstance<'_>) -> bool {
    constraints.iter().all(|c| match c {
        Constraint::MemberOf { expr, .. } => expr.eval(facts),
        Constraint::DistinctInstance => true,
    })
}
