//! Recording and announcing alert transitions off the UI thread, through one [`Announcer`]: each
//! transition appended to the history (synced) before its notifications go out, in order per
//! notifier target; a failing notifier is reported, never a reason to stop evaluating.

use crate::alert::{Announcer, NotifyOptions};

use super::LakesightApp;

impl LakesightApp {
    /// The announcer for this window's configuration (`None`, said in the status line, when its
    /// thread cannot start).
    pub(super) fn start_announcer(
        history: Option<std::path::PathBuf>,
        desktop: bool,
    ) -> Result<Announcer, String> {
        let options = NotifyOptions {
            desktop,
            ..NotifyOptions::default()
        };
        Announcer::start(history.map(crate::alert::History::at), options)
            .map_err(|err| format!("alerts will not be recorded or announced: {err}"))
    }

    /// Hands every dashboard's new transitions to the announcer and reports what failed.
    pub(super) fn announce_alerts(&mut self) {
        let Some(announcer) = &self.announcer else {
            // Nothing can record or announce them (said in the status line at start): the
            // window still shows them, the outboxes do not grow.
            for dashboard in self.dashboards.values_mut() {
                dashboard.alerts.outbox.clear();
            }
            return;
        };
        let mut failures = Vec::new();
        for dashboard in self.dashboards.values_mut() {
            // Runs every frame: nothing is copied unless a transition waits.
            if dashboard.alerts.outbox.is_empty() {
                continue;
            }
            let outbox = std::mem::take(&mut dashboard.alerts.outbox);
            // A file not trusted records its transitions and shows them, and runs no program
            // and posts to no host.
            let trusted = dashboard.trust.trust.is_trusted();
            for notice in outbox {
                tracing::info!("alert {}", notice.summary());
                let rule = dashboard
                    .dashboard()
                    .alerts
                    .iter()
                    .find(|rule| rule.id == notice.alert)
                    .cloned();
                if let Some(rule) = rule
                    && let Err(failure) = announcer.announce(rule, notice, trusted)
                {
                    failures.push(failure);
                }
            }
        }
        failures.extend(announcer.failures());
        if let Some(last) = failures.last() {
            for failure in &failures {
                tracing::warn!("{failure}");
            }
            self.status = Some(last.clone());
        }
    }
}
