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

    /// Holds `key`'s gate while the file is looked up and decoded: waits while another scan
    /// holds it. Dropping the result (or the wait, when a query is cancelled) lets it go, and
    /// the gate is forgotten once no scan holds or awaits it.
    pub async fn hold(&self, key: &FileKey) -> Held<'_> {
        let gate = {
            let mut decoding = self.decoding.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(decoding.entry(key.clone()).or_default())
        };
        let mut held = Held {
            together: self,
            key: key.clone(),
            gate,
            guard: None,
        };
        held.guard = Some(Arc::clone(&held.gate).lock_owned().await);
        held
    }

    /// Files with a gate (held or awaited).
    #[cfg(test)]
    fn gates(&self) -> usize {
        self.decoding
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A file's gate, held (see [`Together::hold`]).
pub(super) struct Held<'a> {
    together: &'a Together,
    key: FileKey,
    gate: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut decoding = self
            .together
            .decoding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Ours and the map's: no other scan holds or awaits it.
        if Arc::strong_count(&self.gate) <= 2 {
            decoding.remove(&self.key);
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

    #[tokio::test]
    async fn a_gate_is_forgotten_when_its_holder_is_done_or_its_waiter_gives_up() {
        let together = Together::default();
        let key = FileKey {
            path: "lake/a.parquet".into(),
            size: 1,
            modified: chrono::DateTime::UNIX_EPOCH,
            e_tag: None,
        };
        let held = together.hold(&key).await;
        // A second scan waits; its query is cancelled while it waits.
        let waiting = tokio::time::timeout(Duration::from_millis(10), together.hold(&key)).await;
        assert!(waiting.is_err(), "the gate is held");
        assert_eq!(together.gates(), 1);
        drop(held);
        assert_eq!(together.gates(), 0, "nothing is left behind");
    }
}
