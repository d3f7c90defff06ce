//! A busy indicator that animates at 20 frames per second. egui's spinner asks for a new frame
//! every frame, which keeps a core busy (and, without vsync, spins as fast as it can) for as long
//! as a query runs: CPU the query itself needs.

use std::time::Duration;

use egui::{Pos2, Sense, Shape, Stroke, lerp, vec2};

/// Time between the indicator's frames.
const FRAME: Duration = Duration::from_millis(50);

/// Draws the indicator.
pub fn busy_ui(ui: &mut egui::Ui) -> egui::Response {
    let size = ui.style().spacing.interact_size.y;
    let (rect, response) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.ctx().request_repaint_after(FRAME);
        let time = ui.input(|i| i.time);
        let start = time * std::f64::consts::TAU;
        let end = start + 240_f64.to_radians() * time.sin();
        let radius = rect.height() * 0.5 - 2.0;
        let points: Vec<Pos2> = (0..16)
            .map(|i| {
                let angle = lerp(start..=end, f64::from(i) / 16.0);
                let (sin, cos) = angle.sin_cos();
                rect.center() + radius * vec2(cos as f32, sin as f32)
            })
            .collect();
        let colour = ui.visuals().strong_text_color();
        ui.painter()
            .add(Shape::line(points, Stroke::new(3.0, colour)));
    }
    response
}
