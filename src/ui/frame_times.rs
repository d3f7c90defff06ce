//! The frame-time bar: how long recent frames took to build and paint (eframe's CPU time per
//! frame), as a median, 95th percentile and slowest of the last few seconds.

use std::collections::VecDeque;

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

/// Draws the frame-time bar.
pub fn frame_times_ui(ui: &mut egui::Ui, summary: Option<FrameSummary>) {
    match summary {
        Some(s) => ui.weak(format!(
            "Frame time (CPU, last {} frames): median {:.1} ms · p95 {:.1} ms · max {:.1} ms",
            s.frames, s.p50_ms, s.p95_ms, s.max_ms
        )),
        None => ui.weak("Frame time: measuring..."),
    };
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
