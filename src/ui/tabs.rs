//! The strip of query tabs above the editor: one per tab, in order, plus New tab and Close tab.

use crate::command::{Command, CommandSender, TabId};

/// Draws the tab strip for `tabs` (id and title, in order), `active` in front.
pub fn tab_strip_ui(
    ui: &mut egui::Ui,
    tabs: &[(TabId, &str)],
    active: TabId,
    commands: &CommandSender,
) {
    ui.horizontal(|ui| {
        for (id, title) in tabs {
            if ui.selectable_label(*id == active, *title).clicked() {
                commands.send(Command::SelectTab(*id));
            }
        }
        if ui.small_button("New tab").clicked() {
            commands.send(Command::NewTab);
        }
        if tabs.len() > 1 && ui.small_button("Close tab").clicked() {
            commands.send(Command::CloseTab(active));
        }
    });
}
