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
