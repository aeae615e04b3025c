//! Snapshot of a replica's whole state, written when the write-ahead log is
//! compacted (see the [module docs](super)).
//!
//! File `DIR/snapshot.bin`:
//! `MAGIC "KVSSNP02" | len: u64 LE | crc32(body): u32 LE | body`, where
//! `body` (exactly `len` bytes, nothing after it) is a bincode-encoded
//! [`Snapshot`]. Snapshots of format 1 (`"KVSSNP01"`, whose buffered
//! messages carry no origin) are still read, their buffered messages then
//! being of unknown origin. It is replaced atomically: written to `snapshot.tmp`,
//! `fsync`ed, renamed over `snapshot.bin`, and the directory `fsync`ed, so
//! a crash leaves either the old or the new snapshot. Any damage (bad magic,
//! short file, checksum mismatch, undecodable body, trailing bytes) is a
//! [`WalError::Snapshot`] naming the file: a replica never starts from a
//! snapshot it cannot read.

use super::{io, sync_dir, WalError};
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// First bytes of a snapshot file (format version 2).
pub const MAGIC: &[u8; 8] = b"KVSSNP02";
/// First bytes of a snapshot file of format version 1 (still read).
pub const MAGIC_V1: &[u8; 8] = b"KVSSNP01";
/// Name of the snapshot file inside the log directory.
pub const FILE_NAME: &str = "snapshot.bin";
/// Name of the snapshot being written.
const TMP_NAME: &str = "snapshot.tmp";
/// Bytes before the body.
const HEADER: usize = MAGIC.len() + 8 + 4;

/// Receive state of one origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OriginSnapshot {
    /// Incarnation of the origin seen so far.
    pub incarnation: Option<u64>,
    /// Every message of the origin up to this sequence number was received.
    pub received_upto: u64,
}

/// Everything a replica's recovery rebuilds from the log records before
/// [`Snapshot::lsn`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Store name.
    pub store: String,
    /// Cluster size.
    pub replicas: u64,
    /// Replica id.
    pub id: u64,
    /// Incarnation of the replica (as in the log header).
    pub incarnation: u64,
    /// LSN of the first log record *not* included.
    pub lsn: u64,
    /// The store state ([`kv_store_api::Store::encode_state`]).
    pub state: Vec<u8>,
    /// Sequence number of this replica's last put.
    pub next_seq: u64,
    /// Receive state of every origin (indexed by replica id).
    pub origins: Vec<OriginSnapshot>,
    /// Received messages not yet deliverable: (origin, encoded message),
    /// each origin's in arrival order; the origin is `None` for messages
    /// restored from a format-1 snapshot.
    pub pending: Vec<(Option<u64>, Vec<u8>)>,
    /// Highest acknowledgement of each peer (indexed by replica id).
    pub acked: Vec<u64>,
    /// This replica's messages not acknowledged by every peer:
    /// (sequence number, encoded message), in sequence order.
    pub unacked: Vec<(u64, Vec<u8>)>,
}

/// The body of a format-1 snapshot: as [`Snapshot`], but the buffered
/// messages carry no origin.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct SnapshotV1 {
    store: String,
    replicas: u64,
    id: u64,
    incarnation: u64,
    lsn: u64,
    state: Vec<u8>,
    next_seq: u64,
    origins: Vec<OriginSnapshot>,
    pending: Vec<Vec<u8>>,
    acked: Vec<u64>,
    unacked: Vec<(u64, Vec<u8>)>,
}

impl From<SnapshotV1> for Snapshot {
    fn from(s: SnapshotV1) -> Self {
        Snapshot {
            store: s.store,
            replicas: s.replicas,
            id: s.id,
            incarnation: s.incarnation,
            lsn: s.lsn,
            state: s.state,
            next_seq: s.next_seq,
            origins: s.origins,
            pending: s.pending.into_iter().map(|m| (None, m)).collect(),
            acked: s.acked,
            unacked: s.unacked,
        }
    }
}

/// The snapshot file of log directory `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// The file image of `snap`.
pub fn encode(snap: &Snapshot) -> Vec<u8> {
    let body = bincode::serialize(snap).expect("snapshots are plain data");
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Parse the file image `data` of the snapshot `path`.
pub fn decode(path: &Path, data: &[u8]) -> Result<Snapshot, WalError> {
    let bad = |reason: String| WalError::Snapshot {
        path: path.to_path_buf(),
        reason,
    };
    let version = match data.get(..MAGIC.len()) {
        Some(m) if m == MAGIC => 2,
        Some(m) if m == MAGIC_V1 => 1,
        _ => return Err(bad("not a snapshot (bad magic)".into())),
    };
    if data.len() < HEADER {
        return Err(bad(format!(
            "truncated: {} bytes, shorter than the {HEADER}-byte header",
            data.len()
        )));
    }
    let len = u64::from_le_bytes(data[8..16].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(data[16..20].try_into().expect("4 bytes"));
    let body = &data[HEADER..];
    if (body.len() as u64) < len {
        return Err(bad(format!(
            "truncated: the body has {} of {len} bytes",
            body.len()
        )));
    }
    if body.len() as u64 > len {
        return Err(bad(format!(
            "{} unexpected bytes after the body",
            body.len() as u64 - len
        )));
    }
    if crc32fast::hash(body) != crc {
        return Err(bad("checksum mismatch".into()));
    }
    let undecodable = |e: bincode::Error| bad(format!("undecodable body: {e}"));
    if version == 1 {
        return bincode::deserialize::<SnapshotV1>(body)
            .map(Snapshot::from)
            .map_err(undecodable);
    }
    bincode::deserialize(body).map_err(undecodable)
}

/// Read the snapshot of log directory `dir`, if there is one.
pub fn read(dir: &Path) -> Result<Option<Snapshot>, WalError> {
    let p = path(dir);
    match std::fs::read(&p) {
        Ok(data) => decode(&p, &data).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(WalError::Io {
            path: p,
            op: "reading",
            source: e,
        }),
    }
}

/// Write `snap` as the snapshot of log directory `dir`, atomically and
/// durably; returns the size of the file.
pub fn write(dir: &Path, snap: &Snapshot) -> Result<u64, WalError> {
    let image = encode(snap);
    let tmp = dir.join(TMP_NAME);
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io(&tmp, "creating"))?;
    f.write_all(&image).map_err(io(&tmp, "writing"))?;
    f.sync_all().map_err(io(&tmp, "fsync"))?;
    drop(f);
    let p = path(dir);
    std::fs::rename(&tmp, &p).map_err(io(&p, "renaming the new snapshot over"))?;
    sync_dir(dir)?;
    Ok(image.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        Snapshot {
            store: "s".into(),
            replicas: 3,
            id: 1,
            incarnation: 0xabc,
            lsn: 42,
            state: vec![1, 2, 3],
            next_seq: 7,
            origins: vec![
                OriginSnapshot {
                    incarnation: Some(5),
                    received_upto: 3,
                },
                OriginSnapshot::default(),
                OriginSnapshot::default(),
            ],
            pending: vec![(Some(0), vec![9; 4]), (None, vec![8])],
            acked: vec![6, 0, 2],
            unacked: vec![(3, vec![3]), (7, vec![7, 7])],
        }
    }

    #[test]
    fn snapshots_round_trip_through_the_file_and_are_replaced() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(read(d.path()).unwrap(), None);
        let n = write(d.path(), &snap()).unwrap();
        assert_eq!(std::fs::metadata(path(d.path())).unwrap().len(), n);
        assert_eq!(read(d.path()).unwrap(), Some(snap()));
        let newer = Snapshot { lsn: 50, ..snap() };
        write(d.path(), &newer).unwrap();
        assert_eq!(read(d.path()).unwrap(), Some(newer));
        assert!(!d.path().join(TMP_NAME).exists());
    }

    #[test]
    fn the_layout_is_magic_length_checksum_body() {
        let image = encode(&snap());
        assert_eq!(&image[..8], MAGIC);
        let len = u64::from_le_bytes(image[8..16].try_into().unwrap());
        assert_eq!(len as usize, image.len() - HEADER);
        let crc = u32::from_le_bytes(image[16..20].try_into().unwrap());
        assert_eq!(crc, crc32fast::hash(&image[HEADER..]));
        let body: Snapshot = bincode::deserialize(&image[HEADER..]).unwrap();
        assert_eq!(body, snap());
    }

    #[test]
    fn format_1_snapshots_are_read_with_buffered_messages_of_unknown_origin() {
        let s = snap();
        let body = bincode::serialize(&SnapshotV1 {
            store: s.store.clone(),
            replicas: s.replicas,
            id: s.id,
            incarnation: s.incarnation,
            lsn: s.lsn,
            state: s.state.clone(),
            next_seq: s.next_seq,
            origins: s.origins.clone(),
            pending: vec![vec![9; 4], vec![8]],
            acked: s.acked.clone(),
            unacked: s.unacked.clone(),
        })
        .unwrap();
        let mut image = MAGIC_V1.to_vec();
        image.extend_from_slice(&(body.len() as u64).to_le_bytes());
        image.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        image.extend_from_slice(&body);
        let read = decode(Path::new("snapshot.bin"), &image).unwrap();
        let want = Snapshot {
            pending: vec![(None, vec![9; 4]), (None, vec![8])],
            ..s
        };
        assert_eq!(read, want);
    }

    #[test]
    fn every_kind_of_damage_is_an_error_naming_the_file() {
        let p = Path::new("/some/dir/snapshot.bin");
        let good = encode(&snap());
        let check = |data: &[u8], what: &str| {
            let e = decode(p, data).unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, WalError::Snapshot { .. }), "{msg}");
            assert!(msg.contains("/some/dir/snapshot.bin"), "{msg}");
            assert!(msg.contains(what), "{what}: {msg}");
            assert!(msg.contains("refusing to start"), "{msg}");
        };
        check(&[], "bad magic");
        check(b"KVSWAL01xxxxxxxxxxxxxxxx", "bad magic");
        check(&good[..12], "truncated");
        check(&good[..good.len() - 1], "truncated");
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        check(&flipped, "checksum");
        let mut longer = good.clone();
        longer.push(0);
        check(&longer, "unexpected bytes");
        // A consistent frame around a body that is not a snapshot.
        let mut junk = MAGIC.to_vec();
        junk.extend_from_slice(&2u64.to_le_bytes());
        junk.extend_from_slice(&crc32fast::hash(&[1, 2]).to_le_bytes());
        junk.extend_from_slice(&[1, 2]);
        check(&junk, "undecodable");
    }
}
