//! A tiny static file server for tests: serves a folder on 127.0.0.1 (ephemeral port),
//! optionally under a path prefix (to test sites with a base path), one thread per
//! connection, `GET` and `HEAD` only, `Connection: close`. Std only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct StaticServer {
    pub port: u16,
    prefix: String,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    served: Served,
    thread: Option<JoinHandle<()>>,
}

/// Request path and body bytes of every response, in the order they were sent.
type Served = Arc<Mutex<Vec<(String, usize)>>>;

impl StaticServer {
    /// Serves `root` at `http://127.0.0.1:<port>/`.
    pub fn start(root: &Path) -> StaticServer {
        StaticServer::start_at(root, "/")
    }

    /// Serves `root` under `prefix` (`/kb/`): `/kb/x.html` is `root/x.html`; anything
    /// outside the prefix is a 404.
    pub fn start_at(root: &Path, prefix: &str) -> StaticServer {
        let prefix = format!("/{}/", prefix.trim_matches('/')).replace("//", "/");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let served: Served = Arc::default();
        let root = root.to_path_buf();
        let thread = {
            let (stop, requests, prefix, served) = (stop.clone(), requests.clone(), prefix.clone(), served.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = conn else { continue };
                    let (root, prefix, requests, served) =
                        (root.clone(), prefix.clone(), requests.clone(), served.clone());
                    std::thread::spawn(move || {
                        requests.fetch_add(1, Ordering::SeqCst);
                        let _ = handle(stream, &root, &prefix, &served);
                    });
                }
            })
        };
        StaticServer { port, prefix, stop, requests, served, thread: Some(thread) }
    }

    /// `http://127.0.0.1:<port><prefix><path>` (`path` without a leading `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}{}", self.port, self.prefix, path.trim_start_matches('/'))
    }

    /// How many requests were served so far.
    pub fn request_count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The path and body size of every successful (200) response so far, in order.
    pub fn served(&self) -> Vec<(String, usize)> {
        self.served.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Forgets the responses so far (to measure what one action downloads).
    pub fn clear_served(&self) {
        self.served.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The content type of a file, by extension (the dev server's own table).
pub fn content_type(path: &Path) -> &'static str {
    innobieb::serve::http::content_type(&path.to_string_lossy())
}

fn handle(stream: TcpStream, root: &Path, prefix: &str, served: &Served) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read (and ignore) the headers.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut out = stream;
    if method != "GET" && method != "HEAD" {
        return respond(&mut out, "405 Method Not Allowed", "text/plain", b"method not allowed", true);
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    if prefix != "/" && path == prefix.trim_end_matches('/') {
        let head = format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: {prefix}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return out.write_all(head.as_bytes());
    }
    match resolve(root, prefix, path) {
        Some(file) => match std::fs::read(&file) {
            Ok(bytes) => {
                served.lock().unwrap_or_else(|p| p.into_inner()).push((path.to_string(), bytes.len()));
                respond(&mut out, "200 OK", content_type(&file), &bytes, method == "GET")
            }
            Err(_) => not_found(&mut out, root, method == "GET"),
        },
        None => not_found(&mut out, root, method == "GET"),
    }
}

fn not_found(out: &mut TcpStream, root: &Path, body: bool) -> std::io::Result<()> {
    let page = std::fs::read(root.join("404.html")).unwrap_or_else(|_| b"not found".to_vec());
    respond(out, "404 Not Found", "text/html; charset=utf-8", &page, body)
}

/// The file for a request path, or `None` (outside the prefix, escaping the root, missing),
/// resolved the way the dev server resolves paths.
fn resolve(root: &Path, prefix: &str, path: &str) -> Option<PathBuf> {
    use innobieb::serve::http::{Target, resolve_path};
    let rest = path.strip_prefix(prefix)?;
    match resolve_path(&format!("/{rest}"), &|p| root.join(p).is_file()) {
        Target::File(rel) => Some(root.join(rel)),
        Target::Redirect(to) => Some(root.join(to.trim_start_matches('/')).join("index.html")).filter(|f| f.is_file()),
        _ => None,
    }
}

fn respond(out: &mut TcpStream, status: &str, ctype: &str, body: &[u8], with_body: bool) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    if with_body {
        out.write_all(body)?;
    }
    out.flush()
}

/// A minimal HTTP/1.0 GET for tests: the status code and the body.
pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]);
    let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((code, raw[split..].to_vec()))
}
