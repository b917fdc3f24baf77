//! The Scalpel front end.
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | load | [`project`] | paths, `scalpel.toml` → [`source::SourceMap`] |
//! | parse | [`syntax`] | text → [`syntax::ast::File`] |
//! | check | [`sema`] | ASTs + [`attack`] catalog → [`ir::Program`] + diagnostics |
//! | meaning | [`ir::eval`] | IR + events → matches (the reference semantics) |
//! | events | [`events`] | IR → test events with expectations, checked with `ir::eval` |
//!
//! Diagnostics from every stage are [`diag::Diagnostic`] values.

pub mod attack;
pub mod config_spans;
pub mod diag;
pub mod events;
pub mod import;
pub mod ir;
pub mod lints;
pub mod project;
pub mod schema;
pub mod sema;
pub mod source;
pub mod syntax;
