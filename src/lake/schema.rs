//! Merging the schemas of sampled files into one table schema: columns missing from some files
//! read as null, conflicting types widen (integer + float -> float, anything + string -> string),
//! and every such change is reported as a [`ColumnDrift`] naming the column and the files.

use std::collections::BTreeMap;
use std::fmt;

use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};

/// How one column differs across the sampled files of a table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ColumnDrift {
    /// The column's name.
    pub column: String,
    /// What differs.
    pub kind: DriftKind,
}

/// The kind of schema drift a column shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriftKind {
    /// The column is absent from some files; it reads as null there.
    Missing {
        /// Files without the column (a few examples).
        files: Vec<String>,
        /// How many sampled files lack it.
        count: usize,
        /// How many files were sampled.
        sampled: usize,
    },
    /// Files disagree on the type; the table uses a wider one.
    Widened {
        /// The table's type.
        to: String,
        /// Each type seen, with a few files that have it.
        seen: Vec<(String, Vec<String>)>,
    },
}

impl fmt::Display for ColumnDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DriftKind::Missing {
                files,
                count,
                sampled,
            } => write!(
                f,
                "column `{}` is missing from {count} of {sampled} sampled files (e.g. {}); it reads as null there",
                self.column,
                files.join(", ")
            ),
            DriftKind::Widened { to, seen } => {
                let seen: Vec<String> = seen
                    .iter()
                    .map(|(ty, files)| format!("{ty} in {}", files.join(", ")))
                    .collect();
                write!(
                    f,
                    "column `{}` has conflicting types ({}); read as {to}",
                    self.column,
                    seen.join("; ")
                )
            }
        }
    }
}

/// How many example files a drift message names.
const EXAMPLE_FILES: usize = 3;

/// Merges per-file schemas (in sample order) into a table schema plus the drift found.
pub fn merge_schemas(samples: &[(String, Schema)]) -> (Schema, Vec<ColumnDrift>) {
    struct Column {
        data_type: DataType,
        by_type: BTreeMap<String, Vec<String>>,
        present_in: usize,
        nullable: bool,
    }
    let mut order: Vec<String> = Vec::new();
    let mut columns: BTreeMap<String, Column> = BTreeMap::new();
    for (path, schema) in samples {
        for field in schema.fields() {
            let column = columns.entry(field.name().clone()).or_insert_with(|| {
                order.push(field.name().clone());
                Column {
                    data_type: DataType::Null,
                    by_type: BTreeMap::new(),
                    present_in: 0,
                    nullable: false,
                }
            });
            column.present_in += 1;
            column.nullable |= field.is_nullable();
            column.data_type = widen(&column.data_type, field.data_type());
            if *field.data_type() != DataType::Null {
                column
                    .by_type
                    .entry(field.data_type().to_string())
                    .or_default()
                    .push(path.clone());
            }
        }
    }

    let mut drift = Vec::new();
    let mut fields = Vec::with_capacity(order.len());
    for name in order {
        let column = &columns[&name];
        // A column that is null in every sample is most useful as text.
        let data_type = if column.data_type == DataType::Null {
            DataType::Utf8
        } else {
            column.data_type.clone()
        };
        if column.by_type.len() > 1 {
            let seen = column
                .by_type
                .iter()
                .map(|(ty, files)| {
                    (
                        ty.clone(),
                        files.iter().take(EXAMPLE_FILES).cloned().collect(),
                    )
                })
                .collect();
            drift.push(ColumnDrift {
                column: name.clone(),
                kind: DriftKind::Widened {
                    to: data_type.to_string(),
                    seen,
                },
            });
        }
        if column.present_in < samples.len() {
            let missing: Vec<&String> = samples
                .iter()
                .filter(|(_, schema)| schema.field_with_name(&name).is_err())
                .map(|(path, _)| path)
                .collect();
            drift.push(ColumnDrift {
                column: name.clone(),
                kind: DriftKind::Missing {
                    count: missing.len(),
                    files: missing.into_iter().take(EXAMPLE_FILES).cloned().collect(),
                    sampled: samples.len(),
                },
            });
        }
        // Nullable as the files declare it (as DataFusion would infer), and wherever files lack it.
        let nullable = column.nullable
            || column.present_in < samples.len()
            || column.data_type == DataType::Null;
        fields.push(Field::new(name, data_type, nullable));
    }
    (Schema::new(fields), drift)
}

/// The narrowest type both `a` and `b` values fit in.
pub fn widen(a: &DataType, b: &DataType) -> DataType {
    use DataType as T;
    if a == b {
        return a.clone();
    }
    match (a, b) {
        (T::Null, other) | (other, T::Null) => other.clone(),
        (s @ (T::Utf8 | T::LargeUtf8 | T::Utf8View), _)
        | (_, s @ (T::Utf8 | T::LargeUtf8 | T::Utf8View)) => s.clone(),
        (x, y) if x.is_integer() && y.is_integer() => T::Int64,
        (x, y) if x.is_numeric() && y.is_numeric() => T::Float64,
        (T::Timestamp(u1, tz1), T::Timestamp(u2, tz2)) => T::Timestamp(
            finer(*u1, *u2),
            if tz1 == tz2 {
                tz1.clone()
            } else {
                Some("UTC".into())
            },
        ),
        (T::Timestamp(unit, tz), T::Date32 | T::Date64)
        | (T::Date32 | T::Date64, T::Timestamp(unit, tz)) => T::Timestamp(*unit, tz.clone()),
        (T::Date32, T::Date64) | (T::Date64, T::Date32) => T::Date64,
        _ => T::Utf8,
    }
}

fn finer(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    let rank = |u: TimeUnit| match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    };
    if rank(a) >= rank(b) { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: &[(&str, DataType)]) -> Schema {
        Schema::new(
            fields
                .iter()
                .map(|(n, t)| Field::new(*n, t.clone(), false))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn widens_conflicts_and_reports_missing_columns() {
        let samples = vec![
            (
                "a.json".to_owned(),
                schema(&[
                    ("id", DataType::Int64),
                    ("amount", DataType::Int64),
                    ("code", DataType::Int64),
                ]),
            ),
            (
                "b.json".to_owned(),
                schema(&[
                    ("id", DataType::Int64),
                    ("amount", DataType::Float64),
                    ("code", DataType::Utf8),
                ]),
            ),
            (
                "c.json".to_owned(),
                schema(&[
                    ("id", DataType::Int64),
                    ("amount", DataType::Float64),
                    ("coupon", DataType::Utf8),
                ]),
            ),
        ];
        let (merged, drift) = merge_schemas(&samples);
        let types: Vec<(String, DataType, bool)> = merged
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect();
        assert_eq!(
            types,
            vec![
                ("id".into(), DataType::Int64, false),
                ("amount".into(), DataType::Float64, false),
                ("code".into(), DataType::Utf8, true),
                ("coupon".into(), DataType::Utf8, true),
            ]
        );
        let messages: Vec<String> = drift.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(
            messages[0].contains("`amount` has conflicting types")
                && messages[0].contains("Int64 in a.json")
                && messages[0].contains("read as Float64")
        );
        assert!(messages[1].contains("`code`") && messages[1].contains("read as Utf8"));
        assert!(
            messages[2].contains("`code` is missing from 1 of 3") && messages[2].contains("c.json")
        );
        assert!(messages[3].contains("`coupon` is missing from 2 of 3"));
    }

    #[test]
    fn widening_rules() {
        assert_eq!(widen(&DataType::Int32, &DataType::Int64), DataType::Int64);
        assert_eq!(
            widen(&DataType::Int64, &DataType::Float32),
            DataType::Float64
        );
        assert_eq!(
            widen(&DataType::Boolean, &DataType::Utf8View),
            DataType::Utf8View
        );
        assert_eq!(
            widen(&DataType::Null, &DataType::Boolean),
            DataType::Boolean
        );
        assert_eq!(widen(&DataType::Boolean, &DataType::Int64), DataType::Utf8);
    }
}
