//! Frame times as the window measures them (eframe's CPU time per frame: `ui()` plus
//! tessellation and painting, without waiting for vsync), and the start-up probe used by the
//! cold-start benchmark.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Frames kept for the summary.
const WINDOW: usize = 240;

/// The most recent frame times.
#[derive(Default)]
pub struct FrameStats {
    seconds: VecDeque<f32>,
}

/// Percentiles of recent frame times, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameSummary {
    /// Frames summarized.
    pub frames: usize,
    /// Median.
    pub p50_ms: f32,
    /// 95th percentile.
    pub p95_ms: f32,
    /// Slowest.
    pub max_ms: f32,
}

impl FrameStats {
    /// Adds one frame's time.
    pub fn record(&mut self, seconds: f32) {
        if self.seconds.len() == WINDOW {
            self.seconds.pop_front();
        }
        self.seconds.push_back(seconds);
    }

    /// Percentiles of the recent frames, once there are any.
    pub fn summary(&self) -> Option<FrameSummary> {
        let mut sorted: Vec<f32> = self.seconds.iter().copied().collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f32::total_cmp);
        let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q).round() as usize] * 1000.0;
        Some(FrameSummary {
            frames: sorted.len(),
            p50_ms: at(0.5),
            p95_ms: at(0.95),
            max_ms: at(1.0),
        })
    }
}

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Notes when the process started; call first thing in `main`.
pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

/// Time since [`mark_process_start`] (or since first asked).
pub fn since_process_start() -> Duration {
    PROCESS_START.get_or_init(Instant::now).elapsed()
}

/// What the start-up probe waits for before closing the window (`LAKESIGHT_EXIT_AFTER`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitAfter {
    /// The first frame on screen.
    FirstFrame,
    /// The first query result.
    FirstResult,
}

impl ExitAfter {
    /// From the `LAKESIGHT_EXIT_AFTER` environment variable: `first-frame` or `first-result`.
    pub fn from_env() -> Option<Self> {
        match std::env::var("LAKESIGHT_EXIT_AFTER").ok()?.as_str() {
            "first-frame" => Some(Self::FirstFrame),
            "first-result" => Some(Self::FirstResult),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_the_recent_frames() {
        let mut stats = FrameStats::default();
        assert_eq!(stats.summary(), None);
        for ms in 1..=300 {
            stats.record(ms as f32 / 1000.0);
        }
        let summary = stats.summary().expect("frames");
        assert_eq!(summary.frames, WINDOW, "only the recent frames");
        assert_eq!(summary.max_ms.round(), 300.0);
        assert_eq!(summary.p50_ms.round(), 181.0);
    }
}
