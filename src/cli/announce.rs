//! Where `lakesight watch` hands every transition of every alert: [`announce`] prints it, records
//! it in the alert history (synced to disk) and then sends it to the rule's notifiers, off the
//! event loop. A failing notifier is reported on stderr and never stops the watch.

use super::AlertFormat;
use crate::alert::{History, Notice, NotifyOptions, record_and_announce};
use crate::model::dashboard::AlertRule;

/// Announces transitions of watched alerts, in order: each printed on stdout as `format` says,
/// recorded in `history`, then sent to its rule's notifiers (programs and webhooks only when the
/// file is `trusted`); failures go to stderr.
pub async fn announce(
    notices: Vec<(AlertRule, Notice)>,
    format: AlertFormat,
    history: Option<History>,
    trusted: bool,
) {
    if notices.is_empty() {
        return;
    }
    for (_, notice) in &notices {
        print_notice(notice, format);
    }
    let sent = tokio::task::spawn_blocking(move || {
        let options = NotifyOptions {
            trusted,
            ..NotifyOptions::default()
        };
        notices
            .iter()
            .flat_map(|(rule, notice)| {
                record_and_announce(history.as_ref(), rule, notice, &options)
            })
            .collect::<Vec<String>>()
    })
    .await;
    match sent {
        Ok(failures) => {
            for failure in failures {
                eprintln!("warning: {failure}");
            }
        }
        Err(err) => eprintln!("warning: announcing alerts failed: {err}"),
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
