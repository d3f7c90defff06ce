//! The layer rules of ARCHITECTURE.md: modules below the UI never reach for egui or eframe, and
//! the pure layers never reach up into the engine.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn offending_lines(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    if dir.exists() {
        rust_files(&dir, &mut files);
    }
    let mut hits = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if forbidden.iter().any(|f| code.contains(f)) {
                hits.push(format!("{}:{}: {}", file.display(), number + 1, code));
            }
        }
    }
    hits
}

#[test]
fn lower_layers_do_not_use_the_ui_toolkit() {
    for layer in [
        "model", "lake", "sql", "engine", "sim", "cli", "series", "refresh", "alert", "jobs",
        "render",
    ] {
        let hits = offending_lines(layer, &["egui", "eframe"]);
        assert!(
            hits.is_empty(),
            "{layer} must not use egui/eframe:\n{}",
            hits.join("\n")
        );
    }
}

#[test]
fn layers_only_look_down() {
    for (layer, forbidden) in [
        (
            "model",
            &[
                "crate::lake",
                "crate::engine",
                "crate::cli",
                "crate::sim",
                "datafusion",
                "tokio",
            ][..],
        ),
        ("lake", &["crate::engine", "crate::cli"][..]),
        ("sql", &["crate::engine", "crate::cli", "crate::jobs"][..]),
        (
            "series",
            &["crate::lake", "crate::engine", "crate::jobs", "crate::cli"][..],
        ),
        (
            "ui",
            &["crate::engine", "crate::jobs", "crate::cli", "tokio"][..],
        ),
        ("engine", &["crate::cli", "crate::sim"][..]),
        ("sim", &["crate::lake", "crate::engine", "crate::cli"][..]),
    ] {
        let hits = offending_lines(layer, forbidden);
        assert!(
            hits.is_empty(),
            "{layer} reaches up or sideways:\n{}",
            hits.join("\n")
        );
    }
}
