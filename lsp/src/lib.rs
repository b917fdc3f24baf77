//! `scalpel lsp`: the Scalpel language server, over standard input and output.
//!
//! The LSP layer only translates: every answer comes from the functions the CLI
//! runs (tree loading, the front end and the back ends of `scalpel check` through
//! `scalpel_driver::pipeline`, `[lints]`, the formatter, the ATT&CK catalog), as
//! rust-analyzer's LSP layer asks its `ide` crate.
//!
//! | module | answers |
//! |---|---|
//! | [`analysis`] | one tree with the open buffers, checked |
//! | [`diagnostics`] | `publishDiagnostics` |
//! | [`actions`] | quick fixes |
//! | [`hover`], [`completion`], [`navigation`] | hover, completion, definition, outline |
//! | [`references`] | find references, rename |
//! | [`outline`] | tokens and blocks of a half-typed buffer |
//! | [`position`], [`uri`] | UTF-16 positions, `file:` URIs |
//! | [`server`] | state, debouncing, the message loop |
//!
//! Built on `lsp-server` and `lsp-types`, the pair rust-analyzer maintains: a
//! synchronous loop over crossbeam channels, no async runtime, few dependencies.

// `lsp_types::Uri` holds a lazily filled cache cell, but its `Ord` and `Hash` read
// only its text, which never changes: it is a sound map key.
#![allow(clippy::mutable_key_type)]

pub mod actions;
pub mod analysis;
pub mod completion;
pub mod diagnostics;
pub mod hover;
pub mod navigation;
pub mod outline;
pub mod position;
pub mod references;
pub mod server;
pub mod uri;

use lsp_server::Connection;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, OneOf, SaveOptions,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

/// What the server offers; positions in UTF-16, the protocol's default.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["[".to_string(), ",".to_string()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on a connection: the handshake, then messages until `exit`.
pub fn serve(connection: &Connection) -> Result<(), lsp_server::ProtocolError> {
    let (id, _params) = connection.initialize_start()?;
    let result = lsp_types::InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "scalpel".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result).unwrap_or_default())?;
    server::Server::new(connection).run()
}

/// `scalpel lsp`: serves on standard input and output.
pub fn run() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    serve(&connection).map_err(|e| e.to_string())?;
    drop(connection);
    threads.join().map_err(|e| e.to_string())
}
