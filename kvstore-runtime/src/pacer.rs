//! Open-loop pacing with sub-millisecond precision.
//!
//! An open-loop load generator charges each operation's latency from its
//! *intended* send time. Tokio's timer has 1 ms ticks, so a task that
//! sleeps until an intended time wakes up to 1 ms late, and that lateness
//! (the generator's, not the server's) ends up in every measured latency,
//! and requests leave in bursts at tick boundaries. A [`Pacer`] instead
//! waits for each slot on an [`HrTimer`] (a `timerfd` in the runtime's own
//! event loop, microsecond precision). An earlier version released the
//! slots from a dedicated sleeping thread through a channel; on the 2-core
//! machine shared with the replicas, the wake-up of a Tokio worker by that
//! thread for every request cost more CPU than the request itself.

use crate::hrtimer::HrTimer;
use std::time::{Duration, Instant};

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

/// Releases a schedule's slots: each call of [`Pacer::next`] waits for the
/// next slot's intended time on a high-resolution timer and returns it.
pub struct Pacer {
    schedule: Schedule,
    next: u64,
    timer: HrTimer,
    tick: Duration,
}

impl Pacer {
    /// A pacer for `schedule`. Must be called inside a Tokio runtime with
    /// I/O enabled.
    ///
    /// # Panics
    /// If `schedule.interval` is zero.
    pub fn start(schedule: Schedule) -> std::io::Result<Pacer> {
        assert!(
            !schedule.interval.is_zero(),
            "a pacing interval must be positive"
        );
        Ok(Pacer {
            schedule,
            next: 0,
            timer: HrTimer::new()?,
            tick: Duration::ZERO,
        })
    }

    /// Release the slots on a grid of `tick` (from the schedule's start):
    /// a slot is released at the first grid point at or after its intended
    /// time, together with every other slot due by then. `Duration::ZERO`
    /// (the default) releases every slot at its own time. The caller still
    /// gets each slot's intended time, so the wait for the grid counts in
    /// the latencies it charges from it.
    pub fn with_tick(mut self, tick: Duration) -> Pacer {
        self.tick = tick;
        self
    }

    /// When a slot intended at `at` is released.
    fn release_time(&self, at: Instant) -> Instant {
        if self.tick.is_zero() {
            return at;
        }
        let tick = self.tick.as_nanos();
        let since = at.saturating_duration_since(self.schedule.start).as_nanos();
        let grid = since.div_ceil(tick) * tick;
        self.schedule.start + Duration::from_nanos(grid.min(u64::MAX as u128) as u64)
    }

    /// The next intended send time, once it has come (never before it);
    /// `None` after the last slot. A slot whose time has already passed
    /// (the caller was late) is returned at once.
    pub async fn next(&mut self) -> Option<Instant> {
        let at = self.schedule.slot(self.next)?;
        self.next += 1;
        let release = self.release_time(at);
        if self.timer.sleep_until(release).await.is_err() {
            // The timer failed (it does not on Linux once created): fall
            // back to Tokio's coarser timer, which is late but never early.
            while Instant::now() < release {
                tokio::time::sleep_until(release.into()).await;
            }
        }
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `interval` from `t0` (no phase shift) for `length`.
    fn every(t0: Instant, interval: Duration, length: Duration) -> Schedule {
        Schedule {
            start: t0,
            interval,
            phase: 0.0,
            end: t0 + length,
        }
    }

    /// Release every slot of `p` and return their intended times, checking with
    /// `released_ok(intended, now)` each time one is released.
    async fn release_all(
        mut p: Pacer,
        released_ok: impl Fn(Instant, Instant) -> bool,
    ) -> Vec<Instant> {
        let mut got = Vec::new();
        while let Some(at) = p.next().await {
            assert!(released_ok(at, Instant::now()), "slot released too early");
            got.push(at);
        }
        got
    }

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
        let s = every(t0, Duration::from_micros(300), Duration::from_millis(30));
        let got = release_all(Pacer::start(s).unwrap(), |at, now| now >= at).await;
        let want: Vec<Instant> = (0..).map_while(|k| s.slot(k)).collect();
        assert_eq!(got, want);
        assert_eq!(got.len(), 100);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_tick_releases_the_due_slots_together_at_grid_points_with_their_own_times() {
        let t0 = Instant::now() + Duration::from_millis(2);
        let s = every(t0, Duration::from_micros(300), Duration::from_millis(30));
        let tick = Duration::from_millis(3);
        // Released at the first grid point at or after its time, never
        // before it.
        let grid =
            move |at: Instant| t0 + tick * ((at - t0).as_nanos().div_ceil(tick.as_nanos()) as u32);
        let p = Pacer::start(s).unwrap().with_tick(tick);
        assert_eq!(p.release_time(t0), t0);
        assert_eq!(p.release_time(t0 + Duration::from_micros(1)), t0 + tick);
        assert_eq!(p.release_time(t0 + tick), t0 + tick);
        let got = release_all(p, |at, now| now >= grid(at)).await;
        let want: Vec<Instant> = (0..).map_while(|k| s.slot(k)).collect();
        assert_eq!(got, want, "every slot, with its intended time, in order");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_late_caller_gets_past_slots_at_once_and_in_order() {
        let t0 = Instant::now();
        let s = every(t0, Duration::from_micros(100), Duration::from_millis(1));
        let p = Pacer::start(s).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let got = release_all(p, |_, _| true).await;
        let want: Vec<Instant> = (0..).map_while(|k| s.slot(k)).collect();
        assert_eq!(
            got, want,
            "every slot, none skipped, after the schedule's end"
        );
    }
}
