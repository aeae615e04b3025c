//! The gRPC channel every client of this crate uses (the client library,
//! the load generator and the replication links): a tonic [`Channel`]
//! whose request bodies announce their end as soon as it is known, built
//! by [`lazy_channel`].
//!
//! A unary gRPC request body (tonic's encoder over a one-message stream)
//! only finds out that it has ended when polled once more after its
//! message. Hyper then sends the message in one HTTP/2 DATA frame and the
//! end of the stream in a second, empty one, and h2 flushes them in two
//! separate writes (a DATA frame of 256 bytes or more is chained to the
//! socket rather than copied, and the next frame waits for that flush).
//! On loopback every write is a packet the peer is woken up for. With
//! [`EagerEnd`] the body looks one frame ahead, so the message carries
//! END_STREAM itself: one write (and one wake-up of the server) less per
//! request, out of three.

use crate::security::ClientTls;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::body::BoxBody;
use tonic::transport::{Channel, Endpoint};

/// A request body that polls its inner body one frame ahead after each
/// frame, so that [`Body::is_end_stream`] turns true together with the
/// last frame instead of one poll later. Frames, their order and errors
/// are those of the inner body.
pub struct EagerEnd<B> {
    inner: B,
    /// A frame (or error) read ahead, returned by the next poll.
    ahead: Option<Result<Frame<bytes::Bytes>, tonic::Status>>,
    /// The inner body has returned `None`.
    ended: bool,
}

impl<B> EagerEnd<B> {
    /// Wrap `inner`.
    pub fn new(inner: B) -> EagerEnd<B> {
        EagerEnd {
            inner,
            ahead: None,
            ended: false,
        }
    }
}

impl<B> Body for EagerEnd<B>
where
    B: Body<Data = bytes::Bytes, Error = tonic::Status> + Unpin,
{
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let frame = match this.ahead.take() {
            Some(f) => f,
            None if this.ended => return Poll::Ready(None),
            None => match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(f)) => f,
                Poll::Ready(None) => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            },
        };
        // Look one frame ahead (only after a successful frame: after an
        // error the caller stops anyway). `Pending` just means the end is
        // not known yet; the waker is registered, so the caller is woken
        // when the inner body has more.
        if frame.is_ok() && !this.ended {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(next)) => this.ahead = Some(next),
                Poll::Ready(None) => this.ended = true,
                Poll::Pending => {}
            }
        }
        Poll::Ready(Some(frame))
    }

    fn is_end_stream(&self) -> bool {
        self.ahead.is_none() && (self.ended || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let mut hint = self.inner.size_hint();
        if let Some(Ok(f)) = &self.ahead {
            if let Some(d) = f.data_ref() {
                let n = d.len() as u64;
                hint.set_lower(hint.lower() + n);
                if let Some(u) = hint.upper() {
                    hint.set_upper(u + n);
                }
            }
        }
        if self.ended && self.ahead.is_none() {
            hint = SizeHint::with_exact(0);
        }
        hint
    }
}

/// Build a lazily connecting channel to `addr` (`host:port` or a URI);
/// with `tls`, over TLS (`https`) verifying the server against its CA.
pub(crate) fn lazy_channel(
    addr: &str,
    tls: Option<&ClientTls>,
) -> Result<GrpcChannel, tonic::transport::Error> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let uri = match addr.split_once("://") {
        Some((_, rest)) => format!("{scheme}://{rest}"),
        None => format!("{scheme}://{addr}"),
    };
    let mut ep = Endpoint::from_shared(uri)?
        .connect_timeout(Duration::from_secs(1))
        .tcp_nodelay(true)
        .initial_stream_window_size(Some(4 << 20))
        .initial_connection_window_size(Some(16 << 20));
    if let Some(t) = tls {
        ep = ep.tls_config(t.tonic_config())?;
    }
    Ok(GrpcChannel::new(ep.connect_lazy()))
}

/// A tonic [`Channel`] whose request bodies are wrapped in [`EagerEnd`].
#[derive(Clone, Debug)]
pub struct GrpcChannel {
    inner: Channel,
}

impl GrpcChannel {
    /// Wrap `inner`.
    pub fn new(inner: Channel) -> GrpcChannel {
        GrpcChannel { inner }
    }
}

impl tower_service::Service<http::Request<BoxBody>> for GrpcChannel {
    type Response = <Channel as tower_service::Service<http::Request<BoxBody>>>::Response;
    type Error = <Channel as tower_service::Service<http::Request<BoxBody>>>::Error;
    type Future = <Channel as tower_service::Service<http::Request<BoxBody>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower_service::Service::<http::Request<BoxBody>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, req: http::Request<BoxBody>) -> Self::Future {
        self.inner
            .call(req.map(|body| BoxBody::new(EagerEnd::new(body))))
    }
}

#[cfg(test)]
// The item type is tonic's (its `Status` is large).
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    type Item = Result<Frame<bytes::Bytes>, tonic::Status>;

    fn data(s: &'static str) -> Item {
        Ok(Frame::data(bytes::Bytes::from_static(s.as_bytes())))
    }

    fn body_of(items: Vec<Item>) -> BoxBody {
        BoxBody::new(StreamBody::new(tokio_stream::iter(items)))
    }

    /// Poll `b` to the end, recording after each frame whether it said it
    /// had ended.
    async fn frames_and_ends(mut b: EagerEnd<BoxBody>) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        while let Some(f) = b.frame().await {
            let text = match f {
                Ok(f) => match f.into_data() {
                    Ok(d) => String::from_utf8(d.to_vec()).unwrap(),
                    Err(f) => format!("trailers {:?}", f.into_trailers().ok()),
                },
                Err(s) => format!("error {}", s.message()),
            };
            out.push((text, b.is_end_stream()));
        }
        out
    }

    #[tokio::test]
    async fn the_last_frame_already_reports_the_end() {
        let b = EagerEnd::new(body_of(vec![data("one message")]));
        assert!(!b.is_end_stream());
        assert_eq!(
            frames_and_ends(b).await,
            [("one message".to_string(), true)]
        );
    }

    #[tokio::test]
    async fn frames_keep_their_order_and_only_the_last_reports_the_end() {
        let b = EagerEnd::new(body_of(vec![data("a"), data("b"), data("c")]));
        assert_eq!(
            frames_and_ends(b).await,
            [
                ("a".to_string(), false),
                ("b".to_string(), false),
                ("c".to_string(), true)
            ]
        );
    }

    #[tokio::test]
    async fn an_error_read_ahead_is_still_returned() {
        let b = EagerEnd::new(body_of(vec![
            data("a"),
            Err(tonic::Status::internal("broken")),
        ]));
        let got = frames_and_ends(b).await;
        assert_eq!(got[0].0, "a");
        assert!(!got[0].1, "an error is still to come");
        assert_eq!(got[1].0, "error broken");
    }

    #[tokio::test]
    async fn an_empty_body_is_empty() {
        let b = EagerEnd::new(body_of(vec![]));
        assert!(frames_and_ends(b).await.is_empty());
    }

    #[tokio::test]
    async fn a_body_that_is_not_ready_yet_is_waited_for() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Item>(1);
        let body = BoxBody::new(StreamBody::new(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        ));
        let reader = tokio::spawn(frames_and_ends(EagerEnd::new(body)));
        tx.send(data("first")).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        tx.send(data("second")).await.unwrap();
        drop(tx);
        let got = reader.await.unwrap();
        assert_eq!(
            got.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
            ["first", "second"]
        );
    }

    #[tokio::test]
    async fn channel_scheme_follows_tls() {
        assert!(lazy_channel("127.0.0.1:1", None).is_ok());
        assert!(lazy_channel("http://127.0.0.1:1", None).is_ok());
    }

    #[test]
    fn size_hint_counts_the_frame_read_ahead() {
        let mut b = EagerEnd::new(body_of(vec![]));
        b.ahead = Some(data("12345"));
        assert_eq!(b.size_hint().lower(), 5);
        b.ahead = None;
        b.ended = true;
        assert_eq!(b.size_hint().exact(), Some(0));
    }
}
