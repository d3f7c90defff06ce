//! The headless subcommands (`tables`, `schema`, `query`, `simulate`, `dashboard`, `watch`,
//! `alerts`, `export`, `trust`), built on `lake`, `engine`, `alert`, `trust` and `sim`. Errors are reported once, here: one
//! message on stderr and exit code 1 (`watch` also exits 3 when an alert fires).

mod alert_args;
mod alert_eval;
mod announce;
pub mod args;
mod backtest;
mod cache;
mod changes;
mod cluster;
mod dashboard;
mod dashboard_data;
pub mod export;
mod export_args;
mod insights_json;
mod open;
mod report;
mod transform;
mod trust;
mod watch;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::CommandFactory;

pub use args::{
    AccessArgs, AlertFormat, AlertsCommand, BacktestArgs, Cli, ClusterChoice, ClusterCommand,
    Command, DashboardCommand, LakeArgs, OpenArgs, ReportFormat, ResultFormat, TransformArgs,
    TransformCommand, TrustArgs, WatchArgs,
};
pub use open::{OpenError, OpenRequest, open_launch, preflight};

use crate::engine::{Engine, EngineOptions};
use crate::lake::bundled;
use crate::model::SourceSpec;
use crate::sim;

/// Rows `--format table` shows when `--max-rows` is not given.
const DEFAULT_TABLE_ROWS: usize = 1000;

/// Runs the parsed command line on `runtime` and returns the process exit code.
pub fn run(cli: Cli, runtime: &tokio::runtime::Runtime) -> ExitCode {
    if let Some(Command::Query {
        format: ResultFormat::Parquet | ResultFormat::Arrow,
        output: None,
        ..
    }) = &cli.command
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "--format parquet and --format arrow need --output FILE",
            )
            .exit();
    }
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", crate::lake::error::error_text(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Watch(args)) => watch::watch(&args).await,
        Some(Command::Transform { command }) => transform::transform(&command).await,
        Some(Command::Export(args)) => export::export(&args).await,
        Some(Command::Alerts {
            command: AlertsCommand::Backtest(args),
        }) => backtest::backtest(&args).await,
        command => dispatch_plain(command).await.map(|()| ExitCode::SUCCESS),
    }
}

/// The commands that exit 0 when they succeed.
async fn dispatch_plain(command: Option<Command>) -> Result<()> {
    match command {
        // The binary opens the desktop app for these before the command line is dispatched.
        None | Some(Command::Open(_)) => {
            bail!("the desktop app is opened by the lakesight binary")
        }
        Some(Command::Tables { lake, format }) => {
            let engine = attach(&lake).await?;
            let catalog = engine.catalog();
            match format {
                ReportFormat::Table => print!("{}", report::tables_text(&catalog)),
                ReportFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report::tables_json(&catalog))?
                ),
            }
            Ok(())
        }
        Some(Command::Schema {
            table,
            lake,
            format,
        }) => {
            let engine = attach(&lake).await?;
            let catalog = engine.catalog();
            let Some(info) = catalog.table(&table, catalog.default_schema()) else {
                if let Some(problem) = catalog
                    .problems
                    .iter()
                    .find(|p| p.qualified_name() == table || p.name == table)
                {
                    bail!(
                        "table {} is unavailable: {} (at {})",
                        problem.qualified_name(),
                        problem.message,
                        problem.location
                    );
                }
                let known: Vec<String> = catalog
                    .tables
                    .iter()
                    .map(crate::lake::TableInfo::qualified_name)
                    .collect();
                bail!(
                    "no table named `{table}` in {}; tables: {}",
                    engine.lake().spec,
                    known.join(", ")
                );
            };
            match format {
                ReportFormat::Table => print!("{}", report::schema_text(info)),
                ReportFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report::schema_json(info))?
                ),
            }
            Ok(())
        }
        Some(Command::Query {
            sql,
            lake,
            format,
            output,
            max_rows,
        }) => query(&sql, &lake, format, output, max_rows).await,
        Some(Command::Profiles { format }) => {
            let profiles = crate::lake::aws::read_profiles().await?;
            match format {
                ReportFormat::Table => print!("{}", report::profiles_text(&profiles)),
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&profiles)?),
            }
            Ok(())
        }
        Some(Command::Simulate {
            into,
            rate,
            duration,
            seed,
            scenario,
            flush_secs,
        }) => simulate(into, rate, duration, seed, &scenario, flush_secs).await,
        Some(Command::Dashboard { command }) => match command {
            DashboardCommand::Check { file, lake } => dashboard::check(&file, &lake).await,
            DashboardCommand::Data {
                file,
                lake,
                visual,
                from,
                to,
                range,
                params,
                format,
            } => {
                let request = dashboard_data::DataRequest {
                    visual: visual.as_deref(),
                    from_to: from.as_deref().zip(to.as_deref()),
                    range: range.as_deref(),
                    params: &params,
                    json: format == ReportFormat::Json,
                };
                dashboard_data::data(&file, &lake, &request).await
            }
            DashboardCommand::List => {
                dashboard::list();
                Ok(())
            }
            DashboardCommand::Show { name } => dashboard::show(&name),
        },
        Some(
            Command::Watch(_)
            | Command::Alerts { .. }
            | Command::Export(_)
            | Command::Transform { .. },
        ) => {
            bail!("watch and alerts are dispatched with their own exit codes")
        }
        Some(Command::Trust(args)) => trust::trust(&args),
        Some(Command::Cache { clear, format }) => cache::cache(clear, format),
        Some(Command::Cluster { command }) => cluster::cluster(command).await,
        Some(Command::GenerateSample { into }) => {
            let report = sim::generate_sample_lake(&into).with_context(|| {
                format!("could not generate the sample lake in {}", into.display())
            })?;
            eprintln!(
                "wrote {} files ({} rows, {} bytes) to {}",
                report.files,
                report.rows,
                report.bytes,
                into.display()
            );
            Ok(())
        }
    }
}

/// The lake named by `--source`, or the bundled sample lake.
fn source_spec(lake: &LakeArgs) -> Result<SourceSpec> {
    let spec = match &lake.source {
        Some(source) => source.parse::<SourceSpec>()?,
        None => SourceSpec::local(bundled::sample_lake_dir()?),
    };
    Ok(with_access(spec, &lake.access))
}

/// `spec` reached with the profile, region, endpoint, signing and links the command line asks
/// for (a lake named on the command line follows every link unless `--links inside`).
fn with_access(mut spec: SourceSpec, access: &AccessArgs) -> SourceSpec {
    spec.profile.clone_from(&access.profile);
    spec.region.clone_from(&access.region);
    spec.endpoint.clone_from(&access.endpoint);
    spec.no_sign_request = access.no_sign_request;
    spec.links = access.links.map(Into::into).unwrap_or_default();
    spec
}

/// A dashboard file's lake, with what the command line says overriding the file: `--profile`,
/// `--region`, `--endpoint`, `--no-sign-request` and `--links`.
fn file_source_with_access(mut spec: SourceSpec, access: &AccessArgs) -> SourceSpec {
    spec.profile = access.profile.clone().or(spec.profile);
    spec.region = access.region.clone().or(spec.region);
    spec.endpoint = access.endpoint.clone().or(spec.endpoint);
    spec.no_sign_request |= access.no_sign_request;
    if let Some(links) = access.links {
        spec.links = links.into();
    }
    spec
}

/// The engine options the command line asks for.
fn engine_options(access: &AccessArgs) -> EngineOptions {
    EngineOptions {
        memory_limit: access.memory_limit,
        spill_dir: access.spill_dir.clone(),
        footer_cache: crate::lake::cache_dir(),
        cluster: access.cluster.as_ref().and_then(ClusterChoice::url),
        cluster_tls: access.cluster_ca.clone(),
        forward_credentials: access.forward_credentials,
        ..EngineOptions::default()
    }
}

async fn attach(lake: &LakeArgs) -> Result<Engine> {
    let spec = source_spec(lake)?;
    Engine::attach(&spec, &engine_options(&lake.access))
        .await
        .with_context(|| format!("could not attach {spec}"))
}

async fn query(
    sql: &str,
    lake: &LakeArgs,
    format: ResultFormat,
    output: Option<PathBuf>,
    max_rows: Option<usize>,
) -> Result<()> {
    let sql = if sql == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the SQL from stdin")?;
        text
    } else {
        sql.to_owned()
    };
    // Only the tables the query names are discovered (listed, their schemas read).
    let spec = source_spec(lake)?;
    let engine = Engine::attach_for_query(&spec, &engine_options(&lake.access), &sql)
        .await
        .with_context(|| format!("could not attach {spec}"))?;
    let started = Instant::now();
    let mut stream = engine.query(&sql).await?;
    for table in stream.tables() {
        for warning in table
            .warnings
            .iter()
            .map(ToString::to_string)
            .chain(table.drift.iter().map(ToString::to_string))
        {
            eprintln!("warning: {}: {warning}", table.qualified_name());
        }
    }
    let limit = max_rows.or((format == ResultFormat::Table).then_some(DEFAULT_TABLE_ROWS));
    let mut writer = crate::engine::output::ResultWriter::new(
        format,
        &stream.schema(),
        crate::engine::output::Sink::open(output.as_deref())?,
    )?;
    let mut rows = 0usize;
    let mut truncated = false;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let take = limit.map_or(batch.num_rows(), |limit| batch.num_rows().min(limit - rows));
        writer.write(&batch.slice(0, take))?;
        rows += take;
        if limit.is_some_and(|limit| rows >= limit) {
            truncated = true;
            break;
        }
    }
    // Whatever the query had left to do is cancelled (on the cluster too).
    stream.close().await;
    writer.finish()?;
    let elapsed = started.elapsed().as_secs_f64();
    let place = engine
        .cluster()
        .map(|url| format!(" on the cluster {url}"))
        .unwrap_or_default();
    if truncated && max_rows.is_none() {
        eprintln!(
            "{rows} rows shown (the first {DEFAULT_TABLE_ROWS}; pass --max-rows N for more) in {elapsed:.3}s{place}"
        );
    } else {
        eprintln!("{} in {elapsed:.3}s{place}", crate::model::rows_text(rows));
    }
    Ok(())
}

async fn simulate(
    into: PathBuf,
    rate: f64,
    duration: Option<f64>,
    seed: u64,
    scenario: &str,
    flush_secs: f64,
) -> Result<()> {
    // `args` has checked the numbers when parsing; a `Cli` built in code gets an error here too.
    let seconds = |secs: f64, flag: &str| {
        Duration::try_from_secs_f64(secs)
            .with_context(|| format!("{flag} {secs} is not a duration"))
    };
    let scenario: sim::Scenario = scenario.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = sim::SimConfig {
        into: into.clone(),
        rate_per_sec: rate,
        duration: duration
            .map(|secs| seconds(secs, "--duration"))
            .transpose()?,
        seed,
        scenario,
        flush_interval: seconds(flush_secs, "--flush-secs")?,
        ..sim::SimConfig::default()
    };
    eprintln!(
        "simulating {scenario} at {rate} events/s into {} (Ctrl-C stops)",
        into.display()
    );
    let run = sim::run(&config, |flush| {
        eprintln!(
            "delivered {} {} records -> {}",
            flush.records,
            flush.stream,
            flush.landing.display()
        );
    });
    let report = tokio::select! {
        report = run => report?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("stopped");
            return Ok(());
        }
    };
    eprintln!(
        "done: {} events in {} objects ({} bytes)",
        report.events, report.objects, report.bytes
    );
    Ok(())
}
