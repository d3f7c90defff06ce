//! One tile: a card with the visual's title, a menu (View data, Run again, Alert when…, Edit,
//! Delete), the visual itself, and its error in the tile when its query failed. A visual with alert
//! rules shows their state: a coloured frame and a badge, and its thresholds drawn on the chart.
//! In edit mode the title bar and the bottom-right corner are drag handles.

use crate::alert::AlertState;
use crate::command::DashboardCommand;
use crate::model::dashboard::{AlertThreshold, ParamValue, Visual, VisualKind};
use crate::ui::visuals::{VisualStyle, draw};

use super::alerts_panel::{state_color, state_label};
use super::{AlertDraft, DashboardView, ImageDraft, TileView, visual_title};
use crate::model::image::{ImageOptions, ImageSize, Theme};

/// Height of a tile's title bar.
const TITLE_HEIGHT: f32 = 26.0;
/// Side of the resize handle.
const CORNER: f32 = 14.0;

/// The dialogs a tile's menu opens.
pub(super) struct Drafts<'a> {
    /// "Alert when…".
    pub alert: &'a mut Option<AlertDraft>,
    /// "Export image…".
    pub image: &'a mut Option<ImageDraft>,
}

/// Where a tile's drag handles are, in edit mode.
pub(super) struct Handles {
    /// The title bar (moves the tile), without its menu button.
    pub title: Option<egui::Rect>,
    /// The bottom-right corner (resizes it).
    pub corner: Option<egui::Rect>,
}

pub(super) fn tile_ui(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    view: &DashboardView<'_>,
    visual: &Visual,
    mut drafts: Drafts<'_>,
    send: &dyn Fn(DashboardCommand),
) -> Handles {
    let tile = view.tiles.get(visual.id.as_str()).copied();
    let alert = view.visual_alert(&visual.id);
    let selected = view.editing && view.selected == Some(visual.id.as_str());
    let visuals = ui.visuals().clone();
    let fill = if visuals.dark_mode {
        egui::Color32::from_gray(32)
    } else {
        egui::Color32::WHITE
    };
    let stroke = if selected {
        egui::Stroke::new(2.0, visuals.selection.bg_fill)
    } else if let Some(state) = alert.filter(|s| *s != AlertState::Normal) {
        egui::Stroke::new(2.5, state_color(state, &visuals))
    } else {
        egui::Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color)
    };
    ui.painter()
        .rect(rect, 8.0, fill, stroke, egui::StrokeKind::Inside);

    let inner = rect.shrink2(egui::vec2(12.0, 8.0));
    let title_rect = egui::Rect::from_min_size(inner.min, egui::vec2(inner.width(), TITLE_HEIGHT));
    let body_rect =
        egui::Rect::from_min_max(egui::pos2(inner.min.x, title_rect.max.y + 4.0), inner.max);
    // The menu button keeps its clicks.
    let title_handle = view
        .editing
        .then(|| title_rect.with_max_x(title_rect.max.x - 40.0));
    let mut title_ui = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(title_rect)
            .id_salt(("tile-title-ui", &visual.id))
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    );
    title_bar_ui(&mut title_ui, view, visual, tile, alert, &mut drafts, send);

    let mut body = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(body_rect)
            .id_salt(("tile-body", &visual.id))
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    body.set_clip_rect(body_rect.intersect(ui.clip_rect()));
    body_ui(&mut body, view, visual, tile, send);

    let corner = view.editing.then(|| {
        let corner_rect = egui::Rect::from_min_size(
            rect.max - egui::vec2(CORNER, CORNER),
            egui::vec2(CORNER, CORNER),
        );
        let color = visuals.widgets.inactive.fg_stroke.color;
        for step in [4.0, 8.0, 12.0] {
            ui.painter().line_segment(
                [
                    egui::pos2(rect.max.x - step, rect.max.y - 2.0),
                    egui::pos2(rect.max.x - 2.0, rect.max.y - step),
                ],
                egui::Stroke::new(1.0, color),
            );
        }
        corner_rect
    });
    Handles {
        title: title_handle,
        corner,
    }
}

fn title_bar_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    visual: &Visual,
    tile: Option<&TileView>,
    alert: Option<AlertState>,
    drafts: &mut Drafts<'_>,
    send: &dyn Fn(DashboardCommand),
) {
    let heading = ui.add(
        egui::Label::new(
            egui::RichText::new(visual_title(visual))
                .strong()
                .size(14.0),
        )
        .truncate()
        .sense(egui::Sense::click()),
    );
    if !view.printing {
        // Which model drew the forecast and the anomalies, and on which periods.
        let models = tile
            .and_then(|t| t.insights.as_deref())
            .filter(|i| !i.models.is_empty())
            .map(|i| format!("Forecast and anomalies: {}", i.models.join("; ")));
        let heading = match models {
            Some(models) => heading.on_hover_text(models),
            None => heading,
        };
        heading.context_menu(|ui| menu_ui(ui, view, visual, drafts, send));
    }
    if let Some(name) = &visual.cross_filter
        && let Some(value) = view.param_value(name)
    {
        ui.add(
            egui::Label::new(egui::RichText::new(format!("· {name} = {value}")).weak())
                .selectable(false),
        );
    }
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        if view.printing {
            if let Some(state) = alert {
                badge_ui(ui, state);
            }
            return;
        }
        ui.menu_button("…", |ui| menu_ui(ui, view, visual, drafts, send))
            .response
            .on_hover_text("Visual menu");
        if tile.is_some_and(|t| t.running) {
            ui.spinner();
        }
        if let Some(state) = alert {
            badge_ui(ui, state);
        }
    });
}

/// The tile's menu: its "…" button and a right-click on its title.
fn menu_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    visual: &Visual,
    drafts: &mut Drafts<'_>,
    send: &dyn Fn(DashboardCommand),
) {
    if visual.sql.is_some() && ui.button("View data").clicked() {
        send(DashboardCommand::ViewData(visual.id.clone()));
    }
    if ui.button("Run again").clicked() {
        send(DashboardCommand::Rerun);
    }
    if matches!(
        visual.kind,
        VisualKind::Kpi | VisualKind::Gauge | VisualKind::Line
    ) && ui.button("Alert when…").clicked()
    {
        *drafts.alert = Some(AlertDraft::for_visual(view, visual));
    }
    if ui.button("Export image…").clicked() {
        *drafts.image = Some(ImageDraft::new(view, Some(visual)));
    }
    if ui
        .add_enabled(!view.image_busy, egui::Button::new("Copy image"))
        .on_hover_text("This tile as a 2x PNG, on the clipboard")
        .clicked()
    {
        send(DashboardCommand::CopyImage(ImageOptions {
            visual: Some(visual.id.clone()),
            size: ImageSize::Scale(2.0),
            theme: if view.dark { Theme::Dark } else { Theme::Light },
            footer: false,
            ..ImageOptions::default()
        }));
    }
    if ui.button("Edit").clicked() {
        send(DashboardCommand::SetEditing(true));
        send(DashboardCommand::Select(Some(visual.id.clone())));
    }
    if view.editing && ui.button("Delete").clicked() {
        send(DashboardCommand::Delete(visual.id.clone()));
    }
}

/// The alert state's badge: a coloured pill with the state's name.
fn badge_ui(ui: &mut egui::Ui, state: AlertState) {
    let color = state_color(state, ui.visuals());
    egui::Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(state_label(state))
                        .color(color)
                        .size(11.0)
                        .strong(),
                )
                .selectable(false),
            );
        })
        .response
        .on_hover_text("The state of this visual's alert rules (the alerts panel lists them)");
}

fn body_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    visual: &Visual,
    tile: Option<&TileView>,
    send: &dyn Fn(DashboardCommand),
) {
    let data = tile.and_then(|t| t.data.as_deref());
    let error = tile.and_then(|t| t.error.as_deref());
    if let Some(error) = error {
        // The error, in its tile; the other visuals draw as usual.
        let color = ui.visuals().error_fg_color;
        ui.colored_label(color, "This visual's query failed");
        egui::ScrollArea::vertical()
            .id_salt(("tile-error", &visual.id))
            .max_height(ui.available_height())
            .show(ui, |ui| {
                ui.add(
                    egui::Label::new(egui::RichText::new(error).color(color).monospace()).wrap(),
                );
            });
        return;
    }
    let Some(data) = data else {
        ui.centered_and_justified(|ui| {
            if view.printing {
                ui.weak("not run");
            } else if view.attached {
                ui.spinner();
            } else {
                ui.weak("no lake attached");
            }
        });
        return;
    };
    if let Some(note) = tile.and_then(|t| t.note.as_deref()) {
        ui.weak(note);
    }
    let lines: Vec<f64> = view
        .dashboard
        .alerts
        .iter()
        .filter(|rule| rule.visual == visual.id && !rule.condition.is_change())
        .flat_map(|rule| match rule.threshold {
            Some(AlertThreshold::Value(value)) => vec![value],
            Some(AlertThreshold::Range([low, high])) => vec![low, high],
            None => Vec::new(),
        })
        .collect();
    let mut style = VisualStyle::new(view.dashboard.timezone)
        .with_alert_lines(lines)
        .with_scope(view_scope(view.id))
        .with_insights(
            tile.and_then(|t| t.insights.clone()),
            tile.and_then(|t| t.drivers.clone()),
        );
    // What the forecast and anomalies show, or why they are not drawn.
    if let Some(insights) = tile.and_then(|t| t.insights.as_deref()) {
        let caption = super::super::visuals::insight_marks::caption(visual, insights);
        if !caption.is_empty() {
            ui.weak(caption).on_hover_text(insights.models.join("\n"));
        }
    }
    if let Some((from, to)) = view.window {
        style = style.with_time_span(from.timestamp() as f64, to.timestamp() as f64);
    }
    style.printing = view.printing;
    let response = draw(ui, visual, data, &style);
    // A contributor clicked in a KPI's "Why?": the param of its column's name, when there is one.
    if let Some((name, value)) = response.driver.clone()
        && !view.editing
        && let Some(param) = view.dashboard.param(&name)
    {
        let value = value.and_then(|text| ParamValue::parse(param.param_type, &text));
        send(DashboardCommand::SetParam { name, value });
    }
    if let Some(value) = response.clicked
        && visual.cross_filter.is_some()
        && !view.editing
    {
        send(DashboardCommand::CrossFilter {
            visual: visual.id.clone(),
            value,
        });
    }
}

/// Where the visuals of dashboard `id` keep their view state (zoom, sort), in the window and in
/// its images alike.
pub fn view_scope(id: crate::command::DashboardId) -> egui::Id {
    egui::Id::unique(("dashboard-visuals", id))
}
