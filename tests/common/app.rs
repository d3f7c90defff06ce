//! The desktop app in an `egui_kittest` harness: the real `LakesightApp`, a real engine on a lake
//! the test builds, background jobs on a real runtime; helpers that act as a user would.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, LakesightApp, Launch};
use lakesight::model::SourceSpec;

/// The real app in a kittest harness, its runtime, and the lake it opened.
pub struct Fixture {
    pub harness: Harness<'static, LakesightApp>,
    _runtime: tokio::runtime::Runtime,
    pub lake: tempfile::TempDir,
}

pub fn open(lake: tempfile::TempDir) -> Fixture {
    let launch = Launch::Source(SourceSpec::local(lake.path()));
    open_with(lake, launch, runtime())
}

/// Clicks the `id` header twice: ascending, then descending.
pub fn sort_by_id_descending(f: &mut Fixture) {
    f.harness.get_by_label("id").click();
    step_until(&mut f.harness, "ascending", |h| has_label(h, "id (asc)"));
    f.harness.get_by_label("id (asc)").click();
    step_until(&mut f.harness, "descending", |h| has_label(h, "id (desc)"));
}

/// The app on a fresh rich lake, once its catalog shows.
pub fn open_attached() -> Fixture {
    let mut f = open(super::rich_lake());
    step_until(&mut f.harness, "the catalog", |h| {
        has_label(h, "orders_csv")
    });
    f
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn open_with(
    lake: tempfile::TempDir,
    launch: Launch,
    runtime: tokio::runtime::Runtime,
) -> Fixture {
    open_config_on(lake, AppConfig::new(launch), runtime)
}

/// The app started with `config` (a state file, a demo folder...) on `runtime`.
pub fn open_config_on(
    lake: tempfile::TempDir,
    config: AppConfig,
    runtime: tokio::runtime::Runtime,
) -> Fixture {
    let handle = runtime.handle().clone();
    let harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        // Frames 1/60 s apart, as on a screen (two clicks then make a double-click).
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| LakesightApp::with_config(cc, &handle, config));
    Fixture {
        harness,
        _runtime: runtime,
        lake,
    }
}

/// Steps frames in real time until `found` holds (background jobs finish between frames).
pub fn step_until(
    harness: &mut Harness<'static, LakesightApp>,
    what: &str,
    found: impl Fn(&Harness<'static, LakesightApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while !found(harness) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the window shows:\n{:#?}",
            harness.root()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.step();
}

pub fn has_label(harness: &Harness<'static, LakesightApp>, text: &str) -> bool {
    harness.query_by_label_contains(text).is_some()
}

pub fn run_sql(f: &mut Fixture, sql: &str) {
    f.harness.get_by_label("SQL editor").focus();
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label("SQL editor").type_text(sql);
    f.harness.step();
    f.harness.get_by_label("Run").click();
    f.harness.step();
}

/// Replaces the text of the field labelled `label`.
pub fn type_into(f: &mut Fixture, label: &str, text: &str) {
    f.harness.get_by_label(label).focus();
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness.get_by_label(label).type_text(text);
    f.harness.step();
}

/// The app started with `config` on a runtime of its own.
pub fn open_config(lake: tempfile::TempDir, config: AppConfig) -> Fixture {
    open_config_on(lake, config, runtime())
}

/// Presses (or releases) the primary button at `pos`, and draws a frame.
pub fn primary_button(f: &mut Fixture, pos: egui::Pos2, pressed: bool) {
    f.harness.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    });
    f.harness.step();
}
