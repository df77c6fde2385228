//! A minimal Chrome DevTools Protocol client for browser tests: starts a headless
//! Chromium with a fresh profile, attaches to its page over a WebSocket, and offers
//! `navigate`, `eval` (awaiting promises, returning JSON values), `wait_for` (polling a
//! JavaScript expression), raw `call`s and the events that arrived meanwhile (console
//! messages, exceptions, page loads), and screenshots. Chromium is killed on drop.
//!
//! Chromium is `/usr/bin/chromium` unless `INNOBIEB_CHROMIUM` names another binary.
//! Tests that use it are `#[ignore = "needs chromium"]`; run them with `--include-ignored`.

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// How long one DevTools call may take before it is an error.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How many events are kept (oldest dropped first).
const MAX_EVENTS: usize = 10_000;

/// The Chromium binary to use, if there is one.
pub fn chromium_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("INNOBIEB_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

pub struct Browser {
    child: Child,
    profile: PathBuf,
    /// The port of Chromium's DevTools HTTP endpoint.
    pub devtools_port: u16,
    ws: WebSocket<TcpStream>,
    next_id: u64,
    events: VecDeque<Value>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Browser {
    /// Starts Chromium and attaches to its page; panics with the reason if it cannot.
    pub fn launch() -> Browser {
        Browser::try_launch().unwrap_or_else(|e| panic!("cannot start Chromium: {e}"))
    }

    pub fn try_launch() -> Result<Browser, String> {
        let bin = chromium_path().ok_or("no Chromium found (set INNOBIEB_CHROMIUM)")?;
        let profile = super::temp_dir("chromium-profile");
        let mut child = Command::new(&bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--mute-audio",
                "--window-size=1280,900",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so that its helper processes can be killed with it.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;

        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on
        // stderr. Keep reading stderr afterwards, or Chromium blocks on a full pipe.
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, rx) = mpsc::channel();
        {
            let tail = stderr_tail.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(url) = line.split("DevTools listening on ").nth(1) {
                        let _ = tx.send(url.trim().to_string());
                    }
                    let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                    t.push_back(line);
                    if t.len() > 200 {
                        t.pop_front();
                    }
                }
            });
        }
        let fail = |child: &mut Child, msg: String| {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&profile);
            Err(format!("{msg}\n--- Chromium stderr\n{}", tail_text(&stderr_tail)))
        };
        let browser_ws = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => return fail(&mut child, "Chromium did not print its DevTools address within 30 s".into()),
        };
        let Some(port) = browser_ws
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .and_then(|hp| hp.rsplit(':').next())
            .and_then(|p| p.parse::<u16>().ok())
        else {
            return fail(&mut child, format!("cannot read the port in {browser_ws}"));
        };
        let page_ws = match page_target(port) {
            Ok(url) => url,
            Err(e) => return fail(&mut child, e),
        };
        let ws = match connect(port, &page_ws) {
            Ok(ws) => ws,
            Err(e) => return fail(&mut child, e),
        };
        let mut browser = Browser {
            child,
            profile: profile.clone(),
            devtools_port: port,
            ws,
            next_id: 0,
            events: VecDeque::new(),
            stderr_tail,
        };
        browser.call("Page.enable", json!({}))?;
        browser.call("Runtime.enable", json!({}))?;
        Ok(browser)
    }

    /// Sends a DevTools command and waits for its result. Events that arrive meanwhile are kept.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({ "id": id, "method": method, "params": params }).to_string();
        self.ws.send(Message::text(msg)).map_err(|e| format!("{method}: cannot send: {e}"))?;
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let Some(v) = self.read_message(deadline)? else {
                return Err(format!("{method}: no answer within {CALL_TIMEOUT:?}"));
            };
            if v.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = v.get("error") {
                    return Err(format!("{method}: {err}"));
                }
                return Ok(v.get("result").cloned().unwrap_or(Value::Null));
            }
            self.keep_event(v);
        }
    }

    /// Reads one message, or `None` when `deadline` passes first.
    fn read_message(&mut self, deadline: Instant) -> Result<Option<Value>, String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let _ = self.ws.get_mut().set_read_timeout(Some(left.max(Duration::from_millis(1))));
            match self.ws.read() {
                Ok(Message::Text(t)) => {
                    return serde_json::from_str(t.as_str())
                        .map(Some)
                        .map_err(|e| format!("bad DevTools message: {e}"));
                }
                Ok(Message::Close(_)) => return Err("DevTools connection closed".into()),
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(format!("DevTools connection: {e}")),
            }
        }
    }

    fn keep_event(&mut self, v: Value) {
        if v.get("method").is_some() {
            if self.events.len() >= MAX_EVENTS {
                self.events.pop_front();
            }
            self.events.push_back(v);
        }
    }

    /// Reads events for `d` (useful to wait for something the page does by itself).
    pub fn pump_events(&mut self, d: Duration) -> Result<(), String> {
        let deadline = Instant::now() + d;
        while let Some(v) = self.read_message(deadline)? {
            self.keep_event(v);
        }
        Ok(())
    }

    /// Events received so far (`{"method": ..., "params": ...}`), oldest first.
    pub fn events(&self) -> impl Iterator<Item = &Value> {
        self.events.iter()
    }

    /// Removes and returns the events received so far.
    pub fn take_events(&mut self) -> Vec<Value> {
        self.events.drain(..).collect()
    }

    /// Waits until an event with this method arrives (also one that came earlier and
    /// was not taken), and removes it.
    pub fn wait_for_event(&mut self, method: &str, timeout: Duration) -> Result<Value, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
                return Ok(self.events.remove(i).expect("index in range"));
            }
            match self.read_message(deadline)? {
                Some(v) => self.keep_event(v),
                None => return Err(format!("no {method} event within {timeout:?}")),
            }
        }
    }

    /// Uncaught JavaScript exceptions so far, as text.
    pub fn exceptions(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Runtime.exceptionThrown")
            .map(|e| {
                let d = &e["params"]["exceptionDetails"];
                d["exception"]["description"].as_str().or(d["text"].as_str()).unwrap_or("exception").to_string()
            })
            .collect()
    }

    /// Console messages so far: (level, text).
    pub fn console(&self) -> Vec<(String, String)> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Runtime.consoleAPICalled")
            .map(|e| {
                let p = &e["params"];
                let text = p["args"]
                    .as_array()
                    .map(|args| {
                        args.iter()
                            .map(|a| match &a["value"] {
                                Value::String(s) => s.clone(),
                                Value::Null => a["description"].as_str().unwrap_or("").to_string(),
                                v => v.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default();
                (p["type"].as_str().unwrap_or("log").to_string(), text)
            })
            .collect()
    }

    /// Opens `url` and waits until the document has loaded.
    pub fn navigate(&mut self, url: &str) -> Result<(), String> {
        let r = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(e) = r.get("errorText").and_then(Value::as_str) {
            return Err(format!("cannot open {url}: {e}"));
        }
        let href = serde_json::to_string(url).expect("string");
        self.wait_for(
            &format!("document.readyState === 'complete' && location.href.startsWith({href}.split('#')[0])"),
            Duration::from_secs(30),
        )?;
        Ok(())
    }

    /// Evaluates a JavaScript expression in the page (awaiting a promise) and returns
    /// its value as JSON (`null` for `undefined` and values JSON cannot hold).
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(d) = r.get("exceptionDetails") {
            let text = d["exception"]["description"].as_str().or(d["text"].as_str()).unwrap_or("exception");
            return Err(format!("{expression}: {text}"));
        }
        Ok(r["result"].get("value").cloned().unwrap_or(Value::Null))
    }

    /// Evaluates `expression` every 50 ms until its value is truthy, and returns it.
    pub fn wait_for(&mut self, expression: &str, timeout: Duration) -> Result<Value, String> {
        let deadline = Instant::now() + timeout;
        loop {
            // Errors (a page that is still loading) count as "not yet".
            let last = self.eval(expression);
            if let Ok(v) = &last {
                if truthy(v) {
                    return Ok(v.clone());
                }
            }
            if Instant::now() >= deadline {
                let detail = match last {
                    Ok(v) => format!("last value {v}"),
                    Err(e) => e,
                };
                return Err(format!("timed out after {timeout:?} waiting for `{expression}` ({detail})"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sets the viewport size (CSS pixels).
    pub fn set_viewport(&mut self, width: u32, height: u32) -> Result<(), String> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(())
    }

    /// Saves a PNG screenshot of the viewport, or of the whole page with `full_page`.
    pub fn screenshot(&mut self, path: &Path, full_page: bool) -> Result<(), String> {
        let r = self.call("Page.captureScreenshot", json!({ "format": "png", "captureBeyondViewport": full_page }))?;
        let data = r["data"].as_str().ok_or("no screenshot data")?;
        let bytes = base64_decode(data).ok_or("bad base64 in screenshot")?;
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The last lines Chromium printed on stderr (for failure messages).
    pub fn stderr_tail(&self) -> String {
        tail_text(&self.stderr_tail)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ask nicely, then make sure: kill the whole process group Chromium started.
        self.next_id += 1;
        let close = json!({ "id": self.next_id, "method": "Browser.close" }).to_string();
        let _ = self.ws.send(Message::text(close));
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let pgid = self.child.id();
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pgid}")]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    let t = tail.lock().unwrap_or_else(|p| p.into_inner());
    t.iter().cloned().collect::<Vec<_>>().join("\n")
}

/// The WebSocket URL of the first page target (creating one if there is none).
fn page_target(port: u16) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list: Value = serde_json::from_slice(&devtools_http(port, "GET", "/json/list")?)
            .map_err(|e| format!("/json/list: {e}"))?;
        let page = list
            .as_array()
            .and_then(|a| a.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str());
        if let Some(url) = page {
            return Ok(url.to_string());
        }
        if Instant::now() > deadline {
            let created: Value = serde_json::from_slice(&devtools_http(port, "PUT", "/json/new?about:blank")?)
                .map_err(|e| format!("/json/new: {e}"))?;
            return created["webSocketDebuggerUrl"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("no page target: {list}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain HTTP/1.1 request to the DevTools endpoint (which refuses HTTP/1.0); the body.
fn devtools_http(port: u16, method: &str, path: &str) -> Result<Vec<u8>, String> {
    let err = |e: std::io::Error| format!("DevTools HTTP {path}: {e}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(err)?;
    s.set_read_timeout(Some(Duration::from_secs(10))).map_err(err)?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").map_err(err)?;
    let mut reader = BufReader::new(s);
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(err)? == 0 {
            return Err(format!("DevTools HTTP {path}: the connection closed in the headers"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).map_err(err)?;
        }
        None => {
            reader.read_to_end(&mut body).map_err(err)?;
        }
    }
    Ok(body)
}

fn connect(port: u16, url: &str) -> Result<WebSocket<TcpStream>, String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("DevTools WebSocket: {e}"))?;
    stream.set_read_timeout(Some(CALL_TIMEOUT)).map_err(|e| e.to_string())?;
    let (ws, _) = tungstenite::client(url, stream).map_err(|e| format!("DevTools WebSocket handshake: {e}"))?;
    Ok(ws)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|&&b| b == b'=').count();
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= if b == b'=' { 0 } else { val(b)? } << (18 - 6 * i);
        }
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..(chunk.len() - pad) * 6 / 8]);
    }
    Some(out)
}
