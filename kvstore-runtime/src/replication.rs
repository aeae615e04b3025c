//! Outgoing replication: one task per peer keeps this replica's messages
//! until the peer acknowledges them, and retransmits from the first
//! unacknowledged one after any failure (with capped exponential backoff).
//!
//! Receivers de-duplicate by sequence number (see [`crate::actor`]), so
//! every message is applied exactly once at every peer.

use crate::actor::Outgoing;
use crate::proto::{replication_client::ReplicationClient, DeliverRequest, Envelope};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::transport::{Channel, Endpoint};

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
}

/// Build a lazily connecting channel to `addr` (`host:port` or a URI).
pub(crate) fn lazy_channel(addr: &str) -> Result<Channel, tonic::transport::Error> {
    let uri = if addr.contains("://") {
        addr.to_string()
    } else {
        format!("http://{addr}")
    };
    Ok(Endpoint::from_shared(uri)?
        .connect_timeout(Duration::from_secs(1))
        .tcp_nodelay(true)
        .connect_lazy())
}

/// Run the link until `rx` is closed and everything is acknowledged
/// (in practice: until the server aborts the task at shutdown).
pub(crate) async fn run(link: Link, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    let channel = match lazy_channel(&link.addr) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(target = link.target, addr = %link.addr, error = %e, "bad peer address; replication to this peer is disabled");
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
    loop {
        if outbox.is_empty() {
            match rx.recv().await {
                Some((seq, payload)) => outbox.push_back(Envelope { seq, payload }),
                None => return,
            }
        }
        while let Ok((seq, payload)) = rx.try_recv() {
            outbox.push_back(Envelope { seq, payload });
        }
        let messages: Vec<Envelope> = outbox.iter().take(link.max_batch).cloned().collect();
        let first = messages[0].seq;
        let mut req = tonic::Request::new(DeliverRequest {
            origin: link.origin,
            incarnation: link.incarnation,
            target: link.target,
            messages,
        });
        req.set_timeout(Duration::from_secs(5));
        match client.deliver(req).await {
            Ok(reply) => {
                let upto = reply.into_inner().received_upto;
                while outbox.front().is_some_and(|m| m.seq <= upto) {
                    outbox.pop_front();
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
                            "peer lost acknowledged messages (restarted without a write-ahead log); it cannot catch up");
                        lost_reported = true;
                    }
                    tokio::time::sleep(link.retry_max).await;
                }
            }
            Err(status) => {
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
