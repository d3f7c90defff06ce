//! Live refresh, decided without a clock or a window: which visuals of a dashboard are due to run
//! again (on an interval, or when new files land in a table they read), when to check an S3 lake
//! for new files, and how fresh the data shown is. The app and `lakesight watch` feed it the
//! instants and change notices; it answers. Pure: no I/O, no engine, no egui.

mod freshness;
mod plan;

pub use freshness::{Freshness, Staleness, freshness};
pub use plan::{RefreshPlan, VisualReads};
