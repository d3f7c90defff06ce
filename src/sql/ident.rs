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

/// One part of a dotted name as typed: its text in the SQL and the name it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NamePart {
    /// The name: quotes removed and `""` undone for a quoted part, as typed otherwise.
    pub value: String,
    /// Whether it was written in double quotes (then case matters).
    pub quoted: bool,
}

impl NamePart {
    /// Whether this part, as DataFusion would read it, names `name`. Unquoted parts are compared
    /// ignoring case: the user who typed `userid` meant the column `userId`.
    pub fn names(&self, name: &str) -> bool {
        if self.quoted {
            self.value == name
        } else {
            self.value.eq_ignore_ascii_case(name)
        }
    }
}

/// Splits a dotted name as typed (`o."user`, `"My Zone".orders`) into its parts, each with the
/// byte where it starts; the last one may be a quoted part still open.
pub(crate) fn split_name(text: &str) -> Vec<(usize, NamePart)> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut value = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek().is_some_and(|(_, c)| *c == '"') => {
                chars.next();
                value.push('"');
            }
            '"' if in_quotes => in_quotes = false,
            '"' if value.is_empty() && !quoted => (in_quotes, quoted) = (true, true),
            '.' if !in_quotes => {
                let value = std::mem::take(&mut value);
                parts.push((start, NamePart { value, quoted }));
                (start, quoted) = (at + 1, false);
            }
            _ => value.push(c),
        }
    }
    parts.push((start, NamePart { value, quoted }));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_datafusion_would_misread() {
        assert_eq!(quote_ident("amount"), "amount");
        assert!(matches!(quote_ident("amount"), Cow::Borrowed(_)));
        assert_eq!(quote_ident("_ts2"), "_ts2");
        assert_eq!(quote_ident("userId"), "\"userId\"", "upper case is folded");
        assert_eq!(quote_ident("page views"), "\"page views\"");
        assert_eq!(quote_ident("order"), "\"order\"", "keyword");
        assert_eq!(quote_ident("select"), "\"select\"", "keyword");
        assert_eq!(quote_ident("user"), "\"user\"", "a function call when bare");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("2024_sales"), "\"2024_sales\"");
        assert_eq!(quote_ident("café"), "\"café\"");
        assert_eq!(quote_ident("a-b"), "\"a-b\"");
        assert_eq!(quote_ident(""), "\"\"");
    }

    #[test]
    fn quotes_each_part_of_a_qualified_name() {
        assert_eq!(quote_qualified(["landing", "orders"]), "landing.orders");
        assert_eq!(
            quote_qualified(["landing", "Raw Events"]),
            "landing.\"Raw Events\""
        );
        assert_eq!(quote_qualified(["my.zone", "t"]), "\"my.zone\".t");
    }

    #[test]
    fn splits_typed_names_into_parts() {
        let part = |start, value: &str, quoted| {
            let value = value.to_owned();
            (start, NamePart { value, quoted })
        };
        assert_eq!(
            split_name("o.amo"),
            [part(0, "o", false), part(2, "amo", false)]
        );
        assert_eq!(
            split_name("o.\"us"),
            [part(0, "o", false), part(2, "us", true)]
        );
        assert_eq!(
            split_name("\"my.zone\".\"a\"\"b"),
            [part(0, "my.zone", true), part(10, "a\"b", true)]
        );
        assert_eq!(
            split_name("zone."),
            [part(0, "zone", false), part(5, "", false)]
        );
        assert!(part(0, "userId", false).1.names("USERID"));
        assert!(!part(0, "userid", true).1.names("userId"));
    }
}
