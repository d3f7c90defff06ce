//! `lakesight export` as a cron job or a person at a terminal uses it: the real binary, with no
//! display, on the bundled orders dashboard over the bundled sample lake at a fixed instant
//! (`--at`), so its images are the same on every machine. PNGs are compared with committed
//! references pixel by pixel within a tolerance (not byte for byte); SVGs are parsed and rasterized
//! by resvg and compared with the PNG of the same export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// When the sample lake's data ends: the last 7 days up to here are full.
const AT: &str = "2026-11-25T00:00Z";

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The binary with no display and nothing from the user's environment.
fn lakesight() -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_LOG")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    cmd
}

fn export(out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    lakesight()
        .arg("export")
        .arg(repo("dashboards/orders.toml"))
        .arg("--out")
        .arg(out)
        .args(["--at", AT])
        .args(args)
        .assert()
}

/// A PNG file's size, RGBA pixels and text chunks.
struct Png {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
    text: Vec<(String, String)>,
    dpi: Option<f32>,
}

fn read_png(path: &Path) -> Png {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgba).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgba);
    rgba.truncate(frame.buffer_size());
    let info = reader.info();
    let mut text: Vec<(String, String)> = info
        .uncompressed_latin1_text
        .iter()
        .map(|c| (c.keyword.clone(), c.text.clone()))
        .collect();
    for chunk in &info.utf8_text {
        text.push((chunk.keyword.clone(), chunk.get_text().unwrap()));
    }
    let dpi = info.pixel_dims.map(|dims| dims.xppu as f32 * 0.0254);
    Png {
        width: frame.width,
        height: frame.height,
        rgba,
        text,
        dpi,
    }
}

impl Png {
    fn chunk(&self, keyword: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(k, _)| k == keyword)
            .map(|(_, t)| t.as_str())
    }
}

/// How two images of the same size differ: the mean difference per channel (0-255) and the
/// share of pixels with a channel more than 32 apart.
fn difference(a: &[u8], b: &[u8]) -> (f64, f64) {
    assert_eq!(a.len(), b.len(), "the images have different sizes");
    let total: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    let pixels = a.len() / 4;
    let off = a
        .chunks(4)
        .zip(b.chunks(4))
        .filter(|(p, q)| p.iter().zip(*q).any(|(x, y)| x.abs_diff(*y) > 32))
        .count();
    (total as f64 / a.len() as f64, off as f64 / pixels as f64)
}

/// Compares `png` with the committed reference `name`; `LAKESIGHT_UPDATE_GOLDEN=1` rewrites it.
fn assert_golden(png: &Path, name: &str) {
    let reference = repo(&format!("tests/golden/{name}"));
    if std::env::var_os("LAKESIGHT_UPDATE_GOLDEN").is_some() {
        std::fs::copy(png, &reference).unwrap();
    }
    let (got, want) = (read_png(png), read_png(&reference));
    assert_eq!(
        (got.width, got.height),
        (want.width, want.height),
        "{name}: size"
    );
    let (mean, off) = difference(&got.rgba, &want.rgba);
    assert!(
        mean < 0.5 && off < 0.002,
        "{name} differs from its reference: mean {mean:.3}/255 per channel, {:.3}% of pixels \
         off by more than 32 (LAKESIGHT_UPDATE_GOLDEN=1 rewrites references after a wanted change)",
        off * 100.0
    );
}

/// `svg` rasterized by resvg at `width` x `height`, with the bundled fonts (resvg reads no
/// `@font-face`; the file names each font's family too).
fn rasterize_svg(svg: &str, width: u32, height: u32) -> Vec<u8> {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    for data in lakesight::ui::fonts::definitions().font_data.values() {
        fonts.load_font_data((*data.font).as_ref().to_vec());
    }
    let options = resvg::usvg::Options {
        fontdb: Arc::new(fonts),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options).expect("the SVG parses");
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height).unwrap();
    let scale = width as f32 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // tiny-skia's pixels are premultiplied; the PNG's are straight.
    pixmap
        .pixels()
        .iter()
        .flat_map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect()
}

#[test]
fn a_dashboard_exports_headless_as_the_reference_png_with_its_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders.png");
    export(&out, &[])
        .success()
        .stderr(predicate::str::contains("1600x1350"));
    assert_golden(&out, "orders-1x.png");
    let png = read_png(&out);
    assert_eq!(png.chunk("Title"), Some("Orders and revenue"));
    assert!(png.chunk("Software").unwrap().starts_with("Lakesight "));
    assert!(png.chunk("Creation Time").is_some());
    assert!(png.chunk("Source").unwrap().contains("sample"));
    assert_eq!(png.dpi.map(f32::round), Some(96.0));
    let description: Value = serde_json::from_str(png.chunk("Description").unwrap()).unwrap();
    assert_eq!(description["dashboard"], "Orders and revenue");
    assert_eq!(description["visuals"].as_array().unwrap().len(), 8);
    assert!(
        description["visuals"][0]["sql"]
            .as_str()
            .unwrap()
            .contains("FROM orders")
    );
    assert_eq!(description["time_range"]["timezone"], "UTC");
    assert_eq!(description["time_range"]["to"], "2026-11-25T00:00:00+00:00");
    assert_eq!(description["parameters"]["country"], Value::Null);
    assert_eq!(description["data_as_of"], "2026-11-25T00:00:00+00:00");
}

/// A bundled dashboard at 1x against its reference, and its SVG drawn by resvg against the PNG.
fn golden_and_svg(name: &str, at: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (png_path, svg_path) = (dir.path().join("d.png"), dir.path().join("d.svg"));
    for out in [&png_path, &svg_path] {
        lakesight()
            .arg("export")
            .arg(repo(&format!("dashboards/{name}.toml")))
            .arg("--out")
            .arg(out)
            .args(["--at", at])
            .assert()
            .success();
    }
    assert_golden(&png_path, &format!("{name}-1x.png"));
    let png = read_png(&png_path);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let drawn = rasterize_svg(&svg, png.width, png.height);
    let (mean, off) = difference(&drawn, &png.rgba);
    eprintln!(
        "{name}: SVG (resvg) vs PNG: mean {mean:.3}/255, {:.3}% of pixels off",
        off * 100.0
    );
    // Edges are antialiased differently by resvg and the PNG renderer: a 72-hour heatmap has
    // thousands of cell edges, about 3% of its pixels.
    assert!(
        mean < 4.0 && off < 0.04,
        "{name}: the SVG differs from the PNG"
    );
}

#[test]
fn app_health_with_its_gauge_heatmap_and_alert_badge_matches_its_reference() {
    golden_and_svg("app-health", "2026-11-25T00:00Z");
}

#[test]
fn payments_fraud_with_its_scatter_matches_its_reference() {
    golden_and_svg("payments-fraud", "2026-11-25T00:00Z");
}

#[test]
fn network_flows_with_its_text_matches_its_reference() {
    golden_and_svg("network-flows", "2026-11-25T00:00Z");
}

#[test]
fn an_svg_export_is_vector_text_that_draws_like_the_png() {
    let dir = tempfile::tempdir().unwrap();
    let (png_path, svg_path) = (dir.path().join("o.png"), dir.path().join("o.svg"));
    export(&png_path, &[]).success();
    export(&svg_path, &[]).success();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    // Valid XML (resvg parses it below), titled and described.
    assert!(svg.contains("<title>Orders and revenue</title>"));
    assert!(svg.contains("<metadata>") && svg.contains("FROM orders"));
    assert!(svg.contains("@font-face"), "fonts are embedded");
    // Visual titles, axis labels and categories are text, not pixels.
    for text in [
        "Revenue per hour",
        "Revenue by country",
        ">Nov 23<",
        ">US<",
        ">electronics<",
    ] {
        assert!(svg.contains(text), "{text} is text in the SVG");
    }
    let png = read_png(&png_path);
    let drawn = rasterize_svg(&svg, png.width, png.height);
    if let Some(folder) = std::env::var_os("LAKESIGHT_KEEP_SVG_RASTER") {
        let path = Path::new(&folder).join("svg-raster.png");
        let file = std::fs::File::create(path).unwrap();
        let mut encoder = png::Encoder::new(file, png.width, png.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&drawn)
            .unwrap();
    }
    let (mean, off) = difference(&drawn, &png.rgba);
    eprintln!(
        "SVG (resvg) vs PNG: mean {mean:.3}/255 per channel, {:.3}% of pixels off",
        off * 100.0
    );
    assert!(
        mean < 4.0 && off < 0.03,
        "the SVG drawn by resvg differs from the PNG: mean {mean:.2}/255, {:.2}% of pixels off",
        off * 100.0
    );
}

#[test]
fn a_range_before_the_lake_draws_empty_visuals_not_errors() {
    // The KPIs compare with the previous period, whose partitions do not exist at all.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("empty.png");
    lakesight()
        .arg("export")
        .arg(repo("dashboards/orders.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--at", "2026-11-02T00:00Z", "--visual", "orders_total"])
        .assert()
        .success()
        .stderr(predicate::str::contains("failed").not());
    assert!(out.exists());
}

/// Runs `lakesight export FILE` with `args` (no `--out` added).
fn export_file(file: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    lakesight()
        .arg("export")
        .arg(file)
        .args(["--at", AT])
        .args(args)
        .assert()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn bad_inputs_exit_with_a_message_and_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let orders = repo("dashboards/orders.toml");
    let out = dir.path().join("x.png");
    let out = out.to_str().unwrap();
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, "a file, not a folder").unwrap();
    let under_a_file = not_a_folder.join("x.png");
    let missing_folder = dir.path().join("missing").join("x.png");
    let cases: [(&[&str], i32, &str); 8] = [
        (&["--out", out, "--visual", "nope"], 1, "no visual `nope`"),
        (
            &["--out", under_a_file.to_str().unwrap()],
            1,
            "cannot write",
        ),
        (
            &["--out", missing_folder.to_str().unwrap()],
            1,
            "does not exist",
        ),
        (&["--out", "x.jpg"], 2, "must end in .png or .svg"),
        (&["--out", out, "--scale", "1000"], 2, "--scale"),
        (&["--out", out, "--scale", "0"], 2, "--scale"),
        (&["--out", out, "--width", "0"], 2, "--width"),
        (&["--out", out, "--height", "100"], 2, "--width"),
    ];
    for (args, code, message) in cases {
        export_file(&orders, args)
            .code(code)
            .stderr(predicate::str::contains(message));
        assert_eq!(
            files_in(dir.path()),
            ["file"],
            "{args:?} left a file behind"
        );
    }
    // A dashboard too tall for the height asked for is refused, not cut off.
    export_file(
        &orders,
        &["--out", out, "--width", "800", "--height", "200"],
    )
    .code(2)
    .stderr(predicate::str::contains("leave the height out"));
    assert_eq!(files_in(dir.path()), ["file"]);
    // An image too large is refused before any work: the lake is not even attached (it does
    // not exist here, which would be exit 1).
    export_file(
        &orders,
        &[
            "--out",
            out,
            "--scale",
            "8",
            "--source",
            "/nonexistent/lake",
        ],
    )
    .code(2)
    .stderr(predicate::str::contains("megapixels"))
    .stderr(predicate::str::contains("at most 40 megapixels"));
    assert_eq!(files_in(dir.path()), ["file"]);
}

const BROKEN: &str = r#"title = "Half broken"
time_range = "last 24h"
timezone = "UTC"

[[visuals]]
id = "orders"
kind = "kpi"
sql = "SELECT count(*) AS n FROM orders WHERE $__timeFilter(event_time)"
y = ["n"]
position = [0, 0, 4, 3]

[[visuals]]
id = "broken"
title = "Broken"
kind = "kpi"
sql = "SELECT no_such_column AS n FROM orders"
y = ["n"]
position = [4, 0, 4, 3]

[[exports]]
path = "out/whole.svg"

[[exports]]
path = "orders-2x.png"
visual = "orders"
scale = 2
theme = "dark"
"#;

#[test]
fn a_failing_visual_is_drawn_in_its_tile_and_fails_the_run_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, BROKEN).unwrap();
    let out = dir.path().join("broken.png");
    let args = ["--out", out.to_str().unwrap()];
    export_file(&file, &args)
        .code(1)
        .stderr(predicate::str::contains("visual broken failed"))
        .stderr(predicate::str::contains("no_such_column"));
    // Written anyway, the error in its tile and in the description.
    let png = read_png(&out);
    let description: Value = serde_json::from_str(png.chunk("Description").unwrap()).unwrap();
    let broken = &description["visuals"][1];
    assert_eq!(broken["id"], "broken");
    assert!(broken["error"].as_str().unwrap().contains("no_such_column"));
    assert!(description["visuals"][0].get("error").is_none());
    std::fs::remove_file(&out).unwrap();
    export_file(&file, &[&args[..], &["--allow-errors"]].concat()).success();
    assert!(out.exists());
}

/// `lakesight export FILE --all --allow-errors` with `data` as the data folder (the trust record).
fn export_all(file: &Path, data: &Path) -> assert_cmd::assert::Assert {
    lakesight()
        .env("XDG_DATA_HOME", data)
        .arg("export")
        .arg(file)
        .args(["--at", AT, "--all", "--allow-errors"])
        .assert()
}

/// `lakesight trust FILE` with `data` as the data folder (where the trust record lives).
fn trust(file: &Path, data: &Path) {
    lakesight()
        .env("XDG_DATA_HOME", data)
        .arg("trust")
        .arg(file)
        .assert()
        .success();
}

#[test]
fn all_writes_every_export_the_file_names_next_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, BROKEN).unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();

    // Not trusted: nothing is written, and the message says what and how to allow it.
    export_all(&file, data.path())
        .code(1)
        .stderr(predicate::str::contains(
            "is not trusted, so --all writes nothing",
        ))
        .stderr(predicate::str::contains("out/whole.svg, orders-2x.png"))
        .stderr(predicate::str::contains(format!(
            "lakesight trust {}",
            file.display()
        )));
    assert_eq!(files_in(dir.path()), ["broken.toml", "out"]);
    assert!(files_in(&dir.path().join("out")).is_empty());

    trust(&file, data.path());
    export_all(&file, data.path()).success();
    let svg = std::fs::read_to_string(dir.path().join("out/whole.svg")).unwrap();
    assert!(svg.contains("Half broken"));
    let kpi = read_png(&dir.path().join("orders-2x.png"));
    // The tile's natural size at 2x: 4 of 12 columns on a 1600-point grid and 3 rows of 64
    // points, with the gaps around it and the footer.
    assert_eq!((kpi.width, kpi.height), (2 * 540, 2 * (212 + 20 + 24)));
    assert_eq!(kpi.dpi.map(f32::round), Some(192.0));
    // Dark: the corner is the dark panel colour.
    assert!(
        kpi.rgba[..3].iter().all(|c| *c < 64),
        "{:?}",
        &kpi.rgba[..4]
    );
    // A file without [[exports]] has nothing to write.
    export_file(&repo("dashboards/orders.toml"), &["--all"])
        .code(1)
        .stderr(predicate::str::contains("no [[exports]]"));
}

/// A trusted file's exports are still kept in its folder: a folder in the repository that is a
/// link to elsewhere (`reports -> ~/.ssh`) is refused before anything is written.
#[cfg(unix)]
#[test]
fn all_refuses_an_export_folder_that_links_outside_the_dashboard_folder() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, BROKEN).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("out")).unwrap();
    trust(&file, data.path());
    export_all(&file, data.path())
        .code(1)
        .stderr(predicate::str::contains("through a symbolic link"));
    assert!(files_in(elsewhere.path()).is_empty());
    assert_eq!(files_in(dir.path()), ["broken.toml", "out"]);
}

#[test]
fn one_visual_at_3x_without_provenance_or_footer() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("country.png");
    let visual = ["--visual", "by_country", "--scale", "3"];
    export(
        &out,
        &[&visual[..], &["--no-provenance", "--no-footer"]].concat(),
    )
    .success();
    let bare = read_png(&out);
    export(&out, &visual).success();
    let full = read_png(&out);
    assert_eq!(full.width, bare.width);
    assert_eq!(full.height - bare.height, 3 * 24, "the footer's height");
    assert_eq!(full.dpi.map(f32::round), Some(288.0));
    assert!(full.chunk("Source").is_some());
    assert!(
        bare.chunk("Source").is_none(),
        "no source without provenance"
    );
    let description: Value = serde_json::from_str(bare.chunk("Description").unwrap()).unwrap();
    assert_eq!(description["visual"], "by_country");
    assert!(
        description["visuals"][0].get("sql").is_none(),
        "no SQL without provenance"
    );
    assert!(description.get("source").is_none());
    assert_eq!(
        bare.chunk("Title"),
        Some("Orders and revenue — Revenue by country")
    );
}

#[test]
fn the_range_parameters_and_width_asked_for_are_what_the_image_shows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("de.png");
    let args = [
        "--range",
        "last 24h",
        "--param",
        "country=DE",
        "--width",
        "1000",
    ];
    export(&out, &args).success();
    let png = read_png(&out);
    assert_eq!(png.width, 1000, "the width asked for, the height what fits");
    let description: Value = serde_json::from_str(png.chunk("Description").unwrap()).unwrap();
    let range = &description["time_range"];
    assert_eq!(
        range["from"], "2026-11-24T00:00:00+00:00",
        "24 hours before --at"
    );
    assert_eq!(range["to"], "2026-11-25T00:00:00+00:00");
    assert_eq!(description["parameters"]["country"], "DE");
    let sql = description["visuals"][2]["sql"].as_str().unwrap();
    assert!(
        sql.contains("$country"),
        "bound as a value, not written in: {sql}"
    );

    let fixed = ["--from", "2026-11-22T06:00Z", "--to", "2026-11-23T06:00Z"];
    export(&out, &[&fixed[..], &["--visual", "orders_total"]].concat()).success();
    let description: Value =
        serde_json::from_str(read_png(&out).chunk("Description").unwrap()).unwrap();
    assert_eq!(
        description["time_range"]["from"],
        "2026-11-22T06:00:00+00:00"
    );
    assert_eq!(description["time_range"]["to"], "2026-11-23T06:00:00+00:00");
}

/// `--width` scales the dashboard's page (1600 points wide) to that many pixels: the layout is
/// the window's, so every label stays (the channel pie's legend keeps "store" at 800 pixels).
#[test]
fn a_width_scales_the_dashboard_and_keeps_every_label() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("narrow.svg");
    export(&out, &["--width", "800"]).success();
    let svg = std::fs::read_to_string(&out).unwrap();
    for label in [">web<", ">app<", ">store<"] {
        assert!(svg.contains(label), "{label} in the 800-pixel image");
    }
    let whole = dir.path().join("whole.png");
    export(&whole, &[]).success();
    let narrow = dir.path().join("narrow.png");
    export(&narrow, &["--width", "800"]).success();
    let (whole, narrow) = (read_png(&whole), read_png(&narrow));
    assert_eq!(narrow.width, 800);
    assert_eq!(
        narrow.height,
        whole.height / 2,
        "the same page, half the size"
    );
}

/// A KPI of hourly buckets compared with the previous period, when that period has no rows (the
/// sample lake starts on 22 November): it says so, and never compares with its own previous hour.
#[test]
fn a_kpi_whose_previous_period_is_empty_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let svg = export_svg(
        dir.path(),
        "hourly",
        r#"title = "Hourly"
time_range = "last 6h"
timezone = "UTC"

[[visuals]]
id = "orders"
title = "Orders this hour"
kind = "kpi"
sql = """SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM orders
         WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["n"]
compare = "previous-period"
position = [0, 0, 4, 3]
"#,
        &["--at", "2026-11-22T06:00Z"],
    );
    assert!(svg.contains("no data in the previous period"), "the note");
    assert!(!svg.contains("vs "), "no comparison with anything else");
}

#[test]
fn dates_are_drawn_as_the_days_they_are_in_any_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let svg = export_svg(
        dir.path(),
        "days",
        r#"title = "Days"
time_range = "2026-11-22T05:00Z..2026-11-25T05:00Z"
timezone = "America/New_York"

[[visuals]]
id = "days"
title = "Orders per day"
kind = "line"
sql = """SELECT CAST(event_time AS DATE) AS day, count(*) AS n FROM orders
         WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "day"
y = ["n"]
position = [0, 0, 12, 6]
"#,
        &[],
    );
    for day in ["Nov 22", "Nov 23", "Nov 24"] {
        assert!(svg.contains(day), "{day} is labelled");
    }
    assert!(
        !svg.contains("Nov 21") && !svg.contains("19:00"),
        "no day drawn at the evening before, New York time"
    );
}

/// The texts of an SVG export, in drawing order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = t.split_once('>')?.1;
            Some(body.split_once("</text>")?.0.to_owned())
        })
        .collect()
}

/// The dashboard `toml` written as `dir/name.toml` and exported as SVG with `args`: its text.
fn export_svg(dir: &Path, name: &str, toml: &str, args: &[&str]) -> String {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, toml).unwrap();
    let out = dir.join(format!("{name}.svg"));
    lakesight()
        .arg("export")
        .arg(&file)
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(&out).unwrap()
}

/// One visual of `toml`'s dashboard as SVG, its texts.
fn visual_texts(dir: &Path, toml: &str, visual: &str) -> Vec<String> {
    svg_texts(&export_svg(dir, visual, toml, &["--visual", visual]))
}

/// Tick values among `texts` (numbers only, thousands separators dropped).
fn numbers_in(texts: &[String]) -> Vec<f64> {
    texts
        .iter()
        .filter_map(|t| t.replace(',', "").parse::<f64>().ok())
        .collect()
}

#[test]
fn axes_show_the_range_a_fixed_y_range_and_flat_series_at_their_height() {
    let dir = tempfile::tempdir().unwrap();
    let dashboard = |visual: &str, sql: &str, extra: &str| {
        format!(
            r#"title = "Axes"
time_range = "2026-11-22T00:00Z..2026-11-23T00:00Z"
timezone = "UTC"

[[visuals]]
id = "{visual}"
title = "Chart"
kind = "line"
sql = """{sql}"""
x = "hour"
y = ["n"]
position = [0, 0, 12, 6]
{extra}
"#
        )
    };
    // Data until 12:00 of a day-long range: the axis runs on to its end, showing the silence.
    let half = visual_texts(
        dir.path(),
        &dashboard(
            "half",
            "SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM orders
             WHERE $__timeFilter(event_time) AND event_time < TIMESTAMP '2026-11-22T12:00:00Z'
             GROUP BY 1 ORDER BY 1",
            "",
        ),
        "half",
    );
    assert!(
        half.iter().any(|t| t == "18:00"),
        "the time axis spans the dashboard's range: {half:?}"
    );
    // A constant: an axis from zero to just above it, nothing below zero.
    let flat = numbers_in(&visual_texts(
        dir.path(),
        &dashboard(
            "flat",
            "SELECT date_trunc('hour', event_time) AS hour, 5 AS n FROM orders
             WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1",
            "",
        ),
        "flat",
    ));
    assert!(flat.contains(&0.0) && flat.contains(&5.0), "{flat:?}");
    assert!(flat.iter().all(|v| (0.0..=6.0).contains(v)), "{flat:?}");
    // y_range is the axis, even when values pass it.
    let fixed = numbers_in(&visual_texts(
        dir.path(),
        &dashboard(
            "fixed",
            "SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM orders
             WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1",
            "y_range = [0, 10]",
        ),
        "fixed",
    ));
    assert!(fixed.contains(&10.0), "{fixed:?}");
    assert!(fixed.iter().all(|v| (0.0..=10.0).contains(v)), "{fixed:?}");
    let bars = numbers_in(&visual_texts(
        dir.path(),
        &dashboard(
            "bars",
            "SELECT country AS hour, count(*) AS n FROM orders
             WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1",
            "y_range = [0, 10]",
        )
        .replace("kind = \"line\"", "kind = \"bar\""),
        "bars",
    ));
    assert!(bars.contains(&10.0), "{bars:?}");
    assert!(
        bars.iter().all(|v| (0.0..=10.0).contains(v)),
        "a bar's y_range too: {bars:?}"
    );
}

/// How light a `<line>` of an SVG export looks on white: its grey blended by its opacity.
fn line_lightness(element: &str) -> f64 {
    let attr = |name: &str| {
        element
            .split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
    };
    let stroke = attr("stroke").unwrap();
    let grey = f64::from(u8::from_str_radix(&stroke[1..3], 16).unwrap());
    let opacity: f64 = attr("stroke-opacity").map_or(1.0, |o| o.parse().unwrap());
    255.0 - opacity * (255.0 - grey)
}

#[test]
fn grid_lines_are_light_and_alike_in_light_theme() {
    let dir = tempfile::tempdir().unwrap();
    let svg = export_svg(
        dir.path(),
        "grid",
        r#"title = "Grid"
time_range = "2026-11-22T00:00Z..2026-11-25T00:00Z"
timezone = "UTC"

[[visuals]]
id = "hourly"
title = "Orders per hour"
kind = "line"
sql = """SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM orders
         WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["n"]
position = [0, 0, 12, 6]
"#,
        &["--visual", "hourly", "--theme", "light"],
    );
    let lines: Vec<&str> = svg
        .split("<line ")
        .skip(1)
        .map(|l| l.split("/>").next().unwrap())
        .collect();
    let coordinate = |line: &str, name: &str| -> String {
        line.split(&format!("{name}=\""))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    let vertical: Vec<f64> = lines
        .iter()
        .filter(|l| coordinate(l, "x1") == coordinate(l, "x2"))
        .map(|l| line_lightness(l))
        .collect();
    let horizontal: Vec<f64> = lines
        .iter()
        .filter(|l| coordinate(l, "y1") == coordinate(l, "y2"))
        .map(|l| line_lightness(l))
        .collect();
    assert!(vertical.len() >= 3 && horizontal.len() >= 3, "{svg}");
    let lightest_horizontal = horizontal.iter().copied().fold(0.0, f64::max);
    for lightness in &vertical {
        assert!(
            *lightness >= 200.0 && (lightness - lightest_horizontal).abs() < 6.0,
            "the day lines are as light as the value lines: {vertical:?} vs {horizontal:?}"
        );
    }
}

#[test]
fn a_kpi_whose_fall_is_good_news_draws_a_rise_red() {
    let dir = tempfile::tempdir().unwrap();
    let kpi = |good: &str| {
        format!(
            r#"title = "Errors"
time_range = "2026-11-23T00:00Z..2026-11-23T12:00Z"
timezone = "UTC"

[[visuals]]
id = "errors"
title = "Errors per hour"
kind = "kpi"
sql = """SELECT date_trunc('hour', event_time) AS hour, count(*) AS n FROM orders
         WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["n"]
{good}
position = [0, 0, 4, 3]
"#
        )
    };
    // The change's text and its colour.
    let change = |texts: &str| -> (bool, String) {
        let element = texts
            .split("<text")
            .find(|t| t.contains("(+") || t.contains("(−"))
            .expect("a change is drawn");
        let fill = element
            .split("fill=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        (element.contains("(+"), fill.to_owned())
    };
    let colours: Vec<(bool, String)> = ["", "good = \"down\""]
        .iter()
        .map(|good| change(&export_svg(dir.path(), "errors", &kpi(good), &[])))
        .collect();
    let (rose, up_colour) = &colours[0];
    let (_, down_colour) = &colours[1];
    let (green, red) = ("#3cb371", "#e04f4f");
    assert_eq!(up_colour, if *rose { green } else { red });
    assert_eq!(
        down_colour,
        if *rose { red } else { green },
        "good = \"down\" swaps them"
    );
}

#[test]
fn every_bar_keeps_its_label_shortened_when_narrow() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("latency.svg");
    lakesight()
        .arg("export")
        .arg(repo("dashboards/app-health.toml"))
        .args(["--visual", "latency_by_service", "--width", "480"])
        .args(["--range", "2026-11-24T00:00Z..2026-11-25T00:00Z", "--out"])
        .arg(&out)
        .assert()
        .success();
    let texts = svg_texts(&std::fs::read_to_string(&out).unwrap());
    let services = [
        "checkout-api",
        "search-api",
        "payments-gateway",
        "auth-service",
        "catalog-api",
        "inventory-worker",
    ];
    for service in services {
        assert!(
            texts.iter().any(|t| t == service
                || t.strip_suffix('…')
                    .is_some_and(|start| service.starts_with(start))),
            "{service} has its label, whole or shortened: {texts:?}"
        );
    }
}

#[test]
fn each_areas_line_is_drawn_over_every_fill_in_its_own_colour() {
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("traffic.svg");
    lakesight()
        .arg("export")
        .arg(repo("dashboards/network-flows.toml"))
        .args(["--visual", "traffic", "--at", "2026-11-25T00:00Z", "--out"])
        .arg(&path)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&path).unwrap();
    let elements: Vec<&str> = svg.split("<path ").skip(1).collect();
    let last_fill = elements
        .iter()
        .rposition(|e| e.contains("fill-opacity=\"0.22\""))
        .expect("the areas' fills");
    let first_line = elements
        .iter()
        .position(|e| e.contains("stroke-width=\"1.6\""))
        .expect("the areas' lines");
    assert!(
        first_line > last_fill,
        "the first series' line is under the second's fill, tinted away from its legend colour"
    );
}
