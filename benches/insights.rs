//! Insights, measured: forecasts against the seasonal-naive forecast (yesterday's same hour) on
//! synthetic hourly series, their intervals' coverage against the nominal level, anomaly
//! precision and recall on injected spikes, dips and level shifts, what the bundled dashboards
//! flag on the sample lake, and fit times. `cargo bench --bench insights`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use lakesight::engine::dashboard::{MAX_VISUAL_ROWS, bound_params, run_visual};
use lakesight::engine::{Engine, EngineOptions, TimeWindow};
use lakesight::insights::for_visual;
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::bundled::bundled;
use lakesight::model::dashboard::{Dashboard, Position, Visual, VisualKind};
use lakesight::series::visual::{VisualData, XKind, XyData, XySeries, prepare};
use rand::{Rng, SeedableRng};

const HOUR: f64 = 3600.0;
const START: f64 = 1_793_491_200.0;
const SEEDS: u64 = 20;

/// An injected anomaly: a spike or dip of one hour, or a level shift of three.
#[derive(Clone, Copy)]
enum Injected {
    Spike(usize, f64),
    Shift(usize, f64),
}

/// `hours` of a level, a daily wave, a weekday/weekend pattern and Gaussian-ish noise; the
/// anomalous hours injected.
fn series(hours: usize, seed: u64, injected: &[Injected]) -> (Vec<f64>, Vec<usize>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut anomalous = Vec::new();
    let values = (0..hours)
        .map(|h| {
            let day = (h as f64 / 24.0 * std::f64::consts::TAU).sin();
            let weekend = if (h / 24) % 7 >= 5 { -25.0 } else { 0.0 };
            let noise: f64 = (0..4).map(|_| rng.random_range(-2.5..2.5)).sum();
            let mut bump = 0.0;
            for inject in injected {
                match *inject {
                    Injected::Spike(at, by) if at == h => bump += by,
                    Injected::Shift(at, by) if (at..at + 3).contains(&h) => bump += by,
                    _ => {}
                }
            }
            if bump != 0.0 {
                anomalous.push(h);
            }
            200.0 + 40.0 * day + weekend + noise + bump
        })
        .collect();
    (values, anomalous)
}

fn xy(values: &[f64]) -> XyData {
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

fn line(forecast: Option<&str>, anomalies: bool) -> Visual {
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
        * 100.0
}

fn forecasts() {
    println!("## Forecast: 14 days of hourly history, the next day held out ({SEEDS} seeds)");
    let (mut model, mut naive, mut inside, mut points, mut wins) = (0.0, 0.0, 0usize, 0usize, 0);
    for seed in 0..SEEDS {
        let (values, _) = series(15 * 24, seed, &[]);
        let (history, held) = values.split_at(14 * 24);
        let found = for_visual(&line(Some("24h"), false), &xy(history));
        let forecast = found.forecast.unwrap_or_default();
        let predicted: Vec<f64> = forecast.iter().map(|p| p.value).collect();
        let m = mape(held, &predicted);
        let n = mape(held, &history[history.len() - 24..]);
        model += m;
        naive += n;
        wins += usize::from(m < n);
        for (actual, p) in held.iter().zip(&forecast) {
            points += 1;
            inside += usize::from(p.lower <= *actual && *actual <= p.upper);
        }
    }
    let seeds = SEEDS as f64;
    println!(
        "MAPE: model {:.2}%, seasonal naive {:.2}% (model better on {wins} of {SEEDS} seeds)",
        model / seeds,
        naive / seeds
    );
    println!(
        "95% interval coverage: {:.1}% of {points} held-out hours",
        inside as f64 / points as f64 * 100.0
    );
}

fn anomalies() {
    println!("\n## Anomalies at 0.99: 14 days, 2 spikes, 1 dip, 1 three-hour level shift per seed");
    let (mut true_pos, mut flagged, mut injected_total, mut found_injected) = (0, 0, 0, 0);
    for seed in 0..SEEDS {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1000 + seed);
        let mut at = || rng.random_range(48..14 * 24 - 4);
        let injected = [
            Injected::Spike(at(), 60.0),
            Injected::Spike(at(), 45.0),
            Injected::Spike(at(), -55.0),
            Injected::Shift(at(), 35.0),
        ];
        let (values, anomalous) = series(14 * 24, seed, &injected);
        let found = for_visual(&line(None, true), &xy(&values));
        let hours: Vec<usize> = found
            .anomalies
            .unwrap_or_default()
            .iter()
            .map(|a| ((a.x - START) / HOUR).round() as usize)
            .collect();
        flagged += hours.len();
        true_pos += hours.iter().filter(|h| anomalous.contains(h)).count();
        injected_total += anomalous.len();
        found_injected += anomalous.iter().filter(|h| hours.contains(h)).count();
    }
    println!(
        "precision {:.1}% ({true_pos} of {flagged} flagged hours were injected), recall {:.1}% ({found_injected} of {injected_total} injected hours flagged)",
        true_pos as f64 / flagged.max(1) as f64 * 100.0,
        found_injected as f64 / injected_total.max(1) as f64 * 100.0
    );
}

fn fit_times() {
    println!("\n## Fit and predict time (one series, forecast 24h and anomalies)");
    for hours in [720, 8_760] {
        let (values, _) = series(hours, 1, &[]);
        let data = xy(&values);
        let visual = line(Some("24h"), true);
        let runs = if hours > 1000 { 3 } else { 10 };
        let started = Instant::now();
        let mut model = String::new();
        for _ in 0..runs {
            model = for_visual(&visual, &data).models.join("; ");
        }
        println!(
            "{hours} points: {:.1} ms ({model})",
            started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
        );
    }
}

/// The bundled dashboards' anomaly visuals on the sample lake, over its three days.
async fn sample_lake() {
    println!("\n## The sample lake (22–25 Nov), bundled dashboards");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let engine = Engine::attach(&SourceSpec::local(root), &EngineOptions::default())
        .await
        .expect("the sample lake");
    let window = TimeWindow {
        from: "2026-11-22T00:00:00Z".parse().expect("time"),
        to: "2026-11-25T00:00:00Z".parse().expect("time"),
        lateness: std::time::Duration::ZERO,
    };
    for (name, id) in [
        ("app-health", "errors_per_hour"),
        ("payments-fraud", "fraud_score_per_hour"),
    ] {
        let text = bundled(name).expect("bundled");
        let dashboard = Dashboard::parse(text).expect("valid");
        let visual = dashboard.visual(id).expect("visual");
        let params = bound_params(&dashboard, &HashMap::new());
        let run = run_visual(&engine, visual, &window, &params, MAX_VISUAL_ROWS)
            .await
            .expect("runs");
        let Ok(VisualData::Xy(data)) = prepare(visual, &run.batches, None) else {
            panic!("not a line");
        };
        let found = for_visual(visual, &data);
        let flagged: Vec<String> = found
            .anomalies
            .unwrap_or_default()
            .iter()
            .map(|a| {
                let at = chrono::DateTime::from_timestamp(a.x as i64, 0).expect("time");
                format!(
                    "{}{}",
                    at.format("%d %H:%M"),
                    a.series
                        .as_ref()
                        .map_or_else(String::new, |s| format!(" ({s})"))
                )
            })
            .collect();
        println!(
            "{name}/{id}: {} flagged: {}",
            flagged.len(),
            flagged.join(", ")
        );
    }
}

fn main() {
    forecasts();
    anomalies();
    fit_times();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(sample_lake());
}
