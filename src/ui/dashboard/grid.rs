//! The 12-column tile grid: where each visual's tile goes, and in edit mode dragging a tile by its
//! title bar to move it and by its corner to resize it, snapped to the grid.

use crate::command::DashboardCommand;
use crate::model::dashboard::{GRID_COLUMNS, Position};

use super::{DashboardPanelState, DashboardView, tile};

/// Height of one grid row, in points.
pub const GRID_ROW_HEIGHT: f32 = 64.0;
/// Space between tiles.
pub(super) const GAP: f32 = 10.0;

/// A tile being moved or resized: which, how, and the pointer's travel so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Drag {
    /// The visual.
    pub visual: String,
    /// Resizing (the corner) rather than moving (the title bar).
    pub resize: bool,
    /// Pointer travel since the drag began.
    pub delta: egui::Vec2,
}

/// The grid's geometry for an area of `width` starting at `origin`.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    origin: egui::Pos2,
    column: f32,
}

impl Geometry {
    /// The grid in `width` points from `origin`.
    pub fn new(origin: egui::Pos2, width: f32) -> Self {
        let columns = GRID_COLUMNS as f32;
        let column = ((width - GAP * (columns + 1.0)) / columns).max(20.0);
        Self { origin, column }
    }

    /// The rectangle of a tile at `position`.
    pub fn rect(&self, position: Position) -> egui::Rect {
        let (col, row) = (position.col as f32, position.row as f32);
        let (width, height) = (position.width as f32, position.height as f32);
        let min = self.origin
            + egui::vec2(
                GAP + col * (self.column + GAP),
                GAP + row * (GRID_ROW_HEIGHT + GAP),
            );
        egui::Rect::from_min_size(
            min,
            egui::vec2(
                width * self.column + (width - 1.0) * GAP,
                height * GRID_ROW_HEIGHT + (height - 1.0) * GAP,
            ),
        )
    }

    /// Where `position` lands after a drag of `delta` (moving, or resizing from the corner),
    /// snapped to whole cells and kept on the grid.
    pub fn dragged(&self, position: Position, delta: egui::Vec2, resize: bool) -> Position {
        let columns = (delta.x / (self.column + GAP)).round() as i64;
        let rows = (delta.y / (GRID_ROW_HEIGHT + GAP)).round() as i64;
        let grid = i64::from(GRID_COLUMNS);
        let clamp = |value: i64, low: i64, high: i64| value.clamp(low, high.max(low));
        let mut moved = position;
        if resize {
            let width = i64::from(position.width) + columns;
            moved.width = clamp(width, 1, grid - i64::from(position.col)) as u32;
            moved.height = clamp(i64::from(position.height) + rows, 1, 100) as u32;
        } else {
            let col = i64::from(position.col) + columns;
            moved.col = clamp(col, 0, grid - i64::from(position.width)) as u32;
            moved.row = clamp(i64::from(position.row) + rows, 0, 10_000) as u32;
        }
        moved
    }
}

/// The grid's height: every tile, and in edit mode four empty rows to drag tiles into.
pub fn grid_height(dashboard: &crate::model::dashboard::Dashboard, editing: bool) -> f32 {
    let rows = dashboard
        .visuals
        .iter()
        .map(|v| v.position.row + v.position.height)
        .max()
        .unwrap_or(0)
        + u32::from(editing) * 4;
    GAP + rows as f32 * (GRID_ROW_HEIGHT + GAP)
}

pub(super) fn grid_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    let width = ui.available_width();
    let height = grid_height(view.dashboard, view.editing);
    let (area, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let geometry = Geometry::new(area.min, width);
    if view.dashboard.visuals.is_empty() {
        ui.put(
            area.shrink(GAP),
            egui::Label::new(
                "No visuals yet: run a query in a tab, then \"Add to dashboard\" under its result.",
            ),
        );
    }
    for visual in &view.dashboard.visuals {
        let dragging = state
            .drag
            .as_ref()
            .filter(|drag| drag.visual == visual.id)
            .cloned();
        let position = match &dragging {
            Some(drag) => geometry.dragged(visual.position, drag.delta, drag.resize),
            None => visual.position,
        };
        let rect = geometry.rect(position);
        if dragging.is_some() {
            // Where it will land.
            ui.painter().rect_stroke(
                rect,
                8.0,
                egui::Stroke::new(2.0, ui.visuals().selection.bg_fill),
                egui::StrokeKind::Outside,
            );
        }
        let drafts = tile::Drafts {
            alert: &mut state.alert_draft,
            image: &mut state.image_draft,
        };
        let handles = tile::tile_ui(ui, rect, view, visual, drafts, send);
        if view.editing {
            drag_ui(ui, &geometry, visual, &handles, state, send);
        }
    }
}

/// Edit mode: a press on a tile's title bar (or corner) starts moving (or resizing) it; the
/// pointer's travel is followed from the raw input, so nothing inside the tile can take the drag;
/// the release lands it on the grid. A press and release without travel selects the visual.
fn drag_ui(
    ui: &egui::Ui,
    geometry: &Geometry,
    visual: &crate::model::dashboard::Visual,
    handles: &tile::Handles,
    state: &mut DashboardPanelState,
    send: &dyn Fn(DashboardCommand),
) {
    let (pressed, released, pos, origin) = ui.input(|i| {
        (
            i.pointer.primary_pressed(),
            i.pointer.primary_released(),
            i.pointer.interact_pos(),
            i.pointer.press_origin(),
        )
    });
    let Some(pos) = pos else { return };
    let over = |rect: &Option<egui::Rect>| rect.is_some_and(|r| r.contains(pos));
    if over(&handles.corner) {
        ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeNwSe);
    } else if over(&handles.title) {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
    }
    if pressed && state.drag.is_none() && ui.ctx().dragged_id().is_none() {
        let resize = over(&handles.corner);
        if resize || over(&handles.title) {
            state.drag = Some(Drag {
                visual: visual.id.clone(),
                resize,
                delta: egui::Vec2::ZERO,
            });
        }
    }
    let Some(drag) = state.drag.as_mut().filter(|d| d.visual == visual.id) else {
        return;
    };
    if let Some(origin) = origin.filter(|_| !released) {
        drag.delta = pos - origin;
    }
    if released {
        let Some(drag) = state.drag.take() else {
            return;
        };
        if drag.delta.length() < 4.0 {
            send(DashboardCommand::Select(Some(visual.id.clone())));
            return;
        }
        let landed = geometry.dragged(visual.position, drag.delta, drag.resize);
        if landed != visual.position {
            send(DashboardCommand::Move {
                visual: visual.id.clone(),
                position: landed,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drag_snaps_to_cells_and_stays_on_the_grid() {
        let grid = Geometry::new(egui::Pos2::ZERO, 12.0 * 90.0 + 13.0 * GAP);
        let at = Position::from([2, 1, 4, 3]);
        // Two columns right, one row down.
        let moved = grid.dragged(at, egui::vec2(2.0 * 100.0, GRID_ROW_HEIGHT + GAP), false);
        assert_eq!(moved, Position::from([4, 2, 4, 3]));
        // Far right: stops at the grid's edge; up past the top: row 0.
        let moved = grid.dragged(at, egui::vec2(5_000.0, -5_000.0), false);
        assert_eq!(moved, Position::from([8, 0, 4, 3]));
        // Resizing from the corner: wider and shorter, never below one cell.
        let resized = grid.dragged(at, egui::vec2(100.0, -5_000.0), true);
        assert_eq!(resized, Position::from([2, 1, 5, 1]));
        let full = grid.rect(Position::from([0, 0, 12, 1])).width();
        assert!((full - (12.0 * 90.0 + 11.0 * GAP)).abs() < 0.01, "{full}");
    }
}
