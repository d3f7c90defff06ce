//! A desktop notification through the desktop's notification service (`notify-rust`: D-Bus on
//! Linux). The service call has no timeout of its own and can hang on a bus where nothing
//! answers, so it runs on a thread that is abandoned after the timeout; with no service at all
//! it fails at once. Either way the caller gets an error to report, never a hang.

use std::time::Duration;

use super::{Notify, NotifyError, run_bounded, seconds};
use crate::alert::Notice;

/// A desktop notification: "<dashboard>: <alert> <state>", with the notice's summary as body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Desktop {
    /// How long to wait for the notification service.
    pub timeout: Duration,
}

impl Notify for Desktop {
    fn name(&self) -> String {
        "desktop".to_owned()
    }

    fn send(&self, notice: &Notice) -> Result<(), NotifyError> {
        let summary = format!(
            "{}: {} {}",
            notice.dashboard,
            notice.alert,
            notice.state.name()
        );
        let body = notice.summary();
        let shown = run_bounded("alert-desktop", self.timeout, move || {
            notify_rust::Notification::new()
                .appname("Lakesight")
                .summary(&summary)
                .body(&body)
                .show()
                .map(drop)
                .map_err(|error| error.to_string())
        });
        match shown {
            Some(Ok(())) => Ok(()),
            Some(Err(error)) => Err(NotifyError::Desktop(error)),
            None => Err(NotifyError::Desktop(format!(
                "the notification service did not answer within {}",
                seconds(self.timeout)
            ))),
        }
    }
}
