//! Alert evaluation: Grafana's state machine per rule (Normal -> Pending -> Firing -> Recovering ->
//! Normal, plus no data and error states), driven by what a visual's run produced and an injected instant,
//! so every transition is tested without a clock or a window. Pure: no I/O, no engine, no egui.

mod state;

pub use state::{AlertState, Evaluation, RuleState, Transition};
