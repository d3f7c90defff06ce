//! Where a Ballista cluster's scheduler listens: `df://host:port` (`--cluster`, a dashboard
//! file's `cluster` key, the window's Connect to cluster).

use std::fmt;
use std::str::FromStr;

/// The port a scheduler listens on unless told otherwise (Ballista's).
pub const DEFAULT_PORT: u16 = 50050;

/// Where a cluster's scheduler listens: `df://host:port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterUrl {
    /// Host name or IP address.
    pub host: String,
    /// The scheduler's gRPC port.
    pub port: u16,
}

/// A `--cluster` value that is not `df://host[:port]`.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{0}` is not a cluster address: write df://host:port (the scheduler's, port 50050 by default)"
)]
pub struct ClusterUrlError(String);

impl FromStr for ClusterUrl {
    type Err = ClusterUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ClusterUrlError(text.to_owned());
        let rest = text.trim().strip_prefix("df://").ok_or_else(bad)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '@', '?', '#', ' ']) {
            return Err(bad());
        }
        let url = url::Url::parse(&format!("http://{rest}")).map_err(|_| bad())?;
        let host = match url.host() {
            Some(url::Host::Domain(name)) => name.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
            None => return Err(bad()),
        };
        // `Url` drops a port that is the scheme's default (80): read it from the text instead.
        let port = match rest.rsplit_once(':') {
            Some((_, port)) if !port.ends_with(']') => port.parse().map_err(|_| bad())?,
            _ => DEFAULT_PORT,
        };
        if port == 0 {
            return Err(bad());
        }
        Ok(Self { host, port })
    }
}

impl fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

impl ClusterUrl {
    /// The scheduler's gRPC address, `http://host:port`.
    pub fn grpc_address(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// Whether the scheduler is on this machine (so its executors most likely are too, and read a
    /// local lake at the same path).
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}
