//! A line or area chart's insights: the forecast after the last point as a dashed line in the
//! series' colour over a shaded band, and anomalous points ringed in red; what hovering them
//! says.

use egui::Color32;
use egui_plot::{FilledArea, Line, LineStyle, MarkerShape, PlotPoints, PlotUi, Points};

use super::palette::series_color;
use crate::insights::{AnomalyPoint, ForecastPoint, Insights};
use crate::model::dashboard::Visual;
use crate::series::visual::XyData;

/// The ring around an anomalous point.
pub const ANOMALY_RING: Color32 = Color32::from_rgb(0xd6, 0x27, 0x28);

/// The index of the series a point belongs to (the only one when it names none).
fn series_index(data: &XyData, name: Option<&String>) -> Option<usize> {
    match name {
        None => (!data.series.is_empty()).then_some(0),
        Some(name) => data.series.iter().position(|s| &s.name == name),
    }
}

/// The forecast's points per series index, in x order.
fn forecasts<'a>(data: &XyData, insights: &'a Insights) -> Vec<(usize, Vec<&'a ForecastPoint>)> {
    let mut per_series: Vec<(usize, Vec<&ForecastPoint>)> = Vec::new();
    for point in insights.forecast.iter().flatten() {
        let Some(index) = series_index(data, point.series.as_ref()) else {
            continue;
        };
        match per_series.iter_mut().find(|(i, _)| *i == index) {
            Some((_, points)) => points.push(point),
            None => per_series.push((index, vec![point])),
        }
    }
    per_series
}

/// The last x a forecast reaches, to widen the x axis to.
pub fn forecast_end(insights: &Insights) -> Option<f64> {
    insights
        .forecast
        .iter()
        .flatten()
        .map(|p| p.x)
        .max_by(f64::total_cmp)
}

/// Draws the forecast bands and lines, then the anomaly rings; a right-axis series' values are
/// drawn times `right_scale`, as its line is.
pub fn draw(
    plot_ui: &mut PlotUi<'_>,
    visual: &Visual,
    data: &XyData,
    insights: &Insights,
    right_scale: Option<f64>,
) {
    let scale_of = |index: usize| match (&data.series[index], right_scale) {
        (series, Some(scale)) if series.right_axis => scale,
        _ => 1.0,
    };
    for (index, points) in forecasts(data, insights) {
        let color = series_color(visual, index);
        let series = &data.series[index];
        let scale = scale_of(index);
        // The line starts at the series' last point, so it reads as its continuation.
        let last = (0..series.xs.len())
            .rev()
            .find_map(|i| series.value(i).map(|v| [series.xs[i], v * scale]));
        let mut xs: Vec<f64> = last.map(|[x, _]| x).into_iter().collect();
        let mut lower: Vec<f64> = last.map(|[_, y]| y).into_iter().collect();
        let mut upper = lower.clone();
        for point in &points {
            xs.push(point.x);
            lower.push(point.lower * scale);
            upper.push(point.upper * scale);
        }
        plot_ui.add(
            FilledArea::new(
                format!("{} forecast band", series.name),
                &xs,
                &lower,
                &upper,
            )
            .fill_color(color.gamma_multiply(0.22))
            .allow_hover(false),
        );
        let mut line: Vec<[f64; 2]> = last.into_iter().collect();
        line.extend(points.iter().map(|p| [p.x, p.value * scale]));
        plot_ui.line(
            Line::new(format!("{} forecast", series.name), PlotPoints::from(line))
                .color(color)
                .width(1.6)
                .style(LineStyle::dashed_dense())
                .allow_hover(false),
        );
    }
    let rings = ring_points(data, insights, right_scale);
    if !rings.is_empty() {
        plot_ui.points(
            Points::new("anomaly", rings)
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(5.5)
                .color(ANOMALY_RING)
                .allow_hover(false),
        );
    }
}

/// Where the anomaly rings go in the plot: on their series' line, a right-axis series' values
/// times `right_scale`.
fn ring_points(data: &XyData, insights: &Insights, right_scale: Option<f64>) -> Vec<[f64; 2]> {
    insights
        .anomalies
        .iter()
        .flatten()
        .map(|a| {
            let on_right = series_index(data, a.series.as_ref())
                .is_some_and(|index| data.series[index].right_axis);
            let scale = if on_right {
                right_scale.unwrap_or(1.0)
            } else {
                1.0
            };
            [a.x, a.value * scale]
        })
        .collect()
}

/// What the tooltip adds at `x`: the anomalies there (value, expected value and band) and the
/// forecast there (value and band), each as a line of text written with `value`.
pub fn hover_lines(
    insights: &Insights,
    x: f64,
    tolerance: f64,
    value: &dyn Fn(f64) -> String,
) -> Vec<String> {
    let near = |at: f64| (at - x).abs() <= tolerance;
    let named = |series: &Option<String>| {
        series
            .as_ref()
            .map_or_else(String::new, |s| format!("{s}: "))
    };
    let anomalies = insights
        .anomalies
        .iter()
        .flatten()
        .filter(|a| near(a.x))
        .map(|a: &AnomalyPoint| {
            format!(
                "⚠ {}anomalous: {}, expected {} ({} – {})",
                named(&a.series),
                value(a.value),
                value(a.expected),
                value(a.lower),
                value(a.upper)
            )
        });
    let forecast = insights
        .forecast
        .iter()
        .flatten()
        .filter(|p| near(p.x))
        .map(|p| {
            format!(
                "{}forecast {} ({} – {})",
                named(&p.series),
                value(p.value),
                value(p.lower),
                value(p.upper)
            )
        });
    anomalies.chain(forecast).collect()
}

/// The nearest forecast x to `x` within `tolerance`, where the series have no point.
pub fn forecast_x_near(insights: &Insights, x: f64, tolerance: f64) -> Option<f64> {
    insights
        .forecast
        .iter()
        .flatten()
        .map(|p| p.x)
        .filter(|at| (at - x).abs() <= tolerance)
        .min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()))
}

/// The line under a chart with insights: "Forecast 24h ahead (95% band) · 2 anomalies (99%
/// band)", and why something asked for is missing.
pub fn caption(visual: &Visual, insights: &Insights) -> String {
    let mut parts = Vec::new();
    if let (Some(points), Some(ahead)) = (&insights.forecast, &visual.forecast)
        && !points.is_empty()
    {
        parts.push(format!(
            "Forecast {ahead} ahead ({:.0}% band, dashed)",
            visual.forecast_level() * 100.0
        ));
    }
    if let Some(found) = &insights.anomalies
        && !insights.models.is_empty()
    {
        let level = visual.anomaly_level() * 100.0;
        parts.push(match found.len() {
            0 => format!("no anomalies ({level:.0}% band)"),
            1 => format!("1 anomaly, ringed ({level:.0}% band)"),
            n => format!("{n} anomalies, ringed ({level:.0}% band)"),
        });
    }
    parts.extend(insights.notes.iter().map(|note| format!("ℹ {note}")));
    parts.join(" · ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::series::visual::{XKind, XySeries};

    #[test]
    fn a_right_axis_series_gets_its_rings_on_its_own_line() {
        let series = |name: &str, right_axis: bool| XySeries {
            name: name.into(),
            xs: vec![0.0, 1.0],
            ys: vec![Some(0.1), Some(9.0)],
            base: None,
            right_axis,
        };
        let data = XyData {
            x_name: "hour".into(),
            x_kind: XKind::Time,
            categories: Vec::new(),
            series: vec![series("score", false), series("flagged", true)],
            y_extents: [None, None],
            note: None,
        };
        let ring = |name: &str, value: f64| AnomalyPoint {
            x: 1.0,
            series: Some(name.into()),
            value,
            expected: 0.0,
            lower: 0.0,
            upper: 0.0,
        };
        let insights = Insights {
            anomalies: Some(vec![ring("score", 0.3), ring("flagged", 9.0)]),
            ..Insights::default()
        };
        // The right axis reads 0-12 where the left reads 0-0.3: its values are drawn × 0.025.
        let rings = ring_points(&data, &insights, Some(0.025));
        assert_eq!(rings, vec![[1.0, 0.3], [1.0, 9.0 * 0.025]]);
    }
}
