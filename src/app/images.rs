//! Images from the window: "Export image…", "Export dashboard image…" and "Copy image". The
//! dashboard's state is frozen into a [`Picture`] on the UI thread (the tiles' data are shared,
//! not copied) together with the window's view state of its visuals (charts' zoom, tables' sort);
//! the image is drawn and encoded on a blocking thread and the file written atomically, so the
//! window stays responsive and a file appears whole or not at all.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::Utc;

use super::LakesightApp;
use crate::command::DashboardId;
use crate::jobs::{JobLost, Slot};
use crate::model::atomic_file::write_atomically;
use crate::model::image::ImageOptions;
use crate::render::picture::Picture;

/// What a finished image job gives.
enum Done {
    /// A file was written.
    Written {
        path: PathBuf,
        width: usize,
        height: usize,
        bytes: usize,
    },
    /// An image for the clipboard.
    Copied(egui::ColorImage),
}

/// The window's image jobs, one per dashboard at a time.
pub(super) struct Images {
    ctx: egui::Context,
    runs: HashMap<DashboardId, Slot<Result<Done, String>>>,
    outcomes: HashMap<DashboardId, (String, bool)>,
    browsing: Slot<(DashboardId, Option<PathBuf>)>,
}

impl Images {
    /// Image jobs for the window of `ctx` (where copied images go).
    pub fn new(ctx: egui::Context) -> Self {
        Self {
            ctx,
            runs: HashMap::new(),
            outcomes: HashMap::new(),
            browsing: Slot::default(),
        }
    }

    /// Whether an image of dashboard `id` is being made.
    pub fn is_busy(&self, id: DashboardId) -> bool {
        self.runs.get(&id).is_some_and(Slot::is_busy)
    }

    /// The last image's outcome for dashboard `id`, and whether it failed.
    pub fn outcome(&self, id: DashboardId) -> Option<(&str, bool)> {
        self.outcomes
            .get(&id)
            .map(|(message, failed)| (message.as_str(), *failed))
    }
}

impl LakesightApp {
    /// Dashboard `id` as it is on screen now, frozen for an image.
    fn picture(&self, id: DashboardId) -> Option<Picture> {
        let runtime = self.dashboards.get(&id)?;
        let dashboard = runtime.dashboard().clone();
        let window = match &runtime.window {
            Some(window) => (window.from, window.to),
            None => runtime.range.resolve(Utc::now()),
        };
        let alerts = dashboard
            .alerts
            .iter()
            .filter_map(|rule| {
                let state = runtime.alerts.state(&rule.id)?;
                Some((rule.id.clone(), (state.state, state.since)))
            })
            .collect();
        // The visuals' zoom and sort, copied off the window's memory now (not read later from
        // another thread while the window changes them).
        let view_state = egui::Context::default();
        let ids = dashboard.visual_ids();
        crate::ui::visuals::carry_view_state(
            &self.images.ctx,
            &view_state,
            crate::ui::dashboard::view_scope(id),
            &ids,
        );
        Some(Picture {
            origin: runtime.source.clone(),
            lake: self.engine.as_ref().map(|e| e.lake().spec.to_string()),
            range: runtime.range,
            window,
            params: runtime.params.clone(),
            tiles: runtime
                .tiles
                .iter()
                .map(|(id, tile)| (id.clone(), tile.view.clone()))
                .collect(),
            sql: runtime
                .tiles
                .iter()
                .filter_map(|(id, tile)| Some((id.clone(), tile.sql.clone()?)))
                .collect(),
            alerts,
            data_as_of: runtime.data_as_of,
            id,
            view_state: Some(view_state),
            dashboard,
        })
    }

    /// Writes an image of dashboard `id` to `path` in the background.
    pub(super) fn export_image(&mut self, id: DashboardId, options: ImageOptions, path: PathBuf) {
        if path.as_os_str().is_empty() {
            self.images
                .outcomes
                .insert(id, ("choose a file to write".to_owned(), true));
            return;
        }
        let Some(picture) = self.picture(id) else {
            return;
        };
        let job = self.jobs.spawn_blocking(move || {
            let bytes = picture.encode(&options, Utc::now())?;
            write_atomically(&path, &bytes)
                .map_err(|err| format!("could not write {}: {err}", path.display()))?;
            let (width, height) = picture.frame(&options)?.pixels();
            Ok(Done::Written {
                path,
                width,
                height,
                bytes: bytes.len(),
            })
        });
        self.images.outcomes.remove(&id);
        self.images.runs.entry(id).or_default().start(job);
    }

    /// Puts a PNG of dashboard `id` (or one visual) on the clipboard, made in the background.
    pub(super) fn copy_image(&mut self, id: DashboardId, options: ImageOptions) {
        let Some(picture) = self.picture(id) else {
            return;
        };
        let job = self.jobs.spawn_blocking(move || {
            let drawn = picture.draw(&options)?;
            let canvas = drawn.raster(egui::Color32::TRANSPARENT);
            Ok(Done::Copied(egui::ColorImage::new(
                [canvas.width, canvas.height],
                canvas.pixels,
            )))
        });
        self.images.outcomes.remove(&id);
        self.images.runs.entry(id).or_default().start(job);
    }

    /// Opens the save dialog for dashboard `id`'s image file, starting at `current`.
    pub(super) fn browse_image_path(&mut self, id: DashboardId, current: &std::path::Path) {
        let mut dialog = rfd::AsyncFileDialog::new().set_title("Export image");
        if let Some(folder) = current.parent() {
            dialog = dialog.set_directory(folder);
        }
        if let Some(name) = current.file_name() {
            dialog = dialog.set_file_name(name.to_string_lossy());
        }
        let dialog = dialog.save_file();
        self.images.browsing.start(
            self.jobs
                .spawn(async move { (id, dialog.await.map(|h| h.path().to_path_buf())) }),
        );
    }

    /// Takes finished image jobs: a file's outcome, a picture for the clipboard, a chosen path.
    pub(super) fn drain_images(&mut self) {
        if let Some(picked) = self.images.browsing.take_ready() {
            match picked {
                Ok((id, Some(path))) => {
                    if let Some(draft) = self
                        .panels
                        .dashboards
                        .get_mut(&id)
                        .and_then(|p| p.image_draft.as_mut())
                    {
                        draft.path = path.display().to_string();
                    }
                }
                Ok((_, None)) => {}
                Err(JobLost(message)) => self.status = Some(message),
            }
        }
        let mut finished = Vec::new();
        for (id, run) in &mut self.images.runs {
            if let Some(done) = run.take_ready() {
                finished.push((*id, done.map_err(|lost| lost.0).and_then(|r| r)));
            }
        }
        for (id, done) in finished {
            let outcome = match done {
                Ok(Done::Written {
                    path,
                    width,
                    height,
                    bytes,
                }) => (
                    format!(
                        "Wrote {} ({width}x{height} pixels, {} KiB)",
                        path.display(),
                        bytes.div_ceil(1024)
                    ),
                    false,
                ),
                Ok(Done::Copied(image)) => {
                    let [width, height] = image.size;
                    self.images.ctx.copy_image(image);
                    (
                        format!("Copied a {width}x{height} image to the clipboard"),
                        false,
                    )
                }
                Err(message) => (message, true),
            };
            self.status = Some(outcome.0.clone());
            self.images.outcomes.insert(id, outcome);
        }
    }
}
