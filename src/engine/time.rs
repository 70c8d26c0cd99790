//! Simulated time: an integer count of milliseconds since the start of the run.
//!
//! Integer time makes event order exact and identical on every machine; floating-point
//! seconds would make two runs disagree on which of two nearby events happened first.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in simulated time, in milliseconds since the start of the run.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_ms(ms: u64) -> Self {
        SimTime(ms)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1000)
    }
    pub const fn as_ms(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for statistics only (never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
    pub fn saturating_add(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }
}

impl Add<u64> for SimTime {
    type Output = SimTime;
    fn add(self, ms: u64) -> SimTime {
        self.saturating_add(ms)
    }
}

impl Sub for SimTime {
    type Output = u64;
    fn sub(self, other: SimTime) -> u64 {
        self.0.saturating_sub(other.0)
    }
}

/// Renders as seconds with exactly three decimals (`12.345`), computed with integers so the
/// text is identical everywhere.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_exact_seconds() {
        assert_eq!(SimTime(0).to_string(), "0.000");
        assert_eq!(SimTime(12_345).to_string(), "12.345");
        assert_eq!(SimTime(7).to_string(), "0.007");
    }

    #[test]
    fn subtraction_saturates() {
        assert_eq!(SimTime(5) - SimTime(9), 0);
        assert_eq!(SimTime(9) - SimTime(5), 4);
    }
}
