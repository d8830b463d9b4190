//! A small JSON-RPC client for `kpic server`: starts the real binary, frames messages with
//! `Content-Length`, reads the answers on a thread, and waits for each with a time limit (a
//! server that hangs fails the test instead of stalling it). `tests/server.rs` drives it, and
//! so does the benchmark (`bench/bench.rs`), to time an edit over the real protocol.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take (a debug build on a busy machine is slow).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A running `kpic server` and what it sent that was not yet looked at.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    from_server: mpsc::Receiver<Value>,
    /// Notifications and server requests received while waiting for something else.
    queue: VecDeque<Value>,
    /// The last diagnostics published for each URI.
    latest: HashMap<String, Vec<Value>>,
    /// How many times diagnostics were published, for each URI.
    publishes: HashMap<String, usize>,
    next_id: i64,
    /// The file the server's stderr goes to.
    pub stderr: PathBuf,
    _tmp: tempfile::TempDir,
}

/// The `file:` URI of a path.
pub fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A message framed as LSP's base protocol frames it.
pub fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

impl Client {
    /// Starts `BIN server ARGS` in `dir`.
    pub fn start_bin(bin: &Path, dir: &Path, args: &[&str]) -> Client {
        let tmp = tempfile::tempdir().unwrap();
        let stderr = tmp.path().join("stderr");
        let mut cmd = Command::new(bin);
        cmd.arg("server")
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_message(&mut r) {
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            from_server: rx,
            queue: VecDeque::new(),
            latest: HashMap::new(),
            publishes: HashMap::new(),
            next_id: 0,
            stderr,
            _tmp: tmp,
        }
    }

    /// Writes bytes to the server as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Sends one JSON-RPC message.
    pub fn send(&mut self, message: &Value) {
        let mut m = message.clone();
        m["jsonrpc"] = json!("2.0");
        self.send_raw(&frame(&m.to_string()));
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"method": method, "params": params}));
    }

    /// Sends a request and waits for its answer (the whole response object).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"id": id, "method": method, "params": params}));
        self.answer_to(&json!(id))
    }

    /// Sends a request and returns its result; fails on an error.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let answer = self.request_raw(method, params);
        assert!(
            answer.get("error").is_none(),
            "`{method}` failed: {answer}\nstderr: {}",
            self.stderr_text()
        );
        answer["result"].clone()
    }

    /// Waits for the response with this `id`, keeping what else comes.
    pub fn answer_to(&mut self, id: &Value) -> Value {
        let start = Instant::now();
        loop {
            let m = self.next_message(start);
            if m.get("method").is_none() && m.get("id") == Some(id) {
                return m;
            }
            self.keep(m);
        }
    }

    /// The next message from the server; fails after [`TIMEOUT`] from `start`.
    fn next_message(&mut self, start: Instant) -> Value {
        let left = TIMEOUT.saturating_sub(start.elapsed());
        match self.from_server.recv_timeout(left) {
            Ok(m) => m,
            Err(e) => panic!(
                "no message from the server ({e:?}) within {TIMEOUT:?}\nstderr: {}",
                self.stderr_text()
            ),
        }
    }

    /// Keeps a message for later; answers the server's own requests (with `null`).
    fn keep(&mut self, m: Value) {
        if m.get("method").is_some() && m.get("id").is_some() {
            let id = m["id"].clone();
            self.send(&json!({"id": id, "result": null}));
        }
        if m["method"] == "textDocument/publishDiagnostics" {
            let uri = m["params"]["uri"].as_str().unwrap_or_default().to_owned();
            let list = m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            *self.publishes.entry(uri.clone()).or_default() += 1;
            self.latest.insert(uri, list);
        }
        self.queue.push_back(m);
    }

    /// The last diagnostics published for `uri` (none when never published).
    pub fn latest(&self, uri: &str) -> Vec<Value> {
        self.latest.get(uri).cloned().unwrap_or_default()
    }

    /// Every URI diagnostics were published for, with the last ones.
    pub fn all_latest(&self) -> &HashMap<String, Vec<Value>> {
        &self.latest
    }

    /// How many times diagnostics were published for `uri`.
    pub fn publishes(&self, uri: &str) -> usize {
        self.publishes.get(uri).copied().unwrap_or(0)
    }

    /// Waits until the server has handled everything sent so far (it answers a request after
    /// checking the edits before it and publishing their diagnostics).
    pub fn barrier(&mut self) {
        self.request(
            "workspace/symbol",
            json!({"query": "no-such-symbol-anywhere"}),
        );
    }

    /// Waits for a notification `method` whose params satisfy `pred`, and returns its params;
    /// earlier notifications that do not match are dropped.
    pub fn wait_for(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            while let Some(m) = self.queue.pop_front() {
                if m["method"] == method && pred(&m["params"]) {
                    return m["params"].clone();
                }
            }
            let m = self.next_message(start);
            self.keep(m);
        }
    }

    /// Waits for the diagnostics of `uri` that satisfy `pred`; returns the diagnostics.
    pub fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let params = self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && pred(p["diagnostics"].as_array().unwrap())
        });
        params["diagnostics"].as_array().unwrap().clone()
    }

    /// The notifications received so far and not looked at, without waiting.
    pub fn drain(&mut self) -> Vec<Value> {
        while let Ok(m) = self.from_server.try_recv() {
            self.keep(m);
        }
        self.queue.drain(..).collect()
    }

    /// `initialize` with `root` as the workspace folder, then `initialized`.
    pub fn initialize(&mut self, root: &Path) -> Value {
        let root_uri = uri(root);
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "ws"}],
                "capabilities": {
                    "textDocument": {"documentSymbol": {"hierarchicalDocumentSymbolSupport": true}},
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
                }
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    /// Opens a document with the text of the file at `path`.
    pub fn open(&mut self, path: &Path) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        self.open_text(path, &text);
        uri(path)
    }

    /// Opens a document at `path` with `text`.
    pub fn open_text(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// Replaces the whole text of an open document.
    pub fn change_all(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// Closes stdin: the end of input.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Waits for the process to end; fails after [`TIMEOUT`].
    pub fn wait(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("the server did not exit\nstderr: {}", self.stderr_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `shutdown` (which answers `null`), then `exit`; the exit status.
    pub fn shutdown(mut self) -> ExitStatus {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.wait()
    }

    /// What the server wrote to stderr so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one framed message; `None` at the end of output.
fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("the server sends JSON"))
}
