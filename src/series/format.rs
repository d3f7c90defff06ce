//! Numbers as a visual writes them: its `format` (grouped digits, integer, percent, bytes,
//! duration, compact), `decimals` and `unit`. Pure text formatting, shared by every visual kind
//! and by headless exports; no egui.

use crate::model::dashboard::{NumberFormat, Visual};

/// How one visual writes its numbers.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NumberStyle {
    /// The format (`None`: plain grouped number).
    pub format: Option<NumberFormat>,
    /// Digits after the decimal point (`None`: the format's default).
    pub decimals: Option<u8>,
    /// Written after the number, separated by a thin space unless it is `%`.
    pub unit: Option<String>,
}

impl NumberStyle {
    /// The number style of `visual`.
    pub fn of(visual: &Visual) -> Self {
        Self {
            format: visual.format,
            decimals: visual.decimals,
            unit: visual.unit.clone().filter(|u| !u.is_empty()),
        }
    }

    /// `value` in full, with its unit (tooltips, KPIs, table cells).
    pub fn value(&self, value: f64) -> String {
        let text = format_number(
            value,
            self.format.unwrap_or(NumberFormat::Number),
            self.decimals,
        );
        self.with_unit(text)
    }

    /// `value` short enough for an axis tick or a bar label, with its unit.
    pub fn short(&self, value: f64) -> String {
        let text = match self.format.unwrap_or(NumberFormat::Number) {
            NumberFormat::Number | NumberFormat::Integer if value.abs() >= 10_000.0 => {
                compact(value, None)
            }
            NumberFormat::Number => {
                let text = format_number(value, NumberFormat::Number, Some(short_decimals(value)));
                trim_zeros(&text).to_owned()
            }
            format => format_number(value, format, self.decimals),
        };
        self.with_unit(text)
    }

    /// `value` as an axis tick among ticks `step` apart: every tick with the decimals the step
    /// needs (`1.00|1.25|1.50`, `0.0005|0.0010`), large steps on the short scale (`200k`, `1.0M`)
    /// unless it would blur them (`1,002,500`), with its unit.
    pub fn tick(&self, value: f64, step: f64) -> String {
        if !step.is_finite() || step <= 0.0 || !value.is_finite() {
            return self.short(value);
        }
        // A tick a rounding error off its mark (`0.30000000000000004`, `-1e-17`) is the mark.
        let value = if (value / step).round() * step == 0.0 {
            0.0
        } else {
            value
        };
        let text = match self.format.unwrap_or(NumberFormat::Number) {
            NumberFormat::Number | NumberFormat::Integer | NumberFormat::Compact => {
                short_scale_tick(value, step)
            }
            NumberFormat::Percent => {
                format!("{}%", grouped(value * 100.0, step_decimals(step * 100.0)))
            }
            NumberFormat::Bytes => bytes_tick(value, step),
            NumberFormat::Duration => duration(value),
        };
        self.with_unit(text)
    }

    fn with_unit(&self, text: String) -> String {
        match &self.unit {
            Some(unit) if unit == "%" => format!("{text}%"),
            Some(unit) => format!("{text} {unit}"),
            None => text,
        }
    }
}

/// The fewest decimals that write every multiple of `step` exactly (`0.25`: 2, `2500`: 0); for
/// a step no few decimals write exactly, enough for three significant digits of it.
fn step_decimals(step: f64) -> u8 {
    (0..=8_u8)
        .find(|&places| {
            let scaled = step * 10_f64.powi(i32::from(places));
            (scaled - scaled.round()).abs() <= 1e-9 * scaled.abs().max(1.0)
        })
        .unwrap_or_else(|| (2.0 - step.log10().floor()).clamp(0.0, 8.0) as u8)
}

/// A tick of a plain number axis: grouped digits below a step of 1,000, else the short scale
/// with the decimals the step needs there, or every digit when that would take more than two.
fn short_scale_tick(value: f64, step: f64) -> String {
    const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];
    if step >= 1_000.0
        && let Some((scale, suffix)) = SUFFIXES.iter().find(|(scale, _)| value.abs() >= *scale)
    {
        let places = step_decimals(step / scale);
        if places <= 2 {
            return format!("{}{suffix}", grouped(value / scale, places));
        }
    }
    grouped(value, step_decimals(step))
}

/// A tick of a bytes axis: in the value's binary unit, with the decimals the step needs there
/// (at most two).
fn bytes_tick(value: f64, step: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut scale = 1.0;
    let mut unit = 0;
    while (value.abs() / scale) >= 1024.0 && unit < UNITS.len() - 1 {
        scale *= 1024.0;
        unit += 1;
    }
    let places = step_decimals(step / scale).min(2);
    format!("{} {}", grouped(value / scale, places), UNITS[unit])
}

/// Decimals enough to tell axis ticks apart without noise (`0.25`, `1.5`, `120`).
fn short_decimals(value: f64) -> u8 {
    let magnitude = value.abs();
    if magnitude == 0.0 || magnitude >= 100.0 || (magnitude.fract() == 0.0) {
        0
    } else if magnitude >= 1.0 {
        1
    } else {
        3
    }
}

/// `value` in `format` with `decimals` places (each format has its own default).
pub fn format_number(value: f64, format: NumberFormat, decimals: Option<u8>) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "–".into()
        } else {
            format!("{value}")
        };
    }
    match format {
        NumberFormat::Number => match decimals {
            Some(places) => grouped(value, places),
            None if value.fract() == 0.0 => grouped(value, 0),
            None => by_magnitude(value, 2),
        },
        NumberFormat::Integer => grouped(value.round(), 0),
        NumberFormat::Percent => {
            let percent = value * 100.0;
            match decimals {
                Some(places) => format!("{}%", grouped(percent, places)),
                None if percent.fract() == 0.0 => format!("{}%", grouped(percent, 1)),
                None => format!("{}%", by_magnitude(percent, 1)),
            }
        }
        NumberFormat::Bytes => bytes(value, decimals),
        NumberFormat::Duration => duration(value),
        NumberFormat::Compact => compact(value, decimals),
    }
}

/// Digits grouped by thousands with commas: `1,234,567.89`.
pub fn grouped(value: f64, decimals: u8) -> String {
    let text = format!("{:.*}", usize::from(decimals), value.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    // "-0" is not a number anyone wants to read.
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// `value` with at least `min_places` decimals, and below 1 as many as three significant digits
/// need (`0.0004`, `0.00123`, never `0.00` for a value that is not zero), without trailing zeros
/// beyond `min_places`.
fn by_magnitude(value: f64, min_places: u8) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && magnitude < 1e-9 {
        // Below a billionth, digits would run on: scientific notation (`4.00e-13`).
        return format!("{value:.2e}");
    }
    let places = if magnitude >= 1.0 || magnitude == 0.0 {
        min_places
    } else {
        ((2.0 - magnitude.log10().floor()) as u8).clamp(min_places, 12)
    };
    let text = grouped(value, places);
    let keep = text
        .find('.')
        .map_or(text.len(), |dot| dot + 1 + usize::from(min_places));
    let trimmed = text.trim_end_matches('0');
    let end = trimmed.len().max(keep.min(text.len()));
    text[..end].trim_end_matches('.').to_owned()
}

/// Short scale: `1.2k`, `3.4M`, `5.6B`, `7.8T`; a value that rounds up to the next scale is
/// written in it (`999,960` is `1M`, not `1000k`).
fn compact(value: f64, decimals: Option<u8>) -> String {
    const SCALES: [(f64, &str); 5] = [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    let places = usize::from(decimals.unwrap_or(1));
    let mut index = SCALES
        .iter()
        .rposition(|(scale, _)| value.abs() >= *scale)
        .unwrap_or(0);
    loop {
        let (scale, suffix) = SCALES[index];
        let text = format!("{:.*}", places, value / scale);
        let rounded_up = text.trim_start_matches('-').parse::<f64>().unwrap_or(0.0) >= 1000.0;
        if rounded_up && index + 1 < SCALES.len() {
            index += 1;
            continue;
        }
        return format!("{}{suffix}", trim_zeros(&text));
    }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// Bytes in binary units: `512 B`, `1.5 KiB`, `3.2 GiB`.
fn bytes(value: f64, decimals: Option<u8>) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut scaled = value;
    let mut unit = 0;
    while scaled.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    let places = if unit == 0 { 0 } else { decimals.unwrap_or(1) };
    format!("{} {}", grouped(scaled, places), UNITS[unit])
}

/// Seconds as `350 ms`, `4.2 s`, `3m 05s`, `1h 02m`, `2d 03h`.
fn duration(seconds: f64) -> String {
    let sign = if seconds < 0.0 { "-" } else { "" };
    let magnitude = seconds.abs();
    if magnitude < 1.0 {
        return format!(
            "{sign}{} ms",
            trim_zeros(&format!("{:.1}", magnitude * 1000.0))
        );
    }
    if magnitude < 60.0 {
        return format!("{sign}{} s", trim_zeros(&format!("{magnitude:.1}")));
    }
    let whole = magnitude.round() as u64;
    let (days, hours, minutes, secs) = (
        whole / 86_400,
        whole / 3_600 % 24,
        whole / 60 % 60,
        whole % 60,
    );
    if days > 0 {
        format!("{sign}{days}d {hours:02}h")
    } else if hours > 0 {
        format!("{sign}{hours}h {minutes:02}m")
    } else {
        format!("{sign}{minutes}m {secs:02}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(format: NumberFormat, decimals: Option<u8>, unit: Option<&str>) -> NumberStyle {
        NumberStyle {
            format: Some(format),
            decimals,
            unit: unit.map(str::to_owned),
        }
    }

    fn ticks(numbers: &NumberStyle, first: f64, step: f64, count: usize) -> Vec<String> {
        (0..count)
            .map(|i| numbers.tick(first + i as f64 * step, step))
            .collect()
    }

    #[test]
    fn ticks_take_their_decimals_from_the_step_between_them() {
        let plain = NumberStyle::default();
        assert_eq!(
            ticks(&plain, 1.0, 0.25, 5),
            ["1.00", "1.25", "1.50", "1.75", "2.00"]
        );
        assert_eq!(
            ticks(&plain, 1_000_000.0, 2_500.0, 5),
            [
                "1,000,000",
                "1,002,500",
                "1,005,000",
                "1,007,500",
                "1,010,000"
            ],
            "a step too fine for the short scale keeps every digit"
        );
        assert_eq!(
            ticks(&plain, 0.0, 0.0005, 5),
            ["0.0000", "0.0005", "0.0010", "0.0015", "0.0020"]
        );
        assert_eq!(
            ticks(&plain, 0.0, 200_000.0, 6),
            ["0", "200k", "400k", "600k", "800k", "1.0M"]
        );
        assert_eq!(ticks(&plain, 0.0, 0.1, 4), ["0.0", "0.1", "0.2", "0.3"]);
        assert_eq!(ticks(&plain, -20.0, 10.0, 3), ["-20", "-10", "0"]);
        assert_eq!(
            plain.tick(1.0 / 3.0, 1.0 / 3.0),
            "0.333",
            "a step that is not round"
        );
        let percent = style(NumberFormat::Percent, None, None);
        assert_eq!(ticks(&percent, 0.0, 0.025, 3), ["0.0%", "2.5%", "5.0%"]);
        let bytes = style(NumberFormat::Bytes, None, None);
        assert_eq!(
            ticks(&bytes, 0.0, 512.0 * 1024.0, 3),
            ["0 B", "512 KiB", "1.0 MiB"]
        );
        let ms = style(NumberFormat::Number, None, Some("ms"));
        assert_eq!(ms.tick(1.5, 0.5), "1.5 ms");
    }

    #[test]
    fn numbers_group_thousands_and_keep_the_decimals_asked_for() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-1_000.0, 0), "-1,000");
        assert_eq!(grouped(-0.001, 1), "0.0");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(
            style(NumberFormat::Number, None, Some("€")).value(12_345.5),
            "12,345.50 €"
        );
        assert_eq!(
            style(NumberFormat::Number, Some(0), None).value(12_345.5),
            "12,346"
        );
        assert_eq!(NumberStyle::default().value(42.0), "42");
    }

    #[test]
    fn each_format_writes_its_unit() {
        assert_eq!(format_number(2.6, NumberFormat::Integer, Some(3)), "3");
        assert_eq!(format_number(0.0523, NumberFormat::Percent, None), "5.2%");
        assert_eq!(
            format_number(0.0523, NumberFormat::Percent, Some(2)),
            "5.23%"
        );
        assert_eq!(format_number(512.0, NumberFormat::Bytes, None), "512 B");
        assert_eq!(
            format_number(1_572_864.0, NumberFormat::Bytes, None),
            "1.5 MiB"
        );
        assert_eq!(format_number(0.35, NumberFormat::Duration, None), "350 ms");
        assert_eq!(format_number(4.25, NumberFormat::Duration, None), "4.2 s");
        assert_eq!(format_number(185.0, NumberFormat::Duration, None), "3m 05s");
        assert_eq!(
            format_number(3_720.0, NumberFormat::Duration, None),
            "1h 02m"
        );
        assert_eq!(
            format_number(183_600.0, NumberFormat::Duration, None),
            "2d 03h"
        );
        assert_eq!(format_number(1_250.0, NumberFormat::Compact, None), "1.2k");
        assert_eq!(
            format_number(3_400_000.0, NumberFormat::Compact, None),
            "3.4M"
        );
        assert_eq!(format_number(-2e9, NumberFormat::Compact, None), "-2B");
        assert_eq!(format_number(12.0, NumberFormat::Compact, None), "12");
    }

    #[test]
    fn small_values_keep_their_significant_digits() {
        let plain = NumberStyle::default();
        assert_eq!(plain.value(0.0004), "0.0004", "not 0.00");
        assert_eq!(plain.value(0.001_234_5), "0.00123");
        assert_eq!(plain.value(-0.0004), "-0.0004");
        assert_eq!(
            plain.value(4e-13),
            "4.00e-13",
            "never 0.00 for a value that is not zero"
        );
        assert_eq!(plain.value(0.5), "0.50");
        assert_eq!(plain.value(3.25), "3.25");
        assert_eq!(
            format_number(0.000_004, NumberFormat::Percent, None),
            "0.0004%"
        );
        assert_eq!(format_number(0.05, NumberFormat::Percent, None), "5.0%");
        assert_eq!(
            format_number(0.0004, NumberFormat::Number, Some(2)),
            "0.00",
            "asked for"
        );
    }

    #[test]
    fn compact_values_that_round_up_take_the_next_scale() {
        assert_eq!(format_number(999_960.0, NumberFormat::Compact, None), "1M");
        assert_eq!(
            format_number(-999_960.0, NumberFormat::Compact, None),
            "-1M"
        );
        assert_eq!(format_number(999.97, NumberFormat::Compact, None), "1k");
        assert_eq!(
            format_number(999_400.0, NumberFormat::Compact, None),
            "999.4k"
        );
        assert_eq!(format_number(2e15, NumberFormat::Compact, None), "2000T");
    }

    #[test]
    fn axis_labels_are_short() {
        let plain = NumberStyle::default();
        assert_eq!(plain.short(2_500_000.0), "2.5M");
        assert_eq!(plain.short(0.25), "0.25");
        assert_eq!(plain.short(1.5), "1.5");
        assert_eq!(plain.short(120.0), "120");
        assert_eq!(
            style(NumberFormat::Percent, Some(0), None).short(0.5),
            "50%"
        );
        assert_eq!(format_number(f64::NAN, NumberFormat::Number, None), "–");
    }
}
