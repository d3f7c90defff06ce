//! A window with one tile of each dashboard visual kind (and a 10,000,000-point line), drawn from
//! in-memory arrow batches through `series::visual::prepare` and `ui::visuals::draw`: the place
//! to look at the visuals. `GALLERY_THEME=light` for the light theme.
//!
//! `cargo run --example visual_gallery`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::doc_markdown,
    missing_docs
)]

#[path = "common/tiles.rs"]
mod tiles;

use lakesight::model::dashboard::Timezone;
use lakesight::ui::visuals::VisualStyle;

struct Gallery {
    tiles: Vec<tiles::Tile>,
    style: VisualStyle,
    clicked: Option<String>,
}

impl eframe::App for Gallery {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Visual gallery");
                ui.weak(format!(
                    "clicked: {}",
                    self.clicked.as_deref().unwrap_or("–")
                ));
            });
            if let Some(clicked) = tiles::grid_ui(ui, &self.tiles, 4, &self.style) {
                self.clicked = Some(clicked);
            }
        });
    }
}

fn main() -> eframe::Result {
    let light = std::env::var("GALLERY_THEME").is_ok_and(|t| t == "light");
    let tiles = tiles::tiles();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1600.0, 1000.0])
            .with_position([0.0, 0.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Lakesight visual gallery",
        options,
        Box::new(move |cc| {
            cc.egui_ctx.set_theme(if light {
                egui::Theme::Light
            } else {
                egui::Theme::Dark
            });
            Ok(Box::new(Gallery {
                tiles,
                style: VisualStyle::new(Timezone::Utc),
                clicked: None,
            }))
        }),
    )
}
