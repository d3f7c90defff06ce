//! Workspace trust for dashboard files: a file someone else wrote (pulled from git, downloaded)
//! may show data, but may not act on the user's machine (run a program, post to a host, send
//! requests signed with the user's credentials to a host it chose, write files) until the user
//! trusts its exact bytes. [`TrustStore`] keeps those decisions (the SHA-256 of each trusted
//! file's bytes, in the user's data folder); [`asks_of`] says what a file would do once trusted,
//! so the window and the command line can name what they hold back. Plain files and `model`
//! only: no engine, no async runtime, no egui.

mod asks;
mod store;

pub use asks::{Ask, asks_of};
pub use store::{FileTrust, TRUST_FILE_NAME, TrustError, TrustStore, TrustedFile, sha256_hex};

/// Whether a dashboard file may act.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    /// It may only show data (the default: nothing acts until the user says so).
    #[default]
    Untrusted,
    /// It may act: the user trusted these bytes, saved them from the window, or it is built in.
    Trusted,
}

impl Trust {
    /// Whether the file may act.
    pub fn is_trusted(self) -> bool {
        self == Self::Trusted
    }
}

/// The command that trusts `file`, as the user would type it (quoted for a POSIX shell when the
/// path needs it).
pub fn trust_command(file: &std::path::Path) -> String {
    let text = file.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        format!("lakesight trust {text}")
    } else {
        format!("lakesight trust '{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_command_is_quoted_only_when_a_shell_needs_it() {
        assert_eq!(
            trust_command(std::path::Path::new("dashboards/orders.toml")),
            "lakesight trust dashboards/orders.toml"
        );
        assert_eq!(
            trust_command(std::path::Path::new("my dash's/a b.toml")),
            "lakesight trust 'my dash'\\''s/a b.toml'"
        );
    }
}
