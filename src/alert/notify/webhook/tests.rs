use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::*;
use crate::alert::notify::test_server::{Reply, TestServer};

fn webhook(url: String, retries: u32) -> Webhook {
    Webhook {
        url,
        timeout: Duration::from_secs(30),
        retries,
        backoff: Duration::from_millis(10),
    }
}

#[test]
fn a_webhook_posts_the_notice_as_json() {
    let server = TestServer::start(&[Reply::Status(200)]);
    let notice = Notice::example();

    webhook(format!("{}/hooks/alerts?token=s3cret", server.base), 2)
        .send(&notice)
        .unwrap();

    let request = server.next_request();
    assert!(
        request
            .head
            .starts_with("POST /hooks/alerts?token=s3cret HTTP/1.1"),
        "{}",
        request.head
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(json["alert"], "error-rate");
    assert_eq!(json["dashboard"], "App health");
    assert_eq!(json["state"], "firing");
    assert_eq!(json["previous"], "pending");
    assert_eq!(json["value"], 0.24);
    assert_eq!(json["threshold"], 0.1);
    assert_eq!(json["at"], "2026-11-24T10:05:00.000Z");
    assert_eq!(json["sql"], notice.sql.as_deref().unwrap());
    assert!(server.received().is_empty(), "one try only");
}

#[test]
fn a_webhook_answered_5xx_is_tried_again() {
    let server = TestServer::start(&[Reply::Status(500), Reply::Status(200)]);

    webhook(format!("{}/hook", server.base), 2)
        .send(&Notice::example())
        .unwrap();

    let first = server.next_request();
    let second = server.next_request();
    assert_eq!(first.body, second.body, "the same document again");
    assert!(server.received().is_empty(), "no third try after the 200");
}

#[test]
fn a_webhook_answered_4xx_is_not_tried_again() {
    let server = TestServer::start(&[Reply::Status(401), Reply::Status(200)]);

    let error = webhook(format!("{}/hook", server.base), 2)
        .send(&Notice::example())
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("after 1 try"), "{message}");
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("the receiver says no"), "{message}");
    server.next_request();
    assert!(server.received().is_empty(), "one try only");
}

#[test]
fn a_webhook_that_keeps_failing_reports_every_try() {
    let server = TestServer::start(&[Reply::Status(503)]);

    let error = webhook(format!("{}/hook", server.base), 2)
        .send(&Notice::example())
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("after 3 tries"), "{message}");
    assert!(message.contains("503"), "{message}");
    for _ in 0..3 {
        server.next_request();
    }
}

#[test]
fn a_webhook_that_never_answers_fails_at_its_timeout() {
    let server = TestServer::start(&[Reply::Silent]);
    let hook = Webhook {
        timeout: Duration::from_millis(300),
        ..webhook(format!("{}/hook", server.base), 1)
    };

    let started = Instant::now();
    let error = hook.send(&Notice::example()).unwrap_err();

    let message = error.to_string();
    assert!(message.contains("after 2 tries"), "{message}");
    assert!(message.contains("no answer within 300ms"), "{message}");
    // Only a hang would take this long; the bound itself is the timeout the message names.
    assert!(started.elapsed() < Duration::from_mins(1));
}

#[test]
fn a_refused_connection_is_tried_again_then_reported() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };

    let error = webhook(format!("http://127.0.0.1:{port}/hook"), 2)
        .send(&Notice::example())
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("after 3 tries"), "{message}");
    assert!(message.contains("could not connect"), "{message}");
}

#[test]
fn reports_never_show_the_secrets_of_a_url() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let hook = webhook(
        format!("http://alice:pa55word@127.0.0.1:{port}/services/T01/B02/XyZzY?token=s3cret#frag"),
        0,
    );

    let name = hook.name();
    let message = hook.send(&Notice::example()).unwrap_err().to_string();

    assert_eq!(name, format!("webhook:http://127.0.0.1:{port}/…"));
    for secret in ["alice", "pa55word", "XyZzY", "s3cret", "frag"] {
        assert!(
            !name.contains(secret) && !message.contains(secret),
            "{name} {message}"
        );
    }
    assert_eq!(redacted("https://example.com"), "https://example.com/");
    assert_eq!(redacted("not a url"), "(a URL that does not parse)");
}
