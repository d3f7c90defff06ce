//! The query history: newest first, filtered by what the user types; a click loads a query into
//! the editor.

use crate::command::{Command, CommandSender};

/// Draws the history of `queries`, filtered by `filter`.
pub fn history_ui(
    ui: &mut egui::Ui,
    queries: &[String],
    filter: &mut String,
    commands: &CommandSender,
) {
    let label = ui.label("Search history");
    ui.add(
        egui::TextEdit::singleline(filter)
            .hint_text("filter")
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    let needle = filter.to_lowercase();
    egui::ScrollArea::vertical()
        .id_salt("history")
        .max_height(200.0)
        .show(ui, |ui| {
            for sql in queries
                .iter()
                .filter(|q| q.to_lowercase().contains(&needle))
            {
                let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                if ui
                    .add(egui::Button::new(one_line).truncate())
                    .on_hover_text(sql)
                    .clicked()
                {
                    commands.send(Command::LoadQuery(sql.clone()));
                }
            }
        });
}
