//! A real HTTP server on 127.0.0.1 for the webhook tests: plain `std::net`, one connection at a
//! time, each answered as the test scripted (a status, or silence) and closed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server answers one connection.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    /// Reads the request and answers with this status (and a short body).
    Status(u16),
    /// Accepts the connection and never answers (until [`TestServer::hang_up`]).
    Silent,
}

/// One request received.
#[derive(Debug)]
pub struct Request {
    /// The request line and headers.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// The server; it runs until the test process ends.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    requests: Receiver<Request>,
    /// The silent connections, `None` once hung up (later ones are then closed at once).
    held: Arc<Mutex<Option<Vec<TcpStream>>>>,
}

impl TestServer {
    /// Starts a server answering the i-th connection with `replies[i]` (the last one repeats).
    pub fn start(replies: &[Reply]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (sender, requests) = sync_channel(64);
        let held = Arc::new(Mutex::new(Some(Vec::new())));
        let replies = replies.to_vec();
        let held_by_server = Arc::clone(&held);
        thread::Builder::new()
            .name("test-http-server".to_owned())
            .spawn(move || {
                for (i, stream) in listener.incoming().enumerate() {
                    let Ok(mut stream) = stream else { continue };
                    match replies[i.min(replies.len() - 1)] {
                        Reply::Silent => {
                            if let Some(held) = held_by_server.lock().unwrap().as_mut() {
                                held.push(stream);
                            }
                        }
                        Reply::Status(status) => {
                            let Some(request) = read_request(&mut stream) else {
                                continue;
                            };
                            let body = if status < 300 {
                                "ok"
                            } else {
                                "the receiver says no"
                            };
                            let _ = write!(
                                stream,
                                "HTTP/1.1 {status} Scripted\r\nContent-Type: text/plain\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = sender.send(request);
                        }
                    }
                }
            })
            .unwrap();
        Self {
            base,
            requests,
            held,
        }
    }

    /// The next request received, waiting for it at most a generous minute.
    pub fn next_request(&self) -> Request {
        self.requests
            .recv_timeout(Duration::from_mins(1))
            .expect("the server received no request")
    }

    /// The requests received and not taken yet.
    pub fn received(&self) -> Vec<Request> {
        self.requests.try_iter().collect()
    }

    /// Closes the connections it kept silent, and any that come later.
    pub fn hang_up(&self) {
        self.held.lock().unwrap().take();
    }
}

/// Reads one request (headers, then `Content-Length` bytes of body).
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut request = Request {
        head,
        body: Vec::new(),
    };
    let length: usize = request.header("content-length")?.parse().ok()?;
    request.body.resize(length, 0);
    reader.read_exact(&mut request.body).ok()?;
    Some(request)
}
