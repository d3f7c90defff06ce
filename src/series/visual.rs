//! A dashboard visual's query result -> what the visual draws ([`VisualData`]), from the visual's
//! spec (`x`, `y`, `series`, `kind`). Pure: arrow batches in, plain data out; tested without a
//! window. [`crate::ui::visuals::draw`] draws the result.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::SeriesError;
use crate::model::dashboard::{Visual, VisualKind};

/// What one visual draws.
#[derive(Clone, Debug, PartialEq)]
pub enum VisualData {
    /// The result as rows of text.
    Table(TableData),
    /// A `text` visual (its Markdown is in the spec).
    Text,
}

/// A result as a table.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TableData {
    /// Column names.
    pub columns: Vec<String>,
    /// Cell text, row by row.
    pub rows: Vec<Vec<String>>,
}

/// What `visual` draws from its query's `batches`; `previous` is the same query over the
/// previous period, for a KPI with `compare = "previous-period"`.
pub fn prepare(
    visual: &Visual,
    batches: &[RecordBatch],
    _previous: Option<&[RecordBatch]>,
) -> Result<VisualData, SeriesError> {
    if visual.kind == VisualKind::Text {
        return Ok(VisualData::Text);
    }
    Ok(VisualData::Table(table(batches)?))
}

fn table(batches: &[RecordBatch]) -> Result<TableData, SeriesError> {
    let mut data = TableData::default();
    let options = FormatOptions::default().with_null("");
    for batch in batches {
        if data.columns.is_empty() {
            data.columns = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
        }
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            data.rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    Ok(data)
}
