//! `lakesight dashboard list` and `show NAME` print the built-in dashboards;
//! `lakesight dashboard check FILE`: parses and validates a dashboard file, then expands and plans
//! every visual's SQL against the lake (time range resolved now, parameters at their defaults),
//! without running anything. Each problem is printed with its visual's id (and its line, for
//! problems in the file); any problem makes the command fail (exit 1).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use datafusion::common::ScalarValue;

use super::{LakeArgs, engine_options, with_access};
use crate::engine::params::dashboard_value;
use crate::engine::{Engine, EngineOptions, TimeWindow, expand};
use crate::lake::bundled;
use crate::model::SourceSpec;
use crate::model::dashboard::bundled::{BUNDLED, bundled};
use crate::model::dashboard::{Dashboard, Visual};

/// Checks the dashboard in `file` against the lake `lake` names (else the file's, else the
/// bundled sample lake).
pub async fn check(file: &Path, lake: &LakeArgs) -> Result<()> {
    let dashboard = load(file)?;
    let (engine, spec) = attach_for(&dashboard, lake).await?;
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
            Ok(expanded) => engine
                .check_plan(&expanded.sql, &params)
                .await
                .map_err(|e| e.to_string()),
            Err(err) => Err(err.to_string()),
        };
        match outcome {
            Ok(_) => {
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

/// Reads and checks the dashboard in `file`; its problems are printed, each with its line.
pub(super) fn load(file: &Path) -> Result<Dashboard> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the dashboard {}", file.display()))?;
    Dashboard::parse(&text).map_err(|invalid| {
        for problem in &invalid.problems {
            println!("{}: {problem}", file.display());
        }
        anyhow::anyhow!("{} has {}", file.display(), plural(invalid.problems.len()))
    })
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

/// The lake a dashboard reads: `--source`, else the file's `source`, else the sample lake.
pub(super) async fn attach_for(
    dashboard: &Dashboard,
    lake: &LakeArgs,
) -> Result<(Engine, SourceSpec)> {
    let spec = match (&lake.source, &dashboard.source) {
        (Some(source), _) => with_access(source.parse::<SourceSpec>()?, &lake.access),
        (None, Some(spec)) => spec.clone(),
        (None, None) => with_access(SourceSpec::local(bundled::sample_lake_dir()?), &lake.access),
    };
    // Dashboards run several visuals over the same files, `watch` and `backtest` run them again.
    let options = EngineOptions {
        hot_cache: true,
        ..engine_options(&lake.access)
    };
    let engine = Engine::attach(&spec, &options)
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
