//! `kpic server`: a language server (LSP over stdio) for spec files and `kpic.yaml`.
//!
//! One thread runs this main loop: it reads messages from the transport, keeps the open
//! documents, and answers requests from the [`project::Project`], whose findings are those of
//! `kpic check` for the whole workspace. Edits are checked after a short pause
//! ([`DEBOUNCE`]), once for a burst of them; the files whose diagnostics changed are published,
//! the edited ones first.
//!
//! - `transport`: the base protocol over stdin and stdout, robust to bad input;
//! - `documents`: open documents, edits in UTF-16 ranges, `file:` URIs;
//! - `project`: the incremental workspace and its findings;
//! - `diagnostics`, `position`: findings as LSP diagnostics, byte offsets as UTF-16 positions;
//! - `navigate`: hover, definition and references; `completion`; `actions` (code actions);
//!   `symbols` (the outline and workspace symbols).

mod actions;
mod completion;
mod diagnostics;
mod documents;
mod navigate;
mod position;
mod project;
mod symbols;
mod transport;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde::de::DeserializeOwned;
use serde_json::Value;

use documents::{Document, Documents, path_to_uri, uri_to_path};
use position::LineIndex;
use project::Project;
pub use project::Settings;

use crate::source::FileId;

/// How long the server waits after an edit for the next one before it checks: the edits of a
/// burst (a paste or a multi-cursor edit sent as several changes, the edits that came while a
/// check ran) are checked once. An edit on its own waits no longer than this.
pub const DEBOUNCE: Duration = Duration::from_millis(3);

/// The longest an edit waits to be checked while more edits keep coming.
pub const MAX_DELAY: Duration = Duration::from_millis(100);

/// Writes a log line to stderr, which editors keep in their log of the server (a closed
/// stderr loses the line, never stops the server).
pub(crate) fn log(line: &str) {
    use std::io::Write;
    let line = crate::diagnostic::printable(line.to_owned());
    let _ = writeln!(std::io::stderr(), "kpic server: {line}");
}

/// Serves the editor on stdin and stdout until it says `exit` or closes the input. The exit
/// code is 0 after a `shutdown` request, else 1 (as LSP asks).
pub fn run(settings: Settings) -> ExitCode {
    let (connection, threads) = transport::stdio();
    let code = serve(connection, settings);
    threads.finish();
    code
}

/// Serves one connection (the loop of [`run`]).
pub fn serve(connection: Connection, settings: Settings) -> ExitCode {
    let mut server = Server::new(connection.sender, settings);
    loop {
        let received = match server.due() {
            Some(at) => match connection.receiver.recv_deadline(at) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            },
            None => match connection.receiver.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            },
        };
        match received {
            None => server.flush(),
            Some(message) => {
                if let Some(code) = server.handle(message) {
                    return code;
                }
            }
        }
        if server.gone {
            log("the client is gone: stopping");
            return ExitCode::from(1);
        }
    }
    log("end of input: stopping");
    ExitCode::from(if server.state == State::ShutDown {
        0
    } else {
        1
    })
}

/// Where the conversation with the client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before `initialize`.
    Waiting,
    /// Serving.
    Running,
    /// After `shutdown`: only `exit` is expected.
    ShutDown,
}

/// What the client can do that changes how the server answers.
#[derive(Debug, Default, Clone, Copy)]
struct Client {
    /// Nested document symbols.
    hierarchical_symbols: bool,
    /// Registering file watchers.
    watches_files: bool,
}

/// Work waiting for the next check.
#[derive(Debug, Default)]
struct Pending {
    /// Files to load again.
    files: Vec<FileId>,
    /// `kpic.yaml` changed: read it, then load everything.
    config: bool,
    /// Files were added or removed: load everything.
    rescan: bool,
    /// Documents whose diagnostics are published first (and in any case): the edited ones.
    edited: Vec<PathBuf>,
    /// When the first and the last waiting edit came.
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.files.is_empty() && !self.config && !self.rescan && self.edited.is_empty()
    }

    fn touch(&mut self) {
        let now = Instant::now();
        self.first.get_or_insert(now);
        self.last = Some(now);
    }
}

struct Server {
    sender: crossbeam_channel::Sender<Message>,
    settings: Settings,
    state: State,
    client: Client,
    root: Option<PathBuf>,
    project: Option<Project>,
    docs: Documents,
    pending: Pending,
    /// The diagnostics last published for each file, and the URI they went to.
    published: HashMap<PathBuf, (lsp::Uri, Vec<lsp::Diagnostic>)>,
    /// The findings of each file when they were last published (`None` after a full load,
    /// when file numbers may have changed).
    previous: Option<Vec<Vec<crate::diagnostic::Diagnostic>>>,
    /// Paths of documents that made the server look for the workspace's files again, because
    /// it did not know them: each does so once (until files change on disk).
    looked_for: HashSet<PathBuf>,
    /// The last message shown about the workspace's files, so it is shown once.
    shown: Option<String>,
    next_request: i32,
    /// Whether the client stopped reading.
    gone: bool,
}

impl Server {
    fn new(sender: crossbeam_channel::Sender<Message>, settings: Settings) -> Server {
        Server {
            sender,
            settings,
            state: State::Waiting,
            client: Client::default(),
            root: None,
            project: None,
            docs: Documents::default(),
            pending: Pending::default(),
            published: HashMap::new(),
            previous: None,
            looked_for: HashSet::new(),
            shown: None,
            next_request: 0,
            gone: false,
        }
    }

    /// When the waiting edits are to be checked.
    fn due(&self) -> Option<Instant> {
        if self.pending.is_empty() {
            return None;
        }
        let last = self.pending.last? + DEBOUNCE;
        let first = self.pending.first? + MAX_DELAY;
        Some(last.min(first))
    }

    fn send(&mut self, message: impl Into<Message>) {
        if self.sender.send(message.into()).is_err() {
            self.gone = true;
        }
    }

    fn notify<N: lsp::notification::Notification>(&mut self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_owned(), params));
    }

    fn reply(&mut self, id: RequestId, result: impl serde::Serialize) {
        self.send(Response::new_ok(id, result));
    }

    fn refuse(&mut self, id: RequestId, code: ErrorCode, message: String) {
        self.send(Response::new_err(id, code as i32, message));
    }

    /// Handles one message; `Some(code)` when the server is to exit.
    fn handle(&mut self, message: Message) -> Option<ExitCode> {
        match message {
            Message::Request(r) => self.request(r),
            Message::Notification(n) => return self.notification(n),
            // Answers to the server's own requests (the watcher registration).
            Message::Response(_) => {}
        }
        None
    }

    fn request(&mut self, r: Request) {
        match (self.state, r.method.as_str()) {
            (State::Waiting, "initialize") => self.initialize(r),
            (State::Waiting, _) => self.refuse(
                r.id,
                ErrorCode::ServerNotInitialized,
                format!("`{}` before `initialize`", r.method),
            ),
            (State::ShutDown, _) => self.refuse(
                r.id,
                ErrorCode::InvalidRequest,
                format!("`{}` after `shutdown`", r.method),
            ),
            (State::Running, "initialize") => self.refuse(
                r.id,
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            ),
            (State::Running, "shutdown") => {
                self.state = State::ShutDown;
                self.reply(r.id, Value::Null);
            }
            (State::Running, method) => {
                let id = r.id.clone();
                let answer = match method {
                    "textDocument/hover" => self.with(r, Server::hover),
                    "textDocument/definition" => self.with(r, Server::definition),
                    "textDocument/references" => self.with(r, Server::references),
                    "textDocument/completion" => self.with(r, Server::completion),
                    "textDocument/codeAction" => self.with(r, Server::code_action),
                    "textDocument/documentSymbol" => self.with(r, Server::document_symbol),
                    "workspace/symbol" => self.with(r, Server::workspace_symbol),
                    _ => Err((
                        ErrorCode::MethodNotFound,
                        format!("unknown method `{method}`"),
                    )),
                };
                match answer {
                    Ok(value) => self.reply(id, value),
                    Err((code, message)) => {
                        log(&message);
                        self.refuse(id, code, message);
                    }
                }
            }
        }
    }

    /// Answers a request with `answer`, once its parameters are read and the waiting edits
    /// checked (so that the answer sees the text as it is now).
    fn with<P: DeserializeOwned, R: serde::Serialize>(
        &mut self,
        r: Request,
        answer: fn(&mut Server, P) -> Option<R>,
    ) -> Result<Value, (ErrorCode, String)> {
        let params: P = serde_json::from_value(r.params).map_err(|e| {
            (
                ErrorCode::InvalidParams,
                format!("bad parameters for `{}`: {e}", r.method),
            )
        })?;
        self.flush();
        Ok(answer(self, params).map_or(Value::Null, |v| {
            serde_json::to_value(v).unwrap_or(Value::Null)
        }))
    }

    fn notification(&mut self, n: Notification) -> Option<ExitCode> {
        if n.method == "exit" {
            return Some(ExitCode::from(if self.state == State::ShutDown {
                0
            } else {
                1
            }));
        }
        if self.state != State::Running {
            return None;
        }
        let method = n.method.clone();
        let params = n.params;
        let result = match method.as_str() {
            "initialized" => {
                self.initialized();
                Ok(())
            }
            "textDocument/didOpen" => parse(params).map(|p| self.did_open(p)),
            "textDocument/didChange" => parse(params).map(|p| self.did_change(p)),
            "textDocument/didClose" => parse(params).map(|p| self.did_close(p)),
            "textDocument/didSave" | "workspace/didChangeConfiguration" => Ok(()),
            "workspace/didChangeWatchedFiles" => parse(params).map(|p| self.watched(p)),
            m if m.starts_with("$/") => Ok(()),
            m => Err(format!("unknown notification `{m}`")),
        };
        if let Err(e) = result {
            log(&format!("`{method}`: {e}"));
        }
        None
    }

    /// `initialize`: where the workspace is and what the client can do. The parameters are read
    /// leniently (a client's capability the types do not know does not stop the server).
    fn initialize(&mut self, r: Request) {
        let p = &r.params;
        if !p.is_object() {
            let message = "bad parameters for `initialize`: expected an object".to_owned();
            log(&message);
            return self.refuse(r.id, ErrorCode::InvalidParams, message);
        }
        let uri_path =
            |v: &Value| -> Option<PathBuf> { uri_to_path(&v.as_str()?.parse::<lsp::Uri>().ok()?) };
        let folders = p["workspaceFolders"].as_array();
        let root = folders
            .and_then(|f| f.first())
            .and_then(|f| uri_path(&f["uri"]))
            .or_else(|| uri_path(&p["rootUri"]))
            .or_else(|| {
                p["rootPath"]
                    .as_str()
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
            })
            .or_else(|| std::env::current_dir().ok());
        if folders.is_some_and(|f| f.len() > 1) {
            log("several workspace folders: serving the first");
        }
        self.root = root;
        let flag = |pointer: &str| p.pointer(pointer).and_then(Value::as_bool) == Some(true);
        self.client = Client {
            hierarchical_symbols: flag(
                "/capabilities/textDocument/documentSymbol/hierarchicalDocumentSymbolSupport",
            ),
            watches_files: flag(
                "/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration",
            ),
        };
        self.state = State::Running;
        let result = lsp::InitializeResult {
            capabilities: capabilities(),
            server_info: Some(lsp::ServerInfo {
                name: "kpic".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        self.reply(r.id, result);
    }

    /// After `initialized`: asks to be told of files changed on disk, loads the project and
    /// publishes its diagnostics.
    fn initialized(&mut self) {
        if self.client.watches_files {
            let options = lsp::DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![lsp::FileSystemWatcher {
                    glob_pattern: lsp::GlobPattern::String("**/*.{yaml,yml}".into()),
                    kind: None,
                }],
            };
            let params = lsp::RegistrationParams {
                registrations: vec![lsp::Registration {
                    id: "kpic-watch-yaml".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            };
            self.next_request += 1;
            let id = RequestId::from(format!("kpic-{}", self.next_request));
            self.send(Request::new(id, "client/registerCapability".into(), params));
        }
        self.project();
        self.publish(true);
    }

    /// The project, loaded on first use.
    fn project(&mut self) -> Option<&mut Project> {
        if self.project.is_none() {
            let root = self.root.clone()?;
            self.project = Some(Project::load(root, self.settings.clone(), &self.docs));
            self.previous = None;
        }
        self.project.as_mut()
    }

    fn did_open(&mut self, p: lsp::DidOpenTextDocumentParams) {
        let doc = p.text_document;
        let Some(path) = uri_to_path(&doc.uri) else {
            log(&format!(
                "not a file of the workspace: {}",
                doc.uri.as_str()
            ));
            return;
        };
        self.docs.open(
            path.clone(),
            Document {
                uri: doc.uri,
                version: doc.version,
                text: doc.text,
            },
        );
        self.edited(path);
    }

    fn did_change(&mut self, p: lsp::DidChangeTextDocumentParams) {
        let Some(path) = uri_to_path(&p.text_document.uri) else {
            return;
        };
        if !self
            .docs
            .change(&path, p.text_document.version, p.content_changes)
        {
            log(&format!(
                "a change to a document that is not open: {}",
                path.display()
            ));
            return;
        }
        self.edited(path);
    }

    fn did_close(&mut self, p: lsp::DidCloseTextDocumentParams) {
        let Some(path) = uri_to_path(&p.text_document.uri) else {
            return;
        };
        if self.docs.close(&path).is_some() {
            // The file on disk counts again (or, never saved, is gone).
            self.edited(path);
        }
    }

    /// A document at `path` was opened, edited or closed: what to check again.
    fn edited(&mut self, path: PathBuf) {
        if self.project().is_none() {
            return;
        }
        let Some(project) = self.project.as_ref() else {
            return;
        };
        let text = self.docs.get(&path).map(|d| d.text.as_str());
        let pending = &mut self.pending;
        if project.is_config(&path) {
            pending.config |= text != project.config_file.text.as_deref();
        } else if let Some(f) = project.file_of(&path) {
            if text.is_none() && !path.exists() {
                // A new file closed without being saved: it leaves the workspace.
                pending.rescan = true;
            } else if text != Some(project.ws.files[f].text.as_str()) {
                pending.files.push(f);
            }
        } else if project.belongs(&path) && self.looked_for.insert(path.clone()) {
            // A file the workspace does not know yet (created since, or not saved): look for
            // the files again, once (a file that `.gitignore` leaves out stays out).
            pending.rescan = true;
        } else {
            log(&format!("not part of the workspace: {}", path.display()));
            return;
        }
        pending.edited.push(path);
        pending.touch();
    }

    fn watched(&mut self, p: lsp::DidChangeWatchedFilesParams) {
        if self.project().is_none() {
            return;
        }
        let Some(project) = self.project.as_ref() else {
            return;
        };
        let pending = &mut self.pending;
        for change in p.changes {
            let Some(path) = uri_to_path(&change.uri) else {
                continue;
            };
            // The editor's text of an open document wins over the file.
            if self.docs.get(&path).is_some() {
                continue;
            }
            if project.is_config(&path) {
                pending.config = true;
            } else if change.typ != lsp::FileChangeType::DELETED
                && let Some(f) = project.file_of(&path)
            {
                pending.files.push(f);
            } else if project.file_of(&path).is_some() || project.belongs(&path) {
                pending.rescan = true;
            } else {
                continue;
            }
            self.looked_for.clear();
            pending.touch();
        }
    }

    /// Checks the waiting edits and publishes what changed.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let t = Instant::now();
        let docs = &self.docs;
        let Some(project) = self.project.as_mut() else {
            return;
        };
        if pending.config {
            project.reload(docs);
            self.previous = None;
        } else if pending.rescan {
            project.load_files(docs);
            self.previous = None;
        } else if !pending.files.is_empty() {
            let mut files = pending.files;
            files.sort_unstable();
            files.dedup();
            project.update(&files, docs);
        }
        self.pending.edited = pending.edited;
        let t1 = t.elapsed();
        self.publish(false);
        // `KPIC_TIMINGS`, as for `kpic check`: how long each check took.
        if std::env::var_os("KPIC_TIMINGS").is_some() {
            log(&format!(
                "timing: load and check {:.2} ms, publish {:.2} ms",
                t1.as_secs_f64() * 1000.0,
                (t.elapsed() - t1).as_secs_f64() * 1000.0
            ));
        }
        self.pending.edited.clear();
    }

    /// The URI of file `f`: the editor's, when the file is open.
    fn uri_of(project: &Project, docs: &Documents, f: FileId) -> Option<lsp::Uri> {
        match project.doc(docs, f) {
            Some(doc) => Some(doc.uri.clone()),
            None => path_to_uri(&project.ws.files.get(f)?.path),
        }
    }

    /// Publishes the diagnostics that changed (with `all`, those of every file), the edited
    /// documents' first and in any case.
    fn publish(&mut self, all: bool) {
        let Some(project) = self.project.as_ref() else {
            return;
        };
        let ws = &project.ws;
        let edited: HashSet<FileId> = self
            .pending
            .edited
            .iter()
            .filter_map(|p| project.file_of(p))
            .collect();
        // Files whose findings may read differently: changed findings, or labels in an edited
        // file (its positions moved).
        let previous = if all { None } else { self.previous.as_ref() };
        let mut files: Vec<FileId> = (0..ws.files.len())
            .filter(|f| {
                let now = project.findings_of(*f);
                edited.contains(f)
                    || previous.is_none_or(|p| p.get(*f).map(Vec::as_slice) != Some(now))
                    || now
                        .iter()
                        .any(|d| d.labels.iter().any(|l| edited.contains(&l.file)))
            })
            .collect();
        files.sort_by_key(|f| !edited.contains(f));
        let docs = &self.docs;
        let uri_of = |f: FileId| Server::uri_of(project, docs, f);
        let mut outbox = Outbox {
            published: &mut self.published,
            out: Vec::new(),
            live: HashSet::new(),
        };
        for f in files {
            let Some(uri) = uri_of(f) else { continue };
            let findings = project.findings_of(f);
            let lines = diagnostics::Lines::new(ws, diagnostics::files_of(findings));
            let list = diagnostics::convert(findings, &lines, &uri_of);
            let path = &ws.files[f].path;
            let version = project.doc(docs, f).map(|d| d.version);
            outbox.offer(path, uri, list, version, edited.contains(&f));
        }
        // `kpic.yaml`: its problems.
        let config = &project.config_file;
        let config_uri = match docs.get(&config.path) {
            Some(doc) => Some(doc.uri.clone()),
            None => path_to_uri(&config.path),
        };
        if let Some(uri) = config_uri {
            let list = config.text.as_deref().map_or_else(Vec::new, |text| {
                diagnostics::config_problems(text, &config.problems, &uri)
            });
            let version = docs.get(&config.path).map(|d| d.version);
            let opened = self.pending.edited.contains(&config.path);
            outbox.offer(&config.path, uri, list, version, opened);
        }
        // A full load can leave files out: their diagnostics are cleared.
        if all || self.previous.is_none() {
            outbox.clear_the_rest();
        }
        let out = outbox.out;
        let message = project
            .discovery
            .clone()
            .or_else(|| config.unreadable.clone());
        self.previous = Some(project.findings().to_vec());
        for params in out {
            self.notify::<lsp::notification::PublishDiagnostics>(params);
        }
        if message != self.shown {
            if let Some(m) = &message {
                self.notify::<lsp::notification::ShowMessage>(lsp::ShowMessageParams {
                    typ: lsp::MessageType::WARNING,
                    message: format!("kpic: {m}"),
                });
            }
            self.shown = message;
        }
    }

    /// The workspace file of a document, its text and the byte offset of a position.
    fn locate(
        &self,
        doc: &lsp::TextDocumentIdentifier,
        at: lsp::Position,
    ) -> Option<(FileId, usize)> {
        let project = self.project.as_ref()?;
        let f = project.file_of(&uri_to_path(&doc.uri)?)?;
        let offset = LineIndex::new(&project.ws.files[f].text).offset(at);
        Some((f, offset))
    }

    fn location(&self, f: FileId, span: crate::source::Span) -> Option<lsp::Location> {
        let project = self.project.as_ref()?;
        let source = project.ws.files.get(f)?;
        Some(lsp::Location {
            uri: Server::uri_of(project, &self.docs, f)?,
            range: LineIndex::new(&source.text).range(span),
        })
    }

    fn hover(&mut self, p: lsp::HoverParams) -> Option<lsp::Hover> {
        let at = p.text_document_position_params;
        let (f, offset) = self.locate(&at.text_document, at.position)?;
        let project = self.project.as_ref()?;
        let ws = &project.ws;
        let mut parts = Vec::new();
        let mut span = None;
        if let Some(spec) = ws.specs[f].as_ref()
            && let Some(id) = navigate::id_at(spec, offset)
        {
            parts.push(navigate::describe(ws, &id));
            span = Some(id.span);
        }
        let mut rules = Vec::new();
        if let Some((rule, s)) = navigate::rule_at(ws, f, offset) {
            rules.push(rule);
            span.get_or_insert(s);
        }
        rules.extend(navigate::rules_of_findings_at(
            project.findings_of(f),
            offset,
        ));
        if !rules.is_empty() {
            parts.push(navigate::explain_rules(&rules));
        }
        if parts.is_empty() {
            return None;
        }
        let lines = LineIndex::new(&ws.files[f].text);
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: span.map(|s| lines.range(s)),
        })
    }

    fn definition(&mut self, p: lsp::GotoDefinitionParams) -> Option<lsp::GotoDefinitionResponse> {
        let at = p.text_document_position_params;
        let (f, offset) = self.locate(&at.text_document, at.position)?;
        let project = self.project.as_ref()?;
        let id = navigate::id_at(project.ws.specs[f].as_ref()?, offset)?;
        let places = navigate::definitions(&project.ws, id.kind, id.id);
        let locations: Vec<lsp::Location> = places
            .into_iter()
            .filter_map(|(file, span)| self.location(file, span))
            .collect();
        (!locations.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(locations))
    }

    fn references(&mut self, p: lsp::ReferenceParams) -> Option<Vec<lsp::Location>> {
        let at = p.text_document_position;
        let (f, offset) = self.locate(&at.text_document, at.position)?;
        let project = self.project.as_ref()?;
        let id = navigate::id_at(project.ws.specs[f].as_ref()?, offset)?;
        let mut places = Vec::new();
        if p.context.include_declaration {
            places.extend(navigate::places(&project.ws, id.kind, id.id, true));
        }
        places.extend(navigate::places(&project.ws, id.kind, id.id, false));
        Some(
            places
                .into_iter()
                .filter_map(|(file, span)| self.location(file, span))
                .collect(),
        )
    }

    fn completion(&mut self, p: lsp::CompletionParams) -> Option<lsp::CompletionResponse> {
        let at = p.text_document_position;
        let (f, offset) = self.locate(&at.text_document, at.position)?;
        let project = self.project.as_ref()?;
        let text = &project.ws.files[f].text;
        let (want, start) = completion::context(text, offset)?;
        let (items, incomplete) = completion::items(&project.ws, &want, &text[start..offset]);
        let lines = LineIndex::new(text);
        let range = lsp::Range {
            start: lines.position(start),
            end: lines.position(offset),
        };
        let items = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| lsp::CompletionItem {
                label: item.label.clone(),
                kind: Some(item.kind),
                detail: item.detail,
                sort_text: Some(format!("{i:04}")),
                filter_text: Some(item.label),
                text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
                    range,
                    new_text: item.insert,
                })),
                ..lsp::CompletionItem::default()
            })
            .collect();
        Some(lsp::CompletionResponse::List(lsp::CompletionList {
            is_incomplete: incomplete,
            items,
        }))
    }

    fn code_action(&mut self, p: lsp::CodeActionParams) -> Option<lsp::CodeActionResponse> {
        let project = self.project.as_ref()?;
        let path = uri_to_path(&p.text_document.uri)?;
        let f = project.file_of(&path)?;
        if p.context
            .only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|k| k.as_str().starts_with("quickfix")))
        {
            return Some(Vec::new());
        }
        let ws = &project.ws;
        let text = &ws.files[f].text;
        let lines = LineIndex::new(text);
        let (lo, hi) = (lines.offset(p.range.start), lines.offset(p.range.end));
        let findings: Vec<&crate::diagnostic::Diagnostic> = project
            .findings_of(f)
            .iter()
            .filter(|d| d.span.lo() <= hi && lo <= d.span.hi())
            .collect();
        let docs = &self.docs;
        let uri_of = |file: FileId| Server::uri_of(project, docs, file);
        let convert = |d: &crate::diagnostic::Diagnostic| {
            let one = std::slice::from_ref(d);
            let lines = diagnostics::Lines::new(ws, diagnostics::files_of(one));
            diagnostics::convert(one, &lines, &uri_of)
                .pop()
                .unwrap_or_default()
        };
        Some(actions::actions(
            text,
            &p.text_document.uri,
            &ws.index,
            &findings,
            &convert,
        ))
    }

    fn document_symbol(
        &mut self,
        p: lsp::DocumentSymbolParams,
    ) -> Option<lsp::DocumentSymbolResponse> {
        let project = self.project.as_ref()?;
        let f = project.file_of(&uri_to_path(&p.text_document.uri)?)?;
        let spec = project.ws.specs[f].as_ref()?;
        let lines = LineIndex::new(&project.ws.files[f].text);
        let nested = symbols::outline(spec, &lines);
        if self.client.hierarchical_symbols {
            return Some(lsp::DocumentSymbolResponse::Nested(nested));
        }
        #[allow(deprecated)]
        fn flat(
            list: Vec<lsp::DocumentSymbol>,
            uri: &lsp::Uri,
            container: Option<&str>,
            out: &mut Vec<lsp::SymbolInformation>,
        ) {
            for s in list {
                out.push(lsp::SymbolInformation {
                    name: s.name.clone(),
                    kind: s.kind,
                    tags: None,
                    deprecated: None,
                    location: lsp::Location {
                        uri: uri.clone(),
                        range: s.selection_range,
                    },
                    container_name: container.map(str::to_owned),
                });
                flat(s.children.unwrap_or_default(), uri, Some(&s.name), out);
            }
        }
        let mut out = Vec::new();
        flat(nested, &p.text_document.uri, None, &mut out);
        Some(lsp::DocumentSymbolResponse::Flat(out))
    }

    fn workspace_symbol(
        &mut self,
        p: lsp::WorkspaceSymbolParams,
    ) -> Option<lsp::WorkspaceSymbolResponse> {
        let project = self.project.as_ref()?;
        let docs = &self.docs;
        let uri_of = |f: FileId| Server::uri_of(project, docs, f);
        Some(lsp::WorkspaceSymbolResponse::Flat(symbols::search(
            &project.ws,
            &p.query,
            &uri_of,
        )))
    }
}

/// The diagnostics to publish in one go, against those published before.
struct Outbox<'a> {
    published: &'a mut HashMap<PathBuf, (lsp::Uri, Vec<lsp::Diagnostic>)>,
    out: Vec<lsp::PublishDiagnosticsParams>,
    /// The files offered this time.
    live: HashSet<PathBuf>,
}

impl Outbox<'_> {
    /// Publishes `list` for the file at `path` if it differs from what was published (or
    /// `always`). Diagnostics published under another URI for the file (before the editor
    /// opened it under its own spelling) are cleared there.
    fn offer(
        &mut self,
        path: &Path,
        uri: lsp::Uri,
        list: Vec<lsp::Diagnostic>,
        version: Option<i32>,
        always: bool,
    ) {
        self.live.insert(path.to_path_buf());
        let before = self.published.get(path);
        if let Some((old, _)) = before.filter(|(old, _)| *old != uri) {
            self.out.push(lsp::PublishDiagnosticsParams {
                uri: old.clone(),
                diagnostics: Vec::new(),
                version: None,
            });
        }
        let same = match before {
            Some((old, p)) => *old == uri && *p == list,
            None => list.is_empty(),
        };
        if same && !always {
            return;
        }
        self.published
            .insert(path.to_path_buf(), (uri.clone(), list.clone()));
        self.out.push(lsp::PublishDiagnosticsParams {
            uri,
            diagnostics: list,
            version,
        });
    }

    /// Clears the diagnostics of every file not offered.
    fn clear_the_rest(&mut self) {
        let gone: Vec<PathBuf> = self
            .published
            .keys()
            .filter(|p| !self.live.contains(*p))
            .cloned()
            .collect();
        for path in gone {
            if let Some((uri, _)) = self.published.remove(&path) {
                self.out.push(lsp::PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
            }
        }
    }
}

/// A notification's parameters.
fn parse<P: DeserializeOwned>(params: Value) -> Result<P, String> {
    serde_json::from_value(params).map_err(|e| format!("bad parameters: {e}"))
}

/// What the server does.
fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..lsp::TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![":".into(), " ".into(), "[".into(), ",".into()]),
            ..lsp::CompletionOptions::default()
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..lsp::CodeActionOptions::default()
            },
        )),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        ..lsp::ServerCapabilities::default()
    }
}
