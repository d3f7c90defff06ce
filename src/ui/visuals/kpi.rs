//! KPI and gauge visuals, painted: a KPI's big number (coloured by `thresholds`), its change
//! against the previous value with an arrow, and a sparkline; a gauge's arc over its scale
//! (`y_range`), coloured `bands`, a `target` mark and the value in the middle.

use std::f32::consts::PI;

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, pos2, vec2};

use super::VisualResponse;
use super::palette::{BAD, GOOD, band_at, parse_hex, series_color, threshold_color};
use super::shapes::{arrow, on_circle, ring_segment};
use crate::model::dashboard::{Good, NumberFormat, Visual};
use crate::series::Kpi;
use crate::series::format::NumberStyle;
use crate::series::visual::GaugeData;

/// A font size at which `text` fits `width` (proportional digits are about 0.58 em wide).
fn fitting_size(text: &str, width: f32, max: f32) -> f32 {
    (width / (text.chars().count().max(1) as f32 * 0.58))
        .min(max)
        .max(10.0)
}

/// Draws a KPI.
pub fn kpi_ui(
    ui: &mut egui::Ui,
    visual: &Visual,
    kpi: &Kpi,
    style: &super::VisualStyle,
) -> VisualResponse {
    let drivers = style.drivers.as_deref();
    let numbers = NumberStyle::of(visual);
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let has_sparkline = kpi.sparkline.len() > 1 && rect.height() > 90.0;
    let (top, spark) = if has_sparkline {
        rect.split_top_bottom_at_fraction(0.66)
    } else {
        (rect, Rect::NOTHING)
    };
    let value_text = kpi
        .value
        .map_or_else(|| "–".to_owned(), |v| numbers.value(v));
    let value_color = kpi
        .value
        .and_then(|v| threshold_color(&visual.thresholds, v))
        .unwrap_or(visuals.strong_text_color());
    let size = fitting_size(&value_text, top.width() * 0.9, top.height() * 0.5);
    let has_delta = kpi.delta.is_some() || kpi.previous_period_empty;
    let value_center = pos2(
        top.center().x,
        top.center().y - if has_delta { size * 0.25 } else { 0.0 },
    );
    painter.text(
        value_center,
        Align2::CENTER_CENTER,
        &value_text,
        FontId::proportional(size),
        value_color,
    );

    let mut sentence_y = None;
    if kpi.previous_period_empty {
        sentence_y = Some(value_center.y + size * 0.62 + 24.0);
        // Compared with the previous period, which has no rows: said, never replaced.
        painter.text(
            pos2(top.center().x, value_center.y + size * 0.62 + 6.0),
            Align2::CENTER_CENTER,
            "no data in the previous period",
            FontId::proportional((size * 0.25).clamp(10.0, 13.0)),
            visuals.weak_text_color(),
        );
    } else if let (Some(delta), previous) = (kpi.delta, kpi.previous) {
        let color = change_color(delta, visual.good).unwrap_or(visuals.weak_text_color());
        let percent = kpi
            .delta_percent
            .map_or_else(String::new, |p| format!("{:.1}%", p.abs()));
        let sign = if delta >= 0.0 { "+" } else { "−" };
        let change = format!("{percent}  ({sign}{})", numbers.value(delta.abs()));
        let font = FontId::proportional((size * 0.3).clamp(11.0, 16.0));
        let y = value_center.y + size * 0.62 + font.size * 0.3;
        let galley = painter.layout_no_wrap(change, font.clone(), color);
        let arrow_size = font.size * 0.8;
        let total = arrow_size + 6.0 + galley.size().x;
        let left = top.center().x - total / 2.0;
        if delta != 0.0 {
            painter.add(arrow(
                pos2(left + arrow_size / 2.0, y),
                arrow_size,
                delta > 0.0,
                color,
            ));
        }
        painter.galley(
            pos2(left + arrow_size + 6.0, y - galley.size().y / 2.0),
            galley,
            color,
        );
        if let Some(previous) = previous {
            painter.text(
                pos2(top.center().x, y + font.size + 2.0),
                Align2::CENTER_CENTER,
                format!("vs {}", numbers.value(previous)),
                FontId::proportional(11.0),
                visuals.weak_text_color(),
            );
        }
        sentence_y = Some(y + font.size + 17.0);
    }
    // What drove the change, in one sentence (a label: read by screen readers too).
    if let Some(sentence) = drivers
        .and_then(|d| d.as_ref().ok())
        .and_then(|d| super::drivers::sentence(d, &numbers))
    {
        let y = sentence_y.unwrap_or(value_center.y + size * 0.62 + 24.0);
        let at = Rect::from_center_size(pos2(top.center().x, y), vec2(top.width() - 8.0, 16.0));
        ui.put(
            at,
            egui::Label::new(egui::RichText::new(sentence).size(11.5)).truncate(),
        );
    }
    let mut driver = None;
    if let Some(drivers) = drivers.filter(|_| !style.printing) {
        let at = Rect::from_min_size(top.left_bottom() + vec2(4.0, -22.0), vec2(44.0, 18.0));
        driver = super::drivers::why_ui(ui, at, drivers, &numbers);
    }
    if has_sparkline {
        sparkline(
            &painter,
            spark.shrink2(vec2(4.0, 6.0)),
            &kpi.sparkline,
            series_color(visual, 0),
        );
    }
    let _ = response;
    VisualResponse {
        driver,
        ..VisualResponse::default()
    }
}

/// The colour of a KPI's change: green for good news, red for bad, by which way is good
/// (`good = "down"`: a fall is good); `None` for no change.
pub fn change_color(delta: f64, good: Good) -> Option<Color32> {
    let better = match good {
        Good::Up => delta > 0.0,
        Good::Down => delta < 0.0,
    };
    if delta == 0.0 || delta.is_nan() {
        None
    } else if better {
        Some(GOOD)
    } else {
        Some(BAD)
    }
}

fn sparkline(painter: &egui::Painter, rect: Rect, values: &[f64], color: Color32) {
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let span = (high - low).max(f64::EPSILON);
    let last = (values.len() - 1).max(1) as f32;
    let points: Vec<Pos2> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            pos2(
                rect.left() + rect.width() * i as f32 / last,
                rect.bottom() - rect.height() * ((v - low) / span) as f32,
            )
        })
        .collect();
    // The area under the line, one quad per step (each convex).
    let fill = color.gamma_multiply(0.18);
    for pair in points.windows(2) {
        let quad = vec![
            pair[0],
            pair[1],
            pos2(pair[1].x, rect.bottom()),
            pos2(pair[0].x, rect.bottom()),
        ];
        painter.add(Shape::convex_polygon(quad, fill, Stroke::NONE));
    }
    painter.add(Shape::line(points, Stroke::new(1.6, color)));
}

/// The scale of a gauge: `y_range`, else 0 to a round number above the value, bands and target.
fn gauge_range(visual: &Visual, value: Option<f64>) -> (f64, f64) {
    if let Some([low, high]) = visual.y_range {
        return (low, high);
    }
    if visual.format == Some(NumberFormat::Percent) && value.is_none_or(|v| v <= 1.0) {
        return (0.0, 1.0);
    }
    let top = visual
        .bands
        .iter()
        .map(|b| b.to)
        .chain(visual.target)
        .chain(value.map(|v| v * 1.2))
        .fold(0.0_f64, f64::max);
    if top <= 0.0 {
        return (0.0, 1.0);
    }
    let magnitude = 10_f64.powf(top.log10().floor());
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|n| *n >= top)
        .unwrap_or(top);
    (0.0, nice)
}

/// Draws a gauge.
pub fn gauge_ui(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &GaugeData,
    style: &super::VisualStyle,
) -> VisualResponse {
    let numbers = NumberStyle::of(visual);
    let (rect, _) = ui.allocate_exact_size(ui.available_size(), Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let (low, high) = gauge_range(visual, data.value);
    // A 240-degree arc opening downwards.
    let (start, sweep) = (PI * 5.0 / 6.0, PI * 4.0 / 3.0);
    let angle = |v: f64| start + sweep * ((v - low) / (high - low)).clamp(0.0, 1.0) as f32;
    let radius = (rect.width() / 2.0).min(rect.height() / 1.6) - 10.0;
    if radius < 12.0 {
        return VisualResponse::default();
    }
    let center = pos2(
        rect.center().x,
        rect.top() + 10.0 + radius + (rect.height() - radius * 1.6 - 20.0).max(0.0) / 2.0,
    );
    let thickness = (radius * 0.2).clamp(6.0, 26.0);
    let track = visuals.widgets.inactive.bg_fill;
    painter.add(ring_segment(
        center,
        radius - thickness,
        radius,
        start,
        start + sweep,
        track,
    ));
    // Bands as a thin outer ring, so the value arc stays readable over them.
    for band in &visual.bands {
        if let Some(color) = parse_hex(&band.color) {
            painter.add(ring_segment(
                center,
                radius + 2.0,
                radius + 2.0 + thickness * 0.3,
                angle(band.from),
                angle(band.to),
                color,
            ));
        }
    }
    let value_color = data
        .value
        .and_then(|v| {
            threshold_color(&visual.thresholds, v)
                .or_else(|| band_at(&visual.bands, v).and_then(|b| parse_hex(&b.color)))
        })
        .unwrap_or(series_color(visual, 0));
    if let Some(value) = data.value {
        painter.add(ring_segment(
            center,
            radius - thickness,
            radius,
            start,
            angle(value),
            value_color,
        ));
    }
    for threshold in &style.alert_lines {
        let a = angle(*threshold);
        painter.line_segment(
            [
                on_circle(center, radius - thickness - 2.0, a),
                on_circle(center, radius + 2.0, a),
            ],
            Stroke::new(2.0, super::ALERT_LINE),
        );
    }
    if let Some(target) = visual.target {
        let a = angle(target);
        let stroke = Stroke::new(2.5, visuals.strong_text_color());
        painter.line_segment(
            [
                on_circle(center, radius - thickness - 4.0, a),
                on_circle(center, radius + thickness * 0.3 + 4.0, a),
            ],
            stroke,
        );
    }
    let text = data
        .value
        .map_or_else(|| "–".to_owned(), |v| numbers.value(v));
    let size = fitting_size(&text, (radius - thickness) * 1.6, radius * 0.45);
    painter.text(
        center,
        Align2::CENTER_CENTER,
        &text,
        FontId::proportional(size),
        value_color,
    );
    let small = FontId::proportional(11.0);
    let weak = visuals.weak_text_color();
    painter.text(
        on_circle(center, radius - thickness / 2.0, start) + vec2(0.0, 14.0),
        Align2::CENTER_CENTER,
        numbers.short(low),
        small.clone(),
        weak,
    );
    painter.text(
        on_circle(center, radius - thickness / 2.0, start + sweep) + vec2(0.0, 14.0),
        Align2::CENTER_CENTER,
        numbers.short(high),
        small.clone(),
        weak,
    );
    if let Some(target) = visual.target {
        painter.text(
            center + vec2(0.0, size * 0.75),
            Align2::CENTER_CENTER,
            format!("target {}", numbers.value(target)),
            small,
            weak,
        );
    }
    VisualResponse::default()
}
