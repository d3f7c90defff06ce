//! Taking the results of background jobs, every frame, visible or not. Each job is held in a
//! [`crate::jobs::Slot`]; a lost job (a panic) arrives as an error like any other failure.

use std::sync::Arc;

use crate::command::Command;
use crate::engine::Engine;
use crate::jobs::JobLost;
use crate::model::SourceSpec;
use crate::model::dashboard::DashboardSource;

use super::LakesightApp;

impl LakesightApp {
    /// Drains background work; runs every frame, visible or not.
    pub(super) fn drain_jobs(&mut self) {
        self.drain_images();
        self.drain_dashboards();
        if let Some(picked) = self.dashboard_open_dialog.take_ready() {
            match picked {
                Ok(Some(path)) => self.open_dashboard(DashboardSource::File(path)),
                Ok(None) => {}
                Err(JobLost(message)) => self.status = Some(message),
            }
        }
        if let Some(picked) = self.dashboard_save_dialog.take_ready() {
            match picked {
                Ok((id, Some(path))) => self.save_dashboard(id, path),
                Ok((_, None)) => {}
                Err(JobLost(message)) => self.status = Some(message),
            }
        }
        if let Some(result) = self.demo.preparing.take_ready() {
            self.demo_prepared(flatten(result));
        }
        if let Some(result) = self.attach_job.take_ready() {
            let spec = self.attaching.take();
            self.attached(spec, flatten(result));
        }
        if let Some(picked) = self.picking_folder.take_ready() {
            match picked {
                Ok(Some(folder)) => self.apply(Command::Attach(SourceSpec::local(folder))),
                Ok(None) => {
                    self.status = Some(
                        "no folder chosen: type a path or s3:// URL and press Attach".to_owned(),
                    );
                }
                Err(JobLost(message)) => self.status = Some(message),
            }
        }
        if let Some(done) = self.sorting.take_ready() {
            match done {
                Ok(done) => self.sorted(done),
                Err(JobLost(message)) => self.status = Some(format!("cannot sort: {message}")),
            }
        }
        if let Some(result) = self.refreshing.take_ready() {
            match flatten(result) {
                Ok(catalog) => {
                    self.catalog = Some(catalog);
                    self.completions = self.engine.as_ref().map(|e| Arc::new(e.completions()));
                }
                Err(message) => self.status = Some(message),
            }
        }
        if let Some(picked) = self.save_dialog.take_ready() {
            match picked {
                Ok(Some(path)) => {
                    self.panels.export.path = path.display().to_string();
                    // The save dialog asked about replacing it already.
                    self.export_confirmed = Some(path);
                }
                Ok(None) | Err(_) => {
                    self.export_outcome =
                        Some(("no file chosen: type the path instead".to_owned(), true));
                }
            }
        }
        if let Some(run) = &mut self.export_run
            && let Some(result) = run.job.poll()
        {
            self.export_outcome = Some(match flatten(result) {
                Ok(done) => (
                    format!(
                        "Exported {} to {} ({})",
                        crate::model::rows_text(done.rows),
                        done.path.display(),
                        crate::model::human_bytes(done.bytes)
                    ),
                    false,
                ),
                Err(message) => (message, true),
            });
            self.export_run = None;
        }
        if let Some(result) = self.profiles_job.take_ready() {
            self.panels.connect.profiles = Some(flatten(result));
        }
        if let Some(written) = self.saving.take_ready() {
            self.state_saved(written.unwrap_or_else(|lost| Err(lost.into())));
        }
        self.drain_queries();
    }

    fn demo_prepared(&mut self, result: Result<super::demo::DemoLake, String>) {
        match result {
            // The user attached something else meanwhile: their choice stands.
            Ok(_) if self.attaching.is_some() || self.engine.is_some() => {}
            Ok(lake) => {
                let feed = super::demo::demo_feed(&lake.path);
                self.demo.feed = Some(self.jobs.spawn(async move {
                    if let Err(err) = crate::sim::run(&feed, |_| {}).await {
                        tracing::warn!("the demo feed stopped: {err}");
                    }
                }));
                let spec = SourceSpec::local(&lake.path);
                self.demo.lake = Some(lake);
                self.apply(Command::Attach(spec));
            }
            Err(message) => self.status = Some(message),
        }
    }

    fn attached(&mut self, spec: Option<SourceSpec>, result: Result<Engine, String>) {
        let connect = &mut self.panels.connect;
        let engine = match result {
            Ok(engine) => engine,
            Err(message) => {
                // The lake attached stays where it ran (a cluster that did not answer, say).
                if let Some(engine) = &self.engine {
                    self.config.engine.cluster = engine.cluster().cloned();
                }
                if connect.connecting {
                    // Shown where the user is looking: in the dialog, which stays open.
                    connect.error = Some(message.clone());
                    connect.connecting = false;
                }
                self.status = Some(message);
                return;
            }
        };
        connect.open = false;
        connect.connecting = false;
        self.catalog = Some(engine.catalog());
        self.completions = Some(Arc::new(engine.completions()));
        let spec = spec.unwrap_or_else(|| engine.lake().spec.clone());
        self.engine = Some(engine);
        self.status = None;
        self.run_all_dashboards();
        let demo_path = self.demo.lake.as_ref().map(|l| SourceSpec::local(&l.path));
        // The demo shows its orders dashboard (opened at start); the user's restored tabs never
        // run on their own.
        if demo_path.as_ref() != Some(&spec) {
            self.state.remember_source(&spec);
            // The demo lake is no longer read: stop feeding it, and let it go.
            self.demo.feed = None;
            self.demo.lake = None;
        }
    }
}

/// A job's result with a lost job as its error message.
fn flatten<T>(result: Result<Result<T, String>, JobLost>) -> Result<T, String> {
    result.map_err(|JobLost(message)| message).and_then(|r| r)
}
