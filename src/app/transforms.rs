//! The Jobs panel's side of the app: the opened jobs file, its trust, where it writes, a run on
//! the runtime (progress counted by the run, Stop between partitions), its summary, and running
//! again every few seconds while following new data. A jobs file writes, so it runs only once
//! its exact bytes are trusted, as a dashboard's acting keys.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::command::{CommandSender, TransformsCommand};
use crate::jobs::{JobLost, Slot};
use crate::model::jobs::JobsFile;
use crate::model::{SourceLocation, SourceSpec};
use crate::transform::{self, Progress, RunOptions, RunReport};
use crate::ui;

use super::LakesightApp;

/// How often a followed jobs file runs again (each run builds only what changed).
const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// The Jobs panel's state.
#[derive(Default)]
pub(super) struct TransformsPanel {
    open: Option<OpenJobs>,
    open_dialog: Slot<Option<PathBuf>>,
    reading: Slot<(PathBuf, std::io::Result<Vec<u8>>)>,
    into_dialog: Slot<Option<PathBuf>>,
    /// The output lake as typed.
    into_text: String,
    /// A file was just opened: the panel unfolds to show it.
    reveal: bool,
}

struct OpenJobs {
    path: PathBuf,
    name: String,
    bytes: Vec<u8>,
    file: Result<JobsFile, String>,
    trusted: bool,
    into: String,
    running: Option<Running>,
    last: Option<(Vec<String>, bool)>,
    follow: bool,
    next_follow: Option<Instant>,
}

struct Running {
    job: Slot<Result<RunReport, String>>,
    only: Option<String>,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    total: AtomicUsize,
    done: AtomicUsize,
    rows: AtomicU64,
}

impl LakesightApp {
    /// Opens the jobs file at `path` in the Jobs panel (read on a blocking job).
    pub(super) fn open_jobs_file(&mut self, path: PathBuf) {
        let read = path;
        self.transforms
            .reading
            .start(self.jobs.spawn_blocking(move || {
                let bytes = std::fs::read(&read);
                (read, bytes)
            }));
    }

    pub(super) fn apply_transforms(&mut self, command: TransformsCommand) {
        if let TransformsCommand::BrowseInto = command {
            let dialog = rfd::AsyncFileDialog::new()
                .set_title("Where the jobs write")
                .pick_folder();
            self.transforms.into_dialog.start(
                self.jobs
                    .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
            );
            return;
        }
        let Some(open) = self.transforms.open.as_mut() else {
            return;
        };
        match command {
            TransformsCommand::SetInto(into) => open.into = into,
            TransformsCommand::Trust => match &self.trust_store {
                Some(store) => match store.trust(&open.path, &open.bytes, chrono::Utc::now()) {
                    Ok(_) => open.trusted = true,
                    Err(err) => self.status = Some(format!("could not record the trust: {err}")),
                },
                // Nothing is recorded (tests): trusted in this window only.
                None => open.trusted = true,
            },
            TransformsCommand::Run(only) => self.start_transform(only),
            TransformsCommand::Stop => {
                if let Some(running) = &open.running {
                    running.stop.store(true, Ordering::SeqCst);
                }
                open.follow = false;
            }
            TransformsCommand::SetFollow(follow) => {
                open.follow = follow;
                open.next_follow = follow.then(Instant::now);
            }
            TransformsCommand::Close => {
                if let Some(running) = &open.running {
                    running.stop.store(true, Ordering::SeqCst);
                }
                self.transforms.open = None;
            }
            TransformsCommand::BrowseInto => {}
        }
    }

    /// Starts the jobs (all, or `only`) from the attached lake into the chosen output lake.
    fn start_transform(&mut self, only: Option<String>) {
        let Some(open) = self.transforms.open.as_mut() else {
            return;
        };
        let (Ok(file), true, None) = (&open.file, open.trusted, open.running.as_ref()) else {
            return;
        };
        let Some(engine) = &self.engine else {
            return;
        };
        let source = engine.lake().spec.clone();
        let into = match into_spec(&open.into, &source) {
            Ok(into) => into,
            Err(err) => {
                open.last = Some((vec![err], true));
                return;
            }
        };
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let options = RunOptions {
            job: only.clone(),
            stop: Arc::clone(&stop),
            engine: self.config.engine.clone(),
            ..RunOptions::default()
        };
        let progress: transform::ProgressFn = {
            let counts = Arc::clone(&counts);
            let repaint = self.jobs.repaint();
            Arc::new(move |event: Progress| {
                match event {
                    Progress::JobStarted { building, .. } => {
                        counts.total.store(building, Ordering::SeqCst);
                        counts.done.store(0, Ordering::SeqCst);
                    }
                    Progress::PartitionBuilt { rows, .. } => {
                        counts.done.fetch_add(1, Ordering::SeqCst);
                        counts.rows.fetch_add(rows, Ordering::SeqCst);
                    }
                    Progress::PartitionFailed(_) => {
                        counts.done.fetch_add(1, Ordering::SeqCst);
                    }
                }
                repaint();
            })
        };
        let file = file.clone();
        let mut job = Slot::default();
        job.start(self.jobs.spawn(async move {
            transform::run_jobs(&file, &source, &into, &options, progress)
                .await
                .map_err(|e| e.to_string())
        }));
        open.running = Some(Running {
            job,
            only,
            stop,
            counts,
        });
    }

    /// Takes finished dialogs, reads and runs.
    pub(super) fn drain_transforms(&mut self) {
        if let Some(picked) = self.transforms.open_dialog.take_ready() {
            match picked {
                Ok(Some(path)) => self.open_jobs_file(path),
                Ok(None) => {}
                Err(JobLost(message)) => self.status = Some(message),
            }
        }
        if let Some(read) = self.transforms.reading.take_ready() {
            match read {
                Ok((path, Ok(bytes))) => self.opened_jobs_file(path, bytes),
                Ok((path, Err(err))) => {
                    self.status = Some(format!("could not read {}: {err}", path.display()));
                }
                Err(JobLost(message)) => self.status = Some(message),
            }
        }
        if let Some(Ok(Some(folder))) = self.transforms.into_dialog.take_ready() {
            let text = folder.display().to_string();
            self.transforms.into_text.clone_from(&text);
            if let Some(open) = self.transforms.open.as_mut() {
                open.into = text;
            }
        }
        let Some(open) = self.transforms.open.as_mut() else {
            return;
        };
        let finished = open
            .running
            .as_mut()
            .and_then(|running| running.job.take_ready());
        if let Some(result) = finished {
            open.running = None;
            let result = match result {
                Ok(result) => result,
                Err(JobLost(message)) => Err(message),
            };
            open.last = Some(match result {
                Ok(report) => (summary(&report), !report.succeeded()),
                Err(err) => (vec![err], true),
            });
            if open.follow {
                open.next_follow = Some(Instant::now() + FOLLOW_EVERY);
            }
        }
    }

    fn opened_jobs_file(&mut self, path: PathBuf, bytes: Vec<u8>) {
        let file = std::str::from_utf8(&bytes)
            .map_err(|_| "the file is not UTF-8 text".to_owned())
            .and_then(|text| JobsFile::parse(text).map_err(|e| e.to_string()));
        let trusted = self
            .trust_store
            .as_ref()
            .and_then(|store| store.check(&path, &bytes).ok())
            .is_some_and(|trust| trust == crate::trust::FileTrust::Trusted);
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let into = self
            .config
            .jobs_into
            .clone()
            .unwrap_or_else(|| self.transforms.into_text.clone());
        self.transforms.into_text.clone_from(&into);
        self.transforms.reveal = true;
        self.transforms.open = Some(OpenJobs {
            path,
            name,
            bytes,
            file,
            trusted,
            into,
            running: None,
            last: None,
            follow: false,
            next_follow: None,
        });
    }

    /// Runs a followed jobs file again when its time comes; wakes to show progress.
    pub(super) fn tick_transforms(&mut self, ctx: &egui::Context) {
        let Some(open) = self.transforms.open.as_ref() else {
            return;
        };
        if open.running.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
            return;
        }
        if let (true, Some(at)) = (open.follow, open.next_follow) {
            let now = Instant::now();
            if now >= at {
                if let Some(open) = self.transforms.open.as_mut() {
                    open.next_follow = None;
                }
                self.start_transform(None);
            } else {
                ctx.request_repaint_after(at - now);
            }
        }
    }

    /// The Jobs panel.
    pub(super) fn transforms_panel_ui(&mut self, ui: &mut egui::Ui, commands: &CommandSender) {
        let attached = self.engine.is_some();
        let Some(open) = self.transforms.open.as_ref() else {
            if ui.button("Open jobs file…").clicked() {
                commands.send(crate::command::Command::OpenJobsDialog);
            }
            return;
        };
        let jobs = match &open.file {
            Ok(file) => file
                .jobs
                .iter()
                .map(|job| ui::transforms::JobLine {
                    id: &job.id,
                    input: &job.input,
                    output: &job.output,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let view = ui::transforms::TransformsView {
            name: &open.name,
            error: open.file.as_ref().err().map(String::as_str),
            jobs,
            trusted: open.trusted,
            attached,
            running: open.running.as_ref().map(|r| ui::transforms::RunningView {
                job: r.only.as_deref(),
                done: r.counts.done.load(Ordering::SeqCst),
                total: r.counts.total.load(Ordering::SeqCst),
                rows: r.counts.rows.load(Ordering::SeqCst),
                stopping: r.stop.load(Ordering::SeqCst),
            }),
            last: open
                .last
                .as_ref()
                .map(|(lines, failed)| (lines.as_slice(), *failed)),
            follow: open.follow,
        };
        ui::transforms::transforms_ui(ui, &view, &mut self.transforms.into_text, commands);
    }

    /// `Some(true)` once after a jobs file was opened, so the panel unfolds to show it.
    pub(super) fn transforms_reveal(&mut self) -> Option<bool> {
        std::mem::take(&mut self.transforms.reveal).then_some(true)
    }

    /// Starts the dialog that picks a jobs file.
    pub(super) fn open_jobs_dialog(&mut self) {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Open a jobs file")
            .add_filter("Jobs file", &["toml"])
            .pick_file();
        self.transforms.open_dialog.start(
            self.jobs
                .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
        );
    }
}

/// The output lake typed in the panel; an `s3://` one is reached as the attached lake is.
fn into_spec(text: &str, source: &SourceSpec) -> Result<SourceSpec, String> {
    let mut into: SourceSpec = text
        .trim()
        .parse()
        .map_err(|e| format!("output {text}: {e}"))?;
    if let SourceLocation::S3 { .. } = into.location {
        into.profile.clone_from(&source.profile);
        into.region.clone_from(&source.region);
        into.endpoint.clone_from(&source.endpoint);
        into.no_sign_request = source.no_sign_request;
    }
    Ok(into)
}

/// A line per job of a finished run.
fn summary(report: &RunReport) -> Vec<String> {
    let mut lines = Vec::new();
    for job in &report.jobs {
        if let Some(error) = &job.error {
            lines.push(format!("{}: did not run: {error}", job.job));
            continue;
        }
        lines.push(format!(
            "{}: {} built, {} up to date, {} failed · {} rows",
            job.job,
            job.built,
            job.up_to_date,
            job.failed.len(),
            job.rows
        ));
        for failure in &job.failed {
            lines.push(format!("  {}: {}", failure.partition, failure.error));
        }
        if job.not_started > 0 {
            lines.push(format!(
                "  stopped: {} partitions not started",
                job.not_started
            ));
        }
    }
    lines
}
