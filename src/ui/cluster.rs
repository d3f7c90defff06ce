//! "Connect to cluster": the address of a Ballista cluster's scheduler (`df://host:port`,
//! started with `lakesight cluster scheduler`) on which the window's queries run, or back to
//! this machine. The toolbar says where queries run now.

use crate::command::{Command, CommandSender};
use crate::model::ClusterUrl;

/// What the dialog edits.
#[derive(Default)]
pub struct ClusterState {
    /// Whether the dialog is showing.
    pub open: bool,
    /// The address typed.
    pub address: String,
    /// Why the typed address cannot be used.
    pub error: Option<String>,
}

impl ClusterState {
    /// Shows the dialog, filled with the cluster in use (if any).
    pub fn show(&mut self, current: Option<&ClusterUrl>) {
        self.open = true;
        self.error = None;
        if let Some(url) = current {
            self.address = url.to_string();
        }
    }
}

/// The toolbar's menu saying where queries run, with the ways to change it.
pub fn cluster_menu_ui(ui: &mut egui::Ui, current: Option<&ClusterUrl>, commands: &CommandSender) {
    let text = match current {
        Some(url) => format!("Runs on {url}"),
        None => "Runs on this machine".to_owned(),
    };
    ui.menu_button(text, |ui| {
        match current {
            Some(url) => ui.label(format!(
                "Queries, dashboards and alerts run on the Ballista cluster {url}."
            )),
            None => ui.label("Queries, dashboards and alerts run on this machine."),
        };
        if ui.button("Connect to cluster...").clicked() {
            commands.send(Command::OpenClusterDialog);
            ui.close();
        }
        if current.is_some() && ui.button("Run on this machine").clicked() {
            commands.send(Command::ConnectCluster(None));
            ui.close();
        }
    })
    .response
    .on_hover_text("Where queries run: this machine, or a Ballista cluster (`--cluster`)");
}

/// Draws the dialog when open.
pub fn cluster_dialog_ui(ctx: &egui::Context, state: &mut ClusterState, commands: &CommandSender) {
    if !state.open {
        return;
    }
    let mut open = true;
    super::dialog("Connect to cluster", ctx, &mut open)
        .default_width(420.0)
        .show(ctx, |ui| {
            ui.label(
                "The scheduler of a cluster started with `lakesight cluster scheduler` and \
                 `lakesight cluster executor --lake …` for this lake. Its executors read the \
                 lake with their own credentials.",
            );
            let label = ui.label("Scheduler");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut state.address)
                        .hint_text("df://scheduler-host:50050")
                        .desired_width(320.0),
                )
                .labelled_by(label.id);
            let submitted = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if let Some(error) = &state.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            ui.horizontal(|ui| {
                if ui.button("Connect").clicked() || submitted {
                    match state.address.parse::<ClusterUrl>() {
                        Ok(url) => {
                            state.error = None;
                            state.open = false;
                            commands.send(Command::ConnectCluster(Some(url)));
                        }
                        Err(err) => state.error = Some(err.to_string()),
                    }
                }
                if ui.button("Run on this machine").clicked() {
                    state.open = false;
                    commands.send(Command::ConnectCluster(None));
                }
            });
        });
    if !open {
        state.open = false;
    }
}
