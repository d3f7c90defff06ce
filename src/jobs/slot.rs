//! [`Slot`]: the one way the app holds a background job and takes its result.

use super::{Job, JobLost};

/// At most one running [`Job`]; starting another replaces (and abandons) it.
pub struct Slot<T> {
    job: Option<Job<T>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self { job: None }
    }
}

impl<T> Slot<T> {
    /// Holds `job`, abandoning the one held before.
    pub fn start(&mut self, job: Job<T>) {
        self.job = Some(job);
    }

    /// Whether a job is running.
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Abandons the running job, if any.
    pub fn clear(&mut self) {
        self.job = None;
    }

    /// The job's result once it has one (or why it has none); the slot is then empty.
    pub fn take_ready(&mut self) -> Option<Result<T, JobLost>> {
        let ready = self.job.as_mut()?.poll()?;
        self.job = None;
        Some(ready)
    }
}
