//! `lakesight export FILE.toml --out PATH.png|PATH.svg`: runs the dashboard's queries (or one
//! visual's) for the range and parameters asked for, draws them headless with the window's own
//! drawing code ([`crate::render::picture`]) and writes the image atomically. No display is
//! needed. A visual whose query fails is drawn with its error in its tile; the image is written
//! and the command exits 1, unless `--allow-errors`. `--all` writes every image the file's
//! `[[exports]]` name, in one run over the same data.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use futures::StreamExt;

use super::alert_eval::MAX_CONCURRENT_VISUALS;
use super::dashboard::{attach_for, default_params, load, visual};
use super::dashboard_data::{param_assignment, range_asked};
use super::export_args::ExportArgs;
use crate::alert::{RuleState, evaluation_of};
use crate::engine::TimeWindow;
use crate::engine::dashboard::{MAX_VISUAL_ROWS, run_visual};
use crate::engine::params::dashboard_value;
use crate::model::atomic_file::write_atomically;
use crate::model::dashboard::{Dashboard, DashboardSource, ExportSpec, parse_instant};
use crate::render::picture::{ImageFormat, ImageOptions, ImageSize, Picture, Theme, TileView};
use crate::series::visual::{VisualData, prepare as visual_data};

/// One image to write.
pub struct Job {
    /// The file.
    pub path: PathBuf,
    /// What image.
    pub options: ImageOptions,
}

/// An image asked for that cannot be made as asked (a size too large, a file type that is not an
/// image): a bad command line, exit code 2, said before anything is read.
#[derive(Debug)]
pub struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Exit code of a bad command line.
const EXIT_USAGE: u8 = 2;

/// Runs `lakesight export`.
pub async fn export(args: &ExportArgs) -> Result<ExitCode> {
    let (picture, jobs) = match prepare(args).await {
        Ok(prepared) => prepared,
        Err(err) if err.is::<UsageError>() => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(err) => return Err(err),
    };
    let mut failed_any = false;
    for job in &jobs {
        let failed = picture.failed(&job.options);
        let bytes = picture
            .encode(&job.options, Utc::now())
            .map_err(|message| anyhow!("{}: {message}", job.path.display()))?;
        write_atomically(&job.path, &bytes)
            .with_context(|| format!("could not write {}", job.path.display()))?;
        let frame = picture.frame(&job.options).map_err(|m| anyhow!(m))?;
        let (width, height) = frame.pixels();
        eprintln!(
            "wrote {} ({width}x{height} pixels, {} bytes)",
            job.path.display(),
            bytes.len()
        );
        for id in &failed {
            let message = picture
                .tiles
                .get(*id)
                .and_then(|t| t.error.as_deref())
                .unwrap_or_default();
            eprintln!("visual {id} failed (drawn with its error): {message}");
        }
        failed_any |= !failed.is_empty();
    }
    if failed_any && !args.allow_errors {
        eprintln!("error: a visual failed; --allow-errors makes that exit 0");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything `export` does before drawing: the file read, the images asked for checked, the
/// lake attached and the visuals those images show run; the dashboard frozen as a [`Picture`]
/// (also used by the export benchmark).
pub async fn prepare(args: &ExportArgs) -> Result<(Picture, Vec<Job>)> {
    let (dashboard, gate) = load(&args.file)?;
    if args.all && !dashboard.exports.is_empty() {
        // Before anything is read or written: an untrusted file writes nothing of its own.
        gate.check_exports()?;
    }
    let jobs = jobs(args, &dashboard)?;
    // Every image's size is known from the layout: one too large is refused before any query.
    for job in &jobs {
        crate::render::picture::frame_for(&dashboard, &job.options)
            .map_err(|message| UsageError(format!("{}: {message}", job.path.display())))?;
    }
    let at = match &args.at {
        Some(text) => parse_instant(text)
            .ok_or_else(|| anyhow!("--at `{text}` is not a time like 2026-11-24T12:00Z"))?,
        None => Utc::now(),
    };
    let range = range_asked(
        &dashboard,
        args.from.as_deref().zip(args.to.as_deref()),
        args.range.as_deref(),
    )?;
    let mut bound = default_params(&dashboard);
    let mut params = HashMap::new();
    for assignment in &args.params {
        let (name, value) = param_assignment(&dashboard, assignment)?;
        if let Some(param) = dashboard.param(&name) {
            bound.insert(
                name.clone(),
                dashboard_value(param.param_type, Some(&value)),
            );
        }
        params.insert(name, Some(value));
    }
    let (from, to) = range.resolve(at);
    let window = TimeWindow {
        from,
        to,
        lateness: dashboard.lateness,
    };
    let (engine, spec) = attach_for(&dashboard, &gate, &args.lake).await?;
    // Only the visuals some image shows.
    let wanted: HashSet<&str> = if jobs.iter().any(|j| j.options.visual.is_none()) {
        dashboard.visuals.iter().map(|v| v.id.as_str()).collect()
    } else {
        jobs.iter()
            .filter_map(|j| j.options.visual.as_deref())
            .collect()
    };
    let bound = Arc::new(bound);
    let runs: Vec<(String, TileView, Option<String>)> = futures::stream::iter(
        dashboard
            .visuals
            .iter()
            .filter(|v| wanted.contains(v.id.as_str())),
    )
    .map(|visual| {
        let (engine, window, bound) = (&engine, &window, Arc::clone(&bound));
        async move {
            let run = run_visual(engine, visual, window, &bound, MAX_VISUAL_ROWS).await;
            let (tile, sql) = match run {
                Ok(run) => match visual_data(visual, &run.batches, run.previous.as_deref()) {
                    Ok(data) => {
                        // The forecast, anomalies and drivers, drawn as in the window.
                        let insights = match &data {
                            VisualData::Xy(xy) if visual.fits_a_model() => {
                                Some(Arc::new(crate::insights::for_visual(visual, xy)))
                            }
                            _ => None,
                        };
                        let drivers = if visual.drivers.is_empty() {
                            None
                        } else {
                            let found =
                                crate::engine::drivers::drivers(engine, visual, window, &bound)
                                    .await;
                            Some(Arc::new(found))
                        };
                        (
                            TileView {
                                data: Some(Arc::new(data)),
                                note: run.cut.then(|| {
                                    format!("only the first {MAX_VISUAL_ROWS} rows are drawn")
                                }),
                                insights,
                                drivers,
                                ..TileView::default()
                            },
                            run.sql,
                        )
                    }
                    Err(err) => (error_tile(err.to_string()), run.sql),
                },
                Err(err) => (error_tile(err.message), err.sql),
            };
            (visual.id.clone(), tile, sql)
        }
    })
    .buffered(MAX_CONCURRENT_VISUALS)
    .collect()
    .await;
    let alerts = alert_states(&dashboard, &runs, at);
    let mut sql = HashMap::new();
    let mut tiles = HashMap::new();
    for (id, tile, text) in runs {
        if let Some(text) = text {
            sql.insert(id.clone(), text);
        }
        tiles.insert(id, tile);
    }
    let picture = Picture {
        origin: DashboardSource::File(args.file.clone()),
        lake: Some(spec.to_string()),
        range,
        window: (from, to),
        params,
        tiles,
        sql,
        alerts,
        data_as_of: Some(at),
        id: 0,
        view_state: None,
        dashboard,
    };
    Ok((picture, jobs))
}

fn error_tile(message: String) -> TileView {
    TileView {
        error: Some(message),
        ..TileView::default()
    }
}

/// The images asked for: `--out` with the flags, or the file's `[[exports]]` with `--all`.
fn jobs(args: &ExportArgs, dashboard: &Dashboard) -> Result<Vec<Job>> {
    let jobs = if args.all {
        if dashboard.exports.is_empty() {
            bail!(
                "{} has no [[exports]]: name the images it writes there, or use --out",
                args.file.display()
            );
        }
        let folder = match args.file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let jobs = dashboard
            .exports
            .iter()
            .map(|spec| from_spec(spec, folder, args))
            .collect::<Result<Vec<Job>>>()?;
        for job in &jobs {
            stays_inside(&job.path, folder)?;
        }
        jobs
    } else {
        let path = args
            .out
            .clone()
            .ok_or_else(|| anyhow!("--out PATH.png or PATH.svg is needed"))?;
        let format = ImageFormat::from_path(&path).ok_or_else(|| {
            UsageError(format!(
                "--out {}: the file must end in .png or .svg",
                path.display()
            ))
        })?;
        if let Some(id) = &args.visual {
            visual(dashboard, &args.file, id)?;
        }
        vec![Job {
            path,
            options: ImageOptions {
                visual: args.visual.clone(),
                format,
                size: match args.width {
                    Some(width) => ImageSize::Pixels {
                        width,
                        height: args.height,
                    },
                    None => ImageSize::Scale(args.scale.unwrap_or(1.0)),
                },
                theme: args.theme.into(),
                footer: !args.no_footer,
                provenance: !args.no_provenance,
            },
        }]
    };
    for job in &jobs {
        let folder = match job.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            bail!(
                "cannot write {}: the folder {} does not exist",
                job.path.display(),
                folder.display()
            );
        }
    }
    Ok(jobs)
}

/// Refuses an `[[exports]]` image whose folder, once symbolic links are resolved, is not inside
/// the dashboard file's `folder` (a `reports -> /home/you/.ssh` link in a shared repository).
/// The file checked its paths have no `..` and are relative; this checks what they lead to.
fn stays_inside(path: &Path, folder: &Path) -> Result<()> {
    let parent = path.parent().unwrap_or(folder);
    let (Ok(real_parent), Ok(real_folder)) = (parent.canonicalize(), folder.canonicalize()) else {
        // A missing folder is reported with the other checks.
        return Ok(());
    };
    if !real_parent.starts_with(&real_folder) {
        bail!(
            "cannot write {}: its folder leads to {} through a symbolic link, outside the dashboard file's folder {}",
            path.display(),
            real_parent.display(),
            real_folder.display()
        );
    }
    Ok(())
}

/// One `[[exports]]` entry as a job (checked when the file was read).
fn from_spec(spec: &ExportSpec, folder: &Path, args: &ExportArgs) -> Result<Job> {
    let path = folder.join(&spec.path);
    let format = match spec.format.as_deref() {
        Some("svg") => ImageFormat::Svg,
        Some(_) => ImageFormat::Png,
        None => ImageFormat::from_path(&path)
            .ok_or_else(|| anyhow!("export `{}`: png or svg?", spec.path))?,
    };
    Ok(Job {
        path,
        options: ImageOptions {
            visual: spec.visual.clone(),
            format,
            size: match spec.width {
                Some(width) => ImageSize::Pixels {
                    width,
                    height: spec.height,
                },
                None => ImageSize::Scale(spec.scale.unwrap_or(1.0)),
            },
            theme: if spec.theme.as_deref() == Some("dark") {
                Theme::Dark
            } else {
                Theme::Light
            },
            footer: !args.no_footer,
            provenance: !args.no_provenance,
        },
    })
}

/// Each rule's state after one evaluation of what was drawn, at `at`.
fn alert_states(
    dashboard: &Dashboard,
    runs: &[(String, TileView, Option<String>)],
    at: DateTime<Utc>,
) -> HashMap<String, (crate::alert::AlertState, DateTime<Utc>)> {
    dashboard
        .alerts
        .iter()
        .filter_map(|rule| {
            let (_, tile, _) = runs.iter().find(|(id, _, _)| *id == rule.visual)?;
            let evaluation = match (&tile.data, &tile.error, dashboard.visual(&rule.visual)) {
                (_, Some(error), _) => evaluation_of(Err(error)),
                (Some(data), None, Some(visual)) => crate::alert::evaluation_for(
                    visual,
                    Ok(data),
                    at,
                    rule.condition == crate::model::dashboard::Condition::Anomalous,
                ),
                (Some(data), None, None) => evaluation_of(Ok(data)),
                (None, None, _) => return None,
            };
            let mut state = RuleState::new(at);
            state.evaluate(rule, &evaluation, at);
            Some((rule.id.clone(), (state.state, state.since)))
        })
        .collect()
}
