//! Where a transition is announced: a desktop notification, a webhook, a program, all behind
//! [`Notify`]. Every `send` is bounded by its own timeout, whatever the other end does (a
//! notification service that never answers, a server that accepts and stays silent, a program
//! that never exits), and [`send_all`] runs them side by side, so one slow or failing notifier
//! neither delays nor stops the others; the failures come back for the caller to report.

mod command;
mod desktop;
mod webhook;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod test_server;

use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Duration;

pub use command::Command;
pub use desktop::Desktop;
pub use webhook::Webhook;

use super::Notice;
use crate::model::dashboard::{AlertRule, Notifier};

/// Something that announces a transition.
pub trait Notify {
    /// How reports name it (`desktop`, `webhook:https://host/…`, `command:/path`); never a secret.
    fn name(&self) -> String;

    /// Announces `notice`; returns within the notifier's timeout (and retries), whatever happens.
    fn send(&self, notice: &Notice) -> Result<(), NotifyError>;
}

/// Why a notifier did not deliver.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// No desktop notification was shown (no notification service, or it did not answer).
    #[error("no desktop notification was shown: {0}")]
    Desktop(String),
    /// The webhook failed, after its retries.
    #[error("the webhook failed after {tries} {}: {reason}", plural(*tries, "try", "tries"))]
    Webhook {
        /// How many tries were made.
        tries: u32,
        /// What the last try ended with (never the URL's secrets).
        reason: String,
    },
    /// The program did not start, did not finish in time, or failed.
    #[error("the notification command {reason}")]
    Command {
        /// What went wrong, with the first lines of its standard error.
        reason: String,
    },
}

/// One notifier that failed, as [`send_all`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyFailure {
    /// The notifier's [`Notify::name`].
    pub notifier: String,
    /// Why it failed.
    pub message: String,
}

impl std::fmt::Display for NotifyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.notifier, self.message)
    }
}

/// Timeouts and retries of the notifiers, whether desktop notifications are wanted, and whether
/// the dashboard file is trusted to run programs and post to hosts.
#[derive(Clone, Debug, PartialEq)]
pub struct NotifyOptions {
    /// The timeout of one webhook try (the whole request and response).
    pub webhook_timeout: Duration,
    /// How many times a webhook is tried again after a connection error, a timeout or a 5xx.
    pub webhook_retries: u32,
    /// The wait before the first retry; each further retry waits twice as long.
    pub webhook_backoff: Duration,
    /// How long a `command:` program may run before it is killed.
    pub command_timeout: Duration,
    /// Whether `desktop` entries notify (off for headless runs without a desktop).
    pub desktop: bool,
    /// How long to wait for the desktop's notification service.
    pub desktop_timeout: Duration,
    /// Whether the rules' file is trusted: only then do `command:` and `webhook:` entries run
    /// (see `crate::trust`). Off by default: a file acts only when the caller says it may.
    pub trusted: bool,
}

impl Default for NotifyOptions {
    fn default() -> Self {
        Self {
            webhook_timeout: Duration::from_secs(5),
            webhook_retries: 2,
            webhook_backoff: Duration::from_millis(500),
            command_timeout: Duration::from_secs(10),
            desktop: true,
            desktop_timeout: Duration::from_secs(5),
            trusted: false,
        }
    }
}

/// The notifiers of `rule`'s `notify` entries, in order (without `desktop` when
/// `options.desktop` is off, and without `webhook:` and `command:` when the file is not
/// `options.trusted`).
pub fn notifiers_for(
    rule: &AlertRule,
    options: &NotifyOptions,
) -> Vec<Box<dyn Notify + Send + Sync>> {
    rule.notifiers()
        .into_iter()
        .filter_map(|notifier| -> Option<Box<dyn Notify + Send + Sync>> {
            match notifier {
                Notifier::Desktop if !options.desktop => None,
                Notifier::Desktop => Some(Box::new(Desktop {
                    timeout: options.desktop_timeout,
                })),
                Notifier::Webhook(_) | Notifier::Command(_) if !options.trusted => None,
                Notifier::Webhook(url) => Some(Box::new(Webhook {
                    url,
                    timeout: options.webhook_timeout,
                    retries: options.webhook_retries,
                    backoff: options.webhook_backoff,
                })),
                Notifier::Command(program) => Some(Box::new(Command {
                    program: program.into(),
                    timeout: options.command_timeout,
                })),
            }
        })
        .collect()
}

/// Sends `notice` to every notifier at once, each on its own thread, and returns the failures.
/// Returns when the slowest has finished or given up (each is bounded by its own timeout).
pub fn send_all(
    notifiers: &[Box<dyn Notify + Send + Sync>],
    notice: &Notice,
) -> Vec<NotifyFailure> {
    thread::scope(|scope| {
        let running: Vec<_> = notifiers
            .iter()
            .map(|notifier| {
                let name = notifier.name();
                let sent = thread::Builder::new()
                    .name("alert-notify".to_owned())
                    .spawn_scoped(scope, || notifier.send(notice));
                (name, sent)
            })
            .collect();
        running
            .into_iter()
            .filter_map(|(notifier, sent)| {
                let message = match sent {
                    Ok(thread) => match thread.join() {
                        Ok(Ok(())) => return None,
                        Ok(Err(error)) => error.to_string(),
                        Err(_) => "the notifier stopped with a panic".to_owned(),
                    },
                    Err(error) => format!("could not start a thread to notify: {error}"),
                };
                Some(NotifyFailure { notifier, message })
            })
            .collect()
    })
}

/// Runs `work` on a thread of its own and waits at most `timeout` for its result; `None` when it
/// did not finish in time (the thread is abandoned: it ends whenever `work` does) or could not
/// start. For calls that have no timeout of their own.
fn run_bounded<T: Send + 'static>(
    name: &str,
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (sender, receiver) = sync_channel(1);
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            // The receiver is gone when the caller gave up; nothing to do then.
            let _ = sender.send(work());
        })
        .ok()?;
    receiver.recv_timeout(timeout).ok()
}

/// `word` or `words` by `count`.
fn plural(count: u32, word: &'static str, words: &'static str) -> &'static str {
    if count == 1 { word } else { words }
}

/// A duration as people write it: `5s`, `0.5s`, `250ms`.
fn seconds(duration: Duration) -> String {
    if duration.as_millis() < 1000 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{}s", duration.as_secs_f64())
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests;
