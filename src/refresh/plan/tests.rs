use std::time::{Duration, Instant};

use super::{RefreshPlan, VisualReads};
use crate::model::dashboard::Refresh;

const POLL: Duration = Duration::from_secs(10);

fn reads<'a>(id: &'a str, tables: &'a [String], running: bool) -> VisualReads<'a> {
    VisualReads {
        id,
        tables: Some(tables),
        running,
    }
}

#[test]
fn an_interval_runs_every_visual_once_the_period_passed_but_never_one_still_running() {
    let start = Instant::now();
    let mut plan = RefreshPlan::new(Refresh::Every(Duration::from_secs(10)), POLL, start);
    let none: [String; 0] = [];
    let visuals = [reads("a", &none, false), reads("slow", &none, true)];
    assert!(
        plan.due(start + Duration::from_secs(9), &visuals)
            .is_empty()
    );
    assert_eq!(
        plan.wake_in(start + Duration::from_secs(9), false),
        Some(Duration::from_secs(1))
    );
    assert_eq!(plan.due(start + Duration::from_secs(10), &visuals), ["a"]);
    assert!(
        plan.due(start + Duration::from_secs(11), &visuals)
            .is_empty(),
        "the next tick is a whole period after the last"
    );
    let finished = [reads("a", &none, false), reads("slow", &none, false)];
    assert_eq!(
        plan.due(start + Duration::from_secs(20), &finished),
        ["a", "slow"]
    );
}

#[test]
fn new_data_runs_only_the_visuals_that_read_a_changed_table() {
    let start = Instant::now();
    let mut plan = RefreshPlan::new(Refresh::NewData, POLL, start);
    let orders = ["consumption.orders".to_owned()];
    let logs = ["consumption.app_logs".to_owned()];
    let visuals = [
        reads("revenue", &orders, false),
        reads("errors", &logs, false),
    ];
    assert!(plan.due(start, &visuals).is_empty(), "nothing landed");
    plan.note_new_files(["consumption.orders".to_owned()]);
    assert_eq!(plan.due(start, &visuals), ["revenue"]);
    assert!(
        plan.due(start, &visuals).is_empty(),
        "each landing runs once"
    );
    assert_eq!(
        plan.wake_in(start, false),
        None,
        "file events wake it, not a timer"
    );
}

#[test]
fn a_visual_running_when_its_table_changes_runs_again_once_it_finishes() {
    let start = Instant::now();
    let mut plan = RefreshPlan::new(Refresh::NewData, POLL, start);
    let orders = ["consumption.orders".to_owned()];
    plan.note_new_files(["consumption.orders".to_owned()]);
    assert!(
        plan.due(start, &[reads("revenue", &orders, true)])
            .is_empty()
    );
    assert_eq!(
        plan.due(start, &[reads("revenue", &orders, false)]),
        ["revenue"]
    );
    assert!(
        plan.due(start, &[reads("revenue", &orders, false)])
            .is_empty()
    );
}

#[test]
fn a_slow_lake_is_not_polled_again_while_a_check_runs() {
    let start = Instant::now();
    let mut plan = RefreshPlan::new(Refresh::NewData, POLL, start);
    assert!(plan.poll_due(start, false));
    assert!(
        !plan.poll_due(start + POLL, true),
        "the first check is still running"
    );
    assert!(!plan.poll_due(start + POLL / 2, false));
    assert!(plan.poll_due(start + POLL, false));
    assert_eq!(plan.wake_in(start + POLL, true), Some(POLL));
    let mut interval = RefreshPlan::new(Refresh::Every(POLL), POLL, start);
    assert!(
        !interval.poll_due(start, false),
        "an interval needs no file checks"
    );
}

#[test]
fn off_never_refreshes_and_changes_are_ignored() {
    let start = Instant::now();
    let mut plan = RefreshPlan::new(Refresh::Off, POLL, start);
    plan.note_new_files(["t".to_owned()]);
    let tables = ["t".to_owned()];
    assert!(
        plan.due(
            start + Duration::from_hours(1),
            &[reads("a", &tables, false)]
        )
        .is_empty()
    );
    assert_eq!(plan.wake_in(start, true), None);
}

#[test]
fn a_visual_that_never_finished_a_run_counts_as_reading_every_table() {
    let start = Instant::now();
    let mut plan = RefreshPlan::new(Refresh::NewData, POLL, start);
    let orders = ["consumption.orders".to_owned()];
    let unknown = |running| VisualReads {
        id: "failed",
        tables: None,
        running,
    };
    assert!(
        plan.due(start, &[unknown(false)]).is_empty(),
        "nothing landed"
    );
    plan.note_new_files(["landing.orders".to_owned()]);
    assert_eq!(
        plan.due(start, &[unknown(false), reads("revenue", &orders, false)]),
        ["failed"],
        "its first run failed: any landing may be what it waited for"
    );
    plan.note_new_files(["landing.orders".to_owned()]);
    assert!(
        plan.due(start, &[unknown(true)]).is_empty(),
        "its first run is still going"
    );
    assert_eq!(
        plan.due(start, &[unknown(false)]),
        ["failed"],
        "files that landed during its first run are not dropped"
    );
}
