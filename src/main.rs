//! The `lakesight` binary: parses the command line, sets up logging, then opens the desktop app
//! (no subcommand, or `open`) or runs a headless subcommand on a tokio runtime.

use std::process::ExitCode;

use clap::Parser;
use lakesight::app::Launch;
use lakesight::cli::Command;
use lakesight::engine::EngineOptions;
use lakesight::model::SourceSpec;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    lakesight::app::frame_stats::mark_process_start();
    let cli = lakesight::cli::Cli::parse();
    // Our own warnings by default; libraries only when they fail (aws-config warns about every
    // credential source it tries).
    let default_level = match cli.verbose {
        0 => "error,lakesight=warn",
        1 => "warn,lakesight=info",
        _ => "info,lakesight=debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("LAKESIGHT_LOG")
                .unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    let launch = match &cli.command {
        None => Some(Launch::Demo),
        Some(Command::Open { source: None, .. }) => Some(Launch::Restore),
        Some(Command::Open {
            source: Some(source),
            profile,
        }) => match source.parse::<SourceSpec>() {
            Ok(mut spec) => {
                spec.profile.clone_from(profile);
                Some(Launch::Source(spec))
            }
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        },
        Some(_) => None,
    };
    let Some(launch) = launch else {
        let runtime = match lakesight::jobs::runtime::build_runtime() {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("error: could not start the async runtime: {err}");
                return ExitCode::FAILURE;
            }
        };
        return lakesight::cli::run(cli, &runtime);
    };
    let config = lakesight::app::AppConfig::for_window(launch, EngineOptions::default());
    match lakesight::app::run_native(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
