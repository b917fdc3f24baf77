//! `scalpel lsp` driven over its standard input and output with real JSON-RPC
//! messages, as an editor drives it: the handshake, diagnostics published (with
//! UTF-16 ranges, codes, related locations and quick fixes) and cleared when fixed,
//! a schema edit re-checking the flow that uses it, hover, completion, definition,
//! the outline, formatting, then shutdown and exit. Every read has a deadline, so a
//! server that stops answering fails the test instead of hanging it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for something else.
    pending: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scalpel"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("scalpel lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                reader.read_exact(&mut body).expect("a whole message");
                if sender.send(serde_json::from_slice(&body).expect("JSON")).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, messages, next_id: 0, pending: Vec::new() }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("written");
        self.stdin.flush().expect("flushed");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self, started: Instant) -> Value {
        let left = DEADLINE.checked_sub(started.elapsed()).expect("the server answered in time");
        self.messages.recv_timeout(left).expect("the server answered in time")
    }

    /// The result of a request (its error fails the test).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let message = self.request_message(method, params);
        assert!(message.get("error").is_none(), "{method} failed: {message}");
        message["result"].clone()
    }

    /// The whole response to a request.
    fn request_message(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let started = Instant::now();
        loop {
            let message = self.next(started);
            if message["id"] == json!(id) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_for = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
        if let Some(i) = self.pending.iter().position(is_for) {
            return self.pending.remove(i)["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        let started = Instant::now();
        loop {
            let message = self.next(started);
            if is_for(&message) {
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            self.pending.push(message);
        }
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        let document = json!({ "uri": uri, "languageId": "scalpel", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": document }));
        uri
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        let params =
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] });
        self.notify("textDocument/didChange", params);
    }

    fn at(&mut self, method: &str, uri: &str, (line, character): (u32, u32)) -> Value {
        let params = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
        self.request(method, params)
    }

    /// Shutdown, exit, and the process ends with status 0.
    fn finish(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("waited") {
                assert!(status.success(), "{status}");
                return;
            }
            assert!(started.elapsed() < DEADLINE, "scalpel lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn uri(path: &Path) -> String {
    let path = std::fs::canonicalize(path).expect("resolved");
    scalpel_lsp::uri::from_path(&path).expect("a file URI").as_str().to_string()
}

fn initialize(client: &mut Client, root: &Path) -> Value {
    let params = json!({ "processId": null, "rootUri": uri(root), "capabilities": {} });
    let result = client.request("initialize", params);
    client.notify("initialized", json!({}));
    result
}

const SCHEMA: &str = "schema biosensor \"Capteur bio-médical\" {
    time            timestamp event_time
    device.id       string
    heart_rate      int       unit \"bpm\" range 0..350 \"fréquence cardiaque\"
    sensor.kind     enum(ecg, eeg)
    signature.valid bool
}
";

/// Line 7 misspells `heart_rate` after a string holding `é` (1 UTF-16 unit, 2 bytes)
/// and `𝄞` (2 units, 4 bytes): the field starts at UTF-16 column 38 (byte 41, char 37).
const FLOW: &str = "flow \"F-1\" \"Flux\" {
    category \"test\"
    origin theoretical

    step tamper \"Données 𝄞 falsifiées\" {
        technique T1565.002
        source biosensor
        detect device.id == \"é𝄞\" and hart_rate > 250
    }

    step flood \"Burst\" {
        technique T0814
        source biosensor
        detect sensor.kind == ecg
    }

    sequence both \"Both\" within 1m by sensor.kind {
        tamper -> flood
    }
}
";

/// The targets' warnings the fixture would get from every check: the sequence is
/// approximated (W0502, allowed in the shipped tree too), and the non-ASCII value,
/// there for UTF-16 columns, is folded differently by Sigma, Splunk and Elastic.
const LINTS: &str = "[lints]\nW0502 = \"allow\"\nW0507 = \"allow\"\nW0520 = \"allow\"\n";

fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let config = format!("name = \"t\"\npaths = [\"schemas\", \"flows\"]\n{LINTS}");
    std::fs::write(dir.path().join("scalpel.toml"), config).expect("written");
    for folder in ["schemas", "flows"] {
        std::fs::create_dir(dir.path().join(folder)).expect("created");
    }
    let schema = dir.path().join("schemas/bio.det");
    let flow = dir.path().join("flows/f.det");
    std::fs::write(&schema, SCHEMA).expect("written");
    std::fs::write(&flow, FLOW).expect("written");
    (dir, schema, flow)
}

fn labels(items: &Value) -> Vec<String> {
    items.as_array().expect("a list").iter().map(|i| i["label"].as_str().expect("a label").to_string()).collect()
}

#[test]
fn diagnostics_are_published_fixed_and_cleared_across_files() {
    let (dir, schema_path, flow_path) = tree();
    let mut client = Client::start();
    let init = initialize(&mut client, dir.path());
    assert_eq!(init["capabilities"]["hoverProvider"], true, "{init}");
    assert_eq!(init["serverInfo"]["name"], "scalpel");

    let flow = client.open(&flow_path, FLOW);
    let diagnostics = client.diagnostics(&flow);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "E0102");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "scalpel");
    assert_eq!(d["range"], json!({ "start": { "line": 7, "character": 38 }, "end": { "line": 7, "character": 47 } }));
    let message = d["message"].as_str().expect("a message");
    assert!(message.starts_with("no field `hart_rate` in schema `biosensor`"), "{message}");
    assert!(message.contains("help: did you mean `heart_rate`?"), "{message}");
    // The secondary label points into the schema's file.
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri(&schema_path));
    assert_eq!(related["location"]["range"]["start"]["line"], 0);
    assert_eq!(related["message"], "schema declared here");

    // The did-you-mean is a quick fix replacing the misspelt name.
    let params = json!({
        "textDocument": { "uri": flow }, "range": d["range"], "context": { "diagnostics": [d] }
    });
    let actions = client.request("textDocument/codeAction", params);
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    let edit = &action["edit"]["changes"][&flow][0];
    assert_eq!(edit["newText"], "heart_rate");
    assert_eq!(edit["range"], d["range"]);

    // Applied: the error is cleared.
    let fixed = FLOW.replace("hart_rate", "heart_rate");
    client.change(&flow, 2, &fixed);
    assert_eq!(client.diagnostics(&flow), Vec::<Value>::new());

    // Renaming the field in the (unsaved) schema breaks the flow that reads it.
    let schema = client.open(&schema_path, SCHEMA);
    assert_eq!(client.diagnostics(&schema), Vec::<Value>::new());
    client.change(&schema, 2, &SCHEMA.replace("heart_rate", "heart_rates"));
    let diagnostics = client.diagnostics(&flow);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0102");
    assert_eq!(diagnostics[0]["data"]["fixes"], json!(["heart_rates"]));
    client.finish();
}

#[test]
fn hover_completion_definition_outline_and_formatting() {
    let (dir, schema_path, flow_path) = tree();
    let mut client = Client::start();
    initialize(&mut client, dir.path());
    let text = FLOW.replace("hart_rate", "heart_rate");
    let flow = client.open(&flow_path, &text);
    assert_eq!(client.diagnostics(&flow), Vec::<Value>::new());

    // Hover on the field (UTF-16 column 39 is inside `heart_rate`, after `é𝄞`).
    let hover = client.at("textDocument/hover", &flow, (7, 39));
    let value = hover["contents"]["value"].as_str().expect("markdown");
    assert!(value.contains("**heart_rate** `int` · unit `bpm` · range `0..350`"), "{value}");
    assert!(value.contains("fréquence cardiaque"), "{value}");
    assert_eq!(hover["range"]["start"], json!({ "line": 7, "character": 38 }));
    // On a technique id: its ATT&CK name and tactic.
    let hover = client.at("textDocument/hover", &flow, (5, 20));
    let value = hover["contents"]["value"].as_str().expect("markdown");
    assert!(value.contains("**T1565.002** Transmitted Data Manipulation"), "{value}");
    assert!(value.contains("Impact (TA0040)"), "{value}");

    // Completion in a condition: the schema's fields with their types.
    let items = client.at("textDocument/completion", &flow, (13, 15));
    let names = labels(&items);
    for field in ["heart_rate", "sensor.kind", "signature.valid", "not"] {
        assert!(names.contains(&field.to_string()), "{field} in {names:?}");
    }
    let heart = items.as_array().unwrap().iter().find(|i| i["label"] == "heart_rate").unwrap();
    assert_eq!(heart["detail"], "int");
    // After `sensor.kind == `: the enum's values.
    let items = client.at("textDocument/completion", &flow, (13, 30));
    assert_eq!(labels(&items), ["ecg", "eeg"]);
    // After `technique `: ids with names, found by name too.
    let items = client.at("textDocument/completion", &flow, (11, 18));
    let t0814 = items.as_array().unwrap().iter().find(|i| i["label"] == "T0814").expect("T0814 offered");
    assert_eq!(t0814["detail"], "Denial of Service");
    assert!(t0814["filterText"].as_str().unwrap().contains("Denial of Service"));
    // In a sequence: the flow's steps.
    let items = client.at("textDocument/completion", &flow, (17, 8));
    assert!(labels(&items).starts_with(&["tamper".to_string(), "flood".to_string()]), "{items}");

    // Definition: the field in the schema file; a sequence member to its step.
    let location = client.at("textDocument/definition", &flow, (7, 39));
    assert_eq!(location["uri"], uri(&schema_path));
    assert_eq!(location["range"]["start"], json!({ "line": 3, "character": 4 }));
    let location = client.at("textDocument/definition", &flow, (17, 19));
    assert_eq!(location["uri"], flow);
    assert_eq!(location["range"]["start"], json!({ "line": 10, "character": 9 }));

    // References: a step from a sequence; a field across the schema and flow files.
    let references = |line: u32, character: u32| {
        json!({ "textDocument": { "uri": flow }, "position": { "line": line, "character": character },
                "context": { "includeDeclaration": true } })
    };
    let found = client.request("textDocument/references", references(17, 19));
    let starts: Vec<&Value> = found.as_array().unwrap().iter().map(|l| &l["range"]["start"]).collect();
    assert_eq!(starts, [&json!({ "line": 10, "character": 9 }), &json!({ "line": 17, "character": 18 })]);
    let found = client.request("textDocument/references", references(7, 39));
    let uris: Vec<&Value> = found.as_array().unwrap().iter().map(|l| &l["uri"]).collect();
    assert_eq!(uris, [&json!(uri(&schema_path)), &json!(flow)]);

    // Rename a step: its declaration and the sequence member; a taken id is refused.
    let rename = |name: &str| json!({ "textDocument": { "uri": flow }, "position": { "line": 4, "character": 10 }, "newName": name });
    let edit = client.request("textDocument/rename", rename("tampered"));
    let edits = edit["changes"][&flow].as_array().expect("edits in the flow");
    let mut starts: Vec<(u64, u64)> = edits
        .iter()
        .map(|e| (e["range"]["start"]["line"].as_u64().unwrap(), e["range"]["start"]["character"].as_u64().unwrap()))
        .collect();
    starts.sort();
    assert_eq!(starts, [(4, 9), (17, 8)]);
    assert!(edits.iter().all(|e| e["newText"] == "tampered"));
    let refused = client.request_message("textDocument/rename", rename("flood"));
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("already has a step or sequence `flood`"),
        "{refused}"
    );

    // The outline: the flow, its steps and its sequence.
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": flow } }));
    assert_eq!(symbols[0]["name"], "F-1");
    assert_eq!(symbols[0]["detail"], "Flux");
    let children: Vec<&Value> = symbols[0]["children"].as_array().unwrap().iter().map(|c| &c["name"]).collect();
    assert_eq!(children, ["tamper", "flood", "both"]);

    // Formatting: one edit to the layout `scalpel fmt` writes.
    let messy = text.replace("    category \"test\"", "  category    \"test\"");
    client.change(&flow, 2, &messy);
    let params = json!({ "textDocument": { "uri": flow }, "options": { "tabSize": 4, "insertSpaces": true } });
    let edits = client.request("textDocument/formatting", params.clone());
    let expected = scalpel_compiler::syntax::format::format(Default::default(), &messy).expect("formats");
    assert_eq!(expected, text, "the test's own text is in the canonical layout");
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(edits[0]["newText"], expected.as_str());
    client.change(&flow, 3, &text);
    assert_eq!(client.request("textDocument/formatting", params), json!([]));

    // Range formatting: the top-level blocks the range touches, and only those.
    let two = "schema one {\n  t   timestamp event_time\n}\nschema two {\n  t   timestamp event_time\n}\n";
    std::fs::write(dir.path().join("schemas/extra.det"), two).expect("written");
    let extra = client.open(&dir.path().join("schemas/extra.det"), two);
    client.diagnostics(&extra);
    let range = json!({ "start": { "line": 4, "character": 2 }, "end": { "line": 4, "character": 3 } });
    let params = json!({ "textDocument": { "uri": extra }, "range": range,
                         "options": { "tabSize": 4, "insertSpaces": true } });
    let edits = client.request("textDocument/rangeFormatting", params);
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(
        edits[0]["range"],
        json!({ "start": { "line": 3, "character": 0 }, "end": { "line": 5, "character": 1 } })
    );
    let alone = "schema two {\n  t   timestamp event_time\n}\n";
    let expected = scalpel_compiler::syntax::format::format(Default::default(), alone).expect("formats");
    assert_eq!(edits[0]["newText"], expected.trim_end());
    client.finish();
}

#[test]
fn a_half_typed_file_still_answers_and_the_shipped_tree_is_clean() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("detections/flows/AF-1.det");
    let text = std::fs::read_to_string(&shipped).expect("the shipped flow");
    let mut client = Client::start();
    initialize(&mut client, shipped.parent().unwrap());
    let flow = client.open(&shipped, &text);
    assert_eq!(client.diagnostics(&flow), Vec::<Value>::new());
    let hover = client.at("textDocument/hover", &flow, (13, 20));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("T1195.002"), "{hover}");

    // Half a step typed at the end of the flow: an error, and completion still knows the schema.
    let broken = text.replacen("\n}\n", "\n    step new \"t\" {\n        source firmware\n        detect image.\n", 1);
    let broken = broken.trim_end().to_string();
    let line = broken.lines().count() as u32 - 1;
    client.change(&flow, 2, &broken);
    let diagnostics = client.diagnostics(&flow);
    assert!(diagnostics.iter().any(|d| d["code"] == "E0003"), "{diagnostics:?}");
    let items = client.at("textDocument/completion", &flow, (line, 21));
    assert!(labels(&items).contains(&"image.source".to_string()), "{items}");
    client.finish();
}

/// The back ends run as `scalpel check` runs them: their findings are published with
/// the front end's, in the file they point into, and cleared when fixed.
#[test]
fn target_diagnostics_are_published_and_cleared() {
    let (dir, schema_path, flow_path) = tree();
    let mut client = Client::start();
    initialize(&mut client, dir.path());
    let text = FLOW.replace("hart_rate", "heart_rate");
    let flow = client.open(&flow_path, &text);
    assert_eq!(client.diagnostics(&flow), Vec::<Value>::new());

    // KQL cannot tell `""` from a missing field: a warning of the KQL back end.
    let empty = text.replace("detect sensor.kind == ecg", "detect sensor.kind == ecg and device.id == \"\"");
    client.change(&flow, 2, &empty);
    let diagnostics = client.diagnostics(&flow);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "W0508");
    assert_eq!(diagnostics[0]["severity"], 2);
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 13);
    client.change(&flow, 3, &text);
    assert_eq!(client.diagnostics(&flow), Vec::<Value>::new());

    // Hover on a step id, after the check: the rule as each target writes it.
    let hover = client.at("textDocument/hover", &flow, (10, 10));
    let value = hover["contents"]["value"].as_str().expect("markdown");
    assert!(value.starts_with("**step `flood`** Burst"), "{value}");
    for (file, fence, body) in [
        ("sigma/F-1/f-1_flood.yml", "```yaml", "sensor.kind: ecg"),
        ("splunk/F-1/flood.spl", "```spl", "sensor.kind=\"ecg\""),
        ("kql/F-1/flood.kql", "```kusto", "sensor_kind"),
        ("elastic/F-1/flood.eql", "```eql", "sensor.kind"),
    ] {
        let at = value.find(&format!("`{file}`\n{fence}\n")).unwrap_or_else(|| panic!("{file} in {value}"));
        assert!(value[at..].contains(body), "{file}: {value}");
    }
    // And on a sequence id.
    let hover = client.at("textDocument/hover", &flow, (16, 15));
    let value = hover["contents"]["value"].as_str().expect("markdown");
    assert!(value.starts_with("**sequence `both`** \"Both\""), "{value}");
    assert!(value.contains("`splunk/F-1/both.spl`"), "{value}");

    // A field KQL has no column name for: an error of the KQL package, in the schema file.
    let schema = client.open(&schema_path, SCHEMA);
    assert_eq!(client.diagnostics(&schema), Vec::<Value>::new());
    client.change(
        &schema,
        2,
        &SCHEMA.replace("    signature.valid bool\n", "    signature.valid bool\n    heart-beat int\n"),
    );
    let diagnostics = client.diagnostics(&schema);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0511");
    assert_eq!(diagnostics[0]["range"]["start"], json!({ "line": 6, "character": 4 }));
    client.change(&schema, 3, SCHEMA);
    assert_eq!(client.diagnostics(&schema), Vec::<Value>::new());
    client.finish();
}

#[test]
fn a_tree_with_the_default_paths_is_loaded_as_check_loads_it() {
    // `paths` left out is `["."]`: every `.det` file beside `scalpel.toml`, and below it.
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("scalpel.toml"), format!("name = \"t\"\n{LINTS}")).expect("written");
    std::fs::create_dir(dir.path().join("schemas")).expect("created");
    std::fs::write(dir.path().join("schemas/bio.det"), SCHEMA).expect("written");
    let flow_path = dir.path().join("f.det");
    let text = FLOW.replace("hart_rate", "heart_rate");
    std::fs::write(&flow_path, &text).expect("written");
    let mut client = Client::start();
    initialize(&mut client, dir.path());
    // The flow beside `scalpel.toml` reads the schema below it, as `scalpel check` does.
    let flow = client.open(&flow_path, &text);
    assert_eq!(client.diagnostics(&flow), Vec::<Value>::new());
    let schema = client.open(&dir.path().join("schemas/bio.det"), SCHEMA);
    assert_eq!(client.diagnostics(&schema), Vec::<Value>::new());
    // One tree: breaking the schema shows in the flow.
    client.change(&schema, 2, &SCHEMA.replace("heart_rate", "heart_rates"));
    let diagnostics = client.diagnostics(&flow);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0102");
    client.finish();
}
