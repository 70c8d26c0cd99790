//! Service load and Application Auto Scaling in the run: each minute, the load of the minute
//! just ended becomes CloudWatch datapoints (CPU, memory, requests per target), the policies
//! are evaluated on the datapoints visible after the metric delay, and the new desired count
//! goes to the scheduler. Scheduled actions change min and max capacity at their times.

use super::*;
use crate::aws::application_autoscaling::Inputs;
use crate::aws::application_autoscaling::MetricName;

impl Simulation<'_> {
    pub(super) fn schedule_scheduled_actions(&mut self) {
        for (s, st) in self.services.iter().enumerate() {
            let Some((cfg, _)) = &st.scaling else { continue };
            for (k, a) in cfg.scheduled.iter().enumerate() {
                if let Some(t) = a.schedule.next_after(None, self.sc.start_epoch_ms) {
                    self.queue.schedule(
                        SimTime(t),
                        LANE_SCALING,
                        Event::ScheduledAction {
                            service: ServiceId(s as u16),
                            action: k as u16,
                        },
                    );
                }
            }
        }
    }

    /// A scheduled action sets min and/or max and clamps the desired count; cooldowns do not
    /// apply.
    pub(super) fn on_scheduled_action(&mut self, s: ServiceId, k: u16) -> Result<(), SimError> {
        let now = self.now();
        let st = &mut self.services[s.0 as usize];
        let Some((cfg, state)) = &mut st.scaling else {
            return Ok(());
        };
        let action = cfg.scheduled[k as usize].clone();
        let old = st.desired;
        let new = state.apply_scheduled(&action, old);
        st.desired = new;
        let (mn, mx) = (state.min_capacity, state.max_capacity);
        if let Some(t) = action.schedule.next_after(Some(now.as_ms()), self.sc.start_epoch_ms) {
            self.queue.schedule(
                SimTime(t),
                LANE_SCALING,
                Event::ScheduledAction { service: s, action: k },
            );
        }
        if new != old {
            self.services[s.0 as usize].scaling_actions += 1;
        }
        let name = self.services[s.0 as usize].name.clone();
        self.log(
            "SCHEDULED_ACTION",
            None,
            None,
            format!(
                "service {name}: scheduled action {} sets min {mn}, max {mx}; desired {old} -> {new}",
                action.name
            ),
        )?;
        self.schedule_reconcile(s, now);
        Ok(())
    }

    pub(super) fn on_control_tick(&mut self) -> Result<(), SimError> {
        let now = self.now();
        let minute = now.as_ms() / MINUTE_MS - 1;
        let delay = self.sc.elastic.metric_delay_minutes as usize;
        for s in 0..self.services.len() {
            // 1. The minute's load and its datapoints.
            let st = &mut self.services[s];
            if let Some(load) = &st.load {
                let m = load.minute(minute, st.running);
                st.requests += m.requests;
                st.served += m.served;
                st.over_capacity += m.over_capacity;
                if self.incident {
                    self.incident_over_capacity += m.over_capacity;
                }
                st.series[0].push(m.cpu_pct);
                st.series[1].push(m.memory_pct);
                st.series[2].push(Some(m.requests_per_target));
                st.last_load = Some(m);
            }
            // 2. Service auto scaling on the visible datapoints.
            let st = &self.services[s];
            let Some((cfg, _)) = &st.scaling else {
                if !st.unplaced.is_empty() {
                    self.schedule_reconcile(ServiceId(s as u16), now);
                }
                continue;
            };
            let series_of = |m: MetricName| match m {
                MetricName::CpuUtilization => &st.series[0],
                MetricName::MemoryUtilization => &st.series[1],
                MetricName::RequestCountPerTarget => &st.series[2],
            };
            let mut datapoints: Vec<Vec<Option<f64>>> = Vec::new();
            for p in &cfg.target_tracking {
                datapoints.push(series_of(p.metric).visible(15, delay).to_vec());
            }
            for p in &cfg.step {
                datapoints.push(
                    series_of(p.metric)
                        .visible(p.alarm.evaluation_periods as usize, delay)
                        .to_vec(),
                );
            }
            let (running, desired) = (st.running, st.desired);
            let deploying = st.deployment.is_some();
            let explaining = matches!(&self.opts.explain, crate::explain::ExplainRequest::Service(n) if *n == st.name);
            let st = &mut self.services[s];
            let (cfg, state) = st.scaling.as_mut().expect("checked above");
            let inputs = Inputs {
                now_ms: now.as_ms(),
                running,
                desired,
                datapoints: &datapoints,
                deployment_in_progress: deploying,
            };
            let before = explaining.then(|| state.clone());
            let decision = state.evaluate(cfg, &inputs);
            if let Some(before) = before {
                let e = scaling_evaluation(cfg, &before, &inputs, decision.as_ref(), now);
                if let Some(e) = e {
                    self.explanations.scaling.push(e);
                }
            }
            let st = &mut self.services[s];
            if let Some(d) = decision {
                st.desired = d.new_desired;
                st.scaling_actions += 1;
                st.steady = false;
                let name = st.name.clone();
                self.log(
                    "SERVICE_SCALING",
                    None,
                    None,
                    format!("service {name}: {}", d.explanation),
                )?;
                self.schedule_reconcile(ServiceId(s as u16), now);
            } else if !self.services[s].unplaced.is_empty() {
                self.schedule_reconcile(ServiceId(s as u16), now);
            }
        }
        // 3. Cluster auto scaling, then failures and recovery.
        self.cas_tick()?;
        self.faults_tick()
    }
}

/// One evaluation as a learner sees it; `None` when nothing was in alarm and nothing changed.
fn scaling_evaluation(
    cfg: &crate::aws::application_autoscaling::ScalingConfig,
    before: &crate::aws::application_autoscaling::ScalingState,
    inp: &Inputs<'_>,
    decision: Option<&crate::aws::application_autoscaling::Decision>,
    now: SimTime,
) -> Option<crate::explain::ScalingEvaluation> {
    let tt_n = cfg.target_tracking.len();
    let mut policies = Vec::new();
    let mut any_alarm = false;
    let mut low_votes = 0;
    let mut voters = 0;
    let mut blocked_in: Option<u64> = None;
    for (k, p) in cfg.target_tracking.iter().enumerate() {
        let dps = &inp.datapoints[k];
        let high = p.high_alarm().in_alarm(dps);
        let low = p.low_alarm().in_alarm(dps);
        any_alarm |= high || low;
        if !p.disable_scale_in {
            voters += 1;
            low_votes += usize::from(low);
        }
        if let Some(at) = before.last_scale_in[k] {
            if inp.now_ms < at + p.scale_in_cooldown_ms {
                blocked_in =
                    Some(blocked_in.map_or(at + p.scale_in_cooldown_ms, |b| b.max(at + p.scale_in_cooldown_ms)));
            }
        }
        let alarms = format!(
            "high alarm (3 of 3 > {}) {}, low alarm (15 of 15 < {:.2}) {}",
            p.target,
            if high { "ALARM" } else { "OK" },
            p.target * 0.9,
            if low { "ALARM" } else { "OK" }
        );
        policies.push(crate::explain::PolicyState {
            policy: format!("target tracking {}", p.metric.as_str()),
            datapoints: dps.iter().rev().take(15).rev().copied().collect(),
            alarms,
        });
    }
    for (j, p) in cfg.step.iter().enumerate() {
        let dps = &inp.datapoints[tt_n + j];
        let alarm = p.alarm.in_alarm(dps);
        any_alarm |= alarm;
        policies.push(crate::explain::PolicyState {
            policy: format!("step policy {} on {}", p.name, p.metric.as_str()),
            datapoints: dps.clone(),
            alarms: format!(
                "alarm ({} of {} {} {}) {}",
                p.alarm.datapoints_to_alarm,
                p.alarm.evaluation_periods,
                p.alarm.comparison.symbol(),
                p.alarm.threshold,
                if alarm { "ALARM" } else { "OK" }
            ),
        });
    }
    if !any_alarm && decision.is_none() {
        return None;
    }
    let text = match decision {
        Some(d) => d.explanation.clone(),
        None if inp.deployment_in_progress && low_votes > 0 => "no action: scale-in is suspended during a deployment".into(),
        None if low_votes > 0 && low_votes < voters => format!(
            "no action: scale-in needs all {voters} target-tracking policies with scale-in enabled to agree ({low_votes} do)"
        ),
        None if low_votes > 0 && blocked_in.is_some() => format!(
            "no action: held back by the scale-in cooldown until t = {} s",
            SimTime(blocked_in.unwrap_or(0))
        ),
        None if low_votes > 0 => {
            let proposals: Vec<u32> = cfg
                .target_tracking
                .iter()
                .enumerate()
                .filter_map(|(k, p)| {
                    let latest = inp.datapoints[k].last().copied().flatten()?;
                    Some((f64::from(inp.running) * latest / p.target).ceil() as u32)
                })
                .collect();
            let largest = proposals.iter().copied().max().unwrap_or(inp.desired);
            if largest >= inp.desired {
                format!(
                    "no action: the scale-in capacity ceil(running x metric / target) = {largest} is not below the desired count {}",
                    inp.desired
                )
            } else {
                format!("no action: already at min capacity ({})", before.min_capacity)
            }
        }
        None => format!(
            "no action: the computed capacity does not exceed the desired count {} (capacity already added counts, or max capacity {} reached)",
            inp.desired, before.max_capacity
        ),
    };
    Some(crate::explain::ScalingEvaluation {
        time_s: now.to_string(),
        running: inp.running,
        desired: inp.desired,
        policies,
        decision: text,
    })
}
