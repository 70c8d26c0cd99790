//! Scenario files: TOML or JSON in, a validated [`Scenario`] out, or every problem in the file
//! at once as [`Diagnostics`] (file:line:col, field path, what was expected, a hint).
//!
//! Architecture invariant: this is the only module that reads scenario or trace files; the
//! simulator receives typed, validated values and never re-checks user input.

mod decode;
pub mod diag;
pub mod elastic;
pub mod experiment;
pub mod faults;
pub mod fields;
pub mod load_balancing;
pub mod node;
pub mod schema;
pub mod trace;
pub mod values;

pub use diag::{Diagnostic, Diagnostics};
pub use schema::*;
pub use values::{parse_duration, DurationDist};

use std::path::Path;

/// Reads an input file's text; a file that cannot be read is one diagnostic naming it.
/// Returns the file's name as messages show it, and its text.
pub fn read_input(path: &Path) -> Result<(String, String), Diagnostics> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((file, text)),
        Err(e) => Err(Diagnostics(vec![Diagnostic::new(
            &file,
            node::Pos { line: 1, col: 1 },
            "",
            format!("cannot read the file: {e}"),
        )])),
    }
}

/// Loads and validates a scenario file (`.toml` or `.json`).
pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
    let (file, text) = read_input(path)?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    parse_str(&file, &text, base_dir, stem)
}

/// Parses scenario text. The format is JSON when `file` ends in `.json`, TOML otherwise.
pub fn parse_str(file: &str, text: &str, base_dir: &Path, default_name: &str) -> Result<Scenario, Diagnostics> {
    experiment::Document::parse(file, text, base_dir, default_name)?.scenario()
}
