//! `lakesight dashboard data FILE`: runs each visual's query for a time range and parameter
//! values given on the command line (else the file's), and prints what each visual draws from.
//! JSON: `{"title", "from", "to", "visuals": [{"id", "kind", "sql", "columns", "rows", "error"}]}`,
//! where `sql` is the expanded SQL and `error` is null or the message; a visual that asks for
//! insights also has `forecast`, `anomalies`, `drivers` and `notes` ([`super::insights_json`]).

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use datafusion::arrow::array::RecordBatch;
use datafusion::common::ScalarValue;
use serde_json::{Value, json};

use super::LakeArgs;
use super::dashboard::{attach_for, default_params, load, visual};
use crate::engine::TimeWindow;
use crate::engine::dashboard::{MAX_VISUAL_ROWS, run_visual};
use crate::engine::elsewhere::{DataElsewhere, data_elsewhere_within};
use crate::engine::params::dashboard_value;
use crate::model::dashboard::{Dashboard, ParamValue, TimeRange, Visual, parse_instant};

/// What `dashboard data` was asked for besides the file and the lake.
pub struct DataRequest<'a> {
    /// Only this visual.
    pub visual: Option<&'a str>,
    /// The range's start and end (both or neither).
    pub from_to: Option<(&'a str, &'a str)>,
    /// A range such as `last 1h` (instead of `from_to`).
    pub range: Option<&'a str>,
    /// `NAME=VALUE` parameter values.
    pub params: &'a [String],
    /// JSON (`true`) or tables.
    pub json: bool,
}

/// Prints what each visual of the dashboard in `file` draws from; a visual whose query fails is
/// reported in its `error` and makes the command fail after everything is printed.
pub async fn data(file: &Path, lake: &LakeArgs, request: &DataRequest<'_>) -> Result<()> {
    let (dashboard, gate) = load(file)?;
    let (from, to) = time_range(&dashboard, request)?.resolve(chrono::Utc::now());
    let mut params = default_params(&dashboard);
    for assignment in request.params {
        let (name, value) = param_value(&dashboard, assignment)?;
        params.insert(name, value);
    }
    let visuals: Vec<&Visual> = match request.visual {
        Some(id) => vec![visual(&dashboard, file, id)?],
        None => dashboard.visuals.iter().collect(),
    };
    let (engine, _) = attach_for(&dashboard, &gate, lake).await?;
    let window = TimeWindow {
        from,
        to,
        lateness: dashboard.lateness,
    };
    let mut out = Vec::new();
    let mut failed = 0;
    for visual in visuals {
        let (sql, result) =
            match run_visual(&engine, visual, &window, &params, MAX_VISUAL_ROWS).await {
                Ok(run) => (run.sql, Ok(run.batches)),
                Err(err) => (err.sql, Err(err.message)),
            };
        failed += usize::from(result.is_err());
        // "Why did it change?": the KPI broken down by each `drivers` column.
        let drivers = match (&result, visual.drivers.is_empty()) {
            (Ok(_), false) => {
                Some(crate::engine::drivers::drivers(&engine, visual, &window, &params).await)
            }
            _ => None,
        };
        out.push((visual, sql, result, drivers));
    }
    if request.json {
        let visuals: Vec<Value> = out
            .iter()
            .map(|(visual, sql, result, drivers)| {
                let (columns, rows, error) = match result {
                    Ok(batches) => (columns(batches), rows(batches), Value::Null),
                    Err(message) => (Vec::new(), Vec::new(), json!(message)),
                };
                let mut object = json!({"id": visual.id, "kind": kind_name(visual), "sql": sql,
                       "columns": columns, "rows": rows, "error": error});
                if let (Ok(batches), Some(fields)) = (result, object.as_object_mut()) {
                    fields.extend(super::insights_json::fields(
                        visual,
                        batches,
                        drivers.clone(),
                    ));
                }
                object
            })
            .collect();
        let document = json!({"title": dashboard.title, "from": from.to_rfc3339(),
                              "to": to.to_rfc3339(), "visuals": visuals});
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        println!("{} ({from} .. {to})", dashboard.title);
        for (visual, _, result, _) in &out {
            println!("\n{} ({})", visual.id, kind_name(visual));
            match result {
                Ok(batches) if batches.is_empty() => println!("(no rows)"),
                Ok(batches) => println!(
                    "{}",
                    datafusion::arrow::util::pretty::pretty_format_batches(batches)?
                ),
                Err(message) => println!("error: {message}"),
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of the dashboard's visuals failed");
    }
    // Where the data is, when the range holds none: a few seconds at most (a large JSON table
    // has to be read whole for its newest time), then the command ends without saying.
    if request.visual.is_none()
        && let Some(elsewhere) = data_elsewhere_within(&engine, &dashboard, &window, None).await
    {
        eprintln!("{}", elsewhere_note(&elsewhere, &window));
    }
    Ok(())
}

/// What `dashboard data` says on stderr when the range holds no rows but the lake has some.
pub(super) fn elsewhere_note(elsewhere: &DataElsewhere, window: &TimeWindow) -> String {
    let (from, to) = elsewhere.suggested(window);
    let minute = "%Y-%m-%dT%H:%MZ";
    format!(
        "note: {} .. {} holds no rows of {}; the newest data is at {}. The range of the same \
         length ending there: --from {} --to {}",
        window.from.format(minute),
        window.to.format(minute),
        elsewhere.tables.join(", "),
        elsewhere.newest.format("%Y-%m-%d %H:%M:%S UTC"),
        from.format(minute),
        to.format(minute),
    )
}

/// The range asked for on the command line, else the dashboard's.
fn time_range(dashboard: &Dashboard, request: &DataRequest<'_>) -> Result<TimeRange> {
    range_asked(dashboard, request.from_to, request.range)
}

/// The range `--from`/`--to` or `--range` ask for, else the dashboard's.
pub(super) fn range_asked(
    dashboard: &Dashboard,
    from_to: Option<(&str, &str)>,
    range: Option<&str>,
) -> Result<TimeRange> {
    if let Some((from, to)) = from_to {
        let instant = |text: &str, flag: &str| {
            parse_instant(text)
                .ok_or_else(|| anyhow!("{flag} `{text}` is not a time like 2026-11-24T00:00Z"))
        };
        let (from, to) = (instant(from, "--from")?, instant(to, "--to")?);
        if from >= to {
            bail!("--from must be before --to");
        }
        return Ok(TimeRange::Absolute { from, to });
    }
    if let Some(range) = range {
        return range
            .parse::<TimeRange>()
            .map_err(|e| anyhow!("--range `{range}`: {e}"));
    }
    Ok(dashboard.time_range)
}

/// `NAME=VALUE` as the typed value of the dashboard's parameter `NAME`.
pub(super) fn param_value(
    dashboard: &Dashboard,
    assignment: &str,
) -> Result<(String, ScalarValue)> {
    let (name, value) = param_assignment(dashboard, assignment)?;
    let param_type = dashboard
        .param(&name)
        .map(|p| p.param_type)
        .ok_or_else(|| anyhow!("no parameter `{name}`"))?;
    Ok((name, dashboard_value(param_type, Some(&value))))
}

/// `NAME=VALUE` read as the dashboard's parameter `NAME`'s type.
pub(super) fn param_assignment(
    dashboard: &Dashboard,
    assignment: &str,
) -> Result<(String, ParamValue)> {
    let (name, text) = assignment
        .split_once('=')
        .ok_or_else(|| anyhow!("--param `{assignment}` is not NAME=VALUE"))?;
    let param = dashboard.param(name).ok_or_else(|| {
        let names: Vec<&str> = dashboard.params.iter().map(|p| p.name.as_str()).collect();
        anyhow!(
            "the dashboard has no parameter `{name}`; parameters: {}",
            names.join(", ")
        )
    })?;
    // The same reading of typed text as the window's inputs and cross-filter clicks.
    let value = ParamValue::parse(param.param_type, text).ok_or_else(|| {
        anyhow!(
            "--param {name}: `{text}` is not a {}",
            param.param_type.name()
        )
    })?;
    Ok((name.to_owned(), value))
}

/// The visual's kind as the file writes it.
fn kind_name(visual: &Visual) -> String {
    serde_json::to_value(visual.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn columns(batches: &[RecordBatch]) -> Vec<String> {
    batches.first().map_or_else(Vec::new, |b| {
        b.schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    })
}

/// Rows as JSON arrays in column order (numbers as numbers, times as text).
fn rows(batches: &[RecordBatch]) -> Vec<Value> {
    let names = columns(batches);
    let mut writer = datafusion::arrow::json::ArrayWriter::new(Vec::new());
    let written = batches
        .iter()
        .try_for_each(|b| writer.write(b))
        .and_then(|()| writer.finish());
    if written.is_err() {
        return Vec::new();
    }
    let objects: Vec<serde_json::Map<String, Value>> =
        serde_json::from_slice(&writer.into_inner()).unwrap_or_default();
    objects
        .into_iter()
        .map(|mut object| {
            Value::Array(
                names
                    .iter()
                    .map(|name| object.remove(name).unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect()
}
