//! The edit-mode side panel: the selected visual's title, kind, SQL and column mapping as a draft.
//! Changing the kind or the columns previews at once in the tile; the SQL previews with
//! Ctrl+Enter or Preview; Apply writes the draft into the dashboard (saved with Save).

use crate::command::DashboardCommand;
use crate::model::dashboard::{Visual, VisualKind};

use super::DashboardView;

/// The visual being edited, as typed so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    /// The visual as last applied or selected.
    original: Visual,
    /// The edited spec.
    visual: Visual,
    /// `y` as typed: columns separated by commas.
    y: String,
    /// `x` as typed.
    x: String,
    /// `series` as typed.
    series: String,
    /// Why the draft cannot be applied.
    problem: Option<String>,
}

impl Draft {
    fn new(visual: &Visual) -> Self {
        Self {
            original: visual.clone(),
            visual: visual.clone(),
            y: visual.y.join(", "),
            x: visual.x.clone().unwrap_or_default(),
            series: visual.series.clone().unwrap_or_default(),
            problem: None,
        }
    }

    /// The spec the fields describe.
    fn spec(&self) -> Visual {
        let mut visual = self.visual.clone();
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        visual.x = text(&self.x);
        visual.series = text(&self.series);
        visual.y = self
            .y
            .split(',')
            .map(str::trim)
            .filter(|y| !y.is_empty())
            .map(str::to_owned)
            .collect();
        visual
    }
}

pub(super) fn editor_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    selected: Option<&Visual>,
    draft: &mut Option<Draft>,
    send: &dyn Fn(DashboardCommand),
) {
    ui.heading("Edit visual");
    let Some(selected) = selected else {
        *draft = None;
        ui.label("Click a tile's title to edit it; drag a title to move a tile, its corner to resize it.");
        ui.label("To add a visual, run a query in a tab and press \"Add to dashboard\".");
        return;
    };
    if draft.as_ref().is_none_or(|d| d.original.id != selected.id) {
        *draft = Some(Draft::new(selected));
    }
    let Some(draft) = draft.as_mut() else { return };
    if draft.original.position != selected.position {
        // Moved in the grid meanwhile: keep the new place.
        draft.original.position = selected.position;
        draft.visual.position = selected.position;
    }
    let before = draft.spec();
    egui::Grid::new(("visual-fields", view.id))
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("Title");
            ui.text_edit_singleline(&mut draft.visual.title)
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Kind");
            egui::ComboBox::from_id_salt(("visual-kind", view.id))
                .selected_text(kind_name(draft.visual.kind))
                .show_ui(ui, |ui| {
                    for kind in VisualKind::ALL {
                        ui.selectable_value(&mut draft.visual.kind, kind, kind_name(kind));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("x");
            ui.text_edit_singleline(&mut draft.x).labelled_by(label.id);
            ui.end_row();
            let label = ui
                .label("y")
                .on_hover_text("Value columns, separated by commas");
            ui.text_edit_singleline(&mut draft.y).labelled_by(label.id);
            ui.end_row();
            let label = ui
                .label("series")
                .on_hover_text("One series per value of this column");
            ui.text_edit_singleline(&mut draft.series)
                .labelled_by(label.id);
            ui.end_row();
        });
    let mut preview = false;
    if draft.visual.kind == VisualKind::Text {
        ui.label("Markdown");
        let text = draft.visual.text.get_or_insert_with(String::new);
        ui.add(
            egui::TextEdit::multiline(text)
                .desired_rows(8)
                .desired_width(f32::INFINITY),
        );
    } else {
        let label = ui.label("Visual SQL (Ctrl+Enter previews)");
        let sql = draft.visual.sql.get_or_insert_with(String::new);
        let response = ui
            .add(
                egui::TextEdit::multiline(sql)
                    .code_editor()
                    .desired_rows(10)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        preview |= response.has_focus()
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
    }
    let spec = draft.spec();
    // A new kind or new columns show at once; SQL waits for Ctrl+Enter or Preview.
    let mapping_changed = spec.kind != before.kind
        || spec.x != before.x
        || spec.y != before.y
        || spec.series != before.series;
    ui.horizontal(|ui| {
        preview |= ui.button("Preview").clicked();
        let changed = spec != draft.original;
        if ui
            .add_enabled(changed, egui::Button::new("Apply"))
            .clicked()
        {
            let problems = spec.problems();
            if problems.is_empty() {
                draft.problem = None;
                draft.original = spec.clone();
                send(DashboardCommand::Replace(Box::new(spec.clone())));
            } else {
                draft.problem = Some(problems.join("; "));
            }
        }
        if ui
            .add_enabled(changed, egui::Button::new("Revert"))
            .clicked()
        {
            *draft = Draft::new(&draft.original);
            send(DashboardCommand::Preview(Box::new(draft.original.clone())));
        }
        if ui.button("Delete").clicked() {
            send(DashboardCommand::Delete(selected.id.clone()));
        }
    });
    if let Some(problem) = &draft.problem {
        ui.colored_label(ui.visuals().error_fg_color, problem);
    }
    if (preview || mapping_changed) && spec.problems().is_empty() {
        send(DashboardCommand::Preview(Box::new(spec)));
    }
}

/// The kind as the file writes it.
fn kind_name(kind: VisualKind) -> &'static str {
    match kind {
        VisualKind::Kpi => "kpi",
        VisualKind::Gauge => "gauge",
        VisualKind::Line => "line",
        VisualKind::Area => "area",
        VisualKind::Bar => "bar",
        VisualKind::Scatter => "scatter",
        VisualKind::Pie => "pie",
        VisualKind::Histogram => "histogram",
        VisualKind::Heatmap => "heatmap",
        VisualKind::Table => "table",
        VisualKind::Text => "text",
    }
}
