//! The result table: virtual scrolling over Arrow batches (only visible rows are formatted),
//! resizable columns, a click on a header sorts (again: descending), a click on a cell copies its
//! row as tab-separated values, and right-click copies the cell, the row or the header.

use crate::command::{Command, CommandSender, TabId};
use crate::results::ResultSet;

/// The bar above a result: its size, Table or Chart, Export, and whether it was cut.
pub fn results_bar_ui(
    ui: &mut egui::Ui,
    tab: TabId,
    result: &ResultSet,
    show_chart: bool,
    dashboards: &[(crate::command::DashboardId, &str)],
    commands: &CommandSender,
) {
    ui.horizontal(|ui| {
        if ui.selectable_label(!show_chart, "Table").clicked() && show_chart {
            commands.send(Command::ShowChart { tab, chart: false });
        }
        if ui.selectable_label(show_chart, "Chart").clicked() && !show_chart {
            commands.send(Command::ShowChart { tab, chart: true });
        }
        ui.separator();
        ui.label(format!(
            "{} rows · {} columns",
            result.num_rows(),
            result.schema.fields().len()
        ));
        if ui.button("Export...").clicked() {
            commands.send(Command::OpenExport(tab));
        }
        super::dashboards_list::add_to_dashboard_ui(ui, tab, dashboards, commands);
    });
    if let Some(cut) = result.cut() {
        ui.colored_label(ui.visuals().warn_fg_color, cut.message());
    }
}

/// Height of one result row, in points.
const ROW_HEIGHT: f32 = 18.0;

/// Draws `result`, the result of query tab `tab`.
pub fn results_ui(ui: &mut egui::Ui, tab: TabId, result: &ResultSet, commands: &CommandSender) {
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
            for (index, field) in result.schema.fields().iter().enumerate() {
                header.col(|ui| {
                    let title = match result.sort() {
                        Some((column, descending)) if column == index => {
                            format!(
                                "{} ({})",
                                field.name(),
                                if descending { "desc" } else { "asc" }
                            )
                        }
                        _ => field.name().clone(),
                    };
                    let clicked = ui
                        .add(egui::Button::new(egui::RichText::new(title).strong()).frame(false))
                        .on_hover_text("Sort")
                        .clicked();
                    if clicked {
                        commands.send(Command::Sort { tab, column: index });
                    }
                });
            }
        })
        .body(|body| {
            // One formatter per batch and column for the rows in view, not one per cell.
            let mut formatters = std::collections::HashMap::new();
            body.rows(ROW_HEIGHT, result.num_rows(), |mut row| {
                let index = row.index();
                let located = result.locate(index);
                for column in 0..columns {
                    let text = located.map_or_else(String::new, |(batch, offset)| match formatters
                        .entry((batch, column))
                        .or_insert_with(|| result.formatter(batch, column))
                    {
                        Ok(formatter) => formatter.value(offset).to_string(),
                        Err(err) => format!("<{err}>"),
                    });
                    row.col(|ui| {
                        let response = ui.add(
                            egui::Label::new(text)
                                .truncate()
                                .sense(egui::Sense::click()),
                        );
                        if response.clicked() {
                            ui.ctx().copy_text(result.row_tsv(index));
                        }
                        response.context_menu(|ui| {
                            if ui.button("Copy cell").clicked() {
                                ui.ctx().copy_text(result.cell_text(index, column));
                                ui.close();
                            }
                            if ui.button("Copy row (TSV)").clicked() {
                                ui.ctx().copy_text(result.row_tsv(index));
                                ui.close();
                            }
                            if ui.button("Copy header (TSV)").clicked() {
                                ui.ctx().copy_text(result.header_tsv());
                                ui.close();
                            }
                        });
                    });
                }
            });
        });
}
