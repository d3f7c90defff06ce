//! "Export result": format, file (typed, or chosen with "Browse..."), and while writing a progress
//! bar with Cancel. The file appears only when complete.

use crate::app::Command;
use crate::model::ResultFormat;

/// What the dialog edits.
pub struct ExportState {
    /// Whether the dialog is showing.
    pub open: bool,
    /// The tab whose result is exported.
    pub tab: usize,
    /// The chosen format.
    pub format: ResultFormat,
    /// The file to write.
    pub path: String,
}

impl Default for ExportState {
    fn default() -> Self {
        let folder = dirs::download_dir()
            .or_else(dirs::home_dir)
            .unwrap_or_else(|| ".".into());
        Self {
            open: false,
            tab: 0,
            format: ResultFormat::Csv,
            path: folder.join("lakesight-result.csv").display().to_string(),
        }
    }
}

/// What the app tells the dialog.
pub struct ExportView<'a> {
    /// Rows in the result.
    pub total_rows: usize,
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
) -> Option<Command> {
    if !state.open {
        return None;
    }
    let mut command = None;
    let mut open = true;
    egui::Window::new("Export result")
        .open(&mut open)
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .collapsible(false)
        .resizable(false)
        .default_width(460.0)
        .show(ctx, |ui| {
            ui.label(format!("{} rows, in the order shown", view.total_rows));
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
                ui.add(egui::TextEdit::singleline(&mut state.path).desired_width(300.0))
                    .labelled_by(label.id);
                if ui.button("Browse...").clicked() {
                    command = Some(Command::BrowseExportPath);
                }
            });
            match view.written {
                Some(written) => {
                    ui.horizontal(|ui| {
                        let fraction = written as f32 / view.total_rows.max(1) as f32;
                        ui.add(
                            egui::ProgressBar::new(fraction)
                                .desired_width(300.0)
                                .text(format!("{written} of {} rows", view.total_rows)),
                        );
                        if ui.button("Cancel export").clicked() {
                            command = Some(Command::CancelExport);
                        }
                    });
                }
                None => {
                    if ui.button("Export").clicked() {
                        command = Some(Command::Export {
                            tab: state.tab,
                            format: state.format,
                            path: state.path.trim().into(),
                        });
                    }
                }
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
    command
}

/// `path` with its extension replaced by `extension`.
fn with_extension(path: &str, extension: &str) -> String {
    std::path::Path::new(path)
        .with_extension(extension)
        .display()
        .to_string()
}
