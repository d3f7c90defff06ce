//! The top bar: which lake is attached, and how to attach another (folder dialog, typed path or
//! S3 URL with a profile).

use crate::command::{Command, CommandSender};
use crate::model::SourceSpec;
use crate::results::ResultBudget;

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
    /// The cluster queries run on (`None`: this machine).
    pub cluster: Option<&'a crate::model::ClusterUrl>,
    /// Work in progress (attaching, refreshing), shown with a spinner.
    pub busy: Option<&'a str>,
    /// Sources attached before, newest first.
    pub recent: &'a [SourceSpec],
    /// The theme choice: `None` follows the system.
    pub dark_mode: Option<bool>,
    /// Whether the frame-time bar shows.
    pub show_frame_times: bool,
    /// The result limit: the settings and the machine's default.
    pub result_limit: ResultLimitView,
}

/// The result limit as the View menu shows it.
pub struct ResultLimitView {
    /// Rows set by the user (`None`: the default).
    pub rows: Option<usize>,
    /// MiB set by the user (`None`: the default).
    pub mib: Option<u64>,
    /// This machine's default.
    pub default: ResultBudget,
}

/// Draws the toolbar.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    view: &ToolbarView<'_>,
    state: &mut ToolbarState,
    commands: &CommandSender,
) {
    ui.horizontal(|ui| {
        ui.strong("Lakesight");
        ui.separator();
        match view.attached {
            Some(source) => ui.label(format!("Lake: {source}")),
            None => ui.label("No lake attached"),
        };
        ui.separator();
        if ui.button("Open folder...").clicked() {
            commands.send(Command::OpenFolderDialog);
        }
        if ui.button("Connect to S3...").clicked() {
            commands.send(Command::OpenConnectDialog(None));
        }
        super::cluster::cluster_menu_ui(ui, view.cluster, commands);
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
                    commands.send(Command::Attach(source.clone()));
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
            commands.send(match state.source_text.parse::<SourceSpec>() {
                // An S3 URL typed here opens the dialog, for its profile and endpoint.
                Ok(spec) if spec.is_s3() => Command::OpenConnectDialog(Some(spec)),
                Ok(spec) => Command::Attach(spec),
                Err(err) => Command::ShowError(err.to_string()),
            });
        }
        if ui.button("Refresh catalog").clicked() {
            commands.send(Command::RefreshCatalog);
        }
        ui.menu_button("View", |ui| {
            ui.label("Theme");
            for (choice, name) in [
                (None, "Follow system"),
                (Some(false), "Light"),
                (Some(true), "Dark"),
            ] {
                if ui.radio(view.dark_mode == choice, name).clicked() {
                    commands.send(Command::SetTheme(choice));
                }
            }
            ui.separator();
            ui.label(format!("Zoom {:.0}%", ui.ctx().zoom_factor() * 100.0));
            ui.horizontal(|ui| {
                if ui.button("Smaller").clicked() {
                    commands.send(Command::Zoom(-1));
                }
                if ui.button("100%").clicked() {
                    commands.send(Command::Zoom(0));
                }
                if ui.button("Larger").clicked() {
                    commands.send(Command::Zoom(1));
                }
            });
            ui.weak("Ctrl+Plus / Ctrl+Minus / Ctrl+0");
            ui.separator();
            let mut show = view.show_frame_times;
            if ui.checkbox(&mut show, "Show frame times").changed() {
                commands.send(Command::ShowFrameTimes(show));
            }
            ui.separator();
            result_limit_ui(ui, &view.result_limit, commands);
        });
        if let Some(busy) = view.busy {
            super::busy::busy_ui(ui);
            ui.label(busy);
        }
    });
}

/// A notice said once, until dismissed (the state file was moved aside, say).
pub fn notice_ui(ui: &mut egui::Ui, notice: &str, commands: &CommandSender) {
    ui.horizontal(|ui| {
        ui.colored_label(ui.visuals().warn_fg_color, notice);
        if ui.small_button("Dismiss").clicked() {
            commands.send(Command::DismissNotice);
        }
    });
}

/// The result limit: rows and MiB of one result kept in memory, each a number or the default.
fn result_limit_ui(ui: &mut egui::Ui, view: &ResultLimitView, commands: &CommandSender) {
    ui.label("Result limit (a query stops there; Export writes the whole result)");
    let default = view.default;
    let mut rows = view.rows.unwrap_or(default.max_rows);
    let mut mib = view.mib.unwrap_or(default.max_bytes >> 20);
    ui.horizontal(|ui| {
        let label = ui.label("Rows");
        let rows_changed = ui
            .add(
                egui::DragValue::new(&mut rows)
                    .range(1..=usize::MAX)
                    .speed(1000),
            )
            .labelled_by(label.id)
            .changed();
        let label = ui.label("MiB");
        let mib_changed = ui
            .add(egui::DragValue::new(&mut mib).range(1..=1 << 20).speed(16))
            .labelled_by(label.id)
            .changed();
        if rows_changed || mib_changed {
            commands.send(Command::SetResultLimit {
                rows: (rows != default.max_rows).then_some(rows),
                mib: (mib != default.max_bytes >> 20).then_some(mib),
            });
        }
        if (view.rows.is_some() || view.mib.is_some()) && ui.button("Default").clicked() {
            commands.send(Command::SetResultLimit {
                rows: None,
                mib: None,
            });
        }
    });
}
