//! Where `lakesight watch` hands every transition of every alert: [`announce`]. For now it prints
//! the notice; the alert history (`alert::History`) and the notifiers (`alert::send_all`, which
//! sends only what `AlertState::announced` says is worth it) are wired in here, and only here.

use super::AlertFormat;
use crate::alert::Notice;

/// Announces one transition of a watched alert: printed on stdout as `format` says.
pub fn announce(notice: &Notice, format: AlertFormat) {
    print_notice(notice, format);
}

/// Prints one notice on stdout: its JSON line (`ndjson`) or its one-line summary (`text`); what a
/// backtest prints too, without announcing anything.
pub fn print_notice(notice: &Notice, format: AlertFormat) {
    match format {
        AlertFormat::Ndjson => println!("{}", notice.to_json_line()),
        AlertFormat::Text => println!("{}", notice.summary()),
    }
}
