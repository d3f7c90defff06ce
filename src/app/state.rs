//! What the desktop app remembers between runs. Only plain data lives here; jobs, channels and
//! results live beside it in the app.

use crate::model::SourceSpec;

/// Persisted with eframe's storage under [`STATE_KEY`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AppState {
    /// The lake attached last (reattached at start unless a source is given).
    pub source: Option<SourceSpec>,
    /// Sources attached before, newest first.
    pub recent_sources: Vec<SourceSpec>,
    /// Open query tabs.
    pub tabs: Vec<QueryTab>,
    /// The tab in front.
    pub active_tab: usize,
    /// Queries run, newest first.
    pub history: Vec<String>,
    /// `None` follows the system; `Some(true)` dark, `Some(false)` light.
    pub dark_mode: Option<bool>,
    /// UI zoom factor.
    pub zoom: f32,
    /// Whether the frame-time bar shows.
    pub show_frame_times: bool,
}

/// One query tab.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueryTab {
    /// Stable while the tab is open (its editor's undo history and cursor are keyed by it).
    #[serde(default)]
    pub id: u64,
    /// The tab's title.
    pub title: String,
    /// The SQL in its editor.
    pub sql: String,
}

/// The storage key of [`AppState`].
pub const STATE_KEY: &str = "lakesight-state";
/// Recent sources and history entries kept.
pub const MAX_REMEMBERED: usize = 50;

impl Default for AppState {
    fn default() -> Self {
        Self {
            source: None,
            recent_sources: Vec::new(),
            tabs: vec![QueryTab::numbered(1)],
            active_tab: 0,
            history: Vec::new(),
            dark_mode: None,
            zoom: 1.0,
            show_frame_times: false,
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

    /// Opens a new tab in front, with an id no open tab has.
    pub fn new_tab(&mut self) {
        let mut tab = QueryTab::numbered(self.tabs.len() + 1);
        tab.id = self.tabs.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        self.tabs.push(tab);
        self.active_tab = self.tabs.len() - 1;
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
        self.active_tab = self.active_tab.min(self.tabs.len() - 1);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_a_restart_and_older_files_still_load() {
        let mut state = AppState::default();
        state.new_tab();
        state.tabs[1].sql = "SELECT 42".to_owned();
        state.remember_query("SELECT 1");
        state.remember_source(&SourceSpec::local("/data/lake"));
        state.dark_mode = Some(false);
        state.zoom = 1.3;
        let saved = serde_json::to_string(&state).unwrap();
        let restored: AppState = serde_json::from_str(&saved).unwrap();
        assert_eq!(restored.tabs, state.tabs);
        assert_eq!(restored.active_tab, 1);
        assert_eq!(restored.history, ["SELECT 1"]);
        assert_eq!(restored.source, state.source);
        assert_eq!(restored.recent_sources, state.recent_sources);
        assert_eq!(restored.dark_mode, Some(false));
        assert_eq!(restored.zoom, 1.3);

        // A file from before tab ids and newer settings: defaults fill in, ids become unique.
        let old = r#"{"tabs":[{"title":"Query 1","sql":"SELECT 1"},{"title":"Query 2","sql":"x"}],
                      "active_tab":5,"history":[]}"#;
        let mut old: AppState = serde_json::from_str(old).unwrap();
        old.fix_tabs();
        assert_eq!(old.active_tab, 1);
        assert_ne!(old.tabs[0].id, old.tabs[1].id);
        assert_eq!(old.dark_mode, None, "follows the system by default");
        assert_eq!(old.zoom, 1.0);
    }
}
