//! An open dashboard's trust: whether its file may act (judged on the bytes read, against the
//! user's trust record), what it asks to do, and the lake it names through its own `endpoint`,
//! held back until the user trusts it. Built-in dashboards are trusted; a file changed on disk is
//! judged again; a file the window saves keeps the trust it had (`dashboard_save` records it).

use chrono::Utc;

use crate::model::SourceSpec;
use crate::model::dashboard::{Dashboard, DashboardSource};
use crate::trust::{Ask, FileTrust, Trust, TrustStore, asks_of};

/// What an open dashboard's file may do.
#[derive(Clone, Debug, Default)]
pub struct DashboardTrust {
    /// Whether it may act.
    pub trust: Trust,
    /// Why it is not trusted, when there is more to say than "not yet" (it changed since it was
    /// trusted; the record cannot be read).
    pub note: Option<String>,
    /// What it does once trusted (programs, hosts, its endpoint, images it writes).
    pub asks: Vec<Ask>,
    /// The lake its `source` names through its own `endpoint`: attached only once trusted.
    pub held_source: Option<SourceSpec>,
}

impl DashboardTrust {
    /// Judges the dashboard read from `source` as `bytes`.
    pub fn judge(
        source: &DashboardSource,
        bytes: &[u8],
        dashboard: &Dashboard,
        store: Option<&TrustStore>,
    ) -> Self {
        let (trust, note) = match (source, store) {
            (DashboardSource::Bundled(_), _) => (Trust::Trusted, None),
            (DashboardSource::File(_), None) => (Trust::Untrusted, None),
            (DashboardSource::File(path), Some(store)) => match store.check(path, bytes) {
                Ok(FileTrust::Trusted) => (Trust::Trusted, None),
                Ok(FileTrust::NotTrusted) => (Trust::Untrusted, None),
                Ok(FileTrust::Changed { trusted_at }) => (
                    Trust::Untrusted,
                    Some(format!(
                        "It changed on disk since you trusted it ({trusted_at})."
                    )),
                ),
                Err(err) => (Trust::Untrusted, Some(format!("{err}."))),
            },
        };
        let mut judged = Self {
            trust,
            note,
            ..Self::default()
        };
        judged.follow(dashboard);
        judged
    }

    /// Follows an edited dashboard: what it asks, and the lake held back.
    pub fn follow(&mut self, dashboard: &Dashboard) {
        self.asks = asks_of(dashboard);
        self.held_source = dashboard
            .source
            .clone()
            .filter(|spec| spec.endpoint.is_some() && !self.trust.is_trusted());
    }

    /// Whether the window should ask: the file is not trusted and would act.
    pub fn asks_the_user(&self) -> bool {
        !self.trust.is_trusted() && !self.asks.is_empty()
    }

    /// Trusts `bytes` as the file at `source` (recorded in `store`), from now on; returns the
    /// lake that was held back, to attach now.
    pub fn grant(
        &mut self,
        source: &DashboardSource,
        bytes: &[u8],
        store: Option<&TrustStore>,
    ) -> Result<Option<SourceSpec>, String> {
        if let (DashboardSource::File(path), Some(store)) = (source, store) {
            store
                .trust(path, bytes, Utc::now())
                .map_err(|err| format!("not trusted: {err}"))?;
        }
        self.trust = Trust::Trusted;
        self.note = None;
        Ok(self.held_source.take())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ACTS: &str = "title = \"T\"\nsource = \"s3://lake/x\"\nendpoint = \"http://10.1.1.1:9000\"\n\n[[exports]]\npath = \"out.png\"\n";

    #[test]
    fn a_file_is_judged_on_its_bytes_and_its_endpoint_waits_for_trust() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted.toml"));
        let path = dir.path().join("d.toml");
        std::fs::write(&path, ACTS).unwrap();
        let source = DashboardSource::File(path.clone());
        let dashboard = Dashboard::parse(ACTS).unwrap();

        let mut judged = DashboardTrust::judge(&source, ACTS.as_bytes(), &dashboard, Some(&store));
        assert!(judged.asks_the_user());
        assert_eq!(judged.asks.len(), 2);
        assert!(judged.held_source.is_some(), "its endpoint waits");

        let held = judged
            .grant(&source, ACTS.as_bytes(), Some(&store))
            .unwrap();
        assert!(held.is_some_and(|spec| spec.endpoint.is_some()));
        assert!(!judged.asks_the_user());
        let again = DashboardTrust::judge(&source, ACTS.as_bytes(), &dashboard, Some(&store));
        assert_eq!(again.trust, Trust::Trusted, "recorded");
        assert!(again.held_source.is_none());

        // Changed by someone else: untrusted, saying since when it was trusted.
        let pulled = ACTS.replace("out.png", "other.png");
        let changed = DashboardTrust::judge(&source, pulled.as_bytes(), &dashboard, Some(&store));
        assert_eq!(changed.trust, Trust::Untrusted);
        assert!(changed.note.unwrap().contains("changed on disk"));
    }

    #[test]
    fn built_in_dashboards_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted.toml"));
        let dashboard = Dashboard::parse(ACTS).unwrap();
        let bundled = DashboardSource::Bundled("orders".into());
        let judged = DashboardTrust::judge(&bundled, ACTS.as_bytes(), &dashboard, Some(&store));
        assert_eq!(judged.trust, Trust::Trusted);
    }
}
