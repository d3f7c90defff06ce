//! SQL as the editor sees it: token classes for highlighting (DataFusion's own tokenizer, so the
//! colours agree with the parser), autocomplete over a lake's catalog, and where an error points.
//! Pure functions of text and catalog: no session, no egui.

pub mod completion;
pub mod ident;
mod table_refs;
pub mod text;

pub use completion::{Completions, Suggestion, SuggestionKind};
pub use ident::{quote_ident, quote_qualified};
pub use table_refs::table_names;
