//! Failures applied to the world: the fault injector says what breaks; this code tells the
//! components it hits. Scripted faults (instances terminated, AZ outages, agent disconnects,
//! drains, stopped tasks, unavailable capacity, slow image pulls) and stochastic failures
//! drawn once a minute (instance MTBF, EC2 Spot interruptions in correlated bursts with a
//! 2-minute warning, Fargate Spot interruptions, task crashes, OOM kills); then, in the same
//! minute, the Auto Scaling groups' replacements, ECS's AZ rebalancing, and the end of the
//! incident window.

use super::*;
use crate::scenario::faults::{FaultKind, Selection};

use crate::aws::ec2_autoscaling::SPOT_WARNING_MS;
use crate::aws::ecs::StopReason;

/// One minute in hours: stochastic rates are per hour, drawn once a minute.
const MINUTE_HOURS: f64 = MINUTE_MS as f64 / 3_600_000.0;

impl Simulation<'_> {
    fn begin_incident(&mut self) {
        self.env.observer.incident_begins();
    }

    pub(super) fn on_fault_start(&mut self, k: usize) -> Result<(), SimError> {
        let f = self.sc.faults[k].clone();
        self.env.faults.fault_started(f.duration_ms.is_some());
        self.begin_incident();
        let sc = self.sc;
        let what = match &f.kind {
            FaultKind::TerminateInstances { group, count } => self.terminate_instances_fault(group, count)?,
            FaultKind::AzOutage { az } => self.az_outage_fault(az)?,
            FaultKind::AgentDisconnect { group, count } => {
                let g = GroupIdx(*group as u16);
                let live = self
                    .ecs
                    .live_instances_of(|i| i.group == g && i.agent_connected && i.status == InstanceStatus::Active);
                let n = count.of(live.len());
                for id in self.env.faults.pick(live, n) {
                    self.ecs.set_agent_connected(id, false);
                    self.log(
                        "AGENT_DISCONNECTED",
                        None,
                        Some(id),
                        "agentConnected=false; tasks keep running".into(),
                    )?;
                }
                format!("{n} agent(s) of group {} disconnected", sc.instance_groups[*group].name)
            }
            FaultKind::DrainInstances { group } => {
                let g = GroupIdx(*group as u16);
                let live = self
                    .ecs
                    .live_instances_of(|i| i.group == g && i.status == InstanceStatus::Active);
                let n = live.len();
                for id in live {
                    self.ecs.drain(&mut self.env, id, false)?;
                }
                format!(
                    "{n} instance(s) of group {} set to DRAINING",
                    sc.instance_groups[*group].name
                )
            }
            FaultKind::StopTasks { service, count } => {
                let s = ServiceId(*service as u16);
                let running: Vec<TaskId> = self
                    .ecs
                    .service_tasks(s)
                    .filter(|t| t.state == TaskState::Running)
                    .map(|t| t.id)
                    .collect();
                let n = count.of(running.len());
                for t in self.env.faults.pick(running, n) {
                    self.ecs.stop_task(&mut self.env, t, StopReason::StoppedByFault)?;
                }
                format!("{n} task(s) of service {} stopped", sc.services[*service].name)
            }
            FaultKind::CapacityUnavailable { az, fargate } => {
                self.env.faults.capacity_unavailable(*az, *fargate, true);
                format!(
                    "{} capacity unavailable in {}",
                    if *fargate { "Fargate" } else { "EC2" },
                    sc.availability_zones[*az]
                )
            }
            FaultKind::SlowImagePull { factor } => {
                self.env.faults.slow_pulls(*factor, true);
                format!("image pulls {factor}x slower")
            }
            FaultKind::Unhealthy { service } => {
                self.env.faults.set_unhealthy(*service, true);
                self.ecs
                    .replan_health_checks(&mut self.env, ServiceId(*service as u16), None);
                format!(
                    "service {}: the application fails its health checks",
                    sc.services[*service].name
                )
            }
        };
        self.log("FAULT_STARTED", None, None, what)?;
        Ok(())
    }

    /// Terminates `count` instances of group `group` (their tasks are lost).
    fn terminate_instances_fault(&mut self, group: &usize, count: &Selection) -> Result<String, SimError> {
        let sc = self.sc;
        let g = GroupIdx(*group as u16);
        let live = self.ecs.live_instances_of(|i| i.group == g);
        let chosen = match count {
            Selection::Ids(ids) => live.into_iter().filter(|i| ids.contains(&i.0)).collect(),
            _ => {
                let n = count.of(live.len());
                self.env.faults.pick(live, n)
            }
        };
        let n = chosen.len();
        for id in chosen {
            self.ecs.lose_instance(
                &mut self.env,
                id,
                "EC2 instance terminated (fault)",
                StopReason::InstanceFailed,
            )?;
        }
        Ok(format!(
            "{n} instance(s) of group {} terminated",
            sc.instance_groups[*group].name
        ))
    }

    /// An AZ goes out: its instances and its Fargate tasks are lost.
    fn az_outage_fault(&mut self, az: &usize) -> Result<String, SimError> {
        let sc = self.sc;
        self.env.faults.zone_out(*az, true);
        let a = AzIdx(*az as u16);
        let lost = self.ecs.live_instances_of(|i| i.az == a);
        let n = lost.len();
        for id in lost {
            self.ecs
                .lose_instance(&mut self.env, id, "availability zone outage", StopReason::AzOutage)?;
        }
        // Fargate tasks in the zone are lost too.
        let fargate: Vec<TaskId> = self
            .ecs
            .tasks
            .iter()
            .filter(|t| t.state != TaskState::Stopped && t.fargate.is_some_and(|s| s.az == a))
            .map(|t| t.id)
            .collect();
        for t in &fargate {
            self.ecs.stop_task(&mut self.env, *t, StopReason::AzOutage)?;
        }
        Ok(format!(
            "availability zone {} is out: {n} instance(s) and {} Fargate task(s) lost",
            sc.availability_zones[*az],
            fargate.len()
        ))
    }

    pub(super) fn on_fault_end(&mut self, k: usize) -> Result<(), SimError> {
        let f = self.sc.faults[k].clone();
        self.env.faults.fault_ended();
        let what = match &f.kind {
            FaultKind::AzOutage { az } => {
                self.env.faults.zone_out(*az, false);
                format!("availability zone {} is back", self.sc.availability_zones[*az])
            }
            FaultKind::AgentDisconnect { group, .. } => {
                let g = GroupIdx(*group as u16);
                for id in self.ecs.live_instances_of(|i| i.group == g && !i.agent_connected) {
                    self.ecs.set_agent_connected(id, true);
                }
                "agents reconnected".to_string()
            }
            FaultKind::DrainInstances { group } => {
                let g = GroupIdx(*group as u16);
                for id in self
                    .ecs
                    .live_instances_of(|i| i.group == g && i.status == InstanceStatus::Draining)
                {
                    self.ecs.reactivate(id);
                }
                "instances reactivated".to_string()
            }
            FaultKind::CapacityUnavailable { az, fargate } => {
                self.env.faults.capacity_unavailable(*az, *fargate, false);
                "capacity available again".to_string()
            }
            FaultKind::SlowImagePull { factor } => {
                self.env.faults.slow_pulls(*factor, false);
                "image pulls back to normal".to_string()
            }
            FaultKind::Unhealthy { service } => {
                self.env.faults.set_unhealthy(*service, false);
                self.ecs
                    .replan_health_checks(&mut self.env, ServiceId(*service as u16), None);
                format!(
                    "service {}: the application passes its health checks again",
                    self.sc.services[*service].name
                )
            }
            FaultKind::TerminateInstances { .. } | FaultKind::StopTasks { .. } => "fault over".to_string(),
        };
        self.log("FAULT_ENDED", None, None, what)?;
        let now = self.now();
        for s in 0..self.ecs.services.len() {
            self.ecs.schedule_reconcile(&mut self.env, ServiceId(s as u16), now);
        }
        self.ecs.drain_wait_queue(&mut self.env)
    }

    /// The end of a Spot warning: the instance is reclaimed.
    pub(super) fn on_spot_reclaim(&mut self, id: InstanceId) -> Result<(), SimError> {
        if self.ecs.cluster.instances[id.index()].status == InstanceStatus::Inactive {
            return Ok(());
        }
        self.ecs.lose_instance(
            &mut self.env,
            id,
            "Spot instance reclaimed",
            StopReason::SpotInterruption,
        )
    }

    /// Once a minute: stochastic failures, OOM kills, the ASG replacing lost instances, AZ
    /// rebalancing, and the incident window.
    pub(super) fn faults_tick(&mut self) -> Result<(), SimError> {
        self.instance_failures()?;
        self.spot_interruptions()?;
        self.fargate_spot_interruptions()?;
        self.task_crashes()?;
        self.oom_kills()?;
        self.asg_replace_lost()?;
        self.ecs.rebalance_azs(&mut self.env)?;
        if self.env.observer.incident().active && self.env.faults.none_active() {
            let recovered = self.ecs.services.iter().all(|s| s.daemon || s.running >= s.desired);
            if recovered {
                self.env.observer.incident_ends();
            }
        }
        Ok(())
    }

    /// Instances fail at random: Poisson(n / MTBF) per instance type in the minute.
    fn instance_failures(&mut self) -> Result<(), SimError> {
        let f = &self.sc.failures;
        // Instance failures: Poisson(n / MTBF) per instance type in the minute.
        for (ty, mtbf) in &f.instance_mtbf_ms {
            let live = self.ecs.live_instances_of(|i| {
                i.status == InstanceStatus::Active && self.sc.instance_types[i.instance_type as usize].name == *ty
            });
            let n = self
                .env
                .faults
                .poisson(live.len() as f64 * MINUTE_MS as f64 / *mtbf as f64);
            if n > 0 {
                self.begin_incident();
                for id in self.env.faults.pick(live, n) {
                    self.ecs.lose_instance(
                        &mut self.env,
                        id,
                        "EC2 instance failed (mean time between failures)",
                        StopReason::InstanceFailed,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// EC2 Spot interruptions, per Spot group, in bursts with a 2-minute warning.
    fn spot_interruptions(&mut self) -> Result<(), SimError> {
        let f = &self.sc.failures;
        let now = self.now();
        let hours = MINUTE_HOURS;
        // Spot interruptions, per Spot group, in bursts with a 2-minute warning.
        if f.spot_interruptions_per_instance_hour > 0.0 {
            for g in 0..self.sc.instance_groups.len() {
                if !self.sc.instance_groups[g].spot {
                    continue;
                }
                let gi = GroupIdx(g as u16);
                let pool: Vec<InstanceId> = self
                    .ecs
                    .live_instances_of(|i| i.group == gi && i.status != InstanceStatus::Launching)
                    .into_iter()
                    .filter(|i| !self.env.ec2.interruption_noticed(*i))
                    .collect();
                let events = self
                    .env
                    .faults
                    .poisson(pool.len() as f64 * f.spot_interruptions_per_instance_hour * hours);
                let mut pool = pool;
                for _ in 0..events {
                    // Burst size: geometric with the configured mean, at least 1.
                    let size = self.env.faults.burst_size(f.spot_burst_mean, pool.len());
                    let burst = self.env.faults.pick(pool.clone(), size);
                    pool.retain(|i| !burst.contains(i));
                    self.begin_incident();
                    for id in &burst {
                        self.env.ec2.notice_interruption(*id);
                        self.log(
                            "SPOT_INTERRUPTION_WARNING",
                            None,
                            Some(*id),
                            "2-minute Spot interruption notice".into(),
                        )?;
                        if f.spot_instance_draining {
                            // The service tasks drained away are losses too (replaced early).
                            for t in self.ecs.cluster.instances[id.index()].tasks.ids(&self.ecs.tasks) {
                                if matches!(self.ecs.tasks[t].owner, TaskOwner::Service(s) if !self.ecs.services[s.0 as usize].daemon)
                                {
                                    self.ecs.record_loss(&mut self.env, t, StopReason::SpotInterruption);
                                }
                            }
                            self.ecs.drain(&mut self.env, *id, true)?;
                        }
                        self.env
                            .queue
                            .schedule(now + SPOT_WARNING_MS, LANE_STOP, Event::SpotReclaim(*id));
                    }
                }
            }
        }
        Ok(())
    }

    /// Fargate Spot interruptions: SIGTERM now, stopped after stopTimeout.
    fn fargate_spot_interruptions(&mut self) -> Result<(), SimError> {
        let f = &self.sc.failures;
        let hours = MINUTE_HOURS;
        // Fargate Spot interruptions: SIGTERM now, stopped after stopTimeout.
        if f.fargate_spot_interruptions_per_task_hour > 0.0 {
            let spot: Vec<TaskId> = self
                .ecs
                .tasks
                .iter()
                .filter(|t| t.state == TaskState::Running && t.fargate.is_some_and(|s| s.spot) && !t.crashing)
                .map(|t| t.id)
                .collect();
            let n = self
                .env
                .faults
                .poisson(spot.len() as f64 * f.fargate_spot_interruptions_per_task_hour * hours);
            for t in self.env.faults.pick(spot, n) {
                self.begin_incident();
                self.ecs.interrupt_fargate_spot_task(&mut self.env, t)?;
            }
        }
        Ok(())
    }

    /// Task crashes after RUNNING (replaced at once, no throttle).
    fn task_crashes(&mut self) -> Result<(), SimError> {
        let f = &self.sc.failures;
        let hours = MINUTE_HOURS;
        // Task crashes after RUNNING (replaced at once, no throttle).
        if f.task_crashes_per_task_hour > 0.0 {
            let running: Vec<TaskId> = self
                .ecs
                .tasks
                .iter()
                .filter(|t| t.state == TaskState::Running && !t.crashing)
                .map(|t| t.id)
                .collect();
            let n = self
                .env
                .faults
                .poisson(running.len() as f64 * f.task_crashes_per_task_hour * hours);
            for t in self.env.faults.pick(running, n) {
                self.begin_incident();
                self.ecs.stop_task(&mut self.env, t, StopReason::Crashed)?;
            }
        }
        Ok(())
    }

    /// OOM kills: memory use from the load model above the task's hard limit.
    fn oom_kills(&mut self) -> Result<(), SimError> {
        let f = &self.sc.failures;
        // OOM: memory use from the load model above the task's hard limit.
        if f.oom_kills {
            for s in 0..self.ecs.services.len() {
                let Some(l) = self.env.workload.last_minute(s) else {
                    continue;
                };
                let Some(mem_pct) = l.memory_pct else { continue };
                let victims: Vec<TaskId> = self
                    .ecs
                    .service_tasks(ServiceId(s as u16))
                    .filter(|t| t.state == TaskState::Running)
                    .filter(|t| {
                        let td = &self.sc.task_definitions[t.definition as usize];
                        let used = mem_pct / 100.0 * f64::from(self.ecs.demands[t.demand as usize].memory_mib);
                        td.hard_memory_limit_mib.is_some_and(|h| used > f64::from(h))
                    })
                    .map(|t| t.id)
                    .collect();
                for t in victims {
                    self.begin_incident();
                    self.ecs.stop_task(&mut self.env, t, StopReason::OutOfMemory)?;
                }
            }
        }
        Ok(())
    }
}
