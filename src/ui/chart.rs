//! The quick chart of a result: line, bar or scatter (first chosen from the column types), the x
//! column and the y columns, drawn with `egui_plot`. The seed of dashboard visuals.

use datafusion::arrow::datatypes::Schema;
use egui_plot::{Bar, BarChart, GridInput, GridMark, Legend, Line, Plot, PlotPoints, Points};

use crate::command::{Command, CommandSender, TabId};
use crate::series::{ChartData, ChartKind, ChartSpec, XAxis, numeric_columns};

/// Draws the chart controls and the chart of query tab `tab`.
pub fn chart_ui(
    ui: &mut egui::Ui,
    tab: TabId,
    schema: &Schema,
    spec: Option<&ChartSpec>,
    data: Option<&Result<ChartData, String>>,
    commands: &CommandSender,
) {
    let Some(spec) = spec else {
        ui.label("Nothing to chart: the result has no numeric column.");
        return;
    };
    let mut next = spec.clone();
    let name = |i: usize| schema.fields().get(i).map_or("?", |f| f.name().as_str());
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Chart type")
            .selected_text(spec.kind.name())
            .show_ui(ui, |ui| {
                for kind in ChartKind::ALL {
                    ui.selectable_value(&mut next.kind, kind, kind.name());
                }
            });
        egui::ComboBox::from_label("X axis")
            .selected_text(name(spec.x))
            .show_ui(ui, |ui| {
                for (index, field) in schema.fields().iter().enumerate() {
                    ui.selectable_value(&mut next.x, index, field.name());
                }
            });
        let numeric = numeric_columns(schema);
        let ys_text = spec
            .ys
            .iter()
            .map(|&y| name(y))
            .collect::<Vec<_>>()
            .join(", ");
        egui::ComboBox::from_label("Y axis")
            .selected_text(ys_text)
            .show_ui(ui, |ui| {
                for index in numeric.iter().copied().filter(|&i| i != spec.x) {
                    let mut on = spec.ys.contains(&index);
                    if ui.checkbox(&mut on, name(index)).changed() {
                        if on {
                            next.ys.push(index);
                            next.ys.sort_unstable();
                        } else if next.ys.len() > 1 {
                            next.ys.retain(|&y| y != index);
                        }
                    }
                }
            });
    });
    if &next != spec {
        commands.send(Command::SetChart { tab, spec: next });
    }
    match data {
        None => {
            ui.horizontal(|ui| {
                super::busy::busy_ui(ui);
                ui.label("drawing...");
            });
        }
        Some(Err(message)) => {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        Some(Ok(data)) => plot_ui(ui, tab, data),
    }
}

/// One line describing the chart (also what screen readers and tests read).
fn caption(data: &ChartData) -> String {
    let ys = data
        .series
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let points: usize = data.series.iter().map(|s| s.points.len()).sum();
    let what = match data.kind {
        ChartKind::Bar => format!("{} bars", data.series.first().map_or(0, |s| s.points.len())),
        ChartKind::Line | ChartKind::Scatter => format!("{points} points"),
    };
    format!(
        "{} chart of {ys} by {} ({what} from {} rows)",
        data.kind.name(),
        data.x_name,
        data.rows
    )
}

fn plot_ui(ui: &mut egui::Ui, tab: TabId, data: &ChartData) {
    ui.horizontal(|ui| {
        ui.label(caption(data));
        if let Some(note) = &data.note {
            ui.weak(format!("({note})"));
        }
    });
    let categories = data.categories.clone();
    let x_axis = data.x_axis;
    let mut plot = Plot::new(("quick-chart", tab))
        .legend(Legend::default())
        .x_axis_label(&data.x_name)
        .x_axis_formatter(move |mark: GridMark, _range| match x_axis {
            XAxis::Number => format_number(mark.value),
            XAxis::Time => format_time(mark.value, mark.step_size),
            XAxis::Category => {
                let index = mark.value.round();
                if (mark.value - index).abs() < 1e-6 && index >= 0.0 {
                    categories.get(index as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        });
    if x_axis == XAxis::Time {
        plot = plot.x_grid_spacer(time_grid);
    }
    let series_count = data.series.len().max(1) as f64;
    plot.show(ui, |plot_ui| {
        for (index, series) in data.series.iter().enumerate() {
            match data.kind {
                // No "band" drawing: it fills gaps between distant points; the series is
                // already downsampled to a few thousand points.
                ChartKind::Line => plot_ui.line(
                    Line::new(series.name.clone(), PlotPoints::new(series.points.clone()))
                        .allow_band(false),
                ),
                ChartKind::Scatter => plot_ui.points(
                    Points::new(series.name.clone(), PlotPoints::new(series.points.clone()))
                        .radius(2.0),
                ),
                ChartKind::Bar => {
                    // Side by side when several series share an x.
                    let width = data.bar_width * 0.8 / series_count;
                    let offset = (index as f64 - (series_count - 1.0) / 2.0) * width;
                    let bars = series
                        .points
                        .iter()
                        .map(|[x, y]| Bar::new(x + offset, *y).width(width))
                        .collect();
                    plot_ui.bar_chart(BarChart::new(series.name.clone(), bars));
                }
            }
        }
    });
}

fn format_number(value: f64) -> String {
    if value.abs() >= 1e6 || (value != 0.0 && value.abs() < 1e-3) {
        format!("{value:.2e}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Calendar steps for a time axis, in seconds.
const TIME_STEPS: [f64; 16] = [
    1.0,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    600.0,
    1_800.0,
    3_600.0,
    3.0 * 3_600.0,
    6.0 * 3_600.0,
    12.0 * 3_600.0,
    86_400.0,
    7.0 * 86_400.0,
    30.0 * 86_400.0,
    365.0 * 86_400.0,
];

/// Grid lines at round times (whole minutes, hours, days), about six across the axis.
#[allow(clippy::needless_pass_by_value)] // the signature egui_plot's grid spacers have
fn time_grid(input: GridInput) -> Vec<GridMark> {
    let (min, max) = input.bounds;
    let span = (max - min).max(1.0);
    let mut step = TIME_STEPS
        .iter()
        .copied()
        .find(|step| span / step <= 6.0)
        .unwrap_or(TIME_STEPS[TIME_STEPS.len() - 1]);
    // Zoomed out past years: decades, centuries... never more than a few marks.
    while span / step > 6.0 {
        step *= 10.0;
    }
    let first = (min / step).ceil() as i64;
    let last = (max / step).floor() as i64;
    (first..=last)
        .map(|i| GridMark {
            value: i as f64 * step,
            step_size: step,
        })
        .collect()
}

/// A time label as precise as the grid step.
fn format_time(seconds: f64, step: f64) -> String {
    let format = if step < 60.0 {
        "%H:%M:%S"
    } else if step < 86_400.0 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    chrono::DateTime::from_timestamp(seconds.floor() as i64, 0)
        .map(|t| t.format(format).to_string())
        .unwrap_or_default()
}
