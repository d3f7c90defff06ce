//! `lakesight watch FILE`: evaluates a dashboard's alerts once (`--once`: every alert's state, the
//! exit code says whether one fires) or on every refresh the file asks for, handing each
//! transition to [`announce`] until Ctrl-C or SIGTERM. A lake that goes away (a deleted folder, an
//! unreachable S3) puts the rules into their `on_error` state and is reported on stderr; watching
//! goes on and picks up when the lake is back.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};

use super::alert_args::EXIT_FIRING;
use super::alert_eval::{AlertSetup, RuleOutcome, set_up};
use super::announce::{announce, print_notice, report_failures};
use super::changes::LakeChanges;
use super::{AlertFormat, WatchArgs};
use crate::alert::{
    AlertState, Announcer, Evaluation, History, Notice, NotifyOptions, RuleState, Transition,
};
use crate::model::dashboard::{AlertRule, Refresh};

/// Runs `lakesight watch`.
pub async fn watch(args: &WatchArgs) -> Result<ExitCode> {
    // Before anything slow, so a SIGTERM during the first evaluation stops cleanly too.
    let stop = stop_signal()?;
    let setup = set_up(&args.file, &args.lake, &args.params).await?;
    if args.once {
        return Ok(once(&setup, args.at.unwrap_or_else(Utc::now), args.format).await);
    }
    watch_until(&setup, args, stop).await
}

/// The exit code for these states: 3 when one fires, else 1 when one could not be evaluated, else 0.
pub fn exit_code(states: &[RuleState]) -> ExitCode {
    if states.iter().any(|s| s.state.is_firing()) {
        ExitCode::from(EXIT_FIRING)
    } else if states.iter().any(|s| s.state == AlertState::Error) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `--once`: every alert's state at `at`. A rule with `for = D` is first evaluated at `at - D`, so
/// it fires when its condition held then and still holds at `at` (it is pending when it holds
/// only at `at`).
async fn once(setup: &AlertSetup, at: DateTime<Utc>, format: AlertFormat) -> ExitCode {
    let rules = &setup.dashboard.alerts;
    let earlier = |index: usize| before(at, rules[index].pending());
    let mut states: Vec<RuleState> = (0..rules.len())
        .map(|index| RuleState::new(earlier(index)))
        .collect();
    let mut instants: BTreeMap<DateTime<Utc>, Vec<usize>> = BTreeMap::new();
    for (index, rule) in rules.iter().enumerate() {
        if !rule.pending().is_zero() {
            instants.entry(earlier(index)).or_default().push(index);
        }
    }
    for (instant, indices) in instants {
        let outcomes = setup.evaluate_rules_at(&indices, instant).await;
        for (&index, outcome) in indices.iter().zip(&outcomes) {
            states[index].evaluate(&rules[index], &outcome.evaluation, instant);
        }
    }
    let outcomes = setup.evaluate_at(at).await;
    for ((rule, state), outcome) in rules.iter().zip(&mut states).zip(outcomes) {
        let previous = state.state;
        state.evaluate(rule, &outcome.evaluation, at);
        let transition = Transition {
            previous,
            state: state.state,
            value: value_of(&outcome.evaluation),
            at,
        };
        if let Some(error) = outcome.error() {
            eprintln!("error: alert {}: {error}", rule.id);
        }
        let notice = Notice::new(
            &setup.dashboard.title,
            rule,
            &transition,
            outcome.sql.clone(),
            outcome.error(),
        );
        print_notice(&notice, format);
    }
    exit_code(&states)
}

/// The least time between two evaluations (a clock set back never makes them run back to back).
const MIN_GAP: Duration = Duration::from_millis(250);

/// How long `watch` waits, once stopped, for transitions still being announced (each notifier is
/// bounded by its own timeouts: a webhook's three tries, a program's 10 s).
const SETTLE: Duration = Duration::from_secs(30);

/// Evaluates now, then on every refresh (at least every `--poll`), and when a rule's `for` or
/// `keep_firing_for` period ends, until `stop` completes.
async fn watch_until(
    setup: &AlertSetup,
    args: &WatchArgs,
    stop: impl Future<Output = ()>,
) -> Result<ExitCode> {
    let mut stop = pin!(stop);
    setup.gate.warn_notifiers_held_back();
    let history = match &args.history {
        Some(path) => Some(History::at(path.clone())),
        None => History::in_data_dir(),
    };
    let mut watcher = Watcher {
        states: (0..setup.dashboard.alerts.len())
            .map(|_| RuleState::new(Utc::now()))
            .collect(),
        errors: vec![None; setup.dashboard.alerts.len()],
        format: args.format,
        announcer: Announcer::start(history, NotifyOptions::default())?,
        last_at: None,
    };
    // Files landing call for an evaluation at once; time passing calls for one too (a `last 1h`
    // range moves on, a stream that stopped is seen only by looking), so every `poll` at least.
    let (mut changes, every) = match setup.dashboard.refresh {
        Refresh::NewData => (Some(LakeChanges::new(setup)), args.poll),
        Refresh::Every(every) => (None, every),
        Refresh::Off => (None, args.poll),
    };
    if let Some(changes) = &mut changes {
        changes.check(setup).await;
    }
    tokio::select! {
        () = &mut stop => return Ok(watcher.stop()),
        () = watcher.evaluate(setup) => {}
    }
    let how = match &changes {
        Some(_) => format!(
            "when new files land and every {} (looking every {})",
            seconds(every),
            seconds(args.poll)
        ),
        None => format!("every {}", seconds(every)),
    };
    let count = setup.dashboard.alerts.len();
    eprintln!(
        "watching {count} alert{} of {}, evaluated {how} and when a `for` or `keep_firing_for` period ends; Ctrl-C stops",
        if count == 1 { "" } else { "s" },
        args.file.display()
    );
    let mut last = tokio::time::Instant::now();
    loop {
        // The next evaluation: the refresh period after the last one, or a rule's deadline if
        // that comes first; under `new-data`, as soon as files land.
        let due = watcher
            .next_deadline(setup)
            .map_or(last + every, |deadline| (last + every).min(deadline))
            .max(last + MIN_GAP);
        let next = async {
            match &mut changes {
                Some(changes) => loop {
                    let poll = tokio::time::Instant::now() + args.poll;
                    if due <= poll {
                        tokio::time::sleep_until(due).await;
                        changes.check(setup).await;
                        break;
                    }
                    tokio::time::sleep_until(poll).await;
                    if changes.check(setup).await {
                        break;
                    }
                },
                None => tokio::time::sleep_until(due).await,
            }
        };
        // One evaluation at a time: the next wait starts only once this one has finished.
        tokio::select! {
            () = &mut stop => break,
            () = next => {}
        }
        last = tokio::time::Instant::now();
        tokio::select! {
            () = &mut stop => break,
            () = watcher.evaluate(setup) => {}
        }
    }
    eprintln!("stopped");
    Ok(watcher.stop())
}

/// The rules' states while watching, the errors already reported, and where transitions go.
struct Watcher {
    states: Vec<RuleState>,
    errors: Vec<Option<String>>,
    format: AlertFormat,
    /// Records and announces transitions off the evaluation path.
    announcer: Announcer,
    /// When the last evaluation was made.
    last_at: Option<DateTime<Utc>>,
}

impl Watcher {
    /// When the evaluation after which some rule would change state by time alone is due: the
    /// nearest `for` or `keep_firing_for` deadline, as a tokio instant.
    fn next_deadline(&self, setup: &AlertSetup) -> Option<tokio::time::Instant> {
        // A deadline already evaluated at without a change (no data or an error kept the
        // state) is past: waiting for it again would evaluate back to back.
        let nearest = setup
            .dashboard
            .alerts
            .iter()
            .zip(&self.states)
            .filter_map(|(rule, state)| state.deadline(rule))
            .filter(|deadline| self.last_at.is_none_or(|last| *deadline > last))
            .min()?;
        let wait = (nearest - Utc::now()).to_std().unwrap_or_default();
        Some(tokio::time::Instant::now() + wait)
    }

    /// Lets transitions still being announced finish (a while at most) and reports what failed;
    /// the exit code of the states now.
    fn stop(&self) -> ExitCode {
        if !self.announcer.settle(SETTLE) {
            eprintln!("warning: some notifications were still being sent when watch stopped");
        }
        report_failures(&self.announcer);
        exit_code(&self.states)
    }

    /// Evaluates every rule now, announces each transition and reports new errors on stderr.
    async fn evaluate(&mut self, setup: &AlertSetup) {
        let at = Utc::now();
        self.last_at = Some(at);
        let outcomes = setup.evaluate_at(at).await;
        let notices: Vec<(AlertRule, Notice)> = feed(setup, &mut self.states, &outcomes, at)
            .into_iter()
            .filter_map(|notice| {
                let rule = setup
                    .dashboard
                    .alerts
                    .iter()
                    .find(|r| r.id == notice.alert)?;
                Some((rule.clone(), notice))
            })
            .collect();
        announce(notices, self.format, &self.announcer, setup.gate.trusted());
        for ((rule, reported), outcome) in setup
            .dashboard
            .alerts
            .iter()
            .zip(&mut self.errors)
            .zip(&outcomes)
        {
            let error = outcome.error();
            if error.is_some() && error != *reported {
                eprintln!(
                    "error: alert {}: {}",
                    rule.id,
                    error.as_deref().unwrap_or_default()
                );
            } else if error.is_none() && reported.is_some() {
                eprintln!("alert {} evaluates again", rule.id);
            }
            *reported = error;
        }
    }
}

/// Feeds each rule its outcome at `at`; the notices of the transitions made, in rule order.
pub fn feed(
    setup: &AlertSetup,
    states: &mut [RuleState],
    outcomes: &[RuleOutcome],
    at: DateTime<Utc>,
) -> Vec<Notice> {
    setup
        .dashboard
        .alerts
        .iter()
        .zip(states)
        .zip(outcomes)
        .filter_map(|((rule, state), outcome)| {
            let transition = state.evaluate(rule, &outcome.evaluation, at)?;
            Some(Notice::new(
                &setup.dashboard.title,
                rule,
                &transition,
                outcome.sql.clone(),
                outcome.error(),
            ))
        })
        .collect()
}

fn value_of(evaluation: &Evaluation) -> Option<f64> {
    match evaluation {
        Evaluation::Value(value) | Evaluation::Point(value, _) => Some(*value),
        _ => None,
    }
}

/// `at - period`, or the earliest instant when that is out of range.
pub fn before(at: DateTime<Utc>, period: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(period)
        .ok()
        .and_then(|period| at.checked_sub_signed(period))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn seconds(duration: Duration) -> String {
    crate::model::dashboard::format_duration(duration)
}

/// Completes on Ctrl-C or (on Unix) SIGTERM; the handlers are installed when this is called.
pub(super) fn stop_signal() -> Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        let interrupt = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        tokio::select! {
            () = interrupt => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        interrupt.await;
    })
}
