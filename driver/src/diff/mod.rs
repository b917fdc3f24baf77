//! The semantic diff: two checked trees (two folders, or two git revisions of one)
//! → for every rule, whether its meaning changed, only its metadata or text, or
//! nothing; for a change of meaning, what changed and events or scenarios that one
//! version fires on and the other does not.
//!
//! | module | what |
//! |---|---|
//! | [`witness`] | a changed rule → its changed parameters and the events that tell the versions apart |
//! | [`markdown`] | a [`Diff`] → a pull-request comment |
//! | [`git`] | a revision of a tree → a temporary folder holding it |
//!
//! Rules are matched by (flow id, step or sequence id), the version lock's key. A
//! rule that disappears while another with the same kind and meaning appears is a
//! rename (its rule ids change: a SIEM gets a new rule). Both trees are built for
//! every target with their own settings and the built-in templates, at first
//! versions, and fingerprinted as the lock does ([`crate::lock::fingerprint`]), so
//! "text changed" means what a SIEM would import changed.
//!
//! Invariants: output is sorted by rule key and deterministic (events come from the
//! generator with its default seed); every witness was checked with `ir::eval`
//! against both versions.

pub mod git;
pub mod markdown;
pub mod witness;

use crate::lock::fingerprint::{self, Fingerprints, RuleFingerprint};
use crate::lock::{Kind, Lock, RuleKey};
use scalpel_compiler::diag::Diagnostic;
use scalpel_compiler::events::{self, Generated};
use scalpel_compiler::ir::{Flow, Program, Sequence, Step};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Context, Settings, Target, Version, Versions};
use serde::Serialize;
use std::collections::BTreeSet;

/// One side of the diff.
pub struct Tree<'a> {
    /// How the report names it: a folder, or `REV:path`.
    pub label: String,
    pub program: &'a Program,
    /// The tree's name (rule ids derive from it).
    pub name: &'a str,
    pub settings: &'a Settings,
    pub lock: Option<&'a Lock>,
}

impl Tree<'_> {
    fn flow(&self, id: &str) -> Option<&Flow> {
        self.program.flows.iter().find(|f| f.id == id)
    }

    fn step(&self, key: &RuleKey) -> Option<&Step> {
        self.flow(&key.flow)?.step(&key.item)
    }

    fn sequence(&self, key: &RuleKey) -> Option<&Sequence> {
        self.flow(&key.flow)?.sequences.iter().find(|s| s.id == key.item)
    }

    fn locked_version(&self, key: &RuleKey) -> Option<Version> {
        self.lock?.rules.get(key).filter(|e| e.removed.is_none()).map(|e| e.version)
    }
}

/// What happened to a rule, most significant first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Meaning,
    Added,
    Removed,
    Renamed,
    Metadata,
    Text,
    Unchanged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Meaning => "meaning",
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Renamed => "renamed",
            Status::Metadata => "metadata",
            Status::Text => "text",
            Status::Unchanged => "unchanged",
        }
    }

    /// Whether the tree now detects something else: CI's exit status 1.
    pub fn changes_detection(self) -> bool {
        matches!(self, Status::Meaning | Status::Added | Status::Removed)
    }
}

/// A parameter of a rule in both versions, as `.det` text (`none` when absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aspect {
    pub what: String,
    pub old: String,
    pub new: String,
}

/// Which version a witness fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    Old,
    New,
    /// Both fire, for different groups.
    Both,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedEvent {
    pub source: String,
    pub event: serde_json::Value,
}

/// Events that one version fires on (matches, or alerts for) and the other does not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Witness {
    pub fires: Which,
    /// `event` (one event, a condition) or `scenario` (events in time order: a threshold or sequence).
    pub kind: &'static str,
    /// How it was found: the generator's case label, or the search it answers.
    pub label: String,
    pub events: Vec<SourcedEvent>,
    /// What each version does with it: `match`, `no match`, `alert for [key]`, `no alert`.
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDiff {
    /// The rule's key in the new tree (in the old one when removed).
    pub rule: String,
    pub kind: Kind,
    pub status: Status,
    /// For a rename: the key in the old tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// What changed in what the rule means.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meaning: Vec<Aspect>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<Witness>,
    /// What could not be shown (no event tells the versions apart, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What changed in what the rule says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Aspect>,
    /// Targets whose emitted rule text differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<&'static str>,
    /// Versions in each tree's lock (`null` without a lock or an entry).
    pub old_version: Option<String>,
    pub new_version: Option<String>,
    /// The new tree has a lock and it does not record this change (same version as
    /// the old lock, no entry for an added rule, a removed rule not marked removed).
    pub not_locked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    /// Set when the tree's name changed: every rule id changes with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_tree: Option<(String, String)>,
    /// Every rule of either tree, sorted by key; unchanged ones included.
    pub rules: Vec<RuleDiff>,
}

impl Diff {
    pub fn count(&self, status: Status) -> usize {
        self.rules.iter().filter(|r| r.status == status).count()
    }

    /// Exit status for CI: 1 when what the tree detects changed, else 0.
    pub fn changes_detection(&self) -> bool {
        self.rules.iter().any(|r| r.status.changes_detection())
    }
}

/// Compares two trees.
pub fn diff(old: &Tree, new: &Tree) -> Result<Diff, Diagnostic> {
    let templates = Templates::load(None)?;
    let old_fps = fingerprints(old, &templates);
    let new_fps = fingerprints(new, &templates);
    let mut rules = Vec::new();
    let mut meaning_flows: (BTreeSet<&str>, BTreeSet<&str>) = Default::default();
    for (key, new_fp) in &new_fps {
        let Some(old_fp) = old_fps.get(key) else { continue };
        let mut rule = compare(old, new, key, key, old_fp, new_fp);
        if rule.status == Status::Meaning {
            meaning_flows.0.insert(&key.flow);
            meaning_flows.1.insert(&key.flow);
        }
        rule.old_version = old.locked_version(key).map(|v| v.to_string());
        rules.push((key.clone(), rule));
    }
    let mut removed: Vec<&RuleKey> = old_fps.keys().filter(|k| !new_fps.contains_key(*k)).collect();
    for (key, new_fp) in new_fps.iter().filter(|(k, _)| !old_fps.contains_key(*k)) {
        match take_rename(&mut removed, key, new_fp, &old_fps) {
            Some(from) => {
                let mut rule = compare(old, new, &from, key, &old_fps[&from], new_fp);
                rule.status = Status::Renamed;
                rule.renamed_from = Some(from.to_string());
                rule.old_version = old.locked_version(&from).map(|v| v.to_string());
                rules.push((key.clone(), rule));
            }
            None => rules.push((key.clone(), bare(key, new_fp.kind, Status::Added))),
        }
    }
    for key in removed {
        let mut rule = bare(key, old_fps[key].kind, Status::Removed);
        rule.old_version = old.locked_version(key).map(|v| v.to_string());
        rules.push((key.clone(), rule));
    }
    let generated = (generate(old.program, &meaning_flows.0), generate(new.program, &meaning_flows.1));
    for (key, rule) in &mut rules {
        if rule.status == Status::Meaning {
            witness::explain(old, new, key, &generated, rule);
        }
        rule.new_version = new.locked_version(key).map(|v| v.to_string());
        rule.not_locked = new.lock.is_some_and(|lock| !records(lock, key, rule));
    }
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    let renamed_tree = (old.name != new.name).then(|| (old.name.to_string(), new.name.to_string()));
    Ok(Diff {
        old: old.label.clone(),
        new: new.label.clone(),
        renamed_tree,
        rules: rules.into_iter().map(|(_, r)| r).collect(),
    })
}

/// Whether the new tree's lock records what happened to `rule`.
fn records(lock: &Lock, key: &RuleKey, rule: &RuleDiff) -> bool {
    let entry = lock.rules.get(key);
    match rule.status {
        Status::Unchanged => true,
        Status::Removed => entry.is_none_or(|e| e.removed.is_some()),
        Status::Added | Status::Renamed => entry.is_some_and(|e| e.removed.is_none()),
        Status::Meaning | Status::Metadata | Status::Text => {
            rule.new_version.is_some() && (rule.old_version.is_none() || rule.old_version != rule.new_version)
        }
    }
}

/// Both trees fingerprinted as the lock does: a build at first versions for every target.
fn fingerprints(tree: &Tree, templates: &Templates) -> Fingerprints {
    let ctx = Context { program: tree.program, tree: tree.name, settings: tree.settings, versions: &Versions::none() };
    let output = crate::build::build_versioned(&ctx, Target::ALL, templates, &|| ());
    let mut fps = fingerprint::of_program(tree.program, tree.name);
    fingerprint::add_emitted(&mut fps, &ctx, &output, templates);
    fps
}

/// Events for the flows that hold a change of meaning only (generation is per item,
/// so a flow's events are the same as in a whole-tree run).
fn generate(program: &Program, flows: &BTreeSet<&str>) -> Generated {
    if flows.is_empty() {
        return Generated::default();
    }
    let mut subset = program.clone();
    subset.flows.retain(|f| flows.contains(f.id.as_str()));
    events::generate(&subset, events::DEFAULT_SEED)
}

/// The removed rule `added` was renamed from: same kind and meaning; one with the
/// same item id (a renamed flow) or the same flow (a renamed step) first.
fn take_rename(
    removed: &mut Vec<&RuleKey>,
    added: &RuleKey,
    fp: &RuleFingerprint,
    old: &Fingerprints,
) -> Option<RuleKey> {
    let same = |k: &&RuleKey| old[*k].kind == fp.kind && old[*k].meaning == fp.meaning;
    let position = removed
        .iter()
        .position(|k| same(k) && k.item == added.item)
        .or_else(|| removed.iter().position(|k| same(k) && k.flow == added.flow))
        .or_else(|| removed.iter().position(same))?;
    Some(removed.remove(position).clone())
}

fn bare(key: &RuleKey, kind: Kind, status: Status) -> RuleDiff {
    RuleDiff {
        rule: key.to_string(),
        kind,
        status,
        renamed_from: None,
        meaning: Vec::new(),
        witnesses: Vec::new(),
        notes: Vec::new(),
        metadata: Vec::new(),
        targets: Vec::new(),
        old_version: None,
        new_version: None,
        not_locked: false,
    }
}

/// A rule present in both trees (`from` in the old, `to` in the new).
fn compare(
    old: &Tree,
    new: &Tree,
    from: &RuleKey,
    to: &RuleKey,
    old_fp: &RuleFingerprint,
    new_fp: &RuleFingerprint,
) -> RuleDiff {
    let targets: Vec<&'static str> =
        Target::ALL.iter().filter(|t| old_fp.emitted.get(t) != new_fp.emitted.get(t)).map(|t| t.name()).collect();
    let status = if old_fp.meaning != new_fp.meaning || old_fp.kind != new_fp.kind {
        Status::Meaning
    } else if old_fp.metadata != new_fp.metadata {
        Status::Metadata
    } else if !targets.is_empty() {
        Status::Text
    } else {
        Status::Unchanged
    };
    let mut rule = bare(to, new_fp.kind, status);
    rule.targets = targets;
    if old_fp.metadata != new_fp.metadata {
        rule.metadata = witness::metadata_aspects(old, new, from, to);
    }
    rule
}
