//! A real S3 server for tests: `s3s-fs` serving a temporary folder over HTTP on 127.0.0.1, with
//! SigV4 checks, a log of whole requests (method, URI, headers, body), and injectable faults (503
//! SlowDown, dropped connections).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioExecutor, TokioIo};

/// The access key id tests sign with.
pub const ACCESS_KEY: &str = "AKIALAKESIGHTTEST";
/// The matching secret.
pub const SECRET_KEY: &str = "lakesight-test-secret-key-0123456789";

/// Faults the server injects before answering normally.
#[derive(Default)]
pub struct Faults {
    /// Answer this many requests with 503 SlowDown.
    pub slow_down: AtomicUsize,
    /// Close this many connections without answering.
    pub drop_connections: AtomicUsize,
    /// While set, answer every request with this status and S3 error code.
    pub error: Mutex<Option<(u16, &'static str)>>,
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// Path and query string, as sent.
    pub uri: String,
    /// Every header, names lower-case, values lossily decoded.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// `METHOD path?query`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.uri)
    }

    /// The value of header `name` (lower-case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `text` appears anywhere: method, URI, a header's name or value, the body.
    pub fn contains(&self, text: &str) -> bool {
        let needle = text.as_bytes();
        let found_in = |haystack: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
        found_in(self.method.as_bytes())
            || found_in(self.uri.as_bytes())
            || self
                .headers
                .iter()
                .any(|(n, v)| found_in(n.as_bytes()) || found_in(v.as_bytes()))
            || found_in(&self.body)
    }
}

/// A running server; it stops when dropped.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The folder it serves: `root/<bucket>/<key>`.
    pub root: tempfile::TempDir,
    /// Faults to inject.
    pub faults: Arc<Faults>,
    /// Every request, whole.
    pub requests: Arc<Mutex<Vec<RecordedRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl S3Server {
    /// Starts a server; `signed` requires SigV4 with [`ACCESS_KEY`]/[`SECRET_KEY`].
    pub async fn start(signed: bool) -> Self {
        let root = tempfile::tempdir().unwrap();
        let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        if signed {
            builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        }
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(Faults::default());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (task_faults, task_requests) = (Arc::clone(&faults), Arc::clone(&requests));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                if take(&task_faults.drop_connections) {
                    drop(stream);
                    continue;
                }
                let (service, faults, requests) = (
                    service.clone(),
                    Arc::clone(&task_faults),
                    Arc::clone(&task_requests),
                );
                tokio::spawn(async move {
                    let handler = hyper::service::service_fn(
                        move |req: http::Request<hyper::body::Incoming>| {
                            let (service, requests) = (service.clone(), Arc::clone(&requests));
                            let slow_down = take(&faults.slow_down);
                            let error = *faults.error.lock().unwrap();
                            async move {
                                let (parts, body) = req.into_parts();
                                let mut body = s3s::Body::from(body);
                                let bytes = body.store_all_limited(64 * 1024 * 1024).await;
                                requests.lock().unwrap().push(RecordedRequest {
                                    method: parts.method.to_string(),
                                    uri: parts.uri.to_string(),
                                    headers: parts
                                        .headers
                                        .iter()
                                        .map(|(name, value)| {
                                            let value = String::from_utf8_lossy(value.as_bytes());
                                            (name.as_str().to_owned(), value.into_owned())
                                        })
                                        .collect(),
                                    body: bytes.as_deref().unwrap_or_default().to_vec(),
                                });
                                if let Some((status, code)) = error {
                                    let body = format!(
                                        "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{code}</Message></Error>"
                                    );
                                    return Ok(http::Response::builder()
                                        .status(status)
                                        .body(s3s::Body::from(body))
                                        .unwrap());
                                }
                                if slow_down {
                                    let body = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
                                    return Ok(http::Response::builder()
                                        .status(503)
                                        .body(s3s::Body::from(body.to_owned()))
                                        .unwrap());
                                }
                                service.call(http::Request::from_parts(parts, body)).await
                            }
                        },
                    );
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), handler)
                        .await;
                });
            }
        });
        Self {
            endpoint,
            root,
            faults,
            requests,
            task,
        }
    }

    /// The folder holding `bucket`'s objects (created).
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        let dir = self.root.path().join(bucket);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Copies a local folder into `bucket` under `prefix`, as an upload would.
    pub fn upload_dir(&self, local: &Path, bucket: &str, prefix: &str) {
        let target = self.bucket_dir(bucket).join(prefix);
        copy_dir(local, &target);
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.requests.lock().unwrap().clear();
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests seen so far, as `METHOD path?query`.
    pub fn request_lines(&self) -> Vec<String> {
        self.requests().iter().map(RecordedRequest::line).collect()
    }
}

fn take(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `~/.aws`-style files in a temporary folder, pointing at `endpoint`.
pub struct AwsFiles {
    /// The folder (also used as HOME, so the real ~/.aws is never read).
    pub dir: tempfile::TempDir,
}

impl AwsFiles {
    /// Profiles: `lake-reader` (keys in the credentials file, endpoint from the profile),
    /// `config-keys` (keys in the config file), `process-keys` (a working `credential_process`),
    /// `wrong-secret`, `sso-user`, `etl` (assume role), `scripted` (a failing `credential_process`).
    pub fn new(endpoint: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(
            dir.path().join(".aws/config"),
            format!(
                "[profile lake-reader]\nregion = eu-west-1\nendpoint_url = {endpoint}\n\n\
                 [profile wrong-secret]\nregion = eu-west-1\nendpoint_url = {endpoint}\n\n\
                 [profile sso-user]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Analyst\nregion = eu-west-1\nendpoint_url = {endpoint}\n\n\
                 [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n\n\
                 [profile etl]\nrole_arn = arn:aws:iam::111122223333:role/etl\nsource_profile = lake-reader\nregion = us-east-2\n\n\
                 [profile scripted]\ncredential_process = /bin/false\n\n\
                 [profile config-keys]\nregion = eu-west-1\nendpoint_url = {endpoint}\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n\n\
                 [profile process-keys]\nregion = eu-west-1\nendpoint_url = {endpoint}\ncredential_process = {script}\n",
                script = dir.path().join("print-credentials.sh").display()
            ),
        )
        .unwrap();
        // A real credential_process: a script that prints the keys as the AWS CLI expects.
        let script = dir.path().join("print-credentials.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '{{\"Version\": 1, \"AccessKeyId\": \"{ACCESS_KEY}\", \"SecretAccessKey\": \"{SECRET_KEY}\"}}'\n"
            ),
        )
        .unwrap();
        let mut permissions = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&script, permissions).unwrap();
        std::fs::write(
            dir.path().join(".aws/credentials"),
            format!(
                "[lake-reader]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n\n\
                 [wrong-secret]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = not-the-right-secret\n"
            ),
        )
        .unwrap();
        Self { dir }
    }

    /// Environment for a child process: these files, no other AWS settings.
    pub fn apply(&self, cmd: &mut assert_cmd::Command) {
        cmd.env("HOME", self.dir.path())
            .env("AWS_CONFIG_FILE", self.dir.path().join(".aws/config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join(".aws/credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for var in [
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
        ] {
            cmd.env_remove(var);
        }
    }
}
