//! A webhook: the notice's JSON `POST`ed to a URL. A connection error, a timeout or a 5xx answer
//! is tried again after a backoff that doubles; a 4xx (or a redirect) is the receiver saying no,
//! so it is not. Each try is bounded by the timeout as a whole (name lookup, connection, request,
//! answer). The URL often carries a token (`https://user:token@…`, `?key=…`, or in the path, as
//! Slack's do), so reports name only its scheme, host and port.

use std::thread;
use std::time::Duration;

use super::{Notify, NotifyError, seconds};
use crate::alert::Notice;

/// How much of an error answer's body goes into the report.
const BODY_EXCERPT_CHARS: usize = 200;

/// A JSON document sent with an HTTP `POST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// Where to (`http://` or `https://`).
    pub url: String,
    /// The timeout of one try.
    pub timeout: Duration,
    /// How many times it is tried again after a connection error, a timeout or a 5xx.
    pub retries: u32,
    /// The wait before the first retry; each further retry waits twice as long.
    pub backoff: Duration,
}

/// How one try ended, when it did not deliver.
struct Failed {
    reason: String,
    /// Whether another try may go better.
    transient: bool,
}

impl Webhook {
    fn try_once(&self, agent: &ureq::Agent, body: &[u8]) -> Result<(), Failed> {
        let mut response = agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|error| Failed {
                transient: is_transient(&error),
                reason: describe(&error, self.timeout),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let excerpt: String = response
            .body_mut()
            .with_config()
            .limit(16 * 1024)
            .read_to_string()
            .unwrap_or_default()
            .chars()
            .take(BODY_EXCERPT_CHARS)
            .collect();
        let excerpt = excerpt.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut reason = format!("the server answered {status}");
        if status.is_redirection() {
            reason.push_str(" (a redirect: give the URL it points to)");
        }
        if !excerpt.is_empty() {
            reason.push_str(": ");
            reason.push_str(&excerpt);
        }
        Err(Failed {
            reason,
            transient: status.is_server_error(),
        })
    }
}

impl Notify for Webhook {
    fn name(&self) -> String {
        format!("webhook:{}", redacted(&self.url))
    }

    fn send(&self, notice: &Notice) -> Result<(), NotifyError> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .user_agent(concat!("lakesight/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = ureq::Agent::new_with_config(config);
        let body = notice.to_json_line().into_bytes();
        let mut backoff = self.backoff;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_once(&agent, &body) {
                Ok(()) => return Ok(()),
                Err(failed) if failed.transient && tries <= self.retries => {
                    tracing::debug!(
                        "webhook {} try {tries} failed, trying again in {}: {}",
                        redacted(&self.url),
                        seconds(backoff),
                        failed.reason
                    );
                    thread::sleep(backoff);
                    backoff = backoff.saturating_mul(2);
                }
                Err(failed) => {
                    return Err(NotifyError::Webhook {
                        tries,
                        reason: failed.reason,
                    });
                }
            }
        }
    }
}

/// Whether another try may go better: the connection or the server failed, not the request.
fn is_transient(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// What went wrong, in words that never quote the URL.
fn describe(error: &ureq::Error, timeout: Duration) -> String {
    match error {
        ureq::Error::Timeout(_) => format!("no answer within {}", seconds(timeout)),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => "the URL is not valid".to_owned(),
        ureq::Error::HostNotFound => "the host name was not found".to_owned(),
        ureq::Error::Io(error) => format!("could not connect: {error}"),
        other => other.to_string(),
    }
}

/// The URL without anything that may be a secret: scheme, host and port, and `/…` for the rest.
pub(super) fn redacted(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "(a URL that does not parse)".to_owned();
    };
    let port = parsed
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let rest = parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some();
    format!(
        "{}://{}{port}{}",
        parsed.scheme(),
        parsed.host_str().unwrap_or(""),
        if rest { "/…" } else { "/" }
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
