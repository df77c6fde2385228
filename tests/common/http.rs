//! A running `innobieb serve` for tests, a minimal HTTP/1.1 client, and an SSE reader.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub port: u16,
    /// What the server printed on stderr so far, line by line.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// The same for stdout.
    out: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `innobieb serve --port 0` in `root` and waits for its URL.
    pub fn start(root: &Path, extra: &[&str]) -> Server {
        Server::start_with(root, extra, &[])
    }

    /// [`Server::start`] with extra environment variables.
    pub fn start_with(root: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_innobieb"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .current_dir(root)
            .env("NO_COLOR", "1")
            // The search index waits for a short quiet spell, not the editor's 1.5 s.
            .env("INNOBIEB_SEARCH_QUIET_MS", "100")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let out_lines = out.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                out_lines.lock().expect("log").push(line.clone());
                if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                    let port: u16 = rest
                        .trim_end_matches(|c: char| !c.is_ascii_digit())
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .parse()
                        .unwrap_or(0);
                    let _ = tx.send(port);
                }
            }
        });
        let stderr = child.stderr.take().expect("stderr");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("INNOBIEB_TEST_LOG").is_some() {
                    eprintln!("[serve] {line}");
                }
                lines.lock().expect("log").push(line);
            }
        });
        let port = rx.recv_timeout(Duration::from_secs(60)).expect("serve printed its URL");
        Server { child, port, log, out }
    }

    /// The lines the server printed on stdout so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.out.lock().expect("log").clone()
    }

    /// The lines the server printed on stderr so far.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// With `-v`: how many pages the last build rendered ("(N pages rendered)"), waiting
    /// briefly for the line, which follows the build's event.
    pub fn pages_rendered_last(&self, builds_before: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let counts: Vec<usize> = self
                .stderr_lines()
                .iter()
                .filter_map(|l| l.trim().strip_prefix('(')?.split(" pages rendered").next()?.parse().ok())
                .collect();
            if counts.len() > builds_before {
                return counts[builds_before];
            }
            assert!(Instant::now() < deadline, "no \"pages rendered\" line: {:?}", self.stderr_lines());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.port, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    }

    /// Opens the live-reload event stream; messages arrive on the returned channel.
    pub fn events(&self) -> mpsc::Receiver<serde_json::Value> {
        self.events_of("")
    }

    /// The event stream of a tab showing the page at `page` (`/a/`), as the live-reload
    /// script opens it.
    pub fn events_of(&self, page: &str) -> mpsc::Receiver<serde_json::Value> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let query = if page.is_empty() { String::new() } else { format!("?page={}", page.replace('/', "%2F")) };
        stream
            .write_all(format!("GET /__innobieb/events{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
            .expect("write");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(data) = line.strip_prefix("data: ") {
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(data) {
                        if v["type"] != "ping" && tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        rx
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for the next event of type `built` or `errors` (skipping `hello`).
pub fn next_build_event(rx: &mpsc::Receiver<serde_json::Value>) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = rx.recv_timeout(left).expect("a build event within 30 s");
        if v["type"] == "built" || v["type"] == "errors" {
            return v;
        }
    }
}

/// Waits until the search index of build `version` is published (it is built after the pages).
pub fn wait_for_search(rx: &mpsc::Receiver<serde_json::Value>, version: &serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = rx.recv_timeout(left).expect("the search index within 60 s");
        if v["type"] == "search" && &v["version"] == version {
            return;
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends raw request bytes and reads the whole response (the server closes the connection).
pub fn request(port: u16, raw: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.write_all(raw.as_bytes()).expect("write");
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    parse_response(&buf)
}

pub fn parse_response(buf: &[u8]) -> Response {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(buf.len());
    let headers = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = headers.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = buf[split..].to_vec();
    if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..i]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = i + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// One keep-alive connection: requests are sent one after another on the same socket, and
/// each response is read by its `Content-Length`.
pub struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(port: u16) -> Connection {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        Connection { stream: BufReader::new(stream) }
    }

    pub fn get(&mut self, path: &str) -> Response {
        let raw = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.stream.get_mut().write_all(raw.as_bytes()).expect("write");
        let mut headers = String::new();
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).expect("read a header line") == 0 {
                panic!("the connection closed in the middle of a response: {headers}");
            }
            headers.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let length: usize = headers
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
            .expect("a Content-Length");
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).expect("read the body");
        let status = headers.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        Response { status, headers, body }
    }
}
