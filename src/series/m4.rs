//! M4 reduction of a line for drawing (Jugel et al., "M4: A Visualization-Oriented Time Series
//! Data Aggregation", VLDB 2014): for each pixel column of the plot, only the first, last, lowest
//! and highest point can change which pixels a line touches, so keeping those four (at most) per
//! column draws exactly the same picture as every point, however long the series. Computed for
//! the x range in view, so zooming or panning recomputes it from the full data.
//!
//! Missing values break the line: a `None` ends a segment and the next value starts a new one,
//! so the reduction never draws a straight line across a gap.

/// The x range shown and how many pixel columns it spans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelColumns {
    /// The left edge of the view (x units).
    pub x_min: f64,
    /// The right edge of the view (x units).
    pub x_max: f64,
    /// Pixel columns across the view.
    pub width_px: usize,
}

impl PixelColumns {
    /// The pixel column of `x` (points left or right of the view get the outermost columns).
    pub fn column(&self, x: f64) -> usize {
        let span = (self.x_max - self.x_min).max(f64::MIN_POSITIVE);
        let last = self.width_px.saturating_sub(1);
        let at = ((x - self.x_min) / span * self.width_px as f64).floor();
        if at.is_nan() || at < 0.0 {
            0
        } else {
            (at as usize).min(last)
        }
    }
}

/// Reduces the line through `(xs[i], ys[i])` (x ascending) to at most four points per pixel
/// column and segment, keeping one point on each side of the view so lines run to its edges.
/// Returns the segments to draw, each a run of points without a gap.
pub fn m4(xs: &[f64], ys: &[Option<f64>], view: PixelColumns) -> Vec<Vec<[f64; 2]>> {
    let mut segments = Vec::new();
    let mut segment: Vec<[f64; 2]> = Vec::new();
    // The points of the current column, by index into the input: first, min, max, last.
    let mut bucket: Option<(usize, [usize; 4])> = None;
    let flush = |bucket: &mut Option<(usize, [usize; 4])>, segment: &mut Vec<[f64; 2]>| {
        if let Some((_, mut picks)) = bucket.take() {
            picks.sort_unstable();
            let mut last = None;
            for index in picks {
                if last != Some(index) {
                    segment.push([xs[index], ys[index].unwrap_or_default()]);
                    last = Some(index);
                }
            }
        }
    };
    let n = xs.len().min(ys.len());
    // Only the points in view, plus one on each side.
    let first = xs[..n]
        .partition_point(|&x| x < view.x_min)
        .saturating_sub(1);
    let end = (xs[..n].partition_point(|&x| x <= view.x_max) + 1).min(n);
    for index in first..end {
        let Some(y) = ys[index] else {
            flush(&mut bucket, &mut segment);
            if !segment.is_empty() {
                segments.push(std::mem::take(&mut segment));
            }
            continue;
        };
        let column = view.column(xs[index]);
        match &mut bucket {
            Some((at, picks)) if *at == column => {
                let value = |i: usize| ys[i].unwrap_or_default();
                if y < value(picks[1]) {
                    picks[1] = index;
                }
                if y > value(picks[2]) {
                    picks[2] = index;
                }
                picks[3] = index;
            }
            _ => {
                flush(&mut bucket, &mut segment);
                bucket = Some((column, [index; 4]));
            }
        }
    }
    flush(&mut bucket, &mut segment);
    if !segment.is_empty() {
        segments.push(segment);
    }
    segments
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const HEIGHT_PX: f64 = 200.0;

    /// The pixels a plot of `segments` touches: each point's column and row, and between
    /// consecutive points every column they cross, with the rows between them.
    fn raster(
        segments: &[Vec<[f64; 2]>],
        view: PixelColumns,
        y_range: (f64, f64),
    ) -> BTreeSet<(usize, i64)> {
        let row = |y: f64| ((y - y_range.0) / (y_range.1 - y_range.0) * HEIGHT_PX).floor() as i64;
        let mut pixels = BTreeSet::new();
        for segment in segments {
            for pair in segment.windows(2) {
                let ([x0, y0], [x1, y1]) = (pair[0], pair[1]);
                let (c0, c1) = (view.column(x0), view.column(x1));
                if c0 == c1 {
                    for r in row(y0.min(y1))..=row(y0.max(y1)) {
                        pixels.insert((c0, r));
                    }
                    continue;
                }
                // Columns crossed: the line's rows where it enters and leaves each column.
                for column in c0..=c1 {
                    let edge = |c: usize| {
                        view.x_min + (view.x_max - view.x_min) * c as f64 / view.width_px as f64
                    };
                    let (left, right) = (edge(column).max(x0), edge(column + 1).min(x1));
                    let at = |x: f64| y0 + (y1 - y0) * (x - x0) / (x1 - x0);
                    let (a, b) = (row(at(left)), row(at(right)));
                    for r in a.min(b)..=a.max(b) {
                        pixels.insert((column, r));
                    }
                }
            }
            if let [only] = segment.as_slice() {
                pixels.insert((view.column(only[0]), row(only[1])));
            }
        }
        pixels
    }

    fn noisy_series(n: usize) -> (Vec<f64>, Vec<Option<f64>>) {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f64 / 100.0
        };
        let xs: Vec<f64> = (0..n).map(|i| i as f64 * 0.37).collect();
        let ys = (0..n)
            .map(|i| {
                let value = next();
                // A gap now and then: the line must break there.
                (i % 997 > 5).then_some(value + (i as f64 / 500.0).sin() * 40.0)
            })
            .collect();
        (xs, ys)
    }

    fn whole(xs: &[f64], ys: &[Option<f64>]) -> Vec<Vec<[f64; 2]>> {
        let mut segments = vec![Vec::new()];
        for (x, y) in xs.iter().zip(ys) {
            match y {
                Some(y) => segments
                    .last_mut()
                    .map(|s| s.push([*x, *y]))
                    .unwrap_or_default(),
                None => segments.push(Vec::new()),
            }
        }
        segments.retain(|s| !s.is_empty());
        segments
    }

    #[test]
    fn the_reduced_line_touches_exactly_the_pixels_of_the_whole_line() {
        let (xs, ys) = noisy_series(200_000);
        let y_range = (-50.0, 150.0);
        for view in [
            PixelColumns {
                x_min: 0.0,
                x_max: 74_000.0,
                width_px: 800,
            },
            // Zoomed in: recomputed for the view, still exact.
            PixelColumns {
                x_min: 10_000.0,
                x_max: 10_500.0,
                width_px: 640,
            },
        ] {
            let reduced = m4(&xs, &ys, view);
            let points: usize = reduced.iter().map(Vec::len).sum();
            assert!(
                points <= 4 * view.width_px + 4 * 2 * 200 + 2,
                "{points} points"
            );
            let in_view: Vec<usize> = (0..xs.len())
                .filter(|&i| xs[i] >= view.x_min && xs[i] <= view.x_max)
                .collect();
            let lo = in_view[0].saturating_sub(1);
            let hi = (in_view[in_view.len() - 1] + 2).min(xs.len());
            let full = whole(&xs[lo..hi], &ys[lo..hi]);
            assert_eq!(
                raster(&reduced, view, y_range),
                raster(&full, view, y_range)
            );
        }
    }

    #[test]
    fn gaps_break_the_line() {
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let ys = [Some(1.0), Some(2.0), None, Some(3.0), Some(4.0)];
        let view = PixelColumns {
            x_min: 0.0,
            x_max: 4.0,
            width_px: 100,
        };
        assert_eq!(
            m4(&xs, &ys, view),
            vec![vec![[0.0, 1.0], [1.0, 2.0]], vec![[3.0, 3.0], [4.0, 4.0]]]
        );
    }

    #[test]
    fn a_column_keeps_its_first_lowest_highest_and_last_point() {
        let xs: Vec<f64> = (0..10).map(f64::from).collect();
        let ys: Vec<Option<f64>> = [5.0, 9.0, 1.0, 7.0, 3.0, 6.0, 0.5, 8.0, 2.0, 4.0]
            .into_iter()
            .map(Some)
            .collect();
        let view = PixelColumns {
            x_min: 0.0,
            x_max: 10.0,
            width_px: 1,
        };
        assert_eq!(
            m4(&xs, &ys, view),
            vec![vec![[0.0, 5.0], [1.0, 9.0], [6.0, 0.5], [9.0, 4.0]]]
        );
    }
}
