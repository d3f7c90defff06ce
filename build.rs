//! Embeds build information (git commit, build date) for `lakesight --version`.
//! Only build info lives here: no code generation.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|out| out.status.success() && !out.stdout.is_empty());
    let commit = if dirty && commit != "unknown" {
        format!("{commit}-dirty")
    } else {
        commit
    };

    // SOURCE_DATE_EPOCH keeps builds reproducible when set; otherwise today's date.
    let epoch_secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let date = chrono::DateTime::from_timestamp(epoch_secs, 0).map_or_else(
        || "unknown".to_owned(),
        |d| d.format("%Y-%m-%d").to_string(),
    );

    println!("cargo:rustc-env=LAKESIGHT_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=LAKESIGHT_BUILD_DATE={date}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/index");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // The sample lake is embedded with include_dir!, which cargo cannot see through.
    println!("cargo:rerun-if-changed=sample-data");
}
