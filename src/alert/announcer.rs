//! [`Announcer`]: transitions recorded and announced off the evaluation path, in order. One
//! thread takes each transition in the order evaluation made them, appends it to the history
//! (synced to disk) and, only when that worked, hands it to the queue of each of the rule's
//! notifiers. Each notifier target (a webhook host, a program, the desktop) has its own queue and
//! thread, so its notices arrive in the order they happened, and a slow or dead one delays only
//! itself: never the evaluation, never another target. Every queue is bounded; a transition that
//! finds its queue full is reported, not waited for.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread;
use std::time::{Duration, Instant};

use super::{AlertState, History, Notice, Notify, NotifyOptions, notifiers_for};
use crate::model::dashboard::AlertRule;

/// Transitions waiting to be recorded, at most.
const RECORD_QUEUE: usize = 1024;
/// Notices waiting for one notifier target, at most.
const TARGET_QUEUE: usize = 64;

/// One transition to record and announce.
struct Item {
    rule: AlertRule,
    notice: Notice,
    trusted: bool,
}

/// One notice for one notifier.
type Job = (Box<dyn Notify + Send + Sync>, Arc<Notice>);

/// Records and announces transitions in the background, in order (see the module's doc).
pub struct Announcer {
    items: Option<SyncSender<Item>>,
    failures: Receiver<String>,
    /// Transitions and notifications not finished yet.
    pending: Arc<AtomicUsize>,
    dispatcher: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("pending", &self.pending.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl Announcer {
    /// Starts the recording thread: transitions go to `history` (`None`: not recorded), then to
    /// their rules' notifiers built with `options` (its `trusted` is set per transition).
    pub fn start(history: Option<History>, options: NotifyOptions) -> std::io::Result<Self> {
        let (items, incoming) = sync_channel::<Item>(RECORD_QUEUE);
        let (report, failures) = sync_channel::<String>(RECORD_QUEUE);
        let pending = Arc::new(AtomicUsize::new(0));
        let dispatcher = Dispatcher {
            history,
            options,
            report,
            pending: Arc::clone(&pending),
            targets: HashMap::new(),
        };
        let handle = thread::Builder::new()
            .name("alert-record".to_owned())
            .spawn(move || dispatcher.run(&incoming))?;
        Ok(Self {
            items: Some(items),
            failures,
            pending,
            dispatcher: Some(handle),
        })
    }

    /// Hands over a transition of `rule`; its `command:` and `webhook:` notifiers run only when
    /// the rule's file is `trusted`. Returns at once; an error when the queue is full.
    pub fn announce(&self, rule: AlertRule, notice: Notice, trusted: bool) -> Result<(), String> {
        let Some(items) = &self.items else {
            return Err("the announcer has stopped".to_owned());
        };
        self.pending.fetch_add(1, Ordering::SeqCst);
        let alert = notice.alert.clone();
        match items.try_send(Item {
            rule,
            notice,
            trusted,
        }) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Ordering::SeqCst);
                Err(format!(
                    "alert {alert}: too many transitions waiting to be recorded; this one was dropped"
                ))
            }
        }
    }

    /// What failed since the last call, one line each (a notifier, the history, a full queue).
    pub fn failures(&self) -> Vec<String> {
        let mut found = Vec::new();
        loop {
            match self.failures.try_recv() {
                Ok(failure) => found.push(failure),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return found,
            }
        }
    }

    /// Whether a transition is still being recorded or announced.
    pub fn is_busy(&self) -> bool {
        self.pending.load(Ordering::SeqCst) > 0
    }

    /// Waits until everything handed over is recorded and announced, at most `patience`
    /// (notifiers bound themselves by their own timeouts); whether it all finished.
    pub fn settle(&self, patience: Duration) -> bool {
        let deadline = Instant::now() + patience;
        while self.is_busy() {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        // Closing the queue ends the recording thread once it has taken what was handed over;
        // notifier threads end when their queues empty. Nothing waits here.
        self.items = None;
        drop(self.dispatcher.take());
    }
}

/// The recording thread's state.
struct Dispatcher {
    history: Option<History>,
    options: NotifyOptions,
    report: SyncSender<String>,
    pending: Arc<AtomicUsize>,
    /// Each notifier target's queue, by its name.
    targets: HashMap<String, SyncSender<Job>>,
}

impl Dispatcher {
    fn run(mut self, incoming: &Receiver<Item>) {
        while let Ok(item) = incoming.recv() {
            self.take(item);
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Records one transition, then queues it for each notifier.
    fn take(&mut self, item: Item) {
        let Item {
            rule,
            notice,
            trusted,
        } = item;
        if let Some(history) = &self.history
            && let Err(err) = history.append(&notice)
        {
            // Never announce what the history does not hold.
            self.report(format!(
                "alert {}: {err}; its notifications were not sent",
                notice.alert
            ));
            return;
        }
        if !AlertState::announced(notice.previous, notice.state) {
            return;
        }
        let options = NotifyOptions {
            trusted,
            ..self.options.clone()
        };
        let notice = Arc::new(notice);
        for notifier in notifiers_for(&rule, &options) {
            let name = notifier.name();
            let Some(queue) = self.queue(&name) else {
                self.report(format!(
                    "alert {}: {name}: could not start a thread to notify",
                    notice.alert
                ));
                continue;
            };
            self.pending.fetch_add(1, Ordering::SeqCst);
            if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
                queue.try_send((notifier, Arc::clone(&notice)))
            {
                self.pending.fetch_sub(1, Ordering::SeqCst);
                self.report(format!(
                    "alert {}: {name}: {TARGET_QUEUE} notices are still waiting for it; this one was dropped",
                    notice.alert
                ));
            }
        }
    }

    /// The queue of the notifier target `name`, its thread started the first time.
    fn queue(&mut self, name: &str) -> Option<SyncSender<Job>> {
        if let Some(queue) = self.targets.get(name) {
            return Some(queue.clone());
        }
        let (queue, jobs) = sync_channel::<Job>(TARGET_QUEUE);
        let report = self.report.clone();
        let pending = Arc::clone(&self.pending);
        thread::Builder::new()
            .name("alert-notify".to_owned())
            .spawn(move || {
                while let Ok((notifier, notice)) = jobs.recv() {
                    // A notifier that panics is reported like one that fails; the queue goes on.
                    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        notifier.send(&notice)
                    }));
                    let failure = match sent {
                        Ok(Ok(())) => None,
                        Ok(Err(err)) => Some(err.to_string()),
                        Err(_) => Some("the notifier stopped with a panic".to_owned()),
                    };
                    if let Some(failure) = failure {
                        let _ = report.try_send(format!(
                            "alert {}: {}: {failure}",
                            notice.alert,
                            notifier.name()
                        ));
                    }
                    pending.fetch_sub(1, Ordering::SeqCst);
                }
            })
            .ok()?;
        self.targets.insert(name.to_owned(), queue.clone());
        Some(queue)
    }

    fn report(&self, failure: String) {
        // A full report queue means nobody is reading: the failure is also logged.
        tracing::warn!("{failure}");
        let _ = self.report.try_send(failure);
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests;
