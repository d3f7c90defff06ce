//! Transform jobs files: TOML declaring Glue-style jobs that turn one table of a lake into a
//! partitioned Parquet table of an output lake. Parsing checks everything the file alone can
//! tell (ids, names, codecs, chains and their cycles), each problem with its line; whether an
//! input table exists is checked against the lake before a run writes anything.
//!
//! ```toml
//! [[jobs]]
//! id = "orders_clean"
//! input = "landing.orders"            # a table of the source lake (zone.table)
//! output = "consumption/orders_clean" # zone/table under the output lake
//! sql = "SELECT order_id, CAST(amount AS DOUBLE) AS amount FROM input"
//! partition_by = ["year", "month", "day", "hour"]   # default: the input's partition keys
//! compression = "zstd"                # parquet codec
//! ```

use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::dashboard::line_column;

/// A parsed, checked jobs file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobsFile {
    /// The jobs in the order they run: a job comes after the job whose output it reads.
    pub jobs: Vec<Job>,
}

/// One transform job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// A name for the job, unique in its file: letters, digits, `_` and `-`.
    pub id: String,
    /// The table read, `zone.table` (or `table` in a lake without zones).
    pub input: String,
    /// The table folder written under the output lake, `zone/table`.
    pub output: String,
    /// A read-only query over `input`: the input table restricted to one partition.
    pub sql: String,
    /// The output's partition keys, outermost first (`None`: the input's partition keys). Each
    /// must be a leading key of the input's, so an output partition is a set of input partitions.
    pub partition_by: Option<Vec<String>>,
    /// The Parquet codec: `zstd`, `zstd(1..22)`, `snappy`, `gzip`, `gzip(0..9)`, `lz4`, `brotli`
    /// or `uncompressed`.
    pub compression: String,
    /// The 1-based line of the job's `[[jobs]]` table.
    pub line: usize,
}

/// The codec of a job that names none.
pub const DEFAULT_COMPRESSION: &str = "zstd";

impl Job {
    /// The output as an input names it: `zone.table`.
    pub fn output_table(&self) -> String {
        self.output.replace('/', ".")
    }
}

/// One problem of a jobs file, with its 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct JobsError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// Every problem of a jobs file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InvalidJobs {
    /// The problems, at least one.
    pub problems: Vec<JobsError>,
}

impl fmt::Display for InvalidJobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    jobs: Vec<Spanned<RawJob>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    id: Spanned<String>,
    input: Spanned<String>,
    output: Spanned<String>,
    sql: Spanned<String>,
    partition_by: Option<Spanned<Vec<String>>>,
    compression: Option<Spanned<String>>,
}

impl JobsFile {
    /// Reads and checks a jobs file's text.
    pub fn parse(text: &str) -> Result<Self, InvalidJobs> {
        let raw: RawFile = toml::from_str(text).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            InvalidJobs {
                problems: vec![at(text, offset, err.message().trim_end().to_owned())],
            }
        })?;
        let mut problems = Vec::new();
        if raw.jobs.is_empty() {
            problems.push(at(
                text,
                0,
                "the file declares no jobs: add a `[[jobs]]` table".into(),
            ));
        }
        let mut jobs: Vec<Job> = Vec::new();
        for spanned in &raw.jobs {
            let raw_job = spanned.get_ref();
            let line = line_column(text, spanned.span().start).0;
            let mut problem = |span: std::ops::Range<usize>, message: String| {
                problems.push(at(text, span.start, message));
            };
            let id = raw_job.id.get_ref();
            if !is_valid_id(id) {
                problem(
                    raw_job.id.span(),
                    format!("job id `{id}`: use letters, digits, `_` and `-` only"),
                );
            } else if jobs.iter().any(|job| job.id == *id) {
                problem(raw_job.id.span(), format!("job id `{id}` is used twice"));
            }
            let input = raw_job.input.get_ref().trim();
            if !is_table_name(input) {
                problem(
                    raw_job.input.span(),
                    format!(
                        "job `{id}`: input `{input}` is not a table name: write `zone.table` \
                         (for example `landing.orders`)"
                    ),
                );
            }
            let output = raw_job.output.get_ref().trim().trim_end_matches('/');
            if let Err(why) = check_output(output) {
                problem(raw_job.output.span(), format!("job `{id}`: output {why}"));
            } else if jobs.iter().any(|job| job.output == output) {
                problem(
                    raw_job.output.span(),
                    format!("job `{id}`: output `{output}` is written by another job too"),
                );
            }
            if raw_job.sql.get_ref().trim().is_empty() {
                problem(raw_job.sql.span(), format!("job `{id}`: sql is empty"));
            }
            let partition_by = raw_job.partition_by.as_ref().map(|keys| {
                for key in keys.get_ref() {
                    if !is_valid_key(key) {
                        problem(
                            keys.span(),
                            format!("job `{id}`: partition key `{key}` is not a column name"),
                        );
                    }
                }
                keys.get_ref().clone()
            });
            let compression = raw_job
                .compression
                .as_ref()
                .map_or(DEFAULT_COMPRESSION, |c| c.get_ref().trim());
            if !is_codec(compression) {
                let span = raw_job.compression.as_ref().map_or(0..0, Spanned::span);
                problem(
                    span,
                    format!(
                        "job `{id}`: compression `{compression}` is not a Parquet codec: use \
                         zstd, zstd(1..22), snappy, gzip, gzip(0..9), lz4, brotli or uncompressed"
                    ),
                );
            }
            jobs.push(Job {
                id: id.clone(),
                input: input.to_owned(),
                output: output.to_owned(),
                sql: raw_job.sql.get_ref().clone(),
                partition_by,
                compression: compression.to_ascii_lowercase(),
                line,
            });
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line, p.column));
            return Err(InvalidJobs { problems });
        }
        let jobs = in_run_order(jobs).map_err(|cycle| InvalidJobs {
            problems: vec![JobsError {
                line: cycle.line,
                column: 1,
                message: cycle.message,
            }],
        })?;
        Ok(Self { jobs })
    }

    /// The job named `id`.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|job| job.id == id)
    }

    /// The job whose output is the table `input` names, if any.
    pub fn producer_of(&self, input: &str) -> Option<&Job> {
        self.jobs.iter().find(|job| job.output_table() == input)
    }
}

fn at(text: &str, offset: usize, message: String) -> JobsError {
    let (line, column) = line_column(text, offset);
    JobsError {
        line,
        column,
        message,
    }
}

struct Cycle {
    line: usize,
    message: String,
}

/// `jobs` ordered so that each comes after the job producing its input (stable otherwise), or
/// the cycle that makes it impossible.
fn in_run_order(jobs: Vec<Job>) -> Result<Vec<Job>, Cycle> {
    let producer = |job: &Job| jobs.iter().position(|p| p.output_table() == job.input);
    let mut order = Vec::with_capacity(jobs.len());
    // 0: not visited, 1: on the current path, 2: placed.
    let mut mark = vec![0u8; jobs.len()];
    for start in 0..jobs.len() {
        let mut path = vec![start];
        while let Some(&at) = path.last() {
            if mark[at] == 2 {
                path.pop();
                continue;
            }
            mark[at] = 1;
            match producer(&jobs[at]) {
                Some(next) if mark[next] == 1 => {
                    let from = path.iter().position(|&j| j == next).unwrap_or(0);
                    let names: Vec<&str> = path[from..]
                        .iter()
                        .chain(std::iter::once(&next))
                        .map(|&j| jobs[j].id.as_str())
                        .collect();
                    return Err(Cycle {
                        line: jobs[next].line,
                        message: format!(
                            "jobs read each other's output in a cycle: {} (each reads the \
                             output of the one after it)",
                            names.join(" <- ")
                        ),
                    });
                }
                Some(next) if mark[next] == 0 => path.push(next),
                _ => {
                    mark[at] = 2;
                    order.push(at);
                    path.pop();
                }
            }
        }
    }
    let mut slots: Vec<Option<Job>> = jobs.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with(['_', '.'])
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn is_table_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    !parts.is_empty() && parts.len() <= 2 && parts.iter().all(|part| is_valid_key(part))
}

/// Why `output` cannot be a table folder, if it cannot.
fn check_output(output: &str) -> Result<(), String> {
    let parts: Vec<&str> = output.split('/').collect();
    if output.is_empty() || output.starts_with('/') || output.contains('\\') {
        return Err(format!(
            "`{output}` is not a folder inside the output lake: write `zone/table`"
        ));
    }
    if parts.len() != 2 {
        return Err(format!(
            "`{output}` must be `zone/table` (for example `consumption/orders_clean`), so the \
             output lake shows it as the table `zone.table`"
        ));
    }
    if let Some(part) = parts.iter().find(|part| !is_valid_key(part)) {
        return Err(format!(
            "`{output}`: `{part}` is not a folder name a lake shows (letters, digits, `_` and \
             `-`; not starting with `_` or `.`)"
        ));
    }
    Ok(())
}

fn is_codec(codec: &str) -> bool {
    let codec = codec.to_ascii_lowercase();
    let level = |name: &str, range: std::ops::RangeInclusive<u32>| {
        codec
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('('))
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|level| level.parse::<u32>().ok())
            .is_some_and(|level| range.contains(&level))
    };
    matches!(
        codec.as_str(),
        "zstd" | "snappy" | "gzip" | "lz4" | "brotli" | "uncompressed"
    ) || level("zstd", 1..=22)
        || level("gzip", 0..=9)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TWO: &str = r#"
[[jobs]]
id = "orders_consumption"
input = "staging.orders"
output = "consumption/orders"
sql = "SELECT * FROM input"

[[jobs]]
id = "orders_staging"
input = "landing.orders"
output = "staging/orders"
sql = "SELECT * FROM input"
partition_by = ["year", "month", "day"]
compression = "snappy"
"#;

    #[test]
    fn jobs_run_after_the_job_whose_output_they_read() {
        let file = JobsFile::parse(TWO).unwrap();
        let ids: Vec<&str> = file.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["orders_staging", "orders_consumption"]);
        let staging = file.job("orders_staging").unwrap();
        assert_eq!(staging.line, 8);
        assert_eq!(staging.compression, "snappy");
        assert_eq!(
            file.job("orders_consumption").unwrap().compression,
            DEFAULT_COMPRESSION
        );
        assert_eq!(
            file.producer_of("staging.orders").unwrap().id,
            "orders_staging"
        );
    }

    #[test]
    fn a_cycle_is_refused_with_its_line() {
        let text = r#"
[[jobs]]
id = "a"
input = "zone.b"
output = "zone/a"
sql = "SELECT * FROM input"

[[jobs]]
id = "b"
input = "zone.a"
output = "zone/b"
sql = "SELECT * FROM input"
"#;
        let err = JobsFile::parse(text).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert!(err.problems[0].message.contains("cycle"), "{err}");
        assert!(
            err.problems[0].line == 2 || err.problems[0].line == 8,
            "{err}"
        );
    }

    #[test]
    fn bad_keys_are_named_with_their_lines() {
        let text = r#"[[jobs]]
id = "x y"
input = "landing/orders"
output = "../outside"
sql = " "
compression = "zip"
"#;
        let err = JobsFile::parse(text).unwrap_err();
        let lines: Vec<usize> = err.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6], "{err}");
        let unknown = JobsFile::parse("[[jobs]]\nid = \"a\"\nbogus = 1\n").unwrap_err();
        assert!(unknown.to_string().contains("bogus"), "{unknown}");
        assert!(JobsFile::parse("").is_err());
    }

    #[test]
    fn codecs_with_levels() {
        for ok in ["zstd", "ZSTD(3)", "gzip(9)", "uncompressed", "lz4"] {
            assert!(is_codec(ok), "{ok}");
        }
        for bad in ["zstd(0)", "zstd(23)", "gzip(10)", "zip", "zstd(x)"] {
            assert!(!is_codec(bad), "{bad}");
        }
    }
}
