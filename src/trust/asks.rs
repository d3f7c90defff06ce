//! What a dashboard file asks to do that acts on the world, named the way the window's trust bar
//! and the command line's warnings say it: the programs its `command:` notifiers run, the hosts
//! its `webhook:` notifiers post to (host and port only: a URL's path and query often hold a
//! token), the endpoint its `source` sends signed requests to, the cluster its `cluster` sends
//! its queries to, and the images its `[[exports]]` write. Desktop notifications appear on the user's own screen and are not listed.

use std::fmt;

use crate::model::dashboard::{Dashboard, Notifier};

/// One thing a file does once trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Runs this program (`command:`) with alert documents on its standard input.
    Run(String),
    /// Posts alert documents (values, SQL, errors of the attached lake) to this host
    /// (`webhook:`).
    Post(String),
    /// Sends requests signed with the user's AWS credentials to this endpoint (`endpoint`).
    Endpoint {
        /// Scheme, host and port.
        endpoint: String,
        /// The profile whose credentials sign them (`None`: the default one).
        profile: Option<String>,
    },
    /// Sends its queries (their SQL and the lake's name) to this Ballista cluster, and shows
    /// its answers (`cluster`).
    Cluster(String),
    /// Writes this image, relative to the file's folder (`[[exports]]`, `export --all`).
    Write(String),
}

impl Ask {
    /// Whether this is the file's `cluster` (its queries run on this machine until trusted).
    pub fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }

    /// Whether this is the file's `endpoint` (refused before any request when untrusted).
    pub fn is_endpoint(&self) -> bool {
        matches!(self, Self::Endpoint { .. })
    }
}

impl fmt::Display for Ask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Run(program) => write!(f, "runs `{}`", shown(program)),
            Self::Post(host) => write!(f, "posts to {}", shown(host)),
            Self::Endpoint {
                endpoint,
                profile: Some(profile),
            } => write!(
                f,
                "sends requests signed with your AWS credentials (profile `{}`) to {}",
                shown(profile),
                shown(endpoint)
            ),
            Self::Endpoint {
                endpoint,
                profile: None,
            } => write!(
                f,
                "sends requests signed with your AWS credentials to {}",
                shown(endpoint)
            ),
            Self::Cluster(url) => write!(f, "runs its queries on the cluster {}", shown(url)),
            Self::Write(path) => write!(f, "writes {}", shown(path)),
        }
    }
}

/// Text from the file as it may be shown: control characters (a newline that would start a
/// fake line) and the characters that reorder text (bidi overrides and isolates) written as
/// escapes, and at most [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    let reorders = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() || reorders(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The longest name or address shown from a file.
const SHOWN_CHARS: usize = 160;

/// Everything `dashboard` does once trusted, each once, in file order: its endpoint, its cluster,
/// then its alerts' programs and hosts, then its exports.
pub fn asks_of(dashboard: &Dashboard) -> Vec<Ask> {
    let mut asks = Vec::new();
    let mut add = |ask: Ask| {
        if !asks.contains(&ask) {
            asks.push(ask);
        }
    };
    if let Some(source) = &dashboard.source
        && let Some(endpoint) = &source.endpoint
    {
        add(Ask::Endpoint {
            endpoint: host_of(endpoint),
            profile: source.profile.clone(),
        });
    }
    if let Some(cluster) = &dashboard.cluster {
        add(Ask::Cluster(cluster.to_string()));
    }
    for rule in &dashboard.alerts {
        for notifier in rule.notifiers() {
            match notifier {
                Notifier::Desktop => {}
                Notifier::Command(program) => add(Ask::Run(program)),
                Notifier::Webhook(url) => add(Ask::Post(host_of(&url))),
            }
        }
    }
    for export in &dashboard.exports {
        add(Ask::Write(export.path.clone()));
    }
    asks
}

/// A URL as `host[:port]` (with its scheme when it is not http or https), never its user,
/// password, path or query; the text itself when it is not a URL.
fn host_of(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return format!("`{url}`");
    };
    let host = parsed.host_str().unwrap_or_default();
    let host = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    match parsed.scheme() {
        "http" | "https" => host,
        scheme => format!("{scheme}://{host}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_acting_key_is_named_once_and_secrets_in_urls_never() {
        let dashboard = Dashboard::parse(
            r#"title = "T"
source = "s3://lake/prod"
profile = "analyst"
endpoint = "http://user:secret@10.0.0.5:9000/path"
cluster = "df://sched.example.com"

[[visuals]]
id = "v"
kind = "kpi"
sql = "SELECT 1 AS x"
y = ["x"]
position = [0, 0, 3, 3]

[[alerts]]
id = "a"
visual = "v"
condition = "above"
threshold = 0
notify = ["desktop", "command:/usr/bin/notify-team", "webhook:https://hooks.example.com/T0KEN?key=s3cret"]

[[alerts]]
id = "b"
visual = "v"
condition = "below"
threshold = 0
notify = ["command:/usr/bin/notify-team", "webhook:http://169.254.169.254:80/latest"]

[[exports]]
path = "reports/orders.png"
"#,
        )
        .unwrap();
        let said: Vec<String> = asks_of(&dashboard)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            said,
            [
                "sends requests signed with your AWS credentials (profile `analyst`) to 10.0.0.5:9000",
                "runs its queries on the cluster df://sched.example.com:50050",
                "runs `/usr/bin/notify-team`",
                "posts to hooks.example.com",
                "posts to 169.254.169.254",
                "writes reports/orders.png",
            ]
        );
        assert!(
            said.iter()
                .all(|s| !s.contains("secret") && !s.contains("T0KEN"))
        );
    }

    #[test]
    fn a_name_cannot_fake_a_line_or_reorder_the_text_around_it() {
        let ask = Ask::Run("/bin/true\n  •  posts to nowhere\u{202e}gnp.".to_owned());
        let said = ask.to_string();
        assert!(!said.contains('\n') && !said.contains('\u{202e}'), "{said}");
        assert!(
            said.contains("\\u{a}") && said.contains("\\u{202e}"),
            "{said}"
        );
        let long = Ask::Write("a/".repeat(200)).to_string();
        assert!(long.chars().count() < 200 && long.ends_with('…'), "{long}");
    }

    #[test]
    fn a_file_that_only_shows_data_asks_nothing() {
        let dashboard = Dashboard::parse("title = \"T\"\nsource = \"/data/lake\"\n").unwrap();
        assert!(asks_of(&dashboard).is_empty());
    }
}
