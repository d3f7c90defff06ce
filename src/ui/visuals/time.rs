//! Times on axes, in tooltips and in labels, in the dashboard's time zone: grid marks at round
//! local times (minutes, hours, days, months) and labels as precise as the step between them.

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone, Utc};
use egui_plot::{GridInput, GridMark};

use crate::model::dashboard::Timezone;

/// `seconds` since the epoch written with chrono's `format` in `zone`.
pub fn format_time(zone: &Timezone, seconds: f64, format: &str) -> String {
    let Some(utc) = DateTime::from_timestamp(seconds.floor() as i64, 0) else {
        return String::new();
    };
    match zone {
        Timezone::Utc => utc.format(format).to_string(),
        Timezone::Local => utc.with_timezone(&chrono::Local).format(format).to_string(),
        Timezone::Named(tz) => utc.with_timezone(tz).format(format).to_string(),
    }
}

/// The calendar day `seconds` falls on in `zone`, as that day's UTC midnight (how a DATE column's
/// days are drawn).
pub fn local_day(zone: &Timezone, seconds: f64) -> f64 {
    ((seconds + offset_seconds(zone, seconds)) / 86_400.0).floor() * 86_400.0
}

/// Seconds `zone` is ahead of UTC at `seconds`.
pub fn offset_seconds(zone: &Timezone, seconds: f64) -> f64 {
    let Some(utc) = DateTime::from_timestamp(seconds.floor() as i64, 0) else {
        return 0.0;
    };
    let offset = match zone {
        Timezone::Utc => 0,
        Timezone::Local => chrono::Local
            .offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
        Timezone::Named(tz) => tz
            .offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
    };
    f64::from(offset)
}

/// Calendar steps for a time axis, in seconds.
const STEPS: [f64; 22] = [
    1.0,
    5.0,
    10.0,
    15.0,
    30.0,
    60.0,
    300.0,
    600.0,
    900.0,
    1_800.0,
    3_600.0,
    7_200.0,
    10_800.0,
    21_600.0,
    43_200.0,
    86_400.0,
    172_800.0,
    604_800.0,
    1_209_600.0,
    2_592_000.0,
    7_776_000.0,
    31_536_000.0,
];

/// Points kept free of marks at the right edge of a time axis: half a label's width.
const RIGHT_EDGE_PX: f64 = 22.0;

/// Grid marks at round local times, at least `min_px` points apart and `min_step` seconds (a day
/// for calendar dates, whose axis has no hours).
pub fn time_marks(input: &GridInput, zone: &Timezone, min_px: f64, min_step: f64) -> Vec<GridMark> {
    let (min, max) = input.bounds;
    // `base_step_size` is the span of egui_plot's minimum grid spacing, 8 points.
    let wanted = (input.base_step_size * min_px / 8.0).max(min_step);
    if !wanted.is_finite() || wanted <= 0.0 {
        return Vec::new();
    }
    let mut step = STEPS
        .iter()
        .copied()
        .find(|s| *s >= wanted)
        .unwrap_or(STEPS[STEPS.len() - 1]);
    while step < wanted {
        step *= 10.0;
    }
    let mark = |value: f64| GridMark {
        value,
        step_size: step,
    };
    // No mark so near the right edge that its label would be cut off (`Nov` for `Nov 25`).
    let max = max - input.base_step_size * RIGHT_EDGE_PX / 8.0;
    if step < 3_600.0 {
        let first = (min / step).ceil() as i64;
        let last = (max / step).floor() as i64;
        if last.saturating_sub(first) > 1_000 {
            return Vec::new();
        }
        return (first..=last).map(|i| mark(i as f64 * step)).collect();
    }
    // Round in local wall-clock time (midnight, whole hours of the zone), each mark with its own
    // offset: a daylight-saving change inside the view moves no mark off its hour.
    let first = ((min + offset_seconds(zone, min)) / step).ceil() as i64;
    let last = ((max + offset_seconds(zone, max)) / step).floor() as i64;
    if last.saturating_sub(first) > 1_000 {
        return Vec::new();
    }
    (first..=last)
        .filter_map(|i| local_to_utc(*zone, i as f64 * step))
        .filter(|value| (min..=max).contains(value))
        .map(mark)
        .collect()
}

/// The instant a wall-clock time in `zone` (as seconds since the epoch of that clock) names: the
/// earlier of two in a repeated hour, none in a skipped one.
fn local_to_utc(zone: Timezone, local: f64) -> Option<f64> {
    let naive = DateTime::from_timestamp(local.floor() as i64, 0)?.naive_utc();
    let utc = match zone {
        Timezone::Utc => naive.and_utc(),
        Timezone::Local => chrono::Local
            .from_local_datetime(&naive)
            .earliest()?
            .with_timezone(&Utc),
        Timezone::Named(tz) => tz
            .from_local_datetime(&naive)
            .earliest()?
            .with_timezone(&Utc),
    };
    Some(utc.timestamp() as f64)
}

/// A tick label as precise as the step: `14:05:30`, `14:00`, `Mar 04` (at midnight), `Mar 2026`.
pub fn tick_label(zone: &Timezone, seconds: f64, step: f64) -> String {
    let midnight = format_time(zone, seconds, "%H:%M:%S") == "00:00:00";
    if step < 60.0 {
        format_time(zone, seconds, "%H:%M:%S")
    } else if step < 86_400.0 && !midnight {
        format_time(zone, seconds, "%H:%M")
    } else if step < 7_776_000.0 {
        format_time(zone, seconds, "%b %d")
    } else if step < 31_536_000.0 {
        format_time(zone, seconds, "%b %Y")
    } else {
        format_time(zone, seconds, "%Y")
    }
}

/// A time in full for a tooltip.
pub fn full_label(zone: &Timezone, seconds: f64) -> String {
    format_time(zone, seconds, "%Y-%m-%d %H:%M:%S")
}

/// A calendar day (a DATE value, at its UTC midnight) as the day it is: `2026-11-22`.
pub fn day_label(seconds: f64) -> String {
    format_time(&Timezone::Utc, seconds, "%Y-%m-%d")
}

/// A cell or category written by arrow as an ISO time (`2026-03-04T14:00:00`), shortened and
/// shown in `zone`; other text as it is.
pub fn relabel(zone: &Timezone, text: &str) -> String {
    let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        // With an offset (`2026-11-24T00:00:00Z`, as Arrow writes UTC timestamps).
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text).map(|t| t.naive_utc()));
    match parsed {
        Ok(naive) => {
            let seconds = Utc.from_utc_datetime(&naive).timestamp() as f64;
            if format_time(zone, seconds, "%H:%M:%S") == "00:00:00" {
                format_time(zone, seconds, "%Y-%m-%d")
            } else {
                format_time(zone, seconds, "%m-%d %H:%M")
            }
        }
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_time_zone_and_the_step() {
        let berlin = Timezone::Named(chrono_tz::Europe::Berlin);
        // 2026-01-01 12:00 UTC is 13:00 in Berlin.
        let noon = 1_767_268_800.0;
        assert_eq!(tick_label(&Timezone::Utc, noon, 3_600.0), "12:00");
        assert_eq!(tick_label(&berlin, noon, 3_600.0), "13:00");
        assert_eq!(
            tick_label(&berlin, noon - 13.0 * 3_600.0, 3_600.0),
            "Jan 01"
        );
        assert_eq!(relabel(&berlin, "2026-01-01T12:00:00"), "01-01 13:00");
        assert_eq!(
            relabel(&berlin, "2026-01-01T12:00:00Z"),
            "01-01 13:00",
            "UTC, as arrow writes it"
        );
        assert_eq!(relabel(&berlin, "DE"), "DE");
    }

    #[test]
    fn day_marks_fall_on_local_midnight() {
        let berlin = Timezone::Named(chrono_tz::Europe::Berlin);
        let start = 1_767_225_600.0; // 2026-01-01 00:00 UTC
        let input = GridInput {
            bounds: (start, start + 7.5 * 86_400.0),
            // A week across 800 points: 8 points are about 6,000 seconds.
            base_step_size: 6_048.0,
        };
        let marks = time_marks(&input, &berlin, 90.0, 1.0);
        assert_eq!(marks.len(), 7, "one a day");
        assert!(!marks.is_empty());
        for mark in marks {
            assert_eq!(format_time(&berlin, mark.value, "%H:%M"), "00:00");
        }
    }

    #[test]
    fn marks_keep_their_local_time_across_a_daylight_saving_change() {
        let berlin = Timezone::Named(chrono_tz::Europe::Berlin);
        // 2026-10-20 00:00 in Berlin (22:00 UTC the day before); summer time ends on the 25th.
        let start = 1_792_447_200.0;
        let days = GridInput {
            bounds: (start, start + 11.5 * 86_400.0),
            base_step_size: 6_048.0,
        };
        let labels: Vec<String> = time_marks(&days, &berlin, 90.0, 1.0)
            .iter()
            .map(|mark| {
                assert_eq!(format_time(&berlin, mark.value, "%H:%M"), "00:00");
                tick_label(&berlin, mark.value, mark.step_size)
            })
            .collect();
        let expected: Vec<String> = (20..=31).map(|day| format!("Oct {day}")).collect();
        assert_eq!(labels, expected, "one label a day, none twice");
        let hours = GridInput {
            bounds: (start + 4.0 * 86_400.0, start + 7.0 * 86_400.0),
            base_step_size: 1_000.0,
        };
        let marks = time_marks(&hours, &berlin, 90.0, 1.0);
        assert!(marks.len() > 4);
        for mark in marks {
            let hour: u32 = format_time(&berlin, mark.value, "%H")
                .parse()
                .expect("an hour");
            assert_eq!(
                hour % 6,
                0,
                "marks on round hours: {}",
                full_label(&berlin, mark.value)
            );
        }
    }

    #[test]
    fn calendar_dates_get_day_marks_at_least() {
        let start = 1_795_305_600.0; // 2026-11-22 00:00 UTC
        let input = GridInput {
            bounds: (start - 43_200.0, start + 2.5 * 86_400.0),
            base_step_size: 600.0,
        };
        let marks = time_marks(&input, &Timezone::Utc, 70.0, 86_400.0);
        assert_eq!(marks.len(), 3, "Nov 22, 23 and 24, no hours between");
        let edge = GridInput {
            bounds: (start - 43_200.0, start + 2.0 * 86_400.0 + 600.0),
            base_step_size: 600.0,
        };
        assert_eq!(
            time_marks(&edge, &Timezone::Utc, 70.0, 86_400.0).len(),
            2,
            "no mark whose label the right edge would cut"
        );
    }
}
