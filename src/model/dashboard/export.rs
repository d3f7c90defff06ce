//! `[[exports]]`: images a dashboard file asks `lakesight export FILE.toml --all` to write, for
//! reports made by cron. Each names a file (relative to the dashboard file's folder), and
//! optionally one visual, the format (else the file's extension), the scale or a pixel width,
//! and the theme. A path must stay inside the dashboard file's folder: an absolute path or one
//! that climbs out with `..` is a problem of the file, trusted or not (a shared file must not
//! be able to name `~/.bashrc` as its report).

use serde::{Deserialize, Serialize};

/// One image a dashboard exports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSpec {
    /// The file to write (`.png` or `.svg`), relative to the dashboard file's folder.
    pub path: String,
    /// One visual's id (default: the whole dashboard).
    pub visual: Option<String>,
    /// `png` or `svg` (default: from `path`'s extension).
    pub format: Option<String>,
    /// Pixels per point, above 0 and at most 8 (default 1).
    pub scale: Option<f32>,
    /// A width in pixels instead of a scale.
    pub width: Option<u32>,
    /// A height in pixels (with `width`).
    pub height: Option<u32>,
    /// `light` (default) or `dark`.
    pub theme: Option<String>,
}

impl ExportSpec {
    /// What is wrong with this export, given the dashboard's visual ids.
    pub fn problems(&self, visual_ids: &[&str]) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(why) = leaves_folder(&self.path) {
            problems.push(format!(
                "export `{}` {why}: an export's `path` must stay inside the dashboard file's folder (write it relative, such as `reports/orders.png`)",
                self.path
            ));
        }
        if let Some(visual) = &self.visual
            && !visual_ids.contains(&visual.as_str())
        {
            problems.push(format!(
                "export `{}` names visual `{visual}`, which is not in the dashboard",
                self.path
            ));
        }
        let extension = std::path::Path::new(&self.path)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = self.format.clone().or(extension);
        if !matches!(format.as_deref(), Some("png" | "svg")) {
            problems.push(format!(
                "export `{}`: the format must be png or svg (set `format` or end the path in .png or .svg)",
                self.path
            ));
        }
        if let Some(scale) = self.scale
            && !(scale > 0.0 && scale <= 8.0)
        {
            problems.push(format!(
                "export `{}`: scale must be above 0 and at most 8",
                self.path
            ));
        }
        if self.scale.is_some() && self.width.is_some() {
            problems.push(format!(
                "export `{}`: give `scale` or `width`, not both",
                self.path
            ));
        }
        if self.height.is_some() && self.width.is_none() {
            problems.push(format!("export `{}`: `height` needs `width`", self.path));
        }
        if !matches!(self.theme.as_deref(), None | Some("light" | "dark")) {
            problems.push(format!(
                "export `{}`: theme must be light or dark",
                self.path
            ));
        }
        problems
    }
}

/// Why `path` would write outside the folder it is relative to (`None`: it stays inside).
/// Judged on the text alone, on every platform: `/x`, `\x`, `C:x`, `C:\x` and any `..`
/// component are refused.
fn leaves_folder(path: &str) -> Option<&'static str> {
    let separators = |c: char| c == '/' || c == '\\';
    if path.trim().is_empty() {
        return Some("is empty");
    }
    if path.starts_with(separators) || std::path::Path::new(path).is_absolute() {
        return Some("is absolute");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Some("names a drive");
    }
    if path.split(separators).any(|part| part == "..") {
        return Some("climbs out of the folder with `..`");
    }
    None
}
