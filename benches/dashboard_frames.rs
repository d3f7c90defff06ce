//! Frame times of a dashboard grid of twelve visuals (every kind and a 10,000,000-point line) at
//! 1600x1000, drawn headless with egui_kittest through `series::visual::prepare` and
//! `ui::visuals::draw`: still frames, frames while zooming and panning the big line (each one
//! recomputes its M4 reduction for the new bounds), and still frames after. Each frame is timed
//! from input to tessellated shapes (everything but handing triangles to the GPU).
//!
//! `cargo bench --bench dashboard_frames`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::doc_markdown,
    missing_docs
)]

#[path = "../examples/common/tiles.rs"]
mod tiles;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use lakesight::model::dashboard::{Orientation, Timezone};
use lakesight::ui::visuals::VisualStyle;

const COLUMNS: usize = 4;
const SIZE: egui::Vec2 = egui::vec2(1600.0, 1000.0);

struct Dashboard {
    tiles: Vec<tiles::Tile>,
    style: VisualStyle,
}

fn main() {
    let started = Instant::now();
    // Twelve tiles: every kind once (the vertical bars stand for bars) and the big line.
    let tiles: Vec<tiles::Tile> = tiles::tiles()
        .into_iter()
        .filter(|t| t.visual.orientation != Orientation::Horizontal)
        .collect();
    assert_eq!(tiles.len(), 12);
    println!(
        "prepared {} visuals in {:.2?}",
        tiles.len(),
        started.elapsed()
    );
    let state = Dashboard {
        tiles,
        style: VisualStyle::new(Timezone::Utc),
    };
    let mut harness = Harness::builder().with_size(SIZE).build_ui_state(
        |ui, dashboard: &mut Dashboard| {
            tiles::grid_ui(ui, &dashboard.tiles, COLUMNS, &dashboard.style);
        },
        state,
    );
    // The big line is the last tile: bottom right.
    let rows = 3.0;
    let big_line = egui::pos2(
        SIZE.x * (COLUMNS as f32 - 0.5) / COLUMNS as f32,
        SIZE.y * (rows - 0.5) / rows,
    );

    let first = timed_frame(&mut harness);
    println!(
        "Frame times, {}x{} grid of 12 visuals (one line of 10,000,000 points):",
        SIZE.x, SIZE.y
    );
    println!("  first frame (reduces the big line for the first time): {first:.2?}");
    for _ in 0..5 {
        harness.step();
    }
    harness.hover_at(big_line);
    let still: Vec<Duration> = (0..100).map(|_| timed_frame(&mut harness)).collect();
    report("still, pointer over the big line", &still);

    let mut zooming = Vec::new();
    for frame in 0..100 {
        // In for 60 frames (to about 1/300 of the range), then back out.
        let factor = if frame < 60 { 1.1 } else { 1.0 / 1.1 };
        harness.event(egui::Event::Zoom(factor));
        zooming.push(timed_frame(&mut harness));
    }
    report("while zooming the big line in and out", &zooming);

    // Zoom in, then drag the view sideways 4 px a frame.
    for _ in 0..30 {
        harness.event(egui::Event::Zoom(1.1));
        harness.step();
    }
    harness.drag_at(big_line);
    harness.step();
    let mut panning = Vec::new();
    for frame in 0..100 {
        let x = big_line.x - 4.0 * (frame % 50) as f32;
        harness.event(egui::Event::PointerMoved(egui::pos2(x, big_line.y)));
        panning.push(timed_frame(&mut harness));
    }
    harness.drop_at(egui::pos2(big_line.x - 200.0, big_line.y));
    harness.step();
    report("while panning the zoomed big line", &panning);

    let after: Vec<Duration> = (0..100).map(|_| timed_frame(&mut harness)).collect();
    report("still, after zooming and panning", &after);
}

/// One frame: input, drawing, and tessellation of what it drew.
fn timed_frame(harness: &mut Harness<'static, Dashboard>) -> Duration {
    let start = Instant::now();
    harness.step();
    let shapes = harness.output().shapes.clone();
    let pixels_per_point = harness.ctx.pixels_per_point();
    let meshes = harness.ctx.tessellate(shapes, pixels_per_point);
    std::hint::black_box(meshes);
    start.elapsed()
}

fn report(what: &str, frames: &[Duration]) {
    let mut sorted = frames.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "  {what}: {} frames, median {:.2?}, p95 {:.2?}, max {:.2?}",
        sorted.len(),
        at(0.5),
        at(0.95),
        sorted[sorted.len() - 1]
    );
}
