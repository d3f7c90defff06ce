//! The `lakesight` binary: parses the command line, sets up logging and the tokio runtime, then
//! runs a subcommand.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lakesight-worker")
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    lakesight::cli::run(cli, &runtime)
}
