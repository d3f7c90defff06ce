//! Draws one dashboard visual's content (below its title) from its spec and its prepared data.
//! A function of (visual spec, data, style, the size it is given): no app state, so the same code
//! draws the window's tiles and, later, exported images.

use crate::model::dashboard::{Timezone, Visual};
use crate::series::visual::VisualData;

/// How visuals are drawn besides the egui theme of the `Ui` they are drawn in.
#[derive(Clone, Debug, PartialEq)]
pub struct VisualStyle {
    /// The time zone times are shown in.
    pub timezone: Timezone,
}

/// What the user did in a visual this frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisualResponse {
    /// The category (bar, slice, heatmap column, table cell of the `x` column) clicked.
    pub clicked: Option<String>,
}

/// Draws `data` as `visual` says, filling the space `ui` offers.
pub fn draw(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &VisualData,
    _style: &VisualStyle,
) -> VisualResponse {
    match data {
        VisualData::Text => {
            ui.label(visual.text.as_deref().unwrap_or_default());
        }
        VisualData::Table(table) => {
            egui::Grid::new(ui.scope_id().with(&visual.id))
                .striped(true)
                .show(ui, |ui| {
                    for column in &table.columns {
                        ui.strong(column);
                    }
                    ui.end_row();
                    for row in &table.rows {
                        for cell in row {
                            ui.label(cell);
                        }
                        ui.end_row();
                    }
                });
        }
        _ => {}
    }
    VisualResponse::default()
}
