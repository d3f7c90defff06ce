//! The catalog browser: zones, their tables and each table's columns, with format, files, size
//! and warnings. Double-click inserts a name into the editor, quoted when SQL needs it (`"userId"`); "Preview" shows the first rows.

use crate::command::{Command, CommandSender};
use crate::lake::{Catalog, TableInfo};
use crate::sql::{quote_ident, quote_qualified};

/// Draws the catalog.
pub fn catalog_ui(ui: &mut egui::Ui, catalog: Option<&Catalog>, commands: &CommandSender) {
    let Some(catalog) = catalog else {
        ui.label("Attach a lake to see its tables.");
        return;
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
                                    commands.send(Command::Preview(sql_name(table)));
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
                                        commands.send(Command::InsertText(
                                            quote_ident(field.name()).to_string(),
                                        ));
                                    }
                                }
                                for key in &table.partition_columns {
                                    let label = ui.add(
                                        egui::Label::new(format!("{key}  Utf8 (partition)"))
                                            .sense(egui::Sense::click()),
                                    );
                                    if label.double_clicked() {
                                        commands.send(Command::InsertText(
                                            quote_ident(key).to_string(),
                                        ));
                                    }
                                }
                            });
                        if header.header_response.double_clicked() {
                            commands.send(Command::InsertText(sql_name(table)));
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
}

/// A table's name as SQL: `zone.table`, each part quoted when it needs to be.
fn sql_name(table: &TableInfo) -> String {
    quote_qualified([table.schema.as_str(), table.name.as_str()])
}
