//! Heatmap visuals, painted: cells of `x` (columns) against `series` (rows) on a sequential
//! colour scale with its legend, row and column labels thinned to fit, the hovered cell's value
//! in a tooltip, and the clicked column's label (for cross-filtering).

use egui::{Align2, FontId, Rect, RichText, Sense, Stroke, pos2, vec2};

use super::palette::sequential;
use super::time::relabel;
use super::{VisualResponse, VisualStyle};
use crate::model::dashboard::Visual;
use crate::series::format::NumberStyle;
use crate::series::visual::HeatmapData;

/// Draws a heatmap; returns the clicked column's label.
pub fn heatmap_ui(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &HeatmapData,
    style: &VisualStyle,
) -> VisualResponse {
    let numbers = NumberStyle::of(visual);
    let grid = &data.grid;
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click());
    let (columns, rows) = (grid.x_labels.len(), grid.y_labels.len());
    if columns == 0 || rows == 0 {
        return VisualResponse::default();
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let font = FontId::proportional(11.0);
    let x_labels: Vec<String> = grid
        .x_labels
        .iter()
        .map(|l| relabel(&style.timezone, l))
        .collect();
    let label_width = grid
        .y_labels
        .iter()
        .map(|l| {
            painter
                .layout_no_wrap(l.clone(), font.clone(), visuals.text_color())
                .size()
                .x
        })
        .fold(0.0, f32::max)
        .min(rect.width() * 0.25)
        + 8.0;
    let legend_width = 56.0;
    let cells = Rect::from_min_max(
        pos2(rect.left() + label_width, rect.top() + 4.0),
        pos2(rect.right() - legend_width, rect.bottom() - 20.0),
    );
    let cell = vec2(cells.width() / columns as f32, cells.height() / rows as f32);
    let (low, high) = grid.range.unwrap_or((0.0, 1.0));
    let scale = |v: f64| {
        if high > low {
            ((v - low) / (high - low)) as f32
        } else {
            0.5
        }
    };
    let gap = if cell.x > 6.0 && cell.y > 6.0 {
        1.0
    } else {
        0.0
    };
    for (row, values) in grid.cells.iter().enumerate() {
        for (column, value) in values.iter().enumerate() {
            let min = pos2(
                cells.left() + column as f32 * cell.x,
                cells.top() + row as f32 * cell.y,
            );
            let r = Rect::from_min_size(min, cell).shrink(gap);
            let color = value.map_or(visuals.faint_bg_color, |v| sequential(scale(v)));
            painter.rect_filled(r, 1.0, color);
        }
    }
    // Row labels where there is room for each, column labels thinned to one per ~70 px.
    let row_every = (14.0 / cell.y).ceil().max(1.0) as usize;
    for (row, label) in grid.y_labels.iter().enumerate().step_by(row_every) {
        let y = cells.top() + (row as f32 + 0.5) * cell.y;
        painter.text(
            pos2(cells.left() - 6.0, y),
            Align2::RIGHT_CENTER,
            label,
            font.clone(),
            visuals.text_color(),
        );
    }
    // As many column labels as fit side by side.
    let widest = x_labels
        .iter()
        .map(|l| {
            painter
                .layout_no_wrap(l.clone(), font.clone(), visuals.text_color())
                .size()
                .x
        })
        .fold(0.0, f32::max);
    let column_every = ((widest + 10.0) / cell.x).ceil().max(1.0) as usize;
    for (column, label) in x_labels.iter().enumerate().step_by(column_every) {
        let x = cells.left() + (column as f32 + 0.5) * cell.x;
        painter.text(
            pos2(x, cells.bottom() + 4.0),
            Align2::CENTER_TOP,
            label,
            font.clone(),
            visuals.weak_text_color(),
        );
    }
    // The colour scale.
    let bar = Rect::from_min_max(
        pos2(rect.right() - legend_width + 10.0, cells.top()),
        pos2(rect.right() - legend_width + 22.0, cells.bottom()),
    );
    let steps = 32;
    for i in 0..steps {
        let t0 = i as f32 / steps as f32;
        let slice = Rect::from_min_max(
            pos2(
                bar.left(),
                bar.bottom() - bar.height() * (t0 + 1.0 / steps as f32),
            ),
            pos2(bar.right(), bar.bottom() - bar.height() * t0 + 0.5),
        );
        painter.rect_filled(slice, 0.0, sequential(t0 + 0.5 / steps as f32));
    }
    painter.rect_stroke(
        bar,
        0.0,
        Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
        egui::StrokeKind::Outside,
    );
    painter.text(
        pos2(bar.right() + 4.0, bar.top()),
        Align2::LEFT_TOP,
        numbers.short(high),
        font.clone(),
        visuals.weak_text_color(),
    );
    painter.text(
        pos2(bar.right() + 4.0, bar.bottom()),
        Align2::LEFT_BOTTOM,
        numbers.short(low),
        font,
        visuals.weak_text_color(),
    );

    let hovered = response
        .hover_pos()
        .filter(|p| cells.contains(*p))
        .map(|p| {
            let column = (((p.x - cells.left()) / cell.x) as usize).min(columns - 1);
            let row = (((p.y - cells.top()) / cell.y) as usize).min(rows - 1);
            (row, column)
        });
    if let Some((row, column)) = hovered {
        let outline = Rect::from_min_size(
            pos2(
                cells.left() + column as f32 * cell.x,
                cells.top() + row as f32 * cell.y,
            ),
            cell,
        );
        painter.rect_stroke(
            outline,
            1.0,
            Stroke::new(1.5, visuals.strong_text_color()),
            egui::StrokeKind::Inside,
        );
        let value =
            grid.cells[row][column].map_or_else(|| "no value".to_owned(), |v| numbers.value(v));
        let text = format!("{} · {}: {value}", x_labels[column], grid.y_labels[row]);
        response.clone().on_hover_ui_at_pointer(|ui| {
            ui.label(RichText::new(text).strong());
        });
    }
    VisualResponse {
        clicked: hovered
            .filter(|_| response.clicked())
            .map(|(_, column)| grid.x_labels[column].clone()),
        ..VisualResponse::default()
    }
}
