//! The tokio runtime the app and the CLI run their queries, listings and writes on. Built here,
//! below both, so the two start it the same way; the caller owns it and passes its handle on.

/// How much lower the query threads' CPU priority is than the UI thread's (a Unix nice value).
#[cfg(target_os = "linux")]
const WORKER_NICENESS: i32 = 10;

/// The runtime the app runs its queries, listings and writes on. Its threads run at a lower CPU
/// priority than the UI thread: a query still gets every core, but when the UI needs one to draw
/// a frame, it gets it first, so the window stays smooth while a query keeps the CPU busy.
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn worker_threads_run_at_a_lower_priority_than_the_caller() {
        let runtime = super::build_runtime().unwrap();
        let caller = rustix::process::getpriority_process(None).unwrap();
        let (worker, name) = runtime.block_on(async {
            tokio::spawn(async {
                (
                    rustix::process::getpriority_process(None).unwrap(),
                    std::thread::current().name().map(str::to_owned),
                )
            })
            .await
            .unwrap()
        });
        assert_eq!(name.as_deref(), Some("lakesight-worker"));
        // Nice values top out at 19: a caller already at the bottom cannot go lower.
        assert_eq!(worker, (caller + super::WORKER_NICENESS).min(19));
    }
}
