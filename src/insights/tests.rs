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

#[test]
fn the_hours_after_a_spike_are_not_flagged_and_the_forecast_band_stays_narrow() {
    let spikes = [(150, 120.0), (250, 110.0)];
    let with_spikes = for_visual(
        &visual(Some("24h"), true),
        &data(&hourly(14 * 24, 5, &spikes)),
    );
    let flagged: Vec<usize> = with_spikes
        .anomalies
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| ((a.x - START) / HOUR).round() as usize)
        .collect();
    // A model that followed the spike would expect the next hours high and flag them.
    for (at, _) in spikes {
        assert!(flagged.contains(&at), "hour {at} not flagged: {flagged:?}");
        for after in at + 1..=at + 3 {
            assert!(
                !flagged.contains(&after),
                "hour {after} flagged: {flagged:?}"
            );
        }
    }
    // The forecast's band is about as wide as without the spikes.
    let width = |found: &Insights| {
        let points = found.forecast.as_ref().unwrap();
        points.iter().map(|p| p.upper - p.lower).sum::<f64>() / points.len() as f64
    };
    let without = for_visual(&visual(Some("24h"), false), &data(&hourly(14 * 24, 5, &[])));
    let (band_spiked, band_clean) = (width(&with_spikes), width(&without));
    assert!(
        band_spiked < band_clean * 1.3,
        "band {band_spiked:.1} against {band_clean:.1} without spikes"
    );
}

#[test]
fn each_series_gets_its_own_model_forecast_and_anomalies() {
    let web = hourly(14 * 24, 11, &[(200, 90.0)]);
    // A series three times larger, spiking elsewhere.
    let app: Vec<f64> = hourly(14 * 24, 12, &[(120, 40.0)])
        .iter()
        .map(|v| v * 3.0)
        .collect();
    let mut two = data(&web);
    let mut second = two.series[0].clone();
    second.name = "app".into();
    second.ys = app.iter().copied().map(Some).collect();
    two.series[0].name = "web".into();
    two.series.push(second);
    let found = for_visual(&visual(Some("24h"), true), &two);
    let forecast = found.forecast.unwrap();
    let of = |name: &str| -> Vec<f64> {
        forecast
            .iter()
            .filter(|p| p.series.as_deref() == Some(name))
            .map(|p| p.value)
            .collect()
    };
    let (web_next, app_next) = (of("web"), of("app"));
    assert_eq!((web_next.len(), app_next.len()), (24, 24));
    // Each follows its own level: app's next day is about three times web's.
    let ratio = app_next.iter().sum::<f64>() / web_next.iter().sum::<f64>();
    assert!((2.7..3.3).contains(&ratio), "ratio {ratio:.2}");
    let flagged: Vec<(String, usize)> = found
        .anomalies
        .unwrap()
        .iter()
        .map(|a| {
            (
                a.series.clone().unwrap(),
                ((a.x - START) / HOUR).round() as usize,
            )
        })
        .collect();
    assert!(flagged.contains(&("web".to_owned(), 200)), "{flagged:?}");
    assert!(flagged.contains(&("app".to_owned(), 120)), "{flagged:?}");
    assert!(!flagged.contains(&("app".to_owned(), 200)), "{flagged:?}");
    assert_eq!(found.models.len(), 2);
    assert!(
        found.models[0].starts_with("web: MSTL"),
        "{:?}",
        found.models
    );
    assert!(
        found.models[1].starts_with("app: MSTL"),
        "{:?}",
        found.models
    );
}

#[test]
fn a_series_that_is_never_negative_gets_no_negative_band() {
    // An error rate near zero: the noise alone would put the band's low end below it.
    let rates: Vec<f64> = hourly(14 * 24, 21, &[])
        .iter()
        .map(|v| (v - 95.0).max(0.0) / 1000.0)
        .collect();
    let found = for_visual(&visual(Some("24h"), false), &data(&rates));
    let forecast = found.forecast.unwrap();
    assert_eq!(forecast.len(), 24);
    assert!(
        forecast.iter().all(|p| p.lower >= 0.0 && p.value >= 0.0),
        "{forecast:?}"
    );
    assert!(forecast.iter().any(|p| p.lower == 0.0), "{forecast:?}");
}

#[test]
fn a_period_the_history_does_not_cover_twice_is_left_out_and_said() {
    // Five days of hours: two days fit, two weeks do not.
    let found = for_visual(&visual(Some("24h"), false), &data(&hourly(5 * 24, 4, &[])));
    assert_eq!(found.forecast.unwrap().len(), 24, "{:?}", found.notes);
    assert_eq!(
        found.models,
        ["MSTL (daily seasonality) + AutoETS trend; no weekly seasonality: 120 points, 336 needed"]
    );
}
