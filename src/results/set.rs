//! A query result held as Arrow batches, with row lookup for a virtual-scrolling table: cells are
//! formatted only when their row scrolls into view.

use std::sync::Arc;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::compute::{SortOptions, concat, interleave_record_batch, sort_to_indices};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::Cut;

/// Why a result could not be sorted, formatted or reordered.
#[derive(Debug, thiserror::Error)]
pub enum ResultError {
    /// Arrow refused the operation (an unsupported type, say).
    #[error("{0}")]
    Arrow(#[from] ArrowError),
}

/// A complete (or arriving) result.
#[derive(Clone, Debug)]
pub struct ResultSet {
    /// Identifies this result (copies share it), so late work lands only on it.
    id: u64,
    /// The result's schema.
    pub schema: SchemaRef,
    batches: Vec<RecordBatch>,
    /// Row index at which each batch starts.
    starts: Vec<usize>,
    rows: usize,
    /// The display order when sorted: `(column, descending, row permutation)`.
    sort: Option<(usize, bool, Arc<Vec<u32>>)>,
    /// Where the result was cut at its budget (`None`: complete).
    cut: Option<Cut>,
}

impl ResultSet {
    /// An empty result of `schema`.
    pub fn new(schema: SchemaRef) -> Self {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            schema,
            batches: Vec::new(),
            starts: Vec::new(),
            rows: 0,
            sort: None,
            cut: None,
        }
    }

    /// Marks the result as cut at its budget: the query stopped before its end.
    pub fn set_cut(&mut self, cut: Cut) {
        self.cut = Some(cut);
    }

    /// Where the result was cut (`None`: it is the whole result).
    pub fn cut(&self) -> Option<&Cut> {
        self.cut.as_ref()
    }

    /// This result's identity.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Appends a batch.
    pub fn push(&mut self, batch: RecordBatch) {
        if batch.num_rows() == 0 {
            return;
        }
        self.starts.push(self.rows);
        self.rows += batch.num_rows();
        self.batches.push(batch);
    }

    /// The batches as they arrived (not in sort order).
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// Total rows.
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// Where displayed row `row` lives: `(batch, row within it)`.
    pub fn locate(&self, row: usize) -> Option<(usize, usize)> {
        let row = match &self.sort {
            Some((_, _, order)) => order.get(row).map_or(row, |&r| r as usize),
            None => row,
        };
        let batch = self
            .starts
            .partition_point(|&start| start <= row)
            .checked_sub(1)?;
        let offset = row - self.starts[batch];
        (offset < self.batches.get(batch)?.num_rows()).then_some((batch, offset))
    }

    /// A formatter for one column of one batch (`NULL` for nulls). Create it once per frame and
    /// batch, not once per cell.
    pub fn formatter(
        &self,
        batch: usize,
        column: usize,
    ) -> Result<ArrayFormatter<'_>, ResultError> {
        let options = FormatOptions::default().with_null("NULL");
        Ok(ArrayFormatter::try_new(
            self.batches[batch].column(column).as_ref(),
            &options,
        )?)
    }

    /// The text of one cell (`row` over the whole result, in display order).
    pub fn cell_text(&self, row: usize, column: usize) -> String {
        let Some((batch, offset)) = self.locate(row) else {
            return String::new();
        };
        match self.formatter(batch, column) {
            Ok(formatter) => formatter.value(offset).to_string(),
            Err(err) => format!("<{err}>"),
        }
    }

    /// The current sort: column and whether it is descending.
    pub fn sort(&self) -> Option<(usize, bool)> {
        self.sort
            .as_ref()
            .map(|(column, descending, _)| (*column, *descending))
    }

    /// The row order that sorts by `column` (nulls last). Costly on big results: run it off the UI thread.
    pub fn sort_order(&self, column: usize, descending: bool) -> Result<Vec<u32>, ResultError> {
        let arrays: Vec<&dyn Array> = self
            .batches
            .iter()
            .map(|b| b.column(column).as_ref())
            .collect();
        if arrays.is_empty() {
            return Ok(Vec::new());
        }
        let whole = concat(&arrays)?;
        let options = SortOptions {
            descending,
            nulls_first: false,
        };
        let indices = sort_to_indices(&whole, Some(options), None)?;
        Ok(indices.values().to_vec())
    }

    /// Shows rows in `order` (from [`ResultSet::sort_order`]).
    pub fn set_sort(&mut self, column: usize, descending: bool, order: Vec<u32>) {
        self.sort = Some((column, descending, Arc::new(order)));
    }

    /// The rows in display order (sorted, if a sort is shown), `chunk` rows at a time.
    pub fn display_batches(
        &self,
        chunk: usize,
    ) -> impl Iterator<Item = Result<RecordBatch, ResultError>> + '_ {
        let unsorted = self
            .sort
            .is_none()
            .then(|| self.batches.iter().cloned().map(Ok));
        let sorted = self.sort.as_ref().map(|(_, _, order)| {
            let batches: Vec<&RecordBatch> = self.batches.iter().collect();
            order.chunks(chunk.max(1)).map(move |rows| {
                let indices: Vec<(usize, usize)> = rows
                    .iter()
                    .map(|&row| {
                        let row = row as usize;
                        let batch = self.starts.partition_point(|&s| s <= row) - 1;
                        (batch, row - self.starts[batch])
                    })
                    .collect();
                interleave_record_batch(&batches, &indices).map_err(ResultError::from)
            })
        });
        unsorted
            .into_iter()
            .flatten()
            .chain(sorted.into_iter().flatten())
    }

    /// The column names as tab-separated values, for copying.
    pub fn header_tsv(&self) -> String {
        let names: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        names.join("\t")
    }

    /// A row as tab-separated values, for copying.
    pub fn row_tsv(&self, row: usize) -> String {
        (0..self.schema.fields().len())
            .map(|c| self.cell_text(row, c))
            .collect::<Vec<_>>()
            .join("\t")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn finds_cells_across_batches() {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
        let mut result = ResultSet::new(schema.clone());
        for range in [0..3_i64, 3..4, 4..10] {
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![Arc::new(Int64Array::from(range.collect::<Vec<_>>()))],
            )
            .expect("batch");
            result.push(batch);
        }
        assert_eq!(result.num_rows(), 10);
        let cells: Vec<String> = (0..10).map(|r| result.cell_text(r, 0)).collect();
        assert_eq!(cells, (0..10).map(|n| n.to_string()).collect::<Vec<_>>());
        assert_eq!(result.row_tsv(3), "3");
        assert_eq!(result.header_tsv(), "n");
        let order = result.sort_order(0, true).expect("sortable");
        result.set_sort(0, true, order);
        assert_eq!(result.cell_text(0, 0), "9");
        assert_eq!(result.cell_text(9, 0), "0");
        // Exported in the order shown.
        let shown: Vec<i64> = result
            .display_batches(4)
            .flat_map(|b| {
                let b = b.expect("batch");
                let n = b
                    .column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .unwrap()
                    .clone();
                n.values().to_vec()
            })
            .collect();
        assert_eq!(shown, (0..10).rev().collect::<Vec<_>>());
    }
}
