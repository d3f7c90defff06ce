//! The `lakesight` binary: parses the command line, sets up logging, then opens the desktop app
//! (no subcommand, or `open`) or runs a headless subcommand on a tokio runtime.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use lakesight::app::{AppConfig, Launch};
use lakesight::cli::{Cli, Command, OpenRequest};
use lakesight::engine::EngineOptions;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    lakesight::app::frame_stats::mark_process_start();
    let cli = Cli::parse();
    // Our own warnings by default; libraries only when they fail (aws-config warns about every
    // credential source it tries).
    let default_level = match cli.verbose {
        0 => "error,lakesight=warn",
        1 => "warn,lakesight=info",
        _ => "info,lakesight=debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(never_secrets(
            EnvFilter::try_from_env("LAKESIGHT_LOG")
                .unwrap_or_else(|_| EnvFilter::new(default_level)),
        ))
        .with_writer(std::io::stderr)
        .init();
    let config = match &cli.command {
        None => AppConfig::for_window(Launch::Demo, EngineOptions::default()),
        Some(Command::Open(args)) => match lakesight::cli::open_launch(args) {
            Ok(request) => {
                if let Err(message) = reachable(&request) {
                    eprintln!("error: {message}");
                    return ExitCode::FAILURE;
                }
                app_config(request)
            }
            Err(err) if err.is_usage() => usage_error("open", err),
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        },
        Some(_) => {
            let runtime = match lakesight::jobs::runtime::build_runtime() {
                Ok(runtime) => runtime,
                Err(err) => {
                    eprintln!("error: could not start the async runtime: {err}");
                    return ExitCode::FAILURE;
                }
            };
            return lakesight::cli::run(cli, &runtime);
        }
    };
    match lakesight::app::run_native(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Exits with a usage error (code 2) showing `subcommand`'s usage, as clap does for its own.
fn usage_error(subcommand: &str, message: impl std::fmt::Display) -> ! {
    let kind = clap::error::ErrorKind::MissingRequiredArgument;
    let mut command = Cli::command();
    command.build();
    match command.find_subcommand_mut(subcommand) {
        Some(subcommand) => subcommand.error(kind, message).exit(),
        None => command.error(kind, message).exit(),
    }
}

/// Checks that the lake `open` names can be reached before any window opens (the README's
/// promise: a source that names no lake fails at once).
fn reachable(request: &OpenRequest) -> Result<(), String> {
    let Some(spec) = &request.source else {
        return Ok(());
    };
    let runtime = lakesight::jobs::runtime::build_runtime()
        .map_err(|err| format!("could not start the async runtime: {err}"))?;
    runtime
        .block_on(lakesight::cli::preflight(spec))
        .map_err(|err| err.to_string())
}

/// What the app opens for `lakesight open`: the lake, and how the engine may use the machine
/// (for every lake attached in the window).
fn app_config(request: OpenRequest) -> AppConfig {
    let OpenRequest {
        source,
        engine,
        dashboard,
        jobs,
    } = request;
    let launch = if let Some(spec) = source {
        tracing::info!("opening {spec}");
        Launch::Source(spec)
    } else {
        tracing::info!("reopening the lake attached last time");
        Launch::Restore
    };
    let mut config = AppConfig::for_window(launch, engine);
    config
        .dashboards
        .extend(dashboard.map(lakesight::model::dashboard::DashboardSource::File));
    if let Some((file, into)) = jobs {
        config.jobs_file = Some(std::path::absolute(&file).unwrap_or(file));
        config.jobs_into = into;
    }
    config
}

/// `filter` with Ballista held at debug, whatever `LAKESIGHT_LOG` asks: at trace level it logs a
/// query's settings (and so credentials forwarded to a cluster) as it sends them, hands them
/// out and receives them.
fn never_secrets(filter: EnvFilter) -> EnvFilter {
    [
        "ballista",
        "ballista_core",
        "ballista_executor",
        "ballista_scheduler",
    ]
    .into_iter()
    .filter_map(|target| format!("{target}=debug").parse().ok())
    .fold(filter, EnvFilter::add_directive)
}
