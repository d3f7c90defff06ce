//! Query results held in memory for the window: [`ResultSet`] (Arrow batches with row lookup for a
//! virtual-scrolling table, and a display order) and [`ResultBudget`] (how much of a result may
//! be held before the query is stopped). Pure over Arrow: no engine, no egui.

mod budget;
mod set;

pub use budget::{BudgetUse, Cut, ResultBudget};
pub use set::{ResultError, ResultSet};
