//! One contributor to a KPI's change ("why did it change?"), as the engine finds it and the
//! window and `dashboard data` show it.

/// One value of a column and how much it contributed in each period.
#[derive(Clone, Debug, PartialEq)]
pub struct Driver {
    /// The column.
    pub dimension: String,
    /// Its value, as text (`None`: null).
    pub value: Option<String>,
    /// Its contribution in the current period (0 when it had none).
    pub current: f64,
    /// Its contribution in the previous period (0 when it had none).
    pub previous: f64,
    /// `current - previous`.
    pub change: f64,
}
