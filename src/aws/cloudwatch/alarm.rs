//! CloudWatch alarms over one-minute datapoints: ALARM when at least N of the last M
//! datapoints breach the threshold. Missing datapoints do not breach; fewer than M datapoints
//! in all is INSUFFICIENT_DATA, which never alarms (ecs-semantics §6.2).

/// How a datapoint is compared with the threshold.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

impl Comparison {
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThan => value > threshold,
            Comparison::GreaterThanOrEqual => value >= threshold,
            Comparison::LessThan => value < threshold,
            Comparison::LessThanOrEqual => value <= threshold,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::GreaterThan => ">",
            Comparison::GreaterThanOrEqual => ">=",
            Comparison::LessThan => "<",
            Comparison::LessThanOrEqual => "<=",
        }
    }
}

/// An N-of-M alarm.
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    pub threshold: f64,
    pub comparison: Comparison,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
}

impl Alarm {
    /// `recent` holds the most recent datapoints, oldest first (`None` = missing).
    pub fn in_alarm(&self, recent: &[Option<f64>]) -> bool {
        let m = self.evaluation_periods as usize;
        if recent.len() < m {
            return false;
        }
        let window = &recent[recent.len() - m..];
        if window.iter().all(Option::is_none) {
            return false;
        }
        let breaching = window
            .iter()
            .filter(|v| v.is_some_and(|x| self.comparison.breaches(x, self.threshold)))
            .count();
        breaching >= self.datapoints_to_alarm as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_of_m_with_missing_and_insufficient_data() {
        let a = Alarm {
            threshold: 50.0,
            comparison: Comparison::GreaterThan,
            evaluation_periods: 3,
            datapoints_to_alarm: 2,
        };
        assert!(!a.in_alarm(&[Some(60.0), Some(70.0)]), "fewer than M datapoints");
        assert!(a.in_alarm(&[Some(60.0), Some(10.0), Some(70.0)]));
        assert!(!a.in_alarm(&[Some(60.0), None, Some(10.0)]));
        assert!(
            !a.in_alarm(&[Some(50.0), Some(50.0), Some(50.0)]),
            "equal is not greater"
        );
    }
}
