//! The command line, as clap types. This is a contract: scripts rely on these names.
//!
//! Every number is checked here, when the command line is parsed: a value out of range is a usage
//! error (exit code 2, naming the flag and the range it accepts), never a panic later on.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use super::alert_args::{AlertFormat, AlertsCommand, BacktestArgs, WatchArgs};
pub use super::export_args::{ExportArgs, ThemeArg};
use crate::engine::MemoryLimit;
pub use crate::model::ResultFormat;

/// The most events per second `simulate --rate` takes.
pub const MAX_RATE_PER_SEC: f64 = 1_000_000.0;
/// The longest `simulate --duration`, in seconds: ten years of 365 days.
pub const MAX_DURATION_SECS: f64 = 10.0 * 365.0 * 24.0 * 3600.0;
/// The shortest and longest `simulate --flush-secs`: Firehose's buffer interval is bounded too.
pub const FLUSH_SECS_RANGE: (f64, f64) = (0.1, 900.0);

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
    Open(OpenArgs),
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
        #[arg(long, value_parser = result_format_parser(), default_value_t = ResultFormat::Table)]
        format: ResultFormat,
        /// Write the result to this file instead of stdout (written whole, then renamed into place).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Stop after this many rows, 0 or more (the query is cancelled; 0 writes only the
        /// header). `table` output shows 1000 by default.
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_max_rows)]
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
        /// Events per second, over all streams: more than 0, at most 1000000.
        #[arg(long, value_name = "EVENTS_PER_SEC", default_value_t = 50.0,
              allow_hyphen_values = true, value_parser = parse_rate)]
        rate: f64,
        /// Seconds to run, more than 0 and at most 10 years (315360000); without it, runs until
        /// Ctrl-C.
        #[arg(long, value_name = "SECS", allow_hyphen_values = true, value_parser = parse_duration)]
        duration: Option<f64>,
        /// Random seed, a whole number from 0 to 18446744073709551615: the same seed gives the
        /// same events.
        #[arg(long, value_name = "N", default_value_t = 42,
              allow_hyphen_values = true, value_parser = parse_seed)]
        seed: u64,
        /// What the metrics do: steady, error-spike (the app log error rate jumps) or revenue-drop.
        #[arg(long, default_value = "steady", value_parser = ["steady", "error-spike", "revenue-drop"])]
        scenario: String,
        /// Firehose buffer interval: deliver each stream's buffer at least this often, in seconds
        /// from 0.1 to 900.
        #[arg(long, value_name = "SECS", default_value_t = 5.0,
              allow_hyphen_values = true, value_parser = parse_flush_secs)]
        flush_secs: f64,
    },
    /// Work with dashboard files without a window.
    Dashboard {
        /// What to do with dashboards.
        #[command(subcommand)]
        command: DashboardCommand,
    },
    /// Evaluate a dashboard's alerts: once (`--once`, exit 0 none firing, 3 firing, 1 error) or
    /// on every refresh the file asks for, printing each transition until Ctrl-C or SIGTERM.
    Watch(WatchArgs),
    /// Write an image (PNG or SVG) of a dashboard or one of its visuals, with no display. Exit 0:
    /// written; 1: not (or a visual failed, unless --allow-errors); 2: bad command line.
    Export(ExportArgs),
    /// Work with a dashboard's alert rules without a window.
    Alerts {
        /// What to do with alerts.
        #[command(subcommand)]
        command: AlertsCommand,
    },
    /// Trust a dashboard file to act: run its `command:` notifiers, post to its `webhook:` hosts,
    /// use its own `endpoint` and write its `[[exports]]`; or a transform jobs file to run from
    /// the window. Records the SHA-256 of the file's bytes in your data folder: if the file
    /// changes (a `git pull`), it is untrusted again.
    Trust(TrustArgs),
    /// Show where the metadata cache lives and how much it holds (Parquet footers kept between
    /// runs, so a second query of an unchanged lake fetches none); `--clear` empties it.
    Cache {
        /// Remove every kept footer (nothing is lost: they are read again when needed).
        #[arg(long)]
        clear: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Glue-style transform jobs: turn a table of the lake (landing JSON, say) into partitioned
    /// Parquet under --into, incrementally (only partitions whose input files changed) and
    /// crash-safely. Exit 0: every partition built; 1: nothing could run; 4: some partitions
    /// failed (the others were built); 5: stopped (Ctrl-C, SIGTERM) before the end.
    Transform {
        /// What to do with jobs.
        #[command(subcommand)]
        command: TransformCommand,
    },
    /// Run a Ballista cluster that clients use with --cluster df://HOST:PORT: one scheduler, and
    /// executors on each worker. Lakesight's own processes, so they read its table formats and
    /// lakes; a cluster and its clients must run the same version.
    Cluster {
        /// Which process to run.
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Regenerate the bundled sample lake (for maintainers).
    #[command(hide = true)]
    GenerateSample {
        /// The folder to write into.
        #[arg(long)]
        into: PathBuf,
    },
}

/// The `cluster` subcommands (Ballista's scheduler and executor options, same names).
#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// The scheduler: plans queries, hands their tasks to executors, and streams results back
    /// to clients (so clients reach this one port only). Runs until stopped.
    Scheduler {
        /// Address to listen on (0.0.0.0: every interface).
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = crate::engine::cluster::DEFAULT_PORT)]
        port: u16,
        /// The host name executors and clients reach this scheduler at (default: --bind-host).
        #[arg(long)]
        external_host: Option<String>,
        /// Serve TLS with this certificate (PEM; its names must include the host clients and
        /// executors reach), so clients may forward credentials (`--forward-credentials`).
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// What the cluster may read.
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// An executor: runs the scheduler's tasks, reading the lake with this machine's own
    /// credentials (instance role, environment). Runs until stopped.
    Executor {
        /// The scheduler's host.
        #[arg(long, default_value = "localhost")]
        scheduler_host: String,
        /// The scheduler's port.
        #[arg(long, default_value_t = crate::engine::cluster::DEFAULT_PORT)]
        scheduler_port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// Arrow Flight port (task results).
        #[arg(long, default_value_t = 50051)]
        bind_port: u16,
        /// gRPC port.
        #[arg(long, default_value_t = 50052)]
        bind_grpc_port: u16,
        /// The host name the scheduler reaches this executor at (default: --bind-host).
        #[arg(long)]
        external_host: Option<String>,
        /// Tasks run at once (default: one per core).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
        concurrent_tasks: Option<u32>,
        /// Folder for shuffle files (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Reach a scheduler that serves TLS (`--tls-cert`), checking its certificate against
        /// this CA (PEM).
        #[arg(long, value_name = "PEM")]
        scheduler_ca: Option<PathBuf>,
        /// What the cluster may read.
        #[command(flatten)]
        serve: ServeArgs,
    },
}

/// The lakes a cluster process serves, and how it reaches S3 (its own settings, never a client's).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A lake the cluster may read: a folder (read at that path) or `s3://bucket[/prefix]`; give
    /// one --lake per lake, the same on the scheduler and every executor. A query of any other lake
    /// is refused.
    #[arg(long = "lake", value_name = "ROOT", required = true)]
    pub lakes: Vec<String>,
    /// AWS region of the S3 lakes (default: this machine's AWS configuration).
    #[arg(long)]
    pub region: Option<String>,
    /// S3-compatible endpoint URL of the S3 lakes (default: AWS).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Which symbolic links of a local lake are followed: only those that stay `inside` it
    /// (default), or `all`.
    #[arg(long, value_enum, value_name = "all|inside")]
    pub links: Option<LinksArg>,
}

/// The `transform` subcommands.
#[derive(Debug, Subcommand)]
pub enum TransformCommand {
    /// Run the jobs of JOBS.toml: each stale output partition is rebuilt from its input files
    /// and published whole, then its bookmark is written.
    Run(TransformArgs),
    /// Per job: partitions up to date, stale (and why) and failed. Writes nothing.
    Status(TransformArgs),
}

/// `lakesight transform run|status JOBS.toml --into OUT`.
#[derive(Debug, Args)]
pub struct TransformArgs {
    /// The jobs file.
    #[arg(value_name = "JOBS.toml")]
    pub file: PathBuf,
    /// The lake to write into: a folder or `s3://bucket[/prefix]` (reached with the same
    /// --profile, --region and --endpoint as --source). It may be the source lake itself.
    #[arg(long, value_name = "OUT")]
    pub into: String,
    /// Only this job.
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Rebuild every partition, not only the stale ones.
    #[arg(long)]
    pub full: bool,
    /// Record unreadable input files (corrupt objects, invalid JSON) and leave them out,
    /// instead of failing their partition.
    #[arg(long)]
    pub skip_bad_files: bool,
    /// Keep running: whenever input files land (a local lake's file watcher; S3 is checked every
    /// --poll), rebuild the partitions they belong to. Ctrl-C or SIGTERM stops between partitions.
    #[arg(long)]
    pub follow: bool,
    /// With --follow: how often the input is checked besides the file watcher, from 1s to 1d.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_poll)]
    pub poll: std::time::Duration,
    /// Partitions built at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256).map(usize::from))]
    pub concurrency: Option<usize>,
    /// Output format of the summary (stdout); progress goes to stderr.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// The lake read, and how to reach both lakes.
    #[command(flatten)]
    pub lake: LakeArgs,
}

/// `lakesight trust FILE...`, `--list`, `--revoke FILE...`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The dashboard files to trust (with --revoke: to stop trusting).
    #[arg(value_name = "FILE", required_unless_present = "list")]
    pub files: Vec<PathBuf>,
    /// List the trusted files: whether each still holds the bytes trusted (`trusted`), has
    /// changed since (`changed`) or is gone (`missing`), when it was trusted, and its SHA-256.
    #[arg(long, conflicts_with_all = ["files", "revoke"])]
    pub list: bool,
    /// Stop trusting FILE.
    #[arg(long)]
    pub revoke: bool,
    /// Output format of --list.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table, requires = "list")]
    pub format: ReportFormat,
}

/// `--links`: which symbolic links of a local lake folder are followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LinksArg {
    /// Every link, wherever it leads.
    All,
    /// Only links that lead somewhere inside the lake folder.
    Inside,
}

impl From<LinksArg> for crate::model::LinkPolicy {
    fn from(links: LinksArg) -> Self {
        match links {
            LinksArg::All => Self::All,
            LinksArg::Inside => Self::Inside,
        }
    }
}

/// The `dashboard` subcommands.
#[derive(Debug, Subcommand)]
pub enum DashboardCommand {
    /// List the dashboards built in (for the bundled sample lake).
    List,
    /// Print a built-in dashboard's TOML, to start a dashboard of your own from a copy.
    Show {
        /// The dashboard's name, as `dashboard list` prints it.
        name: String,
    },
    /// Run each visual's query and print what it draws from (the expanded SQL, columns, rows, or
    /// the error). Exit 1 when the file is bad, a name or value is wrong, or a visual fails.
    Data {
        /// The dashboard file (TOML).
        file: PathBuf,
        /// The lake (`--source` wins over the file's `source`; default: the bundled sample lake).
        #[command(flatten)]
        lake: LakeArgs,
        /// Only this visual (its id).
        #[arg(long)]
        visual: Option<String>,
        /// Start of the time range, e.g. 2026-11-24T00:00Z (with --to).
        #[arg(long, requires = "to", conflicts_with = "range")]
        from: Option<String>,
        /// End of the time range (with --from).
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// The time range as the file writes it, e.g. "last 1h" (default: the file's).
        #[arg(long)]
        range: Option<String>,
        /// A parameter's value, NAME=VALUE (repeatable; default: the file's defaults).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
    },
    /// Parse and validate a dashboard file and plan every visual against the lake; prints each
    /// problem with its visual's id (and line, for file errors). Exit 0: all is well; 1: not.
    Check {
        /// The dashboard file (TOML).
        file: PathBuf,
        /// The lake (`--source` wins over the file's `source`; default: the bundled sample lake).
        #[command(flatten)]
        lake: LakeArgs,
    },
}

/// Which lake to attach and how the engine may use the machine.
#[derive(Debug, Args)]
pub struct LakeArgs {
    /// The lake: a local folder or `s3://bucket[/prefix]` (default: the bundled sample lake).
    #[arg(long, short, env = "LAKESIGHT_SOURCE")]
    pub source: Option<String>,
    /// How to reach the lake and how much of the machine the engine may use.
    #[command(flatten)]
    pub access: AccessArgs,
}

/// `lakesight open`: a lake for the desktop app, with the same options as the other commands.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The lake: a local folder or `s3://bucket[/prefix]`; wins over --source. Or a dashboard
    /// file (`FILE.toml`) to open in front, on --source, else the file's `source`, else the last lake.
    #[arg(value_name = "SOURCE|FILE.toml")]
    pub lake: Option<String>,
    /// The lake, when not given as SOURCE (default: the lake attached last time).
    #[arg(long, short, env = "LAKESIGHT_SOURCE")]
    pub source: Option<String>,
    /// A transform jobs file to open in the Jobs panel (it runs only once trusted).
    #[arg(long, value_name = "JOBS.toml")]
    pub jobs: Option<PathBuf>,
    /// Where the Jobs panel's jobs write, to begin with.
    #[arg(long, value_name = "OUT", requires = "jobs")]
    pub into: Option<String>,
    /// How to reach the lake and how much of the machine the engine may use.
    #[command(flatten)]
    pub access: AccessArgs,
}

/// The options every command that reads a lake takes besides the lake itself.
#[derive(Debug, Default, Args)]
pub struct AccessArgs {
    /// AWS profile for `s3://` sources (default: `AWS_PROFILE`, else `default`).
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region for `s3://` sources (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
    /// region, instance metadata, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// S3-compatible endpoint URL, e.g. `http://localhost:9000` (default: the profile's `endpoint_url`).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Read a public bucket without credentials.
    #[arg(long)]
    pub no_sign_request: bool,
    /// Which symbolic links of a local lake folder are followed: `all`, or only those that stay
    /// `inside` the folder (default: all for a lake you name, inside for a dashboard file's
    /// `source`).
    #[arg(long, value_enum, value_name = "all|inside")]
    pub links: Option<LinksArg>,
    /// Memory the query engine may use before spilling: 1MiB to 1PiB (e.g. 4GiB, 512MB), or a
    /// share of RAM above 0% up to 100% (e.g. 50%; default: 50%).
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, value_parser = parse_memory_limit)]
    pub memory_limit: Option<MemoryLimit>,
    /// Folder for spill files when a query exceeds the memory limit (default: the OS temp folder).
    #[arg(long)]
    pub spill_dir: Option<PathBuf>,
    /// Run the queries on this Ballista cluster, `df://host:port` (its scheduler, started with
    /// `lakesight cluster scheduler`), or `local` for this machine; default: a trusted dashboard
    /// file's `cluster`, else this machine.
    #[arg(long, env = "LAKESIGHT_CLUSTER", value_name = "df://HOST:PORT|local")]
    pub cluster: Option<ClusterChoice>,
    /// Reach the cluster's scheduler over TLS, checking its certificate against this CA (PEM);
    /// the scheduler serves TLS when started with --tls-cert and --tls-key.
    #[arg(long, env = "LAKESIGHT_CLUSTER_CA", value_name = "PEM", value_parser = parse_cluster_ca)]
    pub cluster_ca: Option<crate::engine::cluster::tls::ClusterTls>,
    /// Send short-lived keys of your AWS profile with each query, so the cluster reads the lake
    /// as you (its own credentials otherwise). Only over TLS (--cluster-ca); long-term keys are
    /// traded with STS for keys that last an hour; never written or logged.
    #[arg(long)]
    pub forward_credentials: bool,
}

fn parse_cluster_ca(path: &str) -> Result<crate::engine::cluster::tls::ClusterTls, String> {
    crate::engine::cluster::tls::ClusterTls::from_ca_file(std::path::Path::new(path))
}

/// Where `--cluster` says queries run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterChoice {
    /// `local`: this machine, whatever a dashboard file says.
    ThisMachine,
    /// A cluster's scheduler.
    At(crate::model::ClusterUrl),
}

impl ClusterChoice {
    /// The cluster, unless this machine.
    pub fn url(&self) -> Option<crate::model::ClusterUrl> {
        match self {
            Self::ThisMachine => None,
            Self::At(url) => Some(url.clone()),
        }
    }
}

impl std::str::FromStr for ClusterChoice {
    type Err = crate::model::cluster_url::ClusterUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().eq_ignore_ascii_case("local") {
            Ok(Self::ThisMachine)
        } else {
            text.parse().map(Self::At)
        }
    }
}

/// How `tables` and `schema` print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for a terminal.
    Table,
    /// One JSON document.
    Json,
}

/// `--format` for results: the model's names, listed with their descriptions in `--help`.
fn result_format_parser() -> impl TypedValueParser<Value = ResultFormat> {
    PossibleValuesParser::new(
        ResultFormat::ALL
            .map(|format| PossibleValue::new(format.name()).help(format.description())),
    )
    .try_map(|name| name.parse::<ResultFormat>())
}

fn parse_poll(s: &str) -> Result<std::time::Duration, String> {
    let duration = crate::model::dashboard::parse_duration(s)
        .ok_or_else(|| "expected a duration such as 5s, 30s or 1m".to_owned())?;
    if duration < std::time::Duration::from_secs(1)
        || duration > std::time::Duration::from_hours(24)
    {
        return Err("expected a duration from 1s to 1d (e.g. 5s, 1m)".into());
    }
    Ok(duration)
}

fn parse_memory_limit(s: &str) -> Result<MemoryLimit, String> {
    s.parse()
        .map_err(|e: crate::engine::MemoryLimitError| e.to_string())
}

/// A finite number above `lowest` (or equal to it, if `lowest_allowed`) and at most `highest`.
fn parse_bounded(
    s: &str,
    (lowest, lowest_allowed): (f64, bool),
    highest: f64,
    expected: &str,
) -> Result<f64, String> {
    let value: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("not a number: expected {expected}"))?;
    let above_lowest = if lowest_allowed {
        value >= lowest
    } else {
        value > lowest
    };
    if value.is_finite() && above_lowest && value <= highest {
        Ok(value)
    } else {
        Err(format!("out of range: expected {expected}"))
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    parse_bounded(
        s,
        (0.0, false),
        MAX_RATE_PER_SEC,
        "events per second, more than 0 and at most 1000000",
    )
}

fn parse_duration(s: &str) -> Result<f64, String> {
    parse_bounded(
        s,
        (0.0, false),
        MAX_DURATION_SECS,
        "seconds, more than 0 and at most 315360000 (10 years)",
    )
}

fn parse_flush_secs(s: &str) -> Result<f64, String> {
    let (shortest, longest) = FLUSH_SECS_RANGE;
    parse_bounded(s, (shortest, true), longest, "seconds, from 0.1 to 900")
}

fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| "expected a whole number from 0 to 18446744073709551615".to_owned())
}

fn parse_max_rows(s: &str) -> Result<usize, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("expected a whole number of rows from 0 to {}", usize::MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn numbers_outside_their_range_are_refused() {
        for bad in [
            "0", "-1", "nan", "inf", "-inf", "1e15", "1000001", "lots", "",
        ] {
            assert!(parse_rate(bad).is_err(), "rate {bad}");
        }
        assert_eq!(parse_rate("1e6"), Ok(1e6));
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        for bad in ["0", "-1", "nan", "inf", "1e300", "315360001"] {
            assert!(parse_duration(bad).is_err(), "duration {bad}");
        }
        assert_eq!(parse_duration("1.5"), Ok(1.5));
        for bad in ["0", "0.09", "900.5", "nan", "inf", "-5"] {
            assert!(parse_flush_secs(bad).is_err(), "flush {bad}");
        }
        assert_eq!(parse_flush_secs("0.1"), Ok(0.1));
        assert_eq!(parse_flush_secs("900"), Ok(900.0));
        assert!(parse_seed("-1").is_err() && parse_seed("1.5").is_err());
        assert_eq!(parse_seed("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_max_rows("-1").is_err() && parse_max_rows("1e3").is_err());
        assert_eq!(parse_max_rows("0"), Ok(0));
    }

    #[test]
    fn result_formats_keep_their_names() {
        for format in ResultFormat::ALL {
            let cli =
                Cli::try_parse_from(["lakesight", "query", "--format", format.name(), "SELECT 1"])
                    .unwrap();
            let Some(Command::Query { format: parsed, .. }) = cli.command else {
                panic!("not a query");
            };
            assert_eq!(parsed, format);
        }
        let err =
            Cli::try_parse_from(["lakesight", "query", "--format", "xml", "SELECT 1"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
