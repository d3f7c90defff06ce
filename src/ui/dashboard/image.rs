//! A dashboard, or one of its visuals, as an exported image shows it: the title and what the
//! numbers cover on top, every tile at once (nothing lazy, nothing cut off), and a footer naming
//! the dashboard, its time range with its time zone and when the data was read. The tiles are the
//! window's own ([`super::tile`]), drawn without their menus ([`DashboardView::printing`]).

use std::fmt::Write as _;

use crate::model::dashboard::{Dashboard, TimeRange, Visual};

use super::grid::{self, GAP, Geometry};
use super::header::range_label;
use super::{DashboardPanelState, DashboardView, tile};

/// An image's width in points when none is asked for (3200 pixels at 2x).
pub const DEFAULT_WIDTH: f32 = 1600.0;
/// Height of the image's title and range lines.
const HEADER_HEIGHT: f32 = 58.0;
/// Height of the footer line.
const FOOTER_HEIGHT: f32 = 24.0;

/// What an image shows.
#[derive(Clone, Copy, Debug)]
pub enum ImageContent<'a> {
    /// The whole dashboard.
    Dashboard,
    /// One visual, as its tile.
    Visual(&'a Visual),
}

/// The size in points an image of `content` takes: `width` (else [`DEFAULT_WIDTH`] for a
/// dashboard, the tile's width on a dashboard that wide for a visual) by what fits everything.
pub fn image_size(
    dashboard: &Dashboard,
    content: ImageContent<'_>,
    width: Option<f32>,
    footer: bool,
) -> egui::Vec2 {
    let footer = if footer { FOOTER_HEIGHT } else { 0.0 };
    match content {
        ImageContent::Dashboard => {
            let width = width.unwrap_or(DEFAULT_WIDTH);
            let height = HEADER_HEIGHT + grid::grid_height(dashboard, false) + footer;
            egui::vec2(width, height)
        }
        ImageContent::Visual(visual) => {
            let tile = Geometry::new(egui::Pos2::ZERO, DEFAULT_WIDTH)
                .rect(visual.position)
                .size();
            let width = width.unwrap_or(tile.x + 2.0 * GAP);
            egui::vec2(width, tile.y + 2.0 * GAP + footer)
        }
    }
}

/// Draws the whole dashboard over the space `ui` offers.
pub fn dashboard_image_ui(ui: &mut egui::Ui, view: &DashboardView<'_>, footer: bool) {
    let body = page(ui, view, footer);
    let header = egui::Rect::from_min_size(body.min, egui::vec2(body.width(), HEADER_HEIGHT));
    let mut header_ui = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(header.shrink2(egui::vec2(GAP + 2.0, 6.0)))
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    header_ui.add(
        egui::Label::new(
            egui::RichText::new(&view.dashboard.title)
                .heading()
                .strong(),
        )
        .truncate(),
    );
    header_ui.add(egui::Label::new(egui::RichText::new(coverage(view)).weak()).truncate());
    let grid_rect = egui::Rect::from_min_max(egui::pos2(body.min.x, header.max.y), body.max);
    let mut grid_ui = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(grid_rect)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    let mut state = DashboardPanelState::default();
    grid::grid_ui(&mut grid_ui, view, &mut state, &|_| {});
}

/// Draws one visual's tile over the space `ui` offers.
pub fn visual_image_ui(ui: &mut egui::Ui, view: &DashboardView<'_>, visual: &Visual, footer: bool) {
    let body = page(ui, view, footer);
    let (mut alert, mut image) = (None, None);
    let drafts = tile::Drafts {
        alert: &mut alert,
        image: &mut image,
    };
    tile::tile_ui(ui, body.shrink(GAP), view, visual, drafts, &|_| {});
}

/// The page: the theme's background over all of `ui`, the footer at the bottom if asked for;
/// returns the space above the footer.
fn page(ui: &egui::Ui, view: &DashboardView<'_>, footer: bool) -> egui::Rect {
    let full = ui.max_rect();
    ui.painter().rect_filled(full, 0.0, ui.visuals().panel_fill);
    let mut body = full;
    if footer {
        body.max.y -= FOOTER_HEIGHT;
        footer_ui(ui, view, full);
    }
    body
}

/// The time range and parameters the numbers cover: `Last 24 hours: 2026-11-25 10:00 – 2026-11-26
/// 10:00 (UTC) · region = EU`.
fn coverage(view: &DashboardView<'_>) -> String {
    let zone = view.dashboard.timezone;
    let mut text = range_label(&view.range);
    if let Some((from, to)) = view.window {
        let pattern = "%Y-%m-%d %H:%M";
        let span = format!(
            "{} – {} ({zone})",
            zone.format(from, pattern),
            zone.format(to, pattern)
        );
        // A fixed range is its span; "Last 7 days" says which days.
        text = match view.range {
            TimeRange::Absolute { .. } => span,
            TimeRange::Last(_) => format!("{text}: {span}"),
        };
    }
    for param in &view.dashboard.params {
        let value = view
            .param_value(&param.name)
            .map_or_else(|| "all".to_owned(), |v| v.to_string());
        let _ = write!(text, " · {} = {value}", param.name);
    }
    text
}

/// The footer: the dashboard, its range with its time zone, when the data was read.
fn footer_text(view: &DashboardView<'_>) -> String {
    let zone = view.dashboard.timezone;
    let mut text = format!("{} · {}", view.dashboard.title, coverage(view));
    if let Some(at) = view.data_as_of {
        let _ = write!(
            text,
            " · data as of {} ({zone})",
            zone.format(at, "%Y-%m-%d %H:%M:%S")
        );
    }
    text.push_str(" · Lakesight");
    text
}

fn footer_ui(ui: &egui::Ui, view: &DashboardView<'_>, full: egui::Rect) {
    let line =
        egui::Rect::from_min_max(egui::pos2(full.min.x, full.max.y - FOOTER_HEIGHT), full.max);
    ui.painter().line_segment(
        [
            line.left_top() + egui::vec2(GAP, 0.0),
            line.right_top() - egui::vec2(GAP, 0.0),
        ],
        ui.visuals().widgets.noninteractive.bg_stroke,
    );
    let galley = ui.painter().layout(
        footer_text(view),
        egui::FontId::proportional(11.0),
        ui.visuals().weak_text_color(),
        line.width() - 2.0 * GAP,
    );
    let pos = egui::pos2(line.min.x + GAP, line.center().y - galley.size().y / 2.0);
    ui.painter()
        .galley(pos, galley, ui.visuals().weak_text_color());
}
