//! Scale-out: the same SQL on an Apache DataFusion Ballista cluster.
//!
//! The client (`--cluster df://host:port`) plans as it does locally, then hands the logical plan to
//! the cluster's scheduler, which plans it again, splits it into stages and runs them on its
//! executors; the results come back through the scheduler. Three things travel with a query and
//! are Lakesight's own:
//!
//! - the lake, as [`LakeOptions`] in the session's configuration (its root; a credential only
//!   when the user forwards short-lived keys over TLS, [`tls`]), from which every scheduler and
//!   executor opens the lake itself ([`store`]);
//! - the JSON and CSV tables and their scans, which DataFusion's protobuf does not know
//!   ([`codec`]);
//! - the UTC `date_trunc` the engine uses, by name.
//!
//! `lakesight cluster scheduler|executor` ([`serve`]) are Lakesight's own processes, so they know
//! all three, and a cluster always runs the same version as its clients (a mismatch is refused
//! when the query arrives, naming both versions).

pub mod codec;
pub mod job;
pub mod serve;
pub mod store;
pub mod tls;

use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::lake::aws::SessionKeys;
use crate::model::{LinkPolicy, SourceLocation, SourceSpec};

/// The version of Lakesight a client and its cluster must share.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use crate::model::cluster_url::{ClusterUrl, ClusterUrlError, DEFAULT_PORT};

/// Which lake a query reads and which Lakesight sent it; sent with every query as `lakesight.*`
/// settings. Never how to reach the lake: a cluster reads only the lakes it was started with
/// ([`Served`]), at its own endpoint, with its own credentials unless the client forwarded
/// short-lived ones (`--forward-credentials`, only over TLS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LakeOptions {
    /// The lake's root: an absolute folder path or `s3://bucket/prefix`; empty: no lake.
    pub root: String,
    /// The client's Lakesight version.
    pub version: String,
    /// Short-lived keys the client forwards for an S3 lake (its `Debug` hides the secret).
    pub credentials: Option<SessionKeys>,
}

impl ExtensionOptions for LakeOptions {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> datafusion::error::Result<()> {
        let key = key.strip_prefix("lakesight.").unwrap_or(key);
        match key {
            "root" => value.clone_into(&mut self.root),
            "version" => value.clone_into(&mut self.version),
            "key_id" | "secret" | "token" | "expires" => self.set_key(key, value)?,
            _ => {
                return Err(DataFusionError::Configuration(format!(
                    "unknown setting lakesight.{key}"
                )));
            }
        }
        Ok(())
    }

    /// Keys with their prefix, as Ballista sends a session's settings (`lakesight.root`).
    fn entries(&self) -> Vec<ConfigEntry> {
        let entry = |key: &str, value: String| ConfigEntry {
            key: format!("lakesight.{key}"),
            value: Some(value),
            description: "",
        };
        let mut entries = vec![
            entry("root", self.root.clone()),
            entry("version", self.version.clone()),
        ];
        if let Some(keys) = &self.credentials {
            entries.push(entry("key_id", keys.key_id.clone()));
            entries.push(entry("secret", keys.secret.clone()));
            if let Some(token) = &keys.token {
                entries.push(entry("token", token.clone()));
            }
            if let Some(expires) = keys.expires {
                let secs = expires
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                entries.push(entry("expires", secs.to_string()));
            }
        }
        entries
    }
}

impl ConfigExtension for LakeOptions {
    const PREFIX: &'static str = "lakesight";
}

impl LakeOptions {
    fn set_key(&mut self, key: &str, value: &str) -> datafusion::error::Result<()> {
        let keys = self.credentials.get_or_insert_with(|| SessionKeys {
            key_id: String::new(),
            secret: String::new(),
            token: None,
            expires: None,
        });
        match key {
            "key_id" => value.clone_into(&mut keys.key_id),
            "secret" => value.clone_into(&mut keys.secret),
            "token" => keys.token = Some(value.to_owned()),
            _ => {
                let secs: u64 = value.parse().map_err(|_| {
                    DataFusionError::Configuration(format!(
                        "lakesight.expires is not a time: {value}"
                    ))
                })?;
                keys.expires = Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs));
            }
        }
        Ok(())
    }

    /// The options naming `lake`: a local folder by its absolute path (executors read it at that
    /// path), an S3 lake by its `s3://bucket/prefix`.
    pub fn of(lake: &crate::lake::Lake) -> Self {
        let root = match &lake.spec.location {
            SourceLocation::Local { .. } => lake.store.display_root().to_owned(),
            SourceLocation::S3 { .. } => lake.spec.to_string(),
        };
        Self {
            root,
            version: VERSION.to_owned(),
            credentials: None,
        }
    }

    /// An error when the client runs another version of Lakesight than this process.
    pub fn check_version(&self) -> Result<(), String> {
        if self.version.is_empty() || self.version == VERSION {
            Ok(())
        } else {
            Err(format!(
                "this cluster runs Lakesight {VERSION} and the client Lakesight {}: a client and its cluster must run the same version",
                self.version
            ))
        }
    }
}

/// What a cluster process serves: the lakes it was started with (`--lake`, each a folder or
/// `s3://bucket[/prefix]`; a query may read any of them or a folder inside one), and how it
/// reaches S3 (its own region and endpoint, never a client's).
#[derive(Clone, Debug, Default)]
pub struct Served {
    /// Lake roots, as given (folders made absolute).
    pub lakes: Vec<String>,
    /// The S3 region (default: the machine's AWS configuration).
    pub region: Option<String>,
    /// An S3-compatible endpoint (default: AWS, or the machine's AWS configuration).
    pub endpoint: Option<String>,
    /// Which symbolic links of a local lake are followed (default: only those inside it).
    pub links: LinkPolicy,
}

impl Served {
    /// The lakes `roots` names: folders made absolute (and resolved when they exist); links
    /// followed only inside them.
    pub fn new(roots: &[String]) -> Self {
        let lakes = roots
            .iter()
            .map(|root| {
                if root.starts_with("s3://") {
                    root.trim_end_matches('/').to_owned()
                } else {
                    let path = std::path::absolute(root)
                        .unwrap_or_else(|_| std::path::PathBuf::from(root));
                    let path = path.canonicalize().unwrap_or(path);
                    path.display().to_string()
                }
            })
            .collect();
        Self {
            lakes,
            links: LinkPolicy::Inside,
            ..Self::default()
        }
    }

    /// The source to open for a query of the lake at `root`, when this process serves it.
    pub fn source_for(&self, root: &str) -> Result<SourceSpec, String> {
        let parts_ok = !root.split('/').any(|part| part == ".." || part == ".");
        let served = parts_ok
            && self.lakes.iter().any(|lake| {
                let lake = lake.trim_end_matches('/');
                root == lake
                    || root
                        .strip_prefix(lake)
                        .is_some_and(|rest| rest.starts_with('/'))
            });
        if !served {
            return Err(format!(
                "this cluster does not serve the lake {root}: it was started with --lake {} (start the scheduler and every executor with --lake for each lake it may read)",
                if self.lakes.is_empty() {
                    "(none)".to_owned()
                } else {
                    self.lakes.join(" --lake ")
                }
            ));
        }
        let mut spec: SourceSpec = if root.starts_with("s3://") {
            root.parse().map_err(|e| format!("{e}"))?
        } else {
            SourceSpec::local(root)
        };
        spec.profile = None;
        spec.region.clone_from(&self.region);
        spec.endpoint.clone_from(&self.endpoint);
        spec.no_sign_request = false;
        spec.links = self.links;
        Ok(spec)
    }
}

/// What to tell the user when a query sent to the cluster at `url` failed for a reason of the
/// cluster's (it cannot be reached, it runs another version, it cannot open the lake); `None`
/// for any other failure (bad SQL, a broken file), said as it would be locally.
pub fn explain(url: &ClusterUrl, lake: &SourceSpec, err: &DataFusionError) -> Option<String> {
    let text = err.to_string();
    if let Some(at) = text.find("the cluster process on") {
        let mut said = format!(
            "the cluster at {url} could not read the lake: {}",
            short(&text[at..])
        );
        if !lake.is_s3() && !url.is_loopback() {
            said.push_str(
                ". Executors read a local folder at the same path on their own machine: give them a shared mount at that path, or use an S3 lake",
            );
        }
        return Some(said);
    }
    for refusal in ["this cluster runs Lakesight", "this cluster does not serve"] {
        if let Some(at) = text.find(refusal) {
            return Some(format!(
                "the cluster at {url} refused the query: {}",
                short(&text[at..])
            ));
        }
    }
    if text.contains("Job ") && text.contains("could not get AWS credentials") {
        return Some(format!(
            "the cluster at {url} could not read the lake: its processes have no AWS credentials for it. Give them their own (an instance role, environment keys), or send yours with --forward-credentials (over TLS, --cluster-ca) [{}]",
            short(&text)
        ));
    }
    if text.contains("InvalidCertificate") || text.contains("certificate") && text.contains("TLS") {
        return Some(format!(
            "the cluster at {url} presented a TLS certificate that the CA given with --cluster-ca does not vouch for, or that does not name {}: {}",
            url.host,
            short(&text)
        ));
    }
    // A job that failed on an executor is the executor's story (its S3 endpoint, a file), told
    // as it would be locally; only the client's own connection is "cannot reach".
    let job_failed = text.contains("Job ") && text.contains(" failed");
    let unreachable = [
        "tcp connect error",
        "Connection refused",
        "transport error",
        "dns error",
    ]
    .iter()
    .any(|cause| text.contains(cause));
    if unreachable && !job_failed {
        return Some(format!(
            "cannot reach the cluster at {url}: is `lakesight cluster scheduler` running there, and can this machine reach port {}? (A scheduler serving TLS needs its CA: --cluster-ca.) ({})",
            url.port,
            short(&text)
        ));
    }
    None
}

/// `text` without DataFusion's wrapping, on one line.
fn short(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim_end_matches(['"', ')', '.', ' ']);
    text.chars().take(400).collect()
}

/// A session configuration that can carry [`LakeOptions`] and Lakesight's codecs: what the
/// client, the scheduler and the executors start from.
pub fn base_config() -> SessionConfig {
    SessionConfig::new_with_ballista()
        .with_option_extension(LakeOptions::default())
        .with_ballista_logical_extension_codec(Arc::new(codec::LakeLogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(codec::LakePhysicalCodec::default()))
}

/// A client session whose queries run on the cluster at `url`, reading the lake `lake` names.
/// `config` carries the engine's own settings; the lake itself is registered in `runtime` (the
/// client plans, so it lists the tables too).
pub async fn client_session(
    url: &ClusterUrl,
    tls: Option<&tls::ClusterTls>,
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    lake: LakeOptions,
) -> datafusion::error::Result<SessionContext> {
    let config = match tls {
        // Queries and their results travel over TLS to the scheduler.
        Some(tls) => config
            .with_ballista_override_create_grpc_client_endpoint(tls::endpoint_override(url, tls)),
        None => config,
    };
    let config = config
        .with_option_extension(lake)
        .with_ballista_logical_extension_codec(Arc::new(codec::LakeLogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(codec::LakePhysicalCodec::default()))
        .upgrade_for_ballista()
        // Ballista 55's adaptive planner can leave a query waiting forever when an executor is
        // lost mid-stage (a stage rolled back while the other executors report into it); the
        // static planner runs the lost tasks again.
        .with_ballista_adaptive_query_planner(false);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .build();
    SessionContext::remote_with_state(&url.to_string(), state).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cluster_addresses_are_read_with_the_default_port() {
        let url: ClusterUrl = "df://sched.example.com:6000".parse().unwrap();
        assert_eq!((url.host.as_str(), url.port), ("sched.example.com", 6000));
        let url: ClusterUrl = "df://10.0.0.5".parse().unwrap();
        assert_eq!((url.host.as_str(), url.port), ("10.0.0.5", DEFAULT_PORT));
        assert_eq!(url.to_string(), "df://10.0.0.5:50050");
        let url: ClusterUrl = "df://h:80".parse().unwrap();
        assert_eq!(url.port, 80);
        for bad in [
            "http://h:50050",
            "df://",
            "df://h:0",
            "df://h:x",
            "df://u@h:1",
            "df://h/path",
            "h:50050",
        ] {
            assert!(bad.parse::<ClusterUrl>().is_err(), "{bad}");
        }
        assert!(
            "df://127.0.0.1:1"
                .parse::<ClusterUrl>()
                .unwrap()
                .is_loopback()
        );
        assert!(
            "df://localhost"
                .parse::<ClusterUrl>()
                .unwrap()
                .is_loopback()
        );
        assert!(!"df://10.1.2.3".parse::<ClusterUrl>().unwrap().is_loopback());
    }

    #[test]
    fn a_cluster_serves_only_the_lakes_it_was_started_with() {
        let served = Served {
            lakes: vec!["/data/lake".to_owned(), "s3://bucket/prod".to_owned()],
            region: Some("eu-west-1".to_owned()),
            endpoint: None,
            links: LinkPolicy::Inside,
        };
        let spec = served.source_for("s3://bucket/prod/events").unwrap();
        assert_eq!(spec.to_string(), "s3://bucket/prod/events");
        assert_eq!(spec.profile, None);
        assert_eq!(spec.region.as_deref(), Some("eu-west-1"));
        assert!(served.source_for("/data/lake").is_ok());
        assert!(served.source_for("/data/lake/consumption").is_ok());
        for refused in [
            "/data/lakehouse",
            "/data/lake/../../etc",
            "/",
            "/etc",
            "s3://bucket/production",
            "s3://other/prod",
        ] {
            let err = served.source_for(refused).unwrap_err();
            assert!(
                err.contains("--lake /data/lake --lake s3://bucket/prod"),
                "{err}"
            );
        }
    }

    #[test]
    fn lake_options_carry_the_root_and_the_version_only() {
        let options = LakeOptions {
            root: "s3://bucket/lake".to_owned(),
            version: VERSION.to_owned(),
            credentials: None,
        };
        let keys: Vec<String> = options.entries().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["lakesight.root", "lakesight.version"]);
        assert!(options.check_version().is_ok());
        let other = LakeOptions {
            version: "0.0.1".to_owned(),
            ..options
        };
        let err = other.check_version().unwrap_err();
        assert!(err.contains(VERSION) && err.contains("0.0.1"), "{err}");
    }

    #[test]
    fn forwarded_keys_travel_as_settings_and_are_never_shown() {
        let expires = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_900_000_000);
        let sent = LakeOptions {
            root: "s3://bucket/lake".to_owned(),
            version: VERSION.to_owned(),
            credentials: Some(SessionKeys {
                key_id: "ASIAKEY".to_owned(),
                secret: "the-secret".to_owned(),
                token: Some("the-token".to_owned()),
                expires: Some(expires),
            }),
        };
        // What Ballista does: every entry sent, then set on the other side's defaults.
        let mut received = LakeOptions::default();
        let mut keys = Vec::new();
        for entry in sent.entries() {
            received.set(&entry.key, &entry.value.unwrap()).unwrap();
            keys.push(entry.key);
        }
        assert_eq!(
            keys,
            [
                "lakesight.root",
                "lakesight.version",
                "lakesight.key_id",
                "lakesight.secret",
                "lakesight.token",
                "lakesight.expires"
            ]
        );
        assert_eq!(received, sent);
        let shown = format!("{received:?}");
        assert!(
            !shown.contains("the-secret") && !shown.contains("the-token"),
            "{shown}"
        );
    }
}
