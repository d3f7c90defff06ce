//! The panels of the desktop app, one file each. A panel draws from the model it is given and
//! returns what the user asked for as a [`crate::app::Command`]; it never runs queries, touches
//! the engine or spawns work.

pub mod busy;
pub mod catalog;
pub mod chart;
pub mod connect;
pub mod editor;
pub mod export;
pub mod history;
pub mod results;
pub mod sql_highlight;
pub mod toolbar;
