//! Image export figures (`cargo bench --bench export`), printed as Markdown for `BENCHMARKS.md`:
//! the bundled 8-visual orders dashboard over the bundled sample lake at a fixed instant, its
//! queries run once (timed apart), then drawn headless and encoded: the whole dashboard at 1x
//! and 2x as PNG and as SVG, and one visual (the stacked area chart) at 3x. Each figure is the
//! median of 7 runs, in this process, on every core. Then the peak memory (`VmHWM`) of a process
//! that prepares the dashboard and writes the 3x visual, against the same process writing nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use lakesight::cli::Cli;
use lakesight::cli::args::Command;
use lakesight::model::image::{ImageFormat, ImageOptions, ImageSize};
use lakesight::render::picture::Picture;

const RUNS: usize = 7;
const AT: &str = "2026-11-25T00:00Z";

fn dashboard() -> String {
    format!("{}/dashboards/orders.toml", env!("CARGO_MANIFEST_DIR"))
}

/// The dashboard prepared as `lakesight export` prepares it: the file read and every visual run.
fn prepare(runtime: &tokio::runtime::Runtime) -> (Picture, Duration) {
    let cli = Cli::parse_from([
        "lakesight",
        "export",
        &dashboard(),
        "--out",
        "x.png",
        "--at",
        AT,
    ]);
    let Some(Command::Export(args)) = cli.command else {
        unreachable!("an export command line")
    };
    let started = Instant::now();
    let (picture, _) = runtime
        .block_on(lakesight::cli::export::prepare(&args))
        .unwrap();
    (picture, started.elapsed())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn visual_3x() -> ImageOptions {
    ImageOptions {
        visual: Some("status_by_hour".to_owned()),
        size: ImageSize::Scale(3.0),
        ..ImageOptions::default()
    }
}

fn main() {
    // A child measuring its own peak memory: prepared only, or prepared and the 3x visual written.
    if let Ok(what) = std::env::var("LAKESIGHT_EXPORT_BENCH_CHILD") {
        let runtime = runtime();
        let (picture, _) = prepare(&runtime);
        if what == "export" {
            let bytes = picture.encode(&visual_3x(), Utc::now()).unwrap();
            std::hint::black_box(bytes);
        }
        println!("{}", peak_kib());
        return;
    }
    let runtime = runtime();
    let (picture, queries) = prepare(&runtime);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "Export of the orders dashboard (8 visuals, sample lake at {AT}), {cores} cores, median of {RUNS}:\n"
    );
    println!("| image | pixels | file | time |");
    println!("|---|---|---|---|");
    let cases = [
        ("dashboard 1x PNG", None, ImageFormat::Png, 1.0),
        ("dashboard 1x SVG", None, ImageFormat::Svg, 1.0),
        ("dashboard 2x PNG", None, ImageFormat::Png, 2.0),
        ("dashboard 2x SVG", None, ImageFormat::Svg, 2.0),
        (
            "area chart 3x PNG",
            Some("status_by_hour"),
            ImageFormat::Png,
            3.0,
        ),
        (
            "area chart 3x SVG",
            Some("status_by_hour"),
            ImageFormat::Svg,
            3.0,
        ),
    ];
    for (name, visual, format, scale) in cases {
        let options = ImageOptions {
            visual: visual.map(str::to_owned),
            format,
            size: ImageSize::Scale(scale),
            ..ImageOptions::default()
        };
        let (width, height) = picture.frame(&options).unwrap().pixels();
        let mut bytes = 0;
        let samples: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                bytes = picture.encode(&options, Utc::now()).unwrap().len();
                started.elapsed()
            })
            .collect();
        println!(
            "| {name} | {width}x{height} | {:.0} KiB | {:.1} ms |",
            bytes as f64 / 1024.0,
            median(samples).as_secs_f64() * 1000.0
        );
    }
    // Where the 2x PNG's time goes.
    let options = ImageOptions {
        size: ImageSize::Scale(2.0),
        ..ImageOptions::default()
    };
    let (mut layout, mut raster, mut encode) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        let drawn = picture.draw(&options).unwrap();
        layout.push(started.elapsed());
        let started = Instant::now();
        let canvas = drawn.raster(egui::Color32::TRANSPARENT);
        raster.push(started.elapsed());
        let started = Instant::now();
        let chunks = picture.provenance(&options, Utc::now()).png_chunks();
        std::hint::black_box(lakesight::render::png::encode(&canvas, 2.0, &chunks).unwrap());
        encode.push(started.elapsed());
    }
    let ms = |d: Vec<Duration>| median(d).as_secs_f64() * 1000.0;
    println!(
        "\nThe 2x PNG: drawing the frame headless (3 passes) {:.1} ms, tessellating and rasterizing {:.1} ms, \
         PNG encoding {:.1} ms.",
        ms(layout),
        ms(raster),
        ms(encode)
    );
    println!(
        "\nThe dashboard's 8 queries (attach, run, prepare), once before the images: {:.1} ms.",
        queries.as_secs_f64() * 1000.0
    );
    let child = |what: &str| -> u64 {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .env("LAKESIGHT_EXPORT_BENCH_CHILD", what)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    };
    let (prepared, exported) = (child("prepare"), child("export"));
    println!(
        "\nPeak memory (VmHWM) of a process that prepares the dashboard: {:.1} MiB; that also writes \
         the area chart at 3x (2415x1212): {:.1} MiB (+{:.1} MiB).",
        prepared as f64 / 1024.0,
        exported as f64 / 1024.0,
        exported.saturating_sub(prepared) as f64 / 1024.0
    );
}
