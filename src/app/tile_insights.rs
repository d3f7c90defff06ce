//! A tile's forecast and anomalies, fitted off the UI thread (and off the async workers: a
//! model over a year of hours takes a while) and kept while the data stays the same, so a
//! refresh that changes nothing refits nothing.

use std::sync::Arc;

use crate::insights::{Insights, for_visual};
use crate::model::dashboard::Visual;
use crate::series::visual::VisualData;

/// `data` shared, with the insights `visual` asks for: those of `shown` (the data on screen and
/// its insights) when the data is the same and so are the keys that shaped them, else fitted
/// anew.
pub async fn insights(
    visual: &Visual,
    data: VisualData,
    shown: Option<(Arc<VisualData>, Arc<Insights>)>,
) -> (Arc<VisualData>, Option<Arc<Insights>>) {
    let data = Arc::new(data);
    if !visual.fits_a_model() {
        return (data, None);
    }
    if let Some((before, insights)) = shown
        && *before == *data
        && insights.asked == Some(asked(visual))
    {
        return (data, Some(insights));
    }
    let (visual, fitting) = (visual.clone(), Arc::clone(&data));
    let fitted = crate::jobs::Jobs::off_thread(move || {
        let VisualData::Xy(xy) = fitting.as_ref() else {
            return None;
        };
        let mut found = for_visual(&visual, xy);
        found.asked = Some(asked(&visual));
        Some(Arc::new(found))
    })
    .await
    .flatten();
    (data, fitted)
}

/// The keys a visual's insights depend on, as text.
fn asked(visual: &Visual) -> String {
    format!(
        "{:?} {:?} {} {:?}",
        visual.forecast, visual.forecast_level, visual.anomalies, visual.anomaly_level
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::dashboard::{Position, VisualKind};
    use crate::series::visual::{XKind, XyData, XySeries};

    fn hours(values: impl Iterator<Item = f64>) -> VisualData {
        let ys: Vec<Option<f64>> = values.map(Some).collect();
        VisualData::Xy(XyData {
            x_name: "hour".into(),
            x_kind: XKind::Time,
            categories: Vec::new(),
            series: vec![XySeries {
                name: "n".into(),
                xs: (0..ys.len())
                    .map(|i| 1_795_000_000.0 + 3600.0 * i as f64)
                    .collect(),
                ys,
                base: None,
                right_axis: false,
            }],
            y_extents: [None, None],
            note: None,
        })
    }

    #[test]
    fn a_refresh_with_the_same_data_refits_nothing() {
        crate::jobs::runtime::build_runtime()
            .unwrap()
            .block_on(same_data_refits_nothing());
    }

    async fn same_data_refits_nothing() {
        let mut visual = Visual::new("v", VisualKind::Line, Position::from([0, 0, 6, 4]));
        visual.forecast = Some("6h".into());
        let wave = || (0..96).map(|h| 10.0 + (f64::from(h) / 24.0 * std::f64::consts::TAU).sin());
        let (shown, first) = insights(&visual, hours(wave()), None).await;
        let first = first.unwrap();
        let (_, again) =
            insights(&visual, hours(wave()), Some((shown.clone(), first.clone()))).await;
        assert!(
            Arc::ptr_eq(&first, &again.unwrap()),
            "the same data kept its fit"
        );
        let (_, changed) = insights(
            &visual,
            hours(wave().map(|v| v * 2.0)),
            Some((shown.clone(), first.clone())),
        )
        .await;
        assert!(
            !Arc::ptr_eq(&first, &changed.unwrap()),
            "new data is fitted anew"
        );
        visual.forecast = Some("12h".into());
        let (_, longer) = insights(&visual, hours(wave()), Some((shown, first.clone()))).await;
        assert_eq!(longer.unwrap().forecast.as_ref().map(Vec::len), Some(12));
    }
}
