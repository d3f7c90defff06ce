//! Trust on the command line: `lakesight trust FILE` (record the SHA-256 of its bytes),
//! `--list` and `--revoke FILE`; and [`Gate`], what a headless command may let a dashboard file do.
//! An untrusted file is read, run and evaluated as usual; its `command:` and `webhook:` notifiers
//! are held back (said once on stderr, with the command that allows them), its own `endpoint` is
//! refused before any request is made, and `export --all` refuses to write its `[[exports]]`.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use chrono::Utc;
use serde_json::json;

use super::args::{ReportFormat, TrustArgs};
use super::dashboard::{print_problems, read_file};
use crate::model::dashboard::Dashboard;
use crate::trust::{Ask, FileTrust, Trust, TrustStore, asks_of, trust_command};

/// The user's trust record, or an error saying why there is none.
fn store() -> Result<TrustStore> {
    TrustStore::in_data_dir()
        .ok_or_else(|| anyhow!("there is no data folder for the trust record (is HOME set?)"))
}

/// What a dashboard file read by a headless command may do.
#[derive(Clone, Debug)]
pub struct Gate {
    /// The file as the command line named it.
    file: PathBuf,
    /// Whether it may act.
    trust: Trust,
    /// Said with the held-back note: the file changed since it was trusted, or the record is
    /// damaged.
    why: Option<String>,
    /// What it does once trusted.
    asks: Vec<Ask>,
}

impl Gate {
    /// The gate for `dashboard`, read from `file` as `bytes`. A damaged trust record trusts
    /// nothing (and says so).
    pub fn of(file: &Path, bytes: &[u8], dashboard: &Dashboard) -> Self {
        let (trust, why) = match store().and_then(|store| Ok(store.check(file, bytes)?)) {
            Ok(FileTrust::Trusted) => (Trust::Trusted, None),
            Ok(FileTrust::NotTrusted) => (Trust::Untrusted, None),
            Ok(FileTrust::Changed { trusted_at }) => (
                Trust::Untrusted,
                Some(format!("it changed since you trusted it ({trusted_at})")),
            ),
            Err(err) => (Trust::Untrusted, Some(format!("{err:#}"))),
        };
        Self {
            file: file.to_path_buf(),
            trust,
            why,
            asks: asks_of(dashboard),
        }
    }

    /// Whether the file may act.
    pub fn trusted(&self) -> bool {
        self.trust.is_trusted()
    }

    /// What allowing the file takes, for messages: "If you trust it, run: lakesight trust FILE".
    fn advice(&self) -> String {
        format!("If you trust it, run: {}", trust_command(&self.file))
    }

    /// `FILE is not trusted` and why, when there is more to say.
    fn not_trusted(&self) -> String {
        match &self.why {
            Some(why) => format!("{} is not trusted: {why}", self.file.display()),
            None => format!("{} is not trusted", self.file.display()),
        }
    }

    /// Says once on stderr which of the file's programs and hosts are held back (nothing when it
    /// is trusted or asks for none).
    pub fn warn_notifiers_held_back(&self) {
        if self.trusted() {
            return;
        }
        let held: Vec<String> = self
            .asks
            .iter()
            .filter(|ask| matches!(ask, Ask::Run(_) | Ask::Post(_)))
            .map(ToString::to_string)
            .collect();
        if !held.is_empty() {
            eprintln!(
                "warning: {}, so its alerts are printed and recorded but do not act; held back: {}. {}",
                self.not_trusted(),
                held.join("; "),
                self.advice()
            );
        }
    }

    /// Refuses the file's own `endpoint` when it is not trusted (before any request is made).
    pub fn check_endpoint(&self) -> Result<()> {
        if self.trusted() {
            return Ok(());
        }
        if let Some(ask) = self.asks.iter().find(|ask| ask.is_endpoint()) {
            bail!(
                "{}, and its `endpoint` {ask}: a file may choose that only once you trust it. \
                 Choose the lake yourself with --source or its endpoint with --endpoint, or, if \
                 you trust the file, run: {}",
                self.not_trusted(),
                trust_command(&self.file)
            );
        }
        Ok(())
    }

    /// The file's own `cluster`, once it is trusted. An untrusted file's queries run on this
    /// machine (same answers), and stderr says so once, with what allows it.
    pub fn cluster(&self, dashboard: &Dashboard) -> Option<crate::model::ClusterUrl> {
        let cluster = dashboard.cluster.clone()?;
        if self.trusted() {
            return Some(cluster);
        }
        eprintln!(
            "note: {}, so its `cluster` ({cluster}) is held back: its queries run on this machine. \
             Choose a cluster yourself with --cluster, or, if you trust the file, run: {}",
            self.not_trusted(),
            trust_command(&self.file)
        );
        None
    }

    /// Refuses `export --all` of a file that is not trusted, naming what it would write.
    pub fn check_exports(&self) -> Result<()> {
        if self.trusted() {
            return Ok(());
        }
        let writes: Vec<&str> = self
            .asks
            .iter()
            .filter_map(|ask| match ask {
                Ask::Write(path) => Some(path.as_str()),
                _ => None,
            })
            .collect();
        bail!(
            "{}, so --all writes nothing (it would write {}). Write one image with --out, or, if you trust \
             the file, run: {}",
            self.not_trusted(),
            writes.join(", "),
            trust_command(&self.file)
        )
    }
}

/// Runs `lakesight trust`.
pub fn trust(args: &TrustArgs) -> Result<()> {
    let store = store()?;
    if args.list {
        return list(&store, args.format);
    }
    for file in &args.files {
        if args.revoke {
            if store.revoke(file)? {
                eprintln!("{} is no longer trusted", file.display());
            } else {
                eprintln!("{} was not trusted", file.display());
            }
            continue;
        }
        let (bytes, text) = read_file(file)?;
        // A transform jobs file writes into the output lake its runs are given.
        if let Ok(jobs) = crate::model::jobs::JobsFile::parse(&text) {
            let entry = store.trust(file, &bytes, Utc::now())?;
            let outputs: Vec<&str> = jobs.jobs.iter().map(|job| job.output.as_str()).collect();
            println!(
                "trusted {} (sha256 {}): its jobs may now write {} under the output lake they are run into",
                entry.path.display(),
                &entry.sha256[..12],
                outputs.join(", ")
            );
            continue;
        }
        let dashboard = Dashboard::parse(&text).map_err(|invalid| {
            print_problems(file, &invalid);
            anyhow!(
                "{} is not a valid dashboard file: fix it before trusting it",
                file.display()
            )
        })?;
        let entry = store.trust(file, &bytes, Utc::now())?;
        let asks: Vec<String> = asks_of(&dashboard)
            .iter()
            .map(ToString::to_string)
            .collect();
        let what = if asks.is_empty() {
            "it asks for nothing beyond showing data".to_owned()
        } else {
            format!("it may now act: {}", asks.join("; "))
        };
        println!(
            "trusted {} (sha256 {}): {what}",
            entry.path.display(),
            &entry.sha256[..12]
        );
    }
    Ok(())
}

/// `--list`: every trusted file, whether it still holds the bytes trusted.
fn list(store: &TrustStore, format: ReportFormat) -> Result<()> {
    let files = store.list()?;
    let state = |path: &Path, sha256: &str| match std::fs::read(path) {
        Ok(bytes) if crate::trust::sha256_hex(&bytes) == sha256 => "trusted",
        Ok(_) => "changed",
        Err(_) => "missing",
    };
    match format {
        ReportFormat::Json => {
            let rows: Vec<_> = files
                .iter()
                .map(|f| {
                    json!({"path": f.path, "sha256": f.sha256, "trusted_at": f.trusted_at,
                           "state": state(&f.path, &f.sha256)})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        ReportFormat::Table => {
            if files.is_empty() {
                eprintln!("no dashboard file is trusted ({})", store.path().display());
            }
            for f in &files {
                println!(
                    "{:<8} {}  {}  {}",
                    state(&f.path, &f.sha256),
                    f.trusted_at,
                    &f.sha256[..12.min(f.sha256.len())],
                    f.path.display()
                );
            }
        }
    }
    Ok(())
}
