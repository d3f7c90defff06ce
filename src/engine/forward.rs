//! `--forward-credentials`: the short-lived keys of the analyst's profile travel with each query
//! to a cluster reached over TLS, so its executors read the lake as the analyst. The keys are
//! renewed before they expire, and no query may show them back.

use std::sync::Arc;
use std::time::Duration;

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionConfig;

use super::EngineError;
use super::cluster::LakeOptions;
use super::options::EngineOptions;
use crate::lake::aws::{SessionKeys, session_keys};
use crate::lake::{Lake, S3Tuning};
use crate::model::SourceSpec;

/// Keys are renewed when they expire within this long: a query must not outlive them.
const RENEW_BEFORE: Duration = Duration::from_mins(10);

/// The keys a cluster engine forwards, and how to get new ones.
pub(super) struct Forwarding {
    spec: SourceSpec,
    tuning: S3Tuning,
    keys: tokio::sync::Mutex<SessionKeys>,
}

impl std::fmt::Debug for Forwarding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarding")
            .field("source", &self.spec.to_string())
            .finish_non_exhaustive()
    }
}

impl Forwarding {
    /// The keys to forward for `lake`, when `options` ask for it and there are some: only to a
    /// cluster, only over TLS, and only for a signed S3 lake.
    pub async fn start(
        lake: &Lake,
        options: &EngineOptions,
    ) -> Result<Option<Arc<Self>>, EngineError> {
        if !options.forward_credentials || options.cluster.is_none() {
            return Ok(None);
        }
        if options.cluster_tls.is_none() {
            return Err(EngineError::Setup(
                "--forward-credentials sends your AWS credentials to the cluster, so only over TLS: give the cluster's CA certificate with --cluster-ca (and start its scheduler with --tls-cert and --tls-key)"
                    .to_owned(),
            ));
        }
        if !lake.spec.is_s3() || lake.spec.no_sign_request {
            return Ok(None);
        }
        let keys = Box::pin(session_keys(&lake.spec, &options.s3)).await?;
        Ok(Some(Arc::new(Self {
            spec: lake.spec.clone(),
            tuning: options.s3.clone(),
            keys: tokio::sync::Mutex::new(keys),
        })))
    }

    /// The keys to send now: the current ones, or new ones when they are about to expire.
    pub async fn keys(&self) -> Result<SessionKeys, EngineError> {
        let mut keys = self.keys.lock().await;
        if keys.expire_within(RENEW_BEFORE) {
            *keys = Box::pin(session_keys(&self.spec, &self.tuning)).await?;
        }
        Ok(keys.clone())
    }

    /// Puts the current keys into a query's session configuration.
    pub async fn apply(&self, config: &mut SessionConfig) -> Result<(), EngineError> {
        let keys = self.keys().await?;
        if let Some(options) = config.options_mut().extensions.get_mut::<LakeOptions>() {
            options.credentials = Some(keys);
        }
        Ok(())
    }
}

/// Refuses a plan that reads the session's settings (`information_schema.df_settings`, which
/// `SHOW` reads too): with forwarded keys they hold the secret.
pub(super) fn refuse_settings(plan: &LogicalPlan) -> Result<(), EngineError> {
    let mut reads = false;
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node
            && scan.table_name.table().eq_ignore_ascii_case("df_settings")
        {
            reads = true;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .map_err(EngineError::Sql)?;
    if reads {
        return Err(EngineError::Setup(
            "the session's settings hold the credentials forwarded to the cluster, so no query may read them (information_schema.df_settings, SHOW)"
                .to_owned(),
        ));
    }
    Ok(())
}
