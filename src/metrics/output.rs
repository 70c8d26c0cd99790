//! Atomic file output: everything is written to `<name>.tmp` and renamed into place, so an
//! interrupted run leaves either the old file or the new one, never half of one.

use super::{EventSink, LogEvent, EVENT_COLUMNS};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it into place.
/// Dropping it uncommitted removes the temporary file.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> io::Result<Self> {
        let mut tmp = dest.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let f = File::create(&tmp)?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            writer: Some(BufWriter::with_capacity(1 << 16, f)),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("not yet committed")
    }

    /// Flushes and renames into place. The rename is atomic, so a process that is stopped at
    /// any point leaves the old file or the new one; there is no fsync, so durability across
    /// a power loss is left to the file system (a sweep of many small runs would otherwise
    /// spend its time waiting on the disk).
    pub fn commit(mut self) -> io::Result<()> {
        let w = self.writer.take().expect("commit once");
        let f = w.into_inner().map_err(|e| e.into_error())?;
        drop(f);
        fs::rename(&self.tmp, &self.dest)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `dest` atomically.
pub fn write_atomically(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.writer().write_all(bytes)?;
    f.commit()
}

/// Streams `events.csv` to a temporary file; [`CsvEventSink::finish`] commits it.
pub struct CsvEventSink {
    file: AtomicFile,
}

impl CsvEventSink {
    pub fn create(dest: &Path) -> io::Result<Self> {
        let mut file = AtomicFile::create(dest)?;
        writeln!(file.writer(), "{}", EVENT_COLUMNS.join(","))?;
        Ok(CsvEventSink { file })
    }

    pub fn finish(self) -> io::Result<()> {
        self.file.commit()
    }
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

impl EventSink for CsvEventSink {
    fn record(&mut self, e: LogEvent) -> io::Result<()> {
        writeln!(
            self.file.writer(),
            "{},{},{},{},{},{},{},{}",
            e.time,
            e.kind,
            csv_field(&e.task),
            csv_field(&e.group),
            csv_field(&e.instance),
            csv_field(&e.instance_type),
            csv_field(&e.availability_zone),
            csv_field(&e.detail)
        )
    }
}
