//! Visuals that start together read each file once. A dashboard's tiles run at once and read the
//! same files for different columns; on S3 each read is a request. So a scan decodes, with the
//! columns it needs, the other columns that dashboard scans of the same table asked for lately,
//! and a scan that comes to a file another scan is decoding waits for it, then takes its columns
//! from the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::FileKey;

/// How long a column one scan asked for is decoded along with the columns of others.
pub const COMPANION_KEEP: Duration = Duration::from_mins(10);

/// Columns asked for by each table's scans, and the files being decoded.
#[derive(Default)]
pub(super) struct Together {
    /// By table URL: each column asked for, and when it was last.
    asked: Mutex<HashMap<String, HashMap<String, Instant>>>,
    /// Files being decoded: scans of the same file wait on its gate.
    decoding: Mutex<HashMap<FileKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl Together {
    /// A scan of the table at `url` asks for `columns`.
    pub fn note(&self, url: &str, columns: &[&str], now: Instant) {
        let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        let table = asked.entry(url.to_owned()).or_default();
        for column in columns {
            table.insert((*column).to_owned(), now);
        }
    }

    /// The columns scans of the table at `url` asked for within [`COMPANION_KEEP`] of `now`.
    pub fn companions(&self, url: &str, now: Instant) -> Vec<String> {
        let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(table) = asked.get_mut(url) else {
            return Vec::new();
        };
        table.retain(|_, at| now.saturating_duration_since(*at) <= COMPANION_KEEP);
        let mut names: Vec<String> = table.keys().cloned().collect();
        names.sort();
        names
    }

    /// The gate of `key`: hold it while looking the file up and decoding it.
    pub fn gate(&self, key: &FileKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut decoding = self.decoding.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(decoding.entry(key.clone()).or_default())
    }

    /// Done with `key`'s gate (its guard dropped): forgotten when no other scan holds it.
    pub fn release(&self, key: &FileKey, gate: &Arc<tokio::sync::Mutex<()>>) {
        let mut decoding = self.decoding.lock().unwrap_or_else(PoisonError::into_inner);
        // Ours and the map's: nobody else waits.
        if Arc::strong_count(gate) <= 2 {
            decoding.remove(key);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn companions_are_the_columns_asked_for_lately() {
        let together = Together::default();
        let start = Instant::now();
        together.note("t", &["amount", "event_time"], start);
        together.note("t", &["country"], start + Duration::from_mins(5));
        together.note("other", &["x"], start);
        assert_eq!(
            together.companions("t", start + Duration::from_mins(6)),
            ["amount", "country", "event_time"]
        );
        // Columns not asked for in ten minutes are no longer decoded along.
        assert_eq!(
            together.companions("t", start + Duration::from_mins(12)),
            ["country"]
        );
    }
}
