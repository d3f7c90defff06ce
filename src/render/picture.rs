//! A dashboard's state frozen for an image ([`Picture`]: the file, the range, the parameters,
//! each tile's data or error, the alerts' states) and how to make an image of it
//! ([`ImageOptions`]: the whole dashboard or one visual, PNG or SVG, the scale or a pixel size,
//! the theme, the footer and provenance). The window and `lakesight export` both build a
//! `Picture` and call [`Picture::encode`], so both make the same file.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::provenance::Provenance;
use super::{Drawn, Frame};
use crate::alert::AlertState;
use crate::model::dashboard::{Dashboard, DashboardSource, ParamValue, TimeRange, Visual};
pub use crate::ui::dashboard::TileView;
use crate::ui::dashboard::{
    AlertView, DashboardView, ImageContent, dashboard_image_ui, image_size, view_scope,
    visual_image_ui,
};
use crate::ui::visuals::carry_view_state;

pub use crate::model::image::{
    ImageFormat, ImageOptions, ImageSize, MAX_PIXELS, MAX_SCALE, MAX_SIDE, MIN_SIDE, Theme,
};

/// A dashboard's state, frozen for an image.
#[derive(Clone, Debug)]
pub struct Picture {
    /// The dashboard.
    pub dashboard: Dashboard,
    /// Its file or built-in name.
    pub origin: DashboardSource,
    /// The lake read, as the user named it.
    pub lake: Option<String>,
    /// The range shown.
    pub range: TimeRange,
    /// The instants the range covered.
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// Param values set (others are the file's defaults).
    pub params: HashMap<String, Option<ParamValue>>,
    /// Each visual's tile, by id.
    pub tiles: HashMap<String, TileView>,
    /// Each visual's SQL as run (macros expanded), by id.
    pub sql: HashMap<String, String>,
    /// Each alert rule's state and since when, by rule id.
    pub alerts: HashMap<String, (AlertState, DateTime<Utc>)>,
    /// When the data was read.
    pub data_as_of: Option<DateTime<Utc>>,
    /// The window's dashboard id (its visuals keep their view state under it).
    pub id: crate::command::DashboardId,
    /// A context holding the window's view state of the visuals (charts' zoom, tables' sort),
    /// copied into the image's, so the image shows the view on screen.
    pub view_state: Option<egui::Context>,
}

impl Picture {
    /// The visual `options` asks for, or why there is none.
    fn content(&self, options: &ImageOptions) -> Result<Option<&Visual>, String> {
        match &options.visual {
            None => Ok(None),
            Some(id) => self.dashboard.visual(id).map(Some).ok_or_else(|| {
                format!(
                    "no visual `{id}` in the dashboard; visuals: {}",
                    self.dashboard.visual_ids().join(", ")
                )
            }),
        }
    }

    /// The frame an image of `options` is drawn in, or why it cannot be.
    pub fn frame(&self, options: &ImageOptions) -> Result<Frame, String> {
        frame_for(&self.dashboard, options)
    }

    /// The dashboard view an image draws from.
    fn view(&self) -> DashboardView<'_> {
        DashboardView {
            id: self.id,
            dashboard: &self.dashboard,
            source: &self.origin,
            range: self.range,
            window: Some(self.window),
            elsewhere: None,
            params: &self.params,
            options: &EMPTY_OPTIONS,
            tiles: self.tiles.iter().map(|(id, t)| (id.as_str(), t)).collect(),
            data_as_of: self.data_as_of,
            cluster: None,
            attached: true,
            editing: false,
            selected: None,
            dirty: false,
            saving: false,
            can_undo: false,
            disk_changed: false,
            problem: None,
            alerts: self
                .dashboard
                .alerts
                .iter()
                .filter_map(|rule| {
                    let (state, since) = *self.alerts.get(&rule.id)?;
                    Some(AlertView { rule, state, since })
                })
                .collect(),
            alert_history: Vec::new(),
            freshness: None,
            live_problem: None,
            printing: true,
            dark: false,
            image_busy: false,
            image_outcome: None,
            untrusted: None,
        }
    }

    /// Draws the image `options` asks for, headless.
    pub fn draw(&self, options: &ImageOptions) -> Result<Drawn, String> {
        let frame = self.frame(options)?;
        let visual = self.content(options)?;
        let view = self.view();
        let prepare = |ctx: &egui::Context| {
            if let Some(window) = &self.view_state {
                let ids = self.dashboard.visual_ids();
                carry_view_state(window, ctx, view_scope(self.id), &ids);
            }
        };
        Ok(super::draw(frame, prepare, |ui| match visual {
            Some(visual) => visual_image_ui(ui, &view, visual, options.footer),
            None => dashboard_image_ui(ui, &view, options.footer),
        }))
    }

    /// What the file says about itself.
    pub fn provenance(&self, options: &ImageOptions, created: DateTime<Utc>) -> Provenance {
        let visual = options
            .visual
            .as_deref()
            .and_then(|id| self.dashboard.visual(id));
        let title = match visual {
            Some(visual) => format!(
                "{} — {}",
                self.dashboard.title,
                crate::ui::dashboard::visual_title(visual)
            ),
            None => self.dashboard.title.clone(),
        };
        let shown: Vec<&Visual> = match visual {
            Some(visual) => vec![visual],
            None => self.dashboard.visuals.iter().collect(),
        };
        let visuals: Vec<Value> = shown
            .iter()
            .map(|visual| {
                let mut entry = Map::new();
                entry.insert("id".into(), json!(visual.id));
                entry.insert("title".into(), json!(visual.title));
                if options.provenance
                    && let Some(sql) = self.sql.get(&visual.id)
                {
                    entry.insert("sql".into(), json!(sql));
                }
                if let Some(error) = self.tiles.get(&visual.id).and_then(|t| t.error.as_ref()) {
                    entry.insert("error".into(), json!(error));
                }
                Value::Object(entry)
            })
            .collect();
        let zone = self.dashboard.timezone;
        let params: Map<String, Value> = self
            .dashboard
            .params
            .iter()
            .map(|param| {
                let value = match self.params.get(&param.name) {
                    Some(value) => value.clone(),
                    None => param.default.clone(),
                };
                (
                    param.name.clone(),
                    value.map_or(Value::Null, |v| json!(v.to_string())),
                )
            })
            .collect();
        let mut description = Map::new();
        description.insert("dashboard".into(), json!(self.dashboard.title));
        if let DashboardSource::File(path) = &self.origin {
            description.insert("file".into(), json!(path.display().to_string()));
        }
        description.insert("visual".into(), json!(options.visual));
        description.insert("visuals".into(), Value::Array(visuals));
        if options.provenance {
            description.insert("source".into(), json!(self.lake));
        }
        description.insert(
            "time_range".into(),
            json!({
                "range": self.range.to_string(),
                "from": self.window.0.to_rfc3339(),
                "to": self.window.1.to_rfc3339(),
                "timezone": zone.to_string(),
            }),
        );
        description.insert("parameters".into(), Value::Object(params));
        description.insert(
            "data_as_of".into(),
            json!(self.data_as_of.map(|at| at.to_rfc3339())),
        );
        description.insert("software".into(), json!(Provenance::software_name()));
        Provenance {
            title,
            software: Provenance::software_name(),
            created,
            source: self.lake.clone().filter(|_| options.provenance),
            description: Value::Object(description),
        }
    }

    /// The image file's bytes.
    pub fn encode(
        &self,
        options: &ImageOptions,
        created: DateTime<Utc>,
    ) -> Result<Vec<u8>, String> {
        let drawn = self.draw(options)?;
        let provenance = self.provenance(options, created);
        match options.format {
            ImageFormat::Png => {
                let canvas = drawn.raster(egui::Color32::TRANSPARENT);
                super::png::encode(
                    &canvas,
                    drawn.frame.pixels_per_point,
                    &provenance.png_chunks(),
                )
            }
            ImageFormat::Svg => Ok(super::svg::encode(&drawn, &provenance).into_bytes()),
        }
    }

    /// The visuals whose tiles show an error.
    pub fn failed(&self, options: &ImageOptions) -> Vec<&str> {
        self.dashboard
            .visuals
            .iter()
            .filter(|v| options.visual.as_ref().is_none_or(|id| *id == v.id))
            .filter(|v| self.tiles.get(&v.id).is_some_and(|t| t.error.is_some()))
            .map(|v| v.id.as_str())
            .collect()
    }
}

static EMPTY_OPTIONS: std::sync::LazyLock<HashMap<String, Vec<String>>> =
    std::sync::LazyLock::new(HashMap::new);

/// The frame an image of `options` of `dashboard` is drawn in (it depends on the layout only, not
/// on data, so a size can be refused before any query runs), or why it cannot be.
pub fn frame_for(dashboard: &Dashboard, options: &ImageOptions) -> Result<Frame, String> {
    let visual = match &options.visual {
        None => None,
        Some(id) => Some(dashboard.visual(id).ok_or_else(|| {
            format!(
                "no visual `{id}` in the dashboard; visuals: {}",
                dashboard.visual_ids().join(", ")
            )
        })?),
    };
    let content = visual.map_or(ImageContent::Dashboard, ImageContent::Visual);
    // A dashboard is always laid out as the window's 1600-point page, and a width in pixels
    // scales it (nothing is laid out again, no label lost); one visual is laid out at the size
    // asked for, as a tile of that size draws in the window.
    let natural = image_size(dashboard, content, None, options.footer);
    let (mut size, pixels_per_point) = match (options.size, visual) {
        (ImageSize::Scale(scale), _) => {
            if !(scale > 0.0 && scale <= MAX_SCALE) {
                return Err(format!("the scale must be above 0 and at most {MAX_SCALE}"));
            }
            (natural, scale)
        }
        (ImageSize::Pixels { width, height }, None) => {
            let scale = width as f32 / natural.x;
            if let Some(height) = height {
                let needed = (natural.y * scale).ceil();
                if (height as f32) < needed {
                    return Err(format!(
                        "the dashboard needs {needed} pixels of height at this width; leave the \
                         height out to fit it"
                    ));
                }
            }
            (natural, scale)
        }
        (ImageSize::Pixels { width, .. }, Some(_)) => (
            image_size(dashboard, content, Some(width as f32), options.footer),
            1.0,
        ),
    };
    if let (
        ImageSize::Pixels {
            height: Some(height),
            ..
        },
        _,
    ) = (options.size, visual)
    {
        size.y = height as f32 / pixels_per_point;
    }
    let frame = Frame {
        size,
        pixels_per_point,
        theme: options.theme.into(),
    };
    let (w, h) = frame.pixels();
    for (side, name) in [(w, "wide"), (h, "high")] {
        if side > MAX_SIDE as usize || side < MIN_SIDE as usize {
            return Err(format!(
                "the image would be {side} pixels {name}; it must be {MIN_SIDE} to {MAX_SIDE}"
            ));
        }
    }
    let pixels = (w as u64) * (h as u64);
    if pixels > MAX_PIXELS {
        return Err(format!(
            "the image would be {w}x{h} pixels ({:.0} megapixels); at most {} megapixels are drawn: lower the scale or the width",
            pixels as f64 / 1e6,
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(frame)
}
