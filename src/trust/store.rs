//! [`TrustStore`]: the files the user trusts, one entry per file (its absolute path, the SHA-256
//! of the bytes trusted and when), in `trusted.toml` in the user's data folder. A file is trusted
//! only while its bytes hash to what was recorded: a `git pull` that changes it makes it
//! untrusted again. Every change is a read-modify-write under an exclusive lock on a lock file
//! beside the record (so a `lakesight trust` in a terminal and the window never lose each other's
//! decisions), written atomically (temporary file, fsync, rename). A record that cannot be read
//! trusts nothing and is never overwritten: the error names it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::model::atomic_file::write_atomically;

/// The record's file name in the user's data folder.
pub const TRUST_FILE_NAME: &str = "trusted.toml";

/// One trusted file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedFile {
    /// The file, absolute (symbolic links resolved).
    pub path: PathBuf,
    /// The SHA-256 of the bytes trusted, in lowercase hex.
    pub sha256: String,
    /// When it was trusted, RFC 3339 in UTC.
    pub trusted_at: String,
}

/// The record as the file holds it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    #[serde(default)]
    files: Vec<TrustedFile>,
}

/// What the record says of a file's current bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileTrust {
    /// These bytes were trusted.
    Trusted,
    /// The file was never trusted (or its trust was revoked).
    NotTrusted,
    /// The file was trusted, but its bytes have changed since.
    Changed {
        /// When the earlier bytes were trusted.
        trusted_at: String,
    },
}

/// Why the record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The record exists but cannot be read.
    #[error("cannot read the trust record {}: {source}", path.display())]
    Read {
        /// The record.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The record is not valid TOML of the expected shape (nothing is trusted until it is fixed).
    #[error(
        "the trust record {} is damaged, so no file is trusted: {message} (fix it, or delete it to start again)",
        path.display()
    )]
    Damaged {
        /// The record.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The record could not be written.
    #[error("cannot write the trust record {}: {source}", path.display())]
    Write {
        /// The record.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file to trust cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

pub use crate::model::sha256_hex;

/// The files the user trusts, kept in one record file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustStore {
    path: PathBuf,
}

impl TrustStore {
    /// The record at `path` (it need not exist yet).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The record in the user's data folder (`~/.local/share/lakesight/trusted.toml` on Linux).
    pub fn in_data_dir() -> Option<Self> {
        dirs::data_dir().map(|dir| Self::at(dir.join("lakesight").join(TRUST_FILE_NAME)))
    }

    /// The record's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every trusted file, in the order they were trusted.
    pub fn list(&self) -> Result<Vec<TrustedFile>, TrustError> {
        Ok(self.read()?.files)
    }

    /// What the record says of `file` holding `bytes` now. A damaged record trusts nothing.
    pub fn check(&self, file: &Path, bytes: &[u8]) -> Result<FileTrust, TrustError> {
        let key = identity(file);
        let record = self.read()?;
        Ok(match record.files.iter().find(|entry| entry.path == key) {
            Some(entry) if entry.sha256 == sha256_hex(bytes) => FileTrust::Trusted,
            Some(entry) => FileTrust::Changed {
                trusted_at: entry.trusted_at.clone(),
            },
            None => FileTrust::NotTrusted,
        })
    }

    /// Records `bytes` as the trusted content of `file` (replacing what was trusted before).
    pub fn trust(
        &self,
        file: &Path,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> Result<TrustedFile, TrustError> {
        let entry = TrustedFile {
            path: identity(file),
            sha256: sha256_hex(bytes),
            trusted_at: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        };
        self.change(|record| {
            record.files.retain(|old| old.path != entry.path);
            record.files.push(entry.clone());
        })?;
        Ok(entry)
    }

    /// Reads `file` and trusts the bytes read.
    pub fn trust_file(&self, file: &Path, at: DateTime<Utc>) -> Result<TrustedFile, TrustError> {
        let bytes = std::fs::read(file).map_err(|source| TrustError::File {
            path: file.to_path_buf(),
            source,
        })?;
        self.trust(file, &bytes, at)
    }

    /// Forgets `file`, by where it is now and by the path as written (a file since deleted, or
    /// a link that now leads elsewhere); whether it was trusted.
    pub fn revoke(&self, file: &Path) -> Result<bool, TrustError> {
        let keys = [identity(file), written(file)];
        let mut found = false;
        self.change(|record| {
            let before = record.files.len();
            record.files.retain(|entry| !keys.contains(&entry.path));
            found = record.files.len() != before;
        })?;
        Ok(found)
    }

    /// Applies `edit` to the record under the lock and writes it back atomically.
    fn change(&self, edit: impl FnOnce(&mut Record)) -> Result<(), TrustError> {
        let write_error = |source| TrustError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(folder) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(write_error)?;
        }
        let _lock = self.lock().map_err(write_error)?;
        let mut record = self.read()?;
        edit(&mut record);
        let text =
            toml::to_string_pretty(&record).map_err(|err| write_error(io::Error::other(err)))?;
        let text = format!(
            "# Dashboard files Lakesight lets act (run programs, post to hosts, write files):\n\
             # each path with the SHA-256 of the bytes trusted. Managed by `lakesight trust`.\n\n{text}"
        );
        write_atomically(&self.path, text.as_bytes()).map_err(write_error)
    }

    /// Holds the record's lock file exclusively until the returned file is dropped.
    fn lock(&self) -> io::Result<File> {
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path.with_file_name(name))?;
        lock.lock()?;
        Ok(lock)
    }

    /// The record; empty when there is none yet.
    fn read(&self) -> Result<Record, TrustError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Record::default()),
            Err(source) => {
                return Err(TrustError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|err| TrustError::Damaged {
            path: self.path.clone(),
            message: err.message().trim_end().to_owned(),
        })
    }
}

/// How a file is named in the record: absolute, symbolic links resolved (so `./a.toml` and a link
/// to it are one file); a file that no longer exists by its absolute path.
fn identity(file: &Path) -> PathBuf {
    std::fs::canonicalize(file)
        .or_else(|_| std::path::absolute(file))
        .unwrap_or_else(|_| file.to_path_buf())
}

/// `file` made absolute with `.` and `..` taken out by their names, links not resolved.
fn written(file: &Path) -> PathBuf {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        "2026-12-06T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_file_is_trusted_for_its_exact_bytes_until_it_changes_or_is_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("data/trusted.toml"));
        let file = dir.path().join("orders.toml");
        std::fs::write(&file, "title = \"Orders\"\n").unwrap();
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(store.check(&file, &bytes).unwrap(), FileTrust::NotTrusted);

        let entry = store.trust_file(&file, at()).unwrap();
        assert_eq!(entry.sha256, sha256_hex(b"title = \"Orders\"\n"));
        assert_eq!(entry.trusted_at, "2026-12-06T10:00:00Z");
        assert_eq!(store.check(&file, &bytes).unwrap(), FileTrust::Trusted);
        // The same file by another name is the same file.
        let relative = dir.path().join("data/../orders.toml");
        assert_eq!(store.check(&relative, &bytes).unwrap(), FileTrust::Trusted);

        // A pull that changes one byte makes it untrusted again, saying since when.
        assert_eq!(
            store.check(&file, b"title = \"Orders!\"\n").unwrap(),
            FileTrust::Changed {
                trusted_at: "2026-12-06T10:00:00Z".into()
            }
        );
        // The same bytes elsewhere are another file.
        let copy = dir.path().join("copy.toml");
        std::fs::write(&copy, &bytes).unwrap();
        assert_eq!(store.check(&copy, &bytes).unwrap(), FileTrust::NotTrusted);

        assert!(store.revoke(&file).unwrap());
        assert!(!store.revoke(&file).unwrap(), "revoked once");
        // A trusted file since deleted is revoked by the path it had, however it is written.
        store.trust_file(&file, at()).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert!(
            store
                .revoke(&dir.path().join("data/../orders.toml"))
                .unwrap()
        );
        assert_eq!(store.check(&file, &bytes).unwrap(), FileTrust::NotTrusted);
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn trusting_again_replaces_the_entry_and_the_record_is_readable_toml() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted.toml"));
        let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
        store.trust(&a, b"one", at()).unwrap();
        store.trust(&b, b"two", at()).unwrap();
        store.trust(&a, b"three", at()).unwrap();
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].path, identity(&b));
        assert_eq!(listed[1].sha256, sha256_hex(b"three"));
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(
            text.starts_with("# Dashboard files Lakesight lets act"),
            "{text}"
        );
        assert!(text.contains("[[files]]"), "{text}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains("tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_damaged_record_trusts_nothing_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted.toml"));
        std::fs::write(store.path(), "files = 3\n").unwrap();
        let file = dir.path().join("a.toml");
        let err = store.check(&file, b"x").unwrap_err();
        assert!(matches!(err, TrustError::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("no file is trusted"), "{err}");
        assert!(store.trust(&file, b"x", at()).is_err());
        assert_eq!(
            std::fs::read_to_string(store.path()).unwrap(),
            "files = 3\n"
        );
    }

    #[test]
    fn concurrent_trusts_lose_no_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted.toml"));
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let store = store.clone();
                let folder = dir.path().to_path_buf();
                scope.spawn(move || {
                    for n in 0..10 {
                        let file = folder.join(format!("{thread}-{n}.toml"));
                        store.trust(&file, b"x", at()).unwrap();
                    }
                });
            }
        });
        assert_eq!(store.list().unwrap().len(), 40);
    }
}
