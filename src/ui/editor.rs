//! The SQL editor of one tab: highlighted SQL, autocomplete as you type (Tab or Enter accepts,
//! arrows choose, Esc closes, Ctrl+Space opens), Ctrl+Enter runs (the selection if any, replacing
//! a query still running), Esc or Stop cancels; while a query runs it shows elapsed time and rows
//! so far; an error is shown with its line and column, and marked in the text.

use std::ops::Range;
use std::time::Duration;

use egui::text::{CCursor, CCursorRange};
use egui::{Key, Modifiers};

use crate::command::{Command, CommandSender, TabId};
use crate::sql::{Completions, Suggestion};

/// Suggestions shown at once.
const MAX_SUGGESTIONS: usize = 12;

/// What the editor shows about the tab's query.
pub struct EditorStatus<'a> {
    /// Elapsed time and rows so far, while a query runs.
    pub running: Option<(Duration, usize)>,
    /// The last query's outcome (`12 rows in 0.04 s`, or the error).
    pub outcome: Option<&'a str>,
    /// Whether `outcome` is an error.
    pub failed: bool,
    /// The part of the SQL the error points at (byte range), to mark.
    pub error_span: Option<Range<usize>>,
}

/// The autocomplete list, kept between frames.
#[derive(Default)]
pub struct EditorState {
    suggestions: Vec<Suggestion>,
    /// The byte range of the SQL a suggestion replaces.
    replace: Range<usize>,
    selected: usize,
}

impl EditorState {
    /// Closes the suggestion list.
    pub fn close(&mut self) {
        self.suggestions.clear();
        self.selected = 0;
    }

    fn open(&mut self, completions: &Completions, sql: &str, cursor: usize, asked: bool) {
        let (replace, suggestions) = completions.suggest(sql, cursor, MAX_SUGGESTIONS, asked);
        self.replace = replace;
        self.suggestions = suggestions;
        self.selected = 0;
    }

    /// Puts suggestion `index` in place of the word typed and moves the cursor after it.
    fn accept(&mut self, ctx: &egui::Context, id: egui::Id, sql: &mut String, index: usize) {
        let Some(suggestion) = self.suggestions.get(index) else {
            return;
        };
        let replace = self.replace.start.min(sql.len())..self.replace.end.min(sql.len());
        sql.replace_range(replace.clone(), &suggestion.text);
        let cursor = sql[..replace.start].chars().count() + suggestion.text.chars().count();
        if let Some(mut state) = egui::TextEdit::load_state(ctx, id) {
            state
                .cursor
                .set_char_range(Some(CCursorRange::one(CCursor::new(cursor))));
            egui::TextEdit::store_state(ctx, id, state);
        }
        ctx.memory_mut(|m| m.request_focus(id));
        self.close();
    }
}

/// Draws the editor for `sql`, the SQL of query tab `tab` (keyed by the tab's stable id: undo
/// history and cursor belong to the tab, not to its position).
pub fn editor_ui(
    ui: &mut egui::Ui,
    tab: TabId,
    sql: &mut String,
    status: &EditorStatus<'_>,
    state: &mut EditorState,
    completions: Option<&Completions>,
    commands: &CommandSender,
) {
    let id = ui.make_persistent_id(("sql-editor", tab));
    // Line and column of the error, from the text the mark was checked against (before this
    // frame's edits).
    let error_at = status
        .error_span
        .as_ref()
        .map(|span| crate::sql::text::line_column(sql, span.start));
    let label = ui.label("SQL editor");
    let focused = ui.memory(|m| m.has_focus(id));

    // The suggestion list takes its keys before the editor sees them.
    let mut accept = None;
    if focused && !state.suggestions.is_empty() {
        let count = state.suggestions.len();
        ui.input_mut(|i| {
            // Exactly these keys: Shift+Enter and Shift+Tab keep their usual meaning.
            if !i.modifiers.is_none() {
                return;
            }
            if i.consume_key(Modifiers::NONE, Key::ArrowDown) {
                state.selected = (state.selected + 1) % count;
            }
            if i.consume_key(Modifiers::NONE, Key::ArrowUp) {
                state.selected = (state.selected + count - 1) % count;
            }
            if i.consume_key(Modifiers::NONE, Key::Tab)
                || i.consume_key(Modifiers::NONE, Key::Enter)
            {
                accept = Some(state.selected);
            }
            if i.consume_key(Modifiers::NONE, Key::Escape) {
                state.close();
            }
        });
    }
    if let Some(index) = accept {
        state.accept(ui.ctx(), id, sql, index);
    }
    let open_requested = focused && ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Space));

    let error_span = status.error_span.clone();
    let mut layouter = |ui: &egui::Ui, text: &dyn egui::TextBuffer, wrap_width: f32| {
        let mut job = super::sql_highlight::highlight(ui, text.as_str(), error_span.clone());
        job.wrap.max_width = wrap_width;
        ui.fonts_mut(|f| f.layout_job(job))
    };
    let list_open = !state.suggestions.is_empty();
    let output = egui::TextEdit::multiline(sql)
        .id(id)
        .code_editor()
        // While the list is open, Esc closes it (next frame) rather than leaving the editor.
        .event_filter(egui::EventFilter {
            tab: true,
            horizontal_arrows: true,
            vertical_arrows: true,
            escape: list_open,
        })
        .desired_rows(8)
        .desired_width(f32::INFINITY)
        .hint_text("SELECT ... (Ctrl+Enter runs, Ctrl+Space completes)")
        .layouter(&mut layouter)
        .show(ui);
    let response = (*output.response).clone().labelled_by(label.id);
    let cursor = output.cursor_range.map(|r| r.primary);
    let cursor_byte = cursor.map(|c| byte_of_char(sql, c.index.0));

    if let (Some(completions), Some(at)) = (completions, cursor_byte) {
        if response.changed() || open_requested {
            state.open(completions, sql, at, open_requested);
        } else if at != state.replace.end {
            // The cursor moved away from the word: nothing to complete there.
            state.close();
        }
    }
    let mut clicked = None;
    if let Some(cursor) = cursor
        && !state.suggestions.is_empty()
        && (response.has_focus() || accept.is_some())
    {
        let below = output.galley.pos_from_cursor(cursor).left_bottom();
        clicked = suggestions_ui(ui, id, output.galley_pos + below.to_vec2(), state);
    }
    if let Some(index) = clicked {
        state.accept(ui.ctx(), id, sql, index);
    } else if !response.has_focus() && accept.is_none() {
        state.close();
    }

    let run_shortcut = response.has_focus()
        && ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter));
    // The selection, with its byte offset in the editor (to place an error in it).
    let selected = output.cursor_range.and_then(|range| {
        let text = range.slice_str(sql.as_str());
        let start = byte_of_char(sql, range.as_sorted_char_range().start.0);
        (!text.trim().is_empty()).then(|| (text.to_owned(), start))
    });
    ui.horizontal(|ui| {
        let running = status.running.is_some();
        // Run stays enabled while a query runs: running again replaces (and cancels) it, so a
        // click during the start-up query is never lost.
        if ui.button("Run").clicked() || run_shortcut {
            let (sql, offset) = selected.clone().unwrap_or_else(|| (sql.clone(), 0));
            commands.send(Command::Run { tab, sql, offset });
        }
        if ui.add_enabled(running, egui::Button::new("Stop")).clicked()
            || (running && ui.input(|i| i.key_pressed(egui::Key::Escape)))
        {
            commands.send(Command::Cancel { tab });
        }
        if let Some((elapsed, rows)) = status.running {
            super::busy::busy_ui(ui);
            ui.label(format!(
                "running {:.1} s · {rows} rows so far",
                elapsed.as_secs_f64()
            ));
        } else if let Some(outcome) = status.outcome {
            if status.failed {
                let at = error_at.map(|(line, column)| format!("line {line}, column {column}: "));
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("{}{outcome}", at.unwrap_or_default()),
                );
            } else {
                ui.label(outcome);
            }
        }
    });
}

/// The suggestion list below the cursor; returns the one pressed.
fn suggestions_ui(
    ui: &egui::Ui,
    id: egui::Id,
    at: egui::Pos2,
    state: &EditorState,
) -> Option<usize> {
    let mut pressed = None;
    egui::Area::new(id.with("completions"))
        .order(egui::Order::Foreground)
        .fixed_pos(at)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_min_width(220.0);
                for (index, suggestion) in state.suggestions.iter().enumerate() {
                    let text = egui::RichText::new(&suggestion.label).monospace();
                    let item = ui
                        .horizontal(|ui| {
                            let item = ui.selectable_label(index == state.selected, text);
                            ui.weak(&suggestion.detail);
                            item
                        })
                        .inner;
                    // On press, not release: the press moves focus out of the editor.
                    if item.hovered() && ui.input(|i| i.pointer.primary_pressed()) {
                        pressed = Some(index);
                    }
                }
            });
        });
    pressed
}

/// The byte offset of character `index` in `text`.
fn byte_of_char(text: &str, index: usize) -> usize {
    text.char_indices()
        .nth(index)
        .map_or(text.len(), |(b, _)| b)
}
