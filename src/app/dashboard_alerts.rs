//! An open dashboard's alerts: each rule's state, evaluated whenever the visual it watches
//! finishes a run, the recent transitions (the alerts panel's history) and those still to be
//! recorded and announced.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use super::dashboards::Tile;
use crate::alert::{Evaluation, Notice, RuleState, evaluation_of};
use crate::model::dashboard::Dashboard;

/// Transitions kept for the alerts panel.
const RECENT: usize = 200;

/// The alerts of one open dashboard.
#[derive(Debug, Default)]
pub struct DashboardAlerts {
    states: HashMap<String, RuleState>,
    /// Transitions not yet recorded and announced, oldest first.
    pub outbox: Vec<Notice>,
    /// Recent transitions, oldest first.
    pub recent: VecDeque<Notice>,
}

impl DashboardAlerts {
    /// Every rule of `dashboard`, Normal since `now`.
    pub fn new(dashboard: &Dashboard, now: DateTime<Utc>) -> Self {
        let mut alerts = Self::default();
        alerts.follow(dashboard, now);
        alerts
    }

    /// Follows edited rules: a new rule starts Normal, a removed one is forgotten, the others
    /// keep their state.
    pub fn follow(&mut self, dashboard: &Dashboard, now: DateTime<Utc>) {
        self.states
            .retain(|id, _| dashboard.alerts.iter().any(|rule| rule.id == *id));
        for rule in &dashboard.alerts {
            self.states
                .entry(rule.id.clone())
                .or_insert_with(|| RuleState::new(now));
        }
    }

    /// Evaluates the rules on `visual` from its tile, as of `at` (when its run started).
    pub fn evaluate(
        &mut self,
        dashboard: &Dashboard,
        visual: &str,
        tiles: &HashMap<String, Tile>,
        at: DateTime<Utc>,
    ) {
        let Some(tile) = tiles.get(visual) else {
            return;
        };
        let evaluation = match (&tile.view.error, &tile.view.data) {
            (Some(error), _) => Evaluation::Error(error.clone()),
            (None, Some(data)) => evaluation_of(Ok(data)),
            (None, None) => Evaluation::NoData,
        };
        for rule in dashboard.alerts.iter().filter(|rule| rule.visual == visual) {
            let state = self
                .states
                .entry(rule.id.clone())
                .or_insert_with(|| RuleState::new(at));
            let Some(transition) = state.evaluate(rule, &evaluation, at) else {
                continue;
            };
            let error = match &evaluation {
                Evaluation::Error(message) => Some(message.clone()),
                _ => None,
            };
            let notice = Notice::new(&dashboard.title, rule, &transition, tile.sql.clone(), error);
            self.outbox.push(notice.clone());
            self.recent.push_back(notice);
            if self.recent.len() > RECENT {
                self.recent.pop_front();
            }
        }
    }

    /// The state of rule `id`.
    pub fn state(&self, id: &str) -> Option<&RuleState> {
        self.states.get(id)
    }
}
