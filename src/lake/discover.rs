//! Table discovery: zones become schemas, folders (or single files) under them become tables, and
//! each table's files are classified, partitioned and sampled for a schema. A table that fails to
//! list or read is reported on its own and never hides the others.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::execution::SessionState;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::catalog::{Catalog, TableInfo, TableProblem};
use super::error::LakeError;
use super::files::{self, Compression, DataFormat, FileKind, NameClass, classify_name};
use super::schema::merge_schemas;
use super::store::LakeStore;
use super::{infer, listing, partitions};

/// The zone folders of a lake, in pipeline order.
pub const ZONES: [&str; 3] = ["landing", "staging", "consumption"];
/// The schema of a lake root without zone folders.
pub const FLAT_SCHEMA: &str = "public";

/// Tuning for discovery.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// Files per table whose schema is read (spread across the table, first and last included).
    pub sample_files: usize,
    /// Tables discovered at once.
    pub concurrency: usize,
    /// Only the tables these names can mean (`table` in any zone, or `zone.table`), when
    /// every name means one; otherwise every table (a name that matches nothing is then reported
    /// with the tables there are). `None`: every table.
    pub only: Option<Vec<String>>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            sample_files: 16,
            concurrency: 8,
            only: None,
        }
    }
}

struct Candidate {
    schema: String,
    folder_name: String,
    prefix: Path,
    single_file: Option<ObjectMeta>,
}

/// Discovers every table under the lake root.
pub async fn discover(store: &LakeStore, options: &DiscoverOptions) -> Result<Catalog, LakeError> {
    discover_in(store, options, &SessionContext::new().state()).await
}

/// [`discover`], reading files' schemas through `state` (its runtime's caches: the engine's
/// footer cache, so a footer read to find a schema is not read again by the query).
pub async fn discover_in(
    store: &LakeStore,
    options: &DiscoverOptions,
    state: &SessionState,
) -> Result<Catalog, LakeError> {
    let raw = store.raw();
    let top = raw
        .list_with_delimiter(None)
        .await
        .map_err(|e| LakeError::List {
            location: store.display_root().to_owned(),
            message: store.explain(&e),
        })?;
    let zones: Vec<&Path> = top
        .common_prefixes
        .iter()
        .filter(|p| p.filename().is_some_and(|name| ZONES.contains(&name)))
        .collect();
    let has_zones = !zones.is_empty();

    let mut notes = Vec::new();
    let mut candidates = Vec::new();
    if zones.is_empty() {
        candidates.extend(children(FLAT_SCHEMA, &top));
    } else {
        for dir in &top.common_prefixes {
            let name = dir.filename().unwrap_or_default();
            if !ZONES.contains(&name) && !name.starts_with('.') && !name.starts_with('_') {
                notes.push(format!("folder `{name}/` at the lake root is not a zone (landing, staging, consumption); ignored"));
            }
        }
        for zone in zones {
            let listing =
                raw.list_with_delimiter(Some(zone))
                    .await
                    .map_err(|e| LakeError::List {
                        location: store.display_path(zone),
                        message: store.explain(&e),
                    })?;
            candidates.extend(children(zone.filename().unwrap_or_default(), &listing));
        }
    }

    if let Some(wanted) = &options.only {
        // An unqualified name means the default schema's table, as SQL resolves it.
        let default = if has_zones {
            "consumption"
        } else {
            FLAT_SCHEMA
        };
        let all_found = wanted
            .iter()
            .all(|name| candidates.iter().any(|c| name_matches(name, c, default)));
        if all_found {
            candidates.retain(|c| wanted.iter().any(|name| name_matches(name, c, default)));
        }
    }

    let results: Vec<Result<TableInfo, TableProblem>> = futures::stream::iter(candidates)
        .map(|candidate| discover_table(store, state, candidate, options))
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let mut catalog = Catalog {
        zoned: top
            .common_prefixes
            .iter()
            .any(|p| p.filename().is_some_and(|n| ZONES.contains(&n))),
        tables: Vec::new(),
        problems: Vec::new(),
        notes,
    };
    for result in results {
        match result {
            Ok(table) => catalog.tables.push(table),
            Err(problem) => catalog.problems.push(problem),
        }
    }
    catalog.finish();
    Ok(catalog)
}

/// Whether `name` (`table`, in the `default` schema, or `zone.table`) means `candidate`.
fn name_matches(name: &str, candidate: &Candidate, default: &str) -> bool {
    let table = table_name(&candidate.folder_name, candidate.single_file.is_some());
    let (schema, name) = name.split_once('.').unwrap_or((default, name));
    schema == candidate.schema && name == table
}

fn children(schema: &str, listing: &object_store::ListResult) -> Vec<Candidate> {
    let dirs = listing.common_prefixes.iter().filter_map(|prefix| {
        let name = prefix.filename()?;
        (!name.starts_with('.') && !name.starts_with('_')).then(|| Candidate {
            schema: schema.to_owned(),
            folder_name: name.to_owned(),
            prefix: prefix.clone(),
            single_file: None,
        })
    });
    let files = listing.objects.iter().filter_map(|meta| {
        let name = meta.location.filename()?;
        matches!(classify_name(name), NameClass::Data(_)).then(|| Candidate {
            schema: schema.to_owned(),
            folder_name: name.to_owned(),
            prefix: meta.location.clone(),
            single_file: Some(meta.clone()),
        })
    });
    dirs.chain(files).collect()
}

/// A SQL-friendly table name: lower case, with anything but letters, digits and `_` as `_`.
pub fn table_name(folder_name: &str, single_file: bool) -> String {
    let stem = if single_file {
        folder_name.split('.').next().unwrap_or(folder_name)
    } else {
        folder_name
    };
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

async fn discover_table(
    store: &LakeStore,
    state: &SessionState,
    candidate: Candidate,
    options: &DiscoverOptions,
) -> Result<TableInfo, TableProblem> {
    let name = table_name(&candidate.folder_name, candidate.single_file.is_some());
    let display = store.display_path(&candidate.prefix);
    let problem = |message: String| TableProblem {
        schema: candidate.schema.clone(),
        name: name.clone(),
        location: display.clone(),
        message,
    };
    let raw = store.raw();

    let listed: Vec<ObjectMeta> = match &candidate.single_file {
        Some(meta) => vec![meta.clone()],
        None => listing::list_table(raw, &candidate.prefix)
            .await
            .map_err(|e| {
                problem(format!(
                    "could not list the table's files: {}",
                    store.explain(&e)
                ))
            })?,
    };

    let mut warnings = Vec::new();
    let mut ignored = 0usize;
    let mut unrecognized = Vec::new();
    let mut classified: Vec<(ObjectMeta, String, Option<FileKind>)> = Vec::new();
    for meta in listed {
        let relative = relative_path(
            &candidate.prefix,
            &meta.location,
            candidate.single_file.is_some(),
        );
        match classify_name(&relative) {
            NameClass::Ignored => ignored += 1,
            _ if meta.size == 0 => ignored += 1,
            NameClass::Unrecognized => unrecognized.push(relative),
            NameClass::Data(kind) => classified.push((meta, relative, Some(kind))),
            NameClass::NeedsSniff => classified.push((meta, relative, None)),
        }
    }
    classified.sort_by(|a, b| a.1.cmp(&b.1));
    sniff_unknown(raw, &mut classified, &mut unrecognized).await;
    if !unrecognized.is_empty() {
        warnings.push(format!(
            "{} file(s) are not in a format Lakesight reads and are skipped (e.g. {})",
            unrecognized.len(),
            examples(&unrecognized)
        ));
    }

    let mut by_format: BTreeMap<DataFormat, Vec<(ObjectMeta, String, FileKind)>> = BTreeMap::new();
    for (meta, relative, kind) in classified {
        if let Some(kind) = kind {
            by_format
                .entry(kind.format)
                .or_default()
                .push((meta, relative, kind));
        }
    }
    let Some(format) = by_format
        .iter()
        .max_by_key(|(_, files)| files.len())
        .map(|(f, _)| *f)
    else {
        let ignored = if ignored > 0 {
            format!(" ({ignored} non-data file(s) ignored)")
        } else {
            String::new()
        };
        return Err(problem(format!(
            "no data files in the table's folder{ignored}"
        )));
    };
    for (other, files) in &by_format {
        if *other != format {
            let names: Vec<String> = files.iter().map(|f| f.1.clone()).collect();
            warnings.push(format!(
                "{} {other} file(s) in this {format} table are skipped (e.g. {})",
                files.len(),
                examples(&names)
            ));
        }
    }
    let mut files = by_format.remove(&format).unwrap_or_default();

    let layout = partitions::layout(files.iter().map(|f| f.1.as_str()));
    if layout.outside > 0 {
        warnings.push(format!(
            "{} file(s) are outside the partition layout {} and are skipped (e.g. {})",
            layout.outside,
            layout.keys.join("/"),
            examples(&layout.outside_examples)
        ));
        files.retain(|f| partitions::keys_of(&f.1) == layout.keys);
    }

    // Owned samples: a stream over borrowed items makes the future not `Send` for every lifetime,
    // which the app's background jobs need.
    let samples: Vec<(ObjectMeta, String, FileKind)> = spread(&files, options.sample_files)
        .into_iter()
        .cloned()
        .collect();
    let schemas = futures::stream::iter(samples)
        .map(|(meta, relative, kind)| async move {
            let schema = infer::file_schema(state, raw, &meta, kind).await;
            (relative, schema)
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await;
    let mut readable = Vec::new();
    for (relative, schema) in schemas {
        match schema {
            Ok(schema) => readable.push((relative, schema)),
            Err(reason) => {
                warnings.push(format!("could not read the schema of {relative}: {reason}"));
            }
        }
    }
    if readable.is_empty() {
        return Err(problem(format!(
            "could not read any sampled file: {}",
            warnings.last().cloned().unwrap_or_default()
        )));
    }
    let (mut schema, drift) = merge_schemas(&readable);
    // A partition key also stored as a column: the folder name wins, as in Hive.
    let clashing: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| layout.keys.contains(f.name()))
        .map(|f| f.name().clone())
        .collect();
    if !clashing.is_empty() {
        warnings.push(format!(
            "column(s) {} are also partition keys; the partition folder values are used",
            clashing.join(", ")
        ));
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| !clashing.contains(schema.field(i).name()))
            .collect();
        schema = schema.project(&keep).unwrap_or(schema);
    }

    let compressions: BTreeSet<Compression> = files.iter().map(|f| f.2.compression).collect();
    Ok(TableInfo {
        schema: candidate.schema.clone(),
        name: name.clone(),
        prefix: candidate.prefix.to_string(),
        location: display,
        single_file: candidate.single_file.is_some(),
        format,
        compressions: compressions.into_iter().collect(),
        file_extension: common_extension(format, &files),
        time_layout: partitions::time_layout(&layout.keys, files.iter().map(|f| f.1.as_str())),
        partition_columns: layout.keys,
        file_count: files.len(),
        total_bytes: files.iter().map(|f| f.0.size).sum(),
        columns: SchemaRef::new(schema),
        drift,
        warnings,
    })
}

fn relative_path(prefix: &Path, location: &Path, single_file: bool) -> String {
    if single_file {
        return location.filename().unwrap_or_default().to_owned();
    }
    let full = location.as_ref();
    full.strip_prefix(prefix.as_ref())
        .map_or(full, |rest| rest.trim_start_matches('/'))
        .to_owned()
}

/// Sniffs files without an extension. A sample is read first; when it agrees on one kind the rest
/// are taken to be alike (their compression is sniffed again when they are read), else all are read.
async fn sniff_unknown(
    store: &Arc<dyn ObjectStore>,
    files: &mut [(ObjectMeta, String, Option<FileKind>)],
    unrecognized: &mut Vec<String>,
) {
    const SAMPLE: usize = 8;
    let unknown: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.2.is_none())
        .map(|(i, _)| i)
        .collect();
    if unknown.is_empty() {
        return;
    }
    let sniff_one = |i: usize| {
        let meta = files[i].0.clone();
        async move {
            let range = 0..meta.size.min(files::SNIFF_BYTES);
            let kind = match store.get_range(&meta.location, range).await {
                Ok(head) => files::sniff(&head),
                Err(_) => None,
            };
            (i, kind)
        }
    };
    let sample: Vec<usize> = spread(&unknown, SAMPLE).into_iter().copied().collect();
    let sniffed: Vec<(usize, Option<FileKind>)> = futures::stream::iter(sample.clone())
        .map(sniff_one)
        .buffer_unordered(8)
        .collect()
        .await;
    let formats: BTreeSet<Option<DataFormat>> =
        sniffed.iter().map(|(_, k)| k.map(|k| k.format)).collect();
    let results = if formats.len() == 1 && unknown.len() > sample.len() {
        let (_, kind) = sniffed[0];
        unknown
            .iter()
            .map(|&i| {
                (
                    i,
                    sniffed
                        .iter()
                        .find(|(j, _)| *j == i)
                        .map_or(kind, |(_, k)| *k),
                )
            })
            .collect()
    } else if unknown.len() > sample.len() {
        futures::stream::iter(unknown)
            .map(sniff_one)
            .buffer_unordered(16)
            .collect()
            .await
    } else {
        sniffed
    };
    for (i, kind) in results {
        match kind {
            Some(kind) => files[i].2 = Some(kind),
            None => unrecognized.push(files[i].1.clone()),
        }
    }
}

/// Up to `n` items spread evenly over `items`, first and last included.
pub fn spread<T>(items: &[T], n: usize) -> Vec<&T> {
    if items.len() <= n {
        return items.iter().collect();
    }
    if n < 2 {
        return items.iter().take(n).collect();
    }
    let last = items.len() - 1;
    let mut picked: Vec<usize> = (0..n).map(|i| i * last / (n - 1)).collect();
    picked.dedup();
    picked.into_iter().map(|i| &items[i]).collect()
}

fn common_extension(format: DataFormat, files: &[(ObjectMeta, String, FileKind)]) -> String {
    if matches!(format, DataFormat::Json | DataFormat::Csv) {
        return String::new();
    }
    let extension = |name: &str| name.rsplit_once('.').map(|(_, ext)| format!(".{ext}"));
    let first = files.first().and_then(|f| extension(&f.1));
    match first {
        Some(ext) if files.iter().all(|f| f.1.ends_with(&ext)) => ext,
        _ => String::new(),
    }
}

fn examples(names: &[String]) -> String {
    let mut shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    if names.len() > 3 {
        shown.push("…");
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_covers_first_and_last() {
        let items: Vec<u32> = (0..100).collect();
        let picked: Vec<u32> = spread(&items, 5).into_iter().copied().collect();
        assert_eq!(picked, vec![0, 24, 49, 74, 99]);
        assert_eq!(spread(&items[..3], 5).len(), 3);
    }

    #[test]
    fn table_names_are_sql_friendly() {
        assert_eq!(table_name("Page-Views", false), "page_views");
        assert_eq!(table_name("fx_rates.csv.gz", true), "fx_rates");
    }
}
