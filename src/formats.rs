//! Machine-readable output: the JSON documents `validate`, `run` and `check` print with
//! `--format json`, and the CI annotations `validate` prints with `--format github` (GitHub
//! Actions workflow commands) or `--format gitlab` (a GitLab Code Quality report). Shapes are
//! documented in the README ("Machine-readable output") and tested.

use crate::check::{Outcome, Status};
use crate::scenario::experiment::Bound;
use crate::scenario::Diagnostic;
use serde_json::{json, Value};

/// How a command prints its result on standard output.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
    Gitlab,
}

impl Format {
    /// The `--format` values a command accepts, with the names they are given by.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "github" => Some(Format::Github),
            "gitlab" => Some(Format::Gitlab),
            _ => None,
        }
    }
}

/// A diagnostic as JSON: `severity`, `file`, `line`, `column` (null for a `--set` value),
/// `path`, `message`, `hint`.
pub fn diagnostic_json(d: &Diagnostic, severity: &str) -> Value {
    let at = |n: u32| (d.pos.line != 0).then_some(n);
    json!({
        "severity": severity,
        "file": d.file,
        "line": at(d.pos.line),
        "column": at(d.pos.col),
        "path": d.path,
        "message": d.message,
        "hint": d.hint,
    })
}

/// One file's validation: its scenario's name when valid, its errors, its warnings.
pub struct Validation<'a> {
    pub file: String,
    pub scenario: Option<String>,
    pub errors: &'a [Diagnostic],
    pub warnings: &'a [Diagnostic],
}

/// `validate --format json`: `{"valid": bool, "files": [{"file", "valid", "scenario",
/// "diagnostics": [...]}]}`.
pub fn validation_json(files: &[Validation<'_>]) -> String {
    let items: Vec<Value> = files
        .iter()
        .map(|v| {
            let diags: Vec<Value> = v
                .errors
                .iter()
                .map(|d| diagnostic_json(d, "error"))
                .chain(v.warnings.iter().map(|d| diagnostic_json(d, "warning")))
                .collect();
            json!({
                "file": v.file,
                "valid": v.errors.is_empty(),
                "scenario": v.scenario,
                "diagnostics": diags,
            })
        })
        .collect();
    let valid = files.iter().all(|v| v.errors.is_empty());
    pretty(&json!({ "valid": valid, "files": items }))
}

/// A GitHub Actions workflow command's property value: `%`, CR, LF, `:` and `,` escaped.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A workflow command's message: `%`, CR and LF escaped.
fn github_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// `validate --format github`: one `::error` or `::warning` workflow command per diagnostic
/// (file, line, column, the field path as title), which GitHub shows on the file's line.
pub fn github_annotations(files: &[Validation<'_>]) -> String {
    let mut out = String::new();
    for v in files {
        let all = v
            .errors
            .iter()
            .map(|d| ("error", d))
            .chain(v.warnings.iter().map(|d| ("warning", d)));
        for (level, d) in all {
            let mut props = vec![format!("file={}", github_property(&d.file))];
            if d.pos.line != 0 {
                props.push(format!("line={}", d.pos.line));
                props.push(format!("col={}", d.pos.col));
            }
            if !d.path.is_empty() {
                props.push(format!("title={}", github_property(&d.path)));
            }
            let mut message = d.message.clone();
            if let Some(h) = &d.hint {
                message += &format!("\nhint: {h}");
            }
            out += &format!("::{level} {}::{}\n", props.join(","), github_data(&message));
        }
    }
    out
}

/// FNV-1a, 64 bits: a fixed, documented hash, so a finding keeps its fingerprint from one
/// run to the next (GitLab matches findings across pipelines by it).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `validate --format gitlab`: a GitLab Code Quality report (a JSON array of findings with
/// `description`, `check_name`, `fingerprint`, `severity` and `location.path` /
/// `location.lines.begin`), for the `artifacts:reports:codequality` of a CI job.
pub fn gitlab_code_quality(files: &[Validation<'_>]) -> String {
    let mut items = Vec::new();
    for v in files {
        let all = v
            .errors
            .iter()
            .map(|d| ("major", d))
            .chain(v.warnings.iter().map(|d| ("minor", d)));
        for (severity, d) in all {
            let description = match (&d.path, &d.hint) {
                (p, Some(h)) if !p.is_empty() => format!("{p}: {} (hint: {h})", d.message),
                (p, None) if !p.is_empty() => format!("{p}: {}", d.message),
                (_, Some(h)) => format!("{} (hint: {h})", d.message),
                (_, None) => d.message.clone(),
            };
            let key = format!("{}|{}|{}|{}", d.file, d.pos.line, d.path, d.message);
            items.push(json!({
                "description": description,
                "check_name": "ecsim-validate",
                "fingerprint": format!("{:016x}", fnv1a(&key)),
                "severity": severity,
                "location": { "path": d.file, "lines": { "begin": d.pos.line.max(1) } },
            }));
        }
    }
    pretty(&Value::Array(items))
}

/// `check --format json`: `{"passed": bool, "expectations": [{"file", "line", "metric",
/// "service", "bound", "measured", "baseline", "status"}]}`; `bound` is `{"op", "value"}` or
/// `{"tolerance"}`.
pub fn check_json(outcomes: &[Outcome]) -> String {
    let items: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let e = &o.expectation;
            let bound = match &e.bound {
                Bound::Threshold { op, value } => json!({ "op": op, "value": value }),
                Bound::Baseline(_) => json!({ "tolerance": e.written }),
            };
            json!({
                "file": o.file,
                "line": e.line,
                "metric": e.metric,
                "service": e.service,
                "bound": bound,
                "measured": o.measured,
                "baseline": o.baseline,
                "status": match o.status {
                    Status::Pass => "pass",
                    Status::Fail => "fail",
                    Status::Skipped => "skipped",
                },
            })
        })
        .collect();
    let passed = outcomes.iter().all(|o| o.status != Status::Fail);
    pretty(&json!({ "passed": passed, "expectations": items }))
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("plain data");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::Pos;

    /// GitHub's workflow-command syntax ("Setting an error message": `::error
    /// file={name},line={line},col={col},title={title}::{message}`), with `%`, CR and LF
    /// escaped as %25, %0D, %0A, and `:` and `,` in properties as %3A and %2C.
    #[test]
    fn github_annotations_escape_what_the_syntax_reserves() {
        let d = Diagnostic::new(
            "a,b.toml",
            Pos { line: 3, col: 7 },
            "services[web].cpu",
            "100% wrong\nreally".into(),
        )
        .with_hint("write 256");
        let errors = [d];
        let text = github_annotations(&[Validation {
            file: "a,b.toml".into(),
            scenario: None,
            errors: &errors,
            warnings: &[],
        }]);
        assert_eq!(
            text,
            "::error file=a%2Cb.toml,line=3,col=7,title=services[web].cpu::100%25 wrong%0Areally%0Ahint: write 256\n"
        );
    }

    #[test]
    fn fingerprints_are_fixed_fnv1a() {
        // FNV-1a 64 of the empty string is its offset basis, of "a" 0xaf63dc4c8601ec8c.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
