//! Colours of visuals: a categorical palette for series (Tableau 10, readable on dark and light
//! backgrounds), the spec's `colors` over it, threshold colours, and a sequential scale for
//! heatmaps.

use egui::Color32;

use crate::model::dashboard::{Band, Threshold, Visual};

/// Tableau 10: distinct hues of similar weight, legible on dark and light backgrounds.
pub const TABLEAU_10: [Color32; 10] = [
    Color32::from_rgb(0x4e, 0x79, 0xa7),
    Color32::from_rgb(0xf2, 0x8e, 0x2b),
    Color32::from_rgb(0xe1, 0x57, 0x59),
    Color32::from_rgb(0x76, 0xb7, 0xb2),
    Color32::from_rgb(0x59, 0xa1, 0x4f),
    Color32::from_rgb(0xed, 0xc9, 0x48),
    Color32::from_rgb(0xb0, 0x7a, 0xa1),
    Color32::from_rgb(0xff, 0x9d, 0xa7),
    Color32::from_rgb(0x9c, 0x75, 0x5f),
    Color32::from_rgb(0xba, 0xb0, 0xac),
];

/// A rise (green) and a fall (red) that read on both themes.
pub const GOOD: Color32 = Color32::from_rgb(0x3c, 0xb3, 0x71);
/// See [`GOOD`].
pub const BAD: Color32 = Color32::from_rgb(0xe0, 0x4f, 0x4f);

/// `#rrggbb` or `#rrggbbaa` as a colour.
pub fn parse_hex(text: &str) -> Option<Color32> {
    let hex = text.strip_prefix('#')?;
    let byte = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|b| u8::from_str_radix(b, 16).ok())
    };
    match hex.len() {
        6 => Some(Color32::from_rgb(byte(0)?, byte(2)?, byte(4)?)),
        8 => Some(Color32::from_rgba_unmultiplied(
            byte(0)?,
            byte(2)?,
            byte(4)?,
            byte(6)?,
        )),
        _ => None,
    }
}

/// The colour of series `index` of `visual`: its `colors` first, then the palette.
pub fn series_color(visual: &Visual, index: usize) -> Color32 {
    visual
        .colors
        .get(index)
        .and_then(|c| parse_hex(c))
        .unwrap_or(TABLEAU_10[index % TABLEAU_10.len()])
}

/// The colour of the highest threshold at or below `value`, if any.
pub fn threshold_color(thresholds: &[Threshold], value: f64) -> Option<Color32> {
    thresholds
        .iter()
        .rev()
        .find(|t| value >= t.value)
        .and_then(|t| parse_hex(&t.color))
}

/// The gauge band `value` falls in, by the thresholds' rule: a value on a boundary takes the band
/// above it (`[0, 5)` then `[5, 10]`: 5 is in the second); the top of the highest band is in it.
#[allow(clippy::float_cmp)] // exactly the top of the scale
pub fn band_at(bands: &[Band], value: f64) -> Option<&Band> {
    bands
        .iter()
        .filter(|b| value >= b.from && value < b.to)
        .max_by(|a, b| a.from.total_cmp(&b.from))
        // Exactly the top of a band no band goes on from (the highest, or one before a gap).
        .or_else(|| bands.iter().rfind(|b| value == b.to))
}

/// Viridis: a perceptually even scale, dark to light, readable on either theme.
const VIRIDIS: [Color32; 6] = [
    Color32::from_rgb(0x44, 0x01, 0x54),
    Color32::from_rgb(0x41, 0x44, 0x87),
    Color32::from_rgb(0x2a, 0x78, 0x8e),
    Color32::from_rgb(0x22, 0xa8, 0x84),
    Color32::from_rgb(0x7a, 0xd1, 0x51),
    Color32::from_rgb(0xfd, 0xe7, 0x25),
];

/// The scale colour of `t` in 0..=1.
pub fn sequential(t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f32;
    let low = (t.floor() as usize).min(VIRIDIS.len() - 2);
    lerp(VIRIDIS[low], VIRIDIS[low + 1], t - low as f32)
}

/// `a` blended towards `b` by `t` (opaque result when both are).
pub fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let mix = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgba_premultiplied(
        mix(a.r(), b.r()),
        mix(a.g(), b.g()),
        mix(a.b(), b.b()),
        mix(a.a(), b.a()),
    )
}

/// Black or white, whichever reads on `background`.
pub fn text_on(background: Color32) -> Color32 {
    let luma = 0.299 * f32::from(background.r())
        + 0.587 * f32::from(background.g())
        + 0.114 * f32::from(background.b());
    if luma > 150.0 {
        Color32::from_gray(20)
    } else {
        Color32::WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_on_a_band_boundary_takes_the_upper_band_as_thresholds_do() {
        let band = |from: f64, to: f64, color: &str| Band {
            from,
            to,
            color: color.to_owned(),
        };
        let bands = [band(0.0, 5.0, "#00ff00"), band(5.0, 10.0, "#ff0000")];
        let color = |v: f64| band_at(&bands, v).map(|b| b.color.as_str());
        assert_eq!(color(5.0), Some("#ff0000"), "the boundary: the upper band");
        assert_eq!(color(4.99), Some("#00ff00"));
        assert_eq!(color(0.0), Some("#00ff00"));
        assert_eq!(color(10.0), Some("#ff0000"), "the top of the scale");
        assert_eq!(color(10.5), None);
        let gapped = [band(0.0, 50.0, "#00ff00"), band(80.0, 100.0, "#ff0000")];
        assert_eq!(
            band_at(&gapped, 50.0).map(|b| b.color.as_str()),
            Some("#00ff00"),
            "the top of a band before a gap is in it"
        );
        assert_eq!(color(-1.0), None);
        let thresholds = [
            Threshold {
                value: 0.0,
                color: "#00ff00".into(),
            },
            Threshold {
                value: 5.0,
                color: "#ff0000".into(),
            },
        ];
        assert_eq!(
            threshold_color(&thresholds, 5.0),
            band_at(&bands, 5.0).and_then(|b| parse_hex(&b.color)),
            "one rule for both"
        );
    }

    #[test]
    fn hex_colours_parse_with_and_without_alpha() {
        assert_eq!(parse_hex("#ff8000"), Some(Color32::from_rgb(255, 128, 0)));
        assert_eq!(parse_hex("#ff800080").map(|c| c.a()), Some(128));
        assert_eq!(parse_hex("ff8000"), None);
    }

    #[test]
    fn the_highest_threshold_at_or_below_the_value_wins() {
        let t = |value: f64, color: &str| Threshold {
            value,
            color: color.into(),
        };
        let thresholds = [t(0.0, "#00ff00"), t(10.0, "#ff0000")];
        assert_eq!(threshold_color(&thresholds, -1.0), None);
        assert_eq!(threshold_color(&thresholds, 5.0), parse_hex("#00ff00"));
        assert_eq!(threshold_color(&thresholds, 10.0), parse_hex("#ff0000"));
    }
}
