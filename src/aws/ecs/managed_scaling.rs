//! Managed scaling of Auto Scaling group capacity providers (ecs-semantics §3.3-3.6): each
//! minute, CapacityProviderReservation is computed and published to CloudWatch; its alarms
//! set the group's desired capacity (scale-out on one datapoint above target when no
//! instance is warming up, scale-in after fifteen below), and managed termination protection
//! keeps instances with tasks.

use super::*;
use crate::aws::cloudwatch::MetricKey;
use crate::aws::ecs::placement::{new_instance_satisfies, NewInstance};
use capacity_provider::{
    capacity_provider_reservation, instances_needed, scale_in_desired, CprInputs, EmptyInstance, ManagedScaling,
    WaitingTask, CPR_SCALE_IN_DATAPOINTS,
};

impl<'a> Ecs<'a> {
    /// The scenario's Auto Scaling group capacity providers, with their managed scaling,
    /// managed termination protection and managed draining settings.
    pub(crate) fn add_capacity_providers(&mut self) {
        let sc = self.sc;
        for (p, cp) in sc.capacity_providers.iter().enumerate() {
            if let ProviderKind::Asg {
                group,
                managed_scaling,
                managed_termination_protection,
                managed_draining,
            } = &cp.kind
            {
                self.providers.push(AsgProvider {
                    provider: p,
                    group: GroupIdx(*group as u16),
                    managed: managed_scaling.clone(),
                    termination_protection: *managed_termination_protection,
                    draining: *managed_draining,
                });
            }
        }
    }

    /// One minute of managed scaling for every Auto Scaling group provider that has it.
    pub(crate) fn cas_tick(&mut self, env: &mut Env<'a>) -> Result<(), SimError> {
        for a in 0..self.providers.len() {
            if let Some(ms) = self.providers[a].managed.clone() {
                self.managed_scaling_minute(env, a, &ms)?;
            }
        }
        Ok(())
    }

    /// What the CapacityProviderReservation of provider `a` is computed from this minute:
    /// the group's instances (launching or ACTIVE), the empty ones, and the instances a
    /// binpack of the provider's waiting tasks needs; with how many waiting tasks counted
    /// and how many no new instance of the group could host.
    fn cpr_inputs(&self, a: usize, members: &[InstanceId], now: SimTime) -> (CprInputs, (u32, u32)) {
        let g = self.providers[a].group;
        let provider = self.providers[a].provider as u16;
        let empty = members
            .iter()
            .filter(|i| {
                self.cluster.instances[i.index()].status == InstanceStatus::Active && !self.hosts_non_daemon_task(**i)
            })
            .count() as u32;
        let spec = &self.sc.instance_groups[g.0 as usize];
        // The new instances the group could launch, one per AZ, as memberOf sees them.
        let epoch = self.placer.context().start_epoch_ms + now.as_ms() as i64;
        let prototypes: Vec<NewInstance<'_>> = spec
            .availability_zones
            .iter()
            .map(|&az| NewInstance {
                attributes: container_instances::registration_attributes(self.sc, g, az),
                agent_version: &spec.agent_version,
                registered_at_epoch_ms: epoch,
            })
            .collect();
        let could_run = |constraints: &[Constraint]| prototypes.iter().any(|p| new_instance_satisfies(constraints, p));
        // Owners whose tasks some new instance could host, decided once per owner.
        let mut compatible: Vec<(TaskOwner, bool)> = Vec::new();
        let mut waiting: Vec<WaitingTask<'_>> = Vec::new();
        let mut excluded = 0u32;
        let queued = self
            .services
            .iter()
            .flat_map(|s| s.unplaced.iter())
            .chain(self.jobs.iter().flat_map(|j| j.queue.iter()));
        for t in queued {
            let task = &self.tasks[*t];
            if task.provider != Some(provider) {
                continue;
            }
            let placement = owner_placement(&self.services, &self.jobs, task.owner);
            let ok = match compatible.iter().find(|(o, _)| *o == task.owner) {
                Some(&(_, ok)) => ok,
                None => {
                    let ok = could_run(&placement.constraints);
                    compatible.push((task.owner, ok));
                    ok
                }
            };
            if !ok {
                excluded += 1;
                continue;
            }
            let d = &self.demands[task.demand as usize];
            let distinct = placement
                .constraints
                .iter()
                .any(|c| matches!(c, Constraint::DistinctInstance));
            waiting.push(WaitingTask {
                cpu_units: d.cpu_units,
                memory_mib: d.memory_mib,
                uses_eni: d.uses_eni,
                gpus: d.gpus,
                host_ports: &d.host_ports,
                distinct_group: distinct.then_some(task.group.0),
            });
        }
        let inputs = CprInputs {
            instances: members.len() as u32,
            empty,
            needed_for_provisioning: instances_needed(&waiting, &self.empty_instance_of(g, &prototypes)),
            legacy_min_step: self.sc.elastic.legacy_multi_az_min_step && spec.availability_zones.len() > 1,
            scale_in_mode: self.sc.elastic.cpr_scale_in,
        };
        (inputs, (waiting.len() as u32, excluded))
    }

    /// What a new instance of group `g` offers waiting tasks: its registered resources less
    /// the reservations of the DAEMON services that would start on it first (those whose
    /// memberOf a new instance of the group satisfies), ecs-semantics §2.8.
    fn empty_instance_of(&self, g: GroupIdx, prototypes: &[NewInstance<'_>]) -> EmptyInstance {
        let spec = &self.sc.instance_groups[g.0 as usize];
        let ty = &self.sc.instance_types[spec.instance_type];
        let mut empty = EmptyInstance {
            cpu_units: ty.cpu_units(),
            memory_mib: ty.registered_memory(self.sc.registered_memory_fraction, spec.reserved_memory_mib),
            eni_slots: ty.eni_task_slots(spec.trunking),
            gpus: ty.gpus,
            ports_used: self.sc.reserved_ports.clone(),
        };
        for st in self.services.iter().filter(|st| st.daemon) {
            if !prototypes
                .iter()
                .any(|p| new_instance_satisfies(&st.placement.constraints, p))
            {
                continue;
            }
            let d = &self.demands[st.demand as usize];
            empty.cpu_units = empty.cpu_units.saturating_sub(d.cpu_units);
            empty.memory_mib = empty.memory_mib.saturating_sub(d.memory_mib);
            empty.eni_slots = empty.eni_slots.saturating_sub(u32::from(d.uses_eni));
            empty.gpus = empty.gpus.saturating_sub(d.gpus);
            empty.ports_used.extend_from_slice(&d.host_ports);
        }
        empty.ports_used.sort_unstable();
        empty
    }

    /// Provider `a`'s minute: publish CPR to CloudWatch, then act on its alarms. Scale-out
    /// (one datapoint above target) waits while any instance is warming up; scale-in needs
    /// fifteen datapoints below target.
    fn managed_scaling_minute(&mut self, env: &mut Env<'a>, a: usize, ms: &ManagedScaling) -> Result<(), SimError> {
        let g = self.providers[a].group;
        let members = self.group_instances(g);
        let n = members.len() as u32;
        let (inputs, waiting) = self.cpr_inputs(a, &members, env.now());
        let reservation = capacity_provider_reservation(ms, &inputs);
        let (m, cpr) = (reservation.m, reservation.percent());
        let cpr_key = MetricKey::CapacityProviderReservation(self.providers[a].provider as u16);
        env.cloudwatch.put_metric_data(cpr_key, Some(cpr));
        let target = ms.target_capacity;
        let now = env.now();
        let warming = |i: &Instance| !i.present_at_start && now - i.launched_at < ms.instance_warmup_period_ms;
        let warming_up = members
            .iter()
            .filter(|i| warming(&self.cluster.instances[i.index()]))
            .count() as u32;
        let current = env.ec2.desired_capacity(g);
        let name = self.sc.capacity_providers[self.providers[a].provider].name.clone();
        let (high, low) = (
            env.cloudwatch.in_alarm(cpr_key, &ms.high_alarm()),
            env.cloudwatch.in_alarm(cpr_key, &ms.low_alarm()),
        );
        let minute = ProviderMinute {
            a,
            g,
            n,
            m,
            cpr,
            target,
            current,
            warming_up,
            name: &name,
        };
        let outcome = if high {
            let want = env.ec2.clamp_to_size(g, reservation.scale_out_desired(n, target));
            self.managed_scale_out(env, &minute, want)?
        } else if low {
            let pace = self.sc.elastic.managed_scale_in_pace_divisor;
            let want = env.ec2.clamp_to_size(g, scale_in_desired(n, m, target, pace));
            self.managed_scale_in(env, &minute, want, &members)?
        } else {
            (
                "NoAlarm",
                format!("CapacityProviderReservation {cpr:.2} is at target {target}: no alarm"),
            )
        };
        let explaining = matches!(&env.opts.explain,
            crate::explain::ExplainRequest::CapacityProviderAt(p, at) if *p == name && now.as_ms() <= *at);
        // report.html explains each minute that changes the group's desired capacity.
        let for_report = env.logging() && matches!(outcome.0, "ScaleOut" | "ScaleIn");
        if explaining || for_report {
            let alarm_states = vec![
                crate::explain::AlarmState::of("high", &ms.high_alarm(), high),
                crate::explain::AlarmState::of("low", &ms.low_alarm(), low),
            ];
            let e = crate::explain::ProviderEvaluation {
                time_s: now.as_ms() as f64 / 1000.0,
                capacity_provider: name,
                instances: n,
                empty_instances: inputs.empty,
                waiting_tasks: waiting.0,
                waiting_tasks_no_instance_can_host: waiting.1,
                instances_needed_for_waiting: inputs.needed_for_provisioning,
                minimum_scaling_step_size: ms.minimum_scaling_step_size,
                maximum_scaling_step_size: ms.maximum_scaling_step_size,
                m,
                capacity_provider_reservation_pct: cpr,
                target_capacity_pct: target,
                warming_up,
                alarm_states,
                desired_capacity: env.ec2.desired_capacity(g),
                decision_code: outcome.0,
                decision: outcome.1,
                members: self.provider_members(a, &members, &warming),
            };
            if for_report {
                env.report.kept.keep_provider_minute(&e);
            }
            if explaining {
                env.report.record_provider_minute(e);
            }
        }
        Ok(())
    }

    /// The high alarm of a provider's minute: raise the group's desired capacity to `want`
    /// and launch the instances, unless some are warming up or the group is at its maximum.
    fn managed_scale_out(
        &mut self,
        env: &mut Env<'a>,
        minute: &ProviderMinute<'_>,
        want: u32,
    ) -> Result<(&'static str, String), SimError> {
        let ProviderMinute {
            a,
            g,
            n,
            m,
            cpr,
            target,
            current,
            warming_up,
            name,
        } = *minute;
        if warming_up > 0 {
            return Ok((
                "WarmingUp",
                format!("scale-out waits: {warming_up} instance(s) still in their warm-up period"),
            ));
        }
        if want <= n {
            return Ok((
                "AtMaxSize",
                format!("the group is at its max size ({n}): desired {want} is clamped"),
            ));
        }
        env.ec2.set_desired_capacity(g, want);
        let why = format!(
            "{name}: CapacityProviderReservation {cpr:.1} > target {target} (M={m}, N={n}); desired {current} -> {want}"
        );
        let provider = self.providers[a].provider;
        self.record(
            env,
            Entry::new("CAPACITY_PROVIDER_SCALE_OUT").provider(provider),
            why.clone(),
        )?;
        for _ in n..want {
            let Some(id) = self.try_launch_instance(env, g) else {
                let why = format!("{name}: no availability zone of the group can launch EC2 capacity");
                let entry = Entry::new("INSTANCE_LAUNCH_FAILED").provider(provider);
                self.record(env, entry.reason("InsufficientInstanceCapacity"), why)?;
                break;
            };
            self.instance_launch_started(env, g, id, format!("Auto Scaling group of {name}"))?;
        }
        Ok(("ScaleOut", why))
    }

    /// The low alarm of a provider's minute: lower the group's desired capacity to `want`
    /// by terminating instances of `members` that run no tasks, unless the group is at its
    /// minimum.
    fn managed_scale_in(
        &mut self,
        env: &mut Env<'a>,
        minute: &ProviderMinute<'_>,
        want: u32,
        members: &[InstanceId],
    ) -> Result<(&'static str, String), SimError> {
        let ProviderMinute {
            a,
            n,
            m,
            target,
            current,
            name,
            ..
        } = *minute;
        if want >= n {
            return Ok((
                "AtMinSize",
                format!("the scale-in desired capacity {want} is not below N = {n} (min size)"),
            ));
        }
        let why = format!(
            "{name}: {CPR_SCALE_IN_DATAPOINTS} datapoints of CapacityProviderReservation below target {target} (M={m}, N={n}); desired {current} -> {want}"
        );
        if self.scale_in_group(env, a, members.to_vec(), n - want, &why)? == 0 {
            Ok((
                "NoInstanceCanBeTerminated",
                "scale-in found no instance to terminate: managed termination protection keeps every instance that runs tasks".into(),
            ))
        } else {
            Ok(("ScaleIn", why))
        }
    }

    /// Each instance of provider `a`'s group as `explain --capacity-provider` shows it.
    fn provider_members(
        &self,
        a: usize,
        members: &[InstanceId],
        warming: &dyn Fn(&Instance) -> bool,
    ) -> Vec<crate::explain::ProviderMember> {
        let protect = self.providers[a].termination_protection;
        members
            .iter()
            .map(|id| {
                let i = &self.cluster.instances[id.index()];
                let tasks = self.non_daemon_tasks(*id);
                crate::explain::ProviderMember {
                    instance: id.to_string(),
                    status: match i.status {
                        InstanceStatus::Launching => "LAUNCHING",
                        InstanceStatus::Active => "ACTIVE",
                        InstanceStatus::Draining => "DRAINING",
                        InstanceStatus::Inactive => "INACTIVE",
                    },
                    non_daemon_tasks: tasks as u32,
                    warming_up: warming(i),
                    protected: protect && tasks > 0,
                }
            })
            .collect()
    }

    /// Removes `k` instances: with managed termination protection only empty ones; the Auto
    /// Scaling group's termination policy chooses among the candidates.
    pub(crate) fn scale_in_group(
        &mut self,
        env: &mut Env<'a>,
        a: usize,
        members: Vec<InstanceId>,
        k: u32,
        why: &str,
    ) -> Result<usize, SimError> {
        let protect = self.providers[a].termination_protection;
        let candidates: Vec<(InstanceId, AzIdx)> = members
            .into_iter()
            .filter(|i| !protect || !self.hosts_non_daemon_task(*i))
            .map(|i| (i, self.cluster.instances[i.index()].az))
            .collect();
        let zones = self.sc.availability_zones.len();
        let chosen = env.ec2.choose_instances_to_terminate(candidates, k, zones);
        if chosen.is_empty() {
            return Ok(0);
        }
        let count = chosen.len();
        let g = self.providers[a].group;
        let desired = env.ec2.desired_capacity(g).saturating_sub(chosen.len() as u32);
        env.ec2.set_desired_capacity(g, desired);
        let provider = self.providers[a].provider;
        self.record(
            env,
            Entry::new("CAPACITY_PROVIDER_SCALE_IN").provider(provider),
            why.to_string(),
        )?;
        let draining = self.providers[a].draining;
        for id in chosen {
            if self.cluster.instances[id.index()].status == InstanceStatus::Launching || !draining {
                self.terminate(env, id, "Auto Scaling group scale-in", SCALE_IN)?;
            } else {
                self.drain(env, id, true)?;
            }
        }
        Ok(count)
    }
}

/// What one minute of a managed-scaling provider read before it decides: provider `a`, its
/// group `g` of `n` instances (`warming_up` of them in their warm-up period), the
/// reservation's M and CPR against the target capacity, and the group's desired capacity.
#[derive(Clone, Copy)]
struct ProviderMinute<'n> {
    a: usize,
    g: GroupIdx,
    n: u32,
    m: u32,
    cpr: f64,
    target: u32,
    current: u32,
    warming_up: u32,
    name: &'n str,
}
