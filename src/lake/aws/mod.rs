//! S3 lakes reached the way the AWS CLI reaches them: named profiles from `~/.aws/config` and
//! `~/.aws/credentials` (keys, SSO, assume-role, `credential_process`, environment variables),
//! the profile's region and `endpoint_url`, retries with backoff and request timeouts, and S3's
//! failures turned into messages that say what to do.

mod credentials;
pub mod profiles;
mod session_keys;

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_smithy_http_client::tls::{Provider as TlsProvider, rustls_provider::CryptoMode};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientOptions, RetryConfig};

pub use credentials::{CachedCredentials, CredentialsProblem};
pub use profiles::{ProfileInfo, ProfileKind, ProfilesError, read_profiles};
pub use session_keys::{SessionKeys, session_keys};

use super::error::{LakeError, error_text};
use crate::model::SourceSpec;

/// Retry and timeout settings for S3 requests.
#[derive(Clone, Debug)]
pub struct S3Tuning {
    /// Retries of a throttled (503/SlowDown), failed (5xx) or dropped request.
    pub max_retries: usize,
    /// Give up retrying a request after this long.
    pub retry_timeout: Duration,
    /// Longest a single request may take.
    pub request_timeout: Duration,
    /// Longest to wait for a connection.
    pub connect_timeout: Duration,
    /// Take credentials wherever the AWS SDK finds them (environment, profile, container, instance
    /// role) even with no `default` profile and no `AWS_ACCESS_KEY_ID`: a cluster process on a
    /// cloud machine. The desktop and CLI refuse that early instead, with advice.
    pub any_credentials: bool,
    /// Sign with these short-lived keys (forwarded by a cluster's client) instead of any
    /// profile or environment credentials.
    pub forwarded: Option<SessionKeys>,
}

impl Default for S3Tuning {
    fn default() -> Self {
        Self {
            max_retries: 5,
            retry_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_mins(1),
            connect_timeout: Duration::from_secs(5),
            any_credentials: false,
            forwarded: None,
        }
    }
}

/// Who is asking S3 for what, so errors can name bucket, profile, region and endpoint.
#[derive(Clone, Debug)]
pub struct S3Context {
    /// The bucket.
    pub bucket: String,
    /// The profile used (`None`: unsigned or environment credentials).
    pub profile: Option<String>,
    /// The region requests are signed for.
    pub region: String,
    /// The S3-compatible endpoint, if not AWS.
    pub endpoint: Option<String>,
}

/// The region used when neither `--region`, the environment, the profile nor instance metadata
/// sets one.
const FALLBACK_REGION: &str = "us-east-1";

/// Where a source's credentials come from, as the AWS CLI finds them: the named profile (or
/// `AWS_PROFILE`), else the environment and the rest of the SDK's chain.
struct Chain {
    sdk: aws_types::SdkConfig,
    http_client: aws_smithy_runtime_api::client::http::SharedHttpClient,
    /// The profile named by `--profile` or `AWS_PROFILE`.
    explicit: Option<String>,
    /// That profile (or `default`), when the config files have it.
    profile: Option<ProfileInfo>,
}

impl Chain {
    async fn load(spec: &SourceSpec, tuning: &S3Tuning) -> Result<Self, LakeError> {
        let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
        let explicit = spec.profile.clone().or(env_profile);
        let profile_name = explicit.clone().unwrap_or_else(|| "default".to_owned());
        let profile_set = profiles::load_profile_set().await?;
        let profile = profiles::describe(&profile_set, &profile_name);
        let env_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();

        let checked = spec.no_sign_request || tuning.any_credentials || tuning.forwarded.is_some();
        if !checked && profile.is_none() {
            // A missing profile would fall through to the EC2 metadata service and hang: fail now.
            if explicit.is_some() {
                return Err(LakeError::Aws(format!(
                    "AWS profile `{profile_name}` not found in {}: check the name, or list profiles with `lakesight profiles`",
                    config_files_text()
                )));
            }
            if !env_keys {
                return Err(LakeError::Aws(format!(
                    "no AWS credentials: there is no `default` profile in {} and AWS_ACCESS_KEY_ID is not set; \
                     pass --profile NAME, run `aws configure`, or use --no-sign-request for a public bucket",
                    config_files_text()
                )));
            }
        }

        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).http_client(http_client.clone());
        if profile.is_some() {
            loader = loader.profile_name(&profile_name);
        }
        if let Some(region) = &spec.region {
            // Named: the region chain (and its instance-metadata probe) is not consulted.
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let sdk = loader.load().await;
        Ok(Self {
            sdk,
            http_client,
            explicit,
            profile,
        })
    }

    /// The credentials provider: an explicit profile wins over environment keys, as with
    /// `aws --profile`.
    fn provider(
        &self,
    ) -> Result<aws_credential_types::provider::SharedCredentialsProvider, LakeError> {
        if let (Some(name), Some(_)) = (&self.explicit, &self.profile) {
            let config = ProviderConfig::empty()
                .with_http_client(self.http_client.clone())
                .with_region(self.sdk.region().cloned());
            Ok(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    ProfileFileCredentialsProvider::builder()
                        .configure(&config)
                        .profile_name(name)
                        .build(),
                ),
            )
        } else {
            self.sdk.credentials_provider().ok_or_else(|| {
                LakeError::Aws("no AWS credentials provider is configured".to_owned())
            })
        }
    }
}

/// Builds the object store for `s3://bucket/prefix`, rooted at the prefix.
pub async fn open_s3(
    spec: &SourceSpec,
    bucket: &str,
    prefix: &str,
    tuning: &S3Tuning,
) -> Result<(Arc<dyn ObjectStore>, S3Context), LakeError> {
    let chain = Chain::load(spec, tuning).await?;
    let Chain { sdk, profile, .. } = &chain;
    // `--region` first; else aws-config's chain: AWS_REGION, AWS_DEFAULT_REGION, the profile's
    // `region`, then instance metadata (IMDS, unless AWS_EC2_METADATA_DISABLED); else us-east-1.
    let region = spec
        .region
        .clone()
        .or_else(|| sdk.region().map(ToString::to_string))
        .unwrap_or_else(|| FALLBACK_REGION.to_owned());
    // The region goes into the S3 host name: whatever named it (a dashboard file, the
    // environment, a profile), it must not be able to name another host.
    if !crate::model::is_valid_region(&region) {
        return Err(LakeError::Aws(format!(
            "`{region}` is not an AWS region (lowercase letters, digits and `-`, such as eu-west-1): check --region, AWS_REGION and the profile's `region`"
        )));
    }
    if !crate::model::is_valid_bucket(bucket) {
        return Err(LakeError::Aws(format!(
            "`{bucket}` is not an S3 bucket name"
        )));
    }
    let endpoint = spec
        .endpoint
        .clone()
        .or_else(|| sdk.endpoint_url().map(str::to_owned));
    tracing::debug!(
        "S3 bucket `{bucket}`: region {region}, endpoint {}",
        endpoint.as_deref().unwrap_or("AWS")
    );

    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: tuning.max_retries,
        retry_timeout: tuning.retry_timeout,
    };
    let client = ClientOptions::new()
        .with_timeout(tuning.request_timeout)
        .with_connect_timeout(tuning.connect_timeout);
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&region)
        .with_retry(retry)
        .with_client_options(client);
    if let Some(endpoint) = &endpoint {
        // S3-compatible servers: path-style addressing; plain http only because it was asked for.
        builder = builder
            .with_endpoint(endpoint)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    let used_profile = if spec.no_sign_request {
        builder = builder.with_skip_signature(true);
        None
    } else if let Some(keys) = &tuning.forwarded {
        builder = builder.with_credentials(Arc::new(object_store::StaticCredentialProvider::new(
            keys.to_object_store(),
        )));
        None
    } else {
        let provider = chain.provider()?;
        let kind = profile.as_ref().map(|p| p.kind);
        let name = profile.as_ref().map(|p| p.name.clone());
        builder = builder.with_credentials(Arc::new(CachedCredentials::new(
            provider,
            name.clone(),
            kind,
        )));
        name
    };
    let store = builder
        .build()
        .map_err(|e| LakeError::Aws(format!("cannot configure S3 for bucket `{bucket}`: {e}")))?;
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    };
    Ok((
        store,
        S3Context {
            bucket: bucket.to_owned(),
            profile: used_profile,
            region,
            endpoint,
        },
    ))
}

fn config_files_text() -> String {
    let config = std::env::var("AWS_CONFIG_FILE").unwrap_or_else(|_| "~/.aws/config".to_owned());
    let credentials = std::env::var("AWS_SHARED_CREDENTIALS_FILE")
        .unwrap_or_else(|_| "~/.aws/credentials".to_owned());
    format!("{config} or {credentials}")
}

impl S3Context {
    /// An S3 failure in words a person can act on; the raw error is kept at the end.
    pub fn explain(&self, err: &object_store::Error) -> String {
        let raw = error_text(err);
        if let Some(at) = raw.find("could not get AWS credentials") {
            return raw[at..].to_owned();
        }
        let profile = self.profile.as_deref().map_or_else(
            || "no profile (unsigned or environment credentials)".to_owned(),
            |p| format!("profile `{p}`"),
        );
        let bucket = &self.bucket;
        let has = |needle: &str| raw.contains(needle);
        let advice = if has("SignatureDoesNotMatch") {
            format!(
                "S3 rejected the request signature of {profile}: its secret access key is wrong"
            )
        } else if has("InvalidAccessKeyId") {
            format!("S3 does not know the access key id of {profile}")
        } else if has("ExpiredToken") || has("TokenRefreshRequired") || has("RequestExpired") {
            format!(
                "the session credentials of {profile} have expired: refresh them (for SSO: `aws sso login`)"
            )
        } else if has("NoSuchBucket") {
            format!(
                "bucket `{bucket}` does not exist (region {}, {profile})",
                self.region
            )
        } else if has("PermanentRedirect")
            || has("incorrectly configured region")
            || has("AuthorizationHeaderMalformed")
            || has("301 Moved")
            || has("IllegalLocationConstraint")
        {
            format!(
                "bucket `{bucket}` is not in region {}: pass --region or set `region` in the profile",
                self.region
            )
        } else if has("AccessDenied") || has("403 Forbidden") {
            format!(
                "access denied to bucket `{bucket}` for {profile}: the identity needs s3:ListBucket and s3:GetObject"
            )
        } else if has("Connection refused")
            || has("dns error")
            || has("error sending request")
            || has("timed out")
            || has("connect")
        {
            let target = self
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("S3 in {}", self.region));
            format!(
                "cannot reach {target} for bucket `{bucket}` ({profile}): check the endpoint and your network"
            )
        } else {
            format!("S3 request for bucket `{bucket}` failed ({profile})")
        };
        format!("{advice} [{raw}]")
    }
}

#[cfg(test)]
mod explain_tests {
    use super::*;

    #[test]
    fn a_refused_connection_is_unreachable_whatever_digits_its_timing_has() {
        let context = S3Context {
            bucket: "acme-lake".to_owned(),
            profile: Some("lake-reader".to_owned()),
            region: "eu-west-1".to_owned(),
            endpoint: Some("http://127.0.0.1:9".to_owned()),
        };
        // The elapsed time "1.224031731s" holds the digits 403: not an HTTP status.
        let refused = object_store::Error::Generic {
            store: "S3",
            source: "Error performing GET http://127.0.0.1:9/acme-lake in 1.224031731s, after 5 \
                     retries - HTTP error: error sending request: client error (Connect): tcp \
                     connect error: Connection refused (os error 111)"
                .into(),
        };
        let text = context.explain(&refused);
        assert!(
            text.starts_with(
                "cannot reach http://127.0.0.1:9 for bucket `acme-lake` (profile `lake-reader`)"
            ),
            "{text}"
        );
        let denied = object_store::Error::Generic {
            store: "S3",
            source: "Server returned non-2xx status code: 403 Forbidden: <Error></Error>".into(),
        };
        assert!(context.explain(&denied).starts_with("access denied"));
    }
}
