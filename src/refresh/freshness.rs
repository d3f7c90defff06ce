//! How fresh a dashboard's data is: the newest file (or event) time seen in the tables it reads,
//! its age, and whether the source has gone quiet for longer than the dashboard expects.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Whether the source is keeping up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// New data within `stale_after` (or the dashboard expects none).
    Fresh,
    /// Silent for longer than `stale_after`.
    Late,
    /// Silent for longer than twice `stale_after`.
    Stale,
}

/// A dashboard's data freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// The newest file time seen.
    pub newest: DateTime<Utc>,
    /// How long ago that was.
    pub age: Duration,
    /// Whether that is late.
    pub staleness: Staleness,
}

/// The freshness of data whose newest file is from `newest`, at `now`, for a dashboard that
/// expects new data within `stale_after` (`None`: it expects none, so it is never late).
pub fn freshness(
    newest: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    stale_after: Option<Duration>,
) -> Option<Freshness> {
    let newest = newest?;
    let age = (now - newest).to_std().unwrap_or_default();
    let staleness = match stale_after {
        Some(limit) if age > limit * 2 => Staleness::Stale,
        Some(limit) if age > limit => Staleness::Late,
        _ => Staleness::Fresh,
    };
    Some(Freshness {
        newest,
        age,
        staleness,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_turns_late_then_stale_as_the_source_stays_silent() {
        let newest = DateTime::from_timestamp(1_000_000, 0);
        let at = |secs: i64| DateTime::from_timestamp(1_000_000 + secs, 0).unwrap_or_default();
        let limit = Some(Duration::from_mins(1));
        let level = |secs| freshness(newest, at(secs), limit).map(|f| f.staleness);
        assert_eq!(level(10), Some(Staleness::Fresh));
        assert_eq!(level(61), Some(Staleness::Late));
        assert_eq!(level(121), Some(Staleness::Stale));
        assert_eq!(
            freshness(newest, at(10_000), None).map(|f| f.staleness),
            Some(Staleness::Fresh),
            "a dashboard that expects no new data is never late"
        );
        assert_eq!(
            freshness(newest, at(90), limit).map(|f| f.age),
            Some(Duration::from_secs(90))
        );
        assert_eq!(freshness(None, at(0), limit), None);
    }
}
