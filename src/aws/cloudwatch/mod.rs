//! Amazon CloudWatch: metric series (one datapoint per period, a minute or 20 s, visible after
//! a publication delay) and alarms over them (N of M datapoints, missing data). Other components put
//! datapoints in and read what is visible; nothing here knows about tasks or instances.

pub mod alarm;
pub mod metric_name;
pub mod series;

pub use alarm::{Alarm, Comparison};
pub use metric_name::MetricName;
pub use series::MetricSeries;

use crate::aws::ecs::model::ServiceId;
use std::collections::HashMap;

/// How many minutes after a CapacityProviderReservation datapoint closes managed scaling sees
/// it: none, the minute's own datapoint drives the decision at the minute's end (I).
pub const CPR_PUBLICATION_DELAY_MINUTES: usize = 0;

/// A metric: its name and the dimension it is published for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MetricKey {
    /// A service metric (`AWS/ECS` CPU and memory utilisation, `AWS/ApplicationELB` requests
    /// per target), dimension `ServiceName`.
    Service(ServiceId, MetricName),
    /// The same service metric at 20-second resolution (ECS's high-resolution CPU and memory
    /// utilisation): one datapoint per 20 s.
    ServiceHighResolution(ServiceId, MetricName),
    /// `AWS/ECS/ManagedScaling` CapacityProviderReservation, dimension the capacity provider
    /// (its index in the scenario).
    CapacityProviderReservation(u16),
}

/// The metric store.
#[derive(Debug, Default)]
pub struct CloudWatch {
    series: Vec<MetricSeries>,
    delays: Vec<usize>,
    /// Lookup only; nothing iterates it.
    index: HashMap<MetricKey, usize>,
    service_delay_minutes: usize,
}

impl CloudWatch {
    /// `service_delay_minutes`: how many minutes after a service datapoint closes it becomes
    /// visible (the scenario's `metric_delay`).
    pub fn new(service_delay_minutes: usize) -> Self {
        CloudWatch {
            service_delay_minutes,
            ..Default::default()
        }
    }

    fn delay_of(&self, key: MetricKey) -> usize {
        match key {
            // A high-resolution series is visible after as many of its (20-second) periods
            // as a one-minute series is after minutes (I: AWS publishes no delay).
            MetricKey::Service(..) | MetricKey::ServiceHighResolution(..) => self.service_delay_minutes,
            MetricKey::CapacityProviderReservation(_) => CPR_PUBLICATION_DELAY_MINUTES,
        }
    }

    /// Appends the next minute's datapoint (`None`: no data for that minute).
    pub fn put_metric_data(&mut self, key: MetricKey, value: Option<f64>) {
        let k = match self.index.get(&key) {
            Some(k) => *k,
            None => {
                self.series.push(MetricSeries::default());
                self.delays.push(self.delay_of(key));
                self.index.insert(key, self.series.len() - 1);
                self.series.len() - 1
            }
        };
        self.series[k].push(value);
    }

    /// The last `n` datapoints visible now, oldest first (empty for a metric never published).
    pub fn visible_datapoints(&self, key: MetricKey, n: usize) -> &[Option<f64>] {
        match self.index.get(&key) {
            Some(k) => self.series[*k].visible(n, self.delays[*k]),
            None => &[],
        }
    }

    /// The newest visible datapoint, if there is one and it is not missing.
    pub fn latest(&self, key: MetricKey) -> Option<f64> {
        self.visible_datapoints(key, 1).last().copied().flatten()
    }

    /// Whether `alarm` on `key` is in ALARM on the datapoints visible now.
    pub fn in_alarm(&self, key: MetricKey, alarm: &Alarm) -> bool {
        alarm.in_alarm(self.visible_datapoints(key, alarm.evaluation_periods as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPU: MetricKey = MetricKey::Service(ServiceId(0), MetricName::CpuUtilization);

    fn high(threshold: f64, m: u32, n: u32) -> Alarm {
        Alarm {
            threshold,
            comparison: Comparison::GreaterThan,
            evaluation_periods: m,
            datapoints_to_alarm: n,
        }
    }

    #[test]
    fn late_datapoints_are_not_seen_until_published() {
        // With a 2-minute publication delay, the two newest datapoints are not visible yet.
        let mut cw = CloudWatch::new(2);
        for v in [10.0, 90.0, 95.0, 99.0] {
            cw.put_metric_data(CPU, Some(v));
        }
        assert_eq!(cw.visible_datapoints(CPU, 3), &[Some(10.0), Some(90.0)]);
        assert_eq!(cw.latest(CPU), Some(90.0));
        // 3 of 3 above 50 holds on what was put, not yet on what is visible.
        assert!(!cw.in_alarm(CPU, &high(50.0, 3, 3)));
        cw.put_metric_data(CPU, Some(99.0));
        assert!(!cw.in_alarm(CPU, &high(50.0, 3, 3)));
        cw.put_metric_data(CPU, Some(99.0));
        assert!(cw.in_alarm(CPU, &high(50.0, 3, 3)));
    }

    #[test]
    fn missing_data_does_not_breach_and_all_missing_never_alarms() {
        // CloudWatch's default treatment of missing data (`missing`): a missing datapoint is
        // neither breaching nor not breaching; with only missing data the state is
        // INSUFFICIENT_DATA, not ALARM.
        let mut cw = CloudWatch::new(0);
        for v in [Some(80.0), None, Some(80.0)] {
            cw.put_metric_data(CPU, v);
        }
        assert!(cw.in_alarm(CPU, &high(50.0, 3, 2)), "2 of 3 breach, one missing");
        assert!(
            !cw.in_alarm(CPU, &high(50.0, 3, 3)),
            "a missing datapoint does not breach"
        );
        let none = MetricKey::Service(ServiceId(1), MetricName::CpuUtilization);
        for _ in 0..3 {
            cw.put_metric_data(none, None);
        }
        assert!(!cw.in_alarm(none, &high(50.0, 3, 1)));
        assert_eq!(cw.latest(none), None);
    }

    #[test]
    fn a_metric_never_published_has_no_datapoints() {
        let cw = CloudWatch::new(0);
        assert!(cw.visible_datapoints(CPU, 15).is_empty());
        assert!(!cw.in_alarm(CPU, &high(0.0, 1, 1)));
    }

    #[test]
    fn capacity_provider_reservation_is_seen_the_minute_it_closes() {
        let mut cw = CloudWatch::new(3);
        let cpr = MetricKey::CapacityProviderReservation(0);
        cw.put_metric_data(cpr, Some(150.0));
        assert_eq!(cw.latest(cpr), Some(150.0));
    }
}
