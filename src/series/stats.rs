//! What KPI and histogram visuals draw, from plain numbers: a KPI's value, its comparison with the
//! previous value (delta and percent) and its sparkline; a histogram's bins on round edges.

/// A KPI: the latest value, the one it is compared with, and the recent values for a sparkline.
#[derive(Clone, Debug, PartialEq)]
pub struct Kpi {
    /// The value shown (the last non-null value).
    pub value: Option<f64>,
    /// The value compared against (the one before it, or the previous period's).
    pub previous: Option<f64>,
    /// `value - previous`.
    pub delta: Option<f64>,
    /// The change in percent of `previous` (`None` when `previous` is zero or missing).
    pub delta_percent: Option<f64>,
    /// The non-null values, oldest first, for the sparkline.
    pub sparkline: Vec<f64>,
    /// The visual compares with the previous period, which has no value: said instead of a
    /// comparison (never a comparison with something else).
    pub previous_period_empty: bool,
}

/// What a KPI's value is compared with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Against {
    /// The value before it in the same result.
    ValueBefore,
    /// The previous period's last value (`None`: that period has none).
    PreviousPeriod(Option<f64>),
}

/// The KPI of `values` (oldest first): the last finite value against the one before it, or
/// against the previous period's when the visual compares with it (and nothing else when that
/// period has no value).
pub fn kpi(values: &[Option<f64>], against: Against) -> Kpi {
    let sparkline: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let value = sparkline.last().copied();
    let previous = match against {
        Against::PreviousPeriod(previous) => previous.filter(|p| p.is_finite()),
        Against::ValueBefore => sparkline
            .len()
            .checked_sub(2)
            .and_then(|i| sparkline.get(i).copied()),
    };
    let delta = value.zip(previous).map(|(v, p)| v - p);
    let delta_percent = delta
        .zip(previous)
        .filter(|(_, p)| *p != 0.0)
        .map(|(d, p)| d / p.abs() * 100.0);
    Kpi {
        value,
        previous,
        delta,
        delta_percent,
        sparkline,
        previous_period_empty: against == Against::PreviousPeriod(None)
            || matches!(against, Against::PreviousPeriod(Some(p)) if !p.is_finite()),
    }
}

/// One histogram bin: values in `[low, high)` (the last bin also holds `high`).
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    /// Lower edge.
    pub low: f64,
    /// Upper edge.
    pub high: f64,
    /// Values in the bin.
    pub count: u64,
}

/// About `target` bins of a round width (1, 2 or 5 times a power of ten) covering every finite
/// value; nulls, NaN and infinities are left out.
pub fn histogram(values: &[Option<f64>], target: usize) -> Vec<Bin> {
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let (Some(min), Some(max)) = (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) else {
        return Vec::new();
    };
    let width = nice_width((max - min) / target.max(1) as f64);
    // Edges are whole multiples of the width, rounded to the width's decimals, and every value is
    // placed by comparing it with them: in floating point (0.3 - 0.1) / 0.1 is 1.9999…, which
    // would put a value that sits on an edge into the bin below.
    let decimals = (-width.log10().floor()).clamp(0.0, 300.0) as i32;
    let scale = 10f64.powi(decimals);
    let edge = |k: i64| (k as f64 * width * scale).round() / scale;
    let mut first = (min / width).floor() as i64;
    if edge(first + 1) <= min {
        first += 1;
    }
    let mut last = first;
    while edge(last + 1) <= max {
        last += 1;
    }
    let bins = usize::try_from(last - first + 1).unwrap_or(1).max(1);
    let mut out: Vec<Bin> = (0..bins as i64)
        .map(|i| Bin {
            low: edge(first + i),
            high: edge(first + i + 1),
            count: 0,
        })
        .collect();
    for value in finite {
        let mut index = ((value - edge(first)) / width).floor() as i64;
        if index + 1 < bins as i64 && value >= edge(first + index + 1) {
            index += 1;
        }
        if index > 0 && value < edge(first + index) {
            index -= 1;
        }
        out[usize::try_from(index).unwrap_or(0).min(bins - 1)].count += 1;
    }
    out
}

/// The round width nearest above `raw`: 1, 2 or 5 times a power of ten (1 for nothing to span).
fn nice_width(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|w| *w >= raw)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn a_kpi_compares_its_last_value_with_the_one_before() {
        let kpi = kpi(
            &[Some(80.0), None, Some(100.0), Some(120.0), None],
            Against::ValueBefore,
        );
        assert_eq!(kpi.value, Some(120.0), "the last non-null value");
        assert_eq!(kpi.previous, Some(100.0));
        assert_eq!(kpi.delta, Some(20.0));
        assert_eq!(kpi.delta_percent, Some(20.0));
        assert_eq!(kpi.sparkline, [80.0, 100.0, 120.0]);
    }

    #[test]
    fn a_kpi_can_compare_with_the_previous_period_and_survives_zero() {
        let against = kpi(&[Some(50.0)], Against::PreviousPeriod(Some(200.0)));
        assert_eq!(against.delta, Some(-150.0));
        assert_eq!(against.delta_percent, Some(-75.0));
        let from_zero = kpi(&[Some(0.0), Some(5.0)], Against::ValueBefore);
        assert_eq!(from_zero.delta, Some(5.0));
        assert_eq!(from_zero.delta_percent, None, "no percent of zero");
        assert_eq!(kpi(&[None], Against::ValueBefore).value, None);
    }

    #[test]
    fn an_empty_previous_period_is_said_never_replaced_by_the_value_before() {
        // Hourly buckets of today; yesterday (the previous period) had no rows.
        let today = kpi(&[Some(32.0), Some(33.0)], Against::PreviousPeriod(None));
        assert_eq!(today.value, Some(33.0));
        assert_eq!((today.previous, today.delta), (None, None), "not 32");
        assert!(today.previous_period_empty);
        assert!(!kpi(&[Some(1.0), Some(2.0)], Against::ValueBefore).previous_period_empty);
    }

    #[test]
    fn a_non_finite_last_value_is_dropped_as_lines_drop_it() {
        let kpi = kpi(&[Some(4.0), Some(f64::NAN)], Against::ValueBefore);
        assert_eq!((kpi.value, kpi.previous), (Some(4.0), None));
        assert_eq!(kpi.sparkline, [4.0]);
    }

    #[test]
    fn histogram_bins_have_round_edges_and_count_every_value() {
        let values: Vec<Option<f64>> = (0..=100)
            .map(|v| Some(f64::from(v)))
            .chain([None, Some(f64::NAN)])
            .collect();
        let bins = histogram(&values, 10);
        assert_eq!(bins.len(), 11, "0..10, ..., 100..110");
        assert_eq!(
            bins[0],
            Bin {
                low: 0.0,
                high: 10.0,
                count: 10
            }
        );
        assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 101);
        let shifted: Vec<Option<f64>> = (3..=103).map(|v| Some(f64::from(v))).collect();
        let shifted = histogram(&shifted, 10);
        assert_eq!(
            (shifted[0].low, shifted[0].high),
            (0.0, 10.0),
            "edges stay round"
        );
        assert_eq!(shifted[0].count, 7);
        let one_value = histogram(&[Some(3.5), Some(3.5)], 10);
        assert_eq!(one_value.iter().map(|b| b.count).sum::<u64>(), 2);
        assert!(histogram(&[None], 10).is_empty());
        assert_eq!(nice_width(0.23), 0.5);
        assert_eq!(nice_width(7.0), 10.0);
    }

    #[test]
    fn a_value_on_a_bin_edge_is_in_the_bin_it_starts() {
        // 0.1, 0.2 … 1.0 in bins of 0.1: one value each, although (0.3 - 0.1) / 0.1 < 2.
        let tenths: Vec<Option<f64>> = (1..=10).map(|i| Some(f64::from(i) / 10.0)).collect();
        let bins = histogram(&tenths, 10);
        assert_eq!(bins.len(), 10, "{bins:?}");
        assert!(bins.iter().all(|b| b.count == 1), "{bins:?}");
        assert_eq!((bins[0].low, bins[2].low, bins[9].high), (0.1, 0.3, 1.1));
        // Starting on an edge: no empty bin before the first value.
        let from_three: Vec<Option<f64>> = [0.3, 0.35, 0.4].map(Some).to_vec();
        let bins = histogram(&from_three, 2);
        assert_eq!(bins[0].low, 0.3, "{bins:?}");
        assert_eq!(bins.iter().map(|b| b.count).collect::<Vec<_>>(), [2, 1]);
    }
}
