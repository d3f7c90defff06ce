//! The AWS CLI's named profiles, read with aws-config's own parser from `~/.aws/config` and
//! `~/.aws/credentials` (or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`). Only names,
//! regions, kinds and endpoints come out of here: never a secret.

use std::fmt;

use aws_config::profile::{ProfileFileLoadError, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles as ProfileFiles;
use aws_types::os_shim_internal::{Env, Fs};

/// How a profile obtains credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// Static access keys (with or without a session token).
    Keys,
    /// IAM Identity Center (SSO).
    Sso,
    /// `role_arn` with `source_profile` or `credential_source` (assume role).
    Role,
    /// `credential_process`.
    Process,
    /// `web_identity_token_file`.
    WebIdentity,
    /// Settings only (region, endpoint), credentials from elsewhere.
    Settings,
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Keys => "keys",
            Self::Sso => "sso",
            Self::Role => "role",
            Self::Process => "process",
            Self::WebIdentity => "web-identity",
            Self::Settings => "settings",
        })
    }
}

/// One named profile, as `lakesight profiles` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProfileInfo {
    /// The profile's name.
    pub name: String,
    /// Its region, if set.
    pub region: Option<String>,
    /// How it gets credentials.
    pub kind: ProfileKind,
    /// Its `endpoint_url`, if set.
    pub endpoint: Option<String>,
}

/// The AWS config or credentials file could not be read or parsed. The text says which file and
/// where, on one line: aws-config's own parse errors span two, so its chain is folded in here
/// rather than exposed as the error's source.
#[derive(Debug, thiserror::Error)]
#[error("could not read the AWS config files: {}", one_line(.0))]
pub struct ProfilesError(ProfileFileLoadError);

impl From<ProfileFileLoadError> for ProfilesError {
    fn from(err: ProfileFileLoadError) -> Self {
        Self(err)
    }
}

/// An error and its causes on one line, runs of white space (line breaks too) as one space.
fn one_line(err: &ProfileFileLoadError) -> String {
    crate::lake::error::error_text(err)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Loads every profile of the config and credentials files.
pub async fn load_profile_set() -> Result<ProfileSet, ProfilesError> {
    Ok(
        aws_config::profile::load(&Fs::real(), &Env::real(), &ProfileFiles::default(), None)
            .await?,
    )
}

/// The profiles, sorted by name.
pub async fn read_profiles() -> Result<Vec<ProfileInfo>, ProfilesError> {
    let set = load_profile_set().await?;
    let mut profiles: Vec<ProfileInfo> = set
        .profiles()
        .filter_map(|name| describe(&set, name))
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(profiles)
}

/// What one profile is, if it exists.
pub fn describe(set: &ProfileSet, name: &str) -> Option<ProfileInfo> {
    let profile = set.get_profile(name)?;
    let kind = if profile.get("sso_session").is_some() || profile.get("sso_start_url").is_some() {
        ProfileKind::Sso
    } else if profile.get("role_arn").is_some() && profile.get("web_identity_token_file").is_some()
    {
        ProfileKind::WebIdentity
    } else if profile.get("role_arn").is_some() {
        ProfileKind::Role
    } else if profile.get("credential_process").is_some() {
        ProfileKind::Process
    } else if profile.get("aws_access_key_id").is_some() {
        ProfileKind::Keys
    } else {
        ProfileKind::Settings
    };
    Some(ProfileInfo {
        name: name.to_owned(),
        region: profile.get("region").map(str::to_owned),
        kind,
        endpoint: profile.get("endpoint_url").map(str::to_owned),
    })
}
