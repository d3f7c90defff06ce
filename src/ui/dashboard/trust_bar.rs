//! The bar above an untrusted dashboard that would act: it names what the file asks to do (the
//! programs it runs, the hosts it posts to, the endpoint it sends your credentials to, the files
//! it writes) and offers **Trust this file** and **Not now**. Until then the dashboard shows data
//! and its alerts change state, but nothing acts. "Not now" folds the bar into one line that can
//! open it again.

use crate::command::DashboardCommand;

use super::{DashboardPanelState, DashboardView, Untrusted};

/// Draws the bar (or its folded line) when the view's file is not trusted and asks to act.
pub(super) fn trust_bar_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    let Some(untrusted) = &view.untrusted else {
        return;
    };
    let warn = ui.visuals().warn_fg_color;
    if state.trust_bar_folded {
        ui.horizontal(|ui| {
            ui.colored_label(warn, "⚠");
            ui.weak("Not trusted: its programs, webhooks, endpoint and exports are held back.");
            if ui.small_button("Review…").clicked() {
                state.trust_bar_folded = false;
            }
        });
        return;
    }
    egui::Frame::new()
        .fill(warn.gamma_multiply(0.12))
        .stroke(egui::Stroke::new(1.0, warn.gamma_multiply(0.6)))
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(12, 8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            bar_body_ui(ui, untrusted, warn);
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                if ui
                    .button("Trust this file")
                    .on_hover_text(
                        "Records the SHA-256 of the file as it is now: if it changes on disk, \
                         it is not trusted again until you trust it again",
                    )
                    .clicked()
                {
                    send(DashboardCommand::Trust);
                }
                if ui.button("Not now").clicked() {
                    state.trust_bar_folded = true;
                }
            });
        });
    ui.add_space(4.0);
}

/// What the bar says: that the file is not trusted (and why, when there is more to say), what it
/// asks to do, and what happens meanwhile.
fn bar_body_ui(ui: &mut egui::Ui, untrusted: &Untrusted<'_>, warn: egui::Color32) {
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(
            warn,
            egui::RichText::new("⚠ This dashboard file is not trusted.").strong(),
        );
        if let Some(note) = untrusted.note {
            ui.label(note);
        }
        ui.label("Once trusted, it:");
    });
    for ask in untrusted.asks {
        ui.label(format!("  •  {ask}"));
    }
    let meanwhile = if untrusted.endpoint_held {
        "Until you trust it, its lake is not attached through that endpoint; its alerts change \
         state, are recorded and show here, and nothing acts (desktop notifications still show)."
    } else {
        "Until you trust it, it shows data and its alerts change state, are recorded and show \
         here, but nothing acts (desktop notifications still show)."
    };
    ui.weak(meanwhile);
    if untrusted.asks.iter().any(crate::trust::Ask::is_cluster) {
        ui.weak("Its queries run on this machine until then.");
    }
}
