//! Lakesight: offline desktop analytics for streaming data lakes.
//!
//! The crate is layered; each module may use only the modules to its left:
//!
//! `model <- lake <- sql <- engine <- jobs <- (app -> ui)`, and `cli` beside `jobs` on top of `engine`
//!
//! - [`model`] — plain data: where a lake lives ([`model::SourceSpec`]). No I/O.
//! - [`lake`] — reaching the data: object stores, table discovery, formats, schema inference.
//! - [`sql`] — SQL text for the editor: highlighting tokens, autocomplete, error positions.
//! - [`engine`] — the DataFusion session: read-only SQL, memory limit, cancellable streams.
//! - [`jobs`] — the bridge from a UI thread to the tokio runtime: bounded channels, repaint callback.
//! - [`series`] — Arrow batches to chart series: chart choice by column types, downsampling.
//! - [`sim`] — the Firehose-style simulator and the sample-lake generator (depends on arrow only).
//! - [`cli`] — the headless subcommands, built on the layers above.
//! - [`app`] — the desktop app (`eframe::App`): state, commands, draining jobs.
//! - [`ui`] — one file per panel; draws and returns commands, never runs work.
//!
//! No module below `app`/`ui` may use `egui` or `eframe`; `tests/architecture.rs` enforces it.

pub mod app;
pub mod build_info;
pub mod cli;
pub mod command;
pub mod engine;
pub mod jobs;
pub mod lake;
pub mod model;
pub mod results;
pub mod series;
pub mod sim;
pub mod sql;
pub mod ui;
