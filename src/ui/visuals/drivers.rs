//! A KPI's "why did it change?": one sentence under its comparison naming the value of each
//! `drivers` column that changed most, and a "Why?" popover with every contributor found;
//! clicking one filters the dashboard on it when a param has the column's name.

use egui::{Rect, RichText};

use crate::model::Driver;
use crate::series::format::NumberStyle;

/// The largest change per column, in the file's column order: "US −80,210 €, web −51,000 €".
pub fn sentence(drivers: &[Driver], numbers: &NumberStyle) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for driver in drivers {
        if seen.contains(&driver.dimension.as_str()) {
            continue;
        }
        seen.push(&driver.dimension);
        parts.push(format!(
            "{} {}",
            shown(driver),
            signed(driver.change, numbers)
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A value as the tile writes it (`(null)` for null).
fn shown(driver: &Driver) -> String {
    driver.value.clone().unwrap_or_else(|| "(null)".to_owned())
}

/// `+1,234 €` or `−1,234 €`.
fn signed(value: f64, numbers: &NumberStyle) -> String {
    let sign = if value >= 0.0 { "+" } else { "−" };
    format!("{sign}{}", numbers.value(value.abs()))
}

/// The "Why?" button at `rect` and its popover; returns the `(column, value)` clicked.
pub fn why_ui(
    ui: &mut egui::Ui,
    rect: Rect,
    drivers: &Result<Vec<Driver>, String>,
    numbers: &NumberStyle,
) -> Option<(String, Option<String>)> {
    let button = ui.put(rect, egui::Button::new(RichText::new("Why?").small()));
    let mut clicked = None;
    egui::Popup::from_toggle_button_response(&button).show(|ui| {
        let rows = match drivers {
            Ok(rows) if !rows.is_empty() => rows,
            Ok(_) => {
                ui.weak("No contributors found.");
                return;
            }
            Err(why) => {
                ui.weak(format!("Could not break the value down: {why}"));
                return;
            }
        };
        ui.strong("What changed most, against the previous period");
        egui::Grid::new("kpi-drivers")
            .num_columns(5)
            .striped(true)
            .spacing([14.0, 4.0])
            .show(ui, |ui| {
                for title in ["column", "value", "now", "before", "change"] {
                    ui.weak(title);
                }
                ui.end_row();
                for driver in rows {
                    ui.label(&driver.dimension);
                    if ui
                        .link(shown(driver))
                        .on_hover_text("Filter the dashboard on this value")
                        .clicked()
                    {
                        clicked = Some((driver.dimension.clone(), driver.value.clone()));
                    }
                    ui.label(numbers.value(driver.current));
                    ui.label(numbers.value(driver.previous));
                    ui.strong(signed(driver.change, numbers));
                    ui.end_row();
                }
            });
    });
    clicked
}
