//! Container instances: an EC2 instance of an Auto Scaling group becomes a container instance
//! when it registers; DRAINING (manual, managed draining, Spot) and termination, with what
//! that does to the tasks on it.

use super::*;
use crate::aws::ecs::model::Resources;

/// The attributes an instance of group `g` in AZ `az` registers with: ECS's built-in
/// `ecs.*` attributes, then the group's custom ones.
pub(crate) fn registration_attributes(sc: &Scenario, g: GroupIdx, az: usize) -> Vec<(&str, &str)> {
    let spec = &sc.instance_groups[g.0 as usize];
    let ty = &sc.instance_types[spec.instance_type];
    let mut attrs = vec![
        ("ecs.availability-zone", sc.availability_zones[az].as_str()),
        ("ecs.instance-type", ty.name.as_str()),
        ("ecs.os-type", ty.os_type.as_str()),
        ("ecs.cpu-architecture", ty.cpu_architecture.as_str()),
    ];
    attrs.extend(spec.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    attrs
}

impl<'a> Ecs<'a> {
    /// Starts an EC2 instance of group `g` in the usable AZ with the fewest of the group's
    /// instances, or `None` when every AZ of the group is out or has no EC2 capacity.
    pub(crate) fn try_launch_instance(&mut self, env: &mut Env<'a>, g: GroupIdx) -> Option<InstanceId> {
        let blocked = |a: usize| env.faults.ec2_blocked(a);
        env.ec2.can_launch(g, blocked).then(|| self.launch_instance(env, g))
    }

    /// Starts an EC2 instance of group `g` in the AZ with the fewest of the group's instances.
    pub(crate) fn launch_instance(&mut self, env: &mut Env<'a>, g: GroupIdx) -> InstanceId {
        let sc = self.sc;
        let spec = &sc.instance_groups[g.0 as usize];
        let ty = &sc.instance_types[spec.instance_type];
        let per_az = &mut self.in_service_per_zone[g.0 as usize];
        let blocked = |a: usize| env.faults.ec2_blocked(a);
        let az = env.ec2.launch_zone(g, per_az, blocked);
        per_az[az] += 1;
        let id = InstanceId(self.cluster.instances.len() as u32);
        let resources = Resources {
            cpu_units: ty.cpu_units(),
            memory_mib: ty.registered_memory(sc.registered_memory_fraction, spec.reserved_memory_mib),
            eni_slots: ty.eni_task_slots(spec.trunking),
            gpus: ty.gpus,
        };
        self.cluster.add(Instance {
            instance_type: spec.instance_type as u16,
            agent_version: spec.agent_version.clone(),
            ports_used: sc.reserved_ports.clone(),
            ..Instance::new(id, g, AzIdx(az as u16), resources, env.now())
        });
        for (k, v) in registration_attributes(sc, g, az) {
            self.cluster.set_attr(id, k, v);
        }
        self.placer.instances_added(&self.cluster);
        self.terminate_when_drained.push(false);
        env.ec2.instance_launched(id);
        env.billing
            .instance_launched(g.0 as usize, spec.price_per_hour_usd, env.now().as_ms());
        env.observer.instance_launched();
        id
    }

    pub(crate) fn register(&mut self, env: &mut Env<'a>, id: InstanceId) {
        let now = env.now();
        let i = &mut self.cluster.instances[id.index()];
        i.status = InstanceStatus::Active;
        i.registered_at = now;
        self.cpu_registered += u64::from(i.cpu_total);
        self.mem_registered += u64::from(i.memory_total_mib);
        self.gpu_registered += u64::from(i.gpu_total);
        self.placer.instance_changed(&self.cluster, id);
    }

    pub(crate) fn on_instance_registered(&mut self, env: &mut Env<'a>, id: InstanceId) -> Result<(), SimError> {
        if self.cluster.instances[id.index()].status != InstanceStatus::Launching {
            return Ok(());
        }
        self.register(env, id);
        self.log(
            env,
            "INSTANCE_REGISTERED",
            None,
            Some(id),
            "container instance ACTIVE".to_string(),
        )?;
        // New capacity: the daemon tasks start first, at once ("the daemon task is the first
        // to start and the last to stop on an instance", ecs-semantics §2.8); then services
        // and queues that wait for capacity.
        for s in 0..self.services.len() {
            if self.services[s].daemon {
                self.reconcile_daemon(env, ServiceId(s as u16))?;
            }
        }
        let now = env.now();
        for s in 0..self.services.len() {
            let st = &self.services[s];
            if !st.daemon && !st.unplaced.is_empty() {
                self.schedule_reconcile(env, ServiceId(s as u16), now);
            }
        }
        self.drain_wait_queue(env)
    }

    /// Terminates an instance: it goes INACTIVE and every task on it stops.
    pub(crate) fn terminate(
        &mut self,
        env: &mut Env<'a>,
        id: InstanceId,
        reason: &str,
        code: &'static str,
    ) -> Result<(), SimError> {
        let now = env.now();
        let status = self.cluster.instances[id.index()].status;
        if status == InstanceStatus::Inactive {
            return Ok(());
        }
        // INACTIVE first, so that the capacity its tasks free as they stop cannot be placed on
        // again (a waiting task would otherwise "run" on the terminated instance).
        let i = &mut self.cluster.instances[id.index()];
        if matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining) {
            self.cpu_registered -= u64::from(i.cpu_total);
            self.mem_registered -= u64::from(i.memory_total_mib);
            self.gpu_registered -= u64::from(i.gpu_total);
        }
        if i.status == InstanceStatus::Draining {
            self.draining_instances -= 1;
        }
        i.status = InstanceStatus::Inactive;
        i.terminated_at = Some(now);
        self.in_service_per_zone[i.group.0 as usize][i.az.0 as usize] -= 1;
        let ran = now - i.launched_at;
        let (group, price) = (
            i.group.0 as usize,
            self.sc.instance_groups[i.group.0 as usize].price_per_hour_usd,
        );
        self.cluster.leave_service(id);
        self.placer.instance_changed(&self.cluster, id);
        let tasks = self.cluster.instances[id.index()].tasks.ids(&self.tasks);
        for t in tasks {
            self.stop_task(env, t, StopReason::InstanceTerminated)?;
        }
        if !self.cluster.instances[id.index()].tasks.is_empty() {
            return Err(SimError::InvariantViolated {
                at: now,
                what: format!("{id} was terminated but still lists tasks"),
            });
        }
        env.billing.instance_terminated(group, price, ran, now.as_ms());
        env.observer.instance_terminated();
        let entry = Entry::new("INSTANCE_TERMINATED").instance(Some(id)).reason(code);
        self.record(env, entry, reason.to_string())
    }

    /// Draining: no new tasks, service tasks are stopped (and replaced elsewhere), standalone
    /// tasks finish. With `terminate` (managed draining, Spot) the instance terminates once no
    /// non-daemon task is left; otherwise it stays DRAINING until reactivated.
    pub(crate) fn drain(&mut self, env: &mut Env<'a>, id: InstanceId, terminate: bool) -> Result<(), SimError> {
        let i = &mut self.cluster.instances[id.index()];
        if i.status != InstanceStatus::Active {
            return Ok(());
        }
        i.status = InstanceStatus::Draining;
        self.draining_instances += 1;
        self.terminate_when_drained[id.index()] = terminate;
        self.placer.instance_changed(&self.cluster, id);
        let why = if terminate {
            "draining before termination"
        } else {
            "set to DRAINING"
        };
        self.log(env, "INSTANCE_DRAINING", None, Some(id), why.to_string())?;
        if terminate {
            let at = env.now() + self.sc.elastic.managed_draining_timeout_ms;
            env.queue.schedule(at, LANE_STOP, Event::DrainTimeout(id));
        }
        let tasks = self.cluster.instances[id.index()].tasks.ids(&self.tasks);
        let now = env.now();
        for t in tasks {
            let (owner, state) = {
                let task = &self.tasks[t];
                (task.owner, task.state)
            };
            let TaskOwner::Service(s) = owner else {
                continue; // standalone tasks are untouched
            };
            let st = &self.services[s.0 as usize];
            if st.daemon {
                // Daemon tasks stop when an instance is set to DRAINING; when it drains for
                // termination they are the last to stop, with the instance.
                if !terminate {
                    self.stop_task(env, t, StopReason::InstanceDraining)?;
                }
            } else if state == TaskState::Running && st.rollout.current.is_none() {
                // RUNNING service tasks keep serving until the scheduler has replacements
                // (start first when maximumPercent > 100).
                self.schedule_reconcile(env, s, now);
            } else {
                // PENDING service tasks stop at once (and, during a deployment, the rollout
                // replaces what it needs).
                self.stop_task(env, t, StopReason::InstanceDraining)?;
            }
        }
        self.instance_may_be_drained(env, id)
    }

    /// Called when a task leaves an instance: a draining instance with no non-daemon task
    /// left terminates.
    #[inline]
    pub(crate) fn instance_may_be_drained(&mut self, env: &mut Env<'a>, id: InstanceId) -> Result<(), SimError> {
        if self.cluster.instances[id.index()].status == InstanceStatus::Draining
            && self.terminate_when_drained[id.index()]
            && !self.hosts_non_daemon_task(id)
        {
            self.terminate(env, id, "drained; Auto Scaling group scale-in", SCALE_IN)?;
        }
        Ok(())
    }

    pub(crate) fn on_drain_timeout(&mut self, env: &mut Env<'a>, id: InstanceId) -> Result<(), SimError> {
        if self.cluster.instances[id.index()].status == InstanceStatus::Draining {
            self.terminate(
                env,
                id,
                "managed draining timed out; Auto Scaling group scale-in",
                SCALE_IN,
            )?;
        }
        Ok(())
    }

    /// Schedules a launched instance's registration and logs the launch.
    pub(crate) fn instance_launch_started(
        &mut self,
        env: &mut Env<'a>,
        g: GroupIdx,
        id: InstanceId,
        why: String,
    ) -> Result<(), SimError> {
        let latency = env.ec2.launch_latency(g);
        let now = env.now();
        env.queue
            .schedule(now + latency, LANE_LIFECYCLE, Event::InstanceRegistered(id));
        self.log(env, "INSTANCE_LAUNCHED", None, Some(id), why)
    }

    /// The container agent of an instance disconnects or reconnects: a disconnected instance
    /// takes no new tasks; its tasks keep running.
    pub(crate) fn set_agent_connected(&mut self, id: InstanceId, connected: bool) {
        self.cluster.instances[id.index()].agent_connected = connected;
        self.placer.instance_changed(&self.cluster, id);
    }

    /// A manually drained instance is set back to ACTIVE (one draining for termination stays
    /// DRAINING).
    pub(crate) fn reactivate(&mut self, id: InstanceId) {
        let i = &mut self.cluster.instances[id.index()];
        if i.status == InstanceStatus::Draining && !self.terminate_when_drained[id.index()] {
            i.status = InstanceStatus::Active;
            self.draining_instances -= 1;
            self.placer.instance_changed(&self.cluster, id);
        }
    }
}
