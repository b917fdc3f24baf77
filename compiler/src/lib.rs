//! The Scalpel front end.
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | read | [`input`] | a path → its bytes: regular files only, bounded while reading |
//! | load | [`project`] | paths → detection trees (nearest `scalpel.toml`), each → [`source::SourceMap`] |
//! | parse | [`syntax`] | text → [`syntax::ast::File`] |
//! | check | [`sema`] | ASTs + [`attack`] catalog → [`ir::Program`] + diagnostics |
//! | meaning | [`ir::eval`] | IR + events → matches (the reference semantics) |
//! | events | [`events`] | IR → test events with expectations, checked with `ir::eval` |
//!
//! Diagnostics from every stage are [`diag::Diagnostic`] values; [`visible`] makes
//! the user text they quote safe to print.

pub mod attack;
pub mod config_spans;
pub mod diag;
pub mod events;
pub mod import;
pub mod input;
pub mod ir;
pub mod lints;
pub mod project;
pub mod schema;
pub mod sema;
pub mod source;
pub mod syntax;
pub mod visible;
