//! Fargate (ecs-semantics §4): valid task sizes, and the account-wide launch token bucket.

/// Valid memory sizes (MiB) for a Fargate CPU size, or `None` for an invalid CPU size.
pub fn valid_memory_for_cpu(cpu_units: u32) -> Option<Vec<u32>> {
    let gb = |v: u32| v * 1024;
    Some(match cpu_units {
        256 => vec![512, gb(1), gb(2)],
        512 => (1..=4).map(gb).collect(),
        1024 => (2..=8).map(gb).collect(),
        2048 => (4..=16).map(gb).collect(),
        4096 => (8..=30).map(gb).collect(),
        8192 => (16..=60).step_by(4).map(gb).collect(),
        16384 => (32..=120).step_by(8).map(gb).collect(),
        _ => return None,
    })
}

/// `Ok` for a valid Fargate size, otherwise a message listing the valid ones.
pub fn check_size(cpu_units: u32, memory_mib: u32) -> Result<(), String> {
    let Some(valid) = valid_memory_for_cpu(cpu_units) else {
        return Err(format!(
            "{cpu_units} CPU units is not a Fargate size; valid CPU values are 256, 512, 1024, 2048, 4096, 8192 and 16384"
        ));
    };
    if valid.contains(&memory_mib) {
        return Ok(());
    }
    let list: Vec<String> = valid.iter().map(|m| m.to_string()).collect();
    Err(format!(
        "{memory_mib} MiB is not valid with {cpu_units} CPU units on Fargate; valid memory values (MiB): {}",
        list.join(", ")
    ))
}

/// At most `limit` events in any window of `window_ms` (the per-service launch rate).
#[derive(Clone, Debug, PartialEq)]
pub struct RateWindow {
    limit: usize,
    window_ms: u64,
    recent: std::collections::VecDeque<u64>,
}

impl RateWindow {
    pub fn new(limit: usize, window_ms: u64) -> Self {
        RateWindow {
            limit,
            window_ms,
            recent: std::collections::VecDeque::new(),
        }
    }

    /// Records an event at `now_ms`, or says when the next one will be allowed.
    pub fn take(&mut self, now_ms: u64) -> Result<(), u64> {
        while self.recent.front().is_some_and(|t| t + self.window_ms <= now_ms) {
            self.recent.pop_front();
        }
        if self.recent.len() < self.limit {
            self.recent.push_back(now_ms);
            Ok(())
        } else {
            Err(self.recent.front().copied().unwrap_or(now_ms) + self.window_ms)
        }
    }
}

/// A token bucket: `burst` tokens, refilled at `per_second`. Time in ms.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBucket {
    pub burst: f64,
    pub per_second: f64,
    tokens: f64,
    last_ms: u64,
}

impl TokenBucket {
    pub fn new(burst: f64, per_second: f64) -> Self {
        TokenBucket {
            burst,
            per_second,
            tokens: burst,
            last_ms: 0,
        }
    }

    fn refill(&mut self, now_ms: u64) {
        let dt = now_ms.saturating_sub(self.last_ms) as f64 / 1000.0;
        self.tokens = (self.tokens + dt * self.per_second).min(self.burst);
        self.last_ms = self.last_ms.max(now_ms);
    }

    /// Takes a token at `now_ms`, or says when the next one will be available.
    pub fn take(&mut self, now_ms: u64) -> Result<(), u64> {
        self.refill(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait_s = (1.0 - self.tokens) / self.per_second;
            Err(now_ms + (wait_s * 1000.0).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_sizes() {
        assert!(check_size(256, 512).is_ok());
        assert!(check_size(256, 2048).is_ok());
        assert!(check_size(1024, 8192).is_ok());
        assert!(check_size(8192, 16384).is_ok());
        assert!(check_size(8192, 20480).is_ok());
        assert!(check_size(16384, 122880).is_ok());
        let e = check_size(256, 4096).unwrap_err();
        assert!(e.contains("512, 1024, 2048"), "{e}");
        let e = check_size(8192, 17408).unwrap_err();
        assert!(e.contains("16384, 20480"), "{e}");
        assert!(check_size(300, 1024).unwrap_err().contains("256, 512"));
    }

    #[test]
    fn rate_window_allows_limit_per_window() {
        let mut w = RateWindow::new(3, 60_000);
        assert!(w.take(0).is_ok() && w.take(1).is_ok() && w.take(2).is_ok());
        assert_eq!(w.take(10), Err(60_000));
        assert!(w.take(60_000).is_ok());
    }

    #[test]
    fn bucket_bursts_then_refills() {
        let mut b = TokenBucket::new(100.0, 20.0);
        for _ in 0..100 {
            assert!(b.take(0).is_ok());
        }
        assert_eq!(b.take(0), Err(50), "one token every 50 ms at 20/s");
        assert!(b.take(50).is_ok());
        assert!(b.take(50).is_err());
        assert!(b.take(10_000).is_ok());
    }
}
