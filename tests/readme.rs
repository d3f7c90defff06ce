//! The README's examples as a newcomer runs them: every fenced block marked
//! `<!-- This block's commands run in tests/readme.rs … -->` is run with the real binary on the
//! bundled sample lake, in a fresh folder with a fresh home (the repository's `dashboards/` and an
//! empty `docs/` copied in), one `$ ` command at a time through `sh`. Each command must succeed
//! (unless the output the README shows for it has an `error:` line), and the lines the README
//! shows must appear in its output in that order, `...` standing for any text and a trailing
//! `(on stderr)` being a remark, not output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The marker line before a block the test runs.
const MARK: &str = "<!-- This block's commands run in tests/readme.rs";

/// One command of a block and the output the README shows for it.
struct Example {
    command: String,
    expected: Vec<String>,
}

/// The commands of every marked block, in README order.
fn examples(readme: &str) -> Vec<Vec<Example>> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if !lines[index].starts_with(MARK) {
            index += 1;
            continue;
        }
        assert_eq!(
            lines.get(index + 1),
            Some(&"```sh"),
            "a marked block is ```sh"
        );
        index += 2;
        let mut block: Vec<Example> = Vec::new();
        while lines[index] != "```" {
            let line = lines[index];
            index += 1;
            if let Some(command) = line.strip_prefix("$ ") {
                let mut command = command.to_owned();
                // A command goes on while a quote is open or the line ends in a backslash.
                while command.matches('"').count() % 2 == 1 || command.ends_with('\\') {
                    command.push('\n');
                    command.push_str(lines[index]);
                    index += 1;
                }
                block.push(Example {
                    command,
                    expected: Vec::new(),
                });
            } else if let Some(example) = block.last_mut() {
                let shown = line.trim_end().trim_end_matches("(on stderr)").trim_end();
                if !shown.is_empty() && shown != "..." {
                    example.expected.push(shown.to_owned());
                }
            }
        }
        blocks.push(block);
    }
    blocks
}

/// Whether `line` shows `pattern`: its parts between `...` appear in order.
fn shows(line: &str, pattern: &str) -> bool {
    let mut rest = line;
    for (n, part) in pattern.split("...").enumerate() {
        match rest.find(part) {
            Some(at) if n > 0 || at == 0 || part.is_empty() => rest = &rest[at + part.len()..],
            _ => return false,
        }
    }
    true
}

/// A folder where `lakesight` is on `PATH`.
fn bin_folder(root: &Path) -> PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("lakesight"),
        bin.join("lakesight"),
    )
    .unwrap();
    bin
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn the_readme_examples_do_what_the_readme_shows() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let blocks = examples(&readme);
    assert!(
        blocks.len() >= 4,
        "the marked blocks were found: {}",
        blocks.len()
    );
    let root = tempfile::tempdir().unwrap();
    let bin = bin_folder(root.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for block in blocks {
        // Each block in a folder of its own, as a newcomer's terminal would be.
        let work = tempfile::tempdir_in(root.path()).unwrap();
        copy_folder(&repo.join("dashboards"), &work.path().join("dashboards"));
        std::fs::create_dir_all(work.path().join("docs")).unwrap();
        for example in block {
            let output = Command::new("sh")
                .arg("-c")
                .arg(&example.command)
                .current_dir(work.path())
                .env("PATH", &path)
                .env("HOME", root.path().join("home"))
                .env("XDG_DATA_HOME", root.path().join("data"))
                .env("LAKESIGHT_CACHE_DIR", root.path().join("cache"))
                .env_remove("LAKESIGHT_SOURCE")
                .env_remove("LAKESIGHT_LOG")
                .env_remove("DISPLAY")
                .env_remove("WAYLAND_DISPLAY")
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let fails = example
                .expected
                .iter()
                .any(|line| line.starts_with("error:"));
            assert!(
                output.status.success() || fails,
                "`{}` failed:\n{text}",
                example.command
            );
            let mut lines = text.lines();
            for wanted in &example.expected {
                assert!(
                    lines.any(|line| shows(line.trim_end(), wanted)),
                    "`{}` does not show `{wanted}` (in order); it printed:\n{text}",
                    example.command
                );
            }
        }
    }
}

#[test]
fn a_pattern_matches_its_parts_in_order() {
    assert!(shows("4 rows in 0.102s", "4 rows in ...s"));
    assert!(shows(
        "error-rate firing: 0.172, above",
        "error-rate firing: 0.172..., above"
    ));
    assert!(
        !shows("the 4 rows in 0.1s", "4 rows in ...s"),
        "from the line's start"
    );
    assert!(!shows("4 rows", "4 rows in ...s"));
}
