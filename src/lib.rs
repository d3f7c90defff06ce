//! Lakesight: offline desktop analytics for streaming data lakes.
//!
//! The crate is layered; each module uses only the layers below it (the table in `ARCHITECTURE.md`,
//! checked by `tests/architecture.rs`, which parses every `use` tree and path):
//!
//! `model <- lake <- sql <- engine <- jobs <- app -> ui`, with `series` and `results` (pure, over
//! arrow) and `command` (what panels ask for) below both `app` and `ui`, and `cli` over the engine.
//!
//! - [`model`] — plain data: where a lake lives ([`model::SourceSpec`]), result formats, atomic files.
//! - [`lake`] — reaching the data: object stores, table discovery, formats, schema inference.
//! - [`sql`] — SQL text for the editor: highlighting tokens, autocomplete, quoting, error positions.
//! - [`engine`] — the DataFusion session: read-only SQL, memory limit, cancellable streams.
//! - [`alert`] — Grafana's alert state machine per rule, evaluated on a value and an instant.
//! - [`trust`] — which dashboard files the user trusts to act (SHA-256 of their bytes), and what
//!   an untrusted file would do: run programs, post to hosts, use its own endpoint, write files.
//! - [`refresh`] — which visuals are due to run again (interval, new files) and how fresh data is.
//! - [`series`] — Arrow batches to chart series: chart choice by column types, downsampling.
//! - [`results`] — a result held for the window, and the budget it is held to.
//! - [`jobs`] — the bridge from a UI thread to the tokio runtime: bounded channels, lost jobs
//!   reported, the one runtime builder.
//! - [`command`] — the commands panels send, and the sender that keeps every one of them.
//! - [`sim`] — the Firehose-style simulator and the sample-lake generator.
//! - [`cli`] — the headless subcommands, built on the layers above.
//! - [`app`] — the desktop app (`eframe::App`): state and its file, applying commands, draining jobs.
//! - [`ui`] — one file per panel; draws and sends commands, never runs work or imports the app.
//!
//! Only `app` and `ui` use `egui`, `eframe` or file dialogs.

pub mod alert;
pub mod app;
pub mod build_info;
pub mod cli;
pub mod command;
pub mod engine;
pub mod insights;
pub mod jobs;
pub mod lake;
pub mod model;
pub mod refresh;
pub mod render;
pub mod results;
pub mod series;
pub mod sim;
pub mod sql;
pub mod transform;
pub mod trust;
pub mod ui;
