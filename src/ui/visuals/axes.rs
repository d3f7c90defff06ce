//! Grid marks for value axes at round steps (1, 2, 2.5 or 5 times a power of ten), spaced so
//! every mark can carry a readable label: `egui_plot`'s default marks are powers of ten only and
//! fade the labels in between, which leaves small tiles with one label or none.

use egui_plot::{GridInput, GridMark, Plot};

/// `egui_plot`'s `base_step_size` is the value span of this many points (its minimum grid spacing).
const BASE_SPACING_PX: f64 = 8.0;

/// Points kept free of marks at the far end of an axis: half a label's height.
pub const EDGE_PX: f32 = 7.0;

/// Marks at a round step, at least `min_px` points apart.
pub fn nice_marks(input: &GridInput, min_px: f64) -> Vec<GridMark> {
    let (min, max) = input.bounds;
    let wanted = input.base_step_size * min_px / BASE_SPACING_PX;
    if !wanted.is_finite() || wanted <= 0.0 {
        return Vec::new();
    }
    let magnitude = 10_f64.powf(wanted.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= wanted)
        .unwrap_or(10.0 * magnitude);
    let first = (min / step).ceil() as i64;
    // No mark so near the far edge that its label would be cut in half.
    let edge = input.base_step_size * f64::from(EDGE_PX) / BASE_SPACING_PX;
    let last = ((max - edge) / step + 1e-6).floor() as i64;
    if last.saturating_sub(first) > 1_000 {
        return Vec::new();
    }
    (first..=last)
        .map(|i| GridMark {
            value: i as f64 * step,
            step_size: step,
        })
        .collect()
}

/// The y axis of a line, area or scatter chart, from the values it draws (`extent`, alert lines
/// included): `fixed` exactly when set (`y_range`); else the values with a margin, from zero
/// when `from_zero` (areas, stacks) or when every value is the same (a flat series is drawn at its
/// height above zero, never on an axis as wide as anything else). `None`: nothing to draw.
#[allow(clippy::float_cmp)] // exactly equal: a flat series, or bounds exactly at zero
pub fn y_bounds(
    extent: Option<[f64; 2]>,
    fixed: Option<[f64; 2]>,
    from_zero: bool,
) -> Option<[f64; 2]> {
    if let Some([low, high]) = fixed
        && low < high
        // A span too wide for a float (`[-1e308, 1e308]`) cannot be drawn: the data's axis then.
        && (high - low).is_finite()
    {
        return Some([low, high]);
    }
    let [mut low, mut high] = extent.filter(|[l, h]| l.is_finite() && h.is_finite() && l <= h)?;
    if from_zero || low == high {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    if low == high {
        // Every value is zero.
        return Some([0.0, 1.0]);
    }
    // A margin on both sides, zero included: a tick at the very edge has its label cut in half.
    let margin = (high - low) * Y_MARGIN;
    let bounds = [low - margin, high + margin];
    bounds.iter().all(|b| b.is_finite()).then_some(bounds)
}

/// `plot` with its grid lines in one light colour of the theme, every line alike: `egui_plot`
/// draws lines darker the further apart they are, and from the text colour, which makes a time
/// axis's day lines dark and heavy in light theme.
pub fn quiet_grid<'a>(plot: Plot<'a>, visuals: &egui::Visuals) -> Plot<'a> {
    plot.grid_color(grid_color(visuals))
        // Lines at least this far apart (every mark of ours) are drawn at full strength.
        .grid_spacing(egui::Rangef::new(8.0, 30.0))
}

/// The colour of grid lines in a theme: a little off the background.
pub fn grid_color(visuals: &egui::Visuals) -> egui::Color32 {
    if visuals.dark_mode {
        egui::Color32::from_gray(60)
    } else {
        egui::Color32::from_gray(225)
    }
}

/// Room above and below the values, as a fraction of their span.
const Y_MARGIN: f64 = 0.08;

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn a_y_axis_is_fixed_when_asked_and_from_zero_for_areas_and_flat_series() {
        assert_eq!(
            y_bounds(Some([-50.0, 900.0]), Some([0.0, 100.0]), false),
            Some([0.0, 100.0]),
            "y_range is the axis, not a minimum"
        );
        assert_eq!(
            y_bounds(Some([250.0, 410.0]), None, true),
            Some([-410.0 * 0.08, 410.0 * 1.08]),
            "a stacked area starts at zero"
        );
        let line = y_bounds(Some([250.0, 410.0]), None, false).expect("bounds");
        assert!(
            line[0] > 200.0 && line[0] < 250.0,
            "a line may start above zero: {line:?}"
        );
        assert_eq!(
            y_bounds(Some([5.0, 5.0]), None, false),
            Some([-5.0 * 0.08, 5.0 * 1.08]),
            "a flat series is drawn at its height"
        );
        assert_eq!(
            y_bounds(Some([-3.0, -3.0]), None, false),
            Some([-3.0 * 1.08, 3.0 * 0.08])
        );
        assert_eq!(y_bounds(Some([0.0, 0.0]), None, false), Some([0.0, 1.0]));
        assert_eq!(y_bounds(None, None, true), None);
        assert_eq!(
            y_bounds(Some([-1e308, 1e308]), Some([-1e308, 1e308]), false),
            None,
            "never an infinite axis"
        );
    }

    #[test]
    fn marks_are_round_and_far_enough_apart() {
        // 0..80 over 160 points: a point is 0.5, so 40 points are 20 units.
        let input = GridInput {
            bounds: (0.0, 84.0),
            base_step_size: 0.5 * BASE_SPACING_PX,
        };
        let marks = nice_marks(&input, 40.0);
        let values: Vec<f64> = marks.iter().map(|m| m.value).collect();
        assert_eq!(values, [0.0, 20.0, 40.0, 60.0, 80.0]);
        let edge = GridInput {
            bounds: (0.0, 81.0),
            ..input
        };
        assert_eq!(
            nice_marks(&edge, 40.0).last().map(|m| m.value),
            Some(60.0),
            "no mark whose label the edge would cut"
        );
        assert!(nice_marks(&input, 45.0).iter().all(|m| m.step_size == 25.0));
    }
}
