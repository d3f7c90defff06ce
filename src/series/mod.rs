//! Arrow batches -> what a chart draws. Pure functions over arrow: no egui, no session.
//!
//! [`suggest`] picks a chart for a result from its column types (time or number on x: a line;
//! text on x: bars; two numbers: a scatter); [`build`] extracts the series, downsampled so a chart
//! of a million rows stays cheap to draw.

pub mod format;
pub mod heatmap;
pub mod m4;
pub mod stats;
pub mod visual;

pub use heatmap::{Heatmap, heatmap};
pub use m4::{PixelColumns, m4};
pub use stats::{Against, Bin, Kpi, histogram, kpi};

use std::collections::HashMap;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Schema, TimeUnit};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

/// Why a chart could not be built from a result.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SeriesError {
    /// The chosen x column is not in the result.
    #[error("the x column is not in the result")]
    MissingX,
    /// No numeric column was chosen for y.
    #[error("choose a numeric column for y")]
    NoNumericY,
    /// A column the visual names is not in its query's result.
    #[error("column `{column}` is not in the result; its columns are: {available}")]
    MissingColumn {
        /// The column the visual names.
        column: String,
        /// The result's columns, comma-separated.
        available: String,
    },
    /// A column did not hold the type the chart needs.
    #[error("{0}")]
    WrongType(&'static str),
    /// Arrow could not convert a column.
    #[error("{0}")]
    Arrow(String),
}

impl From<ArrowError> for SeriesError {
    fn from(err: ArrowError) -> Self {
        Self::Arrow(err.to_string())
    }
}

/// How a result is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ChartKind {
    /// Connected points, x ascending (time series).
    Line,
    /// One bar per x category (values of repeated categories are summed).
    Bar,
    /// Unconnected points.
    Scatter,
}

impl ChartKind {
    /// All kinds, for a picker.
    pub const ALL: [Self; 3] = [Self::Line, Self::Bar, Self::Scatter];

    /// The kind's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Line => "Line",
            Self::Bar => "Bar",
            Self::Scatter => "Scatter",
        }
    }
}

/// Which columns are drawn, and how.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChartSpec {
    /// The chart kind.
    pub kind: ChartKind,
    /// The x column.
    pub x: usize,
    /// The y columns (numeric), one series each.
    pub ys: Vec<usize>,
}

/// What the x axis holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Numbers.
    Number,
    /// Seconds since the Unix epoch (UTC).
    Time,
    /// Category indices into [`ChartData::categories`].
    Category,
}

/// One drawn series.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The y column's name.
    pub name: String,
    /// `[x, y]` points, in x order for lines.
    pub points: Vec<[f64; 2]>,
}

/// Everything a chart draws.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    /// The spec it was built from.
    pub kind: ChartKind,
    /// The x column's name.
    pub x_name: String,
    /// What x values are.
    pub x_axis: XAxis,
    /// Category names, for [`XAxis::Category`].
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// Rows read.
    pub rows: usize,
    /// Why the chart shows less than every row, if it does.
    pub note: Option<String>,
    /// Room for one bar in x units: 1 for categories, else the smallest gap between x values.
    pub bar_width: f64,
}

/// Categories drawn at most (bars beyond are left out, with a note).
pub const MAX_CATEGORIES: usize = 200;
/// Series drawn at most.
pub const MAX_SERIES: usize = 8;

pub(crate) fn is_numeric(data_type: &DataType) -> bool {
    data_type.is_numeric() && !matches!(data_type, DataType::Decimal256(..))
}

pub(crate) fn is_temporal(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
    )
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean
    ) || matches!(data_type, DataType::Dictionary(..))
}

/// A sensible chart for a result with `schema`, or `None` when it has no numeric column.
pub fn suggest(schema: &Schema) -> Option<ChartSpec> {
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    let numeric: Vec<usize> = (0..types.len()).filter(|&i| is_numeric(types[i])).collect();
    if let Some(x) = types.iter().position(|t| is_temporal(t)) {
        let ys: Vec<usize> = numeric.iter().copied().take(MAX_SERIES).collect();
        return (!ys.is_empty()).then_some(ChartSpec {
            kind: ChartKind::Line,
            x,
            ys,
        });
    }
    if let Some(x) = types.iter().position(|t| is_text(t)) {
        let ys: Vec<usize> = numeric.iter().copied().take(MAX_SERIES).collect();
        return (!ys.is_empty()).then_some(ChartSpec {
            kind: ChartKind::Bar,
            x,
            ys,
        });
    }
    match numeric.as_slice() {
        [] => None,
        [only] => Some(ChartSpec {
            kind: ChartKind::Line,
            x: *only,
            ys: vec![*only],
        }),
        [x, rest @ ..] => Some(ChartSpec {
            kind: ChartKind::Scatter,
            x: *x,
            ys: rest.iter().copied().take(MAX_SERIES).collect(),
        }),
    }
}

/// The columns that can be y values (numeric).
pub fn numeric_columns(schema: &Schema) -> Vec<usize> {
    (0..schema.fields().len())
        .filter(|&i| is_numeric(schema.field(i).data_type()))
        .collect()
}

/// Extracts the series of `spec` from `batches`, keeping at most about `max_points` points per
/// series (lines keep each bucket's extremes, so peaks survive).
pub fn build<'a>(
    schema: &Schema,
    batches: impl IntoIterator<Item = &'a RecordBatch>,
    spec: &ChartSpec,
    max_points: usize,
) -> Result<ChartData, SeriesError> {
    let x_field = schema.fields().get(spec.x).ok_or(SeriesError::MissingX)?;
    let x_type = x_field.data_type();
    let x_axis = if is_temporal(x_type) {
        XAxis::Time
    } else if spec.kind == ChartKind::Bar || !is_numeric(x_type) {
        XAxis::Category
    } else {
        XAxis::Number
    };
    let ys: Vec<usize> = spec
        .ys
        .iter()
        .copied()
        .filter(|&y| {
            schema
                .fields()
                .get(y)
                .is_some_and(|f| is_numeric(f.data_type()))
        })
        .take(MAX_SERIES)
        .collect();
    if ys.is_empty() {
        return Err(SeriesError::NoNumericY);
    }

    let mut xs: Vec<f64> = Vec::new();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); ys.len()];
    let mut categories: Vec<String> = Vec::new();
    let mut category_index: HashMap<String, usize> = HashMap::new();
    let mut dropped_categories = false;
    let mut rows = 0;
    for batch in batches {
        rows += batch.num_rows();
        let x = batch.column(spec.x);
        let x_values: Vec<Option<f64>> = match x_axis {
            XAxis::Time => to_seconds(x)?,
            XAxis::Number => to_f64(x)?,
            XAxis::Category => {
                let options = FormatOptions::default().with_null("NULL");
                let formatter = ArrayFormatter::try_new(x.as_ref(), &options)?;
                (0..x.len())
                    .map(|i| {
                        let name = formatter.value(i).to_string();
                        let next = categories.len();
                        match category_index.get(&name) {
                            Some(&index) => Some(index as f64),
                            None if next < MAX_CATEGORIES => {
                                category_index.insert(name.clone(), next);
                                categories.push(name);
                                Some(next as f64)
                            }
                            None => {
                                dropped_categories = true;
                                None
                            }
                        }
                    })
                    .collect()
            }
        };
        let y_values: Vec<Vec<Option<f64>>> = ys
            .iter()
            .map(|&y| to_f64(batch.column(y)))
            .collect::<Result<_, _>>()?;
        for (row, x) in x_values.iter().enumerate() {
            let Some(x) = x else { continue };
            xs.push(*x);
            for (column, values) in columns.iter_mut().zip(&y_values) {
                column.push(values[row].unwrap_or(f64::NAN));
            }
        }
    }

    let mut note =
        dropped_categories.then(|| format!("only the first {MAX_CATEGORIES} categories are drawn"));
    let series = ys
        .iter()
        .zip(columns)
        .map(|(&y, values)| {
            let name = schema.field(y).name().clone();
            let mut points: Vec<[f64; 2]> = xs
                .iter()
                .zip(values)
                .filter(|(_, y)| y.is_finite())
                .map(|(x, y)| [*x, y])
                .collect();
            match spec.kind {
                ChartKind::Bar => points = sum_by_x(&points),
                ChartKind::Line => {
                    // Repeated points add nothing to a line (and three in a row upset egui's
                    // path tessellation): sort by x, then y, and drop repeats.
                    points.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
                    points.dedup();
                    points = keep_extremes(&points, max_points);
                }
                ChartKind::Scatter => points = thin(&points, max_points),
            }
            Series { name, points }
        })
        .collect();
    let bar_width = if x_axis == XAxis::Category {
        1.0
    } else {
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|gap| *gap > 0.0)
            .min_by(f64::total_cmp)
            .unwrap_or(1.0)
    };
    if spec.kind != ChartKind::Bar && xs.len() > max_points {
        note.get_or_insert_with(|| {
            format!(
                "{} rows drawn as at most {max_points} points per series",
                xs.len()
            )
        });
    }
    Ok(ChartData {
        kind: spec.kind,
        x_name: x_field.name().clone(),
        x_axis,
        categories,
        series,
        rows,
        note,
        bar_width,
    })
}

pub(crate) fn to_f64(array: &ArrayRef) -> Result<Vec<Option<f64>>, SeriesError> {
    let cast = cast(array, &DataType::Float64)?;
    let values = cast
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or(SeriesError::WrongType("not a number column"))?;
    Ok(values.iter().collect())
}

pub(crate) fn to_seconds(array: &ArrayRef) -> Result<Vec<Option<f64>>, SeriesError> {
    let millis = cast(array, &DataType::Timestamp(TimeUnit::Millisecond, None))
        .and_then(|a| cast(&a, &DataType::Int64))?;
    let values = millis
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or(SeriesError::WrongType("not a time column"))?;
    Ok(values
        .iter()
        .map(|v| v.map(|ms| ms as f64 / 1000.0))
        .collect())
}

/// Bars: one per category, repeated categories summed, in category order.
fn sum_by_x(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut sums: Vec<[f64; 2]> = Vec::new();
    let mut index: HashMap<u64, usize> = HashMap::new();
    for [x, y] in points {
        if let Some(&i) = index.get(&x.to_bits()) {
            sums[i][1] += y;
        } else {
            index.insert(x.to_bits(), sums.len());
            sums.push([*x, *y]);
        }
    }
    sums.sort_by(|a, b| a[0].total_cmp(&b[0]));
    sums
}

/// A line of at most about `max_points`: per bucket of neighbours, the lowest and highest point
/// in x order, so spikes stay visible.
fn keep_extremes(points: &[[f64; 2]], max_points: usize) -> Vec<[f64; 2]> {
    if points.len() <= max_points || max_points < 4 {
        return points.to_vec();
    }
    let bucket = points.len().div_ceil(max_points / 2);
    let mut out = Vec::with_capacity(max_points + 2);
    // The ends stay where they are, so the line spans the whole x range.
    out.extend(points.first());
    for chunk in points.chunks(bucket) {
        let low = chunk.iter().min_by(|a, b| a[1].total_cmp(&b[1]));
        let high = chunk.iter().max_by(|a, b| a[1].total_cmp(&b[1]));
        if let (Some(low), Some(high)) = (low, high) {
            if low[0] <= high[0] {
                out.extend([*low, *high]);
            } else {
                out.extend([*high, *low]);
            }
        }
    }
    out.extend(points.last());
    out.sort_by(|a, b| a[0].total_cmp(&b[0]));
    out.dedup();
    out
}

/// At most about `max_points`, evenly spaced.
fn thin(points: &[[f64; 2]], max_points: usize) -> Vec<[f64; 2]> {
    if points.len() <= max_points || max_points == 0 {
        return points.to_vec();
    }
    let step = points.len().div_ceil(max_points);
    points.iter().step_by(step).copied().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray, TimestampSecondArray};
    use datafusion::arrow::datatypes::Field;

    use super::*;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn picks_the_chart_from_column_types() {
        let time = Schema::new(vec![
            Field::new("hour", DataType::Timestamp(TimeUnit::Second, None), true),
            Field::new("country", DataType::Utf8, true),
            Field::new("orders", DataType::Int64, true),
        ]);
        assert_eq!(
            suggest(&time),
            Some(ChartSpec {
                kind: ChartKind::Line,
                x: 0,
                ys: vec![2]
            })
        );
        let text = Schema::new(vec![
            Field::new("country", DataType::Utf8, true),
            Field::new("revenue", DataType::Float64, true),
        ]);
        assert_eq!(suggest(&text).unwrap().kind, ChartKind::Bar);
        let numbers = Schema::new(vec![
            Field::new("quantity", DataType::Int64, true),
            Field::new("amount", DataType::Float64, true),
        ]);
        assert_eq!(
            suggest(&numbers),
            Some(ChartSpec {
                kind: ChartKind::Scatter,
                x: 0,
                ys: vec![1]
            })
        );
        let no_numbers = Schema::new(vec![Field::new("name", DataType::Utf8, true)]);
        assert_eq!(suggest(&no_numbers), None);
    }

    #[test]
    fn bars_sum_repeated_categories() {
        let b = batch(vec![
            (
                "country",
                Arc::new(StringArray::from(vec!["DE", "FR", "DE"])) as ArrayRef,
            ),
            ("revenue", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.5]))),
        ]);
        let spec = suggest(&b.schema()).unwrap();
        let data = build(&b.schema(), [&b], &spec, 1000).unwrap();
        assert_eq!(data.categories, ["DE", "FR"]);
        assert_eq!(data.series[0].points, vec![[0.0, 4.5], [1.0, 2.0]]);
    }

    #[test]
    fn time_lines_are_sorted_and_downsampled_keeping_peaks() {
        let n = 100_000_i64;
        let seconds: Vec<i64> = (0..n).rev().collect();
        let mut values: Vec<i64> = vec![1; n as usize];
        values[12_345] = 1_000; // one spike
        let b = batch(vec![
            (
                "at",
                Arc::new(TimestampSecondArray::from(seconds)) as ArrayRef,
            ),
            ("errors", Arc::new(Int64Array::from(values))),
        ]);
        let spec = suggest(&b.schema()).unwrap();
        let data = build(&b.schema(), [&b], &spec, 2_000).unwrap();
        assert_eq!(data.x_axis, XAxis::Time);
        let points = &data.series[0].points;
        assert!(points.len() <= 2_000, "{} points", points.len());
        assert!(points.windows(2).all(|w| w[0][0] <= w[1][0]), "x ascending");
        assert!(points.iter().any(|p| p[1] == 1_000.0), "the spike survives");
        assert_eq!(points[0][0], 0.0, "the first point is kept");
        assert_eq!(points[points.len() - 1][0], (n - 1) as f64, "and the last");
        assert!(data.note.is_some());
    }
}
