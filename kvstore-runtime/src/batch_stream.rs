//! Server side of `Kv/BatchStream`: the stream of replies to one stream of
//! tagged batch requests.
//!
//! Each request runs exactly as a `Batch` call would (same limits, same
//! wait for catch-up, same errors), concurrently with the others of the
//! stream, and is answered with its tag as soon as it is done. A failed
//! request is answered with its error and the stream goes on. At most
//! [`MAX_STREAM_IN_FLIGHT`] requests of a stream run at a time; beyond
//! that the stream is not read, so HTTP/2 flow control holds the client
//! back. When the request stream breaks (e.g. a message that does not
//! decode), the requests already read are still answered, then the reply
//! stream ends with that error. When the replica shuts down, it stops
//! reading requests, answers those it has read, and ends the stream with
//! `UNAVAILABLE` (so that graceful shutdown does not wait for clients to
//! close their streams).

use crate::proto;
use crate::service::{stopped, KvService};
use futures_util::stream::{FuturesUnordered, Stream};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::{Status, Streaming};

/// Requests of one stream running at the same time, at most.
pub(crate) const MAX_STREAM_IN_FLIGHT: usize = 1024;

type Running = Pin<Box<dyn Future<Output = proto::TaggedBatchReply> + Send>>;

/// The replies of one `BatchStream` call.
pub struct BatchStreamReplies {
    service: KvService,
    /// The client's requests, until they end or break.
    requests: Option<Streaming<proto::TaggedBatchRequest>>,
    running: FuturesUnordered<Running>,
    /// Why the request stream broke, sent after the last reply.
    broken: Option<Status>,
    /// Ready when the replica starts shutting down.
    stopping: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl BatchStreamReplies {
    pub(crate) fn new(
        service: KvService,
        requests: Streaming<proto::TaggedBatchRequest>,
    ) -> BatchStreamReplies {
        let mut stop = service.stopping.clone();
        BatchStreamReplies {
            service,
            requests: Some(requests),
            running: FuturesUnordered::new(),
            broken: None,
            stopping: Box::pin(async move {
                if stop.wait_for(|s| *s).await.is_err() {
                    // The handle was dropped without a shutdown: the
                    // replica goes on serving.
                    std::future::pending::<()>().await;
                }
            }),
        }
    }

    /// Start the requests that have arrived (up to the limit).
    fn read_requests(&mut self, cx: &mut Context<'_>) {
        if self.requests.is_some() && self.stopping.as_mut().poll(cx).is_ready() {
            self.requests = None;
            self.broken = Some(stopped(self.service.id));
        }
        while self.running.len() < MAX_STREAM_IN_FLIGHT {
            let Some(requests) = self.requests.as_mut() else {
                return;
            };
            match Pin::new(requests).poll_next(cx) {
                Poll::Ready(Some(Ok(r))) => {
                    let service = self.service.clone();
                    self.running
                        .push(Box::pin(async move { service.tagged(r).await }));
                }
                Poll::Ready(Some(Err(status))) => {
                    tracing::debug!(replica = self.service.id, error = %status, "batch stream broken");
                    self.requests = None;
                    self.broken = Some(status);
                }
                Poll::Ready(None) => self.requests = None,
                Poll::Pending => return,
            }
        }
    }
}

impl Stream for BatchStreamReplies {
    type Item = Result<proto::TaggedBatchReply, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.read_requests(cx);
        match Pin::new(&mut this.running).poll_next(cx) {
            Poll::Ready(Some(reply)) => Poll::Ready(Some(Ok(reply))),
            // Nothing running: done once the requests have ended.
            Poll::Ready(None) if this.requests.is_none() => {
                Poll::Ready(this.broken.take().map(Err))
            }
            _ => Poll::Pending,
        }
    }
}
