//! [`SourceSpec`]: the address of a lake (a local folder, or later `s3://bucket/prefix`) plus the
//! AWS profile used to reach it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where a lake's root is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceLocation {
    /// A folder on this machine.
    Local {
        /// The folder; relative paths are resolved when the lake is attached.
        path: PathBuf,
    },
    /// A bucket and optional key prefix in S3 or an S3-compatible store.
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix without leading or trailing `/` (empty for the bucket root).
        prefix: String,
    },
}

/// Which symbolic links inside a local lake folder are followed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LinkPolicy {
    /// Every link, wherever it leads: right for a lake the user assembled (a zone linked in from
    /// another disk). The default for a lake the user attaches.
    #[default]
    All,
    /// Only links that lead to somewhere inside the lake's root; a file or folder reached through
    /// a link that leaves it is left out of listings and refused when read. The default for a
    /// lake named by a dashboard file's `source`: a folder someone handed over must not make
    /// `/home/you/.ssh` a table.
    Inside,
}

impl LinkPolicy {
    /// The policy as the command line and state file write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Inside => "inside",
        }
    }
}

/// A lake a user attaches: its location and the named AWS profile to reach it with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceSpec {
    /// Where the lake's root is.
    pub location: SourceLocation,
    /// Named AWS profile for S3 sources (`None`: `AWS_PROFILE`, else `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// AWS region for S3 sources (`None`: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the
    /// profile's region, else instance metadata, else us-east-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// S3-compatible endpoint such as `http://localhost:9000` (`None`: the profile's `endpoint_url`,
    /// else AWS). Path-style addressing, and plain http only for such explicit endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Read a public bucket without credentials, as `aws s3 --no-sign-request` does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_sign_request: bool,
    /// Which symbolic links of a local lake are followed (no meaning for S3).
    #[serde(default, skip_serializing_if = "is_default_links")]
    pub links: LinkPolicy,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_default_links(links: &LinkPolicy) -> bool {
    *links == LinkPolicy::All
}

/// A source string that cannot name a lake.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SourceSpecError {
    /// The string was empty.
    #[error("the source is empty: give a folder path or s3://bucket/prefix")]
    Empty,
    /// An `s3://` URL without a bucket.
    #[error("`{0}` has no bucket name: write s3://bucket or s3://bucket/prefix")]
    MissingBucket(String),
    /// A bucket name with characters no S3 bucket has (they would change the request's URL).
    #[error(
        "`{0}` is not a bucket name: use letters, digits, `.`, `-` and `_` (s3://bucket/prefix)"
    )]
    BadBucket(String),
    /// A URL scheme Lakesight does not read.
    #[error("`{0}` uses an unsupported scheme: give a folder path or s3://bucket/prefix")]
    UnsupportedScheme(String),
}

impl SourceSpec {
    /// A local folder source.
    pub fn local(path: impl Into<PathBuf>) -> Self {
        Self {
            location: SourceLocation::Local { path: path.into() },
            profile: None,
            region: None,
            endpoint: None,
            no_sign_request: false,
            links: LinkPolicy::All,
        }
    }

    /// Whether the lake is in S3 (or an S3-compatible store).
    pub fn is_s3(&self) -> bool {
        matches!(self.location, SourceLocation::S3 { .. })
    }
}

/// Whether `name` can be an S3 bucket: letters, digits, `.`, `-` and `_` (legacy and
/// S3-compatible stores allow capitals and `_`), at most 255 characters. Nothing that would change
/// the host, path or query of the URL it goes into.
pub fn is_valid_bucket(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Whether `name` can be an AWS region (`eu-west-1`, `us-gov-west-1`, `cn-north-1`): lowercase
/// letters, digits and `-`. A region goes into the S3 host name, so anything else (`x@host/`)
/// could send signed requests to another host.
pub fn is_valid_region(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl FromStr for SourceSpec {
    type Err = SourceSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(SourceSpecError::Empty);
        }
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(SourceSpecError::MissingBucket(s.to_owned()));
            }
            if !is_valid_bucket(bucket) {
                return Err(SourceSpecError::BadBucket(bucket.to_owned()));
            }
            return Ok(Self {
                location: SourceLocation::S3 {
                    bucket: bucket.to_owned(),
                    prefix: prefix.trim_matches('/').to_owned(),
                },
                ..Self::local("")
            });
        }
        if let Some(path) = s.strip_prefix("file://") {
            return Ok(Self::local(path));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(SourceSpecError::UnsupportedScheme(scheme.to_owned()));
        }
        Ok(Self::local(s))
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            SourceLocation::Local { path } => write!(f, "{}", path.display()),
            SourceLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            SourceLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_local_and_s3_sources() {
        assert_eq!(
            "./lake".parse::<SourceSpec>(),
            Ok(SourceSpec::local("./lake"))
        );
        let s3: SourceSpec = "s3://acme-lake/prod/events/".parse().expect("valid");
        assert_eq!(
            s3.location,
            SourceLocation::S3 {
                bucket: "acme-lake".into(),
                prefix: "prod/events".into()
            }
        );
        assert_eq!(s3.to_string(), "s3://acme-lake/prod/events");
        assert_eq!(
            "s3://".parse::<SourceSpec>(),
            Err(SourceSpecError::MissingBucket("s3://".into()))
        );
        assert!(
            matches!("gs://x".parse::<SourceSpec>(), Err(SourceSpecError::UnsupportedScheme(s)) if s == "gs")
        );
        assert_eq!(
            "s3://a@evil.example/p".parse::<SourceSpec>(),
            Err(SourceSpecError::BadBucket("a@evil.example".into()))
        );
        assert!("s3://Legacy_Bucket.v2/p".parse::<SourceSpec>().is_ok());
    }

    #[test]
    fn a_region_cannot_name_another_host() {
        for good in ["eu-west-1", "us-gov-west-1", "cn-north-1", "auto"] {
            assert!(is_valid_region(good), "{good}");
        }
        for bad in [
            "a@attacker.example/",
            "evil.example/",
            "eu-west-1.",
            "EU",
            "",
            "x y",
        ] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }
}
