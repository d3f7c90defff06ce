//! The `tables` and `schema` reports, as aligned text or JSON.

use std::fmt::Write as _;

use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use serde_json::{Value, json};

use crate::lake::aws::ProfileInfo;
use crate::lake::{Catalog, TableInfo};

fn format_label(table: &TableInfo) -> String {
    let compressions: Vec<String> = table
        .compressions
        .iter()
        .filter(|c| **c != crate::lake::files::Compression::None)
        .map(ToString::to_string)
        .collect();
    if compressions.is_empty() {
        table.format.to_string()
    } else {
        format!("{} ({})", table.format, compressions.join(", "))
    }
}

/// `lakesight tables` as aligned text.
pub fn tables_text(catalog: &Catalog) -> String {
    let mut grid = Table::new();
    grid.load_preset(UTF8_BORDERS_ONLY).set_header([
        "zone",
        "table",
        "format",
        "partitions",
        "files",
        "size",
        "warnings",
    ]);
    for t in &catalog.tables {
        grid.add_row([
            t.schema.clone(),
            t.name.clone(),
            format_label(t),
            t.partition_columns.join("/"),
            t.file_count.to_string(),
            crate::model::human_bytes(t.total_bytes),
            (t.warnings.len() + t.drift.len()).to_string(),
        ]);
    }
    for p in &catalog.problems {
        grid.add_row([
            p.schema.clone(),
            p.name.clone(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "unreadable".into(),
        ]);
    }
    let mut out = grid.to_string();
    out.push('\n');
    for t in &catalog.tables {
        for warning in &t.warnings {
            let _ = writeln!(out, "warning: {}: {warning}", t.qualified_name());
        }
        for drift in &t.drift {
            let _ = writeln!(out, "warning: {}: {drift}", t.qualified_name());
        }
    }
    for p in &catalog.problems {
        let _ = writeln!(
            out,
            "error: {}: {} (at {})",
            p.qualified_name(),
            p.message,
            p.location
        );
    }
    for note in &catalog.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// `lakesight tables --format json`.
pub fn tables_json(catalog: &Catalog) -> Value {
    let tables: Vec<Value> = catalog
        .tables
        .iter()
        .map(|t| {
            json!({
                "zone": t.schema,
                "table": t.name,
                "location": t.location,
                "format": t.format,
                "compression": t.compressions,
                "partition_columns": t.partition_columns,
                "files": t.file_count,
                "bytes": t.total_bytes,
                "warnings": t.warnings.iter().cloned().chain(t.drift.iter().map(ToString::to_string)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let problems: Vec<Value> = catalog
        .problems
        .iter()
        .map(|p| json!({ "zone": p.schema, "table": p.name, "location": p.location, "error": p.message }))
        .collect();
    json!({ "default_schema": catalog.default_schema(), "tables": tables, "unreadable": problems, "notes": catalog.notes })
}

/// `lakesight schema TABLE` as aligned text.
pub fn schema_text(table: &TableInfo) -> String {
    let mut grid = Table::new();
    grid.load_preset(UTF8_BORDERS_ONLY)
        .set_header(["column", "type", "partition key"]);
    for field in table.columns.fields() {
        grid.add_row([
            field.name().clone(),
            field.data_type().to_string(),
            String::new(),
        ]);
    }
    for key in &table.partition_columns {
        grid.add_row([key.clone(), "Utf8".to_owned(), "yes".to_owned()]);
    }
    let mut out = format!(
        "{} — {} at {}\n{grid}\n",
        table.qualified_name(),
        format_label(table),
        table.location
    );
    for drift in &table.drift {
        let _ = writeln!(out, "drift: {drift}");
    }
    for warning in &table.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

/// `lakesight schema TABLE --format json`.
pub fn schema_json(table: &TableInfo) -> Value {
    let mut columns: Vec<Value> = table
        .columns
        .fields()
        .iter()
        .map(|f| json!({ "name": f.name(), "type": f.data_type().to_string(), "partition_key": false }))
        .collect();
    columns.extend(
        table
            .partition_columns
            .iter()
            .map(|k| json!({ "name": k, "type": "Utf8", "partition_key": true })),
    );
    json!({
        "zone": table.schema,
        "table": table.name,
        "location": table.location,
        "format": table.format,
        "columns": columns,
        "drift": table.drift.iter().map(|d| json!({ "column": d.column, "detail": d.kind, "message": d.to_string() })).collect::<Vec<_>>(),
        "warnings": table.warnings,
    })
}

/// `lakesight profiles` as aligned text. Secrets are never part of a [`ProfileInfo`].
pub fn profiles_text(profiles: &[ProfileInfo]) -> String {
    if profiles.is_empty() {
        return "no AWS profiles found (looked in AWS_CONFIG_FILE or ~/.aws/config, AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)\n".to_owned();
    }
    let mut grid = Table::new();
    grid.load_preset(UTF8_BORDERS_ONLY)
        .set_header(["profile", "region", "kind", "endpoint"]);
    for p in profiles {
        grid.add_row([
            p.name.clone(),
            p.region.clone().unwrap_or_default(),
            p.kind.to_string(),
            p.endpoint.clone().unwrap_or_default(),
        ]);
    }
    format!("{grid}\n")
}
