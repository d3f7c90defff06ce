//! The formats a query result can be written in (the CLI's `--format`, the app's export). Their
//! lower-case names (`table`, `csv`, `json`, `ndjson`, `parquet`, `arrow`) are a contract: scripts
//! pass them to `--format`.

use std::fmt;
use std::str::FromStr;

/// A result's output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ResultFormat {
    /// Aligned text for a terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet (needs --output).
    Parquet,
    /// Arrow IPC file (needs --output).
    Arrow,
}

/// A name that is not one of the [`ResultFormat`]s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a result format: use table, csv, json, ndjson, parquet or arrow")]
pub struct UnknownResultFormat(pub String);

impl ResultFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Self; 6] = [
        Self::Table,
        Self::Csv,
        Self::Json,
        Self::Ndjson,
        Self::Parquet,
        Self::Arrow,
    ];

    /// The formats a file can be exported in, with their usual extension.
    pub const FILES: [(Self, &'static str); 5] = [
        (Self::Csv, "csv"),
        (Self::Parquet, "parquet"),
        (Self::Json, "json"),
        (Self::Ndjson, "ndjson"),
        (Self::Arrow, "arrow"),
    ];

    /// The lower-case name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Ndjson => "ndjson",
            Self::Parquet => "parquet",
            Self::Arrow => "arrow",
        }
    }

    /// What the format is, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            Self::Table => "Aligned text for a terminal",
            Self::Csv => "CSV with a header row",
            Self::Json => "A JSON array of objects",
            Self::Ndjson => "One JSON object per line",
            Self::Parquet => "Apache Parquet (needs --output)",
            Self::Arrow => "Arrow IPC file (needs --output)",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        Self::FILES
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("txt", |(_, e)| e)
    }
}

impl fmt::Display for ResultFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ResultFormat {
    type Err = UnknownResultFormat;

    /// Parses a lower-case name, as `--format` takes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| UnknownResultFormat(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_stay_lower_case() {
        let names: Vec<String> = ResultFormat::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            ["table", "csv", "json", "ndjson", "parquet", "arrow"]
        );
        for format in ResultFormat::ALL {
            assert_eq!(format.to_string().parse(), Ok(format));
        }
        assert_eq!(
            "CSV".parse::<ResultFormat>(),
            Err(UnknownResultFormat("CSV".to_owned()))
        );
        assert!("xml".parse::<ResultFormat>().is_err());
    }
}
