//! A `command:` notifier: a program run with the notice's JSON (and a newline) on its standard
//! input. The whole text after `command:` is the program's path: no shell, no arguments (splitting
//! on spaces would break paths that have them). Its standard output is discarded (`lakesight
//! watch` writes NDJSON on its own), its standard error is kept for the report. It runs in a
//! process group of its own, so a program that does not finish in time is killed with everything
//! it started.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{self, Child, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use super::{Notify, NotifyError, seconds};
use crate::alert::Notice;

/// How much of the program's standard error is kept.
const STDERR_LIMIT_BYTES: u64 = 64 * 1024;
/// How many lines of it a report quotes.
const STDERR_LINES: usize = 5;
/// How long to wait for the rest of its standard error once it exited (a program that left a
/// child behind may hold it open).
const STDERR_GRACE: Duration = Duration::from_secs(1);
/// The longest pause between checks on whether the program exited.
const MAX_POLL: Duration = Duration::from_millis(50);

/// A program run with the notice's JSON on its standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The program's path (or a name looked up in `PATH`).
    pub program: PathBuf,
    /// How long it may run before it is killed.
    pub timeout: Duration,
}

impl Command {
    fn spawn(&self) -> io::Result<Child> {
        let mut command = process::Command::new(&self.program);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut busy_tries = 0;
        loop {
            match command.spawn() {
                // A script written a moment ago can still be open for writing in a process
                // forked meanwhile (by any thread of this program); that passes at once.
                Err(error)
                    if error.kind() == io::ErrorKind::ExecutableFileBusy && busy_tries < 10 =>
                {
                    busy_tries += 1;
                    thread::sleep(Duration::from_millis(20));
                }
                spawned => return spawned,
            }
        }
    }
}

impl Notify for Command {
    fn name(&self) -> String {
        format!("command:{}", self.program.display())
    }

    fn send(&self, notice: &Notice) -> Result<(), NotifyError> {
        let failed = |reason: String| NotifyError::Command { reason };
        let mut child = self
            .spawn()
            .map_err(|error| failed(format!("could not start: {error}")))?;
        let mut input = notice.to_json_line().into_bytes();
        input.push(b'\n');
        if let Some(mut stdin) = child.stdin.take() {
            // On its own thread: a program that does not read its input must not block us on a
            // full pipe. A program that exits without reading makes the write fail; its exit
            // status says whether that mattered.
            let _ = thread::Builder::new()
                .name("alert-command-stdin".to_owned())
                .spawn(move || stdin.write_all(&input));
        }
        let stderr = child.stderr.take().map(read_in_background);
        let Some(status) = wait_until(&mut child, Instant::now() + self.timeout) else {
            kill(&mut child);
            return Err(failed(format!(
                "did not finish within {} and was stopped",
                seconds(self.timeout)
            )));
        };
        if status.success() {
            return Ok(());
        }
        let stderr = stderr
            .and_then(|stderr| stderr.recv_timeout(STDERR_GRACE).ok())
            .unwrap_or_default();
        let mut reason = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("was stopped: {status}"),
        };
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .take(STDERR_LINES)
            .collect();
        if !lines.is_empty() {
            reason.push_str(": ");
            reason.push_str(&lines.join(" / "));
        }
        Err(failed(reason))
    }
}

/// Reads `stream` to its end (or its first [`STDERR_LIMIT_BYTES`]) on a thread of its own.
fn read_in_background(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = sync_channel(1);
    let _ = thread::Builder::new()
        .name("alert-command-stderr".to_owned())
        .spawn(move || {
            let mut bytes = Vec::new();
            let _ = stream.take(STDERR_LIMIT_BYTES).read_to_end(&mut bytes);
            let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
        });
    receiver
}

/// Waits for `child` to exit until `deadline`; `None` when it is still running then.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(MAX_POLL);
    }
}

/// Kills `child` and whatever it started (its process group), and reaps it.
fn kill(child: &mut Child) {
    #[cfg(target_os = "linux")]
    if let Some(group) = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}
