//! What the desktop app remembers between runs. Only plain data lives here; jobs, channels and
//! results live beside it in the app.

use crate::command::{DashboardId, TabId};
use crate::model::SourceSpec;
use crate::model::dashboard::DashboardSource;

/// Persisted in the app's own state file (`state_file`), as RON.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AppState {
    /// The lake attached last (reattached at start unless a source is given).
    pub source: Option<SourceSpec>,
    /// Sources attached before, newest first.
    pub recent_sources: Vec<SourceSpec>,
    /// Open query tabs.
    pub tabs: Vec<QueryTab>,
    /// The tab in front, by id.
    pub active: TabId,
    /// Queries run, newest first.
    pub history: Vec<String>,
    /// `None` follows the system; `Some(true)` dark, `Some(false)` light.
    pub dark_mode: Option<bool>,
    /// UI zoom factor.
    pub zoom: f32,
    /// Whether the frame-time bar shows.
    pub show_frame_times: bool,
    /// Rows of one result kept in memory at most (`None`: the default).
    pub result_limit_rows: Option<usize>,
    /// MiB of one result kept in memory at most (`None`: the default, tied to RAM).
    pub result_limit_mib: Option<u64>,
    /// Open dashboards, in tab order.
    pub dashboards: Vec<OpenDashboard>,
    /// The dashboard in front (`None`: the query tab `active` is).
    pub front_dashboard: Option<DashboardId>,
}

/// An open dashboard: where it comes from and the range it shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpenDashboard {
    /// Stable while it is open.
    pub id: DashboardId,
    /// Its file (or built-in name).
    pub source: DashboardSource,
    /// The range shown, as the file writes ranges (`None`: the file's `time_range`).
    #[serde(default)]
    pub range: Option<String>,
}

/// One query tab.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueryTab {
    /// Stable while the tab is open (its editor's undo history and cursor are keyed by it).
    #[serde(default)]
    pub id: TabId,
    /// The tab's title.
    pub title: String,
    /// The SQL in its editor.
    pub sql: String,
}

/// The key under which older versions kept [`AppState`] in eframe's storage (read once, to
/// carry it over into the state file).
pub const LEGACY_STATE_KEY: &str = "lakesight-state";
/// Recent sources and history entries kept.
pub const MAX_REMEMBERED: usize = 50;

impl Default for AppState {
    fn default() -> Self {
        Self {
            source: None,
            recent_sources: Vec::new(),
            tabs: vec![QueryTab::numbered(1)],
            active: 1,
            history: Vec::new(),
            dark_mode: None,
            zoom: 1.0,
            show_frame_times: false,
            result_limit_rows: None,
            result_limit_mib: None,
            dashboards: Vec::new(),
            front_dashboard: None,
        }
    }
}

impl QueryTab {
    /// A new tab with a starter query.
    pub fn numbered(n: usize) -> Self {
        Self {
            id: n as u64,
            title: format!("Query {n}"),
            sql: "SELECT * FROM orders LIMIT 100".to_owned(),
        }
    }
}

impl AppState {
    /// Remembers `sql` at the top of the history (once).
    pub fn remember_query(&mut self, sql: &str) {
        let sql = sql.trim();
        if sql.is_empty() {
            return;
        }
        self.history.retain(|h| h != sql);
        self.history.insert(0, sql.to_owned());
        self.history.truncate(MAX_REMEMBERED);
    }

    /// Remembers `source` as the current and most recent source.
    pub fn remember_source(&mut self, source: &SourceSpec) {
        self.source = Some(source.clone());
        self.recent_sources.retain(|s| s != source);
        self.recent_sources.insert(0, source.clone());
        self.recent_sources.truncate(MAX_REMEMBERED);
    }

    /// Opens a new tab in front, with an id no open tab has; returns its id.
    pub fn new_tab(&mut self) -> TabId {
        let mut tab = QueryTab::numbered(self.tabs.len() + 1);
        tab.id = self.tabs.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        self.active = tab.id;
        self.tabs.push(tab);
        self.active
    }

    /// The tab with id `id`.
    pub fn tab(&self, id: TabId) -> Option<&QueryTab> {
        self.tabs.iter().find(|t| t.id == id)
    }

    /// The tab with id `id`, to edit.
    pub fn tab_mut(&mut self, id: TabId) -> Option<&mut QueryTab> {
        self.tabs.iter_mut().find(|t| t.id == id)
    }

    /// The tab in front.
    pub fn active_tab(&self) -> &QueryTab {
        self.tab(self.active).unwrap_or(&self.tabs[0])
    }

    /// The tab in front, to edit.
    pub fn active_tab_mut(&mut self) -> &mut QueryTab {
        self.fix_tabs();
        let active = self.active;
        let index = self.tabs.iter().position(|t| t.id == active).unwrap_or(0);
        &mut self.tabs[index]
    }

    /// Closes tab `id` (never the last one); the one beside it comes to the front.
    pub fn close_tab(&mut self, id: TabId) -> bool {
        let Some(index) = self.tabs.iter().position(|t| t.id == id) else {
            return false;
        };
        if self.tabs.len() == 1 {
            return false;
        }
        self.tabs.remove(index);
        if self.active == id {
            self.active = self.tabs[index.min(self.tabs.len() - 1)].id;
        }
        true
    }

    /// Keeps indices valid and ids unique after tabs change (or came from an older file).
    pub fn fix_tabs(&mut self) {
        if self.tabs.is_empty() {
            self.tabs.push(QueryTab::numbered(1));
        }
        let mut seen = std::collections::HashSet::new();
        let mut next = self.tabs.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        for tab in &mut self.tabs {
            if tab.id == 0 || !seen.insert(tab.id) {
                tab.id = next;
                seen.insert(next);
                next += 1;
            }
        }
        if !self.tabs.iter().any(|t| t.id == self.active) {
            self.active = self.tabs[0].id;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn older_state_files_still_load() {
        // A file from before tab ids and newer settings: defaults fill in, ids become unique.
        let old = r#"(tabs: [(title: "Query 1", sql: "SELECT 1"), (title: "Query 2", sql: "x")],
                      active: 7, history: [])"#;
        let mut old: AppState = ron::from_str(old).unwrap();
        old.fix_tabs();
        assert_ne!(old.tabs[0].id, old.tabs[1].id);
        assert_eq!(
            old.active, old.tabs[0].id,
            "an unknown tab falls back to the first"
        );
        assert_eq!(old.dark_mode, None, "follows the system by default");
        assert_eq!(old.zoom, 1.0);
        assert_eq!(old.result_limit_rows, None);
    }

    #[test]
    fn closing_the_front_tab_brings_its_neighbour_forward() {
        let mut state = AppState::default();
        let second = state.new_tab();
        let third = state.new_tab();
        state.active = second;
        assert!(state.close_tab(second));
        assert_eq!(state.active, third);
        assert!(state.close_tab(third));
        assert!(!state.close_tab(state.active), "the last tab stays");
    }
}
