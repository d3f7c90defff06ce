//! The top bar: which lake is attached, and how to attach another (folder dialog, typed path or
//! S3 URL with a profile).

use crate::app::Command;
use crate::model::SourceSpec;

/// What the toolbar edits between frames.
#[derive(Default)]
pub struct ToolbarState {
    /// The typed source (a folder path or `s3://bucket/prefix`).
    pub source_text: String,
}

/// What the toolbar shows besides its own fields.
pub struct ToolbarView<'a> {
    /// The lake attached now.
    pub attached: Option<&'a SourceSpec>,
    /// Work in progress (attaching, refreshing), shown with a spinner.
    pub busy: Option<&'a str>,
    /// Sources attached before, newest first.
    pub recent: &'a [SourceSpec],
    /// The theme choice: `None` follows the system.
    pub dark_mode: Option<bool>,
    /// Whether the frame-time bar shows.
    pub show_frame_times: bool,
}

/// Draws the toolbar.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    view: &ToolbarView<'_>,
    state: &mut ToolbarState,
) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.strong("Lakesight");
        ui.separator();
        match view.attached {
            Some(source) => ui.label(format!("Lake: {source}")),
            None => ui.label("No lake attached"),
        };
        ui.separator();
        if ui.button("Open folder...").clicked() {
            command = Some(Command::OpenFolderDialog);
        }
        if ui.button("Connect to S3...").clicked() {
            command = Some(Command::OpenConnectDialog(None));
        }
        ui.menu_button("Recent", |ui| {
            if view.recent.is_empty() {
                ui.weak("No lakes attached yet");
            }
            for source in view.recent.iter().take(15) {
                let text = match &source.profile {
                    Some(profile) => format!("{source} (profile {profile})"),
                    None => source.to_string(),
                };
                if ui.button(text).clicked() {
                    command = Some(Command::Attach(source.clone()));
                    ui.close();
                }
            }
        });
        let source_label = ui.label("Source");
        let source = ui.add(
            egui::TextEdit::singleline(&mut state.source_text)
                .hint_text("folder or s3://bucket/prefix")
                .desired_width(260.0),
        );
        let source = source.labelled_by(source_label.id);
        let submitted = source.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Attach").clicked() || submitted {
            command = Some(match state.source_text.parse::<SourceSpec>() {
                // An S3 URL typed here opens the dialog, for its profile and endpoint.
                Ok(spec) if spec.is_s3() => Command::OpenConnectDialog(Some(spec)),
                Ok(spec) => Command::Attach(spec),
                Err(err) => Command::ShowError(err.to_string()),
            });
        }
        if ui.button("Refresh catalog").clicked() {
            command = Some(Command::RefreshCatalog);
        }
        ui.menu_button("View", |ui| {
            ui.label("Theme");
            for (choice, name) in [
                (None, "Follow system"),
                (Some(false), "Light"),
                (Some(true), "Dark"),
            ] {
                if ui.radio(view.dark_mode == choice, name).clicked() {
                    command = Some(Command::SetTheme(choice));
                }
            }
            ui.separator();
            ui.label(format!("Zoom {:.0}%", ui.ctx().zoom_factor() * 100.0));
            ui.horizontal(|ui| {
                if ui.button("Smaller").clicked() {
                    command = Some(Command::Zoom(-1));
                }
                if ui.button("100%").clicked() {
                    command = Some(Command::Zoom(0));
                }
                if ui.button("Larger").clicked() {
                    command = Some(Command::Zoom(1));
                }
            });
            ui.weak("Ctrl+Plus / Ctrl+Minus / Ctrl+0");
            ui.separator();
            let mut show = view.show_frame_times;
            if ui.checkbox(&mut show, "Show frame times").changed() {
                command = Some(Command::ShowFrameTimes(show));
            }
        });
        if let Some(busy) = view.busy {
            super::busy::busy_ui(ui);
            ui.label(busy);
        }
    });
    command
}

/// The frame-time bar: how long recent frames took to build and paint.
pub fn frame_times_ui(ui: &mut egui::Ui, summary: Option<crate::app::frame_stats::FrameSummary>) {
    match summary {
        Some(s) => ui.weak(format!(
            "Frame time (CPU, last {} frames): median {:.1} ms · p95 {:.1} ms · max {:.1} ms",
            s.frames, s.p50_ms, s.p95_ms, s.max_ms
        )),
        None => ui.weak("Frame time: measuring..."),
    };
}
