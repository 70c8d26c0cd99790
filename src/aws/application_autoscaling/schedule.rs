//! Schedule expressions shared by scheduled scaling and scheduled tasks (ecs-semantics §6.4):
//! `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` and six-field
//! `cron(minutes hours day-of-month month day-of-week year)` in a time zone (UTC by default;
//! IANA names, with daylight saving handled by `jiff` and its bundled time-zone database).
//!
//! Supported cron syntax: `*`, `?`, lists `a,b`, ranges `a-b`, steps `a/n` and `*/n`,
//! month names JAN-DEC and day names SUN-SAT (1 = Sunday, as AWS counts). `L`, `W` and `#`
//! are rejected with an error.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// A parsed schedule expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// One firing at this wall-clock time (epoch ms).
    At {
        epoch_ms: i64,
    },
    /// Every `every_ms`, first one interval after the start of the run.
    Rate {
        every_ms: u64,
    },
    Cron(Box<Cron>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    /// `None` when the field is `?` (day-of-week decides).
    days_of_month: Option<Vec<bool>>,
    months: Vec<bool>,
    /// 1 = Sunday .. 7 = Saturday; `None` when `?`.
    days_of_week: Option<Vec<bool>>,
    /// Indexed by the year itself; `None` for `*`.
    years: Option<Vec<bool>>,
    tz: TimeZone,
}

fn parse_field(text: &str, lo: u32, hi: u32, names: &[&str], what: &str) -> Result<Vec<bool>, String> {
    let mut set = vec![false; (hi + 1) as usize];
    let value = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(lo + i as u32);
        }
        s.parse::<u32>()
            .ok()
            .filter(|v| *v >= lo && *v <= hi)
            .ok_or_else(|| format!("{what} value \"{s}\" is outside {lo}-{hi}"))
    };
    for part in text.split(',') {
        if part.contains(['L', 'W', '#']) && !names.iter().any(|n| n.eq_ignore_ascii_case(part)) {
            return Err(format!("{what} \"{part}\": L, W and # are not supported"));
        }
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step \"{s}\" in {what}"))?,
            ),
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { hi } else { v })
        };
        if a > b {
            return Err(format!("{what} range {a}-{b} is backwards"));
        }
        let mut v = a;
        while v <= b {
            set[v as usize] = true;
            v += step;
        }
    }
    Ok(set)
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Schedule {
    /// Parses an expression; `tz` is an IANA name or `None` for UTC.
    pub fn parse(expr: &str, tz: Option<&str>) -> Result<Schedule, String> {
        let zone = match tz {
            None => TimeZone::UTC,
            Some(name) => TimeZone::get(name)
                .map_err(|_| format!("unknown time zone \"{name}\" (use an IANA name such as Europe/Paris)"))?,
        };
        let e = expr.trim();
        let inner = |prefix: &str| e.strip_prefix(prefix).and_then(|r| r.strip_suffix(')'));
        if let Some(at) = inner("at(") {
            let dt: DateTime = at
                .parse()
                .map_err(|_| format!("at({at}): expected yyyy-mm-ddThh:mm:ss"))?;
            let z = dt.to_zoned(zone).map_err(|e| e.to_string())?;
            return Ok(Schedule::At {
                epoch_ms: z.timestamp().as_millisecond(),
            });
        }
        if let Some(rate) = inner("rate(") {
            let mut it = rate.split_whitespace();
            let (Some(v), Some(unit), None) = (it.next(), it.next(), it.next()) else {
                return Err(format!("rate({rate}): expected rate(value unit), e.g. rate(5 minutes)"));
            };
            let v: u64 = v
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| format!("rate value \"{v}\" must be a positive integer"))?;
            let unit_ms = match unit {
                "minute" | "minutes" => 60_000,
                "hour" | "hours" => 3_600_000,
                "day" | "days" => 86_400_000,
                _ => return Err(format!("rate unit \"{unit}\" must be minute(s), hour(s) or day(s)")),
            };
            return Ok(Schedule::Rate { every_ms: v * unit_ms });
        }
        if let Some(cron) = inner("cron(") {
            let f: Vec<&str> = cron.split_whitespace().collect();
            if f.len() != 6 {
                return Err(format!(
                    "cron({cron}): expected 6 fields (minutes hours day-of-month month day-of-week year), found {}",
                    f.len()
                ));
            }
            let dom = if f[2] == "?" {
                None
            } else {
                Some(parse_field(f[2], 1, 31, &[], "day-of-month")?)
            };
            let dow = if f[4] == "?" {
                None
            } else {
                Some(parse_field(f[4], 1, 7, &DAYS, "day-of-week")?)
            };
            if dom.is_some() == dow.is_some() {
                return Err("cron: one of day-of-month and day-of-week must be ?".into());
            }
            let years = if f[5] == "*" {
                None
            } else {
                Some(parse_field(f[5], 1970, 2199, &[], "year")?)
            };
            return Ok(Schedule::Cron(Box::new(Cron {
                minutes: parse_field(f[0], 0, 59, &[], "minutes")?,
                hours: parse_field(f[1], 0, 23, &[], "hours")?,
                days_of_month: dom,
                months: parse_field(f[3], 1, 12, &MONTHS, "month")?,
                days_of_week: dow,
                years,
                tz: zone,
            })));
        }
        Err(format!(
            "\"{e}\" is not a schedule expression; use at(...), rate(...) or cron(...)"
        ))
    }

    /// The first firing strictly after simulated time `after_ms` (or at 0 when `after_ms` is
    /// `None`), in simulated ms; `start_epoch_ms` is the wall clock of simulated time zero.
    pub fn next_after(&self, after_ms: Option<u64>, start_epoch_ms: i64) -> Option<u64> {
        match self {
            Schedule::At { epoch_ms } => {
                let t = epoch_ms.checked_sub(start_epoch_ms)?;
                let t = u64::try_from(t).ok()?;
                after_ms.is_none_or(|a| t > a).then_some(t)
            }
            Schedule::Rate { every_ms } => Some(match after_ms {
                None => *every_ms,
                Some(a) => (a / every_ms + 1) * every_ms,
            }),
            Schedule::Cron(c) => c.next_after(after_ms, start_epoch_ms),
        }
    }
}

impl Cron {
    fn day_matches(&self, d: Date) -> bool {
        if let Some(set) = &self.years {
            let y = d.year();
            if y < 0 || !set.get(y as usize).copied().unwrap_or(false) {
                return false;
            }
        }
        if !self.months[d.month() as usize] {
            return false;
        }
        match (&self.days_of_month, &self.days_of_week) {
            (Some(dom), _) => dom[d.day() as usize],
            (None, Some(dow)) => dow[d.weekday().to_sunday_one_offset() as usize],
            (None, None) => false,
        }
    }

    fn next_after(&self, after_ms: Option<u64>, start_epoch_ms: i64) -> Option<u64> {
        let after_epoch = start_epoch_ms + after_ms.map_or(-1, |a| a as i64);
        let ts = jiff::Timestamp::from_millisecond(after_epoch).ok()?;
        let local = ts.to_zoned(self.tz.clone());
        let mut day = local.date();
        // Five years of days is enough for any expression that fires at all.
        for _ in 0..(366 * 5) {
            if self.day_matches(day) {
                for h in 0..24 {
                    if !self.hours[h] {
                        continue;
                    }
                    for m in 0..60 {
                        if !self.minutes[m] {
                            continue;
                        }
                        let dt = day.at(h as i8, m as i8, 0, 0);
                        let Ok(z) = dt.to_zoned(self.tz.clone()) else { continue };
                        let e = z.timestamp().as_millisecond();
                        if e > after_epoch {
                            return u64::try_from(e - start_epoch_ms).ok();
                        }
                    }
                }
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs::placement::query::parse_timestamp;

    fn epoch(s: &str) -> i64 {
        parse_timestamp(s).unwrap()
    }

    #[test]
    fn rate_fires_every_interval() {
        let s = Schedule::parse("rate(5 minutes)", None).unwrap();
        assert_eq!(s.next_after(None, 0), Some(300_000));
        assert_eq!(s.next_after(Some(300_000), 0), Some(600_000));
        assert!(Schedule::parse("rate(0 minutes)", None).is_err());
        assert!(Schedule::parse("rate(5 weeks)", None).is_err());
    }

    #[test]
    fn at_fires_once() {
        let start = epoch("2024-01-01T00:00:00Z");
        let s = Schedule::parse("at(2024-01-01T02:00:00)", None).unwrap();
        assert_eq!(s.next_after(None, start), Some(7_200_000));
        assert_eq!(s.next_after(Some(7_200_000), start), None);
    }

    #[test]
    fn weekday_business_hours_in_a_time_zone_with_dst() {
        // 08:00 Monday to Friday in New York. 2024-03-08 is a Friday (EST, UTC-5); the next
        // firing is Monday 2024-03-11 08:00 EDT (UTC-4), after the DST change on Sunday.
        let start = epoch("2024-03-08T00:00:00Z");
        let s = Schedule::parse("cron(0 8 ? * MON-FRI *)", Some("America/New_York")).unwrap();
        let first = s.next_after(None, start).unwrap();
        assert_eq!(start + first as i64, epoch("2024-03-08T13:00:00Z"));
        let second = s.next_after(Some(first), start).unwrap();
        assert_eq!(start + second as i64, epoch("2024-03-11T12:00:00Z"));
    }

    #[test]
    fn cron_fields() {
        let start = epoch("2024-01-01T00:00:00Z"); // a Monday
        let every_15 = Schedule::parse("cron(*/15 * * * ? *)", None).unwrap();
        assert_eq!(every_15.next_after(Some(0), start), Some(15 * 60_000));
        let first_of_month = Schedule::parse("cron(30 6 1 * ? *)", None).unwrap();
        let t = first_of_month.next_after(Some(0), start).unwrap();
        assert_eq!(start + t as i64, epoch("2024-01-01T06:30:00Z"));
        let t = first_of_month.next_after(Some(t), start).unwrap();
        assert_eq!(start + t as i64, epoch("2024-02-01T06:30:00Z"));
        let sundays = Schedule::parse("cron(0 0 ? * 1 2024)", None).unwrap();
        let t = sundays.next_after(None, start).unwrap();
        assert_eq!(start + t as i64, epoch("2024-01-07T00:00:00Z"));
        assert!(
            Schedule::parse("cron(0 8 * * MON-FRI *)", None).is_err(),
            "both day fields set"
        );
        assert!(Schedule::parse("cron(0 8 ? * 2#1 *)", None).is_err(), "# unsupported");
        assert!(Schedule::parse("cron(0 25 ? * * *)", None).is_err());
        assert!(Schedule::parse("cron(0 8 * *)", None).is_err());
        assert!(Schedule::parse("every day", None).is_err());
        assert!(Schedule::parse("rate(1 hour)", Some("Mars/Olympus")).is_err());
    }
}
