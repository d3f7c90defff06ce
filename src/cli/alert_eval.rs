//! One evaluation of a dashboard's alert rules at an instant, shared by `watch` and `alerts
//! backtest`: each visual that a rule watches runs once (not once per rule), at most
//! [`MAX_CONCURRENT_VISUALS`] at a time, over the dashboard's time range moved to end at that
//! instant; its data is prepared as the window would draw it, and every rule gets the value it
//! watches (`alert::evaluation_of`).
//!
//! **The time range at an instant `at`.** `last 24h` covers `[at - 24h, at)`. A fixed range
//! `FROM..TO` keeps its length and ends at `at`: `[at - (TO - FROM), at)`. So the same file
//! evaluates the same way whether it is read live, with `--at` or in a backtest.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use datafusion::common::ScalarValue;
use futures::StreamExt;

use super::LakeArgs;
use super::dashboard::{attach_for, default_params, load};
use super::dashboard_data::param_value;
use super::trust::Gate;
use crate::alert::{Evaluation, evaluation_of};
use crate::engine::dashboard::{MAX_VISUAL_ROWS, run_visual};
use crate::engine::{Engine, TimeWindow};
use crate::model::SourceLocation;
use crate::model::dashboard::{AlertRule, Dashboard, Visual};
use crate::series::visual::prepare;

/// Visuals run at the same time during one evaluation, at most.
pub const MAX_CONCURRENT_VISUALS: usize = 4;

/// A dashboard with alerts, its lake attached and its parameters bound.
pub struct AlertSetup {
    /// The dashboard, checked.
    pub dashboard: Dashboard,
    /// The engine over its lake.
    pub engine: Engine,
    /// The parameters' typed values.
    pub params: HashMap<String, ScalarValue>,
    /// What the file may do (its notifiers act only once it is trusted).
    pub gate: Gate,
}

/// What one rule got from one evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleOutcome {
    /// What the rule's state machine is fed.
    pub evaluation: Evaluation,
    /// The watched visual's SQL, macros expanded, if it got that far.
    pub sql: Option<String>,
}

impl RuleOutcome {
    /// Why the evaluation failed, if it did.
    pub fn error(&self) -> Option<String> {
        match &self.evaluation {
            Evaluation::Error(message) => Some(message.clone()),
            _ => None,
        }
    }
}

/// Loads and checks `file` (its problems are printed with their lines), binds `--param` values and
/// attaches the lake; a file without alerts is an error.
pub async fn set_up(file: &Path, lake: &LakeArgs, params: &[String]) -> Result<AlertSetup> {
    let (dashboard, gate) = load(file)?;
    if dashboard.alerts.is_empty() {
        bail!(
            "{} has no [[alerts]]: there is nothing to evaluate",
            file.display()
        );
    }
    let mut values = default_params(&dashboard);
    for assignment in params {
        let (name, value) = param_value(&dashboard, assignment)?;
        values.insert(name, value);
    }
    let (engine, _) = attach_for(&dashboard, &gate, lake).await?;
    Ok(AlertSetup {
        dashboard,
        engine,
        params: values,
        gate,
    })
}

/// The window `dashboard`'s time range covers when evaluated at `at` (see the module's doc).
pub fn window_at(dashboard: &Dashboard, at: DateTime<Utc>) -> TimeWindow {
    let (from, to) = dashboard.time_range.resolve(at);
    TimeWindow {
        from: at - (to - from),
        to: at,
        lateness: dashboard.lateness,
    }
}

impl AlertSetup {
    /// Evaluates every rule at `at`; the outcomes are in the order of `dashboard.alerts`.
    pub async fn evaluate_at(&self, at: DateTime<Utc>) -> Vec<RuleOutcome> {
        let all: Vec<usize> = (0..self.dashboard.alerts.len()).collect();
        self.evaluate_rules_at(&all, at).await
    }

    /// Evaluates the rules at indices `rules` at `at`; one outcome per index, in order.
    pub async fn evaluate_rules_at(&self, rules: &[usize], at: DateTime<Utc>) -> Vec<RuleOutcome> {
        // Each evaluation sees the files as they are now (visuals within it share one listing).
        self.engine.forget_listings();
        let rules: Vec<&AlertRule> = rules
            .iter()
            .filter_map(|&index| self.dashboard.alerts.get(index))
            .collect();
        if let Err(message) = self.lake_reachable().await {
            return rules
                .iter()
                .map(|_| RuleOutcome {
                    evaluation: Evaluation::Error(message.clone()),
                    sql: None,
                })
                .collect();
        }
        let mut visuals: Vec<&Visual> = Vec::new();
        for rule in &rules {
            if let Some(visual) = self.dashboard.visual(&rule.visual)
                && !visuals.iter().any(|v| v.id == visual.id)
            {
                visuals.push(visual);
            }
        }
        let window = window_at(&self.dashboard, at);
        let outcomes: HashMap<String, RuleOutcome> = futures::stream::iter(visuals)
            .map(|visual| async { (visual.id.clone(), self.run_watched(visual, &window).await) })
            .buffer_unordered(MAX_CONCURRENT_VISUALS)
            .collect()
            .await;
        rules
            .iter()
            .map(|rule| {
                outcomes.get(&rule.visual).cloned().unwrap_or(RuleOutcome {
                    // A checked dashboard's rules only watch its visuals.
                    evaluation: Evaluation::Error(format!("no visual `{}`", rule.visual)),
                    sql: None,
                })
            })
            .collect()
    }

    /// Runs `visual` over `window` and gives the value its rules watch.
    async fn run_watched(&self, visual: &Visual, window: &TimeWindow) -> RuleOutcome {
        let anomalous = self.dashboard.alerts.iter().any(|rule| {
            rule.visual == visual.id
                && rule.condition == crate::model::dashboard::Condition::Anomalous
        });
        // An `anomalous` rule's model needs history: two weeks at least.
        let mut window = window.clone();
        if anomalous {
            window.from = crate::alert::anomaly_history(window.from, window.to);
        }
        let window = &window;
        match run_visual(&self.engine, visual, window, &self.params, MAX_VISUAL_ROWS).await {
            Ok(run) => {
                let evaluation = match prepare(visual, &run.batches, run.previous.as_deref()) {
                    Ok(data) => {
                        crate::alert::evaluation_for(visual, Ok(&data), window.to, anomalous)
                    }
                    Err(err) => evaluation_of(Err(&err.to_string())),
                };
                RuleOutcome {
                    evaluation,
                    sql: run.sql,
                }
            }
            Err(err) => RuleOutcome {
                evaluation: evaluation_of(Err(&err.message)),
                sql: err.sql,
            },
        }
    }

    /// Whether the lake can be reached now: a local folder still exists (a deleted folder would
    /// otherwise read as a lake without data), an S3 prefix can be listed.
    pub async fn lake_reachable(&self) -> Result<(), String> {
        let lake = self.engine.lake();
        match &lake.spec.location {
            SourceLocation::Local { path } => match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => Ok(()),
                _ => Err(format!("the lake folder {} is gone", path.display())),
            },
            SourceLocation::S3 { .. } => lake
                .store
                .raw()
                .list_with_delimiter(None)
                .await
                .map(|_| ())
                .map_err(|err| format!("cannot reach {}: {}", lake.spec, lake.store.explain(&err))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::model::dashboard::parse_instant;

    fn dashboard(range: &str) -> Dashboard {
        Dashboard::parse(&format!("title = \"T\"\ntime_range = \"{range}\"\n")).unwrap()
    }

    #[test]
    fn the_time_range_is_moved_to_end_at_the_evaluation_keeping_its_length() {
        let at = parse_instant("2026-11-24T15:30Z").unwrap();
        let last = window_at(&dashboard("last 24h"), at);
        assert_eq!((last.from, last.to), (at - TimeDelta::hours(24), at));
        let fixed = window_at(&dashboard("2026-11-01T00:00Z..2026-11-01T06:00Z"), at);
        assert_eq!((fixed.from, fixed.to), (at - TimeDelta::hours(6), at));
    }
}
