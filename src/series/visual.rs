//! A dashboard visual's query result -> what the visual draws ([`VisualData`]), from the visual's
//! spec (`x`, `y`, `series`, `kind`). Pure: arrow batches in, plain data out; tested without a
//! window. [`crate::ui::visuals::draw`] draws the result.

mod columns;
#[cfg(test)]
mod tests;
mod xy;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

pub use columns::MAX_SERIES;
use columns::{Labels, Part, check, data_type, numbers, parts, seconds, texts};
pub use xy::{XKind, XyData, XySeries, median_step, y_extents};

use super::format::NumberStyle;
use super::{
    Against, Bin, Heatmap, Kpi, SeriesError, heatmap, histogram, is_numeric, is_temporal, kpi,
};
use crate::model::dashboard::{Threshold, Visual, VisualKind};

/// Bars (categories) drawn at most.
pub const MAX_BARS: usize = 50;
/// Pie slices drawn at most, the smallest beyond folded into "Other".
pub const MAX_SLICES: usize = 8;
/// Table rows kept at most.
pub const MAX_TABLE_ROWS: usize = 10_000;
/// Heatmap columns or rows drawn at most.
pub const MAX_HEATMAP_LABELS: usize = 200;

/// What one visual draws.
#[derive(Clone, Debug, PartialEq)]
pub enum VisualData {
    /// The result as rows of text.
    Table(TableData),
    /// A `text` visual (its Markdown is in the spec).
    Text,
    /// A KPI: value, comparison and sparkline.
    Kpi(Kpi),
    /// A gauge's value.
    Gauge(GaugeData),
    /// Lines, areas or points over x.
    Xy(XyData),
    /// Bars per category.
    Bars(BarsData),
    /// Pie slices.
    Pie(PieData),
    /// Histogram bins.
    Histogram(HistogramData),
    /// A heatmap grid.
    Heatmap(HeatmapData),
}

/// A result as a table.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TableData {
    /// Column names.
    pub columns: Vec<String>,
    /// Cell text, row by row.
    pub rows: Vec<Vec<String>>,
    /// Cell values of numeric columns, row by row (`None`: text or null), for sorting and colours.
    pub numbers: Vec<Vec<Option<f64>>>,
    /// Whether each column is numeric (drawn right-aligned, formatted).
    pub numeric: Vec<bool>,
    /// How each column's numbers are written and coloured.
    pub looks: Vec<ColumnLook>,
    /// Why less than the whole result is shown, if it is.
    pub note: Option<String>,
}

/// How a table column's numbers are written and coloured: its `[visuals.columns.<name>]` entry,
/// else the visual's `format`, `decimals`, `unit` and `thresholds` for a `y` column, else plain.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ColumnLook {
    /// How its numbers are written.
    pub number: NumberStyle,
    /// Colours by value.
    pub thresholds: Vec<Threshold>,
}

impl ColumnLook {
    fn of(visual: &Visual, column: &str) -> Self {
        if let Some(style) = visual.columns.get(column) {
            Self {
                number: NumberStyle {
                    format: style.format,
                    decimals: style.decimals,
                    unit: style.unit.clone().filter(|u| !u.is_empty()),
                },
                thresholds: style.thresholds.clone(),
            }
        } else if visual.y.iter().any(|y| y == column) {
            Self {
                number: NumberStyle::of(visual),
                thresholds: visual.thresholds.clone(),
            }
        } else {
            Self::default()
        }
    }
}

/// A gauge's value.
#[derive(Clone, Debug, PartialEq)]
pub struct GaugeData {
    /// The value on the arc (the last non-null value).
    pub value: Option<f64>,
}

/// One series of bars.
#[derive(Clone, Debug, PartialEq)]
pub struct BarSeries {
    /// Legend name.
    pub name: String,
    /// One value per category (`None`: no bar).
    pub values: Vec<Option<f64>>,
}

/// What a bar visual draws.
#[derive(Clone, Debug, PartialEq)]
pub struct BarsData {
    /// The x column's name.
    pub x_name: String,
    /// Categories in order of first appearance.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<BarSeries>,
    /// Why less than the whole result is drawn, if it is.
    pub note: Option<String>,
}

impl BarsData {
    /// Where each series' bar starts when the series are stacked, per category: the sum of the
    /// series before it at that category (positive values on positive ones, negative below
    /// negative ones), a missing value counting as zero. Indexed `[series][category]`.
    pub fn stack_bases(&self) -> Vec<Vec<f64>> {
        let mut above = vec![0.0_f64; self.categories.len()];
        let mut below = vec![0.0_f64; self.categories.len()];
        self.series
            .iter()
            .map(|series| {
                (0..self.categories.len())
                    .map(|category| {
                        let value = series.values.get(category).copied().flatten();
                        match value {
                            Some(v) if v < 0.0 => {
                                let base = below[category];
                                below[category] += v;
                                base
                            }
                            Some(v) => {
                                let base = above[category];
                                above[category] += v;
                                base
                            }
                            None => above[category],
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// One pie slice.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// The category.
    pub label: String,
    /// Its (summed) value, positive.
    pub value: f64,
}

/// What a pie visual draws.
#[derive(Clone, Debug, PartialEq)]
pub struct PieData {
    /// Slices, largest first ("Other" last).
    pub slices: Vec<Slice>,
    /// Why less than the whole result is drawn, if it is.
    pub note: Option<String>,
}

/// What a histogram visual draws.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramData {
    /// The x column's name.
    pub x_name: String,
    /// The bins.
    pub bins: Vec<Bin>,
}

/// What a heatmap visual draws.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapData {
    /// The x column's name (columns).
    pub x_name: String,
    /// The series column's name (rows).
    pub y_name: String,
    /// The grid.
    pub grid: Heatmap,
}

/// What `visual` draws from its query's `batches`; `previous` is the same query over the
/// previous period, for a KPI with `compare = "previous-period"`.
pub fn prepare(
    visual: &Visual,
    batches: &[RecordBatch],
    previous: Option<&[RecordBatch]>,
) -> Result<VisualData, SeriesError> {
    if visual.kind == VisualKind::Text {
        return Ok(VisualData::Text);
    }
    check(visual, batches)?;
    let first_y = || {
        visual
            .y
            .first()
            .map(String::as_str)
            .ok_or(SeriesError::NoNumericY)
    };
    Ok(match visual.kind {
        VisualKind::Text => VisualData::Text,
        VisualKind::Table => VisualData::Table(table(visual, batches)?),
        VisualKind::Kpi => {
            let values = ordered_values(visual, batches, first_y()?)?;
            let against = match (visual.compare, previous) {
                (Some(_), Some(previous)) => {
                    check(visual, previous)?;
                    Against::PreviousPeriod(
                        ordered_values(visual, previous, first_y()?)?
                            .into_iter()
                            .flatten()
                            .rfind(|v| v.is_finite()),
                    )
                }
                (Some(_), None) => Against::PreviousPeriod(None),
                (None, _) => Against::ValueBefore,
            };
            VisualData::Kpi(kpi(&values, against))
        }
        VisualKind::Gauge => VisualData::Gauge(GaugeData {
            value: ordered_values(visual, batches, first_y()?)?
                .into_iter()
                .flatten()
                .rfind(|v| v.is_finite()),
        }),
        VisualKind::Line | VisualKind::Area | VisualKind::Scatter => {
            VisualData::Xy(xy_data(visual, batches)?)
        }
        VisualKind::Bar => VisualData::Bars(bars(visual, batches)?),
        VisualKind::Pie => VisualData::Pie(pie(visual, batches, first_y()?)?),
        VisualKind::Histogram => {
            let x = visual.x.as_deref().ok_or(SeriesError::MissingX)?;
            let values = numbers(batches, x)?;
            VisualData::Histogram(HistogramData {
                x_name: x.to_owned(),
                bins: histogram(&values, visual.bins.unwrap_or(20) as usize),
            })
        }
        VisualKind::Heatmap => {
            let x = visual.x.as_deref().ok_or(SeriesError::MissingX)?;
            let series = visual.series.as_deref().ok_or(SeriesError::MissingX)?;
            let grid = heatmap(
                &texts(batches, x)?,
                &texts(batches, series)?,
                &numbers(batches, first_y()?)?,
            );
            VisualData::Heatmap(HeatmapData {
                x_name: x.to_owned(),
                y_name: series.to_owned(),
                grid,
            })
        }
    })
}

/// The values of `y`, in `x` order when the visual has an `x`.
fn ordered_values(
    visual: &Visual,
    batches: &[RecordBatch],
    y: &str,
) -> Result<Vec<Option<f64>>, SeriesError> {
    let values = numbers(batches, y)?;
    match visual.x.as_deref() {
        Some(x) => {
            let xs = x_values(batches, x)?.0;
            Ok(xy::ordered(xs, values).1)
        }
        None => Ok(values),
    }
}

/// x values as numbers, what they are, and the category names of a text column.
type XValues = (Vec<Option<f64>>, XKind, Vec<String>);

/// The x values as numbers, what they are, and the category names for text columns.
fn x_values(batches: &[RecordBatch], x: &str) -> Result<XValues, SeriesError> {
    match data_type(batches, x)? {
        Some(DataType::Date32 | DataType::Date64) => {
            Ok((seconds(batches, x)?, XKind::Date, Vec::new()))
        }
        Some(t) if is_temporal(&t) => Ok((seconds(batches, x)?, XKind::Time, Vec::new())),
        Some(t) if is_numeric(&t) => Ok((numbers(batches, x)?, XKind::Number, Vec::new())),
        None => Ok((Vec::new(), XKind::Number, Vec::new())),
        Some(_) => {
            let mut labels = Labels::with_cap(usize::MAX);
            let xs = texts(batches, x)?
                .iter()
                .map(|t| labels.index(t).map(|i| i as f64))
                .collect();
            Ok((xs, XKind::Category, labels.names))
        }
    }
}

fn note_for(dropped: bool, what: &str, cap: usize) -> Option<String> {
    dropped.then(|| format!("only the first {cap} {what} are drawn"))
}

fn xy_data(visual: &Visual, batches: &[RecordBatch]) -> Result<XyData, SeriesError> {
    let x = visual.x.as_deref().ok_or(SeriesError::MissingX)?;
    let (xs, x_kind, categories) = x_values(batches, x)?;
    let (parts, dropped) = parts(visual, batches)?;
    let lines = visual.kind != VisualKind::Scatter;
    // One bucket for the whole visual: the median step between its distinct x values.
    let step = matches!(x_kind, XKind::Time | XKind::Date).then(|| {
        let mut grid: Vec<f64> = xs.iter().flatten().copied().collect();
        grid.sort_by(f64::total_cmp);
        grid.dedup();
        xy::median_step(&grid)
    });
    let mut series: Vec<XySeries> = parts
        .into_iter()
        .map(
            |Part {
                 name,
                 right_axis,
                 rows,
                 values,
             }| {
                let part_xs = match rows {
                    Some(rows) => rows.iter().map(|&r| xs[r]).collect(),
                    None => xs.clone(),
                };
                let (sx, sy) = xy::ordered(part_xs, values);
                let (sx, sy) = if lines {
                    xy::apply_gaps(sx, sy, visual.gaps, step.flatten())
                } else {
                    (sx, sy)
                };
                XySeries {
                    name,
                    xs: sx,
                    ys: sy,
                    base: None,
                    right_axis,
                }
            },
        )
        .collect();
    if visual.stack && lines {
        let split = series
            .iter()
            .position(|s| s.right_axis)
            .unwrap_or(series.len());
        xy::stack(&mut series[..split]);
    }
    Ok(XyData {
        x_name: x.to_owned(),
        x_kind,
        categories,
        y_extents: xy::y_extents(&series),
        series,
        note: note_for(dropped, "series", MAX_SERIES),
    })
}

fn bars(visual: &Visual, batches: &[RecordBatch]) -> Result<BarsData, SeriesError> {
    let x = visual.x.as_deref().ok_or(SeriesError::MissingX)?;
    let keys = texts(batches, x)?;
    let mut labels = Labels::with_cap(MAX_BARS);
    let rows: Vec<Option<usize>> = keys.iter().map(|k| labels.index(k)).collect();
    let (parts, dropped_series) = parts(visual, batches)?;
    let series = parts
        .into_iter()
        .map(|part| {
            let mut values = vec![None; labels.names.len()];
            let take = |(i, value): (usize, &Option<f64>)| {
                let row = part.rows.as_ref().map_or(i, |rows| rows[i]);
                rows[row].zip(*value)
            };
            for (category, value) in part.values.iter().enumerate().filter_map(take) {
                let slot: &mut Option<f64> = &mut values[category];
                *slot = Some(slot.unwrap_or(0.0) + value);
            }
            BarSeries {
                name: part.name,
                values,
            }
        })
        .collect();
    let note = note_for(labels.dropped, "categories", MAX_BARS)
        .or_else(|| note_for(dropped_series, "series", MAX_SERIES));
    Ok(BarsData {
        x_name: x.to_owned(),
        categories: labels.names,
        series,
        note,
    })
}

/// Each category's total.
type Totals = Vec<(String, f64)>;

fn pie(visual: &Visual, batches: &[RecordBatch], y: &str) -> Result<PieData, SeriesError> {
    let x = visual.x.as_deref().ok_or(SeriesError::MissingX)?;
    let mut labels = Labels::with_cap(usize::MAX);
    let mut sums: Vec<f64> = Vec::new();
    for (key, value) in texts(batches, x)?.iter().zip(numbers(batches, y)?) {
        if let (Some(i), Some(value)) = (labels.index(key), value.filter(|v| v.is_finite())) {
            sums.resize(labels.names.len(), 0.0);
            sums[i] += value;
        }
    }
    // A slice's share needs a positive value: a negative one (refunds) cannot be drawn, and is
    // named in the note rather than silently left out of a total that would then be wrong.
    let (kept, negative): (Totals, Totals) = labels
        .names
        .into_iter()
        .zip(sums)
        .filter(|(_, value)| *value != 0.0)
        .partition(|(_, value)| *value > 0.0);
    let mut slices: Vec<Slice> = kept
        .into_iter()
        .map(|(label, value)| Slice { label, value })
        .collect();
    slices.sort_by(|a, b| b.value.total_cmp(&a.value));
    let mut notes = Vec::new();
    if !negative.is_empty() {
        let named: Vec<String> = negative.iter().map(|(label, _)| label.clone()).collect();
        let total: f64 = negative.iter().map(|(_, value)| value).sum();
        notes.push(format!(
            "left out, being negative: {} ({total}); the slices' total is not the net",
            named.join(", ")
        ));
    }
    if slices.len() > MAX_SLICES {
        let rest: f64 = slices.drain(MAX_SLICES - 1..).map(|s| s.value).sum();
        notes.push("the smallest slices are drawn as one, \"Other\"".to_owned());
        slices.push(Slice {
            label: "Other".into(),
            value: rest,
        });
    }
    let note = (!notes.is_empty()).then(|| notes.join("; "));
    Ok(PieData { slices, note })
}

fn table(visual: &Visual, batches: &[RecordBatch]) -> Result<TableData, SeriesError> {
    let mut data = TableData::default();
    let options = FormatOptions::default().with_null("");
    let Some(first) = batches.first() else {
        return Ok(data);
    };
    // The `y` columns only, when given (with `x` first, if named).
    let names: Vec<String> = if visual.y.is_empty() {
        first
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    } else {
        visual.x.iter().chain(&visual.y).cloned().collect()
    };
    data.numeric = names
        .iter()
        .map(|n| {
            first
                .schema()
                .field_with_name(n)
                .is_ok_and(|f| is_numeric(f.data_type()))
        })
        .collect();
    data.looks = names.iter().map(|n| ColumnLook::of(visual, n)).collect();
    data.columns.clone_from(&names);
    let mut total = 0;
    for batch in batches {
        total += batch.num_rows();
        let room = MAX_TABLE_ROWS
            .saturating_sub(data.rows.len())
            .min(batch.num_rows());
        let arrays = names
            .iter()
            .map(|n| columns::column(batch, n))
            .collect::<Result<Vec<_>, _>>()?;
        let formatters = arrays
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        let values = arrays
            .iter()
            .zip(&data.numeric)
            .map(|(array, numeric)| {
                if *numeric {
                    super::to_f64(array)
                } else {
                    Ok(vec![None; array.len()])
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..room {
            data.rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
            data.numbers
                .push(values.iter().map(|column| column[row]).collect());
        }
    }
    if total > data.rows.len() {
        data.note = Some(format!("the first {} of {total} rows", data.rows.len()));
    }
    Ok(data)
}
