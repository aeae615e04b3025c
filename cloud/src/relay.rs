//! A userspace TCP delay relay: network delay on kernels without `sch_netem`.
//!
//! [`serve`] accepts connections on a listener and opens one connection to
//! a fixed target per accepted connection. Every chunk read from one side is
//! held until its due time, then written to the other side:
//!
//! * due time = arrival + `delay` + a uniform sample in `[-jitter, +jitter]`
//!   (clamped at zero, like `netem delay D J`), and never earlier than the
//!   previous chunk's due time in the same direction, so bytes keep their
//!   order per connection;
//! * the two directions have their own delay ([`RelayConfig::forward`] from
//!   the accepted side to the target, [`RelayConfig::backward`] back);
//! * end of stream is delayed like data, then propagated with a write-side
//!   shutdown; a failed side closes the connection.
//!
//! `cloud relay` runs it as a process; [`crate::netns`] starts one in a
//! replica's namespace per delayed peer and steers traffic into it with
//! iptables DNAT. Outgoing sockets can carry a firewall mark
//! ([`RelayConfig::mark`], `SO_MARK`) so the DNAT rule skips the relay's own
//! connections.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Delay of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Delay {
    /// Mean delay.
    pub delay: Duration,
    /// Uniform jitter around the mean (`+-jitter`).
    pub jitter: Duration,
}

impl Delay {
    /// `delay_ms` +- `jitter_ms`.
    pub fn from_ms(delay_ms: f64, jitter_ms: f64) -> Delay {
        Delay {
            delay: Duration::from_secs_f64(delay_ms.max(0.0) / 1000.0),
            jitter: Duration::from_secs_f64(jitter_ms.max(0.0) / 1000.0),
        }
    }

    /// Whether this adds nothing.
    pub fn is_zero(&self) -> bool {
        self.delay.is_zero() && self.jitter.is_zero()
    }

    /// One sample: `delay + U(-jitter, jitter)`, at least zero.
    fn sample(&self, rng: &Rng) -> Duration {
        if self.jitter.is_zero() {
            return self.delay;
        }
        let j = self.jitter.as_secs_f64();
        let off = (rng.next_f64() * 2.0 - 1.0) * j;
        Duration::from_secs_f64((self.delay.as_secs_f64() + off).max(0.0))
    }
}

/// What a relay does.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Where accepted connections are forwarded.
    pub target: SocketAddr,
    /// Delay from the accepted side to the target.
    pub forward: Delay,
    /// Delay from the target back to the accepted side.
    pub backward: Delay,
    /// `SO_MARK` for outgoing connections (needs `CAP_NET_ADMIN`).
    pub mark: Option<u32>,
}

/// A small xorshift generator (jitter only; not cryptographic).
#[derive(Debug)]
struct Rng(AtomicU64);

impl Rng {
    fn new() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            ^ (std::process::id() as u64) << 32;
        Rng(AtomicU64::new(seed | 1))
    }

    fn next_f64(&self) -> f64 {
        let mut x = self.0.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Accept connections on `listener` forever, relaying each one to
/// `cfg.target` with the configured delays. Returns only if accepting fails.
pub async fn serve(listener: TcpListener, cfg: RelayConfig) -> std::io::Result<()> {
    let cfg = Arc::new(cfg);
    let rng = Arc::new(Rng::new());
    loop {
        let (inbound, peer) = listener.accept().await?;
        let (cfg, rng) = (cfg.clone(), rng.clone());
        tokio::spawn(async move {
            match connect(&cfg).await {
                Ok(outbound) => {
                    tracing::debug!(%peer, target = %cfg.target, "relaying");
                    relay_pair(inbound, outbound, &cfg, &rng).await;
                }
                Err(e) => {
                    tracing::warn!(%peer, target = %cfg.target, error = %e, "cannot reach the target")
                }
            }
        });
    }
}

async fn connect(cfg: &RelayConfig) -> std::io::Result<TcpStream> {
    let socket = if cfg.target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(mark) = cfg.mark {
        use std::os::fd::AsRawFd;
        // SAFETY: setsockopt on a valid socket fd with a pointer to a u32 of the given size.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_MARK,
                &mark as *const u32 as *const libc::c_void,
                std::mem::size_of::<u32>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    let s = socket.connect(cfg.target).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

async fn relay_pair(inbound: TcpStream, outbound: TcpStream, cfg: &RelayConfig, rng: &Arc<Rng>) {
    let _ = inbound.set_nodelay(true);
    let (ir, iw) = inbound.into_split();
    let (or, ow) = outbound.into_split();
    let fwd = pipe(ir, ow, cfg.forward, rng.clone());
    let back = pipe(or, iw, cfg.backward, rng.clone());
    tokio::join!(fwd, back);
}

/// Copy `from` to `to`, holding each chunk (and the end of stream) for one
/// delay sample, in order.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Delay,
    rng: Arc<Rng>,
) {
    // `None` = end of stream. Bounded: a slow writer stops the reader (TCP backpressure).
    let (tx, mut rx) = mpsc::channel::<(Instant, Option<Vec<u8>>)>(1024);
    let reader = async move {
        let mut last = Instant::now();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = from.read(&mut buf).await.unwrap_or(0);
            let due = (Instant::now() + delay.sample(&rng)).max(last);
            last = due;
            let chunk = (n > 0).then(|| buf[..n].to_vec());
            if tx.send((due, chunk)).await.is_err() || n == 0 {
                return;
            }
        }
    };
    let writer = async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            match chunk {
                Some(c) => {
                    if to.write_all(&c).await.is_err() {
                        break;
                    }
                }
                None => break,
            }
        }
        let _ = to.shutdown().await;
        // Dropping `rx` stops the reader.
    };
    tokio::join!(reader, writer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_bounds() {
        let rng = Rng::new();
        let d = Delay::from_ms(10.0, 4.0);
        for _ in 0..1000 {
            let s = d.sample(&rng);
            assert!(
                s >= Duration::from_millis(6) && s <= Duration::from_millis(14),
                "{s:?}"
            );
        }
        let d = Delay::from_ms(1.0, 5.0);
        for _ in 0..100 {
            assert!(d.sample(&rng) <= Duration::from_millis(6));
        }
        assert!(Delay::from_ms(0.0, 0.0).is_zero());
    }

    /// Echo server; the relay delays both directions by 40 ms.
    #[tokio::test]
    async fn relay_delays_preserves_order_and_propagates_close() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = echo.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = echo.accept().await.unwrap();
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    tokio::io::copy(&mut r, &mut w).await.unwrap();
                    w.shutdown().await.unwrap();
                });
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = listener.local_addr().unwrap();
        let cfg = RelayConfig {
            target,
            forward: Delay::from_ms(40.0, 0.0),
            backward: Delay::from_ms(40.0, 10.0),
            mark: None,
        };
        tokio::spawn(serve(listener, cfg));

        let mut c = TcpStream::connect(relay).await.unwrap();
        let t0 = std::time::Instant::now();
        c.write_all(b"ping").await.unwrap();
        let mut b = [0u8; 4];
        c.read_exact(&mut b).await.unwrap();
        let rtt = t0.elapsed();
        assert_eq!(&b, b"ping");
        assert!(
            rtt >= Duration::from_millis(70),
            "round trip {rtt:?} < 40 + (40 - 10) ms"
        );
        assert!(rtt < Duration::from_millis(1000), "round trip {rtt:?}");

        // Many writes: every byte back, in order.
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let (mut r, mut w) = c.into_split();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            for chunk in sent.chunks(1000) {
                w.write_all(chunk).await.unwrap();
            }
            // Close: the echo server sees EOF (after the delay) and closes back.
            w.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        let t1 = std::time::Instant::now();
        r.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert!(t1.elapsed() >= Duration::from_millis(70));
        assert_eq!(got.len(), data.len());
        assert!(got == data, "bytes reordered or corrupted");
    }

    /// Without delay the relay is a plain proxy.
    #[tokio::test]
    async fn zero_delay_is_fast() {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = server.local_addr().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = listener.local_addr().unwrap();
        tokio::spawn(serve(
            listener,
            RelayConfig {
                target,
                forward: Delay::default(),
                backward: Delay::default(),
                mark: None,
            },
        ));
        let t0 = std::time::Instant::now();
        let mut c = TcpStream::connect(relay).await.unwrap();
        let (mut s, _) = server.accept().await.unwrap();
        c.write_all(b"x").await.unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.unwrap();
        drop(s);
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert!(
            t0.elapsed() < Duration::from_millis(500),
            "{:?}",
            t0.elapsed()
        );
    }
}
