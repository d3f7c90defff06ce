//! The SQL editor of one tab: Ctrl+Enter runs (the selection if any, replacing a query still
//! running), Esc or Stop cancels; while a query runs it shows elapsed time and rows so far.

use std::time::Duration;

use crate::app::Command;

/// What the editor shows about the tab's query.
pub struct EditorStatus<'a> {
    /// Elapsed time and rows so far, while a query runs.
    pub running: Option<(Duration, usize)>,
    /// The last query's outcome (`12 rows in 0.04 s`, or the error).
    pub outcome: Option<&'a str>,
    /// Whether `outcome` is an error.
    pub failed: bool,
}

/// Draws the editor for `sql`.
pub fn editor_ui(
    ui: &mut egui::Ui,
    tab: usize,
    sql: &mut String,
    status: &EditorStatus<'_>,
) -> Option<Command> {
    let mut command = None;
    let label = ui.label("SQL editor");
    let output = egui::TextEdit::multiline(sql)
        .code_editor()
        .desired_rows(8)
        .desired_width(f32::INFINITY)
        .hint_text("SELECT ... (Ctrl+Enter runs)")
        .show(ui);
    let output_response = (*output.response).clone().labelled_by(label.id);
    let run_shortcut = output_response.has_focus()
        && ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter));
    let selected = output.cursor_range.and_then(|range| {
        let text = range.slice_str(sql.as_str());
        (!text.trim().is_empty()).then(|| text.to_owned())
    });
    ui.horizontal(|ui| {
        let running = status.running.is_some();
        // Run stays enabled while a query runs: running again replaces (and cancels) it, so a
        // click during the start-up query is never lost.
        if ui.button("Run").clicked() || run_shortcut {
            command = Some(Command::Run {
                tab,
                sql: selected.clone().unwrap_or_else(|| sql.clone()),
            });
        }
        if ui.add_enabled(running, egui::Button::new("Stop")).clicked()
            || (running && ui.input(|i| i.key_pressed(egui::Key::Escape)))
        {
            command = Some(Command::Cancel { tab });
        }
        if let Some((elapsed, rows)) = status.running {
            ui.spinner();
            ui.label(format!(
                "running {:.1} s · {rows} rows so far",
                elapsed.as_secs_f64()
            ));
        } else if let Some(outcome) = status.outcome {
            if status.failed {
                ui.colored_label(ui.visuals().error_fg_color, outcome);
            } else {
                ui.label(outcome);
            }
        }
    });
    command
}
