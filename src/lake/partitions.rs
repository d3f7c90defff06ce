//! Hive partition folders (`key=value/`) in a table's file paths, and the filters that prune them.

use std::collections::HashMap;

/// The partition layout most of a table's files follow.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Partition keys, outermost first (`year`, `month`, `day`, `hour`).
    pub keys: Vec<String>,
    /// Files whose folders follow another layout.
    pub outside: usize,
    /// A few of those files.
    pub outside_examples: Vec<String>,
}

/// The partition keys of a path relative to its table (`year=2026/hour=07/f.parquet` -> year, hour).
/// Folders that are not `key=value` make the path unpartitioned.
pub fn keys_of(relative_path: &str) -> Vec<String> {
    let mut segments: Vec<&str> = relative_path.split('/').collect();
    segments.pop();
    let keys: Option<Vec<String>> = segments
        .iter()
        .map(|segment| {
            segment
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, _)| k.to_owned())
        })
        .collect();
    keys.unwrap_or_default()
}

/// The layout shared by most files; the rest are counted as outside it.
pub fn layout<'a>(relative_paths: impl Iterator<Item = &'a str>) -> Layout {
    let mut counts: HashMap<Vec<String>, (usize, Vec<String>)> = HashMap::new();
    for path in relative_paths {
        let entry = counts.entry(keys_of(path)).or_default();
        entry.0 += 1;
        if entry.1.len() < 3 {
            entry.1.push(path.to_owned());
        }
    }
    let Some(keys) = counts
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(a.0)))
        .map(|(k, _)| k.clone())
    else {
        return Layout::default();
    };
    let mut outside = 0;
    let mut outside_examples = Vec::new();
    for (other, (count, examples)) in &counts {
        if *other != keys {
            outside += count;
            outside_examples.extend(examples.iter().cloned());
        }
    }
    outside_examples.sort();
    outside_examples.truncate(3);
    Layout {
        keys,
        outside,
        outside_examples,
    }
}

/// How a table's time partition values are written, when Lakesight recognises the layout: time
/// ranges (`$__timeFilter`) prune partitions only then. Key names are as the table writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeLayout {
    /// `year=2026/month=01/day=05[/hour=03]`: four-digit years, two-digit months, days, hours.
    Padded {
        /// The year key.
        year: String,
        /// The month key.
        month: String,
        /// The day key.
        day: String,
        /// The hour key, if the table has one.
        hour: Option<String>,
    },
    /// The same keys written as plain numbers (`month=1/day=5/hour=3`, as Spark and Glue write
    /// them, or a mix of both): compared as numbers.
    Numeric {
        /// The year key.
        year: String,
        /// The month key.
        month: String,
        /// The day key.
        day: String,
        /// The hour key, if the table has one.
        hour: Option<String>,
    },
    /// `dt=2026-01-05` or `dt=2026-01-05-03` (days and hours may be mixed; the key may also be
    /// `date`).
    Dashed(String),
    /// `dt=20260105` or `dt=2026010503` (days and hours may be mixed; or `date`).
    Compact(String),
}

/// The time layout of a table with partition `keys` whose files are at `relative_paths`, if every
/// file's time values are written one recognised way (else `None`: nothing is pruned, which is
/// slower but never wrong).
pub fn time_layout<'a>(
    keys: &[String],
    relative_paths: impl Iterator<Item = &'a str>,
) -> Option<TimeLayout> {
    let key = |wanted: &str| {
        keys.iter()
            .find(|k| k.eq_ignore_ascii_case(wanted))
            .cloned()
    };
    let values = |paths: Vec<&'a str>, name: &str| -> Vec<String> {
        paths
            .iter()
            .filter_map(|path| {
                path.split('/')
                    .filter_map(|segment| segment.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_owned())
            })
            .collect()
    };
    let paths: Vec<&str> = relative_paths.collect();
    if paths.is_empty() {
        return None;
    }
    if let (Some(year), Some(month), Some(day)) = (key("year"), key("month"), key("day")) {
        let hour = key("hour");
        let years = values(paths.clone(), &year);
        let mut parts = vec![
            (values(paths.clone(), &month), 1, 12),
            (values(paths.clone(), &day), 1, 31),
        ];
        if let Some(hour) = &hour {
            parts.push((values(paths.clone(), hour), 0, 23));
        }
        let is_number = |text: &str, low: u32, high: u32| {
            (1..=2).contains(&text.len())
                && text.bytes().all(|b| b.is_ascii_digit())
                && text.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n))
        };
        let years_ok = years.len() == paths.len()
            && years
                .iter()
                .all(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
        let parts_ok = parts.iter().all(|(found, low, high)| {
            found.len() == paths.len() && found.iter().all(|v| is_number(v, *low, *high))
        });
        if !(years_ok && parts_ok) {
            return None;
        }
        let padded = parts
            .iter()
            .all(|(found, _, _)| found.iter().all(|v| v.len() == 2));
        return Some(if padded {
            TimeLayout::Padded {
                year,
                month,
                day,
                hour,
            }
        } else {
            TimeLayout::Numeric {
                year,
                month,
                day,
                hour,
            }
        });
    }
    let dt = key("dt").or_else(|| key("date"))?;
    let found = values(paths.clone(), &dt);
    if found.len() != paths.len() {
        return None;
    }
    let shaped = |value: &str, shapes: &[&str]| {
        shapes.iter().any(|shape| {
            shape.len() == value.len()
                && shape.bytes().zip(value.bytes()).all(|(s, v)| {
                    if s == b'9' {
                        v.is_ascii_digit()
                    } else {
                        s == v
                    }
                })
        })
    };
    if found
        .iter()
        .all(|v| shaped(v, &["9999-99-99", "9999-99-99-99"]))
    {
        Some(TimeLayout::Dashed(dt))
    } else if found.iter().all(|v| shaped(v, &["99999999", "9999999999"])) {
        Some(TimeLayout::Compact(dt))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout_of(keys: &[&str], paths: &[&str]) -> Option<TimeLayout> {
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        time_layout(&keys, paths.iter().copied())
    }

    #[test]
    fn time_layouts_are_recognised_only_when_every_value_fits() {
        let hive = ["year", "month", "day", "hour"];
        assert!(matches!(
            layout_of(&hive, &["year=2026/month=01/day=05/hour=03/a.parquet"]),
            Some(TimeLayout::Padded { hour: Some(_), .. })
        ));
        assert!(matches!(
            layout_of(
                &hive,
                &[
                    "year=2026/month=1/day=5/hour=3/a",
                    "year=2026/month=11/day=25/hour=13/b"
                ]
            ),
            Some(TimeLayout::Numeric { .. })
        ));
        assert_eq!(
            layout_of(&hive, &["year=2026/month=Jan/day=5/hour=3/a"]),
            None,
            "a month name is not a number"
        );
        assert_eq!(
            layout_of(&hive, &["year=26/month=01/day=05/hour=03/a"]),
            None
        );
        assert_eq!(
            layout_of(&hive, &["year=2026/month=13/day=05/hour=03/a"]),
            None
        );
        assert_eq!(
            layout_of(&["dt"], &["dt=2026-01-05/a", "dt=2026-01-05-03/b"]),
            Some(TimeLayout::Dashed("dt".into()))
        );
        assert_eq!(
            layout_of(&["dt"], &["dt=20260105/a", "dt=2026010503/b"]),
            Some(TimeLayout::Compact("dt".into()))
        );
        assert_eq!(layout_of(&["dt"], &["dt=05-01-2026/a"]), None);
        assert_eq!(
            layout_of(&["dt"], &["dt=2026-01-05/a", "dt=20260105/b"]),
            None
        );
        assert_eq!(layout_of(&["region"], &["region=eu/a"]), None);
    }

    #[test]
    fn finds_hive_keys_and_strays() {
        let paths = [
            "year=2026/month=11/a.parquet",
            "year=2026/month=12/b.parquet",
            "c.parquet",
        ];
        let found = layout(paths.into_iter());
        assert_eq!(found.keys, vec!["year", "month"]);
        assert_eq!(found.outside, 1);
        assert_eq!(found.outside_examples, vec!["c.parquet"]);
        assert!(keys_of("2026/11/25/f").is_empty());
    }
}
