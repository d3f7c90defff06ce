//! The alerts panel: every rule of the dashboard with its state and since when (Edit, Remove), and
//! the history of transitions, newest first.

use crate::alert::AlertState;
use crate::command::DashboardCommand;
use crate::model::dashboard::AlertThreshold;

use super::{AlertDraft, DashboardPanelState, DashboardView};

/// Transitions listed at most.
const HISTORY_SHOWN: usize = 100;

/// Which state a tile shows when its rules disagree (higher is more urgent).
pub(super) fn urgency(state: AlertState) -> u8 {
    match state {
        AlertState::Normal => 0,
        AlertState::Pending => 1,
        AlertState::NoData => 2,
        AlertState::Error => 3,
        AlertState::Recovering => 4,
        AlertState::Firing => 5,
    }
}

/// The colour of a state.
pub(super) fn state_color(state: AlertState, visuals: &egui::Visuals) -> egui::Color32 {
    match state {
        AlertState::Normal => egui::Color32::from_rgb(0x2c, 0xa0, 0x2c),
        AlertState::Pending => egui::Color32::from_rgb(0xe0, 0x8e, 0x0b),
        AlertState::Firing => egui::Color32::from_rgb(0xd6, 0x27, 0x28),
        AlertState::Recovering => egui::Color32::from_rgb(0xe3, 0x5d, 0x2e),
        AlertState::NoData => visuals.weak_text_color(),
        AlertState::Error => egui::Color32::from_rgb(0x94, 0x67, 0xbd),
    }
}

/// How a state is named on screen.
pub(super) fn state_label(state: AlertState) -> &'static str {
    match state {
        AlertState::Normal => "OK",
        AlertState::Pending => "Pending",
        AlertState::Firing => "Firing",
        AlertState::Recovering => "Recovering",
        AlertState::NoData => "No data",
        AlertState::Error => "Error",
    }
}

/// A threshold as text.
pub(super) fn threshold_text(threshold: Option<AlertThreshold>) -> String {
    match threshold {
        Some(AlertThreshold::Value(value)) => format!("{value}"),
        Some(AlertThreshold::Range([low, high])) => format!("[{low}, {high}]"),
        None => String::new(),
    }
}

pub(super) fn alerts_panel_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    let zone = view.dashboard.timezone;
    ui.horizontal(|ui| {
        ui.heading("Alerts");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("×")
                .on_hover_text("Close the alerts panel")
                .clicked()
            {
                state.show_alerts = false;
            }
        });
    });
    if view.alerts.is_empty() {
        ui.weak("No alert rules yet. Open a KPI, gauge or line visual's menu and choose \"Alert when…\".");
    }
    for alert in &view.alerts {
        ui.separator();
        ui.horizontal(|ui| {
            let color = state_color(alert.state, ui.visuals());
            ui.label(
                egui::RichText::new(state_label(alert.state))
                    .color(color)
                    .strong(),
            );
            ui.label(egui::RichText::new(&alert.rule.id).strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.small_button("Remove").clicked() {
                    send(DashboardCommand::RemoveAlert(alert.rule.id.clone()));
                }
                if ui.small_button("Edit").clicked()
                    && let Some(visual) = view.dashboard.visual(&alert.rule.visual)
                {
                    state.alert_draft = Some(AlertDraft::for_rule(visual, alert.rule));
                }
            });
        });
        let condition = alert.rule.condition.name();
        ui.weak(format!(
            "{} {condition} {}{}",
            alert.rule.visual,
            threshold_text(alert.rule.threshold),
            if alert.rule.pending().is_zero() {
                String::new()
            } else {
                format!(" for {}", alert.rule.pending_for)
            }
        ));
        ui.weak(format!(
            "since {}",
            zone.format(alert.since, "%Y-%m-%d %H:%M:%S")
        ));
    }
    ui.add_space(8.0);
    ui.heading("Transitions");
    if view.alert_history.is_empty() {
        ui.weak("No transitions since the dashboard opened.");
    }
    egui::ScrollArea::vertical()
        .id_salt(("alert-history", view.id))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for notice in view.alert_history.iter().rev().take(HISTORY_SHOWN) {
                ui.horizontal_wrapped(|ui| {
                    ui.weak(zone.format(notice.at, "%H:%M:%S"));
                    ui.label(&notice.alert);
                    ui.weak(format!("{} ->", state_label(notice.previous)));
                    ui.label(
                        egui::RichText::new(state_label(notice.state))
                            .color(state_color(notice.state, ui.visuals())),
                    );
                    if let Some(value) = notice.value {
                        ui.weak(format!("value {value:.4}"));
                    }
                    if let Some(error) = &notice.error {
                        ui.weak(error);
                    }
                });
            }
        });
}
