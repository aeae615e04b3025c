//! Write-ahead log: every state change of a replica, in the order the
//! replica made it, so that a restarted replica rebuilds the same state by
//! replaying the log through the store's `put`/`apply` (see
//! [`crate::actor`]).
//!
//! File `DIR/wal.log`: the magic [`MAGIC`], then records framed as
//! `len: u32 LE | crc32(body): u32 LE | crc32(len, crc): u32 LE | body`,
//! where `body` is a bincode-encoded [`Record`]. The first record is always
//! a [`Record::Header`] naming the replica that owns the log.
//!
//! Reading classifies damage:
//! * a *torn tail* (the last record is incomplete, its checksum fails and
//!   nothing follows it, or the rest of the file is zeros: a crash in the
//!   middle of a write) is truncated with a warning naming file and offset;
//!   the replica never acknowledged what it contained;
//! * anything else (a bad checksum followed by more data, an undecodable
//!   record) is *corruption*: [`WalError::Corrupt`] names the file and
//!   offset and the replica refuses to start, so nothing is lost silently.
//!
//! # Compaction
//!
//! Every record after the header has a *log sequence number* (LSN): a log
//! starts at LSN 0, or at the `first_lsn` of a [`Record::Rotated`] second
//! record, and each `Put`, `Deliver` or `Acked` record takes the next one.
//! When the log reaches `--wal-compact-bytes` (TOML `wal_compact_bytes`,
//! default [`DEFAULT_COMPACT_BYTES`], 0 = never) the replica
//! 1. forces the log to disk,
//! 2. writes a [`snapshot`] of its whole state (`DIR/snapshot.bin`: the
//!    store state from [`kv_store_api::Store::encode_state`], the sequence
//!    number of its last put, each origin's incarnation and receive position,
//!    the received messages not yet deliverable, the per-peer
//!    acknowledgements and its own messages some peer has not acknowledged)
//!    tagged with the LSN of the next record, atomically (temporary file,
//!    `fsync`, rename, directory `fsync`),
//! 3. replaces the log by a new one holding the header and
//!    `Rotated { first_lsn }` (again temporary file, `fsync`, rename,
//!    directory `fsync`) with [`Wal::rotate`].
//!
//! Recovery loads the snapshot, if any, then replays the log records whose
//! LSN is at least the snapshot's: after a crash between steps 2 and 3 the
//! records the snapshot already holds are skipped. A snapshot that is
//! corrupt, truncated, of another replica or incarnation, or a compacted log
//! without its snapshot is a [`WalError::Snapshot`] naming the file: the
//! replica refuses to start. A store that cannot encode its state (its
//! state holds closures) is never compacted; a note is logged once.

pub mod snapshot;

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// First bytes of every log file (format version 1).
pub const MAGIC: &[u8; 8] = b"KVSWAL01";
/// Bytes of a record frame before the body.
const FRAME: usize = 12;
/// Name of the log file inside the log directory.
pub const FILE_NAME: &str = "wal.log";
/// Default log size that triggers compaction (64 MiB).
pub const DEFAULT_COMPACT_BYTES: u64 = 64 << 20;
/// Interval of the background `fsync` of [`FsyncPolicy::Batch`].
pub const BATCH_SYNC_INTERVAL: Duration = Duration::from_millis(10);

/// When the log is forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// `fsync` before any client or peer is acknowledged (group commit: one
    /// `fsync` per round of commands). Survives power loss.
    #[default]
    Always,
    /// Written to the OS before acknowledging, `fsync`ed every 10 ms in the
    /// background. Survives a crash of the process, not of the machine.
    Batch,
    /// Written to the OS before acknowledging, never `fsync`ed explicitly.
    Never,
}

impl std::str::FromStr for FsyncPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "always" => Ok(FsyncPolicy::Always),
            "batch" => Ok(FsyncPolicy::Batch),
            "never" => Ok(FsyncPolicy::Never),
            _ => Err(format!(
                "unknown fsync policy {s:?} (expected always, batch or never)"
            )),
        }
    }
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// Identity of the replica that writes the log (always first).
    Header {
        /// Store name.
        store: String,
        /// Cluster size.
        replicas: u64,
        /// Replica id.
        id: u64,
        /// Incarnation id the replica keeps across restarts.
        incarnation: u64,
    },
    /// A local `put`: the session token it ran with (encoded), the key, the
    /// value, and the encoded message it produced (sequence number = number
    /// of `Put` records up to this one).
    Put {
        /// Encoded token passed to `put`.
        token: Vec<u8>,
        /// Key.
        key: Vec<u8>,
        /// Value.
        value: Vec<u8>,
        /// Encoded message `put` produced.
        payload: Vec<u8>,
    },
    /// Messages of `origin` received in one delivery (sequence numbers
    /// `first_seq ..`), in the order they were received.
    Deliver {
        /// Origin replica.
        origin: u64,
        /// Origin's incarnation.
        incarnation: u64,
        /// Sequence number of the first payload.
        first_seq: u64,
        /// Encoded messages.
        payloads: Vec<Vec<u8>>,
    },
    /// Peer `peer` acknowledged every message of this replica up to `upto`
    /// (only shortens retransmission after a restart).
    Acked {
        /// Peer id.
        peer: u64,
        /// Acknowledged sequence number.
        upto: u64,
    },
    /// Second record of a log that replaced a compacted one: the LSN of the
    /// record that follows (records before it are in the snapshot).
    Rotated {
        /// LSN of the next record.
        first_lsn: u64,
    },
}

impl Record {
    /// Whether the record takes a log sequence number (everything but the
    /// header and the rotation marker).
    fn numbered(&self) -> bool {
        !matches!(self, Record::Header { .. } | Record::Rotated { .. })
    }
}

/// Errors opening, reading or writing the log.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// An I/O operation failed.
    #[error("write-ahead log {path}: {op}: {source}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// Cause.
        source: std::io::Error,
    },
    /// The log is damaged before its tail.
    #[error("write-ahead log {path} is corrupt at offset {offset}: {reason}; refusing to start (nothing was changed; repair or move the file)")]
    Corrupt {
        /// File.
        path: PathBuf,
        /// Byte offset of the damaged record.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The log belongs to another replica, store or cluster.
    #[error("write-ahead log {path} belongs to {found}, but this replica is {expected}")]
    Mismatch {
        /// File.
        path: PathBuf,
        /// Identity in the log.
        found: String,
        /// Identity of this replica.
        expected: String,
    },
    /// The snapshot cannot be used (or is missing for a compacted log).
    #[error("snapshot {path} cannot be used: {reason}; refusing to start (nothing was changed; repair or move the file)")]
    Snapshot {
        /// Snapshot (or log) file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Replaying a record failed.
    #[error("write-ahead log {path}: replaying the record at offset {offset} failed: {reason}")]
    Replay {
        /// File.
        path: PathBuf,
        /// Byte offset of the record.
        offset: u64,
        /// What went wrong.
        reason: String,
    },
}

/// The identity a log is opened for.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Store name.
    pub store: String,
    /// Cluster size.
    pub replicas: u64,
    /// Replica id.
    pub id: u64,
}

/// A log opened for appending, with what it contained.
#[derive(Debug)]
pub struct Opened {
    /// The log, positioned at its end.
    pub wal: Wal,
    /// Incarnation of the replica (from the header, or fresh for a new log).
    pub incarnation: u64,
    /// LSN of the first record of `records`.
    pub first_lsn: u64,
    /// Records after the header (and rotation marker) with their byte offsets.
    pub records: Vec<(u64, Record)>,
}

/// An open log.
#[derive(Debug)]
pub struct Wal {
    path: PathBuf,
    dir: PathBuf,
    /// The header record (written again at each rotation).
    header: Record,
    /// LSN of the next numbered record.
    next_lsn: u64,
    file: File,
    buf: Vec<u8>,
    policy: FsyncPolicy,
    len: u64,
    dirty: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

fn io<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(std::io::Error) -> WalError + 'a {
    move |source| WalError::Io {
        path: path.to_path_buf(),
        op,
        source,
    }
}

fn frame(rec: &Record, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; FRAME]);
    bincode::serialize_into(&mut *out, rec).expect("records are plain data");
    let body_len = (out.len() - start - FRAME) as u32;
    let crc = crc32fast::hash(&out[start + FRAME..]);
    out[start..start + 4].copy_from_slice(&body_len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    let hcrc = crc32fast::hash(&out[start..start + 8]);
    out[start + 8..start + 12].copy_from_slice(&hcrc.to_le_bytes());
}

/// What parsing found.
#[derive(Debug)]
struct Parsed {
    records: Vec<(u64, Record)>,
    /// Length of the valid prefix (where a torn tail starts).
    valid_len: u64,
    /// Why the tail was torn, if it was.
    torn: Option<String>,
}

/// Parse a whole log file image.
fn parse(path: &Path, data: &[u8]) -> Result<Parsed, WalError> {
    let corrupt = |offset: usize, reason: String| WalError::Corrupt {
        path: path.to_path_buf(),
        offset: offset as u64,
        reason,
    };
    if data.is_empty() {
        // A new log.
        return Ok(Parsed {
            records: Vec::new(),
            valid_len: 0,
            torn: None,
        });
    }
    if data.len() < MAGIC.len() {
        if MAGIC.starts_with(data) {
            return Ok(Parsed {
                records: Vec::new(),
                valid_len: 0,
                torn: Some("the file header is incomplete".into()),
            });
        }
        return Err(corrupt(0, "not a write-ahead log (bad magic)".into()));
    }
    if &data[..MAGIC.len()] != MAGIC {
        return Err(corrupt(0, "not a write-ahead log (bad magic)".into()));
    }
    let mut off = MAGIC.len();
    let mut records = Vec::new();
    let torn = |off: usize, records: Vec<(u64, Record)>, why: String| Parsed {
        records,
        valid_len: off as u64,
        torn: Some(why),
    };
    while off < data.len() {
        let rest = &data[off..];
        if rest.len() < FRAME {
            return Ok(torn(off, records, "incomplete record frame".into()));
        }
        let len = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
        let hcrc = u32::from_le_bytes(rest[8..12].try_into().expect("4 bytes"));
        if crc32fast::hash(&rest[..8]) != hcrc {
            if rest.iter().all(|&b| b == 0) {
                return Ok(torn(off, records, "zero-filled tail".into()));
            }
            return Err(corrupt(off, "record frame checksum mismatch".into()));
        }
        if rest.len() < FRAME + len {
            return Ok(torn(
                off,
                records,
                format!(
                    "incomplete record ({} of {} bytes)",
                    rest.len() - FRAME,
                    len
                ),
            ));
        }
        let body = &rest[FRAME..FRAME + len];
        if crc32fast::hash(body) != crc {
            if rest.len() == FRAME + len {
                return Ok(torn(off, records, "last record checksum mismatch".into()));
            }
            return Err(corrupt(
                off,
                format!(
                    "record checksum mismatch ({} more bytes follow)",
                    rest.len() - FRAME - len
                ),
            ));
        }
        let rec: Record = bincode::deserialize(body)
            .map_err(|e| corrupt(off, format!("undecodable record: {e}")))?;
        records.push((off as u64, rec));
        off += FRAME + len;
    }
    Ok(Parsed {
        records,
        valid_len: off as u64,
        torn: None,
    })
}

/// `fsync` a directory (so that a rename in it is durable).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), WalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir, "syncing the directory"))
}

fn describe(store: &str, replicas: u64, id: u64) -> String {
    format!("replica {id} of {replicas} of store {store:?}")
}

impl Wal {
    /// Open (or create) the log in `dir` for the replica `me` with policy
    /// `policy`; a torn tail is truncated with a warning.
    pub fn open(dir: &Path, me: &Identity, policy: FsyncPolicy) -> Result<Opened, WalError> {
        std::fs::create_dir_all(dir).map_err(io(dir, "creating the directory"))?;
        let path = dir.join(FILE_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path, "opening"))?;
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io(&path, "reading"))?;
        let parsed = parse(&path, &data)?;
        if let Some(why) = &parsed.torn {
            tracing::warn!(path = %path.display(), offset = parsed.valid_len, dropped_bytes = data.len() as u64 - parsed.valid_len,
                reason = %why, "write-ahead log has a torn tail (crash during a write); truncating it");
            file.set_len(parsed.valid_len)
                .map_err(io(&path, "truncating the torn tail"))?;
            file.sync_all().map_err(io(&path, "syncing"))?;
        }
        let mut records = parsed.records.into_iter();
        let mut wal = Wal {
            path: path.clone(),
            dir: dir.to_path_buf(),
            header: Record::Rotated { first_lsn: 0 },
            next_lsn: 0,
            file,
            buf: Vec::new(),
            policy,
            len: parsed.valid_len,
            dirty: Arc::new(AtomicBool::new(false)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let expected = describe(&me.store, me.replicas, me.id);
        let incarnation = match records.next() {
            Some((
                _,
                Record::Header {
                    store,
                    replicas,
                    id,
                    incarnation,
                },
            )) => {
                if store != me.store || replicas != me.replicas || id != me.id {
                    return Err(WalError::Mismatch {
                        path,
                        found: describe(&store, replicas, id),
                        expected,
                    });
                }
                wal.header = Record::Header {
                    store,
                    replicas,
                    id,
                    incarnation,
                };
                incarnation
            }
            Some((offset, _)) => {
                return Err(WalError::Corrupt {
                    path,
                    offset,
                    reason: "the first record is not a header".into(),
                })
            }
            None => {
                // A new (or empty after truncation) log.
                let incarnation: u64 = rand::random();
                wal.file.set_len(0).map_err(io(&path, "truncating"))?;
                wal.file
                    .seek(SeekFrom::Start(0))
                    .map_err(io(&path, "seeking"))?;
                wal.len = 0;
                wal.buf.extend_from_slice(MAGIC);
                wal.header = Record::Header {
                    store: me.store.clone(),
                    replicas: me.replicas,
                    id: me.id,
                    incarnation,
                };
                let header = wal.header.clone();
                wal.append(&header);
                wal.commit_with(FsyncPolicy::Always)?;
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
                tracing::info!(path = %path.display(), incarnation = format_args!("{incarnation:#x}"), "created write-ahead log");
                incarnation
            }
        };
        wal.file
            .seek(SeekFrom::Start(wal.len))
            .map_err(io(&wal.path, "seeking"))?;
        if policy == FsyncPolicy::Batch {
            wal.start_batch_sync()?;
        }
        let mut records = records.peekable();
        let first_lsn = match records.peek() {
            Some((_, Record::Rotated { first_lsn })) => {
                let l = *first_lsn;
                records.next();
                l
            }
            _ => 0,
        };
        let records: Vec<(u64, Record)> = records.collect();
        if let Some((offset, _)) = records.iter().find(|r| !r.1.numbered()) {
            return Err(WalError::Corrupt {
                path: wal.path.clone(),
                offset: *offset,
                reason: "a header or rotation marker after the start of the log".into(),
            });
        }
        wal.next_lsn = first_lsn + records.len() as u64;
        Ok(Opened {
            wal,
            incarnation,
            first_lsn,
            records,
        })
    }

    /// Replace the log by an empty one whose next record has LSN
    /// `first_lsn` (the records before are in a snapshot): the new file
    /// (header and [`Record::Rotated`]) is written to a temporary file,
    /// `fsync`ed and renamed over the log, then the directory is `fsync`ed.
    /// The caller's snapshot must hold everything logged so far: commit
    /// before taking it (records still pending here are dropped).
    pub fn rotate(&mut self, first_lsn: u64) -> Result<(), WalError> {
        debug_assert!(self.buf.is_empty(), "rotating with uncommitted records");
        self.buf.clear();
        let tmp = self.dir.join(format!("{FILE_NAME}.tmp"));
        let mut image = MAGIC.to_vec();
        frame(&self.header, &mut image);
        frame(&Record::Rotated { first_lsn }, &mut image);
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io(&tmp, "creating"))?;
        f.write_all(&image).map_err(io(&tmp, "writing"))?;
        f.sync_all().map_err(io(&tmp, "fsync"))?;
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path, "renaming the new log over"))?;
        sync_dir(&self.dir)?;
        // From here on the new file is the log.
        self.stop.store(true, Ordering::Relaxed);
        self.stop = Arc::new(AtomicBool::new(false));
        self.dirty = Arc::new(AtomicBool::new(false));
        self.file = f;
        self.len = image.len() as u64;
        self.next_lsn = first_lsn;
        if self.policy == FsyncPolicy::Batch {
            self.start_batch_sync()?;
        }
        Ok(())
    }

    /// Force everything committed so far to disk, whatever the policy.
    pub fn sync(&mut self) -> Result<(), WalError> {
        self.commit_with(FsyncPolicy::Always)?;
        self.file.sync_data().map_err(io(&self.path, "fsync"))
    }

    /// LSN of the next record appended (every record appended so far has a
    /// smaller one).
    pub fn lsn(&self) -> u64 {
        self.next_lsn
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn start_batch_sync(&self) -> Result<(), WalError> {
        let file = self
            .file
            .try_clone()
            .map_err(io(&self.path, "duplicating the handle"))?;
        let dirty = self.dirty.clone();
        let stop = self.stop.clone();
        let path = self.path.clone();
        std::thread::Builder::new()
            .name("wal-sync".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(BATCH_SYNC_INTERVAL);
                    if dirty.swap(false, Ordering::AcqRel) {
                        if let Err(e) = file.sync_data() {
                            tracing::error!(path = %path.display(), error = %e, "background fsync of the write-ahead log failed");
                        }
                    }
                }
            })
            .map_err(io(&self.path, "starting the background fsync thread"))?;
        Ok(())
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the file plus bytes appended but not yet committed.
    pub fn len(&self) -> u64 {
        self.len + self.buf.len() as u64
    }

    /// Whether the log holds no record (never true once opened: the header).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether records were appended since the last commit.
    pub fn has_pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Append a record to the in-memory buffer (written by [`Wal::commit`]).
    pub fn append(&mut self, rec: &Record) {
        if rec.numbered() {
            self.next_lsn += 1;
        }
        frame(rec, &mut self.buf);
    }

    /// Write the appended records and force them to disk as the policy says.
    /// Returns whether an `fsync` was done.
    pub fn commit(&mut self) -> Result<bool, WalError> {
        self.commit_with(self.policy)
    }

    fn commit_with(&mut self, policy: FsyncPolicy) -> Result<bool, WalError> {
        if self.buf.is_empty() {
            return Ok(false);
        }
        self.file
            .write_all(&self.buf)
            .map_err(io(&self.path, "writing"))?;
        self.len += self.buf.len() as u64;
        self.buf.clear();
        match policy {
            FsyncPolicy::Always => {
                self.file.sync_data().map_err(io(&self.path, "fsync"))?;
                Ok(true)
            }
            FsyncPolicy::Batch => {
                self.dirty.store(true, Ordering::Release);
                Ok(false)
            }
            FsyncPolicy::Never => Ok(false),
        }
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if self.policy != FsyncPolicy::Never {
            let _ = self.file.sync_data();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Identity {
        Identity {
            store: "s".into(),
            replicas: 3,
            id: 1,
        }
    }

    fn put(i: u8) -> Record {
        Record::Put {
            token: vec![i],
            key: vec![i; 3],
            value: vec![i; 20],
            payload: vec![i; 30],
        }
    }

    fn write_three(dir: &Path) -> (u64, Vec<u64>) {
        let mut o = Wal::open(dir, &me(), FsyncPolicy::Always).unwrap();
        assert!(o.records.is_empty());
        for i in 0..3 {
            o.wal.append(&put(i));
        }
        o.wal.commit().unwrap();
        let o2 = Wal::open(dir, &me(), FsyncPolicy::Never).unwrap();
        assert_eq!(o2.incarnation, o.incarnation);
        let offs = o2.records.iter().map(|r| r.0).collect();
        (o.incarnation, offs)
    }

    #[test]
    fn records_round_trip_and_the_incarnation_is_kept() {
        let d = tempfile::tempdir().unwrap();
        let (inc, _) = write_three(d.path());
        let o = Wal::open(d.path(), &me(), FsyncPolicy::Batch).unwrap();
        assert_eq!(o.incarnation, inc);
        let recs: Vec<Record> = o.records.into_iter().map(|r| r.1).collect();
        assert_eq!(recs, vec![put(0), put(1), put(2)]);
    }

    #[test]
    fn torn_tail_is_truncated_and_appending_continues() {
        let d = tempfile::tempdir().unwrap();
        let (_, offs) = write_three(d.path());
        let path = d.path().join(FILE_NAME);
        let len = std::fs::metadata(&path).unwrap().len();
        // Cut the last record in the middle.
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 5).unwrap();
        drop(f);
        let mut o = Wal::open(d.path(), &me(), FsyncPolicy::Always).unwrap();
        assert_eq!(o.records.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), offs[2]);
        o.wal.append(&put(9));
        o.wal.commit().unwrap();
        drop(o);
        let o = Wal::open(d.path(), &me(), FsyncPolicy::Always).unwrap();
        assert_eq!(o.records.last().unwrap().1, put(9));
        assert_eq!(o.records.len(), 3);
    }

    #[test]
    fn zero_filled_tail_is_torn() {
        let d = tempfile::tempdir().unwrap();
        write_three(d.path());
        let path = d.path().join(FILE_NAME);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[0; 40]).unwrap();
        drop(f);
        let o = Wal::open(d.path(), &me(), FsyncPolicy::Always).unwrap();
        assert_eq!(o.records.len(), 3);
    }

    #[test]
    fn corruption_in_the_middle_refuses_naming_file_and_offset() {
        let d = tempfile::tempdir().unwrap();
        let (_, offs) = write_three(d.path());
        let path = d.path().join(FILE_NAME);
        let mut data = std::fs::read(&path).unwrap();
        let before = data.clone();
        data[offs[1] as usize + FRAME + 2] ^= 0xff;
        std::fs::write(&path, &data).unwrap();
        let e = Wal::open(d.path(), &me(), FsyncPolicy::Always).unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(e, WalError::Corrupt { offset, .. } if offset == offs[1]),
            "{msg}"
        );
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(&format!("offset {}", offs[1])), "{msg}");
        // Nothing was changed.
        assert_eq!(std::fs::read(&path).unwrap().len(), before.len());
    }

    #[test]
    fn a_log_of_another_replica_is_refused() {
        let d = tempfile::tempdir().unwrap();
        write_three(d.path());
        let other = Identity { id: 2, ..me() };
        let e = Wal::open(d.path(), &other, FsyncPolicy::Always).unwrap_err();
        assert!(e.to_string().contains("belongs to replica 1"), "{e}");
    }

    #[test]
    fn an_empty_file_is_a_new_log_and_a_partial_magic_a_torn_one() {
        let p = Path::new("x");
        let empty = parse(p, &[]).unwrap();
        assert!(empty.torn.is_none() && empty.records.is_empty());
        assert!(parse(p, &MAGIC[..3]).unwrap().torn.is_some());
        assert!(parse(p, b"garbage!").is_err());
    }

    #[test]
    fn rotation_starts_a_new_log_at_the_given_lsn_under_the_same_identity() {
        for policy in [FsyncPolicy::Always, FsyncPolicy::Batch] {
            let d = tempfile::tempdir().unwrap();
            let (inc, _) = write_three(d.path());
            let mut o = Wal::open(d.path(), &me(), policy).unwrap();
            assert_eq!((o.first_lsn, o.wal.lsn()), (0, 3));
            let before = o.wal.len();
            o.wal.rotate(3).unwrap();
            assert!(o.wal.len() < before);
            assert_eq!(o.wal.lsn(), 3);
            o.wal.append(&put(7));
            o.wal.append(&Record::Acked { peer: 0, upto: 1 });
            assert_eq!(o.wal.lsn(), 5);
            o.wal.commit().unwrap();
            drop(o);
            let o = Wal::open(d.path(), &me(), policy).unwrap();
            assert_eq!((o.incarnation, o.first_lsn, o.wal.lsn()), (inc, 3, 5));
            assert_eq!(o.records[0].1, put(7));
            assert!(!d.path().join("wal.log.tmp").exists());
        }
    }

    #[test]
    fn fsync_policies_parse() {
        assert_eq!("batch".parse::<FsyncPolicy>().unwrap(), FsyncPolicy::Batch);
        assert!("sometimes".parse::<FsyncPolicy>().is_err());
    }
}
