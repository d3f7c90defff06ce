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

#[cfg(test)]
mod tests {
    use super::*;

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
