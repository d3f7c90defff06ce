//! One series' model: the series put on a regular grid, its seasonal periods found from its step,
//! and an MSTL decomposition with an `AutoETS` trend (plain `AutoETS` when no period fits), from
//! `augurs`. What forecasts and anomalies are read from.

use std::fmt::Write as _;

use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Forecast, Predict};

/// Points a model needs at the least, whatever its periods.
pub const MIN_POINTS: usize = 10;

/// The longest grid a series is put on (a series with a step much finer than its span is
/// refused rather than interpolated into millions of points).
const MAX_GRID: usize = 100_000;

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// A series on a regular grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The first point's x (seconds).
    pub start: f64,
    /// The step between points (seconds).
    pub step: f64,
    /// One value per step; missing steps interpolated.
    pub values: Vec<f64>,
    /// Whether each value was read (not interpolated).
    pub observed: Vec<bool>,
}

impl Grid {
    /// The x of point `i`.
    pub fn x(&self, i: usize) -> f64 {
        self.start + self.step * i as f64
    }

    /// `points` (x in seconds, ascending or not) on a grid of their median step; `None` when
    /// fewer than two distinct points, or a grid too long.
    pub fn of(points: &[(f64, f64)]) -> Option<Self> {
        let mut points: Vec<(f64, f64)> = points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points.dedup_by(|b, a| a.0.total_cmp(&b.0).is_eq());
        let mut steps: Vec<f64> = points.windows(2).map(|w| w[1].0 - w[0].0).collect();
        if steps.is_empty() {
            return None;
        }
        steps.sort_by(f64::total_cmp);
        let step = steps[steps.len() / 2];
        let (start, end) = (points[0].0, points[points.len() - 1].0);
        let len = ((end - start) / step).round() as usize + 1;
        if step.is_nan() || step <= 0.0 || len > MAX_GRID {
            return None;
        }
        let mut values = vec![f64::NAN; len];
        let mut observed = vec![false; len];
        for &(x, y) in &points {
            let i = (((x - start) / step).round() as usize).min(len - 1);
            values[i] = y;
            observed[i] = true;
        }
        fill_gaps(&mut values);
        Some(Self {
            start,
            step,
            values,
            observed,
        })
    }
}

/// Replaces NaN runs by straight lines between their neighbours (the ends by the nearest value).
pub(super) fn fill_gaps(values: &mut [f64]) {
    let known: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    let (Some(&first), Some(&last)) = (known.first(), known.last()) else {
        return;
    };
    for i in 0..first {
        values[i] = values[first];
    }
    for i in last + 1..values.len() {
        values[i] = values[last];
    }
    for pair in known.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        for i in a + 1..b {
            let t = (i - a) as f64 / (b - a) as f64;
            values[i] = values[a] + t * (values[b] - values[a]);
        }
    }
}

/// The seasonal periods a step suggests, in points: a day and a week for steps that divide a
/// day, a week for daily data, none otherwise.
pub fn natural_periods(step: f64) -> Vec<(usize, &'static str)> {
    let per_day = DAY / step;
    if step < DAY && (per_day - per_day.round()).abs() < 1e-9 && per_day.round() >= 2.0 {
        let daily = per_day.round() as usize;
        vec![(daily, "daily"), (daily * 7, "weekly")]
    } else if (step - DAY).abs() < 1e-9 {
        vec![(7, "weekly")]
    } else {
        Vec::new()
    }
}

/// A fitted series: what it can predict, and how it was modelled.
pub struct Fitted {
    model: Box<dyn PredictDyn>,
    /// "MSTL (daily, weekly) + `AutoETS`", and what was left out.
    pub description: String,
}

/// Why a series was not modelled.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NotFitted {
    /// Too little history.
    #[error("{points} points, at least {needed} needed")]
    TooShort {
        /// Points it has.
        points: usize,
        /// Points a model needs.
        needed: usize,
    },
    /// The model could not be fitted.
    #[error("the model could not be fitted: {0}")]
    Failed(String),
}

/// The points `grid` needs: ten, and two of its shortest natural period.
pub fn points_needed(grid: &Grid) -> usize {
    natural_periods(grid.step)
        .first()
        .map_or(MIN_POINTS, |(period, _)| (2 * period).max(MIN_POINTS))
}

/// Fits a model to `grid`: MSTL over every natural period the history covers twice, with an
/// `AutoETS` trend; plain `AutoETS` when no period applies.
pub fn fit(grid: &Grid) -> Result<Fitted, NotFitted> {
    let n = grid.values.len();
    let needed = points_needed(grid);
    if n < needed {
        return Err(NotFitted::TooShort { points: n, needed });
    }
    let natural = natural_periods(grid.step);
    let (used, left_out): (Vec<_>, Vec<_>) =
        natural.iter().partition(|(period, _)| 2 * period <= n);
    let failed = |e: &dyn std::fmt::Display| NotFitted::Failed(e.to_string());
    let (model, mut description): (Box<dyn PredictDyn>, String) = if used.is_empty() {
        let fitted = AutoETS::non_seasonal()
            .fit(&grid.values)
            .map_err(|e| failed(&e))?;
        (Box::new(fitted), "AutoETS, no seasonality".to_owned())
    } else {
        let periods: Vec<usize> = used.iter().map(|(p, _)| *p).collect();
        let names: Vec<&str> = used.iter().map(|(_, name)| *name).collect();
        let fitted = MSTLModel::new(periods, AutoETS::non_seasonal().into_trend_model())
            .fit(&grid.values)
            .map_err(|e| failed(&e))?;
        (
            Box::new(fitted),
            format!("MSTL ({} seasonality) + AutoETS trend", names.join(", ")),
        )
    };
    for (period, name) in left_out {
        let _ = write!(
            description,
            "; no {name} seasonality: {n} points, {} needed",
            2 * period
        );
    }
    Ok(Fitted { model, description })
}

impl Fitted {
    /// The next `horizon` points with a band at `level`.
    pub fn forecast(&self, horizon: usize, level: f64) -> Result<Forecast, NotFitted> {
        self.model.predict_dyn(Some(horizon), level)
    }

    /// The model's own value at every point it was fitted to, with a band at `level`.
    pub fn in_sample(&self, level: f64) -> Result<Forecast, NotFitted> {
        self.model.predict_dyn(None, level)
    }
}

/// [`Predict`] behind a box: MSTL and plain `AutoETS` models are different types.
trait PredictDyn: Send {
    /// Out of sample for `horizon` points, else in sample.
    fn predict_dyn(&self, horizon: Option<usize>, level: f64) -> Result<Forecast, NotFitted>;
}

impl<P: Predict + Send> PredictDyn for P {
    fn predict_dyn(&self, horizon: Option<usize>, level: f64) -> Result<Forecast, NotFitted> {
        let predicted = match horizon {
            Some(horizon) => self.predict(horizon, level),
            None => self.predict_in_sample(level),
        };
        predicted.map_err(|e| NotFitted::Failed(e.to_string()))
    }
}
