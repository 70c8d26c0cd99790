//! The scenario text `ecsim import` writes: ordered tables of TOML 1.0 values (inline tables on
//! one line, as TOML 1.0 requires), with comment lines where a value is a TODO default.

use std::fmt::Write as _;

/// One TOML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Value>),
    Inline(Table),
}

/// An ordered table: keys in the order they were set; setting a key again replaces it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table(pub Vec<(String, Value)>);

impl Table {
    pub fn set(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Table> for Value {
    fn from(t: Table) -> Self {
        Value::Inline(t)
    }
}

/// A key as TOML writes it: bare when it can be, otherwise a quoted string.
pub fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        quote(k)
    }
}

/// A TOML basic string.
pub fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Str(s) => f.write_str(&quote(s)),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => write!(f, "{x:.1}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Inline(t) => {
                if t.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{ ")?;
                for (i, (k, v)) in t.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {v}", key(k))?;
                }
                f.write_str(" }")
            }
        }
    }
}

/// Appends `[header]` (or `[[header]]`) and the table's `key = value` lines.
pub fn write_table(out: &mut String, header: &str, array: bool, t: &Table) {
    write_table_with_comments(out, header, array, t, &[]);
}

/// As [`write_table`], with comment lines written above the keys they name.
pub fn write_table_with_comments(out: &mut String, header: &str, array: bool, t: &Table, comments: &[(&str, String)]) {
    if array {
        let _ = writeln!(out, "[[{header}]]");
    } else {
        let _ = writeln!(out, "[{header}]");
    }
    for (k, v) in &t.0 {
        for (_, c) in comments.iter().filter(|(ck, _)| ck == k) {
            for line in c.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        let _ = writeln!(out, "{} = {v}", key(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_toml_1_0() {
        let mut inner = Table::default();
        inner.set("type", "spread".into());
        inner.set("field", "attribute:ecs.availability-zone".into());
        let v = Value::Array(vec![Value::Inline(inner)]);
        assert_eq!(
            v.to_string(),
            r#"[{ type = "spread", field = "attribute:ecs.availability-zone" }]"#
        );
        assert_eq!(Value::Float(75.0).to_string(), "75.0");
        let quoted = format!("x = {}", Value::Str("a\"b".into()));
        assert_eq!(quoted.parse::<toml::Table>().unwrap()["x"].as_str(), Some("a\"b"));
        assert_eq!(key("m5.large"), r#""m5.large""#);
        // What it writes, toml (a TOML 1.0 parser) reads back.
        let mut t = Table::default();
        t.set("x", v);
        let mut text = String::new();
        write_table(&mut text, "a", false, &t);
        assert!(text.parse::<toml::Table>().is_ok(), "{text}");
    }
}
