//! The points a line draws: its M4 reduction ([`crate::series::m4`]) to the pixel columns of the
//! x range in view, kept in egui memory keyed by that range and width so a still frame does not
//! rescan the series, recomputed when the user zooms or pans. Series of millions of points also
//! keep a fine overview (M4 at [`OVERVIEW_COLUMNS`] columns of their whole range), which wide
//! views reduce instead of the raw points, so zooming out stays within a frame.

use std::sync::Arc;

use crate::series::visual::XySeries;
use crate::series::{PixelColumns, m4};

/// Pixel columns of the overview of a long series.
pub const OVERVIEW_COLUMNS: usize = 32_768;
/// Series longer than this get an overview.
const OVERVIEW_FROM_POINTS: usize = 8 * OVERVIEW_COLUMNS;

/// Segments of `[x, y]` points, each without a gap.
pub type Segments = Arc<Vec<Vec<[f64; 2]>>>;

#[derive(Clone, PartialEq)]
struct Key {
    data: (usize, usize),
    x_min: u64,
    x_max: u64,
    width_px: usize,
}

#[derive(Clone)]
struct Reduced {
    key: Key,
    segments: Segments,
}

#[derive(Clone)]
struct Overview {
    data: (usize, usize),
    xs: Arc<Vec<f64>>,
    ys: Arc<Vec<Option<f64>>>,
    column_width: f64,
}

/// The segments `series` draws across `view`, from memory under `id` when the view is unchanged.
pub fn segments(
    ctx: &egui::Context,
    id: egui::Id,
    series: &XySeries,
    view: PixelColumns,
) -> Segments {
    let data = (series.xs.as_ptr() as usize, series.xs.len());
    let key = Key {
        data,
        x_min: view.x_min.to_bits(),
        x_max: view.x_max.to_bits(),
        width_px: view.width_px,
    };
    if let Some(hit) = ctx
        .data(|d| d.get_temp::<Reduced>(id))
        .filter(|r| r.key == key)
    {
        return hit.segments;
    }
    let view_column = (view.x_max - view.x_min) / view.width_px.max(1) as f64;
    let segments = match overview(ctx, id, series, data) {
        // The overview keeps every pixel an overview column touches: when a view column spans
        // several overview columns, reducing the overview draws the same picture.
        Some(o) if view_column >= 4.0 * o.column_width => m4(&o.xs, &o.ys, view),
        _ => m4(&series.xs, &series.ys, view),
    };
    let segments = Arc::new(segments);
    ctx.data_mut(|d| {
        d.insert_temp(
            id,
            Reduced {
                key,
                segments: Arc::clone(&segments),
            },
        );
    });
    segments
}

fn overview(
    ctx: &egui::Context,
    id: egui::Id,
    series: &XySeries,
    data: (usize, usize),
) -> Option<Overview> {
    if series.xs.len() < OVERVIEW_FROM_POINTS {
        return None;
    }
    let id = id.with("overview");
    if let Some(hit) = ctx
        .data(|d| d.get_temp::<Overview>(id))
        .filter(|o| o.data == data)
    {
        return Some(hit);
    }
    let (first, last) = (*series.xs.first()?, *series.xs.last()?);
    let whole = PixelColumns {
        x_min: first,
        x_max: last,
        width_px: OVERVIEW_COLUMNS,
    };
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for segment in m4(&series.xs, &series.ys, whole) {
        if !xs.is_empty() {
            // Keep the gap between segments.
            xs.push(segment[0][0]);
            ys.push(None);
        }
        for [x, y] in segment {
            xs.push(x);
            ys.push(Some(y));
        }
    }
    let overview = Overview {
        data,
        xs: Arc::new(xs),
        ys: Arc::new(ys),
        column_width: (last - first) / OVERVIEW_COLUMNS as f64,
    };
    ctx.data_mut(|d| d.insert_temp(id, overview.clone()));
    Some(overview)
}
