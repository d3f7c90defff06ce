//! Line, area and scatter visuals with `egui_plot`: several series with a legend, stacked areas,
//! a second value axis for `y2` columns, time axes in the dashboard's zone and a hover tooltip
//! with every series' value at the hovered x. Lines of any length draw through the M4 cache
//! ([`super::line_cache`]), so a frame costs the same for ten points or ten million.
//!
//! The second axis is a scaled copy: `y2` series are drawn multiplied by `left max / right max`
//! and the right axis writes its ticks divided by that factor, since `egui_plot` plots share one
//! y transform.

use egui::{Color32, RichText};
use egui_plot::{
    AxisHints, Corner, FilledArea, HLine, HPlacement, Legend, Line, LineStyle, Plot, PlotPoints,
    Points, VLine,
};

use super::axes::{EDGE_PX, nice_marks, quiet_grid, y_bounds};
use super::palette::series_color;
use super::time::{day_label, full_label, local_day, tick_label, time_marks};
use super::{VisualResponse, VisualStyle};
use crate::model::dashboard::{Timezone, Visual, VisualKind};
use crate::series::PixelColumns;
use crate::series::format::NumberStyle;
use crate::series::visual::{XKind, XyData, XySeries};

/// Scatter points drawn at most per series (evenly thinned beyond).
const MAX_SCATTER_POINTS: usize = 20_000;

/// What the hovered x shows.
struct Hover {
    x: f64,
    rows: Vec<(String, Color32, Option<f64>)>,
    /// Lines about the insights there (an anomaly, the forecast).
    extra: Vec<String>,
}

/// The id of `visual`'s plot (its zoom lives in egui memory under it).
pub fn plot_id(scope: egui::Id, visual: &str) -> egui::Id {
    scope.with(("xy", visual))
}

/// Draws a line, area or scatter visual.
pub fn xy_ui(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &XyData,
    style: &VisualStyle,
) -> VisualResponse {
    let numbers = NumberStyle::of(visual);
    let id = plot_id(style.scope, &visual.id);
    let (x_min, x_max) = x_range(data, time_span(visual, data, style));
    let right_scale = right_scale(data);
    // Calendar days (a DATE column) are the days they are, in no zone: their UTC midnights are
    // shown in UTC, never shifted into the dashboard's zone (a day earlier west of Greenwich).
    let zone = if data.x_kind == XKind::Date {
        Timezone::Utc
    } else {
        style.timezone
    };
    let x_label = {
        let categories = data.categories.clone();
        let x_kind = data.x_kind;
        move |value: f64, step: f64| match x_kind {
            XKind::Time | XKind::Date => tick_label(&zone, value, step),
            XKind::Number => NumberStyle::default().tick(value, step),
            XKind::Category => category_label(&categories, value),
        }
    };
    let tick = x_label.clone();
    // Its exact id (not salted by where it sits), so an image's context finds its zoom.
    let mut plot = Plot::new(id)
        .id(id)
        .allow_scroll(false)
        .allow_drag([true, false])
        .allow_zoom([true, false])
        .show_x(false)
        .show_y(false)
        .show_background(false)
        .set_margin_fraction(egui::vec2(0.0, 0.08))
        .y_grid_spacer(|input| nice_marks(&input, 36.0))
        .x_axis_formatter(move |mark, _| tick(mark.value, mark.step_size));
    plot = quiet_grid(plot, ui.visuals());
    // The y axis is the chart's, every frame: fixed by `y_range`, from zero for areas, never
    // left where a box zoom put it.
    let filled = visual.kind == VisualKind::Area || visual.stack;
    let mut y_axis = y_bounds(
        y_extent(data, right_scale, &style.alert_lines),
        visual.y_range,
        filled,
    );
    if data.series.len() > 1 {
        // The legend goes in the corner where it covers the fewest values drawn.
        let rows = data.series.len() + usize::from(!style.alert_lines.is_empty());
        let longest = data
            .series
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        let plot_size = ui.available_size() - egui::vec2(60.0, 24.0);
        let legend = [
            ((longest as f32 * 7.5 + 32.0) / plot_size.x.max(1.0)).min(1.0),
            ((rows as f32 * 18.0 + 10.0) / plot_size.y.max(1.0)).min(1.0),
        ];
        let (corner, raised) = legend_placement(
            data,
            [x_min, x_max],
            y_axis,
            legend,
            filled,
            visual.y_range.is_none(),
            right_scale,
        );
        y_axis = raised;
        plot = plot.legend(
            Legend::default()
                .position(corner)
                .follow_insertion_order(true)
                // A stacked series is a fill and a line of one name: the line's colour names it.
                .color_conflict_handling(egui_plot::ColorConflictHandling::PickLast)
                .background_alpha(0.6),
        );
    }
    if matches!(data.x_kind, XKind::Time | XKind::Date) {
        let min_step = if data.x_kind == XKind::Date {
            86_400.0
        } else {
            1.0
        };
        plot = plot.x_grid_spacer(move |input| time_marks(&input, &zone, 70.0, min_step));
    } else if data.x_kind == XKind::Number {
        plot = plot
            .x_axis_label(data.x_name.clone())
            .x_grid_spacer(|input| nice_marks(&input, 90.0));
    }
    let left = numbers.clone();
    let mut axes =
        vec![AxisHints::new_y().formatter(move |mark, _| left.tick(mark.value, mark.step_size))];
    if let Some(scale) = right_scale {
        let right = numbers.clone();
        let names: Vec<&str> = data
            .series
            .iter()
            .filter(|s| s.right_axis)
            .map(|s| s.name.as_str())
            .collect();
        axes.push(
            AxisHints::new_y()
                .placement(HPlacement::Right)
                .label(names.join(", "))
                .formatter(move |mark, _| right.tick(mark.value / scale, mark.step_size / scale)),
        );
    }
    plot = plot.custom_y_axes(axes);
    if matches!(data.x_kind, XKind::Time | XKind::Date) {
        plot = plot.include_x(x_min).include_x(x_max);
    }
    let insights = style.insights.as_deref();
    if let Some(end) = insights.and_then(super::insight_marks::forecast_end) {
        plot = plot.include_x(end);
    }
    let scatter = visual.kind == VisualKind::Scatter;
    let area = visual.kind == VisualKind::Area;
    let ctx = ui.ctx().clone();
    let response = plot.show(ui, |plot_ui| {
        let bounds = plot_ui.plot_bounds();
        let (view_min, view_max) = if plot_ui.auto_bounds().x || !bounds.is_valid_x() {
            (x_min, x_max)
        } else {
            (bounds.min()[0], bounds.max()[0])
        };
        if let Some([low, high]) = y_axis {
            // A fixed range keeps its end ticks' labels whole: a few points either side.
            let pad = if visual.y_range.is_some() {
                let height = f64::from(plot_ui.transform().frame().height());
                // `pad` is EDGE_PX of the padded axis: pad = (span + 2 pad) * EDGE_PX / height.
                (high - low) * f64::from(EDGE_PX) / (height - 2.0 * f64::from(EDGE_PX)).max(1.0)
            } else {
                0.0
            };
            if (low - pad).is_finite() && (high + pad).is_finite() {
                plot_ui.set_plot_bounds_y(low - pad..=high + pad);
            }
        }
        let width_px = plot_ui.transform().frame().width().max(1.0) as usize;
        let view = PixelColumns {
            x_min: view_min,
            x_max: view_max,
            width_px,
        };
        // An area's line is drawn after every fill, so the area above never tints it.
        let mut band_tops = Vec::new();
        for (index, series) in data.series.iter().enumerate() {
            let color = series_color(visual, index);
            let scale = if series.right_axis {
                right_scale.unwrap_or(1.0)
            } else {
                1.0
            };
            if scatter {
                let step = series.xs.len().div_ceil(MAX_SCATTER_POINTS).max(1);
                let points: Vec<[f64; 2]> = series
                    .xs
                    .iter()
                    .zip(&series.ys)
                    .step_by(step)
                    .filter_map(|(x, y)| y.map(|y| [*x, y * scale]))
                    .collect();
                plot_ui.points(
                    Points::new(series.name.clone(), points)
                        .color(color)
                        .radius(2.5),
                );
            } else if let Some(base) = &series.base {
                let tops: Vec<f64> = series.ys.iter().map(|y| y.unwrap_or(0.0)).collect();
                plot_ui.add(
                    FilledArea::new(series.name.clone(), &series.xs, base, &tops)
                        .fill_color(color.gamma_multiply(0.45)),
                );
                let line: Vec<[f64; 2]> =
                    series.xs.iter().zip(&tops).map(|(x, y)| [*x, *y]).collect();
                band_tops.push(Line::new(series.name.clone(), line).color(color).width(1.5));
            } else {
                let segments = super::line_cache::segments(&ctx, id.with(index), series, view);
                for segment in segments.iter() {
                    let points: Vec<[f64; 2]> =
                        segment.iter().map(|[x, y]| [*x, y * scale]).collect();
                    let line = |points: Vec<[f64; 2]>| {
                        Line::new(series.name.clone(), PlotPoints::from(points))
                            .color(color)
                            .allow_band(false)
                    };
                    if area {
                        // The fill now, the line over every fill afterwards.
                        plot_ui.line(line(points.clone()).width(0.0).fill(0.0).fill_alpha(0.22));
                        band_tops.push(line(points).width(1.6));
                    } else {
                        plot_ui.line(line(points).width(1.6));
                    }
                }
            }
        }
        for line in band_tops {
            plot_ui.line(line);
        }
        if let Some(insights) = insights {
            super::insight_marks::draw(plot_ui, visual, data, insights, right_scale);
        }
        for (index, threshold) in style.alert_lines.iter().enumerate() {
            plot_ui.hline(
                HLine::new(if index == 0 { "alert threshold" } else { "" }, *threshold)
                    .color(super::ALERT_LINE)
                    .width(1.2)
                    .style(LineStyle::dashed_loose()),
            );
        }
        let hovered = plot_ui.response().hovered();
        let pointer = plot_ui.pointer_coordinate().filter(|_| hovered)?;
        let tolerance = (view_max - view_min) / width_px as f64 * 12.0;
        let hover = hover_at(visual, data, pointer.x, tolerance).or_else(|| {
            // After the last point: the forecast's.
            let x = super::insight_marks::forecast_x_near(insights?, pointer.x, tolerance)?;
            Some(Hover {
                x,
                rows: Vec::new(),
                extra: Vec::new(),
            })
        })?;
        let mut hover = hover;
        if let Some(insights) = insights {
            let value = |v: f64| numbers.value(v);
            hover.extra =
                super::insight_marks::hover_lines(insights, hover.x, tolerance / 4.0, &value);
        }
        plot_ui.vline(
            VLine::new("", hover.x)
                .color(Color32::from_gray(140).gamma_multiply(0.6))
                .width(1.0),
        );
        Some(hover)
    });
    if let Some(hover) = response.inner {
        let header = match data.x_kind {
            XKind::Time => full_label(&zone, hover.x),
            XKind::Date => day_label(hover.x),
            _ => x_label(hover.x, 0.0),
        };
        response.response.on_hover_ui_at_pointer(|ui| {
            ui.label(RichText::new(header).strong());
            egui::Grid::new("xy-tooltip")
                .num_columns(2)
                .spacing([12.0, 2.0])
                .show(ui, |ui| {
                    for (name, color, value) in &hover.rows {
                        ui.horizontal(|ui| {
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                            ui.painter().rect_filled(rect, 2.0, *color);
                            ui.label(name);
                        });
                        let text = value.map_or_else(|| "–".to_owned(), |v| numbers.value(v));
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.strong(text)
                        });
                        ui.end_row();
                    }
                });
            for line in &hover.extra {
                ui.label(line);
            }
        });
    }
    VisualResponse::default()
}

/// Where the legend goes, and the y axis it needs: the corner where it hides the fewest values;
/// when every corner hides some and the axis is not fixed (`free`), the top right with the axis
/// raised so the legend's rows sit above every value.
fn legend_placement(
    data: &XyData,
    x: [f64; 2],
    y_axis: Option<[f64; 2]>,
    legend: [f32; 2],
    filled: bool,
    free: bool,
    right_scale: Option<f64>,
) -> (Corner, Option<[f64; 2]>) {
    let (corner, covered) = legend_corner(
        data,
        x,
        y_axis.unwrap_or([0.0, 1.0]),
        legend,
        filled,
        right_scale,
    );
    match y_axis {
        Some([low, high]) if covered > 0 && free && legend[1] < 0.5 => {
            let height = f64::from(legend[1]);
            // The legend's share of the raised axis lies above `high`.
            let top = (high - height * low) / (1.0 - height);
            (Corner::RightTop, Some([low, top]))
        }
        _ => (corner, y_axis),
    }
}

/// The corner of the plot where a legend covering `legend` (fractions of the plot's width and
/// height) hides the fewest values drawn: a point in it, or, `filled`, the band below a point
/// (an area from zero, a stacked band from its base). Top right on a tie, then top left. With
/// how many values it hides there.
fn legend_corner(
    data: &XyData,
    [x_min, x_max]: [f64; 2],
    [y_min, y_max]: [f64; 2],
    [width, height]: [f32; 2],
    filled: bool,
    right_scale: Option<f64>,
) -> (Corner, usize) {
    /// Points looked at per series at most (evenly spread).
    const SAMPLES: usize = 2_000;
    let x_cut = f64::from(width) * (x_max - x_min);
    let y_cut = f64::from(height) * (y_max - y_min);
    let covered = |corner: Corner| -> usize {
        let (left, top) = match corner {
            Corner::LeftTop => (true, true),
            Corner::RightTop => (false, true),
            Corner::LeftBottom => (true, false),
            Corner::RightBottom => (false, false),
        };
        let xs = if left {
            x_min..=x_min + x_cut
        } else {
            x_max - x_cut..=x_max
        };
        let ys = if top {
            y_max - y_cut..=y_max
        } else {
            y_min..=y_min + y_cut
        };
        let mut count = 0;
        for series in &data.series {
            let scale = if series.right_axis {
                right_scale.unwrap_or(1.0)
            } else {
                1.0
            };
            let stride = series.xs.len().div_ceil(SAMPLES).max(1);
            for i in (0..series.xs.len()).step_by(stride) {
                let Some(y) = series.ys.get(i).copied().flatten().map(|y| y * scale) else {
                    continue;
                };
                if !xs.contains(&series.xs[i]) {
                    continue;
                }
                let from = if filled {
                    series
                        .base
                        .as_ref()
                        .and_then(|b| b.get(i).copied())
                        .unwrap_or(0.0)
                } else {
                    y
                };
                let (low, high) = (from.min(y), from.max(y));
                if high >= *ys.start() && low <= *ys.end() {
                    count += 1;
                }
            }
        }
        count
    };
    [
        Corner::RightTop,
        Corner::LeftTop,
        Corner::RightBottom,
        Corner::LeftBottom,
    ]
    .into_iter()
    .map(|corner| (corner, covered(corner)))
    .min_by_key(|(_, count)| *count)
    .unwrap_or((Corner::RightTop, 0))
}

/// The dashboard's range as this chart's x values: its instants on a time axis, its days (in
/// the dashboard's zone, the last one its end falls in) on a day axis; `None` on other axes and
/// for a visual whose SQL does not filter on the range.
fn time_span(visual: &Visual, data: &XyData, style: &VisualStyle) -> Option<[f64; 2]> {
    // Only a visual that shows the range (its SQL filters on it) is drawn across it.
    if !visual
        .sql
        .as_deref()
        .is_some_and(|sql| sql.contains("$__timeFilter"))
    {
        return None;
    }
    let [from, to] = style.time_span?;
    match data.x_kind {
        XKind::Time => Some([from, to]),
        XKind::Date => Some([
            local_day(&style.timezone, from),
            local_day(&style.timezone, to - 1.0),
        ]),
        XKind::Number | XKind::Category => None,
    }
}

/// The smallest and largest y drawn on the left axis's scale: every series (a `y2` one times
/// `right_scale`), the bases of stacked bands and the alert lines.
fn y_extent(data: &XyData, right_scale: Option<f64>, lines: &[f64]) -> Option<[f64; 2]> {
    let [left, right] = data.y_extents;
    let scale = right_scale.unwrap_or(1.0);
    let right = right.map(|[low, high]| [low * scale, high * scale]);
    left.into_iter()
        .chain(right)
        .flatten()
        .chain(lines.iter().copied().filter(|y| y.is_finite()))
        .fold(None, |extent: Option<[f64; 2]>, y| {
            Some(extent.map_or([y, y], |[low, high]| [low.min(y), high.max(y)]))
        })
}

/// The x axis's extent: the data's, and the dashboard's range on a time axis whose data falls
/// in it (a visual that shows another period keeps its own).
fn x_range(data: &XyData, span: Option<[f64; 2]>) -> (f64, f64) {
    let (min, max) = data_x_range(data);
    let (min, max) = match span {
        Some([from, to]) if max >= from && min <= to => (min.min(from), max.max(to)),
        _ => (min, max),
    };
    if data.x_kind == XKind::Date {
        // Half a day either side: each day's point, and its label, stands inside the axis.
        (min - 43_200.0, max + 43_200.0)
    } else {
        (min, max)
    }
}

/// The smallest and largest x of any series (series are in x order).
fn data_x_range(data: &XyData) -> (f64, f64) {
    let min = data
        .series
        .iter()
        .filter_map(|s| s.xs.first())
        .copied()
        .fold(f64::INFINITY, f64::min);
    let max = data
        .series
        .iter()
        .filter_map(|s| s.xs.last())
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if min.is_finite() && max.is_finite() {
        (min, max.max(min + 1.0))
    } else {
        (0.0, 1.0)
    }
}

/// The factor `y2` series are drawn with: left axis extent over right axis extent.
fn right_scale(data: &XyData) -> Option<f64> {
    if !data.series.iter().any(|s| s.right_axis) {
        return None;
    }
    let largest =
        |extent: Option<[f64; 2]>| extent.map_or(0.0, |[low, high]| low.abs().max(high.abs()));
    let (left, right) = (largest(data.y_extents[0]), largest(data.y_extents[1]));
    if left > 0.0 && right > 0.0 {
        // A round ratio (1, 2, 2.5 or 5 times a power of ten, at most the exact one) keeps the
        // right axis's ticks at round numbers too.
        let ratio = left / right;
        let magnitude = 10_f64.powf(ratio.log10().floor());
        let nice = [5.0, 2.5, 2.0, 1.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|scale| *scale <= ratio)
            .unwrap_or(magnitude);
        Some(nice)
    } else {
        Some(1.0)
    }
}

fn category_label(categories: &[String], value: f64) -> String {
    let index = value.round();
    if (value - index).abs() < 1e-6 && index >= 0.0 {
        categories.get(index as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// The x nearest `x` that a series has, and every series' value there.
fn hover_at(visual: &Visual, data: &XyData, x: f64, tolerance: f64) -> Option<Hover> {
    let nearest = |series: &XySeries| -> Option<usize> {
        let at = series.xs.partition_point(|&v| v < x);
        [at.checked_sub(1), Some(at)]
            .into_iter()
            .flatten()
            .filter(|&i| i < series.xs.len())
            .min_by(|&a, &b| {
                (series.xs[a] - x)
                    .abs()
                    .total_cmp(&(series.xs[b] - x).abs())
            })
    };
    let snapped = data
        .series
        .iter()
        .filter_map(|s| nearest(s).map(|i| s.xs[i]))
        .min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()))
        .filter(|s| (s - x).abs() <= tolerance)?;
    let rows = data
        .series
        .iter()
        .enumerate()
        .map(|(index, series)| {
            let value = nearest(series)
                .filter(|&i| (series.xs[i] - snapped).abs() <= tolerance / 4.0)
                .and_then(|i| series.value(i));
            (series.name.clone(), series_color(visual, index), value)
        })
        .collect();
    Some(Hover {
        x: snapped,
        rows,
        extra: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, points: &[(f64, f64)]) -> XySeries {
        XySeries {
            name: name.to_owned(),
            xs: points.iter().map(|p| p.0).collect(),
            ys: points.iter().map(|p| Some(p.1)).collect(),
            base: None,
            right_axis: false,
        }
    }

    fn data(series: Vec<XySeries>) -> XyData {
        XyData {
            y_extents: crate::series::visual::y_extents(&series),
            x_name: "x".into(),
            x_kind: XKind::Number,
            categories: Vec::new(),
            series,
            note: None,
        }
    }

    #[test]
    fn the_legend_goes_where_it_covers_the_fewest_values() {
        let legend = [0.25, 0.2];
        let bounds = ([0.0, 100.0], [0.0, 100.0]);
        let corner = |data: &XyData, filled: bool| {
            legend_corner(data, bounds.0, bounds.1, legend, filled, None).0
        };
        // Rising to the top right: the legend moves to the top left.
        let rising: Vec<(f64, f64)> = (0..=100).map(|x| (f64::from(x), f64::from(x))).collect();
        let two = data(vec![
            series("a", &rising),
            series("b", &[(0.0, 5.0), (100.0, 10.0)]),
        ]);
        assert_eq!(corner(&two, false), Corner::LeftTop);
        // Low everywhere: the top right, as usual.
        let low = data(vec![
            series("a", &[(0.0, 10.0), (100.0, 12.0)]),
            series("b", &[(0.0, 1.0), (100.0, 2.0)]),
        ]);
        assert_eq!(corner(&low, false), Corner::RightTop);
        // High everywhere, drawn as lines: the bottom is free.
        let high = data(vec![
            series("a", &[(0.0, 95.0), (50.0, 97.0), (100.0, 99.0)]),
            series("b", &[(0.0, 90.0), (100.0, 92.0)]),
        ]);
        assert_eq!(corner(&high, false), Corner::RightBottom);
        // The same filled from zero covers the bottom too; the top left is lower than the right.
        let filled = data(vec![
            series(
                "a",
                &[(0.0, 70.0), (25.0, 70.0), (75.0, 99.0), (100.0, 99.0)],
            ),
            series("b", &[(0.0, 10.0), (100.0, 12.0)]),
        ]);
        assert_eq!(corner(&filled, true), Corner::LeftTop);
    }

    #[test]
    fn a_legend_with_no_free_corner_gets_room_above_the_values() {
        // Peaks in every part of the chart, filled from zero: every corner hides something.
        let peaks: Vec<(f64, f64)> = (0..=100)
            .map(|x| (f64::from(x), if x % 10 < 3 { 95.0 } else { 20.0 }))
            .collect();
        let chart = data(vec![
            series("a", &peaks),
            series("b", &[(0.0, 1.0), (100.0, 1.0)]),
        ]);
        let legend = [0.25, 0.3];
        let (corner, axis) = legend_placement(
            &chart,
            [0.0, 100.0],
            Some([0.0, 100.0]),
            legend,
            true,
            true,
            None,
        );
        assert_eq!(corner, Corner::RightTop);
        let axis = axis.expect("an axis");
        assert!(axis[1] > 100.0, "{axis:?}");
        assert_eq!(
            legend_corner(&chart, [0.0, 100.0], axis, legend, true, None),
            (Corner::RightTop, 0),
            "on the raised axis the legend hides nothing"
        );
        let (_, fixed) = legend_placement(
            &chart,
            [0.0, 100.0],
            Some([0.0, 100.0]),
            legend,
            true,
            false,
            None,
        );
        assert_eq!(fixed, Some([0.0, 100.0]), "a y_range stays as written");
    }
}
