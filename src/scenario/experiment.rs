//! Scenario documents as experiments: field-path overrides (`--set path=value`, sweep axes),
//! the `[sweep]` table (axes and replications) and `[[expect]]` entries for CI.
//!
//! A path names a field the way the error messages do: `scenario.seed`,
//! `services[web].auto_scaling.target_tracking[0].target`. A bracket holds either an index or
//! the `name` (or `family`) of the table in a list.

use super::decode::Decoder;
use super::diag::Diagnostics;
use super::fields;
use super::node::{self, Entry, Node, NodeKind, Pos};
use super::values::parse_duration;
use super::Scenario;
use crate::aws::ecs::placement::query::suggest;
use std::path::{Path, PathBuf};

/// A parsed scenario file, before validation, so experiments can change fields first.
#[derive(Clone, Debug)]
pub struct Document {
    pub file: String,
    pub base_dir: PathBuf,
    pub default_name: String,
    pub root: Node,
}

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
    Select(String),
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    out.push(Segment::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(Segment::Key(std::mem::take(&mut cur)));
                }
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(ch) => inner.push(ch),
                        None => return Err(format!("unclosed '[' in path \"{path}\"")),
                    }
                }
                out.push(match inner.parse::<usize>() {
                    Ok(i) => Segment::Index(i),
                    Err(_) => Segment::Select(inner),
                });
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Segment::Key(cur));
    }
    if out.is_empty() || !matches!(out[0], Segment::Key(_)) {
        return Err(format!(
            "\"{path}\" is not a field path; write e.g. services[web].desired_count"
        ));
    }
    Ok(out)
}

fn item_name(n: &Node) -> Option<&str> {
    let NodeKind::Table(entries) = &n.kind else { return None };
    entries
        .iter()
        .find(|e| e.key == "name" || e.key == "family")
        .and_then(|e| match &e.value.kind {
            NodeKind::Str(s) => Some(s.as_str()),
            _ => None,
        })
}

/// Sets the field at `path` to `value`, creating the last key of a table if needed.
pub fn set_path(root: &mut Node, path: &str, value: Node) -> Result<(), String> {
    let segs = parse_path(path)?;
    let mut cur = root;
    for (k, seg) in segs.iter().enumerate() {
        let last = k + 1 == segs.len();
        match seg {
            Segment::Key(key) => {
                let NodeKind::Table(entries) = &mut cur.kind else {
                    return Err(format!(
                        "in \"{path}\", \"{key}\" is inside something that is not a table"
                    ));
                };
                let pos = entries.iter().position(|e| e.key == *key);
                if last {
                    match pos {
                        Some(p) => entries[p].value = value,
                        None => entries.push(Entry {
                            key: key.clone(),
                            key_pos: value.pos,
                            value,
                        }),
                    }
                    return Ok(());
                }
                match pos {
                    Some(p) => cur = &mut entries[p].value,
                    None => {
                        let known: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
                        let hint = suggest(key, known.iter().copied())
                            .map(|h| format!(" ({h})"))
                            .unwrap_or_default();
                        return Err(format!("\"{path}\": the scenario has no \"{key}\" here{hint}"));
                    }
                }
            }
            Segment::Index(_) | Segment::Select(_) if !matches!(cur.kind, NodeKind::Array(_)) => {
                return Err(format!(
                    "in \"{path}\", a [..] selector follows something that is not a list"
                ));
            }
            Segment::Index(i) => {
                let NodeKind::Array(items) = &mut cur.kind else {
                    unreachable!()
                };
                let n = items.len();
                let item = items
                    .get_mut(*i)
                    .ok_or_else(|| format!("\"{path}\": index {i} is out of range (the list has {n})"))?;
                if last {
                    *item = value;
                    return Ok(());
                }
                cur = item;
            }
            Segment::Select(name) => {
                let NodeKind::Array(items) = &mut cur.kind else {
                    unreachable!()
                };
                let names: Vec<String> = items.iter().filter_map(|n| item_name(n).map(str::to_string)).collect();
                let Some(p) = items.iter().position(|n| item_name(n) == Some(name.as_str())) else {
                    let hint = suggest(name, names.iter().map(String::as_str))
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    return Err(format!("\"{path}\": no item named \"{name}\" in the list{hint}"));
                };
                if last {
                    items[p] = value;
                    return Ok(());
                }
                cur = &mut items[p];
            }
        }
    }
    Ok(())
}

/// A value given on the command line: a TOML literal (`40`, `"m5.large"`, `true`), or a bare
/// word taken as a string.
pub fn value_from_text(text: &str) -> Node {
    if let Ok(n) = node::from_toml("--set", &format!("v = {text}")) {
        if let NodeKind::Table(mut entries) = n.kind {
            if entries.len() == 1 {
                return entries.remove(0).value;
            }
        }
    }
    Node {
        kind: NodeKind::Str(text.to_string()),
        pos: Pos::default(),
    }
}

/// A value's text for tables and file names.
pub fn label(n: &Node) -> String {
    match &n.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Datetime(d) => d.clone(),
        NodeKind::Null => "null".into(),
        NodeKind::Array(_) | NodeKind::Table(_) => "(complex)".into(),
    }
}

/// An axis's labels: its `labels` (one per value, distinct), or each value written out. A
/// table or array value has no written-out form, so such an axis must give `labels`; two
/// equal labels would merge different values when results are grouped by them.
fn axis_labels(dec: &mut Decoder, values: &[Node], given: Option<&Node>, p: &str) -> Option<Vec<String>> {
    let labels: Vec<String> = match given {
        Some(n) => {
            let items = dec.array(n, &format!("{p}.labels"))?;
            let labels: Vec<String> = items
                .iter()
                .enumerate()
                .filter_map(|(k, x)| dec.string(x, &format!("{p}.labels[{k}]")))
                .collect();
            if labels.len() != items.len() {
                return None;
            }
            if labels.len() != values.len() {
                dec.error_hint(
                    n.pos,
                    &format!("{p}.labels"),
                    format!("{} labels for {} values", labels.len(), values.len()),
                    Some("give one label per value, in the same order".into()),
                );
                return None;
            }
            labels
        }
        None => {
            if let Some(v) = values
                .iter()
                .find(|v| matches!(v.kind, NodeKind::Array(_) | NodeKind::Table(_)))
            {
                dec.error_hint(
                    v.pos,
                    &format!("{p}.values"),
                    format!("a {} value needs a label to name it in results", v.type_name()),
                    Some("add labels = [\"...\", ...] to the axis, one per value".into()),
                );
                return None;
            }
            values.iter().map(label).collect()
        }
    };
    for (k, l) in labels.iter().enumerate() {
        if labels[..k].contains(l) {
            dec.error_hint(
                given.map_or(values[k].pos, |n| n.pos),
                &format!("{p}.labels"),
                format!("two values are labelled \"{l}\": results grouped by label would merge them"),
                Some("give each value a distinct label".into()),
            );
            return None;
        }
    }
    Some(labels)
}

/// One axis of a sweep.
#[derive(Clone, Debug)]
pub struct Axis {
    pub name: String,
    pub path: String,
    pub values: Vec<Node>,
    pub labels: Vec<String>,
}

/// The most runs a sweep may have (combinations x replications): its plan and its results
/// table are built in memory.
pub const MAX_SWEEP_RUNS: u64 = 100_000;

/// A sweep: the cartesian product of the axes, each combination replicated.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    pub axes: Vec<Axis>,
    pub replications: u32,
    pub base_seed: u64,
}

/// SplitMix64: a fixed, documented mix for deriving seeds.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSpec {
    pub index: usize,
    pub combination: usize,
    pub replication: u32,
    /// The value index on each axis.
    pub values: Vec<usize>,
    pub seed: u64,
}

impl SweepPlan {
    pub fn combinations(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// All runs in run-index order: combinations in cartesian order (first axis slowest),
    /// replications innermost. Seeds derive from (base seed, run index).
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut out = Vec::new();
        let combos = self.combinations();
        for c in 0..combos {
            let mut values = vec![0; self.axes.len()];
            let mut rest = c;
            for (k, a) in self.axes.iter().enumerate().rev() {
                values[k] = rest % a.values.len();
                rest /= a.values.len();
            }
            for r in 0..self.replications {
                let index = out.len();
                out.push(RunSpec {
                    index,
                    combination: c,
                    replication: r,
                    values: values.clone(),
                    seed: splitmix64(self.base_seed ^ splitmix64(index as u64)),
                });
            }
        }
        out
    }
}

/// One CI expectation on a summary figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub metric: String,
    pub service: Option<String>,
    pub bound: Bound,
    /// The bound as written (`"2m"`, `400`, `"5%"`).
    pub written: String,
    /// The line of the scenario file where the `[[expect]]` entry starts.
    pub line: u32,
}

/// What an expectation compares its figure with.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// `op value`: a fixed threshold.
    Threshold { op: String, value: f64 },
    /// The same figure of a baseline run (`ecsim check --baseline DIR`), within a tolerance.
    Baseline(Tolerance),
}

/// How far a figure may move from its baseline.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Tolerance {
    /// A fraction of the baseline's magnitude (`"5%"` is 0.05).
    Relative(f64),
    /// An amount in the figure's unit (`0.5`, `"30s"`).
    Absolute(f64),
}

impl Tolerance {
    /// Whether `measured` is within the tolerance of `baseline`.
    pub fn admits(self, measured: f64, baseline: f64) -> bool {
        let allowed = match self {
            Tolerance::Relative(f) => f * baseline.abs(),
            Tolerance::Absolute(a) => a,
        };
        (measured - baseline).abs() <= allowed + 1e-9
    }
}

impl Expectation {
    /// Whether a threshold expectation holds (a baseline expectation needs
    /// [`Tolerance::admits`] and the baseline's figure).
    pub fn holds(&self, measured: f64) -> bool {
        let Bound::Threshold { op, value } = &self.bound else {
            return false;
        };
        let value = *value;
        match op.as_str() {
            "<" => measured < value,
            "<=" => measured <= value,
            ">" => measured > value,
            ">=" => measured >= value,
            "==" => (measured - value).abs() < 1e-9,
            _ => (measured - value).abs() >= 1e-9,
        }
    }
}

/// A tolerance: `"5%"` (relative to the baseline), a number or a duration (absolute).
fn decode_tolerance(dec: &mut Decoder, n: &Node, path: &str) -> Option<(Tolerance, String)> {
    let hint = || Some("write \"5%\" (of the baseline's figure), 0.5 (in the figure's unit) or \"30s\"".to_string());
    let (t, written) = match &n.kind {
        NodeKind::Int(v) if *v >= 0 => (Tolerance::Absolute(*v as f64), v.to_string()),
        NodeKind::Float(v) if v.is_finite() && *v >= 0.0 => (Tolerance::Absolute(*v), v.to_string()),
        NodeKind::Str(s) => match s.strip_suffix('%') {
            Some(pct) => match pct.trim().parse::<f64>() {
                Ok(p) if p.is_finite() && p >= 0.0 => (Tolerance::Relative(p / 100.0), s.clone()),
                _ => {
                    dec.error_hint(n.pos, path, format!("\"{s}\" is not a percentage"), hint());
                    return None;
                }
            },
            None => match parse_duration(s) {
                Ok(ms) => (Tolerance::Absolute(ms as f64 / 1000.0), s.clone()),
                Err(e) => {
                    dec.error_hint(
                        n.pos,
                        path,
                        format!("\"{s}\" is not a percentage or a duration: {e}"),
                        hint(),
                    );
                    return None;
                }
            },
        },
        _ => {
            dec.error_hint(
                n.pos,
                path,
                "expected a non-negative number, a percentage or a duration",
                hint(),
            );
            return None;
        }
    };
    Some((t, written))
}

/// Summary figures an expectation may name (run level), and per-service ones.
pub const SERVICE_FIGURES: [&str; 24] = [
    "desired_count",
    "running_at_end",
    "tasks_started",
    "tasks_completed",
    "tasks_failed",
    "placement_failures",
    "requests_total",
    "requests_served",
    "requests_over_capacity",
    "scaling_actions",
    "tasks_lost",
    "below_desired_s",
    "below_min_healthy_s",
    "tasks_placed",
    "wait_mean_s",
    "wait_p50_s",
    "wait_p95_s",
    "wait_p99_s",
    "wait_max_s",
    "latency_p50_ms",
    "latency_p95_ms",
    "cost_ec2_usd",
    "cost_fargate_usd",
    "cost_usd",
];

impl Document {
    pub fn load(path: &Path) -> Result<Document, Diagnostics> {
        let (file, text) = super::read_input(path)?;
        let base_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario")
            .to_string();
        Document::parse(&file, &text, &base_dir, &stem)
    }

    pub fn parse(file: &str, text: &str, base_dir: &Path, default_name: &str) -> Result<Document, Diagnostics> {
        let root = if file.ends_with(".json") {
            node::from_json(file, text)
        } else {
            node::from_toml(file, text)
        }
        .map_err(|d| Diagnostics(vec![d]))?;
        Ok(Document {
            file: file.to_string(),
            base_dir: base_dir.to_path_buf(),
            default_name: default_name.to_string(),
            root,
        })
    }

    /// A fixed 64-bit fingerprint of the document's content (FNV-1a over its parsed tree)
    /// and of the files its scenario reads (`inputs`, the scenario's `input_files`, by
    /// content): a sweep's results directory records it, so resuming it from another
    /// scenario, or after a trace changed, is refused. (Files named only by a sweep axis's
    /// values are not read by the base scenario and are not included.)
    pub fn fingerprint(&self, inputs: &[PathBuf]) -> Result<u64, String> {
        use crate::engine::fnv1a64;
        let mut h = fnv1a64(format!("{:?}", self.root).as_bytes());
        for path in inputs {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            h = fnv1a64(&[h.to_le_bytes(), fnv1a64(&bytes).to_le_bytes()].concat());
        }
        Ok(h)
    }

    /// Validates the document into a scenario (the sweep and expectations are checked too).
    pub fn scenario(&self) -> Result<Scenario, Diagnostics> {
        let mut dec = Decoder::new(&self.file);
        let sc = super::schema::decode(&mut dec, &self.root, &self.base_dir, &self.default_name);
        self.decode_sweep(&mut dec);
        self.decode_expectations(&mut dec, sc.as_ref());
        if dec.diags.is_empty() {
            if let Some(mut sc) = sc {
                sc.warnings = std::mem::take(&mut dec.warnings);
                sc.input_files = std::mem::take(&mut dec.inputs);
                return Ok(sc);
            }
        }
        let mut diags = dec.diags;
        diags.sort_by_key(|d| d.pos);
        Err(Diagnostics(diags))
    }

    /// Validates only the scenario itself (not the sweep or expectations): for the runs of a
    /// sweep, whose plan was validated once.
    pub fn scenario_only(&self) -> Result<Scenario, Diagnostics> {
        let mut dec = Decoder::new(&self.file);
        let sc = super::schema::decode(&mut dec, &self.root, &self.base_dir, &self.default_name);
        match sc {
            Some(mut sc) if dec.diags.is_empty() => {
                sc.warnings = dec.warnings;
                sc.input_files = dec.inputs;
                Ok(sc)
            }
            _ => {
                let mut diags = dec.diags;
                diags.sort_by_key(|d| d.pos);
                Err(Diagnostics(diags))
            }
        }
    }

    /// A copy with `path` set to `value`.
    pub fn with_override(&self, path: &str, value: Node) -> Result<Document, String> {
        let mut d = self.clone();
        set_path(&mut d.root, path, value)?;
        Ok(d)
    }

    fn top(&self, key: &str) -> Option<&Node> {
        match &self.root.kind {
            NodeKind::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    fn decode_sweep(&self, dec: &mut Decoder) -> Option<SweepPlan> {
        let node = self.top("sweep")?;
        let mut t = dec.table(node, "sweep")?;
        let replications = t
            .opt("replications")
            .and_then(|n| dec.int(n, "sweep.replications", 1, 100_000))
            .unwrap_or(1) as u32;
        let mut axes = Vec::new();
        if let Some(n) = t.req(dec, "axes") {
            for (i, item) in dec.array(n, "sweep.axes").unwrap_or(&[]).iter().enumerate() {
                axes.extend(self.decode_axis(dec, item, &format!("sweep.axes[{i}]")));
            }
        }
        t.finish(dec, &fields::keys(fields::SWEEP));
        let runs = axes
            .iter()
            .try_fold(replications as u64, |n, a| n.checked_mul(a.values.len() as u64))
            .unwrap_or(u64::MAX);
        if runs > MAX_SWEEP_RUNS {
            dec.error_hint(
                node.pos,
                "sweep",
                format!(
                    "the sweep has {runs} runs (combinations x replications), beyond the ceiling of {MAX_SWEEP_RUNS}"
                ),
                Some("sweep fewer values per axis, or split the sweep into several files".into()),
            );
            return None;
        }
        Some(SweepPlan {
            axes,
            replications,
            base_seed: self.base_seed(),
        })
    }

    /// One axis of the sweep (at `p`), or `None` with its problems recorded.
    fn decode_axis(&self, dec: &mut Decoder, item: &Node, p: &str) -> Option<Axis> {
        let mut at = dec.table(item, p)?;
        let path_node = at.req(dec, "path");
        let path = path_node.and_then(|n| dec.string(n, &format!("{p}.path")));
        let name = at.opt("name").and_then(|n| dec.string(n, &format!("{p}.name")));
        let values: Vec<Node> = at
            .req(dec, "values")
            .and_then(|n| dec.array(n, &format!("{p}.values")))
            .map(|v| v.to_vec())
            .unwrap_or_default();
        let labels_node = at.opt("labels");
        at.finish(dec, &fields::keys(fields::SWEEP_AXIS));
        let (Some(path), Some(pn)) = (path, path_node) else {
            return None;
        };
        if values.is_empty() {
            dec.error(item.pos, &format!("{p}.values"), "an axis needs at least one value");
            return None;
        }
        if !self.first_value_is_valid(dec, pn, p, &path, &values[0]) {
            return None;
        }
        let labels = axis_labels(dec, &values, labels_node, p)?;
        Some(Axis {
            name: name.unwrap_or_else(|| path.clone()),
            path,
            values,
            labels,
        })
    }

    /// Whether setting `path` to `value` gives a valid scenario: problems the change
    /// introduces are reported at the axis's `path` (node `pn`, field path `p`). Every value
    /// must; the first is checked.
    fn first_value_is_valid(&self, dec: &mut Decoder, pn: &Node, p: &str, path: &str, value: &Node) -> bool {
        let mut probe = self.root.clone();
        if let Err(e) = set_path(&mut probe, path, value.clone()) {
            dec.error_hint(
                pn.pos,
                &format!("{p}.path"),
                e,
                Some("paths look like services[web].desired_count".into()),
            );
            return false;
        }
        let diags_of = |root: &Node| {
            let mut d = Decoder::new(&self.file);
            super::schema::decode(&mut d, root, &self.base_dir, &self.default_name);
            d.diags.into_iter().map(|x| (x.path, x.message)).collect::<Vec<_>>()
        };
        let before = diags_of(&self.root);
        if let Some((fp, msg)) = diags_of(&probe).into_iter().find(|d| !before.contains(d)) {
            dec.error_hint(
                pn.pos,
                &format!("{p}.path"),
                format!(
                    "setting {path} to {} makes the scenario invalid: {fp}: {msg}",
                    label(value)
                ),
                Some("check the field name and the value's type".into()),
            );
            return false;
        }
        true
    }

    /// `scenario.seed`, the seed the sweep's replications derive theirs from (1 if unset).
    fn base_seed(&self) -> u64 {
        self.top("scenario")
            .and_then(|s| match &s.kind {
                NodeKind::Table(e) => e.iter().find(|e| e.key == "seed").map(|e| &e.value),
                _ => None,
            })
            .and_then(|n| match n.kind {
                NodeKind::Int(i) if i >= 0 => Some(i as u64),
                _ => None,
            })
            .unwrap_or(1)
    }

    /// The `[sweep]` table, validated.
    pub fn sweep_plan(&self) -> Result<Option<SweepPlan>, Diagnostics> {
        let mut dec = Decoder::new(&self.file);
        let plan = self.decode_sweep(&mut dec);
        if dec.diags.is_empty() {
            Ok(plan)
        } else {
            Err(Diagnostics(dec.diags))
        }
    }

    /// The `[[expect]]` entries; with `sc`, a `service` must name one of its services (not a
    /// batch job, whose figures are not per-service).
    fn decode_expectations(&self, dec: &mut Decoder, sc: Option<&super::Scenario>) -> Vec<Expectation> {
        let mut out = Vec::new();
        let Some(node) = self.top("expect") else { return out };
        let Some(items) = dec.array(node, "expect") else {
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("expect[{i}]");
            let Some(mut t) = dec.table(item, &p) else { continue };
            let service_node = t.opt("service");
            let service = service_node.and_then(|n| dec.string(n, &format!("{p}.service")));
            if let (Some(sc), Some(name), Some(n)) = (sc, &service, service_node) {
                check_expected_service(dec, sc, name, n, &p);
            }
            let metric = t
                .req(dec, "metric")
                .and_then(|n| decode_expected_metric(dec, n, &p, service.is_some()));
            // `tolerance` compares with a baseline run instead of a fixed `op value`.
            let bound = if let Some(n) = t.opt("tolerance") {
                let tolerance = decode_tolerance(dec, n, &format!("{p}.tolerance"));
                for k in ["op", "value"] {
                    if let Some(v) = t.opt(k) {
                        dec.error_hint(
                            v.pos,
                            &format!("{p}.{k}"),
                            format!("`{k}` and `tolerance` exclude each other"),
                            Some("a `tolerance` compares the figure with the baseline run (`ecsim check --baseline DIR`); a fixed bound is `op` and `value`".into()),
                        );
                    }
                }
                t.finish(dec, &["metric", "service", "tolerance"]);
                tolerance.map(|(tolerance, written)| (Bound::Baseline(tolerance), written))
            } else {
                let op = t
                    .req(dec, "op")
                    .and_then(|n| dec.one_of(n, &format!("{p}.op"), "comparison", &["<", "<=", ">", ">=", "==", "!="]));
                let value = t.req(dec, "value").and_then(|n| decode_expected_value(dec, n, &p));
                t.finish(dec, &fields::keys(fields::EXPECT));
                op.zip(value).map(|(op, (value, written))| {
                    let op = op.to_string();
                    (Bound::Threshold { op, value }, written)
                })
            };
            if let (Some(metric), Some((bound, written))) = (metric, bound) {
                out.push(Expectation {
                    metric,
                    service,
                    bound,
                    written,
                    line: item.pos.line,
                });
            }
        }
        out
    }

    /// The `[[expect]]` entries, validated.
    pub fn expectations(&self) -> Result<Vec<Expectation>, Diagnostics> {
        let mut dec = Decoder::new(&self.file);
        // `scenario()` has checked the service names against the scenario already.
        let e = self.decode_expectations(&mut dec, None);
        if dec.diags.is_empty() {
            Ok(e)
        } else {
            Err(Diagnostics(dec.diags))
        }
    }
}

/// Reports an `[[expect]]` whose `service` names no service of `sc` (or names a batch job).
fn check_expected_service(dec: &mut Decoder, sc: &super::Scenario, name: &str, n: &Node, p: &str) {
    if sc.services.iter().any(|s| s.name == name) {
        return;
    }
    let names: Vec<&str> = sc.services.iter().map(|s| s.name.as_str()).collect();
    let hint = if sc.batch_jobs.iter().any(|j| j.name == name) {
        let services = if names.is_empty() {
            "none here".to_string()
        } else {
            names.join(", ")
        };
        Some(format!(
            "\"{name}\" is a batch job; per-service figures exist only for services ({services})"
        ))
    } else {
        suggest(name, names.iter().copied()).or_else(|| Some(format!("services: {}", names.join(", "))))
    };
    dec.error_hint(
        n.pos,
        &format!("{p}.service"),
        format!("no service \"{name}\" in the scenario"),
        hint,
    );
}

/// An `[[expect]]`'s `metric`: a summary figure, or a per-service one when `per_service`.
fn decode_expected_metric(dec: &mut Decoder, n: &Node, p: &str, per_service: bool) -> Option<String> {
    let s = dec.string(n, &format!("{p}.metric"))?;
    let figures: Vec<&str> = crate::metrics::SUMMARY_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "scenario" && *c != "seed")
        .collect();
    let allowed: &[&str] = if per_service { &SERVICE_FIGURES } else { &figures };
    if allowed.contains(&s.as_str()) {
        return Some(s);
    }
    let hint = suggest(&s, allowed.iter().copied()).or_else(|| Some(format!("figures: {}", allowed.join(", "))));
    let what = if per_service {
        "per-service figure"
    } else {
        "summary figure"
    };
    dec.error_hint(n.pos, &format!("{p}.metric"), format!("unknown {what} \"{s}\""), hint);
    None
}

/// An `[[expect]]`'s `value`: a number, or a duration compared in seconds; with the text written.
fn decode_expected_value(dec: &mut Decoder, n: &Node, p: &str) -> Option<(f64, String)> {
    match &n.kind {
        NodeKind::Int(v) => Some((*v as f64, v.to_string())),
        NodeKind::Float(v) => Some((*v, v.to_string())),
        NodeKind::Str(s) => match parse_duration(s) {
            Ok(ms) => Some((ms as f64 / 1000.0, s.clone())),
            Err(e) => {
                dec.error_hint(
                    n.pos,
                    &format!("{p}.value"),
                    format!("\"{s}\" is not a number or a duration: {e}"),
                    Some("write 400, 0.5 or a duration such as \"2m\" (compared in seconds)".into()),
                );
                None
            }
        },
        _ => {
            dec.error(
                n.pos,
                &format!("{p}.value"),
                format!("expected a number or a duration, found {}", n.type_name()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_keys_indexes_and_names() {
        assert_eq!(
            parse_path("services[web].auto_scaling.target_tracking[0].target").unwrap(),
            vec![
                Segment::Key("services".into()),
                Segment::Select("web".into()),
                Segment::Key("auto_scaling".into()),
                Segment::Key("target_tracking".into()),
                Segment::Index(0),
                Segment::Key("target".into()),
            ]
        );
        assert!(parse_path("[0]").is_err());
        assert!(parse_path("a[0").is_err());
    }

    #[test]
    fn runs_are_cartesian_with_replications_innermost_and_distinct_seeds() {
        let axis = |n: usize| Axis {
            name: "a".into(),
            path: "p".into(),
            values: vec![value_from_text("1"); n],
            labels: vec!["1".into(); n],
        };
        let plan = SweepPlan {
            axes: vec![axis(2), axis(3)],
            replications: 2,
            base_seed: 7,
        };
        let runs = plan.runs();
        assert_eq!(runs.len(), 12);
        assert_eq!(runs[0].values, vec![0, 0]);
        assert_eq!(runs[1].values, vec![0, 0]);
        assert_eq!(runs[2].values, vec![0, 1]);
        assert_eq!(runs[6].values, vec![1, 0]);
        assert_eq!((runs[7].combination, runs[7].replication), (3, 1));
        let mut seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), 12);
        assert_eq!(plan.runs(), runs, "the plan is deterministic");
    }
}
