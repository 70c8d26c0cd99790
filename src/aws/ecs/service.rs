//! The service scheduler's state of one service: its desired count, placement, tasks by
//! state, launch pacing, the throttle for tasks that fail to start, the deployment in
//! progress and AZ rebalancing; and the scheduler's choices that need only ECS's state:
//! which task a scale-in stops, which one AZ rebalancing moves, when a task counts as healthy.

use super::capacity_provider::StrategyItem;
use super::deployment::DeploymentState;
use super::model::{GroupId, ServiceId, Task, TaskId, TaskOwner, TaskState};
use super::placement::BinpackField;
use super::placement::Strategy;
use super::Ecs;
use super::TaskPlacement;
use crate::engine::SimTime;
use crate::scenario::elastic::Launch;
use std::collections::VecDeque;

/// The throttle for tasks that keep failing to start (ecs-semantics §2.3).
#[derive(Clone, Debug, Default)]
pub(crate) struct Throttle {
    /// Tasks that stopped before RUNNING in a row.
    pub(crate) start_failures: u32,
    /// When the throttle lets the next launch.
    pub(crate) next_launch_at: SimTime,
    /// When the launch batch that last added a back-off step was submitted: its other tasks
    /// failing add no further step.
    pub(crate) counted_batch: Option<SimTime>,
}

/// AZ rebalancing of a service (ecs-semantics §2.7).
#[derive(Clone, Debug, Default)]
pub(crate) struct Rebalance {
    /// The service is moving tasks between zones.
    pub(crate) active: bool,
    /// A task AZ rebalancing started; the surplus task is stopped once it runs.
    pub(crate) task: Option<TaskId>,
}

/// A service's deployments: its configuration, the deployment in progress and the rollback
/// target.
pub(crate) struct Rollout {
    pub(crate) config: crate::scenario::faults::DeploymentConfig,
    pub(crate) current: Option<DeploymentState>,
    /// The last task definition whose deployment completed (the rollback target).
    pub(crate) stable_definition: usize,
}

/// The service scheduler's state of one service.
pub(crate) struct ServiceState {
    pub(crate) name: String,
    pub(crate) group: GroupId,
    pub(crate) daemon: bool,
    pub(crate) desired: u32,
    pub(crate) demand: u32,
    pub(crate) placement: TaskPlacement,
    /// Active tasks (unplaced, starting or running) per capacity-provider strategy item.
    pub(crate) item_counts: Vec<u32>,
    /// Tasks created but not yet placed (waiting for capacity), oldest first.
    pub(crate) unplaced: VecDeque<TaskId>,
    /// Placed, not yet RUNNING.
    pub(crate) starting: u32,
    pub(crate) running: u32,
    /// Asked to stop, still holding their reservations (deregistering, then stopping).
    pub(crate) stopping: u32,
    /// RUNNING tasks that failed their health checks and wait for healthy replacements.
    pub(crate) awaiting_replacement: u32,
    /// A scale-in is held back by protected tasks (logged once until it proceeds).
    pub(crate) protection_blocked: bool,
    /// When the next reconcile is queued; an earlier request replaces it (the later event
    /// then finds it stale), so an "at once" reaction is never held back.
    pub(crate) reconcile_at: Option<SimTime>,
    pub(crate) steady: bool,
    /// The per-service launch rate (500 tasks per minute).
    pub(crate) launch_bucket: crate::aws::ecs::fargate::RateWindow,
    pub(crate) fargate_az_counts: Vec<u32>,
    /// The task definition new tasks use (the primary deployment's).
    pub(crate) definition: usize,
    pub(crate) rollout: Rollout,
    pub(crate) throttle: Throttle,
    pub(crate) rebalance: Rebalance,
    /// Every task of the service not yet STOPPED (waiting, starting or running), so per-service
    /// decisions never scan the whole task table.
    pub(crate) live: Vec<TaskId>,
}

/// Mixes a task id with a per-decision random draw so that scale-in ties break at random but
/// reproducibly: 2^64 divided by the golden ratio (Fibonacci hashing).
const TIE_HASH_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// How a scale-in ranks a task after its provider's over-share, highest stopped first: not
/// yet RUNNING, the service's task count in its AZ, the strategy's instance key, the tie hash.
type ScaleInRank = (bool, u32, u64, u64);

impl Ecs<'_> {
    /// The task a scale-in stops (ecs-semantics §0.5, §1.7): the provider most over its share,
    /// then tasks not yet RUNNING, then the AZ with the most of the service's tasks; within
    /// it, under `binpack` the task whose instance keeps the most of the field free, under the
    /// default the instance with the most of the service's tasks, under `spread` at random.
    /// Tasks with scale-in protection are never chosen (ecs-semantics §2.9).
    pub(crate) fn choose_scale_in_victim(&mut self, s: ServiceId, now: SimTime) -> Option<TaskId> {
        let draw: u64 = rand::Rng::random(&mut self.rng_placement);
        let st = &self.services[s.0 as usize];
        let items: Option<&Vec<StrategyItem>> = match &st.placement.launch {
            Launch::Strategy(items) => Some(items),
            _ => None,
        };
        let over_share = |t: &Task| -> f64 {
            match (items, t.strategy_item) {
                (Some(items), Some(k)) => {
                    let it = &items[k as usize];
                    (f64::from(st.item_counts[k as usize]) - f64::from(it.base)) / f64::from(it.weight.max(1))
                }
                _ => 0.0,
            }
        };
        let az_of = |t: &Task| -> Option<usize> {
            t.instance
                .map(|i| self.cluster.instances[i.index()].az.0 as usize)
                .or(t.fargate.map(|f| f.az.0 as usize))
        };
        let candidates = || {
            self.service_tasks(s)
                .filter(|t| (t.instance.is_some() || t.fargate.is_some()) && !Ecs::is_protected(t, now))
        };
        let first = st.placement.strategies.first();
        // Under binpack there is no AZ-balance step: "stop the task on the instance that
        // will have the most resources left after the stop" (ecs-semantics §1.6), so that
        // the emptied instance can be scaled in.
        let balance_azs = !matches!(first, Some(Strategy::Binpack(_)));
        let mut az_counts = vec![0u32; self.sc.availability_zones.len()];
        if balance_azs {
            for a in candidates().filter_map(az_of) {
                az_counts[a] += 1;
            }
        }
        let by_strategy = |t: &Task| -> u64 {
            let Some(i) = t.instance else { return 0 };
            let inst = &self.cluster.instances[i.index()];
            let d = &self.demands[t.demand as usize];
            match first {
                Some(Strategy::Binpack(BinpackField::Memory)) => u64::from(inst.memory_free_mib + d.memory_mib),
                Some(Strategy::Binpack(BinpackField::Cpu)) => u64::from(inst.cpu_free + d.cpu_units),
                Some(Strategy::Spread(_)) if st.placement.strategies.len() == 1 => 0,
                Some(Strategy::Random) => 0,
                _ => u64::from(inst.group_count(st.group)),
            }
        };
        // Ties are broken by a per-decision random draw mixed with the task number.
        let tie = |t: &Task| t.number.0.wrapping_mul(TIE_HASH_MULTIPLIER) ^ draw;
        let key = |t: &Task| {
            let not_running = t.state != TaskState::Running;
            let az = if balance_azs {
                az_of(t).map_or(0, |a| az_counts[a])
            } else {
                0
            };
            (not_running, az, by_strategy(t), tie(t))
        };
        // One pass, each task's rank computed once; `>=` keeps the last of equal ranks, as
        // `Iterator::max_by` does.
        let mut best: Option<(f64, ScaleInRank, TaskId)> = None;
        for t in candidates() {
            let rank = (over_share(t), key(t));
            let better = match &best {
                None => true,
                Some((share, k, _)) => rank.0.total_cmp(share).then_with(|| rank.1.cmp(k)).is_ge(),
            };
            if better {
                best = Some((rank.0, rank.1, t.id));
            }
        }
        best.map(|(_, _, id)| id)
    }

    /// The newest RUNNING task in the AZ with the most of the service's tasks.
    pub(crate) fn rebalance_victim(&self, s: usize) -> Option<TaskId> {
        let sid = ServiceId(s as u16);
        let az_of = |t: &Task| {
            t.instance
                .map(|i| self.cluster.instances[i.index()].az.0 as usize)
                .or(t.fargate.map(|f| f.az.0 as usize))
        };
        let mut per_az = vec![0u32; self.sc.availability_zones.len()];
        let running: Vec<&Task> = self
            .service_tasks(sid)
            .filter(|t| t.state == TaskState::Running)
            .collect();
        for t in &running {
            if let Some(a) = az_of(t) {
                per_az[a] += 1;
            }
        }
        running
            .iter()
            .max_by_key(|t| (az_of(t).map_or(0, |a| per_az[a]), t.number))
            .map(|t| t.id)
    }

    /// How long after RUNNING a service's task counts as healthy when no load balancer or
    /// container health check judges it: 40 s, or the health-check grace period when that is
    /// longer (I).
    pub(crate) fn healthy_after(&self, s: ServiceId) -> u64 {
        let grace = self.services[s.0 as usize].rollout.config.health_check_grace_period_ms;
        self.sc.failures.healthy_after_ms.max(grace)
    }

    /// Whether `t` counts as healthy: by its load balancer and container checks when it has
    /// them, otherwise 40 s after RUNNING (ecs-semantics §2.4).
    pub(crate) fn is_healthy(&self, t: &Task, now: SimTime) -> bool {
        let TaskOwner::Service(s) = t.owner else { return false };
        if self.judged_by_checks(s, t.definition as usize) {
            return self.passes_checks(t);
        }
        t.state == TaskState::Running && t.running_at.is_some_and(|r| now - r >= self.healthy_after(s))
    }
}
