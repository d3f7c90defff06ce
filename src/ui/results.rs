//! The result table: virtual scrolling over Arrow batches (only visible rows are formatted),
//! resizable columns, and a click on a row copies it as tab-separated values.

use crate::app::results::ResultSet;

/// Height of one result row, in points.
const ROW_HEIGHT: f32 = 18.0;

/// Draws `result`.
pub fn results_ui(ui: &mut egui::Ui, result: &ResultSet) {
    let columns = result.schema.fields().len();
    if columns == 0 {
        ui.label("(no columns)");
        return;
    }
    let mut table = egui_extras::TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .min_scrolled_height(0.0);
    for _ in 0..columns {
        table = table.column(egui_extras::Column::auto().at_least(60.0).clip(true));
    }
    table
        .header(ROW_HEIGHT + 4.0, |mut header| {
            for field in result.schema.fields() {
                header.col(|ui| {
                    ui.strong(field.name());
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, result.num_rows(), |mut row| {
                let index = row.index();
                for column in 0..columns {
                    row.col(|ui| {
                        let response = ui.add(
                            egui::Label::new(result.cell_text(index, column))
                                .truncate()
                                .sense(egui::Sense::click()),
                        );
                        if response.clicked() {
                            ui.ctx().copy_text(result.row_tsv(index));
                        }
                    });
                }
            });
        });
}
