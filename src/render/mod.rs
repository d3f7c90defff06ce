//! Images of what the window draws, made without a window: the same `ui` drawing code run in a
//! headless `egui::Context`, its tessellated output rasterized on the CPU ([`raster`]).
//!
//! This is the start of image export (PNG and SVG, from the window and `lakesight export`); so far
//! the rasterizer and the headless frame.

pub mod png;
pub mod raster;

use egui::{Color32, Context, RawInput, Rect, Ui, Vec2};

pub use raster::{Canvas, Textures, rasterize};

/// Draws one frame of `draw` in a headless context of `size` points at `pixels_per_point`, and
/// rasterizes it over `background`. Run twice: layouts that size themselves from the previous
/// frame (plots' axis widths) settle on the second pass, and every pass's texture changes (the
/// font atlas) are kept.
pub fn render(
    size: Vec2,
    pixels_per_point: f32,
    background: Color32,
    mut draw: impl FnMut(&mut Ui),
) -> Canvas {
    let ctx = Context::default();
    ctx.set_pixels_per_point(pixels_per_point);
    let mut textures = Textures::default();
    let input = || RawInput {
        screen_rect: Some(Rect::from_min_size(egui::Pos2::ZERO, size)),
        // A fixed time: nothing animates, the same input gives the same image.
        time: Some(0.0),
        ..RawInput::default()
    };
    let mut output = ctx.run_ui(input(), &mut draw);
    textures.apply(std::mem::take(&mut output.textures_delta));
    for _ in 0..2 {
        output = ctx.run_ui(input(), &mut draw);
        textures.apply(std::mem::take(&mut output.textures_delta));
    }
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    let width = (size.x * output.pixels_per_point).round().max(0.0) as usize;
    let height = (size.y * output.pixels_per_point).round().max(0.0) as usize;
    let mut canvas = Canvas::new(width, height, background);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    rasterize(
        &mut canvas,
        &primitives,
        &textures,
        output.pixels_per_point,
        threads,
    );
    canvas
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
}
