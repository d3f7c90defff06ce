//! Image export from the real window (`egui_kittest`): a tile's menu -> "Export image…" writes the
//! tile in the background while the window keeps drawing, and the file shows the tile as the
//! window draws it, panned as the user left it: the window's own frame (its shapes, rasterized with its font atlas) and the
//! exported PNG of the same tile at the same size agree within a tolerance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::app::{Fixture, has_label, open_config, primary_button, step_until};
use egui::epaint::{ClippedShape, Shape};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::DashboardSource;
use lakesight::render::{Canvas, Textures, rasterize};

const DASHBOARD: &str = r#"title = "Export test"
time_range = "2026-11-22T00:00Z..2026-11-25T00:00Z"
timezone = "UTC"

[[visuals]]
id = "revenue"
title = "Revenue per hour"
kind = "line"
sql = """SELECT date_trunc('hour', event_time) AS hour, round(sum(amount), 2) AS revenue
         FROM orders WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["revenue"]
position = [0, 0, 6, 4]

[[visuals]]
id = "orders"
title = "All orders"
kind = "kpi"
sql = "SELECT count(*) AS orders FROM orders WHERE $__timeFilter(event_time)"
y = ["orders"]
position = [6, 0, 3, 3]
"#;

fn open_dashboard() -> (Fixture, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("export.toml");
    std::fs::write(&file, DASHBOARD).unwrap();
    let lake = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(lake)));
    config.dashboards.push(DashboardSource::File(file.clone()));
    let folder_path = folder.path().to_path_buf();
    (open_config(folder, config), folder_path)
}

/// The smallest rounded card among `shapes` around `inside`: a tile.
fn card_around(shapes: &[ClippedShape], inside: egui::Rect) -> Option<egui::Rect> {
    fn walk(shape: &Shape, inside: egui::Rect, best: &mut Option<egui::Rect>) {
        match shape {
            Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, inside, best)),
            Shape::Rect(rect)
                if rect.corner_radius.nw == 8
                    && rect.rect.contains_rect(inside)
                    && best.is_none_or(|b| rect.rect.area() < b.area()) =>
            {
                *best = Some(rect.rect);
            }
            _ => {}
        }
    }
    let mut best = None;
    for clipped in shapes {
        walk(&clipped.shape, inside, &mut best);
    }
    best
}

/// `rect` (points, at one pixel per point) cut out of `canvas` as straight RGBA bytes.
fn crop(canvas: &Canvas, rect: egui::Rect) -> (u32, u32, Vec<u8>) {
    let (x0, y0) = (rect.min.x.round() as usize, rect.min.y.round() as usize);
    let (w, h) = (
        rect.width().round() as usize,
        rect.height().round() as usize,
    );
    let mut out = Vec::with_capacity(w * h * 4);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            out.extend_from_slice(&canvas.pixel(x, y).to_srgba_unmultiplied());
        }
    }
    (w as u32, h as u32, out)
}

fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgba).unwrap();
    rgba.truncate(frame.buffer_size());
    (frame.width, frame.height, rgba)
}

/// Replaces the text of the field labelled `label`, as a user selecting all and typing.
fn set(f: &mut Fixture, label: &str, text: &str) {
    let field = || egui::accesskit::Role::TextInput;
    f.harness.get_by_role_and_label(field(), label).focus();
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.step();
    f.harness
        .get_by_role_and_label(field(), label)
        .type_text(text);
    f.harness.step();
}

fn wrote(f: &Fixture) -> bool {
    f.harness
        .query_all_by_label_contains("Wrote ")
        .next()
        .is_some()
}

#[test]
fn export_image_from_a_tile_writes_the_tile_as_the_window_draws_it() {
    let (mut f, folder) = open_dashboard();
    step_until(&mut f.harness, "the tiles", |h| {
        has_label(h, "Revenue per hour")
            && h.state().dashboard_runs() >= 2
            && !h.state().dashboard_running()
    });
    f.harness.run_steps(3);
    let title = f.harness.get_by_label("Revenue per hour").rect();
    // Pan the chart (it pans along x): the export must show the view on screen, not the data's
    // full extent.
    let inside = title.left_bottom() + egui::vec2(200.0, 120.0);
    f.harness.event(egui::Event::PointerMoved(inside));
    f.harness.step();
    primary_button(&mut f, inside, true);
    for step in 1..=10 {
        let at = inside + egui::vec2(-18.0 * step as f32, 0.0);
        f.harness.event(egui::Event::PointerMoved(at));
        f.harness.step();
    }
    primary_button(&mut f, inside + egui::vec2(-180.0, 0.0), false);
    f.harness.event(egui::Event::PointerGone);
    f.harness.run_steps(3);
    // The window's own frame, drawn by the export's rasterizer with the window's font atlas.
    let output = f.harness.output().clone();
    let card = card_around(&output.shapes, title).expect("the tile's card");
    let ctx = f.harness.ctx.clone();
    let ppp = ctx.pixels_per_point();
    assert!((ppp - 1.0).abs() < f32::EPSILON);
    let mut textures = Textures::default();
    #[allow(clippy::redundant_closure_for_method_calls)]
    // the method alone is not general enough over lifetimes
    let atlas = ctx.fonts(|fonts| fonts.image());
    textures.insert(
        egui::TextureId::default(),
        &atlas,
        egui::TextureFilter::Linear,
    );
    let screen = ctx.content_rect();
    let mut canvas = Canvas::new(
        screen.width().round() as usize,
        screen.height().round() as usize,
        egui::Color32::BLACK,
    );
    rasterize(
        &mut canvas,
        &ctx.tessellate(output.shapes, ppp),
        &textures,
        ppp,
        2,
    );
    // The tile with the 10-point gaps around it, as an image of it is laid out.
    let window = crop(&canvas, card.expand(10.0));

    // The tile's menu -> Export image…, at the window tile's width, no footer.
    f.harness
        .query_all_by_label("…")
        .find(|node| {
            let rect = node.rect();
            (rect.center().y - title.center().y).abs() < 10.0 && rect.min.x > title.max.x
        })
        .expect("the tile's menu")
        .click();
    step_until(&mut f.harness, "the menu", |h| {
        has_label(h, "Export image…")
    });
    f.harness.get_by_label("Export image…").click();
    step_until(&mut f.harness, "the dialog", |h| has_label(h, "Theme"));
    f.harness.get_by_label("Width").click();
    f.harness.step();
    set(&mut f, "Width", &window.0.to_string());
    let out = folder.join("tile.png");
    set(&mut f, "File", out.to_str().unwrap());
    f.harness
        .get_by_label("Footer (range, time zone, data as of)")
        .click();
    f.harness.step();
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the file written", |h| {
        h.query_all_by_label_contains("Wrote ").next().is_some()
    });
    assert!(wrote(&f));
    assert!(
        f.harness
            .query_all_by_label("Revenue per hour")
            .next()
            .is_some(),
        "the window kept drawing"
    );

    let exported = read_png(&out);
    assert_eq!(
        (exported.0, exported.1),
        (window.0, window.1),
        "the same size"
    );
    if let Some(folder) = std::env::var_os("LAKESIGHT_KEEP_PARITY") {
        let file = std::fs::File::create(Path::new(&folder).join("window-tile.png")).unwrap();
        let mut encoder = png::Encoder::new(file, window.0, window.1);
        encoder.set_color(png::ColorType::Rgba);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&window.2)
            .unwrap();
        std::fs::copy(&out, Path::new(&folder).join("exported-tile.png")).unwrap();
    }
    let (a, b) = (&window.2, &exported.2);
    let total: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    let mean = total as f64 / a.len() as f64;
    let off = a
        .chunks(4)
        .zip(b.chunks(4))
        .filter(|(p, q)| p.iter().zip(*q).any(|(x, y)| x.abs_diff(*y) > 48))
        .count() as f64
        / (a.len() / 4) as f64;
    eprintln!(
        "window vs export: mean {mean:.3}/255 per channel, {:.3}% of pixels off",
        off * 100.0
    );
    assert!(
        mean < 3.0 && off < 0.02,
        "the export differs from the window's tile: mean {mean:.2}/255, {:.2}% of pixels off",
        off * 100.0
    );
}

#[test]
fn the_whole_dashboard_exports_as_svg_and_a_tile_copies_to_the_clipboard() {
    let (mut f, folder) = open_dashboard();
    step_until(&mut f.harness, "the tiles", |h| {
        h.state().dashboard_runs() >= 2 && !h.state().dashboard_running()
    });
    f.harness.get_by_label("Export dashboard image…").click();
    step_until(&mut f.harness, "the dialog", |h| has_label(h, "Theme"));
    f.harness.get_by_label("SVG").click();
    f.harness.step();
    let out = folder.join("whole.svg");
    set(&mut f, "File", out.to_str().unwrap());
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the file written", |h| {
        h.query_all_by_label_contains("Wrote ").next().is_some()
    });
    let svg = std::fs::read_to_string(&out).unwrap();
    // Exporting over the file asks first; keeping it writes nothing.
    std::fs::write(&out, "mine").unwrap();
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the question", |h| {
        h.query_all_by_label_contains("already exists. Replace it?")
            .next()
            .is_some()
    });
    f.harness.get_by_label("Keep the file").click();
    f.harness.run_steps(5);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the question", |h| {
        h.query_all_by_label("Replace").next().is_some()
    });
    f.harness.get_by_label("Replace").click();
    step_until(&mut f.harness, "the file replaced", |_| {
        std::fs::read_to_string(&out).is_ok_and(|t| t.starts_with("<?xml"))
    });
    for text in [
        "<title>Export test</title>",
        ">Revenue per hour<",
        ">All orders<",
        "@font-face",
    ] {
        assert!(svg.contains(text), "{text} in the SVG");
    }
    // A right-click on a tile's title opens its menu too.
    f.harness.get_by_label("All orders").click_secondary();
    step_until(&mut f.harness, "the tile's menu", |h| {
        h.query_all_by_label("Export image…").next().is_some()
    });
    f.harness.key_press(egui::Key::Escape);
    f.harness.step();
    // The dialog's Copy image: the PNG goes to the clipboard, the dialog says so.
    f.harness.get_by_label("1x").click();
    f.harness.step();
    f.harness.get_by_label("Copy image").click();
    step_until(&mut f.harness, "the image copied", |h| {
        h.query_all_by_label_contains("Copied a 1600x")
            .next()
            .is_some()
    });
}
