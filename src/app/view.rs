//! The window's look: theme and zoom (the user's choice, and egui's own Ctrl+Plus/Minus keys),
//! and the title naming the lake (sent only when it changes).

use crate::engine::Engine;

use super::state::AppState;

/// The zoom range offered.
pub const MIN_ZOOM: f32 = 0.5;
/// The zoom range offered.
pub const MAX_ZOOM: f32 = 3.0;

/// What was last applied to the window.
pub struct ViewState {
    /// The window title last sent.
    window_title: String,
    /// The theme choice last applied (`None`: follow the system).
    applied_theme: Option<bool>,
    /// The context's zoom at the end of the last frame.
    seen_zoom: f32,
}

impl ViewState {
    /// Applies the remembered theme and zoom to a new window.
    pub fn start(ctx: &egui::Context, state: &mut AppState) -> Self {
        apply_theme(ctx, state.dark_mode);
        state.zoom = state.zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        ctx.set_zoom_factor(state.zoom);
        Self {
            window_title: String::new(),
            applied_theme: state.dark_mode,
            seen_zoom: state.zoom,
        }
    }

    /// Applies theme and zoom changes after a frame.
    pub fn apply(&mut self, ctx: &egui::Context, state: &mut AppState) {
        if self.applied_theme != state.dark_mode {
            apply_theme(ctx, state.dark_mode);
            self.applied_theme = state.dark_mode;
        }
        // A new zoom in the context (egui's keyboard shortcut, or ours landing a frame after we
        // asked) is the zoom now; otherwise ask for the one chosen in the View menu.
        let zoom = ctx.zoom_factor();
        if (zoom - self.seen_zoom).abs() > f32::EPSILON {
            state.zoom = zoom;
        } else if (zoom - state.zoom).abs() > f32::EPSILON {
            ctx.set_zoom_factor(state.zoom);
        }
        self.seen_zoom = zoom;
    }

    /// Names the attached lake in the window title.
    pub fn set_title(&mut self, ctx: &egui::Context, engine: Option<&Engine>) {
        let title = match engine {
            Some(engine) => format!("Lakesight — {}", engine.lake().spec),
            None => "Lakesight".to_owned(),
        };
        // Only on change: a viewport command every frame would be work on the hot path.
        if title != self.window_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
    }
}

/// The zoom one step in `step`'s direction (0: back to 100%).
pub fn zoomed(zoom: f32, step: i8) -> f32 {
    if step == 0 {
        1.0
    } else {
        (zoom + 0.1 * f32::from(step)).clamp(MIN_ZOOM, MAX_ZOOM)
    }
}

/// Light, dark, or following the system (`None`).
fn apply_theme(ctx: &egui::Context, dark_mode: Option<bool>) {
    ctx.set_theme(match dark_mode {
        None => egui::ThemePreference::System,
        Some(true) => egui::ThemePreference::Dark,
        Some(false) => egui::ThemePreference::Light,
    });
}
