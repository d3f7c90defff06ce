//! SQL as text, for the editor: token classes for highlighting (DataFusion's own SQL tokenizer, so
//! highlighting agrees with the parser), the word being typed, and where an error points.

use std::ops::Range;

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

/// What a piece of SQL text is, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `SELECT`, `FROM`, ...
    Keyword,
    /// A table, column or function name.
    Identifier,
    /// `'text'`.
    String,
    /// `42`, `1.5e3`.
    Number,
    /// `-- ...` or `/* ... */`.
    Comment,
    /// Operators, punctuation and whitespace.
    Plain,
}

/// A classified byte range of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlToken {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// What it is.
    pub kind: TokenKind,
}

/// Splits `sql` into classified ranges covering all of it. Text the tokenizer rejects (an
/// unterminated string while typing) is classified up to the error and plain after it.
pub fn tokenize(sql: &str) -> Vec<SqlToken> {
    let dialect = GenericDialect {};
    let tokens = match Tokenizer::new(&dialect, sql).tokenize_with_location() {
        Ok(tokens) => tokens,
        Err(err) => {
            let mut stop = byte_offset(sql, err.location.line, err.location.column).unwrap_or(0);
            let mut kind = TokenKind::Plain;
            if stop >= sql.len() {
                // An unclosed `/*` is reported at the very end: colour from where it opens.
                match sql.rfind("/*") {
                    Some(open) => (stop, kind) = (open, TokenKind::Comment),
                    None => stop = 0,
                }
            }
            // Strictly shorter text each time, so this ends.
            let mut head = if 0 < stop && stop < sql.len() {
                tokenize(&sql[..stop])
            } else {
                Vec::new()
            };
            head.push(SqlToken {
                range: stop..sql.len(),
                kind,
            });
            return head;
        }
    };
    let mut starts = Vec::with_capacity(tokens.len());
    let mut locator = Locator::new(sql);
    for token in &tokens {
        starts.push(locator.offset(token.span.start.line, token.span.start.column));
    }
    let mut out: Vec<SqlToken> = Vec::with_capacity(tokens.len());
    for (index, token) in tokens.iter().enumerate() {
        let start = starts[index];
        let end = starts.get(index + 1).copied().unwrap_or(sql.len());
        if start >= end {
            continue;
        }
        let kind = classify(&token.token);
        // Merge neighbours of one kind (runs of spaces, for instance): fewer layout sections.
        match out.last_mut() {
            Some(last) if last.kind == kind && last.range.end == start => last.range.end = end,
            _ => out.push(SqlToken {
                range: start..end,
                kind,
            }),
        }
    }
    out
}

/// The `$name` placeholders of `sql`, each with its byte range (`$` included) and its name
/// (without `$`), in order; none when the tokenizer rejects the text. A `$name` inside a string
/// literal, a quoted name or a comment is not a placeholder.
pub fn placeholders(sql: &str) -> Vec<(Range<usize>, String)> {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Vec::new();
    };
    let mut locator = Locator::new(sql);
    tokens
        .iter()
        .filter_map(|token| match &token.token {
            Token::Placeholder(text) => {
                let name = text.strip_prefix('$')?;
                let start = locator.offset(token.span.start.line, token.span.start.column);
                let end = start + text.len();
                (sql.get(start..end) == Some(text.as_str())).then(|| (start..end, name.to_owned()))
            }
            _ => None,
        })
        .collect()
}

fn classify(token: &Token) -> TokenKind {
    match token {
        Token::Word(word)
            if word.quote_style.is_none()
                && word.keyword != Keyword::NoKeyword
                && !is_function_like(word) =>
        {
            TokenKind::Keyword
        }
        Token::Word(_) | Token::DoubleQuotedString(_) => TokenKind::Identifier,
        Token::Number(..) => TokenKind::Number,
        Token::SingleQuotedString(_)
        | Token::TripleSingleQuotedString(_)
        | Token::DollarQuotedString(_)
        | Token::EscapedStringLiteral(_)
        | Token::NationalStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_) => TokenKind::String,
        Token::Whitespace(
            Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_),
        ) => TokenKind::Comment,
        _ => TokenKind::Plain,
    }
}

/// Words the tokenizer knows as keywords but that analysts read as names (`count(...)`, a
/// `date` column): coloured as identifiers.
fn is_function_like(word: &datafusion::sql::sqlparser::tokenizer::Word) -> bool {
    matches!(
        word.keyword,
        Keyword::COUNT
            | Keyword::SUM
            | Keyword::MIN
            | Keyword::MAX
            | Keyword::AVG
            | Keyword::DATE
            | Keyword::TIME
            | Keyword::TIMESTAMP
            | Keyword::HOUR
            | Keyword::DAY
            | Keyword::MONTH
            | Keyword::YEAR
            | Keyword::USER
            | Keyword::STATUS
            | Keyword::NAME
            | Keyword::VALUE
    )
}

/// Converts the tokenizer's 1-based line and column (in characters) to byte offsets, walking
/// forward only: tokens arrive in order.
struct Locator<'a> {
    sql: &'a str,
    line: u64,
    column: u64,
    byte: usize,
}

impl<'a> Locator<'a> {
    fn new(sql: &'a str) -> Self {
        Self {
            sql,
            line: 1,
            column: 1,
            byte: 0,
        }
    }

    fn offset(&mut self, line: u64, column: u64) -> usize {
        if (line, column) < (self.line, self.column) {
            *self = Self::new(self.sql);
        }
        for ch in self.sql[self.byte..].chars() {
            if (self.line, self.column) >= (line, column) {
                break;
            }
            self.byte += ch.len_utf8();
            if ch == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.byte
    }
}

/// The byte offset of 1-based `line` and `column` (characters), if inside `sql`.
pub fn byte_offset(sql: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 || column == 0 {
        return None;
    }
    let mut locator = Locator::new(sql);
    let offset = locator.offset(line, column);
    ((locator.line, locator.column) == (line, column)).then_some(offset)
}

/// 1-based line and column (characters) of byte `offset`.
pub fn line_column(sql: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(sql.len());
    while !sql.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &sql[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The name being typed at byte `cursor`, with any qualifiers: `o.amo`, `consumption.ord`, a
/// quoted name still open (`"page vi`, spaces and all) or after quoted qualifiers
/// (`"My Zone".ord`). Empty inside a string or a comment.
pub fn word_before(sql: &str, cursor: usize) -> Range<usize> {
    let mut cursor = cursor.min(sql.len());
    while !sql.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let before = &sql[..cursor];
    let quotes = scan_quotes(before);
    let mut start = match quotes.open {
        Open::Nothing => cursor - trailing_word_len(before),
        Open::Name(at) => at,
        Open::StringOrComment => return cursor..cursor,
    };
    // Qualifiers: `a.`, `"A b".` before the part being typed.
    while start > 0 && before.as_bytes()[start - 1] == b'.' {
        let dot = start - 1;
        let part_start = match quotes.closed_names.last() {
            Some(name) if name.end == dot => name.start,
            _ => dot - trailing_word_len(&before[..dot]),
        };
        if part_start == dot {
            break;
        }
        start = part_start;
    }
    start..cursor
}

/// Bytes at the end of `text` that can make an unquoted name.
fn trailing_word_len(text: &str) -> usize {
    text.chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum()
}

/// What the end of a text is inside of.
enum Open {
    Nothing,
    /// A double-quoted name opened at this byte and not closed.
    Name(usize),
    StringOrComment,
}

struct Quotes {
    open: Open,
    /// Byte ranges of the closed double-quoted names, quotes included, in order.
    closed_names: Vec<Range<usize>>,
}

/// Walks `text` (a prefix of the SQL) through strings, comments and quoted names. Every delimiter
/// is ASCII, so walking bytes never splits a character that matters.
fn scan_quotes(text: &str) -> Quotes {
    #[derive(Clone, Copy)]
    enum State {
        Code,
        Name(usize),
        String,
        LineComment,
        BlockComment,
    }
    let bytes = text.as_bytes();
    let mut closed_names = Vec::new();
    let mut state = State::Code;
    let mut i = 0;
    while i < bytes.len() {
        let next = bytes.get(i + 1).copied();
        match (state, bytes[i]) {
            (State::Code, b'"') => state = State::Name(i),
            (State::Code, b'\'') => state = State::String,
            (State::Code, b'-') if next == Some(b'-') => (state, i) = (State::LineComment, i + 1),
            (State::Code, b'/') if next == Some(b'*') => (state, i) = (State::BlockComment, i + 1),
            // A doubled quote is one quote inside the name or string.
            (State::Name(_), b'"') | (State::String, b'\'') if next == Some(bytes[i]) => i += 1,
            (State::Name(start), b'"') => {
                closed_names.push(start..i + 1);
                state = State::Code;
            }
            (State::String, b'\'') | (State::LineComment, b'\n') => state = State::Code,
            (State::BlockComment, b'*') if next == Some(b'/') => (state, i) = (State::Code, i + 1),
            _ => {}
        }
        i += 1;
    }
    let open = match state {
        State::Code => Open::Nothing,
        State::Name(start) => Open::Name(start),
        State::String | State::LineComment | State::BlockComment => Open::StringOrComment,
    };
    Quotes { open, closed_names }
}

/// Where in `sql` an error `message` points, as a byte range to mark: the parser's
/// `Line: N, Column: M`, or the first mention of a name the planner could not find.
pub fn error_span(sql: &str, message: &str) -> Option<Range<usize>> {
    if let Some(at) = message.rfind("Line: ") {
        let rest = &message[at + "Line: ".len()..];
        let (line, rest) = rest.split_once(", Column: ")?;
        let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let start = byte_offset(sql, line.trim().parse().ok()?, column.parse().ok()?)?;
        return Some(token_at(sql, start));
    }
    let name = missing_name(message)?;
    let tokens = tokenize(sql);
    tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Identifier)
        .find(|t| {
            let text = sql[t.range.clone()].trim_matches('"');
            text.eq_ignore_ascii_case(&name)
        })
        .map(|t| t.range.clone())
}

/// Where an error `message` about `ran` (the whole editor text, or a selection of it starting
/// at byte `offset`) points within `editor`.
pub fn error_span_in_editor(
    editor: &str,
    ran: &str,
    offset: usize,
    message: &str,
) -> Option<Range<usize>> {
    let base = if editor
        .get(offset..)
        .is_some_and(|rest| rest.starts_with(ran))
    {
        offset
    } else {
        // The editor changed since: the first place the SQL run still appears, if any.
        editor.find(ran)?
    };
    let span = error_span(ran, message)?;
    Some(span.start + base..span.end + base)
}

/// The name in "No field named x" or "table 'a.b.x' not found", without qualifiers.
fn missing_name(message: &str) -> Option<String> {
    let raw = if let Some(at) = message.find("No field named ") {
        let rest = &message[at + "No field named ".len()..];
        rest.split(|c: char| c.is_whitespace() || c == ',')
            .next()?
            .trim_end_matches('.')
    } else if let Some(at) = message.find("table '") {
        let rest = &message[at + "table '".len()..];
        rest.split('\'').next()?
    } else {
        return None;
    };
    let last = raw.rsplit('.').next()?.trim_matches('"');
    (!last.is_empty()).then(|| last.to_owned())
}

/// The token starting at byte `start` (one character when none does).
fn token_at(sql: &str, start: usize) -> Range<usize> {
    tokenize(sql)
        .into_iter()
        .find(|t| t.range.start <= start && start < t.range.end && t.kind != TokenKind::Plain)
        .map_or_else(
            || start..start + sql[start..].chars().next().map_or(0, char::len_utf8),
            |t| t.range,
        )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(&str, TokenKind)> {
        tokenize(sql)
            .into_iter()
            .filter(|t| !sql[t.range.clone()].trim().is_empty())
            .map(|t| (&sql[t.range], t.kind))
            .collect()
    }

    #[test]
    fn classifies_keywords_names_literals_and_comments() {
        let sql =
            "SELECT count(*), \"Total\" FROM orders -- all\nWHERE amount > 1.5 AND city = 'Köln'";
        let got = kinds(sql);
        assert!(got.contains(&("SELECT", TokenKind::Keyword)));
        assert!(got.contains(&("count", TokenKind::Identifier)));
        assert!(got.contains(&("\"Total\"", TokenKind::Identifier)));
        assert!(got.contains(&("orders", TokenKind::Identifier)));
        assert!(got.contains(&("-- all\n", TokenKind::Comment)));
        assert!(got.contains(&("1.5", TokenKind::Number)));
        assert!(got.contains(&("'Köln'", TokenKind::String)));
        // The ranges cover the text exactly, in order.
        let tokens = tokenize(sql);
        assert_eq!(tokens.first().unwrap().range.start, 0);
        assert_eq!(tokens.last().unwrap().range.end, sql.len());
        assert!(
            tokens
                .windows(2)
                .all(|w| w[0].range.end == w[1].range.start)
        );
    }

    #[test]
    fn an_unterminated_string_still_highlights_what_comes_before() {
        let sql = "SELECT a FROM t WHERE b = 'open";
        let tokens = tokenize(sql);
        assert_eq!(tokens.last().unwrap().range.end, sql.len());
        assert!(kinds(sql).contains(&("SELECT", TokenKind::Keyword)));
    }

    #[test]
    fn unclosed_comments_and_strings_do_not_break_highlighting() {
        for sql in [
            "SELECT 1 /* open",
            "/*",
            "SELECT '",
            "SELECT $$ x",
            "'",
            "SELECT 1 -- end",
        ] {
            let tokens = tokenize(sql);
            assert_eq!(tokens.last().unwrap().range.end, sql.len(), "{sql}");
            assert!(
                tokens
                    .windows(2)
                    .all(|w| w[0].range.end == w[1].range.start)
            );
        }
        let sql = "SELECT 1 /* open";
        assert!(kinds(sql).contains(&("/* open", TokenKind::Comment)));
        assert_eq!(
            line_column("é\nab", 1),
            (1, 1),
            "inside a character: its start"
        );
    }

    #[test]
    fn finds_the_word_being_typed() {
        let sql = "SELECT o.amo FROM consumption.ord";
        assert_eq!(&sql[word_before(sql, 12)], "o.amo");
        assert_eq!(&sql[word_before(sql, sql.len())], "consumption.ord");
        assert_eq!(word_before(sql, 7), 7..7);
        // Quoted names: open ones with their spaces, closed ones as qualifiers.
        let sql = "SELECT \"page vi";
        assert_eq!(&sql[word_before(sql, sql.len())], "\"page vi");
        let sql = "SELECT t.\"a\"\"b";
        assert_eq!(&sql[word_before(sql, sql.len())], "t.\"a\"\"b");
        let sql = "SELECT * FROM \"My Zone\".ord";
        assert_eq!(&sql[word_before(sql, sql.len())], "\"My Zone\".ord");
        let sql = "SELECT \"done\"";
        assert_eq!(word_before(sql, sql.len()), sql.len()..sql.len());
        // Nothing to complete inside strings and comments, even with quotes in them.
        for sql in [
            "SELECT 'ord",
            "SELECT 'it''s ord",
            "SELECT 1 -- \"ord",
            "SELECT /* ord",
        ] {
            assert_eq!(word_before(sql, sql.len()), sql.len()..sql.len(), "{sql}");
        }
        let sql = "SELECT 'a\"b', /* \" */ x.ord";
        assert_eq!(&sql[word_before(sql, sql.len())], "x.ord");
    }

    #[test]
    fn points_at_parser_and_planner_errors() {
        let sql = "SELECT a,\n  FROM orders";
        let message = "SQL error: ParserError(\"Expected: an expression, found: FROM at Line: 2, Column: 3\")";
        let span = error_span(sql, message).unwrap();
        assert_eq!(&sql[span.clone()], "FROM");
        assert_eq!(line_column(sql, span.start), (2, 3));

        let sql = "SELECT nope FROM orders";
        let message = "Schema error: No field named nope. Valid fields are orders.id.";
        assert_eq!(&sql[error_span(sql, message).unwrap()], "nope");

        let sql = "select * from Missing_Table";
        let message = "Error during planning: table 'datafusion.public.missing_table' not found";
        assert_eq!(&sql[error_span(sql, message).unwrap()], "Missing_Table");

        assert_eq!(error_span("SELECT 1", "Resources exhausted"), None);

        // A selection that also appears earlier in the editor: marked where it was selected.
        let editor = "SELECT nope FROM t;\nSELECT nope FROM t";
        let message = "Schema error: No field named nope.";
        let second = editor.rfind("SELECT").unwrap();
        let span = error_span_in_editor(editor, "SELECT nope FROM t", second, message).unwrap();
        assert_eq!(line_column(editor, span.start), (2, 8));
        let edited = "-- edited\nSELECT nope FROM t";
        let span = error_span_in_editor(edited, "SELECT nope FROM t", 0, message).unwrap();
        assert_eq!(
            line_column(edited, span.start),
            (2, 8),
            "found again after an edit"
        );
    }
}
