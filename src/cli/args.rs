//! The command line, as clap types. This is a contract: scripts rely on these names.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::MemoryLimit;

/// Lakesight: offline analytics for streaming data lakes.
#[derive(Debug, Parser)]
#[command(name = "lakesight", version = crate::build_info::LONG_VERSION, about, long_about = None)]
pub struct Cli {
    /// What to do; with none, the desktop app opens on a live demo of the bundled sample lake.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log detail on stderr (-v info, -vv debug); `LAKESIGHT_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the desktop app on a lake (default: the lake attached last time).
    Open {
        /// The lake: a local folder or `s3://bucket[/prefix]`.
        source: Option<String>,
        /// AWS profile for `s3://` sources.
        #[arg(long)]
        profile: Option<String>,
    },
    /// List the lake's tables: zone, format, partition columns, files, size, warnings.
    Tables {
        #[command(flatten)]
        lake: LakeArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Show a table's columns, types, partition keys and schema drift.
    Schema {
        /// The table: `name` (in the default schema) or `zone.name`.
        table: String,
        #[command(flatten)]
        lake: LakeArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Run one read-only SQL query and stream its result.
    Query {
        /// The SQL text, or `-` to read it from stdin.
        sql: String,
        #[command(flatten)]
        lake: LakeArgs,
        /// Output format; `parquet` and `arrow` need --output.
        #[arg(long, value_enum, default_value_t = ResultFormat::Table)]
        format: ResultFormat,
        /// Write the result to this file instead of stdout (written whole, then renamed into place).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Stop after this many rows (the query is cancelled). `table` output shows 1000 by default.
        #[arg(long)]
        max_rows: Option<usize>,
    },
    /// List the AWS profiles in ~/.aws/config and ~/.aws/credentials (never their secrets).
    Profiles {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Deliver simulated events into a lake folder the way Kinesis Data Firehose does.
    Simulate {
        /// The lake folder to write into (created if missing).
        #[arg(long)]
        into: PathBuf,
        /// Events per second, over all streams.
        #[arg(long, default_value_t = 50.0)]
        rate: f64,
        /// Seconds to run; without it, runs until Ctrl-C.
        #[arg(long)]
        duration: Option<f64>,
        /// Random seed: the same seed gives the same events.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// What the metrics do: steady, error-spike (the app log error rate jumps) or revenue-drop.
        #[arg(long, default_value = "steady", value_parser = ["steady", "error-spike", "revenue-drop"])]
        scenario: String,
        /// Firehose buffer interval: deliver each stream's buffer at least this often (seconds).
        #[arg(long, default_value_t = 5.0)]
        flush_secs: f64,
    },
    /// Regenerate the bundled sample lake (for maintainers).
    #[command(hide = true)]
    GenerateSample {
        /// The folder to write into.
        #[arg(long)]
        into: PathBuf,
    },
}

/// Which lake to attach and how the engine may use the machine.
#[derive(Debug, Args)]
pub struct LakeArgs {
    /// The lake: a local folder or `s3://bucket[/prefix]` (default: the bundled sample lake).
    #[arg(long, short, env = "LAKESIGHT_SOURCE")]
    pub source: Option<String>,
    /// AWS profile for `s3://` sources (default: `AWS_PROFILE`, else `default`).
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region for `s3://` sources (default: the profile's region).
    #[arg(long)]
    pub region: Option<String>,
    /// S3-compatible endpoint URL, e.g. `http://localhost:9000` (default: the profile's `endpoint_url`).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Read a public bucket without credentials.
    #[arg(long)]
    pub no_sign_request: bool,
    /// Memory the query engine may use before spilling, e.g. 4GiB or 50% (default: half of RAM).
    #[arg(long, value_parser = parse_memory_limit)]
    pub memory_limit: Option<MemoryLimit>,
    /// Folder for spill files when a query exceeds the memory limit (default: the OS temp folder).
    #[arg(long)]
    pub spill_dir: Option<PathBuf>,
}

fn parse_memory_limit(s: &str) -> Result<MemoryLimit, String> {
    s.parse()
}

/// How `tables` and `schema` print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for a terminal.
    Table,
    /// One JSON document.
    Json,
}

pub use crate::engine::output::ResultFormat;
