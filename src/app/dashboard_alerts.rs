//! An open dashboard's alerts: each rule's state, the recent transitions (the alerts panel's
//! history) and those still to be recorded and announced, and the runs that feed the rules.
//!
//! Rules see the dashboard as its file defines it: its own time range and parameter defaults,
//! never a range or parameter chosen in the header, a cross-filter click or a preview of unsaved
//! SQL. A tile run of that very view feeds them (no second query); otherwise, and whenever the
//! rules on a visual have not been evaluated for the dashboard's `poll` or a rule's `for` or
//! `keep_firing_for` period has ended, the visual runs for the rules alone, off the UI thread.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};

use crate::alert::{Evaluation, Notice, RuleState};
use crate::jobs::{Job, JobLost, Slot};
use crate::model::dashboard::Dashboard;

/// Transitions kept for the alerts panel.
const RECENT: usize = 200;

/// What a run for the rules gave them: their evaluation and the SQL run.
pub type AlertRun = (Evaluation, Option<String>);

/// The alerts of one open dashboard.
#[derive(Default)]
pub struct DashboardAlerts {
    states: HashMap<String, RuleState>,
    /// Transitions not yet recorded and announced, oldest first.
    pub outbox: Vec<Notice>,
    /// Recent transitions, oldest first.
    pub recent: VecDeque<Notice>,
    /// Runs of watched visuals for the rules alone, with when each started.
    runs: HashMap<String, (Slot<AlertRun>, DateTime<Utc>)>,
    /// When the rules on each watched visual were last fed (the start of the run that fed them).
    fed: HashMap<String, DateTime<Utc>>,
    /// Watched visuals whose tile runs the file's own view now: that run will feed the rules.
    expected: HashSet<String>,
    /// Runs started for the rules alone since the dashboard opened.
    pub runs_started: u64,
}

impl std::fmt::Debug for DashboardAlerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashboardAlerts")
            .field("states", &self.states)
            .field("running", &self.runs.len())
            .finish_non_exhaustive()
    }
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

    /// Feeds the rules on `visual` a run of the file's own view that started at `at`. A run
    /// older than one already fed is ignored: states move forward in time only.
    pub fn feed(
        &mut self,
        dashboard: &Dashboard,
        visual: &str,
        evaluation: &Evaluation,
        sql: Option<&String>,
        at: DateTime<Utc>,
    ) {
        self.expected.remove(visual);
        if self.fed.get(visual).is_some_and(|fed| *fed >= at) {
            return;
        }
        self.fed.insert(visual.to_owned(), at);
        for rule in dashboard.alerts.iter().filter(|rule| rule.visual == visual) {
            let state = self
                .states
                .entry(rule.id.clone())
                .or_insert_with(|| RuleState::new(at));
            let Some(transition) = state.evaluate(rule, evaluation, at) else {
                continue;
            };
            let error = match evaluation {
                Evaluation::Error(message) => Some(message.clone()),
                _ => None,
            };
            let notice = Notice::new(&dashboard.title, rule, &transition, sql.cloned(), error);
            self.outbox.push(notice.clone());
            self.recent.push_back(notice);
            if self.recent.len() > RECENT {
                self.recent.pop_front();
            }
        }
    }

    /// When the rules on `visual` are next due: `poll` after they were last fed, or a rule's
    /// deadline if that comes first (`None`: no rule watches it).
    fn due_at(
        &self,
        dashboard: &Dashboard,
        visual: &str,
        poll: TimeDelta,
    ) -> Option<DateTime<Utc>> {
        let rules = dashboard.alerts.iter().filter(|rule| rule.visual == visual);
        let fed = self.fed.get(visual).copied();
        let mut due: Option<DateTime<Utc>> = None;
        for rule in rules {
            // A deadline the rules were already evaluated at (or after) without moving on (no
            // data or an error kept the state) is past: the poll decides then, or this would
            // run again at once, forever.
            let deadline = self
                .states
                .get(&rule.id)
                .and_then(|s| s.deadline(rule))
                .filter(|deadline| fed.is_none_or(|fed| *deadline > fed));
            let polled = fed.map_or(DateTime::<Utc>::MIN_UTC, |fed| fed + poll);
            let at = deadline.map_or(polled, |deadline| deadline.min(polled));
            due = Some(due.map_or(at, |due| due.min(at)));
        }
        due
    }

    /// A tile run of `visual` has started (replacing any before it): when it runs the file's
    /// own view (`feeds`) it will feed the rules, so none is started for them meanwhile.
    pub fn tile_started(&mut self, visual: &str, feeds: bool) {
        if feeds {
            self.expected.insert(visual.to_owned());
        } else {
            self.expected.remove(visual);
        }
    }

    /// Whether a run that will feed the rules on `visual` is under way.
    fn running(&self, visual: &str) -> bool {
        self.runs.contains_key(visual) || self.expected.contains(visual)
    }

    /// The watched visuals whose rules are due at `now` and have no run under way.
    pub fn due(&self, dashboard: &Dashboard, now: DateTime<Utc>, poll: TimeDelta) -> Vec<String> {
        let mut visuals: Vec<String> = Vec::new();
        for rule in &dashboard.alerts {
            let visual = &rule.visual;
            if visuals.contains(visual) || self.running(visual) {
                continue;
            }
            if self
                .due_at(dashboard, visual, poll)
                .is_some_and(|due| due <= now)
            {
                visuals.push(visual.clone());
            }
        }
        visuals
    }

    /// When the next run for the rules falls due (for waking the window).
    pub fn next_due(&self, dashboard: &Dashboard, poll: TimeDelta) -> Option<DateTime<Utc>> {
        dashboard
            .alerts
            .iter()
            .filter(|rule| !self.running(&rule.visual))
            .filter_map(|rule| self.due_at(dashboard, &rule.visual, poll))
            .min()
    }

    /// Holds the run of `visual` for the rules, started at `at`.
    pub fn start(&mut self, visual: String, job: Job<AlertRun>, at: DateTime<Utc>) {
        let mut slot = Slot::default();
        slot.start(job);
        self.runs.insert(visual, (slot, at));
        self.runs_started += 1;
    }

    /// Takes finished runs for the rules and feeds them; whether any finished.
    pub fn drain(&mut self, dashboard: &Dashboard) -> bool {
        let mut finished = Vec::new();
        for (visual, (slot, at)) in &mut self.runs {
            if let Some(done) = slot.take_ready() {
                let (evaluation, sql) = match done {
                    Ok(run) => run,
                    Err(JobLost(message)) => (Evaluation::Error(message), None),
                };
                finished.push((visual.clone(), evaluation, sql, *at));
            }
        }
        for (visual, evaluation, sql, at) in &finished {
            self.runs.remove(visual);
            self.feed(dashboard, visual, evaluation, sql.as_ref(), *at);
        }
        !finished.is_empty()
    }

    /// The state of rule `id`.
    pub fn state(&self, id: &str) -> Option<&RuleState> {
        self.states.get(id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const RULES: &str = "title = \"T\"\n[[visuals]]\nid = \"v\"\nkind = \"kpi\"\nsql = \"SELECT 1 AS x\"\ny = [\"x\"]\nposition = [0, 0, 3, 3]\n\n[[alerts]]\nid = \"a\"\nvisual = \"v\"\ncondition = \"above\"\nthreshold = 10\nfor = \"1m\"\n";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn rules_are_due_every_poll_and_at_their_deadline_and_move_forward_only() {
        let dashboard = Dashboard::parse(RULES).unwrap();
        let poll = TimeDelta::seconds(10);
        let mut alerts = DashboardAlerts::new(&dashboard, at(0));
        assert_eq!(
            alerts.due(&dashboard, at(0), poll),
            ["v"],
            "never fed: due now"
        );
        alerts.feed(&dashboard, "v", &Evaluation::Value(50.0), None, at(0));
        assert_eq!(
            alerts.state("a").unwrap().state,
            crate::alert::AlertState::Pending
        );
        assert!(alerts.due(&dashboard, at(5), poll).is_empty());
        assert_eq!(alerts.due(&dashboard, at(10), poll), ["v"], "a poll later");
        assert_eq!(alerts.next_due(&dashboard, poll), Some(at(10)));
        // Fed every poll, it fires once its `for` has passed.
        for seconds in (10..=60).step_by(10) {
            alerts.feed(&dashboard, "v", &Evaluation::Value(50.0), None, at(seconds));
        }
        assert_eq!(
            alerts.state("a").unwrap().state,
            crate::alert::AlertState::Firing
        );
        // A run that started before the last one fed is not fed (no going back in time).
        alerts.feed(&dashboard, "v", &Evaluation::Value(1.0), None, at(30));
        assert_eq!(
            alerts.state("a").unwrap().state,
            crate::alert::AlertState::Firing
        );
    }

    #[test]
    fn a_deadline_evaluated_without_moving_on_does_not_make_the_rules_due_again_at_once() {
        let text = RULES.replace("for = \"1m\"", "for = \"1m\"\nno_data = \"keep\"");
        let dashboard = Dashboard::parse(&text).unwrap();
        let poll = TimeDelta::seconds(10);
        let mut alerts = DashboardAlerts::new(&dashboard, at(0));
        alerts.feed(&dashboard, "v", &Evaluation::Value(50.0), None, at(0));
        assert_eq!(alerts.next_due(&dashboard, poll), Some(at(10)));
        // Fed at the deadline with no data: kept Pending, its deadline (60 s) now past.
        alerts.feed(&dashboard, "v", &Evaluation::NoData, None, at(60));
        assert_eq!(
            alerts.state("a").unwrap().state,
            crate::alert::AlertState::Pending
        );
        assert_eq!(
            alerts.next_due(&dashboard, poll),
            Some(at(70)),
            "the next poll, not now"
        );
        assert!(alerts.due(&dashboard, at(61), poll).is_empty());
    }

    #[test]
    fn a_deadline_before_the_next_poll_is_when_the_rules_are_due() {
        let dashboard = Dashboard::parse(&RULES.replace("for = \"1m\"", "for = \"3s\"")).unwrap();
        let poll = TimeDelta::seconds(10);
        let mut alerts = DashboardAlerts::new(&dashboard, at(0));
        alerts.feed(&dashboard, "v", &Evaluation::Value(50.0), None, at(0));
        assert_eq!(alerts.next_due(&dashboard, poll), Some(at(3)));
        assert_eq!(alerts.due(&dashboard, at(3), poll), ["v"]);
    }
}
