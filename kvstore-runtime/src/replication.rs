//! Outgoing replication: one task per peer keeps this replica's messages
//! until the peer acknowledges them, and retransmits from the first
//! unacknowledged one after any failure (with capped exponential backoff).
//!
//! The actor hands each link one batch of new messages per round; the link
//! coalesces everything queued into deliveries of at most
//! [`Link::max_batch`] messages and [`MAX_BATCH_BYTES`] bytes, one delivery
//! in flight at a time. Receivers de-duplicate by sequence number (see
//! [`crate::actor`]), so every message is applied exactly once at every peer.

use crate::actor::{Command, Outgoing};
use crate::channel::lazy_channel;
use crate::metrics::Metrics;
use crate::proto::{replication_client::ReplicationClient, DeliverRequest, Envelope};
use crate::security::{ClientTls, REPLICA_SECRET_HEADER};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::metadata::MetadataValue;

/// Parameters of one link from this replica (`origin`) to a peer (`target`).
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub origin: u64,
    pub incarnation: u64,
    pub target: u64,
    pub addr: String,
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub max_batch: usize,
    pub tls: Option<ClientTls>,
    pub secret: Option<String>,
    /// Least time between the starts of two deliveries (zero: send as soon
    /// as the previous delivery is answered).
    pub linger: Duration,
}

/// A delivery carries at most this many payload bytes (but at least one message).
pub(crate) const MAX_BATCH_BYTES: usize = 4 << 20;

/// The first messages of `outbox`: at most `max` of them and, beyond the
/// first, at most `max_bytes` of payload.
fn next_batch(outbox: &VecDeque<Envelope>, max: usize, max_bytes: usize) -> Vec<Envelope> {
    let mut bytes = 0usize;
    let mut batch = Vec::new();
    for m in outbox.iter().take(max) {
        bytes += m.payload.len();
        if !batch.is_empty() && bytes > max_bytes {
            break;
        }
        batch.push(m.clone());
    }
    batch
}

/// Run the link until `rx` is closed and everything is acknowledged
/// (in practice: until the server aborts the task at shutdown).
/// Acknowledgements are reported to the actor through `acks` (for the log).
pub(crate) async fn run(
    link: Link,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    acks: Option<mpsc::Sender<Command>>,
    metrics: Arc<Metrics>,
) {
    let channel = match lazy_channel(&link.addr, link.tls.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(target = link.target, addr = %link.addr, error = %e, "bad peer address; replication to this peer is disabled");
            return;
        }
    };
    let secret = match link
        .secret
        .as_deref()
        .map(MetadataValue::try_from)
        .transpose()
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the replica secret is not a valid header value; replication is disabled");
            return;
        }
    };
    let mut client = ReplicationClient::new(channel)
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    let mut outbox: VecDeque<Envelope> = VecDeque::new();
    let mut backoff = link.retry_min;
    let mut failing = false;
    let mut lost_reported = false;
    let mut acked = 0u64;
    let mut last_sent: Option<tokio::time::Instant> = None;
    loop {
        if outbox.is_empty() {
            match rx.recv().await {
                Some(batch) => outbox.extend(batch),
                None => return,
            }
        }
        // Coalesce: at most one delivery per `linger`, so that at moderate
        // load a delivery carries the messages of many rounds instead of
        // costing the peer one RPC per round.
        if let Some(at) = last_sent.map(|t| t + link.linger) {
            if !link.linger.is_zero() && tokio::time::Instant::now() < at {
                tokio::time::sleep_until(at).await;
            }
        }
        last_sent = Some(tokio::time::Instant::now());
        while let Ok(batch) = rx.try_recv() {
            outbox.extend(batch);
        }
        metrics.set_unacked(link.target, outbox.len());
        let messages = next_batch(&outbox, link.max_batch, MAX_BATCH_BYTES);
        let first = messages[0].seq;
        let mut req = tonic::Request::new(DeliverRequest {
            origin: link.origin,
            incarnation: link.incarnation,
            target: link.target,
            messages,
        });
        req.set_timeout(Duration::from_secs(5));
        if let Some(s) = &secret {
            req.metadata_mut().insert(REPLICA_SECRET_HEADER, s.clone());
        }
        match client.deliver(req).await {
            Ok(reply) => {
                let upto = reply.into_inner().received_upto;
                while outbox.front().is_some_and(|m| m.seq <= upto) {
                    outbox.pop_front();
                }
                metrics.set_unacked(link.target, outbox.len());
                if upto > acked {
                    acked = upto;
                    if let Some(a) = &acks {
                        // Best effort: a lost acknowledgement record only
                        // means more retransmission after a restart.
                        let _ = a.try_send(Command::Acked {
                            peer: link.target,
                            upto,
                        });
                    }
                }
                if failing {
                    tracing::info!(target = link.target, addr = %link.addr, "peer reachable again; retransmitting unacknowledged messages");
                    failing = false;
                }
                backoff = link.retry_min;
                if upto + 1 < first {
                    // The peer lost messages it had acknowledged (restart without WAL).
                    if !lost_reported {
                        tracing::error!(target = link.target, acknowledged = upto, next = first,
                            "peer lost acknowledged messages (restarted without its write-ahead log); it cannot catch up");
                        lost_reported = true;
                    }
                    tokio::time::sleep(link.retry_max).await;
                }
            }
            Err(status) => {
                metrics.delivery_failed(link.target);
                if !failing {
                    tracing::warn!(target = link.target, addr = %link.addr, code = ?status.code(),
                        error = %status.message(), pending = outbox.len(), "delivery to peer failed; retrying with backoff");
                    failing = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(link.retry_max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_count_and_byte_limits() {
        let outbox: VecDeque<Envelope> = (1..=5)
            .map(|seq| Envelope {
                seq,
                payload: vec![0; 10].into(),
            })
            .collect();
        let seqs = |b: Vec<Envelope>| b.iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(next_batch(&outbox, 3, 1000)), vec![1, 2, 3]);
        assert_eq!(seqs(next_batch(&outbox, 10, 25)), vec![1, 2]);
        // An oversized first message still goes alone.
        assert_eq!(seqs(next_batch(&outbox, 10, 5)), vec![1]);
    }
}
