//! TLS on the links that carry a query's settings: client to scheduler, and executor to
//! scheduler (executors pull their tasks, settings included, from it).
//!
//! Ballista 55 connects to `http://host:port` and serves plain gRPC. Its clients and executors
//! take an endpoint override, which here turns the scheduler's address (and only it) into
//! `https://` verified against the cluster's CA; the scheduler is served by Lakesight's own
//! wiring of Ballista's services with a certificate ([`serve_scheduler`]). Shuffle data between
//! executors, and from them to the scheduler's result proxy, stays inside the cluster's network
//! in plain gRPC, as Ballista sends it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use arrow_flight::flight_service_server::FlightServiceServer;
use ballista_core::extension::EndpointOverrideFn;
use ballista_core::flight_proxy_service::BallistaFlightProxyService;
use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpcServer;
use ballista_core::utils::{GrpcClientConfig, create_grpc_client_endpoint};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::create_scheduler;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig};

use super::ClusterUrl;

/// The certificate authority a cluster's scheduler certificate is checked against (PEM).
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterTls {
    ca_pem: Vec<u8>,
}

impl std::fmt::Debug for ClusterTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClusterTls(CA)")
    }
}

impl ClusterTls {
    /// The CA in the PEM file at `path`, checked to hold a certificate.
    pub fn from_ca_file(path: &Path) -> Result<Self, String> {
        let ca_pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the cluster CA {}: {e}", path.display()))?;
        if !String::from_utf8_lossy(&ca_pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(format!(
                "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            ));
        }
        Ok(Self { ca_pem })
    }

    fn client_config(&self, host: &str) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca_pem))
            .domain_name(host)
    }
}

/// The endpoint to reach the scheduler at `url` on: plain, or TLS checked against `tls`.
pub fn scheduler_endpoint(
    url: &ClusterUrl,
    tls: Option<&ClusterTls>,
) -> Result<Endpoint, tonic::transport::Error> {
    let config = GrpcClientConfig::default();
    match tls {
        None => create_grpc_client_endpoint(url.grpc_address(), Some(&config)),
        Some(tls) => create_grpc_client_endpoint(
            format!("https://{}:{}", url.host, url.port),
            Some(&config),
        )?
        .tls_config(tls.client_config(&url.host)),
    }
}

/// Ballista's endpoint override for a client or executor of the scheduler at `url`: the
/// scheduler's address is reached over TLS checked against `tls`; every other address (another
/// executor's shuffle data) as Ballista would.
pub fn endpoint_override(url: &ClusterUrl, tls: &ClusterTls) -> EndpointOverrideFn {
    let (url, tls) = (url.clone(), tls.clone());
    Arc::new(move |endpoint: Endpoint| {
        let uri = endpoint.uri();
        let is_scheduler = uri
            .host()
            .is_some_and(|h| h.eq_ignore_ascii_case(&url.host))
            && uri.port_u16() == Some(url.port);
        if !is_scheduler {
            return Ok(endpoint);
        }
        Ok(scheduler_endpoint(&url, Some(&tls))?)
    })
}

/// The scheduler's certificate and key (PEM), read from their files.
pub fn identity(cert: &Path, key: &Path) -> Result<Identity, String> {
    let read = |path: &Path, what: &str| {
        std::fs::read(path).map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
    };
    Ok(Identity::from_pem(
        read(cert, "TLS certificate")?,
        read(key, "TLS key")?,
    ))
}

/// Puts the peer's address where Ballista's scheduler reads it (axum's `ConnectInfo`, as its own
/// server sets): it names an executor that does not give its host by the address it came from.
fn with_peer_address<B>(mut request: http::Request<B>) -> http::Request<B> {
    let peer = request
        .extensions()
        .get::<TlsConnectInfo<TcpConnectInfo>>()
        .and_then(|info| info.get_ref().remote_addr());
    if let Some(peer) = peer {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
    }
    request
}

/// Serves the scheduler's gRPC service and its result proxy (what clients and executors use)
/// over TLS on `addr`, until the process is stopped. Ballista's own server adds its REST API and
/// health routes on the same port, which Lakesight does not build.
pub async fn serve_scheduler(
    addr: SocketAddr,
    cluster: BallistaCluster,
    config: Arc<SchedulerConfig>,
    identity: Identity,
) -> anyhow::Result<()> {
    let decoding = config.grpc_server_max_decoding_message_size as usize;
    let encoding = config.grpc_server_max_encoding_message_size as usize;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::clone(&config)).await?;
    let grpc = SchedulerGrpcServer::new(scheduler)
        .max_decoding_message_size(decoding)
        .max_encoding_message_size(encoding);
    // The proxy reaches executors as Ballista does (plain gRPC inside the cluster).
    let proxy = FlightServiceServer::new(BallistaFlightProxyService::new(
        decoding, encoding, false, None,
    ))
    .max_decoding_message_size(decoding)
    .max_encoding_message_size(encoding);
    tonic::transport::Server::builder()
        .tls_config(ServerTlsConfig::new().identity(identity))?
        .tcp_nodelay(true)
        .layer(tower::util::MapRequestLayer::new(
            with_peer_address::<tonic::body::Body>,
        ))
        .add_service(grpc)
        .add_service(proxy)
        .serve(addr)
        .await?;
    Ok(())
}
