//! What an image shows and where it came from, written into the file itself: PNG text chunks
//! (`Title`, `Software`, `Creation Time`, `Source`, and `Description` holding JSON) and SVG
//! `<title>`, `<desc>` and `<metadata>`. The JSON names the dashboard, the visual, each visual's
//! SQL, the source, the time range, the parameters and when the data was read; without
//! provenance (`--no-provenance`) the SQL and the source are left out, since they can be sensitive.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::png::TextChunk;

/// An image's provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct Provenance {
    /// What the image shows: the dashboard's title, and the visual's.
    pub title: String,
    /// `Lakesight <version>`.
    pub software: String,
    /// When the image was made.
    pub created: DateTime<Utc>,
    /// The lake read (left out without provenance).
    pub source: Option<String>,
    /// The JSON description.
    pub description: Value,
}

impl Provenance {
    /// The software's name and version, as images name it.
    pub fn software_name() -> String {
        format!("Lakesight {}", crate::build_info::VERSION)
    }

    /// The description as one line of JSON.
    pub fn json(&self) -> String {
        self.description.to_string()
    }

    /// The PNG text chunks, in the order written.
    pub fn png_chunks(&self) -> Vec<TextChunk> {
        let mut chunks = vec![
            TextChunk::new("Title", &self.title),
            TextChunk::new("Software", &self.software),
            TextChunk::new("Creation Time", &self.created.to_rfc2822()),
        ];
        if let Some(source) = &self.source {
            chunks.push(TextChunk::new("Source", source));
        }
        chunks.push(TextChunk::new("Description", &self.json()));
        chunks
    }
}
