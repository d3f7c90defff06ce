//! Running jobs: the input listed and grouped, each stale partition built on a task of its own
//! (a few at once), its file published, then its bookmark.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use object_store::ObjectMeta;
use object_store::path::Path;
use tokio::task::JoinSet;

use super::bookmark::{self, Bookmark, Failure, SkippedFile};
use super::output::OutputLake;
use super::plan::{self, Partition, Plan};
use super::{
    JobReport, JobStatus, PartitionFailure, Progress, RunOptions, RunReport, StalePartition,
    States, TransformError,
};
use crate::engine::{Engine, EngineError, EngineOptions, InputFiles};
use crate::lake::{TableInfo, is_listable, listing};
use crate::model::jobs::{Job, JobsFile};
use crate::model::{SourceSpec, sha256_hex};

/// Reports progress; called from the run's tasks.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Runs the jobs of `file` (all, or `options.job`) from `source` into `into`.
pub async fn run_jobs(
    file: &JobsFile,
    source: &SourceSpec,
    into: &SourceSpec,
    options: &RunOptions,
    progress: ProgressFn,
) -> Result<RunReport, TransformError> {
    let jobs = selected(file, options.job.as_deref())?;
    let out = OutputLake::open(into, &options.engine.s3)
        .await
        .map_err(TransformError)?;
    let _lock = out.lock().map_err(TransformError)?;
    let source_engine = source_engine(file, &jobs, source, &options.engine).await?;
    let mut report = RunReport {
        into: out.display(),
        jobs: Vec::new(),
    };
    for job in jobs {
        let started = Instant::now();
        let mut job_report = JobReport {
            job: job.id.clone(),
            input: job.input.clone(),
            output: job.output.clone(),
            ..JobReport::default()
        };
        if let Err(error) = run_job(
            file,
            job,
            &source_engine,
            into,
            &out,
            options,
            &progress,
            &mut job_report,
        )
        .await
        {
            job_report.error = Some(error);
        }
        job_report.seconds = started.elapsed().as_secs_f64();
        report.jobs.push(job_report);
        if options.stop.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(report)
}

/// How each selected job's partitions stand, without writing anything.
pub async fn status(
    file: &JobsFile,
    source: &SourceSpec,
    into: &SourceSpec,
    engine: &EngineOptions,
) -> Result<Vec<JobStatus>, TransformError> {
    let jobs = selected(file, None)?;
    let out = OutputLake::open(into, &engine.s3)
        .await
        .map_err(TransformError)?;
    let source_engine = source_engine(file, &jobs, source, engine).await?;
    let mut found = Vec::new();
    for job in jobs {
        let mut status = JobStatus {
            job: job.id.clone(),
            output: job.output.clone(),
            ..JobStatus::default()
        };
        match job_plan(
            file,
            job,
            &source_engine,
            into,
            &out,
            engine,
            false,
            false,
            None,
        )
        .await
        {
            Ok((_, planned, state, _, _)) => {
                status.partitions = planned.up_to_date + planned.build.len();
                status.up_to_date = planned.up_to_date;
                status.removable = planned.remove.len();
                status.stale = planned
                    .build
                    .iter()
                    .map(|(p, reason)| StalePartition {
                        partition: p.key.clone(),
                        reason: *reason,
                    })
                    .collect();
                status.failed = state.failed.values().map(|f| f.what.clone()).collect();
                status.failed.sort_by(|a, b| a.partition.cmp(&b.partition));
            }
            Err(error) => status.error = Some(error),
        }
        found.push(status);
    }
    Ok(found)
}

fn selected<'a>(file: &'a JobsFile, only: Option<&str>) -> Result<Vec<&'a Job>, TransformError> {
    match only {
        None => Ok(file.jobs.iter().collect()),
        Some(id) => file.job(id).map(|job| vec![job]).ok_or_else(|| {
            let ids: Vec<&str> = file.jobs.iter().map(|j| j.id.as_str()).collect();
            TransformError(format!(
                "the file has no job `{id}` (its jobs: {})",
                ids.join(", ")
            ))
        }),
    }
}

/// The source lake with the tables the jobs read from it, each checked to exist before
/// anything is written.
async fn source_engine(
    file: &JobsFile,
    jobs: &[&Job],
    source: &SourceSpec,
    options: &EngineOptions,
) -> Result<Engine, TransformError> {
    let inputs: Vec<String> = jobs
        .iter()
        .filter(|job| file.producer_of(&job.input).is_none())
        .map(|job| job.input.clone())
        .collect();
    let engine = Engine::attach_only(source, options, Some(inputs))
        .await
        .map_err(|e| TransformError(format!("could not attach {source}: {e}")))?;
    let catalog = engine.catalog();
    for job in jobs {
        if file.producer_of(&job.input).is_some() {
            continue;
        }
        if catalog
            .table(&job.input, catalog.default_schema())
            .is_none()
        {
            let mut names: Vec<String> = catalog
                .tables
                .iter()
                .map(TableInfo::qualified_name)
                .collect();
            names.sort();
            let there = if names.is_empty() {
                "it has no tables".to_owned()
            } else {
                format!("its tables: {}", names.join(", "))
            };
            return Err(TransformError(format!(
                "line {}: job `{}`: input `{}` is not a table of {source} ({there})",
                job.line, job.id, job.input
            )));
        }
    }
    Ok(engine)
}

/// What a job's definition is, for bookmarks: a change rebuilds every partition.
fn fingerprint(job: &Job, keys: &[String]) -> String {
    let text = serde_json::json!({
        "input": job.input,
        "sql": job.sql,
        "compression": job.compression,
        "partition_by": keys,
    });
    sha256_hex(text.to_string().as_bytes())
}

/// The engine reading `job`'s input, its table, and the table's files.
async fn input_of(
    file: &JobsFile,
    job: &Job,
    source_engine: &Engine,
    into: &SourceSpec,
    options: &EngineOptions,
) -> Result<(Engine, TableInfo, Vec<ObjectMeta>), String> {
    // A job reading another job's output reads the output lake, after that job ran.
    let engine = if file.producer_of(&job.input).is_some() {
        Engine::attach_only(into, options, Some(vec![job.input.clone()]))
            .await
            .map_err(|e| format!("could not read the output lake {into}: {e}"))?
    } else {
        source_engine.clone()
    };
    let catalog = engine.catalog();
    let Some(table) = catalog.table(&job.input, catalog.default_schema()).cloned() else {
        return Err(format!(
            "input `{}` has no data yet in {} (the job writing it built nothing)",
            job.input,
            engine.lake().spec
        ));
    };
    let store = &engine.lake().store;
    let mut files = listing::list_table(store.raw(), &Path::from(table.prefix.as_str()))
        .await
        .map_err(|e| format!("could not list `{}`: {}", job.input, store.explain(&e)))?;
    files.retain(|meta| {
        is_listable(meta) && meta.location.as_ref().ends_with(&table.file_extension)
    });
    Ok((engine, table, files))
}

/// A job's plan: its partitions against its bookmarks (those kept in `states`, when given);
/// also the engine reading its input, the input table, the fingerprint and the files outside
/// partition folders.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
async fn job_plan(
    file: &JobsFile,
    job: &Job,
    source_engine: &Engine,
    into: &SourceSpec,
    out: &OutputLake,
    options: &EngineOptions,
    full: bool,
    hold_failed: bool,
    states: Option<&States>,
) -> Result<((Engine, TableInfo), Plan, bookmark::JobState, String, usize), String> {
    let (engine, table, files) = input_of(file, job, source_engine, into, options).await?;
    let keys = match &job.partition_by {
        None => table.partition_columns.clone(),
        Some(keys) => {
            if !table.partition_columns.starts_with(keys) {
                return Err(format!(
                    "line {}: partition_by = {keys:?} must be leading keys of the input's \
                     partition keys {:?}, so each output partition is a set of input partitions",
                    job.line, table.partition_columns
                ));
            }
            keys.clone()
        }
    };
    let (partitions, outside) = plan::group(&table.prefix, files, &keys);
    let kept = states.and_then(|states| states.lock().ok()?.get(&job.id).cloned());
    let state = if let Some(state) = kept {
        state
    } else {
        let state = bookmark::load(out, &job.id).await?;
        if let Some(Ok(mut states)) = states.map(|s| s.lock()) {
            states.insert(job.id.clone(), state.clone());
        }
        state
    };
    let outputs: BTreeSet<String> = out.list(&job.output).await?.into_iter().collect();
    let fingerprint = fingerprint(job, &keys);
    let planned = plan::plan(
        partitions,
        &state,
        &fingerprint,
        &outputs,
        &job.output,
        full,
        hold_failed,
    );
    Ok(((engine, table), planned, state, fingerprint, outside.len()))
}

#[allow(clippy::too_many_arguments)]
async fn run_job(
    file: &JobsFile,
    job: &Job,
    source_engine: &Engine,
    into: &SourceSpec,
    out: &OutputLake,
    options: &RunOptions,
    progress: &ProgressFn,
    report: &mut JobReport,
) -> Result<(), String> {
    out.remove_leftovers(&job.output).await?;
    out.remove_leftovers(&bookmark::job_folder(&job.id)).await?;
    let ((engine, table), planned, _, fingerprint, outside) = job_plan(
        file,
        job,
        source_engine,
        into,
        out,
        &options.engine,
        options.full,
        options.hold_failed,
        options.states.as_ref(),
    )
    .await?;
    report.partitions = planned.up_to_date + planned.build.len() + planned.held;
    report.up_to_date = planned.up_to_date;
    report.held_failed = planned.held;
    report.outside_partitions = outside;
    progress(Progress::JobStarted {
        job: job.id.clone(),
        partitions: report.partitions,
        building: planned.build.len(),
        removing: planned.remove.len(),
        held: planned.held,
    });
    for key in &planned.remove {
        let gone = Partition {
            key: key.clone(),
            values: Vec::new(),
            files: Vec::new(),
        };
        out.delete(&gone.output_path(&job.output)).await?;
        bookmark::forget(out, &job.id, key).await?;
        keep(options.states.as_ref(), &job.id, |state| {
            state.built.remove(key);
            state.failed.remove(key);
        });
        report.removed += 1;
    }
    // A mistake in the SQL is the job's one error, not one per partition.
    if let Some((first, _)) = planned.build.first() {
        let input = InputFiles {
            table: &table,
            files: &first.files,
            partition: &first.values,
            threads: 1,
        };
        if let Err(err) = engine.check_input(input, &job.sql).await {
            return Err(format!("line {}: job `{}`: {err}", job.line, job.id));
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let at_once = if options.concurrency == 0 {
        cores
    } else {
        options.concurrency
    };
    let threads = (cores / planned.build.len().clamp(1, at_once)).max(1);
    let shared = Arc::new(Shared {
        job: job.clone(),
        table,
        engine,
        out: out.clone(),
        fingerprint,
        threads,
        skip_bad_files: options.skip_bad_files,
        states: options.states.clone(),
    });
    let mut waiting = planned.build.into_iter();
    let mut running = JoinSet::new();
    loop {
        while running.len() < at_once && !options.stop.load(Ordering::SeqCst) {
            let Some((partition, _)) = waiting.next() else {
                break;
            };
            let shared = Arc::clone(&shared);
            running.spawn(async move { build_partition(&shared, partition).await });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        match done {
            Ok(Ok(built)) => {
                report.built += 1;
                report.rows += built.rows;
                report.bytes += built.bytes;
                report.skipped_files.extend(built.skipped);
                progress(Progress::PartitionBuilt {
                    job: job.id.clone(),
                    rows: built.rows,
                    bytes: built.bytes,
                });
            }
            Ok(Err(failure)) => {
                progress(Progress::PartitionFailed(failure.clone()));
                report.failed.push(failure);
            }
            Err(lost) => report.failed.push(PartitionFailure {
                job: job.id.clone(),
                partition: String::new(),
                file: None,
                error: format!("a partition's task was lost: {lost}"),
            }),
        }
    }
    report.not_started = waiting.count();
    report.failed.sort_by(|a, b| a.partition.cmp(&b.partition));
    Ok(())
}

/// What every partition of a job shares.
struct Shared {
    job: Job,
    table: TableInfo,
    engine: Engine,
    out: OutputLake,
    fingerprint: String,
    threads: usize,
    skip_bad_files: bool,
    states: Option<States>,
}

/// Changes the kept state of `job`, if states are kept.
fn keep(states: Option<&States>, job: &str, change: impl FnOnce(&mut bookmark::JobState)) {
    if let Some(Ok(mut states)) = states.map(|s| s.lock())
        && let Some(state) = states.get_mut(job)
    {
        change(state);
    }
}

struct Built {
    rows: u64,
    bytes: u64,
    skipped: Vec<SkippedFile>,
}

/// Why writing a partition stopped.
enum WriteError {
    /// An input file could not be read.
    BadFile { path: String, reason: String },
    /// Anything else.
    Other(String),
}

/// Builds one partition: its file published, then its bookmark; or its failure recorded.
async fn build_partition(shared: &Shared, partition: Partition) -> Result<Built, PartitionFailure> {
    let job = &shared.job;
    let output = partition.output_path(&job.output);
    let mut files = partition.files.clone();
    let mut skipped = Vec::new();
    let outcome = loop {
        if files.is_empty() {
            break Err((
                None,
                "every input file of the partition was left out as unreadable".to_owned(),
            ));
        }
        match write_partition(shared, &partition, &files, &output).await {
            Ok(written) => break Ok(written),
            Err(WriteError::BadFile { path, reason }) => {
                let position = files
                    .iter()
                    .position(|f| path.ends_with(f.location.as_ref()));
                match position {
                    Some(at) if shared.skip_bad_files => {
                        let bad = files.remove(at);
                        skipped.push(SkippedFile {
                            path: bad.location.to_string(),
                            reason,
                        });
                    }
                    _ => break Err((Some(path.clone()), format!("{path}: {reason}"))),
                }
            }
            Err(WriteError::Other(error)) => break Err((None, error)),
        }
    };
    match outcome {
        Ok((rows, bytes)) => {
            let built = Bookmark {
                version: 0,
                job: job.id.clone(),
                partition: partition.key.clone(),
                fingerprint: shared.fingerprint.clone(),
                output,
                rows,
                bytes,
                inputs: partition.inputs(),
                skipped: skipped.clone(),
                built_at: bookmark::now(),
            };
            let recorded = bookmark::record_built(&shared.out, built.clone()).await;
            if recorded.is_ok() {
                keep(shared.states.as_ref(), &job.id, |state| {
                    state.failed.remove(&built.partition);
                    state.built.insert(built.partition.clone(), built);
                });
            } else {
                // Unknown: read the bookmarks again next time.
                if let Some(Ok(mut states)) = shared.states.as_ref().map(|s| s.lock()) {
                    states.remove(&job.id);
                }
            }
            match recorded {
                Ok(()) => Ok(Built {
                    rows,
                    bytes,
                    skipped,
                }),
                Err(error) => Err(PartitionFailure {
                    job: job.id.clone(),
                    partition: partition.key.clone(),
                    file: None,
                    error: format!("the file was written but its bookmark was not: {error}"),
                }),
            }
        }
        Err((file, error)) => {
            let failure = PartitionFailure {
                job: job.id.clone(),
                partition: partition.key.clone(),
                file,
                error,
            };
            let record = Failure {
                version: 0,
                what: failure.clone(),
                inputs: partition.inputs(),
                failed_at: bookmark::now(),
            };
            keep(shared.states.as_ref(), &job.id, |state| {
                state
                    .failed
                    .insert(record.what.partition.clone(), record.clone());
            });
            // Best effort: a failure record that cannot be written leaves the partition stale,
            // which a later run builds again all the same.
            let _ = bookmark::record_failure(&shared.out, record).await;
            Err(failure)
        }
    }
}

fn classify(err: EngineError) -> WriteError {
    match err {
        EngineError::UnreadableFile { path, reason, .. } => WriteError::BadFile { path, reason },
        other => WriteError::Other(other.to_string()),
    }
}

/// Runs the job's SQL over `files` and writes the result as the partition's Parquet file.
async fn write_partition(
    shared: &Shared,
    partition: &Partition,
    files: &[ObjectMeta],
    output: &str,
) -> Result<(u64, u64), WriteError> {
    let other = |e: &dyn std::fmt::Display| WriteError::Other(e.to_string());
    let input = InputFiles {
        table: &shared.table,
        files,
        partition: &partition.values,
        threads: shared.threads,
    };
    let mut stream = shared
        .engine
        .query_input(input, &shared.job.sql)
        .await
        .map_err(classify)?;
    // The partition keys are in the file's path, not in the file.
    let schema = stream.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| {
            !partition
                .values
                .iter()
                .any(|(key, _)| key == schema.field(i).name())
        })
        .collect();
    let file_schema = Arc::new(schema.project(&keep).map_err(|e| other(&e))?);
    let properties = WriterProperties::builder()
        .set_compression(codec(&shared.job.compression).map_err(WriteError::Other)?)
        .build();
    let sink = shared.out.sink(output).map_err(WriteError::Other)?;
    let mut writer =
        ArrowWriter::try_new(sink, file_schema, Some(properties)).map_err(|e| other(&e))?;
    let mut rows = 0u64;
    while let Some(batch) = stream.next().await {
        let batch: RecordBatch = batch
            .map_err(classify)?
            .project(&keep)
            .map_err(|e| other(&e))?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(|e| other(&e))?;
    }
    let sink = writer.into_inner().map_err(|e| other(&e))?;
    let bytes = sink.written();
    shared
        .out
        .publish(output, sink)
        .await
        .map_err(WriteError::Other)?;
    Ok((rows, bytes))
}

/// The Parquet codec a job names (checked when the file was parsed).
fn codec(name: &str) -> Result<Compression, String> {
    let (codec, level) = match name.split_once('(') {
        Some((codec, rest)) => (codec, rest.trim_end_matches(')').parse::<u32>().ok()),
        None => (name, None),
    };
    let bad = |e: datafusion::parquet::errors::ParquetError| e.to_string();
    Ok(match codec {
        "zstd" => Compression::ZSTD(match level {
            Some(level) => ZstdLevel::try_new(i32::try_from(level).unwrap_or(3)).map_err(bad)?,
            None => ZstdLevel::default(),
        }),
        "gzip" => Compression::GZIP(match level {
            Some(level) => GzipLevel::try_new(level).map_err(bad)?,
            None => GzipLevel::default(),
        }),
        "brotli" => Compression::BROTLI(BrotliLevel::default()),
        "snappy" => Compression::SNAPPY,
        "lz4" => Compression::LZ4_RAW,
        "uncompressed" => Compression::UNCOMPRESSED,
        other => return Err(format!("unknown Parquet codec `{other}`")),
    })
}
