//! `lakesight export`'s command line (a contract: scripts rely on these names).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::LakeArgs;
use crate::render::picture::{MAX_SCALE, MAX_SIDE, Theme};

/// `lakesight export FILE.toml --out PATH.png|PATH.svg`: an image of a dashboard or one visual,
/// with no display.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // independent switches of a command line
pub struct ExportArgs {
    /// The dashboard file (TOML).
    pub file: PathBuf,
    /// The image to write: `.png` or `.svg` (appears only when complete).
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub out: Option<PathBuf>,
    /// Only this visual (its id), as its tile; default: the whole dashboard.
    #[arg(long)]
    pub visual: Option<String>,
    /// The lake (`--source` wins over the file's `source`; default: the bundled sample lake).
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Pixels per point: 2 for a crisp image on a slide (default 1; above 0, at most 8).
    #[arg(long, value_parser = parse_scale, conflicts_with = "width")]
    pub scale: Option<f32>,
    /// The image's width in pixels, instead of a scale (its height: what fits, or --height).
    #[arg(long, value_parser = parse_side)]
    pub width: Option<u32>,
    /// The image's height in pixels (with --width).
    #[arg(long, value_parser = parse_side, requires = "width")]
    pub height: Option<u32>,
    /// Light (default) or dark.
    #[arg(long, value_enum, default_value_t = ThemeArg::Light)]
    pub theme: ThemeArg,
    /// Start of the time range, e.g. 2026-11-24T00:00Z (with --to).
    #[arg(long, requires = "to", conflicts_with = "range")]
    pub from: Option<String>,
    /// End of the time range (with --from).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// The time range as the file writes it, e.g. "last 24h" (default: the file's).
    #[arg(long)]
    pub range: Option<String>,
    /// A parameter's value, NAME=VALUE (repeatable; default: the file's defaults).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Draw as of this instant (the range ends here, and the footer says so), e.g.
    /// 2026-11-24T12:00Z; default: now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Leave the SQL and the source out of the file's metadata (they can be sensitive).
    #[arg(long)]
    pub no_provenance: bool,
    /// No footer line (dashboard, range, time zone, when the data was read).
    #[arg(long)]
    pub no_footer: bool,
    /// Write the image even when a visual's query fails (drawn with its error in its tile) and
    /// exit 0.
    #[arg(long)]
    pub allow_errors: bool,
    /// Write every image the file's `[[exports]]` name, in one run.
    #[arg(long)]
    pub all: bool,
}

/// `--theme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ThemeArg {
    /// Dark text on white.
    Light,
    /// Light text on dark grey.
    Dark,
}

impl From<ThemeArg> for Theme {
    fn from(theme: ThemeArg) -> Self {
        match theme {
            ThemeArg::Light => Self::Light,
            ThemeArg::Dark => Self::Dark,
        }
    }
}

fn parse_scale(s: &str) -> Result<f32, String> {
    let why = || format!("expected a number above 0 and at most {MAX_SCALE}, e.g. 2");
    let scale: f32 = s.trim().parse().map_err(|_| why())?;
    if scale > 0.0 && scale <= MAX_SCALE {
        Ok(scale)
    } else {
        Err(why())
    }
}

fn parse_side(s: &str) -> Result<u32, String> {
    let why = || format!("expected a whole number of pixels from 16 to {MAX_SIDE}");
    let side: u32 = s.trim().parse().map_err(|_| why())?;
    if (16..=MAX_SIDE).contains(&side) {
        Ok(side)
    } else {
        Err(why())
    }
}
