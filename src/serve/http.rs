//! The dev server's HTTP side: safe path resolution and the `Host` check (pure,
//! unit-tested), responses from the in-memory site, the Server-Sent Events stream, and
//! the bounded accept loop (hyper's HTTP/1 connections, axum's responses and SSE).

use super::state::{Served, Shared};
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

pub const EVENTS_PATH: &str = "/__innobieb/events";
pub const SCRIPT_PATH: &str = "/__innobieb/livereload.js";
pub const SCRIPT: &str = include_str!("livereload.js");
/// Open event streams are capped so that many tabs cannot exhaust connections.
const MAX_STREAMS: usize = 64;
/// The largest request head (request line and headers) read; larger ones get 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Open connections at most; more are answered 503 and closed at once.
pub const MAX_CONNECTIONS: usize = 256;
/// A request head must arrive whole within this time, or the connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// An event stream sends a comment this often, so that closed tabs are noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a request for a pending page waits for the build thread (busy with a rebuild)
/// before what is there is served.
const RENDER_WAIT: Duration = Duration::from_secs(30);
/// Where a request path leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// An output file (path relative to the site root, e.g. `a/index.html`).
    File(String),
    /// `/x` when `x/index.html` exists: redirect to `/x/`.
    Redirect(String),
    NotFound,
    BadRequest(&'static str),
}

/// Resolves a request target to an output path without ever leaving the site:
/// rejects `..`, encoded slashes and backslashes, NUL, and absolute-form targets.
pub fn resolve_path(raw: &str, exists: &dyn Fn(&str) -> bool) -> Target {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Target::BadRequest("the request target must be a path starting with `/`");
    }
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") {
        return Target::BadRequest("encoded slashes are not allowed");
    }
    let Some(decoded) = percent_decode(path) else { return Target::BadRequest("invalid percent-encoding") };
    if decoded.contains('\\') || decoded.contains('\0') {
        return Target::BadRequest("backslashes are not allowed");
    }
    let segments: Vec<&str> = decoded.split('/').skip(1).collect();
    if segments.iter().any(|s| *s == ".." || *s == ".") {
        return Target::BadRequest("`.` and `..` are not allowed in paths");
    }
    // Empty segments (`//`) are collapsed; a trailing slash asks for the folder's index.
    let dir = decoded.ends_with('/');
    let rel = segments.iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("/");
    let rel = if dir && !rel.is_empty() { format!("{rel}/") } else { rel };
    if rel.is_empty() || rel.ends_with('/') {
        let file = format!("{rel}index.html");
        return if exists(&file) { Target::File(file) } else { Target::NotFound };
    }
    if exists(&rel) {
        return Target::File(rel);
    }
    if exists(&format!("{rel}/index.html")) {
        return Target::Redirect(format!("{path}/"));
    }
    Target::NotFound
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Whether a `Host` header names this server when it listens on a loopback address:
/// `localhost`, `127.0.0.1`, `[::1]` or the address it is bound to, each with or without
/// a port. Anything else (a DNS-rebinding page's own name, or no header) is refused.
pub fn host_allowed(host: Option<&str>, bound: &str) -> bool {
    let Some(host) = host else { return false };
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inner, port)) => (format!("[{inner}]"), port),
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, _)) => (name.to_string(), &host[name.len()..]),
            None => (host.to_string(), ""),
        },
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let name = name.to_ascii_lowercase();
    port_ok && (["localhost", "127.0.0.1", "[::1]"].contains(&name.as_str()) || name == bound)
}

/// Adds the live-reload script to an HTML page (served pages only).
fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// How requests are checked: `bound` is the listening address as it appears in a `Host`
/// header (`127.0.0.1`, `[::1]`), `check_host` whether to check it (loopback only).
#[derive(Clone)]
pub struct Policy {
    pub bound: String,
    pub check_host: bool,
}

/// Answers one request.
pub async fn handle(request: Request<hyper::body::Incoming>, shared: Arc<Shared>, policy: Arc<Policy>) -> Response {
    if policy.check_host {
        let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
        if !host_allowed(host, &policy.bound) {
            return text(
                StatusCode::FORBIDDEN,
                "forbidden: this preview answers only to Host localhost, 127.0.0.1 or [::1]\n".into(),
            );
        }
    }
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n".into());
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    // The request target as sent: an absolute-form target keeps its scheme (and is refused).
    let uri = request.uri();
    let url = if uri.scheme().is_some() {
        uri.to_string()
    } else {
        uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| uri.to_string())
    };
    if let Some(query) = url.strip_prefix(EVENTS_PATH).filter(|q| q.is_empty() || q.starts_with('?')) {
        return events(&shared, page_of(query));
    }
    if url == SCRIPT_PATH {
        return ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], shared.script().to_string())
            .into_response();
    }
    let mut state = shared.snapshot();
    let target = resolve_path(&url, &|p| state.has(p));
    let (status, path) = match target {
        Target::File(p) => (StatusCode::OK, Some(p)),
        Target::Redirect(to) => {
            return match HeaderValue::from_str(&to) {
                Ok(to) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response(),
                Err(_) => text(StatusCode::BAD_REQUEST, "bad request: invalid path\n".into()),
            };
        }
        Target::NotFound => {
            (StatusCode::NOT_FOUND, state.files.contains_key("404.html").then(|| "404.html".to_string()))
        }
        Target::BadRequest(why) => return text(StatusCode::BAD_REQUEST, format!("bad request: {why}\n")),
    };
    // A page the last rebuild left for later is rendered before it is served.
    if let Some(rx) = path.as_deref().filter(|p| state.pending.contains(*p)).and_then(|p| shared.request_render(p)) {
        let _ = tokio::task::spawn_blocking(move || rx.recv_timeout(RENDER_WAIT)).await;
        state = shared.snapshot();
    }
    // A new page that was pending and did not render (it failed; the errors are shown).
    let (status, path) = match path {
        Some(p) if status == StatusCode::OK && !state.files.contains_key(&p) => {
            (StatusCode::NOT_FOUND, state.files.contains_key("404.html").then(|| "404.html".to_string()))
        }
        other => (status, other),
    };
    let body: Vec<u8> = match path.as_deref().and_then(|p| state.files.get(p)) {
        Some(Served::Bytes(b)) => b.to_vec(),
        Some(Served::File(f)) => {
            let f = f.clone();
            match tokio::task::spawn_blocking(move || f.read()).await {
                Ok(Some(b)) => b,
                _ => return text(StatusCode::NOT_FOUND, "not found\n".into()),
            }
        }
        None => b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404</title></head><body><h1>404</h1></body></html>".to_vec(),
    };
    let ctype = content_type(path.as_deref().unwrap_or("x.html"));
    let body = if ctype.starts_with("text/html") { inject(&body) } else { body };
    // hyper leaves out the body of a HEAD response (and keeps its length).
    (
        status,
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Body::from(body),
    )
        .into_response()
}

/// The output path of the page an event stream's tab shows, from its query
/// (`?page=%2Fa%2F`: the page's URL path, encoded); empty when it names none.
pub fn page_of(query: &str) -> String {
    let value = query.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix("page=")).unwrap_or("");
    match percent_decode(value).map(|path| resolve_path(&path, &|_| true)) {
        Some(Target::File(p)) => p,
        _ => String::new(),
    }
}

/// The live-reload stream of a tab showing `page`: the current state first, then every
/// message broadcast, and a comment after a quiet spell (a failed write means the tab is gone).
fn events(shared: &Shared, page: String) -> Response {
    let Some(rx) = shared.subscribe(MAX_STREAMS, page) else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "too many open event streams\n".into());
    };
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match tokio::time::timeout(KEEP_ALIVE, rx.recv()).await {
            Ok(Some(m)) => Event::default().data(m),
            Ok(None) => return None,
            Err(_) => Event::default().comment("keep-alive"),
        };
        Some((Ok::<_, Infallible>(event), rx))
    });
    let mut r = Sse::new(stream).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// What an over-the-limit connection is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 35\r\nConnection: close\r\n\r\ntoo many open connections to serve\n";

/// Serves `listener` until the process ends, on a small tokio runtime of its own. At most
/// `MAX_CONNECTIONS` connections are served at once; each gets `TCP_NODELAY` (responses
/// are not held back waiting for the client's delayed ACK), a request head of at most
/// `MAX_HEADER_BYTES` that must arrive within `HEADER_TIMEOUT`, and keep-alive.
pub fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, policy: Policy) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("innobieb-http")
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the HTTP server: {e}");
            return;
        }
    };
    runtime.block_on(accept_loop(listener, shared, Arc::new(policy)));
}

async fn accept_loop(listener: std::net::TcpListener, shared: Arc<Shared>, policy: Arc<Policy>) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tokio::io::AsyncWriteExt;
    let listener = match listener.set_nonblocking(true).and_then(|_| tokio::net::TcpListener::from_std(listener)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot serve: {e}");
            return;
        }
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let mut stream = match listener.accept().await {
            Ok((s, _)) => s,
            // Out of file descriptors, for example: wait a little instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    let _ = stream.write_all(BUSY).await;
                    let _ = stream.shutdown().await;
                })
                .await;
            });
            continue;
        };
        let (shared, policy) = (shared.clone(), policy.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let (shared, policy) = (shared.clone(), policy.clone());
                async move { Ok::<_, Infallible>(handle(request, shared, policy).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_header_size(MAX_HEADER_BYTES)
                .max_buf_size(2 * MAX_HEADER_BYTES)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(path: &str) -> Target {
        let files = ["index.html", "a/index.html", "style.css", "met spatie.txt", "404.html"];
        resolve_path(path, &|p| files.contains(&p))
    }

    #[test]
    fn resolves_pretty_urls() {
        assert_eq!(r("/"), Target::File("index.html".into()));
        assert_eq!(r("/a/"), Target::File("a/index.html".into()));
        assert_eq!(r("/a"), Target::Redirect("/a/".into()));
        assert_eq!(r("/style.css?v=2"), Target::File("style.css".into()));
        assert_eq!(r("/met%20spatie.txt"), Target::File("met spatie.txt".into()));
        assert_eq!(r("/nope/"), Target::NotFound);
        assert_eq!(r("//"), Target::File("index.html".into()));
        assert_eq!(r("//a//"), Target::File("a/index.html".into()));
    }

    #[test]
    fn an_event_stream_names_the_output_path_of_its_tabs_page() {
        // As the live-reload script sends it: encodeURIComponent(location.pathname).
        assert_eq!(page_of("?page=%2Fa%2F"), "a/index.html");
        assert_eq!(page_of("?page=%2F"), "index.html");
        assert_eq!(page_of("?page=%2Fcaf%25C3%25A9%2F"), "caf\u{e9}/index.html");
        assert_eq!(page_of("?x=1&page=%2Fb%2F"), "b/index.html");
        assert_eq!(page_of(""), "");
        assert_eq!(page_of("?page=%2F..%2Fetc%2F"), "");
    }

    #[test]
    fn the_busy_answer_states_its_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())), "{text}");
    }

    #[test]
    fn answers_only_to_its_own_host_names_on_loopback() {
        for ok in ["localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:3000", "[::1]", "[::1]:80"] {
            assert!(host_allowed(Some(ok), "127.0.0.1"), "{ok}");
        }
        assert!(host_allowed(Some("127.0.0.2:9"), "127.0.0.2"));
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "localhost:",
            "localhost:80a",
            "localhost:123456",
            "[::1",
            "[::2]:80",
            "::1",
            "",
            "127.0.0.2",
        ] {
            assert!(!host_allowed(Some(bad), "127.0.0.1"), "{bad}");
        }
        assert!(!host_allowed(None, "127.0.0.1"));
    }

    #[test]
    fn rejects_traversal_in_every_spelling() {
        for p in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/a%2f..%2fx",
            "/a%5c..",
            "/..%5cx",
            "http://evil/x",
            "*",
            "/a/./b",
            "/%00",
            "/%zz",
            "/a\\..\\b",
        ] {
            assert!(matches!(r(p), Target::BadRequest(_)), "{p}: {:?}", r(p));
        }
    }
}
