//! [`Catalog`]: what discovery found in a lake — its tables, the tables it could not read, and notes.

use datafusion::arrow::datatypes::SchemaRef;

use super::files::{Compression, DataFormat};
use super::schema::ColumnDrift;

/// Everything discovered in one lake.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Whether the root has zone folders (`landing/`, `staging/`, `consumption/`).
    pub zoned: bool,
    /// Readable tables, sorted by schema (zone order) and name.
    pub tables: Vec<TableInfo>,
    /// Tables that could not be listed or read, with why.
    pub problems: Vec<TableProblem>,
    /// Remarks about the lake as a whole.
    pub notes: Vec<String>,
}

/// One readable table.
#[derive(Clone, Debug)]
pub struct TableInfo {
    /// The SQL schema: the zone, or `public` for a lake without zones.
    pub schema: String,
    /// The SQL table name.
    pub name: String,
    /// The table's folder (or file) relative to the lake root.
    pub prefix: String,
    /// The table's full location, as a person writes it.
    pub location: String,
    /// Whether the table is one file rather than a folder.
    pub single_file: bool,
    /// The format its files are read as.
    pub format: DataFormat,
    /// The compressions seen among its files.
    pub compressions: Vec<Compression>,
    /// The name suffix every data file shares (empty when they differ or have none).
    pub file_extension: String,
    /// Hive partition keys, outermost first; read as Utf8 columns.
    pub partition_columns: Vec<String>,
    /// How its time partition values are written, when that is recognised (`None`: time
    /// ranges prune nothing).
    pub time_layout: Option<super::partitions::TimeLayout>,
    /// Data files read.
    pub file_count: usize,
    /// Total size of those files.
    pub total_bytes: u64,
    /// Columns stored in the files (partition columns are added after them).
    pub columns: SchemaRef,
    /// How the sampled files' schemas differ.
    pub drift: Vec<ColumnDrift>,
    /// Files skipped and other things the user should know.
    pub warnings: Vec<String>,
}

/// A table discovery could not make readable.
#[derive(Clone, Debug)]
pub struct TableProblem {
    /// The SQL schema it would have had.
    pub schema: String,
    /// The SQL table name it would have had.
    pub name: String,
    /// Its location, as a person writes it.
    pub location: String,
    /// What went wrong and what to do.
    pub message: String,
}

impl TableInfo {
    /// `schema.name`, as written in SQL.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

impl TableProblem {
    /// `schema.name`, as written in SQL.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

fn zone_rank(schema: &str) -> usize {
    super::discover::ZONES
        .iter()
        .position(|z| *z == schema)
        .unwrap_or(usize::MAX)
}

impl Catalog {
    /// Sorts tables and problems into a stable order and keeps table names unique per schema.
    pub(crate) fn finish(&mut self) {
        self.tables.sort_by(|a, b| {
            (zone_rank(&a.schema), &a.schema, &a.name, &a.prefix).cmp(&(
                zone_rank(&b.schema),
                &b.schema,
                &b.name,
                &b.prefix,
            ))
        });
        self.problems
            .sort_by(|a, b| (zone_rank(&a.schema), &a.name).cmp(&(zone_rank(&b.schema), &b.name)));
        let mut seen = std::collections::HashSet::new();
        let mut notes = Vec::new();
        self.tables.retain(|t| {
            let unique = seen.insert(t.qualified_name());
            if !unique {
                notes.push(format!("{} at {} has the same SQL name as another table and is not registered; rename its folder", t.qualified_name(), t.location));
            }
            unique
        });
        self.notes.extend(notes);
    }

    /// The table a SQL name refers to: `schema.name`, or a bare name in the default schema.
    pub fn table(&self, name: &str, default_schema: &str) -> Option<&TableInfo> {
        let (schema, table) = name.split_once('.').unwrap_or((default_schema, name));
        self.tables
            .iter()
            .find(|t| t.schema == schema && t.name == table)
    }

    /// The default SQL schema: `consumption` for a zoned lake, else `public`.
    pub fn default_schema(&self) -> &'static str {
        if self.zoned {
            "consumption"
        } else {
            super::discover::FLAT_SCHEMA
        }
    }
}
