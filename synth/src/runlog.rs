//! The run log: one JSON object per line for every move and oracle verdict.

use serde_json::{json, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A shared, append-only JSONL log.
#[derive(Clone)]
pub struct RunLog {
    out: Arc<Mutex<BufWriter<File>>>,
    start: Instant,
    /// Time of earlier sessions (a resumed run continues their clock).
    offset_ms: u64,
}

impl RunLog {
    /// Creates (truncates) the log file.
    pub fn create(path: &Path) -> anyhow::Result<RunLog> {
        let f =
            File::create(path).map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
        Ok(RunLog {
            out: Arc::new(Mutex::new(BufWriter::new(f))),
            start: Instant::now(),
            offset_ms: 0,
        })
    }

    /// Opens the log of an interrupted run for appending (`--resume`); `t_ms`
    /// continues from `offset_ms`, the time already spent.
    pub fn append(path: &Path, offset_ms: u64) -> anyhow::Result<RunLog> {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| anyhow::anyhow!("opening {}: {e}", path.display()))?;
        Ok(RunLog {
            out: Arc::new(Mutex::new(BufWriter::new(f))),
            start: Instant::now(),
            offset_ms,
        })
    }

    /// Appends one record; `t_ms` (time since the start) is added.
    pub fn write(&self, mut record: Value) {
        if let Value::Object(m) = &mut record {
            m.insert(
                "t_ms".into(),
                json!(self.offset_ms + self.start.elapsed().as_millis() as u64),
            );
        }
        if let Ok(mut w) = self.out.lock() {
            let _ = writeln!(w, "{record}");
            let _ = w.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_continues_the_log_and_its_clock() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.jsonl");
        RunLog::create(&p).unwrap().write(json!({"move": "spec"}));
        RunLog::append(&p, 5_000)
            .unwrap()
            .write(json!({"move": "resume"}));
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["move"], "spec");
        assert_eq!(lines[1]["move"], "resume");
        assert!(lines[1]["t_ms"].as_u64().unwrap() >= 5_000);
    }
}
