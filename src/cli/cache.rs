//! `lakesight cache [--clear]`: where the metadata cache lives, what it holds, and emptying it.

use anyhow::{Context, Result, anyhow};
use serde_json::json;

use super::args::ReportFormat;
use crate::engine::footers;

/// Prints the cache's folder and usage; with `clear`, empties it first.
pub fn cache(clear: bool, format: ReportFormat) -> Result<()> {
    let dir = crate::lake::cache_dir().ok_or_else(|| {
        anyhow!("there is no cache folder (is HOME set? LAKESIGHT_CACHE_DIR names one)")
    })?;
    let folder = footers::footers_folder(&dir);
    if clear {
        footers::clear(&dir).with_context(|| format!("could not clear {}", folder.display()))?;
    }
    let usage = footers::usage(&dir);
    match format {
        ReportFormat::Json => println!(
            "{}",
            json!({
                "folder": folder,
                "footers": usage.footers,
                "lakes": usage.lakes,
                "bytes": usage.bytes,
                "limit_bytes": footers::DEFAULT_DISK_LIMIT,
                "cleared": clear,
            })
        ),
        ReportFormat::Table => {
            if clear {
                println!("cleared {}", folder.display());
            }
            println!("footer cache: {}", folder.display());
            println!(
                "  {} footer(s) of {} lake(s), {:.1} MiB (limit {} MiB: past it the oldest go first)",
                usage.footers,
                usage.lakes,
                usage.bytes as f64 / 1024.0 / 1024.0,
                footers::DEFAULT_DISK_LIMIT / 1024 / 1024
            );
            if !clear {
                println!("  empty it with `lakesight cache --clear` (nothing is lost)");
            }
        }
    }
    Ok(())
}
