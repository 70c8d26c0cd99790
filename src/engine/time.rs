//! Simulated time: an integer count of milliseconds since the start of the run.
//!
//! Integer time makes event order exact and identical on every machine; floating-point
//! seconds would make two runs disagree on which of two nearby events happened first.

use std::fmt;
use std::ops::{Add, Sub};

/// `x.round() as u64` (half away from zero, then the saturating cast), for every `f64`,
/// without the call to `round` that generic x86-64 code makes (it has no rounding
/// instruction before SSE4.1): sampled durations are rounded to whole milliseconds at every
/// task. The truncating cast is one instruction, and `x - t` is exact for `0 <= t <= x`.
#[inline]
pub fn round_to_u64(x: f64) -> u64 {
    let t = x as u64;
    if x - t as f64 >= 0.5 {
        t.saturating_add(1) // beyond u64::MAX the cast saturates, and so must this
    } else {
        t
    }
}

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
    /// `round_to_u64` is `round() as u64` on every input: the edges of rounding, of the
    /// cast's range and of precision, and a million random bit patterns.
    #[test]
    fn round_to_u64_is_round_then_cast() {
        use rand::{Rng, SeedableRng};
        let edges = [
            0.0,
            -0.0,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            -0.5,
            -0.7,
            -3.2,
            4503599627370495.5,
            4503599627370497.0,
            9007199254740993.0,
            1.8446744073709552e19,
            1e30,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        for x in edges {
            assert_eq!(super::round_to_u64(x), x.round() as u64, "{x:e}");
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..1_000_000 {
            let bits: u64 = rng.random();
            let x = f64::from_bits(bits);
            assert_eq!(super::round_to_u64(x), x.round() as u64, "{x:e}");
            let y: f64 = rng.random_range(0.0..1e7);
            assert_eq!(super::round_to_u64(y), y.round() as u64, "{y:e}");
        }
    }

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
