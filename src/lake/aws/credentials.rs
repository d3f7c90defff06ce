//! Adapts an aws-config credentials provider (keys, SSO, assume-role, `credential_process`,
//! environment) to `object_store`'s `CredentialProvider`, caching credentials until shortly before
//! they expire: `object_store` asks on every request, and an assume-role provider would otherwise
//! call STS every time.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use object_store::CredentialProvider;
use object_store::aws::AwsCredential;

use super::profiles::ProfileKind;

/// Credentials are renewed this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_mins(5);

/// Credentials for one profile, cached until [`RENEW_BEFORE`] their expiry.
pub struct CachedCredentials {
    provider: SharedCredentialsProvider,
    /// The profile they come from, for messages (`None`: environment variables).
    profile: Option<String>,
    kind: Option<ProfileKind>,
    cache: tokio::sync::Mutex<Option<(Arc<AwsCredential>, Option<SystemTime>)>>,
}

impl CachedCredentials {
    /// Wraps `provider`, which serves `profile` of `kind`.
    pub fn new(
        provider: SharedCredentialsProvider,
        profile: Option<String>,
        kind: Option<ProfileKind>,
    ) -> Self {
        Self {
            provider,
            profile,
            kind,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// What to do when this profile's credentials cannot be had.
    fn hint(&self) -> String {
        let name = self.profile.as_deref().unwrap_or("default");
        match self.kind {
            Some(ProfileKind::Sso) => format!("run `aws sso login --profile {name}`"),
            Some(ProfileKind::Process) => format!("check the credential_process command of profile `{name}`"),
            Some(ProfileKind::Role) => format!("check role_arn and source_profile of profile `{name}`"),
            Some(ProfileKind::WebIdentity) => format!("check web_identity_token_file of profile `{name}`"),
            Some(ProfileKind::Keys) => format!("check the keys of profile `{name}` (aws configure --profile {name})"),
            Some(ProfileKind::Settings) | None => {
                "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile with a configured profile".to_owned()
            }
        }
    }
}

impl fmt::Debug for CachedCredentials {
    // Never prints the credentials themselves.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredentials")
            .field("profile", &self.profile)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A credentials failure worded for the user.
#[derive(Debug, thiserror::Error)]
#[error("could not get AWS credentials for profile `{profile}`: {reason}; {hint}")]
pub struct CredentialsProblem {
    /// The profile.
    pub profile: String,
    /// What the provider said.
    pub reason: String,
    /// What to do.
    pub hint: String,
}

#[async_trait]
impl CredentialProvider for CachedCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let mut cache = self.cache.lock().await;
        if let Some((credential, expiry)) = cache.as_ref()
            && expiry.is_none_or(|at| at > SystemTime::now() + RENEW_BEFORE)
        {
            return Ok(Arc::clone(credential));
        }
        let fresh = self.provider.provide_credentials().await.map_err(|err| {
            let reason = crate::lake::error::error_text(&err);
            let reason = if reason.to_ascii_lowercase().contains("token")
                && self.kind == Some(ProfileKind::Sso)
            {
                format!("the SSO token is missing or expired ({reason})")
            } else {
                reason
            };
            object_store::Error::Generic {
                store: "S3",
                source: Box::new(CredentialsProblem {
                    profile: self.profile.clone().unwrap_or_else(|| "default".to_owned()),
                    reason,
                    hint: self.hint(),
                }),
            }
        })?;
        let credential = Arc::new(AwsCredential {
            key_id: fresh.access_key_id().to_owned(),
            secret_key: fresh.secret_access_key().to_owned(),
            token: fresh.session_token().map(str::to_owned),
        });
        *cache = Some((Arc::clone(&credential), fresh.expiry()));
        Ok(credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_credential_types::Credentials;
    use aws_credential_types::provider::future;

    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicUsize>,
        lifetime: Option<Duration>,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let expiry = self.lifetime.map(|d| SystemTime::now() + d);
            future::ProvideCredentials::ready(Ok(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                Some("token".into()),
                expiry,
                "test",
            )))
        }
    }

    #[tokio::test]
    async fn caches_until_shortly_before_expiry() {
        for (lifetime, expected_calls) in [
            (None, 1),
            (Some(Duration::from_hours(1)), 1),
            (Some(Duration::from_mins(1)), 3),
        ] {
            let calls = Arc::new(AtomicUsize::new(0));
            let provider = SharedCredentialsProvider::new(Counting {
                calls: Arc::clone(&calls),
                lifetime,
            });
            let cached =
                CachedCredentials::new(provider, Some("analyst".into()), Some(ProfileKind::Role));
            for _ in 0..3 {
                let credential = cached.get_credential().await.expect("credentials");
                assert_eq!(credential.key_id, "AKIDEXAMPLE");
                assert_eq!(credential.token.as_deref(), Some("token"));
            }
            assert_eq!(
                calls.load(Ordering::SeqCst),
                expected_calls,
                "lifetime {lifetime:?}"
            );
            assert!(
                !format!("{cached:?}").contains("secret"),
                "Debug never shows secrets"
            );
        }
    }
}
