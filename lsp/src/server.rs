//! The server's state and main loop: open documents, one analysis per detection
//! tree, and the translation of each LSP message into a question to the modules
//! beside this one.
//!
//! Synchronous by design (like `lsp-server`'s own examples): one message at a time.
//! Changes are debounced: a `didChange` marks its document dirty, and the tree is
//! checked as `scalpel check` checks it (front end, every target's back end, the
//! lock: [`Depth::Check`]) and published when no message arrived for [`DEBOUNCE`].
//! A request that arrives before then reads a front-end analysis of the new
//! buffers ([`Depth::FrontEnd`]), so an answer never reads a stale buffer and never
//! waits for the back ends. Opening and saving check at once. A request handler that
//! panics answers an internal error instead of taking the server down.

use crate::analysis::{analyze, canonical, Analysis, Depth};
use crate::outline::Outline;
use crate::position::LineIndex;
use crate::{actions, completion, diagnostics, hover, navigation, references, uri};
use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, RangeFormatting,
    References, Rename, Request as _,
};
use lsp_types::{
    CodeActionParams, CompletionParams, CompletionResponse, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentFormattingParams, DocumentRangeFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse, HoverParams,
    PublishDiagnosticsParams, ReferenceParams, RenameParams, TextDocumentPositionParams, TextEdit, Uri,
};
use scalpel_compiler::source::FileId;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Quiet time after the last keystroke before a tree is re-checked.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

struct Document {
    /// Resolved, as the analysis keys its files.
    path: PathBuf,
    text: String,
    version: i32,
    /// The analysis that holds it (its tree's key), once checked.
    tree: Option<PathBuf>,
}

pub struct Server<'c> {
    connection: &'c Connection,
    documents: BTreeMap<Uri, Document>,
    analyses: BTreeMap<PathBuf, Analysis>,
    /// Per tree, the files last published with diagnostics, to clear them when fixed.
    published: BTreeMap<PathBuf, BTreeSet<Uri>>,
    /// Documents changed since their tree was last checked and published.
    dirty: BTreeSet<Uri>,
    /// Documents changed since their tree was last analysed at all.
    stale: BTreeSet<Uri>,
}

type Answer = Result<serde_json::Value, (ErrorCode, String)>;

impl<'c> Server<'c> {
    pub fn new(connection: &'c Connection) -> Server<'c> {
        Server {
            connection,
            documents: BTreeMap::new(),
            analyses: BTreeMap::new(),
            published: BTreeMap::new(),
            dirty: BTreeSet::new(),
            stale: BTreeSet::new(),
        }
    }

    /// Serves until `exit` or until the client goes away.
    pub fn run(&mut self) -> Result<(), lsp_server::ProtocolError> {
        loop {
            let message = if self.dirty.is_empty() {
                match self.connection.receiver.recv() {
                    Ok(message) => message,
                    Err(_) => return Ok(()),
                }
            } else {
                match self.connection.receiver.recv_timeout(DEBOUNCE) {
                    Ok(message) => message,
                    Err(RecvTimeoutError::Timeout) => {
                        self.check_dirty();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            };
            match message {
                Message::Request(request) => {
                    if self.connection.handle_shutdown(&request)? {
                        return Ok(());
                    }
                    self.refresh_stale();
                    let response = self.answer(request);
                    self.send(Message::Response(response));
                }
                Message::Notification(notification) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notified(notification);
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        // A client that went away ends the loop at the next receive.
        let _ = self.connection.sender.send(message);
    }

    fn notified(&mut self, notification: Notification) {
        let method = notification.method.as_str();
        let params = notification.params;
        match method {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(params) else { return };
                let Some(path) = uri::to_path(&p.text_document.uri) else { return };
                let document = Document {
                    path: canonical(&path),
                    text: p.text_document.text,
                    version: p.text_document.version,
                    tree: None,
                };
                self.documents.insert(p.text_document.uri.clone(), document);
                self.check(&p.text_document.uri);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(params) else { return };
                let Some(document) = self.documents.get_mut(&p.text_document.uri) else { return };
                // Full synchronisation: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    document.text = change.text;
                    document.version = p.text_document.version;
                    self.stale.insert(p.text_document.uri.clone());
                    self.dirty.insert(p.text_document.uri);
                }
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(params) else { return };
                if self.documents.contains_key(&p.text_document.uri) {
                    self.check(&p.text_document.uri);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(params) else { return };
                if let Some(document) = self.documents.remove(&p.text_document.uri) {
                    self.dirty.remove(&p.text_document.uri);
                    self.stale.remove(&p.text_document.uri);
                    // The tree as saved on disk now stands for the closed buffer.
                    self.check_path(document.path, None);
                }
            }
            // A file changed on disk (a checkout, another tool): every open tree may differ.
            DidChangeWatchedFiles::METHOD => {
                self.dirty.extend(self.documents.keys().cloned());
                self.stale.extend(self.documents.keys().cloned());
            }
            _ => {}
        }
    }

    fn check_dirty(&mut self) {
        while let Some(uri) = self.dirty.pop_first() {
            self.check(&uri);
        }
    }

    /// Front-end analyses of the trees of changed documents, for the request about
    /// to be answered; publishing waits for the debounced check.
    fn refresh_stale(&mut self) {
        while let Some(uri) = self.stale.pop_first() {
            let Some(path) = self.documents.get(&uri).map(|d| d.path.clone()) else { continue };
            if let Some(analysis) = self.analyze(&path, Depth::FrontEnd) {
                self.adopt(analysis);
            }
        }
    }

    /// `analyze` on the open buffers; `None` if it panicked.
    fn analyze(&self, path: &Path, depth: Depth) -> Option<Analysis> {
        let buffers: BTreeMap<PathBuf, String> =
            self.documents.values().map(|d| (d.path.clone(), d.text.clone())).collect();
        std::panic::catch_unwind(|| analyze(path, &buffers, depth)).ok()
    }

    /// Keeps `analysis` as its tree's, for the documents it read.
    fn adopt(&mut self, analysis: Analysis) {
        for (uri, document) in &mut self.documents {
            if analysis.by_path.contains_key(&document.path) {
                document.tree = Some(analysis.key.clone());
                // This analysis read the buffer.
                self.stale.remove(uri);
            }
        }
        self.analyses.insert(analysis.key.clone(), analysis);
    }

    fn check(&mut self, uri: &Uri) {
        self.dirty.remove(uri);
        if let Some(path) = self.documents.get(uri).map(|d| d.path.clone()) {
            self.check_path(path, Some(uri));
        }
    }

    /// Re-checks the tree `path` belongs to and publishes what changed.
    fn check_path(&mut self, path: PathBuf, edited: Option<&Uri>) {
        let Some(analysis) = self.analyze(&path, Depth::Check) else { return };
        for (uri, document) in &self.documents {
            if analysis.by_path.contains_key(&document.path) {
                // This check read the buffer, so it is published now.
                self.dirty.remove(uri);
            }
        }
        let edited_file = edited.and_then(|u| self.documents.get(u)).and_then(|d| analysis.by_path.get(&d.path));
        let mut fresh = diagnostics::by_file(&analysis, edited_file.copied());
        let before = self.published.remove(&analysis.key).unwrap_or_default();
        // The edited file always hears back, so a client sees its check finish.
        for uri in before.into_iter().chain(edited.cloned()) {
            fresh.entry(uri).or_default();
        }
        let mut now = BTreeSet::new();
        for (uri, diagnostics) in fresh {
            if !diagnostics.is_empty() {
                now.insert(uri.clone());
            }
            let version = self.documents.get(&uri).map(|d| d.version);
            let params = PublishDiagnosticsParams { uri, diagnostics, version };
            let params = serde_json::to_value(params).unwrap_or_default();
            self.send(Message::Notification(Notification::new(PublishDiagnostics::METHOD.to_string(), params)));
        }
        self.published.insert(analysis.key.clone(), now);
        self.adopt(analysis);
    }

    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(request)));
        match result {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => internal_error(id),
        }
    }

    fn dispatch(&mut self, request: Request) -> Answer {
        let params = request.params;
        match request.method.as_str() {
            HoverRequest::METHOD => {
                let p: HoverParams = parse(params)?;
                self.at(&p.text_document_position_params, hover::hover)
            }
            Completion::METHOD => {
                let p: CompletionParams = parse(params)?;
                self.at(&p.text_document_position, |a, file, offset| {
                    Some(CompletionResponse::Array(completion::complete(a, file, offset)))
                })
            }
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = parse(params)?;
                self.at(&p.text_document_position_params, |a, file, offset| {
                    navigation::definition(a, file, offset).map(GotoDefinitionResponse::Scalar)
                })
            }
            DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = parse(params)?;
                let symbols = self.file(&p.text_document.uri).map(|(a, file)| navigation::symbols(a, file));
                to_value(symbols.map(DocumentSymbolResponse::Nested))
            }
            Formatting::METHOD => {
                let p: DocumentFormattingParams = parse(params)?;
                to_value(self.file(&p.text_document.uri).map(|(a, file)| format(a, file)))
            }
            RangeFormatting::METHOD => {
                let p: DocumentRangeFormattingParams = parse(params)?;
                to_value(self.file(&p.text_document.uri).map(|(a, file)| format_range(a, file, p.range)))
            }
            References::METHOD => {
                let p: ReferenceParams = parse(params)?;
                self.at(&p.text_document_position, |a, file, offset| {
                    let found = references::references(a, file, offset);
                    (!found.is_empty()).then_some(found)
                })
            }
            Rename::METHOD => {
                let p: RenameParams = parse(params)?;
                let position = &p.text_document_position;
                let Some((analysis, file)) = self.file(&position.text_document.uri) else { return to_value(()) };
                let offset = LineIndex::new(analysis.text(file)).offset(position.position);
                match references::rename(analysis, file, offset, &p.new_name) {
                    Ok(edit) => to_value(edit),
                    Err(why) => Err((ErrorCode::InvalidParams, why)),
                }
            }
            CodeActionRequest::METHOD => {
                let p: CodeActionParams = parse(params)?;
                to_value(actions::quick_fixes(&p))
            }
            other => Err((ErrorCode::MethodNotFound, format!("`{other}` is not supported"))),
        }
    }

    /// The analysis and file of an open document.
    fn file(&mut self, uri: &Uri) -> Option<(&Analysis, FileId)> {
        if self.documents.get(uri)?.tree.is_none() {
            self.check(uri);
        }
        let document = self.documents.get(uri)?;
        let analysis = self.analyses.get(document.tree.as_ref()?)?;
        Some((analysis, *analysis.by_path.get(&document.path)?))
    }

    fn at<T: serde::Serialize>(
        &mut self,
        position: &TextDocumentPositionParams,
        answer: impl FnOnce(&Analysis, FileId, usize) -> Option<T>,
    ) -> Answer {
        let result = self.file(&position.text_document.uri).and_then(|(analysis, file)| {
            let offset = LineIndex::new(analysis.text(file)).offset(position.position);
            answer(analysis, file, offset)
        });
        to_value(result)
    }
}

/// The whole document in the canonical layout; nothing when it already is, or when
/// it has syntax errors (which its diagnostics show).
fn format(analysis: &Analysis, file: FileId) -> Vec<TextEdit> {
    let text = analysis.text(file);
    match scalpel_compiler::syntax::format::format(file, text) {
        Ok(formatted) if formatted != text => vec![TextEdit::new(LineIndex::new(text).full_range(), formatted)],
        _ => Vec::new(),
    }
}

/// The top-level blocks (schemas, flows) that `range` touches, in the canonical
/// layout: the formatter prints whole items, and it keeps their order and the
/// comments inside them, so the n-th block of the result is the n-th of the buffer.
/// Nothing when they already are, or when the document has syntax errors.
fn format_range(analysis: &Analysis, file: FileId, range: lsp_types::Range) -> Vec<TextEdit> {
    let text = analysis.text(file);
    let Ok(formatted) = scalpel_compiler::syntax::format::format(file, text) else { return Vec::new() };
    let index = LineIndex::new(text);
    let (lo, hi) = (index.offset(range.start), index.offset(range.end));
    let (before, after) = (top_level_blocks(text), top_level_blocks(&formatted));
    if before.len() != after.len() {
        return Vec::new();
    }
    let touched: Vec<usize> = (0..before.len()).filter(|&i| before[i].start <= hi && lo <= before[i].end).collect();
    let (Some(&first), Some(&last)) = (touched.first(), touched.last()) else { return Vec::new() };
    let (old, new) = (before[first].start..before[last].end, &formatted[after[first].start..after[last].end]);
    if &text[old.clone()] == new {
        return Vec::new();
    }
    vec![TextEdit::new(index.range(old.start, old.end), new.to_string())]
}

/// Each top-level block, from the start of its line (when only indentation comes
/// before it) to its closing brace.
fn top_level_blocks(text: &str) -> Vec<std::ops::Range<usize>> {
    let outline = Outline::new(text);
    outline
        .blocks
        .iter()
        .filter(|b| b.parent.is_none())
        .filter_map(|b| {
            let start = outline.tokens[b.start].span.start;
            let line = text[..start].rfind('\n').map_or(0, |n| n + 1);
            let start = if text[line..start].trim().is_empty() { line } else { start };
            Some(start..outline.tokens[b.close?].span.end)
        })
        .collect()
}

fn parse<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn to_value<T: serde::Serialize>(value: T) -> Answer {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

fn internal_error(id: RequestId) -> Response {
    Response::new_err(id, ErrorCode::InternalError as i32, "the request failed inside scalpel lsp".to_string())
}
