//! Reading a visual's named columns out of a query result: checked by name (a missing column is
//! an error naming the columns there are), concatenated over batches, and split into series per
//! value of the `series` column (long format) or per value column (wide format).

use std::collections::HashMap;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::model::dashboard::Visual;
use crate::series::{SeriesError, to_f64, to_seconds};

/// Series drawn at most; the rest are left out with a note.
pub const MAX_SERIES: usize = 12;

/// The column `name` of `batch`, or an error naming the columns there are.
pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, SeriesError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| SeriesError::MissingColumn {
            column: name.to_owned(),
            available: batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Checks that every column `visual` names is in the result.
pub fn check(visual: &Visual, batches: &[RecordBatch]) -> Result<(), SeriesError> {
    let Some(batch) = batches.first() else {
        return Ok(());
    };
    let named = visual
        .x
        .iter()
        .chain(&visual.y)
        .chain(&visual.y2)
        .chain(&visual.series);
    for name in named {
        column(batch, name)?;
    }
    Ok(())
}

/// The type of column `name` (`None` when there are no batches).
pub fn data_type(batches: &[RecordBatch], name: &str) -> Result<Option<DataType>, SeriesError> {
    batches
        .first()
        .map(|batch| column(batch, name).map(|c| c.data_type().clone()))
        .transpose()
}

/// Every value of column `name` as a number (nulls and non-numbers `None`).
pub fn numbers(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<f64>>, SeriesError> {
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        out.extend(to_f64(column(batch, name)?)?);
    }
    Ok(out)
}

/// Every value of time column `name` in seconds since the epoch (UTC).
pub fn seconds(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<f64>>, SeriesError> {
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for batch in batches {
        out.extend(to_seconds(column(batch, name)?)?);
    }
    Ok(out)
}

/// Every value of column `name` as text (nulls `"NULL"`).
pub fn texts(batches: &[RecordBatch], name: &str) -> Result<Vec<String>, SeriesError> {
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in batches {
        let array = column(batch, name)?;
        let formatter = ArrayFormatter::try_new(array.as_ref(), &options)?;
        out.extend((0..array.len()).map(|row| formatter.value(row).to_string()));
    }
    Ok(out)
}

/// Labels in order of first appearance, at most `cap` of them.
#[derive(Debug, Default)]
pub struct Labels {
    /// The labels kept.
    pub names: Vec<String>,
    index: HashMap<String, usize>,
    cap: usize,
    /// Whether a label was left out for the cap.
    pub dropped: bool,
}

impl Labels {
    /// No labels yet; at most `cap` will be kept.
    pub fn with_cap(cap: usize) -> Self {
        Self {
            cap,
            ..Self::default()
        }
    }

    /// The index of `name`, adding it if there is room.
    pub fn index(&mut self, name: &str) -> Option<usize> {
        if let Some(&at) = self.index.get(name) {
            return Some(at);
        }
        if self.names.len() >= self.cap {
            self.dropped = true;
            return None;
        }
        self.index.insert(name.to_owned(), self.names.len());
        self.names.push(name.to_owned());
        Some(self.names.len() - 1)
    }
}

/// One series' values: the rows it takes (`None`: every row) and their values.
#[derive(Debug)]
pub struct Part {
    /// The series name shown in the legend.
    pub name: String,
    /// Drawn against the right-hand axis (a `y2` column).
    pub right_axis: bool,
    /// The result rows of the series, when not every row.
    pub rows: Option<Vec<usize>>,
    /// Its values, one per row taken.
    pub values: Vec<Option<f64>>,
}

/// The series of `visual`: one per value column (`y`, then `y2`), or, with `series`, one per
/// value of that column (and value column). Also whether series were left out for the cap.
pub fn parts(visual: &Visual, batches: &[RecordBatch]) -> Result<(Vec<Part>, bool), SeriesError> {
    let mut value_columns: Vec<(&str, bool)> =
        visual.y.iter().map(|y| (y.as_str(), false)).collect();
    for y2 in &visual.y2 {
        if !visual.y.contains(y2) {
            value_columns.push((y2, true));
        }
    }
    let Some(series) = &visual.series else {
        let parts = value_columns
            .iter()
            .take(MAX_SERIES)
            .map(|&(name, right_axis)| {
                Ok(Part {
                    name: name.to_owned(),
                    right_axis,
                    rows: None,
                    values: numbers(batches, name)?,
                })
            })
            .collect::<Result<Vec<_>, SeriesError>>()?;
        return Ok((parts, value_columns.len() > MAX_SERIES));
    };
    let keys = texts(batches, series)?;
    let mut labels = Labels::with_cap(MAX_SERIES);
    let mut parts: Vec<Part> = Vec::new();
    let several = value_columns.len() > 1;
    for &(column_name, right_axis) in &value_columns {
        let values = numbers(batches, column_name)?;
        let mut by_key: Vec<Option<usize>> = Vec::new();
        for (row, key) in keys.iter().enumerate() {
            let Some(label) = labels.index(key) else {
                continue;
            };
            if by_key.len() <= label {
                by_key.resize(label + 1, None);
            }
            let part = *by_key[label].get_or_insert_with(|| {
                let name = if several {
                    format!("{key} · {column_name}")
                } else {
                    key.clone()
                };
                parts.push(Part {
                    name,
                    right_axis,
                    rows: Some(Vec::new()),
                    values: Vec::new(),
                });
                parts.len() - 1
            });
            parts[part].rows.get_or_insert_with(Vec::new).push(row);
            parts[part].values.push(values[row]);
        }
    }
    Ok((parts, labels.dropped))
}
