//! One dashboard's refresh schedule.
//!
//! - `refresh = "10s"`: every visual that is not still running is due once the period has passed
//!   since the last run; one still running is not started twice (it catches the next tick).
//! - `refresh = "new-data"`: the visuals that read a table with new files are due; one still running
//!   when the files land is due as soon as it finishes (its run may have listed before they landed).
//!   A visual whose tables are not known yet (no run has finished, or every run failed) reads
//!   "any table".
//! - `refresh = "off"`: nothing is ever due.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::model::dashboard::Refresh;

/// What the plan knows of one visual.
#[derive(Clone, Copy, Debug)]
pub struct VisualReads<'a> {
    /// The visual's id.
    pub id: &'a str,
    /// The tables its last finished run read (qualified names); `None` before one finished
    /// (running, or every run failed): then it counts as reading every table.
    pub tables: Option<&'a [String]>,
    /// Whether it is running now.
    pub running: bool,
}

/// When a dashboard's visuals run again.
#[derive(Clone, Debug)]
pub struct RefreshPlan {
    refresh: Refresh,
    poll_every: Duration,
    /// When the last interval refresh (or the user's run) started.
    last_run: Instant,
    /// When the lake was last checked for new files.
    last_poll: Option<Instant>,
    /// Tables with new files that no visual has run for yet.
    changed: BTreeSet<String>,
    /// Visuals that were running when their tables changed.
    waiting: BTreeSet<String>,
}

impl RefreshPlan {
    /// A plan for `refresh`, checking for new files every `poll_every`; everything ran at `now`.
    pub fn new(refresh: Refresh, poll_every: Duration, now: Instant) -> Self {
        Self {
            refresh,
            poll_every,
            last_run: now,
            last_poll: None,
            changed: BTreeSet::new(),
            waiting: BTreeSet::new(),
        }
    }

    /// The refresh setting followed.
    pub fn refresh(&self) -> Refresh {
        self.refresh
    }

    /// Follows a changed setting (the file was edited or reloaded).
    pub fn set(&mut self, refresh: Refresh, poll_every: Duration) {
        self.refresh = refresh;
        self.poll_every = poll_every;
    }

    /// Every visual was started at `now` (opened, or run again by the user).
    pub fn ran_all(&mut self, now: Instant) {
        self.last_run = now;
        self.changed.clear();
        self.waiting.clear();
    }

    /// New files landed in `tables` (qualified names).
    pub fn note_new_files(&mut self, tables: impl IntoIterator<Item = String>) {
        if self.refresh == Refresh::NewData {
            self.changed.extend(tables);
        }
    }

    /// The visuals to start now; the plan counts them as started.
    pub fn due(&mut self, now: Instant, visuals: &[VisualReads<'_>]) -> Vec<String> {
        match self.refresh {
            Refresh::Off => Vec::new(),
            Refresh::Every(every) => {
                if now.saturating_duration_since(self.last_run) < every {
                    return Vec::new();
                }
                self.last_run = now;
                visuals
                    .iter()
                    .filter(|v| !v.running)
                    .map(|v| v.id.to_owned())
                    .collect()
            }
            Refresh::NewData => {
                let mut due = Vec::new();
                for visual in visuals {
                    // A visual that never finished a run reads tables no one knows yet: any
                    // table's new files may be what it waits for (its first run may have failed
                    // because they had not landed).
                    let reads_changed = visual.tables.map_or(!self.changed.is_empty(), |tables| {
                        tables.iter().any(|t| self.changed.contains(t))
                    });
                    if !(reads_changed || self.waiting.contains(visual.id)) {
                        continue;
                    }
                    if visual.running {
                        self.waiting.insert(visual.id.to_owned());
                    } else {
                        self.waiting.remove(visual.id);
                        due.push(visual.id.to_owned());
                    }
                }
                self.changed.clear();
                due
            }
        }
    }

    /// Whether to check the lake for new files now (`new-data` on a lake without file events);
    /// not while the previous check is still running, so a slow S3 does not pile requests up.
    pub fn poll_due(&mut self, now: Instant, polling: bool) -> bool {
        if self.refresh != Refresh::NewData || polling {
            return false;
        }
        if self
            .last_poll
            .is_some_and(|last| now.saturating_duration_since(last) < self.poll_every)
        {
            return false;
        }
        self.last_poll = Some(now);
        true
    }

    /// How long until the plan may have something due without a change notice (for the next
    /// wake-up); `None` when only a change notice can make something due.
    pub fn wake_in(&self, now: Instant, polls: bool) -> Option<Duration> {
        match self.refresh {
            Refresh::Every(every) => {
                Some(every.saturating_sub(now.saturating_duration_since(self.last_run)))
            }
            Refresh::NewData if polls => Some(self.last_poll.map_or(Duration::ZERO, |last| {
                self.poll_every
                    .saturating_sub(now.saturating_duration_since(last))
            })),
            Refresh::Off | Refresh::NewData => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
