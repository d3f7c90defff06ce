//! Alert evaluation: Grafana's state machine per rule (Normal -> Pending -> Firing -> Recovering ->
//! Normal, plus no data and error states), driven by what a visual's run produced and an injected
//! instant, so every transition is tested without a clock or a window; the notice each transition
//! announces; the append-only history of notices; the notifiers that announce them (desktop,
//! webhook, program), each bounded by its own timeout; and the [`Announcer`] that records each
//! transition and then announces it, in order per notifier, off the evaluation path. Plain
//! threads and blocking I/O: no engine, no async runtime, no egui.

mod announcer;
mod history;
mod notice;
pub mod notify;
mod state;
mod value;

pub use announcer::Announcer;
pub use history::{HISTORY_FILE_NAME, History, HistoryError};
pub use notice::Notice;
pub use notify::{Notify, NotifyError, NotifyFailure, NotifyOptions, notifiers_for, send_all};
pub use state::{AlertState, Evaluation, RuleState, Transition};
pub use value::{ANOMALY_HISTORY, anomaly_history, evaluation_for, evaluation_of};
