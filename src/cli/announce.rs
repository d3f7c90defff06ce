//! Where `lakesight watch` hands every transition of every alert: [`announce`] prints it and hands
//! it to the [`Announcer`], which records it in the alert history (synced to disk) and then sends
//! it to the rule's notifiers, in order, off the evaluation path. A failing notifier is reported
//! on stderr and never stops the watch.

use super::AlertFormat;
use crate::alert::{Announcer, Notice};
use crate::model::dashboard::AlertRule;

/// Announces transitions of watched alerts, in order: each printed on stdout as `format` says,
/// then handed to `announcer`, which records it and sends it to its rule's notifiers (programs
/// and webhooks only when the file is `trusted`) off the evaluation path.
pub fn announce(
    notices: Vec<(AlertRule, Notice)>,
    format: AlertFormat,
    announcer: &Announcer,
    trusted: bool,
) {
    for (rule, notice) in notices {
        print_notice(&notice, format);
        if let Err(failure) = announcer.announce(rule, notice, trusted) {
            eprintln!("warning: {failure}");
        }
    }
    report_failures(announcer);
}

/// Reports on stderr what failed to be recorded or announced since the last look.
pub fn report_failures(announcer: &Announcer) {
    for failure in announcer.failures() {
        eprintln!("warning: {failure}");
    }
}

/// Prints one notice on stdout: its JSON line (`ndjson`) or its one-line summary (`text`); what a
/// backtest prints too, without announcing anything.
pub fn print_notice(notice: &Notice, format: AlertFormat) {
    match format {
        AlertFormat::Ndjson => println!("{}", notice.to_json_line()),
        AlertFormat::Text => println!("{}", notice.summary()),
    }
}
