//! The top bar: which lake is attached, and how to attach another (folder dialog, typed path or
//! S3 URL with a profile).

use crate::app::Command;
use crate::model::SourceSpec;

/// What the toolbar edits between frames.
#[derive(Default)]
pub struct ToolbarState {
    /// The typed source (a folder path or `s3://bucket/prefix`).
    pub source_text: String,
    /// The AWS profile for S3 sources (empty: default).
    pub profile_text: String,
}

/// Draws the toolbar.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    attached: Option<&SourceSpec>,
    busy: Option<&str>,
    state: &mut ToolbarState,
) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.strong("Lakesight");
        ui.separator();
        match attached {
            Some(source) => ui.label(format!("Lake: {source}")),
            None => ui.label("No lake attached"),
        };
        ui.separator();
        if ui.button("Open folder...").clicked() {
            command = Some(Command::OpenFolderDialog);
        }
        let source_label = ui.label("Source");
        let source = ui.add(
            egui::TextEdit::singleline(&mut state.source_text)
                .hint_text("folder or s3://bucket/prefix")
                .desired_width(260.0),
        );
        let source = source.labelled_by(source_label.id);
        let profile_label = ui.label("AWS profile");
        let profile = ui.add(
            egui::TextEdit::singleline(&mut state.profile_text)
                .hint_text("AWS profile")
                .desired_width(110.0),
        );
        let _ = profile.labelled_by(profile_label.id);
        let submitted = source.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Attach").clicked() || submitted {
            match state.source_text.parse::<SourceSpec>() {
                Ok(mut spec) => {
                    let profile = state.profile_text.trim();
                    spec.profile = (!profile.is_empty()).then(|| profile.to_owned());
                    command = Some(Command::Attach(spec));
                }
                Err(err) => command = Some(Command::ShowError(err.to_string())),
            }
        }
        if ui.button("Refresh catalog").clicked() {
            command = Some(Command::RefreshCatalog);
        }
        if let Some(busy) = busy {
            ui.spinner();
            ui.label(busy);
        }
    });
    command
}
