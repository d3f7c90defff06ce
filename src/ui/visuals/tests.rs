#![allow(clippy::unwrap_used, clippy::float_cmp)]

use std::sync::Arc;

use egui_kittest::Harness;

use super::line_cache::{OVERVIEW_COLUMNS, segments};
use super::{VisualStyle, draw};
use crate::model::dashboard::{Position, Timezone, Visual, VisualKind};
use crate::series::PixelColumns;
use crate::series::visual::{PieData, Slice, VisualData, XySeries};

fn series(n: usize) -> XySeries {
    XySeries {
        name: "v".into(),
        xs: (0..n).map(|i| i as f64).collect(),
        ys: (0..n).map(|i| Some(((i * 7919) % 1000) as f64)).collect(),
        base: None,
        right_axis: false,
    }
}

#[test]
fn a_still_view_reuses_its_reduction_and_a_new_view_recomputes_it() {
    let ctx = egui::Context::default();
    let id = egui::Id::unique("line");
    let line = series(100_000);
    let view = PixelColumns {
        x_min: 0.0,
        x_max: 100_000.0,
        width_px: 500,
    };
    let first = segments(&ctx, id, &line, view);
    assert!(
        Arc::ptr_eq(&first, &segments(&ctx, id, &line, view)),
        "cached"
    );
    let zoomed = PixelColumns {
        x_min: 1_000.0,
        x_max: 2_000.0,
        ..view
    };
    let again = segments(&ctx, id, &line, zoomed);
    assert!(!Arc::ptr_eq(&first, &again), "recomputed for new bounds");
    let points: usize = again.iter().map(Vec::len).sum();
    assert!(points <= 4 * 500 + 2, "{points} points");
    assert!(again[0].first().unwrap()[0] >= 999.0, "starts at the view");
}

#[test]
fn wide_views_of_long_lines_keep_every_column_extreme_through_the_overview() {
    let ctx = egui::Context::default();
    let line = series(20 * OVERVIEW_COLUMNS);
    let view = PixelColumns {
        x_min: 0.0,
        x_max: line.xs.len() as f64,
        width_px: 800,
    };
    let through_overview = segments(&ctx, egui::Id::unique("a"), &line, view);
    let direct = crate::series::m4(&line.xs, &line.ys, view);
    let extremes = |segments: &[Vec<[f64; 2]>]| {
        let mut columns = vec![(f64::INFINITY, f64::NEG_INFINITY); view.width_px];
        for [x, y] in segments.iter().flatten() {
            let c = &mut columns[view.column(*x)];
            *c = (c.0.min(*y), c.1.max(*y));
        }
        columns
    };
    assert_eq!(extremes(&through_overview), extremes(&direct));
}

/// What a harness-drawn visual reports: the rect it was given and the last click.
#[derive(Default)]
struct Seen {
    rect: Option<egui::Rect>,
    clicked: Option<String>,
}

#[test]
fn clicking_a_pie_slice_reports_its_label() {
    let visual = Visual::new("p", VisualKind::Pie, Position::from([0, 0, 3, 3]));
    let data = VisualData::Pie(PieData {
        slices: vec![
            Slice {
                label: "card".into(),
                value: 3.0,
            },
            Slice {
                label: "paypal".into(),
                value: 1.0,
            },
        ],
        note: None,
    });
    let style = VisualStyle::new(Timezone::Utc);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(300.0, 300.0))
        .build_ui_state(
            move |ui, seen: &mut Seen| {
                seen.rect = Some(ui.available_rect_before_wrap());
                if let Some(clicked) = draw(ui, &visual, &data, &style).clicked {
                    seen.clicked = Some(clicked);
                }
            },
            Seen::default(),
        );
    harness.run();
    // A tall tile: the legend goes below, the pie is centred above it.
    let rect = harness.state().rect.unwrap();
    let legend = 2.0 * 18.0;
    let center = egui::pos2(rect.center().x, rect.top() + (rect.height() - legend) / 2.0);
    let click = |harness: &mut Harness<'_, Seen>, at: egui::Pos2| {
        harness.hover_at(at);
        harness.step();
        harness.drag_at(at);
        harness.step();
        harness.drop_at(at);
        harness.run();
    };
    // Clockwise from 12 o'clock: card takes three quarters, paypal the last (9 to 12 o'clock).
    click(&mut harness, center + egui::vec2(40.0, 0.0));
    assert_eq!(harness.state().clicked.as_deref(), Some("card"));
    click(&mut harness, center + egui::vec2(-30.0, -50.0));
    assert_eq!(harness.state().clicked.as_deref(), Some("paypal"));
}
