//! Scalar value syntaxes: durations (`90s`, `5m`, `1h30m`, `7d`, `250ms`), CPU
//! (`1024`, `"0.5 vCPU"`), memory (`2048`, `"2 GB"`, `"512 MiB"`) and random distributions.

use super::decode::Decoder;
use super::fields;
use super::node::{Node, NodeKind};
use crate::engine::StreamRng;
use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

/// Parses a duration string into milliseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: f64 = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("expected a number at \"{rest}\""));
        }
        let num: f64 = rest[..num_len]
            .replace('_', "")
            .parse()
            .map_err(|_| format!("\"{}\" is not a number", &rest[..num_len]))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        let ms = match unit {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "" => return Err("a number without a unit".into()),
            other => return Err(format!("unknown unit \"{other}\"")),
        };
        total += num * ms;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > 1.0e15 {
        return Err("duration is too large".into());
    }
    Ok(total.round() as u64)
}

const DURATION_HINT: &str = "write a number with a unit: 250ms, 90s, 5m, 2h, 7d or 1h30m";

/// Reads a duration field.
pub fn duration(dec: &mut Decoder, node: &Node, path: &str) -> Option<u64> {
    match &node.kind {
        NodeKind::Str(s) => match parse_duration(s) {
            Ok(ms) => Some(ms),
            Err(e) => {
                dec.error_hint(
                    node.pos,
                    path,
                    format!("invalid duration \"{s}\": {e}"),
                    Some(DURATION_HINT.into()),
                );
                None
            }
        },
        NodeKind::Int(i) => {
            dec.error_hint(
                node.pos,
                path,
                format!("expected a duration string, found the bare number {i}"),
                Some(format!("write \"{i}s\" for seconds; {DURATION_HINT}")),
            );
            None
        }
        _ => {
            dec.error_hint(
                node.pos,
                path,
                format!("expected a duration string, found {}", node.type_name()),
                Some(DURATION_HINT.into()),
            );
            None
        }
    }
}

/// Reads CPU: an integer number of CPU units, or a string such as `"0.5 vCPU"` or `"512"`.
pub fn cpu_units(dec: &mut Decoder, node: &Node, path: &str) -> Option<u32> {
    let parsed = match &node.kind {
        NodeKind::Int(i) if *i >= 0 && *i <= 10_000_000 => Ok(*i as u32),
        NodeKind::Int(i) => Err(format!("expected a non-negative number of CPU units, found {i}")),
        NodeKind::Str(s) => {
            let t = s.trim().to_ascii_lowercase();
            if let Some(v) = t.strip_suffix("vcpu") {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| *v >= 0.0 && *v < 10_000.0)
                    .map(|v| (v * 1024.0).round() as u32)
                    .ok_or_else(|| format!("\"{s}\" is not a vCPU amount"))
            } else {
                t.parse::<u32>().map_err(|_| format!("\"{s}\" is not a CPU amount"))
            }
        }
        _ => Err(format!("expected CPU units, found {}", node.type_name())),
    };
    parsed
        .map_err(|m| {
            dec.error_hint(
                node.pos,
                path,
                m,
                Some("write CPU units (1024 = 1 vCPU) or a string like \"0.5 vCPU\"".into()),
            )
        })
        .ok()
}

/// Reads memory: an integer number of MiB, or a string such as `"2 GB"` (GiB, as ECS reads it).
pub fn memory_mib(dec: &mut Decoder, node: &Node, path: &str) -> Option<u32> {
    let parsed = match &node.kind {
        NodeKind::Int(i) if *i >= 0 && *i <= 100_000_000 => Ok(*i as u32),
        NodeKind::Int(i) => Err(format!("expected a non-negative number of MiB, found {i}")),
        NodeKind::Str(s) => {
            let t = s.trim().to_ascii_lowercase();
            let (num, mult) = if let Some(v) = t.strip_suffix("gib").or_else(|| t.strip_suffix("gb")) {
                (v, 1024.0)
            } else if let Some(v) = t.strip_suffix("mib").or_else(|| t.strip_suffix("mb")) {
                (v, 1.0)
            } else {
                (t.as_str(), 1.0)
            };
            num.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| *v >= 0.0 && *v < 1.0e8)
                .map(|v| (v * mult).round() as u32)
                .ok_or_else(|| format!("\"{s}\" is not a memory amount"))
        }
        _ => Err(format!("expected memory in MiB, found {}", node.type_name())),
    };
    parsed
        .map_err(|m| {
            dec.error_hint(
                node.pos,
                path,
                m,
                Some("write MiB (2048) or a string like \"2 GB\"".into()),
            )
        })
        .ok()
}

/// A random duration, sampled in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDist {
    Constant(u64),
    Exponential {
        mean_ms: f64,
        /// `Exp::new(1 / mean_ms)`, built once (sampling it draws the same numbers as
        /// building it at every sample did, without the two divisions and the checks).
        exp: Exp<f64>,
    },
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    /// Log-normal with the given median and shape `sigma`.
    LogNormal {
        median_ms: f64,
        sigma: f64,
    },
}

impl DurationDist {
    pub fn sample(&self, rng: &mut StreamRng) -> u64 {
        match self {
            DurationDist::Constant(ms) => *ms,
            DurationDist::Exponential { exp, .. } => crate::engine::round_to_u64(exp.sample(rng)),
            DurationDist::Uniform { min_ms, max_ms } => rng.random_range(*min_ms..=*max_ms),
            DurationDist::LogNormal { median_ms, sigma } => {
                let d = LogNormal::new(median_ms.ln(), *sigma).expect("validated sigma");
                d.sample(rng).round().min(1.0e15) as u64
            }
        }
    }

    pub fn mean_ms(&self) -> f64 {
        match self {
            DurationDist::Constant(ms) => *ms as f64,
            DurationDist::Exponential { mean_ms, .. } => *mean_ms,
            DurationDist::Uniform { min_ms, max_ms } => (*min_ms + *max_ms) as f64 / 2.0,
            DurationDist::LogNormal { median_ms, sigma } => median_ms * (sigma * sigma / 2.0).exp(),
        }
    }
}

/// Reads a distribution: a duration string (constant) or a table with `type`.
pub fn duration_dist(dec: &mut Decoder, node: &Node, path: &str) -> Option<DurationDist> {
    if let NodeKind::Str(_) = node.kind {
        return duration(dec, node, path).map(DurationDist::Constant);
    }
    let mut t = dec.table(node, path)?;
    let kind = t.req(dec, "type").and_then(|n| {
        dec.one_of(
            n,
            &format!("{path}.type"),
            "distribution",
            &["constant", "exponential", "uniform", "lognormal"],
        )
    });
    let out = match kind {
        Some("constant") => t
            .req(dec, "value")
            .and_then(|n| duration(dec, n, &format!("{path}.value")))
            .map(DurationDist::Constant),
        Some("exponential") => t.req(dec, "mean").and_then(|n| {
            let p = format!("{path}.mean");
            let m = duration(dec, n, &p)?;
            if m == 0 {
                dec.error(n.pos, &p, "the mean must be greater than zero");
                return None;
            }
            let mean_ms = m as f64;
            let exp = Exp::new(1.0 / mean_ms).expect("a positive mean gives a positive rate");
            Some(DurationDist::Exponential { mean_ms, exp })
        }),
        Some("uniform") => {
            let min = t.req(dec, "min").and_then(|n| duration(dec, n, &format!("{path}.min")));
            let maxn = t.req(dec, "max");
            let max = maxn.and_then(|n| duration(dec, n, &format!("{path}.max")));
            match (min, max) {
                (Some(a), Some(b)) if a <= b => Some(DurationDist::Uniform { min_ms: a, max_ms: b }),
                (Some(_), Some(_)) => {
                    dec.error(
                        maxn.unwrap().pos,
                        &format!("{path}.max"),
                        "max must not be less than min",
                    );
                    None
                }
                _ => None,
            }
        }
        Some("lognormal") => {
            let med = t.req(dec, "median").and_then(|n| {
                let p = format!("{path}.median");
                let m = duration(dec, n, &p)?;
                if m == 0 {
                    dec.error(n.pos, &p, "the median must be greater than zero");
                    return None;
                }
                Some(m)
            });
            let sigma = t
                .req(dec, "sigma")
                .and_then(|n| dec.number(n, &format!("{path}.sigma"), 0.0, 10.0));
            match (med, sigma) {
                (Some(m), Some(s)) => Some(DurationDist::LogNormal {
                    median_ms: m as f64,
                    sigma: s,
                }),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(kind) = kind {
        t.finish(dec, &fields::keys(fields::variant(fields::DISTRIBUTIONS, kind)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000));
        assert_eq!(parse_duration("7d"), Ok(604_800_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("1.5s"), Ok(1500));
        assert!(parse_duration("90").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("m5").is_err());
    }
}
