//! Which objects in a table are data, and in what format: names first, content when the name has
//! no extension (Kinesis Data Firehose writes objects without one, gzip-compressed or not).

use std::fmt;
use std::io::Read;

/// A file format Lakesight reads.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DataFormat {
    /// Apache Parquet.
    Parquet,
    /// JSON records: newline-delimited, or concatenated with no separator (Firehose).
    Json,
    /// CSV with a header row.
    Csv,
    /// Arrow IPC file format (Feather v2).
    Arrow,
}

/// A whole-file compression codec for JSON and CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`, Firehose's GZIP).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
    /// bzip2 (`.bz2`).
    Bzip2,
}

/// What a data file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKind {
    /// The record format.
    pub format: DataFormat,
    /// The compression around it (always `None` for Parquet and Arrow).
    pub compression: Compression,
}

impl fmt::Display for DataFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Parquet => "parquet",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Arrow => "arrow",
        })
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Zstd => "zstd",
            Self::Bzip2 => "bzip2",
        })
    }
}

/// What a file's name says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameClass {
    /// Not data: hidden, `_`-prefixed, temporary or checksum files.
    Ignored,
    /// A data file whose extension names its kind.
    Data(FileKind),
    /// No extension: the content decides (Firehose's default output).
    NeedsSniff,
    /// An extension Lakesight does not read (`.txt`, `.md`, …).
    Unrecognized,
}

/// Classifies an object by its path relative to the table (`year=2026/…/file.parquet`).
///
/// Any path segment that starts with `.` or `_` hides everything below it, which covers
/// `_SUCCESS`, `.crc` files, `_temporary/` folders and the simulator's `.tmp-*` files.
pub fn classify_name(relative_path: &str) -> NameClass {
    if relative_path
        .split('/')
        .any(|seg| seg.starts_with('.') || seg.starts_with('_'))
    {
        return NameClass::Ignored;
    }
    let name = relative_path
        .rsplit('/')
        .next()
        .unwrap_or(relative_path)
        .to_ascii_lowercase();
    if [
        ".tmp",
        ".temp",
        ".crc",
        ".inprogress",
        ".partial",
        ".swp",
        "~",
    ]
    .iter()
    .any(|s| name.ends_with(s))
    {
        return NameClass::Ignored;
    }
    let (stem, compression) = strip_compression(&name);
    // No extension (or only `.gz`): the format is unknown until we look inside.
    let Some((_, ext)) = stem.rsplit_once('.') else {
        return NameClass::NeedsSniff;
    };
    let format = match ext {
        "parquet" | "parq" | "pq" => DataFormat::Parquet,
        "json" | "jsonl" | "ndjson" => DataFormat::Json,
        "csv" => DataFormat::Csv,
        "arrow" | "feather" | "ipc" => DataFormat::Arrow,
        // Firehose's random suffix and other dotted names carry no real extension.
        _ if !looks_like_extension(ext) => return NameClass::NeedsSniff,
        _ => return NameClass::Unrecognized,
    };
    if compression != Compression::None && matches!(format, DataFormat::Parquet | DataFormat::Arrow)
    {
        return NameClass::Unrecognized;
    }
    NameClass::Data(FileKind {
        format,
        compression,
    })
}

fn strip_compression(name: &str) -> (&str, Compression) {
    for (suffix, compression) in [
        (".gz", Compression::Gzip),
        (".gzip", Compression::Gzip),
        (".zst", Compression::Zstd),
        (".zstd", Compression::Zstd),
        (".bz2", Compression::Bzip2),
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return (stem, compression);
        }
    }
    (name, Compression::None)
}

/// A short alphabetic suffix is an extension; `…-4f1c9e2a` or `2026.11.25` is not.
fn looks_like_extension(ext: &str) -> bool {
    (1..=8).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphabetic())
}

/// Bytes to read from the start of a file to decide its kind.
pub const SNIFF_BYTES: u64 = 64 * 1024;

/// Decides a file's kind from its first bytes; `None` when it is none of the formats read.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(b"PAR1") {
        return Some(FileKind {
            format: DataFormat::Parquet,
            compression: Compression::None,
        });
    }
    if head.starts_with(b"ARROW1") {
        return Some(FileKind {
            format: DataFormat::Arrow,
            compression: Compression::None,
        });
    }
    let compression = sniff_compression(head);
    let text = if compression == Compression::None {
        head.to_vec()
    } else {
        // A prefix of a compressed stream decodes until its end: enough to see the first record.
        let mut out = Vec::new();
        let _ = decompress_reader(compression, head)
            .take(8 * 1024)
            .read_to_end(&mut out);
        out
    };
    let format = sniff_text_format(&text)?;
    Some(FileKind {
        format,
        compression,
    })
}

/// The compression codec announced by a file's magic bytes.
pub fn sniff_compression(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else if head.starts_with(b"BZh") {
        Compression::Bzip2
    } else {
        Compression::None
    }
}

fn sniff_text_format(text: &[u8]) -> Option<DataFormat> {
    let first = text.iter().copied().find(|b| !b.is_ascii_whitespace())?;
    if first == b'{' || first == b'[' {
        return Some(DataFormat::Json);
    }
    // CSV: printable text whose first line has a delimiter.
    let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let line = &text[..line_end];
    let printable = line
        .iter()
        .all(|&b| b >= 0x20 || b == b'\t' || b == b'\r' || b >= 0x80);
    (printable && line.contains(&b',')).then_some(DataFormat::Csv)
}

/// A reader that undoes `compression` over `input`.
pub fn decompress_reader<'a, R: Read + 'a>(
    compression: Compression,
    input: R,
) -> Box<dyn Read + 'a> {
    match compression {
        Compression::None => Box::new(input),
        // MultiGzDecoder: Firehose and `cat a.gz b.gz` produce multi-member gzip.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Compression::Zstd => match zstd::stream::read::Decoder::new(input) {
            Ok(decoder) => Box::new(decoder),
            Err(err) => Box::new(FailingReader(Some(err))),
        },
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
    }
}

/// Decompresses a whole object, naming the codec in the error.
pub fn decompress_all(compression: Compression, input: &[u8]) -> std::io::Result<Vec<u8>> {
    if compression == Compression::None {
        return Ok(input.to_vec());
    }
    let mut out = Vec::with_capacity(input.len() * 4);
    decompress_reader(compression, input)
        .read_to_end(&mut out)
        .map_err(|err| {
            std::io::Error::new(err.kind(), format!("corrupt {compression} data: {err}"))
        })?;
    Ok(out)
}

struct FailingReader(Option<std::io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| std::io::Error::other("decoder failed")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn kind(format: DataFormat, compression: Compression) -> NameClass {
        NameClass::Data(FileKind {
            format,
            compression,
        })
    }

    #[test]
    fn names_decide_kind_or_ignore() {
        assert_eq!(
            classify_name("year=2026/part-0.parquet"),
            kind(DataFormat::Parquet, Compression::None)
        );
        assert_eq!(
            classify_name("a.json.gz"),
            kind(DataFormat::Json, Compression::Gzip)
        );
        assert_eq!(
            classify_name("a.ndjson.zst"),
            kind(DataFormat::Json, Compression::Zstd)
        );
        assert_eq!(
            classify_name("a.csv.bz2"),
            kind(DataFormat::Csv, Compression::Bzip2)
        );
        assert_eq!(
            classify_name("a.feather"),
            kind(DataFormat::Arrow, Compression::None)
        );
        assert_eq!(
            classify_name(
                "hour=16/orders-1-2026-11-25-16-00-00-4f1c9e2a-77b1-4c1e-9d2e-1a2b3c4d5e6f"
            ),
            NameClass::NeedsSniff
        );
        for ignored in [
            "_SUCCESS",
            ".part-0.parquet.crc",
            "_temporary/0/part.parquet",
            "x/.tmp-orders",
            "a.parquet.tmp",
        ] {
            assert_eq!(classify_name(ignored), NameClass::Ignored, "{ignored}");
        }
        assert_eq!(classify_name("notes.txt"), NameClass::Unrecognized);
    }

    #[test]
    fn content_decides_kind_without_extension() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"a\":1}{\"a\":2}").expect("write");
        let gz = gz.finish().expect("finish");
        assert_eq!(
            sniff(&gz),
            Some(FileKind {
                format: DataFormat::Json,
                compression: Compression::Gzip
            })
        );
        assert_eq!(
            sniff(b"  {\"a\":1}"),
            Some(FileKind {
                format: DataFormat::Json,
                compression: Compression::None
            })
        );
        assert_eq!(
            sniff(b"a,b\n1,2\n"),
            Some(FileKind {
                format: DataFormat::Csv,
                compression: Compression::None
            })
        );
        assert_eq!(
            sniff(b"PAR1\x15\x04"),
            Some(FileKind {
                format: DataFormat::Parquet,
                compression: Compression::None
            })
        );
        assert_eq!(sniff(b"\x00\x01\x02binary"), None);
    }

    #[test]
    fn corrupt_gzip_is_an_error_not_garbage() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[b'x'; 4096]).expect("write");
        let mut gz = gz.finish().expect("finish");
        let mid = gz.len() / 2;
        gz[mid] ^= 0xff;
        gz.truncate(gz.len() - 4);
        let err = decompress_all(Compression::Gzip, &gz).expect_err("corrupt");
        assert!(err.to_string().contains("corrupt gzip data"), "{err}");
    }
}
