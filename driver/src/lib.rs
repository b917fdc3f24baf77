//! Whole-build work: everything that looks at a build as a whole rather than one
//! rule for one SIEM. The back ends (`scalpel-targets`) stay "IR → this SIEM's text";
//! this crate runs them and does what comes after.
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | build | [`build`] | [`Program`](scalpel_compiler::ir::Program) × targets → every output file, in a fixed order |
//! | pipeline | [`pipeline`] | project × program → settings, then every target's files and diagnostics at the lock's versions (`check`, `build`, the editor) |
//! | diff | [`diff`] | two trees (or git revisions) → per rule: meaning, metadata, text or nothing changed, with witnesses |
//! | lock | [`lock`] | program × `scalpel.lock.json` → the versions builds write; `scalpel lock` records changes |
//! | write | [`out_dir`] | files by producer → the output folder: only Scalpel's own files replaced, in one transaction; or compared with it (`--check`) |
//! | coverage | [`coverage`] | program × catalog × build → Navigator layers, HTML, Markdown |
//! | replay | [`replay`] | generated events → canonical JSONL, Splunk HEC, Elastic `_bulk`, Sentinel ingestion |
//! | engines | [`engines`] | emitted rules × generated events → verdicts of engines we did not write |
//!
//! Invariants: output depends only on the program, the settings and the templates
//! (never on the clock, thread count or hash order).

pub mod build;
pub mod coverage;
pub mod diff;
pub mod engines;
pub mod lock;
pub mod out_dir;
pub mod pipeline;
pub mod replay;

pub use build::{build, BuildOutput, UnitOutcome};
