//! Recording and announcing alert transitions off the UI thread: each one appended to the history
//! file (flushed) before its notifications go out; a failing notifier is reported, never a reason
//! to stop evaluating.

use crate::alert::{History, NotifyOptions, record_and_announce};
use crate::jobs::Job;
use crate::model::dashboard::AlertRule;

use super::LakesightApp;

/// Announcements in flight; each job returns the failures to report.
#[derive(Default)]
pub struct Announcing {
    jobs: Vec<Job<Vec<String>>>,
}

impl Announcing {
    /// Whether a batch is still being recorded or announced.
    pub fn is_busy(&self) -> bool {
        !self.jobs.is_empty()
    }
}

impl LakesightApp {
    /// Hands every dashboard's new transitions to a background job.
    pub(super) fn announce_alerts(&mut self) {
        let mut notices = Vec::new();
        for dashboard in self.dashboards.values_mut() {
            // Runs every frame: nothing is copied unless a transition waits.
            if dashboard.alerts.outbox.is_empty() {
                continue;
            }
            let outbox = std::mem::take(&mut dashboard.alerts.outbox);
            let rules: &[AlertRule] = &dashboard.dashboard().alerts;
            // A file not trusted records its transitions and shows them, and runs no program
            // and posts to no host.
            let trusted = dashboard.trust.trust.is_trusted();
            for notice in outbox {
                tracing::info!("alert {}", notice.summary());
                if let Some(rule) = rules.iter().find(|rule| rule.id == notice.alert) {
                    notices.push((rule.clone(), notice, trusted));
                }
            }
        }
        if !notices.is_empty() {
            let history = self.config.alert_history.clone().map(History::at);
            let options = NotifyOptions {
                desktop: self.config.desktop_notifications,
                ..NotifyOptions::default()
            };
            // One job per batch keeps each batch's history in order; a slow notifier delays
            // only its own batch.
            self.announcing.jobs.push(self.jobs.spawn_blocking(move || {
                notices
                    .iter()
                    .flat_map(|(rule, notice, trusted)| {
                        let options = NotifyOptions {
                            trusted: *trusted,
                            ..options.clone()
                        };
                        record_and_announce(history.as_ref(), rule, notice, &options)
                    })
                    .collect()
            }));
        }
        let mut failures = Vec::new();
        self.announcing.jobs.retain_mut(|job| match job.poll() {
            Some(Ok(found)) => {
                failures.extend(found);
                false
            }
            Some(Err(lost)) => {
                failures.push(lost.0);
                false
            }
            None => true,
        });
        if let Some(last) = failures.last() {
            for failure in &failures {
                tracing::warn!("{failure}");
            }
            self.status = Some(last.clone());
        }
    }
}
