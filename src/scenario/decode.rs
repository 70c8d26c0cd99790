//! Typed reading of a [`Node`] tree that keeps going after a problem, so every problem in a
//! file is reported at once.
//!
//! serde with `deny_unknown_fields` stops at the first error; the issue asks for all of them
//! with positions, so fields are read through [`Fields`], which remembers which keys were used
//! and reports the rest as unknown, with a "did you mean" hint.

use super::diag::Diagnostic;
use super::node::{Node, NodeKind, Pos};
use crate::aws::ecs::placement::query::suggest;

/// Collects diagnostics for one file.
pub struct Decoder {
    pub file: String,
    pub diags: Vec<Diagnostic>,
    /// Problems that do not stop the file from being valid (legal but probably unintended).
    pub warnings: Vec<Diagnostic>,
    /// The files the scenario reads (traces), in the order they were read.
    pub inputs: Vec<std::path::PathBuf>,
}

impl Decoder {
    pub fn new(file: &str) -> Self {
        Decoder {
            file: file.to_string(),
            diags: Vec::new(),
            warnings: Vec::new(),
            inputs: Vec::new(),
        }
    }

    pub fn warn(&mut self, pos: Pos, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::new(&self.file, pos, path, message.into());
        d.hint = hint;
        self.warnings.push(d);
    }

    pub fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(&self.file, pos, path, message.into()));
    }

    pub fn error_hint(&mut self, pos: Pos, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::new(&self.file, pos, path, message.into());
        d.hint = hint;
        self.diags.push(d);
    }

    fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        self.error(
            node.pos,
            path,
            format!("expected {expected}, found {}", node.type_name()),
        );
    }

    pub fn table<'n>(&mut self, node: &'n Node, path: &str) -> Option<Fields<'n>> {
        match &node.kind {
            NodeKind::Table(entries) => Some(Fields {
                pos: node.pos,
                path: path.to_string(),
                entries,
                used: vec![false; entries.len()],
            }),
            _ => {
                self.wrong_type(node, path, "a table");
                None
            }
        }
    }

    pub fn array<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.kind {
            NodeKind::Array(items) => Some(items),
            _ => {
                self.wrong_type(node, path, "an array");
                None
            }
        }
    }

    /// An array of at most `max` items; a longer one is one error naming the ceiling, and
    /// none of its items is decoded (so the work is bounded by the ceiling, not the input).
    pub fn bounded_array<'n>(&mut self, node: &'n Node, path: &str, max: usize, hint: &str) -> Option<&'n [Node]> {
        let items = self.array(node, path)?;
        if items.len() > max {
            self.error_hint(
                node.pos,
                path,
                format!("{} entries, beyond the ceiling of {max}", items.len()),
                Some(hint.into()),
            );
            return None;
        }
        Some(items)
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Str(s) => Some(s.clone()),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.kind {
            NodeKind::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(node, path, "true or false");
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub fn int(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        match &node.kind {
            NodeKind::Int(i) if *i >= min && *i <= max => Some(*i),
            NodeKind::Int(i) if *i < 0 && min >= 0 => {
                self.error_hint(
                    node.pos,
                    path,
                    format!("expected a non-negative integer, found {i}"),
                    Some(format!("use a value between {min} and {max}")),
                );
                None
            }
            NodeKind::Int(i) => {
                self.error(
                    node.pos,
                    path,
                    format!("expected an integer between {min} and {max}, found {i}"),
                );
                None
            }
            _ => {
                self.wrong_type(node, path, "an integer");
                None
            }
        }
    }

    /// A finite number (integer or float) in `min..=max`.
    pub fn number(&mut self, node: &Node, path: &str, min: f64, max: f64) -> Option<f64> {
        let v = match &node.kind {
            NodeKind::Int(i) => *i as f64,
            NodeKind::Float(f) => *f,
            _ => {
                self.wrong_type(node, path, "a number");
                return None;
            }
        };
        if !v.is_finite() || v < min || v > max {
            self.error(
                node.pos,
                path,
                format!("expected a number between {min} and {max}, found {v}"),
            );
            return None;
        }
        Some(v)
    }

    /// One of a fixed set of words; suggests the closest on a typo.
    pub fn one_of(&mut self, node: &Node, path: &str, what: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let s = self.string(node, path)?;
        if let Some(a) = allowed.iter().find(|a| **a == s) {
            return Some(a);
        }
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        self.error_hint(
            node.pos,
            path,
            format!("unknown {what} \"{s}\"; expected one of {list}"),
            suggest(&s, allowed.iter().copied()),
        );
        None
    }
}

/// The fields of one table, with use tracking.
pub struct Fields<'n> {
    pub pos: Pos,
    pub path: String,
    entries: &'n [super::node::Entry],
    used: Vec<bool>,
}

impl<'n> Fields<'n> {
    /// The path of a child field.
    pub fn path_of(&self, key: &str) -> String {
        let key = key_segment(key);
        if self.path.is_empty() {
            key
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// An optional field.
    pub fn opt(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i].value)
    }

    /// A required field; reports it missing at the table's position.
    pub fn req(&mut self, dec: &mut Decoder, key: &str) -> Option<&'n Node> {
        let found = self.opt(key);
        if found.is_none() {
            let where_ = if self.path.is_empty() {
                "the top level".to_string()
            } else {
                self.path.clone()
            };
            dec.error_hint(
                self.pos,
                &self.path_of(key),
                format!("missing required field `{key}` in {where_}"),
                Some(format!("add `{key} = ...`")),
            );
        }
        found
    }

    /// A required field that names something defined elsewhere in the file (an instance
    /// group, a task definition, ...): its index among `names`, or an error that suggests the
    /// closest name, or says where to define one (`fallback`).
    pub fn name_ref<'a>(
        &mut self,
        dec: &mut Decoder,
        key: &str,
        what: &str,
        names: impl Iterator<Item = &'a str> + Clone,
        fallback: Option<&str>,
    ) -> Option<usize> {
        let n = self.req(dec, key)?;
        let p = self.path_of(key);
        let s = dec.string(n, &p)?;
        let found = names.clone().position(|x| x == s);
        if found.is_none() {
            let hint = suggest(&s, names).or_else(|| fallback.map(str::to_string));
            dec.error_hint(n.pos, &p, format!("unknown {what} \"{s}\""), hint);
        }
        found
    }

    /// Reports every field not read as unknown, suggesting the closest known name.
    pub fn finish(self, dec: &mut Decoder, known: &[&str]) {
        for (e, used) in self.entries.iter().zip(&self.used) {
            if !used {
                let path = self.path_of(&e.key);
                let hint = suggest(&e.key, known.iter().copied())
                    .or_else(|| Some(format!("known fields here: {}", known.join(", "))));
                let key = key_segment(&e.key);
                dec.error_hint(e.key_pos, &path, format!("unknown field `{key}`"), hint);
            }
        }
    }
}

/// A key as a path segment: as written when it is a bare TOML key (letters, digits, `_`,
/// `-`), otherwise quoted as a TOML basic string (so an empty key shows as `""` and a key
/// with a newline stays on one line).
pub fn key_segment(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        return key.to_string();
    }
    let mut out = String::from("\"");
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
