//! Line, area and scatter data: each series' points in x order, with gaps marked (`None`) where
//! a value is missing or, on a time axis, where a bucket is missing (a step over 1.5 times the
//! median step); `gaps = "connect"` drops them, `"zero"` draws them as 0. Stacked series share
//! one x grid and carry the base each band is drawn from.

use crate::model::dashboard::Gaps;

/// What the x values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XKind {
    /// Seconds since the Unix epoch, UTC.
    Time,
    /// Calendar days (a DATE column), as seconds since the epoch at each day's UTC midnight:
    /// shown as the day they are, in no time zone.
    Date,
    /// Plain numbers.
    Number,
    /// Indices into [`XyData::categories`].
    Category,
}

/// One line, area or set of points.
#[derive(Clone, Debug, PartialEq)]
pub struct XySeries {
    /// Legend name.
    pub name: String,
    /// x values, ascending.
    pub xs: Vec<f64>,
    /// y values (the top of the band when stacked); `None` is a gap.
    pub ys: Vec<Option<f64>>,
    /// Where a stacked band starts (the series below's top), one per x.
    pub base: Option<Vec<f64>>,
    /// Drawn against the right-hand axis.
    pub right_axis: bool,
}

impl XySeries {
    /// The series' own value at index `i` (the band's height when stacked).
    pub fn value(&self, i: usize) -> Option<f64> {
        let top = self.ys.get(i).copied().flatten()?;
        Some(
            top - self
                .base
                .as_ref()
                .and_then(|b| b.get(i))
                .copied()
                .unwrap_or(0.0),
        )
    }
}

/// What a line, area or scatter visual draws.
#[derive(Clone, Debug, PartialEq)]
pub struct XyData {
    /// The x column's name.
    pub x_name: String,
    /// What x values are.
    pub x_kind: XKind,
    /// Category names, for [`XKind::Category`].
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<XySeries>,
    /// The smallest and largest y drawn against the left and the right axis ([`y_extents`]).
    pub y_extents: [Option<[f64; 2]>; 2],
    /// Why less than the whole result is drawn, if it is.
    pub note: Option<String>,
}

/// The smallest and largest y drawn against each axis, left then right: every value and the
/// bases of stacked bands. Found once when the data is prepared, since a chart needs it every
/// frame and a line may have millions of points.
pub fn y_extents(series: &[XySeries]) -> [Option<[f64; 2]>; 2] {
    let mut extents = [None, None];
    for series in series {
        let extent: &mut Option<[f64; 2]> = &mut extents[usize::from(series.right_axis)];
        let values = series.ys.iter().flatten();
        for &y in values.chain(series.base.iter().flatten()) {
            if y.is_finite() {
                *extent = Some(extent.map_or([y, y], |[low, high]| [low.min(y), high.max(y)]));
            }
        }
    }
    extents
}

/// `xs` and `ys` in x order (rows without an x left out); stable, and free when already sorted.
pub fn ordered(xs: Vec<Option<f64>>, ys: Vec<Option<f64>>) -> (Vec<f64>, Vec<Option<f64>>) {
    let (xs, ys): (Vec<f64>, Vec<Option<f64>>) = xs
        .into_iter()
        .zip(ys)
        .filter_map(|(x, y)| {
            x.filter(|x| x.is_finite())
                .map(|x| (x, y.filter(|y| y.is_finite())))
        })
        .unzip();
    if xs.is_sorted() {
        return (xs, ys);
    }
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    (
        order.iter().map(|&i| xs[i]).collect(),
        order.iter().map(|&i| ys[i]).collect(),
    )
}

/// The median step between neighbouring distinct x values (`None` under two values).
pub fn median_step(xs: &[f64]) -> Option<f64> {
    let mut steps: Vec<f64> = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|s| *s > 0.0)
        .collect();
    if steps.is_empty() {
        return None;
    }
    let middle = steps.len() / 2;
    let (_, median, _) = steps.select_nth_unstable_by(middle, f64::total_cmp);
    Some(*median)
}

/// Applies `gaps` to one series; on a time axis, `step` is the visual's bucket (the median step
/// of all its series together, so a series with rows every 4 hours beside an hourly one has gaps
/// too): a step over 1.5 times it is a missing bucket, treated as a missing value.
pub fn apply_gaps(
    xs: Vec<f64>,
    ys: Vec<Option<f64>>,
    gaps: Gaps,
    step: Option<f64>,
) -> (Vec<f64>, Vec<Option<f64>>) {
    let (xs, ys) = match step {
        Some(step) if gaps != Gaps::Connect => {
            let mut out_x = Vec::with_capacity(xs.len());
            let mut out_y = Vec::with_capacity(ys.len());
            for (i, (&x, &y)) in xs.iter().zip(&ys).enumerate() {
                if i > 0 && x - xs[i - 1] > 1.5 * step {
                    // One missing point after the last bucket and, for zeros, one before the next
                    // bucket, so the line drops to 0 for the whole gap.
                    out_x.push(xs[i - 1] + step);
                    out_y.push(None);
                    if gaps == Gaps::Zero && x - step > xs[i - 1] + step {
                        out_x.push(x - step);
                        out_y.push(None);
                    }
                }
                out_x.push(x);
                out_y.push(y);
            }
            (out_x, out_y)
        }
        _ => (xs, ys),
    };
    match gaps {
        Gaps::Break => (xs, ys),
        Gaps::Zero => (xs, ys.into_iter().map(|y| Some(y.unwrap_or(0.0))).collect()),
        Gaps::Connect => xs.into_iter().zip(ys).filter(|(_, y)| y.is_some()).unzip(),
    }
}

/// Stacks `series` in order on one shared x grid (missing values count as 0).
pub fn stack(series: &mut [XySeries]) {
    let mut grid: Vec<f64> = series.iter().flat_map(|s| s.xs.iter().copied()).collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let mut base = vec![0.0; grid.len()];
    for one in series.iter_mut() {
        let mut top = base.clone();
        for (x, y) in one.xs.iter().zip(&one.ys) {
            if let (Ok(at), Some(y)) = (grid.binary_search_by(|g| g.total_cmp(x)), y) {
                top[at] += y;
            }
        }
        one.xs.clone_from(&grid);
        one.ys = top.iter().copied().map(Some).collect();
        one.base = Some(std::mem::replace(&mut base, top));
    }
}
