//! Images of what the window draws, made without a window: the same `ui` drawing code run in a
//! headless `egui::Context` ([`draw`]), its tessellated output rasterized on the CPU ([`raster`])
//! and encoded as PNG ([`png`]), or its shape list written as SVG ([`svg`]). [`picture`] lays out
//! a dashboard or one visual for an image; [`provenance`] says what an image shows and where it
//! came from, in the file itself.

pub mod picture;
pub mod png;
pub mod provenance;
pub mod raster;
pub mod svg;

use egui::epaint::ClippedShape;
use egui::{Color32, Context, RawInput, Rect, Ui, Vec2};

pub use raster::{Canvas, Textures, rasterize};

/// The largest texture side a headless frame may use (the font atlas grows with the scale).
const MAX_TEXTURE_SIDE: usize = 16 * 1024;

impl From<crate::model::image::Theme> for egui::Theme {
    fn from(theme: crate::model::image::Theme) -> Self {
        match theme {
            crate::model::image::Theme::Light => Self::Light,
            crate::model::image::Theme::Dark => Self::Dark,
        }
    }
}

/// The frame an image is drawn in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Its size in points.
    pub size: Vec2,
    /// Pixels per point (the scale: 2 for a 2x image).
    pub pixels_per_point: f32,
    /// Light or dark.
    pub theme: egui::Theme,
}

impl Frame {
    /// The image's size in pixels.
    pub fn pixels(&self) -> (usize, usize) {
        let scale = |points: f32| (points * self.pixels_per_point).round().max(1.0) as usize;
        (scale(self.size.x), scale(self.size.y))
    }
}

/// One frame drawn headless: its shapes (for SVG) and what tessellating them needs (for PNG).
pub struct Drawn {
    ctx: Context,
    /// What was drawn, in paint order, in points.
    pub shapes: Vec<ClippedShape>,
    /// The textures the shapes use (the font atlas, images).
    pub textures: Textures,
    /// The frame it was drawn in.
    pub frame: Frame,
}

/// Draws `draw` headless in `frame`, with the bundled fonts and `frame`'s theme; `prepare` may
/// set up the context's memory first (a plot's zoom from the window). Run three times: layouts
/// that size themselves from the previous frame (a plot's axis widths) settle, and every pass's
/// texture changes (the font atlas) are kept. The time is fixed, so nothing animates and the same
/// input gives the same image.
pub fn draw(frame: Frame, prepare: impl FnOnce(&Context), mut draw: impl FnMut(&mut Ui)) -> Drawn {
    let ctx = Context::default();
    crate::ui::fonts::install(&ctx);
    ctx.set_theme(frame.theme);
    ctx.set_pixels_per_point(frame.pixels_per_point);
    ctx.all_styles_mut(|style| style.animation_time = 0.0);
    prepare(&ctx);
    let mut textures = Textures::default();
    let input = || RawInput {
        screen_rect: Some(Rect::from_min_size(egui::Pos2::ZERO, frame.size)),
        time: Some(0.0),
        max_texture_side: Some(MAX_TEXTURE_SIDE),
        ..RawInput::default()
    };
    let mut shapes = Vec::new();
    for _ in 0..3 {
        let mut output = ctx.run_ui(input(), &mut draw);
        textures.apply(std::mem::take(&mut output.textures_delta));
        shapes = output.shapes;
    }
    Drawn {
        ctx,
        shapes,
        textures,
        frame,
    }
}

impl Drawn {
    /// The frame rasterized over `background`, using every core.
    pub fn raster(&self, background: Color32) -> Canvas {
        let ppp = self.frame.pixels_per_point;
        let primitives = self.ctx.tessellate(self.shapes.clone(), ppp);
        let (width, height) = self.frame.pixels();
        let mut canvas = Canvas::new(width, height, background);
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        rasterize(&mut canvas, &primitives, &self.textures, ppp, threads);
        canvas
    }
}

/// Draws one frame of `draw` in a headless context of `size` points at `pixels_per_point` (light
/// theme), and rasterizes it over `background` (the unit tests' shorthand).
#[cfg(test)]
fn render(
    size: Vec2,
    pixels_per_point: f32,
    background: Color32,
    draw_ui: impl FnMut(&mut Ui),
) -> Canvas {
    let frame = Frame {
        size,
        pixels_per_point,
        theme: egui::Theme::Light,
    };
    draw(frame, |_| {}, draw_ui).raster(background)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use egui::epaint::ImageDelta;
    use egui::epaint::{ClippedPrimitive, Mesh, Primitive, Vertex};
    use egui::{ColorImage, Pos2, TextureId, TextureOptions, TexturesDelta};

    /// A texture change as egui sends it.
    fn delta(id: TextureId, change: ImageDelta) -> TexturesDelta {
        let mut delta = TexturesDelta::default();
        delta.set.insert(id, vec![change].into());
        delta
    }

    use super::*;

    fn vertex(x: f32, y: f32, colour: Color32) -> Vertex {
        Vertex {
            pos: Pos2::new(x, y),
            uv: egui::epaint::WHITE_UV,
            color: colour,
        }
    }

    /// A mesh of the given triangles (vertex positions in points), clipped to `clip`.
    fn mesh(triangles: &[[(f32, f32); 3]], colour: Color32, clip: Rect) -> ClippedPrimitive {
        let mut mesh = Mesh::default();
        for triangle in triangles {
            let base = u32::try_from(mesh.vertices.len()).unwrap();
            for (x, y) in triangle {
                mesh.vertices.push(vertex(*x, *y, colour));
            }
            mesh.indices.extend([base, base + 1, base + 2]);
        }
        ClippedPrimitive {
            clip_rect: clip,
            primitive: Primitive::Mesh(mesh),
        }
    }

    fn everything() -> Rect {
        Rect::from_min_max(Pos2::ZERO, Pos2::new(1000.0, 1000.0))
    }

    #[test]
    fn a_shared_edge_is_drawn_once_and_translucent_shapes_blend_over() {
        // A translucent square of two triangles, both windings, the diagonal shared.
        let half = Color32::from_rgba_premultiplied(100, 0, 0, 128);
        let square = mesh(
            &[
                [(2.0, 2.0), (12.0, 2.0), (2.0, 12.0)],
                [(12.0, 2.0), (2.0, 12.0), (12.0, 12.0)],
            ],
            half,
            everything(),
        );
        let white = Color32::WHITE;
        let mut canvas = Canvas::new(16, 16, white);
        rasterize(&mut canvas, &[square], &Textures::default(), 1.0, 1);
        // 100 + 255 * (1 - 128/255) = 227 red; 127 green and blue.
        let once = Color32::from_rgba_premultiplied(227, 127, 127, 255);
        for y in 0..16 {
            for x in 0..16 {
                let inside = (2..12).contains(&x) && (2..12).contains(&y);
                let want = if inside { once } else { white };
                assert_eq!(canvas.pixel(x, y), want, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn pixel_centres_on_an_edge_go_to_the_top_and_left_edges_as_on_a_gpu() {
        // Pixel centres lie exactly on all four sides of this square.
        let square = mesh(
            &[
                [(2.5, 2.5), (6.5, 2.5), (2.5, 6.5)],
                [(6.5, 2.5), (6.5, 6.5), (2.5, 6.5)],
            ],
            Color32::RED,
            everything(),
        );
        let mut canvas = Canvas::new(10, 10, Color32::BLACK);
        rasterize(&mut canvas, &[square], &Textures::default(), 1.0, 1);
        for y in 0..10 {
            for x in 0..10 {
                let inside = (2..6).contains(&x) && (2..6).contains(&y);
                let want = if inside { Color32::RED } else { Color32::BLACK };
                assert_eq!(canvas.pixel(x, y), want, "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn clip_rectangles_bands_and_scale_are_honoured() {
        let red = Color32::from_rgb(200, 10, 10);
        let clip = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(5.0, 20.0));
        let cover = || mesh(&[[(0.0, 0.0), (40.0, 0.0), (0.0, 40.0)]], red, clip);
        let mut one = Canvas::new(20, 20, Color32::BLACK);
        rasterize(&mut one, &[cover()], &Textures::default(), 2.0, 1);
        // Clipped at 5 points = 10 pixels at 2 pixels per point.
        assert_eq!(one.pixel(9, 0), red);
        assert_eq!(one.pixel(10, 0), Color32::BLACK);
        // Bands of rows drawn apart give the same image.
        let mut banded = Canvas::new(20, 20, Color32::BLACK);
        rasterize(&mut banded, &[cover()], &Textures::default(), 2.0, 7);
        assert_eq!(one, banded);
    }

    #[test]
    fn textures_are_sampled_as_uploaded_and_patched() {
        let id = TextureId::User(7);
        let colours = [Color32::RED, Color32::GREEN, Color32::BLUE, Color32::WHITE];
        let image = ColorImage::new([2, 2], colours.to_vec());
        let mut textures = Textures::default();
        textures.apply(delta(id, ImageDelta::full(image, TextureOptions::NEAREST)));
        let mut quad = Mesh::with_texture(id);
        quad.add_rect_with_uv(
            Rect::from_min_max(Pos2::ZERO, Pos2::new(4.0, 4.0)),
            Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
            Color32::WHITE,
        );
        let primitive = || ClippedPrimitive {
            clip_rect: everything(),
            primitive: Primitive::Mesh(quad.clone()),
        };
        let mut canvas = Canvas::new(4, 4, Color32::BLACK);
        rasterize(&mut canvas, &[primitive()], &textures, 1.0, 2);
        assert_eq!(
            [(0, 0), (3, 0), (0, 3), (3, 3)].map(|(x, y)| canvas.pixel(x, y)),
            colours
        );
        // A patch replaces part of the texture (the font atlas grows this way).
        textures.apply(delta(
            id,
            ImageDelta::partial(
                [1, 1],
                ColorImage::new([1, 1], vec![Color32::YELLOW]),
                TextureOptions::NEAREST,
            ),
        ));
        rasterize(&mut canvas, &[primitive()], &textures, 1.0, 2);
        assert_eq!(canvas.pixel(3, 3), Color32::YELLOW);
    }

    #[test]
    fn a_headless_frame_of_ui_code_becomes_an_image_with_its_text() {
        let background = Color32::from_rgb(250, 250, 250);
        let fill = Color32::from_rgb(30, 90, 200);
        let canvas = render(Vec2::new(200.0, 100.0), 2.0, background, |ui| {
            ui.painter().rect_filled(
                Rect::from_min_max(Pos2::new(10.0, 10.0), Pos2::new(60.0, 40.0)),
                0.0,
                fill,
            );
            ui.painter().text(
                Pos2::new(100.0, 70.0),
                egui::Align2::CENTER_CENTER,
                "Revenue",
                egui::FontId::proportional(20.0),
                Color32::BLACK,
            );
        });
        assert_eq!(
            (canvas.width, canvas.height),
            (400, 200),
            "2 pixels a point"
        );
        assert_eq!(canvas.pixel(70, 50), fill, "the rectangle, at 2x");
        assert_eq!(canvas.pixel(5, 5), background);
        // The text: dark glyph pixels around its centre, none far from it.
        let dark = |x0: usize, x1: usize, y0: usize, y1: usize| {
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| canvas.pixel(x, y).r() < 100)
                .count()
        };
        assert!(dark(120, 280, 120, 160) > 100, "the word is drawn");
        assert_eq!(dark(300, 400, 0, 100), 0);
    }

    #[test]
    fn cjk_and_symbols_are_drawn_with_the_bundled_fonts_not_as_boxes() {
        let draw = |text: &'static str| {
            render(Vec2::new(120.0, 40.0), 1.0, Color32::WHITE, move |ui| {
                ui.painter().text(
                    Pos2::new(60.0, 20.0),
                    egui::Align2::CENTER_CENTER,
                    text,
                    egui::FontId::proportional(24.0),
                    Color32::BLACK,
                );
            })
        };
        let ink = |canvas: &Canvas| -> Vec<bool> {
            (0..canvas.height)
                .flat_map(|y| (0..canvas.width).map(move |x| (x, y)))
                .map(|(x, y)| canvas.pixel(x, y).r() < 128)
                .collect()
        };
        // A character no font has is drawn as egui's replacement box.
        let missing = ink(&draw("\u{10FFFD}"));
        assert!(missing.iter().any(|p| *p));
        // CJK (Droid Sans Fallback), the KPI's arrows and the note's sign (DejaVu Sans).
        for text in ["売", "▲", "▼", "ℹ"] {
            let drawn = ink(&draw(text));
            assert!(drawn.iter().filter(|p| **p).count() > 5, "{text} is drawn");
            assert!(drawn != missing, "{text} is drawn as the replacement box");
        }
    }
}
