//! Query tabs at run time: each tab's running query, the result arriving and the one shown, its
//! chart, and what the editor shows about the last run. Keyed by the tab's stable id.

use std::sync::Arc;

use crate::command::TabId;
use crate::jobs::{Job, JobLost, QueryEvent, QueryJob};
use crate::results::{ResultError, ResultSet};
use crate::series::{ChartData, ChartSpec, SeriesError};

use super::LakesightApp;

/// Points per chart series at most (downsampled beyond).
const CHART_POINTS: usize = 4_000;

/// A finished sort: the result it is for, column, descending, and the row order.
pub type SortDone = (u64, usize, bool, Result<Vec<u32>, ResultError>);

/// A tab's runtime state: its query and results (not persisted).
#[derive(Default)]
pub struct TabRuntime {
    pub running: Option<QueryJob>,
    pub arriving: Option<ResultSet>,
    pub shown: Option<ResultSet>,
    pub outcome: Option<String>,
    pub failed: bool,
    /// The SQL that ran last (to place an error in the editor, and to export a cut result),
    /// and where it starts in the editor.
    pub ran_sql: String,
    pub ran_offset: usize,
    /// The SQL of the result shown.
    pub shown_sql: String,
    /// Where the query ran: `None` here, else the cluster's address (`df://host:port`).
    pub ran_on: Option<String>,
    /// Where the error points, in the editor's text, while that text is the second field.
    pub error_span: Option<(std::ops::Range<usize>, String)>,
    /// Chart (`true`) or table.
    pub show_chart: bool,
    /// The chart drawn of the shown result (`None`: nothing to chart).
    pub chart_spec: Option<ChartSpec>,
    /// The chart's series, once built.
    pub chart: Option<Arc<Result<ChartData, String>>>,
    /// The chart being built.
    pub chart_job: Option<Job<(ChartSpec, Result<ChartData, SeriesError>)>>,
}

impl LakesightApp {
    /// Runs `sql` in `tab`; `offset` is where it starts in the tab's editor (a selection).
    pub(super) fn run(&mut self, tab: TabId, sql: &str, offset: usize) {
        let Some(engine) = &self.engine else {
            self.status = Some("attach a lake first".to_owned());
            return;
        };
        let budget = self.result_budget();
        self.state.remember_query(sql);
        let job = self.jobs.run_query_within(engine, sql, Some(budget));
        let ran_on = engine.cluster().map(ToString::to_string);
        if let Some(runtime) = self.tabs.get_mut(&tab) {
            runtime.ran_on = ran_on;
            // Dropping a job still running cancels its query.
            runtime.running = Some(job);
            runtime.arriving = None;
            sql.clone_into(&mut runtime.ran_sql);
            runtime.ran_offset = offset;
            runtime.error_span = None;
        }
    }

    /// Takes what each tab's query has sent since the last frame.
    pub(super) fn drain_queries(&mut self) {
        for (id, tab) in &mut self.tabs {
            let Some(job) = tab.running.as_mut() else {
                continue;
            };
            let events = job.poll();
            if job.is_done() {
                tab.running = None;
            }
            let editor = self.state.tab(*id).map_or("", |t| t.sql.as_str());
            for event in events {
                tab.on_event(event, editor);
            }
        }
    }

    /// Starts building the chart of each tab showing one, when it is missing.
    pub(super) fn build_charts(&mut self) {
        for tab in self.tabs.values_mut() {
            if !tab.show_chart || tab.chart.is_some() || tab.chart_job.is_some() {
                continue;
            }
            let (Some(result), Some(spec)) = (tab.shown.clone(), tab.chart_spec.clone()) else {
                continue;
            };
            tab.chart_job = Some(self.jobs.spawn_blocking(move || {
                let data =
                    crate::series::build(&result.schema, result.batches(), &spec, CHART_POINTS);
                (spec, data)
            }));
        }
        for tab in self.tabs.values_mut() {
            let Some(ready) = tab.chart_job.as_mut().and_then(Job::poll) else {
                continue;
            };
            tab.chart_job = None;
            match ready {
                Ok((spec, data)) if tab.chart_spec.as_ref() == Some(&spec) => {
                    tab.chart = Some(Arc::new(data.map_err(|e| e.to_string())));
                }
                Ok(_) => {}
                Err(JobLost(message)) => tab.chart = Some(Arc::new(Err(message))),
            }
        }
    }

    /// Puts a finished sort onto the result it was computed for (tabs may have closed or rerun).
    pub(super) fn sorted(&mut self, done: SortDone) {
        let (id, column, descending, order) = done;
        match order {
            Ok(order) => {
                if let Some(result) = self
                    .tabs
                    .values_mut()
                    .filter_map(|t| t.shown.as_mut())
                    .find(|r| r.id() == id)
                {
                    result.set_sort(column, descending, order);
                }
            }
            Err(err) => self.status = Some(format!("cannot sort: {err}")),
        }
    }
}

impl TabRuntime {
    /// Applies one event of the tab's query; `editor` is the tab's SQL now.
    fn on_event(&mut self, event: QueryEvent, editor: &str) {
        match event {
            QueryEvent::Started { schema } => self.arriving = Some(ResultSet::new(schema)),
            QueryEvent::Batch(batch) => {
                if let Some(result) = self.arriving.as_mut() {
                    result.push(batch);
                }
            }
            QueryEvent::Finished { rows, elapsed, cut } => {
                let same_columns = match (&self.shown, &self.arriving) {
                    (Some(old), Some(new)) => old.schema == new.schema,
                    _ => false,
                };
                let mut result = self.arriving.take();
                if let (Some(result), Some(cut)) = (&mut result, cut) {
                    result.set_cut(cut);
                }
                self.shown = result;
                self.shown_sql.clone_from(&self.ran_sql);
                if !same_columns {
                    self.chart_spec = self
                        .shown
                        .as_ref()
                        .and_then(|r| crate::series::suggest(&r.schema));
                }
                self.chart = None;
                self.chart_job = None;
                let seconds = elapsed.as_secs_f64();
                let rows = crate::model::rows_text(rows);
                let place = self
                    .ran_on
                    .as_ref()
                    .map(|url| format!(" on the cluster {url}"))
                    .unwrap_or_default();
                self.outcome = Some(match cut {
                    Some(_) => {
                        format!("{rows} (cut at the result limit) in {seconds:.3} s{place}")
                    }
                    None => format!("{rows} in {seconds:.3} s{place}"),
                });
                self.failed = false;
            }
            QueryEvent::Failed(message) => {
                self.arriving = None;
                self.error_span = crate::sql::text::error_span_in_editor(
                    editor,
                    &self.ran_sql,
                    self.ran_offset,
                    &message,
                )
                .map(|span| (span, editor.to_owned()));
                self.outcome = Some(message);
                self.failed = true;
            }
            QueryEvent::Cancelled => {
                self.arriving = None;
                self.outcome = Some("Cancelled".to_owned());
                self.failed = false;
            }
        }
    }
}
