//! Where the live simulator gets its time: [`SystemClock`] (tokio's timer and the real wall
//! clock) in the CLI and the app, [`VirtualClock`] in tests, where time moves only when the
//! simulator waits, so every run of a test delivers exactly the same objects.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A source of time for [`run_with_clock`](super::run_with_clock).
pub trait Clock: Send + Sync {
    /// Monotonic time since the clock was created.
    fn elapsed(&self) -> Duration;
    /// The wall-clock time stamped on events and used to name objects.
    fn wall_now(&self) -> DateTime<Utc>;
    /// Waits until [`Clock::elapsed`] reaches `deadline`; returns at once if it already has.
    fn sleep_until(&self, deadline: Duration) -> impl Future<Output = ()> + Send;
}

/// Real time: tokio's timer for waiting, the system clock for timestamps.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    start: tokio::time::Instant,
}

impl SystemClock {
    /// A clock whose [`Clock::elapsed`] counts from now.
    pub fn new() -> Self {
        Self {
            start: tokio::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn wall_now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, deadline: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep_until(self.start + deadline)
    }
}

/// Simulated time for tests: waiting jumps straight to the deadline, and nothing else moves
/// the clock except [`VirtualClock::advance`] (a slow step, a stalled disk).
#[derive(Debug)]
pub struct VirtualClock {
    wall_start: DateTime<Utc>,
    elapsed: Mutex<Duration>,
}

impl VirtualClock {
    /// A clock at `wall_start` that has not moved yet.
    pub fn new(wall_start: DateTime<Utc>) -> Self {
        Self {
            wall_start,
            elapsed: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward by `step`, as if that much time went by doing work.
    pub fn advance(&self, step: Duration) {
        *self.lock() += step;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Duration> {
        self.elapsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for VirtualClock {
    fn elapsed(&self) -> Duration {
        *self.lock()
    }

    fn wall_now(&self) -> DateTime<Utc> {
        self.wall_start + self.elapsed()
    }

    fn sleep_until(&self, deadline: Duration) -> impl Future<Output = ()> + Send {
        {
            let mut elapsed = self.lock();
            *elapsed = (*elapsed).max(deadline);
        }
        // Yield once, as a real sleep would, so other tasks get a turn between ticks.
        tokio::task::yield_now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn virtual_time_moves_only_when_waiting_or_advanced() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let clock = VirtualClock::new(start);
        assert_eq!(clock.elapsed(), Duration::ZERO);
        clock.sleep_until(Duration::from_millis(250)).await;
        assert_eq!(clock.elapsed(), Duration::from_millis(250));
        clock.sleep_until(Duration::from_millis(100)).await;
        assert_eq!(
            clock.elapsed(),
            Duration::from_millis(250),
            "never backwards"
        );
        clock.advance(Duration::from_secs(2));
        assert_eq!(
            clock.wall_now(),
            start + Duration::from_millis(2_250),
            "wall time follows"
        );
    }
}
