//! The formats a query result can be written in (the CLI's `--format`, the app's export).

/// A result's output format.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
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

impl ResultFormat {
    /// The formats a file can be exported in, with their usual extension.
    pub const FILES: [(Self, &'static str); 5] = [
        (Self::Csv, "csv"),
        (Self::Parquet, "parquet"),
        (Self::Json, "json"),
        (Self::Ndjson, "ndjson"),
        (Self::Arrow, "arrow"),
    ];

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        Self::FILES
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("txt", |(_, e)| e)
    }
}
