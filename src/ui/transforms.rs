//! The Jobs panel: the transform jobs of an opened jobs file, where they write, whether the file
//! is trusted to write, a run's progress with Stop, the last run's summary and failures, and
//! following new data.

use crate::command::{Command, CommandSender, TransformsCommand};

/// One job of the file.
pub struct JobLine<'a> {
    /// Its id.
    pub id: &'a str,
    /// `zone.table` it reads.
    pub input: &'a str,
    /// `zone/table` it writes.
    pub output: &'a str,
}

/// A run under way.
pub struct RunningView<'a> {
    /// The job run alone, or `None` for every job.
    pub job: Option<&'a str>,
    /// Partitions finished (built or failed) and to build, of the job under way.
    pub done: usize,
    /// Partitions the job under way builds.
    pub total: usize,
    /// Rows written so far.
    pub rows: u64,
    /// Stop was pressed: partitions under way finish.
    pub stopping: bool,
}

/// What the panel shows.
pub struct TransformsView<'a> {
    /// The file's name.
    pub name: &'a str,
    /// Why its jobs cannot be shown (unreadable, invalid).
    pub error: Option<&'a str>,
    /// Its jobs, in run order.
    pub jobs: Vec<JobLine<'a>>,
    /// Whether its bytes are trusted to write.
    pub trusted: bool,
    /// Whether a lake is attached to read from.
    pub attached: bool,
    /// The run under way.
    pub running: Option<RunningView<'a>>,
    /// The last run's summary, a line per job, and whether something failed.
    pub last: Option<(&'a [String], bool)>,
    /// Whether new input is followed.
    pub follow: bool,
}

/// Draws the panel; `into` is the output lake being typed.
pub fn transforms_ui(
    ui: &mut egui::Ui,
    view: &TransformsView<'_>,
    into: &mut String,
    commands: &CommandSender,
) {
    let send = |command: TransformsCommand| commands.send(Command::Transforms(command));
    ui.horizontal(|ui| {
        ui.strong(view.name);
        if ui.small_button("Close").clicked() {
            send(TransformsCommand::Close);
        }
    });
    if let Some(error) = view.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
        return;
    }
    ui.horizontal(|ui| {
        ui.label("Output");
        let edit = ui.add(
            egui::TextEdit::singleline(into)
                .hint_text("folder or s3://bucket/prefix")
                .desired_width(140.0),
        );
        if edit.changed() {
            send(TransformsCommand::SetInto(into.clone()));
        }
        if ui
            .small_button("…")
            .on_hover_text("Choose the output folder")
            .clicked()
        {
            send(TransformsCommand::BrowseInto);
        }
    });
    if !view.trusted {
        ui.colored_label(ui.visuals().warn_fg_color, "This jobs file is not trusted.");
        ui.label("Its jobs write Parquet files into the output lake.");
        if ui.button("Trust this file").clicked() {
            send(TransformsCommand::Trust);
        }
    }
    let can_run =
        view.trusted && view.attached && !into.trim().is_empty() && view.running.is_none();
    let why_not = if !view.attached {
        "Attach the lake the jobs read first"
    } else if into.trim().is_empty() {
        "Choose where the jobs write"
    } else if !view.trusted {
        "Trust the file first"
    } else {
        "A run is under way"
    };
    for job in &view.jobs {
        ui.horizontal(|ui| {
            let run = ui
                .add_enabled(can_run, egui::Button::new("▶").small())
                .on_hover_text(format!("Run {}", job.id))
                .on_disabled_hover_text(why_not);
            if run.clicked() {
                send(TransformsCommand::Run(Some(job.id.to_owned())));
            }
            ui.label(job.id)
                .on_hover_text(format!("{} → {}", job.input, job.output));
        });
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(can_run, egui::Button::new("Run all"))
            .on_disabled_hover_text(why_not)
            .clicked()
        {
            send(TransformsCommand::Run(None));
        }
        let mut follow = view.follow;
        if ui
            .add_enabled(
                view.trusted && !into.trim().is_empty(),
                egui::Checkbox::new(&mut follow, "Follow new data"),
            )
            .on_hover_text("Run again whenever input files land")
            .changed()
        {
            send(TransformsCommand::SetFollow(follow));
        }
    });
    if let Some(running) = &view.running {
        ui.horizontal(|ui| {
            ui.spinner();
            let what = running.job.unwrap_or("every job");
            ui.label(format!(
                "{what}: {}/{} partitions · {} rows",
                running.done, running.total, running.rows
            ));
            if running.stopping {
                ui.label("stopping…");
            } else if ui.small_button("Stop").clicked() {
                send(TransformsCommand::Stop);
            }
        });
        if running.total > 0 {
            #[allow(clippy::cast_precision_loss)]
            let share = running.done as f32 / running.total as f32;
            ui.add(egui::ProgressBar::new(share).desired_height(6.0));
        }
    }
    if let Some((lines, failed)) = view.last {
        let color = if failed {
            ui.visuals().error_fg_color
        } else {
            ui.visuals().text_color()
        };
        for line in lines {
            ui.colored_label(color, line);
        }
    }
}
