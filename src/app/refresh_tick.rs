//! Live refresh, ticked every frame (visible or not): what landed in the lake, the visuals each
//! dashboard's plan says are due, checks of the lake for new files, the next wake-up, and the
//! alert transitions to record and announce.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::LakesightApp;
use crate::lake::TableInfo;
use crate::model::dashboard::Refresh;

/// How often a live dashboard's header is redrawn to show the data's age in seconds.
const AGE_TICK: Duration = Duration::from_secs(1);
/// How often it is redrawn once the newest data is over a minute old.
const QUIET_AGE_TICK: Duration = Duration::from_secs(30);

impl LakesightApp {
    /// Runs what is due and asks to be woken for what comes next.
    pub(super) fn tick_refresh(&mut self, ctx: &egui::Context) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        // Every table while a visual's tables are unknown (its first run is going, or failed
        // because the files it needs have not landed yet).
        let tables: BTreeSet<String> = if self
            .dashboards
            .values()
            .any(|d| d.dashboard().refresh == Refresh::NewData && d.reads_unknown_tables())
        {
            engine
                .catalog()
                .tables
                .iter()
                .map(TableInfo::qualified_name)
                .collect()
        } else {
            self.dashboards
                .values()
                .flat_map(super::dashboards::DashboardRuntime::tables)
                .collect()
        };
        self.live.watch(&self.jobs, &engine, tables);
        let landed = self.live.take_landed();
        // With a file watcher every change is reported, so listings are kept and only the
        // folders that changed are listed again; otherwise a table with news is listed anew.
        let follows = self.live.follows();
        if landed.rewatched {
            engine.forget_listings();
        }
        engine.follow_changes(follows);
        if follows {
            engine.folders_changed(&landed.folders);
        } else {
            engine.files_landed(&landed.tables);
        }
        let now = Instant::now();
        let polls = self.live.polls();
        let mut wake: Option<Duration> = None;
        let mut check = false;
        for dashboard in self.dashboards.values_mut() {
            dashboard.plan.note_new_files(landed.tables.iter().cloned());
            let due = dashboard.due(now);
            if !due.is_empty() {
                dashboard.run(&self.jobs, &engine, Utc::now(), Some(&due));
            }
            // The rules run on the file's own view, every `poll` and at their deadlines,
            // whatever the tiles show and however the dashboard refreshes.
            dashboard.run_alerts(&self.jobs, &engine, Utc::now());
            if let Some(due) = dashboard.alerts_due_at() {
                let next = (due - Utc::now()).to_std().unwrap_or_default();
                wake = Some(wake.map_or(next, |w| w.min(next)));
            }
            if polls && dashboard.plan.poll_due(now, self.live.checking()) {
                check = true;
            }
            if let Some(next) = dashboard.plan.wake_in(now, polls) {
                wake = Some(wake.map_or(next, |w| w.min(next)));
            }
        }
        if check {
            self.live.start_check(&self.jobs, &engine);
        }
        // The header's "newest file … ago" counts up: every second while it says seconds, then
        // twice a minute, so a quiet source costs next to nothing.
        let youngest = self
            .dashboards
            .values()
            .filter(|d| d.dashboard().refresh != Refresh::Off)
            .filter_map(|d| self.live.newest(&d.tables()))
            .max();
        if let Some(newest) = youngest {
            let age = (Utc::now() - newest).to_std().unwrap_or_default();
            let tick = if age < Duration::from_mins(1) {
                AGE_TICK
            } else {
                QUIET_AGE_TICK
            };
            wake = Some(wake.map_or(tick, |w| w.min(tick)));
        }
        if let Some(wake) = wake {
            ctx.request_repaint_after(wake.max(Duration::from_millis(50)));
        }
        self.announce_alerts();
    }
}
