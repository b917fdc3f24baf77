//! Benchmark of `scalpel lsp` (`cargo bench --bench lsp`): the server on an
//! in-memory connection, a generated tree of 1,000 steps (50 flows in 5 files over
//! 8 schemas), one flow file open. Each row is the best of 10 round trips, from the
//! client's message to the server's answer: the tree re-checked after an edit
//! (`didChange` + `didSave`, answered by `publishDiagnostics`), and each request.

mod tree;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const FLOWS: usize = 50;
const RUNS: usize = 10;

struct Client {
    connection: Connection,
    next: i32,
}

impl Client {
    fn notify(&self, method: &str, params: Value) {
        let message = Message::Notification(Notification::new(method.to_string(), params));
        self.connection.sender.send(message).unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.connection.sender.send(Message::Request(Request::new(id.clone(), method.to_string(), params))).unwrap();
        loop {
            match self.connection.receiver.recv_timeout(Duration::from_secs(60)).unwrap() {
                Message::Response(r) if r.id == id => return r.result.unwrap_or(Value::Null),
                _ => {}
            }
        }
    }

    /// The errors of the next diagnostics published (the generated tree has warnings).
    fn errors(&self) -> usize {
        loop {
            if let Message::Notification(n) = self.connection.receiver.recv_timeout(Duration::from_secs(60)).unwrap() {
                if n.method == "textDocument/publishDiagnostics" {
                    let list = n.params["diagnostics"].as_array().cloned().unwrap_or_default();
                    let errors: Vec<&Value> = list.iter().filter(|d| d["severity"] == 1).collect();
                    if let Some(first) = errors.first() {
                        eprintln!("first error: {first}");
                    }
                    return errors.len();
                }
            }
        }
    }
}

fn best_of(mut f: impl FnMut()) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    // Not a hidden folder (`.tmp…`): folder walks skip those.
    let dir = tempfile::Builder::new().prefix("scalpel-lsp-bench").tempdir().unwrap();
    tree::write_tree(dir.path(), FLOWS);
    let path = std::fs::canonicalize(dir.path().join("flows000.det")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let uri = scalpel_lsp::uri::from_path(&path).unwrap().as_str().to_string();
    let (server, connection) = Connection::memory();
    let thread = std::thread::spawn(move || scalpel_lsp::serve(&server));
    let mut client = Client { connection, next: 0 };
    client.request("initialize", json!({ "capabilities": {} }));
    client.notify("initialized", json!({}));
    let document = json!({ "uri": uri, "languageId": "scalpel", "version": 1, "text": text });
    client.notify("textDocument/didOpen", json!({ "textDocument": document }));
    assert_eq!(client.errors(), 0, "the generated tree checks without errors");

    println!("{} steps, {} files; best of {RUNS}", FLOWS * tree::STEPS_PER_FLOW, FLOWS / 10 + 1);
    println!("{:<34} {:>9}", "round trip", "ms");
    let mut version = 1;
    let edit = best_of(|| {
        version += 1;
        let changed =
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] });
        client.notify("textDocument/didChange", changed);
        client.notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }));
        client.errors();
    });
    println!("{:<34} {:>9.1}", "edit → diagnostics (whole tree)", edit.as_secs_f64() * 1e3);
    // Line 5 is the first step's `technique` clause, line 9 its `detect` clause.
    let line = |n: usize| text.lines().nth(n).unwrap();
    let at = |n: usize, word: &str| {
        let column = line(n).find(word).unwrap_or_else(|| panic!("`{word}` on line {n}"));
        json!({ "textDocument": { "uri": uri }, "position": { "line": n, "character": column + 1 } })
    };
    let requests = [
        ("hover on a field", "textDocument/hover", at(8, "rate")),
        ("hover on a technique", "textDocument/hover", at(4, "T1565")),
        ("completion in a condition", "textDocument/completion", at(8, "rate")),
        ("completion of technique ids", "textDocument/completion", at(4, " T1565")),
        ("definition of a field", "textDocument/definition", at(8, "rate")),
        ("document symbols", "textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } })),
        (
            "formatting",
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
        ),
    ];
    for (name, method, params) in requests {
        let mut answered = Value::Null;
        let time = best_of(|| answered = client.request(method, params.clone()));
        assert!(!answered.is_null(), "{name} answered");
        println!("{name:<34} {:>9.1}", time.as_secs_f64() * 1e3);
    }
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    thread.join().unwrap().unwrap();
}
