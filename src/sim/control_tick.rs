//! The minute's control tick as the world routes it: the load of the minute just ended becomes
//! CloudWatch datapoints, Application Auto Scaling evaluates each scalable target on what
//! CloudWatch shows and ECS takes the new desired count; scheduled actions change min and max
//! capacity at their times.

use super::*;
use crate::aws::application_autoscaling::target_tracking::HIGH_RESOLUTION_PERIOD_MS;
use crate::aws::application_autoscaling::TargetView;
use crate::aws::ecs::Entry;

impl Simulation<'_> {
    /// A scheduled action sets min and/or max and clamps the desired count; cooldowns do not
    /// apply.
    pub(super) fn on_scheduled_action(&mut self, s: ServiceId, k: u16) -> Result<(), SimError> {
        let now = self.now();
        let old = self.ecs.services[s.0 as usize].desired;
        let Some(outcome) = self.autoscaling.run_scheduled_action(s, k as usize, old) else {
            return Ok(());
        };
        let new = outcome.new_desired;
        self.ecs.set_desired_count(s, new);
        let schedule = &self.autoscaling.scheduled_actions(s)[k as usize].schedule;
        if let Some(t) = schedule.next_after(Some(now.as_ms()), self.sc.start_epoch_ms) {
            self.env.queue.schedule(
                SimTime(t),
                LANE_SCALING,
                Event::ScheduledAction { service: s, action: k },
            );
        }
        if new != old {
            self.env.observer.scaling_action(s);
        }
        let name = self.ecs.services[s.0 as usize].name.clone();
        let (mn, mx) = (outcome.min_capacity, outcome.max_capacity);
        self.record(
            Entry::new("SCHEDULED_ACTION").service(s),
            format!(
                "service {name}: scheduled action {} sets min {mn}, max {mx}; desired {old} -> {new}",
                outcome.name
            ),
        )?;
        self.ecs.schedule_reconcile(&mut self.env, s, now);
        Ok(())
    }

    /// The services whose scalable target is evaluated every 20 s.
    pub(super) fn high_resolution_services(&self) -> Vec<ServiceId> {
        (0..self.ecs.services.len())
            .map(|s| ServiceId(s as u16))
            .filter(|s| self.autoscaling.evaluation_period_ms(*s) == Some(HIGH_RESOLUTION_PERIOD_MS))
            .collect()
    }

    /// Every 20 s: the window's high-resolution CPU and memory datapoints of the services on
    /// 20-second metrics, then their scalable targets' evaluation.
    pub(super) fn on_high_resolution_tick(&mut self) -> Result<(), SimError> {
        let now = self.now();
        let start = now.as_ms() - HIGH_RESOLUTION_PERIOD_MS;
        for service in self.high_resolution_services() {
            let running = self.ecs.services[service.0 as usize].running;
            if let Some(w) = self.service_window(service.0 as usize, start, HIGH_RESOLUTION_PERIOD_MS, running) {
                let cw = &mut self.env.cloudwatch;
                let key = |m| MetricKey::ServiceHighResolution(service, m);
                cw.put_metric_data(key(MetricName::CpuUtilization), w.cpu_pct);
                cw.put_metric_data(key(MetricName::MemoryUtilization), w.memory_pct);
            }
            self.evaluate_scaling(service)?;
        }
        Ok(())
    }

    /// Service auto scaling on what CloudWatch shows now: Application Auto Scaling evaluates
    /// the service's scalable target and ECS takes the new desired count.
    fn evaluate_scaling(&mut self, service: ServiceId) -> Result<(), SimError> {
        let now = self.now();
        let s = service.0 as usize;
        let st = &self.ecs.services[s];
        if !self.autoscaling.has_target(service) {
            if !st.unplaced.is_empty() {
                self.ecs.schedule_reconcile(&mut self.env, service, now);
            }
            return Ok(());
        }
        let view = TargetView {
            now,
            running: st.running,
            desired: st.desired,
            deployment_in_progress: st.rollout.current.is_some(),
        };
        // `--service`: evaluations with an alarm in ALARM or a change; `--service --at`: the
        // last evaluation at or before that time, whatever it said.
        let (explaining, latest_only) = match &self.env.opts.explain {
            crate::explain::ExplainRequest::Service(n) if *n == st.name => (true, false),
            crate::explain::ExplainRequest::ServiceAt(n, at) if *n == st.name && now.as_ms() <= *at => (true, true),
            _ => (false, false),
        };
        // report.html explains each evaluation that changes the desired count.
        let for_report = self.env.logging();
        let (decision, evaluation) =
            self.autoscaling
                .evaluate(service, &self.env.cloudwatch, &view, explaining || for_report);
        if let Some(e) = evaluation.as_ref().filter(|e| for_report && e.new_desired.is_some()) {
            self.env.report.kept.keep_service_decision(&st.name, e);
        }
        if let Some(e) = evaluation.filter(|_| explaining) {
            let scaling = &mut self.env.report.explanations.scaling;
            if latest_only {
                scaling.clear();
                scaling.push(e);
            } else if e.in_alarm || e.new_desired.is_some() {
                scaling.push(e);
            }
        }
        if let Some(d) = decision {
            self.ecs.set_desired_count(service, d.new_desired);
            self.env.observer.scaling_action(service);
            let name = self.ecs.services[s].name.clone();
            let code = if d.new_desired > view.desired {
                "ScaleOut"
            } else {
                "ScaleIn"
            };
            self.record(
                Entry::new("SERVICE_SCALING").service(service).reason(code),
                format!("service {name}: {}", d.explanation),
            )?;
            self.ecs.schedule_reconcile(&mut self.env, service, now);
        } else if !self.ecs.services[s].unplaced.is_empty() {
            self.ecs.schedule_reconcile(&mut self.env, service, now);
        }
        Ok(())
    }

    pub(super) fn on_control_tick(&mut self) -> Result<(), SimError> {
        let now = self.now();
        let minute = now.as_ms() / MINUTE_MS - 1;
        for s in 0..self.ecs.services.len() {
            let service = ServiceId(s as u16);
            // 1. The minute's load and its datapoints.
            let running = self.ecs.services[s].running;
            if let Some(m) = self.service_minute(s, minute, running) {
                self.env.observer.minute_requests(service, &m);
                let cw = &mut self.env.cloudwatch;
                cw.put_metric_data(MetricKey::Service(service, MetricName::CpuUtilization), m.cpu_pct);
                cw.put_metric_data(MetricKey::Service(service, MetricName::MemoryUtilization), m.memory_pct);
                cw.put_metric_data(
                    MetricKey::Service(service, MetricName::RequestCountPerTarget),
                    Some(m.requests_per_target),
                );
            }
            // 2. Service auto scaling on the visible datapoints (every 20 s instead for a
            // target on 20-second metrics).
            if self.autoscaling.evaluation_period_ms(service) == Some(MINUTE_MS) {
                self.evaluate_scaling(service)?;
            } else if !self.ecs.services[s].unplaced.is_empty() {
                self.ecs.schedule_reconcile(&mut self.env, service, now);
            }
        }
        // 3. Cluster auto scaling, then failures and recovery.
        self.ecs.cas_tick(&mut self.env)?;
        self.faults_tick()
    }
}
