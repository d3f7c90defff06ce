//! Forecasts and anomalies on synthetic hourly series (daily and weekly seasonality, noise,
//! injected spikes) generated with a seed.
#![allow(clippy::unwrap_used, clippy::float_cmp)]

use rand::{Rng, SeedableRng};

use super::*;
use crate::model::dashboard::{Position, VisualKind};
use crate::series::visual::XySeries;

const HOUR: f64 = 3600.0;
/// 2026-11-01T00:00:00Z.
const START: f64 = 1_793_491_200.0;

/// `hours` hourly values: a level, a daily wave, a weekend dip, noise; `spikes` added at hours.
fn hourly(hours: usize, seed: u64, spikes: &[(usize, f64)]) -> Vec<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..hours)
        .map(|h| {
            let day = (h as f64 / 24.0 * std::f64::consts::TAU).sin();
            let weekend = if (h / 24) % 7 >= 5 { -20.0 } else { 0.0 };
            let noise: f64 = rng.random_range(-3.0..3.0);
            let spike = spikes
                .iter()
                .find(|(at, _)| *at == h)
                .map_or(0.0, |(_, by)| *by);
            100.0 + 30.0 * day + weekend + noise + spike
        })
        .collect()
}

fn data(values: &[f64]) -> XyData {
    XyData {
        x_name: "hour".into(),
        x_kind: XKind::Time,
        categories: Vec::new(),
        series: vec![XySeries {
            name: "n".into(),
            xs: (0..values.len()).map(|i| START + i as f64 * HOUR).collect(),
            ys: values.iter().copied().map(Some).collect(),
            base: None,
            right_axis: false,
        }],
        y_extents: [None, None],
        note: None,
    }
}

fn visual(forecast: Option<&str>, anomalies: bool) -> Visual {
    let mut visual = Visual::new("v", VisualKind::Line, Position::from([0, 0, 6, 4]));
    visual.forecast = forecast.map(str::to_owned);
    visual.anomalies = anomalies;
    visual
}

fn mape(actual: &[f64], predicted: &[f64]) -> f64 {
    actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| ((a - p) / a).abs())
        .sum::<f64>()
        / actual.len() as f64
}

#[test]
fn a_forecast_beats_yesterdays_same_hour_and_starts_after_the_last_point() {
    let series = hourly(15 * 24, 7, &[]);
    let (history, held_out) = series.split_at(14 * 24);
    let found = for_visual(&visual(Some("24h"), false), &data(history));
    let forecast = found.forecast.unwrap();
    assert_eq!(forecast.len(), 24, "{:?}", found.notes);
    assert_eq!(forecast[0].x, START + history.len() as f64 * HOUR);
    assert!(
        forecast
            .iter()
            .all(|p| p.lower <= p.value && p.value <= p.upper)
    );
    let model = mape(
        held_out,
        &forecast.iter().map(|p| p.value).collect::<Vec<_>>(),
    );
    let naive = mape(held_out, &history[history.len() - 24..]);
    assert!(
        model < naive,
        "model MAPE {model:.4} against seasonal naive {naive:.4}"
    );
    assert!(
        found.models[0].contains("daily, weekly"),
        "{:?}",
        found.models
    );
}

#[test]
fn too_little_history_gives_a_note_not_a_forecast() {
    let found = for_visual(&visual(Some("24h"), true), &data(&hourly(8, 1, &[])));
    assert_eq!(found.forecast, Some(Vec::new()));
    assert_eq!(found.anomalies, Some(Vec::new()));
    assert_eq!(
        found.notes,
        [
            "no forecast: 8 points, at least 48 needed",
            "no anomalies: 8 points, at least 48 needed"
        ]
    );
}

#[test]
fn injected_spikes_and_dips_are_found_and_little_else() {
    let spikes = [(100, 80.0), (200, -70.0), (290, 90.0)];
    let found = for_visual(&visual(None, true), &data(&hourly(14 * 24, 3, &spikes)));
    let flagged: Vec<usize> = found
        .anomalies
        .unwrap()
        .iter()
        .map(|a| ((a.x - START) / HOUR).round() as usize)
        .collect();
    for (at, _) in spikes {
        assert!(flagged.contains(&at), "hour {at} not flagged: {flagged:?}");
    }
    assert!(flagged.len() <= 8, "too many flagged: {flagged:?}");
}
