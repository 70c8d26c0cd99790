//! One metric's datapoints, one per period from the start of the run, and which of them are
//! visible at a given moment (CloudWatch publishes a datapoint some periods after it closes).

/// One metric's datapoints, one per minute from minute 0.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricSeries {
    pub points: Vec<Option<f64>>,
}

impl MetricSeries {
    pub fn push(&mut self, v: Option<f64>) {
        self.points.push(v);
    }

    /// The last `n` datapoints visible `delay` minutes after the newest one, oldest first.
    pub fn visible(&self, n: usize, delay_minutes: usize) -> &[Option<f64>] {
        let end = self.points.len().saturating_sub(delay_minutes);
        &self.points[end.saturating_sub(n)..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_datapoints_respect_the_delay() {
        let mut s = MetricSeries::default();
        for v in [1.0, 2.0, 3.0, 4.0] {
            s.push(Some(v));
        }
        assert_eq!(s.visible(2, 0), &[Some(3.0), Some(4.0)]);
        assert_eq!(s.visible(2, 1), &[Some(2.0), Some(3.0)]);
        assert_eq!(s.visible(9, 3), &[Some(1.0)]);
    }
}
