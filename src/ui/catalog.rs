//! The catalog browser: zones, their tables and each table's columns, with format, files, size
//! and warnings. Double-click inserts a name into the editor; "Preview" shows the first rows.

use crate::app::Command;
use crate::lake::Catalog;

/// Draws the catalog.
pub fn catalog_ui(ui: &mut egui::Ui, catalog: Option<&Catalog>) -> Option<Command> {
    let mut command = None;
    let Some(catalog) = catalog else {
        ui.label("Attach a lake to see its tables.");
        return None;
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        let mut zones: Vec<&str> = catalog.tables.iter().map(|t| t.schema.as_str()).collect();
        zones.dedup();
        for zone in zones {
            egui::CollapsingHeader::new(zone)
                .default_open(true)
                .show(ui, |ui| {
                    for table in catalog.tables.iter().filter(|t| t.schema == zone) {
                        let header = egui::CollapsingHeader::new(&table.name)
                            .id_salt(table.qualified_name())
                            .show(ui, |ui| {
                                ui.small(format!(
                                    "{} · {} files · {}",
                                    table.format,
                                    table.file_count,
                                    crate::model::human_bytes(table.total_bytes)
                                ));
                                if ui.small_button("Preview").clicked() {
                                    command = Some(Command::Preview(table.qualified_name()));
                                }
                                for warning in table
                                    .warnings
                                    .iter()
                                    .map(ToString::to_string)
                                    .chain(table.drift.iter().map(ToString::to_string))
                                {
                                    ui.colored_label(
                                        ui.visuals().warn_fg_color,
                                        format!("warning: {warning}"),
                                    );
                                }
                                for field in table.columns.fields() {
                                    let label = ui.add(
                                        egui::Label::new(format!(
                                            "{}  {}",
                                            field.name(),
                                            field.data_type()
                                        ))
                                        .sense(egui::Sense::click()),
                                    );
                                    if label.double_clicked() {
                                        command = Some(Command::InsertText(field.name().clone()));
                                    }
                                }
                                for key in &table.partition_columns {
                                    let label = ui.add(
                                        egui::Label::new(format!("{key}  Utf8 (partition)"))
                                            .sense(egui::Sense::click()),
                                    );
                                    if label.double_clicked() {
                                        command = Some(Command::InsertText(key.clone()));
                                    }
                                }
                            });
                        if header.header_response.double_clicked() {
                            command = Some(Command::InsertText(table.qualified_name()));
                        }
                    }
                });
        }
        for problem in &catalog.problems {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("{}: {}", problem.qualified_name(), problem.message),
            );
        }
    });
    command
}
