//! Draws one dashboard visual's content (below its title) from its spec and its prepared data.
//! A function of (visual spec, data, style, the theme and size of the `Ui` it is given): no app
//! state, so the same code draws the window's tiles and, later, exported images. Per-widget
//! state (a table's sort, a plot's zoom, cached line reductions) lives in egui memory under the
//! widget's id. One file per family: painted ([`kpi`], [`pie`], [`heatmap`]), plotted ([`xy`],
//! [`bars`]), [`table`] and [`markdown`] text.

pub mod axes;
pub mod bars;
pub mod drivers;
pub mod heatmap;
pub mod insight_marks;
pub mod kpi;
pub mod line_cache;
pub mod markdown;
pub mod palette;
pub mod pie;
pub mod shapes;
pub mod table;
#[cfg(test)]
mod tests;
pub mod time;
pub mod xy;

use crate::model::dashboard::{Timezone, Visual};
use crate::series::visual::VisualData;

/// How visuals are drawn besides the egui theme of the `Ui` they are drawn in.
#[derive(Clone, Debug, PartialEq)]
pub struct VisualStyle {
    /// The time zone times are shown in.
    pub timezone: Timezone,
    /// Alert thresholds on the visual's value, drawn as lines on line charts and ticks on gauges.
    pub alert_lines: Vec<f64>,
    /// Where a visual keeps its view state (a chart's zoom, a table's sort) in egui memory: the
    /// same for a dashboard in the window and in its exported image, so an export of a zoomed or
    /// sorted view shows that view ([`carry_view_state`]).
    pub scope: egui::Id,
    /// The dashboard's time range (seconds since the epoch, UTC): time axes span it, so the
    /// hours without rows at its end are seen as such.
    pub time_span: Option<[f64; 2]>,
    /// The visual's forecast and anomalies, drawn on line and area charts.
    pub insights: Option<std::sync::Arc<crate::insights::Insights>>,
    /// What drove a KPI's change.
    pub drivers: Option<std::sync::Arc<Result<Vec<crate::model::Driver>, String>>>,
    /// Drawn for an image: no buttons.
    pub printing: bool,
}

impl VisualStyle {
    /// The style of a dashboard shown in `timezone`.
    pub fn new(timezone: Timezone) -> Self {
        Self {
            timezone,
            alert_lines: Vec::new(),
            scope: egui::Id::unique("lakesight-visuals"),
            time_span: None,
            insights: None,
            drivers: None,
            printing: false,
        }
    }

    /// The style with view state kept under `scope` (one per dashboard).
    #[must_use]
    pub fn with_scope(mut self, scope: egui::Id) -> Self {
        self.scope = scope;
        self
    }

    /// The style with time axes spanning `from..to` (seconds since the epoch).
    #[must_use]
    pub fn with_time_span(mut self, from: f64, to: f64) -> Self {
        self.time_span = (from < to).then_some([from, to]);
        self
    }

    /// The style with the visual's insights and drivers.
    #[must_use]
    pub fn with_insights(
        mut self,
        insights: Option<std::sync::Arc<crate::insights::Insights>>,
        drivers: Option<std::sync::Arc<Result<Vec<crate::model::Driver>, String>>>,
    ) -> Self {
        self.insights = insights;
        self.drivers = drivers;
        self
    }

    /// The style with alert thresholds at `lines`.
    #[must_use]
    pub fn with_alert_lines(mut self, lines: Vec<f64>) -> Self {
        self.alert_lines = lines;
        self
    }
}

/// The view state of `visuals` drawn under `scope` in `from` (the window), copied into `to` (an
/// image's headless context): the charts' zoom and the tables' sort.
pub fn carry_view_state(
    from: &egui::Context,
    to: &egui::Context,
    scope: egui::Id,
    visuals: &[&str],
) {
    for visual in visuals {
        let plot = xy::plot_id(scope, visual);
        if let Some(memory) = egui_plot::PlotMemory::load(from, plot) {
            memory.store(to, plot);
        }
        table::carry_sort(from, to, scope, visual);
    }
}

/// The colour alert thresholds are drawn in.
pub const ALERT_LINE: egui::Color32 = egui::Color32::from_rgb(0xd6, 0x27, 0x28);

/// What the user did in a visual this frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisualResponse {
    /// The category (bar, slice, heatmap column, table cell of the `x` column) clicked.
    pub clicked: Option<String>,
    /// A KPI's contributor clicked in its "Why?" popover: its column and value.
    pub driver: Option<(String, Option<String>)>,
}

/// Whether `data` has nothing to draw.
fn is_empty(data: &VisualData) -> bool {
    match data {
        VisualData::Text | VisualData::Kpi(_) | VisualData::Gauge(_) => false,
        VisualData::Table(t) => t.columns.is_empty(),
        VisualData::Xy(xy) => xy.series.iter().all(|s| s.xs.is_empty()),
        VisualData::Bars(bars) => bars.categories.is_empty(),
        VisualData::Pie(pie) => pie.slices.is_empty(),
        VisualData::Histogram(h) => h.bins.is_empty(),
        VisualData::Heatmap(h) => h.grid.x_labels.is_empty(),
    }
}

/// Why the visual draws less than its whole result, if it does.
fn note(data: &VisualData) -> Option<&str> {
    match data {
        VisualData::Table(t) => t.note.as_deref(),
        VisualData::Xy(xy) => xy.note.as_deref(),
        VisualData::Bars(bars) => bars.note.as_deref(),
        VisualData::Pie(pie) => pie.note.as_deref(),
        _ => None,
    }
}

/// Draws `data` as `visual` says, filling the space `ui` offers.
pub fn draw(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &VisualData,
    style: &VisualStyle,
) -> VisualResponse {
    if is_empty(data) {
        let rect = ui.available_rect_before_wrap();
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "No data",
            egui::FontId::proportional(14.0),
            ui.visuals().weak_text_color(),
        );
        ui.allocate_rect(rect, egui::Sense::hover());
        return VisualResponse::default();
    }
    if let Some(note) = note(data) {
        let mut body = ui.available_rect_before_wrap();
        let line = 16.0;
        let note_rect =
            egui::Rect::from_min_max(egui::pos2(body.left(), body.bottom() - line), body.max);
        body.max.y -= line;
        ui.painter().text(
            note_rect.left_center(),
            egui::Align2::LEFT_CENTER,
            format!("ℹ {note}"),
            egui::FontId::proportional(11.0),
            ui.visuals().weak_text_color(),
        );
        return ui
            .scope_builder(egui::UiBuilder::new().max_rect(body), |ui| {
                draw_kind(ui, visual, data, style)
            })
            .inner;
    }
    draw_kind(ui, visual, data, style)
}

fn draw_kind(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &VisualData,
    style: &VisualStyle,
) -> VisualResponse {
    match data {
        VisualData::Text => {
            egui::ScrollArea::vertical()
                .id_salt(("text", &visual.id))
                .auto_shrink(false)
                .show(ui, |ui| {
                    markdown::markdown_ui(ui, visual.text.as_deref().unwrap_or_default());
                });
            VisualResponse::default()
        }
        VisualData::Table(table) => table::table_ui(ui, visual, table, style),
        VisualData::Kpi(kpi) => kpi::kpi_ui(ui, visual, kpi, style),
        VisualData::Gauge(gauge) => kpi::gauge_ui(ui, visual, gauge, style),
        VisualData::Xy(xy) => xy::xy_ui(ui, visual, xy, style),
        VisualData::Bars(bars) => bars::bars_ui(ui, visual, bars, style),
        VisualData::Pie(pie) => pie::pie_ui(ui, visual, pie),
        VisualData::Histogram(histogram) => bars::histogram_ui(ui, visual, histogram),
        VisualData::Heatmap(heatmap) => heatmap::heatmap_ui(ui, visual, heatmap, style),
    }
}
