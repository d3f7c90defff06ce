//! What panels ask the app to do. A panel draws from the data it is given and sends
//! [`Command`]s through a [`CommandSender`]; the app applies them after the frame is drawn. Every
//! command sent in a frame is kept, in order. This module sits below both `app` and `ui`, so the
//! panels never import the app.

use std::cell::RefCell;
use std::path::PathBuf;

use crate::model::dashboard::{DashboardSource, ParamValue, Position, TimeRange, Visual};
use crate::model::image::ImageOptions;
use crate::model::{ResultFormat, SourceSpec};
use crate::series::ChartSpec;

/// A query tab's identity: stable while the tab is open, whatever its position.
pub type TabId = u64;

/// An open dashboard's identity: stable while it is open.
pub type DashboardId = u64;

/// What a panel asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Attach this lake.
    Attach(SourceSpec),
    /// Show the folder picker (with the typed path as fallback).
    OpenFolderDialog,
    /// Discover the attached lake again.
    RefreshCatalog,
    /// Run SQL in a tab.
    Run {
        /// The tab.
        tab: TabId,
        /// The SQL (the selection, or the whole editor).
        sql: String,
        /// Where `sql` starts in the editor's text (bytes; 0 for the whole text).
        offset: usize,
    },
    /// Cancel a tab's running query.
    Cancel {
        /// The tab.
        tab: TabId,
    },
    /// Insert text at the end of the front tab's editor (already valid SQL: quoted as needed).
    InsertText(String),
    /// Replace the front tab's SQL (from the history).
    LoadQuery(String),
    /// Sort a tab's result by a column (again: descending).
    Sort {
        /// The tab.
        tab: TabId,
        /// The column.
        column: usize,
    },
    /// Show the first rows of a table (its SQL name, quoted as needed) in the front tab.
    Preview(String),
    /// Show an error in the status line.
    ShowError(String),
    /// Hide the notice shown once (about the state file, say).
    DismissNotice,
    /// Bring a tab to the front.
    SelectTab(TabId),
    /// Open a new query tab.
    NewTab,
    /// Close a tab.
    CloseTab(TabId),
    /// Show the S3 connect dialog (filled from a source, if given).
    OpenConnectDialog(Option<SourceSpec>),
    /// Show the "Connect to cluster" dialog.
    OpenClusterDialog,
    /// Run the window's queries on this Ballista cluster (`None`: on this machine): the lake is
    /// attached again through it.
    ConnectCluster(Option<crate::model::ClusterUrl>),
    /// Light, dark, or `None`: follow the system.
    SetTheme(Option<bool>),
    /// Show or hide the frame-time bar.
    ShowFrameTimes(bool),
    /// Zoom in (1) or out (-1) one step, or back to 100% (0).
    Zoom(i8),
    /// Keep at most this many rows and MiB of a result in memory (`None`: the default).
    SetResultLimit {
        /// Rows.
        rows: Option<usize>,
        /// Mebibytes.
        mib: Option<u64>,
    },
    /// Show the export dialog for a tab's result.
    OpenExport(TabId),
    /// Choose the export file with the save dialog.
    BrowseExportPath,
    /// Write a tab's result to a file.
    Export {
        /// The tab.
        tab: TabId,
        /// The format.
        format: ResultFormat,
        /// The file.
        path: PathBuf,
        /// Whether the user agreed to replace an existing file.
        replace: bool,
    },
    /// Stop the export being written.
    CancelExport,
    /// Draw a tab's chart with other columns or another kind.
    SetChart {
        /// The tab.
        tab: TabId,
        /// The chart.
        spec: ChartSpec,
    },
    /// Show a tab's result as a table or a chart.
    ShowChart {
        /// The tab.
        tab: TabId,
        /// Chart (`true`) or table.
        chart: bool,
    },
    /// Open a dashboard (or bring it to the front if it is open).
    OpenDashboard(DashboardSource),
    /// Choose a dashboard file with the file dialog.
    OpenDashboardDialog,
    /// Choose a transform jobs file to open in the Jobs panel.
    OpenJobsDialog,
    /// Something for the jobs file open in the Jobs panel.
    Transforms(TransformsCommand),
    /// Bring an open dashboard to the front.
    ShowDashboard(DashboardId),
    /// Close a dashboard (unsaved edits are lost; the panel asks first).
    CloseDashboard(DashboardId),
    /// A dashboard's edits and changes, by dashboard.
    Dashboard(DashboardId, DashboardCommand),
    /// Add the tab's query, drawn as its chart shows it, to a dashboard.
    AddToDashboard {
        /// The tab.
        tab: TabId,
        /// The dashboard.
        dashboard: DashboardId,
    },
}

/// What a dashboard's panel asks of the dashboard.
/// What the Jobs panel asks of its jobs file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformsCommand {
    /// Write into this lake (a folder or `s3://…`).
    SetInto(String),
    /// Choose the output folder with a dialog.
    BrowseInto,
    /// Trust the file's bytes to write.
    Trust,
    /// Run one job (`Some(id)`) or every job.
    Run(Option<String>),
    /// Stop the run between partitions.
    Stop,
    /// Run again whenever new input lands.
    SetFollow(bool),
    /// Close the jobs file.
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DashboardCommand {
    /// Show another time range and run the visuals again.
    SetRange(TimeRange),
    /// Set a param (`None`: all) and run the visuals using it again.
    SetParam {
        /// The param's name.
        name: String,
        /// Its value.
        value: Option<ParamValue>,
    },
    /// A click on a visual's category: set the visual's `cross_filter` param to it (again: all).
    CrossFilter {
        /// The visual clicked.
        visual: String,
        /// The category clicked.
        value: String,
    },
    /// Run every visual again.
    Rerun,
    /// Open a visual's query (expanded, values written in) in a new query tab and run it.
    ViewData(String),
    /// Turn edit mode on or off.
    SetEditing(bool),
    /// Choose the visual the side panel edits (`None`: none).
    Select(Option<String>),
    /// Move or resize a visual.
    Move {
        /// The visual.
        visual: String,
        /// Where it goes.
        position: Position,
    },
    /// Replace a visual's spec (the side panel's Apply), keeping its id.
    Replace(Box<Visual>),
    /// Run a visual's edited spec in its tile without changing the dashboard.
    Preview(Box<Visual>),
    /// Remove a visual.
    Delete(String),
    /// Adds an alert rule, or replaces the rule with its id ("Alert when…"); saved with Save.
    SetAlert(crate::model::dashboard::AlertRule),
    /// Removes the alert rule with this id.
    RemoveAlert(String),
    /// Write the dashboard to its file.
    Save,
    /// Write the dashboard to a file chosen with the save dialog.
    SaveAs,
    /// Take back the last edit.
    Undo,
    /// Trust the dashboard's file as it is on disk: its notifiers, endpoint and exports may act
    /// (recorded by the SHA-256 of its bytes).
    Trust,
    /// Read the file again, dropping unsaved edits.
    Reload,
    /// Keep the window's edits although the file changed on disk.
    KeepEdits,
    /// Write an image of the dashboard (or of one visual) to a file, in the background.
    ExportImage {
        /// What image.
        options: ImageOptions,
        /// The file (`.png` or `.svg`).
        path: PathBuf,
    },
    /// Put an image of the dashboard (or of one visual) on the clipboard, in the background.
    CopyImage(ImageOptions),
    /// Choose the image's file with the save dialog.
    BrowseImagePath(PathBuf),
}

/// Where panels send commands during a frame. Nothing is dropped: every command sent is applied,
/// in the order sent.
#[derive(Debug, Default)]
pub struct CommandSender {
    queue: RefCell<Vec<Command>>,
}

impl CommandSender {
    /// Asks the app to do `command` after this frame.
    pub fn send(&self, command: Command) {
        self.queue.borrow_mut().push(command);
    }

    /// The commands sent since the last call, oldest first.
    pub fn take(&self) -> Vec<Command> {
        std::mem::take(&mut *self.queue.borrow_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_commands_in_one_frame_are_both_kept_in_order() {
        let sender = CommandSender::default();
        sender.send(Command::NewTab);
        sender.send(Command::RefreshCatalog);
        assert_eq!(
            sender.take(),
            [Command::NewTab, Command::RefreshCatalog],
            "both, oldest first"
        );
        assert!(sender.take().is_empty());
    }
}
