//! Grid marks for value axes at round steps (1, 2, 2.5 or 5 times a power of ten), spaced so
//! every mark can carry a readable label: `egui_plot`'s default marks are powers of ten only and
//! fade the labels in between, which leaves small tiles with one label or none.

use egui_plot::{GridInput, GridMark};

/// `egui_plot`'s `base_step_size` is the value span of this many points (its minimum grid spacing).
const BASE_SPACING_PX: f64 = 8.0;

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
    let last = (max / step).floor() as i64;
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

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_round_and_far_enough_apart() {
        // 0..80 over 160 points: a point is 0.5, so 40 points are 20 units.
        let input = GridInput {
            bounds: (0.0, 80.0),
            base_step_size: 0.5 * BASE_SPACING_PX,
        };
        let marks = nice_marks(&input, 40.0);
        let values: Vec<f64> = marks.iter().map(|m| m.value).collect();
        assert_eq!(values, [0.0, 20.0, 40.0, 60.0, 80.0]);
        assert!(nice_marks(&input, 45.0).iter().all(|m| m.step_size == 25.0));
    }
}
