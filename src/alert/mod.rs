//! Alert evaluation: Grafana's state machine per rule (Normal -> Pending -> Firing -> Recovering ->
//! Normal, plus no data and error states), driven by what a visual's run produced and an injected
//! instant, so every transition is tested without a clock or a window; the notice each transition
//! announces and the append-only history that records them. Blocking file I/O only: no engine, no
//! async runtime, no egui.

mod history;
mod notice;
mod state;
mod value;

pub use history::{HISTORY_FILE_NAME, History, HistoryError};
pub use notice::Notice;
pub use state::{AlertState, Evaluation, RuleState, Transition};
pub use value::evaluation_of;
