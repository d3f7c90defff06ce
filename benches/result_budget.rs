//! Memory of a large result in the window: the same 20-million-row query held the old way (every
//! batch kept), held to a result budget (the app's default floor, 256 MiB), and exported in full
//! by streaming it from the engine into a file. Each case runs in a fresh process (this binary
//! runs itself) so one case's freed memory cannot hide another's peak.
//!
//! `cargo bench --bench result_budget` (or `--profile dev` for a quick look: memory barely
//! depends on the optimization level).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::single_match_else)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lakesight::engine::{Engine, EngineOptions};
use lakesight::jobs::{Jobs, QueryEvent};
use lakesight::model::SourceSpec;
use lakesight::results::{ResultBudget, ResultSet};

const ROWS: u64 = 20_000_000;

fn sql() -> String {
    format!(
        "SELECT value AS id, value * 1.5 AS amount, 'customer ' || (value % 5000) AS customer \
         FROM generate_series(1, {ROWS})"
    )
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some(case @ ("unbounded" | "budget" | "export")) => run_case(case),
        _ => {
            println!("A {ROWS}-row result (3 columns), peak resident memory of the process:");
            for case in ["unbounded", "budget", "export"] {
                let out = std::process::Command::new(std::env::current_exe().unwrap())
                    .arg(case)
                    .output()
                    .unwrap();
                print!("{}", String::from_utf8_lossy(&out.stdout));
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
}

fn run_case(case: &str) {
    let runtime = lakesight::jobs::runtime::build_runtime().unwrap();
    let lake = tempfile::tempdir().unwrap();
    let engine = runtime
        .block_on(Engine::attach(
            &SourceSpec::local(lake.path()),
            &EngineOptions::default(),
        ))
        .unwrap();
    let peak = PeakRss::start();
    let started = Instant::now();
    let (rows, what) = if case == "export" {
        {
            let out = tempfile::tempdir().unwrap();
            let path = out.path().join("all.csv");
            let progress = lakesight::app::export::ExportProgress::default();
            let done = runtime
                .block_on(lakesight::app::export::stream_query(
                    &engine,
                    &sql(),
                    lakesight::model::ResultFormat::Csv,
                    &path,
                    &progress,
                ))
                .unwrap();
            (
                done.rows,
                format!("exported to CSV ({} MiB)", done.bytes >> 20),
            )
        }
    } else {
        {
            let budget = (case == "budget").then_some(ResultBudget {
                max_rows: 100_000_000,
                max_bytes: 256 << 20,
            });
            let jobs = Jobs::new(runtime.handle().clone(), Arc::new(|| {}));
            let mut job = jobs.run_query_within(&engine, &sql(), budget);
            let mut result: Option<ResultSet> = None;
            let mut cut = false;
            while !job.is_done() {
                for event in job.poll() {
                    match event {
                        QueryEvent::Started { schema } => result = Some(ResultSet::new(schema)),
                        QueryEvent::Batch(batch) => result.as_mut().unwrap().push(batch),
                        QueryEvent::Finished { cut: c, .. } => cut = c.is_some(),
                        QueryEvent::Failed(message) => panic!("{message}"),
                        QueryEvent::Cancelled => {}
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let rows = result.map_or(0, |r| r.num_rows());
            let what = if cut {
                "held, cut at a 256 MiB budget"
            } else {
                "held whole (no budget)"
            };
            (rows, what.to_owned())
        }
    };
    let elapsed = started.elapsed();
    let peak_mib = peak.stop() >> 20;
    println!(
        "  {case:<10} {rows:>10} rows {what}: peak RSS {peak_mib} MiB, {:.1} s",
        elapsed.as_secs_f64()
    );
}

/// Samples the process's resident memory every 10 ms on a thread of its own.
struct PeakRss {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl PeakRss {
    fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (Arc::clone(&peak), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("rss-sampler".to_owned())
            .spawn(move || {
                let pid = sysinfo::get_current_pid().unwrap();
                let mut system = sysinfo::System::new();
                while !s.load(Ordering::Relaxed) {
                    system.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[pid]), true);
                    if let Some(process) = system.process(pid) {
                        p.fetch_max(process.memory(), Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
            .unwrap();
        Self { peak, stop, thread }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        self.peak.load(Ordering::Relaxed)
    }
}
