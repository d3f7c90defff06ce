//! Frame times as the window measures them (eframe's CPU time per frame: `ui()` plus
//! tessellation and painting, without waiting for vsync), logged on request
//! (`LAKESIGHT_FRAME_LOG`), and the start-up probe used by the cold-start benchmark
//! (`LAKESIGHT_EXIT_AFTER`).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::ui::frame_times::FrameStats;

/// Frame times and the start-up probe of one window.
#[derive(Default)]
pub struct Probe {
    /// Recent frame times (the View menu's frame-time bar).
    pub stats: FrameStats,
    frames_drawn: u64,
    /// What the start-up probe waits for (`None`: it is off or done).
    exit_after: Option<ExitAfter>,
    /// Print frame-time summaries to stderr.
    log_frames: bool,
}

impl Probe {
    /// Set up from `LAKESIGHT_EXIT_AFTER` and `LAKESIGHT_FRAME_LOG`.
    pub fn from_env() -> Self {
        Self {
            exit_after: ExitAfter::from_env(),
            log_frames: std::env::var_os("LAKESIGHT_FRAME_LOG").is_some(),
            ..Self::default()
        }
    }

    /// Counts a frame and its CPU time (when eframe measured one).
    pub fn record_frame(&mut self, cpu_seconds: Option<f32>) {
        if let Some(seconds) = cpu_seconds {
            self.stats.record(seconds);
            if self.log_frames
                && self.frames_drawn.is_multiple_of(120)
                && let Some(s) = self.stats.summary()
            {
                eprintln!(
                    "frame time over the last {} frames: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
                    s.frames, s.p50_ms, s.p95_ms, s.max_ms
                );
            }
        }
        self.frames_drawn += 1;
    }

    /// For the cold-start benchmark: prints when the first frame (or a first result, once
    /// `result_shown`) was on screen, then closes the window.
    pub fn check(&mut self, ctx: &egui::Context, result_shown: bool) {
        let Some(exit_after) = self.exit_after else {
            return;
        };
        let ms = since_process_start().as_secs_f64() * 1000.0;
        // `logic` runs before a frame is drawn: on the second call, the first is on screen.
        if self.frames_drawn == 2 {
            println!("first frame: {ms:.0} ms after start");
        }
        let done = match exit_after {
            ExitAfter::FirstFrame => self.frames_drawn >= 2,
            ExitAfter::FirstResult => {
                if result_shown {
                    println!("first result: {ms:.0} ms after start");
                }
                result_shown
            }
        };
        if done {
            self.exit_after = None;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        } else if self.frames_drawn < 2 {
            // The second frame tells that the first is on screen; after that, jobs wake the UI
            // as for any user (a busy loop here would starve the query threads).
            ctx.request_repaint();
        }
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
