//! Pie and donut visuals, painted: slices largest first from 12 o'clock, percent labels on the
//! slices that have room, a legend beside (or below) the pie, the hovered slice pulled out with
//! a tooltip, and the clicked slice's label (for cross-filtering).

use std::f32::consts::{FRAC_PI_2, TAU};

use egui::{Align2, FontId, Rect, RichText, Sense, Stroke, pos2, vec2};

use super::VisualResponse;
use super::palette::{series_color, text_on};
use super::shapes::{on_circle, ring_segment};
use crate::model::dashboard::Visual;
use crate::series::format::NumberStyle;
use crate::series::visual::PieData;

/// Draws a pie or donut; returns the clicked slice's label.
pub fn pie_ui(ui: &mut egui::Ui, visual: &Visual, data: &PieData) -> VisualResponse {
    let numbers = NumberStyle::of(visual);
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click());
    let total: f64 = data.slices.iter().map(|s| s.value).sum();
    if total <= 0.0 {
        return VisualResponse::default();
    }
    // Legend to the right of a wide tile, under a tall one.
    let side = rect.width() > rect.height() * 1.3;
    let legend_rows = data.slices.len() as f32 * 18.0;
    let (pie_rect, legend_rect) = if side {
        let legend_width = (rect.width() * 0.4).min(220.0);
        let (pie, legend) = rect.split_left_right_at_x(rect.right() - legend_width);
        (pie, legend)
    } else {
        let (pie, legend) =
            rect.split_top_bottom_at_y(rect.bottom() - legend_rows.min(rect.height() * 0.4));
        (pie, legend)
    };
    let center = pie_rect.center();
    let outer = (pie_rect.width().min(pie_rect.height()) / 2.0 - 8.0).max(10.0);
    let inner = if visual.donut { outer * 0.58 } else { 0.0 };
    let painter = ui.painter_at(rect);
    let background = ui.visuals().panel_fill;

    let angle_of = |fraction: f64| -FRAC_PI_2 + fraction as f32 * TAU;
    let hovered = response.hover_pos().and_then(|pointer| {
        let offset = pointer - center;
        let radius = offset.length();
        if radius > outer + 6.0 || radius < inner {
            return None;
        }
        let turn = (offset.y.atan2(offset.x) + FRAC_PI_2).rem_euclid(TAU) / TAU;
        let mut start = 0.0;
        data.slices.iter().position(|slice| {
            let end = start + slice.value / total;
            let inside = f64::from(turn) >= start && f64::from(turn) < end;
            start = end;
            inside
        })
    });
    let mut start = 0.0;
    for (index, slice) in data.slices.iter().enumerate() {
        let fraction = slice.value / total;
        let (a0, a1) = (angle_of(start), angle_of(start + fraction));
        let color = series_color(visual, index);
        let pull = if hovered == Some(index) { 6.0 } else { 0.0 };
        let middle = f32::midpoint(a0, a1);
        let shifted = on_circle(center, pull, middle);
        painter.add(ring_segment(shifted, inner, outer, a0, a1, color));
        // A thin line in the background colour separates neighbouring slices.
        if data.slices.len() > 1 {
            painter.line_segment(
                [on_circle(shifted, inner, a0), on_circle(shifted, outer, a0)],
                Stroke::new(1.5, background),
            );
        }
        if fraction >= 0.05 && outer > 40.0 {
            let label_radius = if visual.donut {
                f32::midpoint(inner, outer)
            } else {
                outer * 0.65
            };
            painter.text(
                on_circle(shifted, label_radius, middle),
                Align2::CENTER_CENTER,
                format!("{:.0}%", fraction * 100.0),
                FontId::proportional(12.0),
                text_on(color),
            );
        }
        start += fraction;
    }
    if visual.donut && inner > 30.0 {
        painter.text(
            center - vec2(0.0, 8.0),
            Align2::CENTER_CENTER,
            numbers.short(total),
            FontId::proportional((inner * 0.35).clamp(12.0, 26.0)),
            ui.visuals().strong_text_color(),
        );
        painter.text(
            center + vec2(0.0, inner * 0.22),
            Align2::CENTER_CENTER,
            "total",
            FontId::proportional(11.0),
            ui.visuals().weak_text_color(),
        );
    }
    legend_ui(
        &painter,
        legend_rect,
        visual,
        data,
        hovered,
        side,
        ui.visuals().text_color(),
    );

    if let Some(index) = hovered {
        let slice = &data.slices[index];
        let percent = slice.value / total * 100.0;
        let text = format!(
            "{}: {} ({percent:.1}%)",
            slice.label,
            numbers.value(slice.value)
        );
        response.clone().on_hover_ui_at_pointer(|ui| {
            ui.label(RichText::new(text).strong());
        });
    }
    VisualResponse {
        clicked: hovered
            .filter(|_| response.clicked())
            .map(|index| data.slices[index].label.clone()),
        ..VisualResponse::default()
    }
}

fn legend_ui(
    painter: &egui::Painter,
    rect: Rect,
    visual: &Visual,
    data: &PieData,
    hovered: Option<usize>,
    side: bool,
    text: egui::Color32,
) {
    let row_height = 18.0;
    let total_height = data.slices.len() as f32 * row_height;
    let top = if side {
        rect.center().y - total_height / 2.0
    } else {
        rect.top() + 4.0
    };
    let left = if side {
        rect.left() + 8.0
    } else {
        rect.center().x - rect.width().min(240.0) / 2.0
    };
    for (index, slice) in data.slices.iter().enumerate() {
        let y = top + index as f32 * row_height;
        if y + row_height > rect.bottom() + 1.0 {
            break;
        }
        let swatch = Rect::from_min_size(pos2(left, y + 4.0), vec2(10.0, 10.0));
        painter.rect_filled(swatch, 2.0, series_color(visual, index));
        let color = if hovered == Some(index) {
            text
        } else {
            text.gamma_multiply(0.85)
        };
        painter.text(
            pos2(left + 16.0, y + 9.0),
            Align2::LEFT_CENTER,
            &slice.label,
            FontId::proportional(12.5),
            color,
        );
    }
}
