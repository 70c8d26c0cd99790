//! Golden outputs: every example scenario and every bench scenario, at its fixed seed, gives
//! exactly the bytes committed under `tests/golden/<scenario>/` (events.csv, explanations.json,
//! metrics.csv, summary.json). They pin behaviour while the code changes shape: a commit that changes any
//! of them must regenerate them and say why in its message.
//!
//! Files up to `VERBATIM_LIMIT` bytes are stored as they are, so a failure shows the first
//! line that differs; larger ones are stored as `<file>.sha256` (digest and line count).
//! The cluster-80 bench scenarios run with a tenth of their horizon (about 100,000 tasks) and
//! with the event log switched on, so that every placement is pinned and the debug-build test
//! stays short; the full horizons are what `cargo bench --bench engine` measures. The full
//! Alibaba trace replay runs its first 10 minutes.
//!
//! Regenerate with `ECSIM_BLESS=1 cargo test --test integration golden`.

use ecsim::runner::run_to_dir;
use ecsim::scenario;
use ecsim::sim::RunOptions;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Outputs larger than this are stored as a digest.
const VERBATIM_LIMIT: usize = 512 * 1024;
/// The files every run is compared on (summary.csv is summary.json in another shape).
const FILES: [&str; 4] = ["events.csv", "explanations.json", "metrics.csv", "summary.json"];

fn scenario_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "benches/scenarios"] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml" || x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn digest_line(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    format!("sha256 {hex} lines {lines}\n")
}

fn first_difference(golden: &[u8], got: &[u8]) -> String {
    let (g, o) = (String::from_utf8_lossy(golden), String::from_utf8_lossy(got));
    for (k, (a, b)) in g.lines().zip(o.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  golden: {a}\n  now:    {b}", k + 1);
        }
    }
    format!(
        "one is a prefix of the other ({} and {} lines)",
        g.lines().count(),
        o.lines().count()
    )
}

#[test]
fn every_scenario_gives_its_golden_bytes() {
    let bless = std::env::var_os("ECSIM_BLESS").is_some();
    let files = scenario_files();
    assert!(
        files.len() >= 19,
        "expected every example and bench scenario, found {files:?}"
    );
    use rayon::prelude::*;
    let failures: Vec<String> = files.par_iter().flat_map(|f| compare_one(f, bless)).collect();
    assert!(failures.is_empty(), "outputs changed:\n{}", failures.join("\n"));
}

/// Runs one scenario and compares (or, blessing, writes) its golden files.
fn compare_one(f: &Path, bless: bool) -> Vec<String> {
    let mut failures = Vec::new();
    {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let mut sc = scenario::load(f).unwrap_or_else(|d| panic!("{d}"));
        if name == "alibaba-2017-full" {
            // 10 minutes of the 17-hour trace (about 100,000 tasks), every placement logged.
            sc.duration_ms = 600_000;
            sc.outputs.events = true;
        }
        if name.starts_with("cluster-80") {
            sc.duration_ms /= 10;
            sc.outputs.events = true;
        }
        let out = tempfile::tempdir().unwrap();
        run_to_dir(&sc, out.path(), RunOptions::default()).unwrap();
        let golden_dir = Path::new("tests/golden").join(&name);
        if bless {
            let _ = std::fs::remove_dir_all(&golden_dir);
            std::fs::create_dir_all(&golden_dir).unwrap();
        }
        for file in FILES {
            let produced = out.path().join(file);
            let got = std::fs::read(&produced).unwrap_or_default();
            let verbatim = golden_dir.join(file);
            let digest = golden_dir.join(format!("{file}.sha256"));
            if bless {
                if got.len() <= VERBATIM_LIMIT {
                    std::fs::write(&verbatim, &got).unwrap();
                } else {
                    std::fs::write(&digest, digest_line(&got)).unwrap();
                }
                continue;
            }
            if let Ok(golden) = std::fs::read(&verbatim) {
                if golden != got {
                    failures.push(format!("{name}/{file} differs at {}", first_difference(&golden, &got)));
                }
            } else if let Ok(golden) = std::fs::read_to_string(&digest) {
                if golden != digest_line(&got) {
                    failures.push(format!(
                        "{name}/{file}: digest {} now, {} in the golden",
                        digest_line(&got).trim(),
                        golden.trim()
                    ));
                }
            } else {
                failures.push(format!(
                    "{name}/{file}: no golden (run with ECSIM_BLESS=1 to create it)"
                ));
            }
        }
    }
    failures
}
