//! The dashboard's header: title and "data as of", the time-range picker (presets and a custom
//! range), one input per param, and the run and edit actions.

use std::time::Duration;

use crate::command::DashboardCommand;
use crate::model::dashboard::{
    Param, ParamValue, Refresh, TimeRange, format_duration, parse_instant,
};
use crate::refresh::Staleness;

use super::{DashboardPanelState, DashboardView};

/// The ranges offered in the picker.
pub const PRESETS: [(&str, Duration); 6] = [
    ("Last 15 minutes", Duration::from_mins(15)),
    ("Last 1 hour", Duration::from_hours(1)),
    ("Last 6 hours", Duration::from_hours(6)),
    ("Last 24 hours", Duration::from_hours(24)),
    ("Last 7 days", Duration::from_hours(24 * 7)),
    ("Last 30 days", Duration::from_hours(24 * 30)),
];

/// The picker's text for `range`.
pub fn range_label(range: &TimeRange) -> String {
    match range {
        TimeRange::Last(span) => PRESETS
            .iter()
            .find(|(_, preset)| preset == span)
            .map_or_else(
                || format!("Last {}", format_duration(*span)),
                |(l, _)| (*l).to_owned(),
            ),
        TimeRange::Absolute { .. } => range.to_string(),
    }
}

pub(super) fn header_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    ui.horizontal(|ui| {
        ui.heading(&view.dashboard.title);
        if view.saving {
            ui.weak("(saving…)");
        } else if view.dirty {
            ui.weak("(edited)");
        }
        let running = view.tiles.values().any(|t| t.running);
        if running {
            ui.spinner();
        }
        if let Some(at) = view.data_as_of {
            let zone = view.dashboard.timezone;
            ui.weak(format!(
                "data as of {} ({zone})",
                zone.format(at, "%Y-%m-%d %H:%M:%S")
            ))
            .on_hover_text("When the visuals shown read the lake");
        }
        if let Some(url) = view.cluster {
            ui.weak(format!("on the cluster {url}"))
                .on_hover_text("Its queries run on this Ballista cluster");
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            actions_ui(ui, view, send);
            if !view.editing
                && ui
                    .button("Export dashboard image…")
                    .on_hover_text("The whole dashboard as a PNG or SVG file, every tile drawn")
                    .clicked()
            {
                state.image_draft = Some(super::ImageDraft::new(view, None));
            }
            if !view.editing {
                alerts_toggle_ui(ui, view, state);
            }
        });
    });
    ui.horizontal_wrapped(|ui| {
        range_ui(ui, view, state, send);
        for param in &view.dashboard.params {
            ui.separator();
            param_ui(ui, view, param, state, send);
        }
    });
    // How it refreshes and how new the data is, on a row of its own: a long freshness text never
    // runs under the actions on the title's row.
    if view.dashboard.refresh != Refresh::Off || view.freshness.is_some() {
        ui.horizontal_wrapped(|ui| live_ui(ui, view));
    }
    if !view.printing {
        elsewhere_ui(ui, view, send);
    }
    ui.add_space(4.0);
}

/// When the range holds no rows but the lake has some: where they are, and one click to the
/// range of the same length ending at the newest (shown, not saved into the file).
fn elsewhere_ui(ui: &mut egui::Ui, view: &DashboardView<'_>, send: &dyn Fn(DashboardCommand)) {
    let Some((newest, offered)) = view.elsewhere else {
        return;
    };
    let zone = view.dashboard.timezone;
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(
            egui::Color32::from_rgb(0xe0, 0x8e, 0x0b),
            format!(
                "No rows in this range. The newest data is from {} ({zone}).",
                zone.format(newest, "%Y-%m-%d %H:%M")
            ),
        );
        let label = match offered {
            TimeRange::Absolute { from, to } => format!(
                "Show {} – {}",
                zone.format(from, "%b %d %H:%M"),
                zone.format(to, "%b %d %H:%M")
            ),
            TimeRange::Last(_) => "Show the newest data".to_owned(),
        };
        if ui
            .button(label)
            .on_hover_text(
                "The range of the same length ending at the newest data; the file keeps its own",
            )
            .clicked()
        {
            send(DashboardCommand::SetRange(offered));
        }
    });
}

/// How the dashboard refreshes, and how new its newest data is (amber when late, red when the
/// source has gone quiet).
fn live_ui(ui: &mut egui::Ui, view: &DashboardView<'_>) {
    match view.dashboard.refresh {
        Refresh::Off => {}
        Refresh::Every(every) => {
            ui.weak(format!("live: every {}", format_duration(every)));
        }
        Refresh::NewData => {
            ui.weak("live: on new data");
        }
    }
    let Some(fresh) = view.freshness else {
        return;
    };
    let zone = view.dashboard.timezone;
    let (color, why) = match fresh.staleness {
        Staleness::Fresh => (ui.visuals().weak_text_color(), ""),
        Staleness::Late => (egui::Color32::from_rgb(0xe0, 0x8e, 0x0b), ": late"),
        Staleness::Stale => (
            egui::Color32::from_rgb(0xd6, 0x27, 0x28),
            ": the source has gone quiet",
        ),
    };
    ui.colored_label(
        color,
        format!(
            "newest file {} ({} ago){why}",
            zone.format(fresh.newest, "%H:%M:%S"),
            age_text(fresh.age)
        ),
    )
    .on_hover_text(match view.dashboard.stale_after() {
        Some(limit) => format!(
            "The newest file in the tables this dashboard reads. Late after {} without new data \
             (`stale_after`), quiet after twice that.",
            format_duration(limit)
        ),
        None => "The newest file in the tables this dashboard reads.".to_owned(),
    });
}

/// An age in whole units: `8s`, `3m 5s`, `2h 10m`, `3d 4h`.
pub fn age_text(age: Duration) -> String {
    let secs = age.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// Opens or closes the alerts panel; says how many rules fire.
fn alerts_toggle_ui(ui: &mut egui::Ui, view: &DashboardView<'_>, state: &mut DashboardPanelState) {
    let firing = view.alerts.iter().filter(|a| a.state.is_firing()).count();
    let text = if firing > 0 {
        egui::RichText::new(format!("Alerts ({firing} firing)"))
            .color(egui::Color32::from_rgb(0xd6, 0x27, 0x28))
    } else {
        egui::RichText::new(format!("Alerts ({})", view.alerts.len()))
    };
    if ui
        .selectable_label(state.show_alerts, text)
        .on_hover_text("Every alert rule with its state, and the history of transitions")
        .clicked()
    {
        state.show_alerts = !state.show_alerts;
    }
}

fn actions_ui(ui: &mut egui::Ui, view: &DashboardView<'_>, send: &dyn Fn(DashboardCommand)) {
    if view.editing {
        if ui.button("Done").clicked() {
            send(DashboardCommand::SetEditing(false));
        }
        if ui.button("Save as…").clicked() {
            send(DashboardCommand::SaveAs);
        }
        let save = ui.add_enabled(view.dirty, egui::Button::new("Save"));
        if save.clicked() {
            send(DashboardCommand::Save);
        }
        if ui
            .add_enabled(view.can_undo, egui::Button::new("Undo"))
            .clicked()
        {
            send(DashboardCommand::Undo);
        }
    } else if ui.button("Edit").clicked() {
        send(DashboardCommand::SetEditing(true));
    }
    if ui
        .add_enabled(view.attached, egui::Button::new("Run again"))
        .clicked()
    {
        send(DashboardCommand::Rerun);
    }
}

fn range_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    let label = ui.label("Time range");
    egui::ComboBox::from_id_salt(("range", view.id))
        .selected_text(range_label(&view.range))
        .width(170.0)
        .show_ui(ui, |ui| {
            for (label, span) in PRESETS {
                let selected = view.range == TimeRange::Last(span);
                if ui.selectable_label(selected, label).clicked() && !selected {
                    send(DashboardCommand::SetRange(TimeRange::Last(span)));
                }
            }
            if ui.button("Dashboard default").clicked() {
                send(DashboardCommand::SetRange(view.dashboard.time_range));
            }
        })
        .response
        .labelled_by(label.id);
    if let Some((from, to)) = view.window
        && state.custom_window != view.window
    {
        // A new range ran: the fields show it.
        state.custom_window = view.window;
        let zone = view.dashboard.timezone;
        let write = |at| {
            if zone == crate::model::dashboard::Timezone::Utc {
                zone.format(at, "%Y-%m-%dT%H:%MZ")
            } else {
                zone.format(at, "%Y-%m-%dT%H:%M%:z")
            }
        };
        state.custom_from = write(from);
        state.custom_to = write(to);
    }
    let label = ui.label("from");
    ui.add(egui::TextEdit::singleline(&mut state.custom_from).desired_width(175.0))
        .labelled_by(label.id)
        .on_hover_text("An instant such as 2026-11-24T00:00Z or 2026-11-24T01:00+01:00");
    let label = ui.label("to");
    ui.add(egui::TextEdit::singleline(&mut state.custom_to).desired_width(175.0))
        .labelled_by(label.id);
    if let Some(error) = &state.range_error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if ui.button("Apply").clicked() {
        state.range_error = None;
        match (
            parse_instant(&state.custom_from),
            parse_instant(&state.custom_to),
        ) {
            (Some(from), Some(to)) if from < to => {
                send(DashboardCommand::SetRange(TimeRange::Absolute { from, to }));
            }
            _ => {
                state.range_error =
                    Some("write two instants such as 2026-11-24T00:00Z, the first earlier".into());
            }
        }
    }
}

fn param_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    param: &Param,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    let current = view.param_value(&param.name);
    let shown = current
        .as_ref()
        .map_or_else(|| "All".to_owned(), ToString::to_string);
    let label = ui.label(&param.name);
    let set = |value: Option<ParamValue>| {
        send(DashboardCommand::SetParam {
            name: param.name.clone(),
            value,
        });
    };
    if let Some(options) = view.options.get(&param.name) {
        egui::ComboBox::from_id_salt(("param", view.id, &param.name))
            .selected_text(&shown)
            .show_ui(ui, |ui| {
                if ui.selectable_label(current.is_none(), "All").clicked() {
                    set(None);
                }
                for option in options {
                    let selected = shown == *option && current.is_some();
                    if ui.selectable_label(selected, option).clicked()
                        && let Some(value) = ParamValue::parse(param.param_type, option)
                    {
                        set(Some(value));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        return;
    }
    let text = state
        .param_text
        .entry(param.name.clone())
        .or_insert_with(|| {
            current
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        });
    if let Some(error) = state.param_error.get(&param.name) {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let edit = ui
        .add(
            egui::TextEdit::singleline(text)
                .hint_text("All")
                .desired_width(110.0),
        )
        .labelled_by(label.id);
    if edit.changed() {
        state.param_error.remove(&param.name);
    }
    if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        if text.trim().is_empty() {
            set(None);
        } else if let Some(value) = ParamValue::parse(param.param_type, text) {
            set(Some(value));
        } else {
            state.param_error.insert(
                param.name.clone(),
                format!("not a {}", param.param_type.name()),
            );
        }
    }
    if current.is_some() && ui.small_button("×").on_hover_text("All").clicked() {
        text.clear();
        set(None);
    }
}
