//! `lakesight open`: what the desktop app is asked to open, worked out from the command line
//! before any window exists, so a bad source fails at once with a message on stderr.

use crate::engine::EngineOptions;
use crate::model::{SourceSpec, SourceSpecError};

use super::args::{AccessArgs, OpenArgs};

/// What `lakesight open` asks of the desktop app.
#[derive(Clone, Debug)]
pub struct OpenRequest {
    /// The lake to attach; `None`: the lake attached last time.
    pub source: Option<SourceSpec>,
    /// How the engine may use the machine (memory limit, spill folder).
    pub engine: EngineOptions,
    /// A dashboard file to open in front (`lakesight open FILE.toml`).
    pub dashboard: Option<std::path::PathBuf>,
    /// A jobs file to open in the Jobs panel (`--jobs`), and where it writes (`--into`).
    pub jobs: Option<(std::path::PathBuf, Option<String>)>,
}

/// Why `lakesight open` cannot start the app.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The source does not name a lake.
    #[error(transparent)]
    Source(#[from] SourceSpecError),
    /// The dashboard file cannot be read or is not valid.
    #[error("{0}")]
    Dashboard(String),
    /// The lake cannot be reached (a folder that does not exist, a profile without credentials).
    #[error("{0}")]
    Lake(String),
    /// A connection option without a lake to apply it to.
    #[error(
        "{0} applies to the lake being opened: give the lake as SOURCE or --source (without one, the last lake is reopened as it was)"
    )]
    OptionWithoutSource(&'static str),
}

impl OpenError {
    /// Whether this is a usage error (exit code 2) rather than a bad value (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::OptionWithoutSource(_))
    }
}

/// The lake and engine options for `lakesight open`: the positional SOURCE wins, else `--source`
/// (or `LAKESIGHT_SOURCE`), else the lake attached last time.
pub fn open_launch(args: &OpenArgs) -> Result<OpenRequest, OpenError> {
    if let Some(file) = args.lake.as_deref().filter(|l| is_dashboard_file(l)) {
        return open_dashboard(std::path::Path::new(file), args);
    }
    let text = args.lake.as_deref().or(args.source.as_deref());
    if text.is_none()
        && let Some(flag) = connection_flag(&args.access)
    {
        return Err(OpenError::OptionWithoutSource(flag));
    }
    let source = text
        .map(|text| Ok::<_, SourceSpecError>(super::with_access(text.parse()?, &args.access)))
        .transpose()?;
    Ok(OpenRequest {
        source,
        engine: super::engine_options(&args.access),
        dashboard: None,
        jobs: args.jobs.clone().map(|file| (file, args.into.clone())),
    })
}

/// How long `open` waits for S3 to answer before the window opens anyway (the window then says
/// what became of the lake).
const PREFLIGHT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether the lake `open` was asked for can be reached, before any window exists, so a folder
/// that does not exist or a profile without credentials fails at once, with exit code 1. A local
/// folder is checked on disk; an S3 lake with one listing of its root (an answer slower than
/// [`PREFLIGHT`] lets the window open and report it).
pub async fn preflight(spec: &SourceSpec) -> Result<(), OpenError> {
    let check = async {
        let lake = crate::lake::Lake::attach(spec)
            .await
            .map_err(|err| OpenError::Lake(format!("could not attach {spec}: {err}")))?;
        if spec.is_s3()
            && let Err(err) = lake.store.raw().list_with_delimiter(None).await
        {
            return Err(OpenError::Lake(format!(
                "could not attach {spec}: {}",
                lake.store.explain(&err)
            )));
        }
        Ok(())
    };
    // Slower than that (credentials from an SSO portal, a far-away bucket): the window opens.
    tokio::time::timeout(PREFLIGHT, check)
        .await
        .unwrap_or(Ok(()))
}

/// Whether the positional argument names a dashboard file rather than a lake.
fn is_dashboard_file(text: &str) -> bool {
    std::path::Path::new(text)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// `lakesight open FILE.toml [--source SRC]`: the dashboard in front, on `--source`, else the
/// file's `source`, else the lake attached last time. A file that is missing or invalid fails
/// here, before any window opens. An untrusted file's own `endpoint` is not used: the window
/// opens on the last lake and its trust bar asks first.
fn open_dashboard(file: &std::path::Path, args: &OpenArgs) -> Result<OpenRequest, OpenError> {
    let bytes = std::fs::read(file)
        .map_err(|e| OpenError::Dashboard(format!("cannot read {}: {e}", file.display())))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| OpenError::Dashboard(format!("{} is not UTF-8 text: {e}", file.display())))?;
    let dashboard = crate::model::dashboard::DashboardFile::parse(text).map_err(|e| match e {
        // The same lines as every other command prints: one per problem, then how many.
        crate::model::dashboard::DashboardFileError::Invalid(invalid) => {
            super::dashboard::print_problems_on_stderr(file, &invalid);
            OpenError::Dashboard(super::dashboard::problems_found(file, &invalid))
        }
        other => OpenError::Dashboard(format!("{}: {other}", file.display())),
    })?;
    let gate = super::trust::Gate::of(file, &bytes, dashboard.dashboard());
    let source = match args.source.as_deref() {
        Some(text) => Some(super::with_access(text.parse()?, &args.access)),
        // The file's own profile, region and endpoint, unless a flag says otherwise.
        None => dashboard
            .dashboard()
            .source
            .clone()
            .filter(|spec| {
                let held = spec.endpoint.is_some() && args.access.endpoint.is_none();
                if held && let Err(refused) = gate.check_endpoint() {
                    eprintln!("note: {refused:#}");
                    return false;
                }
                true
            })
            .map(|spec| super::file_source_with_access(spec, &args.access)),
    };
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let mut engine = super::engine_options(&args.access);
    if args.access.cluster.is_none() {
        engine.cluster = gate.cluster(dashboard.dashboard());
    }
    Ok(OpenRequest {
        source,
        engine,
        dashboard: Some(file),
        jobs: args.jobs.clone().map(|file| (file, args.into.clone())),
    })
}

/// The first connection option given, as its flag.
fn connection_flag(access: &AccessArgs) -> Option<&'static str> {
    [
        (access.profile.is_some(), "--profile"),
        (access.region.is_some(), "--region"),
        (access.endpoint.is_some(), "--endpoint"),
        (access.no_sign_request, "--no-sign-request"),
        (access.links.is_some(), "--links"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::engine::MemoryLimit;
    use crate::model::SourceLocation;

    fn open_args(args: &[&str]) -> OpenArgs {
        let cli = Cli::try_parse_from(["lakesight", "open"].iter().chain(args)).unwrap();
        let Some(Command::Open(open)) = cli.command else {
            panic!("not `open`");
        };
        open
    }

    fn bucket(request: &OpenRequest) -> String {
        match &request.source.as_ref().unwrap().location {
            SourceLocation::S3 { bucket, .. } => bucket.clone(),
            SourceLocation::Local { path } => path.display().to_string(),
        }
    }

    #[test]
    fn the_positional_source_wins_then_the_flag_then_the_last_lake() {
        let both = open_args(&["s3://positional", "--source", "s3://flag"]);
        assert_eq!(bucket(&open_launch(&both).unwrap()), "positional");
        let flag = open_args(&["--source", "s3://flag"]);
        assert_eq!(bucket(&open_launch(&flag).unwrap()), "flag");
        // `--source` is what LAKESIGHT_SOURCE fills in (tests/cli.rs runs the binary with it).
        let from_env = OpenArgs {
            lake: None,
            source: Some("/data/lake".to_owned()),
            jobs: None,
            into: None,
            access: AccessArgs::default(),
        };
        assert_eq!(bucket(&open_launch(&from_env).unwrap()), "/data/lake");
        let restore = open_launch(&open_args(&["--memory-limit", "2GiB"])).unwrap();
        assert!(restore.source.is_none());
        assert_eq!(
            restore.engine.memory_limit,
            Some(MemoryLimit::Bytes(2 << 30))
        );
    }

    #[test]
    fn lake_options_reach_the_spec_and_the_engine() {
        let request = open_launch(&open_args(&[
            "s3://acme/prod",
            "--profile",
            "analyst",
            "--region",
            "eu-west-1",
            "--endpoint",
            "http://localhost:9000",
            "--no-sign-request",
            "--memory-limit",
            "25%",
            "--spill-dir",
            "/tmp/spill",
        ]))
        .unwrap();
        let spec = request.source.unwrap();
        assert_eq!(spec.profile.as_deref(), Some("analyst"));
        assert_eq!(spec.region.as_deref(), Some("eu-west-1"));
        assert_eq!(spec.endpoint.as_deref(), Some("http://localhost:9000"));
        assert!(spec.no_sign_request);
        assert_eq!(
            request.engine.memory_limit,
            Some(MemoryLimit::Fraction(0.25))
        );
        assert_eq!(request.engine.spill_dir, Some(PathBuf::from("/tmp/spill")));
    }

    #[test]
    fn a_bad_source_or_a_profile_without_a_lake_is_refused() {
        let err = open_launch(&open_args(&["s3://"])).unwrap_err();
        assert_eq!(
            err,
            OpenError::Source(SourceSpecError::MissingBucket("s3://".to_owned()))
        );
        assert!(!err.is_usage());
        let err = open_launch(&open_args(&["--profile", "analyst"])).unwrap_err();
        assert_eq!(err, OpenError::OptionWithoutSource("--profile"));
        assert!(err.is_usage());
    }

    #[test]
    fn an_untrusted_files_own_endpoint_waits_and_the_users_endpoint_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shared.toml");
        std::fs::write(
            &file,
            "title = \"T\"\nsource = \"s3://lake/prod\"\nendpoint = \"http://10.9.9.9:9000\"\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        // A fresh file nobody trusted: the window opens on the last lake and its bar asks.
        let request = open_launch(&open_args(&[path])).unwrap();
        assert!(request.source.is_none(), "{:?}", request.source);
        assert_eq!(request.dashboard.as_deref(), Some(file.as_path()));
        let own = open_launch(&open_args(&[path, "--endpoint", "http://127.0.0.1:9000"])).unwrap();
        assert_eq!(
            own.source.unwrap().endpoint.as_deref(),
            Some("http://127.0.0.1:9000")
        );
    }
}
