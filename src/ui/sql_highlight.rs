//! SQL syntax colours for the editor, and the wavy mark under the part of the query an error points
//! at. Layouts are memoized per text, so typing re-tokenizes once per change, not once per frame.

use std::ops::Range;

use egui::text::LayoutJob;
use egui::{Color32, FontId, Stroke, TextFormat};

use crate::sql::text::{TokenKind, tokenize};

/// The layout of `sql` with colours for the current theme, and `error` underlined.
pub fn highlight(ui: &egui::Ui, sql: &str, error: Option<Range<usize>>) -> LayoutJob {
    type Cache = egui::cache::FrameCache<LayoutJob, Highlighter>;
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let dark = ui.visuals().dark_mode;
    let error = error.map(|r| (r.start, r.end));
    ui.ctx().memory_mut(|memory| {
        memory
            .caches
            .cache::<Cache>()
            .get((&font, dark, sql, error))
            .clone()
    })
}

#[derive(Default)]
struct Highlighter;

impl egui::cache::ComputerMut<(&FontId, bool, &str, Option<(usize, usize)>), LayoutJob>
    for Highlighter
{
    fn compute(
        &mut self,
        (font, dark, sql, error): (&FontId, bool, &str, Option<(usize, usize)>),
    ) -> LayoutJob {
        layout(font, dark, sql, error.map(|(s, e)| s..e).as_ref())
    }
}

fn colour(kind: TokenKind, dark: bool) -> Color32 {
    match (kind, dark) {
        (TokenKind::Keyword, true) => Color32::from_rgb(0x6c, 0xb6, 0xff),
        (TokenKind::Keyword, false) => Color32::from_rgb(0x00, 0x4d, 0xb3),
        (TokenKind::String, true) => Color32::from_rgb(0xe6, 0xa8, 0x6b),
        (TokenKind::String, false) => Color32::from_rgb(0xa3, 0x3f, 0x00),
        (TokenKind::Number, true) => Color32::from_rgb(0xb5, 0xce, 0xa8),
        (TokenKind::Number, false) => Color32::from_rgb(0x09, 0x86, 0x58),
        (TokenKind::Comment, true) => Color32::from_gray(0x80),
        (TokenKind::Comment, false) => Color32::from_gray(0x70),
        (TokenKind::Identifier | TokenKind::Plain, true) => Color32::from_gray(0xdc),
        (TokenKind::Identifier | TokenKind::Plain, false) => Color32::from_gray(0x20),
    }
}

fn layout(font: &FontId, dark: bool, sql: &str, error: Option<&Range<usize>>) -> LayoutJob {
    let mut job = LayoutJob::default();
    let error_colour = if dark {
        Color32::from_rgb(0xff, 0x6b, 0x6b)
    } else {
        Color32::from_rgb(0xd0, 0x10, 0x10)
    };
    for token in tokenize(sql) {
        // Split the token where the error mark starts and ends.
        let mut cuts = vec![token.range.start, token.range.end];
        if let Some(error) = error {
            for cut in [error.start, error.end] {
                if token.range.start < cut && cut < token.range.end && sql.is_char_boundary(cut) {
                    cuts.push(cut);
                }
            }
        }
        cuts.sort_unstable();
        for piece in cuts.windows(2) {
            let range = piece[0]..piece[1];
            let marked = error.is_some_and(|e| range.start >= e.start && range.end <= e.end);
            let mut format = TextFormat::simple(font.clone(), colour(token.kind, dark));
            if marked {
                format.underline = Stroke::new(2.0, error_colour);
                format.background = error_colour.gamma_multiply(0.18);
            }
            job.append(&sql[range], 0.0, format);
        }
    }
    job
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colours_tokens_and_marks_the_error() {
        let font = FontId::monospace(12.0);
        let sql = "SELECT nope FROM t";
        let job = layout(&font, true, sql, Some(&(7..11)));
        assert_eq!(job.text, sql, "the text is unchanged");
        let section = |needle: &str| {
            let start = sql.rfind(needle).unwrap();
            job.sections
                .iter()
                .find(|s| s.byte_range.start.0 <= start && start < s.byte_range.end.0)
                .unwrap()
                .format
                .clone()
        };
        assert_ne!(section("SELECT").color, section("t").color);
        assert_eq!(section("t").color, colour(TokenKind::Identifier, true));
        assert_eq!(section("SELECT").color, colour(TokenKind::Keyword, true));
        assert!(section("nope").underline.width > 0.0, "the error is marked");
        assert_eq!(section("FROM").underline, Stroke::NONE);
    }
}
