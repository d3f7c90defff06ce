//! `lakesight transform run|status`: Glue-style jobs from a jobs file, headless. Writing goes
//! only to the `--into` lake the user names (their consent); the source is only read.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};

use super::args::{ReportFormat, TransformArgs, TransformCommand};
use super::{engine_options, source_spec, with_access};
use crate::model::human_bytes;
use crate::model::jobs::JobsFile;
use crate::transform::{self, JobStatus, Progress, RunOptions, RunReport};

/// Exit code when some partitions failed (the others were built).
pub const EXIT_SOME_FAILED: u8 = 4;
/// Exit code when the run was stopped (Ctrl-C, SIGTERM) before it finished.
pub const EXIT_STOPPED: u8 = 5;

/// Runs a `transform` subcommand.
pub async fn transform(command: &TransformCommand) -> Result<ExitCode> {
    match command {
        TransformCommand::Run(args) => run(args).await,
        TransformCommand::Status(args) => status(args).await,
    }
}

fn read_jobs(path: &Path) -> Result<JobsFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    JobsFile::parse(&text).map_err(|err| anyhow::anyhow!("{}:\n{err}", path.display()))
}

fn into_spec(args: &TransformArgs) -> Result<crate::model::SourceSpec> {
    let spec: crate::model::SourceSpec = args
        .into
        .parse()
        .with_context(|| format!("--into {}", args.into))?;
    Ok(with_access(spec, &args.lake.access))
}

async fn run(args: &TransformArgs) -> Result<ExitCode> {
    let file = read_jobs(&args.file)?;
    let source = source_spec(&args.lake)?;
    let into = into_spec(args)?;
    // On a cluster, each partition's query runs there (the cluster must serve the source lake,
    // and `--into` too when a job reads another's output); the output is written from here.
    let engine = engine_options(&args.lake.access);
    let mut options = RunOptions {
        job: args.job.clone(),
        full: args.full,
        skip_bad_files: args.skip_bad_files,
        concurrency: args.concurrency.unwrap_or(0),
        stop: Arc::default(),
        engine,
        states: args.follow.then(Arc::default),
        hold_failed: false,
    };
    let (stopped_tx, mut stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::clone(&options.stop);
    let signal = super::watch::stop_signal()?;
    tokio::spawn(async move {
        signal.await;
        stop.store(true, Ordering::SeqCst);
        let _ = stopped_tx.send(true);
        eprintln!("\nstopping: the partitions under way finish, no new one starts");
    });
    let meter = Arc::new(Meter::new(std::io::stderr().is_terminal()));
    let progress: transform::ProgressFn = {
        let meter = Arc::clone(&meter);
        Arc::new(move |event: Progress| meter.show(&event))
    };
    // With --follow, a local source's file watcher wakes the loop as soon as files land.
    let (landed_tx, mut landed) = tokio::sync::mpsc::channel::<()>(1);
    let _watch = if args.follow {
        watch_inputs(&file, &source, &options, landed_tx).await?
    } else {
        None
    };
    let mut first = true;
    loop {
        let report =
            match transform::run_jobs(&file, &source, &into, &options, Arc::clone(&progress)).await
            {
                Ok(report) => report,
                // Following, a lake that does not answer for a while (the network, a lock) is tried
                // again when files land or at the next poll, rather than ending the run.
                Err(err) if args.follow && !first && !options.stop.load(Ordering::SeqCst) => {
                    eprintln!("error: {err}; trying again at the next check");
                    wait_for_input(&mut landed, &mut stopped, args.poll).await;
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
        meter.finish();
        let changed = report
            .jobs
            .iter()
            .any(|j| j.built + j.removed + j.failed.len() > 0 || j.error.is_some());
        if first || changed || !args.follow {
            match args.format {
                // Following, one line per run (NDJSON), so a script can read them as they come.
                ReportFormat::Json if args.follow => {
                    println!("{}", serde_json::to_string(&report)?);
                }
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                ReportFormat::Table => print!("{}", summary(&report)),
            }
        }
        first = false;
        meter.quiet_when_idle.store(true, Ordering::SeqCst);
        // A partition that failed is tried again when its files change, not every few seconds.
        options.hold_failed = true;
        let user_stopped = options.stop.load(Ordering::SeqCst);
        if !args.follow || user_stopped {
            let unfinished = report.jobs.iter().any(|j| j.not_started > 0);
            return Ok(if report.succeeded() {
                ExitCode::SUCCESS
            } else if unfinished && !args.follow {
                ExitCode::from(EXIT_STOPPED)
            } else if report
                .jobs
                .iter()
                .all(|j| j.failed.is_empty() && j.error.is_none())
            {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_SOME_FAILED)
            });
        }
        wait_for_input(&mut landed, &mut stopped, args.poll).await;
    }
}

/// With `--follow`: until files land (the watcher), `poll` passes, or the run is stopped.
async fn wait_for_input(
    landed: &mut tokio::sync::mpsc::Receiver<()>,
    stopped: &mut tokio::sync::watch::Receiver<bool>,
    poll: std::time::Duration,
) {
    tokio::select! {
        _ = landed.recv() => {}
        () = tokio::time::sleep(poll) => {}
        _ = stopped.changed() => {}
    }
}

/// With `--follow` on a local source: a watcher on the tables the jobs read there.
async fn watch_inputs(
    file: &JobsFile,
    source: &crate::model::SourceSpec,
    options: &RunOptions,
    landed: tokio::sync::mpsc::Sender<()>,
) -> Result<Option<crate::lake::watch::LocalWatch>> {
    let crate::model::SourceLocation::Local { path } = &source.location else {
        return Ok(None);
    };
    let inputs: Vec<String> = file
        .jobs
        .iter()
        .filter(|job| file.producer_of(&job.input).is_none())
        .map(|job| job.input.clone())
        .collect();
    let engine = crate::engine::Engine::attach_only(source, &options.engine, Some(inputs))
        .await
        .with_context(|| format!("could not attach {source}"))?;
    let tables = engine.catalog().tables.clone();
    let watch = crate::lake::watch::watch_local(path, tables, source.links, move |_| {
        // One pending wake-up is enough: the run lists everything again.
        let _ = landed.try_send(());
    })?;
    Ok(Some(watch))
}

async fn status(args: &TransformArgs) -> Result<ExitCode> {
    let file = read_jobs(&args.file)?;
    let source = source_spec(&args.lake)?;
    let into = into_spec(args)?;
    let found =
        transform::status(&file, &source, &into, &engine_options(&args.lake.access)).await?;
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&found)?),
        ReportFormat::Table => print!("{}", status_text(&found)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress on stderr: one line redrawn on a terminal, a line per job otherwise.
struct Meter {
    terminal: bool,
    /// Jobs with nothing to do are not announced (`--follow` after its first run).
    quiet_when_idle: std::sync::atomic::AtomicBool,
    /// The job under way, its partitions to build and when it started (counts are per job).
    job: Mutex<(String, usize, Instant)>,
    done: AtomicUsize,
    rows: AtomicU64,
    bytes: AtomicU64,
}

impl Meter {
    fn new(terminal: bool) -> Self {
        Self {
            terminal,
            quiet_when_idle: std::sync::atomic::AtomicBool::new(false),
            job: Mutex::new((String::new(), 0, Instant::now())),
            done: AtomicUsize::new(0),
            rows: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    fn show(&self, event: &Progress) {
        let Ok(mut job) = self.job.lock() else {
            return;
        };
        match event {
            Progress::JobStarted {
                job: id,
                partitions,
                building,
                removing,
                held,
            } => {
                if *building + *removing == 0 && self.quiet_when_idle.load(Ordering::SeqCst) {
                    return;
                }
                if self.terminal && !job.0.is_empty() {
                    eprintln!();
                }
                *job = (id.clone(), *building, Instant::now());
                self.done.store(0, Ordering::SeqCst);
                self.rows.store(0, Ordering::SeqCst);
                self.bytes.store(0, Ordering::SeqCst);
                eprintln!(
                    "{id}: {partitions} partitions, {building} to build, {} up to date{}{}",
                    partitions - building - held,
                    if *removing > 0 {
                        format!(", {removing} removed (their input is gone)")
                    } else {
                        String::new()
                    },
                    if *held > 0 {
                        format!(
                            ", {held} failed before and not retried (their files have not changed)"
                        )
                    } else {
                        String::new()
                    }
                );
            }
            Progress::PartitionBuilt { rows, bytes, .. } => {
                self.done.fetch_add(1, Ordering::SeqCst);
                self.rows.fetch_add(*rows, Ordering::SeqCst);
                self.bytes.fetch_add(*bytes, Ordering::SeqCst);
            }
            Progress::PartitionFailed(failure) => {
                self.done.fetch_add(1, Ordering::SeqCst);
                if self.terminal {
                    eprint!("\r\x1b[2K");
                }
                eprintln!(
                    "{}: partition {} failed: {}",
                    failure.job, failure.partition, failure.error
                );
            }
        }
        if self.terminal {
            let rows = self.rows.load(Ordering::SeqCst);
            let seconds = job.2.elapsed().as_secs_f64().max(0.001);
            let done = self.done.load(Ordering::SeqCst);
            eprint!(
                "\r\x1b[2K{}: {} {done}/{} partitions · {rows} rows · {} · {:.0} rows/s",
                job.0,
                bar(done, job.1),
                job.1,
                human_bytes(self.bytes.load(Ordering::SeqCst)),
                rows as f64 / seconds
            );
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

/// `[#####-----]`: `done` of `total`, 20 characters wide.
fn bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 20;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(WIDTH - filled))
}

/// The end-of-run summary.
fn summary(report: &RunReport) -> String {
    let mut text = String::new();
    for job in &report.jobs {
        if let Some(error) = &job.error {
            let _ = writeln!(text, "{}: did not run: {error}", job.job);
            continue;
        }
        let rate = job.rows as f64 / job.seconds.max(0.001);
        let _ = writeln!(
            text,
            "{}: {} built, {} up to date, {} removed, {} failed{} · {} rows · {} · {:.1} s ({rate:.0} rows/s) -> {}/{}",
            job.job,
            job.built,
            job.up_to_date,
            job.removed,
            job.failed.len(),
            if job.not_started > 0 {
                format!(", {} not started (stopped)", job.not_started)
            } else {
                String::new()
            },
            job.rows,
            human_bytes(job.bytes),
            job.seconds,
            report.into,
            job.output,
        );
        for failure in &job.failed {
            let _ = writeln!(text, "  failed {}: {}", failure.partition, failure.error);
        }
        for skipped in &job.skipped_files {
            let _ = writeln!(text, "  skipped {}: {}", skipped.path, skipped.reason);
        }
        if job.outside_partitions > 0 {
            let _ = writeln!(
                text,
                "  {} input files outside the partition folders were not read",
                job.outside_partitions
            );
        }
    }
    text
}

fn status_text(found: &[JobStatus]) -> String {
    let mut text = String::new();
    for job in found {
        if let Some(error) = &job.error {
            let _ = writeln!(text, "{}: {error}", job.job);
            continue;
        }
        let _ = writeln!(
            text,
            "{}: {} partitions: {} up to date, {} stale, {} failed{}",
            job.job,
            job.partitions,
            job.up_to_date,
            job.stale.len(),
            job.failed.len(),
            if job.removable > 0 {
                format!(", {} to remove (input gone)", job.removable)
            } else {
                String::new()
            }
        );
        for failure in &job.failed {
            let _ = writeln!(text, "  failed {}: {}", failure.partition, failure.error);
        }
    }
    text
}
