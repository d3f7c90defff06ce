//! The command line of `lakesight watch` and `lakesight alerts backtest`, as clap types. A
//! contract like the rest of `args`: scripts rely on these names, flags and exit codes.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};

use super::LakeArgs;
use crate::model::dashboard::{parse_duration, parse_instant};

/// Exit code of `watch` when at least one alert fires.
pub const EXIT_FIRING: u8 = 3;

/// How alert states and transitions print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlertFormat {
    /// One line per alert or transition, for people.
    Text,
    /// One JSON object per line: `alert`, `visual`, `state`, `previous`, `value`, `threshold`,
    /// `at` (and `dashboard`, `condition`, `sql`, `error`).
    Ndjson,
}

/// `lakesight watch FILE`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The dashboard file (TOML) whose `[[alerts]]` are evaluated.
    pub file: PathBuf,
    /// The lake (`--source` wins over the file's `source`; default: the bundled sample lake).
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Evaluate once, print every alert's state and exit: 0 none firing, 3 at least one firing,
    /// 1 an error. A rule with `for = D` is also evaluated at TIME - D and fires only when its
    /// condition held at both instants. A check: it records nothing and notifies no one.
    #[arg(long)]
    pub once: bool,
    /// Evaluate as if it were this moment, e.g. 2026-11-24T15:00Z (the time range ends there);
    /// only with --once.
    #[arg(long, value_name = "TIME", requires = "once", value_parser = parse_at)]
    pub at: Option<DateTime<Utc>>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AlertFormat::Text)]
    pub format: AlertFormat,
    /// A parameter's value, NAME=VALUE (repeatable; default: the file's defaults).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// How often to look for new files (`refresh = "new-data"`) or to re-evaluate
    /// (`refresh = "off"`), at least 1s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_poll)]
    pub poll: Duration,
    /// The alert history each transition is appended to (JSON lines; default: alerts.jsonl in
    /// the user's data folder, shared with the window). Not written by --once.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
}

/// The `alerts` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Replay a dashboard's alert rules over history: step the evaluation time from --from to
    /// --to and print the transitions the rules would have made. Exit 0; 1 on errors.
    Backtest(BacktestArgs),
}

/// `lakesight alerts backtest FILE`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The dashboard file (TOML) whose `[[alerts]]` are replayed.
    pub file: PathBuf,
    /// The lake (`--source` wins over the file's `source`; default: the bundled sample lake).
    #[command(flatten)]
    pub lake: LakeArgs,
    /// The first evaluation time, e.g. 2026-11-22T00:00Z.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub from: DateTime<Utc>,
    /// The last evaluation time (evaluated when a whole number of steps from --from).
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub to: DateTime<Utc>,
    /// Time between evaluations, at least 1s.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_poll)]
    pub step: Duration,
    /// A parameter's value, NAME=VALUE (repeatable; default: the file's defaults).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Output format; text ends with a summary per alert.
    #[arg(long, value_enum, default_value_t = AlertFormat::Text)]
    pub format: AlertFormat,
}

fn parse_at(text: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(text).ok_or_else(|| format!("`{text}` is not a time like 2026-11-24T15:00Z"))
}

fn parse_poll(text: &str) -> Result<Duration, String> {
    parse_duration(text)
        .filter(|duration| *duration >= Duration::from_secs(1))
        .ok_or_else(|| {
            format!("`{text}` is not a duration of at least 1s: write `10s`, `5m`, `1h`")
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_below_a_second_and_bad_times_are_refused() {
        assert_eq!(parse_poll("5m"), Ok(Duration::from_mins(5)));
        for bad in ["0s", "500ms", "soon", ""] {
            assert!(parse_poll(bad).is_err(), "{bad}");
        }
        assert!(parse_at("2026-11-24T15:00Z").is_ok());
        assert!(parse_at("yesterday").is_err());
    }
}
