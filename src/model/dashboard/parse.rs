//! From TOML text to a checked [`Dashboard`]: `toml` + serde read the file (unknown keys and wrong
//! types stop there, with their line), then every remaining problem is gathered at once, each with
//! the line of the key, visual or param it is about.

use std::ops::Range;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::error::{DashboardError, InvalidDashboard, Subject};
use super::time::{parse_duration, parse_instant};
use super::visual::Visual;
use super::{AlertRule, Dashboard, ExportSpec, Param, ParamType, ParamValue, Refresh, Timezone};
use crate::model::SourceSpec;

/// The late-data allowance of a dashboard that names none.
pub const DEFAULT_LATENESS: Duration = Duration::from_hours(1);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDashboard {
    title: String,
    source: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    cluster: Option<Spanned<String>>,
    time_range: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    refresh: Option<Spanned<String>>,
    lateness: Option<Spanned<String>>,
    stale_after: Option<Spanned<String>>,
    poll: Option<Spanned<String>>,
    #[serde(default)]
    params: Vec<Spanned<RawParam>>,
    #[serde(default)]
    visuals: Vec<Spanned<Visual>>,
    #[serde(default)]
    alerts: Vec<Spanned<AlertRule>>,
    #[serde(default)]
    exports: Vec<Spanned<ExportSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: String,
    #[serde(rename = "type")]
    param_type: ParamType,
    default: Option<Spanned<toml::Value>>,
    options: Option<String>,
}

/// Problems found so far, placed in the text.
struct Problems<'a> {
    text: &'a str,
    found: Vec<DashboardError>,
}

impl Problems<'_> {
    fn add(&mut self, span: &Range<usize>, subject: Subject, message: String) {
        self.found
            .push(DashboardError::at(self.text, span.start, subject, message));
    }

    /// Parses an optional top-level setting, noting a problem and falling back to `default`.
    fn setting<T, E: std::fmt::Display>(
        &mut self,
        key: &str,
        value: Option<&Spanned<String>>,
        parse: impl Fn(&str) -> Result<T, E>,
        default: T,
    ) -> T {
        let Some(value) = value else { return default };
        parse(value.get_ref()).unwrap_or_else(|err| {
            self.add(&value.span(), Subject::Key(key.into()), err.to_string());
            default
        })
    }
}

/// Reads and checks a dashboard file's text.
pub fn parse(text: &str) -> Result<Dashboard, InvalidDashboard> {
    let raw: RawDashboard = toml::from_str(text).map_err(|err| {
        let offset = err.span().map_or(0, |span| span.start);
        InvalidDashboard {
            problems: vec![DashboardError::at(
                text,
                offset,
                subject_at(text, offset),
                err.message().trim_end().to_owned(),
            )],
        }
    })?;
    let mut problems = Problems {
        text,
        found: Vec::new(),
    };
    let source = source(&raw, &mut problems);
    let cluster = raw
        .cluster
        .as_ref()
        .map(|value| problems.setting("cluster", Some(value), |text| text.parse().map(Some), None));
    let time_range = problems.setting(
        "time_range",
        raw.time_range.as_ref(),
        str::parse,
        super::TimeRange::DEFAULT,
    );
    let timezone = problems.setting(
        "timezone",
        raw.timezone.as_ref(),
        str::parse,
        Timezone::default(),
    );
    let refresh = problems.setting(
        "refresh",
        raw.refresh.as_ref(),
        str::parse,
        Refresh::default(),
    );
    let lateness = problems.setting(
        "lateness",
        raw.lateness.as_ref(),
        |text| {
            parse_duration(text).ok_or_else(|| {
                format!("`{text}` is not a duration: write `<n><s|m|h|d>` such as `1h`")
            })
        },
        DEFAULT_LATENESS,
    );
    let optional_duration = |key: &str,
                             value: Option<&Spanned<String>>,
                             problems: &mut Problems<'_>| {
        value.map(|value| {
            problems.setting(
                key,
                Some(value),
                |text| match parse_duration(text) {
                    Some(span) if span >= Duration::from_secs(1) => Ok(span),
                    _ => Err(format!(
                        "`{text}` is not a duration of at least 1s: write `<n><s|m|h|d>` such as `30s`"
                    )),
                },
                Duration::from_secs(1),
            )
        })
    };
    let stale_after = optional_duration("stale_after", raw.stale_after.as_ref(), &mut problems);
    let poll = optional_duration("poll", raw.poll.as_ref(), &mut problems);
    let params = raw
        .params
        .into_iter()
        .map(|param| checked_param(param, &mut problems))
        .collect::<Vec<_>>();
    for (index, param) in params.iter().enumerate() {
        if params[..index]
            .iter()
            .any(|earlier| earlier.0.name == param.0.name)
        {
            let message = "another param has the same name: names must be unique".into();
            problems.add(&param.1, Subject::Param(param.0.name.clone()), message);
        }
    }
    for (index, visual) in raw.visuals.iter().enumerate() {
        let span = visual.span();
        let visual = visual.get_ref();
        let subject = || Subject::Visual(visual.id.clone());
        for problem in visual.problems() {
            problems.add(&span, subject(), problem);
        }
        if let Some(name) = &visual.cross_filter
            && !params.iter().any(|(param, _)| param.name == *name)
        {
            let message = format!(
                "`cross_filter` names `{name}`, which is not one of the dashboard's `[[params]]`"
            );
            problems.add(&span, subject(), message);
        }
        if raw.visuals[..index]
            .iter()
            .any(|earlier| earlier.get_ref().id == visual.id)
        {
            let message = "another visual has the same id: ids must be unique".into();
            problems.add(&span, subject(), message);
        }
    }
    for (index, alert) in raw.alerts.iter().enumerate() {
        let span = alert.span();
        let alert = alert.get_ref();
        let kind = raw
            .visuals
            .iter()
            .find(|visual| visual.get_ref().id == alert.visual)
            .map(|visual| visual.get_ref().kind);
        for problem in alert.problems(kind) {
            problems.add(&span, Subject::Alert(alert.id.clone()), problem);
        }
        if raw.alerts[..index]
            .iter()
            .any(|earlier| earlier.get_ref().id == alert.id)
        {
            let message = "another alert has the same id: ids must be unique".into();
            problems.add(&span, Subject::Alert(alert.id.clone()), message);
        }
    }
    let visual_ids: Vec<&str> = raw
        .visuals
        .iter()
        .map(|v| v.get_ref().id.as_str())
        .collect();
    for export in &raw.exports {
        for problem in export.get_ref().problems(&visual_ids) {
            problems.add(&export.span(), Subject::File, problem);
        }
    }
    if !problems.found.is_empty() {
        let mut found = problems.found;
        found.sort_by_key(|problem| (problem.line, problem.column));
        return Err(InvalidDashboard { problems: found });
    }
    Ok(Dashboard {
        title: raw.title,
        source,
        cluster: cluster.flatten(),
        time_range,
        timezone,
        refresh,
        lateness,
        stale_after,
        poll,
        params: params.into_iter().map(|(param, _)| param).collect(),
        visuals: raw.visuals.into_iter().map(Spanned::into_inner).collect(),
        alerts: raw.alerts.into_iter().map(Spanned::into_inner).collect(),
        exports: raw.exports.into_iter().map(Spanned::into_inner).collect(),
    })
}

/// The `source` key with its `profile`, `region` and `endpoint`.
fn source(raw: &RawDashboard, problems: &mut Problems<'_>) -> Option<SourceSpec> {
    let Some(text) = &raw.source else {
        for (key, value) in [
            ("profile", &raw.profile),
            ("region", &raw.region),
            ("endpoint", &raw.endpoint),
        ] {
            if let Some(value) = value {
                let message = "applies only to a `source`: add `source = \"s3://bucket/prefix\"`";
                problems.add(&value.span(), Subject::Key(key.into()), message.into());
            }
        }
        return None;
    };
    if let Some(region) = &raw.region
        && !crate::model::is_valid_region(region.get_ref())
    {
        let message = format!(
            "`{}` is not an AWS region: lowercase letters, digits and `-` (`eu-west-1`)",
            region.get_ref()
        );
        problems.add(&region.span(), Subject::Key("region".into()), message);
    }
    match text.get_ref().parse::<SourceSpec>() {
        Ok(mut spec) => {
            spec.profile = raw.profile.as_ref().map(|v| v.get_ref().clone());
            spec.region = raw.region.as_ref().map(|v| v.get_ref().clone());
            spec.endpoint = raw.endpoint.as_ref().map(|v| v.get_ref().clone());
            // A folder named by a file someone may have handed over: its links stay inside it.
            spec.links = crate::model::LinkPolicy::Inside;
            Some(spec)
        }
        Err(err) => {
            problems.add(&text.span(), Subject::Key("source".into()), err.to_string());
            None
        }
    }
}

/// A param with its default converted to its type; problems noted, the span kept for later checks.
fn checked_param(raw: Spanned<RawParam>, problems: &mut Problems<'_>) -> (Param, Range<usize>) {
    let span = raw.span();
    let raw = raw.into_inner();
    let subject = || Subject::Param(raw.name.clone());
    let name_is_valid =
        raw.name.chars().enumerate().all(|(index, c)| {
            c == '_' || c.is_ascii_alphabetic() || (index > 0 && c.is_ascii_digit())
        });
    if raw.name.is_empty() || !name_is_valid {
        let message = format!(
            "name `{}` must be letters, digits and `_`, not starting with a digit (it is used as `${}`)",
            raw.name, raw.name
        );
        problems.add(&span, subject(), message);
    }
    let default = raw.default.as_ref().and_then(|default| {
        let value = param_value(raw.param_type, default.get_ref());
        if value.is_none() {
            let message = format!(
                "default {} is not a {}: {}",
                default.get_ref(),
                raw.param_type.name(),
                raw.param_type.expected()
            );
            problems.add(&default.span(), subject(), message);
        }
        value
    });
    let param = Param {
        name: raw.name,
        param_type: raw.param_type,
        default,
        options: raw.options,
    };
    (param, span)
}

/// A TOML value as a value of `param_type`, if it is one.
fn param_value(param_type: ParamType, value: &toml::Value) -> Option<ParamValue> {
    match (param_type, value) {
        (ParamType::Text, toml::Value::String(text)) => Some(ParamValue::Text(text.clone())),
        (ParamType::Number, toml::Value::Integer(number)) => {
            Some(ParamValue::Number(*number as f64))
        }
        (ParamType::Number, toml::Value::Float(number)) => Some(ParamValue::Number(*number)),
        (ParamType::Date, toml::Value::String(text)) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(ParamValue::Date),
        (ParamType::Date, toml::Value::Datetime(datetime)) if datetime.time.is_none() => {
            NaiveDate::parse_from_str(&datetime.to_string(), "%Y-%m-%d")
                .ok()
                .map(ParamValue::Date)
        }
        (ParamType::Timestamp, toml::Value::String(text)) => {
            parse_instant(text).map(ParamValue::Timestamp)
        }
        (ParamType::Timestamp, toml::Value::Datetime(datetime)) => {
            parse_instant(&datetime.to_string()).map(ParamValue::Timestamp)
        }
        _ => None,
    }
}

/// The visual or param whose table holds byte `offset` of `text` (the last table header before
/// it), so that an error found by serde names it too; `File` outside `[[visuals]]`/`[[params]]`.
fn subject_at(text: &str, offset: usize) -> Subject {
    let Ok(document) = toml_edit::Document::parse(text) else {
        return Subject::File;
    };
    let mut nearest: Option<(usize, Subject)> = None;
    let mut consider = |span: Option<Range<usize>>, subject: Subject| {
        if let Some(span) = span
            && span.start <= offset
            && nearest
                .as_ref()
                .is_none_or(|(start, _)| span.start > *start)
        {
            nearest = Some((span.start, subject));
        }
    };
    for (key, item) in document.iter() {
        match item {
            toml_edit::Item::ArrayOfTables(tables) => {
                for table in tables {
                    let named = |name_key| table.get(name_key).and_then(toml_edit::Item::as_str);
                    let subject = match (key, named("id"), named("name")) {
                        ("visuals", Some(id), _) => Subject::Visual(id.to_owned()),
                        ("params", _, Some(name)) => Subject::Param(name.to_owned()),
                        ("alerts", Some(id), _) => Subject::Alert(id.to_owned()),
                        _ => Subject::File,
                    };
                    consider(table.span(), subject);
                }
            }
            toml_edit::Item::Table(table) => consider(table.span(), Subject::File),
            _ => {}
        }
    }
    nearest.map_or(Subject::File, |(_, subject)| subject)
}
