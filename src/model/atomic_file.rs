//! Files that appear whole or not at all: written under a temporary name in the target's folder,
//! flushed to disk (fsync), then renamed over the target. A crash, a full disk or a cancelled
//! write leaves the old file (or nothing) in place, never half a file. The temporary file is
//! created the way any program creates a file, so the user's umask decides its permissions.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written; [`AtomicFile::commit`] puts it in place, dropping it discards it.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    target: PathBuf,
}

/// The prefix of temporary files, so they are recognisable (and skipped by the lake's listings).
pub const TEMP_PREFIX: &str = ".lakesight-tmp-";

impl AtomicFile {
    /// Starts writing `target`: a new temporary file beside it.
    pub fn create(target: &Path) -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = parent_dir(target);
        // The target's name, shortened so the temporary name stays within the 255 bytes a file
        // name may have (a long name would otherwise fail with "file name too long").
        let name = target
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let name = shortened(&name, NAME_KEPT);
        loop {
            let temp = dir.join(format!(
                "{TEMP_PREFIX}{}-{}-{name}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            // `create_new`: never reuse (or follow a link to) a file that is already there.
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    return Ok(Self {
                        file: Some(file),
                        temp,
                        target: target.to_path_buf(),
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// The file being written.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the data to disk and renames the file over the target.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("already committed"))?;
        let put_in_place = file.sync_all().and_then(|()| {
            drop(file);
            std::fs::rename(&self.temp, &self.target)
        });
        if let Err(err) = put_in_place {
            // Not committed: the temporary file must not outlive the failure.
            let _ = std::fs::remove_file(&self.temp);
            return Err(err);
        }
        // The rename itself is durable once the folder is synced (not possible on every platform).
        if let Ok(dir) = File::open(parent_dir(&self.target)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(target)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Bytes of the target's name kept in a temporary name.
const NAME_KEPT: usize = 120;

/// `name` cut to at most `bytes` bytes, on a character boundary, keeping its end (the extension).
fn shortened(name: &str, bytes: usize) -> &str {
    if name.len() <= bytes {
        return name;
    }
    let mut start = name.len() - bytes;
    while !name.is_char_boundary(start) {
        start += 1;
    }
    &name[start..]
}

fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_the_longest_name_a_folder_allows_is_written() {
        let dir = tempfile::tempdir().unwrap();
        // 255 bytes, the most a name may have: the temporary name must not be longer.
        let name = format!("{}.toml", "é".repeat(125));
        assert_eq!(name.len(), 255);
        let target = dir.path().join(&name);
        write_atomically(&target, b"title = \"T\"\n").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"title = \"T\"\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_file_appears_only_on_commit_and_a_dropped_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        std::fs::write(&target, "old").unwrap();

        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        drop(file);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );

        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_commit_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder that is not empty cannot be replaced by a file.
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), "x").unwrap();
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"new").unwrap();
        assert!(file.commit().is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["taken"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_get_the_usual_permissions_not_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("shared.csv");
        write_atomically(&target, b"a,b\n").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        // A plain `File::create` in the same folder gets the umask's permissions: the same.
        let plain = dir.path().join("plain");
        File::create(&plain).unwrap();
        let usual = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, usual, "mode {mode:o}, usual {usual:o}");
    }
}
