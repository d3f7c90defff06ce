//! Short-lived keys a cluster's client forwards to its executors (`--forward-credentials`): the
//! profile's own session credentials when it has them (SSO, a role, `credential_process` with a
//! token), else one-hour keys from STS `GetSessionToken`, never the long-term secret itself.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;

use super::{Chain, S3Tuning};
use crate::lake::LakeError;
use crate::lake::error::error_text;
use crate::model::SourceSpec;

/// How long keys minted by STS for forwarding last.
const MINTED_FOR: Duration = Duration::from_hours(1);

/// Session credentials: an access key id, its secret and session token, and when they expire.
/// Their `Debug` shows neither the secret nor the token.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeys {
    /// The access key id.
    pub key_id: String,
    /// The secret access key.
    pub secret: String,
    /// The session token (`None` only for keys a cluster was handed without one).
    pub token: Option<String>,
    /// When they expire, when known.
    pub expires: Option<SystemTime>,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("key_id", &self.key_id)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl SessionKeys {
    /// The same keys as `object_store` signs with.
    pub fn to_object_store(&self) -> object_store::aws::AwsCredential {
        object_store::aws::AwsCredential {
            key_id: self.key_id.clone(),
            secret_key: self.secret.clone(),
            token: self.token.clone(),
        }
    }

    /// Whether they expire within `margin` of now.
    pub fn expire_within(&self, margin: Duration) -> bool {
        self.expires
            .is_some_and(|at| at <= SystemTime::now() + margin)
    }
}

/// Short-lived keys for the S3 lake `spec` names, from the same profile or environment its
/// store signs with: its session credentials as they are, or long-term keys exchanged with STS
/// for keys that last an hour.
pub async fn session_keys(spec: &SourceSpec, tuning: &S3Tuning) -> Result<SessionKeys, LakeError> {
    let chain = Chain::load(spec, tuning).await?;
    let provider = chain.provider()?;
    let credentials = provider.provide_credentials().await.map_err(|err| {
        LakeError::Aws(format!(
            "could not get AWS credentials to forward: {}",
            error_text(&err)
        ))
    })?;
    if let Some(token) = credentials.session_token() {
        return Ok(SessionKeys {
            key_id: credentials.access_key_id().to_owned(),
            secret: credentials.secret_access_key().to_owned(),
            token: Some(token.to_owned()),
            expires: credentials.expiry(),
        });
    }
    // Long-term keys never leave this machine: STS trades them for an hour's session keys.
    // STS needs a region even where S3 was given none (S3 then falls back to us-east-1 too).
    let region = chain
        .sdk
        .region()
        .cloned()
        .unwrap_or_else(|| aws_config::Region::new(super::FALLBACK_REGION));
    let config = aws_sdk_sts::config::Builder::from(&chain.sdk)
        .credentials_provider(provider)
        .region(region)
        .build();
    let minted_for = i32::try_from(MINTED_FOR.as_secs()).unwrap_or(3600);
    let answer = aws_sdk_sts::Client::from_conf(config)
        .get_session_token()
        .duration_seconds(minted_for)
        .send()
        .await
        .map_err(|err| {
            LakeError::Aws(format!(
                "--forward-credentials sends only short-lived keys, and STS did not trade this profile's long-term keys for them: {}; use a profile with session credentials (SSO, a role) instead",
                error_text(&err)
            ))
        })?;
    let minted = answer.credentials().ok_or_else(|| {
        LakeError::Aws("STS answered GetSessionToken without credentials".to_owned())
    })?;
    let expires = SystemTime::try_from(*minted.expiration()).ok();
    Ok(SessionKeys {
        key_id: minted.access_key_id().to_owned(),
        secret: minted.secret_access_key().to_owned(),
        token: Some(minted.session_token().to_owned()),
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_neither_the_secret_nor_the_token() {
        let keys = SessionKeys {
            key_id: "ASIAEXAMPLE".to_owned(),
            secret: "very-secret".to_owned(),
            token: Some("session-token".to_owned()),
            expires: None,
        };
        let shown = format!("{keys:?}");
        assert!(shown.contains("ASIAEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("session-token"),
            "{shown}"
        );
        assert!(!keys.expire_within(Duration::from_hours(1)));
        let soon = SessionKeys {
            expires: Some(SystemTime::now() + Duration::from_mins(3)),
            ..keys
        };
        assert!(soon.expire_within(Duration::from_mins(5)));
    }
}
