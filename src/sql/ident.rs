//! Names as SQL text: a table, zone or column name written so that DataFusion reads back exactly
//! that name. DataFusion lower-cases unquoted identifiers, so `userId` must be written `"userId"`,
//! and `page views` or `order` only work quoted.

use std::borrow::Cow;

use datafusion::sql::sqlparser::keywords::ALL_KEYWORDS;

/// `name` as a SQL identifier: bare when DataFusion reads it back unchanged, else double-quoted.
///
/// Bare means lower-case ASCII letters, digits and `_`, not starting with a digit, and not one of
/// sqlparser's keywords. Every keyword is quoted, not only the reserved ones, because which
/// keywords the parser takes as names depends on where they stand (`user` alone is a function
/// call, `date` followed by a string is a literal).
pub fn quote_ident(name: &str) -> Cow<'_, str> {
    if is_bare_ident(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("\"{}\"", name.replace('"', "\"\"")))
    }
}

/// `parts` (zone, table, column…) joined with `.`, each quoted as needed: `landing."Raw Events"`.
pub fn quote_qualified<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&quote_ident(part));
    }
    out
}

/// Whether `name` can be written unquoted and still mean `name`.
fn is_bare_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_lowercase() || first == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !ALL_KEYWORDS
            .iter()
            .any(|keyword| keyword.eq_ignore_ascii_case(name))
}
