//! How much of a result the window keeps. A `SELECT *` over a large table must not exhaust the
//! machine's memory (the result is held outside the engine's memory pool), so a result stops at
//! a budget of rows and bytes; the rows so far stay, and the result says it was cut.

/// The most of one result kept in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultBudget {
    /// Rows at most.
    pub max_rows: usize,
    /// Bytes of Arrow buffers at most.
    pub max_bytes: u64,
}

/// Where a result was cut, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Rows kept.
    pub rows: usize,
    /// The budget that was reached.
    pub budget: ResultBudget,
    /// Whether it was the byte budget (else the row budget).
    pub by_bytes: bool,
}

/// A running count of what a result holds, against its budget.
#[derive(Clone, Copy, Debug)]
pub struct BudgetUse {
    budget: ResultBudget,
    rows: usize,
    bytes: u64,
}

/// Rows kept by default.
pub const DEFAULT_MAX_ROWS: usize = 10_000_000;
/// The byte budget is this fraction of the machine's memory by default...
const DEFAULT_MEMORY_FRACTION: u64 = 8;
/// ...within these bounds.
const MIN_DEFAULT_BYTES: u64 = 256 << 20;
const MAX_DEFAULT_BYTES: u64 = 4 << 30;

impl ResultBudget {
    /// The default for a machine with `total_memory` bytes: an eighth of it, between 256 MiB and
    /// 4 GiB, and ten million rows.
    pub fn for_memory(total_memory: u64) -> Self {
        Self {
            max_rows: DEFAULT_MAX_ROWS,
            max_bytes: (total_memory / DEFAULT_MEMORY_FRACTION)
                .clamp(MIN_DEFAULT_BYTES, MAX_DEFAULT_BYTES),
        }
    }

    /// The budget with the user's settings where given (rows, MiB), the default elsewhere.
    #[must_use]
    pub fn with_overrides(self, rows: Option<usize>, mib: Option<u64>) -> Self {
        Self {
            max_rows: rows.unwrap_or(self.max_rows).max(1),
            max_bytes: mib.map_or(self.max_bytes, |mib| mib.max(1).saturating_mul(1 << 20)),
        }
    }

    /// A fresh count against this budget.
    pub fn start(self) -> BudgetUse {
        BudgetUse {
            budget: self,
            rows: 0,
            bytes: 0,
        }
    }
}

impl BudgetUse {
    /// Counts a batch of `rows` rows and `bytes` bytes. Returns how many of its rows fit, and
    /// the cut when the budget is reached with this batch (the result stops here).
    pub fn admit(&mut self, rows: usize, bytes: u64) -> (usize, Option<Cut>) {
        let room = self.budget.max_rows.saturating_sub(self.rows);
        let mut take = rows.min(room);
        let mut by_bytes = false;
        if self.bytes.saturating_add(bytes) > self.budget.max_bytes && rows > 0 {
            // Keep the share of the batch that fits (rows are about the same size), at least
            // one row so a result is never empty because its first batch was large.
            let left = self.budget.max_bytes.saturating_sub(self.bytes);
            let fits = ((u128::from(left) * rows as u128) / u128::from(bytes.max(1))) as usize;
            take = take.min(fits.max(usize::from(self.rows == 0)));
            by_bytes = true;
        }
        self.rows += take;
        self.bytes = self
            .bytes
            .saturating_add(bytes.saturating_mul(take as u64) / (rows.max(1) as u64));
        let cut = (take < rows || self.rows >= self.budget.max_rows || by_bytes).then_some(Cut {
            rows: self.rows,
            budget: self.budget,
            by_bytes,
        });
        (take, cut)
    }
}

impl Cut {
    /// What the window says about a cut result.
    pub fn message(&self) -> String {
        let limit = if self.by_bytes {
            crate::model::human_bytes(self.budget.max_bytes)
        } else {
            format!("{} rows", self.budget.max_rows)
        };
        format!(
            "Showing the first {} rows: the result limit ({limit}) was reached and the query \
             stopped. Export writes the whole result.",
            self.rows
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max_rows: usize, max_bytes: u64) -> ResultBudget {
        ResultBudget {
            max_rows,
            max_bytes,
        }
    }

    #[test]
    fn rows_stop_exactly_at_the_row_budget() {
        let mut used = budget(250, u64::MAX).start();
        assert_eq!(used.admit(100, 10), (100, None));
        assert_eq!(used.admit(100, 10), (100, None));
        let (take, cut) = used.admit(100, 10);
        assert_eq!(take, 50);
        let cut = cut.expect("cut at 250 rows");
        assert_eq!(cut.rows, 250);
        assert!(!cut.by_bytes);
        assert!(cut.message().contains("Export writes the whole result"));
    }

    #[test]
    fn bytes_stop_at_the_byte_budget_keeping_what_fits() {
        let mut used = budget(usize::MAX, 1_000).start();
        assert_eq!(used.admit(10, 600), (10, None));
        let (take, cut) = used.admit(10, 600);
        assert_eq!(take, 6, "400 bytes left of 60-byte rows");
        assert!(cut.expect("cut").by_bytes);
    }

    #[test]
    fn a_huge_first_batch_keeps_one_row() {
        let mut used = budget(usize::MAX, 10).start();
        let (take, cut) = used.admit(1_000, 1_000_000);
        assert_eq!(take, 1);
        assert!(cut.is_some());
    }

    #[test]
    fn the_default_follows_the_machine_and_settings_override_it() {
        assert_eq!(ResultBudget::for_memory(16 << 30).max_bytes, 2 << 30);
        assert_eq!(ResultBudget::for_memory(1 << 30).max_bytes, 256 << 20);
        assert_eq!(ResultBudget::for_memory(256 << 30).max_bytes, 4 << 30);
        let custom = ResultBudget::for_memory(16 << 30).with_overrides(Some(5), Some(3));
        assert_eq!(custom, budget(5, 3 << 20));
    }
}
