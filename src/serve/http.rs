//! The dev server's HTTP side: safe path resolution (pure, unit-tested),
//! responses from the in-memory site, and the Server-Sent Events stream.

use super::state::{Served, Shared};
use std::io::{Cursor, Write};
use std::sync::mpsc;
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response, StatusCode};

pub const EVENTS_PATH: &str = "/__innobieb/events";
pub const SCRIPT_PATH: &str = "/__innobieb/livereload.js";
const SCRIPT: &str = include_str!("livereload.js");
/// Open event streams are capped so that many tabs cannot exhaust threads.
const MAX_STREAMS: usize = 64;

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

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("static header names and values are valid")
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

/// Answers one request. Runs on its own thread.
pub fn handle(request: Request, shared: &Shared) {
    let method = request.method().clone();
    if method != Method::Get && method != Method::Head {
        let _ = request.respond(
            Response::from_string("method not allowed\n")
                .with_status_code(405)
                .with_header(header("Allow", "GET, HEAD")),
        );
        return;
    }
    let url = request.url().to_string();
    if url == EVENTS_PATH {
        return stream_events(request, shared);
    }
    if url == SCRIPT_PATH {
        let r = Response::from_string(SCRIPT).with_header(header("Content-Type", "text/javascript; charset=utf-8"));
        let _ = request.respond(r);
        return;
    }
    let state = shared.snapshot();
    let target = resolve_path(&url, &|p| state.files.contains_key(p));
    let (status, path) = match target {
        Target::File(p) => (200, Some(p)),
        Target::Redirect(to) => {
            let _ = request.respond(Response::empty(301).with_header(header("Location", &to)));
            return;
        }
        Target::NotFound => (404, state.files.contains_key("404.html").then(|| "404.html".to_string())),
        Target::BadRequest(why) => {
            let _ = request.respond(Response::from_string(format!("bad request: {why}\n")).with_status_code(400));
            return;
        }
    };
    let body: Vec<u8> = match path.as_deref().and_then(|p| state.files.get(p)) {
        Some(Served::Bytes(b)) => b.to_vec(),
        Some(Served::File(f)) => match std::fs::read(f) {
            Ok(b) => b,
            Err(_) => {
                let _ = request.respond(Response::from_string("not found\n").with_status_code(404));
                return;
            }
        },
        None => b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404</title></head><body><h1>404</h1></body></html>".to_vec(),
    };
    let ctype = content_type(path.as_deref().unwrap_or("x.html"));
    let body = if ctype.starts_with("text/html") { inject(&body) } else { body };
    let len = body.len();
    let response = Response::new(
        StatusCode(status),
        vec![
            header("Content-Type", ctype),
            header("Cache-Control", "no-cache"),
            header("X-Content-Type-Options", "nosniff"),
        ],
        Cursor::new(if method == Method::Head { Vec::new() } else { body }),
        Some(len),
        None,
    );
    let _ = request.respond(response);
}

/// A Server-Sent Events stream, written straight to the connection: tiny_http's
/// chunked encoder would hold small messages back, so the response is written by
/// hand (no length, `Connection: close`) and flushed after every message.
fn stream_events(request: Request, shared: &Shared) {
    let Some(rx) = shared.subscribe(MAX_STREAMS) else {
        let _ = request.respond(Response::from_string("too many open event streams\n").with_status_code(503));
        return;
    };
    let mut w = request.into_writer();
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    if w.write_all(head.as_bytes()).and_then(|_| w.flush()).is_err() {
        return;
    }
    loop {
        let chunk = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(m) => format!("data: {m}\n\n"),
            // A comment keeps the connection alive; a failed write means the tab is gone.
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if w.write_all(chunk.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
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
