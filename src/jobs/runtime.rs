//! The one tokio runtime builder, shared by the CLI and the desktop app.

/// How much lower the query threads' CPU priority is than the UI thread's (a Unix nice value).
#[cfg(target_os = "linux")]
const WORKER_NICENESS: i32 = 10;

/// The runtime queries, listings and writes run on. Its threads run at a lower CPU priority than
/// the UI thread: a query still gets every core, but when the UI needs one to draw a frame, it
/// gets it first, so the window stays smooth while a query keeps the CPU busy.
pub fn build_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lakesight-worker")
        .on_thread_start(lower_this_threads_priority)
        .build()
}

fn lower_this_threads_priority() {
    // On Linux a nice value belongs to a thread, and `None` names the calling thread. Elsewhere
    // it would apply to the whole process, UI included, so it is left alone.
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(None, WORKER_NICENESS) {
        tracing::debug!("could not lower a worker thread's priority: {err}");
    }
}
