//! Dashboard files end to end: parsing the issue's example, every bad input with its line, and
//! edits that keep the rest of the file byte for byte.

use super::*;

/// The example of the issue, with comments and an unusual key order to keep.
const ORDERS: &str = r##"# Orders dashboard
title = "Orders"
source = "s3://acme-lake/prod"  # the production lake
profile = "analyst"
time_range = "last 24h"        # default range
timezone = "UTC"
refresh = "off"

[[params]]
name = "country"
type = "text"                  # text | number | date | timestamp
default = "DE"
options = "SELECT DISTINCT country FROM orders ORDER BY 1"

# Revenue, hour by hour
[[visuals]]
id = "revenue"
title = "Revenue per hour"
kind = "line"
sql = """SELECT date_trunc('hour', event_time) AS hour, sum(amount) AS revenue
         FROM orders WHERE $__timeFilter(event_time) AND ($country IS NULL OR country = $country)
         GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["revenue"]
series = "status"
position = [0, 0, 6, 4]        # column, row, width, height

[[visuals]]
kind = "kpi"   # kind before id: order is the user's
id = "orders"
title = "Orders"
sql = "SELECT count(*) AS orders FROM orders WHERE $__timeFilter(event_time)"
y = ["orders"]
compare = "previous-period"
thresholds = [{ value = 0, color = "#d62728" }, { value = 100, color = "#2ca02c" }]
position = [6, 0, 3, 2]
"##;

fn problems(text: &str) -> Vec<String> {
    Dashboard::parse(text)
        .expect_err("the dashboard should be refused")
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A minimal valid dashboard followed by `extra`.
fn with(extra: &str) -> String {
    format!("title = \"T\"\n{extra}")
}

#[test]
fn the_issue_example_parses() {
    let dashboard = Dashboard::parse(ORDERS).unwrap();
    assert_eq!(dashboard.title, "Orders");
    let source = dashboard.source.as_ref().unwrap();
    assert_eq!(source.to_string(), "s3://acme-lake/prod");
    assert_eq!(source.profile.as_deref(), Some("analyst"));
    assert_eq!(dashboard.time_range, "last 24h".parse().unwrap());
    assert_eq!(dashboard.timezone, Timezone::Utc);
    assert_eq!(dashboard.refresh, Refresh::Off);
    assert_eq!(dashboard.lateness, DEFAULT_LATENESS);
    let country = dashboard.param("country").unwrap();
    assert_eq!(country.param_type, ParamType::Text);
    assert_eq!(country.default, Some(ParamValue::Text("DE".into())));
    let revenue = dashboard.visual("revenue").unwrap();
    assert_eq!(revenue.kind, VisualKind::Line);
    assert_eq!(revenue.y, ["revenue"]);
    assert_eq!(revenue.series.as_deref(), Some("status"));
    assert_eq!(<[u32; 4]>::from(revenue.position), [0, 0, 6, 4]);
    let orders = dashboard.visual("orders").unwrap();
    assert_eq!(orders.compare, Some(Compare::PreviousPeriod));
    assert_eq!(orders.thresholds.len(), 2);
}

#[test]
fn defaults_fill_what_the_file_leaves_out() {
    let dashboard = Dashboard::parse(&with("lateness = \"3h\"")).unwrap();
    assert_eq!(dashboard.source, None);
    assert_eq!(dashboard.time_range, TimeRange::DEFAULT);
    assert_eq!(dashboard.timezone, Timezone::Local);
    assert_eq!(dashboard.refresh, Refresh::Off);
    assert_eq!(dashboard.lateness, std::time::Duration::from_hours(3));
    assert!(dashboard.visuals.is_empty());
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let text = ORDERS.replace("series = \"status\"", "seires = \"status\"");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("line 25, column 1: visual `revenue`: "),
        "{found:?}"
    );
    assert!(found[0].contains("unknown field `seires`"), "{found:?}");
    let found = problems(&with("colour = \"red\""));
    assert!(
        found[0].starts_with("line 2, column 1: ") && found[0].contains("`colour`"),
        "{found:?}"
    );
}

#[test]
fn an_unknown_kind_is_named_with_its_line() {
    let found = problems(&ORDERS.replace("kind = \"line\"", "kind = \"pi\""));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("line 19, column 8: visual `revenue`: "),
        "{found:?}"
    );
    assert!(found[0].contains("unknown variant `pi`"), "{found:?}");
    let text = ORDERS.replace("type = \"text\" ", "type = \"txt\" ");
    let found = problems(&text);
    assert!(
        found[0].starts_with("line 11, column 8: param `country`: unknown variant `txt`"),
        "{found:?}"
    );
}

#[test]
fn toml_syntax_errors_have_a_line_and_column() {
    let found = problems("title = \"T\"\nrefresh = off\n");
    assert!(found[0].starts_with("line 2, column 11: "), "{found:?}");
}

#[test]
fn every_visual_problem_is_reported_with_id_and_line() {
    let text = with(
        r#"
[[visuals]]
id = "a"
kind = "line"
sql = "SELECT 1"
position = [0, 0, 0, 2]

[[visuals]]
id = "a"
kind = "bar"
sql = "SELECT 1"
x = "k"
y = ["v"]
position = [8, 0, 6, 2]

[[visuals]]
id = "Bad Id"
kind = "text"
position = [0, 2, 12, 1]
"#,
    );
    let found = problems(&text);
    let expected = [
        "line 3, column 1: visual `a`: position [0, 0, 0, 2] has a width or height of 0",
        "line 3, column 1: visual `a`: a `line` visual needs `x`",
        "line 3, column 1: visual `a`: a `line` visual needs `y`",
        "line 9, column 1: visual `a`: position [8, 0, 6, 2] runs past the 12-column grid",
        "line 9, column 1: visual `a`: another visual has the same id",
        "line 17, column 1: visual `Bad Id`: id `Bad Id` may only use lowercase",
        "line 17, column 1: visual `Bad Id`: a `text` visual needs `text`",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found} should start with {expected}"
        );
    }
}

#[test]
fn look_and_kind_keys_are_checked() {
    let text = with(
        r##"
[[visuals]]
id = "load"
kind = "pie"
sql = "SELECT 1"
x = "k"
y = ["a", "b"]
colors = ["red"]
y_range = [10, 0]
thresholds = [{ value = 5, color = "#ffffff" }, { value = 1, color = "#000000" }]
bins = 0
position = [0, 0, 4, 4]

[[visuals]]
id = "grid"
kind = "heatmap"
sql = "SELECT 1"
x = "hour"
y = ["v"]
position = [4, 0, 4, 4]
"##,
    );
    let found = problems(&text);
    let expected = [
        "line 3, column 1: visual `load`: a `pie` visual draws one `y` column, not 2",
        "line 3, column 1: visual `load`: `bins` must be at least 1",
        "line 3, column 1: visual `load`: `y_range` [10, 0] must go from low to high",
        "line 3, column 1: visual `load`: `red` is not a colour",
        "line 3, column 1: visual `load`: `thresholds` must be in increasing `value` order",
        "line 15, column 1: visual `grid`: a `heatmap` visual needs `series`",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found} should start with {expected}"
        );
    }
}

#[test]
fn table_styles_name_their_columns() {
    let text = with(
        r##"
[[visuals]]
id = "all"
kind = "table"
sql = "SELECT 1"
format = "percent"
position = [0, 0, 4, 4]

[[visuals]]
id = "bars"
kind = "bar"
sql = "SELECT 1"
x = "k"
y = ["v"]
position = [4, 0, 4, 4]
[visuals.columns.v]
format = "percent"

[[visuals]]
id = "scores"
kind = "table"
sql = "SELECT 1"
position = [8, 0, 4, 4]
[visuals.columns.score]
thresholds = [{ value = 0.9, color = "#d62728" }, { value = 0.1, color = "nope" }]
"##,
    );
    let found = problems(&text);
    let expected = [
        "line 3, column 1: visual `all`: a `table` writes and colours its `y` columns",
        "line 10, column 1: visual `bars`: `columns` styles the columns of a `table`, not of a `bar`",
        "line 20, column 1: visual `scores`: `nope` is not a colour",
        "line 20, column 1: visual `scores`: `thresholds` must be in increasing `value` order",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found} should start with {expected}"
        );
    }
    let fine = with(
        r##"
[[visuals]]
id = "scores"
kind = "table"
sql = "SELECT 1"
position = [0, 0, 4, 4]
[visuals.columns.score]
decimals = 2
thresholds = [{ value = 0.9, color = "#d62728" }]
"##,
    );
    let dashboard = Dashboard::parse(&fine).expect("a valid file");
    assert_eq!(dashboard.visuals[0].columns["score"].decimals, Some(2));
}

#[test]
fn source_keys_are_checked() {
    let found = problems(&with("profile = \"analyst\"\n"));
    assert!(
        found[0].starts_with("line 2, column 11: `profile`: applies only to a `source`"),
        "{found:?}"
    );
    let found = problems(&with("source = \"ftp://host/lake\"\n"));
    assert!(
        found[0].starts_with("line 2, column 10: `source`: `ftp` uses an unsupported scheme"),
        "{found:?}"
    );
    // A region goes into the S3 host name: it cannot name another host.
    let found = problems(&with(
        "source = \"s3://lake/x\"\nregion = \"a@attacker.example/\"\n",
    ));
    assert!(
        found[0]
            .starts_with("line 3, column 10: `region`: `a@attacker.example/` is not an AWS region"),
        "{found:?}"
    );
    let dashboard = Dashboard::parse(&with("source = \"./lake\"\n")).unwrap();
    assert_eq!(
        dashboard.source,
        Some(crate::model::SourceSpec {
            links: crate::model::LinkPolicy::Inside,
            ..crate::model::SourceSpec::local("./lake")
        }),
        "a file's lake follows only the links that stay inside it"
    );
}

#[test]
fn bad_settings_are_all_reported_with_their_lines() {
    let text = with(
        "time_range = \"last week\"\ntimezone = \"Mars/Olympus\"\nrefresh = \"0s\"\nlateness = \"soon\"\n",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(
        found[0].starts_with("line 2, column 14: `time_range`: `last week` is not a time range")
    );
    assert!(
        found[1].starts_with("line 3, column 12: `timezone`: `Mars/Olympus` is not a time zone")
    );
    assert!(found[2].starts_with("line 4, column 11: `refresh`: `0s` is not a refresh setting"));
    assert!(found[3].starts_with("line 5, column 12: `lateness`: `soon` is not a duration"));
}

#[test]
fn a_param_default_must_have_the_param_type() {
    let text = with(
        r#"
[[params]]
name = "limit"
type = "number"
default = "ten"

[[params]]
name = "day"
type = "date"
default = 2026-11-24

[[params]]
name = "since"
type = "timestamp"
default = "yesterday"

[[params]]
name = "limit"
type = "text"
"#,
    );
    let found = problems(&text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with("line 6, column 11: param `limit`: default \"ten\" is not a number")
    );
    assert!(found[1].starts_with(
        "line 16, column 11: param `since`: default \"yesterday\" is not a timestamp"
    ));
    assert!(
        found[2].starts_with("line 18, column 1: param `limit`: another param has the same name")
    );
}

#[test]
fn param_defaults_of_every_type() {
    let text = with(
        "[[params]]\nname = \"n\"\ntype = \"number\"\ndefault = 3\n\
         [[params]]\nname = \"d\"\ntype = \"date\"\ndefault = 2026-11-24\n\
         [[params]]\nname = \"t\"\ntype = \"timestamp\"\ndefault = 2026-11-24T01:00:00Z\n\
         [[params]]\nname = \"all\"\ntype = \"text\"\n",
    );
    let dashboard = Dashboard::parse(&text).unwrap();
    let defaults: Vec<_> = dashboard.params.iter().map(|p| p.default.clone()).collect();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    assert_eq!(
        defaults,
        [
            Some(ParamValue::Number(3.0)),
            Some(ParamValue::Date(day)),
            Some(ParamValue::Timestamp(
                day.and_hms_opt(1, 0, 0).unwrap().and_utc()
            )),
            None,
        ]
    );
}

/// The lines of `after` that differ from `before` (same line count expected).
fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    assert_eq!(before.lines().count(), after.lines().count(), "{after}");
    before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
}

#[test]
fn an_unedited_file_round_trips_byte_for_byte() {
    assert_eq!(DashboardFile::parse(ORDERS).unwrap().text(), ORDERS);
}

#[test]
fn edits_change_only_the_edited_value() {
    let mut file = DashboardFile::parse(ORDERS).unwrap();
    file.set_position("revenue", Position::from([0, 2, 12, 5]))
        .unwrap();
    assert_eq!(
        changed_lines(ORDERS, &file.text()),
        [(
            "position = [0, 0, 6, 4]        # column, row, width, height".into(),
            "position = [0, 2, 12, 5]        # column, row, width, height".into()
        )]
    );
    assert_eq!(
        file.dashboard().visual("revenue").unwrap().position.width,
        12
    );

    let mut file = DashboardFile::parse(ORDERS).unwrap();
    file.set_visual_title("orders", "Order count").unwrap();
    file.set_time_range(&"last 7d".parse().unwrap()).unwrap();
    assert_eq!(
        changed_lines(ORDERS, &file.text()),
        [
            (
                "time_range = \"last 24h\"        # default range".into(),
                "time_range = \"last 7d\"        # default range".into()
            ),
            (
                "title = \"Orders\"".into(),
                "title = \"Order count\"".into()
            ),
        ]
    );
}

#[test]
fn a_new_sql_replaces_the_old_one_only() {
    let mut file = DashboardFile::parse(ORDERS).unwrap();
    file.set_visual_sql("revenue", "SELECT 1 AS hour,\n  2 AS revenue")
        .unwrap();
    let text = file.text();
    let start = ORDERS.find("sql = \"\"\"").unwrap();
    let end = ORDERS.find("x = \"hour\"").unwrap();
    assert_eq!(text[..start], ORDERS[..start]);
    assert!(text.ends_with(&ORDERS[end..]), "{text}");
    assert_eq!(
        file.dashboard().visual("revenue").unwrap().sql.as_deref(),
        Some("SELECT 1 AS hour,\n  2 AS revenue")
    );
}

#[test]
fn adding_and_removing_visuals_keeps_the_rest() {
    let mut file = DashboardFile::parse(ORDERS).unwrap();
    let mut visual = Visual::new("notes", VisualKind::Text, Position::from([0, 4, 12, 2]));
    visual.text = Some("**Revenue** in EUR".into());
    file.add_visual(&visual).unwrap();
    let text = file.text();
    assert!(text.starts_with(ORDERS), "{text}");
    assert_eq!(file.dashboard().visual("notes"), Some(&visual));
    assert_eq!(Dashboard::parse(&text).unwrap().visuals.len(), 3);

    file.remove_visual("notes").unwrap();
    assert_eq!(file.text(), ORDERS);
    file.remove_visual("revenue").unwrap();
    let text = file.text();
    assert!(
        !text.contains("Revenue, hour by hour") && !text.contains("\"revenue\""),
        "{text}"
    );
    assert!(
        text.contains("# kind before id: order is the user's"),
        "{text}"
    );
    assert_eq!(file.dashboard().visuals.len(), 1);
}

#[test]
fn an_edit_that_would_break_the_file_is_refused() {
    let mut file = DashboardFile::parse(ORDERS).unwrap();
    let err = file
        .set_position("revenue", Position::from([10, 0, 4, 4]))
        .unwrap_err();
    assert!(
        err.to_string().contains("runs past the 12-column grid"),
        "{err}"
    );
    let visual = Visual::new("orders", VisualKind::Table, Position::from([0, 9, 4, 4]));
    let mut visual = visual;
    visual.sql = Some("SELECT 1".into());
    let err = file.add_visual(&visual).unwrap_err();
    assert!(err.to_string().contains("same id"), "{err}");
    assert!(matches!(
        file.set_visual_title("nope", "x"),
        Err(DashboardFileError::UnknownVisual(id)) if id == "nope"
    ));
    assert_eq!(
        file.text(),
        ORDERS,
        "refused edits leave the file as it was"
    );
}

#[test]
fn save_writes_the_edited_file_and_load_reads_it_back() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("orders.toml");
    std::fs::write(&path, ORDERS).unwrap();
    let mut file = DashboardFile::load(&path).unwrap();
    file.set_time_range(&"2026-11-24T00:00Z..2026-11-25T00:00Z".parse().unwrap())
        .unwrap();
    file.save(&path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains(
            "time_range = \"2026-11-24T00:00Z..2026-11-25T00:00Z\"        # default range"
        )
    );
    assert_eq!(
        DashboardFile::load(&path).unwrap().dashboard(),
        file.dashboard()
    );
    let entries = std::fs::read_dir(folder.path()).unwrap().count();
    assert_eq!(entries, 1, "no temporary file is left behind");
    let missing = DashboardFile::load(&folder.path().join("missing.toml")).unwrap_err();
    assert!(
        matches!(missing, DashboardFileError::Read { .. }),
        "{missing}"
    );
}
#[test]
fn an_added_visual_is_one_readable_block() {
    let mut file = DashboardFile::parse(ORDERS).unwrap();
    let mut visual = Visual::new("load", VisualKind::Gauge, Position::from([0, 4, 12, 2]));
    visual.sql = Some("SELECT avg(load) AS v\nFROM hosts".into());
    visual.y = vec!["v".into()];
    visual.y_range = Some([0.0, 10.0]);
    visual.thresholds = vec![Threshold {
        value: 8.0,
        color: "#d62728".into(),
    }];
    file.add_visual(&visual).unwrap();
    let expected = r##"
[[visuals]]
id = "load"
kind = "gauge"
sql = """
SELECT avg(load) AS v
FROM hosts"""
y = ["v"]
position = [0, 4, 12, 2]
y_range = [0.0, 10.0]
thresholds = [{ value = 8.0, color = "#d62728" }]
"##;
    assert_eq!(file.text(), format!("{ORDERS}{expected}"));
    assert_eq!(file.dashboard().visual("load"), Some(&visual));
}

#[test]
fn cross_filter_must_name_a_param() {
    let naming = |param: &str| {
        ORDERS.replace(
            "series = \"status\"",
            &format!("series = \"status\"\ncross_filter = \"{param}\""),
        )
    };
    let found = problems(&naming("nope"));
    assert!(
        found
            .iter()
            .any(|p| p.contains("`cross_filter` names `nope`")),
        "{found:?}"
    );
    let dashboard = Dashboard::parse(&naming("country")).unwrap();
    assert_eq!(
        dashboard.visual("revenue").unwrap().cross_filter.as_deref(),
        Some("country")
    );
}

#[test]
fn replacing_a_visual_changes_only_its_changed_keys() {
    let mut file = DashboardFile::parse(ORDERS).unwrap();
    let mut visual = file.dashboard().visual("revenue").unwrap().clone();
    visual.kind = VisualKind::Area;
    visual.series = None;
    file.replace_visual(&visual).unwrap();
    let text = file.text();
    assert!(text.contains("kind = \"area\""), "{text}");
    assert!(!text.contains("series = \"status\""), "{text}");
    // Every comment and every other visual is where it was.
    for line in ORDERS.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(text.contains(line), "lost {line:?}");
    }
    assert_eq!(file.dashboard().visual("revenue").unwrap(), &visual);
}

/// `ORDERS` with one `[[alerts]]` table of `body` appended.
fn with_alert(body: &str) -> String {
    format!("{ORDERS}\n[[alerts]]\nid = \"high\"\n{body}")
}

#[test]
fn alerts_parse_with_their_defaults() {
    let text = with_alert(
        "visual = \"orders\"\ncondition = \"above\"\nthreshold = 100\nfor = \"5m\"\nnotify = [\"desktop\", \"webhook:http://localhost:9/hook\", \"command:notify-me\"]\n",
    );
    let dashboard = Dashboard::parse(&text).unwrap();
    let alert = &dashboard.alerts[0];
    assert_eq!(alert.condition, Condition::Above);
    assert_eq!(alert.threshold, Some(AlertThreshold::Value(100.0)));
    assert_eq!(alert.pending(), std::time::Duration::from_mins(5));
    assert!(alert.keep_firing().is_zero());
    assert_eq!(alert.no_data, NoDataPolicy::Nodata);
    assert_eq!(alert.on_error, ErrorPolicy::Error);
    assert_eq!(
        alert.notifiers(),
        [
            Notifier::Desktop,
            Notifier::Webhook("http://localhost:9/hook".into()),
            Notifier::Command("notify-me".into())
        ]
    );
}

#[test]
fn bad_alerts_are_named_with_their_line() {
    let found = problems(&with_alert(
        "visual = \"nope\"\ncondition = \"outside\"\nthreshold = 3\nfor = \"soon\"\nnotify = [\"pager\"]\n",
    ));
    let line = ORDERS.lines().count() + 2;
    for expected in [
        "`visual` names `nope`",
        "take a `[low, high]` threshold",
        "`for` `soon` is not a duration",
        "`notify` entry `pager`",
    ] {
        assert!(
            found
                .iter()
                .any(|p| p.contains(expected) && p.contains("alert `high`")),
            "{expected} in {found:?}"
        );
    }
    assert!(
        found.iter().all(|p| p.contains(&format!("line {line}"))),
        "{found:?}"
    );
    // A line can be watched, a table cannot; unknown keys are named.
    let line = Dashboard::parse(&with_alert(
        "visual = \"revenue\"\ncondition = \"below\"\nthreshold = 1\n",
    ))
    .unwrap();
    let found = line.alerts[0].problems(Some(VisualKind::Table));
    assert!(
        found.iter().any(|p| p.contains("kpi, gauge or line")),
        "{found:?}"
    );
    let found = problems(&with_alert(
        "visual = \"orders\"\ncondition = \"below\"\nthreshold = 1\nsevere = true\n",
    ));
    assert!(found.iter().any(|p| p.contains("severe")), "{found:?}");
    // `nan` and `inf` are TOML numbers but no threshold: refused with their line.
    for threshold in ["nan", "inf", "-inf", "[0, nan]"] {
        let condition = if threshold.starts_with('[') {
            "inside"
        } else {
            "above"
        };
        let found = problems(&with_alert(&format!(
            "visual = \"orders\"\ncondition = \"{condition}\"\nthreshold = {threshold}\n"
        )));
        let line = ORDERS.lines().count() + 2;
        assert!(
            found.iter().any(|p| p.contains("must be a finite number")
                && p.starts_with(&format!("line {line},"))),
            "{threshold}: {found:?}"
        );
    }
}

#[test]
fn chart_numbers_must_be_finite() {
    let found = problems(&with(
        "\n[[visuals]]\nid = \"g\"\nkind = \"gauge\"\nsql = \"SELECT 1 AS x\"\ny = [\"x\"]\ny_range = [0, inf]\nposition = [0, 0, 3, 3]\n",
    ));
    assert!(
        found
            .iter()
            .any(|p| p.contains("`inf` is not a number a chart can show")),
        "{found:?}"
    );
}

const WITH_KPI: &str = "# my dashboard\ntitle = \"T\"\n\n[[visuals]]\nid = \"v\"\nkind = \"kpi\"\nsql = \"SELECT 1 AS x\"\ny = [\"x\"]\nposition = [0, 0, 3, 3]\n";

#[test]
fn an_alert_is_added_edited_in_place_and_removed_keeping_the_rest_of_the_file() {
    let mut file = DashboardFile::parse(WITH_KPI).unwrap();
    let mut rule = AlertRule {
        id: "high".into(),
        visual: "v".into(),
        condition: Condition::Above,
        threshold: Some(AlertThreshold::Value(10.0)),
        pending_for: "0s".into(),
        keep_firing_for: "0s".into(),
        no_data: NoDataPolicy::default(),
        on_error: ErrorPolicy::default(),
        notify: vec!["desktop".into()],
    };
    file.set_alert(&rule).unwrap();
    let text = file.text();
    assert!(text.starts_with(WITH_KPI), "{text}");
    assert!(text.contains("[[alerts]]\nid = \"high\""), "{text}");
    assert_eq!(file.dashboard().alerts, [rule.clone()]);

    // A comment on the threshold stays when only the period changes.
    let commented = text.replace("threshold = 10.0", "threshold = 10.0 # tuned by backtest");
    let mut file = DashboardFile::parse(&commented).unwrap();
    rule.pending_for = "5m".into();
    file.set_alert(&rule).unwrap();
    assert!(
        file.text().contains("threshold = 10.0 # tuned by backtest"),
        "{}",
        file.text()
    );
    assert_eq!(file.dashboard().alerts[0].pending_for, "5m");
    assert_eq!(file.dashboard().alerts.len(), 1, "replaced, not added");

    file.remove_alert("high").unwrap();
    assert!(file.dashboard().alerts.is_empty());
    assert!(file.text().starts_with(WITH_KPI));
}

#[test]
fn stale_after_and_poll_are_durations_with_defaults_from_the_refresh() {
    let dashboard = Dashboard::parse("title = \"T\"\nrefresh = \"new-data\"\n").unwrap();
    assert_eq!(dashboard.poll_every(), DEFAULT_POLL);
    assert_eq!(
        dashboard.stale_after(),
        Some(Duration::from_mins(10)),
        "a Firehose stream delivers every 300 s: two deliveries, not three polls"
    );
    let endless = Dashboard::parse(
        "title = \"T\"\nrefresh = \"new-data\"\npoll = \"7000000000000000000s\"\n",
    )
    .unwrap();
    assert_eq!(
        endless.stale_after(),
        Some(Duration::MAX),
        "no overflow, whatever the file says"
    );
    let slow_poll =
        Dashboard::parse("title = \"T\"\nrefresh = \"new-data\"\npoll = \"5m\"\n").unwrap();
    assert_eq!(slow_poll.stale_after(), Some(Duration::from_mins(15)));
    let every = Dashboard::parse("title = \"T\"\nrefresh = \"5m\"\n").unwrap();
    assert_eq!(every.stale_after(), Some(Duration::from_mins(15)));
    let off = Dashboard::parse("title = \"T\"\n").unwrap();
    assert_eq!(
        off.stale_after(),
        None,
        "a dashboard that does not refresh is never late"
    );
    let set = Dashboard::parse(
        "title = \"T\"\nrefresh = \"off\"\nstale_after = \"2h\"\npoll = \"30s\"\n",
    )
    .unwrap();
    assert_eq!(set.stale_after(), Some(Duration::from_hours(2)));
    assert_eq!(set.poll_every(), Duration::from_secs(30));
    let found = problems("title = \"T\"\nstale_after = \"soon\"\npoll = \"0s\"\n");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("`stale_after`"), "{found:?}");
}

#[test]
fn a_condition_is_named_as_the_file_writes_it() {
    for condition in [
        Condition::Above,
        Condition::Below,
        Condition::Outside,
        Condition::Inside,
        Condition::ChangeAbove,
        Condition::ChangeBelow,
    ] {
        let written = toml::Value::try_from(condition).unwrap();
        assert_eq!(written.as_str(), Some(condition.name()));
    }
}

#[test]
fn a_title_becomes_a_file_name() {
    assert_eq!(file_name("Orders & revenue"), "orders-revenue");
    assert_eq!(file_name("  p95 latency (ms) "), "p95-latency-ms");
    assert_eq!(file_name("★"), "dashboard");
}

#[test]
fn an_export_path_that_leaves_the_dashboard_folder_is_refused_with_its_line() {
    let text = with(
        "\n[[exports]]\npath = \"reports/orders.png\"\n\n[[exports]]\npath = \"/home/me/.bashrc.png\"\n\n[[exports]]\npath = \"reports/../../escape.svg\"\n\n[[exports]]\npath = 'C:\\Users\\me\\x.png'\n",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].starts_with("line 6,") && found[0].contains("is absolute"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("line 9,") && found[1].contains("climbs out"),
        "{found:?}"
    );
    assert!(
        found[2].starts_with("line 12,") && found[2].contains("names a drive"),
        "{found:?}"
    );
    let inside = with("\n[[exports]]\npath = \"reports/daily/orders.png\"\n");
    assert_eq!(Dashboard::parse(&inside).unwrap().exports.len(), 1);
}

#[test]
fn good_says_which_way_a_kpi_is_good_news() {
    const BLOCKED: &str = r#"
[[visuals]]
id = "blocked"
kind = "kpi"
sql = "SELECT 1 AS n"
y = ["n"]
good = "down"
position = [0, 0, 4, 4]
"#;
    let text = with(&format!(
        r#"{BLOCKED}
[[visuals]]
id = "line"
kind = "line"
sql = "SELECT 1"
x = "t"
y = ["n"]
good = "down"
position = [4, 0, 4, 4]
"#
    ));
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("visual `line`: `good` says which way a `kpi`'s change is good news"),
        "{found:?}"
    );
    let fine = with(BLOCKED);
    let dashboard = Dashboard::parse(&fine).expect("a valid file");
    assert_eq!(dashboard.visuals[0].good, Good::Down);
    let bundled = Dashboard::parse(include_str!("../../../dashboards/network-flows.toml"))
        .expect("the bundled file");
    assert_eq!(
        bundled
            .visuals
            .iter()
            .find(|v| v.id == "blocked")
            .map(|v| v.good),
        Some(Good::Down),
        "more blocked traffic is bad news"
    );
}

#[test]
fn a_cluster_is_a_scheduler_address() {
    let found = problems(&with("cluster = \"http://sched:50050\"\n"));
    assert!(
        found[0].starts_with(
            "line 2, column 11: `cluster`: `http://sched:50050` is not a cluster address"
        ),
        "{found:?}"
    );
    let dashboard = Dashboard::parse(&with("cluster = \"df://sched\"\n")).unwrap();
    assert_eq!(
        dashboard.cluster.map(|url| url.to_string()).as_deref(),
        Some("df://sched:50050")
    );
    assert_eq!(Dashboard::parse(&with("")).unwrap().cluster, None);
}

#[test]
fn an_anomalous_rule_takes_no_threshold_and_watches_a_line() {
    let file = |kind: &str, rule: &str| {
        format!(
            "title = \"T\"\n\n[[visuals]]\nid = \"v\"\nkind = \"{kind}\"\nsql = \"SELECT 1 AS x, 1 AS y\"\nx = \"x\"\ny = [\"y\"]\nposition = [0, 0, 6, 4]\n\n[[alerts]]\nid = \"a\"\nvisual = \"v\"\n{rule}\n"
        )
    };
    let parsed = Dashboard::parse(&file("line", "condition = \"anomalous\"")).unwrap();
    assert_eq!(parsed.alerts[0].threshold, None);
    let found = problems(&file("line", "condition = \"anomalous\"\nthreshold = 3"));
    assert!(
        found[0].contains("`anomalous` takes no `threshold`"),
        "{found:?}"
    );
    let found = problems(&file("bar", "condition = \"anomalous\""));
    assert!(
        found
            .iter()
            .any(|p| p.contains("`anomalous` watches a `line` visual")),
        "{found:?}"
    );
    let found = problems(&file("line", "condition = \"above\""));
    assert!(
        found[0].contains("`above` needs a `threshold`"),
        "{found:?}"
    );
}
