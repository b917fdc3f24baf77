//! Scalpel back ends: the checked IR → one rule file per step, threshold and
//! sequence for each target, plus the packaged files a SIEM imports.
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | settings | [`settings`] | `[targets.*]` of `scalpel.toml` → typed settings |
//! | schedule | [`schedule`] | a rule × its target's settings → run interval, look-back, delay, suppression keys |
//! | emit | [`sigma`], [`splunk`], [`kql`], [`elastic`] | one IR step or sequence → rule text + diagnostics |
//! | package | [`templates`], [`kql`], [`elastic`] | emitted rules → packaged files (`savedsearches.conf`, table schemas, `rules.ndjson`) |
//!
//! Invariants: output depends only on the program, the settings and the templates
//! (never on the clock, thread count or hash order); every value reaches a query
//! through its target's one escaping function; what a target cannot express exactly
//! is reported as a coded diagnostic, never dropped.

pub mod backend;
pub mod backtracking;
pub mod elastic;
pub mod ids;
pub mod infix;
pub mod kql;
pub mod markup;
pub mod quote;
pub mod reprint;
pub mod schedule;
pub mod settings;
pub mod sigma;
pub mod splunk;
pub mod templates;
pub mod versions;
pub mod yaml;

pub use backend::{Backend, Emitted, OutFile, RuleMeta};
pub use settings::Settings;
pub use versions::{Stamp, Version, Versions};

use scalpel_compiler::ir::Program;
use std::fmt;

/// A query language users can compile to (`--target sigma,splunk,elastic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Sigma,
    Splunk,
    Kql,
    Elastic,
}

impl Target {
    pub const ALL: &'static [Target] = &[Target::Sigma, Target::Splunk, Target::Kql, Target::Elastic];

    /// The lowercase name used on the command line, in settings and as the output folder.
    pub fn name(self) -> &'static str {
        match self {
            Target::Sigma => "sigma",
            Target::Splunk => "splunk",
            Target::Kql => "kql",
            Target::Elastic => "elastic",
        }
    }

    pub fn parse(text: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The back end that emits this target.
    pub fn backend(self) -> &'static dyn Backend {
        match self {
            Target::Sigma => &sigma::Sigma,
            Target::Splunk => &splunk::Splunk,
            Target::Kql => &kql::Kql,
            Target::Elastic => &elastic::Elastic,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What every back end reads besides the IR.
pub struct Context<'a> {
    pub program: &'a Program,
    /// The detection tree's name (`name` in `scalpel.toml`), part of every rule id.
    pub tree: &'a str,
    pub settings: &'a Settings,
    /// The rules' versions and dates, from the version lock.
    pub versions: &'a Versions,
}

impl Context<'_> {
    /// The version and dates of a step's or sequence's rules: the lock's, or the
    /// first version dated `[targets.sigma] date` for a rule the lock does not know.
    pub fn stamp(&self, flow: &str, item: &str) -> Stamp {
        self.versions.get(flow, item).cloned().unwrap_or_else(|| Stamp::first(&self.settings.sigma.date))
    }
}
