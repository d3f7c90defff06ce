//! The panels of the desktop app, one file each. A panel draws from the data it is given and
//! sends what the user asked for as [`crate::command::Command`]s through a
//! [`crate::command::CommandSender`]; it never runs queries, touches the engine or spawns work,
//! and never imports the app.

pub mod busy;
pub mod catalog;
pub mod chart;
pub mod cluster;
pub mod connect;
pub mod dashboard;
pub mod dashboards_list;
pub mod editor;
pub mod export;
pub mod fonts;
pub mod frame_times;
pub mod history;
pub mod results;
pub mod sql_highlight;
pub mod tabs;
pub mod toolbar;
pub mod transforms;
pub mod visuals;

/// A dialog as the window shows them: `title`, centred in `ctx`'s content, neither collapsible
/// nor resizable, closed with its ✕ through `open`.
pub fn dialog<'open>(
    title: impl Into<egui::WidgetText>,
    ctx: &egui::Context,
    open: &'open mut bool,
) -> egui::Window<'open> {
    egui::Window::new(title)
        .open(open)
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .collapsible(false)
        .resizable(false)
}
