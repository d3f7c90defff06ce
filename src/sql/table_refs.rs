//! The tables a query names in `FROM` and `JOIN`, with their aliases (`FROM landing.orders o,
//! payments AS p`), read with DataFusion's own tokenizer so that quoted names and keywords are told
//! apart as the parser tells them apart. Text only: which catalog table a name means is for the
//! caller to decide.

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::{Keyword, RESERVED_FOR_TABLE_ALIAS};
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use super::ident::NamePart;
use super::text::byte_offset;

/// A table named in `FROM` or `JOIN`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TableRef {
    /// Its name as written: `[table]`, `[zone, table]` or `[catalog, zone, table]`.
    pub name: Vec<NamePart>,
    /// The alias after it, if any.
    pub alias: Option<NamePart>,
}

/// A token as far as table references care.
enum Item {
    /// A name or keyword (`NoKeyword` for quoted names).
    Word(NamePart, Keyword),
    Dot,
    Comma,
    Other,
}

/// The tables `sql` names, in order of appearance. Text the tokenizer rejects (an unclosed
/// string while typing) is read up to where it fails.
pub(crate) fn table_refs(sql: &str) -> Vec<TableRef> {
    let items = items(sql);
    let mut refs = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let clause = matches!(items[i], Item::Word(_, Keyword::FROM | Keyword::JOIN));
        i += 1;
        if !clause {
            continue;
        }
        // `FROM a x, b AS y`; a subquery or anything else ends the list.
        while let Some((name, next)) = dotted_name(&items, i) {
            i = next;
            let mut alias = None;
            match items.get(i) {
                Some(Item::Word(_, Keyword::AS)) => {
                    if let Some(Item::Word(word, _)) = items.get(i + 1) {
                        alias = Some(word.clone());
                        i += 1;
                    }
                    i += 1;
                }
                Some(Item::Word(word, keyword)) if !RESERVED_FOR_TABLE_ALIAS.contains(keyword) => {
                    alias = Some(word.clone());
                    i += 1;
                }
                _ => {}
            }
            refs.push(TableRef { name, alias });
            if !matches!(items.get(i), Some(Item::Comma)) {
                break;
            }
            i += 1;
        }
    }
    refs
}

/// The tables `sql` reads, as `table` or `schema.table` (a catalog part dropped; unquoted names
/// in lowercase, as DataFusion reads them).
pub fn table_names(sql: &str) -> Vec<String> {
    table_refs(sql)
        .into_iter()
        .map(|table| {
            let parts: Vec<String> = table
                .name
                .iter()
                .rev()
                .take(2)
                .rev()
                .map(|part| {
                    if part.quoted {
                        part.value.clone()
                    } else {
                        part.value.to_lowercase()
                    }
                })
                .collect();
            parts.join(".")
        })
        .collect()
}

/// The dotted name starting at item `i`, and the index after it.
fn dotted_name(items: &[Item], mut i: usize) -> Option<(Vec<NamePart>, usize)> {
    let Some(Item::Word(first, _)) = items.get(i) else {
        return None;
    };
    let mut name = vec![first.clone()];
    i += 1;
    while let (Some(Item::Dot), Some(Item::Word(part, _))) = (items.get(i), items.get(i + 1)) {
        name.push(part.clone());
        i += 2;
    }
    Some((name, i))
}

fn items(sql: &str) -> Vec<Item> {
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize()
        .or_else(|err| {
            let stop = byte_offset(sql, err.location.line, err.location.column).unwrap_or(0);
            Tokenizer::new(&dialect, &sql[..stop]).tokenize()
        })
        .unwrap_or_default();
    tokens
        .into_iter()
        .filter_map(|token| match token {
            Token::Word(word) => {
                let quoted = word.quote_style.is_some();
                let keyword = if quoted {
                    Keyword::NoKeyword
                } else {
                    word.keyword
                };
                let part = NamePart {
                    value: word.value,
                    quoted,
                };
                Some(Item::Word(part, keyword))
            }
            Token::Period => Some(Item::Dot),
            Token::Comma => Some(Item::Comma),
            Token::Whitespace(_) => None,
            _ => Some(Item::Other),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(sql: &str) -> Vec<(Vec<String>, Option<String>)> {
        table_refs(sql)
            .into_iter()
            .map(|r| {
                let name = r.name.into_iter().map(|p| p.value).collect();
                (name, r.alias.map(|a| a.value))
            })
            .collect()
    }

    fn name(parts: &[&str], alias: Option<&str>) -> (Vec<String>, Option<String>) {
        let parts = parts.iter().map(|p| (*p).to_owned()).collect();
        (parts, alias.map(str::to_owned))
    }

    #[test]
    fn table_names_drop_the_catalog_and_read_unquoted_names_in_lowercase() {
        assert_eq!(
            table_names("SELECT * FROM datafusion.Landing.Orders o JOIN \"Pay\" p ON 1 = 1"),
            ["landing.orders", "Pay"]
        );
    }

    #[test]
    fn finds_tables_and_aliases_in_from_and_join() {
        assert_eq!(
            refs("SELECT * FROM landing.orders o JOIN payments AS p ON o.id = p.id WHERE 1 = 1"),
            [
                name(&["landing", "orders"], Some("o")),
                name(&["payments"], Some("p"))
            ]
        );
        assert_eq!(
            refs("select * from a, \"My Zone\".\"T\" t2 where x in (select y from c)"),
            [
                name(&["a"], None),
                name(&["My Zone", "T"], Some("t2")),
                name(&["c"], None)
            ]
        );
        assert_eq!(
            refs("SELECT 1 FROM orders LIMIT 1"),
            [name(&["orders"], None)],
            "a clause keyword is no alias"
        );
        assert_eq!(
            refs("SELECT 'unclosed FROM x"),
            [],
            "read up to the unclosed string"
        );
        assert_eq!(
            refs("SELECT * FROM orders o WHERE 'open"),
            [name(&["orders"], Some("o"))]
        );
    }
}
