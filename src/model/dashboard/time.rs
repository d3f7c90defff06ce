//! The time settings of a dashboard as text: `time_range` (`last 24h` or `FROM..TO`), `refresh`
//! (`off`, a duration, `new-data`), `timezone` (`UTC`, `local`, an IANA name) and durations such as
//! `15m`. Pure parsing and formatting; the current time is always passed in.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

/// A duration as written in a dashboard: `<n><unit>`, unit `s`, `m`, `h` or `d` (`90s`, `24h`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let seconds_per_unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: u64 = number.parse().ok()?;
    count.checked_mul(seconds_per_unit).map(Duration::from_secs)
}

/// A duration written the way a dashboard file writes it, in its largest exact unit (`90s`, `7d`),
/// except that one day is `24h`, as the presets write it.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        let one_day = unit == "d" && seconds == size;
        if seconds != 0 && seconds.is_multiple_of(size) && !one_day {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// The range of time a dashboard shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRange {
    /// The most recent span of time, ending now (`last 24h`).
    Last(Duration),
    /// A fixed span (`2026-11-24T00:00Z..2026-11-25T00:00Z`); `from` is before `to`.
    Absolute {
        /// Start of the range (inclusive).
        from: DateTime<Utc>,
        /// End of the range (exclusive).
        to: DateTime<Utc>,
    },
}

/// A `time_range` text that is neither `last <duration>` nor `FROM..TO`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a time range: write `last 15m|1h|6h|24h|7d|30d` (any `last <n><s|m|h|d>`) or \
     `2026-11-24T00:00Z..2026-11-25T00:00Z`"
)]
pub struct BadTimeRange(pub String);

impl TimeRange {
    /// The default range of a dashboard that names none: the last 24 hours.
    pub const DEFAULT: Self = Self::Last(Duration::from_hours(24));

    /// The range as instants, `Last` ending at the injected `now`.
    pub fn resolve(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            Self::Last(span) => {
                let span = TimeDelta::from_std(span).unwrap_or(TimeDelta::MAX);
                (
                    now.checked_sub_signed(span)
                        .unwrap_or(DateTime::<Utc>::MIN_UTC),
                    now,
                )
            }
            Self::Absolute { from, to } => (from, to),
        }
    }
}

impl FromStr for TimeRange {
    type Err = BadTimeRange;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadTimeRange(text.to_owned());
        let trimmed = text.trim();
        if let Some(span) = trimmed.strip_prefix("last ") {
            return match parse_duration(span) {
                Some(span) if !span.is_zero() => Ok(Self::Last(span)),
                _ => Err(bad()),
            };
        }
        let (from, to) = trimmed.split_once("..").ok_or_else(bad)?;
        let from = parse_instant(from).ok_or_else(bad)?;
        let to = parse_instant(to).ok_or_else(bad)?;
        if from >= to {
            return Err(bad());
        }
        Ok(Self::Absolute { from, to })
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Last(span) => write!(f, "last {}", format_duration(*span)),
            Self::Absolute { from, to } => {
                write!(f, "{}..{}", format_instant(*from), format_instant(*to))
            }
        }
    }
}

/// An instant as RFC 3339, seconds optional: `2026-11-24T00:00Z`, `2026-11-24T01:30:15+01:00`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant.with_timezone(&Utc));
    }
    if let Some(naive) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        let naive = NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M").ok()?;
        return Some(naive.and_utc());
    }
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z")
        .ok()
        .map(|instant| instant.with_timezone(&Utc))
}

/// An instant in UTC, the way a dashboard file writes it (seconds only when not zero).
fn format_instant(instant: DateTime<Utc>) -> String {
    if instant.timestamp_subsec_nanos() != 0 {
        instant.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
    } else if instant.timestamp() % 60 != 0 {
        instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        instant.format("%Y-%m-%dT%H:%MZ").to_string()
    }
}

/// When a dashboard's visuals run again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Refresh {
    /// Only when the user asks (the default).
    #[default]
    Off,
    /// Every so often (at least one second).
    Every(Duration),
    /// When new files land in the lake.
    NewData,
}

/// A `refresh` text that is not `off`, `new-data` or a duration of at least one second.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a refresh setting: write `off`, `new-data` or a duration of at least 1s (`10s`, `5m`)"
)]
pub struct BadRefresh(pub String);

impl FromStr for Refresh {
    type Err = BadRefresh;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "off" => Ok(Self::Off),
            "new-data" => Ok(Self::NewData),
            other => match parse_duration(other) {
                Some(every) if every >= Duration::from_secs(1) => Ok(Self::Every(every)),
                _ => Err(BadRefresh(text.to_owned())),
            },
        }
    }
}

impl fmt::Display for Refresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Off => f.write_str("off"),
            Self::NewData => f.write_str("new-data"),
            Self::Every(every) => f.write_str(&format_duration(*every)),
        }
    }
}

/// The time zone a dashboard shows times in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Timezone {
    /// Coordinated Universal Time.
    Utc,
    /// The computer's own zone (the default).
    #[default]
    Local,
    /// A zone of the IANA database (`Europe/Berlin`).
    Named(chrono_tz::Tz),
}

/// A `timezone` text that is not `UTC`, `local` or a name in the IANA database.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a time zone: write `UTC`, `local` or an IANA name such as `Europe/Berlin`")]
pub struct BadTimezone(pub String);

impl FromStr for Timezone {
    type Err = BadTimezone;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "UTC" | "utc" => Ok(Self::Utc),
            "local" => Ok(Self::Local),
            name => name
                .parse::<chrono_tz::Tz>()
                .map(Self::Named)
                .map_err(|_| BadTimezone(text.to_owned())),
        }
    }
}

impl Timezone {
    /// `at` written with `pattern` (chrono's `strftime` syntax) in this zone.
    pub fn format(&self, at: DateTime<Utc>, pattern: &str) -> String {
        match self {
            Self::Utc => at.format(pattern).to_string(),
            Self::Local => at.with_timezone(&chrono::Local).format(pattern).to_string(),
            Self::Named(zone) => at.with_timezone(zone).format(pattern).to_string(),
        }
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Utc => f.write_str("UTC"),
            Self::Local => f.write_str("local"),
            Self::Named(zone) => f.write_str(zone.name()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_mins(15)));
        assert_eq!(parse_duration("6h"), Some(Duration::from_hours(6)));
        assert_eq!(parse_duration("30d"), Some(Duration::from_hours(720)));
        for bad in ["", "h", "1", "1w", "-1h", "1.5h", "+1h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(format_duration(Duration::from_hours(24)), "24h");
        assert_eq!(format_duration(Duration::from_hours(48)), "2d");
        assert_eq!(format_duration(Duration::from_mins(90)), "90m");
        assert_eq!(format_duration(Duration::from_secs(61)), "61s");
    }

    #[test]
    fn last_ranges_end_at_the_injected_now() {
        let now = at(2026, 11, 25, 12, 0);
        let cases = [
            ("last 15m", at(2026, 11, 25, 11, 45)),
            ("last 1h", at(2026, 11, 25, 11, 0)),
            ("last 6h", at(2026, 11, 25, 6, 0)),
            ("last 24h", at(2026, 11, 24, 12, 0)),
            ("last 7d", at(2026, 11, 18, 12, 0)),
            ("last 30d", at(2026, 10, 26, 12, 0)),
            ("last 90s", now - TimeDelta::seconds(90)),
        ];
        for (text, from) in cases {
            let range: TimeRange = text.parse().unwrap();
            assert_eq!(range.resolve(now), (from, now), "{text}");
            assert_eq!(range.to_string(), text);
        }
    }

    #[test]
    fn absolute_ranges_with_or_without_seconds_and_offsets() {
        let range: TimeRange = "2026-11-24T00:00Z..2026-11-25T00:00Z".parse().unwrap();
        let expected = (at(2026, 11, 24, 0, 0), at(2026, 11, 25, 0, 0));
        assert_eq!(range.resolve(at(2030, 1, 1, 0, 0)), expected);
        assert_eq!(range.to_string(), "2026-11-24T00:00Z..2026-11-25T00:00Z");

        let range: TimeRange = "2026-11-24T01:00:30+01:00..2026-11-24T02:00+01:00"
            .parse()
            .unwrap();
        let (from, to) = range.resolve(at(2030, 1, 1, 0, 0));
        assert_eq!(from, at(2026, 11, 24, 0, 0) + TimeDelta::seconds(30));
        assert_eq!(to, at(2026, 11, 24, 1, 0));
        assert_eq!(range.to_string(), "2026-11-24T00:00:30Z..2026-11-24T01:00Z");
    }

    #[test]
    fn bad_time_ranges_are_refused() {
        for bad in [
            "",
            "last",
            "last 0h",
            "last 1w",
            "yesterday",
            "2026-11-25T00:00Z..2026-11-24T00:00Z",
            "2026-11-24T00:00Z..2026-11-24T00:00Z",
            "2026-11-24..2026-11-25",
            "2026-11-24T00:00Z..",
        ] {
            assert_eq!(
                bad.parse::<TimeRange>(),
                Err(BadTimeRange(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn refresh_is_off_new_data_or_at_least_a_second() {
        assert_eq!("off".parse(), Ok(Refresh::Off));
        assert_eq!("new-data".parse(), Ok(Refresh::NewData));
        assert_eq!("10s".parse(), Ok(Refresh::Every(Duration::from_secs(10))));
        assert_eq!("5m".parse(), Ok(Refresh::Every(Duration::from_mins(5))));
        for bad in ["0s", "0m", "soon", "1", ""] {
            assert_eq!(bad.parse::<Refresh>(), Err(BadRefresh(bad.into())), "{bad}");
        }
    }

    #[test]
    fn timezones_are_utc_local_or_iana() {
        assert_eq!("UTC".parse(), Ok(Timezone::Utc));
        assert_eq!("local".parse(), Ok(Timezone::Local));
        assert_eq!(
            "Europe/Berlin".parse(),
            Ok(Timezone::Named(chrono_tz::Europe::Berlin))
        );
        assert_eq!(
            Timezone::Named(chrono_tz::Europe::Berlin).to_string(),
            "Europe/Berlin"
        );
        for bad in ["Mars/Olympus", "CEST+2", ""] {
            assert_eq!(
                bad.parse::<Timezone>(),
                Err(BadTimezone(bad.into())),
                "{bad}"
            );
        }
    }
}
