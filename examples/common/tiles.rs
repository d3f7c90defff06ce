//! Sample visuals over in-memory arrow batches, one of each kind plus a 10,000,000-point line,
//! for the visual gallery example and the dashboard frame benchmark.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use lakesight::model::dashboard::{
    Band, Compare, NumberFormat, Orientation, Position, Threshold, Visual, VisualKind,
};
use lakesight::series::visual::{VisualData, prepare};

/// Points of the big line.
pub const BIG_LINE_POINTS: usize = 10_000_000;

const START: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC

/// A visual and what it draws.
pub struct Tile {
    /// The spec.
    pub visual: Visual,
    /// Its prepared data.
    pub data: VisualData,
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("a sample batch")
}

fn noise(i: u64) -> f64 {
    // A small deterministic hash in 0..1.
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    (x % 10_000) as f64 / 10_000.0
}

fn visual(id: &str, title: &str, kind: VisualKind) -> Visual {
    let mut v = Visual::new(id, kind, Position::from([0, 0, 3, 3]));
    title.clone_into(&mut v.title);
    v
}

fn tile(visual: Visual, batches: &[RecordBatch], previous: Option<&[RecordBatch]>) -> Tile {
    let data = prepare(&visual, batches, previous).expect("sample data prepares");
    Tile { visual, data }
}

fn hours(n: usize) -> Vec<i64> {
    (0..n as i64).map(|h| START + h * 3_600).collect()
}

/// Every sample tile: the eleven kinds (bars twice, vertical and horizontal) and the big line.
pub fn tiles() -> Vec<Tile> {
    let mut tiles = Vec::new();

    // KPI: revenue per hour, the last hour against the previous period's.
    let revenue: Vec<f64> = (0..48)
        .map(|h| 12_000.0 + 3_000.0 * (h as f64 / 5.0).sin() + 2_000.0 * noise(h))
        .collect();
    let mut kpi = visual("revenue", "Revenue", VisualKind::Kpi);
    kpi.x = Some("hour".into());
    kpi.y = vec!["revenue".into()];
    kpi.unit = Some("€".into());
    kpi.decimals = Some(0);
    kpi.compare = Some(Compare::PreviousPeriod);
    let now = batch(vec![
        (
            "hour",
            Arc::new(TimestampSecondArray::from(hours(48))) as ArrayRef,
        ),
        ("revenue", Arc::new(Float64Array::from(revenue))),
    ]);
    let before = batch(vec![
        (
            "hour",
            Arc::new(TimestampSecondArray::from(hours(1))) as ArrayRef,
        ),
        ("revenue", Arc::new(Float64Array::from(vec![11_250.0]))),
    ]);
    tiles.push(tile(kpi, &[now], Some(&[before])));

    // Gauge: an error rate with bands and a target.
    let mut gauge = visual("error_rate", "Error rate", VisualKind::Gauge);
    gauge.y = vec!["error_rate".into()];
    gauge.format = Some(NumberFormat::Percent);
    gauge.y_range = Some([0.0, 0.5]);
    gauge.target = Some(0.05);
    gauge.bands = vec![
        Band {
            from: 0.0,
            to: 0.05,
            color: "#2ca02c".into(),
        },
        Band {
            from: 0.05,
            to: 0.1,
            color: "#ff7f0e".into(),
        },
        Band {
            from: 0.1,
            to: 0.5,
            color: "#d62728".into(),
        },
    ];
    let rate = batch(vec![(
        "error_rate",
        Arc::new(Float64Array::from(vec![0.072])) as ArrayRef,
    )]);
    tiles.push(tile(gauge, &[rate], None));

    // Line: latency per service (long format), a missing hour and a null, p99 on a second axis.
    let mut line = visual("latency", "Latency per service", VisualKind::Line);
    line.x = Some("hour".into());
    line.y = vec!["latency".into()];
    line.series = Some("service".into());
    line.unit = Some("ms".into());
    let (mut at, mut service, mut latency) = (Vec::new(), Vec::new(), Vec::new());
    for h in 0..72_i64 {
        if (40..44).contains(&h) {
            continue; // a missing stretch: the lines break
        }
        for (s, name) in ["api", "web", "worker"].iter().enumerate() {
            at.push(START + h * 3_600);
            service.push(*name);
            let base = 80.0 + 40.0 * s as f64 + 25.0 * ((h as f64) / 6.0 + s as f64).sin();
            latency.push(if h == 20 && s == 0 {
                None
            } else {
                Some(base + 15.0 * noise((h * 3) as u64 + s as u64))
            });
        }
    }
    let lines = batch(vec![
        ("hour", Arc::new(TimestampSecondArray::from(at)) as ArrayRef),
        ("service", Arc::new(StringArray::from(service))),
        ("latency", Arc::new(Float64Array::from(latency))),
    ]);
    tiles.push(tile(line, &[lines], None));

    // Area: orders per status, stacked.
    let mut area = visual("status", "Orders by status", VisualKind::Area);
    area.x = Some("hour".into());
    area.y = vec!["orders".into()];
    area.series = Some("status".into());
    area.stack = true;
    let (mut at, mut status, mut orders) = (Vec::new(), Vec::new(), Vec::new());
    for h in 0..48_i64 {
        for (s, name) in ["completed", "pending", "failed"].iter().enumerate() {
            at.push(START + h * 3_600);
            status.push(*name);
            let scale = [120.0, 40.0, 12.0][s];
            orders.push(
                scale * (1.2 + ((h as f64) / 7.0).sin())
                    + scale * 0.3 * noise((h * 7 + s as i64) as u64),
            );
        }
    }
    let areas = batch(vec![
        ("hour", Arc::new(TimestampSecondArray::from(at)) as ArrayRef),
        ("status", Arc::new(StringArray::from(status))),
        ("orders", Arc::new(Float64Array::from(orders))),
    ]);
    tiles.push(tile(area, &[areas], None));

    // Bars: revenue and cost per channel, grouped.
    let mut bars = visual("channels", "Revenue and cost by channel", VisualKind::Bar);
    bars.x = Some("channel".into());
    bars.y = vec!["revenue".into(), "cost".into()];
    bars.format = Some(NumberFormat::Compact);
    bars.unit = Some("€".into());
    let channels = batch(vec![
        (
            "channel",
            Arc::new(StringArray::from(vec![
                "web", "app", "store", "partner", "phone",
            ])) as ArrayRef,
        ),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![
                182_000.0, 141_500.0, 96_300.0, 55_100.0, 12_400.0,
            ])),
        ),
        (
            "cost",
            Arc::new(Float64Array::from(vec![
                61_000.0, 52_000.0, 48_800.0, 21_000.0, 9_900.0,
            ])),
        ),
    ]);
    tiles.push(tile(bars, &[channels], None));

    // Bars, horizontal: top countries.
    let mut countries = visual("countries", "Revenue by country", VisualKind::Bar);
    countries.x = Some("country".into());
    countries.y = vec!["revenue".into()];
    countries.orientation = Orientation::Horizontal;
    countries.format = Some(NumberFormat::Compact);
    let country_batch = batch(vec![
        (
            "country",
            Arc::new(StringArray::from(vec!["DE", "FR", "NL", "ES", "IT", "PL"])) as ArrayRef,
        ),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![
                412_000.0, 305_000.0, 188_000.0, 150_500.0, 122_000.0, 64_000.0,
            ])),
        ),
    ]);
    tiles.push(tile(countries, &[country_batch], None));

    // Scatter: amount against fraud score.
    let mut scatter = visual("scatter", "Amount vs fraud score", VisualKind::Scatter);
    scatter.x = Some("score".into());
    scatter.y = vec!["amount".into()];
    let scores: Vec<f64> = (0..600).map(|i| noise(i * 13)).collect();
    let amounts: Vec<f64> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| 20.0 + 400.0 * s * noise(i as u64 * 7 + 1) + 60.0 * noise(i as u64))
        .collect();
    let points = batch(vec![
        ("score", Arc::new(Float64Array::from(scores)) as ArrayRef),
        ("amount", Arc::new(Float64Array::from(amounts))),
    ]);
    tiles.push(tile(scatter, &[points], None));

    // Donut: revenue by payment method.
    let mut pie = visual("methods", "Revenue by payment method", VisualKind::Pie);
    pie.x = Some("method".into());
    pie.y = vec!["revenue".into()];
    pie.donut = true;
    pie.format = Some(NumberFormat::Compact);
    let methods = batch(vec![
        (
            "method",
            Arc::new(StringArray::from(vec![
                "card", "paypal", "invoice", "klarna", "sepa", "crypto",
            ])) as ArrayRef,
        ),
        (
            "revenue",
            Arc::new(Float64Array::from(vec![
                420.0, 230.0, 120.0, 90.0, 60.0, 8.0,
            ])),
        ),
    ]);
    tiles.push(tile(pie, &[methods], None));

    // Histogram: response times.
    let mut histogram = visual("durations", "Response times", VisualKind::Histogram);
    histogram.x = Some("duration".into());
    histogram.bins = Some(24);
    histogram.format = Some(NumberFormat::Duration);
    let durations: Vec<f64> = (0..5_000)
        .map(|i| {
            let u = (noise(i) + noise(i + 99_999) + noise(i + 7_777)) / 3.0;
            0.05 + 1.8 * u * u
        })
        .collect();
    let duration_batch = batch(vec![(
        "duration",
        Arc::new(Float64Array::from(durations)) as ArrayRef,
    )]);
    tiles.push(tile(histogram, &[duration_batch], None));

    // Heatmap: responses per hour and status.
    let mut heatmap = visual(
        "responses",
        "Responses by hour and status",
        VisualKind::Heatmap,
    );
    heatmap.x = Some("hour".into());
    heatmap.y = vec!["responses".into()];
    heatmap.series = Some("status".into());
    heatmap.format = Some(NumberFormat::Compact);
    let (mut at, mut code, mut count) = (Vec::new(), Vec::new(), Vec::new());
    for h in 0..24_i64 {
        for (s, name) in ["200", "301", "404", "500", "503"].iter().enumerate() {
            at.push(START + h * 3_600);
            code.push(*name);
            let daily = 1.0 + ((h as f64 - 6.0) / 24.0 * std::f64::consts::TAU).sin();
            count.push(
                Int64Array::from(vec![0]).value(0)
                    + ((2_000.0 / (1.0 + 3.0 * s as f64))
                        * daily
                        * (0.7 + 0.6 * noise((h * 5 + s as i64) as u64)))
                        as i64,
            );
        }
    }
    let grid = batch(vec![
        ("hour", Arc::new(TimestampSecondArray::from(at)) as ArrayRef),
        ("status", Arc::new(StringArray::from(code))),
        ("responses", Arc::new(Int64Array::from(count))),
    ]);
    tiles.push(tile(heatmap, &[grid], None));

    // Table: riskiest payments, scores coloured.
    let mut table = visual("riskiest", "Riskiest payments", VisualKind::Table);
    table.thresholds = vec![
        Threshold {
            value: 0.0,
            color: "#59a14f".into(),
        },
        Threshold {
            value: 0.9,
            color: "#e15759".into(),
        },
    ];
    table.decimals = Some(2);
    let ids: Vec<String> = (0..40)
        .map(|i| format!("pay_{:05}", 1_000 + i * 37))
        .collect();
    let table_batch = batch(vec![
        ("payment_id", Arc::new(StringArray::from(ids)) as ArrayRef),
        (
            "country",
            Arc::new(StringArray::from(
                (0..40)
                    .map(|i| ["DE", "FR", "NL", "ES"][i % 4])
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "amount",
            Arc::new(Float64Array::from(
                (0..40).map(|i| 1_500.0 * noise(i)).collect::<Vec<_>>(),
            )),
        ),
        (
            "fraud_score",
            Arc::new(Float64Array::from(
                (0..40)
                    .map(|i| 0.99 - f64::from(i) * 0.012)
                    .collect::<Vec<_>>(),
            )),
        ),
    ]);
    tiles.push(tile(table, &[table_batch], None));

    // Text.
    let mut text = visual("about", "About", VisualKind::Text);
    text.text = Some(
        "## Payments overview\nRevenue, risk and latency for **all channels**, refreshed every *5 minutes*.\n\n\
         - Scores over `0.9` are flagged\n- Click a bar or slice to **filter**\n- Times are in UTC\n\n\
         See the [runbook](https://example.com/runbook) for alerts."
            .into(),
    );
    tiles.push(tile(text, &[], None));

    tiles.push(big_line());
    tiles
}

/// A line of [`BIG_LINE_POINTS`] points, one per second.
pub fn big_line() -> Tile {
    let mut line = visual("big", "Sensor (10,000,000 points)", VisualKind::Line);
    line.x = Some("t".into());
    line.y = vec!["value".into()];
    let seconds: Vec<i64> = (0..BIG_LINE_POINTS as i64).map(|i| START + i).collect();
    let values: Vec<f64> = (0..BIG_LINE_POINTS)
        .map(|i| {
            let t = i as f64;
            50.0 + 20.0 * (t / 200_000.0).sin()
                + 8.0 * (t / 9_000.0).sin()
                + 6.0 * noise(i as u64)
                + if i % 1_000_003 == 0 { 40.0 } else { 0.0 }
        })
        .collect();
    let b = batch(vec![
        (
            "t",
            Arc::new(TimestampSecondArray::from(seconds)) as ArrayRef,
        ),
        ("value", Arc::new(Float64Array::from(values))),
    ]);
    tile(line, &[b], None)
}

/// Draws `tiles` in a grid of `columns`, each framed with its title, filling `ui`.
pub fn grid_ui(
    ui: &mut egui::Ui,
    tiles: &[Tile],
    columns: usize,
    style: &lakesight::ui::visuals::VisualStyle,
) -> Option<String> {
    let rows = tiles.len().div_ceil(columns);
    let area = ui.available_rect_before_wrap();
    let gap = 8.0;
    let size = egui::vec2(
        (area.width() - gap * (columns as f32 - 1.0)) / columns as f32,
        (area.height() - gap * (rows as f32 - 1.0)) / rows as f32,
    );
    let mut clicked = None;
    for (index, tile) in tiles.iter().enumerate() {
        let (row, column) = (index / columns, index % columns);
        let min =
            area.min + egui::vec2(column as f32 * (size.x + gap), row as f32 * (size.y + gap));
        let rect = egui::Rect::from_min_size(min, size);
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect)
                .id_salt(&tile.visual.id),
        );
        egui::Frame::group(child.style())
            .fill(child.visuals().panel_fill)
            .corner_radius(6.0)
            .inner_margin(10.0)
            .show(&mut child, |ui| {
                ui.set_min_size(ui.available_size());
                ui.label(egui::RichText::new(&tile.visual.title).strong().size(14.0));
                ui.add_space(4.0);
                let response = lakesight::ui::visuals::draw(ui, &tile.visual, &tile.data, style);
                clicked = clicked.clone().or(response.clicked);
            });
    }
    ui.allocate_rect(area, egui::Sense::hover());
    clicked
}
