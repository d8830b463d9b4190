//! The transport: LSP's base protocol (`Content-Length` headers, then a JSON-RPC message) read
//! from stdin and written to stdout on two threads, joined to the main loop by an
//! `lsp_server::Connection`.
//!
//! `lsp_server::Connection::stdio()` ends the connection at the first message it cannot read
//! and allocates whatever a `Content-Length` header asks for (a header of a few terabytes
//! aborts the process). This reader answers a malformed message with a JSON-RPC error and goes
//! on with the next one, skips a message over [`MAX_MESSAGE`] bytes without holding it, and
//! reads ahead at most one message, so no input makes the server crash or grow without
//! bound.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread;

use crossbeam_channel::{Receiver, Sender, bounded};
use lsp_server::{Connection, ErrorCode, Message};

use super::log;

/// The largest message read (a document of 100 MB fits; its text is then refused by the
/// spec size limit, with a finding): a larger one is skipped as it is read.
pub const MAX_MESSAGE: usize = 256 << 20;

/// The longest header line read; the rest of a longer line is skipped.
const MAX_HEADER_LINE: usize = 8 << 10;

/// Messages read ahead of the main loop (each may be up to [`MAX_MESSAGE`] bytes).
const READ_AHEAD: usize = 1;

/// Messages the main loop may queue for the writer (a full check publishes one per file).
const WRITE_QUEUE: usize = 64;

/// The transport's threads.
pub struct Threads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<()>,
}

impl Threads {
    /// Waits (a second at most: a client that stopped reading must not hold the server up)
    /// for the writer to send what is queued, once the main loop has dropped its sender. The
    /// reader is left alone: it may be blocked on input that never comes.
    pub fn finish(self) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
        while !self.writer.is_finished() && std::time::Instant::now() < until {
            thread::sleep(std::time::Duration::from_millis(5));
        }
        drop(self.reader);
    }
}

/// The transport over stdin and stdout.
pub fn stdio() -> (Connection, Threads) {
    let input = io::BufReader::with_capacity(64 << 10, io::stdin());
    start(input, io::stdout())
}

/// The transport over any input and output (stdin and stdout, or a test's buffers).
pub fn start<R, W>(input: R, output: W) -> (Connection, Threads)
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    let output = Arc::new(Mutex::new(output));
    let (to_main, from_reader) = bounded::<Message>(READ_AHEAD);
    let (to_writer, from_main) = bounded::<Message>(WRITE_QUEUE);
    let out = Arc::clone(&output);
    let writer = thread::Builder::new()
        .name("kpic-lsp-writer".into())
        .spawn(move || write_loop(&from_main, &out))
        .expect("can start a thread");
    let reader = thread::Builder::new()
        .name("kpic-lsp-reader".into())
        .spawn(move || read_loop(input, &to_main, &output))
        .expect("can start a thread");
    (
        Connection {
            sender: to_writer,
            receiver: from_reader,
        },
        Threads { reader, writer },
    )
}

/// Writes every message the main loop sends, until it stops or the client goes away.
fn write_loop<W: Write>(messages: &Receiver<Message>, output: &Mutex<W>) {
    for message in messages {
        let Ok(mut out) = output.lock() else { return };
        if let Err(e) = message.write(&mut *out) {
            log(&format!("cannot write to the client ({e}): stopping"));
            return;
        }
    }
}

/// Reads messages until the end of input (or until the main loop is gone).
fn read_loop<R: BufRead, W: Write>(mut input: R, to_main: &Sender<Message>, output: &Mutex<W>) {
    loop {
        match read_frame(&mut input) {
            Ok(None) => return,
            Ok(Some(Frame::Message(message))) => {
                if to_main.send(message).is_err() {
                    return;
                }
            }
            Ok(Some(Frame::Skipped(why))) => log(&why),
            Ok(Some(Frame::Malformed { why, code, id })) => {
                log(&format!("malformed message: {why}"));
                if let Some(id) = id {
                    let reply = serde_json::json!({
                        "jsonrpc": "2.0",
                        "id": id,
                        "error": {"code": code as i32, "message": why},
                    });
                    let text = reply.to_string();
                    let Ok(mut out) = output.lock() else { return };
                    let sent = write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())
                        .and_then(|()| out.flush());
                    if sent.is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                log(&format!("cannot read from the client ({e}): stopping"));
                return;
            }
        }
    }
}

/// What one message of the input turned out to be.
#[derive(Debug)]
enum Frame {
    /// A JSON-RPC message.
    Message(Message),
    /// Not a message: what was wrong, the error to answer with, and the ID to answer to
    /// (`null` when the message could not be read; none for a notification).
    Malformed {
        why: String,
        code: ErrorCode,
        id: Option<serde_json::Value>,
    },
    /// A message that was skipped, and why.
    Skipped(String),
}

/// Reads one message; `None` at the end of input.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<usize> = None;
    let mut problem: Option<String> = None;
    let mut headers = 0;
    loop {
        let Some(line) = read_line(input)? else {
            return Ok(None);
        };
        let line = match line {
            Line::Text(l) => l,
            Line::TooLong => {
                problem = Some(format!("a header line longer than {MAX_HEADER_LINE} bytes"));
                headers += 1;
                continue;
            }
        };
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            // Blank lines before a message's headers are skipped.
            if headers == 0 {
                continue;
            }
            break;
        }
        headers += 1;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => problem = Some(format!("a bad `Content-Length` header: {line:?}")),
                }
            }
            Some(_) => {}
            None => problem = Some(format!("a header without `:`: {:?}", clip(line))),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Frame::Malformed {
            why: problem.unwrap_or_else(|| "a message without `Content-Length`".into()),
            code: ErrorCode::ParseError,
            id: Some(serde_json::Value::Null),
        }));
    };
    if length > MAX_MESSAGE {
        let skipped = io::copy(&mut input.take(length as u64), &mut io::sink())?;
        if (skipped as usize) < length {
            return Ok(None);
        }
        return Ok(Some(Frame::Skipped(format!(
            "skipped a message of {length} bytes (the limit is {MAX_MESSAGE})"
        ))));
    }
    let mut body = Vec::new();
    input.take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Ok(None);
    }
    Ok(Some(parse(&body)))
}

/// A JSON-RPC message from its bytes, or why it is not one.
fn parse(body: &[u8]) -> Frame {
    match serde_json::from_slice::<Message>(body) {
        Ok(message) => Frame::Message(message),
        Err(e) => match serde_json::from_slice::<serde_json::Value>(body) {
            Err(_) => Frame::Malformed {
                why: format!("not JSON: {e}"),
                code: ErrorCode::ParseError,
                id: Some(serde_json::Value::Null),
            },
            // JSON, but not a request, a response or a notification: answer a request's ID
            // (a notification gets no answer).
            Ok(value) => Frame::Malformed {
                why: format!("not a JSON-RPC request or notification: {e}"),
                code: ErrorCode::InvalidRequest,
                id: value.get("id").cloned().map(|id| match id {
                    serde_json::Value::Number(_) | serde_json::Value::String(_) => id,
                    _ => serde_json::Value::Null,
                }),
            },
        },
    }
}

/// One header line, or a line over [`MAX_HEADER_LINE`] (its rest skipped).
enum Line {
    Text(String),
    TooLong,
}

/// Reads one line up to `\n`; `None` at the end of input.
fn read_line(input: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((!line.is_empty() || too_long).then_some(if too_long {
                Line::TooLong
            } else {
                Line::Text(String::from_utf8_lossy(&line).into_owned())
            }));
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if line.len() + take > MAX_HEADER_LINE {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(&buf[..take]);
            }
        }
        input.consume(take);
        if done {
            return Ok(Some(if too_long {
                Line::TooLong
            } else {
                Line::Text(String::from_utf8_lossy(&line).into_owned())
            }));
        }
    }
}

/// The start of a long header, for a log line.
fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut r = io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        while let Some(f) = read_frame(&mut r).unwrap() {
            out.push(f);
        }
        out
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_past_bad_messages() {
        let input = [
            framed(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            framed("{not json"),
            framed(r#"{"jsonrpc":"2.0","id":7,"params":3}"#),
            "Content-Length: 99999999999999999999\r\n\r\n".into(),
            "X-Nonsense\r\n\r\n".into(),
            framed(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let got = frames(input.as_bytes());
        let kinds: Vec<String> = got
            .iter()
            .map(|f| match f {
                Frame::Message(Message::Request(r)) => format!("request {}", r.method),
                Frame::Message(Message::Notification(n)) => format!("notification {}", n.method),
                Frame::Message(Message::Response(_)) => "response".into(),
                Frame::Malformed { code, id, .. } => format!("malformed {} {id:?}", *code as i32),
                Frame::Skipped(_) => "skipped".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "request shutdown",
                "malformed -32700 Some(Null)",
                "malformed -32600 Some(Number(7))",
                "malformed -32700 Some(Null)",
                "malformed -32700 Some(Null)",
                "notification exit",
            ]
        );
    }

    #[test]
    fn a_huge_length_is_skipped_without_holding_it() {
        let n = MAX_MESSAGE + 10;
        let mut input = format!("Content-Length: {n}\r\n\r\n").into_bytes();
        input.resize(input.len() + n, b' ');
        input.extend(framed(r#"{"jsonrpc":"2.0","method":"exit"}"#).bytes());
        let got = frames(&input);
        assert!(matches!(got[0], Frame::Skipped(_)), "{got:?}");
        assert!(matches!(&got[1], Frame::Message(Message::Notification(n)) if n.method == "exit"));
    }

    #[test]
    fn a_long_header_line_is_cut() {
        let mut input = vec![b'x'; MAX_HEADER_LINE * 3];
        input.extend(b"\r\n");
        input.extend(framed(r#"{"jsonrpc":"2.0","method":"exit"}"#).bytes());
        let got = frames(&input);
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], Frame::Message(Message::Notification(n)) if n.method == "exit"));
    }
}
