//! One `[[visuals]]` entry of a dashboard file: what it draws (`kind`), from which query (`sql`),
//! which columns (`x`, `y`, `series`, `y2`), where on the 12-column grid (`position`) and how it
//! looks (format, colours, ranges, thresholds). Serde types whose key names are the file's contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Columns of the dashboard grid.
pub const GRID_COLUMNS: u32 = 12;

/// What a visual draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VisualKind {
    /// One big number, optionally compared and with a sparkline.
    Kpi,
    /// One number on an arc, with bands and a target.
    Gauge,
    /// Lines over `x`.
    Line,
    /// Filled lines over `x`, stacked with `stack = true`.
    Area,
    /// Bars per `x` category, vertical or horizontal, grouped or stacked.
    Bar,
    /// Points of `x` against `y`.
    Scatter,
    /// Slices per `x` category sized by one `y`; a donut with `donut = true`.
    Pie,
    /// Counts of the values of `x` in `bins` buckets.
    Histogram,
    /// Cells of `x` against `series`, coloured by one `y`.
    Heatmap,
    /// The result as a table.
    Table,
    /// Markdown text, no query.
    Text,
}

impl VisualKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [Self; 11] = [
        Self::Kpi,
        Self::Gauge,
        Self::Line,
        Self::Area,
        Self::Bar,
        Self::Scatter,
        Self::Pie,
        Self::Histogram,
        Self::Heatmap,
        Self::Table,
        Self::Text,
    ];

    /// Whether the kind draws against an `x` column.
    pub fn needs_x(self) -> bool {
        matches!(
            self,
            Self::Line
                | Self::Area
                | Self::Bar
                | Self::Scatter
                | Self::Pie
                | Self::Histogram
                | Self::Heatmap
        )
    }

    /// Whether the kind needs at least one `y` column.
    pub fn needs_y(self) -> bool {
        !matches!(self, Self::Histogram | Self::Table | Self::Text)
    }

    /// Whether the kind draws exactly one value column (`y` has one entry).
    pub fn takes_one_y(self) -> bool {
        matches!(self, Self::Kpi | Self::Gauge | Self::Pie | Self::Heatmap)
    }
}

/// A place on the grid: column and row of the top-left cell, width and height in cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[u32; 4]", into = "[u32; 4]")]
pub struct Position {
    /// Column of the left edge, 0 to 11.
    pub col: u32,
    /// Row of the top edge, from 0.
    pub row: u32,
    /// Width in columns, at least 1; `col + width` at most 12.
    pub width: u32,
    /// Height in rows, at least 1.
    pub height: u32,
}

impl From<[u32; 4]> for Position {
    fn from([col, row, width, height]: [u32; 4]) -> Self {
        Self {
            col,
            row,
            width,
            height,
        }
    }
}

impl From<Position> for [u32; 4] {
    fn from(position: Position) -> Self {
        [position.col, position.row, position.width, position.height]
    }
}

impl Position {
    /// Why the position does not fit the 12-column grid, if it does not.
    pub fn problem(self) -> Option<String> {
        if self.width == 0 || self.height == 0 {
            Some(format!(
                "position {:?} has a width or height of 0: both must be at least 1",
                <[u32; 4]>::from(self)
            ))
        } else if self.col.saturating_add(self.width) > GRID_COLUMNS {
            Some(format!(
                "position {:?} runs past the {GRID_COLUMNS}-column grid: column + width must be at most {GRID_COLUMNS}",
                <[u32; 4]>::from(self)
            ))
        } else {
            None
        }
    }
}

/// How numbers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberFormat {
    /// Grouped digits, `decimals` places (the default).
    Number,
    /// Rounded to a whole number.
    Integer,
    /// A fraction times 100 with `%`.
    Percent,
    /// Bytes in KiB, MiB, GiB.
    Bytes,
    /// Seconds as `1h 02m`.
    Duration,
    /// Short scale: `1.2k`, `3.4M`.
    Compact,
}

/// A value from which on a colour applies (KPI, gauge, table cells).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Values at or above this take the colour (until the next higher threshold).
    pub value: f64,
    /// `#rrggbb` or `#rrggbbaa`.
    pub color: String,
}

/// How one table column is written and coloured: `[visuals.columns.<name>]`. Keys left out are
/// the plain defaults, not the visual's (the entry stands alone).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnStyle {
    /// How values are written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<NumberFormat>,
    /// Digits after the decimal point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// Unit written after values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Colours by value, in increasing `value` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
}

/// A coloured stretch of a gauge's arc.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Start of the stretch.
    pub from: f64,
    /// End of the stretch, above `from`.
    pub to: f64,
    /// `#rrggbb` or `#rrggbbaa`.
    pub color: String,
}

/// What a KPI compares its value with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compare {
    /// The same query over the range just before the current one, of the same length.
    PreviousPeriod,
}

/// Which way a KPI's change is good news.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Good {
    /// A rise is good, drawn green (the default: revenue, orders).
    #[default]
    Up,
    /// A fall is good, drawn green, and a rise red (errors, latency, blocked traffic).
    Down,
}

/// How lines treat missing data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gaps {
    /// The line stops at a gap and starts again after it (the default).
    #[default]
    Break,
    /// A straight line across the gap.
    Connect,
    /// Missing values drawn as 0.
    Zero,
}

/// Which way bars point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Bars grow upwards from the `x` axis (the default).
    #[default]
    Vertical,
    /// Bars grow rightwards; categories down the side.
    Horizontal,
}

/// One visual of a dashboard, as its `[[visuals]]` table says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visual {
    /// Unique within the dashboard, `[a-z0-9_-]`.
    pub id: String,
    /// Shown above the visual.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// What it draws.
    pub kind: VisualKind,
    /// The query (with `$__timeFilter(col)` and `$param` placeholders); none for `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// The column along the x axis (category for bar and pie, value for histogram).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// The value columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub y: Vec<String>,
    /// One series per value of this column (long-format results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Where on the grid.
    pub position: Position,
    /// How values are written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<NumberFormat>,
    /// Digits after the decimal point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// Unit written after values and on the value axis (`ms`, `€`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Series colours in order, `#rrggbb` or `#rrggbbaa`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub colors: Vec<String>,
    /// Fixed value-axis range `[min, max]` (a gauge's scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_range: Option<[f64; 2]>,
    /// Stack series (area, bar).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stack: bool,
    /// Columns drawn against a second value axis on the right (line, area, bar).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub y2: Vec<String>,
    /// Colours by value (KPI, gauge, table), in increasing `value` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// What a KPI compares with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<Compare>,
    /// Which way a KPI's change is good news (`"up"`, the default, or `"down"`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub good: Good,
    /// How lines treat missing data.
    #[serde(default, skip_serializing_if = "is_default")]
    pub gaps: Gaps,
    /// Which way bars point.
    #[serde(default, skip_serializing_if = "is_default")]
    pub orientation: Orientation,
    /// A pie with a hole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub donut: bool,
    /// Buckets of a histogram (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<u32>,
    /// Markdown of a `text` visual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A gauge's target mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// A gauge's coloured stretches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    /// The param a click on a bar, slice or cell sets to its category (cross-filtering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_filter: Option<String>,
    /// A table's columns written their own way, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, ColumnStyle>,
    /// How far ahead a line or area visual forecasts (`"24h"`); no forecast when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<String>,
    /// The forecast's prediction interval (default 0.95).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_level: Option<f64>,
    /// Mark the points of a line or area visual that fall outside their expected band.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anomalies: bool,
    /// The expected band's level for anomalies (default 0.99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anomaly_level: Option<f64>,
    /// Columns a KPI with `compare` breaks its change down by ("why did it change?").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drivers: Vec<String>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Visual {
    /// A visual with only the required keys; the rest take their defaults.
    pub fn new(id: impl Into<String>, kind: VisualKind, position: Position) -> Self {
        Self {
            id: id.into(),
            title: String::new(),
            kind,
            sql: None,
            x: None,
            y: Vec::new(),
            series: None,
            position,
            format: None,
            decimals: None,
            unit: None,
            colors: Vec::new(),
            y_range: None,
            stack: false,
            y2: Vec::new(),
            thresholds: Vec::new(),
            compare: None,
            good: Good::Up,
            gaps: Gaps::default(),
            orientation: Orientation::default(),
            donut: false,
            bins: None,
            text: None,
            target: None,
            bands: Vec::new(),
            cross_filter: None,
            columns: BTreeMap::new(),
            forecast: None,
            forecast_level: None,
            anomalies: false,
            anomaly_level: None,
            drivers: Vec::new(),
        }
    }

    /// Every problem of this visual on its own (ids against each other are checked by the caller).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_valid_id(&self.id) {
            problems.push(format!(
                "id `{}` may only use lowercase letters, digits, `_` and `-`",
                self.id
            ));
        }
        problems.extend(self.position.problem());
        let kind = serde_name(self.kind);
        match (self.kind, &self.sql) {
            (VisualKind::Text, _) if self.text.is_none() => {
                problems.push("a `text` visual needs `text` (Markdown)".into());
            }
            (VisualKind::Text, _) => {}
            (_, None) => problems.push(format!("a `{kind}` visual needs `sql`")),
            (_, Some(sql)) if sql.trim().is_empty() => problems.push("`sql` is empty".into()),
            _ => {}
        }
        if self.kind.needs_x() && self.x.is_none() {
            problems.push(format!(
                "a `{kind}` visual needs `x`, the column along its x axis"
            ));
        }
        if self.kind.needs_y() && self.y.is_empty() {
            problems.push(format!(
                "a `{kind}` visual needs `y`, a list of value columns"
            ));
        } else if self.kind.takes_one_y() && self.y.len() > 1 {
            problems.push(format!(
                "a `{kind}` visual draws one `y` column, not {}",
                self.y.len()
            ));
        }
        if self.kind == VisualKind::Heatmap && self.series.is_none() {
            problems.push("a `heatmap` visual needs `series`, the column of its rows".into());
        }
        if self.bins == Some(0) {
            problems.push("`bins` must be at least 1".into());
        }
        if self.kind == VisualKind::Table
            && self.y.is_empty()
            && (self.format.is_some()
                || self.decimals.is_some()
                || self.unit.is_some()
                || !self.thresholds.is_empty())
        {
            problems.push(
                "a `table` writes and colours its `y` columns by `format`, `decimals`, `unit` and `thresholds`, and this one names no `y`: list the value columns in `y`, or style single columns under `[visuals.columns.<name>]`".into(),
            );
        }
        if self.kind != VisualKind::Kpi && self.good != Good::Up {
            problems.push(format!(
                "`good` says which way a `kpi`'s change is good news, and this is a `{kind}`"
            ));
        }
        if self.kind != VisualKind::Table && !self.columns.is_empty() {
            problems.push(format!(
                "`columns` styles the columns of a `table`, not of a `{kind}`"
            ));
        }
        let column_thresholds = self.columns.values().flat_map(|c| &c.thresholds);
        let numbers = self.y_range.iter().flatten().copied();
        let numbers = numbers.chain(self.target);
        let numbers = numbers.chain(self.thresholds.iter().map(|t| t.value));
        let numbers = numbers.chain(column_thresholds.clone().map(|t| t.value));
        if let Some(bad) = numbers
            .chain(self.bands.iter().flat_map(|b| [b.from, b.to]))
            .find(|n| !n.is_finite())
        {
            problems.push(format!(
                "`{bad}` is not a number a chart can show: `y_range`, `target`, `thresholds` and `bands` take finite numbers"
            ));
        }
        if let Some([min, max]) = self.y_range
            && min >= max
        {
            problems.push(format!("`y_range` [{min}, {max}] must go from low to high"));
        }
        let colors = self.colors.iter();
        let colors = colors.chain(self.thresholds.iter().map(|t| &t.color));
        let colors = colors.chain(column_thresholds.map(|t| &t.color));
        for color in colors.chain(self.bands.iter().map(|b| &b.color)) {
            if !is_valid_color(color) {
                problems.push(format!(
                    "`{color}` is not a colour: write `#rrggbb` or `#rrggbbaa`"
                ));
            }
        }
        if std::iter::once(&self.thresholds)
            .chain(self.columns.values().map(|c| &c.thresholds))
            .any(|list| list.windows(2).any(|pair| pair[0].value >= pair[1].value))
        {
            problems.push("`thresholds` must be in increasing `value` order".into());
        }
        if let Some(band) = self.bands.iter().find(|band| band.from >= band.to) {
            problems.push(format!(
                "band {}..{} must go from low to high",
                band.from, band.to
            ));
        }
        problems.extend(super::insight_keys::problems(self));
        problems
    }
}

/// The kind as the file writes it (`kpi`, `line`).
fn serde_name(kind: VisualKind) -> String {
    format!("{kind:?}").to_lowercase()
}

/// Whether `id` is a valid visual id: not empty, `[a-z0-9_-]` only.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Whether `color` is `#rrggbb` or `#rrggbbaa`.
fn is_valid_color(color: &str) -> bool {
    color
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}
