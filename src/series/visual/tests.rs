#![allow(clippy::unwrap_used, clippy::float_cmp)]

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};

use super::*;
use crate::model::dashboard::{Compare, Gaps, Position};

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

fn text(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn floats(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

fn times(seconds: &[i64]) -> ArrayRef {
    Arc::new(TimestampSecondArray::from(seconds.to_vec()))
}

fn visual(kind: VisualKind, x: Option<&str>, y: &[&str]) -> Visual {
    let mut visual = Visual::new("v", kind, Position::from([0, 0, 4, 4]));
    visual.x = x.map(str::to_owned);
    visual.y = y.iter().map(|s| (*s).to_owned()).collect();
    visual
}

fn xy(data: VisualData) -> XyData {
    match data {
        VisualData::Xy(xy) => xy,
        other => panic!("not xy: {other:?}"),
    }
}

#[test]
fn a_series_column_pivots_long_results_into_one_line_per_value() {
    let b = batch(vec![
        ("hour", times(&[0, 0, 3600, 3600, 7200])),
        ("status", text(&["ok", "failed", "ok", "failed", "ok"])),
        (
            "orders",
            floats(&[Some(5.0), Some(1.0), Some(6.0), Some(2.0), Some(7.0)]),
        ),
    ]);
    let mut v = visual(VisualKind::Line, Some("hour"), &["orders"]);
    v.series = Some("status".into());
    let data = xy(prepare(&v, &[b], None).unwrap());
    assert_eq!(data.x_kind, XKind::Time);
    let names: Vec<&str> = data.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ok", "failed"]);
    assert_eq!(data.series[0].xs, [0.0, 3600.0, 7200.0]);
    assert_eq!(data.series[0].ys, [Some(5.0), Some(6.0), Some(7.0)]);
    assert_eq!(data.series[1].ys, [Some(1.0), Some(2.0)]);
}

#[test]
fn stacked_areas_share_one_grid_and_keep_each_band_value() {
    let b = batch(vec![
        ("hour", times(&[0, 0, 3600])),
        ("status", text(&["ok", "failed", "ok"])),
        ("orders", floats(&[Some(5.0), Some(1.0), Some(6.0)])),
    ]);
    let mut v = visual(VisualKind::Area, Some("hour"), &["orders"]);
    v.series = Some("status".into());
    v.stack = true;
    let data = xy(prepare(&v, &[b], None).unwrap());
    let failed = &data.series[1];
    assert_eq!(failed.xs, [0.0, 3600.0]);
    assert_eq!(failed.ys, [Some(6.0), Some(6.0)], "tops: ok + failed");
    assert_eq!(failed.base, Some(vec![5.0, 6.0]));
    assert_eq!(failed.value(0), Some(1.0));
    assert_eq!(failed.value(1), Some(0.0));
}

#[test]
fn nulls_and_missing_time_buckets_are_gaps() {
    // Hourly, with a null at 2h and no rows for 5h and 6h.
    let b = batch(vec![
        ("hour", times(&[0, 3600, 7200, 10800, 14400, 25200])),
        (
            "v",
            floats(&[Some(1.0), Some(2.0), None, Some(4.0), Some(5.0), Some(8.0)]),
        ),
    ]);
    let mut v = visual(VisualKind::Line, Some("hour"), &["v"]);
    let broken = xy(prepare(&v, std::slice::from_ref(&b), None).unwrap());
    assert_eq!(
        broken.series[0].xs,
        [0.0, 3600.0, 7200.0, 10800.0, 14400.0, 18000.0, 25200.0]
    );
    assert_eq!(
        broken.series[0].ys,
        [
            Some(1.0),
            Some(2.0),
            None,
            Some(4.0),
            Some(5.0),
            None,
            Some(8.0)
        ]
    );
    v.gaps = Gaps::Zero;
    let zero = xy(prepare(&v, std::slice::from_ref(&b), None).unwrap());
    assert_eq!(
        zero.series[0].xs,
        [
            0.0, 3600.0, 7200.0, 10800.0, 14400.0, 18000.0, 21600.0, 25200.0
        ]
    );
    assert!(zero.series[0].ys.iter().all(Option::is_some));
    assert_eq!(zero.series[0].ys[5], Some(0.0));
    v.gaps = Gaps::Connect;
    let connected = xy(prepare(&v, &[b], None).unwrap());
    assert_eq!(
        connected.series[0].xs,
        [0.0, 3600.0, 10800.0, 14400.0, 25200.0]
    );
}

#[test]
fn gaps_are_judged_on_the_visuals_bucket_not_each_series() {
    // `hourly` has a row every hour; `sparse` only every 4 hours: with the visual's hourly
    // bucket, `sparse` has gaps between its rows (and drops to 0 there with `gaps = "zero"`).
    let hours: Vec<i64> = (0..=8).map(|h| h * 3600).collect();
    let mut names = vec!["hourly"; 9];
    names.extend(["sparse"; 3]);
    let mut at = hours.clone();
    at.extend([0, 4 * 3600, 8 * 3600]);
    let values: Vec<Option<f64>> = (0..12).map(|i| Some(f64::from(i))).collect();
    let b = batch(vec![
        ("hour", times(&at)),
        ("name", text(&names)),
        ("v", floats(&values)),
    ]);
    let mut v = visual(VisualKind::Line, Some("hour"), &["v"]);
    v.series = Some("name".into());
    let broken = xy(prepare(&v, std::slice::from_ref(&b), None).unwrap());
    let sparse = broken.series.iter().find(|s| s.name == "sparse").unwrap();
    assert_eq!(
        sparse.ys.iter().filter(|y| y.is_none()).count(),
        2,
        "a gap after 0h and after 4h: {sparse:?}"
    );
    v.gaps = Gaps::Zero;
    let zero = xy(prepare(&v, &[b], None).unwrap());
    let sparse = zero.series.iter().find(|s| s.name == "sparse").unwrap();
    assert!(sparse.ys.contains(&Some(0.0)), "{sparse:?}");
}

#[test]
fn unsorted_rows_are_drawn_in_x_order() {
    let b = batch(vec![
        ("x", floats(&[Some(3.0), Some(1.0), Some(2.0)])),
        ("y", floats(&[Some(30.0), Some(10.0), Some(20.0)])),
    ]);
    let data = xy(prepare(&visual(VisualKind::Line, Some("x"), &["y"]), &[b], None).unwrap());
    assert_eq!(data.x_kind, XKind::Number);
    assert_eq!(data.series[0].xs, [1.0, 2.0, 3.0]);
    assert_eq!(data.series[0].ys, [Some(10.0), Some(20.0), Some(30.0)]);
}

#[test]
fn y2_columns_go_on_the_right_axis() {
    let b = batch(vec![
        ("x", floats(&[Some(1.0)])),
        ("score", floats(&[Some(0.5)])),
        ("flagged", floats(&[Some(30.0)])),
    ]);
    let mut v = visual(VisualKind::Line, Some("x"), &["score"]);
    v.y2 = vec!["flagged".into()];
    let data = xy(prepare(&v, &[b], None).unwrap());
    let right: Vec<bool> = data.series.iter().map(|s| s.right_axis).collect();
    assert_eq!(right, [false, true]);
}

#[test]
fn kpis_compare_with_the_previous_period() {
    let now = batch(vec![("revenue", floats(&[Some(120.0)]))]);
    let before = batch(vec![("revenue", floats(&[Some(100.0)]))]);
    let mut v = visual(VisualKind::Kpi, None, &["revenue"]);
    v.compare = Some(Compare::PreviousPeriod);
    let VisualData::Kpi(kpi) = prepare(
        &v,
        std::slice::from_ref(&now),
        Some(std::slice::from_ref(&before)),
    )
    .unwrap() else {
        panic!("not a kpi")
    };
    assert_eq!(kpi.value, Some(120.0));
    assert_eq!(kpi.previous, Some(100.0));
    assert_eq!(kpi.delta_percent, Some(20.0));
    v.compare = None;
    let VisualData::Kpi(alone) = prepare(&v, &[now], Some(&[before])).unwrap() else {
        panic!("not a kpi")
    };
    assert_eq!(alone.previous, None, "no comparison unless asked for");
}

#[test]
fn a_kpi_with_x_takes_the_latest_value_and_a_sparkline() {
    let b = batch(vec![
        ("day", times(&[86_400, 0, 172_800])),
        ("orders", floats(&[Some(2.0), Some(1.0), Some(3.0)])),
    ]);
    let VisualData::Kpi(kpi) = prepare(
        &visual(VisualKind::Kpi, Some("day"), &["orders"]),
        &[b],
        None,
    )
    .unwrap() else {
        panic!("not a kpi")
    };
    assert_eq!(kpi.value, Some(3.0));
    assert_eq!(kpi.sparkline, [1.0, 2.0, 3.0]);
}

#[test]
fn gauges_take_the_last_value() {
    let b = batch(vec![("rate", floats(&[Some(0.1), None, Some(f64::NAN)]))]);
    let data = prepare(&visual(VisualKind::Gauge, None, &["rate"]), &[b], None).unwrap();
    assert_eq!(
        data,
        VisualData::Gauge(GaugeData { value: Some(0.1) }),
        "a null or NaN last value is dropped, as lines drop it"
    );
}

#[test]
fn bars_sum_per_category_and_series() {
    let b = batch(vec![
        ("country", text(&["DE", "FR", "DE"])),
        ("a", floats(&[Some(1.0), Some(2.0), Some(3.0)])),
        ("b", floats(&[Some(10.0), None, None])),
    ]);
    let VisualData::Bars(bars) = prepare(
        &visual(VisualKind::Bar, Some("country"), &["a", "b"]),
        &[b],
        None,
    )
    .unwrap() else {
        panic!("not bars")
    };
    assert_eq!(bars.categories, ["DE", "FR"]);
    assert_eq!(bars.series[0].values, [Some(4.0), Some(2.0)]);
    assert_eq!(bars.series[1].values, [Some(10.0), None]);
}

#[test]
fn a_stacked_bar_starts_on_the_bars_of_its_own_category() {
    // `cancelled` has no FR row: IT's cancelled bar still sits on IT's paid bar, and FR's paid
    // bar carries nothing.
    let b = batch(vec![
        ("country", text(&["DE", "FR", "IT", "DE", "IT"])),
        (
            "status",
            text(&["paid", "paid", "paid", "cancelled", "cancelled"]),
        ),
        (
            "orders",
            floats(&[Some(100.0), Some(80.0), Some(60.0), Some(10.0), Some(50.0)]),
        ),
    ]);
    let mut v = visual(VisualKind::Bar, Some("country"), &["orders"]);
    v.series = Some("status".into());
    v.stack = true;
    let VisualData::Bars(bars) = prepare(&v, &[b], None).unwrap() else {
        panic!("not bars")
    };
    assert_eq!(bars.categories, ["DE", "FR", "IT"]);
    assert_eq!(bars.series[1].name, "cancelled");
    assert_eq!(bars.series[1].values, [Some(10.0), None, Some(50.0)]);
    let bases = bars.stack_bases();
    assert_eq!(bases[0], [0.0, 0.0, 0.0]);
    assert_eq!(
        bases[1],
        [100.0, 80.0, 60.0],
        "each on its own category's paid bar"
    );
}

#[test]
fn negative_bars_stack_below_zero() {
    let bars = BarsData {
        x_name: "c".into(),
        categories: vec!["a".into()],
        series: vec![
            BarSeries {
                name: "in".into(),
                values: vec![Some(5.0)],
            },
            BarSeries {
                name: "out".into(),
                values: vec![Some(-3.0)],
            },
            BarSeries {
                name: "refunds".into(),
                values: vec![Some(-2.0)],
            },
        ],
        note: None,
    };
    assert_eq!(bars.stack_bases(), [[0.0], [0.0], [-3.0]]);
}

#[test]
fn a_pie_names_the_negative_values_it_cannot_draw() {
    let b = batch(vec![
        ("channel", text(&["web", "app", "refunds"])),
        ("revenue", floats(&[Some(100.0), Some(50.0), Some(-120.0)])),
    ]);
    let VisualData::Pie(pie) = prepare(
        &visual(VisualKind::Pie, Some("channel"), &["revenue"]),
        &[b],
        None,
    )
    .unwrap() else {
        panic!("not a pie")
    };
    assert_eq!(pie.slices.len(), 2);
    let note = pie.note.unwrap();
    assert!(note.contains("refunds") && note.contains("-120"), "{note}");
}

#[test]
fn pies_fold_the_smallest_slices_into_other() {
    let labels: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let values: Vec<Option<f64>> = (1..=10).map(|i| Some(f64::from(i))).collect();
    let b = batch(vec![("c", text(&label_refs)), ("v", floats(&values))]);
    let VisualData::Pie(pie) =
        prepare(&visual(VisualKind::Pie, Some("c"), &["v"]), &[b], None).unwrap()
    else {
        panic!("not a pie")
    };
    assert_eq!(pie.slices.len(), MAX_SLICES);
    assert_eq!(pie.slices[0].label, "c9");
    assert_eq!(pie.slices[MAX_SLICES - 1].label, "Other");
    assert_eq!(pie.slices[MAX_SLICES - 1].value, 1.0 + 2.0 + 3.0);
    assert!(pie.note.is_some());
}

#[test]
fn histograms_count_the_x_values() {
    let values: Vec<Option<f64>> = (0..100).map(|i| Some(f64::from(i) / 100.0)).collect();
    let b = batch(vec![("score", floats(&values))]);
    let mut v = visual(VisualKind::Histogram, Some("score"), &[]);
    v.bins = Some(10);
    let VisualData::Histogram(h) = prepare(&v, &[b], None).unwrap() else {
        panic!("not a histogram")
    };
    assert_eq!(h.bins.len(), 10);
    assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 100);
    assert_eq!(h.bins[0].low, 0.0);
}

#[test]
fn heatmaps_place_values_by_x_and_series() {
    let b = batch(vec![
        ("hour", text(&["00", "01", "00"])),
        ("status", text(&["200", "200", "500"])),
        ("n", floats(&[Some(5.0), Some(6.0), Some(1.0)])),
    ]);
    let mut v = visual(VisualKind::Heatmap, Some("hour"), &["n"]);
    v.series = Some("status".into());
    let VisualData::Heatmap(h) = prepare(&v, &[b], None).unwrap() else {
        panic!("not a heatmap")
    };
    assert_eq!(h.grid.x_labels, ["00", "01"]);
    assert_eq!(h.grid.y_labels, ["200", "500"]);
    assert_eq!(h.grid.cells, [[Some(5.0), Some(6.0)], [Some(1.0), None]]);
}

#[test]
fn tables_keep_numbers_for_sorting_and_colours() {
    let b = batch(vec![
        ("name", text(&["a", "b"])),
        (
            "n",
            Arc::new(Int64Array::from(vec![Some(1_000), None])) as ArrayRef,
        ),
    ]);
    let VisualData::Table(t) = prepare(&visual(VisualKind::Table, None, &[]), &[b], None).unwrap()
    else {
        panic!("not a table")
    };
    assert_eq!(t.columns, ["name", "n"]);
    assert_eq!(t.numeric, [false, true]);
    assert_eq!(t.rows[0], ["a", "1000"]);
    assert_eq!(t.numbers, [[None, Some(1_000.0)], [None, None]]);
}

#[test]
fn a_missing_column_is_named_with_the_columns_there_are() {
    let b = batch(vec![
        ("hour", times(&[0])),
        ("orders", floats(&[Some(1.0)])),
    ]);
    let err = prepare(
        &visual(VisualKind::Line, Some("hour"), &["revenue"]),
        &[b],
        None,
    )
    .unwrap_err();
    assert_eq!(
        err,
        SeriesError::MissingColumn {
            column: "revenue".into(),
            available: "hour, orders".into()
        }
    );
    assert!(err.to_string().contains("`revenue`"), "{err}");
}

#[test]
fn series_past_the_cap_are_left_out_with_a_note() {
    let keys: Vec<String> = (0..MAX_SERIES + 3).map(|i| format!("s{i}")).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let xs: Vec<Option<f64>> = (0..keys.len()).map(|i| Some(i as f64)).collect();
    let b = batch(vec![
        ("x", floats(&xs)),
        ("s", text(&key_refs)),
        ("y", floats(&xs)),
    ]);
    let mut v = visual(VisualKind::Line, Some("x"), &["y"]);
    v.series = Some("s".into());
    let data = xy(prepare(&v, &[b], None).unwrap());
    assert_eq!(data.series.len(), MAX_SERIES);
    assert!(data.note.is_some());
}

#[test]
fn a_date_column_is_read_as_calendar_days() {
    use datafusion::arrow::array::Date32Array;
    // 2026-11-22 and 2026-11-23, as days since the epoch.
    let days: ArrayRef = Arc::new(Date32Array::from(vec![20_779, 20_780]));
    let b = batch(vec![
        ("day", days),
        ("orders", floats(&[Some(5.0), Some(6.0)])),
    ]);
    let data = xy(prepare(
        &visual(VisualKind::Line, Some("day"), &["orders"]),
        &[b],
        None,
    )
    .unwrap());
    assert_eq!(data.x_kind, XKind::Date, "a day, shown in no time zone");
    assert_eq!(data.series[0].xs, [1_795_305_600.0, 1_795_392_000.0]);
}

#[test]
fn a_table_formats_and_colours_its_y_columns_and_each_column_its_own_way() {
    use crate::model::dashboard::{ColumnStyle, NumberFormat, Threshold};
    let b = batch(vec![
        ("year", Arc::new(Int64Array::from(vec![2026])) as ArrayRef),
        ("share", floats(&[Some(0.25)])),
        ("amount", floats(&[Some(1_234.5)])),
        ("score", floats(&[Some(0.95)])),
    ]);
    let mut v = visual(
        VisualKind::Table,
        Some("year"),
        &["share", "amount", "score"],
    );
    v.format = Some(NumberFormat::Percent);
    v.thresholds = vec![Threshold {
        value: 0.0,
        color: "#2ca02c".into(),
    }];
    v.columns.insert(
        "amount".into(),
        ColumnStyle {
            unit: Some("€".into()),
            decimals: Some(2),
            ..ColumnStyle::default()
        },
    );
    v.columns.insert(
        "score".into(),
        ColumnStyle {
            thresholds: vec![Threshold {
                value: 0.9,
                color: "#d62728".into(),
            }],
            ..ColumnStyle::default()
        },
    );
    let VisualData::Table(t) = prepare(&v, &[b], None).unwrap() else {
        panic!("not a table")
    };
    let written: Vec<String> = t
        .looks
        .iter()
        .zip(&t.numbers[0])
        .map(|(look, n)| look.number.value(n.unwrap()))
        .collect();
    assert_eq!(
        written,
        ["2,026", "25.0%", "1,234.50 €", "0.95"],
        "the x column (a year) is not a percent; entries stand alone"
    );
    assert!(t.looks[0].thresholds.is_empty(), "x is not coloured");
    assert_eq!(t.looks[1].thresholds, v.thresholds);
    assert_eq!(t.looks[3].thresholds[0].value, 0.9);
}
