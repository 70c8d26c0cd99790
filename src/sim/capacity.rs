//! EC2 capacity over time: the initial instances, Auto Scaling group capacity providers with
//! managed scaling (CapacityProviderReservation each minute, scale-out on one datapoint above
//! target when no instance is warming up, scale-in after fifteen below), launches that
//! register after a latency, and terminations with managed draining and termination
//! protection. EC2 cost accrues per instance from launch to termination.

use super::*;
use crate::aws::ecs::capacity_provider::{
    capacity_provider_reservation, instances_needed, scale_in_desired, scale_out_desired, CprInputs,
};

impl Simulation<'_> {
    pub(super) fn setup_capacity(&mut self) {
        let sc = self.sc;
        for (gi, g) in sc.instance_groups.iter().enumerate() {
            for _ in 0..g.count {
                let id = self.launch_instance(GroupIdx(gi as u16));
                self.register(id);
            }
        }
        for (p, cp) in sc.capacity_providers.iter().enumerate() {
            if let ProviderKind::Asg {
                group,
                managed_scaling,
                managed_termination_protection,
                managed_draining,
            } = &cp.kind
            {
                self.ecs.providers.push(AsgProvider {
                    provider: p,
                    group: GroupIdx(*group as u16),
                    managed: managed_scaling.clone(),
                    termination_protection: *managed_termination_protection,
                    draining: *managed_draining,
                    last_m: 0,
                });
            }
        }
    }

    pub(super) fn needs_control_tick(&self) -> bool {
        self.has_stochastic_faults()
            || !self.sc.deployments.is_empty()
            || (0..self.ecs.services.len()).any(|s| self.workload.has_load(s))
            || (0..self.ecs.services.len()).any(|s| self.autoscaling.has_target(ServiceId(s as u16)))
            || self.ecs.providers.iter().any(|a| a.managed.is_some())
            || self.ecs.services.iter().any(|s| !s.unplaced.is_empty())
    }

    /// Starts an EC2 instance of group `g` in the usable AZ with the fewest of the group's
    /// instances, or `None` when every AZ of the group is out or has no EC2 capacity.
    pub(super) fn try_launch_instance(&mut self, g: GroupIdx) -> Option<InstanceId> {
        let blocked = |a: usize| self.faults.ec2_blocked(a);
        self.ec2.can_launch(g, blocked).then(|| self.launch_instance(g))
    }

    /// Starts an EC2 instance of group `g` in the AZ with the fewest of the group's instances.
    pub(super) fn launch_instance(&mut self, g: GroupIdx) -> InstanceId {
        let sc = self.sc;
        let spec = &sc.instance_groups[g.0 as usize];
        let ty = &sc.instance_types[spec.instance_type];
        let mut per_az = vec![0u32; sc.availability_zones.len()];
        for i in &self.ecs.cluster.instances {
            if i.group == g && i.status != InstanceStatus::Inactive {
                per_az[i.az.0 as usize] += 1;
            }
        }
        let blocked = |a: usize| self.faults.ec2_blocked(a);
        let az = self.ec2.launch_zone(g, &per_az, blocked);
        let id = InstanceId(self.ecs.cluster.instances.len() as u32);
        let cpu = ty.cpu_units();
        let mem = ty.registered_memory(sc.registered_memory_fraction, spec.reserved_memory_mib);
        let eni = ty.eni_task_slots(spec.trunking);
        let now = self.now();
        self.ecs.cluster.instances.push(Instance {
            id,
            group: g,
            az: AzIdx(az as u16),
            instance_type: spec.instance_type as u16,
            status: InstanceStatus::Launching,
            agent_connected: true,
            agent_version: spec.agent_version.clone(),
            registered_at: now,
            launched_at: now,
            terminated_at: None,
            cpu_total: cpu,
            memory_total_mib: mem,
            eni_total: eni,
            cpu_free: cpu,
            memory_free_mib: mem,
            eni_free: eni,
            ports_used: sc.reserved_ports.clone(),
            attrs: Vec::new(),
            tasks: Vec::new(),
            group_counts: Vec::new(),
        });
        self.ecs
            .cluster
            .set_attr(id, "ecs.availability-zone", &sc.availability_zones[az]);
        self.ecs.cluster.set_attr(id, "ecs.instance-type", &ty.name);
        self.ecs.cluster.set_attr(id, "ecs.os-type", &ty.os_type);
        self.ecs
            .cluster
            .set_attr(id, "ecs.cpu-architecture", &ty.cpu_architecture);
        for (k, v) in &spec.attributes {
            self.ecs.cluster.set_attr(id, k, v);
        }
        self.ecs.placer.instances_added(&self.ecs.cluster);
        self.ecs.terminate_when_drained.push(false);
        self.ec2.instance_launched(id);
        self.billing.instance_launched(spec.price_per_hour_usd);
        self.observer.instance_launched();
        id
    }

    fn register(&mut self, id: InstanceId) {
        let now = self.now();
        let i = &mut self.ecs.cluster.instances[id.index()];
        i.status = InstanceStatus::Active;
        i.registered_at = now;
        self.ecs.cpu_registered += u64::from(i.cpu_total);
        self.ecs.mem_registered += u64::from(i.memory_total_mib);
        self.ecs.placer.instance_changed(&self.ecs.cluster, id);
    }

    pub(super) fn on_instance_registered(&mut self, id: InstanceId) -> Result<(), SimError> {
        if self.ecs.cluster.instances[id.index()].status != InstanceStatus::Launching {
            return Ok(());
        }
        self.register(id);
        self.log(
            "INSTANCE_REGISTERED",
            None,
            Some(id),
            "container instance ACTIVE".to_string(),
        )?;
        // New capacity: daemons first, then services and queues that wait for it.
        let now = self.now();
        for s in 0..self.ecs.services.len() {
            let st = &self.ecs.services[s];
            if st.daemon || !st.unplaced.is_empty() {
                self.schedule_reconcile(ServiceId(s as u16), now);
            }
        }
        self.drain_wait_queue()
    }

    /// Terminates an instance: it goes INACTIVE and every task on it stops.
    pub(super) fn terminate(&mut self, id: InstanceId, reason: &str) -> Result<(), SimError> {
        let now = self.now();
        let status = self.ecs.cluster.instances[id.index()].status;
        if status == InstanceStatus::Inactive {
            return Ok(());
        }
        let tasks = self.ecs.cluster.instances[id.index()].tasks.clone();
        for t in tasks {
            self.stop_task(t, "Host EC2 instance terminated")?;
        }
        let i = &mut self.ecs.cluster.instances[id.index()];
        if matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining) {
            self.ecs.cpu_registered -= u64::from(i.cpu_total);
            self.ecs.mem_registered -= u64::from(i.memory_total_mib);
        }
        i.status = InstanceStatus::Inactive;
        i.terminated_at = Some(now);
        let ran = now - i.launched_at;
        let price = self.sc.instance_groups[i.group.0 as usize].price_per_hour_usd;
        self.ecs.placer.instance_changed(&self.ecs.cluster, id);
        self.billing.instance_terminated(price, ran);
        self.observer.instance_terminated();
        self.log("INSTANCE_TERMINATED", None, Some(id), reason.to_string())
    }

    /// Draining: no new tasks, service tasks are stopped (and replaced elsewhere), standalone
    /// tasks finish. With `terminate` (managed draining, Spot) the instance terminates once no
    /// non-daemon task is left; otherwise it stays DRAINING until reactivated.
    pub(super) fn drain(&mut self, id: InstanceId, terminate: bool) -> Result<(), SimError> {
        let i = &mut self.ecs.cluster.instances[id.index()];
        if i.status != InstanceStatus::Active {
            return Ok(());
        }
        i.status = InstanceStatus::Draining;
        self.ecs.terminate_when_drained[id.index()] = terminate;
        self.ecs.placer.instance_changed(&self.ecs.cluster, id);
        let why = if terminate {
            "draining before termination"
        } else {
            "set to DRAINING"
        };
        self.log("INSTANCE_DRAINING", None, Some(id), why.to_string())?;
        if terminate {
            let at = self.now() + self.sc.elastic.managed_draining_timeout_ms;
            self.queue.schedule(at, LANE_STOP, Event::DrainTimeout(id));
        }
        let tasks = self.ecs.cluster.instances[id.index()].tasks.clone();
        for t in tasks {
            let owner = self.ecs.tasks[t.0 as usize].owner;
            if let TaskOwner::Service(s) = owner {
                // Daemon tasks stop when an instance is set to DRAINING; when it drains for
                // termination they are the last to stop, with the instance.
                if !self.ecs.services[s.0 as usize].daemon || !terminate {
                    self.stop_task(t, "Container instance is draining")?;
                }
            }
        }
        self.instance_may_be_drained(id)
    }

    /// Called when a task leaves an instance: a draining instance with no non-daemon task
    /// left terminates.
    pub(super) fn instance_may_be_drained(&mut self, id: InstanceId) -> Result<(), SimError> {
        if self.ecs.cluster.instances[id.index()].status == InstanceStatus::Draining
            && self.ecs.terminate_when_drained[id.index()]
            && self.ecs.non_daemon_tasks(id) == 0
        {
            self.terminate(id, "drained; Auto Scaling group scale-in")?;
        }
        Ok(())
    }

    pub(super) fn on_drain_timeout(&mut self, id: InstanceId) -> Result<(), SimError> {
        if self.ecs.cluster.instances[id.index()].status == InstanceStatus::Draining {
            self.terminate(id, "managed draining timed out; Auto Scaling group scale-in")?;
        }
        Ok(())
    }

    /// One minute of cluster auto scaling for every managed ASG provider.
    pub(super) fn cas_tick(&mut self) -> Result<(), SimError> {
        for a in 0..self.ecs.providers.len() {
            let Some(ms) = self.ecs.providers[a].managed.clone() else {
                continue;
            };
            let g = self.ecs.providers[a].group;
            let provider = self.ecs.providers[a].provider as u16;
            let members = self.ecs.group_instances(g);
            let n = members.len() as u32;
            let empty = members
                .iter()
                .filter(|i| {
                    self.ecs.cluster.instances[i.index()].status == InstanceStatus::Active
                        && self.ecs.non_daemon_tasks(**i) == 0
                })
                .count() as u32;
            let waiting: Vec<(u32, u32, bool)> = self
                .ecs
                .services
                .iter()
                .flat_map(|s| s.unplaced.iter())
                .chain(self.ecs.jobs.iter().flat_map(|j| j.queue.iter()))
                .filter(|t| self.ecs.tasks[t.0 as usize].provider == Some(provider))
                .map(|t| {
                    let d = &self.ecs.demands[self.ecs.tasks[t.0 as usize].demand as usize];
                    (d.cpu_units, d.memory_mib, d.uses_eni)
                })
                .collect();
            let spec = &self.sc.instance_groups[g.0 as usize];
            let ty = &self.sc.instance_types[spec.instance_type];
            let cap = (
                ty.cpu_units(),
                ty.registered_memory(self.sc.registered_memory_fraction, spec.reserved_memory_mib),
                ty.eni_task_slots(spec.trunking),
            );
            let needed = instances_needed(&waiting, cap);
            let inputs = CprInputs {
                instances: n,
                empty,
                needed_for_provisioning: needed,
                legacy_min_step: self.sc.elastic.legacy_multi_az_min_step && spec.availability_zones.len() > 1,
                scale_in_mode: self.sc.elastic.cpr_scale_in,
            };
            let (m, cpr) = capacity_provider_reservation(&ms, &inputs);
            let cpr_key = MetricKey::CapacityProviderReservation(provider);
            self.cloudwatch.put_metric_data(cpr_key, Some(cpr));
            self.ecs.providers[a].last_m = m;
            let target = ms.target_capacity;
            let now = self.now();
            let warming = members
                .iter()
                .any(|i| now - self.ecs.cluster.instances[i.index()].launched_at < ms.instance_warmup_period_ms);
            let current = self.ec2.desired_capacity(g);
            let name = self.sc.capacity_providers[self.ecs.providers[a].provider].name.clone();
            if self.cloudwatch.in_alarm(cpr_key, &ms.high_alarm()) {
                // High alarm: one datapoint. Blocked while any instance is warming up.
                if warming {
                    continue;
                }
                let want = self.ec2.clamp_to_size(g, scale_out_desired(n, cpr, target));
                if want > n {
                    self.ec2.set_desired_capacity(g, want);
                    self.log(
                        "CAPACITY_PROVIDER_SCALE_OUT",
                        None,
                        None,
                        format!(
                            "{name}: CapacityProviderReservation {cpr:.1} > target {target} (M={m}, N={n}); desired {current} -> {want}"
                        ),
                    )?;
                    for _ in n..want {
                        let Some(id) = self.try_launch_instance(g) else {
                            let why = format!("{name}: no availability zone of the group can launch EC2 capacity");
                            self.log("INSTANCE_LAUNCH_FAILED", None, None, why)?;
                            break;
                        };
                        self.instance_launch_started(g, id, format!("Auto Scaling group of {name}"))?;
                    }
                }
                continue;
            }
            let low = self.cloudwatch.in_alarm(cpr_key, &ms.low_alarm());
            if !low {
                continue;
            }
            let want = self.ec2.clamp_to_size(g, scale_in_desired(n, m, target));
            if want >= n {
                continue;
            }
            self.scale_in_group(a, members, n - want, &format!("{name}: 15 datapoints of CapacityProviderReservation below target {target} (M={m}, N={n}); desired {current} -> {want}"))?;
        }
        Ok(())
    }

    /// Removes `k` instances: with managed termination protection only empty ones; the Auto
    /// Scaling group's termination policy chooses among the candidates.
    fn scale_in_group(&mut self, a: usize, members: Vec<InstanceId>, k: u32, why: &str) -> Result<(), SimError> {
        let protect = self.ecs.providers[a].termination_protection;
        let candidates: Vec<(InstanceId, AzIdx)> = members
            .into_iter()
            .filter(|i| !protect || self.ecs.non_daemon_tasks(*i) == 0)
            .map(|i| (i, self.ecs.cluster.instances[i.index()].az))
            .collect();
        let zones = self.sc.availability_zones.len();
        let chosen = self.ec2.choose_instances_to_terminate(candidates, k, zones);
        if chosen.is_empty() {
            return Ok(());
        }
        let g = self.ecs.providers[a].group;
        let desired = self.ec2.desired_capacity(g).saturating_sub(chosen.len() as u32);
        self.ec2.set_desired_capacity(g, desired);
        self.log("CAPACITY_PROVIDER_SCALE_IN", None, None, why.to_string())?;
        let draining = self.ecs.providers[a].draining;
        for id in chosen {
            if self.ecs.cluster.instances[id.index()].status == InstanceStatus::Launching || !draining {
                self.terminate(id, "Auto Scaling group scale-in")?;
            } else {
                self.drain(id, true)?;
            }
        }
        Ok(())
    }

    /// An Auto Scaling group keeps its desired capacity: lost instances are replaced. When
    /// its instances are unbalanced over its usable AZs by more than one (after an outage),
    /// it launches one in the emptiest AZ and terminates one in the fullest, with draining
    /// (ASG AZ rebalancing launches before it terminates), one move per minute.
    pub(super) fn asg_replace_lost(&mut self) -> Result<(), SimError> {
        for g in 0..self.sc.instance_groups.len() {
            self.asg_rebalance(GroupIdx(g as u16))?;
        }
        for g in 0..self.sc.instance_groups.len() {
            let gi = GroupIdx(g as u16);
            // The ASG sees a manually drained instance as in service; not one ECS is draining
            // away for termination.
            let live = self.ecs.asg_in_service(gi).len() as u32;
            for _ in 0..self.ec2.replacements_needed(gi, live) {
                let Some(id) = self.try_launch_instance(gi) else { break };
                self.instance_launch_started(gi, id, "Auto Scaling group replaces a lost instance".into())?;
            }
        }
        Ok(())
    }

    /// Schedules a launched instance's registration and logs the launch.
    fn instance_launch_started(&mut self, g: GroupIdx, id: InstanceId, why: String) -> Result<(), SimError> {
        let latency = self.ec2.launch_latency(g);
        let now = self.now();
        self.queue
            .schedule(now + latency, LANE_LIFECYCLE, Event::InstanceRegistered(id));
        self.log("INSTANCE_LAUNCHED", None, Some(id), why)
    }

    /// One AZ rebalancing move of group `g`, if its zones are out of balance.
    fn asg_rebalance(&mut self, gi: GroupIdx) -> Result<(), SimError> {
        let zones: Vec<usize> = self.sc.instance_groups[gi.0 as usize]
            .availability_zones
            .iter()
            .copied()
            .filter(|a| !self.faults.ec2_blocked(*a))
            .collect();
        let members = self.ecs.asg_in_service(gi);
        let mut counts = vec![0usize; self.sc.availability_zones.len()];
        for i in &members {
            counts[self.ecs.cluster.instances[i.index()].az.0 as usize] += 1;
        }
        let Some((low, high)) = self.ec2.rebalancing_move(&zones, &counts) else {
            return Ok(());
        };
        let launching = members
            .iter()
            .any(|i| self.ecs.cluster.instances[i.index()].status == InstanceStatus::Launching);
        if launching {
            return Ok(());
        }
        let victim = members
            .iter()
            .copied()
            .filter(|i| {
                let inst = &self.ecs.cluster.instances[i.index()];
                inst.az.0 as usize == high && inst.status == InstanceStatus::Active
            })
            .min_by_key(|i| (self.ecs.cluster.instances[i.index()].tasks.len(), *i));
        if let Some(v) = victim {
            let id = self.launch_instance(gi);
            let azs = &self.sc.availability_zones;
            let why = format!(
                "Auto Scaling group AZ rebalancing: {} has {}, {} has {}",
                azs[low], counts[low], azs[high], counts[high]
            );
            self.instance_launch_started(gi, id, why)?;
            self.drain(v, true)?;
        }
        Ok(())
    }
}
