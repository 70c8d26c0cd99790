//! A format-neutral document tree with a position on every key and value.
//!
//! TOML (via `toml`'s spanned `DeTable`) and JSON (via `jsonc-parser`'s AST) are both turned
//! into [`Node`]s, so one decoder validates either format and reports `line:col` for each
//! problem it finds.

use super::diag::Diagnostic;

/// 1-based line and column (in characters).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Table(Vec<Entry>),
    Array(Vec<Node>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A TOML date-time literal, kept as text.
    Datetime(String),
    Null,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub pos: Pos,
}

impl Node {
    /// A short name of the value's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Table(_) => "a table",
            NodeKind::Array(_) => "an array",
            NodeKind::Str(_) => "a string",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a float",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Datetime(_) => "a date-time",
            NodeKind::Null => "null",
        }
    }
}

/// Maps byte offsets to line and column.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last position computed (byte offset, 0-based column): the next one on the same
    /// line counts characters from there, so positions visited in document order cost
    /// linear time even on one very long line.
    cursor: std::cell::Cell<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            starts,
            cursor: std::cell::Cell::new((0, 0)),
        }
    }

    /// Line and column (in characters, from 1) of a byte offset.
    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let (from, col_from) = match self.cursor.get() {
            (at, col) if at >= start && at <= offset => (at, col),
            _ => (start, 0),
        };
        let col = col_from + self.text.get(from..offset).map_or(offset - from, |s| s.chars().count());
        self.cursor.set((offset, col));
        Pos {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }
}

/// Parses TOML text into a [`Node`] tree; a syntax error becomes one diagnostic.
pub fn from_toml(file: &str, text: &str) -> Result<Node, Diagnostic> {
    use toml::de::{DeTable, DeValue};
    let lines = LineIndex::new(text);
    let table = DeTable::parse(text).map_err(|e| {
        let pos = e.span().map(|s| lines.pos(s.start)).unwrap_or_default();
        let msg = e.message().trim().to_string();
        Diagnostic::new(file, pos, "", format!("TOML syntax error: {msg}"))
            .with_hint("check quotes, brackets and `key = value` pairs on this line")
    })?;

    fn convert(v: &DeValue<'_>, span: std::ops::Range<usize>, lines: &LineIndex<'_>) -> Node {
        let pos = lines.pos(span.start);
        let kind = match v {
            DeValue::String(s) => NodeKind::Str(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => NodeKind::Int(n),
                Err(_) => NodeKind::Float(f64::INFINITY),
            },
            DeValue::Float(f) => NodeKind::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN)),
            DeValue::Boolean(b) => NodeKind::Bool(*b),
            DeValue::Datetime(d) => NodeKind::Datetime(d.to_string()),
            DeValue::Array(a) => NodeKind::Array(
                a.iter()
                    .map(|item| convert(item.get_ref(), item.span(), lines))
                    .collect(),
            ),
            DeValue::Table(t) => NodeKind::Table(convert_table(t, lines)),
        };
        Node { kind, pos }
    }

    fn convert_table(t: &DeTable<'_>, lines: &LineIndex<'_>) -> Vec<Entry> {
        let mut entries: Vec<(usize, Entry)> = t
            .iter()
            .map(|(k, v)| {
                let start = k.span().start;
                (
                    start,
                    Entry {
                        key: k.get_ref().to_string(),
                        key_pos: lines.pos(start),
                        value: convert(v.get_ref(), v.span(), lines),
                    },
                )
            })
            .collect();
        entries.sort_by_key(|(s, _)| *s);
        entries.into_iter().map(|(_, e)| e).collect()
    }

    let root_span = table.span();
    Ok(Node {
        kind: NodeKind::Table(convert_table(table.get_ref(), &lines)),
        pos: lines.pos(root_span.start),
    })
}

/// Parses JSON text into a [`Node`] tree; a syntax error becomes one diagnostic.
pub fn from_json(file: &str, text: &str) -> Result<Node, Diagnostic> {
    use jsonc_parser::ast::{ObjectPropName, Value};
    let lines = LineIndex::new(text);
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()).map_err(|e| {
        let pos = Pos {
            line: e.line_display() as u32,
            col: e.column_display() as u32,
        };
        Diagnostic::new(file, pos, "", format!("JSON syntax error: {}", e.kind()))
    })?;
    fn convert(v: &Value<'_>, lines: &LineIndex<'_>) -> Node {
        let (kind, start) = match v {
            Value::StringLit(s) => (NodeKind::Str(s.value.to_string()), s.range.start),
            Value::NumberLit(n) => {
                let kind = match n.value.parse::<i64>() {
                    Ok(i) => NodeKind::Int(i),
                    Err(_) => NodeKind::Float(n.value.parse().unwrap_or(f64::NAN)),
                };
                (kind, n.range.start)
            }
            Value::BooleanLit(b) => (NodeKind::Bool(b.value), b.range.start),
            Value::NullKeyword(n) => (NodeKind::Null, n.range.start),
            Value::Array(a) => (
                NodeKind::Array(a.elements.iter().map(|e| convert(e, lines)).collect()),
                a.range.start,
            ),
            Value::Object(o) => (
                NodeKind::Table(
                    o.properties
                        .iter()
                        .map(|p| {
                            let (key, start) = match &p.name {
                                ObjectPropName::String(s) => (s.value.to_string(), s.range.start),
                                ObjectPropName::Word(w) => (w.value.to_string(), w.range.start),
                            };
                            Entry {
                                key,
                                key_pos: lines.pos(start),
                                value: convert(&p.value, lines),
                            }
                        })
                        .collect(),
                ),
                o.range.start,
            ),
        };
        Node {
            kind,
            pos: lines.pos(start),
        }
    }
    match parsed.value {
        Some(v) => Ok(convert(&v, &lines)),
        None => Err(Diagnostic::new(
            file,
            Pos { line: 1, col: 1 },
            "",
            "the file is empty".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    /// The column is the character count from the line start plus one, whatever order the
    /// positions are asked in (the cursor only shortcuts forward moves on one line).
    #[test]
    fn columns_count_characters_in_any_order() {
        let text = "a = [\"é\", \"ü\", 3]\nb = \"日本\" # x\nc = 1";
        let lines = LineIndex::new(text);
        let naive = |offset: usize| {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            (
                text[..offset].matches('\n').count() as u32 + 1,
                text[start..offset].chars().count() as u32 + 1,
            )
        };
        let offsets: Vec<usize> = (0..=text.len()).filter(|o| text.is_char_boundary(*o)).collect();
        let mut order = offsets.clone();
        order.extend(offsets.iter().rev());
        order.extend(offsets.iter().step_by(3));
        for o in order {
            let p = lines.pos(o);
            assert_eq!((p.line, p.col), naive(o), "offset {o}");
        }
    }
}
