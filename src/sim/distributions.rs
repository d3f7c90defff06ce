//! What realistic values look like: the vocabularies the generators draw
//! from (countries, categories, services, ports) with their weights, the
//! daily traffic curve of each stream, and the small set of random
//! distributions (weighted choice, log-normal) built on a seeded `ChaCha8Rng`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::schema::Stream;

/// Country, currency, share of orders; currencies of similar magnitude so sums stay meaningful.
pub(crate) const COUNTRIES: &[(&str, &str, f64)] = &[
    ("US", "USD", 30.0),
    ("GB", "GBP", 12.0),
    ("DE", "EUR", 11.0),
    ("FR", "EUR", 9.0),
    ("CA", "CAD", 7.0),
    ("ES", "EUR", 6.0),
    ("IT", "EUR", 6.0),
    ("NL", "EUR", 5.0),
    ("AU", "AUD", 5.0),
    ("IE", "EUR", 3.0),
    ("BE", "EUR", 3.0),
    ("AT", "EUR", 3.0),
];
/// Category, median unit price, share of orders.
pub(crate) const CATEGORIES: &[(&str, f64, f64)] = &[
    ("electronics", 180.0, 14.0),
    ("apparel", 45.0, 22.0),
    ("home", 60.0, 14.0),
    ("beauty", 25.0, 12.0),
    ("sports", 55.0, 9.0),
    ("toys", 30.0, 8.0),
    ("grocery", 18.0, 13.0),
    ("books", 16.0, 8.0),
];
/// Service, its endpoints, share of log lines.
pub(crate) const SERVICES: &[(&str, &[&str], f64)] = &[
    (
        "checkout-api",
        &["/v1/cart", "/v1/checkout", "/v1/orders"],
        20.0,
    ),
    (
        "catalog-api",
        &["/v1/products", "/v1/products/{id}", "/v1/categories"],
        30.0,
    ),
    ("search-api", &["/v1/search", "/v1/suggest"], 22.0),
    ("auth-service", &["/oauth/token", "/v1/session"], 12.0),
    (
        "payments-gateway",
        &["/v1/authorize", "/v1/capture", "/v1/refund"],
        10.0,
    ),
    (
        "inventory-worker",
        &["/internal/reserve", "/internal/release"],
        6.0,
    ),
];
/// Where sessions come from.
pub(crate) const REFERRERS: &[(&str, f64)] = &[
    ("google.com", 40.0),
    ("direct", 25.0),
    ("instagram.com", 10.0),
    ("facebook.com", 10.0),
    ("newsletter", 10.0),
    ("bing.com", 5.0),
];
/// Merchant categories of card payments.
pub(crate) const MERCHANT_CATEGORIES: &[(&str, f64)] = &[
    ("retail", 50.0),
    ("electronics", 10.0),
    ("digital_goods", 10.0),
    ("travel", 10.0),
    ("food_delivery", 10.0),
    ("gaming", 10.0),
];
/// How customers pay.
pub(crate) const PAYMENT_METHODS: &[(&str, f64)] = &[
    ("card", 55.0),
    ("apple_pay", 13.0),
    ("google_pay", 13.0),
    ("paypal", 14.0),
    ("bank_transfer", 5.0),
];
/// Destination ports; admin ports are rare and mostly probes.
pub(crate) const PORTS: &[(i64, f64)] = &[
    (443, 55.0),
    (80, 12.0),
    (53, 12.0),
    (22, 3.0),
    (3389, 3.0),
    (5432, 5.0),
    (6379, 5.0),
    (8080, 5.0),
];
/// Messages of ERROR log lines.
pub(crate) const ERROR_MESSAGES: &[&str] = &[
    "upstream timeout after 5000 ms",
    "connection pool exhausted",
    "database deadlock detected, transaction rolled back",
    "unhandled exception: NullPointerException",
    "dependency payments-gateway returned 503",
];
/// Messages of WARN log lines.
pub(crate) const WARN_MESSAGES: &[&str] = &[
    "rate limit exceeded for client",
    "slow query took longer than 500 ms",
    "retrying request to upstream (attempt 2)",
    "invalid request payload",
];

/// Average events per hour of a sample lake's history before daily seasonality; sized to keep
/// the lake under 8 MB. The demo's live feed runs at the same rate, so its lines continue.
pub(crate) fn base_per_hour(stream: Stream) -> f64 {
    match stream {
        Stream::Orders => 240.0,
        Stream::Clickstream => 420.0,
        Stream::Payments => 200.0,
        Stream::AppLogs => 320.0,
        Stream::NetworkFlows => 220.0,
    }
}

/// Relative event volume in each UTC hour of the day, mean about 1.
pub(crate) fn hourly_weight(stream: Stream, hour: u32) -> f64 {
    let h = f64::from(hour);
    let bump = |center: f64, width: f64| (-((h - center).powi(2)) / (2.0 * width * width)).exp();
    match stream {
        // Shoppers buy at lunch and most of all in the evening.
        Stream::Orders | Stream::Payments | Stream::Clickstream => {
            0.3 + 0.5 * bump(12.5, 2.0) + 1.4 * bump(20.0, 2.5)
        }
        Stream::AppLogs => 0.55 + 0.3 * bump(12.5, 2.5) + 0.8 * bump(20.0, 3.0),
        // Office traffic plus constant background from servers.
        Stream::NetworkFlows => 0.6 + 0.8 * bump(14.0, 4.0),
    }
}

/// One value from `(value, weight)` pairs.
pub(crate) fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    pick(rng, items, |item| item.1).0
}

/// One value, all equally likely.
pub(crate) fn uniform<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// One item, chosen with probability proportional to `weight`.
pub(crate) fn pick<'a, T>(
    rng: &mut ChaCha8Rng,
    items: &'a [T],
    weight: impl Fn(&T) -> f64,
) -> &'a T {
    let total: f64 = items.iter().map(&weight).sum();
    let mut target = rng.random::<f64>() * total;
    for item in items {
        target -= weight(item);
        if target < 0.0 {
            return item;
        }
    }
    // Rounding can leave a sliver past the last weight.
    &items[items.len() - 1]
}

/// A log-normal draw with the given median and shape, via Box–Muller.
pub(crate) fn log_normal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    let u1 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2 = rng.random::<f64>();
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    median * (sigma * normal).exp()
}

/// Rounds to a number of decimals, as prices and latencies are reported.
pub(crate) fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}
