//! Open-loop pacing with sub-millisecond precision.
//!
//! An open-loop load generator charges each operation's latency from its
//! *intended* send time. Tokio's timer has 1 ms ticks, so a task that
//! sleeps until an intended time wakes up to 1 ms late, and that lateness
//! (the generator's, not the server's) ends up in every measured latency,
//! and requests leave in bursts at tick boundaries. A [`Pacer`] instead
//! releases the schedule from a dedicated thread that sleeps with
//! `std::thread::sleep` (a high-resolution `nanosleep`, typically within
//! 0.1 ms) and hands each intended time to the async sender through a
//! channel. The thread stops at the end of the schedule or as soon as the
//! receiver is dropped.

use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A schedule `start + interval * (k + phase)` for `k = 0, 1, ...`, up to
/// (excluding) `end`.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Time of slot 0 (before the phase shift).
    pub start: Instant,
    /// Time between consecutive slots (must be positive).
    pub interval: Duration,
    /// Shift of every slot, in intervals (in `[0, 1)` to spread several
    /// schedules over one interval).
    pub phase: f64,
    /// No slot at or after this time.
    pub end: Instant,
}

impl Schedule {
    /// The intended time of slot `k`, or `None` at or past the end.
    pub fn slot(&self, k: u64) -> Option<Instant> {
        let at = self.start + self.interval.mul_f64(k as f64 + self.phase);
        (at < self.end).then_some(at)
    }
}

/// The receiving end: yields each slot's intended time once that time has
/// come (never before it).
pub struct Pacer {
    rx: mpsc::UnboundedReceiver<Instant>,
}

impl Pacer {
    /// Start the pacing thread for `schedule`.
    ///
    /// # Panics
    /// If `schedule.interval` is zero.
    pub fn start(schedule: Schedule) -> std::io::Result<Pacer> {
        spawn(schedule).map(|(rx, _thread)| Pacer { rx })
    }

    /// The next intended send time, once it has come; `None` after the
    /// last slot.
    pub async fn next(&mut self) -> Option<Instant> {
        self.rx.recv().await
    }
}

/// The pacing thread and its channel.
fn spawn(
    schedule: Schedule,
) -> std::io::Result<(
    mpsc::UnboundedReceiver<Instant>,
    std::thread::JoinHandle<()>,
)> {
    assert!(
        !schedule.interval.is_zero(),
        "a pacing interval must be positive"
    );
    let (tx, rx) = mpsc::unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("load-pacer".into())
        .spawn(move || {
            let mut k = 0;
            while let Some(at) = schedule.slot(k) {
                loop {
                    let now = Instant::now();
                    if now >= at {
                        break;
                    }
                    std::thread::sleep(at - now);
                }
                if tx.send(at).is_err() {
                    return; // the sender task is gone
                }
                k += 1;
            }
        })?;
    Ok((rx, thread))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_shifted_and_stop_at_the_end() {
        let t0 = Instant::now();
        let s = Schedule {
            start: t0,
            interval: Duration::from_millis(10),
            phase: 0.5,
            end: t0 + Duration::from_millis(40),
        };
        let slots: Vec<Duration> = (0..10).filter_map(|k| s.slot(k)).map(|t| t - t0).collect();
        assert_eq!(
            slots,
            [5, 15, 25, 35].map(Duration::from_millis),
            "slots at (k + 0.5) * 10 ms before 40 ms"
        );
    }

    #[tokio::test]
    async fn every_slot_is_released_in_order_and_never_early() {
        let t0 = Instant::now() + Duration::from_millis(2);
        let s = Schedule {
            start: t0,
            interval: Duration::from_micros(300),
            phase: 0.0,
            end: t0 + Duration::from_millis(30),
        };
        let mut p = Pacer::start(s).unwrap();
        let mut got = Vec::new();
        while let Some(at) = p.next().await {
            assert!(Instant::now() >= at, "released before its time");
            got.push(at);
        }
        let want: Vec<Instant> = (0..).map_while(|k| s.slot(k)).collect();
        assert_eq!(got, want);
        assert_eq!(got.len(), 100);
    }

    #[tokio::test]
    async fn dropping_the_receiver_stops_the_thread() {
        let t0 = Instant::now();
        let s = Schedule {
            start: t0,
            interval: Duration::from_micros(100),
            phase: 0.0,
            end: t0 + Duration::from_secs(3600),
        };
        let (mut rx, thread) = spawn(s).unwrap();
        assert!(rx.recv().await.is_some());
        drop(rx);
        // The schedule is an hour long: the thread ends only because its
        // next send finds the receiver gone (else this join would hang).
        tokio::task::spawn_blocking(move || thread.join().unwrap())
            .await
            .unwrap();
    }
}
