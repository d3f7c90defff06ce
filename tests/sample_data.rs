//! The committed `sample-data/` is what the generator writes (`lakesight generate-sample`), and the
//! bundled copy of it is a lake with every zone. Bytes are compared where the encoding is
//! deterministic; where a library upgrade may legitimately change the bytes (Parquet's
//! `created_by`, a compressor's output), the decoded contents are compared instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use lakesight::lake::files::Compression;

use common::{attach, scalar_i64};

/// Every file under `root`, by path relative to it, with its bytes.
fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A file's contents as its readers see them: the columns and rows of Parquet and Arrow IPC
/// files, the decompressed bytes of gzip and zstd files.
#[derive(Debug, PartialEq)]
enum Decoded {
    Table(SchemaRef, RecordBatch),
    Text(Vec<u8>),
}

fn decode(path: &Path, bytes: &[u8]) -> Option<Decoded> {
    let name = path.to_string_lossy();
    let table = |schema: SchemaRef, batches: Vec<RecordBatch>| {
        let rows = concat_batches(&schema, &batches).unwrap();
        Decoded::Table(schema, rows)
    };
    if name.ends_with(".parquet") {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(Bytes::copy_from_slice(bytes)).unwrap();
        let schema = builder.schema().clone();
        let batches = builder.build().unwrap().map(Result::unwrap).collect();
        Some(table(schema, batches))
    } else if name.ends_with(".arrow") {
        let reader = FileReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let schema = reader.schema();
        Some(table(schema, reader.map(Result::unwrap).collect()))
    } else if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut text)
            .unwrap();
        Some(Decoded::Text(text))
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Decoded::Text(zstd::decode_all(bytes).unwrap()))
    } else {
        None
    }
}

#[test]
fn the_committed_sample_lake_is_what_the_generator_writes() {
    let committed = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"));
    let dir = tempfile::tempdir().unwrap();
    let report = lakesight::sim::generate_sample_lake(dir.path()).unwrap();
    let generated = read_tree(dir.path());
    assert_eq!(report.files, generated.len());
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let mut differences = Vec::new();
    for (path, expected) in &committed {
        let actual = &generated[path];
        if actual == expected {
            continue;
        }
        match (decode(path, expected), decode(path, actual)) {
            (Some(expected), Some(actual)) if expected == actual => {}
            (Some(_), Some(_)) => differences.push(format!("{}: other contents", path.display())),
            _ => differences.push(format!("{}: other bytes", path.display())),
        }
    }
    assert!(
        differences.is_empty(),
        "sample-data/ is not what `lakesight generate-sample` writes ({} of {} files differ; \
         regenerate it): {:#?}",
        differences.len(),
        committed.len(),
        &differences[..differences.len().min(10)]
    );
}

#[tokio::test]
async fn the_bundled_sample_lake_has_every_zone() {
    let cache = tempfile::tempdir().unwrap();
    let root = lakesight::lake::bundled::sample_lake_dir_in(cache.path()).unwrap();
    assert!(root.starts_with(cache.path()));
    let engine = attach(&root).await;
    let catalog = engine.catalog();
    for zone in ["landing", "staging", "consumption"] {
        assert!(
            catalog.tables.iter().any(|t| t.schema == zone),
            "zone {zone}"
        );
    }
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    for table in &catalog.tables {
        let n = scalar_i64(
            &engine,
            &format!("SELECT count(*) FROM {}", table.qualified_name()),
        )
        .await;
        assert!(n > 0, "{} is empty", table.qualified_name());
    }
    let firehose = catalog.table("landing.orders", "consumption").unwrap();
    assert_eq!(firehose.compressions, vec![Compression::Gzip]);
}
