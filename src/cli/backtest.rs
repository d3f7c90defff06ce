//! `lakesight alerts backtest FILE --from T --to T [--step 5m]`: replays a dashboard's alert rules
//! over history. The evaluation time steps from `--from` to `--to`; at each step every rule is
//! evaluated as `watch` would have evaluated it then (the time range ending at the step) and its
//! state machine is fed with the step as "now". The transitions it would have made are printed
//! (never announced); text output ends with how often each rule fired and for how long. Progress
//! goes to stderr, at most once a second.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use futures::StreamExt;

use super::alert_eval::set_up;
use super::announce::print_notice;
use super::watch::feed;
use super::{AlertFormat, BacktestArgs};
use crate::alert::RuleState;

/// Evaluation steps a backtest takes at most.
pub const MAX_STEPS: usize = 1_000_000;
/// Steps evaluated ahead of the one being fed to the state machines.
const STEPS_AHEAD: usize = 2;

/// How often and how long one rule fired during a backtest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Fired {
    times: usize,
    total: TimeDelta,
    since: Option<DateTime<Utc>>,
}

/// Runs `lakesight alerts backtest`.
pub async fn backtest(args: &BacktestArgs) -> Result<ExitCode> {
    if args.from > args.to {
        bail!("--from must not be after --to");
    }
    let step = TimeDelta::from_std(args.step)?;
    let steps: Vec<DateTime<Utc>> =
        std::iter::successors(Some(args.from), |at| at.checked_add_signed(step))
            .take_while(|at| *at <= args.to)
            .take(MAX_STEPS + 1)
            .collect();
    if steps.len() > MAX_STEPS {
        bail!("--from .. --to holds more than {MAX_STEPS} steps: take a longer --step");
    }
    let setup = set_up(&args.file, &args.lake, &args.params).await?;
    let rules = &setup.dashboard.alerts;
    let mut states: Vec<RuleState> = rules.iter().map(|_| RuleState::new(args.from)).collect();
    let mut fired: Vec<Fired> = vec![Fired::default(); rules.len()];
    let mut failures = 0_usize;
    let total = steps.len();
    let mut last_progress = Instant::now();
    let setup_ref = &setup;
    let mut evaluations = futures::stream::iter(steps)
        .map(|at| async move { (at, setup_ref.evaluate_at(at).await) })
        .buffered(STEPS_AHEAD);
    let mut done = 0;
    while let Some((at, outcomes)) = evaluations.next().await {
        for (rule, outcome) in rules.iter().zip(&outcomes) {
            if let Some(error) = outcome.error() {
                if failures == 0 {
                    eprintln!("error: alert {} at {}: {error}", rule.id, stamp(at));
                }
                failures += 1;
            }
        }
        for notice in feed(&setup, &mut states, &outcomes, at) {
            print_notice(&notice, args.format);
            if let Some(index) = rules.iter().position(|r| r.id == notice.alert) {
                let record = &mut fired[index];
                match (notice.previous.is_firing(), notice.state.is_firing()) {
                    (false, true) => {
                        record.times += 1;
                        record.since = Some(at);
                    }
                    (true, false) => {
                        record.total += at - record.since.take().unwrap_or(at);
                    }
                    _ => {}
                }
            }
        }
        done += 1;
        if last_progress.elapsed() >= Duration::from_secs(1) {
            eprintln!("backtest: {done}/{total} steps, at {}", stamp(at));
            last_progress = Instant::now();
        }
    }
    for record in &mut fired {
        if let Some(since) = record.since.take() {
            record.total += args.to - since;
        }
    }
    if args.format == AlertFormat::Text {
        for (rule, record) in rules.iter().zip(&fired) {
            println!(
                "{}: fired {} {}, firing for {} in all ({total} steps of {} from {} to {})",
                rule.id,
                record.times,
                if record.times == 1 { "time" } else { "times" },
                span(record.total),
                crate::model::dashboard::format_duration(args.step),
                stamp(args.from),
                stamp(args.to),
            );
        }
    }
    if failures > 0 {
        bail!("{failures} rule evaluations failed (the first is shown above)");
    }
    Ok(ExitCode::SUCCESS)
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A span as `2h 55m`, `40m`, `0m`.
fn span(total: TimeDelta) -> String {
    let minutes = total.num_minutes();
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes}m"),
        (hours, 0) => format!("{hours}h"),
        (hours, minutes) => format!("{hours}h {minutes}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_hours_and_minutes() {
        assert_eq!(span(TimeDelta::minutes(175)), "2h 55m");
        assert_eq!(span(TimeDelta::minutes(120)), "2h");
        assert_eq!(span(TimeDelta::minutes(40)), "40m");
        assert_eq!(span(TimeDelta::zero()), "0m");
    }
}
