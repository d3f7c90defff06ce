//! Plausible event values for each stream: weighted categories, log-normal
//! amounts and latencies, a fraud score with a long tail, sessions that span
//! several clicks and payments that settle recently generated orders. Every
//! draw comes from one seeded `ChaCha8` generator so output is reproducible.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::distributions::{
    CATEGORIES, COUNTRIES, ERROR_MESSAGES, MERCHANT_CATEGORIES, PAYMENT_METHODS, PORTS, REFERRERS,
    SERVICES, WARN_MESSAGES, log_normal, pick, round_to, uniform, weighted,
};
use super::scenario::Effects;
use super::schema::{Row, Stream, Value};

/// Orders kept for payments to refer to; about one delivery's worth.
const RECENT_ORDERS: usize = 256;
/// Concurrently open browsing sessions in the clickstream.
const OPEN_SESSIONS: usize = 48;

/// Draws records for all streams from one seeded random sequence.
pub(crate) struct EventGenerator {
    rng: ChaCha8Rng,
    recent_orders: VecDeque<OrderRef>,
    sessions: Vec<Session>,
}

struct OrderRef {
    order_id: String,
    country: &'static str,
    currency: &'static str,
    amount: f64,
}

struct Session {
    id: String,
    user_id: String,
    device: &'static str,
    referrer: &'static str,
}

impl EventGenerator {
    /// A generator whose output depends only on `seed` and the calls made.
    pub(crate) fn new(seed: u64) -> Self {
        EventGenerator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            recent_orders: VecDeque::with_capacity(RECENT_ORDERS),
            sessions: Vec::with_capacity(OPEN_SESSIONS),
        }
    }

    /// Direct access for callers that need extra draws (timestamps, names).
    pub(crate) fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// One record of `stream` at `micros` since the epoch under `effects`.
    pub(crate) fn event(&mut self, stream: Stream, micros: i64, effects: &Effects) -> Row {
        match stream {
            Stream::Orders => self.order(micros, effects),
            Stream::Clickstream => self.click(micros),
            Stream::Payments => self.payment(micros, effects),
            Stream::AppLogs => self.log(micros, effects),
            Stream::NetworkFlows => self.flow(micros),
        }
    }

    fn order(&mut self, micros: i64, effects: &Effects) -> Row {
        let order_id = format!("ord-{:012x}", self.rng.random::<u64>() >> 16);
        // Squaring skews towards low ids: a few loyal customers order often.
        let customer = (self.rng.random::<f64>().powi(2) * 20_000.0) as u32 + 1;
        let &(country, currency, _) = pick(&mut self.rng, COUNTRIES, |c| c.2);
        let channel = weighted(
            &mut self.rng,
            &[("web", 55.0), ("app", 35.0), ("store", 10.0)],
        );
        let &(category, median_price, _) = pick(&mut self.rng, CATEGORIES, |c| c.2);
        let quantity: i64 = match self.rng.random::<f64>() {
            p if p < 0.70 => 1,
            p if p < 0.88 => 2,
            _ => self.rng.random_range(3..=6),
        };
        let unit_price = round_to(
            log_normal(&mut self.rng, median_price, 0.6) * effects.order_value,
            2,
        )
        .max(0.99);
        let amount = round_to(unit_price * quantity as f64, 2);
        let status = weighted(
            &mut self.rng,
            &[
                ("placed", 25.0),
                ("paid", 45.0),
                ("shipped", 25.0),
                ("cancelled", 5.0),
            ],
        );
        if self.recent_orders.len() == RECENT_ORDERS {
            self.recent_orders.pop_front();
        }
        self.recent_orders.push_back(OrderRef {
            order_id: order_id.clone(),
            country,
            currency,
            amount,
        });
        vec![
            Value::Text(order_id),
            Value::Time(micros),
            Value::Text(format!("cus-{customer:06}")),
            text(country),
            text(channel),
            text(category),
            Value::Int(quantity),
            Value::Float(unit_price),
            Value::Float(amount),
            text(currency),
            text(status),
        ]
    }

    fn click(&mut self, micros: i64) -> Row {
        // Most clicks continue an open session; some start a new one.
        if self.sessions.len() < OPEN_SESSIONS || self.rng.random_bool(0.12) {
            let session = self.new_session();
            if self.sessions.len() < OPEN_SESSIONS {
                self.sessions.push(session);
            } else {
                let slot = self.rng.random_range(0..OPEN_SESSIONS);
                self.sessions[slot] = session;
            }
        }
        let slot = self.rng.random_range(0..self.sessions.len());
        let action = weighted(
            &mut self.rng,
            &[
                ("view", 60.0),
                ("click", 25.0),
                ("add_to_cart", 10.0),
                ("checkout", 5.0),
            ],
        );
        let page = match action {
            "checkout" => "/checkout".to_owned(),
            "add_to_cart" => format!("/product/{}", self.rng.random_range(1000..4000)),
            _ => match self.rng.random_range(0..10) {
                0 => "/".to_owned(),
                1 | 2 => "/search".to_owned(),
                3 => "/cart".to_owned(),
                4 => "/account".to_owned(),
                5 | 6 => format!("/category/{}", pick(&mut self.rng, CATEGORIES, |c| c.2).0),
                _ => format!("/product/{}", self.rng.random_range(1000..4000)),
            },
        };
        let duration_ms = log_normal(&mut self.rng, 8_000.0, 0.9).round() as i64;
        let session = &self.sessions[slot];
        vec![
            Value::Time(micros),
            Value::Text(session.id.clone()),
            Value::Text(session.user_id.clone()),
            Value::Text(page),
            text(action),
            text(session.referrer),
            text(session.device),
            Value::Int(duration_ms),
        ]
    }

    fn new_session(&mut self) -> Session {
        let session_id = format!("s-{:016x}", self.rng.random::<u64>());
        let user_id = if self.rng.random_bool(0.3) {
            "anonymous".to_owned()
        } else {
            format!("u-{:06}", self.rng.random_range(1..50_000))
        };
        let device = weighted(
            &mut self.rng,
            &[("mobile", 58.0), ("desktop", 36.0), ("tablet", 6.0)],
        );
        let referrer = weighted(&mut self.rng, REFERRERS);
        Session {
            id: session_id,
            user_id,
            device,
            referrer,
        }
    }

    fn payment(&mut self, micros: i64, effects: &Effects) -> Row {
        let payment_id = format!("pay-{:012x}", self.rng.random::<u64>() >> 16);
        let (order_id, order_country, currency, amount) = if self.recent_orders.is_empty() {
            let &(country, currency, _) = pick(&mut self.rng, COUNTRIES, |c| c.2);
            let order_id = format!("ord-{:012x}", self.rng.random::<u64>() >> 16);
            (
                order_id,
                country,
                currency,
                round_to(log_normal(&mut self.rng, 60.0, 0.8), 2),
            )
        } else {
            let index = self.rng.random_range(0..self.recent_orders.len());
            let order = &self.recent_orders[index];
            (
                order.order_id.clone(),
                order.country,
                order.currency,
                order.amount,
            )
        };
        // Fraud rings use cards from elsewhere, so a mismatch is a strong signal.
        let mismatch_chance = 0.04 + 0.35 * effects.fraud_boost;
        let card_country = if self.rng.random_bool(mismatch_chance) {
            uniform(&mut self.rng, &["NG", "RU", "BR", "VN", "ID", "US"])
        } else {
            order_country
        };
        let tail_chance = 0.03 + 0.25 * effects.fraud_boost;
        let mut score = if self.rng.random_bool(tail_chance) {
            self.rng.random_range(0.55..1.0)
        } else {
            self.rng.random::<f64>().powi(4) * 0.5
        };
        if card_country != order_country {
            score = (score + 0.25).min(1.0);
        }
        let fraud_score = round_to(score, 3);
        let is_flagged = fraud_score >= 0.8;
        let declined = if is_flagged {
            self.rng.random_bool(0.75)
        } else {
            self.rng.random_bool(0.02)
        };
        let merchant_category = weighted(&mut self.rng, MERCHANT_CATEGORIES);
        let method = weighted(&mut self.rng, PAYMENT_METHODS);
        vec![
            Value::Time(micros),
            Value::Text(payment_id),
            Value::Text(order_id),
            text(card_country),
            text(merchant_category),
            text(method),
            Value::Float(amount),
            text(currency),
            Value::Float(fraud_score),
            Value::Bool(is_flagged),
            Value::Bool(declined),
        ]
    }

    fn log(&mut self, micros: i64, effects: &Effects) -> Row {
        let &(service, endpoints, _) = pick(&mut self.rng, SERVICES, |s| s.2);
        let endpoint = endpoints[self.rng.random_range(0..endpoints.len())];
        let host = format!("{service}-{:x}", self.rng.random_range(0x10_u32..0x18));
        let roll = self.rng.random::<f64>();
        let (level, status_code, message, median_latency) = if roll < effects.error_share {
            let status = uniform(&mut self.rng, &[500, 502, 503, 504]);
            let message = ERROR_MESSAGES[self.rng.random_range(0..ERROR_MESSAGES.len())];
            ("ERROR", status, message.to_owned(), 900.0)
        } else if roll < effects.error_share + 0.06 {
            let status = uniform(&mut self.rng, &[400, 401, 404, 429]);
            let message = WARN_MESSAGES[self.rng.random_range(0..WARN_MESSAGES.len())];
            ("WARN", status, message.to_owned(), 120.0)
        } else {
            let status = weighted(
                &mut self.rng,
                &[(200, 85.0), (201, 5.0), (204, 5.0), (304, 5.0)],
            );
            ("INFO", status, format!("{endpoint} completed"), 45.0)
        };
        let latency = round_to(
            log_normal(&mut self.rng, median_latency * effects.latency_factor, 0.7),
            1,
        );
        vec![
            Value::Time(micros),
            text(service),
            Value::Text(host),
            text(endpoint),
            text(level),
            Value::Int(status_code),
            Value::Float(latency),
            Value::Text(message),
        ]
    }

    fn flow(&mut self, micros: i64) -> Row {
        let inbound = self.rng.random_bool(0.25);
        let internal = format!(
            "10.0.{}.{}",
            self.rng.random_range(0..8),
            self.rng.random_range(2..250)
        );
        let external = format!(
            "{}.{}.{}.{}",
            uniform(&mut self.rng, &[34, 52, 104, 151, 185, 203]),
            self.rng.random_range(0..256),
            self.rng.random_range(0..256),
            self.rng.random_range(1..255)
        );
        let port = weighted(&mut self.rng, PORTS);
        let protocol = if port == 53 { "UDP" } else { "TCP" };
        // Scanners probe admin ports from outside; most of that is rejected.
        let reject_chance = if inbound && matches!(port, 22 | 3389) {
            0.85
        } else {
            0.02
        };
        let action = if self.rng.random_bool(reject_chance) {
            "REJECT"
        } else {
            "ACCEPT"
        };
        let (bytes_sent, bytes_received) = if action == "REJECT" {
            (self.rng.random_range(40..120), 0)
        } else {
            let sent = log_normal(&mut self.rng, 1_800.0, 1.2) as i64 + 40;
            (sent, log_normal(&mut self.rng, 24_000.0, 1.5) as i64 + 40)
        };
        let packets = (bytes_sent + bytes_received) / 1_200 + 1;
        let (src_ip, dst_ip) = if inbound {
            (external, internal)
        } else {
            (internal, external)
        };
        vec![
            Value::Time(micros),
            Value::Text(src_ip),
            Value::Text(dst_ip),
            Value::Int(port),
            text(protocol),
            Value::Int(bytes_sent),
            Value::Int(bytes_received),
            Value::Int(packets),
            text(action),
        ]
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}
