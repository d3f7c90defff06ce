//! "Alert when…": a small window that adds or edits an alert rule on a KPI, gauge or line visual,
//! written back to the dashboard's file (saved at once when the dashboard has one).

use crate::command::DashboardCommand;
use crate::model::dashboard::{
    AlertRule, AlertThreshold, Condition, DashboardSource, ErrorPolicy, NoDataPolicy, Visual,
};

use super::DashboardView;

/// The conditions offered, as the file writes them.
const CONDITIONS: [(Condition, &str); 7] = [
    (Condition::Above, "is above"),
    (Condition::Below, "is below"),
    (Condition::Outside, "is outside"),
    (Condition::Inside, "is inside"),
    (Condition::ChangeAbove, "rises by more than (%)"),
    (Condition::ChangeBelow, "falls by more than (%)"),
    (Condition::Anomalous, "is anomalous (line)"),
];

/// The rule being written.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertDraft {
    /// The rule's id (fixed once the rule exists).
    pub id: String,
    /// Whether it edits an existing rule.
    pub existing: bool,
    /// The visual watched.
    pub visual: String,
    /// The visual's title, for the window.
    pub visual_title: String,
    /// The condition.
    pub condition: Condition,
    /// The threshold (the low end for ranges).
    pub threshold: String,
    /// The high end for ranges.
    pub high: String,
    /// The pending period.
    pub pending_for: String,
    /// How long it keeps firing.
    pub keep_firing_for: String,
    /// Notifiers, comma-separated.
    pub notify: String,
    /// The rule's other settings, kept as they were.
    no_data: NoDataPolicy,
    on_error: ErrorPolicy,
    /// Why the draft cannot be saved.
    pub problems: Vec<String>,
}

impl AlertDraft {
    /// A new rule on `visual`, with an id no other rule has.
    pub fn for_visual(view: &DashboardView<'_>, visual: &Visual) -> Self {
        if let Some(existing) = view.alerts.iter().find(|a| a.rule.visual == visual.id) {
            return Self::for_rule(visual, existing.rule);
        }
        let base = visual.id.replace('_', "-");
        let mut id = base.clone();
        let mut n = 2;
        while view.dashboard.alerts.iter().any(|rule| rule.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        Self {
            id,
            existing: false,
            visual: visual.id.clone(),
            visual_title: super::visual_title(visual).to_owned(),
            condition: Condition::Above,
            threshold: String::new(),
            high: String::new(),
            pending_for: "0s".to_owned(),
            keep_firing_for: "0s".to_owned(),
            notify: "desktop".to_owned(),
            no_data: NoDataPolicy::default(),
            on_error: ErrorPolicy::default(),
            problems: Vec::new(),
        }
    }

    /// The draft of an existing rule.
    pub fn for_rule(visual: &Visual, rule: &AlertRule) -> Self {
        let (threshold, high) = match rule.threshold {
            Some(AlertThreshold::Value(value)) => (value.to_string(), String::new()),
            Some(AlertThreshold::Range([low, high])) => (low.to_string(), high.to_string()),
            None => (String::new(), String::new()),
        };
        Self {
            id: rule.id.clone(),
            existing: true,
            visual: rule.visual.clone(),
            visual_title: super::visual_title(visual).to_owned(),
            condition: rule.condition,
            threshold,
            high,
            pending_for: rule.pending_for.clone(),
            keep_firing_for: rule.keep_firing_for.clone(),
            notify: rule.notify.join(", "),
            no_data: rule.no_data,
            on_error: rule.on_error,
            problems: Vec::new(),
        }
    }

    /// The rule the draft describes, or what is wrong with it.
    pub fn rule(&self, visual: &Visual) -> Result<AlertRule, Vec<String>> {
        let number = |text: &str, what: &str| {
            text.trim()
                .parse::<f64>()
                .map_err(|_| format!("{what} `{}` is not a number", text.trim()))
        };
        let threshold = if self.condition == crate::model::dashboard::Condition::Anomalous {
            None
        } else if self.condition.takes_range() {
            match (number(&self.threshold, "low"), number(&self.high, "high")) {
                (Ok(low), Ok(high)) => Some(AlertThreshold::Range([low, high])),
                (Err(e), _) | (_, Err(e)) => return Err(vec![e]),
            }
        } else {
            Some(AlertThreshold::Value(
                number(&self.threshold, "threshold").map_err(|e| vec![e])?,
            ))
        };
        let rule = AlertRule {
            id: self.id.trim().to_owned(),
            visual: self.visual.clone(),
            condition: self.condition,
            threshold,
            pending_for: self.pending_for.trim().to_owned(),
            keep_firing_for: self.keep_firing_for.trim().to_owned(),
            no_data: self.no_data,
            on_error: self.on_error,
            notify: self
                .notify
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let problems = rule.problems(Some(visual.kind));
        if problems.is_empty() {
            Ok(rule)
        } else {
            Err(problems)
        }
    }
}

/// The "Alert when…" window, while a draft is open.
pub(super) fn alert_editor_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    draft: &mut Option<AlertDraft>,
    send: &dyn Fn(DashboardCommand),
) {
    let Some(current) = draft.as_mut() else {
        return;
    };
    let Some(visual) = view.dashboard.visual(&current.visual) else {
        *draft = None;
        return;
    };
    let mut open = true;
    let mut close = false;
    egui::Window::new(format!("Alert when {}…", current.visual_title))
        .id(egui::Id::unique(("alert-editor", view.id)))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ui.ctx(), |ui| {
            egui::Grid::new("alert-editor-grid")
                .num_columns(2)
                .spacing([8.0, 6.0])
                .show(ui, |ui| {
                    text_row(ui, "Rule id", &mut current.id, !current.existing);
                    let label = ui.label("The value");
                    egui::ComboBox::from_id_salt("alert-condition")
                        .selected_text(condition_label(current.condition))
                        .show_ui(ui, |ui| {
                            for (condition, text) in CONDITIONS {
                                ui.selectable_value(&mut current.condition, condition, text);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    ui.end_row();
                    if current.condition == Condition::Anomalous {
                        // The visual's own model sets the band: no threshold to type.
                    } else if current.condition.takes_range() {
                        text_row(ui, "Low", &mut current.threshold, true);
                        text_row(ui, "High", &mut current.high, true);
                    } else {
                        text_row(ui, "Threshold", &mut current.threshold, true);
                    }
                    text_row(ui, "For (pending)", &mut current.pending_for, true);
                    text_row(ui, "Keep firing for", &mut current.keep_firing_for, true);
                    text_row(ui, "Notify", &mut current.notify, true);
                });
            ui.weak(
                "Notify: desktop, webhook:https://…, command:/path/to/program (comma-separated).",
            );
            for problem in &current.problems {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
            ui.horizontal(|ui| {
                if ui.button("Save alert").clicked() {
                    match current.rule(visual) {
                        Ok(rule) => {
                            send(DashboardCommand::SetAlert(rule));
                            if matches!(view.source, DashboardSource::File(_)) {
                                send(DashboardCommand::Save);
                            }
                            close = true;
                        }
                        Err(problems) => current.problems = problems,
                    }
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if close || !open {
        *draft = None;
    }
}

fn text_row(ui: &mut egui::Ui, label: &str, text: &mut String, enabled: bool) {
    let label = ui.label(label);
    ui.add_enabled(
        enabled,
        egui::TextEdit::singleline(text).desired_width(180.0),
    )
    .labelled_by(label.id);
    ui.end_row();
}

fn condition_label(condition: Condition) -> &'static str {
    CONDITIONS
        .iter()
        .find(|(c, _)| *c == condition)
        .map_or("is above", |(_, text)| text)
}
