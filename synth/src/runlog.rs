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
}

impl RunLog {
    /// Creates (truncates) the log file.
    pub fn create(path: &Path) -> anyhow::Result<RunLog> {
        let f =
            File::create(path).map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
        Ok(RunLog {
            out: Arc::new(Mutex::new(BufWriter::new(f))),
            start: Instant::now(),
        })
    }

    /// Appends one record; `t_ms` (time since the start) is added.
    pub fn write(&self, mut record: Value) {
        if let Value::Object(m) = &mut record {
            m.insert(
                "t_ms".into(),
                json!(self.start.elapsed().as_millis() as u64),
            );
        }
        if let Ok(mut w) = self.out.lock() {
            let _ = writeln!(w, "{record}");
            let _ = w.flush();
        }
    }
}
