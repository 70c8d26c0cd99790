//! Atomic file output: everything is written to a uniquely named temporary file beside its
//! destination and renamed into place, so an interrupted run leaves either the old file or the
//! new one, never half of one, and two runs writing into one directory never share a
//! temporary file (the `tempfile` crate makes the names).

use super::{EventSink, LogEvent, EVENT_COLUMNS};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it into place.
/// Dropping it uncommitted removes the temporary file.
pub struct AtomicFile {
    dest: PathBuf,
    writer: Option<BufWriter<tempfile::NamedTempFile>>,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> io::Result<Self> {
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            writer: Some(BufWriter::with_capacity(1 << 16, temporary_beside(dest)?)),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<tempfile::NamedTempFile> {
        self.writer.as_mut().expect("not yet committed")
    }

    /// Flushes and renames into place. The rename is atomic, so a process that is stopped at
    /// any point leaves the old file or the new one; there is no fsync, so durability across
    /// a power loss is left to the file system (a sweep of many small runs would otherwise
    /// spend its time waiting on the disk).
    pub fn commit(mut self) -> io::Result<()> {
        let w = self.writer.take().expect("commit once");
        let tmp = w.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(&self.dest).map(drop).map_err(|e| e.error)
    }
}

/// A uniquely named temporary file in `dest`'s directory (`.NAME.XXXXXX.tmp`), to be
/// renamed onto `dest`.
fn temporary_beside(dest: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("output");
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
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

/// Streams `metrics.csv` to a temporary file, row by row, with the same bytes (the csv
/// crate's quoting) [`super::MetricsTable::to_csv`] gives; [`CsvMetricsSink::finish`]
/// commits it.
pub struct CsvMetricsSink {
    dest: PathBuf,
    csv: csv::Writer<tempfile::NamedTempFile>,
}

impl CsvMetricsSink {
    pub fn create(dest: &Path) -> io::Result<Self> {
        let csv = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(temporary_beside(dest)?);
        Ok(CsvMetricsSink {
            dest: dest.to_path_buf(),
            csv,
        })
    }

    /// Flushes and renames into place (atomic, as [`AtomicFile::commit`]).
    pub fn finish(self) -> io::Result<()> {
        let tmp = self.csv.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(&self.dest).map(drop).map_err(|e| e.error)
    }
}

impl super::MetricsSink for CsvMetricsSink {
    fn header(&mut self, columns: Vec<String>) -> io::Result<()> {
        self.csv.write_record(&columns).map_err(io::Error::other)
    }

    fn row(&mut self, row: Vec<super::MetricValue>) -> io::Result<()> {
        self.csv
            .write_record(row.iter().map(super::MetricValue::render))
            .map_err(io::Error::other)
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
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            e.time,
            e.kind,
            csv_field(&e.task),
            csv_field(&e.group),
            csv_field(&e.service),
            csv_field(&e.job),
            csv_field(&e.capacity_provider),
            csv_field(&e.instance),
            csv_field(&e.instance_type),
            csv_field(&e.availability_zone),
            csv_field(e.reason),
            csv_field(&e.detail)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_metrics_have_the_bytes_of_the_table() {
        use crate::engine::SimTime;
        use crate::metrics::{MetricValue, MetricsSink, MetricsTable};
        let columns = vec![
            "time_s".to_string(),
            "svc \"a,b\" tasks".to_string(),
            "cpu_pct".to_string(),
        ];
        let rows = vec![
            vec![
                MetricValue::Time(SimTime(0)),
                MetricValue::Count(3),
                MetricValue::OptPct(None),
            ],
            vec![
                MetricValue::Time(SimTime(60_000)),
                MetricValue::Count(4),
                MetricValue::Pct(12.345),
            ],
        ];
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("metrics.csv");
        let (mut table, mut sink) = (MetricsTable::default(), CsvMetricsSink::create(&dest).unwrap());
        for s in [&mut table as &mut dyn MetricsSink, &mut sink] {
            s.header(columns.clone()).unwrap();
            for r in &rows {
                s.row(r.clone()).unwrap();
            }
        }
        // Nothing at the destination until the run ends.
        assert!(!dest.exists());
        sink.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), table.to_csv());
        assert!(table.to_csv().contains("\"svc \"\"a,b\"\" tasks\""));
    }

    #[test]
    fn two_writers_of_one_destination_do_not_share_a_temporary_file() {
        // Fixed `.tmp` names collided when two runs shared an output directory.
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("summary.csv");
        let mut a = AtomicFile::create(&dest).unwrap();
        let mut b = AtomicFile::create(&dest).unwrap();
        a.writer().write_all(b"first").unwrap();
        b.writer().write_all(b"second").unwrap();
        a.commit().unwrap();
        assert_eq!(fs_read(&dest), "first");
        b.commit().unwrap();
        assert_eq!(fs_read(&dest), "second", "each commit is whole");
        // An uncommitted writer leaves nothing behind.
        drop(AtomicFile::create(&dest).unwrap());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["summary.csv".to_string()]);
    }

    fn fs_read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap()
    }
}
