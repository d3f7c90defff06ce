//! Dashboard files: one TOML file per dashboard (title, source, time range, time zone, refresh,
//! `[[params]]` and `[[visuals]]`), the contract documented in `docs/dashboard-format.md`.
//!
//! [`Dashboard::parse`] reads and checks a file's text, reporting every problem with its line;
//! [`DashboardFile`] edits a file in place (only what an edit touches changes; comments and order
//! stay) and saves it atomically. Pure data and parsing: the only I/O is reading and writing the
//! dashboard's own file; no DataFusion, tokio or egui, and nothing else of the crate but `model`.

mod alert;
pub mod bundled;
mod error;
mod export;
mod file;
mod insight_keys;
mod parse;
mod time;
mod visual;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use alert::{AlertRule, AlertThreshold, Condition, ErrorPolicy, NoDataPolicy, Notifier};
pub use error::{DashboardError, DashboardFileError, InvalidDashboard, Subject, line_column};
pub use export::ExportSpec;
pub use file::DashboardFile;
pub use parse::DEFAULT_LATENESS;
pub use time::{
    BadRefresh, BadTimeRange, BadTimezone, Refresh, TimeRange, Timezone, format_duration,
    parse_duration, parse_instant,
};
pub use visual::{
    Band, ColumnStyle, Compare, GRID_COLUMNS, Gaps, Good, NumberFormat, Orientation, Position,
    Threshold, Visual, VisualKind, is_valid_id,
};

use crate::model::SourceSpec;

/// How often an S3 lake is checked for new files when the file names no `poll`.
pub const DEFAULT_POLL: Duration = Duration::from_secs(10);

/// A checked dashboard: every value parsed, every visual valid, ids and param names unique.
#[derive(Clone, Debug, PartialEq)]
pub struct Dashboard {
    /// Shown as the dashboard's name.
    pub title: String,
    /// The lake it reads (`None`: the lake the window has attached, or the sample lake headless).
    pub source: Option<SourceSpec>,
    /// The Ballista cluster its queries run on (`cluster = "df://host:port"`; `None`: this
    /// machine). It acts (the file's SQL and lake go to that host), so it is used only once the
    /// file is trusted, and `--cluster` or the window's choice overrides it.
    pub cluster: Option<crate::model::ClusterUrl>,
    /// The range shown when the dashboard opens.
    pub time_range: TimeRange,
    /// How times are shown.
    pub timezone: Timezone,
    /// When visuals run again.
    pub refresh: Refresh,
    /// How late data may land after its time partition: partition pruning widens the range by this.
    pub lateness: Duration,
    /// How long the source may stay silent before the dashboard shows its data as stale (`None`:
    /// [`Dashboard::stale_after`]'s default).
    pub stale_after: Option<Duration>,
    /// How often an S3 lake is checked for new files under `refresh = "new-data"` (`None`: every
    /// [`DEFAULT_POLL`]).
    pub poll: Option<Duration>,
    /// Parameters the queries use as `$name`.
    pub params: Vec<Param>,
    /// The visuals, in file order.
    pub visuals: Vec<Visual>,
    /// Threshold alerts on visuals' values, in file order.
    pub alerts: Vec<AlertRule>,
    /// Images `lakesight export FILE.toml --all` writes, in file order.
    pub exports: Vec<ExportSpec>,
}

impl Dashboard {
    /// Reads and checks a dashboard file's text; every problem is reported, each with its line.
    pub fn parse(text: &str) -> Result<Self, InvalidDashboard> {
        parse::parse(text)
    }

    /// How long the source may stay silent before its data counts as stale: the file's
    /// `stale_after`; else, under `new-data`, two Firehose deliveries ([`FIREHOSE_STALE_AFTER`],
    /// or three polls if longer); else three refresh periods (at least a minute). `None` when the
    /// dashboard does not refresh and names none.
    pub fn stale_after(&self) -> Option<Duration> {
        if self.stale_after.is_some() {
            return self.stale_after;
        }
        match self.refresh {
            Refresh::Off => None,
            // Saturating: a file may name a period so long that three of them overflow.
            Refresh::Every(every) => Some(thrice(every).max(Duration::from_mins(1))),
            Refresh::NewData => Some(thrice(self.poll_every()).max(FIREHOSE_STALE_AFTER)),
        }
    }

    /// How often an S3 lake is checked for new files.
    pub fn poll_every(&self) -> Duration {
        self.poll.unwrap_or(DEFAULT_POLL)
    }

    /// The visuals' ids, in file order.
    pub fn visual_ids(&self) -> Vec<&str> {
        self.visuals
            .iter()
            .map(|visual| visual.id.as_str())
            .collect()
    }

    /// The visual with this id.
    pub fn visual(&self, id: &str) -> Option<&Visual> {
        self.visuals.iter().find(|visual| visual.id == id)
    }

    /// The param with this name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }
}

/// Three times `period`, or the longest duration when that overflows.
fn thrice(period: Duration) -> Duration {
    period.checked_mul(3).unwrap_or(Duration::MAX)
}

/// The default `stale_after` of a `new-data` dashboard: Kinesis Data Firehose delivers a file
/// every buffer interval, 300 s by default, so a healthy stream is silent for five minutes at a
/// time; silent for two intervals, it is late.
pub const FIREHOSE_STALE_AFTER: Duration = Duration::from_mins(10);

/// A file name (without extension) from a title: lowercase letters and digits, words joined
/// by `-`; `dashboard` when nothing is left.
pub fn file_name(title: &str) -> String {
    let lowered: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let words: Vec<&str> = lowered.split('-').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        "dashboard".to_owned()
    } else {
        words.join("-")
    }
}

/// Where an open dashboard comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DashboardSource {
    /// A file on disk (saved in place).
    File(std::path::PathBuf),
    /// One built into the binary, by name (saved only with "Save as").
    Bundled(String),
}

impl DashboardSource {
    /// The dashboard file's text: read from disk, or the built-in text.
    pub fn read(&self) -> Result<String, DashboardFileError> {
        match self {
            Self::File(path) => {
                std::fs::read_to_string(path).map_err(|source| DashboardFileError::Read {
                    path: path.clone(),
                    source,
                })
            }
            Self::Bundled(name) => bundled::BUNDLED
                .iter()
                .find(|(bundled, _)| bundled == name)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| DashboardFileError::Read {
                    path: name.into(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no built-in dashboard of that name",
                    ),
                }),
        }
    }

    /// The file, if the dashboard has one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Self::File(path) => Some(path),
            Self::Bundled(_) => None,
        }
    }
}

impl std::fmt::Display for DashboardSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Bundled(name) => write!(f, "built-in {name}"),
        }
    }
}

/// A value the user picks, bound to the queries as `$name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The placeholder's name (`country` for `$country`).
    pub name: String,
    /// The type the value is bound as.
    pub param_type: ParamType,
    /// The value when the dashboard opens (`None`: null, meaning "all").
    pub default: Option<ParamValue>,
    /// A query whose first column lists the values to pick from.
    pub options: Option<String>,
}

/// The type of a param's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    /// A string.
    Text,
    /// A number (bound as a 64-bit float).
    Number,
    /// A calendar date.
    Date,
    /// An instant in time.
    Timestamp,
}

impl ParamType {
    /// The type as the file writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Timestamp => "timestamp",
        }
    }

    /// How a value of this type is written.
    fn expected(self) -> &'static str {
        match self {
            Self::Text => "write a string such as \"DE\"",
            Self::Number => "write a number such as 10 or 2.5",
            Self::Date => "write a date such as 2026-11-24",
            Self::Timestamp => "write an instant such as 2026-11-24T00:00:00Z",
        }
    }
}

impl ParamValue {
    /// Typed text (an input, a clicked category) as a value of `param_type`; `None` if it is
    /// not one. Text is taken as it is; dates may carry a time after them.
    pub fn parse(param_type: ParamType, text: &str) -> Option<Self> {
        let trimmed = text.trim();
        match param_type {
            ParamType::Text => Some(Self::Text(text.to_owned())),
            ParamType::Number => trimmed.parse().ok().map(Self::Number),
            ParamType::Date => trimmed.get(..10)?.parse().ok().map(Self::Date),
            ParamType::Timestamp => parse_instant(trimmed).map(Self::Timestamp),
        }
    }
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Number(number) => write!(f, "{number}"),
            Self::Date(date) => write!(f, "{date}"),
            Self::Timestamp(at) => f.write_str(&at.to_rfc3339()),
        }
    }
}

/// A param's value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// Of a `text` param.
    Text(String),
    /// Of a `number` param.
    Number(f64),
    /// Of a `date` param.
    Date(NaiveDate),
    /// Of a `timestamp` param.
    Timestamp(DateTime<Utc>),
}
