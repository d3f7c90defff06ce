//! [`DashboardFile`]: a dashboard file open for editing. Edits change the `toml_edit` document in
//! place, so a save rewrites only the values an edit touched and keeps the user's comments, order
//! and layout; every edit is checked by parsing the edited text, and refused if it would make the
//! file invalid. Saving is atomic (temporary file, fsync, rename).

use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::error::{DashboardError, DashboardFileError, InvalidDashboard, Subject};
use super::{AlertRule, Dashboard, Position, TimeRange, Visual};
use crate::model::atomic_file::write_atomically;

/// A dashboard file's document (for saving edits) and the dashboard it describes.
#[derive(Clone, Debug)]
pub struct DashboardFile {
    document: DocumentMut,
    dashboard: Dashboard,
}

impl DashboardFile {
    /// Reads and checks a dashboard file's text.
    pub fn parse(text: &str) -> Result<Self, DashboardFileError> {
        let dashboard = Dashboard::parse(text)?;
        let document = text.parse::<DocumentMut>().map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            let message = err.message().trim_end().to_owned();
            InvalidDashboard {
                problems: vec![DashboardError::at(text, offset, Subject::File, message)],
            }
        })?;
        Ok(Self {
            document,
            dashboard,
        })
    }

    /// Reads and checks the dashboard file at `path`.
    pub fn load(path: &Path) -> Result<Self, DashboardFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| DashboardFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The dashboard as the document now describes it.
    pub fn dashboard(&self) -> &Dashboard {
        &self.dashboard
    }

    /// The file's text, with every edit so far.
    pub fn text(&self) -> String {
        self.document.to_string()
    }

    /// Writes the file atomically: the old file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), DashboardFileError> {
        write_atomically(path, self.text().as_bytes()).map_err(|source| DashboardFileError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Moves or resizes a visual on the grid.
    pub fn set_position(&mut self, id: &str, position: Position) -> Result<(), DashboardFileError> {
        let cells: [u32; 4] = position.into();
        let array: toml_edit::Array = cells.iter().map(|&cell| i64::from(cell)).collect();
        self.edit(|document| {
            set_value(visual_table(document, id)?, "position", array);
            Ok(())
        })
    }

    /// Changes a visual's title.
    pub fn set_visual_title(&mut self, id: &str, title: &str) -> Result<(), DashboardFileError> {
        self.edit(|document| {
            set_value(visual_table(document, id)?, "title", title);
            Ok(())
        })
    }

    /// Changes a visual's query.
    pub fn set_visual_sql(&mut self, id: &str, sql: &str) -> Result<(), DashboardFileError> {
        self.edit(|document| {
            set_value(visual_table(document, id)?, "sql", sql);
            Ok(())
        })
    }

    /// Changes the range the dashboard opens with.
    pub fn set_time_range(&mut self, range: &TimeRange) -> Result<(), DashboardFileError> {
        let text = range.to_string();
        self.edit(|document| {
            set_value(document.as_table_mut(), "time_range", text.as_str());
            Ok(())
        })
    }

    /// Makes the visual with `visual.id` say what `visual` says: changed keys are set in place
    /// (comments and order kept), keys it no longer has are removed, new keys appended.
    pub fn replace_visual(&mut self, visual: &Visual) -> Result<(), DashboardFileError> {
        let wanted = visual_as_table(visual)?;
        self.edit(|document| {
            update_table(visual_table(document, &visual.id)?, &wanted);
            Ok(())
        })
    }

    /// Appends a visual as a new `[[visuals]]` table at the end of the file.
    pub fn add_visual(&mut self, visual: &Visual) -> Result<(), DashboardFileError> {
        let table = visual_as_table(visual)?;
        self.edit(|document| {
            let visuals = document
                .as_table_mut()
                .entry("visuals")
                .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
            let visuals = visuals.as_array_of_tables_mut().ok_or_else(not_a_list)?;
            visuals.push(table);
            Ok(())
        })
    }

    /// Removes a visual, with the comments just above its `[[visuals]]` line.
    pub fn remove_visual(&mut self, id: &str) -> Result<(), DashboardFileError> {
        self.edit(|document| {
            let visuals = document
                .get_mut("visuals")
                .and_then(Item::as_array_of_tables_mut)
                .ok_or_else(|| DashboardFileError::UnknownVisual(id.to_owned()))?;
            let index = visuals
                .iter()
                .position(|table| table.get("id").and_then(Item::as_str) == Some(id))
                .ok_or_else(|| DashboardFileError::UnknownVisual(id.to_owned()))?;
            visuals.remove(index);
            Ok(())
        })
    }

    /// Adds `rule` as a new `[[alerts]]` table, or makes the rule with its id say what it says
    /// (changed keys set in place, comments kept).
    pub fn set_alert(&mut self, rule: &AlertRule) -> Result<(), DashboardFileError> {
        let wanted = as_table(rule, &Subject::Alert(rule.id.clone()))?;
        self.edit(|document| {
            let alerts = document
                .as_table_mut()
                .entry("alerts")
                .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
                .as_array_of_tables_mut()
                .ok_or_else(not_a_list)?;
            let existing = alerts
                .iter_mut()
                .find(|table| table.get("id").and_then(Item::as_str) == Some(rule.id.as_str()));
            match existing {
                Some(table) => update_table(table, &wanted),
                None => alerts.push(wanted),
            }
            Ok(())
        })
    }

    /// Removes the alert rule `id` (no such rule: nothing changes).
    pub fn remove_alert(&mut self, id: &str) -> Result<(), DashboardFileError> {
        self.edit(|document| {
            if let Some(alerts) = document
                .get_mut("alerts")
                .and_then(Item::as_array_of_tables_mut)
            {
                let index = alerts
                    .iter()
                    .position(|table| table.get("id").and_then(Item::as_str) == Some(id));
                if let Some(index) = index {
                    alerts.remove(index);
                }
            }
            Ok(())
        })
    }

    /// Applies `change` to a copy of the document and keeps it only if the result is valid.
    fn edit(
        &mut self,
        change: impl FnOnce(&mut DocumentMut) -> Result<(), DashboardFileError>,
    ) -> Result<(), DashboardFileError> {
        let mut document = self.document.clone();
        change(&mut document)?;
        self.dashboard = Dashboard::parse(&document.to_string())?;
        self.document = document;
        Ok(())
    }
}

/// The `[[visuals]]` table with this id.
fn visual_table<'a>(
    document: &'a mut DocumentMut,
    id: &str,
) -> Result<&'a mut Table, DashboardFileError> {
    document
        .get_mut("visuals")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|visuals| {
            visuals
                .iter_mut()
                .find(|table| table.get("id").and_then(Item::as_str) == Some(id))
        })
        .ok_or_else(|| DashboardFileError::UnknownVisual(id.to_owned()))
}

/// Sets `key` in `table`, keeping the spacing and comment around an existing value.
fn set_value(table: &mut Table, key: &str, value: impl Into<Value>) {
    let mut value = value.into();
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// Makes `table` say what `wanted` says: changed keys set in place (comments and order kept), keys
/// it no longer has removed, new keys appended.
fn update_table(table: &mut Table, wanted: &Table) {
    let stale: Vec<String> = table
        .iter()
        .map(|(key, _)| key.to_owned())
        .filter(|key| !wanted.contains_key(key))
        .collect();
    for key in stale {
        table.remove(&key);
    }
    for (key, item) in wanted {
        let Some(value) = item.as_value() else {
            continue;
        };
        let same = table
            .get(key)
            .and_then(Item::as_value)
            .is_some_and(|old| old.to_string().trim() == value.to_string().trim());
        if !same {
            set_value(table, key, value.clone());
        }
    }
}

/// A visual written as a TOML table.
fn visual_as_table(visual: &Visual) -> Result<Table, DashboardFileError> {
    as_table(visual, &Subject::Visual(visual.id.clone()))
}

/// A visual or alert rule written as one TOML table (nested values inline).
fn as_table(value: &impl serde::Serialize, subject: &Subject) -> Result<Table, DashboardFileError> {
    let message = |err: &dyn std::fmt::Display| {
        DashboardFileError::Invalid(InvalidDashboard {
            problems: vec![DashboardError {
                line: 1,
                column: 1,
                subject: subject.clone(),
                message: format!("cannot be written as TOML: {err}"),
            }],
        })
    };
    let text = toml::to_string_pretty(value).map_err(|err| message(&err))?;
    let document = text.parse::<DocumentMut>().map_err(|err| message(&err))?;
    let mut table = document.as_table().clone();
    // Nested tables (`thresholds`, `bands`) inline, so the visual stays one `[[visuals]]` block.
    for (_, item) in table.iter_mut() {
        item.make_value();
        if let Some(array) = item.as_array_mut() {
            array.fmt();
        }
    }
    table.fmt();
    table.set_implicit(false);
    Ok(table)
}

/// The error for a `visuals` key that is not a list of tables (the parse refuses such files).
fn not_a_list() -> DashboardFileError {
    DashboardFileError::Invalid(InvalidDashboard {
        problems: vec![DashboardError {
            line: 1,
            column: 1,
            subject: Subject::Key("visuals".into()),
            message: "must be a list of `[[visuals]]` tables".into(),
        }],
    })
}
