//! Alert evaluation: Grafana's state machine per rule (Normal -> Pending -> Firing -> Recovering ->
//! Normal, plus no data and error states), driven by what a visual's run produced and an injected
//! instant, so every transition is tested without a clock or a window; the notice each transition
//! announces. No engine, no egui.

mod notice;
mod state;
mod value;

pub use notice::Notice;
pub use state::{AlertState, Evaluation, RuleState, Transition};
pub use value::evaluation_of;
