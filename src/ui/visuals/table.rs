//! Table visuals with `egui_extras`: numbers formatted and right-aligned, coloured by
//! `thresholds` (its `y` columns, or a column's own entry), striped rows, a click on a header sorting by that column (again: the other way),
//! and the clicked row's `x` cell (or first cell) for cross-filtering. The sort order is kept in
//! egui memory under the table's id, so the function stays a pure drawing of its inputs.

use std::sync::Arc;

use egui::{Align, Layout, RichText, Sense};
use egui_extras::{Column, TableBuilder};

use super::palette::threshold_color;
use super::time::relabel;
use super::{VisualResponse, VisualStyle};
use crate::model::dashboard::Visual;
use crate::series::visual::{ColumnLook, TableData};

/// Which column sorts the rows, and which way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sort {
    column: usize,
    ascending: bool,
}

/// The row order of one sort, kept until the data or the sort changes.
#[derive(Clone)]
struct Order {
    key: (usize, usize, Option<Sort>),
    rows: Arc<Vec<usize>>,
}

fn sorted_rows(data: &TableData, sort: Option<Sort>) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..data.rows.len()).collect();
    if let Some(Sort { column, ascending }) = sort {
        rows.sort_by(|&a, &b| {
            let ordering = if data.numeric.get(column).copied().unwrap_or(false) {
                let (x, y) = (data.numbers[a][column], data.numbers[b][column]);
                // Nulls last either way.
                match (x, y) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => return std::cmp::Ordering::Less,
                    (None, Some(_)) => return std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
            } else {
                data.rows[a][column].cmp(&data.rows[b][column])
            };
            if ascending {
                ordering
            } else {
                ordering.reverse()
            }
        });
    }
    rows
}

/// Copies `visual`'s sort under `scope` from one context to another.
pub fn carry_sort(from: &egui::Context, to: &egui::Context, scope: egui::Id, visual: &str) {
    let sort_id = scope.with(("table", visual)).with("sort");
    if let Some(sort) = from.data(|d| d.get_temp::<Option<Sort>>(sort_id)) {
        to.data_mut(|d| d.insert_temp(sort_id, sort));
    }
}

/// Draws a table; returns the clicked row's key cell.
pub fn table_ui(
    ui: &mut egui::Ui,
    visual: &Visual,
    data: &TableData,
    style: &VisualStyle,
) -> VisualResponse {
    let id = style.scope.with(("table", &visual.id));
    let sort_id = id.with("sort");
    let sort: Option<Sort> = ui.data(|d| d.get_temp(sort_id)).flatten();
    let key = (data.rows.as_ptr() as usize, data.rows.len(), sort);
    let cached = ui
        .data(|d| d.get_temp::<Order>(id))
        .filter(|o| o.key == key);
    let order = if let Some(order) = cached {
        order.rows
    } else {
        let rows = Arc::new(sorted_rows(data, sort));
        let order = Order {
            key,
            rows: Arc::clone(&rows),
        };
        ui.data_mut(|d| d.insert_temp(id, order));
        rows
    };
    let key_column = visual
        .x
        .as_ref()
        .and_then(|x| data.columns.iter().position(|c| c == x))
        .unwrap_or(0);
    let plain = ColumnLook::default();
    let mut next_sort = sort;
    let mut clicked = None;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let mut builder = TableBuilder::new(ui)
        .id_salt(id)
        .striped(true)
        .resizable(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .min_scrolled_height(0.0)
        .max_scroll_height(f32::INFINITY);
    for _ in &data.columns {
        builder = builder.column(Column::auto().at_least(60.0).clip(true));
    }
    builder
        .header(row_height + 2.0, |mut header| {
            for (index, name) in data.columns.iter().enumerate() {
                header.col(|ui| {
                    let arrow = match sort {
                        Some(Sort { column, ascending }) if column == index => {
                            if ascending {
                                " ⏶"
                            } else {
                                " ⏷"
                            }
                        }
                        _ => "",
                    };
                    let label = egui::Label::new(RichText::new(format!("{name}{arrow}")).strong())
                        .sense(Sense::click());
                    if ui.add(label).on_hover_text("Sort").clicked() {
                        next_sort = match sort {
                            Some(Sort {
                                column,
                                ascending: true,
                            }) if column == index => Some(Sort {
                                column,
                                ascending: false,
                            }),
                            _ => Some(Sort {
                                column: index,
                                ascending: true,
                            }),
                        };
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, order.len(), |mut row| {
                let index = order[row.index()];
                for (column, text) in data.rows[index].iter().enumerate() {
                    row.col(|ui| {
                        let number = data.numbers[index][column];
                        let look = data.looks.get(column).unwrap_or(&plain);
                        let label = match number {
                            Some(value) => {
                                let mut rich = RichText::new(look.number.value(value)).monospace();
                                if let Some(color) = threshold_color(&look.thresholds, value) {
                                    rich = rich.color(color).strong();
                                }
                                rich
                            }
                            None => RichText::new(relabel(&style.timezone, text)),
                        };
                        let response = if number.is_some() {
                            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                                ui.add(egui::Label::new(label).sense(Sense::click()))
                            })
                            .inner
                        } else {
                            ui.add(egui::Label::new(label).sense(Sense::click()))
                        };
                        if response.clicked() {
                            clicked = Some(data.rows[index][key_column].clone());
                        }
                    });
                }
            });
        });
    if next_sort != sort {
        ui.data_mut(|d| d.insert_temp(sort_id, next_sort));
    }
    VisualResponse {
        clicked,
        ..VisualResponse::default()
    }
}
