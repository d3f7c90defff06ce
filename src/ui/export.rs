//! "Export result": format, file (typed, or chosen with "Browse..."), and while writing a progress
//! bar with Cancel. The file appears only when complete; a typed path that names an existing file
//! asks before replacing it.

use std::path::PathBuf;

use crate::command::{Command, CommandSender, TabId};
use crate::model::ResultFormat;

/// What the dialog edits.
pub struct ExportState {
    /// Whether the dialog is showing.
    pub open: bool,
    /// The tab whose result is exported.
    pub tab: TabId,
    /// The chosen format.
    pub format: ResultFormat,
    /// The file to write.
    pub path: String,
    /// An existing file the user is asked about replacing.
    pub confirm_replace: Option<PathBuf>,
}

impl Default for ExportState {
    fn default() -> Self {
        let folder = dirs::download_dir()
            .or_else(dirs::home_dir)
            .unwrap_or_else(|| ".".into());
        Self {
            open: false,
            tab: 0,
            confirm_replace: None,
            format: ResultFormat::Csv,
            path: folder.join("lakesight-result.csv").display().to_string(),
        }
    }
}

/// What the app tells the dialog.
pub struct ExportView<'a> {
    /// Rows to write (`None`: not known until the query has run).
    pub total_rows: Option<usize>,
    /// Whether the result shown was cut at its limit (the export runs the query again).
    pub cut: bool,
    /// Rows written so far, while exporting.
    pub written: Option<usize>,
    /// The last export's outcome, and whether it failed.
    pub outcome: Option<(&'a str, bool)>,
}

/// Draws the dialog when open.
pub fn export_ui(
    ctx: &egui::Context,
    state: &mut ExportState,
    view: &ExportView<'_>,
    commands: &CommandSender,
) {
    if !state.open {
        return;
    }
    let mut open = true;
    super::dialog("Export result", ctx, &mut open)
        .default_width(460.0)
        .show(ctx, |ui| {
            match view.total_rows {
                _ if view.cut => ui.label(
                    "The whole result: the query runs again and every row is written, in the \
                     order shown",
                ),
                Some(rows) => ui.label(format!("{rows} rows, in the order shown")),
                None => ui.label("The whole result, in the order shown"),
            };
            ui.horizontal(|ui| {
                ui.label("Format");
                for (format, extension) in ResultFormat::FILES {
                    if ui
                        .selectable_label(state.format == format, extension.to_uppercase())
                        .clicked()
                    {
                        state.format = format;
                        state.path = with_extension(&state.path, extension);
                    }
                }
            });
            ui.horizontal(|ui| {
                let label = ui.label("File");
                let typed = ui
                    .add(egui::TextEdit::singleline(&mut state.path).desired_width(300.0))
                    .labelled_by(label.id);
                if typed.changed() {
                    state.confirm_replace = None;
                }
                if ui.button("Browse...").clicked() {
                    commands.send(Command::BrowseExportPath);
                }
            });
            match view.written {
                Some(written) => {
                    ui.horizontal(|ui| {
                        let bar = match view.total_rows {
                            Some(total) => {
                                egui::ProgressBar::new(written as f32 / total.max(1) as f32)
                                    .text(format!("{written} of {total} rows"))
                            }
                            None => egui::ProgressBar::new(0.0)
                                .animate(true)
                                .text(format!("{written} rows written")),
                        };
                        ui.add(bar.desired_width(300.0));
                        if ui.button("Cancel export").clicked() {
                            commands.send(Command::CancelExport);
                        }
                    });
                }
                None => match state.confirm_replace.clone() {
                    Some(existing) => {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            format!("{} already exists. Replace it?", existing.display()),
                        );
                        ui.horizontal(|ui| {
                            if ui.button("Replace").clicked() {
                                commands.send(Command::Export {
                                    tab: state.tab,
                                    format: state.format,
                                    path: existing,
                                    replace: true,
                                });
                            }
                            if ui.button("Keep the file").clicked() {
                                state.confirm_replace = None;
                            }
                        });
                    }
                    None => {
                        if ui.button("Export").clicked() {
                            commands.send(Command::Export {
                                tab: state.tab,
                                format: state.format,
                                path: state.path.trim().into(),
                                replace: false,
                            });
                        }
                    }
                },
            }
            if let Some((message, failed)) = view.outcome {
                if failed {
                    ui.colored_label(ui.visuals().error_fg_color, message);
                } else {
                    ui.label(message);
                }
            }
        });
    if !open {
        state.open = false;
    }
}

/// `path` with its extension replaced by `extension`.
fn with_extension(path: &str, extension: &str) -> String {
    std::path::Path::new(path)
        .with_extension(extension)
        .display()
        .to_string()
}
