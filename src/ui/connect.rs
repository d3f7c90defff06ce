//! "Connect to S3": bucket and prefix, a profile picked from the ones in `~/.aws` (the list
//! `lakesight profiles` shows), and for S3-compatible stores an endpoint, a region and unsigned
//! access. Connection errors are shown in the dialog, which stays open until the lake attaches.

use crate::command::{Command, CommandSender};
use crate::lake::aws::profiles::ProfileInfo;
use crate::model::SourceSpec;

/// What the dialog edits.
#[derive(Default)]
pub struct ConnectState {
    /// Whether the dialog is showing.
    pub open: bool,
    /// `bucket/prefix` or `s3://bucket/prefix`.
    pub bucket: String,
    /// The chosen profile (empty: `AWS_PROFILE`, else `default`).
    pub profile: String,
    /// Region override (empty: the profile's).
    pub region: String,
    /// Endpoint of an S3-compatible store (empty: AWS).
    pub endpoint: String,
    /// Read without credentials.
    pub no_sign_request: bool,
    /// The profiles found, once loaded (or why they could not be read).
    pub profiles: Option<Result<Vec<ProfileInfo>, String>>,
    /// The last failed connection's message.
    pub error: Option<String>,
    /// Whether a connection from this dialog is being attempted.
    pub connecting: bool,
}

impl ConnectState {
    /// The source the fields describe.
    pub fn spec(&self) -> Result<SourceSpec, String> {
        let bucket = self.bucket.trim();
        if bucket.is_empty() {
            return Err("enter a bucket name, optionally with a prefix: my-lake/events".to_owned());
        }
        let url = if bucket.starts_with("s3://") {
            bucket.to_owned()
        } else {
            format!("s3://{bucket}")
        };
        let mut spec: SourceSpec = url.parse().map_err(|e| format!("{e}"))?;
        let optional = |text: &str| {
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_owned())
        };
        spec.profile = optional(&self.profile);
        spec.region = optional(&self.region);
        spec.endpoint = optional(&self.endpoint);
        spec.no_sign_request = self.no_sign_request;
        Ok(spec)
    }

    /// Fills the fields from an S3 source (a recent one, say).
    pub fn fill_from(&mut self, spec: &SourceSpec) {
        let url = spec.to_string();
        url.trim_start_matches("s3://").clone_into(&mut self.bucket);
        self.profile = spec.profile.clone().unwrap_or_default();
        self.region = spec.region.clone().unwrap_or_default();
        self.endpoint = spec.endpoint.clone().unwrap_or_default();
        self.no_sign_request = spec.no_sign_request;
    }
}

/// Draws the dialog when open.
pub fn connect_ui(ctx: &egui::Context, state: &mut ConnectState, commands: &CommandSender) {
    if !state.open {
        return;
    }
    let mut open = true;
    super::dialog("Connect to S3", ctx, &mut open)
        .default_width(420.0)
        .show(ctx, |ui| {
            egui::Grid::new("connect-grid")
                .num_columns(2)
                .spacing([8.0, 6.0])
                .show(ui, |ui| {
                    let label = ui.label("Bucket");
                    ui.add(
                        egui::TextEdit::singleline(&mut state.bucket)
                            .hint_text("my-lake/consumption")
                            .desired_width(280.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();

                    let label = ui.label("Profile");
                    profile_picker(ui, state).labelled_by(label.id);
                    ui.end_row();

                    let label = ui.label("Region");
                    ui.add(
                        egui::TextEdit::singleline(&mut state.region)
                            .hint_text("from the profile")
                            .desired_width(280.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();

                    let label = ui.label("Endpoint");
                    ui.add(
                        egui::TextEdit::singleline(&mut state.endpoint)
                            .hint_text("AWS; or http://localhost:9000 for MinIO")
                            .desired_width(280.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                });
            ui.checkbox(&mut state.no_sign_request, "Public bucket (no credentials)");
            if let Some(error) = &state.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            ui.horizontal(|ui| {
                if ui.button("Connect").clicked() {
                    match state.spec() {
                        Ok(spec) => {
                            state.error = None;
                            state.connecting = true;
                            commands.send(Command::Attach(spec));
                        }
                        Err(message) => state.error = Some(message),
                    }
                }
                if state.connecting {
                    super::busy::busy_ui(ui);
                    ui.label("connecting...");
                }
            });
        });
    if !open {
        state.open = false;
        state.connecting = false;
    }
}

/// The profile field: a drop-down of the profiles found, or a text field when none could be read.
fn profile_picker(ui: &mut egui::Ui, state: &mut ConnectState) -> egui::Response {
    match &state.profiles {
        Some(Ok(profiles)) if !profiles.is_empty() => {
            let shown = if state.profile.is_empty() {
                "(default)".to_owned()
            } else {
                state.profile.clone()
            };
            egui::ComboBox::from_id_salt("profile-picker")
                .selected_text(shown)
                .width(280.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut state.profile, String::new(), "(default)");
                    for profile in profiles {
                        let detail = [
                            Some(profile.kind.to_string()),
                            profile.region.clone(),
                            profile.endpoint.clone(),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                        ui.selectable_value(
                            &mut state.profile,
                            profile.name.clone(),
                            format!("{} ({detail})", profile.name),
                        );
                    }
                })
                .response
        }
        other => {
            let hint = match other {
                None => "loading profiles...".to_owned(),
                Some(Err(err)) => format!("no profiles: {err}"),
                Some(Ok(_)) => "no profiles in ~/.aws".to_owned(),
            };
            ui.add(
                egui::TextEdit::singleline(&mut state.profile)
                    .hint_text(hint)
                    .desired_width(280.0),
            )
        }
    }
}
