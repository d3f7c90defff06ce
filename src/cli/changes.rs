//! For `refresh = "new-data"`: whether files landed in the tables a dashboard's alerts read since
//! the last look (`lake::changes`, listing only from the newest partition on), and whether the lake
//! went away or came back, which also calls for an evaluation.

use super::alert_eval::AlertSetup;
use crate::lake::TableInfo;
use crate::lake::changes::{Watermark, new_files_since};
use crate::sql::table_names;

/// What has been seen of the tables the alerts read.
pub struct LakeChanges {
    tables: Vec<TableInfo>,
    watermarks: Vec<Option<Watermark>>,
    reachable: bool,
}

impl LakeChanges {
    /// Nothing seen yet of the tables `setup`'s alert visuals read.
    pub fn new(setup: &AlertSetup) -> Self {
        let tables = watched_tables(setup);
        Self {
            watermarks: vec![None; tables.len()],
            tables,
            reachable: true,
        }
    }

    /// Looks once; `true` when the alerts should be evaluated again: files landed, or the lake
    /// just became unreachable (reported on stderr) or reachable again.
    pub async fn check(&mut self, setup: &AlertSetup) -> bool {
        let looked = self.look(setup).await;
        match (looked, self.reachable) {
            (Ok(landed), true) => landed,
            (Ok(_), false) => {
                eprintln!("the lake {} can be read again", setup.engine.lake().spec);
                self.reachable = true;
                true
            }
            (Err(message), true) => {
                eprintln!("error: {message}; looking again until it is back");
                self.reachable = false;
                true
            }
            (Err(_), false) => false,
        }
    }

    async fn look(&mut self, setup: &AlertSetup) -> Result<bool, String> {
        setup.lake_reachable().await?;
        let store = &setup.engine.lake().store;
        let mut landed = false;
        for (table, watermark) in self.tables.iter().zip(&mut self.watermarks) {
            let changes = new_files_since(store, table, watermark.as_ref())
                .await
                .map_err(|err| err.to_string())?;
            landed |= watermark.is_some() && !changes.new_files.is_empty();
            *watermark = Some(changes.watermark);
        }
        Ok(landed)
    }
}

/// The catalog's tables that the watched visuals name; all of them when a name is not a table
/// (a common table expression, say), so that no landing is missed.
fn watched_tables(setup: &AlertSetup) -> Vec<TableInfo> {
    let catalog = setup.engine.catalog();
    let dashboard = &setup.dashboard;
    let mut tables: Vec<TableInfo> = Vec::new();
    for rule in &dashboard.alerts {
        let Some(sql) = dashboard.visual(&rule.visual).and_then(|v| v.sql.as_ref()) else {
            continue;
        };
        for name in table_names(sql) {
            let Some(table) = catalog.table(&name, catalog.default_schema()) else {
                return catalog.tables.clone();
            };
            if !tables
                .iter()
                .any(|t| t.qualified_name() == table.qualified_name())
            {
                tables.push(table.clone());
            }
        }
    }
    tables
}
