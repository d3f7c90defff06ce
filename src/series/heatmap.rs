//! What a heatmap visual draws: a grid of two categories (or time buckets, already formatted)
//! against a value, repeated cells summed, with the value range for the colour scale.

use std::collections::HashMap;

/// A heatmap's grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Column labels, in order of first appearance.
    pub x_labels: Vec<String>,
    /// Row labels, in order of first appearance.
    pub y_labels: Vec<String>,
    /// `cells[row][column]`: the sum of the values in the cell (`None`: no value).
    pub cells: Vec<Vec<Option<f64>>>,
    /// The smallest and largest cell, for the colour scale.
    pub range: Option<(f64, f64)>,
}

/// The grid of `values` placed by `xs` (columns) and `ys` (rows); nulls add nothing.
pub fn heatmap(xs: &[String], ys: &[String], values: &[Option<f64>]) -> Heatmap {
    fn index_of(labels: &mut Vec<String>, seen: &mut HashMap<String, usize>, label: &str) -> usize {
        *seen.entry(label.to_owned()).or_insert_with(|| {
            labels.push(label.to_owned());
            labels.len() - 1
        })
    }
    let (mut x_labels, mut y_labels) = (Vec::new(), Vec::new());
    let (mut x_seen, mut y_seen) = (HashMap::new(), HashMap::new());
    let mut sums: HashMap<(usize, usize), f64> = HashMap::new();
    for ((x, y), value) in xs.iter().zip(ys).zip(values) {
        let column = index_of(&mut x_labels, &mut x_seen, x);
        let row = index_of(&mut y_labels, &mut y_seen, y);
        if let Some(value) = value.filter(|v| v.is_finite()) {
            *sums.entry((row, column)).or_default() += value;
        }
    }
    let mut cells = vec![vec![None; x_labels.len()]; y_labels.len()];
    let mut range: Option<(f64, f64)> = None;
    for ((row, column), sum) in sums {
        cells[row][column] = Some(sum);
        range = Some(range.map_or((sum, sum), |(lo, hi)| (lo.min(sum), hi.max(sum))));
    }
    Heatmap {
        x_labels,
        y_labels,
        cells,
        range,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn cells_sum_repeats_and_keep_the_order_of_first_appearance() {
        let map = heatmap(
            &strings(&["mon", "tue", "mon", "mon"]),
            &strings(&["DE", "DE", "FR", "DE"]),
            &[Some(1.0), Some(2.0), Some(4.0), Some(8.0)],
        );
        assert_eq!(map.x_labels, ["mon", "tue"]);
        assert_eq!(map.y_labels, ["DE", "FR"]);
        assert_eq!(map.cells, [[Some(9.0), Some(2.0)], [Some(4.0), None]]);
        assert_eq!(map.range, Some((2.0, 9.0)));
    }

    #[test]
    fn nulls_leave_a_cell_empty() {
        let map = heatmap(&strings(&["a"]), &strings(&["b"]), &[None]);
        assert_eq!(map.cells, [[None]]);
        assert_eq!(map.range, None);
    }
}
