//! Bar and histogram visuals with `egui_plot`: vertical or horizontal bars per category, grouped
//! or stacked series, category labels on the axis, value labels when there is room, tooltips,
//! and the clicked category (for cross-filtering); histograms as bars on their bin edges.

use egui_plot::{AxisHints, Bar, BarChart, Legend, Plot, PlotPoint, Text};

use super::axes::{EDGE_PX, nice_marks, quiet_grid};

use super::VisualResponse;
use super::VisualStyle;
use super::palette::series_color;
use super::time::relabel;
use crate::model::dashboard::{Orientation, Visual};
use crate::series::format::NumberStyle;
use crate::series::visual::{BarsData, HistogramData};

/// Bars drawn with their value written on them at most.
const MAX_VALUE_LABELS: usize = 24;

/// A plot for bars: no panning or zooming, a tidy grid.
fn bar_plot(id: egui::Id, visuals: &egui::Visuals) -> Plot<'static> {
    let plot = Plot::new(id)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .show_y(false)
        .show_background(false);
    quiet_grid(plot, visuals)
}

/// The width `text` takes in `font`.
fn measure(ui: &egui::Ui, text: &str, font: &egui::FontId) -> f32 {
    ui.painter()
        .layout_no_wrap(text.to_owned(), font.clone(), egui::Color32::WHITE)
        .size()
        .x
}

/// `label`, or as much of it as fits `width` followed by `…` (at least one character, at most
/// [`LONGEST_LABEL`]); a few layouts per label, found by halving.
fn fit_label(ui: &egui::Ui, label: &str, font: &egui::FontId, width: f32) -> String {
    let chars: Vec<char> = label.chars().take(LONGEST_LABEL + 1).collect();
    if chars.is_empty() || (chars.len() <= LONGEST_LABEL && measure(ui, label, font) <= width) {
        return label.to_owned();
    }
    let short = |keep: usize| format!("{}…", chars[..keep].iter().collect::<String>().trim_end());
    // The longest prefix that fits: `fits` always does (or is the shortest there is).
    let (mut fits, mut too_long) = (1, chars.len().min(LONGEST_LABEL + 1));
    while fits + 1 < too_long {
        let middle = usize::midpoint(fits, too_long);
        if measure(ui, &short(middle), font) <= width {
            fits = middle;
        } else {
            too_long = middle;
        }
    }
    short(fits)
}

/// Characters of a category label drawn at most under its bar.
const LONGEST_LABEL: usize = 64;

/// The largest value of any bar (the value axis's longest label, near enough).
fn highest_value(data: &BarsData) -> f64 {
    data.series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |m, v| m.max(v.abs()))
}

/// Draws a bar visual; returns the clicked category.
pub fn bars_ui(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &BarsData,
    style: &VisualStyle,
) -> VisualResponse {
    let numbers = NumberStyle::of(visual);
    let horizontal = visual.orientation == Orientation::Horizontal;
    let count = data.categories.len();
    let labels: Vec<String> = data
        .categories
        .iter()
        .map(|c| relabel(&style.timezone, c))
        .collect();
    // Horizontal bars list the first category at the top.
    let position = move |index: usize| {
        if horizontal {
            (count - 1 - index) as f64
        } else {
            index as f64
        }
    };
    let category_of = move |value: f64| {
        let index = value.round();
        let index = if horizontal {
            count as f64 - 1.0 - index
        } else {
            index
        };
        (index >= 0.0 && (index as usize) < count && (value - value.round()).abs() < 0.45)
            .then_some(index as usize)
    };
    // Every bar keeps its label: shortened (`payments-gat…`, the tooltip has it whole) to the
    // width one bar has, never left out for being too wide.
    let axis_labels: Vec<String> = if horizontal {
        labels.clone()
    } else {
        let font = egui::TextStyle::Body.resolve(ui.style());
        let value_axis_width = measure(ui, &numbers.short(highest_value(data)), &font) + 24.0;
        let per_bar = (ui.available_width() - value_axis_width) / count.max(1) as f32;
        labels
            .iter()
            .map(|label| fit_label(ui, label, &font, per_bar - 6.0))
            .collect()
    };
    let category_axis = move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
        if (mark.value - mark.value.round()).abs() > 1e-6 {
            return String::new();
        }
        category_of(mark.value)
            .map(|i| axis_labels[i].clone())
            .unwrap_or_default()
    };
    let value_numbers = numbers.clone();
    let value_axis = move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
        value_numbers.tick(mark.value, mark.step_size)
    };
    let mut plot = bar_plot(ui.scope_id().with(("bars", &visual.id)), ui.visuals()).include_y(0.0);
    // Category labels at full strength wherever egui_plot would fade them (it expects numbers).
    let category_hints = |hints: AxisHints<'static>, spacing: f32| {
        hints
            .formatter(category_axis)
            .label_spacing(spacing..=spacing + 4.0)
    };
    plot = if horizontal {
        plot.custom_y_axes(vec![category_hints(AxisHints::new_y(), 12.0)])
            .x_axis_formatter(value_axis)
            .include_x(0.0)
            .y_grid_spacer(unit_marks)
            .x_grid_spacer(|input| nice_marks(&input, 90.0))
    } else {
        plot.custom_x_axes(vec![category_hints(AxisHints::new_x(), 24.0)])
            .y_axis_formatter(value_axis)
            .x_grid_spacer(unit_marks)
            .y_grid_spacer(|input| nice_marks(&input, 36.0))
    };
    if data.series.len() > 1 {
        plot = plot.legend(
            Legend::default()
                .follow_insertion_order(true)
                .background_alpha(0.6),
        );
    }
    let series_count = data.series.len().max(1);
    let grouped = !visual.stack && series_count > 1;
    let width = if grouped {
        0.8 / series_count as f64
    } else {
        0.7
    };
    // Values on bars only where they cannot collide: one series, few bars.
    let write_values = series_count == 1 && count <= MAX_VALUE_LABELS;
    let highest = data
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |m, v| m.max(*v));
    // Room past the longest bar for its label.
    let headroom = if write_values {
        highest * if horizontal { 1.14 } else { 1.1 }
    } else {
        highest
    };
    plot = if horizontal {
        plot.include_x(headroom)
    } else {
        plot.include_y(headroom)
    };
    let text_color = ui.visuals().text_color();
    // Stacked bars start where the series below end at the same category (computed per
    // category: a missing value in a series below counts as zero, never shifts the stack).
    let bases = visual.stack.then(|| data.stack_bases());
    let fixed = visual
        .y_range
        .filter(|[low, high]| low < high && (high - low).is_finite());
    let response = plot.show(ui, |plot_ui| {
        // `y_range` is the value axis, exactly (values past it are cut off at its end).
        if let Some([low, high]) = fixed {
            // A few points either side keep the end ticks' labels whole.
            let frame = plot_ui.transform().frame();
            let length = if horizontal {
                frame.width()
            } else {
                frame.height()
            };
            // `pad` is EDGE_PX of the padded axis: pad = (span + 2 pad) * EDGE_PX / length.
            let pad = (high - low) * f64::from(EDGE_PX)
                / (f64::from(length) - 2.0 * f64::from(EDGE_PX)).max(1.0);
            if horizontal {
                plot_ui.set_plot_bounds_x(low - pad..=high + pad);
            } else {
                plot_ui.set_plot_bounds_y(low - pad..=high + pad);
            }
        }
        let mut charts: Vec<BarChart> = Vec::new();
        for (index, series) in data.series.iter().enumerate() {
            let offset = if grouped {
                (index as f64 - (series_count as f64 - 1.0) / 2.0) * width
            } else {
                0.0
            };
            let color = series_color(visual, index);
            let bars = series
                .values
                .iter()
                .enumerate()
                .filter_map(|(category, value)| {
                    let value = (*value)?;
                    let mut bar = Bar::new(position(category) + offset, value).width(width);
                    if let Some(bases) = &bases {
                        bar = bar.base_offset(bases[index][category]);
                    }
                    let bar = bar.fill(color).name(format!(
                        "{}\n{}: {}",
                        labels[category],
                        series.name,
                        numbers.value(value)
                    ));
                    Some(if horizontal { bar.horizontal() } else { bar })
                })
                .collect();
            let mut chart = BarChart::new(series.name.clone(), bars)
                .color(color)
                .element_formatter(Box::new(|bar, _| bar.name.clone()));
            if horizontal {
                chart = chart.horizontal();
            }
            charts.push(chart);
        }
        if write_values && !visual.stack {
            for (index, series) in data.series.iter().enumerate() {
                let offset = if grouped {
                    (index as f64 - (series_count as f64 - 1.0) / 2.0) * width
                } else {
                    0.0
                };
                for (category, value) in series.values.iter().enumerate() {
                    let Some(value) = *value else { continue };
                    let at = position(category) + offset;
                    let (point, anchor) = if horizontal {
                        (PlotPoint::new(value, at), egui::Align2::LEFT_CENTER)
                    } else {
                        (PlotPoint::new(at, value), egui::Align2::CENTER_BOTTOM)
                    };
                    let text = egui::RichText::new(format!(" {} ", numbers.short(value)))
                        .size(11.0)
                        .color(text_color);
                    plot_ui.text(Text::new("", point, text).anchor(anchor));
                }
            }
        }
        for chart in charts {
            plot_ui.bar_chart(chart);
        }
        let clicked = plot_ui.response().clicked();
        let pointer = plot_ui.pointer_coordinate().filter(|_| clicked)?;
        category_of(if horizontal { pointer.y } else { pointer.x })
    });
    VisualResponse {
        clicked: response.inner.map(|index| data.categories[index].clone()),
        ..VisualResponse::default()
    }
}

/// Grid marks on whole numbers only (one per category), thinned when crowded.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature egui_plot's grid spacers have"
)]
fn unit_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let (min, max) = input.bounds;
    let step = input.base_step_size.max(1.0).ceil();
    let first = (min / step).ceil() as i64;
    let last = (max / step).floor() as i64;
    (first..=last)
        .map(|i| egui_plot::GridMark {
            value: i as f64 * step,
            step_size: step,
        })
        .collect()
}

/// Draws a histogram: one bar per bin, on its edges, counts on the value axis.
pub fn histogram_ui(ui: &mut egui::Ui, visual: &Visual, data: &HistogramData) -> VisualResponse {
    let numbers = NumberStyle::of(visual);
    let color = series_color(visual, 0);
    let x_numbers = numbers.clone();
    let plot = bar_plot(ui.scope_id().with(("histogram", &visual.id)), ui.visuals())
        .include_y(0.0)
        .x_axis_label(data.x_name.clone())
        .y_axis_label("count")
        .x_axis_formatter(move |mark, _| x_numbers.tick(mark.value, mark.step_size))
        .y_axis_formatter(|mark, _| NumberStyle::default().tick(mark.value, mark.step_size))
        .x_grid_spacer(|input| nice_marks(&input, 90.0))
        .y_grid_spacer(|input| nice_marks(&input, 36.0));
    let bars: Vec<Bar> = data
        .bins
        .iter()
        .map(|bin| {
            Bar::new(f64::midpoint(bin.low, bin.high), bin.count as f64)
                .width(bin.high - bin.low)
                .fill(color.gamma_multiply(0.85))
                .stroke(egui::Stroke::new(1.0, ui.visuals().extreme_bg_color))
                .name(format!(
                    "{} – {}\n{} values",
                    numbers.value(bin.low),
                    numbers.value(bin.high),
                    bin.count
                ))
        })
        .collect();
    plot.show(ui, |plot_ui| {
        plot_ui.bar_chart(
            BarChart::new(data.x_name.clone(), bars)
                .color(color)
                .element_formatter(Box::new(|bar, _| bar.name.clone())),
        );
    });
    VisualResponse::default()
}
