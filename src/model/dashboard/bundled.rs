//! The dashboards built into the binary, for the bundled sample lake: a start for users' own
//! (`lakesight dashboard show NAME` prints one's TOML).

/// The bundled dashboards: name and TOML text.
pub const BUNDLED: [(&str, &str); 4] = [
    ("orders", include_str!("../../../dashboards/orders.toml")),
    (
        "app-health",
        include_str!("../../../dashboards/app-health.toml"),
    ),
    (
        "payments-fraud",
        include_str!("../../../dashboards/payments-fraud.toml"),
    ),
    (
        "network-flows",
        include_str!("../../../dashboards/network-flows.toml"),
    ),
];

/// The TOML of the bundled dashboard `name`.
pub fn bundled(name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_dashboard_parses() {
        for (name, text) in BUNDLED {
            if let Err(invalid) = super::super::Dashboard::parse(text) {
                panic!("{name}: {invalid}");
            }
        }
        assert!(bundled("orders").is_some_and(|t| t.contains("Orders and revenue")));
        assert_eq!(bundled("nope"), None);
    }
}
