//! `lakesight dashboard list` and `show NAME` print the built-in dashboards;
//! `lakesight dashboard check FILE`: parses and validates a dashboard file, then expands and plans
//! every visual's SQL against the lake (time range resolved now, parameters at their defaults),
//! without running anything. Each problem is printed with its visual's id (and its line, for
//! problems in the file); any problem makes the command fail (exit 1).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use datafusion::common::ScalarValue;

use super::trust::Gate;
use super::{LakeArgs, engine_options, file_source_with_access, with_access};
use crate::engine::params::dashboard_value;
use crate::engine::{Engine, EngineOptions, TimeWindow, expand};
use crate::lake::bundled;
use crate::model::SourceSpec;
use crate::model::dashboard::bundled::{BUNDLED, bundled};
use crate::model::dashboard::{Dashboard, Visual};

/// Checks the dashboard in `file` against the lake `lake` names (else the file's, else the
/// bundled sample lake).
pub async fn check(file: &Path, lake: &LakeArgs) -> Result<()> {
    let (dashboard, gate) = load(file)?;
    let (engine, spec) = attach_for(&dashboard, &gate, lake).await?;
    let (from, to) = dashboard.time_range.resolve(chrono::Utc::now());
    let window = TimeWindow {
        from,
        to,
        lateness: dashboard.lateness,
    };
    let params = default_params(&dashboard);
    let catalog = engine.catalog();
    let mut problems = 0;
    let mut planned = 0;
    for visual in &dashboard.visuals {
        let Some(sql) = &visual.sql else {
            continue;
        };
        let outcome = match expand(sql, &window, &catalog) {
            Ok(expanded) => match engine.check_plan(&expanded.sql, &params).await {
                // Each `drivers` column: the KPI's SQL grouped by it must plan (an additive
                // value, a column that exists).
                Ok(_) => check_drivers(&engine, visual, &expanded.sql, &params).await,
                Err(err) => Err(err.to_string()),
            },
            Err(err) => Err(err.to_string()),
        };
        match outcome {
            Ok(()) => {
                planned += 1;
                println!("ok       {}", visual.id);
            }
            Err(message) => {
                problems += 1;
                println!("problem  {}: {message}", visual.id);
            }
        }
    }
    if problems > 0 {
        bail!("{} has {}", file.display(), plural(problems));
    }
    eprintln!(
        "{}: {planned} visual queries planned against {spec}",
        file.display()
    );
    Ok(())
}

/// Whether `visual`'s `drivers` can be computed from its `expanded` SQL.
async fn check_drivers(
    engine: &crate::engine::Engine,
    visual: &crate::model::dashboard::Visual,
    expanded: &str,
    params: &HashMap<String, ScalarValue>,
) -> Result<(), String> {
    let Some(y) = visual.y.first() else {
        return Ok(());
    };
    for dimension in &visual.drivers {
        let grouped = crate::engine::drivers::grouped_by(expanded, y, dimension)?;
        engine
            .check_plan(&grouped, params)
            .await
            .map_err(|e| format!("`drivers` column `{dimension}`: {e}"))?;
    }
    Ok(())
}

/// Reads and checks the dashboard in `file`, and what it may do (trusted or not, judged on the
/// very bytes parsed); its problems are printed, each with its line.
pub(super) fn load(file: &Path) -> Result<(Dashboard, Gate)> {
    let (bytes, text) = read_file(file)?;
    let dashboard = Dashboard::parse(&text).map_err(|invalid| {
        print_problems(file, &invalid);
        anyhow::anyhow!(problems_found(file, &invalid))
    })?;
    let gate = Gate::of(file, &bytes, &dashboard);
    Ok((dashboard, gate))
}

/// A dashboard file's bytes and its text (UTF-8, as TOML must be).
pub(super) fn read_file(file: &Path) -> Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(file)
        .with_context(|| format!("cannot read the dashboard {}", file.display()))?;
    let text = String::from_utf8(bytes.clone())
        .with_context(|| format!("the dashboard {} is not UTF-8 text", file.display()))?;
    Ok((bytes, text))
}

/// Prints each problem of a dashboard file on stdout, with its line (`FILE: line L, column C:
/// …`, as compilers write them).
pub(super) fn print_problems(file: &Path, invalid: &crate::model::dashboard::InvalidDashboard) {
    for problem in &invalid.problems {
        println!("{}: {problem}", file.display());
    }
}

/// [`print_problems`] on stderr (for `open`, which has no output of its own).
pub(super) fn print_problems_on_stderr(
    file: &Path,
    invalid: &crate::model::dashboard::InvalidDashboard,
) {
    for problem in &invalid.problems {
        eprintln!("{}: {problem}", file.display());
    }
}

/// `FILE has N problems`, the message that ends the problems' lines.
pub(super) fn problems_found(
    file: &Path,
    invalid: &crate::model::dashboard::InvalidDashboard,
) -> String {
    format!("{} has {}", file.display(), plural(invalid.problems.len()))
}

/// The visual `id` of the dashboard in `file`, or an error naming the visuals there are.
pub(super) fn visual<'a>(dashboard: &'a Dashboard, file: &Path, id: &str) -> Result<&'a Visual> {
    dashboard.visual(id).ok_or_else(|| {
        anyhow::anyhow!(
            "no visual `{id}` in {}; visuals: {}",
            file.display(),
            dashboard.visual_ids().join(", ")
        )
    })
}

/// The lake a dashboard reads: `--source`, else the file's `source` (its `endpoint` only once
/// the file is trusted, or when `--endpoint` replaces it), else the sample lake; on `--cluster`,
/// else the file's `cluster` once it is trusted, else this machine.
pub(super) async fn attach_for(
    dashboard: &Dashboard,
    gate: &Gate,
    lake: &LakeArgs,
) -> Result<(Engine, SourceSpec)> {
    let spec = match (&lake.source, &dashboard.source) {
        (Some(source), _) => with_access(source.parse::<SourceSpec>()?, &lake.access),
        (None, Some(spec)) => {
            if lake.access.endpoint.is_none() {
                gate.check_endpoint()?;
            }
            file_source_with_access(spec.clone(), &lake.access)
        }
        (None, None) => with_access(SourceSpec::local(bundled::sample_lake_dir()?), &lake.access),
    };
    // Dashboards run several visuals over the same files, `watch` and `backtest` run them again.
    let mut options = EngineOptions {
        hot_cache: true,
        ..engine_options(&lake.access)
    };
    if lake.access.cluster.is_none() {
        options.cluster = gate.cluster(dashboard);
    }
    // Only the tables the visuals and the params' option queries name are discovered.
    let queries = dashboard
        .visuals
        .iter()
        .filter_map(|v| v.sql.as_deref())
        .chain(dashboard.params.iter().filter_map(|p| p.options.as_deref()));
    let only = crate::engine::macros::tables_named_by(queries);
    let engine = Engine::attach_only(&spec, &options, only)
        .await
        .with_context(|| format!("could not attach {spec}"))?;
    Ok((engine, spec))
}

/// Each param's default as the typed value it is bound as.
pub(super) fn default_params(dashboard: &Dashboard) -> HashMap<String, ScalarValue> {
    dashboard
        .params
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                dashboard_value(p.param_type, p.default.as_ref()),
            )
        })
        .collect()
}

/// Prints the built-in dashboards' names and titles.
pub fn list() {
    for (name, text) in BUNDLED {
        let title = Dashboard::parse(text).map_or_else(|_| String::new(), |d| d.title);
        println!("{name:<16} {title}");
    }
}

/// Prints the TOML of the built-in dashboard `name`.
pub fn show(name: &str) -> Result<()> {
    let Some(text) = bundled(name) else {
        let names: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
        bail!(
            "no built-in dashboard named `{name}`; there are: {}",
            names.join(", ")
        );
    };
    print!("{text}");
    Ok(())
}

fn plural(problems: usize) -> String {
    if problems == 1 {
        "1 problem".to_owned()
    } else {
        format!("{problems} problems")
    }
}
