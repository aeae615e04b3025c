//! A high-resolution timer for Tokio: a Linux `timerfd` (CLOCK_MONOTONIC,
//! absolute deadlines) registered with the runtime's reactor.
//!
//! Tokio's own timer has 1 ms ticks. A `timerfd` fires within the kernel's
//! hrtimer precision (microseconds), and because it is just another file
//! descriptor in the runtime's `epoll` set, the task that waits on it is
//! woken by the same thread that polls the sockets: no extra thread and
//! no cross-thread wake-up per deadline.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A one-shot, re-armable, high-resolution timer. Must be created inside a
/// Tokio runtime with I/O enabled.
pub struct HrTimer {
    fd: AsyncFd<OwnedFd>,
}

fn monotonic_now() -> libc::timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts
}

impl HrTimer {
    /// A new, disarmed timer.
    pub fn new() -> io::Result<HrTimer> {
        // SAFETY: plain syscall; the result is checked.
        let raw: RawFd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: an `OwnedFd` always returns the same open descriptor,
        // and it stays open until the `AsyncFd` (its owner) is dropped.
        let fd = unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }?;
        Ok(HrTimer { fd })
    }

    /// Wait until `at` (returns at once when it has passed).
    pub async fn sleep_until(&mut self, at: Instant) -> io::Result<()> {
        let now = Instant::now();
        if at <= now {
            return Ok(());
        }
        // Instant is CLOCK_MONOTONIC on Linux: translate through a fresh
        // reading of both clocks (sub-microsecond error).
        let base = monotonic_now();
        let deadline =
            std::time::Duration::new(base.tv_sec as u64, base.tv_nsec as u32) + (at - now);
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: deadline.as_secs() as libc::time_t,
                tv_nsec: deadline.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: valid descriptor and itimerspec; the result is checked.
        let rc = unsafe {
            libc::timerfd_settime(
                self.fd.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = 0u64;
            // SAFETY: reads 8 bytes into a u64 from our own descriptor.
            let n = unsafe {
                libc::read(
                    guard.get_inner().as_raw_fd(),
                    (&mut expirations as *mut u64).cast(),
                    8,
                )
            };
            if n == 8 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::WouldBlock {
                guard.clear_ready();
                continue;
            }
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn never_wakes_before_the_deadline_and_can_be_rearmed() {
        let mut t = HrTimer::new().unwrap();
        for us in [50u64, 300, 1500, 200] {
            let at = Instant::now() + Duration::from_micros(us);
            t.sleep_until(at).await.unwrap();
            assert!(Instant::now() >= at, "woke before a {us} us deadline");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_past_deadline_returns_at_once() {
        let mut t = HrTimer::new().unwrap();
        let before = Instant::now() - Duration::from_millis(5);
        t.sleep_until(before).await.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_abandoned_wait_does_not_end_the_next_one_early() {
        let mut t = HrTimer::new().unwrap();
        {
            // Arm for 200 us, poll once (pending) and abandon the wait.
            let fut = t.sleep_until(Instant::now() + Duration::from_micros(200));
            let mut fut = std::pin::pin!(fut);
            let polled =
                std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx).is_ready()))
                    .await;
            assert!(!polled, "a 200 us wait is not over at once");
        }
        // The abandoned deadline passes and its expiry stays unread.
        std::thread::sleep(Duration::from_millis(1));
        let at = Instant::now() + Duration::from_millis(3);
        t.sleep_until(at).await.unwrap();
        assert!(Instant::now() >= at, "woke on the stale expiry");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn works_on_a_multi_threaded_runtime() {
        let mut t = HrTimer::new().unwrap();
        let at = Instant::now() + Duration::from_millis(3);
        t.sleep_until(at).await.unwrap();
        assert!(Instant::now() >= at);
    }
}
