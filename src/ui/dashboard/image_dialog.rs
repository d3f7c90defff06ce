//! "Export image…" (a tile's menu) and "Export dashboard image…" (the header): PNG or SVG, the
//! scale (1x, 2x, 3x) or a width in pixels, light or dark, the footer, provenance (the SQL and
//! the source in the file) and the file, with "Copy image" to put the PNG on the clipboard
//! instead. The image is made in the background: the window stays responsive while the dialog
//! shows that it is working, then where the file went or why it could not be written.

use std::path::{Path, PathBuf};

use crate::command::DashboardCommand;
use crate::model::dashboard::{Visual, file_name};
use crate::model::image::{ImageFormat, ImageOptions, ImageSize, MAX_SIDE, MIN_SIDE, Theme};

use super::{DashboardView, visual_title};

/// The scales offered.
const SCALES: [f32; 3] = [1.0, 2.0, 3.0];

/// The image being set up.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageDraft {
    /// One visual's id, else the whole dashboard.
    pub visual: Option<String>,
    /// PNG or SVG.
    pub format: ImageFormat,
    /// The scale chosen (`None`: a width in pixels).
    pub scale: Option<f32>,
    /// The width typed, in pixels.
    pub width: String,
    /// Light or dark.
    pub theme: Theme,
    /// The footer line.
    pub footer: bool,
    /// The SQL and source in the file's metadata.
    pub provenance: bool,
    /// The file to write.
    pub path: String,
    /// Why the draft cannot be used.
    pub problem: Option<String>,
    /// An existing file the user is asked about replacing, with the image for it.
    pub confirm_replace: Option<(PathBuf, ImageOptions)>,
}

impl ImageDraft {
    /// A 2x PNG of `visual` (else the whole dashboard) in the downloads folder, named after it.
    pub fn new(view: &DashboardView<'_>, visual: Option<&Visual>) -> Self {
        let folder = dirs::download_dir()
            .or_else(dirs::home_dir)
            .unwrap_or_else(|| ".".into());
        let name = match visual {
            Some(visual) => format!(
                "{}-{}",
                file_name(&view.dashboard.title),
                file_name(visual_title(visual))
            ),
            None => file_name(&view.dashboard.title),
        };
        Self {
            visual: visual.map(|v| v.id.clone()),
            format: ImageFormat::Png,
            scale: Some(2.0),
            width: "1600".to_owned(),
            theme: if view.dark { Theme::Dark } else { Theme::Light },
            footer: true,
            provenance: true,
            path: folder.join(format!("{name}.png")).display().to_string(),
            problem: None,
            confirm_replace: None,
        }
    }

    /// The image options, or why the draft does not make one.
    pub fn options(&self) -> Result<ImageOptions, String> {
        let size = if let Some(scale) = self.scale {
            ImageSize::Scale(scale)
        } else {
            let width = self
                .width
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|w| (MIN_SIDE..=MAX_SIDE).contains(w))
                .ok_or_else(|| {
                    format!(
                        "the width must be a whole number of pixels from {MIN_SIDE} to {MAX_SIDE}"
                    )
                })?;
            ImageSize::Pixels {
                width,
                height: None,
            }
        };
        Ok(ImageOptions {
            visual: self.visual.clone(),
            format: self.format,
            size,
            theme: self.theme,
            footer: self.footer,
            provenance: self.provenance,
        })
    }
}

pub(super) fn image_dialog_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    draft: &mut Option<ImageDraft>,
    send: &dyn Fn(DashboardCommand),
) {
    let Some(current) = draft.as_mut() else {
        return;
    };
    let title = match current
        .visual
        .as_deref()
        .and_then(|id| view.dashboard.visual(id))
    {
        Some(visual) => format!("Export image of {}", visual_title(visual)),
        None if current.visual.is_some() => {
            *draft = None;
            return;
        }
        None => format!("Export image of {}", view.dashboard.title),
    };
    let mut open = true;
    crate::ui::dialog(title, ui.ctx(), &mut open)
        .id(egui::Id::unique(("image-export", view.id)))
        .show(ui.ctx(), |ui| {
            egui::Grid::new("image-export-grid")
                .num_columns(2)
                .spacing([8.0, 6.0])
                .show(ui, |ui| {
                    ui.label("Format");
                    ui.horizontal(|ui| {
                        for format in [ImageFormat::Png, ImageFormat::Svg] {
                            let name = format.extension().to_uppercase();
                            if ui
                                .selectable_label(current.format == format, name)
                                .clicked()
                            {
                                current.format = format;
                                current.path = Path::new(&current.path)
                                    .with_extension(format.extension())
                                    .display()
                                    .to_string();
                            }
                        }
                    });
                    ui.end_row();
                    ui.label("Size");
                    ui.horizontal(|ui| {
                        for scale in SCALES {
                            if ui
                                .selectable_label(current.scale == Some(scale), format!("{scale}x"))
                                .clicked()
                            {
                                current.scale = Some(scale);
                            }
                        }
                        let width = ui.selectable_label(current.scale.is_none(), "Width");
                        if width.clicked() {
                            current.scale = None;
                        }
                        if current.scale.is_none() {
                            ui.add(
                                egui::TextEdit::singleline(&mut current.width).desired_width(60.0),
                            )
                            .labelled_by(width.id);
                            ui.label("px");
                        }
                    });
                    ui.end_row();
                    ui.label("Theme");
                    ui.horizontal(|ui| {
                        ui.selectable_value(&mut current.theme, Theme::Light, "Light");
                        ui.selectable_value(&mut current.theme, Theme::Dark, "Dark");
                    });
                    ui.end_row();
                    ui.label("");
                    ui.checkbox(&mut current.footer, "Footer (range, time zone, data as of)");
                    ui.end_row();
                    ui.label("");
                    ui.checkbox(&mut current.provenance, "Query and source in the file")
                        .on_hover_text(
                            "The file's metadata names the SQL and the lake; leave them out when \
                             they are sensitive",
                        );
                    ui.end_row();
                    let label = ui.label("File");
                    ui.horizontal(|ui| {
                        ui.add(egui::TextEdit::singleline(&mut current.path).desired_width(300.0))
                            .labelled_by(label.id);
                        if ui.button("Browse…").clicked() {
                            send(DashboardCommand::BrowseImagePath(PathBuf::from(
                                &current.path,
                            )));
                        }
                    });
                    ui.end_row();
                });
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let idle = !view.image_busy;
                let export = ui.add_enabled(idle, egui::Button::new("Export"));
                let copy = ui
                    .add_enabled(idle, egui::Button::new("Copy image"))
                    .on_hover_text("The PNG, on the clipboard");
                if export.clicked() || copy.clicked() {
                    match current.options() {
                        Ok(mut options) => {
                            current.problem = None;
                            let path = PathBuf::from(current.path.trim());
                            if copy.clicked() {
                                options.format = ImageFormat::Png;
                                send(DashboardCommand::CopyImage(options));
                            } else if path.exists() {
                                current.confirm_replace = Some((path, options));
                            } else {
                                send(DashboardCommand::ExportImage { options, path });
                            }
                        }
                        Err(problem) => current.problem = Some(problem),
                    }
                }
                if view.image_busy {
                    ui.spinner();
                    ui.weak("making the image…");
                }
            });
            if let Some((path, options)) = current.confirm_replace.clone() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{} already exists. Replace it?", path.display()),
                );
                ui.horizontal(|ui| {
                    if ui.button("Replace").clicked() {
                        send(DashboardCommand::ExportImage { options, path });
                        current.confirm_replace = None;
                    }
                    if ui.button("Keep the file").clicked() {
                        current.confirm_replace = None;
                    }
                });
            }
            if let Some(problem) = &current.problem {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
            if let Some((message, failed)) = view.image_outcome {
                if failed {
                    ui.colored_label(ui.visuals().error_fg_color, message);
                } else {
                    ui.label(message);
                }
            }
        });
    if !open {
        *draft = None;
    }
}
