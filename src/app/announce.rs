//! Recording and announcing alert transitions off the UI thread: each one appended to the history
//! file (flushed) before its notifications go out; a failing notifier is reported, never a reason
//! to stop evaluating.

use crate::jobs::Job;

use super::LakesightApp;

/// Announcements in flight; each job returns the failures to report.
#[derive(Default)]
pub struct Announcing {
    jobs: Vec<Job<Vec<String>>>,
}

impl LakesightApp {
    /// Hands every dashboard's new transitions to a background job.
    pub(super) fn announce_alerts(&mut self) {
        for dashboard in self.dashboards.values_mut() {
            for notice in dashboard.alerts.outbox.drain(..) {
                tracing::info!("alert {}", notice.summary());
            }
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
