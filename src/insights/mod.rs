//! Insights on a line or area visual's series: a forecast band after the last point
//! (`forecast`), and the points that fall outside the band the series' own model expects
//! (`anomalies`). Each series gets its own model ([`model`]); pure computation on prepared data,
//! shared by the window, `dashboard data`, images and alerts.

pub mod model;

use crate::model::dashboard::Visual;
use crate::series::visual::{XKind, XyData};

use model::{Grid, NotFitted};

/// The most points a forecast draws ahead (a horizon far longer than the step is cut).
pub const MAX_HORIZON_POINTS: usize = 5_000;

/// One forecast point of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastPoint {
    /// Its x (seconds since the epoch on a time axis).
    pub x: f64,
    /// The series' name, when the visual draws more than one.
    pub series: Option<String>,
    /// The expected value.
    pub value: f64,
    /// The band's low end.
    pub lower: f64,
    /// The band's high end.
    pub upper: f64,
}

/// One point outside its expected band.
#[derive(Clone, Debug, PartialEq)]
pub struct AnomalyPoint {
    /// Its x (seconds since the epoch on a time axis).
    pub x: f64,
    /// The series' name, when the visual draws more than one.
    pub series: Option<String>,
    /// The value read.
    pub value: f64,
    /// What the model expected there.
    pub expected: f64,
    /// The band's low end.
    pub lower: f64,
    /// The band's high end.
    pub upper: f64,
}

/// What a visual's insight keys found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Insights {
    /// Forecast points (`None`: not asked for).
    pub forecast: Option<Vec<ForecastPoint>>,
    /// Anomalous points (`None`: not asked for).
    pub anomalies: Option<Vec<AnomalyPoint>>,
    /// Why something asked for is not shown ("no forecast: 8 points, at least 48 needed").
    pub notes: Vec<String>,
    /// How each series was modelled, for the tile's tooltip.
    pub models: Vec<String>,
    /// The visual's insight keys these were found for (the window refits when they change).
    pub asked: Option<String>,
}

/// The insights `visual` asks for, on its prepared line or area `data`.
pub fn for_visual(visual: &Visual, data: &XyData) -> Insights {
    let mut found = Insights {
        forecast: visual.forecast.is_some().then(Vec::new),
        anomalies: visual.anomalies.then(Vec::new),
        ..Insights::default()
    };
    // Nothing drawn, nothing to say (the tile says there is no data).
    if !visual.fits_a_model() || data.series.iter().all(|s| s.xs.is_empty()) {
        return found;
    }
    if !matches!(data.x_kind, XKind::Time | XKind::Date) {
        found
            .notes
            .push("no forecast or anomalies: the x axis is not time".to_owned());
        return found;
    }
    // Named when the visual draws more than one series (`series`, or several value columns).
    let named = visual.series.is_some() || data.series.len() > 1;
    for series in &data.series {
        let points: Vec<(f64, f64)> = (0..series.xs.len())
            .filter_map(|i| series.value(i).map(|v| (series.xs[i], v)))
            .collect();
        let name = named.then(|| series.name.clone());
        let label = |what: &str| match &name {
            Some(name) => format!("{what} for {name}"),
            None => what.to_owned(),
        };
        let fitted = Grid::of(&points)
            .ok_or(NotFitted::TooShort {
                points: points.len(),
                needed: model::MIN_POINTS,
            })
            .and_then(|grid| model::fit(&grid).map(|fitted| (grid, fitted)));
        let (grid, fitted) = match fitted {
            Ok(found) => found,
            Err(why) => {
                if found.forecast.is_some() {
                    found.notes.push(format!("{}: {why}", label("no forecast")));
                }
                if found.anomalies.is_some() {
                    found
                        .notes
                        .push(format!("{}: {why}", label("no anomalies")));
                }
                continue;
            }
        };
        let (cleaned, fitted) = without_outliers(&grid, fitted, visual.anomaly_level());
        found.models.push(match &name {
            Some(name) => format!("{name}: {}", fitted.description),
            None => fitted.description.clone(),
        });
        // The model's own values over the history (the anomalies' band), and the spread of what
        // it leaves unexplained, robust to the anomalies themselves: its own intervals miss the
        // seasonal part's error and come out too narrow.
        let in_sample_fit = fitted.in_sample(visual.anomaly_level());
        let in_sample = in_sample_fit
            .as_ref()
            .ok()
            .and_then(|fit| residual_sigma(&cleaned, fit));
        let spread = Spread {
            in_sample,
            held_out: held_out_sigma(&cleaned),
        };
        if let (Some(out), Some(horizon)) = (&mut found.forecast, visual.forecast_horizon()) {
            let steps =
                ((horizon.as_secs_f64() / grid.step).ceil() as usize).clamp(1, MAX_HORIZON_POINTS);
            match fitted.forecast(steps, visual.forecast_level()) {
                Ok(mut predicted) => {
                    widen(&mut predicted, spread, visual.forecast_level());
                    out.extend(
                        forecast_points(&grid, &predicted, name.as_ref())
                            .into_iter()
                            .map(|point| never_negative(&grid, point)),
                    );
                }
                Err(why) => found.notes.push(format!("{}: {why}", label("no forecast"))),
            }
        }
        if let Some(out) = &mut found.anomalies {
            match in_sample_fit {
                Ok(mut expected) => {
                    widen(&mut expected, spread, visual.anomaly_level());
                    out.extend(
                        anomalous_points(&grid, &expected, name.as_ref())
                            .into_iter()
                            .map(|mut point| {
                                if never_below_zero(&grid) {
                                    point.expected = point.expected.max(0.0);
                                    point.lower = point.lower.max(0.0);
                                }
                                point
                            }),
                    );
                }
                Err(why) => found
                    .notes
                    .push(format!("{}: {why}", label("no anomalies"))),
            }
        }
    }
    found
}

/// Whether no value of `grid` is below zero (a count, a rate, revenue): its bands stop at zero.
fn never_below_zero(grid: &Grid) -> bool {
    grid.values.iter().all(|v| *v >= 0.0)
}

/// `point` with its value and band cut at zero when the history never went below it.
fn never_negative(grid: &Grid, mut point: ForecastPoint) -> ForecastPoint {
    if never_below_zero(grid) {
        point.value = point.value.max(0.0);
        point.lower = point.lower.max(0.0);
        point.upper = point.upper.max(0.0);
    }
    point
}

/// The forecast after `grid`'s last point, as points.
fn forecast_points(
    grid: &Grid,
    predicted: &augurs::Forecast,
    series: Option<&String>,
) -> Vec<ForecastPoint> {
    let last = grid.values.len() - 1;
    predicted
        .point
        .iter()
        .enumerate()
        .filter_map(|(i, &value)| {
            let (lower, upper) = band(predicted, i, value);
            value.is_finite().then(|| ForecastPoint {
                x: grid.x(last + 1 + i),
                series: series.cloned(),
                value,
                lower,
                upper,
            })
        })
        .collect()
}

/// A model that does not follow the anomalies in `grid`. A model fitted to a spike carries it
/// into the next hours (which then look anomalous themselves) and into its forecast's band; so
/// the points outside the first fit's band at `level` are replaced by straight lines between
/// their neighbours and the model fitted again, once. Returns the history it was fitted to.
fn without_outliers(grid: &Grid, fitted: model::Fitted, level: f64) -> (Grid, model::Fitted) {
    let Ok(mut expected) = fitted.in_sample(level) else {
        return (grid.clone(), fitted);
    };
    let spread = Spread {
        in_sample: residual_sigma(grid, &expected),
        held_out: None,
    };
    widen(&mut expected, spread, level);
    let outliers = outside_band(grid, &expected);
    if outliers.is_empty() {
        return (grid.clone(), fitted);
    }
    let mut cleaned = grid.clone();
    for &i in &outliers {
        cleaned.values[i] = f64::NAN;
    }
    model::fill_gaps(&mut cleaned.values);
    match model::fit(&cleaned) {
        Ok(refitted) => (cleaned, refitted),
        Err(_) => (grid.clone(), fitted),
    }
}

/// The observed points of `grid` outside `expected`'s band.
fn outside_band(grid: &Grid, expected: &augurs::Forecast) -> Vec<usize> {
    (0..grid.values.len().min(expected.point.len()))
        .filter(|&i| grid.observed[i])
        .filter(|&i| {
            let (lower, upper) = band(expected, i, expected.point[i]);
            let value = grid.values[i];
            lower.is_finite() && upper.is_finite() && (value < lower || value > upper)
        })
        .collect()
}

/// The observed points of `grid` outside their in-sample band.
fn anomalous_points(
    grid: &Grid,
    expected: &augurs::Forecast,
    series: Option<&String>,
) -> Vec<AnomalyPoint> {
    outside_band(grid, expected)
        .into_iter()
        .map(|i| {
            let fitted = expected.point[i];
            let (lower, upper) = band(expected, i, fitted);
            AnomalyPoint {
                x: grid.x(i),
                series: series.cloned(),
                value: grid.values[i],
                expected: fitted,
                lower,
                upper,
            }
        })
        .collect()
}

/// The robust standard deviation (1.4826 × the median absolute deviation) of the observed
/// points' residuals from the model's in-sample values.
fn residual_sigma(grid: &Grid, fit: &augurs::Forecast) -> Option<f64> {
    let mut residuals: Vec<f64> = (0..grid.values.len().min(fit.point.len()))
        .filter(|&i| grid.observed[i])
        .map(|i| grid.values[i] - fit.point[i])
        .filter(|r| r.is_finite())
        .collect();
    if residuals.len() < model::MIN_POINTS {
        return None;
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let center = median(&mut residuals);
    let mut deviations: Vec<f64> = residuals.iter().map(|r| (r - center).abs()).collect();
    Some(1.482_6 * median(&mut deviations)).filter(|s| s.is_finite() && *s > 0.0)
}

/// The robust spread of the errors a model makes on points it has not seen: fitted on all but
/// the last period (or tenth) of `grid`, forecasting those. `None` when too short to hold any
/// back.
fn held_out_sigma(grid: &Grid) -> Option<(f64, usize)> {
    let n = grid.values.len();
    let held = model::natural_periods(grid.step)
        .first()
        .map_or(n / 10, |(period, _)| *period)
        .max(model::MIN_POINTS);
    let history = Grid {
        values: grid.values[..n.checked_sub(held)?].to_vec(),
        observed: grid.observed[..n - held].to_vec(),
        ..grid.clone()
    };
    let fitted = model::fit(&history).ok()?;
    let predicted = fitted.forecast(held, 0.95).ok()?;
    let errors = Grid {
        values: grid.values[n - held..].to_vec(),
        observed: grid.observed[n - held..].to_vec(),
        ..grid.clone()
    };
    residual_sigma(&errors, &predicted).map(|sigma| (sigma, held))
}

/// How widely the model errs: on the points it was fitted to, and on points held out from it
/// (with how many, for the small-sample quantile).
#[derive(Clone, Copy)]
struct Spread {
    in_sample: Option<f64>,
    held_out: Option<(f64, usize)>,
}

impl Spread {
    /// The half-width of a band at `level`: the normal quantile of the in-sample spread, or
    /// Student's t quantile (degrees of freedom: points held out − 1) of the held-out spread,
    /// whichever is wider.
    fn half_width(self, level: f64) -> Option<f64> {
        let p = 0.5 + level / 2.0;
        let in_sample = self
            .in_sample
            .map(|sigma| distrs::Normal::ppf(p, 0.0, 1.0) * sigma);
        let held_out = self.held_out.map(|(sigma, n)| {
            let df = n.saturating_sub(1).max(1) as f64;
            distrs::StudentsT::ppf(p, df) * sigma
        });
        match (in_sample, held_out) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Widens `forecast`'s band to at least ± `spread`'s half-width at `level` around each point.
fn widen(forecast: &mut augurs::Forecast, spread: Spread, level: f64) {
    let Some(half) = spread.half_width(level) else {
        return;
    };
    let points = forecast.point.clone();
    let bands = forecast
        .intervals
        .get_or_insert_with(|| augurs::ForecastIntervals {
            level,
            lower: points.clone(),
            upper: points.clone(),
        });
    for (i, point) in points.iter().enumerate() {
        if let Some(lower) = bands.lower.get_mut(i) {
            *lower = lower.min(point - half);
        }
        if let Some(upper) = bands.upper.get_mut(i) {
            *upper = upper.max(point + half);
        }
    }
}

/// The band at point `i` (the point itself when the model gave none).
fn band(forecast: &augurs::Forecast, i: usize, point: f64) -> (f64, f64) {
    forecast.intervals.as_ref().map_or((point, point), |bands| {
        (
            bands.lower.get(i).copied().unwrap_or(point),
            bands.upper.get(i).copied().unwrap_or(point),
        )
    })
}

#[cfg(test)]
mod tests;
