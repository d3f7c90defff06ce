//! SVG files of a headless frame: egui's shape list written as SVG elements, so lines stay lines
//! and text stays text (selectable, searchable), in the bundled fonts, embedded as subsets
//! ([`font`]). Rectangles, circles, ellipses, line segments, paths and Bézier curves become their
//! SVG elements; text becomes `<text>` with each character's position as egui placed it; plain
//! colour meshes (plot fills) become filled triangles; what SVG cannot say (textured meshes such as
//! a heatmap drawn as an image, varying-width bands) is rasterized exactly as in the PNG and
//! embedded as a PNG `<image>`. Clip rectangles become `clipPath`s. The file carries its
//! provenance in `<title>`, `<desc>` and `<metadata>`.

mod font;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use base64::Engine as _;
use egui::emath::TSTransform;
use egui::epaint::{
    ClippedPrimitive, ClippedShape, ColorMode, CornerRadius, Mesh, PathStroke, Primitive,
    RectShape, Shape, StrokeKind, TextShape,
};
use egui::{Color32, Pos2, Rect, Stroke, TextureId};

use super::provenance::Provenance;
use super::{Canvas, Drawn, rasterize};
use font::Fonts;

/// The namespace of Lakesight's provenance element inside `<metadata>`.
pub const METADATA_NAMESPACE: &str = "https://github.com/lakesight/lakesight/provenance";

/// `drawn` as an SVG document, its size in pixels and its drawing in points.
pub fn encode(drawn: &Drawn, provenance: &Provenance) -> String {
    let mut writer = Writer {
        drawn,
        body: String::new(),
        defs: String::new(),
        clips: HashMap::new(),
        fonts: Fonts::bundled(),
        frame: Rect::from_min_size(Pos2::ZERO, drawn.frame.size),
    };
    let mut current: Option<usize> = None;
    for clipped in &drawn.shapes {
        let clip = writer.clip_id(clipped.clip_rect);
        if clip != current {
            if current.is_some() {
                writer.body.push_str("</g>\n");
            }
            if let Some(id) = clip {
                let _ = writeln!(writer.body, "<g clip-path=\"url(#c{id})\">");
            }
            current = clip;
        }
        if clipped.transform_after_tessellation == TSTransform::IDENTITY {
            writer.shape(&clipped.shape, clipped.clip_rect);
        } else {
            // Moved after tessellation (a zoomed layer): drawn as pixels, exactly as in the PNG.
            let transform = clipped.transform_after_tessellation;
            writer.raster(&clipped.shape, clipped.clip_rect, transform);
        }
    }
    if current.is_some() {
        writer.body.push_str("</g>\n");
    }
    let (width, height) = drawn.frame.pixels();
    let size = drawn.frame.size;
    let mut out = String::with_capacity(writer.body.len() + 4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {} {}\">",
        num(size.x),
        num(size.y)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&provenance.title));
    let _ = writeln!(
        out,
        "<desc>{}, made by {} on {}</desc>",
        escape(&provenance.title),
        escape(&provenance.software),
        provenance.created.to_rfc3339()
    );
    let _ = writeln!(
        out,
        "<metadata><lakesight:provenance xmlns:lakesight=\"{METADATA_NAMESPACE}\">{}</lakesight:provenance></metadata>",
        escape(&provenance.json())
    );
    let _ = writeln!(
        out,
        "<defs>\n<style>\n{}</style>\n{}</defs>",
        writer.fonts.style(),
        writer.defs
    );
    out.push_str(&writer.body);
    out.push_str("</svg>\n");
    out
}

struct Writer<'a> {
    drawn: &'a Drawn,
    body: String,
    defs: String,
    /// Clip rectangles defined so far, by their bits.
    clips: HashMap<[u32; 4], usize>,
    fonts: Fonts,
    frame: Rect,
}

impl Writer<'_> {
    /// The clip path for `clip` (`None`: it clips nothing off the frame).
    fn clip_id(&mut self, clip: Rect) -> Option<usize> {
        if clip.contains_rect(self.frame) {
            return None;
        }
        let key = [clip.min.x, clip.min.y, clip.max.x, clip.max.y].map(f32::to_bits);
        let next = self.clips.len();
        let id = *self.clips.entry(key).or_insert(next);
        if id == next {
            let _ = writeln!(
                self.defs,
                "<clipPath id=\"c{id}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>",
                num(clip.min.x),
                num(clip.min.y),
                num(clip.width().max(0.0)),
                num(clip.height().max(0.0))
            );
        }
        Some(id)
    }

    fn shape(&mut self, shape: &Shape, clip: Rect) {
        match shape {
            Shape::Noop | Shape::Callback(_) => {}
            Shape::Vec(shapes) => {
                for shape in shapes {
                    self.shape(shape, clip);
                }
            }
            Shape::Circle(circle) => {
                let paint = fill_and_stroke(circle.fill, circle.stroke);
                if !paint.is_empty() {
                    let _ = writeln!(
                        self.body,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{paint}/>",
                        num(circle.center.x),
                        num(circle.center.y),
                        num(circle.radius)
                    );
                }
            }
            Shape::Ellipse(ellipse) => {
                let paint = fill_and_stroke(ellipse.fill, ellipse.stroke);
                if !paint.is_empty() {
                    let _ = writeln!(
                        self.body,
                        "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\"{paint}/>",
                        num(ellipse.center.x),
                        num(ellipse.center.y),
                        num(ellipse.radius.x),
                        num(ellipse.radius.y)
                    );
                }
            }
            Shape::LineSegment { points, stroke } => {
                let paint = fill_and_stroke(Color32::TRANSPARENT, *stroke);
                if !paint.is_empty() {
                    let _ = writeln!(
                        self.body,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{paint}/>",
                        num(points[0].x),
                        num(points[0].y),
                        num(points[1].x),
                        num(points[1].y)
                    );
                }
            }
            Shape::Path(path) => {
                let mut d = String::new();
                for (i, p) in path.points.iter().enumerate() {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if i == 0 { "M" } else { " L" },
                        num(p.x),
                        num(p.y)
                    );
                }
                if !self.path(&d, path.closed, path.fill, &path.stroke) {
                    self.raster(shape, clip, TSTransform::IDENTITY);
                }
            }
            Shape::QuadraticBezier(curve) => {
                let [a, b, c] = curve.points;
                let d = format!(
                    "M{} {} Q{} {} {} {}",
                    num(a.x),
                    num(a.y),
                    num(b.x),
                    num(b.y),
                    num(c.x),
                    num(c.y)
                );
                if !self.path(&d, curve.closed, curve.fill, &curve.stroke) {
                    self.raster(shape, clip, TSTransform::IDENTITY);
                }
            }
            Shape::CubicBezier(curve) => {
                let [start, one, two, end] = curve.points;
                let d = format!(
                    "M{} {} C{} {} {} {} {} {}",
                    num(start.x),
                    num(start.y),
                    num(one.x),
                    num(one.y),
                    num(two.x),
                    num(two.y),
                    num(end.x),
                    num(end.y)
                );
                if !self.path(&d, curve.closed, curve.fill, &curve.stroke) {
                    self.raster(shape, clip, TSTransform::IDENTITY);
                }
            }
            Shape::Rect(rect) => {
                if rect.brush.is_some() || rect.angle != 0.0 || rect.blur_width > 0.0 {
                    self.raster(shape, clip, TSTransform::IDENTITY);
                } else {
                    self.rect(rect);
                }
            }
            Shape::Text(text) => self.text(text),
            Shape::Mesh(mesh) => {
                if !self.plain_mesh(mesh) {
                    self.raster(shape, clip, TSTransform::IDENTITY);
                }
            }
            Shape::Band(_) => self.raster(shape, clip, TSTransform::IDENTITY),
        }
    }

    /// A path with an outline `d`; `false` when its stroke varies along it (drawn as pixels).
    fn path(&mut self, d: &str, closed: bool, fill: Color32, stroke: &PathStroke) -> bool {
        let ColorMode::Solid(color) = stroke.color else {
            return false;
        };
        let fill = if closed { fill } else { Color32::TRANSPARENT };
        let paint = fill_and_stroke(fill, Stroke::new(stroke.width, color));
        if !paint.is_empty() {
            let close = if closed { " Z" } else { "" };
            let _ = writeln!(
                self.body,
                "<path d=\"{d}{close}\"{paint} stroke-linejoin=\"round\"/>"
            );
        }
        true
    }

    fn rect(&mut self, shape: &RectShape) {
        if let Some(fill) = paint_attr("fill", shape.fill) {
            let r = shape.rect;
            let _ = writeln!(
                self.body,
                "<path d=\"{}\" {fill}/>",
                rounded(r, shape.corner_radius, 0.0)
            );
        }
        if shape.stroke.width > 0.0
            && let Some(stroke) = paint_attr("stroke", shape.stroke.color)
        {
            let half = shape.stroke.width / 2.0;
            let grow = match shape.stroke_kind {
                StrokeKind::Inside => -half,
                StrokeKind::Middle => 0.0,
                StrokeKind::Outside => half,
            };
            let _ = writeln!(
                self.body,
                "<path d=\"{}\" fill=\"none\" {stroke} stroke-width=\"{}\"/>",
                rounded(shape.rect.expand(grow), shape.corner_radius, grow),
                num(shape.stroke.width)
            );
        }
    }

    /// A mesh of plain colours (no texture) as filled triangles, one path per colour; `false`
    /// when it samples a texture.
    fn plain_mesh(&mut self, mesh: &Mesh) -> bool {
        if mesh.texture_id != TextureId::default()
            || mesh.vertices.iter().any(|v| v.uv != egui::epaint::WHITE_UV)
        {
            return false;
        }
        let mut by_colour: BTreeMap<[u8; 4], String> = BTreeMap::new();
        for triangle in mesh.indices.chunks_exact(3) {
            let vertices: Vec<&egui::epaint::Vertex> = triangle
                .iter()
                .filter_map(|i| mesh.vertices.get(*i as usize))
                .collect();
            if vertices.len() != 3 {
                continue;
            }
            let mut sum = [0u32; 4];
            for v in &vertices {
                for (s, c) in sum.iter_mut().zip(v.color.to_array()) {
                    *s += u32::from(c);
                }
            }
            let colour = sum.map(|s| (s / 3) as u8);
            if colour[3] == 0 {
                continue;
            }
            let d = by_colour.entry(colour).or_default();
            let _ = write!(
                d,
                "M{} {} L{} {} L{} {} Z",
                num(vertices[0].pos.x),
                num(vertices[0].pos.y),
                num(vertices[1].pos.x),
                num(vertices[1].pos.y),
                num(vertices[2].pos.x),
                num(vertices[2].pos.y)
            );
        }
        for (colour, d) in by_colour {
            let colour =
                Color32::from_rgba_premultiplied(colour[0], colour[1], colour[2], colour[3]);
            if let Some(fill) = paint_attr("fill", colour) {
                let _ = writeln!(self.body, "<path d=\"{d}\" {fill}/>");
            }
        }
        true
    }

    /// `shape` tessellated and rasterized as in the PNG, embedded as a PNG image over its bounds.
    fn raster(&mut self, shape: &Shape, clip: Rect, transform: TSTransform) {
        let ppp = self.drawn.frame.pixels_per_point;
        let primitives = self.drawn.ctx.tessellate(
            vec![ClippedShape {
                clip_rect: clip,
                shape: shape.clone(),
                transform_after_tessellation: transform,
            }],
            ppp,
        );
        let mut bounds = Rect::NOTHING;
        for primitive in &primitives {
            if let Primitive::Mesh(mesh) = &primitive.primitive {
                for v in &mesh.vertices {
                    bounds.extend_with(v.pos);
                }
            }
        }
        let bounds = bounds.intersect(clip).intersect(self.frame);
        if !bounds.is_positive() {
            return;
        }
        // Whole pixels, so the image's pixels fall on the PNG's.
        let min = (bounds.min.to_vec2() * ppp).floor() / ppp;
        let max = (bounds.max.to_vec2() * ppp).ceil() / ppp;
        let bounds = Rect::from_min_max(min.to_pos2(), max.to_pos2());
        let width = (bounds.width() * ppp).round() as usize;
        let height = (bounds.height() * ppp).round() as usize;
        let offset = bounds.min.to_vec2();
        let moved: Vec<ClippedPrimitive> = primitives
            .into_iter()
            .map(|mut p| {
                p.clip_rect = p.clip_rect.translate(-offset);
                if let Primitive::Mesh(mesh) = &mut p.primitive {
                    mesh.translate(-offset);
                }
                p
            })
            .collect();
        let mut canvas = Canvas::new(width, height, Color32::TRANSPARENT);
        rasterize(&mut canvas, &moved, &self.drawn.textures, ppp, 1);
        let Ok(png) = super::png::encode(&canvas, ppp, &[]) else {
            return;
        };
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let _ = writeln!(
            self.body,
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             xlink:href=\"data:image/png;base64,{data}\"/>",
            num(bounds.min.x),
            num(bounds.min.y),
            num(bounds.width()),
            num(bounds.height())
        );
    }

    /// Text: one `<text>` per run of characters in the same font, size and colour, each
    /// character at the position egui gave it.
    fn text(&mut self, shape: &TextShape) {
        if shape.opacity_factor <= 0.0 {
            return;
        }
        let galley = &shape.galley;
        let formats = glyph_sections(galley);
        let rotate = (shape.angle != 0.0).then(|| {
            format!(
                " transform=\"rotate({} {} {})\"",
                num(shape.angle.to_degrees()),
                num(shape.pos.x),
                num(shape.pos.y)
            )
        });
        if let Some(rotate) = &rotate {
            let _ = writeln!(self.body, "<g{rotate}>");
        }
        for (placed, sections) in galley.rows.iter().zip(formats) {
            let origin = shape.pos + placed.pos.to_vec2();
            let mut run: Option<Run> = None;
            for (glyph, section) in placed.row.glyphs.iter().zip(sections) {
                let Some(format) = galley.job.sections.get(section).map(|s| &s.format) else {
                    continue;
                };
                let family = &format.font_id.family;
                let face = if glyph.chr.is_whitespace() {
                    run.as_ref().map(|r| r.face)
                } else {
                    self.fonts.face_for(family, glyph.chr)
                };
                let Some(face) = face else {
                    continue;
                };
                let colour = if glyph.uv_rect.is_nothing() {
                    run.as_ref().map_or(format.color, |r| r.colour)
                } else {
                    placed
                        .row
                        .visuals
                        .mesh
                        .vertices
                        .get(glyph.first_vertex as usize)
                        .map_or(format.color, |v| v.color)
                };
                let mut colour = match shape.override_text_color {
                    Some(over) if !glyph.uv_rect.is_nothing() => over,
                    _ if colour == Color32::PLACEHOLDER => shape.fallback_color,
                    _ => colour,
                };
                if shape.opacity_factor < 1.0 {
                    colour = colour.gamma_multiply(shape.opacity_factor);
                }
                let (scale, _) = self.fonts.tweak(face);
                let size = format.font_id.size * scale;
                let y = origin.y + glyph.pos.y;
                let same = run.as_ref().is_some_and(|r| {
                    r.face == face
                        && r.colour == colour
                        && r.size.to_bits() == size.to_bits()
                        && r.y.to_bits() == y.to_bits()
                        && r.italics == format.italics
                });
                if !same {
                    if let Some(done) = run.take() {
                        self.write_run(&done);
                    }
                    run = Some(Run {
                        face,
                        colour,
                        size,
                        y,
                        italics: format.italics,
                        chars: String::new(),
                        xs: Vec::new(),
                    });
                }
                if let Some(run) = &mut run {
                    run.chars.push(glyph.chr);
                    run.xs.push(origin.x + glyph.pos.x);
                }
            }
            if let Some(done) = run {
                self.write_run(&done);
            }
        }
        if rotate.is_some() {
            self.body.push_str("</g>\n");
        }
    }

    fn write_run(&mut self, run: &Run) {
        if run.chars.trim().is_empty() {
            return;
        }
        let Some(fill) = paint_attr("fill", run.colour) else {
            return;
        };
        let xs: Vec<String> = run.xs.iter().map(|x| num(*x)).collect();
        let italic = if run.italics {
            " font-style=\"italic\""
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            "<text xml:space=\"preserve\" x=\"{}\" y=\"{}\" font-size=\"{}\" {}{italic} {fill}>{}</text>",
            xs.join(" "),
            num(run.y),
            num(run.size),
            self.fonts.attributes(run.face),
            escape(&run.chars)
        );
    }
}

/// Characters written as one `<text>`.
struct Run {
    face: usize,
    colour: Color32,
    size: f32,
    y: f32,
    italics: bool,
    chars: String,
    xs: Vec<f32>,
}

/// For each row, each glyph's section of the layout job: the glyphs are matched to the job's text
/// in order (an elided row's "…" is not in the text and keeps the section it follows).
fn glyph_sections(galley: &egui::Galley) -> Vec<Vec<usize>> {
    let job = &galley.job;
    let text = job.text.as_str();
    let section_at = |byte: usize| {
        job.sections
            .iter()
            .position(|s| s.byte_range.contains(&egui::epaint::text::ByteIndex(byte)))
            .unwrap_or_else(|| job.sections.len().saturating_sub(1))
    };
    let mut cursor = 0;
    galley
        .rows
        .iter()
        .map(|placed| {
            placed
                .row
                .glyphs
                .iter()
                .map(|glyph| {
                    let rest = text.get(cursor..).unwrap_or_default();
                    let found = rest.char_indices().take(4).find(|(_, c)| *c == glyph.chr);
                    let at = found.map_or(cursor, |(offset, _)| cursor + offset);
                    if found.is_some() {
                        cursor = at + glyph.chr.len_utf8();
                    }
                    section_at(at.min(text.len().saturating_sub(1)))
                })
                .collect()
        })
        .collect()
}

/// The outline of `rect` with `radius` corners (grown by `grow`), as path data.
fn rounded(rect: Rect, radius: CornerRadius, grow: f32) -> String {
    let limit = rect.width().min(rect.height()) / 2.0;
    let r = |c: u8| (f32::from(c) + grow).clamp(0.0, limit.max(0.0));
    let (nw, ne, sw, se) = (r(radius.nw), r(radius.ne), r(radius.sw), r(radius.se));
    let (x0, y0, x1, y1) = (rect.min.x, rect.min.y, rect.max.x, rect.max.y);
    if nw == 0.0 && ne == 0.0 && sw == 0.0 && se == 0.0 {
        return format!(
            "M{} {} H{} V{} H{} Z",
            num(x0),
            num(y0),
            num(x1),
            num(y1),
            num(x0)
        );
    }
    let arc =
        |r: f32, x: f32, y: f32| format!(" A{} {} 0 0 1 {} {}", num(r), num(r), num(x), num(y));
    format!(
        "M{} {} H{}{} V{}{} H{}{} V{}{} Z",
        num(x0 + nw),
        num(y0),
        num(x1 - ne),
        arc(ne, x1, y0 + ne),
        num(y1 - se),
        arc(se, x1 - se, y1),
        num(x0 + sw),
        arc(sw, x0, y1 - sw),
        num(y0 + nw),
        arc(nw, x0 + nw, y0)
    )
}

/// ` fill="…" stroke="…" stroke-width="…"` for a shape (empty when it paints nothing).
fn fill_and_stroke(fill: Color32, stroke: Stroke) -> String {
    let mut out = String::new();
    match paint_attr("fill", fill) {
        Some(fill) => {
            let _ = write!(out, " {fill}");
        }
        None => out.push_str(" fill=\"none\""),
    }
    if stroke.width > 0.0
        && let Some(paint) = paint_attr("stroke", stroke.color)
    {
        let _ = write!(out, " {paint} stroke-width=\"{}\"", num(stroke.width));
    }
    if out == " fill=\"none\"" {
        String::new()
    } else {
        out
    }
}

/// `fill="#rrggbb" fill-opacity="…"` for a premultiplied colour (`None` when it is transparent).
fn paint_attr(name: &str, colour: Color32) -> Option<String> {
    if colour.a() == 0 {
        return None;
    }
    let [r, g, b, a] = colour.to_srgba_unmultiplied();
    let mut out = format!("{name}=\"#{r:02x}{g:02x}{b:02x}\"");
    if a < 255 {
        let _ = write!(out, " {name}-opacity=\"{}\"", num(f32::from(a) / 255.0));
    }
    Some(out)
}

/// A coordinate with at most three decimals and no trailing zeros.
fn num(value: f32) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// `text` safe in XML content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}
