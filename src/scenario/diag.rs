//! Diagnostics: one problem in one input file, located by line, column and field path.

use super::node::Pos;
use std::fmt;

/// A problem found in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    /// Field path such as `services[1].placement_strategy[0].field`; empty for the whole file.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, pos: Pos, path: &str, message: String) -> Self {
        Diagnostic {
            file: file.to_string(),
            pos,
            path: path.to_string(),
            message,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: the problem is in a value given on the command line (`--set`), named by
        // `file`, not in the file.
        if self.pos.line == 0 {
            write!(f, "{}: ", self.file)?;
        } else {
            write!(f, "{}:{}:{}: ", self.file, self.pos.line, self.pos.col)?;
        }
        // Control characters from the input (a key or value with a newline) are printed
        // escaped, so that every diagnostic stays on its lines.
        if !self.path.is_empty() {
            write!(f, "{}: ", printable(&self.path))?;
        }
        write!(f, "{}", printable(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {}", printable(h))?;
        }
        Ok(())
    }
}

/// `text` with its control characters escaped (`\n`, `\t`, `\u{1b}`).
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Every problem found in one or more files, in file order then position order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
