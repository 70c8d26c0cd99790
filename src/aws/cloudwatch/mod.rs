//! Amazon CloudWatch: metric series (one datapoint per period, visible after a publication
//! delay) and alarms over them (N of M datapoints, missing data), fed by the other components.

pub mod alarm;

pub use alarm::{Alarm, Comparison, MetricSeries};
