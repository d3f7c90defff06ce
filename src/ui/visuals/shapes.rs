//! Painter shapes that egui does not have: filled rings and ring segments (pie and donut slices,
//! gauge arcs), and the small up/down triangles of a KPI's comparison.

use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Shape, Stroke, pos2, vec2};

/// A filled ring segment from angle `start` to `end` (radians, clockwise from 3 o'clock as egui's
/// y axis points down) between radii `inner` (0 for a pie slice) and `outer`.
pub fn ring_segment(
    center: Pos2,
    inner: f32,
    outer: f32,
    start: f32,
    end: f32,
    color: Color32,
) -> Shape {
    let sweep = end - start;
    // About one step per 2 degrees keeps large arcs round.
    let steps = ((sweep.abs() / 0.035).ceil() as usize).max(2);
    let mut mesh = Mesh::default();
    let at = |radius: f32, angle: f32| center + vec2(angle.cos(), angle.sin()) * radius;
    for i in 0..=steps {
        let angle = start + sweep * i as f32 / steps as f32;
        mesh.vertices.push(Vertex {
            pos: at(outer, angle),
            uv: WHITE_UV,
            color,
        });
        mesh.vertices.push(Vertex {
            pos: at(inner, angle),
            uv: WHITE_UV,
            color,
        });
    }
    for i in 0..steps as u32 {
        let (a, b, c, d) = (2 * i, 2 * i + 1, 2 * i + 2, 2 * i + 3);
        mesh.add_triangle(a, b, c);
        mesh.add_triangle(b, d, c);
    }
    Shape::mesh(mesh)
}

/// A small filled triangle pointing up (`up`) or down, centred on `center`.
pub fn arrow(center: Pos2, size: f32, up: bool, color: Color32) -> Shape {
    let h = size * 0.5;
    let points = if up {
        vec![
            pos2(center.x - h, center.y + h * 0.8),
            pos2(center.x + h, center.y + h * 0.8),
            pos2(center.x, center.y - h * 0.8),
        ]
    } else {
        vec![
            pos2(center.x - h, center.y - h * 0.8),
            pos2(center.x + h, center.y - h * 0.8),
            pos2(center.x, center.y + h * 0.8),
        ]
    };
    Shape::convex_polygon(points, color, Stroke::NONE)
}

/// The point at `angle` on the circle of `radius` around `center`.
pub fn on_circle(center: Pos2, radius: f32, angle: f32) -> Pos2 {
    center + vec2(angle.cos(), angle.sin()) * radius
}
