//! `lakesight cluster` processes started by a test or a bench, on free ports of this machine.

use std::process::Child;

/// A child process, stopped (killed and reaped) when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port free on 127.0.0.1 now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `lakesight ARGS` as a cluster process: `home` as its home, and no AWS settings of the test
/// machine's (no config files, profile, keys, token, region, endpoint or instance metadata) nor a
/// cluster of its own; the caller adds the credentials it is meant to have.
#[allow(dead_code)] // benches/cluster.rs shares this file and starts its processes itself
pub fn cluster_command(args: &[String], home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("lakesight"));
    cmd.args(args)
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "LAKESIGHT_CLUSTER",
    ] {
        cmd.env_remove(var);
    }
    cmd
}
