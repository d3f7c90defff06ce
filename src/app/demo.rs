//! The live demo the app opens with no arguments: a sample lake in the user's cache folder whose
//! history ends the moment it is prepared, fed from then on by the built-in simulator, so a
//! newcomer sees a dashboard that moves with no gap between the history and the live data.
//!
//! Each running app has its own lake, `<cache>/lakesight/demo-lakes/<n>`, held with a file lock
//! for as long as the app uses it: a second window takes the next free slot instead of deleting
//! the first one's lake under it. A slot whose lock is free (its app has ended) is generated
//! again, so its history ends now too.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::lake::bundled;
use crate::sim;

/// Copies of the demo lake at most (that many windows running the demo at once).
const MAX_DEMO_LAKES: usize = 16;

/// Hours of history in a demo lake: 15 days, so the orders dashboard's `last 7d` and the period
/// before it (which its KPIs compare with) are full.
pub const DEMO_HOURS: i64 = 15 * 24;

/// A demo lake this app holds: its folder, locked until dropped.
#[derive(Debug)]
pub struct DemoLake {
    /// The lake's folder.
    pub path: PathBuf,
    /// Held for as long as the app uses the folder.
    _lock: File,
}

/// The folder the demo lakes live in by default (beside the unpacked sample lake).
pub fn default_demo_base() -> std::io::Result<PathBuf> {
    let sample = bundled::sample_lake_dir().map_err(std::io::Error::other)?;
    Ok(sample.parent().unwrap_or(&sample).join("demo-lakes"))
}

/// Prepares a demo lake of [`DEMO_HOURS`] whose history ends now in the first free slot under
/// `base`, and locks it.
pub fn prepare_demo_lake(base: &Path) -> std::io::Result<DemoLake> {
    prepare_demo_lake_at(base, Utc::now(), DEMO_HOURS)
}

/// Prepares a demo lake of `hours` of history ending at `now` in the first free slot under
/// `base`, and locks it.
pub fn prepare_demo_lake_at(
    base: &Path,
    now: DateTime<Utc>,
    hours: i64,
) -> std::io::Result<DemoLake> {
    let span = sim::SampleSpan { end: now, hours };
    prepare_in(base, |path| {
        sim::generate_sample_lake_for(path, &span)
            .map(drop)
            .map_err(std::io::Error::other)
    })
}

/// Locks the first free slot under `base`, empties it and lets `fill` write the lake into it.
fn prepare_in(
    base: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<DemoLake> {
    std::fs::create_dir_all(base)?;
    for slot in 0..MAX_DEMO_LAKES {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(base.join(format!("{slot}.lock")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(err)) => return Err(err),
        }
        let path = base.join(slot.to_string());
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        fill(&path)?;
        return Ok(DemoLake { path, _lock: lock });
    }
    Err(std::io::Error::other(format!(
        "{MAX_DEMO_LAKES} Lakesight windows already run the demo"
    )))
}

/// The simulator settings of the live demo: each stream at the rate its generated history has at
/// that hour of the day (so "Revenue per hour" goes on as it was, and the KPIs' comparisons hold),
/// delivered every few seconds; after 20 s the error spike starts, so an alert fires.
pub fn demo_feed(lake: &Path) -> sim::SimConfig {
    sim::SimConfig {
        into: lake.to_path_buf(),
        pace: sim::Pace::History,
        duration: None,
        scenario: sim::Scenario::ErrorSpike,
        flush_interval: std::time::Duration::from_secs(5),
        ..sim::SimConfig::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use chrono::{TimeDelta, TimeZone};
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::TimestampMicrosecondType;

    use super::*;
    use crate::engine::dashboard::{bound_params, run_visual};
    use crate::engine::{Engine, EngineOptions, TimeWindow};
    use crate::model::SourceSpec;
    use crate::model::dashboard::{Dashboard, bundled::bundled};

    /// A file in a lake: enough for the slot rules.
    fn fill(path: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(path.join("orders"))?;
        std::fs::write(path.join("orders/a.json"), "{}")
    }

    #[test]
    fn the_demo_feed_continues_the_history_at_its_pace() {
        let feed = demo_feed(Path::new("/tmp/lake"));
        assert_eq!(
            feed.pace,
            sim::Pace::History,
            "each stream at its history's rate for the hour, not a flat rate"
        );
    }

    #[test]
    fn two_apps_get_their_own_demo_lake_and_a_released_one_is_reused() {
        let base = tempfile::tempdir().unwrap();

        let first = prepare_in(base.path(), fill).unwrap();
        // The first app's feed writes a file into its lake.
        std::fs::write(first.path.join("orders/new.json"), "{}").unwrap();
        let second = prepare_in(base.path(), fill).unwrap();
        assert_ne!(first.path, second.path, "each app its own lake");
        assert!(
            first.path.join("orders/new.json").exists(),
            "the second app did not delete the first one's lake"
        );
        assert!(second.path.join("orders/a.json").exists());

        let reused = first.path.clone();
        drop(first);
        let third = prepare_in(base.path(), fill).unwrap();
        assert_eq!(third.path, reused, "a released lake is reused");
        assert!(
            !third.path.join("orders/new.json").exists(),
            "as a fresh lake"
        );
    }

    /// The newest order's event time and the newest partition (`YYYY-MM-DD HH`) of `lake`.
    async fn newest(engine: &Engine) -> (DateTime<Utc>, String) {
        let batches = engine
            .collect(
                "SELECT max(event_time) AS newest, \
                 max(year || '-' || month || '-' || day || ' ' || hour) AS partition FROM orders",
            )
            .await
            .unwrap();
        let times = batches[0]
            .column(0)
            .as_primitive::<TimestampMicrosecondType>();
        let newest = DateTime::from_timestamp_micros(times.value(0)).unwrap();
        let partition = batches[0].column(1).as_string::<i32>().value(0).to_owned();
        (newest, partition)
    }

    /// The hours with orders in the orders dashboard's revenue chart over the last day.
    async fn hours_with_orders(engine: &Engine, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let dashboard = Dashboard::parse(bundled("orders").unwrap()).unwrap();
        let visual = dashboard.visual("revenue_per_hour").unwrap();
        let window = TimeWindow::new(now - TimeDelta::days(1), now);
        let params = bound_params(&dashboard, &HashMap::new());
        let run = run_visual(engine, visual, &window, &params, 10_000)
            .await
            .unwrap();
        run.batches
            .iter()
            .flat_map(|batch| {
                let hours = batch.column(0).as_primitive::<TimestampMicrosecondType>();
                hours
                    .values()
                    .iter()
                    .map(|&micros| DateTime::from_timestamp_micros(micros).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn a_demo_lake_is_continuous_up_to_the_moment_it_is_prepared() {
        crate::jobs::runtime::build_runtime()
            .unwrap()
            .block_on(demo_lake_is_continuous());
    }

    async fn demo_lake_is_continuous() {
        let base = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2027, 2, 3, 9, 41, 17).unwrap();
        // Two days (the app's demo has 15; a shorter span keeps the test quick, same code).
        let lake = prepare_demo_lake_at(base.path(), now, 48).unwrap();
        let engine = Engine::attach(&SourceSpec::local(&lake.path), &EngineOptions::default())
            .await
            .unwrap();

        let (newest, partition) = newest(&engine).await;
        assert!(newest < now, "no order after now: {newest}");
        assert!(
            now - newest < TimeDelta::minutes(3),
            "newest order {newest}, now {now}"
        );
        assert_eq!(
            partition, "2027-02-03 09",
            "the newest partition is this hour's"
        );

        // Every hour of the last day has orders: 24 whole hours and the partial one at each end.
        let hours = hours_with_orders(&engine, now).await;
        let first = Utc.with_ymd_and_hms(2027, 2, 2, 9, 0, 0).unwrap();
        let expected: Vec<_> = (0..=24).map(|h| first + TimeDelta::hours(h)).collect();
        assert_eq!(hours, expected);
    }
}
