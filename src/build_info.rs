//! Version, git commit and build date, embedded by `build.rs`.

/// The crate version from `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit the binary was built from (`-dirty` when the tree had changes).
pub const GIT_COMMIT: &str = env!("LAKESIGHT_GIT_COMMIT");
/// The UTC date of the build, `YYYY-MM-DD`.
pub const BUILD_DATE: &str = env!("LAKESIGHT_BUILD_DATE");

/// What `lakesight --version` prints after the program name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("LAKESIGHT_GIT_COMMIT"),
    ", built ",
    env!("LAKESIGHT_BUILD_DATE"),
    ")"
);
