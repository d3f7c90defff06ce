//! Plain data shared by every layer: where a lake lives. No I/O, no DataFusion, no egui.
//!
//! Dashboard files (visuals, KPIs, alert rules) will live here too; they refer to a lake through a
//! [`SourceSpec`], so a dashboard can never name data outside its declared source.

pub mod atomic_file;
pub mod cluster_url;
pub mod dashboard;
mod driver;
mod format;
pub mod image;
pub mod jobs;
mod source;

pub use cluster_url::ClusterUrl;
pub use driver::Driver;
pub use format::{ResultFormat, UnknownResultFormat};
pub use source::{
    LinkPolicy, SourceLocation, SourceSpec, SourceSpecError, is_valid_bucket, is_valid_region,
};

/// A count of rows as a person reads it: `1 row`, `5 rows`.
pub fn rows_text(rows: usize) -> String {
    if rows == 1 {
        "1 row".to_owned()
    } else {
        format!("{rows} rows")
    }
}

/// Bytes as a person reads them (`1.5 MiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
