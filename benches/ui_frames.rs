//! Frame times of the real app (driven headless with egui_kittest) while a million-row query
//! streams in, while scrolling its result, and while its chart is shown. Each frame is timed
//! from input to tessellated shapes: everything the CPU does for a frame except handing the
//! triangles to the GPU. (Also counted: the AccessKit tree kittest asks for each frame, which a
//! window builds only when a screen reader is on, so these are upper bounds.)
//!
//! `cargo bench --bench ui_frames`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::doc_markdown)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lakesight::app::{LakesightApp, Launch};
use lakesight::model::SourceSpec;

const ROWS: usize = 1_000_000;

fn main() {
    // The app's own runtime: query threads below the UI thread's priority.
    let runtime = lakesight::jobs::runtime::build_runtime().unwrap();
    let handle = runtime.handle().clone();
    let lake = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let launch = Launch::Source(SourceSpec::local(lake));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| LakesightApp::new(cc, &handle, &launch));
    // A restored query never runs by itself: wait for the catalog, then run as a user would.
    wait(&mut harness, "the catalog", |h| {
        h.query_by_label_contains("orders").is_some()
    });

    println!("Frame times, 1400x900 window:");
    // A query that keeps every core busy for a few seconds (its result is one row).
    run_sql(
        &mut harness,
        "SELECT count(DISTINCT v) AS distinct_values FROM \
         (SELECT value % 999983 AS v FROM generate_series(1, 30000000))",
    );
    let busy = frames_until(&mut harness, "1 rows in");
    report("while a heavy query runs", &busy);

    let sql = format!(
        "SELECT value AS id, value * 1.5 AS amount, 'customer ' || (value % 5000) AS customer, \
         to_timestamp(1767225600 + value * 60) AS at FROM generate_series(1, {ROWS})"
    );
    run_sql(&mut harness, &sql);
    let running = frames_until(&mut harness, &format!("{ROWS} rows in"));
    report(&format!("while {ROWS} rows stream in"), &running);

    // Scroll with the wheel over the table: 300 frames of 40 rows each, then back up in large
    // jumps (as dragging the scroll bar does).
    harness.hover_at(egui::pos2(800.0, 600.0));
    harness.step();
    let mut scrolling = Vec::new();
    for frame in 0..300 {
        let dy = if frame < 200 { -720.0 } else { 30_000.0 };
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, dy),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        scrolling.push(timed_frame(&mut harness));
    }
    report("while scrolling the result", &scrolling);

    harness.get_by_label("Chart").click();
    harness.step();
    wait(&mut harness, "the chart", |h| {
        h.query_by_label_contains("Line chart of").is_some()
    });
    let charting: Vec<Duration> = (0..120).map(|_| timed_frame(&mut harness)).collect();
    report("while showing its chart", &charting);
}

fn run_sql(harness: &mut Harness<'static, LakesightApp>, sql: &str) {
    harness.get_by_label("SQL editor").focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("SQL editor").type_text(sql);
    harness.step();
    harness.get_by_label("Run").click();
}

/// Frame times, one frame every 16 ms, until a label containing `done` shows.
fn frames_until(harness: &mut Harness<'static, LakesightApp>, done: &str) -> Vec<Duration> {
    let mut frames = Vec::new();
    let deadline = Instant::now() + Duration::from_mins(5);
    while harness.query_by_label_contains(done).is_none() {
        assert!(Instant::now() < deadline, "the query did not finish");
        frames.push(timed_frame(harness));
        std::thread::sleep(Duration::from_millis(16));
    }
    frames
}

/// One frame: input, `ui()`, and tessellation of what it drew.
fn timed_frame(harness: &mut Harness<'static, LakesightApp>) -> Duration {
    let start = Instant::now();
    harness.step();
    let shapes = harness.output().shapes.clone();
    let pixels_per_point = harness.ctx.pixels_per_point();
    let meshes = harness.ctx.tessellate(shapes, pixels_per_point);
    std::hint::black_box(meshes);
    start.elapsed()
}

fn wait(
    harness: &mut Harness<'static, LakesightApp>,
    what: &str,
    found: impl Fn(&Harness<'static, LakesightApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_mins(2);
    while !found(harness) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn report(what: &str, frames: &[Duration]) {
    let mut ms: Vec<f64> = frames.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    let over = ms.iter().filter(|&&m| m > 16.0).count();
    println!(
        "  {what:<34} {:>4} frames  median {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms  over 16 ms: {over}",
        ms.len(),
        at(0.5),
        at(0.95),
        at(1.0),
    );
}
