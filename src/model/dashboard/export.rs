//! `[[exports]]`: images a dashboard file asks `lakesight export FILE.toml --all` to write, for
//! reports made by cron. Each names a file (relative to the dashboard file's folder), and
//! optionally one visual, the format (else the file's extension), the scale or a pixel width,
//! and the theme.

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
