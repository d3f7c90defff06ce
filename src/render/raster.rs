//! A CPU rasterizer for egui's tessellated output: what the GPU does with a frame's meshes,
//! done in memory, so a dashboard drawn by the window's own code becomes an image with no display
//! and no GPU.
//!
//! It follows egui's renderers: vertex colours and textures are premultiplied sRGBA (gamma
//! space), a fragment is the vertex colour times the texture sample, and blending is
//! premultiplied "over" (`dst = src + dst * (1 - src.a)`) in gamma space, with clip rectangles
//! rounded to whole pixels. Triangles are filled by the top-left rule on vertices snapped to
//! 1/256 of a pixel, with exact integer edge functions, so an edge two triangles share is drawn
//! exactly once (a seam would show as a darker line through every translucent shape). The
//! image is cut into bands of rows rasterized on every core.

use std::collections::HashMap;

use egui::epaint::{ClippedPrimitive, Primitive, TextureId, Vertex};
use egui::{Color32, TextureFilter, TexturesDelta};

/// Sub-pixel steps per pixel for vertex positions (8 bits, as GPUs use).
const SUBPIXEL: i64 = 256;

/// An image: premultiplied sRGBA pixels, row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<Color32>,
}

impl Canvas {
    /// A canvas of `width` x `height` filled with `background`.
    pub fn new(width: usize, height: usize, background: Color32) -> Self {
        Self {
            width,
            height,
            pixels: vec![background; width * height],
        }
    }

    /// The pixel at column `x`, row `y`.
    pub fn pixel(&self, x: usize, y: usize) -> Color32 {
        self.pixels[y * self.width + x]
    }
}

/// One texture as egui uploaded it.
#[derive(Clone, Debug)]
struct Texture {
    width: usize,
    height: usize,
    pixels: Vec<Color32>,
    magnification: TextureFilter,
}

/// The textures of a headless context (the font atlas, images), kept up to date from each
/// frame's [`TexturesDelta`].
#[derive(Clone, Debug, Default)]
pub struct Textures {
    textures: HashMap<TextureId, Texture>,
}

impl Textures {
    /// Applies a frame's texture changes: new textures, patches (the font atlas grows as glyphs
    /// are used), and freed ones.
    pub fn apply(&mut self, mut delta: TexturesDelta) {
        for (id, change) in delta
            .set
            .iter()
            .flat_map(|(id, changes)| changes.iter().map(move |c| (id, c)))
        {
            let egui::ImageData::Color(image) = &change.image;
            let [width, height] = image.size;
            match change.pos {
                None => {
                    self.textures.insert(
                        *id,
                        Texture {
                            width,
                            height,
                            pixels: image.pixels.clone(),
                            magnification: change.options.magnification,
                        },
                    );
                }
                Some([x0, y0]) => {
                    let Some(texture) = self.textures.get_mut(id) else {
                        continue;
                    };
                    for y in 0..height.min(texture.height.saturating_sub(y0)) {
                        for x in 0..width.min(texture.width.saturating_sub(x0)) {
                            texture.pixels[(y0 + y) * texture.width + x0 + x] =
                                image.pixels[y * width + x];
                        }
                    }
                }
            }
        }
        for id in &delta.free {
            self.textures.remove(id);
        }
        // Applied: egui checks that no frame's changes are dropped unhandled.
        delta.clear();
    }

    /// Sets texture `id` to `image`, sampled with `magnification` (to draw a frame whose texture
    /// changes were not all seen, such as a window's, with its context's font atlas).
    pub fn insert(
        &mut self,
        id: TextureId,
        image: &egui::ColorImage,
        magnification: TextureFilter,
    ) {
        let [width, height] = image.size;
        self.textures.insert(
            id,
            Texture {
                width,
                height,
                pixels: image.pixels.clone(),
                magnification,
            },
        );
    }

    fn get(&self, id: TextureId) -> Option<&Texture> {
        self.textures
            .get(&id)
            .filter(|t| t.width > 0 && t.height > 0)
    }
}

impl Texture {
    /// The colour at `uv` (0..1), as egui's renderers sample it.
    fn sample(&self, uv: [f32; 2]) -> [f32; 4] {
        let (width, height) = (self.width, self.height);
        let texel = |column: isize, row: isize| {
            let column = column.clamp(0, width as isize - 1) as usize;
            let row = row.clamp(0, height as isize - 1) as usize;
            let colour = self.pixels[row * width + column];
            [
                f32::from(colour.r()),
                f32::from(colour.g()),
                f32::from(colour.b()),
                f32::from(colour.a()),
            ]
        };
        // Texel centres are at half steps.
        let (column, row) = (uv[0] * width as f32 - 0.5, uv[1] * height as f32 - 0.5);
        match self.magnification {
            TextureFilter::Nearest => texel(
                (column + 0.5).floor() as isize,
                (row + 0.5).floor() as isize,
            ),
            TextureFilter::Linear => {
                let (left, top) = (column.floor(), row.floor());
                let (across, down) = (column - left, row - top);
                let (left, top) = (left as isize, top as isize);
                let (a, b) = (texel(left, top), texel(left + 1, top));
                let (c, d) = (texel(left, top + 1), texel(left + 1, top + 1));
                let mut out = [0.0; 4];
                for i in 0..4 {
                    let above = a[i] + (b[i] - a[i]) * across;
                    let below = c[i] + (d[i] - c[i]) * across;
                    out[i] = above + (below - above) * down;
                }
                out
            }
        }
    }
}

/// Draws `primitives` (from `Context::tessellate` at `pixels_per_point`) over `canvas`, in order,
/// on up to `threads` threads.
pub fn rasterize(
    canvas: &mut Canvas,
    primitives: &[ClippedPrimitive],
    textures: &Textures,
    pixels_per_point: f32,
    threads: usize,
) {
    let (width, height) = (canvas.width, canvas.height);
    if width == 0 || height == 0 {
        return;
    }
    let rows_per_band = height.div_ceil(threads.max(1));
    std::thread::scope(|scope| {
        for (band, pixels) in canvas.pixels.chunks_mut(rows_per_band * width).enumerate() {
            let first_row = band * rows_per_band;
            let rows = pixels.len() / width;
            let mut band = Band {
                pixels,
                width,
                first_row,
                rows,
            };
            scope.spawn(move || {
                for primitive in primitives {
                    band.draw(primitive, textures, pixels_per_point);
                }
            });
        }
    });
}

/// Some rows of the canvas, drawn by one thread.
struct Band<'a> {
    pixels: &'a mut [Color32],
    width: usize,
    first_row: usize,
    rows: usize,
}

impl Band<'_> {
    fn draw(&mut self, primitive: &ClippedPrimitive, textures: &Textures, pixels_per_point: f32) {
        let Primitive::Mesh(mesh) = &primitive.primitive else {
            return; // Paint callbacks draw with a GPU; nothing of Lakesight uses them.
        };
        // The clip rectangle in whole pixels, as egui's renderers set the scissor.
        let clip = primitive.clip_rect;
        let to_px =
            |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
        let end_row = self.first_row + self.rows;
        let area = Area {
            left: to_px(clip.min.x, self.width),
            right: to_px(clip.max.x, self.width),
            top: to_px(clip.min.y, end_row).max(self.first_row),
            bottom: to_px(clip.max.y, end_row),
        };
        if area.left >= area.right || area.top >= area.bottom {
            return;
        }
        // White where the texture is unknown (an untextured shape samples the atlas's white
        // texel anyway).
        let texture = textures.get(mesh.texture_id);
        for triangle in mesh.indices.chunks_exact(3) {
            let vertex = |i: u32| mesh.vertices.get(i as usize);
            let (Some(a), Some(b), Some(c)) = (
                vertex(triangle[0]),
                vertex(triangle[1]),
                vertex(triangle[2]),
            ) else {
                continue;
            };
            self.triangle([a, b, c], texture, pixels_per_point, &area);
        }
    }

    /// Fills one triangle within `area` (pixels, rows within this band).
    fn triangle(
        &mut self,
        vertices: [&Vertex; 3],
        texture: Option<&Texture>,
        pixels_per_point: f32,
        area: &Area,
    ) {
        let snap = |v: f32| (f64::from(v * pixels_per_point) * SUBPIXEL as f64).round() as i64;
        let mut points: [(i64, i64); 3] = vertices.map(|v| (snap(v.pos.x), snap(v.pos.y)));
        let mut corners = vertices;
        let mut doubled_area = edge(points[0], points[1], points[2]);
        if doubled_area == 0 {
            return;
        }
        if doubled_area < 0 {
            // One winding for all: egui's triangles come in both.
            points.swap(1, 2);
            corners.swap(1, 2);
            doubled_area = -doubled_area;
        }
        let lowest = |axis: fn(&(i64, i64)) -> i64| points.iter().map(axis).min().unwrap_or(0);
        let highest = |axis: fn(&(i64, i64)) -> i64| points.iter().map(axis).max().unwrap_or(0);
        // Pixels whose centres may fall inside.
        let first = |min: i64| ((min - SUBPIXEL / 2).div_euclid(SUBPIXEL)).max(0) as usize;
        let end = |max: i64| ((max - SUBPIXEL / 2).div_euclid(SUBPIXEL) + 1).max(0) as usize;
        let columns = first(lowest(|q| q.0)).max(area.left)..end(highest(|q| q.0)).min(area.right);
        let rows = first(lowest(|q| q.1)).max(area.top)..end(highest(|q| q.1)).min(area.bottom);
        if columns.is_empty() || rows.is_empty() {
            return;
        }
        // Edge i is opposite corner i; a centre exactly on an edge belongs to the triangle only
        // if the edge is a top or a left edge.
        let edges = [
            (points[1], points[2]),
            (points[2], points[0]),
            (points[0], points[1]),
        ];
        let bias: [i64; 3] = edges.map(|(from, to)| i64::from(!is_top_left(from, to)));
        let colours = corners.map(|corner| {
            [
                f32::from(corner.color.r()),
                f32::from(corner.color.g()),
                f32::from(corner.color.b()),
                f32::from(corner.color.a()),
            ]
        });
        let inverse = 1.0 / doubled_area as f32;
        // One colour and no texture to sample (most shapes): the same colour everywhere.
        let white = |v: &Vertex| v.uv == egui::epaint::WHITE_UV;
        let flat = corners[0].color == corners[1].color
            && corners[1].color == corners[2].color
            && (texture.is_none() || corners.iter().all(|c| white(c)))
            && texture.is_none_or(|t| {
                t.sample([corners[0].uv.x, corners[0].uv.y])
                    .iter()
                    .all(|c| *c >= 255.0)
            });
        let opaque = (flat && corners[0].color.a() == 255).then_some(corners[0].color);
        // Each edge function grows by a fixed step per column.
        let steps: [i64; 3] = edges.map(|(from, to)| -(to.1 - from.1) * SUBPIXEL);
        for row in rows {
            let centre_y = row as i64 * SUBPIXEL + SUBPIXEL / 2;
            let offset = (row - self.first_row) * self.width;
            let start = (columns.start as i64 * SUBPIXEL + SUBPIXEL / 2, centre_y);
            let mut sides = edges.map(|(from, to)| edge(from, to, start));
            for column in columns.clone() {
                let inside = sides[0] >= bias[0] && sides[1] >= bias[1] && sides[2] >= bias[2];
                let here = sides;
                sides[0] += steps[0];
                sides[1] += steps[1];
                sides[2] += steps[2];
                if !inside {
                    continue;
                }
                if let Some(opaque) = opaque {
                    // Covers what is under it: "over" would give the same.
                    self.pixels[offset + column] = opaque;
                    continue;
                }
                let source = if flat {
                    colours[0]
                } else {
                    let w = [
                        here[0] as f32 * inverse,
                        here[1] as f32 * inverse,
                        here[2] as f32 * inverse,
                    ];
                    let blend = |a: f32, b: f32, c: f32| a * w[0] + b * w[1] + c * w[2];
                    let uv = [
                        blend(corners[0].uv.x, corners[1].uv.x, corners[2].uv.x),
                        blend(corners[0].uv.y, corners[1].uv.y, corners[2].uv.y),
                    ];
                    let texel = texture.map_or([255.0; 4], |t| t.sample(uv));
                    let mut source = [0.0; 4];
                    for i in 0..4 {
                        source[i] =
                            blend(colours[0][i], colours[1][i], colours[2][i]) * texel[i] / 255.0;
                    }
                    source
                };
                let target = &mut self.pixels[offset + column];
                *target = over(source, *target);
            }
        }
    }
}

/// The pixels a primitive may touch in a band: columns `left..right`, rows `top..bottom`.
struct Area {
    left: usize,
    right: usize,
    top: usize,
    bottom: usize,
}

/// Twice the signed area of `(from, to, point)`: positive when the three turn clockwise on
/// screen (y down).
fn edge(from: (i64, i64), to: (i64, i64), point: (i64, i64)) -> i64 {
    (to.0 - from.0) * (point.1 - from.1) - (to.1 - from.1) * (point.0 - from.0)
}

/// Whether `from -> to` is a top edge (horizontal, the triangle below it) or a left edge, for
/// the winding [`Band::triangle`] gives every triangle (clockwise on screen: a top edge runs to
/// the right, a left edge upwards).
fn is_top_left(from: (i64, i64), to: (i64, i64)) -> bool {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    (dy == 0 && dx > 0) || dy < 0
}

/// `source` (premultiplied, 0-255 floats) over `target`, as egui's renderers blend.
fn over(source: [f32; 4], target: Color32) -> Color32 {
    let keep = 1.0 - source[3] / 255.0;
    let mix = |s: f32, d: u8| (s + f32::from(d) * keep).round().clamp(0.0, 255.0) as u8;
    Color32::from_rgba_premultiplied(
        mix(source[0], target.r()),
        mix(source[1], target.g()),
        mix(source[2], target.b()),
        mix(source[3], target.a()),
    )
}
